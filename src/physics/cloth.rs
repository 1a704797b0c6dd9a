//! Cloth: XPBD (Macklin, Müller & Chentanez 2016, "XPBD: Position-Based Simulation of
//! Compliant Constrained Dynamics") stepped in small substeps with one constraint sweep
//! each (Macklin et al. 2019, "Small Steps in Physics Simulation"), after rapier's step in
//! every physics step.
//!
//! Constraints, all with the compliance `α = 1 / k` of the fabric's physical stiffness:
//! - stretch: every grid edge, `k = stretch × (strip width / edge length)` (half a strip
//!   on the border);
//! - shear: both diagonals of every quad, `k = shear`;
//! - bending: the dihedral angle across every interior edge (gradients of Bridson, Marino
//!   & Fedkiw 2003), `k = 3 B |e|² / (A₁ + A₂)` from the discrete-shell energy of
//!   Grinspun et al. 2003 (`½ B κ²` per area with `κ = θ / (A_e / |e|)`, `A_e = (A₁ + A₂)/3`).
//!
//! One sweep per substep with the multipliers reset leaves a constraint with the steady
//! state compliance `α + h² Σ w|∇C|²`, softer than asked when `α` is small next to
//! `h² Σ w|∇C|²` (a ribbon of 50 segments sagged 41 % more than its elastic-string
//! estimate). The update is therefore `Δλ = −C / max(α / h², Σ w|∇C|²)`: in steady state
//! the constraint's force is exactly `C / α` wherever the substep can carry that
//! stiffness, and the stiffest a substep allows (`1 / (h² Σ w|∇C|²)`, a full projection,
//! never an overshoot) where it cannot.
//!
//! Forces: gravity, aerodynamic drag on every triangle (`½ ρ C_d A (v·n)|v·n|` normal to
//! it plus a skin friction `C_f = 0.02` along it, relative to the wind), velocity damping.
//! Collisions each substep against every rapier collider near the sheet: a ray from the
//! vertex's previous position catches it before it crosses a thin solid (no tunneling),
//! then it is pushed to `thickness` outside the surface with Coulomb friction relative to
//! the solid's own motion; the push's momentum goes back to a dynamic body as an impulse
//! at the contact point (two-way coupling). Rigid bodies rest on a sheet: its surface is a
//! triangle-mesh collider on a fixed body, rebuilt every step at the vertices' positions
//! with a contact skin of 1.5 fabric thicknesses (the weight of what rests on it is not
//! fed back to the sheet). Self-collision keeps vertices that are not grid
//! neighbours `max(2 × thickness, 0.4 × grid spacing)` apart (candidate pairs found once
//! per step within the distance the step can close). Pinned vertices follow their
//! `attach` body (interpolated across the substeps) or stay put; the attachment is
//! one-way (the cloth does not pull the body).
//!
//! Everything is plain `f32` arithmetic in fixed loop order on one thread: the same scene
//! gives the same bits.

use std::collections::BTreeMap;

use glam::Vec3;
use rapier3d::parry::query::Ray;
use rapier3d::prelude::{
    ActiveHooks, ColliderBuilder, ColliderHandle, ContactModificationContext, PhysicsHooks,
    PhysicsWorld, RigidBodyBuilder, RigidBodyHandle, SharedShape,
};
use serde::{Deserialize, Serialize};

use crate::scene::{Cloth, Fabric, Wind};

/// Air density, kg/m³.
const AIR_DENSITY: f32 = 1.2;
/// Skin-friction coefficient of air along the sheet.
const SKIN_FRICTION: f32 = 0.02;
/// Substeps per second, at least: each physics step is split into `ceil(SUBSTEP_HZ / hz)`.
pub const SUBSTEP_HZ: f32 = 4000.0;
/// The contact skin of a sheet's surface collider, in thicknesses: what rests on a sheet
/// stays beyond the reach of the cloth's own collision (one thickness, less the rigid
/// solver's allowed penetration), so the sheet under a plate is not pinched between the
/// plate and the table.
const SURFACE_SKIN: f32 = 1.5;
/// Most substeps in one physics step.
const MAX_SUBSTEPS: u32 = 64;

