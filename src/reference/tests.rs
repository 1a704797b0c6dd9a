//! Tests that prove the tracer right: energy conservation (furnace), the cosine law,
//! a perfect mirror, Fresnel at normal incidence, 1/spp convergence, determinism, and
//! agreement with the raster's depth and segmentation on every bundled scene.

use glam::Vec3;

use super::*;
use crate::camera;
use crate::physics::simulate;
use crate::progress::Silent;
use crate::scene::parse_str;

fn scene(text: &str) -> Scene {
    parse_str(text, "test", "scenes".as_ref()).unwrap_or_else(|e| panic!("{e}"))
}

fn trace(s: &Scene, opts: ReferenceOptions) -> ReferenceFrame {
    let traj = simulate(s, &Silent).unwrap();
    let cams = camera::track(s, &traj).unwrap();
    let t = Tracer::new(s, &traj, &cams, opts).unwrap();
    t.render(0, &Silent).unwrap()
}

fn opts(spp: u32) -> ReferenceOptions {
    ReferenceOptions {
        spp,
        ..ReferenceOptions::default()
    }
}

fn mean(px: &[[f32; 3]]) -> [f64; 3] {
    let mut m = [0.0f64; 3];
    for p in px {
        for c in 0..3 {
            m[c] += f64::from(p[c]);
        }
    }
    m.map(|v| v / px.len() as f64)
}

/// A closed room whose walls and the ball inside it all emit 0.5 and reflect half the
/// light (Lambertian, no specular: ior 1): radiance is 0.5 / (1 - 0.5) = 1 everywhere,
/// on every path length. Tests emission, the BRDF's normalization, the sampling weights,
/// multi-bounce transport and Russian roulette at once.
#[test]
fn white_furnace_renders_uniform_one() {
    let s = scene(
        r#"Scene(version: 1, name: "furnace", duration: 0.1, fps: 10, resolution: (16, 16),
        gravity: (0, 0, 0),
        materials: {"grey": (color: (0.5, 0.5, 0.5), roughness: 1.0, ior: 1.0, emission: (0.5, 0.5, 0.5))},
        entities: [
            (name: "room", shape: Sphere(radius: 10), material: "grey", body: Fixed),
            (name: "ball", shape: Sphere(radius: 1), material: "grey", body: Fixed),
            (name: "box", shape: Box(size: (1, 1, 1)), material: "grey", body: Fixed, at: (1.5, 0, 0)),
        ],
        camera: (fov_deg: 50, at: (0, 0.5, 4), look_at: (0, 0, 0)),
        lights: [Ambient(intensity: 0.0)])"#,
    );
    let f = trace(
        &s,
        ReferenceOptions {
            spp: 64,
            max_bounces: 64,
            ..ReferenceOptions::default()
        },
    );
    let m = mean(&f.color);
    let worst = f
        .color
        .iter()
        .flat_map(|p| p.iter())
        .map(|v| (v - 1.0).abs())
        .fold(0.0f32, f32::max);
    println!("furnace: mean {m:?}, worst pixel off by {worst}");
    for c in m {
        assert!((c - 1.0).abs() < 0.005, "mean {m:?}");
    }
    // Per-pixel noise at 64 spp (paths of random length) stays within this.
    assert!(worst < 0.25, "a pixel is off by {worst}");
}

/// A Lambertian floor (albedo 0.5, ior 1: no specular) under a sun of irradiance 2 at
/// elevation 90°, 45°, 20°: radiance ρ/π · E · cos θ on every floor pixel.
#[test]
fn lambertian_floor_follows_the_cosine_law() {
    for theta_deg in [0.0f32, 45.0, 70.0] {
        let t = theta_deg.to_radians();
        let text = format!(
            r#"Scene(version: 1, name: "cos", duration: 0.1, fps: 10, resolution: (12, 12),
            materials: {{"matte": (color: (0.5, 0.5, 0.5), roughness: 1.0, ior: 1.0)}},
            entities: [(name: "floor", shape: Ground, material: "matte")],
            camera: (fov_deg: 30, at: (0, 2, 2), look_at: (0, 0, 0)),
            lights: [Sun(direction: ({}, {}, 0), intensity: 2.0, angle_deg: 0.0)])"#,
            t.sin(),
            -t.cos()
        );
        let f = trace(&scene(&text), opts(4));
        let expected = 0.5 / std::f32::consts::PI * 2.0 * t.cos();
        for p in &f.color {
            for c in p {
                assert!(
                    (c - expected).abs() < 2e-3 * expected,
                    "theta {theta_deg}: {c} vs {expected}"
                );
            }
        }
        println!("cosine law at {theta_deg}°: {:?} vs {expected}", f.color[0]);
    }
}

/// A smooth metal mirror at 45° shows an emissive box that stands to its side: the
/// center pixel has exactly the box's radiance.
#[test]
fn perfect_mirror_reflects_the_box_beside_it() {
    let s = scene(
        r#"Scene(version: 1, name: "mirror", duration: 0.1, fps: 10, resolution: (17, 17),
        gravity: (0, 0, 0),
        materials: {
            "mirror": (color: (1, 1, 1), metallic: 1.0, roughness: 0.0),
            "lamp": (color: (0, 0, 0), ior: 1.0, emission: (1.0, 0.2, 0.1), emission_intensity: 2.0),
        },
        entities: [
            (name: "mirror", shape: Box(size: (2, 2, 0.1)), material: "mirror", body: Fixed,
             at: (0, 0, -3), rotate_deg: (0, 45, 0)),
            (name: "lamp", shape: Box(size: (1, 1, 1)), material: "lamp", body: Fixed, at: (3, 0, -3)),
        ],
        camera: (fov_deg: 20, at: (0, 0, 0), look_at: (0, 0, -3)),
        lights: [Ambient(intensity: 0.0)])"#,
    );
    let f = trace(&s, opts(8));
    let c = f.color[8 * 17 + 8];
    println!("mirror: center pixel {c:?}");
    for (got, want) in c.iter().zip([2.0f32, 0.4, 0.2]) {
        assert!((got - want).abs() < 1e-3, "{c:?}");
    }
    // The lamp is not in the camera's direct view: only the mirror is.
    assert!(f.segmentation.iter().all(|&id| id == 1));
}

/// A clear slab (ior n) in front of an emissive wall behind the camera: the camera sees
/// the wall reflected with the slab's reflectance 2R / (1 + R), R = ((n − 1)/(n + 1))²
/// at normal incidence (both faces, every internal bounce), nothing else.
#[test]
fn glass_reflects_with_fresnel_reflectance_at_normal_incidence() {
    for ior in [1.5f32, 1.33] {
        let text = format!(
            r#"Scene(version: 1, name: "glass", duration: 0.1, fps: 10, resolution: (24, 24),
            gravity: (0, 0, 0),
            materials: {{
                "glass": (color: (1, 1, 1), roughness: 0.0, transmission: 1.0, ior: {ior}),
                "wall": (color: (0, 0, 0), ior: 1.0, emission: (1, 1, 1)),
            }},
            entities: [
                (name: "slab", shape: Box(size: (20, 20, 1)), material: "glass", body: Fixed),
                (name: "wall", shape: Box(size: (100, 100, 1)), material: "wall", body: Fixed, at: (0, 0, 10)),
            ],
            camera: (fov_deg: 15, at: (0, 0, 5), look_at: (0, 0, 0)),
            lights: [Ambient(intensity: 0.0)])"#
        );
        let f = trace(
            &scene(&text),
            ReferenceOptions {
                spp: 128,
                max_bounces: 16,
                ..ReferenceOptions::default()
            },
        );
        let r = ((ior - 1.0) / (ior + 1.0)).powi(2);
        let expected = f64::from(2.0 * r / (1.0 + r));
        let m = mean(&f.color);
        println!("glass ior {ior}: reflectance {m:?} vs 2R/(1+R) = {expected:.5} (R = {r:.5})");
        assert!(
            (m[0] - expected).abs() < 0.05 * expected,
            "{m:?} vs {expected}"
        );
    }
}

