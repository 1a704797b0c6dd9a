//! Camera stage: [`Scene`] + [`Trajectory`] -> [`CameraPlan`], the camera of every frame,
//! and the light rig each frame is lit by ([`resolve_lights`] -> [`Lights`]). The raster
//! and the reference path tracer both consume these as siblings, so they draw the same
//! picture from one definition.
//!
//! A [`CameraPlan`] holds, per frame: the pose and intrinsics ([`CameraFrame`]), the shot
//! it belongs to (a change of shot is a cut, [`CameraPlan::cut_before`]) and the subject
//! the lens focuses on ([`CameraPlan::lens`] gives the [`ThinLens`] of a camera with an
//! aperture).
//!
//! Invariants:
//! - one [`CameraFrame`] per trajectory frame, in frame order, all with the scene's
//!   resolution, field of view and clip planes;
//! - planning is a pure function of the scene and the trajectory: handheld shake derives
//!   its phases from the scene's `seed` and the shot index, nothing else;
//! - lights are resolved per frame from the scene's lights; a named rig is placed around
//!   the clip's first camera and stays put in the world while the camera moves.
//!
//! Camera frame: +X right, +Y up, looking down -Z (glTF). Pixel coordinates: origin at
//! the image's top-left corner, +x right, +y down, pixel centers at `+0.5`. The
//! intrinsics [`CameraFrame::k`] follow OpenCV's convention: they map camera coordinates
//! `(x, y, z) = (X, -Y, -Z)` (x right, y down, z forward) to pixels:
//! `u = fx x / z + cx`, `v = fy y / z + cy`.

mod frame;
pub(crate) mod lens;
mod lights;
mod shots;

use glam::Vec3;

pub use frame::{CameraFrame, look_rotation};
pub use lens::{MAX_COC_RADIUS_PX, ThinLens};
pub use lights::{ExtraLight, Lights, MAX_EXTRA_LIGHTS, ambient, resolve as resolve_lights};

use crate::math::Pose;
use crate::physics::Trajectory;
use crate::scene::{Camera, Scene};
use shots::{key_placement, plan_shot, target_at};

/// Why the camera could not be planned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CameraError {
    /// Auto-framing found no camera placement that satisfies it.
    #[error("camera.shots[{shot}]: cannot frame the subject: {reason}")]
    Framing {
        /// Shot index.
        shot: usize,
        /// What could not be satisfied.
        reason: String,
    },
}

/// The camera of every frame and the shot each frame belongs to.
#[derive(Debug, Clone)]
pub struct CameraPlan {
    /// One camera per frame.
    pub frames: Vec<CameraFrame>,
    /// The shot index of every frame (all 0 without shots).
    pub shot: Vec<usize>,
    /// What the camera is about in every frame (the shot's subject, or the look-at
    /// target): where the lens focuses unless the scene sets `focus_distance`.
    pub subject: Vec<Vec3>,
}

impl CameraPlan {
    /// The thin lens of frame `k`, if the camera has an aperture (a pinhole has none):
    /// focused at `focus_distance`, or on the subject.
    pub fn lens(&self, camera: &Camera, k: usize) -> Option<ThinLens> {
        let f_number = camera.aperture?;
        let cam = self.frames.get(k)?;
        let sensor_h = camera.sensor_mm.1 * 1e-3;
        let focus = camera
            .focus_distance
            .unwrap_or_else(|| cam.project(self.subject[k]).2 as f32)
            .max(cam.near);
        Some(ThinLens {
            focal_m: sensor_h * 0.5 / (cam.fov_y * 0.5).tan(),
            f_number,
            focus_m: focus,
            sensor_h_m: sensor_h,
            height_px: cam.height,
        })
    }

    /// Whether frame `k` is the first frame after a cut (the camera jumps between `k - 1`
    /// and `k`, so flow between them is undefined).
    pub fn cut_before(&self, k: usize) -> bool {
        k > 0 && k < self.shot.len() && self.shot[k] != self.shot[k - 1]
    }
}

/// The camera for every frame of the trajectory (see [`plan`]).
///
/// # Errors
/// As [`plan`].
pub fn track(scene: &Scene, traj: &Trajectory) -> Result<Vec<CameraFrame>, CameraError> {
    Ok(plan(scene, traj)?.frames)
}

/// Plans the camera for every frame. Without shots, keys are interpolated linearly in
/// time (position and look-at point), held before the first key and after the last.
/// With shots, each shot starts from its placement and plays its moves together
/// (see [`Move`](crate::scene::Move)); a new shot is a cut.
///
/// # Errors
/// [`CameraError::Framing`] when auto-framing cannot keep the subject in frame or
/// unoccluded at the shot's start.
pub fn plan(scene: &Scene, traj: &Trajectory) -> Result<CameraPlan, CameraError> {
    let cam = &scene.camera;
    let n = traj.frames.len();
    let frame = |pose: Pose| CameraFrame {
        pose,
        fov_y: cam.fov_y,
        width: scene.resolution.0,
        height: scene.resolution.1,
        near: cam.near,
        far: cam.far,
    };
    let mut plan = if cam.shots.is_empty() {
        let (frames, subject) = (0..n)
            .map(|k| {
                let (eye, target) = key_placement(cam, traj, k);
                (frame(Pose::new(eye, look_rotation(eye, target))), target)
            })
            .unzip();
        CameraPlan {
            frames,
            shot: vec![0; n],
            subject,
        }
    } else {
        plan_shots(scene, traj, &frame)?
    };
    if let Some((amplitude_deg, frequency_hz)) = cam.shake {
        let shake = shots::Shake::stream(scene.seed, "camera/shake");
        for (c, f) in plan.frames.iter_mut().zip(&traj.frames) {
            c.pose = shake.shaken(c.pose, f.time as f32, amplitude_deg, frequency_hz);
        }
    }
    Ok(plan)
}

/// The shots' camera, frame by frame (see [`plan`]).
fn plan_shots(
    scene: &Scene,
    traj: &Trajectory,
    frame: &dyn Fn(Pose) -> CameraFrame,
) -> Result<CameraPlan, CameraError> {
    let cam = &scene.camera;
    let n = traj.frames.len();
    let mut plan = CameraPlan {
        frames: Vec::with_capacity(n),
        shot: Vec::with_capacity(n),
        subject: Vec::with_capacity(n),
    };
    for (i, shot) in cam.shots.iter().enumerate() {
        let end = cam.shots.get(i + 1).map_or(f32::INFINITY, |s| s.start);
        let ks: Vec<usize> = (0..n)
            .filter(|&k| {
                let t = traj.frames[k].time as f32;
                t >= shot.start && t < end
            })
            .collect();
        let Some(&k0) = ks.first() else { continue };
        let t_end = end.min(scene.duration).max(shot.start + 1e-3);
        let poses = plan_shot(scene, traj, i, shot, &ks, k0, t_end, frame)?;
        for (k, pose) in ks.into_iter().zip(poses) {
            plan.frames.push(frame(pose));
            plan.shot.push(i);
            plan.subject.push(target_at(traj, shot.subject, k));
            debug_assert_eq!(plan.frames.len(), k + 1);
        }
    }
    Ok(plan)
}
