//! The analytic daylight sky and its sun.
//!
//! # Model
//! The sky is Preetham, Shirley & Smits 1999, "A Practical Analytic Model for Daylight"
//! (SIGGRAPH 99): the Perez et al. 1993 all-weather distribution
//! `F(θ, γ) = (1 + A e^{B / cos θ})(1 + C e^{D γ} + E cos² γ)` (θ the view's angle from
//! the zenith, γ its angle from the sun) for the luminance `Y` and the chromaticities
//! `x, y`, each normalised to the zenith: `Y(θ, γ) = Y_z F(θ, γ) / F(0, θ_s)`. The
//! coefficients `A…E` are the paper's linear functions of the turbidity `T`
//! (its appendix A.2); the zenith luminance is
//! `Y_z = (4.0453 T − 4.9710) tan χ − 0.2155 T + 2.4192` kcd/m² with
//! `χ = (4/9 − T/120)(π − 2 θ_s)`, and the zenith chromaticities are the paper's
//! cubic-in-θ_s, quadratic-in-T matrices. `xyY` becomes CIE XYZ and then linear sRGB
//! (Rec. 709 primaries, D65 white, IEC 61966-2-1 matrix); cd/m² become project units by
//! [`UNITS_PER_LUX`] times the spec's `intensity`.
//!
//! Why Preetham rather than Hosek & Wilkie 2012: it is closed form (the raster and the
//! reference evaluate the same few lines), it publishes the zenith values we test
//! against, and it needs no tables (Hosek–Wilkie ships ~10 000 fitted coefficients per
//! channel). Its known weaknesses, which we accept and document: at high turbidity it is
//! too bright and too blue near the horizon, it is only defined for a sun at or above
//! the horizon, and it has no ground.
//!
//! # Sun
//! Direction from the elevation and the azimuth (north −Z toward east +X); angular
//! diameter 0.53°. Color: the luminous solar constant, 133.8 klx (Darula, Kittler &
//! Gueymard 2005, "Reference luminous solar constant and solar luminance for
//! illuminance calculations"), taken as white, times the spectral transmittance of the
//! atmosphere at 680, 550 and 440 nm (R, G, B): Rayleigh `exp(−0.008735 λ^−4.08 m)`
//! (λ in µm, Leckner 1978), Ångström aerosol `exp(−β λ^−1.3 m)` with Preetham's
//! `β = 0.04608 T − 0.04586`, and Chappuis ozone `exp(−k_o l m)` (`l = 0.35` cm,
//! `k_o` from Preetham's appendix table); the relative air mass `m` is Kasten & Young
//! 1989, "Revised optical air mass tables and approximation formula". The sun is not
//! drawn into the map: it is a separate distant light ([`SunLight`]).
//!
//! # Twilight (sun below the horizon)
//! For elevations in `[-10°, 0°)` the sky is the model evaluated with the sun *at* the
//! horizon, multiplied per channel by two physical factors that follow from the
//! depression `δ` of the sun, with no hand-picked tint:
//! - brightness: the sky overhead is lit only above the Earth's shadow, whose height
//!   over the observer is `h(δ) = R_E (1 / cos δ − 1)` (`R_E` = 6371 km); the fraction of
//!   the Rayleigh-scattering air column above it is `exp(−h / H_R)`, `H_R` = 8 km (a
//!   single exponential atmosphere);
//! - color: the sunlight that reaches that lit air has crossed the ozone layer
//!   (15–35 km) along a grazing chord whose tangent height rises with the shadow
//!   (capped at the layer's base), and the Chappuis band absorbs orange and red: the
//!   extra ozone air mass of that chord over the chord at `δ = 0` multiplies each
//!   channel by `exp(−k_o l Δm)`. This is the classic explanation of the blue hour
//!   (Hulburt 1953, "Explanation of the brightness and color of the sky, particularly
//!   the twilight sky").
//!
//! Both factors are 1 at `δ = 0`, so the sky is continuous through sunset.
//!
//! # Ground
//! Below the horizon the map holds the ground: radiance `ground_albedo · E_h / π`
//! (a Lambertian ground), `E_h` the horizontal irradiance from the baked sky plus the
//! sun when it is a light, blended into the sky by a smoothstep over `|d.y| < sin 1°`.
//!
//! # Sun position
//! [`sun_position`] is the NOAA solar calculator's algorithm (after Meeus 1998,
//! "Astronomical Algorithms", ch. 25 and 28): apparent longitude, obliquity, declination
//! and the equation of time; the elevation includes the NOAA approximation of
//! atmospheric refraction (it is where the sun appears).

