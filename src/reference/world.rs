//! The scene as the tracer sees it: every shaped entity with its exact parry shape
//! (primitives analytically, OBJ / glTF meshes from the same loaded meshes the physics
//! and the raster use), posed per sample, and ray queries against them.
//!
//! Cloths deform, so their geometry belongs to one frame: [`cloth_objects`] builds, from
//! a trajectory frame's vertex positions, one [`Sheet`] per cloth in the sheet's own
//! frame (`Cloth::pose`, through the raster's [`cloth_mesh`], so positions, normals and
//! texture coordinates are the ones the raster draws), appended after the rigid objects.
//!
//! Liquids too: [`fluid_objects`] builds, from a frame's particles, one closed
//! [`Liquid`] surface per fluid through the raster's [`fluid_surface`] (the same
//! triangles, the same outward normals), in world space (its entity's pose is not used:
//! a liquid is traced at the identity pose), appended after the cloths.

use std::sync::Arc;

use glam::{Quat, Vec2, Vec3};
use rapier3d::parry::query::{Ray, RayCast};
use rapier3d::parry::shape::{SharedShape, TriMesh};

use super::ReferenceError;
use super::maps::{UvFrame, barycentric, triangle_frame};
use crate::math::Pose;
use crate::physics::FrameState;
use crate::raster::{CharacterMesh, cloth_mesh, fluid_surface};
use crate::scene::GROUND_HALF_SIZE;
use crate::scene::{Scene, Shape};

/// A triangle surface with smooth vertex normals: a cloth's at one frame, in the sheet's
/// own frame (thin, two-sided, opaque), or the closed surface of a [`Liquid`].
pub(super) struct Sheet {
    /// The triangles (a cloth's grid's, in [`crate::scene::Cloth::triangles`] order),
    /// cast on from either side.
    pub mesh: TriMesh,
    /// Unit vertex normals (the raster's): toward a sheet's front, out of a liquid.
    pub normals: Vec<Vec3>,
    /// Vertex texture coordinates (a cloth grid's; none for a liquid).
    pub uvs: Vec<Vec2>,
}

impl Sheet {
    /// Vertex indices and barycentric weights of point `p` (on or near triangle `tri`).
    fn barycentric(&self, tri: u32, p: Vec3) -> Option<([usize; 3], [f32; 3])> {
        let idx = self.mesh.indices().get(tri as usize)?.map(|i| i as usize);
        let v = self.mesh.vertices();
        let corners = [*v.get(idx[0])?, *v.get(idx[1])?, *v.get(idx[2])?];
        Some((idx, barycentric(corners, p)?))
    }

    /// The smooth shading normal at `p` on triangle `tri`: the vertex normals
    /// interpolated barycentrically (sheet frame, unit; either side).
    pub fn normal(&self, tri: u32, p: Vec3) -> Option<Vec3> {
        let (idx, b) = self.barycentric(tri, p)?;
        let mut n = Vec3::ZERO;
        for (i, w) in idx.iter().zip(b) {
            n += *self.normals.get(*i)? * w;
        }
        n.try_normalize()
    }

    /// The unit normal of triangle `tri` by its winding (counter-clockwise seen from its
    /// front: outward on a liquid's closed surface).
    pub fn face_normal(&self, tri: u32) -> Option<Vec3> {
        let idx = self.mesh.indices().get(tri as usize)?;
        let v = |i: u32| self.mesh.vertices().get(i as usize).copied();
        let (a, b, c) = (v(idx[0])?, v(idx[1])?, v(idx[2])?);
        (b - a).cross(c - a).try_normalize()
    }

    /// Texture coordinates and derivatives at `p` on triangle `tri`.
    pub fn uv_frame(&self, tri: u32, p: Vec3) -> Option<UvFrame> {
        let idx = self.mesh.indices().get(tri as usize)?;
        let v = |i: u32| self.mesh.vertices().get(i as usize).copied();
        let t = |i: u32| self.uvs.get(i as usize).copied();
        triangle_frame(
            [v(idx[0])?, v(idx[1])?, v(idx[2])?],
            [t(idx[0])?, t(idx[1])?, t(idx[2])?],
            p,
        )
    }
}

