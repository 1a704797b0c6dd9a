//! Training (`cinegraph train`) and evaluation (`cinegraph eval-finish`) of cinegraph's
//! own finishing networks: the shading network that ships ([`Arch::Shading`]) and the
//! first finisher's latent model ([`Arch::Latent`]).
//!
//! One step, on a batch of training frames drawn from `(seed, "train/batch/STEP")`: pairs
//! of consecutive frames cut to the same random square window (`--crop`); for frames
//! after the first, the conditioning's "previous finished frame" is the previous frame's
//! reference (teacher forcing) with probability ½, and no history otherwise, so the model
//! learns both cases. Then:
//! - **shading**: the finished frame against the reference in linear light (the relative
//!   squared error of Noise2Noise, unbiased for noisy references: [`shading_losses`]),
//!   plus the temporal loss: the later frame's error in `r = log(1 + reference) −
//!   log(1 + preview)` against the earlier frame's, warped along the exact flow;
//! - **latent**: the autoencoder reconstructs `r`; with `z₀ = encode(r)` held fixed, a
//!   time `t` and noise `ε` from the step's seed, the denoiser predicts `z₀` from
//!   `z_t = (1 − t) z₀ + t ε` (a third of the pairs at `t = 1`, the one-step sampler's
//!   point); that estimate, decoded, against `r` in pixels, and the same temporal loss;
//! - the losses are summed and one candle-nn AdamW step updates the networks.
//!
//! A checkpoint folder holds `config.json`, the weights (`shading.safetensors`, or
//! `autoencoder.safetensors` and `denoiser.safetensors`), `state.json` (the step),
//! `loss.csv` and its curve `loss.png`. Resuming continues the step count and the
//! per-step batches and noise exactly (on whatever `--data` it is given: a run may go on
//! on another dataset); candle-nn's `AdamW` does not expose its moment estimates, so they
//! restart from zero on resume (the only difference from an uninterrupted run).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::{Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use serde::{Deserialize, Serialize};

use super::dataset::{SceneFrames, read_scene, split_files};
use super::noise::gaussian;
use super::sampler::Finisher;
use super::shading::{ShadingConfig, ShadingFinisher, ShadingModel};
use super::{
    AutoencoderConfig, DenoiserConfig, FrameFinisher, Model, NeuralError, compress, load_weights,
    metrics, save_weights,
};
use crate::progress::Progress;
use crate::rng::SeededRng;

/// `config.json` of a checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// The autoencoder.
    pub autoencoder: AutoencoderConfig,
    /// The denoiser.
    pub denoiser: DenoiserConfig,
    /// The training seed (also the initial weights').
    pub seed: u64,
    /// Learning rate.
    pub lr: f64,
    /// Frames per batch.
    pub batch: usize,
}

impl ModelConfig {
    /// The latent grid's downscale factor and channels (what a batch's noise needs).
    pub fn latent(&self) -> (usize, usize) {
        (self.autoencoder.factor(), self.autoencoder.latent_channels)
    }
}

/// `state.json` of a checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Steps done.
    pub step: usize,
}

/// What to train.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// The dataset folder.
    pub data: PathBuf,
    /// The checkpoint folder.
    pub out: PathBuf,
    /// Train until this many steps are done in all (a resumed run continues).
    pub steps: usize,
    /// Frames per batch.
    pub batch: usize,
    /// AdamW's learning rate.
    pub lr: f64,
    /// Seed: initial weights, batches, noise.
    pub seed: u64,
    /// Write the checkpoint every this many steps (and at the end).
    pub checkpoint_every: usize,
    /// Continue from the checkpoint in `out` if there is one.
    pub resume: bool,
    /// Side of the square window cut from each training pair (a multiple of 8; 0: whole
    /// frames).
    pub crop: usize,
    /// Stop (with a checkpoint) after this many minutes of training even if `steps` are
    /// not done; the learning-rate schedule still runs over `steps`, so a resumed run
    /// continues it exactly.
    pub max_minutes: Option<f64>,
    /// Which network and its size (ignored when resuming: the checkpoint's are used).
    pub arch: Arch,
    /// The weight of the scene's objects' pixels (its dynamic bodies) in the shading
    /// network's pixel loss, against 1 for floors, walls, sets and sky: objects cover a
    /// small part of most frames but are what a viewer looks at.
    pub object_weight: f32,
    /// Start a new shading network from this shading checkpoint's weights
    /// ([`ShadingModel::warm_start_from`]) instead of random ones (not with `resume` of an
    /// existing checkpoint).
    pub init_from: Option<PathBuf>,
    /// The scale `c` of the pixel loss's robust function ([`shading_losses`]); 0 turns it
    /// off (the plain relative squared error).
    pub robust_scale: f64,
}

/// Which finishing network to train.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arch {
    /// The single-step shading UNet ([`super::shading`]), the one that ships.
    Shading(ShadingConfig),
    /// The latent flow-matching model (autoencoder and denoiser) of the first finisher.
    Latent(AutoencoderConfig, DenoiserConfig),
}

/// `config.json` of a shading checkpoint (its weights: `shading.safetensors`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ShadingCheckpoint {
    /// The network.
    pub shading: ShadingConfig,
    /// The training seed (also the initial weights').
    pub seed: u64,
    /// Learning rate.
    pub lr: f64,
    /// Frames per batch.
    pub batch: usize,
}

/// The weights file of a shading checkpoint.
pub const SHADING_WEIGHTS: &str = "shading.safetensors";

/// A model of cinegraph's own, as a checkpoint folder holds it.
#[derive(Debug)]
pub enum OwnModel {
    /// The shading UNet.
    Shading(Box<ShadingModel>),
    /// The latent flow-matching model.
    Latent(Box<Model>),
}

impl OwnModel {
    /// Trainable parameters.
    pub fn parameter_count(&self) -> usize {
        match self {
            Self::Shading(m) => m.parameter_count(),
            Self::Latent(m) => m.parameter_count(),
        }
    }

