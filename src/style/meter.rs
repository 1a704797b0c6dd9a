//! The meter: trims a look's grade on a few frames of the clip so its contract's key,
//! warmth and saturation land inside their ranges in whatever world the scene is in —
//! what a camera operator's exposure and a colorist's balance do for a shot.
//!
//! Shadow and highlight hue targets are met with the grade's split tone: its hue set to
//! the range's center, its strength the least that brings the hue into the range's
//! middle half.
//!
//! Input: the style's [`Grade`], its targets and [`Exposure`] strategy, and the linear
//! light of the metered frames (the pipeline meters the clip's first, middle and last
//! frames, whatever range a run renders). Output: the grade with `exposure_ev`,
//! `temperature_k` and `cdl.saturation` trimmed, one trim for the whole clip (no
//! flicker). A statistic whose mean over the frames already lies in the middle half of
//! its range (or between a bound at the end of its values, such as a saturation of 0,
//! and the middle half) keeps the style's own value; one outside is solved to the range's center
//! by bisection (each is monotonic in its control). Deterministic: a pure function of
//! its inputs.

use serde::{Deserialize, Serialize};

use super::contract::{Stat, Target, measure_frame};
use super::grade::Grade;

/// What the meter exposes for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Exposure {
    /// The key: the `MeanLuma` target (or `P50Luma` without one).
    #[default]
    Key,
    /// The highlights: the `P95Luma` target (noir: keep the highlights where they
    /// belong and let the rest fall into shadow).
    Highlights,
    /// The style's exposure as written.
    Fixed,
}

/// The widest frame the meter grades while it searches (a box-filtered copy).
const METER_WIDTH: u32 = 96;
/// Bisection steps per control: 2⁻¹⁴ of its span.
const STEPS: usize = 14;

/// `grade` trimmed on `frames` (each `width × height` linear RGB) toward `targets` (see
/// the module docs).
pub fn meter(
    grade: &Grade,
    targets: &[Target],
    exposure: Exposure,
    frames: &[&[[f32; 3]]],
    width: u32,
    height: u32,
) -> Grade {
    let mut w = width;
    let mut h = height;
    let small: Vec<Vec<[f32; 3]>> = frames
        .iter()
        .map(|f| {
            let (img, sw, sh) = shrink(f, width, height);
            (w, h) = (sw, sh);
            img
        })
        .collect();
    let target = |stat: Stat| targets.iter().find(|t| t.stat == stat);
    let key = match exposure {
        Exposure::Key => target(Stat::MeanLuma).or(target(Stat::P50Luma)),
        Exposure::Highlights => target(Stat::P95Luma),
        Exposure::Fixed => None,
    };
    let mut g = grade.clone();
    let grain = g.grain;
    g.grain = 0.0;
    // The statistic's mean over the frames (undefined if it is in any).
    let measure = |g: &Grade, stat: Stat| {
        let bars = g.letterbox_rows(w, h);
        let mut sum = 0.0;
        for f in &small {
            let mut img = f.clone();
            g.apply(&mut img, w, h, 0, 0);
            sum += measure_frame(&img, w, h, bars, None, None)
                .values
                .get(&stat)?;
        }
        (!small.is_empty()).then(|| sum / small.len() as f32)
    };
    // Four rounds: the controls interact a little (saturation pulls the balance
    // toward neutral, the balance moves luminance). The key comes last in each round:
    // it is what a look is judged by first.
    for _ in 0..4 {
        if let Some(t) = target(Stat::Saturation) {
            solve(&mut g, t, &measure, |g| &mut g.cdl.saturation, (0.0, 3.0));
        }
        if let Some(t) = target(Stat::Warmth) {
            // The grade balances for `temperature_k`: a higher setting warms the image.
            solve(
                &mut g,
                t,
                &measure,
                |g| &mut g.temperature_k,
                (2000.0, 15000.0),
            );
        }
        // Split toning: the tint turned to the target's hue, its strength the least that
        // brings the shadows' (highlights') mean hue into the middle half of the range.
        if let Some(t) = target(Stat::ShadowHue) {
            tone(&mut g, t, &measure, |g| &mut g.split_shadows);
        }
        if let Some(t) = target(Stat::HighlightHue) {
            tone(&mut g, t, &measure, |g| &mut g.split_highlights);
        }
        if let Some(t) = key {
            solve(&mut g, t, &measure, |g| &mut g.exposure_ev, (-10.0, 10.0));
        }
    }
    g.grain = grain;
    g
}

/// Moves one control of `g` (within `span`) until `t`'s statistic reaches its center,
/// unless it already lies in the middle half of the range. The statistic must grow
/// with the control.
fn solve(
    g: &mut Grade,
    t: &Target,
    measure: &dyn Fn(&Grade, Stat) -> Option<f32>,
    control: fn(&mut Grade) -> &mut f32,
    span: (f32, f32),
) {
    let Some(now) = measure(g, t.stat) else {
        return;
    };
    let (lo, hi) = t.range;
    let quarter = 0.25 * (hi - lo);
    // A bound at the end of the statistic's values (a saturation of 0 for black and
    // white) is no edge to keep away from.
    let (dlo, dhi) = t.stat.domain();
    let low_ok = now >= lo + quarter || (lo <= dlo && now >= lo);
    let high_ok = now <= hi - quarter || (hi >= dhi && now <= hi);
    if low_ok && high_ok {
        return;
    }
    let goal = t.center();
    let (mut a, mut b) = span;
    for _ in 0..STEPS {
        let mid = 0.5 * (a + b);
        *control(g) = mid;
        match measure(g, t.stat) {
            Some(v) if v < goal => a = mid,
            _ => b = mid,
        }
    }
    *control(g) = 0.5 * (a + b);
}

