//! Skeleton, limits, capsules and the mannequin.

use glam::{Quat, Vec2, Vec3};

use crate::character::mannequin::{FACE_UV_RECT, Mannequin, head_point_at_uv};
use crate::character::skeleton::{
    BodyParams, JOINT_COUNT, Joint, Skeleton, SkeletonError, joint_limits,
};

fn skeleton(height: f32, build: f32) -> Skeleton {
    Skeleton::new(BodyParams { height, build }).unwrap()
}

/// Crown minus the lowest sole point, from forward kinematics of the rest pose.
fn fk_height(s: &Skeleton) -> f32 {
    let g = s.globals(&s.rest_pose());
    let crown = g[Joint::Head.index()].transform_point3(s.head_top()).y;
    let mut lowest = f32::MAX;
    for (ankle, toe) in [
        (Joint::LeftAnkle, Joint::LeftToe),
        (Joint::RightAnkle, Joint::RightToe),
    ] {
        lowest = lowest.min(g[ankle.index()].transform_point3(s.heel()).y);
        lowest = lowest.min(g[toe.index()].transform_point3(s.toe_tip()).y);
    }
    crown - lowest
}

#[test]
fn rest_pose_fk_gives_the_height_within_one_percent() {
    for (h, b) in [(1.75, 1.0), (1.2, 0.8), (1.95, 1.2)] {
        let s = skeleton(h, b);
        let got = fk_height(&s);
        println!(
            "height {h} m build {b}: FK crown-to-sole {got:.4} m ({:+.3} %)",
            100.0 * (got - h) / h
        );
        assert!((got - h).abs() < 0.01 * h, "height {h}: FK gives {got}");
        // The skeleton stands on the floor.
        let ankle_y = s.world_positions(&s.rest_pose())[Joint::LeftAnkle.index()].y;
        assert!((ankle_y - 0.039 * h).abs() < 1e-4);
    }
}

#[test]
fn the_mannequin_spans_the_height_and_stands_on_the_floor() {
    let s = skeleton(1.75, 1.0);
    let m = Mannequin::new(&s);
    let (lo, hi) = m
        .positions
        .iter()
        .fold((f32::MAX, f32::MIN), |(lo, hi), p| {
            (lo.min(p.y), hi.max(p.y))
        });
    println!(
        "mannequin: {} vertices, {} triangles, y from {lo:.4} to {hi:.4}",
        m.positions.len(),
        m.indices.len() / 3
    );
    assert!(lo.abs() < 0.01 * 1.75, "lowest vertex {lo}");
    assert!((hi - 1.75).abs() < 0.01 * 1.75, "highest vertex {hi}");
}

#[test]
fn parents_come_before_children_and_names_are_unique() {
    for (i, j) in Joint::ALL.iter().enumerate() {
        assert_eq!(j.index(), i);
        if let Some(p) = j.parent() {
            assert!(p.index() < i, "{} before its parent", j.name());
        }
    }
    let mut names: Vec<&str> = Joint::ALL.iter().map(|j| j.name()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), JOINT_COUNT);
}

#[test]
fn body_params_out_of_range_are_refused_by_field() {
    let e = Skeleton::new(BodyParams {
        height: 0.1,
        build: 1.0,
    })
    .unwrap_err();
    assert!(matches!(e, SkeletonError::Height { .. }));
    assert!(e.to_string().starts_with("body.height must be in"), "{e}");
    let e = Skeleton::new(BodyParams {
        height: 1.7,
        build: f32::NAN,
    })
    .unwrap_err();
    assert!(e.to_string().starts_with("body.build must be in"), "{e}");
}

#[test]
fn build_scales_girth_and_not_length() {
    let (thin, broad) = (skeleton(1.8, 0.8), skeleton(1.8, 1.2));
    assert_eq!(thin.offsets, broad.offsets);
    for (a, b) in thin.capsules().iter().zip(broad.capsules().iter()) {
        assert!(
            (a.half_length - b.half_length).abs() < 1e-6,
            "{:?}",
            a.joint
        );
        assert!(a.radius > 0.0 && a.radius.is_finite());
        let ratio = b.radius / a.radius;
        let is_foot = matches!(
            a.joint,
            Joint::LeftAnkle | Joint::RightAnkle | Joint::LeftToe | Joint::RightToe
        );
        // Feet widen but keep their thickness, so the sole stays on the floor.
        let expected = if is_foot { 1.0 } else { 1.5 };
        assert!(
            (ratio - expected).abs() < 1e-4,
            "{:?}: ratio {ratio}",
            a.joint
        );
    }
}

#[test]
fn capsules_cover_their_bones() {
    let s = skeleton(1.75, 1.0);
    let rest = s.world_positions(&s.rest_pose());
    let caps = s.capsules();
    // The thigh capsule's axis runs from the hip to the knee.
    let thigh = caps[Joint::LeftHip.index()];
    let top =
        rest[Joint::LeftHip.index()] + thigh.center + thigh.rotation * Vec3::Y * thigh.half_length;
    let bottom =
        rest[Joint::LeftHip.index()] + thigh.center - thigh.rotation * Vec3::Y * thigh.half_length;
    assert!(
        bottom.distance(rest[Joint::LeftHip.index()]) < 1e-5,
        "{bottom}"
    );
    assert!(top.distance(rest[Joint::LeftKnee.index()]) < 1e-5, "{top}");
}

