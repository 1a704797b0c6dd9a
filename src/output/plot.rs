//! `energy.png`: kinetic, potential and total energy (top) and momentum (bottom) over time.

use std::sync::Once;

use plotters::prelude::*;

use crate::files::FileError;
use crate::physics::Trajectory;
use crate::scene::Scene;

const SIZE: (u32, u32) = (1000, 700);
static FONT: Once = Once::new();

pub(super) fn plot_err(e: impl std::fmt::Display) -> FileError {
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

pub(super) fn register_font() {
    FONT.call_once(|| {
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            epaint_default_fonts::UBUNTU_LIGHT,
        );
    });
}

/// A `width × height` strip with `text` in light gray on near-black, left-aligned and
/// vertically centered (row labels of contact sheets); each line of `text` on a line of
/// its own, the first larger.
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
        let lines: Vec<&str> = text.lines().collect();
        let n = lines.len().max(1) as f64;
        let first = (height as f64 * 0.16)
            .clamp(11.0, 18.0)
            .min(height as f64 / n);
        let rest = (first * 0.8).max(9.0);
        let total = first + rest * (n - 1.0);
        let mut y = height as f64 * 0.5 - total * 0.5;
        for (i, line) in lines.iter().enumerate() {
            let size = if i == 0 { first } else { rest };
            let shade = if i == 0 { 220 } else { 170 };
            let color = RGBColor(shade, shade, shade);
            let style = TextStyle::from(("sans-serif", size).into_font()).color(&color);
            root.draw(&Text::new(line.to_string(), (8, y as i32), style))
                .map_err(plot_err)?;
            y += size;
        }
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

