//! People in the layout: each person group becomes characters (`characters:`, see
//! `docs/characters.md`) with a walk, timed actions and the checks read from their
//! simulated skeletons (`docs/prompts.md`, "People", for the words).
//!
//! A person is placed like a group, through a proxy box its size (so what it stands by
//! keeps clear of it, and a ball can roll into it); it is written as a character, not an
//! entity. Its verbs, in the order said, make one timeline: a walk (or a run) from its
//! start to where it stops, then each action after the one before (a push lasts
//! [`Move::Push`]'s 1.25 s, a wave 2 s, a fall is given 2 s to land).
//!
//! Geometry of a push: the hand reaches for the target's center from the right
//! shoulder, so the character stops with that shoulder lined up behind it. Something on a
//! table or a shelf is pushed off its front edge toward the camera (+z): the character
//! walks up to the back of the table from 2 m behind it (facing +z), stops 22 cm short of
//! its edge, and the target stands 20 cm from the front edge ("off": it slides about
//! that far after the shove) or 45 cm from it; across a 0.7 m table the shoulder is about
//! 0.7 m from the target, within reach as the body bends over the top. Something on the
//! floor is pushed along +x from 40 cm behind it. The push starts 0.3 s after the walk
//! ends (the walk's planned duration, [`Gait::duration`]).

use glam::{Quat, Vec2, Vec3};

use super::{Check, Expect, Layout, Spec};
use crate::character::perform::jump_duration;
use crate::character::{BodyParams, Gait, GaitParams, Joint, Move, Performance, Skeleton};
use crate::prompt::draft::{ActOut, BodyOut, CharOut, ShapeOut};
use crate::prompt::emit::num;
use crate::prompt::lexicon::{Garment, Noun, PERSON_CAN, PhysMod, Prep, Verb};
use crate::prompt::parse::{Group, Relation, Understanding};

/// What a character's skeleton must show (read by the intent check).
#[derive(Debug, Clone, PartialEq)]
pub enum PersonTest {
    /// Its pelvis moves at least `min` m over the ground from the first frame to the
    /// last, at a top speed (over half a second) of at least `speed` m/s; with `near`
    /// (a rectangle in x, z), it ends within `reach` m of it and nearer than it started.
    Walks {
        /// m.
        min: f32,
        /// m/s.
        speed: f32,
        /// The footprint it walks to.
        near: Option<(Vec2, Vec2)>,
        /// m.
        reach: f32,
    },
    /// A contact between it and `target` is recorded between `from` and `until` s.
    Pushes {
        /// The entity pushed.
        target: String,
        /// s.
        from: f32,
        /// s.
        until: f32,
    },
    /// Between `from` and `until` s its right wrist rises 10 cm above its right
    /// shoulder.
    Waves {
        /// s.
        from: f32,
        /// s.
        until: f32,
    },
    /// It has fallen (become a ragdoll) by the end, and its head ends below half its
    /// standing `height`.
    Falls {
        /// m.
        height: f32,
    },
    /// Between `from` and `until` s both its ankles rise at least `min` m above where
    /// they were at `from` (its feet leave the ground).
    Jumps {
        /// s.
        from: f32,
        /// s.
        until: f32,
        /// m.
        min: f32,
    },
    /// A contact between it and `target` is recorded between `from` and `until` s, and
    /// the target goes at least `min` m (horizontally) from where it lay.
    Kicks {
        /// The entity kicked.
        target: String,
        /// s.
        from: f32,
        /// s.
        until: f32,
        /// m.
        min: f32,
    },
    /// Its hand holds `target` at some frame.
    PicksUp {
        /// The entity picked up.
        target: String,
    },
    /// Its hand holds `target`, then lets go of it, and it travels at least `min` m
    /// (horizontally) from where it left the hand.
    Throws {
        /// The entity thrown.
        target: String,
        /// m.
        min: f32,
    },
    /// Its pelvis ends over the seat's top (`min`–`max` in x, z) and 0 to [`SAT`] m
    /// above `top` plus a thigh's radius (the hips rest on the thighs on the top).
    Sits {
        /// The seat's top, m.
        top: f32,
        /// The top's rectangle in x, z.
        min: Vec2,
        /// The top's rectangle in x, z.
        max: Vec2,
    },
}

/// How far above its seat's top plus a thigh's radius a seated pelvis may end, m.
pub const SAT: f32 = 0.1;

/// The most characters a group of people makes ("a crowd" is not a thing yet).
pub(super) const MAX_PEOPLE: u32 = 4;
/// Walked and run distances with nowhere named to go, m.
const WALK: f32 = 3.0;
const RUN: f32 = 5.0;
/// How far behind its stance a character sets off toward something it pushes, m.
const APPROACH_WALK: f32 = 2.0;
/// Gap between the character's feet point and the table's back edge, m.
const TABLE_GAP: f32 = 0.22;
/// From the pushed target's center to the front edge: pushed off, and pushed, m.
const OFF_EDGE: f32 = 0.2;
const ON_EDGE: f32 = 0.45;
/// The farthest a shoulder reaches for a target at table height, m (horizontally).
const REACH: f32 = 0.85;
/// Seconds between the end of one move and the next.
const PAUSE: f32 = 0.3;
/// Seconds a fall is given to land.
const FALL_TIME: f32 = 2.0;
/// Side step between copies of a group of people, m.
const SPACING: f32 = 0.8;
/// Where a kicked ball lies from the feet, fractions of the height: to the right (the
/// right hip's side) and ahead (the kick's reach: 0.42 m for a 1.75 m body).
const KICK_SIDE: f32 = 0.05;
const KICK_AHEAD: f32 = 0.24;
/// Where something picked up lies from the feet, fractions of the height: to the right
/// and ahead (0.12 and 0.42 m for a 1.75 m body; within the 0.45 × height the hand
/// reaches).
const PICK_SIDE: f32 = 0.069;
const PICK_AHEAD: f32 = 0.24;
/// Something picked up whose top is above [`SHIN_CLEAR`] × the height would meet the
/// shins as the knees come forward in the crouch: its near side lies [`PICK_CLEAR`] ×
/// the height ahead of the feet.
const SHIN_CLEAR: f32 = 0.1;
const PICK_CLEAR: f32 = 0.3;
/// The most a character picks up: across, a fraction of its height, and heavy, kg.
const LIFT_SIZE: f32 = 0.21;
const LIFT_MASS: f32 = 20.0;
/// The height of a bench's or a chair's top, m (see `layout::typical`).
const SEAT_HEIGHT: f32 = 0.45;
/// How far from straight along +x a character walks in to sit down, toward the seat,
/// degrees (it passes in front of the seat, not through it).
const SIT_APPROACH: f32 = 20.0;
/// How far past a kicked object's far side the goal it is kicked at stands, m: past
/// where a kicked ball comes down (1.5 to 4.5 m on, rolling on from there), or, for a
/// goal taller than [`KICK_TALL`] m, which it meets in the air, nearer.
const KICK_GOAL: f32 = 5.0;
const KICK_GOAL_TALL: f32 = 2.0;
const KICK_TALL: f32 = 0.6;
/// Where a thrown object leaves the hand, fractions of the height: ahead of the feet, to
/// the right, up; and its speed, height/s (the right arm's reach along the drive).
const THROW_AHEAD: f32 = 0.14;
const THROW_SIDE: f32 = 0.18;
const THROW_UP: f32 = 1.09;
const THROW_SPEED: f32 = 3.33;
/// The least gravity a jump needs (the scene format's), m/s².
const MIN_JUMP_GRAVITY: f32 = 0.5;
/// What the checks ask of a jump (the feet up, m), a kick (the object away, m) and a
/// throw (the object away from where it left the hand, m).
const JUMPED: f32 = 0.15;
const KICKED: f32 = 0.5;
const THROWN: f32 = 1.0;