use glam::Vec3;

use super::{EnvMap, SkySpec, SunLight, UNITS_PER_LUX};

/// Luminous solar constant, lux (Darula, Kittler & Gueymard 2005).
pub const SOLAR_ILLUMINANCE_LUX: f32 = 133_800.0;

/// The sun's angular diameter, radians (0.53°).
pub const SUN_ANGLE: f32 = 0.53 * std::f32::consts::PI / 180.0;

/// Representative wavelengths of the R, G, B channels, µm.
const WAVELENGTHS_UM: [f32; 3] = [0.680, 0.550, 0.440];

/// Ozone absorption coefficients at [`WAVELENGTHS_UM`], 1/cm (Preetham 1999 appendix,
/// after Iqbal 1983).
const OZONE_K: [f32; 3] = [0.048, 0.085, 0.003];

/// Ozone column, cm at STP (Preetham 1999).
const OZONE_L: f32 = 0.35;

/// Earth's radius, km.
const EARTH_RADIUS_KM: f32 = 6371.0;

/// Rayleigh scale height, km.
const RAYLEIGH_SCALE_KM: f32 = 8.0;

/// The ozone layer, km above the ground (base, top).
const OZONE_LAYER_KM: (f32, f32) = (15.0, 35.0);

/// Half-width of the sky–ground blend, in `d.y` (sin 1°).
const HORIZON_BLEND: f32 = 0.017_452;

/// Perez coefficients `A…E` of one quantity.
type Perez = [f32; 5];

/// The Perez distribution `F(θ, γ)` given `cos θ` and `γ`.
fn perez(c: &Perez, cos_theta: f32, gamma: f32) -> f32 {
    let [a, b, cc, d, e] = *c;
    let cos_gamma = gamma.cos();
    (1.0 + a * (b / cos_theta.max(1e-3)).exp())
        * (1.0 + cc * (d * gamma).exp() + e * cos_gamma * cos_gamma)
}

/// Preetham's coefficients for `Y`, `x`, `y` at turbidity `t` (appendix A.2).
fn coefficients(t: f32) -> [Perez; 3] {
    [
        [
            0.1787 * t - 1.4630,
            -0.3554 * t + 0.4275,
            -0.0227 * t + 5.3251,
            0.1206 * t - 2.5771,
            -0.0670 * t + 0.3703,
        ],
        [
            -0.0193 * t - 0.2592,
            -0.0665 * t + 0.0008,
            -0.0004 * t + 0.2125,
            -0.0641 * t - 0.8989,
            -0.0033 * t + 0.0452,
        ],
        [
            -0.0167 * t - 0.2608,
            -0.0950 * t + 0.0092,
            -0.0079 * t + 0.2102,
            -0.0441 * t - 1.6537,
            -0.0109 * t + 0.0529,
        ],
    ]
}

/// Preetham's zenith luminance, kcd/m², for sun zenith angle `theta_s` (radians) and
/// turbidity `t`.
pub fn zenith_luminance_kcd(theta_s: f32, t: f32) -> f32 {
    let chi = (4.0 / 9.0 - t / 120.0) * (std::f32::consts::PI - 2.0 * theta_s);
    ((4.0453 * t - 4.9710) * chi.tan() - 0.2155 * t + 2.4192).max(0.0)
}

/// Preetham's zenith chromaticity `(x, y)` for sun zenith angle `theta_s` (radians).
pub fn zenith_chromaticity(theta_s: f32, t: f32) -> (f32, f32) {
    const MX: [[f32; 4]; 3] = [
        [0.00166, -0.00375, 0.00209, 0.0],
        [-0.02903, 0.06377, -0.03202, 0.00394],
        [0.11693, -0.21196, 0.06052, 0.25886],
    ];
    const MY: [[f32; 4]; 3] = [
        [0.00275, -0.00610, 0.00317, 0.0],
        [-0.04214, 0.08970, -0.04153, 0.00516],
        [0.15346, -0.26756, 0.06670, 0.26688],
    ];
    let th = [theta_s.powi(3), theta_s.powi(2), theta_s, 1.0];
    let tt = [t * t, t, 1.0];
    let eval = |m: &[[f32; 4]; 3]| -> f32 {
        (0..3)
            .map(|i| tt[i] * (0..4).map(|j| m[i][j] * th[j]).sum::<f32>())
            .sum()
    };
    (eval(&MX), eval(&MY))
}

