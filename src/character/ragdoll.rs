//! The physical ragdoll (issue 17): one rapier rigid body per bone, joined by impulse
//! joints whose limits are the skeleton's anatomical ranges, so a character that is hit,
//! pushed off balance or told to fall goes down like a body.
//!
//! Input: a [`Skeleton`], the [`Pose`] the character is in when it switches to physics,
//! optional per-joint velocities (from two consecutive animation poses, so a walking
//! character keeps its momentum) and [`RagdollParams`]. Output: bodies, colliders and
//! joints inserted into the caller's rapier [`PhysicsWorld`], and a [`Ragdoll`] holding
//! their handles, which reads the simulated state back as a [`Pose`] (to skin the
//! mannequin from) and as world joint positions.
//!
//! - **Bodies.** Joint `j`'s body carries the segment from `j` to its child (the capsule of
//!   [`Skeleton::capsules`]); the body's frame *is* the joint's frame (origin at the joint,
//!   axes those of the joint's posed frame), so reading a pose back is exact.
//! - **Masses.** The total is `params.mass`, or by default a body-mass index of 22 kg/m²
//!   times `H²` times `build²` (build scales girths, so cross-sections by its square):
//!   67.4 kg for 1.75 m. It is shared among the segments by the mass fractions of Dempster
//!   (1955) as tabulated in D. A. Winter, *Biomechanics and Motor Control of Human
//!   Movement*, 4th ed., Wiley 2009, table 4.1 ([`MASS_FRACTIONS`]); rapier derives each
//!   segment's inertia from its capsule at that mass (uniform density).
//! - **Joints.** Every non-root joint is one rapier impulse joint: linear axes locked,
//!   frame 1 at the joint's rest offset in the parent body, frame 2 at the child body's
//!   origin, both parallel to the rest (world) axes, so rapier's relative rotation is
//!   exactly the joint's local rotation and its angular axes X, Y, Z are those of
//!   [`joint_limits`]. The axes [`free_axes`] keeps get the table's range as a rapier
//!   limit, unchanged; the others are locked at 0 (inside every range): knees and toes
//!   are hinges about X, elbows about Y, wrists and ankles have two axes, the neck two,
//!   the spine, head, shoulders and hips three. Contacts between a joint's two bodies are
//!   disabled on the joint.
//! - **How rapier measures the limits.** Rapier bounds, per axis `i`, `2·atan2(q_i, q_w)`
//!   of the relative rotation `q` ([`rapier_joint_angles`]), pushing along frame 1's axis
//!   `i`. For a rotation about one axis this is the XYZ Euler angle of [`JointLimits`];
//!   for combined rotations the two differ at second order, and the push direction is not
//!   exactly the gradient of the angle it bounds, so at a corner of the range (two or
//!   three axes at their limits, as in a hard landing) a joint can drift past. Fewer free
//!   axes, a little joint damping ([`RagdollParams::joint_damping`]) and the solver
//!   settings of [`tune_solver`] keep this within about 1° in the tests (see
//!   `docs/characters.md`).
//! - **Self-collision.** The bodies fall in seven collision groups (pelvis, trunk, head and
//!   neck, each arm, each leg) on bits 26–32 ([`RAGDOLL_GROUP_BITS`]); two groups ignore
//!   each other when any two of their non-adjacent capsules overlap (within 1 cm) in the
//!   rest pose or the starting pose. Everything else in the world (default groups)
//!   collides with every part.
//! - **Muscle tone** (optional, [`RagdollParams::tone`]): a force-based position motor on
//!   each free axis pulls toward the starting pose, with a stiffness that lets a standing
//!   body hold itself up (see [`RagdollParams`]). Zero tone is a limp ragdoll.
//!
//! [`FallTrigger`] is the rule for switching from animation to the ragdoll.
//!
//! Frames and units are the project's: meters, kilograms, seconds, radians; right-handed,
//! +Y up; the character faces +Z at rest. Building is deterministic (fixed order, no hash
//! maps), and the simulation is as deterministic as rapier's `enhanced-determinism`.

use glam::{Affine3A, EulerRot, Mat3, Quat, Vec2, Vec3, Vec3Swizzles};
use rapier3d::prelude::{
    ColliderBuilder, ColliderHandle, GenericJointBuilder, Group, ImpulseJointHandle,
    IntegrationParameters, InteractionGroups, InteractionTestMode, JointAxesMask, JointAxis,
    MotorModel, PhysicsWorld, RigidBody, RigidBodyBuilder, RigidBodyHandle,
};

use super::skeleton::{
    Capsule, JOINT_COUNT, Joint, JointLimits, Pose, Side, Skeleton, SkeletonError, joint_limits,
    proportions,
};

/// Rapier's rigid transform (translation + rotation).
type RapierPose = rapier3d::math::Pose;

/// Fraction of the total body mass in each joint's segment, in joint order.
///
/// Dempster (1955) via Winter (2009), table 4.1: hand 0.006, forearm 0.016, upper arm
/// 0.028, foot 0.0145, leg (shank) 0.0465, thigh 0.100, head and neck 0.081, thorax
/// 0.216, abdomen 0.139, pelvis 0.142. Ours: the head and neck split 0.069 / 0.012
/// (de Leva 1996 gives the head, without the neck, about 0.069), and the foot 0.0116
/// (heel to ball) / 0.0029 (toes). The fractions sum to 1.
pub const MASS_FRACTIONS: [f32; JOINT_COUNT] = [
    0.142,  // pelvis
    0.139,  // spine_lower: abdomen
    0.216,  // spine_upper: thorax
    0.012,  // neck
    0.069,  // head
    0.028,  // left upper arm
    0.016,  // left forearm
    0.006,  // left hand
    0.028,  // right upper arm
    0.016,  // right forearm
    0.006,  // right hand
    0.100,  // left thigh
    0.0465, // left shank
    0.0116, // left foot
    0.0029, // left toes
    0.100,  // right thigh
    0.0465, // right shank
    0.0116, // right foot
    0.0029, // right toes
];

/// Default body-mass index (kg/m²) for the total mass: `BMI · H² · build²`. Ours, a
/// typical adult value.
pub const DEFAULT_BMI: f32 = 22.0;

