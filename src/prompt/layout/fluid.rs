//! Liquids in the layout: what each liquid does (its [`Role`]), the hollow containers
//! that hold them, the parts a pour or a drip needs (a spout, a spoon held still), the
//! particle size, and the checks read from the simulated particles (`docs/fluids.md`
//! for the format, `docs/prompts.md` for the words).
//!
//! A liquid is no entity of the layout: it is written in `fluids:` and fills a container
//! (`Inside`), pours or drips from a nozzle (`Emitter`), or falls as a block (`Box`). A
//! container in a prompt with a liquid is written hollow, with one helper
//! ([`Layout::vessel_entity`]): an entity with no shape at the container's center whose
//! children make its body, a bottom and either a ring of thin wall boxes facing out (a
//! glass, a bowl, a bucket) or four walls (a tank).
//!
//! Numbers: a glass is 7 cm across and 12 cm tall with 4 mm walls, filled to 80 %; a
//! bowl 18 × 7 cm, a bucket 26 × 28 cm, a tank 50 × 30 × 30 cm (60 % full, grown to hold
//! what floats in it). Particles resolve the narrowest liquid by 6 across and 3 deep
//! (radius a twelfth of the width, 3 mm to 2 cm), a floater by 5 across its smallest
//! side, and the scene keeps under [`MAX_PARTICLES`] (SPH is the slow part of a prompt's
//! simulation: the fewest particles that still read as the liquid). A pour runs 1.5 s
//! from a spout 15 cm above the brim and pours 70 % of the cavity (150 % "until it
//! overflows"); a drip is a nozzle two particles across letting out a 15 cm/s thread; a
//! splash is a 15 cm block of liquid let go 50 cm up; a sloshed container is shaken
//! ± 10 cm along x and back in 0.8 s; a bucket that splashes is swung up and turned 130°
//! over toward +x.

use glam::Vec3;

use super::{Check, Expect, Layout, Spec};
use crate::prompt::draft::{BodyOut, EntOut, FillOut, FluidOut, RepeatOut, ShapeOut};
use crate::prompt::emit::num;
use crate::prompt::lexicon::{self as lex, MaterialDef, Noun, Prep, Verb};
use crate::prompt::parse::{Event, Group, Relation, Understanding};

/// What a liquid's particles must show (read by the intent check). Boxes `lo..hi` are
/// in the container's own frame (about its center, which is its entity's origin), read
/// at the end of the clip wherever the container has gone.
#[derive(Debug, Clone, PartialEq)]
pub enum FluidTest {
    /// At the end at least `fraction` of the particles are in the container.
    Inside {
        /// The container entity.
        vessel: String,
        /// Its cavity, container frame, m.
        lo: Vec3,
        /// m.
        hi: Vec3,
        /// Of the particles.
        fraction: f32,
    },
    /// At the end at least `fraction` of the particles are out of the container.
    Outside {
        /// The container entity.
        vessel: String,
        /// Its cavity, container frame, m.
        lo: Vec3,
        /// m.
        hi: Vec3,
        /// Of the particles.
        fraction: f32,
    },
    /// At the end the container holds at least `full` particles and at least `fraction`
    /// of all are out of it: it ran over.
    Overflows {
        /// The container entity.
        vessel: String,
        /// Its cavity, container frame, m.
        lo: Vec3,
        /// m.
        hi: Vec3,
        /// Particles a full container holds, less a margin.
        full: usize,
        /// Of the particles.
        fraction: f32,
    },
    /// At the end the particles spread over `min` m across (the wider of x and z, from
    /// the 5th to the 95th percentile).
    Spreads {
        /// m.
        min: f32,
    },
    /// At some frame the surface on one side of the container stands `min` m above the
    /// other side's (the highest particles of each outer quarter along x).
    Sloshes {
        /// The container entity.
        vessel: String,
        /// Its cavity, container frame, m.
        lo: Vec3,
        /// m.
        hi: Vec3,
        /// m.
        min: f32,
    },
    /// At the end the item floats: its bottom above the container's floor `floor` (world
    /// y) by a centimeter and its top no lower than the liquid's surface (measured from
    /// the particles) less a centimeter.
    Floats {
        /// The entity.
        item: String,
        /// Its half height, m.
        half: f32,
        /// The container's inner floor, world y, m.
        floor: f32,
    },
    /// At the end at least `count` particles exist and `fraction` of them are below `y`:
    /// the liquid fell from where it came out.
    Falls {
        /// World y, m.
        y: f32,
        /// Particles.
        count: usize,
        /// Of the particles.
        fraction: f32,
    },
}

/// What a liquid does in the prompt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    /// Fills container group `.0` (at rest, tipped, shaken: see the role's flags).
    Inside(usize),
    /// Pours from a spout onto group `.0` (a container: into it; a table; `None`: the
    /// floor).
    Pour(Option<usize>),
    /// A block of it falls onto group `.0` (`None`: the floor).
    Splash(Option<usize>),
    /// Drips from `from` (a spoon; `None`: a tap added) onto `onto`.
    Drip {
        from: Option<usize>,
        onto: Option<usize>,
    },
}

/// A liquid's role: what it does, the words that said so, and what happens to its
/// container.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Role {
    pub kind: Kind,
    /// The words its checks quote.
    pub words: String,
    /// The pour goes on until the container overflows.
    pub overflow: bool,
    /// The container is tipped over (it spills, it is knocked over): the words.
    pub tipped: Option<String>,
    /// The container is swung to throw the liquid out (it splashes): the words.
    pub thrown: Option<String>,
    /// The container is shaken: the words.
    pub shaken: Option<String>,
    /// Solid groups dropped into it: (group, `Float`, `Sink` or `None` for "as its
    /// density says", words).
    pub floaters: Vec<(usize, Option<Verb>, String)>,
}

/// The most particles a prompt's liquids hold together (the scene's limit is 300 000;
/// a prompt's scene is simulated up to four times by the intent check).
pub(super) const MAX_PARTICLES: f32 = 15_000.0;
/// A glass's wall, m.
const GLASS_WALL: f32 = 0.004;
/// A container's bottom, m.
const BOTTOM: f32 = 0.01;

/// A hollow container's shape: round (a ring of walls) or a box (four walls).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Vessel {
    /// A ring of walls (radius `size.x / 2`) rather than four.
    pub round: bool,
    /// Outer width, height, depth, m.
    pub size: Vec3,
    /// Wall thickness, m.
    pub wall: f32,
}

impl Vessel {
    /// The vessel of a container noun of this (outer) shape.
    pub fn of(noun: Noun, shape: ShapeOut) -> Option<Vessel> {
        if !noun.is_container() {
            return None;
        }
        let wall = match noun {
            Noun::Glass | Noun::Bottle => GLASS_WALL,
            _ => 0.006,
        };
        match shape {
            ShapeOut::Cylinder(r, h) => Some(Vessel {
                round: true,
                size: Vec3::new(2.0 * r, h, 2.0 * r),
                wall,
            }),
            ShapeOut::Box(s) => Some(Vessel {
                round: false,
                size: s,
                wall,
            }),
            _ => None,
        }
    }