/// Linear sRGB (Rec. 709, D65) of CIE `xyY`.
pub fn xyy_to_rgb(x: f32, y: f32, big_y: f32) -> Vec3 {
    if y <= 1e-6 || big_y <= 0.0 {
        return Vec3::ZERO;
    }
    let cx = x / y * big_y;
    let cz = (1.0 - x - y) / y * big_y;
    Vec3::new(
        3.240_454_2 * cx - 1.537_138_5 * big_y - 0.498_531_4 * cz,
        -0.969_266 * cx + 1.876_010_8 * big_y + 0.041_556 * cz,
        0.055_643_4 * cx - 0.204_025_9 * big_y + 1.057_225_2 * cz,
    )
}

/// The sun's unit direction toward the sun (not the light's travel direction).
fn toward_sun(elevation_deg: f32, azimuth_deg: f32) -> Vec3 {
    let (e, a) = (elevation_deg.to_radians(), azimuth_deg.to_radians());
    Vec3::new(e.cos() * a.sin(), e.sin(), -e.cos() * a.cos())
}

/// Relative optical air mass for a sun at `elevation_deg` (Kasten & Young 1989).
pub fn air_mass(elevation_deg: f32) -> f32 {
    let z = 90.0 - elevation_deg.clamp(0.0, 90.0);
    1.0 / (z.to_radians().cos() + 0.50572 * (96.07995 - z).powf(-1.6364))
}

/// Direct-beam transmittance of the atmosphere at R, G, B for air mass `m` and
/// turbidity `t` (Rayleigh, Ångström aerosol with Preetham's β, ozone).
pub fn transmittance(m: f32, t: f32) -> Vec3 {
    let beta = (0.04608 * t - 0.04586).max(0.0);
    let ch = |i: usize| {
        let l = WAVELENGTHS_UM[i];
        let tau = 0.008_735 * l.powf(-4.08) + beta * l.powf(-1.3) + OZONE_K[i] * OZONE_L;
        (-tau * m).exp()
    };
    Vec3::new(ch(0), ch(1), ch(2))
}

/// Air mass of a ray grazing the ozone layer at tangent height `h_km`, relative to the
/// layer's vertical thickness.
fn ozone_chord(h_km: f32) -> f32 {
    let (r1, r2) = (
        EARTH_RADIUS_KM + OZONE_LAYER_KM.0,
        EARTH_RADIUS_KM + OZONE_LAYER_KM.1,
    );
    let rt = EARTH_RADIUS_KM + h_km.min(OZONE_LAYER_KM.0);
    let len = 2.0 * ((r2 * r2 - rt * rt).max(0.0).sqrt() - (r1 * r1 - rt * rt).max(0.0).sqrt());
    len / (OZONE_LAYER_KM.1 - OZONE_LAYER_KM.0)
}

/// Per-channel factor of the twilight sky at sun depression `depression_deg` (>= 0):
/// the lit Rayleigh column above the Earth's shadow times the extra ozone absorption.
pub fn twilight_factor(depression_deg: f32) -> Vec3 {
    if depression_deg <= 0.0 {
        return Vec3::ONE;
    }
    let h = EARTH_RADIUS_KM * (1.0 / depression_deg.to_radians().cos() - 1.0);
    let lit = (-h / RAYLEIGH_SCALE_KM).exp();
    let dm = ozone_chord(h) - ozone_chord(0.0);
    let ch = |i: usize| lit * (-OZONE_K[i] * OZONE_L * dm).exp();
    Vec3::new(ch(0), ch(1), ch(2))
}

/// The clear sky of one spec: evaluates radiance toward directions above the horizon.
struct SkyModel {
    sun_dir: Vec3,
    coef: [Perez; 3],
    /// `Y_z / F_Y(0, θ_s)` in project units, `x_z / F_x(0, θ_s)`, `y_z / F_y(0, θ_s)`.
    norm: [f32; 3],
    /// Twilight factor (ones with the sun up).
    tint: Vec3,
}