/// The collision-group bits the ragdoll uses (rapier `GROUP_26` … `GROUP_32`), one per
/// part group: pelvis, trunk, head and neck, left arm, right arm, left leg, right leg.
pub const RAGDOLL_GROUP_BITS: u32 = 0xFE00_0000;

/// Two capsules closer than this (beyond their radii) count as overlapping when choosing
/// which part groups ignore each other (m).
const OVERLAP_MARGIN: f32 = 0.01;

/// Solver iterations the ragdoll needs ([`tune_solver`]).
pub const SOLVER_ITERATIONS: usize = 32;

/// Largest velocity (m/s, and rad/s for joint limits) at which the solver may correct a
/// violated limit, joint or contact ([`tune_solver`]); rapier's default is 3.
pub const MAX_CORRECTIVE_VELOCITY: f32 = 30.0;

/// Raises a world's solver settings to what the ragdoll's joint limits need: at least
/// [`SOLVER_ITERATIONS`] iterations, and violations corrected at up to
/// [`MAX_CORRECTIVE_VELOCITY`]. With rapier's defaults (4 iterations, 3 m/s) a light hand
/// or head can push a joint tens of degrees past its limit in a hard landing, and it
/// comes back only at 3 rad/s. Both settings are world-wide: they also make contacts
/// stiffer and deep penetrations resolve faster.
pub fn tune_solver(params: &mut IntegrationParameters) {
    params.num_solver_iterations = params.num_solver_iterations.max(SOLVER_ITERATIONS);
    params.normalized_max_corrective_velocity = params
        .normalized_max_corrective_velocity
        .max(MAX_CORRECTIVE_VELOCITY);
}

/// Rotations and root matrices must be unit / orthonormal within this.
const UNIT_TOLERANCE: f32 = 1e-3;

/// Bad ragdoll input, or a ragdoll whose bodies are gone.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RagdollError {
    /// The skeleton's body parameters are out of range (a zero height, say).
    #[error("skeleton: {0}")]
    Skeleton(#[from] SkeletonError),
    /// A skeleton offset is not finite.
    #[error("skeleton.offsets[{joint}] is not finite")]
    Offset {
        /// The joint's name.
        joint: &'static str,
    },
    /// A parameter is out of range.
    #[error("{field} must be {expected}, got {found}")]
    Param {
        /// The parameter, e.g. `ragdoll.mass`.
        field: String,
        /// The range.
        expected: &'static str,
        /// What was given.
        found: f32,
    },
    /// The pose is not usable.
    #[error("pose.{field}: {message}")]
    Pose {
        /// The field, e.g. `root` or `rotations[left_knee]`.
        field: String,
        /// What is wrong with it.
        message: &'static str,
    },
    /// A velocity is not finite.
    #[error("velocities[{joint}].{field} is not finite")]
    Velocity {
        /// The joint's name.
        joint: &'static str,
        /// `linear` or `angular`.
        field: &'static str,
    },
    /// A body of the ragdoll is no longer in the world.
    #[error("the ragdoll's {joint} body is not in the world (removed?)")]
    MissingBody {
        /// The joint's name.
        joint: &'static str,
    },
}

/// How the ragdoll is built.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RagdollParams {
    /// Total body mass in kg; `None` gives `DEFAULT_BMI · H² · build²`.
    pub mass: Option<f32>,
    /// Coulomb friction coefficient of every part (clothes on floor ≈ 0.6–0.9).
    pub friction: f32,
    /// Restitution of every part (a body does not bounce: 0).
    pub restitution: f32,
    /// Muscle tone, dimensionless (≥ 0; 0 = limp). Each joint gets a spring toward the
    /// starting pose of stiffness `tone · g · m · ℓ` (N·m/rad), where `m` and `ℓ` are the
    /// mass of the part the joint holds up at rest (the body above it for leg joints, the
    /// limb or head beyond it otherwise) and the distance from the joint to that part's
    /// centre of mass: at `tone = 1` a 1 rad deflection pushes back with that part's full
    /// weight times its lever, about what keeps an inverted pendulum upright.
    pub tone: f32,
    /// Damping ratio of the tone springs (1 = critical, for the held part as a point mass).
    pub tone_damping: f32,
    /// Passive joint damping (soft tissue, ligaments), as a rate in 1/s: each joint resists
    /// its relative angular velocity with `joint_damping · I` N·m·s/rad, `I = m ℓ²` of the
    /// limb beyond it as a point mass. Present in limp ragdolls too.
    pub joint_damping: f32,
}

impl Default for RagdollParams {
    /// A body with some muscle tone ([`RagdollParams::toned`]).
    fn default() -> Self {
        RagdollParams::toned()
    }
}

impl RagdollParams {
    /// A limp body: no muscle tone, only joint limits.
    pub fn limp() -> RagdollParams {
        RagdollParams {
            mass: None,
            friction: 0.8,
            restitution: 0.0,
            tone: 0.0,
            tone_damping: 1.0,
            joint_damping: 2.0,
        }
    }

    /// A body with enough tone to stand balanced until pushed, that still folds when it
    /// falls (tone 1.5, critically damped).
    pub fn toned() -> RagdollParams {
        RagdollParams {
            tone: 1.5,
            ..RagdollParams::limp()
        }
    }

    /// Checks every number.
    ///
    /// # Errors
    /// [`RagdollError::Param`] naming the field.
    pub fn validate(&self) -> Result<(), RagdollError> {
        let param = |field: &str, expected, found| RagdollError::Param {
            field: field.to_string(),
            expected,
            found,
        };
        if let Some(m) = self.mass
            && !(m > 0.0 && m.is_finite())
        {
            return Err(param("ragdoll.mass", "> 0 kg", m));
        }
        if !(self.friction >= 0.0 && self.friction.is_finite()) {
            return Err(param("ragdoll.friction", ">= 0", self.friction));
        }
        if !(0.0..=1.0).contains(&self.restitution) {
            return Err(param("ragdoll.restitution", "in [0, 1]", self.restitution));
        }
        if !(self.tone >= 0.0 && self.tone.is_finite()) {
            return Err(param("ragdoll.tone", ">= 0", self.tone));
        }
        if !(self.tone_damping >= 0.0 && self.tone_damping.is_finite()) {
            return Err(param("ragdoll.tone_damping", ">= 0", self.tone_damping));
        }
        if !(self.joint_damping >= 0.0 && self.joint_damping.is_finite()) {
            return Err(param(
                "ragdoll.joint_damping",
                ">= 0 /s",
                self.joint_damping,
            ));
        }
        Ok(())
    }
}

