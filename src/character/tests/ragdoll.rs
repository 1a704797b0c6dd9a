//! The ragdoll in a rapier world: joint limits, joint separation, energy, falling the way
//! it is pushed, determinism, bad input, and the fall trigger. Every simulation runs at
//! 240 Hz on a fixed ground box whose top is `y = 0`.

use glam::{Affine3A, Mat4, Quat, Vec2, Vec3};
use rapier3d::prelude::{ColliderBuilder, PhysicsWorld, RigidBodyBuilder};

use crate::character::gait::{Gait, GaitParams};
use crate::character::mannequin::Mannequin;
use crate::character::ragdoll::{
    FallCause, FallTrigger, JointVelocity, MASS_FRACTIONS, Ragdoll, RagdollError, RagdollParams,
    euler_near_limits, joint_velocities, pose_center_of_mass, rapier_joint_angles, rapier_limits,
    segment_masses, should_fall, support_polygon, tune_solver,
};
use crate::character::skeleton::{
    BodyParams, JOINT_COUNT, Joint, Pose, Skeleton, SkeletonError, joint_limits,
};

const HZ: f32 = 240.0;
/// Slack allowed past a joint limit (the solver corrects violations over a few steps).
const LIMIT_SLACK_DEG: f32 = 3.0;
/// Largest allowed distance between a joint's anchors on its two bodies (m).
const MAX_GAP: f32 = 0.01;
/// Largest allowed growth of kinetic + potential energy over its starting value.
const MAX_ENERGY_GROWTH: f32 = 0.01;

fn skeleton() -> Skeleton {
    Skeleton::new(BodyParams::default()).unwrap()
}

/// A world with gravity, a 240 Hz step and a ground box (top at y = 0).
fn world() -> PhysicsWorld {
    let mut world = PhysicsWorld::new();
    world.gravity = Vec3::new(0.0, -9.81, 0.0);
    world.integration_parameters.dt = 1.0 / HZ;
    tune_solver(&mut world.integration_parameters);
    let ground =
        world.insert_body(RigidBodyBuilder::fixed().translation(Vec3::new(0.0, -0.5, 0.0)));
    world.insert_collider(
        ColliderBuilder::cuboid(20.0, 0.5, 20.0).friction(0.8),
        Some(ground),
    );
    world
}

/// The worst of each check over a run, sampled every step.
#[derive(Debug, Default)]
struct Worst {
    /// Degrees past a limit, as rapier measures the angles (what its joints bound).
    limit_deg: f32,
    limit_joint: &'static str,
    /// Degrees past a limit, as XYZ Euler angles (the convention of the limit table).
    euler_deg: f32,
    euler_joint: &'static str,
    /// Meters between a joint's anchors.
    gap: f32,
    gap_joint: &'static str,
    /// (E − E₀) / E₀.
    energy_growth: f32,
    energy_start: f32,
}

/// Degrees past the rapier limits of a joint.
fn rapier_excess(joint: Joint, rotation: Quat) -> f32 {
    let a = rapier_joint_angles(rotation);
    let l = rapier_limits(joint);
    let (min, max) = (
        Vec3::new(l[0][0], l[1][0], l[2][0]),
        Vec3::new(l[0][1], l[1][1], l[2][1]),
    );
    (min - a)
        .max(a - max)
        .max(Vec3::ZERO)
        .max_element()
        .to_degrees()
}

/// Degrees past the table's XYZ Euler limits of a joint.
fn euler_excess(joint: Joint, rotation: Quat) -> f32 {
    let l = joint_limits(joint);
    let e = euler_near_limits(joint, rotation);
    (l.min - e)
        .max(e - l.max)
        .max(Vec3::ZERO)
        .max_element()
        .to_degrees()
}

