//! The physics stage's output: what every entity did, frame by frame.

use glam::Vec3;
use serde::{Deserialize, Serialize};

use crate::math::Pose;

/// Per-frame states of every entity, collision events and replay hashes.
#[derive(Debug, Clone)]
pub struct Trajectory {
    /// Frames per second.
    pub fps: u32,
    /// Physics steps per second.
    pub physics_hz: u32,
    /// One entry per scene entity, in scene order.
    pub objects: Vec<ObjectInfo>,
    /// Frame `k` holds the state at `t = k / fps`.
    pub frames: Vec<FrameState>,
    /// Contacts that started during the clip, in step order.
    pub collisions: Vec<Collision>,
    /// Per-step contact samples for the sound stage, in step order, then entity pair
    /// order (empty unless simulated with [`crate::physics::simulate_with_sound`]).
    pub sound: Vec<ContactSample>,
}

/// Static facts about one entity.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectInfo {
    /// Entity name.
    pub name: String,
    /// Stable instance id (segmentation id), 1-based.
    pub id: u32,
    /// `"fixed"`, `"dynamic"`, `"kinematic"`, or `"none"` for a transform node.
    pub body: &'static str,
    /// Shape kind, or `"none"`.
    pub shape: &'static str,
    /// Material name.
    pub material: String,
    /// Mass of this entity's own shape, kg (0 without a shape or on a fixed body).
    pub mass: f32,
    /// Mass of the whole rigid body it belongs to, kg.
    pub body_mass: f32,
    /// Friction coefficient.
    pub friction: f32,
    /// Restitution coefficient.
    pub restitution: f32,
}

/// Everything at one frame.
#[derive(Debug, Clone)]
pub struct FrameState {
    /// Time, s.
    pub time: f64,
    /// World pose of every entity.
    pub poses: Vec<Pose>,
    /// Linear velocity of every entity's origin, m/s.
    pub linvel: Vec<Vec3>,
    /// Angular velocity, rad/s.
    pub angvel: Vec<Vec3>,
    /// Energy of the dynamic bodies.
    pub energy: Energy,
    /// Total linear momentum of the dynamic bodies, kg·m/s.
    pub momentum: Vec3,
    /// BLAKE3 of the exact bit patterns of every body's pose and velocity, in body order,
    /// then every cloth vertex's position and velocity (first 16 bytes, hex).
    pub state_hash: String,
    /// Every cloth's vertex positions, world space, m (in `Scene::cloths` order; vertex
    /// `(i, j)` at `j * (nx + 1) + i`).
    pub cloth: Vec<Vec<Vec3>>,
    /// Every fluid's particles (in `Scene::fluids` order).
    pub fluids: Vec<FluidFrame>,
    /// Every character's skeleton (in `Scene::characters` order).
    pub characters: Vec<CharacterFrame>,
}

/// One character at a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct CharacterFrame {
    /// Every joint's world transform, in [`crate::character::Joint::ALL`] order.
    pub joints: Vec<Pose>,
    /// Whether and how it has fallen (it is a ragdoll from then on).
    pub fall: Option<super::character::Fall>,
    /// The entity its right hand holds (picked up and not yet thrown).
    pub holding: Option<usize>,
}

/// One fluid's particles at a frame, world space.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FluidFrame {
    /// Particle centers, m.
    pub positions: Vec<Vec3>,
    /// Particle velocities, m/s.
    pub velocities: Vec<Vec3>,
    /// The particle radius, m (the lattice spacing is twice it).
    pub radius: f32,
}

impl FrameState {
    /// Cloth `ci`'s vertex positions (empty for a cloth the frame does not hold).
    pub fn cloth_positions(&self, ci: usize) -> &[Vec3] {
        self.cloth.get(ci).map_or(&[], Vec::as_slice)
    }

    /// Character `ci`'s joint transforms (empty for a character the frame does not hold).
    pub fn character_joints(&self, ci: usize) -> &[Pose] {
        self.characters.get(ci).map_or(&[], |c| c.joints.as_slice())
    }

    /// Fluid `fi`'s particles (`None` for a fluid the frame does not hold).
    pub fn fluid(&self, fi: usize) -> Option<&FluidFrame> {
        self.fluids.get(fi)
    }
}

/// Mechanical energy of the dynamic bodies, J.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Energy {
    /// Translational + rotational kinetic energy.
    pub kinetic: f64,
    /// Gravitational potential energy, zero at the world origin (`-m g·x`).
    pub potential: f64,
    /// Their sum.
    pub total: f64,
}

/// A contact that started: two entities touched.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Collision {
    /// Frame during which it started (`floor(step / substeps)`).
    pub frame: u32,
    /// Physics step at which it started.
    pub step: u64,
    /// Time, s.
    pub time: f64,
    /// First entity index.
    pub a: usize,
    /// Second entity index.
    pub b: usize,
    /// Impulse-weighted contact point, world space, m.
    pub point: Vec3,
    /// Contact normal (pointing from `a` to `b`), world space.
    pub normal: Vec3,
    /// Total normal impulse over the first frame interval of the contact, N·s.
    pub impulse: f32,
}

/// One physics step of one touching pair, as the sound stage hears it: a strike (the
/// pair's normal impulse rose sharply) and/or a continuous contact that slides or rolls.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ContactSample {
    /// Physics step in which it was measured.
    pub step: u64,
    /// When in that step the surfaces touch, as a fraction of the step in `[0, 1]`: the
    /// gap at the step's start over the approach speed (0 for a contact already
    /// touching). The strike sounds at `(step + frac) / physics_hz`.
    #[serde(default)]
    pub frac: f32,
    /// First entity index (`a < b`).
    pub a: usize,
    /// Second entity index.
    pub b: usize,
    /// Impulse-weighted contact point, world space, m.
    pub point: Vec3,
    /// Contact normal, from `a` to `b`.
    pub normal: Vec3,
    /// Normal impulse of this step, N·s (its force is `impulse · physics_hz`).
    pub impulse: f32,
    /// The rise of the normal impulse over the previous step, N·s, when it is a strike
    /// (a new contact: above the lighter body's mass × 5 cm/s; a persisting one: above
    /// its mass × 25 cm/s and at least doubling); 0 otherwise. A new contact's first step
    /// rises from 0.
    pub strike: f32,
    /// Relative tangential speed of the two surfaces at the point (sliding), m/s.
    pub slip: f32,
    /// Tangential speed of either body's center of mass over the other's surface at the
    /// point (rolling or sliding travel), m/s.
    pub travel: f32,
}
