//! `cinegraph dataset`: seeded random scenes rendered by the raster (the finisher's
//! conditioning) and by the path tracer (the target), written in the format of
//! [`crate::neural::dataset`].
//!
//! Input: [`DatasetOptions`]. Output: a dataset folder; scene `i` depends only on the
//! dataset's seed and `i` (see [`crate::neural::dataset`] for the sampling rule and the
//! held-out split), so the files are the same bytes on every run and a re-run keeps the
//! complete scenes of an earlier run with the same options.

use std::path::Path;

use super::PipelineError;
use super::frames::{Frames, Window};
use crate::files;
use crate::neural::FrameInputs;
use crate::neural::dataset::{self, Manifest, SceneFrames, SceneRecord, held_out};
use crate::progress::{Progress, Silent};
use crate::reference::{Lens, ReferenceOptions, Tracer};
use crate::rng::SeededRng;

/// What to render.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetOptions {
    /// Scenes.
    pub scenes: usize,
    /// The dataset's seed.
    pub seed: u64,
    /// Frames per scene (consecutive, for the temporal terms).
    pub frames: usize,
    /// Width and height, pixels.
    pub size: u32,
    /// Reference samples per pixel.
    pub spp: u32,
    /// Worker threads of the path tracer (0: every core).
    pub threads: usize,
    /// Render only the held-out scenes (an evaluation set; the training scenes are
    /// skipped, not drawn differently).
    pub held_out_only: bool,
}

impl Default for DatasetOptions {
    fn default() -> Self {
        Self {
            scenes: 16,
            seed: 1,
            frames: 4,
            size: 64,
            spp: 64,
            threads: 0,
            held_out_only: false,
        }
    }
}

/// The RON text of random scene `i` (see the module docs), and its style's index.
///
/// # Errors
/// The bundled styles failing to load.
pub(crate) fn scene_text(
    opts: &DatasetOptions,
    i: usize,
) -> Result<(String, u64, u32), PipelineError> {
    let styles = crate::style::bundled()?;
    let mut r = SeededRng::new(opts.seed, &format!("dataset/scene/{i}"));
    let scene_seed = r.next_u64() >> 12;
    let style_index = r.index(styles.len());
    let style = styles[style_index].name().to_string();
    let mut materials = String::new();
    for m in 0..4 {
        let (cr, cg, cb) = (
            r.range(0.05, 0.95),
            r.range(0.05, 0.95),
            r.range(0.05, 0.95),
        );
        let metallic = if r.unit() < 0.3 { 1.0 } else { 0.0 };
        let rough = r.range(0.15, 1.0);
        materials.push_str(&format!(
            "\"m{m}\": (color: ({cr:.3}, {cg:.3}, {cb:.3}), roughness: {rough:.3}, metallic: {metallic}, restitution: 0.5),\n"
        ));
    }
    let (fr, fg, fb) = (r.range(0.3, 0.9), r.range(0.3, 0.9), r.range(0.3, 0.9));
    let (sx, sy, sz) = (r.range(0.4, 0.8), r.range(0.4, 0.8), r.range(0.4, 0.8));
    let radius = r.range(0.25, 0.45);
    let count = 2 + r.index(6);
    let azimuth = r.range(0.0, std::f32::consts::TAU);
    let dist = r.range(6.0, 10.0);
    let height = r.range(2.0, 6.0);
    let (cx, cz) = (dist * azimuth.cos(), dist * azimuth.sin());
    let (dx, dz) = (r.symmetric(1.0), r.symmetric(1.0));
    let sun = r.range(1.5, 4.0);
    let ambient = r.range(0.1, 0.6);
    // Half the scenes light themselves with the style's own rig (no explicit lights),
    // so the model sees the looks' lighting as well as a plain sun and sky.
    let style_rig = r.unit() < 0.5;
    let fps = 12;
    let duration = opts.frames as f32 / fps as f32;
    let text = format!(
        r#"Scene(
    version: 1,
    name: "dataset-{i}",
    seed: {scene_seed},
    duration: {duration},
    fps: {fps},
    physics_hz: 240,
    resolution: ({size}, {size}),
    style: "{style}",
    materials: {{
        {materials}
        "floor": (color: ({fr:.3}, {fg:.3}, {fb:.3}), roughness: 0.9),
    }},
    prefabs: {{
        "cube": (shape: Box(size: ({sx:.3}, {sy:.3}, {sz:.3}))),
        "sphere": (shape: Sphere(radius: {radius:.3})),
        "cylinder": (shape: Cylinder(radius: {radius:.3}, height: {sy:.3})),
    }},
    entities: [
        (name: "floor", shape: Ground, material: "floor"),
        (name: "object", body: Dynamic(),
         repeat: Scatter(count: {count}, min: (-2.0, 0.6, -2.0), max: (2.0, 2.5, 2.0),
                         prefabs: ["cube", "sphere", "cylinder"], materials: ["m0", "m1", "m2", "m3"],
                         scales: [1.0, 1.5], gap: 0.05, toward: (0.0, 0.0, 0.0), speed: (0.5, 3.0))),
    ],
    camera: (focal_mm: 35, sensor_mm: (32, 32), at: ({cx:.3}, {height:.3}, {cz:.3}), look_at: ({dx:.3}, 0.5, {dz:.3})),
    {lights}
)
"#,
        size = opts.size,
        lights = if style_rig {
            String::new()
        } else {
            format!(
                "lights: [Sun(direction: ({:.3}, -1.0, {:.3}), intensity: {sun:.3}), Ambient(intensity: {ambient:.3})],",
                r.symmetric(0.8),
                r.symmetric(0.8)
            )
        },
    );
    Ok((text, scene_seed, style_index as u32))
}