/// Steps the world `steps` times, tracking limits, gaps and energy.
fn run(world: &mut PhysicsWorld, ragdoll: &Ragdoll, steps: usize) -> Worst {
    let mut worst = Worst {
        energy_start: ragdoll.energy(world, 0.0).unwrap().total(),
        energy_growth: f32::NEG_INFINITY,
        ..Worst::default()
    };
    for _ in 0..steps {
        world.step();
        let pose = ragdoll.pose(world).unwrap();
        for joint in &Joint::ALL[1..] {
            let q = pose.rotations[joint.index()];
            let r = rapier_excess(*joint, q);
            if r > worst.limit_deg {
                (worst.limit_deg, worst.limit_joint) = (r, joint.name());
            }
            let e = euler_excess(*joint, q);
            if e > worst.euler_deg {
                (worst.euler_deg, worst.euler_joint) = (e, joint.name());
            }
        }
        let gaps = ragdoll.anchor_gaps(world).unwrap();
        for joint in Joint::ALL {
            if gaps[joint.index()] > worst.gap {
                (worst.gap, worst.gap_joint) = (gaps[joint.index()], joint.name());
            }
        }
        let e = ragdoll.energy(world, 0.0).unwrap().total();
        worst.energy_growth = worst
            .energy_growth
            .max((e - worst.energy_start) / worst.energy_start);
    }
    worst
}

fn report(name: &str, w: &Worst) {
    println!(
        "{name}: worst limit excess {:.2}° ({}; XYZ Euler {:.2}° at {}), worst anchor gap \
         {:.2} mm ({}), worst energy growth {:+.3} % of {:.1} J",
        w.limit_deg,
        w.limit_joint,
        w.euler_deg,
        w.euler_joint,
        w.gap * 1e3,
        w.gap_joint,
        100.0 * w.energy_growth,
        w.energy_start,
    );
}

fn assert_within(name: &str, w: &Worst) {
    assert!(
        w.limit_deg <= LIMIT_SLACK_DEG,
        "{name}: {} {:.2}° past its limit",
        w.limit_joint,
        w.limit_deg
    );
    assert!(
        w.gap < MAX_GAP,
        "{name}: anchors {:.2} mm apart",
        w.gap * 1e3
    );
    assert!(
        w.energy_growth <= MAX_ENERGY_GROWTH,
        "{name}: energy grew {:.3} %",
        100.0 * w.energy_growth
    );
}

/// The rest (T-) pose lifted by `lift` meters.
fn lifted_rest(s: &Skeleton, lift: f32) -> Pose {
    let mut pose = s.rest_pose();
    pose.root.translation.y += lift;
    pose
}

#[test]
fn segment_masses_sum_to_a_realistic_body() {
    let sum: f32 = MASS_FRACTIONS.iter().sum();
    assert!((sum - 1.0).abs() < 1e-5, "fractions sum to {sum}");
    let s = skeleton();
    let m: f32 = segment_masses(&s, &RagdollParams::default()).iter().sum();
    println!("ragdoll mass for H = 1.75 m, build 1: {m:.1} kg");
    assert!((60.0..80.0).contains(&m), "{m} kg");
    let given = RagdollParams {
        mass: Some(90.0),
        ..RagdollParams::default()
    };
    let m: f32 = segment_masses(&s, &given).iter().sum();
    assert!((m - 90.0).abs() < 1e-3);
}

#[test]
fn reading_back_at_build_time_gives_the_pose_it_was_built_in() {
    let s = skeleton();
    let gait = Gait::new(
        &s,
        &[Vec3::ZERO, Vec3::new(3.0, 0.0, 3.0)],
        &GaitParams::walk(),
    )
    .unwrap();
    let pose = gait.pose_at(1.3);
    let mut world = world();
    let ragdoll = Ragdoll::build(&mut world, &s, &pose, &RagdollParams::limp(), None).unwrap();
    let back = ragdoll.pose(&world).unwrap();
    let (a, b) = (s.globals(&pose), s.globals(&back));
    let mut worst: f32 = 0.0;
    for i in 0..JOINT_COUNT {
        worst = worst.max(Vec3::from(a[i].translation).distance(b[i].translation.into()));
        worst = worst.max(
            (a[i].matrix3 - b[i].matrix3)
                .to_cols_array()
                .iter()
                .fold(0.0f32, |m, e| m.max(e.abs())),
        );
    }
    println!("read-back pose vs built pose: worst difference {worst:.2e}");
    assert!(worst < 1e-5, "{worst}");
    // The root keeps only a heading about +Y.
    let up = back.root.transform_vector3(Vec3::Y);
    assert!(up.distance(Vec3::Y) < 1e-5);
    let positions = ragdoll.joint_positions(&world).unwrap();
    assert!(
        positions[Joint::Head.index()].distance(a[Joint::Head.index()].translation.into()) < 1e-5
    );
}

