//! Raster stage: [`Scene`](crate::scene::Scene), [`Trajectory`](crate::physics::Trajectory)
//! and the camera stage's [`CameraFrame`](crate::camera::CameraFrame)s ->
//! [`FrameBuffers`] for every frame, with a headless wgpu renderer (any Vulkan / Metal /
//! DX12 / GL adapter; Mesa's lavapipe on machines without a GPU). Lights come from
//! [`crate::camera::resolve_lights`], as the reference tracer's do. The buffers are in
//! linear light and ungraded: the style's [`Look`](crate::style::Look) grades the frames
//! afterwards. [`Renderer`] holds the device, pipelines and targets (set up once); every
//! frame's input comes in by reference. [`Renderer::render_wanted`] draws only the passes
//! the [`Wanted`] buffers need and leaves the others empty.
//!
//! Buffer conventions, stated once:
//! - pixels: origin at the top-left corner, +x right, +y down, row-major;
//! - `linear`: the lit, shadowed, 4× multisampled preview in linear scene-referred light;
//! - `color`: empty from the raster; the style's look grades `linear` into it (RGBA8 sRGB);
//! - `albedo`: RGBA8, sRGB-encoded base color without lighting;
//! - `depth`: f32 distance along the camera's -Z axis in meters (not along the ray);
//!   background `+inf`;
//! - `normal`: unit world-space normal of the visible surface (facing the camera);
//!   background `(0, 0, 0)`;
//! - `flow_fwd`: `(dx, dy)` in pixels from where a surface point is at frame `t` to where
//!   it is at `t + 1`; `flow_bwd`: to where it was at `t - 1`. Exact, from the rigid poses
//!   of every object and the camera, not estimated. The last frame's forward flow and the
//!   first frame's backward flow are computed against the same frame (zero for static
//!   content). A cloth's flow follows its simulated vertices; a liquid's is the motion
//!   of its reconstructed surface's points carried by the particle velocity interpolated
//!   there (`± v / fps`), not a correspondence between two frames' surfaces where their
//!   topology changes (see `docs/fluid-rendering.md`);
//! - `segmentation`: the entity's instance id (1-based, stable for the clip), 0 for the
//!   background.
//!
//! The ground-truth buffers (depth, normal, flow, segmentation) are not anti-aliased:
//! each pixel describes the one surface under its center.
//!
//! Liquids ([`crate::scene::Fluid`]) are drawn as the surface [`fluid_surface`]
//! reconstructs from the frame's particles, with their entity's material and id, opaque:
//! the raster draws every transmissive material opaque (transmission, with a liquid's
//! Beer–Lambert absorption, is the reference tracer's).

mod fluid_mesh;
mod gpu;
pub mod ibl;
mod mesh;
#[cfg(test)]
mod pattern_test;
mod upload;

pub use fluid_mesh::{FluidSurface, fluid_mesh, fluid_surface};
pub use gpu::{Renderer, Wanted};
pub use mesh::{CharacterMesh, TriMesh, Vertex, cloth_mesh, tessellate};

/// Why rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum RasterError {
    /// No graphics adapter.
    #[error(
        "no graphics adapter found ({0}). On a machine without a GPU install Mesa's CPU \
         Vulkan driver: `apt-get install mesa-vulkan-drivers libvulkan1` (Debian/Ubuntu)"
    )]
    NoAdapter(String),
    /// The adapter lacks something the renderer needs.
    #[error("{0}")]
    Unsupported(String),
    /// The device failed.
    #[error("graphics device error: {0}")]
    Device(String),
}

/// Every buffer of one frame (see the module docs for conventions).
#[derive(Debug, Clone)]
pub struct FrameBuffers {
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// Lit preview, RGBA8 sRGB: `linear` through the style's grade. The raster leaves it
    /// empty; the look fills it.
    pub color: Vec<u8>,
    /// Lit preview before the grade: linear scene-referred RGB (Rec. 709 primaries).
    pub linear: Vec<[f32; 3]>,
    /// Base color, RGBA8 sRGB.
    pub albedo: Vec<u8>,
    /// World-space unit normals.
    pub normal: Vec<[f32; 3]>,
    /// Instance ids.
    pub segmentation: Vec<u32>,
    /// Body parts of characters, read with `segmentation` when the scene has characters
    /// (else empty): 0 where no character is seen, else the joint index + 1 of the part
    /// (see [`crate::character::Joint`]); the character is the pixel's instance id.
    pub parts: Vec<u8>,
    /// Depth along -Z, m; `+inf` for background.
    pub depth: Vec<f32>,
    /// Forward flow, pixels.
    pub flow_fwd: Vec<[f32; 2]>,
    /// Backward flow, pixels.
    pub flow_bwd: Vec<[f32; 2]>,
}

impl FrameBuffers {
    /// Index of pixel `(x, y)`.
    pub fn index(&self, x: u32, y: u32) -> usize {
        y as usize * self.width as usize + x as usize
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_character;
#[cfg(test)]
pub(crate) mod tests_fluid;
#[cfg(test)]
mod tests_world;
