//! Stable Diffusion 2 depth as a frame finisher: latent diffusion (Rombach et al., "High-
//! Resolution Image Synthesis with Latent Diffusion Models", CVPR 2022) whose UNet sees a
//! fifth input channel, the depth map, sampled with deterministic DDIM (Song, Meng &
//! Ermon, "Denoising Diffusion Implicit Models", ICLR 2021, `η = 0`) as an img2img pass
//! over the raster preview, with classifier-free guidance (Ho & Salimans 2022).
//!
//! Per frame, as diffusers' `StableDiffusionDepth2ImgPipeline` does, except that the
//! depth is our exact disparity rather than a monocular estimate (DPT):
//! 1. depth: the disparity averaged over each latent cell, then normalised to `[-1, 1]`
//!    per frame (nearest = 1), the UNet's fifth channel;
//! 2. the preview, sRGB-encoded to `[-1, 1]`, is encoded to latents (the VAE's mean, or
//!    TAESD), and noised to the timestep that `strength` selects with the frame's
//!    initial noise;
//! 3. DDIM steps on the epsilon (or v) prediction, guided by the prompt;
//! 4. decoding (VAE or TAESD), back to linear light.
//!
//! Temporal consistency: the initial noise of frame `t` is frame `t − 1`'s carried along
//! the exact backward flow at latent resolution and re-Gaussianised, fresh where
//! disoccluded and after a cut (P. Chang et al., "How I Warped Your Noise", ICLR 2024;
//! [`crate::neural::noise`]).

use std::ops::Deref;

use candle_core::{Device, Module, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::stable_diffusion::{
    ddim::DDIMSchedulerConfig,
    schedulers::SchedulerConfig,
    unet_2d::UNet2DConditionModel,
    unet_2d_blocks::{
        DownEncoderBlock2D, DownEncoderBlock2DConfig, UNetMidBlock2D, UNetMidBlock2DConfig,
    },
    vae::{AutoEncoderKL, AutoEncoderKLConfig},
};

use super::PublishedOptions;
use super::clip_text::ClipTextModel;
use super::clip_tokenizer::ClipTokenizer;
use super::taesd::TinyAutoencoder;
use crate::math::{linear_to_srgb, srgb_to_linear};
use crate::neural::noise::{NoiseField, next_noise};
use crate::neural::{FrameFinisher, FrameInputs, NeuralError, image_tensor, tensor_image};

/// The encoder half of the VAE, returning the mean of the latent distribution.
///
/// candle's `AutoEncoderKL::encode` returns a distribution whose mean is private and whose
/// `sample` draws from an unseeded generator, so a frame would not be reproducible. This
/// is the same network (diffusers' `Encoder` + `quant_conv`), built from candle's public
/// blocks on the same weights, keeping the first half of the moments (diffusers'
/// `latent_dist.mode()`).
#[derive(Debug)]
pub struct KlEncoder {
    conv_in: candle_nn::Conv2d,
    down: Vec<DownEncoderBlock2D>,
    mid: UNetMidBlock2D,
    norm_out: candle_nn::GroupNorm,
    conv_out: candle_nn::Conv2d,
    quant_conv: Option<candle_nn::Conv2d>,
    latent_channels: usize,
}

impl KlEncoder {
    /// Builds the encoder on the VAE's weights (keys `encoder.*`, `quant_conv.*`).
    ///
    /// # Errors
    /// Missing or misshapen tensors.
    pub fn new(cfg: &AutoEncoderKLConfig, vb: VarBuilder) -> candle_core::Result<Self> {
        let pad1 = candle_nn::Conv2dConfig {
            padding: 1,
            ..Default::default()
        };
        let ch = &cfg.block_out_channels;
        let (Some(&first), Some(&last)) = (ch.first(), ch.last()) else {
            candle_core::bail!("the VAE has no blocks");
        };
        let g = cfg.norm_num_groups;
        let e = vb.pp("encoder");
        let conv_in = candle_nn::conv2d(3, first, 3, pad1, e.pp("conv_in"))?;
        let down = ch
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let block = DownEncoderBlock2DConfig {
                    num_layers: cfg.layers_per_block,
                    resnet_eps: 1e-6,
                    resnet_groups: g,
                    add_downsample: i + 1 < ch.len(),
                    downsample_padding: 0,
                    ..Default::default()
                };
                let c_in = if i > 0 { ch[i - 1] } else { first };
                DownEncoderBlock2D::new(e.pp("down_blocks").pp(i.to_string()), c_in, c, block)
            })
            .collect::<candle_core::Result<Vec<_>>>()?;
        let mid = UNetMidBlock2D::new(
            e.pp("mid_block"),
            last,
            None,
            UNetMidBlock2DConfig {
                resnet_eps: 1e-6,
                output_scale_factor: 1.0,
                attn_num_head_channels: None,
                resnet_groups: Some(g),
                ..Default::default()
            },
        )?;
        let norm_out = candle_nn::group_norm(g, last, 1e-6, e.pp("conv_norm_out"))?;
        let moments = 2 * cfg.latent_channels;
        let conv_out = candle_nn::conv2d(last, moments, 3, pad1, e.pp("conv_out"))?;
        let quant_conv = if cfg.use_quant_conv {
            Some(candle_nn::conv2d(
                moments,
                moments,
                1,
                Default::default(),
                vb.pp("quant_conv"),
            )?)
        } else {
            None
        };
        Ok(Self {
            conv_in,
            down,
            mid,
            norm_out,
            conv_out,
            quant_conv,
            latent_channels: cfg.latent_channels,
        })
    }

    /// Images `[B, 3, H, W]` in `[-1, 1]` to the latent mean (unscaled).
    ///
    /// # Errors
    /// Tensor errors.
    pub fn forward(&self, xs: &Tensor) -> candle_core::Result<Tensor> {
        let mut h = self.conv_in.forward(xs)?;
        for d in &self.down {
            h = d.forward(&h)?;
        }
        let h = self.mid.forward(&h, None)?;
        let h = candle_nn::ops::silu(&self.norm_out.forward(&h)?)?;
        let mut m = self.conv_out.forward(&h)?;
        if let Some(q) = &self.quant_conv {
            m = q.forward(&m)?;
        }
        m.narrow(1, 0, self.latent_channels)
    }
}

