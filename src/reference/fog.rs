//! Exponential height fog along a path segment, in closed form.
//!
//! Extinction `σ(y) = density · exp(−falloff · (y − base))` (1/m). Along the ray
//! `o + s·w` (unit `w`) for `s ∈ [0, t]`, with `k = falloff · w.y`:
//! `τ = density · exp(−falloff (o.y − base)) · (1 − exp(−k t)) / k` (the limit `t` as
//! `k → 0`), and to infinity `density · exp(−falloff (o.y − base)) / k` for `k > 0`,
//! infinite otherwise. A segment is seen through it as `L · e^{−τ} + C (1 − e^{−τ})`:
//! single scattering of an isotropic, unshadowed ambient fog color `C`.
//!
//! The same closed form as the world's [`crate::world::Fog`] documents; kept private here
//! until the world module's own `optical_depth` replaces it.

use glam::Vec3;

use crate::world::Fog;

/// Optical depth of `fog` along unit `w` from `o` over `t` m (`t` may be `+inf`).
pub(super) fn optical_depth(fog: &Fog, o: Vec3, w: Vec3, t: f32) -> f32 {
    if t <= 0.0 || fog.density <= 0.0 {
        return 0.0;
    }
    let at_origin = fog.density * (-fog.height_falloff * (o.y - fog.base_height)).exp();
    let k = fog.height_falloff * w.y;
    if t.is_infinite() {
        return if k > 0.0 {
            at_origin / k
        } else {
            f32::INFINITY
        };
    }
    let x = k * t;
    // (1 − e^{−x}) / x, stable near 0.
    let ratio = if x.abs() < 1e-4 {
        1.0 - 0.5 * x
    } else {
        -(-x).exp_m1() / x
    };
    let tau = at_origin * t * ratio;
    if tau.is_nan() { f32::INFINITY } else { tau }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The closed form against a fine midpoint sum of σ along the ray.
    #[test]
    fn closed_form_matches_numeric_integration() {
        let fog = Fog {
            density: 0.3,
            height_falloff: 0.7,
            base_height: 0.5,
            color: None,
        };
        let o = Vec3::new(0.0, 1.2, 0.0);
        for w in [
            Vec3::X,
            Vec3::new(0.3, 0.8, 0.1).normalize(),
            Vec3::new(0.5, -0.4, 0.2).normalize(),
        ] {
            let t = 6.0;
            let n = 100_000;
            let ds = t / n as f32;
            let sum: f64 = (0..n)
                .map(|i| {
                    let y = o.y + w.y * (i as f32 + 0.5) * ds;
                    f64::from(
                        fog.density * (-fog.height_falloff * (y - fog.base_height)).exp() * ds,
                    )
                })
                .sum();
            let tau = optical_depth(&fog, o, w, t);
            assert!(
                (f64::from(tau) - sum).abs() < 1e-4 * sum,
                "{w}: {tau} vs {sum}"
            );
        }
        // Upward to infinity is finite, and the long finite segment approaches it.
        let up = Vec3::new(0.0, 0.6, 0.8);
        let inf = optical_depth(&fog, o, up, f32::INFINITY);
        let far = optical_depth(&fog, o, up, 1e3);
        assert!(
            inf.is_finite() && (inf - far).abs() < 1e-5 * inf,
            "{inf} {far}"
        );
        assert!(
            optical_depth(
                &fog,
                o,
                Vec3::new(0.0, -0.1, 1.0).normalize(),
                f32::INFINITY
            )
            .is_infinite()
        );
        let flat = Fog {
            height_falloff: 0.0,
            ..fog
        };
        assert!((optical_depth(&flat, o, up, 2.0) - 0.6).abs() < 1e-6);
    }
}