/// A liquid's surface at one frame: closed, smooth-shaded, a dielectric interface when
/// its material transmits, with Beer–Lambert absorption inside.
pub(super) struct Liquid {
    /// The triangles and outward vertex normals (no texture coordinates).
    pub surface: Sheet,
    /// Absorption coefficient, per metre of liquid crossed, linear RGB.
    pub absorption: Vec3,
}

impl Liquid {
    /// Whether a ray along `dir` (the object's frame) leaves the liquid through
    /// triangle `tri`.
    pub fn exits(&self, tri: u32, dir: Vec3) -> bool {
        self.surface
            .face_normal(tri)
            .is_some_and(|n| n.dot(dir) > 0.0)
    }
}

/// Beer–Lambert transmittance `exp(−σ d)` per channel over `d` m (`d` may be infinite;
/// a channel that does not absorb passes whole).
pub(super) fn beer_lambert(sigma: Vec3, d: f32) -> Vec3 {
    let t = |s: f32| if s > 0.0 { (-s * d).exp() } else { 1.0 };
    Vec3::new(t(sigma.x), t(sigma.y), t(sigma.z))
}

/// How an object is intersected.
#[derive(Clone)]
pub(super) enum Geometry {
    /// The local XZ plane, bounded like the raster's ground square.
    Ground,
    /// A cylinder along the local Y axis, intersected in closed form: parry casts rays
    /// on cylinders by GJK, whose stopping tolerance misplaces a grazing hit on a thin
    /// disc by millimetres (a 2.5 mm coin seen from 0.43 m at 17° measured 4 mm short).
    Cylinder {
        /// Radius, m.
        radius: f32,
        /// Half the height, m.
        half_height: f32,
    },
    /// An exact parry shape.
    Shape(SharedShape),
    /// A cloth at one frame.
    Sheet(Arc<Sheet>),
    /// A liquid at one frame.
    Liquid(Arc<Liquid>),
    /// A character's skinned body at one frame, in world space.
    Body(Arc<Sheet>),
}

/// One shaped entity (or a cloth at one frame).
#[derive(Clone)]
pub(super) struct Object {
    /// Entity index.
    pub entity: usize,
    /// Instance id.
    pub id: u32,
    /// Material index.
    pub material: usize,
    /// Its geometry in the entity's frame.
    pub geometry: Geometry,
    /// Radius of a sphere around the entity's origin holding the shape (infinite for the
    /// ground).
    pub radius: f32,
    /// Seeded offset of the procedural pattern, object space, m.
    pub pattern_offset: Vec3,
}

/// A ray's nearest hit.
#[derive(Debug, Clone, Copy)]
pub(super) struct Hit {
    /// Distance along the (unit) ray, m.
    pub t: f32,
    /// Index into the object list.
    pub object: usize,
    /// Unit geometric normal, world space (either orientation).
    pub normal: Vec3,
    /// The hit point in the object's own frame, m.
    pub local: Vec3,
    /// The geometric normal in the object's own frame (as reported: outward for solid
    /// shapes, either side for a triangle mesh).
    pub local_normal: Vec3,
    /// The part of the shape that was hit: the triangle of a triangle mesh (in the
    /// mesh's index order), 0 for every other shape.
    pub part: u32,
}

/// Builds the object list from the scene (entities with shapes, in entity order).
pub(super) fn objects(scene: &Scene) -> Result<Vec<Object>, ReferenceError> {
    let mut out = Vec::new();
    for (i, e) in scene.entities.iter().enumerate() {
        let Some(shape) = &e.shape else { continue };
        let geometry = match shape {
            Shape::Ground => Geometry::Ground,
            &Shape::Cylinder {
                radius,
                half_height,
            } => Geometry::Cylinder {
                radius,
                half_height,
            },
            _ => Geometry::Shape(shape.to_parry().map_err(|err| ReferenceError::Shape {
                entity: e.name.clone(),
                message: err.to_string(),
            })?),
        };
        let pattern_offset = crate::texture::pattern::offset(scene.seed, &e.name);
        out.push(Object {
            entity: i,
            id: e.id,
            material: e.material,
            geometry,
            radius: shape.bounding_radius(),
            pattern_offset,
        });
    }
    Ok(out)
}

