//! `SceneFile` -> `Scene`: resolve names, apply defaults, expand prefabs and repeats,
//! check every number. Collects every problem instead of stopping at the first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use glam::{Quat, Vec3};

use super::error::Problem;
use super::file::{
    ActionFile, BodyFile, CameraFile, Color, EntityFile, EnvironmentFile, FogFile, JitterFile,
    JointKindFile, LightFile, MaterialFile, RepeatFile, SceneFile, ShapeFile, ShotFile, SunFile,
    Target, TimedEventFile,
};
use super::mesh;
use super::model::{
    Action, ActionKind, Body, BodyKind, Camera, CameraKey, Cloth, Entity, Environment, Fog, Joint,
    JointKind, KinematicPath, Light, LookAt, MAX_CLOTH_VERTICES, Material, MaterialMaps, Mesh,
    Motor, Move, Scene, SceneSource, Shape, Shot,
};
use super::set::PlacedSet;
use crate::math::{Pose, quat_from_euler_deg, srgb8_to_linear};
use crate::rng::SeededRng;
use crate::texture::{ColorSpace, TextureBudget};
use crate::world::{HdriSpec, SkySpec};

/// Most entities (after expanding repeats) a scene may have.
pub const MAX_ENTITIES: usize = 100_000;
/// Most rigid bodies a scene may have.
pub const MAX_BODIES: usize = 100_000;
/// Most frames a clip may have.
pub const MAX_FRAMES: u64 = 100_000;
/// Largest width or height in pixels.
pub const MAX_RESOLUTION: u32 = 8192;
/// Highest physics rate, steps per second.
pub const MAX_PHYSICS_HZ: u32 = 10_000;
/// Most physics steps a clip may take.
pub const MAX_STEPS: u64 = 50_000_000;

/// Light rig presets a scene may name with `Rig("…")`.
pub const LIGHT_RIGS: &[&str] = &[
    "three-point",
    "low-key-noir",
    "high-key-soft",
    "golden-hour",
    "overcast",
    "neon-night",
    "top-light",
];

/// What the validator needs besides the parsed file.
pub(crate) struct Origin<'a> {
    pub path: Option<&'a Path>,
    pub base_dir: &'a Path,
    pub text: &'a str,
    /// The set merged into the file, if any.
    pub set: Option<&'a PlacedSet>,
}

struct Ctx<'a> {
    problems: Vec<Problem>,
    seen: BTreeSet<Problem>,
    origin: &'a Origin<'a>,
    seed: u64,
    materials: BTreeMap<String, usize>,
    prefabs: &'a BTreeMap<String, EntityFile>,
    meshes: BTreeMap<(String, u32), Result<Arc<Mesh>, String>>,
    mesh_bytes: BTreeMap<String, Vec<u8>>,
    /// How many materials the file (and its set) wrote; materials from mesh files follow.
    file_materials: usize,
    /// The scene's default material as written (mesh materials take its physics).
    default_material: MaterialFile,
    /// Materials taken from mesh files, in order of first use.
    mesh_materials: Vec<Material>,
    /// The material each mesh file holds, by path as written.
    mesh_material_files: BTreeMap<String, (String, MaterialFile)>,
    /// Maps loaded so far (shared, budgeted).
    textures: TextureBudget,
    /// Other files the scene depends on (HDRIs), by path as written, hashed.
    other_files: BTreeMap<String, blake3::Hash>,
    entities: Vec<Entity>,
    bodies: Vec<Body>,
    names: BTreeMap<String, String>,
    /// Entities that failed their own checks: references to them report nothing more.
    broken: BTreeSet<String>,
    /// Problems raised, duplicates included.
    raised: usize,
    too_many: bool,
}

impl Ctx<'_> {
    fn problem(&mut self, at: &str, message: impl Into<String>) {
        self.raised += 1;
        let p = Problem {
            at: at.to_string(),
            message: message.into(),
        };
        if self.seen.insert(p.clone()) {
            self.problems.push(p);
        }
    }
}

/// Checks a parsed scene file and builds the [`Scene`]; on failure returns every problem.
pub(crate) fn validate(file: &SceneFile, origin: &Origin) -> Result<Scene, Vec<Problem>> {
    let mut cx = Ctx {
        problems: Vec::new(),
        seen: BTreeSet::new(),
        origin,
        seed: file.seed,
        materials: BTreeMap::new(),
        prefabs: &file.prefabs,
        meshes: BTreeMap::new(),
        mesh_bytes: BTreeMap::new(),
        file_materials: 0,
        default_material: MaterialFile::default(),
        mesh_materials: Vec::new(),
        mesh_material_files: BTreeMap::new(),
        textures: TextureBudget::default(),
        other_files: BTreeMap::new(),
        entities: Vec::new(),
        bodies: Vec::new(),
        names: BTreeMap::new(),
        broken: BTreeSet::new(),
        raised: 0,
        too_many: false,
    };

    let frame_count = check_header(&mut cx, file);
    let mut materials = check_materials(&mut cx, &file.materials);
    let sound = super::sound::check_settings(
        file.sound.as_ref(),
        file.set.as_deref(),
        &mut |field, message| cx.problem(field, message),
    );
    check_prefabs(&mut cx, file);

    for (i, e) in file.entities.iter().enumerate() {
        let label = entity_label(&PlacedSet::label(origin.set, "entities", i), e);
        walk_entity(&mut cx, e, &label, None, None, "");
        if cx.too_many {
            break;
        }
    }
    check_bodies(&mut cx);
    if cx.bodies.len() > MAX_BODIES {
        cx.problem(
            "entities",
            format!(
                "{} rigid bodies exceed the limit of {MAX_BODIES}",
                cx.bodies.len()
            ),
        );
    }

    let cloths = check_cloths(&mut cx, file);
    let wind = file.wind.as_ref().and_then(|w| {
        super::cloth::check_wind(w, &mut |field, message| cx.problem(field, message))
    });
    let fluids = check_fluids(&mut cx, file);
    let characters = check_characters(&mut cx, file);
    let joints = check_joints(&mut cx, file);
    let actions = check_events(&mut cx, file);
    let camera = check_camera(&mut cx, &file.camera);
    let lights = check_lights(&mut cx, &file.lights);
    let environment = check_environment(&mut cx, file.environment.as_ref());
    let fog = file.fog.as_ref().and_then(|f| check_fog(&mut cx, f));
    if !cx.problems.is_empty() {
        return Err(cx.problems);
    }
    materials.append(&mut cx.mesh_materials);

    let mut hasher = blake3::Hasher::new();
    hasher.update(origin.text.as_bytes());
    for (path, bytes) in &cx.mesh_bytes {
        hasher.update(path.as_bytes());
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    if let Some(set) = origin.set {
        hasher.update(b"set");
        hasher.update(&(set.text.len() as u64).to_le_bytes());
        hasher.update(set.text.as_bytes());
    }
    // Content only: resolved paths differ between machines.
    for (_, hash) in cx.textures.files() {
        hasher.update(hash.as_bytes());
    }
    for (path, hash) in &cx.other_files {
        hasher.update(path.as_bytes());
        hasher.update(hash.as_bytes());
    }
    let fps = file.fps;
    let physics_hz = file.physics_hz;
    Ok(Scene {
        name: file.name.clone(),
        seed: file.seed,
        duration: file.duration,
        fps,
        physics_hz,
        frame_count,
        gravity: Vec3::from(file.gravity),
        resolution: file.resolution,
        materials,
        entities: cx.entities,
        bodies: cx.bodies,
        joints,
        actions,
        camera,
        lights,
        environment,
        fog,
        style: file.style.clone(),
        sound,
        cloths,
        wind,
        fluids,
        characters,
        source: SceneSource {
            path: origin.path.map(Path::to_path_buf),
            text: origin.text.to_string(),
            hash: hasher.finalize().to_hex().to_string(),
        },
    })
}

fn entity_label(index_path: &str, e: &EntityFile) -> String {
    match &e.name {
        Some(n) => format!("{index_path} \"{n}\""),
        None => index_path.to_string(),
    }
}

fn finite3(v: [f32; 3]) -> bool {
    v.iter().all(|x| x.is_finite())
}

fn fmt3(v: [f32; 3]) -> String {
    format!("({}, {}, {})", v[0], v[1], v[2])
}

/// The closest of `names` to `wanted`, if close enough to be a likely typo.
pub(crate) fn did_you_mean<'a>(wanted: &str, names: impl Iterator<Item = &'a str>) -> String {
    let best = names
        .map(|n| (strsim::levenshtein(wanted, n), n))
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
    match best {
        Some((d, n)) if d <= (wanted.len() / 3).max(2) => format!("; did you mean \"{n}\"?"),
        _ => String::new(),
    }
}

fn check_header(cx: &mut Ctx, f: &SceneFile) -> u32 {
    if f.version != 1 {
        cx.problem(
            "version",
            format!(
                "expected 1 (the only scene format version), found {}",
                f.version
            ),
        );
    }
    if f.name.trim().is_empty() {
        cx.problem("name", "must not be empty");
    }
    if !(f.duration.is_finite() && f.duration > 0.0) {
        cx.problem(
            "duration",
            format!("must be > 0 seconds, got {}", f.duration),
        );
    }
    if f.fps == 0 || f.fps > 1000 {
        cx.problem("fps", format!("must be in 1..=1000, got {}", f.fps));
    }
    if f.physics_hz == 0 || f.physics_hz > MAX_PHYSICS_HZ {
        cx.problem(
            "physics_hz",
            format!("must be in 1..={MAX_PHYSICS_HZ}, got {}", f.physics_hz),
        );
    } else if f.fps > 0 && !f.physics_hz.is_multiple_of(f.fps) {
        let suggestion = f.physics_hz.div_ceil(f.fps) * f.fps;
        cx.problem(
            "physics_hz",
            format!(
                "must be an integer multiple of fps ({}), got {}; try {suggestion}",
                f.fps, f.physics_hz
            ),
        );
    }
    if !finite3(f.gravity) {
        cx.problem(
            "gravity",
            format!("must be finite, got {}", fmt3(f.gravity)),
        );
    }
    let (w, h) = f.resolution;
    if w == 0 || h == 0 || w > MAX_RESOLUTION || h > MAX_RESOLUTION {
        cx.problem(
            "resolution",
            format!("width and height must be in 1..={MAX_RESOLUTION}, got ({w}, {h})"),
        );
    }
    let mut frames = 0u64;
    if f.duration.is_finite() && f.duration > 0.0 && f.fps > 0 {
        let exact = f64::from(f.duration) * f64::from(f.fps);
        frames = exact.round().clamp(1.0, 1e12) as u64;
        if frames > MAX_FRAMES {
            cx.problem(
                "duration",
                format!(
                    "{} s at {} fps is {frames} frames, more than the limit of {MAX_FRAMES}",
                    f.duration, f.fps
                ),
            );
        } else if f.physics_hz > 0 {
            let steps = frames * u64::from(f.physics_hz / f.fps.max(1)).max(1);
            if steps > MAX_STEPS {
                cx.problem(
                    "duration",
                    format!("{steps} physics steps exceed the limit of {MAX_STEPS}"),
                );
            }
        }
    }
    frames.min(MAX_FRAMES) as u32
}

/// Linear-light RGB from a written color.
pub(crate) fn resolve_color(c: &Color) -> Result<[f32; 3], String> {
    match c {
        Color::Linear(rgb) => {
            if rgb.iter().all(|x| x.is_finite() && *x >= 0.0) {
                Ok(*rgb)
            } else {
                Err(format!(
                    "linear RGB components must be finite and >= 0, got {}",
                    fmt3(*rgb)
                ))
            }
        }
        Color::Hex(s) => {
            let bad = || format!("expected \"#rrggbb\" or \"#rgb\", found \"{s}\"");
            let hex = s.strip_prefix('#').ok_or_else(bad)?;
            if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(bad());
            }
            let digits: Vec<u8> = match hex.len() {
                6 => (0..3)
                    .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16))
                    .collect::<Result<_, _>>()
                    .map_err(|_| bad())?,
                3 => (0..3)
                    .map(|i| u8::from_str_radix(&hex[i..i + 1], 16).map(|d| d * 17))
                    .collect::<Result<_, _>>()
                    .map_err(|_| bad())?,
                _ => return Err(bad()),
            };
            Ok([
                srgb8_to_linear(digits[0]),
                srgb8_to_linear(digits[1]),
                srgb8_to_linear(digits[2]),
            ])
        }
    }
}

fn check_materials(cx: &mut Ctx, mats: &BTreeMap<String, MaterialFile>) -> Vec<Material> {
    let mut out = Vec::new();
    let mut add = |cx: &mut Ctx, name: &str, m: &MaterialFile| {
        let at = format!("materials[\"{name}\"]");
        let material = build_material(cx, &at, name, m);
        cx.materials.insert(name.to_string(), out.len());
        out.push(material);
    };
    // Index 0 is the material of entities that name none.
    match mats.get("default") {
        Some(m) => add(cx, "default", m),
        None => add(cx, "default", &MaterialFile::default()),
    }
    for (name, m) in mats.iter().filter(|(n, _)| n.as_str() != "default") {
        add(cx, name, m);
    }
    cx.file_materials = out.len();
    if let Some(m) = mats.get("default") {
        cx.default_material = m.clone();
    }
    out
}

/// Checks one material; problems are reported at `at`.
fn build_material(cx: &mut Ctx, at: &str, name: &str, m: &MaterialFile) -> Material {
    let at = at.to_string();
    if name.trim().is_empty() {
        cx.problem(&at, "material name must not be empty");
    }
    let color = resolve_color(&m.color).unwrap_or_else(|e| {
        cx.problem(&at, format!("color: {e}"));
        [0.5; 3]
    });
    let ranges: [(&str, f32, f32, f32); 9] = [
        ("roughness", m.roughness, 0.0, 1.0),
        ("metallic", m.metallic, 0.0, 1.0),
        ("restitution", m.restitution, 0.0, 1.0),
        ("friction", m.friction, 0.0, 100.0),
        ("density", m.density, 0.0, 1e6),
        ("transmission", m.transmission, 0.0, 1.0),
        ("ior", m.ior, 1.0, 3.0),
        ("emission_intensity", m.emission_intensity, 0.0, 1e6),
        ("pattern_scale", m.pattern_scale, 1e-3, 1e3),
    ];
    for (field, v, lo, hi) in ranges {
        if !(v.is_finite() && v >= lo && v <= hi) {
            cx.problem(&at, format!("{field} must be in [{lo}, {hi}], got {v}"));
        }
    }
    if m.density <= 0.0 {
        cx.problem(&at, format!("density must be > 0 kg/m³, got {}", m.density));
    }
    let emission = match &m.emission {
        None => [0.0; 3],
        Some(c) => resolve_color(c)
            .unwrap_or_else(|e| {
                cx.problem(&at, format!("emission: {e}"));
                [0.0; 3]
            })
            .map(|v| v * m.emission_intensity),
    };
    Material {
        name: name.to_string(),
        color,
        roughness: m.roughness,
        metallic: m.metallic,
        density: m.density,
        friction: m.friction,
        restitution: m.restitution,
        pattern: m.pattern,
        pattern_scale: m.pattern_scale,
        transmission: m.transmission,
        ior: m.ior,
        emission,
        maps: check_maps(cx, &at, m),
        acoustic: super::sound::check_acoustic(
            m.sound.as_ref(),
            super::sound::guess_preset(name, m.metallic, m.transmission, m.density),
            &at,
            &mut |field, message| cx.problem(field, message),
        ),
    }
}

