//! A liquid's surface at one frame, reconstructed from its SPH particles, the one mesh
//! both renderers draw (see `docs/fluid-rendering.md`).
//!
//! The field is a smoothed particle density: every particle adds the cubic B-spline
//! kernel of Monaghan and Lattanzio 1985 ("A refined particle method for astrophysical
//! problems", `w(q)` with compact support `q < 2`, `q = d / h`) with smoothing length
//! `h = 1.6 r` (support `3.2 r`, `r` the particle radius), sampled on a regular grid of
//! cell `0.6 r` covering the particles plus the kernel's support and two cells, so the
//! field is zero on the grid's border and the surface closes. The surface is the
//! iso-surface at [`ISO_LEVEL`] = 0.48 of the density of the simulation's resting
//! lattice (spacing `2 r`), the smoothed-density definition of Müller, Charypar and
//! Gross 2003 ("Particle-based fluid simulation for interactive applications", §7) with
//! the threshold chosen so that the surface of a flat slab lies one particle radius
//! above its top particles' centers, where the liquid ends (each particle stands for a
//! cube of side `2 r`): measured, `0.97 r` to `1.02 r` over the lattice. An isolated
//! particle becomes a sphere of radius `0.65 r`, a line of particles a tube of radius
//! `0.87 r`; a smaller threshold would fatten slabs, a wider kernel would drop spray.
//!
//! The mesh is extracted by Naive Surface Nets (Gibson 1998, "Constrained elastic
//! surface nets"; the `fast-surface-nets` crate): one vertex per grid cell the surface
//! crosses, one quad per crossed grid edge, so a smooth field gives a closed, watertight
//! two-manifold. Triangles wind counter-clockwise seen from outside. Vertex normals are
//! the outward analytic gradient of the field (`−∇ρ`, normalized) at the vertex;
//! vertex velocities the kernel-weighted mean of the particle velocities there (exactly
//! the common velocity when all particles move alike).
//!
//! The cost is linear in the particles: each splats its kernel onto the grid nodes
//! within its support, and each vertex gathers the particles of the 27 bins of side
//! `3.2 r` around it (a sorted list of bin keys, no hashing). The grid is capped at
//! [`MAX_GRID_NODES`] nodes: a wider spread of particles coarsens the cell. Output is
//! deterministic: everything runs in particle and grid order.

use fast_surface_nets::ndshape::RuntimeShape;
use fast_surface_nets::{SurfaceNetsBuffer, surface_nets};
use glam::{DVec3, Vec3};

use super::mesh::{TriMesh, Vertex};
use crate::physics::FluidFrame;

/// Grid cell, in particle radii.
pub const CELL_RADII: f32 = 0.6;
/// Smoothing length `h` of the kernel, in particle radii (its support is `2 h`).
pub const SMOOTHING_RADII: f32 = 1.6;
/// The iso-level, as a fraction of the density of the resting lattice (spacing `2 r`).
pub const ISO_LEVEL: f32 = 0.48;
/// Most grid nodes (256³; the grid's field and its accumulators take 8 bytes a node).
pub const MAX_GRID_NODES: u64 = 1 << 24;

/// A liquid's surface in world space: a closed triangle mesh with outward normals and
/// the velocity of the liquid at each vertex.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FluidSurface {
    /// Vertex positions, m.
    pub positions: Vec<Vec3>,
    /// Unit outward normals.
    pub normals: Vec<Vec3>,
    /// The liquid's velocity at each vertex, m/s.
    pub velocities: Vec<Vec3>,
    /// Three indices per triangle, counter-clockwise seen from outside.
    pub indices: Vec<u32>,
}

