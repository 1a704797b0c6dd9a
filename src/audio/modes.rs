//! Modal analysis: every sounding entity becomes a bank of damped sinusoids from its
//! shape, size and material.
//!
//! - Spheres: Lamb's (1882) spheroidal modes of a free elastic sphere, found as roots of
//!   the frequency equation in spherical Bessel functions (the determinant form used e.g.
//!   by Saviot et al. for nanoparticle vibrations); degrees 2..=5 and the breathing mode.
//!   Checked against Lamb's tabulated `ω a / c_s = 2.640` (ν = 0.25, degree 2).
//! - Bars (a box, cylinder or capsule at least 3× longer than thick): free-free
//!   Euler–Bernoulli bending, `f_k = (β_k L)² / (2π L²) · √(E I / (ρ A))`, `β_k L` = 4.730,
//!   7.853, 10.996, 14.137, 17.279, in both bending planes, and the first longitudinal
//!   mode `c / 2L`.
//! - Plates (a box at least 3× wider than thick; a disc): Kirchhoff plates,
//!   `f = λ / (2π a²) · √(D / (ρ h))`, `D = E h³ / 12(1 − ν²)`, with Leissa's (1969)
//!   free square-plate λ (13.47, 19.60, 24.27, 34.80, 61.09; `a` the side, taken as
//!   `√(L W)` for a rectangle) and free circular-plate λ (5.253, 9.084, 12.23, 20.52; `a`
//!   the radius).
//! - Everything else (chunky boxes, cones, hulls, meshes): the sphere of equal volume, a
//!   documented approximation that keeps the scale law and the material's character.
//! - Ground planes and fixed triangle meshes: a 10 cm slab of 1 m span (plate modes), as
//!   the local floor under a strike.
//!
//! Every formula gives `f ∝ 1 / size` for a fixed shape and material, so twice the size
//! rings an octave lower. Damping is Rayleigh's: a mode at ω decays at `(α + β ω²) / 2`
//! per second (O'Brien, Shen & Gatchalian 2002).

use std::f32::consts::PI;

use crate::scene::{Acoustic, EntitySound, Shape};

/// One mode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mode {
    /// Angular frequency, rad/s.
    pub omega: f32,
    /// Decay rate of the amplitude, 1/s.
    pub decay: f32,
    /// Relative gain.
    pub gain: f32,
}

/// Highest mode kept, Hz (inaudible above; below the 48 kHz rate's Nyquist).
pub const MAX_HZ: f32 = 20_000.0;
/// Lowest mode kept, Hz.
pub const MIN_HZ: f32 = 20.0;

/// Shear and dilatational wave speeds, m/s.
fn speeds(a: &Acoustic, density: f32) -> (f32, f32) {
    let (e, nu) = (a.young_modulus, a.poisson);
    let cs = (e / (2.0 * (1.0 + nu) * density)).sqrt();
    let cp = (e * (1.0 - nu) / ((1.0 + nu) * (1.0 - 2.0 * nu) * density)).sqrt();
    (cs, cp)
}

/// Spherical Bessel function `j_n(x)` for `x >= 0.5` (upward recurrence, stable there for
/// the low degrees used here).
fn sph_j(n: usize, x: f64) -> f64 {
    let j0 = x.sin() / x;
    if n == 0 {
        return j0;
    }
    let (mut a, mut b) = (j0, x.sin() / (x * x) - x.cos() / x);
    for k in 1..n {
        let next = (2 * k + 1) as f64 / x * b - a;
        a = b;
        b = next;
    }
    b
}

/// Lamb's frequency equation for spheroidal modes of degree `n` at `η = ω a / c_s`
/// (`ratio = c_s / c_p`, so `ξ = ω a / c_p = η · ratio`). For `n = 0` only the radial
/// factor holds (the other factor's roots are not modes).
fn lamb(n: usize, eta: f64, ratio: f64) -> f64 {
    let xi = eta * ratio;
    let nf = n as f64;
    let a11 = (nf * nf - nf - eta * eta / 2.0) * sph_j(n, xi) + 2.0 * xi * sph_j(n + 1, xi);
    if n == 0 {
        return a11;
    }
    let a12 = nf * (nf + 1.0) * ((nf - 1.0) * sph_j(n, eta) - eta * sph_j(n + 1, eta));
    let a21 = (nf - 1.0) * sph_j(n, xi) - xi * sph_j(n + 1, xi);
    let a22 = (nf * nf - 1.0 - eta * eta / 2.0) * sph_j(n, eta) + eta * sph_j(n + 1, eta);
    a11 * a22 - a12 * a21
}

