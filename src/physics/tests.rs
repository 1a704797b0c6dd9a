//! Tests that prove it is physics, not animation: textbook results within stated
//! tolerances, and determinism through replay hashes.

use glam::Vec3;

use super::{Simulation, simulate};
use crate::progress::Silent;
use crate::scene::{Scene, parse_str};

fn scene(text: &str) -> Scene {
    match parse_str(text, "test", ".".as_ref()) {
        Ok(s) => s,
        Err(e) => panic!("test scene invalid:\n{e}"),
    }
}

fn rel_err(measured: f64, expected: f64) -> f64 {
    ((measured - expected) / expected).abs()
}

const G: f64 = 9.81;

#[test]
fn free_fall_matches_half_g_t_squared() {
    let s = scene(
        r#"Scene(version: 1, name: "fall", duration: 1.5, fps: 24, physics_hz: 240,
           entities: [(name: "ball", shape: Sphere(radius: 0.1), at: (0.0, 20.0, 0.0))])"#,
    );
    let traj = simulate(&s, &Silent).unwrap();
    let mut checked = 0;
    let mut worst = 0.0f64;
    for f in &traj.frames {
        if f.time < 0.5 {
            continue;
        }
        let drop = 20.0 - f64::from(f.poses[0].translation.y);
        let expected = 0.5 * G * f.time * f.time;
        assert!(
            rel_err(drop, expected) < 0.01,
            "t={} drop {drop} expected {expected}",
            f.time
        );
        worst = worst.max(rel_err(drop, expected));
        // Symplectic Euler integrates velocity exactly under constant acceleration.
        let v = -f64::from(f.linvel[0].y);
        assert!(rel_err(v, G * f.time) < 1e-4, "t={} v {v}", f.time);
        checked += 1;
    }
    assert!(checked > 20);
    eprintln!("free fall: worst relative error {worst:.2e} over t in [0.5, 1.5) s");
}

#[test]
fn projectile_range_matches_v2_sin2theta_over_g() {
    // Launched at 45 degrees with 5 m/s from y = 0, no ground: lands back at y = 0 after
    // R = v^2 sin(2 theta) / g.
    let v = 5.0f64;
    let vx = v * std::f64::consts::FRAC_1_SQRT_2;
    let s = scene(&format!(
        r#"Scene(version: 1, name: "projectile", duration: 1.0, fps: 240, physics_hz: 240,
           entities: [(name: "ball", shape: Sphere(radius: 0.05),
                       body: Dynamic(velocity: ({vx}, {vx}, 0.0)))])"#
    ));
    let traj = simulate(&s, &Silent).unwrap();
    let ys: Vec<(f64, f64)> = traj
        .frames
        .iter()
        .map(|f| {
            (
                f64::from(f.poses[0].translation.x),
                f64::from(f.poses[0].translation.y),
            )
        })
        .collect();
    let k = ys
        .windows(2)
        .position(|w| w[0].1 > 0.0 && w[1].1 <= 0.0 && w[0].0 > 0.1)
        .expect("the ball comes back down within 1 s");
    let (x0, y0) = ys[k];
    let (x1, y1) = ys[k + 1];
    let range = x0 + (x1 - x0) * y0 / (y0 - y1);
    let expected = v * v * (2.0 * std::f64::consts::FRAC_PI_4).sin() / G;
    eprintln!(
        "projectile: range {range:.5} m, expected {expected:.5} m, error {:.5}",
        rel_err(range, expected)
    );
    assert!(
        rel_err(range, expected) < 0.01,
        "range {range} expected {expected}"
    );
}

