//! Liquids in the raster: the reconstructed surface is drawn with its entity's id, depth
//! and normals, and its flow is the surface's motion under the particle velocities.
//! Trajectories are built by hand (no simulation), so these test the drawing alone.

use glam::Vec3;
use rapier3d::parry::query::{Ray, RayCast};
use rapier3d::parry::shape::TriMesh as ParryMesh;

use super::tests::{flow_error, interior, pixel_world, scene};
use super::*;
use crate::camera::{self, CameraFrame};
use crate::physics::{Energy, FluidFrame, FrameState, Trajectory};
use crate::scene::{Fill, Scene};

/// Every entity at its scene pose for `fluids.len()` frames at `fps`, frame `k` holding
/// the fluids `fluids[k]` (in `scene.fluids` order).
pub(crate) fn hand_trajectory(s: &Scene, fps: u32, fluids: Vec<Vec<FluidFrame>>) -> Trajectory {
    let n = s.entities.len();
    let frames = fluids
        .into_iter()
        .enumerate()
        .map(|(k, fluids)| FrameState {
            characters: Vec::new(),
            time: k as f64 / f64::from(fps),
            poses: s.entities.iter().map(|e| e.world).collect(),
            linvel: vec![Vec3::ZERO; n],
            angvel: vec![Vec3::ZERO; n],
            energy: Energy::default(),
            momentum: Vec3::ZERO,
            state_hash: String::new(),
            cloth: Vec::new(),
            fluids,
        })
        .collect();
    Trajectory {
        fps,
        physics_hz: 240,
        objects: Vec::new(),
        frames,
        collisions: Vec::new(),
        sound: Vec::new(),
    }
}

/// The particles fluid `fi` of the scene starts with, moving at `v`.
pub(crate) fn initial(s: &Scene, fi: usize, v: Vec3) -> FluidFrame {
    let f = &s.fluids[fi];
    let Fill::Particles(p) = &f.fill else {
        panic!("fluid {} is not filled", f.name)
    };
    FluidFrame {
        positions: p.clone(),
        velocities: vec![v; p.len()],
        radius: f.particle_radius,
    }
}

/// A 20 cm cube of water (1000 particles) standing on a floor.
const CUBE: &str = r#"Scene(version: 1, name: "cube", duration: 0.5, fps: 8, resolution: (48, 48),
    entities: [(name: "floor", shape: Ground)],
    fluids: [(name: "water", material: "water",
              fill: Box(center: (0, 0.1, 0), size: (0.2, 0.2, 0.2)), particle_radius: 0.01)],
    camera: (fov_deg: 40, at: (0.35, 0.45, 0.6), look_at: (0, 0.1, 0)))"#;

/// Entry distance of the ray `o + t d` into the box `[lo, hi]`, if it hits (slabs).
fn box_hit(o: Vec3, d: Vec3, lo: Vec3, hi: Vec3) -> Option<f32> {
    let (a, b) = ((lo - o) / d, (hi - o) / d);
    let (t0, t1) = (a.min(b).max_element(), a.max(b).min_element());
    (t0 <= t1 && t1 > 0.0).then_some(t0)
}

