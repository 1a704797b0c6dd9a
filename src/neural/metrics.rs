//! Image and video quality measures, on display values in `[0, 1]`.

/// Linear radiance to display values in `[0, 1]`: the reference renderer's sRGB preview
/// mapping ([`crate::reference::tonemap_srgb8`]) / 255, so every image compared goes
/// through the same curve.
pub fn display(px: &[[f32; 3]]) -> Vec<[f32; 3]> {
    px.iter()
        .map(|&c| {
            let s = crate::reference::tonemap_srgb8(c);
            [
                f32::from(s[0]) / 255.0,
                f32::from(s[1]) / 255.0,
                f32::from(s[2]) / 255.0,
            ]
        })
        .collect()
}

/// Mean squared error over all channels.
pub fn mse(a: &[[f32; 3]], b: &[[f32; 3]]) -> f64 {
    let n = a.len().min(b.len()).max(1) * 3;
    a.iter()
        .zip(b)
        .flat_map(|(p, q)| (0..3).map(move |c| f64::from(p[c] - q[c]).powi(2)))
        .sum::<f64>()
        / n as f64
}

/// Peak signal-to-noise ratio, dB, for values in `[0, 1]` (capped at 100 dB for equal
/// images).
pub fn psnr(a: &[[f32; 3]], b: &[[f32; 3]]) -> f64 {
    let m = mse(a, b);
    if m <= 1e-10 { 100.0 } else { -10.0 * m.log10() }
}

/// Structural similarity (Wang et al. 2004) with an 8×8 box window moved in steps of 4,
/// `C1 = (0.01)²`, `C2 = (0.03)²`, averaged over windows and channels. Images smaller
/// than the window are one window; buffers shorter than the frame score 0.
pub fn ssim(a: &[[f32; 3]], b: &[[f32; 3]], width: usize, height: usize) -> f64 {
    if a.len() < width * height || b.len() < width * height {
        return 0.0;
    }
    let (c1, c2) = (1e-4f64, 9e-4f64);
    let win = 8.min(width).min(height).max(1);
    let step = (win / 2).max(1);
    let mut total = 0.0;
    let mut count = 0usize;
    let mut y0 = 0;
    while y0 + win <= height {
        let mut x0 = 0;
        while x0 + win <= width {
            for c in 0..3 {
                let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0, 0.0, 0.0);
                for y in y0..y0 + win {
                    for x in x0..x0 + win {
                        let i = y * width + x;
                        let (p, q) = (f64::from(a[i][c]), f64::from(b[i][c]));
                        sa += p;
                        sb += q;
                        saa += p * p;
                        sbb += q * q;
                        sab += p * q;
                    }
                }
                let n = (win * win) as f64;
                let (ma, mb) = (sa / n, sb / n);
                let va = saa / n - ma * ma;
                let vb = sbb / n - mb * mb;
                let cov = sab / n - ma * mb;
                total += ((2.0 * ma * mb + c1) * (2.0 * cov + c2))
                    / ((ma * ma + mb * mb + c1) * (va + vb + c2));
                count += 1;
            }
            x0 += step;
        }
        y0 += step;
    }
    if count == 0 {
        1.0
    } else {
        total / count as f64
    }
}

/// Flow warping error (Lai et al., "Learning Blind Video Temporal Consistency", ECCV
/// 2018): frame `t − 1` warped to `t` with the exact backward flow, mean squared
/// difference over the pixels that are not disoccluded. `None` when every pixel is, or a
/// buffer is shorter than the frame.
pub fn warping_error(
    prev: &[[f32; 3]],
    cur: &[[f32; 3]],
    flow_bwd: &[[f32; 2]],
    disoccluded: &[bool],
    width: usize,
    height: usize,
) -> Option<f64> {
    let n = width * height;
    if [prev.len(), cur.len(), flow_bwd.len(), disoccluded.len()]
        .iter()
        .any(|&l| l < n)
    {
        return None;
    }
    let warped = super::noise::warp_image(prev, flow_bwd, disoccluded, width, height);
    let mut sum = 0.0;
    let mut n = 0usize;
    for i in 0..width * height {
        if disoccluded[i] {
            continue;
        }
        for c in 0..3 {
            sum += f64::from(cur[i][c] - warped[i][c]).powi(2);
        }
        n += 3;
    }
    (n > 0).then(|| sum / n as f64)
}

