//! The thin lens of a frame's camera: focal length, aperture and focus, and the circle of
//! confusion they give a point at a known depth.
//!
//! Thin lens (e.g. Potmesil & Chakravarty, "A lens and aperture camera model for
//! synthetic image generation", SIGGRAPH 1981): a point at depth `z` seen through a lens
//! of focal length `f` and aperture diameter `A = f / N`, focused at `z_f`, spreads over
//! a circle of diameter `c = A · |z − z_f| / z · f / (z_f − f)` on the sensor.

/// Largest blur radius, pixels (beyond it the preview would need a real lens sim).
pub const MAX_COC_RADIUS_PX: f32 = 16.0;

/// A thin lens, in the camera's own units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThinLens {
    /// Focal length, m.
    pub focal_m: f32,
    /// Aperture f-number.
    pub f_number: f32,
    /// Distance in focus along the view axis, m.
    pub focus_m: f32,
    /// Sensor height, m.
    pub sensor_h_m: f32,
    /// Image height, pixels.
    pub height_px: u32,
}

impl ThinLens {
    /// The circle of confusion's radius in pixels for a point at depth `z` (m, along the
    /// view axis; `+inf` for the background).
    pub fn coc_radius_px(&self, z: f32) -> f32 {
        let f = self.focal_m;
        let aperture = f / self.f_number;
        let zf = self.focus_m.max(f * 1.001);
        let spread = if z.is_finite() {
            (z - zf).abs() / z.max(1e-6)
        } else {
            1.0
        };
        let c_m = aperture * spread * f / (zf - f);
        (0.5 * c_m / self.sensor_h_m * self.height_px as f32).min(MAX_COC_RADIUS_PX)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A 50 mm f/1.4 lens focused at 2 m on a 24 mm-high sensor, 200 pixels high.
    pub(crate) fn lens() -> ThinLens {
        ThinLens {
            focal_m: 0.05,
            f_number: 1.4,
            focus_m: 2.0,
            sensor_h_m: 0.024,
            height_px: 200,
        }
    }

    #[test]
    fn circle_of_confusion_follows_the_thin_lens() {
        let l = lens();
        assert_eq!(l.coc_radius_px(2.0), 0.0, "in focus");
        // By hand: A = 0.05 / 1.4 = 0.035714 m; at z = 4: c = A · 0.5 · 0.05 / 1.95
        // = 4.5788e-4 m; radius in px = 0.5 · c / 0.024 · 200 = 1.9078.
        assert!(
            (l.coc_radius_px(4.0) - 1.9078).abs() < 1e-3,
            "{}",
            l.coc_radius_px(4.0)
        );
        assert!(
            l.coc_radius_px(1.0) > l.coc_radius_px(1.5),
            "nearer is blurrier"
        );
        assert!(l.coc_radius_px(f32::INFINITY) >= l.coc_radius_px(100.0));
        let slow = ThinLens {
            f_number: 16.0,
            ..l
        };
        assert!(slow.coc_radius_px(4.0) < 0.2, "stopping down sharpens");
    }
}
