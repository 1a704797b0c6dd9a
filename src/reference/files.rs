//! The reference frames on disk (native layout): `reference/0000k.exr` (linear RGB,
//! f32 channels `R`, `G`, `B`), `reference/0000k.png` (the raster preview's ACES fit and
//! sRGB encoding, 8 bit), `reference.mp4`, and `reference.json` (settings, samples per
//! pixel and seconds per frame; a re-run with the same scene and settings skips the
//! frames already written).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

use exr::prelude::FlatSamples;
use image::ExtendedColorType;
use serde::{Deserialize, Serialize};

use super::{ReferenceError, ReferenceFrame, ReferenceOptions, Tracer};
use crate::camera::CameraPlan;
use crate::files::{self, FileError};
use crate::math::linear_to_srgb8;
use crate::physics::Trajectory;
use crate::progress::Progress;
use crate::scene::Scene;
use crate::style::{Look, ToneMap};

/// What the reference pass did.
#[derive(Debug, Clone)]
pub struct ReferenceReport {
    /// Frames traced now.
    pub rendered: usize,
    /// Frames already complete from an earlier run with the same settings.
    pub skipped: usize,
    /// Samples per pixel.
    pub spp: u32,
    /// Mean seconds per traced frame (0 if none was traced).
    pub seconds_per_frame: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct FrameRecord {
    seconds: f64,
    threads: usize,
}

/// `reference.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Manifest {
    format: String,
    scene_hash: String,
    renderer: String,
    spp: u32,
    max_bounces: u32,
    shutter_deg: f32,
    aperture_f: Option<f32>,
    focus_distance: Option<f32>,
    frames: BTreeMap<usize, FrameRecord>,
}

impl Manifest {
    /// Everything but the frame records.
    fn settings(&self) -> Manifest {
        Manifest {
            frames: BTreeMap::new(),
            ..self.clone()
        }
    }
}

/// Forwards a frame's progress into the clip's bar, without restarting it.
struct Inner<'a>(&'a dyn Progress);

impl Progress for Inner<'_> {
    fn start(&self, _stage: &str, _total: u64) {}
    fn advance(&self, n: u64) {
        self.0.advance(n);
    }
    fn finish(&self) {}
}

/// ACES filmic fit (Narkowicz 2015, "ACES Filmic Tone Mapping Curve") at exposure 1, as
/// the raster preview, then the sRGB transfer function, 8 bit.
pub fn tonemap_srgb8(c: [f32; 3]) -> [u8; 3] {
    c.map(|x| linear_to_srgb8(ToneMap::AcesFit.apply(x)))
}

fn frame_paths(out: &Path, k: usize) -> [PathBuf; 2] {
    [
        out.join(format!("reference/{k:05}.exr")),
        out.join(format!("reference/{k:05}.png")),
    ]
}

fn write_frame(
    out: &Path,
    look: &Look,
    k: usize,
    f: &ReferenceFrame,
) -> Result<(), ReferenceError> {
    let dir = out.join("reference");
    std::fs::create_dir_all(&dir).map_err(|source| FileError::Write { path: dir, source })?;
    let [exr_path, png_path] = frame_paths(out, k);
    let channel = |c: usize| FlatSamples::F32(f.color.iter().map(|p| p[c]).collect());
    files::exr(
        &exr_path,
        f.width,
        f.height,
        vec![("R", channel(0)), ("G", channel(1)), ("B", channel(2))],
    )?;
    // The PNG carries the scene's look (its style's grade, or the default ACES fit), as
    // the raster preview does.
    let rgba = look.grade_frame(&f.color, f.width, f.height, k);
    let rgb: Vec<u8> = rgba
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    files::png(&png_path, f.width, f.height, &rgb, ExtendedColorType::Rgb8)?;
    Ok(())
}

/// Traces frames `range` into `out` (see the module docs for the files), skipping
/// frames complete from an earlier run with the same scene and settings, then writes
/// `reference.mp4` once every frame of the clip is there. The PNGs and the video carry
/// `look`'s grade; the EXRs stay linear.
///
/// # Errors
/// [`ReferenceError`] for bad options or a failed write; every file is written
/// atomically.
#[expect(
    clippy::too_many_arguments,
    reason = "the four plain inputs (scene, look, trajectory, camera plan) and what to write"
)]
pub fn render_to_dir(
    out: &Path,
    scene: &Scene,
    look: &Look,
    traj: &Trajectory,
    plan: &CameraPlan,
    range: Range<usize>,
    opts: &ReferenceOptions,
    progress: &dyn Progress,
) -> Result<ReferenceReport, ReferenceError> {
    let tracer = Tracer::new(scene, traj, &plan.frames, *opts)?.with_cuts(|k| plan.cut_before(k));
    let manifest_path = out.join("reference.json");
    let fresh = Manifest {
        format: "cinegraph/reference/1".into(),
        // The style changes camera, lights and grade without changing the scene text.
        scene_hash: format!(
            "{}+style:{}{}",
            scene.source.hash,
            scene.style.as_deref().unwrap_or("none"),
            look.watermark
                .as_ref()
                .map(|m| format!("+watermark:{}", m.text))
                .unwrap_or_default()
        ),
        renderer: "cpu path tracer (parry3d ray casts)".into(),
        spp: opts.spp,
        max_bounces: opts.max_bounces,
        shutter_deg: opts.shutter_deg,
        aperture_f: opts.lens.aperture_f,
        focus_distance: opts.lens.focus_distance,
        frames: BTreeMap::new(),
    };
    let mut manifest = files::read_json::<Manifest>(&manifest_path)
        .ok()
        .filter(|m| m.settings() == fresh)
        .unwrap_or(fresh);
    let done = |k: usize, m: &Manifest| {
        m.frames.contains_key(&k) && frame_paths(out, k).iter().all(|p| p.is_file())
    };
    let todo: Vec<usize> = range.clone().filter(|&k| !done(k, &manifest)).collect();
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let mut total = 0.0;
    // One bar for the whole clip: every frame's tiles count into it.
    let (w, h) = scene.resolution;
    let tiles = u64::from(w.div_ceil(super::TILE) * h.div_ceil(super::TILE));
    progress.start("reference", tiles * todo.len() as u64);
    for &k in &todo {
        let start = Instant::now();
        let frame = tracer.render(k, &Inner(progress))?;
        let seconds = start.elapsed().as_secs_f64();
        total += seconds;
        tracing::info!(frame = k, seconds, spp = opts.spp, "reference frame traced");
        write_frame(out, look, k, &frame)?;
        manifest.frames.insert(k, FrameRecord { seconds, threads });
        files::write_json(&manifest_path, &manifest)?;
    }
    progress.finish();
    let n = traj.frames.len();
    if w >= 2 && h >= 2 && (0..n).all(|k| done(k, &manifest)) {
        let mut frames = Vec::with_capacity(n);
        for k in 0..n {
            let [_, p] = frame_paths(out, k);
            let img = image::open(&p).map_err(|e| FileError::Format {
                path: p.clone(),
                message: e.to_string(),
            })?;
            frames.push(img.to_rgb8().into_raw());
        }
        crate::output::write_mp4(
            &out.join("reference.mp4"),
            w,
            h,
            scene.fps,
            frames.into_iter(),
            None,
        )?;
    }
    Ok(ReferenceReport {
        rendered: todo.len(),
        skipped: range.len() - todo.len(),
        spp: opts.spp,
        seconds_per_frame: if todo.is_empty() {
            0.0
        } else {
            total / todo.len() as f64
        },
    })
}