/// The velocity of one joint's frame: its origin's linear velocity and its angular
/// velocity, both in world coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct JointVelocity {
    /// Velocity of the joint's origin (m/s, world).
    pub linear: Vec3,
    /// Angular velocity of the joint's frame (rad/s, world).
    pub angular: Vec3,
}

/// Per-joint velocities by finite differences between two poses `dt` seconds apart
/// (for example two gait poses, `gait.pose_at(t - dt)` and `gait.pose_at(t)`); build the
/// ragdoll in `after`.
///
/// # Errors
/// [`RagdollError::Param`] when `dt` is not a positive finite number, and the pose errors
/// of [`Ragdoll::build`] for either pose.
pub fn joint_velocities(
    skeleton: &Skeleton,
    before: &Pose,
    after: &Pose,
    dt: f32,
) -> Result<[JointVelocity; JOINT_COUNT], RagdollError> {
    if !(dt > 0.0 && dt.is_finite()) {
        return Err(RagdollError::Param {
            field: "dt".to_string(),
            expected: "> 0 s",
            found: dt,
        });
    }
    let a = world_frames(skeleton, &checked_pose(before)?);
    let b = world_frames(skeleton, &checked_pose(after)?);
    let mut out = [JointVelocity::default(); JOINT_COUNT];
    for i in 0..JOINT_COUNT {
        // ω from the rotation taking frame a to frame b, in world: q_b · q_a⁻¹.
        let mut dq = b[i].1 * a[i].1.inverse();
        if dq.w < 0.0 {
            dq = -dq;
        }
        let (axis, angle) = dq.normalize().to_axis_angle();
        out[i] = JointVelocity {
            linear: (b[i].0 - a[i].0) / dt,
            angular: axis * (angle / dt),
        };
    }
    Ok(out)
}

/// The limits as rapier gets them, per angular axis `[min, max]` in radians: the table's
/// ranges on the free axes, `[0, 0]` on the locked ones (see [`free_axes`]).
pub fn rapier_limits(joint: Joint) -> [[f32; 2]; 3] {
    let l: JointLimits = joint_limits(joint);
    let free = free_axes(joint);
    std::array::from_fn(|k| {
        if free[k] {
            [l.min[k], l.max[k]]
        } else {
            [0.0, 0.0]
        }
    })
}

/// The angles rapier's joint limits bound for a joint's local rotation: per axis `i`,
/// `2·atan2(q_i, q_w)` (with `q_w ≥ 0`), to compare with [`rapier_limits`]. For a
/// rotation about a single axis this is the XYZ Euler angle of [`JointLimits`].
pub fn rapier_joint_angles(rotation: Quat) -> Vec3 {
    let q = if rotation.w < 0.0 {
        -rotation
    } else {
        rotation
    };
    Vec3::new(
        2.0 * q.x.atan2(q.w),
        2.0 * q.y.atan2(q.w),
        2.0 * q.z.atan2(q.w),
    )
}

/// Kinetic and potential energy of the ragdoll (J).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Energy {
    /// Translational plus rotational kinetic energy.
    pub kinetic: f32,
    /// Gravitational potential energy relative to the given ground height.
    pub potential: f32,
}

impl Energy {
    /// Kinetic plus potential.
    pub fn total(&self) -> f32 {
        self.kinetic + self.potential
    }
}

/// A ragdoll living in a rapier world: the handles of its bodies, colliders and joints,
/// and what it was built from. Plain data; the world holds the state.
#[derive(Debug, Clone, PartialEq)]
pub struct Ragdoll {
    skeleton: Skeleton,
    bodies: [RigidBodyHandle; JOINT_COUNT],
    colliders: [ColliderHandle; JOINT_COUNT],
    joints: [Option<ImpulseJointHandle>; JOINT_COUNT],
    masses: [f32; JOINT_COUNT],
}

