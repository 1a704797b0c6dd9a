//! `cinegraph dataset`: seeded random scenes rendered by the raster (the finisher's
//! conditioning) and by the path tracer (the target), written in the format of
//! [`crate::neural::dataset`].
//!
//! Input: [`DatasetOptions`]. Output: a dataset folder; scene `i` depends only on the
//! dataset's seed and `i` (see [`crate::neural::dataset`] for the sampling rule and the
//! held-out split), so the files are the same bytes on every run and a re-run keeps the
//! complete scenes of an earlier run with the same options.

use std::path::Path;

use super::PipelineError;
use super::frames::{Frames, Window};
use crate::files;
use crate::neural::FrameInputs;
use crate::neural::dataset::{self, Manifest, SceneFrames, SceneRecord, held_out};
use crate::progress::{Progress, Silent};
use crate::reference::{Lens, ReferenceOptions, Tracer};
use crate::rng::SeededRng;

/// What to render.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetOptions {
    /// Scenes.
    pub scenes: usize,
    /// The dataset's seed.
    pub seed: u64,
    /// Frames per scene (consecutive, for the temporal terms).
    pub frames: usize,
    /// Width and height, pixels.
    pub size: u32,
    /// Reference samples per pixel.
    pub spp: u32,
    /// Worker threads of the path tracer (0: every core).
    pub threads: usize,
    /// Render only the held-out scenes (an evaluation set; the training scenes are
    /// skipped, not drawn differently).
    pub held_out_only: bool,
}

impl Default for DatasetOptions {
    fn default() -> Self {
        Self {
            scenes: 16,
            seed: 1,
            frames: 4,
            size: 64,
            spp: 64,
            threads: 0,
            held_out_only: false,
        }
    }
}

/// A file a dataset scene refers to, drawn with it and written beside the dataset
/// (`assets/`).
#[derive(Debug, Clone)]
pub(crate) enum Asset {
    /// An equirectangular environment map (Radiance `.hdr`).
    Hdr(crate::world::EnvMap),
    /// A base-color map (PNG).
    Png(image::RgbImage),
}

/// Random scene `i` (see the module docs): its RON text (file paths relative to the
/// dataset folder), its seed, its style's index and the files it refers to.
#[derive(Debug, Clone)]
pub(crate) struct DrawnScene {
    pub text: String,
    pub seed: u64,
    pub style: u32,
    pub assets: Vec<(String, Asset)>,
}

/// The worlds a dataset scene is drawn in: a plain floor or one of the bundled sets.
const WORLDS: [&str; 5] = ["floor", "studio", "room", "tabletop", "outdoor"];

/// The six procedural patterns both renderers draw.
const PATTERNS: [&str; 6] = [
    "Wood",
    "Marble",
    "BrushedMetal",
    "Concrete",
    "Rubber",
    "Fabric",
];

/// A seeded procedural HDR environment: a sky-to-ground gradient of random hue with one to
/// three bright rectangular emitters (softboxes, windows) of random color and size, so
/// that an "HDRI" scene is lit by a few strong, shaped sources as a captured one is.
fn drawn_hdri(r: &mut SeededRng) -> crate::world::EnvMap {
    use glam::Vec3;
    let sky =
        Vec3::new(r.range(0.2, 1.0), r.range(0.2, 1.0), r.range(0.3, 1.2)) * r.range(0.2, 0.8);
    let ground = Vec3::new(r.range(0.05, 0.4), r.range(0.05, 0.4), r.range(0.05, 0.4));
    let lights: Vec<(Vec3, f32, Vec3)> = (0..1 + r.index(3))
        .map(|_| {
            let az = r.range(0.0, std::f32::consts::TAU);
            let el = r.range(0.15, 1.2);
            let dir = Vec3::new(el.cos() * az.cos(), el.sin(), el.cos() * az.sin());
            let half = r.range(0.08, 0.3);
            let color = Vec3::new(r.range(0.7, 1.0), r.range(0.7, 1.0), r.range(0.7, 1.0));
            (dir, half, color * r.range(8.0, 30.0))
        })
        .collect();
    crate::world::EnvMap::from_fn(128, 64, |d| {
        let t = (d.y * 0.5 + 0.5).clamp(0.0, 1.0);
        let mut c = ground.lerp(sky, t);
        for (dir, half, color) in &lights {
            // A square patch around `dir`, measured by the angle off it along two axes.
            let side = dir.cross(Vec3::Y).normalize_or(Vec3::X);
            let up = side.cross(*dir);
            if d.dot(*dir) > 0.0 && d.dot(side).abs() < *half && d.dot(up).abs() < *half {
                c += *color;
            }
        }
        c
    })
}

