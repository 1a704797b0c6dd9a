//! Published checkpoints a user already has, loaded from a local folder: Stable Diffusion
//! 2 depth (`stabilityai/stable-diffusion-2-depth`, diffusers layout) and, optionally,
//! TAESD (`madebyollin/taesd`) as its fast autoencoder; a
//! [`FrameFinisher`](super::FrameFinisher) that finishes rendered frames with them,
//! conditioned on our exact depth and kept stable over time by noise warped along the
//! exact flow.
//!
//! Input: a folder ([`load`]) and per frame a [`FrameInputs`](super::FrameInputs)
//! (preview in linear light, disparity, backward flow, disocclusion mask). Output: the
//! finished frame in linear light at the preview's size. Invariants: sides are multiples
//! of [`PublishedModel::side_multiple`] (64 for Stable Diffusion 2); for a fixed folder,
//! seed, prompt, options and build, a clip is reproducible (no unseeded randomness: the
//! VAE encodes to its mean, DDIM runs with `η = 0`).
//!
//! The UNet, the VAE and the DDIM scheduler are candle-transformers'; the text encoder
//! ([`ClipTextModel`]), its tokenizer ([`ClipTokenizer`]) and TAESD ([`TinyAutoencoder`])
//! are written here. Every weights file goes through a checking `VarBuilder` backend
//! ([`CheckedWeights`]), so a missing or misshapen tensor is reported with its file, name
//! and expected shape.

mod clip_text;
mod clip_tokenizer;
mod config;
mod sd2_depth;
mod taesd;
mod weights;

use std::path::{Path, PathBuf};

use candle_transformers::models::stable_diffusion::{
    unet_2d::UNet2DConditionModel, vae::AutoEncoderKL,
};

pub use crate::neural::noise::next_noise;
pub use clip_text::{Activation, ClipTextConfig, ClipTextModel};
pub use clip_tokenizer::ClipTokenizer;
pub use sd2_depth::{Autoencoder, KlEncoder, PublishedFinisher, PublishedModel, depth_condition};
pub use taesd::{TinyAutoencoder, TinyAutoencoderConfig};
pub use weights::CheckedWeights;

use super::NeuralError;
use config::{
    SchedulerFile, SpecialTokensFile, TextEncoderFile, TinyFile, UNetFile, VaeFile, read_json,
};

/// When TAESD replaces the VAE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TinyAutoencoderUse {
    /// When the folder has `taesd/diffusion_pytorch_model.safetensors` (the VAE is then
    /// not loaded at all).
    #[default]
    IfPresent,
    /// Always: a folder without TAESD is an error.
    Always,
    /// Never: always the VAE.
    Never,
}

/// How a published checkpoint runs.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedOptions {
    /// Classifier-free guidance scale, at least 1; 1 skips the unconditional pass (half
    /// the UNet work). Stable Diffusion's usual value is 7.5.
    pub guidance_scale: f32,
    /// The prompt guided away from (the unconditional prompt; usually empty).
    pub negative_prompt: String,
    /// VAE or TAESD.
    pub tiny_autoencoder: TinyAutoencoderUse,
}

impl Default for PublishedOptions {
    fn default() -> Self {
        Self {
            guidance_scale: 7.5,
            negative_prompt: String::new(),
            tiny_autoencoder: TinyAutoencoderUse::IfPresent,
        }
    }
}

/// The weights file of one component: the first of `names` in `dir/sub` that exists
/// (diffusers may store `*.fp16.safetensors` only), else an error naming the first.
fn weights_file(dir: &Path, sub: &str, names: &[&str], what: &str) -> Result<PathBuf, NeuralError> {
    let paths: Vec<PathBuf> = names.iter().map(|n| dir.join(sub).join(n)).collect();
    paths.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
        NeuralError::Data(format!(
            "{}: missing file ({what})",
            paths
                .first()
                .map_or_else(|| dir.join(sub), Clone::clone)
                .display()
        ))
    })
}

const UNET_WEIGHTS: [&str; 2] = [
    "diffusion_pytorch_model.safetensors",
    "diffusion_pytorch_model.fp16.safetensors",
];

