//! ECS components, resources and the systems of one physics step, run in this order:
//! `drive_kinematic`, `apply_actions`, `step_physics`, `track_contacts`, `advance_clock`.

use std::collections::BTreeMap;
use std::sync::Mutex;

use bevy_ecs::component::Component;
use bevy_ecs::resource::Resource;
use bevy_ecs::system::{Query, Res, ResMut};
use glam::Vec3;
use rapier3d::prelude::{
    ColliderHandle, ColliderSet, CollisionEvent, ContactPair, EventHandler, PhysicsHooks,
    PhysicsWorld, RigidBodyHandle, RigidBodySet, SoftBodySet, SoftBodyTearEvent,
};
use serde::{Deserialize, Serialize};

use super::trajectory::Collision;
use crate::scene::{Action, ActionKind, KinematicPath};

/// Links an ECS entity to its scene body and rapier handle.
#[derive(Component, Debug, Clone, Copy)]
pub(super) struct BodyRef {
    pub index: usize,
    pub handle: RigidBodyHandle,
}

/// A kinematic body's path.
#[derive(Component, Debug, Clone)]
pub(super) struct Kinematic(pub KinematicPath);

/// The rapier world and the handle of every scene body (in scene body order).
#[derive(Resource)]
pub(super) struct Physics {
    pub world: PhysicsWorld,
    pub handles: Vec<RigidBodyHandle>,
    /// The collider of each entity (by entity index), `None` for shapeless entities.
    pub colliders: Vec<Option<ColliderHandle>>,
}

/// Step counter.
#[derive(Resource, Debug, Clone, Copy)]
pub(super) struct Clock {
    /// Steps completed.
    pub step: u64,
    pub dt: f32,
    pub hz: u32,
    pub substeps: u32,
}

/// The scene's timed actions, sorted by start step.
#[derive(Resource, Debug, Clone)]
pub(super) struct ScheduledActions(pub Vec<Action>);

/// A contact being measured over its first frame interval.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pending {
    step: u64,
    steps_left: u32,
    impulse: f32,
    weighted_point: Vec3,
    weighted_normal: Vec3,
    first_point: Vec3,
    first_normal: Vec3,
}

/// Contacts recorded so far (part of a snapshot).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct ContactLogState {
    pending: BTreeMap<(usize, usize), Pending>,
    pub done: Vec<Collision>,
}

/// Contact bookkeeping.
#[derive(Resource, Default)]
pub(super) struct ContactLog {
    pub state: ContactLogState,
    pub started: Vec<(usize, usize)>,
}

/// Collects the collider pairs whose contact started during a step.
struct StartCollector(Mutex<Vec<(ColliderHandle, ColliderHandle)>>);

impl EventHandler for StartCollector {
    fn handle_collision_event(
        &self,
        _bodies: &RigidBodySet,
        _colliders: &ColliderSet,
        event: CollisionEvent,
        _pair: Option<&ContactPair>,
    ) {
        if let CollisionEvent::Started(a, b, _) = event
            && let Ok(mut v) = self.0.lock()
        {
            v.push((a, b));
        }
    }

    fn handle_contact_force_event(
        &self,
        _dt: f32,
        _bodies: &RigidBodySet,
        _colliders: &ColliderSet,
        _pair: &ContactPair,
        _total_force_magnitude: f32,
    ) {
    }

    fn handle_soft_body_tear_event(&self, _soft: &SoftBodySet, _event: &SoftBodyTearEvent) {}
}

/// Moves kinematic bodies to where their path puts them at the end of this step.
pub(super) fn drive_kinematic(
    bodies: Query<(&BodyRef, &Kinematic)>,
    clock: Res<Clock>,
    mut physics: ResMut<Physics>,
) {
    let t = (clock.step + 1) as f32 * clock.dt;
    let mut order: Vec<(&BodyRef, &Kinematic)> = bodies.iter().collect();
    order.sort_by_key(|(b, _)| b.index);
    for (b, k) in order {
        let pose = k.0.pose_at(t);
        if let Some(rb) = physics.world.bodies.get_mut(b.handle) {
            rb.set_next_kinematic_position(rapier3d::math::Pose::from_parts(
                pose.translation,
                pose.rotation,
            ));
        }
    }
}

/// Applies the timed actions active at this step.
pub(super) fn apply_actions(
    actions: Res<ScheduledActions>,
    clock: Res<Clock>,
    mut physics: ResMut<Physics>,
) {
    let step = clock.step;
    let physics = &mut *physics;
    // Forces persist in rapier until reset: clear them on every body an action targets.
    for a in &actions.0 {
        if matches!(a.kind, ActionKind::Force(_) | ActionKind::Torque(_))
            && let Some(rb) = physics.world.bodies.get_mut(physics.handles[a.body])
        {
            rb.reset_forces(false);
            rb.reset_torques(false);
        }
    }
    for a in actions.0.iter().take_while(|a| a.start_step <= step) {
        if step >= a.end_step {
            continue;
        }
        let Some(rb) = physics.world.bodies.get_mut(physics.handles[a.body]) else {
            continue;
        };
        match a.kind {
            ActionKind::Impulse(j) => rb.apply_impulse(j, true),
            ActionKind::AngularImpulse(j) => rb.apply_torque_impulse(j, true),
            ActionKind::Force(f) => rb.add_force(f, true),
            ActionKind::Torque(t) => rb.add_torque(t, true),
            ActionKind::SetVelocity { linear, angular } => {
                rb.set_linvel(linear, true);
                rb.set_angvel(angular, true);
            }
            ActionKind::Wake => rb.wake_up(true),
            ActionKind::Sleep => rb.sleep(),
        }
    }
}

