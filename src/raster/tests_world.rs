//! The raster sees the world: image-based lighting, the background, fog, material maps.
//! Tiny images on lavapipe; tolerances stated where they are asserted.

use std::sync::Arc;

use glam::{Vec2, Vec3};

use super::*;
use crate::scene::{Pattern, Scene, Shape};
use crate::texture::{ColorSpace, MaterialMaps, Mip, Texture};
use crate::world::{Environment, Fog};

use super::tests::{render_all, scene};

/// Interior pixels: the pixel and its 8 neighbours show the same thing.
fn interior(fb: &FrameBuffers, x: u32, y: u32) -> bool {
    let id = fb.segmentation[fb.index(x, y)];
    if x == 0 || y == 0 || x + 1 >= fb.width || y + 1 >= fb.height {
        return false;
    }
    (-1i32..=1).all(|dy| {
        (-1i32..=1).all(|dx| {
            fb.segmentation[fb.index((x as i32 + dx) as u32, (y as i32 + dy) as u32)] == id
        })
    })
}

/// A texture with a full box-filtered chain (linear light for sRGB maps) from `level0`,
/// or only `level0` when `mips` is false.
fn texture(
    name: &str,
    cs: ColorSpace,
    w: u32,
    h: u32,
    level0: Vec<[u8; 4]>,
    mips: bool,
) -> Texture {
    let mut chain = vec![Mip {
        width: w,
        height: h,
        texels: level0,
    }];
    while let Some(last) = chain.last() {
        if !mips || (last.width == 1 && last.height == 1) {
            break;
        }
        let (nw, nh) = ((last.width / 2).max(1), (last.height / 2).max(1));
        let t = Texture {
            name: name.into(),
            color_space: cs,
            mips: vec![last.clone()],
        };
        let mut texels = Vec::new();
        for y in 0..nh {
            for x in 0..nw {
                let mut sum = glam::Vec4::ZERO;
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    sum += t.texel(0, i64::from(2 * x + dx), i64::from(2 * y + dy));
                }
                let c = sum / 4.0;
                let enc = |v: f32| match cs {
                    ColorSpace::Srgb => {
                        let e = if v <= 0.003_130_8 {
                            v * 12.92
                        } else {
                            1.055 * v.powf(1.0 / 2.4) - 0.055
                        };
                        (e * 255.0 + 0.5) as u8
                    }
                    ColorSpace::Linear => (v * 255.0 + 0.5) as u8,
                };
                texels.push([enc(c.x), enc(c.y), enc(c.z), (c.w * 255.0 + 0.5) as u8]);
            }
        }
        chain.push(Mip {
            width: nw,
            height: nh,
            texels,
        });
    }
    Texture {
        name: name.into(),
        color_space: cs,
        mips: chain,
    }
}

const RED: [u8; 4] = [230, 20, 20, 255];
const BLUE: [u8; 4] = [20, 20, 230, 255];

/// `n × n` texels, cell (x, y) red when x + y is even, else blue.
fn checker(n: u32, mips: bool) -> Texture {
    let texels = (0..n * n)
        .map(|i| {
            if (i % n + i / n).is_multiple_of(2) {
                RED
            } else {
                BLUE
            }
        })
        .collect();
    texture("checker", ColorSpace::Srgb, n, n, texels, mips)
}

/// A white, fully rough dielectric sphere under a uniform environment and no lights.
const FURNACE: &str = r##"Scene(version: 1, name: "furnace", duration: 0.125, fps: 8,
    resolution: (48, 48), lights: [],
    materials: {"white": (color: "#ffffff", roughness: 1.0, metallic: 0.0)},
    entities: [(name: "ball", shape: Sphere(radius: 1.0), material: "white", body: Fixed, at: (0, 0, 0))],
    camera: (fov_deg: 40, at: (0, 0, 5), look_at: (0, 0, 0)))"##;

fn uniform(s: &mut Scene, radiance: Vec3) {
    s.lights.clear();
    s.environment = Environment::Uniform { radiance };
}

