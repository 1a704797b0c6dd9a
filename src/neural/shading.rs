//! The finisher v2: a single-step, pixel-space shading UNet. From the raster's exact
//! buffers of one frame (the conditioning of [`super::FrameInputs::cond_tensor`]: the lit
//! preview, disparity, normals, albedo with its textures, the segmentation embedding and
//! boundaries, the flow-warped previous finished frame and its disocclusion mask) and the
//! scene's style, it predicts in one pass what the path-traced reference adds to the
//! preview, `r = log(1 + reference) − log(1 + preview)`, and finishes the frame as
//! `expand(log(1 + preview) + r̂)`. No noise, no sampler: the network is trained by
//! least squares, so its output is its estimate of the conditional mean (the single-step
//! x-prediction of RenderFlow, Disney 2026, and the deferred shading of Nalbach et al.
//! 2017, "Deep Shading").
//!
//! Shape (all of it chosen for a 2-core CPU: most of the work runs at a quarter of the
//! image's side, where the residual's global illumination, soft shadows and occlusion
//! live; the full-resolution part is per pixel):
//! - `stem`: the conditioning folded `factor × factor` into channels (space to depth),
//!   a 1×1 convolution to `w` channels, plus the style's embedding;
//! - four levels of widths `w, 2w, 4w, 8w`, each side halved by a stride-2 3×3
//!   convolution on the way down; a residual block per level on each side and two in
//!   the middle; on the way up a 1×1 convolution, nearest ×2 upsampling and the skip
//!   added (not concatenated: cheaper, and as good here);
//! - `head`: a 1×1 convolution to `head` channels interpolated bilinearly to full
//!   resolution ([`HeadUpsample::Bilinear`], the default; the first shipped weights
//!   unfolded `head · factor²` channels instead, depth to space, which showed as
//!   `factor × factor` blocks on flat faces), concatenated with the full-resolution
//!   conditioning, and a two-layer per-pixel MLP (1×1 convolutions) to the 3-channel
//!   residual. The MLP's last layer starts at zero, so an untrained network finishes
//!   every frame as its preview.
//!
//! There is no normalization: a group norm would remove each image's brightness, which is
//! what the network must keep. Weights (`VarBuilder` key paths): `stem.conv`,
//! `stem.style` (`[n_styles + 1, w]`, the last row "no style"), `down.{1,2,3}`,
//! `enc.{0..3}.{conv1,conv2}`, `mid.{conv1,conv2}`, `up.{0,1,2}`, `dec.{0,1,2}.{conv1,conv2}`,
//! `head.unfold`, `head.hidden`, `head.out`.

use std::ops::Deref;

use candle_core::{DType, Device, Module, Result as CandleResult, Tensor};
use candle_nn::{Conv2d, Embedding, VarBuilder, VarMap, embedding};
use serde::{Deserialize, Serialize};

use super::unet::conv;
use super::{FrameInputs, NeuralError, expand, init_weights, tensor_image};

/// The shading network's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShadingConfig {
    /// Conditioning channels at image resolution ([`super::COND_CHANNELS`]).
    pub cond_channels: usize,
    /// Side of the space-to-depth fold: the trunk works at `1 / factor` of the image's
    /// side (2 or 4).
    pub factor: usize,
    /// Channels of the trunk's first level (the others `2w, 4w, 8w`).
    pub width: usize,
    /// Channels per full-resolution pixel that the trunk hands the head.
    pub head: usize,
    /// Styles the embedding knows (index into [`crate::style::bundled`]); index
    /// `n_styles` is "no style".
    pub n_styles: usize,
    /// How the trunk's features reach full resolution (checkpoints written before this
    /// field have [`HeadUpsample::Unfold`]).
    #[serde(default = "unfold")]
    pub upsample: HeadUpsample,
}

