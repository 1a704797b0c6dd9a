//! TAESD, the tiny autoencoder for Stable Diffusion's latent space, by Ollin Boer Bohan
//! (repository `madebyollin/taesd`), in the layout of diffusers' `AutoencoderTiny`: a
//! few megabytes of plain 3×3 convolutions and ReLUs that encode an image to, and decode
//! it from, the same (already scaled) latents as Stable Diffusion's VAE, at a small
//! fraction of its cost.
//!
//! Key paths are the indices of diffusers' `nn.Sequential` (activations and upsampling
//! count as layers): `encoder.layers.{i}` and `decoder.layers.{i}`, each a convolution
//! (`weight`, `bias`) or a block (`conv.{0,2,4}`, and `skip` when the widths differ).
//! The encoder takes images in `[-1, 1]` (it works in `[0, 1]` inside), the decoder
//! returns `[-1, 1]`.

use candle_core::{Module, Result, Tensor};
use candle_nn::{Conv2d, Conv2dConfig, VarBuilder};

/// The shape of a tiny autoencoder (the network fields of `taesd/config.json`, by their
/// diffusers names).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default)]
pub struct TinyAutoencoderConfig {
    /// Image channels in (3).
    pub in_channels: usize,
    /// Image channels out (3).
    pub out_channels: usize,
    /// Latent channels (4).
    pub latent_channels: usize,
    /// Width of each encoder stage; every stage after the first halves the resolution.
    pub encoder_block_out_channels: Vec<usize>,
    /// Blocks in each encoder stage.
    pub num_encoder_blocks: Vec<usize>,
    /// Width of each decoder stage; every stage but the last doubles the resolution.
    pub decoder_block_out_channels: Vec<usize>,
    /// Blocks in each decoder stage.
    pub num_decoder_blocks: Vec<usize>,
    /// Upsampling factor between decoder stages (2).
    pub upsampling_scaling_factor: usize,
}

impl Default for TinyAutoencoderConfig {
    /// `madebyollin/taesd` (Stable Diffusion 1 and 2 latents).
    fn default() -> Self {
        Self {
            in_channels: 3,
            out_channels: 3,
            latent_channels: 4,
            encoder_block_out_channels: vec![64; 4],
            num_encoder_blocks: vec![1, 3, 3, 3],
            decoder_block_out_channels: vec![64; 4],
            num_decoder_blocks: vec![3, 3, 3, 1],
            upsampling_scaling_factor: 2,
        }
    }
}

impl TinyAutoencoderConfig {
    /// Image pixels per latent cell along a side.
    pub fn factor(&self) -> usize {
        1 << self.encoder_block_out_channels.len().saturating_sub(1)
    }

    /// Checks the lists agree and nothing is zero.
    ///
    /// # Errors
    /// A message naming the field.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let enc = &self.encoder_block_out_channels;
        let dec = &self.decoder_block_out_channels;
        if enc.is_empty() || enc.len() != self.num_encoder_blocks.len() {
            return Err("encoder_block_out_channels and num_encoder_blocks must be non-empty lists of one length".into());
        }
        if dec.is_empty() || dec.len() != self.num_decoder_blocks.len() {
            return Err("decoder_block_out_channels and num_decoder_blocks must be non-empty lists of one length".into());
        }
        if enc.len() != dec.len() {
            return Err("the encoder and decoder must have as many stages".into());
        }
        if enc.iter().chain(dec).any(|&c| c == 0) || self.latent_channels == 0 {
            return Err("channel counts must be positive".into());
        }
        if self.upsampling_scaling_factor != 2 {
            return Err("upsampling_scaling_factor must be 2".into());
        }
        Ok(())
    }
}

const PAD1: Conv2dConfig = Conv2dConfig {
    padding: 1,
    stride: 1,
    dilation: 1,
    groups: 1,
    cudnn_fwd_algo: None,
};

/// `AutoencoderTinyBlock`: three 3×3 convolutions with ReLUs between, a 1×1 skip when
/// the widths differ, ReLU of the sum.
#[derive(Debug)]
struct Block {
    conv: [Conv2d; 3],
    skip: Option<Conv2d>,
}

impl Block {
    fn new(c_in: usize, c_out: usize, vb: VarBuilder) -> Result<Self> {
        let c = vb.pp("conv");
        Ok(Self {
            conv: [
                candle_nn::conv2d(c_in, c_out, 3, PAD1, c.pp("0"))?,
                candle_nn::conv2d(c_out, c_out, 3, PAD1, c.pp("2"))?,
                candle_nn::conv2d(c_out, c_out, 3, PAD1, c.pp("4"))?,
            ],
            skip: if c_in == c_out {
                None
            } else {
                Some(candle_nn::conv2d_no_bias(
                    c_in,
                    c_out,
                    1,
                    Conv2dConfig::default(),
                    vb.pp("skip"),
                )?)
            },
        })
    }
}