/// The mean squared error against a 1024-spp image falls as 1/spp.
#[test]
fn variance_falls_as_one_over_spp() {
    let s = scene(
        r##"Scene(version: 1, name: "var", duration: 0.1, fps: 10, resolution: (16, 16),
        materials: {"red": (color: "#c03020", roughness: 0.6), "floor": (color: (0.6, 0.6, 0.6))},
        entities: [
            (name: "floor", shape: Ground, material: "floor"),
            (name: "ball", shape: Sphere(radius: 0.5), material: "red", body: Fixed, at: (0, 0.5, 0)),
        ],
        camera: (fov_deg: 40, at: (0, 1.2, 2.5), look_at: (0, 0.4, 0)),
        lights: [Sun(direction: (-0.4, -1, -0.3), angle_deg: 5.0), Ambient(intensity: 0.5)])"##,
    );
    let traj = simulate(&s, &Silent).unwrap();
    let cams = camera::track(&s, &traj).unwrap();
    let t = Tracer::new(&s, &traj, &cams, opts(1)).unwrap();
    let (w, h) = (cams[0].width, cams[0].height);
    let mut reference = Accumulator::new(w, h);
    t.refine(0, &mut reference, 1024, &Silent).unwrap();
    let truth = reference.mean();
    let mse = |spp: u32| {
        let mut a = Accumulator::new(w, h);
        t.refine(0, &mut a, spp, &Silent).unwrap();
        let m = a.mean();
        m.iter()
            .zip(&truth)
            .flat_map(|(p, q)| (0..3).map(move |c| f64::from(p[c] - q[c]).powi(2)))
            .sum::<f64>()
            / m.len() as f64
    };
    let (e4, e16, e64) = (mse(4), mse(16), mse(64));
    println!(
        "MSE: 4 spp {e4:.3e}, 16 spp {e16:.3e}, 64 spp {e64:.3e}; ratios {:.2}, {:.2}",
        e4 / e16,
        e16 / e64
    );
    // Expected 4 (each way), plus the small shared-sample correlation with the reference.
    assert!(
        (2.5..6.5).contains(&(e4 / e16)),
        "4 -> 16 spp: {}",
        e4 / e16
    );
    assert!(
        (2.5..6.5).contains(&(e16 / e64)),
        "16 -> 64 spp: {}",
        e16 / e64
    );
}

/// One thread or two, all samples at once or in two passes: the same bits.
#[test]
fn image_does_not_depend_on_threads_or_passes() {
    let s = scene(
        r##"Scene(version: 1, name: "det", duration: 0.1, fps: 10, resolution: (40, 24),
        materials: {"wood": (color: "#9c6b3c", pattern: Wood), "glass": (transmission: 1.0, roughness: 0.0)},
        entities: [
            (name: "floor", shape: Ground, material: "wood"),
            (name: "ball", shape: Sphere(radius: 0.5), material: "glass", body: Fixed, at: (0, 0.5, 0)),
        ],
        camera: (fov_deg: 40, at: (0, 1.2, 2.5), look_at: (0, 0.4, 0)),
        lights: [Rect(at: (1, 2, 1), look_at: (0, 0, 0), size: (1, 0.5)), Ambient(intensity: 0.2)])"##,
    );
    let traj = simulate(&s, &Silent).unwrap();
    let cams = camera::track(&s, &traj).unwrap();
    let one = Tracer::new(
        &s,
        &traj,
        &cams,
        ReferenceOptions {
            spp: 6,
            threads: 1,
            ..opts(6)
        },
    )
    .unwrap();
    let two = Tracer::new(
        &s,
        &traj,
        &cams,
        ReferenceOptions {
            spp: 6,
            threads: 2,
            ..opts(6)
        },
    )
    .unwrap();
    let a = one.render(0, &Silent).unwrap().color;
    let mut acc = Accumulator::new(40, 24);
    two.refine(0, &mut acc, 2, &Silent).unwrap();
    two.refine(0, &mut acc, 4, &Silent).unwrap();
    assert_eq!(acc.samples, 6);
    assert!(a == acc.mean(), "threads or passes changed the image");
    assert!(a.iter().any(|p| p[0] > 0.0));
}

/// Procedural detail lives in object space: the same local point of a moved, turned
/// object has the same color, and two entities with one material differ by their seed.
#[test]
fn patterns_move_with_the_object_and_differ_per_entity() {
    let s = scene(
        r#"Scene(version: 1, name: "pat", duration: 0.1, fps: 10, resolution: (8, 8),
        materials: {"marble": (color: (0.8, 0.8, 0.8), pattern: Marble)},
        entities: [
            (name: "a", shape: Box(size: (1, 1, 1)), material: "marble", body: Fixed),
            (name: "b", shape: Box(size: (1, 1, 1)), material: "marble", body: Fixed, at: (3, 0, 0)),
        ])"#,
    );
    let objects = world::objects(&s).unwrap();
    let m = &s.materials[objects[0].material];
    let mut differs = 0;
    for i in 0..64 {
        let local = Vec3::new(i as f32 * 0.013, 0.5, (i % 7) as f32 * 0.07);
        let a = material::surface(m, local, objects[0].pattern_offset).base;
        let b = material::surface(m, local, objects[1].pattern_offset).base;
        if (a - b).abs().max_element() > 1e-3 {
            differs += 1;
        }
        // Object space: the point's world position plays no part.
        assert_eq!(
            a,
            material::surface(m, local, objects[0].pattern_offset).base
        );
    }
    assert!(
        differs > 32,
        "only {differs} of 64 points differ between the entities"
    );
    let plain = Vec3::from(m.color);
    let varied = (0..64)
        .map(|i| material::surface(m, Vec3::splat(i as f32 * 0.05), objects[0].pattern_offset).base)
        .filter(|c| (*c - plain).abs().max_element() > 0.02)
        .count();
    assert!(varied > 16, "the marble has no veins: {varied}");
}

