//! The RON file format, version 1: what a user writes, exactly as written.
//!
//! Every struct denies unknown fields and documents its defaults; nothing here is
//! checked beyond its type. Validation ([`super::load`], [`super::parse_str`]) turns a
//! [`SceneFile`] into a [`super::Scene`].

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A whole scene file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Scene")]
pub struct SceneFile {
    /// Format version; only `1` exists.
    pub version: u32,
    /// A short name for the scene.
    pub name: String,
    /// Seeds every random choice (repeat jitter, scatter layouts, later noise and grain).
    #[serde(default)]
    pub seed: u64,
    /// Clip length in seconds; the clip has `round(duration * fps)` frames.
    pub duration: f32,
    /// Frames per second (default 24).
    #[serde(default = "default_fps")]
    pub fps: u32,
    /// Physics steps per second, an integer multiple of `fps` (default 240).
    #[serde(default = "default_physics_hz")]
    pub physics_hz: u32,
    /// Gravity in m/s² (default `(0, -9.81, 0)`).
    #[serde(default = "default_gravity")]
    pub gravity: [f32; 3],
    /// Output width and height in pixels (default `(640, 360)`).
    #[serde(default = "default_resolution")]
    pub resolution: (u32, u32),
    /// Materials by name.
    #[serde(default)]
    pub materials: BTreeMap<String, MaterialFile>,
    /// Entity templates by name; an entity names one with `prefab:` and overrides fields.
    #[serde(default)]
    pub prefabs: BTreeMap<String, EntityFile>,
    /// The scene graph's roots.
    pub entities: Vec<EntityFile>,
    /// Joints between bodies (or between a body and the world).
    #[serde(default)]
    pub joints: Vec<JointFile>,
    /// Timed actions on bodies: impulses, forces, velocity changes, wake/sleep.
    #[serde(default)]
    pub events: Vec<TimedEventFile>,
    /// The camera.
    #[serde(default)]
    pub camera: CameraFile,
    /// Lights; empty means the renderer's default rig.
    #[serde(default)]
    pub lights: Vec<LightFile>,
    /// The name of a style in `styles/`.
    #[serde(default)]
    pub style: Option<String>,
    /// What surrounds the scene, lights it and is seen behind it (default: the ambient
    /// lights' sky/ground hemisphere, as before environments existed).
    #[serde(default)]
    pub environment: Option<EnvironmentFile>,
    /// Exponential height fog (default none).
    #[serde(default)]
    pub fog: Option<FogFile>,
    /// A set placed around the scene: a bundled set's name (`"studio"`, `"room"`,
    /// `"tabletop"`, `"outdoor"`) or a path ending in `.ron`, relative to the scene
    /// file's folder and inside it. Its materials, prefabs, entities, lights,
    /// environment and fog join the scene's; the scene wins every clash.
    #[serde(default)]
    pub set: Option<String>,
    /// The clip's sound: master gain, room, listener, voices (default: everything
    /// automatic, see `docs/sound.md`).
    #[serde(default)]
    pub sound: Option<super::sound::SoundFile>,
    /// Sheets of cloth (see `docs/cloth.md`).
    #[serde(default)]
    pub cloths: Vec<super::cloth::ClothFile>,
    /// A wind blowing on the cloths (default none).
    #[serde(default)]
    pub wind: Option<super::cloth::WindFile>,
    /// Liquids simulated as particles (see `docs/fluids.md`).
    #[serde(default)]
    pub fluids: Vec<super::fluid::FluidFile>,
    /// People (see `docs/characters.md`).
    #[serde(default)]
    pub characters: Vec<super::character::CharacterFile>,
    /// Whether `environment` came from the set (its default world, which a style's
    /// time of day may change) rather than from the scene. Not part of the format.
    #[serde(skip)]
    pub world_from_set: bool,
}

/// A set file (`sets/*.ron`): a reusable surrounding that a scene places with `set:`.
/// Every field but `name` is optional. Mesh, texture and HDRI paths in a set resolve
/// against the folder of the scene that uses it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Set")]
pub struct SetFile {
    /// The set's name.
    pub name: String,
    /// One line saying what it is (for `cinegraph sets`).
    #[serde(default)]
    pub description: String,
    /// Materials by name; a scene material of the same name replaces the set's.
    #[serde(default)]
    pub materials: BTreeMap<String, MaterialFile>,
    /// Prefabs by name; a scene prefab of the same name replaces the set's.
    #[serde(default)]
    pub prefabs: BTreeMap<String, EntityFile>,
    /// Entities, placed before the scene's.
    #[serde(default)]
    pub entities: Vec<EntityFile>,
    /// Lights, placed before the scene's.
    #[serde(default)]
    pub lights: Vec<LightFile>,
    /// The set's environment, unless the scene names one.
    #[serde(default)]
    pub environment: Option<EnvironmentFile>,
    /// The set's fog, unless the scene names one.
    #[serde(default)]
    pub fog: Option<FogFile>,
}

