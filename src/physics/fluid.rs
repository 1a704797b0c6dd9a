//! Liquids: SPH particles stepped with salva3d's DFSPH solver (Bender and Koschier 2015,
//! "Divergence-Free Smoothed Particle Hydrodynamics") after each rapier step, two-way
//! coupled with the rigid bodies.
//!
//! How it is driven, and why:
//! - **Boundaries** are particles on the colliders' surfaces (Akinci et al. 2012,
//!   "Versatile Rigid-Fluid Coupling for Incompressible SPH"), sampled once per collider
//!   at the fluid's lattice spacing in the collider's frame and, each step, only where
//!   the liquid is (a 2 m table costs nothing where no water is). A ground plane is
//!   sampled on a world-aligned lattice under the liquid. salva's own per-contact
//!   sampling put several boundary points on one spot and blew a resting column up in the
//!   first step; its static sampling of whole colliders was stable but spent 90 % of the
//!   time on boundary points far from the water.
//! - **Particle volume** is the lattice cell `(2r)³` (salva's default is 0.8 of it,
//!   which made a resting column settle 20 % lower than the liquid poured in): with the
//!   cubic spline of support `4r` the kernel sum over the lattice is `1 / (2r)³`, so a
//!   filled lattice starts at rest density.
//! - **Time step**: each physics step is cut into `n` fluid substeps of at most 1/480 s
//!   and so that no particle moves more than 0.4 of a particle diameter per substep (the
//!   CFL condition); `n` is at most [`MAX_SUBSTEPS`], past which the step is taken anyway
//!   and a warning says to raise `physics_hz`. (Measured on the checks below: 1/960 s
//!   changed nothing beyond 1 %; 1/240 s left the sloshing density 1.7 % off and the dam
//!   break's front 10.1 % ahead.) A particle that leaves the world (non-finite, or
//!   [`KILL_DEPTH`] below everything) is removed and counted, never carried as a NaN.
//! - **salva's first substep**: its timestep manager starts at dt = 0 and learns the
//!   substep length only at the end of a substep, after the divergence solve has
//!   weighted the forces it puts on the walls by 1 / dt. The liquid world being built
//!   afresh every step, every step's first substep lost those forces: a resting column
//!   pressed its floor with 86 % of its weight, and a pine block sank. Each world now
//!   takes one empty substep first (no particles: no time, no solver state).
//! - **A settled start**: a lattice filled up to a wall is over the rest density there
//!   (a wall thinner than the sample inset has its samples on its mid-plane, nearer than
//!   a layer would be); corrected in the first substep, that launched a resting column
//!   upward at 0.6 m/s. The starting particles first take 24 substeps without gravity,
//!   their velocities zeroed before each, and start from where the walls left them.
//! - **Walls**: after each substep a particle found inside a collider is moved out to
//!   its surface and loses its inward velocity, so a thin glass wall does not leak.
//! - **Determinism**: salva runs single-threaded here; its neighbour grid's iteration
//!   order depends on the grid's history, so the liquid world is rebuilt from the
//!   particle state every step (a restored snapshot and a continuous run then see the same
//!   grids), and the coupling is ours, iterating colliders in entity order (salva's keeps
//!   them in a `HashMap` whose order changes per process).
//! - **Velocities**: salva's DFSPH keeps each substep's velocity change (gravity,
//!   pressure) inside the solver and adds it at the start of the next substep, having
//!   already moved the particles with it. The world being rebuilt every step, a particle's
//!   velocity at the end of a step is its last substep's displacement over the substep.
//! - **Viscosity**: Monaghan's artificial viscosity with the coefficient that gives the
//!   liquid's kinematic viscosity, `ν = α c h / (2 (d + 2))` with the smoothing length
//!   `h` half the kernel support (Monaghan 2005, "Smoothed particle hydrodynamics", Rep.
//!   Prog. Phys. 68, §5.2), plus a light XSPH velocity smoothing (Monaghan 1989) that
//!   keeps thin liquids from jittering, and the same smoothing toward the walls' velocity
//!   as wall friction ([`WALL_FRICTION`]).

use glam::Vec3;
use rapier3d::prelude::{ColliderHandle, PhysicsWorld};
use salva3d::LiquidWorld;
use salva3d::coupling::CouplingManager;
use salva3d::geometry::{HGrid, HGridEntry};
use salva3d::kernel::CubicSplineKernel;
use salva3d::math::Vector;
use salva3d::object::interaction_groups::InteractionGroups;
use salva3d::object::{Boundary, BoundaryHandle, BoundarySet, Fluid as SalvaFluid};
use salva3d::solver::{Akinci2013SurfaceTension, ArtificialViscosity, DFSPHSolver, XSPHViscosity};
use serde::{Deserialize, Serialize};

