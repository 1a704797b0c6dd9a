//! Image maps at a hit: texture coordinates, the tangent frame, and the glTF 2.0
//! metallic-roughness maps applied to the [`Surface`].
//!
//! - UVs: primitives by [`Shape::uv`] at the object-space hit (the mappings of
//!   [`crate::texture::uv`], the ones the raster tessellates with); triangle meshes by
//!   barycentric interpolation of the file's `Mesh.uvs` over the triangle the ray hit,
//!   falling back to [`Shape::uv`] when the mesh has none (and for convex hulls, whose
//!   faces are not the file's triangles); cloths by barycentric interpolation of their
//!   grid's UVs over the triangle hit. Then × the material's `uv_scale`.
//! - Tangent frame: `T = ∂p/∂u`, `B = −∂p/∂v` (toward the image's top: glTF's tangent
//!   space has +Y up and `v` growing downward), both Gram-Schmidt orthogonalized against
//!   the geometric normal. For a triangle they come from its positions and UVs (the
//!   standard per-triangle solve, as MikkTSpace starts from); for a primitive from
//!   central differences of its UV mapping along two directions in the tangent plane.
//!   Where the mapping degenerates (a pole) the normal map is skipped.
//! - Maps: base color × color, emissive × emission, roughness × G and metallic × B of
//!   the metallic-roughness map, the normal map `2c − 1` in `(T, B, N)`. The occlusion
//!   map is ignored: a path tracer computes occlusion itself.
//! - Level of detail: always 0 (full size, bilinear); the pixel's supersampling (a new
//!   subpixel position per sample) does the filtering.

use glam::{Vec2, Vec3};

use super::material::Surface;
use crate::scene::{Mesh, Shape};
use crate::texture::MaterialMaps;

/// Texture coordinates and derivatives at a hit, in the object's frame.
#[derive(Debug, Clone, Copy)]
pub(super) struct UvFrame {
    /// Texture coordinates before `uv_scale`.
    pub uv: Vec2,
    /// `∂p/∂u`, m per UV unit (zero when unknown).
    pub dpdu: Vec3,
    /// `∂p/∂v`.
    pub dpdv: Vec3,
}

/// Solves `[du1 du2; dv1 dv2]⁻¹` for the position derivatives from two displacements
/// `e1`, `e2` with UV changes `d1`, `d2`.
fn solve(e1: Vec3, e2: Vec3, d1: Vec2, d2: Vec2) -> (Vec3, Vec3) {
    let det = d1.x * d2.y - d2.x * d1.y;
    if det.abs() < 1e-12 {
        return (Vec3::ZERO, Vec3::ZERO);
    }
    let r = 1.0 / det;
    ((e1 * d2.y - e2 * d1.y) * r, (e2 * d1.x - e1 * d2.x) * r)
}

/// The UV change from `a` to `b`, taking the short way round in `u` (seams of the
/// azimuthal mappings).
fn wrapped(a: Vec2, b: Vec2) -> Vec2 {
    let mut d = b - a;
    if d.x > 0.5 {
        d.x -= 1.0;
    } else if d.x < -0.5 {
        d.x += 1.0;
    }
    d
}

fn mesh_frame(mesh: &Mesh, tri: u32, p: Vec3) -> Option<UvFrame> {
    let idx = mesh.indices.get(tri as usize)?;
    let v = |i: u32| mesh.vertices.get(i as usize).copied();
    let t = |i: u32| mesh.uvs.get(i as usize).map(|u| Vec2::from(*u));
    triangle_frame(
        [v(idx[0])?, v(idx[1])?, v(idx[2])?],
        [t(idx[0])?, t(idx[1])?, t(idx[2])?],
        p,
    )
}

/// Texture coordinates and derivatives at point `p` in the plane of the triangle with
/// corners `[p0, p1, p2]` and texture coordinates `[t0, t1, t2]`; `None` for a degenerate
/// triangle.
pub(super) fn triangle_frame(
    [p0, p1, p2]: [Vec3; 3],
    [t0, t1, t2]: [Vec2; 3],
    p: Vec3,
) -> Option<UvFrame> {
    let [b0, b1, b2] = barycentric([p0, p1, p2], p)?;
    let uv = t0 * b0 + t1 * b1 + t2 * b2;
    let (dpdu, dpdv) = solve(p1 - p0, p2 - p0, t1 - t0, t2 - t0);
    Some(UvFrame { uv, dpdu, dpdv })
}

/// Barycentric coordinates of `p` projected into the plane of the triangle
/// `[p0, p1, p2]`; `None` for a degenerate triangle.
pub(super) fn barycentric([p0, p1, p2]: [Vec3; 3], p: Vec3) -> Option<[f32; 3]> {
    let (e1, e2, ep) = (p1 - p0, p2 - p0, p - p0);
    let (d11, d12, d22) = (e1.dot(e1), e1.dot(e2), e2.dot(e2));
    let (dp1, dp2) = (ep.dot(e1), ep.dot(e2));
    let den = d11 * d22 - d12 * d12;
    if den.abs() < 1e-20 {
        return None;
    }
    let b1 = (d22 * dp1 - d12 * dp2) / den;
    let b2 = (d11 * dp2 - d12 * dp1) / den;
    Some([1.0 - b1 - b2, b1, b2])
}

