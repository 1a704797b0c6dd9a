//! Textures: image maps on materials, their mip chains, and the UV mapping of every
//! primitive shape.
//!
//! A [`Texture`] is RGBA8 as stored in its file (sRGB-encoded for color maps, linear for
//! data maps: [`ColorSpace`]) with a full mip chain down to 1×1, each level a 2×2 box
//! filter of the one above done in linear light. Texture coordinates repeat (wrap) in
//! both directions; `v = 0` is the image's top row, as glTF defines it. A material's
//! maps ([`MaterialMaps`]) follow glTF 2.0's metallic-roughness model: base color
//! (sRGB, multiplies the material color), normal (tangent space, linear, +Y up = glTF's
//! convention), metallic-roughness (linear; roughness in G, metallic in B, multiplying
//! the material's), emissive (sRGB, multiplies the emission) and occlusion (linear, R).
//!
//! The UV mapping of each primitive is in [`uv`]; meshes carry their file's UVs.

mod load;
pub mod pattern;
pub mod uv;

pub use load::{
    MAX_TEXTURE_BYTES, MAX_TEXTURE_FILE_BYTES, MAX_TEXTURE_SIDE, TextureBudget, TextureError,
    chain_bytes, from_bytes, load, mip_chain,
};

use std::sync::Arc;

use glam::{Vec2, Vec4};

use crate::math::srgb8_to_linear;

/// How a map's bytes encode its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum ColorSpace {
    /// sRGB transfer function (color maps: base color, emissive).
    Srgb,
    /// Stored values are the values (normal, metallic-roughness, occlusion).
    Linear,
}

/// One mip level.
#[derive(Debug, Clone, PartialEq)]
pub struct Mip {
    /// Width, texels.
    pub width: u32,
    /// Height, texels.
    pub height: u32,
    /// Row-major from the top row, RGBA8.
    pub texels: Vec<[u8; 4]>,
}

/// An image map with its mip chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Texture {
    /// The path as written (for messages and metadata).
    pub name: String,
    /// How its bytes encode values.
    pub color_space: ColorSpace,
    /// Level 0 (full size) first, down to 1×1.
    pub mips: Vec<Mip>,
}

impl Texture {
    /// Width and height of level 0.
    pub fn size(&self) -> (u32, u32) {
        self.mips.first().map_or((0, 0), |m| (m.width, m.height))
    }

    /// The value of texel `(x, y)` (wrapping) of level `level` (clamped), decoded to
    /// linear values in `[0, 1]`.
    pub fn texel(&self, level: usize, x: i64, y: i64) -> Vec4 {
        let Some(m) = self.mips.get(level.min(self.mips.len().saturating_sub(1))) else {
            return Vec4::ONE;
        };
        let x = x.rem_euclid(i64::from(m.width.max(1))) as usize;
        let y = y.rem_euclid(i64::from(m.height.max(1))) as usize;
        let [r, g, b, a] = m.texels[y * m.width as usize + x];
        match self.color_space {
            ColorSpace::Srgb => Vec4::new(
                srgb8_to_linear(r),
                srgb8_to_linear(g),
                srgb8_to_linear(b),
                f32::from(a) / 255.0,
            ),
            ColorSpace::Linear => {
                Vec4::new(f32::from(r), f32::from(g), f32::from(b), f32::from(a)) / 255.0
            }
        }
    }

    /// Bilinear lookup at `uv` (repeating) in level `level`.
    pub fn bilinear(&self, level: usize, uv: Vec2) -> Vec4 {
        let Some(m) = self.mips.get(level.min(self.mips.len().saturating_sub(1))) else {
            return Vec4::ONE;
        };
        let fx = uv.x * m.width as f32 - 0.5;
        let fy = uv.y * m.height as f32 - 0.5;
        let (x0, y0) = (fx.floor(), fy.floor());
        let (tx, ty) = (fx - x0, fy - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let a = self
            .texel(level, x0, y0)
            .lerp(self.texel(level, x0 + 1, y0), tx);
        let b = self
            .texel(level, x0, y0 + 1)
            .lerp(self.texel(level, x0 + 1, y0 + 1), tx);
        a.lerp(b, ty)
    }

    /// Trilinear lookup at `uv` with level of detail `lod` (0 = full size; `log2` of the
    /// texels one pixel spans), as a GPU's linear-mipmap-linear sampler does.
    pub fn sample(&self, uv: Vec2, lod: f32) -> Vec4 {
        let top = self.mips.len().saturating_sub(1) as f32;
        let lod = lod.clamp(0.0, top);
        let l0 = lod.floor();
        let t = lod - l0;
        let a = self.bilinear(l0 as usize, uv);
        if t <= 0.0 {
            return a;
        }
        a.lerp(self.bilinear(l0 as usize + 1, uv), t)
    }
}

/// A material's image maps (glTF 2.0 metallic-roughness), each optional.
#[derive(Debug, Clone, PartialEq)]
pub struct MaterialMaps {
    /// Multiplies the base color (sRGB).
    pub base_color: Option<Arc<Texture>>,
    /// Tangent-space normal map (linear; `2c − 1`, +Y up).
    pub normal: Option<Arc<Texture>>,
    /// Roughness in G, metallic in B (linear), multiplying the material's.
    pub metallic_roughness: Option<Arc<Texture>>,
    /// Multiplies the emission (sRGB).
    pub emissive: Option<Arc<Texture>>,
    /// Ambient occlusion in R (linear), on environment (ambient) light only.
    pub occlusion: Option<Arc<Texture>>,
    /// Texture coordinates are multiplied by this (repeats per UV unit).
    pub uv_scale: Vec2,
}

impl Default for MaterialMaps {
    fn default() -> Self {
        Self {
            base_color: None,
            normal: None,
            metallic_roughness: None,
            emissive: None,
            occlusion: None,
            uv_scale: Vec2::ONE,
        }
    }
}

impl MaterialMaps {
    /// Whether any map is present.
    pub fn any(&self) -> bool {
        self.base_color.is_some()
            || self.normal.is_some()
            || self.metallic_roughness.is_some()
            || self.emissive.is_some()
            || self.occlusion.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checker() -> Texture {
        let texels = vec![
            [0, 0, 0, 255],
            [255, 255, 255, 255],
            [255, 255, 255, 255],
            [0, 0, 0, 255],
        ];
        Texture {
            name: "checker".into(),
            color_space: ColorSpace::Srgb,
            mips: vec![
                Mip {
                    width: 2,
                    height: 2,
                    texels,
                },
                Mip {
                    width: 1,
                    height: 1,
                    texels: vec![[188, 188, 188, 255]],
                },
            ],
        }
    }

    #[test]
    fn texel_centers_return_their_texel_and_wrap() {
        let t = checker();
        assert_eq!(t.sample(Vec2::new(0.25, 0.25), 0.0).x, 0.0);
        assert_eq!(t.sample(Vec2::new(0.75, 0.25), 0.0).x, 1.0);
        assert_eq!(t.sample(Vec2::new(1.25, -0.75), 0.0).x, 0.0, "repeats");
    }

    #[test]
    fn srgb_decodes_to_linear() {
        assert!((srgb8_to_linear(188) - 0.503).abs() < 0.002);
        assert_eq!(srgb8_to_linear(255), 1.0);
        let t = checker();
        let top = t.sample(Vec2::new(0.3, 0.3), 1.0);
        assert!((top.x - 0.503).abs() < 0.002, "{top}");
    }
}