/// One object per cloth of the scene (in `scene.cloths` order) with its surface at the
/// trajectory frame `state`.
///
/// # Errors
/// [`ReferenceError::Shape`] naming the cloth when the frame lacks its vertices, holds
/// the wrong number or non-finite ones.
pub(super) fn cloth_objects(
    scene: &Scene,
    state: &FrameState,
) -> Result<Vec<Object>, ReferenceError> {
    let mut out = Vec::with_capacity(scene.cloths.len());
    for (ci, cloth) in scene.cloths.iter().enumerate() {
        let bad = |message: String| ReferenceError::Shape {
            entity: cloth.name.clone(),
            message,
        };
        let e = scene
            .entities
            .get(cloth.entity)
            .ok_or_else(|| bad(format!("entity {} does not exist", cloth.entity)))?;
        let now = state.cloth.get(ci).ok_or_else(|| {
            bad(format!(
                "the trajectory has no vertices for it at t = {} s",
                state.time
            ))
        })?;
        if now.len() != cloth.vertex_count() {
            return Err(bad(format!(
                "expected {} vertices at t = {} s, found {}",
                cloth.vertex_count(),
                state.time,
                now.len()
            )));
        }
        if !now.iter().all(|p| p.is_finite()) {
            return Err(bad(format!(
                "a vertex position is not finite at t = {} s",
                state.time
            )));
        }
        // The raster's vertices exactly: the sheet's own frame, its normals and UVs.
        let tm = cloth_mesh(cloth, &[], now, &[]);
        let vertices: Vec<Vec3> = tm.vertices.iter().map(|v| Vec3::from(v.position)).collect();
        let normals = tm.vertices.iter().map(|v| Vec3::from(v.normal)).collect();
        let uvs = tm.vertices.iter().map(|v| Vec2::from(v.uv)).collect();
        let radius =
            vertices.iter().map(|v| v.length()).fold(0.0f32, f32::max) * (1.0 + 1e-5) + 1e-6;
        let mesh =
            TriMesh::new(vertices, cloth.triangles()).map_err(|err| bad(format!("{err:?}")))?;
        out.push(Object {
            entity: cloth.entity,
            id: e.id,
            material: e.material,
            geometry: Geometry::Sheet(Arc::new(Sheet { mesh, normals, uvs })),
            radius,
            pattern_offset: crate::texture::pattern::offset(scene.seed, &e.name),
        });
    }
    Ok(out)
}

/// One object per fluid of the scene that has particles at the trajectory frame `state`
/// (in `scene.fluids` order), its surface in world space.
///
/// # Errors
/// [`ReferenceError::Shape`] naming the fluid when parry refuses its surface.
pub(super) fn fluid_objects(
    scene: &Scene,
    state: &FrameState,
) -> Result<Vec<Object>, ReferenceError> {
    let mut out = Vec::with_capacity(scene.fluids.len());
    for (fi, fluid) in scene.fluids.iter().enumerate() {
        let Some(e) = scene.entities.get(fluid.entity) else {
            continue;
        };
        let Some(frame) = state.fluid(fi) else {
            continue;
        };
        let s = fluid_surface(frame);
        if s.is_empty() {
            continue;
        }
        let (mesh, radius) = world_mesh(s.positions, &s.indices, &fluid.name, "surface", state)?;
        out.push(Object {
            entity: fluid.entity,
            id: e.id,
            material: e.material,
            geometry: Geometry::Liquid(Arc::new(Liquid {
                surface: Sheet {
                    mesh,
                    normals: s.normals,
                    uvs: Vec::new(),
                },
                absorption: Vec3::from(fluid.liquid.absorption),
            })),
            radius,
            pattern_offset: crate::texture::pattern::offset(scene.seed, &e.name),
        });
    }
    Ok(out)
}

