//! The standard humanoid skeleton: joints, rest pose from body parameters, forward
//! kinematics, anatomical joint limits and per-bone shapes (capsules for physics, the
//! tapered segments the mannequin is built from).
//!
//! Frames: meters, right-handed, +Y up. The character stands on `y = 0` facing **+Z**
//! (glTF's convention for models), so its **left is +X**. The rest pose is a **T-pose**
//! (arms straight out along ±X, legs straight down) and every joint's rest frame is
//! parallel to the world frame: a joint's local rotation is therefore an anatomical
//! rotation about the same axes everywhere (X lateral, Y up, Z forward).
//!
//! Proportions are fractions of the standing height `H` from the segment-length table
//! of Drillis & Contini (1966) as reproduced in D. A. Winter, *Biomechanics and Motor
//! Control of Human Movement*, 4th ed., Wiley 2009, fig. 4.1 (see `docs/characters.md`).

use glam::{Affine3A, EulerRot, Quat, Vec3};

/// How many joints the standard skeleton has.
pub const JOINT_COUNT: usize = 19;

/// Segment lengths and heights as fractions of standing height (Winter 2009, fig. 4.1,
/// after Drillis & Contini 1966), plus the few values the table lacks, marked as ours.
pub mod proportions {
    /// Floor to ankle joint centre (table).
    pub const ANKLE_HEIGHT: f32 = 0.039;
    /// Floor to knee joint centre (table).
    pub const KNEE_HEIGHT: f32 = 0.285;
    /// Floor to hip joint centre / greater trochanter (table).
    pub const HIP_HEIGHT: f32 = 0.530;
    /// Floor to the lower spine joint: the table's elbow height 0.630 (≈ L3, navel); ours.
    pub const SPINE_LOWER_HEIGHT: f32 = 0.630;
    /// Floor to the upper spine joint: the table's chest height 0.720; ours as a joint.
    pub const SPINE_UPPER_HEIGHT: f32 = 0.720;
    /// Floor to the shoulder joint centre (table).
    pub const SHOULDER_HEIGHT: f32 = 0.818;
    /// Floor to the neck joint (base of the neck, C7); ours, between shoulder and chin.
    pub const NECK_HEIGHT: f32 = 0.830;
    /// Floor to the head joint (chin height, ≈ the atlanto-occipital joint) (table).
    pub const HEAD_HEIGHT: f32 = 0.870;
    /// Floor to the eyes (table); the mannequin puts its eyes here.
    pub const EYE_HEIGHT: f32 = 0.936;
    /// Shoulder (biacromial) width (table); shoulder joints sit at ± half of it.
    pub const SHOULDER_WIDTH: f32 = 0.259;
    /// Hip (bitrochanteric) width (table); used for the pelvis girth.
    pub const HIP_WIDTH: f32 = 0.191;
    /// Distance between the hip joint centres; ours (the joints lie inside the trochanters).
    pub const HIP_JOINT_SPACING: f32 = 0.100;
    /// Upper arm, shoulder to elbow (table).
    pub const UPPER_ARM: f32 = 0.186;
    /// Forearm, elbow to wrist (table).
    pub const FOREARM: f32 = 0.146;
    /// Hand, wrist to fingertip (table).
    pub const HAND: f32 = 0.108;
    /// Foot length, heel to toe tip (table).
    pub const FOOT_LENGTH: f32 = 0.152;
    /// Foot width (table); used for the foot girth.
    pub const FOOT_WIDTH: f32 = 0.055;
    /// Heel behind the ankle joint; ours (≈ 20 % of the foot length).
    pub const HEEL_BACK: f32 = 0.030;
    /// Floor to the toe joint (ball of the foot, the metatarsophalangeal joint); ours.
    pub const BALL_HEIGHT: f32 = 0.015;
    /// Toe joint (ball) to toe tip; ours (≈ 27 % of the foot length).
    pub const TOE_LENGTH: f32 = 0.041;
}