/// One verb said of a person, in the order said.
#[derive(Debug, Clone)]
pub(super) struct Deed {
    verb: Verb,
    target: Option<usize>,
    path: Option<(Prep, usize)>,
    words: String,
}

/// Whether group `i` is a person.
fn is_person(u: &Understanding, i: usize) -> bool {
    u.groups.get(i).is_some_and(|g| g.noun.is_person())
}

/// What a person pushes off something stands on it: a target with no place of its own,
/// pushed "off the table", or pushed "off" by someone who walks to a table or a shelf,
/// stands on that. A person who sits down with no seat named sits on the seat it walks
/// to, else on the first one named, else on a bench added for it. `None` when no person
/// does either; otherwise the understanding with those relations, seats and benches and
/// a note for each.
pub(super) fn imply(u: &Understanding) -> Option<(Understanding, Vec<String>)> {
    let raised = |u: &Understanding, s: usize| {
        u.groups
            .get(s)
            .is_some_and(|g| matches!(g.noun, Noun::Table | Noun::Shelf))
    };
    let mut v = u.clone();
    let mut notes = Vec::new();
    for e in &u.events {
        if !is_person(u, e.actor) || !is_push(e.verb) {
            continue;
        }
        let Some(t) = e.target.filter(|&t| t < u.groups.len() && !is_person(u, t)) else {
            continue;
        };
        if v.groups[t].relation.is_some() {
            continue;
        }
        let said = e
            .path
            .filter(|(p, _)| matches!(p, Prep::Off | Prep::From))
            .map(|(_, s)| s)
            .filter(|&s| raised(u, s));
        let off = matches!(e.path, Some((Prep::Off | Prep::From, _)));
        let walked_to = u
            .events
            .iter()
            .filter(|w| w.actor == e.actor && matches!(w.verb, Verb::Walk | Verb::Run))
            .find_map(|w| w.target.or(w.path.map(|(_, g)| g)))
            .filter(|&s| raised(u, s));
        let any = (0..u.groups.len()).find(|&s| raised(u, s));
        let Some(s) = said.or(walked_to).or(any.filter(|_| off)) else {
            continue;
        };
        notes.push(format!(
            "\"{}\": on the {} (where the {} pushes it)",
            v.groups[t].words,
            v.groups[s].noun.name(),
            v.groups[e.actor].noun.name()
        ));
        v.groups[t].relation = Some(Relation {
            prep: Prep::On,
            to: s,
            and: None,
            words: e.words.clone(),
        });
    }
    // Who sits with no seat named sits on the seat it walks to, else on the first seat
    // named, else on a bench of its own ("sits on the floor" is left to be refused).
    let seat = |v: &Understanding, s: usize| v.groups.get(s).is_some_and(|g| g.noun.is_seat());
    for k in 0..v.events.len() {
        let e = &v.events[k];
        if !is_person(&v, e.actor) || e.verb != Verb::Sit || e.target.is_some() || e.path.is_some()
        {
            continue;
        }
        let (actor, words) = (e.actor, e.words.clone());
        let walked_to = v
            .events
            .iter()
            .filter(|w| w.actor == actor && matches!(w.verb, Verb::Walk | Verb::Run))
            .find_map(|w| w.target.or(w.path.map(|(_, g)| g)))
            .filter(|&s| seat(&v, s));
        let any = (0..v.groups.len()).find(|&s| seat(&v, s));
        let s = match walked_to.or(any) {
            Some(s) => {
                notes.push(format!(
                    "\"{words}\": on the {} ({})",
                    v.groups[s].noun.name(),
                    if walked_to.is_some() {
                        "where it walks to"
                    } else {
                        "the seat named"
                    }
                ));
                s
            }
            None => {
                notes.push(format!(
                    "\"{words}\": on a bench (none named), 1.2 × 0.4 m, 45 cm high"
                ));
                v.groups.push(Group::implied(
                    Noun::Bench,
                    format!("the bench the {} sits on", v.groups[actor].noun.name()),
                ));
                v.groups.len() - 1
            }
        };
        v.events[k].target = Some(s);
    }
    // A bench or a chair of no size said that is too high for who sits on it (a child's
    // legs reach a top 0.41 m high at most) is made to its size: its top half the leg's
    // length up.
    for k in 0..v.events.len() {
        let e = &v.events[k];
        let Some(s) = e.target.filter(|&s| seat(&v, s)) else {
            continue;
        };
        if !is_person(&v, e.actor) || e.verb != Verb::Sit || v.groups[s].scale != 1.0 {
            continue;
        }
        let (height, build) = body(&v.groups[e.actor]);
        let Ok(skeleton) = Skeleton::new(BodyParams { height, build }) else {
            continue;
        };
        let leg = skeleton.thigh_length() + skeleton.shank_length();
        if SEAT_HEIGHT <= 0.7 * leg {
            continue;
        }
        let scale = 0.5 * leg / SEAT_HEIGHT;
        notes.push(format!(
            "\"{}\": sized for the {} who sits on it, {} m high (× {})",
            v.groups[s].words,
            v.groups[e.actor].noun.name(),
            num((SEAT_HEIGHT * scale * 100.0).round() / 100.0),
            num((scale * 100.0).round() / 100.0)
        ));
        v.groups[s].scale = (scale * 100.0).round() / 100.0;
    }
    (!notes.is_empty()).then_some((v, notes))
}

