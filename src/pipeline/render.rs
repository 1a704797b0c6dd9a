//! `cinegraph render`: scene file -> simulation -> camera plan -> [`Frames`] -> the output
//! folder (buffers, finished frames, videos, metadata, the reference), resumable through
//! `render.json`.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::frames::{Frames, Window};
use super::{PipelineError, create_dir};
use crate::camera::{self, CameraPlan};
use crate::files;
use crate::neural::{FinishOptions, Finisher};
use crate::output::{self, BufferLayer};
use crate::physics::{self, Trajectory};
use crate::progress::Progress;
use crate::raster::{FrameBuffers, Wanted};
use crate::reference::{self, ReferenceOptions, ReferenceReport};
use crate::scene::Scene;
use crate::style::{self, Look, Miss};

/// The output folder's file layout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Layout {
    /// cinegraph's own layout (DESIGN.md).
    #[default]
    Native,
    /// Kubric's file names, encodings and conventions (see `output::write_kubric`).
    Kubric,
}

/// What to render.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// The file layout.
    pub layout: Layout,
    /// Buffer layers to write.
    pub layers: Vec<BufferLayer>,
    /// Frames to render (`None`: all).
    pub frames: Option<Range<usize>>,
    /// Also write `energy.png`.
    pub plot: bool,
    /// A style (bundled name, alias or path) instead of the scene's own.
    pub style: Option<String>,
    /// Also write `contact_sheet.png`.
    pub contact_sheet: bool,
    /// Also write `provenance.json` (always written for a scene with a cameo).
    pub provenance: bool,
    /// The C2PA signer for the content credentials embedded with the provenance: a PEM
    /// certificate chain and its private key (`None`: the bundled test signer). Needs
    /// the `c2pa` feature.
    pub signer: Option<(PathBuf, PathBuf)>,
    /// Also path-trace the reference frames (native layout only).
    pub reference: Option<ReferenceOptions>,
    /// Finish the frames with the neural pass into `rgb/` and `video.mp4` (native layout
    /// only; `None`: the preview is the last picture, as with `--no-finish`).
    pub finish: Option<FinishOptions>,
    /// Synthesize the sound from the contacts into `audio.wav` and the MP4s (native
    /// layout only).
    pub audio: bool,
    /// Burn a visible watermark (`SYNTHETIC · cinegraph`, and each cameo's consent id)
    /// into every picture: preview, finished and reference frames and their MP4s.
    pub watermark: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            layout: Layout::Native,
            layers: BufferLayer::ALL.to_vec(),
            frames: None,
            plot: false,
            style: None,
            contact_sheet: false,
            provenance: false,
            signer: None,
            reference: None,
            finish: None,
            audio: true,
            watermark: false,
        }
    }
}

/// What `render` produced.
#[derive(Debug)]
pub struct RenderReport {
    /// Frames rendered now.
    pub rendered: usize,
    /// Frames already complete from an earlier run of the same command.
    pub skipped: usize,
    /// The adapter used.
    pub adapter: String,
    /// What the reference renderer did, when asked.
    pub reference: Option<ReferenceReport>,
    /// Where the time went.
    pub stages: StageTimes,
    /// What the user should know: each target of the style's contract that the scene
    /// makes impossible, naming the statistic.
    pub warnings: Vec<String>,
}

/// Wall time per stage of one render (the frame stages summed over the frames).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageTimes {
    /// Loading the scene and its style, and the finishing model.
    pub load: Duration,
    /// The simulation.
    pub simulate: Duration,
    /// The camera plan (shots, auto-framing).
    pub camera: Duration,
    /// Rasterizing the frames and reading them back.
    pub raster: Duration,
    /// The look on every frame: cuts, depth of field, the grade.
    pub look: Duration,
    /// Encoding and writing the frames' buffer files (and `render.json`).
    pub write: Duration,
    /// Neural finishing, its grade and `rgb/` files.
    pub finish: Duration,
    /// Synthesizing the sound and writing `audio.wav`.
    pub audio: Duration,
    /// `metadata.json`, `events.json`, the plot and the videos.
    pub clip: Duration,
    /// The path-traced reference.
    pub reference: Duration,
}

