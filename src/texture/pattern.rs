//! Procedural patterns (`Pattern`): object-space detail that both renderers draw from one
//! definition, here in Rust and in `src/raster/patterns.wgsl` for the raster, kept equal
//! by a test (`src/raster/pattern_test.rs`, which runs the WGSL in a compute shader and
//! compares it with [`surface`]).
//!
//! Conventions: a pattern is a function of the object-space point `local` (m, in the
//! entity's own frame, so the pattern moves with the body), divided by the material's
//! `pattern_scale` (a scale of 2 makes every feature twice as large), and of a seeded
//! per-entity `offset` ([`offset`], m, within ±50 m) that shifts the noise lattice so
//! that two entities with the same material show different parts of the pattern. The
//! pattern multiplies the material's base color (linear RGB) and adjusts its perceptual
//! roughness; the result is clamped to `[0, 1]`. Feature sizes below are at scale 1.
//!
//! The noise is hashed value noise on the integer lattice of the (scaled, offset) point:
//! [`hash`] is Chris Wellons' "lowbias32" integer finalizer (2018), [`noise`] blends the
//! eight corner values with Perlin's quintic fade (Perlin 2002, "Improving Noise") and
//! [`fbm`] sums octaves at a lacunarity of 2.03 with gains of 1/2 (fractional Brownian
//! motion, Musgrave et al. 1989, "The Synthesis and Rendering of Eroded Fractal
//! Terrains"). Everything is f32 arithmetic in a fixed order so that the WGSL port can
//! repeat it: wrapping u32 multiplies, `floor` then a cast to i32, and `fract` only of
//! non-negative values (where Rust's `x - trunc(x)` and WGSL's `x - floor(x)` agree).

use std::f32::consts::PI;

use glam::Vec3;

use crate::rng::SeededRng;
use crate::scene::Pattern;

/// The seeded offset of an entity's pattern in object space, m: two entities with the
/// same patterned material show different parts of the pattern.
pub fn offset(seed: u64, entity: &str) -> Vec3 {
    let mut rng = SeededRng::new(seed, &format!("reference-pattern/{entity}"));
    Vec3::new(
        rng.symmetric(50.0),
        rng.symmetric(50.0),
        rng.symmetric(50.0),
    )
}

/// The raster's number for a pattern, as `patterns.wgsl`'s `pattern_surface` takes it:
/// 0 no pattern, then 1 [`Pattern::Wood`], 2 [`Pattern::Marble`], 3
/// [`Pattern::BrushedMetal`], 4 [`Pattern::Concrete`], 5 [`Pattern::Rubber`], 6
/// [`Pattern::Fabric`].
pub fn kind(pattern: Option<Pattern>) -> u32 {
    match pattern {
        None => 0,
        Some(Pattern::Wood) => 1,
        Some(Pattern::Marble) => 2,
        Some(Pattern::BrushedMetal) => 3,
        Some(Pattern::Concrete) => 4,
        Some(Pattern::Rubber) => 5,
        Some(Pattern::Fabric) => 6,
    }
}

/// A 32-bit integer hash (the "lowbias32" finalizer, Chris Wellons 2018, "Prospecting
/// for Hash Functions").
pub fn hash(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^ (x >> 16)
}

/// The value in `[0, 1]` at an integer lattice point.
fn lattice(x: i32, y: i32, z: i32) -> f32 {
    let h = hash((x as u32) ^ hash((y as u32) ^ hash(z as u32)));
    h as f32 * (1.0 / u32::MAX as f32)
}

/// Value noise in `[0, 1]` with one feature per unit cell of `p`: hashed lattice values
/// blended with Perlin's quintic fade (Perlin 2002, "Improving Noise").
pub fn noise(p: Vec3) -> f32 {
    let f = p.floor();
    let (x, y, z) = (f.x as i32, f.y as i32, f.z as i32);
    let t = p - f;
    let s = t * t * t * (t * (t * 6.0 - 15.0) + 10.0);
    let lerp = |a: f32, b: f32, s: f32| a + (b - a) * s;
    let mut c = [0.0f32; 8];
    for (i, v) in c.iter_mut().enumerate() {
        let (dx, dy, dz) = ((i & 1) as i32, ((i >> 1) & 1) as i32, ((i >> 2) & 1) as i32);
        *v = lattice(x + dx, y + dy, z + dz);
    }
    let x0 = lerp(lerp(c[0], c[1], s.x), lerp(c[2], c[3], s.x), s.y);
    let x1 = lerp(lerp(c[4], c[5], s.x), lerp(c[6], c[7], s.x), s.y);
    lerp(x0, x1, s.z)
}

/// Fractal sum of `octaves` noises, in `[0, 1]`: the first at `p`'s unit cells, each
/// next one 2.03 times finer at half the amplitude.
pub fn fbm(p: Vec3, octaves: u32) -> f32 {
    let (mut sum, mut amp, mut norm, mut q) = (0.0, 0.5, 0.0, p);
    for _ in 0..octaves {
        sum += amp * noise(q);
        norm += amp;
        amp *= 0.5;
        q *= 2.03;
    }
    sum / norm
}