impl Ragdoll {
    /// Inserts the ragdoll into `world` in `pose`: one dynamic body per joint (joint
    /// order), its capsule collider, and one impulse joint per non-root joint. With
    /// `velocities` (per joint, e.g. from [`joint_velocities`]) the bodies start moving as
    /// the animation did; without, at rest. The world's gravity, time step and solver
    /// settings are left as they are: call [`tune_solver`] once on a world that holds
    /// ragdolls, or their three-axis joints drift far past their limits in hard landings.
    ///
    /// # Errors
    /// [`RagdollError`] for a skeleton out of range (zero height, non-finite offsets), a
    /// parameter out of range, a pose that is not finite or not rigid (root with scale or
    /// shear, rotations not unit), or a non-finite velocity. Nothing is inserted then.
    ///
    /// ```
    /// use cinegraph::character::ragdoll::{Ragdoll, RagdollParams};
    /// use cinegraph::character::{BodyParams, Skeleton};
    /// use rapier3d::prelude::PhysicsWorld;
    ///
    /// let skeleton = Skeleton::new(BodyParams::default())?;
    /// let mut world = PhysicsWorld::new();
    /// let ragdoll = Ragdoll::build(
    ///     &mut world,
    ///     &skeleton,
    ///     &skeleton.rest_pose(),
    ///     &RagdollParams::limp(),
    ///     None,
    /// )?;
    /// world.step();
    /// let pose = ragdoll.pose(&world)?; // skin the mannequin with this
    /// assert!(pose.root.translation.is_finite());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build(
        world: &mut PhysicsWorld,
        skeleton: &Skeleton,
        pose: &Pose,
        params: &RagdollParams,
        velocities: Option<&[JointVelocity; JOINT_COUNT]>,
    ) -> Result<Ragdoll, RagdollError> {
        check_skeleton(skeleton)?;
        params.validate()?;
        let pose = checked_pose(pose)?;
        if let Some(v) = velocities {
            for (joint, v) in Joint::ALL.iter().zip(v) {
                if !v.linear.is_finite() {
                    return Err(RagdollError::Velocity {
                        joint: joint.name(),
                        field: "linear",
                    });
                }
                if !v.angular.is_finite() {
                    return Err(RagdollError::Velocity {
                        joint: joint.name(),
                        field: "angular",
                    });
                }
            }
        }

        let masses = segment_masses(skeleton, params);
        let capsules = skeleton.capsules();
        let frames = world_frames(skeleton, &pose);
        let groups = collision_groups(skeleton, &pose, &capsules);
        let tone = tone_springs(skeleton, &masses, &capsules, params);

        let mut bodies = [RigidBodyHandle::invalid(); JOINT_COUNT];
        let mut colliders = [ColliderHandle::invalid(); JOINT_COUNT];
        for joint in Joint::ALL {
            let i = joint.index();
            let (position, rotation) = frames[i];
            let capsule = &capsules[i];
            let v = velocities.map_or(JointVelocity::default(), |v| v[i]);
            // Rapier's linear velocity is the centre of mass's: v + ω × (com − origin).
            let com = position + rotation * capsule.center;
            let linvel = v.linear + v.angular.cross(com - position);
            let body = world.insert_body(
                RigidBodyBuilder::dynamic()
                    .pose(RapierPose::from_parts(position, rotation))
                    .linvel(linvel)
                    .angvel(v.angular),
            );
            let collider = world.insert_collider(
                ColliderBuilder::capsule_y(capsule.half_length, capsule.radius)
                    .position(RapierPose::from_parts(capsule.center, capsule.rotation))
                    .mass(masses[i])
                    .friction(params.friction)
                    .restitution(params.restitution)
                    .collision_groups(groups[i]),
                Some(body),
            );
            bodies[i] = body;
            colliders[i] = collider;
        }

        let mut joints = [None; JOINT_COUNT];
        for joint in Joint::ALL {
            let Some(parent) = joint.parent() else {
                continue;
            };
            let i = joint.index();
            // Frame 1 sits at the joint's rest offset in the parent's frame, frame 2 at
            // the child's origin; both are parallel to the rest (world) axes, so rapier's
            // relative rotation of frame 2 to frame 1 is exactly the joint's local
            // rotation, and its angular axes X, Y, Z are the limits' axes.
            let limits = rapier_limits(joint);
            let locked = locked_axes(joint);
            let mut b = GenericJointBuilder::new(locked)
                .local_frame1(RapierPose::from_translation(skeleton.offsets[i]))
                .local_frame2(RapierPose::IDENTITY)
                .contacts_enabled(false);
            let target = rapier_motor_angles(pose.rotations[i]);
            for (k, axis) in [JointAxis::AngX, JointAxis::AngY, JointAxis::AngZ]
                .into_iter()
                .enumerate()
            {
                if locked.contains(angular_mask(k)) {
                    continue;
                }
                b = b.limits(axis, limits[k]);
                if let Some((stiffness, damping)) = tone[i] {
                    b = b
                        .motor_model(axis, MotorModel::ForceBased)
                        .motor_position(axis, target[k], stiffness, damping);
                }
            }
            joints[i] =
                Some(world.insert_impulse_joint(bodies[parent.index()], bodies[i], b.build()));
        }

        Ok(Ragdoll {
            skeleton: skeleton.clone(),
            bodies,
            colliders,
            joints,
            masses,
        })
    }

    /// The skeleton it was built from.
    pub fn skeleton(&self) -> &Skeleton {
        &self.skeleton
    }

    /// The body of a joint (it carries the segment from the joint to its child).
    pub fn body(&self, joint: Joint) -> RigidBodyHandle {
        self.bodies[joint.index()]
    }

    /// Every body, in joint order.
    pub fn bodies(&self) -> &[RigidBodyHandle; JOINT_COUNT] {
        &self.bodies
    }

    /// Every collider, in joint order.
    pub fn colliders(&self) -> &[ColliderHandle; JOINT_COUNT] {
        &self.colliders
    }

    /// The impulse joint linking a joint's body to its parent's (`None` for the pelvis).
    pub fn joint(&self, joint: Joint) -> Option<ImpulseJointHandle> {
        self.joints[joint.index()]
    }

    /// Segment masses in kg, in joint order.
    pub fn masses(&self) -> &[f32; JOINT_COUNT] {
        &self.masses
    }

    /// Total mass in kg.
    pub fn total_mass(&self) -> f32 {
        self.masses.iter().sum()
    }

    fn rigid_body<'w>(
        &self,
        world: &'w PhysicsWorld,
        joint: Joint,
    ) -> Result<&'w RigidBody, RagdollError> {
        world
            .bodies
            .get(self.bodies[joint.index()])
            .ok_or(RagdollError::MissingBody {
                joint: joint.name(),
            })
    }

    /// Every body's frame in the world (origin at its joint), in joint order.
    ///
    /// # Errors
    /// [`RagdollError::MissingBody`] when a body was removed from the world.
    pub fn globals(&self, world: &PhysicsWorld) -> Result<[Affine3A; JOINT_COUNT], RagdollError> {
        let mut out = [Affine3A::IDENTITY; JOINT_COUNT];
        for joint in Joint::ALL {
            let p = self.rigid_body(world, joint)?.position();
            out[joint.index()] =
                Affine3A::from_rotation_translation(p.rotation.normalize(), p.translation);
        }
        Ok(out)
    }

    /// World positions of the joints (the bodies' origins), in joint order.
    ///
    /// # Errors
    /// [`RagdollError::MissingBody`] when a body was removed from the world.
    pub fn joint_positions(
        &self,
        world: &PhysicsWorld,
    ) -> Result<[Vec3; JOINT_COUNT], RagdollError> {
        Ok(self.globals(world)?.map(|g| Vec3::from(g.translation)))
    }

    /// The simulated state as a [`Pose`] of the skeleton: each joint's local rotation
    /// (its body's rotation relative to its parent's), and the pelvis split into a
    /// heading about +Y (in `root`, with the pelvis position) and the rest (in
    /// `rotations[pelvis]`). [`Skeleton::globals`] of it reproduces the bodies' rotations
    /// exactly and their positions up to the joints' small separation.
    ///
    /// # Errors
    /// [`RagdollError::MissingBody`] when a body was removed from the world.
    pub fn pose(&self, world: &PhysicsWorld) -> Result<Pose, RagdollError> {
        let globals = self.globals(world)?;
        let rot = |i: usize| Quat::from_mat3a(&globals[i].matrix3).normalize();
        let mut rotations = [Quat::IDENTITY; JOINT_COUNT];
        for joint in Joint::ALL {
            if let Some(parent) = joint.parent() {
                let i = joint.index();
                rotations[i] = (rot(parent.index()).inverse() * rot(i)).normalize();
            }
        }
        let pelvis = rot(0);
        let heading = twist_about_y(pelvis);
        rotations[0] = (heading.inverse() * pelvis).normalize();
        Ok(Pose {
            root: Affine3A::from_rotation_translation(heading, globals[0].translation.into()),
            rotations,
        })
    }

    /// For every joint, the distance between its anchor on the parent body (the rest
    /// offset carried by the parent) and the child body's origin, in meters; 0 for the
    /// pelvis. The joints hold these near zero.
    ///
    /// # Errors
    /// [`RagdollError::MissingBody`] when a body was removed from the world.
    pub fn anchor_gaps(&self, world: &PhysicsWorld) -> Result<[f32; JOINT_COUNT], RagdollError> {
        let globals = self.globals(world)?;
        let mut gaps = [0.0; JOINT_COUNT];
        for joint in Joint::ALL {
            if let Some(parent) = joint.parent() {
                let i = joint.index();
                let anchor = globals[parent.index()].transform_point3(self.skeleton.offsets[i]);
                gaps[i] = anchor.distance(globals[i].translation.into());
            }
        }
        Ok(gaps)
    }

    /// The whole body's centre of mass and its velocity (world).
    ///
    /// # Errors
    /// [`RagdollError::MissingBody`] when a body was removed from the world.
    pub fn center_of_mass(&self, world: &PhysicsWorld) -> Result<(Vec3, Vec3), RagdollError> {
        let (mut com, mut vel, mut mass) = (Vec3::ZERO, Vec3::ZERO, 0.0);
        for joint in Joint::ALL {
            let b = self.rigid_body(world, joint)?;
            com += b.mass() * b.center_of_mass();
            vel += b.mass() * b.linvel();
            mass += b.mass();
        }
        if mass > 0.0 {
            Ok((com / mass, vel / mass))
        } else {
            Ok((com, vel))
        }
    }

    /// Kinetic energy, and potential energy in the world's gravity relative to a ground
    /// at height `ground_height` (J).
    ///
    /// # Errors
    /// [`RagdollError::MissingBody`] when a body was removed from the world.
    pub fn energy(&self, world: &PhysicsWorld, ground_height: f32) -> Result<Energy, RagdollError> {
        let (mut kinetic, mut potential) = (0.0, 0.0);
        for joint in Joint::ALL {
            let b = self.rigid_body(world, joint)?;
            kinetic += b.kinetic_energy();
            let height = b.center_of_mass() - Vec3::Y * ground_height;
            potential -= b.mass() * world.gravity.dot(height);
        }
        Ok(Energy { kinetic, potential })
    }

    /// Applies an impulse (N·s, world) at a world point on a joint's body, waking it.
    ///
    /// # Errors
    /// [`RagdollError::MissingBody`] when the body was removed, [`RagdollError::Param`]
    /// for a non-finite impulse or point.
    pub fn apply_impulse(
        &self,
        world: &mut PhysicsWorld,
        joint: Joint,
        impulse: Vec3,
        point: Vec3,
    ) -> Result<(), RagdollError> {
        for (field, v) in [("impulse", impulse), ("point", point)] {
            if !v.is_finite() {
                return Err(RagdollError::Param {
                    field: field.to_string(),
                    expected: "finite",
                    found: v.x + v.y + v.z,
                });
            }
        }
        let body =
            world
                .bodies
                .get_mut(self.bodies[joint.index()])
                .ok_or(RagdollError::MissingBody {
                    joint: joint.name(),
                })?;
        body.apply_impulse_at_point(impulse, point, true);
        Ok(())
    }

    /// Removes the ragdoll's bodies, colliders and joints from the world.
    pub fn remove(self, world: &mut PhysicsWorld) {
        for handle in self.bodies {
            world.remove_body_with_colliders(handle, true);
        }
    }
}

