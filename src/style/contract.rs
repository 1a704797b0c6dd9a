//! A look as a contract: the image statistics a style promises, as ranges, and the
//! measurement of them on graded frames.
//!
//! Every pixel statistic is measured on the graded image in display-linear light (the
//! grade's output before sRGB encoding, in `[0, 1]`), letterbox bars left out.
//! Luminance is BT.709's (`math::LUMA`). Shake and framing come from the camera plan,
//! not pixels.
//!
//! Input: graded frames ([`measure_frame`]) or a camera plan ([`shake`],
//! [`framing_offset`]). Output: one value per [`Stat`], averaged over the frames
//! measured ([`Measured`]); a [`Target`] passes when the value lies in its range.

use std::collections::BTreeMap;

use glam::Vec3;
use serde::{Deserialize, Serialize};

use crate::camera::CameraFrame;
use crate::math::LUMA;

/// One image statistic a look can promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Stat {
    /// Mean luminance: the key (a low-key image is dark on average).
    MeanLuma,
    /// 5th percentile of luminance: how deep the shadows go.
    P5Luma,
    /// Median luminance.
    P50Luma,
    /// 95th percentile of luminance: where the highlights sit.
    P95Luma,
    /// `(p95 + 0.01) / (p5 + 0.01)`: the spread from shadows to highlights (the 0.01
    /// keeps a crushed p5 from dividing by zero).
    Contrast,
    /// Mean red over mean blue: above 1 warm, below 1 cool.
    Warmth,
    /// Mean HSV saturation `(max − min) / max` over pixels brighter than 0.02.
    Saturation,
    /// Hue (degrees, 0 red, 120 green, 240 blue) of the mean color of the darkest 20 %
    /// of pixels: the shadows' tone. Undefined (fails any target) when that color is
    /// grey (saturation below 0.03).
    ShadowHue,
    /// Hue of the mean color of the brightest 20 % of pixels: the highlights' tone.
    HighlightHue,
    /// Fraction of pixels with luminance below 0.005: crushed blacks.
    Crushed,
    /// Fraction of pixels with a channel above 0.995: clipped whites.
    Clipped,
    /// The subject's horizontal distance from the frame's center line, as a fraction of
    /// the width, averaged over the clip: 0 for a subject framed dead center (symmetry),
    /// about 0.17 on a third. The subject is the camera's (its look-at body's center or
    /// point, each frame), projected through the frame's camera, shake included.
    FramingOffset,
    /// RMS difference between the graded frame and the same grade without grain.
    Grain,
    /// Camera shake as the viewer sees it: the RMS jitter, degrees of view, of the
    /// subject's place in the frame about its average over ±0.25 s (the handheld
    /// wobble a smooth move does not have; a camera that keeps a moving subject framed
    /// has none).
    Shake,
    /// The shake's frequency, Hz: how often the horizontal jitter changes sign, halved.
    /// Undefined without shake (under [`MIN_SHAKE_DEG`]).
    ShakeHz,
}

impl Stat {
    /// Every statistic, in table order.
    pub const ALL: [Stat; 15] = [
        Stat::MeanLuma,
        Stat::P5Luma,
        Stat::P50Luma,
        Stat::P95Luma,
        Stat::Contrast,
        Stat::Warmth,
        Stat::Saturation,
        Stat::ShadowHue,
        Stat::HighlightHue,
        Stat::Crushed,
        Stat::Clipped,
        Stat::FramingOffset,
        Stat::Grain,
        Stat::Shake,
        Stat::ShakeHz,
    ];

