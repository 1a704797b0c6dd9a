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