/// Loads a material's image maps (paths relative to the scene's folder).
fn check_maps(cx: &mut Ctx, at: &str, m: &MaterialFile) -> MaterialMaps {
    let (su, sv) = m.uv_scale;
    if !(su.is_finite() && sv.is_finite() && su > 0.0 && sv > 0.0) {
        cx.problem(
            at,
            format!("uv_scale must be two finite numbers > 0, got ({su}, {sv})"),
        );
    }
    let load = |cx: &mut Ctx, field: &str, path: &Option<String>, space: ColorSpace| {
        let rel = path.as_ref()?;
        let base = cx.origin.base_dir;
        let loaded = mesh::resolve_inside(base, base, rel, "texture").and_then(|full| {
            crate::texture::load(&full, rel, space, &mut cx.textures).map_err(|e| e.to_string())
        });
        match loaded {
            Ok(t) => Some(t),
            Err(e) => {
                cx.problem(at, format!("{field}: {e}"));
                None
            }
        }
    };
    MaterialMaps {
        base_color: load(cx, "base_color_map", &m.base_color_map, ColorSpace::Srgb),
        normal: load(cx, "normal_map", &m.normal_map, ColorSpace::Linear),
        metallic_roughness: load(
            cx,
            "metallic_roughness_map",
            &m.metallic_roughness_map,
            ColorSpace::Linear,
        ),
        emissive: load(cx, "emissive_map", &m.emissive_map, ColorSpace::Srgb),
        occlusion: load(cx, "occlusion_map", &m.occlusion_map, ColorSpace::Linear),
        uv_scale: glam::Vec2::new(su, sv),
    }
}

/// The environment as written -> [`Environment`] (HDRIs loaded, the sun placed).
fn check_environment(cx: &mut Ctx, env: Option<&EnvironmentFile>) -> Environment {
    let at = "environment";
    let Some(env) = env else {
        return Environment::default();
    };
    let intensity_ok = |cx: &mut Ctx, v: f32| {
        if !(v.is_finite() && v >= 0.0) {
            cx.problem(at, format!("intensity must be finite and >= 0, got {v}"));
        }
    };
    match env {
        EnvironmentFile::Hemisphere => Environment::Hemisphere,
        EnvironmentFile::Uniform { color, intensity } => {
            intensity_ok(cx, *intensity);
            let c = resolve_color(color).unwrap_or_else(|e| {
                cx.problem(at, format!("color: {e}"));
                [1.0; 3]
            });
            Environment::Uniform {
                radiance: Vec3::from(c) * *intensity,
            }
        }
        EnvironmentFile::Sky {
            sun,
            turbidity,
            intensity,
            ground_albedo,
            sun_light,
        } => {
            intensity_ok(cx, *intensity);
            if !(turbidity.is_finite() && (1.7..=10.0).contains(turbidity)) {
                cx.problem(
                    at,
                    format!("turbidity must be in [1.7, 10], got {turbidity}"),
                );
            }
            let albedo = resolve_color(ground_albedo).unwrap_or_else(|e| {
                cx.problem(at, format!("ground_albedo: {e}"));
                [0.2; 3]
            });
            if albedo.iter().any(|a| *a > 1.0) {
                cx.problem(
                    at,
                    format!("ground_albedo must be in [0, 1], got {}", fmt3(albedo)),
                );
            }
            let (elevation, azimuth) = check_sun(cx, sun).unwrap_or((45.0, 0.0));
            Environment::Sky(SkySpec {
                sun_elevation_deg: elevation,
                sun_azimuth_deg: azimuth,
                turbidity: *turbidity,
                intensity: *intensity,
                ground_albedo: Vec3::from(albedo),
                sun_light: *sun_light,
            })
        }
        EnvironmentFile::Hdri {
            path,
            rotate_deg,
            intensity,
        } => {
            intensity_ok(cx, *intensity);
            if !rotate_deg.is_finite() {
                cx.problem(at, format!("rotate_deg must be finite, got {rotate_deg}"));
            }
            let base = cx.origin.base_dir;
            let loaded = mesh::resolve_inside(base, base, path, "HDRI").and_then(|file| {
                let bytes = std::fs::read(&file)
                    .map_err(|e| format!("cannot read HDRI \"{path}\": {e}"))?;
                let image = crate::world::hdri::load(&file, path)?;
                Ok((file, blake3::hash(&bytes), image))
            });
            match loaded {
                Ok((file, hash, image)) => {
                    cx.other_files.insert(path.clone(), hash);
                    Environment::Hdri(HdriSpec {
                        path: path.clone(),
                        file,
                        image: Arc::new(image),
                        rotate_deg: *rotate_deg,
                        intensity: *intensity,
                    })
                }
                Err(e) => {
                    cx.problem(at, format!("path: {e}"));
                    Environment::default()
                }
            }
        }
    }
}

/// The sun's elevation and azimuth (normalized to `[0, 360)`), degrees.
fn check_sun(cx: &mut Ctx, sun: &SunFile) -> Option<(f32, f32)> {
    let at = "environment.sun";
    match sun {
        SunFile::Angles {
            elevation_deg,
            azimuth_deg,
        } => {
            let mut ok = true;
            if !(elevation_deg.is_finite() && (-10.0..=90.0).contains(elevation_deg)) {
                cx.problem(
                    at,
                    format!("elevation_deg must be in [-10, 90], got {elevation_deg}"),
                );
                ok = false;
            }
            if !azimuth_deg.is_finite() {
                cx.problem(at, format!("azimuth_deg must be finite, got {azimuth_deg}"));
                ok = false;
            }
            ok.then(|| (*elevation_deg, azimuth_deg.rem_euclid(360.0) % 360.0))
        }
        SunFile::Date {
            date,
            time,
            latitude,
            longitude,
            utc_offset_h,
        } => {
            let d = parse_date(date).map_err(|e| cx.problem(at, format!("date: {e}")));
            let t = parse_time(time).map_err(|e| cx.problem(at, format!("time: {e}")));
            let mut ok = true;
            for (field, v, lim) in [
                ("latitude", *latitude, 90.0),
                ("longitude", *longitude, 180.0),
            ] {
                if !(v.is_finite() && v.abs() <= lim) {
                    cx.problem(at, format!("{field} must be in [-{lim}, {lim}], got {v}"));
                    ok = false;
                }
            }
            if !(utc_offset_h.is_finite() && utc_offset_h.abs() <= 14.0) {
                cx.problem(
                    at,
                    format!("utc_offset_h must be in [-14, 14] hours, got {utc_offset_h}"),
                );
                ok = false;
            }
            let (Ok(d), Ok(t), true) = (d, t, ok) else {
                return None;
            };
            let (el, az) =
                crate::world::sky::sun_position(d, t, *latitude, *longitude, *utc_offset_h);
            Some((el.max(-10.0), az.rem_euclid(360.0) % 360.0))
        }
    }
}

/// A Gregorian `"YYYY-MM-DD"`, strictly (four-digit year, two-digit month and day, a
/// day that exists).
pub(crate) fn parse_date(s: &str) -> Result<(i32, u32, u32), String> {
    let bad = |why: &str| format!("expected \"YYYY-MM-DD\", found \"{s}\" ({why})");
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts[..] else {
        return Err(bad("three parts separated by '-'"));
    };
    let digits = |p: &str, n: usize| p.len() == n && p.chars().all(|c| c.is_ascii_digit());
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return Err(bad("4, 2 and 2 digits"));
    }
    let (y, m, d): (i32, u32, u32) = (
        y.parse().map_err(|_| bad("year"))?,
        m.parse().map_err(|_| bad("month"))?,
        d.parse().map_err(|_| bad("day"))?,
    );
    if !(1..=12).contains(&m) {
        return Err(bad("month must be 01 to 12"));
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=days).contains(&d) {
        return Err(bad(&format!("that month has days 01 to {days}")));
    }
    Ok((y, m, d))
}

/// `"HH:MM"` or `"HH:MM:SS"` (24-hour clock) as hours.
pub(crate) fn parse_time(s: &str) -> Result<f32, String> {
    let bad = |why: &str| format!("expected \"HH:MM\" or \"HH:MM:SS\", found \"{s}\" ({why})");
    let parts: Vec<&str> = s.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.len() != 2 || !p.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(bad("two-digit fields separated by ':'"));
    }
    let n: Vec<u32> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    let (h, m, sec) = (n[0], n[1], n.get(2).copied().unwrap_or(0));
    if h > 23 || m > 59 || sec > 59 {
        return Err(bad("hours 00-23, minutes and seconds 00-59"));
    }
    Ok(h as f32 + m as f32 / 60.0 + sec as f32 / 3600.0)
}

fn check_fog(cx: &mut Ctx, f: &FogFile) -> Option<Fog> {
    let at = "fog";
    let before = cx.raised;
    if !(f.density.is_finite() && f.density > 0.0) {
        cx.problem(
            at,
            format!("density must be finite and > 0 (1/m), got {}", f.density),
        );
    }
    if !(f.height_falloff.is_finite() && f.height_falloff >= 0.0) {
        cx.problem(
            at,
            format!(
                "height_falloff must be finite and >= 0 (1/m), got {}",
                f.height_falloff
            ),
        );
    }
    if !f.base_height.is_finite() {
        cx.problem(
            at,
            format!("base_height must be finite, got {}", f.base_height),
        );
    }
    let color = f.color.as_ref().and_then(|c| {
        resolve_color(c)
            .map_err(|e| cx.problem(at, format!("color: {e}")))
            .ok()
            .map(Vec3::from)
    });
    (cx.raised == before).then_some(Fog {
        density: f.density,
        height_falloff: f.height_falloff,
        base_height: f.base_height,
        color,
    })
}

fn check_prefabs(cx: &mut Ctx, f: &SceneFile) {
    for (name, p) in &f.prefabs {
        let at = format!("prefabs[\"{name}\"]");
        if p.name.is_some() {
            cx.problem(
                &at,
                "a prefab has no `name`; entities using it give their own",
            );
        }
        if p.prefab.is_some() {
            cx.problem(&at, "a prefab cannot use another prefab");
        }
        if p.repeat.is_some() {
            cx.problem(
                &at,
                "a prefab cannot `repeat`; put `repeat` on the entity using it",
            );
        }
    }
}

/// Fields of `over` that are set replace those of `base`.
fn merge(base: &EntityFile, over: &EntityFile) -> EntityFile {
    EntityFile {
        name: over.name.clone(),
        prefab: over.prefab.clone(),
        shape: over.shape.clone().or_else(|| base.shape.clone()),
        material: over.material.clone().or_else(|| base.material.clone()),
        body: over.body.clone().or_else(|| base.body.clone()),
        mass: over.mass.or(base.mass),
        at: over.at.or(base.at),
        rotate_deg: over.rotate_deg.or(base.rotate_deg),
        quat: over.quat.or(base.quat),
        repeat: over.repeat.clone(),
        children: over.children.clone().or_else(|| base.children.clone()),
        sound: over.sound.clone().or_else(|| base.sound.clone()),
    }
}

/// One copy produced by `repeat`.
struct Copy {
    suffix: String,
    /// Added to the entity's `at` (in the parent frame).
    offset: Vec3,
    /// Applied after the entity's own rotation, in the parent frame (jitter, ring facing).
    spin: Quat,
    prefab: Option<String>,
    material: Option<String>,
    scale: f32,
    velocity: Option<Vec3>,
}

impl Copy {
    fn plain(suffix: String, offset: Vec3) -> Self {
        Copy {
            suffix,
            offset,
            spin: Quat::IDENTITY,
            prefab: None,
            material: None,
            scale: 1.0,
            velocity: None,
        }
    }
}

fn walk_entity(
    cx: &mut Ctx,
    written: &EntityFile,
    label: &str,
    parent: Option<usize>,
    parent_body: Option<usize>,
    name_prefix: &str,
) {
    let Some(name) = written.name.clone() else {
        cx.problem(label, "every entity needs a `name`");
        return;
    };
    if name.trim().is_empty() || name.contains(['[', ']', '/']) {
        cx.problem(
            label,
            format!("name must be non-empty and free of '[', ']' and '/', got \"{name}\""),
        );
        return;
    }
    let template = match &written.prefab {
        Some(p) => match cx.prefabs.get(p) {
            Some(base) => merge(base, written),
            None => {
                let hint = did_you_mean(p, cx.prefabs.keys().map(String::as_str));
                cx.problem(label, format!("unknown prefab \"{p}\"{hint}"));
                return;
            }
        },
        None => written.clone(),
    };

    let copies = match &template.repeat {
        None => vec![Copy::plain(String::new(), Vec3::ZERO)],
        Some(r) => match expand_repeat(cx, r, &template, label, &format!("{name_prefix}{name}")) {
            Some(c) => c,
            None => return,
        },
    };
    let repeated = template.repeat.is_some();
    for copy in copies {
        if cx.entities.len() >= MAX_ENTITIES {
            cx.problem(
                label,
                format!("the scene expands to more than {MAX_ENTITIES} entities"),
            );
            cx.too_many = true;
            return;
        }
        let mut e = template.clone();
        if let Some(p) = &copy.prefab {
            match cx.prefabs.get(p) {
                Some(base) => e = merge(base, &e),
                None => {
                    let hint = did_you_mean(p, cx.prefabs.keys().map(String::as_str));
                    cx.problem(label, format!("repeat: unknown prefab \"{p}\"{hint}"));
                    continue;
                }
            }
        }
        if let Some(m) = &copy.material {
            e.material = Some(m.clone());
        }
        let full_name = format!("{name_prefix}{name}{}", copy.suffix);
        let idx = add_entity(cx, &e, &full_name, label, parent, parent_body, &copy);
        let Some(idx) = idx else { continue };
        if let Some(children) = &e.children {
            let child_prefix = if repeated {
                format!("{full_name}/")
            } else {
                name_prefix.to_string()
            };
            let own_body = cx.entities[idx].body;
            for (ci, c) in children.iter().enumerate() {
                let cl = entity_label(&format!("{label}.children[{ci}]"), c);
                walk_entity(cx, c, &cl, Some(idx), own_body, &child_prefix);
                if cx.too_many {
                    return;
                }
            }
        }
    }
}

