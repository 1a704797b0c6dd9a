//! The bundled procedural mannequin: a skinned triangle mesh of the standard skeleton's
//! body, so a character needs nothing downloaded.
//!
//! Every segment is a tapered capsule with an elliptical cross-section (from
//! [`Skeleton::shapes`]); the head is an ellipsoid with a latitude/longitude UV layout
//! whose front holds the face rectangle [`FACE_UV_RECT`]. Vertices are in the rest
//! (bind) pose in world coordinates, with at most two influences each: a segment's
//! vertices follow its joint, blending to 50/50 with the neighbouring joint over the last
//! quarter of the segment at each connected end, so an elbow or knee bends smoothly.
//!
//! UV atlas (u right, v down, both in [0, 1]): the head fills the top half
//! (`v ∈ [0, 0.5]`): `u = 0.5 + φ / 2π` with longitude φ measured from the face (+Z)
//! toward the character's left (+X), `v = 0.5 · θ / π` with θ from the crown (0) to the
//! chin (π). Every other segment gets cell `j` (its joint index) of a 5 × 4 grid over the
//! bottom half. The mesh is a pure function of the skeleton: deterministic.

use glam::{Affine3A, Mat4, Vec2, Vec3};

use super::skeleton::{BoneShape, Joint, Skeleton, proportions};
use super::skin::{Skin, SkinError};

/// A rectangle in UV space.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UvRect {
    /// Top-left corner (smallest u and v).
    pub min: Vec2,
    /// Bottom-right corner (largest u and v).
    pub max: Vec2,
}

/// Where the face lives in the head's UV layout: longitude ±60° around the front
/// (`u ∈ [1/3, 2/3]`), θ from 0.3π (forehead) to 0.85π (under the chin)
/// (`v ∈ [0.15, 0.425]`). A cameo photo is warped into this rectangle.
pub const FACE_UV_RECT: UvRect = UvRect {
    min: Vec2::new(1.0 / 3.0, 0.15),
    max: Vec2::new(2.0 / 3.0, 0.425),
};

/// Vertices around each segment (one more is stored to close the UV seam).
const AROUND: usize = 16;
/// Rings per hemispherical cap.
const CAP_RINGS: usize = 4;
/// Ring intervals along a segment's body.
const BODY_RINGS: usize = 8;
/// Head tessellation: longitude and latitude intervals.
const HEAD_LON: usize = 32;
const HEAD_LAT: usize = 16;
/// Fraction of a segment's length over which it blends into a neighbouring joint.
const BLEND: f32 = 0.25;

/// A skinned triangle mesh of the whole body in its bind (rest) pose.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mannequin {
    /// Rest positions, world coordinates (m).
    pub positions: Vec<Vec3>,
    /// Rest unit normals.
    pub normals: Vec<Vec3>,
    /// Texture coordinates in the atlas described in the module docs.
    pub uvs: Vec<Vec2>,
    /// Up to four joint indices per vertex ([`Joint::index`]).
    pub joints: Vec<[u16; 4]>,
    /// The matching weights (sum to one).
    pub weights: Vec<[f32; 4]>,
    /// The body part of each vertex (the joint that owns its segment), for a per-part
    /// segmentation layer.
    pub parts: Vec<Joint>,
    /// Triangles, counter-clockwise seen from outside.
    pub indices: Vec<u32>,
}

impl Mannequin {
    /// Builds the mannequin for a skeleton.
    pub fn new(skeleton: &Skeleton) -> Mannequin {
        let mut mesh = Mannequin::default();
        for shape in skeleton.shapes() {
            if shape.joint == Joint::Head {
                add_head(&mut mesh, skeleton);
            } else {
                add_segment(&mut mesh, &shape);
            }
        }
        mesh
    }

    /// The mesh as a [`Skin`] over the skeleton's joints; the inverse bind matrices are
    /// the inverses of the rest-pose joint transforms.
    ///
    /// # Errors
    /// A [`SkinError`] if the mesh were malformed (it is not for any valid skeleton;
    /// the check is kept so a future edit cannot ship a bad skin silently).
    pub fn skin(&self, skeleton: &Skeleton) -> Result<Skin, SkinError> {
        let inverse_bind = skeleton
            .globals(&skeleton.rest_pose())
            .map(|g| Mat4::from(g.inverse()))
            .to_vec();
        Skin::new(
            self.positions.clone(),
            self.normals.clone(),
            self.joints.clone(),
            self.weights.clone(),
            inverse_bind,
        )
    }
}

