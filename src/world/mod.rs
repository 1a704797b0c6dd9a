//! World stage: what surrounds the objects, lights them and is seen behind them.
//!
//! Input: the scene's [`Environment`] (a sky/ground hemisphere from its ambient lights, a
//! uniform color, the analytic daylight [`sky`], or an equirectangular HDR image) and its
//! optional height [`Fog`]. Output: a [`World`], baked once per render, that the raster
//! and the reference tracer both read: one radiance map ([`EnvMap`]) for every kind of
//! environment, so sky and HDRI share one lighting path, plus the sky's sun as a distant
//! light.
//!
//! Conventions, stated once:
//! - directions are world space, right-handed, +Y up; compass north is −Z and east is +X;
//!   an azimuth is measured from north toward east (clockwise seen from above);
//! - the environment map is equirectangular: texel column `u ∈ [0, 1)` is the azimuth
//!   `φ = 2π u` (u = 0 looks north, −Z; u = 0.25 east, +X), row `v ∈ [0, 1]` the polar
//!   angle from the zenith `θ = π v` (v = 0 straight up); see [`EnvMap::direction`];
//! - radiance is linear RGB in the project's light units, the units lights use: a sun of
//!   intensity 3 (the default) is 3 units of irradiance on a surface facing it, and
//!   1 unit = 100 000 / 3 lux (so the clear midday sun, about 100 klx direct, is ≈ 3).
//!   Luminances in cd/m² convert with the same factor ([`UNITS_PER_LUX`]).

mod fog;
pub mod hdri;
pub mod sky;

use std::path::PathBuf;
use std::sync::Arc;

use glam::Vec3;

/// Project light units per lux (and per cd/m² of luminance): 3 units = 100 klx.
pub const UNITS_PER_LUX: f32 = 3.0 / 100_000.0;

pub use crate::math::LUMA;

/// What surrounds the scene.
#[derive(Debug, Clone, Default)]
pub enum Environment {
    /// The scene's ambient lights as a sky/ground hemisphere (`sky` radiance above the
    /// horizon blending linearly in `d.y` into `ground` below):
    /// `L(d) = ground + (sky − ground)(d.y + 1) / 2`. The default, as before worlds.
    #[default]
    Hemisphere,
    /// The same radiance from every direction (a furnace).
    Uniform {
        /// Linear RGB radiance times intensity.
        radiance: Vec3,
    },
    /// The analytic daylight sky with its sun.
    Sky(SkySpec),
    /// An equirectangular HDR image.
    Hdri(HdriSpec),
}

/// An analytic clear sky (see [`sky`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SkySpec {
    /// Sun elevation above the horizon, degrees, `[-10, 90]` (negative: twilight, no
    /// direct sun).
    pub sun_elevation_deg: f32,
    /// Sun azimuth, degrees from north toward east, `[0, 360)`.
    pub sun_azimuth_deg: f32,
    /// Atmospheric turbidity, `[1.7, 10]`: 2 very clear, 3 clear, 6 hazy, 10 thick haze.
    pub turbidity: f32,
    /// Multiplies the sky's and the sun's radiance (default 1, physical daylight).
    pub intensity: f32,
    /// Linear RGB albedo of the ground seen below the horizon.
    pub ground_albedo: Vec3,
    /// Whether the sun is also a shadowed distant light (default true).
    pub sun_light: bool,
}

/// An equirectangular HDR environment image, loaded and checked.
#[derive(Debug, Clone)]
pub struct HdriSpec {
    /// The path as written in the scene.
    pub path: String,
    /// The resolved file it was read from.
    pub file: PathBuf,
    /// The pixels, linear radiance as stored in the file.
    pub image: Arc<EnvMap>,
    /// Rotation about +Y, degrees: the image's north turns toward east by this much.
    pub rotate_deg: f32,
    /// Multiplies the radiance (default 1).
    pub intensity: f32,
}

/// Exponential height fog (aerial perspective): extinction
/// `σ(y) = density · exp(−height_falloff · (y − base_height))`, in-scattering the fog's
/// color; transmittance along a segment is `exp(−∫σ)` in closed form
/// ([`Fog::optical_depth`], [`Fog::optical_depth_ray`], [`Fog::apply`]; the formulas are
/// written out in the `fog` module's docs and `docs/worlds.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct Fog {
    /// Extinction at `base_height`, 1/m, > 0.
    pub density: f32,
    /// How fast it thins with height, 1/m, >= 0 (0: uniform fog).
    pub height_falloff: f32,
    /// Height where the extinction is `density`, m.
    pub base_height: f32,
    /// In-scattered radiance, linear RGB; `None` takes the environment's mean radiance
    /// toward the horizon.
    pub color: Option<Vec3>,
}

/// A distant light from the environment (the sky's sun).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SunLight {
    /// Unit direction the light travels (from the sun toward the scene).
    pub direction: Vec3,
    /// Irradiance on a surface facing the sun, linear RGB, project units (after the
    /// atmosphere's transmittance).
    pub color: Vec3,
    /// Angular diameter, radians.
    pub angle: f32,
}

