//! Training (`cinegraph train`) and evaluation (`cinegraph eval-finish`).
//!
//! One step, on a batch of training frames drawn from `(seed, "train/batch/STEP")`:
//! - the autoencoder reconstructs the residual image `r = log(1 + reference) −
//!   log(1 + preview)` (mean squared error);
//! - with `z₀ = encode(r)` held fixed (no gradient into the encoder from this term), a
//!   time `t ~ U(0, 1)` and noise `ε` drawn from the step's seed, the denoiser predicts the
//!   clean latent `z₀` from `z_t = (1 − t) z₀ + t ε` (the flow-matching path; mean squared
//!   error in the latent);
//! - that estimate, decoded (guided by the conditioning), is compared with the residual
//!   in pixels, and its error with the pair's earlier frame's error warped along the exact
//!   flow (temporal loss);
//! - the losses are summed and one candle-nn AdamW step updates both networks.
//!
//! Each batch holds pairs of consecutive frames cut to the same random square window
//! (`--crop`), a third of them at `t = 1` (the one-step sampler's point).
//!
//! For frames after the first, the conditioning's "previous finished frame" is the
//! previous frame's reference (teacher forcing) with probability ½, and no history
//! otherwise, so the model learns both cases.
//!
//! A checkpoint folder holds `config.json`, `autoencoder.safetensors`,
//! `denoiser.safetensors`, `state.json` (the step), `loss.csv` and its curve `loss.png`. Resuming continues the
//! step count and the per-step batches and noise exactly; candle-nn's `AdamW` does not
//! expose its moment estimates, so they restart from zero on resume (the only difference
//! from an uninterrupted run).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::{Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use serde::{Deserialize, Serialize};