impl std::fmt::Display for StageTimes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let stages = [
            ("load", self.load),
            ("simulate", self.simulate),
            ("camera", self.camera),
            ("raster", self.raster),
            ("look", self.look),
            ("write", self.write),
            ("finish", self.finish),
            ("audio", self.audio),
            ("clip", self.clip),
            ("reference", self.reference),
        ];
        for (i, (name, d)) in stages.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{name} {:.3} s", d.as_secs_f64())?;
        }
        Ok(())
    }
}

/// A stopwatch: [`Lap::lap`] returns the time since the last lap.
struct Lap(Instant);

impl Lap {
    fn lap(&mut self) -> Duration {
        let now = Instant::now();
        let d = now - self.0;
        self.0 = now;
        d
    }
}

/// The raster buffers a render's `layers` need (with `everything`: finishing or the
/// Kubric layout, every buffer). Segmentation is always drawn (per-object boxes and pixel
/// counts); depth whenever the lit preview is (the lens's depth of field reads it).
fn wanted(layers: &[BufferLayer], everything: bool) -> Wanted {
    if everything {
        return Wanted::ALL;
    }
    let has = |l| layers.contains(&l);
    Wanted {
        linear: has(BufferLayer::Preview),
        albedo: has(BufferLayer::Albedo),
        normal: has(BufferLayer::Normal),
        depth: has(BufferLayer::Depth) || has(BufferLayer::Preview),
        flow: has(BufferLayer::Flow),
        segmentation: true,
    }
}

/// Simulates, renders the selected frames and layers, and writes the whole output folder
/// (buffers, `metadata.json` with the camera and per-object boxes and pixel counts,
/// `events.json`, `replay.json`, `render.json`). Frames whose files exist from an earlier
/// run with the same scene, options and layers are skipped.
///
/// # Errors
/// [`PipelineError`] from whichever stage failed; every file is written atomically.
pub fn render_to_dir(
    scene_path: &Path,
    out: &Path,
    opts: &RenderOptions,
    progress: &dyn Progress,
) -> Result<RenderReport, PipelineError> {
    let start = Instant::now();
    let (scene, look) = style::load(scene_path, opts.style.as_deref())?;
    render_scene(&scene, look, start, out, opts, progress)
}