fn local_pose(cx: &mut Ctx, e: &EntityFile, label: &str) -> Pose {
    let at = e.at.unwrap_or([0.0; 3]);
    if !finite3(at) {
        cx.problem(label, format!("at must be finite, got {}", fmt3(at)));
    }
    let rotation = match (e.rotate_deg, e.quat) {
        (Some(_), Some(_)) => {
            cx.problem(label, "give `rotate_deg` or `quat`, not both");
            Quat::IDENTITY
        }
        (Some(r), None) => {
            if !finite3(r) {
                cx.problem(label, format!("rotate_deg must be finite, got {}", fmt3(r)));
                Quat::IDENTITY
            } else {
                quat_from_euler_deg(r)
            }
        }
        (None, Some(q)) => {
            let q = Quat::from_array(q);
            let len = q.length();
            if !q.is_finite() || (len - 1.0).abs() > 1e-3 {
                cx.problem(
                    label,
                    format!("quat must be a unit quaternion (x, y, z, w), got length {len}"),
                );
                Quat::IDENTITY
            } else {
                q.normalize()
            }
        }
        (None, None) => Quat::IDENTITY,
    };
    Pose::new(Vec3::from(at), rotation)
}

fn resolve_shape(cx: &mut Ctx, s: &ShapeFile, label: &str, scale: f32) -> Option<Shape> {
    let positive = |cx: &mut Ctx, field: &str, v: f32| -> bool {
        if v.is_finite() && v > 0.0 && v < 1e5 {
            true
        } else {
            cx.problem(
                label,
                format!("shape: {field} must be > 0 m (and < 100 km), got {v}"),
            );
            false
        }
    };
    Some(match s {
        ShapeFile::Sphere { radius } => {
            positive(cx, "radius", *radius).then_some(())?;
            Shape::Sphere {
                radius: radius * scale,
            }
        }
        ShapeFile::Box { size } => {
            let ok = ["size.x", "size.y", "size.z"]
                .iter()
                .zip(size)
                .all(|(f, v)| positive(cx, f, *v));
            ok.then_some(())?;
            Shape::Box {
                half_extents: Vec3::from(*size) * 0.5 * scale,
            }
        }
        ShapeFile::Capsule { radius, height } => {
            (positive(cx, "radius", *radius) & positive(cx, "height", *height)).then_some(())?;
            if *height < 2.0 * radius {
                cx.problem(
                    label,
                    format!(
                        "shape: capsule height (tip to tip) must be at least 2 × radius = {}, got {height}",
                        2.0 * radius
                    ),
                );
                return None;
            }
            Shape::Capsule {
                radius: radius * scale,
                half_height: (height * 0.5 - radius) * scale,
            }
        }
        ShapeFile::Cylinder { radius, height } => {
            (positive(cx, "radius", *radius) & positive(cx, "height", *height)).then_some(())?;
            Shape::Cylinder {
                radius: radius * scale,
                half_height: height * 0.5 * scale,
            }
        }
        ShapeFile::Cone { radius, height } => {
            (positive(cx, "radius", *radius) & positive(cx, "height", *height)).then_some(())?;
            Shape::Cone {
                radius: radius * scale,
                half_height: height * 0.5 * scale,
            }
        }
        ShapeFile::Ground => Shape::Ground,
        ShapeFile::ConvexHull {
            path,
            scale: mesh_scale,
        }
        | ShapeFile::TriMesh {
            path,
            scale: mesh_scale,
        } => {
            positive(cx, "scale", *mesh_scale).then_some(())?;
            let mesh = load_mesh_cached(cx, path, mesh_scale * scale, label)?;
            if matches!(s, ShapeFile::ConvexHull { .. }) {
                if mesh.vertices.len() < 4 {
                    cx.problem(
                        label,
                        format!(
                            "shape: a convex hull needs at least 4 vertices, \"{path}\" has {}",
                            mesh.vertices.len()
                        ),
                    );
                    return None;
                }
                Shape::ConvexHull(mesh)
            } else {
                if mesh.indices.is_empty() {
                    cx.problem(label, format!("shape: mesh \"{path}\" has no triangles"));
                    return None;
                }
                Shape::TriMesh(mesh)
            }
        }
    })
}

fn load_mesh_cached(cx: &mut Ctx, path: &str, scale: f32, label: &str) -> Option<Arc<Mesh>> {
    let key = (path.to_string(), scale.to_bits());
    if !cx.meshes.contains_key(&key) {
        let loaded = mesh::load(cx.origin.base_dir, path, scale).map(|l| {
            cx.mesh_bytes.insert(path.to_string(), l.bytes);
            if let Some(m) = l.material {
                cx.mesh_material_files.insert(path.to_string(), m);
            }
            Arc::new(l.mesh)
        });
        cx.meshes.insert(key.clone(), loaded);
    }
    match cx.meshes.get(&key) {
        Some(Ok(m)) => Some(m.clone()),
        Some(Err(e)) => {
            let e = e.clone();
            cx.problem(label, format!("shape: {e}"));
            None
        }
        None => None,
    }
}

/// The index of the material mesh file `path` holds (`"<path>#<name>"`, built on first
/// use), or 0 (the default) if it holds none.
fn mesh_material(cx: &mut Ctx, path: &str, label: &str) -> usize {
    let Some((name, mut file)) = cx.mesh_material_files.get(path).cloned() else {
        return 0;
    };
    // Physics stays what it was before meshes brought materials: the default's.
    file.density = cx.default_material.density;
    file.friction = cx.default_material.friction;
    file.restitution = cx.default_material.restitution;
    let full = format!("{path}#{name}");
    if let Some(i) = cx.materials.get(&full) {
        return *i;
    }
    let at = format!("{label} shape \"{path}\" material \"{name}\"");
    let m = build_material(cx, &at, &full, &file);
    let i = cx.file_materials + cx.mesh_materials.len();
    cx.mesh_materials.push(m);
    cx.materials.insert(full, i);
    i
}

/// Uniformly distributed rotation (Shoemake, "Uniform random rotations", Graphics Gems III).
fn random_rotation(rng: &mut SeededRng) -> Quat {
    let u1 = rng.unit() as f32;
    let u2 = rng.unit() as f32 * std::f32::consts::TAU;
    let u3 = rng.unit() as f32 * std::f32::consts::TAU;
    let a = (1.0 - u1).sqrt();
    let b = u1.sqrt();
    Quat::from_xyzw(a * u2.sin(), a * u2.cos(), b * u3.sin(), b * u3.cos()).normalize()
}

fn apply_jitter(copies: &mut [Copy], jitter: &Option<JitterFile>, rng: &mut SeededRng) {
    let Some(j) = jitter else { return };
    for c in copies {
        let d = Vec3::new(
            rng.symmetric(j.at[0]),
            rng.symmetric(j.at[1]),
            rng.symmetric(j.at[2]),
        );
        let r = [
            rng.symmetric(j.rotate_deg[0]),
            rng.symmetric(j.rotate_deg[1]),
            rng.symmetric(j.rotate_deg[2]),
        ];
        c.offset += d;
        c.spin = quat_from_euler_deg(r) * c.spin;
    }
}

fn check_count(cx: &mut Ctx, label: &str, count: u64) -> bool {
    if count == 0 {
        cx.problem(label, "repeat: count must be at least 1");
        return false;
    }
    if count + cx.entities.len() as u64 > MAX_ENTITIES as u64 {
        cx.problem(
            label,
            format!("repeat: {count} copies would exceed the limit of {MAX_ENTITIES} entities"),
        );
        cx.too_many = true;
        return false;
    }
    true
}

fn expand_repeat(
    cx: &mut Ctx,
    r: &RepeatFile,
    template: &EntityFile,
    label: &str,
    base_name: &str,
) -> Option<Vec<Copy>> {
    let mut rng = SeededRng::new(cx.seed, &format!("repeat/{base_name}"));
    let suffix = |i: u64| format!("[{i}]");
    let jitter_ok = |cx: &mut Ctx, j: &Option<JitterFile>| match j {
        Some(j) if !(finite3(j.at) && finite3(j.rotate_deg)) => {
            cx.problem(label, "repeat: jitter must be finite");
            false
        }
        _ => true,
    };
    let mut copies = match r {
        RepeatFile::Line {
            count,
            step,
            jitter,
        } => {
            if !(check_count(cx, label, u64::from(*count)) && jitter_ok(cx, jitter)) {
                return None;
            }
            if !finite3(*step) {
                cx.problem(
                    label,
                    format!("repeat: step must be finite, got {}", fmt3(*step)),
                );
                return None;
            }
            let mut c: Vec<Copy> = (0..*count)
                .map(|i| Copy::plain(suffix(i.into()), Vec3::from(*step) * i as f32))
                .collect();
            apply_jitter(&mut c, jitter, &mut rng);
            c
        }
        RepeatFile::Grid {
            count,
            step,
            jitter,
        } => {
            let total = u64::from(count.0) * u64::from(count.1) * u64::from(count.2);
            if !(check_count(cx, label, total) && jitter_ok(cx, jitter)) {
                return None;
            }
            if !finite3(*step) {
                cx.problem(
                    label,
                    format!("repeat: step must be finite, got {}", fmt3(*step)),
                );
                return None;
            }
            let mut c = Vec::with_capacity(total as usize);
            for y in 0..count.1 {
                for z in 0..count.2 {
                    for x in 0..count.0 {
                        let o = Vec3::new(x as f32, y as f32, z as f32) * Vec3::from(*step);
                        c.push(Copy::plain(suffix(c.len() as u64), o));
                    }
                }
            }
            apply_jitter(&mut c, jitter, &mut rng);
            c
        }
        RepeatFile::Ring {
            count,
            radius,
            face_out,
            jitter,
        } => {
            if !(check_count(cx, label, u64::from(*count)) && jitter_ok(cx, jitter)) {
                return None;
            }
            if !(radius.is_finite() && *radius > 0.0) {
                cx.problem(
                    label,
                    format!("repeat: ring radius must be > 0 m, got {radius}"),
                );
                return None;
            }
            let mut c: Vec<Copy> = (0..*count)
                .map(|i| {
                    let theta = std::f32::consts::TAU * i as f32 / *count as f32;
                    let mut copy = Copy::plain(
                        suffix(i.into()),
                        Vec3::new(radius * theta.cos(), 0.0, radius * theta.sin()),
                    );
                    if *face_out {
                        // A turn by -theta about +Y takes +X to (cos θ, 0, sin θ).
                        copy.spin = Quat::from_rotation_y(-theta);
                    }
                    copy
                })
                .collect();
            apply_jitter(&mut c, jitter, &mut rng);
            c
        }
        RepeatFile::Stack { count, gap, jitter } => {
            if !(check_count(cx, label, u64::from(*count)) && jitter_ok(cx, jitter)) {
                return None;
            }
            let Some(shape) = &template.shape else {
                cx.problem(
                    label,
                    "repeat: Stack needs the entity to have a shape (its height sets the spacing)",
                );
                return None;
            };
            let shape = resolve_shape(cx, shape, label, 1.0)?;
            let h = shape.height();
            if !h.is_finite() || !gap.is_finite() {
                cx.problem(
                    label,
                    "repeat: cannot stack a Ground plane, and gap must be finite",
                );
                return None;
            }
            let mut c: Vec<Copy> = (0..*count)
                .map(|i| Copy::plain(suffix(i.into()), Vec3::Y * (h + gap) * i as f32))
                .collect();
            apply_jitter(&mut c, jitter, &mut rng);
            c
        }
        RepeatFile::Scatter {
            count,
            min,
            max,
            prefabs,
            materials,
            scales,
            gap,
            random_rotation: rotate,
            toward,
            speed,
        } => {
            if !check_count(cx, label, u64::from(*count)) {
                return None;
            }
            return scatter(
                cx,
                &mut rng,
                template,
                label,
                ScatterArgs {
                    count: *count,
                    min: *min,
                    max: *max,
                    prefabs,
                    materials,
                    scales,
                    gap: *gap,
                    rotate: *rotate,
                    toward: *toward,
                    speed: *speed,
                },
            );
        }
    };
    copies.shrink_to_fit();
    Some(copies)
}

struct ScatterArgs<'a> {
    count: u32,
    min: [f32; 3],
    max: [f32; 3],
    prefabs: &'a [String],
    materials: &'a [String],
    scales: &'a [f32],
    gap: f32,
    rotate: bool,
    toward: Option<[f32; 3]>,
    speed: (f32, f32),
}