#[test]
fn a_limp_t_pose_dropped_on_the_ground_keeps_its_joints_limits_and_energy() {
    let s = skeleton();
    let mut world = world();
    let pose = lifted_rest(&s, 0.05);
    let ragdoll = Ragdoll::build(&mut world, &s, &pose, &RagdollParams::limp(), None).unwrap();
    let w = run(&mut world, &ragdoll, (3.0 * HZ) as usize);
    report("limp T-pose dropped 5 cm, 3 s", &w);
    let head = ragdoll.joint_positions(&world).unwrap()[Joint::Head.index()];
    println!("  head ends at y = {:.3} m", head.y);
    assert!(head.y < 0.5, "a limp body lies down: head at {head}");
    assert_within("limp drop", &w);
    // The mannequin skinned from the read-back pose lies on the ground, not in it.
    let pose = ragdoll.pose(&world).unwrap();
    let skin = Mannequin::new(&s).skin(&s).unwrap();
    let globals: Vec<Mat4> = s.globals(&pose).iter().map(|g| Mat4::from(*g)).collect();
    let mesh = skin.deform(&globals).unwrap();
    let lowest = mesh.positions.iter().fold(f32::MAX, |m, p| m.min(p.y));
    println!("  skinned mannequin's lowest vertex: y = {:.3} m", lowest);
    assert!(mesh.positions.iter().all(|p| p.is_finite()));
    assert!(lowest > -0.03, "mannequin sinks {lowest} m into the ground");
}

#[test]
fn a_walking_character_that_falls_keeps_its_momentum_and_its_limits() {
    let s = skeleton();
    let gait = Gait::new(
        &s,
        &[Vec3::ZERO, Vec3::new(0.0, 0.0, 6.0)],
        &GaitParams::walk(),
    )
    .unwrap();
    // Mid-stride, well after the start-up blend.
    let t = 2.0;
    let dt = 1.0 / HZ;
    let (before, after) = (gait.pose_at(t - dt), gait.pose_at(t));
    let v = joint_velocities(&s, &before, &after, dt).unwrap();
    let mut world = world();
    let ragdoll = Ragdoll::build(&mut world, &s, &after, &RagdollParams::limp(), Some(&v)).unwrap();
    let (_, com_v) = ragdoll.center_of_mass(&world).unwrap();
    let masses = segment_masses(&s, &RagdollParams::limp());
    let animated =
        (pose_center_of_mass(&s, &after, &masses) - pose_center_of_mass(&s, &before, &masses)) / dt;
    println!("walk fall: ragdoll COM velocity {com_v:.3} m/s, animation's {animated:.3} m/s");
    assert!(com_v.distance(animated) < 0.01, "{com_v} vs {animated}");
    assert!(com_v.z > 1.2, "keeps walking speed forward: {com_v}");
    let w = run(&mut world, &ragdoll, (3.0 * HZ) as usize);
    report("limp fall from mid-stride at 1.4 m/s, 3 s", &w);
    let pelvis = ragdoll.joint_positions(&world).unwrap()[Joint::Pelvis.index()];
    let start = after.root.translation.z;
    println!("  pelvis moved {:.2} m forward", pelvis.z - start);
    assert!(pelvis.z - start > 0.2, "falls forward: pelvis at {pelvis}");
    assert_within("walk fall", &w);
}

