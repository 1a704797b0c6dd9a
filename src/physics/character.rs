//! Characters in the rigid world (see `docs/characters.md`).
//!
//! While animated, a character is 19 kinematic capsules (one per bone, from
//! [`Skeleton::capsules`]) that follow its [`Performance`]: each step they are moved to
//! where the performance puts them at the step's end, so rapier gives them the velocity
//! that takes them there and they shove what they touch (a walking leg kicks a ball, a
//! pushing hand drives a glass). The performance is a pure function of time; the one
//! thing read from the world is where a pushed body is when its push starts.
//!
//! A character becomes a **ragdoll** ([`Ragdoll`], limp: joint limits and damping only)
//! when its `Fall` action comes, or when it is hit: the impulse dynamic bodies put on its
//! capsules in one step exceeds [`FallTrigger::for_mass`]'s threshold (the impulse that
//! would change the whole body's velocity by 1 m/s), or, while it stands still, that
//! impulse carries its extrapolated centre of mass (Hof et al. 2005) out of its feet's
//! support polygon. The pushing arm's own contacts during a push, and the kicking
//! leg's during a kick, do not count. The
//! ragdoll starts with the animation's joint velocities plus the hit's `J / m`.
//!
//! A **pick-up** takes hold of its object at the grasp if the object's top is still
//! within [`GRASP_RANGE`] of where it was when the reach began: the object turns
//! kinematic and rides rigidly with the right wrist. A **throw** lets go at its release
//! time: the object turns dynamic again with the velocity its grip had over the last
//! step (the hand's, at the grip point), and flies. A **sit** rests the pelvis on the
//! top of its seat's box at the time the sit starts.

use glam::{Affine3A, Quat, Vec3};
use rapier3d::prelude::{
    ColliderBuilder, ColliderHandle, PhysicsWorld, RigidBodyBuilder, RigidBodyHandle, RigidBodyType,
};

use crate::character::ragdoll::{
    self, FallTrigger, JointVelocity, Ragdoll, RagdollParams, joint_velocities, segment_masses,
};
use crate::character::skeleton::JOINT_COUNT;
use crate::character::{Joint, Move, Performance, Pose, Side, Skeleton};
use crate::scene::{Act, Character, Scene};

/// Why and when a character fell.
#[derive(Debug, Clone, PartialEq)]
pub struct Fall {
    /// Time it became a ragdoll, s.
    pub time: f32,
    /// `"told"` (its `Fall` action), `"hit"` or `"off balance"`.
    pub cause: &'static str,
    /// The impulse that felled it, N·s (0 when told).
    pub impulse: f32,
}

/// How far an object's top may have moved since a pick-up's reach began for the hand
/// still to take hold of it, m.
pub const GRASP_RANGE: f32 = 0.1;

/// What the right hand holds.
#[derive(Debug, Clone, Copy)]
struct Held {
    /// The object's entity.
    entity: usize,
    body: RigidBodyHandle,
    /// The body's pose in the right wrist's frame.
    grip: Affine3A,
}

/// One character being simulated.
pub(super) struct CharacterSim {
    /// Its entity.
    pub entity: usize,
    perf: Performance,
    /// Per move: the entity it acts on (push, kick, pick-up, throw, sit).
    subjects: Vec<Option<usize>>,
    /// Per move: the rapier body of that entity, when it has one.
    targets: Vec<Option<RigidBodyHandle>>,
    /// Per move: where it acts, fixed when the move starts (a push's or kick's point, a
    /// pick-up's object top, a sit's hips point).
    points: Vec<Option<Vec3>>,
    /// Per move: whether its start has been handled (a sit that found no seat stays
    /// unplaced).
    started: Vec<bool>,
    /// Per move: whether its hand event (grasp, release) has happened.
    handled: Vec<bool>,
    held: Option<Held>,
    fall_at: Option<f32>,
    /// The kinematic capsules while animated (joint order).
    parts: Vec<(RigidBodyHandle, ColliderHandle)>,
    ragdoll: Option<Ragdoll>,
    /// Set once it has fallen.
    pub fell: Option<Fall>,
    masses: [f32; JOINT_COUNT],
    trigger: FallTrigger,
    ground: f32,
}

/// The kinematic capsule of each joint, inserted in joint order.
fn insert_parts(
    world: &mut PhysicsWorld,
    skeleton: &Skeleton,
    globals: &[Affine3A; JOINT_COUNT],
    masses: &[f32; JOINT_COUNT],
    entity: usize,
) -> Vec<(RigidBodyHandle, ColliderHandle)> {
    skeleton
        .capsules()
        .iter()
        .zip(globals)
        .zip(masses)
        .map(|((c, g), m)| {
            let (rotation, translation) = rigid(g);
            let body = world.insert_body(
                RigidBodyBuilder::kinematic_position_based()
                    .pose(rapier3d::math::Pose::from_parts(translation, rotation))
                    .user_data(u128::MAX),
            );
            let collider = world.insert_collider(
                ColliderBuilder::capsule_y(c.half_length, c.radius)
                    .position(rapier3d::math::Pose::from_parts(c.center, c.rotation))
                    .mass(*m)
                    .friction(0.8)
                    .user_data(entity as u128),
                Some(body),
            );
            (body, collider)
        })
        .collect()
}

