//! A user's glTF character on the standard skeleton: its skinned mesh, moved by the
//! standard skeleton's motion (walks, actions, falls), so a model from any tool plays
//! everything the bundled mannequin does.
//!
//! **Binding.** Each standard joint is matched to one of the model's joints by name: the
//! scene's own `joints` map first, then the standard name itself (`left_knee`), then the
//! Mixamo name (`LeftLeg`, with any `prefix:` such as `mixamorig:`; see [`MIXAMO`]).
//! [`REQUIRED`] joints must be found. Every model joint is then *driven* by a standard
//! joint: its own match, or else its nearest matched ancestor's (fingers follow the hand,
//! an extra spine joint the spine below it, twist bones their limb).
//!
//! **Rest pose.** The model must stand in a T-pose facing +Z (glTF's front; its left,
//! +X, is the character's left, as the standard skeleton's): each upper arm within 35°
//! of ±X and each thigh within 25° of −Y. It is scaled by `scale`, its lowest rest vertex
//! put on the ground and its pelvis joint over the origin; the character's height is
//! then its rest mesh's height, and the standard skeleton is built for that height.
//!
//! **Motion.** The standard skeleton's rest frames are world-aligned, so a posed joint's
//! world rotation `Q_j` is its rotation from rest. A model joint `k` driven by `j` turns
//! by `Q_j`, about its own pivot: its pivot goes to its parent's posed pivot plus the rest
//! offset between them turned by the parent's rotation, and a root joint goes with the
//! pelvis (`pelvis(t) + Q_pelvis · (p_k − pelvis_rest)`). So the model keeps its own bone
//! lengths (nothing stretches or tears at the joints) and its world matrix is
//! `T(p_k(t)) · Q_j · T(−p_k) · M_k`, where `M_k` is its placed rest matrix (scale
//! included). The skin then deforms by linear blend skinning ([`super::skin`]). A model
//! whose proportions are the standard skeleton's is drawn exactly where the skeleton is
//! (the tests skin a glTF copy of the mannequin and get the mannequin back); others differ
//! from the keypoints by their difference in proportions.

use std::collections::BTreeMap;

use glam::{Mat4, Quat, Vec2, Vec3};

use super::gltf_skin::GltfCharacter;
use super::skeleton::{BodyParams, JOINT_COUNT, Joint, Skeleton};
use crate::math::Pose;

/// Standard joints a model must have (the rest are optional: what they would drive
/// follows the nearest matched ancestor).
pub const REQUIRED: [Joint; 10] = [
    Joint::Pelvis,
    Joint::Head,
    Joint::LeftShoulder,
    Joint::LeftElbow,
    Joint::RightShoulder,
    Joint::RightElbow,
    Joint::LeftHip,
    Joint::LeftKnee,
    Joint::RightHip,
    Joint::RightKnee,
];

/// Mixamo's name for each standard joint (joint order). Mixamo's `LeftArm` is the upper
/// arm, whose joint is at the shoulder: the standard `left_shoulder`.
pub const MIXAMO: [&str; JOINT_COUNT] = [
    "Hips",
    "Spine",
    "Spine2",
    "Neck",
    "Head",
    "LeftArm",
    "LeftForeArm",
    "LeftHand",
    "RightArm",
    "RightForeArm",
    "RightHand",
    "LeftUpLeg",
    "LeftLeg",
    "LeftFoot",
    "LeftToeBase",
    "RightUpLeg",
    "RightLeg",
    "RightFoot",
    "RightToeBase",
];

/// One of the model's clips mapped onto the standard skeleton and sampled for playback
/// while the character stands: per sample, the pelvis position in the model's placed
/// space (the origin under the rest pelvis) and every standard joint's local rotation.
#[derive(Debug, Clone, PartialEq)]
pub struct ClipMotion {
    /// The clip's name (`animation N`, or its name in the file).
    pub name: String,
    /// Samples per second.
    pub rate: f32,
    /// The clip's length, s (it loops over it).
    pub duration: f32,
    samples: Vec<(Vec3, [Quat; JOINT_COUNT])>,
}

impl ClipMotion {
    /// Samples per second of playback.
    pub const RATE: f32 = 240.0;