/// One object per character of the scene with joints at the trajectory frame `state`
/// (in `scene.characters` order): its skinned body (the mannequin or its glTF model, as
/// the raster skins it) in world space, with its vertex normals and UVs.
///
/// # Errors
/// [`ReferenceError::Shape`] naming the character when parry refuses its surface.
pub(super) fn character_objects(
    scene: &Scene,
    state: &FrameState,
) -> Result<Vec<Object>, ReferenceError> {
    let mut out = Vec::with_capacity(scene.characters.len());
    for (ci, c) in scene.characters.iter().enumerate() {
        let Some(e) = scene.entities.get(c.entity) else {
            continue;
        };
        let body = CharacterMesh::of(c);
        let Some((positions, normals)) = body.deform(state.character_joints(ci)) else {
            continue;
        };
        let (mesh, radius) = world_mesh(positions, body.indices(), &c.name, "body", state)?;
        out.push(Object {
            entity: c.entity,
            id: e.id,
            material: e.material,
            geometry: Geometry::Body(Arc::new(Sheet {
                mesh,
                normals: normals.iter().map(|n| n.normalize_or(Vec3::Y)).collect(),
                uvs: body.uvs().to_vec(),
            })),
            radius,
            pattern_offset: crate::texture::pattern::offset(scene.seed, &e.name),
        });
    }
    Ok(out)
}

/// A surface built in world space at the trajectory frame `state` (a liquid's, a
/// character's) as a parry mesh, with the radius of a sphere about the origin holding
/// it. `what` names it in the error.
///
/// # Errors
/// [`ReferenceError::Shape`] naming `entity` when parry refuses the triangles.
fn world_mesh(
    positions: Vec<Vec3>,
    indices: &[u32],
    entity: &str,
    what: &str,
    state: &FrameState,
) -> Result<(TriMesh, f32), ReferenceError> {
    let radius = positions.iter().map(|v| v.length()).fold(0.0f32, f32::max) * (1.0 + 1e-5) + 1e-6;
    let triangles = indices
        .chunks_exact(3)
        .map(|t| [t[0], t[1], t[2]])
        .collect();
    let mesh = TriMesh::new(positions, triangles).map_err(|err| ReferenceError::Shape {
        entity: entity.to_string(),
        message: format!("its {what} at t = {} s: {err:?}", state.time),
    })?;
    Ok((mesh, radius))
}

/// Does the ray `origin + t dir` (unit `dir`) pass within `radius` of `center` before
/// `t_max`?
fn near_sphere(origin: Vec3, dir: Vec3, center: Vec3, radius: f32, t_max: f32) -> bool {
    let oc = center - origin;
    let b = oc.dot(dir);
    let c = oc.length_squared() - radius * radius;
    if c > 0.0 && b < 0.0 {
        return false;
    }
    let disc = b * b - c;
    disc >= 0.0 && b - disc.sqrt() < t_max
}

