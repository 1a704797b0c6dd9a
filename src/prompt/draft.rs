//! The scene being generated, as plain data close to the RON it becomes: every entity,
//! material, joint and timed event carries a comment saying which words produced it.

use glam::Vec3;

/// A shape, full sizes as in the file format.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ShapeOut {
    /// Radius.
    Sphere(f32),
    /// Full edge lengths.
    Box(Vec3),
    /// Radius, height.
    Cylinder(f32, f32),
    /// Radius, height.
    Cone(f32, f32),
    /// The infinite floor plane.
    Ground,
    /// No shape: a node whose children make its body (a hollow glass: a bottom and a
    /// ring of walls).
    Empty,
}

impl ShapeOut {
    /// Half extents of the unrotated shape's bounding box.
    pub fn half(&self) -> Vec3 {
        match *self {
            ShapeOut::Sphere(r) => Vec3::splat(r),
            ShapeOut::Box(s) => s * 0.5,
            ShapeOut::Cylinder(r, h) | ShapeOut::Cone(r, h) => Vec3::new(r, h * 0.5, r),
            ShapeOut::Ground | ShapeOut::Empty => Vec3::ZERO,
        }
    }

    /// Volume, m³.
    pub fn volume(&self) -> f32 {
        match *self {
            ShapeOut::Sphere(r) => 4.0 / 3.0 * std::f32::consts::PI * r * r * r,
            ShapeOut::Box(s) => s.x * s.y * s.z,
            ShapeOut::Cylinder(r, h) => std::f32::consts::PI * r * r * h,
            ShapeOut::Cone(r, h) => std::f32::consts::PI * r * r * h / 3.0,
            ShapeOut::Ground | ShapeOut::Empty => 0.0,
        }
    }

    /// Scaled uniformly.
    pub fn scaled(&self, s: f32) -> ShapeOut {
        match *self {
            ShapeOut::Sphere(r) => ShapeOut::Sphere(r * s),
            ShapeOut::Box(v) => ShapeOut::Box(v * s),
            ShapeOut::Cylinder(r, h) => ShapeOut::Cylinder(r * s, h * s),
            ShapeOut::Cone(r, h) => ShapeOut::Cone(r * s, h * s),
            ShapeOut::Ground => ShapeOut::Ground,
            ShapeOut::Empty => ShapeOut::Empty,
        }
    }
}

/// How an entity moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BodyOut {
    /// Never moves.
    Fixed,
    /// Dynamic, with initial velocities.
    Dynamic {
        /// m/s.
        velocity: Vec3,
        /// rad/s.
        angular: Vec3,
        /// Continuous collision detection.
        ccd: bool,
    },
    /// No body of its own: part of its parent's.
    Part,
    /// Follows three keys `(t, at)` (a hand that pulls a tablecloth).
    Kinematic([(f32, Vec3); 3]),
    /// Follows five keys `(t, at, turn)`, the turn about +z in degrees (a tank shaken
    /// from side to side, a bucket swung to throw its water out).
    Shaken([(f32, Vec3, f32); 5]),
}

/// Copies of an entity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RepeatOut {
    /// `count` copies `step` apart.
    Line(u32, Vec3),
    /// `count` copies on a circle of `radius`.
    Ring(u32, f32),
    /// `count` copies on a circle of `radius`, each turned to face out (a glass's walls).
    RingOut(u32, f32),
    /// `count` copies stacked.
    Stack(u32),
}

/// An entity.
#[derive(Debug, Clone, PartialEq)]
pub struct EntOut {
    /// Name (copies get `[i]`).
    pub name: String,
    /// What produced it.
    pub comment: String,
    /// Shape.
    pub shape: ShapeOut,
    /// Material name.
    pub material: String,
    /// Body.
    pub body: BodyOut,
    /// Mass override, kg.
    pub mass: Option<f32>,
    /// Position (relative to the parent), m.
    pub at: Vec3,
    /// Rotation, degrees.
    pub rotate_deg: Vec3,
    /// Copies.
    pub repeat: Option<RepeatOut>,
    /// Children (parts of the same body).
    pub children: Vec<EntOut>,
}

