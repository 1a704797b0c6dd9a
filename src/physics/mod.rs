//! Physics stage: [`Scene`] -> [`Trajectory`].
//!
//! The scene becomes a `bevy_ecs` world (one ECS entity per rigid body, carrying plain
//! components) plus a rapier3d [`PhysicsWorld`] resource. One fixed-order schedule runs
//! per physics step: drive kinematic bodies -> apply timed actions -> step rapier ->
//! record contacts -> advance the clock. Every `physics_hz / fps` steps a frame is
//! sampled. rapier is built with `enhanced-determinism` and stepped on one thread, so a
//! scene gives the same bits on every run and every machine of the same architecture;
//! [`FrameState::state_hash`] proves it.
//!
//! Invariants: frame `k` is the state after `k * substeps` steps (`t = k / fps`); poses
//! are world space; contact events are ordered by step, then by entity index pair.

mod build;
pub mod character;
pub mod cloth;
pub mod fluid;
mod hash;
mod systems;
mod trajectory;

use bevy_ecs::schedule::{IntoScheduleConfigs, Schedule};
use bevy_ecs::world::World;
use glam::Vec3;
use rapier3d::prelude::{PhysicsWorld, RigidBodyHandle};
use serde::{Deserialize, Serialize};

pub(crate) use build::to_rapier;
pub use trajectory::{
    CharacterFrame, Collision, ContactSample, Energy, FluidFrame, FrameState, ObjectInfo,
    Trajectory,
};

use crate::math::Pose;
use crate::progress::Progress;
use crate::scene::{BodyKind, Scene};
use systems::{
    BodyRef, Characters, Clock, Cloths, ContactLog, Fluids, Kinematic, Physics, ScheduledActions,
};

/// Why a simulation could not run.
#[derive(Debug, thiserror::Error)]
pub enum PhysicsError {
    /// A shape could not become a collider.
    #[error("entity \"{entity}\": {message}")]
    Shape {
        /// Entity name.
        entity: String,
        /// What is wrong.
        message: String,
    },
    /// A snapshot could not be written or read.
    #[error("snapshot: {0}")]
    Snapshot(String),
    /// A snapshot belongs to another scene.
    #[error("snapshot was taken from scene {found}, not this scene ({expected})")]
    SnapshotMismatch {
        /// This scene's hash.
        expected: String,
        /// The snapshot's scene hash.
        found: String,
    },
}

/// A running simulation: the ECS world with the rapier world inside, and the schedule
/// that steps it. Holds machinery only; the scene stays outside.
pub struct Simulation {
    world: World,
    schedule: Schedule,
    substeps: u32,
}

/// The whole simulation state at one step, restorable bit-for-bit (written as RON).
#[derive(Deserialize)]
struct Snapshot {
    scene_hash: String,
    step: u64,
    physics: PhysicsWorld,
    contacts: systems::ContactLogState,
    #[serde(default)]
    cloths: Vec<cloth::ClothState>,
    #[serde(default)]
    fluids: Vec<fluid::FluidState>,
}

#[derive(Serialize)]
struct SnapshotRef<'a> {
    scene_hash: &'a str,
    step: u64,
    physics: &'a PhysicsWorld,
    contacts: &'a systems::ContactLogState,
    cloths: Vec<&'a cloth::ClothState>,
    fluids: &'a [fluid::FluidState],
}

impl Simulation {
    /// Builds the simulation at t = 0.
    ///
    /// # Errors
    /// [`PhysicsError::Shape`] if a mesh cannot become a collider.
    pub fn new(scene: &Scene) -> Result<Self, PhysicsError> {
        let (physics, handles) = build::build_world(scene)?;
        Ok(Self::assemble(
            scene,
            physics,
            handles,
            0,
            systems::ContactLogState::default(),
            None,
            None,
        ))
    }