/// An equirectangular radiance map (see the module's conventions), row-major from the
/// top (zenith) row, linear RGB.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvMap {
    /// Columns.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// `width × height` texels.
    pub texels: Vec<Vec3>,
}

impl EnvMap {
    /// A map of `width × height` texels, each the radiance toward its center's direction.
    pub fn from_fn(width: u32, height: u32, f: impl Fn(Vec3) -> Vec3) -> Self {
        let mut texels = Vec::with_capacity(width as usize * height as usize);
        for y in 0..height {
            for x in 0..width {
                let u = (x as f32 + 0.5) / width as f32;
                let v = (y as f32 + 0.5) / height as f32;
                texels.push(f(Self::direction(u, v)));
            }
        }
        Self {
            width,
            height,
            texels,
        }
    }

    /// The unit direction at map coordinates `(u, v)`.
    pub fn direction(u: f32, v: f32) -> Vec3 {
        let phi = std::f32::consts::TAU * u;
        let theta = std::f32::consts::PI * v;
        let s = theta.sin();
        Vec3::new(s * phi.sin(), theta.cos(), -s * phi.cos())
    }

    /// The map coordinates `(u, v)` of a unit direction (`u` in `[0, 1)`).
    pub fn uv(d: Vec3) -> (f32, f32) {
        let u = d.x.atan2(-d.z) / std::f32::consts::TAU;
        let u = if u < 0.0 { u + 1.0 } else { u };
        let v = d.y.clamp(-1.0, 1.0).acos() / std::f32::consts::PI;
        (u.min(0.999_999_9), v)
    }

    /// The texel at column `x` (wrapping) and row `y` (clamped).
    pub fn texel(&self, x: i64, y: i64) -> Vec3 {
        let w = i64::from(self.width.max(1));
        let h = i64::from(self.height.max(1));
        let x = x.rem_euclid(w) as usize;
        let y = y.clamp(0, h - 1) as usize;
        self.texels
            .get(y * w as usize + x)
            .copied()
            .unwrap_or(Vec3::ZERO)
    }

