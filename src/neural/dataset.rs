//! Training pairs: seeded random scenes rendered by the raster (the conditioning) and by
//! the path tracer (the target), both in linear light before any grade.
//!
//! Scene `i` of a dataset made with `--seed S` draws everything (objects, shapes, sizes,
//! materials, sun, sky, camera, style) from `SeededRng(S, "dataset/scene/i")`. Scenes
//! with `i % 5 == 4` are **held out**: `train` never reads them, `eval-finish` reads only
//! them (the split is written into `dataset.json`).
//!
//! Files: `dataset.json` (the manifest) and `scene-NNNN.safetensors` per scene, holding
//! `[frames, H, W, C]` f32 tensors `preview` (C = 3), `disparity` (1), `normal` (3),
//! `albedo` (3, linear), `flow_bwd` (2), `disoccluded` (1, 0 or 1), `reference` (3), a
//! u32 `segmentation` (1) and a `[1]` u32 `style`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::{FrameInputs, NeuralError};
use crate::progress::Progress;
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

/// Whether scene `i` is held out from training.
pub fn held_out(i: usize) -> bool {
    i % 5 == 4
}

/// `dataset.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// `"cinegraph/dataset/2"`.
    pub format: String,
    /// The dataset's seed.
    pub seed: u64,
    /// Width and height, pixels.
    pub size: u32,
    /// Frames per scene.
    pub frames: usize,
    /// Reference samples per pixel.
    pub spp: u32,
    /// The style list the indices refer to ([`crate::style::bundled`] order).
    pub styles: Vec<String>,
    /// How the split is made.
    pub held_out_rule: String,
    /// The scenes, by index.
    pub scenes: BTreeMap<usize, SceneRecord>,
}

/// One scene of the dataset.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SceneRecord {
    /// The scene's own seed.
    pub seed: u64,
    /// Its style's name.
    pub style: String,
    /// Its style's index.
    pub style_index: u32,
    /// `"train"` or `"held-out"`.
    pub split: String,
    /// The tensors' file, relative to the dataset folder.
    pub file: String,
    /// Seconds the path tracer took for all its frames.
    pub reference_seconds: f64,
}

/// The RON text of random scene `i` (see the module docs), and its style's index.
///
/// # Errors
/// The bundled styles failing to load.
pub fn scene_text(opts: &DatasetOptions, i: usize) -> Result<(String, u64, u32), NeuralError> {
    let styles =
        crate::style::bundled().map_err(|e| NeuralError::Data(format!("bundled styles: {e}")))?;
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

/// One scene's frames, as the finisher sees them, with their references.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneFrames {
    /// Frames in order.
    pub inputs: Vec<FrameInputs>,
    /// The path-traced reference of each frame, linear.
    pub reference: Vec<Vec<[f32; 3]>>,
    /// Style index.
    pub style: u32,
}