    fn assemble(
        scene: &Scene,
        physics: PhysicsWorld,
        handles: Vec<RigidBodyHandle>,
        step: u64,
        contacts: systems::ContactLogState,
        cloth_states: Option<Vec<cloth::ClothState>>,
        fluid_states: Option<Vec<fluid::FluidState>>,
    ) -> Self {
        let mut world = World::new();
        for (index, (body, handle)) in scene.bodies.iter().zip(&handles).enumerate() {
            let r = BodyRef {
                index,
                handle: *handle,
            };
            match &body.kind {
                BodyKind::Kinematic(path) => world.spawn((r, Kinematic(path.clone()))),
                _ => world.spawn(r),
            };
        }
        // Cloths first: their surface colliders join the world (or are found in it).
        let mut physics = physics;
        let mut states = cloth_states.map(Vec::into_iter);
        let sims: Vec<cloth::ClothSim> = scene
            .cloths
            .iter()
            .map(|c| {
                let attach = c
                    .attach
                    .and_then(|e| scene.entities[e].body)
                    .map(|b| handles[b]);
                let state = states.as_mut().and_then(Iterator::next);
                cloth::ClothSim::new(c, attach, &mut physics, state)
            })
            .collect();
        let mut colliders = vec![None; scene.entities.len()];
        for (h, c) in physics.colliders.iter() {
            if let Some(slot) = colliders.get_mut(c.user_data as usize) {
                *slot = Some(h);
            }
        }
        world.insert_resource(Fluids(fluid::FluidSim::new(scene, &physics, fluid_states)));
        // Characters last: their capsules join after every scene collider (the liquids
        // above sample only scene shapes).
        if !scene.characters.is_empty() {
            crate::character::ragdoll::tune_solver(&mut physics.integration_parameters);
        }
        let characters = scene
            .characters
            .iter()
            .map(|c| character::CharacterSim::new(scene, c, &mut physics, &handles))
            .collect();
        world.insert_resource(Characters(characters));
        world.insert_resource(Cloths {
            sims,
            wind: scene.wind,
            seed: scene.seed,
        });
        world.insert_resource(Physics {
            world: physics,
            handles,
            colliders,
        });
        world.insert_resource(Clock {
            step,
            dt: scene.dt(),
            hz: scene.physics_hz,
            substeps: scene.substeps(),
        });
        world.insert_resource(ScheduledActions(scene.actions.clone()));
        world.insert_resource(ContactLog {
            state: contacts,
            ..Default::default()
        });
        let mut schedule = Schedule::default();
        schedule.add_systems(
            (
                systems::drive_kinematic,
                systems::drive_characters,
                systems::apply_actions,
                systems::step_physics,
                systems::step_cloth,
                systems::step_fluids,
                systems::watch_characters,
                systems::track_contacts,
                systems::track_sound,
                systems::advance_clock,
            )
                .chain(),
        );
        Self {
            world,
            schedule,
            substeps: scene.substeps(),
        }
    }

    /// Steps taken so far.
    pub fn step_index(&self) -> u64 {
        self.world.resource::<Clock>().step
    }

    /// Advances one physics step.
    pub fn step(&mut self) {
        self.schedule.run(&mut self.world);
    }

    /// The rapier world (read-only).
    pub fn physics(&self) -> &PhysicsWorld {
        &self.world.resource::<Physics>().world
    }

    /// Hash of every body's and cloth vertex's state now (see
    /// [`FrameState::state_hash`]).
    pub fn state_hash(&self) -> String {
        let p = self.world.resource::<Physics>();
        let cloths = &self.world.resource::<Cloths>().sims;
        let fluids = &self.world.resource::<Fluids>().0.states;
        let people: Vec<RigidBodyHandle> = self
            .world
            .resource::<Characters>()
            .0
            .iter()
            .flat_map(character::CharacterSim::bodies)
            .collect();
        hash::state_hash(
            p.handles
                .iter()
                .chain(&people)
                .filter_map(|h| p.world.bodies.get(*h)),
            cloths.iter().map(|c| &c.state),
            fluids,
        )
    }

