//! `--layout kubric`: Kubric's own file names, encodings and conventions, so that
//! datasets made for Kubric's readers load unchanged (formats as in Kubric's
//! `kubric/file_io.py` and its Blender post-processing):
//!
//! - `rgba_00000.png`: RGBA, 8 bit.
//! - `depth_00000.tiff`: float32, one channel, **distance to the camera center** (along the
//!   ray, not along the optical axis), background `1e10`.
//! - `forward_flow_00000.png`, `backward_flow_00000.png`: flow as **(Δrow, Δcol)**, 16-bit
//!   RGB with a zero third channel, scaled `(v - min) * 65535 / (max - min)` with `min`,
//!   `max` over all frames and both channels, recorded in `data_ranges.json`
//!   (`{"forward_flow": {"min", "max"}, "backward_flow": {...}}`). Both flows point
//!   **forward in time**, as Blender's vector pass does (its two halves are "previous
//!   position > current position" and "current position > next position") and Kubric
//!   keeps (its issue #152):
//!   `forward_flow[t]` is the displacement from `t` to `t + 1`, `backward_flow[t]` the
//!   displacement from `t - 1` to `t` (the negative of cinegraph's native backward flow).
//! - `segmentation_00000.png`: 8-bit palette PNG, re-indexed as Kubric does: the visible
//!   foreground objects (every shape but `Ground`, every cloth and every liquid), sorted by total visible pixels
//!   descending (ties in scene order), get ids 1, 2, …; everything else is 0.
//! - `normal_00000.png`: 16-bit RGB, the world-space unit normal in Kubric's Z-up world,
//!   `(n + 1) · 65535 / 2` (Kubric's `process_normal`); background `(0, 0, 0)` → 32767.
//! - `object_coordinates_00000.png`: 16-bit RGB, each object pixel's point in the
//!   object's own frame (axes as Kubric's Z-up convention maps them), relative to the
//!   object's bounding box, `(p − min) / (max − min)` clipped to [0, 1] · 65535 (Kubric's
//!   `process_object_coordinates`); background and the ground 0. The point comes from
//!   the depth along the pixel's ray and the object's pose.
//! - `metadata.json`, `events.json`: Kubric-shaped (`metadata`, `camera`, `instances` in the
//!   re-indexed order; `collisions` with instance indices), with positions in Kubric's
//!   Z-up world (`(x, y, z)_kubric = (x, -z, y)_cinegraph`) and quaternions `[w, x, y, z]`;
//!   every instance has `bboxes_3d` (per frame the 8 world-space corners of its bounding
//!   box in its own frame, corner `i` taking the max along x, y, z for bits 2, 1, 0 of
//!   `i`); a collision with the ground or another non-instance names it 65535, as the
//!   MOVi builders document.
//!
//! Every frame has all seven of Kubric's layers (`rgba`, `segmentation`,
//! `forward_flow`, `backward_flow`, `depth`, `normal`, `object_coordinates`): the MOVi
//! builders' `is_complete_dir` keeps a folder only when their counts agree.

use std::io::Cursor;
use std::path::Path;

use glam::{Quat, Vec3};
use serde_json::{Value, json};

use crate::camera::CameraFrame;
use crate::files::{FileError, write_atomic, write_json};
use crate::physics::Trajectory;
use crate::raster::FrameBuffers;
use crate::scene::{Scene, Shape};

/// Depth Kubric writes for the background.
pub const KUBRIC_BACKGROUND_DEPTH: f32 = 1e10;

fn fmt_err(path: &Path, e: impl std::fmt::Display) -> FileError {
    FileError::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Y-up to Kubric's Z-up: a quarter turn about +X.
fn z_up() -> Quat {
    Quat::from_rotation_x(std::f32::consts::FRAC_PI_2)
}

fn kv(v: Vec3) -> [f32; 3] {
    (z_up() * v).to_array()
}

fn kq(q: Quat) -> [f32; 4] {
    let k = z_up() * q;
    [k.w, k.x, k.y, k.z]
}

/// The entities Kubric would list as instances, in its order: visible foreground objects
/// by total visible pixels, descending. Returns entity indices.
pub fn kubric_instances(scene: &Scene, frames: &[FrameBuffers]) -> Vec<usize> {
    let mut totals = vec![0u64; scene.entities.len() + 1];
    for fb in frames {
        for &id in &fb.segmentation {
            if let Some(t) = totals.get_mut(id as usize) {
                *t += 1;
            }
        }
    }
    let mut order: Vec<usize> = scene
        .entities
        .iter()
        .enumerate()
        .filter(|(i, e)| {
            let cloth = scene.cloths.iter().any(|c| c.entity == *i)
                || scene.fluids.iter().any(|f| f.entity == *i);
            (cloth || matches!(&e.shape, Some(s) if !matches!(s, Shape::Ground)))
                && totals[*i + 1] > 0
        })
        .map(|(i, _)| i)
        .collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(totals[i + 1]), i));
    order
}

