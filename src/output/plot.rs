//! `energy.png`: kinetic, potential and total energy (top) and momentum (bottom) over time.

use std::sync::Once;

use plotters::prelude::*;

use crate::files::FileError;
use crate::physics::Trajectory;
use crate::scene::Scene;

const SIZE: (u32, u32) = (1000, 700);
static FONT: Once = Once::new();

fn plot_err(e: impl std::fmt::Display) -> FileError {
    FileError::Plot(e.to_string())
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        if v.is_finite() {
            (lo.min(v), hi.max(v))
        } else {
            (lo, hi)
        }
    });
    if !lo.is_finite() {
        return (-1.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-6);
    (lo - pad, hi + pad)
}

fn register_font() {
    FONT.call_once(|| {
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            epaint_default_fonts::UBUNTU_LIGHT,
        );
    });
}

/// A `width × height` strip with `text` in light gray on near-black, left-aligned and
/// vertically centered (row labels of contact sheets).
///
/// # Errors
/// [`FileError::Plot`] if drawing fails.
pub(crate) fn text_strip(
    text: &str,
    width: u32,
    height: u32,
) -> Result<image::RgbImage, FileError> {
    register_font();
    let mut rgb = vec![0u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        root.fill(&RGBColor(24, 24, 24)).map_err(plot_err)?;
        let size = (height as f64 * 0.16).clamp(11.0, 18.0);
        let style =
            TextStyle::from(("sans-serif", size).into_font()).color(&RGBColor(220, 220, 220));
        root.draw(&Text::new(
            text.to_string(),
            (8, (height as f64 * 0.5 - size * 0.5) as i32),
            style,
        ))
        .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    image::RgbImage::from_raw(width, height, rgb)
        .ok_or_else(|| FileError::Plot("label buffer size".into()))
}

/// Draws the plot and returns PNG bytes.
///
/// # Errors
/// [`FileError::Plot`] if drawing or encoding fails.
pub fn energy_plot_png(scene: &Scene, traj: &Trajectory) -> Result<Vec<u8>, FileError> {
    register_font();
    let mut rgb = vec![255u8; (SIZE.0 * SIZE.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let (top, bottom) = root.split_vertically(SIZE.1 * 3 / 5);
        let t_end = traj.frames.last().map_or(1.0, |f| f.time.max(1e-6));
        let series = |f: &dyn Fn(&crate::physics::FrameState) -> f64| -> Vec<(f64, f64)> {
            traj.frames.iter().map(|fr| (fr.time, f(fr))).collect()
        };
        let kinetic = series(&|f| f.energy.kinetic);
        let potential = series(&|f| f.energy.potential);
        let total = series(&|f| f.energy.total);
        let (lo, hi) = range(kinetic.iter().chain(&potential).chain(&total).map(|p| p.1));
        let mut chart = ChartBuilder::on(&top)
            .caption(
                format!("{}: energy of dynamic bodies", scene.name),
                ("sans-serif", 22),
            )
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..t_end, lo..hi)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("time (s)")
            .y_desc("energy (J)")
            .draw()
            .map_err(plot_err)?;
        for (data, color, label) in [
            (kinetic, RED, "kinetic"),
            (potential, BLUE, "potential (-m g·x)"),
            (total, BLACK, "total"),
        ] {
            chart
                .draw_series(LineSeries::new(data, color.stroke_width(2)))
                .map_err(plot_err)?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(plot_err)?;

        let comps: Vec<Vec<(f64, f64)>> = (0..3)
            .map(|i| series(&|f| f64::from(f.momentum[i])))
            .collect();
        let mag = series(&|f| f64::from(f.momentum.length()));
        let (lo, hi) = range(comps.iter().flatten().chain(&mag).map(|p| p.1));
        let mut chart = ChartBuilder::on(&bottom)
            .caption("linear momentum", ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..t_end, lo..hi)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("time (s)")
            .y_desc("kg·m/s")
            .draw()
            .map_err(plot_err)?;
        let colors = [RED, GREEN, BLUE];
        for (i, data) in comps.into_iter().enumerate() {
            let color = colors[i];
            chart
                .draw_series(LineSeries::new(data, color.stroke_width(1)))
                .map_err(plot_err)?
                .label(["p.x", "p.y", "p.z"][i])
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2))
                });
        }
        chart
            .draw_series(LineSeries::new(mag, BLACK.stroke_width(2)))
            .map_err(plot_err)?
            .label("|p|")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], BLACK.stroke_width(2)));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    rgb_png(&rgb, SIZE)
}

/// A loss curve PNG: each named series of `(step, loss)` on a log-scaled y axis
/// (`cinegraph train`'s `loss.png`).
///
/// # Errors
/// [`FileError::Plot`] if drawing or encoding fails.
pub fn loss_plot_png(
    title: &str,
    series: &[(&str, Vec<(f64, f64)>)],
) -> Result<Vec<u8>, FileError> {
    register_font();
    let size = (900u32, 500u32);
    let mut rgb = vec![0u8; (size.0 * size.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let points = || series.iter().flat_map(|s| s.1.iter());
        let x_end = points().map(|p| p.0).fold(1.0f64, f64::max);
        let positive = || points().map(|p| p.1).filter(|v| v.is_finite() && *v > 0.0);
        let lo = positive().fold(f64::INFINITY, f64::min);
        let hi = positive().fold(0.0f64, f64::max);
        let (lo, hi) = if lo.is_finite() && hi > 0.0 {
            (lo * 0.8, hi * 1.25)
        } else {
            (1e-3, 1.0)
        };
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..x_end, (lo..hi).log_scale())
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("step")
            .y_desc("loss (log scale)")
            .draw()
            .map_err(plot_err)?;
        let colors = [BLACK, RED, BLUE, GREEN];
        for (i, (label, data)) in series.iter().enumerate() {
            let color = colors[i % colors.len()];
            let data: Vec<(f64, f64)> = data
                .iter()
                .copied()
                .filter(|p| p.1.is_finite() && p.1 > 0.0)
                .collect();
            chart
                .draw_series(LineSeries::new(data, color.stroke_width(2)))
                .map_err(plot_err)?
                .label(*label)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    rgb_png(&rgb, size)
}

/// PNG bytes of an RGB8 buffer.
fn rgb_png(rgb: &[u8], size: (u32, u32)) -> Result<Vec<u8>, FileError> {
    let mut png = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut png),
        rgb,
        size.0,
        size.1,
        image::ExtendedColorType::Rgb8,
    )
    .map_err(plot_err)?;
    Ok(png)
}
