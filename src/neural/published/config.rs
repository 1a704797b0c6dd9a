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

/// `unet/config.json` (diffusers `UNet2DConditionModel`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct UNetFile {
    /// Latent channels plus the depth channel (5 for the depth model).
    pub in_channels: usize,
    /// Predicted channels (4).
    pub out_channels: usize,
    block_out_channels: Vec<usize>,
    down_block_types: Vec<String>,
    /// Heads per block (diffusers' historical name).
    attention_head_dim: OneOrMany,
    transformer_layers_per_block: OneOrMany,
    cross_attention_dim: usize,
    layers_per_block: usize,
    norm_num_groups: usize,
    norm_eps: f64,
    flip_sin_to_cos: bool,
    freq_shift: f64,
    downsample_padding: usize,
    mid_block_scale_factor: f64,
    use_linear_projection: bool,
    center_input_sample: bool,
}

impl Default for UNetFile {
    /// Stable Diffusion 2 depth's UNet.
    fn default() -> Self {
        Self {
            in_channels: 5,
            out_channels: 4,
            block_out_channels: vec![320, 640, 1280, 1280],
            down_block_types: ["CrossAttnDownBlock2D"; 3]
                .into_iter()
                .chain(["DownBlock2D"])
                .map(String::from)
                .collect(),
            attention_head_dim: OneOrMany::Many(vec![5, 10, 20, 20]),
            transformer_layers_per_block: OneOrMany::One(1),
            cross_attention_dim: 1024,
            layers_per_block: 2,
            norm_num_groups: 32,
            norm_eps: 1e-5,
            flip_sin_to_cos: true,
            freq_shift: 0.0,
            downsample_padding: 1,
            mid_block_scale_factor: 1.0,
            use_linear_projection: true,
            center_input_sample: false,
        }
    }
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

/// `vae/config.json` (diffusers `AutoencoderKL`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct VaeFile {
    block_out_channels: Vec<usize>,
    layers_per_block: usize,
    latent_channels: usize,
    norm_num_groups: usize,
    use_quant_conv: bool,
    use_post_quant_conv: bool,
    /// Latents are multiplied by this after encoding (0.18215).
    pub scaling_factor: f64,
}

impl Default for VaeFile {
    /// Stable Diffusion 2's VAE.
    fn default() -> Self {
        Self {
            block_out_channels: vec![128, 256, 512, 512],
            layers_per_block: 2,
            latent_channels: 4,
            norm_num_groups: 32,
            use_quant_conv: true,
            use_post_quant_conv: true,
            scaling_factor: 0.18215,
        }
    }
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

/// `text_encoder/config.json` (transformers `CLIPTextConfig`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct TextEncoderFile {
    vocab_size: usize,
    hidden_size: usize,
    intermediate_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    max_position_embeddings: usize,
    hidden_act: String,
    layer_norm_eps: f64,
}

impl Default for TextEncoderFile {
    /// Stable Diffusion 2's text encoder (OpenCLIP ViT-H/14 less its last layer).
    fn default() -> Self {
        Self {
            vocab_size: 49408,
            hidden_size: 1024,
            intermediate_size: 4096,
            num_hidden_layers: 23,
            num_attention_heads: 16,
            max_position_embeddings: 77,
            hidden_act: "gelu".into(),
            layer_norm_eps: 1e-5,
        }
    }
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

/// `scheduler/scheduler_config.json` (diffusers `DDIMScheduler`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SchedulerFile {
    beta_start: f64,
    beta_end: f64,
    beta_schedule: String,
    /// Timesteps the model was trained with (1000).
    pub num_train_timesteps: usize,
    steps_offset: usize,
    prediction_type: String,
    timestep_spacing: String,
    clip_sample: bool,
    set_alpha_to_one: bool,
}

impl Default for SchedulerFile {
    /// Stable Diffusion 2 depth's DDIM scheduler.
    fn default() -> Self {
        Self {
            beta_start: 0.00085,
            beta_end: 0.012,
            beta_schedule: "scaled_linear".into(),
            num_train_timesteps: 1000,
            steps_offset: 1,
            prediction_type: "epsilon".into(),
            timestep_spacing: "leading".into(),
            clip_sample: false,
            set_alpha_to_one: false,
        }
    }
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

/// `taesd/config.json` (diffusers `AutoencoderTiny`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct TinyFile {
    #[serde(flatten)]
    net: TinyAutoencoderConfig,
    act_fn: String,
    scaling_factor: f64,
}

impl Default for TinyFile {
    /// `madebyollin/taesd`.
    fn default() -> Self {
        Self {
            net: TinyAutoencoderConfig::default(),
            act_fn: "relu".into(),
            scaling_factor: 1.0,
        }
    }
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
        self.net.validate()?;
        Ok(self.net.clone())
    }
}

/// `tokenizer/special_tokens_map.json`: only the pad token matters.
#[derive(Debug, Clone, Deserialize)]
pub struct SpecialTokensFile {
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
