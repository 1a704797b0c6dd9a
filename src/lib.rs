//! cinegraph: a scene written in RON becomes a deterministic rapier simulation, and from
//! there pixel-exact ground truth and a styled video.
//!
//! The stages follow the data flow, one module each, meeting at plain data types:
//!
//! | stage | input | output |
//! |---|---|---|
//! | [`scene`] | RON text (`scenes/*.ron`) | [`scene::Scene`] (validated, expanded; the style by name only) |
//! | [`physics`] | [`scene::Scene`] | [`physics::Trajectory`] (+ replay hashes) |
//! | [`camera`] | [`scene::Scene`] + [`physics::Trajectory`] | [`camera::CameraPlan`] (shots, cuts, per-frame poses, lens) and [`camera::Lights`] per frame |
//! | [`raster`] | [`scene::Scene`] + [`physics::Trajectory`] + [`camera::CameraFrame`]s | [`raster::FrameBuffers`] (linear preview, depth, normals, flow, segmentation, albedo) |
//! | [`style`] | a scene file + a style name; per frame [`raster::FrameBuffers`] + [`camera::CameraPlan`] | ([`scene::Scene`], [`style::Look`]); graded frames ([`style::Look::apply`]) |
//! | [`neural`] | [`raster::FrameBuffers`] (+ the previous frame's segmentation) | a finished frame in linear light ([`neural::Finisher`]) |
//! | [`output`] | [`physics::Trajectory`], [`raster::FrameBuffers`] | the output folder: `metadata.json`, `events.json`, `replay.json`, frames, videos |
//! | [`reference`](mod@reference) | [`scene::Scene`] + [`physics::Trajectory`] + [`camera::CameraFrame`]s | path-traced [`reference::ReferenceFrame`]s |
//! | [`prompt`] | one English sentence | RON scene text (validated, simulated, intent-checked) |
//! | [`batch`] | a plan file (`plans/*.ron`) | each item's scene text, drawn from the plan and its index; shards; cluster job files |
//! | [`character`] | body parameters, a path, a glTF skin | skeletons, poses, skinned meshes, walk cycles (not yet wired into scenes) |
//!
//! Only [`pipeline`] chains them. [`files`] holds the file helpers they share (atomic
//! writes, JSON, PNG, EXR). Conventions shared by every stage: meters, kilograms,
//! seconds and radians; right-handed, +Y up (glTF's convention); frame `k` shows the state
//! at `t = k / fps`; every random choice derives from the scene's `seed`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod audio;
pub mod batch;
pub mod camera;
pub mod character;
pub mod files;
pub mod math;
pub mod neural;
pub mod output;
pub mod physics;
pub mod pipeline;
pub mod progress;
pub mod prompt;
pub mod raster;
pub mod reference;
pub mod rng;
pub mod scene;
pub mod style;
pub mod texture;
pub mod world;

/// The crate version written into every output file.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
