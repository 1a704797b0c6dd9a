//! Triangle meshes for every shape, in the shape's local frame (axis-symmetric shapes
//! along +Y, centered on the origin, exactly as the physics shapes). Tessellation is fine
//! enough that a silhouette strays from the true shape by at most 0.2 % of its radius
//! (64 segments: `1 - cos(pi / 64)` = 0.0012).

use bytemuck::{Pod, Zeroable};
use glam::Vec3;

use crate::scene::{GROUND_HALF_SIZE, Mesh, Shape};

/// Segments around a circle.
const SEGMENTS: u32 = 64;
/// Rings from pole to pole on a sphere.
const RINGS: u32 = 32;

/// One vertex: position and unit normal.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable, PartialEq)]
pub struct Vertex {
    /// Position, m.
    pub position: [f32; 3],
    /// Unit normal.
    pub normal: [f32; 3],
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
        self.vertices.push(Vertex {
            position: p.to_array(),
            normal: n.normalize_or_zero().to_array(),
        });
        self.vertices.len() as u32 - 1
    }

    /// Adds a flat-shaded triangle.
    fn flat_triangle(&mut self, a: Vec3, b: Vec3, c: Vec3) {
        let n = (b - a).cross(c - a);
        let i = self.push(a, n);
        self.push(b, n);
        self.push(c, n);
        self.indices.extend([i, i + 1, i + 2]);
    }
}

/// The mesh drawn for a shape.
pub fn tessellate(shape: &Shape) -> TriMesh {
    match shape {
        Shape::Sphere { radius } => capsule(*radius, 0.0),
        Shape::Capsule {
            radius,
            half_height,
        } => capsule(*radius, *half_height),
        Shape::Box { half_extents } => cuboid(*half_extents),
        Shape::Cylinder {
            radius,
            half_height,
        } => cylinder(*radius, *half_height),
        Shape::Cone {
            radius,
            half_height,
        } => cone(*radius, *half_height),
        Shape::Ground => ground(),
        Shape::ConvexHull(m) => hull(m),
        Shape::TriMesh(m) => flat(&m.vertices, &m.indices),
    }
}

fn ring(theta: f32) -> Vec3 {
    Vec3::new(theta.cos(), 0.0, -theta.sin())
}

/// A sphere (`half_height` 0) or a capsule: two hemispheres joined by a cylinder.
fn capsule(r: f32, hh: f32) -> TriMesh {
    let mut m = TriMesh::default();
    let cols = SEGMENTS + 1;
    // Rings from the north pole (phi = 0) to the south pole (phi = pi). The equator row
    // appears twice, once with each hemisphere's center (for a sphere the two coincide
    // and the band between them is empty).
    let half = RINGS / 2;
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
                m.push(n * r + Vec3::Y * center, n);
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

fn disc(m: &mut TriMesh, r: f32, y: f32, up: bool) {
    let n = if up { Vec3::Y } else { -Vec3::Y };
    let center = m.push(Vec3::Y * y, n);
    for s in 0..=SEGMENTS {
        let theta = std::f32::consts::TAU * s as f32 / SEGMENTS as f32;
        m.push(ring(theta) * r + Vec3::Y * y, n);
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
        m.push(n * r + Vec3::Y * hh, n);
        m.push(n * r - Vec3::Y * hh, n);
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
        let apex = m.push(Vec3::Y * hh, n(tm));
        m.push(ring(t0) * r - Vec3::Y * hh, n(t0));
        m.push(ring(t1) * r - Vec3::Y * hh, n(t1));
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
        m.push(p, Vec3::Y);
    }
    m.indices.extend([0, 1, 2, 0, 2, 3]);
    m
}

fn flat(vertices: &[Vec3], indices: &[[u32; 3]]) -> TriMesh {
    let mut m = TriMesh::default();
    for t in indices {
        let [a, b, c] = t.map(|i| vertices.get(i as usize).copied().unwrap_or(Vec3::ZERO));
        m.flat_triangle(a, b, c);
    }
    m
}

/// The convex hull's surface, as the physics shape sees it.
fn hull(mesh: &Mesh) -> TriMesh {
    let (points, tris) = rapier3d::parry::transformation::convex_hull(&mesh.vertices);
    flat(&points, &tris)
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
