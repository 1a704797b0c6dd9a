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

/// Every pattern, in the order of [`kind`]'s numbers.
pub const ALL: [Pattern; 6] = [
    Pattern::Wood,
    Pattern::Marble,
    Pattern::BrushedMetal,
    Pattern::Concrete,
    Pattern::Rubber,
    Pattern::Fabric,
];

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

    /// Inputs and the reference tracer's results from before the move (its
    /// `reference::material::surface`, computed with that code and checked bit for bit
    /// against this module at 300 000 seeded points): local, offset, scale, base,
    /// roughness -> base and roughness as f32 bits.
    #[expect(clippy::type_complexity, reason = "a literal table")]
    const BEFORE_THE_MOVE: [(
        Pattern,
        [f32; 3],
        [f32; 3],
        f32,
        [f32; 3],
        f32,
        [u32; 3],
        u32,
    ); 24] = [
        (
            Pattern::Wood,
            [0.4548749, -0.7619186, -0.83197147],
            [30.273932, 30.74686, -0.37099215],
            1.5524831,
            [0.5360036, 0.71374464, 0.038020812],
            0.1409056,
            [0x3ec0391e, 0x3efff711, 0x3cda297e],
            0x3e6f2fdd,
        ),
        (
            Pattern::Marble,
            [0.6538499, 0.6918916, -0.5212314],
            [30.87291, 24.55536, 7.8580847],
            0.6584022,
            [0.8873802, 0.3215193, 0.70233333],
            0.7104935,
            [0x3f5dd3e6, 0x3ea0bf41, 0x3f2f91d3],
            0x3f35e2e7,
        ),
        (
            Pattern::BrushedMetal,
            [0.017330658, -0.5780588, -0.56411177],
            [39.860115, -8.981851, -48.588116],
            1.6851219,
            [0.5865639, 0.564405, 0.51136345],
            0.5114669,
            [0x3f1662ce, 0x3f10b46b, 0x3f031b10],
            0x3f06795a,
        ),
        (
            Pattern::Concrete,
            [0.3458803, 0.5794036, 0.8358684],
            [-24.362066, -3.7804544, -41.616276],
            1.0716938,
            [0.29641113, 0.4686492, 0.3487174],
            0.32313704,
            [0x3e94d9ee, 0x3eeb5876, 0x3eaf1e4e],
            0x3ea57238,
        ),
        (
            Pattern::Rubber,
            [-0.55219823, -0.6066624, 0.23164488],
            [45.94638, -43.440067, 10.514532],
            1.1921918,
            [0.48396134, 0.95464635, 0.35397562],
            0.12876967,
            [0x3ef94854, 0x3f75dd01, 0x3eb65418],
            0x3e14468c,
        ),
        (
            Pattern::Fabric,
            [0.9809458, -0.7695126, -0.6568886],
            [-44.33639, 9.477815, 43.581646],
            1.0318079,
            [0.4786684, 0.24017836, 0.92094153],
            0.7108085,
            [0x3ee627d2, 0x3e66f7a3, 0x3f5d67db],
            0x3f400000,
        ),
        (
            Pattern::Wood,
            [0.43168598, -0.098785974, -0.83258575],
            [43.42563, -28.88443, 47.918926],
            1.5871207,
            [0.87420475, 0.49379125, 0.04531488],
            0.6216731,
            [0x3f622a2a, 0x3eff7f1e, 0x3d3b92ed],
            0x3f1f25f8,
        ),
        (
            Pattern::Marble,
            [0.27491832, 0.4189965, 0.4939325],
            [29.345572, -49.575417, 45.316177],
            1.2009933,
            [0.66600716, 0.7284172, 0.34290713],
            0.4225148,
            [0x3f238bd7, 0x3f32df2f, 0x3ea868fe],
            0x3ed853dc,
        ),
        (
            Pattern::BrushedMetal,
            [0.9686668, -0.68179005, -0.030277083],
            [-7.1686516, 2.7720766, 48.166546],
            1.0097823,
            [0.8805361, 0.7243174, 0.6474582],
            0.81456643,
            [0x3f636c4d, 0x3f3b1341, 0x3f273964],
            0x3f556abf,
        ),
        (
            Pattern::Concrete,
            [-0.8082443, 0.29227147, 0.39412937],
            [-37.262947, -35.133347, 25.662146],
            0.57776505,
            [0.6439491, 0.9020013, 0.1237855],
            0.1405718,
            [0x3f2185c6, 0x3f624007, 0x3df864e8],
            0x3e0ff20e,
        ),
        (
            Pattern::Rubber,
            [0.06726084, -0.8083306, -0.8199381],
            [16.107227, -3.616641, -31.356384],
            0.6859448,
            [0.061323646, 0.17280759, 0.65636086],
            0.79860467,
            [0x3d79426b, 0x3e2f99cd, 0x3f26be15],
            0x3f4d0b30,
        ),
        (
            Pattern::Fabric,
            [-0.97688746, 0.9275631, -0.9635104],
            [43.5101, -25.581182, -0.50194246],
            0.53924716,
            [0.21343608, 0.78213394, 0.70172876],
            0.88274246,
            [0x3e5c30ee, 0x3f49b8d1, 0x3f34fc05],
            0x3f61fb69,
        ),
        (
            Pattern::Wood,
            [-0.77196467, -0.8389294, -0.38514912],
            [15.356108, 28.59516, 0.10219127],
            0.8870144,
            [0.76251954, 0.15397035, 0.91513705],
            0.25037265,
            [0x3f1a9e77, 0x3df9c4ee, 0x3f3990db],
            0x3e9c253f,
        ),
        (
            Pattern::Marble,
            [-0.19784099, -0.29698017, -0.89416355],
            [43.530727, -11.090295, 43.65454],
            1.7160063,
            [0.42939156, 0.6765406, 0.453127],
            0.2683006,
            [0x3eda06d0, 0x3f2bc257, 0x3ee61415],
            0x3e895eb2,
        ),
        (
            Pattern::BrushedMetal,
            [0.016324213, -0.5558364, 0.8942721],
            [38.677517, -4.8791423, 2.1178367],
            1.3346361,
            [0.49349752, 0.91567534, 0.3225723],
            0.34188238,
            [0x3efe19d4, 0x3f6bbd5d, 0x3ea61782],
            0x3eb6871a,
        ),
        (
            Pattern::Concrete,
            [-0.04616528, 0.80063015, 0.73096836],
            [-39.88494, -24.101425, 4.0377955],
            0.7877729,
            [0.03426372, 0.43817335, 0.5312549],
            0.48920932,
            [0x3d088d02, 0x3eda47ea, 0x3f045344],
            0x3efa79a5,
        ),
        (
            Pattern::Rubber,
            [-0.34930068, 0.2434247, -0.76505774],
            [-33.88117, -35.65919, 17.446085],
            1.7807468,
            [0.90735215, 0.23744036, 0.75750047],
            0.4535369,
            [0x3f69e4d9, 0x3e74d378, 0x3f434406],
            0x3ef0e234,
        ),
        (
            Pattern::Fabric,
            [-0.05525283, -0.003974959, -0.8614664],
            [-46.400833, -44.53344, 36.580772],
            1.3212956,
            [0.7468464, 0.33201832, 0.47359127],
            0.8204985,
            [0x3f19dd7c, 0x3e88ce02, 0x3ec3236e],
            0x3f520c31,
        ),
        (
            Pattern::Wood,
            [-0.7291513, -0.520597, 0.12250033],
            [-40.170654, 48.94321, -42.002808],
            0.826423,
            [0.17979394, 0.042658925, 0.07458561],
            0.5085902,
            [0x3e3cd6ab, 0x3d333838, 0x3d9cace3],
            0x3f0232f8,
        ),
        (
            Pattern::Marble,
            [0.8250181, 0.68069553, -0.6735741],
            [-38.63944, 3.6360703, 23.896141],
            1.9609505,
            [0.6651908, 0.05885698, 0.9027477],
            0.69251764,
            [0x3f221f4d, 0x3d658449, 0x3f5c0534],
            0x3f3148d6,
        ),
        (
            Pattern::BrushedMetal,
            [-0.5141257, 0.092738576, -0.6063495],
            [-32.40877, -16.540854, -23.003328],
            1.1882138,
            [0.42522782, 0.7556592, 0.15660807],
            0.07200698,
            [0x3ed65405, 0x3f3e7022, 0x3e1ddeec],
            0x3d92831e,
        ),
        (
            Pattern::Concrete,
            [0.6877907, -0.23783138, 0.6382579],
            [8.5976305, -21.308247, 49.169895],
            1.5995903,
            [0.03962171, 0.025181685, 0.35496944],
            0.07407288,
            [0x3d195b25, 0x3cc2ee83, 0x3eabbd27],
            0x3d97b386,
        ),
        (
            Pattern::Rubber,
            [-0.6571576, 0.28782257, -0.5578768],
            [-28.679625, 39.985916, -49.707268],
            0.5032306,
            [0.4633788, 0.5658306, 0.38332888],
            0.6745515,
            [0x3eea5e7c, 0x3f0f17fe, 0x3ec1e197],
            0x3f2c22fc,
        ),
        (
            Pattern::Fabric,
            [-0.5282086, -0.63928753, 0.87065625],
            [36.895695, 31.292728, -14.799271],
            1.5852078,
            [0.43263268, 0.64070857, 0.73222345],
            0.55675477,
            [0x3ed60911, 0x3f1e7cf9, 0x3f35202b],
            0x3f400000,
        ),
    ];

    #[test]
    fn surface_is_bit_for_bit_the_reference_tracers_code_before_the_move() {
        for (i, (p, local, off, scale, base, rough, want_base, want_rough)) in
            BEFORE_THE_MOVE.iter().enumerate()
        {
            let (b, r) = surface(
                *p,
                Vec3::from(*local),
                Vec3::from(*off),
                *scale,
                Vec3::from(*base),
                *rough,
            );
            assert_eq!(
                (b.to_array().map(f32::to_bits), r.to_bits()),
                (*want_base, *want_rough),
                "row {i} ({p:?})"
            );
        }
    }

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