use crate::scene::{Fill, Scene, Shape};

/// Most fluid substeps per physics step.
pub const MAX_SUBSTEPS: u32 = 32;
/// A particle this far below the lowest thing in the scene has left it, m.
pub const KILL_DEPTH: f32 = 20.0;
/// Fluid substeps are at most this long, 1/s.
const MIN_SUBSTEP_HZ: f32 = 480.0;
/// Courant number: the largest fraction of a particle diameter one substep may move.
const CFL: f32 = 0.4;
/// The speed of sound the artificial viscosity is scaled by (salva's default), m/s.
const SPEED_OF_SOUND: f32 = 10.0;
/// XSPH smoothing for every liquid.
const XSPH: f32 = 0.02;
/// Wall friction: XSPH smoothing of a particle's velocity toward the velocity of the
/// walls it touches (each substep), a stand-in for the no-slip wall the particles are too
/// coarse to resolve. Without it a spill slid across a table as on ice and on off its
/// edge, and a dam break's front ran 10 % ahead of Martin and Moyce's at the end of their
/// data; 0.07 is the one value calibrated here (against that dam break, see
/// `fluid_tests.rs`); it leaves a resting column's pressure and a floating block as they
/// were.
const WALL_FRICTION: f32 = 0.07;
/// Substeps of 1/480 s that settle the starting particles against the walls.
const SETTLE_SUBSTEPS: u32 = 24;
/// How deep under a wall's surface its boundary samples lie, in lattice spacings.
///
/// salva weighs each sample by its Akinci volume `1 / Σ W` over its neighbouring samples
/// (Akinci et al. 2012): on a flat grid of spacing `s` with the cubic spline of support
/// `2s` that sum is 0.7006 / s³, so a sample stands for 1.43 s³ of liquid. A first layer
/// of liquid half a spacing off the wall then finds itself 6.4 % over the rest density
/// with the samples half a spacing under the surface (where a continued lattice would
/// have its next layer); sunk to 0.598 spacings, the grid adds exactly what the missing
/// layer would (Σ W over the grid at 1.098 s off it is 0.7006 × 0.1497, the missing
/// layer's share), and a resting liquid's first layer sits half a spacing off the wall.
const BOUNDARY_INSET: f32 = 0.598;

/// One fluid's particles, restorable bit-for-bit (part of snapshots and the state hash).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FluidState {
    /// Particle centers, m.
    pub x: Vec<Vec3>,
    /// Particle velocities, m/s.
    pub v: Vec<Vec3>,
    /// Length of the liquid column an emitter has let out so far, m.
    pub emitted: f64,
    /// Particles removed for leaving the world.
    pub lost: u64,
}

/// A collider the liquid touches, with its surface samples in its own frame.
struct Wall {
    handle: ColliderHandle,
    samples: Samples,
}

/// How a wall's boundary particles are found.
enum Samples {
    /// A plane through the collider's origin facing its +Y, sampled under the liquid each
    /// step.
    Ground,
    /// A box of these half extents, its faces sampled on grids where the liquid is, each
    /// step (a 16 m deck costs what the patch under the puddle costs).
    Cuboid(Vec3),
    /// Fixed points in the collider's frame.
    Points(Vec<Vec3>),
}

/// All the scene's liquids (one salva world: one particle radius).
pub struct FluidSim {
    /// Per scene fluid, in `Scene::fluids` order.
    pub states: Vec<FluidState>,
    specs: Vec<crate::scene::Fluid>,
    walls: Vec<Wall>,
    radius: f32,
    /// Lowest point a particle may reach, m.
    floor: f32,
    warned: bool,
    /// Fluid substeps taken by the last step.
    pub last_substeps: u32,
    /// The impulse the liquid gave each entity it touched in the last step, N·s (by
    /// entity index; fixed ones too, though only dynamic bodies move).
    pub last_impulses: std::collections::BTreeMap<usize, Vec3>,
    /// The last step's boundary samples with their impulses: entity, sample positions,
    /// impulses (N·s).
    pub last_samples: Vec<(usize, Vec<Vec3>, Vec<Vec3>)>,
}

