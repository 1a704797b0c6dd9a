//! Characters in the simulation: a walk that arrives, a push that moves what it pushes,
//! a fall that keeps the body together, a hit that fells in the hit's direction, bad
//! input refused with the field named, and bit-exact replays.

use glam::Vec3;

use super::cloth_tests::{error_of, scene};
use super::{FrameState, Trajectory, simulate};
use crate::character::Joint;
use crate::progress::Silent;

fn load(path: &str) -> crate::scene::Scene {
    match crate::scene::load(path.as_ref()) {
        Ok(s) => s,
        Err(e) => panic!("{path}: {e}"),
    }
}

fn object(traj: &Trajectory, name: &str) -> usize {
    traj.objects
        .iter()
        .position(|o| o.name == name)
        .unwrap_or_else(|| panic!("no object {name}"))
}

fn joint(f: &FrameState, ci: usize, j: Joint) -> Vec3 {
    f.character_joints(ci)[j.index()].translation
}

/// The bundled scene: the man walks 2.05 m to the table, his push moves the glass, and
/// the glass leaves the table and lands on the floor; he stays on his feet.
#[test]
fn the_bundled_man_walks_to_the_table_and_pushes_the_glass_off() {
    let s = load("scenes/people/walk_and_push.ron");
    let traj = simulate(&s, &Silent).unwrap();
    let (glass, man) = (object(&traj, "glass"), object(&traj, "man"));
    let last = traj.frames.last().unwrap();
    // Arrived: the pelvis over the path's end (x, z within 5 cm).
    let pelvis = joint(last, 0, Joint::Pelvis);
    let arrived = Vec3::new(pelvis.x, 0.0, pelvis.z).distance(Vec3::new(-0.2, 0.0, 0.55));
    println!("pelvis at the end {pelvis}, {arrived:.3} m from the path's end");
    assert!(arrived < 0.05, "the walk ended {arrived} m from its end");
    assert!(
        last.characters[0].fall.is_none(),
        "the man fell: {:?}",
        last.characters[0].fall
    );
    // The push: the glass first touches the man during the push, not before.
    let touch = traj
        .collisions
        .iter()
        .find(|c| (c.a, c.b) == (glass.min(man), glass.max(man)))
        .expect("the hand never touched the glass");
    println!(
        "hand meets glass at {:.3} s, impulse {:.3} N·s",
        touch.time, touch.impulse
    );
    assert!(
        touch.time > 2.6 && touch.time < 2.6 + 0.75,
        "touched at {}",
        touch.time
    );
    // The first touch may be a graze as the reach slows; the shove follows it.
    // Off the table: below its top (0.75 m) and beyond its far edge, then on the floor.
    let g = last.poses[glass].translation;
    println!("glass ends at {g}");
    assert!(g.y < 0.1, "the glass is not on the floor: {g}");
    assert!(g.z < -0.25, "the glass did not go over the far edge: {g}");
    let floor = object(&traj, "floor");
    assert!(
        traj.collisions
            .iter()
            .any(|c| (c.a, c.b) == (floor.min(glass), floor.max(glass))),
        "no glass-floor contact recorded"
    );
}

