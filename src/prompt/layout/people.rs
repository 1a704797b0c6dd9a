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
use crate::character::{BodyParams, Gait, GaitParams, Joint, Move, Skeleton};
use crate::prompt::draft::{ActOut, BodyOut, CharOut, ShapeOut};
use crate::prompt::emit::num;
use crate::prompt::lexicon::{Garment, Noun, PhysMod, Prep, Verb};
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
}

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
/// stands on that. `None` when no person pushes anything so; otherwise the understanding
/// with those relations and a note for each.
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

/// Where a character goes and faces for one push.
struct Stance {
    /// The ground point between the feet, m.
    at: Vec3,
    /// The way it faces.
    facing: Vec3,
    /// The surface the target is pushed off (its group), if raised.
    support: Option<usize>,
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

    /// Why group `t` cannot be pushed (`None`: it can): only a loose solid on a dynamic
    /// body can.
    fn unpushable(&self, t: usize) -> Option<&'static str> {
        let noun = self.specs[t].noun;
        if noun.is_person() {
            Some("a character cannot push another one yet")
        } else if noun.is_cloth() || noun.is_liquid() {
            Some("only a solid object can be pushed")
        } else if noun.is_structure() || matches!(noun, Noun::Cradle | Noun::Pendulum) {
            Some("it is fixed in place")
        } else if self.hollow && noun.is_container() {
            Some("a container of liquid cannot be pushed yet")
        } else if !matches!(self.bodies[t], BodyOut::Dynamic { .. }) {
            Some("it does not move")
        } else {
            None
        }
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
        // The first push with something pushable (its deed and target), the first walk.
        let mut push: Option<(usize, usize)> = None;
        for (k, d) in deeds.iter().enumerate().filter(|(_, d)| is_push(d.verb)) {
            match d.target {
                Some(t) => match self.unpushable(t) {
                    None => {
                        push = Some((k, t));
                        break;
                    }
                    Some(why) => self.warnings.push(format!(
                        "\"{}\": the {} cannot be pushed ({why})",
                        d.words,
                        self.specs[t].noun.name()
                    )),
                },
                None => self.warnings.push(format!(
                    "\"{}\": nothing named to push; the {} does not push",
                    d.words,
                    g.noun.name()
                )),
            }
        }
        let mut walk = deeds
            .iter()
            .position(|d| matches!(d.verb, Verb::Walk | Verb::Run));
        // A character stands facing along its walk until it sets off, so a walk comes
        // before a push (the push is aimed from where the walk ends, facing the target).
        if let (Some(w), Some((p, _))) = (walk, push)
            && w > p
        {
            self.warnings.push(format!(
                "\"{}\": a character walks before it pushes, not after (yet); it stays where it pushed",
                deeds[w].words
            ));
            walk = None;
        }
        let run = walk.is_some_and(|k| deeds[k].verb == Verb::Run);
        let params = if run {
            GaitParams::run()
        } else {
            GaitParams::walk()
        };
        let stance = push.map(|(k, t)| {
            let d = &deeds[k];
            let off = matches!(d.path, Some((Prep::Off | Prep::From, _)))
                || d.words.split_whitespace().any(|w| w == "off");
            (self.push_stance(&skeleton, t, off), off)
        });
        // Where the walk goes: to the push, to what it names, or across the view.
        let walk_to = walk.and_then(|k| {
            deeds[k]
                .target
                .or(deeds[k].path.map(|(_, g)| g))
                .filter(|&t| t != i && !self.specs[t].noun.is_cloth())
        });
        let length = if run { RUN } else { WALK };
        let (at, path, facing) = match (&walk, &stance) {
            (Some(_), Some((s, _))) => {
                let back = if s.support.is_some() {
                    APPROACH_WALK
                } else {
                    APPROACH_WALK.max(length * 0.5)
                };
                (s.at - s.facing * back, vec![s.at], s.facing)
            }
            (None, Some((s, _))) => (s.at, Vec::new(), s.facing),
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
        // The walk's planned length in time.
        let walk_time = if path.is_empty() {
            0.0
        } else {
            let points = [at, path[path.len() - 1]];
            match Gait::new(&skeleton, &points, &params) {
                Ok(gait) => gait.duration(),
                Err(e) => {
                    self.warnings.push(format!(
                        "\"{}\": the walk could not be planned ({e})",
                        walk.map_or(g.words.as_str(), |k| deeds[k].words.as_str())
                    ));
                    return;
                }
            }
        };
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
        for (k, d) in deeds.iter().enumerate() {
            if fallen && d.verb != Verb::Rest {
                self.warnings.push(format!(
                    "\"{}\": after falling the {} lies still",
                    d.words,
                    g.noun.name()
                ));
                continue;
            }
            match d.verb {
                Verb::Walk | Verb::Run if Some(k) == walk && !path.is_empty() => {
                    start = cursor;
                    // The next move starts on a twentieth of a second.
                    cursor = ((cursor + walk_time + PAUSE) * 20.0).ceil() / 20.0;
                    let near = walk_to
                        .or(push.map(|(_, t)| t))
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
                v if is_push(v) && push.is_some_and(|(p, _)| p == k) => {
                    let Some((_, t)) = push else { continue };
                    let Some(target) = self.all_names(t).first().cloned() else {
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
                    let off = stance
                        .as_ref()
                        .and_then(|(s, off)| off.then_some(s.support).flatten());
                    self.push_checks(t, &d.words, v, off);
                }
                v if is_push(v) => {}
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
                    "\"{}\": characters cannot {} yet; they can walk, run, push, wave and fall",
                    d.words,
                    v.base()
                )),
            }
        }
        self.positioned_by_event[i] = true;
        // Half a second to see the end, rounded up to half a second.
        self.min_duration = self.min_duration.max(((cursor + 0.5) * 2.0).ceil() * 0.5);

        // The characters: the first does it all; the others walk, wave and fall beside it
        // (only the first pushes).
        let step = Quat::from_rotation_y(heading(facing)) * Vec3::X;
        let colors = colors(&g);
        for (k, name) in names.iter().enumerate() {
            let offset = step * SPACING * k as f32;
            let acts: Vec<(f32, ActOut)> = actions
                .iter()
                .filter(|(_, a)| k == 0 || !matches!(a, ActOut::Push(_)))
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
                    PersonTest::Pushes { .. } if k > 0 => continue,
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
        }) && !d.iter().any(|d| is_push(d.verb) && d.target.is_some())
    }
}

/// Whether a verb said of a person is a push.
fn is_push(v: Verb) -> bool {
    matches!(v, Verb::Push | Verb::Hit | Verb::KnockOver)
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
