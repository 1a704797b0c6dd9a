//! Liquids against textbook physics, within stated tolerances: hydrostatic pressure, a
//! flat resting surface, volume kept while sloshing, buoyancy, two-way coupling,
//! determinism and snapshot replay, and the bad input the format refuses.

use glam::Vec3;

use super::systems::Fluids;
use super::{Simulation, simulate};
use crate::progress::Silent;
use crate::scene::{Scene, parse_str};

fn scene(text: &str) -> Scene {
    match parse_str(text, "test", ".".as_ref()) {
        Ok(s) => s,
        Err(e) => panic!("test scene invalid:\n{e}"),
    }
}

fn error_of(text: &str) -> String {
    match parse_str(text, "test", ".".as_ref()) {
        Ok(_) => panic!("scene should be refused:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// A square tank of inner side `w` m with fixed walls 0.4 m high, on a heavy dynamic
/// floor plate resting on the ground, plus `extra` entities and the `fluids` text.
fn tank(w: f32, duration: f32, extra: &str, fluids: &str) -> Scene {
    tank_on(
        w,
        duration,
        extra,
        fluids,
        r#"(name: "ground", shape: Ground),"#,
        "",
    )
}

/// [`tank`] with its own ground entity text and the floor's body.
fn tank_on(
    w: f32,
    duration: f32,
    extra: &str,
    fluids: &str,
    ground: &str,
    floor_body: &str,
) -> Scene {
    let t = 0.02;
    let half = w / 2.0 + t / 2.0;
    scene(&format!(
        r#"Scene(version: 1, name: "tank", duration: {duration}, fps: 20, physics_hz: 240,
           materials: {{"heavy": (density: 200000), "pine": (density: 500)}},
           entities: [
             {ground}
             (name: "floor", shape: Box(size: ({fw}, 0.02, {fw})), at: (0, 0.01, 0), material: "heavy"{floor_body}),
             (name: "wx0", shape: Box(size: ({t}, 0.4, {fw})), at: (-{half}, 0.22, 0), body: Fixed),
             (name: "wx1", shape: Box(size: ({t}, 0.4, {fw})), at: ({half}, 0.22, 0), body: Fixed),
             (name: "wz0", shape: Box(size: ({w}, 0.4, {t})), at: (0, 0.22, -{half}), body: Fixed),
             (name: "wz1", shape: Box(size: ({w}, 0.4, {t})), at: (0, 0.22, {half}), body: Fixed),
             {extra}
           ],
           fluids: [{fluids}])"#,
        fw = w + 2.0 * t,
    ))
}

/// A column of water 0.16 m deep at rest in a 0.32 m tank pushes on the floor with the
/// hydrostatic pressure `ρ g h` at its depth: the mean vertical impulse per second over
/// the last half second on the floor's central 0.2 × 0.2 m (away from the walls, which
/// carry part of the load at the corners), divided by that area, is within 5 % of
/// 998 × 9.81 × h, where h is the settled depth (the surface's mean height).
#[test]
#[ignore = "not met yet: the floor carries 12 % less than rho g h (1388 vs 1584 Pa) with salva DFSPH as coupled here (docs/fluids.md#checks)"]
fn resting_column_presses_the_floor_with_rho_g_h() {
    let w = 0.32;
    // No ground under the floor plate: the kernel reaches 4 cm, through the plate.
    let s = tank_on(
        w,
        1.5,
        "",
        &format!(
            r#"(name: "water", material: "water", particle_radius: 0.01,
                fill: Box(center: (0, 0.1, 0), size: ({w}, 0.16, {w})))"#
        ),
        "",
        ", body: Fixed",
    );
    let mut sim = Simulation::new(&s).unwrap();
    let floor = s.entities.iter().position(|e| e.name == "floor").unwrap();
    let steps = (1.5 * 240.0) as usize;
    let mut pushed = 0.0f64;
    let mut whole = 0.0f64;
    let mut counted = 0usize;
    let patch = 0.1f32;
    for k in 0..steps {
        sim.step();
        if k >= steps / 3 * 2 {
            let fl = &sim.world.resource::<Fluids>().0;
            whole += f64::from(
                -fl.last_impulses
                    .get(&floor)
                    .copied()
                    .unwrap_or(Vec3::ZERO)
                    .y,
            );
            for (e, x, j) in &fl.last_samples {
                if *e != floor {
                    continue;
                }
                for (p, j) in x.iter().zip(j) {
                    if p.x.abs() < patch && p.z.abs() < patch && p.y > 0.005 {
                        pushed += f64::from(-j.y);
                    }
                }
            }
            counted += 1;
        }
    }
    let fl = &sim.world.resource::<Fluids>().0;
    let x = &fl.states[0].x;
    // Depth: from the floor's top (0.02) to the surface, a particle radius above the
    // top layer's centers; the top layer is the particles within r of the highest.
    let top = x.iter().map(|p| p.y).fold(f32::MIN, f32::max);
    let layer: Vec<f32> = x.iter().map(|p| p.y).filter(|y| *y > top - 0.01).collect();
    let surface = layer.iter().sum::<f32>() / layer.len() as f32 + 0.01;
    let depth = f64::from(surface - 0.02);
    let seconds = counted as f64 / 240.0;
    eprintln!(
        "last step impulses by entity: {:?}; weight × dt = {}",
        fl.last_impulses,
        x.len() as f32 * 8e-6 * 998.0 * 9.81 / 240.0
    );
    let pressure = pushed / seconds / f64::from(4.0 * patch * patch);
    let mean = whole / seconds / f64::from(w * w);
    let expected = 998.0 * 9.81 * depth;
    let err = (pressure - expected).abs() / expected;
    assert!(
        err < 0.05,
        "floor pressure {pressure:.0} Pa (whole floor {mean:.0} Pa) vs rho g h = {expected:.0} Pa (depth {depth:.4} m): {:.1} % off",
        err * 100.0
    );
}

/// After settling, a still tank's surface is flat: the top particle of every column of
/// the lattice lies within one particle radius of the others.
#[test]
#[ignore = "not met yet: the surface spreads 3 cm after 1 s, over one particle radius (docs/fluids.md#checks)"]
fn still_surface_settles_flat() {
    let w = 0.16;
    let s = tank(
        w,
        1.0,
        "",
        &format!(
            r#"(name: "water", particle_radius: 0.01,
                fill: Box(center: (0, 0.08, 0), size: ({w}, 0.12, {w})))"#
        ),
    );
    let traj = simulate(&s, &Silent).unwrap();
    let last = traj.frames.last().unwrap();
    let x = &last.fluids[0].positions;
    let mut tops = std::collections::BTreeMap::<(i32, i32), f32>::new();
    for p in x {
        let key = ((p.x / 0.02).floor() as i32, (p.z / 0.02).floor() as i32);
        let t = tops.entry(key).or_insert(f32::MIN);
        *t = t.max(p.y);
    }
    let lo = tops.values().copied().fold(f32::MAX, f32::min);
    let hi = tops.values().copied().fold(f32::MIN, f32::max);
    assert!(
        hi - lo < 0.01,
        "surface height spread {:.4} m over {} columns, over one particle radius",
        hi - lo,
        tops.len()
    );
}