/// Told to fall, a standing character becomes a ragdoll: its head comes down below half
/// its standing height, no limb comes apart from its parent (joint gaps below 2 cm, every
/// frame), and it never sinks into the floor by more than 2 cm.
#[test]
fn a_character_told_to_fall_collapses_in_one_piece() {
    let s = scene(
        r#"Scene(version: 1, name: "fall", duration: 3.0, fps: 24, physics_hz: 240,
           entities: [(name: "floor", shape: Ground)],
           characters: [(name: "p", body: (height: 1.7), actions: [(0.5, Fall)])])"#,
    );
    let traj = simulate(&s, &Silent).unwrap();
    let skeleton = &s.characters[0].skeleton;
    let mut worst_gap = 0.0f32;
    let mut lowest = f32::MAX;
    for f in &traj.frames {
        let joints = f.character_joints(0);
        for j in Joint::ALL {
            let Some(parent) = j.parent() else { continue };
            let p = joints[parent.index()];
            let anchor = p.transform_point(skeleton.offsets[j.index()]);
            worst_gap = worst_gap.max(anchor.distance(joints[j.index()].translation));
        }
        for j in joints {
            lowest = lowest.min(j.translation.y);
        }
    }
    let last = traj.frames.last().unwrap();
    let head = joint(last, 0, Joint::Head).y;
    let fall = last.characters[0].fall.clone().expect("it never fell");
    println!(
        "fell at {:.3} s ({}), head at {head:.3} m, worst joint gap {worst_gap:.4} m, lowest joint {lowest:.3} m",
        fall.time, fall.cause
    );
    assert_eq!(fall.cause, "told");
    assert!((fall.time - 0.5).abs() < 0.01, "fell at {}", fall.time);
    assert!(head < 0.85, "the head is still at {head} m");
    assert!(worst_gap < 0.02, "a joint came apart by {worst_gap} m");
    assert!(lowest > -0.02, "a joint sank to {lowest} m");
    // Before the fall it stood: the head at its standing height, unmoved.
    let before = &traj.frames[6];
    assert!(before.characters[0].fall.is_none());
    assert!(joint(before, 0, Joint::Head).y > 1.4);
}

/// A 30 kg ball at 6 m/s (an impulse far above the 1 m/s-of-body-mass threshold) hits a
/// standing character from −X: it becomes a ragdoll by the hit and falls toward +X.
#[test]
fn a_hard_hit_fells_a_character_in_the_hit_direction() {
    let s = scene(
        r#"Scene(version: 1, name: "hit", duration: 2.0, fps: 24, physics_hz: 240,
           materials: {"lead": (density: 11340)},
           entities: [(name: "floor", shape: Ground),
                      (name: "ball", shape: Sphere(radius: 0.085), material: "lead",
                       at: (-1.0, 1.2, 0.0), body: Dynamic(velocity: (6.0, 0.0, 0.0), ccd: true))],
           gravity: (0, 0, 0),
           characters: [(name: "p", facing_deg: 90)])"#,
    );
    let traj = simulate(&s, &Silent).unwrap();
    let last = traj.frames.last().unwrap();
    let fall = last.characters[0]
        .fall
        .clone()
        .expect("the hit did not fell it");
    let moved = joint(last, 0, Joint::SpineUpper) - joint(&traj.frames[0], 0, Joint::SpineUpper);
    println!(
        "fell at {:.3} s by {} ({:.1} N·s); chest moved {moved}",
        fall.time, fall.cause, fall.impulse
    );
    assert_eq!(fall.cause, "hit");
    assert!(moved.x > 0.1, "the chest did not go with the hit: {moved}");
    assert!(moved.x > 3.0 * moved.z.abs(), "fell sideways: {moved}");
}