#[test]
fn bounce_height_ratio_is_restitution_squared() {
    let e = 0.8f64;
    let s = scene(&format!(
        r#"Scene(version: 1, name: "bounce", duration: 1.5, fps: 480, physics_hz: 480,
           materials: {{"m": (restitution: {e}, friction: 0.0)}},
           entities: [
             (name: "floor", shape: Ground, material: "m"),
             (name: "ball", shape: Sphere(radius: 0.1), material: "m", at: (0.0, 1.1, 0.0)),
           ])"#
    ));
    let traj = simulate(&s, &Silent).unwrap();
    let heights: Vec<f64> = traj
        .frames
        .iter()
        .map(|f| f64::from(f.poses[1].translation.y) - 0.1)
        .collect();
    let contact = heights
        .iter()
        .position(|h| *h < 0.01)
        .expect("the ball reaches the floor");
    let apex = heights[contact..].iter().cloned().fold(f64::MIN, f64::max);
    let ratio = apex / 1.0;
    eprintln!(
        "bounce: h1/h0 {ratio:.5}, expected {:.5}, error {:.5}",
        e * e,
        rel_err(ratio, e * e)
    );
    assert!(
        rel_err(ratio, e * e) < 0.01,
        "bounce ratio {ratio}, expected e^2 = {}",
        e * e
    );
}

fn incline(theta_deg: f32, mu: f32) -> (Scene, f64) {
    let t = theta_deg.to_radians();
    // The ramp's top face passes through the origin; the 0.2 m cube sits on it.
    let n = Vec3::new(-t.sin(), t.cos(), 0.0);
    let ramp = -n * 0.1;
    let cube = n * 0.1001;
    let s = scene(&format!(
        r#"Scene(version: 1, name: "incline", duration: 1.5, fps: 240, physics_hz: 240,
           materials: {{"m": (friction: {mu}, restitution: 0.0)}},
           entities: [
             (name: "ramp", shape: Box(size: (6.0, 0.2, 2.0)), material: "m", body: Fixed,
              at: ({}, {}, 0.0), rotate_deg: (0.0, 0.0, {theta_deg})),
             (name: "cube", shape: Box(size: (0.2, 0.2, 0.2)), material: "m",
              at: ({}, {}, 0.0), rotate_deg: (0.0, 0.0, {theta_deg}),
              body: Dynamic(can_sleep: false)),
           ])"#,
        ramp.x, ramp.y, cube.x, cube.y
    ));
    (s, f64::from(t))
}

#[test]
fn box_on_incline_stays_when_tan_theta_below_mu() {
    let (s, t) = incline(20.0, 0.5);
    assert!(t.tan() < 0.5);
    let traj = simulate(&s, &Silent).unwrap();
    let start = traj.frames[0].poses[1].translation;
    let end = traj.frames.last().unwrap().poses[1].translation;
    eprintln!(
        "incline 20 deg, mu 0.5: moved {:.2e} m in 1.5 s",
        start.distance(end)
    );
    assert!(
        start.distance(end) < 1e-3,
        "the cube moved {} m on a 20 degree slope with mu 0.5",
        start.distance(end)
    );
}

#[test]
fn box_on_incline_slides_with_g_sin_minus_mu_cos() {
    let mu = 0.2;
    let (s, t) = incline(30.0, mu as f32);
    let traj = simulate(&s, &Silent).unwrap();
    let expected = G * (t.sin() - mu * t.cos());
    // Speed along the slope at t = 0.5 s and 1.25 s: the difference gives the
    // acceleration free of the first contact's settling.
    let speed = |time: f64| -> f64 {
        let f = traj
            .frames
            .iter()
            .find(|f| (f.time - time).abs() < 1e-6)
            .unwrap();
        f64::from(f.linvel[1].length())
    };
    let a = (speed(1.25) - speed(0.5)) / 0.75;
    eprintln!(
        "incline 30 deg, mu 0.2: a {a:.5} m/s2, expected {expected:.5}, error {:.5}",
        rel_err(a, expected)
    );
    assert!(rel_err(a, expected) < 0.01, "a = {a}, expected {expected}");
}