/// Renders scene `i`: raster buffers and path-traced references.
///
/// # Errors
/// Scene, raster or reference failures.
pub fn render_scene(
    opts: &DatasetOptions,
    i: usize,
) -> Result<(SceneFrames, u64, f64), NeuralError> {
    let (text, scene_seed, style) = scene_text(opts, i)?;
    let data = |e: String| NeuralError::Data(format!("dataset scene {i}: {e}"));
    let (scene, look) =
        crate::style::parse_str(&text, &format!("dataset scene {i}"), Path::new("."), None)
            .map_err(|e| data(e.to_string()))?;
    let silent = crate::progress::Silent;
    let traj = crate::physics::simulate(&scene, &silent).map_err(|e| data(e.to_string()))?;
    let plan = crate::camera::plan(&scene, &traj).map_err(|e| data(e.to_string()))?;
    let renderer = crate::raster::Renderer::new(&scene).map_err(|e| data(e.to_string()))?;
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
        .map_err(|e| data(e.to_string()))?
        .with_cuts(|k| plan.cut_before(k));
    let n = traj.frames.len().min(opts.frames);
    let mut inputs = Vec::with_capacity(n);
    let mut reference = Vec::with_capacity(n);
    let mut prev_seg: Option<Vec<u32>> = None;
    let start = std::time::Instant::now();
    let mut ref_seconds = 0.0;
    for k in 0..n {
        let mut fb = renderer
            .render(&scene, &traj, &plan.frames, k)
            .map_err(|e| data(e.to_string()))?;
        look.apply(&scene, &plan, k, &mut fb);
        let prev = if plan.cut_before(k) {
            None
        } else {
            prev_seg.as_deref()
        };
        inputs.push(FrameInputs::from_buffers(&fb, prev));
        prev_seg = Some(fb.segmentation.clone());
        let t = std::time::Instant::now();
        let frame = tracer.render(k, &silent).map_err(|e| data(e.to_string()))?;
        ref_seconds += t.elapsed().as_secs_f64();
        reference.push(frame.color);
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

fn stack<const C: usize>(
    frames: &[&[[f32; C]]],
    w: usize,
    h: usize,
) -> Result<Tensor, NeuralError> {
    let data: Vec<f32> = frames
        .iter()
        .flat_map(|f| f.iter().flatten().copied())
        .collect();
    Ok(Tensor::from_vec(
        data,
        (frames.len(), h, w, C),
        &Device::Cpu,
    )?)
}

/// Serializes one scene's frames (see the module docs for the tensors).
///
/// # Errors
/// Tensor errors.
pub fn scene_bytes(s: &SceneFrames) -> Result<Vec<u8>, NeuralError> {
    let Some(first) = s.inputs.first() else {
        return Err(NeuralError::Data(
            "a dataset scene needs at least one frame".into(),
        ));
    };
    let (w, h) = (first.width, first.height);
    let f = s.inputs.len();
    let scalar = |v: Vec<f32>| Tensor::from_vec(v, (f, h, w, 1), &Device::Cpu);
    let tensors: Vec<(&str, Tensor)> = vec![
        (
            "albedo",
            stack(
                &s.inputs
                    .iter()
                    .map(|i| i.albedo.as_slice())
                    .collect::<Vec<_>>(),
                w,
                h,
            )?,
        ),
        (
            "disoccluded",
            scalar(
                s.inputs
                    .iter()
                    .flat_map(|i| i.disoccluded.iter().map(|&m| if m { 1.0 } else { 0.0 }))
                    .collect(),
            )?,
        ),
        (
            "disparity",
            scalar(
                s.inputs
                    .iter()
                    .flat_map(|i| i.disparity.iter().copied())
                    .collect(),
            )?,
        ),
        (
            "flow_bwd",
            stack(
                &s.inputs
                    .iter()
                    .map(|i| i.flow_bwd.as_slice())
                    .collect::<Vec<_>>(),
                w,
                h,
            )?,
        ),
        (
            "normal",
            stack(
                &s.inputs
                    .iter()
                    .map(|i| i.normal.as_slice())
                    .collect::<Vec<_>>(),
                w,
                h,
            )?,
        ),
        (
            "preview",
            stack(
                &s.inputs
                    .iter()
                    .map(|i| i.preview.as_slice())
                    .collect::<Vec<_>>(),
                w,
                h,
            )?,
        ),
        (
            "reference",
            stack(
                &s.reference.iter().map(Vec::as_slice).collect::<Vec<_>>(),
                w,
                h,
            )?,
        ),
        (
            "segmentation",
            Tensor::from_vec(
                s.inputs
                    .iter()
                    .flat_map(|i| i.segmentation.iter().copied())
                    .collect::<Vec<u32>>(),
                (f, h, w, 1),
                &Device::Cpu,
            )?,
        ),
        ("style", Tensor::from_vec(vec![s.style], 1, &Device::Cpu)?),
    ];
    safetensors::serialize(tensors.iter().map(|(k, t)| (*k, t)), None)
        .map_err(|e| NeuralError::Data(format!("safetensors: {e}")))
}

/// Reads one scene's frames back.
///
/// # Errors
/// A file that is missing, not safetensors, or lacks a tensor (named in the message).
pub fn read_scene(path: &Path) -> Result<SceneFrames, NeuralError> {
    let shown = path.display().to_string();
    let bytes =
        std::fs::read(path).map_err(|e| NeuralError::Data(format!("cannot read {shown}: {e}")))?;
    let map = candle_core::safetensors::load_buffer(&bytes, &Device::Cpu)
        .map_err(|e| NeuralError::Data(format!("{shown}: not a safetensors file ({e})")))?;
    let get = |name: &str, c: usize| -> Result<(Vec<f32>, usize, usize, usize), NeuralError> {
        let t = map.get(name).ok_or_else(|| {
            NeuralError::Data(format!(
                "{shown}: missing tensor \"{name}\" [frames, H, W, {c}]"
            ))
        })?;
        let (f, h, w, cc) = t.dims4()?;
        if cc != c {
            return Err(NeuralError::Data(format!(
                "{shown}: tensor \"{name}\" has {cc} channels, expected {c}"
            )));
        }
        Ok((t.flatten_all()?.to_vec1::<f32>()?, f, h, w))
    };
    let (preview, f, h, w) = get("preview", 3)?;
    let n = h * w;
    let mut channels = BTreeMap::new();
    for (name, c) in [
        ("albedo", 3),
        ("disoccluded", 1),
        ("disparity", 1),
        ("flow_bwd", 2),
        ("normal", 3),
        ("reference", 3),
    ] {
        let (v, ff, hh, ww) = get(name, c)?;
        if (ff, hh, ww) != (f, h, w) {
            return Err(NeuralError::Data(format!(
                "{shown}: tensor \"{name}\" is {ff}x{hh}x{ww}, the preview {f}x{h}x{w}"
            )));
        }
        channels.insert(name, v);
    }
    let segmentation: Vec<u32> = map
        .get("segmentation")
        .ok_or_else(|| {
            NeuralError::Data(format!(
                "{shown}: missing tensor \"segmentation\" [frames, H, W, 1] (u32); datasets made before it was added must be rendered again"
            ))
        })?
        .flatten_all()?
        .to_vec1::<u32>()?;
    if segmentation.len() != f * n {
        return Err(NeuralError::Data(format!(
            "{shown}: tensor \"segmentation\" holds {} values, expected {f}x{h}x{w}",
            segmentation.len()
        )));
    }
    let style = map
        .get("style")
        .ok_or_else(|| NeuralError::Data(format!("{shown}: missing tensor \"style\" [1]")))?
        .to_vec1::<u32>()?
        .first()
        .copied()
        .ok_or_else(|| NeuralError::Data(format!("{shown}: empty tensor \"style\"")))?;
    let px3 = |v: &[f32], k: usize| -> Vec<[f32; 3]> {
        v[k * n * 3..(k + 1) * n * 3]
            .chunks_exact(3)
            .map(|p| [p[0], p[1], p[2]])
            .collect()
    };
    let ch = |name: &str| channels.get(name).map(Vec::as_slice).unwrap_or(&[]);
    let mut inputs = Vec::with_capacity(f);
    let mut reference = Vec::with_capacity(f);
    for k in 0..f {
        inputs.push(FrameInputs {
            width: w,
            height: h,
            preview: px3(&preview, k),
            disparity: ch("disparity")[k * n..(k + 1) * n].to_vec(),
            normal: px3(ch("normal"), k),
            albedo: px3(ch("albedo"), k),
            segmentation: segmentation[k * n..(k + 1) * n].to_vec(),
            flow_bwd: ch("flow_bwd")[k * n * 2..(k + 1) * n * 2]
                .chunks_exact(2)
                .map(|p| [p[0], p[1]])
                .collect(),
            disoccluded: ch("disoccluded")[k * n..(k + 1) * n]
                .iter()
                .map(|&m| m > 0.5)
                .collect(),
        });
        reference.push(px3(ch("reference"), k));
    }
    Ok(SceneFrames {
        inputs,
        reference,
        style,
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

/// Renders `opts.scenes` scenes into `out` (resumable: complete scenes of an earlier run
/// with the same options are kept).
///
/// # Errors
/// Bad options, rendering or writing failures.
pub fn write_dataset(
    out: &Path,
    opts: &DatasetOptions,
    progress: &dyn Progress,
) -> Result<DatasetReport, NeuralError> {
    if opts.scenes == 0 || opts.frames == 0 {
        return Err(NeuralError::Data(
            "dataset: --scenes and --frames must be at least 1".into(),
        ));
    }
    if opts.size < 16 || !opts.size.is_multiple_of(16) || opts.size > 1024 {
        return Err(NeuralError::Data(format!(
            "dataset: --size must be a multiple of 16 in 16..=1024, got {}",
            opts.size
        )));
    }
    ReferenceOptions {
        spp: opts.spp,
        ..Default::default()
    }
    .check()
    .map_err(|e| NeuralError::Data(e.to_string()))?;
    std::fs::create_dir_all(out).map_err(|source| crate::output::OutputError::Write {
        path: out.to_path_buf(),
        source,
    })?;
    let styles: Vec<String> = crate::style::bundled()
        .map_err(|e| NeuralError::Data(format!("bundled styles: {e}")))?
        .iter()
        .map(|s| s.name().to_string())
        .collect();
    let fresh = Manifest {
        format: "cinegraph/dataset/2".into(),
        seed: opts.seed,
        size: opts.size,
        frames: opts.frames,
        spp: opts.spp,
        styles,
        held_out_rule: "scene index i with i % 5 == 4".into(),
        scenes: BTreeMap::new(),
    };
    let manifest_path = out.join("dataset.json");
    let mut manifest: Manifest = crate::output::read_json(&manifest_path)
        .ok()
        .filter(|m: &Manifest| {
            (
                m.format.as_str(),
                m.seed,
                m.size,
                m.frames,
                m.spp,
                &m.styles,
            ) == (
                fresh.format.as_str(),
                fresh.seed,
                fresh.size,
                fresh.frames,
                fresh.spp,
                &fresh.styles,
            )
        })
        .unwrap_or(fresh);
    let todo: Vec<usize> = (0..opts.scenes)
        .filter(|&i| !opts.held_out_only || held_out(i))
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
        crate::output::write_atomic(&out.join(&file), &scene_bytes(&s)?)?;
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
                split: if held_out(i) { "held-out" } else { "train" }.into(),
                file,
                reference_seconds: ref_s,
            },
        );
        crate::output::write_json(&manifest_path, &manifest)?;
        progress.advance(1);
    }
    progress.finish();
    Ok(DatasetReport {
        rendered: todo.len(),
        skipped: (0..opts.scenes)
            .filter(|&i| !opts.held_out_only || held_out(i))
            .count()
            - todo.len(),
        held_out: (0..opts.scenes).filter(|&i| held_out(i)).count(),
        reference_seconds_per_frame: if frames == 0 {
            0.0
        } else {
            seconds / frames as f64
        },
    })
}

/// The scene files of one split (`held_out` false: training) of the dataset in `dir`, in
/// index order.
///
/// # Errors
/// A missing or unreadable `dataset.json`.
pub fn split_files(dir: &Path, held_out: bool) -> Result<(Manifest, Vec<PathBuf>), NeuralError> {
    let manifest: Manifest = crate::output::read_json(&dir.join("dataset.json"))?;
    let want = if held_out { "held-out" } else { "train" };
    let files = manifest
        .scenes
        .values()
        .filter(|r| r.split == want)
        .map(|r| dir.join(&r.file))
        .collect();
    Ok((manifest, files))
}
