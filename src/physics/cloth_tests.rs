//! Cloth against textbook estimates, within stated tolerances: the sag of an elastic
//! ribbon, stretch under gravity, no tunneling, two-way coupling, determinism.

use glam::Vec3;

use super::cloth::strain;
use super::{Simulation, simulate};
use crate::progress::Silent;
use crate::scene::{Scene, parse_str};

pub(super) fn scene(text: &str) -> Scene {
    match parse_str(text, "test", ".".as_ref()) {
        Ok(s) => s,
        Err(e) => panic!("test scene invalid:\n{e}"),
    }
}

pub(super) fn error_of(text: &str) -> String {
    match parse_str(text, "test", ".".as_ref()) {
        Ok(_) => panic!("scene should be refused:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// A ribbon 1 m long and 1 cm high, pinned at its two top corners at its rest length,
/// sags under its own weight like an elastic string: a parabolic cable of weight `w`
/// per meter has horizontal tension `H = w L² / 8δ` and stretches by `ΔL = 8δ² / 3L`,
/// so with `H = EA ΔL / L`, `δ³ = 3 w L⁴ / (64 EA)`. For `EA` = 500 N/m × 0.01 m and
/// `w` = 0.15 kg/m² × 0.01 m × 9.81 m/s²: δ = 5.2 cm. Shear and bending are off (a
/// string), damping high so it settles.
#[test]
fn ribbon_sag_matches_the_elastic_string_estimate() {
    let s = scene(
        r#"Scene(version: 1, name: "ribbon", duration: 3.0, fps: 20, physics_hz: 240,
           entities: [],
           cloths: [(name: "ribbon", size: (1.0, 0.01), resolution: (50, 1), at: (0, 1, 0),
                     pin: [TopLeft, TopRight], self_collision: false,
                     fabric: (stretch: 500, shear: 0, bend: 0, damping: 4.0))])"#,
    );
    let traj = simulate(&s, &Silent).unwrap();
    let c = &s.cloths[0];
    // The top edge's middle vertex, below the pins' height (1.005 m). It still bounces a
    // little: the sag is its mean over the last second.
    let mid = |f: &super::FrameState| f64::from(1.005 - f.cloth[0][c.index(25, 0) as usize].y);
    let spread = |from: f64, to: f64| {
        let v: Vec<f64> = traj
            .frames
            .iter()
            .filter(|f| f.time > from && f.time <= to)
            .map(mid)
            .collect();
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let lo = v.iter().copied().fold(f64::MAX, f64::min);
        let hi = v.iter().copied().fold(f64::MIN, f64::max);
        (mean, hi - lo)
    };
    let (sag, late) = spread(2.0, 3.0);
    let (_, early) = spread(0.0, 1.0);
    let (ea, w, l) = (500.0 * 0.01, 0.15 * 0.01 * 9.81, 1.0f64);
    let expected = (3.0 * w * l.powi(4) / (64.0 * ea)).cbrt();
    eprintln!(
        "ribbon sag {sag:.4} m, elastic string {expected:.4} m; bounce {early:.4} m in the first second, {late:.4} m in the last"
    );
    assert!(
        ((sag - expected) / expected).abs() < 0.10,
        "sag {sag} m vs estimate {expected} m"
    );
    assert!(
        late < 0.3 * early,
        "the bounce does not die down: {early} -> {late} m"
    );
}

/// A 1 m cotton sheet hanging from its top edge stretches far less than 2 %.
#[test]
fn cotton_stretches_less_than_two_percent_under_gravity() {
    let s = scene(
        r#"Scene(version: 1, name: "hang", duration: 1.5, fps: 10, physics_hz: 240,
           entities: [],
           cloths: [(name: "sheet", material: "cotton", size: (1.0, 1.0), resolution: (16, 16),
                     at: (0, 1.5, 0), pin: [Top], velocity: (0, 0, 0.5))])"#,
    );
    let traj = simulate(&s, &Silent).unwrap();
    let mut worst = 0.0f32;
    for f in &traj.frames {
        let (_, max) = strain(&s.cloths[0], &f.cloth[0]);
        worst = worst.max(max);
    }
    eprintln!("cotton: largest edge strain {worst:.5}");
    assert!(worst < 0.02, "an edge stretched {:.2} %", worst * 100.0);
    // It did swing (the test is not of a sheet that never moved).
    let last = traj.frames.last().unwrap();
    let bottom = last.cloth[0][s.cloths[0].index(8, 16) as usize];
    assert!(bottom.z.abs() > 0.01 || bottom.y < 0.6, "{bottom}");
}

/// A sheet thrown at 5 m/s onto a fixed board 1 cm thick ends on top of it: no vertex
/// crosses to the underside.
#[test]
fn cloth_does_not_tunnel_through_a_thin_board_at_5_m_s() {
    let s = scene(
        r#"Scene(version: 1, name: "tunnel", duration: 0.5, fps: 20, physics_hz: 240,
           entities: [(name: "board", shape: Box(size: (1.0, 0.01, 1.0)), body: Fixed)],
           cloths: [(name: "sheet", material: "silk", size: (0.6, 0.6), resolution: (12, 12),
                     at: (0, 0.08, 0), rotate_deg: (-90, 0, 0), velocity: (0, -5, 0))])"#,
    );
    let traj = simulate(&s, &Silent).unwrap();
    for f in &traj.frames {
        for p in &f.cloth[0] {
            let over_board = p.x.abs() < 0.5 && p.z.abs() < 0.5;
            assert!(
                !over_board || p.y > 0.0,
                "t={}: vertex {p} went through the board",
                f.time
            );
        }
    }
    // It landed: resting on the board's top (0.005 m) plus the thickness.
    let last = traj.frames.last().unwrap();
    let mean_y: f32 = last.cloth[0].iter().map(|p| p.y).sum::<f32>() / last.cloth[0].len() as f32;
    assert!(
        (mean_y - 0.008).abs() < 0.01,
        "mean height {mean_y} m, expected on the board"
    );
}

