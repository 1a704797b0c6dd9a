//! Seeded Gaussian noise and its temporally consistent warping along the exact flow.
//!
//! The initial noise of frame `t` is the noise of frame `t − 1` carried along the exact
//! backward flow, so that a surface point keeps "its" noise while it moves, which is what
//! keeps a few-step sampler from flickering. The idea and the requirement that the warped
//! noise stay white Gaussian come from
//! - P. Chang et al., "How I Warped Your Noise: a Temporally-Correlated Noise Prior for
//!   Diffusion Models", ICLR 2024 (noise is a density to be transported, and a sample
//!   split into `k` pieces must be re-Gaussianized with conditional white noise), and
//! - R. Burgert et al., "Go-with-the-Flow: Motion-Controllable Video Diffusion Models
//!   Using Real-Time Warped Noise", CVPR 2025 (a cheap per-frame warp along flow, fresh
//!   noise where the flow has no source).
//!
//! What is implemented here is the simple discrete version of that transport, written
//! for this project: every target pixel takes the sample of the source pixel nearest to
//! where its surface was at `t − 1`. Where `k > 1` targets take the same source sample
//! `x`, each gets `x / √k + (z_i − z̄)` with `z_i` fresh standard normals and `z̄` their
//! mean: each value is again `N(0, 1)`, the `k` values are uncorrelated (hence, being
//! jointly Gaussian, independent), and their sum is still `√k · x` (the "conditional white
//! noise" of Chang et al.). Disoccluded pixels, and pixels whose source falls outside the
//! frame or whose flow is unknown (a cut), get fresh noise.

use crate::rng::SeededRng;

/// `n` independent standard normal samples from `(seed, label)` (Box–Muller).
pub fn gaussian(seed: u64, label: &str, n: usize) -> Vec<f32> {
    let mut rng = SeededRng::new(seed, label);
    let mut out = Vec::with_capacity(n + 1);
    while out.len() < n {
        // 1 - unit() is in (0, 1]: the logarithm is finite.
        let u1 = 1.0 - rng.unit();
        let u2 = rng.unit();
        let r = (-2.0 * u1.ln()).sqrt();
        let a = std::f64::consts::TAU * u2;
        out.push((r * a.cos()) as f32);
        out.push((r * a.sin()) as f32);
    }
    out.truncate(n);
    out
}

/// A noise field: `channels` planes of `width × height`, channel-major (`[c][y][x]`).
#[derive(Debug, Clone, PartialEq)]
pub struct NoiseField {
    /// Width, cells.
    pub width: usize,
    /// Height, cells.
    pub height: usize,
    /// Channels.
    pub channels: usize,
    /// Values, `channels * height * width`.
    pub data: Vec<f32>,
}

impl NoiseField {
    /// Fresh white noise from `(seed, label)`.
    pub fn fresh(seed: u64, label: &str, channels: usize, width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            channels,
            data: gaussian(seed, label, channels * width * height),
        }
    }

    /// Carries this field (frame `t − 1`) to frame `t`.
    ///
    /// `flow_bwd[i]` is, for cell `i` of frame `t`, the displacement in cells to where its
    /// surface was at `t − 1` (non-finite: unknown); `disoccluded[i]` marks cells with no
    /// source. `seed` and `label` draw the fresh noise (disocclusions and the
    /// re-Gaussianization of split samples). Returns an error message if the sizes
    /// disagree.
    pub fn warp(
        &self,
        flow_bwd: &[[f32; 2]],
        disoccluded: &[bool],
        seed: u64,
        label: &str,
    ) -> Result<Self, String> {
        let (w, h, c) = (self.width, self.height, self.channels);
        let n = w * h;
        if flow_bwd.len() != n || disoccluded.len() != n || self.data.len() != n * c {
            return Err(format!(
                "noise warp: field {w}x{h}x{c} ({} values), flow {} cells, mask {} cells",
                self.data.len(),
                flow_bwd.len(),
                disoccluded.len()
            ));
        }
        // The source cell of every target cell, if any.
        let source: Vec<Option<usize>> = (0..n)
            .map(|i| {
                let f = flow_bwd[i];
                if disoccluded[i] || !f[0].is_finite() || !f[1].is_finite() {
                    return None;
                }
                let (x, y) = ((i % w) as f32, (i / w) as f32);
                let (sx, sy) = ((x + f[0]).round(), (y + f[1]).round());
                (sx >= 0.0 && sy >= 0.0 && sx < w as f32 && sy < h as f32)
                    .then(|| sy as usize * w + sx as usize)
            })
            .collect();
        let mut count = vec![0u32; n];
        for s in source.iter().flatten() {
            count[*s] += 1;
        }
        let fresh = gaussian(seed, label, n * c);
        let mut data = vec![0.0f32; n * c];
        for ch in 0..c {
            let plane = ch * n;
            // Mean of the fresh samples of the targets sharing each source.
            let mut mean = vec![0.0f64; n];
            for (i, s) in source.iter().enumerate() {
                if let Some(s) = s {
                    mean[*s] += f64::from(fresh[plane + i]);
                }
            }
            for (i, s) in source.iter().enumerate() {
                data[plane + i] = match s {
                    None => fresh[plane + i],
                    Some(s) => {
                        let k = count[*s];
                        let x = self.data[plane + s];
                        if k == 1 {
                            x
                        } else {
                            let k = f64::from(k);
                            let z_bar = mean[*s] / k;
                            (f64::from(x) / k.sqrt() + f64::from(fresh[plane + i]) - z_bar) as f32
                        }
                    }
                };
            }
        }
        Ok(Self {
            width: w,
            height: h,
            channels: c,
            data,
        })
    }
}

