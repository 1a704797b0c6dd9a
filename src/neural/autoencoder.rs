//! A tiny convolutional autoencoder, image ↔ latent at `1 / 2^levels` resolution, in the
//! spirit of TAESD (a few stride-2 convolutions down, nearest-neighbour upsampling and
//! convolutions up, no attention, no KL term).
//!
//! What it encodes here is the *residual image*: `log(1 + reference) − log(1 + preview)`
//! in linear light, i.e. what the path tracer adds to the raster preview. The finished
//! frame is `preview · exp(decoded) + (exp(decoded) − 1)`, so the preview's full-resolution
//! detail is never lost through the latent bottleneck.
//!
//! The decoder is *guided*: at full resolution it also sees the frame's conditioning
//! buffers (preview, disparity, normals, albedo, segmentation, history; see
//! [`super::COND_CHANNELS`]), so a residual carried at `1 / 2^levels` resolution in the
//! latent lands on the exact edges of the raster's buffers instead of blurring across
//! them (a conditional decoder, as the guided upsampling of joint bilateral filters,
//! Kopf et al. 2007, does with a hand-made kernel).
//!
//! Weights (`VarBuilder` key paths):
//! - `encoder.conv_in.{weight,bias}`: `[hidden, image_channels, 3, 3]`
//! - `encoder.down.{i}.{weight,bias}`: `[hidden, hidden, 3, 3]`, stride 2, `i < levels`
//! - `encoder.conv_out.{weight,bias}`: `[latent_channels, hidden, 3, 3]`
//! - `decoder.conv_in.{weight,bias}`: `[hidden, latent_channels, 3, 3]`
//! - `decoder.up.{i}.{weight,bias}`: `[hidden, hidden, 3, 3]` after a ×2 upsampling
//! - `decoder.guide.{weight,bias}`: `[hidden, guide_channels, 1, 1]` (when
//!   `guide_channels > 0`), added to the upsampled features
//! - `decoder.refine.{weight,bias}`: `[hidden, hidden, 1, 1]` (when `guide_channels > 0`)
//! - `decoder.conv_out.{weight,bias}`: `[image_channels, hidden, 3, 3]`

use candle_core::{Module, Result, Tensor};
use candle_nn::{Conv2d, Conv2dConfig, VarBuilder, conv2d};
use serde::{Deserialize, Serialize};

/// The autoencoder's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoencoderConfig {
    /// Image channels (3: RGB).
    pub image_channels: usize,
    /// Latent channels.
    pub latent_channels: usize,
    /// Feature channels of every hidden layer.
    pub hidden: usize,
    /// Stride-2 levels: the latent is `1 / 2^levels` of the image's size.
    pub levels: usize,
    /// Conditioning channels the decoder sees at full resolution (0: none).
    #[serde(default)]
    pub guide_channels: usize,
}

impl Default for AutoencoderConfig {
    fn default() -> Self {
        Self {
            image_channels: 3,
            latent_channels: 4,
            hidden: 12,
            levels: 2,
            guide_channels: super::COND_CHANNELS,
        }
    }
}

impl AutoencoderConfig {
    /// Image pixels per latent cell along each axis.
    pub fn factor(&self) -> usize {
        1 << self.levels
    }
}

fn conv(i: usize, o: usize, stride: usize, vb: VarBuilder) -> Result<Conv2d> {
    conv2d(
        i,
        o,
        3,
        Conv2dConfig {
            padding: 1,
            stride,
            ..Default::default()
        },
        vb,
    )
}

/// Image → latent.
#[derive(Debug, Clone)]
pub struct Encoder {
    conv_in: Conv2d,
    down: Vec<Conv2d>,
    conv_out: Conv2d,
}

impl Encoder {
    /// Builds the encoder from `vb` (prefix `encoder` is added by [`Autoencoder::new`]).
    ///
    /// # Errors
    /// A missing tensor or one of the wrong shape.
    pub fn new(cfg: &AutoencoderConfig, vb: VarBuilder) -> Result<Self> {
        let h = cfg.hidden;
        Ok(Self {
            conv_in: conv(cfg.image_channels, h, 1, vb.pp("conv_in"))?,
            down: (0..cfg.levels)
                .map(|i| conv(h, h, 2, vb.pp("down").pp(i)))
                .collect::<Result<_>>()?,
            conv_out: conv(h, cfg.latent_channels, 1, vb.pp("conv_out"))?,
        })
    }
}