/// What surrounds the scene (see [`crate::world::Environment`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Environment")]
pub enum EnvironmentFile {
    /// The ambient lights as a sky/ground hemisphere (the default).
    Hemisphere,
    /// The same radiance from every direction.
    Uniform {
        /// Color (default white).
        #[serde(default = "white")]
        color: Color,
        /// Radiance scale, >= 0 (default 1).
        #[serde(default = "one")]
        intensity: f32,
    },
    /// The analytic daylight sky and its sun.
    Sky {
        /// Where the sun is.
        sun: SunFile,
        /// Atmospheric turbidity in `[1.7, 10]` (default 3, clear).
        #[serde(default = "default_turbidity")]
        turbidity: f32,
        /// Multiplies the sky's and the sun's radiance, >= 0 (default 1).
        #[serde(default = "one")]
        intensity: f32,
        /// The ground's albedo below the horizon (default `"#7f7f7f"`, mid grey).
        #[serde(default = "default_ground_albedo")]
        ground_albedo: Color,
        /// Whether the sun is also a shadowed distant light (default true).
        #[serde(default = "yes")]
        sun_light: bool,
    },
    /// An equirectangular HDR image (`.hdr` or `.exr`).
    Hdri {
        /// Relative to the scene file's folder, inside it.
        path: String,
        /// Turns the image about +Y, degrees: its north toward east (default 0).
        #[serde(default)]
        rotate_deg: f32,
        /// Radiance scale, >= 0 (default 1).
        #[serde(default = "one")]
        intensity: f32,
    },
}

/// Where the sky's sun is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Sun")]
pub enum SunFile {
    /// Directly: elevation above the horizon in `[-10, 90]` degrees, azimuth in degrees
    /// from north (−Z) toward east (+X), any value (taken modulo 360).
    Angles {
        /// Degrees above the horizon.
        elevation_deg: f32,
        /// Degrees from north toward east.
        azimuth_deg: f32,
    },
    /// From a place and a local time (NOAA's solar position).
    Date {
        /// `"YYYY-MM-DD"` (Gregorian).
        date: String,
        /// Local clock time, `"HH:MM"` or `"HH:MM:SS"`.
        time: String,
        /// Degrees, north positive, `[-90, 90]`.
        latitude: f32,
        /// Degrees, east positive, `[-180, 180]`.
        longitude: f32,
        /// Hours the local clock is ahead of UTC (default 0).
        #[serde(default)]
        utc_offset_h: f32,
    },
}

/// Exponential height fog (see [`crate::world::Fog`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Fog")]
pub struct FogFile {
    /// Extinction at `base_height`, 1/m, > 0.
    pub density: f32,
    /// How fast it thins with height, 1/m, >= 0 (default 0, uniform).
    #[serde(default)]
    pub height_falloff: f32,
    /// Height where the extinction is `density`, m (default 0).
    #[serde(default)]
    pub base_height: f32,
    /// In-scattered color (default: the environment's mean toward the horizon).
    #[serde(default)]
    pub color: Option<Color>,
}

fn default_turbidity() -> f32 {
    3.0
}
fn default_ground_albedo() -> Color {
    Color::Hex("#7f7f7f".into())
}

fn default_fps() -> u32 {
    24
}
fn default_physics_hz() -> u32 {
    240
}
fn default_gravity() -> [f32; 3] {
    [0.0, -9.81, 0.0]
}
fn default_resolution() -> (u32, u32) {
    (640, 360)
}