/// One joint of the standard skeleton. The discriminant is the joint's index in every
/// per-joint array; the order lists every parent before its children.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Joint {
    /// The root: centre of the pelvis, between the hip joints.
    Pelvis,
    /// Lower spine (≈ L3, navel height).
    SpineLower,
    /// Upper spine (chest).
    SpineUpper,
    /// Base of the neck (≈ C7).
    Neck,
    /// Head (atlanto-occipital joint, chin height).
    Head,
    /// Left shoulder (glenohumeral joint).
    LeftShoulder,
    /// Left elbow.
    LeftElbow,
    /// Left wrist.
    LeftWrist,
    /// Right shoulder (glenohumeral joint).
    RightShoulder,
    /// Right elbow.
    RightElbow,
    /// Right wrist.
    RightWrist,
    /// Left hip joint.
    LeftHip,
    /// Left knee.
    LeftKnee,
    /// Left ankle.
    LeftAnkle,
    /// Left toe joint (ball of the foot).
    LeftToe,
    /// Right hip joint.
    RightHip,
    /// Right knee.
    RightKnee,
    /// Right ankle.
    RightAnkle,
    /// Right toe joint (ball of the foot).
    RightToe,
}

/// A side of the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Side {
    /// The character's left (+X in the rest frame).
    Left,
    /// The character's right (−X in the rest frame).
    Right,
}

impl Side {
    /// +1 for the left (its joints lie at +X), −1 for the right.
    pub fn sign(self) -> f32 {
        match self {
            Side::Left => 1.0,
            Side::Right => -1.0,
        }
    }

    /// The other side.
    pub fn other(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }
}

impl Joint {
    /// Every joint in index order (parents first).
    pub const ALL: [Joint; JOINT_COUNT] = [
        Joint::Pelvis,
        Joint::SpineLower,
        Joint::SpineUpper,
        Joint::Neck,
        Joint::Head,
        Joint::LeftShoulder,
        Joint::LeftElbow,
        Joint::LeftWrist,
        Joint::RightShoulder,
        Joint::RightElbow,
        Joint::RightWrist,
        Joint::LeftHip,
        Joint::LeftKnee,
        Joint::LeftAnkle,
        Joint::LeftToe,
        Joint::RightHip,
        Joint::RightKnee,
        Joint::RightAnkle,
        Joint::RightToe,
    ];