/// A person group's proxy spec: a box its size, one per group (copies are laid out by
/// the people phase).
pub(super) fn spec(g: &Group, base: String, defaults: &mut Vec<String>) -> Spec {
    let (height, build) = body(g);
    let mut note = format!(
        "\"{}\": a character {} m tall, build {}",
        g.words,
        num(height),
        num(build)
    );
    if g.outfit.is_empty() {
        note.push_str(", the default clothes");
    }
    if g.count > MAX_PEOPLE {
        note.push_str(&format!(" ({MAX_PEOPLE} of the {} asked for)", g.count));
    }
    defaults.push(note);
    Spec {
        base,
        noun: g.noun,
        shape: ShapeOut::Box(Vec3::new(0.45 * build, height, 0.3 * build)),
        rot: Vec3::ZERO,
        mass: Some(70.0 * (height / 1.75).powi(3) * build * build),
        material: String::new(),
        count: 1,
        arrangement: None,
        words: g.words.clone(),
    }
}

/// A person's height and build: the noun's height scaled by a size word (0.8 to 2.1 m),
/// a heavy one built 1.2, a light one 0.85.
fn body(g: &Group) -> (f32, f32) {
    let height = (g.noun.height().unwrap_or(1.72) * g.scale).clamp(0.8, 2.1);
    let build = if g.mods.contains(&PhysMod::Heavy) {
        1.2
    } else if g.mods.contains(&PhysMod::Light) {
        0.85
    } else {
        1.0
    };
    (height, build)
}

/// The names of a group's characters: its base, or `base`, `base_2`, … for several.
pub(super) fn names(base: &str, count: u32) -> Vec<String> {
    let n = count.clamp(1, MAX_PEOPLE);
    (0..n)
        .map(|k| {
            if k == 0 {
                base.to_string()
            } else {
                format!("{base}_{}", k + 1)
            }
        })
        .collect()
}

/// The heading (radians about +y, 0 faces +z) of a horizontal direction.
fn heading(f: Vec3) -> f32 {
    f.x.atan2(f.z)
}

/// Where the right shoulder is over the ground, from the point between the feet, for a
/// body standing at rest facing `facing` (radians).
fn right_shoulder(skeleton: &Skeleton, facing: f32) -> Vec3 {
    let rest = skeleton.world_positions(&skeleton.rest_pose());
    let s = rest[Joint::RightShoulder.index()];
    Quat::from_rotation_y(facing) * Vec3::new(s.x, 0.0, s.z)
}

/// Where a character goes and faces for what it does with an object.
struct Stance {
    /// The ground point between the feet, m.
    at: Vec3,
    /// The way it faces standing there.
    facing: Vec3,
    /// The way it walks in, when it walks there.
    approach: Vec3,
    /// The surface the target is pushed off (its group), if raised.
    support: Option<usize>,
}

/// What a character does with an object: the deed, the object, where it stands.
struct Anchor {
    /// The deed (its index).
    deed: usize,
    /// The object's group (the seat's, for a sit).
    target: usize,
    /// Where it stands.
    stance: Stance,
    /// A push off a support.
    off: bool,
}