/// [`render_to_dir`] for a scene already loaded with its look (`opts.style` is not
/// applied again); `start` is when loading began, for the report's load time.
///
/// # Errors
/// As [`render_to_dir`].
pub(super) fn render_scene(
    scene: &Scene,
    look: Look,
    start: Instant,
    out: &Path,
    opts: &RenderOptions,
    progress: &dyn Progress,
) -> Result<RenderReport, PipelineError> {
    let mut stages = StageTimes::default();
    let mut lap = Lap(start);
    let range = check_options(opts, scene)?;
    let look = look.with_watermark(opts.watermark.then(|| {
        crate::output::watermark::Watermark::for_render(
            scene
                .characters
                .iter()
                .filter_map(|c| c.cameo.as_ref())
                .map(|u| u.consent_id.as_str()),
        )
    }));
    let mut finisher = match &opts.finish {
        Some(f) => Some(Finisher::load(f, scene.style.as_deref(), scene.seed)?),
        None => None,
    };
    let audio = opts.audio && opts.layout == Layout::Native;
    if audio {
        crate::audio::check_length(scene)?;
    }
    stages.load = lap.lap();
    let traj = if audio {
        physics::simulate_with_sound(scene, progress)?
    } else {
        physics::simulate(scene, progress)?
    };
    stages.simulate = lap.lap();
    let plan = camera::plan(scene, &traj)?;
    stages.camera = lap.lap();
    create_dir(out)?;
    if opts.layout == Layout::Kubric {
        let mut report = render_kubric(out, scene, &look, &traj, &plan, range, progress)?;
        write_provenance(out, scene, opts)?;
        report.stages = StageTimes {
            load: stages.load,
            simulate: stages.simulate,
            camera: stages.camera,
            ..report.stages
        };
        return Ok(report);
    }
    let mut layers = opts.layers.clone();
    layers.sort();
    layers.dedup();
    if scene.characters.is_empty() && layers.contains(&BufferLayer::Parts) {
        // Body parts come with characters; without one the layer would be all zeros.
        if opts.layers != BufferLayer::ALL {
            tracing::warn!("the scene has no characters: `parts/` is not written");
        }
        layers.retain(|l| *l != BufferLayer::Parts);
    }
    let mut manifest = Manifest::resume(out, scene, opts, &layers)?;
    let finishing = finisher.is_some();
    let complete = |k| manifest.complete(k, out, scene, &layers, finishing);
    let todo = Frames::todo(range.clone(), &plan, complete, finishing);
    let mut adapter = String::from("none (all frames were complete)");
    // The look metered on the clip and what it misses, once a renderer exists and lit
    // frames are wanted.
    let mut metered: Option<(Look, Vec<Miss>)> = None;
    if !todo.is_empty() {
        let window = Window {
            neighbours: layers.contains(&BufferLayer::Flow),
            history: finishing,
        };
        let wanted = wanted(&layers, finishing);
        let mut frames =
            Frames::new(scene, &look, &traj, &plan, todo.clone(), window)?.wanting(wanted);
        adapter = frames.adapter_name().to_string();
        if wanted.linear {
            let metered_look = frames.look()?.clone();
            metered = Some((metered_look, frames.misses().to_vec()));
        }
        let look = metered.as_ref().map_or(&look, |m| &m.0);
        let stage = if finishing { "render+finish" } else { "render" };
        progress.start(stage, todo.len() as u64);
        let (write, finish) = render_frames(
            out,
            &mut frames,
            &layers,
            &mut manifest,
            scene.entities.len(),
            finisher.as_mut().map(|fin| (fin, &*look)),
            progress,
        )?;
        progress.finish();
        let times = frames.times();
        (stages.raster, stages.look, stages.write, stages.finish) =
            (times.raster, times.look, write, finish);
        lap.lap();
    }
    let sound = if audio {
        let track = crate::audio::synthesize(scene, &traj, &plan.frames)?;
        write_audio(out, scene, &track, opts.plot)?;
        Some(track)
    } else {
        remove_stale_audio(out)?;
        None
    };
    stages.audio = lap.lap();
    write_clip_files(
        out,
        scene,
        &traj,
        &plan,
        &manifest,
        opts,
        &layers,
        finishing,
        sound.as_ref(),
    )?;
    stages.clip = lap.lap();
    if metered.is_none() && opts.reference.is_some() && look.meters() {
        let renderer = crate::raster::Renderer::new(scene)?;
        metered = Some(super::frames::meter_look(
            scene, &look, &traj, &plan, &renderer,
        )?);
    }
    let (look, misses) = metered.unwrap_or((look, Vec::new()));
    let warnings = look_warnings(look.style.as_deref(), &misses);
    let reference = match &opts.reference {
        Some(r) => Some(trace_reference(
            out, scene, &look, &traj, &plan, &range, r, progress,
        )?),
        None => None,
    };
    if opts.contact_sheet {
        let sheet = output::contact_sheet(out, scene.frame_count as usize, &layers, 6)?;
        output::write_png_rgb(&out.join("contact_sheet.png"), &sheet)?;
    }
    write_replay(out, scene, &traj)?;
    write_provenance(out, scene, opts)?;
    stages.reference = lap.lap();
    Ok(RenderReport {
        rendered: todo.len(),
        skipped: range.len() - todo.len(),
        adapter,
        reference,
        stages,
        warnings,
    })
}