impl SkyModel {
    fn new(spec: &SkySpec) -> Self {
        let t = spec.turbidity.clamp(1.7, 10.0);
        let elevation = spec.sun_elevation_deg.clamp(-90.0, 90.0);
        let sun_dir = toward_sun(elevation.max(0.0), spec.sun_azimuth_deg);
        let theta_s = (90.0 - elevation.max(0.0)).to_radians();
        let coef = coefficients(t);
        let yz = zenith_luminance_kcd(theta_s, t) * 1000.0 * UNITS_PER_LUX * spec.intensity;
        let (xz, yzc) = zenith_chromaticity(theta_s, t);
        let f0 = |c: &Perez| perez(c, 1.0, theta_s);
        Self {
            sun_dir,
            norm: [yz / f0(&coef[0]), xz / f0(&coef[1]), yzc / f0(&coef[2])],
            coef,
            tint: twilight_factor(-elevation),
        }
    }

    /// Radiance toward unit `d`, evaluated at `d.y >= 0` (directions below are lifted to
    /// the horizon).
    fn radiance(&self, d: Vec3) -> Vec3 {
        let cos_theta = d.y.max(0.0);
        let gamma = d.dot(self.sun_dir).clamp(-1.0, 1.0).acos();
        let big_y = self.norm[0] * perez(&self.coef[0], cos_theta, gamma);
        let x = self.norm[1] * perez(&self.coef[1], cos_theta, gamma);
        let y = self.norm[2] * perez(&self.coef[2], cos_theta, gamma);
        (xyy_to_rgb(x, y, big_y) * self.tint).max(Vec3::ZERO)
    }
}

/// The sky's radiance for every direction, baked into a `width × width/2` map.
pub fn bake(spec: &SkySpec, width: u32) -> EnvMap {
    let width = width.max(8);
    let height = (width / 2).max(4);
    let model = SkyModel::new(spec);
    let sky = EnvMap::from_fn(width, height, |d| model.radiance(d));
    // Horizontal irradiance: ∫ L cos θ dω over the texels above the horizon.
    let mut e_h = Vec3::ZERO;
    for y in 0..height {
        let v = (y as f32 + 0.5) / height as f32;
        let cos_theta = (std::f32::consts::PI * v).cos();
        if cos_theta <= 0.0 {
            continue;
        }
        let w = sky.texel_solid_angle(y) * cos_theta;
        for x in 0..width {
            e_h += sky.texel(i64::from(x), i64::from(y)) * w;
        }
    }
    if let Some(s) = sun(spec) {
        e_h += s.color * (-s.direction.y).max(0.0);
    }
    let ground = spec.ground_albedo.max(Vec3::ZERO) * e_h / std::f32::consts::PI;
    let mut out = sky;
    for y in 0..height {
        let v = (y as f32 + 0.5) / height as f32;
        let dy = (std::f32::consts::PI * v).cos();
        let t = ((dy + HORIZON_BLEND) / (2.0 * HORIZON_BLEND)).clamp(0.0, 1.0);
        let w = t * t * (3.0 - 2.0 * t);
        if w >= 1.0 {
            continue;
        }
        let row = y as usize * width as usize;
        for texel in out.texels.iter_mut().skip(row).take(width as usize) {
            *texel = ground.lerp(*texel, w);
        }
    }
    out
}

/// The sun as a distant light (color after the atmosphere), `None` below the horizon or
/// when `spec.sun_light` is false.
pub fn sun(spec: &SkySpec) -> Option<SunLight> {
    if !spec.sun_light || spec.sun_elevation_deg.is_nan() || spec.sun_elevation_deg <= 0.0 {
        return None;
    }
    let elevation = spec.sun_elevation_deg.min(90.0);
    let m = air_mass(elevation);
    let color = transmittance(m, spec.turbidity.clamp(1.7, 10.0))
        * SOLAR_ILLUMINANCE_LUX
        * UNITS_PER_LUX
        * spec.intensity;
    Some(SunLight {
        direction: -toward_sun(elevation, spec.sun_azimuth_deg),
        color,
        angle: SUN_ANGLE,
    })
}

/// Julian day of a Gregorian date at `hours` UTC (Meeus 1998, ch. 7).
fn julian_day(date: (i32, u32, u32), hours: f64) -> f64 {
    let (mut y, mut m, d) = (f64::from(date.0), f64::from(date.1), f64::from(date.2));
    if m <= 2.0 {
        y -= 1.0;
        m += 12.0;
    }
    let a = (y / 100.0).floor();
    let b = 2.0 - a + (a / 4.0).floor();
    (365.25 * (y + 4716.0)).floor() + (30.6001 * (m + 1.0)).floor() + d + b - 1524.5 + hours / 24.0
}