#[derive(Debug, Clone, Copy)]
struct Dist {
    a: u32,
    b: u32,
    rest: f32,
    compliance: f32,
}

/// A dihedral hinge: `v[0]`, `v[1]` opposite the shared edge `v[2]`–`v[3]`.
#[derive(Debug, Clone, Copy)]
struct Hinge {
    v: [u32; 4],
    compliance: f32,
}

/// The part of a sheet's state that changes: restorable bit for bit (snapshots).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClothState {
    /// Vertex positions, world space, m.
    pub x: Vec<Vec3>,
    /// Vertex velocities, m/s.
    pub v: Vec<Vec3>,
    /// Where the pins were held at the end of the last step.
    pub pins: Vec<Vec3>,
    /// The sheet's surface in the rigid world (see [`ClothSim::sync_collider`]).
    #[serde(default)]
    pub collider: Option<ColliderHandle>,
}

/// One sheet being simulated: its constraints (built once) and its state.
#[derive(Debug, Clone)]
pub(crate) struct ClothSim {
    pub state: ClothState,
    inv_mass: Vec<f32>,
    mass: Vec<f32>,
    pins: Vec<u32>,
    /// Each pin's position in its attach body's frame (or in the world).
    pin_local: Vec<Vec3>,
    attach: Option<RigidBodyHandle>,
    stretch: Vec<Dist>,
    shear: Vec<Dist>,
    bend: Vec<Hinge>,
    triangles: Vec<[u32; 3]>,
    /// Grid width (vertices per row), for the self-collision neighbour test.
    width: u32,
    fabric: Fabric,
    self_collision: bool,
    min_gap: f32,
    prev: Vec<Vec3>,
    force: Vec<Vec3>,
    /// Self-collision candidates for the current step.
    pairs: Vec<(u32, u32)>,
}

/// The rapier hook that makes a sheet's surface carry what rests on it and nothing else:
/// a contact between a sheet's surface collider and a body is kept only when the body
/// is above the sheet there (the normal from sheet to body at least 45° up); every other
/// touch (a sheet falling onto a box, the wind pressing it against a wall) is the cloth
/// solver's own collision, which moves the vertices and pushes the body.
pub(crate) struct Surfaces<'a>(pub &'a [ColliderHandle]);

impl PhysicsHooks for Surfaces<'_> {
    fn modify_solver_contacts(&self, context: &mut ContactModificationContext) {
        let first = self.0.contains(&context.collider1);
        let second = self.0.contains(&context.collider2);
        if first == second {
            return;
        }
        let Some(m) = context.rigid_mut() else {
            return;
        };
        // The normal points from collider 1 to collider 2.
        let up = if first { m.normal.y } else { -m.normal.y };
        if up < std::f32::consts::FRAC_1_SQRT_2 {
            m.solver_contacts.clear();
        }
    }
}

/// An obstacle near a sheet this step.
struct Obstacle {
    collider: ColliderHandle,
    /// The vertices within reach of it this step (closer than a step can close).
    vertices: Vec<u32>,
    body: Option<RigidBodyHandle>,
    dynamic: bool,
    friction: f32,
}

