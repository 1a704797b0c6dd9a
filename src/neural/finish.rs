//! The finishing pass as the pipeline sees it: one entry type, [`Finisher`], that picks
//! the model (the weights that ship, a `cinegraph train` checkpoint or a published
//! Stable Diffusion 2 depth folder) and the device, and finishes the frames of one clip
//! in order.
//!
//! Input: per frame the raster's [`FrameBuffers`] (linear preview, depth, normals,
//! albedo, segmentation, backward flow) and the previous frame's segmentation in the same
//! shot. Output: the finished frame in linear light at the preview's size, before the
//! style's grade. Invariants: frames come in clip order; after [`Finisher::start_shot`]
//! the next frame draws fresh noise numbered by its frame, so finishing a shot again from
//! its first frame gives the same bits as finishing the whole clip.

use std::path::PathBuf;

use super::published::{self, PublishedFinisher, PublishedModel, PublishedOptions};
use super::shading::{ShadingFinisher, ShadingModel};
use super::{FrameFinisher, FrameInputs, Model, NeuralError, sampler, train};
use crate::raster::FrameBuffers;

/// How frames are finished.
#[derive(Debug, Clone, PartialEq)]
pub struct FinishOptions {
    /// Sampler steps (`None`: 1 for cinegraph's own model, its best estimate of the
    /// reference; 20 DDIM steps for a published checkpoint).
    pub steps: Option<usize>,
    /// A checkpoint folder from `cinegraph train`, or a published Stable Diffusion 2
    /// depth folder (diffusers layout, optionally with `taesd/`); `None`: the weights that
    /// ship with cinegraph.
    pub model: Option<PathBuf>,
    /// Published checkpoints: the text prompt (`None`: one made from the style's name,
    /// see [`default_prompt`]).
    pub prompt: Option<String>,
    /// Published checkpoints: how far from the preview the model may go, `(0, 1]`.
    pub strength: f32,
    /// Published checkpoints: classifier-free guidance scale (1: no unconditional pass).
    pub guidance: f32,
}

impl Default for FinishOptions {
    fn default() -> Self {
        Self {
            steps: None,
            model: None,
            prompt: None,
            strength: 0.6,
            guidance: 7.5,
        }
    }
}

/// The text prompt a published checkpoint gets when the user gives none: the style's
/// name (`"natural"` for an unstyled scene) in a fixed sentence.
pub fn default_prompt(style: Option<&str>) -> String {
    format!(
        "a cinematic film still, {} look, physically based lighting, detailed",
        style.unwrap_or("natural")
    )
}

/// A loaded finishing model with the state of the clip it finishes.
enum Clip {
    /// cinegraph's own shading network (bundled or from `cinegraph train`).
    Shading(ShadingFinisher<Box<ShadingModel>>),
    /// cinegraph's own latent model (a `cinegraph train --arch latent` checkpoint).
    Own(sampler::Finisher<Box<Model>>),
    /// A published Stable Diffusion 2 depth checkpoint, and the side multiple its frames
    /// are padded to.
    Published(PublishedFinisher<Box<PublishedModel>>, usize),
}

/// Finishes the frames of one clip with the model that [`FinishOptions`] names.
pub struct Finisher {
    clip: Clip,
}

impl std::fmt::Debug for Finisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.clip {
            Clip::Shading(_) => "shading",
            Clip::Own(_) => "latent",
            Clip::Published(..) => "published",
        };
        f.debug_struct("Finisher").field("model", &kind).finish()
    }
}