    /// The pelvis position (placed model space) and local rotations at clip time `t`
    /// (looped; linear and spherical interpolation between samples).
    pub fn at(&self, t: f32) -> (Vec3, [Quat; JOINT_COUNT]) {
        let Some(first) = self.samples.first() else {
            return (Vec3::ZERO, [Quat::IDENTITY; JOINT_COUNT]);
        };
        if self.samples.len() < 2 || self.duration <= 0.0 {
            return *first;
        }
        let local = t.max(0.0).rem_euclid(self.duration) * self.rate;
        let i = (local.floor() as usize).min(self.samples.len() - 2);
        let f = (local - i as f32).clamp(0.0, 1.0);
        let (a, b) = (&self.samples[i], &self.samples[i + 1]);
        let mut rotations = a.1;
        for (r, q) in rotations.iter_mut().zip(&b.1) {
            *r = r.slerp(*q, f);
        }
        (a.0.lerp(b.0, f), rotations)
    }
}

/// A glTF character bound to the standard skeleton.
#[derive(Debug, Clone)]
pub struct Retarget {
    model: GltfCharacter,
    /// The model joint matched to each standard joint, if any.
    matched: [Option<usize>; JOINT_COUNT],
    /// The standard joint driving each model joint.
    driver: Vec<Joint>,
    /// Each model joint's placed rest matrix and pivot.
    rest: Vec<Mat4>,
    pivot: Vec<Vec3>,
    /// The standard skeleton's rest pelvis.
    pelvis_rest: Vec3,
    /// The standard skeleton built for the model's height.
    pub skeleton: Skeleton,
    /// The clip it plays while standing, if the scene asks for one.
    pub clip: Option<std::sync::Arc<ClipMotion>>,
    /// The scale and placement applied to the model's own matrices.
    place: Mat4,
    /// Each vertex's body part: the driver of its heaviest joint.
    pub parts: Vec<Joint>,
}

impl Retarget {
    /// Binds a loaded model: matches joints (`names`: standard joint name → model joint
    /// name), checks the T-pose, places and measures it, and builds the skeleton (with
    /// `build`).
    ///
    /// # Errors
    /// A message naming the joint, the name looked for or the bone that is off.
    pub fn new(
        model: GltfCharacter,
        names: &BTreeMap<String, String>,
        scale: f32,
        build: f32,
    ) -> Result<Retarget, String> {
        if !(scale.is_finite() && scale > 0.0) {
            return Err(format!("scale must be a positive number, got {scale}"));
        }
        for key in names.keys() {
            if !Joint::ALL.iter().any(|j| j.name() == key) {
                let known: Vec<&str> = Joint::ALL.iter().map(|j| j.name()).collect();
                return Err(format!(
                    "joints: \"{key}\" is not a standard joint (one of {})",
                    known.join(", ")
                ));
            }
        }
        let matched = match_joints(&model, names)?;
        // The model's rest, scaled, before placing it.
        let scaled: Vec<Mat4> = model
            .globals(&model.rest)
            .into_iter()
            .map(|g| Mat4::from_scale(Vec3::splat(scale)) * g)
            .collect();
        let at = |j: Joint, m: &[Mat4]| matched[j.index()].map(|k| m[k].w_axis.truncate());
        check_t_pose(&matched, &model, &scaled)?;
        let rest_mesh = model
            .skin
            .deform(&scaled)
            .map_err(|e| format!("the rest pose does not skin: {e}"))?;
        let (lo, hi) = rest_mesh.positions.iter().fold(
            (Vec3::splat(f32::MAX), Vec3::splat(f32::MIN)),
            |(lo, hi), p| (lo.min(*p), hi.max(*p)),
        );
        let height = hi.y - lo.y;
        let body = BodyParams { height, build };
        let (low, high) = BodyParams::HEIGHT_RANGE;
        if !(low..=high).contains(&height) {
            return Err(format!(
                "the model is {height:.2} m tall at scale {scale}; a character is {low} to \
                 {high} m: set `scale` so it fits (a model in centimetres without a scaled \
                 armature needs `scale: 0.01`)"
            ));
        }
        body.validate().map_err(|e| e.to_string())?;
        let skeleton = Skeleton::new(body).map_err(|e| e.to_string())?;
        let pelvis = at(Joint::Pelvis, &scaled).unwrap_or_default();
        let place = Mat4::from_translation(Vec3::new(-pelvis.x, -lo.y, -pelvis.z));
        let rest: Vec<Mat4> = scaled.iter().map(|m| place * *m).collect();
        let pivot: Vec<Vec3> = rest.iter().map(|m| m.w_axis.truncate()).collect();
        // Drivers: a matched joint drives itself; the rest follow their nearest matched
        // ancestor (a root that is not the pelvis follows the pelvis).
        let mut driver = vec![Joint::Pelvis; model.rest.len()];
        for &k in model.order() {
            driver[k] = match Joint::ALL.iter().find(|j| matched[j.index()] == Some(k)) {
                Some(j) => *j,
                None => model.parents[k].map_or(Joint::Pelvis, |p| driver[p]),
            };
        }
        let parts = model
            .skin
            .joints()
            .iter()
            .zip(model.skin.weights())
            .map(|(js, ws)| {
                let heaviest = (0..4).fold(0, |b, i| if ws[i] > ws[b] { i } else { b });
                driver
                    .get(usize::from(js[heaviest]))
                    .copied()
                    .unwrap_or(Joint::Pelvis)
            })
            .collect();
        let pelvis_rest = skeleton.globals(&skeleton.rest_pose())[Joint::Pelvis.index()]
            .translation
            .into();
        Ok(Retarget {
            model,
            matched,
            driver,
            rest,
            pivot,
            pelvis_rest,
            skeleton,
            clip: None,
            place: place * Mat4::from_scale(Vec3::splat(scale)),
            parts,
        })
    }