/// Mottling: blotchy texture where the surface is one flat color. The RMS of the
/// high-frequency part of the luminance residual `img − reference` (the residual minus
/// its 3 × 3 box mean), over the pixels whose 5 × 5 neighbourhood is one object
/// (`segmentation`) of one albedo (every channel within 0.02 of the centre's, linear).
/// An image that is off by a smooth amount there scores near 0; one with grain or
/// blotches on flat objects scores their amplitude; edges of objects and of textures
/// are left out. The reference's own noise adds equally to any image compared with it.
/// `None` when no pixel qualifies or a buffer is shorter than the frame.
pub fn mottling(
    img: &[[f32; 3]],
    reference: &[[f32; 3]],
    albedo: &[[f32; 3]],
    segmentation: &[u32],
    width: usize,
    height: usize,
) -> Option<f64> {
    let n = width * height;
    if [img.len(), reference.len(), albedo.len(), segmentation.len()]
        .iter()
        .any(|&l| l < n)
        || width < 5
        || height < 5
    {
        return None;
    }
    let luma = |c: [f32; 3]| 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    let residual: Vec<f32> = (0..n).map(|i| luma(img[i]) - luma(reference[i])).collect();
    let flat = |x: usize, y: usize| {
        let i = y * width + x;
        let (id, a) = (segmentation[i], albedo[i]);
        id != 0
            && (y - 2..=y + 2).all(|v| {
                (x - 2..=x + 2).all(|u| {
                    let j = v * width + u;
                    segmentation[j] == id && (0..3).all(|c| (albedo[j][c] - a[c]).abs() <= 0.02)
                })
            })
    };
    let (mut sum, mut count) = (0.0f64, 0usize);
    for y in 2..height - 2 {
        for x in 2..width - 2 {
            if !flat(x, y) {
                continue;
            }
            let mean = (y - 1..=y + 1)
                .flat_map(|v| (x - 1..=x + 1).map(move |u| v * width + u))
                .map(|j| f64::from(residual[j]))
                .sum::<f64>()
                / 9.0;
            sum += (f64::from(residual[y * width + x]) - mean).powi(2);
            count += 1;
        }
    }
    (count > 0).then(|| (sum / count as f64).sqrt())
}

/// Mean ꟻLIP of an error map from [`flip_map`]: over the whole frame, and over the
/// pixels where `mask` is set (`None` when none is).
pub fn flip_means(map: &[f32], mask: &[bool]) -> (f64, Option<f64>) {
    let whole = map.iter().map(|&v| f64::from(v)).sum::<f64>() / map.len().max(1) as f64;
    let (sum, n) = map
        .iter()
        .zip(mask)
        .filter(|(_, m)| **m)
        .fold((0.0, 0usize), |(s, n), (&v, _)| (s + f64::from(v), n + 1));
    (whole, (n > 0).then(|| sum / n as f64))
}

/// The per-pixel ꟻLIP error map (Andersson et al. 2020, "ꟻLIP: A Difference Evaluator
/// for Alternating Images"; NVIDIA's implementation through the `nv-flip` bindings, at
/// its default 67 pixels per degree) of `test` against `reference`, both 8-bit sRGB RGB:
/// row-major, values in `[0, 1]`.
pub fn flip_map(reference: &[u8], test: &[u8], width: usize, height: usize) -> Vec<f32> {
    let (w, h) = (width as u32, height as u32);
    nv_flip::flip(
        nv_flip::FlipImageRgb8::with_data(w, h, reference),
        nv_flip::FlipImageRgb8::with_data(w, h, test),
        nv_flip::DEFAULT_PIXELS_PER_DEGREE,
    )
    .to_vec()
}

/// A ꟻLIP map as 8-bit RGB in NVIDIA's magma colors (black: no difference).
pub fn flip_colors(map: &[f32], width: usize, height: usize) -> Vec<u8> {
    nv_flip::FlipImageFloat::with_data(width as u32, height as u32, map)
        .apply_color_lut(&nv_flip::magma_lut())
        .to_vec()
}
