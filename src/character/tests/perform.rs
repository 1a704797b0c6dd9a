//! Performances: the push's reach, lean and shove, and the wave, measured through the
//! skeleton's forward kinematics (what the physics and the renderer use).

use glam::Vec3;

use crate::character::perform::{
    APPROACH, Move, PUSH_DEPTH, PUSH_TIME, Performance, REACH_TIME, RETURN_TIME, WAVE_TIME,
};
use crate::character::skeleton::{BodyParams, Joint, Pose, Skeleton, joint_limits, proportions};

fn standing(moves: Vec<(f32, Move)>) -> Performance {
    let s = Skeleton::new(BodyParams::default()).unwrap();
    Performance::new(s, None, Vec3::ZERO, 0.0, 0.0, moves)
}

/// The right hand's center: half a hand along the hand bone (−X in its frame).
fn hand_center(p: &Performance, pose: &Pose) -> Vec3 {
    let s = p.skeleton();
    let g = s.globals(pose)[Joint::RightWrist.index()];
    g.transform_point3(Vec3::NEG_X * 0.5 * proportions::HAND * s.height())
}

/// Joints past their limits. The elbow is checked as what it is, a hinge: its rotation
/// about its flexion axis (+Y for the right arm) in [0°, 150°] with under 5° about any
/// other axis (`JointLimits::contains` reads Euler angles, which misjudge a hinge past
/// 90°).
fn within_limits(pose: &Pose) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = [Joint::SpineLower, Joint::SpineUpper]
        .into_iter()
        .filter(|j| !joint_limits(*j).contains(pose.rotations[j.index()], 1e-3))
        .map(Joint::name)
        .collect();
    let (axis, angle) = pose.rotations[Joint::RightElbow.index()].to_axis_angle();
    let flex = axis.y * angle;
    let off = (axis.x.hypot(axis.z) * angle).abs();
    if !(-1e-3..=150f32.to_radians()).contains(&flex) || off > 5f32.to_radians() {
        out.push("right_elbow");
    }
    out
}

/// A push at a point in easy reach, and one at table height 0.6 m ahead (reachable only
/// leaning): the hand's center is within 1 cm of the approach point when the reach ends
/// and of the point `PUSH_DEPTH` past the target when the shove ends, moving along the
/// line from the shoulder; spine and elbow stay within their limits; after the return
/// the pose is the standing one again.
#[test]
fn a_push_reaches_its_point_leaning_when_it_must_and_drives_through() {
    for (target, must_lean) in [
        (Vec3::new(-0.2, 1.25, 0.15), false),
        (Vec3::new(-0.2, 0.8, 0.6), true),
    ] {
        let p = standing(vec![(0.0, Move::Push)]);
        let points = [Some(target)];
        let rest = p.pose_at(0.0, &points);
        let shoulder =
            Vec3::from(p.skeleton().globals(&rest)[Joint::RightShoulder.index()].translation);
        let d = Vec3::new(target.x - shoulder.x, 0.0, target.z - shoulder.z).normalize();
        let reach_end = p.pose_at(REACH_TIME, &points);
        let shove_end = p.pose_at(REACH_TIME + PUSH_TIME - 1e-4, &points);
        let a = hand_center(&p, &reach_end).distance(target - d * APPROACH);
        let b = hand_center(&p, &shove_end).distance(target + d * PUSH_DEPTH);
        let lean = reach_end.rotations[Joint::Pelvis.index()]
            .to_euler(glam::EulerRot::XYZ)
            .0;
        println!(
            "target {target}: hand off by {a:.4} m at the reach's end, {b:.4} m at the shove's end; lean {:.1}°",
            lean.to_degrees()
        );
        assert!(a < 0.01, "reach missed by {a} m");
        assert!(b < 0.01, "shove missed by {b} m");
        assert_eq!(lean > 0.05, must_lean, "lean {lean} rad");
        for pose in [&reach_end, &shove_end] {
            assert!(
                within_limits(pose).is_empty(),
                "past limits: {:?}",
                within_limits(pose)
            );
            // The feet stay where they stood.
            for ankle in [Joint::LeftAnkle, Joint::RightAnkle] {
                let at = |q: &Pose| Vec3::from(p.skeleton().globals(q)[ankle.index()].translation);
                assert!(at(pose).distance(at(&rest)) < 1e-4, "a foot moved");
            }
        }
        let after = p.pose_at(REACH_TIME + PUSH_TIME + RETURN_TIME + 0.01, &points);
        assert_eq!(after, p.base_pose(2.0));
        // No point yet: no push at all.
        assert_eq!(p.pose_at(REACH_TIME, &[None]), p.base_pose(REACH_TIME));
    }
}

/// Mid-wave the right hand is above the head and swings side to side by about 10 % of
/// the height; afterwards the arm is back down.
#[test]
fn a_wave_raises_the_hand_above_the_head_and_swings_it() {
    let p = standing(vec![(0.5, Move::Wave)]);
    let head =
        |pose: &Pose| Vec3::from(p.skeleton().globals(pose)[Joint::Head.index()].translation);
    let xs: Vec<f32> = (0..40)
        .map(|k| {
            let pose = p.pose_at(0.9 + k as f32 * 0.02, &[None]);
            let hand = hand_center(&p, &pose);
            assert!(hand.y > head(&pose).y, "hand below the head at {k}");
            hand.x
        })
        .collect();
    let swing =
        xs.iter().copied().fold(f32::MIN, f32::max) - xs.iter().copied().fold(f32::MAX, f32::min);
    println!("wave swing {swing:.3} m");
    assert!(swing > 0.1 && swing < 0.3, "swing {swing}");
    let after = p.pose_at(0.5 + WAVE_TIME + 0.01, &[None]);
    assert!(hand_center(&p, &after).y < 1.0);
}
