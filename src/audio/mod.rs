//! Sound stage: [`Trajectory`] (its per-step contact samples) + [`Scene`] + the cameras
//! -> a stereo track at 48 kHz, in sync with the frames.
//!
//! Every sounding entity is a modal bank ([`modes`]): damped sinusoids from its shape,
//! size and material. A **strike** (a rise of a touching pair's normal impulse: a new
//! contact, or an edge slapping down in a contact that persists) excites both entities'
//! modes at its physics step's sample, each mode weighted by the spectrum of a Hertz
//! contact pulse (soft materials and slow approaches give long pulses that cannot excite
//! high modes: rubber thuds, steel rings), and adds the click of the bodies' sudden
//! acceleration. **Sliding and rolling** contacts drive both banks with noise shaped by
//! the travel speed, normal force and the materials' roughness. Each bank is then placed
//! relative to the listener ([`space`]), the room's reverberation is added, and the
//! master gain applied. Banks sounding at once are capped at `sound.voices`; the quietest
//! are culled, the same ones on every run. Everything is sequential f32 arithmetic in a
//! fixed order: the same scene gives the same bits.

pub mod encode;
pub mod modes;
pub mod space;

use std::f32::consts::PI;

use glam::{Quat, Vec3};

use crate::camera::CameraFrame;
use crate::physics::{ContactSample, Trajectory};
use crate::rng::SeededRng;
use crate::scene::{BodyKind, Scene, Shape};
use modes::Mode;
use space::SPEED_OF_SOUND;

/// Samples per second of every track.
pub const RATE: u32 = 48_000;
/// Samples per processing block (voices are culled and sources placed per block).
const BLOCK: usize = 512;
/// Sound pressure of full scale (0 dBFS), Pa: 120 dB SPL. Levels are computed in
/// pascals at 1 m, then divided by this.
pub const FULL_SCALE_PA: f32 = 20.0;
/// Density of air, kg/m³.
const AIR_DENSITY: f32 = 1.2;
/// Radius of the patch of floor a strike on a ground plane or fixed mesh sets ringing, m.
const SLAB_RADIUS: f32 = 0.5;
/// A mode whose amplitude falls below this is silent (about -140 dBFS).
const SILENT: f32 = 1e-7;
/// Mass of the slab a fixed body is heard as, per kg/m³ of its density (0.1 m³).
const SLAB_VOLUME: f32 = 0.1;
/// Roughness wavelength of surfaces: a travel speed `u` gives noise up to `u / λ` Hz.
const ROUGHNESS_WAVELENGTH: f32 = 0.0005;

/// Why a track could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// The clip is longer than audio allows.
    #[error(
        "the clip is {seconds:.0} s long, more than the {limit:.0} s of audio cinegraph \
         makes; shorten it or render with --no-audio"
    )]
    TooLong {
        /// Clip length, s.
        seconds: f32,
        /// Limit, s.
        limit: f32,
    },
}

/// A finished stereo track.
#[derive(Debug, Clone)]
pub struct AudioTrack {
    /// Samples per second.
    pub rate: u32,
    /// Left channel, in [-1, 1].
    pub left: Vec<f32>,
    /// Right channel.
    pub right: Vec<f32>,
    /// Every strike, in time order (for plots and metadata).
    pub strikes: Vec<Strike>,
    /// What the synthesis did.
    pub stats: AudioStats,
}

/// One strike as heard.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Strike {
    /// s.
    pub time: f64,
    /// First entity index.
    pub a: usize,
    /// Second entity index.
    pub b: usize,
    /// The impulse rise, N·s.
    pub impulse: f32,
    /// Hertz contact duration, s.
    pub contact_s: f32,
}

/// Counts and levels of one synthesis.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct AudioStats {
    /// Strikes heard.
    pub strikes: usize,
    /// Sliding/rolling step samples heard.
    pub continuous: usize,
    /// Entities with a modal bank.
    pub banks: usize,
    /// Most banks sounding in one block.
    pub peak_voices: usize,
    /// Bank-blocks culled by the voice cap.
    pub culled: usize,
    /// Mode-samples computed (the cost measure).
    pub mode_samples: u64,
    /// Voice-samples: each block's sounding banks × its length (a voice is one bank).
    pub voice_samples: u64,
    /// Peak sample before the limiter, dBFS.
    pub peak_db: f32,
    /// Gain the normalization applied to bring the peak to -9 dBFS (0 when off), dB.
    pub normalize_db: f32,
    /// Gain the limiter applied to keep the peak at -0.1 dBFS (0 when none), dB.
    pub limiter_db: f32,
}

