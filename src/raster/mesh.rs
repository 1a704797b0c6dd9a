//! Triangle meshes for every shape, in the shape's local frame (axis-symmetric shapes
//! along +Y, centered on the origin, exactly as the physics shapes). Tessellation is fine
//! enough that a silhouette strays from the true shape by at most 0.2 % of its radius
//! (64 segments: `1 - cos(pi / 64)` = 0.0012).
//!
//! Every vertex carries its texture coordinates from [`Shape::uv`] (the mappings of
//! [`crate::texture::uv`]; a mesh's own UVs when it has them) and a tangent frame for
//! normal maps. Vertices are split along every UV seam, so each triangle interpolates UVs
//! that the mapping gives exactly at its corners: the sphere, capsule, cylinder and cone
//! sides start and end their rings at the seam (azimuth 0, toward −Z) with `u = 1` and
//! `u = 0` on two vertices, and each box face and cap has vertices of its own.
//! Tangents follow Lengyel 2001 ("Computing Tangent Space Basis Vectors for an Arbitrary
//! Mesh"): per triangle from the UV derivatives, summed per vertex, orthogonalized
//! against the normal. `tangent.xyz` points along +u; the image's up (−v, glTF's +Y of a
//! normal map) is `cross(normal, tangent.xyz) · sign(tangent.w)`; `|tangent.w|` is the mapping's density
//! around the vertex, UV units per meter (`sqrt` of UV area over surface area of its
//! triangles), which sets the maps' level of detail.

use bytemuck::{Pod, Zeroable};
use glam::{Vec2, Vec3};

use crate::scene::{GROUND_HALF_SIZE, Mesh, Shape};

/// Segments around a circle.
const SEGMENTS: u32 = 64;
/// Rings from pole to pole on a sphere.
const RINGS: u32 = 32;

/// One vertex: position, unit normal, texture coordinates and tangent.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable, PartialEq)]
pub struct Vertex {
    /// Position, m.
    pub position: [f32; 3],
    /// Unit normal.
    pub normal: [f32; 3],
    /// Texture coordinates (before the material's `uv_scale`).
    pub uv: [f32; 2],
    /// Unit tangent along +u; `w`: its sign is the handedness of the image's up, its
    /// magnitude the UV density, UV units per meter (see the
    /// module docs).
    pub tangent: [f32; 4],
    /// Where this vertex was one frame earlier, relative to `position`, in the same
    /// frame (zero for rigid meshes, whose motion is the instance's; a cloth's or a
    /// liquid's own motion), m.
    pub motion_prev: [f32; 3],
    /// Where it will be one frame later, relative to `position`, m.
    pub motion_next: [f32; 3],
}

/// An indexed triangle list (counter-clockwise seen from outside).
#[derive(Debug, Clone, Default)]
pub struct TriMesh {
    /// Vertices.
    pub vertices: Vec<Vertex>,
    /// Three indices per triangle.
    pub indices: Vec<u32>,
}

impl TriMesh {
    fn push(&mut self, p: Vec3, n: Vec3) -> u32 {
        self.push_uv(p, n, Vec2::ZERO)
    }

    fn push_uv(&mut self, p: Vec3, n: Vec3, uv: Vec2) -> u32 {
        self.vertices.push(Vertex {
            position: p.to_array(),
            normal: n.normalize_or_zero().to_array(),
            uv: uv.to_array(),
            tangent: [1.0, 0.0, 0.0, 1.0],
            motion_prev: [0.0; 3],
            motion_next: [0.0; 3],
        });
        self.vertices.len() as u32 - 1
    }

    /// Adds a flat-shaded triangle with corner UVs.
    fn flat_triangle(&mut self, [a, b, c]: [Vec3; 3], uvs: [Vec2; 3]) {
        let n = (b - a).cross(c - a);
        let i = self.push_uv(a, n, uvs[0]);
        self.push_uv(b, n, uvs[1]);
        self.push_uv(c, n, uvs[2]);
        self.indices.extend([i, i + 1, i + 2]);
    }

    /// Sets every vertex's UV from `f(position, normal)`.
    fn map_uv(&mut self, f: impl Fn(Vec3, Vec3) -> Vec2) {
        for v in &mut self.vertices {
            v.uv = f(Vec3::from(v.position), Vec3::from(v.normal)).to_array();
        }
    }