/// Builds a toned ragdoll standing with its arms down (the gait's standing pose), lets it
/// stand `settle` seconds,
/// pushes its chest toward +X with `impulse` N·s and runs `after` seconds.
/// Returns (ragdoll, world, head before the push, pelvis drop while standing, worst).
fn push_run(impulse: f32, settle: f32, after: f32) -> (Ragdoll, PhysicsWorld, Vec3, f32, Worst) {
    let s = skeleton();
    let mut world = world();
    let gait = Gait::new(
        &s,
        &[Vec3::ZERO, Vec3::new(0.0, 0.0, 1.0)],
        &GaitParams::walk(),
    )
    .unwrap();
    let pose = gait.pose_at(0.0);
    let ragdoll = Ragdoll::build(&mut world, &s, &pose, &RagdollParams::toned(), None).unwrap();
    let pelvis0 = ragdoll.joint_positions(&world).unwrap()[0];
    for _ in 0..(settle * HZ) as usize {
        world.step();
    }
    let positions = ragdoll.joint_positions(&world).unwrap();
    let drop = pelvis0.y - positions[0].y;
    let head0 = positions[Joint::Head.index()];
    // At the chest: the upper spine body's centre of mass.
    let chest = world.bodies[ragdoll.body(Joint::SpineUpper)].center_of_mass();
    ragdoll
        .apply_impulse(&mut world, Joint::SpineUpper, Vec3::X * impulse, chest)
        .unwrap();
    let w = run(&mut world, &ragdoll, (after * HZ) as usize);
    (ragdoll, world, head0, drop, w)
}

#[test]
fn a_standing_ragdoll_pushed_at_the_chest_falls_the_way_it_is_pushed() {
    let impulse = 60.0;
    let (ragdoll, world, head0, drop, w) = push_run(impulse, 0.5, 2.0);
    println!(
        "standing 0.5 s before the push: pelvis sank {:.1} mm",
        drop * 1e3
    );
    assert!(drop < 0.03, "stands balanced: pelvis sank {drop} m");
    let head = ragdoll.joint_positions(&world).unwrap()[Joint::Head.index()];
    let d = Vec2::new(head.x - head0.x, head.z - head0.z);
    let angle = d.y.atan2(d.x).to_degrees();
    println!(
        "pushed {impulse} N·s toward +X: head moved ({:.3}, {:.3}) m, {angle:.1}° from +X, \
         ends at y = {:.3} m",
        d.x, d.y, head.y
    );
    report("push, 2 s", &w);
    assert!(angle.abs() < 30.0, "falls {angle}° away from the push");
    assert!(head.y < 0.5, "head still at {} m", head.y);
    assert_within("push", &w);
}

#[test]
fn two_identical_runs_are_bit_identical() {
    let s = skeleton();
    let gait = Gait::new(
        &s,
        &[Vec3::ZERO, Vec3::new(0.0, 0.0, 6.0)],
        &GaitParams::walk(),
    )
    .unwrap();
    let dt = 1.0 / HZ;
    let v = joint_velocities(&s, &gait.pose_at(2.0 - dt), &gait.pose_at(2.0), dt).unwrap();
    let once = || {
        let mut world = world();
        let ragdoll = Ragdoll::build(
            &mut world,
            &s,
            &gait.pose_at(2.0),
            &RagdollParams::toned(),
            Some(&v),
        )
        .unwrap();
        let mut trace = Vec::new();
        for _ in 0..240 {
            world.step();
            for g in ragdoll.globals(&world).unwrap() {
                trace.extend(g.to_cols_array().map(f32::to_bits));
            }
        }
        trace
    };
    assert!(once() == once(), "two runs differ");
}

