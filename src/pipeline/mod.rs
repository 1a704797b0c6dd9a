//! The only place that chains the stages: scene file -> simulation -> camera plan ->
//! raster -> look -> finish -> output folder.
//!
//! Input: a scene file (or a replay record, or dataset options) and a job's options.
//! Output: the job's folder of files and a report. Every job is a short user of the
//! stages' entry types; the frame loop is [`Frames`] (the renderer, the look, the window
//! of neighbouring frames that the occlusion masks and the finisher need, and the rule
//! that a finished clip restarts at a shot's first frame). Its users:
//!
//! - [`render_to_dir`] (`cinegraph render`, and `cinegraph prompt --render`),
//! - [`styles_preview`] (`cinegraph styles preview`),
//! - [`write_dataset`] (`cinegraph dataset`: the finisher's training pairs),
//! - [`batch_run`] (`cinegraph batch run`: a plan's items, each through the render job).
//!
//! The reference path tracer takes the scene, trajectory and camera plan the pipeline
//! made ([`crate::reference::render_to_dir`]); [`simulate_to_dir`] and [`verify_replay`]
//! stop after the simulation. Errors are typed per stage ([`PipelineError`]); whether a
//! failure is the user's input (exit code 2) is decided by the variant
//! ([`PipelineError::is_bad_input`]).

#[cfg(test)]
mod agreement;
mod batch;
mod batch_store;
mod dataset;
mod frames;
mod render;
mod simulate;
mod styles;
#[cfg(test)]
mod tests;

use std::path::Path;
use std::path::PathBuf;

pub use crate::neural::FinishOptions;
pub use batch::{
    BatchInfo, BatchReport, BatchStatus, FailedRecord, FileEntry, ItemRecord, MergeReport,
    batch_merge, batch_run, batch_status, ranges as batch_ranges,
};
pub use batch_store::BatchOut;
pub use dataset::{DatasetOptions, DatasetReport, write_dataset};
pub use frames::{Frame, FrameTimes, Frames, Window};
pub use render::{Layout, RenderOptions, RenderReport, StageTimes, render_to_dir};
pub use simulate::{SimulateReport, VerifyOutcome, simulate_to_dir, verify_replay};
pub use styles::{
    CheckOptions, CheckRow, StyleCheck, styles_check, styles_preview, write_check_plot,
};

use crate::camera::CameraError;
use crate::files::FileError;
use crate::neural::NeuralError;
use crate::physics::PhysicsError;
use crate::raster::RasterError;
use crate::reference::ReferenceError;
use crate::scene::SceneError;
use crate::style::StyleError;

/// Why a job failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// The scene is unreadable or invalid.
    #[error(transparent)]
    Scene(#[from] SceneError),
    /// The simulation could not run.
    #[error(transparent)]
    Physics(#[from] PhysicsError),
    /// Output could not be written or read.
    #[error(transparent)]
    Output(#[from] FileError),
    /// Rendering failed.
    #[error(transparent)]
    Raster(#[from] RasterError),
    /// The camera could not be planned (auto-framing failed).
    #[error(transparent)]
    Camera(#[from] CameraError),
    /// The reference renderer failed (or its options are unusable).
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    /// The neural finishing pass failed (or its model could not be loaded).
    #[error(transparent)]
    Neural(#[from] NeuralError),
    /// C2PA content credentials could not be signed or their signer is unusable.
    #[cfg(feature = "c2pa")]
    #[error(transparent)]
    Credentials(#[from] crate::output::credentials::CredentialsError),
    /// The styles built into the binary failed to load (a broken build).
    #[error("bundled styles: {0}")]
    BundledStyles(#[from] StyleError),
    /// An option's value is out of range or does not fit the scene (e.g. `--frames`
    /// outside the clip, a dataset `--size` that is not a multiple of 16).
    #[error("{0}")]
    BadOption(String),
    /// Options that cannot go together (e.g. `--layout kubric` with finishing).
    #[error("{0}")]
    Conflict(String),
    /// A replay record is unusable.
    #[error("{path}: {message}")]
    Replay {
        /// The replay file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A generated dataset scene failed to simulate, render or trace.
    #[error("dataset scene {index}")]
    DatasetScene {
        /// The scene's index.
        index: usize,
        /// What failed.
        #[source]
        source: Box<PipelineError>,
    },
    /// The clip is too long for audio.
    #[error(transparent)]
    Audio(#[from] crate::audio::AudioError),
    /// The sound's encoder failed after everything else was written.
    #[error(
        "the Opus audio encoder failed ({0}); video.mp4 and preview.mp4 were written \
         without sound, and audio.wav holds the track"
    )]
    AudioEncoder(String),
    /// A failure of the program itself, not of its input or the system.
    #[error("{0}")]
    Internal(String),
}

impl PipelineError {
    /// True when the user's input (scene, options, replay file, model folder) is at
    /// fault rather than the program or the system (a failed write or read is the
    /// system's): decided by the variant alone.
    pub fn is_bad_input(&self) -> bool {
        match self {
            Self::Scene(_)
            | Self::Camera(_)
            | Self::BadOption(_)
            | Self::Conflict(_)
            | Self::Audio(_)
            | Self::Replay { .. } => true,
            Self::Neural(e) => e.is_bad_input(),
            Self::Reference(e) => matches!(e, ReferenceError::Options(_)),
            Self::Output(e) => matches!(e, FileError::Format { .. }),
            // A signer that cannot be read or used is the user's; a failed signing is not.
            #[cfg(feature = "c2pa")]
            Self::Credentials(e) => !matches!(
                e,
                crate::output::credentials::CredentialsError::Sign { .. }
                    | crate::output::credentials::CredentialsError::Unreadable { .. }
            ),
            // A generated scene failing is the generator's fault, not the user's.
            Self::Physics(_)
            | Self::Raster(_)
            | Self::BundledStyles(_)
            | Self::DatasetScene { .. }
            | Self::AudioEncoder(_)
            | Self::Internal(_) => false,
        }
    }
}

/// Creates `dir` and its parents.
fn create_dir(dir: &Path) -> Result<(), FileError> {
    std::fs::create_dir_all(dir).map_err(|source| FileError::Write {
        path: dir.to_path_buf(),
        source,
    })
}