/// A box of density 500 kg/m³ floats with half its height under water (± 10 %).
#[test]
#[ignore = "not met yet: the pine block sinks (submerged fraction 1.5) with the boundary forces as measured (docs/fluids.md#checks)"]
fn half_density_box_floats_half_submerged() {
    let w = 0.24;
    let s = tank(
        w,
        2.5,
        r#"(name: "block", shape: Box(size: (0.1, 0.1, 0.1)), at: (0, 0.26, 0), material: "pine"),"#,
        &format!(
            r#"(name: "water", particle_radius: 0.005,
                fill: Box(center: (0, 0.1, 0), size: ({w}, 0.16, {w})))"#
        ),
    );
    let traj = simulate(&s, &Silent).unwrap();
    let block = s.entities.iter().position(|e| e.name == "block").unwrap();
    // The surface: the mean height of the top layer of particles away from the block,
    // plus a particle radius; averaged with the block's center over the last second.
    let mut sub = Vec::new();
    for f in traj.frames.iter().filter(|f| f.time >= 1.5) {
        let x = &f.fluids[0].positions;
        let c = f.poses[block].translation;
        let far: Vec<f32> = x
            .iter()
            .filter(|p| (p.x - c.x).abs() > 0.07 || (p.z - c.z).abs() > 0.07)
            .map(|p| p.y)
            .collect();
        let top = far.iter().copied().fold(f32::MIN, f32::max);
        let layer: Vec<f32> = far.iter().copied().filter(|y| *y > top - 0.005).collect();
        let surface = layer.iter().sum::<f32>() / layer.len() as f32 + 0.005;
        let bottom = c.y - 0.05;
        sub.push((surface - bottom) / 0.1);
    }
    let mean = sub.iter().sum::<f32>() / sub.len() as f32;
    assert!(
        (mean - 0.5).abs() <= 0.05,
        "submerged fraction {mean:.3}, expected 0.5 ± 10 %"
    );
}

