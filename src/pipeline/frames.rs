//! The one frame loop: renders the frames a job asks for, in order, through the raster
//! and the look, keeping the window of neighbouring frames that occlusion masks and the
//! finisher need.
//!
//! Input: a [`Scene`] and its [`Look`], its [`Trajectory`] and [`CameraPlan`], the frame
//! numbers to render and a [`Window`]. Output: per frame a [`Frame`]: its
//! [`FrameBuffers`] after [`Look::apply`] (flow is NaN across a cut, the preview has the
//! lens's depth of field and the style's grade), its neighbours and whether it starts a
//! shot. Invariants: every frame is
//! rendered once per run however many windows it is part of; a frame's buffers do not
//! depend on which other frames are rendered.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use super::PipelineError;
use crate::camera::CameraPlan;
use crate::physics::Trajectory;
use crate::raster::{FrameBuffers, Renderer, Wanted};
use crate::scene::Scene;
use crate::style::{Look, Miss};

/// Which neighbours of a frame a job needs besides the frame itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    /// Frames `k − 1` and `k + 1` (clamped to the clip), for the occlusion masks that
    /// go with the flow buffers.
    pub neighbours: bool,
    /// Frame `k − 1` within the shot, for the finisher (its segmentation gives the
    /// disocclusions).
    pub history: bool,
}

/// One rendered frame and what a job writes beside it.
#[derive(Debug)]
pub struct Frame<'f> {
    /// Its number in the clip.
    pub index: usize,
    /// Its buffers (shared: a job may hand them to another thread, e.g. to encode them
    /// while the next frame renders).
    pub buffers: Arc<FrameBuffers>,
    /// Frame `index − 1` when the window holds it, else the frame itself.
    pub prev: Arc<FrameBuffers>,
    /// Frame `index + 1` when the window holds it (with [`Window::neighbours`]), else the
    /// last frame of the window.
    pub next: Arc<FrameBuffers>,
    /// The first frame of this run or of a shot (a cut before it).
    pub shot_start: bool,
    /// With [`Window::history`]: frame `index − 1`'s segmentation, `None` at a shot's
    /// start.
    pub prev_segmentation: Option<&'f [u32]>,
}

/// `look` metered on the clip's first, middle and last frames (see
/// [`crate::style::meter`]): the same trim for every frame whichever frames a run
/// renders, so a frame's pixels never depend on the others. A look without anything to
/// meter is returned as it is. Also the targets the metered look still misses (see
/// [`crate::style::Metered::misses`]).
///
/// # Errors
/// [`PipelineError::Raster`] when a metered frame cannot be rendered.
pub fn meter_look(
    scene: &Scene,
    look: &Look,
    traj: &Trajectory,
    plan: &CameraPlan,
    renderer: &Renderer,
) -> Result<(Look, Vec<Miss>), PipelineError> {
    if !look.meters() || traj.frames.is_empty() {
        return Ok((look.clone(), Vec::new()));
    }
    // Lit as every frame is: through the lens's depth of field (which softens
    // contrast and shadows), so the meter sees what the grade will.
    let wanted = Wanted {
        linear: true,
        depth: scene.camera.aperture.is_some(),
        ..Wanted::NONE
    };
    let mut frames = Vec::new();
    for k in crate::output::sample_frames(traj.frames.len(), 3) {
        let mut fb = renderer.render_wanted(scene, traj, &plan.frames, k, wanted)?;
        crate::style::lens_blur(scene, plan, k, &mut fb);
        frames.push(fb);
    }
    let linear: Vec<&[[f32; 3]]> = frames.iter().map(|f| f.linear.as_slice()).collect();
    let (w, h) = (frames[0].width, frames[0].height);
    Ok(look.metered(&linear, w, h))
}

/// The frame loop of one clip (see the module docs); [`Frames::next_frame`] gives the
/// frames in order.
pub struct Frames<'s> {
    scene: &'s Scene,
    /// The style's look, metered in place the first time a lit frame or the look is
    /// wanted (`metered` then true).
    look: Look,
    metered: bool,
    misses: Vec<Miss>,
    traj: &'s Trajectory,
    plan: &'s CameraPlan,
    renderer: Renderer,
    todo: Vec<usize>,
    pos: usize,
    window: Window,
    wanted: Wanted,
    cache: BTreeMap<usize, Arc<FrameBuffers>>,
    times: FrameTimes,
}

/// Time spent per stage of the frame loop, summed over the frames rendered so far.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FrameTimes {
    /// Rasterizing and reading back (the GPU's or lavapipe's work and the copy to the CPU).
    pub raster: std::time::Duration,
    /// The look: cut handling, depth of field, the grade.
    pub look: std::time::Duration,
}