#[test]
fn momentum_is_conserved_in_a_two_ball_collision() {
    let s = scene(
        r#"Scene(version: 1, name: "billiard", duration: 1.0, fps: 100, physics_hz: 1000,
           gravity: (0.0, 0.0, 0.0),
           materials: {"a": (density: 2000, restitution: 0.9, friction: 0.1),
                       "b": (density: 500, restitution: 0.9, friction: 0.1)},
           entities: [
             (name: "a", shape: Sphere(radius: 0.1), material: "a", at: (-0.5, 0.0, 0.0),
              body: Dynamic(velocity: (2.0, 0.0, 0.0))),
             (name: "b", shape: Sphere(radius: 0.15), material: "b", at: (0.0, 0.0, 0.08)),
           ])"#,
    );
    let traj = simulate(&s, &Silent).unwrap();
    assert!(!traj.collisions.is_empty(), "the balls must collide");
    let p0 = traj.frames[0].momentum;
    let p1 = traj.frames.last().unwrap().momentum;
    eprintln!(
        "momentum: before {p0}, after {p1}, relative change {:.2e}",
        (p1 - p0).length() / p0.length()
    );
    assert!(
        (p1 - p0).length() / p0.length() < 0.01,
        "momentum before {p0}, after {p1}"
    );
    // The collision really happened: b moves, and sideways too (an oblique hit).
    let vb = traj.frames.last().unwrap().linvel[1];
    assert!(vb.x > 0.1 && vb.z.abs() > 0.05, "b's velocity {vb}");
}

#[test]
fn hinge_pendulum_period_matches_physical_pendulum() {
    // A 2 cm ball 1 m below a world hinge, released from 5 degrees.
    let l = 1.0f64;
    let r = 0.02f64;
    let a = 5f64.to_radians();
    let s = scene(&format!(
        r#"Scene(version: 1, name: "pendulum", duration: 6.5, fps: 240, physics_hz: 240,
           entities: [(name: "bob", shape: Sphere(radius: {r}),
                       at: ({}, {}, 0.0), body: Dynamic(can_sleep: false))],
           joints: [(name: "pivot", kind: Hinge(axis: (0.0, 0.0, 1.0)), b: "bob",
                     anchor: (0.0, 1.0, 0.0))])"#,
        l * a.sin(),
        1.0 - l * a.cos()
    ));
    let traj = simulate(&s, &Silent).unwrap();
    let xs: Vec<(f64, f64)> = traj
        .frames
        .iter()
        .map(|f| (f.time, f64::from(f.poses[0].translation.x)))
        .collect();
    let crossings: Vec<f64> = xs
        .windows(2)
        .filter(|w| w[0].1 > 0.0 && w[1].1 <= 0.0)
        .map(|w| w[0].0 + (w[1].0 - w[0].0) * w[0].1 / (w[0].1 - w[1].1))
        .collect();
    assert!(crossings.len() >= 3, "crossings {crossings:?}");
    let period = (crossings[crossings.len() - 1] - crossings[0]) / (crossings.len() - 1) as f64;
    // Physical pendulum: T = 2 pi sqrt(I / (m g L)), I = m L^2 + 2/5 m r^2.
    let expected = 2.0 * std::f64::consts::PI * ((l * l + 0.4 * r * r) / (G * l)).sqrt();
    eprintln!(
        "pendulum: period {period:.5} s, expected {expected:.5} s, error {:.5}",
        rel_err(period, expected)
    );
    assert!(
        rel_err(period, expected) < 0.01,
        "period {period}, expected {expected}"
    );
}

fn hashes(s: &Scene) -> Vec<String> {
    simulate(s, &Silent)
        .unwrap()
        .frames
        .into_iter()
        .map(|f| f.state_hash)
        .collect()
}

#[test]
fn same_scene_twice_gives_identical_hashes() {
    let s = crate::scene::load("scenes/domino_run.ron".as_ref()).unwrap();
    let a = hashes(&s);
    let b = hashes(&s);
    assert_eq!(a, b);
    // And the hashes do change as things move.
    assert_ne!(a.first(), a.last());
}