    /// Bilinear radiance toward unit direction `d` (wrapping in azimuth).
    pub fn lookup(&self, d: Vec3) -> Vec3 {
        let (u, v) = Self::uv(d);
        let fx = u * self.width as f32 - 0.5;
        let fy = v * self.height as f32 - 0.5;
        let (x0, y0) = (fx.floor(), fy.floor());
        let (tx, ty) = (fx - x0, fy - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let a = self.texel(x0, y0).lerp(self.texel(x0 + 1, y0), tx);
        let b = self.texel(x0, y0 + 1).lerp(self.texel(x0 + 1, y0 + 1), tx);
        a.lerp(b, ty)
    }

    /// Solid angle of a texel in row `y`, steradians.
    pub fn texel_solid_angle(&self, y: u32) -> f32 {
        let h = self.height as f32;
        let t0 = std::f32::consts::PI * y as f32 / h;
        let t1 = std::f32::consts::PI * (y + 1) as f32 / h;
        std::f32::consts::TAU / self.width as f32 * (t0.cos() - t1.cos())
    }
}

/// The world one render uses, baked once from the scene's [`Environment`] and [`Fog`].
#[derive(Debug, Clone)]
pub struct World {
    /// Radiance seen toward every direction: lights the scene and is the background.
    pub env: Arc<EnvMap>,
    /// The sky's sun as a distant light, when it has one.
    pub sun: Option<SunLight>,
    /// Height fog, if any.
    pub fog: Option<Fog>,
    /// The fog's in-scattered radiance (the fog's color, or the environment's horizon).
    pub fog_color: Vec3,
}

/// Columns of the map a sky, hemisphere or uniform environment is baked into (rows are
/// half as many): 1.4° per texel, finer than any of them varies.
pub const BAKED_WIDTH: u32 = 256;

impl World {
    /// Bakes the environment into one radiance map. `ambient` is the scene's ambient
    /// lights as (sky, ground) radiance ([`crate::camera::Lights`]`::sky`/`ground`): the
    /// hemisphere environment is made of them, and any other environment adds their
    /// mean uniformly.
    pub fn bake(env: &Environment, fog: Option<&Fog>, ambient: (Vec3, Vec3)) -> Self {
        let (sky, ground) = ambient;
        let extra = (sky + ground) * 0.5;
        let (map, sun) = match env {
            Environment::Hemisphere => (
                EnvMap::from_fn(BAKED_WIDTH, BAKED_WIDTH / 2, |d| {
                    ground.lerp(sky, d.y * 0.5 + 0.5)
                }),
                None,
            ),
            Environment::Uniform { radiance } => (
                EnvMap::from_fn(BAKED_WIDTH, BAKED_WIDTH / 2, |_| *radiance + extra),
                None,
            ),
            Environment::Sky(spec) => {
                let mut map = sky::bake(spec, BAKED_WIDTH);
                if extra != Vec3::ZERO {
                    map.texels.iter_mut().for_each(|t| *t += extra);
                }
                (map, sky::sun(spec))
            }
            Environment::Hdri(spec) => (hdri::orient(spec, extra), None),
        };
        let fog_color = fog
            .and_then(|f| f.color)
            .unwrap_or_else(|| horizon_mean(&map));
        Self {
            env: Arc::new(map),
            sun,
            fog: fog.cloned(),
            fog_color,
        }
    }
}

/// Mean radiance of the band within 10° of the horizon.
fn horizon_mean(map: &EnvMap) -> Vec3 {
    let (mut sum, mut weight) = (Vec3::ZERO, 0.0);
    for y in 0..map.height {
        let v = (y as f32 + 0.5) / map.height as f32;
        if (v - 0.5).abs() * 180.0 > 10.0 {
            continue;
        }
        let w = map.texel_solid_angle(y);
        for x in 0..map.width {
            sum += map.texel(i64::from(x), i64::from(y)) * w;
            weight += w;
        }
    }
    if weight > 0.0 {
        sum / weight
    } else {
        Vec3::ZERO
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_and_uv_are_inverse_and_follow_the_compass() {
        let close = |a: Vec3, b: Vec3| (a - b).length() < 1e-5;
        assert!(
            close(EnvMap::direction(0.0, 0.5), Vec3::NEG_Z),
            "u = 0 looks north"
        );
        assert!(
            close(EnvMap::direction(0.25, 0.5), Vec3::X),
            "u = 0.25 looks east"
        );
        assert!(
            close(EnvMap::direction(0.3, 0.0), Vec3::Y),
            "v = 0 is the zenith"
        );
        for (u, v) in [(0.1, 0.2), (0.6, 0.7), (0.9, 0.45)] {
            let (u2, v2) = EnvMap::uv(EnvMap::direction(u, v));
            assert!((u - u2).abs() < 1e-5 && (v - v2).abs() < 1e-5, "{u} {v}");
        }
    }

    #[test]
    fn texel_solid_angles_sum_to_the_sphere() {
        let map = EnvMap::from_fn(64, 32, |_| Vec3::ONE);
        let total: f32 = (0..32).map(|y| map.texel_solid_angle(y) * 64.0).sum();
        assert!((total - 4.0 * std::f32::consts::PI).abs() < 1e-3, "{total}");
    }

    #[test]
    fn sky_and_hdri_worlds_bake() {
        let spec = SkySpec {
            sun_elevation_deg: 30.0,
            sun_azimuth_deg: 90.0,
            turbidity: 3.0,
            intensity: 1.0,
            ground_albedo: Vec3::splat(0.3),
            sun_light: true,
        };
        let fog = Fog {
            density: 0.01,
            height_falloff: 0.1,
            base_height: 0.0,
            color: None,
        };
        let extra = Vec3::splat(0.01);
        let w = World::bake(&Environment::Sky(spec.clone()), Some(&fog), (extra, extra));
        let bare = sky::bake(&spec, BAKED_WIDTH);
        assert_eq!((w.env.width, w.env.height), (BAKED_WIDTH, BAKED_WIDTH / 2));
        assert!((w.env.lookup(Vec3::Y) - bare.lookup(Vec3::Y) - extra).length() < 1e-4);
        let sun = w.sun.map(|s| s.direction).unwrap_or_default();
        // The sun is in the east, 30° up; its light travels west and down.
        assert!(
            (sun - Vec3::new(-0.866, -0.5, 0.0)).length() < 1e-3,
            "{sun}"
        );
        // The fog takes the horizon's mean: between the ground and the sky there.
        assert!(w.fog_color.min_element() > 0.0 && w.fog.is_some());
        let no_sun = World::bake(
            &Environment::Sky(SkySpec {
                sun_light: false,
                ..spec
            }),
            None,
            (Vec3::ZERO, Vec3::ZERO),
        );
        assert!(no_sun.sun.is_none());

        let image = EnvMap::from_fn(32, 16, |d| Vec3::new(0.25, 0.5, 1.0 + d.y));
        let hdri = HdriSpec {
            path: "e.hdr".into(),
            file: "e.hdr".into(),
            image: Arc::new(image),
            rotate_deg: 0.0,
            intensity: 2.0,
        };
        let w = World::bake(&Environment::Hdri(hdri), None, (Vec3::ZERO, Vec3::ZERO));
        assert_eq!((w.env.width, w.env.height), (32, 16));
        let down = w.env.lookup(Vec3::NEG_Y);
        assert!((down - Vec3::new(0.5, 1.0, 0.0)).length() < 0.05, "{down}");
        assert!(w.sun.is_none());
    }

    #[test]
    fn the_hemisphere_bakes_to_the_old_formula() {
        let sky = Vec3::new(0.3, 0.4, 0.5);
        let ground = Vec3::new(0.1, 0.05, 0.0);
        let w = World::bake(&Environment::Hemisphere, None, (sky, ground));
        for d in [
            Vec3::Y,
            Vec3::NEG_Y,
            Vec3::X,
            Vec3::new(0.3, 0.5, -0.2).normalize(),
        ] {
            let want = ground.lerp(sky, d.y * 0.5 + 0.5);
            assert!((w.env.lookup(d) - want).length() < 0.01, "{d}");
        }
        assert!(w.sun.is_none());
    }
}
