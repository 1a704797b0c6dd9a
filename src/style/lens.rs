//! Depth of field for the raster preview: a thin-lens circle of confusion per pixel from
//! the exact depth buffer, and a gather blur over it.
//!
//! Thin lens (e.g. Potmesil & Chakravarty, "A lens and aperture camera model for
//! synthetic image generation", SIGGRAPH 1981): a point at depth `z` seen through a lens
//! of focal length `f` and aperture diameter `A = f / N`, focused at `z_f`, spreads over
//! a circle of diameter `c = A · |z − z_f| / z · f / (z_f − f)` on the sensor.

/// Largest blur radius, pixels (beyond it the preview would need a real lens sim).
pub const MAX_COC_RADIUS_PX: f32 = 16.0;

/// A thin lens, in the camera's own units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThinLens {
    /// Focal length, m.
    pub focal_m: f32,
    /// Aperture f-number.
    pub f_number: f32,
    /// Distance in focus along the view axis, m.
    pub focus_m: f32,
    /// Sensor height, m.
    pub sensor_h_m: f32,
    /// Image height, pixels.
    pub height_px: u32,
}

impl ThinLens {
    /// The circle of confusion's radius in pixels for a point at depth `z` (m, along the
    /// view axis; `+inf` for the background).
    pub fn coc_radius_px(&self, z: f32) -> f32 {
        let f = self.focal_m;
        let aperture = f / self.f_number;
        let zf = self.focus_m.max(f * 1.001);
        let spread = if z.is_finite() {
            (z - zf).abs() / z.max(1e-6)
        } else {
            1.0
        };
        let c_m = aperture * spread * f / (zf - f);
        (0.5 * c_m / self.sensor_h_m * self.height_px as f32).min(MAX_COC_RADIUS_PX)
    }
}

/// Blurs `rgb` (linear light, `width × height`) by each pixel's circle of confusion from
/// `depth`. Scatter-as-gather: a neighbour contributes to a pixel when its own circle
/// covers that pixel, so sharp foreground edges do not bleed onto a blurred background
/// behind them and blurred foregrounds do spread over what is behind.
pub fn depth_of_field(
    rgb: &mut [[f32; 3]],
    depth: &[f32],
    width: u32,
    height: u32,
    lens: &ThinLens,
) {
    let (w, h) = (width as usize, height as usize);
    if w == 0 || h == 0 || rgb.len() != w * h || depth.len() != w * h {
        return;
    }
    let radius: Vec<f32> = depth.iter().map(|&z| lens.coc_radius_px(z)).collect();
    if radius.iter().all(|&r| r < 0.5) {
        return;
    }
    let src = rgb.to_vec();
    // A Vogel (golden-angle) spiral of taps over the unit disk.
    const TAPS: usize = 64;
    let taps: Vec<(f32, f32)> = (0..TAPS)
        .map(|i| {
            let r = ((i as f32 + 0.5) / TAPS as f32).sqrt();
            let a = i as f32 * 2.399_963;
            (r * a.cos(), r * a.sin())
        })
        .collect();
    let rows: Vec<(usize, &mut [[f32; 3]])> = rgb.chunks_mut(w).enumerate().collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(16);
    let per = h.div_ceil(threads).max(1);
    let mut rows = rows;
    std::thread::scope(|scope| {
        while !rows.is_empty() {
            let take = per.min(rows.len());
            let chunk: Vec<(usize, &mut [[f32; 3]])> = rows.drain(..take).collect();
            let (src, radius, taps) = (&src, &radius, &taps);
            scope.spawn(move || {
                for (y, row) in chunk {
                    for (x, out) in row.iter_mut().enumerate() {
                        let i = y * w + x;
                        // Search as far as the largest circle could reach.
                        let reach = MAX_COC_RADIUS_PX.min(radius[i].max(4.0) * 2.0);
                        let mut sum = [0.0f32; 3];
                        let mut weight = 0.0f32;
                        for &(tx, ty) in taps {
                            let (sx, sy) =
                                (x as f32 + 0.5 + tx * reach, y as f32 + 0.5 + ty * reach);
                            if sx < 0.0 || sy < 0.0 || sx >= w as f32 || sy >= h as f32 {
                                continue;
                            }
                            let j = sy as usize * w + sx as usize;
                            let d = (tx * tx + ty * ty).sqrt() * reach;
                            // The neighbour's circle covers this pixel (1 px soft edge),
                            // spread over its area.
                            let r = radius[j].max(0.5);
                            let cover = (r - d + 0.5).clamp(0.0, 1.0) / (r * r);
                            for c in 0..3 {
                                sum[c] += src[j][c] * cover;
                            }
                            weight += cover;
                        }
                        if weight > 0.0 {
                            *out = sum.map(|v| v / weight);
                        }
                    }
                }
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lens() -> ThinLens {
        ThinLens {
            focal_m: 0.05,
            f_number: 1.4,
            focus_m: 2.0,
            sensor_h_m: 0.024,
            height_px: 200,
        }
    }

    #[test]
    fn circle_of_confusion_follows_the_thin_lens() {
        let l = lens();
        assert_eq!(l.coc_radius_px(2.0), 0.0, "in focus");
        // By hand: A = 0.05 / 1.4 = 0.035714 m; at z = 4: c = A · 0.5 · 0.05 / 1.95
        // = 4.5788e-4 m; radius in px = 0.5 · c / 0.024 · 200 = 1.9078.
        assert!(
            (l.coc_radius_px(4.0) - 1.9078).abs() < 1e-3,
            "{}",
            l.coc_radius_px(4.0)
        );
        assert!(
            l.coc_radius_px(1.0) > l.coc_radius_px(1.5),
            "nearer is blurrier"
        );
        assert!(l.coc_radius_px(f32::INFINITY) >= l.coc_radius_px(100.0));
        let slow = ThinLens {
            f_number: 16.0,
            ..l
        };
        assert!(slow.coc_radius_px(4.0) < 0.2, "stopping down sharpens");
    }

    #[test]
    fn the_focal_plane_stays_sharp_and_the_rest_blurs() {
        let (w, h) = (64u32, 32u32);
        // A vertical edge: black left, white right.
        let img: Vec<[f32; 3]> = (0..w * h)
            .map(|i| if i % w < 32 { [0.0; 3] } else { [1.0; 3] })
            .collect();
        let run = |z: f32| {
            let mut out = img.clone();
            let l = ThinLens {
                height_px: h,
                focus_m: 0.5,
                ..lens()
            };
            depth_of_field(&mut out, &vec![z; (w * h) as usize], w, h, &l);
            out
        };
        let sharp = run(0.5);
        assert_eq!(sharp, img, "in focus: untouched");
        // At 20 m the circle's radius is 2.6 px.
        let far = run(20.0);
        let row: Vec<f32> = (0..w as usize)
            .map(|x| far[16 * w as usize + x][0])
            .collect();
        // Blurred: the edge is a ramp, monotone, centered on the edge.
        assert!(row[31] > 0.05 && row[32] < 0.95, "{row:?}");
        assert!(row.windows(2).all(|p| p[1] >= p[0] - 1e-6));
        assert!((row[31] + row[32] - 1.0).abs() < 0.1, "{row:?}");
        // Flat areas keep their value (energy is not lost).
        assert!(
            (far[16 * w as usize + 2][0]).abs() < 1e-6
                && (far[16 * w as usize + 61][0] - 1.0).abs() < 1e-6
        );
    }
}
