//! A small conditional UNet denoiser in latent space: one down level, one middle block,
//! one up level with a skip connection; residual blocks with group norm and the
//! timestep + style embedding added per channel (as in DDPM's UNet, Ho et al. 2020).
//!
//! It predicts the clean latent `ẑ₀` of a latent `z_t = (1 − t) z₀ + t ε` on the
//! rectified-flow path (Liu et al. 2023, Lipman et al. 2023); the flow's velocity follows
//! as `v = (z_t − ẑ₀) / t`. Predicting the endpoint rather than the velocity ("x-
//! prediction", argued for by Li & He 2025, "Back to Basics: Let Denoising Generative
//! Models Denoise") matters here because the residual latents are small next to the
//! unit noise: a velocity network would have to reproduce `ε` to within the residual's
//! size before its one-step estimate `z_1 − v` were any use. The conditioning image is
//! encoded to the latent grid by a small strided convolution stack whose first layer
//! already works at half resolution.
//!
//! Conditioning channels at image resolution (see [`super::COND_CHANNELS`]): the preview
//! `log(1 + linear)` (3), disparity (1), normals (3), albedo in linear light (3), the
//! flow-warped previous finished frame `log(1 + linear)` (3) and its disocclusion mask (1).
//!
//! Weights (`VarBuilder` key paths), with `h = hidden`, `e = emb_dim`:
//! - `cond.conv_in`: `[h, cond_channels, 3, 3]` stride 2; `cond.down.{i}`: `[h, h, 3, 3]`
//!   stride 2, `i < cond_levels − 1`
//! - `time.0`: `[e, e]` (+ bias `[e]`), `time.1`: `[e, e]`
//! - `style.weight`: `[n_styles, e]`
//! - `conv_in`: `[h, latent_channels + h, 3, 3]`
//! - `enc` (res block `h → h`), `down`: `[2h, h, 3, 3]` stride 2, `mid` (res block
//!   `2h → 2h`), `up`: `[h, 2h, 3, 3]` after ×2 upsampling, `dec` (res block `2h → h`
//!   with a 1×1 `skip`)
//! - res block `{name}`: `norm1.{weight,bias}`, `conv1`, `emb` (linear `e → out`),
//!   `norm2`, `conv2`, optional `skip` (1×1)
//! - `norm_out`, `conv_out`: `[latent_channels, h, 3, 3]`

use candle_core::{DType, Module, Result, Tensor};
use candle_nn::{
    Conv2d, Conv2dConfig, Embedding, GroupNorm, Linear, VarBuilder, conv2d, embedding, group_norm,
    linear,
};
use serde::{Deserialize, Serialize};

/// The denoiser's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DenoiserConfig {
    /// Latent channels (the autoencoder's).
    pub latent_channels: usize,
    /// Conditioning channels at image resolution.
    pub cond_channels: usize,
    /// Stride-2 levels from the image to the latent grid (the autoencoder's `levels`).
    pub cond_levels: usize,
    /// Feature channels at the latent resolution (twice as many one level down);
    /// a multiple of [`Self::groups`].
    pub hidden: usize,
    /// Width of the timestep and style embedding.
    pub emb_dim: usize,
    /// Styles the embedding knows (index into [`crate::style::bundled`]).
    pub n_styles: usize,
    /// Groups of the group norms.
    pub groups: usize,
}

impl Default for DenoiserConfig {
    fn default() -> Self {
        Self {
            latent_channels: 4,
            cond_channels: super::COND_CHANNELS,
            cond_levels: 2,
            hidden: 24,
            emb_dim: 32,
            n_styles: 8,
            groups: 8,
        }
    }
}

/// A `k × k` convolution with `k / 2` padding (the finishing networks' one kind).
pub(super) fn conv(i: usize, o: usize, k: usize, stride: usize, vb: VarBuilder) -> Result<Conv2d> {
    conv2d(
        i,
        o,
        k,
        Conv2dConfig {
            padding: k / 2,
            stride,
            ..Default::default()
        },
        vb,
    )
}

/// A residual block with the embedding added after the first convolution.
#[derive(Debug, Clone)]
struct ResBlock {
    norm1: GroupNorm,
    conv1: Conv2d,
    emb: Linear,
    norm2: GroupNorm,
    conv2: Conv2d,
    skip: Option<Conv2d>,
}

impl ResBlock {
    fn new(i: usize, o: usize, cfg: &DenoiserConfig, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            norm1: group_norm(cfg.groups, i, 1e-5, vb.pp("norm1"))?,
            conv1: conv(i, o, 3, 1, vb.pp("conv1"))?,
            emb: linear(cfg.emb_dim, o, vb.pp("emb"))?,
            norm2: group_norm(cfg.groups, o, 1e-5, vb.pp("norm2"))?,
            conv2: conv(o, o, 3, 1, vb.pp("conv2"))?,
            skip: if i == o {
                None
            } else {
                Some(conv(i, o, 1, 1, vb.pp("skip"))?)
            },
        })
    }

    fn forward(&self, x: &Tensor, emb: &Tensor) -> Result<Tensor> {
        let h = self.conv1.forward(&self.norm1.forward(x)?.silu()?)?;
        let e = self.emb.forward(&emb.silu()?)?.unsqueeze(2)?.unsqueeze(3)?;
        let h = h.broadcast_add(&e)?;
        let h = self.conv2.forward(&self.norm2.forward(&h)?.silu()?)?;
        let skip = match &self.skip {
            Some(s) => s.forward(x)?,
            None => x.clone(),
        };
        h + skip
    }
}