/// The liquid keeps its volume while it sloshes: a water block released against one wall
/// of the tank runs across and back for 5 s, and the mean SPH density of the particles
/// with a full neighbourhood stays within 2 % of the rest density at every frame (so the
/// volume the particles fill does too).
#[test]
#[ignore = "not met yet: the interior density strays 2.9 % from rest while sloshing (docs/fluids.md#checks)"]
fn sloshing_keeps_volume_within_two_percent() {
    let w = 0.2;
    let s = tank(
        w,
        5.0,
        "",
        r#"(name: "water", particle_radius: 0.01,
            fill: Box(center: (-0.05, 0.11, 0), size: (0.1, 0.18, 0.2)))"#,
    );
    let traj = simulate(&s, &Silent).unwrap();
    let r = 0.01f32;
    let h = 4.0 * r;
    // The cubic spline of support h (Monaghan 1992), normalized in 3-D.
    let kernel = |d: f32| {
        let q = 2.0 * d / h;
        let sigma = 8.0 / (std::f32::consts::PI * h * h * h);
        if q < 1.0 {
            sigma * (1.0 - 1.5 * q * q + 0.75 * q * q * q)
        } else if q < 2.0 {
            sigma * 0.25 * (2.0 - q).powi(3)
        } else {
            0.0
        }
    };
    let cell = (2.0 * r).powi(3);
    let mut worst = 0.0f32;
    for f in &traj.frames {
        let x = &f.fluids[0].positions;
        let mut sum = 0.0f64;
        let mut n = 0usize;
        for p in x {
            let mut rho = 0.0f32;
            let mut neighbours = 0;
            for q in x {
                let d = p.distance(*q);
                if d < h {
                    rho += kernel(d) * cell;
                    neighbours += 1;
                }
            }
            // Full neighbourhoods only: 33 lattice neighbours within 2 spacings.
            if neighbours >= 30 {
                sum += f64::from(rho);
                n += 1;
            }
        }
        if n > 0 {
            worst = worst.max((sum / n as f64 - 1.0).abs() as f32);
        }
    }
    assert!(
        worst < 0.02,
        "mean density of the interior strayed {:.2} % from rest",
        worst * 100.0
    );
}

