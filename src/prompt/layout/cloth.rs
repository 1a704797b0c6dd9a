//! Cloth in the layout: what each sheet does (its [`Role`]), where it goes, the parts it
//! needs (a flag's pole, a curtain's rod, the hand that pulls a tablecloth), the wind,
//! and the checks read from its simulated vertices (`docs/cloth.md` for the format).
//!
//! A sheet is placed like a group, through a proxy box: flat (1 cm high) for a sheet lying
//! on something, upright for a flag on its pole or a curtain on its rod. What it lies on
//! or drapes over is placed first; the sheet does not take a slot on a table's top, and
//! groups are not pushed apart from a sheet that lies on them.
//!
//! Numbers: a flag is 1.2 × 0.8 m at the top of a 3 m pole (`scenes/flag_wind.ron`); a
//! curtain 1.2 × 1.8 m, 30 cm above the floor; a tablecloth the table's top and 25 cm
//! over each edge, 6 mm above it; the hand that pulls it waits 0.8 s, then goes 2.4 m at
//! 6 m/s (`scenes/cloth/tablecloth_pull.ron` pulls at 4), and a pulled one hangs over the hand's
//! side only; a sheet that drapes falls from 15 cm above what it drapes over, sized to
//! hang over its sides. Quads are about 5 cm, at most 32 a side.

use glam::{Vec2, Vec3};

use super::{Check, Expect, Layout, Spec};
use crate::prompt::draft::{BodyOut, ClothOut, EntOut, ShapeOut, WindOut};
use crate::prompt::emit::num;
use crate::prompt::lexicon::{self as lex, MaterialDef, Noun, Prep, Verb};
use crate::prompt::parse::{Event, Group, Relation, Understanding};

/// An edge of a sheet: a row or a column of its grid (`docs/cloth.md`, "The sheet").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// Row `j = 0`.
    Top,
    /// Row `j = ny`.
    Bottom,
    /// Column `i = nx` (a flag's free edge).
    Right,
}

impl Edge {
    /// Its word in messages.
    pub fn word(self) -> &'static str {
        match self {
            Edge::Top => "top",
            Edge::Bottom => "bottom",
            Edge::Right => "free",
        }
    }
}

/// What a sheet's vertices must show (read by the intent check).
#[derive(Debug, Clone, PartialEq)]
pub enum ClothTest {
    /// After `from` s, the edge's vertices move on average more than `min` m away from
    /// where they were at `from` (a flag's free edge flutters, a curtain billows). Each
    /// vertex's own largest displacement, averaged: a ripple running along the edge counts
    /// even where the edge's mean stays put (a flag held straight out by a strong wind).
    EdgeMoves {
        /// The edge.
        edge: Edge,
        /// s.
        from: f32,
        /// m.
        min: f32,
    },
    /// At the end the sheet's center vertex is above `top` (less 1 cm) and its four
    /// corners more than 2 cm below it: it draped over what it fell on.
    Draped {
        /// The top of what it drapes over, m.
        top: f32,
    },
    /// At the end fewer than a tenth of the vertices lie on the top (inside the
    /// rectangle, within 5 cm above `top`): the cloth left it.
    OffTop {
        /// m.
        top: f32,
        /// Rectangle in x, z.
        min: Vec2,
        /// Rectangle in x, z.
        max: Vec2,
    },
    /// At the end the center vertex lies on the top (within 3 cm above `top`, inside the
    /// rectangle).
    OnTop {
        /// m.
        top: f32,
        /// Rectangle in x, z.
        min: Vec2,
        /// Rectangle in x, z.
        max: Vec2,
    },
    /// At the end every vertex is below `y`.
    Below {
        /// m.
        y: f32,
    },
    /// At the end the sheet covers (its x–z box) less than `fraction` of its own area.
    Folded {
        /// Of the sheet's area.
        fraction: f32,
    },
    /// The mean of all vertices ends more than `min` m from where it started.
    Moved {
        /// m.
        min: f32,
    },
    /// At the end the top edge is still at `top` (within 2 cm) and the bottom edge's mean
    /// more than `drop` m below it: it hangs.
    Hangs {
        /// m.
        top: f32,
        /// m.
        drop: f32,
    },
}

/// What a sheet does in the prompt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    /// On a pole, pinned along its left edge.
    Flag,
    /// From a rod, pinned along its top edge (a curtain; a sheet that waves).
    Hanging,
    /// Falls flat onto group `.0` (fixed) and drapes over it.
    Drape(usize),
    /// Lies flat on group `.0`'s top, or on the floor.
    Flat(Option<usize>),
    /// Falls flat onto the floor: from a meter up, or from beside the top of group `.0`
    /// ("falls off a table").
    Drop(Option<usize>),
    /// Stands on its edge and folds onto itself on the floor.
    Crumple,
}