impl Layout<'_> {
    /// Whether group `i` is a person (written in `characters:`, never an entity).
    pub(super) fn is_person_group(&self, i: usize) -> bool {
        self.specs[i].noun.is_person()
    }

    /// Records a verb said of person `a`: laid out in the people phase.
    pub(super) fn deed(
        &mut self,
        a: usize,
        verb: Verb,
        target: Option<usize>,
        path: Option<(Prep, usize)>,
        words: &str,
    ) {
        let names = names(&self.specs[a].base, self.group(a).count);
        if self.subject.is_none() {
            self.subject = names.first().cloned();
        }
        self.deeds[a].push(Deed {
            verb,
            target: target.filter(|&t| t != a && t < self.specs.len()),
            path: path.filter(|&(_, g)| g < self.specs.len()),
            words: words.to_string(),
        });
    }

    /// Why group `t` cannot be pushed, kicked, picked up or thrown (`verb`) by a body
    /// `height` m tall (`None`: it can): only a loose solid on a dynamic body can; what is
    /// kicked, picked up or thrown lies on the floor, and what is picked up or thrown is at
    /// most [`LIFT_SIZE`] × the height across (the hand reaches 0.45 × the height from
    /// the feet, and the object lies clear of the shins) and [`LIFT_MASS`] heavy.
    fn unmovable(&self, t: usize, verb: Verb, height: f32) -> Option<String> {
        let noun = self.specs[t].noun;
        let (base, done) = match verb {
            Verb::Kick => ("kick", "kicked"),
            Verb::PickUp => ("pick up", "picked up"),
            Verb::Toss => ("throw", "thrown"),
            _ => ("push", "pushed"),
        };
        if noun.is_person() {
            return Some(format!("a character cannot {base} another one yet"));
        } else if noun.is_cloth() || noun.is_liquid() {
            return Some(format!("only a solid object can be {done}"));
        } else if noun.is_structure() || matches!(noun, Noun::Cradle | Noun::Pendulum) {
            return Some("it is fixed in place".into());
        } else if self.hollow && noun.is_container() {
            return Some(format!("a container of liquid cannot be {done} yet"));
        } else if !matches!(self.bodies[t], BodyOut::Dynamic { .. }) {
            return Some("it does not move".into());
        }
        if is_push(verb) {
            return None;
        }
        let (tmin, tmax) = self.bounds_of(t);
        if tmin.y > 0.05 {
            return Some(format!(
                "it is {} m up; a character {} only what lies on the floor, for now",
                num(tmin.y),
                verb.word()
            ));
        }
        if verb == Verb::Kick {
            return None;
        }
        let across = (tmax - tmin).max_element();
        let mass = self.mass_of(t);
        if across > LIFT_SIZE * height {
            Some(format!(
                "it is {} m across; a {} m body picks up what is at most {} m across",
                num(across),
                num(height),
                num((LIFT_SIZE * height * 100.0).floor() / 100.0)
            ))
        } else if mass > LIFT_MASS {
            Some(format!(
                "it weighs {} kg; a character picks up at most {LIFT_MASS} kg",
                num(mass.round())
            ))
        } else {
            None
        }
    }

    /// The box of seat `s`'s top part (its first item, a box at rest), world m; `None`
    /// for what has no such box.
    fn seat_box(&self, s: usize) -> Option<(Vec3, Vec3)> {
        let spec = &self.specs[s];
        if !matches!(spec.shape, ShapeOut::Box(_))
            || spec.rot != Vec3::ZERO
            || matches!(spec.noun, Noun::Stairs | Noun::Ramp | Noun::Seesaw)
        {
            return None;
        }
        let item = self.placed[s].as_ref()?.items.first()?;
        Some((item.center - item.half, item.center + item.half))
    }

    /// Why a character of this skeleton cannot sit on group `s` (`None`: it can): a seat
    /// is a fixed box (a bench, a chair) whose top is 0.2 to 0.7 of the leg's length up.
    fn unseatable(&self, skeleton: &Skeleton, s: usize) -> Option<String> {
        let noun = self.specs[s].noun;
        if noun.is_person() {
            return Some("a character cannot sit on another one".into());
        }
        if !matches!(self.bodies[s], BodyOut::Fixed) || noun.is_cloth() || noun.is_liquid() {
            return Some(
                "it would give way; a character sits on something fixed, a bench or a chair".into(),
            );
        }
        let Some((_, max)) = self.seat_box(s) else {
            return Some("a character sits on a flat top, a bench or a chair".into());
        };
        let leg = skeleton.thigh_length() + skeleton.shank_length();
        let (low, high) = (0.2 * leg, 0.7 * leg);
        if !(low..=high).contains(&max.y) {
            return Some(format!(
                "its top is {} m up; a {} m body sits on a top {} to {} m high",
                num(max.y),
                num(skeleton.height()),
                num((low * 100.0).round() / 100.0),
                num((high * 100.0).round() / 100.0)
            ));
        }
        None
    }

    /// Where a character of this skeleton stands, facing +x, to kick (`kick`) or pick up
    /// group `t`, which lies on the floor: the object ahead of its right foot, or of its
    /// right hand, as far ahead as the move reaches ([`KICK_AHEAD`], [`PICK_AHEAD`]), and
    /// farther by as much as the object is bigger than a ball.
    fn floor_stance(&self, skeleton: &Skeleton, t: usize, kick: bool) -> Stance {
        let (tmin, tmax) = self.bounds_of(t);
        let center = (tmin + tmax) * 0.5;
        let half = (tmax - tmin) * 0.5;
        let h = skeleton.height();
        let facing = Vec3::X;
        let ahead = if kick {
            KICK_AHEAD * h + (half.x - 0.11).max(0.0)
        } else if tmax.y > SHIN_CLEAR * h {
            // Clear of the shins as the body crouches over it.
            (PICK_AHEAD * h).max(PICK_CLEAR * h + half.x)
        } else {
            PICK_AHEAD * h + (half.x - 0.06).max(0.0)
        };
        let side = if kick { KICK_SIDE } else { PICK_SIDE };
        // The body's right is -x facing +z.
        let local = Vec3::new(-side * h, 0.0, ahead);
        let offset = Quat::from_rotation_y(heading(facing)) * local;
        Stance {
            at: Vec3::new(center.x - offset.x, 0.0, center.z - offset.z),
            facing,
            approach: facing,
            support: None,
        }
    }

    /// Where a character of this skeleton stands to sit on seat `s`: its feet a thigh's
    /// length in front of the seat's middle (toward the camera, +z), so that its hips come
    /// down over the middle. Standing there it faces the camera; walking there it comes
    /// along +x, [`SIT_APPROACH`] toward the seat (so it does not walk through it).
    fn seat_stance(&self, skeleton: &Skeleton, s: usize) -> Option<Stance> {
        let (min, max) = self.seat_box(s)?;
        let middle = (min + max) * 0.5;
        let at = Vec3::new(middle.x, 0.0, middle.z + skeleton.thigh_length());
        let a = SIT_APPROACH.to_radians();
        Some(Stance {
            at,
            facing: Vec3::Z,
            approach: Vec3::new(a.cos(), 0.0, -a.sin()),
            support: None,
        })
    }

    /// What person group `g` does with an object, and where it stands for it: its first
    /// deed that names a usable one (a push, a kick, a pick-up or a throw, a sit); the
    /// deeds before it that name none, or an unusable one, are warned about and listed in
    /// `refused`.
    fn anchor(
        &mut self,
        skeleton: &Skeleton,
        g: &Group,
        deeds: &[Deed],
        refused: &mut Vec<usize>,
    ) -> Option<Anchor> {
        for (k, d) in deeds.iter().enumerate() {
            let v = d.verb;
            if !(is_push(v) || matches!(v, Verb::Kick | Verb::PickUp | Verb::Toss | Verb::Sit)) {
                continue;
            }
            let base = if is_push(v) { "push" } else { v.base() };
            let Some(t) = d.target else {
                refused.push(k);
                self.warnings.push(if v == Verb::Sit {
                    format!(
                        "\"{}\": a character sits only on a seat (a bench, a chair), not on the floor; the {} stays standing",
                        d.words,
                        g.noun.name()
                    )
                } else {
                    format!(
                        "\"{}\": nothing named to {base}; the {} does not {base}",
                        d.words,
                        g.noun.name()
                    )
                });
                continue;
            };
            let why = if self.claimed[t] {
                Some(if v == Verb::Sit {
                    "someone else sits on it".to_string()
                } else {
                    "someone else has it".to_string()
                })
            } else if v == Verb::Sit {
                self.unseatable(skeleton, t)
            } else if !is_push(v) && self.positioned_by_event[t] {
                Some("it is already on the move".into())
            } else {
                self.unmovable(t, v, skeleton.height())
            };
            if let Some(why) = why {
                refused.push(k);
                let noun = if is_push(v) {
                    self.specs[t].noun.name().to_string()
                } else {
                    called(self.specs[t].noun)
                };
                self.warnings.push(match v {
                    Verb::Sit => format!(
                        "\"{}\": the {} cannot sit on the {noun} ({why})",
                        d.words,
                        g.noun.name()
                    ),
                    Verb::Kick => format!("\"{}\": the {noun} cannot be kicked ({why})", d.words),
                    Verb::PickUp | Verb::Toss => {
                        format!("\"{}\": the {noun} cannot be picked up ({why})", d.words)
                    }
                    _ => format!("\"{}\": the {noun} cannot be pushed ({why})", d.words),
                });
                continue;
            }
            let off = is_push(v)
                && (matches!(d.path, Some((Prep::Off | Prep::From, _)))
                    || d.words.split_whitespace().any(|w| w == "off"));
            if matches!(v, Verb::PickUp | Verb::Toss)
                && let Some((Prep::Off | Prep::From, s)) = d.path
            {
                self.warnings.push(format!(
                    "\"{}\": a character picks up only what lies on the floor, for now; the {} lies on the floor, not on the {}",
                    d.words,
                    called(self.specs[t].noun),
                    called(self.specs[s].noun)
                ));
            }
            if !is_push(v) {
                self.claimed[t] = true;
            }
            let stance = match v {
                Verb::Sit => self.seat_stance(skeleton, t)?,
                Verb::Kick => self.floor_stance(skeleton, t, true),
                Verb::PickUp | Verb::Toss => self.floor_stance(skeleton, t, false),
                _ => self.push_stance(skeleton, t, off),
            };
            return Some(Anchor {
                deed: k,
                target: t,
                stance,
                off,
            });
        }
        None
    }

    /// Where a character of this skeleton stands to push group `t`; the target is moved
    /// to where the push should send it where it should go ("off": 20 cm from the front
    /// edge).
    fn push_stance(&mut self, skeleton: &Skeleton, t: usize, off: bool) -> Stance {
        let (tmin, tmax) = self.bounds_of(t);
        let center = (tmin + tmax) * 0.5;
        let half = (tmax - tmin) * 0.5;
        let support = self
            .group(t)
            .relation
            .as_ref()
            .filter(|r| matches!(r.prep, Prep::On | Prep::Onto | Prep::TopOf))
            .map(|r| r.to)
            .filter(|&s| matches!(self.specs[s].noun, Noun::Table | Noun::Shelf));
        if let Some(s) = support {
            // Off the front edge, toward the camera: the character behind the table.
            let (smin, smax) = self.bounds_of(s);
            let facing = Vec3::Z;
            let shoulder = right_shoulder(skeleton, heading(facing));
            let gap = TABLE_GAP * self.tune.run.max(0.7);
            let feet_z = smin.z - gap;
            let edge = if off {
                OFF_EDGE.max(half.z + 0.1)
            } else {
                ON_EDGE
            };
            let z = (smax.z - edge)
                .min(feet_z + shoulder.z + REACH)
                .max(smin.z + half.z);
            let x = center.x.clamp(smin.x + half.x, smax.x - half.x);
            self.shift(t, Vec3::new(x - center.x, 0.0, z - center.z));
            return Stance {
                at: Vec3::new(x - shoulder.x, 0.0, feet_z),
                facing,
                approach: facing,
                support: Some(s),
            };
        }
        // On the floor: pushed along +x from behind it. A bent body's hand comes down to
        // about 30 % of its height: the shove may pass over anything lower.
        let low = 0.3 * skeleton.height();
        if tmax.y < low {
            self.warnings.push(format!(
                "\"{}\": its top is {} m up, and a character's hand reaches down to about {} m: the push may pass over it (on a table it is within reach)",
                self.specs[t].words,
                num(tmax.y),
                num((low * 100.0).round() / 100.0)
            ));
        }
        let facing = Vec3::X;
        let shoulder = right_shoulder(skeleton, heading(facing));
        let reach = (half.x + 0.4) * self.tune.run.max(0.7);
        let at = Vec3::new(center.x - reach, 0.0, center.z) - shoulder;
        Stance {
            at: Vec3::new(at.x, 0.0, at.z),
            facing,
            approach: facing,
            support: None,
        }
    }

    /// The people phase: each person group's characters, their walks, actions and
    /// checks, and the clip long enough for them.
    pub(super) fn people(&mut self) {
        for i in 0..self.specs.len() {
            if !self.is_person_group(i) || self.placed[i].is_none() {
                continue;
            }
            self.person(i);
        }
        if let Some(w) = &self.u.weather {
            self.warnings.push(format!(
                "\"{w}\": there is no rain, snow or fog in the simulation yet; the scene is dry"
            ));
        }
        if self.u.slow_motion.is_some() && self.deeds.iter().any(|d| !d.is_empty()) {
            self.warnings.push(
                "slow motion slows the objects only: the characters move at their own speed".into(),
            );
        }
    }

    /// Lays out person group `i`.
    fn person(&mut self, i: usize) {
        let g = self.group(i).clone();
        let (height, build) = body(&g);
        let skeleton = match Skeleton::new(BodyParams { height, build }) {
            Ok(s) => s,
            Err(e) => {
                self.warnings
                    .push(format!("\"{}\": no body for it ({e})", g.words));
                return;
            }
        };
        let names = names(&self.specs[i].base, g.count);
        let deeds = self.deeds[i].clone();
        let (pmin, pmax) = self.bounds_of(i);
        let ground = pmin.y.max(0.0);
        let home = Vec3::new((pmin.x + pmax.x) * 0.5, ground, (pmin.z + pmax.z) * 0.5);
        // What it does with an object (where it stands), the first walk.
        let mut refused = Vec::new();
        let anchor = self.anchor(&skeleton, &g, &deeds, &mut refused);
        let mut walk = deeds
            .iter()
            .position(|d| matches!(d.verb, Verb::Walk | Verb::Run));
        // A character stands facing along its walk until it sets off, so a walk comes
        // before a push (the push is aimed from where the walk ends, facing the target).
        if let (Some(w), Some(a)) = (walk, &anchor)
            && w > a.deed
        {
            self.warnings.push(if is_push(deeds[a.deed].verb) {
                format!(
                    "\"{}\": a character walks before it pushes, not after (yet); it stays where it pushed",
                    deeds[w].words
                )
            } else {
                format!(
                    "\"{}\": a character walks before it {}, not after (yet); it stays where it is",
                    deeds[w].words,
                    deeds[a.deed].verb.word()
                )
            });
            walk = None;
        }
        let run = walk.is_some_and(|k| deeds[k].verb == Verb::Run);
        let params = if run {
            GaitParams::run()
        } else {
            GaitParams::walk()
        };
        // Where the walk goes: to where it acts, to what it names, or across the view.
        let walk_to = walk.and_then(|k| {
            deeds[k]
                .target
                .or(deeds[k].path.map(|(_, g)| g))
                .filter(|&t| t != i && !self.specs[t].noun.is_cloth())
        });
        let length = if run { RUN } else { WALK };
        let (at, path, facing) = match (&walk, &anchor) {
            (Some(_), Some(a)) => {
                let s = &a.stance;
                let back = if deeds[a.deed].verb == Verb::Sit {
                    length
                } else if s.support.is_some() {
                    APPROACH_WALK
                } else {
                    APPROACH_WALK.max(length * 0.5)
                };
                (s.at - s.approach * back, vec![s.at], s.approach)
            }
            (None, Some(a)) => (a.stance.at, Vec::new(), a.stance.facing),
            (Some(_), None) => match walk_to {
                Some(t) => {
                    let (tmin, tmax) = self.bounds_of(t);
                    let end = Vec3::new(tmin.x - 0.45, ground, (tmin.z + tmax.z) * 0.5);
                    (end - Vec3::X * length, vec![end], Vec3::X)
                }
                None => {
                    let (x, z) = self.clear_lane(i);
                    (
                        Vec3::new(x - length * 0.5, ground, z),
                        vec![Vec3::new(x + length * 0.5, ground, z)],
                        Vec3::X,
                    )
                }
            },
            (None, None) => (home, Vec::new(), Vec3::Z),
        };
        // The walk as the scene will plan it.
        let gait = if path.is_empty() {
            None
        } else {
            let points = [at, path[path.len() - 1]];
            match Gait::new(&skeleton, &points, &params) {
                Ok(gait) => Some(gait),
                Err(e) => {
                    self.warnings.push(format!(
                        "\"{}\": the walk could not be planned ({e})",
                        walk.map_or(g.words.as_str(), |k| deeds[k].words.as_str())
                    ));
                    return;
                }
            }
        };
        let walk_time = gait.as_ref().map_or(0.0, Gait::duration);
        // The timeline, in the order said; the character's checks go before what the
        // push asks of the target.
        let mark = self.expects.len();
        let mut mine = Vec::new();
        let mut cursor = if deeds
            .first()
            .is_some_and(|d| matches!(d.verb, Verb::Walk | Verb::Run))
        {
            0.0
        } else {
            0.5
        };
        let mut start = 0.0;
        let mut actions: Vec<(f32, ActOut)> = Vec::new();
        let mut checks: Vec<(PersonTest, String, String)> = Vec::new();
        let mut fallen = false;
        // The group in its hand, and since when it sits.
        let mut holding: Option<usize> = None;
        let mut seated = false;
        let who = g.noun.name();
        for (k, d) in deeds.iter().enumerate() {
            if fallen && d.verb != Verb::Rest {
                self.warnings.push(format!(
                    "\"{}\": after falling the {} lies still",
                    d.words,
                    g.noun.name()
                ));
                continue;
            }
            let mine_now = anchor.as_ref().filter(|a| a.deed == k).map(|a| a.target);
            let names_of = |l: &Self, t: usize| l.all_names(t).first().cloned();
            match d.verb {
                Verb::Walk | Verb::Run if Some(k) == walk && !path.is_empty() => {
                    start = cursor;
                    // The next move starts on a twentieth of a second.
                    cursor = ((cursor + walk_time + PAUSE) * 20.0).ceil() / 20.0;
                    let near = walk_to
                        .or(anchor.as_ref().map(|a| a.target))
                        .map(|t| self.bounds_of(t))
                        .map(|(lo, hi)| (Vec2::new(lo.x, lo.z), Vec2::new(hi.x, hi.z)));
                    let end = path[path.len() - 1];
                    let dist = at.distance(end);
                    // Within reach: 0.7 m, or 20 cm past where the walk was planned to end.
                    let reach = near.map_or(0.7, |(lo, hi)| {
                        let p = Vec2::new(end.x, end.z);
                        (p.distance(p.clamp(lo, hi)) + 0.2).max(0.7)
                    });
                    let what = match (d.verb, near, walk_to) {
                        (Verb::Run, Some(_), Some(t)) => format!(
                            "the {} runs to the {}",
                            g.noun.name(),
                            self.specs[t].noun.name()
                        ),
                        (Verb::Run, _, _) => format!("the {} runs", g.noun.name()),
                        (_, Some(_), Some(t)) => format!(
                            "the {} walks to the {}",
                            g.noun.name(),
                            self.specs[t].noun.name()
                        ),
                        _ => format!("the {} walks", g.noun.name()),
                    };
                    checks.push((
                        PersonTest::Walks {
                            min: 0.7 * dist,
                            speed: if run { 2.0 } else { 0.8 },
                            near,
                            reach,
                        },
                        what,
                        d.words.clone(),
                    ));
                }
                Verb::Walk | Verb::Run if walk.is_some() => self.warnings.push(format!(
                    "\"{}\": one walk per character; this one is not laid out",
                    d.words
                )),
                Verb::Walk | Verb::Run => {}
                v if is_push(v) && mine_now.is_some() => {
                    let Some(t) = mine_now else { continue };
                    let Some(target) = names_of(self, t) else {
                        continue;
                    };
                    let t0 = cursor;
                    actions.push((t0, ActOut::Push(target.clone())));
                    cursor += Move::Push.duration() + PAUSE;
                    checks.push((
                        PersonTest::Pushes {
                            target: target.clone(),
                            from: t0,
                            until: t0 + Move::Push.duration(),
                        },
                        format!(
                            "the {} pushes the {}",
                            g.noun.name(),
                            self.specs[t].noun.name()
                        ),
                        d.words.clone(),
                    ));
                    self.positioned_by_event[t] = true;
                    let off = anchor
                        .as_ref()
                        .and_then(|a| a.off.then_some(a.stance.support).flatten());
                    self.push_checks(t, &d.words, v, off);
                }
                // A push past the first, or one that could not be, is left out (warned
                // about in `anchor`).
                v if is_push(v)
                    && (refused.contains(&k)
                        || anchor.as_ref().is_none_or(|a| is_push(deeds[a.deed].verb))) => {}
                Verb::Kick if mine_now.is_some() => {
                    let Some(t) = mine_now else { continue };
                    let Some(target) = names_of(self, t) else {
                        continue;
                    };
                    let t0 = cursor;
                    actions.push((t0, ActOut::Kick(target.clone())));
                    cursor += Move::Kick.duration() + PAUSE;
                    checks.push((
                        PersonTest::Kicks {
                            target,
                            from: t0,
                            until: t0 + Move::Kick.duration(),
                            min: KICKED,
                        },
                        format!("the {who} kicks the {}", called(self.specs[t].noun)),
                        d.words.clone(),
                    ));
                    self.positioned_by_event[t] = true;
                }
                Verb::PickUp | Verb::Toss if mine_now.is_some() => {
                    let Some(t) = mine_now else { continue };
                    let Some(target) = names_of(self, t) else {
                        continue;
                    };
                    actions.push((cursor, ActOut::PickUp(target.clone())));
                    cursor += Move::PickUp.duration() + PAUSE;
                    holding = Some(t);
                    self.positioned_by_event[t] = true;
                    if d.verb == Verb::PickUp {
                        checks.push((
                            PersonTest::PicksUp { target },
                            format!("the {who} picks up the {}", called(self.specs[t].noun)),
                            d.words.clone(),
                        ));
                    } else {
                        self.throw_held(&mut actions, &mut checks, &mut cursor, t, who, &d.words);
                        holding = None;
                    }
                }
                Verb::Toss if d.target.is_some() && d.target == holding => {
                    if let Some(t) = holding.take() {
                        self.throw_held(&mut actions, &mut checks, &mut cursor, t, who, &d.words);
                    }
                }
                Verb::Sit if mine_now.is_some() => {
                    let Some(s) = mine_now else { continue };
                    let (Some(seat), Some((min, max))) = (names_of(self, s), self.seat_box(s))
                    else {
                        continue;
                    };
                    // Where its hips come down, as the scene will check it.
                    let perf = Performance::new(
                        skeleton.clone(),
                        gait.clone(),
                        at,
                        heading(facing),
                        start,
                        Vec::new(),
                    );
                    if let Err(why) = perf.sit_point(cursor, min, max) {
                        self.warnings.push(format!(
                            "\"{}\": the {who} cannot sit on the {} ({why})",
                            d.words,
                            called(self.specs[s].noun)
                        ));
                        continue;
                    }
                    actions.push((cursor, ActOut::Sit(seat)));
                    seated = true;
                    cursor += Move::Sit.duration() + PAUSE;
                    checks.push((
                        PersonTest::Sits {
                            top: max.y,
                            min: Vec2::new(min.x, min.z),
                            max: Vec2::new(max.x, max.z),
                        },
                        format!("the {who} sits on the {}", called(self.specs[s].noun)),
                        d.words.clone(),
                    ));
                }
                Verb::Kick | Verb::PickUp | Verb::Toss | Verb::Sit if refused.contains(&k) => {}
                v @ (Verb::Kick | Verb::Jump) if seated => self.warnings.push(format!(
                    "\"{}\": after sitting down the {who} stays seated; it cannot {} seated",
                    d.words,
                    v.base()
                )),
                v if is_push(v)
                    || matches!(v, Verb::Kick | Verb::PickUp | Verb::Toss | Verb::Sit) =>
                {
                    let first = anchor.as_ref().map_or(String::new(), |a| {
                        format!(
                            " (it {} the {})",
                            doing(deeds[a.deed].verb),
                            called(self.specs[a.target].noun)
                        )
                    });
                    self.warnings.push(format!(
                        "\"{}\": a character does one thing with one object, for now{first}; this is left out",
                        d.words
                    ));
                }
                Verb::Jump if self.g < MIN_JUMP_GRAVITY => self.warnings.push(format!(
                    "\"{}\": a jump needs gravity (at least {MIN_JUMP_GRAVITY} m/s²; the scene has {} m/s²); the {who} stays on the ground",
                    d.words,
                    num(self.g)
                )),
                Verb::Jump => {
                    let t0 = cursor;
                    let until = t0 + jump_duration(self.g);
                    actions.push((t0, ActOut::Jump));
                    checks.push((
                        PersonTest::Jumps {
                            from: t0,
                            until,
                            min: JUMPED,
                        },
                        format!("the {who} jumps"),
                        d.words.clone(),
                    ));
                    cursor = ((until + PAUSE) * 20.0).ceil() / 20.0;
                }
                Verb::Wave => {
                    actions.push((cursor, ActOut::Wave));
                    checks.push((
                        PersonTest::Waves {
                            from: cursor,
                            until: cursor + Move::Wave.duration(),
                        },
                        format!("the {} waves", g.noun.name()),
                        d.words.clone(),
                    ));
                    cursor += Move::Wave.duration() + PAUSE;
                }
                Verb::Fall | Verb::Topple => {
                    fallen = true;
                    actions.push((cursor, ActOut::Fall));
                    checks.push((
                        PersonTest::Falls { height },
                        format!("the {} falls", g.noun.name()),
                        d.words.clone(),
                    ));
                    cursor += FALL_TIME;
                }
                Verb::Rest => {}
                v => self.warnings.push(format!(
                    "\"{}\": characters cannot {} yet; they can {PERSON_CAN}",
                    d.words,
                    v.base()
                )),
            }
        }
        if let Some(a) = &anchor
            && matches!(deeds[a.deed].verb, Verb::Kick | Verb::PickUp | Verb::Toss)
        {
            self.aim(&skeleton, a, &deeds);
        }
        self.positioned_by_event[i] = true;
        // Half a second to see the end, rounded up to half a second.
        self.min_duration = self.min_duration.max(((cursor + 0.5) * 2.0).ceil() * 0.5);

        // The characters: the first does it all; the others walk, jump, wave and fall
        // beside it (only the first acts on an object).
        let step = Quat::from_rotation_y(heading(facing)) * Vec3::X;
        let colors = colors(&g);
        for (k, name) in names.iter().enumerate() {
            let offset = step * SPACING * k as f32;
            let acts: Vec<(f32, ActOut)> = actions
                .iter()
                .filter(|(_, a)| k == 0 || matches!(a, ActOut::Wave | ActOut::Fall | ActOut::Jump))
                .cloned()
                .collect();
            let mut comment = format!("\"{}\": {} m tall", g.words, num(height));
            for d in &deeds {
                comment.push_str(&format!("; \"{}\"", d.words));
            }
            self.characters.push(CharOut {
                name: name.clone(),
                comment,
                height,
                build,
                colors: colors.clone(),
                at: at + offset,
                facing_deg: heading(facing).to_degrees(),
                path: path.iter().map(|p| *p + offset).collect(),
                run,
                start,
                actions: acts,
            });
            for (test, what, words) in &checks {
                let test = match test {
                    PersonTest::Pushes { .. }
                    | PersonTest::Kicks { .. }
                    | PersonTest::PicksUp { .. }
                    | PersonTest::Throws { .. }
                    | PersonTest::Sits { .. }
                        if k > 0 =>
                    {
                        continue;
                    }
                    PersonTest::Walks {
                        min,
                        speed,
                        near,
                        reach,
                    } if k > 0 => PersonTest::Walks {
                        min: *min,
                        speed: *speed,
                        near: near.map(|(lo, hi)| {
                            let o = Vec2::new(offset.x, offset.z);
                            (lo + o, hi + o)
                        }),
                        reach: *reach,
                    },
                    t => t.clone(),
                };
                mine.push(Expect {
                    check: Check::Person {
                        name: name.clone(),
                        test,
                    },
                    what: if names.len() > 1 {
                        what.replacen(g.noun.name(), &format!("{} ({name})", g.noun.name()), 1)
                    } else {
                        what.clone()
                    },
                    words: words.clone(),
                });
            }
        }
        self.expects.splice(mark..mark, mine);
    }

    /// What a character kicks or throws at something ("kicks the ball into the cans",
    /// "throws it at the tower") goes straight ahead along its heading (+x): the goal is
    /// moved into that line ([`KICK_GOAL`] past a kicked object; where a thrown one comes
    /// down to half the goal's height, by the throw's ballistics, [`throw_reach`]) and
    /// checked to be hit. Only a goal with no place of its own is moved.
    fn aim(&mut self, skeleton: &Skeleton, anchor: &Anchor, deeds: &[Deed]) {
        let Some(d) = deeds
            .iter()
            .find(|d| matches!(d.verb, Verb::Kick | Verb::Toss) && d.target == Some(anchor.target))
        else {
            return;
        };
        let Some((_, goal)) = d.path.filter(|&(_, g)| g != anchor.target) else {
            return;
        };
        let noun = self.specs[goal].noun;
        if noun.is_person() || noun.is_cloth() || noun.is_liquid() {
            self.warnings.push(format!(
                "\"{}\": a character {} only at an object, for now; the {} is not aimed at",
                d.words,
                d.verb.word(),
                noun.name()
            ));
            return;
        }
        let (gmin, gmax) = self.bounds_of(goal);
        let (tmin, tmax) = self.bounds_of(anchor.target);
        let facing = anchor.stance.facing;
        let h = skeleton.height();
        // Where the object leaves: the ball's center (a kick), or the hand (a throw).
        let (from, reach) = if d.verb == Verb::Kick {
            // A kick lofts what it kicks: it comes down 1.5 to 4.5 m on.
            let goal = if gmax.y - gmin.y > KICK_TALL {
                KICK_GOAL_TALL
            } else {
                KICK_GOAL
            };
            ((tmin + tmax) * 0.5, 0.5 * (tmax.x - tmin.x) + goal)
        } else {
            let right = Quat::from_rotation_y(heading(facing)) * Vec3::NEG_X;
            let release = anchor.stance.at + facing * (THROW_AHEAD * h) + right * (THROW_SIDE * h);
            let aim = (0.5 * (gmax.y - gmin.y)).max(0.5 * (tmax.y - tmin.y));
            (release, throw_reach(h, self.g, aim))
        };
        if self.group(goal).relation.is_some() || self.positioned_by_event[goal] {
            self.warnings.push(format!(
                "\"{}\": the {} stays where it is placed; the {} goes straight ahead and may miss it",
                d.words,
                noun.name(),
                called(self.specs[anchor.target].noun)
            ));
        } else {
            let center = (gmin + gmax) * 0.5;
            let near = from + facing * reach;
            self.shift(
                goal,
                Vec3::new(
                    near.x + (center.x - gmin.x) - center.x,
                    0.0,
                    near.z - center.z,
                ),
            );
            self.positioned_by_event[goal] = true;
        }
        self.contact_check(anchor.target, goal, &d.words);
    }

    /// A throw of group `t`, held, at `cursor`: its action and its check.
    fn throw_held(
        &self,
        actions: &mut Vec<(f32, ActOut)>,
        checks: &mut Vec<(PersonTest, String, String)>,
        cursor: &mut f32,
        t: usize,
        who: &str,
        words: &str,
    ) {
        let Some(target) = self.all_names(t).first().cloned() else {
            return;
        };
        actions.push((*cursor, ActOut::Throw(target.clone())));
        *cursor += Move::Throw.duration() + PAUSE;
        checks.push((
            PersonTest::Throws {
                target,
                min: THROWN,
            },
            format!("the {who} throws the {}", called(self.specs[t].noun)),
            words.to_string(),
        ));
    }

    /// What a pushed group must do: fall off its support (`off`), fall over (knocked
    /// over), or move.
    fn push_checks(&mut self, t: usize, words: &str, verb: Verb, off: Option<usize>) {
        let items = self.all_names(t);
        let noun = self.specs[t].noun.name();
        if let Some(s) = off {
            let (_, smax) = self.bounds_of(s);
            self.expects.push(Expect {
                check: Check::EndsBelow {
                    items,
                    y: smax.y - 0.05,
                },
                what: format!("the {noun} ends below the {}", self.specs[s].noun.name()),
                words: words.into(),
            });
        } else if verb == Verb::KnockOver {
            self.expects.push(Expect {
                check: Check::Fallen {
                    items,
                    fraction: 1.0,
                },
                what: format!("the {noun} falls over"),
                words: words.into(),
            });
        } else {
            self.expects.push(Expect {
                check: Check::Moved { items, min: 0.1 },
                what: format!("the {noun} moves at least 0.1 m"),
                words: words.into(),
            });
        }
    }

    /// A lane to walk across the view in: behind everything else that is not walking
    /// across too (x at the middle of the scene, z 60 cm behind its back), each walker's
    /// lane a group's width ([`SPACING`] a character) behind the one before; or the middle
    /// of an empty scene.
    fn clear_lane(&mut self, me: usize) -> (f32, f32) {
        let walkers = self.lanes.clone();
        let others: Vec<(Vec3, Vec3)> = (0..self.specs.len())
            .filter(|&j| j != me && !walkers.contains(&j) && !self.is_liquid_group(j))
            .filter(|&j| !(self.is_person_group(j) && self.walks_across(j)))
            .filter_map(|j| self.placed[j].as_ref().map(|p| (p.min, p.max)))
            .collect();
        let behind: f32 = walkers
            .iter()
            .map(|&j| SPACING * self.group(j).count.clamp(1, MAX_PEOPLE) as f32)
            .sum();
        self.lanes.push(me);
        if others.is_empty() {
            return (0.0, -behind);
        }
        let lo = others.iter().map(|b| b.0).fold(Vec3::INFINITY, Vec3::min);
        let hi = others
            .iter()
            .map(|b| b.1)
            .fold(Vec3::NEG_INFINITY, Vec3::max);
        (0.5 * (lo.x + hi.x), lo.z - 0.6 - behind)
    }

    /// Whether person group `i` walks or runs with nowhere named to go and nothing to
    /// push (across the view, in a lane of its own).
    fn walks_across(&self, i: usize) -> bool {
        let d = &self.deeds[i];
        d.iter().any(|d| {
            matches!(d.verb, Verb::Walk | Verb::Run)
                && d.target.or(d.path.map(|(_, g)| g)).is_none()
        }) && !d.iter().any(|d| {
            (is_push(d.verb)
                || matches!(d.verb, Verb::Kick | Verb::PickUp | Verb::Toss | Verb::Sit))
                && d.target.is_some()
        })
    }
}

