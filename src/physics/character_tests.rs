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

/// The bundled glTF character (a copy of the mannequin, bound by its Mixamo joint names)
/// does what the man of walk_and_push does: the glass ends on the floor past the far
/// edge, after a touch during the push.
#[test]
fn the_bundled_gltf_robot_pushes_the_glass_off_too() {
    let s = load("scenes/people/model_walk_and_push.ron");
    assert!(s.characters[0].model.is_some());
    let traj = simulate(&s, &Silent).unwrap();
    let (glass, robot) = (object(&traj, "glass"), object(&traj, "robot"));
    let touch = traj
        .collisions
        .iter()
        .find(|c| (c.a, c.b) == (glass.min(robot), glass.max(robot)))
        .expect("the hand never touched the glass");
    let g = traj.frames.last().unwrap().poses[glass].translation;
    println!("robot: touch at {:.3} s, glass ends at {g}", touch.time);
    assert!(
        touch.time > 2.6 && touch.time < 3.35,
        "touched at {}",
        touch.time
    );
    assert!(g.y < 0.1 && g.z < -0.25, "the glass ends at {g}");
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

/// A standing character picks up a ball lying in front of its right foot and throws it
/// (frames at every physics step): the ball rides rigidly in the hand between the
/// grasp and the release, leaves with the velocity of the grip point (the recorded wrist
/// poses carried through the grip taken at the grasp, differenced over the release
/// step), forward and up, and flies ballistically.
#[test]
fn a_picked_up_ball_is_carried_and_thrown_with_the_hands_velocity() {
    use crate::character::perform::{Move, PICK_REACH_TIME};
    let s = scene(
        r#"Scene(version: 1, name: "throw", duration: 2.6, fps: 240, physics_hz: 240,
           materials: {"ball": (density: 160, friction: 0.6)},
           entities: [(name: "floor", shape: Ground),
                      (name: "ball", shape: Sphere(radius: 0.06), material: "ball", at: (-0.12, 0.06, 0.42))],
           characters: [(name: "p", actions: [(0.1, PickUp("ball")), (1.6, Throw("ball"))])])"#,
    );
    let traj = simulate(&s, &Silent).unwrap();
    let ball = object(&traj, "ball");
    let dt = 1.0 / 240.0;
    let at = |t: f32| &traj.frames[(t / dt).round() as usize];
    let wrist = |f: &FrameState| f.character_joints(0)[Joint::RightWrist.index()];
    let grasp = 0.1 + PICK_REACH_TIME;
    let release = 1.6 + Move::Throw.hand_event().unwrap();
    // Held from just after the grasp to just before the release, and not outside.
    assert_eq!(at(grasp - 0.05).characters[0].holding, None);
    assert_eq!(at(grasp + 0.02).characters[0].holding, Some(ball));
    assert_eq!(at(release - 0.02).characters[0].holding, Some(ball));
    assert_eq!(at(release + 0.02).characters[0].holding, None);
    // Rigid grip: the ball's pose in the wrist's frame stays what it was at the grasp.
    let first = at(grasp + 0.01);
    let grip = wrist(first).inverse() * first.poses[ball];
    let mut slip = 0.0f32;
    for f in traj
        .frames
        .iter()
        .filter(|f| f.time as f32 > grasp + 0.01 && (f.time as f32) < release - 0.01)
    {
        let expected = wrist(f) * grip;
        slip = slip.max(expected.translation.distance(f.poses[ball].translation));
    }
    // The grip point's velocity over the release step, from the recorded joints.
    let k = (release / dt).ceil() as usize;
    let (a, b) = (&traj.frames[k - 1], &traj.frames[k]);
    let hand_v = ((wrist(b) * grip).translation - (wrist(a) * grip).translation) / dt;
    let ball_v = traj.frames[k + 1].linvel[ball];
    let lift = traj.frames[k].poses[ball].translation;
    // Ballistic afterwards: 0.2 s after leaving, where free flight puts it.
    let f = &traj.frames[k + 48];
    let tau = (f.time - traj.frames[k].time) as f32;
    let flight = lift + ball_v * tau + 0.5 * Vec3::new(0.0, -9.81, 0.0) * tau * tau;
    let off = f.poses[ball].translation.distance(flight);
    let elevation = ball_v
        .y
        .atan2(Vec3::new(ball_v.x, 0.0, ball_v.z).length())
        .to_degrees();
    println!(
        "grip slip {slip:.5} m; hand {hand_v} ({:.2} m/s), ball {ball_v} ({:.2} m/s), \
         {elevation:.1}° up; 0.2 s later {off:.4} m from free flight",
        hand_v.length(),
        ball_v.length()
    );
    assert!(slip < 0.002, "the ball slipped {slip} m in the hand");
    let mismatch = (ball_v - hand_v).length() / hand_v.length();
    assert!(mismatch < 0.05, "ball {ball_v} vs hand {hand_v}");
    assert!(ball_v.length() > 3.0, "a feeble throw: {ball_v}");
    assert!(
        ball_v.z > 3.0 * ball_v.x.abs(),
        "not thrown forward: {ball_v}"
    );
    assert!((5.0..45.0).contains(&elevation), "launched {elevation}° up");
    assert!(off < 0.02, "{off} m off free flight");
    assert!(traj.frames.last().unwrap().characters[0].fall.is_none());
}