fn scatter(
    cx: &mut Ctx,
    rng: &mut SeededRng,
    template: &EntityFile,
    label: &str,
    a: ScatterArgs,
) -> Option<Vec<Copy>> {
    let mut ok = true;
    if !(finite3(a.min) && finite3(a.max)) || (0..3).any(|i| a.min[i] > a.max[i]) {
        cx.problem(
            label,
            format!(
                "repeat: Scatter needs finite min <= max, got min {} max {}",
                fmt3(a.min),
                fmt3(a.max)
            ),
        );
        ok = false;
    }
    if !(a.gap.is_finite() && a.gap >= 0.0) {
        cx.problem(label, format!("repeat: gap must be >= 0 m, got {}", a.gap));
        ok = false;
    }
    if !(a.speed.0.is_finite()
        && a.speed.1.is_finite()
        && 0.0 <= a.speed.0
        && a.speed.0 <= a.speed.1)
    {
        cx.problem(
            label,
            format!(
                "repeat: speed must be (min, max) with 0 <= min <= max, got ({}, {})",
                a.speed.0, a.speed.1
            ),
        );
        ok = false;
    }
    if let Some(bad) = a.scales.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
        cx.problem(label, format!("repeat: scales must be > 0, got {bad}"));
        ok = false;
    }
    for m in a.materials {
        if !cx.materials.contains_key(m) {
            let hint = did_you_mean(m, cx.materials.keys().map(String::as_str));
            cx.problem(label, format!("repeat: unknown material \"{m}\"{hint}"));
            ok = false;
        }
    }
    // The bounding radius of each candidate (prefab or the entity itself) at scale 1.
    let mut radii = Vec::new();
    let candidates: Vec<Option<&String>> = if a.prefabs.is_empty() {
        vec![None]
    } else {
        a.prefabs.iter().map(Some).collect()
    };
    for p in &candidates {
        let shape = match p {
            Some(p) => match cx.prefabs.get(*p) {
                Some(base) => merge(base, template).shape,
                None => {
                    let hint = did_you_mean(p, cx.prefabs.keys().map(String::as_str));
                    cx.problem(label, format!("repeat: unknown prefab \"{p}\"{hint}"));
                    ok = false;
                    continue;
                }
            },
            None => template.shape.clone(),
        };
        let r = match shape.and_then(|s| resolve_shape(cx, &s, label, 1.0)) {
            Some(s) if s.bounding_radius().is_finite() => s.bounding_radius(),
            _ => {
                cx.problem(
                    label,
                    "repeat: Scatter copies need a finite shape (not Ground)",
                );
                ok = false;
                0.0
            }
        };
        radii.push(r);
    }
    if !ok {
        return None;
    }
    let (lo, hi) = (Vec3::from(a.min), Vec3::from(a.max));
    let mut placed: Vec<(Vec3, f32)> = Vec::new();
    let mut copies = Vec::new();
    for i in 0..a.count {
        let pick = rng.index(candidates.len());
        let scale = if a.scales.is_empty() {
            1.0
        } else {
            a.scales[rng.index(a.scales.len())]
        };
        let material =
            (!a.materials.is_empty()).then(|| a.materials[rng.index(a.materials.len())].clone());
        let r = radii[pick] * scale;
        let mut spot = None;
        for _ in 0..2000 {
            let p = Vec3::new(
                rng.range(lo.x, hi.x.max(lo.x)),
                rng.range(lo.y, hi.y.max(lo.y)),
                rng.range(lo.z, hi.z.max(lo.z)),
            );
            if placed.iter().all(|(q, rq)| q.distance(p) >= r + rq + a.gap) {
                spot = Some(p);
                break;
            }
        }
        let Some(p) = spot else {
            cx.problem(
                label,
                format!(
                    "repeat: placed only {i} of {} copies without overlap inside the region; enlarge min/max or lower count",
                    a.count
                ),
            );
            return None;
        };
        placed.push((p, r));
        let spin = if a.rotate {
            random_rotation(rng)
        } else {
            Quat::IDENTITY
        };
        let velocity = if a.speed.1 > 0.0 {
            let dir = match a.toward {
                Some(t) => {
                    let d = Vec3::from(t) - p;
                    Vec3::new(d.x, 0.0, d.z).normalize_or_zero()
                }
                None => {
                    let phi = rng.range(0.0, std::f32::consts::TAU);
                    Vec3::new(phi.cos(), 0.0, phi.sin())
                }
            };
            Some(dir * rng.range(a.speed.0, a.speed.1))
        } else {
            None
        };
        copies.push(Copy {
            suffix: format!("[{i}]"),
            offset: p,
            spin,
            prefab: candidates[pick].cloned(),
            material,
            scale,
            velocity,
        });
    }
    Some(copies)
}

fn add_entity(
    cx: &mut Ctx,
    e: &EntityFile,
    full_name: &str,
    label: &str,
    parent: Option<usize>,
    parent_body: Option<usize>,
    copy: &Copy,
) -> Option<usize> {
    if let Some(first) = cx.names.get(full_name) {
        let first = first.clone();
        cx.problem(
            label,
            format!("name \"{full_name}\" is already used by {first}"),
        );
        return None;
    }
    cx.names.insert(full_name.to_string(), label.to_string());

    let mut local = local_pose(cx, e, label);
    local.translation += copy.offset;
    local.rotation = (copy.spin * local.rotation).normalize();
    let parent_world = parent.map_or(Pose::IDENTITY, |p| cx.entities[p].world);
    let mut world = parent_world * local;

    let problems_before = cx.raised;
    let shape = match &e.shape {
        Some(s) => resolve_shape(cx, s, label, copy.scale),
        None => None,
    };
    let material = match &e.material {
        Some(m) => match cx.materials.get(m) {
            Some(i) => *i,
            None => {
                let hint = did_you_mean(m, cx.materials.keys().map(String::as_str));
                cx.problem(label, format!("unknown material \"{m}\"{hint}"));
                0
            }
        },
        None => match &shape {
            Some(Shape::ConvexHull(mesh) | Shape::TriMesh(mesh)) => {
                mesh_material(cx, &mesh.path, label)
            }
            _ => 0,
        },
    };
    if let Some(m) = e.mass
        && !(m.is_finite() && m > 0.0)
    {
        cx.problem(label, format!("mass must be > 0, got {m}"));
    }
    if e.mass.is_some() && shape.is_none() {
        cx.problem(
            label,
            "mass is given but the entity has no shape to carry it",
        );
    }

    let sound = super::sound::check_entity(e.sound.as_ref(), label, &mut |field, message| {
        cx.problem(field, message);
    });

    if cx.raised > problems_before {
        // Keep checking the rest of the scene, but do not build on a broken entity.
        cx.broken.insert(full_name.to_string());
        return None;
    }
    let idx = cx.entities.len();
    let is_ground = matches!(shape, Some(Shape::Ground));
    let is_trimesh = matches!(shape, Some(Shape::TriMesh(_)));
    let body_file = match (&e.body, parent_body, &shape) {
        (Some(b), _, _) => Some(b.clone()),
        (None, Some(_), _) => None,
        (None, None, Some(_)) if is_ground || is_trimesh => Some(BodyFile::Fixed),
        (None, None, Some(_)) => Some(BodyFile::Dynamic {
            velocity: [0.0; 3],
            angular_velocity: [0.0; 3],
            ccd: false,
            linear_damping: 0.0,
            angular_damping: 0.0,
            can_sleep: true,
            sleeping: false,
        }),
        (None, None, None) => None,
    };
    let (body, offset) = match body_file {
        Some(b) => {
            let kind = resolve_body(cx, &b, label, parent_world, world, copy.velocity)?;
            // A keyframed body starts where its first key puts it.
            if let BodyKind::Kinematic(path @ KinematicPath::Keys { .. }) = &kind {
                world = path.pose_at(0.0);
                local = parent_world.inverse() * world;
            }
            if is_ground && !matches!(kind, BodyKind::Fixed) {
                cx.problem(label, "a Ground plane must be Fixed");
            }
            let bi = cx.bodies.len();
            cx.bodies.push(Body {
                entity: idx,
                parts: if shape.is_some() {
                    vec![idx]
                } else {
                    Vec::new()
                },
                kind,
            });
            (Some(bi), Pose::IDENTITY)
        }
        None => match parent_body {
            Some(b) => {
                let owner_world = cx.entities[cx.bodies[b].entity].world;
                if shape.is_some() {
                    cx.bodies[b].parts.push(idx);
                }
                (Some(b), owner_world.inverse() * world)
            }
            None => (None, Pose::IDENTITY),
        },
    };
    cx.entities.push(Entity {
        name: full_name.to_string(),
        id: idx as u32 + 1,
        parent,
        local,
        world,
        shape,
        material,
        mass: e.mass,
        body,
        offset,
        sound,
    });
    Some(idx)
}

fn resolve_body(
    cx: &mut Ctx,
    b: &BodyFile,
    label: &str,
    parent_world: Pose,
    world: Pose,
    velocity_override: Option<Vec3>,
) -> Option<BodyKind> {
    Some(match b {
        BodyFile::Fixed => BodyKind::Fixed,
        BodyFile::Dynamic {
            velocity,
            angular_velocity,
            ccd,
            linear_damping,
            angular_damping,
            can_sleep,
            sleeping,
        } => {
            let mut ok = true;
            for (field, v) in [
                ("velocity", velocity),
                ("angular_velocity", angular_velocity),
            ] {
                if !finite3(*v) {
                    cx.problem(
                        label,
                        format!("body.{field} must be finite, got {}", fmt3(*v)),
                    );
                    ok = false;
                }
            }
            for (field, v) in [
                ("linear_damping", linear_damping),
                ("angular_damping", angular_damping),
            ] {
                if !(v.is_finite() && *v >= 0.0) {
                    cx.problem(label, format!("body.{field} must be >= 0, got {v}"));
                    ok = false;
                }
            }
            ok.then_some(())?;
            BodyKind::Dynamic {
                velocity: velocity_override.unwrap_or(Vec3::from(*velocity)),
                angular_velocity: Vec3::from(*angular_velocity),
                ccd: *ccd,
                linear_damping: *linear_damping,
                angular_damping: *angular_damping,
                can_sleep: *can_sleep,
                sleeping: *sleeping,
            }
        }
        BodyFile::Kinematic {
            keys,
            ease,
            velocity,
            angular_velocity,
        } => {
            if keys.is_empty() {
                if !(finite3(*velocity) && finite3(*angular_velocity)) {
                    cx.problem(label, "body: kinematic velocity must be finite");
                    return None;
                }
                BodyKind::Kinematic(KinematicPath::Velocity {
                    start: world,
                    linear: Vec3::from(*velocity),
                    angular: Vec3::from(*angular_velocity),
                })
            } else {
                if *velocity != [0.0; 3] || *angular_velocity != [0.0; 3] {
                    cx.problem(
                        label,
                        "body: give kinematic `keys` or a constant velocity, not both",
                    );
                }
                let mut out = Vec::with_capacity(keys.len());
                let mut last = f32::NEG_INFINITY;
                for (i, k) in keys.iter().enumerate() {
                    if !(k.t.is_finite() && k.t >= 0.0 && k.t > last) {
                        cx.problem(
                            label,
                            format!(
                                "body.keys[{i}].t must be >= 0 and after the previous key, got {}",
                                k.t
                            ),
                        );
                        return None;
                    }
                    if !(finite3(k.at) && finite3(k.rotate_deg)) {
                        cx.problem(
                            label,
                            format!("body.keys[{i}]: at and rotate_deg must be finite"),
                        );
                        return None;
                    }
                    last = k.t;
                    let local = Pose::new(Vec3::from(k.at), quat_from_euler_deg(k.rotate_deg));
                    out.push((k.t, parent_world * local));
                }
                BodyKind::Kinematic(KinematicPath::Keys {
                    keys: out,
                    ease: *ease,
                })
            }
        }
    })
}

fn check_bodies(cx: &mut Ctx) {
    let mut found = Vec::new();
    for b in &cx.bodies {
        let owner = &cx.entities[b.entity];
        let at = format!("entity \"{}\"", owner.name);
        let dynamic = matches!(b.kind, BodyKind::Dynamic { .. });
        for &p in &b.parts {
            let part = &cx.entities[p];
            match &part.shape {
                Some(Shape::Ground) if !matches!(b.kind, BodyKind::Fixed) => found.push((
                    at.clone(),
                    format!("\"{}\" is a Ground plane inside a {} body; Ground must be Fixed", part.name, b.kind.name()),
                )),
                Some(Shape::TriMesh(_)) if dynamic => found.push((
                    at.clone(),
                    format!("\"{}\" is a TriMesh on a dynamic body; use ConvexHull for dynamic bodies (a triangle soup has no volume)", part.name),
                )),
                _ => {}
            }
        }
        if dynamic && b.parts.is_empty() {
            found.push((
                at,
                "a Dynamic body needs a shape (on itself or a body-less child) to have mass"
                    .to_string(),
            ));
        }
    }
    for (at, m) in found {
        cx.problem(&at, m);
    }
}

/// The body index of a named entity, or a problem.
fn body_of(cx: &mut Ctx, at: &str, field: &str, name: &str) -> Option<usize> {
    let idx = cx.entities.iter().position(|e| e.name == name);
    match idx {
        None if cx.broken.contains(name) => None,
        None => {
            let hint = did_you_mean(name, cx.entities.iter().map(|e| e.name.as_str()));
            cx.problem(at, format!("{field}: unknown entity \"{name}\"{hint}"));
            None
        }
        Some(i) => match cx.entities[i].body {
            Some(b) => Some(b),
            None => {
                cx.problem(
                    at,
                    format!("{field}: entity \"{name}\" has no body (give it a shape or a `body`)"),
                );
                None
            }
        },
    }
}

