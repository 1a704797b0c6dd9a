//! The look: what the style does to every rendered frame, as plain data.
//!
//! Input: a frame's [`FrameBuffers`] (linear light, exact depth and flow), the
//! [`Scene`] (its camera's lens) and the [`CameraPlan`] (cuts, focus). Output: the same
//! buffers with flow cut at shot changes, depth of field in `linear`, and `color` the
//! graded RGBA8 sRGB preview.
//!
//! Invariants: the look is a pure function of its inputs, the frame number and
//! [`Look::seed`] (the scene's seed; only grain uses it, so the default grade gives the
//! same bits for every seed and frame).

use std::path::Path;

use super::contract::{Stat, Target};
use super::grade::Grade;
use super::library::{Style, resolve};
use super::meter::{Exposure, Miss, meter};
use crate::camera::CameraPlan;
use crate::raster::FrameBuffers;
use crate::scene::{self, Problem, Scene, SceneError, SceneFile};

/// A resolved style's look: the grade (the default grade, the ACES fit alone, without a
/// style) and the seed its grain derives from.
#[derive(Debug, Clone, PartialEq)]
pub struct Look {
    /// The style's name; `None` without a style.
    pub style: Option<String>,
    /// The grade.
    pub grade: Grade,
    /// The scene's seed.
    pub seed: u64,
    /// The style's contract (empty without a style).
    pub targets: Vec<Target>,
    /// What the meter exposes for.
    pub exposure: Exposure,
    /// A visible watermark burnt into every graded picture (`render --watermark`).
    pub watermark: Option<crate::output::watermark::Watermark>,
}

impl Look {
    /// The look of `style` (or the default grade without one) for a scene seeded `seed`.
    pub fn new(style: Option<&Style>, seed: u64) -> Self {
        Self {
            style: style.map(|s| s.name().to_string()),
            grade: style.map(|s| s.grade.clone()).unwrap_or_default(),
            seed,
            targets: style.map(|s| s.file.targets.clone()).unwrap_or_default(),
            exposure: style.map_or(Exposure::Fixed, |s| s.file.exposure),
            watermark: None,
        }
    }

    /// The same look with a visible watermark on every picture it grades.
    pub fn with_watermark(mut self, mark: Option<crate::output::watermark::Watermark>) -> Self {
        self.watermark = mark;
        self
    }

    /// Whether the meter has anything to trim: a contract with a key (per the exposure
    /// strategy), warmth, saturation, contrast or shadow/highlight hue target.
    pub fn meters(&self) -> bool {
        self.targets.iter().any(|t| match t.stat {
            Stat::MeanLuma | Stat::P50Luma => self.exposure == Exposure::Key,
            Stat::P95Luma => self.exposure == Exposure::Highlights,
            Stat::Warmth
            | Stat::Saturation
            | Stat::Contrast
            | Stat::ShadowHue
            | Stat::HighlightHue => true,
            _ => false,
        })
    }

    /// The look with its grade metered on `frames` (each `width × height` linear RGB;
    /// see [`meter`]), and the targets it still misses there.
    #[must_use]
    pub fn metered(&self, frames: &[&[[f32; 3]]], width: u32, height: u32) -> (Look, Vec<Miss>) {
        let m = meter(
            &self.grade,
            &self.targets,
            self.exposure,
            frames,
            width,
            height,
        );
        let look = Look {
            grade: m.grade,
            ..self.clone()
        };
        (look, m.misses)
    }

    /// What the look does to rendered frame `k`: flow across a cut becomes NaN (there is
    /// no correspondence between two shots); `linear` gets the lens's depth of field
    /// (when the camera has an aperture); `color` becomes `linear` through the grade.
    pub fn apply(&self, scene: &Scene, plan: &CameraPlan, k: usize, fb: &mut FrameBuffers) {
        if plan.cut_before(k) {
            fb.flow_bwd.fill([f32::NAN; 2]);
        }
        if plan.cut_before(k + 1) {
            fb.flow_fwd.fill([f32::NAN; 2]);
        }
        // A frame rendered without its lit preview (see `raster::Wanted`) has nothing
        // to blur or grade.
        if fb.linear.is_empty() {
            return;
        }
        lens_blur(scene, plan, k, fb);
        fb.color = self.grade_frame(&fb.linear, fb.width, fb.height, k);
    }