/// A joint.
#[derive(Debug, Clone, PartialEq)]
pub struct JointOut {
    /// Name.
    pub name: String,
    /// What produced it.
    pub comment: String,
    /// Hinge axis (Some) or a distance cable (None).
    pub hinge_axis: Option<Vec3>,
    /// Hinge limits, degrees.
    pub limits_deg: Option<(f32, f32)>,
    /// First entity, or the world.
    pub a: Option<String>,
    /// Second entity.
    pub b: String,
    /// World anchor on `a`.
    pub anchor: Vec3,
    /// World anchor on `b` (cables).
    pub anchor_b: Option<Vec3>,
}

/// A timed impulse.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedOut {
    /// s.
    pub at: f32,
    /// Entity.
    pub target: String,
    /// Linear impulse, N·s.
    pub impulse: Vec3,
    /// Angular impulse, N·m·s.
    pub angular: Vec3,
    /// What produced it.
    pub comment: String,
}

/// A material.
#[derive(Debug, Clone, PartialEq)]
pub struct MatOut {
    /// Name.
    pub name: String,
    /// sRGB hex.
    pub color: String,
    /// kg/m³.
    pub density: f32,
    /// Friction.
    pub friction: f32,
    /// Restitution.
    pub restitution: f32,
    /// Roughness.
    pub roughness: f32,
    /// Metalness.
    pub metallic: f32,
    /// The acoustic preset a sound word gave it (`None`: guessed from its name).
    pub acoustic: Option<&'static str>,
    /// What produced it.
    pub comment: String,
}

/// The scene's `sound` block, when a word asked for one.
#[derive(Debug, Clone, PartialEq)]
pub struct SoundOut {
    /// Master gain, dB.
    pub gain_db: f32,
    /// What produced it.
    pub comment: String,
}

/// A sheet of cloth (`cloths:`; see `docs/cloth.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct ClothOut {
    /// Name.
    pub name: String,
    /// What produced it.
    pub comment: String,
    /// The fabric preset (`"cotton"`, `"silk"`, `"denim"`, `"rubber-sheet"`).
    pub material: &'static str,
    /// Width and height, m.
    pub size: (f32, f32),
    /// Quads across and down.
    pub resolution: (u32, u32),
    /// Center at t = 0, m.
    pub at: Vec3,
    /// Rotation, degrees (`(-90, 0, 0)` lays it flat, face up).
    pub rotate_deg: Vec3,
    /// Pinned edges, as written (`"Left"`, `"Top"`).
    pub pin: Vec<&'static str>,
    /// The entity carrying the pins.
    pub attach: Option<String>,
    /// sRGB hex instead of the fabric's color.
    pub color: Option<String>,
}

/// Where a liquid's particles start (`fill:` of `fluids:`, see `docs/fluids.md`).
#[derive(Debug, Clone, PartialEq)]
pub enum FillOut {
    /// A box of liquid: center and full size, m.
    Box(Vec3, Vec3),
    /// The cavity of this container entity, to this fraction of its height.
    Inside(String, f32),
    /// A nozzle.
    Emitter {
        /// Center of its opening, m.
        at: Vec3,
        /// Outflow direction.
        direction: Vec3,
        /// Radius, m.
        radius: f32,
        /// Flow, l/s.
        rate: f32,
        /// Start and end, s.
        from: f32,
        /// s.
        until: f32,
    },
}

/// A liquid (`fluids:`).
#[derive(Debug, Clone, PartialEq)]
pub struct FluidOut {
    /// Name.
    pub name: String,
    /// What produced it.
    pub comment: String,
    /// The preset: `"water"`, `"oil"`, `"honey"`, `"milk"`, `"juice"`.
    pub material: &'static str,
    /// Where it starts.
    pub fill: FillOut,
    /// Particle radius, m (one for every liquid of the scene).
    pub particle_radius: f32,
    /// Initial velocity of its particles, m/s (a launched container's).
    pub velocity: Vec3,
    /// sRGB hex instead of the preset's color.
    pub color: Option<String>,
}