/// Hermite step from 0 at `e0` to 1 at `e1`.
fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// The patterned base color (linear RGB, clamped to `[0, 1]`) and perceptual roughness
/// at object-space point `local` (m) of an object whose material has `pattern` at
/// `scale` (its `pattern_scale`; features grow with it), base color `base` and
/// roughness `roughness`, with the seeded pattern `offset` ([`offset`]).
///
/// What each pattern looks like, with its feature sizes at scale 1:
/// - [`Pattern::Wood`]: growth rings around an axis parallel to local Y (placed near the
///   origin by the seed), 22 mm apart (45 per meter), warped by turbulence with 33 cm
///   cells; the late wood of each ring is darker (down to ×0.70) and rougher (+0.1);
///   fibre streaks 5.6 mm across and 17 cm long along Y darken by up to 12 %.
/// - [`Pattern::Marble`]: thin dark veins (down to ×0.35) where
///   `sin(7 (x + 0.6 y + 0.3 z) + 7 fbm)` crosses zero: 0.37 m apart along the
///   direction (1, 0.6, 0.3) before a turbulent displacement by 5-octave noise with
///   0.6 m cells, over a cloud (×0.92 to ×1.04) with 20 cm cells. Roughness unchanged.
/// - [`Pattern::BrushedMetal`]: streaks along local X, 33 cm long and 1.1 mm across
///   (±6 % color, ±0.09 roughness, roughness kept within `[0.05, 1]`), with finer ones
///   8 cm long and 0.33 mm across (+6 %).
/// - [`Pattern::Concrete`]: mottling (×0.78 to ×1.18) with 11 cm cells and three finer
///   octaves down to 1.3 cm, and dark pores (×0.55, roughness +0.2) a few mm wide
///   where 6 mm noise cells peak.
/// - [`Pattern::Rubber`]: a faint speckle of 2.5 mm grains (×0.94 to ×1.04, roughness
///   ±0.05).
/// - [`Pattern::Fabric`]: a plain weave of warp and weft threads 2.8 mm apart, stacked
///   along the diagonals (1, 1, 0) and (0, -1, 1) (×0.7 to ×1.05), with 8 mm fuzz
///   (+10 %); matte (roughness at least 0.75). The weave ignores the offset.
pub fn surface(
    pattern: Pattern,
    local: Vec3,
    offset: Vec3,
    scale: f32,
    base: Vec3,
    roughness: f32,
) -> (Vec3, f32) {
    let (mut base, mut roughness) = (base, roughness);
    let q = local / scale;
    let n = q + offset;
    match pattern {
        Pattern::Wood => {
            // Rings around an axis parallel to local Y, off-center by the seed, warped.
            let c = Vec3::new(offset.x, 0.0, offset.z) * 0.004;
            let r = Vec3::new(q.x - c.x, 0.0, q.z - c.z).length();
            let ring = (r * 45.0 + 1.5 * fbm(n * 3.0, 3)).fract();
            let late = smoothstep(0.55, 0.95, ring);
            let fibre = noise(Vec3::new(n.x * 180.0, n.y * 6.0, n.z * 180.0));
            base *= 1.08 - 0.38 * late - 0.12 * fibre;
            roughness = (roughness + 0.1 * late).min(1.0);
        }
        Pattern::Marble => {
            let v = ((q.x + 0.6 * q.y + 0.3 * q.z) * 7.0 + 7.0 * fbm(n * 1.7, 5)).sin();
            let vein = 1.0 - smoothstep(0.0, 0.14, v.abs());
            let cloud = fbm(n * 5.0, 3);
            base = base * (0.92 + 0.12 * cloud) * (1.0 - 0.65 * vein);
        }
        Pattern::BrushedMetal => {
            let streak = noise(Vec3::new(n.x * 3.0, n.y * 900.0, n.z * 900.0));
            let fine = noise(Vec3::new(n.x * 12.0, n.y * 3000.0, n.z * 3000.0));
            base *= 0.9 + 0.12 * streak + 0.06 * fine;
            roughness = (roughness + 0.18 * (streak - 0.5)).clamp(0.05, 1.0);
        }
        Pattern::Concrete => {
            let mottle = fbm(n * 9.0, 4);
            let pore = smoothstep(0.78, 0.86, noise(n * 160.0));
            base = base * (0.78 + 0.4 * mottle) * (1.0 - 0.45 * pore);
            roughness = (roughness + 0.2 * pore).min(1.0);
        }
        Pattern::Rubber => {
            let grain = noise(n * 400.0);
            base *= 0.94 + 0.1 * grain;
            roughness = (roughness + 0.1 * (grain - 0.5)).clamp(0.0, 1.0);
        }
        Pattern::Fabric => {
            let k = 2.0 * PI * 250.0;
            let (u, v) = ((q.x + q.y) * k, (q.z - q.y) * k);
            let warp = 0.5 + 0.5 * u.sin() * (v * 0.5).cos().abs();
            let weft = 0.5 + 0.5 * v.sin() * (u * 0.5).cos().abs();
            let fuzz = noise(n * 120.0);
            base *= 0.7 + 0.25 * warp.max(weft) + 0.1 * fuzz;
            roughness = roughness.max(0.75);
        }
    }
    (base.clamp(Vec3::ZERO, Vec3::ONE), roughness)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Pattern; 6] = [
        Pattern::Wood,
        Pattern::Marble,
        Pattern::BrushedMetal,
        Pattern::Concrete,
        Pattern::Rubber,
        Pattern::Fabric,
    ];

    #[test]
    fn kinds_are_one_to_six_in_declaration_order_and_zero_for_none() {
        assert_eq!(kind(None), 0);
        let kinds: Vec<u32> = ALL.iter().map(|p| kind(Some(*p))).collect();
        assert_eq!(kinds, vec![1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn noise_and_fbm_stay_in_the_unit_interval() {
        let mut rng = SeededRng::new(1, "noise-range");
        for _ in 0..20_000 {
            let p = Vec3::new(rng.symmetric(1e4), rng.symmetric(1e4), rng.symmetric(1e4));
            let (n, f) = (noise(p), fbm(p, 5));
            assert!((0.0..=1.0).contains(&n), "noise({p}) = {n}");
            assert!((0.0..=1.0).contains(&f), "fbm({p}) = {f}");
        }
    }

    #[test]
    fn noise_is_continuous_across_lattice_cells() {
        // Value noise with a quintic fade is C2: across a cell face the value matches to
        // within float error.
        let mut rng = SeededRng::new(2, "noise-continuity");
        for _ in 0..1000 {
            let p = Vec3::new(
                rng.symmetric(100.0).round(),
                rng.symmetric(100.0),
                rng.symmetric(100.0),
            );
            let e = 1e-4;
            let (a, b) = (noise(p - Vec3::X * e), noise(p + Vec3::X * e));
            assert!((a - b).abs() < 1e-3, "jump at {p}: {a} vs {b}");
        }
    }

    #[test]
    fn surfaces_are_clamped_and_deterministic() {
        let mut rng = SeededRng::new(3, "surface-range");
        for i in 0..12_000 {
            let p = ALL[i % ALL.len()];
            let local = Vec3::new(rng.symmetric(2.0), rng.symmetric(2.0), rng.symmetric(2.0));
            let off = offset(rng.next_u64(), "e");
            let scale = rng.range(0.2, 5.0);
            let base = Vec3::new(
                rng.range(0.0, 1.0),
                rng.range(0.0, 1.0),
                rng.range(0.0, 1.0),
            );
            let rough = rng.range(0.0, 1.0);
            let (b, r) = surface(p, local, off, scale, base, rough);
            assert!(
                b.cmpge(Vec3::ZERO).all() && b.cmple(Vec3::ONE).all(),
                "{p:?}: {b}"
            );
            assert!((0.0..=1.0).contains(&r), "{p:?}: roughness {r}");
            let again = surface(p, local, off, scale, base, rough);
            assert_eq!(
                (b.to_array().map(f32::to_bits), r.to_bits()),
                (again.0.to_array().map(f32::to_bits), again.1.to_bits())
            );
        }
    }

    #[test]
    fn doubling_the_scale_doubles_every_feature() {
        // q = local / scale is exact for a power-of-two scale, so the pattern at 2x the
        // point with scale 2 is bit for bit the pattern at the point with scale 1.
        let mut rng = SeededRng::new(4, "surface-scale");
        for i in 0..600 {
            let p = ALL[i % ALL.len()];
            let local = Vec3::new(rng.symmetric(1.0), rng.symmetric(1.0), rng.symmetric(1.0));
            let off = offset(rng.next_u64(), "e");
            let base = Vec3::splat(0.6);
            assert_eq!(
                surface(p, local, off, 1.0, base, 0.4),
                surface(p, local * 2.0, off, 2.0, base, 0.4),
                "{p:?} at {local}"
            );
        }
    }

    #[test]
    fn every_pattern_varies_the_color() {
        let mut rng = SeededRng::new(5, "surface-varies");
        let off = offset(9, "e");
        for p in ALL {
            let (mut lo, mut hi) = (f32::INFINITY, 0.0f32);
            for _ in 0..500 {
                let local = Vec3::new(rng.symmetric(0.5), rng.symmetric(0.5), rng.symmetric(0.5));
                let (b, _) = surface(p, local, off, 1.0, Vec3::splat(0.5), 0.5);
                lo = lo.min(b.x);
                hi = hi.max(b.x);
            }
            assert!(hi - lo > 0.02, "{p:?} hardly varies: {lo}..{hi}");
        }
    }
}
