//! The validated scene: every name resolved to an index, every default applied, every
//! repeat and prefab expanded, every number checked. Plain data, built only by
//! [`super::validate`].

use std::path::PathBuf;
use std::sync::Arc;

use glam::{Quat, Vec3};
use rapier3d::parry::shape::SharedShape;
use serde::Serialize;

use super::ShapeError;
pub use super::character::{Act, Character, Outfit};
pub use super::cloth::{Cloth, FABRICS, Fabric, MAX_CLOTH_VERTICES, Wind};
pub use super::file::{Ease, Framing, Move, Pattern};
pub use super::fluid::{Emitter, Fill, Fluid, LIQUIDS, Liquid, MAX_FLUID_PARTICLES};
pub use super::sound::{Acoustic, EntitySound, ModeSpec, Room, SoundSettings};
use crate::math::Pose;
pub use crate::texture::MaterialMaps;
pub use crate::world::{Environment, Fog};

/// A scene ready to simulate.
#[derive(Debug, Clone)]
pub struct Scene {
    /// The scene's name.
    pub name: String,
    /// Seed of every random choice.
    pub seed: u64,
    /// Clip length, s.
    pub duration: f32,
    /// Frames per second.
    pub fps: u32,
    /// Physics steps per second.
    pub physics_hz: u32,
    /// Frames in the clip: `round(duration * fps)`, frame `k` at `t = k / fps`.
    pub frame_count: u32,
    /// Gravity, m/s².
    pub gravity: Vec3,
    /// Output size in pixels.
    pub resolution: (u32, u32),
    /// Materials; index 0 is the default material if no entity names one.
    pub materials: Vec<Material>,
    /// Every entity, depth-first in file order; a parent comes before its children.
    pub entities: Vec<Entity>,
    /// Rigid bodies, in the order of their entities.
    pub bodies: Vec<Body>,
    /// Joints, in file order.
    pub joints: Vec<Joint>,
    /// Timed actions, sorted by start step (stable: file order breaks ties).
    pub actions: Vec<Action>,
    /// The camera.
    pub camera: Camera,
    /// The lights, as written.
    pub lights: Vec<Light>,
    /// What surrounds the scene, lights it and is seen behind it (default: the ambient
    /// lights' sky/ground hemisphere).
    pub environment: Environment,
    /// Height fog, if any.
    pub fog: Option<Fog>,
    /// The style's name, if the scene names one (the style stage resolves it and
    /// applies its camera, lights and lens to the file before validation; its grade
    /// becomes the [`crate::style::Look`]).
    pub style: Option<String>,
    /// The clip's sound settings.
    pub sound: SoundSettings,
    /// Sheets of cloth, each standing on an entity of its own (no shape, no body).
    pub cloths: Vec<Cloth>,
    /// The wind on the cloths.
    pub wind: Option<Wind>,
    /// Liquids, each standing on an entity of its own (no shape, no body).
    pub fluids: Vec<Fluid>,
    /// People, each standing on an entity of its own (no shape, no body).
    pub characters: Vec<Character>,
    /// Where the scene came from.
    pub source: SceneSource,
}

impl Scene {
    /// Physics steps per frame (`physics_hz / fps`).
    pub fn substeps(&self) -> u32 {
        self.physics_hz / self.fps.max(1)
    }

    /// The physics time step, s.
    pub fn dt(&self) -> f32 {
        1.0 / self.physics_hz as f32
    }

    /// Total physics steps to produce every frame.
    pub fn total_steps(&self) -> u64 {
        u64::from(self.frame_count.saturating_sub(1)) * u64::from(self.substeps())
    }

    /// The entity index for a name.
    pub fn entity_index(&self, name: &str) -> Option<usize> {
        self.entities.iter().position(|e| e.name == name)
    }
}

/// The scene's origin and identity.
#[derive(Debug, Clone)]
pub struct SceneSource {
    /// The file it was read from, if any.
    pub path: Option<PathBuf>,
    /// The RON text exactly as read.
    pub text: String,
    /// BLAKE3 of the text and of every mesh file it loads, hex.
    pub hash: String,
}