    /// Its name as a style file writes it.
    pub fn name(self) -> &'static str {
        match self {
            Stat::MeanLuma => "MeanLuma",
            Stat::P5Luma => "P5Luma",
            Stat::P50Luma => "P50Luma",
            Stat::P95Luma => "P95Luma",
            Stat::Contrast => "Contrast",
            Stat::Warmth => "Warmth",
            Stat::Saturation => "Saturation",
            Stat::ShadowHue => "ShadowHue",
            Stat::HighlightHue => "HighlightHue",
            Stat::Crushed => "Crushed",
            Stat::Clipped => "Clipped",
            Stat::FramingOffset => "FramingOffset",
            Stat::Grain => "Grain",
            Stat::Shake => "Shake",
            Stat::ShakeHz => "ShakeHz",
        }
    }

    /// The values it can take: a range outside them is refused.
    pub fn domain(self) -> (f32, f32) {
        match self {
            Stat::Contrast => (1.0, 1.0e4),
            Stat::Warmth => (0.0, 100.0),
            Stat::ShadowHue | Stat::HighlightHue => (0.0, 360.0),
            Stat::FramingOffset => (0.0, 0.5),
            Stat::Shake => (0.0, 90.0),
            Stat::ShakeHz => (0.0, 60.0),
            _ => (0.0, 1.0),
        }
    }

    /// Whether it is measured on pixels (the others come from the camera).
    pub fn from_pixels(self) -> bool {
        !matches!(self, Stat::Shake | Stat::ShakeHz | Stat::FramingOffset)
    }
}

/// A promised range of one statistic and where the numbers come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Target")]
pub struct Target {
    /// What is measured.
    pub stat: Stat,
    /// Inclusive bounds.
    pub range: (f32, f32),
    /// Where the range comes from (a reference or a measurement, described).
    pub source: String,
}

impl Target {
    /// A target of `stat` in `range`, saying where the range comes from.
    pub fn new(stat: Stat, range: (f32, f32), source: &str) -> Self {
        Self {
            stat,
            range,
            source: source.to_string(),
        }
    }

    /// Whether `value` meets the target (`None`, undefined, never does).
    pub fn passes(&self, value: Option<f32>) -> bool {
        value.is_some_and(|v| v >= self.range.0 && v <= self.range.1)
    }

    /// The middle of the range (geometric for ratios), what a meter aims for.
    pub fn center(&self) -> f32 {
        let (lo, hi) = self.range;
        if matches!(self.stat, Stat::Contrast | Stat::Warmth) && lo > 0.0 {
            (lo * hi).sqrt()
        } else {
            0.5 * (lo + hi)
        }
    }
}

/// Checks a contract: each range finite, ordered and inside its statistic's domain,
/// each statistic once, and the luminance percentiles and mean not contradicting each
/// other. Returns `(field, message)` for the first problem (`targets[i].range`).
pub fn check(targets: &[Target]) -> Result<(), (String, String)> {
    let mut seen: BTreeMap<Stat, (usize, (f32, f32))> = BTreeMap::new();
    for (i, t) in targets.iter().enumerate() {
        let field = format!("targets[{i}].range");
        let (lo, hi) = t.range;
        let (dlo, dhi) = t.stat.domain();
        if !(lo.is_finite() && hi.is_finite()) {
            return Err((field, format!("{} bounds must be numbers", t.stat.name())));
        }
        if lo > hi {
            return Err((
                field,
                format!(
                    "{}: the low bound {lo} is above the high bound {hi}",
                    t.stat.name()
                ),
            ));
        }
        if lo < dlo || hi > dhi {
            return Err((
                field,
                format!(
                    "{} takes values in [{dlo}, {dhi}]; ({lo}, {hi}) is outside",
                    t.stat.name()
                ),
            ));
        }
        if t.source.trim().is_empty() {
            return Err((
                format!("targets[{i}].source"),
                "say where the range comes from".into(),
            ));
        }
        if let Some((j, _)) = seen.insert(t.stat, (i, t.range)) {
            return Err((
                format!("targets[{i}].stat"),
                format!("{} is already targeted at targets[{j}]", t.stat.name()),
            ));
        }
    }
    // Percentiles are ordered (p5 <= p50 <= p95); the mean is not bounded by them, so
    // only their order is enforced.
    let order = [Stat::P5Luma, Stat::P50Luma, Stat::P95Luma];
    for (a, b) in order
        .iter()
        .zip(&order[1..])
        .chain([(&order[0], &order[2])])
    {
        if let (Some((i, ra)), Some((j, rb))) = (seen.get(a), seen.get(b))
            && ra.0 > rb.1
        {
            return Err((
                format!("targets[{i}].range"),
                format!(
                    "{} at least {} cannot be at or below {} at most {} (targets[{j}])",
                    a.name(),
                    ra.0,
                    b.name(),
                    rb.1
                ),
            ));
        }
    }
    Ok(())
}