/// A physical and visual material.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Material")]
pub struct MaterialFile {
    /// Base color: `"#rrggbb"` (sRGB) or `(r, g, b)` linear RGB in `[0, 1]`.
    #[serde(default = "default_color")]
    pub color: Color,
    /// Perceptual roughness in `[0, 1]` (default 0.5).
    #[serde(default = "default_roughness")]
    pub roughness: f32,
    /// Metalness in `[0, 1]` (default 0).
    #[serde(default)]
    pub metallic: f32,
    /// Density in kg/m³ (default 1000, water).
    #[serde(default = "default_density")]
    pub density: f32,
    /// Coulomb friction coefficient (default 0.5).
    #[serde(default = "default_friction")]
    pub friction: f32,
    /// Coefficient of restitution in `[0, 1]` (default 0).
    #[serde(default)]
    pub restitution: f32,
    /// Procedural surface detail drawn by the reference renderer, in the entity's own
    /// frame (default none; the raster preview keeps the flat base color).
    #[serde(default)]
    pub pattern: Option<Pattern>,
    /// Size multiplier of the pattern's features, > 0 (default 1).
    #[serde(default = "one")]
    pub pattern_scale: f32,
    /// Fraction of light refracted through the surface in `[0, 1]` (default 0): 1 for
    /// clear glass or water. Reference renderer only.
    #[serde(default)]
    pub transmission: f32,
    /// Index of refraction in `[1, 3]` (default 1.5, glass; water 1.33). Sets the
    /// specular reflectance of non-metals, `((n - 1) / (n + 1))²` (0.04 at 1.5).
    #[serde(default = "default_ior")]
    pub ior: f32,
    /// Emitted color (default none): `"#rrggbb"` or `(r, g, b)` linear.
    #[serde(default)]
    pub emission: Option<Color>,
    /// Emitted radiance scale, >= 0 (default 1).
    #[serde(default = "one")]
    pub emission_intensity: f32,
    /// Base color image (sRGB PNG or JPEG), multiplying `color`; relative to the scene
    /// file's folder, inside it (default none).
    #[serde(default)]
    pub base_color_map: Option<String>,
    /// Tangent-space normal map (linear, +Y up as glTF), default none.
    #[serde(default)]
    pub normal_map: Option<String>,
    /// Roughness in G and metallic in B (linear), multiplying `roughness` and
    /// `metallic` (default none).
    #[serde(default)]
    pub metallic_roughness_map: Option<String>,
    /// Emission image (sRGB), multiplying the emission (default none).
    #[serde(default)]
    pub emissive_map: Option<String>,
    /// Ambient occlusion in R (linear), on environment light only (default none).
    #[serde(default)]
    pub occlusion_map: Option<String>,
    /// Repeats of the maps per UV unit, both > 0 (default `(1, 1)`).
    #[serde(default = "default_uv_scale")]
    pub uv_scale: (f32, f32),
    /// How it sounds: an acoustic preset and/or elastic and damping constants (default:
    /// a preset guessed from the name, metalness, transmission and density).
    #[serde(default)]
    pub sound: Option<super::sound::AcousticFile>,
}

fn default_uv_scale() -> (f32, f32) {
    (1.0, 1.0)
}

impl Default for MaterialFile {
    fn default() -> Self {
        Self {
            color: default_color(),
            roughness: default_roughness(),
            metallic: 0.0,
            density: default_density(),
            friction: default_friction(),
            restitution: 0.0,
            pattern: None,
            pattern_scale: 1.0,
            transmission: 0.0,
            ior: default_ior(),
            emission: None,
            emission_intensity: 1.0,
            base_color_map: None,
            normal_map: None,
            metallic_roughness_map: None,
            emissive_map: None,
            occlusion_map: None,
            uv_scale: default_uv_scale(),
            sound: None,
        }
    }
}

/// Procedural material detail (reference renderer), seeded per entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "Pattern")]
pub enum Pattern {
    /// Growth rings around the local Y axis, with fibre streaks.
    Wood,
    /// Turbulent veins.
    Marble,
    /// Fine streaks along the local X axis, varying roughness.
    BrushedMetal,
    /// Multi-scale mottling with small dark pores.
    Concrete,
    /// Faint fine-grained speckle, matte.
    Rubber,
    /// A woven grid of threads.
    Fabric,
}

fn default_ior() -> f32 {
    1.5
}

fn default_color() -> Color {
    Color::Linear([0.5, 0.5, 0.5])
}
fn default_roughness() -> f32 {
    0.5
}
fn default_density() -> f32 {
    1000.0
}
fn default_friction() -> f32 {
    0.5
}

/// A color as written: sRGB hex or linear RGB.
#[derive(Debug, Clone, PartialEq)]
pub enum Color {
    /// `"#rrggbb"` or `"#rgb"`, sRGB-encoded, as written.
    Hex(String),
    /// Linear-light RGB.
    Linear([f32; 3]),
}