/// How the head brings the trunk's quarter-side features to full resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeadUpsample {
    /// A 1×1 convolution to `head · factor²` channels unfolded to full resolution (depth
    /// to space): each pixel of a `factor × factor` block gets its own learned features.
    /// Cheap and sharp, but what the network gets wrong shows as `factor × factor`
    /// blocks on flat faces.
    Unfold,
    /// A 1×1 convolution to `head` channels, interpolated bilinearly to full resolution
    /// (pixel centers, edges clamped, as PyTorch's `align_corners=False`): smooth across
    /// blocks, and the per-pixel head draws the sharp edges from the full-resolution
    /// buffers.
    Bilinear,
}

fn unfold() -> HeadUpsample {
    HeadUpsample::Unfold
}

impl Default for ShadingConfig {
    fn default() -> Self {
        Self {
            cond_channels: super::COND_CHANNELS,
            factor: 4,
            width: 32,
            head: 8,
            n_styles: 12,
            upsample: HeadUpsample::Bilinear,
        }
    }
}

impl ShadingConfig {
    /// The sides a frame must be a multiple of: the fold times the three halvings.
    pub fn multiple(&self) -> usize {
        self.factor * 8
    }

    /// How many times `head` the head's first convolution makes: `factor²` when it
    /// unfolds, 1 when it interpolates.
    pub fn unfold_factor(&self) -> usize {
        match self.upsample {
            HeadUpsample::Unfold => self.factor * self.factor,
            HeadUpsample::Bilinear => 1,
        }
    }

    /// A shape the network can be built with, or an error naming the field.
    ///
    /// # Errors
    /// [`NeuralError::Data`].
    pub fn check(&self) -> Result<(), NeuralError> {
        if !matches!(self.factor, 1 | 2 | 4) || self.width == 0 || self.head == 0 {
            return Err(NeuralError::Data(format!(
                "shading network: factor must be 1, 2 or 4 (got {}), width and head at least 1 (got {}, {})",
                self.factor, self.width, self.head
            )));
        }
        if self.cond_channels != super::COND_CHANNELS {
            return Err(NeuralError::Data(format!(
                "shading network: {} conditioning channels, but this cinegraph makes {}",
                self.cond_channels,
                super::COND_CHANNELS
            )));
        }
        Ok(())
    }
}

/// `x + conv2(silu(conv1(silu(x))))`.
#[derive(Debug, Clone)]
struct Res {
    conv1: Conv2d,
    conv2: Conv2d,
}

impl Res {
    fn new(c: usize, vb: VarBuilder) -> CandleResult<Self> {
        Ok(Self {
            conv1: conv(c, c, 3, 1, vb.pp("conv1"))?,
            conv2: conv(c, c, 3, 1, vb.pp("conv2"))?,
        })
    }

    fn forward(&self, x: &Tensor) -> CandleResult<Tensor> {
        let h = self.conv1.forward(&x.silu()?)?;
        x + self.conv2.forward(&h.silu()?)?
    }
}

/// `[B, C, H, W]` → `[B, C·f², H/f, W/f]` (each `f × f` block into channels).
///
/// # Errors
/// Sides not divisible by `f`.
pub fn space_to_depth(x: &Tensor, f: usize) -> CandleResult<Tensor> {
    if f == 1 {
        return Ok(x.clone());
    }
    let (b, c, h, w) = x.dims4()?;
    x.reshape((b, c, h / f, f, w / f, f))?
        .permute((0, 1, 3, 5, 2, 4))?
        .reshape((b, c * f * f, h / f, w / f))
}

/// The inverse of [`space_to_depth`].
///
/// # Errors
/// Channels not divisible by `f²`.
pub fn depth_to_space(x: &Tensor, f: usize) -> CandleResult<Tensor> {
    if f == 1 {
        return Ok(x.clone());
    }
    let (b, c, h, w) = x.dims4()?;
    let c0 = c / (f * f);
    x.reshape((b, c0, f, f, h, w))?
        .permute((0, 1, 4, 2, 5, 3))?
        .reshape((b, c0, h * f, w * f))
}

