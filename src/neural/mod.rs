//! Neural finishing: a small latent flow-matching model, conditioned on the raster's exact
//! buffers, that learns what the path-traced reference adds to the raster preview, in
//! linear light, before the style's grade.
//!
//! Input: one clip's [`crate::raster::FrameBuffers`] in order (the preview in linear
//! light, depth, normals, albedo, segmentation, backward flow), each with the previous
//! frame's segmentation in its shot. Output: per frame the finished picture, linear RGB
//! at the preview's size, which the pipeline then grades. The pipeline sees only the
//! entry type [`Finisher`] ([`Finisher::load`] from [`FinishOptions`] picks the model
//! and the device; [`Finisher::start_shot`], [`Finisher::finish`]). Invariants: for a
//! fixed model, seed, style and build a clip is reproducible bit for bit; a shot
//! finished again from its first frame gives the same bits as the whole clip.
//!
//! Layout, like candle's own models: one file per network with a config struct and
//! `VarBuilder` key paths ([`autoencoder`], [`unet`]), weights in safetensors
//! ([`save_weights`], [`load_weights`]); the seeded few-step sampler with warped-noise
//! temporal consistency in [`sampler`] and [`noise`]; the format of the training pairs
//! in [`dataset`] (the pipeline renders them: `pipeline::dataset`); training and
//! evaluation in [`train`]; published Stable Diffusion 2 depth checkpoints in
//! [`published`]. The weights that ship (`models/finish/`, built into the binary by
//! [`bundled_model`]) finish every `cinegraph render` unless `--no-finish`; their style
//! embedding follows [`BUNDLED_MODEL_STYLES`]; docs/neural.md
//! says how they were trained.

pub mod autoencoder;
pub mod dataset;
mod finish;
pub mod metrics;
pub mod noise;
pub mod published;
pub mod sampler;
pub mod shading;
pub mod train;
pub mod unet;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{VarBuilder, VarMap};

use crate::math::srgb8_to_linear;
use crate::rng::SeededRng;

pub use autoencoder::{Autoencoder, AutoencoderConfig};
pub use finish::{FinishOptions, Finisher, default_prompt};
pub use unet::{Denoiser, DenoiserConfig};

/// Conditioning channels at image resolution: preview (3), disparity (1), normals (3),
/// albedo (3), segmentation embedding (3) and object boundaries (1), warped previous
/// finished frame (3), its disocclusion mask (1).
pub const COND_CHANNELS: usize = 18;

/// Finishes the frames of one clip in order (the trained model's [`sampler::Finisher`],
/// or a published checkpoint's).
pub trait FrameFinisher {
    /// Finishes the next frame: linear light, the preview's size.
    ///
    /// # Errors
    /// Sizes the model cannot take; tensor errors.
    fn finish(&mut self, inputs: &FrameInputs) -> Result<Vec<[f32; 3]>, NeuralError>;
    /// Forgets the history (a cut, or the first frame finished in a run) and numbers the
    /// next frame `frame` of the clip, whose fresh noise is drawn for that number: so
    /// finishing a shot again from its first frame gives the same bits as finishing the
    /// whole clip.
    fn start_shot(&mut self, frame: usize);
}

/// Runs `f` on `inputs`, or on `inputs` grown to sides divisible by `multiple` (edges
/// repeated) with the result cropped back.
///
/// # Errors
/// Buffers of the wrong sizes; `f`'s errors.
pub fn padded_run(
    inputs: &FrameInputs,
    multiple: usize,
    f: impl FnOnce(&FrameInputs) -> Result<Vec<[f32; 3]>, NeuralError>,
) -> Result<Vec<[f32; 3]>, NeuralError> {
    inputs.check()?;
    let m = multiple.max(1);
    if inputs.width.is_multiple_of(m) && inputs.height.is_multiple_of(m) {
        return f(inputs);
    }
    let padded = inputs.padded(m);
    let out = f(&padded)?;
    Ok((0..inputs.width * inputs.height)
        .map(|i| out[(i / inputs.width) * padded.width + i % inputs.width])
        .collect())
}