/// The sun's apparent declination (degrees) and the equation of time (minutes) at
/// Julian day `jd` (NOAA after Meeus 1998, ch. 25 and 28).
pub fn declination_and_equation_of_time(jd: f64) -> (f64, f64) {
    let t = (jd - 2_451_545.0) / 36_525.0;
    let l0 = (280.466_46 + t * (36_000.769_83 + 0.000_303_2 * t)).rem_euclid(360.0);
    let m = 357.529_11 + t * (35_999.050_29 - 0.000_153_7 * t);
    let e = 0.016_708_634 - t * (0.000_042_037 + 0.000_000_126_7 * t);
    let mr = m.to_radians();
    let c = mr.sin() * (1.914_602 - t * (0.004_817 + 0.000_014 * t))
        + (2.0 * mr).sin() * (0.019_993 - 0.000_101 * t)
        + (3.0 * mr).sin() * 0.000_289;
    let omega = (125.04 - 1934.136 * t).to_radians();
    let lambda = (l0 + c - 0.005_69 - 0.004_78 * omega.sin()).to_radians();
    let eps0 =
        23.0 + (26.0 + (21.448 - t * (46.815 + t * (0.000_59 - t * 0.001_813))) / 60.0) / 60.0;
    let eps = (eps0 + 0.002_56 * omega.cos()).to_radians();
    let decl = (eps.sin() * lambda.sin()).asin().to_degrees();
    let y = (eps / 2.0).tan().powi(2);
    let l0r = l0.to_radians();
    let eot = y * (2.0 * l0r).sin() - 2.0 * e * mr.sin()
        + 4.0 * e * y * mr.sin() * (2.0 * l0r).cos()
        - 0.5 * y * y * (4.0 * l0r).sin()
        - 1.25 * e * e * (2.0 * mr).sin();
    (decl, 4.0 * eot.to_degrees())
}

/// NOAA's approximation of atmospheric refraction, degrees, at geometric `elevation`
/// degrees.
fn refraction_deg(elevation: f64) -> f64 {
    let te = elevation.to_radians().tan();
    let arcsec = if elevation > 85.0 {
        0.0
    } else if elevation > 5.0 {
        58.1 / te - 0.07 / te.powi(3) + 0.000_086 / te.powi(5)
    } else if elevation > -0.575 {
        1735.0
            + elevation * (-518.2 + elevation * (103.4 + elevation * (-12.79 + elevation * 0.711)))
    } else {
        -20.774 / te
    };
    arcsec / 3600.0
}