/// Checks `cloths:`; each sheet becomes an entity of its own (no shape, no body) placed
/// after every other entity, so it has a name, a segmentation id and a material.
fn check_cloths(cx: &mut Ctx, f: &SceneFile) -> Vec<Cloth> {
    use super::cloth::{FABRICS, check_numbers, fabric_look, find_fabric, pin_indices};
    let mut out = Vec::new();
    let mut total = 0usize;
    for (i, c) in f.cloths.iter().enumerate() {
        let at = format!("cloths[{i}] \"{}\"", c.name);
        if c.name.trim().is_empty() {
            cx.problem(
                &format!("cloths[{i}]"),
                "every cloth needs a non-empty `name`",
            );
            continue;
        }
        if cx.entities.iter().any(|e| e.name == c.name) || cx.broken.contains(&c.name) {
            cx.problem(
                &at,
                format!("name \"{}\" is used by an entity or another cloth", c.name),
            );
            continue;
        }
        let preset = find_fabric(&c.material);
        let scene_material = cx.materials.get(&c.material).copied();
        if preset.is_none() && scene_material.is_none() {
            let names: Vec<&str> = cx
                .materials
                .keys()
                .map(String::as_str)
                .chain(FABRICS.iter().map(|f| f.name))
                .collect();
            let hint = did_you_mean(&c.material, names.iter().copied());
            cx.problem(
                &format!("{at}: material"),
                format!(
                    "unknown material \"{}\": name a fabric (cotton, silk, denim, rubber-sheet) or a key of `materials`{hint}",
                    c.material
                ),
            );
            continue;
        }
        let fabric = preset.unwrap_or(FABRICS[0]);
        let Some((fabric, resolution)) = check_numbers(c, fabric, &at, &mut |field, message| {
            cx.problem(field, message)
        }) else {
            continue;
        };
        let attach = match &c.attach {
            None => None,
            Some(name) => {
                let Some(b) = body_of(cx, &format!("{at}: attach"), "attach", name) else {
                    continue;
                };
                Some(cx.bodies[b].entity)
            }
        };
        if attach.is_some() && c.pin.is_empty() {
            cx.problem(
                &format!("{at}: attach"),
                "attach carries the pinned vertices, but `pin` names none",
            );
            continue;
        }
        let count = (resolution.0 as usize + 1) * (resolution.1 as usize + 1);
        total += count;
        if total > MAX_CLOTH_VERTICES {
            cx.problem(
                &at,
                format!(
                    "the cloths have {total} vertices, over the limit of {MAX_CLOTH_VERTICES}; lower `resolution`"
                ),
            );
            break;
        }
        // The look: the scene's material of that name, else the fabric's own; a `color`
        // makes a copy in that color.
        let mut material = match scene_material {
            Some(m) => m,
            None => {
                let name = c.material.clone();
                match cx.materials.get(&name) {
                    Some(m) => *m,
                    None => {
                        let (color, roughness) = fabric_look(&name);
                        let file = MaterialFile {
                            color: Color::Hex(color.into()),
                            roughness,
                            density: 1000.0 * fabric.areal_density / fabric.thickness.max(1e-4),
                            friction: fabric.friction,
                            ..MaterialFile::default()
                        };
                        let m = build_material(cx, &at, &name, &file);
                        let index = cx.file_materials + cx.mesh_materials.len();
                        cx.mesh_materials.push(m);
                        cx.materials.insert(name, index);
                        index
                    }
                }
            }
        };
        if let Some(color) = &c.color {
            match resolve_color(color) {
                Ok(rgb) => {
                    let base = if material < cx.file_materials {
                        None
                    } else {
                        cx.mesh_materials.get(material - cx.file_materials).cloned()
                    };
                    let mut m = match base {
                        Some(m) => m,
                        None => {
                            let (color, roughness) = fabric_look(fabric.name);
                            let file = MaterialFile {
                                color: Color::Hex(color.into()),
                                roughness,
                                friction: fabric.friction,
                                ..MaterialFile::default()
                            };
                            build_material(cx, &at, &c.material, &file)
                        }
                    };
                    m.color = rgb;
                    m.name = format!("{} ({})", c.material, c.name);
                    material = cx.file_materials + cx.mesh_materials.len();
                    cx.mesh_materials.push(m);
                }
                Err(e) => {
                    cx.problem(&format!("{at}: color"), e);
                    continue;
                }
            }
        }
        let pose = Pose::new(Vec3::from(c.at), quat_from_euler_deg(c.rotate_deg));
        let entity = cx.entities.len();
        cx.entities.push(Entity {
            name: c.name.clone(),
            id: entity as u32 + 1,
            parent: None,
            local: pose,
            world: pose,
            shape: None,
            material,
            mass: None,
            body: None,
            offset: Pose::IDENTITY,
            sound: Default::default(),
        });
        out.push(Cloth {
            name: c.name.clone(),
            entity,
            size: glam::Vec2::from(c.size),
            resolution,
            pose,
            pins: pin_indices(&c.pin, resolution),
            attach,
            velocity: Vec3::from(c.velocity),
            fabric,
            self_collision: c.self_collision,
        });
    }
    out
}

fn check_joints(cx: &mut Ctx, f: &SceneFile) -> Vec<Joint> {
    let mut out = Vec::new();
    let mut names = BTreeSet::new();
    for (i, j) in f.joints.iter().enumerate() {
        let at = format!("joints[{i}] \"{}\"", j.name);
        if j.name.trim().is_empty() {
            cx.problem(
                &format!("joints[{i}]"),
                "every joint needs a non-empty `name`",
            );
        } else if !names.insert(j.name.clone()) {
            cx.problem(&at, format!("name \"{}\" is used by another joint", j.name));
        }
        let a = match &j.a {
            Some(n) => match body_of(cx, &at, "a", n) {
                Some(b) => Some(b),
                None => continue,
            },
            None => None,
        };
        let Some(b) = body_of(cx, &at, "b", &j.b) else {
            continue;
        };
        if a == Some(b) {
            cx.problem(&at, format!("a and b are the same body (\"{}\")", j.b));
            continue;
        }
        if !finite3(j.anchor) || j.anchor_b.is_some_and(|p| !finite3(p)) {
            cx.problem(&at, "anchor and anchor_b must be finite");
            continue;
        }
        let anchor_a = Vec3::from(j.anchor);
        let two_points = matches!(
            j.kind,
            JointKindFile::Rope { .. } | JointKindFile::Distance { .. }
        );
        if j.anchor_b.is_some() && !two_points {
            cx.problem(
                &at,
                "anchor_b only applies to Rope and Distance joints; the other kinds join a and b at `anchor`",
            );
            continue;
        }
        let anchor_b = j.anchor_b.map_or(anchor_a, Vec3::from);
        let unit_axis = |cx: &mut Ctx, axis: [f32; 3]| -> Option<Vec3> {
            let v = Vec3::from(axis);
            if v.is_finite() && v.length() > 1e-6 {
                Some(v.normalize())
            } else {
                cx.problem(
                    &at,
                    format!("kind: axis must be a non-zero vector, got {}", fmt3(axis)),
                );
                None
            }
        };
        let motor = |cx: &mut Ctx, m: &Option<super::file::MotorFile>| -> Option<Option<Motor>> {
            match m {
                None => Some(None),
                Some(m) => {
                    let max = m.max_force.unwrap_or(f32::MAX);
                    if !m.velocity.is_finite() || max.is_nan() || max <= 0.0 {
                        cx.problem(&at, format!("kind: motor needs a finite velocity and max_force > 0, got velocity {} max_force {max}", m.velocity));
                        None
                    } else {
                        Some(Some(Motor {
                            velocity: m.velocity,
                            max_force: max,
                        }))
                    }
                }
            }
        };
        let limits = |cx: &mut Ctx,
                      l: Option<(f32, f32)>,
                      unit: &str|
         -> Option<Option<(f32, f32)>> {
            match l {
                Some((lo, hi)) if !(lo.is_finite() && hi.is_finite() && lo <= hi) => {
                    cx.problem(&at, format!("kind: limits must be (min, max) with min <= max {unit}, got ({lo}, {hi})"));
                    None
                }
                other => Some(other),
            }
        };
        let initial = anchor_a.distance(anchor_b);
        let kind = match &j.kind {
            JointKindFile::Fixed => Some(JointKind::Fixed),
            JointKindFile::Ball => Some(JointKind::Ball),
            JointKindFile::Hinge {
                axis,
                limits_deg,
                motor: m,
            } => {
                let axis = unit_axis(cx, *axis);
                let lim = limits(cx, *limits_deg, "degrees");
                let mo = motor(cx, m);
                match (axis, lim, mo) {
                    (Some(axis), Some(lim), Some(motor)) => Some(JointKind::Hinge {
                        axis,
                        limits: lim.map(|(a, b)| (a.to_radians(), b.to_radians())),
                        motor,
                    }),
                    _ => None,
                }
            }
            JointKindFile::Prismatic {
                axis,
                limits: l,
                motor: m,
            } => {
                let axis = unit_axis(cx, *axis);
                let lim = limits(cx, *l, "meters");
                let mo = motor(cx, m);
                match (axis, lim, mo) {
                    (Some(axis), Some(limits), Some(motor)) => Some(JointKind::Prismatic {
                        axis,
                        limits,
                        motor,
                    }),
                    _ => None,
                }
            }
            JointKindFile::Rope { length } => {
                let max = length.unwrap_or(initial);
                if max.is_finite() && max > 0.0 {
                    Some(JointKind::Rope { max })
                } else {
                    cx.problem(&at, format!("kind: rope length must be > 0 m, got {max}"));
                    None
                }
            }
            JointKindFile::Distance { length } => {
                let length = length.unwrap_or(initial);
                if length.is_finite() && length >= 0.0 {
                    Some(JointKind::Distance { length })
                } else {
                    cx.problem(&at, format!("kind: distance must be >= 0 m, got {length}"));
                    None
                }
            }
        };
        if let Some(kind) = kind {
            out.push(Joint {
                name: j.name.clone(),
                a,
                b,
                anchor_a,
                anchor_b,
                collide: j.collide,
                kind,
            });
        }
    }
    out
}

fn check_events(cx: &mut Ctx, f: &SceneFile) -> Vec<Action> {
    let hz = f64::from(f.physics_hz.max(1));
    let mut out = Vec::new();
    for (i, ev) in f.events.iter().enumerate() {
        let at = format!("events[{i}] (target \"{}\")", ev.target);
        if let Some(a) = check_event(cx, ev, &at, hz, f.duration) {
            out.push(a);
        }
    }
    out.sort_by_key(|a| a.start_step);
    out
}

fn check_event(
    cx: &mut Ctx,
    ev: &TimedEventFile,
    at: &str,
    hz: f64,
    duration: f32,
) -> Option<Action> {
    if !(ev.at.is_finite() && ev.at >= 0.0) {
        cx.problem(at, format!("at must be >= 0 s, got {}", ev.at));
        return None;
    }
    if duration.is_finite() && duration > 0.0 && ev.at > duration {
        cx.problem(
            at,
            format!("at {} s is after the clip ends ({duration} s)", ev.at),
        );
        return None;
    }
    let body = body_of(cx, at, "target", &ev.target)?;
    let needs_interval = matches!(ev.action, ActionFile::Force(_) | ActionFile::Torque(_));
    let start_step = (f64::from(ev.at) * hz).round() as u64;
    let end_step = match (needs_interval, ev.until) {
        (true, Some(u)) if u.is_finite() && u > ev.at => (f64::from(u) * hz).round() as u64,
        (true, Some(u)) => {
            cx.problem(at, format!("until must be after at ({} s), got {u}", ev.at));
            return None;
        }
        (true, None) => {
            cx.problem(at, "Force and Torque need `until` (the end time, s)");
            return None;
        }
        (false, Some(_)) => {
            cx.problem(
                at,
                "only Force and Torque take `until`; this action happens once",
            );
            return None;
        }
        (false, None) => start_step + 1,
    };
    let v3 = |cx: &mut Ctx, v: [f32; 3]| -> Option<Vec3> {
        if finite3(v) {
            Some(Vec3::from(v))
        } else {
            cx.problem(at, format!("action values must be finite, got {}", fmt3(v)));
            None
        }
    };
    let kind = match &ev.action {
        ActionFile::Impulse(v) => ActionKind::Impulse(v3(cx, *v)?),
        ActionFile::AngularImpulse(v) => ActionKind::AngularImpulse(v3(cx, *v)?),
        ActionFile::Force(v) => ActionKind::Force(v3(cx, *v)?),
        ActionFile::Torque(v) => ActionKind::Torque(v3(cx, *v)?),
        ActionFile::SetVelocity { linear, angular } => ActionKind::SetVelocity {
            linear: v3(cx, *linear)?,
            angular: v3(cx, *angular)?,
        },
        ActionFile::Wake => ActionKind::Wake,
        ActionFile::Sleep => ActionKind::Sleep,
    };
    if !matches!(cx.bodies[body].kind, BodyKind::Dynamic { .. }) {
        cx.problem(
            at,
            format!(
                "target \"{}\" is a {} body; actions apply to dynamic bodies",
                ev.target,
                cx.bodies[body].kind.name()
            ),
        );
        return None;
    }
    Some(Action {
        start_step,
        end_step,
        body,
        target: ev.target.clone(),
        kind,
    })
}

fn look_at(cx: &mut Ctx, at: &str, field: &str, t: &Target) -> LookAt {
    match t {
        Target::Point(p) => {
            if !finite3(*p) {
                cx.problem(at, format!("{field} must be finite, got {}", fmt3(*p)));
            }
            LookAt::Point(Vec3::from(*p))
        }
        Target::Entity(name) => match cx.entities.iter().position(|e| &e.name == name) {
            Some(i) => LookAt::Entity(i),
            None if cx.broken.contains(name) => LookAt::Point(Vec3::ZERO),
            None => {
                let hint = did_you_mean(name, cx.entities.iter().map(|e| e.name.as_str()));
                cx.problem(at, format!("{field}: unknown entity \"{name}\"{hint}"));
                LookAt::Point(Vec3::ZERO)
            }
        },
    }
}

fn check_camera(cx: &mut Ctx, c: &CameraFile) -> Camera {
    let at = "camera";
    let (sw, sh) = c.sensor_mm;
    if !(sw.is_finite() && sh.is_finite() && sw > 0.0 && sh > 0.0) {
        cx.problem(at, format!("sensor_mm must be positive, got ({sw}, {sh})"));
    }
    let fov_y = match (c.fov_deg, c.focal_mm) {
        (Some(_), Some(_)) => {
            cx.problem(at, "give fov_deg or focal_mm, not both");
            40f32.to_radians()
        }
        (Some(f), None) => {
            if !(f.is_finite() && f > 0.0 && f < 180.0) {
                cx.problem(at, format!("fov_deg must be in (0, 180), got {f}"));
            }
            f.to_radians()
        }
        (None, Some(mm)) => {
            if !(mm.is_finite() && mm > 0.0) {
                cx.problem(at, format!("focal_mm must be > 0, got {mm}"));
            }
            2.0 * (sh / (2.0 * mm)).atan()
        }
        (None, None) => 40f32.to_radians(),
    };
    if !(c.near.is_finite() && c.near > 0.0 && c.far.is_finite() && c.far > c.near) {
        cx.problem(
            at,
            format!("need 0 < near < far, got near {} far {}", c.near, c.far),
        );
    }
    if !finite3(c.at) {
        cx.problem(at, format!("at must be finite, got {}", fmt3(c.at)));
    }
    let default_target = look_at(cx, at, "look_at", &c.look_at);
    let mut keys = Vec::new();
    if c.keys.is_empty() {
        keys.push(CameraKey {
            t: 0.0,
            at: Vec3::from(c.at),
            look_at: default_target,
        });
    }
    let mut last = f32::NEG_INFINITY;
    for (i, k) in c.keys.iter().enumerate() {
        let kat = format!("camera.keys[{i}]");
        if !(k.t.is_finite() && k.t >= 0.0 && k.t > last) {
            cx.problem(
                &kat,
                format!("t must be >= 0 and after the previous key, got {}", k.t),
            );
        }
        last = k.t;
        if !finite3(k.at) {
            cx.problem(&kat, format!("at must be finite, got {}", fmt3(k.at)));
        }
        let target = match &k.look_at {
            Some(t) => look_at(cx, &kat, "look_at", t),
            None => default_target,
        };
        keys.push(CameraKey {
            t: k.t,
            at: Vec3::from(k.at),
            look_at: target,
        });
    }
    if let Some(a) = c.aperture
        && !(a.is_finite() && (0.5..=64.0).contains(&a))
    {
        cx.problem(at, format!("aperture is an f-number in [0.5, 64], got {a}"));
    }
    if let Some(d) = c.focus_distance
        && !(d.is_finite() && d > 0.0)
    {
        cx.problem(at, format!("focus_distance must be > 0 m, got {d}"));
    }
    if !c.shots.is_empty() && !c.keys.is_empty() {
        cx.problem(at, "give keys or shots, not both");
    }
    let shots = c
        .shots
        .iter()
        .enumerate()
        .map(|(i, s)| check_shot(cx, c, default_target, i, s))
        .collect();
    if let Some(s) = c.shake {
        for message in shake_problems(s.amplitude_deg, s.frequency_hz) {
            cx.problem("camera.shake", message);
        }
    }
    Camera {
        fov_y,
        sensor_mm: c.sensor_mm,
        keys,
        near: c.near,
        far: c.far,
        aperture: c.aperture,
        focus_distance: c.focus_distance,
        shots,
        shake: c.shake.map(|s| (s.amplitude_deg, s.frequency_hz)),
    }
}

