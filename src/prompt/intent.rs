//! The intent check: reads a simulated [`Trajectory`] and its collision events and says,
//! for each [`Expect`] of the plan, whether it happened.

use glam::Vec3;

use super::layout::{Check, Expect};
use crate::physics::Trajectory;
use crate::scene::Scene;

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    /// What should happen.
    pub what: String,
    /// The prompt's words.
    pub words: String,
    /// Whether it happened.
    pub passed: bool,
    /// What the simulation showed.
    pub detail: String,
    /// When it happened (first contact), s.
    pub time: Option<f32>,
}

fn indices(scene: &Scene, names: &[String]) -> Vec<usize> {
    names.iter().filter_map(|n| scene.entity_index(n)).collect()
}

/// Tilt of an entity's +Y axis between two rotations, degrees.
fn tilt_deg(q0: glam::Quat, q1: glam::Quat) -> f32 {
    let a = q0 * Vec3::Y;
    let b = q1 * Vec3::Y;
    a.dot(b).clamp(-1.0, 1.0).acos().to_degrees()
}

/// Evaluates every expectation on the simulated scene.
pub fn evaluate(expects: &[Expect], scene: &Scene, traj: &Trajectory) -> Vec<CheckResult> {
    expects.iter().map(|e| check(e, scene, traj)).collect()
}

fn check(e: &Expect, scene: &Scene, traj: &Trajectory) -> CheckResult {
    let (Some(first), Some(last)) = (traj.frames.first(), traj.frames.last()) else {
        return CheckResult {
            what: e.what.clone(),
            words: e.words.clone(),
            passed: false,
            detail: "the clip has no frames".into(),
            time: None,
        };
    };
    let mut time = None;
    let (passed, detail) = match &e.check {
        Check::Contact { a, b } => {
            let ia = indices(scene, a);
            let ib = if b.is_empty() {
                scene.entity_index("floor").into_iter().collect()
            } else {
                indices(scene, b)
            };
            let hit = traj.collisions.iter().find(|c| {
                (ia.contains(&c.a) && ib.contains(&c.b)) || (ia.contains(&c.b) && ib.contains(&c.a))
            });
            time = hit.map(|c| c.time as f32);
            match hit {
                Some(c) => (
                    true,
                    format!(
                        "{} touches {} at t = {:.2} s",
                        scene.entities[c.a].name, scene.entities[c.b].name, c.time
                    ),
                ),
                None => (
                    false,
                    "no contact between them in the collision events".into(),
                ),
            }
        }
        Check::Fallen { items, fraction } => {
            let idx = indices(scene, items);
            let fallen = idx
                .iter()
                .filter(|&&i| {
                    let h = scene.entities[i].shape.as_ref().map_or(0.1, |s| s.height());
                    let drop = first.poses[i].translation.y - last.poses[i].translation.y;
                    tilt_deg(first.poses[i].rotation, last.poses[i].rotation) > 40.0
                        || drop > 0.5 * h
                })
                .count();
            let need = (fraction * idx.len() as f32).ceil() as usize;
            (
                !idx.is_empty() && fallen >= need.max(1),
                format!("{fallen} of {} fell (needed {need})", idx.len()),
            )
        }
        Check::Moved { items, min } => {
            let idx = indices(scene, items);
            let mut worst = f32::INFINITY;
            for &i in &idx {
                let moved = if *min <= 0.0 {
                    // "tips": a rotation of more than 5 degrees counts.
                    traj.frames
                        .iter()
                        .map(|f| {
                            f.poses[i]
                                .rotation
                                .angle_between(first.poses[i].rotation)
                                .to_degrees()
                                / 5.0
                        })
                        .fold(0.0, f32::max)
                } else {
                    traj.frames
                        .iter()
                        .map(|f| {
                            let d = f.poses[i].translation - first.poses[i].translation;
                            (d.x * d.x + d.z * d.z).sqrt()
                        })
                        .fold(0.0, f32::max)
                };
                worst = worst.min(moved);
            }
            if *min <= 0.0 {
                (
                    !idx.is_empty() && worst >= 1.0,
                    format!("turned by {:.1}°", worst * 5.0),
                )
            } else {
                (
                    !idx.is_empty() && worst >= *min,
                    format!("moved {worst:.2} m (needed {min:.2} m)"),
                )
            }
        }
        Check::EndsBelow { items, y } => {
            let idx = indices(scene, items);
            let top = idx
                .iter()
                .map(|&i| last.poses[i].translation.y)
                .fold(f32::NEG_INFINITY, f32::max);
            (
                !idx.is_empty() && top < *y,
                format!("ends at y = {top:.2} m (needed below {y:.2} m)"),
            )
        }
        Check::Bounced { item, min } => {
            let Some(i) = scene.entity_index(item) else {
                return missing(e, item);
            };
            let mut bounces = 0;
            let mut falling = false;
            for f in &traj.frames {
                let vy = f.linvel[i].y;
                if vy < -0.05 {
                    falling = true;
                } else if vy > 0.05 && falling {
                    bounces += 1;
                    falling = false;
                }
            }
            (bounces >= *min, format!("{bounces} bounces"))
        }
        Check::Swung { item, pivot_x } => {
            let Some(i) = scene.entity_index(item) else {
                return missing(e, item);
            };
            let xs = traj.frames.iter().map(|f| f.poses[i].translation.x);
            let (lo, hi) = xs.fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), x| {
                (l.min(x), h.max(x))
            });
            (
                lo < *pivot_x && hi > *pivot_x,
                format!("swept x from {lo:.2} to {hi:.2} m"),
            )
        }
        Check::Spun { items } => {
            let idx = indices(scene, items);
            let w = traj
                .frames
                .iter()
                .flat_map(|f| idx.iter().map(move |&i| f.angvel[i].length()))
                .fold(0.0, f32::max);
            (w > 3.0, format!("top spin rate {w:.1} rad/s"))
        }
        Check::RestsOn {
            items,
            top,
            min,
            max,
        } => {
            let mut bad = None;
            for (name, half) in items {
                let Some(i) = scene.entity_index(name) else {
                    return missing(e, name);
                };
                let p = last.poses[i].translation;
                let bottom = p.y - half;
                let inside = p.x >= min.x - 0.01
                    && p.x <= max.x + 0.01
                    && p.z >= min.y - 0.01
                    && p.z <= max.y + 0.01;
                if (bottom - top).abs() > 0.03 || !inside {
                    bad = Some(format!(
                        "{name} ends at ({:.2}, {:.2}, {:.2})",
                        p.x, p.y, p.z
                    ));
                    break;
                }
            }
            match bad {
                None => (
                    true,
                    format!(
                        "{} object(s) rest on the surface at y = {top:.2} m",
                        items.len()
                    ),
                ),
                Some(d) => (false, d),
            }
        }
    };
    CheckResult {
        what: e.what.clone(),
        words: e.words.clone(),
        passed,
        detail,
        time,
    }
}

fn missing(e: &Expect, name: &str) -> CheckResult {
    CheckResult {
        what: e.what.clone(),
        words: e.words.clone(),
        passed: false,
        detail: format!("no entity \"{name}\" in the scene"),
        time: None,
    }
}