fn bad_config(path: &Path, e: String) -> NeuralError {
    NeuralError::Data(format!("{}: {e}", path.display()))
}

/// Loads Stable Diffusion 2 depth from `dir`, a local diffusers-layout folder:
///
/// ```text
/// unet/config.json, unet/diffusion_pytorch_model.safetensors        (in_channels 5)
/// vae/config.json, vae/diffusion_pytorch_model.safetensors          (AutoencoderKL)
/// text_encoder/config.json, text_encoder/model.safetensors          (CLIPTextModel)
/// tokenizer/vocab.json, tokenizer/merges.txt [, special_tokens_map.json]
/// scheduler/scheduler_config.json                                   (DDIM)
/// [taesd/config.json,] taesd/diffusion_pytorch_model.safetensors    (optional, TAESD)
/// ```
///
/// `*.fp16.safetensors` stand in for missing `*.safetensors`; weights run as `f32` on
/// the CPU. A missing config field takes Stable Diffusion 2 depth's value.
///
/// ```no_run
/// use cinegraph::neural::published::{load, PublishedOptions};
/// let model = load("models/sd2-depth".as_ref(), &PublishedOptions::default())?;
/// let mut finisher = model.finisher(7, 20, "a film still, golden hour", 0.6)?;
/// # Ok::<(), cinegraph::neural::NeuralError>(())
/// ```
///
/// # Errors
/// A missing file, naming its path and what it is; a config that is malformed or does
/// not describe a depth model; [`NeuralError::MissingTensor`] and
/// [`NeuralError::WrongShape`] naming the file, the tensor and its expected shape;
/// components that do not fit together (latent channels, text width, vocabulary).
pub fn load(dir: &Path, opts: &PublishedOptions) -> Result<PublishedModel, NeuralError> {
    let _span = tracing::info_span!("published_load", dir = %dir.display()).entered();
    if !(opts.guidance_scale.is_finite() && opts.guidance_scale >= 1.0) {
        return Err(NeuralError::Data(format!(
            "guidance scale must be at least 1, got {}",
            opts.guidance_scale
        )));
    }
    if !dir.is_dir() {
        return Err(NeuralError::Data(format!(
            "{}: not a folder (expected a local diffusers-layout copy of stabilityai/stable-diffusion-2-depth)",
            dir.display()
        )));
    }
    // Configs and tokenizer first: their errors come before any large read.
    let unet_path = dir.join("unet/config.json");
    let unet_file: UNetFile = read_json(&unet_path, "the depth UNet's config")?;
    let unet_cfg = unet_file
        .to_candle()
        .map_err(|e| bad_config(&unet_path, e))?;
    let sched_path = dir.join("scheduler/scheduler_config.json");
    let sched_file: SchedulerFile = read_json(&sched_path, "the DDIM scheduler's config")?;
    let scheduler = sched_file
        .to_candle()
        .map_err(|e| bad_config(&sched_path, e))?;
    let text_path = dir.join("text_encoder/config.json");
    let text_file: TextEncoderFile = read_json(&text_path, "the CLIP text encoder's config")?;
    let text_cfg = text_file
        .to_config()
        .map_err(|e| bad_config(&text_path, e))?;
    if text_cfg.hidden_size != unet_file.cross_attention_dim() {
        return Err(NeuralError::Data(format!(
            "{}: hidden_size {} differs from the UNet's cross_attention_dim {}",
            text_path.display(),
            text_cfg.hidden_size,
            unet_file.cross_attention_dim()
        )));
    }
    let tok = dir.join("tokenizer");
    let special = tok.join("special_tokens_map.json");
    let pad = if special.is_file() {
        let s: SpecialTokensFile = read_json(&special, "the tokenizer's special tokens")?;
        s.pad_token().unwrap_or("!").to_string()
    } else {
        "!".to_string()
    };
    let tokenizer = ClipTokenizer::from_files(
        &tok.join("vocab.json"),
        &tok.join("merges.txt"),
        &pad,
        text_cfg.max_position_embeddings,
    )?;
    if tokenizer.max_id() as usize >= text_cfg.vocab_size {
        return Err(NeuralError::Data(format!(
            "{}: token id {} is outside the text encoder's vocab_size {}",
            tok.join("vocab.json").display(),
            tokenizer.max_id(),
            text_cfg.vocab_size
        )));
    }

    let (autoencoder, latent_factor, latent_channels) = load_autoencoder(dir, opts)?;
    if latent_channels != unet_file.out_channels {
        return Err(NeuralError::Data(format!(
            "{}: out_channels {} differs from the autoencoder's {latent_channels} latent channels",
            unet_path.display(),
            unet_file.out_channels
        )));
    }

    let text_w = weights_file(
        dir,
        "text_encoder",
        &["model.safetensors", "model.fp16.safetensors"],
        "the CLIP text encoder's weights",
    )?;
    let text = CheckedWeights::read(&text_w, "the CLIP text encoder's weights")?
        .build(|vb| ClipTextModel::new(&text_cfg, vb))?;
    tracing::debug!("text encoder loaded");
    let unet_w = weights_file(dir, "unet", &UNET_WEIGHTS, "the depth UNet's weights")?;
    let (c_in, c_out) = (unet_file.in_channels, unet_file.out_channels);
    let unet = CheckedWeights::read(&unet_w, "the depth UNet's weights")?
        .build(|vb| UNet2DConditionModel::new(vb, c_in, c_out, false, unet_cfg))?;
    tracing::debug!("unet loaded");
    Ok(PublishedModel {
        unet,
        text,
        tokenizer,
        autoencoder,
        scheduler,
        latent_factor,
        latent_channels,
        unet_blocks: unet_file.blocks(),
        options: opts.clone(),
        source: dir.to_path_buf(),
    })
}