    /// A finisher for one clip of a scene with style index `style`: `steps` and `seed`
    /// drive the latent model's sampler; the shading network takes one pass and no noise,
    /// so for it `steps` must be 1.
    ///
    /// # Errors
    /// A style index the model lacks; `steps` the model cannot take.
    pub fn finisher(
        &self,
        steps: usize,
        seed: u64,
        style: u32,
    ) -> Result<Box<dyn FrameFinisher + '_>, NeuralError> {
        Ok(match self {
            Self::Shading(m) => {
                check_single_step(steps)?;
                Box::new(ShadingFinisher::new(&**m, style)?)
            }
            Self::Latent(m) => Box::new(Finisher::new(&**m, steps, seed, style)?),
        })
    }

    /// The style index of a scene's style for this model ([`super::style_index`]).
    pub fn style_index(&self, style: Option<&str>) -> u32 {
        match self {
            Self::Shading(m) => m.style_index(style),
            Self::Latent(m) => super::style_index(m, style),
        }
    }
}

/// The shading network's only step count, 1, or an error that says so.
///
/// # Errors
/// [`NeuralError::Data`].
pub fn check_single_step(steps: usize) -> Result<(), NeuralError> {
    if steps != 1 {
        return Err(NeuralError::Data(format!(
            "the shading finisher takes one pass and no sampler steps (got {steps} steps); --steps applies to latent checkpoints and published models"
        )));
    }
    Ok(())
}

/// Loads whichever model of cinegraph's own a checkpoint folder holds (a shading network
/// when it has `shading.safetensors`, else the latent model) onto `device`.
///
/// # Errors
/// Missing files; weights that do not fit the configuration.
pub fn load_own_on(dir: &Path, device: &Device) -> Result<(OwnModel, TrainState), NeuralError> {
    let (trainee, state) = Trainee::load(dir, device)?;
    let model = match trainee {
        Trainee::Shading(m, _) => OwnModel::Shading(m),
        Trainee::Latent(m, _) => OwnModel::Latent(m),
    };
    Ok((model, state))
}

/// Loads a shading checkpoint onto `device`.
///
/// # Errors
/// Missing files; weights that do not fit the configuration.
pub fn load_shading_on(
    dir: &Path,
    device: &Device,
) -> Result<(ShadingModel, ShadingCheckpoint, TrainState), NeuralError> {
    let cfg: ShadingCheckpoint = crate::files::read_json(&dir.join("config.json"))?;
    let state: TrainState = crate::files::read_json(&dir.join("state.json"))?;
    let model = ShadingModel::new_on(&cfg.shading, cfg.seed, device)?;
    load_weights(&model.vars, &dir.join(SHADING_WEIGHTS))?;
    Ok((model, cfg, state))
}

/// What `train` did.
#[derive(Debug, Clone)]
pub struct TrainReport {
    /// The step it started from.
    pub start_step: usize,
    /// The step it stopped at.
    pub end_step: usize,
    /// Mean total loss of the first logged steps of this run (up to 10).
    pub first_loss: f64,
    /// Mean total loss of the last logged steps of this run (up to 10).
    pub last_loss: f64,
    /// Seconds per step.
    pub seconds_per_step: f64,
    /// Trainable parameters.
    pub parameters: usize,
}

/// Loads a model from a checkpoint folder.
///
/// # Errors
/// Missing files; weights that do not fit the configuration (the error names the tensor
/// and its expected shape).
pub fn load_checkpoint(dir: &Path) -> Result<(Model, ModelConfig, TrainState), NeuralError> {
    load_checkpoint_on(dir, &Device::Cpu)
}

/// [`load_checkpoint`] onto `device`.
///
/// # Errors
/// As [`load_checkpoint`].
pub fn load_checkpoint_on(
    dir: &Path,
    device: &Device,
) -> Result<(Model, ModelConfig, TrainState), NeuralError> {
    let cfg: ModelConfig = crate::files::read_json(&dir.join("config.json"))?;
    let state: TrainState = crate::files::read_json(&dir.join("state.json"))?;
    let model = Model::new_on(&cfg.autoencoder, &cfg.denoiser, cfg.seed, device)?;
    load_weights(&model.ae_vars, &dir.join("autoencoder.safetensors"))?;
    load_weights(&model.unet_vars, &dir.join("denoiser.safetensors"))?;
    Ok((model, cfg, state))
}

fn save_checkpoint(
    dir: &Path,
    model: &Model,
    cfg: &ModelConfig,
    state: &TrainState,
) -> Result<(), NeuralError> {
    crate::files::write_json(&dir.join("config.json"), cfg)?;
    save_weights(&model.ae_vars, &dir.join("autoencoder.safetensors"))?;
    save_weights(&model.unet_vars, &dir.join("denoiser.safetensors"))?;
    // Last: a state.json always names weights that are complete on disk.
    crate::files::write_json(&dir.join("state.json"), state)?;
    Ok(())
}

/// A batch of training tensors: `P` pairs of consecutive frames `(k − 1, k)` of one
/// scene, the `P` earlier frames first, then the `P` later ones (`B = 2P`).
#[derive(Debug)]
pub struct Batch {
    /// Conditioning `[B, COND_CHANNELS, H, W]`.
    pub cond: Tensor,
    /// Residual images `[B, 3, H, W]`.
    pub residual: Tensor,
    /// Style indices `[B]`.
    pub style: Tensor,
    /// Times `[B]` (shared by the two frames of a pair).
    pub t: Tensor,
    /// Noise `[B, latent, h, w]` (latent model only).
    pub noise: Option<Tensor>,
    /// For each later frame's pixel, the index of its source pixel in the earlier frame
    /// along the exact backward flow (nearest pixel), `[P, 3, H · W]` u32.
    pub warp_index: Tensor,
    /// 1 where that source exists (not disoccluded, inside the crop), `[P, 1, H · W]`.
    pub warp_mask: Tensor,
    /// 1 on the scene's objects' pixels ([`SceneFrames::object_mask`]), else 0,
    /// `[B, 1, H, W]`.
    pub objects: Tensor,
}

/// The square crop of a `w × h` frame a training step sees (`crop` 0: the whole frame):
/// `(x0, y0, cw, ch)`.
fn crop_window(
    rng: &mut SeededRng,
    w: usize,
    h: usize,
    crop: usize,
) -> (usize, usize, usize, usize) {
    if crop == 0 || (crop >= w && crop >= h) {
        return (0, 0, w, h);
    }
    let (cw, ch) = (crop.min(w), crop.min(h));
    (rng.index(w - cw + 1), rng.index(h - ch + 1), cw, ch)
}