/// The `[n · f, n]` matrix that interpolates `n` samples linearly to `n · f`: output `o`
/// reads source position `(o + ½) / f − ½`, clamped to `[0, n − 1]` (pixel centers; the
/// edge pixels repeat).
fn interpolation_matrix(n: usize, f: usize, device: &Device) -> CandleResult<Tensor> {
    let mut m = vec![0f32; n * f * n];
    for o in 0..n * f {
        let x = ((o as f32 + 0.5) / f as f32 - 0.5).clamp(0.0, (n - 1) as f32);
        let i0 = x.floor() as usize;
        let i1 = (i0 + 1).min(n - 1);
        let t = x - i0 as f32;
        m[o * n + i0] += 1.0 - t;
        m[o * n + i1] += t;
    }
    Tensor::from_vec(m, (n * f, n), device)
}

/// `[B, C, h, w]` → `[B, C, h·f, w·f]` by separable bilinear interpolation
/// ([`interpolation_matrix`] on each side), written as two matrix products so that it
/// has a gradient (candle's `upsample_bilinear2d` has none).
///
/// # Errors
/// Tensor errors.
pub fn upsample_bilinear(x: &Tensor, f: usize) -> CandleResult<Tensor> {
    if f == 1 {
        return Ok(x.clone());
    }
    let (b, c, h, w) = x.dims4()?;
    let rows = interpolation_matrix(h, f, x.device())?;
    let cols = interpolation_matrix(w, f, x.device())?.t()?;
    let x = x.reshape((b * c, h, w))?;
    let tall = rows.broadcast_matmul(&x)?;
    tall.broadcast_matmul(&cols)?.reshape((b, c, h * f, w * f))
}

/// The network (see the module docs).
#[derive(Debug, Clone)]
pub struct ShadingNet {
    cfg: ShadingConfig,
    stem: Conv2d,
    style: Embedding,
    enc: Vec<Res>,
    down: Vec<Conv2d>,
    mid: Res,
    up: Vec<Conv2d>,
    dec: Vec<Res>,
    unfold: Conv2d,
    hidden: Conv2d,
    out: Conv2d,
}

/// Width of the head's hidden layer.
const HEAD_HIDDEN: usize = 16;

impl ShadingNet {
    /// Builds the network's variables under `vb`.
    ///
    /// # Errors
    /// A shape [`ShadingConfig::check`] refuses; tensor errors.
    pub fn new(cfg: &ShadingConfig, vb: VarBuilder) -> Result<Self, NeuralError> {
        cfg.check()?;
        let w = cfg.width;
        let widths = [w, 2 * w, 4 * w, 8 * w];
        let f2 = cfg.factor * cfg.factor;
        let build = || -> CandleResult<Self> {
            Ok(Self {
                cfg: *cfg,
                stem: conv(cfg.cond_channels * f2, w, 1, 1, vb.pp("stem.conv"))?,
                style: embedding(cfg.n_styles + 1, w, vb.pp("stem.style"))?,
                enc: (0..3)
                    .map(|i| Res::new(widths[i], vb.pp(format!("enc.{i}"))))
                    .collect::<CandleResult<_>>()?,
                down: (1..4)
                    .map(|i| conv(widths[i - 1], widths[i], 3, 2, vb.pp(format!("down.{i}"))))
                    .collect::<CandleResult<_>>()?,
                mid: Res::new(widths[3], vb.pp("mid"))?,
                up: (0..3)
                    .map(|i| conv(widths[i + 1], widths[i], 1, 1, vb.pp(format!("up.{i}"))))
                    .collect::<CandleResult<_>>()?,
                dec: (0..3)
                    .map(|i| Res::new(widths[i], vb.pp(format!("dec.{i}"))))
                    .collect::<CandleResult<_>>()?,
                unfold: conv(
                    w,
                    cfg.head * cfg.unfold_factor(),
                    1,
                    1,
                    vb.pp("head.unfold"),
                )?,
                hidden: conv(
                    cfg.head + cfg.cond_channels,
                    HEAD_HIDDEN,
                    1,
                    1,
                    vb.pp("head.hidden"),
                )?,
                out: conv(HEAD_HIDDEN, 3, 1, 1, vb.pp("head.out"))?,
            })
        };
        Ok(build()?)
    }