    /// Frame `k` (`width × height` linear RGB, row-major) through the grade, as RGBA8
    /// sRGB (alpha 255).
    pub fn grade_frame(&self, linear: &[[f32; 3]], width: u32, height: u32, k: usize) -> Vec<u8> {
        let mut rgba = self
            .grade
            .render_srgb8(linear, width, height, self.seed, k as u64);
        if let Some(mark) = &self.watermark {
            mark.stamp_rgba(&mut rgba, width, height);
        }
        rgba
    }
}

/// The lens's depth of field on frame `k`'s `linear` (from its `depth`), when the
/// camera has an aperture: what every lit frame gets before the grade.
pub fn lens_blur(scene: &Scene, plan: &CameraPlan, k: usize, fb: &mut FrameBuffers) {
    if let Some(lens) = plan.lens(&scene.camera, k) {
        super::depth_of_field(&mut fb.linear, &fb.depth, fb.width, fb.height, &lens);
    }
}

/// Reads a scene file, resolves its style (`style` instead of the one the scene names,
/// when given: a bundled name or alias, or a path to a style file relative to the
/// scene's folder), applies what the style owns to the scene (see [`Style::apply_to`])
/// and validates it: the scene and its [`Look`].
///
/// # Errors
/// As [`scene::load`]; an unknown or broken style is a problem at `style`.
///
/// ```no_run
/// let (scene, look) = cinegraph::style::load("scenes/domino_run.ron".as_ref(), Some("noir"))?;
/// assert_eq!(look.style.as_deref(), Some("noir"));
/// assert_eq!(scene.style, look.style);
/// # Ok::<(), cinegraph::scene::SceneError>(())
/// ```
pub fn load(path: &Path, style: Option<&str>) -> Result<(Scene, Look), SceneError> {
    let (scene, style) = scene::load_with(path, apply_style(style))?;
    let look = Look::new(style.as_ref(), scene.seed);
    Ok((scene, look))
}

/// [`load`] for scene text: `origin` names it in messages; mesh and style paths resolve
/// against `base_dir`.
///
/// # Errors
/// As [`scene::parse_str`]; an unknown or broken style is a problem at `style`.
pub fn parse_str(
    text: &str,
    origin: &str,
    base_dir: &Path,
    style: Option<&str>,
) -> Result<(Scene, Look), SceneError> {
    let (scene, style) = scene::parse_str_with(text, origin, base_dir, apply_style(style))?;
    let look = Look::new(style.as_ref(), scene.seed);
    Ok((scene, look))
}

/// Resolves `style_override` or else the style the file names, and applies it to the
/// file.
fn apply_style(
    style_override: Option<&str>,
) -> impl FnOnce(&mut SceneFile, &Path) -> Result<Option<Style>, Problem> + '_ {
    move |file, base_dir| {
        let Some(reference) = style_override.map(str::to_string).or(file.style.clone()) else {
            return Ok(None);
        };
        let style = resolve(&reference, base_dir).map_err(|e| Problem {
            at: "style".into(),
            message: e.to_string(),
        })?;
        style.apply_to(file);
        Ok(Some(style))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_look_ignores_seed_and_frame() {
        // The raster's preview used the default grade at seed 0, frame 0; the look grades
        // every frame with the scene's seed and the frame number: the same bits, because
        // the default grade has no grain.
        let (w, h) = (37u32, 11u32);
        let linear: Vec<[f32; 3]> = (0..w * h)
            .map(|i| {
                let t = i as f32 / (w * h) as f32;
                [t * 4.0, (1.0 - t) * 0.3, (t * 17.0).sin().abs()]
            })
            .collect();
        let plain = Grade::default().render_srgb8(&linear, w, h, 0, 0);
        for (seed, k) in [(0, 0), (7, 1), (u64::MAX, 95), (123_456_789, 4)] {
            let look = Look::new(None, seed);
            assert_eq!(
                look.grade_frame(&linear, w, h, k),
                plain,
                "seed {seed}, frame {k}"
            );
        }
    }

    #[test]
    fn a_look_names_its_style_and_carries_its_grade() {
        let noir = super::super::find_bundled("noir").unwrap();
        let look = Look::new(Some(&noir), 3);
        assert_eq!(look.style.as_deref(), Some("noir"));
        assert_eq!(look.grade, noir.grade);
        assert_eq!(Look::new(None, 3).grade, Grade::default());
    }
}
