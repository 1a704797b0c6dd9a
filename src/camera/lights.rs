//! The scene's lights resolved for one frame: the first directional light casts shadows;
//! up to [`MAX_EXTRA_LIGHTS`] more point, spot or directional lights add unshadowed;
//! ambient light is a sky/ground hemisphere (the [`crate::world`] bakes it, or adds it to
//! the scene's other environment). A [`crate::world::Environment::Sky`]'s sun comes first,
//! as the shadowed key. An empty list gets a default sun and sky under the plain
//! hemisphere environment, and nothing more under any other environment;
//! a named `Rig` places its lights relative to the clip's first camera and the subject
//! (key from the camera's side, fill opposite, rim behind), and they stay put in the world
//! while the camera moves, as real lights on a set do.
//! A `Rect` area light reaches the raster as a spot light at its center with a
//! hemispherical cone and intensity radiance × area; the reference renderer reads
//! `half_edges` and samples the true rectangle.

use glam::Vec3;

use super::CameraFrame;
use crate::physics::FrameState;
use crate::scene::{Environment, Light, LookAt, Scene};

/// Lights beyond the shadowed sun that a frame can use.
pub const MAX_EXTRA_LIGHTS: usize = 8;

/// Angular diameter given to the directional lights of rigs, radians (the real sun's).
pub const RIG_SUN_ANGLE: f32 = 0.53 * std::f32::consts::PI / 180.0;

/// An unshadowed light.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExtraLight {
    /// 0 point, 1 spot, 2 directional.
    pub kind: u32,
    /// Position, m (point and spot).
    pub position: Vec3,
    /// Linear RGB times intensity.
    pub color: Vec3,
    /// Direction of travel (spot and directional).
    pub direction: Vec3,
    /// Cosine of the spot's half cone.
    pub cos_half_cone: f32,
    /// Angular diameter of a directional light, radians.
    pub angle: f32,
    /// A rect light's half edge vectors (width, height), world space, m; `color` is then
    /// its radiance times its area.
    pub half_edges: Option<(Vec3, Vec3)>,
}

/// Lights for one frame (the default: none at all).
#[derive(Debug, Clone, Default)]
pub struct Lights {
    /// The shadowed sun: direction of travel and radiance (color × intensity).
    pub sun: Option<(Vec3, Vec3)>,
    /// The shadowed sun's angular diameter, radians.
    pub sun_angle: f32,
    /// Ambient from above.
    pub sky: Vec3,
    /// Ambient from below.
    pub ground: Vec3,
    /// More lights, at most [`MAX_EXTRA_LIGHTS`].
    pub extras: Vec<ExtraLight>,
}

impl Lights {
    fn add_directional(&mut self, direction: Vec3, color: Vec3) {
        self.add_sun(direction, color, RIG_SUN_ANGLE);
    }

    fn add_sun(&mut self, direction: Vec3, color: Vec3, angle: f32) {
        let d = direction.normalize_or(Vec3::NEG_Y);
        if self.sun.is_none() {
            self.sun = Some((d, color));
            self.sun_angle = angle;
        } else if self.extras.len() < MAX_EXTRA_LIGHTS {
            self.extras.push(ExtraLight {
                kind: 2,
                color,
                direction: d,
                angle,
                ..ExtraLight::default()
            });
        }
    }

    fn add_ambient(&mut self, color: Vec3) {
        self.sky += color;
        self.ground += color * 0.4;
    }
}

/// A direction of travel for light coming from `azimuth_deg` around the camera's view
/// axis (0 = from behind the camera, positive = from the camera's left) and
/// `elevation_deg` above the horizon.
fn from_camera(cam: &CameraFrame, azimuth_deg: f32, elevation_deg: f32) -> Vec3 {
    let back = cam.pose.rotation * Vec3::Z;
    let flat_back = Vec3::new(back.x, 0.0, back.z).normalize_or(Vec3::Z);
    let left = Vec3::Y.cross(flat_back).normalize_or(Vec3::X);
    let (a, e) = (azimuth_deg.to_radians(), elevation_deg.to_radians());
    let toward_light = (flat_back * a.cos() + left * a.sin()) * e.cos() + Vec3::Y * e.sin();
    -toward_light
}