/// One entity as a sound source.
struct Bank {
    modes: Vec<Mode>,
    /// `exp((-d + iω) / rate)` per mode.
    poles: Vec<(f32, f32)>,
    /// Complex state per mode.
    state: Vec<(f32, f32)>,
    /// Per mode: full-scale units at 1 m per N·s of modal impulse (before the pulse
    /// spectrum): the mode's gain / the mass (its velocity) × its radiation.
    drive: Vec<f32>,
    /// Full-scale units at 1 m of the click per N·s/s² (impulse / contact time²).
    click: f32,
    active: bool,
    /// Gains and delays of the previous block (panning glides between blocks).
    ears: Option<space::Ears>,
}

/// What a strike or contact needs to know of each entity.
#[derive(Clone, Copy)]
struct Body {
    /// kg (infinite for fixed and kinematic bodies).
    mass: f32,
    /// Radius of curvature at a contact, m (infinite for planes).
    radius: f32,
    young: f32,
    poisson: f32,
    restitution: f32,
    roughness: f32,
}

/// Refuses clips longer than [`crate::scene::sound::MAX_AUDIO_SECONDS`] (the render
/// calls it before anything else, so a long clip fails before its frames are drawn).
///
/// # Errors
/// [`AudioError::TooLong`].
pub fn check_length(scene: &Scene) -> Result<(), AudioError> {
    let seconds = scene.frame_count as f32 / scene.fps as f32;
    let limit = crate::scene::sound::MAX_AUDIO_SECONDS;
    if seconds > limit {
        return Err(AudioError::TooLong { seconds, limit });
    }
    Ok(())
}