    /// Plays the model's clip `index` while standing: maps it onto the standard
    /// skeleton. Each matched joint's world rotation from rest becomes the standard
    /// joint's (an unmatched standard joint keeps its parent's), and the pelvis goes
    /// where it keeps the model's root joint where the clip puts it.
    ///
    /// # Errors
    /// When the model has no clip of that index (the message lists what it has).
    pub fn with_clip(mut self, index: usize) -> Result<Retarget, String> {
        let Some(clip) = self.model.clips.get(index) else {
            return Err(format!(
                "clip: the model has {} clip{}, there is no clip {index}",
                self.model.clips.len(),
                if self.model.clips.len() == 1 { "" } else { "s" }
            ));
        };
        let rest_turn: Vec<Quat> = self.rest.iter().map(rotation_of).collect();
        let root = self
            .model
            .order()
            .iter()
            .copied()
            .find(|&k| self.model.parents[k].is_none())
            .unwrap_or(0);
        let count = (clip.duration * ClipMotion::RATE).ceil() as usize + 1;
        let mut samples = Vec::with_capacity(count);
        for i in 0..count {
            let t = (i as f32 / ClipMotion::RATE).min(clip.duration);
            let now: Vec<Mat4> = self
                .model
                .globals(&self.model.sample(clip, t))
                .into_iter()
                .map(|g| self.place * g)
                .collect();
            let mut world = [Quat::IDENTITY; JOINT_COUNT];
            for j in Joint::ALL {
                world[j.index()] = match (self.matched[j.index()], j.parent()) {
                    (Some(k), _) => (rotation_of(&now[k]) * rest_turn[k].inverse()).normalize(),
                    (None, Some(p)) => world[p.index()],
                    (None, None) => Quat::IDENTITY,
                };
            }
            let mut local = world;
            for j in Joint::ALL {
                if let Some(p) = j.parent() {
                    local[j.index()] = (world[p.index()].inverse() * world[j.index()]).normalize();
                }
            }
            // model_root(t) = pelvis(t) + Q_pelvis · (root_rest − pelvis_rest)
            let pelvis_q = world[Joint::Pelvis.index()];
            let pelvis =
                now[root].w_axis.truncate() - pelvis_q * (self.pivot[root] - self.pelvis_rest);
            samples.push((pelvis, local));
        }
        self.clip = Some(std::sync::Arc::new(ClipMotion {
            name: clip.name.clone(),
            rate: ClipMotion::RATE,
            duration: clip.duration,
            samples,
        }));
        Ok(self)
    }

    /// The model joint matched to a standard joint, by name.
    pub fn matched(&self, j: Joint) -> Option<&str> {
        self.matched[j.index()].map(|k| self.model.joint_names[k].as_str())
    }

    /// Triangle indices.
    pub fn indices(&self) -> &[u32] {
        &self.model.indices
    }

    /// Texture coordinates per vertex.
    pub fn uvs(&self) -> &[Vec2] {
        &self.model.uvs
    }

    /// The model's joints' world matrices for the standard joints' world poses (joint
    /// order); `None` if `joints` is not a whole skeleton.
    pub fn globals(&self, joints: &[Pose]) -> Option<Vec<Mat4>> {
        if joints.len() != JOINT_COUNT {
            return None;
        }
        let pelvis = joints[Joint::Pelvis.index()];
        let mut posed = vec![Vec3::ZERO; self.rest.len()];
        let mut out = vec![Mat4::IDENTITY; self.rest.len()];
        for &k in self.model.order() {
            let q = joints[self.driver[k].index()].rotation;
            posed[k] = match self.model.parents[k] {
                Some(p) => {
                    let turn = joints[self.driver[p].index()].rotation;
                    posed[p] + turn * (self.pivot[k] - self.pivot[p])
                }
                None => pelvis.translation + pelvis.rotation * (self.pivot[k] - self.pelvis_rest),
            };
            out[k] = Mat4::from_translation(posed[k])
                * Mat4::from_quat(q)
                * Mat4::from_translation(-self.pivot[k])
                * self.rest[k];
        }
        Some(out)
    }

