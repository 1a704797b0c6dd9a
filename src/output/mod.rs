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

mod frames;
mod json;
mod kubric;
mod plot;
mod sheet;
mod video;

use std::io::Write;
use std::path::{Path, PathBuf};

pub use frames::{BufferLayer, flow_color, object_stats, occlusion_mask, write_frame};
pub(crate) use frames::{exr, png};
pub use json::{CameraInfo, FrameStats, add_render_info};
pub use json::{EventsFile, MetadataFile, ReplayFile, events_file, metadata_file, replay_file};
pub use kubric::{KUBRIC_BACKGROUND_DEPTH, kubric_instances, write_kubric};
pub use plot::{energy_plot_png, loss_plot_png};
pub use sheet::{contact_sheet, grid_image, sample_frames, write_png_rgb};
pub use video::{write_mp4, write_mp4_from_pngs};

use crate::physics::Trajectory;
use crate::scene::Scene;

/// Why output could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A JSON file is not what it should be.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The plot could not be drawn.
    #[error("cannot draw the energy plot: {0}")]
    Plot(String),
}

/// Writes `bytes` to `path` through a temporary file and a rename.
///
/// # Errors
/// [`OutputError::Write`] if any step fails; the temporary file is removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let err = |source| OutputError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}

/// Writes a value as pretty JSON, atomically.
///
/// # Errors
/// [`OutputError`] if it cannot be encoded or written.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), OutputError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| OutputError::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// Writes `metadata.json`, `events.json`, `replay.json` (and `energy.png` if `plot`) into
/// `dir`, creating it. Returns the paths written.
///
/// # Errors
/// [`OutputError`] if a file cannot be written.
pub fn write_simulation(
    dir: &Path,
    scene: &Scene,
    traj: &Trajectory,
    plot: bool,
) -> Result<Vec<PathBuf>, OutputError> {
    std::fs::create_dir_all(dir).map_err(|source| OutputError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    let mut put = |name: &str, f: &dyn Fn(&Path) -> Result<(), OutputError>| {
        let p = dir.join(name);
        f(&p)?;
        written.push(p);
        Ok::<(), OutputError>(())
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

/// Reads and parses a JSON file written by this module.
///
/// # Errors
/// [`OutputError::Read`] or [`OutputError::Format`].
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, OutputError> {
    let text = std::fs::read_to_string(path).map_err(|source| OutputError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| OutputError::Format {
        path: path.to_path_buf(),
        message: format!("line {} column {}: {e}", e.line(), e.column()),
    })
}