    /// The joint's index in per-joint arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The joint's snake_case name (as written in scenes and metadata).
    pub fn name(self) -> &'static str {
        match self {
            Joint::Pelvis => "pelvis",
            Joint::SpineLower => "spine_lower",
            Joint::SpineUpper => "spine_upper",
            Joint::Neck => "neck",
            Joint::Head => "head",
            Joint::LeftShoulder => "left_shoulder",
            Joint::LeftElbow => "left_elbow",
            Joint::LeftWrist => "left_wrist",
            Joint::RightShoulder => "right_shoulder",
            Joint::RightElbow => "right_elbow",
            Joint::RightWrist => "right_wrist",
            Joint::LeftHip => "left_hip",
            Joint::LeftKnee => "left_knee",
            Joint::LeftAnkle => "left_ankle",
            Joint::LeftToe => "left_toe",
            Joint::RightHip => "right_hip",
            Joint::RightKnee => "right_knee",
            Joint::RightAnkle => "right_ankle",
            Joint::RightToe => "right_toe",
        }
    }

    /// The parent joint; `None` for the root (pelvis).
    pub fn parent(self) -> Option<Joint> {
        use Joint::*;
        match self {
            Pelvis => None,
            SpineLower | LeftHip | RightHip => Some(Pelvis),
            SpineUpper => Some(SpineLower),
            Neck | LeftShoulder | RightShoulder => Some(SpineUpper),
            Head => Some(Neck),
            LeftElbow => Some(LeftShoulder),
            LeftWrist => Some(LeftElbow),
            RightElbow => Some(RightShoulder),
            RightWrist => Some(RightElbow),
            LeftKnee => Some(LeftHip),
            LeftAnkle => Some(LeftKnee),
            LeftToe => Some(LeftAnkle),
            RightKnee => Some(RightHip),
            RightAnkle => Some(RightKnee),
            RightToe => Some(RightAnkle),
        }
    }

    /// The side a limb joint belongs to; `None` for the midline joints.
    pub fn side(self) -> Option<Side> {
        match self.index() {
            5..=7 | 11..=14 => Some(Side::Left),
            8..=10 | 15..=18 => Some(Side::Right),
            _ => None,
        }
    }

    /// The hip, knee, ankle and toe joints of one leg.
    pub fn leg(side: Side) -> [Joint; 4] {
        match side {
            Side::Left => [
                Joint::LeftHip,
                Joint::LeftKnee,
                Joint::LeftAnkle,
                Joint::LeftToe,
            ],
            Side::Right => [
                Joint::RightHip,
                Joint::RightKnee,
                Joint::RightAnkle,
                Joint::RightToe,
            ],
        }
    }

    /// The shoulder, elbow and wrist joints of one arm.
    pub fn arm(side: Side) -> [Joint; 3] {
        match side {
            Side::Left => [Joint::LeftShoulder, Joint::LeftElbow, Joint::LeftWrist],
            Side::Right => [Joint::RightShoulder, Joint::RightElbow, Joint::RightWrist],
        }
    }
}

/// Errors building a skeleton.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SkeletonError {
    /// The height is not a finite number in the supported range.
    #[error("body.height must be in [{min}, {max}] m, got {found}")]
    Height {
        /// Smallest supported height.
        min: f32,
        /// Largest supported height.
        max: f32,
        /// What was given.
        found: f32,
    },
    /// The build is not a finite number in the supported range.
    #[error("body.build must be in [{min}, {max}], got {found}")]
    Build {
        /// Smallest supported build.
        min: f32,
        /// Largest supported build.
        max: f32,
        /// What was given.
        found: f32,
    },
}

/// The few numbers a body is made from.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BodyParams {
    /// Standing height, floor to top of head, in meters.
    pub height: f32,
    /// Girth factor in [0.8, 1.2]: scales radii and widths of the body shapes, never
    /// lengths (1 = average).
    pub build: f32,
}

impl Default for BodyParams {
    fn default() -> Self {
        BodyParams {
            height: 1.75,
            build: 1.0,
        }
    }
}

impl BodyParams {
    /// Supported heights in meters (a small child to a very tall adult).
    pub const HEIGHT_RANGE: (f32, f32) = (0.5, 2.5);
    /// Supported build factors.
    pub const BUILD_RANGE: (f32, f32) = (0.8, 1.2);

    /// Checks both numbers are finite and in range.
    ///
    /// # Errors
    /// [`SkeletonError::Height`] or [`SkeletonError::Build`] naming the bad field.
    pub fn validate(&self) -> Result<(), SkeletonError> {
        let (hmin, hmax) = Self::HEIGHT_RANGE;
        if !(self.height >= hmin && self.height <= hmax) {
            return Err(SkeletonError::Height {
                min: hmin,
                max: hmax,
                found: self.height,
            });
        }
        let (bmin, bmax) = Self::BUILD_RANGE;
        if !(self.build >= bmin && self.build <= bmax) {
            return Err(SkeletonError::Build {
                min: bmin,
                max: bmax,
                found: self.build,
            });
        }
        Ok(())
    }
}

/// A pose: where the pelvis is, and each joint's rotation relative to its rest frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pose {
    /// The pelvis frame in the world (translation and heading); `rotations[0]` is
    /// applied after it.
    pub root: Affine3A,
    /// Local rotation of every joint, indexed by [`Joint::index`].
    pub rotations: [Quat; JOINT_COUNT],
}