/// A seeded 64 × 64 base-color texture: tiles, stripes or soft blobs in two random
/// colors.
fn drawn_texture(r: &mut SeededRng) -> image::RgbImage {
    let pick = |r: &mut SeededRng| [0, 1, 2].map(|_| (r.range(0.1, 0.95) * 255.0) as u8);
    let (a, b) = (pick(r), pick(r));
    let kind = r.index(3);
    let period = [4u32, 8, 16][r.index(3)];
    let (fx, fy, ph) = (r.range(0.05, 0.3), r.range(0.05, 0.3), r.range(0.0, 6.3));
    image::RgbImage::from_fn(64, 64, |x, y| {
        let t = match kind {
            0 => f32::from(u8::from((x / period + y / period) % 2 == 1)),
            1 => f32::from(u8::from((x / period) % 2 == 1)),
            _ => 0.5 + 0.5 * ((x as f32 * fx + ph).sin() * (y as f32 * fy).cos()),
        };
        image::Rgb([0, 1, 2].map(|c| (f32::from(a[c]) * (1.0 - t) + f32::from(b[c]) * t) as u8))
    })
}

/// Random scene `i` (see the module docs). Everything is drawn from
/// `SeededRng(seed, "dataset/scene/i")`: the style; the world (a plain floor, or the
/// studio, room, tabletop or outdoor set, with a camera placed where the set allows);
/// the environment (the style's rig or a sun, a Preetham sky at a random hour and haze,
/// or a procedural HDR map); fog in a quarter of the scenes; four object materials, each
/// plain or with one of the six patterns, metal in three of ten; the plain floor plain,
/// patterned or with a procedural texture map.
///
/// # Errors
/// The bundled styles failing to load.
pub(crate) fn scene_text(opts: &DatasetOptions, i: usize) -> Result<DrawnScene, PipelineError> {
    let styles = crate::style::bundled()?;
    let mut r = SeededRng::new(opts.seed, &format!("dataset/scene/{i}"));
    let scene_seed = r.next_u64() >> 12;
    let style_index = r.index(styles.len());
    let style = styles[style_index].name().to_string();
    let world = WORLDS[r.index(WORLDS.len())];
    let mut assets = Vec::new();
    let mut materials = String::new();
    for m in 0..4 {
        let (cr, cg, cb) = (
            r.range(0.05, 0.95),
            r.range(0.05, 0.95),
            r.range(0.05, 0.95),
        );
        let metallic = if r.unit() < 0.3 { 1.0 } else { 0.0 };
        let rough = r.range(0.15, 1.0);
        let pattern = if r.unit() < 0.4 {
            format!(
                ", pattern: {}, pattern_scale: {:.2}",
                PATTERNS[r.index(PATTERNS.len())],
                r.range(1.0, 4.0)
            )
        } else {
            String::new()
        };
        materials.push_str(&format!(
            "\"m{m}\": (color: ({cr:.3}, {cg:.3}, {cb:.3}), roughness: {rough:.3}, metallic: {metallic}, restitution: 0.5{pattern}),\n"
        ));
    }
    let (fr, fg, fb) = (r.range(0.3, 0.9), r.range(0.3, 0.9), r.range(0.3, 0.9));
    let floor_look = match r.index(3) {
        0 => String::new(),
        1 => format!(
            ", pattern: {}, pattern_scale: {:.2}",
            PATTERNS[r.index(PATTERNS.len())],
            r.range(1.0, 4.0)
        ),
        _ => {
            let file = format!("assets/floor-{i:04}.png");
            assets.push((file.clone(), Asset::Png(drawn_texture(&mut r))));
            format!(
                ", base_color_map: \"{file}\", uv_scale: ({0:.2}, {0:.2})",
                r.range(0.3, 1.5)
            )
        }
    };
    let (sx, sy, sz) = (r.range(0.4, 0.8), r.range(0.4, 0.8), r.range(0.4, 0.8));
    let radius = r.range(0.25, 0.45);
    let count = 2 + r.index(6);
    let azimuth = r.range(0.0, std::f32::consts::TAU);
    // Where the camera may stand and how far the objects spread, by world.
    let (dist, height, spread, drop, scales) = match world {
        "room" => (
            r.range(2.4, 3.6),
            r.range(1.2, 2.6),
            1.5,
            (0.6, 2.0),
            "[0.7, 1.0]",
        ),
        "tabletop" => (
            r.range(1.8, 3.0),
            r.range(0.8, 1.8),
            0.4,
            (0.3, 1.0),
            "[0.3, 0.45]",
        ),
        _ => (
            r.range(6.0, 10.0),
            r.range(2.0, 6.0),
            2.0,
            (0.6, 2.5),
            "[1.0, 1.5]",
        ),
    };
    // The studio's back wall stands at z = −6: the camera stays in front of it.
    let azimuth = if world == "studio" {
        r.range(0.5, std::f32::consts::PI - 0.5)
    } else {
        azimuth
    };
    let (cx, cz) = (dist * azimuth.cos(), dist * azimuth.sin());
    let (dx, dz) = (r.symmetric(spread * 0.5), r.symmetric(spread * 0.5));
    let sun = r.range(1.5, 4.0);
    let ambient = r.range(0.1, 0.6);
    // The light: the style's own rig (no explicit lights; a set's lights if there is a
    // set), a plain sun and ambient, a sky at a random hour and haze, or an HDR map.
    let light_kind = r.index(4);
    let lights = match light_kind {
        1 => format!(
            "lights: [Sun(direction: ({:.3}, -1.0, {:.3}), intensity: {sun:.3}), Ambient(intensity: {ambient:.3})],",
            r.symmetric(0.8),
            r.symmetric(0.8)
        ),
        2 if world != "studio" => format!(
            "environment: Sky(sun: Angles(elevation_deg: {:.1}, azimuth_deg: {:.1}), turbidity: {:.2}),",
            r.range(-3.0, 75.0),
            r.range(0.0, 360.0),
            r.range(2.0, 7.0)
        ),
        3 if world != "room" => {
            let file = format!("assets/env-{i:04}.hdr");
            assets.push((file.clone(), Asset::Hdr(drawn_hdri(&mut r))));
            format!(
                "environment: Hdri(path: \"{file}\", rotate_deg: {:.1}, intensity: {:.2}),",
                r.range(0.0, 360.0),
                r.range(0.6, 1.6)
            )
        }
        _ => String::new(),
    };
    let fog = if r.unit() < 0.25 {
        format!(
            "fog: (density: {:.3}, height_falloff: {:.2}),",
            r.range(0.01, 0.06),
            r.range(0.05, 0.3)
        )
    } else {
        String::new()
    };
    let (set, floor) = if world == "floor" {
        (
            String::new(),
            "(name: \"floor\", shape: Ground, material: \"floor\"),".to_string(),
        )
    } else {
        (format!("set: \"{world}\","), String::new())
    };
    let fps = 12;
    let duration = opts.frames as f32 / fps as f32;
    let text = format!(
        r#"Scene(
    version: 1,
    name: "dataset-{i}",
    seed: {scene_seed},
    duration: {duration},
    fps: {fps},
    physics_hz: 240,
    resolution: ({size}, {size}),
    style: "{style}",
    {set}
    materials: {{
        {materials}
        "floor": (color: ({fr:.3}, {fg:.3}, {fb:.3}), roughness: 0.9{floor_look}),
    }},
    prefabs: {{
        "cube": (shape: Box(size: ({sx:.3}, {sy:.3}, {sz:.3}))),
        "sphere": (shape: Sphere(radius: {radius:.3})),
        "cylinder": (shape: Cylinder(radius: {radius:.3}, height: {sy:.3})),
    }},
    entities: [
        {floor}
        (name: "object", body: Dynamic(),
         repeat: Scatter(count: {count}, min: (-{spread}, {d0}, -{spread}), max: ({spread}, {d1}, {spread}),
                         prefabs: ["cube", "sphere", "cylinder"], materials: ["m0", "m1", "m2", "m3"],
                         scales: {scales}, gap: 0.05, toward: (0.0, 0.0, 0.0), speed: (0.5, 3.0))),
    ],
    camera: (focal_mm: 35, sensor_mm: (32, 32), at: ({cx:.3}, {height:.3}, {cz:.3}), look_at: ({dx:.3}, {look_y}, {dz:.3})),
    {lights}
    {fog}
)
"#,
        size = opts.size,
        d0 = drop.0,
        d1 = drop.1,
        look_y = if world == "tabletop" { 0.1 } else { 0.5 },
    );
    Ok(DrawnScene {
        text,
        seed: scene_seed,
        style: style_index as u32,
        assets,
    })
}