impl FluidSurface {
    /// Whether it has no triangles.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// The raster's mesh of this surface: world-space positions and normals, and each
    /// vertex carried by its velocity `back` seconds into the past (`motion_prev`) and
    /// `ahead` seconds into the future (`motion_next`). No texture coordinates.
    pub fn mesh(&self, back: f32, ahead: f32) -> TriMesh {
        let vertices = self
            .positions
            .iter()
            .zip(&self.normals)
            .zip(&self.velocities)
            .map(|((p, n), v)| {
                let t = n.any_orthonormal_vector();
                Vertex {
                    position: p.to_array(),
                    normal: n.to_array(),
                    uv: [0.0; 2],
                    tangent: [t.x, t.y, t.z, 1.0],
                    motion_prev: (*v * -back).to_array(),
                    motion_next: (*v * ahead).to_array(),
                }
            })
            .collect();
        TriMesh {
            vertices,
            indices: self.indices.clone(),
        }
    }
}

/// The surface of one fluid at one frame as the raster's mesh, every vertex moving
/// `∓ v dt` to the previous and next frame (see [`FluidSurface::mesh`]).
pub fn fluid_mesh(frame: &FluidFrame, dt: f32) -> TriMesh {
    fluid_surface(frame).mesh(dt, dt)
}

/// The cubic B-spline kernel without its normalization, `q = d / h`, support `q < 2`.
fn kernel(q: f32) -> f32 {
    if q < 1.0 {
        1.0 - 1.5 * q * q + 0.75 * q * q * q
    } else if q < 2.0 {
        let a = 2.0 - q;
        0.25 * a * a * a
    } else {
        0.0
    }
}

/// `dw/dq` of [`kernel`].
fn kernel_slope(q: f32) -> f32 {
    if q < 1.0 {
        -3.0 * q + 2.25 * q * q
    } else if q < 2.0 {
        let a = 2.0 - q;
        -0.75 * a * a
    } else {
        0.0
    }
}

/// The unnormalized density at a particle of the infinite resting lattice (spacing
/// `2 r`): the reference of [`ISO_LEVEL`].
fn lattice_density() -> f32 {
    let spacing = 2.0 / SMOOTHING_RADII; // in units of h
    let n = (2.0 / spacing).ceil() as i32;
    let mut sum = 0.0f64;
    for i in -n..=n {
        for j in -n..=n {
            for k in -n..=n {
                let d = Vec3::new(i as f32, j as f32, k as f32).length() * spacing;
                sum += f64::from(kernel(d));
            }
        }
    }
    sum as f32
}

/// The regular grid the field is sampled on: node `(i, j, k)` at
/// `origin + (i, j, k) · cell`.
#[derive(Debug, Clone, Copy)]
struct Grid {
    origin: Vec3,
    cell: f32,
    dims: [u32; 3],
}

impl Grid {
    /// A grid around `[lo, hi]` with the kernel's `support` and two cells to spare on
    /// every side, of cell `cell` or coarser to stay within [`MAX_GRID_NODES`].
    fn around(lo: Vec3, hi: Vec3, support: f32, mut cell: f32) -> Self {
        loop {
            let margin = support + 2.0 * cell;
            let extent = (hi - lo).as_dvec3() + DVec3::splat(2.0 * f64::from(margin));
            let dims = (extent / f64::from(cell)).ceil() + DVec3::ONE;
            let nodes = dims.x * dims.y * dims.z;
            if nodes <= MAX_GRID_NODES as f64 {
                return Self {
                    origin: lo - Vec3::splat(margin),
                    cell,
                    dims: [dims.x as u32, dims.y as u32, dims.z as u32],
                };
            }
            cell *= ((nodes / MAX_GRID_NODES as f64).cbrt() as f32).max(1.01);
        }
    }

    fn len(&self) -> usize {
        self.dims.iter().map(|&d| d as usize).product()
    }
}

/// Particles sorted by the bin of side `support` they fall in, for gathering the
/// particles near a point.
struct Bins {
    lo: Vec3,
    size: f32,
    dims: [u64; 3],
    /// `(bin key, particle)` sorted by key, then particle.
    sorted: Vec<(u64, u32)>,
}

impl Bins {
    fn new(points: &[Vec3], lo: Vec3, hi: Vec3, size: f32) -> Self {
        let dims = ((hi - lo) / size)
            .floor()
            .as_dvec3()
            .to_array()
            .map(|d| d.max(0.0) as u64 + 1);
        let mut bins = Self {
            lo,
            size,
            dims,
            sorted: Vec::with_capacity(points.len()),
        };
        for (i, p) in points.iter().enumerate() {
            let c = bins.cell_of(*p);
            bins.sorted.push((bins.key(c), i as u32));
        }
        bins.sorted.sort_unstable();
        bins
    }