#[test]
fn snapshot_restores_and_continues_bit_identically() {
    let s = crate::scene::load("scenes/tower_knockdown.ron".as_ref()).unwrap();
    let mut straight = Simulation::new(&s).unwrap();
    for _ in 0..300 {
        straight.step();
    }
    let snap = straight.snapshot(&s).unwrap();
    for _ in 0..300 {
        straight.step();
    }
    let mut resumed = Simulation::restore(&s, &snap).unwrap();
    assert_eq!(resumed.step_index(), 300);
    for _ in 0..300 {
        resumed.step();
    }
    assert_eq!(straight.state_hash(), resumed.state_hash());
    assert_eq!(straight.sample(&s).poses, resumed.sample(&s).poses);
}

#[test]
fn snapshot_of_another_scene_is_refused() {
    let a = crate::scene::load("scenes/tower_knockdown.ron".as_ref()).unwrap();
    let b = crate::scene::load("scenes/domino_run.ron".as_ref()).unwrap();
    let snap = Simulation::new(&a).unwrap().snapshot(&a).unwrap();
    assert!(matches!(
        Simulation::restore(&b, &snap),
        Err(super::PhysicsError::SnapshotMismatch { .. })
    ));
}

// ---- joints, timed events, kinematic bodies ----

fn angle_about_z(q: glam::Quat) -> f32 {
    let (axis, angle) = q.to_axis_angle();
    angle * axis.z.signum()
}

#[test]
fn hinge_limits_hold_and_motor_drives() {
    // Two hinged bars in zero gravity: one limited to +-10 degrees and kicked hard, one
    // driven by a 2 rad/s motor.
    let s = scene(
        r#"Scene(version: 1, name: "hinges", duration: 2.0, fps: 60, physics_hz: 600,
           gravity: (0, 0, 0),
           entities: [
             (name: "limited", shape: Box(size: (1.0, 0.1, 0.1)), at: (0.5, 0, 0),
              body: Dynamic(angular_velocity: (0, 0, 5), can_sleep: false)),
             (name: "motored", shape: Box(size: (1.0, 0.1, 0.1)), at: (0.5, 3, 0),
              body: Dynamic(can_sleep: false)),
           ],
           joints: [
             (name: "lim", kind: Hinge(axis: (0, 0, 1), limits_deg: (-10, 10)), b: "limited", anchor: (0, 0, 0)),
             (name: "mot", kind: Hinge(axis: (0, 0, 1), motor: (velocity: 2.0, max_force: 1000.0)), b: "motored", anchor: (0, 3, 0)),
           ])"#,
    );
    let traj = simulate(&s, &Silent).unwrap();
    let max_angle = traj
        .frames
        .iter()
        .map(|f| angle_about_z(f.poses[0].rotation).abs())
        .fold(0.0, f32::max);
    assert!(
        max_angle < 11f32.to_radians(),
        "limited hinge reached {} degrees",
        max_angle.to_degrees()
    );
    assert!(
        max_angle > 9f32.to_radians(),
        "the kick should reach the limit: {}",
        max_angle.to_degrees()
    );
    let w = traj.frames.last().unwrap().angvel[1].z;
    assert!((w - 2.0).abs() < 0.02, "motor speed {w} rad/s");
    // The hinge keeps the anchor end at the pivot.
    let end = traj.frames.last().unwrap().poses[1].transform_point(Vec3::new(-0.5, 0.0, 0.0));
    assert!(
        (end - Vec3::new(0.0, 3.0, 0.0)).length() < 1e-3,
        "pivot drifted to {end}"
    );
}