/// Synthesizes the clip's track. `cameras` holds the camera of every frame (the
/// listener unless the scene sets one).
///
/// # Errors
/// [`AudioError::TooLong`] for clips over [`crate::scene::sound::MAX_AUDIO_SECONDS`].
pub fn synthesize(
    scene: &Scene,
    traj: &Trajectory,
    cameras: &[CameraFrame],
) -> Result<AudioTrack, AudioError> {
    let _span = tracing::info_span!("audio").entered();
    check_length(scene)?;
    let n =
        (f64::from(scene.frame_count) / f64::from(scene.fps) * f64::from(RATE)).round() as usize;
    let bodies = bodies(scene, traj);
    let mut banks: Vec<Option<Bank>> = (0..scene.entities.len())
        .map(|e| bank(scene, e, &bodies[e]))
        .collect();
    let mut stats = AudioStats {
        banks: banks.iter().flatten().count(),
        ..AudioStats::default()
    };
    let time_of =
        |s: &ContactSample| (s.step as f64 + f64::from(s.frac)) / f64::from(scene.physics_hz);
    let sample_of = |s: &ContactSample| (time_of(s) * f64::from(RATE)).round() as usize;
    let step_len = (RATE / scene.physics_hz.max(1)).max(1) as usize;

    let mut strikes = Vec::new();
    let mut left = vec![0.0f32; n + 64];
    let mut right = vec![0.0f32; n + 64];
    let mut noise: std::collections::BTreeMap<(usize, usize), Noise> = Default::default();
    let mut cursor = 0usize;
    // In time order (within a step, each pair touches at its own fraction of it).
    let mut samples: Vec<ContactSample> = traj.sound.clone();
    samples.sort_by(|x, y| {
        time_of(x)
            .total_cmp(&time_of(y))
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    let mut mono = vec![0.0f32; BLOCK];
    let mut force: Vec<Vec<f32>> = vec![Vec::new(); scene.entities.len()];
    let mut energies: Vec<(f32, usize)> = Vec::new();
    let mut blocks: Vec<(usize, Vec<f32>)> = Vec::new();

    for start in (0..n).step_by(BLOCK) {
        let len = BLOCK.min(n - start);
        // Excitations landing in this block: strikes at their sample, continuous noise
        // over their step.
        let mut hits: Vec<(usize, usize, Vec<f32>, f32, f32)> = Vec::new();
        while cursor < samples.len() && sample_of(&samples[cursor]) < start + len {
            let s = samples[cursor];
            cursor += 1;
            let at = sample_of(&s).saturating_sub(start);
            if s.strike > 0.0 {
                let tau = hertz(&bodies[s.a], &bodies[s.b], s.strike);
                strikes.push(Strike {
                    time: time_of(&s),
                    a: s.a,
                    b: s.b,
                    impulse: s.strike,
                    contact_s: tau,
                });
                stats.strikes += 1;
                for e in [s.a, s.b] {
                    if let Some(bank) = &banks[e] {
                        let amps = bank
                            .modes
                            .iter()
                            .zip(&bank.drive)
                            .map(|(m, d)| s.strike * d * pulse(m.omega * tau))
                            .collect();
                        // The click of the sudden acceleration: the derivative of the
                        // half-sine force over the contact, band-limited to the rate
                        // (at least 2 samples wide).
                        let tau_eff = tau.max(2.0 / RATE as f32);
                        let click = s.strike * bank.click / (tau_eff * tau_eff);
                        hits.push((e, at, amps, click, tau));
                    }
                }
            } else {
                stats.continuous += 1;
                continuous(
                    scene, &s, &bodies, &banks, &mut noise, &mut force, at, step_len, len,
                );
            }
        }
        // Render every bank with something to say.
        energies.clear();
        blocks.clear();
        for (e, slot) in banks.iter_mut().enumerate() {
            let Some(bank) = slot else {
                continue;
            };
            let has_force = !force[e].is_empty();
            let hit_here = hits.iter().any(|h| h.0 == e);
            if !bank.active && !has_force && !hit_here {
                continue;
            }
            mono[..len].fill(0.0);
            let mut loud = 0.0f32;
            for i in 0..bank.modes.len() {
                let (pr, pi) = bank.poles[i];
                let (mut zr, mut zi) = bank.state[i];
                let g = bank.drive[i];
                let kicks: Vec<(usize, f32)> = hits
                    .iter()
                    .filter(|h| h.0 == e)
                    .map(|h| (h.1, h.2[i]))
                    .collect();
                if zr.abs() + zi.abs() < SILENT && kicks.is_empty() && !has_force {
                    bank.state[i] = (0.0, 0.0);
                    continue;
                }
                for (k, out) in mono[..len].iter_mut().enumerate() {
                    for &(at, amp) in &kicks {
                        if at == k {
                            zr += amp;
                        }
                    }
                    if has_force {
                        zr += g * force[e][k];
                    }
                    *out += zi;
                    let nr = zr * pr - zi * pi;
                    zi = zr * pi + zi * pr;
                    zr = nr;
                }
                stats.mode_samples += len as u64;
                loud = loud.max(zr.abs() + zi.abs());
                bank.state[i] = (zr, zi);
            }
            // The click of the sudden acceleration: one cycle of cos over the contact.
            for h in hits.iter().filter(|h| h.0 == e && h.3 != 0.0) {
                let width = (h.4 * RATE as f32).max(2.0);
                let count = width.ceil() as usize;
                for k in 0..count {
                    let idx = h.1 + k;
                    if idx < len {
                        let phase = std::f32::consts::PI * (k as f32 + 0.5) / width;
                        mono[idx] += h.3 * phase.cos();
                    }
                }
            }
            bank.active = loud > SILENT || has_force;
            stats.voice_samples += len as u64;
            let energy: f32 = mono[..len].iter().map(|x| x * x).sum();
            energies.push((energy, e));
            blocks.push((e, mono[..len].to_vec()));
        }
        for f in &mut force {
            f.clear();
        }
        // The voice cap: keep the loudest; the entity index breaks ties.
        let voices = scene.sound.voices as usize;
        stats.peak_voices = stats.peak_voices.max(energies.len());
        if energies.len() > voices {
            energies.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
            for &(_, e) in &energies[voices..] {
                if let Some(bank) = &mut banks[e] {
                    bank.state.iter_mut().for_each(|z| *z = (0.0, 0.0));
                    bank.active = false;
                }
                blocks.retain(|b| b.0 != e);
                stats.culled += 1;
            }
        }
        // Place each bank's block at the ears.
        let t = (start + len / 2) as f64 / f64::from(RATE);
        let (at, rotation) = listener(scene, cameras, t);
        for (e, block) in &blocks {
            let Some(bank) = &mut banks[*e] else {
                continue;
            };
            let source = entity_position(traj, *e, t, scene.fps);
            let now = space::ears(source, at, rotation, RATE);
            let before = bank.ears.unwrap_or(now);
            let g = scene.entities[*e].sound.gain;
            for (k, x) in block.iter().enumerate() {
                let f = k as f32 / len as f32;
                for (ch, out) in [&mut left, &mut right].into_iter().enumerate() {
                    let gk = before.gain[ch] + (now.gain[ch] - before.gain[ch]) * f;
                    let idx = start + k + now.delay[ch];
                    if let Some(o) = out.get_mut(idx) {
                        *o += g * gk * x;
                    }
                }
            }
            bank.ears = Some(now);
        }
    }
    left.truncate(n);
    right.truncate(n);
    finish(scene, &mut left, &mut right, &mut stats);
    Ok(AudioTrack {
        rate: RATE,
        left,
        right,
        strikes,
        stats,
    })
}

/// Room, normalization, gain, room tone and the limiter.
fn finish(scene: &Scene, left: &mut [f32], right: &mut [f32], stats: &mut AudioStats) {
    let room = scene.sound.room;
    if room.wet > 0.0 && room.rt60 > 0.0 {
        let mid: Vec<f32> = left
            .iter()
            .zip(right.iter())
            .map(|(l, r)| 0.5 * (l + r))
            .collect();
        for (ch, out) in [left.iter_mut(), right.iter_mut()].into_iter().enumerate() {
            let wet = space::Reverb::new(room.rt60, RATE, ch).process(&mid);
            for (o, w) in out.zip(wet) {
                *o += room.wet * w;
            }
        }
    }
    let peak = |left: &[f32], right: &[f32]| {
        left.iter()
            .chain(right.iter())
            .fold(0.0f32, |p, x| p.max(x.abs()))
    };
    let mut gain = 10f32.powf(scene.sound.gain_db / 20.0);
    let loudest = peak(left, right);
    if scene.sound.normalize && loudest > 0.0 {
        let g = 10f32.powf(crate::scene::sound::NORMALIZED_PEAK_DB / 20.0) / loudest;
        stats.normalize_db = 20.0 * g.log10();
        gain *= g;
    }
    if gain != 1.0 {
        left.iter_mut()
            .chain(right.iter_mut())
            .for_each(|x| *x *= gain);
    }
    if let Some(db) = scene.sound.room_tone_db {
        // Brown-ish noise (one-pole low-passed white noise, 1 pole at ~150 Hz) scaled to
        // the asked RMS level.
        let level = 10f32.powf(db / 20.0);
        for (ch, out) in [left.iter_mut(), right.iter_mut()].into_iter().enumerate() {
            let mut rng = Noise::new(scene.seed, &format!("sound/room-tone/{ch}"));
            let a = (-2.0 * std::f32::consts::PI * 150.0 / RATE as f32).exp();
            let mut y = 0.0f32;
            // RMS of the filtered unit-variance noise: sqrt((1 - a) / (1 + a)).
            let scale = level / ((1.0 - a) / (1.0 + a)).sqrt();
            for o in out {
                y = a * y + (1.0 - a) * rng.gaussian();
                *o += scale * y;
            }
        }
    }
    let peak = peak(left, right);
    stats.peak_db = if peak > 0.0 {
        20.0 * peak.log10()
    } else {
        f32::NEG_INFINITY
    };
    let ceiling = 10f32.powf(-0.1 / 20.0);
    if peak > ceiling {
        let g = ceiling / peak;
        left.iter_mut()
            .chain(right.iter_mut())
            .for_each(|x| *x *= g);
        stats.limiter_db = 20.0 * g.log10();
    }
}

/// Each entity's mass, curvature and material constants.
fn bodies(scene: &Scene, traj: &Trajectory) -> Vec<Body> {
    scene
        .entities
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let m = &scene.materials[e.material];
            let movable = e
                .body
                .is_some_and(|b| matches!(scene.bodies[b].kind, BodyKind::Dynamic { .. }));
            let own = traj.objects.get(i).map_or(0.0, |o| o.mass);
            let radius = match &e.shape {
                Some(Shape::Sphere { radius }) => *radius,
                Some(Shape::Capsule { radius, .. }) => *radius,
                Some(Shape::Ground) => f32::INFINITY,
                Some(Shape::TriMesh(_)) => f32::INFINITY,
                Some(s) => 0.25 * s.bounding_radius(),
                None => f32::INFINITY,
            };
            Body {
                mass: if movable && own > 0.0 {
                    own
                } else {
                    f32::INFINITY
                },
                radius,
                young: m.acoustic.young_modulus,
                poisson: m.acoustic.poisson,
                restitution: m.restitution,
                roughness: m.acoustic.roughness,
            }
        })
        .collect()
}

