//! `cinegraph styles preview`: one scene simulated once, rendered through [`Frames`] in
//! every bundled style, laid out as a contact sheet; `cinegraph styles check`: each
//! look's contract measured on a scene.

use std::path::Path;

use super::PipelineError;
use super::frames::{Frames, Window};
use crate::camera;
use crate::output;
use crate::physics;
use crate::progress::Progress;
use crate::style;
use crate::style::contract::{self, Measured, Stat, Target};

/// Renders the same scene in every bundled style and lays the previews out as one
/// contact sheet: a row per style (in [`crate::style::bundled`] order), `columns`
/// frames spread over the clip, each row labelled with the style's name and its key,
/// contrast, warmth (R/B) and saturation measured on those frames (see
/// [`crate::style::contract`]). The scene is simulated once: styles never change physics.
/// Returns the styles' names in row order.
///
/// # Errors
/// [`PipelineError`] from loading, simulating, rendering or writing.
pub fn styles_preview(
    scene_path: &Path,
    out_png: &Path,
    columns: usize,
    progress: &dyn Progress,
) -> Result<Vec<String>, PipelineError> {
    let styles = crate::style::bundled()?;
    let (base, _) = style::load(scene_path, None)?;
    let traj = physics::simulate(&base, progress)?;
    let frames = output::sample_frames(base.frame_count as usize, columns);
    progress.start("styles", (styles.len() * frames.len()) as u64);
    let mut rows = Vec::new();
    let mut names = Vec::new();
    let mut labels = Vec::new();
    for style in &styles {
        let (scene, look) = style::load(scene_path, Some(style.name()))?;
        let plan = camera::plan(&scene, &traj)?;
        let mut looks = look_frames(&scene, &look, &traj, &plan, &frames)?;
        let mut row = Vec::new();
        let mut stats = Vec::new();
        let grade = looks.look()?.grade.clone();
        while let Some(f) = looks.next_frame()? {
            let fb = &f.buffers;
            // The numbers under the row: the look's statistics on these frames.
            stats.push(frame_stats(fb, &grade, scene.seed, f.index));
            let rgba = image::RgbaImage::from_raw(fb.width, fb.height, fb.color.clone())
                .ok_or_else(|| {
                    PipelineError::Internal(format!(
                        "frame {}: {} color bytes for {}x{} pixels",
                        f.index,
                        fb.color.len(),
                        fb.width,
                        fb.height
                    ))
                })?;
            row.push(image::DynamicImage::ImageRgba8(rgba).to_rgb8());
            progress.advance(1);
        }
        rows.push(row);
        names.push(style.name().to_string());
        let m = Measured::from_frames(&stats, &[]);
        let num = |stat| {
            m.get(stat)
                .map_or_else(|| "-".to_string(), |v| format!("{v:.2}"))
        };
        labels.push(format!(
            "{}\nkey {}  contrast {}\nR/B {}  sat {}",
            style.name(),
            num(Stat::MeanLuma),
            num(Stat::Contrast),
            num(Stat::Warmth),
            num(Stat::Saturation)
        ));
    }
    progress.finish();
    output::write_png_rgb(out_png, &output::grid_image(&rows, &labels)?)?;
    Ok(names)
}

/// One target of a look, measured.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckRow {
    /// What the style promises.
    pub target: Target,
    /// What was measured (`None`: undefined on this scene, e.g. no moving body in view).
    pub value: Option<f32>,
}

impl CheckRow {
    /// Whether the measured value meets the target.
    pub fn passes(&self) -> bool {
        self.target.passes(self.value)
    }
}

/// A look checked on one scene.
#[derive(Debug, Clone, PartialEq)]
pub struct StyleCheck {
    /// The style's name.
    pub style: String,
    /// Every target of its contract, in file order, measured.
    pub rows: Vec<CheckRow>,
    /// Every statistic measured (targeted or not), the histogram and tones.
    pub measured: Measured,
    /// The frames measured.
    pub frames: Vec<usize>,
    /// The size they were rendered at.
    pub size: (u32, u32),
}

impl StyleCheck {
    /// Whether every target passes.
    pub fn passes(&self) -> bool {
        self.rows.iter().all(CheckRow::passes)
    }
}

/// What [`styles_check`] renders.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOptions {
    /// The styles to check (bundled names, aliases or style file paths); empty: every
    /// bundled style.
    pub styles: Vec<String>,
    /// Frames measured, spread over the clip (first and last included).
    pub frames: usize,
    /// The longer side of the frames, pixels (the scene's own size when `None`).
    pub size: Option<u32>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self {
            styles: Vec::new(),
            frames: 3,
            size: Some(128),
        }
    }
}