    /// Samples the current state as a frame.
    pub fn sample(&self, scene: &Scene) -> FrameState {
        let p = self.world.resource::<Physics>();
        let clock = self.world.resource::<Clock>();
        let n = scene.entities.len();
        let mut poses = Vec::with_capacity(n);
        let mut linvel = Vec::with_capacity(n);
        let mut angvel = Vec::with_capacity(n);
        for e in &scene.entities {
            let rb = e.body.and_then(|b| p.world.bodies.get(p.handles[b]));
            match rb {
                Some(rb) => {
                    let pos = rb.position();
                    let body_pose = Pose::new(pos.translation, pos.rotation);
                    let pose = body_pose * e.offset;
                    let w = rb.angvel();
                    poses.push(pose);
                    linvel.push(rb.linvel() + w.cross(pose.translation - rb.center_of_mass()));
                    angvel.push(w);
                }
                None => {
                    poses.push(e.world);
                    linvel.push(Vec3::ZERO);
                    angvel.push(Vec3::ZERO);
                }
            }
        }
        let mut energy = Energy::default();
        let mut momentum = Vec3::ZERO;
        for h in &p.handles {
            let Some(rb) = p.world.bodies.get(*h) else {
                continue;
            };
            if !rb.is_dynamic() {
                continue;
            }
            energy.kinetic += f64::from(rb.kinetic_energy());
            energy.potential -=
                f64::from(rb.mass()) * f64::from(scene.gravity.dot(rb.center_of_mass()));
            momentum += rb.linvel() * rb.mass();
        }
        energy.total = energy.kinetic + energy.potential;
        let cloth = self
            .world
            .resource::<Cloths>()
            .sims
            .iter()
            .map(|c| c.state.x.clone())
            .collect();
        let sim = &self.world.resource::<Fluids>().0;
        let fluids = sim
            .states
            .iter()
            .map(|s| FluidFrame {
                positions: s.x.clone(),
                velocities: s.v.clone(),
                radius: sim.radius(),
            })
            .collect();
        let t = clock.step as f32 * clock.dt;
        let characters = self
            .world
            .resource::<Characters>()
            .0
            .iter()
            .map(|c| CharacterFrame {
                joints: c.joints(&p.world, t).iter().map(Pose::from_rigid).collect(),
                fall: c.fell.clone(),
                holding: c.holding(),
            })
            .collect();
        FrameState {
            cloth,
            fluids,
            characters,
            time: clock.step as f64 / f64::from(scene.physics_hz),
            poses,
            linvel,
            angvel,
            energy,
            momentum,
            state_hash: self.state_hash(),
        }
    }

    /// Records the contacts still accumulating impulse and takes every contact left.
    fn finish_contacts(&mut self) -> Vec<Collision> {
        let clock = *self.world.resource::<Clock>();
        let mut log = self.world.resource_mut::<ContactLog>();
        log.state.flush(clock);
        std::mem::take(&mut log.state.done)
    }

    /// Records per-step contact samples for the sound stage from now on
    /// ([`Trajectory::sound`]); off by default (it costs a pass over the touching pairs).
    pub fn record_sound(&mut self, on: bool) {
        self.world.resource_mut::<ContactLog>().record_sound = on;
    }

    /// Takes the contact samples recorded so far.
    fn take_sound(&mut self) -> Vec<ContactSample> {
        std::mem::take(&mut self.world.resource_mut::<ContactLog>().state.sound)
    }

    /// Takes the contacts completed so far.
    fn take_collisions(&mut self) -> Vec<Collision> {
        std::mem::take(&mut self.world.resource_mut::<ContactLog>().state.done)
    }

    /// Captures the whole state as text; [`Simulation::restore`] continues from it
    /// bit-identically.
    ///
    /// # Errors
    /// [`PhysicsError::Snapshot`] if serialization fails.
    pub fn snapshot(&self, scene: &Scene) -> Result<String, PhysicsError> {
        refuse_characters(scene)?;
        let snap = SnapshotRef {
            scene_hash: &scene.source.hash,
            step: self.step_index(),
            physics: &self.world.resource::<Physics>().world,
            contacts: &self.world.resource::<ContactLog>().state,
            cloths: self
                .world
                .resource::<Cloths>()
                .sims
                .iter()
                .map(|c| &c.state)
                .collect(),
            fluids: &self.world.resource::<Fluids>().0.states,
        };
        ron::to_string(&snap).map_err(|e| PhysicsError::Snapshot(e.to_string()))
    }