    /// The bin coordinates of `p` (clamped to the bins).
    fn cell_of(&self, p: Vec3) -> [i64; 3] {
        let c = ((p - self.lo) / self.size).floor();
        let clamp = |v: f32, d: u64| (v as i64).clamp(0, d as i64 - 1);
        [
            clamp(c.x, self.dims[0]),
            clamp(c.y, self.dims[1]),
            clamp(c.z, self.dims[2]),
        ]
    }

    fn key(&self, [x, y, z]: [i64; 3]) -> u64 {
        (z as u64 * self.dims[1] + y as u64) * self.dims[0] + x as u64
    }

    /// Calls `f` with every particle in the 27 bins around `p`, in key order.
    fn around(&self, p: Vec3, mut f: impl FnMut(usize)) {
        let c = ((p - self.lo) / self.size).floor();
        let c = [c.x as i64, c.y as i64, c.z as i64];
        let [dx, dy, dz] = self.dims.map(|d| d as i64);
        for z in (c[2] - 1).max(0)..=(c[2] + 1).min(dz - 1) {
            for y in (c[1] - 1).max(0)..=(c[1] + 1).min(dy - 1) {
                let (x0, x1) = ((c[0] - 1).max(0), (c[0] + 1).min(dx - 1));
                if x0 > x1 {
                    continue;
                }
                // The row's three bins have consecutive keys: one range.
                let (k0, k1) = (self.key([x0, y, z]), self.key([x1, y, z]));
                let start = self.sorted.partition_point(|e| e.0 < k0);
                for e in self.sorted[start..].iter().take_while(|e| e.0 <= k1) {
                    f(e.1 as usize);
                }
            }
        }
    }
}

/// The surface of one fluid at one frame (empty without particles). Particles at
/// non-finite positions are left out; a missing or non-finite velocity counts as zero.
pub fn fluid_surface(frame: &FluidFrame) -> FluidSurface {
    let r = frame.radius;
    if !(r.is_finite() && r > 0.0) {
        return FluidSurface::default();
    }
    let mut points = Vec::with_capacity(frame.positions.len());
    let mut velocities = Vec::with_capacity(frame.positions.len());
    for (i, p) in frame.positions.iter().enumerate() {
        if p.is_finite() {
            points.push(*p);
            let v = frame.velocities.get(i).copied().unwrap_or(Vec3::ZERO);
            velocities.push(if v.is_finite() { v } else { Vec3::ZERO });
        }
    }
    if points.is_empty() {
        return FluidSurface::default();
    }
    let h = SMOOTHING_RADII * r;
    let support = 2.0 * h;
    let (lo, hi) = points.iter().fold((Vec3::MAX, Vec3::MIN), |(lo, hi), p| {
        (lo.min(*p), hi.max(*p))
    });
    let grid = Grid::around(lo, hi, support, CELL_RADII * r);
    let field = splat(&points, &grid, h);
    let shape = RuntimeShape::<u32, 3>::new(grid.dims);
    let mut buf = SurfaceNetsBuffer::default();
    surface_nets(&field, &shape, [0; 3], grid.dims.map(|d| d - 1), &mut buf);
    drop(field);

    // Velocities relative to their mean: a uniform motion gives every vertex exactly
    // the mean (an exact sum of equal values over their count in f64).
    let mean =
        velocities.iter().fold(DVec3::ZERO, |s, v| s + v.as_dvec3()) / velocities.len() as f64;
    let mean = mean.as_vec3();
    // Bins of the kernel's support (coarser for particles strewn over kilometres, so
    // that bin keys stay within 2⁶³).
    let bin = support.max((hi - lo).max_element() / (1 << 20) as f32);
    let bins = Bins::new(&points, lo, hi, bin);
    let mut out = FluidSurface {
        positions: Vec::with_capacity(buf.positions.len()),
        normals: Vec::with_capacity(buf.positions.len()),
        velocities: Vec::with_capacity(buf.positions.len()),
        indices: buf.indices,
    };
    for (p, n) in buf.positions.iter().zip(&buf.normals) {
        let x = grid.origin + Vec3::from(*p) * grid.cell;
        let (mut grad, mut wsum, mut vsum) = (Vec3::ZERO, 0.0f32, Vec3::ZERO);
        bins.around(x, |i| {
            let d = x - points[i];
            let len = d.length();
            let q = len / h;
            if q >= 2.0 {
                return;
            }
            let w = kernel(q);
            wsum += w;
            vsum += (velocities[i] - mean) * w;
            if len > 0.0 {
                grad += d * (kernel_slope(q) / (len * h));
            }
        });
        // The density falls outward: the outward normal is −∇ρ (the grid's gradient of
        // `iso − ρ` where the analytic one vanishes).
        let normal = (-grad)
            .try_normalize()
            .or_else(|| Vec3::from(*n).try_normalize())
            .unwrap_or(Vec3::Y);
        out.positions.push(x);
        out.normals.push(normal);
        out.velocities
            .push(if wsum > 0.0 { mean + vsum / wsum } else { mean });
    }
    out
}