/// The first `count` roots `η = ω a / c_s` of Lamb's equation of degree `n`, scanning
/// `η` in [1, 20] and bisecting each sign change.
pub fn lamb_roots(n: usize, poisson: f32, count: usize) -> Vec<f64> {
    let nu = f64::from(poisson);
    let ratio = ((1.0 - 2.0 * nu) / (2.0 * (1.0 - nu))).sqrt();
    let mut roots = Vec::new();
    let step = 0.01;
    let mut lo = 1.0;
    let mut f_lo = lamb(n, lo, ratio);
    while lo < 20.0 && roots.len() < count {
        let hi = lo + step;
        let f_hi = lamb(n, hi, ratio);
        if (f_lo > 0.0) != (f_hi > 0.0) {
            let (mut a, mut b, fa) = (lo, hi, f_lo);
            for _ in 0..50 {
                let m = 0.5 * (a + b);
                if (lamb(n, m, ratio) > 0.0) == (fa > 0.0) {
                    a = m;
                } else {
                    b = m;
                }
            }
            roots.push(0.5 * (a + b));
        }
        lo = hi;
        f_lo = f_hi;
    }
    roots
}

/// The modes of a free sphere of radius `r`: (frequency Hz, gain).
fn sphere(r: f32, a: &Acoustic, density: f32) -> Vec<(f32, f32)> {
    let (cs, _) = speeds(a, density);
    let hz = |eta: f64| (eta as f32) * cs / (2.0 * PI * r);
    let mut out = Vec::new();
    // Degree 2 (the fundamental, two roots), then 3, 4, 5 and the breathing mode.
    for (n, count, gain) in [
        (2, 2, 1.0),
        (3, 1, 0.6),
        (4, 1, 0.45),
        (5, 1, 0.35),
        (0, 1, 0.3),
    ] {
        for (i, eta) in lamb_roots(n, a.poisson, count).into_iter().enumerate() {
            out.push((hz(eta), gain / (1.0 + i as f32)));
        }
    }
    out
}

/// Free-free beam of length `l` bending with thickness `t` (rectangular section) or
/// radius (round section, `round`).
fn bar(l: f32, thick: [f32; 2], round: bool, a: &Acoustic, density: f32) -> Vec<(f32, f32)> {
    const BETA_L: [f32; 5] = [4.730, 7.853, 10.996, 14.137, 17.279];
    let c = (a.young_modulus / density).sqrt();
    let mut out = Vec::new();
    for (plane, t) in thick.iter().enumerate() {
        // Radius of gyration² I/A: t²/12 for a rectangle of thickness t, r²/4 for a disc.
        let gyration2 = if round { t * t / 4.0 } else { t * t / 12.0 };
        for (k, bl) in BETA_L.iter().enumerate() {
            let f = bl * bl / (2.0 * PI * l * l) * c * gyration2.sqrt();
            out.push((
                f,
                1.0 / (1.0 + k as f32) * if plane == 0 { 1.0 } else { 0.5 },
            ));
        }
        if round {
            break;
        }
    }
    out.push((c / (2.0 * l), 0.3));
    out
}

/// Kirchhoff plate of thickness `h`, side (square) or radius (disc) `span`.
fn plate(span: f32, h: f32, disc: bool, a: &Acoustic, density: f32) -> Vec<(f32, f32)> {
    const SQUARE: [f32; 5] = [13.47, 19.60, 24.27, 34.80, 61.09];
    const CIRCLE: [f32; 4] = [5.253, 9.084, 12.23, 20.52];
    let d = a.young_modulus * h.powi(3) / (12.0 * (1.0 - a.poisson * a.poisson));
    let k = (d / (density * h)).sqrt() / (2.0 * PI * span * span);
    let lambdas: &[f32] = if disc { &CIRCLE } else { &SQUARE };
    lambdas
        .iter()
        .enumerate()
        .map(|(i, l)| (l * k, 1.0 / (1.0 + 0.5 * i as f32)))
        .collect()
}

/// Radius of the sphere of volume `v`.
fn equal_volume_radius(v: f32) -> f32 {
    (3.0 * v / (4.0 * PI)).cbrt()
}