/// Anatomical range of a joint's local rotation, as XYZ Euler angles in radians
/// (`q = Rx(x) · Ry(y) · Rz(z)`, the axes of the rest frame: X lateral (the
/// character's left), Y up, Z forward).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JointLimits {
    /// Lower bounds about X, Y, Z.
    pub min: Vec3,
    /// Upper bounds about X, Y, Z.
    pub max: Vec3,
}

impl JointLimits {
    fn deg(min: [f32; 3], max: [f32; 3]) -> JointLimits {
        JointLimits {
            min: Vec3::from_array(min.map(f32::to_radians)),
            max: Vec3::from_array(max.map(f32::to_radians)),
        }
    }

    /// The same limits for the mirror-image joint on the other side: mirroring in the
    /// YZ plane keeps rotations about X and negates those about Y and Z.
    pub fn mirrored(self) -> JointLimits {
        JointLimits {
            min: Vec3::new(self.min.x, -self.max.y, -self.max.z),
            max: Vec3::new(self.max.x, -self.min.y, -self.min.z),
        }
    }

    /// Whether a local rotation lies within the limits, allowing `tolerance` radians.
    pub fn contains(&self, rotation: Quat, tolerance: f32) -> bool {
        let (x, y, z) = rotation.to_euler(EulerRot::XYZ);
        let e = Vec3::new(x, y, z);
        e.cmpge(self.min - tolerance).all() && e.cmple(self.max + tolerance).all()
    }
}

/// The anatomical limits of a joint, for the ragdoll. Ranges (left side, in degrees;
/// the right side mirrors them) follow typical active ranges of motion; see
/// `docs/characters.md` for the table. The pelvis (root) is unlimited.
pub fn joint_limits(joint: Joint) -> JointLimits {
    use Joint::*;
    let left = match joint {
        Pelvis => JointLimits::deg([-180.0; 3], [180.0; 3]),
        // +X bends the trunk forward.
        SpineLower => JointLimits::deg([-20.0, -20.0, -20.0], [40.0, 20.0, 20.0]),
        SpineUpper => JointLimits::deg([-20.0, -25.0, -20.0], [30.0, 25.0, 20.0]),
        Neck => JointLimits::deg([-40.0, -60.0, -35.0], [50.0, 60.0, 35.0]),
        Head => JointLimits::deg([-30.0, -20.0, -20.0], [30.0, 20.0, 20.0]),
        // T-pose arm along +X: −Z lowers it to the side, −Y swings it forward, X twists.
        LeftShoulder | RightShoulder => {
            JointLimits::deg([-90.0, -100.0, -95.0], [90.0, 40.0, 100.0])
        }
        // −Y bends the forearm forward; X is pronation/supination.
        LeftElbow | RightElbow => JointLimits::deg([-80.0, -150.0, -5.0], [80.0, 0.0, 5.0]),
        LeftWrist | RightWrist => JointLimits::deg([-10.0, -30.0, -70.0], [10.0, 20.0, 80.0]),
        // −X flexes the thigh forward, +Z abducts (outward), Y rotates.
        LeftHip | RightHip => JointLimits::deg([-120.0, -45.0, -25.0], [30.0, 45.0, 45.0]),
        // +X flexes the knee (shank backward).
        LeftKnee | RightKnee => JointLimits::deg([0.0, -10.0, -5.0], [150.0, 10.0, 5.0]),
        // +X is plantarflexion (toes down), −X dorsiflexion.
        LeftAnkle | RightAnkle => JointLimits::deg([-25.0, -30.0, -25.0], [50.0, 30.0, 35.0]),
        // −X extends the toes (up), as when the heel lifts.
        LeftToe | RightToe => JointLimits::deg([-70.0, -5.0, -5.0], [40.0, 5.0, 5.0]),
    };
    match joint.side() {
        Some(Side::Right) => left.mirrored(),
        _ => left,
    }
}