/// A sheet's role: what it does, the words that said so, and how.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Role {
    pub kind: Kind,
    /// The words its checks quote.
    pub words: String,
    /// A hand pulls it away.
    pub pulled: bool,
    /// It waves in the wind.
    pub waves: bool,
}

/// The hand that pulls a tablecloth.
const HANDLE: MaterialDef = MaterialDef {
    name: "handle",
    color: "#303030",
    density: 1000.0,
    friction: 0.5,
    restitution: 0.2,
    roughness: 0.5,
    metallic: 0.0,
};

/// The most sheets a prompt lays out: each costs a simulation of up to 33 × 33
/// vertices, far under the scene's limit (`MAX_CLOTH_VERTICES`).
pub(super) const MAX_SHEETS: usize = 8;

/// A flag's pole: 2.5 cm radius.
const POLE_RADIUS: f32 = 0.025;
/// A flat sheet's center above what it lies on, m (its thickness plus 2 mm).
const LIFT: f32 = 0.006;

/// The box a sheet takes before it is placed (its size set again in
/// [`Layout::place_cloth`] from what it lies on).
pub(super) fn proxy(noun: Noun, scale: f32) -> ShapeOut {
    match noun {
        Noun::Flag => {
            let (w, h) = (1.2 * scale, 0.8 * scale);
            ShapeOut::Box(Vec3::new(
                2.0 * POLE_RADIUS + 0.005 + w,
                pole_height(h),
                0.1,
            ))
        }
        Noun::Curtain => {
            let (w, h) = (1.2 * scale, 1.8 * scale);
            ShapeOut::Box(Vec3::new(w + 0.2, h + 0.35, 0.1))
        }
        Noun::Tablecloth => ShapeOut::Box(Vec3::new(1.6 * scale, 0.01, 1.1 * scale)),
        _ => ShapeOut::Box(Vec3::new(scale, 0.01, scale)),
    }
}

fn pole_height(flag_height: f32) -> f32 {
    (flag_height + 2.2).max(3.0)
}

/// Width and height of a hanging sheet: a curtain, or a sheet on a line.
fn hanging_size(noun: Noun, scale: f32) -> (f32, f32) {
    match noun {
        Noun::Curtain => (1.2 * scale, 1.8 * scale),
        _ => (scale, scale),
    }
}

/// Quads across and down: about 5 cm (coarser for big sheets, at most 32 a side), an
/// even number so a vertex sits at the center.
fn grid(w: f32, h: f32) -> (u32, u32) {
    let quad = (w.max(h) / 32.0).max(0.05);
    let n = |len: f32| ((len / quad).round() as u32).clamp(4, 32).div_ceil(2) * 2;
    (n(w), n(h))
}

/// The fabric preset of a group (cotton unless a fabric word says otherwise).
fn fabric(g: &Group) -> &'static str {
    g.material
        .and_then(|m| lex::fabric_of(m.name))
        .unwrap_or("cotton")
}

/// A cloth group's spec: its proxy box and its fabric (no material of the scene's: the
/// fabric preset gives the look, a color word its color).
pub(super) fn spec(g: &Group, base: String, defaults: &mut Vec<String>) -> Spec {
    let fab = fabric(g);
    match g.material {
        None => defaults.push(format!("\"{}\": {fab}", g.words)),
        Some(m) if lex::fabric_of(m.name).is_none() => defaults.push(format!(
            "\"{}\": cotton ({} is no fabric: cotton, silk, denim or rubber)",
            g.words, m.name
        )),
        Some(_) => {}
    }
    if g.count > 1 {
        defaults.push(format!(
            "\"{}\": one {} (a group of sheets is laid out as one)",
            g.words,
            g.noun.name()
        ));
    }
    Spec {
        base,
        noun: g.noun,
        shape: proxy(g.noun, g.scale),
        rot: Vec3::ZERO,
        mass: None,
        material: fab.to_string(),
        count: 1,
        arrangement: None,
        words: g.words.clone(),
    }
}

/// Whether group `o` is something solid a sheet can lie on or drape over.
fn solid(u: &Understanding, i: usize, o: usize) -> bool {
    o != i
        && u.groups
            .get(o)
            .is_some_and(|g| !g.noun.is_cloth() && g.noun != Noun::Floor)
}

/// What every group does if it is a sheet (`None` for the solid ones).
pub(super) fn roles(u: &Understanding) -> Vec<Option<Role>> {
    (0..u.groups.len()).map(|i| role(u, i)).collect()
}