/// The statistics of one graded frame.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrameStats {
    /// Each pixel statistic's value; absent where undefined.
    pub values: BTreeMap<Stat, f32>,
    /// Luminance histogram, 32 bins over `[0, 1]`, as fractions of the pixels.
    pub histogram: [f32; 32],
    /// Mean color of the darkest and the brightest 20 % of pixels.
    pub shadows: Vec3,
    /// See `shadows`.
    pub highlights: Vec3,
}

/// HSV hue in degrees and saturation of a color.
pub fn hue_saturation(c: Vec3) -> (f32, f32) {
    let (max, min) = (c.max_element(), c.min_element());
    if max <= 0.0 {
        return (0.0, 0.0);
    }
    let d = max - min;
    let s = d / max;
    if d <= 0.0 {
        return (0.0, s);
    }
    let h = if max == c.x {
        60.0 * ((c.y - c.z) / d).rem_euclid(6.0)
    } else if max == c.y {
        60.0 * ((c.z - c.x) / d + 2.0)
    } else {
        60.0 * ((c.x - c.y) / d + 4.0)
    };
    (h, s)
}

/// The pixel statistics of a graded `width × height` frame (display-linear RGB,
/// row-major). `bars` rows at the top and the bottom (a letterbox) are left out;
/// `ungrained` is the same frame graded without grain (for [`Stat::Grain`]).
pub fn measure_frame(
    graded: &[[f32; 3]],
    width: u32,
    height: u32,
    bars: u32,
    ungrained: Option<&[[f32; 3]]>,
) -> FrameStats {
    let (w, h) = (width as usize, height as usize);
    let rows = (bars as usize).min(h / 2)..h.saturating_sub(bars as usize);
    let idx: Vec<usize> = rows.flat_map(|y| (0..w).map(move |x| y * w + x)).collect();
    let mut out = FrameStats::default();
    if idx.is_empty() {
        return out;
    }
    let n = idx.len() as f32;
    let color = |i: usize| Vec3::from(graded[i]);
    let mut lumas: Vec<(f32, usize)> = idx.iter().map(|&i| (color(i).dot(LUMA), i)).collect();
    lumas.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let pct =
        |p: f32| lumas[((p * (lumas.len() - 1) as f32).round() as usize).min(lumas.len() - 1)].0;
    let (p5, p50, p95) = (pct(0.05), pct(0.5), pct(0.95));
    let v = &mut out.values;
    v.insert(Stat::MeanLuma, lumas.iter().map(|l| l.0).sum::<f32>() / n);
    v.insert(Stat::P5Luma, p5);
    v.insert(Stat::P50Luma, p50);
    v.insert(Stat::P95Luma, p95);
    v.insert(Stat::Contrast, (p95 + 0.01) / (p5 + 0.01));
    let sum = idx.iter().fold(Vec3::ZERO, |s, &i| s + color(i));
    v.insert(Stat::Warmth, sum.x / sum.z.max(1e-6));
    let (mut sat, mut lit) = (0.0, 0usize);
    for &i in &idx {
        let c = color(i);
        if c.max_element() > 0.02 {
            sat += hue_saturation(c).1;
            lit += 1;
        }
    }
    v.insert(
        Stat::Saturation,
        if lit > 0 { sat / lit as f32 } else { 0.0 },
    );
    let fifth = (lumas.len() / 5).max(1);
    let mean_of = |part: &[(f32, usize)]| {
        part.iter().fold(Vec3::ZERO, |s, l| s + color(l.1)) / part.len() as f32
    };
    out.shadows = mean_of(&lumas[..fifth]);
    out.highlights = mean_of(&lumas[lumas.len() - fifth..]);
    for (stat, c) in [
        (Stat::ShadowHue, out.shadows),
        (Stat::HighlightHue, out.highlights),
    ] {
        let (hue, s) = hue_saturation(c);
        if s >= 0.03 {
            out.values.insert(stat, hue);
        }
    }
    let v = &mut out.values;
    v.insert(
        Stat::Crushed,
        lumas.iter().filter(|l| l.0 < 0.005).count() as f32 / n,
    );
    v.insert(
        Stat::Clipped,
        idx.iter()
            .filter(|&&i| color(i).max_element() > 0.995)
            .count() as f32
            / n,
    );
    if let Some(plain) = ungrained {
        let se: f32 = idx
            .iter()
            .map(|&i| (color(i) - Vec3::from(plain[i])).length_squared() / 3.0)
            .sum();
        v.insert(Stat::Grain, (se / n).sqrt());
    }
    for l in &lumas {
        out.histogram[((l.0.clamp(0.0, 1.0) * 32.0) as usize).min(31)] += 1.0 / n;
    }
    out
}

