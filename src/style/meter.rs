//! The meter: trims a look's grade on a few frames of the clip so its contract's key,
//! warmth and saturation land inside their ranges in whatever world the scene is in —
//! what a camera operator's exposure and a colorist's balance do for a shot.
//!
//! Shadow and highlight hue targets are met with the grade's split tone: its hue set to
//! the range's center, its strength the least that brings the hue into the range's
//! middle half. A contrast outside its range is brought a fifth inside by the grade's
//! contrast, the least change (contrast ranges are often open-ended), pivoting on the
//! frames' median.
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

use super::contract::{Measured, Stat, Target, measure_frame};
use super::grade::Grade;
use crate::math::LUMA;

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

/// The width the meter shrinks frames toward while it searches (a box-filtered copy,
/// never narrower).
const METER_WIDTH: u32 = 96;
/// Bisection steps per control: 2⁻¹⁴ of its span.
const STEPS: usize = 14;

/// The meter's answer: the trimmed grade, and the targets it still misses.
#[derive(Debug, Clone, PartialEq)]
pub struct Metered {
    /// The grade, trimmed.
    pub grade: Grade,
    /// The pixel targets (all but `Grain`; `FramingOffset` and `Shake` come from the
    /// camera) whose statistic still lies outside its range on the metered frames:
    /// what the scene's world makes impossible for this look.
    pub misses: Vec<Miss>,
}

/// A target a metered look cannot reach on a scene.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    /// The target.
    pub target: Target,
    /// The statistic after metering; `None` where it is undefined (a hue of grey).
    pub value: Option<f32>,
}

impl std::fmt::Display for Miss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = &self.target;
        match self.value {
            Some(v) => write!(f, "{} is {v:.3} after metering", t.stat.name())?,
            None => write!(
                f,
                "{} is undefined (no color to take a hue of)",
                t.stat.name()
            )?,
        }
        write!(
            f,
            ", outside the look's {}..{} ({})",
            t.range.0, t.range.1, t.source
        )
    }
}

/// `grade` trimmed on `frames` (each `width × height` linear RGB) toward `targets` (see
/// the module docs), and what it still misses.
pub fn meter(
    grade: &Grade,
    targets: &[Target],
    exposure: Exposure,
    frames: &[&[[f32; 3]]],
    width: u32,
    height: u32,
) -> Metered {
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
    // The frames' median luminance as rendered (before the grade).
    let median = {
        let mut l: Vec<f32> = small
            .iter()
            .flatten()
            .map(|c| c[0] * LUMA[0] + c[1] * LUMA[1] + c[2] * LUMA[2])
            .filter(|v| v.is_finite())
            .collect();
        l.sort_by(f32::total_cmp);
        l.get(l.len() / 2).copied().unwrap_or(0.0)
    };
    let mut g = grade.clone();
    let grain = g.grain;
    g.grain = 0.0;
    // The statistic over the frames as `styles check` takes it (a circular mean for
    // hues; undefined if it is in any frame).
    let measure = |g: &Grade, stat: Stat| {
        let bars = g.letterbox_rows(w, h);
        let stats: Vec<_> = small
            .iter()
            .map(|f| {
                let mut img = f.clone();
                g.apply(&mut img, w, h, 0, 0);
                measure_frame(&img, w, h, bars, None)
            })
            .collect();
        Measured::from_frames(&stats, &[]).get(stat)
    };
    // Four rounds: the controls interact a little (saturation pulls the balance
    // toward neutral, the balance moves luminance). The key comes last in each round
    // (after the contrast, which needs an exposed frame): it is what a look is judged
    // by first.
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
        let expose = |g: &mut Grade| {
            if let Some(t) = key {
                solve(g, t, &measure, |g| &mut g.exposure_ev, (-10.0, 10.0));
            }
        };
        expose(&mut g);
        // Contrast pivots on mid-grey: on an exposed frame it grows with the control
        // (on a frame all below the pivot it would only darken everything).
        if let Some(t) = target(Stat::Contrast) {
            // A colorist's contrast pivots on the shot's own mid-tone: the frames' median
            // after the exposure, so steepening the curve spreads the tones both ways
            // instead of sinking a frame that sits below 18 % grey.
            let pivoted = |g: &mut Grade| {
                for _ in 0..2 {
                    if median > 0.0 {
                        g.pivot = median * 2f32.powf(g.exposure_ev);
                    }
                    expose(g);
                }
            };
            reach(
                &mut g,
                t,
                &measure,
                &pivoted,
                |g| &mut g.contrast,
                (0.3, 8.0),
            );
        }
    }
    let misses = targets
        .iter()
        .filter(|t| t.stat.from_pixels() && t.stat != Stat::Grain)
        .filter_map(|t| {
            let value = measure(&g, t.stat);
            (!t.passes(value)).then(|| Miss {
                target: t.clone(),
                value,
            })
        })
        .collect();
    g.grain = grain;
    Metered { grade: g, misses }
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

