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

use crate::scene::Material;

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
    // One definition for both renderers: the raster draws the same function in WGSL.
    let (base, roughness) = crate::texture::pattern::surface(
        pattern,
        local,
        offset,
        m.pattern_scale,
        s.base,
        s.roughness,
    );
    s.base = base;
    s.roughness = roughness;
    s
}

// ---------- the BSDF ----------

fn luminance(c: Vec3) -> f32 {
    c.dot(crate::math::LUMA)
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