/// An entity's modal bank, or `None` when it has no shape, is silent, or is fixed with
/// no mode in the audible band.
fn bank(scene: &Scene, e: usize, body: &Body) -> Option<Bank> {
    let ent = &scene.entities[e];
    let shape = ent.shape.as_ref()?;
    if ent.sound.silent {
        return None;
    }
    let material = &scene.materials[ent.material];
    let fixed = !body.mass.is_finite();
    let modes = modes::modes(
        shape,
        fixed,
        &material.acoustic,
        material.density,
        &ent.sound,
    );
    // A moving body with no audible mode still clicks; a fixed one is silent.
    if modes.is_empty() && fixed {
        return None;
    }
    let mass = if fixed {
        material.density * SLAB_VOLUME
    } else {
        body.mass
    };
    // The radiating radius: the floor patch for ground planes and fixed meshes, else
    // the bounding sphere's.
    let size = match shape {
        Shape::Ground => SLAB_RADIUS,
        Shape::TriMesh(_) if fixed => SLAB_RADIUS,
        s => s.bounding_radius().clamp(1e-3, 10.0),
    };
    // A mode's surface velocity per N·s is its gain / the mass; it radiates like a
    // pulsating sphere of the body's radius R: |p| = ρ₀ c u (R / r) kR / √(1 + (kR)²)
    // (Kinsler et al., "Fundamentals of Acoustics", 4th ed., §7.4), r = 1 m here.
    let drive = modes
        .iter()
        .map(|m| {
            let kr = m.omega / SPEED_OF_SOUND * size;
            let radiation = AIR_DENSITY * SPEED_OF_SOUND * size * kr / (1.0 + kr * kr).sqrt();
            m.gain / mass.max(1e-6) * radiation / FULL_SCALE_PA
        })
        .collect();
    // The click: a rigid body of volume V = m / ρ accelerating as a(t) radiates
    // p = ρ₀ R³ ȧ / (2 c r) with R³ = 3V / 4π (the acceleration noise of a rigid sphere,
    // kR ≪ 1: Koss & Alfredson 1973, "Transient sound radiated by spheres undergoing an
    // elastic collision"). The half-sine force of impulse J over τ gives a jerk peak of
    // π² J / (2 m τ²), so the click's peak is 3π ρ₀ J / (16 ρ c τ²): the mass cancels.
    let click = if fixed {
        0.0
    } else {
        3.0 * PI * AIR_DENSITY / (16.0 * material.density.max(1.0) * SPEED_OF_SOUND) / FULL_SCALE_PA
    };
    let poles = modes
        .iter()
        .map(|m| {
            let r = (-m.decay / RATE as f32).exp();
            let w = m.omega / RATE as f32;
            (r * w.cos(), r * w.sin())
        })
        .collect();
    Some(Bank {
        state: vec![(0.0, 0.0); modes.len()],
        modes,
        poles,
        drive,
        click,
        active: false,
        ears: None,
    })
}