/// One frame of a batch: its conditioning, residual, style, time and object mask (the
/// crop of each).
type Sample = (Tensor, Tensor, u32, f32, Tensor);

/// The batch of step `step`: `batch` frames in pairs, crops, history dropout, times and
/// noise all from `seed`. `crop` (a multiple of 8, or 0 for whole frames) is the side of
/// the square window each pair is cut to. `latent` (the latent model's downscale factor
/// and channels) asks for the flow-matching noise; the shading network needs none. The
/// tensors are built on the CPU and moved to `device`.
///
/// # Errors
/// An empty dataset; frames of different sizes; tensor errors.
pub fn make_batch(
    scenes: &[SceneFrames],
    batch: usize,
    latent: Option<(usize, usize)>,
    seed: u64,
    step: usize,
    crop: usize,
    device: &Device,
) -> Result<Batch, NeuralError> {
    // Every frame that has a predecessor (or a lone first frame) ends a pair.
    let ends: Vec<(usize, usize)> = scenes
        .iter()
        .enumerate()
        .flat_map(|(s, sc)| {
            let n = sc.inputs.len();
            (usize::from(n > 1)..n).map(move |k| (s, k))
        })
        .collect();
    if ends.is_empty() {
        return Err(NeuralError::Data(
            "training needs at least one frame".into(),
        ));
    }
    let pairs = batch.div_ceil(2).max(1);
    let mut rng = SeededRng::new(seed, &format!("train/batch/{step}"));
    let mut half: [Vec<Sample>; 2] = [vec![], vec![]];
    let (mut index, mut mask) = (vec![], vec![]);
    let mut dims = None;
    for _ in 0..pairs {
        let (s, k) = ends[rng.index(ends.len())];
        let sc = &scenes[s];
        let a = k.saturating_sub(1);
        let inp = &sc.inputs[k];
        let (w, h) = (inp.width, inp.height);
        let (x0, y0, cw, ch) = crop_window(&mut rng, w, h, crop);
        if *dims.get_or_insert((cw, ch)) != (cw, ch) {
            return Err(NeuralError::Data(format!(
                "training frames must share one size (or use a crop): found {cw}x{ch} and {:?}",
                dims
            )));
        }
        let u = rng.unit();
        // A third of the pairs at t = 1 (the one-step sampler's only point), a sixth
        // at t = ½ (the two-step sampler's second), the rest uniform.
        let t = if u < 1.0 / 3.0 {
            1.0
        } else if u < 0.5 {
            0.5
        } else {
            rng.unit() as f32
        };
        for (slot, f) in [a, k].into_iter().enumerate() {
            let fi = &sc.inputs[f];
            let history = (f > 0 && rng.unit() < 0.5).then(|| sc.reference[f - 1].as_slice());
            let cond = fi
                .cond_tensor(history)?
                .narrow(2, y0, ch)?
                .narrow(3, x0, cw)?;
            let r: Vec<[f32; 3]> = sc.reference[f]
                .iter()
                .zip(&fi.preview)
                .map(|(p, q)| [0, 1, 2].map(|c| compress(p[c]) - compress(q[c])))
                .collect();
            let r = super::image_tensor(&r, w, h, |v| v)?
                .narrow(2, y0, ch)?
                .narrow(3, x0, cw)?;
            let objects: Vec<f32> = sc
                .object_mask(f)
                .into_iter()
                .map(|o| if o { 1.0 } else { 0.0 })
                .collect();
            let objects = Tensor::from_vec(objects, (1, 1, h, w), &Device::Cpu)?
                .narrow(2, y0, ch)?
                .narrow(3, x0, cw)?;
            half[slot].push((cond, r, sc.style, t, objects));
        }
        // The later frame's pixels and their sources in the earlier one.
        for y in 0..ch {
            for x in 0..cw {
                let i = (y0 + y) * w + x0 + x;
                let [fx, fy] = inp.flow_bwd[i];
                let (sx, sy) = ((x + x0) as f32 + fx, (y + y0) as f32 + fy);
                let (sx, sy) = (sx.round() - x0 as f32, sy.round() - y0 as f32);
                let ok = k != a
                    && !inp.disoccluded[i]
                    && sx.is_finite()
                    && sy.is_finite()
                    && (0.0..cw as f32).contains(&sx)
                    && (0.0..ch as f32).contains(&sy);
                index.push(if ok {
                    sy as u32 * cw as u32 + sx as u32
                } else {
                    0
                });
                mask.push(if ok { 1.0f32 } else { 0.0 });
            }
        }
    }
    let all: Vec<&Sample> = half[0].iter().chain(&half[1]).collect();
    let cond = Tensor::cat(&all.iter().map(|x| &x.0).collect::<Vec<_>>(), 0)?;
    let residual = Tensor::cat(&all.iter().map(|x| &x.1).collect::<Vec<_>>(), 0)?;
    let (b, _, h, w) = cond.dims4()?;
    let noise = match latent {
        Some((f, lc)) => {
            let v = gaussian(
                seed,
                &format!("train/noise/{step}"),
                b * lc * (h / f) * (w / f),
            );
            Some(Tensor::from_vec(v, (b, lc, h / f, w / f), device)?)
        }
        None => None,
    };
    let n = h * w;
    let dev = device;
    let index = Tensor::from_vec(index, (pairs, 1, n), dev)?.repeat((1, 3, 1))?;
    Ok(Batch {
        cond: cond.to_device(dev)?,
        residual: residual.to_device(dev)?,
        style: Tensor::from_vec(all.iter().map(|x| x.2).collect::<Vec<_>>(), b, dev)?,
        t: Tensor::from_vec(all.iter().map(|x| x.3).collect::<Vec<_>>(), b, dev)?,
        noise,
        warp_index: index,
        warp_mask: Tensor::from_vec(mask, (pairs, 1, n), dev)?,
        objects: Tensor::cat(&all.iter().map(|x| &x.4).collect::<Vec<_>>(), 0)?.to_device(dev)?,
    })
}