/// The rest-pose world point of the head surface at an atlas UV in the head's half
/// (`v ∈ [0, 0.5]`); for a cameo, to place landmarks in 3D.
pub fn head_point_at_uv(skeleton: &Skeleton, uv: Vec2) -> Vec3 {
    let head = head_ellipsoid(skeleton);
    let phi = (uv.x - 0.5) * std::f32::consts::TAU;
    let theta = (2.0 * uv.y).clamp(0.0, 1.0) * std::f32::consts::PI;
    head.center + head.radii * unit_dir(theta, phi)
}

struct Ellipsoid {
    center: Vec3,
    radii: Vec3,
}

/// The head ellipsoid: from the head joint (chin height) to the crown at `H`.
fn head_ellipsoid(skeleton: &Skeleton) -> Ellipsoid {
    let h = skeleton.height();
    let half_height = 0.5 * (1.0 - proportions::HEAD_HEIGHT) * h;
    let rest_head: Affine3A = skeleton.globals(&skeleton.rest_pose())[Joint::Head.index()];
    Ellipsoid {
        center: Vec3::from(rest_head.translation) + Vec3::new(0.0, half_height, 0.012 * h),
        radii: Vec3::new(0.050 * h, half_height, 0.060 * h),
    }
}

/// Unit-sphere direction for crown angle θ and longitude φ (φ = 0 is +Z, +φ toward +X).
fn unit_dir(theta: f32, phi: f32) -> Vec3 {
    Vec3::new(
        theta.sin() * phi.sin(),
        theta.cos(),
        theta.sin() * phi.cos(),
    )
}

fn add_head(mesh: &mut Mannequin, skeleton: &Skeleton) {
    let head = head_ellipsoid(skeleton);
    let base = mesh.positions.len();
    // Rings from the chin (θ = π) up to the crown, so the winding matches the segments.
    for k in 0..=HEAD_LAT {
        let theta = std::f32::consts::PI * (1.0 - k as f32 / HEAD_LAT as f32);
        for s in 0..=HEAD_LON {
            let u = s as f32 / HEAD_LON as f32;
            let phi = (u - 0.5) * std::f32::consts::TAU;
            let d = unit_dir(theta, phi);
            mesh.positions.push(head.center + head.radii * d);
            mesh.normals.push((d / head.radii).normalize_or(Vec3::Y));
            mesh.uvs
                .push(Vec2::new(u, 0.5 * theta / std::f32::consts::PI));
            push_influences(mesh, Joint::Head, [(Joint::Head, 1.0)]);
        }
    }
    push_grid(mesh, base, HEAD_LAT, HEAD_LON);
}

/// Triangles between consecutive rings of `around + 1` vertices, counter-clockwise seen
/// from outside when rings run along the axis and vertices turn counter-clockwise about it.
fn push_grid(mesh: &mut Mannequin, base: usize, rings: usize, around: usize) {
    let row = around + 1;
    for k in 0..rings {
        for s in 0..around {
            let v00 = base + k * row + s;
            let (v01, v10) = (v00 + 1, v00 + row);
            let v11 = v10 + 1;
            for v in [v00, v01, v11, v00, v11, v10] {
                mesh.indices.push(v as u32);
            }
        }
    }
}

fn push_influences<const N: usize>(
    mesh: &mut Mannequin,
    part: Joint,
    influences: [(Joint, f32); N],
) {
    let mut joints = [0u16; 4];
    let mut weights = [0.0f32; 4];
    for (k, (j, w)) in influences.into_iter().take(4).enumerate() {
        joints[k] = j.index() as u16;
        weights[k] = w;
    }
    mesh.joints.push(joints);
    mesh.weights.push(weights);
    mesh.parts.push(part);
}

/// One ring of a segment: distance along the axis, radius, and the normal's axial and
/// radial components.
struct Ring {
    along: f32,
    radius: f32,
    normal_axial: f32,
    normal_radial: f32,
}