    /// The cavity about the center: half width and depth inside the walls, from the
    /// bottom's top to the brim.
    pub fn cavity(&self) -> (Vec3, Vec3) {
        let h = self.size * 0.5;
        let (ix, iz) = (h.x - self.wall, h.z - self.wall);
        (Vec3::new(-ix, -h.y + BOTTOM, -iz), Vec3::new(ix, h.y, iz))
    }

    /// The narrowest width inside, m.
    pub fn inner_width(&self) -> f32 {
        (self.size.x.min(self.size.z) - 2.0 * self.wall).max(0.01)
    }

    /// The cavity's volume, m³.
    pub fn volume(&self) -> f32 {
        let (lo, hi) = self.cavity();
        let d = hi - lo;
        if self.round {
            std::f32::consts::PI * 0.25 * d.x * d.z * d.y
        } else {
            d.x * d.y * d.z
        }
    }

    /// The walls' and bottom's volume, m³.
    pub fn shell_volume(&self) -> f32 {
        let outer = if self.round {
            std::f32::consts::PI * 0.25 * self.size.x * self.size.z * self.size.y
        } else {
            self.size.x * self.size.y * self.size.z
        };
        (outer - self.volume()).max(0.0)
    }

    /// Walls around a round vessel, about 2 cm wide each (12 to 32).
    fn ring(&self) -> (u32, f32, f32) {
        let r = 0.5 * self.size.x;
        let n = ((std::f32::consts::TAU * r / 0.02).round() as u32).clamp(12, 32);
        // Each wall a tangent plane wide enough to close the polygon, with an overlap.
        let w = 2.0 * r * (std::f32::consts::PI / n as f32).tan() * 1.15 + self.wall;
        (n, r - 0.5 * self.wall, w)
    }

    /// The level a container of this noun is filled to.
    fn level(noun: Noun) -> f32 {
        match noun {
            Noun::Tank => 0.6,
            Noun::Bowl => 0.7,
            Noun::Bucket => 0.75,
            _ => 0.8,
        }
    }
}

/// The typical size of a liquid noun's group before placement (`typical` in the
/// layout): containers at their outer size, a stone, a spoon.
pub(super) fn typical(noun: Noun) -> (ShapeOut, Option<f32>, &'static str) {
    match noun {
        Noun::Bowl => (
            ShapeOut::Cylinder(0.09, 0.07),
            None,
            "18 cm across, 7 cm deep",
        ),
        Noun::Bucket => (
            ShapeOut::Cylinder(0.13, 0.28),
            None,
            "26 cm across, 28 cm deep",
        ),
        Noun::Tank => (
            ShapeOut::Box(Vec3::new(0.5, 0.3, 0.3)),
            None,
            "50 × 30 × 30 cm, 6 mm walls",
        ),
        Noun::Spoon => (
            ShapeOut::Box(Vec3::new(0.18, 0.025, 0.045)),
            None,
            "18 cm long",
        ),
        Noun::Stone => (
            ShapeOut::Box(Vec3::new(0.08, 0.06, 0.07)),
            None,
            "8 × 6 × 7 cm",
        ),
        // A liquid's stand-in before it is laid out (it is no entity).
        _ => (ShapeOut::Box(Vec3::splat(0.05)), None, ""),
    }
}

/// A liquid group's spec: no entity and no scene material of its own (the preset gives
/// its look).
pub(super) fn spec(g: &Group, base: String) -> Spec {
    Spec {
        base,
        noun: g.noun,
        shape: ShapeOut::Box(Vec3::splat(0.05)),
        rot: Vec3::ZERO,
        mass: None,
        material: preset(g).name.to_string(),
        count: 1,
        arrangement: None,
        words: g.words.clone(),
    }
}

/// A liquid group's preset (water unless a word says otherwise).
fn preset(g: &Group) -> MaterialDef {
    g.material
        .filter(|m| lex::liquid(m.name).is_some())
        .or_else(|| lex::liquid("water"))
        .unwrap_or(lex::LIQUIDS[0].1)
}

/// Whether group `i` is a liquid.
fn is_liquid(u: &Understanding, i: usize) -> bool {
    u.groups.get(i).is_some_and(|g| g.noun.is_liquid())
}

/// Whether group `i` is a container.
fn is_container(u: &Understanding, i: usize) -> bool {
    u.groups.get(i).is_some_and(|g| g.noun.is_container())
}

/// The container liquid `l` is in (its relation, any preposition).
fn holder(u: &Understanding, l: usize) -> Option<usize> {
    u.groups
        .get(l)?
        .relation
        .as_ref()
        .map(|r| r.to)
        .filter(|&c| is_container(u, c))
}

/// The liquid in container `c`, if one is.
fn contents(u: &Understanding, c: usize) -> Option<usize> {
    (0..u.groups.len()).find(|&l| is_liquid(u, l) && holder(u, l) == Some(c))
}

/// The liquid a solid's event or relation puts it in: the liquid named, or the one in
/// the container named, or (floating, sinking with nothing named) the first.
fn liquid_of(u: &Understanding, t: Option<usize>, fallback: bool) -> Option<usize> {
    match t {
        Some(t) if is_liquid(u, t) => Some(t),
        Some(t) if is_container(u, t) => contents(u, t),
        _ if fallback => (0..u.groups.len()).find(|&l| is_liquid(u, l)),
        _ => None,
    }
}