/// A body segment's shape in the rest pose: a tapered, optionally elliptical capsule
/// swept from `start` to `end` (world rest coordinates). It moves with `joint`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoneShape {
    /// The joint whose frame carries the segment.
    pub joint: Joint,
    /// The joint the far end blends into when skinning (the chain's next joint).
    pub end_joint: Option<Joint>,
    /// Sweep start, in rest world coordinates (m).
    pub start: Vec3,
    /// Sweep end, in rest world coordinates (m).
    pub end: Vec3,
    /// Radius at `start` (m), including the build factor.
    pub radius_start: f32,
    /// Radius at `end` (m), including the build factor.
    pub radius_end: f32,
    /// Cross-section aspect: the radius across the body's width is this many times the
    /// radius across its depth (1 = round).
    pub width_ratio: f32,
}

/// A capsule collider in a joint's frame: the segment along the capsule's local +Y of
/// length `2 * half_length`, swept by `radius`, placed by `center` and `rotation`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Capsule {
    /// The joint whose frame the capsule is given in.
    pub joint: Joint,
    /// Radius in meters.
    pub radius: f32,
    /// Half the length of the inner segment, in meters.
    pub half_length: f32,
    /// Capsule centre in the joint frame.
    pub center: Vec3,
    /// Rotation taking +Y onto the capsule axis, in the joint frame.
    pub rotation: Quat,
}

/// The standard humanoid skeleton for one body.
#[derive(Debug, Clone, PartialEq)]
pub struct Skeleton {
    /// The body it was built from.
    pub params: BodyParams,
    /// Rest translation of each joint from its parent, in the parent frame; for the
    /// pelvis, its rest position in the world.
    pub offsets: [Vec3; JOINT_COUNT],
}

impl Skeleton {
    /// The rest (T-pose) skeleton for a body.
    ///
    /// # Errors
    /// [`SkeletonError`] when `params` is out of range.
    pub fn new(params: BodyParams) -> Result<Skeleton, SkeletonError> {
        params.validate()?;
        Ok(Skeleton {
            params,
            offsets: rest_offsets(params.height),
        })
    }

    /// Standing height in meters.
    pub fn height(&self) -> f32 {
        self.params.height
    }

    /// The rest pose: pelvis at its standing height, every rotation identity.
    pub fn rest_pose(&self) -> Pose {
        Pose {
            root: Affine3A::from_translation(self.offsets[0]),
            rotations: [Quat::IDENTITY; JOINT_COUNT],
        }
    }

    /// Forward kinematics: every joint's world transform, parents first
    /// (`global[j] = global[parent] · T(offset[j]) · R(rotation[j])`).
    pub fn globals(&self, pose: &Pose) -> [Affine3A; JOINT_COUNT] {
        let mut out = [Affine3A::IDENTITY; JOINT_COUNT];
        for joint in Joint::ALL {
            let i = joint.index();
            let rotation = Affine3A::from_quat(pose.rotations[i]);
            out[i] = match joint.parent() {
                None => pose.root * rotation,
                Some(p) => out[p.index()] * Affine3A::from_translation(self.offsets[i]) * rotation,
            };
        }
        out
    }

    /// The world position of every joint in a pose.
    pub fn world_positions(&self, pose: &Pose) -> [Vec3; JOINT_COUNT] {
        self.globals(pose).map(|g| Vec3::from(g.translation))
    }

    /// The top of the head, in the head joint's frame.
    pub fn head_top(&self) -> Vec3 {
        Vec3::Y * (1.0 - proportions::HEAD_HEIGHT) * self.height()
    }

    /// The back of the heel's sole, in the ankle frame (on the floor at rest).
    pub fn heel(&self) -> Vec3 {
        let h = self.height();
        Vec3::new(
            0.0,
            -proportions::ANKLE_HEIGHT * h,
            -proportions::HEEL_BACK * h,
        )
    }