/// The image ↔ latent networks in use.
pub enum Autoencoder {
    /// Stable Diffusion's VAE (`vae/`), its latents scaled by `scaling`.
    Kl {
        /// The encoder, deterministic.
        encoder: Box<KlEncoder>,
        /// The VAE (its decoder is used).
        vae: Box<AutoEncoderKL>,
        /// `scaling_factor` (0.18215).
        scaling: f64,
    },
    /// TAESD (`taesd/`).
    Tiny(TinyAutoencoder),
}

impl Autoencoder {
    /// Images in `[-1, 1]` to scaled latents.
    ///
    /// # Errors
    /// Tensor errors.
    pub fn encode(&self, xs: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            Self::Kl {
                encoder, scaling, ..
            } => encoder.forward(xs)? * *scaling,
            Self::Tiny(t) => t.encode(xs),
        }
    }

    /// Scaled latents to images in `[-1, 1]`.
    ///
    /// # Errors
    /// Tensor errors.
    pub fn decode(&self, z: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            Self::Kl { vae, scaling, .. } => vae.decode(&(z / *scaling)?),
            Self::Tiny(t) => t.decode(z),
        }
    }

    /// `"vae"` or `"taesd"`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Kl { .. } => "vae",
            Self::Tiny(_) => "taesd",
        }
    }
}

/// A loaded Stable Diffusion 2 depth checkpoint (see [`super::load`]).
pub struct PublishedModel {
    pub(super) unet: UNet2DConditionModel,
    pub(super) text: ClipTextModel,
    pub(super) tokenizer: ClipTokenizer,
    pub(super) autoencoder: Autoencoder,
    pub(super) scheduler: DDIMSchedulerConfig,
    /// Image pixels per latent cell (8).
    pub(super) latent_factor: usize,
    pub(super) latent_channels: usize,
    /// Down blocks of the UNet (each after the first halves the latent).
    pub(super) unet_blocks: usize,
    pub(super) options: PublishedOptions,
    pub(super) source: std::path::PathBuf,
}

impl std::fmt::Debug for PublishedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublishedModel")
            .field("source", &self.source)
            .field("autoencoder", &self.autoencoder.name())
            .field("text", self.text.config())
            .field("scheduler", &self.scheduler)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl PublishedModel {
    /// Frame sides must be multiples of this: the autoencoder's factor times the UNet's
    /// downsampling (64 for Stable Diffusion 2).
    pub fn side_multiple(&self) -> usize {
        self.latent_factor << self.unet_blocks.saturating_sub(1)
    }

    /// Which autoencoder encodes and decodes: `"vae"` or `"taesd"`.
    pub fn autoencoder_name(&self) -> &'static str {
        self.autoencoder.name()
    }

    /// The options it was loaded with.
    pub fn options(&self) -> &PublishedOptions {
        &self.options
    }

    /// The text embeddings `[1, 77, D]` of `prompt`.
    ///
    /// # Errors
    /// Tensor errors.
    pub fn encode_prompt(&self, prompt: &str) -> Result<Tensor, NeuralError> {
        let ids = self.tokenizer.encode(prompt);
        let n = ids.len();
        let ids = Tensor::from_vec(ids, (1, n), &Device::Cpu)?;
        Ok(self.text.forward(&ids)?)
    }

    /// A finisher for one clip: `steps` DDIM steps over the whole schedule, of which the
    /// last `⌊steps · strength⌋` run (img2img: `strength` 1 starts from almost pure
    /// noise, small values stay close to the preview), guided by `prompt`.
    ///
    /// # Errors
    /// `steps` outside `1..=num_train_timesteps`, `strength` outside `(0, 1]` or too
    /// small to run one step; tensor errors from encoding the prompt.
    pub fn finisher(
        &self,
        seed: u64,
        steps: usize,
        prompt: &str,
        strength: f32,
    ) -> Result<PublishedFinisher<&Self>, NeuralError> {
        PublishedFinisher::new(self, seed, steps, prompt, strength)
    }
}