/// One warning per target a style's metered look misses on the scene.
fn look_warnings(style: Option<&str>, misses: &[Miss]) -> Vec<String> {
    let style = style.unwrap_or("the");
    misses
        .iter()
        .map(|m| format!("the {style} look cannot reach its contract on this scene: {m}"))
        .collect()
}

/// The frames to render, or why the options do not fit the scene or each other.
fn check_options(opts: &RenderOptions, scene: &Scene) -> Result<Range<usize>, PipelineError> {
    let n = scene.frame_count as usize;
    let range = opts.frames.clone().unwrap_or(0..n);
    if range.start >= range.end || range.end > n {
        return Err(PipelineError::BadOption(format!(
            "--frames {}..{} is outside the clip's frames 0..{n}",
            range.start, range.end
        )));
    }
    if let Some(r) = &opts.reference {
        r.check()?;
    }
    signer(opts)?;
    if opts.layout == Layout::Kubric {
        if opts.finish.is_some() {
            return Err(PipelineError::Conflict(
                "neural finishing writes the native layout only; add --no-finish for --layout kubric"
                    .into(),
            ));
        }
        if opts.reference.is_some() {
            return Err(PipelineError::Conflict(
                "--reference writes the native layout only; drop --layout kubric".into(),
            ));
        }
    }
    Ok(range)
}

/// The Kubric layout: Kubric scales flow by its range over the whole clip, so every frame
/// is rendered before anything is written; no resume.
fn render_kubric(
    out: &Path,
    scene: &Scene,
    look: &Look,
    traj: &Trajectory,
    plan: &CameraPlan,
    range: Range<usize>,
    progress: &dyn Progress,
) -> Result<RenderReport, PipelineError> {
    let todo: Vec<usize> = range.clone().collect();
    let mut frames = Frames::new(scene, look, traj, plan, todo, Window::default())?;
    let adapter = frames.adapter_name().to_string();
    progress.start("render", range.len() as u64);
    let mut buffers = Vec::with_capacity(range.len());
    while let Some(f) = frames.next_frame()? {
        buffers.push(FrameBuffers::clone(&f.buffers));
        progress.advance(1);
    }
    progress.finish();
    let warnings = look_warnings(look.style.as_deref(), frames.misses());
    let times = frames.times();
    let written = Instant::now();
    output::write_kubric(out, scene, traj, &plan.frames, range.start, &buffers)?;
    write_replay(out, scene, traj)?;
    Ok(RenderReport {
        rendered: buffers.len(),
        skipped: 0,
        adapter,
        reference: None,
        // The stages this layout runs; the caller adds load, simulate and camera.
        stages: StageTimes {
            raster: times.raster,
            look: times.look,
            write: written.elapsed(),
            ..StageTimes::default()
        },
        warnings,
    })
}

/// A frame whose buffer files are to be written: its number, buffers and neighbours.
type ToWrite = (
    usize,
    Arc<FrameBuffers>,
    Arc<FrameBuffers>,
    Arc<FrameBuffers>,
);

/// A frame on its way to the finisher: the frame to write, whether a shot starts at it,
/// and the previous frame's segmentation (see [`super::frames::Frame::prev_segmentation`]).
type ToFinish = (ToWrite, bool, Option<Vec<u32>>);

