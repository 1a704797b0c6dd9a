//! Materials for the tracer: procedural object-space detail and the BSDF.
//!
//! The opaque BSDF is the raster's, made exact: a Lambertian diffuse lobe weighted by
//! `(1 - F)(1 - metallic)` plus a GGX microfacet specular lobe (Walter et al. 2007,
//! "Microfacet Models for Refraction through Rough Surfaces") with Smith's
//! height-correlated masking-shadowing (Heitz 2014, "Understanding the Masking-Shadowing
//! Function in Microfacet-Based BRDFs") and Schlick's Fresnel (Schlick 1994), F0 from the
//! index of refraction for non-metals and the base color for metals. Surfaces smoother
//! than [`SMOOTH_ROUGHNESS`] reflect as perfect mirrors. A material's `transmission` is
//! the probability of a smooth dielectric interface instead, with the exact unpolarized
//! Fresnel equations and Snell refraction (glass, water); transmitted light is tinted by
//! the base color.

use std::f32::consts::PI;

use glam::Vec3;

use crate::scene::{Material, Pattern};

/// Below this perceptual roughness the specular lobe is a perfect mirror.
pub const SMOOTH_ROUGHNESS: f32 = 0.03;

/// A surface's parameters at one point, after the pattern.
#[derive(Debug, Clone, Copy)]
pub(super) struct Surface {
    pub base: Vec3,
    pub roughness: f32,
    pub metallic: f32,
    pub transmission: f32,
    pub ior: f32,
    pub emission: Vec3,
}

// ---------- noise ----------

/// A 32-bit integer hash (the "lowbias32" finalizer, Chris Wellons 2018).
fn hash(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^ (x >> 16)
}

fn lattice(x: i32, y: i32, z: i32) -> f32 {
    let h = hash((x as u32) ^ hash((y as u32) ^ hash(z as u32)));
    h as f32 * (1.0 / u32::MAX as f32)
}

