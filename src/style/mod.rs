//! Styles: a named look — camera pattern, light rig, lens and grade — in `styles/*.ron`,
//! and the grade itself: exact, deterministic color math applied after rendering, with
//! 3-D LUTs in the `.cube` format.

mod cube;
mod grade;
mod lens;
mod library;

pub use cube::{CubeError, Interpolation, Lut3d, MAX_CUBE_SIZE};
pub use grade::{Cdl, Grade, ToneMap, bradford, planckian_xy};
pub use lens::depth_of_field;
pub use library::{
    GradeFile, LensFile, PatternFile, Style, StyleError, StyleFile, ToneMapFile, bundled,
    find_bundled, parse, resolve,
};

#[cfg(test)]
mod tests;
