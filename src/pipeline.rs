//! The only place that chains the stages: scene file -> simulation -> output folder, and
//! the replay check that re-runs a recorded scene and compares it bit for bit.

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::output::{self, BufferLayer, MetadataFile, OutputError, ReplayFile};
use crate::physics::{self, PhysicsError, Simulation};
use crate::progress::Progress;
use crate::raster::{self, RasterError, Renderer};
use crate::reference::{self, ReferenceError, ReferenceOptions, ReferenceReport};
use crate::scene::{self, Scene, SceneError};

/// Why a job failed.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The scene is unreadable or invalid.
    #[error(transparent)]
    Scene(#[from] SceneError),
    /// The simulation could not run.
    #[error(transparent)]
    Physics(#[from] PhysicsError),
    /// Output could not be written or read.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// Rendering failed.
    #[error(transparent)]
    Raster(#[from] RasterError),
    /// The camera could not be planned (auto-framing failed).
    #[error(transparent)]
    Camera(#[from] raster::CameraError),
    /// The reference renderer failed.
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    /// The neural finishing pass failed (or its model could not be loaded).
    #[error(transparent)]
    Neural(#[from] crate::neural::NeuralError),
    /// The options do not fit the scene.
    #[error("{0}")]
    Options(String),
    /// A replay record is unusable.
    #[error("{path}: {message}")]
    Replay {
        /// The replay file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl PipelineError {
    /// True when the user's input (scene, replay file) is at fault rather than the system.
    pub fn is_bad_input(&self) -> bool {
        if let PipelineError::Neural(e) = self {
            return e.is_bad_input();
        }
        matches!(
            self,
            PipelineError::Scene(_)
                | PipelineError::Replay { .. }
                | PipelineError::Options(_)
                | PipelineError::Camera(_)
                | PipelineError::Reference(ReferenceError::Options(_))
                | PipelineError::Output(OutputError::Format { .. })
        )
    }
}

/// What `simulate` produced.
#[derive(Debug)]
pub struct SimulateReport {
    /// The validated scene.
    pub scene: Scene,
    /// Frames simulated.
    pub frames: usize,
    /// Contacts recorded.
    pub collisions: usize,
    /// Files written.
    pub files: Vec<PathBuf>,
    /// State hash of the last frame.
    pub final_hash: String,
}

/// Loads, simulates and writes `metadata.json`, `events.json`, `replay.json` (and
/// `energy.png` when `plot`) into `out`.
///
/// # Errors
/// [`PipelineError`] from whichever stage failed; nothing is left half-written.
pub fn simulate_to_dir(
    scene_path: &Path,
    out: &Path,
    plot: bool,
    progress: &dyn Progress,
) -> Result<SimulateReport, PipelineError> {
    let scene = scene::load(scene_path)?;
    let traj = physics::simulate(&scene, progress)?;
    let files = output::write_simulation(out, &scene, &traj, plot)?;
    Ok(SimulateReport {
        frames: traj.frames.len(),
        collisions: traj.collisions.len(),
        final_hash: traj
            .frames
            .last()
            .map(|f| f.state_hash.clone())
            .unwrap_or_default(),
        files,
        scene,
    })
}

/// The result of re-running a replay.
#[derive(Debug, Clone, PartialEq)]
pub enum VerifyOutcome {
    /// Every frame hash matched.
    Identical {
        /// Frames compared.
        frames: usize,
    },
    /// The re-run differs.
    Diverged {
        /// First differing frame.
        frame: usize,
        /// Its time, s.
        time: f64,
        /// The entity whose state differs first, when `metadata.json` sits beside the
        /// replay and says so.
        entity: Option<String>,
        /// Hash recorded.
        expected: String,
        /// Hash now.
        found: String,
    },
}

/// Re-simulates the scene recorded in `replay.json` and compares every frame's state
/// hash. When they differ and `metadata.json` lies beside the replay, names the first
/// entity whose recorded pose or velocity differs.
///
/// # Errors
/// [`PipelineError::Replay`] for an unusable record, or the errors of loading and
/// simulating the scene.
pub fn verify_replay(
    replay_path: &Path,
    progress: &dyn Progress,
) -> Result<VerifyOutcome, PipelineError> {
    let replay: ReplayFile = output::read_json(replay_path)?;
    let bad = |message: String| PipelineError::Replay {
        path: replay_path.to_path_buf(),
        message,
    };
    if replay.format != "cinegraph/replay/1" {
        return Err(bad(format!(
            "format is \"{}\", expected \"cinegraph/replay/1\"",
            replay.format
        )));
    }
    let replay_dir = replay_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let base = replay
        .scene_path
        .as_ref()
        .map(PathBuf::from)
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .filter(|p| p.is_dir())
        .unwrap_or_else(|| replay_dir.to_path_buf());
    let origin = format!("{} (scene_source)", replay_path.display());
    let scene = scene::parse_str(&replay.scene_source, &origin, &base)?;
    if scene.source.hash != replay.scene_hash {
        return Err(bad(format!(
            "the scene's hash is {} now but {} when recorded: a mesh file it loads has changed",
            scene.source.hash, replay.scene_hash
        )));
    }
    if replay.frame_hashes.len() != scene.frame_count as usize {
        return Err(bad(format!(
            "records {} frames but the scene has {}",
            replay.frame_hashes.len(),
            scene.frame_count
        )));
    }
    let mut sim = Simulation::new(&scene)?;
    progress.start("verify", u64::from(scene.frame_count));
    for (k, expected) in replay.frame_hashes.iter().enumerate() {
        if k > 0 {
            for _ in 0..scene.substeps() {
                sim.step();
            }
        }
        let state = sim.sample(&scene);
        progress.advance(1);
        if &state.state_hash != expected {
            progress.finish();
            let entity = first_divergent_entity(replay_dir, &scene, k, &state);
            return Ok(VerifyOutcome::Diverged {
                frame: k,
                time: state.time,
                entity,
                expected: expected.clone(),
                found: state.state_hash,
            });
        }
    }
    progress.finish();
    Ok(VerifyOutcome::Identical {
        frames: replay.frame_hashes.len(),
    })
}

fn first_divergent_entity(
    dir: &Path,
    scene: &Scene,
    frame: usize,
    state: &physics::FrameState,
) -> Option<String> {
    let meta: MetadataFile = output::read_json(&dir.join("metadata.json")).ok()?;
    if meta.scene.hash != scene.source.hash {
        return None;
    }
    let bits3 = |v: [f32; 3]| v.map(f32::to_bits);
    for (i, obj) in meta.objects.iter().enumerate() {
        let (Some(p), Some(r), Some(v), Some(w)) = (
            obj.positions.get(frame),
            obj.rotations.get(frame),
            obj.linear_velocities.get(frame),
            obj.angular_velocities.get(frame),
        ) else {
            continue;
        };
        let same = bits3(*p) == bits3(state.poses.get(i)?.translation.to_array())
            && r.map(f32::to_bits) == state.poses[i].rotation.to_array().map(f32::to_bits)
            && bits3(*v) == bits3(state.linvel[i].to_array())
            && bits3(*w) == bits3(state.angvel[i].to_array());
        if !same {
            return Some(obj.name.clone());
        }
    }
    None
}

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
    /// Also path-trace the reference frames (native layout only).
    pub reference: Option<ReferenceOptions>,
    /// Finish the frames with the neural pass into `rgb/` and `video.mp4` (native layout
    /// only; `None`: the preview is the last picture, as with `--no-finish`).
    pub finish: Option<FinishOptions>,
}

/// How `render` finishes frames with the neural pass.
#[derive(Debug, Clone, PartialEq)]
pub struct FinishOptions {
    /// Sampler steps (`None`: 1 for cinegraph's own model, its best estimate of the
    /// reference; 20 DDIM steps for a published checkpoint).
    pub steps: Option<usize>,
    /// A checkpoint folder from `cinegraph train`, or a published Stable Diffusion 2
    /// depth folder (diffusers layout, optionally with `taesd/`); `None`: the weights that
    /// ship with cinegraph.
    pub model: Option<PathBuf>,
    /// Published checkpoints: the text prompt (`None`: one made from the style's name).
    pub prompt: Option<String>,
    /// Published checkpoints: how far from the preview the model may go, `(0, 1]`.
    pub strength: f32,
    /// Published checkpoints: classifier-free guidance scale (1: no unconditional pass).
    pub guidance: f32,
}

impl Default for FinishOptions {
    fn default() -> Self {
        Self {
            steps: None,
            model: None,
            prompt: None,
            strength: 0.6,
            guidance: 7.5,
        }
    }
}

/// A loaded finishing model.
#[derive(Debug)]
pub enum FinishModel {
    /// cinegraph's own (bundled or from `cinegraph train`).
    Own(Box<crate::neural::Model>),
    /// A published Stable Diffusion 2 depth checkpoint.
    Published(Box<crate::neural::published::PublishedModel>),
}

/// Loads the finishing model that `opts` names: a folder with `unet/config.json` is a
/// published checkpoint, one with `config.json` and `denoiser.safetensors` is ours.
///
/// # Errors
/// A folder that is neither, or weights that do not fit (naming the tensor and its
/// expected shape).
pub fn finish_model(opts: &FinishOptions) -> Result<FinishModel, PipelineError> {
    Ok(match &opts.model {
        None => {
            crate::neural::sampler::check_steps(opts.steps.unwrap_or(1))?;
            FinishModel::Own(Box::new(crate::neural::bundled_model()?))
        }
        Some(dir) if dir.join("unet").join("config.json").is_file() => {
            let o = crate::neural::published::PublishedOptions {
                guidance_scale: opts.guidance,
                ..Default::default()
            };
            FinishModel::Published(Box::new(crate::neural::published::load(dir, &o)?))
        }
        Some(dir) => {
            if !dir.join("config.json").is_file() || !dir.join("denoiser.safetensors").is_file() {
                return Err(PipelineError::Options(format!(
                    "--model {}: not a cinegraph checkpoint (config.json, autoencoder.safetensors, denoiser.safetensors from `cinegraph train`) nor a Stable Diffusion 2 depth folder (unet/config.json, vae/, text_encoder/, tokenizer/, scheduler/)",
                    dir.display()
                )));
            }
            crate::neural::sampler::check_steps(opts.steps.unwrap_or(1))?;
            FinishModel::Own(Box::new(crate::neural::train::load_checkpoint(dir)?.0))
        }
    })
}

/// A finisher for one clip of `scene` from `model`, and the side multiple its frames
/// are padded to.
fn clip_finisher<'a>(
    model: &'a FinishModel,
    opts: &FinishOptions,
    scene: &Scene,
) -> Result<(Box<dyn crate::neural::FrameFinisher + 'a>, usize), PipelineError> {
    Ok(match model {
        FinishModel::Own(m) => (
            Box::new(crate::neural::sampler::Finisher::new(
                m,
                opts.steps.unwrap_or(1),
                scene.seed,
                crate::neural::style_index(m, scene.style.as_deref()),
            )?),
            1,
        ),
        FinishModel::Published(p) => {
            let prompt = opts.prompt.clone().unwrap_or_else(|| {
                format!(
                    "a cinematic film still, {} look, physically based lighting, detailed",
                    scene.style.as_deref().unwrap_or("natural")
                )
            });
            (
                Box::new(p.finisher(
                    scene.seed,
                    opts.steps.unwrap_or(20),
                    &prompt,
                    opts.strength,
                )?),
                p.side_multiple(),
            )
        }
    })
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
            reference: None,
            finish: None,
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
}

/// `render.json`: what was rendered, so that a re-run skips complete frames.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
struct Manifest {
    format: String,
    scene_hash: String,
    layers: Vec<BufferLayer>,
    /// Per rendered frame: visible pixels and bbox of every entity.
    frames: BTreeMap<usize, output::FrameStats>,
}

/// Simulates, renders the selected frames and layers, and writes the whole output folder
/// (buffers, `metadata.json` with the camera and per-object boxes and pixel counts,
/// `events.json`, `replay.json`, `render.json`). Frames whose files exist from an earlier
/// run with the same scene and layers are skipped.
///
/// # Errors
/// [`PipelineError`] from whichever stage failed; every file is written atomically.
pub fn render_to_dir(
    scene_path: &Path,
    out: &Path,
    opts: &RenderOptions,
    progress: &dyn Progress,
) -> Result<RenderReport, PipelineError> {
    let scene = scene::load_styled(scene_path, opts.style.as_deref())?;
    let n = scene.frame_count as usize;
    let range = opts.frames.clone().unwrap_or(0..n);
    if range.start >= range.end || range.end > n {
        return Err(PipelineError::Options(format!(
            "--frames {}..{} is outside the clip's frames 0..{n}",
            range.start, range.end
        )));
    }
    if let Some(r) = &opts.reference {
        r.check()?;
    }
    if opts.finish.is_some() && opts.layout == Layout::Kubric {
        return Err(PipelineError::Options(
            "neural finishing writes the native layout only; add --no-finish for --layout kubric"
                .into(),
        ));
    }
    let model = match &opts.finish {
        Some(f) => Some(finish_model(f)?),
        None => None,
    };
    if opts.reference.is_some() && opts.layout == Layout::Kubric {
        return Err(PipelineError::Options(
            "--reference writes the native layout only; drop --layout kubric".into(),
        ));
    }
    let traj = physics::simulate(&scene, progress)?;
    let plan = raster::camera_plan(&scene, &traj)?;
    let cams = &plan.frames;
    let wanted = wanted_buffers(
        &opts.layers,
        opts.finish.is_some() || opts.layout == Layout::Kubric,
    );
    let render = |renderer: &Renderer, k: usize| -> Result<raster::FrameBuffers, PipelineError> {
        let mut fb = renderer.render_wanted(&scene, &traj, cams, k, wanted)?;
        finish_frame(&mut fb, &scene, &plan, k);
        Ok(fb)
    };
    std::fs::create_dir_all(out).map_err(|source| OutputError::Write {
        path: out.to_path_buf(),
        source,
    })?;
    if opts.layout == Layout::Kubric {
        // Kubric scales flow by its range over the whole clip: render everything first.
        let renderer = Renderer::new(&scene)?;
        progress.start("render", range.len() as u64);
        let mut frames = Vec::with_capacity(range.len());
        for k in range.clone() {
            frames.push(render(&renderer, k)?);
            progress.advance(1);
        }
        progress.finish();
        output::write_kubric(out, &scene, &traj, cams, range.start, &frames)?;
        output::write_json(
            &out.join("replay.json"),
            &output::replay_file(&scene, &traj),
        )?;
        return Ok(RenderReport {
            rendered: frames.len(),
            skipped: 0,
            adapter: renderer.adapter_name().to_string(),
            reference: None,
        });
    }
    let manifest_path = out.join("render.json");
    // The style changes the pictures without changing the scene text.
    let scene_key = format!(
        "{}+style:{}{}",
        scene.source.hash,
        scene.style.as_deref().unwrap_or("none"),
        match &opts.finish {
            Some(f) => format!(
                "+finish:{:?}:{}:{:?}:{}:{}",
                f.steps,
                f.model
                    .as_ref()
                    .map_or("bundled".to_string(), |p| p.display().to_string()),
                f.prompt,
                f.strength,
                f.guidance
            ),
            None => String::new(),
        }
    );
    let mut layers = opts.layers.clone();
    layers.sort();
    layers.dedup();
    let mut manifest: Manifest = output::read_json(&manifest_path)
        .ok()
        .filter(|m: &Manifest| m.scene_hash == scene_key && m.layers == layers)
        .unwrap_or_else(|| Manifest {
            format: "cinegraph/render/1".into(),
            scene_hash: scene_key.clone(),
            layers: layers.clone(),
            frames: BTreeMap::new(),
        });
    let rgb_path = |k: usize| out.join(format!("rgb/{k:05}.png"));
    let complete = |k: usize, m: &Manifest| {
        m.frames.contains_key(&k)
            && (model.is_none() || rgb_path(k).is_file())
            && layers.iter().all(|l| {
                l.files(k, scene.entities.len() > usize::from(u16::MAX))
                    .iter()
                    .all(|f| out.join(f).is_file())
            })
    };
    let mut todo: Vec<usize> = range.clone().filter(|k| !complete(*k, &manifest)).collect();
    if model.is_some()
        && let Some(&first) = todo.first()
    {
        // A finished frame depends on the frames before it in its shot (warped noise and
        // history): redo the clip from the start of the first incomplete frame's shot.
        let start = (range.start..=first)
            .rev()
            .find(|&k| k == range.start || plan.cut_before(k))
            .unwrap_or(range.start);
        todo = (start..range.end).collect();
    }
    let skipped = range.len() - todo.len();
    let mut adapter = String::from("none (all frames were complete)");
    if !todo.is_empty() {
        let renderer = Renderer::new(&scene)?;
        adapter = renderer.adapter_name().to_string();
        let mut finisher = match (&model, &opts.finish) {
            (Some(m), Some(f)) => Some(clip_finisher(m, f, &scene)?),
            _ => None,
        };
        progress.start(
            if finisher.is_some() {
                "render+finish"
            } else {
                "render"
            },
            todo.len() as u64,
        );
        // Occlusion masks need each frame's neighbours: keep a window of three. The
        // finisher needs the previous frame's segmentation (its disocclusions).
        let mut cache: BTreeMap<usize, raster::FrameBuffers> = BTreeMap::new();
        let needs_neighbours = layers.contains(&BufferLayer::Flow);
        let first = todo.first().copied().unwrap_or(0);
        for &k in &todo {
            let window: Vec<usize> = if needs_neighbours {
                vec![k.saturating_sub(1), k, (k + 1).min(n - 1)]
            } else if finisher.is_some() && k > first {
                vec![k - 1, k]
            } else {
                vec![k]
            };
            cache.retain(|f, _| window.contains(f));
            for &f in &window {
                if let std::collections::btree_map::Entry::Vacant(slot) = cache.entry(f) {
                    slot.insert(render(&renderer, f)?);
                }
            }
            let fb = &cache[&k];
            let prev = &cache[&window[0]];
            let next = &cache[window.last().unwrap_or(&k)];
            output::write_frame(out, k, fb, prev, next, &layers)?;
            if let Some((fin, multiple)) = finisher.as_mut() {
                let fresh = k == first || plan.cut_before(k);
                if fresh {
                    fin.start_shot(k);
                }
                let prev_seg = (!fresh).then(|| cache[&(k - 1)].segmentation.as_slice());
                let inputs = crate::neural::FrameInputs::from_buffers(fb, prev_seg);
                let finished = crate::neural::finish_padded(fin.as_mut(), &inputs, *multiple)?;
                let rgba = scene
                    .grade
                    .render_srgb8(&finished, fb.width, fb.height, scene.seed, k as u64);
                let rgb: Vec<u8> = rgba
                    .chunks_exact(4)
                    .flat_map(|p| [p[0], p[1], p[2]])
                    .collect();
                let path = rgb_path(k);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|source| OutputError::Write {
                        path: dir.to_path_buf(),
                        source,
                    })?;
                }
                output::png(
                    &path,
                    fb.width,
                    fb.height,
                    &rgb,
                    image::ExtendedColorType::Rgb8,
                )?;
            }
            manifest
                .frames
                .insert(k, output::object_stats(fb, scene.entities.len()));
            output::write_json(&manifest_path, &manifest)?;
            progress.advance(1);
        }
        progress.finish();
    }
    let mut meta = output::metadata_file(&scene, &traj);
    let stats: Vec<Option<output::FrameStats>> =
        (0..n).map(|k| manifest.frames.get(&k).cloned()).collect();
    output::add_render_info(&mut meta, &scene, &plan, &stats);
    output::write_json(&out.join("metadata.json"), &meta)?;
    output::write_json(
        &out.join("events.json"),
        &output::events_file(&scene, &traj),
    )?;
    if opts.plot {
        output::write_atomic(
            &out.join("energy.png"),
            &output::energy_plot_png(&scene, &traj)?,
        )?;
    }
    // The video needs every frame's preview, from this run or an earlier one.
    let previews: Vec<PathBuf> = (0..n)
        .map(|k| out.join(format!("preview/{k:05}.png")))
        .collect();
    let (w, h) = scene.resolution;
    // 4:2:0 video needs at least 2 x 2 pixels.
    if layers.contains(&BufferLayer::Preview)
        && w >= 2
        && h >= 2
        && previews.iter().all(|p| p.is_file())
    {
        output::write_mp4_from_pngs(&out.join("preview.mp4"), &previews, w, h, scene.fps)?;
    }
    let finished: Vec<PathBuf> = (0..n).map(rgb_path).collect();
    if model.is_some() && w >= 2 && h >= 2 && finished.iter().all(|p| p.is_file()) {
        output::write_mp4_from_pngs(&out.join("video.mp4"), &finished, w, h, scene.fps)?;
    }
    let reference = match &opts.reference {
        Some(r) => {
            // The scene's lens unless the command line names one.
            let mut r = *r;
            r.lens.aperture_f = r.lens.aperture_f.or(scene.camera.aperture);
            r.lens.focus_distance = r.lens.focus_distance.or(scene.camera.focus_distance);
            Some(reference::render_to_dir(
                out,
                &scene,
                &traj,
                &plan,
                range.clone(),
                &r,
                progress,
            )?)
        }
        None => None,
    };
    if opts.contact_sheet {
        let sheet = output::contact_sheet(out, n, &layers, 6)?;
        output::write_png_rgb(&out.join("contact_sheet.png"), &sheet)?;
    }
    output::write_json(
        &out.join("replay.json"),
        &output::replay_file(&scene, &traj),
    )?;
    Ok(RenderReport {
        rendered: todo.len(),
        skipped,
        adapter,
        reference,
    })
}

/// The raster buffers that `layers` (or, with `everything`, finishing and the Kubric
/// layout) need. Segmentation is always drawn (per-object boxes and pixel counts); depth
/// whenever the lit preview is (its depth of field reads it).
fn wanted_buffers(layers: &[BufferLayer], everything: bool) -> raster::Wanted {
    if everything {
        return raster::Wanted::ALL;
    }
    let has = |l| layers.contains(&l);
    raster::Wanted {
        linear: has(BufferLayer::Preview),
        albedo: has(BufferLayer::Albedo),
        normal: has(BufferLayer::Normal),
        depth: has(BufferLayer::Depth) || has(BufferLayer::Preview),
        flow: has(BufferLayer::Flow),
        segmentation: true,
    }
}

/// What the pipeline does to every rendered frame: flow across a cut becomes NaN (there
/// is no correspondence between two shots); the preview gets the lens's depth of field
/// (when the camera has an aperture) and the style's grade.
pub(crate) fn finish_frame(
    fb: &mut raster::FrameBuffers,
    scene: &Scene,
    plan: &raster::CameraPlan,
    k: usize,
) {
    if plan.cut_before(k) {
        fb.flow_bwd.fill([f32::NAN; 2]);
    }
    if plan.cut_before(k + 1) {
        fb.flow_fwd.fill([f32::NAN; 2]);
    }
    let lens = plan.lens(&scene.camera, k);
    if let Some(lens) = lens.as_ref().filter(|_| !fb.linear.is_empty()) {
        crate::style::depth_of_field(&mut fb.linear, &fb.depth, fb.width, fb.height, lens);
    }
    if !fb.linear.is_empty() {
        fb.color = scene
            .grade
            .render_srgb8(&fb.linear, fb.width, fb.height, scene.seed, k as u64);
    }
}

/// Renders the same scene in every bundled style and lays the previews out as one
/// contact sheet: a row per style (in [`crate::style::bundled`] order), `columns`
/// frames spread over the clip. The scene is simulated once: styles never change physics.
/// Returns the styles' names in row order.
///
/// # Errors
/// [`PipelineError`] from loading, simulating, rendering or writing.
pub fn styles_preview(
    scene_path: &Path,
    out_png: &Path,
    columns: usize,
    progress: &dyn Progress,
) -> Result<Vec<String>, PipelineError> {
    let styles = crate::style::bundled().map_err(|e| PipelineError::Options(e.to_string()))?;
    let base = scene::load(scene_path)?;
    let traj = physics::simulate(&base, progress)?;
    let frames = output::sample_frames(base.frame_count as usize, columns);
    progress.start("styles", (styles.len() * frames.len()) as u64);
    let mut rows = Vec::new();
    let mut names = Vec::new();
    for style in &styles {
        let scene = scene::load_styled(scene_path, Some(style.name()))?;
        let plan = raster::camera_plan(&scene, &traj)?;
        let renderer = Renderer::new(&scene)?;
        let mut row = Vec::new();
        for &k in &frames {
            let mut fb = renderer.render(&scene, &traj, &plan.frames, k)?;
            finish_frame(&mut fb, &scene, &plan, k);
            let rgba = image::RgbaImage::from_raw(fb.width, fb.height, fb.color)
                .ok_or_else(|| PipelineError::Options("frame size mismatch".into()))?;
            row.push(image::DynamicImage::ImageRgba8(rgba).to_rgb8());
            progress.advance(1);
        }
        rows.push(row);
        names.push(style.name().to_string());
    }
    progress.finish();
    output::write_png_rgb(out_png, &output::grid_image(&rows, &names)?)?;
    Ok(names)
}