fn png16_rgb(path: &Path, w: u32, h: u32, samples: &[u16]) -> Result<(), FileError> {
    let mut bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bytes, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Sixteen);
        let mut writer = enc.write_header().map_err(|e| fmt_err(path, e))?;
        let data: Vec<u8> = samples.iter().flat_map(|v| v.to_be_bytes()).collect();
        writer
            .write_image_data(&data)
            .map_err(|e| fmt_err(path, e))?;
    }
    write_atomic(path, &bytes)
}

/// An HLS-style palette of `n` hues (index 0 black), like Kubric's segmentation palette.
fn palette(n: usize) -> Vec<u8> {
    let mut out = vec![0u8, 0, 0];
    for i in 1..n.max(1) {
        let h = (i - 1) as f32 / (n - 1).max(1) as f32 * 6.0;
        let (r, g, b) = super::plot::hue_sextant_rgb(h);
        out.extend([r, g, b].map(|c: f32| (c * 200.0 + 40.0) as u8));
    }
    out
}

/// A non-instance in Kubric's collision records (the floor, the background).
pub const KUBRIC_NOT_AN_INSTANCE: i64 = 65535;

/// A cinegraph vector in Kubric's Z-up axes.
fn z_up_vec(v: Vec3) -> Vec3 {
    z_up() * v
}