/// A character's timed action (`actions:`).
#[derive(Debug, Clone, PartialEq)]
pub enum ActOut {
    /// Shove this entity with the right hand.
    Push(String),
    /// Kick this entity with the right foot.
    Kick(String),
    /// Pick this entity up in the right hand.
    PickUp(String),
    /// Throw this entity (held since a pick-up).
    Throw(String),
    /// Turn and sit down on this entity.
    Sit(String),
    /// Jump in place.
    Jump,
    /// Wave the right hand for two seconds.
    Wave,
    /// Go limp and fall.
    Fall,
}

/// A person (`characters:`; see `docs/characters.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct CharOut {
    /// Name (unique among entities).
    pub name: String,
    /// What produced it.
    pub comment: String,
    /// Standing height, m.
    pub height: f32,
    /// Girth factor, 0.8 to 1.2.
    pub build: f32,
    /// Colors said of its clothes: (body field, sRGB hex), in the body's field order.
    pub colors: Vec<(&'static str, String)>,
    /// The ground point between its feet at the start, m.
    pub at: Vec3,
    /// Heading while it stands without a path, degrees about +Y (0 faces +Z).
    pub facing_deg: f32,
    /// Points walked through after `at`, m (empty: it stands).
    pub path: Vec<Vec3>,
    /// Runs rather than walks.
    pub run: bool,
    /// When it sets off, s.
    pub start: f32,
    /// Timed actions, s.
    pub actions: Vec<(f32, ActOut)>,
}

/// The wind (`wind:`).
#[derive(Debug, Clone, PartialEq)]
pub struct WindOut {
    /// Mean velocity, m/s.
    pub velocity: Vec3,
    /// Gusts, a fraction of the mean.
    pub gust: f32,
    /// Typical time between gusts, s.
    pub gust_period: f32,
    /// What produced it.
    pub comment: String,
}

/// A look-at target.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetOut {
    /// An entity's origin.
    Entity(String),
    /// A point.
    Point(Vec3),
}

/// The camera, with the existing fields only.
#[derive(Debug, Clone, PartialEq)]
pub struct CamOut {
    /// Vertical field of view, degrees.
    pub fov_deg: f32,
    /// Keys `(t, at, look_at)`; one key means a still camera.
    pub keys: Vec<(f32, Vec3, TargetOut)>,
    /// What produced it.
    pub comment: String,
}

/// The whole generated scene.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// Scene name.
    pub name: String,
    /// Seed.
    pub seed: u64,
    /// s.
    pub duration: f32,
    /// Frames per second.
    pub fps: u32,
    /// Physics steps per second.
    pub physics_hz: u32,
    /// Gravity magnitude, m/s² (down).
    pub gravity: f32,
    /// Pixels.
    pub resolution: (u32, u32),
    /// Comments on the settings above, by field name.
    pub setting_notes: Vec<(String, String)>,
    /// Materials, sorted by name.
    pub materials: Vec<MatOut>,
    /// Entities.
    pub entities: Vec<EntOut>,
    /// Joints.
    pub joints: Vec<JointOut>,
    /// Timed impulses.
    pub events: Vec<TimedOut>,
    /// Sheets of cloth.
    pub cloths: Vec<ClothOut>,
    /// The wind, if a word asked for one.
    pub wind: Option<WindOut>,
    /// Liquids.
    pub fluids: Vec<FluidOut>,
    /// People.
    pub characters: Vec<CharOut>,
    /// Camera.
    pub camera: CamOut,
    /// Light rig name.
    pub rig: String,
    /// Why that rig.
    pub rig_note: String,
    /// The sound block, if any sound word asked for one.
    pub sound: Option<SoundOut>,
    /// Style name.
    pub style: Option<String>,
    /// Why that style.
    pub style_note: String,
    /// Lines for the header comment.
    pub header: Vec<String>,
}