/// What is wrong with a handheld shake's amplitude and frequency.
fn shake_problems(amplitude_deg: f32, frequency_hz: f32) -> Vec<&'static str> {
    let mut out = Vec::new();
    if !(amplitude_deg.is_finite() && (0.0..=20.0).contains(&amplitude_deg)) {
        out.push("amplitude_deg must be in [0, 20]");
    }
    if !(frequency_hz.is_finite() && frequency_hz > 0.0 && frequency_hz <= 30.0) {
        out.push("frequency_hz must be in (0, 30]");
    }
    out
}

fn check_shot(
    cx: &mut Ctx,
    c: &CameraFile,
    default_target: LookAt,
    i: usize,
    s: &ShotFile,
) -> Shot {
    let at = format!("camera.shots[{i}]");
    let previous = i.checked_sub(1).map(|p| c.shots[p].start);
    let start_ok = match previous {
        None => s.start == 0.0,
        Some(p) => s.start.is_finite() && s.start > p,
    };
    if !start_ok {
        let want = if i == 0 {
            "the first shot starts at 0".to_string()
        } else {
            "start must be after the previous shot's".to_string()
        };
        cx.problem(&at, format!("{want}, got start {}", s.start));
    }
    let pos = s.at.unwrap_or(c.at);
    if !finite3(pos) {
        cx.problem(&at, format!("at must be finite, got {}", fmt3(pos)));
    }
    let look = match &s.look_at {
        Some(t) => look_at(cx, &at, "look_at", t),
        None => default_target,
    };
    let subject = match &s.subject {
        Some(t) => look_at(cx, &at, "subject", t),
        None => look,
    };
    for (j, m) in s.moves.iter().enumerate() {
        let mat = format!("{at}.moves[{j}]");
        let bad = |cx: &mut Ctx, what: &str| cx.problem(&mat, format!("{m:?}: {what}"));
        match *m {
            Move::Static => {}
            Move::Dolly(v)
            | Move::Truck(v)
            | Move::Pedestal(v)
            | Move::Crane(v)
            | Move::Pan(v)
            | Move::Tilt(v)
            | Move::Orbit(v) => {
                if !v.is_finite() || v.abs() > 1e5 {
                    bad(cx, "the amount must be a finite number below 1e5");
                }
            }
            Move::Follow(lag) => {
                if !(lag.is_finite() && (0.0..=60.0).contains(&lag)) {
                    bad(cx, "the lag must be in [0, 60] s");
                }
                if matches!(subject, LookAt::Point(_)) {
                    bad(
                        cx,
                        "Follow needs an entity subject (set subject or look_at)",
                    );
                }
            }
            Move::PushIn(f) => {
                if !(f.is_finite() && (0.0..0.95).contains(&f)) {
                    bad(cx, "the fraction must be in [0, 0.95)");
                }
            }
            Move::Handheld {
                amplitude_deg,
                frequency_hz,
            } => {
                for message in shake_problems(amplitude_deg, frequency_hz) {
                    bad(cx, message);
                }
            }
        }
    }
    if let Some(d) = s.subject_distance_m
        && !(d.is_finite() && d > 0.0)
    {
        cx.problem(&at, format!("subject_distance_m must be > 0 m, got {d}"));
    }
    Shot {
        start: s.start,
        at: Vec3::from(pos),
        look_at: look,
        subject,
        framing: s.framing,
        moves: s.moves.clone(),
        ease: s.ease,
        subject_distance: s.subject_distance_m,
    }
}

fn check_lights(cx: &mut Ctx, lights: &[LightFile]) -> Vec<Light> {
    let mut out = Vec::new();
    for (i, l) in lights.iter().enumerate() {
        let at = PlacedSet::label(cx.origin.set, "lights", i);
        let color = |cx: &mut Ctx, c: &Color| {
            resolve_color(c).unwrap_or_else(|e| {
                cx.problem(&at, format!("color: {e}"));
                [1.0; 3]
            })
        };
        let check_intensity = |cx: &mut Ctx, v: f32| {
            if !(v.is_finite() && v >= 0.0) {
                cx.problem(&at, format!("intensity must be >= 0, got {v}"));
            }
        };
        let light = match l {
            LightFile::Sun {
                direction,
                color: c,
                intensity,
                angle_deg,
            } => {
                let d = Vec3::from(*direction);
                if !(d.is_finite() && d.length() > 1e-6) {
                    cx.problem(
                        &at,
                        format!(
                            "direction must be a non-zero vector, got {}",
                            fmt3(*direction)
                        ),
                    );
                }
                if !(angle_deg.is_finite() && *angle_deg >= 0.0 && *angle_deg < 90.0) {
                    cx.problem(
                        &at,
                        format!("angle_deg must be in [0, 90), got {angle_deg}"),
                    );
                }
                check_intensity(cx, *intensity);
                Light::Sun {
                    direction: d.normalize_or_zero(),
                    color: color(cx, c),
                    intensity: *intensity,
                    angle: angle_deg.to_radians(),
                }
            }
            LightFile::Point {
                at: p,
                color: c,
                intensity,
            } => {
                if !finite3(*p) {
                    cx.problem(&at, "at must be finite");
                }
                check_intensity(cx, *intensity);
                Light::Point {
                    at: Vec3::from(*p),
                    color: color(cx, c),
                    intensity: *intensity,
                }
            }
            LightFile::Spot {
                at: p,
                look_at: t,
                color: c,
                intensity,
                cone_deg,
            } => {
                if !finite3(*p) {
                    cx.problem(&at, "at must be finite");
                }
                if !(cone_deg.is_finite() && *cone_deg > 0.0 && *cone_deg < 180.0) {
                    cx.problem(&at, format!("cone_deg must be in (0, 180), got {cone_deg}"));
                }
                check_intensity(cx, *intensity);
                let target = look_at(cx, &at, "look_at", t);
                Light::Spot {
                    at: Vec3::from(*p),
                    look_at: target,
                    color: color(cx, c),
                    intensity: *intensity,
                    cone: cone_deg.to_radians(),
                }
            }
            LightFile::Rect {
                at: p,
                look_at: t,
                size,
                color: c,
                intensity,
            } => {
                if !finite3(*p) {
                    cx.problem(&at, "at must be finite");
                }
                let (w, h) = *size;
                if !(w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0 && w <= 1e4 && h <= 1e4) {
                    cx.problem(
                        &at,
                        format!("size must be two lengths in (0, 10000] m, got ({w}, {h})"),
                    );
                }
                check_intensity(cx, *intensity);
                let target = look_at(cx, &at, "look_at", t);
                if let LookAt::Point(q) = target
                    && q.distance(Vec3::from(*p)) < 1e-6
                {
                    cx.problem(
                        &at,
                        "look_at must differ from at (the light needs a facing)",
                    );
                }
                Light::Rect {
                    at: Vec3::from(*p),
                    look_at: target,
                    size: *size,
                    color: color(cx, c),
                    intensity: *intensity,
                }
            }
            LightFile::Ambient {
                color: c,
                intensity,
            } => {
                check_intensity(cx, *intensity);
                Light::Ambient {
                    color: color(cx, c),
                    intensity: *intensity,
                }
            }
            LightFile::Rig(name) => {
                if !LIGHT_RIGS.contains(&name.as_str()) {
                    let hint = did_you_mean(name, LIGHT_RIGS.iter().copied());
                    cx.problem(
                        &at,
                        format!(
                            "unknown light rig \"{name}\"{hint}; known rigs: {}",
                            LIGHT_RIGS.join(", ")
                        ),
                    );
                }
                Light::Rig(name.clone())
            }
        };
        out.push(light);
    }
    out
}

/// The support points of an entity's shape in world space (corners of boxes, mesh
/// vertices, rings of round shapes): what a container's cavity hull is built from.
fn hull_points(e: &Entity, out: &mut Vec<Vec3>) {
    use std::f32::consts::TAU;
    let Some(shape) = &e.shape else { return };
    let mut local = Vec::new();
    match shape {
        Shape::Ground => return,
        Shape::ConvexHull(m) | Shape::TriMesh(m) => local.extend(m.vertices.iter().copied()),
        Shape::Cylinder {
            radius,
            half_height,
        }
        | Shape::Cone {
            radius,
            half_height,
        }
        | Shape::Capsule {
            radius,
            half_height,
        } => {
            for k in 0..32 {
                let a = TAU * k as f32 / 32.0;
                for y in [-half_height, *half_height] {
                    local.push(Vec3::new(radius * a.cos(), y, radius * a.sin()));
                }
            }
        }
        other => {
            if let Some((lo, hi)) = other.local_bounds() {
                for i in 0..8 {
                    local.push(Vec3::new(
                        if i & 1 == 0 { lo.x } else { hi.x },
                        if i & 2 == 0 { lo.y } else { hi.y },
                        if i & 4 == 0 { lo.z } else { hi.z },
                    ));
                }
            }
        }
    }
    out.extend(local.into_iter().map(|p| e.world.transform_point(p)));
}