    /// The shape.
    pub fn config(&self) -> &ShadingConfig {
        &self.cfg
    }

    /// The residual `r̂` `[B, 3, H, W]` in the compressed range, from the conditioning
    /// `[B, cond_channels, H, W]` (sides multiples of [`ShadingConfig::multiple`]) and the
    /// style indices `[B]` (u32, `n_styles` for none).
    ///
    /// # Errors
    /// Shapes that do not fit.
    pub fn forward(&self, cond: &Tensor, style: &Tensor) -> CandleResult<Tensor> {
        let f = self.cfg.factor;
        let x = space_to_depth(cond, f)?;
        let s = self.style.forward(style)?.unsqueeze(2)?.unsqueeze(3)?;
        let mut h = self.stem.forward(&x)?.broadcast_add(&s)?;
        let mut skips = Vec::with_capacity(3);
        for (enc, down) in self.enc.iter().zip(&self.down) {
            h = enc.forward(&h)?;
            skips.push(h.clone());
            h = down.forward(&h.silu()?)?;
        }
        h = self.mid.forward(&h)?;
        for i in (0..3).rev() {
            let skip = &skips[i];
            let (_, _, sh, sw) = skip.dims4()?;
            h = (self.up[i].forward(&h.silu()?)?.upsample_nearest2d(sh, sw)? + skip)?;
            h = self.dec[i].forward(&h)?;
        }
        let feats = self.unfold.forward(&h.silu()?)?;
        let unfolded = match self.cfg.upsample {
            HeadUpsample::Unfold => depth_to_space(&feats, f)?,
            HeadUpsample::Bilinear => upsample_bilinear(&feats, f)?,
        };
        let per_pixel = Tensor::cat(&[&unfolded, cond], 1)?;
        self.out.forward(&self.hidden.forward(&per_pixel)?.silu()?)
    }

    /// The finished frame in the compressed range: the preview (the conditioning's first
    /// three channels) plus [`Self::forward`]'s residual.
    ///
    /// # Errors
    /// Shapes that do not fit.
    pub fn finish(&self, cond: &Tensor, style: &Tensor) -> CandleResult<Tensor> {
        cond.narrow(1, 0, 3)? + self.forward(cond, style)?
    }
}

/// The network with its variables.
pub struct ShadingModel {
    /// The variables.
    pub vars: VarMap,
    /// The network.
    pub net: ShadingNet,
    /// Where the variables live.
    pub device: Device,
}

impl std::fmt::Debug for ShadingModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShadingModel")
            .field("config", self.net.config())
            .finish()
    }
}

impl ShadingModel {
    /// Builds the network on `device` with weights initialized from `seed`
    /// ([`init_weights`]: the same numbers on any device; the head's last layer at 0).
    ///
    /// # Errors
    /// A shape [`ShadingConfig::check`] refuses; tensor errors.
    pub fn new_on(cfg: &ShadingConfig, seed: u64, device: &Device) -> Result<Self, NeuralError> {
        let vars = VarMap::new();
        let net = ShadingNet::new(cfg, VarBuilder::from_varmap(&vars, DType::F32, device))?;
        init_weights(&vars, seed)?;
        Ok(Self {
            vars,
            net,
            device: device.clone(),
        })
    }

