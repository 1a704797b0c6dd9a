//! Image-based lighting for the raster, prepared once per render on the CPU from the
//! world's radiance map ([`crate::world::EnvMap`], equirectangular, linear RGB in light
//! units; conventions in [`crate::world`]):
//!
//! - **diffuse**: the 9 spherical-harmonic coefficients of the map's radiance (bands 0–2),
//!   projected with per-texel solid angles, from which irradiance follows in closed form
//!   (Ramamoorthi & Hanrahan 2001, "An Efficient Representation for Irradiance
//!   Environment Maps", eq. 13). Directions are world space (+Y up); the basis is the
//!   real SH basis in world `x, y, z`.
//! - **specular**: a prefiltered equirectangular mip chain, level `i` of
//!   [`PREFILTER_LEVELS`] convolved with GGX for perceptual roughness
//!   `i / (PREFILTER_LEVELS − 1)` under Karis' `n = v = r` assumption, importance-sampled
//!   with filtered lookups into a box pyramid of the map (Karis 2013, "Real Shading in
//!   Unreal Engine 4"; the filtered sampling is Colbert & Křivánek 2007, "GPU-Based
//!   Importance Sampling", GPU Gems 3 ch. 20), and the split-sum BRDF table: for
//!   `(n·v, roughness)` the scale `A` and bias `B` with which `F0·A + B` is the
//!   directional albedo of the GGX lobe (same paper), computed with the height-correlated
//!   Smith visibility the direct lights use.
//! - **fog**: the transmittance of [`crate::world::Fog`]'s exponential height fog in
//!   closed form, the same formula the shader evaluates.

use std::f32::consts::{PI, TAU};

use glam::{Vec2, Vec3};

use crate::world::{EnvMap, Fog};

/// Levels of the prefiltered specular chain (roughness 0, 0.2, …, 1).
pub const PREFILTER_LEVELS: u32 = 6;
/// Width of level 0 of the prefiltered chain (height is half): 128 × 64, ≈ 2.8° a texel.
pub const PREFILTER_WIDTH: u32 = 128;
/// Side of the split-sum BRDF table, texels.
pub const BRDF_LUT_SIZE: u32 = 32;
/// GGX samples per prefiltered texel.
const PREFILTER_SAMPLES: u32 = 128;
/// Samples per BRDF table texel.
const LUT_SAMPLES: u32 = 128;

/// The real spherical-harmonic basis of bands 0–2 at unit direction `d`, in the order
/// `Y00, Y1−1 (y), Y10 (z), Y11 (x), Y2−2 (xy), Y2−1 (yz), Y20, Y21 (xz), Y22`.
pub fn sh_basis(d: Vec3) -> [f32; 9] {
    let (x, y, z) = (d.x, d.y, d.z);
    [
        0.282_095,
        0.488_603 * y,
        0.488_603 * z,
        0.488_603 * x,
        1.092_548 * x * y,
        1.092_548 * y * z,
        0.315_392 * (3.0 * z * z - 1.0),
        1.092_548 * x * z,
        0.546_274 * (x * x - y * y),
    ]
}

/// The 9 SH coefficients of the map's radiance: `L_lm = Σ L(d) Y_lm(d) dω` over texels.
pub fn project_sh(map: &EnvMap) -> [Vec3; 9] {
    let mut sh = [Vec3::ZERO; 9];
    for y in 0..map.height {
        let w = map.texel_solid_angle(y);
        let v = (y as f32 + 0.5) / map.height as f32;
        for x in 0..map.width {
            let u = (x as f32 + 0.5) / map.width as f32;
            let basis = sh_basis(EnvMap::direction(u, v));
            let l = map.texel(i64::from(x), i64::from(y)) * w;
            for (c, b) in sh.iter_mut().zip(basis) {
                *c += l * b;
            }
        }
    }
    sh
}

