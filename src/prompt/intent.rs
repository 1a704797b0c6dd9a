//! The intent check: reads a simulated [`Trajectory`] and its collision events and says,
//! for each [`Expect`] of the plan, whether it happened.

use glam::Vec3;

use super::layout::{Check, ClothTest, Edge, Expect, FluidTest, PersonTest, SAT};
use crate::character::Joint;
use crate::physics::Trajectory;
use crate::scene::{Cloth, Scene};

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
        Check::Cloth { name, test } => {
            let Some(ci) = scene.cloths.iter().position(|c| &c.name == name) else {
                return missing(e, name);
            };
            cloth(&scene.cloths[ci], ci, test, traj)
        }
        Check::Fluid { name, test } => {
            let Some(fi) = scene.fluids.iter().position(|f| &f.name == name) else {
                return missing(e, name);
            };
            fluid(scene, fi, test, traj)
        }
        Check::Person { name, test } => {
            let Some(ci) = scene.characters.iter().position(|c| &c.name == name) else {
                return missing(e, name);
            };
            let (passed, detail, when) = person(scene, ci, test, traj);
            time = when;
            (passed, detail)
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

/// The vertex indices of an edge.
fn edge_vertices(c: &Cloth, edge: Edge) -> Vec<usize> {
    let (nx, ny) = c.resolution;
    let idx: Vec<u32> = match edge {
        Edge::Top => (0..=nx).map(|i| c.index(i, 0)).collect(),
        Edge::Bottom => (0..=nx).map(|i| c.index(i, ny)).collect(),
        Edge::Right => (0..=ny).map(|j| c.index(nx, j)).collect(),
    };
    idx.into_iter().map(|k| k as usize).collect()
}

/// The mean of an edge's vertices.
fn edge_mean(c: &Cloth, x: &[Vec3], edge: Edge) -> Vec3 {
    let idx = edge_vertices(c, edge);
    let sum = idx
        .iter()
        .filter_map(|&k| x.get(k))
        .fold(Vec3::ZERO, |s, p| s + *p);
    sum / idx.len().max(1) as f32
}

fn mean(x: &[Vec3]) -> Vec3 {
    x.iter().fold(Vec3::ZERO, |s, p| s + *p) / x.len().max(1) as f32
}

/// A cloth check on sheet `ci`'s simulated vertices.
fn cloth(c: &Cloth, ci: usize, test: &ClothTest, traj: &Trajectory) -> (bool, String) {
    let frames: Vec<(f32, &[Vec3])> = traj
        .frames
        .iter()
        .filter_map(|f| f.cloth.get(ci).map(|x| (f.time as f32, x.as_slice())))
        .filter(|(_, x)| !x.is_empty())
        .collect();
    let (Some(&(_, first)), Some(&(_, last))) = (frames.first(), frames.last()) else {
        return (false, "the simulation kept no vertices of it".into());
    };
    let (nx, ny) = c.resolution;
    let at =
        |x: &[Vec3], i: u32, j: u32| x.get(c.index(i, j) as usize).copied().unwrap_or(Vec3::NAN);
    match *test {
        ClothTest::EdgeMoves { edge, from, min } => {
            let later: Vec<&[Vec3]> = frames
                .iter()
                .filter(|(t, _)| *t >= from - 1e-4)
                .map(|(_, x)| *x)
                .collect();
            let idx = edge_vertices(c, edge);
            let moved = match later.first() {
                Some(x0) => {
                    idx.iter()
                        .map(|&k| {
                            let p0 = x0.get(k).copied().unwrap_or(Vec3::ZERO);
                            later
                                .iter()
                                .filter_map(|x| x.get(k))
                                .map(|p| p.distance(p0))
                                .fold(0.0, f32::max)
                        })
                        .sum::<f32>()
                        / idx.len().max(1) as f32
                }
                None => 0.0,
            };
            (
                moved > min,
                format!(
                    "its {} edge's vertices moved {moved:.2} m on average after t = {from:.1} s (needed {min:.2} m)",
                    edge.word()
                ),
            )
        }
        ClothTest::Draped { top } => {
            let center = at(last, nx / 2, ny / 2);
            let corners = [(0, 0), (nx, 0), (0, ny), (nx, ny)].map(|(i, j)| at(last, i, j).y);
            let low = corners.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            (
                center.y > top - 0.01 && low < top - 0.02,
                format!(
                    "center ends at y = {:.3} m, corners at most {low:.2} m (top at {top:.2} m)",
                    center.y
                ),
            )
        }
        ClothTest::OffTop { top, min, max } => {
            let on = last
                .iter()
                .filter(|p| {
                    p.x >= min.x
                        && p.x <= max.x
                        && p.z >= min.y
                        && p.z <= max.y
                        && p.y > top - 0.02
                        && p.y < top + 0.05
                })
                .count();
            (
                (on as f32) < 0.1 * last.len() as f32,
                format!("{on} of {} vertices end on the top", last.len()),
            )
        }
        ClothTest::OnTop { top, min, max } => {
            let p = at(last, nx / 2, ny / 2);
            let inside = p.x >= min.x && p.x <= max.x && p.z >= min.y && p.z <= max.y;
            (
                inside && p.y > top - 0.005 && p.y < top + 0.03,
                format!(
                    "center ends at ({:.2}, {:.3}, {:.2}) (top at {top:.2} m)",
                    p.x, p.y, p.z
                ),
            )
        }
        ClothTest::Below { y } => {
            let high = last.iter().map(|p| p.y).fold(f32::NEG_INFINITY, f32::max);
            (
                high < y,
                format!("highest vertex ends at y = {high:.2} m (needed below {y:.2} m)"),
            )
        }
        ClothTest::Folded { fraction } => {
            let (lo, hi) = last.iter().fold(
                (Vec3::splat(f32::INFINITY), Vec3::splat(f32::NEG_INFINITY)),
                |(l, h), p| (l.min(*p), h.max(*p)),
            );
            let cover = (hi.x - lo.x) * (hi.z - lo.z);
            let area = c.size.x * c.size.y;
            (
                cover < fraction * area,
                format!(
                    "covers {cover:.2} m² of its {area:.2} m² (needed under {:.0} %)",
                    fraction * 100.0
                ),
            )
        }
        ClothTest::Moved { min } => {
            let d = mean(last).distance(mean(first));
            (d > min, format!("moved {d:.2} m (needed {min:.2} m)"))
        }
        ClothTest::Hangs { top, drop } => {
            let t = edge_mean(c, last, Edge::Top).y;
            let b = edge_mean(c, last, Edge::Bottom).y;
            (
                (t - top).abs() < 0.02 && b < top - drop,
                format!("top edge ends at y = {t:.2} m, bottom edge at {b:.2} m"),
            )
        }
    }
}

/// The `p`-quantile (0 to 1) of some numbers (`NaN` for none).
fn quantile(mut xs: Vec<f32>, p: f32) -> f32 {
    if xs.is_empty() {
        return f32::NAN;
    }
    xs.sort_by(f32::total_cmp);
    let k = ((xs.len() - 1) as f32 * p).round() as usize;
    xs[k.min(xs.len() - 1)]
}

/// A liquid check on fluid `fi`'s simulated particles.
fn fluid(scene: &Scene, fi: usize, test: &FluidTest, traj: &Trajectory) -> (bool, String) {
    let frames: Vec<&[Vec3]> = traj
        .frames
        .iter()
        .map(|f| f.fluid(fi).map_or(&[][..], |x| x.positions.as_slice()))
        .collect();
    let Some(&last) = frames.last() else {
        return (false, "the clip has no frames".into());
    };
    // Particles in a container's own frame (about its entity's origin) at frame `k`.
    let local = |vessel: &str, k: usize, x: &[Vec3]| -> Option<Vec<Vec3>> {
        let i = scene.entity_index(vessel)?;
        let pose = traj.frames.get(k)?.poses.get(i)?;
        let inv = pose.rotation.inverse();
        Some(x.iter().map(|p| inv * (*p - pose.translation)).collect())
    };
    let within = |p: &Vec3, lo: Vec3, hi: Vec3| {
        p.x >= lo.x && p.x <= hi.x && p.y >= lo.y && p.y <= hi.y && p.z >= lo.z && p.z <= hi.z
    };
    let n = last.len();
    let end = frames.len() - 1;
    match test {
        FluidTest::Inside {
            vessel,
            lo,
            hi,
            fraction,
        }
        | FluidTest::Outside {
            vessel,
            lo,
            hi,
            fraction,
        } => {
            let Some(x) = local(vessel, end, last) else {
                return (false, format!("no container \"{vessel}\" in the scene"));
            };
            let inside = x.iter().filter(|p| within(p, *lo, *hi)).count();
            let (count, word) = match test {
                FluidTest::Inside { .. } => (inside, "in"),
                _ => (n - inside, "out of"),
            };
            (
                n > 0 && count as f32 >= fraction * n as f32,
                format!(
                    "{count} of {n} particles end {word} the {vessel} (needed {:.0} %)",
                    fraction * 100.0
                ),
            )
        }
        FluidTest::Overflows {
            vessel,
            lo,
            hi,
            full,
            fraction,
        } => {
            let Some(x) = local(vessel, end, last) else {
                return (false, format!("no container \"{vessel}\" in the scene"));
            };
            let inside = x.iter().filter(|p| within(p, *lo, *hi)).count();
            let out = n - inside;
            (
                inside >= *full && out as f32 >= fraction * n as f32,
                format!(
                    "{inside} particles end in the {vessel} (a full one holds about {full}), {out} of {n} ran over (needed {:.0} %)",
                    fraction * 100.0
                ),
            )
        }
        FluidTest::Spreads { min } => {
            let first = frames
                .iter()
                .find(|x| !x.is_empty())
                .copied()
                .unwrap_or(&[]);
            let width = |x: &[Vec3]| {
                let xs: Vec<f32> = x.iter().map(|p| p.x).collect();
                let zs: Vec<f32> = x.iter().map(|p| p.z).collect();
                (quantile(xs.clone(), 0.95) - quantile(xs, 0.05))
                    .max(quantile(zs.clone(), 0.95) - quantile(zs, 0.05))
            };
            let (w0, w1) = (width(first), width(last));
            (
                n > 0 && w1 >= *min,
                format!("spread from {w0:.2} m to {w1:.2} m across (needed {min:.2} m)"),
            )
        }
        FluidTest::Sloshes {
            vessel,
            lo,
            hi,
            min,
        } => {
            let quarter = 0.25 * (hi.x - lo.x);
            let mut best = 0.0f32;
            let mut when = 0.0;
            for (k, x) in frames.iter().enumerate() {
                let Some(x) = local(vessel, k, x) else {
                    return (false, format!("no container \"{vessel}\" in the scene"));
                };
                let side = |left: bool| {
                    let ys: Vec<f32> = x
                        .iter()
                        .filter(|p| within(p, *lo, *hi))
                        .filter(|p| {
                            if left {
                                p.x < lo.x + quarter
                            } else {
                                p.x > hi.x - quarter
                            }
                        })
                        .map(|p| p.y)
                        .collect();
                    quantile(ys, 0.9)
                };
                let d = (side(true) - side(false)).abs();
                if d.is_finite() && d > best {
                    best = d;
                    when = traj.frames[k].time;
                }
            }
            (
                best >= *min,
                format!(
                    "its surface tilts {best:.3} m from one wall to the other at t = {when:.2} s (needed {min:.3} m)"
                ),
            )
        }
        FluidTest::Floats { item, half, floor } => {
            let Some(i) = scene.entity_index(item) else {
                return (false, format!("no entity \"{item}\" in the scene"));
            };
            let Some(f) = traj.frames.last() else {
                return (false, "the clip has no frames".into());
            };
            let c = f.poses[i].translation;
            // The surface: the highest particles away from the floater, plus a radius.
            let r = traj.frames[end].fluid(fi).map_or(0.0, |x| x.radius);
            let reach = 1.5 * half.max(0.05);
            let ys: Vec<f32> = last
                .iter()
                .filter(|p| (p.x - c.x).abs() > reach || (p.z - c.z).abs() > reach)
                .map(|p| p.y)
                .collect();
            let ys = if ys.is_empty() {
                last.iter().map(|p| p.y).collect()
            } else {
                ys
            };
            let surface = quantile(ys, 0.9) + r;
            let (bottom, top) = (c.y - half, c.y + half);
            (
                bottom > floor + 0.01 && top > surface - 0.01,
                format!(
                    "it ends from y = {bottom:.3} to {top:.3} m, the surface at {surface:.3} m, the floor at {floor:.3} m"
                ),
            )
        }
        FluidTest::Falls { y, count, fraction } => {
            let below = last.iter().filter(|p| p.y < *y).count();
            (
                n >= *count && below as f32 >= fraction * n as f32,
                format!(
                    "{below} of {n} particles end below y = {y:.2} m (needed {count} or more, {:.0} % below)",
                    fraction * 100.0
                ),
            )
        }
    }
}

/// A character check on character `ci`'s simulated skeleton and contacts: whether it
/// passed, what was seen, and when the contact it asks for happened.
fn person(
    scene: &Scene,
    ci: usize,
    test: &PersonTest,
    traj: &Trajectory,
) -> (bool, String, Option<f32>) {
    let c = &scene.characters[ci];
    let joint = |k: usize, j: Joint| {
        traj.frames
            .get(k)
            .and_then(|f| f.character_joints(ci).get(j.index()))
            .map(|p| p.translation)
    };
    let n = traj.frames.len();
    let flat = |p: Vec3| glam::Vec2::new(p.x, p.z);
    match test {
        PersonTest::Walks {
            min,
            speed,
            near,
            reach,
        } => {
            let (Some(p0), Some(p1)) = (joint(0, Joint::Pelvis), joint(n - 1, Joint::Pelvis))
            else {
                return (false, "the simulation kept no skeleton of it".into(), None);
            };
            let moved = flat(p1).distance(flat(p0));
            // The top speed over half a second.
            let window = ((0.5 * traj.fps as f32).round() as usize).max(1);
            let top = (0..n.saturating_sub(window))
                .filter_map(|k| {
                    let a = joint(k, Joint::Pelvis)?;
                    let b = joint(k + window, Joint::Pelvis)?;
                    let dt = (traj.frames[k + window].time - traj.frames[k].time) as f32;
                    Some(flat(b).distance(flat(a)) / dt.max(1e-3))
                })
                .fold(0.0, f32::max);
            let mut ok = moved >= *min && top >= *speed;
            let mut detail = format!(
                "its pelvis moved {moved:.2} m (needed {min:.2} m) at up to {top:.2} m/s (needed {speed:.1} m/s)"
            );
            if let Some((lo, hi)) = near {
                let to = |p: glam::Vec2| p.distance(p.clamp(*lo, *hi));
                let (d0, d1) = (to(flat(p0)), to(flat(p1)));
                ok &= d1 <= *reach && d1 < d0;
                detail.push_str(&format!(
                    ", from {d0:.2} m to {d1:.2} m of it (needed within {reach:.2} m)"
                ));
            }
            (ok, detail, None)
        }
        PersonTest::Pushes {
            target,
            from,
            until,
        } => {
            let Some(t) = scene.entity_index(target) else {
                return (false, format!("no entity \"{target}\" in the scene"), None);
            };
            let touches: Vec<f32> = touches(traj, c.entity, t).collect();
            match touches
                .iter()
                .find(|&&x| x >= *from - 1e-3 && x <= *until + 1e-3)
            {
                Some(&x) => (
                    true,
                    format!(
                        "{} touches {target} at t = {x:.2} s (the push runs {from:.2} to {until:.2} s)",
                        c.name
                    ),
                    Some(x),
                ),
                None => (
                    false,
                    match touches.first() {
                        Some(x) => format!(
                            "{} touches {target} only at t = {x:.2} s, outside the push ({from:.2} to {until:.2} s)",
                            c.name
                        ),
                        None => format!("no contact between {} and {target}", c.name),
                    },
                    None,
                ),
            }
        }
        PersonTest::Waves { from, until } => {
            let mut best = f32::NEG_INFINITY;
            for (k, f) in traj.frames.iter().enumerate() {
                let t = f.time as f32;
                if t < *from || t > *until {
                    continue;
                }
                if let (Some(w), Some(s)) =
                    (joint(k, Joint::RightWrist), joint(k, Joint::RightShoulder))
                {
                    best = best.max(w.y - s.y);
                }
            }
            (
                best > 0.1,
                format!(
                    "its right wrist rises to {best:.2} m above its shoulder between {from:.1} and {until:.1} s (needed 0.10 m)"
                ),
                None,
            )
        }
        PersonTest::Jumps { from, until, min } => {
            let feet = |k: usize| {
                let l = joint(k, Joint::LeftAnkle)?;
                let r = joint(k, Joint::RightAnkle)?;
                Some(l.y.min(r.y))
            };
            let within = |f: &crate::physics::FrameState| {
                let t = f.time as f32;
                t >= *from && t <= *until
            };
            let Some(k0) = traj.frames.iter().position(within) else {
                return (
                    false,
                    format!("no frame between {from:.2} and {until:.2} s"),
                    None,
                );
            };
            let Some(rest) = feet(k0) else {
                return (false, "the simulation kept no skeleton of it".into(), None);
            };
            let mut best = (f32::NEG_INFINITY, *from);
            for (k, f) in traj.frames.iter().enumerate().skip(k0) {
                if !within(f) {
                    break;
                }
                if let Some(y) = feet(k)
                    && y - rest > best.0
                {
                    best = (y - rest, f.time as f32);
                }
            }
            (
                best.0 >= *min,
                format!(
                    "its feet rise {:.2} m off the ground at t = {:.2} s (the jump runs {from:.2} to {until:.2} s; needed {min:.2} m)",
                    best.0, best.1
                ),
                None,
            )
        }
        PersonTest::Kicks {
            target,
            from,
            until,
            min,
        } => {
            let Some(t) = scene.entity_index(target) else {
                return (false, format!("no entity \"{target}\" in the scene"), None);
            };
            let touch =
                touches(traj, c.entity, t).find(|&x| x >= *from - 1e-3 && x <= *until + 1e-3);
            let p0 = first_pose(traj, t);
            let moved = traj
                .frames
                .iter()
                .filter_map(|f| f.poses.get(t))
                .map(|p| flat(p.translation).distance(flat(p0)))
                .fold(0.0, f32::max);
            let detail = format!(
                "{}; it goes {moved:.2} m from where it lay (needed {min:.2} m)",
                match touch {
                    Some(x) => format!(
                        "{} touches {target} at t = {x:.2} s (the kick runs {from:.2} to {until:.2} s)",
                        c.name
                    ),
                    None => format!(
                        "no contact between {} and {target} while the kick runs ({from:.2} to {until:.2} s)",
                        c.name
                    ),
                }
            );
            (touch.is_some() && moved >= *min, detail, touch)
        }
        PersonTest::PicksUp { target } => {
            let Some(t) = scene.entity_index(target) else {
                return (false, format!("no entity \"{target}\" in the scene"), None);
            };
            let held: Vec<f32> = held_frames(traj, ci, t)
                .map(|k| traj.frames[k].time as f32)
                .collect();
            match (held.first(), held.last()) {
                (Some(a), Some(b)) => (
                    true,
                    format!(
                        "its right hand holds {target} from t = {a:.2} s to {b:.2} s ({} frames)",
                        held.len()
                    ),
                    None,
                ),
                _ => (false, format!("its hand never holds {target}"), None),
            }
        }
        PersonTest::Throws { target, min } => {
            let Some(t) = scene.entity_index(target) else {
                return (false, format!("no entity \"{target}\" in the scene"), None);
            };
            let Some(last_held) = held_frames(traj, ci, t).last() else {
                return (false, format!("its hand never holds {target}"), None);
            };
            let Some(left) = traj.frames.get(last_held + 1) else {
                return (
                    false,
                    format!("its hand still holds {target} at the end"),
                    None,
                );
            };
            let release = left.poses[t].translation;
            let mut far = 0.0f32;
            let mut reached = None;
            for f in &traj.frames[last_held + 1..] {
                let d = flat(f.poses[t].translation).distance(flat(release));
                far = far.max(d);
                if reached.is_none() && d >= *min {
                    reached = Some(f.time as f32);
                }
            }
            (
                far >= *min,
                format!(
                    "its hand lets go of {target} at t = {:.2} s, {:.2} m up; it travels {far:.2} m from there (needed {min:.2} m)",
                    left.time, release.y
                ),
                reached,
            )
        }
        PersonTest::Sits { top, min, max } => {
            let Some(p) = joint(n - 1, Joint::Pelvis) else {
                return (false, "the simulation kept no skeleton of it".into(), None);
            };
            let radius = c.skeleton.capsules()[Joint::LeftHip.index()].radius;
            let above = p.y - (top + radius);
            // Printed without a sign for what rounds to nothing.
            let shown = if above.abs() < 5e-4 { 0.0 } else { above };
            let at = flat(p);
            let over = at.clamp(*min, *max) == at;
            (
                over && (-0.01..=SAT).contains(&above),
                format!(
                    "its pelvis ends {shown:.3} m above the seat's top plus a thigh's radius ({top:.2} + {radius:.3} m; needed 0 to {SAT:.2} m), at ({:.2}, {:.2}), {} the top",
                    p.x,
                    p.z,
                    if over { "over" } else { "not over" }
                ),
                None,
            )
        }
        PersonTest::Falls { height } => {
            let fell = traj
                .frames
                .last()
                .and_then(|f| f.characters.get(ci))
                .and_then(|c| c.fall.clone());
            let head = joint(n - 1, Joint::Head).map_or(f32::NAN, |p| p.y);
            let low = head < 0.5 * height;
            match fell {
                Some(f) => (
                    low,
                    format!(
                        "fell ({}) at t = {:.2} s; its head ends at y = {head:.2} m (needed below {:.2} m)",
                        f.cause,
                        f.time,
                        0.5 * height
                    ),
                    None,
                ),
                None => (
                    false,
                    format!("it never fell; its head ends at y = {head:.2} m"),
                    None,
                ),
            }
        }
    }
}

/// When contacts between entities `a` and `b` started, s.
fn touches(traj: &Trajectory, a: usize, b: usize) -> impl Iterator<Item = f32> + '_ {
    let pair = (a.min(b), a.max(b));
    traj.collisions
        .iter()
        .filter(move |k| (k.a, k.b) == pair)
        .map(|k| k.time as f32)
}

/// The frames at which character `ci`'s hand holds entity `e`.
fn held_frames(traj: &Trajectory, ci: usize, e: usize) -> impl Iterator<Item = usize> + '_ {
    traj.frames.iter().enumerate().filter_map(move |(k, f)| {
        (f.characters.get(ci).and_then(|c| c.holding) == Some(e)).then_some(k)
    })
}

/// Entity `e`'s position at the first frame.
fn first_pose(traj: &Trajectory, e: usize) -> Vec3 {
    traj.frames
        .first()
        .and_then(|f| f.poses.get(e))
        .map_or(Vec3::ZERO, |p| p.translation)
}