impl FluidSim {
    /// The liquids at t = 0 (or as restored), coupled with every collider of an entity
    /// that has a shape.
    pub fn new(scene: &Scene, world: &PhysicsWorld, restored: Option<Vec<FluidState>>) -> Self {
        let radius = scene.fluids.first().map_or(0.01, |f| f.particle_radius);
        let settle = restored.is_none();
        let states = restored.unwrap_or_else(|| {
            scene
                .fluids
                .iter()
                .map(|f| match &f.fill {
                    Fill::Particles(p) => FluidState {
                        x: p.clone(),
                        v: vec![f.velocity; p.len()],
                        ..FluidState::default()
                    },
                    Fill::Emitter(_) => FluidState::default(),
                })
                .collect()
        });
        let mut walls: Vec<(usize, Wall)> = Vec::new();
        let mut floor = f32::INFINITY;
        if !scene.fluids.is_empty() {
            for (h, c) in world.colliders.iter() {
                let entity = c.user_data as usize;
                let Some(shape) = scene.entities.get(entity).and_then(|e| e.shape.as_ref()) else {
                    continue;
                };
                let aabb = c.compute_aabb();
                floor = floor.min(aabb.mins.y);
                let samples = match (shape, c.shape().as_cuboid()) {
                    (Shape::Ground, _) => Samples::Ground,
                    (_, Some(b)) => Samples::Cuboid(b.half_extents),
                    _ => Samples::Points(surface_samples(c.shape(), 2.0 * radius)),
                };
                walls.push((entity, Wall { handle: h, samples }));
            }
        }
        walls.sort_by_key(|(e, w)| (*e, w.handle.into_raw_parts()));
        for f in &scene.fluids {
            if let Fill::Particles(p) = &f.fill {
                floor = p.iter().fold(floor, |m, q| m.min(q.y));
            }
            if let Fill::Emitter(e) = &f.fill {
                floor = floor.min(e.at.y);
            }
        }
        let mut sim = Self {
            states,
            specs: scene.fluids.clone(),
            walls: walls.into_iter().map(|(_, w)| w).collect(),
            radius,
            floor: if floor.is_finite() { floor } else { 0.0 },
            warned: false,
            last_substeps: 0,
            last_impulses: Default::default(),
            last_samples: Vec::new(),
        };
        if settle {
            sim.settle(world);
        }
        sim
    }

    /// Lets the starting particles find their places against the walls before t = 0.
    ///
    /// A lattice filled up to a wall is denser there than the rest density: the walls'
    /// Akinci volumes (salva computes them from the samples' own spacing) count for more
    /// than the liquid they stand in for, and a wall thinner than the sample inset has
    /// its samples on its mid-plane, nearer still. Left as it is, the pressure solve
    /// corrects that in one substep and launches a resting column upward at 0.6 m/s.
    /// Here the liquid takes [`SETTLE_SUBSTEPS`] substeps without gravity, its velocities
    /// zeroed before each: it moves only as far as the walls push it, and starts at rest.
    fn settle(&mut self, world: &PhysicsWorld) {
        if self.states.iter().all(|s| s.x.is_empty()) {
            return;
        }
        let h = 1.0 / MIN_SUBSTEP_HZ;
        let (mut liquid, handles) = self.liquid_world(h, Vec3::ZERO);
        {
            let mut coupling = Coupling::new(self, world, &mut liquid);
            coupling.settling = true;
            for _ in 0..SETTLE_SUBSTEPS {
                liquid.step_with_coupling(h, &Vector::zeros(), &mut coupling);
            }
        }
        for (state, handle) in self.states.iter_mut().zip(handles) {
            if let Some(f) = liquid.fluids().get(handle) {
                for (x, p) in state.x.iter_mut().zip(&f.positions) {
                    *x = Vec3::new(p.x, p.y, p.z);
                }
            }
        }
    }