/// `audio.png`: the track's waveform (left channel above the axis in blue, right below
/// in red: each column's peak) and its spectrogram (mid channel, 1024-sample Hann
/// windows, hop 256, log frequency 20 Hz – 20 kHz, -100 to 0 dBFS from black through
/// red to yellow), each strike marked by a vertical line.
///
/// # Errors
/// [`FileError::Plot`] if drawing or encoding fails.
pub fn audio_plot_png(
    scene: &Scene,
    track: &crate::audio::AudioTrack,
) -> Result<Vec<u8>, FileError> {
    const W: u32 = 1200;
    const WAVE_H: u32 = 260;
    const SPEC_H: u32 = 380;
    const TOP: u32 = 40;
    const LEFT: u32 = 60;
    let size = (W, TOP + WAVE_H + SPEC_H + 40);
    register_font();
    let n = track.left.len().max(1);
    let plot_w = (W - LEFT - 20) as usize;
    let mut rgb = vec![255u8; (size.0 * size.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let title = format!(
            "{}: sound ({} strikes, {:.2} s, peak {:.1} dBFS) — waveform, spectrogram",
            scene.name,
            track.strikes.len(),
            n as f64 / f64::from(track.rate),
            track.stats.peak_db
        );
        root.draw(&Text::new(title, (LEFT as i32, 10), ("sans-serif", 20)))
            .map_err(plot_err)?;
        let x_of = |sample: usize| LEFT as i32 + (sample * plot_w / n) as i32;
        // Waveform: per column, the peak of each channel.
        let mid_y = (TOP + WAVE_H / 2) as i32;
        let peak = track
            .left
            .iter()
            .chain(&track.right)
            .fold(1e-9f32, |p, x| p.max(x.abs()));
        for col in 0..plot_w {
            let (a, b) = (
                col * n / plot_w,
                ((col + 1) * n / plot_w).max(col * n / plot_w + 1),
            );
            let m = |ch: &[f32]| {
                ch[a.min(ch.len())..b.min(ch.len())]
                    .iter()
                    .fold(0.0f32, |p, x| p.max(x.abs()))
            };
            let (l, r) = (m(&track.left) / peak, m(&track.right) / peak);
            let x = LEFT as i32 + col as i32;
            let half = (WAVE_H / 2 - 4) as f32;
            root.draw(&PathElement::new(
                [(x, mid_y), (x, mid_y - (l * half) as i32)],
                BLUE.stroke_width(1),
            ))
            .map_err(plot_err)?;
            root.draw(&PathElement::new(
                [(x, mid_y), (x, mid_y + (r * half) as i32)],
                RED.stroke_width(1),
            ))
            .map_err(plot_err)?;
        }
        // Spectrogram.
        let fft_n = 1024usize;
        let hop = 256usize;
        let mut planner = rustfft::FftPlanner::<f32>::new();
        let fft = planner.plan_fft_forward(fft_n);
        let window: Vec<f32> = (0..fft_n)
            .map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / fft_n as f32).cos())
            .collect();
        let spec_top = (TOP + WAVE_H + 10) as i32;
        let spec_h = SPEC_H as i32 - 20;
        let bins = fft_n / 2;
        let hz_per_bin = track.rate as f32 / fft_n as f32;
        let (f_lo, f_hi) = (20f32.ln(), 20_000f32.ln());
        let mut buf = vec![rustfft::num_complex::Complex::new(0.0f32, 0.0); fft_n];
        let columns = n.div_ceil(hop).max(1);
        let mut img = vec![[0u8; 3]; plot_w * spec_h as usize];
        for c in 0..columns {
            let start = c * hop;
            for (i, z) in buf.iter_mut().enumerate() {
                let idx = start + i;
                let x = if idx < n {
                    0.5 * (track.left[idx] + track.right[idx])
                } else {
                    0.0
                };
                *z = rustfft::num_complex::Complex::new(x * window[i], 0.0);
            }
            fft.process(&mut buf);
            let (x0, x1) = (
                c * plot_w / columns,
                ((c + 1) * plot_w / columns).max(c * plot_w / columns + 1),
            );
            for row in 0..spec_h as usize {
                let frac = 1.0 - (row as f32 + 0.5) / spec_h as f32;
                let hz = (f_lo + frac * (f_hi - f_lo)).exp();
                let bin = ((hz / hz_per_bin) as usize).clamp(1, bins - 1);
                let mag = buf[bin].norm() * 2.0 / (fft_n as f32 * 0.5);
                let db = 20.0 * mag.max(1e-10).log10();
                let v = ((db + 100.0) / 100.0).clamp(0.0, 1.0);
                let color = [
                    (255.0 * (v * 2.0).min(1.0)) as u8,
                    (255.0 * (v * 2.0 - 1.0).clamp(0.0, 1.0)) as u8,
                    (255.0 * (v * 4.0 - 3.0).clamp(0.0, 1.0)) as u8,
                ];
                for x in x0..x1.min(plot_w) {
                    img[row * plot_w + x] = color;
                }
            }
        }
        for (i, px) in img.iter().enumerate() {
            let (x, y) = ((i % plot_w) as i32, (i / plot_w) as i32);
            root.draw_pixel(
                (LEFT as i32 + x, spec_top + y),
                &RGBColor(px[0], px[1], px[2]),
            )
            .map_err(plot_err)?;
        }
        for (hz, label) in [
            (100.0f32, "100 Hz"),
            (1000.0, "1 kHz"),
            (10_000.0, "10 kHz"),
        ] {
            let frac = (hz.ln() - f_lo) / (f_hi - f_lo);
            let y = spec_top + ((1.0 - frac) * spec_h as f32) as i32;
            root.draw(&Text::new(label, (2, y - 6), ("sans-serif", 13)))
                .map_err(plot_err)?;
        }
        // Strikes.
        for s in &track.strikes {
            let x = x_of((s.time * f64::from(track.rate)) as usize);
            root.draw(&PathElement::new(
                [(x, TOP as i32), (x, spec_top - 4)],
                GREEN.mix(0.6).stroke_width(1),
            ))
            .map_err(plot_err)?;
        }
        let secs = n as f64 / f64::from(track.rate);
        for k in 0..=10 {
            let t = secs * f64::from(k) / 10.0;
            let x = x_of((t * f64::from(track.rate)) as usize);
            root.draw(&Text::new(
                format!("{t:.2} s"),
                (x - 14, spec_top + spec_h + 6),
                ("sans-serif", 13),
            ))
            .map_err(plot_err)?;
        }
        root.present().map_err(plot_err)?;
    }
    rgb_png(&rgb, size)
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

/// One look's measurements for [`look_plot_png`]: its name, the luminance histogram
/// (32 bins over `[0, 1]`), the mean shadow and highlight colors (linear), and its
/// luminance and hue targets as `(label, low, high)`.
pub struct LookPlot {
    /// Row title (style name and verdict).
    pub title: String,
    /// Fractions of pixels per luminance bin.
    pub histogram: [f32; 32],
    /// Mean color of the darkest 20 %.
    pub shadows: [f32; 3],
    /// Mean color of the brightest 20 %.
    pub highlights: [f32; 3],
    /// Luminance targets drawn as bands on the histogram.
    pub luma_targets: Vec<(String, f32, f32)>,
    /// Hue targets (degrees) drawn as arcs on the wheel: `(label, low, high)`.
    pub hue_targets: Vec<(String, f32, f32)>,
}