    /// The toe tip's sole point, in the toe joint's frame (on the floor at rest).
    pub fn toe_tip(&self) -> Vec3 {
        let h = self.height();
        Vec3::new(
            0.0,
            -proportions::BALL_HEIGHT * h,
            proportions::TOE_LENGTH * h,
        )
    }

    /// Thigh length (hip to knee) in meters.
    pub fn thigh_length(&self) -> f32 {
        self.offsets[Joint::LeftKnee.index()].length()
    }

    /// Shank length (knee to ankle) in meters.
    pub fn shank_length(&self) -> f32 {
        self.offsets[Joint::LeftAnkle.index()].length()
    }

    /// The body segments' shapes in the rest pose, one per joint, in joint order.
    pub fn shapes(&self) -> [BoneShape; JOINT_COUNT] {
        let rest = self.world_positions(&self.rest_pose());
        Joint::ALL.map(|j| shape_of(j, &rest, self.height(), self.params.build))
    }

    /// One capsule collider per joint (from [`Skeleton::shapes`]), in joint order.
    pub fn capsules(&self) -> [Capsule; JOINT_COUNT] {
        let rest = self.world_positions(&self.rest_pose());
        self.shapes().map(|s| capsule_of(&s, rest[s.joint.index()]))
    }
}

/// Rest offsets of the T-pose (see [`proportions`]); all rest frames are world-aligned.
fn rest_offsets(h: f32) -> [Vec3; JOINT_COUNT] {
    use proportions as p;
    let shoulder_x = 0.5 * p::SHOULDER_WIDTH * h;
    let hip_x = 0.5 * p::HIP_JOINT_SPACING * h;
    let ball = Vec3::new(
        0.0,
        (p::BALL_HEIGHT - p::ANKLE_HEIGHT) * h,
        (p::FOOT_LENGTH - p::HEEL_BACK - p::TOE_LENGTH) * h,
    );
    let up = |from: f32, to: f32| Vec3::Y * (to - from) * h;
    let arm = |sign: f32| {
        [
            Vec3::new(
                sign * shoulder_x,
                (p::SHOULDER_HEIGHT - p::SPINE_UPPER_HEIGHT) * h,
                0.0,
            ),
            Vec3::X * sign * p::UPPER_ARM * h,
            Vec3::X * sign * p::FOREARM * h,
        ]
    };
    let leg = |sign: f32| {
        [
            Vec3::X * sign * hip_x,
            up(p::HIP_HEIGHT, p::KNEE_HEIGHT),
            up(p::KNEE_HEIGHT, p::ANKLE_HEIGHT),
            ball,
        ]
    };
    let (la, ra, ll, rl) = (arm(1.0), arm(-1.0), leg(1.0), leg(-1.0));
    [
        Vec3::Y * p::HIP_HEIGHT * h,
        up(p::HIP_HEIGHT, p::SPINE_LOWER_HEIGHT),
        up(p::SPINE_LOWER_HEIGHT, p::SPINE_UPPER_HEIGHT),
        up(p::SPINE_UPPER_HEIGHT, p::NECK_HEIGHT),
        up(p::NECK_HEIGHT, p::HEAD_HEIGHT),
        la[0],
        la[1],
        la[2],
        ra[0],
        ra[1],
        ra[2],
        ll[0],
        ll[1],
        ll[2],
        ll[3],
        rl[0],
        rl[1],
        rl[2],
        rl[3],
    ]
}