#[test]
fn prismatic_fixed_ball_and_rope_joints_constrain() {
    let s = scene(
        r#"Scene(version: 1, name: "joints", duration: 1.5, fps: 60, physics_hz: 600,
           entities: [
             // A slider on a 45-degree rail, limited to 0.5 m of travel.
             (name: "slider", shape: Box(size: (0.1, 0.1, 0.1)), at: (0, 5, 0), body: Dynamic(can_sleep: false)),
             // Two welded boxes falling together.
             (name: "w1", shape: Box(size: (0.2, 0.2, 0.2)), at: (3, 5, 0)),
             (name: "w2", shape: Sphere(radius: 0.1), at: (3.3, 5.1, 0)),
             // A ball-joint pendulum and a rope pendulum, both 1 m from their anchors.
             (name: "bob", shape: Sphere(radius: 0.05), at: (6.7071, 4.2929, 0.0), body: Dynamic(can_sleep: false)),
             (name: "roped", shape: Sphere(radius: 0.05), at: (9.5, 5.0, 0.0), body: Dynamic(can_sleep: false)),
           ],
           joints: [
             (name: "rail", kind: Prismatic(axis: (1, -1, 0), limits: (0.0, 0.5)), b: "slider", anchor: (0, 5, 0)),
             (name: "weld", kind: Fixed, a: "w1", b: "w2", anchor: (3.15, 5.05, 0)),
             (name: "socket", kind: Ball, b: "bob", anchor: (6, 5, 0)),
             (name: "rope", kind: Rope(length: 1.0), b: "roped", anchor: (9, 5, 0), anchor_b: (9.5, 5.0, 0.0)),
           ])"#,
    );
    let traj = simulate(&s, &Silent).unwrap();
    let first = &traj.frames[0];
    for f in &traj.frames {
        // Slider: stays on the rail line through (0, 5) along (1, -1), within its limits.
        let p = f.poses[0].translation - Vec3::new(0.0, 5.0, 0.0);
        let along = p.dot(Vec3::new(1.0, -1.0, 0.0).normalize());
        let off = (p - along * Vec3::new(1.0, -1.0, 0.0).normalize()).length();
        assert!(
            off < 1e-3 && (-1e-3..=0.501).contains(&along),
            "slider off {off} along {along}"
        );
        // Weld: the relative pose never changes.
        let rel = f.poses[1].inverse() * f.poses[2];
        let rel0 = first.poses[1].inverse() * first.poses[2];
        assert!((rel.translation - rel0.translation).length() < 1e-3);
        // Ball joint: the bob stays 1 m from the socket.
        let d = f.poses[3].translation.distance(Vec3::new(6.0, 5.0, 0.0));
        assert!((d - 1.0).abs() < 2e-3, "ball joint length {d}");
        // Rope: never longer than 1 m (slack allowed).
        let r = f.poses[4].translation.distance(Vec3::new(9.0, 5.0, 0.0));
        assert!(r < 1.0 + 2e-3, "rope stretched to {r}");
    }
    let last = traj.frames.last().unwrap();
    let slid = (last.poses[0].translation - Vec3::new(0.0, 5.0, 0.0)).length();
    assert!(
        (slid - 0.5).abs() < 2e-3,
        "the slider should rest at its 0.5 m limit, at {slid}"
    );
    assert!(last.poses[1].translation.y < 0.0, "the welded pair falls");
    let r = last.poses[4].translation.distance(Vec3::new(9.0, 5.0, 0.0));
    assert!(r > 0.99, "the rope goes taut: {r}");
}