#[test]
fn bad_options_are_errors_not_panics() {
    let s = scene(r#"Scene(version: 1, name: "o", duration: 0.1, fps: 10, entities: [])"#);
    let traj = simulate(&s, &Silent).unwrap();
    let cams = camera::track(&s, &traj).unwrap();
    for (o, needle) in [
        (opts(0), "spp"),
        (
            ReferenceOptions {
                shutter_deg: 400.0,
                ..opts(1)
            },
            "shutter",
        ),
        (
            ReferenceOptions {
                lens: Lens {
                    aperture_f: Some(-2.0),
                    focus_distance: None,
                },
                ..opts(1)
            },
            "aperture",
        ),
    ] {
        let e = Tracer::new(&s, &traj, &cams, o).unwrap_err().to_string();
        assert!(e.contains(needle), "{e}");
    }
    let t = Tracer::new(&s, &traj, &cams, opts(1)).unwrap();
    assert!(
        t.render(5, &Silent)
            .unwrap_err()
            .to_string()
            .contains("outside")
    );
}

/// Depth and segmentation of the tracer's primary rays against the raster's at frame
/// `k`, on every pixel whose 3 × 3 raster neighbourhood is one object (edges aside).
fn assert_matches_raster(s: &Scene, k: usize, label: &str) {
    let traj = simulate(s, &Silent).unwrap();
    let cams = camera::track(s, &traj).unwrap();
    let raster = crate::raster::Renderer::new(s)
        .unwrap_or_else(|e| panic!("{e}"))
        .render(s, &traj, &cams, k)
        .unwrap();
    let tracer = Tracer::new(s, &traj, &cams, opts(1)).unwrap();
    let (depth, seg) = tracer.truth(k).unwrap();
    let (w, h) = s.resolution;
    let (mut compared, mut worst) = (0, 0.0f32);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let i = raster.index(x, y);
            let id = raster.segmentation[i];
            let interior = (-1i32..=1).all(|dy| {
                (-1i32..=1).all(|dx| {
                    raster.segmentation
                        [raster.index((x as i32 + dx) as u32, (y as i32 + dy) as u32)]
                        == id
                })
            });
            if !interior {
                continue;
            }
            compared += 1;
            assert_eq!(seg[i], id, "{label}: pixel ({x}, {y})");
            if id != 0 {
                let rel = (depth[i] - raster.depth[i]).abs() / raster.depth[i];
                worst = worst.max(rel);
            } else {
                assert!(depth[i].is_infinite());
            }
        }
    }
    println!(
        "{label}: frame {k}, {compared} interior pixels agree, worst relative depth difference {worst:.2e}"
    );
    assert!(compared > (w * h) as usize / 2);
    assert!(worst < 0.01, "{label}: depth differs by {worst}");
}

/// The reference sees what the raster sees on every bundled scene (small resolution,
/// middle frame, objects in motion).
#[test]
fn depth_and_segmentation_match_the_raster_on_bundled_scenes() {
    let mut paths: Vec<_> = std::fs::read_dir("scenes")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 6);
    for path in paths {
        let mut s = crate::style::load(&path, None).unwrap().0;
        let (w0, h0) = s.resolution;
        s.resolution = (96, (96 * h0 / w0).max(8));
        assert_matches_raster(&s, s.frame_count as usize / 2, &path.display().to_string());
    }
}

/// Characters (the mannequin, a cameo, a glTF model) trace where the raster draws them,
/// at the middle frame of every bundled people scene; and lit by paths, the man of
/// walk_and_push is about as bright as the raster's lit preview makes him.
#[test]
fn characters_match_the_raster() {
    let mut paths: Vec<_> = std::fs::read_dir("scenes/people")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 4);
    for path in &paths {
        let mut s = crate::style::load(path, None).unwrap().0;
        assert!(!s.characters.is_empty(), "{}", path.display());
        let (w0, h0) = s.resolution;
        s.resolution = (96, (96 * h0 / w0).max(8));
        assert_matches_raster(&s, s.frame_count as usize / 2, &path.display().to_string());
    }
    let mut s = crate::style::load("scenes/people/walk_and_push.ron".as_ref(), None)
        .unwrap()
        .0;
    s.resolution = (96, 54);
    let k = s.frame_count as usize / 2;
    let traj = simulate(&s, &Silent).unwrap();
    let cams = camera::track(&s, &traj).unwrap();
    let raster = crate::raster::Renderer::new(&s)
        .unwrap_or_else(|e| panic!("{e}"))
        .render(&s, &traj, &cams, k)
        .unwrap();
    let traced = Tracer::new(&s, &traj, &cams, opts(16))
        .unwrap()
        .render(k, &Silent)
        .unwrap();
    let id = s.entities[s.characters[0].entity].id;
    let on: Vec<usize> = (0..raster.segmentation.len())
        .filter(|&i| raster.segmentation[i] == id)
        .collect();
    let luminance = |c: [f32; 3]| 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    let mean = |f: &dyn Fn(usize) -> f32| on.iter().map(|&i| f(i)).sum::<f32>() / on.len() as f32;
    let (ref_l, raster_l) = (
        mean(&|i| luminance(traced.color[i])),
        mean(&|i| luminance(raster.linear[i])),
    );
    println!(
        "walk_and_push man: {} pixels, traced luminance {ref_l:.3}, raster {raster_l:.3}",
        on.len()
    );
    assert!(on.len() > 40, "{} pixels", on.len());
    assert!(
        ref_l > 0.5 * raster_l && ref_l < 2.0 * raster_l,
        "traced {ref_l} vs raster {raster_l}"
    );
}

/// OBJ and glTF meshes (a convex hull and a triangle mesh) trace where the raster draws
/// them.
#[test]
fn meshes_match_the_raster() {
    let s = scene(
        r#"Scene(version: 1, name: "meshes", duration: 0.1, fps: 10, resolution: (96, 72),
        entities: [(name: "floor", shape: Ground),
                   (name: "ramp", shape: TriMesh(path: "meshes/wedge.gltf"), at: (-0.7, 0, 0)),
                   (name: "hull", shape: ConvexHull(path: "meshes/wedge.obj"), body: Fixed, at: (0.7, 0, 0))],
        camera: (fov_deg: 50, at: (0, 1.2, 2.5), look_at: (0, 0.2, 0)))"#,
    );
    assert_matches_raster(&s, 0, "meshes");
}

/// Pixels of a row whose value lies strictly between dark and full (partial coverage).
fn partial(row: &[[f32; 3]], full: f32) -> usize {
    row.iter()
        .filter(|p| p[0] > 0.08 * full && p[0] < 0.92 * full)
        .count()
}

