//! Shot planning: keyframed cameras, and shots that play their moves from a placement,
//! with auto-framing (an unoccluded start, the subject on a composition point) and
//! seeded handheld shake.

use glam::{Quat, Vec3};

use super::{CameraError, CameraFrame, look_rotation};
use crate::math::Pose;
use crate::physics::Trajectory;
use crate::rng::SeededRng;
use crate::scene::{Camera, Ease, Framing, LookAt, Move, Scene, Shape, Shot};

pub(super) fn target_at(traj: &Trajectory, look: LookAt, frame: usize) -> Vec3 {
    match look {
        LookAt::Point(p) => p,
        LookAt::Entity(i) => traj.frames[frame].poses[i].translation,
    }
}

pub(super) fn key_placement(cam: &Camera, traj: &Trajectory, k: usize) -> (Vec3, Vec3) {
    let t = traj.frames[k].time as f32;
    let keys = &cam.keys;
    match keys.iter().position(|key| key.t > t) {
        Some(0) => (keys[0].at, target_at(traj, keys[0].look_at, k)),
        None => {
            let last = &keys[keys.len() - 1];
            (last.at, target_at(traj, last.look_at, k))
        }
        Some(j) => {
            let (a, b) = (&keys[j - 1], &keys[j]);
            let s = (t - a.t) / (b.t - a.t);
            (
                a.at.lerp(b.at, s),
                target_at(traj, a.look_at, k).lerp(target_at(traj, b.look_at, k), s),
            )
        }
    }
}

fn ease(e: Ease, s: f32) -> f32 {
    let s = s.clamp(0.0, 1.0);
    match e {
        Ease::Linear => s,
        Ease::Smooth => s * s * (3.0 - 2.0 * s),
    }
}

/// Where framing puts the subject, as fractions of the width and height.
fn composition_point(framing: Framing, screen_motion: (f32, f32)) -> (f32, f32) {
    let third = |toward_positive: bool| {
        if toward_positive {
            1.0 / 3.0
        } else {
            2.0 / 3.0
        }
    };
    match framing {
        Framing::Center => (0.5, 0.5),
        Framing::ThirdsLeft => (1.0 / 3.0, 1.0 / 3.0),
        Framing::ThirdsRight => (2.0 / 3.0, 1.0 / 3.0),
        // Leave room ahead of the motion: moving right (or still) puts the subject on the
        // left third; moving up puts it on the lower third.
        Framing::Thirds => (third(screen_motion.0 >= 0.0), third(screen_motion.1 <= 0.0)),
    }
}

/// A camera rotation without roll (+Y up) that puts `world` at pixel `(u, v)`: the
/// look-at rotation, then yaw and pitch corrected by fixed-point iteration on the
/// projected pixel (converges to well under 0.01 px in a few steps for points inside
/// the frame). Top-down and bottom-up views turn about their own axes instead.
fn aim_at_pixel(frame: &CameraFrame, eye: Vec3, world: Vec3, u: f64, v: f64) -> Quat {
    let base = look_rotation(eye, world);
    let f = frame.focal_px();
    let (mut yaw, mut pitch) = (0.0f32, 0.0f32);
    // Looking nearly straight up or down, turning about the world's vertical would
    // rotate the picture: turn about the camera's own vertical instead.
    let vertical = (base * Vec3::NEG_Z).y.abs() > 0.9;
    let rot = |yaw: f32, pitch: f32| {
        let turn = Quat::from_axis_angle(Vec3::Y, yaw);
        let tilt = Quat::from_axis_angle(Vec3::X, pitch);
        if vertical {
            (base * turn * tilt).normalize()
        } else {
            (turn * base * tilt).normalize()
        }
    };
    for _ in 0..12 {
        let cam = CameraFrame {
            pose: Pose::new(eye, rot(yaw, pitch)),
            ..*frame
        };
        let (pu, pv, _) = cam.project(world);
        let (du, dv) = (pu - u, pv - v);
        if du.abs() < 1e-4 && dv.abs() < 1e-4 {
            break;
        }
        // The point sits `du` pixels right of where it should: turn right (negative yaw).
        yaw -= (du / f).atan() as f32;
        pitch -= (dv / f).atan() as f32;
    }
    rot(yaw, pitch)
}