/// A liquid that needs a container gets one: the one it is said to slosh in or fill,
/// else a container named with no liquid of its own, else a glass (a tank to float or
/// sink something in, or to slosh). A liquid poured with nothing to pour into goes into
/// a glass. A container that spills across a table stands on it. `None` when the
/// prompt names no liquid; otherwise the understanding with those changes and a note
/// for each container added.
pub(super) fn imply(u: &Understanding) -> Option<(Understanding, Vec<String>)> {
    if !u.groups.iter().any(|g| g.noun.is_liquid()) {
        return None;
    }
    let mut v = u.clone();
    let mut notes = Vec::new();
    let n = v.groups.len();
    for l in 0..n {
        if !is_liquid(&v, l) || holder(&v, l).is_some() {
            continue;
        }
        let name = preset(&v.groups[l]).name;
        let words = v.groups[l].words.clone();
        let mine: Vec<usize> = (0..v.events.len())
            .filter(|&e| v.events[e].actor == l)
            .collect();
        let verb_of = |v: &Understanding, verbs: &[Verb]| {
            mine.iter()
                .copied()
                .find(|&e| verbs.contains(&v.events[e].verb))
        };
        if let Some(e) = verb_of(&v, &[Verb::Pour, Verb::Fill]) {
            if v.events[e].target.is_none_or(|t| t >= n) {
                notes.push(format!(
                    "\"{}\": into a glass (nothing named to pour into)",
                    v.events[e].words
                ));
                v.groups.push(Group::implied(
                    Noun::Glass,
                    format!("the glass {name} is poured into"),
                ));
                v.events[e].target = Some(v.groups.len() - 1);
            }
            continue;
        }
        if verb_of(&v, &[Verb::Drip, Verb::Splash, Verb::Spill]).is_some() {
            continue;
        }
        // Said to slosh in a container, or to be in one ("the water in the tank").
        let said = mine
            .iter()
            .filter_map(|&e| v.events[e].target)
            .chain(v.groups[l].relation.as_ref().map(|r| r.to))
            .find(|&c| is_container(&v, c) && contents(&v, c).is_none());
        let floats_in_it = v.events.iter().any(|e| {
            matches!(e.verb, Verb::Float | Verb::Sink | Verb::Fall)
                && (e.target == Some(l) || e.path.is_some_and(|(_, t)| t == l))
        });
        let sloshes = verb_of(&v, &[Verb::Slosh]).is_some();
        let free = (0..n).find(|&c| {
            is_container(&v, c)
                && contents(&v, c).is_none()
                && !v
                    .events
                    .iter()
                    .any(|e| matches!(e.verb, Verb::Pour | Verb::Fill) && e.target == Some(c))
        });
        let c = match said.or(if floats_in_it || sloshes { None } else { free }) {
            Some(c) => c,
            None => {
                let noun = if floats_in_it || sloshes {
                    Noun::Tank
                } else {
                    Noun::Glass
                };
                notes.push(format!("\"{words}\": in a {} (none named)", noun.name()));
                v.groups.push(Group::implied(
                    noun,
                    format!("the {} of {name}", noun.name()),
                ));
                v.groups.len() - 1
            }
        };
        v.groups[l].relation = Some(Relation {
            prep: Prep::In,
            to: c,
            and: None,
            words: words.clone(),
        });
    }
    // A container that spills across a table (or onto it) stands on it.
    for e in 0..v.events.len() {
        let ev = v.events[e].clone();
        if !matches!(ev.verb, Verb::Spill | Verb::Splash) {
            continue;
        }
        let c = if is_liquid(&v, ev.actor) {
            match holder(&v, ev.actor) {
                Some(c) => c,
                None => continue,
            }
        } else {
            ev.actor
        };
        let support = ev
            .path
            .map(|(_, s)| s)
            .into_iter()
            .chain(ev.target)
            .find(|&s| {
                v.groups
                    .get(s)
                    .is_some_and(|g| matches!(g.noun, Noun::Table | Noun::Shelf))
            });
        if let Some(s) = support
            && v.groups[c].relation.is_none()
            && is_container(&v, c)
        {
            v.groups[c].relation = Some(Relation {
                prep: Prep::On,
                to: s,
                and: None,
                words: ev.words.clone(),
            });
        }
    }
    Some((v, notes))
}

/// What every group does if it is a liquid (`None` for the others).
pub(super) fn roles(u: &Understanding) -> Vec<Option<Role>> {
    (0..u.groups.len()).map(|l| role(u, l)).collect()
}

fn role(u: &Understanding, l: usize) -> Option<Role> {
    if !is_liquid(u, l) {
        return None;
    }
    let g = &u.groups[l];
    let mine: Vec<&Event> = u.events.iter().filter(|e| e.actor == l).collect();
    let find = |verbs: &[Verb]| mine.iter().copied().find(|e| verbs.contains(&e.verb));
    let overflow = u.overflow.is_some();
    let c = holder(u, l);
    // What its container does: its own verbs, or the liquid's said of it.
    let of_container = |verbs: &[Verb]| {
        c.and_then(|c| {
            u.events
                .iter()
                .find(|e| e.actor == c && verbs.contains(&e.verb))
        })
        .or(find(verbs))
    };
    let thrown = c
        .and(of_container(&[Verb::Splash]))
        .map(|e| e.words.clone());
    let tipped = c
        .and(of_container(&[Verb::Spill, Verb::Topple, Verb::KnockOver]))
        .filter(|_| thrown.is_none())
        .map(|e| e.words.clone());
    let shaken = c.and(of_container(&[Verb::Slosh])).map(|e| e.words.clone());
    let mut floaters = Vec::new();
    // What can float: a loose solid (not a structure, a machine, a sheet, a container).
    let loose = |i: usize| {
        u.groups.get(i).is_some_and(|g| {
            !(g.noun.is_liquid()
                || g.noun.is_person()
                || g.noun.is_container()
                || g.noun.is_structure()
                || g.noun.is_cloth()
                || matches!(
                    g.noun,
                    Noun::Pendulum | Noun::Cradle | Noun::Seesaw | Noun::Spoon
                ))
        })
    };
    for e in &u.events {
        if !loose(e.actor) {
            continue;
        }
        let float = matches!(e.verb, Verb::Float | Verb::Sink);
        let into = matches!(e.verb, Verb::Fall | Verb::Bounce | Verb::Throw)
            && e.target
                .or(e.path.map(|(_, t)| t))
                .is_some_and(|t| liquid_of(u, Some(t), false).is_some());
        if (float || into)
            && liquid_of(u, e.target.or(e.path.map(|(_, t)| t)), float) == Some(l)
            && !floaters.iter().any(|(f, _, _)| *f == e.actor)
        {
            let verb = float.then_some(e.verb);
            floaters.push((e.actor, verb, e.words.clone()));
        }
    }
    // Solids said to be in it, or in its container ("a block in a tank of water").
    for (i, gi) in u.groups.iter().enumerate() {
        if !loose(i) {
            continue;
        }
        let Some(r) = &gi.relation else { continue };
        let here = r.to == l || (c == Some(r.to));
        if here && !floaters.iter().any(|(f, _, _)| *f == i) {
            floaters.push((i, None, r.words.clone()));
        }
    }
    let words = |e: Option<&Event>| e.map_or_else(|| g.words.clone(), |e| e.words.clone());
    // A group named by an event (not the floor, which the parser marks `usize::MAX`).
    let valid = |i: Option<usize>| i.filter(|&i| i < u.groups.len());
    let kind;
    let mut said = None;
    if let Some(e) = find(&[Verb::Pour, Verb::Fill]) {
        kind = Kind::Pour(valid(e.target));
        said = Some(e);
    } else if let Some(e) = find(&[Verb::Drip]) {
        let from = valid(
            e.path
                .filter(|(p, _)| matches!(p, Prep::From | Prep::Off))
                .map(|(_, s)| s),
        )
        .filter(|&s| !is_liquid(u, s));
        kind = Kind::Drip {
            from,
            onto: valid(e.target).filter(|&t| !is_liquid(u, t)),
        };
        said = Some(e);
    } else if let Some(c) = c {
        kind = Kind::Inside(c);
    } else if let Some(e) = find(&[Verb::Splash, Verb::Spill]) {
        let onto = valid(e.target)
            .or(valid(e.path.map(|(_, t)| t)))
            .filter(|&t| !is_liquid(u, t));
        kind = Kind::Splash(onto);
        said = Some(e);
    } else {
        // No container and nothing done (imply gives one): a splash onto the floor.
        kind = Kind::Splash(None);
    }
    let words = match tipped.as_ref().or(thrown.as_ref()).or(shaken.as_ref()) {
        Some(w) if said.is_none() => w.clone(),
        _ => words(said),
    };
    Some(Role {
        kind,
        words,
        overflow,
        tipped,
        thrown,
        shaken,
        floaters,
    })
}