/// A resolved material (linear-light color).
#[derive(Debug, Clone, Serialize)]
pub struct Material {
    /// Its name.
    pub name: String,
    /// Linear RGB base color.
    pub color: [f32; 3],
    /// Perceptual roughness.
    pub roughness: f32,
    /// Metalness.
    pub metallic: f32,
    /// kg/m³.
    pub density: f32,
    /// Friction coefficient.
    pub friction: f32,
    /// Restitution coefficient.
    pub restitution: f32,
    /// Procedural detail (reference renderer).
    pub pattern: Option<Pattern>,
    /// Pattern feature size multiplier.
    pub pattern_scale: f32,
    /// Fraction refracted, `[0, 1]`.
    pub transmission: f32,
    /// Index of refraction.
    pub ior: f32,
    /// Emitted radiance, linear RGB (color × intensity; zero for none).
    pub emission: [f32; 3],
    /// Image maps (none by default).
    #[serde(skip)]
    pub maps: MaterialMaps,
    /// How it sounds.
    pub acoustic: Acoustic,
}

/// One node of the scene graph.
#[derive(Debug, Clone)]
pub struct Entity {
    /// Unique name.
    pub name: String,
    /// Stable instance id, 1-based in entity order (0 is the background).
    pub id: u32,
    /// Parent entity index.
    pub parent: Option<usize>,
    /// Pose relative to the parent (or the world).
    pub local: Pose,
    /// World pose at t = 0.
    pub world: Pose,
    /// Its shape, if it has one.
    pub shape: Option<Shape>,
    /// Material index.
    pub material: usize,
    /// Explicit mass, kg, overriding density.
    pub mass: Option<f32>,
    /// The body this entity moves with (its own or an ancestor's); `None` for a transform
    /// node outside any body, which stays where it is.
    pub body: Option<usize>,
    /// Pose relative to its body's pose (identity for the body's own entity).
    pub offset: Pose,
    /// Its sound settings.
    pub sound: EntitySound,
}

/// A shape in the entity's local frame.
#[derive(Debug, Clone)]
pub enum Shape {
    /// Ball.
    Sphere {
        /// m.
        radius: f32,
    },
    /// Box.
    Box {
        /// Half edge lengths, m.
        half_extents: Vec3,
    },
    /// Capsule along Y.
    Capsule {
        /// m.
        radius: f32,
        /// Half the distance between the cap centers, m.
        half_height: f32,
    },
    /// Cylinder along Y.
    Cylinder {
        /// m.
        radius: f32,
        /// m.
        half_height: f32,
    },
    /// Cone along Y, apex up.
    Cone {
        /// m.
        radius: f32,
        /// m.
        half_height: f32,
    },
    /// Infinite plane facing local +Y (renderers draw it as a square of half side
    /// [`GROUND_HALF_SIZE`]).
    Ground,
    /// Convex hull of a mesh.
    ConvexHull(Arc<Mesh>),
    /// Triangle mesh.
    TriMesh(Arc<Mesh>),
}

/// Half the side of the square that renderers draw for an infinite [`Shape::Ground`], m
/// (the raster's mesh and the reference tracer's hit test agree on it).
pub const GROUND_HALF_SIZE: f32 = 500.0;