/// Rotation and translation of a rigid transform.
fn rigid(g: &Affine3A) -> (Quat, Vec3) {
    (
        Quat::from_mat3a(&g.matrix3).normalize(),
        Vec3::from(g.translation),
    )
}

impl CharacterSim {
    /// Puts a character's kinematic capsules into the world at its t = 0 pose.
    pub fn new(
        scene: &Scene,
        c: &Character,
        world: &mut PhysicsWorld,
        handles: &[RigidBodyHandle],
    ) -> Self {
        let skeleton = c.skeleton.clone();
        let mut moves = Vec::new();
        let mut subjects = Vec::new();
        let mut fall_at = None;
        for &(t, act) in &c.actions {
            let (m, subject) = match act {
                Act::Push(e) => (Move::Push, Some(e)),
                Act::Kick(e) => (Move::Kick, Some(e)),
                Act::PickUp(e) => (Move::PickUp, Some(e)),
                Act::Throw(e) => (Move::Throw, Some(e)),
                Act::Sit(e) => (Move::Sit, Some(e)),
                Act::Wave => (Move::Wave, None),
                Act::Jump => (Move::Jump, None),
                Act::Fall => {
                    fall_at = Some(t);
                    continue;
                }
            };
            moves.push((t, m));
            subjects.push(subject);
        }
        let targets = subjects
            .iter()
            .map(|e| {
                e.and_then(|e| scene.entities[e].body)
                    .and_then(|b| handles.get(b))
                    .copied()
            })
            .collect::<Vec<_>>();
        let perf = Performance::new(skeleton, c.gait.clone(), c.at, c.facing, c.start, moves)
            .with_gravity(-scene.gravity.y)
            .with_clip(c.model.as_ref().and_then(|m| m.clip.clone()));
        let points = vec![None; targets.len()];
        let masses = segment_masses(perf.skeleton(), &RagdollParams::limp());
        let globals = perf.skeleton().globals(&perf.pose_at(0.0, &points));
        let parts = insert_parts(world, perf.skeleton(), &globals, &masses, c.entity);
        Self {
            entity: c.entity,
            started: vec![false; targets.len()],
            handled: vec![false; targets.len()],
            held: None,
            subjects,
            targets,
            points,
            fall_at,
            parts,
            ragdoll: None,
            fell: None,
            trigger: FallTrigger::for_mass(masses.iter().sum()),
            masses,
            ground: c.at.y,
            perf,
        }
    }

    /// Every rapier body it has now (for the replay hash), joint order.
    pub fn bodies(&self) -> Vec<RigidBodyHandle> {
        match &self.ragdoll {
            Some(r) => r.bodies().to_vec(),
            None => self.parts.iter().map(|p| p.0).collect(),
        }
    }

    /// The animated pose at `t`.
    fn pose_at(&self, t: f32) -> Pose {
        self.perf.pose_at(t, &self.points)
    }

    /// Every joint's world transform at `t` (the ragdoll's bodies once fallen).
    pub fn joints(&self, world: &PhysicsWorld, t: f32) -> [Affine3A; JOINT_COUNT] {
        if let Some(r) = &self.ragdoll
            && let Ok(g) = r.globals(world)
        {
            return g;
        }
        self.perf.skeleton().globals(&self.pose_at(t))
    }

    /// Before a step ending at `t_next`: fixes push points that start by then, falls if
    /// told to by `t_now`, else moves the capsules to their pose at `t_next`.
    pub fn drive(&mut self, world: &mut PhysicsWorld, t_now: f32, t_next: f32, dt: f32) {
        if self.ragdoll.is_some() {
            return;
        }
        if self.fall_at.is_some_and(|t| t <= t_now) {
            self.fall(world, t_now, dt, Vec3::ZERO, "told");
            return;
        }
        for i in 0..self.started.len() {
            let (t0, m) = self.perf.moves()[i];
            if t0 <= t_next && !self.started[i] {
                self.started[i] = true;
                self.points[i] = self.start_point(world, i, m, t0);
            }
        }
        let now = self.perf.skeleton().globals(&self.pose_at(t_now));
        let globals = self.perf.skeleton().globals(&self.pose_at(t_next));
        self.hand_events(world, t_next, &now, &globals, dt);
        if let Some(held) = self.held
            && let Some(rb) = world.bodies.get_mut(held.body)
        {
            let (rotation, translation) = rigid(&(globals[Joint::RightWrist.index()] * held.grip));
            rb.set_next_kinematic_position(rapier3d::math::Pose::from_parts(translation, rotation));
        }
        for ((body, _), g) in self.parts.iter().zip(&globals) {
            if let Some(rb) = world.bodies.get_mut(*body) {
                let (rotation, translation) = rigid(g);
                rb.set_next_kinematic_position(rapier3d::math::Pose::from_parts(
                    translation,
                    rotation,
                ));
            }
        }
    }