impl Serialize for Color {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Color::Hex(h) => s.serialize_str(h),
            Color::Linear(c) => c.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Color {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Color;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a color: \"#rrggbb\" (sRGB) or (r, g, b) in linear light")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Color, E> {
                Ok(Color::Hex(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Color, A::Error> {
                Ok(Color::Linear(read_floats::<A, 3>(seq, &self)?))
            }
        }
        d.deserialize_any(V)
    }
}

/// Reads exactly `N` numbers from a sequence (integers are accepted as floats).
fn read_floats<'de, A: SeqAccess<'de>, const N: usize>(
    mut seq: A,
    exp: &dyn de::Expected,
) -> Result<[f32; N], A::Error> {
    let mut out = [0.0f32; N];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = seq
            .next_element::<f32>()?
            .ok_or_else(|| de::Error::invalid_length(i, exp))?;
    }
    if seq.next_element::<de::IgnoredAny>()?.is_some() {
        return Err(de::Error::invalid_length(N + 1, exp));
    }
    Ok(out)
}

/// An entity (or, under `prefabs`, a template). Every field is optional so that a
/// prefab's fields can be overridden one by one.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Entity")]
pub struct EntityFile {
    /// Unique name; repeated entities become `name[0]`, `name[1]`, ….
    #[serde(default)]
    pub name: Option<String>,
    /// A template from `prefabs` whose fields this entity starts from.
    #[serde(default)]
    pub prefab: Option<String>,
    /// The collision and render shape.
    #[serde(default)]
    pub shape: Option<ShapeFile>,
    /// A key of `materials` (default: a grey material with density 1000).
    #[serde(default)]
    pub material: Option<String>,
    /// Makes this entity a rigid body. Without it, an entity joins its nearest ancestor's
    /// body; a root entity with a shape becomes `Dynamic()` (`Fixed` for `Ground` and
    /// `TriMesh`); a root without a shape is a plain transform node.
    #[serde(default)]
    pub body: Option<BodyFile>,
    /// Mass in kg of this entity's shape, instead of material density × volume.
    #[serde(default)]
    pub mass: Option<f32>,
    /// Position relative to the parent, meters.
    #[serde(default)]
    pub at: Option<[f32; 3]>,
    /// Rotation relative to the parent, degrees about fixed X, then Y, then Z.
    #[serde(default)]
    pub rotate_deg: Option<[f32; 3]>,
    /// Rotation relative to the parent as a unit quaternion `(x, y, z, w)`.
    #[serde(default)]
    pub quat: Option<[f32; 4]>,
    /// Copies of this entity in a pattern.
    #[serde(default)]
    pub repeat: Option<RepeatFile>,
    /// Child entities, placed relative to this one.
    #[serde(default)]
    pub children: Option<Vec<EntityFile>>,
    /// Its sound: gain, silence, or modes given by hand (default: from shape and
    /// material).
    #[serde(default)]
    pub sound: Option<super::sound::EntitySoundFile>,
}

/// A shape. Axis-symmetric shapes stand along local +Y, centered on the entity's origin.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Shape")]
pub enum ShapeFile {
    /// A ball.
    Sphere {
        /// Radius, m.
        radius: f32,
    },
    /// A box with full edge lengths `(x, y, z)`, m.
    Box {
        /// Full edge lengths, m.
        size: [f32; 3],
    },
    /// A capsule along Y.
    Capsule {
        /// Radius, m.
        radius: f32,
        /// Total height tip to tip, m (at least `2 * radius`).
        height: f32,
    },
    /// A cylinder along Y.
    Cylinder {
        /// Radius, m.
        radius: f32,
        /// Height, m.
        height: f32,
    },
    /// A cone along Y, apex up, centered at half its height.
    Cone {
        /// Base radius, m.
        radius: f32,
        /// Height, m.
        height: f32,
    },
    /// An infinite plane through the entity's origin, facing its local +Y. Always fixed.
    Ground,
    /// The convex hull of a mesh's vertices (OBJ or glTF path relative to the scene file).
    ConvexHull {
        /// Path relative to the scene file's folder.
        path: String,
        /// Uniform scale (default 1).
        #[serde(default = "one")]
        scale: f32,
    },
    /// A triangle mesh (OBJ or glTF); only on fixed or kinematic bodies.
    TriMesh {
        /// Path relative to the scene file's folder.
        path: String,
        /// Uniform scale (default 1).
        #[serde(default = "one")]
        scale: f32,
    },
}

fn one() -> f32 {
    1.0
}