impl ClothSim {
    /// Builds the constraints of `cloth` and its surface collider in `world`; `attach` is
    /// its attach body's rapier handle. `state` continues a restored simulation (its
    /// collider is already in `world`).
    pub fn new(
        cloth: &Cloth,
        attach: Option<RigidBodyHandle>,
        world: &mut PhysicsWorld,
        state: Option<ClothState>,
    ) -> Self {
        let x = cloth.initial_positions();
        let n = x.len();
        let triangles = cloth.triangles();
        let fabric = cloth.fabric;
        // Lumped masses: a third of every triangle's mass to each corner.
        let mut mass = vec![0.0f32; n];
        for t in &triangles {
            let [a, b, c] = t.map(|i| x[i as usize]);
            let m = fabric.areal_density * 0.5 * (b - a).cross(c - a).length() / 3.0;
            for i in t {
                mass[*i as usize] += m;
            }
        }
        let mut inv_mass: Vec<f32> = mass
            .iter()
            .map(|m| if *m > 0.0 { 1.0 / m } else { 0.0 })
            .collect();
        for p in &cloth.pins {
            inv_mass[*p as usize] = 0.0;
        }
        let (nx, ny) = cloth.resolution;
        let dx = cloth.size.x / nx as f32;
        let dy = cloth.size.y / ny as f32;
        let dist = |a: u32, b: u32, k: f32| Dist {
            a,
            b,
            rest: (x[a as usize] - x[b as usize]).length(),
            compliance: 1.0 / k.max(1e-9),
        };
        let mut stretch = Vec::new();
        let mut shear = Vec::new();
        for j in 0..=ny {
            for i in 0..=nx {
                let here = cloth.index(i, j);
                // An edge on the border stands for half a strip.
                let (row, column) = (
                    if j == 0 || j == ny { 0.5 } else { 1.0 },
                    if i == 0 || i == nx { 0.5 } else { 1.0 },
                );
                if i < nx {
                    let k = fabric.stretch * row * dy / dx;
                    stretch.push(dist(here, cloth.index(i + 1, j), k));
                }
                if j < ny {
                    let k = fabric.stretch * column * dx / dy;
                    stretch.push(dist(here, cloth.index(i, j + 1), k));
                }
                if i < nx && j < ny && fabric.shear > 0.0 {
                    shear.push(dist(here, cloth.index(i + 1, j + 1), fabric.shear));
                    shear.push(dist(
                        cloth.index(i + 1, j),
                        cloth.index(i, j + 1),
                        fabric.shear,
                    ));
                }
            }
        }
        let bend = hinges(&triangles, &x, fabric.bend);
        let pin_local: Vec<Vec3> = match attach.and_then(|h| world.bodies.get(h)) {
            Some(rb) => {
                let p = rb.position();
                cloth
                    .pins
                    .iter()
                    .map(|i| p.inverse_transform_point(x[*i as usize]))
                    .collect()
            }
            None => cloth.pins.iter().map(|i| x[*i as usize]).collect(),
        };
        let mut v = vec![Vec3::ZERO; n];
        for (vi, w) in v.iter_mut().zip(&inv_mass) {
            if *w > 0.0 {
                *vi = cloth.velocity;
            }
        }
        let pins_now = cloth.pins.iter().map(|i| x[*i as usize]).collect();
        let state = match state {
            Some(s) if s.x.len() == x.len() => s,
            _ => {
                // Rigid bodies rest on the sheet: a fixed body carries its surface, a
                // triangle mesh rebuilt every step with a contact skin of the thickness.
                let collider = ColliderBuilder::trimesh(x.clone(), triangles.clone())
                    .ok()
                    .map(|c| {
                        let body =
                            world.insert_body(RigidBodyBuilder::fixed().user_data(u128::MAX));
                        let c = c
                            .active_hooks(ActiveHooks::MODIFY_SOLVER_CONTACTS)
                            .contact_skin(SURFACE_SKIN * fabric.thickness)
                            .friction(fabric.friction)
                            .user_data(cloth.entity as u128);
                        world.insert_collider(c, Some(body))
                    });
                ClothState {
                    x,
                    v,
                    pins: pins_now,
                    collider,
                }
            }
        };
        Self {
            state,
            inv_mass,
            mass,
            pins: cloth.pins.clone(),
            pin_local,
            attach,
            stretch,
            shear,
            bend,
            triangles,
            width: nx + 1,
            fabric,
            self_collision: cloth.self_collision,
            min_gap: (2.0 * fabric.thickness).max(0.4 * dx.min(dy)),
            prev: vec![Vec3::ZERO; n],
            force: vec![Vec3::ZERO; n],
            pairs: Vec::new(),
        }
    }

    /// Moves the sheet's surface collider to the vertices' positions now.
    fn sync_collider(&self, world: &mut PhysicsWorld) {
        let Some(c) = self.state.collider.and_then(|h| world.colliders.get_mut(h)) else {
            return;
        };
        if let Ok(shape) = SharedShape::trimesh(self.state.x.clone(), self.triangles.clone()) {
            c.set_shape(shape);
        }
    }