/// Irradiance on a surface with unit normal `n` from SH radiance coefficients
/// (Ramamoorthi & Hanrahan 2001, eq. 13). A constant radiance `L` gives `π L`.
pub fn irradiance(sh: &[Vec3; 9], n: Vec3) -> Vec3 {
    const C1: f32 = 0.429_043;
    const C2: f32 = 0.511_664;
    const C3: f32 = 0.743_125;
    const C4: f32 = 0.886_227;
    const C5: f32 = 0.247_708;
    let (x, y, z) = (n.x, n.y, n.z);
    C1 * sh[8] * (x * x - y * y) + C3 * sh[6] * z * z + C4 * sh[0] - C5 * sh[6]
        + 2.0 * C1 * (sh[4] * x * y + sh[7] * x * z + sh[5] * y * z)
        + 2.0 * C2 * (sh[3] * x + sh[1] * y + sh[2] * z)
}

/// The `i`-th of `n` points of the Hammersley set in `[0, 1)²`.
fn hammersley(i: u32, n: u32) -> Vec2 {
    Vec2::new(
        (i as f32 + 0.5) / n as f32,
        i.reverse_bits() as f32 * (1.0 / 4_294_967_296.0),
    )
}

/// A GGX half vector (α = roughness²) around `n` for sample point `xi`, and its `n·h`.
fn ggx_half(xi: Vec2, alpha: f32, n: Vec3) -> (Vec3, f32) {
    let a2 = alpha * alpha;
    let phi = TAU * xi.x;
    let cos_t = ((1.0 - xi.y) / (1.0 + (a2 - 1.0) * xi.y)).max(0.0).sqrt();
    let sin_t = (1.0 - cos_t * cos_t).max(0.0).sqrt();
    let (t, b) = n.any_orthonormal_pair();
    let h = t * (sin_t * phi.cos()) + b * (sin_t * phi.sin()) + n * cos_t;
    (h.normalize(), cos_t)
}

/// The GGX distribution (Walter et al. 2007), as in the shader.
fn d_ggx(n_h: f32, alpha: f32) -> f32 {
    let a2 = alpha * alpha;
    let d = n_h * n_h * (a2 - 1.0) + 1.0;
    a2 / (PI * d * d).max(1e-12)
}

/// Height-correlated Smith visibility `G / (4 n·v n·l)` (Heitz 2014), as in the shader.
fn v_smith(n_v: f32, n_l: f32, alpha: f32) -> f32 {
    let a2 = alpha * alpha;
    let gv = n_l * (n_v * n_v * (1.0 - a2) + a2).sqrt();
    let gl = n_v * (n_l * n_l * (1.0 - a2) + a2).sqrt();
    0.5 / (gv + gl).max(1e-5)
}

/// The roughness the shader clamps to (a perfect mirror has no lobe to sample).
fn alpha_of(roughness: f32) -> f32 {
    (roughness * roughness).max(0.002)
}

/// `map` resampled to `width × height`: each target texel the mean of the source texels
/// whose centers fall in it (a bilinear lookup where the source is coarser).
pub fn resample(map: &EnvMap, width: u32, height: u32) -> EnvMap {
    if map.width == width && map.height == height {
        return map.clone();
    }
    if map.width < width || map.height < height {
        return EnvMap::from_fn(width, height, |d| map.lookup(d));
    }
    let mut texels = Vec::with_capacity(width as usize * height as usize);
    let (sx, sy) = (
        map.width as f32 / width as f32,
        map.height as f32 / height as f32,
    );
    for y in 0..height {
        let (y0, y1) = ((y as f32 * sy) as i64, ((y + 1) as f32 * sy).ceil() as i64);
        for x in 0..width {
            let (x0, x1) = ((x as f32 * sx) as i64, ((x + 1) as f32 * sx).ceil() as i64);
            let (mut sum, mut n) = (Vec3::ZERO, 0.0);
            for yy in y0..y1.max(y0 + 1) {
                for xx in x0..x1.max(x0 + 1) {
                    sum += map.texel(xx, yy);
                    n += 1.0;
                }
            }
            texels.push(sum / n);
        }
    }
    EnvMap {
        width,
        height,
        texels,
    }
}

/// A box pyramid of `map` from `width × width/2` down to 2 × 1.
fn pyramid(map: &EnvMap, width: u32) -> Vec<EnvMap> {
    let mut levels = vec![resample(map, width, width / 2)];
    while let Some(last) = levels.last() {
        if last.height <= 1 {
            break;
        }
        let (w, h) = (last.width / 2, last.height / 2);
        let mut texels = Vec::with_capacity(w as usize * h as usize);
        for y in 0..i64::from(h) {
            for x in 0..i64::from(w) {
                let s = last.texel(2 * x, 2 * y)
                    + last.texel(2 * x + 1, 2 * y)
                    + last.texel(2 * x, 2 * y + 1)
                    + last.texel(2 * x + 1, 2 * y + 1);
                texels.push(s * 0.25);
            }
        }
        levels.push(EnvMap {
            width: w,
            height: h,
            texels,
        });
    }
    levels
}