use super::dataset::{SceneFrames, read_scene, split_files};
use super::noise::gaussian;
use super::sampler::Finisher;
use super::{
    AutoencoderConfig, DenoiserConfig, Model, NeuralError, compress, load_weights, metrics,
    save_weights,
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
    /// The networks' sizes (ignored when resuming: the checkpoint's are used).
    pub config: (AutoencoderConfig, DenoiserConfig),
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
    /// Noise `[B, latent, h, w]`.
    pub noise: Tensor,
    /// For each later frame's pixel, the index of its source pixel in the earlier frame
    /// along the exact backward flow (nearest pixel), `[P, 3, H · W]` u32.
    pub warp_index: Tensor,
    /// 1 where that source exists (not disoccluded, inside the crop), `[P, 1, H · W]`.
    pub warp_mask: Tensor,
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

/// The batch of step `step`: pairs, crops, history dropout, times and noise all from
/// `seed`. `crop` (a multiple of 8, or 0 for whole frames) is the side of the square
/// window each pair is cut to. The tensors are built on the CPU and moved to `device`.
///
/// # Errors
/// An empty dataset; frames of different sizes; tensor errors.
pub fn make_batch(
    scenes: &[SceneFrames],
    cfg: &ModelConfig,
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
    let pairs = cfg.batch.div_ceil(2).max(1);
    let mut rng = SeededRng::new(seed, &format!("train/batch/{step}"));
    let mut half: [Vec<(Tensor, Tensor, u32, f32)>; 2] = [vec![], vec![]];
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
            half[slot].push((cond, r, sc.style, t));
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
    let all: Vec<&(Tensor, Tensor, u32, f32)> = half[0].iter().chain(&half[1]).collect();
    let cond = Tensor::cat(&all.iter().map(|x| &x.0).collect::<Vec<_>>(), 0)?;
    let residual = Tensor::cat(&all.iter().map(|x| &x.1).collect::<Vec<_>>(), 0)?;
    let (b, _, h, w) = cond.dims4()?;
    let f = cfg.autoencoder.factor();
    let lc = cfg.autoencoder.latent_channels;
    let noise = gaussian(
        seed,
        &format!("train/noise/{step}"),
        b * lc * (h / f) * (w / f),
    );
    let n = h * w;
    let dev = device;
    let index = Tensor::from_vec(index, (pairs, 1, n), dev)?.repeat((1, 3, 1))?;
    Ok(Batch {
        cond: cond.to_device(dev)?,
        residual: residual.to_device(dev)?,
        style: Tensor::from_vec(all.iter().map(|x| x.2).collect::<Vec<_>>(), b, dev)?,
        t: Tensor::from_vec(all.iter().map(|x| x.3).collect::<Vec<_>>(), b, dev)?,
        noise: Tensor::from_vec(noise, (b, lc, h / f, w / f), dev)?,
        warp_index: index,
        warp_mask: Tensor::from_vec(mask, (pairs, 1, n), dev)?,
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
    let zt = (z0.broadcast_mul(&(1.0 - &t)?)? + batch.noise.broadcast_mul(&t)?)?;
    let cond = model.denoiser.encode_cond(&batch.cond)?;
    let z0_hat = model.denoiser.forward(&zt, &batch.t, &batch.style, &cond)?;
    let flow_matching = candle_nn::loss::mse(&z0_hat, &z0)?;
    let pix = model.autoencoder.decode(&z0_hat, guide)?;
    let pixel = candle_nn::loss::mse(&pix, &batch.residual)?;
    let (b, c, h, w) = pix.dims4()?;
    let p = b / 2;
    let e = (&pix - &batch.residual)?.reshape((b, c, h * w))?;
    let (ea, eb) = (e.narrow(0, 0, p)?, e.narrow(0, p, p)?);
    let warped = ea.contiguous()?.gather(&batch.warp_index, 2)?;
    let d = (eb - warped)?.broadcast_mul(&batch.warp_mask)?;
    let valid = (batch.warp_mask.sum_all()?.to_scalar::<f32>()? * c as f32).max(1.0);
    let temporal = (d.sqr()?.sum_all()? / f64::from(valid))?;
    Ok(Losses {
        autoencoder,
        flow_matching,
        pixel,
        temporal,
    })
}

fn load_split(dir: &Path, held_out: bool) -> Result<Vec<SceneFrames>, NeuralError> {
    let (_, files) = split_files(dir, held_out)?;
    files.iter().map(|f| read_scene(f)).collect()
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
    let (model, cfg, mut state) = if resuming {
        load_checkpoint_on(&opts.out, &device)?
    } else {
        let mut denoiser = opts.config.1;
        denoiser.n_styles = n_styles;
        let cfg = ModelConfig {
            autoencoder: opts.config.0,
            denoiser,
            seed: opts.seed,
            lr: opts.lr,
            batch: opts.batch,
        };
        let model = Model::new_on(&cfg.autoencoder, &cfg.denoiser, cfg.seed, &device)?;
        (model, cfg, TrainState { step: 0 })
    };
    let mut vars = model.ae_vars.all_vars();
    vars.extend(model.unet_vars.all_vars());
    let mut opt = AdamW::new(
        vars,
        ParamsAdamW {
            lr: cfg.lr,
            weight_decay: 1e-4,
            ..Default::default()
        },
    )?;
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
            kept.push(CSV_HEADER.into());
        }
        kept.join("\n") + "\n"
    } else {
        format!("{CSV_HEADER}\n")
    };
    let start_step = state.step;
    let mut totals = Vec::new();
    let started = Instant::now();
    progress.start("train", opts.steps.saturating_sub(start_step) as u64);
    while state.step < opts.steps {
        if opts
            .max_minutes
            .is_some_and(|m| started.elapsed().as_secs_f64() >= m * 60.0)
        {
            save_checkpoint(&opts.out, &model, &cfg, &state)?;
            write_log(&opts.out, &log)?;
            break;
        }
        let t0 = Instant::now();
        opt.set_learning_rate(learning_rate(cfg.lr, state.step, opts.steps));
        let batch = make_batch(&scenes, &cfg, cfg.seed, state.step, opts.crop, &device)?;
        let l = losses(&model, &batch)?;
        let total = l.total()?;
        opt.backward_step(&total)?;
        let [a, f, p, tl, all] = [
            &l.autoencoder,
            &l.flow_matching,
            &l.pixel,
            &l.temporal,
            &total,
        ]
        .map(|x| x.to_scalar::<f32>().unwrap_or(f32::NAN));
        if !all.is_finite() {
            return Err(NeuralError::Data(format!(
                "train: the loss diverged at step {} (autoencoder {a}, flow matching {f}, pixel {p}, temporal {tl}); lower --lr",
                state.step
            )));
        }
        totals.push(f64::from(all));
        log.push_str(&format!(
            "{},{a:.6},{f:.6},{p:.6},{tl:.6},{all:.6},{:.4}\n",
            state.step,
            t0.elapsed().as_secs_f64()
        ));
        state.step += 1;
        progress.advance(1);
        if state.step % opts.checkpoint_every == 0 || state.step == opts.steps {
            save_checkpoint(&opts.out, &model, &cfg, &state)?;
            write_log(&opts.out, &log)?;
        }
    }
    progress.finish();
    if totals.is_empty() {
        save_checkpoint(&opts.out, &model, &cfg, &state)?;
        write_log(&opts.out, &log)?;
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

/// Writes `loss.csv` and its curve `loss.png`.
fn write_log(dir: &Path, csv: &str) -> Result<(), NeuralError> {
    crate::files::write_atomic(&dir.join("loss.csv"), csv.as_bytes())?;
    let rows: Vec<Vec<f64>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').filter_map(|v| v.parse::<f64>().ok()).collect())
        .filter(|r: &Vec<f64>| r.len() >= 6)
        .collect();
    let series = |c: usize| rows.iter().map(|r| (r[0], r[c])).collect::<Vec<_>>();
    let png = crate::output::loss_plot_png(
        "cinegraph train: loss per step",
        &[
            ("total", series(5)),
            ("autoencoder (residual reconstruction)", series(1)),
            ("latent (clean-latent estimate)", series(2)),
            ("pixel (one-step estimate)", series(3)),
            ("temporal (warped error)", series(4)),
        ],
    )?;
    crate::files::write_atomic(&dir.join("loss.png"), &png)?;
    Ok(())
}

const CSV_HEADER: &str =
    "step,autoencoder_loss,latent_loss,pixel_loss,temporal_loss,total_loss,seconds";

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
    progress: &dyn Progress,
) -> Result<EvalReport, NeuralError> {
    let (model, _, _) = load_checkpoint_on(checkpoint, &super::device())?;
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
    let (mut warp_n, mut mottle_n, mut ms) = (0usize, 0usize, 0.0);
    progress.start("eval", scenes.iter().map(|s| s.inputs.len() as u64).sum());
    for sc in &scenes {
        let mut fin = Finisher::new(&model, sampler_steps, seed, sc.style)?;
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
            let graded = |px: &[[f32; 3]]| -> Vec<[f32; 3]> {
                look.grade_frame(px, w as u32, h as u32, k)
                    .chunks_exact(4)
                    .map(|p| [0, 1, 2].map(|c| f32::from(p[c]) / 255.0))
                    .collect()
            };
            let [p, f, re] = [
                graded(&inp.preview),
                graded(&finished),
                graded(&sc.reference[k]),
            ];
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
    r.ms_per_frame = ms / n;
    let held: Vec<_> = manifest
        .scenes
        .values()
        .filter(|s| s.split == "held-out")
        .collect();
    let ref_s: f64 = held.iter().map(|s| s.reference_seconds).sum();
    r.reference_ms_per_frame = ref_s * 1e3 / (held.len() * manifest.frames).max(1) as f64;
    Ok(r)
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
        "                 PSNR dB   SSIM    warp error  mottling"
    )?;
    writeln!(
        out,
        "raster preview   {:7.2}   {:.4}  {:.6}    {:.4}",
        r.psnr_preview, r.ssim_preview, r.warp_error_preview, r.mottling_preview
    )?;
    writeln!(
        out,
        "neural finish    {:7.2}   {:.4}  {:.6}    {:.4}",
        r.psnr_finished, r.ssim_finished, r.warp_error_finished, r.mottling_finished
    )?;
    writeln!(
        out,
        "reference                          {:.6}",
        r.warp_error_reference
    )?;
    writeln!(
        out,
        "finish {:.1} ms per frame; reference {:.1} ms per frame",
        r.ms_per_frame, r.reference_ms_per_frame
    )
}