    /// Total mass, kg.
    pub fn total_mass(&self) -> f32 {
        self.mass.iter().sum()
    }

    /// Where the pins are held now.
    fn pin_targets(&self, world: &PhysicsWorld) -> Vec<Vec3> {
        match self.attach.and_then(|h| world.bodies.get(h)) {
            Some(rb) => {
                let p = rb.position();
                self.pin_local
                    .iter()
                    .map(|l| p.transform_point(*l))
                    .collect()
            }
            None => self.pin_local.clone(),
        }
    }

    /// The axis-aligned box around the sheet, grown by `margin`.
    fn bounds(&self, margin: f32) -> (Vec3, Vec3) {
        let mut lo = Vec3::splat(f32::MAX);
        let mut hi = Vec3::splat(f32::MIN);
        for p in &self.state.x {
            lo = lo.min(*p);
            hi = hi.max(*p);
        }
        (lo - Vec3::splat(margin), hi + Vec3::splat(margin))
    }
}

/// The strain of the sheet's grid edges at positions `x`: `(mean, max)` of
/// `|length / rest − 1|` over every horizontal and vertical edge.
pub fn strain(cloth: &Cloth, x: &[Vec3]) -> (f32, f32) {
    let (nx, ny) = cloth.resolution;
    let dx = cloth.size.x / nx as f32;
    let dy = cloth.size.y / ny as f32;
    let (mut sum, mut max, mut n) = (0.0f64, 0.0f32, 0usize);
    let mut edge = |a: u32, b: u32, rest: f32| {
        if let (Some(p), Some(q)) = (x.get(a as usize), x.get(b as usize)) {
            let e = ((*p - *q).length() / rest - 1.0).abs();
            sum += f64::from(e);
            max = max.max(e);
            n += 1;
        }
    };
    for j in 0..=ny {
        for i in 0..=nx {
            if i < nx {
                edge(cloth.index(i, j), cloth.index(i + 1, j), dx);
            }
            if j < ny {
                edge(cloth.index(i, j), cloth.index(i, j + 1), dy);
            }
        }
    }
    ((sum / n.max(1) as f64) as f32, max)
}

/// Every interior edge of the triangle list as a hinge.
fn hinges(triangles: &[[u32; 3]], x: &[Vec3], bend: f32) -> Vec<Hinge> {
    if bend <= 0.0 {
        return Vec::new();
    }
    let mut edges: BTreeMap<(u32, u32), Vec<(usize, u32)>> = BTreeMap::new();
    for (t, tri) in triangles.iter().enumerate() {
        for k in 0..3 {
            let (a, b, opp) = (tri[k], tri[(k + 1) % 3], tri[(k + 2) % 3]);
            edges
                .entry((a.min(b), a.max(b)))
                .or_default()
                .push((t, opp));
        }
    }
    let area = |t: usize| {
        let [a, b, c] = triangles[t].map(|i| x[i as usize]);
        0.5 * (b - a).cross(c - a).length()
    };
    let mut out = Vec::new();
    for (&(a, b), sides) in &edges {
        let [(t1, o1), (t2, o2)] = sides.as_slice() else {
            continue;
        };
        // Orient the edge as triangle t1 runs it, so the angle's sign is consistent.
        let tri = triangles[*t1];
        let k = tri.iter().position(|v| *v == *o1).unwrap_or(0);
        let (e0, e1) = (tri[(k + 1) % 3], tri[(k + 2) % 3]);
        if (e0.min(e1), e0.max(e1)) != (a, b) {
            continue;
        }
        let len2 = (x[e1 as usize] - x[e0 as usize]).length_squared();
        let k_hinge = 3.0 * bend * len2 / (area(*t1) + area(*t2)).max(1e-12);
        out.push(Hinge {
            v: [*o1, *o2, e0, e1],
            compliance: 1.0 / k_hinge.max(1e-12),
        });
    }
    out
}