    /// A salva world holding every liquid's particles, that has taken one empty substep
    /// of length `h`.
    ///
    /// salva's timestep manager starts at dt = 0 and only learns the substep length at
    /// the end of a substep, after that substep's divergence solve has weighted the forces
    /// it puts on the walls by 1 / dt = 0: every first substep's divergence forces went
    /// unrecorded (a resting column of 4 substeps a step pressed the floor with 86 % of
    /// its weight). The empty substep teaches it `h`; with no particles it takes no time
    /// and keeps no solver state.
    fn liquid_world(&self, h: f32, g: Vec3) -> (LiquidWorld, Vec<salva3d::object::FluidHandle>) {
        let mut liquid = LiquidWorld::new(
            DFSPHSolver::<CubicSplineKernel, CubicSplineKernel>::new(),
            self.radius,
            2.0,
            1.0,
        );
        liquid.step(h, &Vector::new(g.x, g.y, g.z));
        let cell = (2.0 * self.radius).powi(3);
        let kernel = 4.0 * self.radius;
        let mut handles = Vec::with_capacity(self.specs.len());
        for (spec, state) in self.specs.iter().zip(&self.states) {
            let pts = state.x.iter().map(|p| Vector::new(p.x, p.y, p.z)).collect();
            let mut f = SalvaFluid::new(
                pts,
                self.radius,
                spec.liquid.density,
                InteractionGroups::default(),
            );
            f.volumes.iter_mut().for_each(|v| *v = cell);
            for (dst, v) in f.velocities.iter_mut().zip(&state.v) {
                *dst = Vector::new(v.x, v.y, v.z);
            }
            let coefficient = 20.0 * spec.liquid.viscosity / (SPEED_OF_SOUND * kernel);
            if coefficient > 1e-4 {
                f.nonpressure_forces
                    .push(Box::new(ArtificialViscosity::new(coefficient, 0.0)));
            }
            f.nonpressure_forces
                .push(Box::new(XSPHViscosity::new(XSPH, WALL_FRICTION)));
            if spec.liquid.cohesion > 0.0 {
                f.nonpressure_forces
                    .push(Box::new(Akinci2013SurfaceTension::new(
                        spec.liquid.cohesion,
                        0.0,
                    )));
            }
            handles.push(liquid.add_fluid(f));
        }
        (liquid, handles)
    }

    /// Whether there is any liquid to step.
    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// Volume one particle stands for, m³.
    pub fn particle_volume(&self) -> f32 {
        (2.0 * self.radius).powi(3)
    }

    /// The particle radius, m.
    pub fn radius(&self) -> f32 {
        self.radius
    }

    /// Advances every liquid by `dt` ending at time `t`, pushing on the dynamic bodies it
    /// touches (their impulses act in the next rapier step).
    pub fn step(&mut self, world: &mut PhysicsWorld, dt: f32, t: f32) {
        if self.specs.is_empty() {
            return;
        }
        self.emit(t);
        let total: usize = self.states.iter().map(|s| s.x.len()).sum();
        if total == 0 {
            return;
        }
        // CFL: the fastest particle (or nozzle) moves at most CFL diameters a substep.
        let mut vmax = self
            .states
            .iter()
            .flat_map(|s| &s.v)
            .fold(0.0f32, |m, v| m.max(v.length()));
        for f in &self.specs {
            if let Fill::Emitter(e) = &f.fill {
                vmax = vmax.max(e.speed(self.radius));
            }
        }
        // Gravity adds up to g·dt over the step.
        vmax += world.gravity.length() * dt;
        let needed = (vmax * dt / (CFL * 2.0 * self.radius))
            .ceil()
            .max((dt * MIN_SUBSTEP_HZ).ceil())
            .max(1.0);
        let n = if needed > MAX_SUBSTEPS as f32 {
            if !self.warned {
                tracing::warn!(
                    "liquid moving at {vmax:.2} m/s needs {needed} substeps of the {:.4} s physics step for particles of radius {} m; taking {MAX_SUBSTEPS} (raise physics_hz)",
                    dt,
                    self.radius
                );
                self.warned = true;
            }
            MAX_SUBSTEPS
        } else {
            needed as u32
        };
        self.last_substeps = n;

        let h = dt / n as f32;
        let g = world.gravity;
        let (mut liquid, handles) = self.liquid_world(h, g);
        let (pushes, starts) = {
            let mut coupling = Coupling::new(self, world, &mut liquid);
            for _ in 0..n {
                liquid.step_with_coupling(h, &Vector::new(g.x, g.y, g.z), &mut coupling);
            }
            let starts = std::mem::take(&mut coupling.starts);
            (coupling.pushes(), starts)
        };
        self.last_impulses.clear();
        self.last_samples.clear();
        for (handle, dynamic, positions, impulses) in pushes {
            let Some(c) = world.colliders.get(handle) else {
                continue;
            };
            let total: Vec3 = impulses.iter().sum();
            *self
                .last_impulses
                .entry(c.user_data as usize)
                .or_insert(Vec3::ZERO) += total;
            if dynamic
                && let Some(parent) = c.parent()
                && let Some(body) = world.bodies.get_mut(parent)
            {
                for (p, j) in positions.iter().zip(&impulses) {
                    if *j != Vec3::ZERO {
                        body.apply_impulse_at_point(*j, *p, true);
                    }
                }
            }
            self.last_samples
                .push((c.user_data as usize, positions, impulses));
        }
        let floor = self.floor - KILL_DEPTH;
        for (state_index, (state, handle)) in self.states.iter_mut().zip(handles).enumerate() {
            let Some(f) = liquid.remove_fluid(handle) else {
                continue;
            };
            state.x.clear();
            state.v.clear();
            // salva's DFSPH keeps the last substep's velocity change (gravity, pressure)
            // inside the solver and adds it at the start of the next substep; the positions
            // already moved with it. The world is rebuilt every step, so the velocity a
            // particle leaves the step with is its last substep's displacement over the
            // substep.
            let start = starts.get(state_index).map_or(&[][..], Vec::as_slice);
            for (i, p) in f.positions.iter().enumerate() {
                let p = Vec3::new(p.x, p.y, p.z);
                let v = match start.get(i) {
                    Some(s) => (p - *s) / h,
                    None => {
                        let v = f.velocities[i];
                        Vec3::new(v.x, v.y, v.z)
                    }
                };
                if p.is_finite() && v.is_finite() && p.y > floor {
                    state.x.push(p);
                    state.v.push(v);
                } else {
                    state.lost += 1;
                }
            }
        }
    }

