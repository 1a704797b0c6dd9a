//! The grade: exact, deterministic color math applied to a finished frame.
//!
//! Order, in linear light (scene-referred until the tone map, display-referred after):
//! exposure → white balance → contrast → bloom, halation and streak → tone map → split
//! toning → ASC CDL →
//! 3-D LUT → vignette → grain → letterbox. The result is display-referred linear RGB in `[0, 1]`, ready for
//! sRGB encoding.

use glam::{Mat3, Vec3};

use super::cube::{Interpolation, Lut3d};
use crate::math::linear_to_srgb8;
use crate::rng::SeededRng;

/// Rec. 709 / sRGB luma weights.
const LUMA: [f32; 3] = [0.2126, 0.7152, 0.0722];

/// ASC Color Decision List (ASC CDL v1.2): per channel
/// `out = clamp(in · slope + offset, 0, ∞) ^ power`, then saturation around Rec. 709 luma:
/// `out = luma + saturation · (out − luma)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cdl {
    /// Per-channel gain.
    pub slope: [f32; 3],
    /// Per-channel lift.
    pub offset: [f32; 3],
    /// Per-channel gamma (> 0).
    pub power: [f32; 3],
    /// Saturation (1 = unchanged).
    pub saturation: f32,
}

impl Default for Cdl {
    fn default() -> Self {
        Self {
            slope: [1.0; 3],
            offset: [0.0; 3],
            power: [1.0; 3],
            saturation: 1.0,
        }
    }
}

impl Cdl {
    /// Applies the CDL to one color.
    pub fn apply(&self, rgb: [f32; 3]) -> [f32; 3] {
        let sop: [f32; 3] = std::array::from_fn(|c| {
            (rgb[c] * self.slope[c] + self.offset[c])
                .max(0.0)
                .powf(self.power[c])
        });
        let luma = sop[0] * LUMA[0] + sop[1] * LUMA[1] + sop[2] * LUMA[2];
        sop.map(|v| luma + self.saturation * (v - luma))
    }
}

/// The tone curve from scene-referred to display-referred light.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ToneMap {
    /// Clamp to `[0, 1]`.
    Clamp,
    /// The ACES filmic curve, Narkowicz's 2015 fit.
    #[default]
    AcesFit,
}

impl ToneMap {
    /// The curve at one value of scene-referred light: display-referred, in `[0, 1]`.
    pub fn apply(self, v: f32) -> f32 {
        match self {
            ToneMap::Clamp => v.clamp(0.0, 1.0),
            ToneMap::AcesFit => {
                let x = v.max(0.0);
                ((x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14)).clamp(0.0, 1.0)
            }
        }
    }
}

/// A complete grade.
#[derive(Debug, Clone, PartialEq)]
pub struct Grade {
    /// Exposure in stops (×2^ev).
    pub exposure_ev: f32,
    /// The color temperature the image is balanced for, K (6504 = neutral; lower cools
    /// the image, as a camera set to tungsten does in daylight).
    pub temperature_k: f32,
    /// Green–magenta shift of the balanced white, in hundredths of CIE y (0 = neutral).
    pub tint: f32,
    /// Contrast around `pivot` in log space (1 = unchanged).
    pub contrast: f32,
    /// Contrast pivot, linear (default 0.18, mid gray).
    pub pivot: f32,
    /// Tone curve.
    pub tone_map: ToneMap,
    /// ASC CDL, display-referred.
    pub cdl: Cdl,
    /// A 3-D LUT, display-referred.
    pub lut: Option<Lut3d>,
    /// How the LUT interpolates.
    pub lut_interpolation: Interpolation,
    /// Vignette strength: corners darken by this fraction.
    pub vignette: f32,
    /// Film grain: standard deviation of the noise at mid-tones.
    pub grain: f32,
    /// Bloom: how much of the light above 1.0 (scene-referred) spreads as a wide glow.
    pub bloom: f32,
    /// Halation: how much of the light above 1.0 spreads as a tight red-orange fringe, as
    /// light scattered back from a film base does.
    pub halation: f32,
    /// Anamorphic streak: how much of the light above 1.0 spreads as a long blue
    /// horizontal flare (±8 % of the width).
    pub streak: f32,
    /// Letterbox to this width/height aspect (black bars), if wider than the frame.
    pub letterbox: Option<f32>,
    /// Split toning: the shadows tinted toward a hue, as `(hue in degrees, strength)`;
    /// strength 1 adds the hue's full chroma at black, up to 2.
    pub split_shadows: (f32, f32),
    /// Split toning: the highlights tinted toward a hue.
    pub split_highlights: (f32, f32),
}