/// The signed dihedral angle of a hinge and its gradient with respect to the four
/// vertices (Bridson et al. 2003, eq. for the bending force directions `u₁..u₄`). Flat is
/// 0; `None` for a degenerate hinge.
fn dihedral(p: [Vec3; 4]) -> Option<(f32, [Vec3; 4])> {
    let [x1, x2, x3, x4] = p;
    let e = x4 - x3;
    let len = e.length();
    let n1 = (x1 - x3).cross(x1 - x4);
    let n2 = (x2 - x4).cross(x2 - x3);
    let (l1, l2) = (n1.length_squared(), n2.length_squared());
    if len < 1e-9 || l1 < 1e-18 || l2 < 1e-18 {
        return None;
    }
    let (m1, m2) = (n1 / l1, n2 / l2);
    let u1 = len * m1;
    let u2 = len * m2;
    let u3 = (x1 - x4).dot(e) / len * m1 + (x2 - x4).dot(e) / len * m2;
    let u4 = -(x1 - x3).dot(e) / len * m1 - (x2 - x3).dot(e) / len * m2;
    let (h1, h2) = (n1 / l1.sqrt(), n2 / l2.sqrt());
    let angle = h1.cross(h2).dot(e / len).atan2(h1.dot(h2));
    // The u's point along the gradient of the angle with the sign of `-angle`'s growth
    // for this orientation (checked against finite differences in the tests).
    Some((angle, [-u1, -u2, -u3, -u4]))
}

/// Steps every sheet by one physics step of `dt` ending at time `t` (s), after rapier has
/// stepped `world`; impulses on dynamic bodies are applied to `world` for its next step.
pub(crate) fn step_cloths(
    sims: &mut [ClothSim],
    world: &mut PhysicsWorld,
    dt: f32,
    t: f32,
    wind: Option<&Wind>,
    seed: u64,
) {
    if sims.is_empty() {
        return;
    }
    let gravity = world.gravity;
    let n_sub = ((SUBSTEP_HZ * dt).ceil() as u32).clamp(1, MAX_SUBSTEPS);
    let h = dt / n_sub as f32;
    let mut impulses: Vec<(RigidBodyHandle, Vec3, Vec3)> = Vec::new();
    let surfaces: Vec<ColliderHandle> = sims.iter().filter_map(|s| s.state.collider).collect();
    for sim in sims.iter_mut() {
        let targets = sim.pin_targets(world);
        // A pin dragged fast drags the sheet as fast.
        let pin_speed = targets
            .iter()
            .zip(&sim.state.pins)
            .map(|(a, b)| (*a - *b).length() / dt)
            .fold(0.0f32, f32::max);
        let speed = sim
            .state
            .v
            .iter()
            .map(|v| v.length())
            .fold(0.0f32, f32::max);
        let obstacles = nearby(sim, world, dt, &surfaces, speed.max(pin_speed));
        if sim.self_collision {
            // Candidates once a step: what can close the gap within it.
            let reach = sim.min_gap + 2.0 * (speed + 1.0) * dt;
            sim.pairs = candidate_pairs(sim, reach);
        }
        for s in 0..n_sub {
            let t_sub = t - dt + (s as f32 + 0.5) * h;
            let air = wind.map_or(Vec3::ZERO, |w| w.at(t_sub, seed));
            let alpha = (s + 1) as f32 / n_sub as f32;
            substep(
                sim,
                world,
                &obstacles,
                &targets,
                alpha,
                gravity,
                air,
                h,
                &mut impulses,
            );
        }
        sim.state.pins = targets;
        sim.sync_collider(world);
    }
    for (body, impulse, point) in impulses {
        if let Some(rb) = world.bodies.get_mut(body) {
            rb.apply_impulse_at_point(impulse, point, true);
        }
    }
}