fn segment_rings(length: f32, r0: f32, r1: f32) -> Vec<Ring> {
    let quarter = std::f32::consts::FRAC_PI_2;
    let mut rings = Vec::new();
    for i in 0..=CAP_RINGS {
        let a = -quarter + quarter * i as f32 / CAP_RINGS as f32;
        rings.push(Ring {
            along: r0 * a.sin(),
            radius: r0 * a.cos(),
            normal_axial: a.sin(),
            normal_radial: a.cos(),
        });
    }
    // The slope of a taper tilts the side normals toward the thinner end.
    let slope = Vec2::new(1.0, (r0 - r1) / length.max(1e-6)).normalize_or(Vec2::X);
    for j in 1..BODY_RINGS {
        let t = j as f32 / BODY_RINGS as f32;
        rings.push(Ring {
            along: length * t,
            radius: r0 + (r1 - r0) * t,
            normal_axial: slope.y,
            normal_radial: slope.x,
        });
    }
    for i in 0..=CAP_RINGS {
        let a = quarter * i as f32 / CAP_RINGS as f32;
        rings.push(Ring {
            along: length + r1 * a.sin(),
            radius: r1 * a.cos(),
            normal_axial: a.sin(),
            normal_radial: a.cos(),
        });
    }
    rings
}

fn add_segment(mesh: &mut Mannequin, shape: &BoneShape) {
    let axis_vec = shape.end - shape.start;
    let length = axis_vec.length();
    let axis = axis_vec.try_normalize().unwrap_or(Vec3::Y);
    // Width across the body (X) unless the segment runs along X (arms), then depth (Z).
    let reference = if axis.x.abs() < 0.9 { Vec3::X } else { Vec3::Z };
    let e_w = (reference - axis * axis.dot(reference)).normalize_or(Vec3::X);
    let e_d = axis.cross(e_w);
    let rings = segment_rings(length, shape.radius_start, shape.radius_end);
    let (cell_u, cell_v) = atlas_cell(shape.joint);
    let base = mesh.positions.len();
    let last = (rings.len() - 1) as f32;
    for (k, ring) in rings.iter().enumerate() {
        let along = ring.along / length.max(1e-6);
        for s in 0..=AROUND {
            let phi = std::f32::consts::TAU * s as f32 / AROUND as f32;
            let (sin, cos) = phi.sin_cos();
            let radial = e_w * cos * shape.width_ratio + e_d * sin;
            let radial_normal = (e_w * cos / shape.width_ratio + e_d * sin).normalize_or(e_w);
            mesh.positions
                .push(shape.start + axis * ring.along + radial * ring.radius);
            mesh.normals.push(
                (radial_normal * ring.normal_radial + axis * ring.normal_axial).normalize_or(axis),
            );
            mesh.uvs.push(Vec2::new(
                cell_u + s as f32 / AROUND as f32 / 5.0,
                cell_v + k as f32 / last / 8.0,
            ));
            push_influences(mesh, shape.joint, segment_weights(shape, along));
        }
    }
    push_grid(mesh, base, rings.len() - 1, AROUND);
}

/// Top-left UV of a segment's atlas cell (5 × 4 grid over the bottom half).
fn atlas_cell(joint: Joint) -> (f32, f32) {
    let j = joint.index();
    ((j % 5) as f32 / 5.0, 0.5 + (j / 5) as f32 / 8.0)
}

/// Weights at fraction `along` of a segment (< 0 and > 1 in the caps): the owner, half
/// blended into its parent at a connected start and into its end joint at the end.
fn segment_weights(shape: &BoneShape, along: f32) -> [(Joint, f32); 3] {
    // A foot starts at the heel, not at its joint: nothing to blend there.
    let parent = shape
        .joint
        .parent()
        .filter(|_| !matches!(shape.joint, Joint::LeftAnkle | Joint::RightAnkle));
    let w_parent = parent.map_or(0.0, |_| 0.5 * (1.0 - smoothstep(0.0, BLEND, along)));
    let w_end = shape
        .end_joint
        .map_or(0.0, |_| 0.5 * smoothstep(1.0 - BLEND, 1.0, along));
    [
        (shape.joint, 1.0 - w_parent - w_end),
        (parent.unwrap_or(shape.joint), w_parent),
        (shape.end_joint.unwrap_or(shape.joint), w_end),
    ]
}

fn smoothstep(edge0: f32, edge1: f32, x: f32) -> f32 {
    let t = ((x - edge0) / (edge1 - edge0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}