/// The least RMS jitter, in degrees, that has a frequency: about a pixel across a 35°
/// frame 640 pixels wide. A smooth move leaves a residue below it (a truck past a
/// subject at 5 m, 1.2 m/s, measures 0.017°: the window's mean follows a straight line,
/// the projection bends).
pub const MIN_SHAKE_DEG: f32 = 0.05;

/// Camera shake over a clip of `fps` frames per second, as the viewer sees it: where
/// each frame's camera puts its subject (`subjects[k]`, a world point), in degrees of
/// view from the frame's center, less its mean over ±0.25 s; the RMS of that jitter,
/// and its frequency (sign changes of the horizontal jitter per second, halved; `None`
/// under [`MIN_SHAKE_DEG`] of shake). Frames whose window runs off the clip, across a cut
/// (`shots`: each frame's shot index) or through a frame with the subject behind the
/// camera are left out; `(0, None)` when no frame has a whole window. A smooth move
/// drifts the subject linearly, which the window's mean follows; a camera that keeps a
/// tumbling subject framed has no jitter at all.
pub fn shake(
    cameras: &[CameraFrame],
    subjects: &[Vec3],
    shots: &[usize],
    fps: f32,
) -> (f32, Option<f32>) {
    let seen: Vec<Option<glam::Vec2>> = cameras
        .iter()
        .zip(subjects)
        .map(|(c, &p)| {
            let (u, v, z) = c.project(p);
            let f = c.focal_px();
            let (cx, cy) = (f64::from(c.width) * 0.5, f64::from(c.height) * 0.5);
            (z > 0.0 && u.is_finite() && v.is_finite()).then(|| {
                glam::Vec2::new(
                    ((u - cx) / f).atan().to_degrees() as f32,
                    ((v - cy) / f).atan().to_degrees() as f32,
                )
            })
        })
        .collect();
    let n = seen.len();
    let half = ((0.25 * fps).round() as usize).max(1);
    // Only frames with a whole window in one shot: a one-sided window lags a smooth
    // pan, and a cut is not a shake.
    let whole = |k: usize| {
        k >= half
            && k + half < n
            && (k - half..=k + half).all(|j| shots.get(j) == shots.get(k) && seen[j].is_some())
    };
    let jitter: Vec<Option<glam::Vec2>> = (0..n)
        .map(|k| {
            whole(k).then(|| {
                let window = seen[k - half..=k + half].iter().flatten();
                let mean = window.fold(glam::Vec2::ZERO, |s, a| s + *a) / (2 * half + 1) as f32;
                seen[k].unwrap_or(mean) - mean
            })
        })
        .collect();
    let measured: Vec<glam::Vec2> = jitter.iter().flatten().copied().collect();
    if measured.is_empty() {
        return (0.0, None);
    }
    let rms = (measured
        .iter()
        .map(|d| f64::from(d.length_squared()))
        .sum::<f64>()
        / measured.len() as f64)
        .sqrt() as f32;
    // Sign changes between consecutive measured frames of the horizontal jitter.
    let (mut changes, mut pairs) = (0usize, 0usize);
    for w in jitter.windows(2) {
        if let [Some(a), Some(b)] = w {
            pairs += 1;
            if (a.x < 0.0) != (b.x < 0.0) {
                changes += 1;
            }
        }
    }
    let hz =
        (rms >= MIN_SHAKE_DEG && pairs > 0).then(|| changes as f32 * fps / (2.0 * pairs as f32));
    (rms, hz)
}