/// The nearest hit of the ray against the objects at `poses` (one per object), closer
/// than `t_max`.
pub(super) fn intersect(
    objects: &[Object],
    poses: &[Pose],
    origin: Vec3,
    dir: Vec3,
    t_max: f32,
) -> Option<Hit> {
    let mut best: Option<Hit> = None;
    let mut t_best = t_max;
    for (i, (o, p)) in objects.iter().zip(poses).enumerate() {
        if o.radius.is_finite() && !near_sphere(origin, dir, p.translation, o.radius, t_best) {
            continue;
        }
        let inv: Quat = p.rotation.conjugate();
        let lo = inv * (origin - p.translation);
        let ld = inv * dir;
        let found = match &o.geometry {
            Geometry::Ground => {
                if ld.y.abs() < 1e-12 {
                    None
                } else {
                    let t = -lo.y / ld.y;
                    let q = lo + ld * t;
                    (t > 0.0
                        && t < t_best
                        && q.x.abs() <= GROUND_HALF_SIZE
                        && q.z.abs() <= GROUND_HALF_SIZE)
                        .then_some((t, Vec3::Y, 0))
                }
            }
            &Geometry::Cylinder {
                radius,
                half_height,
            } => cylinder_hit(lo, ld, radius, half_height, t_best),
            Geometry::Shape(s) => s
                .cast_local_ray_and_get_normal(&Ray::new(lo, ld), t_best, false)
                .filter(|h| h.time_of_impact > 0.0)
                .map(|h| (h.time_of_impact, h.normal, h.subshape)),
            Geometry::Sheet(s) => s
                .mesh
                .cast_local_ray_and_get_normal(&Ray::new(lo, ld), t_best, false)
                .filter(|h| h.time_of_impact > 0.0)
                .map(|h| (h.time_of_impact, h.normal, h.subshape)),
            Geometry::Body(b) => b
                .mesh
                .cast_local_ray_and_get_normal(&Ray::new(lo, ld), t_best, false)
                .filter(|h| h.time_of_impact > 0.0)
                .map(|h| (h.time_of_impact, h.normal, h.subshape)),
            Geometry::Liquid(l) => l
                .surface
                .mesh
                .cast_local_ray_and_get_normal(&Ray::new(lo, ld), t_best, false)
                .filter(|h| h.time_of_impact > 0.0)
                .map(|h| (h.time_of_impact, h.normal, h.subshape)),
        };
        if let Some((t, n_local, part)) = found {
            t_best = t;
            best = Some(Hit {
                t,
                object: i,
                normal: (p.rotation * n_local).normalize_or(Vec3::Y),
                local: lo + ld * t,
                local_normal: n_local,
                part,
            });
        }
    }
    best
}

/// The nearest hit, at `0 < t < t_max`, of the local ray `o + t d` with the closed
/// cylinder `x² + z² ≤ r²`, `|y| ≤ hh`: the caps' planes and the side's quadratic, in
/// f64; the outward normal. A ray starting inside hits the boundary from within (as
/// parry's `solid: false`).
pub(super) fn cylinder_hit(
    o: Vec3,
    d: Vec3,
    r: f32,
    hh: f32,
    t_max: f32,
) -> Option<(f32, Vec3, u32)> {
    let (o, d) = (o.as_dvec3(), d.as_dvec3());
    let (r, hh) = (f64::from(r), f64::from(hh));
    let mut best: Option<(f64, Vec3)> = None;
    let mut consider = |t: f64, n: Vec3| {
        if t > 0.0 && t < f64::from(t_max) && best.is_none_or(|(b, _)| t < b) {
            best = Some((t, n));
        }
    };
    if d.y != 0.0 {
        for (y, ny) in [(hh, 1.0), (-hh, -1.0)] {
            let t = (y - o.y) / d.y;
            let (x, z) = (o.x + t * d.x, o.z + t * d.z);
            if x * x + z * z <= r * r {
                consider(t, Vec3::new(0.0, ny, 0.0));
            }
        }
    }
    let a = d.x * d.x + d.z * d.z;
    if a > 0.0 {
        let b = o.x * d.x + o.z * d.z;
        let c = o.x * o.x + o.z * o.z - r * r;
        let disc = b * b - a * c;
        if disc >= 0.0 {
            let root = disc.sqrt();
            for t in [(-b - root) / a, (-b + root) / a] {
                let p = o + d * t;
                if p.y.abs() <= hh {
                    consider(
                        t,
                        Vec3::new(p.x as f32, 0.0, p.z as f32).normalize_or(Vec3::X),
                    );
                }
            }
        }
    }
    best.map(|(t, n)| (t as f32, n, 0))
}

/// Moves a point off a surface with normal `n` (toward `side`'s sign) so that a ray
/// leaving it does not hit the same surface again.
pub(super) fn offset(p: Vec3, n: Vec3) -> Vec3 {
    p + n * (1e-4 * p.abs().max_element().max(1.0))
}