    /// Skinned world positions and normals for the standard joints' world poses.
    pub fn deform(&self, joints: &[Pose]) -> Option<(Vec<Vec3>, Vec<Vec3>)> {
        let d = self.model.skin.deform(&self.globals(joints)?).ok()?;
        Some((d.positions, d.normals))
    }
}

/// Finds each standard joint's model joint: the scene's map, the standard name, the
/// Mixamo name (after any `prefix:`).
fn match_joints(
    model: &GltfCharacter,
    names: &BTreeMap<String, String>,
) -> Result<[Option<usize>; JOINT_COUNT], String> {
    let find = |name: &str| model.joint_names.iter().position(|n| n == name);
    let mixamo = |name: &str| {
        model
            .joint_names
            .iter()
            .position(|n| n.rsplit(':').next() == Some(name))
    };
    let mut out = [None; JOINT_COUNT];
    for j in Joint::ALL {
        out[j.index()] = match names.get(j.name()) {
            Some(given) => Some(find(given).ok_or_else(|| {
                format!(
                    "joints: \"{}\": the model has no joint named \"{given}\" (it has {})",
                    j.name(),
                    listed(&model.joint_names)
                )
            })?),
            None => find(j.name()).or_else(|| mixamo(MIXAMO[j.index()])),
        };
    }
    for j in REQUIRED {
        if out[j.index()].is_none() {
            return Err(format!(
                "no joint for `{}`: looked for \"{}\" and \"{}\" (also after a `prefix:`); \
                 name it in `joints: {{\"{}\": \"…\"}}` (the model's joints are {})",
                j.name(),
                j.name(),
                MIXAMO[j.index()],
                j.name(),
                listed(&model.joint_names)
            ));
        }
    }
    let mut seen = BTreeMap::new();
    for j in Joint::ALL {
        if let Some(k) = out[j.index()]
            && let Some(other) = seen.insert(k, j)
        {
            return Err(format!(
                "`{}` and `{}` are both matched to the model's joint \"{}\"",
                other.name(),
                j.name(),
                model.joint_names[k]
            ));
        }
    }
    Ok(out)
}

fn listed(names: &[String]) -> String {
    let shown: Vec<String> = names.iter().take(24).map(|n| format!("\"{n}\"")).collect();
    let more = names.len().saturating_sub(24);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// The model must stand in a T-pose facing +Z.
fn check_t_pose(
    matched: &[Option<usize>; JOINT_COUNT],
    model: &GltfCharacter,
    rest: &[Mat4],
) -> Result<(), String> {
    let at = |j: Joint| matched[j.index()].map(|k| rest[k].w_axis.truncate());
    let bones = [
        (
            Joint::LeftShoulder,
            Joint::LeftElbow,
            Vec3::X,
            35.0,
            "out to its left (+X)",
        ),
        (
            Joint::RightShoulder,
            Joint::RightElbow,
            Vec3::NEG_X,
            35.0,
            "out to its right (−X)",
        ),
        (
            Joint::LeftHip,
            Joint::LeftKnee,
            Vec3::NEG_Y,
            25.0,
            "down (−Y)",
        ),
        (
            Joint::RightHip,
            Joint::RightKnee,
            Vec3::NEG_Y,
            25.0,
            "down (−Y)",
        ),
    ];
    for (from, to, want, limit, says) in bones {
        let (Some(a), Some(b)) = (at(from), at(to)) else {
            continue;
        };
        let d = (b - a).normalize_or_zero();
        let angle = d.dot(want).clamp(-1.0, 1.0).acos().to_degrees();
        if angle > limit {
            let name = |j: Joint| matched[j.index()].map_or("?", |k| model.joint_names[k].as_str());
            let hint = if from == Joint::LeftShoulder && d.x < 0.0 {
                "; it seems to face −Z: glTF's front is +Z"
            } else {
                ""
            };
            return Err(format!(
                "the rest pose must be a T-pose facing +Z: the bone from `{}` (\"{}\") to `{}` \
                 (\"{}\") points ({:.2}, {:.2}, {:.2}), {angle:.0}° from {says}, more than \
                 {limit}°{hint}",
                from.name(),
                name(from),
                to.name(),
                name(to),
                d.x,
                d.y,
                d.z
            ));
        }
    }
    Ok(())
}

/// The rotation of a matrix that may carry scale.
fn rotation_of(m: &Mat4) -> Quat {
    m.to_scale_rotation_translation().1.normalize()
}