/// The colliders whose boxes come near the sheet this step; `speed` is the fastest a
/// vertex or pin moves.
fn nearby(
    sim: &ClothSim,
    world: &PhysicsWorld,
    dt: f32,
    surfaces: &[ColliderHandle],
    speed: f32,
) -> Vec<Obstacle> {
    // What a vertex can travel in a step (with room for speeding up), plus the thickness.
    let reach = (speed + 1.0) * dt * 2.0 + sim.fabric.thickness * 2.0 + 0.01;
    let (lo, hi) = sim.bounds(reach);
    let mut out = Vec::new();
    for (handle, c) in world.colliders.iter() {
        // Sheets do not collide with sheets (their own surfaces included).
        if c.is_sensor() || surfaces.contains(&handle) {
            continue;
        }
        let aabb = c.compute_aabb();
        if aabb.mins.cmpgt(hi).any() || aabb.maxs.cmplt(lo).any() {
            continue;
        }
        let (pose, shape) = (c.position(), c.shape());
        let vertices: Vec<u32> = sim
            .state
            .x
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                sim.inv_mass[*i] > 0.0 && shape.distance_to_point(pose, **p, true) < reach
            })
            .map(|(i, _)| i as u32)
            .collect();
        if vertices.is_empty() {
            continue;
        }
        let body = c.parent();
        let dynamic = body
            .and_then(|b| world.bodies.get(b))
            .is_some_and(|rb| rb.is_dynamic());
        out.push(Obstacle {
            collider: handle,
            vertices,
            body,
            dynamic,
            friction: c.friction(),
        });
    }
    out
}

#[expect(clippy::too_many_arguments, reason = "one substep's inputs, named")]
fn substep(
    sim: &mut ClothSim,
    world: &PhysicsWorld,
    obstacles: &[Obstacle],
    targets: &[Vec3],
    alpha: f32,
    gravity: Vec3,
    air: Vec3,
    h: f32,
    impulses: &mut Vec<(RigidBodyHandle, Vec3, Vec3)>,
) {
    let fabric = sim.fabric;
    // Forces: air on every triangle, split to its corners.
    sim.force.iter_mut().for_each(|f| *f = Vec3::ZERO);
    {
        let (x, v) = (&sim.state.x, &sim.state.v);
        for t in &sim.triangles {
            let [a, b, c] = t.map(|i| i as usize);
            let cross = (x[b] - x[a]).cross(x[c] - x[a]);
            let twice_area = cross.length();
            if twice_area < 1e-12 {
                continue;
            }
            let normal = cross / twice_area;
            let rel = air - (v[a] + v[b] + v[c]) / 3.0;
            let vn = rel.dot(normal);
            let tangential = rel - normal * vn;
            let area = 0.5 * twice_area;
            let f = 0.5
                * AIR_DENSITY
                * area
                * (fabric.drag * vn * vn.abs() * normal
                    + SKIN_FRICTION * tangential.length() * tangential);
            for i in [a, b, c] {
                sim.force[i] += f / 3.0;
            }
        }
    }
    // Predict.
    let damp = 1.0 / (1.0 + fabric.damping * h);
    for i in 0..sim.state.x.len() {
        sim.prev[i] = sim.state.x[i];
        let w = sim.inv_mass[i];
        if w > 0.0 {
            let v = (sim.state.v[i] + h * (gravity + sim.force[i] * w)) * damp;
            sim.state.v[i] = v;
            sim.state.x[i] += h * v;
        }
    }
    for (k, p) in sim.pins.iter().enumerate() {
        let from = sim.state.pins.get(k).copied().unwrap_or(targets[k]);
        sim.state.x[*p as usize] = from.lerp(targets[k], alpha);
    }
    // Contacts with friction first, on the predicted motion: friction resists what
    // gravity and inertia press into a surface (a sheet lying on a table pulls with
    // μ × its weight). Then the constraints, then contacts again without friction so no
    // vertex ends inside a solid (a constraint pulling a vertex over a table's edge
    // slides it around the edge instead of hooking it there).
    collide(sim, world, obstacles, h, true, impulses);
    let inv_h2 = 1.0 / (h * h);
    for c in sim.stretch.iter().chain(&sim.shear) {
        project_distance(&mut sim.state.x, &sim.inv_mass, c, inv_h2);
    }
    for hinge in &sim.bend {
        project_hinge(&mut sim.state.x, &sim.inv_mass, hinge, inv_h2);
    }
    if sim.self_collision {
        self_collide(sim);
    }
    collide(sim, world, obstacles, h, false, impulses);
    // Velocities from positions.
    let inv_h = 1.0 / h;
    for i in 0..sim.state.x.len() {
        sim.state.v[i] = (sim.state.x[i] - sim.prev[i]) * inv_h;
    }
}