fn role(u: &Understanding, i: usize) -> Option<Role> {
    let g = u.groups.get(i)?;
    if !g.noun.is_cloth() {
        return None;
    }
    let mine: Vec<&Event> = u.events.iter().filter(|e| e.actor == i).collect();
    let find = |verbs: &[Verb]| mine.iter().copied().find(|e| verbs.contains(&e.verb));
    // "flies", "sways", "spins" of a sheet: it waves; "slides off", "is knocked": pulled.
    let wave = find(&[Verb::Wave, Verb::Swing, Verb::Throw, Verb::Spin]);
    let pull = find(&[
        Verb::Pull,
        Verb::Slide,
        Verb::Hit,
        Verb::KnockOver,
        Verb::Roll,
    ]);
    let drop = find(&[
        Verb::Drape,
        Verb::Fold,
        Verb::Fall,
        Verb::Topple,
        Verb::Bounce,
    ]);
    // What it falls onto (not what it falls off).
    let object = |e: &Event| {
        let onto = e.path.filter(|(p, _)| {
            matches!(
                p,
                Prep::Onto | Prep::On | Prep::Above | Prep::Into | Prep::Across
            )
        });
        let off = e
            .path
            .is_some_and(|(p, _)| matches!(p, Prep::Off | Prep::From));
        e.target
            .filter(|&o| solid(u, i, o) && !(off && e.path.is_some_and(|(_, t)| t == o)))
            .or(onto.map(|(_, o)| o).filter(|&o| solid(u, i, o)))
    };
    let rel = g
        .relation
        .as_ref()
        .filter(|r| matches!(r.prep, Prep::On | Prep::Onto | Prep::TopOf | Prep::Above))
        .filter(|r| solid(u, i, r.to));
    let windy = u.wind.is_some();
    let words = |e: Option<&Event>| e.map_or_else(|| g.words.clone(), |e| e.words.clone());
    let role = |kind, words, pulled, waves| Role {
        kind,
        words,
        pulled,
        waves,
    };
    Some(match g.noun {
        Noun::Flag => role(Kind::Flag, words(wave), false, wave.is_some() || windy),
        Noun::Curtain => role(Kind::Hanging, words(wave), false, wave.is_some() || windy),
        _ => {
            if let Some(e) = wave {
                role(Kind::Hanging, e.words.clone(), false, true)
            } else if let Some(e) = pull {
                let from = e
                    .path
                    .filter(|(p, o)| {
                        matches!(p, Prep::Off | Prep::From | Prep::Across) && solid(u, i, *o)
                    })
                    .map(|(_, o)| o);
                let on = from.or(rel.map(|r| r.to));
                role(Kind::Flat(on), e.words.clone(), true, false)
            } else if let Some(e) = drop {
                let off = e
                    .path
                    .filter(|(p, o)| matches!(p, Prep::Off | Prep::From) && solid(u, i, *o))
                    .map(|(_, o)| o);
                let kind = match object(e).or(rel.map(|r| r.to)) {
                    Some(o) => Kind::Drape(o),
                    None if e.verb == Verb::Fold => Kind::Crumple,
                    None => Kind::Drop(off),
                };
                role(kind, e.words.clone(), false, false)
            } else {
                let kind = match rel {
                    Some(r)
                        if r.prep != Prep::Above
                            && matches!(u.groups[r.to].noun, Noun::Table | Noun::Shelf) =>
                    {
                        Kind::Flat(Some(r.to))
                    }
                    Some(r) => Kind::Drape(r.to),
                    None => Kind::Flat(None),
                };
                let words = rel.map_or_else(|| g.words.clone(), |r| r.words.clone());
                role(kind, words, false, false)
            }
        }
    })
}

