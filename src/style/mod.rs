//! Styles (in progress): the grade — exact, deterministic color math applied after
//! rendering — and 3-D LUTs in the `.cube` format. Style files (`styles/*.ron`), camera
//! language and light rigs build on these.

mod cube;
mod grade;

pub use cube::{CubeError, Lut3d, MAX_CUBE_SIZE};
pub use grade::{Cdl, Grade, ToneMap, bradford, planckian_xy};