/// Moves one control of `g` (within `span`) the least that brings `t`'s statistic, a
/// ratio, a fifth inside its range (a margin for the frames' full resolution and grain),
/// when it is outside; a statistic inside keeps the
/// style's own value. For `Contrast`, whose ranges are often open-ended (noir: 4 and up),
/// where aiming at the center would be a different look. The statistic must grow with
/// the control.
fn reach(
    g: &mut Grade,
    t: &Target,
    measure: &dyn Fn(&Grade, Stat) -> Option<f32>,
    then: &dyn Fn(&mut Grade),
    control: fn(&mut Grade) -> &mut f32,
    span: (f32, f32),
) {
    let Some(now) = measure(g, t.stat) else {
        return;
    };
    let (lo, hi) = t.range;
    let goal = if now < lo {
        lo * 1.2
    } else if now > hi {
        hi / 1.2
    } else {
        return;
    };
    let at = |c: f32| {
        let mut h = g.clone();
        *control(&mut h) = c;
        then(&mut h);
        h
    };
    let (mut a, mut b) = span;
    for _ in 0..STEPS {
        let mid = 0.5 * (a + b);
        match measure(&at(mid), t.stat) {
            Some(v) if v < goal => a = mid,
            _ => b = mid,
        }
    }
    *g = at(0.5 * (a + b));
}

/// Turns a split tone toward `t`'s hue and raises its strength (in [0, 2], bisection)
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
    let (mut a, mut b) = (0.0f32, 2.0f32);
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

/// A box-filtered copy by the whole factor that leaves it at least [`METER_WIDTH`]
/// wide (the same image when under twice that): averaging pixels narrows the
/// histogram, so the copy stays close to the frames it stands for.
fn shrink(linear: &[[f32; 3]], width: u32, height: u32) -> (Vec<[f32; 3]>, u32, u32) {
    let f = (width / METER_WIDTH).max(1);
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
        let g = meter(&plain, &targets, Exposure::Key, &[&img], w, h).grade;
        let mut out = img.clone();
        g.apply(&mut out, w, h, 0, 0);
        let s = measure_frame(&out, w, h, 0, None);
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
        let fixed = meter(&plain, &targets[..1], Exposure::Fixed, &[&img], w, h).grade;
        assert_eq!(fixed, plain);
        // A key already in the middle of its range is the style's own.
        let mut mid = img.clone();
        plain.apply(&mut mid, w, h, 0, 0);
        let m = measure_frame(&mid, w, h, 0, None).values[&Stat::MeanLuma];
        let kept = meter(
            &plain,
            &[target(Stat::MeanLuma, m - 0.1, m + 0.1)],
            Exposure::Key,
            &[&img],
            w,
            h,
        )
        .grade;
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
        let kept = meter(&bw, &sat, Exposure::Key, &[&img], w, h).grade;
        assert_eq!(kept.cdl.saturation, 0.0);
    }

    #[test]
    fn a_contrast_below_its_range_is_raised_just_inside() {
        // A grey ramp around mid-grey (the contrast's pivot), 2:1 end to end.
        let (w, h) = (120u32, 10u32);
        let img: Vec<[f32; 3]> = (0..w * h)
            .map(|i| [0.12 + 0.12 * (i % w) as f32 / w as f32; 3])
            .collect();
        let t = target(Stat::Contrast, 4.0, 1000.0);
        let contrast = |g: &Grade| {
            let mut out = img.clone();
            g.apply(&mut out, w, h, 0, 0);
            measure_frame(&out, w, h, 0, None).values[&Stat::Contrast]
        };
        let plain = Grade::default();
        assert!(contrast(&plain) < 4.0, "{}", contrast(&plain));
        let m = meter(
            &plain,
            std::slice::from_ref(&t),
            Exposure::Fixed,
            &[&img],
            w,
            h,
        );
        let c = contrast(&m.grade);
        // The least change: a fifth inside, not the range's center (63).
        assert!((4.0..5.5).contains(&c), "{c}");
        assert!(m.misses.is_empty(), "{:?}", m.misses);
        // Out of reach (the control's span ends first): named as a miss.
        let far = target(Stat::Contrast, 900.0, 1000.0);
        let m = meter(
            &plain,
            std::slice::from_ref(&far),
            Exposure::Fixed,
            &[&img],
            w,
            h,
        );
        assert_eq!(m.misses.len(), 1);
        let said = m.misses[0].to_string();
        assert!(
            said.starts_with("Contrast is ") && said.contains("900..1000"),
            "{said}"
        );
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
        )
        .grade;
        let mut out = img.clone();
        g.apply(&mut out, w, h, 0, 0);
        let p95 = measure_frame(&out, w, h, 0, None).values[&Stat::P95Luma];
        assert!((p95 - 0.6).abs() < 0.01, "{p95}");
    }
}