impl Default for Grade {
    fn default() -> Self {
        Self {
            exposure_ev: 0.0,
            temperature_k: 6504.0,
            tint: 0.0,
            contrast: 1.0,
            pivot: 0.18,
            tone_map: ToneMap::default(),
            cdl: Cdl::default(),
            lut: None,
            lut_interpolation: Interpolation::Trilinear,
            vignette: 0.0,
            grain: 0.0,
            bloom: 0.0,
            halation: 0.0,
            streak: 0.0,
            letterbox: None,
            split_shadows: (0.0, 0.0),
            split_highlights: (0.0, 0.0),
        }
    }
}

/// CIE xy of the Planckian locus at `t` kelvin (Kim et al. 2002 cubic approximation,
/// valid for 1667–25000 K).
pub fn planckian_xy(t: f32) -> (f32, f32) {
    let t = f64::from(t.clamp(1667.0, 25000.0));
    let (t2, t3) = (t * t, t * t * t);
    let x = if t <= 4000.0 {
        -0.266_123_9e9 / t3 - 0.234_358_9e6 / t2 + 0.877_695_6e3 / t + 0.179_910
    } else {
        -3.025_846_9e9 / t3 + 2.107_037_9e6 / t2 + 0.222_634_7e3 / t + 0.240_390
    };
    let (x2, x3) = (x * x, x * x * x);
    let y = if t <= 2222.0 {
        -1.106_381_4 * x3 - 1.348_110_20 * x2 + 2.185_558_32 * x - 0.202_196_83
    } else if t <= 4000.0 {
        -0.954_947_6 * x3 - 1.374_185_93 * x2 + 2.091_370_15 * x - 0.167_488_67
    } else {
        3.081_758_0 * x3 - 5.873_386_70 * x2 + 3.751_129_97 * x - 0.370_014_83
    };
    (x as f32, y as f32)
}

fn rows(m: [f32; 9]) -> Mat3 {
    Mat3::from_cols_array(&m).transpose()
}

/// The linear-sRGB matrix adapting white `from` (CIE xy) to white `to` with the Bradford
/// cone transform (von Kries scaling in Bradford space).
pub fn bradford(from: (f32, f32), to: (f32, f32)) -> Mat3 {
    let srgb_to_xyz = rows([
        0.412_456_4,
        0.357_576_1,
        0.180_437_5,
        0.212_672_9,
        0.715_152_2,
        0.072_175_0,
        0.019_333_9,
        0.119_192,
        0.950_304_1,
    ]);
    let bradford = rows([
        0.8951, 0.2664, -0.1614, -0.7502, 1.7135, 0.0367, 0.0389, -0.0685, 1.0296,
    ]);
    let xyz = |(x, y): (f32, f32)| Vec3::new(x / y, 1.0, (1.0 - x - y) / y);
    let (src, dst) = (bradford * xyz(from), bradford * xyz(to));
    let scale = Mat3::from_diagonal(dst / src);
    srgb_to_xyz.inverse() * bradford.inverse() * scale * bradford * srgb_to_xyz
}

