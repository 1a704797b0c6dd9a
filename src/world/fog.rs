//! Exponential height fog: closed-form optical depth and the blend both renderers use.
//!
//! Extinction at height `y` (metres, world +Y up):
//! `σ(y) = ρ · exp(−k (y − y₀))` with `ρ = density` (1/m), `k = height_falloff` (1/m,
//! >= 0) and `y₀ = base_height` (m).
//!
//! Optical depth of the segment from `a` to `b` (length `L = |b − a|`, rise
//! `Δy = b.y − a.y`), integrating along it:
//!
//! ```text
//! τ(a, b) = ρ · L · exp(−k (a.y − y₀)) · g(k Δy),   g(x) = (1 − e^(−x)) / x,  g(0) = 1
//! ```
//!
//! exact for horizontal segments (`g(0) = 1`) and for `k = 0` (uniform fog, `τ = ρ L`);
//! evaluate `g` as `−expm1(−x) / x`, or `1 − x/2 + x²/6` when `|x| < 1e-4`.
//!
//! To infinity from `a` along unit `d`: `τ = ρ · exp(−k (a.y − y₀)) / (k d.y)` when
//! `k > 0` and `d.y > 0`, otherwise `+∞` (the ray never leaves the fog).
//!
//! Seen through fog, radiance `L` becomes `L · T + c · (1 − T)` with `T = exp(−τ)` and
//! `c` the fog's color (in-scattered radiance): [`Fog::apply`]. The raster (WGSL) and the
//! reference tracer implement exactly these formulas.

use glam::Vec3;

use super::Fog;

/// `(1 − e^(−x)) / x`, stable near 0.
fn g(x: f64) -> f64 {
    if x.abs() < 1e-4 {
        1.0 - x / 2.0 + x * x / 6.0
    } else {
        -(-x).exp_m1() / x
    }
}

impl Fog {
    /// Extinction at height `y`, 1/m.
    pub fn extinction(&self, y: f32) -> f32 {
        (f64::from(self.density)
            * (-f64::from(self.height_falloff) * f64::from(y - self.base_height)).exp())
            as f32
    }

    /// Optical depth `∫σ ds` of the straight segment from `from` to `to` (closed form, see
    /// the module docs).
    pub fn optical_depth(&self, from: Vec3, to: Vec3) -> f32 {
        let len = f64::from((to - from).length());
        if len == 0.0 || self.density <= 0.0 {
            return 0.0;
        }
        let k = f64::from(self.height_falloff.max(0.0));
        let dy = f64::from(to.y - from.y);
        let base = f64::from(self.density) * (-k * f64::from(from.y - self.base_height)).exp();
        (base * len * g(k * dy)) as f32
    }

    /// Optical depth from `from` to infinity along unit `dir`: finite only for rays going
    /// up through fog that thins (`height_falloff > 0`), `+∞` otherwise.
    pub fn optical_depth_ray(&self, from: Vec3, dir: Vec3) -> f32 {
        if self.density <= 0.0 {
            return 0.0;
        }
        let k = f64::from(self.height_falloff);
        let dy = f64::from(dir.y);
        if k <= 0.0 || dy <= 0.0 {
            return f32::INFINITY;
        }
        let base = f64::from(self.density) * (-k * f64::from(from.y - self.base_height)).exp();
        (base / (k * dy)) as f32
    }

    /// Radiance `radiance` seen through optical depth `optical_depth` of fog of color
    /// `fog_color`: `L·T + c·(1 − T)`, `T = exp(−τ)`.
    pub fn apply(&self, radiance: Vec3, fog_color: Vec3, optical_depth: f32) -> Vec3 {
        let t = (-optical_depth.max(0.0)).exp();
        radiance * t + fog_color * (1.0 - t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fog(k: f32) -> Fog {
        Fog {
            density: 0.05,
            height_falloff: k,
            base_height: 1.0,
            color: None,
        }
    }

    /// Midpoint-rule integral of σ along the segment, in f64.
    fn numeric(f: &Fog, a: Vec3, b: Vec3) -> f64 {
        let n = 20_000;
        let len = f64::from((b - a).length());
        (0..n)
            .map(|i| {
                let t = (i as f32 + 0.5) / n as f32;
                f64::from(f.extinction(a.lerp(b, t).y)) * len / f64::from(n)
            })
            .sum()
    }

    #[test]
    fn closed_form_matches_numerical_integration() {
        let segs = [
            (Vec3::new(0.0, 0.0, 0.0), Vec3::new(30.0, 12.0, -5.0)),
            (Vec3::new(1.0, 8.0, 2.0), Vec3::new(-20.0, -3.0, 40.0)),
            (Vec3::new(0.0, 2.0, 0.0), Vec3::new(50.0, 2.0, 10.0)),
            (Vec3::new(0.0, 3.0, 0.0), Vec3::new(0.0, 3.0 + 1e-5, 10.0)),
            (Vec3::new(0.0, -5.0, 0.0), Vec3::new(0.0, 40.0, 0.0)),
        ];
        for k in [0.0, 0.01, 0.3, 2.0] {
            let f = fog(k);
            for (a, b) in segs {
                let got = f64::from(f.optical_depth(a, b));
                let want = numeric(&f, a, b);
                assert!(
                    (got - want).abs() <= 1e-4 * want.max(1e-6),
                    "k {k} {a}->{b}: closed {got}, numeric {want}"
                );
                let back = f64::from(f.optical_depth(b, a));
                assert!(
                    (back - got).abs() <= 1e-5 * got.max(1e-6),
                    "symmetry {got} {back}"
                );
            }
        }
    }

    #[test]
    fn rays_to_infinity() {
        let up = Vec3::new(0.6, 0.8, 0.0);
        let f = fog(0.2);
        let far = f.optical_depth(Vec3::ZERO, up * 500.0);
        let ray = f.optical_depth_ray(Vec3::ZERO, up);
        assert!(
            ray.is_finite() && (ray - far).abs() < 1e-4 * ray,
            "{ray} vs {far}"
        );
        assert!(f.optical_depth_ray(Vec3::ZERO, Vec3::X).is_infinite());
        assert!(f.optical_depth_ray(Vec3::ZERO, -up).is_infinite());
        assert!(fog(0.0).optical_depth_ray(Vec3::ZERO, up).is_infinite());
    }

    #[test]
    fn apply_blends_toward_the_fog_color() {
        let f = fog(0.1);
        let (l, c) = (Vec3::new(1.0, 0.0, 0.0), Vec3::new(0.0, 0.0, 1.0));
        assert_eq!(f.apply(l, c, 0.0), l);
        assert!((f.apply(l, c, f32::INFINITY) - c).length() < 1e-6);
        let half = f.apply(l, c, std::f32::consts::LN_2);
        assert!((half - Vec3::new(0.5, 0.0, 0.5)).length() < 1e-6, "{half}");
    }
}