    /// Lets every running emitter out the layers of liquid due by time `t`.
    fn emit(&mut self, t: f32) {
        let s = 2.0 * self.radius;
        for (spec, state) in self.specs.iter().zip(&mut self.states) {
            let Fill::Emitter(e) = &spec.fill else {
                continue;
            };
            let speed = f64::from(e.speed(self.radius));
            let until = f64::from(t.min(e.until));
            let due = (until - f64::from(e.from)).max(0.0) * speed;
            if state.emitted + f64::from(s) > due {
                continue;
            }
            let layer = e.layer(self.radius);
            while state.emitted + f64::from(s) <= due {
                // The layer left the nozzle when the column was this long; it has travelled
                // since.
                let travelled = (due - state.emitted - f64::from(s)) as f32;
                let center = e.at + e.direction * travelled;
                for p in &layer {
                    state.x.push(center + *p);
                    state.v.push(e.direction * e.speed(self.radius));
                }
                state.emitted += f64::from(s);
            }
        }
    }
}

/// Points on a shape's surface about `s` apart (the liquid's lattice spacing), half a
/// spacing under it, in the shape's frame, in a fixed order. Boxes and cylinders (most walls, floors, glasses) are
/// sampled on regular grids face by face, edges included; other shapes with salva's ray
/// sampler, sorted (it dedupes through a `HashSet`). The ray sampler put a thin box's
/// samples on its mid-plane, under the surface the liquid stands on, hence the grids.
fn surface_samples(shape: &dyn rapier3d::parry::shape::Shape, s: f32) -> Vec<Vec3> {
    use rapier3d::parry::shape::ShapeType;
    // Under the surface by [`BOUNDARY_INSET`]: the grid then stands in for the missing
    // layer of liquid exactly (the liquid's first layer is half a spacing outside).
    let inset = BOUNDARY_INSET * s;
    let steps = |len: f32| ((len / s).ceil() as u32).max(1);
    let mut out = Vec::new();
    match shape.shape_type() {
        ShapeType::Cuboid => {
            let Some(b) = shape.as_cuboid() else {
                return out;
            };
            out = cuboid_samples(b.half_extents, s, Vec3::MIN, Vec3::MAX);
        }
        ShapeType::Cylinder => {
            let Some(c) = shape.as_cylinder() else {
                return out;
            };
            let (r, h) = (
                (c.radius - inset).max(0.0),
                (c.half_height - inset).max(0.0),
            );
            let rings = steps(r);
            for y in [-h, h] {
                out.push(Vec3::new(0.0, y, 0.0));
                for k in 1..=rings {
                    let rr = r * k as f32 / rings as f32;
                    let m = steps(std::f32::consts::TAU * rr);
                    for a in 0..m {
                        let t = std::f32::consts::TAU * a as f32 / m as f32;
                        out.push(Vec3::new(rr * t.cos(), y, rr * t.sin()));
                    }
                }
            }
            let m = steps(std::f32::consts::TAU * r);
            let rows = steps(2.0 * h);
            for j in 1..rows {
                let y = -h + 2.0 * h * j as f32 / rows as f32;
                for a in 0..m {
                    let t = std::f32::consts::TAU * a as f32 / m as f32;
                    out.push(Vec3::new(r * t.cos(), y, r * t.sin()));
                }
            }
        }
        _ => {
            out = salva3d::sampling::shape_surface_ray_sample(shape, 0.5 * s)
                .unwrap_or_default()
                .into_iter()
                .map(|p| Vec3::new(p.x, p.y, p.z))
                .collect();
        }
    }
    // One sample per point (box edges are on two faces), in a fixed order.
    let mut seen = std::collections::BTreeMap::new();
    for p in out {
        let key = (p / (0.25 * s)).round().as_ivec3();
        seen.entry((key.x, key.y, key.z)).or_insert(p);
    }
    seen.into_values().collect()
}

