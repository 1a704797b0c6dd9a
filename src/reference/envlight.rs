//! The environment as a light the tracer samples: a piecewise-constant 2D distribution
//! over the equirectangular radiance map ([`crate::world::EnvMap`]), proportional to each
//! texel's luminance times `sin θ` at its center, so directions are drawn in proportion
//! to the light they bring (Pharr, Jakob & Humphreys 2016, "Physically Based Rendering",
//! 3rd ed., §13.6.7 "2D Sampling with Multidimensional Transformations" and §14.2.4
//! "Infinite Area Lights").
//!
//! A sample is a point `(u, v)` of the unit square with density `p(u, v)` (constant over
//! each texel); the direction is [`EnvMap::direction`]`(u, v)` and, since
//! `dω = 2π² sin θ du dv`, its density in solid angle is `p(u, v) / (2π² sin θ)`.
//! A map that is black everywhere has no sampler (nothing to light).

use std::f32::consts::PI;

use glam::Vec3;

use crate::world::{EnvMap, LUMA};

/// A piecewise-constant 1D distribution over `n` equal bins of `[0, 1)`.
#[derive(Debug, Clone)]
struct Distribution1D {
    /// Bin values, unnormalized.
    func: Vec<f32>,
    /// `n + 1` cumulative values, `cdf[0] = 0`, `cdf[n] = 1`.
    cdf: Vec<f32>,
    /// Integral of `func` over `[0, 1)`.
    integral: f32,
}

impl Distribution1D {
    fn new(func: Vec<f32>) -> Self {
        let n = func.len().max(1);
        let mut cdf = Vec::with_capacity(n + 1);
        cdf.push(0.0f32);
        let mut acc = 0.0f64;
        for f in &func {
            acc += f64::from(*f) / n as f64;
            cdf.push(acc as f32);
        }
        let integral = acc as f32;
        if integral > 0.0 {
            cdf.iter_mut().for_each(|c| *c /= integral);
        } else {
            // All zero: uniform, so the sampler still works (its callers check the total).
            cdf.iter_mut()
                .enumerate()
                .for_each(|(i, c)| *c = i as f32 / n as f32);
        }
        if let Some(last) = cdf.last_mut() {
            *last = 1.0;
        }
        Self {
            func,
            cdf,
            integral,
        }
    }

    fn count(&self) -> usize {
        self.func.len()
    }

    /// Density of bin `i` on `[0, 1)`.
    fn pdf(&self, i: usize) -> f32 {
        if self.integral > 0.0 {
            self.func.get(i).copied().unwrap_or(0.0) / self.integral
        } else {
            1.0
        }
    }

    /// Inverts the CDF at `u` in `[0, 1)`: the continuous sample in `[0, 1)` and its bin.
    fn sample(&self, u: f32) -> (f32, usize) {
        let n = self.count();
        // The last bin whose cdf start is <= u, among bins with nonzero width.
        let i = self
            .cdf
            .partition_point(|c| *c <= u)
            .saturating_sub(1)
            .min(n.saturating_sub(1));
        let (c0, c1) = (self.cdf[i], self.cdf[i + 1]);
        let du = if c1 > c0 { (u - c0) / (c1 - c0) } else { 0.5 };
        (
            ((i as f32 + du.clamp(0.0, 1.0)) / n as f32).min(0.999_999_9),
            i,
        )
    }
}

/// Importance sampling of an environment map.
#[derive(Debug, Clone)]
pub(super) struct EnvSampler {
    /// One distribution over columns per row.
    rows: Vec<Distribution1D>,
    /// The distribution over rows (of each row's integral).
    marginal: Distribution1D,
}

/// A direction drawn from the environment.
#[derive(Debug, Clone, Copy)]
pub(super) struct EnvSample {
    /// Unit direction toward the environment.
    pub wi: Vec3,
    /// Its density in solid angle, 1/sr.
    pub pdf: f32,
}

impl EnvSampler {
    /// The sampler for `map`, or `None` when the map brings no light.
    pub fn new(map: &EnvMap) -> Option<Self> {
        let (w, h) = (map.width as usize, map.height as usize);
        if w == 0 || h == 0 {
            return None;
        }
        let rows: Vec<Distribution1D> = (0..h)
            .map(|y| {
                let sin_t = (PI * (y as f32 + 0.5) / h as f32).sin();
                Distribution1D::new(
                    (0..w)
                        .map(|x| {
                            let t = map.texel(x as i64, y as i64);
                            t.dot(LUMA).max(0.0) * sin_t
                        })
                        .collect(),
                )
            })
            .collect();
        let marginal = Distribution1D::new(rows.iter().map(|r| r.integral).collect());
        (marginal.integral > 0.0 && marginal.integral.is_finite())
            .then_some(Self { rows, marginal })
    }