#[test]
fn a_white_lambertian_sphere_in_a_uniform_environment_shows_its_radiance() {
    let l = Vec3::new(0.8, 0.5, 0.3);
    let mut s = scene(FURNACE);
    uniform(&mut s, l);
    let (_, _, fbs) = render_all(&s);
    let fb = &fbs[0];
    let (cx, cy) = (fb.width / 2, fb.height / 2);
    let mut worst = 0.0f32;
    for y in cy - 3..cy + 3 {
        for x in cx - 3..cx + 3 {
            assert_eq!(fb.segmentation[fb.index(x, y)], 1);
            let c = Vec3::from(fb.linear[fb.index(x, y)]);
            worst = worst.max(((c - l) / l).abs().max_element());
        }
    }
    eprintln!("furnace: worst relative error at the center {worst:.4}");
    assert!(worst < 0.02, "white sphere under L = {l}: off by {worst}");
    // Toward the silhouette too (grazing view, where the split sum matters most).
    let mut rim = 0.0f32;
    for x in 0..fb.width {
        let i = fb.index(x, cy);
        if fb.segmentation[i] == 1 && interior(fb, x, cy) {
            rim = rim.max(((Vec3::from(fb.linear[i]) - l) / l).abs().max_element());
        }
    }
    eprintln!("furnace: worst relative error across the equator {rim:.4}");
    assert!(rim < 0.05, "off by {rim} toward the rim");
}

#[test]
fn the_background_shows_the_environment() {
    let l = Vec3::new(0.2, 0.4, 0.9);
    let mut s = scene(FURNACE);
    uniform(&mut s, l);
    let (_, _, fbs) = render_all(&s);
    let fb = &fbs[0];
    let mut n = 0;
    for y in 0..fb.height {
        for x in 0..fb.width {
            let i = fb.index(x, y);
            if fb.segmentation[i] == 0 && interior(fb, x, y) {
                let c = Vec3::from(fb.linear[i]);
                // Half floats: 3 significant digits.
                assert!((c - l).abs().max_element() < 2e-3 * 1.0, "({x}, {y}): {c}");
                n += 1;
            }
        }
    }
    assert!(n > 500, "only {n} background pixels");
}

#[test]
fn fog_on_the_background_and_surfaces_follows_the_closed_form() {
    let l = Vec3::new(0.5, 0.6, 0.7);
    let fog = Fog {
        density: 0.15,
        height_falloff: 0.4,
        base_height: -1.0,
        color: Some(Vec3::new(0.9, 0.85, 0.8)),
    };
    let text = r##"Scene(version: 1, name: "fog", duration: 0.125, fps: 8, resolution: (48, 32), lights: [],
        entities: [(name: "block", shape: Box(size: (2, 2, 2)), body: Fixed, at: (0, 0, -3))],
        camera: (fov_deg: 70, at: (0, 0.5, 4), look_at: (0, 1.5, 0)))"##;
    let mut clear = scene(text);
    uniform(&mut clear, l);
    let mut foggy = clear.clone();
    foggy.fog = Some(fog.clone());
    let fc = fog.color.unwrap();
    let (_, cams, a) = render_all(&clear);
    let (_, _, b) = render_all(&foggy);
    let (cam, a, b) = (&cams[0], &a[0], &b[0]);
    let (mut sky, mut surf) = (0, 0);
    for y in 0..a.height {
        for x in 0..a.width {
            let i = a.index(x, y);
            if !interior(a, x, y) {
                continue;
            }
            let (dir, per_m) = cam.ray(f64::from(x) + 0.5, f64::from(y) + 0.5);
            let dist = if a.segmentation[i] == 0 {
                sky += 1;
                f32::INFINITY
            } else {
                surf += 1;
                a.depth[i] / per_m
            };
            let want = ibl::fog_apply(
                &fog,
                fc,
                cam.pose.translation,
                dir,
                dist,
                Vec3::from(a.linear[i]),
            );
            let got = Vec3::from(b.linear[i]);
            assert!(
                (got - want).abs().max_element() < 0.01,
                "({x}, {y}) at {dist} m: {got} vs {want}"
            );
        }
    }
    assert!(sky > 50 && surf > 20, "{sky} sky, {surf} surface pixels");
}