/// The losses of one batch.
#[derive(Debug)]
pub struct Losses {
    /// The autoencoder's reconstruction of the residual (mean squared error).
    pub autoencoder: Tensor,
    /// Flow matching: the clean latent `z₀` from `z_t` (mean squared error).
    pub flow_matching: Tensor,
    /// The estimate `ẑ₀`, decoded, against the residual: what the sampler's output will
    /// look like in pixels (mean squared error).
    pub pixel: Tensor,
    /// Temporal: the decoded estimate's error `e = r̂ − r` of a later frame against the
    /// earlier frame's error warped along the exact backward flow, over pixels that have
    /// a source (the short-term temporal loss of Lai et al. 2018, "Learning Blind Video
    /// Temporal Consistency", applied to the error so that the reference's own change
    /// between the frames is kept).
    pub temporal: Tensor,
}

impl Losses {
    /// The weighted sum that is minimized.
    ///
    /// # Errors
    /// Tensor errors.
    pub fn total(&self) -> Result<Tensor, NeuralError> {
        Ok((((&self.autoencoder + &self.flow_matching)? + &self.pixel)? + &self.temporal)?)
    }
}

/// The losses of one batch (see [`Losses`]).
///
/// # Errors
/// Tensor errors.
pub fn losses(model: &Model, batch: &Batch) -> Result<Losses, NeuralError> {
    let guide = Some(&batch.cond);
    let z = model.autoencoder.encode(&batch.residual)?;
    let recon = model.autoencoder.decode(&z, guide)?;
    let autoencoder = candle_nn::loss::mse(&recon, &batch.residual)?;
    let z0 = z.detach();
    let t = batch.t.unsqueeze(1)?.unsqueeze(2)?.unsqueeze(3)?;
    let noise = batch.noise.as_ref().ok_or_else(|| {
        NeuralError::Internal("a latent-model batch was made without noise".into())
    })?;
    let zt = (z0.broadcast_mul(&(1.0 - &t)?)? + noise.broadcast_mul(&t)?)?;
    let cond = model.denoiser.encode_cond(&batch.cond)?;
    let z0_hat = model.denoiser.forward(&zt, &batch.t, &batch.style, &cond)?;
    let flow_matching = candle_nn::loss::mse(&z0_hat, &z0)?;
    let pix = model.autoencoder.decode(&z0_hat, guide)?;
    let pixel = candle_nn::loss::mse(&pix, &batch.residual)?;
    let temporal = temporal_loss(&pix, batch)?;
    Ok(Losses {
        autoencoder,
        flow_matching,
        pixel,
        temporal,
    })
}

/// The temporal loss of [`Losses::temporal`] for the estimated residuals `pix` of a
/// batch: the later frames' error against the earlier frames' error warped along the
/// exact flow, over the pixels that have a source.
///
/// # Errors
/// Tensor errors.
pub fn temporal_loss(pix: &Tensor, batch: &Batch) -> Result<Tensor, NeuralError> {
    let (b, c, h, w) = pix.dims4()?;
    let p = b / 2;
    let e = (pix - &batch.residual)?.reshape((b, c, h * w))?;
    let (ea, eb) = (e.narrow(0, 0, p)?, e.narrow(0, p, p)?);
    let warped = ea.contiguous()?.gather(&batch.warp_index, 2)?;
    let d = (eb - warped)?.broadcast_mul(&batch.warp_mask)?;
    let valid = (batch.warp_mask.sum_all()?.to_scalar::<f32>()? * c as f32).max(1.0);
    Ok((d.sqr()?.sum_all()? / f64::from(valid))?)
}

/// The default scale `c` of the pixel loss's robust function (see [`shading_losses`]):
/// relative errors far above it count logarithmically.
pub const ROBUST_SCALE: f64 = 16.0;

/// The shading network's losses of one batch: `[pixel, temporal]` (summed, they are
/// what is minimized).
///
/// `pixel` is the relative squared error in linear light, `(f − y)² / (sg(f) + 0.01)²`
/// with `f` the finished frame, `y` the reference and `sg` no gradient through the
/// denominator (Lehtinen et al. 2018, "Noise2Noise", their loss for Monte Carlo
/// renderings): the references are path traced at few samples, and a loss on
/// `log(1 + y)` would learn the mean of the log of their noise — darker than the mean
/// wherever the samples are noisy — while this one, linear in `y`, learns the mean
/// itself. Each pixel's relative error `e` counts as `c·ln(1 + e/c)` (`robust_scale`,
/// [`ROBUST_SCALE`] by default; 0: `e` itself),
/// which is `e` for all but the fireflies of the few-sample references, and the pixels of
/// the scene's objects weigh `object_weight` against 1 for the rest (a weighted mean).
/// `temporal` is [`temporal_loss`] on the residual.
///
/// # Errors
/// Tensor errors.
pub fn shading_losses(
    model: &ShadingModel,
    batch: &Batch,
    object_weight: f32,
    robust_scale: f64,
) -> Result<[Tensor; 2], NeuralError> {
    let pix = model.net.forward(&batch.cond, &batch.style)?;
    let base = batch.cond.narrow(1, 0, 3)?;
    let finished = ((&base + &pix)?.exp()? - 1.0)?.relu()?;
    let reference = ((&base + &batch.residual)?.exp()? - 1.0)?;
    let scale = (finished.detach() + 0.01)?.sqr()?;
    // Per pixel 1, or `object_weight` on objects; normalized so that the loss keeps its
    // scale (the weighted mean).
    let weight = ((&batch.objects * f64::from(object_weight - 1.0))? + 1.0)?;
    // The relative error e, through the Cauchy (Lorentzian) function c·ln(1 + e/c): e
    // itself for ordinary pixels (e ≪ c), but a firefly of a noisy reference (or a
    // near-black guess under a lit pixel), whose e reaches 10⁵, pulls with the weight of
    // about c·ln(e/c) instead of e, and still in the right direction; one such pixel no
    // longer outweighs the batch (Black & Anandan 1996's robust estimator).
    let relative = ((&finished - reference)?.sqr()? / scale)?;
    let robust = if robust_scale > 0.0 {
        (((relative / robust_scale)? + 1.0)?.log()? * robust_scale)?
    } else {
        relative
    };
    let error = robust.broadcast_mul(&weight)?;
    let pixel = (error.mean_all()? / weight.mean_all()?)?;
    let temporal = temporal_loss(&pix, batch)?;
    Ok([pixel, temporal])
}

fn load_split(dir: &Path, held_out: bool) -> Result<Vec<SceneFrames>, NeuralError> {
    let (_, files) = split_files(dir, held_out)?;
    files.iter().map(|f| read_scene(f)).collect()
}