    /// Resumes a simulation from a snapshot of the same scene.
    ///
    /// # Errors
    /// [`PhysicsError::Snapshot`] if the text is not a snapshot,
    /// [`PhysicsError::SnapshotMismatch`] if it belongs to another scene.
    pub fn restore(scene: &Scene, text: &str) -> Result<Self, PhysicsError> {
        refuse_characters(scene)?;
        let snapshot: Snapshot = ron::Options::default()
            .with_recursion_limit(4096)
            .from_str(text)
            .map_err(|e| PhysicsError::Snapshot(e.to_string()))?;
        if snapshot.scene_hash != scene.source.hash {
            return Err(PhysicsError::SnapshotMismatch {
                expected: scene.source.hash.clone(),
                found: snapshot.scene_hash,
            });
        }
        // Each body's user data is the index of the entity owning it.
        let mut handles = vec![RigidBodyHandle::invalid(); scene.bodies.len()];
        let owner_to_body: std::collections::BTreeMap<usize, usize> = scene
            .bodies
            .iter()
            .enumerate()
            .map(|(i, b)| (b.entity, i))
            .collect();
        for (h, rb) in snapshot.physics.bodies.iter() {
            if let Some(&b) = owner_to_body.get(&(rb.user_data as usize)) {
                handles[b] = h;
            }
        }
        Ok(Self::assemble(
            scene,
            snapshot.physics,
            handles,
            snapshot.step,
            snapshot.contacts,
            (!snapshot.cloths.is_empty()).then_some(snapshot.cloths),
            (!snapshot.fluids.is_empty()).then_some(snapshot.fluids),
        ))
    }

    /// Frames already passed.
    pub fn frame_index(&self) -> u64 {
        self.step_index() / u64::from(self.substeps.max(1))
    }
}

/// Snapshots do not yet hold a character's state (its push points, whether it fell).
fn refuse_characters(scene: &Scene) -> Result<(), PhysicsError> {
    match scene.characters.first() {
        Some(c) => Err(PhysicsError::Snapshot(format!(
            "scenes with characters (\"{}\") cannot be snapshotted or restored yet; simulate from the start",
            c.name
        ))),
        None => Ok(()),
    }
}

/// Simulates the whole clip.
///
/// # Errors
/// [`PhysicsError::Shape`] if a mesh cannot become a collider.
///
/// ```
/// let text = r#"Scene(version: 1, name: "drop", duration: 0.5, fps: 10, physics_hz: 100,
///     entities: [(name: "ball", shape: Sphere(radius: 0.1), at: (0.0, 1.0, 0.0))])"#;
/// let scene = cinegraph::scene::parse_str(text, "inline", ".".as_ref())?;
/// let traj = cinegraph::physics::simulate(&scene, &cinegraph::progress::Silent)?;
/// assert_eq!(traj.frames.len(), 5);
/// assert!(traj.frames[4].poses[0].translation.y < 1.0); // it fell
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn simulate(scene: &Scene, progress: &dyn Progress) -> Result<Trajectory, PhysicsError> {
    run(scene, progress, false)
}

/// [`simulate`], also recording what the sound stage needs ([`Trajectory::sound`]). The
/// bodies' motion is bit-identical to [`simulate`]'s: recording only reads the world.
///
/// # Errors
/// [`PhysicsError::Shape`] if a mesh cannot become a collider.
pub fn simulate_with_sound(
    scene: &Scene,
    progress: &dyn Progress,
) -> Result<Trajectory, PhysicsError> {
    run(scene, progress, true)
}