/// Writes a drawn scene's files under `dir` (atomically; an existing file is the same
/// bytes, so it is written again).
pub(crate) fn write_assets(dir: &Path, assets: &[(String, Asset)]) -> Result<(), PipelineError> {
    for (name, asset) in assets {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| files::FileError::Write {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        match asset {
            Asset::Hdr(map) => {
                crate::world::hdri::write_hdr(&path, map).map_err(|e| files::FileError::Write {
                    path: path.clone(),
                    source: std::io::Error::other(e),
                })?
            }
            Asset::Png(img) => crate::output::write_png_rgb(&path, img)?,
        }
    }
    Ok(())
}

/// Renders scene `i`: raster buffers and path-traced references, and the scene's seed
/// and the path tracer's seconds.
fn render_scene(
    dir: &Path,
    opts: &DatasetOptions,
    i: usize,
) -> Result<(SceneFrames, u64, f64), PipelineError> {
    let in_scene = |e: PipelineError| PipelineError::DatasetScene {
        index: i,
        source: Box::new(e),
    };
    let drawn = scene_text(opts, i)?;
    let (scene_seed, style) = (drawn.seed, drawn.style);
    write_assets(dir, &drawn.assets).map_err(in_scene)?;
    let (scene, look) =
        crate::style::parse_str(&drawn.text, &format!("dataset scene {i}"), dir, None)
            .map_err(|e| in_scene(e.into()))?;
    let traj = crate::physics::simulate(&scene, &Silent).map_err(|e| in_scene(e.into()))?;
    let plan = crate::camera::plan(&scene, &traj).map_err(|e| in_scene(e.into()))?;
    let n = traj.frames.len().min(opts.frames);
    let window = Window {
        neighbours: false,
        history: true,
    };
    let mut frames =
        Frames::new(&scene, &look, &traj, &plan, (0..n).collect(), window).map_err(in_scene)?;
    let ref_opts = ReferenceOptions {
        spp: opts.spp,
        max_bounces: 4,
        lens: Lens {
            aperture_f: scene.camera.aperture,
            focus_distance: scene.camera.focus_distance,
        },
        shutter_deg: 0.0,
        threads: opts.threads,
    };
    let tracer = Tracer::new(&scene, &traj, &plan.frames, ref_opts)
        .map_err(|e| in_scene(e.into()))?
        .with_cuts(|k| plan.cut_before(k));
    let mut objects: Vec<u32> = scene
        .entities
        .iter()
        .filter(|e| {
            e.body.is_some_and(|b| {
                matches!(scene.bodies[b].kind, crate::scene::BodyKind::Dynamic { .. })
            })
        })
        .map(|e| e.id)
        .collect();
    objects.sort_unstable();
    let mut inputs = Vec::with_capacity(n);
    let mut reference = Vec::with_capacity(n);
    let start = std::time::Instant::now();
    let mut ref_seconds = 0.0;
    while let Some(f) = frames.next_frame().map_err(in_scene)? {
        inputs.push(FrameInputs::from_buffers(&f.buffers, f.prev_segmentation));
        let t = std::time::Instant::now();
        let traced = tracer
            .render(f.index, &Silent)
            .map_err(|e| in_scene(e.into()))?;
        ref_seconds += t.elapsed().as_secs_f64();
        reference.push(traced.color);
    }
    tracing::debug!(
        scene = i,
        seconds = start.elapsed().as_secs_f64(),
        "dataset scene"
    );
    Ok((
        SceneFrames {
            inputs,
            reference,
            style,
            objects,
        },
        scene_seed,
        ref_seconds,
    ))
}

/// Renders `opts.scenes` scenes into `out` (resumable: complete scenes of an earlier run
/// with the same options are kept).
///
/// # Errors
/// [`PipelineError::BadOption`] and [`PipelineError::Reference`] for bad options;
/// [`PipelineError::DatasetScene`] when a scene fails to render;
/// [`PipelineError::Output`] and [`PipelineError::Neural`] when a file cannot be written.
pub fn write_dataset(
    out: &Path,
    opts: &DatasetOptions,
    progress: &dyn Progress,
) -> Result<DatasetReport, PipelineError> {
    if opts.scenes == 0 || opts.frames == 0 {
        return Err(PipelineError::BadOption(
            "dataset: --scenes and --frames must be at least 1".into(),
        ));
    }
    if opts.size < 16 || !opts.size.is_multiple_of(16) || opts.size > 1024 {
        return Err(PipelineError::BadOption(format!(
            "dataset: --size must be a multiple of 16 in 16..=1024, got {}",
            opts.size
        )));
    }
    ReferenceOptions {
        spp: opts.spp,
        ..Default::default()
    }
    .check()?;
    super::create_dir(out)?;
    let styles: Vec<String> = crate::style::bundled()?
        .iter()
        .map(|s| s.name().to_string())
        .collect();
    let fresh = Manifest::new(opts.seed, opts.size, opts.frames, opts.spp, styles);
    let manifest_path = out.join("dataset.json");
    let mut manifest: Manifest = files::read_json(&manifest_path)
        .ok()
        .filter(|m: &Manifest| m.same_settings(&fresh))
        .unwrap_or(fresh);
    let wanted: Vec<usize> = (0..opts.scenes)
        .filter(|&i| !opts.held_out_only || held_out(i))
        .collect();
    let todo: Vec<usize> = wanted
        .iter()
        .copied()
        .filter(|i| {
            !manifest
                .scenes
                .get(i)
                .is_some_and(|r| out.join(&r.file).is_file())
        })
        .collect();
    progress.start("dataset", todo.len() as u64);
    let mut seconds = 0.0;
    let mut frames = 0usize;
    for &i in &todo {
        let (s, scene_seed, ref_s) = render_scene(out, opts, i)?;
        seconds += ref_s;
        frames += s.inputs.len();
        let file = format!("scene-{i:04}.safetensors");
        files::write_atomic(&out.join(&file), &dataset::scene_bytes(&s)?)?;
        manifest.scenes.insert(
            i,
            SceneRecord {
                seed: scene_seed,
                style: manifest
                    .styles
                    .get(s.style as usize)
                    .cloned()
                    .unwrap_or_default(),
                style_index: s.style,
                split: dataset::split_name(i).into(),
                file,
                reference_seconds: ref_s,
            },
        );
        files::write_json(&manifest_path, &manifest)?;
        progress.advance(1);
    }
    progress.finish();
    Ok(DatasetReport {
        rendered: todo.len(),
        skipped: wanted.len() - todo.len(),
        held_out: (0..opts.scenes).filter(|&i| held_out(i)).count(),
        reference_seconds_per_frame: if frames == 0 {
            0.0
        } else {
            seconds / frames as f64
        },
    })
}

/// What `dataset` produced.
#[derive(Debug, Clone)]
pub struct DatasetReport {
    /// Scenes rendered now.
    pub rendered: usize,
    /// Scenes already complete from an earlier run with the same options.
    pub skipped: usize,
    /// Held-out scenes (of all).
    pub held_out: usize,
    /// Mean path-tracer seconds per frame over the scenes rendered now.
    pub reference_seconds_per_frame: f64,
}