/// The model being trained, with its checkpoint configuration.
enum Trainee {
    Shading(Box<ShadingModel>, ShadingCheckpoint),
    Latent(Box<Model>, ModelConfig),
}

impl Trainee {
    /// A fresh model for `arch`, on `device`.
    fn new(opts: &TrainOptions, n_styles: usize, device: &Device) -> Result<Self, NeuralError> {
        Ok(match opts.arch {
            Arch::Shading(mut shading) => {
                shading.n_styles = n_styles;
                let cfg = ShadingCheckpoint {
                    shading,
                    seed: opts.seed,
                    lr: opts.lr,
                    batch: opts.batch,
                };
                Self::Shading(
                    Box::new(ShadingModel::new_on(&shading, cfg.seed, device)?),
                    cfg,
                )
            }
            Arch::Latent(autoencoder, mut denoiser) => {
                denoiser.n_styles = n_styles;
                let cfg = ModelConfig {
                    autoencoder,
                    denoiser,
                    seed: opts.seed,
                    lr: opts.lr,
                    batch: opts.batch,
                };
                let model = Model::new_on(&cfg.autoencoder, &cfg.denoiser, cfg.seed, device)?;
                Self::Latent(Box::new(model), cfg)
            }
        })
    }

    /// The checkpoint in `dir`, whichever kind it is.
    fn load(dir: &Path, device: &Device) -> Result<(Self, TrainState), NeuralError> {
        if dir.join(SHADING_WEIGHTS).is_file() {
            let (m, cfg, state) = load_shading_on(dir, device)?;
            Ok((Self::Shading(Box::new(m), cfg), state))
        } else {
            let (m, cfg, state) = load_checkpoint_on(dir, device)?;
            Ok((Self::Latent(Box::new(m), cfg), state))
        }
    }

    fn vars(&self) -> Vec<candle_core::Var> {
        match self {
            Self::Shading(m, _) => m.vars.all_vars(),
            Self::Latent(m, _) => {
                let mut v = m.ae_vars.all_vars();
                v.extend(m.unet_vars.all_vars());
                v
            }
        }
    }

    /// (learning rate, seed, frames per batch) of the checkpoint.
    fn settings(&self) -> (f64, u64, usize) {
        match self {
            Self::Shading(_, c) => (c.lr, c.seed, c.batch),
            Self::Latent(_, c) => (c.lr, c.seed, c.batch),
        }
    }

    /// `loss.csv`'s loss columns and their names on the curve, total last.
    fn columns(&self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Shading(..) => &[
                ("pixel_loss", "pixel (relative squared error, linear light)"),
                ("temporal_loss", "temporal (warped error)"),
                ("total_loss", "total"),
            ],
            Self::Latent(..) => &[
                ("autoencoder_loss", "autoencoder (residual reconstruction)"),
                ("latent_loss", "latent (clean-latent estimate)"),
                ("pixel_loss", "pixel (one-step estimate)"),
                ("temporal_loss", "temporal (warped error)"),
                ("total_loss", "total"),
            ],
        }
    }

    /// The losses of step `step`'s batch ([`Self::columns`] order) and their total.
    fn losses(
        &self,
        scenes: &[SceneFrames],
        step: usize,
        opts: &TrainOptions,
        device: &Device,
    ) -> Result<(Tensor, Vec<Tensor>), NeuralError> {
        let (_, seed, batch) = self.settings();
        let crop = opts.crop;
        match self {
            Self::Shading(m, _) => {
                let b = make_batch(scenes, batch, None, seed, step, crop, device)?;
                let [pixel, temporal] =
                    shading_losses(m, &b, opts.object_weight, opts.robust_scale)?;
                let total = (&pixel + &temporal)?;
                Ok((total.clone(), vec![pixel, temporal, total]))
            }
            Self::Latent(m, cfg) => {
                let b = make_batch(scenes, batch, Some(cfg.latent()), seed, step, crop, device)?;
                let l = losses(m, &b)?;
                let total = l.total()?;
                Ok((
                    total.clone(),
                    vec![l.autoencoder, l.flow_matching, l.pixel, l.temporal, total],
                ))
            }
        }
    }

    fn save(&self, dir: &Path, state: &TrainState) -> Result<(), NeuralError> {
        match self {
            Self::Shading(m, cfg) => {
                crate::files::write_json(&dir.join("config.json"), cfg)?;
                save_weights(&m.vars, &dir.join(SHADING_WEIGHTS))?;
                crate::files::write_json(&dir.join("state.json"), state)?;
                Ok(())
            }
            Self::Latent(m, cfg) => save_checkpoint(dir, m, cfg, state),
        }
    }

    fn parameter_count(&self) -> usize {
        match self {
            Self::Shading(m, _) => m.parameter_count(),
            Self::Latent(m, _) => m.parameter_count(),
        }
    }

    /// The side a crop must be a multiple of.
    fn crop_multiple(&self) -> usize {
        match self {
            Self::Shading(m, _) => m.net.config().multiple(),
            Self::Latent(..) => 8,
        }
    }
}