    /// Tangents from the UV derivatives of every triangle (Lengyel 2001), summed per
    /// vertex and orthogonalized against its normal.
    fn compute_tangents(&mut self) {
        let n = self.vertices.len();
        let mut tan = vec![Vec3::ZERO; n];
        let mut up = vec![Vec3::ZERO; n];
        // UV area and surface area around each vertex: their ratio gives the mapping's
        // density (UV units per meter) for the maps' level of detail.
        let mut uv_area = vec![0.0f32; n];
        let mut area = vec![0.0f32; n];
        for t in self.indices.chunks_exact(3) {
            let [i0, i1, i2] = [t[0], t[1], t[2]].map(|i| i as usize);
            let (Some(v0), Some(v1), Some(v2)) = (
                self.vertices.get(i0),
                self.vertices.get(i1),
                self.vertices.get(i2),
            ) else {
                continue;
            };
            let (p0, p1, p2) = (
                Vec3::from(v0.position),
                Vec3::from(v1.position),
                Vec3::from(v2.position),
            );
            let (w0, w1, w2) = (Vec2::from(v0.uv), Vec2::from(v1.uv), Vec2::from(v2.uv));
            let (e1, e2) = (p1 - p0, p2 - p0);
            let (d1, d2) = (w1 - w0, w2 - w0);
            let det = d1.x * d2.y - d2.x * d1.y;
            if det.abs() < 1e-12 {
                continue;
            }
            let r = 1.0 / det;
            let sdir = (e1 * d2.y - e2 * d1.y) * r; // dP/du
            let tdir = (e2 * d1.x - e1 * d2.x) * r; // dP/dv
            let (a_uv, a_p) = (0.5 * det.abs(), 0.5 * e1.cross(e2).length());
            for i in [i0, i1, i2] {
                tan[i] += sdir;
                up[i] -= tdir;
                uv_area[i] += a_uv;
                area[i] += a_p;
            }
        }
        for (i, ((v, t), b)) in self.vertices.iter_mut().zip(tan).zip(up).enumerate() {
            let nrm = Vec3::from(v.normal);
            let t = (t - nrm * nrm.dot(t))
                .try_normalize()
                .unwrap_or_else(|| nrm.any_orthonormal_vector());
            let w = if nrm.cross(t).dot(b) < 0.0 { -1.0 } else { 1.0 };
            let density = if area[i] > 0.0 && uv_area[i] > 0.0 {
                (uv_area[i] / area[i]).sqrt()
            } else {
                1.0
            };
            v.tangent = t.extend(w * density).to_array();
        }
    }
}

/// The mesh drawn for a shape.
pub fn tessellate(shape: &Shape) -> TriMesh {
    let mut m = geometry(shape);
    m.compute_tangents();
    m
}

/// Positions, normals and UVs of a shape's mesh.
fn geometry(shape: &Shape) -> TriMesh {
    match shape {
        Shape::Sphere { radius } => capsule(*radius, 0.0),
        Shape::Capsule {
            radius,
            half_height,
        } => capsule(*radius, *half_height),
        Shape::Box { half_extents } => {
            let mut m = cuboid(*half_extents);
            m.map_uv(|p, n| shape.uv(p, n));
            m
        }
        Shape::Cylinder {
            radius,
            half_height,
        } => cylinder(*radius, *half_height),
        Shape::Cone {
            radius,
            half_height,
        } => cone(*radius, *half_height),
        Shape::Ground => ground(),
        Shape::ConvexHull(m) => hull(shape, m),
        Shape::TriMesh(m) => flat(shape, &m.vertices, &m.indices, &m.uvs),
    }
}

/// The unit circle point at segment angle `theta`: `theta = 0` is the UV seam (−Z) and
/// the angle turns from −Z toward −X, so the azimuth coordinate is `1 − theta / 2π`
/// (rotated a quarter turn from +X; 64 segments make the same vertex set).
fn ring(theta: f32) -> Vec3 {
    Vec3::new(-theta.sin(), 0.0, -theta.cos())
}

/// The azimuth texture coordinate of segment `s` (1 at the seam's start, 0 at its end).
fn ring_u(s: u32) -> f32 {
    1.0 - s as f32 / SEGMENTS as f32
}