/// How an entity moves.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Body")]
pub enum BodyFile {
    /// Never moves.
    Fixed,
    /// Moved by forces and contacts.
    Dynamic {
        /// Initial linear velocity, m/s.
        #[serde(default)]
        velocity: [f32; 3],
        /// Initial angular velocity, rad/s (world axes).
        #[serde(default)]
        angular_velocity: [f32; 3],
        /// Continuous collision detection, for fast small bodies.
        #[serde(default)]
        ccd: bool,
        /// Linear damping, 1/s.
        #[serde(default)]
        linear_damping: f32,
        /// Angular damping, 1/s.
        #[serde(default)]
        angular_damping: f32,
        /// Whether the body may fall asleep when at rest (default true).
        #[serde(default = "yes")]
        can_sleep: bool,
        /// Starts asleep until touched or woken.
        #[serde(default)]
        sleeping: bool,
    },
    /// Follows keyframes (or a constant velocity), pushing dynamic bodies but never pushed.
    Kinematic {
        /// Poses at times, relative to the parent like `at`; interpolated between keys and
        /// held before the first and after the last.
        #[serde(default)]
        keys: Vec<KeyFile>,
        /// Easing between keys (default `Linear`).
        #[serde(default)]
        ease: Ease,
        /// Constant linear velocity, m/s, when there are no keys.
        #[serde(default)]
        velocity: [f32; 3],
        /// Constant angular velocity, rad/s, when there are no keys.
        #[serde(default)]
        angular_velocity: [f32; 3],
    },
}

fn yes() -> bool {
    true
}

/// A kinematic keyframe.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Key")]
pub struct KeyFile {
    /// Time, s.
    pub t: f32,
    /// Position relative to the parent, m.
    pub at: [f32; 3],
    /// Rotation relative to the parent, degrees (fixed X, then Y, then Z).
    #[serde(default)]
    pub rotate_deg: [f32; 3],
}

/// Interpolation between keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ease {
    /// Constant speed between keys.
    #[default]
    Linear,
    /// Smoothstep: starts and stops at rest.
    Smooth,
}

/// Copies of an entity. Copies are named `name[0]`, `name[1]`, … in the listed order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Repeat")]
pub enum RepeatFile {
    /// `count` copies, copy `i` offset by `i * step`.
    Line {
        /// Number of copies.
        count: u32,
        /// Offset between neighbours, m.
        step: [f32; 3],
        /// Seeded random offsets per copy.
        #[serde(default)]
        jitter: Option<JitterFile>,
    },
    /// A 3-D grid of `count.0 × count.1 × count.2` copies (x fastest, then z, then y).
    Grid {
        /// Copies along x, y, z.
        count: (u32, u32, u32),
        /// Spacing along x, y, z, m.
        step: [f32; 3],
        /// Seeded random offsets per copy.
        #[serde(default)]
        jitter: Option<JitterFile>,
    },
    /// `count` copies evenly spaced on a horizontal circle around `at`.
    Ring {
        /// Number of copies.
        count: u32,
        /// Circle radius, m.
        radius: f32,
        /// Turn each copy about +Y so its local +X points away from the center.
        #[serde(default)]
        face_out: bool,
        /// Seeded random offsets per copy.
        #[serde(default)]
        jitter: Option<JitterFile>,
    },
    /// `count` copies stacked along +Y, each resting on the one below (shape height + gap).
    Stack {
        /// Number of copies.
        count: u32,
        /// Extra space between copies, m.
        #[serde(default)]
        gap: f32,
        /// Seeded random offsets per copy.
        #[serde(default)]
        jitter: Option<JitterFile>,
    },
    /// `count` copies at seeded random positions inside a box, never overlapping (by
    /// bounding spheres), each with a random prefab and material from the lists, a random
    /// orientation and an initial velocity aimed at `toward`.
    Scatter {
        /// Number of copies.
        count: u32,
        /// Corner of the region holding the copies' centers, m (relative to the parent).
        min: [f32; 3],
        /// Opposite corner, m.
        max: [f32; 3],
        /// Prefabs to pick from per copy (empty: the entity itself).
        #[serde(default)]
        prefabs: Vec<String>,
        /// Materials to pick from per copy (empty: the entity's).
        #[serde(default)]
        materials: Vec<String>,
        /// Uniform scales to pick from per copy (empty: 1).
        #[serde(default)]
        scales: Vec<f32>,
        /// Minimum clearance between bounding spheres, m.
        #[serde(default)]
        gap: f32,
        /// Random orientation per copy (default true).
        #[serde(default = "yes")]
        random_rotation: bool,
        /// Point the horizontal initial velocity aims at (relative to the parent).
        #[serde(default)]
        toward: Option<[f32; 3]>,
        /// Initial speed range `(min, max)`, m/s (default `(0, 0)`).
        #[serde(default)]
        speed: (f32, f32),
    },
}