/// Trilinear lookup in a pyramid at fractional level `lod`.
fn pyramid_lookup(levels: &[EnvMap], d: Vec3, lod: f32) -> Vec3 {
    let top = (levels.len() - 1) as f32;
    let lod = lod.clamp(0.0, top);
    let l0 = lod.floor();
    let a = levels[l0 as usize].lookup(d);
    let t = lod - l0;
    if t <= 0.0 {
        return a;
    }
    a.lerp(levels[(l0 as usize + 1).min(levels.len() - 1)].lookup(d), t)
}

/// The prefiltered specular chain of `map`: [`PREFILTER_LEVELS`] maps, level `i` of
/// `PREFILTER_WIDTH >> i` columns, for roughness `i / (PREFILTER_LEVELS − 1)`.
pub fn prefilter(map: &EnvMap) -> Vec<EnvMap> {
    let source = pyramid(map, PREFILTER_WIDTH * 2);
    let base_texel = 4.0 * PI / (source[0].width * source[0].height) as f32;
    (0..PREFILTER_LEVELS)
        .map(|i| {
            let w = PREFILTER_WIDTH >> i;
            if i == 0 {
                return resample(&source[0], w, w / 2);
            }
            let rough = i as f32 / (PREFILTER_LEVELS - 1) as f32;
            let alpha = alpha_of(rough);
            EnvMap::from_fn(w, w / 2, |n| {
                let (mut sum, mut weight) = (Vec3::ZERO, 0.0);
                for s in 0..PREFILTER_SAMPLES {
                    let (h, n_h) = ggx_half(hammersley(s, PREFILTER_SAMPLES), alpha, n);
                    let l = (2.0 * n.dot(h) * h - n).normalize_or_zero();
                    let n_l = n.dot(l);
                    if n_l <= 0.0 {
                        continue;
                    }
                    // pdf of l with n = v: D(h) (n·h) / (4 v·h) = D / 4.
                    let pdf = d_ggx(n_h, alpha) * 0.25;
                    let omega_s = 1.0 / (PREFILTER_SAMPLES as f32 * pdf.max(1e-6));
                    let lod = 0.5 * (omega_s / base_texel).log2() + 1.0;
                    sum += pyramid_lookup(&source, l, lod) * n_l;
                    weight += n_l;
                }
                if weight > 0.0 {
                    sum / weight
                } else {
                    map.lookup(n)
                }
            })
        })
        .collect()
}

/// The split-sum BRDF table, [`BRDF_LUT_SIZE`]², row-major: column `x` is `n·v` at
/// `(x + 0.5) / size`, row `y` the perceptual roughness at `(y + 0.5) / size`; each
/// entry `(A, B)` with `∫ f cos = F0·A + B` for Schlick's Fresnel.
pub fn brdf_lut() -> Vec<Vec2> {
    let size = BRDF_LUT_SIZE;
    let mut out = Vec::with_capacity((size * size) as usize);
    for y in 0..size {
        let rough = (y as f32 + 0.5) / size as f32;
        let alpha = alpha_of(rough);
        for x in 0..size {
            let n_v = (x as f32 + 0.5) / size as f32;
            out.push(split_sum(n_v, alpha));
        }
    }
    out
}

/// `(A, B)` of the split sum at `n·v` and GGX `alpha`.
fn split_sum(n_v: f32, alpha: f32) -> Vec2 {
    let n = Vec3::Z;
    let v = Vec3::new((1.0 - n_v * n_v).max(0.0).sqrt(), 0.0, n_v);
    let (mut a, mut b) = (0.0, 0.0);
    for s in 0..LUT_SAMPLES {
        let (h, n_h) = ggx_half(hammersley(s, LUT_SAMPLES), alpha, n);
        let v_h = v.dot(h);
        let l = 2.0 * v_h * h - v;
        let n_l = l.z;
        if n_l <= 0.0 || v_h <= 0.0 {
            continue;
        }
        // f cos / pdf with pdf = D n·h / (4 v·h) and f = F D V.
        let w = v_smith(n_v, n_l, alpha) * n_l * 4.0 * v_h / n_h.max(1e-6);
        let fc = (1.0 - v_h).powi(5);
        a += (1.0 - fc) * w;
        b += fc * w;
    }
    Vec2::new(a, b) / LUT_SAMPLES as f32
}