/// Same scene twice: identical states; a snapshot taken mid-pour continues bit-identically.
#[test]
fn liquids_are_deterministic_and_replay_from_snapshots() {
    let text = r#"Scene(version: 1, name: "pour", duration: 0.5, fps: 10, physics_hz: 240,
        entities: [(name: "ground", shape: Ground),
                   (name: "cup", shape: Box(size: (0.06, 0.06, 0.06)), at: (0.05, 0.03, 0))],
        fluids: [(name: "jet", particle_radius: 0.008,
                  fill: Emitter(at: (0, 0.3, 0), direction: (0, -1, 0), radius: 0.02, rate_l_per_s: 0.5)),
                 (name: "blob", material: "honey", particle_radius: 0.008,
                  fill: Box(center: (-0.1, 0.1, 0), size: (0.06, 0.06, 0.06)))])"#;
    let s = scene(text);
    let a = simulate(&s, &Silent).unwrap();
    let b = simulate(&s, &Silent).unwrap();
    for (fa, fb) in a.frames.iter().zip(&b.frames) {
        assert_eq!(
            fa.state_hash, fb.state_hash,
            "run to run at t = {}",
            fa.time
        );
    }
    // By the last frame (0.4 s) the jet (0.5 l/s through a layer of 5 cells of 16 mm,
    // 0.39 m/s) has let out 0.156 m: 9 whole layers of 5 particles (spacing 0.016 m).
    let last = &a.frames.last().unwrap().fluids[0];
    assert_eq!(last.positions.len(), 45, "particles poured");
    let fastest = last
        .velocities
        .iter()
        .fold(0.0f32, |m, v| m.max(v.length()));
    assert!(
        fastest > 1.0,
        "the jet's fastest particle moves at {fastest} m/s"
    );
    let mut sim = Simulation::new(&s).unwrap();
    for _ in 0..60 {
        sim.step();
    }
    let snap = sim.snapshot(&s).unwrap();
    let mut restored = Simulation::restore(&s, &snap).unwrap();
    for k in 0..48 {
        sim.step();
        restored.step();
        assert_eq!(
            sim.state_hash(),
            restored.state_hash(),
            "restored run diverged {} steps after the snapshot",
            k + 1
        );
    }
}

/// Two-way coupling: a light box in the path of a jet is moved; with no jet it stays.
#[test]
fn a_jet_pushes_a_light_box() {
    let with = |jet: bool| {
        let fluids = if jet {
            r#"(name: "jet", particle_radius: 0.006,
                fill: Emitter(at: (-0.2, 0.05, 0), direction: (1, 0, 0), radius: 0.02, rate_l_per_s: 1.0))"#
        } else {
            ""
        };
        let s = scene(&format!(
            r#"Scene(version: 1, name: "push", duration: 0.6, fps: 10, physics_hz: 240,
               materials: {{"foam": (density: 50, friction: 0.2)}},
               entities: [(name: "ground", shape: Ground),
                          (name: "box", shape: Box(size: (0.06, 0.06, 0.06)), at: (0, 0.03, 0), material: "foam")],
               fluids: [{fluids}])"#
        ));
        let traj = simulate(&s, &Silent).unwrap();
        traj.frames.last().unwrap().poses[1].translation.x
    };
    let still = with(false);
    let pushed = with(true);
    assert!(
        still.abs() < 1e-3,
        "without liquid the box moved to x = {still}"
    );
    assert!(pushed > 0.02, "the jet moved the box only to x = {pushed}");
}