/// The depth channel `[1, 1, H/f, W/f]`: disparity averaged over `f × f` cells, then
/// mapped to `[-1, 1]` per frame (largest disparity, the nearest surface, to 1), as the
/// depth pipeline normalises DPT's output; a frame of one depth gives 0.
///
/// # Errors
/// Tensor errors.
pub fn depth_condition(
    disparity: &[f32],
    width: usize,
    height: usize,
    f: usize,
) -> Result<Tensor, NeuralError> {
    let f = f.max(1);
    let (cw, ch) = (width / f, height / f);
    let mut cells = vec![0.0f32; cw * ch];
    for (i, cell) in cells.iter_mut().enumerate() {
        let (cx, cy) = (i % cw, i / cw);
        let mut sum = 0.0;
        for y in cy * f..(cy + 1) * f {
            for x in cx * f..(cx + 1) * f {
                let d = disparity.get(y * width + x).copied().unwrap_or(0.0);
                sum += if d.is_finite() { d } else { 0.0 };
            }
        }
        *cell = sum / (f * f) as f32;
    }
    let lo = cells.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = cells.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let range = hi - lo;
    for c in &mut cells {
        *c = if range > 1e-12 {
            2.0 * (*c - lo) / range - 1.0
        } else {
            0.0
        };
    }
    Ok(Tensor::from_vec(cells, (1, 1, ch, cw), &Device::Cpu)?)
}

/// Finishes the frames of one clip with a published checkpoint, in order.
///
/// `M` holds the model: a borrow (from [`PublishedModel::finisher`]) or an owner
/// (`Box<PublishedModel>`, as [`crate::neural::Finisher`] keeps it).
pub struct PublishedFinisher<M: Deref<Target = PublishedModel>> {
    model: M,
    seed: u64,
    steps: usize,
    /// Index of the first of the scheduler's timesteps that runs.
    start: usize,
    /// Prompt embeddings, `[2, 77, D]` (unconditional first) with guidance, else `[1, ..]`.
    text: Tensor,
    prev: Option<NoiseField>,
    frame: usize,
}

impl<M: Deref<Target = PublishedModel>> std::fmt::Debug for PublishedFinisher<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublishedFinisher")
            .field("seed", &self.seed)
            .field("steps", &self.steps)
            .field("start", &self.start)
            .field("frame", &self.frame)
            .finish_non_exhaustive()
    }
}

impl<M: Deref<Target = PublishedModel>> PublishedFinisher<M> {
    /// A finisher for one clip of `model` (see [`PublishedModel::finisher`]).
    ///
    /// # Errors
    /// As [`PublishedModel::finisher`].
    pub fn new(
        model: M,
        seed: u64,
        steps: usize,
        prompt: &str,
        strength: f32,
    ) -> Result<Self, NeuralError> {
        let train = model.scheduler.train_timesteps;
        if steps == 0 || steps > train {
            return Err(NeuralError::Data(format!(
                "steps must be in 1..={train}, got {steps}"
            )));
        }
        if !(strength > 0.0 && strength <= 1.0) {
            return Err(NeuralError::Data(format!(
                "strength must be in (0, 1], got {strength}"
            )));
        }
        let run = ((steps as f32 * strength) as usize).min(steps);
        if run == 0 {
            return Err(NeuralError::Data(format!(
                "strength {strength} runs no step of {steps}: raise either"
            )));
        }
        let cond = model.encode_prompt(prompt)?;
        let text = if model.options.guidance_scale > 1.0 {
            let uncond = model.encode_prompt(&model.options.negative_prompt)?;
            Tensor::cat(&[&uncond, &cond], 0)?
        } else {
            cond
        };
        Ok(Self {
            model,
            seed,
            steps,
            start: steps - run,
            text,
            prev: None,
            frame: 0,
        })
    }

