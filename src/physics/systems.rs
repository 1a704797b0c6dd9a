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

use super::trajectory::{Collision, ContactSample};
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
    /// Each touching pair's normal impulse in the last step (sound strikes are rises).
    #[serde(default)]
    previous_impulse: BTreeMap<(usize, usize), f32>,
    /// Sound samples recorded since last taken.
    #[serde(default)]
    pub sound: Vec<ContactSample>,
}

/// Contact bookkeeping.
#[derive(Resource, Default)]
pub(super) struct ContactLog {
    pub state: ContactLogState,
    pub started: Vec<(usize, usize)>,
    /// Whether [`track_sound`] records.
    pub record_sound: bool,
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
pub(super) fn step_physics(
    mut physics: ResMut<Physics>,
    mut log: ResMut<ContactLog>,
    cloths: Res<Cloths>,
) {
    let collector = StartCollector(Mutex::new(Vec::new()));
    let surfaces: Vec<ColliderHandle> = cloths
        .sims
        .iter()
        .filter_map(|s| s.state.collider)
        .collect();
    let hooks = super::cloth::Surfaces(&surfaces);
    physics
        .world
        .step_with_events(&hooks as &dyn PhysicsHooks, &collector);
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
    let entity_of = |c: ColliderHandle| {
        physics
            .world
            .colliders
            .get(c)
            .map_or(usize::MAX, |c| c.user_data as usize)
    };
    for (&(a, b), p) in log.state.pending.iter_mut() {
        // An entity of many colliders (a character's capsules) is found through the
        // other's pairs.
        let pairs: Vec<&ContactPair> = match (collider_of(a), collider_of(b)) {
            (Some(ca), Some(cb)) if entity_of(ca) == a && entity_of(cb) == b => physics
                .world
                .narrow_phase
                .contact_pair(ca, cb)
                .into_iter()
                .collect(),
            (Some(c), _) | (_, Some(c)) => physics
                .world
                .narrow_phase
                .contact_pairs_with(c)
                .filter(|pair| {
                    let (e1, e2) = (entity_of(pair.collider1), entity_of(pair.collider2));
                    (e1.min(e2), e1.max(e2)) == (a, b)
                })
                .collect(),
            (None, None) => Vec::new(),
        };
        for pair in pairs {
            // The pair's collider1 may be either entity: orient normals from a to b.
            let flip = entity_of(pair.collider1) != a;
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

/// Continuous (sliding, rolling) samples kept per step at most: the pairs with the most
/// normal impulse × speed; strikes are always kept.
const MAX_CONTINUOUS_PER_STEP: usize = 64;
/// Below this tangential speed a touching pair is at rest to the ear, m/s.
const MIN_TRAVEL: f32 = 0.01;
/// A new contact strikes when its normal impulse reaches the lighter body's mass times
/// this approach speed, m/s.
const STRIKE_SPEED: f32 = 0.05;
/// A contact that persists strikes again (an edge slapping down) only when its impulse
/// rises by the lighter body's mass times this speed, m/s, and at least doubles: the
/// solver's step-to-step jitter in a resting or pushing contact is not a strike.
const SLAP_SPEED: f32 = 0.25;

/// Records, for the sound stage, every touching pair with an awake or moving body whose
/// normal impulse rose sharply (a strike: a new contact, or an edge slapping down inside
/// a contact that persists) or whose surfaces slide or roll. Reads the world only.
pub(super) fn track_sound(physics: Res<Physics>, clock: Res<Clock>, mut log: ResMut<ContactLog>) {
    if !log.record_sound {
        return;
    }
    let w = &physics.world;
    let mut now = BTreeMap::new();
    let mut strikes = Vec::new();
    let mut continuous = Vec::new();
    for pair in w.contact_pairs() {
        if !pair.has_any_active_contact() {
            continue;
        }
        let (Some(c1), Some(c2)) = (
            w.colliders.get(pair.collider1),
            w.colliders.get(pair.collider2),
        ) else {
            continue;
        };
        let rb1 = c1.parent().and_then(|h| w.bodies.get(h));
        let rb2 = c2.parent().and_then(|h| w.bodies.get(h));
        let moving = |rb: Option<&rapier3d::prelude::RigidBody>| {
            rb.is_some_and(|rb| {
                (rb.is_dynamic() && !rb.is_sleeping())
                    || (rb.is_kinematic()
                        && (rb.linvel() != Vec3::ZERO || rb.angvel() != Vec3::ZERO))
            })
        };
        if !moving(rb1) && !moving(rb2) {
            continue;
        }
        let mut impulse = 0.0f32;
        let mut weighted_point = Vec3::ZERO;
        let mut weighted_normal = Vec3::ZERO;
        // The smallest gap at the step's start (the narrow phase runs before the solver).
        let mut gap = f32::INFINITY;
        let pose1 = *c1.position();
        for m in pair.solver_manifolds() {
            for pt in &m.points {
                let j = pt.data.impulse;
                if j > 0.0 {
                    gap = gap.min(pt.dist);
                }
                impulse += j;
                weighted_point += (pose1 * pt.local_p1) * j;
                weighted_normal += m.data.normal * j;
            }
        }
        if impulse <= 0.0 {
            continue;
        }
        let point = weighted_point / impulse;
        let mut normal = weighted_normal.normalize_or_zero();
        let (e1, e2) = (c1.user_data as usize, c2.user_data as usize);
        let (mut ra, mut rb) = (rb1, rb2);
        if e1 > e2 {
            normal = -normal;
            std::mem::swap(&mut ra, &mut rb);
        }
        let key = (e1.min(e2), e1.max(e2));
        let surface = |rb: Option<&rapier3d::prelude::RigidBody>| {
            rb.map_or(Vec3::ZERO, |rb| rb.velocity_at_point(point))
        };
        let center =
            |rb: Option<&rapier3d::prelude::RigidBody>| rb.map_or(Vec3::ZERO, |rb| rb.linvel());
        let tangential = |v: Vec3| (v - normal * v.dot(normal)).length();
        let relative = surface(ra) - surface(rb);
        let slip = tangential(relative);
        let travel = tangential(center(ra) - surface(rb)).max(tangential(center(rb) - surface(ra)));
        let lighter = [ra, rb]
            .into_iter()
            .flatten()
            .filter(|rb| rb.is_dynamic())
            .map(|rb| rb.mass())
            .fold(f32::INFINITY, f32::min);
        let previous = log.state.previous_impulse.get(&key).copied().unwrap_or(0.0);
        let rise = impulse - previous;
        let threshold = if previous > 0.0 {
            (lighter * SLAP_SPEED).max(previous)
        } else {
            lighter * STRIKE_SPEED
        };
        // The approach speed during the step, before the solver's impulse: the relative
        // normal velocity after the step plus what the impulse took off it. The surfaces
        // touch `gap / approach` into the step (positions move at that speed under
        // rapier's semi-implicit Euler).
        let inverse = |rb: Option<&rapier3d::prelude::RigidBody>| {
            rb.filter(|rb| rb.is_dynamic())
                .map_or(0.0, |rb| 1.0 / rb.mass().max(1e-9))
        };
        let approach = relative.dot(normal) + impulse * (inverse(ra) + inverse(rb));
        let frac = if approach > 0.0 && gap.is_finite() {
            (gap.max(0.0) / (approach * clock.dt)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let strike = if lighter.is_finite() && rise > threshold {
            rise
        } else {
            0.0
        };
        now.insert(key, impulse);
        let sample = ContactSample {
            step: clock.step,
            frac,
            a: key.0,
            b: key.1,
            point,
            normal,
            impulse,
            strike,
            slip,
            travel,
        };
        if strike > 0.0 {
            strikes.push(sample);
        } else if slip.max(travel) > MIN_TRAVEL {
            continuous.push(sample);
        }
    }
    log.state.previous_impulse = now;
    // Loudest first; the pair breaks ties, so the cut is the same on every run.
    continuous.sort_by(|x, y| {
        let loud = |s: &ContactSample| s.impulse * s.slip.max(s.travel);
        loud(y)
            .total_cmp(&loud(x))
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    continuous.truncate(MAX_CONTINUOUS_PER_STEP);
    strikes.extend(continuous);
    strikes.sort_by_key(|s| (s.a, s.b));
    log.state.sound.extend(strikes);
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

/// The cloths being simulated, with the wind and the seed its gusts derive from.
#[derive(Resource, Default)]
pub(super) struct Cloths {
    pub sims: Vec<super::cloth::ClothSim>,
    pub wind: Option<crate::scene::Wind>,
    pub seed: u64,
}

/// Steps every cloth after rapier's step (see [`super::cloth`]); its impulses on dynamic
/// bodies act in the next rapier step.
pub(super) fn step_cloth(
    mut physics: ResMut<Physics>,
    clock: Res<Clock>,
    mut cloths: ResMut<Cloths>,
) {
    let cloths = &mut *cloths;
    if cloths.sims.is_empty() {
        return;
    }
    let t = (clock.step + 1) as f32 / clock.hz as f32;
    super::cloth::step_cloths(
        &mut cloths.sims,
        &mut physics.world,
        clock.dt,
        t,
        cloths.wind.as_ref(),
        cloths.seed,
    );
}

/// The liquids being simulated.
#[derive(Resource)]
pub(super) struct Fluids(pub super::fluid::FluidSim);

/// Steps the liquids after rapier's step and the cloth's (see [`super::fluid`]); their
/// impulses on dynamic bodies act in the next rapier step.
pub(super) fn step_fluids(
    mut physics: ResMut<Physics>,
    clock: Res<Clock>,
    mut fluids: ResMut<Fluids>,
) {
    if fluids.0.is_empty() {
        return;
    }
    let t = (clock.step + 1) as f32 / clock.hz as f32;
    fluids.0.step(&mut physics.world, clock.dt, t);
}

/// The characters being simulated (scene order).
#[derive(Resource, Default)]
pub(super) struct Characters(pub Vec<super::character::CharacterSim>);

/// Moves every animated character's capsules to its pose at the end of this step (or
/// fells it, when its `Fall` comes).
pub(super) fn drive_characters(
    clock: Res<Clock>,
    mut physics: ResMut<Physics>,
    mut people: ResMut<Characters>,
) {
    let now = clock.step as f32 * clock.dt;
    let next = (clock.step + 1) as f32 * clock.dt;
    for c in &mut people.0 {
        c.drive(&mut physics.world, now, next, clock.dt);
    }
}

/// After the step: a character hit hard enough becomes a ragdoll.
pub(super) fn watch_characters(
    clock: Res<Clock>,
    mut physics: ResMut<Physics>,
    mut people: ResMut<Characters>,
) {
    let t = (clock.step + 1) as f32 * clock.dt;
    for c in &mut people.0 {
        c.watch(&mut physics.world, t, clock.dt);
    }
}