/// Trains (or resumes training) into `opts.out`.
///
/// # Errors
/// Bad options or data; I/O and tensor errors.
pub fn train(opts: &TrainOptions, progress: &dyn Progress) -> Result<TrainReport, NeuralError> {
    if opts.batch < 2
        || !opts.batch.is_multiple_of(2)
        || opts.checkpoint_every == 0
        || !(opts.lr.is_finite() && opts.lr > 0.0)
        || !opts.crop.is_multiple_of(8)
    {
        return Err(NeuralError::Data(format!(
            "train: --batch ({}) must be even (pairs of consecutive frames), --checkpoint-every ({}) at least 1, --lr ({}) > 0 and --crop ({}) a multiple of 8",
            opts.batch, opts.checkpoint_every, opts.lr, opts.crop
        )));
    }
    if !(opts.object_weight.is_finite() && opts.object_weight >= 1.0) {
        return Err(NeuralError::Data(format!(
            "train: --object-weight ({}) must be a number of at least 1",
            opts.object_weight
        )));
    }
    if !(opts.robust_scale.is_finite() && opts.robust_scale >= 0.0) {
        return Err(NeuralError::Data(format!(
            "train: --robust-scale ({}) must be a number of at least 0",
            opts.robust_scale
        )));
    }
    let scenes = load_split(&opts.data, false)?;
    if scenes.is_empty() {
        return Err(NeuralError::Data(format!(
            "{}: the dataset has no training scenes",
            opts.data.display()
        )));
    }
    let n_styles = crate::style::bundled()?.len();
    if let Some(bad) = scenes.iter().find(|s| s.style as usize >= n_styles) {
        return Err(NeuralError::Data(format!(
            "the dataset names style {}, but only {n_styles} styles are bundled",
            bad.style
        )));
    }
    std::fs::create_dir_all(&opts.out).map_err(|source| crate::files::FileError::Write {
        path: opts.out.clone(),
        source,
    })?;
    let resuming = opts.resume && opts.out.join("state.json").is_file();
    let device = super::device();
    if let (true, Some(from)) = (resuming, &opts.init_from) {
        return Err(NeuralError::Data(format!(
            "train: --init-from {} starts a new checkpoint, but {} holds one to resume: choose another --out, or drop --init-from",
            from.display(),
            opts.out.display()
        )));
    }
    let (model, mut state) = if resuming {
        Trainee::load(&opts.out, &device)?
    } else {
        let model = Trainee::new(opts, n_styles, &device)?;
        if let Some(from) = &opts.init_from {
            let Trainee::Shading(m, _) = &model else {
                return Err(NeuralError::Data(
                    "train: --init-from starts the shading network only (not --arch latent)".into(),
                ));
            };
            if !from.join(SHADING_WEIGHTS).is_file() {
                return Err(NeuralError::Data(format!(
                    "train: --init-from {}: not a shading checkpoint (no {SHADING_WEIGHTS})",
                    from.display()
                )));
            }
            let (source, _, _) = load_shading_on(from, &Device::Cpu)?;
            m.warm_start_from(&source)?;
        }
        (model, TrainState { step: 0 })
    };
    let multiple = model.crop_multiple();
    let (fw, fh) = scenes
        .first()
        .and_then(|s| s.inputs.first())
        .map_or((0, 0), |f| (f.width, f.height));
    let mut probe = SeededRng::new(0, "train/window");
    let (_, _, cw, ch) = crop_window(&mut probe, fw, fh, opts.crop);
    if !cw.is_multiple_of(multiple) || !ch.is_multiple_of(multiple) {
        return Err(NeuralError::Data(format!(
            "train: this network takes windows whose sides are multiples of {multiple}, but --crop {} on {fw}x{fh} frames gives {cw}x{ch}: choose --crop as such a multiple (at most the frame's side){}",
            opts.crop,
            if matches!(model, Trainee::Shading(..)) {
                ", or a smaller --factor"
            } else {
                ""
            }
        )));
    }
    let (lr, _, _) = model.settings();
    let mut opt = AdamW::new(
        model.vars(),
        ParamsAdamW {
            lr,
            weight_decay: 1e-4,
            ..Default::default()
        },
    )?;
    let columns = model.columns();
    let header = std::iter::once("step")
        .chain(columns.iter().map(|c| c.0))
        .chain(std::iter::once("seconds"))
        .collect::<Vec<_>>()
        .join(",");
    let log_path = opts.out.join("loss.csv");
    let mut log = if resuming && log_path.is_file() {
        // Keep the rows up to the checkpoint's step (a crash may have logged more).
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        let mut kept: Vec<String> = text
            .lines()
            .filter(|l| {
                l.split(',')
                    .next()
                    .and_then(|s| s.parse::<usize>().ok())
                    .is_none_or(|s| s < state.step)
            })
            .map(str::to_string)
            .collect();
        if kept.is_empty() {
            kept.push(header.clone());
        }
        kept.join("\n") + "\n"
    } else {
        format!("{header}\n")
    };
    let labels: Vec<&str> = columns.iter().map(|c| c.1).collect();
    let start_step = state.step;
    let mut totals = Vec::new();
    let started = Instant::now();
    progress.start("train", opts.steps.saturating_sub(start_step) as u64);
    while state.step < opts.steps {
        if opts
            .max_minutes
            .is_some_and(|m| started.elapsed().as_secs_f64() >= m * 60.0)
        {
            model.save(&opts.out, &state)?;
            write_log(&opts.out, &log, &labels)?;
            break;
        }
        let t0 = Instant::now();
        opt.set_learning_rate(learning_rate(lr, state.step, opts.steps));
        let (total, parts) = model.losses(&scenes, state.step, opts, &device)?;
        opt.backward_step(&total)?;
        let values: Vec<f32> = parts
            .iter()
            .map(|x| x.to_scalar::<f32>().unwrap_or(f32::NAN))
            .collect();
        let all = values.last().copied().unwrap_or(f32::NAN);
        if !all.is_finite() {
            let named: Vec<String> = columns
                .iter()
                .zip(&values)
                .map(|(c, v)| format!("{} {v}", c.0))
                .collect();
            return Err(NeuralError::Data(format!(
                "train: the loss diverged at step {} ({}); lower --lr",
                state.step,
                named.join(", ")
            )));
        }
        totals.push(f64::from(all));
        let row: Vec<String> = values.iter().map(|v| format!("{v:.6}")).collect();
        log.push_str(&format!(
            "{},{},{:.4}\n",
            state.step,
            row.join(","),
            t0.elapsed().as_secs_f64()
        ));
        state.step += 1;
        progress.advance(1);
        if state.step % opts.checkpoint_every == 0 || state.step == opts.steps {
            model.save(&opts.out, &state)?;
            write_log(&opts.out, &log, &labels)?;
        }
    }
    progress.finish();
    if totals.is_empty() {
        model.save(&opts.out, &state)?;
        write_log(&opts.out, &log, &labels)?;
    }
    let m = totals.len().min(10);
    let mean = |s: &[f64]| {
        if s.is_empty() {
            f64::NAN
        } else {
            s.iter().sum::<f64>() / s.len() as f64
        }
    };
    Ok(TrainReport {
        start_step,
        end_step: state.step,
        first_loss: mean(&totals[..m]),
        last_loss: mean(&totals[totals.len() - m..]),
        seconds_per_step: started.elapsed().as_secs_f64() / totals.len().max(1) as f64,
        parameters: model.parameter_count(),
    })
}