/// Value noise in `[0, 1]`: hashed lattice values blended with Perlin's quintic fade
/// (Perlin 2002, "Improving Noise").
fn noise(p: Vec3) -> f32 {
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

/// Fractal sum of `octaves` noises, in `[0, 1]`.
fn fbm(p: Vec3, octaves: u32) -> f32 {
    let (mut sum, mut amp, mut norm, mut q) = (0.0, 0.5, 0.0, p);
    for _ in 0..octaves {
        sum += amp * noise(q);
        norm += amp;
        amp *= 0.5;
        q *= 2.03;
    }
    sum / norm
}

fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// The material at object-space point `local` (m) of an object whose pattern is shifted
/// by the seeded `offset`.
pub(super) fn surface(m: &Material, local: Vec3, offset: Vec3) -> Surface {
    let mut s = Surface {
        base: Vec3::from(m.color),
        roughness: m.roughness,
        metallic: m.metallic,
        transmission: m.transmission,
        ior: m.ior,
        emission: Vec3::from(m.emission),
    };
    let Some(pattern) = m.pattern else { return s };
    let q = local / m.pattern_scale;
    let n = q + offset;
    match pattern {
        Pattern::Wood => {
            // Rings around an axis parallel to local Y, off-center by the seed, warped.
            let c = Vec3::new(offset.x, 0.0, offset.z) * 0.004;
            let r = Vec3::new(q.x - c.x, 0.0, q.z - c.z).length();
            let ring = (r * 45.0 + 1.5 * fbm(n * 3.0, 3)).fract();
            let late = smoothstep(0.55, 0.95, ring);
            let fibre = noise(Vec3::new(n.x * 180.0, n.y * 6.0, n.z * 180.0));
            s.base *= 1.08 - 0.38 * late - 0.12 * fibre;
            s.roughness = (s.roughness + 0.1 * late).min(1.0);
        }
        Pattern::Marble => {
            let v = ((q.x + 0.6 * q.y + 0.3 * q.z) * 7.0 + 7.0 * fbm(n * 1.7, 5)).sin();
            let vein = 1.0 - smoothstep(0.0, 0.14, v.abs());
            let cloud = fbm(n * 5.0, 3);
            s.base = s.base * (0.92 + 0.12 * cloud) * (1.0 - 0.65 * vein);
        }
        Pattern::BrushedMetal => {
            let streak = noise(Vec3::new(n.x * 3.0, n.y * 900.0, n.z * 900.0));
            let fine = noise(Vec3::new(n.x * 12.0, n.y * 3000.0, n.z * 3000.0));
            s.base *= 0.9 + 0.12 * streak + 0.06 * fine;
            s.roughness = (s.roughness + 0.18 * (streak - 0.5)).clamp(0.05, 1.0);
        }
        Pattern::Concrete => {
            let mottle = fbm(n * 9.0, 4);
            let pore = smoothstep(0.78, 0.86, noise(n * 160.0));
            s.base = s.base * (0.78 + 0.4 * mottle) * (1.0 - 0.45 * pore);
            s.roughness = (s.roughness + 0.2 * pore).min(1.0);
        }
        Pattern::Rubber => {
            let grain = noise(n * 400.0);
            s.base *= 0.94 + 0.1 * grain;
            s.roughness = (s.roughness + 0.1 * (grain - 0.5)).clamp(0.0, 1.0);
        }
        Pattern::Fabric => {
            let k = 2.0 * PI * 250.0;
            let (u, v) = ((q.x + q.y) * k, (q.z - q.y) * k);
            let warp = 0.5 + 0.5 * u.sin() * (v * 0.5).cos().abs();
            let weft = 0.5 + 0.5 * v.sin() * (u * 0.5).cos().abs();
            let fuzz = noise(n * 120.0);
            s.base *= 0.7 + 0.25 * warp.max(weft) + 0.1 * fuzz;
            s.roughness = s.roughness.max(0.75);
        }
    }
    s.base = s.base.clamp(Vec3::ZERO, Vec3::ONE);
    s
}

// ---------- the BSDF ----------

fn luminance(c: Vec3) -> f32 {
    c.dot(Vec3::new(0.2126, 0.7152, 0.0722))
}

fn schlick(f0: Vec3, cos: f32) -> Vec3 {
    f0 + (Vec3::ONE - f0) * (1.0 - cos.clamp(0.0, 1.0)).powi(5)
}

/// Unpolarized Fresnel reflectance of a smooth dielectric interface for incidence cosine
/// `cos_i` and relative index `eta = n_t / n_i`; 1 under total internal reflection.
pub(super) fn fresnel_dielectric(cos_i: f32, eta: f32) -> f32 {
    let sin2_t = (1.0 - cos_i * cos_i).max(0.0) / (eta * eta);
    if sin2_t >= 1.0 {
        return 1.0;
    }
    let cos_t = (1.0 - sin2_t).sqrt();
    let rs = (cos_i - eta * cos_t) / (cos_i + eta * cos_t);
    let rp = (eta * cos_i - cos_t) / (eta * cos_i + cos_t);
    0.5 * (rs * rs + rp * rp)
}

/// An orthonormal basis around `n` (Duff et al. 2017, "Building an Orthonormal Basis,
/// Revisited").
pub(super) fn basis(n: Vec3) -> (Vec3, Vec3) {
    let sign = 1.0f32.copysign(n.z);
    let a = -1.0 / (sign + n.z);
    let b = n.x * n.y * a;
    (
        Vec3::new(1.0 + sign * n.x * n.x * a, sign * b, -sign * n.x),
        Vec3::new(b, sign + n.y * n.y * a, -n.y),
    )
}

fn to_world(n: Vec3, v: Vec3) -> Vec3 {
    let (t, b) = basis(n);
    t * v.x + b * v.y + n * v.z
}

/// The opaque BSDF at one point, with the shading normal `n` on the side of `wo`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bsdf {
    n: Vec3,
    base: Vec3,
    metallic: f32,
    alpha: f32,
    f0: Vec3,
    smooth: bool,
    /// Probability of sampling the specular lobe.
    p_spec: f32,
}

/// A sampled direction.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sample {
    pub wi: Vec3,
    /// `f · cos / pdf`.
    pub weight: Vec3,
    /// Solid-angle pdf (0 for a delta lobe).
    pub pdf: f32,
    pub delta: bool,
}

impl Bsdf {
    pub fn new(s: &Surface, n: Vec3, wo: Vec3) -> Self {
        let f0_dielectric = ((s.ior - 1.0) / (s.ior + 1.0)).powi(2);
        let f0 = Vec3::splat(f0_dielectric).lerp(s.base, s.metallic);
        let smooth = s.roughness < SMOOTH_ROUGHNESS;
        let spec_w = luminance(schlick(f0, n.dot(wo)));
        let diff_w = (1.0 - s.metallic) * luminance(s.base) * (1.0 - spec_w);
        let p_spec = if spec_w <= 0.0 {
            0.0
        } else if diff_w <= 0.0 {
            1.0
        } else {
            (spec_w / (spec_w + diff_w)).clamp(0.1, 0.9)
        };
        Self {
            n,
            base: s.base,
            metallic: s.metallic,
            alpha: (s.roughness * s.roughness).max(0.002),
            f0,
            smooth,
            p_spec,
        }
    }

