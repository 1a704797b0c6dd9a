//! Training (`cinegraph train`) and evaluation (`cinegraph eval-finish`).
//!
//! One step, on a batch of training frames drawn from `(seed, "train/batch/STEP")`:
//! - the autoencoder reconstructs the residual image `r = log(1 + reference) −
//!   log(1 + preview)` (mean squared error);
//! - with `z₀ = encode(r)` held fixed (no gradient into the encoder from this term), a
//!   time `t ~ U(0, 1)` and noise `ε` drawn from the step's seed, the denoiser predicts the
//!   velocity `ε − z₀` at `z_t = (1 − t) z₀ + t ε` (flow-matching loss, mean squared error);
//! - both losses are summed and one candle-nn AdamW step updates both networks.
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
    let cfg: ModelConfig = crate::output::read_json(&dir.join("config.json"))?;
    let state: TrainState = crate::output::read_json(&dir.join("state.json"))?;
    let model = Model::new(&cfg.autoencoder, &cfg.denoiser, cfg.seed)?;
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
    crate::output::write_json(&dir.join("config.json"), cfg)?;
    save_weights(&model.ae_vars, &dir.join("autoencoder.safetensors"))?;
    save_weights(&model.unet_vars, &dir.join("denoiser.safetensors"))?;
    // Last: a state.json always names weights that are complete on disk.
    crate::output::write_json(&dir.join("state.json"), state)?;
    Ok(())
}

/// A batch of training tensors.
#[derive(Debug)]
pub struct Batch {
    /// Conditioning `[B, COND_CHANNELS, H, W]`.
    pub cond: Tensor,
    /// Residual images `[B, 3, H, W]`.
    pub residual: Tensor,
    /// Style indices `[B]`.
    pub style: Tensor,
    /// Times `[B]`.
    pub t: Tensor,
    /// Noise `[B, latent, h, w]`.
    pub noise: Tensor,
}

/// The batch of step `step`: frames, history dropout, times and noise all from `seed`.
///
/// # Errors
/// An empty dataset; frames of different sizes; tensor errors.
pub fn make_batch(
    scenes: &[SceneFrames],
    cfg: &ModelConfig,
    seed: u64,
    step: usize,
) -> Result<Batch, NeuralError> {
    let frames: Vec<(usize, usize)> = scenes
        .iter()
        .enumerate()
        .flat_map(|(s, sc)| (0..sc.inputs.len()).map(move |k| (s, k)))
        .collect();
    if frames.is_empty() {
        return Err(NeuralError::Data(
            "training needs at least one frame".into(),
        ));
    }
    let mut rng = SeededRng::new(seed, &format!("train/batch/{step}"));
    let (mut conds, mut residuals, mut styles, mut times) = (vec![], vec![], vec![], vec![]);
    for _ in 0..cfg.batch {
        let (s, k) = frames[rng.index(frames.len())];
        let sc = &scenes[s];
        let inp = &sc.inputs[k];
        let history = (k > 0 && rng.unit() < 0.5).then(|| sc.reference[k - 1].as_slice());
        conds.push(inp.cond_tensor(history)?);
        let r: Vec<[f32; 3]> = sc.reference[k]
            .iter()
            .zip(&inp.preview)
            .map(|(a, b)| [0, 1, 2].map(|c| compress(a[c]) - compress(b[c])))
            .collect();
        residuals.push(super::image_tensor(&r, inp.width, inp.height, |v| v)?);
        styles.push(sc.style);
        times.push(rng.unit() as f32);
    }
    let cond = Tensor::cat(&conds, 0)?;
    let (b, _, h, w) = cond.dims4()?;
    let f = cfg.autoencoder.factor();
    let lc = cfg.autoencoder.latent_channels;
    let noise = gaussian(
        seed,
        &format!("train/noise/{step}"),
        b * lc * (h / f) * (w / f),
    );
    Ok(Batch {
        cond,
        residual: Tensor::cat(&residuals, 0)?,
        style: Tensor::from_vec(styles, b, &Device::Cpu)?,
        t: Tensor::from_vec(times, b, &Device::Cpu)?,
        noise: Tensor::from_vec(noise, (b, lc, h / f, w / f), &Device::Cpu)?,
    })
}