/// TAESD or the VAE, as `opts` asks and the folder allows, with its factor and latent
/// channels.
fn load_autoencoder(
    dir: &Path,
    opts: &PublishedOptions,
) -> Result<(sd2_depth::Autoencoder, usize, usize), NeuralError> {
    let tiny_w = dir.join("taesd").join(UNET_WEIGHTS[0]);
    let tiny = match opts.tiny_autoencoder {
        TinyAutoencoderUse::IfPresent => tiny_w.is_file(),
        TinyAutoencoderUse::Always => true,
        TinyAutoencoderUse::Never => false,
    };
    if tiny {
        let cfg_path = dir.join("taesd/config.json");
        let file: TinyFile = if cfg_path.is_file() {
            read_json(&cfg_path, "TAESD's config")?
        } else {
            TinyFile::default()
        };
        let cfg = file.to_config().map_err(|e| bad_config(&cfg_path, e))?;
        let w = CheckedWeights::read(&tiny_w, "TAESD's weights (madebyollin/taesd)")?;
        let t = w.build(|vb| TinyAutoencoder::new(&cfg, vb))?;
        tracing::debug!("taesd loaded");
        return Ok((Autoencoder::Tiny(t), cfg.factor(), cfg.latent_channels));
    }
    let cfg_path = dir.join("vae/config.json");
    let file: VaeFile = read_json(&cfg_path, "the VAE's config")?;
    let cfg = file.to_candle().map_err(|e| bad_config(&cfg_path, e))?;
    let path = weights_file(dir, "vae", &UNET_WEIGHTS, "the VAE's weights")?;
    let w = CheckedWeights::read(&path, "the VAE's weights")?;
    let encoder = w.build(|vb| KlEncoder::new(&cfg, vb))?;
    let vae = w.build(|vb| AutoEncoderKL::new(vb, 3, 3, cfg.clone()))?;
    tracing::debug!("vae loaded");
    Ok((
        Autoencoder::Kl {
            encoder: Box::new(encoder),
            vae: Box::new(vae),
            scaling: file.scaling_factor,
        },
        file.factor(),
        cfg.latent_channels,
    ))
}

#[cfg(test)]
pub(crate) mod tests;
