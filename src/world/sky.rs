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