/// Checks `fluids:`; each liquid becomes an entity of its own (no shape, no body) placed
/// after every other entity, so it has a name, a segmentation id and a material.
fn check_fluids(cx: &mut Ctx, f: &SceneFile) -> Vec<super::fluid::Fluid> {
    use super::fluid::{
        DEFAULT_PARTICLE_RADIUS, Emitter, Fill, FillFile, Fluid, LIQUIDS, MAX_FLUID_PARTICLES,
        apply_overrides, find_liquid, lattice, lattice_count,
    };
    use rapier3d::parry::shape::SharedShape;
    let mut out = Vec::new();
    let mut total = 0usize;
    let mut radius_of_first: Option<(f32, String)> = None;
    // The solids the liquid may not start inside: every entity with a shape.
    let solids: Vec<(usize, SharedShape)> = cx
        .entities
        .iter()
        .enumerate()
        .filter_map(|(i, e)| Some((i, e.shape.as_ref()?.to_parry().ok()?)))
        .collect();
    for (i, fl) in f.fluids.iter().enumerate() {
        let Some(at) = own_name(cx, "fluids", i, &fl.name, "fluid") else {
            continue;
        };
        let Some(preset) = find_liquid(&fl.material) else {
            let hint = did_you_mean(&fl.material, LIQUIDS.iter().map(|l| l.name));
            cx.problem(
                &format!("{at}: material"),
                format!(
                    "unknown liquid \"{}\": name one of water, oil, honey, milk, juice{hint}",
                    fl.material
                ),
            );
            continue;
        };
        let Some(liquid) = apply_overrides(preset, fl.liquid.as_ref(), &at, &mut |field, m| {
            cx.problem(field, m)
        }) else {
            continue;
        };
        let r = fl.particle_radius.unwrap_or(DEFAULT_PARTICLE_RADIUS);
        if !(r.is_finite() && (0.001..=0.1).contains(&r)) {
            cx.problem(
                &format!("{at}: particle_radius"),
                format!("particle_radius must be in [0.001, 0.1] m, found {r}"),
            );
            continue;
        }
        match &radius_of_first {
            Some((r0, name)) if (*r0 - r).abs() > 0.0 => {
                cx.problem(
                    &format!("{at}: particle_radius"),
                    format!(
                        "every fluid of a scene shares one particle radius (salva's world has one): \"{name}\" uses {r0} m, this one {r} m"
                    ),
                );
                continue;
            }
            None => radius_of_first = Some((r, fl.name.clone())),
            _ => {}
        }
        let fill_at = format!("{at}: fill");
        let fill = match &fl.fill {
            FillFile::Box { center, size } => {
                let (c, s) = (Vec3::from(*center), Vec3::from(*size));
                if !(c.is_finite() && s.is_finite() && s.min_element() > 0.0) {
                    cx.problem(
                        &fill_at,
                        format!("Box size must be positive and finite, found {s:?}"),
                    );
                    continue;
                }
                let n = lattice_count(c - s * 0.5, c + s * 0.5, r);
                if n == 0 {
                    cx.problem(
                        &fill_at,
                        format!(
                            "the box holds no particles: each side must be at least 2 × particle_radius = {} m",
                            2.0 * r
                        ),
                    );
                    continue;
                }
                if total as u64 + n > MAX_FLUID_PARTICLES as u64 {
                    cx.problem(
                        &fill_at,
                        format!(
                            "the fluids would have {} particles, over the limit of {MAX_FLUID_PARTICLES}; raise particle_radius or shrink the fill",
                            total as u64 + n
                        ),
                    );
                    break;
                }
                Fill::Particles(lattice(c - s * 0.5, c + s * 0.5, r))
            }
            FillFile::Inside { entity, level } => {
                if !(*level > 0.0 && *level <= 1.0) {
                    cx.problem(
                        &format!("{fill_at}: level"),
                        format!("level must be in (0, 1], found {level}"),
                    );
                    continue;
                }
                let Some(ci) = cx.entities.iter().position(|e| &e.name == entity) else {
                    if !cx.broken.contains(entity) {
                        let hint =
                            did_you_mean(entity, cx.entities.iter().map(|e| e.name.as_str()));
                        cx.problem(
                            &fill_at,
                            format!("Inside: unknown entity \"{entity}\"{hint}"),
                        );
                    }
                    continue;
                };
                // The container and every entity below it.
                let mut parts = vec![ci];
                let mut k = 0;
                while k < parts.len() {
                    let p = parts[k];
                    parts.extend(
                        (0..cx.entities.len()).filter(|&j| cx.entities[j].parent == Some(p)),
                    );
                    k += 1;
                }
                let mut pts = Vec::new();
                for &p in &parts {
                    hull_points(&cx.entities[p], &mut pts);
                }
                let hull = (pts.len() >= 4)
                    .then(|| SharedShape::convex_hull(&pts))
                    .flatten();
                let Some(hull) = hull else {
                    cx.problem(
                        &fill_at,
                        format!("Inside: entity \"{entity}\" has no shape to hold a liquid"),
                    );
                    continue;
                };
                let (lo, hi) = pts.iter().fold((Vec3::MAX, Vec3::MIN), |(lo, hi), p| {
                    (lo.min(*p), hi.max(*p))
                });
                let top = lo.y + (hi.y - lo.y) * level;
                let id = rapier3d::math::Pose::IDENTITY;
                let candidates = lattice_count(lo, Vec3::new(hi.x, top, hi.z), r);
                if total as u64 + candidates > 4 * MAX_FLUID_PARTICLES as u64 {
                    cx.problem(&fill_at, format!("Inside: \"{entity}\" would hold over {MAX_FLUID_PARTICLES} particles; raise particle_radius"));
                    break;
                }
                let pts: Vec<Vec3> = lattice(lo, Vec3::new(hi.x, top, hi.z), r)
                    .into_iter()
                    .filter(|p| hull.contains_point(&id, *p))
                    .filter(|p| {
                        parts.iter().all(|&q| {
                            let e = &cx.entities[q];
                            let Some(s) = solids.iter().find(|(j, _)| *j == q).map(|(_, s)| s)
                            else {
                                return true;
                            };
                            s.distance_to_point(
                                &super::super::physics::to_rapier(e.world),
                                *p,
                                true,
                            ) >= r
                        })
                    })
                    .collect();
                if pts.is_empty() {
                    cx.problem(
                        &fill_at,
                        format!(
                            "Inside: the cavity of \"{entity}\" holds no particles of radius {r} m below level {level} (is it hollow? a solid shape has no cavity)"
                        ),
                    );
                    continue;
                }
                if total + pts.len() > MAX_FLUID_PARTICLES {
                    cx.problem(&fill_at, format!("the fluids would have {} particles, over the limit of {MAX_FLUID_PARTICLES}; raise particle_radius", total + pts.len()));
                    break;
                }
                Fill::Particles(pts)
            }
            FillFile::Emitter {
                at: nozzle,
                direction,
                radius,
                rate_l_per_s,
                from,
                until,
            } => {
                let dir = Vec3::from(*direction);
                let until = until.unwrap_or(f.duration);
                let ok_dir = dir.is_finite() && dir.length() > 1e-6;
                if !ok_dir {
                    cx.problem(
                        &format!("{fill_at}: direction"),
                        "direction must be a non-zero vector",
                    );
                }
                if !(radius.is_finite() && *radius >= r && *radius <= 1.0) {
                    cx.problem(
                        &format!("{fill_at}: radius"),
                        format!(
                            "nozzle radius must be in [particle_radius = {r}, 1] m, found {radius}"
                        ),
                    );
                }
                if !(rate_l_per_s.is_finite() && *rate_l_per_s > 0.0 && *rate_l_per_s <= 1000.0) {
                    cx.problem(
                        &format!("{fill_at}: rate_l_per_s"),
                        format!("rate must be in (0, 1000] l/s, found {rate_l_per_s}"),
                    );
                }
                if !(from.is_finite() && until.is_finite() && *from >= 0.0 && until > *from) {
                    cx.problem(
                        &format!("{fill_at}: until"),
                        format!(
                            "the emitter must run for some time: from {from} s until {until} s"
                        ),
                    );
                }
                if !Vec3::from(*nozzle).is_finite() {
                    cx.problem(&format!("{fill_at}: at"), "at must be finite");
                }
                if cx.problems.iter().any(|p| p.at.starts_with(&fill_at)) {
                    continue;
                }
                let e = Emitter {
                    at: Vec3::from(*nozzle),
                    direction: dir.normalize(),
                    radius: *radius,
                    rate: rate_l_per_s * 1e-3,
                    from: *from,
                    until,
                };
                let n = e.total_particles(r);
                if total + n > MAX_FLUID_PARTICLES {
                    cx.problem(
                        &fill_at,
                        format!(
                            "the emitter would add {n} particles ({} in all), over the limit of {MAX_FLUID_PARTICLES}; lower rate_l_per_s, shorten it or raise particle_radius",
                            total + n
                        ),
                    );
                    break;
                }
                Fill::Emitter(e)
            }
        };
        // A liquid may not start inside a solid.
        if let Fill::Particles(pts) = &fill {
            let inside = solids.iter().find_map(|(j, s)| {
                let pose = super::super::physics::to_rapier(cx.entities[*j].world);
                pts.iter()
                    .find(|p| s.contains_point(&pose, **p))
                    .map(|p| (*j, *p))
            });
            if let Some((j, p)) = inside {
                cx.problem(
                    &fill_at,
                    format!(
                        "the liquid starts inside the solid \"{}\" (a particle at ({:.3}, {:.3}, {:.3})); move or shrink the fill",
                        cx.entities[j].name, p.x, p.y, p.z
                    ),
                );
                continue;
            }
        }
        let fluid = Fluid {
            name: fl.name.clone(),
            entity: 0,
            liquid,
            particle_radius: r,
            fill,
            velocity: Vec3::from(fl.velocity),
        };
        total += fluid.max_particles();
        // The look: a material of the liquid's own, or a copy in `color`.
        let color = match &fl.color {
            Some(c) => match resolve_color(c) {
                Ok(rgb) => Color::Linear(rgb),
                Err(e) => {
                    cx.problem(&format!("{at}: color"), e);
                    continue;
                }
            },
            None => Color::Hex(liquid.color.into()),
        };
        let file = MaterialFile {
            color,
            roughness: liquid.roughness,
            density: liquid.density,
            friction: 0.0,
            transmission: if liquid.clear { 1.0 } else { 0.0 },
            ior: liquid.ior,
            ..MaterialFile::default()
        };
        let name = format!("{} ({})", liquid.name, fl.name);
        let m = build_material(cx, &at, &name, &file);
        let entity = own_entity(cx, &fl.name, m);
        out.push(Fluid { entity, ..fluid });
    }
    out
}

/// The label of item `i` of `list` (`fluids[0] "water"`) if its name is non-empty and
/// unused by any entity so far; otherwise reports the problem and gives `None`.
fn own_name(cx: &mut Ctx, list: &str, i: usize, name: &str, kind: &str) -> Option<String> {
    if name.trim().is_empty() {
        cx.problem(
            &format!("{list}[{i}]"),
            format!("every {kind} needs a non-empty `name`"),
        );
        return None;
    }
    let at = format!("{list}[{i}] \"{name}\"");
    if cx.entities.iter().any(|e| e.name == name) || cx.broken.contains(name) {
        cx.problem(
            &at,
            format!("name \"{name}\" is used by an entity, a cloth, a fluid or a character"),
        );
        return None;
    }
    Some(at)
}

/// Adds an entity of its own (no shape, no body, at the origin) for a liquid or a
/// character, with its material; returns its index.
fn own_entity(cx: &mut Ctx, name: &str, m: Material) -> usize {
    let material = cx.file_materials + cx.mesh_materials.len();
    cx.mesh_materials.push(m);
    let entity = cx.entities.len();
    cx.entities.push(Entity {
        name: name.to_string(),
        id: entity as u32 + 1,
        parent: None,
        local: Pose::IDENTITY,
        world: Pose::IDENTITY,
        shape: None,
        material,
        mass: None,
        body: None,
        offset: Pose::IDENTITY,
        sound: Default::default(),
    });
    entity
}

/// Checks what a character's actions need of its body and its timeline: the hand
/// holds what it throws and one thing at a time; it stands still to pick up, sit or
/// jump, and stays put once seated; its seat fits it; a jump has gravity. Problems are
/// reported against `actions[k]` in file order; returns whether there were none.
fn check_acts(
    cx: &mut Ctx,
    at: &str,
    c: &super::character::CharacterFile,
    skeleton: &crate::character::Skeleton,
    gait: &Option<crate::character::Gait>,
    actions: &[(f32, super::character::Act)],
    gravity: [f32; 3],
) -> bool {
    use super::character::Act;
    use crate::character::Performance;
    let before = cx.problems.len();
    let perf = Performance::new(
        skeleton.clone(),
        gait.clone(),
        Vec3::from(c.at),
        c.facing_deg.to_radians(),
        c.start,
        Vec::new(),
    );
    let (start, end) = (c.start, perf.walk_end());
    let walks = gait.is_some();
    // File order for the field names; time order for the hand and the seat.
    let mut order: Vec<usize> = (0..actions.len()).collect();
    order.sort_by(|a, b| actions[*a].0.total_cmp(&actions[*b].0));
    let mut held: Option<(usize, f32)> = None;
    let mut seated: Option<f32> = None;
    for k in order {
        let (t, act) = actions[k];
        let field = format!("{at}: actions[{k}]");
        let name = |e: usize| cx.entities[e].name.clone();
        let standing = matches!(act, Act::PickUp(_) | Act::Sit(_) | Act::Jump);
        if standing && walks && t >= start && t < end {
            let verb = act.name();
            cx.problem(
                &field,
                format!(
                    "to {verb} it must stand still, but it walks from {start} s to {end:.2} s; \
                     time it after the walk or before it sets off"
                ),
            );
            continue;
        }
        if let Some(s) = seated
            && matches!(act, Act::PickUp(_) | Act::Sit(_) | Act::Jump | Act::Kick(_))
        {
            let verb = act.name();
            cx.problem(
                &field,
                format!("it sits from {s} s on and cannot {verb} seated (it does not stand up)"),
            );
            continue;
        }
        match act {
            Act::PickUp(e) => {
                if let Some((h, since)) = held {
                    let holding = name(h);
                    cx.problem(
                        &field,
                        format!(
                            "the right hand already holds \"{holding}\" (picked up at {since} s); \
                             throw it first"
                        ),
                    );
                    continue;
                }
                let pose = perf.base_pose(t);
                let g = skeleton.globals(&pose);
                let feet = 0.5
                    * (Vec3::from(g[crate::character::Joint::LeftAnkle.index()].translation)
                        + Vec3::from(g[crate::character::Joint::RightAnkle.index()].translation));
                let p = cx.entities[e].world.translation;
                let d = Vec3::new(p.x - feet.x, 0.0, p.z - feet.z).length();
                let reach = 0.45 * skeleton.height();
                if d > reach {
                    let what = name(e);
                    cx.problem(
                        &field,
                        format!(
                            "PickUp(\"{what}\"): it starts {d:.2} m from the feet at {t} s; \
                             a {:.2} m body picks up within {reach:.2} m",
                            skeleton.height()
                        ),
                    );
                    continue;
                }
                held = Some((e, t));
            }
            Act::Throw(e) => match held {
                Some((h, since)) if h == e => {
                    let grasp = since + crate::character::Move::PickUp.hand_event().unwrap_or(0.0);
                    if t < grasp {
                        cx.problem(
                            &field,
                            format!(
                                "Throw(\"{}\"): the hand takes hold of it at {grasp:.2} s (the pick-up \
                                 at {since} s); throw after that",
                                name(e)
                            ),
                        );
                    }
                    held = None;
                }
                _ => {
                    let what = name(e);
                    cx.problem(
                        &field,
                        format!(
                            "Throw(\"{what}\"): the right hand does not hold it then; pick it up \
                             first, e.g. (t, PickUp(\"{what}\")) before the throw"
                        ),
                    );
                }
            },
            Act::Sit(e) => {
                if walks && t < end {
                    cx.problem(
                        &field,
                        format!(
                            "it would sit at {t} s but walks until {end:.2} s; it sits after its walk"
                        ),
                    );
                    continue;
                }
                let aabb = cx.entities[e].shape.as_ref().and_then(|shape| {
                    let parry = shape.to_parry().ok()?;
                    let w = cx.entities[e].world;
                    let b = parry
                        .compute_aabb(&rapier3d::math::Pose::from_parts(w.translation, w.rotation));
                    Some((b.mins, b.maxs))
                });
                if let Some((min, max)) = aabb
                    && let Err(why) = perf.sit_point(t, min, max)
                {
                    let seat = name(e);
                    cx.problem(&field, format!("Sit(\"{seat}\"): {why}"));
                    continue;
                }
                seated = Some(t);
            }
            Act::Jump => {
                if -gravity[1] < 0.5 {
                    cx.problem(
                        &field,
                        format!(
                            "Jump needs gravity pulling down (at least 0.5 m/s²); the scene's \
                             gravity is {}",
                            fmt3(gravity)
                        ),
                    );
                }
            }
            Act::Push(_) | Act::Kick(_) | Act::Wave | Act::Fall => {}
        }
    }
    cx.problems.len() == before
}