    /// The initial noise of the next frame at latent resolution: fresh for the first
    /// frame and after a cut, else the previous frame's noise warped along the backward
    /// flow (fresh where disoccluded).
    ///
    /// # Errors
    /// Sizes that disagree.
    pub fn initial_noise(&self, inputs: &FrameInputs) -> Result<NoiseField, NeuralError> {
        next_noise(
            self.prev.as_ref(),
            inputs,
            self.model.latent_factor,
            self.model.latent_channels,
            self.seed,
            &format!("sd2-depth-noise/{}", self.frame),
        )
    }

    fn check(&self, inputs: &FrameInputs) -> Result<(), NeuralError> {
        let m = self.model.side_multiple();
        let (w, h) = (inputs.width, inputs.height);
        if w == 0 || h == 0 || !w.is_multiple_of(m) || !h.is_multiple_of(m) {
            return Err(NeuralError::Data(format!(
                "this checkpoint needs frame sides that are positive multiples of {m} \
                 (the autoencoder's factor {} times the UNet's {} downsamplings), got {w}x{h}",
                self.model.latent_factor,
                self.model.unet_blocks.saturating_sub(1)
            )));
        }
        let n = w * h;
        let sizes = [
            inputs.preview.len(),
            inputs.disparity.len(),
            inputs.flow_bwd.len(),
            inputs.disoccluded.len(),
        ];
        if sizes.iter().any(|&s| s != n) {
            return Err(NeuralError::Data(format!(
                "frame inputs: preview, disparity, flow and mask of {sizes:?} pixels for a {w}x{h} frame"
            )));
        }
        Ok(())
    }

    /// Finishes the next frame: linear light, the preview's size.
    ///
    /// # Errors
    /// Sides that are not multiples of [`PublishedModel::side_multiple`]; buffers of the
    /// wrong size; tensor errors.
    pub fn finish(&mut self, inputs: &FrameInputs) -> Result<Vec<[f32; 3]>, NeuralError> {
        let _span = tracing::debug_span!("sd2_depth_frame", frame = self.frame).entered();
        self.check(inputs)?;
        let model = &*self.model;
        let (w, h) = (inputs.width, inputs.height);
        let noise = self.initial_noise(inputs)?;
        let image = image_tensor(&inputs.preview, w, h, |v| linear_to_srgb(v) * 2.0 - 1.0)?;
        let init = model.autoencoder.encode(&image)?;
        let depth = depth_condition(&inputs.disparity, w, h, model.latent_factor)?;
        let mut scheduler = model.scheduler.build(self.steps)?;
        let timesteps = scheduler
            .timesteps()
            .get(self.start..)
            .unwrap_or(&[])
            .to_vec();
        let Some(&t0) = timesteps.first() else {
            return Err(NeuralError::Data("the schedule has no step to run".into()));
        };
        let z = Tensor::from_vec(
            noise.data.clone(),
            (1, noise.channels, noise.height, noise.width),
            &Device::Cpu,
        )?;
        let mut latents = scheduler.add_noise(&init, z, t0)?;
        let guidance = f64::from(model.options.guidance_scale);
        for &t in &timesteps {
            let x = Tensor::cat(&[&latents, &depth], 1)?;
            let eps = if self.text.dim(0)? == 2 {
                let x2 = Tensor::cat(&[&x, &x], 0)?;
                let e = model.unet.forward(&x2, t as f64, &self.text)?;
                let (uncond, cond) = (e.narrow(0, 0, 1)?, e.narrow(0, 1, 1)?);
                (&uncond + ((cond - &uncond)? * guidance)?)?
            } else {
                model.unet.forward(&x, t as f64, &self.text)?
            };
            latents = scheduler.step(&eps, t, &latents)?;
        }
        let decoded = model.autoencoder.decode(&latents)?;
        let finished = tensor_image(&decoded, |v| srgb_to_linear((v + 1.0) * 0.5))?;
        self.prev = Some(noise);
        self.frame += 1;
        Ok(finished)
    }

    /// Forgets the history (a cut: the next frame starts from fresh noise).
    pub fn cut(&mut self) {
        self.prev = None;
    }

    /// Forgets the history and numbers the next frame `frame` (see
    /// [`FrameFinisher::start_shot`]).
    pub fn start_shot(&mut self, frame: usize) {
        self.prev = None;
        self.frame = frame;
    }
}

impl<M: Deref<Target = PublishedModel>> FrameFinisher for PublishedFinisher<M> {
    fn finish(&mut self, inputs: &FrameInputs) -> Result<Vec<[f32; 3]>, NeuralError> {
        PublishedFinisher::finish(self, inputs)
    }

    fn start_shot(&mut self, frame: usize) {
        PublishedFinisher::start_shot(self, frame);
    }
}