/// The frame loop of a native render, a pipeline of up to three threads: frames render on
/// this one; when finishing, a finisher thread finishes, grades and writes each frame's
/// `rgb/NNNNN.png` (in order: each frame is conditioned on the previous finished one) while
/// the next frame renders; a writer thread then encodes and writes the frame's buffer files
/// and records it in `render.json` (after its `rgb/` file, so a resume never skips a frame
/// that lacks one). One frame waits between stages, so rendering (the GPU's, or lavapipe's
/// CPU threads) overlaps the CPU's network and encoding. Returns the time spent writing and
/// finishing.
///
/// # Errors
/// The first failure of rendering, finishing or writing; each thread stops at its first.
fn render_frames(
    out: &Path,
    frames: &mut Frames<'_>,
    layers: &[BufferLayer],
    manifest: &mut Manifest,
    entities: usize,
    finisher: Option<(&mut Finisher, &Look)>,
    progress: &dyn Progress,
) -> Result<(Duration, Duration), PipelineError> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<ToWrite>(1);
        let writer = scope.spawn(move || -> Result<Duration, PipelineError> {
            let mut busy = Duration::ZERO;
            for (k, fb, prev, next) in rx {
                let start = Instant::now();
                output::write_frame(out, k, &fb, &prev, &next, layers)?;
                manifest.add(out, k, &fb, entities)?;
                busy += start.elapsed();
            }
            Ok(busy)
        });
        let (fin_tx, fin_thread) = match finisher {
            Some((fin, look)) => {
                let (fin_tx, fin_rx) = std::sync::mpsc::sync_channel::<ToFinish>(1);
                let to_writer = tx.clone();
                let thread = scope.spawn(move || -> Result<Duration, PipelineError> {
                    let mut busy = Duration::ZERO;
                    for (job, shot_start, prev_seg) in fin_rx {
                        let start = Instant::now();
                        write_finished(out, look, fin, &job, shot_start, prev_seg.as_deref())?;
                        busy += start.elapsed();
                        if to_writer.send(job).is_err() {
                            // The writer stopped: its error is reported by the caller.
                            break;
                        }
                    }
                    Ok(busy)
                });
                (Some(fin_tx), Some(thread))
            }
            None => (None, None),
        };
        let mut rendered = Ok(());
        loop {
            let f = match frames.next_frame() {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => {
                    rendered = Err(e);
                    break;
                }
            };
            let job = (f.index, f.buffers, f.prev, f.next);
            let sent = match &fin_tx {
                Some(fin_tx) => {
                    let prev_seg = f.prev_segmentation.map(<[u32]>::to_vec);
                    fin_tx.send((job, f.shot_start, prev_seg)).is_ok()
                }
                None => tx.send(job).is_ok(),
            };
            if !sent {
                // The finisher or the writer stopped: its error is reported below.
                break;
            }
            progress.advance(1);
        }
        drop((tx, fin_tx));
        // The finisher's error comes first: it is what stopped the writer's input.
        let finish = match fin_thread {
            Some(t) => t.join().map_err(|_| {
                PipelineError::Internal("the thread finishing the frames panicked".into())
            })??,
            None => Duration::ZERO,
        };
        let write = writer.join().map_err(|_| {
            PipelineError::Internal("the thread writing the frames' files panicked".into())
        })??;
        rendered?;
        Ok((write, finish))
    })
}

fn rgb_path(out: &Path, k: usize) -> PathBuf {
    out.join(format!("rgb/{k:05}.png"))
}

/// Finishes frame `job` (a shot's first frame starts the finisher afresh), grades it and
/// writes `rgb/NNNNN.png`.
fn write_finished(
    out: &Path,
    look: &Look,
    fin: &mut Finisher,
    job: &ToWrite,
    shot_start: bool,
    prev_segmentation: Option<&[u32]>,
) -> Result<(), PipelineError> {
    let (index, fb) = (job.0, &job.1);
    if shot_start {
        fin.start_shot(index);
    }
    let finished = fin.finish(fb, prev_segmentation)?;
    let (w, h) = (fb.width, fb.height);
    let rgba = look.grade_frame(&finished, w, h, index);
    let rgb: Vec<u8> = rgba
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let path = rgb_path(out, index);
    if let Some(dir) = path.parent() {
        create_dir(dir)?;
    }
    files::png(&path, w, h, &rgb, image::ExtendedColorType::Rgb8)?;
    Ok(())
}

