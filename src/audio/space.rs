//! Where a sound is heard: stereo panning, interaural delay and distance from the
//! listener, and the room's reverberation.

use glam::{Quat, Vec3};

/// Head radius for the interaural delay, m.
const HEAD_RADIUS: f32 = 0.0875;
/// Speed of sound in air at 20 °C, m/s.
pub(crate) const SPEED_OF_SOUND: f32 = 343.0;
/// Distances below this count as this (no blow-up at the lens), m.
const MIN_DISTANCE: f32 = 0.3;

/// How one source reaches the two ears at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ears {
    /// Left and right gains (distance and panning).
    pub gain: [f32; 2],
    /// Left and right delays in samples (the far ear's interaural delay; the near ear
    /// hears it at once, so picture and sound stay in sync).
    pub delay: [usize; 2],
}

/// Ears for a source at `source` heard by a listener at `at` turned by `rotation`
/// (camera convention: +X right, +Y up, looking down -Z), at `rate` samples per second.
///
/// Distance: `1 / max(r, 0.3 m)` (1 at 1 m). Panning: equal power on the lateral
/// component `s = x / r`, left `cos(π/4 (1 + s))`, right `sin(π/4 (1 + s))`. Delay:
/// Woodworth's spherical-head formula, `(a / c)(θ + sin θ)` with `θ = asin |s|`, on the
/// far ear (Woodworth & Schlosberg 1954).
pub fn ears(source: Vec3, at: Vec3, rotation: Quat, rate: u32) -> Ears {
    let rel = rotation.inverse() * (source - at);
    let r = rel.length();
    let lateral = if r > 1e-6 {
        (rel.x / r).clamp(-1.0, 1.0)
    } else {
        0.0
    };
    let distance = 1.0 / r.max(MIN_DISTANCE);
    let angle = std::f32::consts::FRAC_PI_4 * (1.0 + lateral);
    let theta = lateral.abs().asin();
    let itd = HEAD_RADIUS / SPEED_OF_SOUND * (theta + theta.sin());
    let far = (itd * rate as f32).round() as usize;
    let delay = if lateral >= 0.0 { [far, 0] } else { [0, far] };
    Ears {
        gain: [distance * angle.cos(), distance * angle.sin()],
        delay,
    }
}

/// A Schroeder reverberator (Schroeder 1962, "Natural sounding artificial
/// reverberation"): four parallel feedback combs (29.7, 37.1, 41.1, 43.7 ms) then two
/// all-passes (5.0 and 1.7 ms, gain 0.7). Each comb's feedback `g = 10^(-3 D / RT60)`
/// makes its echoes fall 60 dB in RT60. The right channel's combs are 1.3 ms longer, so
/// the two channels decorrelate.
pub struct Reverb {
    combs: Vec<(Vec<f32>, usize, f32)>,
    allpasses: Vec<(Vec<f32>, usize, f32)>,
}

impl Reverb {
    /// A reverberator decaying by 60 dB in `rt60` seconds, for channel `channel` (0 left,
    /// 1 right).
    pub fn new(rt60: f32, rate: u32, channel: usize) -> Self {
        let spread = 0.0013 * channel as f32;
        let samples = |s: f32| ((s * rate as f32).round() as usize).max(1);
        let combs = [0.0297, 0.0371, 0.0411, 0.0437]
            .into_iter()
            .map(|d: f32| {
                let d = d + spread;
                let g = 10f32.powf(-3.0 * d / rt60.max(1e-3));
                (vec![0.0; samples(d)], 0, g)
            })
            .collect();
        let allpasses = [0.005, 0.0017]
            .into_iter()
            .map(|d| (vec![0.0; samples(d)], 0, 0.7))
            .collect();
        Self { combs, allpasses }
    }

    /// The reverberated signal of `input` (same length).
    pub fn process(&mut self, input: &[f32]) -> Vec<f32> {
        let mut out = vec![0.0f32; input.len()];
        for (buf, pos, g) in &mut self.combs {
            for (x, y) in input.iter().zip(out.iter_mut()) {
                let delayed = buf[*pos];
                buf[*pos] = x + *g * delayed;
                *pos = (*pos + 1) % buf.len();
                *y += 0.25 * delayed;
            }
        }
        for (buf, pos, g) in &mut self.allpasses {
            for y in out.iter_mut() {
                let delayed = buf[*pos];
                let v = *y + *g * delayed;
                buf[*pos] = v;
                *pos = (*pos + 1) % buf.len();
                *y = delayed - *g * v;
            }
        }
        out
    }
}

/// Reverberation time of an impulse response by Schroeder's backward integration: the
/// energy decay curve's fall from -5 to -35 dB, doubled (T30).
pub fn t30(ir: &[f32], rate: u32) -> Option<f32> {
    let mut edc = vec![0.0f64; ir.len()];
    let mut acc = 0.0f64;
    for (i, x) in ir.iter().enumerate().rev() {
        acc += f64::from(*x) * f64::from(*x);
        edc[i] = acc;
    }
    let total = *edc.first()?;
    if total <= 0.0 {
        return None;
    }
    let db = |i: usize| 10.0 * (edc[i] / total).log10();
    let at = |level: f64| (0..edc.len()).find(|&i| db(i) <= level);
    let (a, b) = (at(-5.0)?, at(-35.0)?);
    Some(2.0 * (b - a) as f32 / rate as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_on_the_right_is_louder_on_the_right_and_reaches_the_left_ear_later() {
        let e = ears(
            Vec3::new(2.0, 0.0, -1.0),
            Vec3::ZERO,
            Quat::IDENTITY,
            48_000,
        );
        assert!(e.gain[1] > 2.0 * e.gain[0], "{e:?}");
        assert!(e.delay[0] > 10 && e.delay[1] == 0, "{e:?}");
        let left = ears(
            Vec3::new(-2.0, 0.0, -1.0),
            Vec3::ZERO,
            Quat::IDENTITY,
            48_000,
        );
        assert_eq!(left.gain, [e.gain[1], e.gain[0]]);
        assert_eq!(left.delay, [0, e.delay[0]]);
        // Straight ahead: equal, no delay; twice as far: half the level.
        let ahead = ears(
            Vec3::new(0.0, 0.0, -2.0),
            Vec3::ZERO,
            Quat::IDENTITY,
            48_000,
        );
        let far = ears(
            Vec3::new(0.0, 0.0, -4.0),
            Vec3::ZERO,
            Quat::IDENTITY,
            48_000,
        );
        assert_eq!(ahead.delay, [0, 0]);
        assert!((ahead.gain[0] - ahead.gain[1]).abs() < 1e-6);
        assert!((ahead.gain[0] / far.gain[0] - 2.0).abs() < 1e-4);
        // Woodworth at 90°: (a / c)(π/2 + 1) = 0.656 ms = 31.5 samples.
        let side = ears(Vec3::new(3.0, 0.0, 0.0), Vec3::ZERO, Quat::IDENTITY, 48_000);
        assert!((31..=32).contains(&side.delay[0]), "{side:?}");
    }

    #[test]
    fn the_reverb_decays_in_its_rt60() {
        for rt60 in [0.35f32, 0.6, 1.8] {
            let rate = 48_000;
            let mut impulse = vec![0.0f32; (rt60 * 2.0 * rate as f32) as usize];
            impulse[0] = 1.0;
            let ir = Reverb::new(rt60, rate, 0).process(&impulse);
            let t = t30(&ir, rate).expect("decays 35 dB");
            assert!((t / rt60 - 1.0).abs() < 0.15, "rt60 {rt60}: measured {t}");
        }
    }
}