/// Five primitives in a row over a ground, each with its own seeded position.
const PRIMITIVES: &str = r##"Scene(version: 1, name: "uv", duration: 0.125, fps: 8, resolution: (192, 96),
    materials: {"m": (color: "#ffffff"), "g": (color: "#ffffff")},
    entities: [
        (name: "floor", shape: Ground, material: "g", at: (0, -0.8, 0)),
        (name: "box", shape: Box(size: (1.2, 1.2, 1.2)), material: "m", body: Fixed, at: (-3.0, 0, 0), rotate_deg: (20, 35, 0)),
        (name: "ball", shape: Sphere(radius: 0.75), material: "m", body: Fixed, at: (-1.2, 0, 0), rotate_deg: (0, 160, 0)),
        (name: "can", shape: Cylinder(radius: 0.6, height: 1.4), material: "m", body: Fixed, at: (0.6, 0, 0), rotate_deg: (25, 10, 0)),
        (name: "pill", shape: Capsule(radius: 0.45, height: 1.6), material: "m", body: Fixed, at: (2.4, 0, 0), rotate_deg: (0, 0, 20)),
    ],
    camera: (fov_deg: 45, at: (0, 2.2, 6.5), look_at: (0, -0.2, 0)))"##;

/// Surface points `(p, n)` of a shape in its own frame.
fn surface_points(shape: &Shape) -> Vec<(Vec3, Vec3)> {
    let mut out = Vec::new();
    let n = 40;
    for i in 0..n {
        for j in 0..n {
            let (a, b) = ((i as f32 + 0.5) / n as f32, (j as f32 + 0.5) / n as f32);
            let phi = std::f32::consts::TAU * a;
            let cos_t = 1.0 - 2.0 * b;
            let sin_t = (1.0 - cos_t * cos_t).sqrt();
            let d = Vec3::new(sin_t * phi.sin(), cos_t, -sin_t * phi.cos());
            match shape {
                Shape::Sphere { radius } => out.push((d * *radius, d)),
                Shape::Box { half_extents: h } => {
                    let t = (*h / d.abs()).min_element();
                    let p = d * t;
                    let q = p.abs() / *h;
                    let n = if q.x >= q.y && q.x >= q.z {
                        Vec3::X * p.x.signum()
                    } else if q.y >= q.z {
                        Vec3::Y * p.y.signum()
                    } else {
                        Vec3::Z * p.z.signum()
                    };
                    out.push((p, n));
                }
                Shape::Cylinder {
                    radius,
                    half_height,
                } => {
                    let flat = Vec2::new(d.x, d.z).length().max(1e-6);
                    let t_side = *radius / flat;
                    let t_cap = *half_height / d.y.abs().max(1e-6);
                    if t_side < t_cap {
                        out.push((d * t_side, Vec3::new(d.x, 0.0, d.z) / flat));
                    } else {
                        out.push((d * t_cap, Vec3::Y * d.y.signum()));
                    }
                }
                Shape::Capsule {
                    radius,
                    half_height,
                } => {
                    // Side band from `b`, end caps from directions with |cos| > 0.5.
                    if cos_t.abs() > 0.5 {
                        let c = Vec3::Y * *half_height * cos_t.signum();
                        out.push((c + d * *radius, d));
                    } else {
                        let flat = Vec3::new(d.x, 0.0, d.z).normalize();
                        let y = *half_height * (cos_t * 2.0);
                        out.push((flat * *radius + Vec3::Y * y, flat));
                    }
                }
                Shape::Ground => {
                    let p = Vec3::new((a - 0.5) * 12.0, 0.0, (b - 0.5) * 8.0);
                    out.push((p, Vec3::Y));
                }
                _ => {}
            }
        }
    }
    out
}