/// Boundary samples of a box of half extents `half`, in its frame: each face on a grid of
/// about `s` spacing spanning it (edges included), [`BOUNDARY_INSET`] spacings under the
/// surface (on the mid-plane of a box thinner than twice that), only the points inside
/// `[lo, hi]`. Edge points shared by two faces come twice; the Akinci volumes account for
/// the local sample density.
fn cuboid_samples(half: Vec3, s: f32, lo: Vec3, hi: Vec3) -> Vec<Vec3> {
    let e = (half - Vec3::splat(BOUNDARY_INSET * s)).max(Vec3::ZERO);
    let mut out = Vec::new();
    for axis in 0..3 {
        let (u, v) = ((axis + 1) % 3, (axis + 2) % 3);
        let n = |k: usize| ((2.0 * e[k] / s).ceil() as i64).max(1);
        let (nu, nv) = (n(u), n(v));
        // Grid index range of the points inside [lo, hi] along one in-face axis.
        let range = |k: usize, m: i64| {
            if e[k] == 0.0 {
                return (0, 0);
            }
            let step = 2.0 * e[k] / m as f32;
            let a = ((lo[k] + e[k]) / step).floor().max(0.0) as i64;
            let b = ((hi[k] + e[k]) / step).ceil().min(m as f32) as i64;
            (a, b)
        };
        let (iu, iv) = (range(u, nu), range(v, nv));
        for sign in [-1.0f32, 1.0] {
            let c = sign * e[axis];
            if c < lo[axis] || c > hi[axis] || (sign > 0.0 && e[axis] == 0.0) {
                continue;
            }
            for i in iu.0..=iu.1 {
                for j in iv.0..=iv.1 {
                    let mut p = Vec3::ZERO;
                    p[axis] = c;
                    p[u] = if e[u] == 0.0 {
                        0.0
                    } else {
                        -e[u] + 2.0 * e[u] * i as f32 / nu as f32
                    };
                    p[v] = if e[v] == 0.0 {
                        0.0
                    } else {
                        -e[v] + 2.0 * e[v] * j as f32 / nv as f32
                    };
                    out.push(p);
                }
            }
        }
    }
    out
}

/// The cell of side `c` a point is in.
fn cell_of(p: Vec3, c: f32) -> (i32, i32, i32) {
    let k = (p / c).floor().as_ivec3();
    (k.x, k.y, k.z)
}

/// The box of cell `k` of side `c`.
fn cell_box(k: (i32, i32, i32), c: f32) -> (Vec3, Vec3) {
    let lo = Vec3::new(k.0 as f32, k.1 as f32, k.2 as f32) * c;
    (lo, lo + Vec3::splat(c))
}

/// Particles sampled on one wall this step.
struct Coupled {
    handle: ColliderHandle,
    boundary: BoundaryHandle,
    dynamic: bool,
    positions: Vec<Vec3>,
    /// Impulse the liquid gave this wall's samples over the step, N·s.
    impulses: Vec<Vec3>,
}

/// Our coupling with rapier: boundaries sampled once per step where the liquid is, walls
/// kept watertight every substep, impulses summed per sample and applied in order.
struct Coupling<'a> {
    walls: Vec<Coupled>,
    /// Every fluid's particle positions at the start of the latest substep's motion
    /// (after the walls pushed them out).
    starts: Vec<Vec<Vec3>>,
    world: &'a PhysicsWorld,
    radius: f32,
    /// Settling before t = 0: every particle starts each substep at rest.
    settling: bool,
}

