//! Small math shared by the stages: a rigid [`Pose`], rotation helpers and the sRGB
//! transfer functions.
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

    /// The rotation and translation of a rigid transform (a joint's world transform);
    /// any scale is dropped.
    pub fn from_rigid(g: &glam::Affine3A) -> Self {
        let (_, rotation, translation) = g.to_scale_rotation_translation();
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

/// Luminance weights of linear Rec. 709 / sRGB primaries (ITU-R BT.709).
pub const LUMA: Vec3 = Vec3::new(0.2126, 0.7152, 0.0722);

/// The sRGB transfer function (IEC 61966-2-1), linear light to encoded, both in
/// `[0, 1]`; the input is clamped to `[0, 1]` first.
pub fn linear_to_srgb(v: f32) -> f32 {
    let v = v.clamp(0.0, 1.0);
    if v <= 0.003_130_8 {
        12.92 * v
    } else {
        1.055 * v.powf(1.0 / 2.4) - 0.055
    }
}

/// The inverse of [`linear_to_srgb`] (the sRGB EOTF), encoded to linear light, both in
/// `[0, 1]`; the input is clamped to `[0, 1]` first.
pub fn srgb_to_linear(c: f32) -> f32 {
    let c = c.clamp(0.0, 1.0);
    if c <= 0.040_45 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// [`linear_to_srgb`] quantized to 8 bits (round half up); NaN encodes as 0.
pub fn linear_to_srgb8(v: f32) -> u8 {
    (linear_to_srgb(v) * 255.0 + 0.5) as u8
}

/// An 8-bit sRGB code value to linear light: [`srgb_to_linear`] of `v / 255`.
pub fn srgb8_to_linear(v: u8) -> f32 {
    srgb_to_linear(f32::from(v) / 255.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srgb_8_bit_codes_round_trip_and_the_curve_is_continuous() {
        for v in 0..=255u8 {
            assert_eq!(linear_to_srgb8(srgb8_to_linear(v)), v);
        }
        // The two pieces meet at the breakpoints (to f32 precision).
        assert!((linear_to_srgb(0.003_130_8) - 0.040_45).abs() < 1e-5);
        assert!((srgb_to_linear(0.040_45) - 0.003_130_8).abs() < 1e-5);
        assert_eq!(linear_to_srgb8(f32::NAN), 0);
        assert_eq!(linear_to_srgb8(-1.0), 0);
        assert_eq!(linear_to_srgb8(2.0), 255);
    }

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