/// Segment masses (kg, joint order) for a skeleton and parameters: the total mass shared
/// by [`MASS_FRACTIONS`].
pub fn segment_masses(skeleton: &Skeleton, params: &RagdollParams) -> [f32; JOINT_COUNT] {
    let h = skeleton.height();
    let b = skeleton.params.build;
    let total = params.mass.unwrap_or(DEFAULT_BMI * h * h * b * b);
    MASS_FRACTIONS.map(|f| f * total)
}

/// The centre of mass of a posed skeleton with the given segment masses (each segment's
/// mass at its capsule's centre).
pub fn pose_center_of_mass(skeleton: &Skeleton, pose: &Pose, masses: &[f32; JOINT_COUNT]) -> Vec3 {
    let globals = skeleton.globals(pose);
    let capsules = skeleton.capsules();
    let (mut sum, mut mass) = (Vec3::ZERO, 0.0);
    for i in 0..JOINT_COUNT {
        sum += masses[i] * globals[i].transform_point3(capsules[i].center);
        mass += masses[i];
    }
    if mass > 0.0 { sum / mass } else { sum }
}

fn check_skeleton(skeleton: &Skeleton) -> Result<(), RagdollError> {
    skeleton.params.validate()?;
    for joint in Joint::ALL {
        if !skeleton.offsets[joint.index()].is_finite() {
            return Err(RagdollError::Offset {
                joint: joint.name(),
            });
        }
    }
    Ok(())
}