/// Hertz contact duration (Johnson 1985, "Contact Mechanics", eq. 11.24):
/// `τ = 2.868 (m*² / (R* E*² v))^(1/5)` with the reduced mass `m*`, reduced radius `R*`,
/// contact modulus `E* = 1 / ((1 - ν₁²)/E₁ + (1 - ν₂²)/E₂)` and approach speed `v`
/// (from the strike's impulse, `J = m* (1 + e) v`).
fn hertz(a: &Body, b: &Body, impulse: f32) -> f32 {
    let inv = |x: f32| if x.is_finite() { 1.0 / x } else { 0.0 };
    let m = 1.0 / (inv(a.mass) + inv(b.mass)).max(1e-9);
    let r = 1.0 / (inv(a.radius) + inv(b.radius)).max(1e-9);
    let e =
        1.0 / ((1.0 - a.poisson * a.poisson) / a.young + (1.0 - b.poisson * b.poisson) / b.young);
    let restitution = 0.5 * (a.restitution + b.restitution);
    let v = (impulse / (m * (1.0 + restitution))).max(1e-4);
    let m = m.min(1e6);
    let r = r.min(10.0);
    let tau = 2.868 * (m * m / (r * e * e * v)).powf(0.2);
    tau.clamp(1e-6, 0.05)
}

/// The spectrum of a half-sine force pulse of duration τ at `x = ω τ`, relative to its
/// value at 0: `|cos(x/2)| / |1 - (x/π)²|` (π/4 at `x = π`).
fn pulse(x: f32) -> f32 {
    let d = 1.0 - (x / std::f32::consts::PI).powi(2);
    if d.abs() < 1e-4 {
        std::f32::consts::FRAC_PI_4
    } else {
        ((0.5 * x).cos() / d).abs()
    }
}