/// One rapier step; remembers which contacts started.
pub(super) fn step_physics(mut physics: ResMut<Physics>, mut log: ResMut<ContactLog>) {
    let collector = StartCollector(Mutex::new(Vec::new()));
    physics
        .world
        .step_with_events(&() as &dyn PhysicsHooks, &collector);
    let pairs = collector.0.into_inner().unwrap_or_default();
    let colliders = &physics.world.colliders;
    log.started.clear();
    for (c1, c2) in pairs {
        let (Some(a), Some(b)) = (colliders.get(c1), colliders.get(c2)) else {
            continue;
        };
        let (a, b) = (a.user_data as usize, b.user_data as usize);
        log.started.push((a.min(b), a.max(b)));
    }
    log.started.sort_unstable();
    log.started.dedup();
}

/// Accumulates each new contact's impulse over one frame interval, then records it.
pub(super) fn track_contacts(
    physics: Res<Physics>,
    clock: Res<Clock>,
    mut log: ResMut<ContactLog>,
) {
    let log = &mut *log;
    let step = clock.step;
    for key in std::mem::take(&mut log.started) {
        log.state.pending.entry(key).or_insert(Pending {
            step,
            steps_left: clock.substeps.max(1),
            impulse: 0.0,
            weighted_point: Vec3::ZERO,
            weighted_normal: Vec3::ZERO,
            first_point: Vec3::NAN,
            first_normal: Vec3::ZERO,
        });
    }
    let collider_of = |e: usize| physics.colliders.get(e).copied().flatten();
    let mut finished = Vec::new();
    for (&(a, b), p) in log.state.pending.iter_mut() {
        if let (Some(ca), Some(cb)) = (collider_of(a), collider_of(b))
            && let Some(pair) = physics.world.narrow_phase.contact_pair(ca, cb)
        {
            // The pair's collider1 may be either entity: orient normals from a to b.
            let flip = pair.collider1 != ca;
            let pos1 = physics
                .world
                .colliders
                .get(pair.collider1)
                .map(|c| *c.position());
            for m in pair.solver_manifolds() {
                let n = if flip { -m.data.normal } else { m.data.normal };
                for pt in &m.points {
                    let world_pt = pos1.map_or(Vec3::ZERO, |pose| pose * pt.local_p1);
                    if p.first_point.is_nan() {
                        p.first_point = world_pt;
                        p.first_normal = n;
                    }
                    let w = pt.data.impulse;
                    p.impulse += w;
                    p.weighted_point += world_pt * w;
                    p.weighted_normal += n * w;
                }
            }
        }
        p.steps_left = p.steps_left.saturating_sub(1);
        if p.steps_left == 0 {
            finished.push((a, b));
        }
    }
    for key in finished {
        log.state.finalize(key, *clock);
    }
}

impl ContactLogState {
    /// Records a pending contact with the impulse gathered so far.
    fn finalize(&mut self, key: (usize, usize), clock: Clock) {
        let Some(p) = self.pending.remove(&key) else {
            return;
        };
        let (point, normal) = if p.impulse > 0.0 {
            (
                p.weighted_point / p.impulse,
                p.weighted_normal.normalize_or(p.first_normal),
            )
        } else if p.first_point.is_nan() {
            (Vec3::ZERO, Vec3::ZERO)
        } else {
            (p.first_point, p.first_normal)
        };
        self.done.push(Collision {
            frame: (p.step / u64::from(clock.substeps.max(1))) as u32,
            step: p.step,
            time: p.step as f64 / f64::from(clock.hz.max(1)),
            a: key.0,
            b: key.1,
            point,
            normal,
            impulse: p.impulse,
        });
    }

    /// Records every contact still accumulating (at the end of a clip).
    pub(super) fn flush(&mut self, clock: Clock) {
        let keys: Vec<(usize, usize)> = self.pending.keys().copied().collect();
        let mut flushed = Vec::new();
        for key in keys {
            self.finalize(key, clock);
            if let Some(c) = self.done.pop() {
                flushed.push(c);
            }
        }
        flushed.sort_by_key(|c| (c.step, c.a, c.b));
        self.done.extend(flushed);
    }
}

/// Counts the step.
pub(super) fn advance_clock(mut clock: ResMut<Clock>) {
    clock.step += 1;
}