fn project_distance(x: &mut [Vec3], w: &[f32], c: &Dist, inv_h2: f32) {
    let (a, b) = (c.a as usize, c.b as usize);
    let (wa, wb) = (w[a], w[b]);
    let wsum = wa + wb;
    if wsum == 0.0 {
        return;
    }
    let d = x[a] - x[b];
    let len = d.length();
    if len < 1e-9 {
        return;
    }
    let n = d / len;
    let cval = len - c.rest;
    let dl = -cval / (c.compliance * inv_h2).max(wsum);
    x[a] += wa * dl * n;
    x[b] -= wb * dl * n;
}

fn project_hinge(x: &mut [Vec3], w: &[f32], hinge: &Hinge, inv_h2: f32) {
    let idx = hinge.v.map(|i| i as usize);
    let p = idx.map(|i| x[i]);
    let Some((angle, grad)) = dihedral(p) else {
        return;
    };
    let mut wsum = 0.0;
    for k in 0..4 {
        wsum += w[idx[k]] * grad[k].length_squared();
    }
    let denom = (hinge.compliance * inv_h2).max(wsum);
    if denom <= 0.0 {
        return;
    }
    let dl = -angle / denom;
    for k in 0..4 {
        x[idx[k]] += w[idx[k]] * dl * grad[k];
    }
}

/// The pairs of vertices, not grid neighbours, that may come within `min_gap` of each
/// other during the next step: closer than `reach` now (a sorted cell list, no hashing;
/// `i < j`, ascending).
fn candidate_pairs(sim: &ClothSim, reach: f32) -> Vec<(u32, u32)> {
    let cell = |p: Vec3| (p / reach).floor().as_ivec3();
    let key = |c: glam::IVec3| (c.x, c.y, c.z);
    let x = &sim.state.x;
    let mut cells: Vec<((i32, i32, i32), u32)> = x
        .iter()
        .enumerate()
        .map(|(i, p)| (key(cell(*p)), i as u32))
        .collect();
    cells.sort_unstable();
    let width = sim.width;
    let mut out = Vec::new();
    for (i, p) in x.iter().enumerate() {
        let ci = cell(*p);
        let (gi, gj) = (i as u32 % width, i as u32 / width);
        for dz in -1..=1 {
            for dy in -1..=1 {
                for dx in -1..=1 {
                    let c = key(ci + glam::IVec3::new(dx, dy, dz));
                    let start = cells.partition_point(|(k, _)| *k < c);
                    for &(k, j) in &cells[start..] {
                        if k != c {
                            break;
                        }
                        if j as usize <= i {
                            continue;
                        }
                        let (hi, hj) = (j % width, j / width);
                        if gi.abs_diff(hi) <= 1 && gj.abs_diff(hj) <= 1 {
                            continue;
                        }
                        if (x[j as usize] - *p).length() < reach {
                            out.push((i as u32, j));
                        }
                    }
                }
            }
        }
    }
    out.sort_unstable();
    out
}

/// Pushes apart the candidate pairs closer than `min_gap`.
fn self_collide(sim: &mut ClothSim) {
    let gap = sim.min_gap;
    let x = &mut sim.state.x;
    let w = &sim.inv_mass;
    for &(i, j) in &sim.pairs {
        let (i, j) = (i as usize, j as usize);
        let (wi, wj) = (w[i], w[j]);
        if wi + wj == 0.0 {
            continue;
        }
        let d = x[i] - x[j];
        let len = d.length();
        if len >= gap || len < 1e-9 {
            continue;
        }
        let push = (gap - len) / (wi + wj) * (d / len);
        x[i] += wi * push;
        x[j] -= wj * push;
    }
}