/// The sun's elevation and azimuth, degrees (azimuth from north toward east), at local
/// civil `time_h` hours (e.g. 19.5 for 19:30) on the Gregorian `date` (year, month, day)
/// at `latitude_deg` (north positive) and `longitude_deg` (east positive), with the
/// local clock `utc_offset_h` hours ahead of UTC. The elevation includes atmospheric
/// refraction (NOAA's approximation): it is where the sun is seen.
pub fn sun_position(
    date: (i32, u32, u32),
    time_h: f32,
    latitude_deg: f32,
    longitude_deg: f32,
    utc_offset_h: f32,
) -> (f32, f32) {
    let utc_h = f64::from(time_h) - f64::from(utc_offset_h);
    let jd = julian_day(date, utc_h);
    let (decl, eot) = declination_and_equation_of_time(jd);
    let true_solar_min = (utc_h * 60.0 + eot + 4.0 * f64::from(longitude_deg)).rem_euclid(1440.0);
    let ha = (true_solar_min / 4.0 - 180.0).to_radians();
    let (lat, dec) = (f64::from(latitude_deg).to_radians(), decl.to_radians());
    let cos_zenith = (lat.sin() * dec.sin() + lat.cos() * dec.cos() * ha.cos()).clamp(-1.0, 1.0);
    let elevation = 90.0 - cos_zenith.acos().to_degrees();
    let azimuth = (ha
        .sin()
        .atan2(ha.cos() * lat.sin() - dec.tan() * lat.cos())
        .to_degrees()
        + 180.0)
        .rem_euclid(360.0);
    (
        (elevation + refraction_deg(elevation)) as f32,
        azimuth as f32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::LUMA;

    fn spec(elevation: f32, turbidity: f32) -> SkySpec {
        SkySpec {
            sun_elevation_deg: elevation,
            sun_azimuth_deg: 135.0,
            turbidity,
            intensity: 1.0,
            ground_albedo: Vec3::splat(0.2),
            sun_light: true,
        }
    }

    fn luminance(c: Vec3) -> f32 {
        c.dot(LUMA)
    }

    /// Direction at `elevation` degrees and `azimuth` degrees.
    fn dir(elevation: f32, azimuth: f32) -> Vec3 {
        toward_sun(elevation, azimuth)
    }

    #[test]
    fn baked_zenith_luminance_is_preethams_formula() {
        for elevation in [20.0_f32, 60.0] {
            let s = spec(elevation, 3.0);
            let map = bake(&s, 256);
            let got = luminance(map.lookup(Vec3::Y)) / UNITS_PER_LUX / 1000.0;
            let want = zenith_luminance_kcd((90.0 - elevation).to_radians(), 3.0);
            assert!(
                (got / want - 1.0).abs() < 0.03,
                "elevation {elevation}: map {got} kcd/m², Preetham Yz {want}"
            );
        }
    }

    #[test]
    fn horizon_to_zenith_ratio_follows_perez() {
        let s = spec(30.0, 4.0);
        let map = bake(&s, 256);
        let theta_s = 60.0_f32.to_radians();
        let c = coefficients(4.0);
        // Opposite the sun, 10° above the horizon.
        let d = dir(10.0, 315.0);
        let gamma = d.dot(dir(30.0, 135.0)).acos();
        let want = perez(&c[0], d.y, gamma) / perez(&c[0], 1.0, theta_s);
        let got = luminance(map.lookup(d)) / luminance(map.lookup(Vec3::Y));
        assert!((got / want - 1.0).abs() < 0.03, "ratio {got}, Perez {want}");
    }

    #[test]
    fn a_low_sun_is_warmer_than_a_high_one() {
        let rb = |c: Vec3| c.x / c.z;
        let low = sun(&spec(5.0, 3.0)).map(|s| s.color).unwrap_or_default();
        let high = sun(&spec(45.0, 3.0)).map(|s| s.color).unwrap_or_default();
        assert!(rb(low) > 1.2 * rb(high), "sun R/B low {low} high {high}");
        let near = |e: f32| bake(&spec(e, 3.0), 256).lookup(dir(e + 5.0, 135.0));
        let (sl, sh) = (near(5.0), near(45.0));
        assert!(rb(sl) > rb(sh), "sky near the sun R/B low {sl} high {sh}");
    }

    #[test]
    fn sun_at_45_degrees_matches_measured_direct_normal_illuminance() {
        // IES clear-sky model from measurements (IES RP-21, Murdoch 1977):
        // E_dn = 127.5 klx · exp(−0.21 / sin(altitude)).
        let measured = 127_500.0 * (-0.21 / 45.0_f32.to_radians().sin()).exp();
        let s = sun(&spec(45.0, 3.0)).map(|s| s.color).unwrap_or_default();
        let got = luminance(s) / UNITS_PER_LUX;
        assert!(
            (got / measured - 1.0).abs() < 0.10,
            "sun {got} lx, measured {measured} lx"
        );
    }

    #[test]
    fn twilight_is_darker_and_bluer_than_golden_hour() {
        let zenith = |e: f32| bake(&spec(e, 3.0), 128).lookup(Vec3::Y);
        let golden = zenith(5.0);
        let twilight = zenith(-4.0);
        assert!(
            luminance(twilight) < 0.2 * luminance(golden),
            "twilight {twilight}, golden {golden}"
        );
        let rb = |c: Vec3| c.x / c.z;
        assert!(
            rb(twilight) < rb(golden),
            "R/B twilight {twilight}, golden {golden}"
        );
        assert!(sun(&spec(-4.0, 3.0)).is_none());
        let mut last = luminance(zenith(0.0));
        for e in [-1.0, -2.0, -4.0, -6.0] {
            let l = luminance(zenith(e));
            assert!(l < last && l > 0.0, "zenith at {e}°: {l}, above: {last}");
            last = l;
        }
    }

    #[test]
    fn maps_are_finite_and_non_negative() {
        for e in [-10.0, -6.0, -0.5, 0.0, 0.5, 5.0, 30.0, 89.0, 90.0] {
            for t in [1.7, 2.0, 3.0, 6.0, 10.0] {
                let map = bake(&spec(e, t), 32);
                for (i, c) in map.texels.iter().enumerate() {
                    assert!(
                        c.is_finite() && c.min_element() >= 0.0,
                        "elevation {e} turbidity {t} texel {i}: {c}"
                    );
                }
            }
        }
    }

    #[test]
    fn ground_is_albedo_times_horizontal_irradiance_over_pi() {
        let s = spec(30.0, 3.0);
        let map = bake(&s, 128);
        let mut e_h = 0.0;
        let sky = bake(
            &SkySpec {
                ground_albedo: Vec3::ZERO,
                ..s.clone()
            },
            128,
        );
        for y in 0..32 {
            for x in 0..128 {
                let d = EnvMap::direction((x as f32 + 0.5) / 128.0, (y as f32 + 0.5) / 64.0);
                e_h += luminance(sky.texel(x, y)) * d.y * sky.texel_solid_angle(y as u32);
            }
        }
        let sun_e = sun(&s).map(|s| luminance(s.color) * 0.5).unwrap_or(0.0);
        let want = 0.2 * (e_h + sun_e) / std::f32::consts::PI;
        let got = luminance(map.lookup(Vec3::NEG_Y));
        assert!((got / want - 1.0).abs() < 0.01, "ground {got}, want {want}");
        assert!(luminance(sky.lookup(Vec3::NEG_Y)) == 0.0);
    }

    #[test]
    fn meeus_declination_and_equation_of_time() {
        // Meeus 1998, examples 25.a and 28.b: 1992 October 13, 0h TD: apparent
        // declination −7.78507°, equation of time 13 min 42.6 s.
        let jd = julian_day((1992, 10, 13), 0.0);
        assert!((jd - 2_448_908.5).abs() < 1e-6, "{jd}");
        let (decl, eot) = declination_and_equation_of_time(jd);
        assert!((decl + 7.78507).abs() < 0.01, "declination {decl}");
        assert!((eot - 13.71).abs() < 0.1, "equation of time {eot} min");
    }

    #[test]
    fn sun_position_at_true_noon_and_in_the_morning() {
        // At true solar noon the sun is due south (north of the tropics) at elevation
        // 90° − (latitude − declination), plus refraction (~0.03° at 31°).
        // Greenwich, 1992-10-13: true noon at 12:00 − 13.71 min UTC.
        let noon = 12.0 - 13.71 / 60.0;
        let (e, a) = sun_position((1992, 10, 13), noon, 51.4769, 0.0, 0.0);
        // The declination moves ~0.39°/day in October: take it at noon (checked against
        // Meeus at 0h above).
        let (decl, _) = declination_and_equation_of_time(julian_day((1992, 10, 13), noon.into()));
        let want = 90.0 - (51.4769 - decl as f32);
        assert!((e - want).abs() < 0.1, "elevation {e}, want {want}");
        assert!((a - 180.0).abs() < 0.5, "azimuth {a}");
        // The same instant read on a clock one hour ahead of UTC gives the same sun.
        let (e2, a2) = sun_position((1992, 10, 13), noon + 1.0, 51.4769, 0.0, 1.0);
        assert!(
            (e2 - e).abs() < 1e-3 && (a2 - a).abs() < 1e-3,
            "offset {e2} {a2}"
        );
        // Two hours earlier the sun is lower, in the south-east.
        let (e3, a3) = sun_position((1992, 10, 13), noon - 2.0, 51.4769, 0.0, 0.0);
        assert!(e3 < e && a3 > 90.0 && a3 < 180.0, "morning {e3} {a3}");
    }

    #[test]
    #[ignore = "prints the table in docs/worlds.md"]
    fn print_table() {
        for e in [-6.0, -4.0, -2.0, 0.0, 2.0, 5.0, 10.0, 20.0, 45.0, 70.0] {
            let s = spec(e, 3.0);
            let map = bake(&s, 256);
            let z = map.lookup(Vec3::Y);
            let sc = sun(&s).map(|s| s.color).unwrap_or_default();
            println!(
                "| {e} | {:.0} | {:.3} {:.3} {:.3} | {:.1} | {:.3} {:.3} {:.3} |",
                luminance(z) / UNITS_PER_LUX,
                z.x / z.max_element(),
                z.y / z.max_element(),
                z.z / z.max_element(),
                luminance(sc) / UNITS_PER_LUX / 1000.0,
                sc.x / sc.max_element().max(1e-9),
                sc.y / sc.max_element().max(1e-9),
                sc.z / sc.max_element().max(1e-9),
            );
        }
    }
}
