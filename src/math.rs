//! Small math shared by the stages: a rigid [`Pose`] and rotation helpers.
//!
//! Rotations are unit quaternions (`glam::Quat`, stored `x, y, z, w`). Euler angles in
//! scene files (`rotate_deg: (x, y, z)`) mean: rotate about the fixed X axis first, then
//! about the fixed Y axis, then about the fixed Z axis, i.e. `R = Rz * Ry * Rx`.

use glam::{EulerRot, Quat, Vec3};
use serde::{Deserialize, Serialize};

/// A rigid transform: first rotate, then translate. Composes like a matrix: `(a * b)`
/// applies `b` first.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pose {
    /// Translation in meters.
    pub translation: Vec3,
    /// Unit quaternion.
    pub rotation: Quat,
}

impl Default for Pose {
    fn default() -> Self {
        Self::IDENTITY
    }
}

impl Pose {
    /// No rotation, no translation.
    pub const IDENTITY: Pose = Pose {
        translation: Vec3::ZERO,
        rotation: Quat::IDENTITY,
    };

    /// A pose from its parts.
    pub fn new(translation: Vec3, rotation: Quat) -> Self {
        Self {
            translation,
            rotation,
        }
    }

    /// Maps a point from this pose's local frame to its parent frame.
    pub fn transform_point(&self, p: Vec3) -> Vec3 {
        self.rotation * p + self.translation
    }

    /// Rotates a direction from the local frame to the parent frame.
    pub fn transform_vector(&self, v: Vec3) -> Vec3 {
        self.rotation * v
    }

    /// The inverse transform.
    pub fn inverse(&self) -> Pose {
        let inv = self.rotation.inverse();
        Pose::new(inv * -self.translation, inv)
    }

    /// Linear interpolation of the translation and spherical interpolation of the
    /// rotation; `s` in `[0, 1]`.
    pub fn interpolate(&self, other: &Pose, s: f32) -> Pose {
        Pose::new(
            self.translation.lerp(other.translation, s),
            self.rotation.slerp(other.rotation, s),
        )
    }
}

impl std::ops::Mul for Pose {
    type Output = Pose;
    fn mul(self, rhs: Pose) -> Pose {
        Pose::new(
            self.rotation * rhs.translation + self.translation,
            (self.rotation * rhs.rotation).normalize(),
        )
    }
}

/// `R = Rz * Ry * Rx` from degrees about the fixed X, Y, Z axes (X applied first).
pub fn quat_from_euler_deg(deg: [f32; 3]) -> Quat {
    Quat::from_euler(
        EulerRot::ZYX,
        deg[2].to_radians(),
        deg[1].to_radians(),
        deg[0].to_radians(),
    )
}

/// The rotation taking +Y to `dir` by the shortest arc (`dir` need not be normalized;
/// a zero vector gives the identity).
pub fn quat_from_y_to(dir: Vec3) -> Quat {
    let d = dir.normalize_or_zero();
    if d == Vec3::ZERO {
        Quat::IDENTITY
    } else {
        Quat::from_rotation_arc(Vec3::Y, d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euler_applies_x_then_y_then_z() {
        let q = quat_from_euler_deg([90.0, 90.0, 0.0]);
        // +Y -> (about X by 90) +Z -> (about Y by 90) +X
        let v = q * Vec3::Y;
        assert!((v - Vec3::X).length() < 1e-6, "{v}");
    }

    #[test]
    fn pose_inverse_round_trips() {
        let p = Pose::new(
            Vec3::new(1.0, 2.0, 3.0),
            quat_from_euler_deg([10.0, 20.0, 30.0]),
        );
        let q = p * p.inverse();
        assert!(q.translation.length() < 1e-5);
        assert!(q.rotation.angle_between(Quat::IDENTITY) < 1e-3);
        let pt = Vec3::new(-1.0, 0.5, 2.0);
        assert!((p.inverse().transform_point(p.transform_point(pt)) - pt).length() < 1e-5);
    }
}