/// Seeded random per-copy offsets: uniform in `[-at, at]` and `[-rotate_deg, rotate_deg]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Jitter")]
pub struct JitterFile {
    /// Largest offset per axis, m.
    #[serde(default)]
    pub at: [f32; 3],
    /// Largest rotation per axis, degrees.
    #[serde(default)]
    pub rotate_deg: [f32; 3],
}

/// A joint between body `a` (or the world) and body `b`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Joint")]
pub struct JointFile {
    /// Unique joint name.
    pub name: String,
    /// What the joint allows.
    pub kind: JointKindFile,
    /// First entity; absent means the fixed world.
    #[serde(default)]
    pub a: Option<String>,
    /// Second entity.
    pub b: String,
    /// The joint's anchor in world space at t = 0 (the point on `a`), m.
    pub anchor: [f32; 3],
    /// The point on `b` in world space at t = 0 (default: `anchor`).
    #[serde(default)]
    pub anchor_b: Option<[f32; 3]>,
    /// Whether `a` and `b` still collide with each other (default false).
    #[serde(default)]
    pub collide: bool,
}

/// Joint kinds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "JointKind")]
pub enum JointKindFile {
    /// No relative motion.
    Fixed,
    /// Rotation about one axis (a hinge).
    Hinge {
        /// Hinge axis in world space at t = 0.
        axis: [f32; 3],
        /// Angle limits `(min, max)`, degrees.
        #[serde(default)]
        limits_deg: Option<(f32, f32)>,
        /// A velocity motor on the hinge angle (rad/s).
        #[serde(default)]
        motor: Option<MotorFile>,
    },
    /// Translation along one axis (a slider).
    Prismatic {
        /// Slide axis in world space at t = 0.
        axis: [f32; 3],
        /// Travel limits `(min, max)`, m.
        #[serde(default)]
        limits: Option<(f32, f32)>,
        /// A velocity motor on the travel (m/s).
        #[serde(default)]
        motor: Option<MotorFile>,
    },
    /// Free rotation about the anchor (ball-and-socket).
    Ball,
    /// The anchors stay at most `length` apart (default: their distance at t = 0).
    Rope {
        /// Maximum distance, m.
        #[serde(default)]
        length: Option<f32>,
    },
    /// The anchors stay exactly `length` apart (default: their distance at t = 0).
    Distance {
        /// Distance, m.
        #[serde(default)]
        length: Option<f32>,
    },
}

/// A velocity motor.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Motor")]
pub struct MotorFile {
    /// Target velocity (rad/s for hinges, m/s for sliders).
    pub velocity: f32,
    /// Largest force (N) or torque (N·m) the motor may apply (default: unbounded).
    #[serde(default)]
    pub max_force: Option<f32>,
}

/// An action on a body at a time (or over an interval).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "TimedEvent")]
pub struct TimedEventFile {
    /// Start time, s.
    pub at: f32,
    /// End time for `Force` and `Torque`, s.
    #[serde(default)]
    pub until: Option<f32>,
    /// Entity name (its body receives the action).
    pub target: String,
    /// What happens.
    pub action: ActionFile,
}

/// What a timed event does.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Action")]
pub enum ActionFile {
    /// Linear impulse at the center of mass, N·s.
    Impulse([f32; 3]),
    /// Angular impulse, N·m·s.
    AngularImpulse([f32; 3]),
    /// Constant force at the center of mass from `at` until `until`, N.
    Force([f32; 3]),
    /// Constant torque from `at` until `until`, N·m.
    Torque([f32; 3]),
    /// Replace the velocity.
    SetVelocity {
        /// Linear velocity, m/s.
        #[serde(default)]
        linear: [f32; 3],
        /// Angular velocity, rad/s.
        #[serde(default)]
        angular: [f32; 3],
    },
    /// Wake the body up.
    Wake,
    /// Put the body to sleep.
    Sleep,
}