#[test]
fn a_uv_checker_lands_where_the_mapping_says_on_every_primitive() {
    let mut s = scene(PRIMITIVES);
    // 4 × 4 cells: several pixels each on every primitive.
    let cells = 4u32;
    let map = Arc::new(checker(cells, true));
    for m in &mut s.materials {
        // The ground's UVs are meters: one cell per meter there.
        let scale = if m.name == "g" {
            1.0 / cells as f32
        } else {
            1.0
        };
        m.maps = MaterialMaps {
            base_color: Some(map.clone()),
            uv_scale: Vec2::splat(scale),
            ..MaterialMaps::default()
        };
    }
    let (traj, cams, fbs) = render_all(&s);
    let (fb, cam) = (&fbs[0], &cams[0]);
    let mut failures = Vec::new();
    for (ei, e) in s.entities.iter().enumerate() {
        let Some(shape) = &e.shape else { continue };
        let pose = traj.frames[0].poses[ei];
        let (mut checked, mut wrong) = (0, 0);
        let scale = s.materials[e.material].maps.uv_scale;
        for (p, n) in surface_points(shape) {
            let uv = shape.uv(p, n) * scale * cells as f32;
            let f = uv - uv.floor();
            // Well inside a cell (the pixel's footprint and the filter stay in it).
            if f.min_element() < 0.3 || f.max_element() > 0.7 {
                continue;
            }
            let world = pose.transform_point(p);
            let normal = pose.rotation * n;
            // Facing the camera, not grazing (where the footprint spans cells).
            if normal.dot((cam.pose.translation - world).normalize()) < 0.4 {
                continue;
            }
            let (u, v, z) = cam.project(world);
            if u < 1.0 || v < 1.0 || u >= f64::from(fb.width - 1) || v >= f64::from(fb.height - 1) {
                continue;
            }
            let (x, y) = (u as u32, v as u32);
            let i = fb.index(x, y);
            if fb.segmentation[i] != e.id || !interior(fb, x, y) {
                continue;
            }
            if (f64::from(fb.depth[i]) - z).abs() > 0.02 * z {
                continue;
            }
            let cell = uv.floor();
            let red = (cell.x as i64 + cell.y as i64).rem_euclid(2) == 0;
            let a = &fb.albedo[i * 4..i * 4 + 3];
            let got_red = a[0] > a[2];
            checked += 1;
            if got_red != red {
                wrong += 1;
                eprintln!(
                    "{}: local {p} uv {} -> pixel ({x}, {y}) albedo {a:?}, expected {}",
                    e.name,
                    uv / (scale * cells as f32),
                    if red { "red" } else { "blue" }
                );
            }
        }
        eprintln!("{}: {checked} points checked, {wrong} wrong", e.name);
        let allowed = 0;
        if checked < 15 || wrong > allowed {
            failures.push(format!(
                "{}: {wrong} of {checked} points in the wrong cell (allowed {allowed})",
                e.name
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

/// Zero-gravity motion: every exact buffer changes from frame to frame.
const MOVING: &str = r##"Scene(version: 1, name: "obj", duration: 0.375, fps: 8, physics_hz: 240,
    resolution: (64, 48), gravity: (0, 0, 0),
    materials: {"a": (color: "#c08040", roughness: 0.4), "b": (color: "#4080c0", metallic: 1.0, roughness: 0.3)},
    entities: [
        (name: "floor", shape: Ground, material: "a", at: (0, -1, 0)),
        (name: "spinner", shape: Box(size: (1.2, 0.6, 0.8)), material: "b", at: (-1, 0.5, 0),
         body: Dynamic(velocity: (0.8, 0, 0.3), angular_velocity: (0.5, 2.0, 0.3))),
        (name: "roller", shape: Cylinder(radius: 0.4, height: 0.8), material: "a", at: (1.2, 0.3, -0.5),
         body: Dynamic(velocity: (-0.6, 0.2, 0.4), angular_velocity: (1.5, 0, 1.0))),
        (name: "ball", shape: Sphere(radius: 0.5), material: "b", at: (0, 1.4, -1),
         body: Dynamic(velocity: (0, -0.5, 0.5), angular_velocity: (0, 0, 2.5))),
    ],
    camera: (fov_deg: 55, at: (0, 2, 5), look_at: (0, 0.3, 0)))"##;

/// A linear normal map tilting every normal by ~35° (toward +u and the image's up, more
/// in alternate rows), so that no mip level averages it flat.
fn bumps() -> Texture {
    let n = 4u32;
    let texels = (0..n * n)
        .map(|i| {
            let y = (i / n) as f32;
            let v = Vec3::new(0.5 + 0.1 * (y % 2.0), 0.4, 1.0).normalize();
            let enc = |c: f32| ((c * 0.5 + 0.5) * 255.0 + 0.5) as u8;
            [enc(v.x), enc(v.y), enc(v.z), 255]
        })
        .collect();
    texture("bumps", ColorSpace::Linear, n, n, texels, true)
}

#[test]
fn maps_patterns_and_worlds_leave_the_exact_buffers_bit_identical() {
    let plain = scene(MOVING);
    let mut dressed = plain.clone();
    let (check, normal) = (Arc::new(checker(8, true)), Arc::new(bumps()));
    for (i, m) in dressed.materials.iter_mut().enumerate() {
        m.maps = MaterialMaps {
            base_color: Some(check.clone()),
            normal: Some(normal.clone()),
            uv_scale: Vec2::new(2.0, 3.0),
            ..MaterialMaps::default()
        };
        if i == 0 {
            m.pattern = Some(Pattern::Marble);
        }
    }
    dressed.environment = Environment::Uniform {
        radiance: Vec3::new(0.3, 0.2, 0.1),
    };
    dressed.fog = Some(Fog {
        density: 0.1,
        height_falloff: 0.2,
        base_height: 0.0,
        color: None,
    });
    // The normal map alone changes the light but nothing exact.
    let mut bumped = plain.clone();
    for m in &mut bumped.materials {
        m.maps.normal = Some(normal.clone());
    }
    let (_, _, a) = render_all(&plain);
    for other in [&bumped, &dressed] {
        let (_, _, b) = render_all(other);
        for (k, (fa, fb)) in a.iter().zip(&b).enumerate() {
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&fa.depth), bits(&fb.depth), "frame {k}: depth");
            assert_eq!(fa.segmentation, fb.segmentation, "frame {k}: segmentation");
            let flat3 =
                |v: &[[f32; 3]]| v.iter().flatten().map(|x| x.to_bits()).collect::<Vec<_>>();
            let flat2 =
                |v: &[[f32; 2]]| v.iter().flatten().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(flat3(&fa.normal), flat3(&fb.normal), "frame {k}: normal");
            assert_eq!(flat2(&fa.flow_fwd), flat2(&fb.flow_fwd), "frame {k}: flow");
            assert_eq!(flat2(&fa.flow_bwd), flat2(&fb.flow_bwd), "frame {k}: flow");
            let changed = fa
                .linear
                .iter()
                .zip(&fb.linear)
                .zip(&fa.segmentation)
                .filter(|((p, q), id)| {
                    **id != 0 && (Vec3::from(**p) - Vec3::from(**q)).abs().max_element() > 0.01
                })
                .count();
            let covered = fa.segmentation.iter().filter(|id| **id != 0).count();
            assert!(
                changed * 4 > covered,
                "frame {k}: the maps changed only {changed} of {covered} lit pixels"
            );
        }
    }
}

/// Mean |frame k − frame k+1 warped back by the exact forward flow| over ground pixels
/// whose warped position lands on the ground; and the count.
fn warp_error(fbs: &[FrameBuffers], ground: u32) -> (f64, usize) {
    let (mut sum, mut n) = (0.0f64, 0usize);
    for k in 0..fbs.len() - 1 {
        let (a, b) = (&fbs[k], &fbs[k + 1]);
        for y in 1..a.height - 1 {
            for x in 1..a.width - 1 {
                let i = a.index(x, y);
                if a.segmentation[i] != ground || !interior(a, x, y) {
                    continue;
                }
                let f = a.flow_fwd[i];
                let (u, v) = (x as f32 + 0.5 + f[0] - 0.5, y as f32 + 0.5 + f[1] - 0.5);
                let (x0, y0) = (u.floor(), v.floor());
                if x0 < 0.0 || y0 < 0.0 || x0 + 1.0 >= b.width as f32 || y0 + 1.0 >= b.height as f32
                {
                    continue;
                }
                let (tx, ty) = (u - x0, v - y0);
                let (x0, y0) = (x0 as u32, y0 as u32);
                let at = |dx: u32, dy: u32| {
                    let j = b.index(x0 + dx, y0 + dy);
                    (b.segmentation[j] == ground, Vec3::from(b.linear[j]))
                };
                let c = [at(0, 0), at(1, 0), at(0, 1), at(1, 1)];
                if c.iter().any(|(g, _)| !g) {
                    continue;
                }
                let warped = c[0].1.lerp(c[1].1, tx).lerp(c[2].1.lerp(c[3].1, tx), ty);
                sum += f64::from((warped - Vec3::from(a.linear[i])).abs().element_sum() / 3.0);
                n += 1;
            }
        }
    }
    (sum / n.max(1) as f64, n)
}

#[test]
fn mipmaps_keep_a_fine_checker_from_shimmering_in_a_slow_dolly() {
    let text = r##"Scene(version: 1, name: "dolly", duration: 0.5, fps: 8, resolution: (64, 48), lights: [],
        materials: {"floor": (color: "#ffffff", roughness: 1.0)},
        entities: [(name: "floor", shape: Ground, material: "floor")],
        camera: (fov_deg: 50, keys: [(t: 0, at: (0, 1.2, 4), look_at: (0, 0, -6)),
                                     (t: 0.5, at: (0, 1.2, 3.8), look_at: (0, 0, -6.2))]))"##;
    let mut results = Vec::new();
    // (A texture given without its chain still gets one: the upload resamples every
    // level, so "without mipmaps" cannot be shown through the scene; only the bound.)
    let mips = true;
    {
        let mut s = scene(text);
        uniform(&mut s, Vec3::ONE);
        for m in &mut s.materials {
            m.maps = MaterialMaps {
                base_color: Some(Arc::new(checker(64, mips))),
                // 64 texels per 0.5 m: far finer than a pixel beyond a few meters.
                uv_scale: Vec2::splat(2.0),
                ..MaterialMaps::default()
            };
        }
        let (_, _, fbs) = render_all(&s);
        let (err, n) = warp_error(&fbs, 1);
        eprintln!("dolly, mipmaps {mips}: mean warped frame difference {err:.4} over {n} pixels");
        assert!(n > 1000, "only {n} ground pixels compared");
        results.push(err);
    }
    // Bound: the warped frames agree to 0.01 on average (linear units; the checker's
    // cells are ~0.5 apart under this light; measured 0.0059 on lavapipe).
    assert!(results[0] < 0.01, "with mipmaps: {}", results[0]);
}

/// A large textured ground under MOVi-C's camera: the ground's two triangles reach far
/// behind the camera, so they are clipped at the near plane into slivers whose 2×2
/// quads straddle very different ray-cone levels of detail.
const CLIPPED_GROUND: &str = r##"Scene(version: 1, name: "clipped", duration: 0.125, fps: 8, resolution: (128, 128),
    materials: {"g": (color: "#ffffff")},
    entities: [(name: "floor", shape: Ground, material: "g")],
    camera: (focal_mm: 35, sensor_mm: (32, 32), at: (-6.2, 5.6, 7.1), look_at: (0.0, 0.3, 0.0)))"##;

