//! One frame's camera: pose, field of view and the intrinsics that follow from them
//! (conventions in the stage docs, [`crate::camera`]).

use glam::{Mat3, Mat4, Quat, Vec3};
use serde::{Deserialize, Serialize};

use crate::math::Pose;

/// One frame's camera.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CameraFrame {
    /// Camera-to-world pose.
    pub pose: Pose,
    /// Vertical field of view, radians.
    pub fov_y: f32,
    /// Image width, pixels.
    pub width: u32,
    /// Image height, pixels.
    pub height: u32,
    /// Near clip, m.
    pub near: f32,
    /// Far clip, m.
    pub far: f32,
}

impl CameraFrame {
    /// World-to-camera transform.
    pub fn view(&self) -> Mat4 {
        Mat4::from_rotation_translation(self.pose.rotation, self.pose.translation).inverse()
    }

    /// Perspective projection to wgpu clip space (depth in `[0, 1]`).
    pub fn projection(&self) -> Mat4 {
        glam::camera::rh::proj::directx::perspective(
            self.fov_y,
            self.width as f32 / self.height as f32,
            self.near,
            self.far,
        )
    }

    /// Projection times view.
    pub fn view_proj(&self) -> Mat4 {
        self.projection() * self.view()
    }

    /// Focal length in pixels (square pixels: `fx = fy`).
    pub fn focal_px(&self) -> f64 {
        f64::from(self.height) * 0.5 / (f64::from(self.fov_y) * 0.5).tan()
    }

    /// The 3×3 intrinsics matrix, row-major, OpenCV convention (see the module docs).
    pub fn k(&self) -> [[f64; 3]; 3] {
        let f = self.focal_px();
        [
            [f, 0.0, f64::from(self.width) * 0.5],
            [0.0, f, f64::from(self.height) * 0.5],
            [0.0, 0.0, 1.0],
        ]
    }

    /// Projects a world point: pixel coordinates and depth along the camera's -Z, m.
    pub fn project(&self, world: Vec3) -> (f64, f64, f64) {
        let c = self.pose.inverse().transform_point(world);
        let (x, y, z) = (f64::from(c.x), f64::from(-c.y), f64::from(-c.z));
        let k = self.k();
        (k[0][0] * x / z + k[0][2], k[1][1] * y / z + k[1][2], z)
    }

    /// The ray through pixel `(u, v)` in world space: unit direction, and the depth (along
    /// -Z) per meter travelled along it.
    pub fn ray(&self, u: f64, v: f64) -> (Vec3, f32) {
        let k = self.k();
        let x = (u - k[0][2]) / k[0][0];
        let y = (v - k[1][2]) / k[1][1];
        let cam = Vec3::new(x as f32, -(y as f32), -1.0);
        let len = cam.length();
        (self.pose.rotation * (cam / len), 1.0 / len)
    }
}

/// A camera rotation looking from `eye` at `target`, +Y up (falls back to +Z up when
/// looking straight up or down).
pub fn look_rotation(eye: Vec3, target: Vec3) -> Quat {
    let f = (target - eye).normalize_or(Vec3::NEG_Z);
    let up = if f.cross(Vec3::Y).length() < 1e-4 {
        Vec3::Z
    } else {
        Vec3::Y
    };
    let right = f.cross(up).normalize();
    let true_up = right.cross(f);
    Quat::from_mat3(&Mat3::from_cols(right, true_up, -f)).normalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_matches_k_and_the_target_lands_in_the_center() {
        let eye = Vec3::new(3.0, 2.0, 5.0);
        let target = Vec3::new(0.5, 0.2, -1.0);
        let cam = CameraFrame {
            pose: Pose::new(eye, look_rotation(eye, target)),
            fov_y: 0.8,
            width: 320,
            height: 200,
            near: 0.1,
            far: 100.0,
        };
        let (u, v, z) = cam.project(target);
        assert!(
            (u - 160.0).abs() < 1e-3 && (v - 100.0).abs() < 1e-3,
            "({u}, {v})"
        );
        assert!((z - f64::from(eye.distance(target))).abs() < 1e-4);
        // K agrees with the GPU projection matrix for an off-center point.
        let p = target + Vec3::new(0.7, 0.9, -0.3);
        let clip = cam.view_proj() * p.extend(1.0);
        let ndc = clip.truncate() / clip.w;
        let gpu = (
            (f64::from(ndc.x) + 1.0) * 80.0 * 2.0,
            (1.0 - f64::from(ndc.y)) * 100.0,
        );
        let (u, v, _) = cam.project(p);
        assert!(
            (u - gpu.0).abs() < 1e-2 && (v - gpu.1).abs() < 1e-2,
            "K ({u}, {v}) vs GPU {gpu:?}"
        );
        // A ray through that pixel passes through the point.
        let (dir, _) = cam.ray(u, v);
        let to_p = (p - eye).normalize();
        assert!(dir.dot(to_p) > 0.999_999, "{dir} vs {to_p}");
    }
}