/// A glowing box moving 0.2 m per frame: without a shutter its edges are sharp; with a
/// 360° shutter each edge smears over the distance it travels during the exposure, and
/// the light it leaves on the row is the same.
#[test]
fn shutter_angle_blurs_motion_and_keeps_the_light() {
    let s = scene(
        r#"Scene(version: 1, name: "blur", duration: 0.3, fps: 10, resolution: (64, 16),
        gravity: (0, 0, 0),
        materials: {"glow": (color: (0, 0, 0), ior: 1.0, emission: (1, 1, 1))},
        entities: [(name: "box", shape: Box(size: (0.5, 0.5, 0.5)), material: "glow",
                    body: Kinematic(velocity: (2, 0, 0)), at: (-0.2, 0, 0))],
        camera: (fov_deg: 15, at: (0, 0, 3), look_at: (0, 0, 0)),
        lights: [Ambient(intensity: 0.0)])"#,
    );
    let traj = simulate(&s, &Silent).unwrap();
    let cams = camera::track(&s, &traj).unwrap();
    let row = |shutter_deg: f32| {
        let o = ReferenceOptions {
            shutter_deg,
            ..opts(32)
        };
        let f = Tracer::new(&s, &traj, &cams, o)
            .unwrap()
            .render(1, &Silent)
            .unwrap();
        f.color[8 * 64..9 * 64].to_vec()
    };
    let (sharp, blurred) = (row(0.0), row(360.0));
    let sum = |r: &[[f32; 3]]| r.iter().map(|p| p[0]).sum::<f32>();
    println!(
        "motion blur: partial pixels {} -> {}, row light {:.2} -> {:.2}",
        partial(&sharp, 1.0),
        partial(&blurred, 1.0),
        sum(&sharp),
        sum(&blurred)
    );
    assert!(partial(&sharp, 1.0) <= 2, "{sharp:?}");
    // The 16 rows span 0.79 m at 3 m (20 px/m): 0.2 m of travel smears each edge over
    // 4 px.
    assert!(partial(&blurred, 1.0) >= 6, "{blurred:?}");
    assert!((sum(&sharp) - sum(&blurred)).abs() < 0.03 * sum(&sharp));
}

/// A wide aperture focused at 1 m keeps a box at 1 m sharp and blurs one at 10 m;
/// focused at 10 m, the other way round.
#[test]
fn aperture_blurs_what_is_off_the_focus_plane() {
    let s = scene(
        r#"Scene(version: 1, name: "dof", duration: 0.1, fps: 10, resolution: (64, 64),
        gravity: (0, 0, 0),
        materials: {"glow": (color: (0, 0, 0), ior: 1.0, emission: (1, 1, 1))},
        entities: [
            (name: "near", shape: Box(size: (0.1, 0.1, 0.01)), material: "glow", body: Fixed, at: (-0.15, 0, -1)),
            (name: "far", shape: Box(size: (1, 1, 0.01)), material: "glow", body: Fixed, at: (1.5, 0, -10)),
        ],
        camera: (fov_deg: 30, at: (0, 0, 0), look_at: (0, 0, -1)),
        lights: [Ambient(intensity: 0.0)])"#,
    );
    let traj = simulate(&s, &Silent).unwrap();
    let cams = camera::track(&s, &traj).unwrap();
    let halves = |focus: f32| {
        let o = ReferenceOptions {
            lens: Lens {
                aperture_f: Some(1.0),
                focus_distance: Some(focus),
            },
            ..opts(64)
        };
        let f = Tracer::new(&s, &traj, &cams, o)
            .unwrap()
            .render(0, &Silent)
            .unwrap();
        let row = &f.color[32 * 64..33 * 64];
        (partial(&row[..32], 1.0), partial(&row[32..], 1.0))
    };
    let (near_focus, far_focus) = (halves(1.0), halves(10.0));
    println!(
        "depth of field: focus 1 m {near_focus:?}, focus 10 m {far_focus:?} (near, far partial pixels)"
    );
    assert!(near_focus.0 <= 2 && near_focus.1 >= 5, "{near_focus:?}");
    assert!(far_focus.1 <= 2 && far_focus.0 >= 5, "{far_focus:?}");
}

/// A small rect light of radiance L and area A, d meters above a Lambertian floor, gives
/// the point under it irradiance L·A/d² (to 0.1 % for a 0.1 m square at 2 m).
#[test]
fn rect_light_gives_the_inverse_square_irradiance() {
    let s = scene(
        r#"Scene(version: 1, name: "rect", duration: 0.1, fps: 10, resolution: (9, 9),
        materials: {"matte": (color: (0.5, 0.5, 0.5), roughness: 1.0, ior: 1.0)},
        entities: [(name: "floor", shape: Ground, material: "matte")],
        camera: (fov_deg: 1, at: (0, 1, 1), look_at: (0, 0, 0)),
        lights: [Rect(at: (0, 2, 0), look_at: (0, 0, 0), size: (0.1, 0.1), intensity: 100.0)])"#,
    );
    let f = trace(&s, opts(256));
    let expected = 0.5 / std::f64::consts::PI * 100.0 * 0.01 / 4.0;
    let m = mean(&f.color);
    println!("rect light: floor radiance {:.5} vs {expected:.5}", m[0]);
    assert!(
        (m[0] - expected).abs() < 0.02 * expected,
        "{m:?} vs {expected}"
    );
}

/// A sun of angular diameter α casts a penumbra: a wall's shadow edge on the floor is one
/// pixel sharp with a point sun and several pixels wide with a 10° sun.
#[test]
fn sun_angle_softens_shadow_edges() {
    let row = |angle: f32| {
        let text = format!(
            r#"Scene(version: 1, name: "soft", duration: 0.1, fps: 10, resolution: (64, 8),
            materials: {{"matte": (color: (0.5, 0.5, 0.5), roughness: 1.0, ior: 1.0),
                         "black": (color: (0, 0, 0), ior: 1.0)}},
            entities: [
                (name: "floor", shape: Ground, material: "matte"),
                (name: "wall", shape: Box(size: (0.05, 2, 4)), material: "black", body: Fixed, at: (-1, 1, 0)),
            ],
            camera: (fov_deg: 5, at: (0.5, 6, 0.01), look_at: (0.5, 0, 0)),
            lights: [Sun(direction: (1, -1, 0), intensity: 2.0, angle_deg: {angle})])"#
        );
        let f = trace(&scene(&text), opts(64));
        f.color[4 * 64..5 * 64].to_vec()
    };
    let lit = 0.5 / std::f32::consts::PI * 2.0 * std::f32::consts::FRAC_1_SQRT_2;
    let (hard, soft) = (row(0.0), row(10.0));
    println!(
        "soft shadows: partial pixels {} (point sun) -> {} (10° sun)",
        partial(&hard, lit),
        partial(&soft, lit)
    );
    assert!(partial(&hard, lit) <= 2, "{hard:?}");
    // 0.7 m of penumbra at 15 px/m, its middle 84 % counted.
    assert!(partial(&soft, lit) >= 7, "{soft:?}");
    // The fully lit floor far from the wall has the cosine-law value averaged over the
    // sun's disk: E cos θ · (1 + cos(α/2)) / 2.
    let far = soft[56..].iter().map(|p| p[0]).sum::<f32>() / 8.0;
    let expected = lit * (1.0 + 5f32.to_radians().cos()) / 2.0;
    assert!(
        (far - expected).abs() < 0.01 * expected,
        "{far} vs {expected}"
    );
}

// ---------- worlds: environment lighting, image maps, fog ----------

use std::sync::Arc;

use crate::texture::{ColorSpace, MaterialMaps, Mip, Texture};
use crate::world::{EnvMap, Environment, Fog, World};

/// Traces frame 0, optionally in a hand-built world, with or without next-event
/// estimation toward the environment.
fn trace_in(
    s: &Scene,
    opts: ReferenceOptions,
    world: Option<World>,
    env_nee: bool,
) -> ReferenceFrame {
    let traj = simulate(s, &Silent).unwrap();
    let cams = camera::track(s, &traj).unwrap();
    let mut t = Tracer::new(s, &traj, &cams, opts).unwrap();
    if let Some(w) = world {
        t = t.with_world(w);
    }
    t.env_nee = env_nee;
    t.render(0, &Silent).unwrap()
}