/// The ambient light a named rig adds (sky; the ground gets 0.4 of it).
fn rig_ambient(name: &str) -> Vec3 {
    let white = Vec3::ONE;
    match name {
        "low-key-noir" => Vec3::new(0.02, 0.02, 0.025),
        "high-key-soft" => white * 0.6,
        "golden-hour" => Vec3::new(0.16, 0.18, 0.26),
        "overcast" => Vec3::new(0.75, 0.8, 0.9),
        "neon-night" => Vec3::new(0.02, 0.02, 0.05),
        "top-light" => white * 0.08,
        _ => white * 0.15,
    }
}

fn rig(out: &mut Lights, name: &str, cam: &CameraFrame, subject: Vec3) {
    let white = Vec3::ONE;
    out.add_ambient(rig_ambient(name));
    match name {
        "low-key-noir" => {
            out.add_directional(from_camera(cam, 75.0, 30.0), white * 4.0);
        }
        "high-key-soft" => {
            out.add_directional(from_camera(cam, 30.0, 50.0), white * 2.0);
            out.add_directional(from_camera(cam, -40.0, 20.0), white * 1.0);
        }
        "golden-hour" => {
            out.add_directional(
                from_camera(cam, -60.0, 12.0),
                Vec3::new(1.0, 0.72, 0.42) * 3.5,
            );
        }
        "overcast" => {
            out.add_directional(
                from_camera(cam, 20.0, 75.0),
                Vec3::new(0.9, 0.93, 1.0) * 0.8,
            );
        }
        "neon-night" => {
            out.add_directional(
                from_camera(cam, 30.0, 60.0),
                Vec3::new(0.3, 0.35, 0.6) * 0.4,
            );
            let right = cam.pose.rotation * Vec3::X;
            // Practicals flank the subject at a third of the camera's distance, so the
            // look holds at any scale; inverse-square power scales with that distance.
            let reach = (cam.pose.translation.distance(subject) / 3.0).clamp(0.3, 20.0);
            for (side, color) in [
                (-1.0, Vec3::new(1.0, 0.1, 0.7)),
                (1.0, Vec3::new(0.1, 0.8, 1.0)),
            ] {
                if out.extras.len() < MAX_EXTRA_LIGHTS {
                    out.extras.push(ExtraLight {
                        kind: 0,
                        position: subject + (right * side * 1.5 + Vec3::Y) * reach,
                        color: color * 8.0 * reach * reach,
                        direction: Vec3::NEG_Y,
                        ..ExtraLight::default()
                    });
                }
            }
        }
        "top-light" => {
            out.add_directional(Vec3::new(0.05, -1.0, 0.03), white * 3.5);
        }
        // "three-point" and anything else: key, fill and rim.
        _ => {
            out.add_directional(from_camera(cam, 45.0, 40.0), white * 3.0);
            out.add_directional(from_camera(cam, -40.0, 15.0), white * 0.8);
            out.add_directional(from_camera(cam, 160.0, 35.0), white * 1.2);
        }
    }
}

/// The sky ambient of a scene without lights under the plain hemisphere environment.
const DEFAULT_AMBIENT: Vec3 = Vec3::new(0.3, 0.32, 0.36);

/// The scene's ambient light as (sky, ground) radiance, exactly as [`resolve`] sums it,
/// without a trajectory or camera (ambient light does not depend on them): the input of
/// [`crate::world::World::bake`].
pub fn ambient(scene: &Scene) -> (Vec3, Vec3) {
    let mut out = Lights::default();
    if scene.lights.is_empty() {
        if matches!(scene.environment, Environment::Hemisphere) {
            out.add_ambient(DEFAULT_AMBIENT);
        }
        return (out.sky, out.ground);
    }
    for l in &scene.lights {
        match l {
            Light::Ambient { color, intensity } => out.add_ambient(Vec3::from(*color) * *intensity),
            Light::Rig(name) => out.add_ambient(rig_ambient(name)),
            _ => {}
        }
    }
    (out.sky, out.ground)
}