/// A character facing a bench turns on the spot and sits on it: its hips come to rest a
/// thigh radius above the top, over the bench, facing away from it, its feet where they
/// were, and it stays seated and upright.
#[test]
fn a_character_turns_and_sits_on_a_bench() {
    let s = scene(
        r#"Scene(version: 1, name: "sit", duration: 2.4, fps: 24, physics_hz: 240,
           entities: [(name: "floor", shape: Ground),
                      (name: "bench", shape: Box(size: (0.8, 0.45, 0.4)), at: (0.0, 0.225, 0.0), body: Fixed)],
           characters: [(name: "p", at: (0.0, 0.0, 0.55), facing_deg: 180,
                         actions: [(0.2, Sit("bench"))])])"#,
    );
    let traj = simulate(&s, &Silent).unwrap();
    let c = &s.characters[0];
    let radius = c.skeleton.capsules()[Joint::LeftHip.index()].radius;
    let (first, last) = (&traj.frames[0], traj.frames.last().unwrap());
    let feet =
        |f: &FrameState| 0.5 * (joint(f, 0, Joint::LeftAnkle) + joint(f, 0, Joint::RightAnkle));
    let hips = 0.5 * (joint(last, 0, Joint::LeftHip) + joint(last, 0, Joint::RightHip));
    let facing = last.character_joints(0)[Joint::Pelvis.index()]
        .rotation
        .mul_vec3(Vec3::Z);
    let trunk = (joint(last, 0, Joint::Neck) - joint(last, 0, Joint::Pelvis)).normalize();
    let moved = feet(last).distance(feet(first));
    println!(
        "hips at {hips} (top 0.45 + r {radius:.3}); facing {facing}; feet moved {moved:.3} m; trunk {trunk}"
    );
    assert!(
        (hips.y - (0.45 + radius)).abs() < 0.01,
        "hips at {}",
        hips.y
    );
    assert!(
        hips.z.abs() < 0.2 && hips.x.abs() < 0.4,
        "hips not over the bench: {hips}"
    );
    assert!(facing.z > 0.95, "not facing away from the bench: {facing}");
    assert!(moved < 0.02, "the feet moved {moved} m");
    assert!(trunk.y > 0.95, "not sitting upright: {trunk}");
    assert!(last.characters[0].fall.is_none());
}

/// A jump in place leaves the ground for the time ballistics gives its take-off speed
/// under the scene's gravity (2·√(2gh)/g for h = 0.25 m), on Earth and on Mars, rises
/// its height and lands where it took off.
#[test]
fn a_jump_flies_for_the_ballistic_time_of_its_gravity() {
    use crate::character::perform::{JUMP_RISE, jump_flight};
    for g in [9.81f32, 3.71] {
        let s = scene(&format!(
            r#"Scene(version: 1, name: "jump", duration: 2.2, fps: 240, physics_hz: 240,
               gravity: (0, -{g}, 0),
               entities: [(name: "floor", shape: Ground)],
               characters: [(name: "p", actions: [(0.1, Jump)])])"#
        ));
        let traj = simulate(&s, &Silent).unwrap();
        let ankle = |f: &FrameState| joint(f, 0, Joint::LeftAnkle);
        let rest = ankle(&traj.frames[0]);
        let airborne: Vec<&FrameState> = traj
            .frames
            .iter()
            .filter(|f| ankle(f).y > rest.y + 1e-4)
            .collect();
        let flight = airborne.len() as f32 / 240.0;
        let top = airborne
            .iter()
            .map(|f| ankle(f).y - rest.y)
            .fold(0.0, f32::max);
        let landed = ankle(traj.frames.last().unwrap()).distance(rest);
        let want = jump_flight(g);
        println!(
            "g {g}: airborne {flight:.3} s (ballistic {want:.3} s), feet up {top:.3} m, landed {landed:.4} m from the start"
        );
        assert!((flight - want).abs() < 2.0 / 240.0, "airborne {flight} s");
        assert!((top - JUMP_RISE).abs() < 0.005, "rose {top} m");
        assert!(landed < 0.005, "landed {landed} m away");
        assert!(traj.frames.last().unwrap().characters[0].fall.is_none());
    }
}