/// A world around `map` with no sun and no fog.
fn world_of(map: EnvMap) -> World {
    World {
        env: Arc::new(map),
        sun: None,
        fog: None,
        fog_color: Vec3::ZERO,
    }
}

/// `∫ f(wo, wi) cos L(wi) dωi` over the hemisphere of `n` by a midpoint rule: what one
/// bounce off a convex object in environment `env` must converge to.
fn reflected(mat: &crate::scene::Material, n: Vec3, wo: Vec3, env: impl Fn(Vec3) -> Vec3) -> Vec3 {
    let s = material::surface(mat, Vec3::ZERO, Vec3::ZERO);
    let bsdf = material::Bsdf::new(&s, n, wo);
    let (t, b) = material::basis(n);
    let (nt, np) = (200, 400);
    let mut sum = Vec3::ZERO;
    for i in 0..nt {
        let th = (i as f32 + 0.5) / nt as f32 * std::f32::consts::FRAC_PI_2;
        for j in 0..np {
            let ph = (j as f32 + 0.5) / np as f32 * std::f32::consts::TAU;
            let wi = t * (th.sin() * ph.cos()) + b * (th.sin() * ph.sin()) + n * th.cos();
            let dw = th.sin()
                * (std::f32::consts::FRAC_PI_2 / nt as f32)
                * (std::f32::consts::TAU / np as f32);
            sum += bsdf.eval(wo, wi).0 * env(wi) * dw;
        }
    }
    sum
}

/// A white sphere (albedo 1, ior 1: no Fresnel interface) in a uniform environment of
/// radiance L: a convex body never sees itself, so every path ends after one bounce
/// (Russian roulette, from the fourth bounce, never runs) and each pixel converges to
/// L times the BSDF's directional albedo, 1 for a Lambertian surface. The single-
/// scattering GGX lobe's grazing Schlick term loses a little, so the expected value is
/// that albedo by quadrature, and it must itself be within 1 % of L where the surface
/// faces the camera within 60°.
#[test]
fn white_sphere_in_a_uniform_environment_returns_its_radiance() {
    let mut s = scene(
        r#"Scene(version: 1, name: "env-furnace", duration: 0.1, fps: 10, resolution: (12, 12),
        gravity: (0, 0, 0),
        materials: {"white": (color: (1, 1, 1), roughness: 1.0, ior: 1.0)},
        entities: [(name: "ball", shape: Sphere(radius: 1), material: "white", body: Fixed)],
        camera: (fov_deg: 40, at: (0, 0, 3.2), look_at: (0, 0, 0)),
        lights: [Ambient(intensity: 0.0)])"#,
    );
    let radiance = Vec3::new(0.8, 0.6, 0.4);
    s.environment = Environment::Uniform { radiance };
    // The two-technique estimate spreads by about 0.7 L per sample (measured: worst
    // pixel 1.2 % at 8192 spp); 32768 samples keep every pixel well inside 1 %.
    let f = trace_in(&s, opts(32768), None, true);
    let traj = simulate(&s, &Silent).unwrap();
    let cams = camera::track(&s, &traj).unwrap();
    let cam = cams[0];
    let mat = &s.materials[s.entities[0].material];
    let (mut checked, mut worst, mut bias) = (0, 0.0f32, 0.0f32);
    for y in 0..cam.height {
        for x in 0..cam.width {
            let i = (y * cam.width + x) as usize;
            let got = Vec3::from(f.color[i]);
            // Where the pixel's center and corners see the sphere at normal n (no
            // background mixed in at the rim), or all miss it.
            let hit = |px: f64, py: f64| {
                let (d, _) = cam.ray(px, py);
                let o = cam.pose.translation;
                let b = o.dot(d);
                let disc = b * b - (o.length_squared() - 1.0);
                (disc > 0.0).then(|| ((o + d * (-b - disc.sqrt())).normalize(), d))
            };
            let (fx, fy) = (f64::from(x), f64::from(y));
            let corners = [
                (fx, fy),
                (fx + 1.0, fy),
                (fx, fy + 1.0),
                (fx + 1.0, fy + 1.0),
            ];
            let hits = corners
                .iter()
                .filter(|&&(a, b)| hit(a, b).is_some())
                .count();
            if hits == 0 && f.segmentation[i] == 0 {
                assert!(
                    (got - radiance).abs().max_element() < 1e-5,
                    "background {got}"
                );
                continue;
            }
            if hits < 4 {
                continue;
            }
            let Some((n, d)) = hit(fx + 0.5, fy + 0.5) else {
                continue;
            };
            let cos = n.dot(-d);
            if cos < 0.5 {
                continue;
            }
            let albedo = reflected(mat, n, -d, |_| Vec3::ONE).x;
            let want = radiance * albedo;
            assert!((albedo - 1.0).abs() < 0.01, "albedo {albedo} at cos {cos}");
            let err = ((got - want) / want).abs().max_element();
            worst = worst.max(err);
            bias += (got.x - want.x) / want.x;
            checked += 1;
        }
    }
    let bias = bias / checked.max(1) as f32;
    println!("environment furnace: {checked} pixels, mean relative error {bias}, worst {worst}");
    assert!(checked > 30, "{checked}");
    assert!(bias.abs() < 0.003, "mean off by {bias}");
    assert!(worst < 0.01, "worst pixel off by {worst}");
}

/// A two-tone environment (sky radiance A above the horizon, ground B below) on a
/// Lambertian plane tilted by α: irradiance `π (A (1 + cos α) + B (1 − cos α)) / 2`,
/// radiance `ρ/π` of it. Checked against quadrature of the BSDF over the same map to
/// 1.5 %, and against the analytic Lambertian value to 3 % (the GGX grazing term and the
/// map's one-texel blend at the horizon).
#[test]
fn tilted_plane_converges_to_the_two_tone_irradiance() {
    let alpha = 50f32;
    let text = format!(
        r#"Scene(version: 1, name: "two-tone", duration: 0.1, fps: 10, resolution: (8, 8),
        gravity: (0, 0, 0),
        materials: {{"matte": (color: (0.6, 0.6, 0.6), roughness: 1.0, ior: 1.0)}},
        entities: [(name: "plate", shape: Box(size: (4, 0.02, 4)), material: "matte", body: Fixed,
                    rotate_deg: (0, 0, {alpha}))],
        camera: (fov_deg: 4, at: ({}, {}, 0), look_at: (0, 0, 0)),
        lights: [Ambient(intensity: 0.0)])"#,
        -3.0 * alpha.to_radians().sin(),
        3.0 * alpha.to_radians().cos()
    );
    let s = scene(&text);
    let (a, b) = (Vec3::new(1.0, 0.9, 0.8), Vec3::new(0.1, 0.2, 0.05));
    let map = EnvMap::from_fn(64, 32, |d| if d.y > 0.0 { a } else { b });
    let world = world_of(map.clone());
    let f = trace_in(&s, opts(256), Some(world), true);
    let m = mean(&f.color);
    let t = alpha.to_radians();
    let n = Vec3::new(-t.sin(), t.cos(), 0.0);
    let quad = reflected(&s.materials[s.entities[0].material], n, n, |d| {
        map.lookup(d)
    });
    let e = (a * (1.0 + t.cos()) + b * (1.0 - t.cos())) * 0.5 * std::f32::consts::PI;
    let lambert = e * 0.6 / std::f32::consts::PI;
    println!("two-tone: traced {m:?}, quadrature {quad}, Lambertian {lambert}");
    for c in 0..3 {
        assert!(
            ((m[c] as f32) - quad[c]).abs() < 0.015 * quad[c],
            "{m:?} vs {quad}"
        );
        assert!(
            (quad[c] - lambert[c]).abs() < 0.03 * lambert[c],
            "{quad} vs {lambert}"
        );
    }
}