/// The learning rate of step `step` of `steps`: a linear warm-up over the first 50 steps,
/// then a cosine decay to a tenth of `lr` at the last step (Loshchilov & Hutter 2017,
/// SGDR, without restarts). A function of the step alone, so a resumed run follows the
/// same schedule.
pub fn learning_rate(lr: f64, step: usize, steps: usize) -> f64 {
    const WARMUP: usize = 50;
    if step < WARMUP {
        return lr * (step + 1) as f64 / WARMUP as f64;
    }
    let span = steps.saturating_sub(WARMUP).max(1) as f64;
    let x = ((step - WARMUP) as f64 / span).min(1.0);
    lr * (0.1 + 0.9 * 0.5 * (1.0 + (std::f64::consts::PI * x).cos()))
}

/// Writes `loss.csv` and its curve `loss.png` (`labels`: the loss columns' names on the
/// curve, in their order between `step` and `seconds`).
fn write_log(dir: &Path, csv: &str, labels: &[&str]) -> Result<(), NeuralError> {
    crate::files::write_atomic(&dir.join("loss.csv"), csv.as_bytes())?;
    let rows: Vec<Vec<f64>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').filter_map(|v| v.parse::<f64>().ok()).collect())
        .filter(|r: &Vec<f64>| r.len() > labels.len())
        .collect();
    let series = |c: usize| rows.iter().map(|r| (r[0], r[c])).collect::<Vec<_>>();
    // Total first (the curve's legend leads with it), then the parts.
    let n = labels.len();
    let mut curves = vec![(labels[n - 1], series(n))];
    curves.extend(
        labels[..n - 1]
            .iter()
            .enumerate()
            .map(|(i, l)| (*l, series(i + 1))),
    );
    let png = crate::output::loss_plot_png("cinegraph train: loss per step", &curves)?;
    crate::files::write_atomic(&dir.join("loss.png"), &png)?;
    Ok(())
}

/// Means over the held-out frames.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EvalReport {
    /// Held-out scenes.
    pub scenes: usize,
    /// Frames.
    pub frames: usize,
    /// Width and height.
    pub size: (usize, usize),
    /// Sampler steps.
    pub sampler_steps: usize,
    /// PSNR (dB) of the raster preview against the reference.
    pub psnr_preview: f64,
    /// PSNR (dB) of the finished frame against the reference.
    pub psnr_finished: f64,
    /// SSIM of the preview.
    pub ssim_preview: f64,
    /// SSIM of the finished frame.
    pub ssim_finished: f64,
    /// Flow warping error of the preview (Lai et al. 2018).
    pub warp_error_preview: f64,
    /// Flow warping error of the finished frames.
    pub warp_error_finished: f64,
    /// Flow warping error of the reference.
    pub warp_error_reference: f64,
    /// Mottling of the preview against the reference ([`metrics::mottling`]), display
    /// values.
    pub mottling_preview: f64,
    /// Mottling of the finished frames.
    pub mottling_finished: f64,
    /// Mean ꟻLIP of the preview against the reference, whole frames.
    pub flip_preview: f64,
    /// Mean ꟻLIP of the finished frames, whole frames.
    pub flip_finished: f64,
    /// Mean ꟻLIP of the preview over object pixels (segmentation ≠ 0).
    pub flip_objects_preview: f64,
    /// Mean ꟻLIP of the finished frames over object pixels.
    pub flip_objects_finished: f64,
    /// Milliseconds per finished frame (this machine, all its cores).
    pub ms_per_frame: f64,
    /// Milliseconds per reference frame, from the dataset's own timing.
    pub reference_ms_per_frame: f64,
}