/// The shape of one segment. Radii are fractions of height (ours, chosen so the
/// girths match the table's widths), times `build`.
fn shape_of(joint: Joint, rest: &[Vec3; JOINT_COUNT], h: f32, build: f32) -> BoneShape {
    use Joint::*;
    use proportions as p;
    let at = |j: Joint| rest[j.index()];
    let sign = joint.side().map_or(1.0, Side::sign);
    // (start, end, end joint, r0, r1, width ratio), radii as fractions of h.
    let (start, end, end_joint, r0, r1, width) = match joint {
        Pelvis => (
            at(Pelvis) - Vec3::Y * 0.02 * h,
            at(SpineLower),
            Some(SpineLower),
            0.060,
            0.056,
            1.55,
        ),
        SpineLower => (
            at(SpineLower),
            at(SpineUpper),
            Some(SpineUpper),
            0.056,
            0.060,
            1.45,
        ),
        SpineUpper => (
            at(SpineUpper),
            at(Neck) - Vec3::Y * 0.02 * h,
            Some(Neck),
            0.062,
            0.055,
            1.55,
        ),
        Neck => (at(Neck), at(Head), Some(Head), 0.030, 0.028, 1.0),
        Head => (
            at(Head) + Vec3::Y * 0.050 * h,
            at(Head) + Vec3::Y * 0.080 * h,
            None,
            0.058,
            0.058,
            0.95,
        ),
        LeftShoulder | RightShoulder => {
            let elbow = if sign > 0.0 { LeftElbow } else { RightElbow };
            (at(joint), at(elbow), Some(elbow), 0.026, 0.021, 1.0)
        }
        LeftElbow | RightElbow => {
            let wrist = if sign > 0.0 { LeftWrist } else { RightWrist };
            (at(joint), at(wrist), Some(wrist), 0.021, 0.016, 1.1)
        }
        LeftWrist | RightWrist => {
            let tip = at(joint) + Vec3::X * sign * (p::HAND - 0.012) * h;
            (at(joint), tip, None, 0.014, 0.011, 1.6)
        }
        LeftHip | RightHip => {
            let knee = if sign > 0.0 { LeftKnee } else { RightKnee };
            (at(joint), at(knee), Some(knee), 0.045, 0.031, 1.0)
        }
        LeftKnee | RightKnee => {
            let ankle = if sign > 0.0 { LeftAnkle } else { RightAnkle };
            (at(joint), at(ankle), Some(ankle), 0.031, 0.020, 1.0)
        }
        LeftAnkle | RightAnkle => {
            let toe = if sign > 0.0 { LeftToe } else { RightToe };
            // Heel to ball, resting on the floor.
            let heel = Vec3::new(at(joint).x, 0.020 * h, -(p::HEEL_BACK - 0.020) * h);
            (heel, at(toe), Some(toe), 0.020, p::BALL_HEIGHT, 1.4)
        }
        LeftToe | RightToe => {
            let r = p::BALL_HEIGHT;
            let tip = at(joint) + Vec3::Z * (p::TOE_LENGTH - r) * h;
            (at(joint), tip, None, r, r * 0.9, 1.6)
        }
    };
    // Feet keep their sole on the floor: widen them, never thicken them.
    let is_foot = matches!(joint, LeftAnkle | RightAnkle | LeftToe | RightToe);
    let (girth, width) = if is_foot {
        (1.0, width * build)
    } else {
        (build, width)
    };
    BoneShape {
        joint,
        end_joint,
        start,
        end,
        radius_start: r0 * h * girth,
        radius_end: r1 * h * girth,
        width_ratio: width,
    }
}

/// A capsule around a shape's sweep, in its joint's (world-aligned) rest frame.
fn capsule_of(shape: &BoneShape, joint_rest: Vec3) -> Capsule {
    let axis = shape.end - shape.start;
    let length = axis.length();
    let rotation = if length > 1e-6 {
        Quat::from_rotation_arc(Vec3::Y, axis / length)
    } else {
        Quat::IDENTITY
    };
    Capsule {
        joint: shape.joint,
        radius: shape.radius_start.max(shape.radius_end),
        half_length: 0.5 * length,
        center: 0.5 * (shape.start + shape.end) - joint_rest,
        rotation,
    }
}