fn run(scene: &Scene, progress: &dyn Progress, sound: bool) -> Result<Trajectory, PhysicsError> {
    let _span = tracing::info_span!("simulate", scene = %scene.name).entered();
    let mut sim = Simulation::new(scene)?;
    sim.record_sound(sound);
    let mut samples = Vec::new();
    let mut frames = Vec::with_capacity(scene.frame_count as usize);
    let mut collisions = Vec::new();
    progress.start("simulate", u64::from(scene.frame_count));
    frames.push(sim.sample(scene));
    progress.advance(1);
    for _ in 1..scene.frame_count {
        for _ in 0..scene.substeps() {
            sim.step();
        }
        collisions.extend(sim.take_collisions());
        samples.extend(sim.take_sound());
        frames.push(sim.sample(scene));
        progress.advance(1);
    }
    collisions.extend(sim.finish_contacts());
    progress.finish();
    Ok(Trajectory {
        fps: scene.fps,
        physics_hz: scene.physics_hz,
        objects: object_infos(scene, &sim),
        frames,
        collisions,
        sound: samples,
    })
}

fn object_infos(scene: &Scene, sim: &Simulation) -> Vec<ObjectInfo> {
    let p = sim.world.resource::<Physics>();
    let cloths = &sim.world.resource::<Cloths>().sims;
    let mut own_mass = vec![0.0f32; scene.entities.len()];
    for (_, collider) in p.world.colliders.iter() {
        if let Some(m) = own_mass.get_mut(collider.user_data as usize) {
            *m = collider.mass();
        }
    }
    scene
        .entities
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let material = &scene.materials[e.material];
            if let Some((c, sim)) = scene.cloths.iter().zip(cloths).find(|(c, _)| c.entity == i) {
                return ObjectInfo {
                    name: e.name.clone(),
                    id: e.id,
                    body: "cloth",
                    shape: "cloth",
                    material: material.name.clone(),
                    mass: sim.total_mass(),
                    body_mass: sim.total_mass(),
                    friction: c.fabric.friction,
                    restitution: 0.0,
                };
            }
            if let Some(c) = scene.characters.iter().find(|c| c.entity == i) {
                let params = crate::character::RagdollParams::limp();
                let mass: f32 = crate::character::ragdoll::segment_masses(&c.skeleton, &params)
                    .iter()
                    .sum();
                return ObjectInfo {
                    name: e.name.clone(),
                    id: e.id,
                    body: "character",
                    shape: "mannequin",
                    material: material.name.clone(),
                    mass,
                    body_mass: mass,
                    friction: params.friction,
                    restitution: 0.0,
                };
            }
            if let Some(fl) = scene.fluids.iter().find(|f| f.entity == i) {
                let sim = &sim.world.resource::<Fluids>().0;
                let n: usize = scene
                    .fluids
                    .iter()
                    .position(|f| f.entity == i)
                    .and_then(|fi| sim.states.get(fi))
                    .map_or(0, |s| s.x.len());
                let mass = n as f32 * sim.particle_volume() * fl.liquid.density;
                return ObjectInfo {
                    name: e.name.clone(),
                    id: e.id,
                    body: "fluid",
                    shape: "fluid",
                    material: material.name.clone(),
                    mass,
                    body_mass: mass,
                    friction: 0.0,
                    restitution: 0.0,
                };
            }
            let body = e.body.map(|b| &scene.bodies[b]);
            let body_mass = e
                .body
                .and_then(|b| p.world.bodies.get(p.handles[b]))
                .filter(|rb| rb.is_dynamic())
                .map_or(0.0, |rb| rb.mass());
            ObjectInfo {
                name: e.name.clone(),
                id: e.id,
                body: body.map_or("none", |b| b.kind.name()),
                shape: e.shape.as_ref().map_or("none", |s| s.kind()),
                material: material.name.clone(),
                mass: if body_mass > 0.0 { own_mass[i] } else { 0.0 },
                body_mass,
                friction: material.friction,
                restitution: material.restitution,
            }
        })
        .collect()
}

#[cfg(test)]
mod character_tests;
#[cfg(test)]
mod cloth_tests;
#[cfg(test)]
mod fluid_tests;
#[cfg(test)]
mod tests;