/// A dim environment with a small, bright patch over a matte floor: with next-event
/// estimation toward the map and MIS, the mean agrees with BSDF sampling alone and the
/// per-pixel variance is much lower.
#[test]
fn mis_agrees_with_bsdf_sampling_and_has_lower_variance() {
    let s = scene(
        r#"Scene(version: 1, name: "spot-env", duration: 0.1, fps: 10, resolution: (16, 16),
        materials: {"matte": (color: (0.5, 0.5, 0.5), roughness: 1.0, ior: 1.0)},
        entities: [(name: "floor", shape: Ground, material: "matte")],
        camera: (fov_deg: 3, at: (0, 3, 0.01), look_at: (0, 0, 0)),
        lights: [Ambient(intensity: 0.0)])"#,
    );
    // A patch of 2 × 2 texels (about 11° across) 40° from the zenith, 2000× the rest.
    let mut map = EnvMap::from_fn(64, 32, |_| Vec3::splat(0.02));
    for (x, y) in [(10, 7), (11, 7), (10, 8), (11, 8)] {
        map.texels[y * 64 + x] = Vec3::splat(40.0);
    }
    let stats = |nee: bool| {
        let f = trace_in(&s, opts(64), Some(world_of(map.clone())), nee);
        let v: Vec<f64> = f.color.iter().map(|p| f64::from(p[1])).collect();
        let m = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64;
        (m, var)
    };
    let (m_mis, var_mis) = stats(true);
    let (m_bsdf, var_bsdf) = stats(false);
    println!(
        "small bright environment: MIS mean {m_mis:.4} var {var_mis:.2e}; BSDF only mean {m_bsdf:.4} var {var_bsdf:.2e}"
    );
    // The means over 256 pixels have standard errors sqrt(var / 256); they agree within
    // four of them. BSDF sampling finds the patch on about 1 % of its samples, so its
    // variance is several times MIS's (measured 7-12× at 16 spp over random streams).
    let se = (var_bsdf / 256.0).sqrt() + (var_mis / 256.0).sqrt();
    assert!(
        (m_mis - m_bsdf).abs() < 4.0 * se,
        "{m_mis} vs {m_bsdf} (se {se})"
    );
    assert!(var_mis * 4.0 < var_bsdf, "{var_mis} vs {var_bsdf}");
}

/// An 8 × 8 texture of 4 × 4 blocks, `a` in the top-left and bottom-right blocks, `b`
/// elsewhere.
fn blocks(color_space: ColorSpace, a: [u8; 4], b: [u8; 4]) -> Arc<Texture> {
    let texels = (0..64)
        .map(|i| if ((i % 8) < 4) == ((i / 8) < 4) { a } else { b })
        .collect();
    Arc::new(Texture {
        name: "blocks".into(),
        color_space,
        mips: vec![Mip {
            width: 8,
            height: 8,
            texels,
        }],
    })
}

/// An emissive map on the ground (1 UV unit per meter, repeating) shows its blocks where
/// the ground's mapping puts them: `(u, v) = (x, z)`, so the block at `u, v < 0.5` is at
/// `x, z ∈ (0, 0.5)`; a triangle mesh with its own UVs shows the image upright on its
/// face. Emission is exact (no sampling), so pixel centers show the texel's value.
#[test]
fn emissive_maps_land_where_the_uv_mapping_puts_them() {
    let mut s = scene(
        r#"Scene(version: 1, name: "maps", duration: 0.1, fps: 10, resolution: (16, 16),
        materials: {"glow": (color: (0, 0, 0), ior: 1.0, emission: (1, 1, 1))},
        entities: [(name: "floor", shape: Ground, material: "glow")],
        camera: (fov_deg: 20, at: (0.5, 2.835, 0.50001), look_at: (0.5, 0, 0.5)),
        lights: [Ambient(intensity: 0.0)])"#,
    );
    let glow = s.entities[0].material;
    s.materials[glow].maps = MaterialMaps {
        emissive: Some(blocks(
            ColorSpace::Srgb,
            [255, 255, 255, 255],
            [0, 0, 0, 255],
        )),
        ..MaterialMaps::default()
    };
    let f = trace_in(&s, opts(1), None, true);
    // The view spans 1 m: x ∈ (0, 1) left to right, z ∈ (0, 1) top to bottom (the camera
    // looks down with −Z up the image). Quadrant centers sit on block interiors.
    let px = |x: usize, y: usize| f.color[y * 16 + x][0];
    println!(
        "ground emissive quadrants: {} {} / {} {}",
        px(4, 4),
        px(12, 4),
        px(4, 12),
        px(12, 12)
    );
    assert!(px(4, 4) > 0.99 && px(12, 12) > 0.99, "a blocks");
    assert!(px(12, 4) < 0.01 && px(4, 12) < 0.01, "b blocks");

    // A quad facing +Z whose UVs put the image upright: its top-left corner (−1, 1) has
    // uv (0, 0). Seen from +Z, the top-left quarter is bright, the top-right dark.
    let mesh = crate::scene::Mesh {
        path: "quad".into(),
        vertices: vec![
            Vec3::new(-1.0, 1.0, 0.0),
            Vec3::new(1.0, 1.0, 0.0),
            Vec3::new(1.0, -1.0, 0.0),
            Vec3::new(-1.0, -1.0, 0.0),
        ],
        indices: vec![[0, 3, 2], [0, 2, 1]],
        uvs: vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]],
    };
    let mut q = scene(
        r#"Scene(version: 1, name: "quad", duration: 0.1, fps: 10, resolution: (16, 16),
        gravity: (0, 0, 0),
        materials: {"glow": (color: (0, 0, 0), ior: 1.0, emission: (1, 1, 1))},
        entities: [(name: "quad", shape: Box(size: (2, 2, 0.01)), material: "glow", body: Fixed)],
        camera: (fov_deg: 20, at: (0, 0, 5.671), look_at: (0, 0, 0)),
        lights: [Ambient(intensity: 0.0)])"#,
    );
    q.entities[0].shape = Some(crate::scene::Shape::TriMesh(Arc::new(mesh)));
    let qm = q.entities[0].material;
    q.materials[qm].maps = s.materials[glow].maps.clone();
    let g = trace_in(&q, opts(1), None, true);
    let qx = |x: usize, y: usize| g.color[y * 16 + x][0];
    println!(
        "mesh emissive quadrants: {} {} / {} {}",
        qx(4, 4),
        qx(12, 4),
        qx(4, 12),
        qx(12, 12)
    );
    assert!(qx(4, 4) > 0.99 && qx(12, 12) > 0.99, "a blocks on the mesh");
    assert!(qx(12, 4) < 0.01 && qx(4, 12) < 0.01, "b blocks on the mesh");
}

