//! Frames the simulated scene with the existing camera fields only (`fov_deg`, `keys` of
//! `(t, at, look_at)`): a still camera that holds every object over the whole clip, or the
//! move the prompt asked for (dolly, orbit, tracking, handheld), then checks by projecting
//! every object's position in every frame that what should be in view is.

use glam::Vec3;

use super::draft::{CamOut, TargetOut};
use super::lexicon::CameraWord;
use crate::camera::CameraFrame;
use crate::physics::{FrameState, Trajectory};
use crate::rng::SeededRng;
use crate::scene::{Scene, Shape};

/// What the framing saw.
#[derive(Debug, Clone)]
pub struct Framing {
    /// The camera.
    pub camera: CamOut,
    /// Entities that must stay in view.
    pub must_see: Vec<usize>,
    /// Notes for `--explain` (defaults chosen).
    pub notes: Vec<String>,
}

/// The character entity `i` stands for, if it is one (its index in `scene.characters`).
fn character_of(scene: &Scene, i: usize) -> Option<usize> {
    scene.characters.iter().position(|c| c.entity == i)
}

/// Where entity `i` is in frame `f`: a character's pelvis (its entity does not move with
/// it), any other entity's origin.
fn position(scene: &Scene, f: &FrameState, i: usize) -> Option<Vec3> {
    match character_of(scene, i) {
        Some(ci) => f.character_joints(ci).first().map(|p| p.translation),
        None => f.poses.get(i).map(|p| p.translation),
    }
}

/// The radius about [`position`] that holds entity `i`: a character's is 55 % of its
/// height (head and feet from the pelvis).
fn reach(scene: &Scene, i: usize) -> f32 {
    match character_of(scene, i) {
        Some(ci) => 0.55 * scene.characters[ci].skeleton.height(),
        None => scene.entities[i]
            .shape
            .as_ref()
            .map_or(0.0, Shape::bounding_radius),
    }
}

/// What the camera looks at to follow entity `i` at `p`: the entity by name, or for a
/// character the point (its entity stays where it started).
fn follow(scene: &Scene, i: usize, p: Vec3) -> TargetOut {
    match character_of(scene, i) {
        Some(_) => TargetOut::Point(p),
        None => TargetOut::Entity(scene.entities[i].name.clone()),
    }
}

/// The region the objects occupy over the clip: center and radius of a bounding sphere.
fn extent(
    scene: &Scene,
    traj: &Trajectory,
    only: &[usize],
    with_cloth: bool,
    frames: usize,
) -> (Vec3, f32) {
    let mut lo = Vec3::splat(f32::INFINITY);
    let mut hi = Vec3::splat(f32::NEG_INFINITY);
    let n = frames.min(traj.frames.len());
    for (k, f) in traj.frames.iter().enumerate().take(n) {
        if k % 2 == 1 && k + 1 != n {
            continue;
        }
        for &i in only {
            let Some(p) = position(scene, f, i) else {
                continue;
            };
            let r = reach(scene, i).min(2.0);
            lo = lo.min(p - Vec3::splat(r));
            hi = hi.max(p + Vec3::splat(r));
        }
    }
    // Sheets of cloth and liquids have no shape: their vertices and particles, when
    // every object is framed.
    if with_cloth {
        for (k, f) in traj.frames.iter().enumerate().take(n) {
            if k % 2 == 1 && k + 1 != n {
                continue;
            }
            for p in f.cloth.iter().flatten() {
                lo = lo.min(*p);
                hi = hi.max(*p);
            }
            // A liquid by the 2nd to 98th percentile of its particles on each axis: the
            // few a splash throws far do not stretch the frame.
            for x in f.fluids.iter().filter(|x| !x.positions.is_empty()) {
                let (plo, phi) = spread(&x.positions, 0.02);
                lo = lo.min(plo);
                hi = hi.max(phi);
            }
        }
    }
    if !lo.is_finite() || !hi.is_finite() {
        return (Vec3::new(0.0, 0.3, 0.0), 1.0);
    }
    // Things that fell far away (off the edge of the world) do not stretch the frame.
    let lo = lo.max(Vec3::new(-8.0, -0.5, -8.0));
    let hi = hi.min(Vec3::new(8.0, 6.0, 8.0));
    ((lo + hi) * 0.5, ((hi - lo) * 0.5).length().max(0.15))
}

