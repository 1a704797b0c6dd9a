//! Style stage: a named look — camera pattern, light rig, lens and grade — in
//! `styles/*.ron` ([`Style`]), and the grade itself: exact, deterministic color math
//! applied after rendering, with 3-D LUTs in the `.cube` format.
//!
//! - Loading: a scene file + an optional style name -> [`load`] / [`parse_str`] ->
//!   ([`Scene`](crate::scene::Scene), [`Look`]). The loader reads the scene file,
//!   resolves its style (or the one asked for), applies what the style owns (camera
//!   pattern, rig, lens) to the file, and validates it; the style depends on the scene,
//!   never the reverse.
//! - Per frame: [`Look::apply`] takes the raster's
//!   [`FrameBuffers`](crate::raster::FrameBuffers) + the scene's camera and the
//!   [`CameraPlan`](crate::camera::CameraPlan): NaN flow across cuts, depth of field,
//!   then the grade into `color` (RGBA8 sRGB). [`Look::grade_frame`] grades a finished
//!   or reference frame (linear RGB) the same way.
//!
//! Invariants: a style never touches bodies, materials or physics (swapping styles keeps
//! the simulation bit-identical); the grade is a pure function of the image, the scene
//! seed and the frame number, and without grain not even of those.

pub mod contract;
mod cube;
mod grade;
mod lens;
mod library;
mod look;
mod meter;

pub use cube::{CubeError, Interpolation, Lut3d, MAX_CUBE_SIZE};
pub use grade::{Cdl, Grade, ToneMap, bradford, planckian_xy};
pub use lens::depth_of_field;
pub use library::{
    GradeFile, LensFile, PatternFile, Style, StyleError, StyleFile, ToneMapFile, bundled,
    find_bundled, parse, resolve,
};
pub use look::{Look, lens_blur, load, parse_str};
pub use meter::{Exposure, Metered, Miss, meter};

#[cfg(test)]
mod tests;