/// Renders `scene_path` in each style of `opts` and measures each look's contract: the
/// statistics of the graded frames (see [`crate::style::contract`]) against the style's
/// targets. The scene is simulated once (styles never change physics).
///
/// # Errors
/// [`PipelineError`] from loading, simulating or rendering.
pub fn styles_check(
    scene_path: &Path,
    opts: &CheckOptions,
    progress: &dyn Progress,
) -> Result<Vec<StyleCheck>, PipelineError> {
    let names: Vec<String> = if opts.styles.is_empty() {
        crate::style::bundled()?
            .iter()
            .map(|s| s.name().to_string())
            .collect()
    } else {
        opts.styles.clone()
    };
    let (base, _) = style::load(scene_path, None)?;
    let traj = physics::simulate(&base, progress)?;
    let frames = output::sample_frames(base.frame_count as usize, opts.frames);
    progress.start("styles check", (names.len() * frames.len()) as u64);
    let mut out = Vec::new();
    for name in &names {
        let (mut scene, look) = style::load(scene_path, Some(name))?;
        if let Some(size) = opts.size {
            scene.resolution = fit(scene.resolution, size);
        }
        let plan = camera::plan(&scene, &traj)?;
        let mut looks = look_frames(&scene, &look, &traj, &plan, &frames)?;
        let grade = looks.look()?.grade.clone();
        let mut stats = Vec::new();
        while let Some(f) = looks.next_frame()? {
            stats.push(frame_stats(&f.buffers, &grade, scene.seed, f.index));
            progress.advance(1);
        }
        let (shake, shake_hz) =
            contract::shake(&plan.frames, &plan.subject, &plan.shot, scene.fps as f32);
        let mut camera_stats = vec![(Stat::Shake, shake)];
        camera_stats.extend(shake_hz.map(|v| (Stat::ShakeHz, v)));
        camera_stats.extend(
            contract::framing_offset(&plan.frames, &plan.subject).map(|v| (Stat::FramingOffset, v)),
        );
        let measured = Measured::from_frames(&stats, &camera_stats);
        let rows = look
            .targets
            .iter()
            .map(|t| CheckRow {
                target: t.clone(),
                value: measured.get(t.stat),
            })
            .collect();
        out.push(StyleCheck {
            style: look.style.clone().unwrap_or_else(|| name.clone()),
            rows,
            measured,
            frames: frames.clone(),
            size: scene.resolution,
        });
    }
    progress.finish();
    Ok(out)
}

/// The frame loop for measuring a look: the lit preview only (depth for the lens's
/// depth of field).
fn look_frames<'s>(
    scene: &'s crate::scene::Scene,
    look: &crate::style::Look,
    traj: &'s physics::Trajectory,
    plan: &'s camera::CameraPlan,
    frames: &[usize],
) -> Result<Frames<'s>, PipelineError> {
    Ok(
        Frames::new(scene, look, traj, plan, frames.to_vec(), Window::default())?.wanting(
            crate::raster::Wanted {
                linear: true,
                depth: true,
                ..crate::raster::Wanted::NONE
            },
        ),
    )
}

/// A look's pixel statistics on rendered frame `k`: its linear light through `grade`
/// without grain, in floating point (not the 8-bit preview, which rounds the darkest
/// tones to black), and the grain's strength: the grade with grain against without.
fn frame_stats(
    fb: &crate::raster::FrameBuffers,
    grade: &crate::style::Grade,
    seed: u64,
    k: usize,
) -> contract::FrameStats {
    let (w, h) = (fb.width, fb.height);
    let graded = |g: &crate::style::Grade| {
        let mut img = fb.linear.clone();
        g.apply(&mut img, w, h, seed, k as u64);
        img
    };
    let ungrained = graded(&crate::style::Grade {
        grain: 0.0,
        ..grade.clone()
    });
    // The tones and colors of the frame without its grain (noise biases which pixels
    // fall in the darkest or brightest fifth, and so their mean color), the grain
    // apart: the RMS difference is the same either way round.
    contract::measure_frame(
        &ungrained,
        w,
        h,
        grade.letterbox_rows(w, h),
        Some(&graded(grade)),
    )
}

/// `res` scaled so its longer side is `size` (each side at least 8 pixels).
fn fit(res: (u32, u32), size: u32) -> (u32, u32) {
    let long = res.0.max(res.1).max(1) as f32;
    let s = size as f32 / long;
    (
        ((res.0 as f32 * s).round() as u32).max(8),
        ((res.1 as f32 * s).round() as u32).max(8),
    )
}

/// Writes `styles check --plot`: a row per look (see [`output::look_plot_png`]).
///
/// # Errors
/// [`PipelineError`] when drawing or writing fails.
pub fn write_check_plot(path: &Path, checks: &[StyleCheck]) -> Result<(), PipelineError> {
    let rows: Vec<output::LookPlot> = checks
        .iter()
        .map(|c| {
            let passed = c.rows.iter().filter(|r| r.passes()).count();
            let band = |stats: &[Stat]| {
                c.rows
                    .iter()
                    .filter(|r| stats.contains(&r.target.stat))
                    .map(|r| {
                        (
                            r.target.stat.name().to_string(),
                            r.target.range.0,
                            r.target.range.1,
                        )
                    })
                    .collect()
            };
            output::LookPlot {
                title: format!("{}: {passed} of {} targets met", c.style, c.rows.len()),
                histogram: c.measured.histogram,
                shadows: c.measured.shadows.to_array(),
                highlights: c.measured.highlights.to_array(),
                luma_targets: band(&[Stat::MeanLuma, Stat::P5Luma, Stat::P50Luma, Stat::P95Luma]),
                hue_targets: band(&[Stat::ShadowHue, Stat::HighlightHue]),
            }
        })
        .collect();
    crate::files::write_atomic(path, &output::look_plot_png(&rows)?)?;
    Ok(())
}