/// The same scene twice gives the same bits, characters included.
#[test]
fn characters_replay_bit_exactly() {
    let s = scene(
        r#"Scene(version: 1, name: "twice", duration: 1.5, fps: 12, physics_hz: 240,
           entities: [(name: "floor", shape: Ground),
                      (name: "box", shape: Box(size: (0.3, 0.3, 0.3)), at: (0.0, 0.15, 1.2))],
           characters: [(name: "p", path: [(0.0, 0.0, 2.0)], gait: Run, actions: [(1.2, Fall)])])"#,
    );
    let a = simulate(&s, &Silent).unwrap();
    let b = simulate(&s, &Silent).unwrap();
    let hashes = |t: &Trajectory| {
        t.frames
            .iter()
            .map(|f| f.state_hash.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(hashes(&a), hashes(&b));
    assert_eq!(
        a.frames.last().unwrap().characters,
        b.frames.last().unwrap().characters
    );
    // The runner kicked the box on its way.
    let bx = a.objects.iter().position(|o| o.name == "box").unwrap();
    let d = a.frames.last().unwrap().poses[bx].translation - Vec3::new(0.0, 0.15, 1.2);
    println!("box moved {d}");
    assert!(d.length() > 0.05, "the runner went through the box");
}

/// Bad characters are refused with the field named.
#[test]
fn bad_characters_are_refused_with_the_field_named() {
    let base = |c: &str| {
        format!(
            r#"Scene(version: 1, name: "bad", duration: 2.0,
               entities: [(name: "floor", shape: Ground), (name: "cup", shape: Sphere(radius: 0.05), at: (0, 1, 0))],
               characters: [{c}])"#
        )
    };
    for (c, want) in [
        (
            r#"(name: "p", body: (height: 3.0))"#,
            "characters[0] \"p\": body.height",
        ),
        (r#"(name: "p", body: (build: 0.2))"#, "body.build"),
        (r##"(name: "p", body: (shirt: "#12"))"##, "body.shirt"),
        (
            r#"(name: "p", actions: [(1.0, Push("cpu"))])"#,
            "did you mean \"cup\"",
        ),
        (
            r#"(name: "p", actions: [(1.0, Push("floor"))])"#,
            "only an entity with a shape on a dynamic body",
        ),
        (
            r#"(name: "p", actions: [(9.0, Wave)])"#,
            "actions[0]: time must be within the clip",
        ),
        (
            r#"(name: "p", actions: [(1.0, Fall), (1.5, Fall)])"#,
            "can fall only once",
        ),
        (
            r#"(name: "p", speed: 20.0, path: [(1, 0, 0)])"#,
            "speed: must be in [0.1, 8]",
        ),
        (
            r#"(name: "p", path: [(0, 0, 0)])"#,
            "characters[0] \"p\": path",
        ),
        (r#"(name: "cup")"#, "is used by an entity"),
        (r#"(name: "p", hat: true)"#, "hat"),
    ] {
        let e = error_of(&base(c));
        assert!(e.contains(want), "{c}: expected {want:?} in:\n{e}");
    }
}

/// A standing character kicks a football (0.11 m, 0.43 kg) lying in front of its right
/// foot: the foot meets it during the strike, it leaves at several m/s, forward (+Z, the
/// way the character faces), and the kicker stays on its feet.
#[test]
fn a_kick_sends_the_ball_forward_and_the_kicker_stays_up() {
    let s = scene(
        r#"Scene(version: 1, name: "kick", duration: 1.5, fps: 24, physics_hz: 240,
           materials: {"ball": (density: 77, restitution: 0.6, friction: 0.6)},
           entities: [(name: "floor", shape: Ground),
                      (name: "ball", shape: Sphere(radius: 0.11), material: "ball", at: (-0.09, 0.11, 0.42))],
           characters: [(name: "p", actions: [(0.2, Kick("ball"))])])"#,
    );
    let traj = simulate(&s, &Silent).unwrap();
    let (ball, p) = (object(&traj, "ball"), object(&traj, "p"));
    let touch = traj
        .collisions
        .iter()
        .find(|c| (c.a, c.b) == (ball.min(p), ball.max(p)))
        .expect("the foot never met the ball");
    let strike = 0.2 + crate::character::perform::WIND_UP_TIME;
    // The fastest the ball goes after the strike.
    let v = traj
        .frames
        .iter()
        .map(|f| f.linvel[ball])
        .max_by(|a, b| a.length().total_cmp(&b.length()))
        .unwrap();
    let last = traj.frames.last().unwrap();
    println!(
        "foot meets ball at {:.3} s (strike from {strike:.2} s); ball's top speed {v} ({:.2} m/s)",
        touch.time,
        v.length()
    );
    let t = touch.time as f32;
    assert!(
        t > strike - 0.05 && t < strike + crate::character::perform::STRIKE_TIME + 0.05,
        "touched at {t}"
    );
    assert!(v.length() > 2.0, "the ball left at {} m/s", v.length());
    assert!(v.z > 2.0 * v.x.abs(), "the ball went sideways: {v}");
    assert!(last.characters[0].fall.is_none(), "the kicker fell");
}