/// A tablecloth lies on a table: the one it is said to be on (or pulled off, or to fall
/// onto), else the prompt's first table, else one added. What it is pulled from under
/// stands on it, and so does what is said to stand on the table a sheet lies flat on:
/// on the sheet, its thickness above the top, not through it (a solid starting inside
/// a sheet is thrown off it). `None` when the prompt has no cloth; otherwise the
/// understanding with those changes and a note for each table added.
pub(super) fn imply(u: &Understanding) -> Option<(Understanding, Vec<String>)> {
    if !u.groups.iter().any(|g| g.noun.is_cloth()) {
        return None;
    }
    let mut v = u.clone();
    let mut notes = Vec::new();
    let on = |p: Prep| matches!(p, Prep::On | Prep::Onto | Prep::TopOf);
    for i in 0..v.groups.len() {
        if v.groups[i].noun != Noun::Tablecloth {
            continue;
        }
        let is_table =
            |v: &Understanding, o: usize| v.groups.get(o).is_some_and(|g| g.noun == Noun::Table);
        let rel = v.groups[i].relation.clone();
        let said = rel
            .as_ref()
            .filter(|r| on(r.prep) || r.prep == Prep::Above)
            .map(|r| r.to)
            .filter(|&t| is_table(&v, t));
        let by_verb = v.events.iter().filter(|e| e.actor == i).find_map(|e| {
            e.target
                .filter(|&t| is_table(&v, t))
                .or(e.path.map(|(_, t)| t).filter(|&t| is_table(&v, t)))
        });
        let first = v.groups.iter().position(|g| g.noun == Noun::Table);
        let table = match said.or(by_verb).or(first) {
            Some(t) => t,
            None => {
                notes.push(format!(
                    "\"{}\": on a table (none named), 1.2 × 0.7 m top, 75 cm high",
                    v.groups[i].words
                ));
                v.groups.push(Group::implied(
                    Noun::Table,
                    format!("the table under {}", v.groups[i].words),
                ));
                v.groups.len() - 1
            }
        };
        // What it lies under or is pulled from under stands on it.
        let mut under: Vec<(usize, String)> = Vec::new();
        if let Some(r) = &rel
            && r.prep == Prep::Under
        {
            under.push((r.to, r.words.clone()));
        }
        for e in v.events.iter().filter(|e| e.actor == i) {
            if let Some((Prep::Under, x)) = e.path {
                under.push((x, e.words.clone()));
            }
        }
        for (x, words) in under {
            let Some(gx) = v.groups.get(x) else { continue };
            if x != table && gx.relation.is_none() && !gx.noun.is_structure() && !gx.noun.is_cloth()
            {
                v.groups[x].relation = Some(Relation {
                    prep: Prep::On,
                    to: i,
                    and: None,
                    words,
                });
            }
        }
        if said.is_none() {
            v.groups[i].relation = Some(Relation {
                prep: Prep::On,
                to: table,
                and: None,
                words: "on the table".into(),
            });
        }
    }
    // What stands on the top a sheet lies flat on stands on the sheet.
    for (c, role) in roles(&v).into_iter().enumerate() {
        let Some(Role {
            kind: Kind::Flat(Some(t)),
            ..
        }) = role
        else {
            continue;
        };
        for j in 0..v.groups.len() {
            if j == c || v.groups[j].noun.is_cloth() {
                continue;
            }
            if let Some(r) = v.groups[j].relation.as_mut()
                && r.to == t
                && on(r.prep)
            {
                r.to = c;
            }
        }
    }
    Some((v, notes))
}