#[test]
fn timed_actions_change_momentum_by_the_right_amount() {
    // 2 kg balls in zero gravity.
    let s = scene(
        r#"Scene(version: 1, name: "actions", duration: 1.0, fps: 100, physics_hz: 1000,
           gravity: (0, 0, 0),
           entities: [
             (name: "kicked", shape: Sphere(radius: 0.1), mass: 2.0, at: (0, 0, 0)),
             (name: "pushed", shape: Sphere(radius: 0.1), mass: 2.0, at: (0, 5, 0)),
             (name: "set", shape: Sphere(radius: 0.1), mass: 2.0, at: (0, 10, 0)),
             (name: "spun", shape: Box(size: (0.2, 0.2, 0.2)), mass: 2.0, at: (0, 15, 0)),
           ],
           events: [
             (at: 0.1, target: "kicked", action: Impulse((3, 0, 0))),
             (at: 0.2, until: 0.7, target: "pushed", action: Force((0, 0, 4))),
             (at: 0.3, target: "set", action: SetVelocity(linear: (0, -1, 0))),
             (at: 0.3, target: "spun", action: AngularImpulse((0, 0.1, 0))),
           ])"#,
    );
    let traj = simulate(&s, &Silent).unwrap();
    let at = |t: f64| {
        traj.frames
            .iter()
            .find(|f| (f.time - t).abs() < 1e-9)
            .unwrap()
    };
    assert_eq!(at(0.09).linvel[0], Vec3::ZERO, "nothing before the impulse");
    assert!(
        (at(0.5).linvel[0].x - 1.5).abs() < 1e-4,
        "J/m = 1.5 m/s, got {}",
        at(0.5).linvel[0]
    );
    // F t / m = 4 * 0.5 / 2 = 1 m/s after the interval; half way 0.5 m/s.
    assert!(
        (at(0.45).linvel[1].z - 0.5).abs() < 0.01,
        "{}",
        at(0.45).linvel[1]
    );
    assert!(
        (at(0.9).linvel[1].z - 1.0).abs() < 0.005,
        "{}",
        at(0.9).linvel[1]
    );
    assert_eq!(at(0.5).linvel[2], Vec3::new(0.0, -1.0, 0.0));
    // Angular impulse / inertia: I = m s^2 / 6 = 2 * 0.04 / 6.
    let w = at(0.5).angvel[3].y;
    let expected = 0.1 / (2.0 * 0.04 / 6.0);
    assert!(
        (w - expected).abs() / expected < 1e-3,
        "spin {w} expected {expected}"
    );
}

#[test]
fn kinematic_body_follows_its_keys_and_pushes() {
    let s = scene(
        r#"Scene(version: 1, name: "kin", duration: 2.0, fps: 24, physics_hz: 240,
           entities: [
             (name: "floor", shape: Ground),
             (name: "pusher", shape: Box(size: (0.2, 0.4, 1.0)), at: (0, 0.2, 0),
              body: Kinematic(keys: [(t: 0.0, at: (-1, 0.2, 0)), (t: 1.0, at: (1, 0.2, 0))])),
             (name: "crate", shape: Box(size: (0.3, 0.3, 0.3)), at: (0, 0.15, 0)),
           ])"#,
    );
    let traj = simulate(&s, &Silent).unwrap();
    for f in &traj.frames {
        let expected = if f.time >= 1.0 {
            1.0
        } else {
            -1.0 + 2.0 * f.time as f32
        };
        let x = f.poses[1].translation.x;
        assert!(
            (x - expected).abs() < 1e-4,
            "pusher at {x}, expected {expected} at t={}",
            f.time
        );
    }
    assert!(
        traj.frames.last().unwrap().poses[2].translation.x > 1.1,
        "the crate was pushed"
    );
}

// ---- the bundled scenes do what they say ----

fn run_bundled(name: &str) -> (Scene, super::Trajectory) {
    let s = crate::scene::load(format!("scenes/{name}.ron").as_ref()).unwrap();
    let t = simulate(&s, &Silent).unwrap();
    (s, t)
}

#[test]
fn newtons_cradle_passes_the_swing_to_the_far_ball() {
    let (s, t) = run_bundled("newtons_cradle");
    let far = s.entity_index("ball[3]").unwrap();
    let striker = s.entity_index("striker").unwrap();
    // Within the first swing (0.3 s to 0.8 s), the far ball rises most of the way to the
    // striker's release height while the striker stays near the bottom.
    let swing: Vec<_> = t
        .frames
        .iter()
        .filter(|f| f.time > 0.3 && f.time < 0.8)
        .collect();
    let far_rise = swing
        .iter()
        .map(|f| f.poses[far].translation.y - 0.5)
        .fold(0.0, f32::max);
    let striker_rise = swing
        .iter()
        .map(|f| f.poses[striker].translation.y - 0.5)
        .fold(0.0, f32::max);
    let release = 0.5669873 - 0.5;
    assert!(
        far_rise > 0.6 * release,
        "far ball rose {far_rise} of {release}"
    );
    assert!(striker_rise < 0.2 * release, "striker rose {striker_rise}");
}

