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

use glam::{Affine3A, Quat, Vec3};
use rapier3d::prelude::{
    ColliderBuilder, ColliderHandle, PhysicsWorld, RigidBodyBuilder, RigidBodyHandle,
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

/// One character being simulated.
pub(super) struct CharacterSim {
    /// Its entity.
    pub entity: usize,
    perf: Performance,
    /// Per move: the rapier body it pushes (pushes only).
    targets: Vec<Option<RigidBodyHandle>>,
    /// Per move: where it pushes, fixed when the push starts.
    points: Vec<Option<Vec3>>,
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
        let mut targets = Vec::new();
        let mut fall_at = None;
        for &(t, act) in &c.actions {
            match act {
                Act::Push(e) | Act::Kick(e) => {
                    let m = if matches!(act, Act::Kick(_)) {
                        Move::Kick
                    } else {
                        Move::Push
                    };
                    moves.push((t, m));
                    targets.push(scene.entities[e].body.and_then(|b| handles.get(b)).copied());
                }
                Act::Wave => {
                    moves.push((t, Move::Wave));
                    targets.push(None);
                }
                Act::Fall => fall_at = Some(t),
            }
        }
        let perf = Performance::new(skeleton, c.gait.clone(), c.at, c.facing, c.start, moves);
        let points = vec![None; targets.len()];
        let masses = segment_masses(perf.skeleton(), &RagdollParams::limp());
        let globals = perf.skeleton().globals(&perf.pose_at(0.0, &points));
        let parts = insert_parts(world, perf.skeleton(), &globals, &masses, c.entity);
        Self {
            entity: c.entity,
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
        for (i, (t0, _)) in self.perf.moves().iter().enumerate() {
            if *t0 <= t_next
                && self.points[i].is_none()
                && let Some(rb) = self.targets[i].and_then(|h| world.bodies.get(h))
            {
                self.points[i] = Some(rb.center_of_mass());
            }
        }
        let globals = self.perf.skeleton().globals(&self.pose_at(t_next));
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

    /// After a step ending at `t`: the impulse dynamic bodies put on it decides whether
    /// it falls.
    pub fn watch(&mut self, world: &mut PhysicsWorld, t: f32, dt: f32) {
        if self.ragdoll.is_some() {
            return;
        }
        let pushing = self.doing(Move::Push, t);
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
        if self.perf.walking(t) {
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
            .any(|(t0, m)| *m == kind && t >= *t0 && t < *t0 + m.duration())
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
        self.ragdoll = Some(ragdoll);
        self.fell = Some(Fall {
            time: t,
            cause,
            impulse: impulse.length(),
        });
    }
}