/// The segmentation embedding of instance `id`: three values in `[-1, 1]` from a hash
/// of the id (0, the background, is 0), so that objects differ without the network
/// having to know how many there are.
pub fn segment_embedding(id: u32) -> [f32; 3] {
    if id == 0 {
        return [0.0; 3];
    }
    let mut x = u64::from(id).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    [0, 1, 2].map(|_| {
        x ^= x >> 31;
        x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x ^= x >> 29;
        ((x >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    })
}

/// 1 where a pixel's 4-neighbourhood holds another instance, else 0.
pub fn segment_boundaries(seg: &[u32], width: usize, height: usize) -> Vec<f32> {
    (0..width * height)
        .map(|i| {
            let (x, y) = (i % width, i / width);
            let id = seg[i];
            let differs = (x > 0 && seg[i - 1] != id)
                || (x + 1 < width && seg[i + 1] != id)
                || (y > 0 && seg[i - width] != id)
                || (y + 1 < height && seg[i + width] != id);
            if differs { 1.0 } else { 0.0 }
        })
        .collect()
}

/// Why a neural step failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NeuralError {
    /// A tensor operation failed.
    #[error("neural network: {0}")]
    Candle(#[from] candle_core::Error),
    /// A weights file lacks a tensor the network needs.
    #[error("{file}: missing tensor \"{name}\" (expected shape {expected:?})")]
    MissingTensor {
        /// The file.
        file: String,
        /// The tensor's key path.
        name: String,
        /// The shape the network needs.
        expected: Vec<usize>,
    },
    /// A weights file holds a tensor of the wrong shape.
    #[error("{file}: tensor \"{name}\" has shape {found:?}, expected {expected:?}")]
    WrongShape {
        /// The file.
        file: String,
        /// The tensor's key path.
        name: String,
        /// The shape the network needs.
        expected: Vec<usize>,
        /// The shape in the file.
        found: Vec<usize>,
    },
    /// A weights file holds a tensor the network does not have.
    #[error("{file}: unexpected tensor \"{name}\" (not part of this network)")]
    UnexpectedTensor {
        /// The file.
        file: String,
        /// The key path.
        name: String,
    },
    /// Bad data or options: a value out of range, a file that is not what it should be.
    #[error("{0}")]
    Data(String),
    /// `--model` names a folder that holds no model.
    #[error(
        "--model {}: not a cinegraph checkpoint (config.json with shading.safetensors, or autoencoder.safetensors and denoiser.safetensors, from `cinegraph train`) nor a Stable Diffusion 2 depth folder (unet/config.json, vae/, text_encoder/, tokenizer/, scheduler/)",
        path.display()
    )]
    NotAModel {
        /// The folder.
        path: PathBuf,
    },
    /// The styles built into the binary failed to load (a broken build).
    #[error("bundled styles: {0}")]
    BundledStyles(#[from] crate::style::StyleError),
    /// A failure of the program, not of its input (e.g. a poisoned lock).
    #[error("{0}")]
    Internal(String),
    /// Reading or writing files.
    #[error(transparent)]
    Output(#[from] crate::files::FileError),
}

impl NeuralError {
    /// Whether the input (options, files) is at fault rather than the program or the
    /// system: decided by the variant alone.
    pub fn is_bad_input(&self) -> bool {
        match self {
            Self::MissingTensor { .. }
            | Self::WrongShape { .. }
            | Self::UnexpectedTensor { .. }
            | Self::Data(_)
            | Self::NotAModel { .. }
            | Self::Output(crate::files::FileError::Format { .. }) => true,
            Self::Output(_) | Self::Candle(_) | Self::BundledStyles(_) | Self::Internal(_) => false,
        }
    }
}

/// Overwrites every variable of `map` with values drawn from `(seed, "neural-init/…")`,
/// in key order, so that a network's initial weights depend on the seed alone (candle's
/// own initializers use an unseeded generator). Rank-1 `*.weight` (norm scales) become 1,
/// `*.bias` 0, everything else uniform in `±1/√fan_in` (fan-in: the product of all but
/// the first dimension), like PyTorch's default for linear and convolution layers —
/// except the last layer of the autoencoder (`decoder.conv_out.weight`) and of the shading
/// network (`head.out.weight`), which start at 0, so an untrained model gives a zero
/// residual and finishes a frame as exactly its preview (training moves away from there only where the reference differs).
///
/// # Errors
/// Tensor errors from candle.
pub fn init_weights(map: &VarMap, seed: u64) -> Result<(), NeuralError> {
    let vars = sorted_vars(map)?;
    for (name, var) in vars {
        let dims = var.dims().to_vec();
        let n: usize = dims.iter().product();
        let last_layer = name == "decoder.conv_out.weight" || name == "head.out.weight";
        let values: Vec<f32> = if name.ends_with(".bias") || last_layer {
            vec![0.0; n]
        } else if dims.len() == 1 {
            vec![1.0; n]
        } else {
            let fan_in: usize = dims
                .get(1..)
                .unwrap_or(&[])
                .iter()
                .product::<usize>()
                .max(1);
            let bound = 1.0 / (fan_in as f32).sqrt();
            let mut rng = SeededRng::new(seed, &format!("neural-init/{name}"));
            (0..n).map(|_| rng.symmetric(bound)).collect()
        };
        var.set(&Tensor::from_vec(values, dims, var.device())?)?;
    }
    Ok(())
}

fn sorted_vars(map: &VarMap) -> Result<BTreeMap<String, Var>, NeuralError> {
    let data = map
        .data()
        .lock()
        .map_err(|_| NeuralError::Internal("weights: a lock was poisoned".into()))?;
    Ok(data.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// Serializes every variable of `map` to safetensors bytes (keys sorted).
///
/// # Errors
/// Tensor errors from candle.
pub fn weights_bytes(map: &VarMap) -> Result<Vec<u8>, NeuralError> {
    let vars = sorted_vars(map)?;
    let tensors: Vec<(String, Tensor)> = vars
        .into_iter()
        .map(|(k, v)| Ok((k, v.as_tensor().to_device(&Device::Cpu)?)))
        .collect::<Result<_, candle_core::Error>>()?;
    safetensors::serialize(tensors.iter().map(|(k, t)| (k.as_str(), t)), None)
        .map_err(|e| NeuralError::Internal(format!("safetensors: {e}")))
}

/// Writes every variable of `map` to `path` (safetensors, atomically).
///
/// # Errors
/// [`NeuralError::Output`] if the file cannot be written.
pub fn save_weights(map: &VarMap, path: &Path) -> Result<(), NeuralError> {
    crate::files::write_atomic(path, &weights_bytes(map)?)?;
    Ok(())
}

/// Loads safetensors `bytes` into the variables of `map` (a network built on it), checking
/// that every tensor the network needs is there with its exact shape and nothing else is.
/// `file` names the source in errors.
///
/// # Errors
/// [`NeuralError::MissingTensor`], [`NeuralError::WrongShape`] and
/// [`NeuralError::UnexpectedTensor`] naming the tensor and its expected shape; a file that
/// is not safetensors.
pub fn load_weights_bytes(map: &VarMap, bytes: &[u8], file: &str) -> Result<(), NeuralError> {
    let loaded = candle_core::safetensors::load_buffer(bytes, &Device::Cpu)
        .map_err(|e| NeuralError::Data(format!("{file}: not a safetensors file ({e})")))?;
    let vars = sorted_vars(map)?;
    for (name, var) in &vars {
        let expected = var.dims().to_vec();
        let Some(t) = loaded.get(name) else {
            return Err(NeuralError::MissingTensor {
                file: file.into(),
                name: name.clone(),
                expected,
            });
        };
        if t.dims() != expected.as_slice() {
            return Err(NeuralError::WrongShape {
                file: file.into(),
                name: name.clone(),
                expected,
                found: t.dims().to_vec(),
            });
        }
    }
    let mut extra: Vec<&String> = loaded.keys().filter(|k| !vars.contains_key(*k)).collect();
    extra.sort();
    if let Some(name) = extra.first() {
        return Err(NeuralError::UnexpectedTensor {
            file: file.into(),
            name: (*name).clone(),
        });
    }
    for (name, var) in &vars {
        if let Some(t) = loaded.get(name) {
            var.set(&t.to_dtype(DType::F32)?.to_device(var.device())?)?;
        }
    }
    Ok(())
}

/// [`load_weights_bytes`] from a file.
///
/// # Errors
/// As [`load_weights_bytes`]; [`crate::files::FileError::Read`] if the file cannot be
/// read.
pub fn load_weights(map: &VarMap, path: &Path) -> Result<(), NeuralError> {
    let bytes = std::fs::read(path).map_err(|source| crate::files::FileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    load_weights_bytes(map, &bytes, &path.display().to_string())
}

/// The finishing model that ships with cinegraph (`models/finish/`, built into the
/// binary): trained by `cinegraph train` on data from `cinegraph dataset`, as
/// docs/neural.md records.
///
/// # Errors
/// Weights that do not fit their configuration (a broken build).
pub fn bundled_model() -> Result<shading::ShadingModel, NeuralError> {
    bundled_model_on(&Device::Cpu)
}

/// [`bundled_model`] with the variables on `device`.
///
/// # Errors
/// As [`bundled_model`].
pub fn bundled_model_on(device: &Device) -> Result<shading::ShadingModel, NeuralError> {
    let cfg: train::ShadingCheckpoint =
        serde_json::from_slice(include_bytes!("../../models/finish/config.json"))
            .map_err(|e| NeuralError::Internal(format!("bundled model config: {e}")))?;
    let model = shading::ShadingModel::new_on(&cfg.shading, cfg.seed, device)?;
    load_weights_bytes(
        &model.vars,
        include_bytes!("../../models/finish/shading.safetensors"),
        "models/finish/shading.safetensors",
    )?;
    Ok(model)
}

/// The styles the shipped model (`models/finish/`) was trained with, in the order of its
/// style embedding: index `i` of the embedding is `BUNDLED_MODEL_STYLES[i]`. It is the
/// order of [`crate::style::bundled`] when the training data was made; a test pins the
/// two together, so reordering the bundled styles (which would silently give every
/// finished frame another look's embedding) fails it.
pub const BUNDLED_MODEL_STYLES: [&str; 12] = [
    "noir",
    "pastel-symmetry",
    "teal-orange",
    "cold-thriller",
    "golden-hour",
    "70s-film",
    "handheld-documentary",
    "neon-night",
    "bleach-bypass",
    "day-for-night",
    "music-video",
    "anamorphic",
];

/// The style embedding index of a scene's style for `model`: its place among the
/// bundled styles, or `n_styles` ("no style", the mean embedding) for an unstyled scene
/// or a style file of the user's own.
pub fn style_index(model: &Model, style: Option<&str>) -> u32 {
    style_index_for(model.denoiser.config().n_styles, style)
}

/// [`style_index`] for a style embedding of `n` styles (index `n`: none).
pub fn style_index_for(n: usize, style: Option<&str>) -> u32 {
    let names: Vec<String> = crate::style::bundled()
        .map(|v| v.iter().map(|s| s.name().to_string()).collect())
        .unwrap_or_default();
    style
        .and_then(crate::style::find_bundled)
        .and_then(|st| names.iter().position(|n| n == st.name()))
        .filter(|&i| i < n)
        .unwrap_or(n) as u32
}

/// Both networks with their variables.
pub struct Model {
    /// The autoencoder's variables.
    pub ae_vars: VarMap,
    /// The denoiser's variables.
    pub unet_vars: VarMap,
    /// Residual image ↔ latent.
    pub autoencoder: Autoencoder,
    /// The latent denoiser.
    pub denoiser: Denoiser,
    /// Where the variables live.
    pub device: Device,
}

/// The device to train and finish on: the first CUDA GPU when cinegraph is built with the
/// `cuda` feature and one is there, else the CPU.
pub fn device() -> Device {
    #[cfg(feature = "cuda")]
    {
        match Device::new_cuda(0) {
            Ok(d) => return d,
            Err(e) => tracing::warn!("built with cuda but no GPU is usable ({e}); using the CPU"),
        }
    }
    Device::Cpu
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("autoencoder", self.autoencoder.config())
            .field("denoiser", self.denoiser.config())
            .finish()
    }
}

impl Model {
    /// Builds both networks with weights initialized from `seed` ([`init_weights`]).
    ///
    /// # Errors
    /// Configurations that do not fit together; tensor errors.
    pub fn new(
        ae: &AutoencoderConfig,
        unet: &DenoiserConfig,
        seed: u64,
    ) -> Result<Self, NeuralError> {
        Self::new_on(ae, unet, seed, &Device::Cpu)
    }

    /// [`Self::new`] with the variables on `device` (the initial weights are the same
    /// numbers on any device).
    ///
    /// # Errors
    /// As [`Self::new`].
    pub fn new_on(
        ae: &AutoencoderConfig,
        unet: &DenoiserConfig,
        seed: u64,
        device: &Device,
    ) -> Result<Self, NeuralError> {
        if ae.latent_channels != unet.latent_channels
            || ae.levels != unet.cond_levels
            || (ae.guide_channels != 0 && ae.guide_channels != unet.cond_channels)
        {
            return Err(NeuralError::Data(format!(
                "the denoiser's latent channels ({}), levels ({}) and conditioning channels ({}) must match the autoencoder's ({}, {}, guide {})",
                unet.latent_channels,
                unet.cond_levels,
                unet.cond_channels,
                ae.latent_channels,
                ae.levels,
                ae.guide_channels
            )));
        }
        let dev = device.clone();
        let ae_vars = VarMap::new();
        let unet_vars = VarMap::new();
        let autoencoder =
            Autoencoder::new(ae, VarBuilder::from_varmap(&ae_vars, DType::F32, &dev))?;
        let denoiser = Denoiser::new(unet, VarBuilder::from_varmap(&unet_vars, DType::F32, &dev))?;
        init_weights(&ae_vars, seed)?;
        init_weights(&unet_vars, seed ^ 0x5eed_0001)?;
        Ok(Self {
            ae_vars,
            unet_vars,
            autoencoder,
            denoiser,
            device: dev,
        })
    }

    /// Parameters of both networks.
    pub fn parameter_count(&self) -> usize {
        let count = |m: &VarMap| m.all_vars().iter().map(|v| v.elem_count()).sum::<usize>();
        count(&self.ae_vars) + count(&self.unet_vars)
    }
}

/// `log(1 + max(x, 0))`: linear radiance to the networks' compressed range.
pub fn compress(x: f32) -> f32 {
    x.max(0.0).ln_1p()
}

/// The inverse of [`compress`].
pub fn expand(y: f32) -> f32 {
    y.exp_m1().max(0.0)
}

/// Everything the finisher needs about one frame, at image resolution, in plain vectors
/// (built from [`crate::raster::FrameBuffers`] or read from a dataset file).
#[derive(Debug, Clone, PartialEq)]
pub struct FrameInputs {
    /// Width, pixels.
    pub width: usize,
    /// Height, pixels.
    pub height: usize,
    /// The raster preview, linear light.
    pub preview: Vec<[f32; 3]>,
    /// Disparity `1 / max(depth, 0.5 m)`, m⁻¹; 0 for the background.
    pub disparity: Vec<f32>,
    /// World-space normals (0 for the background).
    pub normal: Vec<[f32; 3]>,
    /// Albedo, linear.
    pub albedo: Vec<[f32; 3]>,
    /// Instance ids (0: background).
    pub segmentation: Vec<u32>,
    /// Backward flow, pixels (non-finite across a cut).
    pub flow_bwd: Vec<[f32; 2]>,
    /// Pixels with no source in the previous frame.
    pub disoccluded: Vec<bool>,
}

impl FrameInputs {
    /// From the raster's buffers of frame `t` and the segmentation of frame `t − 1`
    /// (`None` for a clip's first frame: everything is disoccluded).
    pub fn from_buffers(fb: &crate::raster::FrameBuffers, prev_seg: Option<&[u32]>) -> Self {
        let (w, h) = (fb.width as usize, fb.height as usize);
        let disoccluded = match prev_seg {
            Some(p) => noise::disocclusion(&fb.flow_bwd, &fb.segmentation, p, w, h),
            None => vec![true; w * h],
        };
        Self {
            width: w,
            height: h,
            preview: fb.linear.clone(),
            disparity: fb
                .depth
                .iter()
                .map(|&d| if d.is_finite() { 1.0 / d.max(0.5) } else { 0.0 })
                .collect(),
            normal: fb.normal.clone(),
            albedo: fb
                .albedo
                .chunks_exact(4)
                .map(|p| {
                    [
                        srgb8_to_linear(p[0]),
                        srgb8_to_linear(p[1]),
                        srgb8_to_linear(p[2]),
                    ]
                })
                .collect(),
            segmentation: fb.segmentation.clone(),
            flow_bwd: fb.flow_bwd.clone(),
            disoccluded,
        }
    }

    /// Every buffer holds `width × height` pixels, or an error.
    ///
    /// # Errors
    /// [`NeuralError::Data`] naming the sizes.
    pub fn check(&self) -> Result<(), NeuralError> {
        let n = self.width * self.height;
        let sizes = [
            self.preview.len(),
            self.disparity.len(),
            self.normal.len(),
            self.albedo.len(),
            self.segmentation.len(),
            self.flow_bwd.len(),
            self.disoccluded.len(),
        ];
        if sizes.iter().any(|&s| s != n) {
            return Err(NeuralError::Data(format!(
                "frame inputs: buffers of {sizes:?} pixels for a {}x{} frame",
                self.width, self.height
            )));
        }
        Ok(())
    }

    /// The frame grown right and down to sides divisible by `multiple` by repeating its
    /// last column and row (the padding's flow and masks repeat too).
    pub(crate) fn padded(&self, multiple: usize) -> Self {
        let m = multiple.max(1);
        let (w, h) = (self.width, self.height);
        let (pw, ph) = (w.div_ceil(m) * m, h.div_ceil(m) * m);
        let src = |i: usize| ((i / pw).min(h - 1)) * w + (i % pw).min(w - 1);
        fn take<T: Copy>(v: &[T], n: usize, src: &dyn Fn(usize) -> usize) -> Vec<T> {
            (0..n).map(|i| v[src(i)]).collect()
        }
        let n = pw * ph;
        Self {
            width: pw,
            height: ph,
            preview: take(&self.preview, n, &src),
            disparity: take(&self.disparity, n, &src),
            normal: take(&self.normal, n, &src),
            albedo: take(&self.albedo, n, &src),
            segmentation: take(&self.segmentation, n, &src),
            flow_bwd: take(&self.flow_bwd, n, &src),
            disoccluded: take(&self.disoccluded, n, &src),
        }
    }

    /// The conditioning tensor `[1, COND_CHANNELS, H, W]`, with `prev_finished` (linear,
    /// frame `t − 1`, `None` for no history) warped along the backward flow.
    ///
    /// # Errors
    /// Sizes that disagree; tensor errors.
    pub fn cond_tensor(&self, prev_finished: Option<&[[f32; 3]]>) -> Result<Tensor, NeuralError> {
        self.check()?;
        let n = self.width * self.height;
        if let Some(p) = prev_finished.filter(|p| p.len() != n) {
            return Err(NeuralError::Data(format!(
                "frame inputs: a previous frame of {} pixels for a {}x{} frame",
                p.len(),
                self.width,
                self.height
            )));
        }
        let (warped, mask) = match prev_finished {
            Some(p) => (
                noise::warp_image(
                    p,
                    &self.flow_bwd,
                    &self.disoccluded,
                    self.width,
                    self.height,
                ),
                self.disoccluded.clone(),
            ),
            None => (vec![[0.0; 3]; n], vec![true; n]),
        };
        let mut data = Vec::with_capacity(COND_CHANNELS * n);
        for c in 0..3 {
            data.extend(self.preview.iter().map(|p| compress(p[c])));
        }
        data.extend(self.disparity.iter().copied());
        for c in 0..3 {
            data.extend(self.normal.iter().map(|p| p[c]));
        }
        for c in 0..3 {
            data.extend(self.albedo.iter().map(|p| p[c]));
        }
        let emb: Vec<[f32; 3]> = self
            .segmentation
            .iter()
            .map(|&id| segment_embedding(id))
            .collect();
        for c in 0..3 {
            data.extend(emb.iter().map(|e| e[c]));
        }
        data.extend(segment_boundaries(
            &self.segmentation,
            self.width,
            self.height,
        ));
        for c in 0..3 {
            data.extend(warped.iter().map(|p| compress(p[c])));
        }
        data.extend(mask.iter().map(|&m| if m { 1.0 } else { 0.0 }));
        Ok(Tensor::from_vec(
            data,
            (1, COND_CHANNELS, self.height, self.width),
            &Device::Cpu,
        )?)
    }
}

/// An `[n, 3]` list of pixels as a `[1, 3, H, W]` tensor through `f`.
///
/// # Errors
/// Sizes that disagree.
pub fn image_tensor(
    px: &[[f32; 3]],
    width: usize,
    height: usize,
    f: impl Fn(f32) -> f32,
) -> Result<Tensor, NeuralError> {
    let mut data = Vec::with_capacity(3 * px.len());
    for c in 0..3 {
        data.extend(px.iter().map(|p| f(p[c])));
    }
    Ok(Tensor::from_vec(data, (1, 3, height, width), &Device::Cpu)?)
}

/// A `[1, 3, H, W]` tensor back to pixels through `f`.
///
/// # Errors
/// A tensor of another shape.
pub fn tensor_image(t: &Tensor, f: impl Fn(f32) -> f32) -> Result<Vec<[f32; 3]>, NeuralError> {
    let (_, c, h, w) = t.dims4()?;
    if c != 3 {
        return Err(NeuralError::Data(format!("expected 3 channels, got {c}")));
    }
    let v: Vec<f32> = t.flatten_all()?.to_vec1()?;
    let n = h * w;
    Ok((0..n)
        .map(|i| [f(v[i]), f(v[n + i]), f(v[2 * n + i])])
        .collect())
}

#[cfg(test)]
mod tests;