/// Resolves the scene's lights for `frame`. Rigs are placed relative to `rig_cam`, the
/// camera they are designed around (the clip's first), and the subject: the first shot's
/// subject or the camera's look-at target, where it is at `rig_frame`.
pub fn resolve(
    scene: &Scene,
    frame: &FrameState,
    rig_frame: &FrameState,
    rig_cam: &CameraFrame,
) -> Lights {
    let cam = rig_cam;
    let mut out = Lights::default();
    let point = |look: LookAt| match look {
        LookAt::Point(p) => p,
        LookAt::Entity(i) => frame.poses[i].translation,
    };
    let subject = {
        let look = scene
            .camera
            .shots
            .first()
            .map(|s| s.subject)
            .or_else(|| scene.camera.keys.first().map(|k| k.look_at));
        match look {
            Some(LookAt::Point(p)) => p,
            Some(LookAt::Entity(i)) => rig_frame.poses[i].translation,
            None => cam.pose.translation + cam.pose.rotation * Vec3::NEG_Z * 3.0,
        }
    };
    // The sky's sun is the key light, shadowed, before any the scene lists.
    if let Environment::Sky(spec) = &scene.environment
        && let Some(sun) = crate::world::sky::sun(spec)
    {
        out.add_sun(sun.direction, sun.color, sun.angle);
    }
    if scene.lights.is_empty() {
        // Without lights, a sky, an image or a uniform environment lights the scene
        // alone; the plain hemisphere gets the default sun and sky.
        if matches!(scene.environment, Environment::Hemisphere) {
            out.add_directional(Vec3::new(-0.4, -1.0, -0.3), Vec3::ONE * 3.0);
            out.add_ambient(DEFAULT_AMBIENT);
        }
        return out;
    }
    for l in &scene.lights {
        match l {
            Light::Sun {
                direction,
                color,
                intensity,
                angle,
            } => out.add_sun(*direction, Vec3::from(*color) * *intensity, *angle),
            Light::Ambient { color, intensity } => out.add_ambient(Vec3::from(*color) * *intensity),
            Light::Point {
                at,
                color,
                intensity,
            } => {
                if out.extras.len() < MAX_EXTRA_LIGHTS {
                    out.extras.push(ExtraLight {
                        kind: 0,
                        position: *at,
                        color: Vec3::from(*color) * *intensity,
                        direction: Vec3::NEG_Y,
                        ..ExtraLight::default()
                    });
                }
            }
            Light::Spot {
                at,
                look_at,
                color,
                intensity,
                cone,
            } => {
                if out.extras.len() < MAX_EXTRA_LIGHTS {
                    out.extras.push(ExtraLight {
                        kind: 1,
                        position: *at,
                        color: Vec3::from(*color) * *intensity,
                        direction: (point(*look_at) - *at).normalize_or(Vec3::NEG_Y),
                        cos_half_cone: (cone * 0.5).cos(),
                        ..ExtraLight::default()
                    });
                }
            }
            Light::Rect {
                at,
                look_at,
                size,
                color,
                intensity,
            } => {
                if out.extras.len() < MAX_EXTRA_LIGHTS {
                    let rot = super::look_rotation(*at, point(*look_at));
                    let (w, h) = *size;
                    out.extras.push(ExtraLight {
                        kind: 1,
                        position: *at,
                        color: Vec3::from(*color) * *intensity * (w * h),
                        direction: rot * Vec3::NEG_Z,
                        cos_half_cone: 0.0,
                        angle: 0.0,
                        half_edges: Some((rot * Vec3::X * (0.5 * w), rot * Vec3::Y * (0.5 * h))),
                    });
                }
            }
            Light::Rig(name) => rig(&mut out, name, cam, subject),
        }
    }
    out
}