    /// Starts this network from `from`'s weights: every variable of the same name and
    /// shape is copied, and an unfolding head's first convolution ([`HeadUpsample::Unfold`])
    /// becomes an interpolating one's ([`HeadUpsample::Bilinear`]) by averaging each
    /// feature's `factor²` per-pixel copies, so the warm-started network begins as the old
    /// one's block-averaged self. Returns how many variables were converted that way.
    ///
    /// # Errors
    /// [`NeuralError::Data`] naming the first variable `from` lacks or whose shape does not
    /// fit (another width, fold or style count).
    pub fn warm_start_from(&self, from: &ShadingModel) -> Result<usize, NeuralError> {
        let source = super::sorted_vars(&from.vars)?;
        // Each of this head's features stands for `group` per-position copies in `from`'s.
        let group = from.net.config().unfold_factor() / self.net.config().unfold_factor();
        let mut converted = 0;
        for (name, var) in super::sorted_vars(&self.vars)? {
            let Some(src) = source.get(&name) else {
                return Err(NeuralError::Data(format!(
                    "warm start: the source checkpoint has no variable {name}"
                )));
            };
            let (want, have) = (var.dims().to_vec(), src.dims().to_vec());
            let t = if want == have {
                src.as_tensor().clone()
            } else if name.starts_with("head.unfold.")
                && group > 1
                && have[0] == want[0] * group
                && have[1..] == want[1..]
            {
                // depth_to_space puts feature c's copies at channels c·f² .. c·f² + f² − 1.
                let mut grouped = vec![want[0], group];
                grouped.extend_from_slice(&want[1..]);
                converted += 1;
                src.as_tensor().reshape(grouped)?.mean(1)?
            } else {
                return Err(NeuralError::Data(format!(
                    "warm start: {name} is {have:?} in the source checkpoint but {want:?} here (another width, fold or style count)"
                )));
            };
            var.set(&t.to_device(&self.device)?)?;
        }
        Ok(converted)
    }

    /// Trainable parameters.
    pub fn parameter_count(&self) -> usize {
        self.vars.all_vars().iter().map(|v| v.elem_count()).sum()
    }

    /// Style index of `style` for this network ([`super::style_index`]'s rule).
    pub fn style_index(&self, style: Option<&str>) -> u32 {
        super::style_index_for(self.net.config().n_styles, style)
    }
}

/// Finishes the frames of one clip in order with a [`ShadingModel`], carrying the
/// finished frame from each frame to the next (warped along the exact flow, it is part of
/// the next frame's conditioning). `M` holds the model: a borrow or a `Box`.
#[derive(Debug)]
pub struct ShadingFinisher<M: Deref<Target = ShadingModel>> {
    model: M,
    style: u32,
    prev: Option<Vec<[f32; 3]>>,
}

impl<M: Deref<Target = ShadingModel>> ShadingFinisher<M> {
    /// A finisher for one clip of a scene with style index `style`.
    ///
    /// # Errors
    /// A style index the model lacks.
    pub fn new(model: M, style: u32) -> Result<Self, NeuralError> {
        let n = model.net.config().n_styles;
        if style as usize > n {
            return Err(NeuralError::Data(format!(
                "style index {style} is outside the model's {n} styles (and {n}: none)"
            )));
        }
        Ok(Self {
            model,
            style,
            prev: None,
        })
    }

    /// Finishes the next frame: linear light, the preview's size. Frames whose sides the
    /// network cannot divide are padded by repeating their edges and cropped back.
    ///
    /// # Errors
    /// An empty frame; tensor errors.
    pub fn finish(&mut self, inputs: &FrameInputs) -> Result<Vec<[f32; 3]>, NeuralError> {
        if inputs.width == 0 || inputs.height == 0 {
            return Err(NeuralError::Data(
                "the finisher needs a non-empty frame".into(),
            ));
        }
        let m = self.model.net.config().multiple();
        super::padded_run(inputs, m, |x| {
            let dev = &self.model.device;
            let cond = x.cond_tensor(self.prev.as_deref())?.to_device(dev)?;
            let style = Tensor::from_vec(vec![self.style], 1, dev)?;
            let out = self.model.net.finish(&cond, &style)?;
            let finished = tensor_image(&out.to_device(&Device::Cpu)?, expand)?;
            self.prev = Some(finished.clone());
            Ok(finished)
        })
    }
}

impl<M: Deref<Target = ShadingModel>> super::FrameFinisher for ShadingFinisher<M> {
    fn finish(&mut self, inputs: &FrameInputs) -> Result<Vec<[f32; 3]>, NeuralError> {
        ShadingFinisher::finish(self, inputs)
    }

    fn start_shot(&mut self, _frame: usize) {
        self.prev = None;
    }
}