/// How far ahead of where it leaves the hand a thrown object comes down to `y` m above
/// the floor, for a body `height` m tall under gravity `g`: the throw's drive (the right
/// arm's length forward and up, 17° above level, in [`Move::Throw`]'s 0.12 s drive)
/// lets go at about 3.3 × the height m/s, [`THROW_UP`] × the height up; m.
fn throw_reach(height: f32, g: f32, y: f32) -> f32 {
    let speed = THROW_SPEED * height;
    let angle = 17f32.to_radians();
    let (vx, vy) = (speed * angle.cos(), speed * angle.sin());
    let g = g.max(0.1);
    let drop = (THROW_UP * height - y).max(0.0);
    let t = (vy + (vy * vy + 2.0 * g * drop).sqrt()) / g;
    vx * t
}

/// Whether a verb said of a person is a push.
fn is_push(v: Verb) -> bool {
    matches!(v, Verb::Push | Verb::Hit | Verb::KnockOver)
}

/// What a noun is called in a message ("bowling ball").
fn called(noun: Noun) -> String {
    noun.name().replace('_', " ")
}

/// What a person does to an object, in a message ("kicks", "sits on").
fn doing(v: Verb) -> &'static str {
    match v {
        Verb::Sit => "sits on",
        v => v.word(),
    }
}

/// The body colors the words said of its clothes (the last said of each wins), in the
/// body's field order.
fn colors(g: &Group) -> Vec<(&'static str, String)> {
    [
        Garment::Hair,
        Garment::Shirt,
        Garment::Trousers,
        Garment::Shoes,
    ]
    .iter()
    .filter_map(|garment| {
        g.outfit
            .iter()
            .rev()
            .find(|(w, _)| w == garment)
            .map(|(w, (_, hex))| (w.field(), hex.to_string()))
    })
    .collect()
}