impl Shape {
    /// A short name for metadata.
    pub fn kind(&self) -> &'static str {
        match self {
            Shape::Sphere { .. } => "sphere",
            Shape::Box { .. } => "box",
            Shape::Capsule { .. } => "capsule",
            Shape::Cylinder { .. } => "cylinder",
            Shape::Cone { .. } => "cone",
            Shape::Ground => "ground",
            Shape::ConvexHull(_) => "convex_hull",
            Shape::TriMesh(_) => "trimesh",
        }
    }

    /// Radius of a sphere around the origin holding the whole shape (infinite for Ground).
    pub fn bounding_radius(&self) -> f32 {
        match self {
            Shape::Sphere { radius } => *radius,
            Shape::Box { half_extents } => half_extents.length(),
            Shape::Capsule {
                radius,
                half_height,
            } => radius + half_height,
            Shape::Cylinder {
                radius,
                half_height,
            }
            | Shape::Cone {
                radius,
                half_height,
            } => (radius * radius + half_height * half_height).sqrt(),
            Shape::Ground => f32::INFINITY,
            Shape::ConvexHull(m) | Shape::TriMesh(m) => {
                m.vertices.iter().map(|v| v.length()).fold(0.0, f32::max)
            }
        }
    }

    /// The axis-aligned box holding the shape in its own frame, `(min, max)`; `None` for
    /// Ground (and a mesh without vertices).
    pub fn local_bounds(&self) -> Option<(Vec3, Vec3)> {
        let b = match self {
            Shape::Ground => return None,
            Shape::Box { half_extents } => *half_extents,
            Shape::Sphere { radius } => Vec3::splat(*radius),
            Shape::Capsule {
                radius,
                half_height,
            } => Vec3::new(*radius, half_height + radius, *radius),
            Shape::Cylinder {
                radius,
                half_height,
            }
            | Shape::Cone {
                radius,
                half_height,
            } => Vec3::new(*radius, *half_height, *radius),
            Shape::ConvexHull(m) | Shape::TriMesh(m) => {
                let lo = m
                    .vertices
                    .iter()
                    .fold(Vec3::splat(f32::MAX), |a, v| a.min(*v));
                let hi = m
                    .vertices
                    .iter()
                    .fold(Vec3::splat(f32::MIN), |a, v| a.max(*v));
                return lo.cmple(hi).all().then_some((lo, hi));
            }
        };
        Some((-b, b))
    }

    /// Height along local Y (used by `Stack`); infinite for Ground.
    pub fn height(&self) -> f32 {
        match self {
            Shape::Sphere { radius } => 2.0 * radius,
            Shape::Box { half_extents } => 2.0 * half_extents.y,
            Shape::Capsule {
                radius,
                half_height,
            } => 2.0 * (radius + half_height),
            Shape::Cylinder { half_height, .. } | Shape::Cone { half_height, .. } => {
                2.0 * half_height
            }
            Shape::Ground => f32::INFINITY,
            Shape::ConvexHull(m) | Shape::TriMesh(m) => {
                let (lo, hi) = m.vertices.iter().fold((f32::MAX, f32::MIN), |(lo, hi), v| {
                    (lo.min(v.y), hi.max(v.y))
                });
                (hi - lo).max(0.0)
            }
        }
    }

    /// Texture coordinates at surface point `p` with outward normal `n`, both in the
    /// shape's frame, by the mappings of [`crate::texture::uv`]. Meshes carry their own
    /// UVs per vertex: this maps them as their bounding box would (the fallback for a
    /// mesh without UVs).
    pub fn uv(&self, p: Vec3, n: Vec3) -> glam::Vec2 {
        use crate::texture::uv;
        match self {
            Shape::Sphere { .. } => uv::sphere(p),
            Shape::Box { half_extents } => uv::boxed(*half_extents, p, n),
            Shape::Capsule {
                radius,
                half_height,
            } => uv::capsule(*radius, *half_height, p),
            Shape::Cylinder {
                radius,
                half_height,
            }
            | Shape::Cone {
                radius,
                half_height,
            } => uv::cylinder(*radius, *half_height, p, n),
            Shape::Ground => uv::ground(p),
            Shape::ConvexHull(m) | Shape::TriMesh(m) => {
                let (lo, hi) = m.vertices.iter().fold(
                    (Vec3::splat(f32::MAX), Vec3::splat(f32::MIN)),
                    |(lo, hi), v| (lo.min(*v), hi.max(*v)),
                );
                let center = (lo + hi) * 0.5;
                uv::boxed((hi - lo) * 0.5, p - center, n)
            }
        }
    }

    /// The exact collision shape in the shape's local frame, as the physics and every
    /// ray query (auto-framing, the reference tracer) use it. `Ground` is the half-space
    /// below the local XZ plane (unbounded; renderers bound it by [`GROUND_HALF_SIZE`]).
    ///
    /// # Errors
    /// [`ShapeError`] for a mesh with a degenerate convex hull or an invalid triangle
    /// mesh.
    pub fn to_parry(&self) -> Result<SharedShape, ShapeError> {
        Ok(match self {
            Shape::Sphere { radius } => SharedShape::ball(*radius),
            Shape::Box { half_extents } => {
                SharedShape::cuboid(half_extents.x, half_extents.y, half_extents.z)
            }
            Shape::Capsule {
                radius,
                half_height,
            } => SharedShape::capsule_y(*half_height, *radius),
            Shape::Cylinder {
                radius,
                half_height,
            } => SharedShape::cylinder(*half_height, *radius),
            Shape::Cone {
                radius,
                half_height,
            } => SharedShape::cone(*half_height, *radius),
            Shape::Ground => SharedShape::halfspace(Vec3::Y),
            Shape::ConvexHull(mesh) => {
                SharedShape::convex_hull(&mesh.vertices).ok_or_else(|| {
                    ShapeError::DegenerateHull {
                        path: mesh.path.clone(),
                    }
                })?
            }
            Shape::TriMesh(mesh) => {
                SharedShape::trimesh(mesh.vertices.clone(), mesh.indices.clone()).map_err(|e| {
                    ShapeError::InvalidTriMesh {
                        path: mesh.path.clone(),
                        reason: format!("{e:?}"),
                    }
                })?
            }
        })
    }
}