/// Keeps every free vertex `thickness` outside every obstacle, with Coulomb friction when
/// `friction`; records the reaction on dynamic bodies.
fn collide(
    sim: &mut ClothSim,
    world: &PhysicsWorld,
    obstacles: &[Obstacle],
    h: f32,
    friction: bool,
    impulses: &mut Vec<(RigidBodyHandle, Vec3, Vec3)>,
) {
    let thickness = sim.fabric.thickness;
    for o in obstacles {
        let Some(c) = world.colliders.get(o.collider) else {
            continue;
        };
        let pose = c.position();
        let shape = c.shape();
        let mu = 0.5 * (sim.fabric.friction + o.friction);
        let body = o.body.and_then(|b| world.bodies.get(b));
        let mut impulse = Vec3::ZERO;
        let mut moment_point = Vec3::ZERO;
        let mut weight = 0.0f32;
        for &i in &o.vertices {
            let i = i as usize;
            let before = sim.state.x[i];
            let from = sim.prev[i];
            let mut x = before;
            // Caught on the way: a vertex that started outside and crossed the surface.
            let travel = x - from;
            if travel.length_squared() > 1e-12 && !shape.contains_point(pose, from) {
                let ray = Ray::new(from, travel);
                if let Some(hit) = shape.cast_ray_and_get_normal(pose, &ray, 1.0, true) {
                    // Stopped at the surface, keeping the rest of the move along it (a
                    // sheet pulled around a table's edge slides over it).
                    let rest = travel * (1.0 - hit.time_of_impact);
                    let along = rest - hit.normal * rest.dot(hit.normal);
                    x = from + travel * hit.time_of_impact + hit.normal * thickness + along;
                }
            }
            let proj = shape.project_point(pose, x, false);
            let d = x - proj.point;
            let dist = d.length();
            let normal = if proj.is_inside {
                if dist < 1e-12 {
                    continue;
                }
                -d / dist
            } else if dist < thickness && dist > 1e-12 {
                d / dist
            } else if x == before {
                continue;
            } else {
                // Moved by the ray test and already clear.
                sim.state.x[i] = x;
                continue;
            };
            let mut target = proj.point + normal * thickness;
            // Coulomb friction against the surface's own motion over the substep.
            let depth = (target - before).length();
            let surface_v = body.map_or(Vec3::ZERO, |rb| rb.velocity_at_point(target));
            let rel = (target - from) - surface_v * h;
            let tangential = rel - normal * rel.dot(normal);
            let slip = tangential.length();
            if friction && slip > 1e-12 {
                let keep = if slip <= mu * depth {
                    1.0
                } else {
                    mu * depth / slip
                };
                target -= tangential * keep;
            }
            sim.state.x[i] = target;
            if o.dynamic {
                let j = sim.mass[i] * (target - before) / h;
                impulse -= j;
                moment_point += target * j.length();
                weight += j.length();
            }
        }
        if let (true, Some(b)) = (weight > 0.0, o.body) {
            impulses.push((b, impulse, moment_point / weight));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hinge gradient agrees with central differences of the angle.
    #[test]
    fn dihedral_gradient_matches_finite_differences() {
        let p = [
            Vec3::new(0.1, 0.9, 0.3),
            Vec3::new(0.2, -0.8, 0.5),
            Vec3::new(-0.5, 0.05, 0.0),
            Vec3::new(0.6, -0.1, 0.1),
        ];
        let (angle, grad) = dihedral(p).expect("hinge");
        assert!(angle.abs() > 0.1, "a bent hinge, got {angle}");
        let eps = 1e-3;
        for k in 0..4 {
            for axis in 0..3 {
                let mut plus = p;
                let mut minus = p;
                plus[k][axis] += eps;
                minus[k][axis] -= eps;
                let numeric = (dihedral(plus).expect("hinge").0
                    - dihedral(minus).expect("hinge").0)
                    / (2.0 * eps);
                let analytic = grad[k][axis];
                assert!(
                    (numeric - analytic).abs() < 2e-2 * (1.0 + numeric.abs()),
                    "vertex {k} axis {axis}: numeric {numeric}, analytic {analytic}"
                );
            }
        }
    }

    #[test]
    fn flat_hinge_has_zero_angle() {
        let p = [
            Vec3::new(0.0, 1.0, 0.0),
            Vec3::new(0.0, -1.0, 0.0),
            Vec3::new(-1.0, 0.0, 0.0),
            Vec3::new(1.0, 0.0, 0.0),
        ];
        let (angle, _) = dihedral(p).expect("hinge");
        assert!(angle.abs() < 1e-6, "{angle}");
    }
}