/// The subject's framing over a clip: the mean of `|u / width − 0.5|`, `u` the column
/// each frame's camera projects its subject to (`subjects[k]`, a world point); frames
/// with the subject behind the camera are left out, `None` when that is all of them.
pub fn framing_offset(cameras: &[CameraFrame], subjects: &[Vec3]) -> Option<f32> {
    let offsets: Vec<f64> = cameras
        .iter()
        .zip(subjects)
        .filter_map(|(c, &p)| {
            let (u, _, z) = c.project(p);
            (z > 0.0 && u.is_finite()).then(|| (u / f64::from(c.width) - 0.5).abs())
        })
        .collect();
    (!offsets.is_empty()).then(|| (offsets.iter().sum::<f64>() / offsets.len() as f64) as f32)
}

/// Statistics averaged over the frames measured, and each target's verdict.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measured {
    /// The mean of each statistic over the frames where it was defined; a pixel
    /// statistic undefined in any frame is left out (it fails).
    pub values: BTreeMap<Stat, f32>,
    /// The frames' mean luminance histogram.
    pub histogram: [f32; 32],
    /// Mean shadow and highlight colors.
    pub shadows: Vec3,
    /// See `shadows`.
    pub highlights: Vec3,
}

impl Measured {
    /// Averages frames' statistics; `camera` holds the clip's camera statistics
    /// ([`Stat::Shake`], [`Stat::FramingOffset`] where defined).
    pub fn from_frames(frames: &[FrameStats], camera: &[(Stat, f32)]) -> Self {
        let mut out = Measured::default();
        let n = frames.len().max(1) as f32;
        for stat in Stat::ALL.into_iter().filter(|s| s.from_pixels()) {
            let vals: Vec<f32> = frames
                .iter()
                .filter_map(|f| f.values.get(&stat).copied())
                .collect();
            if !frames.is_empty() && vals.len() == frames.len() {
                let mean = if matches!(stat, Stat::ShadowHue | Stat::HighlightHue) {
                    circular_mean_deg(&vals)
                } else {
                    vals.iter().sum::<f32>() / vals.len() as f32
                };
                out.values.insert(stat, mean);
            }
        }
        out.values.extend(camera.iter().copied());
        for f in frames {
            for (a, b) in out.histogram.iter_mut().zip(&f.histogram) {
                *a += b / n;
            }
            out.shadows += f.shadows / n;
            out.highlights += f.highlights / n;
        }
        out
    }

    /// The value of `stat`, if defined.
    pub fn get(&self, stat: Stat) -> Option<f32> {
        self.values.get(&stat).copied()
    }
}