/// A sphere (`half_height` 0) or a capsule: two hemispheres joined by a cylinder.
fn capsule(r: f32, hh: f32) -> TriMesh {
    let mut m = TriMesh::default();
    let cols = SEGMENTS + 1;
    // Rings from the north pole (phi = 0) to the south pole (phi = pi). The equator row
    // appears twice, once with each hemisphere's center (for a sphere the two coincide
    // and the band between them is empty).
    let half = RINGS / 2;
    let top = (r + hh).max(1e-9);
    let mut rows = 0;
    for (lo, hi, center) in [(0, half, hh), (half, RINGS, -hh)] {
        for k in lo..=hi {
            let phi = std::f32::consts::PI * k as f32 / RINGS as f32;
            for s in 0..cols {
                let theta = std::f32::consts::TAU * s as f32 / SEGMENTS as f32;
                let n = match k {
                    0 => Vec3::Y,
                    k if k == RINGS => Vec3::NEG_Y,
                    _ => ring(theta) * phi.sin() + Vec3::Y * phi.cos(),
                };
                let p = n * r + Vec3::Y * center;
                // `uv::sphere`'s v = θ / π for a sphere, `uv::capsule`'s for a capsule.
                let v = if hh == 0.0 {
                    phi / std::f32::consts::PI
                } else {
                    (top - p.y) / (2.0 * top)
                };
                m.push_uv(p, n, Vec2::new(ring_u(s), v));
            }
            rows += 1;
        }
    }
    for k in 0..rows - 1 {
        for s in 0..SEGMENTS {
            let a = k * cols + s;
            let b = a + cols;
            m.indices.extend([a, b, a + 1, a + 1, b, b + 1]);
        }
    }
    m
}

fn cuboid(h: Vec3) -> TriMesh {
    let mut m = TriMesh::default();
    for axis in 0..3 {
        for sign in [-1.0f32, 1.0] {
            let mut n = Vec3::ZERO;
            n[axis] = sign;
            let u = Vec3::from_array(match axis {
                0 => [0.0, 1.0, 0.0],
                1 => [0.0, 0.0, 1.0],
                _ => [1.0, 0.0, 0.0],
            });
            let v = n.cross(u);
            let c = n * h;
            let (uu, vv) = (u * h, v * h);
            let base = m.vertices.len() as u32;
            for p in [c - uu - vv, c + uu - vv, c + uu + vv, c - uu + vv] {
                m.push(p, n);
            }
            m.indices
                .extend([base, base + 1, base + 2, base, base + 2, base + 3]);
        }
    }
    m
}

/// A flat cap of radius `r` at height `y`, mapped as [`crate::texture::uv::cylinder`]
/// maps caps.
fn disc(m: &mut TriMesh, r: f32, y: f32, up: bool) {
    let n = if up { Vec3::Y } else { -Vec3::Y };
    let cap_uv = |p: Vec3| crate::texture::uv::cylinder(r, y.abs(), p, n);
    let center = m.push_uv(Vec3::Y * y, n, cap_uv(Vec3::Y * y));
    for s in 0..=SEGMENTS {
        let theta = std::f32::consts::TAU * s as f32 / SEGMENTS as f32;
        let p = ring(theta) * r + Vec3::Y * y;
        m.push_uv(p, n, cap_uv(p));
    }
    for s in 0..SEGMENTS {
        let (a, b) = (center + 1 + s, center + 2 + s);
        if up {
            m.indices.extend([center, a, b]);
        } else {
            m.indices.extend([center, b, a]);
        }
    }
}

fn cylinder(r: f32, hh: f32) -> TriMesh {
    let mut m = TriMesh::default();
    for s in 0..=SEGMENTS {
        let theta = std::f32::consts::TAU * s as f32 / SEGMENTS as f32;
        let n = ring(theta);
        m.push_uv(n * r + Vec3::Y * hh, n, Vec2::new(ring_u(s), 0.0));
        m.push_uv(n * r - Vec3::Y * hh, n, Vec2::new(ring_u(s), 1.0));
    }
    for s in 0..SEGMENTS {
        let (a, b) = (2 * s, 2 * s + 2);
        m.indices.extend([a, a + 1, b, b, a + 1, b + 1]);
    }
    disc(&mut m, r, hh, true);
    disc(&mut m, r, -hh, false);
    m
}