/// Sinusoidal embedding of `t ∈ [0, 1]` (scaled by 1000, as DDPM's timesteps), `[B, dim]`.
///
/// # Errors
/// Shape errors from candle.
pub fn timestep_embedding(t: &Tensor, dim: usize) -> Result<Tensor> {
    let half = dim / 2;
    let freqs: Vec<f32> = (0..half)
        .map(|i| (-(10_000f32.ln()) * i as f32 / half.max(1) as f32).exp())
        .collect();
    let freqs = Tensor::from_vec(freqs, (1, half), t.device())?;
    let args = (t.to_dtype(DType::F32)? * 1000.0)?
        .unsqueeze(1)?
        .broadcast_mul(&freqs)?;
    Tensor::cat(&[args.sin()?, args.cos()?], 1)
}

/// The conditional denoiser.
#[derive(Debug, Clone)]
pub struct Denoiser {
    cond_in: Conv2d,
    cond_down: Vec<Conv2d>,
    time0: Linear,
    time1: Linear,
    style: Embedding,
    conv_in: Conv2d,
    enc: ResBlock,
    down: Conv2d,
    mid: ResBlock,
    up: Conv2d,
    dec: ResBlock,
    norm_out: GroupNorm,
    conv_out: Conv2d,
    cfg: DenoiserConfig,
}

impl Denoiser {
    /// Builds the network from `vb`.
    ///
    /// # Errors
    /// A missing tensor or one of the wrong shape; a `hidden` that is not a multiple of
    /// `groups`.
    pub fn new(cfg: &DenoiserConfig, vb: VarBuilder) -> Result<Self> {
        let (h, e) = (cfg.hidden, cfg.emb_dim);
        if cfg.groups == 0 || h % cfg.groups != 0 || e % 2 != 0 || cfg.n_styles == 0 {
            candle_core::bail!(
                "denoiser: hidden {h} must be a multiple of groups {}, emb_dim {e} even, n_styles {} > 0",
                cfg.groups,
                cfg.n_styles
            );
        }
        let c = vb.pp("cond");
        Ok(Self {
            cond_in: conv(
                cfg.cond_channels,
                h,
                3,
                if cfg.cond_levels > 0 { 2 } else { 1 },
                c.pp("conv_in"),
            )?,
            cond_down: (1..cfg.cond_levels.max(1))
                .map(|i| i - 1)
                .map(|i| conv(h, h, 3, 2, c.pp("down").pp(i)))
                .collect::<Result<_>>()?,
            time0: linear(e, e, vb.pp("time").pp(0))?,
            time1: linear(e, e, vb.pp("time").pp(1))?,
            style: embedding(cfg.n_styles, e, vb.pp("style"))?,
            conv_in: conv(cfg.latent_channels + h, h, 3, 1, vb.pp("conv_in"))?,
            enc: ResBlock::new(h, h, cfg, vb.pp("enc"))?,
            down: conv(h, 2 * h, 3, 2, vb.pp("down"))?,
            mid: ResBlock::new(2 * h, 2 * h, cfg, vb.pp("mid"))?,
            up: conv(2 * h, h, 3, 1, vb.pp("up"))?,
            dec: ResBlock::new(2 * h, h, cfg, vb.pp("dec"))?,
            norm_out: group_norm(cfg.groups, h, 1e-5, vb.pp("norm_out"))?,
            conv_out: conv(h, cfg.latent_channels, 3, 1, vb.pp("conv_out"))?,
            cfg: *cfg,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &DenoiserConfig {
        &self.cfg
    }

    /// The conditioning encoded to the latent grid, `[B, hidden, h, w]`: compute it once
    /// per frame and reuse it for every sampler step.
    ///
    /// # Errors
    /// The wrong channel count, or sides not divisible by `2^cond_levels`.
    pub fn encode_cond(&self, cond: &Tensor) -> Result<Tensor> {
        let (_, c, h, w) = cond.dims4()?;
        let f = 1usize << self.cfg.cond_levels;
        if c != self.cfg.cond_channels || h % (2 * f) != 0 || w % (2 * f) != 0 {
            candle_core::bail!(
                "denoiser: conditioning [_, {c}, {h}, {w}] needs {} channels and sides divisible by {}",
                self.cfg.cond_channels,
                2 * f
            );
        }
        let mut x = self.cond_in.forward(cond)?.silu()?;
        for d in &self.cond_down {
            x = d.forward(&x)?.silu()?;
        }
        Ok(x)
    }

    /// The clean latent `ẑ₀` for latents `z_t` `[B, latent, h, w]` at times `t` `[B]`, styles
    /// `style` `[B]` (u32 indices; `n_styles` itself means "no style": the mean of the
    /// styles' embeddings) and encoded conditioning `cond` (from [`Self::encode_cond`]).
    ///
    /// # Errors
    /// Shape errors from candle; a style index out of range.
    pub fn forward(&self, z: &Tensor, t: &Tensor, style: &Tensor, cond: &Tensor) -> Result<Tensor> {
        let temb = timestep_embedding(t, self.cfg.emb_dim)?;
        let temb = self.time1.forward(&self.time0.forward(&temb)?.silu()?)?;
        let table = self.style.embeddings();
        let table = Tensor::cat(&[table, &table.mean_keepdim(0)?], 0)?;
        let emb = (temb + table.index_select(style, 0)?)?;
        let x = self.conv_in.forward(&Tensor::cat(&[z, cond], 1)?)?;
        let skip = self.enc.forward(&x, &emb)?;
        let x = self.down.forward(&skip)?.silu()?;
        let x = self.mid.forward(&x, &emb)?;
        let (_, _, h, w) = x.dims4()?;
        let x = self
            .up
            .forward(&x.upsample_nearest2d(h * 2, w * 2)?)?
            .silu()?;
        let x = self.dec.forward(&Tensor::cat(&[&x, &skip], 1)?, &emb)?;
        self.conv_out.forward(&self.norm_out.forward(&x)?.silu()?)
    }
}