/// Two-way coupling: a heavy rubber sheet thrown sideways onto a light box on a
/// frictionless floor pushes it along.
#[test]
fn a_sheet_pushes_the_light_box_it_lands_on() {
    let s = scene(
        r#"Scene(version: 1, name: "push", duration: 0.6, fps: 20, physics_hz: 240,
           materials: {"ice": (friction: 0.0), "foam": (density: 50, friction: 0.0)},
           entities: [
               (name: "floor", shape: Ground, material: "ice"),
               (name: "box", shape: Box(size: (0.2, 0.2, 0.2)), material: "foam", at: (0, 0.1, 0)),
           ],
           cloths: [(name: "sheet", material: "rubber-sheet", size: (0.5, 0.5), resolution: (10, 10),
                     at: (-0.2, 0.35, 0), rotate_deg: (-90, 0, 0), velocity: (3, -1, 0))])"#,
    );
    let traj = simulate(&s, &Silent).unwrap();
    let box_x = traj.frames.last().unwrap().poses[1].translation.x;
    eprintln!("box pushed to x = {box_x} m");
    assert!(box_x > 0.01, "the box stayed at x = {box_x}");
}

/// Same scene, same bits; the hash covers the cloth; a snapshot continues bit-identically.
#[test]
fn cloth_is_deterministic_and_restores_from_a_snapshot() {
    let text = r#"Scene(version: 1, name: "det", duration: 0.5, fps: 10, physics_hz: 240,
           entities: [(name: "floor", shape: Ground), (name: "ball", shape: Sphere(radius: 0.15), at: (0, 0.15, 0))],
           cloths: [(name: "sheet", size: (0.6, 0.6), resolution: (10, 10), at: (0, 0.5, 0),
                     rotate_deg: (-90, 0, 0))],
           wind: (velocity: (2, 0, 0), gust: 0.5))"#;
    let s = scene(text);
    let a = simulate(&s, &Silent).unwrap();
    let b = simulate(&s, &Silent).unwrap();
    for (fa, fb) in a.frames.iter().zip(&b.frames) {
        assert_eq!(fa.state_hash, fb.state_hash);
        assert_eq!(fa.cloth, fb.cloth);
    }
    assert_ne!(
        a.frames[1].state_hash, a.frames[4].state_hash,
        "the hash follows the moving cloth"
    );

    let mut straight = Simulation::new(&s).unwrap();
    for _ in 0..60 {
        straight.step();
    }
    let snap = straight.snapshot(&s).unwrap();
    for _ in 0..30 {
        straight.step();
    }
    let mut resumed = Simulation::restore(&s, &snap).unwrap();
    for _ in 0..30 {
        resumed.step();
    }
    assert_eq!(straight.state_hash(), resumed.state_hash());
}

