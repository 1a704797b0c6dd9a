//! `cinegraph styles preview`: one scene simulated once, rendered through [`Frames`] in
//! every bundled style, laid out as a contact sheet.

use std::path::Path;

use super::PipelineError;
use super::frames::{Frames, Window};
use crate::camera;
use crate::output;
use crate::physics;
use crate::progress::Progress;
use crate::style;

/// Renders the same scene in every bundled style and lays the previews out as one
/// contact sheet: a row per style (in [`crate::style::bundled`] order), `columns`
/// frames spread over the clip. The scene is simulated once: styles never change physics.
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
    for style in &styles {
        let (scene, look) = style::load(scene_path, Some(style.name()))?;
        let plan = camera::plan(&scene, &traj)?;
        let mut looks = Frames::new(
            &scene,
            &look,
            &traj,
            &plan,
            frames.clone(),
            Window::default(),
        )?
        // The graded preview only (depth for the lens's depth of field).
        .wanting(crate::raster::Wanted {
            linear: true,
            depth: true,
            ..crate::raster::Wanted::NONE
        });
        let mut row = Vec::new();
        while let Some(f) = looks.next_frame()? {
            let fb = &f.buffers;
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
    }
    progress.finish();
    output::write_png_rgb(out_png, &output::grid_image(&rows, &names)?)?;
    Ok(names)
}