/// The pose with normalized rotations, after checking it is finite and rigid.
fn checked_pose(pose: &Pose) -> Result<Pose, RagdollError> {
    let bad = |field: String, message| RagdollError::Pose { field, message };
    let m = Mat3::from(pose.root.matrix3);
    if !pose.root.translation.is_finite() || !m.is_finite() {
        return Err(bad("root".into(), "not finite"));
    }
    let orthonormality = (m.transpose() * m - Mat3::IDENTITY)
        .to_cols_array()
        .iter()
        .fold(0.0f32, |a, e| a.max(e.abs()));
    if orthonormality > UNIT_TOLERANCE || m.determinant() <= 0.0 {
        return Err(bad(
            "root".into(),
            "must be a rotation and a translation (no scale, shear or mirror)",
        ));
    }
    let mut out = *pose;
    for joint in Joint::ALL {
        let q = pose.rotations[joint.index()];
        let field = || format!("rotations[{}]", joint.name());
        if !q.is_finite() {
            return Err(bad(field(), "not finite"));
        }
        if (q.length() - 1.0).abs() > UNIT_TOLERANCE {
            return Err(bad(field(), "not a unit quaternion"));
        }
        out.rotations[joint.index()] = q.normalize();
    }
    out.root = Affine3A::from_rotation_translation(
        Quat::from_mat3(&m).normalize(),
        pose.root.translation.into(),
    );
    Ok(out)
}

/// Every joint's world position and rotation in a (checked) pose.
fn world_frames(skeleton: &Skeleton, pose: &Pose) -> [(Vec3, Quat); JOINT_COUNT] {
    let globals = skeleton.globals(pose);
    let root = Quat::from_mat3a(&pose.root.matrix3).normalize();
    let mut out = [(Vec3::ZERO, Quat::IDENTITY); JOINT_COUNT];
    for joint in Joint::ALL {
        let i = joint.index();
        let parent_rotation = joint.parent().map_or(root, |p| out[p.index()].1);
        out[i] = (
            globals[i].translation.into(),
            (parent_rotation * pose.rotations[i]).normalize(),
        );
    }
    out
}

/// Which angular axes (X, Y, Z of the joint's rest frame) a joint keeps free in the
/// ragdoll; rapier locks the others at zero, which the table's ranges all contain.
///
/// Knees and toes are hinges about X and elbows about Y (their flexion); wrists lose
/// their ±10° twist about X, ankles their ±30° rotation about Y (the foot turning
/// about the vertical) and the neck its ±60° twist about Y (the head joint keeps ±20°). Fewer free axes is what keeps rapier's per-axis limits accurate
/// (see the module docs). The pelvis is the root (no joint).
pub fn free_axes(joint: Joint) -> [bool; 3] {
    use Joint::*;
    match joint {
        LeftKnee | RightKnee | LeftToe | RightToe => [true, false, false],
        LeftElbow | RightElbow => [false, true, false],
        LeftWrist | RightWrist => [false, true, true],
        LeftAnkle | RightAnkle => [true, false, true],
        Neck => [true, false, true],
        _ => [true; 3],
    }
}

fn angular_mask(axis: usize) -> JointAxesMask {
    match axis {
        0 => JointAxesMask::ANG_X,
        1 => JointAxesMask::ANG_Y,
        _ => JointAxesMask::ANG_Z,
    }
}

/// The axes rapier locks for a joint: the linear ones always, and the angular axes that
/// are not free.
fn locked_axes(joint: Joint) -> JointAxesMask {
    let mut mask = JointAxesMask::LOCKED_SPHERICAL_AXES;
    for (k, free) in free_axes(joint).into_iter().enumerate() {
        if !free {
            mask |= angular_mask(k);
        }
    }
    mask
}

/// A local rotation's XYZ Euler angles (`q = Rx(x)·Ry(y)·Rz(z)`), choosing of the two
/// triples, `(x, y, z)` and `(x + π, π − y, z + π)`, the one nearer the joint's limits
/// (the table's shoulder and elbow ranges reach past |y| = 90°).
pub fn euler_near_limits(joint: Joint, rotation: Quat) -> Vec3 {
    use std::f32::consts::{PI, TAU};
    let wrap = |a: f32| (a + PI).rem_euclid(TAU) - PI;
    let (x, y, z) = rotation.normalize().to_euler(EulerRot::XYZ);
    let a = Vec3::new(x, y, z);
    let b = Vec3::new(wrap(x + PI), wrap(PI - y), wrap(z + PI));
    let l = joint_limits(joint);
    let outside = |e: Vec3| (l.min - e).max(e - l.max).max(Vec3::ZERO).length_squared();
    if outside(b) < outside(a) { b } else { a }
}

/// The angles rapier's position motors measure, `2·asin(q_i)` with `q_w ≥ 0`: the motor
/// targets that hold a joint at `rotation`.
fn rapier_motor_angles(rotation: Quat) -> Vec3 {
    let q = if rotation.w < 0.0 {
        -rotation
    } else {
        rotation
    };
    Vec3::new(q.x, q.y, q.z).map(|c| 2.0 * c.clamp(-1.0, 1.0).asin())
}

/// The twist of `q` about +Y (swing-twist decomposition): the heading part of a rotation.
fn twist_about_y(q: Quat) -> Quat {
    let t = Quat::from_xyzw(0.0, q.y, 0.0, q.w);
    let len = t.length();
    if len > 1e-6 { t / len } else { Quat::IDENTITY }
}

/// Which part group (0–6) a joint's body belongs to.
fn part_group(joint: Joint) -> usize {
    use Joint::*;
    match joint {
        Pelvis => 0,
        SpineLower | SpineUpper => 1,
        Neck | Head => 2,
        LeftShoulder | LeftElbow | LeftWrist => 3,
        RightShoulder | RightElbow | RightWrist => 4,
        LeftHip | LeftKnee | LeftAnkle | LeftToe => 5,
        RightHip | RightKnee | RightAnkle | RightToe => 6,
    }
}

const PART_GROUPS: usize = 7;

fn group_bit(group: usize) -> u32 {
    1u32 << (32 - PART_GROUPS + group)
}