/// Whether event `e` is laid out by the liquid phase rather than the verbs' (`act`):
/// every liquid verb but a container's spill (it tips over like a knocked glass), a
/// liquid's own verbs, and a solid dropped into a liquid.
pub(super) fn owns(u: &Understanding, e: &Event) -> bool {
    if is_liquid(u, e.actor) {
        return true;
    }
    if u.groups.get(e.actor).is_some_and(|g| g.noun.is_person()) {
        return false;
    }
    match e.verb {
        Verb::Spill => !is_container(u, e.actor),
        v if v.is_fluid() => true,
        Verb::Fall | Verb::Bounce | Verb::Throw => e
            .target
            .or(e.path.map(|(_, t)| t))
            .is_some_and(|t| liquid_of(u, Some(t), false).is_some()),
        _ => false,
    }
}

/// The container a liquid said to spill is in: it tips over.
pub(super) fn tipped_by_its_liquid(u: &Understanding, e: &Event) -> Option<usize> {
    if e.verb == Verb::Spill && is_liquid(u, e.actor) {
        holder(u, e.actor)
    } else {
        None
    }
}

/// Sizes every container to hold what is dropped into its liquid (a floater's width
/// plus 15 cm each way, its height 2.5 times), and gives a container the mass of its
/// shell and its liquid (the push that tips it moves both).
pub(super) fn fit_containers(u: &Understanding, specs: &mut [Spec], defaults: &mut Vec<String>) {
    for role in roles(u) {
        let Some(Role {
            kind: Kind::Inside(c),
            floaters,
            ..
        }) = role
        else {
            continue;
        };
        let mut need = Vec3::ZERO;
        for (f, _, _) in &floaters {
            let s = specs[*f].shape.half() * 2.0;
            need = need.max(Vec3::new(s.x + 0.3, 2.5 * s.y, s.z + 0.16));
        }
        if let ShapeOut::Box(s) = specs[c].shape
            && (need.x > s.x || need.y > s.y || need.z > s.z)
        {
            let grown = s.max(need);
            specs[c].shape = ShapeOut::Box(grown);
            defaults.push(format!(
                "\"{}\": {} × {} × {} m, to hold what goes in it",
                specs[c].words,
                num(grown.x),
                num(grown.y),
                num(grown.z)
            ));
        } else if let ShapeOut::Cylinder(r, h) = specs[c].shape
            && (need.x.max(need.z) > 2.0 * r || need.y > h)
        {
            let k = (need.x.max(need.z) / (2.0 * r)).max(need.y / h);
            specs[c].shape = ShapeOut::Cylinder(r * k, h * k);
            defaults.push(format!(
                "\"{}\": {} times its size, to hold what goes in it",
                specs[c].words,
                num(k)
            ));
        }
    }
    for (i, g) in u.groups.iter().enumerate() {
        let Some(v) = Vessel::of(g.noun, specs[i].shape) else {
            continue;
        };
        let shell = g
            .material
            .unwrap_or_else(|| {
                lex::material(g.noun.default_material()).unwrap_or(lex::MATERIALS[0].1)
            })
            .density
            * v.shell_volume();
        let liquid = contents(u, i).map_or(0.0, |l| {
            preset(&u.groups[l]).density * v.volume() * Vessel::level(g.noun)
        });
        specs[i].mass = Some(shell + liquid);
        // Its note says what it is now: hollow, its shell's mass.
        let said = format!("\"{}\": made of ", g.words);
        if let Some(d) = defaults.iter_mut().find(|d| d.starts_with(&said)) {
            let material = d[said.len()..]
                .split(',')
                .next()
                .unwrap_or_default()
                .to_string();
            *d = format!(
                "{said}{material}, hollow: {} m across, {} m tall, {} mm walls, {} kg",
                num(v.size.x),
                num(v.size.y),
                num(v.wall * 1000.0),
                num(shell)
            );
        }
    }
}