/// Adds one step of a sliding/rolling pair's noise force into both entities' input.
/// The force fluctuates by the two materials' mean roughness × the normal force ×
/// `√(u / 1 m/s)`, low-passed at `u / λ` (λ = 0.5 mm; half that for rolling, whose
/// contact patch smooths the surface: van den Doel, Kry & Pai 2001, "FoleyAutomatic").
#[expect(
    clippy::too_many_arguments,
    reason = "one step of one pair, all needed"
)]
fn continuous(
    scene: &Scene,
    s: &ContactSample,
    bodies: &[Body],
    banks: &[Option<Bank>],
    noise: &mut std::collections::BTreeMap<(usize, usize), Noise>,
    force: &mut [Vec<f32>],
    at: usize,
    step_len: usize,
    len: usize,
) {
    let speed = s.slip.max(s.travel);
    let rolling = s.slip < 0.3 * s.travel;
    let normal_force = s.impulse * scene.physics_hz as f32;
    let roughness = 0.5 * (bodies[s.a].roughness + bodies[s.b].roughness);
    let amplitude =
        normal_force * roughness * speed.sqrt() * if rolling { 0.3 } else { 1.0 } / RATE as f32;
    let cutoff =
        (speed / ROUGHNESS_WAVELENGTH * if rolling { 0.5 } else { 1.0 }).clamp(100.0, 8000.0);
    let a = (-2.0 * std::f32::consts::PI * cutoff / RATE as f32).exp();
    let source = noise
        .entry((s.a, s.b))
        .or_insert_with(|| Noise::new(scene.seed, &format!("sound/contact/{}/{}", s.a, s.b)));
    let end = (at + step_len).min(len);
    let mut chunk = Vec::with_capacity(end.saturating_sub(at));
    for _ in at..end {
        source.lowpass = a * source.lowpass + (1.0 - a) * source.gaussian();
        chunk.push(amplitude * source.lowpass);
    }
    for e in [s.a, s.b] {
        if banks[e].is_none() {
            continue;
        }
        let f = &mut force[e];
        if f.is_empty() {
            f.resize(len, 0.0);
        }
        for (k, v) in chunk.iter().enumerate() {
            f[at + k] += v;
        }
    }
}

/// A fast deterministic noise source (SplitMix64, Steele, Lea & Flood 2014), seeded from
/// the scene's seed and a label, with a one-pole low-pass state.
struct Noise {
    state: u64,
    lowpass: f32,
}

impl Noise {
    fn new(seed: u64, label: &str) -> Self {
        Self {
            state: SeededRng::new(seed, label).next_u64(),
            lowpass: 0.0,
        }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Approximately unit-variance noise (sum of four uniforms, centered and scaled).
    fn gaussian(&mut self) -> f32 {
        let mut s = 0.0f32;
        for _ in 0..4 {
            s += (self.next() >> 40) as f32 / (1u64 << 24) as f32;
        }
        (s - 2.0) * 3.0f32.sqrt()
    }
}

/// The listener's position and rotation at time `t`: the scene's fixed listener, or the
/// camera of the frame showing `t`.
fn listener(scene: &Scene, cameras: &[CameraFrame], t: f64) -> (Vec3, Quat) {
    if let Some((at, look)) = scene.sound.listener {
        return (at, crate::camera::look_rotation(at, look));
    }
    let k = ((t * f64::from(scene.fps)).floor() as usize).min(cameras.len().saturating_sub(1));
    cameras.get(k).map_or((Vec3::ZERO, Quat::IDENTITY), |c| {
        (c.pose.translation, c.pose.rotation)
    })
}

/// Entity `e`'s position at `t`, linear between frames.
fn entity_position(traj: &Trajectory, e: usize, t: f64, fps: u32) -> Vec3 {
    let f = t * f64::from(fps);
    let k = (f.floor() as usize).min(traj.frames.len().saturating_sub(1));
    let next = (k + 1).min(traj.frames.len().saturating_sub(1));
    let w = (f - k as f64).clamp(0.0, 1.0) as f32;
    let p = |i: usize| {
        traj.frames
            .get(i)
            .and_then(|fr| fr.poses.get(e))
            .map(|p| p.translation)
    };
    match (p(k), p(next)) {
        (Some(a), Some(b)) => a.lerp(b, w),
        (Some(a), None) => a,
        _ => Vec3::ZERO,
    }
}

#[cfg(test)]
mod tests;