fn cone(r: f32, hh: f32) -> TriMesh {
    let mut m = TriMesh::default();
    let h = 2.0 * hh;
    for s in 0..SEGMENTS {
        let t0 = std::f32::consts::TAU * s as f32 / SEGMENTS as f32;
        let t1 = std::f32::consts::TAU * (s + 1) as f32 / SEGMENTS as f32;
        let tm = 0.5 * (t0 + t1);
        // The side's normal leans up by atan(r / h).
        let n = |t: f32| ring(t) * h + Vec3::Y * r;
        let (u0, u1) = (ring_u(s), ring_u(s + 1));
        let apex = m.push_uv(Vec3::Y * hh, n(tm), Vec2::new(0.5 * (u0 + u1), 0.0));
        m.push_uv(ring(t0) * r - Vec3::Y * hh, n(t0), Vec2::new(u0, 1.0));
        m.push_uv(ring(t1) * r - Vec3::Y * hh, n(t1), Vec2::new(u1, 1.0));
        m.indices.extend([apex, apex + 1, apex + 2]);
    }
    disc(&mut m, r, -hh, false);
    m
}

fn ground() -> TriMesh {
    let mut m = TriMesh::default();
    let s = GROUND_HALF_SIZE;
    for p in [
        Vec3::new(-s, 0.0, -s),
        Vec3::new(-s, 0.0, s),
        Vec3::new(s, 0.0, s),
        Vec3::new(s, 0.0, -s),
    ] {
        m.push_uv(p, Vec3::Y, crate::texture::uv::ground(p));
    }
    m.indices.extend([0, 1, 2, 0, 2, 3]);
    m
}

/// Flat-shaded triangles; UVs from `uvs` (one per vertex) when the mesh has them, else
/// the shape's bounding-box mapping at each corner with the face's normal.
fn flat(shape: &Shape, vertices: &[Vec3], indices: &[[u32; 3]], uvs: &[[f32; 2]]) -> TriMesh {
    let mut m = TriMesh::default();
    let has_uvs = !uvs.is_empty() && uvs.len() == vertices.len();
    for t in indices {
        let p = t.map(|i| vertices.get(i as usize).copied().unwrap_or(Vec3::ZERO));
        let w = if has_uvs {
            t.map(|i| uvs.get(i as usize).map_or(Vec2::ZERO, |uv| Vec2::from(*uv)))
        } else {
            let n = (p[1] - p[0]).cross(p[2] - p[0]).normalize_or_zero();
            p.map(|q| shape.uv(q, n))
        };
        m.flat_triangle(p, w);
    }
    m
}

/// The convex hull's surface, as the physics shape sees it (mapped by its bounding box:
/// the hull's vertices are not the file's).
fn hull(shape: &Shape, mesh: &Mesh) -> TriMesh {
    let (points, tris) = rapier3d::parry::transformation::convex_hull(&mesh.vertices);
    flat(shape, &points, &tris, &[])
}

/// A cloth's surface at one frame, in the sheet's own frame (`cloth.pose`, so the
/// instance transform places it and patterns stay on the fabric): positions of frame `k`,
/// area-weighted vertex normals (facing the sheet's front, local +Z at rest), the grid's
/// texture coordinates and tangents, and the motion to frames `k - 1` and `k + 1` (world
/// positions as the physics stage samples them). Both sides are drawn (the renderers
/// face the normal toward the viewer).
pub fn cloth_mesh(
    cloth: &crate::scene::Cloth,
    prev: &[Vec3],
    now: &[Vec3],
    next: &[Vec3],
) -> TriMesh {
    let inv = cloth.pose.inverse();
    let local = |p: &Vec3| inv.transform_point(*p);
    let (w, h) = cloth.grid();
    let indices: Vec<u32> = cloth.triangles().into_iter().flatten().collect();
    let mut normals = vec![Vec3::ZERO; now.len()];
    let pos: Vec<Vec3> = now.iter().map(local).collect();
    for t in indices.chunks_exact(3) {
        let [a, b, c] = [t[0], t[1], t[2]].map(|i| i as usize);
        let (Some(pa), Some(pb), Some(pc)) = (pos.get(a), pos.get(b), pos.get(c)) else {
            continue;
        };
        // Area-weighted: the cross product's length is twice the area.
        let n = (*pb - *pa).cross(*pc - *pa);
        for i in [a, b, c] {
            normals[i] += n;
        }
    }
    let mut mesh = TriMesh {
        vertices: Vec::with_capacity(now.len()),
        indices,
    };
    for j in 0..h {
        for i in 0..w {
            let k = cloth.index(i, j) as usize;
            let (Some(p), Some(n)) = (pos.get(k), normals.get(k)) else {
                continue;
            };
            let motion = |other: &[Vec3]| other.get(k).map_or(Vec3::ZERO, |q| local(q) - *p);
            mesh.vertices.push(Vertex {
                position: p.to_array(),
                normal: n.normalize_or(Vec3::Z).to_array(),
                uv: cloth.uv(i, j).to_array(),
                tangent: [1.0, 0.0, 0.0, 1.0],
                motion_prev: motion(prev).to_array(),
                motion_next: motion(next).to_array(),
            });
        }
    }
    mesh.compute_tangents();
    mesh
}

