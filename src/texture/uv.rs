//! Texture coordinates of the primitive shapes, in each shape's own frame (the frames of
//! [`crate::scene::Shape`]: axis-symmetric shapes along +Y, centered on the origin).
//! The raster's tessellation and the reference tracer's hits both call these, so a map
//! lands on the same spot in both. Seen from outside a surface, `u` grows to the right
//! and `v` downward (glTF: `v = 0` is the image's top row). Before a lookup every `uv`
//! is multiplied by the material's `uv_scale`.
//!
//! - **ground**: planar, one UV unit per meter: `(x, z)`.
//! - **box**: each face carries the whole image once, upright on the four side faces
//!   (`v` down = −Y); the top face has `u` along +X and `v` along +Z, the bottom `u`
//!   along +X and `v` along −Z.
//! - **sphere**: equirectangular: `u = φ / 2π` with the azimuth `φ` from −Z toward +X
//!   (the seam faces −Z), `v = θ / π` from the top pole.
//! - **cylinder** and **cone**: the side wraps the image once around (`u` as the sphere,
//!   `v` from the top rim down to the bottom); each flat cap maps its disc onto the
//!   image's inscribed circle, `u` along +X, `v` along +Z on the top cap and −Z on the
//!   bottom one.
//! - **capsule**: `u` as the sphere, `v` from the top pole to the bottom one along Y.
//! - **meshes**: the UVs in the file (glTF `TEXCOORD_0`, OBJ `vt`); a mesh without them
//!   is mapped as its bounding box would be ([`boxed`]).

use glam::{Vec2, Vec3};

/// Azimuth coordinate of a point around the Y axis, `[0, 1)`, 0 toward −Z, 0.25 toward +X.
pub fn azimuth(p: Vec3) -> f32 {
    let u = p.x.atan2(-p.z) / std::f32::consts::TAU;
    let u = if u < 0.0 { u + 1.0 } else { u };
    u.min(0.999_999_9)
}

/// The ground plane.
pub fn ground(p: Vec3) -> Vec2 {
    Vec2::new(p.x, p.z)
}

/// A box with half extents `half`, at surface point `p` with outward face normal `n`.
pub fn boxed(half: Vec3, p: Vec3, n: Vec3) -> Vec2 {
    let q = p / half.max(Vec3::splat(1e-9));
    let a = n.abs();
    let (u, v) = if a.x >= a.y && a.x >= a.z {
        if n.x > 0.0 { (-q.z, -q.y) } else { (q.z, -q.y) }
    } else if a.z >= a.y {
        if n.z > 0.0 { (q.x, -q.y) } else { (-q.x, -q.y) }
    } else if n.y > 0.0 {
        (q.x, q.z)
    } else {
        (q.x, -q.z)
    };
    Vec2::new(u * 0.5 + 0.5, v * 0.5 + 0.5)
}

/// A sphere (centered on the origin) at surface point `p`.
pub fn sphere(p: Vec3) -> Vec2 {
    let r = p.length().max(1e-9);
    Vec2::new(
        azimuth(p),
        (p.y / r).clamp(-1.0, 1.0).acos() / std::f32::consts::PI,
    )
}

/// A cylinder or cone of `radius` and `half_height` at surface point `p` with outward
/// normal `n`: the flat caps where `|n.y| > 0.99`, else the side.
pub fn cylinder(radius: f32, half_height: f32, p: Vec3, n: Vec3) -> Vec2 {
    if n.y.abs() > 0.99 {
        let r = radius.max(1e-9);
        let v = if n.y > 0.0 { p.z } else { -p.z };
        Vec2::new(p.x / r * 0.5 + 0.5, v / r * 0.5 + 0.5)
    } else {
        let h = half_height.max(1e-9);
        Vec2::new(azimuth(p), (h - p.y) / (2.0 * h))
    }
}

/// A capsule of `radius` and `half_height` (between the cap centers) at surface point `p`.
pub fn capsule(radius: f32, half_height: f32, p: Vec3) -> Vec2 {
    let top = (radius + half_height).max(1e-9);
    Vec2::new(azimuth(p), (top - p.y) / (2.0 * top))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_faces_span_the_image_upright() {
        let h = Vec3::new(1.0, 2.0, 3.0);
        // +Z face, seen from +Z: top-left corner is (-x, +y).
        assert_eq!(
            boxed(h, Vec3::new(-1.0, 2.0, 3.0), Vec3::Z),
            Vec2::new(0.0, 0.0)
        );
        assert_eq!(
            boxed(h, Vec3::new(1.0, -2.0, 3.0), Vec3::Z),
            Vec2::new(1.0, 1.0)
        );
        // +X face, seen from +X: left is +Z.
        assert_eq!(
            boxed(h, Vec3::new(1.0, 2.0, 3.0), Vec3::X),
            Vec2::new(0.0, 0.0)
        );
        assert_eq!(
            boxed(h, Vec3::new(1.0, 0.0, 0.0), Vec3::Y),
            Vec2::new(1.0, 0.5)
        );
    }

    #[test]
    fn the_sphere_seam_faces_north_and_poles_are_v_0_and_1() {
        assert_eq!(sphere(Vec3::Y).y, 0.0);
        assert_eq!(sphere(Vec3::NEG_Y).y, 1.0);
        assert!((sphere(Vec3::X).x - 0.25).abs() < 1e-6);
        assert!((sphere(Vec3::Z).x - 0.5).abs() < 1e-6);
        assert_eq!(sphere(Vec3::NEG_Z).x, 0.0);
    }

    #[test]
    fn cylinder_side_runs_top_to_bottom_and_caps_fill_a_disc() {
        let side = cylinder(0.5, 1.0, Vec3::new(0.5, 1.0, 0.0), Vec3::X);
        assert!((side - Vec2::new(0.25, 0.0)).length() < 1e-6);
        let cap = cylinder(0.5, 1.0, Vec3::new(0.5, 1.0, 0.0), Vec3::Y);
        assert!((cap - Vec2::new(1.0, 0.5)).length() < 1e-6);
        assert!((capsule(0.5, 1.0, Vec3::new(0.0, -1.5, 0.0)).y - 1.0).abs() < 1e-6);
    }
}