/// A normal map tilts the ground's shading normal by 40° toward the tangent frame's +X
/// (`+u`, east) or +Y (up the image: `−v`, north, −Z on the ground): a sun from that
/// side, 40° off the zenith, lights the floor face-on (`ρ/π · E`), while a sun from the
/// opposite side meets it at 80°. Checks the glTF convention of the tangent frame.
#[test]
fn normal_map_tilts_toward_the_tangent_frame_axes() {
    let tilt = 40f32.to_radians();
    let enc = |c: f32| ((c * 0.5 + 0.5) * 255.0).round() as u8;
    for (axis, toward) in [("+X", Vec3::X), ("+Y", Vec3::NEG_Z)] {
        let ts = if axis == "+X" {
            [enc(tilt.sin()), enc(0.0), enc(tilt.cos()), 255]
        } else {
            [enc(0.0), enc(tilt.sin()), enc(tilt.cos()), 255]
        };
        // The decoded, renormalized normal the map actually holds.
        let dec = |b: u8| f32::from(b) / 255.0 * 2.0 - 1.0;
        let ts_n = Vec3::new(dec(ts[0]), dec(ts[1]), dec(ts[2])).normalize();
        let n_world =
            (toward * if axis == "+X" { ts_n.x } else { ts_n.y } + Vec3::Y * ts_n.z).normalize();
        for side in [1.0f32, -1.0] {
            let to_sun = (toward * (side * tilt.sin()) + Vec3::Y * tilt.cos()).normalize();
            let text = format!(
                r#"Scene(version: 1, name: "nmap", duration: 0.1, fps: 10, resolution: (6, 6),
                materials: {{"matte": (color: (0.5, 0.5, 0.5), roughness: 1.0, ior: 1.0)}},
                entities: [(name: "floor", shape: Ground, material: "matte")],
                camera: (fov_deg: 2, at: (0, 3, 0.001), look_at: (0, 0, 0)),
                lights: [Sun(direction: ({}, {}, {}), intensity: 2.0, angle_deg: 0.0)])"#,
                -to_sun.x, -to_sun.y, -to_sun.z
            );
            let mut s = scene(&text);
            let matte = s.entities[0].material;
            s.materials[matte].maps = MaterialMaps {
                normal: Some(blocks(ColorSpace::Linear, ts, ts)),
                ..MaterialMaps::default()
            };
            let f = trace_in(&s, opts(4), None, true);
            let got = mean(&f.color)[0] as f32;
            let want = 0.5 / std::f32::consts::PI * 2.0 * n_world.dot(to_sun).max(0.0);
            println!("normal map {axis}, sun side {side}: {got} vs {want}");
            assert!(
                (got - want).abs() < 0.02 * want.max(0.05),
                "{axis} {side}: {got} vs {want}"
            );
        }
    }
}

/// Uniform fog of extinction σ between the camera and an emitter of radiance E at
/// distance D: `E e^{−σD} + C (1 − e^{−σD})`; rays escaping level through it see the fog
/// color alone; the fog does not change the depth and segmentation buffers.
#[test]
fn fog_attenuates_and_in_scatters_along_the_camera_ray() {
    let mut s = scene(
        r#"Scene(version: 1, name: "fog", duration: 0.1, fps: 10, resolution: (16, 16),
        gravity: (0, 0, 0),
        materials: {"glow": (color: (0, 0, 0), ior: 1.0, emission: (1, 0.5, 0.25))},
        entities: [(name: "wall", shape: Box(size: (1, 1, 0.1)), material: "glow", body: Fixed)],
        camera: (fov_deg: 30, at: (0, 0, 4.05), look_at: (0, 0, 0)),
        lights: [Ambient(intensity: 0.0)])"#,
    );
    let clear = trace(&s, opts(4));
    let color = Vec3::new(0.2, 0.3, 0.4);
    let sigma = 0.25;
    s.fog = Some(Fog {
        density: sigma,
        height_falloff: 0.0,
        base_height: 0.0,
        color: Some(color),
    });
    let foggy = trace(&s, opts(4));
    assert_eq!(clear.depth, foggy.depth);
    assert_eq!(clear.segmentation, foggy.segmentation);
    let center = 8 * 16 + 8;
    let t = (-sigma * foggy.depth[center]).exp();
    let want = Vec3::new(1.0, 0.5, 0.25) * t + color * (1.0 - t);
    let got = Vec3::from(foggy.color[center]);
    println!("fog: wall {got} vs {want} (transmittance {t})");
    assert!(
        ((got - want) / want).abs().max_element() < 0.01,
        "{got} vs {want}"
    );
    let corner = Vec3::from(foggy.color[0]);
    assert_eq!(foggy.segmentation[0], 0);
    assert!(
        (corner - color).abs().max_element() < 1e-5,
        "background {corner}"
    );
}

/// Cylinders intersect in closed form: a grazing ray on a thin disc lands on the cap's
/// plane (parry's GJK cast was 4 mm short here), a side hit lies on the radius, a ray
/// from inside leaves through the boundary, and rays that pass by miss.
#[test]
fn cylinder_hits_are_exact() {
    use super::world::cylinder_hit;
    let (r, hh) = (0.012, 0.00125);
    // The coin of scenes/dice_close_up.ron seen from its camera, 17° down.
    let o = Vec3::new(0.153_101_12, 0.118_740_02, 0.392_476_9);
    for d in [
        Vec3::new(-0.3556118, -0.2720761, -0.894_156_2),
        Vec3::new(-0.34184515, -0.27191222, -0.89955884),
    ] {
        let (t, n, _) = cylinder_hit(o, d, r, hh, f32::INFINITY).unwrap();
        let p = o + d * t;
        assert!((p.y - hh).abs() < 1e-6, "{p}");
        assert_eq!(n, Vec3::Y);
        let top = (o.y - hh) / -d.y;
        assert!((t - top).abs() < 1e-5 * top, "{t} vs {top}");
    }
    // Side on, level: the side at the radius, outward normal.
    let (t, n, _) = cylinder_hit(Vec3::new(1.0, 0.0, 0.0), -Vec3::X, r, hh, 10.0).unwrap();
    assert!((t - (1.0 - r)).abs() < 1e-6, "{t}");
    assert!((n - Vec3::X).length() < 1e-6, "{n}");
    // From inside, straight up: the top cap.
    let (t, n, _) = cylinder_hit(Vec3::ZERO, Vec3::Y, r, hh, 10.0).unwrap();
    assert!((t - hh).abs() < 1e-7 && n == Vec3::Y, "{t} {n}");
    // Passing above, and a hit beyond t_max: none.
    assert!(cylinder_hit(Vec3::new(1.0, 0.01, 0.0), -Vec3::X, r, hh, 10.0).is_none());
    assert!(cylinder_hit(Vec3::new(1.0, 0.0, 0.0), -Vec3::X, r, hh, 0.5).is_none());
    // Behind the origin: none.
    assert!(cylinder_hit(Vec3::new(1.0, 0.0, 0.0), Vec3::X, r, hh, 10.0).is_none());
}