/// A character's skinned body, built once per character: the bundled mannequin, or its
/// glTF model bound to the same skeleton. Triangles are grouped by body part.
#[derive(Debug, Clone)]
pub struct CharacterMesh {
    figure: Figure,
    /// Triangles, grouped by body part in [`CharacterMesh::part_runs`] order.
    indices: Vec<u32>,
    uvs: Vec<glam::Vec2>,
    /// Each vertex's body part (read by the raster's tests).
    #[cfg_attr(not(test), allow(dead_code))]
    parts: Vec<crate::character::Joint>,
    runs: Vec<(crate::character::Joint, std::ops::Range<u32>)>,
}

#[derive(Debug, Clone)]
enum Figure {
    Mannequin(Option<crate::character::Skin>),
    Model(std::sync::Arc<crate::character::Retarget>),
}

impl CharacterMesh {
    /// The bundled mannequin for a skeleton.
    pub fn new(skeleton: &crate::character::Skeleton) -> Self {
        let m = crate::character::Mannequin::new(skeleton);
        let skin = m.skin(skeleton).ok();
        Self::grouped(Figure::Mannequin(skin), &m.indices, m.uvs, m.parts)
    }

    /// A scene character's body: its model when it has one, else the mannequin.
    pub fn of(c: &crate::scene::Character) -> Self {
        match &c.model {
            Some(r) => Self::grouped(
                Figure::Model(r.clone()),
                r.indices(),
                r.uvs().to_vec(),
                r.parts.clone(),
            ),
            None => Self::new(&c.skeleton),
        }
    }

    /// Sorts whole triangles by the part of their first vertex (stably, so each part
    /// keeps its order) into one run per part.
    fn grouped(
        figure: Figure,
        indices: &[u32],
        uvs: Vec<glam::Vec2>,
        parts: Vec<crate::character::Joint>,
    ) -> Self {
        let part_of = |t: &[u32]| parts.get(t[0] as usize).copied();
        let mut tris: Vec<&[u32]> = indices
            .chunks_exact(3)
            .filter(|t| part_of(t).is_some())
            .collect();
        tris.sort_by_key(|t| part_of(t).map(crate::character::Joint::index));
        let mut runs: Vec<(crate::character::Joint, std::ops::Range<u32>)> = Vec::new();
        let mut sorted = Vec::with_capacity(indices.len());
        for t in tris {
            let Some(part) = part_of(t) else { continue };
            let at = sorted.len() as u32;
            match runs.last_mut() {
                Some((p, r)) if *p == part => r.end = at + 3,
                _ => runs.push((part, at..at + 3)),
            }
            sorted.extend_from_slice(t);
        }
        Self {
            figure,
            indices: sorted,
            uvs,
            parts,
            runs,
        }
    }

