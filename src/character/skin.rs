//! Linear blend skinning (LBS).
//!
//! A [`Skin`] is a bind-pose mesh whose vertices follow up to four joints each:
//! `v' = Σᵢ wᵢ · Gᵢ · IBMᵢ · v`, where `Gᵢ` is joint i's world transform in the current
//! pose and `IBMᵢ` its inverse bind matrix (the inverse of its world transform when the
//! mesh was bound). Normals use the inverse transpose of the same blended matrix.
//! Validation runs once, in [`Skin::new`]; deforming a valid skin cannot fail except for
//! a pose with the wrong number of joints.

use glam::{Mat3, Mat4, Vec3};

/// The most joints a skin may have (a GPU-friendly bound; glTF itself has none).
pub const MAX_JOINTS: usize = 256;

/// Tolerance on `Σ weights = 1` per vertex.
pub const WEIGHT_SUM_TOLERANCE: f32 = 1e-3;

/// Why a skin is invalid or cannot be deformed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SkinError {
    /// More joints than [`MAX_JOINTS`].
    #[error("{found} joints, more than the limit of {limit}")]
    TooManyJoints {
        /// How many joints the skin has.
        found: usize,
        /// [`MAX_JOINTS`].
        limit: usize,
    },
    /// A skin without joints.
    #[error("no joints")]
    NoJoints,
    /// Per-vertex arrays of different lengths.
    #[error("{what} has {found} entries, expected {expected} (one per vertex)")]
    Length {
        /// Which array.
        what: &'static str,
        /// The vertex count.
        expected: usize,
        /// Its length.
        found: usize,
    },
    /// A vertex's weights do not sum to one.
    #[error("vertex {vertex}: weights sum to {sum}, expected 1 ± {WEIGHT_SUM_TOLERANCE}")]
    WeightSum {
        /// The vertex index.
        vertex: usize,
        /// The sum found.
        sum: f32,
    },
    /// A weight that is negative or not finite.
    #[error("vertex {vertex}: weight {slot} is {weight}, expected a finite number >= 0")]
    BadWeight {
        /// The vertex index.
        vertex: usize,
        /// Which of the four influences.
        slot: usize,
        /// The weight found.
        weight: f32,
    },
    /// A vertex names a joint that does not exist.
    #[error(
        "vertex {vertex}: joint index {joint} (influence {slot}) is out of range, the skin has {count} joints"
    )]
    JointOutOfRange {
        /// The vertex index.
        vertex: usize,
        /// Which of the four influences.
        slot: usize,
        /// The joint index found.
        joint: u16,
        /// How many joints there are.
        count: usize,
    },
    /// A position or normal that is not finite.
    #[error("vertex {vertex}: {what} is not finite")]
    NonFiniteVertex {
        /// The vertex index.
        vertex: usize,
        /// `position` or `normal`.
        what: &'static str,
    },
    /// An inverse bind matrix that is not finite or not invertible.
    #[error("joint {joint}: inverse bind matrix is {problem}")]
    InverseBind {
        /// The joint index.
        joint: usize,
        /// `not finite` or `not invertible`.
        problem: &'static str,
    },
    /// A pose with a different number of joint transforms than the skin has joints.
    #[error("pose has {found} joint transforms, the skin has {expected} joints")]
    PoseLength {
        /// The skin's joint count.
        expected: usize,
        /// The pose's.
        found: usize,
    },
}

/// A validated skinned mesh in its bind pose.
#[derive(Debug, Clone, PartialEq)]
pub struct Skin {
    positions: Vec<Vec3>,
    normals: Vec<Vec3>,
    joints: Vec<[u16; 4]>,
    weights: Vec<[f32; 4]>,
    inverse_bind: Vec<Mat4>,
}

/// Skinned vertex positions and unit normals for one pose.
#[derive(Debug, Clone, PartialEq)]
pub struct Deformed {
    /// World positions, one per vertex.
    pub positions: Vec<Vec3>,
    /// World unit normals, one per vertex.
    pub normals: Vec<Vec3>,
}

impl Skin {
    /// Validates and builds a skin. `joints[v][k]` and `weights[v][k]` are vertex v's
    /// k-th influence (unused slots: weight 0, any joint index); `inverse_bind[j]` is
    /// joint j's inverse bind matrix.
    ///
    /// # Errors
    /// A [`SkinError`] naming the first bad vertex or joint.
    pub fn new(
        positions: Vec<Vec3>,
        normals: Vec<Vec3>,
        joints: Vec<[u16; 4]>,
        weights: Vec<[f32; 4]>,
        inverse_bind: Vec<Mat4>,
    ) -> Result<Skin, SkinError> {
        check_inverse_binds(&inverse_bind)?;
        let n = positions.len();
        for (what, found) in [
            ("normals", normals.len()),
            ("joints", joints.len()),
            ("weights", weights.len()),
        ] {
            if found != n {
                return Err(SkinError::Length {
                    what,
                    expected: n,
                    found,
                });
            }
        }
        for (vertex, (p, nrm)) in positions.iter().zip(&normals).enumerate() {
            if !p.is_finite() {
                return Err(SkinError::NonFiniteVertex {
                    vertex,
                    what: "position",
                });
            }
            if !nrm.is_finite() {
                return Err(SkinError::NonFiniteVertex {
                    vertex,
                    what: "normal",
                });
            }
        }
        for (vertex, (j, w)) in joints.iter().zip(&weights).enumerate() {
            check_influences(vertex, j, w, inverse_bind.len())?;
        }
        Ok(Skin {
            positions,
            normals,
            joints,
            weights,
            inverse_bind,
        })
    }