#[test]
fn rest_is_within_limits_and_limits_mirror() {
    for j in Joint::ALL {
        assert!(
            joint_limits(j).contains(Quat::IDENTITY, 1e-6),
            "{}",
            j.name()
        );
    }
    // Lowering the left arm is −Z, the right arm +Z; both are allowed, the reverse of
    // a knee bend is not.
    assert!(joint_limits(Joint::LeftShoulder).contains(Quat::from_rotation_z(-1.4), 0.0));
    assert!(joint_limits(Joint::RightShoulder).contains(Quat::from_rotation_z(1.4), 0.0));
    assert!(joint_limits(Joint::LeftKnee).contains(Quat::from_rotation_x(1.2), 0.0));
    assert!(!joint_limits(Joint::RightKnee).contains(Quat::from_rotation_x(-0.3), 0.0));
    assert!(!joint_limits(Joint::LeftElbow).contains(Quat::from_rotation_y(0.5), 0.0));
    assert!(joint_limits(Joint::RightElbow).contains(Quat::from_rotation_y(0.5), 0.0));
}

#[test]
fn mannequin_is_a_valid_skin_with_parts_and_a_forward_face() {
    let s = skeleton(1.75, 1.0);
    let m = Mannequin::new(&s);
    let n = m.positions.len();
    assert!(
        [
            m.normals.len(),
            m.uvs.len(),
            m.joints.len(),
            m.weights.len(),
            m.parts.len()
        ]
        .iter()
        .all(|&l| l == n)
    );
    assert!(m.indices.iter().all(|&i| (i as usize) < n));
    assert_eq!(m.indices.len() % 3, 0);
    assert!(
        m.uvs
            .iter()
            .all(|uv| uv.cmpge(Vec2::ZERO).all() && uv.cmple(Vec2::ONE).all())
    );
    let skin = m.skin(&s).unwrap();
    assert_eq!(
        m,
        Mannequin::new(&s),
        "the mannequin is a pure function of the skeleton"
    );
    // Every joint owns some vertices.
    for j in Joint::ALL {
        assert!(m.parts.contains(&j), "{} has no vertices", j.name());
    }
    // The rest pose reproduces the bind mesh.
    let rest = s.globals(&s.rest_pose()).map(glam::Mat4::from);
    let d = skin.deform(&rest).unwrap();
    let worst = d
        .positions
        .iter()
        .zip(&m.positions)
        .map(|(a, b)| a.distance(*b))
        .fold(0.0, f32::max);
    assert!(worst < 1e-5, "rest pose moves a vertex by {worst}");
    // Outward normals: on a closed convex-ish part, normals point away from its centre.
    let head = s.world_positions(&s.rest_pose())[Joint::Head.index()] + Vec3::Y * 0.11;
    let outward = (0..n)
        .filter(|&v| m.parts[v] == Joint::Head)
        .all(|v| m.normals[v].dot(m.positions[v] - head) > -1e-3);
    assert!(outward);
    // The centre of the face rectangle is the front of the head (+Z), at eye level.
    let centre = 0.5 * (FACE_UV_RECT.min + FACE_UV_RECT.max);
    let p = head_point_at_uv(&s, centre);
    let eye_level = head_point_at_uv(&s, Vec2::new(0.5, 0.25));
    println!("face centre at {p}, uv (0.5, 0.25) at {eye_level}");
    assert!(p.z > 0.09 && p.x.abs() < 1e-5, "{p}");
    assert!((eye_level.y - 0.936 * 1.75).abs() < 0.02, "{eye_level}");
}

#[test]
fn mannequin_elbow_bends_smoothly() {
    let s = skeleton(1.75, 1.0);
    let m = Mannequin::new(&s);
    let skin = m.skin(&s).unwrap();
    let mut pose = s.rest_pose();
    pose.rotations[Joint::LeftElbow.index()] = Quat::from_rotation_y(-90f32.to_radians());
    let g = s.globals(&pose);
    let d = skin.deform(&g.map(glam::Mat4::from)).unwrap();
    let elbow = Vec3::from(g[Joint::LeftElbow.index()].translation);
    // A vertex entirely on the forearm rotates rigidly about the elbow: +X becomes +Z.
    let v = (0..m.positions.len())
        .find(|&v| m.parts[v] == Joint::LeftElbow && m.weights[v][0] == 1.0)
        .unwrap();
    let expected = elbow + Quat::from_rotation_y(-90f32.to_radians()) * (m.positions[v] - elbow);
    assert!(d.positions[v].distance(expected) < 1e-5);
    // Blended vertices at the joint land between the two rigid results.
    let blended = (0..m.positions.len())
        .filter(|&v| m.parts[v] == Joint::LeftElbow && m.weights[v][1] > 0.25)
        .count();
    assert!(blended > 0);
}