/// Band-limited shake: three sines per axis around `frequency` (0.5×, 1×, 2.1×, with
/// amplitudes falling as 1/f), seeded phases, scaled to unit RMS.
pub(super) struct Shake {
    phases: [[f32; 3]; 6],
    frequency: f32,
}

impl Shake {
    const RATIOS: [f32; 3] = [0.5, 1.0, 2.1];
    const WEIGHTS: [f32; 3] = [1.0, 0.5, 0.24];

    fn new(seed: u64, shot: usize) -> Self {
        Self::stream(seed, &format!("camera/handheld/{shot}"))
    }

    /// The shake of the random stream `name` of the scene's seed.
    pub(super) fn stream(seed: u64, name: &str) -> Self {
        let mut rng = SeededRng::new(seed, name);
        let phases = std::array::from_fn(|_| {
            std::array::from_fn(|_| (rng.unit() * std::f64::consts::TAU) as f32)
        });
        // Frequencies jitter by up to ±10 % per shot so shots do not shake alike.
        Self {
            phases,
            frequency: 1.0 + rng.symmetric(0.1),
        }
    }

    /// `pose` shaken at time `t` by `amplitude_deg` RMS around `frequency_hz`: yaw and
    /// pitch at the amplitude, roll at half of it, and the eye moved by the same angle
    /// at 1 m.
    pub(super) fn shaken(&self, pose: Pose, t: f32, amplitude_deg: f32, frequency_hz: f32) -> Pose {
        let s = self.sample(t, frequency_hz);
        let a = amplitude_deg.to_radians();
        let wobble = Quat::from_euler(glam::EulerRot::YXZ, s[0] * a, s[1] * a, s[2] * a * 0.5);
        Pose::new(
            pose.translation + Vec3::new(s[3], s[4], s[5]) * a,
            (pose.rotation * wobble).normalize(),
        )
    }

    /// Six unit-RMS signals (yaw, pitch, roll, x, y, z) at time `t` for center
    /// frequency `hz`.
    fn sample(&self, t: f32, hz: f32) -> [f32; 6] {
        let rms = (Self::WEIGHTS.iter().map(|w| w * w).sum::<f32>() * 0.5).sqrt();
        std::array::from_fn(|axis| {
            (0..3)
                .map(|j| {
                    let w = std::f32::consts::TAU * hz * self.frequency * Self::RATIOS[j];
                    Self::WEIGHTS[j] * (w * t + self.phases[axis][j]).sin()
                })
                .sum::<f32>()
                / rms
        })
    }
}

/// The shapes that could hide a subject: every shaped entity except the subject itself,
/// the ground plane and the subject's own compound body, with its collider built once.
struct Blockers {
    shapes: Vec<(usize, rapier3d::parry::shape::SharedShape)>,
}

impl Blockers {
    fn new(scene: &Scene, subject: usize) -> Self {
        let shapes = scene
            .entities
            .iter()
            .enumerate()
            .filter_map(|(e, ent)| {
                let shape = ent.shape.as_ref()?;
                if e == subject || matches!(shape, Shape::Ground) || is_related(scene, e, subject) {
                    return None;
                }
                Some((e, shape.to_parry().ok()?))
            })
            .collect();
        Self { shapes }
    }

    /// The first entity hit on the segment from `from` toward `to` at frame `k`, if any.
    fn first(&self, traj: &Trajectory, k: usize, from: Vec3, to: Vec3) -> Option<usize> {
        use rapier3d::parry::query::Ray;
        let d = to - from;
        let len = d.length();
        if len < 1e-6 {
            return None;
        }
        let ray = Ray::new(from, d / len);
        self.shapes.iter().find_map(|(e, collider)| {
            let pose = crate::physics::to_rapier(traj.frames[k].poses[*e]);
            let hit = collider.cast_ray(&pose, &ray, len * 0.98, true)?;
            (hit < len * 0.98).then_some(*e)
        })
    }
}

/// Casts a ray from `from` toward `to` against every shaped entity except `skip` (and
/// the ground plane); the first entity hit before `to`, if any.
#[cfg(test)]
fn first_blocker(
    scene: &Scene,
    traj: &Trajectory,
    k: usize,
    from: Vec3,
    to: Vec3,
    skip: usize,
) -> Option<usize> {
    Blockers::new(scene, skip).first(traj, k, from, to)
}