/// Mesh data loaded from OBJ or glTF, already scaled.
#[derive(Debug, Clone, PartialEq)]
pub struct Mesh {
    /// The path as written in the scene.
    pub path: String,
    /// Vertex positions, m.
    pub vertices: Vec<Vec3>,
    /// Triangles (counter-clockwise seen from outside).
    pub indices: Vec<[u32; 3]>,
    /// Texture coordinates, one per vertex, from the file; empty when it has none.
    pub uvs: Vec<[f32; 2]>,
}

/// A rigid body and how it moves.
#[derive(Debug, Clone)]
pub struct Body {
    /// The entity owning the body.
    pub entity: usize,
    /// Entities whose shapes form its colliders (the owner and body-less descendants).
    pub parts: Vec<usize>,
    /// How it moves.
    pub kind: BodyKind,
}

/// How a body moves.
#[derive(Debug, Clone)]
pub enum BodyKind {
    /// Never moves.
    Fixed,
    /// Moved by forces and contacts.
    Dynamic {
        /// m/s.
        velocity: Vec3,
        /// rad/s.
        angular_velocity: Vec3,
        /// Continuous collision detection.
        ccd: bool,
        /// 1/s.
        linear_damping: f32,
        /// 1/s.
        angular_damping: f32,
        /// May fall asleep.
        can_sleep: bool,
        /// Starts asleep.
        sleeping: bool,
    },
    /// Follows a path.
    Kinematic(KinematicPath),
}

impl BodyKind {
    /// `"fixed"`, `"dynamic"` or `"kinematic"`.
    pub fn name(&self) -> &'static str {
        match self {
            BodyKind::Fixed => "fixed",
            BodyKind::Dynamic { .. } => "dynamic",
            BodyKind::Kinematic(_) => "kinematic",
        }
    }
}

/// A kinematic body's world pose over time.
#[derive(Debug, Clone)]
pub enum KinematicPath {
    /// Keyframed world poses (already composed with the parent's pose at t = 0).
    Keys {
        /// `(time s, world pose)`, strictly increasing times.
        keys: Vec<(f32, Pose)>,
        /// Easing between keys.
        ease: Ease,
    },
    /// Constant velocity from the initial pose.
    Velocity {
        /// Pose at t = 0.
        start: Pose,
        /// m/s.
        linear: Vec3,
        /// rad/s.
        angular: Vec3,
    },
}

impl KinematicPath {
    /// The world pose at time `t`.
    pub fn pose_at(&self, t: f32) -> Pose {
        match self {
            KinematicPath::Keys { keys, ease } => {
                let Some(first) = keys.first() else {
                    return Pose::IDENTITY;
                };
                if t <= first.0 {
                    return first.1;
                }
                for w in keys.windows(2) {
                    let (t0, p0) = w[0];
                    let (t1, p1) = w[1];
                    if t <= t1 {
                        let mut s = (t - t0) / (t1 - t0);
                        if *ease == Ease::Smooth {
                            s = s * s * (3.0 - 2.0 * s);
                        }
                        return p0.interpolate(&p1, s);
                    }
                }
                keys.last().map_or(Pose::IDENTITY, |k| k.1)
            }
            KinematicPath::Velocity {
                start,
                linear,
                angular,
            } => {
                let rot = Quat::from_scaled_axis(*angular * t);
                Pose::new(
                    start.translation + *linear * t,
                    (rot * start.rotation).normalize(),
                )
            }
        }
    }
}

/// A resolved joint.
#[derive(Debug, Clone)]
pub struct Joint {
    /// Its name.
    pub name: String,
    /// First body, or `None` for the world.
    pub a: Option<usize>,
    /// Second body.
    pub b: usize,
    /// Anchor on `a` in world space at t = 0.
    pub anchor_a: Vec3,
    /// Anchor on `b` in world space at t = 0.
    pub anchor_b: Vec3,
    /// Whether `a` and `b` collide.
    pub collide: bool,
    /// Kind and parameters.
    pub kind: JointKind,
}

/// A resolved joint kind (axes in world space at t = 0, unit length).
#[derive(Debug, Clone)]
pub enum JointKind {
    /// Welded.
    Fixed,
    /// Hinge.
    Hinge {
        /// Unit axis.
        axis: Vec3,
        /// Radians.
        limits: Option<(f32, f32)>,
        /// Motor.
        motor: Option<Motor>,
    },
    /// Slider.
    Prismatic {
        /// Unit axis.
        axis: Vec3,
        /// Meters.
        limits: Option<(f32, f32)>,
        /// Motor.
        motor: Option<Motor>,
    },
    /// Ball-and-socket.
    Ball,
    /// Distance in `[0, max]`.
    Rope {
        /// m.
        max: f32,
    },
    /// Distance exactly `length`.
    Distance {
        /// m.
        length: f32,
    },
}

