//! Liquids in the tracer: clear ones refract and absorb per Beer–Lambert along the
//! distance travelled inside (camera paths and shadow rays alike), opaque ones (milk)
//! hide what is behind them, and primary rays see the surface the raster draws.
//! Trajectories are built by hand (no simulation).

use glam::Vec3;
use rapier3d::parry::query::{Ray, RayCast};
use rapier3d::parry::shape::TriMesh as ParryMesh;

use super::*;
use crate::camera;
use crate::physics::FluidFrame;
use crate::progress::Silent;
use crate::raster::tests_fluid::{hand_trajectory, initial};
use crate::raster::{FluidSurface, fluid_surface};
use crate::scene::parse_str;

fn scene(text: &str) -> Scene {
    parse_str(text, "test", "scenes".as_ref()).unwrap_or_else(|e| panic!("{e}"))
}

/// Fluid 0 standing still where it was filled, for two frames.
fn still(s: &Scene) -> (Trajectory, FluidFrame) {
    let f = initial(s, 0, Vec3::ZERO);
    (hand_trajectory(s, 10, vec![vec![f.clone()]; 2]), f)
}

fn parry(s: &FluidSurface) -> ParryMesh {
    let tris = s
        .indices
        .chunks_exact(3)
        .map(|t| [t[0], t[1], t[2]])
        .collect();
    ParryMesh::new(s.positions.clone(), tris).unwrap()
}

/// The length of the line `o + t d` inside the closed surface (entry to exit).
fn chord(s: &FluidSurface, o: Vec3, d: Vec3) -> f32 {
    let m = parry(s);
    let a = m.cast_local_ray(&Ray::new(o, d), f32::MAX, false).unwrap();
    let b = m
        .cast_local_ray(&Ray::new(o + d * 1e3, -d), f32::MAX, false)
        .unwrap();
    1e3 - b - a
}

fn mean(px: &[[f32; 3]]) -> Vec3 {
    let sum = px.iter().fold(Vec3::ZERO, |s, p| s + Vec3::from(*p));
    sum / px.len() as f32
}

/// A 30 × 30 × 20 cm block of liquid (2250 particles) between the camera and a white
/// emissive wall, nothing else lit.
fn tank(material: &str, absorption: [f32; 3]) -> String {
    let [r, g, b] = absorption;
    format!(
        r#"Scene(version: 1, name: "tank", duration: 0.1, fps: 10, resolution: (24, 24),
        gravity: (0, 0, 0),
        materials: {{"wall": (color: (0, 0, 0), ior: 1.0, emission: (1, 1, 1))}},
        entities: [(name: "wall", shape: Box(size: (100, 100, 1)), material: "wall", body: Fixed,
                    at: (0, 0, -3))],
        fluids: [(name: "liquid", material: "{material}", particle_radius: 0.01,
                  fill: Box(center: (0, 0, 0), size: (0.3, 0.3, 0.2)),
                  liquid: (absorption: ({r}, {g}, {b})))],
        camera: (fov_deg: 6, at: (0, 0, 2), look_at: (0, 0, 0)),
        lights: [Ambient(intensity: 0.0)])"#
    )
}

/// A white wall seen straight through 20 cm of water absorbing σ = (8, 2, 0) per metre:
/// each channel comes through as `(1 − R)² exp(−σ L)` (R the normal-incidence Fresnel
/// reflectance of each face, L the block's thickness measured on its mesh), so red over
/// blue is `exp(−8 L)` and green over blue `exp(−2 L)`, within 3 %; blue, which nothing
/// absorbs, is `(1 − R)²` (no base-color tint). Every pixel shows the liquid.
#[test]
fn a_clear_liquid_absorbs_per_beer_lambert() {
    let sigma = [8.0f32, 2.0, 0.0];
    let s = scene(&tank("water", sigma));
    let (traj, frame) = still(&s);
    let cams = camera::track(&s, &traj).unwrap();
    let tracer = Tracer::new(
        &s,
        &traj,
        &cams,
        ReferenceOptions {
            spp: 16,
            max_bounces: 8,
            ..ReferenceOptions::default()
        },
    )
    .unwrap();
    let f = tracer.render(0, &Silent).unwrap();
    let id = s.entities[s.fluids[0].entity].id;
    assert!(
        f.segmentation.iter().all(|v| *v == id),
        "the block fills the view"
    );
    let length = chord(
        &fluid_surface(&frame),
        Vec3::new(0.0, 0.0, 2.0),
        Vec3::NEG_Z,
    );
    let m = mean(&f.color);
    let n = s.fluids[0].liquid.ior;
    let r = ((n - 1.0) / (n + 1.0)).powi(2);
    let through = (1.0 - r) * (1.0 - r);
    println!(
        "water block {length:.4} m thick: mean {m:.4} vs (1 − R)² exp(−σ L) = {:.4} {:.4} {:.4}",
        through * (-sigma[0] * length).exp(),
        through * (-sigma[1] * length).exp(),
        through
    );
    assert!((length - 0.2).abs() < 0.01, "the block is {length} m thick");
    let close = |got: f32, want: f32| (got / want - 1.0).abs() < 0.03;
    assert!(close(m.z, through), "blue {} vs {through}", m.z);
    assert!(
        close(m.x / m.z, (-sigma[0] * length).exp()),
        "red / blue {} vs {}",
        m.x / m.z,
        (-sigma[0] * length).exp()
    );
    assert!(
        close(m.y / m.z, (-sigma[1] * length).exp()),
        "green / blue {} vs {}",
        m.y / m.z,
        (-sigma[1] * length).exp()
    );
}

