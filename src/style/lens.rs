//! Depth of field for the raster preview: the camera's thin-lens circle of confusion per
//! pixel ([`ThinLens::coc_radius_px`]) from the exact depth buffer, and a gather blur
//! over it.

use crate::camera::{MAX_COC_RADIUS_PX, ThinLens};

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
    use crate::camera::lens::tests::lens;

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
