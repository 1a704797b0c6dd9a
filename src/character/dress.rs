//! The mannequin's clothes: its base-color atlas, painted from five colors.
//!
//! The atlas follows [`super::mannequin`]'s UV layout: the head fills the top half
//! (hair above the forehead and behind the ears, skin elsewhere, two dark eyes and brows
//! at the canonical face points so the head reads which way it looks), and each other
//! segment's cell of the 5 × 4 grid in the bottom half takes the color of what covers
//! it: shirt on the trunk and arms, skin on the neck and hands, trousers on the pelvis
//! and legs, shoes on the feet. A cameo's face texture, when there is one, replaces the
//! face rectangle ([`paint_face`]).

use glam::Vec2;

use super::cameo::{CANONICAL_FACE, FaceTexture, TEXTURE_SIZE};
use super::mannequin::FACE_UV_RECT;
use super::skeleton::{JOINT_COUNT, Joint};
use crate::math::linear_to_srgb8;

/// Atlas width and height, texels: the face rectangle gets 341 × 282 of them.
pub const ATLAS_SIZE: u32 = 1024;

/// What a character wears, linear-light RGB each.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Colors {
    /// Skin.
    pub skin: [f32; 3],
    /// Hair.
    pub hair: [f32; 3],
    /// Shirt.
    pub shirt: [f32; 3],
    /// Trousers.
    pub trousers: [f32; 3],
    /// Shoes.
    pub shoes: [f32; 3],
}

/// Which color covers the segment a joint owns.
fn covering(joint: Joint, c: &Colors) -> [f32; 3] {
    use Joint::*;
    match joint {
        Pelvis | LeftHip | LeftKnee | RightHip | RightKnee => c.trousers,
        SpineLower | SpineUpper | LeftShoulder | RightShoulder | LeftElbow | RightElbow => c.shirt,
        Neck | Head | LeftWrist | RightWrist => c.skin,
        LeftAnkle | LeftToe | RightAnkle | RightToe => c.shoes,
    }
}

/// The UV of the center of atlas texel `k` (row-major from the top).
fn texel_uv(k: usize) -> Vec2 {
    let n = ATLAS_SIZE as usize;
    Vec2::new(
        ((k % n) as f32 + 0.5) / n as f32,
        ((k / n) as f32 + 0.5) / n as f32,
    )
}

/// The atlas, row-major from the top, sRGB-encoded RGBA8, `ATLAS_SIZE` square.
pub fn atlas(colors: &Colors) -> Vec<[u8; 4]> {
    let n = ATLAS_SIZE as usize;
    let texel = |rgb: [f32; 3]| {
        [
            linear_to_srgb8(rgb[0]),
            linear_to_srgb8(rgb[1]),
            linear_to_srgb8(rgb[2]),
            255,
        ]
    };
    let mut out = vec![texel(colors.skin); n * n];
    // Eyes and brows: the canonical face points in the face rectangle.
    let rect =
        |p: [f32; 2]| FACE_UV_RECT.min + Vec2::from(p) * (FACE_UV_RECT.max - FACE_UV_RECT.min);
    let eyes = [rect(CANONICAL_FACE[0]), rect(CANONICAL_FACE[1])];
    let eye_dark = colors.hair.map(|x| x * 0.3);
    for (k, t) in out.iter_mut().enumerate() {
        let uv = texel_uv(k);
        let rgb = if uv.y < 0.5 {
            // Head: θ = 2π v from the crown, longitude from the face 2π (u − ½).
            let back = (uv.x - 0.5).abs() > 1.0 / 6.0;
            let hair = uv.y < 0.135 || (back && uv.y < 0.29);
            let near_eye = eyes.iter().find_map(|e| {
                let d = (uv - *e) / Vec2::new(0.018, 0.010);
                let brow = (uv - (*e - Vec2::new(0.0, 0.022))) / Vec2::new(0.024, 0.004);
                if d.length_squared() <= 1.0 {
                    Some(eye_dark)
                } else if brow.length_squared() <= 1.0 {
                    Some(colors.hair)
                } else {
                    None
                }
            });
            match near_eye {
                Some(c) => c,
                None if hair => colors.hair,
                None => colors.skin,
            }
        } else {
            let col = ((uv.x * 5.0) as usize).min(4);
            let row = (((uv.y - 0.5) * 8.0) as usize).min(3);
            let j = row * 5 + col;
            if j < JOINT_COUNT {
                covering(Joint::ALL[j], colors)
            } else {
                colors.skin
            }
        };
        *t = texel(rgb);
    }
    out
}

/// Writes a cameo's face texture over the atlas's face rectangle (nearest texel of the
/// face texture for each atlas texel whose center lies in the rectangle).
pub fn paint_face(atlas: &mut [[u8; 4]], face: &FaceTexture) {
    let size = TEXTURE_SIZE as f32;
    let span = FACE_UV_RECT.max - FACE_UV_RECT.min;
    for (k, t) in atlas.iter_mut().enumerate() {
        let uv = texel_uv(k);
        let f = (uv - FACE_UV_RECT.min) / span;
        if !(0.0..1.0).contains(&f.x) || !(0.0..1.0).contains(&f.y) {
            continue;
        }
        let (i, j) = ((f.x * size) as u32, (f.y * size) as u32);
        if let Some(p) = face.image.get_pixel_checked(i, j) {
            *t = p.0;
        }
    }
}