/// Whether `a` and `b` belong to one body (a compound), so one cannot hide the other.
fn is_related(scene: &Scene, a: usize, b: usize) -> bool {
    let body = |e: usize| scene.entities[e].body;
    body(a).is_some() && body(a) == body(b)
}

/// Plans one shot's camera poses for frames `ks`.
#[allow(clippy::too_many_arguments)]
pub(super) fn plan_shot(
    scene: &Scene,
    traj: &Trajectory,
    index: usize,
    shot: &Shot,
    ks: &[usize],
    k0: usize,
    t_end: f32,
    frame: &dyn Fn(Pose) -> CameraFrame,
) -> Result<Vec<Pose>, CameraError> {
    let fail = |reason: String| CameraError::Framing {
        shot: index,
        reason,
    };
    let subject_at = |k: usize| target_at(traj, shot.subject, k);
    let mut eye0 = shot.at;
    let radius = match shot.subject {
        LookAt::Entity(e) => scene.entities[e]
            .shape
            .as_ref()
            .map_or(0.0, |s| s.bounding_radius())
            .min(1e4),
        LookAt::Point(_) => 0.0,
    };
    // Auto-framing, part 1: an unoccluded start. Try the placement as given, then
    // higher, then orbiting around the subject in growing steps, either way.
    if let (Some(_), LookAt::Entity(subject)) = (shot.framing, shot.subject) {
        let p = subject_at(k0);
        let offset = eye0 - p;
        let candidates = std::iter::once((0.0f32, 0.0f32))
            .chain([0.5, 1.0, 2.0, 3.0].map(|h| (0.0, h)))
            .chain(
                [15.0f32, 30.0, 45.0, 60.0, 90.0, 120.0, 150.0, 180.0]
                    .into_iter()
                    .flat_map(|a| [(a, 0.0), (-a, 0.0), (a, 1.0), (-a, 1.0)]),
            );
        let mut found = None;
        let mut blocker = None;
        let blockers = Blockers::new(scene, subject);
        for (deg, up) in candidates {
            let eye = p
                + Quat::from_axis_angle(Vec3::Y, deg.to_radians()) * offset
                + Vec3::Y * up * offset.length().max(1.0) * 0.25;
            match blockers.first(traj, k0, eye, p) {
                None => {
                    found = Some(eye);
                    break;
                }
                Some(b) => {
                    blocker.get_or_insert(b);
                }
            }
        }
        eye0 = found.ok_or_else(|| {
            let by = blocker.map_or(String::new(), |b| format!(" (\"{}\" is in the way)", scene.entities[b].name));
            fail(format!(
                "\"{}\" is hidden from every tried camera position{by}; move the camera or the subject",
                scene.entities[subject].name
            ))
        })?;
    }
    let target0 = target_at(traj, shot.look_at, k0);
    let f0 = (target0 - eye0).normalize_or(Vec3::NEG_Z);
    let r0 = f0.cross(Vec3::Y).normalize_or(Vec3::X);
    let has = |pred: fn(&Move) -> bool| shot.moves.iter().any(pred);
    let aims_at_subject = shot.framing.is_some()
        || has(|m| matches!(m, Move::Orbit(_) | Move::PushIn(_) | Move::Crane(_)));
    let shake = Shake::new(scene.seed, index);
    let dt = 1.0 / scene.fps as f32;
    let t0 = shot.start;
    // The subject's screen motion over the shot, for choosing the thirds point.
    let screen_motion = {
        let kl = *ks.last().unwrap_or(&k0);
        let cam0 = frame(Pose::new(eye0, look_rotation(eye0, subject_at(k0))));
        let (a, b) = (cam0.project(subject_at(k0)), cam0.project(subject_at(kl)));
        ((b.0 - a.0) as f32, -(b.1 - a.1) as f32)
    };
    let place = |scale: f32| -> Vec<(Vec3, Vec3, f32, f32)> {
        let p0 = subject_at(k0);
        let eye_start = p0 + (eye0 - p0) * scale;
        // Moves written for another subject distance scale to this shot's.
        let reach = shot
            .subject_distance
            .map_or(1.0, |d| eye_start.distance(p0) / d);
        let mut lagged = p0;
        ks.iter()
            .map(|&k| {
                let t = traj.frames[k].time as f32;
                let u = ease(shot.ease, (t - t0) / (t_end - t0));
                let p = subject_at(k);
                let mut eye = eye_start;
                let mut shift = Vec3::ZERO;
                let mut pan = 0.0f32;
                let mut tilt = 0.0f32;
                let mut orbit = 0.0f32;
                for m in &shot.moves {
                    match *m {
                        Move::Static => {}
                        Move::Dolly(d) => shift += f0 * d * reach * u,
                        Move::Truck(d) => shift += r0 * d * reach * u,
                        Move::Pedestal(d) => shift += Vec3::Y * d * reach * u,
                        Move::Crane(d) => eye += Vec3::Y * d * reach * u,
                        Move::Pan(a) => pan += a * u,
                        Move::Tilt(a) => tilt += a * u,
                        Move::Orbit(a) => orbit += a * u,
                        Move::Follow(lag) => {
                            if k > k0 {
                                let alpha = if lag > 0.0 {
                                    1.0 - (-dt / lag).exp()
                                } else {
                                    1.0
                                };
                                lagged += (p - lagged) * alpha;
                            }
                            eye += lagged - p0;
                        }
                        Move::PushIn(frac) => eye += (p - eye_start) * frac * u,
                        // Applied last, on the final pose.
                        Move::Handheld { .. } => {}
                    }
                }
                eye += shift;
                if orbit != 0.0 {
                    eye = p + Quat::from_axis_angle(Vec3::Y, orbit.to_radians()) * (eye - p);
                }
                let aim = if aims_at_subject {
                    p
                } else {
                    match shot.look_at {
                        LookAt::Point(q) => q + shift,
                        LookAt::Entity(_) => target_at(traj, shot.look_at, k),
                    }
                };
                (eye, aim, pan, tilt)
            })
            .collect()
    };
    // Auto-framing, part 2: the subject sits on the composition point in every frame;
    // back the camera away from the subject until its bounding sphere fits inside the
    // frame with a 5 % margin all shot long.
    let comp = shot.framing.map(|f| composition_point(f, screen_motion));
    let mut scale = 1.0f32;
    if let Some((cu, cv)) = comp {
        let cam = frame(Pose::IDENTITY);
        let (w, h) = (cam.width as f32, cam.height as f32);
        let f = cam.focal_px() as f32;
        // Smallest angular room between the composition point and a frame edge.
        let room_px = (cu * w).min((1.0 - cu) * w).min(cv * h).min((1.0 - cv) * h) - 0.05 * h;
        let room = (room_px.max(1.0) / f).atan();
        for _ in 0..8 {
            let worst = place(scale)
                .iter()
                .zip(ks)
                .map(|((eye, _, _, _), &k)| {
                    let d = eye.distance(subject_at(k));
                    if d <= radius {
                        f32::INFINITY
                    } else {
                        (radius / d).asin() / room
                    }
                })
                .fold(0.0f32, f32::max);
            if worst <= 1.0 {
                break;
            }
            scale *= worst.min(50.0) * 1.05;
        }
        if scale > 20.0 {
            return Err(fail(format!(
                "the subject (bounding radius {radius:.2} m) cannot stay inside the frame; it comes too close to the camera"
            )));
        }
    }
    let placed = place(scale);
    let mut out = Vec::with_capacity(ks.len());
    for ((eye, aim, pan, tilt), &k) in placed.into_iter().zip(ks) {
        let t = traj.frames[k].time as f32;
        let cam = frame(Pose::IDENTITY);
        let mut rot = match comp {
            Some((cu, cv)) => aim_at_pixel(
                &cam,
                eye,
                aim,
                f64::from(cu * cam.width as f32),
                f64::from(cv * cam.height as f32),
            ),
            None => look_rotation(eye, aim),
        };
        rot = (Quat::from_axis_angle(Vec3::Y, -pan.to_radians())
            * rot
            * Quat::from_axis_angle(Vec3::X, tilt.to_radians()))
        .normalize();
        let mut pose = Pose::new(eye, rot);
        for m in &shot.moves {
            if let Move::Handheld {
                amplitude_deg,
                frequency_hz,
            } = *m
            {
                pose = shake.shaken(pose, t, amplitude_deg, frequency_hz);
            }
        }
        out.push(pose);
    }
    Ok(out)
}