impl Module for Encoder {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut x = self.conv_in.forward(x)?.silu()?;
        for d in &self.down {
            x = d.forward(&x)?.silu()?;
        }
        self.conv_out.forward(&x)
    }
}

/// Latent (+ guide) → image.
#[derive(Debug, Clone)]
pub struct Decoder {
    conv_in: Conv2d,
    up: Vec<Conv2d>,
    guide: Option<(Conv2d, Conv2d)>,
    conv_out: Conv2d,
}

impl Decoder {
    /// Builds the decoder from `vb`.
    ///
    /// # Errors
    /// A missing tensor or one of the wrong shape.
    pub fn new(cfg: &AutoencoderConfig, vb: VarBuilder) -> Result<Self> {
        let h = cfg.hidden;
        Ok(Self {
            conv_in: conv(cfg.latent_channels, h, 1, vb.pp("conv_in"))?,
            up: (0..cfg.levels)
                .map(|i| conv(h, h, 1, vb.pp("up").pp(i)))
                .collect::<Result<_>>()?,
            guide: if cfg.guide_channels > 0 {
                // 1×1: pointwise, so the full-resolution guide costs no im2col copy; the
                // latent's upsampled features carry the spatial context.
                Some((
                    conv2d(cfg.guide_channels, h, 1, Default::default(), vb.pp("guide"))?,
                    conv2d(h, h, 1, Default::default(), vb.pp("refine"))?,
                ))
            } else {
                None
            },
            conv_out: conv(h, cfg.image_channels, 1, vb.pp("conv_out"))?,
        })
    }

    /// Decodes `z`, guided by the full-resolution conditioning `guide` when the decoder
    /// has a guide (ignored otherwise).
    ///
    /// # Errors
    /// A guide missing or of the wrong size; shape errors from candle.
    pub fn forward(&self, z: &Tensor, guide: Option<&Tensor>) -> Result<Tensor> {
        let mut x = self.conv_in.forward(z)?.silu()?;
        for u in &self.up {
            let (_, _, h, w) = x.dims4()?;
            x = u.forward(&x.upsample_nearest2d(h * 2, w * 2)?)?.silu()?;
        }
        if let Some((g, refine)) = &self.guide {
            let Some(guide) = guide else {
                candle_core::bail!("autoencoder: this decoder needs the conditioning as a guide");
            };
            x = refine.forward(&(x + g.forward(guide)?)?.silu()?)?.silu()?;
        }
        self.conv_out.forward(&x)
    }
}

/// The encoder and decoder.
#[derive(Debug, Clone)]
pub struct Autoencoder {
    /// Image → latent.
    pub encoder: Encoder,
    /// Latent → image.
    pub decoder: Decoder,
    cfg: AutoencoderConfig,
}

impl Autoencoder {
    /// Builds both halves under `encoder.*` and `decoder.*`.
    ///
    /// # Errors
    /// A missing tensor or one of the wrong shape.
    pub fn new(cfg: &AutoencoderConfig, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            encoder: Encoder::new(cfg, vb.pp("encoder"))?,
            decoder: Decoder::new(cfg, vb.pp("decoder"))?,
            cfg: *cfg,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &AutoencoderConfig {
        &self.cfg
    }

    /// `[B, image_channels, H, W]` → `[B, latent_channels, H / f, W / f]`.
    ///
    /// # Errors
    /// The wrong channel count, or sides not divisible by [`AutoencoderConfig::factor`].
    pub fn encode(&self, x: &Tensor) -> Result<Tensor> {
        let (_, c, h, w) = x.dims4()?;
        let f = self.cfg.factor();
        if c != self.cfg.image_channels || h % f != 0 || w % f != 0 {
            candle_core::bail!(
                "autoencoder: input [_, {c}, {h}, {w}] needs {} channels and sides divisible by {f}",
                self.cfg.image_channels
            );
        }
        self.encoder.forward(x)
    }

    /// `[B, latent_channels, h, w]` → `[B, image_channels, h · f, w · f]`, guided by the
    /// conditioning `[B, guide_channels, h · f, w · f]` when the decoder has a guide.
    ///
    /// # Errors
    /// Shape errors from candle.
    pub fn decode(&self, z: &Tensor, guide: Option<&Tensor>) -> Result<Tensor> {
        self.decoder.forward(z, guide)
    }
}