/// Writes the whole clip in Kubric's layout. `frames[k]` is frame `first + k`.
///
/// # Errors
/// [`FileError`] if a file cannot be written, or if more than 255 objects are visible
/// (Kubric's segmentation is 8-bit).
pub fn write_kubric(
    dir: &Path,
    scene: &Scene,
    traj: &Trajectory,
    cams: &[CameraFrame],
    first: usize,
    frames: &[FrameBuffers],
) -> Result<(), FileError> {
    std::fs::create_dir_all(dir).map_err(|source| FileError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let instances = kubric_instances(scene, frames);
    if instances.len() > 255 {
        return Err(fmt_err(
            dir,
            format!(
                "{} visible objects do not fit Kubric's 8-bit segmentation; use the native layout (16-bit)",
                instances.len()
            ),
        ));
    }
    let mut remap = vec![0u8; scene.entities.len() + 1];
    for (k, &e) in instances.iter().enumerate() {
        remap[e + 1] = (k + 1) as u8;
    }
    let ranges = |sel: &dyn Fn(&FrameBuffers) -> &Vec<[f32; 2]>| {
        frames
            .iter()
            .flat_map(|fb| sel(fb).iter().flatten().copied())
            .fold((f32::MAX, f32::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)))
    };
    let fwd_range = ranges(&|fb| &fb.flow_fwd);
    let bwd_range = ranges(&|fb| &fb.flow_bwd);
    // Kubric's backward flow points forward in time: negate, so its range flips.
    let bwd_range = (-bwd_range.1, -bwd_range.0);

    for (i, fb) in frames.iter().enumerate() {
        let k = first + i;
        let (w, h) = (fb.width, fb.height);
        let name = |stem: &str, ext: &str| dir.join(format!("{stem}_{k:05}.{ext}"));

        let p = name("rgba", "png");
        let mut bytes = Vec::new();
        image::ImageEncoder::write_image(
            image::codecs::png::PngEncoder::new(&mut bytes),
            &fb.color,
            w,
            h,
            image::ExtendedColorType::Rgba8,
        )
        .map_err(|e| fmt_err(&p, e))?;
        write_atomic(&p, &bytes)?;

        // Each pixel's ray (unit direction, depth per metre along it), cast once: the
        // depth and the object coordinates both need it.
        let cam = &cams[k];
        let rays: Vec<_> = (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| cam.ray(f64::from(x) + 0.5, f64::from(y) + 0.5))
            .collect();
        let depth: Vec<f32> = fb
            .depth
            .iter()
            .zip(&rays)
            .map(|(&z, &(_, depth_per_meter))| {
                if z.is_finite() {
                    z / depth_per_meter
                } else {
                    KUBRIC_BACKGROUND_DEPTH
                }
            })
            .collect();
        let p = name("depth", "tiff");
        let mut buf = Cursor::new(Vec::new());
        tiff::encoder::TiffEncoder::new(&mut buf)
            .and_then(|mut t| t.write_image::<tiff::encoder::colortype::Gray32Float>(w, h, &depth))
            .map_err(|e| fmt_err(&p, e))?;
        write_atomic(&p, &buf.into_inner())?;

        for (stem, flow, (lo, hi), sign) in [
            ("forward_flow", &fb.flow_fwd, fwd_range, 1.0f32),
            ("backward_flow", &fb.flow_bwd, bwd_range, -1.0),
        ] {
            let scale = if hi > lo { 65535.0 / (hi - lo) } else { 0.0 };
            let q = |v: f32| ((v - lo) * scale).clamp(0.0, 65535.0) as u16;
            let samples: Vec<u16> = flow
                .iter()
                .flat_map(|f| [q(sign * f[1]), q(sign * f[0]), 0])
                .collect();
            png16_rgb(&name(stem, "png"), w, h, &samples)?;
        }

        let p = name("segmentation", "png");
        let ids: Vec<u8> = fb
            .segmentation
            .iter()
            .map(|&id| remap.get(id as usize).copied().unwrap_or(0))
            .collect();
        let mut bytes = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut bytes, w, h);
            enc.set_color(png::ColorType::Indexed);
            enc.set_depth(png::BitDepth::Eight);
            enc.set_palette(palette(instances.len() + 1));
            let mut writer = enc.write_header().map_err(|e| fmt_err(&p, e))?;
            writer.write_image_data(&ids).map_err(|e| fmt_err(&p, e))?;
        }
        write_atomic(&p, &bytes)?;

        let q16 = |v: f32| (v.clamp(0.0, 1.0) * 65535.0) as u16;
        let normals: Vec<u16> = fb
            .normal
            .iter()
            .flat_map(|n| {
                let n = z_up_vec(Vec3::from(*n));
                [n.x, n.y, n.z].map(|c| ((c.clamp(-1.0, 1.0) + 1.0) * 0.5 * 65535.0) as u16)
            })
            .collect();
        png16_rgb(&name("normal", "png"), w, h, &normals)?;

        let poses = &traj.frames[k].poses;
        let coords: Vec<u16> = (0..fb.depth.len())
            .flat_map(|i| {
                let e = (fb.segmentation[i] as usize).checked_sub(1);
                let bounds = e.and_then(|e| {
                    let shape = scene.entities.get(e)?.shape.as_ref()?;
                    Some((e, shape.local_bounds()?))
                });
                match bounds {
                    Some((e, (lo, hi))) if fb.depth[i].is_finite() => {
                        let world = cam.pose.translation + rays[i].0 * depth[i];
                        let pose = poses[e];
                        let local = pose.rotation.conjugate() * (world - pose.translation);
                        let (lo, hi) = (z_up_vec(lo), z_up_vec(hi));
                        let (lo, hi) = (lo.min(hi), lo.max(hi));
                        let t = (z_up_vec(local) - lo) / (hi - lo).max(Vec3::splat(1e-9));
                        [q16(t.x), q16(t.y), q16(t.z)]
                    }
                    _ => [0, 0, 0],
                }
            })
            .collect();
        png16_rgb(&name("object_coordinates", "png"), w, h, &coords)?;
    }
    write_json(
        &dir.join("data_ranges.json"),
        &json!({
            "forward_flow": {"min": fwd_range.0, "max": fwd_range.1},
            "backward_flow": {"min": bwd_range.0, "max": bwd_range.1},
        }),
    )?;

    // Kubric-shaped metadata: the rendered frames only.
    let range = first..first + frames.len();
    let (w, h) = scene.resolution;
    let cam0 = &cams[first];
    let focal_mm = cam0.focal_px() * f64::from(scene.camera.sensor_mm.0) / f64::from(w);
    let fov_x = 2.0 * (f64::from(w) * 0.5 / cam0.focal_px()).atan();
    let stats: Vec<super::FrameStats> = frames
        .iter()
        .map(|fb| super::object_stats(fb, scene.entities.len()))
        .collect();
    let instance_info: Vec<Value> = instances
        .iter()
        .map(|&e| {
            let ent = &scene.entities[e];
            let material = &scene.materials[ent.material];
            let visibility: Vec<u64> = stats.iter().map(|s| s[e].0).collect();
            let mut bboxes = Vec::new();
            let mut bbox_frames = Vec::new();
            for (i, s) in stats.iter().enumerate() {
                if let Some((_, Some([x0, y0, x1, y1]))) = s.get(e).copied() {
                    bboxes.push([
                        y0 as f32 / h as f32,
                        x0 as f32 / w as f32,
                        (y1 + 1) as f32 / h as f32,
                        (x1 + 1) as f32 / w as f32,
                    ]);
                    bbox_frames.push(first + i);
                }
            }
            let f = |k: usize| &traj.frames[k];
            let (lo, hi) = ent
                .shape
                .as_ref()
                .and_then(Shape::local_bounds)
                .unwrap_or((Vec3::ZERO, Vec3::ZERO));
            let bboxes_3d: Vec<Vec<[f32; 3]>> = range
                .clone()
                .map(|k| {
                    let pose = f(k).poses[e];
                    (0..8)
                        .map(|c| {
                            let pick = |bit: usize, a: f32, b: f32| if c >> bit & 1 == 1 { b } else { a };
                            let corner = Vec3::new(
                                pick(2, lo.x, hi.x),
                                pick(1, lo.y, hi.y),
                                pick(0, lo.z, hi.z),
                            );
                            kv(pose.translation + pose.rotation * corner)
                        })
                        .collect()
                })
                .collect();
            json!({
                "asset_id": ent.name,
                "mass": traj.objects[e].body_mass,
                "friction": material.friction,
                "restitution": material.restitution,
                "positions": range.clone().map(|k| kv(f(k).poses[e].translation)).collect::<Vec<_>>(),
                "quaternions": range.clone().map(|k| kq(f(k).poses[e].rotation)).collect::<Vec<_>>(),
                "velocities": range.clone().map(|k| kv(f(k).linvel[e])).collect::<Vec<_>>(),
                "angular_velocities": range.clone().map(|k| kv(f(k).angvel[e])).collect::<Vec<_>>(),
                "image_positions": range.clone().map(|k| {
                    let (u, v, _) = cams[k].project(f(k).poses[e].translation);
                    [u / f64::from(w), v / f64::from(h)]
                }).collect::<Vec<_>>(),
                "visibility": visibility,
                "bboxes": bboxes,
                "bbox_frames": bbox_frames,
                "bboxes_3d": bboxes_3d,
            })
        })
        .collect();
    let meta = json!({
        "flags": {"generator": format!("cinegraph {}", crate::VERSION), "seed": scene.seed},
        "metadata": {
            "resolution": [w, h],
            "frame_rate": scene.fps,
            "step_rate": scene.physics_hz,
            "gravity": kv(scene.gravity),
            "num_frames": frames.len(),
            "num_instances": instances.len(),
            "width": w,
            "height": h,
        },
        "camera": {
            "focal_length": focal_mm,
            "sensor_width": scene.camera.sensor_mm.0,
            "field_of_view": fov_x,
            "positions": range.clone().map(|k| kv(cams[k].pose.translation)).collect::<Vec<_>>(),
            "quaternions": range.clone().map(|k| kq(cams[k].pose.rotation)).collect::<Vec<_>>(),
            "K": cam0.k(),
        },
        "instances": instance_info,
    });
    write_json(&dir.join("metadata.json"), &meta)?;

    let index_of = |e: usize| {
        instances
            .iter()
            .position(|&i| i == e)
            .map_or(KUBRIC_NOT_AN_INSTANCE, |p| p as i64)
    };
    let collisions: Vec<Value> = traj
        .collisions
        .iter()
        .filter(|c| range.contains(&(c.frame as usize)))
        .map(|c| {
            let (u, v, _) = cams[c.frame as usize].project(c.point);
            json!({
                "instances": [index_of(c.a), index_of(c.b)],
                "contact_normal": kv(c.normal),
                "frame": c.frame,
                "force": c.impulse * scene.physics_hz as f32 / scene.substeps().max(1) as f32,
                "position": kv(c.point),
                "image_position": [u / f64::from(w), v / f64::from(h)],
            })
        })
        .collect();
    write_json(
        &dir.join("events.json"),
        &json!({ "collisions": collisions }),
    )
}