/// Finishes every held-out frame of the dataset in `data` with the checkpoint in
/// `checkpoint` and compares with the reference, all three graded in the scene's style
/// (the exact grade, as at render time: the model works before it) and encoded to sRGB.
///
/// # Errors
/// Missing or broken files; a dataset without held-out scenes.
pub fn evaluate(
    data: &Path,
    checkpoint: &Path,
    sampler_steps: usize,
    seed: u64,
    sheet: Option<&Path>,
    progress: &dyn Progress,
) -> Result<EvalReport, NeuralError> {
    let (model, _) = load_own_on(checkpoint, &super::device())?;
    let mut rows: Vec<[Vec<u8>; 5]> = Vec::new();
    let (manifest, _) = split_files(data, true)?;
    let scenes = load_split(data, true)?;
    if scenes.is_empty() {
        return Err(NeuralError::Data(format!(
            "{}: the dataset has no held-out scenes (scene i is held out when i % 5 == 4: make at least 5)",
            data.display()
        )));
    }
    let styles = crate::style::bundled()?;
    let mut r = EvalReport {
        scenes: scenes.len(),
        sampler_steps,
        ..Default::default()
    };
    let (mut warp_n, mut mottle_n, mut object_n, mut ms) = (0usize, 0usize, 0usize, 0.0);
    progress.start("eval", scenes.iter().map(|s| s.inputs.len() as u64).sum());
    for sc in &scenes {
        let mut fin = model.finisher(sampler_steps, seed, sc.style)?;
        // Seed 0: the preview, the finished frame and the reference of a frame all get
        // the same grain field.
        let look = crate::style::Look::new(styles.get(sc.style as usize), 0);
        let mut prev: Option<[Vec<[f32; 3]>; 3]> = None;
        for (k, inp) in sc.inputs.iter().enumerate() {
            let t = Instant::now();
            let finished = fin.finish(inp)?;
            ms += t.elapsed().as_secs_f64() * 1e3;
            let (w, h) = (inp.width, inp.height);
            r.size = (w, h);
            let srgb = |px: &[[f32; 3]]| -> Vec<u8> {
                look.grade_frame(px, w as u32, h as u32, k)
                    .chunks_exact(4)
                    .flat_map(|p| [p[0], p[1], p[2]])
                    .collect()
            };
            let [p8, f8, re8] = [srgb(&inp.preview), srgb(&finished), srgb(&sc.reference[k])];
            let unit = |v: &[u8]| -> Vec<[f32; 3]> {
                v.chunks_exact(3)
                    .map(|p| [0, 1, 2].map(|c| f32::from(p[c]) / 255.0))
                    .collect()
            };
            let [p, f, re] = [unit(&p8), unit(&f8), unit(&re8)];
            let maps = [&p8, &f8].map(|test| metrics::flip_map(&re8, test, w, h));
            if sheet.is_some() && k == 1.min(sc.inputs.len() - 1) {
                let [mp, mf] = &maps;
                let colors = |map: &[f32]| metrics::flip_colors(map, w, h);
                rows.push([p8.clone(), f8.clone(), re8.clone(), colors(mp), colors(mf)]);
            }
            let objects = sc.object_mask(k);
            let [(whole_p, obj_p), (whole_f, obj_f)] =
                maps.map(|m| metrics::flip_means(&m, &objects));
            r.flip_preview += whole_p;
            r.flip_finished += whole_f;
            if let (Some(a), Some(b)) = (obj_p, obj_f) {
                r.flip_objects_preview += a;
                r.flip_objects_finished += b;
                object_n += 1;
            }
            r.psnr_preview += metrics::psnr(&p, &re);
            r.psnr_finished += metrics::psnr(&f, &re);
            r.ssim_preview += metrics::ssim(&p, &re, w, h);
            r.ssim_finished += metrics::ssim(&f, &re, w, h);
            let mottled = |img: &[[f32; 3]]| {
                metrics::mottling(img, &re, &inp.albedo, &inp.segmentation, w, h)
            };
            if let (Some(a), Some(b)) = (mottled(&p), mottled(&f)) {
                r.mottling_preview += a;
                r.mottling_finished += b;
                mottle_n += 1;
            }
            r.frames += 1;
            if let Some([pp, pf, pr]) = &prev {
                let we = |a: &[[f32; 3]], b: &[[f32; 3]]| {
                    metrics::warping_error(a, b, &inp.flow_bwd, &inp.disoccluded, w, h)
                };
                if let (Some(a), Some(b), Some(c)) = (we(pp, &p), we(pf, &f), we(pr, &re)) {
                    r.warp_error_preview += a;
                    r.warp_error_finished += b;
                    r.warp_error_reference += c;
                    warp_n += 1;
                }
            }
            prev = Some([p, f, re]);
            progress.advance(1);
        }
    }
    progress.finish();
    let n = r.frames.max(1) as f64;
    r.psnr_preview /= n;
    r.psnr_finished /= n;
    r.ssim_preview /= n;
    r.ssim_finished /= n;
    let wn = warp_n.max(1) as f64;
    r.warp_error_preview /= wn;
    r.warp_error_finished /= wn;
    r.warp_error_reference /= wn;
    let mn = mottle_n.max(1) as f64;
    r.mottling_preview /= mn;
    r.mottling_finished /= mn;
    r.flip_preview /= n;
    r.flip_finished /= n;
    let on = object_n.max(1) as f64;
    r.flip_objects_preview /= on;
    r.flip_objects_finished /= on;
    r.ms_per_frame = ms / n;
    let held: Vec<_> = manifest
        .scenes
        .values()
        .filter(|s| s.split == "held-out")
        .collect();
    let ref_s: f64 = held.iter().map(|s| s.reference_seconds).sum();
    r.reference_ms_per_frame = ref_s * 1e3 / (held.len() * manifest.frames).max(1) as f64;
    if let Some(path) = sheet {
        write_sheet(path, &rows, r.size)?;
    }
    Ok(r)
}

/// The contact sheet of `eval-finish --sheet`: a row per held-out scene (its second
/// frame, the first with a history), columns preview, finish, reference, then the ꟻLIP
/// maps of the preview and of the finish against the reference; 2 px gaps.
fn write_sheet(
    path: &Path,
    rows: &[[Vec<u8>; 5]],
    (w, h): (usize, usize),
) -> Result<(), NeuralError> {
    const GAP: usize = 2;
    let (sw, sh) = (5 * w + 4 * GAP, rows.len() * (h + GAP));
    let mut img = image::RgbImage::from_pixel(sw as u32, sh.max(1) as u32, image::Rgb([255; 3]));
    for (r, row) in rows.iter().enumerate() {
        for (c, tile) in row.iter().enumerate() {
            for (i, px) in tile.chunks_exact(3).enumerate() {
                let (x, y) = (c * (w + GAP) + i % w, r * (h + GAP) + i / w);
                img.put_pixel(x as u32, y as u32, image::Rgb([px[0], px[1], px[2]]));
            }
        }
    }
    crate::output::write_png_rgb(path, &img)?;
    Ok(())
}

/// Writes the evaluation as a small table (the CLI's output).
///
/// # Errors
/// I/O errors.
pub fn write_eval_table(out: &mut dyn Write, r: &EvalReport) -> std::io::Result<()> {
    writeln!(
        out,
        "held-out: {} scenes, {} frames at {}x{}, {} sampler steps, each image graded in its scene's style",
        r.scenes, r.frames, r.size.0, r.size.1, r.sampler_steps
    )?;
    writeln!(
        out,
        "                 PSNR dB   SSIM    FLIP    FLIP objects  warp error  mottling"
    )?;
    for (name, psnr, ssim, flip, objects, warp, mottling) in [
        (
            "raster preview",
            r.psnr_preview,
            r.ssim_preview,
            r.flip_preview,
            r.flip_objects_preview,
            r.warp_error_preview,
            r.mottling_preview,
        ),
        (
            "neural finish",
            r.psnr_finished,
            r.ssim_finished,
            r.flip_finished,
            r.flip_objects_finished,
            r.warp_error_finished,
            r.mottling_finished,
        ),
    ] {
        writeln!(
            out,
            "{name:<15}  {psnr:7.2}   {ssim:.4}  {flip:.4}  {objects:.4}        {warp:.6}    {mottling:.4}"
        )?;
    }
    writeln!(
        out,
        "reference                                                {:.6}",
        r.warp_error_reference
    )?;
    let change = |a: f64, b: f64| 100.0 * (b - a) / a.max(1e-12);
    writeln!(
        out,
        "finish vs preview: FLIP {:+.1} % whole, {:+.1} % on objects; mottling {:+.1} %",
        change(r.flip_preview, r.flip_finished),
        change(r.flip_objects_preview, r.flip_objects_finished),
        change(r.mottling_preview, r.mottling_finished)
    )?;
    writeln!(
        out,
        "finish {:.1} ms per frame; reference {:.1} ms per frame ({:.0}x the finish)",
        r.ms_per_frame,
        r.reference_ms_per_frame,
        r.reference_ms_per_frame / r.ms_per_frame.max(1e-9)
    )
}