/// The signed field `iso − ρ` on the grid's nodes (negative inside the liquid), `ρ` the
/// kernel sum of smoothing length `h` over `points`.
fn splat(points: &[Vec3], grid: &Grid, h: f32) -> Vec<f32> {
    let mut rho = vec![0.0f32; grid.len()];
    let support = 2.0 * h;
    let s2 = support * support;
    let inv_h = 1.0 / h;
    let [nx, ny, nz] = grid.dims.map(|d| d as i64);
    let range = |c: f32, n: i64| {
        let a = ((c - support) / grid.cell).ceil() as i64;
        let b = ((c + support) / grid.cell).floor() as i64;
        (a.max(0), b.min(n - 1))
    };
    for p in points {
        let c = *p - grid.origin;
        let (x0, x1) = range(c.x, nx);
        let (y0, y1) = range(c.y, ny);
        let (z0, z1) = range(c.z, nz);
        for k in z0..=z1 {
            let dz = k as f32 * grid.cell - c.z;
            for j in y0..=y1 {
                let dy = j as f32 * grid.cell - c.y;
                let rest = s2 - dz * dz - dy * dy;
                if rest <= 0.0 {
                    continue;
                }
                // Only the nodes of this row inside the support sphere.
                let half = rest.sqrt();
                let i0 = (((c.x - half) / grid.cell).ceil() as i64).max(x0);
                let i1 = (((c.x + half) / grid.cell).floor() as i64).min(x1);
                if i0 > i1 {
                    continue;
                }
                let row = dz * dz + dy * dy;
                let base = ((k * ny + j) * nx) as usize;
                let Some(nodes) = rho.get_mut(base + i0 as usize..=base + i1 as usize) else {
                    continue;
                };
                for (i, node) in (i0..=i1).zip(nodes) {
                    let dx = i as f32 * grid.cell - c.x;
                    *node += kernel((row + dx * dx).sqrt() * inv_h);
                }
            }
        }
    }
    let iso = ISO_LEVEL * lattice_density();
    for v in &mut rho {
        *v = iso - *v;
    }
    rho
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn frame(positions: Vec<Vec3>, velocity: Vec3, radius: f32) -> FluidFrame {
        FluidFrame {
            velocities: vec![velocity; positions.len()],
            positions,
            radius,
        }
    }

    /// Lattice points of spacing `2 r` at cell centers filling `[lo, hi]` that `keep`.
    fn lattice(lo: Vec3, hi: Vec3, r: f32, keep: impl Fn(Vec3) -> bool) -> Vec<Vec3> {
        let n = ((hi - lo) / (2.0 * r)).floor();
        let mut out = Vec::new();
        for k in 0..n.z as i32 {
            for j in 0..n.y as i32 {
                for i in 0..n.x as i32 {
                    let p = lo + Vec3::splat(r) + Vec3::new(i as f32, j as f32, k as f32) * 2.0 * r;
                    if keep(p) {
                        out.push(p);
                    }
                }
            }
        }
        out
    }

    /// Every edge shared by exactly two triangles, in opposite directions (closed and
    /// consistently wound); returns the signed volume (positive: wound outward).
    fn check_closed(s: &FluidSurface) -> f64 {
        assert!(!s.indices.is_empty());
        let mut edges: BTreeMap<(u32, u32), i32> = BTreeMap::new();
        let mut volume = 0.0f64;
        for t in s.indices.chunks_exact(3) {
            for (a, b) in [(t[0], t[1]), (t[1], t[2]), (t[2], t[0])] {
                assert_ne!(a, b, "degenerate triangle {t:?}");
                *edges.entry((a.min(b), a.max(b))).or_default() += if a < b { 1 } else { -1 };
            }
            let [a, b, c] = [t[0], t[1], t[2]].map(|i| s.positions[i as usize].as_dvec3());
            volume += a.dot(b.cross(c)) / 6.0;
        }
        let mut count: BTreeMap<(u32, u32), u32> = BTreeMap::new();
        for t in s.indices.chunks_exact(3) {
            for (a, b) in [(t[0], t[1]), (t[1], t[2]), (t[2], t[0])] {
                *count.entry((a.min(b), a.max(b))).or_default() += 1;
            }
        }
        for (e, n) in &count {
            assert_eq!(*n, 2, "edge {e:?} is shared by {n} triangles");
            assert_eq!(edges[e], 0, "edge {e:?} is traversed twice the same way");
        }
        volume
    }

    #[test]
    fn a_ball_of_particles_meshes_into_a_closed_surface_at_its_radius() {
        let (r, radius) = (0.01f32, 0.1f32);
        let c = Vec3::new(0.3, 1.0, -0.2);
        let pts = lattice(c - radius, c + radius, r, |p| (p - c).length() <= radius);
        let s = fluid_surface(&frame(pts.clone(), Vec3::ZERO, r));
        let volume = check_closed(&s);
        let ball = 4.0 / 3.0 * std::f64::consts::PI * f64::from(radius).powi(3);
        let liquid = pts.len() as f64 * f64::from(2.0 * r).powi(3);
        assert!(volume > 0.0, "triangles wind inward: volume {volume}");
        assert!(
            (volume - liquid).abs() < 0.1 * liquid,
            "encloses {volume} m³, the particles stand for {liquid} m³ (ball {ball})"
        );
        let (mut lo, mut hi, mut facing) = (f32::MAX, f32::MIN, 1.0f32);
        for (p, n) in s.positions.iter().zip(&s.normals) {
            let d = (*p - c).length();
            (lo, hi) = (lo.min(d), hi.max(d));
            assert!(
                (d - radius).abs() <= r,
                "vertex {p} at {d} m from the center"
            );
            assert!((n.length() - 1.0).abs() < 1e-4);
            facing = facing.min(n.dot((*p - c).normalize()));
        }
        // A lattice ball is terraced: the normals lean off radial at the steps' edges.
        assert!(
            facing > 0.5,
            "a normal {} off radial",
            facing.acos().to_degrees()
        );
        println!(
            "ball: {} particles, {} vertices at {lo:.4}..{hi:.4} m, normals within {:.1}° of radial, volume {volume:.3e} vs {liquid:.3e}",
            pts.len(),
            s.positions.len(),
            facing.acos().to_degrees()
        );
    }

    #[test]
    fn a_slab_is_flat_one_radius_above_its_top_particles() {
        let r = 0.01f32;
        let (lo, hi) = (Vec3::new(-0.1, 0.0, -0.1), Vec3::new(0.1, 0.08, 0.1));
        let pts = lattice(lo, hi, r, |_| true);
        let top = pts.iter().map(|p| p.y).fold(f32::MIN, f32::max);
        let s = fluid_surface(&frame(pts, Vec3::ZERO, r));
        check_closed(&s);
        // The top face, away from the rounded rim.
        let heights: Vec<f32> = s
            .positions
            .iter()
            .zip(&s.normals)
            .filter(|(p, n)| p.x.abs() < 0.05 && p.z.abs() < 0.05 && n.y > 0.5)
            .map(|(p, _)| p.y)
            .collect();
        assert!(heights.len() > 50, "{} top vertices", heights.len());
        let (min, max) = heights
            .iter()
            .fold((f32::MAX, f32::MIN), |(a, b), y| (a.min(*y), b.max(*y)));
        println!(
            "slab: top particles at {top}, surface at {min:.5}..{max:.5} (top + {:.3} r .. {:.3} r)",
            (min - top) / r,
            (max - top) / r
        );
        assert!(max - min < 0.2 * r, "top spread {} r", (max - min) / r);
        for y in [min, max] {
            assert!(
                (y - (top + r)).abs() < 0.5 * r,
                "surface at {y}, expected {} ± {}",
                top + r,
                0.5 * r
            );
        }
    }

    #[test]
    fn a_uniform_velocity_moves_every_vertex_alike() {
        let r = 0.02f32;
        let v = Vec3::new(0.37, -1.3, 0.011);
        let pts = lattice(Vec3::ZERO, Vec3::new(0.2, 0.12, 0.16), r, |_| true);
        let s = fluid_surface(&frame(pts, v, r));
        assert!(!s.is_empty());
        assert!(s.velocities.iter().all(|u| *u == v));
        let m = s.mesh(0.1, 0.05);
        for (vert, p) in m.vertices.iter().zip(&s.positions) {
            assert_eq!(vert.position, p.to_array());
            assert_eq!(vert.motion_prev, (v * -0.1).to_array());
            assert_eq!(vert.motion_next, (v * 0.05).to_array());
        }
        assert!(
            !fluid_mesh(&frame(vec![Vec3::ZERO], v, r), 0.1)
                .vertices
                .is_empty()
        );
    }

    #[test]
    fn no_particles_give_an_empty_mesh() {
        assert!(fluid_surface(&FluidFrame::default()).is_empty());
        let m = fluid_mesh(&frame(Vec::new(), Vec3::ZERO, 0.01), 0.04);
        assert!(m.vertices.is_empty() && m.indices.is_empty());
        // Non-finite particles are left out; a bad radius meshes nothing.
        let nan = frame(vec![Vec3::NAN], Vec3::ZERO, 0.01);
        assert!(fluid_surface(&nan).is_empty());
        let bad = frame(vec![Vec3::ZERO], Vec3::ZERO, f32::NAN);
        assert!(fluid_surface(&bad).is_empty());
    }

    #[test]
    fn meshing_is_deterministic_and_isolated_particles_show() {
        let r = 0.01f32;
        let mut pts = lattice(Vec3::ZERO, Vec3::splat(0.1), r, |_| true);
        pts.push(Vec3::new(0.3, 0.3, 0.3));
        let f = frame(pts, Vec3::X, r);
        let (a, b) = (fluid_surface(&f), fluid_surface(&f));
        assert_eq!(a, b);
        // The lone droplet makes a small sphere of its own.
        let near: Vec<f32> = a
            .positions
            .iter()
            .map(|p| (*p - Vec3::splat(0.3)).length())
            .filter(|d| *d < 3.0 * r)
            .collect();
        assert!(!near.is_empty(), "the isolated particle vanished");
        assert!(
            near.iter().all(|d| (0.3 * r..1.2 * r).contains(d)),
            "{near:?}"
        );
    }

    /// 50k particles in a 37³ block: the timing for the docs (release: `cargo test
    /// --release --lib fluid_mesh -- --ignored --nocapture`).
    #[test]
    #[ignore = "timing"]
    fn time_50k_particles() {
        let r = 0.01f32;
        let pts = lattice(Vec3::ZERO, Vec3::splat(0.74), r, |_| true);
        let f = frame(pts, Vec3::X, r);
        let t = std::time::Instant::now();
        let s = fluid_surface(&f);
        println!(
            "{} particles -> {} vertices, {} triangles in {:.3} s",
            f.positions.len(),
            s.positions.len(),
            s.indices.len() / 3,
            t.elapsed().as_secs_f64()
        );
    }
}