#[test]
fn bad_fluids_are_refused_with_the_field_named() {
    let base = |fluids: &str| {
        format!(
            r#"Scene(version: 1, name: "bad", duration: 1.0, fps: 10, physics_hz: 240,
               entities: [(name: "ground", shape: Ground),
                          (name: "rock", shape: Box(size: (0.2, 0.2, 0.2)), at: (0, 0.1, 0), body: Fixed)],
               fluids: [{fluids}])"#
        )
    };
    let e = error_of(&base(
        r#"(name: "w", material: "watr", fill: Box(center: (1, 1, 1), size: (0.1, 0.1, 0.1)))"#,
    ));
    assert!(
        e.contains("fluids[0] \"w\": material") && e.contains("did you mean \"water\""),
        "{e}"
    );
    let e = error_of(&base(
        r#"(name: "w", fill: Box(center: (0, 0.1, 0), size: (0.1, 0.1, 0.1)))"#,
    ));
    assert!(e.contains("inside the solid \"rock\""), "{e}");
    let e = error_of(&base(
        r#"(name: "w", fill: Box(center: (1, 1, 1), size: (0.01, 0.1, 0.1)))"#,
    ));
    assert!(e.contains("holds no particles"), "{e}");
    let e = error_of(&base(r#"(name: "w", fill: Inside(entity: "rock"))"#));
    assert!(e.contains("cavity of \"rock\" holds no particles"), "{e}");
    let e = error_of(&base(r#"(name: "w", fill: Inside(entity: "rok"))"#));
    assert!(e.contains("unknown entity \"rok\""), "{e}");
    let e = error_of(&base(
        r#"(name: "w", particle_radius: 0.002, fill: Emitter(at: (0, 1, 0), direction: (0, -1, 0), radius: 0.05, rate_l_per_s: 50))"#,
    ));
    assert!(e.contains("over the limit of 300000"), "{e}");
    let e = error_of(&base(
        r#"(name: "a", fill: Box(center: (1, 1, 1), size: (0.1, 0.1, 0.1))), (name: "b", particle_radius: 0.02, fill: Box(center: (-1, 1, 1), size: (0.1, 0.1, 0.1)))"#,
    ));
    assert!(
        e.contains("fluids[1] \"b\": particle_radius") && e.contains("shares one particle radius"),
        "{e}"
    );
    let e = error_of(&base(
        r#"(name: "rock", fill: Box(center: (1, 1, 1), size: (0.1, 0.1, 0.1)))"#,
    ));
    assert!(e.contains("is used by an entity"), "{e}");
}

/// A hollow container holds its fill: a cup of five boxes filled to 80 % keeps every
/// particle inside its walls after a second.
#[test]
fn a_hollow_cup_is_filled_and_holds_its_liquid() {
    let s = scene(
        r#"Scene(version: 1, name: "cup", duration: 1.0, fps: 10, physics_hz: 240,
           entities: [(name: "ground", shape: Ground),
             (name: "cup", shape: Box(size: (0.14, 0.01, 0.14)), at: (0, 0.005, 0), body: Fixed,
              children: [
                (name: "a", shape: Box(size: (0.01, 0.12, 0.14)), at: (-0.065, 0.065, 0)),
                (name: "b", shape: Box(size: (0.01, 0.12, 0.14)), at: (0.065, 0.065, 0)),
                (name: "c", shape: Box(size: (0.12, 0.12, 0.01)), at: (0, 0.065, -0.065)),
                (name: "d", shape: Box(size: (0.12, 0.12, 0.01)), at: (0, 0.065, 0.065))])],
           fluids: [(name: "milk", material: "milk", particle_radius: 0.006, fill: Inside(entity: "cup", level: 0.8))])"#,
    );
    let crate::scene::Fill::Particles(p) = &s.fluids[0].fill else {
        panic!("an Inside fill starts with particles")
    };
    assert!(p.len() > 500, "only {} particles in the cup", p.len());
    let traj = simulate(&s, &Silent).unwrap();
    let x = &traj.frames.last().unwrap().fluids[0].positions;
    assert_eq!(x.len(), p.len(), "particles were lost");
    for q in x {
        assert!(
            q.x.abs() < 0.06 && q.z.abs() < 0.06 && q.y > 0.01 && q.y < 0.13,
            "a particle left the cup: {q}"
        );
    }
}

fn bundled(name: &str) -> Scene {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenes/fluid")
        .join(name);
    match crate::scene::load(&path) {
        Ok(s) => s,
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

/// The bundled pour: the glass fills to the brim and the rest runs over.
#[test]
#[ignore = "slow in a debug build (about 70 s): run with cargo test --lib fluid_tests -- --ignored"]
fn bundled_pour_fills_the_glass_and_overflows() {
    let s = bundled("pour_overflow.ron");
    let traj = simulate(&s, &Silent).unwrap();
    let x = &traj.frames.last().unwrap().fluids[0].positions;
    let inside = x
        .iter()
        .filter(|p| Vec3::new(p.x, 0.0, p.z).length() < 0.036 && p.y > 0.006 && p.y < 0.12)
        .count();
    // The cavity: 3.6 cm inner radius, 11 cm deep, over particle cells of (8 mm)³.
    let cavity = std::f32::consts::PI * 0.036 * 0.036 * 0.11 / 0.008f32.powi(3);
    assert!(
        inside as f32 > 0.8 * cavity,
        "{inside} particles in the glass, its cavity holds {cavity:.0}"
    );
    let over = x
        .iter()
        .filter(|p| Vec3::new(p.x, 0.0, p.z).length() > 0.045)
        .count();
    assert!(
        over * 20 > x.len(),
        "only {over} of {} particles ran over",
        x.len()
    );
}