/// A sheet draped on a ball rests on it: the vertex over the ball's top stays a
/// thickness above it, and the cloth's edges hang below the ball's equator.
#[test]
fn a_sheet_drapes_over_a_ball() {
    let s = scene(
        r#"Scene(version: 1, name: "drape", duration: 1.5, fps: 10, physics_hz: 240,
           entities: [(name: "floor", shape: Ground),
                      (name: "ball", shape: Sphere(radius: 0.2), at: (0, 0.4, 0), body: Fixed)],
           cloths: [(name: "sheet", size: (0.8, 0.8), resolution: (16, 16), at: (0, 0.7, 0),
                     rotate_deg: (-90, 0, 0))])"#,
    );
    let traj = simulate(&s, &Silent).unwrap();
    let x = &traj.frames.last().unwrap().cloth[0];
    let c = &s.cloths[0];
    let top = x[c.index(8, 8) as usize];
    let thickness = c.fabric.thickness;
    assert!(
        (top.y - (0.6 + thickness)).abs() < 0.01,
        "centre vertex at {top}, ball top at 0.6"
    );
    let corner = x[c.index(0, 0) as usize];
    assert!(corner.y < 0.4, "corner at {corner}: it did not drape");
    for p in x {
        let d = (*p - Vec3::new(0.0, 0.4, 0.0)).length();
        assert!(
            d > 0.2 - 1e-3,
            "vertex {p} inside the ball ({d} m from its centre)"
        );
    }
}

#[test]
fn bad_cloths_are_refused_with_located_messages() {
    let base = |cloth: &str| {
        format!(
            r#"Scene(version: 1, name: "bad", duration: 0.5,
               entities: [(name: "pole", shape: Box(size: (0.1, 1, 0.1)), body: Fixed)],
               cloths: [{cloth}])"#
        )
    };
    let e = error_of(&base(
        r#"(name: "flag", size: (1, 1), pin: [Left], attach: "pol")"#,
    ));
    assert!(
        e.contains("cloths[0] \"flag\"")
            && e.contains("unknown entity \"pol\"")
            && e.contains("\"pole\""),
        "{e}"
    );
    let e = error_of(&base(
        r#"(name: "flag", size: (1, 1), resolution: (600, 4))"#,
    ));
    assert!(e.contains("resolution") && e.contains("600"), "{e}");
    let e = error_of(&base(
        r#"(name: "flag", size: (1, 1), resolution: (4, 4), pin: [Vertex(5, 0)])"#,
    ));
    assert!(
        e.contains("pin[0]") && e.contains("outside the grid"),
        "{e}"
    );
    let e = error_of(&base(r#"(name: "pole", size: (1, 1))"#));
    assert!(e.contains("used by an entity"), "{e}");
    let e = error_of(&base(r#"(name: "flag", size: (1, 1), material: "cottn")"#));
    assert!(
        e.contains("unknown material") && e.contains("\"cotton\""),
        "{e}"
    );
    let e = error_of(&base(r#"(name: "flag", size: (1, 0))"#));
    assert!(e.contains("size"), "{e}");
    let e = error_of(&base(r#"(name: "flag", size: (1, 1), attach: "pole")"#));
    assert!(e.contains("pin"), "{e}");
    let e = error_of(&base(
        r#"(name: "flag", size: (1, 1), fabric: (stretch: -3))"#,
    ));
    assert!(e.contains("fabric.stretch"), "{e}");
    // The vertex limit counts every sheet together, before anything is simulated.
    let many: Vec<String> = (0..2)
        .map(|i| format!(r#"(name: "c{i}", size: (1, 1), resolution: (250, 250))"#))
        .collect();
    let e = error_of(&base(&many.join(", ")));
    assert!(e.contains("over the limit"), "{e}");
    let e = error_of(
        r#"Scene(version: 1, name: "bad", duration: 0.5, entities: [], wind: (velocity: (1, 0, 0), gust: 2))"#,
    );
    assert!(e.contains("wind: gust"), "{e}");
}

/// The bundled tablecloth trick (`scenes/cloth/tablecloth_pull.ron`): the cloth leaves
/// the table whole, and the plate, cup and bottle stay standing where they were.
#[test]
fn the_tablecloth_trick_leaves_the_dishes_standing() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/cloth/tablecloth_pull.ron");
    let s = crate::scene::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let traj = simulate(&s, &Silent).unwrap();
    let last = traj.frames.last().unwrap();
    let c = &s.cloths[0];
    let max_x = last.cloth[0].iter().map(|p| p.x).fold(f32::MIN, f32::max);
    assert!(
        max_x < -0.9,
        "the cloth is still over the table (max x {max_x})"
    );
    let worst = traj
        .frames
        .iter()
        .map(|f| strain(c, &f.cloth[0]).1)
        .fold(0.0f32, f32::max);
    assert!(worst < 0.25, "the cloth tore-stretched {worst}");
    for name in ["plate", "cup", "bottle"] {
        let e = s.entity_index(name).unwrap();
        let (a, b) = (traj.frames[0].poses[e], last.poses[e]);
        let moved = (b.translation - a.translation).length();
        let upright = (b.rotation * Vec3::Y).y;
        eprintln!("{name}: moved {moved:.4} m, upright {upright:.4}");
        assert!(moved < 0.03, "{name} moved {moved} m");
        assert!(upright > 0.99, "{name} tipped over ({upright})");
    }
}
