//! Linear blend skinning against hand-computed results, and skin validation.

use glam::{Mat4, Quat, Vec3};

use crate::character::skin::{MAX_JOINTS, Skin, SkinError};

/// Two joints: a root at the origin and a child at (0, 1, 0), bound in that pose.
fn two_joint_skin() -> Skin {
    let positions = vec![
        Vec3::new(0.0, 0.5, 0.0), // root only
        Vec3::new(0.2, 1.0, 0.0), // half and half
        Vec3::new(0.0, 1.5, 0.0), // child only
        Vec3::new(0.1, 1.5, 0.0), // a quarter root, three quarters child
    ];
    let normals = vec![Vec3::X; 4];
    let joints = vec![[0, 0, 0, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0]];
    let weights = vec![
        [1.0, 0.0, 0.0, 0.0],
        [0.5, 0.5, 0.0, 0.0],
        [1.0, 0.0, 0.0, 0.0],
        [0.25, 0.75, 0.0, 0.0],
    ];
    let ibm = vec![
        Mat4::IDENTITY,
        Mat4::from_translation(Vec3::new(0.0, -1.0, 0.0)),
    ];
    Skin::new(positions, normals, joints, weights, ibm).unwrap()
}

#[test]
fn two_joint_skin_matches_hand_computed_lbs() {
    let skin = two_joint_skin();
    // The child turns 90° about +Z: its +Y points to −X.
    let g0 = Mat4::IDENTITY;
    let g1 = Mat4::from_translation(Vec3::Y)
        * Mat4::from_quat(Quat::from_rotation_z(90f32.to_radians()));
    let d = skin.deform(&[g0, g1]).unwrap();
    // By hand: child-only (0, 1.5, 0) is 0.5 above the child, which now points to −X.
    let expected = [
        Vec3::new(0.0, 0.5, 0.0),
        // root: (0.2, 1, 0); child: (0, 1, 0) + Rz90 (0.2, 0, 0) = (0, 1.2, 0); mean:
        Vec3::new(0.1, 1.1, 0.0),
        Vec3::new(-0.5, 1.0, 0.0),
        // root: (0.1, 1.5, 0); child: (0, 1, 0) + Rz90 (0.1, 0.5, 0) = (-0.5, 1.1, 0)
        Vec3::new(0.25 * 0.1 + 0.75 * -0.5, 0.25 * 1.5 + 0.75 * 1.1, 0.0),
    ];
    for (v, (got, want)) in d.positions.iter().zip(expected).enumerate() {
        assert!(got.distance(want) < 1e-6, "vertex {v}: {got} vs {want}");
    }
    // Normals: +X under the child becomes +Y; the root-only normal stays +X.
    assert!(d.normals[0].distance(Vec3::X) < 1e-6);
    assert!(d.normals[2].distance(Vec3::Y) < 1e-6);
    assert!((d.normals[1].length() - 1.0).abs() < 1e-6);
}

#[test]
fn a_pose_with_the_wrong_joint_count_is_refused() {
    let e = two_joint_skin().deform(&[Mat4::IDENTITY]).unwrap_err();
    assert_eq!(
        e,
        SkinError::PoseLength {
            expected: 2,
            found: 1
        }
    );
}

fn skin_with(weights: [f32; 4], joints: [u16; 4], ibm: Vec<Mat4>) -> Result<Skin, SkinError> {
    Skin::new(
        vec![Vec3::ZERO, Vec3::ONE],
        vec![Vec3::Y; 2],
        vec![[0; 4], joints],
        vec![[1.0, 0.0, 0.0, 0.0], weights],
        ibm,
    )
}

#[test]
fn bad_skins_name_the_vertex_or_joint() {
    let two = vec![Mat4::IDENTITY; 2];
    let e = skin_with([0.5, 0.3, 0.0, 0.0], [0, 1, 0, 0], two.clone()).unwrap_err();
    assert_eq!(
        e,
        SkinError::WeightSum {
            vertex: 1,
            sum: 0.8
        }
    );
    assert_eq!(
        e.to_string(),
        "vertex 1: weights sum to 0.8, expected 1 ± 0.001"
    );
    let e = skin_with([0.5, 0.5, 0.0, 0.0], [0, 2, 0, 0], two.clone()).unwrap_err();
    assert_eq!(
        e,
        SkinError::JointOutOfRange {
            vertex: 1,
            slot: 1,
            joint: 2,
            count: 2
        }
    );
    let e = skin_with([1.5, -0.5, 0.0, 0.0], [0, 1, 0, 0], two.clone()).unwrap_err();
    assert!(
        matches!(
            e,
            SkinError::BadWeight {
                vertex: 1,
                slot: 1,
                ..
            }
        ),
        "{e}"
    );
    let e = skin_with(
        [1.0, 0.0, 0.0, 0.0],
        [0; 4],
        vec![Mat4::IDENTITY; MAX_JOINTS + 1],
    )
    .unwrap_err();
    assert_eq!(
        e,
        SkinError::TooManyJoints {
            found: MAX_JOINTS + 1,
            limit: MAX_JOINTS
        }
    );
    let flat = Mat4::from_scale(Vec3::new(1.0, 0.0, 1.0));
    let e = skin_with([1.0, 0.0, 0.0, 0.0], [0; 4], vec![Mat4::IDENTITY, flat]).unwrap_err();
    assert_eq!(
        e,
        SkinError::InverseBind {
            joint: 1,
            problem: "not invertible"
        }
    );
    let mut nan = Mat4::IDENTITY;
    nan.w_axis.x = f32::NAN;
    let e = skin_with([1.0, 0.0, 0.0, 0.0], [0; 4], vec![nan, Mat4::IDENTITY]).unwrap_err();
    assert_eq!(e.to_string(), "joint 0: inverse bind matrix is not finite");
    // Within tolerance is fine.
    assert!(skin_with([0.5, 0.5004, 0.0, 0.0], [0, 1, 0, 0], two).is_ok());
}
