//! Equirectangular HDR images: loading and checking `.hdr` (Radiance RGBE) and `.exr`.
//! (Issue 13, world helper: to be written.)

use glam::Vec3;

use super::{EnvMap, HdriSpec};

/// The image rotated by `spec.rotate_deg`, scaled by `spec.intensity`, plus `extra`
/// radiance everywhere.
pub fn orient(spec: &HdriSpec, extra: Vec3) -> EnvMap {
    let _ = (spec, extra);
    todo!("issue 13: hdri orientation")
}