#[test]
fn billiards_break_scatters_the_rack_and_stays_on_the_table() {
    let (s, t) = run_bundled("billiards_break");
    let last = t.frames.last().unwrap();
    for (i, e) in s
        .entities
        .iter()
        .enumerate()
        .filter(|(_, e)| e.name.starts_with("row"))
    {
        let p0 = t.frames[0].poses[i].translation;
        let p = last.poses[i].translation;
        assert!(p.distance(p0) > 0.05, "{} never moved", e.name);
        assert!(
            // The table stands in the room set: its cloth 0.8 m above the floor.
            p.x.abs() < 1.27 && p.z.abs() < 0.635 && (p.y - 0.828575).abs() < 0.01,
            "{} left the table: {p}",
            e.name
        );
    }
    let cue_hits = t
        .collisions
        .iter()
        .filter(|c| s.entities[c.a].name == "cue" || s.entities[c.b].name == "cue");
    assert!(cue_hits.count() >= 2, "the cue ball hits the rack");
}

#[test]
fn stairs_ball_bounces_down_every_step() {
    let (s, t) = run_bundled("stairs_bounce");
    let ball = s.entity_index("ball").unwrap();
    let steps_hit: std::collections::BTreeSet<&str> = t
        .collisions
        .iter()
        .filter(|c| c.a == ball || c.b == ball)
        .map(|c| {
            s.entities[if c.a == ball { c.b } else { c.a }]
                .name
                .as_str()
        })
        .collect();
    assert!(
        steps_hit.iter().filter(|n| n.starts_with("step[")).count() >= 3,
        "{steps_hit:?}"
    );
    // The floor is the outdoor set's ground.
    assert!(steps_hit.contains("outdoor_ground"), "{steps_hit:?}");
    let p = t.frames.last().unwrap().poses[ball].translation;
    assert!(p.x > 1.8 && (p.y - 0.08).abs() < 0.01, "ball ends at {p}");
}

#[test]
fn tower_is_knocked_over() {
    let (s, t) = run_bundled("tower_knockdown");
    let top = s.entity_index("block[7]").unwrap();
    let y0 = t.frames[0].poses[top].translation.y;
    let y1 = t.frames.last().unwrap().poses[top].translation.y;
    assert!(y0 > 1.1 && y1 < 0.5, "top block from {y0} to {y1}");
    let ball = s.entity_index("wrecking_ball").unwrap();
    assert!(t.collisions.iter().any(|c| c.a == ball || c.b == ball));
}

#[test]
fn movi_a_objects_land_and_never_sink_through_the_floor() {
    let (s, t) = run_bundled("movi_a");
    assert_eq!(t.frames.len(), 24);
    for (i, e) in s
        .entities
        .iter()
        .enumerate()
        .filter(|(_, e)| e.name.starts_with("object["))
    {
        let r = e.shape.as_ref().unwrap().bounding_radius();
        for f in &t.frames {
            // The lowest point of the bounding sphere may not go below the floor by more
            // than the contact tolerance.
            assert!(
                f.poses[i].translation.y + r > -0.01,
                "{} sank at t={}",
                e.name,
                f.time
            );
        }
        let floor_hits = t
            .collisions
            .iter()
            .filter(|c| (c.a == 0 && c.b == i) || (c.b == 0 && c.a == i));
        assert!(
            floor_hits.count() >= 1,
            "{} never touched the floor",
            e.name
        );
    }
}