    /// GGX distribution `D(h)`.
    fn d(&self, n_h: f32) -> f32 {
        let a2 = self.alpha * self.alpha;
        let d = n_h * n_h * (a2 - 1.0) + 1.0;
        a2 / (PI * d * d)
    }

    /// Smith height-correlated visibility `G / (4 n·l n·v)`.
    fn vis(&self, n_v: f32, n_l: f32) -> f32 {
        let a2 = self.alpha * self.alpha;
        let gv = n_l * (n_v * n_v * (1.0 - a2) + a2).sqrt();
        let gl = n_v * (n_l * n_l * (1.0 - a2) + a2).sqrt();
        0.5 / (gv + gl).max(1e-8)
    }

    /// `f · cos(wi)` and the pdf of sampling `wi`, for non-delta lobes.
    pub fn eval(&self, wo: Vec3, wi: Vec3) -> (Vec3, f32) {
        let n_l = self.n.dot(wi);
        let n_v = self.n.dot(wo).max(1e-4);
        if n_l <= 0.0 {
            return (Vec3::ZERO, 0.0);
        }
        let h = (wo + wi).normalize_or(self.n);
        let v_h = wo.dot(h).max(0.0);
        let f = schlick(self.f0, v_h);
        let diffuse = (Vec3::ONE - f) * (1.0 - self.metallic) * self.base / PI;
        let pdf_diff = n_l / PI;
        if self.smooth {
            return (diffuse * n_l, (1.0 - self.p_spec) * pdf_diff);
        }
        let n_h = self.n.dot(h).max(0.0);
        let d = self.d(n_h);
        let spec = f * d * self.vis(n_v, n_l);
        let pdf_spec = d * n_h / (4.0 * v_h.max(1e-6));
        (
            (diffuse + spec) * n_l,
            self.p_spec * pdf_spec + (1.0 - self.p_spec) * pdf_diff,
        )
    }

    /// Samples an incoming direction from uniforms `u` in `[0, 1)³`.
    pub fn sample(&self, wo: Vec3, u: [f32; 3]) -> Option<Sample> {
        if u[0] < self.p_spec {
            if self.smooth {
                let wi = reflect(wo, self.n);
                let f = schlick(self.f0, self.n.dot(wo));
                return Some(Sample {
                    wi,
                    weight: f / self.p_spec,
                    pdf: 0.0,
                    delta: true,
                });
            }
            // Sample h from D(h) cos(h) (Walter et al. 2007, eq. 35-36).
            let a2 = self.alpha * self.alpha;
            let cos2 = (1.0 - u[1]) / (1.0 + (a2 - 1.0) * u[1]);
            let (cos_t, sin_t) = (cos2.sqrt(), (1.0 - cos2).max(0.0).sqrt());
            let phi = 2.0 * PI * u[2];
            let h = to_world(
                self.n,
                Vec3::new(sin_t * phi.cos(), sin_t * phi.sin(), cos_t),
            );
            let wi = reflect(wo, h);
            self.finish(wo, wi)
        } else {
            // Cosine-weighted hemisphere (Malley's method).
            let r = u[1].sqrt();
            let phi = 2.0 * PI * u[2];
            let z = (1.0 - u[1]).max(0.0).sqrt();
            let wi = to_world(self.n, Vec3::new(r * phi.cos(), r * phi.sin(), z));
            self.finish(wo, wi)
        }
    }

    fn finish(&self, wo: Vec3, wi: Vec3) -> Option<Sample> {
        let (f, pdf) = self.eval(wo, wi);
        (pdf > 0.0 && f.max_element() > 0.0).then(|| Sample {
            wi,
            weight: f / pdf,
            pdf,
            delta: false,
        })
    }
}

/// Mirror `wo` (pointing away from the surface) about `n`.
pub(super) fn reflect(wo: Vec3, n: Vec3) -> Vec3 {
    2.0 * wo.dot(n) * n - wo
}

/// Refracts `wo` (pointing away from the surface, on the side of `n`) into the other
/// side with relative index `eta = n_t / n_i`; `None` under total internal reflection.
pub(super) fn refract(wo: Vec3, n: Vec3, eta: f32) -> Option<Vec3> {
    let cos_i = wo.dot(n);
    let sin2_t = (1.0 - cos_i * cos_i).max(0.0) / (eta * eta);
    if sin2_t >= 1.0 {
        return None;
    }
    let cos_t = (1.0 - sin2_t).sqrt();
    Some((-wo / eta + n * (cos_i / eta - cos_t)).normalize())
}