impl Layout<'_> {
    /// A hollow container as written: an entity with no shape at its center carrying
    /// `body`, its bottom and its walls as children (parts of its body).
    pub(super) fn vessel_entity(
        &self,
        name: &str,
        comment: String,
        material: &str,
        body: BodyOut,
        at: Vec3,
        v: Vessel,
    ) -> EntOut {
        let h = v.size * 0.5;
        let part = |name: String, comment: &str, shape, at, repeat| EntOut {
            name,
            comment: comment.to_string(),
            shape,
            material: material.to_string(),
            body: BodyOut::Part,
            mass: None,
            at,
            rotate_deg: Vec3::ZERO,
            repeat,
            children: Vec::new(),
        };
        let wall_h = v.size.y - BOTTOM;
        let wall_y = 0.5 * BOTTOM;
        let mut children = Vec::new();
        if v.round {
            let (n, radius, w) = v.ring();
            children.push(part(
                format!("{name}_bottom"),
                "the bottom",
                ShapeOut::Cylinder(h.x, BOTTOM),
                Vec3::new(0.0, -h.y + 0.5 * BOTTOM, 0.0),
                None,
            ));
            children.push(part(
                format!("{name}_wall"),
                &format!("{n} walls {} m thick in a ring, facing out", num(v.wall)),
                ShapeOut::Box(Vec3::new(v.wall, wall_h, w)),
                Vec3::new(0.0, wall_y, 0.0),
                Some(RepeatOut::RingOut(n, radius)),
            ));
        } else {
            children.push(part(
                format!("{name}_bottom"),
                "the bottom",
                ShapeOut::Box(Vec3::new(v.size.x, BOTTOM, v.size.z)),
                Vec3::new(0.0, -h.y + 0.5 * BOTTOM, 0.0),
                None,
            ));
            for (k, (dx, dz)) in [(-1.0f32, 0.0f32), (1.0, 0.0), (0.0, -1.0), (0.0, 1.0)]
                .iter()
                .enumerate()
            {
                let shape = if *dx != 0.0 {
                    ShapeOut::Box(Vec3::new(v.wall, wall_h, v.size.z))
                } else {
                    ShapeOut::Box(Vec3::new(v.size.x - 2.0 * v.wall, wall_h, v.wall))
                };
                children.push(part(
                    format!("{name}_wall{k}"),
                    "a wall",
                    shape,
                    Vec3::new(dx * (h.x - 0.5 * v.wall), wall_y, dz * (h.z - 0.5 * v.wall)),
                    None,
                ));
            }
        }
        EntOut {
            name: name.to_string(),
            comment,
            shape: ShapeOut::Empty,
            material: material.to_string(),
            body,
            mass: None,
            at,
            rotate_deg: Vec3::ZERO,
            repeat: None,
            children,
        }
    }

    /// The entities a container is written as in a prompt with a liquid: hollow, its
    /// copies (`repeat`) too.
    pub(super) fn hollow_entities(&self, i: usize) -> Option<Vec<EntOut>> {
        let spec = &self.specs[i];
        let v = Vessel::of(spec.noun, spec.shape)?;
        self.placed[i].as_ref()?;
        let comment = format!("\"{}\"", spec.words);
        let body = self.bodies[i];
        let shape = if v.round {
            format!("{} m across", num(v.size.x))
        } else {
            format!("{} × {} m", num(v.size.x), num(v.size.z))
        };
        let what = match body {
            BodyOut::Fixed => ", fixed",
            BodyOut::Shaken(k) if k.iter().any(|k| k.2 != 0.0) => ", swung",
            BodyOut::Shaken(_) => ", shaken",
            _ => "",
        };
        Some(
            self.protos[i]
                .iter()
                .map(|pr| {
                    let copies = match (pr.repeat, spec.arrangement) {
                        (Some(_), Some(a)) => format!("{} in a {}, each ", spec.count, a.word()),
                        _ => String::new(),
                    };
                    // A stack of copies is a line up by the height: `Stack` needs a shape.
                    let repeat = match pr.repeat {
                        Some(RepeatOut::Stack(n)) => {
                            Some(RepeatOut::Line(n, Vec3::new(0.0, v.size.y, 0.0)))
                        }
                        r => r,
                    };
                    EntOut {
                        repeat,
                        ..self.vessel_entity(
                            &pr.name,
                            format!(
                                "{comment}: {copies}hollow, {shape}, {} m tall, {} m walls{what}",
                                num(v.size.y),
                                num(v.wall)
                            ),
                            &spec.material,
                            body,
                            pr.at,
                            v,
                        )
                    }
                })
                .collect(),
        )
    }

    /// The preferred particle radius of each liquid (its narrowest width over 12: six
    /// particles across, three layers deep; a floater's smallest side over 5) and how
    /// much liquid it will hold, m³.
    fn sizes(&self) -> Vec<(f32, f32)> {
        let mut out = Vec::new();
        for role in self.fluid_roles.iter().flatten() {
            let (mut r, vol) = match role.kind {
                Kind::Inside(c) | Kind::Pour(Some(c)) => {
                    match Vessel::of(self.specs[c].noun, self.specs[c].shape) {
                        Some(v) => {
                            let fill = match role.kind {
                                Kind::Pour(_) if role.overflow => 1.5,
                                Kind::Pour(_) => 0.7,
                                _ => Vessel::level(self.specs[c].noun),
                            };
                            // Six across and three layers deep.
                            let depth = v.size.y * fill.min(1.0) - BOTTOM;
                            (
                                (v.inner_width() / 12.0).min(depth / 6.0),
                                v.volume() * fill * self.specs[c].count as f32,
                            )
                        }
                        None => (0.008, 5e-4),
                    }
                }
                Kind::Pour(None) => (0.008, 5e-4),
                Kind::Splash(_) => (0.15 / 12.0, 0.15f32.powi(3)),
                Kind::Drip { .. } => (0.003, 1e-4),
            };
            for (f, _, _) in &role.floaters {
                r = r.min(self.specs[*f].shape.half().min_element() * 2.0 / 5.0);
            }
            out.push((r, vol));
        }
        out
    }

    /// The particle radius every liquid shares: the smallest preferred, 3 mm to 2 cm,
    /// raised until all of them hold under [`MAX_PARTICLES`]; 0.1 mm steps.
    fn particle_radius(&self) -> f32 {
        let sizes = self.sizes();
        let r = sizes
            .iter()
            .map(|s| s.0)
            .fold(f32::INFINITY, f32::min)
            .clamp(0.003, 0.02);
        // Down to the 0.1 mm below (six across stays six), up to the 0.1 mm above the
        // radius the particle limit needs.
        let volume: f32 = sizes.iter().map(|s| s.1).sum();
        let cap = (0.5 * (volume / MAX_PARTICLES).cbrt() * 10_000.0).ceil() / 10_000.0;
        ((r * 10_000.0).floor() / 10_000.0).max(cap).max(0.003)
    }

    fn fluid_check(&mut self, name: &str, test: FluidTest, what: String, words: &str) {
        self.expects.push(Expect {
            check: Check::Fluid {
                name: name.to_string(),
                test,
            },
            what,
            words: words.into(),
        });
    }

    /// A free spot on the floor right of everything placed, for something `w` wide.
    fn free_x(&self, w: f32) -> f32 {
        let right = self
            .placed
            .iter()
            .flatten()
            .map(|p| p.max.x)
            .fold(f32::NEG_INFINITY, f32::max);
        if right.is_finite() {
            right + 0.3 + 0.5 * w
        } else {
            0.0
        }
    }

    /// A fixed part a liquid comes out of (a spout, a tap): a short cylinder whose
    /// bottom is a centimeter above the nozzle `at`.
    fn spout(&mut self, name: &str, at: Vec3, radius: f32, comment: String) -> String {
        let name = self.part(name);
        let material = self.mats.add(
            lex::material("steel").unwrap_or(lex::MATERIALS[0].1),
            None,
            &[],
            format!("{comment}: the spout"),
        );
        self.extra.push(EntOut {
            name: name.clone(),
            comment,
            shape: ShapeOut::Cylinder(radius + 0.006, 0.05),
            material,
            body: BodyOut::Fixed,
            mass: None,
            at: at + Vec3::new(0.0, 0.035, 0.0),
            rotate_deg: Vec3::ZERO,
            repeat: None,
            children: Vec::new(),
        });
        name
    }

    /// The liquid phase: every liquid written with its parts and checks, what floats in
    /// it dropped in, a shaken container's keys.
    pub(super) fn fluids(&mut self) {
        if self.fluid_roles.iter().all(Option::is_none) {
            return;
        }
        let r = self.particle_radius();
        let clip = self.clip();
        let slow = self.slow;
        for l in 0..self.specs.len() {
            let Some(role) = self.fluid_roles.get(l).cloned().flatten() else {
                continue;
            };
            let g = self.group(l).clone();
            let liquid = preset(&g);
            let base = self.specs[l].base.clone();
            let color = g.color.map(|(_, hex)| hex.to_string());
            let out = |name: String, comment: String, fill: FillOut| FluidOut {
                name,
                comment,
                material: liquid.name,
                fill,
                particle_radius: r,
                velocity: Vec3::ZERO,
                color: color.clone(),
            };
            match role.kind {
                Kind::Inside(c) => {
                    let Some(v) = Vessel::of(self.specs[c].noun, self.specs[c].shape) else {
                        continue;
                    };
                    let level = Vessel::level(self.specs[c].noun);
                    let cname = self.specs[c].noun.name();
                    // Something else stands in it (a ramp "in the bowl"): the liquid
                    // would start inside that.
                    if let Some(o) = self.in_the_way(c, &role) {
                        self.warnings.push(format!(
                            "\"{}\": the {cname} is left empty: the {} is in it",
                            g.words,
                            self.specs[o].noun.name()
                        ));
                        continue;
                    }
                    // Particles sized for a bigger liquid elsewhere may not fit in it.
                    if v.inner_width() < 6.0 * r || level * v.size.y - BOTTOM < 4.0 * r {
                        self.warnings.push(format!(
                            "\"{}\": the {cname} is left empty: the scene's liquid particles ({} mm, one size for every liquid) are too big for it",
                            g.words,
                            num(r * 1000.0)
                        ));
                        continue;
                    }
                    if let Some(w) = &role.thrown {
                        self.throw_out(c, v, w);
                    } else if let Some(w) = &role.shaken {
                        self.shake(c, v, w);
                    } else if self.specs[c].noun == Noun::Tank && role.tipped.is_none() {
                        self.bodies[c] = BodyOut::Fixed;
                    }
                    let items = self.all_names(c);
                    for (k, item) in items.iter().enumerate() {
                        let name = if k == 0 {
                            base.clone()
                        } else {
                            format!("{base}_in_{}_{}", self.specs[c].base, k + 1)
                        };
                        let comment = format!(
                            "\"{}\": {} filling the {cname} to {:.0} %, particles of {} mm ({} across it)",
                            g.words,
                            liquid.name,
                            level * 100.0,
                            num(r * 1000.0),
                            (v.inner_width() / (2.0 * r)).floor()
                        );
                        // It leaves with its container when that is launched.
                        let velocity = match self.bodies[c] {
                            BodyOut::Dynamic { velocity, .. } => velocity,
                            _ => Vec3::ZERO,
                        };
                        self.fluids.push(FluidOut {
                            velocity,
                            ..out(name.clone(), comment, FillOut::Inside(item.clone(), level))
                        });
                        self.inside_checks(&name, item, &role, v, c, r, level);
                    }
                    self.drop_in(&base, c, v, level, &role);
                }
                Kind::Pour(into) => self.pour(&base, into, &role, &g, r, clip, slow, &out),
                Kind::Drip { from, onto } => {
                    self.drip(&base, from, onto, &role, &g, r, clip, slow, &out)
                }
                Kind::Splash(onto) => {
                    let e = 0.15 * g.scale.clamp(0.5, 2.0);
                    let (x, z, top) = match onto {
                        Some(t) => {
                            let (lo, hi) = self.bounds_of(t);
                            (0.5 * (lo.x + hi.x), 0.5 * (lo.z + hi.z), hi.y)
                        }
                        None => (self.free_x(e), 0.0, 0.0),
                    };
                    let center = Vec3::new(x, top + 0.5 + 0.5 * e, z);
                    let what = onto.map_or("floor", |t| self.specs[t].noun.name());
                    self.fluids.push(out(
                        base.clone(),
                        format!(
                            "\"{}\": a {} m block of {} let go 0.5 m above the {what}, particles of {} mm",
                            role.words,
                            num(e),
                            liquid.name,
                            num(r * 1000.0)
                        ),
                        FillOut::Box(center, Vec3::splat(e)),
                    ));
                    self.fluid_check(
                        &base,
                        FluidTest::Spreads { min: 1.5 * e },
                        format!("the {} splashes and spreads", liquid.name),
                        &role.words,
                    );
                }
            }
        }
    }

    /// The checks of a liquid in container item `item`: it stays in (at rest, shaken),
    /// runs out (tipped), sloshes.
    #[expect(
        clippy::too_many_arguments,
        reason = "one call site, each a plain number"
    )]
    fn inside_checks(
        &mut self,
        name: &str,
        item: &str,
        role: &Role,
        v: Vessel,
        c: usize,
        r: f32,
        level: f32,
    ) {
        let (lo, hi) = v.cavity();
        let (lo, hi) = (lo - Vec3::splat(r), hi + Vec3::new(r, 2.0 * r, r));
        let liquid = self.specs[name_group(self, name)].material.clone();
        let cname = self.specs[c].noun.name();
        if let Some(w) = &role.tipped {
            self.fluid_check(
                name,
                FluidTest::Outside {
                    vessel: item.to_string(),
                    lo,
                    hi,
                    fraction: 0.4,
                },
                format!("the {liquid} spills out of the {cname}"),
                w,
            );
        } else if let Some(w) = &role.thrown {
            self.fluid_check(
                name,
                FluidTest::Outside {
                    vessel: item.to_string(),
                    lo,
                    hi,
                    fraction: 0.6,
                },
                format!("the {liquid} splashes out of the {cname}"),
                w,
            );
        } else if let Some(w) = &role.shaken {
            let depth = (hi.y - lo.y) * level;
            self.fluid_check(
                name,
                FluidTest::Sloshes {
                    vessel: item.to_string(),
                    lo,
                    hi,
                    min: (0.15 * depth).max(0.02),
                },
                format!("the {liquid} sloshes in the {cname}"),
                w,
            );
        } else {
            self.fluid_check(
                name,
                FluidTest::Inside {
                    vessel: item.to_string(),
                    lo,
                    hi,
                    fraction: 0.9,
                },
                format!("the {liquid} stays in the {cname}"),
                &role.words,
            );
        }
    }

    /// A container shaken from side to side: ± 10 cm along x and back in 0.8 s, after a
    /// 0.3 s rest (kinematic keys; the liquid runs up one wall, then the other).
    fn shake(&mut self, c: usize, v: Vessel, words: &str) {
        self.just_one(c, words);
        let Some(p) = self.placed[c].as_ref().and_then(|p| p.items.first()) else {
            return;
        };
        let at = p.center;
        let d = Vec3::new((0.2 * v.size.x).clamp(0.03, 0.1), 0.0, 0.0);
        let s = self.slow / self.tune.speed.max(1.0);
        self.bodies[c] = BodyOut::Shaken([
            (0.0, at, 0.0),
            (0.3 * s, at, 0.0),
            (0.55 * s, at + d, 0.0),
            (0.85 * s, at - d, 0.0),
            (1.1 * s, at, 0.0),
        ]);
        self.defaults.push(format!(
            "\"{words}\": the {} is shaken {} m each way along x, then held still",
            self.specs[c].noun.name(),
            num(d.x)
        ));
    }

    /// A container moved on keys takes no pushes; a group of them is laid out as one
    /// (the keys are the first copy's).
    fn just_one(&mut self, c: usize, words: &str) {
        // Moved on keys, it takes no pushes, and the checks of a pushed one go.
        let names = self.all_names(c);
        self.events.retain(|e| !names.contains(&e.target));
        self.expects.retain(|e| match &e.check {
            Check::Fallen { items, .. } | Check::Moved { items, .. } => {
                !items.iter().any(|i| names.contains(i))
            }
            _ => true,
        });
        if self.specs[c].count <= 1 {
            return;
        }
        let Some(first) = self.placed[c]
            .as_ref()
            .and_then(|p| p.items.first())
            .cloned()
        else {
            return;
        };
        self.specs[c].count = 1;
        self.specs[c].arrangement = None;
        self.set(c, first.center - Vec3::new(0.0, first.half.y, 0.0));
        self.defaults.push(format!(
            "\"{words}\": one {} (a group that is shaken or swung is laid out as one)",
            self.specs[c].noun.name()
        ));
    }

    /// A container swung to throw its liquid out along +x: held 0.2 s, then lifted 30 cm
    /// and turned 130° over toward +x in 0.6 s, and held there (kinematic keys).
    fn throw_out(&mut self, c: usize, v: Vessel, words: &str) {
        self.just_one(c, words);
        let Some(p) = self.placed[c].as_ref().and_then(|p| p.items.first()) else {
            return;
        };
        let at = p.center;
        let s = self.slow / self.tune.speed.max(1.0);
        let up = Vec3::new(0.5 * v.size.x, 0.3, 0.0);
        self.bodies[c] = BodyOut::Shaken([
            (0.0, at, 0.0),
            (0.2 * s, at, 0.0),
            (0.5 * s, at + up * 0.6, -60.0),
            (0.8 * s, at + up, -130.0),
            (1.2 * s, at + up, -130.0),
        ]);
        self.defaults.push(format!(
            "\"{words}\": the {} is swung up 30 cm and turned 130° over toward +x, throwing its contents out",
            self.specs[c].noun.name()
        ));
    }

    /// Drops what floats or sinks in the liquid into container `c`: centered, 3 cm
    /// above the surface; a floater too dense to float is made hollow, a sinker too
    /// light to sink weighted.
    fn drop_in(&mut self, liquid: &str, c: usize, v: Vessel, level: f32, role: &Role) {
        let Some(center) = self.placed[c]
            .as_ref()
            .and_then(|p| p.items.first())
            .map(|it| it.center)
        else {
            return;
        };
        let bottom = center.y - 0.5 * v.size.y;
        // The top of the particles' lattice, which fills whole cells up to the level.
        let r = self.fluids.last().map_or(0.01, |f| f.particle_radius);
        let surface = bottom + 2.0 * r * (level * v.size.y / (2.0 * r)).floor();
        let rho = self
            .group(name_group(self, liquid))
            .material
            .map_or(998.0, |m| m.density);
        let lname = self.specs[name_group(self, liquid)].material.clone();
        for (f, verb, words) in role.floaters.clone() {
            let half = self.specs[f].shape.half();
            let vol = self.specs[f].shape.volume();
            let m = self.mass_of(f);
            let float = match verb {
                Some(Verb::Float) => true,
                Some(_) => false,
                None => m / vol.max(1e-9) < rho,
            };
            if verb == Some(Verb::Float) && m >= 0.9 * rho * vol {
                self.specs[f].mass = Some(0.5 * rho * vol);
                self.defaults.push(format!(
                    "\"{words}\": hollow, half the {lname}'s density, so it floats"
                ));
            } else if verb == Some(Verb::Sink) && m <= 1.1 * rho * vol {
                self.specs[f].mass = Some(2.5 * rho * vol);
                self.defaults.push(format!(
                    "\"{words}\": weighted to 2.5 times the {lname}'s density, so it sinks"
                ));
            }
            let origin = Vec3::new(center.x, surface + 0.03, center.z) - self.center_offset(f);
            self.specs[f].count = 1;
            self.set(f, origin);
            self.positioned_by_event[f] = true;
            self.bodies[f] = BodyOut::Dynamic {
                velocity: Vec3::ZERO,
                angular: Vec3::ZERO,
                ccd: false,
            };
            let name = self.all_names(f).first().cloned().unwrap_or_default();
            self.subject.get_or_insert(name.clone());
            let noun = self.specs[f].noun.name();
            if float {
                self.fluid_check(
                    liquid,
                    FluidTest::Floats {
                        item: name,
                        half: half.y,
                        floor: bottom + BOTTOM,
                    },
                    format!("the {noun} floats on the {lname}"),
                    &words,
                );
            } else {
                // On the bottom, or on the layer of particles the solver keeps under it.
                let y = bottom + BOTTOM + half.y + (3.0 * r).max(0.02);
                self.expects.push(Expect {
                    check: Check::EndsBelow {
                        items: vec![name],
                        y,
                    },
                    what: format!(
                        "the {noun} sinks to the bottom of the {}",
                        self.specs[c].noun.name()
                    ),
                    words,
                });
            }
        }
    }

    /// A pour: a spout 15 cm above the brim of what it pours into (40 cm above a table
    /// or the floor), a nozzle a quarter of the cavity across, 70 % of the cavity in
    /// 1.5 s (150 % "until it overflows").
    #[expect(clippy::too_many_arguments, reason = "one call site")]
    fn pour(
        &mut self,
        base: &str,
        into: Option<usize>,
        role: &Role,
        g: &Group,
        r: f32,
        clip: f32,
        slow: f32,
        out: &dyn Fn(String, String, FillOut) -> FluidOut,
    ) {
        let liquid = preset(g).name;
        let vessel =
            into.and_then(|c| Vessel::of(self.specs[c].noun, self.specs[c].shape).map(|v| (c, v)));
        let (x, z, top, nozzle, volume) = match (into, vessel) {
            (Some(c), Some((_, v))) => {
                if self.specs[c].noun == Noun::Tank {
                    self.bodies[c] = BodyOut::Fixed;
                }
                let (lo, hi) = self.bounds_of(c);
                let fill = if role.overflow { 1.5 } else { 0.7 };
                (
                    0.5 * (lo.x + hi.x),
                    0.5 * (lo.z + hi.z),
                    hi.y + 0.15,
                    (0.15 * v.inner_width()).min(0.03).max(2.0 * r),
                    fill * v.volume(),
                )
            }
            (Some(t), None) => {
                let (lo, hi) = self.bounds_of(t);
                (
                    0.5 * (lo.x + hi.x),
                    0.5 * (lo.z + hi.z),
                    hi.y + 0.4,
                    (2.0 * r).max(0.01),
                    5e-4,
                )
            }
            (None, _) => (self.free_x(0.3), 0.0, 0.4, (2.0 * r).max(0.01), 5e-4),
        };
        let at = Vec3::new(x, top, z);
        let (from, t) = (0.2 * slow, (1.5 * slow).min(clip - 1.0 * slow).max(0.3));
        // The nozzle lets out the rate asked for, to the particle (its speed is the
        // rate over the area its disc of lattice points covers).
        let s = 2.0 * r;
        let rate = volume / t;
        let what = into.map_or("floor".to_string(), |c| self.specs[c].noun.name().into());
        let spout = self.spout(
            "spout",
            at,
            nozzle,
            format!("\"{}\": what the {liquid} pours from", role.words),
        );
        self.fluids.push(out(
            base.to_string(),
            format!(
                "\"{}\": {} l of {liquid} from the {spout} into the {what} over {} s{}, particles of {} mm",
                role.words,
                num(volume * 1000.0),
                num(t),
                if role.overflow {
                    " (more than it holds)"
                } else {
                    ""
                },
                num(r * 1000.0)
            ),
            FillOut::Emitter {
                at,
                direction: Vec3::NEG_Y,
                radius: nozzle,
                rate: rate * 1000.0,
                from,
                until: from + t,
            },
        ));
        let subject = into
            .and_then(|c| self.all_names(c).first().cloned())
            .unwrap_or_else(|| spout.clone());
        self.subject.get_or_insert(subject);
        match (into, vessel) {
            (Some(c), Some((_, v))) => {
                let item = self.all_names(c).first().cloned().unwrap_or_default();
                let (lo, hi) = v.cavity();
                let (lo, hi) = (lo - Vec3::splat(r), hi + Vec3::new(r, 2.0 * r, r));
                let cname = self.specs[c].noun.name();
                if role.overflow {
                    let (clo, chi) = v.cavity();
                    let inner = (chi - clo - Vec3::new(2.0 * r, r, 2.0 * r)).max(Vec3::ZERO);
                    let cells = inner.x * inner.y * inner.z / (s * s * s)
                        * if v.round {
                            std::f32::consts::FRAC_PI_4
                        } else {
                            1.0
                        };
                    self.fluid_check(
                        base,
                        FluidTest::Overflows {
                            vessel: item,
                            lo,
                            hi,
                            full: (0.6 * cells) as usize,
                            fraction: 0.05,
                        },
                        format!("the {liquid} fills the {cname} and runs over"),
                        &role.words,
                    );
                } else {
                    self.fluid_check(
                        base,
                        FluidTest::Inside {
                            vessel: item,
                            lo,
                            hi,
                            fraction: 0.6,
                        },
                        format!("the {liquid} ends in the {cname}"),
                        &role.words,
                    );
                }
            }
            _ => self.fluid_check(
                base,
                FluidTest::Falls {
                    y: top - 0.1,
                    count: 20,
                    fraction: 0.7,
                },
                format!("the {liquid} pours onto the {what}"),
                &role.words,
            ),
        }
    }

    /// A drip: from a spoon held still 25 cm above what it drips onto (35 cm above the
    /// floor), or from a tap; a nozzle of two particles' radius letting out a 15 cm/s
    /// thread from 0.2 s until 0.6 s before the end.
    #[expect(clippy::too_many_arguments, reason = "one call site")]
    fn drip(
        &mut self,
        base: &str,
        from: Option<usize>,
        onto: Option<usize>,
        role: &Role,
        g: &Group,
        r: f32,
        clip: f32,
        slow: f32,
        out: &dyn Fn(String, String, FillOut) -> FluidOut,
    ) {
        let liquid = preset(g).name;
        let (x, z, below) = match onto {
            Some(t) => {
                let (lo, hi) = self.bounds_of(t);
                (0.5 * (lo.x + hi.x), 0.5 * (lo.z + hi.z), hi.y)
            }
            None => (self.free_x(0.2), 0.0, 0.0),
        };
        let nozzle_y = below + if onto.is_some() { 0.25 } else { 0.35 };
        let (at, source) = match from {
            Some(s) => {
                // The spoon (or whatever it drips from), held still with its tip over
                // the spot.
                let half = self.specs[s].shape.half();
                let origin = Vec3::new(x - half.x + 0.02, nozzle_y + 0.01, z);
                self.specs[s].count = 1;
                self.set(s, origin - self.center_offset(s));
                self.positioned_by_event[s] = true;
                self.bodies[s] = BodyOut::Fixed;
                let name = self.all_names(s).first().cloned().unwrap_or_default();
                (Vec3::new(x, nozzle_y, z), name)
            }
            None => {
                let at = Vec3::new(x, nozzle_y, z);
                let tap = self.spout(
                    "tap",
                    at,
                    2.0 * r,
                    format!("\"{}\": the tap it drips from", role.words),
                );
                (at, tap)
            }
        };
        let nozzle = 2.0 * r;
        let speed = 0.15 / slow.sqrt();
        // The outflow speed is the rate over the area the nozzle's disc of lattice
        // points covers, a cell (2r)² each.
        let cells = crate::scene::Emitter {
            at,
            direction: Vec3::NEG_Y,
            radius: nozzle,
            rate: 1.0,
            from: 0.0,
            until: 1.0,
        }
        .layer(r)
        .len() as f32;
        let rate = speed * cells * 4.0 * r * r;
        let (t0, t1) = (0.2 * slow, (clip - 0.6 * slow).max(0.2 * slow + 0.3));
        self.fluids.push(out(
            base.to_string(),
            format!(
                "\"{}\": a thin thread of {liquid} from the {source}, {} m/s through a {} mm nozzle, particles of {} mm",
                role.words,
                num(speed),
                num(nozzle * 1000.0),
                num(r * 1000.0)
            ),
            FillOut::Emitter {
                at,
                direction: Vec3::NEG_Y,
                radius: nozzle,
                rate: rate * 1000.0,
                from: t0,
                until: t1,
            },
        ));
        self.subject.get_or_insert(source.clone());
        self.fluid_check(
            base,
            FluidTest::Falls {
                y: nozzle_y - 0.05,
                count: 10,
                fraction: 0.7,
            },
            format!("the {liquid} drips from the {source}"),
            &role.words,
        );
    }

    /// A group (not a floater of `role`, not a sheet) whose box reaches into the cavity
    /// of container `c`.
    fn in_the_way(&self, c: usize, role: &Role) -> Option<usize> {
        let (lo, hi) = self.bounds_of(c);
        let (lo, hi) = (lo + Vec3::new(0.0, BOTTOM, 0.0), hi);
        (0..self.specs.len()).find(|&j| {
            let Some(p) = &self.placed[j] else {
                return false;
            };
            // A ramp is written where its low end meets the floor, tilted, not where its
            // box was placed.
            let (pmin, pmax) = if self.specs[j].noun == Noun::Ramp {
                let r = self.ramp_of(j);
                let (cos, sin) = (r.angle.cos(), r.angle.sin());
                let e = Vec3::new(
                    r.half.x * cos + r.half.y * sin,
                    r.half.x * sin + r.half.y * cos,
                    r.half.z,
                );
                (r.center - e, r.center + e)
            } else {
                (p.min, p.max)
            };
            j != c
                && !self.specs[j].noun.is_cloth()
                && !role.floaters.iter().any(|(f, _, _)| *f == j)
                && pmin.x < hi.x - 1e-3
                && lo.x < pmax.x - 1e-3
                && pmin.y < hi.y - 1e-3
                && lo.y < pmax.y - 1e-3
                && pmin.z < hi.z - 1e-3
                && lo.z < pmax.z - 1e-3
        })
    }

    /// Whether group `i` is a liquid (never placed, never an entity).
    pub(super) fn is_liquid_group(&self, i: usize) -> bool {
        self.specs[i].noun.is_liquid()
    }

    /// Whether group `i` floats or sinks in a liquid (placed by the liquid phase).
    pub(super) fn in_liquid(&self, i: usize) -> bool {
        self.fluid_roles
            .iter()
            .flatten()
            .any(|r| r.floaters.iter().any(|(f, _, _)| *f == i))
    }
}

/// The group whose base name is `name`.
fn name_group(l: &Layout<'_>, name: &str) -> usize {
    l.specs.iter().position(|s| s.base == name).unwrap_or(0)
}