    /// The point move `i` (of kind `m`, starting at `t0`) acts on, read from the world
    /// as it starts: a push's or kick's target's center of mass, a pick-up's target's
    /// top (above its center of mass), a sit's hips point on its seat's box.
    fn start_point(&self, world: &PhysicsWorld, i: usize, m: Move, t0: f32) -> Option<Vec3> {
        match m {
            Move::Push | Move::Kick => self.targets[i]
                .and_then(|h| world.bodies.get(h))
                .map(|rb| rb.center_of_mass()),
            Move::PickUp => {
                let com = world.bodies.get(self.targets[i]?)?.center_of_mass();
                let (_, max) = entity_box(world, self.subjects[i]?)?;
                Some(Vec3::new(com.x, max.y, com.z))
            }
            Move::Sit => {
                let (min, max) = entity_box(world, self.subjects[i]?)?;
                match self.perf.sit_point(t0, min, max) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        tracing::warn!("a character cannot sit at {t0} s: {e}");
                        None
                    }
                }
            }
            Move::Wave | Move::Throw | Move::Jump => None,
        }
    }

    /// Takes hold at a pick-up's grasp and lets go at a throw's release, for the step
    /// from the joints `now` to `next`.
    fn hand_events(
        &mut self,
        world: &mut PhysicsWorld,
        t_next: f32,
        now: &[Affine3A; JOINT_COUNT],
        next: &[Affine3A; JOINT_COUNT],
        dt: f32,
    ) {
        let wrist = Joint::RightWrist.index();
        for i in 0..self.handled.len() {
            let (t0, m) = self.perf.moves()[i];
            let Some(at) = m.hand_event() else { continue };
            if self.handled[i] || t0 + at > t_next {
                continue;
            }
            self.handled[i] = true;
            match m {
                Move::PickUp => {
                    let (Some(body), Some(entity), Some(top)) =
                        (self.targets[i], self.subjects[i], self.points[i])
                    else {
                        continue;
                    };
                    let still = entity_box(world, entity).is_some_and(|(_, max)| {
                        world.bodies.get(body).is_some_and(|rb| {
                            let c = rb.center_of_mass();
                            Vec3::new(c.x, max.y, c.z).distance(top) <= GRASP_RANGE
                        })
                    });
                    if !still || self.held.is_some() {
                        tracing::warn!("the hand missed the object it reached for at {t0} s");
                        continue;
                    }
                    let Some(rb) = world.bodies.get_mut(body) else {
                        continue;
                    };
                    let pose = rb.position();
                    let object =
                        Affine3A::from_rotation_translation(pose.rotation, pose.translation);
                    rb.set_body_type(RigidBodyType::KinematicPositionBased, true);
                    self.held = Some(Held {
                        entity,
                        body,
                        grip: next[wrist].inverse() * object,
                    });
                }
                Move::Throw => {
                    let Some(held) = self.held.take() else {
                        continue;
                    };
                    let (from, to) = (now[wrist] * held.grip, next[wrist] * held.grip);
                    let (r0, p0) = rigid(&from);
                    let (r1, p1) = rigid(&to);
                    let Some(rb) = world.bodies.get_mut(held.body) else {
                        continue;
                    };
                    rb.set_body_type(RigidBodyType::Dynamic, true);
                    rb.set_linvel((p1 - p0) / dt, true);
                    rb.set_angvel((r1 * r0.inverse()).to_scaled_axis() / dt, true);
                }
                _ => {}
            }
        }
    }

    /// The entity the right hand holds now.
    pub fn holding(&self) -> Option<usize> {
        self.held.map(|h| h.entity)
    }

    /// After a step ending at `t`: the impulse dynamic bodies put on it decides whether
    /// it falls.
    pub fn watch(&mut self, world: &mut PhysicsWorld, t: f32, dt: f32) {
        if self.ragdoll.is_some() {
            return;
        }
        let pushing = [Move::Push, Move::PickUp, Move::Throw]
            .iter()
            .any(|m| self.doing(*m, t));
        let kicking = self.doing(Move::Kick, t);
        let mut impulse = Vec3::ZERO;
        for (k, (_, collider)) in self.parts.iter().enumerate() {
            let own_arm = pushing && Joint::arm(Side::Right).iter().any(|j| j.index() == k);
            let own_leg = kicking && Joint::leg(Side::Right).iter().any(|j| j.index() == k);
            if own_arm || own_leg {
                continue;
            }
            for pair in world.narrow_phase.contact_pairs_with(*collider) {
                let other = if pair.collider1 == *collider {
                    pair.collider2
                } else {
                    pair.collider1
                };
                let dynamic = world
                    .colliders
                    .get(other)
                    .and_then(|c| c.parent())
                    .and_then(|b| world.bodies.get(b))
                    .is_some_and(|b| b.is_dynamic());
                if !dynamic {
                    continue;
                }
                // The manifold normal points from collider1 to collider2.
                let sign = if pair.collider2 == *collider {
                    1.0
                } else {
                    -1.0
                };
                for m in pair.solver_manifolds() {
                    let n = m.data.normal;
                    for p in &m.points {
                        impulse += sign * n * p.data.impulse;
                    }
                }
            }
        }
        if impulse == Vec3::ZERO {
            return;
        }
        let mass: f32 = self.masses.iter().sum();
        if ragdoll::should_fall(impulse, self.trigger.impulse_threshold) {
            self.fall(world, t, dt, impulse, "hit");
            return;
        }
        if self.perf.walking(t) || !self.perf.on_feet(t) {
            return;
        }
        let skeleton = self.perf.skeleton();
        let now = self.pose_at(t);
        let before = self.pose_at(t - dt);
        let com = ragdoll::pose_center_of_mass(skeleton, &now, &self.masses);
        let com_v = (com - ragdoll::pose_center_of_mass(skeleton, &before, &self.masses)) / dt;
        let support =
            ragdoll::support_polygon(skeleton, &skeleton.globals(&now), self.ground, 0.01);
        if self
            .trigger
            .check(impulse, mass, com, com_v, self.ground, &support)
            .is_some()
        {
            self.fall(world, t, dt, impulse, "off balance");
        }
    }

    /// Whether a move of this kind is under way at `t`.
    fn doing(&self, kind: Move, t: f32) -> bool {
        self.perf
            .moves()
            .iter()
            .any(|(t0, m)| *m == kind && t >= *t0 && t < *t0 + self.perf.duration(*m))
    }

    /// Replaces the kinematic capsules with a limp ragdoll in the pose at `t`, moving as
    /// the animation did plus `impulse / m`.
    fn fall(
        &mut self,
        world: &mut PhysicsWorld,
        t: f32,
        dt: f32,
        impulse: Vec3,
        cause: &'static str,
    ) {
        let skeleton = self.perf.skeleton().clone();
        let now = self.pose_at(t);
        let before = self.pose_at(t - dt);
        let mass: f32 = self.masses.iter().sum();
        let mut v = joint_velocities(&skeleton, &before, &now, dt)
            .unwrap_or([JointVelocity::default(); JOINT_COUNT]);
        for j in &mut v {
            j.linear += impulse / mass;
        }
        let built = Ragdoll::build(world, &skeleton, &now, &RagdollParams::limp(), Some(&v));
        let Ok(ragdoll) = built else {
            // A pose the ragdoll refuses (never for a validated character): stay animated.
            return;
        };
        for (body, _) in std::mem::take(&mut self.parts) {
            world.remove_body_with_colliders(body, true);
        }
        for (b, c) in ragdoll.bodies().iter().zip(ragdoll.colliders()) {
            if let Some(rb) = world.bodies.get_mut(*b) {
                rb.user_data = u128::MAX;
            }
            if let Some(col) = world.colliders.get_mut(*c) {
                col.user_data = self.entity as u128;
            }
        }
        // A falling hand lets go of what it held.
        if let Some(held) = self.held.take()
            && let Some(rb) = world.bodies.get_mut(held.body)
        {
            let v = rb.linvel();
            rb.set_body_type(RigidBodyType::Dynamic, true);
            rb.set_linvel(v, true);
        }
        self.ragdoll = Some(ragdoll);
        self.fell = Some(Fall {
            time: t,
            cause,
            impulse: impulse.length(),
        });
    }
}

/// The world box of every collider of entity `e`, or `None` when it has none.
fn entity_box(world: &PhysicsWorld, e: usize) -> Option<(Vec3, Vec3)> {
    world
        .colliders
        .iter()
        .filter(|(_, c)| c.user_data == e as u128)
        .map(|(_, c)| c.compute_aabb())
        .fold(None, |acc: Option<(Vec3, Vec3)>, b| {
            let (lo, hi) = (b.mins, b.maxs);
            Some(acc.map_or((lo, hi), |(a, z)| (a.min(lo), z.max(hi))))
        })
}