#[cfg(test)]
mod shot_tests {
    use super::*;
    use crate::camera::{self, CameraPlan};
    use crate::physics::simulate;
    use crate::progress::Silent;

    /// A one-second 24 fps scene with a ball thrown sideways over a floor, a crate, and
    /// the given camera.
    fn scene(camera: &str) -> (Scene, Trajectory) {
        let text = format!(
            r#"Scene(version: 1, name: "shots", seed: 5, duration: 1.0, resolution: (320, 180),
            entities: [
                (name: "floor", shape: Ground),
                (name: "ball", shape: Sphere(radius: 0.1), at: (-1.0, 1.0, 0.0),
                 body: Dynamic(velocity: (2.0, 2.0, 0.0))),
                (name: "crate", shape: Box(size: (0.4, 0.4, 0.4)), at: (1.5, 0.2, -1.0)),
            ],
            camera: {camera})"#
        );
        let s =
            crate::scene::parse_str(&text, "shots", ".".as_ref()).unwrap_or_else(|e| panic!("{e}"));
        let t = simulate(&s, &Silent).unwrap();
        (s, t)
    }

    fn eyes(plan: &CameraPlan) -> Vec<Vec3> {
        plan.frames.iter().map(|c| c.pose.translation).collect()
    }

    #[test]
    fn linear_moves_reach_their_keyframe_positions() {
        let (s, t) = scene(
            "(at: (0, 1, 5), look_at: (0, 1, 0), shots: [(moves: [Dolly(2.0), Truck(1.0), Pedestal(0.5)], ease: Linear)])",
        );
        let plan = camera::plan(&s, &t).unwrap();
        for (k, eye) in eyes(&plan).into_iter().enumerate() {
            let u = t.frames[k].time as f32 / s.duration;
            // Looking down -Z: dolly in is -Z, truck right is +X, pedestal is +Y.
            let want = Vec3::new(1.0 * u, 1.0 + 0.5 * u, 5.0 - 2.0 * u);
            assert!(eye.distance(want) < 1e-5, "frame {k}: {eye} vs {want}");
        }
        // The aim point travels with the camera: the orientation never changes.
        let r0 = plan.frames[0].pose.rotation;
        assert!(
            plan.frames
                .iter()
                .all(|c| c.pose.rotation.angle_between(r0) < 1e-5)
        );
        assert!((0..plan.frames.len()).all(|k| !plan.cut_before(k)));
    }

    #[test]
    fn moves_written_for_a_subject_distance_scale_to_the_shot() {
        // The camera starts 5 m from what it looks at; moves written for 10 m go half as
        // far, for 2.5 m twice as far; angles and unscaled shots are untouched.
        let travel = |extra: &str| {
            let cam = format!(
                "(at: (0, 1, 5), look_at: (0, 1, 0), shots: [(moves: [Dolly(2.0), Truck(1.0)], ease: Linear{extra})])"
            );
            let (s, t) = scene(&cam);
            let e = eyes(&camera::plan(&s, &t).unwrap());
            e[e.len() - 1] - e[0]
        };
        let plain = travel("");
        let half = travel(", subject_distance_m: 10.0");
        let double = travel(", subject_distance_m: 2.5");
        assert!((half - plain * 0.5).length() < 1e-4, "{half} vs {plain}");
        assert!(
            (double - plain * 2.0).length() < 1e-4,
            "{double} vs {plain}"
        );
        let e = crate::scene::parse_str(
            r#"Scene(version: 1, name: "b", duration: 0.5, entities: [(name: "f", shape: Ground)],
            camera: (at: (0, 1, 5), shots: [(moves: [Dolly(1.0)], subject_distance_m: 0.0)]))"#,
            "b.ron",
            ".".as_ref(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("camera.shots[0]") && e.contains("subject_distance_m"),
            "{e}"
        );
    }

    #[test]
    fn smooth_easing_starts_and_stops_at_rest_without_jumps() {
        let (s, t) = scene("(at: (0, 1, 5), look_at: (0, 1, 0), shots: [(moves: [Dolly(3.0)])])");
        let e = eyes(&camera::plan(&s, &t).unwrap());
        let steps: Vec<f32> = e.windows(2).map(|w| w[0].distance(w[1])).collect();
        let mean = steps.iter().sum::<f32>() / steps.len() as f32;
        // Linear would step the mean from the first frame; smoothstep starts near rest.
        assert!(
            steps[0] < 0.15 * mean,
            "first step {} vs mean {mean}",
            steps[0]
        );
        let max = steps.iter().copied().fold(0.0, f32::max);
        // Smoothstep's peak speed is 1.5x its mean.
        assert!(max < 1.6 * mean, "max step {max} vs mean {mean}");
        let accel = e
            .windows(3)
            .map(|w| (w[2] - 2.0 * w[1] + w[0]).length())
            .fold(0.0, f32::max);
        assert!(accel < 0.5 * mean, "second difference {accel}");
    }

    #[test]
    fn orbit_keeps_its_radius_and_turns_the_asked_angle() {
        let (s, t) = scene(
            "(at: (0, 1.5, 4), look_at: (0, 0.5, 0), shots: [(moves: [Orbit(90)], ease: Linear)])",
        );
        let plan = camera::plan(&s, &t).unwrap();
        let center = Vec3::new(0.0, 0.5, 0.0);
        let r0 = plan.frames[0].pose.translation.distance(center);
        for (k, c) in plan.frames.iter().enumerate() {
            let r = c.pose.translation.distance(center);
            assert!((r - r0).abs() < 1e-4, "frame {k}: radius {r} vs {r0}");
            let (u, v, _) = c.project(center);
            assert!(
                (u - 160.0).abs() < 0.01 && (v - 90.0).abs() < 0.01,
                "the subject stays centered"
            );
        }
        let last = plan.frames.last().unwrap().pose.translation - center;
        let angle = last.x.atan2(last.z).to_degrees();
        let want = 90.0 * t.frames.last().unwrap().time as f32 / s.duration;
        assert!(
            (angle - want).abs() < 0.01,
            "turned {angle} deg, expected {want}"
        );
    }

    #[test]
    fn pan_and_tilt_turn_in_place() {
        let (s, t) = scene(
            "(at: (0, 1, 5), look_at: (0, 1, 0), shots: [(moves: [Pan(30), Tilt(10)], ease: Linear)])",
        );
        let plan = camera::plan(&s, &t).unwrap();
        let last = plan.frames.last().unwrap();
        assert_eq!(last.pose.translation, Vec3::new(0.0, 1.0, 5.0));
        let fwd = last.pose.rotation * Vec3::NEG_Z;
        let u = t.frames.last().unwrap().time as f32 / s.duration;
        let yaw = fwd.x.atan2(-fwd.z).to_degrees();
        let pitch = fwd.y.asin().to_degrees();
        assert!((yaw - 30.0 * u).abs() < 0.01, "yaw {yaw}");
        assert!((pitch - 10.0 * u).abs() < 0.01, "pitch {pitch}");
        assert!((last.pose.rotation * Vec3::X).y.abs() < 1e-5, "no roll");
    }

    #[test]
    fn thirds_framing_holds_a_moving_subject_on_a_thirds_point() {
        let (s, t) = scene(
            r#"(at: (0, 1.2, 6), look_at: "ball", shots: [(framing: Thirds, moves: [PushIn(0.2)])])"#,
        );
        let plan = camera::plan(&s, &t).unwrap();
        let ball = s.entities.iter().position(|e| e.name == "ball").unwrap();
        let mut point = None;
        for (k, c) in plan.frames.iter().enumerate() {
            let (u, v, z) = c.project(t.frames[k].poses[ball].translation);
            assert!(z > 0.0);
            let (fu, fv) = (u / 320.0, v / 180.0);
            let p = *point.get_or_insert((fu, fv));
            assert!(
                (fu - p.0).abs() * 320.0 < 0.5 && (fv - p.1).abs() * 180.0 < 0.5,
                "frame {k}: subject at ({u:.2}, {v:.2})"
            );
            assert!((c.pose.rotation * Vec3::X).y.abs() < 1e-4, "no roll");
        }
        let (fu, fv) = point.unwrap();
        let third = |f: f64| (f - 1.0 / 3.0).abs() < 1e-3 || (f - 2.0 / 3.0).abs() < 1e-3;
        assert!(third(fu) && third(fv), "({fu}, {fv}) is not a thirds point");
        // The ball moves right: room is left ahead of it (left third). It rises then
        // falls; the net motion decides the vertical third.
        assert!((fu - 1.0 / 3.0).abs() < 1e-3, "{fu}");
    }

    #[test]
    fn framing_moves_the_camera_out_from_behind_an_occluder_or_says_it_cannot() {
        // The crate sits exactly between the camera and a point subject behind it.
        let blocked = r#"(at: (1.5, 0.2, 3), look_at: "target", shots: [(framing: Center)])"#;
        let text = |camera: &str, extra: &str| {
            format!(
                r#"Scene(version: 1, name: "occ", duration: 0.25, resolution: (160, 90),
                entities: [
                    (name: "floor", shape: Ground),
                    (name: "target", shape: Sphere(radius: 0.1), at: (1.5, 0.2, -3.0), body: Fixed),
                    (name: "crate", shape: Box(size: (0.6, 0.6, 0.6)), at: (1.5, 0.3, 0.0), body: Fixed),
                    {extra}
                ],
                camera: {camera})"#
            )
        };
        let s = crate::scene::parse_str(&text(blocked, ""), "occ", ".".as_ref()).unwrap();
        let t = simulate(&s, &Silent).unwrap();
        let target = 1;
        assert!(
            first_blocker(
                &s,
                &t,
                0,
                Vec3::new(1.5, 0.2, 3.0),
                t.frames[0].poses[target].translation,
                target
            )
            .is_some()
        );
        let plan = camera::plan(&s, &t).unwrap();
        let eye = plan.frames[0].pose.translation;
        assert_eq!(
            first_blocker(
                &s,
                &t,
                0,
                eye,
                t.frames[0].poses[target].translation,
                target
            ),
            None
        );
        // Walled in on every side: no placement works, and the error says why.
        let roof =
            r#"(name: "dome", shape: Sphere(radius: 1.0), at: (1.5, 0.2, -3.0), body: Fixed)"#;
        // A solid sphere around the subject hides it from everywhere.
        let s = crate::scene::parse_str(&text(blocked, roof), "occ", ".".as_ref()).unwrap();
        let t = simulate(&s, &Silent).unwrap();
        let err = camera::plan(&s, &t).unwrap_err().to_string();
        assert!(err.contains("hidden") && err.contains("target"), "{err}");
    }

    #[test]
    fn handheld_shake_is_seeded_band_limited_and_of_the_asked_size() {
        let cam = "(at: (0, 1, 5), look_at: (0, 1, 0), shots: [(moves: [Handheld(amplitude_deg: 1.0, frequency_hz: 2.0)])])";
        let (s, t) = scene(cam);
        let a = camera::plan(&s, &t).unwrap();
        let b = camera::plan(&s, &t).unwrap();
        assert_eq!(a.frames, b.frames, "same seed, same shake");
        let mut other = s.clone();
        other.seed = 6;
        assert_ne!(
            a.frames,
            camera::plan(&other, &t).unwrap().frames,
            "another seed shakes differently"
        );
        let steady = look_rotation(Vec3::new(0.0, 1.0, 5.0), Vec3::new(0.0, 1.0, 0.0));
        let angles: Vec<f32> = a
            .frames
            .iter()
            .map(|c| c.pose.rotation.angle_between(steady).to_degrees())
            .collect();
        let rms = (angles.iter().map(|x| x * x).sum::<f32>() / angles.len() as f32).sqrt();
        // Yaw and pitch at 1 degree RMS each, roll at half: about 1.5 degrees in all.
        assert!(rms > 0.5 && rms < 3.0, "rms {rms} deg");
        // Band-limited: at 2 Hz and 24 fps a frame moves the view by a fraction of the amplitude.
        let steps = a
            .frames
            .windows(2)
            .map(|w| {
                w[0].pose
                    .rotation
                    .angle_between(w[1].pose.rotation)
                    .to_degrees()
            })
            .fold(0.0, f32::max);
        assert!(steps < 1.5, "largest frame-to-frame turn {steps} deg");
    }

    #[test]
    fn a_new_shot_is_a_cut() {
        let (s, t) = scene(
            "(at: (0, 1, 5), look_at: (0, 1, 0), shots: [(moves: [Static]), (start: 0.5, at: (4, 2, 0), moves: [Dolly(1)])])",
        );
        let plan = camera::plan(&s, &t).unwrap();
        let cuts: Vec<usize> = (0..plan.frames.len())
            .filter(|&k| plan.cut_before(k))
            .collect();
        assert_eq!(cuts, vec![12]);
        assert_eq!(plan.frames[12].pose.translation, Vec3::new(4.0, 2.0, 0.0));
        assert_eq!(plan.shot[11], 0);
        assert_eq!(plan.shot[12], 1);
    }
}