/// Collision groups: a body belongs to its part group's bit and filters out the groups
/// it must not touch: those holding a non-adjacent capsule that overlaps one of its
/// group's capsules in the rest pose or in `pose` (adjacent bodies are kept apart by
/// their joint's disabled contacts instead).
fn collision_groups(
    skeleton: &Skeleton,
    pose: &Pose,
    capsules: &[Capsule; JOINT_COUNT],
) -> [InteractionGroups; JOINT_COUNT] {
    let mut excluded = [[false; PART_GROUPS]; PART_GROUPS];
    for p in [skeleton.rest_pose(), *pose] {
        let globals = skeleton.globals(&p);
        let segments: [(Vec3, Vec3, f32); JOINT_COUNT] = std::array::from_fn(|i| {
            let c = &capsules[i];
            let axis = c.rotation * Vec3::Y * c.half_length;
            (
                globals[i].transform_point3(c.center - axis),
                globals[i].transform_point3(c.center + axis),
                c.radius,
            )
        });
        for a in Joint::ALL {
            for b in Joint::ALL {
                if b.index() <= a.index() || b.parent() == Some(a) || a.parent() == Some(b) {
                    continue;
                }
                let (sa, sb) = (segments[a.index()], segments[b.index()]);
                let d = segment_distance(sa.0, sa.1, sb.0, sb.1);
                if d < sa.2 + sb.2 + OVERLAP_MARGIN {
                    let (ga, gb) = (part_group(a), part_group(b));
                    excluded[ga][gb] = true;
                    excluded[gb][ga] = true;
                }
            }
        }
    }
    Joint::ALL.map(|j| {
        let g = part_group(j);
        let mut filter = u32::MAX;
        for (other, &ex) in excluded[g].iter().enumerate() {
            if ex {
                filter &= !group_bit(other);
            }
        }
        InteractionGroups::new(
            Group::from_bits_retain(group_bit(g)),
            Group::from_bits_retain(filter),
            InteractionTestMode::And,
        )
    })
}

/// The distance between segments `[p0, p1]` and `[q0, q1]`: the closest-points method
/// of C. Ericson, *Real-Time Collision Detection*, Morgan Kaufmann 2005, §5.1.9
/// (minimize `|p0 + s·d1 − q0 − t·d2|` over `s, t ∈ [0, 1]`, clamping `s` then `t`).
fn segment_distance(p0: Vec3, p1: Vec3, q0: Vec3, q1: Vec3) -> f32 {
    let (d1, d2, r) = (p1 - p0, q1 - q0, p0 - q0);
    let (a, e, f) = (d1.dot(d1), d2.dot(d2), d2.dot(r));
    const EPS: f32 = 1e-12;
    let (s, t) = if a <= EPS && e <= EPS {
        (0.0, 0.0)
    } else if a <= EPS {
        (0.0, (f / e).clamp(0.0, 1.0))
    } else {
        let c = d1.dot(r);
        if e <= EPS {
            ((-c / a).clamp(0.0, 1.0), 0.0)
        } else {
            let b = d1.dot(d2);
            let denom = a * e - b * b;
            let mut s = if denom > EPS {
                ((b * f - c * e) / denom).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let mut t = (b * s + f) / e;
            if t < 0.0 {
                t = 0.0;
                s = (-c / a).clamp(0.0, 1.0);
            } else if t > 1.0 {
                t = 1.0;
                s = ((b - c) / a).clamp(0.0, 1.0);
            }
            (s, t)
        }
    };
    (p0 + d1 * s).distance(q0 + d2 * t)
}

/// Standard gravity used for the tone springs (m/s²).
const G: f32 = 9.81;

/// Per joint, the tone spring's (stiffness N·m/rad, damping N·m·s/rad), or `None`.
fn tone_springs(
    skeleton: &Skeleton,
    masses: &[f32; JOINT_COUNT],
    capsules: &[Capsule; JOINT_COUNT],
    params: &RagdollParams,
) -> [Option<(f32, f32)>; JOINT_COUNT] {
    if params.tone <= 0.0 && params.joint_damping <= 0.0 {
        return [None; JOINT_COUNT];
    }
    let rest = skeleton.globals(&skeleton.rest_pose());
    let centres: [Vec3; JOINT_COUNT] =
        std::array::from_fn(|i| rest[i].transform_point3(capsules[i].center));
    // descendant[j][i]: i is j or below it.
    let below = |j: Joint, i: Joint| {
        let mut k = Some(i);
        while let Some(x) = k {
            if x == j {
                return true;
            }
            k = x.parent();
        }
        false
    };
    Joint::ALL.map(|j| {
        j.parent()?;
        let is_leg = matches!(
            j,
            Joint::LeftHip
                | Joint::LeftKnee
                | Joint::LeftAnkle
                | Joint::LeftToe
                | Joint::RightHip
                | Joint::RightKnee
                | Joint::RightAnkle
                | Joint::RightToe
        );
        // Mass and lever (distance from the joint to its centre of mass) of the joints
        // on one side of `j`: the subtree below it (`distal`) or the rest.
        let part = |distal: bool| {
            let (mut m, mut c) = (0.0, Vec3::ZERO);
            for i in Joint::ALL {
                if below(j, i) == distal {
                    m += masses[i.index()];
                    c += masses[i.index()] * centres[i.index()];
                }
            }
            let lever = if m > 0.0 {
                (c / m)
                    .distance(rest[j.index()].translation.into())
                    .max(0.01)
            } else {
                0.01
            };
            (m, lever)
        };
        // Tone: the part this joint holds up at rest, the body above it for the legs (they
        // stand on the feet), the limb or head beyond it otherwise.
        let (m, lever) = part(!is_leg);
        let stiffness = params.tone * G * m * lever;
        // Critical damping (× ratio) for the part as a point mass at the lever,
        // 2 ζ √(k · m ℓ²), plus the passive damping of the limb beyond the joint.
        let (md, ld) = part(true);
        let damping = 2.0 * params.tone_damping * (stiffness * m * lever * lever).sqrt()
            + params.joint_damping * md * ld * ld;
        Some((stiffness, damping))
    })
}

/// Why a character should switch to its ragdoll.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FallCause {
    /// An impulse above the threshold hit it (N·s).
    Impulse {
        /// The impulse's magnitude.
        magnitude: f32,
    },
    /// Its extrapolated centre of mass left the feet's support polygon by this much (m).
    OffBalance {
        /// Distance outside the polygon.
        distance: f32,
    },
}