impl<'a> Coupling<'a> {
    fn new(sim: &FluidSim, world: &'a PhysicsWorld, liquid: &mut LiquidWorld) -> Self {
        let r = sim.radius;
        let reach = 4.0 * r + 2.0 * r;
        let (mut lo, mut hi) = (Vec3::MAX, Vec3::MIN);
        for p in sim.states.iter().flat_map(|s| &s.x) {
            lo = lo.min(*p);
            hi = hi.max(*p);
        }
        let (lo, hi) = (lo - Vec3::splat(reach), hi + Vec3::splat(reach));
        // Walls are sampled only in the cells (of the kernel's reach) next to a particle:
        // a spill spread across a room is a thin film on a few of its cells, not the
        // room's floor.
        let cell = reach;
        let mut near = std::collections::BTreeSet::new();
        for p in sim.states.iter().flat_map(|s| &s.x) {
            let (i, j, k) = cell_of(*p, cell);
            for d in 0..27 {
                near.insert((i + d % 3 - 1, j + d / 3 % 3 - 1, k + d / 9 - 1));
            }
        }
        let mut walls = Vec::new();
        for w in &sim.walls {
            let Some(c) = world.colliders.get(w.handle) else {
                continue;
            };
            let body = c.parent().and_then(|p| world.bodies.get(p));
            let pose = c.position();
            let mut positions = Vec::new();
            let ab = c.compute_aabb();
            let apart = ab.mins.x > hi.x
                || ab.mins.y > hi.y
                || ab.mins.z > hi.z
                || ab.maxs.x < lo.x
                || ab.maxs.y < lo.y
                || ab.maxs.z < lo.z;
            if apart && !matches!(w.samples, Samples::Ground) {
                continue;
            }
            // The cells near the liquid this wall's box reaches.
            let boxes: Vec<(Vec3, Vec3)> = near
                .iter()
                .map(|k| cell_box(*k, cell))
                .filter(|(a, b)| {
                    matches!(w.samples, Samples::Ground)
                        || (a.cmple(ab.maxs).all() && b.cmpge(ab.mins).all())
                })
                .collect();
            match &w.samples {
                Samples::Points(samples) => {
                    for p in samples {
                        let q = pose * *p;
                        if near.contains(&cell_of(q, cell)) {
                            positions.push(q);
                        }
                    }
                }
                Samples::Cuboid(half) => {
                    // Each cell's box in the collider's frame; a face grid point found from
                    // two cells is the same point, kept once.
                    let inv = pose.inverse();
                    let mut found = std::collections::BTreeMap::new();
                    for (blo, bhi) in &boxes {
                        let (mut llo, mut lhi) = (Vec3::MAX, Vec3::MIN);
                        for i in 0..8 {
                            let q = inv
                                * Vec3::new(
                                    if i & 1 == 0 { blo.x } else { bhi.x },
                                    if i & 2 == 0 { blo.y } else { bhi.y },
                                    if i & 4 == 0 { blo.z } else { bhi.z },
                                );
                            llo = llo.min(q);
                            lhi = lhi.max(q);
                        }
                        for p in cuboid_samples(*half, 2.0 * r, llo, lhi) {
                            let key = (p / (0.25 * r)).round().as_ivec3();
                            found.entry((key.x, key.y, key.z)).or_insert(p);
                        }
                    }
                    positions.extend(found.into_values().map(|p| pose * p));
                }
                Samples::Ground => {
                    // A plane through the pose's origin facing its +Y: a lattice of
                    // spacing 2r in its own axes, under each cell near it.
                    let n = pose.rotation * Vec3::Y;
                    let (u, v) = (pose.rotation * Vec3::X, pose.rotation * Vec3::Z);
                    let o = pose.translation - n * (BOUNDARY_INSET * 2.0 * r);
                    let s = 2.0 * r;
                    let mut found = std::collections::BTreeSet::new();
                    for (blo, bhi) in &boxes {
                        let (mut a0, mut a1, mut b0, mut b1) =
                            (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
                        let mut close = false;
                        for i in 0..8 {
                            let q = Vec3::new(
                                if i & 1 == 0 { blo.x } else { bhi.x },
                                if i & 2 == 0 { blo.y } else { bhi.y },
                                if i & 4 == 0 { blo.z } else { bhi.z },
                            );
                            let d = q - o;
                            close |= d.dot(n) < reach;
                            a0 = a0.min(d.dot(u));
                            a1 = a1.max(d.dot(u));
                            b0 = b0.min(d.dot(v));
                            b1 = b1.max(d.dot(v));
                        }
                        if !close {
                            continue;
                        }
                        for i in (a0 / s).floor() as i64..=(a1 / s).ceil() as i64 {
                            for j in (b0 / s).floor() as i64..=(b1 / s).ceil() as i64 {
                                found.insert((i, j));
                            }
                        }
                    }
                    positions.extend(
                        found
                            .into_iter()
                            .map(|(i, j)| o + u * (i as f32 * s) + v * (j as f32 * s)),
                    );
                }
            }
            if positions.is_empty() {
                continue;
            }
            let velocities: Vec<Vec3> = positions
                .iter()
                .map(|p| body.map_or(Vec3::ZERO, |b| b.velocity_at_point(*p)))
                .collect();
            let dynamic = body.is_some_and(|b| b.is_dynamic());
            let mut b = Boundary::new(
                positions
                    .iter()
                    .map(|p| Vector::new(p.x, p.y, p.z))
                    .collect(),
                InteractionGroups::default(),
            );
            for (dst, v) in b.velocities.iter_mut().zip(&velocities) {
                *dst = Vector::new(v.x, v.y, v.z);
            }
            // Forces are recorded on every wall (what the liquid puts on a fixed tank is
            // reported too); only dynamic bodies are pushed.
            b.forces = Some(std::sync::RwLock::new(vec![
                Vector::zeros();
                positions.len()
            ]));
            let boundary = liquid.add_boundary(b);
            walls.push(Coupled {
                handle: w.handle,
                boundary,
                dynamic,
                impulses: vec![Vec3::ZERO; positions.len()],
                positions,
            });
        }
        Self {
            walls,
            starts: Vec::new(),
            world,
            radius: r,
            settling: false,
        }
    }

    /// The summed impulses on every wall's samples, wall by wall in order, and whether
    /// the wall's body is dynamic.
    #[allow(clippy::type_complexity)]
    fn pushes(self) -> Vec<(ColliderHandle, bool, Vec<Vec3>, Vec<Vec3>)> {
        self.walls
            .into_iter()
            .map(|w| (w.handle, w.dynamic, w.positions, w.impulses))
            .collect()
    }
}

impl CouplingManager for Coupling<'_> {
    fn update_boundaries(
        &mut self,
        timestep: &salva3d::TimestepManager,
        _h: f32,
        _particle_radius: f32,
        _hgrid: &HGrid<HGridEntry>,
        fluids: &mut [SalvaFluid],
        boundaries: &mut BoundarySet,
    ) {
        let _ = timestep;
        // The samples stay put within a step (rapier moves the bodies between steps);
        // only the forces restart.
        for w in &self.walls {
            if let Some(b) = boundaries.get_mut(w.boundary) {
                b.clear_forces(true);
            }
        }
        if self.settling {
            for f in fluids.iter_mut() {
                f.velocities.iter_mut().for_each(|v| *v = Vector::zeros());
            }
        }
        // Watertight walls: a particle inside a solid goes back to its surface.
        let margin = 0.1 * self.radius;
        for w in &self.walls {
            let Some(c) = self.world.colliders.get(w.handle) else {
                continue;
            };
            let pose = c.position();
            let ab = c.compute_aabb();
            for f in fluids.iter_mut() {
                for (p, v) in f.positions.iter_mut().zip(f.velocities.iter_mut()) {
                    let q = Vec3::new(p.x, p.y, p.z);
                    if q.x < ab.mins.x
                        || q.y < ab.mins.y
                        || q.z < ab.mins.z
                        || q.x > ab.maxs.x
                        || q.y > ab.maxs.y
                        || q.z > ab.maxs.z
                    {
                        continue;
                    }
                    let proj = c.shape().project_point(pose, q, true);
                    if !proj.is_inside {
                        continue;
                    }
                    let out = proj.point - q;
                    let Some(n) = out.try_normalize() else {
                        continue;
                    };
                    let to = proj.point + n * margin;
                    *p = Vector::new(to.x, to.y, to.z);
                    let vn = v.x * n.x + v.y * n.y + v.z * n.z;
                    if vn < 0.0 {
                        *v -= Vector::new(n.x, n.y, n.z) * vn;
                    }
                }
            }
        }
        self.starts = fluids
            .iter()
            .map(|f| {
                f.positions
                    .iter()
                    .map(|p| Vec3::new(p.x, p.y, p.z))
                    .collect()
            })
            .collect();
    }

    fn transmit_forces(
        &mut self,
        timestep: &salva3d::TimestepManager,
        boundaries: &BoundarySet,
        force_coefficient: f32,
    ) {
        let dt = timestep.dt() * force_coefficient;
        for w in &mut self.walls {
            let Some(b) = boundaries.get(w.boundary) else {
                continue;
            };
            let Some(forces) = &b.forces else { continue };
            let Ok(forces) = forces.read() else { continue };
            for (j, f) in w.impulses.iter_mut().zip(forces.iter()) {
                *j += Vec3::new(f.x, f.y, f.z) * dt;
            }
        }
    }
}