    /// Number of vertices.
    pub fn vertex_count(&self) -> usize {
        self.positions.len()
    }

    /// Number of joints.
    pub fn joint_count(&self) -> usize {
        self.inverse_bind.len()
    }

    /// Bind-pose positions.
    pub fn positions(&self) -> &[Vec3] {
        &self.positions
    }

    /// Bind-pose normals.
    pub fn normals(&self) -> &[Vec3] {
        &self.normals
    }

    /// Per-vertex joint indices (four influences).
    pub fn joints(&self) -> &[[u16; 4]] {
        &self.joints
    }

    /// Per-vertex weights (four influences, summing to one).
    pub fn weights(&self) -> &[[f32; 4]] {
        &self.weights
    }

    /// The inverse bind matrices, one per joint.
    pub fn inverse_bind(&self) -> &[Mat4] {
        &self.inverse_bind
    }

    /// Deforms the mesh by joint world transforms (`joint_globals[j]` for joint j).
    ///
    /// # Errors
    /// [`SkinError::PoseLength`] when the pose has the wrong number of joints.
    pub fn deform(&self, joint_globals: &[Mat4]) -> Result<Deformed, SkinError> {
        if joint_globals.len() != self.joint_count() {
            return Err(SkinError::PoseLength {
                expected: self.joint_count(),
                found: joint_globals.len(),
            });
        }
        // The skinning matrix of each joint, computed once per pose.
        let skinning: Vec<Mat4> = joint_globals
            .iter()
            .zip(&self.inverse_bind)
            .map(|(g, ibm)| *g * *ibm)
            .collect();
        let mut positions = Vec::with_capacity(self.vertex_count());
        let mut normals = Vec::with_capacity(self.vertex_count());
        for v in 0..self.vertex_count() {
            let m = blend(&skinning, &self.joints[v], &self.weights[v]);
            positions.push(m.transform_point3(self.positions[v]));
            normals.push(transform_normal(&m, self.normals[v]));
        }
        Ok(Deformed { positions, normals })
    }
}

/// `Σ wₖ · S[jₖ]`, skipping zero weights (whose joint index may be anything).
fn blend(skinning: &[Mat4], joints: &[u16; 4], weights: &[f32; 4]) -> Mat4 {
    let mut m = Mat4::ZERO;
    for (&j, &w) in joints.iter().zip(weights) {
        if w != 0.0 {
            // Validated in `Skin::new`: every joint with a non-zero weight is in range.
            if let Some(s) = skinning.get(usize::from(j)) {
                m += *s * w;
            }
        }
    }
    m
}

/// Normals transform by the inverse transpose of the linear part; for a (near-)singular
/// blend fall back to the linear part itself, and keep the input if all else fails,
/// so a degenerate pose never produces NaN.
fn transform_normal(m: &Mat4, n: Vec3) -> Vec3 {
    let linear = Mat3::from_mat4(*m);
    let det = linear.determinant();
    let mapped = if det.abs() > 1e-12 {
        linear.inverse().transpose() * n
    } else {
        linear * n
    };
    mapped.try_normalize().unwrap_or(n)
}

fn check_inverse_binds(inverse_bind: &[Mat4]) -> Result<(), SkinError> {
    if inverse_bind.is_empty() {
        return Err(SkinError::NoJoints);
    }
    if inverse_bind.len() > MAX_JOINTS {
        return Err(SkinError::TooManyJoints {
            found: inverse_bind.len(),
            limit: MAX_JOINTS,
        });
    }
    for (joint, m) in inverse_bind.iter().enumerate() {
        if !m.is_finite() {
            return Err(SkinError::InverseBind {
                joint,
                problem: "not finite",
            });
        }
        // Relative test: a bind matrix in centimeters is as valid as one in meters.
        let scale = m.x_axis.truncate().length()
            * m.y_axis.truncate().length()
            * m.z_axis.truncate().length();
        // `m` is finite here, so its determinant is a number.
        if m.determinant().abs() <= 1e-9 * scale.max(f32::MIN_POSITIVE) {
            return Err(SkinError::InverseBind {
                joint,
                problem: "not invertible",
            });
        }
    }
    Ok(())
}

fn check_influences(
    vertex: usize,
    joints: &[u16; 4],
    weights: &[f32; 4],
    count: usize,
) -> Result<(), SkinError> {
    let mut sum = 0.0;
    for (slot, (&joint, &weight)) in joints.iter().zip(weights).enumerate() {
        if !(weight.is_finite() && weight >= 0.0) {
            return Err(SkinError::BadWeight {
                vertex,
                slot,
                weight,
            });
        }
        // Strict, as glTF's validator is: every index must exist, even beside a zero weight.
        if usize::from(joint) >= count {
            return Err(SkinError::JointOutOfRange {
                vertex,
                slot,
                joint,
                count,
            });
        }
        sum += weight;
    }
    if (sum - 1.0).abs() > WEIGHT_SUM_TOLERANCE {
        return Err(SkinError::WeightSum { vertex, sum });
    }
    Ok(())
}