/// SplitMix64's finalizer (Steele, Lea & Flood 2014): a counter-based hash, so each
/// pixel's grain is a pure function of (frame key, pixel index) and any split of the
/// image across threads gives the same result.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A standard normal sample for pixel `i` (Box–Muller on two hashed uniforms).
fn gaussian(key: u64, i: u64) -> f32 {
    let h = mix64(key ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let u1 = ((h >> 40) as f32 + 0.5) / (1u64 << 24) as f32;
    let u2 = ((h & 0xff_ffff) as f32) / (1u64 << 24) as f32;
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// Three passes of a horizontal then vertical box blur of radius `r` (an approximation
/// of a Gaussian with σ ≈ r, by the central limit theorem), edges clamped.
fn blur(img: &mut [[f32; 3]], width: usize, height: usize, r: usize) {
    blur_axes(img, width, height, r, r);
}

/// [`blur`] with radius `rx` along rows and `ry` along columns (0: that axis untouched).
fn blur_axes(img: &mut [[f32; 3]], width: usize, height: usize, rx: usize, ry: usize) {
    if (rx == 0 && ry == 0) || width == 0 || height == 0 {
        return;
    }
    let mut line = Vec::new();
    let mut pass = |img: &mut [[f32; 3]],
                    r: usize,
                    len: usize,
                    count: usize,
                    at: &dyn Fn(usize, usize) -> usize| {
        if r == 0 {
            return;
        }
        for j in 0..count {
            line.clear();
            line.extend((0..len).map(|i| img[at(j, i)]));
            // Running sum over a window of 2r + 1 samples, clamped at the edges.
            let get = |i: isize| line[i.clamp(0, len as isize - 1) as usize];
            let mut sum = [0.0f32; 3];
            for i in -(r as isize)..=(r as isize) {
                let v = get(i);
                sum = std::array::from_fn(|c| sum[c] + v[c]);
            }
            let norm = 1.0 / (2 * r + 1) as f32;
            for i in 0..len {
                img[at(j, i)] = sum.map(|v| v * norm);
                let (add, sub) = (
                    get(i as isize + r as isize + 1),
                    get(i as isize - r as isize),
                );
                sum = std::array::from_fn(|c| sum[c] + add[c] - sub[c]);
            }
        }
    };
    for _ in 0..3 {
        pass(img, rx, width, height, &|y, x| y * width + x);
        pass(img, ry, height, width, &|x, y| y * width + x);
    }
}

impl Grade {
    /// Whether the grade changes nothing but the tone map (the default look).
    fn is_plain(&self) -> bool {
        *self
            == Grade {
                tone_map: self.tone_map,
                ..Grade::default()
            }
    }

    /// Grades an image in place: `rgb` holds `width × height` linear RGB pixels,
    /// row-major. `seed` and `frame` make the grain deterministic and different per frame.
    /// Uses every core; the result does not depend on how many there are.
    pub fn apply(&self, rgb: &mut [[f32; 3]], width: u32, height: u32, seed: u64, frame: u64) {
        let (w, h) = (width as usize, height as usize);
        let gain = 2f32.powf(self.exposure_ev);
        let neutral = planckian_xy(6504.0);
        let (x, y) = planckian_xy(self.temperature_k);
        let wb = bradford((x, y + self.tint * 0.01), neutral);
        let plain = self.is_plain();
        let scene_referred = |c: [f32; 3]| -> [f32; 3] {
            // Non-finite light (a degenerate shading sample) would poison the glows.
            let c = c.map(|v| if v.is_finite() { v } else { 0.0 });
            if plain {
                return c;
            }
            let mut c = wb * (Vec3::from(c) * gain);
            if self.contrast != 1.0 {
                c = c.map(|v| {
                    if v > 0.0 {
                        self.pivot * (v / self.pivot).powf(self.contrast)
                    } else {
                        0.0
                    }
                });
            }
            c.to_array()
        };
        // Scene-referred stage, then the glows, which need the whole image.
        parallel_rows(rgb, w, |_, row| {
            for px in row {
                *px = scene_referred(*px);
            }
        });
        if (self.bloom > 0.0 || self.halation > 0.0 || self.streak > 0.0) && w > 0 && h > 0 {
            // Light above 1.0 glows; tiny specular hot spots (which can reach f16's
            // maximum) are capped so their glow stays a soft halo, not a square block.
            const GLOW_CAP: f32 = 8.0;
            let bright: Vec<[f32; 3]> = rgb
                .iter()
                .map(|c| c.map(|v| (v - 1.0).clamp(0.0, GLOW_CAP)))
                .collect();
            let mut wide = bright.clone();
            blur(&mut wide, w, h, (h as f32 * 0.02).round().max(1.0) as usize);
            // An anamorphic lens's flare: a long horizontal streak (its cylindrical
            // element spreads light along one axis), blue from the coatings.
            let mut streak = bright.clone();
            if self.streak > 0.0 {
                blur_axes(
                    &mut streak,
                    w,
                    h,
                    (w as f32 * 0.08).round().max(1.0) as usize,
                    0,
                );
            }
            let mut tight = bright;
            blur(
                &mut tight,
                w,
                h,
                (h as f32 * 0.005).round().max(1.0) as usize,
            );
            const HALATION_TINT: [f32; 3] = [1.0, 0.3, 0.08];
            const STREAK_TINT: [f32; 3] = [0.45, 0.7, 1.0];
            let luma = |v: &[f32; 3]| v[0] * LUMA[0] + v[1] * LUMA[1] + v[2] * LUMA[2];
            for (((px, a), b), s) in rgb.iter_mut().zip(&wide).zip(&tight).zip(&streak) {
                let (l, ls) = (luma(b), luma(s));
                *px = std::array::from_fn(|c| {
                    px[c]
                        + self.bloom * a[c]
                        + self.halation * l * HALATION_TINT[c]
                        + self.streak * ls * STREAK_TINT[c]
                });
            }
        }
        let key = SeededRng::new(seed, &format!("grade/grain/{frame}")).next_u64();
        let (cx, cy) = (width as f32 * 0.5, height as f32 * 0.5);
        let r_max2 = cx * cx + cy * cy;
        let bars = self.letterbox_rows(width, height) as usize;
        let cdl_identity = self.cdl == Cdl::default();
        let split = self.split_shadows.1 != 0.0 || self.split_highlights.1 != 0.0;
        parallel_rows(rgb, w, |py, row| {
            let letterboxed = py < bars || py >= h.saturating_sub(bars);
            for (px_x, px) in row.iter_mut().enumerate() {
                if letterboxed {
                    *px = [0.0; 3];
                    continue;
                }
                let mut out = px.map(|v| self.tone_map.apply(v));
                if split {
                    out = self.split_tone(out);
                }
                if !cdl_identity {
                    out = self.cdl.apply(out);
                }
                if let Some(lut) = &self.lut {
                    out = lut.lookup(out, self.lut_interpolation);
                }
                if self.vignette != 0.0 {
                    let (dx, dy) = (px_x as f32 + 0.5 - cx, py as f32 + 0.5 - cy);
                    let f = 1.0 - self.vignette * (dx * dx + dy * dy) / r_max2;
                    out = out.map(|v| v * f);
                }
                if self.grain > 0.0 {
                    // Gaussian noise, strongest in the mid-tones: 4 L (1 - L).
                    let n = gaussian(key, (py * w + px_x) as u64);
                    let l =
                        (out[0] * LUMA[0] + out[1] * LUMA[1] + out[2] * LUMA[2]).clamp(0.0, 1.0);
                    let a = self.grain * 4.0 * l * (1.0 - l) * n;
                    out = out.map(|v| v + a);
                }
                *px = out.map(|v| v.clamp(0.0, 1.0));
            }
        });
    }

    /// Split toning of one display-referred color: a chroma offset toward each hue (its
    /// fully saturated color less that color's luminance, so the luminance is kept),
    /// weighted (1 − √L)² in the shadows and (√L)² in the highlights.
    fn split_tone(&self, c: [f32; 3]) -> [f32; 3] {
        let l = (c[0] * LUMA[0] + c[1] * LUMA[1] + c[2] * LUMA[2]).clamp(0.0, 1.0);
        let chroma = |(hue, strength): (f32, f32)| -> [f32; 3] {
            let (r, g, b) = crate::output::hue_sextant_rgb(hue.rem_euclid(360.0) / 60.0);
            let y = r * LUMA[0] + g * LUMA[1] + b * LUMA[2];
            [r - y, g - y, b - y].map(|v| v * strength)
        };
        // Weighted by lightness (√L, near perceptual), not linear luminance, whose
        // highlights in a graded frame sit around 0.3-0.6.
        let v = l.sqrt();
        let (ws, wh) = ((1.0 - v) * (1.0 - v), v * v);
        let (s, h) = (chroma(self.split_shadows), chroma(self.split_highlights));
        std::array::from_fn(|i| (c[i] + ws * s[i] + wh * h[i]).max(0.0))
    }

    /// The rows of black bar at the top and at the bottom of a `width × height` frame
    /// (0 without a letterbox or when the frame is already wider).
    pub fn letterbox_rows(&self, width: u32, height: u32) -> u32 {
        self.letterbox.map_or(0, |aspect| {
            let target_h = width as f32 / aspect;
            if target_h < height as f32 {
                ((height as f32 - target_h) * 0.5).round() as u32
            } else {
                0
            }
        })
    }

    /// Grades a copy of `linear` and encodes it as RGBA8 sRGB (alpha 255).
    pub fn render_srgb8(
        &self,
        linear: &[[f32; 3]],
        width: u32,
        height: u32,
        seed: u64,
        frame: u64,
    ) -> Vec<u8> {
        let mut img = linear.to_vec();
        self.apply(&mut img, width, height, seed, frame);
        let mut out = Vec::with_capacity(img.len() * 4);
        for p in img {
            out.extend([
                linear_to_srgb8(p[0]),
                linear_to_srgb8(p[1]),
                linear_to_srgb8(p[2]),
                255,
            ]);
        }
        out
    }
}

/// Runs `f(row_index, row)` over the rows of a `width`-wide image on every core.
fn parallel_rows<F>(img: &mut [[f32; 3]], width: usize, f: F)
where
    F: Fn(usize, &mut [[f32; 3]]) + Sync,
{
    if width == 0 || img.is_empty() {
        return;
    }
    let rows = img.len() / width;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(16);
    let per = rows.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        for (c, chunk) in img.chunks_mut(per * width).enumerate() {
            let f = &f;
            scope.spawn(move || {
                for (i, row) in chunk.chunks_mut(width).enumerate() {
                    f(c * per + i, row);
                }
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: [f32; 3], b: [f32; 3], tol: f32) -> bool {
        (0..3).all(|c| (a[c] - b[c]).abs() <= tol)
    }

    #[test]
    fn cdl_follows_the_asc_formula() {
        let cdl = Cdl {
            slope: [1.2, 1.0, 0.8],
            offset: [0.1, 0.0, -0.05],
            power: [1.0, 1.2, 0.9],
            saturation: 1.0,
        };
        // By hand: R = 0.5·1.2 + 0.1 = 0.7; G = 0.5^1.2 = 0.435275; B = (0.4 − 0.05)^0.9 = e^(0.9 ln 0.35) = 0.388742.
        let out = cdl.apply([0.5, 0.5, 0.5]);
        assert!(close(out, [0.7, 0.435_275, 0.388_742], 1e-5), "{out:?}");
        // Negative results clamp to 0 before the power.
        assert_eq!(
            Cdl {
                offset: [-1.0; 3],
                ..Cdl::default()
            }
            .apply([0.5; 3]),
            [0.0; 3]
        );
        // Saturation 0 gives Rec. 709 luma on every channel; 1 leaves the color alone.
        let grey = Cdl {
            saturation: 0.0,
            ..Cdl::default()
        }
        .apply([1.0, 0.0, 0.0]);
        assert!(close(grey, [0.2126; 3], 1e-6), "{grey:?}");
        assert_eq!(Cdl::default().apply([0.3, 0.6, 0.9]), [0.3, 0.6, 0.9]);
    }

    #[test]
    fn white_balance_is_neutral_at_6504k_and_warms_or_cools_as_named() {
        let id = bradford(planckian_xy(6504.0), planckian_xy(6504.0));
        let v = id * Vec3::new(0.2, 0.5, 0.8);
        assert!((v - Vec3::new(0.2, 0.5, 0.8)).length() < 1e-5, "{v}");
        // Balanced for tungsten (3200 K), a neutral grey turns blue; for 9000 K, orange.
        let grade = |t: f32| {
            let mut px = [[0.18f32; 3]];
            Grade {
                temperature_k: t,
                tone_map: ToneMap::Clamp,
                ..Grade::default()
            }
            .apply(&mut px, 1, 1, 0, 0);
            px[0]
        };
        let cool = grade(3200.0);
        let warm = grade(9000.0);
        assert!(cool[2] > cool[0] * 1.2, "{cool:?}");
        assert!(warm[0] > warm[2] * 1.1, "{warm:?}");
        let neutral = grade(6504.0);
        assert!(close(neutral, [0.18; 3], 1e-5), "{neutral:?}");
    }

    #[test]
    fn planckian_locus_passes_near_d65_and_illuminant_a() {
        let (x, y) = planckian_xy(6504.0);
        assert!(
            (x - 0.3135).abs() < 0.003 && (y - 0.3237).abs() < 0.003,
            "({x}, {y})"
        );
        let (x, y) = planckian_xy(2856.0);
        assert!(
            (x - 0.4476).abs() < 0.002 && (y - 0.4074).abs() < 0.002,
            "({x}, {y})"
        );
    }

    #[test]
    fn exposure_contrast_and_tone_map() {
        let g = |grade: Grade, v: f32| {
            let mut px = [[v; 3]];
            grade.apply(&mut px, 1, 1, 0, 0);
            px[0][0]
        };
        let clamp = Grade {
            tone_map: ToneMap::Clamp,
            ..Grade::default()
        };
        assert!(
            (g(
                Grade {
                    exposure_ev: 1.0,
                    ..clamp.clone()
                },
                0.2
            ) - 0.4)
                .abs()
                < 1e-6
        );
        // Contrast pivots on mid grey.
        assert!(
            (g(
                Grade {
                    contrast: 1.5,
                    ..clamp.clone()
                },
                0.18
            ) - 0.18)
                .abs()
                < 1e-6
        );
        assert!(
            g(
                Grade {
                    contrast: 1.5,
                    ..clamp.clone()
                },
                0.5
            ) > 0.5
        );
        // The filmic curve is monotone and bounded.
        let mut last = -1.0;
        for i in 0..100 {
            let v = g(Grade::default(), i as f32 * 0.2);
            assert!(v >= last && v <= 1.0);
            last = v;
        }
    }

    #[test]
    fn grain_is_seeded_per_frame_zero_mean_and_follows_luminance() {
        let grade = Grade {
            grain: 0.05,
            tone_map: ToneMap::Clamp,
            ..Grade::default()
        };
        let run = |v: f32, seed: u64, frame: u64| {
            let mut img = vec![[v; 3]; 64 * 64];
            grade.apply(&mut img, 64, 64, seed, frame);
            img
        };
        let a = run(0.5, 7, 3);
        assert_eq!(a, run(0.5, 7, 3), "same seed and frame, same grain");
        assert_ne!(a, run(0.5, 7, 4), "grain changes per frame");
        let d: Vec<f32> = a.iter().map(|p| p[0] - 0.5).collect();
        let mean = d.iter().sum::<f32>() / d.len() as f32;
        let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / d.len() as f32).sqrt();
        assert!(mean.abs() < 0.003, "mean {mean}");
        assert!((sd - 0.05).abs() < 0.005, "sd {sd}");
        // No grain in pure black.
        assert!(run(0.0, 7, 3).iter().all(|p| p[0] == 0.0));
    }

    #[test]
    fn vignette_and_letterbox() {
        let mut img = vec![[0.5f32; 3]; 160 * 90];
        Grade {
            vignette: 0.5,
            tone_map: ToneMap::Clamp,
            letterbox: Some(2.39),
            ..Grade::default()
        }
        .apply(&mut img, 160, 90, 0, 0);
        let at = |x: usize, y: usize| img[y * 160 + x][0];
        // 160 / 2.39 = 66.9 rows of picture: bars of 12 rows top and bottom.
        assert_eq!(at(80, 0), 0.0);
        assert_eq!(at(80, 11), 0.0);
        assert!(at(80, 12) > 0.0);
        assert_eq!(at(80, 89), 0.0);
        assert!(
            (at(80, 45) - 0.5).abs() < 0.01,
            "the center keeps its value"
        );
        assert!(at(2, 13) < at(80, 45), "edges darken");
    }
}

#[cfg(test)]
mod glow_tests {
    use super::*;

    #[test]
    fn bloom_spreads_only_highlights_and_halation_is_red() {
        let (w, h) = (101u32, 101u32);
        let mut img = vec![[0.1f32; 3]; (w * h) as usize];
        img[(50 * w + 50) as usize] = [50.0; 3];
        let run = |g: Grade| {
            let mut i = img.clone();
            g.apply(&mut i, w, h, 0, 0);
            i
        };
        let clamp = Grade {
            tone_map: ToneMap::Clamp,
            ..Grade::default()
        };
        let plain = run(clamp.clone());
        let bloom = run(Grade {
            bloom: 1.0,
            ..clamp.clone()
        });
        let near = (50 * w + 53) as usize;
        let far = (5 * w + 5) as usize;
        assert!(
            bloom[near][1] > plain[near][1] + 0.01,
            "{:?} vs {:?}",
            bloom[near],
            plain[near]
        );
        // (up to the running sum's rounding)
        assert!(
            (0..3).all(|c| (bloom[far][c] - plain[far][c]).abs() < 1e-5),
            "no highlight nearby, no glow"
        );
        // Below the threshold nothing blooms.
        let mut dim = vec![[0.9f32; 3]; (w * h) as usize];
        let before = dim.clone();
        Grade {
            bloom: 1.0,
            ..clamp.clone()
        }
        .apply(&mut dim, w, h, 0, 0);
        assert!(
            dim.iter()
                .zip(&before)
                .all(|(a, b)| (a[0] - b[0]).abs() < 1e-5)
        );
        let halo = run(Grade {
            halation: 1.0,
            ..clamp.clone()
        });
        let d = |c: usize| halo[near][c] - plain[near][c];
        assert!(
            d(0) > 0.01 && d(0) > 3.0 * d(2),
            "red fringe: {:?}",
            halo[near]
        );
        // The streak runs along the row, blue, and not up the column.
        let streaked = run(Grade {
            streak: 1.0,
            ..clamp
        });
        let (along, across) = ((50 * w + 56) as usize, (56 * w + 50) as usize);
        let gain = |i: usize, c: usize| streaked[i][c] - plain[i][c];
        assert!(
            gain(along, 2) > 0.01 && gain(along, 2) > gain(along, 0),
            "{:?}",
            streaked[along]
        );
        assert!(gain(across, 2).abs() < 1e-5, "{:?}", streaked[across]);
    }

    #[test]
    fn split_toning_tints_shadows_and_highlights_and_keeps_luminance() {
        let g = Grade {
            tone_map: ToneMap::Clamp,
            split_shadows: (190.0, 0.1),
            split_highlights: (30.0, 0.1),
            ..Grade::default()
        };
        // A dark grey takes mostly the shadows' tone (weights 0.60 : 0.05), a light grey
        // the highlights' (0.003 : 0.9).
        let (dark, light) = (g.split_tone([0.05; 3]), g.split_tone([0.9; 3]));
        let hue = |c: [f32; 3]| crate::style::contract::hue_saturation(Vec3::from(c)).0;
        assert!((hue(dark) - 190.0).abs() < 8.0, "{dark:?}");
        assert!((hue(light) - 30.0).abs() < 2.0, "{light:?}");
        let y = |c: [f32; 3]| c[0] * LUMA[0] + c[1] * LUMA[1] + c[2] * LUMA[2];
        assert!((y(dark) - 0.05).abs() < 1e-5 && (y(light) - 0.9).abs() < 1e-5);
        // Strength 0 changes nothing.
        assert_eq!(
            Grade::default().split_tone([0.3, 0.2, 0.1]),
            [0.3, 0.2, 0.1]
        );
    }

    #[test]
    fn grading_is_the_same_on_any_number_of_threads() {
        // The grain of pixel i is a function of (seed, frame, i) only: grading the
        // top and bottom halves separately equals grading the whole.
        let (w, h) = (40u32, 30u32);
        let img: Vec<[f32; 3]> = (0..w * h)
            .map(|i| [(i % 7) as f32 / 7.0, 0.4, 0.6])
            .collect();
        let g = Grade {
            grain: 0.05,
            vignette: 0.0,
            ..Grade::default()
        };
        let mut whole = img.clone();
        g.apply(&mut whole, w, h, 1, 2);
        let mut one_row = vec![img[0]];
        g.apply(&mut one_row, 1, 1, 1, 2);
        assert_eq!(one_row[0], whole[0]);
    }
}