/// The (frequency Hz, gain) pairs of a shape, before damping and the audible band.
fn shape_modes(shape: &Shape, fixed: bool, a: &Acoustic, density: f32) -> Vec<(f32, f32)> {
    let slab = || plate(1.0, 0.1, false, a, density);
    match shape {
        Shape::Sphere { radius } => sphere(*radius, a, density),
        Shape::Box { half_extents } => {
            let mut d = half_extents.to_array().map(|h| 2.0 * h);
            d.sort_by(f32::total_cmp);
            let [t, w, l] = d;
            if l >= 3.0 * w && l >= 3.0 * t {
                bar(l, [t, w], false, a, density)
            } else if w >= 3.0 * t {
                plate((l * w).sqrt(), t, false, a, density)
            } else {
                sphere(equal_volume_radius(l * w * t), a, density)
            }
        }
        Shape::Cylinder {
            radius,
            half_height,
        }
        | Shape::Capsule {
            radius,
            half_height,
        } => {
            let l = 2.0 * half_height
                + if matches!(shape, Shape::Capsule { .. }) {
                    2.0 * radius
                } else {
                    0.0
                };
            let d = 2.0 * radius;
            if l >= 3.0 * d {
                bar(l, [*radius, *radius], true, a, density)
            } else if d >= 3.0 * l && matches!(shape, Shape::Cylinder { .. }) {
                plate(*radius, l, true, a, density)
            } else {
                let v = PI * radius * radius * l;
                sphere(equal_volume_radius(v), a, density)
            }
        }
        Shape::Cone {
            radius,
            half_height,
        } => sphere(
            equal_volume_radius(PI * radius * radius * 2.0 * half_height / 3.0),
            a,
            density,
        ),
        Shape::Ground => slab(),
        Shape::TriMesh(_) if fixed => slab(),
        Shape::ConvexHull(mesh) | Shape::TriMesh(mesh) => {
            let lo = mesh
                .vertices
                .iter()
                .fold(glam::Vec3::INFINITY, |a, v| a.min(*v));
            let hi = mesh
                .vertices
                .iter()
                .fold(glam::Vec3::NEG_INFINITY, |a, v| a.max(*v));
            let e = (hi - lo).max(glam::Vec3::splat(1e-3));
            let v = (e.x * e.y * e.z).max(1e-9) * 0.6;
            sphere(equal_volume_radius(v), a, density)
        }
    }
}

/// An entity's modal bank: its hand-given modes, or its shape's, damped by its material
/// and cut to the audible band, sorted by frequency.
pub fn modes(
    shape: &Shape,
    fixed: bool,
    a: &Acoustic,
    density: f32,
    sound: &EntitySound,
) -> Vec<Mode> {
    if let Some(given) = &sound.modes {
        return given
            .iter()
            .map(|m| Mode {
                omega: 2.0 * PI * m.freq_hz,
                decay: 6.9078 / m.t60,
                gain: m.gain,
            })
            .collect();
    }
    let mut out: Vec<Mode> = shape_modes(shape, fixed, a, density)
        .into_iter()
        .filter(|(f, _)| f.is_finite() && (MIN_HZ..=MAX_HZ).contains(f))
        .map(|(f, gain)| {
            let omega = 2.0 * PI * f;
            Mode {
                omega,
                decay: 0.5 * (a.alpha + a.beta * omega * omega),
                gain,
            }
        })
        .collect();
    out.sort_by(|x, y| x.omega.total_cmp(&y.omega));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::sound::find_preset;

    #[test]
    fn lamb_degree_two_matches_the_tabulated_root() {
        // Lamb (1882), tabulated e.g. by Sato & Usami (1962): ω a / c_s = 2.640 for the
        // fundamental (n = 2) spheroidal mode of a free sphere with ν = 0.25.
        let root = lamb_roots(2, 0.25, 1)[0];
        assert!((root - 2.640).abs() < 0.005, "root {root}");
    }

    #[test]
    fn twice_the_size_rings_an_octave_lower_for_every_shape_rule() {
        let steel = find_preset("steel").unwrap();
        let glass = find_preset("glass").unwrap();
        let shapes = [
            Shape::Sphere { radius: 0.4 },
            Shape::Box {
                half_extents: glam::Vec3::new(0.5, 0.02, 0.03),
            },
            Shape::Box {
                half_extents: glam::Vec3::new(0.3, 0.01, 0.2),
            },
            Shape::Box {
                half_extents: glam::Vec3::new(0.1, 0.1, 0.1),
            },
            Shape::Cylinder {
                radius: 0.01,
                half_height: 0.2,
            },
        ];
        for shape in shapes {
            let big = match &shape {
                Shape::Sphere { radius } => Shape::Sphere {
                    radius: radius * 2.0,
                },
                Shape::Box { half_extents } => Shape::Box {
                    half_extents: *half_extents * 2.0,
                },
                Shape::Cylinder {
                    radius,
                    half_height,
                } => Shape::Cylinder {
                    radius: radius * 2.0,
                    half_height: half_height * 2.0,
                },
                _ => unreachable!(),
            };
            for m in [&steel, &glass] {
                let s = shape_modes(&shape, false, m, 7800.0);
                let b = shape_modes(&big, false, m, 7800.0);
                assert_eq!(s.len(), b.len());
                for (x, y) in s.iter().zip(&b) {
                    assert!(
                        (x.0 / y.0 - 2.0).abs() < 1e-3,
                        "{shape:?}: {} vs {}",
                        x.0,
                        y.0
                    );
                }
            }
        }
    }

    #[test]
    fn steel_rings_longer_than_wood_and_rubber_shortest() {
        let shape = Shape::Sphere { radius: 0.3 };
        let t60 = |name: &str, density: f32| {
            let a = find_preset(name).unwrap();
            let m = modes(&shape, false, &a, density, &EntitySound::default());
            6.9078 / m[0].decay
        };
        let (steel, wood, rubber) = (
            t60("steel", 7850.0),
            t60("wood", 700.0),
            t60("rubber", 1100.0),
        );
        assert!(steel > wood && wood > rubber, "{steel} {wood} {rubber}");
    }
}