/// A velocity motor.
#[derive(Debug, Clone, Copy)]
pub struct Motor {
    /// rad/s or m/s.
    pub velocity: f32,
    /// N or N·m.
    pub max_force: f32,
}

/// A resolved timed action.
#[derive(Debug, Clone)]
pub struct Action {
    /// First physics step it applies to (`round(at * physics_hz)`).
    pub start_step: u64,
    /// Last step + 1 (for forces and torques; `start_step + 1` otherwise).
    pub end_step: u64,
    /// Target body.
    pub body: usize,
    /// The target's entity name (for messages).
    pub target: String,
    /// What happens.
    pub kind: ActionKind,
}

/// What an action does.
#[derive(Debug, Clone, Copy)]
pub enum ActionKind {
    /// N·s.
    Impulse(Vec3),
    /// N·m·s.
    AngularImpulse(Vec3),
    /// N.
    Force(Vec3),
    /// N·m.
    Torque(Vec3),
    /// Replace the velocity.
    SetVelocity {
        /// m/s.
        linear: Vec3,
        /// rad/s.
        angular: Vec3,
    },
    /// Wake up.
    Wake,
    /// Sleep.
    Sleep,
}

/// The resolved camera (consumed by the renderer).
#[derive(Debug, Clone)]
pub struct Camera {
    /// Vertical field of view, radians.
    pub fov_y: f32,
    /// Sensor size, mm (for reporting focal length).
    pub sensor_mm: (f32, f32),
    /// Keys `(t, position, look-at)`; at least one.
    pub keys: Vec<CameraKey>,
    /// Near clip, m.
    pub near: f32,
    /// Far clip, m.
    pub far: f32,
    /// Aperture f-number; `None` is a pinhole.
    pub aperture: Option<f32>,
    /// Distance in focus, m; `None` means the look-at target's distance.
    pub focus_distance: Option<f32>,
    /// Shots in time order (empty: the keys alone). When present, `keys` holds only the
    /// base placement.
    pub shots: Vec<Shot>,
    /// Operator shake on top of the keys or shots: `(amplitude_deg, frequency_hz)`.
    pub shake: Option<(f32, f32)>,
}

/// A resolved shot (see [`crate::scene::file::ShotFile`]).
#[derive(Debug, Clone)]
pub struct Shot {
    /// Start time, s.
    pub start: f32,
    /// Camera position at the start, m.
    pub at: Vec3,
    /// Aim.
    pub look_at: LookAt,
    /// What orbit / follow / push-in / framing refer to.
    pub subject: LookAt,
    /// Auto-framing.
    pub framing: Option<Framing>,
    /// Moves played together.
    pub moves: Vec<Move>,
    /// Easing of the moves.
    pub ease: Ease,
    /// The subject distance the moves' distances are written for, m (`None`: meters as
    /// written).
    pub subject_distance: Option<f32>,
}

/// A camera keyframe.
#[derive(Debug, Clone)]
pub struct CameraKey {
    /// s.
    pub t: f32,
    /// m.
    pub at: Vec3,
    /// Entity or point.
    pub look_at: LookAt,
}

/// A resolved look-at target.
#[derive(Debug, Clone, Copy)]
pub enum LookAt {
    /// An entity index.
    Entity(usize),
    /// A world point.
    Point(Vec3),
}

/// A resolved light (consumed by the renderer).
#[derive(Debug, Clone)]
pub enum Light {
    /// Distant light.
    Sun {
        /// Unit direction of travel.
        direction: Vec3,
        /// Linear RGB.
        color: [f32; 3],
        /// Scale.
        intensity: f32,
        /// Angular diameter, radians.
        angle: f32,
    },
    /// Point light.
    Point {
        /// m.
        at: Vec3,
        /// Linear RGB.
        color: [f32; 3],
        /// Scale.
        intensity: f32,
    },
    /// Spot light.
    Spot {
        /// m.
        at: Vec3,
        /// Target.
        look_at: LookAt,
        /// Linear RGB.
        color: [f32; 3],
        /// Scale.
        intensity: f32,
        /// Full cone angle, radians.
        cone: f32,
    },
    /// Rectangular area light.
    Rect {
        /// Center, m.
        at: Vec3,
        /// What the emitting side faces.
        look_at: LookAt,
        /// Width and height, m.
        size: (f32, f32),
        /// Linear RGB.
        color: [f32; 3],
        /// Radiance scale.
        intensity: f32,
    },
    /// Ambient.
    Ambient {
        /// Linear RGB.
        color: [f32; 3],
        /// Scale.
        intensity: f32,
    },
    /// A named rig preset.
    Rig(String),
}