/// Milk does not transmit: the same block in milk hides the lit wall (nothing lights
/// its front), whatever its absorption says.
#[test]
fn milk_is_opaque() {
    let s = scene(&tank("milk", [0.0; 3]));
    let (traj, _) = still(&s);
    let cams = camera::track(&s, &traj).unwrap();
    let tracer = Tracer::new(&s, &traj, &cams, opts(8)).unwrap();
    let f = tracer.render(0, &Silent).unwrap();
    let id = s.entities[s.fluids[0].entity].id;
    assert!(f.segmentation.iter().all(|v| *v == id));
    let m = mean(&f.color);
    println!("milk block: mean {m:.4}");
    assert!(m.max_element() < 0.02, "light came through the milk: {m}");
}

fn opts(spp: u32) -> ReferenceOptions {
    ReferenceOptions {
        spp,
        ..ReferenceOptions::default()
    }
}

/// The sun straight above a floating 20 cm cube of water absorbing σ = (6, 0, 0): its
/// shadow on a white floor, seen from the side (not through the water), is lit by
/// sunlight that crossed the cube, red over blue `exp(−6 L)`; beside the shadow the floor
/// is lit whole.
#[test]
fn shadow_rays_through_a_liquid_absorb_per_beer_lambert() {
    let s = scene(
        r#"Scene(version: 1, name: "shade", duration: 0.1, fps: 10, resolution: (32, 24),
        gravity: (0, 0, 0),
        materials: {"white": (color: (0.8, 0.8, 0.8), roughness: 1.0, ior: 1.0)},
        entities: [(name: "floor", shape: Ground, material: "white")],
        fluids: [(name: "water", material: "water", particle_radius: 0.01,
                  fill: Box(center: (0, 0.5, 0), size: (0.2, 0.2, 0.2)),
                  liquid: (absorption: (6, 0, 0)))],
        camera: (fov_deg: 16, at: (0.6, 0.3, 0), look_at: (0, 0, 0)),
        lights: [Sun(direction: (0, -1, 0)), Ambient(intensity: 0.0)])"#,
    );
    let (traj, frame) = still(&s);
    let cams = camera::track(&s, &traj).unwrap();
    let tracer = Tracer::new(&s, &traj, &cams, opts(32)).unwrap();
    let f = tracer.render(0, &Silent).unwrap();
    let cam = &cams[0];
    let length = chord(
        &fluid_surface(&frame),
        Vec3::new(0.0, 2.0, 0.0),
        Vec3::NEG_Y,
    );
    let (mut shade, mut lit) = (Vec::new(), Vec::new());
    for y in 0..cam.height {
        for x in 0..cam.width {
            let (dir, _) = cam.ray(f64::from(x) + 0.5, f64::from(y) + 0.5);
            let o = cam.pose.translation;
            if dir.y >= 0.0 {
                continue;
            }
            let p = o + dir * (-o.y / dir.y);
            let i = (y * cam.width + x) as usize;
            if p.x.abs().max(p.z.abs()) < 0.07 {
                shade.push(f.color[i]);
            } else if p.x.abs().max(p.z.abs()) > 0.13 {
                lit.push(f.color[i]);
            }
        }
    }
    let (shade, lit) = (mean(&shade), mean(&lit));
    let want = (-6.0 * length).exp();
    println!(
        "shadow of water {length:.4} m tall: {shade:.4} (red/blue {:.4} vs {want:.4}), beside it {lit:.4}",
        shade.x / shade.z
    );
    assert!(shade.z > 0.8 * lit.z && shade.z < lit.z, "{shade} vs {lit}");
    assert!((shade.x / shade.z / want - 1.0).abs() < 0.05);
    assert!((lit.x / lit.z - 1.0).abs() < 0.02, "{lit}");
}

/// Primary rays see the liquid where the raster draws it: the same ids, depths within
/// 1 %, on every pixel whose raster neighbourhood is one object.
#[test]
fn liquid_is_traced_where_the_raster_draws_it() {
    let s = scene(
        r#"Scene(version: 1, name: "cube", duration: 0.2, fps: 10, resolution: (48, 40),
        entities: [(name: "floor", shape: Ground)],
        fluids: [(name: "water", material: "water",
                  fill: Box(center: (0, 0.1, 0), size: (0.2, 0.2, 0.2)), particle_radius: 0.01)],
        camera: (fov_deg: 40, at: (0.35, 0.45, 0.6), look_at: (0, 0.1, 0)))"#,
    );
    let (traj, _) = still(&s);
    let cams = camera::track(&s, &traj).unwrap();
    let raster = crate::raster::Renderer::new(&s)
        .unwrap_or_else(|e| panic!("{e}"))
        .render(&s, &traj, &cams, 1)
        .unwrap();
    let (depth, seg) = Tracer::new(&s, &traj, &cams, opts(1))
        .unwrap()
        .truth(1)
        .unwrap();
    let id = s.entities[s.fluids[0].entity].id;
    let (w, h) = s.resolution;
    let (mut liquid, mut worst) = (0, 0.0f32);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let i = raster.index(x, y);
            let here = raster.segmentation[i];
            let interior = (-1i32..=1).all(|dy| {
                (-1i32..=1).all(|dx| {
                    raster.segmentation
                        [raster.index((x as i32 + dx) as u32, (y as i32 + dy) as u32)]
                        == here
                })
            });
            if !interior {
                continue;
            }
            assert_eq!(seg[i], here, "pixel ({x}, {y})");
            if here == id {
                liquid += 1;
                worst = worst.max((depth[i] - raster.depth[i]).abs() / raster.depth[i]);
            }
        }
    }
    println!("liquid: {liquid} interior pixels agree, worst relative depth {worst:.2e}");
    assert!(liquid > 100, "only {liquid} liquid pixels");
    assert!(worst < 0.01, "depth differs by {worst}");
}