/// Downsamples a per-pixel backward flow and disocclusion mask to cells of
/// `factor × factor` pixels (the latent grid): the flow of a cell is the mean flow of its
/// pixels divided by `factor`; a cell is disoccluded when any of its pixels is or its
/// flow is unknown.
pub fn downsample_flow(
    flow_bwd: &[[f32; 2]],
    disoccluded: &[bool],
    width: usize,
    height: usize,
    factor: usize,
) -> (Vec<[f32; 2]>, Vec<bool>) {
    let factor = factor.max(1);
    let (cw, ch) = (width / factor, height / factor);
    let mut flow = vec![[0.0f32; 2]; cw * ch];
    let mut mask = vec![false; cw * ch];
    for cy in 0..ch {
        for cx in 0..cw {
            let ci = cy * cw + cx;
            let mut sum = [0.0f32; 2];
            let mut bad = false;
            for y in cy * factor..(cy + 1) * factor {
                for x in cx * factor..(cx + 1) * factor {
                    let i = y * width + x;
                    let f = flow_bwd.get(i).copied().unwrap_or([f32::NAN; 2]);
                    bad |= disoccluded.get(i).copied().unwrap_or(true);
                    sum[0] += f[0];
                    sum[1] += f[1];
                }
            }
            let nf = (factor * factor) as f32 * factor as f32;
            flow[ci] = [sum[0] / nf, sum[1] / nf];
            mask[ci] = bad || !flow[ci][0].is_finite() || !flow[ci][1].is_finite();
        }
    }
    (flow, mask)
}

/// Pixels of frame `t` with no source at `t − 1`: the backward flow is unknown, leaves
/// the frame, or lands on another object (segmentation ids differ) or a depth that
/// disagrees. `prev_seg` is frame `t − 1`'s segmentation.
pub fn disocclusion(
    flow_bwd: &[[f32; 2]],
    seg: &[u32],
    prev_seg: &[u32],
    width: usize,
    height: usize,
) -> Vec<bool> {
    (0..width * height)
        .map(|i| {
            // Buffers shorter than the frame: no source known.
            let (Some(f), Some(id)) = (flow_bwd.get(i), seg.get(i)) else {
                return true;
            };
            if !f[0].is_finite() || !f[1].is_finite() {
                return true;
            }
            let u = (i % width) as f32 + 0.5 + f[0];
            let v = (i / width) as f32 + 0.5 + f[1];
            if u < 0.0 || v < 0.0 || u >= width as f32 || v >= height as f32 {
                return true;
            }
            prev_seg.get(v as usize * width + u as usize) != Some(id)
        })
        .collect()
}

/// Backward-warps an RGB image of frame `t − 1` to frame `t` (bilinear at
/// `p + flow_bwd(p)`); masked pixels, pixels with unknown flow, and everything when a
/// buffer is shorter than the frame become 0.
pub fn warp_image(
    prev: &[[f32; 3]],
    flow_bwd: &[[f32; 2]],
    disoccluded: &[bool],
    width: usize,
    height: usize,
) -> Vec<[f32; 3]> {
    if prev.len() < width * height || flow_bwd.len() < width * height {
        return vec![[0.0; 3]; width * height];
    }
    (0..width * height)
        .map(|i| {
            if disoccluded.get(i).copied().unwrap_or(true) {
                return [0.0; 3];
            }
            let f = flow_bwd[i];
            if !f[0].is_finite() || !f[1].is_finite() {
                return [0.0; 3];
            }
            let x = ((i % width) as f32 + f[0]).clamp(0.0, (width - 1) as f32);
            let y = ((i / width) as f32 + f[1]).clamp(0.0, (height - 1) as f32);
            let (x0, y0) = (x.floor() as usize, y.floor() as usize);
            let (x1, y1) = ((x0 + 1).min(width - 1), (y0 + 1).min(height - 1));
            let (fx, fy) = (x - x0 as f32, y - y0 as f32);
            let p = |xx: usize, yy: usize| prev[yy * width + xx];
            let mut out = [0.0; 3];
            for (c, o) in out.iter_mut().enumerate() {
                let top = p(x0, y0)[c] * (1.0 - fx) + p(x1, y0)[c] * fx;
                let bottom = p(x0, y1)[c] * (1.0 - fx) + p(x1, y1)[c] * fx;
                *o = top * (1.0 - fy) + bottom * fy;
            }
            out
        })
        .collect()
}

/// The initial noise of a clip's next frame on the latent grid (`factor` pixels a cell):
/// `prev`, the previous frame's, carried along the frame's backward flow and
/// re-Gaussianised, fresh where disoccluded ([`NoiseField::warp`]); all fresh for a
/// clip's first frame, after a cut (`prev` is `None`) or when the size changed. `seed`
/// and `label` draw the fresh noise.
/// Both finishers (`sampler::Finisher` and the published one) start frames from it.
///
/// # Errors
/// Buffers whose sizes disagree.
pub fn next_noise(
    prev: Option<&NoiseField>,
    inputs: &super::FrameInputs,
    factor: usize,
    channels: usize,
    seed: u64,
    label: &str,
) -> Result<NoiseField, super::NeuralError> {
    let (w, h) = (inputs.width, inputs.height);
    let factor = factor.max(1);
    match prev {
        Some(noise) if (noise.width, noise.height) == (w / factor, h / factor) => {
            let (flow, mask) = downsample_flow(&inputs.flow_bwd, &inputs.disoccluded, w, h, factor);
            noise
                .warp(&flow, &mask, seed, label)
                .map_err(super::NeuralError::Data)
        }
        _ => Ok(NoiseField::fresh(
            seed,
            label,
            channels,
            w / factor,
            h / factor,
        )),
    }
}