/// Turns a split tone toward `t`'s hue and raises its strength (in [0, 1], bisection)
/// until the measured hue lies in the middle half of the range, unless it already does.
/// The distance to the range's center shrinks as the tint grows.
fn tone(
    g: &mut Grade,
    t: &Target,
    measure: &dyn Fn(&Grade, Stat) -> Option<f32>,
    control: fn(&mut Grade) -> &mut (f32, f32),
) {
    let (lo, hi) = t.range;
    let quarter = 0.25 * (hi - lo);
    let inside = |v: Option<f32>| v.is_some_and(|v| v >= lo + quarter && v <= hi - quarter);
    if inside(measure(g, t.stat)) {
        return;
    }
    let hue = t.center();
    let (mut a, mut b) = (0.0f32, 1.0f32);
    for _ in 0..STEPS {
        let mid = 0.5 * (a + b);
        *control(g) = (hue, mid);
        if inside(measure(g, t.stat)) {
            b = mid;
        } else {
            a = mid;
        }
    }
    *control(g) = (hue, b);
}

/// A box-filtered copy at most [`METER_WIDTH`] wide (the same image when narrower).
fn shrink(linear: &[[f32; 3]], width: u32, height: u32) -> (Vec<[f32; 3]>, u32, u32) {
    let f = width.div_ceil(METER_WIDTH).max(1);
    if f == 1 {
        return (linear.to_vec(), width, height);
    }
    let (w, h) = (width / f, (height / f).max(1));
    let mut out = Vec::with_capacity((w * h) as usize);
    for y in 0..h {
        for x in 0..w {
            let mut sum = [0.0f32; 3];
            for dy in 0..f {
                for dx in 0..f {
                    let p = linear[((y * f + dy) * width + x * f + dx) as usize];
                    for c in 0..3 {
                        sum[c] += if p[c].is_finite() { p[c] } else { 0.0 };
                    }
                }
            }
            out.push(sum.map(|v| v / (f * f) as f32));
        }
    }
    (out, w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(stat: Stat, lo: f32, hi: f32) -> Target {
        Target::new(stat, (lo, hi), "test")
    }

    /// A bright, cool, grey-ish test image: a gradient with a bluish cast.
    fn image() -> (Vec<[f32; 3]>, u32, u32) {
        let (w, h) = (120u32, 60u32);
        let img = (0..w * h)
            .map(|i| {
                let t = (i % w) as f32 / w as f32;
                [1.2 * t + 0.3, 1.3 * t + 0.35, 1.6 * t + 0.45]
            })
            .collect();
        (img, w, h)
    }

    #[test]
    fn the_meter_brings_key_warmth_and_saturation_into_range() {
        let (img, w, h) = image();
        let targets = [
            target(Stat::MeanLuma, 0.08, 0.16),
            target(Stat::Warmth, 1.3, 1.8),
            target(Stat::Saturation, 0.3, 0.5),
        ];
        let plain = Grade::default();
        let g = meter(&plain, &targets, Exposure::Key, &[&img], w, h);
        let mut out = img.clone();
        g.apply(&mut out, w, h, 0, 0);
        let s = measure_frame(&out, w, h, 0, None, None);
        for t in &targets {
            let v = s.values[&t.stat];
            assert!(
                t.passes(Some(v)),
                "{:?}: {v} not in {:?} ({g:?})",
                t.stat,
                t.range
            );
        }
        // Fixed exposure leaves the key alone.
        let fixed = meter(&plain, &targets[..1], Exposure::Fixed, &[&img], w, h);
        assert_eq!(fixed, plain);
        // A key already in the middle of its range is the style's own.
        let mut mid = img.clone();
        plain.apply(&mut mid, w, h, 0, 0);
        let m = measure_frame(&mid, w, h, 0, None, None).values[&Stat::MeanLuma];
        let kept = meter(
            &plain,
            &[target(Stat::MeanLuma, m - 0.1, m + 0.1)],
            Exposure::Key,
            &[&img],
            w,
            h,
        );
        assert_eq!(kept.exposure_ev, plain.exposure_ev);
        // Black and white stays black and white: a saturation of 0 meets (0, 0.02).
        let bw = Grade {
            cdl: crate::style::Cdl {
                saturation: 0.0,
                ..Default::default()
            },
            ..Grade::default()
        };
        let sat = [target(Stat::Saturation, 0.0, 0.02)];
        let kept = meter(&bw, &sat, Exposure::Key, &[&img], w, h);
        assert_eq!(kept.cdl.saturation, 0.0);
    }

    #[test]
    fn exposing_for_highlights_places_p95() {
        let (img, w, h) = image();
        let t = target(Stat::P95Luma, 0.55, 0.65);
        let g = meter(
            &Grade::default(),
            std::slice::from_ref(&t),
            Exposure::Highlights,
            &[&img],
            w,
            h,
        );
        let mut out = img.clone();
        g.apply(&mut out, w, h, 0, 0);
        let p95 = measure_frame(&out, w, h, 0, None, None).values[&Stat::P95Luma];
        assert!((p95 - 0.6).abs() < 0.01, "{p95}");
    }
}