/// Texture coordinates and derivatives of `shape` at object-space point `p` with
/// object-space normal `n` on triangle `part` (meshes).
pub(super) fn uv_frame(shape: &Shape, p: Vec3, n: Vec3, part: u32) -> UvFrame {
    if let Shape::TriMesh(mesh) = shape
        && !mesh.uvs.is_empty()
        && let Some(f) = mesh_frame(mesh, part, p)
    {
        return f;
    }
    let n = n.normalize_or(Vec3::Y);
    let uv = shape.uv(p, n);
    let (t1, t2) = super::material::basis(n);
    // A step small against the shape and large against f32 rounding at `p`.
    let eps = 1e-3 * shape.bounding_radius().clamp(1e-2, 1.0) * p.abs().max_element().max(1.0);
    let at = |q: Vec3| shape.uv(q, n);
    // Only the azimuthal mappings have a seam to take the short way across.
    let azimuthal = matches!(
        shape,
        Shape::Sphere { .. } | Shape::Capsule { .. } | Shape::Cylinder { .. } | Shape::Cone { .. }
    );
    let diff = |a: Vec2, b: Vec2| if azimuthal { wrapped(a, b) } else { b - a };
    let d1 = diff(at(p - t1 * eps), at(p + t1 * eps));
    let d2 = diff(at(p - t2 * eps), at(p + t2 * eps));
    let (dpdu, dpdv) = solve(t1 * (2.0 * eps), t2 * (2.0 * eps), d1, d2);
    UvFrame { uv, dpdu, dpdv }
}

/// Applies `maps` at `frame` to `s`; returns the shading normal (object space, unit) when
/// a normal map perturbs `n` (the outward object-space geometric normal).
pub(super) fn apply(
    maps: &MaterialMaps,
    frame: &UvFrame,
    n: Vec3,
    s: &mut Surface,
) -> Option<Vec3> {
    let uv = frame.uv * maps.uv_scale;
    if let Some(t) = &maps.base_color {
        s.base *= t.sample(uv, 0.0).truncate();
    }
    if let Some(t) = &maps.emissive {
        s.emission *= t.sample(uv, 0.0).truncate();
    }
    if let Some(t) = &maps.metallic_roughness {
        let c = t.sample(uv, 0.0);
        s.roughness = (s.roughness * c.y).clamp(0.0, 1.0);
        s.metallic = (s.metallic * c.z).clamp(0.0, 1.0);
    }
    let t = maps.normal.as_ref()?;
    // uv_scale stretches the derivatives: ∂p/∂(k u) = (∂p/∂u) / k.
    let scale = maps.uv_scale.abs().max(Vec2::splat(1e-9));
    let tangent = frame.dpdu / scale.x;
    let bitangent = -frame.dpdv / scale.y;
    let tangent = (tangent - n * n.dot(tangent)).try_normalize()?;
    let b = bitangent - n * n.dot(bitangent) - tangent * tangent.dot(bitangent);
    let b = b.try_normalize()?;
    let c = t.sample(uv, 0.0).truncate() * 2.0 - Vec3::ONE;
    (tangent * c.x + b * c.y + n * c.z).try_normalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_triangle_interpolates_its_uvs_and_knows_its_derivatives() {
        let mesh = Mesh {
            path: "tri".into(),
            vertices: vec![
                Vec3::ZERO,
                Vec3::new(2.0, 0.0, 0.0),
                Vec3::new(0.0, 0.0, -4.0),
            ],
            indices: vec![[0, 1, 2]],
            uvs: vec![[0.0, 1.0], [1.0, 1.0], [0.0, 0.0]],
        };
        let f = mesh_frame(&mesh, 0, Vec3::new(0.5, 0.0, -1.0)).unwrap();
        assert!((f.uv - Vec2::new(0.25, 0.75)).length() < 1e-6, "{}", f.uv);
        assert!(
            (f.dpdu - Vec3::new(2.0, 0.0, 0.0)).length() < 1e-5,
            "{}",
            f.dpdu
        );
        assert!(
            (f.dpdv - Vec3::new(0.0, 0.0, 4.0)).length() < 1e-5,
            "{}",
            f.dpdv
        );
        assert!(
            mesh_frame(&mesh, 1, Vec3::ZERO).is_none(),
            "no such triangle"
        );
    }

    /// The sphere's mapping: u grows eastward (around +Y from −Z toward +X), v downward,
    /// so at the +Z point ∂p/∂u points along +X... times the circumference, and
    /// ∂p/∂v along −Y times half of it.
    #[test]
    fn primitive_derivatives_follow_the_mapping() {
        let shape = Shape::Sphere { radius: 1.0 };
        let f = uv_frame(&shape, Vec3::Z, Vec3::Z, 0);
        let tau = std::f32::consts::TAU;
        // Azimuth from −Z toward +X: at +Z (u = 0.5) increasing u moves toward −X.
        assert!(
            (f.dpdu - Vec3::new(-tau, 0.0, 0.0)).length() < 0.02 * tau,
            "{}",
            f.dpdu
        );
        let pi = std::f32::consts::PI;
        assert!(
            (f.dpdv - Vec3::new(0.0, -pi, 0.0)).length() < 0.02 * pi,
            "{}",
            f.dpdv
        );
        let g = uv_frame(&Shape::Ground, Vec3::new(3.0, 0.0, 1.0), Vec3::Y, 0);
        assert!((g.uv - Vec2::new(3.0, 1.0)).length() < 1e-6);
        assert!((g.dpdu - Vec3::X).length() < 1e-3 && (g.dpdv - Vec3::Z).length() < 1e-3);
    }
}
