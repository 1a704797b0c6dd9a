//! The training pairs' format: per scene, the raster's buffers as the finisher sees them
//! (the conditioning) and the path-traced reference (the target), both in linear light
//! before any grade. The pipeline renders them (`pipeline::write_dataset`); this module
//! reads and writes them and says which scenes are held out.
//!
//! Scene `i` of a dataset made with `--seed S` draws everything (objects, shapes, sizes,
//! materials, sun, sky, camera, style) from `SeededRng(S, "dataset/scene/i")`. Scenes
//! with `i % 5 == 4` are **held out** ([`held_out`]): `train` never reads them,
//! `eval-finish` reads only them (the split is written into `dataset.json`).
//!
//! Files: `dataset.json` (the [`Manifest`]) and `scene-NNNN.safetensors` per scene
//! ([`scene_bytes`], [`read_scene`]), holding `[frames, H, W, C]` f32 tensors `preview`
//! (C = 3), `disparity` (1), `normal` (3), `albedo` (3, linear), `flow_bwd` (2),
//! `disoccluded` (1, 0 or 1), `reference` (3), a u32 `segmentation` (1), a `[1]` u32
//! `style` and a u32 `objects` (the dynamic bodies' segmentation ids).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::{FrameInputs, NeuralError};

/// Whether scene `i` is held out from training.
pub fn held_out(i: usize) -> bool {
    i % 5 == 4
}

/// Scene `i`'s split as `dataset.json` writes it: `"held-out"` or `"train"`.
pub fn split_name(i: usize) -> &'static str {
    if held_out(i) { "held-out" } else { "train" }
}

/// `dataset.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// `"cinegraph/dataset/3"` (3: scenes drawn in worlds; 2: on a plain floor).
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

impl Manifest {
    /// The manifest of a dataset with no scene yet.
    pub fn new(seed: u64, size: u32, frames: usize, spp: u32, styles: Vec<String>) -> Self {
        Self {
            format: "cinegraph/dataset/3".into(),
            seed,
            size,
            frames,
            spp,
            styles,
            held_out_rule: "scene index i with i % 5 == 4".into(),
            scenes: BTreeMap::new(),
        }
    }

    /// Whether `other` was made with the same settings (its scenes can be kept).
    pub fn same_settings(&self, other: &Manifest) -> bool {
        (
            self.format.as_str(),
            self.seed,
            self.size,
            self.frames,
            self.spp,
            &self.styles,
        ) == (
            other.format.as_str(),
            other.seed,
            other.size,
            other.frames,
            other.spp,
            &other.styles,
        )
    }
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

/// One scene's frames, as the finisher sees them, with their references.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneFrames {
    /// Frames in order.
    pub inputs: Vec<FrameInputs>,
    /// The path-traced reference of each frame, linear.
    pub reference: Vec<Vec<[f32; 3]>>,
    /// Style index.
    pub style: u32,
    /// The segmentation ids of the scene's dynamic bodies, sorted (the "objects" that
    /// `eval-finish` scores apart from floors, walls and sets; empty in datasets made
    /// before it was recorded, where every id but the background's counts).
    pub objects: Vec<u32>,
}

impl SceneFrames {
    /// Whether each pixel of frame `k` shows one of [`Self::objects`] (or, without the
    /// list, anything but the background).
    pub fn object_mask(&self, k: usize) -> Vec<bool> {
        self.inputs[k]
            .segmentation
            .iter()
            .map(|&id| {
                if self.objects.is_empty() {
                    id != 0
                } else {
                    self.objects.binary_search(&id).is_ok()
                }
            })
            .collect()
    }
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
        (
            "objects",
            Tensor::from_vec(s.objects.clone(), s.objects.len(), &Device::Cpu)?,
        ),
    ];
    safetensors::serialize(tensors.iter().map(|(k, t)| (*k, t)), None)
        .map_err(|e| NeuralError::Internal(format!("safetensors: {e}")))
}

/// Reads one scene's frames back.
///
/// # Errors
/// A file that is missing, not safetensors, or lacks a tensor (named in the message).
pub fn read_scene(path: &Path) -> Result<SceneFrames, NeuralError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| crate::files::FileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
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
    let mut objects = match map.get("objects") {
        Some(t) => t.to_vec1::<u32>()?,
        None => Vec::new(),
    };
    objects.sort_unstable();
    Ok(SceneFrames {
        inputs,
        reference,
        style,
        objects,
    })
}

/// The scene files of one split (`held_out` false: training) of the dataset in `dir`, in
/// index order.
///
/// # Errors
/// A missing or unreadable `dataset.json`.
pub fn split_files(dir: &Path, held_out: bool) -> Result<(Manifest, Vec<PathBuf>), NeuralError> {
    let manifest: Manifest = crate::files::read_json(&dir.join("dataset.json"))?;
    let want = if held_out { "held-out" } else { "train" };
    let files = manifest
        .scenes
        .values()
        .filter(|r| r.split == want)
        .map(|r| dir.join(&r.file))
        .collect();
    Ok((manifest, files))
}