    /// Draws a direction from uniforms `u0`, `u1` in `[0, 1)`.
    pub fn sample(&self, u0: f32, u1: f32) -> Option<EnvSample> {
        let (v, y) = self.marginal.sample(u0);
        let row = self.rows.get(y)?;
        let (u, x) = row.sample(u1);
        let p = self.marginal.pdf(y) * row.pdf(x);
        let sin_t = (PI * v).sin();
        if p <= 0.0 || sin_t <= 0.0 {
            return None;
        }
        Some(EnvSample {
            wi: EnvMap::direction(u, v),
            pdf: p / (2.0 * PI * PI * sin_t),
        })
    }

    /// The solid-angle density [`sample`](Self::sample) gives unit direction `d`.
    pub fn pdf(&self, d: Vec3) -> f32 {
        let (u, v) = EnvMap::uv(d);
        let sin_t = (PI * v).sin();
        if sin_t <= 0.0 {
            return 0.0;
        }
        let h = self.marginal.count();
        let y = ((v * h as f32) as usize).min(h.saturating_sub(1));
        let Some(row) = self.rows.get(y) else {
            return 0.0;
        };
        let x = ((u * row.count() as f32) as usize).min(row.count().saturating_sub(1));
        self.marginal.pdf(y) * row.pdf(x) / (2.0 * PI * PI * sin_t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spot_map() -> EnvMap {
        let mut map = EnvMap::from_fn(32, 16, |_| Vec3::splat(0.01));
        // One bright texel at column 9, row 5.
        map.texels[5 * 32 + 9] = Vec3::splat(500.0);
        map
    }

    /// ∫ pdf dω over the sphere by a fine midpoint rule in (θ, φ): must be 1.
    #[test]
    fn pdf_integrates_to_one_over_the_sphere() {
        for map in [
            spot_map(),
            EnvMap::from_fn(40, 20, |d| Vec3::new(1.0 + d.x, 2.0 + d.y, 0.5)),
            EnvMap::from_fn(8, 4, |_| Vec3::ONE),
        ] {
            let s = EnvSampler::new(&map).unwrap();
            let (nt, np) = (800, 1600);
            let mut total = 0.0f64;
            for i in 0..nt {
                let t = PI * (i as f32 + 0.5) / nt as f32;
                for j in 0..np {
                    let phi = 2.0 * PI * (j as f32 + 0.5) / np as f32;
                    let d = EnvMap::direction(phi / (2.0 * PI), t / PI);
                    let dw = t.sin() * (PI / nt as f32) * (2.0 * PI / np as f32);
                    total += f64::from(s.pdf(d) * dw);
                }
            }
            println!("∫ pdf dω = {total}");
            assert!((total - 1.0).abs() < 2e-3, "{total}");
        }
    }

    /// With all but a hundred-thousandth of the power in one texel, almost every sample
    /// falls in it, and a sample's pdf matches `pdf()` of its direction.
    #[test]
    fn samples_land_in_the_bright_texel() {
        let map = spot_map();
        let s = EnvSampler::new(&map).unwrap();
        let (mut inside, n) = (0, 4096);
        for i in 0..n {
            let u0 = (i as f32 + 0.5) / n as f32;
            let u1 = ((i * 2_654_435_761_usize) % n) as f32 / n as f32;
            let smp = s.sample(u0, u1).unwrap();
            let (u, v) = EnvMap::uv(smp.wi);
            if (u * 32.0) as i32 == 9 && (v * 16.0) as i32 == 5 {
                inside += 1;
            }
            let again = s.pdf(smp.wi);
            assert!(
                (again - smp.pdf).abs() <= 1e-3 * smp.pdf.max(again),
                "{again} vs {}",
                smp.pdf
            );
        }
        let frac = inside as f32 / n as f32;
        println!("{frac} of samples in the bright texel");
        assert!(frac > 0.99, "{frac}");
    }

    #[test]
    fn a_black_map_has_no_sampler() {
        assert!(EnvSampler::new(&EnvMap::from_fn(8, 4, |_| Vec3::ZERO)).is_none());
    }
}