/// `render.json`: what was rendered, so that a re-run skips complete frames.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Manifest {
    format: String,
    /// The scene text's hash.
    scene_hash: String,
    /// blake3 of the JSON of [`RenderKey`]: what else changes the pictures.
    options_hash: String,
    layers: Vec<BufferLayer>,
    /// Per rendered frame: visible pixels and bbox of every entity.
    frames: BTreeMap<usize, output::FrameStats>,
}

/// Besides the scene text, what changes a rendered frame's files.
#[derive(Debug, Serialize)]
struct RenderKey<'a> {
    /// The style changes the pictures without changing the scene text.
    style: Option<&'a str>,
    finish: Option<FinishKey>,
    /// A watermark changes the pictures (left out when off, so earlier keys still match).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    watermark: bool,
}

/// [`FinishOptions`] as the key holds them (the model folder as displayed text).
#[derive(Debug, Serialize)]
struct FinishKey {
    steps: Option<usize>,
    model: Option<String>,
    prompt: Option<String>,
    strength: f32,
    guidance: f32,
}

impl Manifest {
    const FORMAT: &'static str = "cinegraph/render/2";

    fn path(out: &Path) -> PathBuf {
        out.join("render.json")
    }

    /// The manifest of an earlier run into `out` with the same scene, options and
    /// layers, else a fresh one.
    fn resume(
        out: &Path,
        scene: &Scene,
        opts: &RenderOptions,
        layers: &[BufferLayer],
    ) -> Result<Self, PipelineError> {
        let key = RenderKey {
            style: scene.style.as_deref(),
            finish: opts.finish.as_ref().map(|f| FinishKey {
                steps: f.steps,
                model: f.model.as_ref().map(|p| p.display().to_string()),
                prompt: f.prompt.clone(),
                strength: f.strength,
                guidance: f.guidance,
            }),
            watermark: opts.watermark,
        };
        let json = serde_json::to_vec(&key)
            .map_err(|e| PipelineError::Internal(format!("render.json key: {e}")))?;
        let fresh = Manifest {
            format: Self::FORMAT.into(),
            scene_hash: scene.source.hash.clone(),
            options_hash: blake3::hash(&json).to_hex().to_string(),
            layers: layers.to_vec(),
            frames: BTreeMap::new(),
        };
        Ok(files::read_json(&Self::path(out))
            .ok()
            .filter(|m: &Manifest| {
                (&m.format, &m.scene_hash, &m.options_hash, &m.layers)
                    == (
                        &fresh.format,
                        &fresh.scene_hash,
                        &fresh.options_hash,
                        &fresh.layers,
                    )
            })
            .unwrap_or(fresh))
    }

    /// Whether frame `k`'s files are all there from an earlier run.
    fn complete(
        &self,
        k: usize,
        out: &Path,
        scene: &Scene,
        layers: &[BufferLayer],
        finishing: bool,
    ) -> bool {
        self.frames.contains_key(&k)
            && (!finishing || rgb_path(out, k).is_file())
            && layers.iter().all(|l| {
                l.files(k, scene.entities.len() > usize::from(u16::MAX))
                    .iter()
                    .all(|f| out.join(f).is_file())
            })
    }

    /// Records frame `k` as complete and writes the manifest.
    fn add(
        &mut self,
        out: &Path,
        k: usize,
        fb: &FrameBuffers,
        entities: usize,
    ) -> Result<(), PipelineError> {
        self.frames.insert(k, output::object_stats(fb, entities));
        files::write_json(&Self::path(out), self)?;
        Ok(())
    }
}