/// What the fog does to radiance `c` seen at `dist` m along unit `dir` from `origin`
/// (`f32::INFINITY` for the sky): [`Fog::apply`] with [`Fog::optical_depth`] (or
/// [`Fog::optical_depth_ray`] to infinity), the closed form the shader evaluates too.
pub fn fog_apply(fog: &Fog, fog_color: Vec3, origin: Vec3, dir: Vec3, dist: f32, c: Vec3) -> Vec3 {
    let tau = if dist.is_infinite() {
        fog.optical_depth_ray(origin, dir)
    } else {
        fog.optical_depth(origin, origin + dir * dist)
    };
    fog.apply(c, fog_color, tau)
}

/// Columns of the probe's visibility map (rows half as many): 2.8° per texel.
const PROBE_WIDTH: u32 = 128;

/// The environment as a light probe at the scene's center sees it (a baked irradiance
/// probe, as real-time renderers place them; e.g. Greger et al. 1998, "The Irradiance
/// Volume"): directions in which a ray from the probe hits the scene's fixed, non-ground
/// geometry at its first pose (walls, a ceiling, a table) see that surface instead,
/// approximated as its base color times the visible environment's radiance averaged over
/// the whole sphere (one diffuse bounce, as if those surfaces saw what the probe sees). Without such geometry the map comes back resampled
/// but unchanged. The probe stands at the mean initial position of the dynamic bodies
/// (the camera's position when there are none), lifted 1 cm. Image-based lighting is
/// otherwise unshadowed: this keeps a room's walls from letting the whole sky in.
pub fn probe(env: &EnvMap, scene: &crate::scene::Scene) -> EnvMap {
    use crate::scene::{BodyKind, Shape};
    use rapier3d::parry::query::Ray;
    let mut blockers = Vec::new();
    for e in &scene.entities {
        let Some(shape) = &e.shape else { continue };
        if matches!(shape, Shape::Ground) {
            continue;
        }
        let fixed = e
            .body
            .and_then(|b| scene.bodies.get(b))
            .is_some_and(|b| matches!(b.kind, BodyKind::Fixed));
        if !fixed {
            continue;
        }
        if let Ok(parry) = shape.to_parry() {
            let albedo = scene
                .materials
                .get(e.material)
                .map_or(Vec3::splat(0.5), |m| Vec3::from(m.color));
            blockers.push((parry, e.world, albedo));
        }
    }
    let full = resample(env, PROBE_WIDTH, PROBE_WIDTH / 2);
    if blockers.is_empty() {
        return full;
    }
    let dynamic: Vec<Vec3> = scene
        .bodies
        .iter()
        .filter(|b| matches!(b.kind, BodyKind::Dynamic { .. }))
        .filter_map(|b| scene.entities.get(b.entity).map(|e| e.world.translation))
        .collect();
    let at = if dynamic.is_empty() {
        scene.camera.keys.first().map_or(Vec3::ZERO, |k| k.at)
    } else {
        dynamic.iter().copied().sum::<Vec3>() / dynamic.len() as f32
    } + Vec3::Y * 0.01;
    // Which surface (if any) each texel's direction meets first.
    let mut hit: Vec<Option<Vec3>> = Vec::with_capacity(full.texels.len());
    let mut visible = Vec3::ZERO;
    for y in 0..full.height {
        let w = full.texel_solid_angle(y);
        for x in 0..full.width {
            let d = EnvMap::direction(
                (x as f32 + 0.5) / full.width as f32,
                (y as f32 + 0.5) / full.height as f32,
            );
            let mut best: Option<(f32, Vec3)> = None;
            for (shape, pose, albedo) in &blockers {
                let inv = pose.rotation.conjugate();
                let ray = Ray::new(inv * (at - pose.translation), inv * d);
                let limit = best.map_or(f32::MAX, |b| b.0);
                if let Some(t) = shape.cast_local_ray(&ray, limit, true)
                    && t > 0.0
                    && t < limit
                {
                    best = Some((t, *albedo));
                }
            }
            let here = full.texel(i64::from(x), i64::from(y));
            match best {
                Some((_, albedo)) => hit.push(Some(albedo)),
                None => {
                    visible += here * w;
                    hit.push(None);
                }
            }
        }
    }
    // The surfaces are lit by the part of the world the probe sees: their radiance is
    // the albedo times the visible radiance averaged over the whole sphere (a room with a
    // small window is dim inside; a table top in the open is lit by half the sky).
    let mean = visible / (4.0 * PI);
    let texels = full
        .texels
        .iter()
        .zip(hit)
        .map(|(t, h)| h.map_or(*t, |albedo| albedo * mean))
        .collect();
    EnvMap { texels, ..full }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sh_of_a_constant_map_gives_pi_l_irradiance() {
        let l = Vec3::new(0.7, 1.3, 2.0);
        let map = EnvMap::from_fn(64, 32, |_| l);
        let sh = project_sh(&map);
        for n in [
            Vec3::Y,
            Vec3::NEG_Y,
            Vec3::X,
            Vec3::new(0.3, -0.5, 0.8).normalize(),
        ] {
            let e = irradiance(&sh, n);
            let want = l * PI;
            let err = ((e - want) / want).abs().max_element();
            assert!(err < 0.005, "{n}: {e} vs {want} ({err})");
        }
    }

    #[test]
    fn sh_irradiance_of_a_hemisphere_matches_the_cosine_integral() {
        // Sky 1 above, 0 below: E(up) = π, E(down) = 0, E(horizontal) = π/2.
        let map = EnvMap::from_fn(128, 64, |d| if d.y > 0.0 { Vec3::ONE } else { Vec3::ZERO });
        let sh = project_sh(&map);
        let up = irradiance(&sh, Vec3::Y).x;
        let side = irradiance(&sh, Vec3::X).x;
        // Three bands hold the clamped cosine to within ~10 % (Ramamoorthi & Hanrahan).
        assert!((up - PI).abs() < 0.1 * PI, "{up}");
        assert!((side - PI / 2.0).abs() < 0.02, "{side}");
    }

    #[test]
    fn prefiltering_keeps_a_constant_map_constant_and_blurs_a_spot() {
        let l = Vec3::splat(2.0);
        let chain = prefilter(&EnvMap::from_fn(64, 32, |_| l));
        assert_eq!(chain.len(), PREFILTER_LEVELS as usize);
        for (i, m) in chain.iter().enumerate() {
            assert_eq!(m.width, PREFILTER_WIDTH >> i);
            for t in &m.texels {
                assert!((*t - l).abs().max_element() < 0.01, "level {i}: {t}");
            }
        }
        // A bright spot overhead spreads more the rougher the level.
        let spot = EnvMap::from_fn(256, 128, |d| {
            Vec3::splat(if d.y > 0.95 { 10.0 } else { 0.0 })
        });
        let chain = prefilter(&spot);
        let side = Vec3::new(0.0, 0.6, -0.8);
        let a = chain[1].lookup(side).x;
        let b = chain[5].lookup(side).x;
        assert!(b > a, "rougher level must reach further: {a} {b}");
    }

    #[test]
    fn the_brdf_table_is_bounded_and_matches_known_values() {
        let lut = brdf_lut();
        for ab in &lut {
            assert!(ab.x >= 0.0 && ab.y >= 0.0 && ab.x + ab.y <= 1.02, "{ab}");
        }
        // Smooth, head-on: A + B ≈ 1 (a mirror reflects everything), B ≈ 0.
        let s = BRDF_LUT_SIZE as usize;
        let smooth_head_on = lut[s - 1];
        assert!(
            smooth_head_on.x + smooth_head_on.y > 0.9,
            "{smooth_head_on}"
        );
        assert!(smooth_head_on.y < 0.02, "{smooth_head_on}");
        // Rough: energy lost to single scattering.
        let rough = lut[(s - 1) * s + s / 2];
        assert!(rough.x + rough.y < 0.9, "{rough}");
    }
}