/// `styles check --plot`: per look a row with its luminance histogram against its
/// luminance targets (shaded bands) and a hue wheel with the shadows' (□) and
/// highlights' (●) mean hue and saturation against the hue targets (arcs).
///
/// # Errors
/// [`FileError::Plot`] if drawing or encoding fails.
pub fn look_plot_png(rows: &[LookPlot]) -> Result<Vec<u8>, FileError> {
    register_font();
    let row_h = 260u32;
    let size = (900u32, row_h * rows.len().max(1) as u32);
    let mut rgb = vec![255u8; (size.0 * size.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let areas = root.split_evenly((rows.len().max(1), 1));
        for (row, area) in rows.iter().zip(areas) {
            let (left, right) = area.split_horizontally(620);
            let top = row
                .histogram
                .iter()
                .copied()
                .fold(0.0f32, f32::max)
                .max(1e-3)
                * 1.1;
            let mut chart = ChartBuilder::on(&left)
                .caption(&row.title, ("sans-serif", 18))
                .margin(8)
                .x_label_area_size(30)
                .y_label_area_size(50)
                .build_cartesian_2d(0f32..1f32, 0f32..top)
                .map_err(plot_err)?;
            chart
                .configure_mesh()
                .x_desc("luminance (display-linear, after the grade)")
                .y_desc("fraction")
                .disable_mesh()
                .draw()
                .map_err(plot_err)?;
            let band_colors = [
                RGBColor(90, 160, 90),
                RGBColor(200, 120, 60),
                RGBColor(90, 110, 200),
                RGBColor(160, 90, 160),
            ];
            for (i, (label, lo, hi)) in row.luma_targets.iter().enumerate() {
                let c = band_colors[i % band_colors.len()];
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(*lo, 0.0), (hi.max(lo + 0.004), top)],
                        c.mix(0.25).filled(),
                    )))
                    .map_err(plot_err)?
                    .label(label.clone())
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.mix(0.5).filled())
                    });
            }
            chart
                .draw_series(row.histogram.iter().enumerate().map(|(i, v)| {
                    let x0 = i as f32 / 32.0;
                    Rectangle::new(
                        [(x0, 0.0), (x0 + 1.0 / 32.0, *v)],
                        RGBColor(40, 40, 40).filled(),
                    )
                }))
                .map_err(plot_err)?;
            if !row.luma_targets.is_empty() {
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .draw()
                    .map_err(plot_err)?;
            }
            // The hue wheel: angle = hue, radius = saturation.
            let mut wheel = ChartBuilder::on(&right)
                .margin(20)
                .build_cartesian_2d(-1.2f32..1.2f32, -1.2f32..1.2f32)
                .map_err(plot_err)?;
            let at = |hue: f32, r: f32| {
                let a = hue.to_radians();
                (r * a.cos(), r * a.sin())
            };
            wheel
                .draw_series((0..72).map(|i| {
                    let h = i as f32 * 5.0;
                    let (r, g, b) = hue_rgb(h);
                    PathElement::new(
                        vec![at(h, 1.0), at(h + 5.0, 1.0)],
                        RGBColor(r, g, b).stroke_width(6),
                    )
                }))
                .map_err(plot_err)?;
            for (label, lo, hi) in &row.hue_targets {
                let pts: Vec<(f32, f32)> = (0..=20)
                    .map(|i| at(lo + (hi - lo) * i as f32 / 20.0, 1.12))
                    .collect();
                let mid = at(0.5 * (lo + hi), 0.8);
                wheel
                    .draw_series(std::iter::once(PathElement::new(
                        pts,
                        BLACK.stroke_width(3),
                    )))
                    .map_err(plot_err)?;
                wheel
                    .draw_series(std::iter::once(Text::new(
                        label.clone(),
                        mid,
                        ("sans-serif", 12),
                    )))
                    .map_err(plot_err)?;
            }
            for (c, filled) in [(row.shadows, false), (row.highlights, true)] {
                let (h, s) = crate::style::contract::hue_saturation(glam::Vec3::from(c));
                let p = at(h, s.min(1.0));
                let style = if filled {
                    BLACK.filled()
                } else {
                    BLACK.stroke_width(2)
                };
                if filled {
                    wheel
                        .draw_series(std::iter::once(Circle::new(p, 6, style)))
                        .map_err(plot_err)?;
                } else {
                    wheel
                        .draw_series(std::iter::once(Rectangle::new(
                            [(p.0 - 0.05, p.1 - 0.05), (p.0 + 0.05, p.1 + 0.05)],
                            style,
                        )))
                        .map_err(plot_err)?;
                }
            }
        }
        root.present().map_err(plot_err)?;
    }
    rgb_png(&rgb, size)
}

/// A fully saturated color of `hue` degrees, 8-bit.
fn hue_rgb(hue: f32) -> (u8, u8, u8) {
    let (r, g, b) = hue_sextant_rgb(hue.rem_euclid(360.0) / 60.0);
    ((r * 255.0) as u8, (g * 255.0) as u8, (b * 255.0) as u8)
}

/// The fully saturated color at `h` sixths of the hue circle (`[0, 6)`; 0 red, 2 green,
/// 4 blue), channels in `[0, 1]`.
pub(crate) fn hue_sextant_rgb(h: f32) -> (f32, f32, f32) {
    let x = 1.0 - (h % 2.0 - 1.0).abs();
    match h as u32 {
        0 => (1.0, x, 0.0),
        1 => (x, 1.0, 0.0),
        2 => (0.0, 1.0, x),
        3 => (0.0, x, 1.0),
        4 => (x, 0.0, 1.0),
        _ => (1.0, 0.0, x),
    }
}
