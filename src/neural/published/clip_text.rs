//! The CLIP text encoder (Radford et al., "Learning Transferable Visual Models From
//! Natural Language Supervision", ICML 2021) as Hugging Face's `CLIPTextModel` lays it
//! out; Stable Diffusion 2 uses OpenCLIP's ViT-H/14 text tower in this layout, with its
//! last layer dropped (23 layers) and exact GELU.
//!
//! candle-transformers has the same network in `stable_diffusion::clip`, but its config
//! can only be one of its presets (the fields are private), so a checkpoint's own
//! `config.json` could not be honoured; this file is that network with a public config.
//! Key paths: `text_model.embeddings.{token,position}_embedding.weight`,
//! `text_model.encoder.layers.{i}.{self_attn.{q,k,v,out}_proj, layer_norm1, mlp.fc1,
//! mlp.fc2, layer_norm2}`, `text_model.final_layer_norm`.

use candle_core::{Device, Module, Result, Tensor};
use candle_nn::{Embedding, LayerNorm, Linear, VarBuilder};

/// The text encoder's nonlinearity (`hidden_act`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// `x · σ(1.702 x)` (OpenAI's CLIP, Stable Diffusion 1).
    QuickGelu,
    /// Exact (erf) GELU (OpenCLIP, Stable Diffusion 2).
    Gelu,
}

/// The text encoder's shape (`text_encoder/config.json`).
#[derive(Debug, Clone, PartialEq)]
pub struct ClipTextConfig {
    /// Tokens in the vocabulary.
    pub vocab_size: usize,
    /// Width of the residual stream.
    pub hidden_size: usize,
    /// Width of the MLPs.
    pub intermediate_size: usize,
    /// Transformer layers.
    pub num_hidden_layers: usize,
    /// Attention heads (divides `hidden_size`).
    pub num_attention_heads: usize,
    /// Context length in tokens.
    pub max_position_embeddings: usize,
    /// MLP nonlinearity.
    pub activation: Activation,
    /// Layer-norm epsilon.
    pub layer_norm_eps: f64,
}

#[derive(Debug)]
struct Attention {
    q: Linear,
    k: Linear,
    v: Linear,
    out: Linear,
    heads: usize,
}

impl Attention {
    fn forward(&self, xs: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (b, n, c) = xs.dims3()?;
        let d = c / self.heads;
        let split = |t: Tensor| -> Result<Tensor> {
            t.reshape((b, n, self.heads, d))?
                .transpose(1, 2)?
                .contiguous()
        };
        let q = split((self.q.forward(xs)? * (d as f64).powf(-0.5))?)?;
        let k = split(self.k.forward(xs)?)?;
        let v = split(self.v.forward(xs)?)?;
        let w = q.matmul(&k.t()?)?.broadcast_add(mask)?;
        let w = candle_nn::ops::softmax_last_dim(&w)?;
        let o = w.matmul(&v)?.transpose(1, 2)?.reshape((b, n, c))?;
        self.out.forward(&o)
    }
}

#[derive(Debug)]
struct Layer {
    attn: Attention,
    norm1: LayerNorm,
    fc1: Linear,
    fc2: Linear,
    norm2: LayerNorm,
    act: Activation,
}

impl Layer {
    fn new(cfg: &ClipTextConfig, vb: VarBuilder) -> Result<Self> {
        let c = cfg.hidden_size;
        let lin = |name: &str, vb: &VarBuilder| candle_nn::linear(c, c, vb.pp(name));
        let a = vb.pp("self_attn");
        Ok(Self {
            attn: Attention {
                q: lin("q_proj", &a)?,
                k: lin("k_proj", &a)?,
                v: lin("v_proj", &a)?,
                out: lin("out_proj", &a)?,
                heads: cfg.num_attention_heads,
            },
            norm1: candle_nn::layer_norm(c, cfg.layer_norm_eps, vb.pp("layer_norm1"))?,
            fc1: candle_nn::linear(c, cfg.intermediate_size, vb.pp("mlp").pp("fc1"))?,
            fc2: candle_nn::linear(cfg.intermediate_size, c, vb.pp("mlp").pp("fc2"))?,
            norm2: candle_nn::layer_norm(c, cfg.layer_norm_eps, vb.pp("layer_norm2"))?,
            act: cfg.activation,
        })
    }

    fn forward(&self, xs: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let xs = (xs + self.attn.forward(&self.norm1.forward(xs)?, mask)?)?;
        let h = self.fc1.forward(&self.norm2.forward(&xs)?)?;
        let h = match self.act {
            Activation::QuickGelu => (&h * candle_nn::ops::sigmoid(&(&h * 1.702)?)?)?,
            Activation::Gelu => h.gelu_erf()?,
        };
        xs + self.fc2.forward(&h)?
    }
}

/// The text encoder: token ids `[B, N]` to hidden states `[B, N, hidden_size]` (after the
/// final layer norm, the `last_hidden_state` a Stable Diffusion UNet attends to).
#[derive(Debug)]
pub struct ClipTextModel {
    token: Embedding,
    position: Embedding,
    layers: Vec<Layer>,
    final_norm: LayerNorm,
    config: ClipTextConfig,
}

impl ClipTextModel {
    /// Builds the encoder on `vb` (the file's root: keys start with `text_model.`).
    ///
    /// # Errors
    /// Missing or misshapen tensors.
    pub fn new(cfg: &ClipTextConfig, vb: VarBuilder) -> Result<Self> {
        let vb = vb.pp("text_model");
        let e = vb.pp("embeddings");
        let c = cfg.hidden_size;
        let token = candle_nn::embedding(cfg.vocab_size, c, e.pp("token_embedding"))?;
        let position =
            candle_nn::embedding(cfg.max_position_embeddings, c, e.pp("position_embedding"))?;
        let layers = (0..cfg.num_hidden_layers)
            .map(|i| Layer::new(cfg, vb.pp("encoder").pp("layers").pp(i.to_string())))
            .collect::<Result<Vec<_>>>()?;
        let final_norm = candle_nn::layer_norm(c, cfg.layer_norm_eps, vb.pp("final_layer_norm"))?;
        Ok(Self {
            token,
            position,
            layers,
            final_norm,
            config: cfg.clone(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClipTextConfig {
        &self.config
    }

    /// Encodes `ids` (`[B, N]`, `u32`, `N` at most the context length) with a causal mask.
    ///
    /// # Errors
    /// Tensor errors.
    pub fn forward(&self, ids: &Tensor) -> Result<Tensor> {
        let (_, n) = ids.dims2()?;
        let pos = Tensor::arange(0u32, n as u32, ids.device())?;
        let mut xs = self
            .token
            .forward(ids)?
            .broadcast_add(&self.position.forward(&pos)?)?;
        let mask: Vec<f32> = (0..n * n)
            .map(|i| if i % n > i / n { f32::MIN } else { 0.0 })
            .collect();
        let mask = Tensor::from_vec(mask, (n, n), &Device::Cpu)?.to_device(ids.device())?;
        for layer in &self.layers {
            xs = layer.forward(&xs, &mask)?;
        }
        self.final_norm.forward(&xs)
    }
}