#[test]
fn a_textured_ground_clipped_at_the_near_plane_has_no_dropped_texels() {
    // Every texel the same grey: whatever level and texel a pixel reads, its albedo is
    // that grey. A load outside its level reads zero (the black dashes lavapipe drew
    // when the level's size came from `textureDimensions(t, level)`).
    let grey = [128u8, 128, 128, 255];
    let map = Arc::new(texture(
        "grey",
        ColorSpace::Srgb,
        64,
        64,
        vec![grey; 64 * 64],
        true,
    ));
    let mut s = scene(CLIPPED_GROUND);
    let g = s.materials.iter_mut().find(|m| m.name == "g").unwrap();
    g.maps = MaterialMaps {
        base_color: Some(map),
        uv_scale: Vec2::splat(0.5),
        ..MaterialMaps::default()
    };
    let (_, _, fbs) = render_all(&s);
    let fb = &fbs[0];
    let ground = fb.segmentation[fb.index(fb.width / 2, fb.height - 1)];
    assert_ne!(ground, 0, "the ground fills the bottom of the frame");
    let (mut checked, mut off) = (0, Vec::new());
    for y in 0..fb.height {
        for x in 0..fb.width {
            if fb.segmentation[fb.index(x, y)] != ground || !interior(fb, x, y) {
                continue;
            }
            checked += 1;
            let a = &fb.albedo[4 * fb.index(x, y)..][..3];
            // 128 ± 2: the sRGB round trip of the map and the albedo target.
            if a.iter().any(|&c| c.abs_diff(128) > 2) {
                off.push((x, y, [a[0], a[1], a[2]]));
            }
        }
    }
    assert!(checked > 5000, "only {checked} ground pixels");
    assert!(
        off.is_empty(),
        "{} of {checked} ground pixels are not the map's grey, e.g. {:?}",
        off.len(),
        &off[..off.len().min(8)]
    );
}