/// The clip's files besides the frames: `metadata.json`, `events.json`, `energy.png`
/// (when asked), `preview.mp4` and `video.mp4` (once every frame is there, from this run
/// or an earlier one; 4:2:0 video needs at least 2 × 2 pixels).
#[expect(
    clippy::too_many_arguments,
    reason = "the clip's data, its sound and the job's options, all needed"
)]
fn write_clip_files(
    out: &Path,
    scene: &Scene,
    traj: &Trajectory,
    plan: &CameraPlan,
    manifest: &Manifest,
    opts: &RenderOptions,
    layers: &[BufferLayer],
    finishing: bool,
    sound: Option<&crate::audio::AudioTrack>,
) -> Result<(), PipelineError> {
    let n = scene.frame_count as usize;
    let mut meta = output::metadata_file(scene, traj);
    if let Some(track) = sound {
        output::add_audio_info(&mut meta, scene, track);
    }
    let stats: Vec<Option<output::FrameStats>> =
        (0..n).map(|k| manifest.frames.get(&k).cloned()).collect();
    output::add_render_info(&mut meta, scene, plan, &stats);
    files::write_json(&out.join("metadata.json"), &meta)?;
    files::write_json(&out.join("events.json"), &output::events_file(scene, traj))?;
    if opts.plot {
        files::write_atomic(
            &out.join("energy.png"),
            &output::energy_plot_png(scene, traj)?,
        )?;
    }
    let (w, h) = scene.resolution;
    // An encoder failure costs the MP4s their sound, never the MP4s: they are written
    // without it and the error reported after.
    let (packets, encoder_error) = match sound.map(crate::audio::encode::opus_packets) {
        Some(Ok(p)) => (Some(p), None),
        Some(Err(e)) => (None, Some(e)),
        None => (None, None),
    };
    let video = |name: &str, frames: Vec<PathBuf>| -> Result<(), PipelineError> {
        if w >= 2 && h >= 2 && frames.iter().all(|p| p.is_file()) {
            output::write_mp4_from_pngs(
                &out.join(name),
                &frames,
                w,
                h,
                scene.fps,
                packets.as_deref(),
            )?;
        }
        Ok(())
    };
    if layers.contains(&BufferLayer::Preview) {
        let previews = (0..n)
            .map(|k| out.join(format!("preview/{k:05}.png")))
            .collect();
        video("preview.mp4", previews)?;
    }
    if finishing {
        video("video.mp4", (0..n).map(|k| rgb_path(out, k)).collect())?;
    }
    match encoder_error {
        Some(e) => Err(PipelineError::AudioEncoder(e)),
        None => Ok(()),
    }
}

/// `audio.wav`, and `audio.png` with `plot`.
fn write_audio(
    out: &Path,
    scene: &Scene,
    track: &crate::audio::AudioTrack,
    plot: bool,
) -> Result<(), PipelineError> {
    let wav = crate::audio::encode::wav_bytes(track).map_err(PipelineError::Internal)?;
    files::write_atomic(&out.join("audio.wav"), &wav)?;
    if plot {
        files::write_atomic(
            &out.join("audio.png"),
            &output::audio_plot_png(scene, track)?,
        )?;
    }
    Ok(())
}

/// Removes an earlier run's `audio.wav` and `audio.png` from a folder rendered again
/// without sound, so the folder never holds a track of another render.
fn remove_stale_audio(out: &Path) -> Result<(), PipelineError> {
    for name in ["audio.wav", "audio.png"] {
        let path = out.join(name);
        if path.is_file() {
            std::fs::remove_file(&path)
                .map_err(|source| files::FileError::Write { path, source })?;
        }
    }
    Ok(())
}

/// Path-traces frames `range` into `out` with the scene's lens unless the command line
/// names one.
#[expect(
    clippy::too_many_arguments,
    reason = "the clip's data, its look and the reference's options, all needed"
)]
fn trace_reference(
    out: &Path,
    scene: &Scene,
    look: &Look,
    traj: &Trajectory,
    plan: &CameraPlan,
    range: &Range<usize>,
    opts: &ReferenceOptions,
    progress: &dyn Progress,
) -> Result<ReferenceReport, PipelineError> {
    let mut r = *opts;
    r.lens.aperture_f = r.lens.aperture_f.or(scene.camera.aperture);
    r.lens.focus_distance = r.lens.focus_distance.or(scene.camera.focus_distance);
    Ok(reference::render_to_dir(
        out,
        scene,
        look,
        traj,
        plan,
        range.clone(),
        &r,
        progress,
    )?)
}

