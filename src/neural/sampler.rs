//! The deterministic few-step sampler: flow-matching Euler steps from `t = 1` (noise) to
//! `t = 0` (data) on a uniform grid, `z ← z + (t_{i+1} − t_i) · v(z, t_i)` with the
//! velocity `v = (z − ẑ₀) / t` from the denoiser's clean-latent estimate, with no noise
//! added along the way, so a frame depends only on its initial noise, conditioning and
//! style. One step lands on `ẑ₀(ε, 1)`, the network's estimate of the conditional mean
//! (the least-squares answer, best for PSNR); more steps move toward a sample. The initial noise of each frame is seeded, and from the second frame on it is
//! the previous frame's noise warped along the exact flow ([`super::noise`]).

use std::ops::Deref;

use candle_core::Tensor;

use super::noise::{NoiseField, next_noise};
use super::{FrameInputs, Model, NeuralError, compress, expand, image_tensor, tensor_image};

/// Fewest and most sampler steps.
pub const STEPS: std::ops::RangeInclusive<usize> = 1..=8;

/// Integrates the velocity field of `model`'s denoiser from the noise `z1` (`t = 1`) to
/// `t = 0` in `steps` Euler steps, for one style and encoded conditioning.
///
/// # Errors
/// `steps` outside [`STEPS`]; tensor errors.
pub fn sample(
    model: &Model,
    z1: &Tensor,
    cond_latent: &Tensor,
    style: u32,
    steps: usize,
) -> Result<Tensor, NeuralError> {
    check_steps(steps)?;
    check_style(model, style)?;
    let b = z1.dims4()?.0;
    let dev = z1.device();
    let styles = Tensor::from_vec(vec![style; b], b, dev)?;
    let mut z = z1.clone();
    for i in 0..steps {
        let t = 1.0 - i as f32 / steps as f32;
        let t_next = 1.0 - (i + 1) as f32 / steps as f32;
        let tt = Tensor::from_vec(vec![t; b], b, dev)?;
        let z0 = model.denoiser.forward(&z, &tt, &styles, cond_latent)?;
        let v = ((&z - z0)? / f64::from(t))?;
        z = (z + (v * f64::from(t_next - t))?)?;
    }
    Ok(z)
}

/// A step count in [`STEPS`], or an error.
///
/// # Errors
/// [`NeuralError::Data`] naming the range.
pub fn check_steps(steps: usize) -> Result<(), NeuralError> {
    if !STEPS.contains(&steps) {
        return Err(NeuralError::Data(format!(
            "sampler steps must be in {}..={}, got {steps}",
            STEPS.start(),
            STEPS.end()
        )));
    }
    Ok(())
}

/// A style index the model knows (`n_styles` itself: no style), or an error.
///
/// # Errors
/// [`NeuralError::Data`] naming the range.
pub fn check_style(model: &Model, style: u32) -> Result<(), NeuralError> {
    let n = model.denoiser.config().n_styles;
    if style as usize > n {
        return Err(NeuralError::Data(format!(
            "style index {style} is outside the model's {n} styles (and {n}: none)"
        )));
    }
    Ok(())
}

/// Finishes the frames of one clip in order, carrying the noise and the finished frame
/// from each frame to the next. `M` holds the model: a borrow (`&Model`) or an owner
/// (`Box<Model>`, as [`super::Finisher`] keeps it).
#[derive(Debug)]
pub struct Finisher<M: Deref<Target = Model>> {
    model: M,
    steps: usize,
    seed: u64,
    style: u32,
    prev: Option<(NoiseField, Vec<[f32; 3]>)>,
    frame: usize,
}

impl<M: Deref<Target = Model>> Finisher<M> {
    /// A finisher for one clip.
    ///
    /// # Errors
    /// `steps` outside [`STEPS`], a style index the model lacks.
    pub fn new(model: M, steps: usize, seed: u64, style: u32) -> Result<Self, NeuralError> {
        check_steps(steps)?;
        check_style(&model, style)?;
        Ok(Self {
            model,
            steps,
            seed,
            style,
            prev: None,
            frame: 0,
        })
    }

    /// Forgets the history (a cut: the next frame starts fresh).
    pub fn cut(&mut self) {
        self.prev = None;
    }

    /// Forgets the history and numbers the next frame `frame` (its fresh noise is drawn
    /// for that frame number), so finishing a shot again from its first frame gives the
    /// same bits as finishing the whole clip.
    pub fn start_shot(&mut self, frame: usize) {
        self.prev = None;
        self.frame = frame;
    }

    /// The initial noise of the next frame: fresh for the first frame, else the previous
    /// frame's noise warped along the backward flow.
    ///
    /// # Errors
    /// Sizes that disagree.
    pub fn initial_noise(&self, inputs: &FrameInputs) -> Result<NoiseField, NeuralError> {
        let ae = self.model.autoencoder.config();
        next_noise(
            self.prev.as_ref().map(|(noise, _)| noise),
            inputs,
            ae.factor(),
            ae.latent_channels,
            self.seed,
            &format!("finish-noise/{}", self.frame),
        )
    }

    /// Finishes the next frame: linear light, the preview's size. Frames whose sides the
    /// networks cannot divide are padded by repeating their edges and cropped back.
    ///
    /// # Errors
    /// An empty frame; tensor errors.
    pub fn finish(&mut self, inputs: &FrameInputs) -> Result<Vec<[f32; 3]>, NeuralError> {
        if inputs.width == 0 || inputs.height == 0 {
            return Err(NeuralError::Data(
                "the finisher needs a non-empty frame".into(),
            ));
        }
        let f = self.model.autoencoder.config().factor() * 2;
        super::padded_run(inputs, f, |x| self.finish_exact(x))
    }

    fn finish_exact(&mut self, inputs: &FrameInputs) -> Result<Vec<[f32; 3]>, NeuralError> {
        let noise = self.initial_noise(inputs)?;
        let z1 = Tensor::from_vec(
            noise.data.clone(),
            (1, noise.channels, noise.height, noise.width),
            &self.model.device,
        )?;
        let cond = inputs
            .cond_tensor(self.prev.as_ref().map(|(_, p)| p.as_slice()))?
            .to_device(&self.model.device)?;
        let cond_latent = self.model.denoiser.encode_cond(&cond)?;
        let z0 = sample(&self.model, &z1, &cond_latent, self.style, self.steps)?;
        let residual = self.model.autoencoder.decode(&z0, Some(&cond))?;
        let base = image_tensor(&inputs.preview, inputs.width, inputs.height, compress)?
            .to_device(&self.model.device)?;
        let finished = tensor_image(&(base + residual)?, expand)?;
        self.prev = Some((noise, finished.clone()));
        self.frame += 1;
        Ok(finished)
    }
}

impl<M: Deref<Target = Model>> super::FrameFinisher for Finisher<M> {
    fn finish(&mut self, inputs: &FrameInputs) -> Result<Vec<[f32; 3]>, NeuralError> {
        Finisher::finish(self, inputs)
    }

    fn start_shot(&mut self, frame: usize) {
        Finisher::start_shot(self, frame);
    }
}