/// What the new actions need is checked at load, each problem named at its action.
#[test]
fn actions_a_body_cannot_do_are_refused_at_their_field() {
    let base = |c: &str| {
        format!(
            r#"Scene(version: 1, name: "bad", duration: 6.0,
               entities: [(name: "floor", shape: Ground),
                          (name: "ball", shape: Sphere(radius: 0.06), at: (0, 0.06, 0.4)),
                          (name: "far", shape: Sphere(radius: 0.06), at: (0, 0.06, 3.0)),
                          (name: "bench", shape: Box(size: (0.8, 0.45, 0.4)), at: (0, 0.225, -0.45), body: Fixed),
                          (name: "tower", shape: Box(size: (0.8, 1.4, 0.4)), at: (0, 0.7, -0.45), body: Fixed)],
               characters: [{c}])"#
        )
    };
    for (c, want) in [
        (
            r#"(name: "p", actions: [(1.0, Throw("ball"))])"#,
            "actions[0]: Throw(\"ball\"): the right hand does not hold it then",
        ),
        (
            r#"(name: "p", actions: [(1.0, PickUp("ball")), (1.2, Throw("ball"))])"#,
            "actions[1]: Throw(\"ball\"): the hand takes hold of it at 1.80 s",
        ),
        (
            r#"(name: "p", actions: [(1.0, PickUp("far"))])"#,
            "PickUp(\"far\"): it starts 3.00 m from the feet",
        ),
        (
            r#"(name: "p", actions: [(0.5, PickUp("ball")), (2.0, PickUp("far"))])"#,
            "actions[1]: the right hand already holds \"ball\"",
        ),
        (
            r#"(name: "p", path: [(0, 0, 2)], actions: [(0.5, Jump)])"#,
            "to jump it must stand still, but it walks from 0 s",
        ),
        (
            r#"(name: "p", actions: [(0.5, Sit("tower"))])"#,
            "Sit(\"tower\"): the seat's top is 1.40 m above its feet",
        ),
        (
            r#"(name: "p", at: (0, 0, 2), actions: [(0.5, Sit("bench"))])"#,
            "Sit(\"bench\"): its hips would come down at",
        ),
        (
            r#"(name: "p", actions: [(0.5, Sit("bench")), (3.0, Jump)])"#,
            "actions[1]: it sits from 0.5 s on and cannot jump seated",
        ),
        (
            r#"(name: "p", actions: [(0.5, Sit("floor"))])"#,
            "actions[0]: Sit(\"floor\")",
        ),
    ] {
        let e = error_of(&base(c));
        assert!(e.contains(want), "{c}: expected {want:?} in:\n{e}");
    }
    let e = error_of(
        r#"Scene(version: 1, name: "bad", duration: 2.0, gravity: (0, 0, 0),
           entities: [(name: "floor", shape: Ground)],
           characters: [(name: "p", actions: [(0.5, Jump)])])"#,
    );
    assert!(e.contains("Jump needs gravity pulling down"), "{e}");
}

/// The bundled playground: the child's ball is held, thrown and lands well away; the man
/// ends seated on the bench; the woman's feet leave the ground twice and she stays up.
#[test]
fn the_bundled_playground_throws_sits_and_jumps() {
    let s = load("scenes/people/playground.ron");
    let traj = simulate(&s, &Silent).unwrap();
    let ball = object(&traj, "ball");
    let last = traj.frames.last().unwrap();
    let held = traj
        .frames
        .iter()
        .filter(|f| f.characters[0].holding == Some(ball))
        .count();
    let release = traj
        .frames
        .iter()
        .rev()
        .find(|f| f.characters[0].holding == Some(ball))
        .map(|f| f.poses[ball].translation)
        .expect("the child never held the ball");
    let landed = last.poses[ball].translation;
    let thrown = Vec3::new(landed.x - release.x, 0.0, landed.z - release.z).length();
    let hips = 0.5 * (joint(last, 1, Joint::LeftHip) + joint(last, 1, Joint::RightHip));
    let rest = joint(&traj.frames[0], 2, Joint::LeftAnkle).y;
    let mut jumps = 0;
    let mut up = false;
    for f in &traj.frames {
        let air = joint(f, 2, Joint::LeftAnkle).y > rest + 0.05;
        jumps += usize::from(air && !up);
        up = air;
    }
    println!(
        "ball held {held} frames, released at {release}, ends {thrown:.2} m further at {landed}; \
         man's hips {hips}; woman jumped {jumps} times"
    );
    assert!(held > 10, "held {held} frames");
    assert!(thrown > 2.0, "the throw went {thrown} m");
    assert!(landed.y < 0.2, "the ball did not come down: {landed}");
    assert!(
        (hips.y - 0.45).abs() < 0.15 && hips.z < -0.6 && hips.z > -1.0,
        "not on the bench: {hips}"
    );
    assert_eq!(jumps, 2);
    assert!(
        last.characters.iter().all(|c| c.fall.is_none()),
        "someone fell"
    );
}