/// `provenance.json`, last (it hashes every other file), when asked or required; before
/// it, with the `c2pa` feature, the content credentials signed into every PNG and MP4.
fn write_provenance(out: &Path, scene: &Scene, opts: &RenderOptions) -> Result<(), PipelineError> {
    use output::provenance::{PROVENANCE_FILE, provenance, required};
    if opts.provenance || required(scene) {
        let credentials = embed_credentials(out, scene, opts)?;
        let mut p = provenance(scene, out)?;
        p.content_credentials = credentials;
        files::write_json(&out.join(PROVENANCE_FILE), &p)?;
    }
    Ok(())
}

/// The signer the options ask for, checked before anything is rendered.
#[cfg(feature = "c2pa")]
fn signer(opts: &RenderOptions) -> Result<output::credentials::Identity, PipelineError> {
    use output::credentials::Identity;
    match &opts.signer {
        None => Ok(Identity::test()),
        Some((cert, key)) => Ok(Identity::from_files(cert, key)?),
    }
}

/// Without the `c2pa` feature a signer cannot be used.
#[cfg(not(feature = "c2pa"))]
fn signer(opts: &RenderOptions) -> Result<(), PipelineError> {
    if opts.signer.is_some() {
        return Err(PipelineError::BadOption(
            "--c2pa-cert/--c2pa-key: this cinegraph was built without C2PA support; \
             rebuild it with `--features c2pa`, or drop the options (provenance.json is \
             written either way)"
                .into(),
        ));
    }
    Ok(())
}

/// Signs C2PA content credentials into every PNG and MP4 of `out`.
#[cfg(feature = "c2pa")]
fn embed_credentials(
    out: &Path,
    scene: &Scene,
    opts: &RenderOptions,
) -> Result<output::provenance::ContentCredentials, PipelineError> {
    use output::credentials::{embed, source_type};
    let identity = signer(opts)?;
    let record = serde_json::to_value(output::provenance::record(scene))
        .map_err(|e| PipelineError::BadOption(e.to_string()))?;
    let has_cameo = output::provenance::required(scene);
    let embedded = embed(out, &record, source_type(has_cameo), &identity)?;
    let note = if identity.test {
        tracing::warn!(
            "content credentials signed with the bundled TEST signer (untrusted); pass \
             --c2pa-cert and --c2pa-key to sign as yourself"
        );
        "Signed with cinegraph's bundled test certificate, which nobody trusts (its key is \
         public): the manifests show the files are intact since signing, not who signed \
         them. Sign with your own certificate: --c2pa-cert, --c2pa-key."
            .to_string()
    } else {
        format!("Signed with {}.", identity.name)
    };
    Ok(output::provenance::ContentCredentials {
        embedded,
        signer: Some(identity.name.clone()),
        note,
    })
}

/// Without the `c2pa` feature nothing is embedded; the record says so.
#[cfg(not(feature = "c2pa"))]
fn embed_credentials(
    _out: &Path,
    _scene: &Scene,
    _opts: &RenderOptions,
) -> Result<output::provenance::ContentCredentials, PipelineError> {
    Ok(output::provenance::ContentCredentials {
        embedded: Vec::new(),
        signer: None,
        note: "No C2PA content credentials: this cinegraph was built without the `c2pa` \
               feature; this file and its hashes are the provenance."
            .into(),
    })
}

fn write_replay(out: &Path, scene: &Scene, traj: &Trajectory) -> Result<(), PipelineError> {
    files::write_json(&out.join("replay.json"), &output::replay_file(scene, traj))?;
    Ok(())
}
