//! The diffusers `config.json` files of a Stable Diffusion 2 depth folder, read with
//! serde (only the fields that change the networks; a missing field takes Stable
//! Diffusion 2 depth's value; unknown fields are ignored, as diffusers writes many), and
//! turned into candle's configs with the checks that keep candle's constructors from
//! panicking on nonsense.

use std::path::Path;

use candle_transformers::models::stable_diffusion::{
    ddim::DDIMSchedulerConfig,
    schedulers::{BetaSchedule, PredictionType, TimestepSpacing},
    unet_2d::{BlockConfig, UNet2DConditionModelConfig},
    vae::AutoEncoderKLConfig,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::clip_text::{Activation, ClipTextConfig};
use super::taesd::TinyAutoencoderConfig;
use crate::neural::NeuralError;

/// Reads and parses a JSON config; `what` says what the file is for.
///
/// # Errors
/// A missing file or bad JSON, naming the path.
pub fn read_json<T: DeserializeOwned>(path: &Path, what: &str) -> Result<T, NeuralError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        NeuralError::Data(if e.kind() == std::io::ErrorKind::NotFound {
            format!("{}: missing file ({what})", path.display())
        } else {
            format!("{}: cannot read {what}: {e}", path.display())
        })
    })?;
    serde_json::from_str(&text).map_err(|e| {
        NeuralError::Data(format!(
            "{}:{}:{}: {what}: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })
}

/// A number or a list of numbers (diffusers allows both for per-block fields).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// The same value for every block.
    One(usize),
    /// One value per block.
    Many(Vec<usize>),
}

impl OneOrMany {
    fn per_block(&self, n: usize, field: &str) -> Result<Vec<usize>, String> {
        match self {
            Self::One(v) => Ok(vec![*v; n]),
            Self::Many(v) if v.len() == n => Ok(v.clone()),
            Self::Many(v) => Err(format!("{field} has {} values for {n} blocks", v.len())),
        }
    }
}

fn sd2_blocks() -> Vec<usize> {
    vec![320, 640, 1280, 1280]
}
fn sd2_down_types() -> Vec<String> {
    ["CrossAttnDownBlock2D"; 3]
        .into_iter()
        .chain(["DownBlock2D"])
        .map(String::from)
        .collect()
}
fn sd2_heads() -> OneOrMany {
    OneOrMany::Many(vec![5, 10, 20, 20])
}
fn one() -> OneOrMany {
    OneOrMany::One(1)
}
const fn five() -> usize {
    5
}
const fn four() -> usize {
    4
}
const fn three() -> usize {
    3
}
const fn two() -> usize {
    2
}
const fn thirty_two() -> usize {
    32
}
const fn yes() -> bool {
    true
}
const fn eps5() -> f64 {
    1e-5
}

/// `unet/config.json` (diffusers `UNet2DConditionModel`).
#[derive(Debug, Clone, Deserialize)]
pub struct UNetFile {
    /// Latent channels plus the depth channel (5 for the depth model).
    #[serde(default = "five")]
    pub in_channels: usize,
    /// Predicted channels (4).
    #[serde(default = "four")]
    pub out_channels: usize,
    #[serde(default = "sd2_blocks")]
    block_out_channels: Vec<usize>,
    #[serde(default = "sd2_down_types")]
    down_block_types: Vec<String>,
    /// Heads per block (diffusers' historical name).
    #[serde(default = "sd2_heads")]
    attention_head_dim: OneOrMany,
    #[serde(default = "one")]
    transformer_layers_per_block: OneOrMany,
    #[serde(default = "cross_dim")]
    cross_attention_dim: usize,
    #[serde(default = "two")]
    layers_per_block: usize,
    #[serde(default = "thirty_two")]
    norm_num_groups: usize,
    #[serde(default = "eps5")]
    norm_eps: f64,
    #[serde(default = "yes")]
    flip_sin_to_cos: bool,
    #[serde(default)]
    freq_shift: f64,
    #[serde(default = "one_usize")]
    downsample_padding: usize,
    #[serde(default = "one_f64")]
    mid_block_scale_factor: f64,
    #[serde(default = "yes")]
    use_linear_projection: bool,
    #[serde(default)]
    center_input_sample: bool,
}

const fn cross_dim() -> usize {
    1024
}
const fn one_usize() -> usize {
    1
}
const fn one_f64() -> f64 {
    1.0
}

impl UNetFile {
    /// The number of down blocks.
    pub fn blocks(&self) -> usize {
        self.block_out_channels.len()
    }

    /// The text width the UNet attends to.
    pub fn cross_attention_dim(&self) -> usize {
        self.cross_attention_dim
    }

    /// candle's config, checked.
    ///
    /// # Errors
    /// A message naming the field.
    pub fn to_candle(&self) -> Result<UNet2DConditionModelConfig, String> {
        let n = self.block_out_channels.len();
        if n == 0 || self.down_block_types.len() != n {
            return Err(format!(
                "block_out_channels ({n}) and down_block_types ({}) must be non-empty lists of one length",
                self.down_block_types.len()
            ));
        }
        if self.in_channels != self.out_channels + 1 {
            return Err(format!(
                "in_channels is {} and out_channels {}: a depth-conditioned UNet \
                 (stable-diffusion-2-depth) takes the latent plus one depth channel",
                self.in_channels, self.out_channels
            ));
        }
        let heads = self.attention_head_dim.per_block(n, "attention_head_dim")?;
        let layers = self
            .transformer_layers_per_block
            .per_block(n, "transformer_layers_per_block")?;
        let g = self.norm_num_groups;
        let mut blocks = Vec::with_capacity(n);
        for (i, ((&c, kind), (&h, &l))) in self
            .block_out_channels
            .iter()
            .zip(&self.down_block_types)
            .zip(heads.iter().zip(&layers))
            .enumerate()
        {
            if g == 0 || c == 0 || c % g != 0 {
                return Err(format!(
                    "block_out_channels[{i}] = {c} is not a positive multiple of norm_num_groups = {g}"
                ));
            }
            if h == 0 || c % h != 0 || l == 0 {
                return Err(format!(
                    "block {i}: {h} attention heads and {l} transformer layers for {c} channels"
                ));
            }
            let use_cross_attn = match kind.as_str() {
                "CrossAttnDownBlock2D" => Some(l),
                "DownBlock2D" => None,
                other => return Err(format!("down_block_types[{i}]: unsupported {other:?}")),
            };
            blocks.push(BlockConfig {
                out_channels: c,
                use_cross_attn,
                attention_head_dim: h,
            });
        }
        if self.layers_per_block == 0 || self.cross_attention_dim == 0 {
            return Err("layers_per_block and cross_attention_dim must be positive".into());
        }
        Ok(UNet2DConditionModelConfig {
            center_input_sample: self.center_input_sample,
            flip_sin_to_cos: self.flip_sin_to_cos,
            freq_shift: self.freq_shift,
            blocks,
            layers_per_block: self.layers_per_block,
            downsample_padding: self.downsample_padding,
            mid_block_scale_factor: self.mid_block_scale_factor,
            norm_num_groups: g,
            norm_eps: self.norm_eps,
            cross_attention_dim: self.cross_attention_dim,
            sliced_attention_size: None,
            use_linear_projection: self.use_linear_projection,
        })
    }
}

fn sd_vae_blocks() -> Vec<usize> {
    vec![128, 256, 512, 512]
}
const fn sd_scaling() -> f64 {
    0.18215
}

/// `vae/config.json` (diffusers `AutoencoderKL`).
#[derive(Debug, Clone, Deserialize)]
pub struct VaeFile {
    #[serde(default = "sd_vae_blocks")]
    block_out_channels: Vec<usize>,
    #[serde(default = "two")]
    layers_per_block: usize,
    #[serde(default = "four")]
    latent_channels: usize,
    #[serde(default = "thirty_two")]
    norm_num_groups: usize,
    #[serde(default = "yes")]
    use_quant_conv: bool,
    #[serde(default = "yes")]
    use_post_quant_conv: bool,
    /// Latents are multiplied by this after encoding (0.18215).
    #[serde(default = "sd_scaling")]
    pub scaling_factor: f64,
}

impl VaeFile {
    /// Image pixels per latent cell along a side.
    pub fn factor(&self) -> usize {
        1 << self.block_out_channels.len().saturating_sub(1)
    }

    /// candle's config, checked.
    ///
    /// # Errors
    /// A message naming the field.
    pub fn to_candle(&self) -> Result<AutoEncoderKLConfig, String> {
        let g = self.norm_num_groups;
        if self.block_out_channels.is_empty()
            || self
                .block_out_channels
                .iter()
                .any(|&c| g == 0 || c == 0 || c % g != 0)
        {
            return Err(format!(
                "block_out_channels {:?} must be non-empty positive multiples of norm_num_groups = {g}",
                self.block_out_channels
            ));
        }
        if self.latent_channels == 0 || !self.scaling_factor.is_normal() {
            return Err("latent_channels and scaling_factor must be positive".into());
        }
        Ok(AutoEncoderKLConfig {
            block_out_channels: self.block_out_channels.clone(),
            layers_per_block: self.layers_per_block,
            latent_channels: self.latent_channels,
            norm_num_groups: g,
            use_quant_conv: self.use_quant_conv,
            use_post_quant_conv: self.use_post_quant_conv,
        })
    }
}

fn gelu() -> String {
    "gelu".into()
}
const fn vocab() -> usize {
    49408
}
const fn hidden() -> usize {
    1024
}
const fn mlp() -> usize {
    4096
}
const fn layers23() -> usize {
    23
}
const fn heads16() -> usize {
    16
}
const fn ctx() -> usize {
    77
}

/// `text_encoder/config.json` (transformers `CLIPTextConfig`).
#[derive(Debug, Clone, Deserialize)]
pub struct TextEncoderFile {
    #[serde(default = "vocab")]
    vocab_size: usize,
    #[serde(default = "hidden")]
    hidden_size: usize,
    #[serde(default = "mlp")]
    intermediate_size: usize,
    #[serde(default = "layers23")]
    num_hidden_layers: usize,
    #[serde(default = "heads16")]
    num_attention_heads: usize,
    #[serde(default = "ctx")]
    max_position_embeddings: usize,
    #[serde(default = "gelu")]
    hidden_act: String,
    #[serde(default = "eps5")]
    layer_norm_eps: f64,
}

impl TextEncoderFile {
    /// Our config, checked.
    ///
    /// # Errors
    /// A message naming the field.
    pub fn to_config(&self) -> Result<ClipTextConfig, String> {
        let activation = match self.hidden_act.as_str() {
            "gelu" => Activation::Gelu,
            "quick_gelu" => Activation::QuickGelu,
            other => return Err(format!("hidden_act {other:?} is not gelu or quick_gelu")),
        };
        let (c, h) = (self.hidden_size, self.num_attention_heads);
        if c == 0 || h == 0 || c % h != 0 || self.max_position_embeddings < 2 {
            return Err(format!(
                "{h} attention heads for hidden_size {c}, or a context of {} tokens",
                self.max_position_embeddings
            ));
        }
        Ok(ClipTextConfig {
            vocab_size: self.vocab_size,
            hidden_size: c,
            intermediate_size: self.intermediate_size,
            num_hidden_layers: self.num_hidden_layers,
            num_attention_heads: h,
            max_position_embeddings: self.max_position_embeddings,
            activation,
            layer_norm_eps: self.layer_norm_eps,
        })
    }
}

fn scaled_linear() -> String {
    "scaled_linear".into()
}
fn epsilon() -> String {
    "epsilon".into()
}
fn leading() -> String {
    "leading".into()
}
const fn beta_start() -> f64 {
    0.00085
}
const fn beta_end() -> f64 {
    0.012
}
const fn train_steps() -> usize {
    1000
}

/// `scheduler/scheduler_config.json` (diffusers `DDIMScheduler`).
#[derive(Debug, Clone, Deserialize)]
pub struct SchedulerFile {
    #[serde(default = "beta_start")]
    beta_start: f64,
    #[serde(default = "beta_end")]
    beta_end: f64,
    #[serde(default = "scaled_linear")]
    beta_schedule: String,
    /// Timesteps the model was trained with (1000).
    #[serde(default = "train_steps")]
    pub num_train_timesteps: usize,
    #[serde(default = "one_usize")]
    steps_offset: usize,
    #[serde(default = "epsilon")]
    prediction_type: String,
    #[serde(default = "leading")]
    timestep_spacing: String,
    #[serde(default)]
    clip_sample: bool,
    #[serde(default)]
    set_alpha_to_one: bool,
}

impl SchedulerFile {
    /// candle's deterministic DDIM config (`eta = 0`), checked.
    ///
    /// # Errors
    /// A message naming the field.
    pub fn to_candle(&self) -> Result<DDIMSchedulerConfig, String> {
        let beta_schedule = match self.beta_schedule.as_str() {
            "scaled_linear" => BetaSchedule::ScaledLinear,
            "linear" => BetaSchedule::Linear,
            "squaredcos_cap_v2" => BetaSchedule::SquaredcosCapV2,
            other => return Err(format!("beta_schedule {other:?} is not supported")),
        };
        let prediction_type = match self.prediction_type.as_str() {
            "epsilon" => PredictionType::Epsilon,
            "v_prediction" => PredictionType::VPrediction,
            "sample" => PredictionType::Sample,
            other => return Err(format!("prediction_type {other:?} is not supported")),
        };
        let timestep_spacing = match self.timestep_spacing.as_str() {
            "leading" => TimestepSpacing::Leading,
            "linspace" => TimestepSpacing::Linspace,
            "trailing" => TimestepSpacing::Trailing,
            other => return Err(format!("timestep_spacing {other:?} is not supported")),
        };
        if self.clip_sample || self.set_alpha_to_one {
            return Err("clip_sample and set_alpha_to_one must be false (candle's DDIM)".into());
        }
        if self.num_train_timesteps < 2 || !(self.beta_start > 0.0 && self.beta_end < 1.0) {
            return Err("num_train_timesteps, beta_start or beta_end out of range".into());
        }
        Ok(DDIMSchedulerConfig {
            beta_start: self.beta_start,
            beta_end: self.beta_end,
            beta_schedule,
            eta: 0.0,
            steps_offset: self.steps_offset,
            prediction_type,
            train_timesteps: self.num_train_timesteps,
            timestep_spacing,
        })
    }
}

fn taesd_blocks() -> Vec<usize> {
    vec![64; 4]
}
fn enc_blocks() -> Vec<usize> {
    vec![1, 3, 3, 3]
}
fn dec_blocks() -> Vec<usize> {
    vec![3, 3, 3, 1]
}
fn relu() -> String {
    "relu".into()
}

/// `taesd/config.json` (diffusers `AutoencoderTiny`).
#[derive(Debug, Clone, Deserialize)]
pub struct TinyFile {
    #[serde(default = "three")]
    in_channels: usize,
    #[serde(default = "three")]
    out_channels: usize,
    #[serde(default = "four")]
    latent_channels: usize,
    #[serde(default = "taesd_blocks")]
    encoder_block_out_channels: Vec<usize>,
    #[serde(default = "taesd_blocks")]
    decoder_block_out_channels: Vec<usize>,
    #[serde(default = "enc_blocks")]
    num_encoder_blocks: Vec<usize>,
    #[serde(default = "dec_blocks")]
    num_decoder_blocks: Vec<usize>,
    #[serde(default = "two")]
    upsampling_scaling_factor: usize,
    #[serde(default = "relu")]
    act_fn: String,
    #[serde(default = "one_f64")]
    scaling_factor: f64,
}

impl TinyFile {
    /// Our config, checked.
    ///
    /// # Errors
    /// A message naming the field.
    pub fn to_config(&self) -> Result<TinyAutoencoderConfig, String> {
        if self.act_fn != "relu" {
            return Err(format!("act_fn {:?} is not relu", self.act_fn));
        }
        if self.scaling_factor != 1.0 {
            return Err(format!(
                "scaling_factor is {}: TAESD's latents are Stable Diffusion's scaled latents (1.0)",
                self.scaling_factor
            ));
        }
        let cfg = TinyAutoencoderConfig {
            in_channels: self.in_channels,
            out_channels: self.out_channels,
            latent_channels: self.latent_channels,
            encoder_block_out_channels: self.encoder_block_out_channels.clone(),
            num_encoder_blocks: self.num_encoder_blocks.clone(),
            decoder_block_out_channels: self.decoder_block_out_channels.clone(),
            num_decoder_blocks: self.num_decoder_blocks.clone(),
            upsampling_scaling_factor: self.upsampling_scaling_factor,
        };
        cfg.validate()?;
        Ok(cfg)
    }
}

/// `tokenizer/special_tokens_map.json`: only the pad token matters.
#[derive(Debug, Clone, Deserialize)]
pub struct SpecialTokensFile {
    #[serde(default)]
    pad_token: Option<TokenEntry>,
}

/// A special token, as a plain string or `{"content": ...}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum TokenEntry {
    Plain(String),
    Object { content: String },
}

impl SpecialTokensFile {
    /// The pad token, if the file names one.
    pub fn pad_token(&self) -> Option<&str> {
        match self.pad_token.as_ref()? {
            TokenEntry::Plain(s) | TokenEntry::Object { content: s } => Some(s),
        }
    }
}