impl Finisher {
    /// Loads the model `opts` names and readies it for one clip of a scene with `style`
    /// (a bundled name or alias, a file path, or `None`) and `seed`. A folder with
    /// `unet/config.json` is a published checkpoint, one with `config.json` and
    /// `shading.safetensors` or `denoiser.safetensors` is ours; our models run on [`super::device`] (a CUDA GPU
    /// in a `cuda` build that finds one, else the CPU), published ones on the CPU.
    ///
    /// ```no_run
    /// use cinegraph::neural::{FinishOptions, Finisher};
    /// let mut finisher = Finisher::load(&FinishOptions::default(), Some("noir"), 7)?;
    /// finisher.start_shot(0);
    /// # Ok::<(), cinegraph::neural::NeuralError>(())
    /// ```
    ///
    /// # Errors
    /// [`NeuralError::NotAModel`] for a folder that is neither; weights that do not fit
    /// (naming the tensor and its expected shape); steps, strength or guidance out of
    /// range.
    pub fn load(opts: &FinishOptions, style: Option<&str>, seed: u64) -> Result<Self, NeuralError> {
        let own = |model: Model| -> Result<Clip, NeuralError> {
            let index = super::style_index(&model, style);
            Ok(Clip::Own(sampler::Finisher::new(
                Box::new(model),
                opts.steps.unwrap_or(1),
                seed,
                index,
            )?))
        };
        let shading = |model: ShadingModel| -> Result<Clip, NeuralError> {
            train::check_single_step(opts.steps.unwrap_or(1))?;
            let index = model.style_index(style);
            Ok(Clip::Shading(ShadingFinisher::new(Box::new(model), index)?))
        };
        let clip = match &opts.model {
            None => shading(super::bundled_model_on(&super::device())?)?,
            Some(dir) if dir.join(train::SHADING_WEIGHTS).is_file() => {
                shading(train::load_shading_on(dir, &super::device())?.0)?
            }
            Some(dir) if dir.join("unet").join("config.json").is_file() => {
                let o = PublishedOptions {
                    guidance_scale: opts.guidance,
                    ..Default::default()
                };
                let model = Box::new(published::load(dir, &o)?);
                let multiple = model.side_multiple();
                let prompt = opts.prompt.clone().unwrap_or_else(|| default_prompt(style));
                let fin = PublishedFinisher::new(
                    model,
                    seed,
                    opts.steps.unwrap_or(20),
                    &prompt,
                    opts.strength,
                )?;
                Clip::Published(fin, multiple)
            }
            Some(dir) => {
                if !dir.join("config.json").is_file() || !dir.join("denoiser.safetensors").is_file()
                {
                    return Err(NeuralError::NotAModel { path: dir.clone() });
                }
                sampler::check_steps(opts.steps.unwrap_or(1))?;
                own(train::load_checkpoint_on(dir, &super::device())?.0)?
            }
        };
        Ok(Self { clip })
    }

    /// Forgets the history (a cut, or the first frame finished in a run) and numbers the
    /// next frame `frame` of the clip (see the module docs).
    pub fn start_shot(&mut self, frame: usize) {
        match &mut self.clip {
            Clip::Shading(f) => FrameFinisher::start_shot(f, frame),
            Clip::Own(f) => f.start_shot(frame),
            Clip::Published(f, _) => f.start_shot(frame),
        }
    }

    /// Finishes the next frame from its buffers and the previous frame's segmentation
    /// (`None` at the start of a shot): linear light, the preview's size. Frames whose
    /// sides the model cannot take are grown by repeating their edges and cropped back.
    ///
    /// # Errors
    /// Buffers of the wrong sizes; tensor errors.
    pub fn finish(
        &mut self,
        fb: &FrameBuffers,
        prev_segmentation: Option<&[u32]>,
    ) -> Result<Vec<[f32; 3]>, NeuralError> {
        let inputs = FrameInputs::from_buffers(fb, prev_segmentation);
        match &mut self.clip {
            Clip::Shading(f) => f.finish(&inputs),
            Clip::Own(f) => super::padded_run(&inputs, 1, |x| f.finish(x)),
            Clip::Published(f, multiple) => {
                super::padded_run(&inputs, *multiple, |x| FrameFinisher::finish(f, x))
            }
        }
    }
}