#[test]
fn room_ramp_ball_rolls_down_and_breaks_the_pyramid() {
    let (s, t) = run_bundled("room_ramp");
    let ball = s.entity_index("ball").unwrap();
    let cans: Vec<usize> = (0..s.entities.len())
        .filter(|&i| s.entities[i].name.starts_with("can_"))
        .collect();
    assert_eq!(cans.len(), 6);
    let last = t.frames.last().unwrap();
    // The ball reaches the cans and the pyramid comes down: the top can falls from
    // 0.30 m to the floor's rows, and most cans move.
    assert!(
        t.collisions.iter().any(|c| {
            (c.a == ball && cans.contains(&c.b)) || (c.b == ball && cans.contains(&c.a))
        })
    );
    let top = s.entity_index("can_top").unwrap();
    let top_y = last.poses[top].translation.y;
    assert!(top_y < 0.2, "the top can is still up at {top_y}");
    let moved = cans
        .iter()
        .filter(|&&i| {
            last.poses[i]
                .translation
                .distance(t.frames[0].poses[i].translation)
                > 0.05
        })
        .count();
    assert!(moved >= 4, "{moved} of 6 cans moved");
    // Everything stays in the room and above its floor.
    for &i in cans.iter().chain([&ball]) {
        for f in &t.frames {
            let p = f.poses[i].translation;
            assert!(
                p.x.abs() < 4.0 && p.z.abs() < 4.0 && p.y > -0.01,
                "{} at {p}",
                s.entities[i].name
            );
        }
    }
}

#[test]
fn sky_toss_balls_rise_as_thrown_and_land_on_the_lawn() {
    let (s, t) = run_bundled("sky_toss");
    for (name, vy) in [
        ("ball_white", 6.5f32),
        ("ball_yellow", 5.5),
        ("ball_blue", 6.0),
    ] {
        let i = s.entity_index(name).unwrap();
        let y0 = t.frames[0].poses[i].translation.y;
        let apex = t
            .frames
            .iter()
            .map(|f| f.poses[i].translation.y)
            .fold(f32::MIN, f32::max);
        // No drag: the rise is v^2 / 2g, sampled at 24 fps (within 2 %, and the frame
        // nearest the apex is at most half a frame of fall, 1.1 cm, below it).
        let want = vy * vy / (2.0 * 9.81);
        assert!(
            apex - y0 <= want * 1.02 && apex - y0 > want - 0.03,
            "{name} rose {} m, want {want}",
            apex - y0
        );
        // Back down by the end, never below the ground (the lawn is 2 cm above it; a
        // ball knocked off it in the crossing lands on the ground).
        let y1 = t.frames.last().unwrap().poses[i].translation.y;
        assert!(y1 < 0.6, "{name} still in the air at {y1}");
        for f in &t.frames {
            assert!(
                f.poses[i].translation.y > 0.11 - 0.01,
                "{name} sank: {}",
                f.poses[i].translation
            );
        }
    }
}

#[test]
fn dice_close_up_dice_land_on_the_table_and_scatter_coins() {
    let (s, t) = run_bundled("dice_close_up");
    let last = t.frames.last().unwrap();
    for name in ["die_red", "die_ivory"] {
        let i = s.entity_index(name).unwrap();
        let p = last.poses[i].translation;
        // At rest on the walnut top (y = 0), a face down: center 8 mm up, and on the table.
        assert!(
            (p.y - 0.008).abs() < 0.003 && p.x.abs() < 0.9 && p.z.abs() < 0.5,
            "{name} ends at {p}"
        );
        assert!(p.x > -0.1, "{name} never travelled: {p}");
    }
    let coins: Vec<usize> = (0..s.entities.len())
        .filter(|&i| s.entities[i].name.starts_with("coin["))
        .collect();
    assert_eq!(coins.len(), 5);
    let moved = coins
        .iter()
        .filter(|&&i| {
            last.poses[i]
                .translation
                .distance(t.frames[0].poses[i].translation)
                > 0.003
        })
        .count();
    assert!(moved >= 1, "no coin was touched");
    for &i in &coins {
        let y = last.poses[i].translation.y;
        assert!(y > 0.0 && y < 0.02, "{} at y = {y}", s.entities[i].name);
    }
}