/// Renders scene `i`: raster buffers and path-traced references, and the scene's seed
/// and the path tracer's seconds.
fn render_scene(opts: &DatasetOptions, i: usize) -> Result<(SceneFrames, u64, f64), PipelineError> {
    let in_scene = |e: PipelineError| PipelineError::DatasetScene {
        index: i,
        source: Box::new(e),
    };
    let (text, scene_seed, style) = scene_text(opts, i)?;
    let (scene, look) =
        crate::style::parse_str(&text, &format!("dataset scene {i}"), Path::new("."), None)
            .map_err(|e| in_scene(e.into()))?;
    let traj = crate::physics::simulate(&scene, &Silent).map_err(|e| in_scene(e.into()))?;
    let plan = crate::camera::plan(&scene, &traj).map_err(|e| in_scene(e.into()))?;
    let n = traj.frames.len().min(opts.frames);
    let window = Window {
        neighbours: false,
        history: true,
    };
    let mut frames =
        Frames::new(&scene, &look, &traj, &plan, (0..n).collect(), window).map_err(in_scene)?;
    let ref_opts = ReferenceOptions {
        spp: opts.spp,
        max_bounces: 4,
        lens: Lens {
            aperture_f: scene.camera.aperture,
            focus_distance: scene.camera.focus_distance,
        },
        shutter_deg: 0.0,
        threads: opts.threads,
    };
    let tracer = Tracer::new(&scene, &traj, &plan.frames, ref_opts)
        .map_err(|e| in_scene(e.into()))?
        .with_cuts(|k| plan.cut_before(k));
    let mut inputs = Vec::with_capacity(n);
    let mut reference = Vec::with_capacity(n);
    let start = std::time::Instant::now();
    let mut ref_seconds = 0.0;
    while let Some(f) = frames.next_frame().map_err(in_scene)? {
        inputs.push(FrameInputs::from_buffers(&f.buffers, f.prev_segmentation));
        let t = std::time::Instant::now();
        let traced = tracer
            .render(f.index, &Silent)
            .map_err(|e| in_scene(e.into()))?;
        ref_seconds += t.elapsed().as_secs_f64();
        reference.push(traced.color);
    }
    tracing::debug!(
        scene = i,
        seconds = start.elapsed().as_secs_f64(),
        "dataset scene"
    );
    Ok((
        SceneFrames {
            inputs,
            reference,
            style,
        },
        scene_seed,
        ref_seconds,
    ))
}