#[test]
fn each_map_alone_reaches_the_lit_preview() {
    // The lit pass is specialized by which maps a material has: each kind, alone, must
    // still be sampled. A sphere in a uniform world under a sun; metallic for the
    // metallic-roughness map (metal × B), emitting for the emissive map. The maps are a
    // uniform grey (sRGB 64 ≈ 5 %, linear 25 %). The normal map alone: the
    // bit-identical test above.
    let grey = |cs| {
        let texels = vec![[64u8, 64, 64, 255]; 16];
        Arc::new(texture("grey", cs, 4, 4, texels, true))
    };
    let sphere = |metallic: f32, emission: f32| {
        let mut s = scene(&format!(
            r##"Scene(version: 1, name: "maps", duration: 0.125, fps: 8, resolution: (48, 48),
            lights: [Sun(direction: (-0.4, -1.0, -0.6), intensity: 3.0)],
            materials: {{"m": (color: "#cccccc", roughness: 0.6, metallic: {metallic:?}, emission: ({emission:?}, {emission:?}, {emission:?}))}},
            entities: [(name: "ball", shape: Sphere(radius: 1.0), material: "m", body: Fixed, at: (0, 0, 0))],
            camera: (fov_deg: 40, at: (0, 0, 5), look_at: (0, 0, 0)))"##
        ));
        uniform(&mut s, Vec3::splat(0.5));
        s
    };
    type Set = fn(&mut MaterialMaps, Arc<Texture>);
    let kinds: [(&str, Set, ColorSpace, Scene); 4] = [
        (
            "base color",
            |m, t| m.base_color = Some(t),
            ColorSpace::Srgb,
            sphere(0.0, 0.0),
        ),
        (
            "metallic-roughness",
            |m, t| m.metallic_roughness = Some(t),
            ColorSpace::Linear,
            sphere(1.0, 0.0),
        ),
        (
            "emissive",
            |m, t| m.emissive = Some(t),
            ColorSpace::Srgb,
            sphere(0.0, 2.0),
        ),
        (
            "occlusion",
            |m, t| m.occlusion = Some(t),
            ColorSpace::Linear,
            sphere(0.0, 0.0),
        ),
    ];
    for (name, set, cs, plain) in kinds {
        let mut mapped = plain.clone();
        let m = mapped.materials.iter_mut().find(|m| m.name == "m").unwrap();
        set(&mut m.maps, grey(cs));
        let (a, b) = (&render_all(&plain).2[0], &render_all(&mapped).2[0]);
        let (mut covered, mut changed) = (0, 0);
        for (i, (p, q)) in a.linear.iter().zip(&b.linear).enumerate() {
            let (x, y) = (i as u32 % b.width, i as u32 / b.width);
            if b.segmentation[i] == 0 || !interior(b, x, y) {
                continue;
            }
            covered += 1;
            let (p, q) = (Vec3::from(*p).element_sum(), Vec3::from(*q).element_sum());
            if (p - q).abs() > 0.05 * p {
                changed += 1;
            }
        }
        assert!(covered > 300, "only {covered} sphere pixels");
        assert!(
            changed * 10 > covered * 9,
            "the {name} map changed only {changed} of {covered} pixels by over 5 %"
        );
    }
}
