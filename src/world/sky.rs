//! The analytic daylight sky and its sun. (Issue 13, world helper: to be written.)

use super::{EnvMap, SkySpec, SunLight};

/// The sky's radiance for every direction, baked into a `width × width/2` map.
pub fn bake(spec: &SkySpec, width: u32) -> EnvMap {
    let _ = (spec, width);
    todo!("issue 13: the sky model")
}

/// The sun as a distant light (color after the atmosphere), `None` below the horizon or
/// when `spec.sun_light` is false.
pub fn sun(spec: &SkySpec) -> Option<SunLight> {
    let _ = spec;
    todo!("issue 13: the sun")
}

/// The sun's elevation and azimuth, degrees (azimuth from north toward east), at local
/// civil `time_h` hours (e.g. 19.5 for 19:30) on the Gregorian `date` (year, month, day)
/// at `latitude_deg` (north positive) and `longitude_deg` (east positive), with the
/// local clock `utc_offset_h` hours ahead of UTC.
pub fn sun_position(
    date: (i32, u32, u32),
    time_h: f32,
    latitude_deg: f32,
    longitude_deg: f32,
    utc_offset_h: f32,
) -> (f32, f32) {
    let _ = (date, time_h, latitude_deg, longitude_deg, utc_offset_h);
    todo!("issue 13: the sun's position")
}