/// The `q` and `1 − q` quantiles of some points on each axis.
fn spread(points: &[Vec3], q: f32) -> (Vec3, Vec3) {
    let axis = |k: usize| {
        let mut v: Vec<f32> = points.iter().map(|p| p[k]).collect();
        v.sort_by(f32::total_cmp);
        let at = |f: f32| v[((v.len() - 1) as f32 * f).round() as usize];
        (at(q), at(1.0 - q))
    };
    let (x, y, z) = (axis(0), axis(1), axis(2));
    (Vec3::new(x.0, y.0, z.0), Vec3::new(x.1, y.1, z.1))
}

/// Entities worth framing: every shaped, non-floor entity, and every character.
pub fn visible_entities(scene: &Scene) -> Vec<usize> {
    scene
        .entities
        .iter()
        .enumerate()
        .filter(|(i, e)| {
            (e.shape
                .as_ref()
                .is_some_and(|s| !matches!(s, Shape::Ground))
                && e.name != "floor")
                || character_of(scene, *i).is_some()
        })
        .map(|(i, _)| i)
        .collect()
}

/// Picks the camera from the prompt's camera words.
pub fn frame(
    scene: &Scene,
    traj: &Trajectory,
    words: &[(CameraWord, String)],
    subject: Option<&str>,
    seed: u64,
    widen: f32,
    frames: usize,
) -> Framing {
    let has = |c: CameraWord| words.iter().any(|(w, _)| *w == c);
    let said = |c: CameraWord| {
        words
            .iter()
            .find(|(w, _)| *w == c)
            .map(|(_, s)| s.clone())
            .unwrap_or_default()
    };
    let mut notes = Vec::new();
    // What carries a sheet (a flag's pole, the hand pulling a tablecloth) is framed
    // through the sheet's own vertices.
    let carriers: Vec<usize> = scene.cloths.iter().filter_map(|c| c.attach).collect();
    let all: Vec<usize> = visible_entities(scene)
        .into_iter()
        .filter(|i| !carriers.contains(i))
        .collect();
    let subj = subject.and_then(|s| scene.entity_index(s));
    let close = has(CameraWord::CloseUp) || has(CameraWord::Tracking);
    let must_see: Vec<usize> = match (close, subj) {
        (true, Some(s)) => vec![s],
        _ => all.clone(),
    };
    let with_cloth = must_see.len() == all.len();
    let (center, radius) = extent(scene, traj, &must_see, with_cloth, frames);
    let mut fov = 40.0f32;
    let mut comment = Vec::new();
    if has(CameraWord::Wide) {
        fov = 60.0;
        comment.push(format!(
            "\"{}\": 60° lens, everything small in frame",
            said(CameraWord::Wide)
        ));
    }
    if has(CameraWord::CloseUp) {
        fov = 30.0;
        comment.push(format!(
            "\"{}\": 30° lens, tight on the {}",
            said(CameraWord::CloseUp),
            subject.unwrap_or("scene")
        ));
    }
    // Direction from the subject to the camera.
    let mut dir = Vec3::new(0.25, 0.45, 1.0);
    if has(CameraWord::TopDown) {
        dir = Vec3::new(0.0, 1.0, 0.08);
        comment.push(format!(
            "\"{}\": from straight above",
            said(CameraWord::TopDown)
        ));
    } else if has(CameraWord::LowAngle) {
        dir = Vec3::new(0.2, 0.06, 1.0);
        comment.push(format!(
            "\"{}\": from near the floor, looking up",
            said(CameraWord::LowAngle)
        ));
    } else if has(CameraWord::HighAngle) {
        dir = Vec3::new(0.3, 1.2, 1.0);
        comment.push(format!(
            "\"{}\": from high up, looking down",
            said(CameraWord::HighAngle)
        ));
    } else if has(CameraWord::Side) {
        dir = Vec3::new(0.0, 0.15, 1.0);
        comment.push(format!("\"{}\": side on", said(CameraWord::Side)));
    }
    let dir = dir.normalize();
    let (w, h) = scene.resolution;
    let aspect = w as f32 / h.max(1) as f32;
    let fov_y = fov.to_radians();
    let fov_x = 2.0 * ((fov_y * 0.5).tan() * aspect).atan();
    let half = 0.5 * fov_y.min(fov_x);
    let dist = radius / half.sin() * 1.08 * widen;
    let dist = if has(CameraWord::CloseUp) && !has(CameraWord::Tracking) {
        let r = subj.map_or(0.1, |s| reach(scene, s));
        (dist).min((4.0 * r).max(0.25) / half.sin()).max(0.2)
    } else {
        dist
    };
    let look = |p: Vec3| TargetOut::Point(p);
    let lift = |p: Vec3| Vec3::new(p.x, p.y.max(0.05), p.z);
    let dur = scene.duration;
    let mut keys: Vec<(f32, Vec3, TargetOut)>;
    if has(CameraWord::Tracking)
        && let Some(s) = subj
    {
        // Keys every quarter second following the subject's simulated path.
        let r = reach(scene, s);
        let d = (8.0 * r).clamp(0.6, 3.0) * widen;
        keys = Vec::new();
        let n = (dur / 0.25).ceil().max(1.0) as usize;
        for k in 0..=n {
            let t = (k as f32 * 0.25).min(dur);
            let frame =
                ((t * traj.fps as f32).round() as usize).min(traj.frames.len().saturating_sub(1));
            let p = traj
                .frames
                .get(frame)
                .and_then(|f| position(scene, f, s))
                .unwrap_or(center);
            let p = p.clamp(Vec3::splat(-8.0), Vec3::splat(8.0));
            keys.push((t, lift(p + dir * d), follow(scene, s, p)));
            if t >= dur {
                break;
            }
        }
        comment.push(format!(
            "\"{}\": keys every 0.25 s following the {}'s simulated path",
            said(CameraWord::Tracking),
            scene.entities[s].name
        ));
    } else if has(CameraWord::Orbit) {
        let n = 8;
        let start = dir.z.atan2(dir.x);
        let flat = (dir.x * dir.x + dir.z * dir.z).sqrt();
        keys = (0..=n)
            .map(|k| {
                let t = dur * k as f32 / n as f32;
                let a = start + std::f32::consts::PI * k as f32 / n as f32;
                let d = Vec3::new(a.cos() * flat, dir.y, a.sin() * flat);
                (t, lift(center + d * dist), look(center))
            })
            .collect();
        comment.push(format!(
            "\"{}\": half a turn around the action, 8 keys",
            said(CameraWord::Orbit)
        ));
    } else if has(CameraWord::DollyIn) || has(CameraWord::DollyOut) {
        let target = match subj {
            Some(s) if has(CameraWord::CloseUp) && character_of(scene, s).is_none() => {
                TargetOut::Entity(scene.entities[s].name.clone())
            }
            _ => look(center),
        };
        let (a, b) = if has(CameraWord::DollyIn) {
            (1.25, 0.7)
        } else {
            (0.7, 1.25)
        };
        let word = if has(CameraWord::DollyIn) {
            said(CameraWord::DollyIn)
        } else {
            said(CameraWord::DollyOut)
        };
        keys = vec![
            (0.0, lift(center + dir * dist * a), target.clone()),
            (dur, lift(center + dir * dist * b), target),
        ];
        comment.push(format!(
            "\"{word}\": moves from {} m to {} m from the action over the clip",
            super::emit::num(dist * a),
            super::emit::num(dist * b)
        ));
    } else {
        let first = |s: usize| {
            traj.frames
                .first()
                .and_then(|f| position(scene, f, s))
                .unwrap_or(center)
        };
        let target = match (has(CameraWord::CloseUp), subj) {
            (true, Some(s)) => follow(scene, s, first(s)),
            _ => look(center),
        };
        let at = match subj {
            Some(s) if has(CameraWord::CloseUp) => lift(first(s) + dir * dist),
            _ => lift(center + dir * dist),
        };
        keys = vec![(0.0, at, target)];
        if comment.is_empty() {
            notes.push("camera: still, three-quarter view from the front, framing every object over the whole clip".into());
            comment.push(
                "default: a still three-quarter view holding every object for the whole clip"
                    .into(),
            );
        }
    }
    if has(CameraWord::Handheld) {
        // Seeded shake: up to 1.5 cm at six keys per second on top of the move.
        let mut rng = SeededRng::new(seed, "prompt/camera/handheld");
        let base = keys.clone();
        let at_time = |t: f32| -> (Vec3, TargetOut) {
            match base.iter().position(|k| k.0 > t) {
                Some(0) | None if base.len() == 1 => (base[0].1, base[0].2.clone()),
                Some(0) => (base[0].1, base[0].2.clone()),
                None => {
                    let l = &base[base.len() - 1];
                    (l.1, l.2.clone())
                }
                Some(j) => {
                    let (a, b) = (&base[j - 1], &base[j]);
                    let s = (t - a.0) / (b.0 - a.0);
                    (a.1.lerp(b.1, s), a.2.clone())
                }
            }
        };
        let n = (dur * 6.0).ceil().max(1.0) as usize;
        keys = (0..=n)
            .map(|k| {
                let t = (k as f32 / 6.0).min(dur);
                let (p, target) = at_time(t);
                let j = Vec3::new(
                    rng.symmetric(0.015),
                    rng.symmetric(0.015),
                    rng.symmetric(0.015),
                );
                (t, lift(p + j), target)
            })
            .collect();
        keys.dedup_by(|a, b| a.0 <= b.0);
        comment.push(format!(
            "\"{}\": seeded shake of up to 1.5 cm, six keys per second",
            said(CameraWord::Handheld)
        ));
    }
    Framing {
        camera: CamOut {
            fov_deg: fov,
            keys,
            comment: comment.join("; "),
        },
        must_see,
        notes,
    }
}

/// The fraction of (entity, frame) pairs of `must_see` over the first `frames` frames
/// whose centers project inside the image, and the first entity seen outside.
pub fn in_view(
    cams: &[CameraFrame],
    traj: &Trajectory,
    must_see: &[usize],
    scene: &Scene,
    frames: usize,
) -> (f32, Option<String>) {
    let mut total = 0usize;
    let mut inside = 0usize;
    let mut first_out = None;
    for (k, cam) in cams.iter().enumerate().take(frames) {
        let Some(f) = traj.frames.get(k) else {
            continue;
        };
        for &i in must_see {
            let Some(p) = position(scene, f, i) else {
                continue;
            };
            // Objects that fell out of the world (below the floor) are not the camera's fault.
            if p.y < -1.0 {
                continue;
            }
            total += 1;
            let (u, v, z) = cam.project(p);
            let ok = z > f64::from(cam.near)
                && (0.0..=f64::from(cam.width)).contains(&u)
                && (0.0..=f64::from(cam.height)).contains(&v);
            if ok {
                inside += 1;
            } else if first_out.is_none() {
                first_out = Some(scene.entities[i].name.clone());
            }
        }
    }
    if total == 0 {
        return (1.0, None);
    }
    (inside as f32 / total as f32, first_out)
}