/// The simplest switch rule: fall when an impulse's magnitude exceeds `threshold` (N·s).
/// A non-finite impulse counts as exceeding it.
pub fn should_fall(impulse: Vec3, threshold: f32) -> bool {
    let m = impulse.length();
    !m.is_finite() || m > threshold
}

/// When an animated character becomes a ragdoll. Two rules, either one triggers:
///
/// 1. **Hit**: an impulse on the character above `impulse_threshold` (N·s). The default,
///    [`FallTrigger::for_mass`], is the impulse that changes the whole body's velocity by
///    [`FallTrigger::FALL_DELTA_V`] = 1 m/s (ours: a shove a person would need a quick
///    step to absorb).
/// 2. **Off balance**: the *extrapolated centre of mass* of A. L. Hof, M. G. J. Gazendam
///    and W. E. Sinke, "The condition for dynamic stability", *J. Biomech.* 38:1–8 (2005),
///    `XcoM = x + v / ω₀` with `ω₀ = √(g / l)` (`x`, `v` the centre of mass's ground
///    position and velocity, `l` its height above the ground), after adding the impulse's
///    velocity change `J / m`, lies more than `margin` outside the convex hull of the
///    feet's ground contact points ([`support_polygon`]). With no foot on the ground
///    (a jump, a running flight phase) this rule says nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FallTrigger {
    /// Impulse magnitude above which the character falls at once (N·s).
    pub impulse_threshold: f32,
    /// How far the extrapolated centre of mass may leave the support polygon (m).
    pub margin: f32,
}

impl FallTrigger {
    /// The velocity change (m/s) the default impulse threshold gives the whole body.
    pub const FALL_DELTA_V: f32 = 1.0;

    /// The default trigger for a body of `mass` kg: threshold `mass · FALL_DELTA_V`,
    /// margin 2 cm.
    pub fn for_mass(mass: f32) -> FallTrigger {
        FallTrigger {
            impulse_threshold: mass * Self::FALL_DELTA_V,
            margin: 0.02,
        }
    }

    /// Whether (and why) the character falls, given the impulse it just received (zero
    /// if none), its mass, centre of mass and velocity, the ground height and the
    /// support polygon (XZ points, from [`support_polygon`]).
    pub fn check(
        &self,
        impulse: Vec3,
        mass: f32,
        com: Vec3,
        com_velocity: Vec3,
        ground_height: f32,
        support: &[Vec2],
    ) -> Option<FallCause> {
        if should_fall(impulse, self.impulse_threshold) {
            return Some(FallCause::Impulse {
                magnitude: impulse.length(),
            });
        }
        if support.is_empty() || mass.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return None;
        }
        let velocity = com_velocity + impulse / mass;
        let height = (com.y - ground_height).max(0.05);
        let omega0 = (G / height).sqrt();
        let xcom = com.xz() + velocity.xz() / omega0;
        let distance = distance_outside(xcom, support);
        (distance > self.margin).then_some(FallCause::OffBalance { distance })
    }
}

/// The feet's support polygon: the convex hull (counter-clockwise seen from above, as
/// XZ points) of each foot's sole corners (heel and ball, each side of the foot, and the
/// toe tip) that are within `tolerance` of the ground. Empty with no foot down.
pub fn support_polygon(
    skeleton: &Skeleton,
    globals: &[Affine3A; JOINT_COUNT],
    ground_height: f32,
    tolerance: f32,
) -> Vec<Vec2> {
    let h = skeleton.height();
    let half_width = 0.5 * proportions::FOOT_WIDTH * h * skeleton.params.build;
    let mut points = Vec::new();
    for side in [Side::Left, Side::Right] {
        let [_, _, ankle, toe] = Joint::leg(side);
        let (ga, gt) = (globals[ankle.index()], globals[toe.index()]);
        let heel = skeleton.heel();
        let ball = Vec3::new(0.0, -proportions::BALL_HEIGHT * h, 0.0);
        let corners = [
            ga.transform_point3(heel + Vec3::X * half_width),
            ga.transform_point3(heel - Vec3::X * half_width),
            gt.transform_point3(ball + Vec3::X * half_width),
            gt.transform_point3(ball - Vec3::X * half_width),
            gt.transform_point3(skeleton.toe_tip()),
        ];
        for c in corners {
            if c.y - ground_height <= tolerance {
                points.push(c.xz());
            }
        }
    }
    convex_hull(points)
}

/// Convex hull by Andrew's monotone chain (A. M. Andrew, "Another efficient algorithm
/// for convex hulls in two dimensions", *Inf. Process. Lett.* 9:216–219, 1979), in the
/// XZ plane. Deterministic: a total order on the points (`f32::total_cmp`).
fn convex_hull(mut points: Vec<Vec2>) -> Vec<Vec2> {
    points.retain(|p| p.is_finite());
    points.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    points.dedup();
    if points.len() < 3 {
        return points;
    }
    let cross = |o: Vec2, a: Vec2, b: Vec2| (a - o).perp_dot(b - o);
    let mut hull: Vec<Vec2> = Vec::with_capacity(2 * points.len());
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &Vec2>> = if pass == 0 {
            Box::new(points.iter())
        } else {
            Box::new(points.iter().rev())
        };
        for &p in iter {
            while hull.len() >= start + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0
            {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    hull
}

/// How far `p` lies outside a convex polygon (0 inside or on it). A polygon of one or
/// two points is a point or a segment.
fn distance_outside(p: Vec2, polygon: &[Vec2]) -> f32 {
    match polygon.len() {
        0 => f32::INFINITY,
        1 => p.distance(polygon[0]),
        _ => {
            let n = polygon.len();
            let inside = n >= 3
                && (0..n)
                    .all(|i| (polygon[(i + 1) % n] - polygon[i]).perp_dot(p - polygon[i]) >= 0.0);
            if inside {
                return 0.0;
            }
            (0..n)
                .map(|i| {
                    let (a, b) = (polygon[i], polygon[(i + 1) % n]);
                    let ab = b - a;
                    let t = if ab.length_squared() > 0.0 {
                        ((p - a).dot(ab) / ab.length_squared()).clamp(0.0, 1.0)
                    } else {
                        0.0
                    };
                    p.distance(a + ab * t)
                })
                .fold(f32::INFINITY, f32::min)
        }
    }
}