/// The camera. Consumed by the renderer; validated here.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Camera")]
pub struct CameraFile {
    /// Vertical field of view, degrees (default 40 unless `focal_mm` is given).
    #[serde(default)]
    pub fov_deg: Option<f32>,
    /// Focal length, mm (with `sensor_mm`), instead of `fov_deg`.
    #[serde(default)]
    pub focal_mm: Option<f32>,
    /// Sensor width and height, mm (default 36 × 24).
    #[serde(default = "default_sensor")]
    pub sensor_mm: (f32, f32),
    /// Camera position, m (default `(0, 2, 6)`).
    #[serde(default = "default_camera_at")]
    pub at: [f32; 3],
    /// What the camera looks at: an entity name or a point (default the origin).
    #[serde(default)]
    pub look_at: Target,
    /// Keyframed moves; overrides `at` / `look_at` over time.
    #[serde(default)]
    pub keys: Vec<CameraKeyFile>,
    /// Near clip distance, m.
    #[serde(default = "default_near")]
    pub near: f32,
    /// Far clip distance, m.
    #[serde(default = "default_far")]
    pub far: f32,
    /// Aperture as an f-number (e.g. `2.8`) for depth of field; none means a pinhole
    /// (everything sharp).
    #[serde(default)]
    pub aperture: Option<f32>,
    /// Distance in focus, m (default: the distance to the look-at target).
    #[serde(default)]
    pub focus_distance: Option<f32>,
    /// Shots: camera moves over time ranges, with cuts between them. Empty means the
    /// `keys` (or `at` / `look_at`) alone, unless the style brings a camera pattern.
    #[serde(default)]
    pub shots: Vec<ShotFile>,
    /// Operator shake over the whole clip, on top of the keys or shots: a handheld
    /// camera carried along the path the scene states. A handheld style sets it when
    /// the scene keys its own camera.
    #[serde(default)]
    pub shake: Option<ShakeFile>,
}

/// Seeded, band-limited camera shake (see [`Move::Handheld`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Shake")]
pub struct ShakeFile {
    /// RMS rotation, degrees (position shakes by the same angle at 1 m).
    pub amplitude_deg: f32,
    /// Center frequency, Hz.
    pub frequency_hz: f32,
}

/// One shot: a start placement and moves that play together over the shot's time range
/// (from `start` to the next shot's start, or the end of the clip). A new shot is a cut.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Shot")]
pub struct ShotFile {
    /// When the shot starts, s (the first shot starts at 0).
    #[serde(default)]
    pub start: f32,
    /// Camera position at the start of the shot (default: the camera's `at`).
    #[serde(default)]
    pub at: Option<[f32; 3]>,
    /// What the camera aims at (default: the camera's `look_at`).
    #[serde(default)]
    pub look_at: Option<Target>,
    /// The subject that `Orbit`, `Follow`, `PushIn` and `framing` refer to (default: the
    /// look-at target).
    #[serde(default)]
    pub subject: Option<Target>,
    /// Auto-framing: aim (and if needed move) the camera so the subject sits on a
    /// composition point for the whole shot.
    #[serde(default)]
    pub framing: Option<Framing>,
    /// Moves, played together over the shot.
    #[serde(default)]
    pub moves: Vec<Move>,
    /// Easing of every move over the shot (default `Smooth`).
    #[serde(default = "default_shot_ease")]
    pub ease: Ease,
    /// When set, the moves' distances (`Dolly`, `Truck`, `Pedestal`, `Crane`) are
    /// written for a subject this far from the camera, m, and scale with the shot's own
    /// distance to its subject at the start: the same pattern fits a close-up and a
    /// wide shot. Unset: meters as written.
    #[serde(default)]
    pub subject_distance_m: Option<f32>,
}

fn default_shot_ease() -> Ease {
    Ease::Smooth
}

/// A camera move over a shot. Distances in meters, angles in degrees, relative to the
/// camera at the start of the shot.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Move {
    /// Locked off.
    Static,
    /// Move along the view direction (positive = in, toward what it looks at), m.
    Dolly(f32),
    /// Move sideways (positive = right), m.
    Truck(f32),
    /// Move straight up (positive) or down, keeping the camera's orientation, m.
    Pedestal(f32),
    /// Rise (positive) or descend while keeping the subject aimed at, m.
    Crane(f32),
    /// Turn left/right in place (positive = right), degrees.
    Pan(f32),
    /// Turn up/down in place (positive = up), degrees.
    Tilt(f32),
    /// Circle the subject around the vertical axis (positive = counter-clockwise seen
    /// from above), degrees.
    Orbit(f32),
    /// Keep the starting offset to the subject, lagging behind its motion by this time
    /// constant, s (0 = rigidly attached).
    Follow(f32),
    /// Close this fraction of the distance to the subject (0.3 = 30 % closer), aiming
    /// at it.
    PushIn(f32),
    /// Seeded, band-limited shake: rotation amplitude in degrees (RMS) and the shake's
    /// center frequency in Hz.
    Handheld {
        /// RMS rotation, degrees (position shakes by the same angle at 1 m).
        amplitude_deg: f32,
        /// Center frequency, Hz.
        frequency_hz: f32,
    },
}