impl Layout<'_> {
    /// Places cloth group `i` by its role (what it lies on or drapes over first).
    pub(super) fn place_cloth(&mut self, i: usize, depth: u32) {
        let Some(role) = self.roles.get(i).cloned().flatten() else {
            self.place_on_floor(i);
            return;
        };
        let noun = self.specs[i].noun;
        let scale = self.group(i).scale;
        let flat = |w: f32, d: f32| ShapeOut::Box(Vec3::new(w, 0.01, d));
        match role.kind {
            Kind::Flag | Kind::Hanging => {
                self.specs[i].shape = if role.kind == Kind::Flag {
                    proxy(Noun::Flag, scale)
                } else {
                    let (w, h) = hanging_size(noun, scale);
                    ShapeOut::Box(Vec3::new(w + 0.2, h + 0.35, 0.1))
                };
                match self.group(i).relation.clone() {
                    Some(rel)
                        if matches!(
                            rel.prep,
                            Prep::Beside
                                | Prep::Behind
                                | Prep::LeftOf
                                | Prep::RightOf
                                | Prep::InFrontOf
                                | Prep::Between
                        ) =>
                    {
                        self.place_by_relation(i, &rel, depth);
                    }
                    _ => self.place_on_floor(i),
                }
            }
            Kind::Drape(o) => {
                self.place(o, depth + 1);
                let (lo, hi) = self.bounds_of(o);
                let size = hi - lo;
                // Sized to hang over every side by 60 % of its height (10 to 45 cm).
                let hang = (0.6 * size.y).clamp(0.1, 0.45);
                let w = (size.x + 2.0 * hang).clamp(0.5, 2.4) * scale;
                let d = (size.z + 2.0 * hang).clamp(0.5, 2.4) * scale;
                self.specs[i].shape = flat(w, d);
                let c = (lo + hi) * 0.5;
                self.set(i, Vec3::new(c.x, hi.y + 0.15, c.z));
            }
            Kind::Flat(Some(o)) => {
                self.place(o, depth + 1);
                let (lo, hi) = self.bounds_of(o);
                let c = (lo + hi) * 0.5;
                let (top_w, top_d) = (hi.x - lo.x, hi.z - lo.z);
                let (w, d, x) = if role.pulled {
                    // Pulled: over the top but for 2 cm at its edges, and 25 cm over the
                    // side of the hand. A flap hanging over another edge would catch on it
                    // (the sheet's friction around a solid's edge holds it).
                    let w = top_w - 0.02 + 0.25;
                    (w, top_d - 0.04, hi.x - 0.02 - 0.5 * w)
                } else if noun == Noun::Tablecloth {
                    ((top_w + 0.5) * scale, (top_d + 0.5) * scale, c.x)
                } else {
                    match proxy(noun, scale) {
                        ShapeOut::Box(s) => (s.x, s.z, c.x),
                        _ => (scale, scale, c.x),
                    }
                };
                self.specs[i].shape = flat(w, d);
                self.set(i, Vec3::new(x, hi.y + LIFT - 0.005, c.z));
            }
            Kind::Flat(None) | Kind::Drop(None) => {
                self.specs[i].shape = proxy(noun, scale);
                self.place_on_floor(i);
                if role.kind != Kind::Flat(None) {
                    self.shift(i, Vec3::new(0.0, 1.0, 0.0));
                }
            }
            Kind::Drop(Some(o)) => {
                // Off its +x edge, from the height of its top, clear of it.
                self.place(o, depth + 1);
                let (lo, hi) = self.bounds_of(o);
                let shape = proxy(noun, scale);
                self.specs[i].shape = shape;
                let half = shape.half();
                self.set(
                    i,
                    Vec3::new(hi.x + 0.05 + half.x, hi.y, 0.5 * (lo.z + hi.z)),
                );
            }
            Kind::Crumple => {
                let (w, h) = match proxy(noun, scale) {
                    ShapeOut::Box(s) => (s.x, s.z),
                    _ => (scale, scale),
                };
                self.specs[i].shape = ShapeOut::Box(Vec3::new(w, h, 0.01));
                self.place_on_floor(i);
                self.shift(i, Vec3::new(0.0, 0.02, 0.0));
            }
        }
    }

    /// Whether group `i` is a sheet lying on or over other things (never pushed apart
    /// from them).
    pub(super) fn lies_on_things(&self, i: usize) -> bool {
        matches!(
            self.roles.get(i),
            Some(Some(Role {
                kind: Kind::Drape(_) | Kind::Flat(Some(_)) | Kind::Drop(Some(_)),
                ..
            }))
        )
    }

    /// What cloth group `t` lies flat on, if anything.
    pub(super) fn flat_support(&self, t: usize) -> Option<usize> {
        match self.roles.get(t) {
            Some(Some(Role {
                kind: Kind::Flat(Some(o)),
                ..
            })) => Some(*o),
            _ => None,
        }
    }

    /// The entities a thing landing on cloth group `t` really touches: what the sheet
    /// lies on or drapes over (empty: the floor); `None` for a hanging sheet (a touch of
    /// cloth is no collision event).
    pub(super) fn cloth_support_names(&self, t: usize) -> Option<Vec<String>> {
        match self.roles.get(t) {
            Some(Some(Role {
                kind: Kind::Drape(o) | Kind::Flat(Some(o)),
                ..
            })) => Some(self.all_names(*o)),
            Some(Some(Role {
                kind: Kind::Flag | Kind::Hanging,
                ..
            })) => None,
            _ => Some(Vec::new()),
        }
    }

    /// The clip's length, s (as the settings will write it).
    pub(super) fn clip(&self) -> f32 {
        self.u
            .duration
            .as_ref()
            .map_or(3.0 * self.slow, |(d, _)| d.clamp(0.5, 60.0))
    }

    /// A name for a part a sheet adds, unique in the scene.
    pub(super) fn part(&mut self, name: &str) -> String {
        let mut out = name.to_string();
        let mut k = 2;
        while self.parts.contains(&out) || self.specs.iter().any(|s| s.base == out) {
            out = format!("{name}_{k}");
            k += 1;
        }
        self.parts.push(out.clone());
        out
    }

    fn cloth_check(&mut self, name: &str, test: ClothTest, what: String, words: &str) {
        self.expects.push(Expect {
            check: Check::Cloth {
                name: name.to_string(),
                test,
            },
            what,
            words: words.into(),
        });
    }

    /// The cloth phase: every sheet written with its parts and checks (at most
    /// [`MAX_SHEETS`]), then the wind.
    pub(super) fn cloths(&mut self) {
        for i in 0..self.specs.len() {
            let Some(role) = self.roles.get(i).cloned().flatten() else {
                continue;
            };
            if self.cloths.len() >= MAX_SHEETS {
                self.warnings.push(format!(
                    "\"{}\": at most {MAX_SHEETS} sheets of cloth are laid out; this one is left out",
                    self.specs[i].words
                ));
                continue;
            }
            let Some(p) = self.placed[i].clone() else {
                continue;
            };
            let g = self.group(i).clone();
            let base = self.specs[i].base.clone();
            let out = ClothOut {
                name: base.clone(),
                comment: format!("\"{}\"", g.words),
                material: fabric(&g),
                size: (0.0, 0.0),
                resolution: (4, 4),
                at: (p.min + p.max) * 0.5,
                rotate_deg: Vec3::new(-90.0, 0.0, 0.0),
                pin: Vec::new(),
                attach: None,
                color: g.color.map(|(_, hex)| hex.to_string()),
            };
            let (lo, hi) = (p.min, p.max);
            let c = (lo + hi) * 0.5;
            let out = match role.kind {
                Kind::Flag => self.flag(out, &role, lo, c),
                Kind::Hanging => self.hanging(out, &role, g.noun, hi, c),
                Kind::Drape(o) => {
                    let out = ClothOut {
                        size: (hi.x - lo.x, hi.z - lo.z),
                        ..out
                    };
                    let comment = format!(
                        "{}: {} × {} m of {}, flat {} m above the {}, falls and drapes over it",
                        out.comment,
                        num(out.size.0),
                        num(out.size.1),
                        out.material,
                        num(0.15),
                        self.specs[o].noun.name()
                    );
                    if !self.positioned_by_event[o] {
                        self.bodies[o] = BodyOut::Fixed;
                    }
                    let top = self.bounds_of(o).1.y;
                    self.cloth_check(
                        &base,
                        ClothTest::Draped { top },
                        format!(
                            "the {} drapes over the {}",
                            g.noun.name(),
                            self.specs[o].noun.name()
                        ),
                        &role.words,
                    );
                    ClothOut { comment, ..out }
                }
                Kind::Flat(on) => self.flat(out, &role, g.noun, on, lo, hi),
                Kind::Drop(from) => {
                    let out = ClothOut {
                        size: (hi.x - lo.x, hi.z - lo.z),
                        ..out
                    };
                    let start = match from {
                        Some(o) => format!(
                            "flat beside the {}'s top, {} m up",
                            self.specs[o].noun.name(),
                            num(lo.y)
                        ),
                        None => "flat, 1 m up".into(),
                    };
                    self.cloth_check(
                        &base,
                        ClothTest::Below { y: 0.1 },
                        format!("the {} lands on the floor", g.noun.name()),
                        &role.words,
                    );
                    ClothOut {
                        comment: format!("{}: {start}, falls", out.comment),
                        ..out
                    }
                }
                Kind::Crumple => {
                    // Upright on its bottom edge, leaning 8° toward the camera: it folds
                    // over onto itself.
                    let (w, h) = (hi.x - lo.x, hi.y - lo.y);
                    let tilt = 8f32.to_radians();
                    let at = Vec3::new(c.x, lo.y + 0.5 * h * tilt.cos(), c.z);
                    self.cloth_check(
                        &base,
                        ClothTest::Folded { fraction: 0.6 },
                        format!("the {} folds onto itself", g.noun.name()),
                        &role.words,
                    );
                    ClothOut {
                        comment: format!(
                            "{}: upright on its bottom edge, leaning 8° toward the camera; it folds as it falls",
                            out.comment
                        ),
                        size: (w, h),
                        at,
                        rotate_deg: Vec3::new(8.0, 0.0, 0.0),
                        ..out
                    }
                }
            };
            let out = ClothOut {
                resolution: grid(out.size.0, out.size.1),
                ..out
            };
            self.cloths.push(out);
        }
        self.blow();
    }

    /// A flag: its pole (fixed), the flag pinned along its left edge to it near the top.
    fn flag(&mut self, out: ClothOut, role: &Role, lo: Vec3, c: Vec3) -> ClothOut {
        let scale = self.group_scale(&out.name);
        let (w, h) = (1.2 * scale, 0.8 * scale);
        let pole_h = pole_height(h);
        let (px, pz) = (lo.x + POLE_RADIUS, c.z);
        let pole = self.part("pole");
        let material = self.mats.add(
            lex::material("steel").unwrap_or(HANDLE),
            None,
            &[],
            format!("{}: the pole", out.comment),
        );
        self.extra.push(EntOut {
            name: pole.clone(),
            comment: format!("{}: the pole, {} m, fixed", out.comment, num(pole_h)),
            shape: ShapeOut::Cylinder(POLE_RADIUS, pole_h),
            material,
            body: BodyOut::Fixed,
            mass: None,
            at: Vec3::new(px, pole_h * 0.5, pz),
            rotate_deg: Vec3::ZERO,
            repeat: None,
            children: Vec::new(),
        });
        let top = pole_h - 0.1;
        if role.waves {
            // A flag with no wind stays out from the pole after its first sag (it starts
            // flat in a vertical plane, and nothing takes it out of it): its free edge
            // moves about 3.5 cm after t = 1 s; in a 3 to 10 m/s wind, 13 cm to a meter.
            self.cloth_check(
                &out.name,
                ClothTest::EdgeMoves {
                    edge: Edge::Right,
                    from: (1.0 * self.slow).min(0.5 * self.clip()),
                    min: 0.07,
                },
                "the flag's free edge flutters".into(),
                &role.words,
            );
        }
        ClothOut {
            comment: format!(
                "{}: {} × {} m of {}, its left edge pinned to the pole",
                out.comment,
                num(w),
                num(h),
                out.material
            ),
            size: (w, h),
            at: Vec3::new(px + POLE_RADIUS + 0.005 + 0.5 * w, top - 0.5 * h, pz),
            rotate_deg: Vec3::ZERO,
            pin: vec!["Left"],
            attach: Some(pole),
            ..out
        }
    }

    /// A curtain, or a sheet on a line: hung from a fixed rod by its top edge.
    fn hanging(&mut self, out: ClothOut, role: &Role, noun: Noun, hi: Vec3, c: Vec3) -> ClothOut {
        let scale = self.group_scale(&out.name);
        let (w, h) = hanging_size(noun, scale);
        let top = hi.y - 0.05;
        let rod = self.part(if noun == Noun::Curtain { "rod" } else { "line" });
        let material = self.mats.add(
            lex::material("steel").unwrap_or(HANDLE),
            None,
            &[],
            format!("{}: the rod", out.comment),
        );
        self.extra.push(EntOut {
            name: rod.clone(),
            comment: format!("{}: the rod it hangs from, fixed", out.comment),
            shape: ShapeOut::Cylinder(0.015, w + 0.2),
            material,
            body: BodyOut::Fixed,
            mass: None,
            at: Vec3::new(c.x, top + 0.03, c.z),
            rotate_deg: Vec3::new(0.0, 0.0, 90.0),
            repeat: None,
            children: Vec::new(),
        });
        let name = noun.name();
        if role.waves {
            self.cloth_check(
                &out.name,
                ClothTest::EdgeMoves {
                    edge: Edge::Bottom,
                    from: 0.0,
                    min: 0.1,
                },
                format!("the {name} billows in the wind"),
                &role.words,
            );
        } else {
            self.cloth_check(
                &out.name,
                ClothTest::Hangs { top, drop: 0.8 * h },
                format!("the {name} hangs from its rod"),
                &role.words,
            );
        }
        ClothOut {
            comment: format!(
                "{}: {} × {} m of {}, its top edge pinned to the rod {} m up",
                out.comment,
                num(w),
                num(h),
                out.material,
                num(top)
            ),
            size: (w, h),
            at: Vec3::new(c.x, top - 0.5 * h, c.z),
            rotate_deg: Vec3::ZERO,
            pin: vec!["Top"],
            attach: Some(rod),
            ..out
        }
    }

    /// A sheet lying flat on a top (or the floor); pulled away by a hand if the prompt
    /// says so.
    fn flat(
        &mut self,
        out: ClothOut,
        role: &Role,
        noun: Noun,
        on: Option<usize>,
        lo: Vec3,
        hi: Vec3,
    ) -> ClothOut {
        let (w, d) = (hi.x - lo.x, hi.z - lo.z);
        let c = (lo + hi) * 0.5;
        let at = Vec3::new(c.x, lo.y + 0.005, c.z);
        let name = noun.name();
        let what = on.map_or("floor", |o| self.specs[o].noun.name());
        let top = on.map(|o| self.bounds_of(o));
        let mut out = ClothOut {
            comment: format!(
                "{}: {} × {} m of {}, flat on the {what}",
                out.comment,
                num(w),
                num(d),
                out.material
            ),
            size: (w, d),
            at,
            ..out
        };
        if role.pulled {
            // The hand holds the left edge: still for 0.8 s, then away along -x at 6 m/s
            // (a quick pull: the dishes barely move; at 4 m/s light cups tip over).
            let speed = 6.0 * self.tune.speed / self.slow;
            let (t0, run) = (0.8 * self.slow, 2.4);
            let t1 = t0 + run / speed;
            let hand_at = Vec3::new(lo.x - 0.03, at.y, c.z);
            let hand = self.part("hand");
            let material = self.mats.add(
                HANDLE,
                None,
                &[],
                format!("\"{}\": the hand that pulls", role.words),
            );
            self.extra.push(EntOut {
                name: hand.clone(),
                comment: format!(
                    "\"{}\": the hand holding the {name}'s left edge: still for {} s, then {} m away along -x at {} m/s",
                    role.words,
                    num(t0),
                    num(run),
                    num(speed)
                ),
                shape: ShapeOut::Box(Vec3::new(0.04, 0.04, d + 0.1)),
                material,
                body: BodyOut::Kinematic([
                    (0.0, hand_at),
                    (t0, hand_at),
                    (t1, hand_at + Vec3::new(-run, 0.1, 0.0)),
                ]),
                mass: None,
                at: hand_at,
                rotate_deg: Vec3::ZERO,
                repeat: None,
                children: Vec::new(),
            });
            out.pin = vec!["Left"];
            out.attach = Some(hand);
            match (on, top) {
                (Some(_), Some((tlo, thi))) => self.cloth_check(
                    &out.name,
                    ClothTest::OffTop {
                        top: thi.y,
                        min: Vec2::new(tlo.x, tlo.z),
                        max: Vec2::new(thi.x, thi.z),
                    },
                    format!("the {name} comes off the {what}"),
                    &role.words,
                ),
                _ => self.cloth_check(
                    &out.name,
                    ClothTest::Moved { min: 0.5 },
                    format!("the {name} is pulled away"),
                    &role.words,
                ),
            }
        } else if let (Some(_), Some((tlo, thi))) = (on, top) {
            self.cloth_check(
                &out.name,
                ClothTest::OnTop {
                    top: thi.y,
                    min: Vec2::new(tlo.x, tlo.z),
                    max: Vec2::new(thi.x, thi.z),
                },
                format!("the {name} lies on the {what}"),
                &role.words,
            );
        }
        out
    }

    fn group_scale(&self, base: &str) -> f32 {
        self.specs
            .iter()
            .position(|s| s.base == base)
            .map_or(1.0, |i| self.group(i).scale)
    }

    /// The wind: as the prompt says (3, 6 or 10 m/s), or a 6 m/s breeze when something
    /// waves with no wind named; along +x across a flag's pole, partly toward the camera
    /// (+z) through a curtain.
    fn blow(&mut self) {
        let waving = self.roles.iter().flatten().find(|r| r.waves);
        let (speed, comment) = match &self.u.wind {
            Some((w, words)) => (w.speed(), format!("\"{words}\": {} m/s", num(w.speed()))),
            None => match waving {
                Some(r) => {
                    self.defaults.push(format!(
                        "\"{}\": a 6 m/s breeze with gusts (no wind named)",
                        r.words
                    ));
                    (
                        6.0,
                        format!("\"{}\": a 6 m/s breeze (no wind named)", r.words),
                    )
                }
                None => return,
            },
        };
        if self.roles.iter().all(Option::is_none) {
            self.warnings.push(format!(
                "{}: the wind blows on cloth only (a flag, a curtain, a sheet); nothing here feels it",
                comment.split(':').next().unwrap_or_default()
            ));
        }
        let through_curtain = self
            .roles
            .iter()
            .flatten()
            .next()
            .is_some_and(|r| r.kind == Kind::Hanging);
        // Across a flag's pole (+x, a little toward the camera, `scenes/flag_wind.ron`);
        // across a curtain and partly through it (straight through it, even 3 m/s
        // blows it out level).
        let dir = if through_curtain {
            Vec3::new(0.9, 0.0, 0.45)
        } else {
            Vec3::new(1.0, 0.0, 1.0 / 6.0)
        };
        // Gusts of 40 %, stronger on a retry (a flag held out straight flutters with
        // the gusts).
        let gust = (0.4 * self.tune.speed).min(1.0);
        self.wind = Some(WindOut {
            velocity: dir * speed,
            gust,
            gust_period: 1.5,
            comment: format!(
                "{comment}, along {}, gusts of {:.0} % about every 1.5 s",
                if through_curtain {
                    "+x, partly through the curtain (+z)"
                } else {
                    "+x, across the pole"
                },
                gust * 100.0
            ),
        });
    }
}