    /// Triangles, grouped by body part.
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }

    /// Each vertex's texture coordinates.
    pub fn uvs(&self) -> &[glam::Vec2] {
        &self.uvs
    }

    /// Each vertex's body part (the joint whose segment it is on).
    #[cfg(test)]
    pub fn parts(&self) -> &[crate::character::Joint] {
        &self.parts
    }

    /// The index buffer as one run per body part, in joint order.
    pub fn part_runs(&self) -> &[(crate::character::Joint, std::ops::Range<u32>)] {
        &self.runs
    }

    /// Skinned world positions and normals for joint transforms (`None` if the skin or
    /// the joints do not fit: a frame without this character).
    pub fn deform(&self, joints: &[crate::math::Pose]) -> Option<(Vec<Vec3>, Vec<Vec3>)> {
        match &self.figure {
            Figure::Model(r) => r.deform(joints),
            Figure::Mannequin(skin) => {
                let globals: Vec<glam::Mat4> = joints
                    .iter()
                    .map(|p| glam::Mat4::from_rotation_translation(p.rotation, p.translation))
                    .collect();
                let d = skin.as_ref()?.deform(&globals).ok()?;
                Some((d.positions, d.normals))
            }
        }
    }

    /// The surface at frame `k` in world space from the joints of frames `k - 1`, `k`,
    /// `k + 1`: skinned positions and normals, the UVs, and the exact motion of every
    /// vertex to its skinned position one frame back and ahead. Empty when `now` does
    /// not fit the skin.
    pub fn mesh(
        &self,
        prev: &[crate::math::Pose],
        now: &[crate::math::Pose],
        next: &[crate::math::Pose],
    ) -> TriMesh {
        let Some((pos, normals)) = self.deform(now) else {
            return TriMesh::default();
        };
        let other = |joints| self.deform(joints).map(|(p, _)| p);
        let (before, after) = (other(prev), other(next));
        let motion = |o: &Option<Vec<Vec3>>, k: usize, p: Vec3| {
            o.as_ref()
                .and_then(|o| o.get(k))
                .map_or(Vec3::ZERO, |q| *q - p)
        };
        let mut mesh = TriMesh {
            vertices: Vec::with_capacity(pos.len()),
            indices: self.indices.clone(),
        };
        for (k, (p, n)) in pos.iter().zip(&normals).enumerate() {
            mesh.vertices.push(Vertex {
                position: p.to_array(),
                normal: n.normalize_or(Vec3::Y).to_array(),
                uv: self.uvs.get(k).copied().unwrap_or_default().to_array(),
                tangent: [1.0, 0.0, 0.0, 1.0],
                motion_prev: motion(&before, k, *p).to_array(),
                motion_next: motion(&after, k, *p).to_array(),
            });
        }
        mesh.compute_tangents();
        mesh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_closed(m: &TriMesh) {
        assert!(m.indices.len().is_multiple_of(3) && !m.indices.is_empty());
        assert!(m.indices.iter().all(|&i| (i as usize) < m.vertices.len()));
        for v in &m.vertices {
            let n = Vec3::from(v.normal);
            assert!((n.length() - 1.0).abs() < 1e-4, "normal {n}");
        }
    }

    #[test]
    fn sphere_vertices_lie_on_the_sphere_and_normals_point_out() {
        let m = tessellate(&Shape::Sphere { radius: 2.0 });
        check_closed(&m);
        for v in &m.vertices {
            let p = Vec3::from(v.position);
            assert!((p.length() - 2.0).abs() < 1e-5);
            assert!(p.normalize().dot(Vec3::from(v.normal)) > 0.999);
        }
        // Triangles wind counter-clockwise seen from outside.
        for t in m.indices.chunks(3) {
            let [a, b, c] = [t[0], t[1], t[2]].map(|i| Vec3::from(m.vertices[i as usize].position));
            let n = (b - a).cross(c - a);
            if n.length() > 1e-9 {
                assert!(n.dot(a + b + c) > 0.0);
            }
        }
    }

    #[test]
    fn every_shape_tessellates_within_its_bounds() {
        let shapes = [
            Shape::Box {
                half_extents: Vec3::new(0.5, 1.0, 1.5),
            },
            Shape::Capsule {
                radius: 0.3,
                half_height: 0.4,
            },
            Shape::Cylinder {
                radius: 0.3,
                half_height: 0.4,
            },
            Shape::Cone {
                radius: 0.3,
                half_height: 0.4,
            },
        ];
        for s in &shapes {
            let m = tessellate(s);
            check_closed(&m);
            let r = s.bounding_radius();
            assert!(
                m.vertices
                    .iter()
                    .all(|v| Vec3::from(v.position).length() <= r + 1e-5),
                "{s:?}"
            );
            let h = m
                .vertices
                .iter()
                .map(|v| v.position[1])
                .fold(f32::MIN, f32::max);
            assert!((h - s.height() / 2.0).abs() < 1e-5, "{s:?}: top at {h}");
            // Convex shapes centered on the origin: every face turns away from it.
            for t in m.indices.chunks(3) {
                let [a, b, c] =
                    [t[0], t[1], t[2]].map(|i| Vec3::from(m.vertices[i as usize].position));
                let n = (b - a).cross(c - a);
                if n.length() > 1e-9 {
                    assert!(
                        n.dot(a + b + c) > 0.0,
                        "{s:?}: a face winds inward: {a} {b} {c}"
                    );
                }
            }
        }
    }
}