impl Module for Block {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let [a, b, c] = &self.conv;
        let h = c.forward(&b.forward(&a.forward(xs)?.relu()?)?.relu()?)?;
        let skip = match &self.skip {
            Some(s) => s.forward(xs)?,
            None => xs.clone(),
        };
        (h + skip)?.relu()
    }
}

#[derive(Debug)]
enum Layer {
    Conv(Conv2d),
    Relu,
    Block(Block),
    Upsample2,
}

impl Module for Layer {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        match self {
            Self::Conv(c) => c.forward(xs),
            Self::Relu => xs.relu(),
            Self::Block(b) => b.forward(xs),
            Self::Upsample2 => {
                let (_, _, h, w) = xs.dims4()?;
                xs.upsample_nearest2d(2 * h, 2 * w)
            }
        }
    }
}

/// The tiny autoencoder.
#[derive(Debug)]
pub struct TinyAutoencoder {
    encoder: Vec<Layer>,
    decoder: Vec<Layer>,
    config: TinyAutoencoderConfig,
}

impl TinyAutoencoder {
    /// Builds both halves on `vb` (keys `encoder.layers.*`, `decoder.layers.*`).
    ///
    /// # Errors
    /// An invalid config; missing or misshapen tensors.
    pub fn new(cfg: &TinyAutoencoderConfig, vb: VarBuilder) -> Result<Self> {
        cfg.validate().map_err(candle_core::Error::Msg)?;
        let mut encoder = Vec::new();
        let ve = vb.pp("encoder").pp("layers");
        let mut prev = cfg.in_channels;
        for (i, (&c, &n)) in cfg
            .encoder_block_out_channels
            .iter()
            .zip(&cfg.num_encoder_blocks)
            .enumerate()
        {
            let at = ve.pp(encoder.len().to_string());
            encoder.push(Layer::Conv(if i == 0 {
                candle_nn::conv2d(prev, c, 3, PAD1, at)?
            } else {
                let down = Conv2dConfig { stride: 2, ..PAD1 };
                candle_nn::conv2d_no_bias(prev, c, 3, down, at)?
            }));
            for _ in 0..n {
                let at = ve.pp(encoder.len().to_string());
                encoder.push(Layer::Block(Block::new(c, c, at)?));
            }
            prev = c;
        }
        let at = ve.pp(encoder.len().to_string());
        encoder.push(Layer::Conv(candle_nn::conv2d(
            prev,
            cfg.latent_channels,
            3,
            PAD1,
            at,
        )?));

        let vd = vb.pp("decoder").pp("layers");
        let first = cfg.decoder_block_out_channels[0];
        let mut decoder = vec![
            Layer::Conv(candle_nn::conv2d(
                cfg.latent_channels,
                first,
                3,
                PAD1,
                vd.pp("0"),
            )?),
            Layer::Relu,
        ];
        let stages = cfg.decoder_block_out_channels.len();
        let mut prev = first;
        for (i, (&c, &n)) in cfg
            .decoder_block_out_channels
            .iter()
            .zip(&cfg.num_decoder_blocks)
            .enumerate()
        {
            for _ in 0..n {
                let at = vd.pp(decoder.len().to_string());
                decoder.push(Layer::Block(Block::new(prev, c, at)?));
                prev = c;
            }
            let last = i + 1 == stages;
            if !last {
                decoder.push(Layer::Upsample2);
            }
            let at = vd.pp(decoder.len().to_string());
            decoder.push(Layer::Conv(if last {
                candle_nn::conv2d(prev, cfg.out_channels, 3, PAD1, at)?
            } else {
                candle_nn::conv2d_no_bias(prev, c, 3, PAD1, at)?
            }));
            prev = c;
        }
        Ok(Self {
            encoder,
            decoder,
            config: cfg.clone(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &TinyAutoencoderConfig {
        &self.config
    }

    /// Images `[B, 3, H, W]` in `[-1, 1]` to latents `[B, 4, H/8, W/8]`.
    ///
    /// # Errors
    /// Tensor errors.
    pub fn encode(&self, xs: &Tensor) -> Result<Tensor> {
        let mut h = ((xs + 1.0)? * 0.5)?;
        for l in &self.encoder {
            h = l.forward(&h)?;
        }
        Ok(h)
    }

    /// Latents to images in `[-1, 1]` (latents are first soft-clamped to `±3` with
    /// `3 tanh(x / 3)`, as diffusers does).
    ///
    /// # Errors
    /// Tensor errors.
    pub fn decode(&self, z: &Tensor) -> Result<Tensor> {
        let mut h = ((z / 3.0)?.tanh()? * 3.0)?;
        for l in &self.decoder {
            h = l.forward(&h)?;
        }
        (h * 2.0)? - 1.0
    }
}