impl std::fmt::Debug for Frames<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frames")
            .field("todo", &self.todo)
            .field("pos", &self.pos)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl<'s> Frames<'s> {
    /// A loop over frames `todo` (ascending) of `scene`, each given `look` metered on
    /// the clip ([`meter_look`]; only when lit frames are wanted), with a renderer of
    /// its own.
    ///
    /// # Errors
    /// [`PipelineError::Raster`] when no renderer can be made.
    pub fn new(
        scene: &'s Scene,
        look: &Look,
        traj: &'s Trajectory,
        plan: &'s CameraPlan,
        todo: Vec<usize>,
        window: Window,
    ) -> Result<Self, PipelineError> {
        let renderer = Renderer::new(scene)?;
        Ok(Self {
            renderer,
            scene,
            look: look.clone(),
            metered: false,
            misses: Vec::new(),
            traj,
            plan,
            todo,
            pos: 0,
            window,
            wanted: Wanted::ALL,
            cache: BTreeMap::new(),
            times: FrameTimes::default(),
        })
    }

    /// Renders only the `wanted` buffers of each frame (every buffer by default); the
    /// others stay empty. The lit preview needs depth when the lens has depth of field.
    #[must_use]
    pub fn wanting(mut self, wanted: Wanted) -> Self {
        self.wanted = wanted;
        self
    }

    /// The look every lit frame gets: the style's, metered on the clip (metering now,
    /// the first time).
    ///
    /// # Errors
    /// [`PipelineError::Raster`] when a metered frame cannot be rendered.
    pub fn look(&mut self) -> Result<&Look, PipelineError> {
        if !self.metered {
            (self.look, self.misses) =
                meter_look(self.scene, &self.look, self.traj, self.plan, &self.renderer)?;
            self.metered = true;
        }
        Ok(&self.look)
    }

    /// The targets the metered look misses on this clip (empty before metering).
    pub fn misses(&self) -> &[Miss] {
        &self.misses
    }

    /// Time spent rendering and in the look so far.
    pub fn times(&self) -> FrameTimes {
        self.times
    }

    /// The frames of `range` to render when `complete` says which are done: the
    /// incomplete ones; with `whole_shots` (finishing: a finished frame depends on the
    /// frames before it in its shot, through warped noise and history), every frame from
    /// the start of the first incomplete frame's shot to the end of `range`.
    pub fn todo(
        range: Range<usize>,
        plan: &CameraPlan,
        complete: impl Fn(usize) -> bool,
        whole_shots: bool,
    ) -> Vec<usize> {
        let todo: Vec<usize> = range.clone().filter(|&k| !complete(k)).collect();
        match todo.first() {
            Some(&first) if whole_shots => {
                let start = (range.start..=first)
                    .rev()
                    .find(|&k| k == range.start || plan.cut_before(k))
                    .unwrap_or(range.start);
                (start..range.end).collect()
            }
            _ => todo,
        }
    }

    /// The graphics adapter the frames are rendered on.
    pub fn adapter_name(&self) -> &str {
        self.renderer.adapter_name()
    }

    /// The next frame, rendering it and the neighbours its window needs; `None` after
    /// the last.
    ///
    /// # Errors
    /// [`PipelineError::Raster`] when a frame fails to render.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, PipelineError> {
        let Some(&k) = self.todo.get(self.pos) else {
            return Ok(None);
        };
        self.pos += 1;
        let first = self.todo.first().copied().unwrap_or(k);
        let last = (self.scene.frame_count as usize).saturating_sub(1);
        let window: Vec<usize> = if self.window.neighbours {
            vec![k.saturating_sub(1), k, (k + 1).min(last)]
        } else if self.window.history && k > first {
            vec![k - 1, k]
        } else {
            vec![k]
        };
        self.cache.retain(|f, _| window.contains(f));
        for &f in &window {
            if !self.cache.contains_key(&f) {
                let fb = self.render(f)?;
                self.cache.insert(f, Arc::new(fb));
            }
        }
        let shot_start = k == first || self.plan.cut_before(k);
        let cached = |f: usize| {
            self.cache.get(&f).ok_or_else(|| {
                PipelineError::Internal(format!("frame {f} is missing from the window"))
            })
        };
        let prev_segmentation = if self.window.history && !shot_start {
            Some(cached(k - 1)?.segmentation.as_slice())
        } else {
            None
        };
        Ok(Some(Frame {
            index: k,
            buffers: Arc::clone(cached(k)?),
            prev: Arc::clone(cached(window.first().copied().unwrap_or(k))?),
            next: Arc::clone(cached(window.last().copied().unwrap_or(k))?),
            shot_start,
            prev_segmentation,
        }))
    }

    fn render(&mut self, k: usize) -> Result<FrameBuffers, PipelineError> {
        let start = std::time::Instant::now();
        let mut fb = self.renderer.render_wanted(
            self.scene,
            self.traj,
            &self.plan.frames,
            k,
            self.wanted,
        )?;
        let rendered = std::time::Instant::now();
        if self.wanted.linear {
            self.look()?;
        }
        self.look.apply(self.scene, self.plan, k, &mut fb);
        self.times.raster += rendered - start;
        self.times.look += rendered.elapsed();
        Ok(fb)
    }
}
