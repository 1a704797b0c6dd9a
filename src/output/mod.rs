//! Output stage: [`Trajectory`] -> files in one folder.
//!
//! - `metadata.json`: scene identity, timing, conventions, per-object facts (mass,
//!   friction, restitution) and per-frame position, rotation (quaternion `[x, y, z, w]`),
//!   linear and angular velocity, plus per-frame energy, momentum and state hash.
//! - `events.json`: contacts that started (entity pair, frame, step, time, world point,
//!   normal from `a` to `b`, impulse in N·s over the contact's first frame interval).
//! - `replay.json`: the scene text and hash with one state hash per frame, so that
//!   `cinegraph replay verify` can prove a re-run bit-identical.
//! - `energy.png` (on request): energy and momentum over time.
//!
//! Every file is written atomically (temporary file in the same folder, then rename):
//! a crash or a full disk never leaves a half-written file under the final name.

#[cfg(feature = "c2pa")]
pub mod credentials;
mod frames;
mod json;
mod kubric;
mod plot;
pub mod provenance;
mod sheet;
mod video;
pub mod watermark;

use std::path::{Path, PathBuf};

pub use frames::{BufferLayer, flow_color, object_stats, occlusion_mask, write_frame};
pub use json::{AudioInfo, CameraInfo, FrameStats, add_audio_info, add_render_info};
pub use json::{EventsFile, MetadataFile, ReplayFile, events_file, metadata_file, replay_file};
pub use kubric::{KUBRIC_BACKGROUND_DEPTH, kubric_instances, write_kubric};
pub(crate) use plot::hue_sextant_rgb;
pub use plot::{LookPlot, audio_plot_png, energy_plot_png, look_plot_png, loss_plot_png};
pub use sheet::{contact_sheet, grid_image, sample_frames, write_png_rgb};
pub use video::{write_mp4, write_mp4_from_pngs};

use crate::files::{FileError, write_atomic, write_json};
use crate::physics::Trajectory;
use crate::scene::Scene;

/// Writes `metadata.json`, `events.json`, `replay.json` (and `energy.png` if `plot`) into
/// `dir`, creating it. Returns the paths written.
///
/// # Errors
/// [`FileError`] if a file cannot be written.
pub fn write_simulation(
    dir: &Path,
    scene: &Scene,
    traj: &Trajectory,
    plot: bool,
) -> Result<Vec<PathBuf>, FileError> {
    std::fs::create_dir_all(dir).map_err(|source| FileError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    let mut put = |name: &str, f: &dyn Fn(&Path) -> Result<(), FileError>| {
        let p = dir.join(name);
        f(&p)?;
        written.push(p);
        Ok::<(), FileError>(())
    };
    put("metadata.json", &|p| {
        write_json(p, &metadata_file(scene, traj))
    })?;
    put("events.json", &|p| write_json(p, &events_file(scene, traj)))?;
    if plot {
        put("energy.png", &|p| {
            write_atomic(p, &energy_plot_png(scene, traj)?)
        })?;
    }
    // Last, so that a complete replay.json means a complete folder.
    put("replay.json", &|p| write_json(p, &replay_file(scene, traj)))?;
    Ok(written)
}

/// Writes `fluids.bin`, every liquid's particles at every frame, little-endian: the
/// magic `CGFLUID1`, `u32` frames, `u32` fluids, one `f32` particle radius per fluid;
/// then per frame, per fluid: `u32` particle count `n`, `n × 3` `f32` positions (m) and
/// `n × 3` `f32` velocities (m/s). Written whole or not at all.
///
/// # Errors
/// [`FileError`] if the file cannot be written.
pub fn write_fluid_particles(
    dir: &Path,
    scene: &Scene,
    traj: &Trajectory,
) -> Result<PathBuf, FileError> {
    let mut b = Vec::new();
    b.extend_from_slice(b"CGFLUID1");
    b.extend_from_slice(&(traj.frames.len() as u32).to_le_bytes());
    b.extend_from_slice(&(scene.fluids.len() as u32).to_le_bytes());
    for f in &scene.fluids {
        b.extend_from_slice(&f.particle_radius.to_le_bytes());
    }
    for frame in &traj.frames {
        for fi in 0..scene.fluids.len() {
            let (x, v) = frame.fluid(fi).map_or((&[][..], &[][..]), |f| {
                (f.positions.as_slice(), f.velocities.as_slice())
            });
            b.extend_from_slice(&(x.len() as u32).to_le_bytes());
            for p in x.iter().chain(v) {
                for c in p.to_array() {
                    b.extend_from_slice(&c.to_le_bytes());
                }
            }
        }
    }
    let path = dir.join("fluids.bin");
    crate::files::write_atomic(&path, &b)?;
    Ok(path)
}