fn render(s: &Scene, traj: &Trajectory) -> (Vec<CameraFrame>, Vec<FrameBuffers>) {
    let cams = camera::track(s, traj).unwrap();
    let r = Renderer::new(s).unwrap_or_else(|e| panic!("{e}"));
    let fbs = (0..traj.frames.len())
        .map(|k| {
            r.render(s, traj, &cams, k)
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    (cams, fbs)
}

/// The liquid's id covers the cube's projection (every pixel whose ray meets the cube
/// shrunk by two particle radii, none whose ray misses it grown by two), its depth is
/// the reconstructed mesh's under each pixel center, its normals are unit and face the
/// camera, and its top face's normals point up.
#[test]
fn a_liquid_is_drawn_with_its_id_where_its_surface_is() {
    let s = scene(CUBE);
    let fluid = &s.fluids[0];
    let id = s.entities[fluid.entity].id;
    let frame = initial(&s, 0, Vec3::ZERO);
    let traj = hand_trajectory(&s, 8, vec![vec![frame.clone()]; 2]);
    let (cams, fbs) = render(&s, &traj);
    let surface = fluid_surface(&frame);
    let tris = surface
        .indices
        .chunks_exact(3)
        .map(|t| [t[0], t[1], t[2]])
        .collect();
    let mesh = ParryMesh::new(surface.positions.clone(), tris).unwrap();
    let (c, half, r) = (
        Vec3::new(0.0, 0.1, 0.0),
        Vec3::splat(0.1),
        fluid.particle_radius,
    );
    let (fb, cam) = (&fbs[0], &cams[0]);
    let (mut covered, mut worst_depth, mut up) = (0, 0.0f32, 0);
    for y in 0..fb.height {
        for x in 0..fb.width {
            let i = fb.index(x, y);
            let (dir, dpm) = cam.ray(f64::from(x) + 0.5, f64::from(y) + 0.5);
            let o = cam.pose.translation;
            let inner = box_hit(o, dir, c - half + 2.0 * r, c + half - 2.0 * r);
            let outer = box_hit(o, dir, c - half - 2.0 * r, c + half + 2.0 * r);
            let seg = fb.segmentation[i];
            if inner.is_some() {
                assert_eq!(seg, id, "pixel ({x}, {y}) sees the cube but not the liquid");
            }
            if outer.is_none() {
                assert_ne!(
                    seg, id,
                    "pixel ({x}, {y}) misses the cube but shows the liquid"
                );
            }
            if seg != id {
                continue;
            }
            covered += 1;
            let hit = mesh
                .cast_local_ray_and_get_normal(&Ray::new(o, dir), f32::MAX, false)
                .unwrap_or_else(|| panic!("pixel ({x}, {y}) shows the liquid, its ray misses"));
            worst_depth = worst_depth.max((hit.time_of_impact * dpm - fb.depth[i]).abs());
            let n = Vec3::from(fb.normal[i]);
            assert!(
                (n.length() - 1.0).abs() < 1e-2 && n.dot(dir) < 0.0,
                "normal {n}"
            );
            let p = o + dir * hit.time_of_impact;
            if p.y > 0.2 - 1e-3 && p.x.abs() < 0.08 && p.z.abs() < 0.08 {
                assert!(n.y > 0.99, "top face normal {n} at {p}");
                up += 1;
            }
        }
    }
    println!(
        "liquid cube: {covered} pixels, {up} on the top face, depth worst {worst_depth:.2e} m"
    );
    assert!(covered > 150, "only {covered} liquid pixels");
    assert!(up > 20, "only {up} top-face pixels");
    assert!(worst_depth < 1e-3, "depth off the mesh by {worst_depth} m");
    // The raster draws it opaque, in its material's color.
    let lit = fb.linear[fb.index(24, 24)];
    assert!(lit.iter().all(|v| v.is_finite() && *v > 0.0), "{lit:?}");
}

/// A liquid carried along at a uniform velocity `v`: every surface point moves `v / fps`
/// between frames, and the flow agrees with depth + K + that motion within 0.05 px, as
/// a cloth's with its vertices' (the first frame's backward and last frame's forward
/// flow are zero).
#[test]
fn liquid_flow_is_the_motion_of_its_surface() {
    let s = scene(CUBE);
    let id = s.entities[s.fluids[0].entity].id;
    let (fps, v) = (8, Vec3::new(0.4, 0.25, -0.3));
    let dt = 1.0 / fps as f32;
    let base = initial(&s, 0, v);
    let frames = (0..4)
        .map(|k| {
            let mut f = base.clone();
            for p in &mut f.positions {
                *p += v * (k as f32 * dt);
            }
            vec![f]
        })
        .collect();
    let traj = hand_trajectory(&s, fps, frames);
    let (cams, fbs) = render(&s, &traj);
    let last = fbs.len() - 1;
    let (mut checked, mut worst) = (0usize, 0.0f64);
    for (k, fb) in fbs.iter().enumerate() {
        for y in 0..fb.height {
            for x in 0..fb.width {
                if !interior(fb, x, y) || fb.segmentation[fb.index(x, y)] != id {
                    continue;
                }
                let p = pixel_world(&cams[k], fb, x, y);
                for (to, forward) in [((k + 1).min(last), true), (k.saturating_sub(1), false)] {
                    let q = p + v * ((to as f32 - k as f32) * dt);
                    let (u, v, _) = cams[to].project(q);
                    worst = worst.max(flow_error(fb, x, y, forward, (u, v)));
                    checked += 1;
                }
            }
        }
    }
    println!("liquid flow: checked {checked} pixels, worst {worst:.4} px");
    assert!(checked > 600, "only {checked} liquid pixels checked");
    assert!(
        worst < 0.05,
        "liquid flow off its surface's motion by {worst} px"
    );
    // It moved on screen.
    let moving = fbs[1]
        .flow_fwd
        .iter()
        .zip(&fbs[1].segmentation)
        .any(|(f, s)| *s == id && f[0].abs() + f[1].abs() > 1.0);
    assert!(moving, "the liquid did not move on screen");
}

/// A frame without particles draws no liquid (and renders).
#[test]
fn a_liquid_without_particles_draws_nothing() {
    let s = scene(CUBE);
    let id = s.entities[s.fluids[0].entity].id;
    let empty = FluidFrame {
        radius: 0.01,
        ..FluidFrame::default()
    };
    let traj = hand_trajectory(&s, 8, vec![vec![empty], Vec::new()]);
    let (_, fbs) = render(&s, &traj);
    for fb in &fbs {
        assert!(fb.segmentation.iter().all(|v| *v != id));
        assert!(
            fb.segmentation.iter().any(|v| *v != 0),
            "the floor is drawn"
        );
    }
}