/// Where auto-framing puts the subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Framing {
    /// Dead center (symmetric framing).
    Center,
    /// On a rule-of-thirds point, the side chosen to leave room ahead of the subject's
    /// motion.
    Thirds,
    /// The left-third vertical line, upper-third horizontal line.
    ThirdsLeft,
    /// The right-third vertical line, upper-third horizontal line.
    ThirdsRight,
}

impl Default for CameraFile {
    fn default() -> Self {
        Self {
            fov_deg: None,
            focal_mm: None,
            sensor_mm: default_sensor(),
            at: default_camera_at(),
            look_at: Target::default(),
            keys: Vec::new(),
            near: default_near(),
            far: default_far(),
            aperture: None,
            focus_distance: None,
            shots: Vec::new(),
            shake: None,
        }
    }
}

fn default_sensor() -> (f32, f32) {
    (36.0, 24.0)
}
fn default_camera_at() -> [f32; 3] {
    [0.0, 2.0, 6.0]
}
fn default_near() -> f32 {
    0.05
}
fn default_far() -> f32 {
    500.0
}

/// A camera keyframe.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "CameraKey")]
pub struct CameraKeyFile {
    /// Time, s.
    pub t: f32,
    /// Camera position, m.
    pub at: [f32; 3],
    /// Look-at target (default: the camera's `look_at`).
    #[serde(default)]
    pub look_at: Option<Target>,
}

/// A look-at target: `"entity name"` or `(x, y, z)`.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// Follow an entity's origin.
    Entity(String),
    /// A fixed point in world space, m.
    Point([f32; 3]),
}

impl Default for Target {
    fn default() -> Self {
        Target::Point([0.0; 3])
    }
}

impl Serialize for Target {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Target::Entity(n) => s.serialize_str(n),
            Target::Point(p) => p.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Target;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an entity name in quotes or a point (x, y, z)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Target, E> {
                Ok(Target::Entity(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Target, A::Error> {
                Ok(Target::Point(read_floats::<A, 3>(seq, &self)?))
            }
        }
        d.deserialize_any(V)
    }
}

/// A light. Consumed by the renderer; validated here.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Light")]
pub enum LightFile {
    /// A distant sun.
    Sun {
        /// Direction the light travels (from the sun toward the scene).
        direction: [f32; 3],
        /// Color (default white).
        #[serde(default = "white")]
        color: Color,
        /// Illuminance scale (default 3).
        #[serde(default = "default_sun_intensity")]
        intensity: f32,
        /// Angular diameter, degrees, for soft shadows (default 0.53, the real sun).
        #[serde(default = "default_sun_angle")]
        angle_deg: f32,
    },
    /// A point light.
    Point {
        /// Position, m.
        at: [f32; 3],
        /// Color (default white).
        #[serde(default = "white")]
        color: Color,
        /// Power scale (default 10).
        #[serde(default = "default_point_intensity")]
        intensity: f32,
    },
    /// A spot light.
    Spot {
        /// Position, m.
        at: [f32; 3],
        /// What it points at.
        look_at: Target,
        /// Color (default white).
        #[serde(default = "white")]
        color: Color,
        /// Power scale (default 10).
        #[serde(default = "default_point_intensity")]
        intensity: f32,
        /// Full cone angle, degrees (default 40).
        #[serde(default = "default_cone")]
        cone_deg: f32,
    },
    /// A rectangular area light: one side emits toward `look_at`.
    Rect {
        /// Center, m.
        at: [f32; 3],
        /// What its emitting side faces.
        look_at: Target,
        /// Width and height, m (the width stays horizontal).
        size: (f32, f32),
        /// Color (default white).
        #[serde(default = "white")]
        color: Color,
        /// Emitted radiance scale (default 10): a small rect of area `A` lights a surface
        /// facing it `d` meters away with `intensity · A / d²`.
        #[serde(default = "default_point_intensity")]
        intensity: f32,
    },
    /// Uniform ambient / sky light.
    Ambient {
        /// Color (default white).
        #[serde(default = "white")]
        color: Color,
        /// Intensity (default 0.3).
        #[serde(default = "default_ambient")]
        intensity: f32,
    },
    /// A named light rig preset, placed relative to the camera and subject.
    Rig(String),
}

fn white() -> Color {
    Color::Linear([1.0, 1.0, 1.0])
}
fn default_sun_intensity() -> f32 {
    3.0
}
fn default_sun_angle() -> f32 {
    0.53
}
fn default_point_intensity() -> f32 {
    10.0
}
fn default_cone() -> f32 {
    40.0
}
fn default_ambient() -> f32 {
    0.3
}
