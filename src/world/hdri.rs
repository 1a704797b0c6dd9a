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

/// Reads an equirectangular HDR image: Radiance RGBE (`.hdr`) or OpenEXR (`.exr`), chosen
/// by the file's magic bytes, not its name. `shown` is the path as written, for messages.
///
/// # Errors
/// A message naming `shown` for a missing or unreadable file, a file that is not what
/// its extension says, a header past the size limits, a truncated file, NaN, infinite or
/// negative radiance, or an image too small to light anything.
pub fn load(file: &std::path::Path, shown: &str) -> Result<EnvMap, String> {
    let _ = (file, shown);
    todo!("issue 13: hdri loading")
}