/// Checks `characters:`; each character becomes an entity of its own (no shape, no
/// body) with a material of its own: its outfit painted on the mannequin's atlas.
fn check_characters(cx: &mut Ctx, f: &SceneFile) -> Vec<super::character::Character> {
    use super::character::{
        Act, ActFile, Character, DEFAULT_OUTFIT, GaitKind, Outfit, check_body, plan,
    };
    use crate::character::{GaitParams, Skeleton, dress};
    let mut out: Vec<Character> = Vec::new();
    let duration = f.duration;
    for (i, c) in f.characters.iter().enumerate() {
        let Some(at) = own_name(cx, "characters", i, &c.name, "character") else {
            continue;
        };
        let before = cx.problems.len();
        let body = check_body(&at, &c.body, &mut |field, message| {
            cx.problem(field, message)
        });
        let written = [
            ("skin_tone", &c.body.skin_tone),
            ("hair", &c.body.hair),
            ("shirt", &c.body.shirt),
            ("trousers", &c.body.trousers),
            ("shoes", &c.body.shoes),
        ];
        let mut colors = [[0.0f32; 3]; 5];
        for (k, (field, color)) in written.into_iter().enumerate() {
            let fallback = Color::Hex(DEFAULT_OUTFIT[k].into());
            match resolve_color(color.as_ref().unwrap_or(&fallback)) {
                Ok(rgb) => colors[k] = rgb,
                Err(e) => cx.problem(&format!("{at}: body.{field}"), e),
            }
        }
        if !finite3(c.at) {
            cx.problem(
                &format!("{at}: at"),
                format!("must be finite, got {}", fmt3(c.at)),
            );
        }
        if !c.facing_deg.is_finite() {
            cx.problem(&format!("{at}: facing_deg"), "must be finite");
        }
        for (k, p) in c.path.iter().enumerate() {
            if !finite3(*p) {
                cx.problem(
                    &format!("{at}: path[{k}]"),
                    format!("must be finite, got {}", fmt3(*p)),
                );
            }
        }
        if !(c.start >= 0.0 && c.start.is_finite()) {
            cx.problem(
                &format!("{at}: start"),
                format!("must be >= 0 s, got {}", c.start),
            );
        }
        let mut params = match c.gait {
            GaitKind::Walk => GaitParams::walk(),
            GaitKind::Run => GaitParams::run(),
        };
        if let Some(v) = c.speed {
            if !(0.1..=8.0).contains(&v) {
                cx.problem(
                    &format!("{at}: speed"),
                    format!("must be in [0.1, 8] m/s, got {v}"),
                );
            }
            params.speed = v;
        }
        params.ground_height = c.at[1];
        let mut actions = Vec::new();
        for (k, (t, act)) in c.actions.iter().enumerate() {
            let field = format!("{at}: actions[{k}]");
            if !(*t >= 0.0 && *t <= duration) {
                cx.problem(
                    &field,
                    format!("time must be within the clip, [0, {duration}] s, got {t}"),
                );
            }
            let (verb, done, name, dynamic) = match act {
                ActFile::Wave => {
                    actions.push((*t, Act::Wave));
                    continue;
                }
                ActFile::Fall => {
                    actions.push((*t, Act::Fall));
                    continue;
                }
                ActFile::Jump => {
                    actions.push((*t, Act::Jump));
                    continue;
                }
                ActFile::Push(name) => ("Push", "pushed", name, true),
                ActFile::Kick(name) => ("Kick", "kicked", name, true),
                ActFile::PickUp(name) => ("PickUp", "picked up", name, true),
                ActFile::Throw(name) => ("Throw", "thrown", name, true),
                ActFile::Sit(name) => ("Sit", "sat on", name, false),
            };
            match cx.entities.iter().position(|e| &e.name == name) {
                Some(e)
                    if cx.entities[e].shape.is_some()
                        && (!dynamic
                            || cx.entities[e].body.is_some_and(|b| {
                                matches!(cx.bodies[b].kind, BodyKind::Dynamic { .. })
                            })) =>
                {
                    actions.push((
                        *t,
                        match act {
                            ActFile::Push(_) => Act::Push(e),
                            ActFile::Kick(_) => Act::Kick(e),
                            ActFile::PickUp(_) => Act::PickUp(e),
                            ActFile::Throw(_) => Act::Throw(e),
                            _ => Act::Sit(e),
                        },
                    ));
                }
                Some(_) => {
                    let what = if dynamic {
                        "an entity with a shape on a dynamic body"
                    } else {
                        "an entity with a shape"
                    };
                    cx.problem(
                        &field,
                        format!("{verb}(\"{name}\"): only {what} can be {done}"),
                    )
                }
                None if cx.broken.contains(name) => {}
                None => {
                    let hint = did_you_mean(name, cx.entities.iter().map(|e| e.name.as_str()));
                    cx.problem(
                        &field,
                        format!("{verb}(\"{name}\"): no entity has that name{hint}"),
                    );
                }
            }
        }
        if actions.iter().filter(|(_, a)| *a == Act::Fall).count() > 1 {
            cx.problem(&format!("{at}: actions"), "a character can fall only once");
        }
        if cx.problems.len() > before {
            continue;
        }
        actions.sort_by(|a, b| a.0.total_cmp(&b.0));
        let model = match &c.model {
            None => None,
            Some(m) => match check_model(cx, &at, c, m) {
                Some(r) => Some(r),
                None => continue,
            },
        };
        let body = model.as_ref().map_or(body, |r| r.0.skeleton.params);
        let skeleton = match Skeleton::new(body) {
            Ok(s) => s,
            Err(e) => {
                cx.problem(&format!("{at}: body"), e.to_string());
                continue;
            }
        };
        let gait = match plan(&skeleton, Vec3::from(c.at), &c.path, &params) {
            Ok(g) => g,
            Err(e) => {
                cx.problem(&format!("{at}: path"), e);
                continue;
            }
        };
        if !check_acts(cx, &at, c, &skeleton, &gait, &actions, f.gravity) {
            continue;
        }
        let [skin, hair, shirt, trousers, shoes] = colors;
        let outfit = Outfit {
            skin,
            hair,
            shirt,
            trousers,
            shoes,
        };
        let (face, cameo) = match &c.cameo {
            None => (None, None),
            Some(file) => match check_cameo(cx, file, skin) {
                Ok((face, used)) => (Some(face), Some(used)),
                Err(e) => {
                    cx.problem(&format!("{at}: cameo"), e);
                    continue;
                }
            },
        };
        // A body's physics, whatever it wears.
        let file = MaterialFile {
            color: Color::Linear([1.0; 3]),
            roughness: 0.7,
            density: 985.0,
            friction: 0.8,
            ..MaterialFile::default()
        };
        let m = match &model {
            Some((_, Some(found))) => {
                model_material(cx, &at, &format!("model ({})", c.name), found, &file)
            }
            Some((_, None)) => build_material(cx, &at, &format!("model ({})", c.name), &file),
            None => {
                // The mannequin's outfit, painted only for it (a model wears its own).
                let mut texels = dress::atlas(&dress::Colors {
                    skin,
                    hair,
                    shirt,
                    trousers,
                    shoes,
                });
                if let Some(face) = &face {
                    dress::paint_face(&mut texels, face);
                }
                let mut m = build_material(cx, &at, &format!("outfit ({})", c.name), &file);
                m.maps.base_color = Some(Arc::new(crate::texture::Texture {
                    name: format!("{} (outfit)", c.name),
                    color_space: ColorSpace::Srgb,
                    mips: crate::texture::mip_chain(
                        crate::texture::Mip {
                            width: dress::ATLAS_SIZE,
                            height: dress::ATLAS_SIZE,
                            texels,
                        },
                        ColorSpace::Srgb,
                    ),
                }));
                m
            }
        };
        let entity = own_entity(cx, &c.name, m);
        out.push(Character {
            name: c.name.clone(),
            entity,
            body,
            skeleton,
            outfit,
            at: Vec3::from(c.at),
            facing: c.facing_deg.to_radians(),
            gait,
            start: c.start,
            actions,
            cameo,
            model: model.map(|(r, _)| Arc::new(r)),
        });
    }
    out
}

/// A glTF character's material as found in its file: the material, its maps embedded in
/// the file's buffer, and the model's resolved path (to name those images).
type ModelMaterial = (MaterialFile, Vec<mesh::EmbeddedMap>, std::path::PathBuf);

/// Loads and binds a character's glTF model, with its material (if it has one); a
/// problem names `{at}: model…` and gives `None`. The file joins the scene's hash.
fn check_model(
    cx: &mut Ctx,
    at: &str,
    c: &super::character::CharacterFile,
    m: &super::character::ModelFile,
) -> Option<(crate::character::Retarget, Option<ModelMaterial>)> {
    use crate::character::{GltfCharacter, Retarget};
    let field = format!("{at}: model");
    let mut refused = false;
    if c.cameo.is_some() {
        cx.problem(
            &format!("{at}: cameo"),
            "a cameo needs the bundled mannequin's head (its face layout); a character \
             with a `model` cannot wear one",
        );
        refused = true;
    }
    let colors = [
        ("skin_tone", &c.body.skin_tone),
        ("hair", &c.body.hair),
        ("shirt", &c.body.shirt),
        ("trousers", &c.body.trousers),
        ("shoes", &c.body.shoes),
    ];
    for (name, color) in colors {
        if color.is_some() {
            cx.problem(
                &format!("{at}: body.{name}"),
                "a model wears its own material; the body's colors dress the mannequin",
            );
            refused = true;
        }
    }
    if c.body.height != 1.75 {
        cx.problem(
            &format!("{at}: body.height"),
            format!(
                "a model's height is its own (its rest mesh's); scale it with \
                 `model: (scale: …)` instead of height {}",
                c.body.height
            ),
        );
        refused = true;
    }
    if refused {
        return None;
    }
    let base = cx.origin.base_dir;
    let full = match mesh::resolve_inside(base, base, &m.file, "model") {
        Ok(f) => f,
        Err(e) => {
            cx.problem(&format!("{field}.file"), e);
            return None;
        }
    };
    let bytes = match std::fs::read(&full) {
        Ok(b) => b,
        Err(e) => {
            cx.problem(
                &format!("{field}.file"),
                format!("cannot read \"{}\": {e}", m.file),
            );
            return None;
        }
    };
    if m.clip.is_some() && !c.path.is_empty() {
        cx.problem(
            &format!("{field}.clip"),
            "a clip plays while the character stands; this one walks a `path` (the walk is \
             procedural): drop the path or the clip",
        );
        return None;
    }
    let dir = full.parent().unwrap_or(base);
    let loaded = GltfCharacter::from_bytes_in(&bytes, &full.display().to_string(), dir)
        .map_err(|e| e.to_string());
    let bound = loaded
        .and_then(|g| Retarget::new(g, &m.joints, m.scale, c.body.build))
        .and_then(|r| match m.clip {
            Some(i) => r.with_clip(i),
            None => Ok(r),
        });
    let retarget = match bound {
        Ok(r) => r,
        Err(e) => {
            cx.problem(&field, format!("\"{}\": {e}", m.file));
            return None;
        }
    };
    let material = match mesh::skinned_material(base, &m.file, &bytes) {
        Ok(found) => found,
        Err(e) => {
            cx.problem(&field, format!("\"{}\": {e}", m.file));
            return None;
        }
    };
    cx.other_files.insert(m.file.clone(), blake3::hash(&bytes));
    Some((
        retarget,
        material.map(|(file, embedded)| (file, embedded, full)),
    ))
}

/// A glTF character's material: the file's, with the maps embedded in its buffer
/// decoded (the rest load from their files as a mesh's do), and `body`'s physics.
fn model_material(
    cx: &mut Ctx,
    at: &str,
    name: &str,
    (file, embedded, model): &ModelMaterial,
    body: &MaterialFile,
) -> Material {
    let mut file = file.clone();
    file.density = body.density;
    file.friction = body.friction;
    let mut m = build_material(cx, at, name, &file);
    for e in embedded {
        let space = match e.field {
            "base_color_map" | "emissive_map" => ColorSpace::Srgb,
            _ => ColorSpace::Linear,
        };
        let named = e
            .mime
            .as_deref()
            .and_then(image::ImageFormat::from_mime_type);
        let mut key = model.clone().into_os_string();
        key.push(format!("#images[{}]", e.image));
        let shown = format!("{}#images[{}]", model.display(), e.image);
        match crate::texture::from_bytes(
            &e.bytes,
            key.into(),
            named,
            &shown,
            space,
            &mut cx.textures,
        ) {
            Ok(t) => {
                let slot = match e.field {
                    "base_color_map" => &mut m.maps.base_color,
                    "normal_map" => &mut m.maps.normal,
                    "metallic_roughness_map" => &mut m.maps.metallic_roughness,
                    "emissive_map" => &mut m.maps.emissive,
                    _ => &mut m.maps.occlusion,
                };
                *slot = Some(t);
            }
            Err(err) => cx.problem(&format!("{at}: model"), err.to_string()),
        }
    }
    m
}

/// Checks a cameo's consent for this use today and makes its face texture; the photo
/// and record join the scene's hash. Refuses with the file and field that fail.
fn check_cameo(
    cx: &mut Ctx,
    file: &super::character::CameoFile,
    skin: [f32; 3],
) -> Result<(crate::character::FaceTexture, super::character::CameoUse), String> {
    use crate::character::cameo::{self, CameoParams, Consent, Date, MAX_PHOTO_BYTES};
    let base = cx.origin.base_dir;
    let read = |path: &str, what: &str, limit: u64| -> Result<Vec<u8>, String> {
        let f = mesh::resolve_inside(base, base, path, what)?;
        let len = std::fs::metadata(&f)
            .map_err(|e| format!("cannot read {what} \"{path}\": {e}"))?
            .len();
        if len > limit {
            return Err(format!(
                "{what} \"{path}\" is {len} bytes, more than the limit of {limit}"
            ));
        }
        std::fs::read(&f).map_err(|e| format!("cannot read {what} \"{path}\": {e}"))
    };
    let consent_bytes = read(&file.consent, "consent", cameo::MAX_CONSENT_BYTES)?;
    let text = String::from_utf8(consent_bytes.clone())
        .map_err(|_| format!("consent \"{}\" is not UTF-8 text", file.consent))?;
    let consent = Consent::from_ron(&text, &file.consent).map_err(|e| e.to_string())?;
    let photo = read(&file.photo, "photo", MAX_PHOTO_BYTES as u64)?;
    let skin_srgb = skin.map(crate::math::linear_to_srgb8);
    let face = cameo::cameo(
        &consent,
        &photo,
        &file.photo,
        &file.subject,
        &file.user,
        Date::today(),
        &CameoParams {
            skin_srgb,
            ..CameoParams::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let span = crate::character::FACE_UV_RECT.max - crate::character::FACE_UV_RECT.min;
    let eyes_uv = [0, 1].map(|i| {
        let l = consent.landmarks.unwrap_or_default()[i];
        let t = face
            .photo_to_texel
            .apply(glam::DVec2::new(f64::from(l[0]), f64::from(l[1])));
        crate::character::FACE_UV_RECT.min
            + glam::Vec2::new(t.x as f32, t.y as f32) / cameo::TEXTURE_SIZE as f32 * span
    });
    let photo_hash = blake3::hash(&photo);
    let consent_hash = blake3::hash(&consent_bytes);
    cx.other_files.insert(file.photo.clone(), photo_hash);
    cx.other_files.insert(file.consent.clone(), consent_hash);
    Ok((
        face,
        super::character::CameoUse {
            consent_id: consent.id.clone(),
            subject: file.subject.clone(),
            user: file.user.clone(),
            photo: (file.photo.clone(), photo_hash.to_hex().to_string()),
            consent: (file.consent.clone(), consent_hash.to_hex().to_string()),
            expires: consent.expires.clone(),
            eyes_uv,
        },
    ))
}
