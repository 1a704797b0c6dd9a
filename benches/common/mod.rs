//! What the benches share: failing loudly, paths in the repository, and the MOVi-A-like
//! clip simulated and framed at a stated resolution.
//!
//! A bench must never time a failure as a success or measure something other than its
//! name says: every error here stops the bench with a message naming what failed, and a
//! clip's resolution is set on the parsed scene and checked on the camera track.

#![allow(dead_code, reason = "each bench binary uses only part of this module")]

use std::fmt::Display;
use std::path::PathBuf;

use cinegraph::camera::{self, CameraFrame};
use cinegraph::physics::{Trajectory, simulate};
use cinegraph::progress::Silent;
use cinegraph::scene::Scene;

/// The value in `result`, or a panic naming `what` failed and why.
pub fn or_die<T, E: Display>(result: Result<T, E>, what: &str) -> T {
    match result {
        Ok(v) => v,
        Err(e) => panic!("bench failed: {what}: {e}"),
    }
}

/// A path inside the repository.
pub fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// A scene file of the repository, loaded and validated.
pub fn load_scene(relative: &str) -> Scene {
    or_die(
        cinegraph::scene::load(&repo_path(relative)),
        &format!("loading {relative}"),
    )
}

/// A simulated clip and its per-frame cameras.
pub struct Clip {
    /// The scene, at the resolution asked for.
    pub scene: Scene,
    /// Its simulation.
    pub traj: Trajectory,
    /// One camera per frame.
    pub cams: Vec<CameraFrame>,
}

/// `scenes/movi_a.ron` at `width` × `height`, simulated and framed; panics if the camera
/// track does not have that size.
pub fn movi_a(width: u32, height: u32) -> Clip {
    clip("scenes/movi_a.ron", width, height)
}

/// The same clip in a world (`scenes/movi_a_world.ron`: sky, tiled floor with maps,
/// patterned objects) at `width` × `height`.
#[allow(dead_code, reason = "not every bench uses it")]
pub fn movi_a_world(width: u32, height: u32) -> Clip {
    clip("scenes/movi_a_world.ron", width, height)
}

fn clip(path: &str, width: u32, height: u32) -> Clip {
    let mut scene = load_scene(path);
    scene.resolution = (width, height);
    let traj = or_die(simulate(&scene, &Silent), &format!("simulating {path}"));
    let cams = or_die(
        camera::track(&scene, &traj),
        &format!("framing {path} (camera track)"),
    );
    assert!(
        !cams.is_empty() && cams.len() == traj.frames.len(),
        "{path}: {} cameras for {} frames",
        cams.len(),
        traj.frames.len()
    );
    for cam in &cams {
        assert_eq!(
            (cam.width, cam.height),
            (width, height),
            "{path}: the camera track is not at the resolution the bench names"
        );
    }
    Clip { scene, traj, cams }
}