/// Renders `opts.scenes` scenes into `out` (resumable: complete scenes of an earlier run
/// with the same options are kept).
///
/// # Errors
/// [`PipelineError::BadOption`] and [`PipelineError::Reference`] for bad options;
/// [`PipelineError::DatasetScene`] when a scene fails to render;
/// [`PipelineError::Output`] and [`PipelineError::Neural`] when a file cannot be written.
pub fn write_dataset(
    out: &Path,
    opts: &DatasetOptions,
    progress: &dyn Progress,
) -> Result<DatasetReport, PipelineError> {
    if opts.scenes == 0 || opts.frames == 0 {
        return Err(PipelineError::BadOption(
            "dataset: --scenes and --frames must be at least 1".into(),
        ));
    }
    if opts.size < 16 || !opts.size.is_multiple_of(16) || opts.size > 1024 {
        return Err(PipelineError::BadOption(format!(
            "dataset: --size must be a multiple of 16 in 16..=1024, got {}",
            opts.size
        )));
    }
    ReferenceOptions {
        spp: opts.spp,
        ..Default::default()
    }
    .check()?;
    super::create_dir(out)?;
    let styles: Vec<String> = crate::style::bundled()?
        .iter()
        .map(|s| s.name().to_string())
        .collect();
    let fresh = Manifest::new(opts.seed, opts.size, opts.frames, opts.spp, styles);
    let manifest_path = out.join("dataset.json");
    let mut manifest: Manifest = files::read_json(&manifest_path)
        .ok()
        .filter(|m: &Manifest| m.same_settings(&fresh))
        .unwrap_or(fresh);
    let wanted: Vec<usize> = (0..opts.scenes)
        .filter(|&i| !opts.held_out_only || held_out(i))
        .collect();
    let todo: Vec<usize> = wanted
        .iter()
        .copied()
        .filter(|i| {
            !manifest
                .scenes
                .get(i)
                .is_some_and(|r| out.join(&r.file).is_file())
        })
        .collect();
    progress.start("dataset", todo.len() as u64);
    let mut seconds = 0.0;
    let mut frames = 0usize;
    for &i in &todo {
        let (s, scene_seed, ref_s) = render_scene(opts, i)?;
        seconds += ref_s;
        frames += s.inputs.len();
        let file = format!("scene-{i:04}.safetensors");
        files::write_atomic(&out.join(&file), &dataset::scene_bytes(&s)?)?;
        manifest.scenes.insert(
            i,
            SceneRecord {
                seed: scene_seed,
                style: manifest
                    .styles
                    .get(s.style as usize)
                    .cloned()
                    .unwrap_or_default(),
                style_index: s.style,
                split: dataset::split_name(i).into(),
                file,
                reference_seconds: ref_s,
            },
        );
        files::write_json(&manifest_path, &manifest)?;
        progress.advance(1);
    }
    progress.finish();
    Ok(DatasetReport {
        rendered: todo.len(),
        skipped: wanted.len() - todo.len(),
        held_out: (0..opts.scenes).filter(|&i| held_out(i)).count(),
        reference_seconds_per_frame: if frames == 0 {
            0.0
        } else {
            seconds / frames as f64
        },
    })
}

/// What `dataset` produced.
#[derive(Debug, Clone)]
pub struct DatasetReport {
    /// Scenes rendered now.
    pub rendered: usize,
    /// Scenes already complete from an earlier run with the same options.
    pub skipped: usize,
    /// Held-out scenes (of all).
    pub held_out: usize,
    /// Mean path-tracer seconds per frame over the scenes rendered now.
    pub reference_seconds_per_frame: f64,
}