/// The mean of angles in degrees, on the circle, in `[0, 360)`.
fn circular_mean_deg(angles: &[f32]) -> f32 {
    let (s, c) = angles.iter().fold((0.0f32, 0.0f32), |(s, c), a| {
        let r = a.to_radians();
        (s + r.sin(), c + r.cos())
    });
    s.atan2(c).to_degrees().rem_euclid(360.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(stat: Stat, lo: f32, hi: f32) -> Target {
        Target::new(stat, (lo, hi), "test")
    }

    #[test]
    fn a_contract_refuses_what_cannot_be_measured_or_met() {
        let bad = [
            (
                vec![target(Stat::MeanLuma, 0.3, 0.1)],
                "targets[0].range",
                "above",
            ),
            (
                vec![target(Stat::Crushed, 0.0, 1.5)],
                "targets[0].range",
                "outside",
            ),
            (
                vec![target(Stat::Contrast, 0.5, 2.0)],
                "targets[0].range",
                "outside",
            ),
            (
                vec![target(Stat::MeanLuma, f32::NAN, 0.1)],
                "targets[0].range",
                "numbers",
            ),
            (
                vec![
                    target(Stat::P5Luma, 0.5, 0.6),
                    target(Stat::P95Luma, 0.2, 0.4),
                ],
                "targets[0].range",
                "cannot be at or below",
            ),
            (
                vec![
                    target(Stat::Warmth, 1.0, 2.0),
                    target(Stat::Warmth, 1.0, 3.0),
                ],
                "targets[1].stat",
                "already",
            ),
            (
                vec![Target {
                    source: " ".into(),
                    ..target(Stat::Grain, 0.0, 0.1)
                }],
                "targets[0].source",
                "comes from",
            ),
        ];
        for (targets, field, word) in bad {
            let (f, m) = check(&targets).expect_err(&format!("{targets:?} accepted"));
            assert_eq!(f, field, "{m}");
            assert!(m.contains(word), "{m}");
        }
        check(&[
            target(Stat::P5Luma, 0.0, 0.05),
            target(Stat::P95Luma, 0.3, 0.9),
            target(Stat::Contrast, 5.0, 100.0),
        ])
        .unwrap();
    }

    #[test]
    fn statistics_of_known_images() {
        // Left half black, right half a warm orange (1, 0.5, 0.1), 10 × 4 pixels.
        let (w, h) = (10u32, 4u32);
        let orange = [1.0, 0.5, 0.1];
        let img: Vec<[f32; 3]> = (0..w * h)
            .map(|i| if i % w < 5 { [0.0; 3] } else { orange })
            .collect();
        let s = measure_frame(&img, w, h, 0, None);
        let y = Vec3::from(orange).dot(LUMA);
        let get = |st| s.values[&st];
        assert!((get(Stat::MeanLuma) - y / 2.0).abs() < 1e-6);
        assert_eq!(get(Stat::P5Luma), 0.0);
        assert!((get(Stat::P95Luma) - y).abs() < 1e-6);
        assert!((get(Stat::Warmth) - 10.0).abs() < 1e-4);
        assert!((get(Stat::Saturation) - 0.9).abs() < 1e-6);
        assert!((get(Stat::Crushed) - 0.5).abs() < 1e-6);
        assert!(
            (get(Stat::Clipped) - 0.5).abs() < 1e-6,
            "R = 1.0 is clipped"
        );
        // Highlights orange: hue 60 × (0.5 − 0.1) / 0.9 ≈ 26.7°; the shadows are black.
        assert!((get(Stat::HighlightHue) - 26.666).abs() < 0.01);
        assert!(!s.values.contains_key(&Stat::ShadowHue));
        let s = measure_frame(&img, w, h, 0, Some(&img));
        assert_eq!(s.values[&Stat::Grain], 0.0);
        // Letterbox rows are not measured: bars of 1 row over a frame whose top and
        // bottom rows are white change nothing.
        let mut boxed = img.clone();
        for x in 0..w as usize {
            boxed[x] = [1.0; 3];
            boxed[(h as usize - 1) * w as usize + x] = [1.0; 3];
        }
        let a = measure_frame(&img, w, h, 1, None);
        let b = measure_frame(&boxed, w, h, 1, None);
        assert_eq!(a.values, b.values);
    }

    #[test]
    fn framing_offset_is_the_subject_distance_from_the_center_line() {
        let eye = Vec3::new(0.0, 1.0, 5.0);
        let cam = |aim: Vec3| CameraFrame {
            pose: crate::math::Pose::new(eye, crate::camera::look_rotation(eye, aim)),
            fov_y: 0.8,
            width: 200,
            height: 100,
            near: 0.1,
            far: 100.0,
        };
        let subject = Vec3::new(0.0, 1.0, 0.0);
        // Looked at: dead center.
        let centered = framing_offset(&[cam(subject)], &[subject]).unwrap();
        assert!(centered < 1e-5, "{centered}");
        // Aimed 1 m to its left at 5 m: the subject sits right of center by
        // f * tan(atan(0.2)) pixels, f = (h / 2) / tan(fov / 2).
        let f = 50.0 / (0.4f64).tan();
        let want = (f * 0.2 / 200.0) as f32;
        let aside = framing_offset(&[cam(Vec3::new(-1.0, 1.0, 0.0))], &[subject]).unwrap();
        assert!((aside - want).abs() < 0.02, "{aside} vs {want}");
        // Behind the camera: no framing.
        assert_eq!(
            framing_offset(&[cam(subject)], &[Vec3::new(0.0, 1.0, 9.0)]),
            None
        );
    }

    #[test]
    fn shake_is_the_subject_jitter_in_view_and_its_frequency() {
        let fps = 24.0;
        let eye = |k: usize| Vec3::new(k as f32 * 0.05, 1.0, 5.0);
        let cam = |eye: Vec3, aim: Vec3| CameraFrame {
            pose: crate::math::Pose::new(eye, crate::camera::look_rotation(eye, aim)),
            fov_y: 0.8,
            width: 320,
            height: 180,
            near: 0.1,
            far: 100.0,
        };
        let n = 48;
        let still = Vec3::new(0.0, 1.0, 0.0);
        let subjects = vec![still; n];
        let one_shot = vec![0; n];
        // A camera trucking along while aimed at a fixed point ahead of it (the subject
        // drifts smoothly across the frame): no shake.
        let truck: Vec<CameraFrame> = (0..n).map(|k| cam(eye(k), eye(k) - Vec3::Z)).collect();
        let (s, hz) = shake(&truck, &subjects, &one_shot, fps);
        assert!(s < 0.02, "{s}");
        assert_eq!(hz, None);
        // A camera that keeps a tumbling subject centered: none either.
        let tumbling: Vec<Vec3> = (0..n)
            .map(|k| Vec3::new((k as f32 * 1.7).sin() * 0.3, 1.0, 0.0))
            .collect();
        let tracking: Vec<CameraFrame> = tumbling.iter().map(|&p| cam(eye(0), p)).collect();
        assert!(shake(&tracking, &tumbling, &one_shot, fps).0 < 1e-3);
        // A 3 Hz wobble of 1° in yaw: seen as shake of about its size and frequency.
        let wobble: Vec<CameraFrame> = (0..n)
            .map(|k| {
                let a = (std::f32::consts::TAU * 3.0 * k as f32 / fps)
                    .sin()
                    .to_radians();
                let mut c = cam(eye(0), still);
                c.pose = crate::math::Pose::new(
                    c.pose.translation,
                    c.pose.rotation * glam::Quat::from_rotation_y(a),
                );
                c
            })
            .collect();
        let (s, hz) = shake(&wobble, &subjects, &one_shot, fps);
        // RMS of a 1° sine is 0.71°; the ±0.25 s mean of a 3 Hz sine is small.
        assert!((s - 0.71).abs() < 0.15, "{s}");
        let hz = hz.expect("a shake has a frequency");
        assert!((hz - 3.0).abs() < 0.5, "{hz}");
        // A cut is not a shake.
        let mut cut = truck.clone();
        let mut shots = one_shot.clone();
        for k in 24..n {
            cut[k] = cam(Vec3::new(5.0, 1.0, 0.0), Vec3::new(0.0, 1.0, 0.0));
            shots[k] = 1;
        }
        assert!(shake(&cut, &subjects, &shots, fps).0 < 0.02);
        assert!(shake(&cut, &subjects, &one_shot, fps).0 > 1.0);
    }

    #[test]
    fn hues_of_primaries() {
        let cases = [
            (Vec3::X, 0.0),
            (Vec3::Y, 120.0),
            (Vec3::Z, 240.0),
            (Vec3::new(0.0, 0.5, 0.5), 180.0),
        ];
        for (c, want) in cases {
            assert!((hue_saturation(c).0 - want).abs() < 1e-4, "{c}");
        }
        assert!(
            (circular_mean_deg(&[350.0, 10.0]) - 0.0).abs() < 1e-3
                || (circular_mean_deg(&[350.0, 10.0]) - 360.0).abs() < 1e-3
        );
    }
}