/// The two losses of one batch: `(autoencoder, flow matching)`.
///
/// # Errors
/// Tensor errors.
pub fn losses(model: &Model, batch: &Batch) -> Result<(Tensor, Tensor), NeuralError> {
    let z = model.autoencoder.encode(&batch.residual)?;
    let recon = model.autoencoder.decode(&z)?;
    let ae_loss = candle_nn::loss::mse(&recon, &batch.residual)?;
    let z0 = z.detach();
    let t = batch.t.unsqueeze(1)?.unsqueeze(2)?.unsqueeze(3)?;
    let zt = (z0.broadcast_mul(&(1.0 - &t)?)? + batch.noise.broadcast_mul(&t)?)?;
    let target = (&batch.noise - &z0)?;
    let cond = model.denoiser.encode_cond(&batch.cond)?;
    let v = model.denoiser.forward(&zt, &batch.t, &batch.style, &cond)?;
    let fm_loss = candle_nn::loss::mse(&v, &target)?;
    Ok((ae_loss, fm_loss))
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
    if opts.batch == 0 || opts.checkpoint_every == 0 || !(opts.lr.is_finite() && opts.lr > 0.0) {
        return Err(NeuralError::Data(format!(
            "train: --batch ({}) and --checkpoint-every ({}) must be at least 1 and --lr ({}) > 0",
            opts.batch, opts.checkpoint_every, opts.lr
        )));
    }
    let scenes = load_split(&opts.data, false)?;
    if scenes.is_empty() {
        return Err(NeuralError::Data(format!(
            "{}: the dataset has no training scenes",
            opts.data.display()
        )));
    }
    let n_styles = crate::style::bundled()
        .map_err(|e| NeuralError::Data(e.to_string()))?
        .len();
    if let Some(bad) = scenes.iter().find(|s| s.style as usize >= n_styles) {
        return Err(NeuralError::Data(format!(
            "the dataset names style {}, but only {n_styles} styles are bundled",
            bad.style
        )));
    }
    std::fs::create_dir_all(&opts.out).map_err(|source| crate::output::OutputError::Write {
        path: opts.out.clone(),
        source,
    })?;
    let resuming = opts.resume && opts.out.join("state.json").is_file();
    let (model, cfg, mut state) = if resuming {
        load_checkpoint(&opts.out)?
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
        let model = Model::new(&cfg.autoencoder, &cfg.denoiser, cfg.seed)?;
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
        let t0 = Instant::now();
        let batch = make_batch(&scenes, &cfg, cfg.seed, state.step)?;
        let (ae_loss, fm_loss) = losses(&model, &batch)?;
        let total = (&ae_loss + &fm_loss)?;
        opt.backward_step(&total)?;
        let (a, f) = (ae_loss.to_scalar::<f32>()?, fm_loss.to_scalar::<f32>()?);
        if !(a.is_finite() && f.is_finite()) {
            return Err(NeuralError::Data(format!(
                "train: the loss diverged at step {} (autoencoder {a}, flow matching {f}); lower --lr",
                state.step
            )));
        }
        totals.push(f64::from(a + f));
        log.push_str(&format!(
            "{},{a:.6},{f:.6},{:.6},{:.4}\n",
            state.step,
            a + f,
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

/// Writes `loss.csv` and its curve `loss.png`.
fn write_log(dir: &Path, csv: &str) -> Result<(), NeuralError> {
    crate::output::write_atomic(&dir.join("loss.csv"), csv.as_bytes())?;
    let rows: Vec<Vec<f64>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').filter_map(|v| v.parse::<f64>().ok()).collect())
        .filter(|r: &Vec<f64>| r.len() >= 4)
        .collect();
    let series = |c: usize| rows.iter().map(|r| (r[0], r[c])).collect::<Vec<_>>();
    let png = crate::output::loss_plot_png(
        "cinegraph train: loss per step",
        &[
            ("total", series(3)),
            ("autoencoder (residual reconstruction)", series(1)),
            ("flow matching (velocity)", series(2)),
        ],
    )?;
    crate::output::write_atomic(&dir.join("loss.png"), &png)?;
    Ok(())
}

const CSV_HEADER: &str = "step,autoencoder_loss,flow_matching_loss,total_loss,seconds";

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
    /// Milliseconds per finished frame (this machine, all its cores).
    pub ms_per_frame: f64,
    /// Milliseconds per reference frame, from the dataset's own timing.
    pub reference_ms_per_frame: f64,
}

/// Finishes every held-out frame of the dataset in `data` with the checkpoint in
/// `checkpoint` and compares with the reference (display values, see
/// [`metrics::display`]). No grade is applied (neither to the preview, the finished
/// frame nor the reference).
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
    let (model, _, _) = load_checkpoint(checkpoint)?;
    let (manifest, _) = split_files(data, true)?;
    let scenes = load_split(data, true)?;
    if scenes.is_empty() {
        return Err(NeuralError::Data(format!(
            "{}: the dataset has no held-out scenes (scene i is held out when i % 5 == 4: make at least 5)",
            data.display()
        )));
    }
    let mut r = EvalReport {
        scenes: scenes.len(),
        sampler_steps,
        ..Default::default()
    };
    let (mut warp_n, mut ms) = (0usize, 0.0);
    progress.start("eval", scenes.iter().map(|s| s.inputs.len() as u64).sum());
    for sc in &scenes {
        let mut fin = Finisher::new(&model, sampler_steps, seed, sc.style)?;
        let mut prev: Option<[Vec<[f32; 3]>; 3]> = None;
        for (k, inp) in sc.inputs.iter().enumerate() {
            let t = Instant::now();
            let finished = fin.finish(inp)?;
            ms += t.elapsed().as_secs_f64() * 1e3;
            let (w, h) = (inp.width, inp.height);
            r.size = (w, h);
            let [p, f, re] = [
                metrics::display(&inp.preview),
                metrics::display(&finished),
                metrics::display(&sc.reference[k]),
            ];
            r.psnr_preview += metrics::psnr(&p, &re);
            r.psnr_finished += metrics::psnr(&f, &re);
            r.ssim_preview += metrics::ssim(&p, &re, w, h);
            r.ssim_finished += metrics::ssim(&f, &re, w, h);
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
        "held-out: {} scenes, {} frames at {}x{}, {} sampler steps (no grade applied)",
        r.scenes, r.frames, r.size.0, r.size.1, r.sampler_steps
    )?;
    writeln!(out, "                 PSNR dB   SSIM    warp error")?;
    writeln!(
        out,
        "raster preview   {:7.2}   {:.4}  {:.6}",
        r.psnr_preview, r.ssim_preview, r.warp_error_preview
    )?;
    writeln!(
        out,
        "neural finish    {:7.2}   {:.4}  {:.6}",
        r.psnr_finished, r.ssim_finished, r.warp_error_finished
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