// ---------- cloth ----------

/// The nearest hit, along the unit ray `o + t d`, of the first cloth's triangles at its
/// simulated world positions in `frame` (Möller–Trumbore in f64): what the geometry says.
fn sheet_hit(s: &Scene, frame: &crate::physics::FrameState, o: Vec3, d: Vec3) -> Option<f64> {
    let x = &frame.cloth[0];
    let (o, d) = (o.as_dvec3(), d.as_dvec3());
    let mut best: Option<f64> = None;
    for tri in s.cloths[0].triangles() {
        let [p0, p1, p2] = tri.map(|i| x[i as usize].as_dvec3());
        let (e1, e2) = (p1 - p0, p2 - p0);
        let pv = d.cross(e2);
        let det = e1.dot(pv);
        if det.abs() < 1e-15 {
            continue;
        }
        let tv = o - p0;
        let u = tv.dot(pv) / det;
        let qv = tv.cross(e1);
        let v = d.dot(qv) / det;
        let t = e2.dot(qv) / det;
        if u >= 0.0 && v >= 0.0 && u + v <= 1.0 && t > 0.0 && best.is_none_or(|b| t < b) {
            best = Some(t);
        }
    }
    best
}

/// A 1 m denim sheet (8 × 8 quads) pinned at its four corners 1 m above a floor, after
/// it sagged for 0.3 s, seen from above and from below: depth and segmentation agree
/// with the raster's (the same check as for rigid objects), every pixel the tracer gives
/// the sheet's id lies at the depth of the simulated triangles (to 0.1 mm), and the
/// traced image shows the sheet lit in its own blue on the side the camera sees.
#[test]
fn cloth_is_traced_where_the_raster_draws_it() {
    for (view, eye) in [("above", "(0.3, 2.4, 1.2)"), ("below", "(0.2, 0.25, 0.6)")] {
        let s = scene(&format!(
            r#"Scene(version: 1, name: "sheet", duration: 0.3, fps: 10, resolution: (64, 48),
            entities: [(name: "floor", shape: Ground)],
            cloths: [(name: "sheet", material: "denim", size: (1.0, 1.0), resolution: (8, 8),
                      at: (0, 1, 0), rotate_deg: (-90, 0, 0),
                      pin: [TopLeft, TopRight, BottomLeft, BottomRight])],
            camera: (fov_deg: 60, at: {eye}, look_at: (0, 1, 0)),
            lights: [Sun(direction: (-0.3, -1, -0.2)), Ambient(intensity: 0.3)])"#
        ));
        let traj = simulate(&s, &Silent).unwrap();
        let k = traj.frames.len() - 1;
        let x = &traj.frames[k].cloth[0];
        let sag = 1.0 - x[s.cloths[0].index(4, 4) as usize].y;
        assert!(sag > 0.0, "{view}: the center did not sag ({sag} m)");
        assert_matches_raster(&s, k, &format!("cloth from {view}"));

        let cams = camera::track(&s, &traj).unwrap();
        let tracer = Tracer::new(&s, &traj, &cams, opts(4)).unwrap();
        let frame = tracer.render(k, &Silent).unwrap();
        let id = s.entities[s.cloths[0].entity].id;
        let cam = &cams[k];
        let (mut count, mut worst, mut color) = (0, 0.0f64, [0.0f64; 3]);
        for y in 0..cam.height {
            for x in 0..cam.width {
                let i = (y * cam.width + x) as usize;
                if frame.segmentation[i] != id {
                    continue;
                }
                let (dir, dpm) = cam.ray(f64::from(x) + 0.5, f64::from(y) + 0.5);
                let t = sheet_hit(&s, &traj.frames[k], cam.pose.translation, dir)
                    .unwrap_or_else(|| panic!("{view}: pixel ({x}, {y}) misses the sheet"));
                worst = worst.max((f64::from(frame.depth[i]) - t * f64::from(dpm)).abs());
                count += 1;
                for (sum, c) in color.iter_mut().zip(frame.color[i]) {
                    *sum += f64::from(c);
                }
            }
        }
        let color = color.map(|c| c / f64::from(count.max(1)));
        println!(
            "cloth from {view}: sag {:.1} mm, {count} sheet pixels, worst depth off {:.2e} m, mean color {color:?}",
            sag * 1e3,
            worst
        );
        assert!(count > 300, "{view}: the sheet covers {count} pixels");
        assert!(worst < 1e-4, "{view}: depth off the triangles by {worst} m");
        assert!(
            frame
                .color
                .iter()
                .flatten()
                .all(|c| c.is_finite() && *c >= 0.0)
        );
        // Denim (#3b5680) is blue, and lit on whichever side is seen.
        assert!(color[2] > color[0] && color[2] > 0.01, "{view}: {color:?}");
    }
}

/// An unpinned sheet falls freely under gravity, seen from straight above: from frame 0
/// to frame 4 the traced depth under the image's central pixel grows by what the
/// simulated center vertex fell (within 2 mm), and sits on the simulated triangles at
/// both frames (to 0.1 mm): the tracer draws each frame's sheet.
#[test]
fn falling_cloth_moves_the_traced_depth_by_the_simulated_drop() {
    let s = scene(
        r#"Scene(version: 1, name: "fall", duration: 0.4, fps: 10, resolution: (64, 48),
        entities: [],
        cloths: [(name: "sheet", material: "cotton", size: (1.0, 1.0), resolution: (8, 8),
                  at: (0, 1.5, 0), rotate_deg: (-90, 0, 0))],
        camera: (fov_deg: 40, at: (0, 3, 0), look_at: (0, 0, 0)))"#,
    );
    let traj = simulate(&s, &Silent).unwrap();
    let cams = camera::track(&s, &traj).unwrap();
    let tracer = Tracer::new(&s, &traj, &cams, opts(1)).unwrap();
    let id = s.entities[s.cloths[0].entity].id;
    let center = s.cloths[0].index(4, 4) as usize;
    let (x, y) = (32u32, 24u32);
    let k = traj.frames.len() - 1;
    let mut depth = Vec::new();
    for f in [0, k] {
        let (d, seg) = tracer.truth(f).unwrap();
        let i = (y * cams[f].width + x) as usize;
        assert_eq!(seg[i], id, "frame {f}");
        let (dir, dpm) = cams[f].ray(f64::from(x) + 0.5, f64::from(y) + 0.5);
        let t = sheet_hit(&s, &traj.frames[f], cams[f].pose.translation, dir).unwrap();
        let off = (f64::from(d[i]) - t * f64::from(dpm)).abs();
        assert!(
            off < 1e-4,
            "frame {f}: depth {} off the triangles by {off} m",
            d[i]
        );
        depth.push(d[i]);
    }
    let drop = traj.frames[0].cloth[0][center].y - traj.frames[k].cloth[0][center].y;
    let moved = depth[1] - depth[0];
    println!("falling cloth: frame {k}, depth grew {moved:.4} m, center vertex fell {drop:.4} m");
    assert!(drop > 0.05, "the sheet barely fell: {drop} m");
    assert!(
        (moved - drop).abs() < 2e-3,
        "depth grew {moved} m, the sheet fell {drop} m"
    );
}