#[test]
fn bad_input_is_an_error_and_inserts_nothing() {
    let s = skeleton();
    let pose = s.rest_pose();
    let mut world = world();
    let bodies = world.bodies.len();
    let p = RagdollParams::default();

    let mut v = [JointVelocity::default(); JOINT_COUNT];
    v[Joint::LeftKnee.index()].linear.y = f32::NAN;
    let e = Ragdoll::build(&mut world, &s, &pose, &p, Some(&v)).unwrap_err();
    assert_eq!(e.to_string(), "velocities[left_knee].linear is not finite");
    v[Joint::LeftKnee.index()] = JointVelocity {
        linear: Vec3::ZERO,
        angular: Vec3::new(0.0, f32::INFINITY, 0.0),
    };
    let e = Ragdoll::build(&mut world, &s, &pose, &p, Some(&v)).unwrap_err();
    assert!(
        matches!(
            e,
            RagdollError::Velocity {
                field: "angular",
                ..
            }
        ),
        "{e}"
    );

    // A skeleton with zero height (its fields are public, so it can be made by hand).
    let flat = Skeleton {
        params: BodyParams {
            height: 0.0,
            build: 1.0,
        },
        offsets: [Vec3::ZERO; JOINT_COUNT],
    };
    let e = Ragdoll::build(&mut world, &flat, &pose, &p, None).unwrap_err();
    assert!(
        matches!(e, RagdollError::Skeleton(SkeletonError::Height { .. })),
        "{e}"
    );
    println!("zero height: {e}");

    let mut bad = pose;
    bad.rotations[Joint::Neck.index()] = Quat::from_xyzw(f32::NAN, 0.0, 0.0, 1.0);
    let e = Ragdoll::build(&mut world, &s, &bad, &p, None).unwrap_err();
    assert_eq!(e.to_string(), "pose.rotations[neck]: not finite");
    bad.rotations[Joint::Neck.index()] = Quat::from_xyzw(0.0, 0.0, 0.0, 2.0);
    assert!(Ragdoll::build(&mut world, &s, &bad, &p, None).is_err());
    let mut scaled = pose;
    scaled.root = Affine3A::from_scale(Vec3::splat(2.0));
    let e = Ragdoll::build(&mut world, &s, &scaled, &p, None).unwrap_err();
    assert!(e.to_string().starts_with("pose.root:"), "{e}");

    for params in [
        RagdollParams {
            mass: Some(0.0),
            ..p
        },
        RagdollParams {
            mass: Some(f32::NAN),
            ..p
        },
        RagdollParams {
            friction: -1.0,
            ..p
        },
        RagdollParams {
            restitution: 2.0,
            ..p
        },
        RagdollParams {
            tone: f32::INFINITY,
            ..p
        },
    ] {
        let e = Ragdoll::build(&mut world, &s, &pose, &params, None).unwrap_err();
        assert!(matches!(e, RagdollError::Param { .. }), "{e}");
    }
    let e = joint_velocities(&s, &pose, &pose, 0.0).unwrap_err();
    assert_eq!(e.to_string(), "dt must be > 0 s, got 0");
    assert_eq!(world.bodies.len(), bodies, "nothing was inserted");

    // A removed ragdoll reads back as an error, not a panic.
    let ragdoll = Ragdoll::build(&mut world, &s, &pose, &p, None).unwrap();
    let copy = ragdoll.clone();
    ragdoll.remove(&mut world);
    assert_eq!(world.bodies.len(), bodies);
    assert!(matches!(
        copy.pose(&world),
        Err(RagdollError::MissingBody { .. })
    ));
}

#[test]
fn the_fall_trigger_fires_on_hard_hits_and_lost_balance_only() {
    let s = skeleton();
    let pose = s.rest_pose();
    let masses = segment_masses(&s, &RagdollParams::default());
    let mass: f32 = masses.iter().sum();
    let com = pose_center_of_mass(&s, &pose, &masses);
    let support = support_polygon(&s, &s.globals(&pose), 0.0, 0.02);
    assert!(support.len() >= 4, "{support:?}");
    let trigger = FallTrigger::for_mass(mass);

    // Standing still: no fall.
    assert_eq!(
        trigger.check(Vec3::ZERO, mass, com, Vec3::ZERO, 0.0, &support),
        None
    );
    // A hard hit.
    let hit = Vec3::X * (trigger.impulse_threshold + 1.0);
    assert!(should_fall(hit, trigger.impulse_threshold));
    assert!(matches!(
        trigger.check(hit, mass, com, Vec3::ZERO, 0.0, &support),
        Some(FallCause::Impulse { .. })
    ));
    // A push below the hit threshold that still throws the extrapolated COM past the feet.
    let push = Vec3::Z * (0.8 * trigger.impulse_threshold);
    assert!(!should_fall(push, trigger.impulse_threshold));
    let r = trigger.check(push, mass, com, Vec3::ZERO, 0.0, &support);
    println!("push of {:.1} N·s forward: {r:?}", push.length());
    assert!(matches!(r, Some(FallCause::OffBalance { .. })), "{r:?}");
    // A gentle one does not.
    let nudge = Vec3::Z * 3.0;
    assert_eq!(
        trigger.check(nudge, mass, com, Vec3::ZERO, 0.0, &support),
        None
    );
    // Airborne: no verdict from balance; a NaN impulse counts as a hit.
    assert_eq!(trigger.check(push, mass, com, Vec3::ZERO, 0.0, &[]), None);
    assert!(should_fall(Vec3::NAN, 10.0));
}
