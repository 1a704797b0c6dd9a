//! [`Understanding`] -> [`Plan`]: a layout that places every group without
//! interpenetration, resting on its support, gives each action its initial velocity,
//! impulse, ramp or pivot, and lists the checks that prove the sentence happened.
//!
//! Frame: +Y up, the action runs along +X (actors start on the −X side of their targets),
//! the camera looks from +Z. Each group's origin is the bottom center of its bounding box.

use glam::{Vec2, Vec3};

use super::draft::{
    BodyOut, CamOut, CharOut, ClothOut, Draft, EntOut, FluidOut, JointOut, MatOut, RepeatOut,
    ShapeOut, SoundOut, TargetOut, TimedOut, WindOut,
};
use super::lexicon::{self as lex, Arrangement, MaterialDef, Noun, PhysMod, Prep, Setting, Verb};
use super::parse::{Group, Relation, Understanding};
use crate::rng::SeededRng;

mod cloth;
mod fluid;
mod people;

pub use cloth::{ClothTest, Edge};
pub use fluid::FluidTest;
pub use people::{PersonTest, SAT};

/// Standard gravity, m/s².
pub const G: f32 = 9.81;

/// One object of a group, as placed at t = 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Entity name.
    pub name: String,
    /// World center at t = 0.
    pub center: Vec3,
    /// Half extents of its bounding box.
    pub half: Vec3,
}

/// A placed group.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// Entity base name.
    pub base: String,
    /// Kind.
    pub noun: Noun,
    /// Every object (for structures: the parts that others rest on).
    pub items: Vec<Item>,
    /// Bounding box.
    pub min: Vec3,
    /// Bounding box.
    pub max: Vec3,
    /// Material name.
    pub material: String,
    /// The words that produced it.
    pub words: String,
}

/// What the simulation must show for the prompt to be satisfied.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// Some entity of `a` touches some entity of `b` (empty `b`: the floor).
    Contact {
        /// Entities.
        a: Vec<String>,
        /// Entities.
        b: Vec<String>,
    },
    /// At least `fraction` of the items end tilted by more than 40° or lowered by more
    /// than half their height.
    Fallen {
        /// Entities.
        items: Vec<String>,
        /// Required fraction.
        fraction: f32,
    },
    /// Each item's origin moves at least `min` meters horizontally.
    Moved {
        /// Entities.
        items: Vec<String>,
        /// m.
        min: f32,
    },
    /// The items end with their centers below `y` (down on the floor).
    EndsBelow {
        /// Entities.
        items: Vec<String>,
        /// m.
        y: f32,
    },
    /// The item's vertical velocity turns from down to up at least `min` times.
    Bounced {
        /// Entity.
        item: String,
        /// Count.
        min: usize,
    },
    /// The item crosses the vertical through `pivot_x`.
    Swung {
        /// Entity.
        item: String,
        /// m.
        pivot_x: f32,
    },
    /// The items spin faster than 3 rad/s at some frame.
    Spun {
        /// Entities.
        items: Vec<String>,
    },
    /// What a sheet of cloth must do, read from its simulated vertices.
    Cloth {
        /// The cloth's name.
        name: String,
        /// The test.
        test: ClothTest,
    },
    /// What a liquid must do, read from its simulated particles.
    Fluid {
        /// The liquid's name.
        name: String,
        /// The test.
        test: FluidTest,
    },
    /// What a character must do, read from its simulated skeleton and contacts.
    Person {
        /// The character's name.
        name: String,
        /// The test.
        test: PersonTest,
    },
    /// At the end the items rest on a surface at height `top` within the rectangle.
    RestsOn {
        /// Entities and their half heights.
        items: Vec<(String, f32)>,
        /// m.
        top: f32,
        /// Rectangle in x, z.
        min: Vec2,
        /// Rectangle in x, z.
        max: Vec2,
    },
}

/// One check with the words it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Expect {
    /// The check.
    pub check: Check,
    /// A readable statement ("the ball reaches the dominoes").
    pub what: String,
    /// The prompt words.
    pub words: String,
}

/// The layout: the draft scene, where everything is, and what must happen.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The scene (its camera is provisional until [`super::camera`] frames it).
    pub draft: Draft,
    /// Checks.
    pub expects: Vec<Expect>,
    /// Defaults chosen, for `--explain`.
    pub defaults: Vec<String>,
    /// Parts of the prompt that could not be honored.
    pub warnings: Vec<String>,
    /// The entity the camera should favor.
    pub subject: Option<String>,
}

/// How hard a retry pushes: speeds and heights scale up with each attempt.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// Multiplies every launch speed.
    pub speed: f32,
    /// Multiplies run-up distances (shorter runs lose less speed).
    pub run: f32,
    /// Multiplies spacing in rows (tighter rows chain better).
    pub spacing: f32,
}

impl Tuning {
    /// The tuning of attempt `n` (0 first), with seeded variation after the first.
    pub fn attempt(seed: u64, n: u32) -> Tuning {
        if n == 0 {
            return Tuning {
                speed: 1.0,
                run: 1.0,
                spacing: 1.0,
            };
        }
        let mut r = SeededRng::new(seed, &format!("prompt/retry/{n}"));
        let n = n as f32;
        Tuning {
            speed: 1.0 + 0.45 * n + r.range(0.0, 0.15),
            run: (1.0 - 0.15 * n).max(0.5) * r.range(0.9, 1.0),
            spacing: (1.0 - 0.08 * n).max(0.7),
        }
    }
}

/// A group's object before placement.
#[derive(Debug, Clone)]
struct Spec {
    base: String,
    noun: Noun,
    shape: ShapeOut,
    rot: Vec3,
    mass: Option<f32>,
    material: String,
    count: u32,
    arrangement: Option<Arrangement>,
    words: String,
}

/// A prototype entity in group-local coordinates (origin: bottom center).
#[derive(Debug, Clone)]
struct Proto {
    name: String,
    at: Vec3,
    repeat: Option<RepeatOut>,
    items: Vec<(String, Vec3)>,
}

fn typical(noun: Noun) -> (ShapeOut, Option<f32>, &'static str) {
    match noun {
        Noun::Ball => (ShapeOut::Sphere(0.06), None, "6 cm radius"),
        Noun::Marble => (ShapeOut::Sphere(0.0125), None, "1.25 cm radius"),
        Noun::BowlingBall => (ShapeOut::Sphere(0.108), Some(6.8), "10.8 cm radius, 6.8 kg"),
        Noun::TennisBall => (ShapeOut::Sphere(0.033), Some(0.058), "3.3 cm radius, 58 g"),
        Noun::Basketball => (ShapeOut::Sphere(0.12), Some(0.6), "12 cm radius, 0.6 kg"),
        Noun::Cube => (ShapeOut::Box(Vec3::splat(0.1)), None, "10 cm"),
        Noun::Block | Noun::Tower => (
            ShapeOut::Box(Vec3::new(0.2, 0.1, 0.2)),
            None,
            "20 × 10 × 20 cm",
        ),
        Noun::Crate => (ShapeOut::Box(Vec3::splat(0.4)), Some(8.0), "40 cm, 8 kg"),
        Noun::Box => (ShapeOut::Box(Vec3::splat(0.3)), Some(0.8), "30 cm, 0.8 kg"),
        Noun::Domino => (
            ShapeOut::Box(Vec3::new(0.015, 0.1, 0.05)),
            None,
            "1.5 × 10 × 5 cm",
        ),
        Noun::Brick => (
            ShapeOut::Box(Vec3::new(0.1025, 0.065, 0.215)),
            None,
            "21.5 × 10.25 × 6.5 cm",
        ),
        Noun::Bottle => (
            ShapeOut::Cylinder(0.035, 0.25),
            Some(0.45),
            "25 cm tall, 0.45 kg",
        ),
        Noun::Glass => (
            ShapeOut::Cylinder(0.035, 0.12),
            Some(0.25),
            "12 cm tall, 0.25 kg",
        ),
        Noun::Can => (
            ShapeOut::Cylinder(0.033, 0.122),
            Some(0.35),
            "12.2 cm tall, 0.35 kg",
        ),
        Noun::Pin => (
            ShapeOut::Cylinder(0.045, 0.38),
            Some(1.5),
            "38 cm tall, 1.5 kg",
        ),
        Noun::Cone => (ShapeOut::Cone(0.15, 0.45), Some(2.5), "45 cm tall, 2.5 kg"),
        Noun::Pillar => (
            ShapeOut::Cylinder(0.12, 1.2),
            None,
            "1.2 m tall, 24 cm across",
        ),
        Noun::Plank => (
            ShapeOut::Box(Vec3::new(1.0, 0.03, 0.15)),
            None,
            "1 m × 15 cm × 3 cm",
        ),
        Noun::Ramp => (
            ShapeOut::Box(Vec3::new(1.0, 0.03, 0.3)),
            None,
            "1 m long, 30 cm wide",
        ),
        Noun::Stairs => (
            ShapeOut::Box(Vec3::new(0.3, 0.15, 0.8)),
            None,
            "5 steps, 15 cm rise, 30 cm tread",
        ),
        Noun::Table => (
            ShapeOut::Box(Vec3::new(1.2, 0.04, 0.7)),
            None,
            "1.2 × 0.7 m top, 75 cm high",
        ),
        Noun::Shelf => (
            ShapeOut::Box(Vec3::new(0.8, 0.03, 0.25)),
            None,
            "80 × 25 cm board, 1.1 m up",
        ),
        Noun::Seesaw => (
            ShapeOut::Box(Vec3::new(2.0, 0.05, 0.3)),
            None,
            "2 m plank on a 25 cm pivot",
        ),
        Noun::Pendulum => (ShapeOut::Sphere(0.08), None, "8 cm bob on a 1 m cable"),
        Noun::Cradle => (
            ShapeOut::Sphere(0.03),
            None,
            "five 3 cm balls on 30 cm strings",
        ),
        Noun::Wall => (
            ShapeOut::Box(Vec3::new(0.15, 1.0, 1.5)),
            None,
            "1.5 m wide, 1 m high",
        ),
        Noun::Pyramid => (ShapeOut::Box(Vec3::splat(0.1)), None, "10 cm cubes"),
        Noun::Floor => (ShapeOut::Box(Vec3::ONE), None, ""),
        Noun::Plate => (
            ShapeOut::Cylinder(0.12, 0.02),
            Some(0.5),
            "24 cm across, 2 cm high, 0.5 kg",
        ),
        // Cloth: the box a sheet takes before it is placed (see `cloth::proxy`).
        Noun::Sheet | Noun::Flag | Noun::Curtain | Noun::Tablecloth => {
            (cloth::proxy(noun, 1.0), None, "")
        }
        // Liquids, their containers, a spoon, a stone (see `fluid::typical`).
        Noun::Liquid | Noun::Bowl | Noun::Bucket | Noun::Tank | Noun::Spoon | Noun::Stone => {
            fluid::typical(noun)
        }
        Noun::Bench => (
            ShapeOut::Box(Vec3::new(1.2, 0.45, 0.4)),
            None,
            "a 1.2 × 0.4 m seat, 45 cm high, fixed",
        ),
        Noun::Chair => (
            ShapeOut::Box(Vec3::splat(0.45)),
            None,
            "a 45 cm square seat, 45 cm high, fixed (no back yet)",
        ),
        // People: the box a character takes before it is laid out (see `people::spec`).
        Noun::Man | Noun::Woman | Noun::Child | Noun::Person => (
            ShapeOut::Box(Vec3::new(0.45, noun.height().unwrap_or(1.72), 0.3)),
            None,
            "",
        ),
    }
}

fn mat_out(def: &MaterialDef, name: String, comment: String) -> MatOut {
    MatOut {
        name,
        color: def.color.to_string(),
        density: def.density,
        friction: def.friction,
        restitution: def.restitution,
        roughness: def.roughness,
        metallic: def.metallic,
        acoustic: None,
        comment,
    }
}

fn names(items: &[Item]) -> Vec<String> {
    items.iter().map(|i| i.name.clone()).collect()
}

fn bounds(items: &[Item]) -> (Vec3, Vec3) {
    let mut lo = Vec3::splat(f32::INFINITY);
    let mut hi = Vec3::splat(f32::NEG_INFINITY);
    for i in items {
        lo = lo.min(i.center - i.half);
        hi = hi.max(i.center + i.half);
    }
    (lo, hi)
}

/// Local layout of a group's copies.
fn arrange(spec: &Spec, spacing: f32) -> Vec<Proto> {
    let h = spec.shape.half();
    let n = spec.count;
    let one = |name: String, at: Vec3| Proto {
        items: vec![(name.clone(), at)],
        name,
        at,
        repeat: None,
    };
    if n == 1 {
        return vec![one(spec.base.clone(), Vec3::new(0.0, h.y, 0.0))];
    }
    let line = |name: String, start: Vec3, step: Vec3, count: u32| Proto {
        items: (0..count)
            .map(|i| (format!("{name}[{i}]"), start + step * i as f32))
            .collect(),
        name,
        at: start,
        repeat: Some(RepeatOut::Line(count, step)),
    };
    match spec.arrangement.unwrap_or(Arrangement::Row) {
        Arrangement::Row => {
            let step = if spec.noun == Noun::Domino {
                Vec3::new(0.6 * 2.0 * h.y * spacing, 0.0, 0.0)
            } else {
                Vec3::new(2.0 * h.x + 0.02 * spacing, 0.0, 0.0)
            };
            let start = Vec3::new(-step.x * (n - 1) as f32 / 2.0, h.y, 0.0);
            vec![line(spec.base.clone(), start, step, n)]
        }
        Arrangement::Circle => {
            let gap = 2.0 * h.x.max(h.z) + 0.05;
            let radius = (n as f32 * gap / std::f32::consts::TAU).max(0.15);
            let at = Vec3::new(0.0, h.y, 0.0);
            let items = (0..n)
                .map(|i| {
                    let t = std::f32::consts::TAU * i as f32 / n as f32;
                    (
                        format!("{}[{i}]", spec.base),
                        at + Vec3::new(radius * t.cos(), 0.0, radius * t.sin()),
                    )
                })
                .collect();
            vec![Proto {
                name: spec.base.clone(),
                at,
                repeat: Some(RepeatOut::Ring(n, radius)),
                items,
            }]
        }
        Arrangement::Stack => {
            let at = Vec3::new(0.0, h.y, 0.0);
            vec![Proto {
                name: spec.base.clone(),
                at,
                repeat: Some(RepeatOut::Stack(n)),
                items: (0..n)
                    .map(|i| {
                        (
                            format!("{}[{i}]", spec.base),
                            at + Vec3::new(0.0, 2.0 * h.y * i as f32, 0.0),
                        )
                    })
                    .collect(),
            }]
        }
        Arrangement::Pyramid | Arrangement::Wall | Arrangement::Triangle => {
            let arr = spec.arrangement.unwrap_or(Arrangement::Pyramid);
            // Row sizes from the bottom (pyramid, wall) or from the apex (triangle).
            let mut rows = Vec::new();
            let mut left = n;
            match arr {
                Arrangement::Wall => {
                    let cols = ((n as f32).sqrt() * 1.5).ceil().max(2.0) as u32;
                    while left > 0 {
                        let k = cols.min(left);
                        rows.push(k);
                        left -= k;
                    }
                }
                Arrangement::Triangle => {
                    let mut k = 1;
                    while left > 0 {
                        rows.push(k.min(left));
                        left -= k.min(left);
                        k += 1;
                    }
                }
                _ => {
                    let mut base = 1;
                    while base * (base + 1) / 2 < n {
                        base += 1;
                    }
                    let mut k = base;
                    while left > 0 && k > 0 {
                        rows.push(k.min(left));
                        left -= k.min(left);
                        k -= 1;
                    }
                }
            }
            rows.iter()
                .enumerate()
                .map(|(r, &k)| {
                    let name = format!("{}_row{r}", spec.base);
                    if arr == Arrangement::Triangle {
                        // Rows along +X, copies across Z, 2.5 diameters apart (bowling: 30 cm).
                        let gap = (2.0 * h.x.max(h.z)) * 2.5 * spacing;
                        let start =
                            Vec3::new(r as f32 * gap * 0.866, h.y, -(k as f32 - 1.0) * gap / 2.0);
                        line(name, start, Vec3::new(0.0, 0.0, gap), k)
                    } else if arr == Arrangement::Wall {
                        // Bricks across Z, rows up Y, every other row offset by a quarter.
                        let step = Vec3::new(0.0, 0.0, 2.0 * h.z + 0.002);
                        let shift = if r % 2 == 1 {
                            step.z * 0.25
                        } else {
                            -step.z * 0.25
                        };
                        let start = Vec3::new(
                            0.0,
                            h.y + r as f32 * (2.0 * h.y + 0.001),
                            -step.z * (k as f32 - 1.0) / 2.0 + shift,
                        );
                        line(name, start, step, k)
                    } else {
                        let step = Vec3::new(2.0 * h.x + 0.004, 0.0, 0.0);
                        let start = Vec3::new(
                            -step.x * (k as f32 - 1.0) / 2.0,
                            h.y + r as f32 * (2.0 * h.y + 0.001),
                            0.0,
                        );
                        line(name, start, step, k)
                    }
                })
                .collect()
        }
    }
}

/// Layout state.
struct Layout<'a> {
    u: &'a Understanding,
    mats: Materials,
    tune: Tuning,
    specs: Vec<Spec>,
    placed: Vec<Option<Placed>>,
    protos: Vec<Vec<Proto>>,
    bodies: Vec<BodyOut>,
    extra: Vec<EntOut>,
    joints: Vec<JointOut>,
    events: Vec<TimedOut>,
    expects: Vec<Expect>,
    defaults: Vec<String>,
    warnings: Vec<String>,
    /// Group index -> x slots already used on its top (for several things on one table).
    slots: Vec<u32>,
    /// Rotation per group (ramps, things on ramps).
    g: f32,
    slow: f32,
    floor_friction: f32,
    /// The floor.
    floor: Floor,
    /// Groups an event has already positioned.
    positioned_by_event: Vec<bool>,
    subject: Option<String>,
    /// What each cloth group does (`None` for a solid group).
    roles: Vec<Option<cloth::Role>>,
    /// The sheets of cloth as written.
    cloths: Vec<ClothOut>,
    /// The wind.
    wind: Option<WindOut>,
    /// Names of the parts the cloths added (poles, rods, hands).
    parts: Vec<String>,
    /// What each liquid group does (`None` for the others; all `None` in a prompt with no
    /// liquid).
    fluid_roles: Vec<Option<fluid::Role>>,
    /// The liquids as written.
    fluids: Vec<FluidOut>,
    /// A liquid is named: containers are written hollow.
    hollow: bool,
    /// The verbs said of each person group, in order (empty for the others).
    deeds: Vec<Vec<people::Deed>>,
    /// The characters as written.
    characters: Vec<CharOut>,
    /// The shortest clip the characters' timelines fit in, s.
    min_duration: f32,
    /// Person groups given a lane to walk across the view in, in order.
    lanes: Vec<usize>,
    /// Groups a person already kicks, picks up, throws or sits on (no one else may).
    claimed: Vec<bool>,
}

/// One event being laid out: its actor and what its verb refers to.
struct Event<'w> {
    /// The actor's group.
    a: usize,
    /// The actor's kind.
    noun: Noun,
    /// The actor's half extents.
    half: Vec3,
    /// The actor's first entity.
    name: String,
    /// Launch speeds scale by this (the retry's tuning, slow motion).
    v_scale: f32,
    /// The target group, when it is another group.
    target: Option<usize>,
    /// The path and the group it names ("down the ramp", "off the table").
    path: Option<(Prep, usize)>,
    /// The prompt's words.
    words: &'w str,
}

/// Lays the understanding out. `attempt` selects the [`Tuning`].
///
/// The phases, in order: the floor and each group's spec (size, material, count,
/// arrangement), supports and targets placed before what rests on or moves toward them,
/// overlapping groups pushed apart, each event laid out by its verb, the people (their
/// walks, pushes, waves and falls, what they push moved where the push sends it;
/// `people`), a second separation that leaves the actors where their events put them,
/// the cradles' strings, the checks that static relations hold, the sheets of cloth
/// (their parts, checks and the wind; `cloth`), and the scene settings.
pub fn layout(u: &Understanding, seed: u64, attempt: u32) -> Plan {
    // A tablecloth implies its table, and what it is pulled from under stands on that.
    let implied = cloth::imply(u);
    let u = implied.as_ref().map_or(u, |(v, _)| v);
    // A liquid implies its container.
    let wet = fluid::imply(u);
    let u = wet.as_ref().map_or(u, |(v, _)| v);
    // What a person pushes off a table stands on it.
    let pushed = people::imply(u);
    let u = pushed.as_ref().map_or(u, |(v, _)| v);
    let mut l = Layout::new(u, Tuning::attempt(seed, attempt));
    for (_, notes) in [&implied, &wet, &pushed].into_iter().flatten() {
        l.defaults.extend(notes.iter().cloned());
    }
    l.place_all();
    l.separate(false);
    l.act_all();
    l.people();
    l.separate(true);
    l.cradles();
    l.relation_checks();
    l.cloths();
    l.fluids();
    l.fast_or_small_use_ccd();
    let entities = l.entities();
    l.into_plan(entities)
}

/// The floor's material and the words it came from.
struct Floor {
    material: String,
    words: String,
    friction: f32,
}

/// The floor: the named one, or concrete.
fn floor(u: &Understanding, mats: &mut Materials, defaults: &mut Vec<String>, icy: bool) -> Floor {
    let (floor_def, floor_color, floor_words) = match &u.floor {
        Some((m, c, w)) => (
            m.unwrap_or_else(|| lex::material("concrete").unwrap_or(FALLBACK)),
            *c,
            w.clone(),
        ),
        None => {
            defaults.push("floor: concrete (no floor named)".into());
            (
                lex::material("concrete").unwrap_or(FALLBACK),
                None,
                String::new(),
            )
        }
    };
    let floor_mods: Vec<PhysMod> = if icy { vec![PhysMod::Icy] } else { vec![] };
    let floor_why = if floor_words.is_empty() {
        "the floor (default)".to_string()
    } else {
        format!("\"{floor_words}\"")
    };
    let material = mats.add(floor_def, floor_color, &floor_mods, floor_why);
    Floor {
        material,
        words: floor_words,
        friction: if icy { 0.03 } else { floor_def.friction },
    }
}

/// Each group's spec: typical size and mass, material, unique base name, arrangement.
fn group_specs(
    u: &Understanding,
    mats: &mut Materials,
    defaults: &mut Vec<String>,
    icy: bool,
) -> Vec<Spec> {
    let mut specs = Vec::new();
    let mut used: Vec<String> = vec!["floor".into()];
    for grp in &u.groups {
        if grp.noun.is_cloth() {
            let base = unique_name(&mut used, grp.noun.name());
            specs.push(cloth::spec(grp, base, defaults));
            continue;
        }
        if grp.noun.is_liquid() {
            let name = grp.material.map_or("water", |m| m.name);
            let base = unique_name(&mut used, name);
            specs.push(fluid::spec(grp, base));
            continue;
        }
        if grp.noun.is_person() {
            let base = unique_name(&mut used, grp.noun.name());
            // The copies' names are taken too.
            used.extend(people::names(&base, grp.count).into_iter().skip(1));
            specs.push(people::spec(grp, base, defaults));
            continue;
        }
        let (mut shape, mut mass, size_note) = typical(grp.noun);
        let mdef = grp
            .material
            .unwrap_or_else(|| lex::material(grp.noun.default_material()).unwrap_or(FALLBACK));
        if grp.material.is_none() {
            defaults.push(format!(
                "\"{}\": made of {}, {size_note}",
                grp.words, mdef.name
            ));
        }
        if grp.scale != 1.0 {
            shape = shape.scaled(grp.scale);
            mass = mass.map(|m| m * grp.scale.powi(3));
        }
        if grp.material.is_some()
            && mass.is_some()
            && !matches!(
                grp.noun,
                Noun::Bottle | Noun::Glass | Noun::Can | Noun::Cone | Noun::Plate
            )
        {
            // A named material sets the mass through its density (a steel bowling ball).
            mass = None;
        }
        if let Some(m) = mass.as_mut() {
            for md in &grp.mods {
                match md {
                    PhysMod::Heavy => *m *= 4.0,
                    PhysMod::Light => *m *= 0.25,
                    _ => {}
                }
            }
        }
        let mut mods = grp.mods.clone();
        if icy && !matches!(grp.noun, Noun::Pendulum | Noun::Cradle) {
            mods.push(PhysMod::Icy);
        }
        let material = mats.add(mdef, grp.color, &mods, format!("\"{}\"", grp.words));
        let base = unique_name(&mut used, grp.noun.name());
        let mut arrangement = grp.arrangement;
        if grp.count > 1 && arrangement.is_none() {
            arrangement = Some(match grp.noun {
                Noun::Pin | Noun::Bottle | Noun::Can | Noun::Glass | Noun::Cone => {
                    Arrangement::Triangle
                }
                _ => Arrangement::Row,
            });
            defaults.push(format!(
                "\"{}\": {} in a {}",
                grp.words,
                grp.count,
                arrangement.map_or("row", Arrangement::word)
            ));
        }
        if !grp.counted && grp.count > 1 {
            defaults.push(format!(
                "\"{}\": count {} (none given)",
                grp.words, grp.count
            ));
        }
        // Bricks are sized long along Z, so a wall of them faces the action (+X).
        let rot = Vec3::ZERO;
        specs.push(Spec {
            base,
            noun: grp.noun,
            shape,
            rot,
            mass,
            material,
            count: grp.count,
            arrangement,
            words: grp.words.clone(),
        });
    }
    tilt_ramps(u, &mut specs);
    specs
}

/// Ramps: 20 degrees for rolling things; boxes slide only where tan(angle) exceeds
/// their friction, so 35 degrees for sliders.
fn tilt_ramps(u: &Understanding, specs: &mut [Spec]) {
    for (i, spec) in specs.iter_mut().enumerate() {
        if spec.noun == Noun::Ramp {
            let slides = u
                .events
                .iter()
                .any(|e| e.path.is_some_and(|(_, p)| p == i) && !u.groups[e.actor].noun.is_round());
            spec.rot = Vec3::new(0.0, 0.0, if slides { -35.0 } else { -20.0 });
        }
    }
}

/// The entity names a written entity expands to (`repeat` copies, children).
fn expanded_names(e: &EntOut, out: &mut Vec<String>) {
    let n = match e.repeat {
        Some(
            RepeatOut::Line(n, _)
            | RepeatOut::Ring(n, _)
            | RepeatOut::RingOut(n, _)
            | RepeatOut::Stack(n),
        ) => Some(n),
        None => None,
    };
    match n {
        Some(n) => out.extend((0..n).map(|i| format!("{}[{i}]", e.name))),
        None => out.push(e.name.clone()),
    }
    for c in &e.children {
        expanded_names(c, out);
    }
}

/// Duration, gravity and resolution with the notes saying where each came from.
struct Settings {
    duration: f32,
    notes: Vec<(String, String)>,
    resolution: (u32, u32),
}

fn settings(u: &Understanding, slow: f32) -> Settings {
    let mut notes = Vec::new();
    let duration = match &u.duration {
        Some((d, w)) => {
            notes.push(("duration".to_string(), format!("\"{w}\"")));
            d.clamp(0.5, 60.0)
        }
        None => {
            let d = 3.0 * slow;
            notes.push(("duration".into(), "default".into()));
            d
        }
    };
    if let Some((g0, name, w)) = &u.gravity {
        notes.push((
            "gravity".into(),
            format!("\"{w}\": {name}, {} m/s²", super::emit::num(*g0)),
        ));
    }
    if let Some(w) = &u.slow_motion {
        let note = format!(
            "\"{w}\": time runs at half speed (gravity / 4, launch speeds / 2, clip twice as long)"
        );
        let prev = notes.iter().position(|(f, _)| f == "gravity");
        match prev {
            Some(p) => notes[p].1 = format!("{}; {note}", notes[p].1),
            None => notes.push(("gravity".into(), note)),
        }
    }
    let resolution = match &u.aspect {
        Some((Setting::Vertical, w)) => {
            notes.push(("resolution".into(), format!("\"{w}\": 9:16")));
            (360, 640)
        }
        Some((Setting::Widescreen, w)) => {
            notes.push(("resolution".into(), format!("\"{w}\": 2.35:1")));
            (752, 320)
        }
        Some((Setting::Square, w)) => {
            notes.push(("resolution".into(), format!("\"{w}\": 1:1")));
            (480, 480)
        }
        _ => (640, 360),
    };
    Settings {
        duration,
        notes,
        resolution,
    }
}

/// The sound words: the `sound` block (master gain) and the timbre every object takes,
/// with the words. The last loudness word wins; a crashing or smashing verb is loud
/// unless a word says otherwise.
fn sound(u: &Understanding) -> (Option<SoundOut>, Option<(&'static str, String)>) {
    let mut gain = None;
    let mut timbre = None;
    for (w, text) in &u.sound {
        if let Some(preset) = w.timbre() {
            timbre = Some((preset, format!("\"{text}\"")));
        } else {
            gain = Some((w.gain_db(), format!("\"{text}\"")));
        }
    }
    if gain.is_none() {
        let crash = u.events.iter().find_map(|e| {
            e.words
                .split_whitespace()
                .find(|w| lex::LOUD_VERBS.contains(w))
                .map(str::to_string)
        });
        if let Some(verb) = crash {
            gain = Some((lex::SoundWord::Loud.gain_db(), format!("\"{verb}\"")));
        }
    }
    let sound = gain.map(|(gain_db, why)| SoundOut {
        gain_db,
        comment: format!("{why}: master gain {gain_db:+} dB"),
    });
    (sound, timbre)
}

/// The look: the named style, or the handheld one when the camera is handheld; and the
/// light rig that suits it.
struct Look {
    style: Option<String>,
    style_note: String,
    rig: String,
    rig_note: String,
}

fn look(u: &Understanding) -> Look {
    // Without a style word, a handheld camera gives the handheld look and an
    // anamorphic (widescreen) frame the anamorphic one.
    let implied = || {
        if u.camera
            .iter()
            .any(|(c, _)| *c == lex::CameraWord::Handheld)
        {
            return Some(("handheld-documentary".to_string(), "handheld".to_string()));
        }
        match &u.aspect {
            Some((lex::Setting::Widescreen, w)) => Some(("anamorphic".to_string(), w.clone())),
            _ => None,
        }
    };
    let (style, style_note) = match &u.style {
        Some((s, w)) => (Some(s.to_string()), format!("\"{w}\" -> {s}")),
        None => match implied() {
            Some((s, w)) => {
                let note = format!("\"{w}\" -> {s}");
                (Some(s), note)
            }
            None => (None, String::new()),
        },
    };
    let rig = lex::rig_for_style(style.as_deref()).to_string();
    let rig_note = match &style {
        Some(s) => format!("the rig that suits {s}"),
        None => "default".into(),
    };
    Look {
        style,
        style_note,
        rig,
        rig_note,
    }
}

/// The scene's materials: one per distinct (material, color, modifiers).
struct Materials {
    list: Vec<MatOut>,
    bouncy: bool,
}

impl Materials {
    fn add(
        &mut self,
        def: MaterialDef,
        color: Option<(&str, &str)>,
        mods: &[PhysMod],
        why: String,
    ) -> String {
        let mut def = def;
        let mut name = def.name.to_string();
        let hex;
        if let Some((word, h)) = color {
            hex = h.to_string();
            name = format!("{word}_{name}");
        } else {
            hex = def.color.to_string();
        }
        let mut mods = mods.to_vec();
        if self.bouncy {
            mods.push(PhysMod::Bouncy);
        }
        mods.sort();
        mods.dedup();
        let mut notes = Vec::new();
        for m in &mods {
            match m {
                PhysMod::Bouncy => {
                    def.restitution = def.restitution.max(0.9);
                    name = format!("bouncy_{name}");
                    notes.push("bouncy: restitution 0.9");
                }
                PhysMod::Icy => {
                    def.friction = 0.03;
                    name = format!("icy_{name}");
                    notes.push("icy: friction 0.03");
                }
                PhysMod::Heavy => {
                    def.density *= 4.0;
                    name = format!("heavy_{name}");
                    notes.push("heavy: density x4");
                }
                PhysMod::Light => {
                    def.density *= 0.25;
                    name = format!("light_{name}");
                    notes.push("light: density x0.25");
                }
            }
        }
        if !self.list.iter().any(|m| m.name == name) {
            let mut c = why;
            if !notes.is_empty() {
                c = format!("{c}; {}", notes.join(", "));
            }
            let mut out = mat_out(&def, name.clone(), c);
            out.color = hex;
            self.list.push(out);
        }
        name
    }
}

const FALLBACK: MaterialDef = MaterialDef {
    name: "default",
    color: "#8a8d91",
    density: 1000.0,
    friction: 0.5,
    restitution: 0.2,
    roughness: 0.5,
    metallic: 0.0,
};

/// Ramp geometry: slope angle and the box's center for a low end at `x_low`.
struct Ramp {
    center: Vec3,
    angle: f32,
    half: Vec3,
}

impl Ramp {
    fn new(x_low: f32, z: f32, angle_deg: f32, half: Vec3) -> Ramp {
        let a = angle_deg.to_radians();
        // Downhill toward +X: u = (cos a, -sin a, 0); surface normal n = (sin a, cos a, 0).
        // The top surface's low end sits on the floor: (c + hx u + hy n).y = 0.
        let cy = half.x * a.sin() - half.y * a.cos();
        let cx = x_low - half.x * a.cos() - half.y * a.sin();
        Ramp {
            center: Vec3::new(cx, cy, z),
            angle: a,
            half,
        }
    }
    fn down(&self) -> Vec3 {
        Vec3::new(self.angle.cos(), -self.angle.sin(), 0.0)
    }
    fn normal(&self) -> Vec3 {
        Vec3::new(self.angle.sin(), self.angle.cos(), 0.0)
    }
    /// A point on the top surface, `s` meters down the slope from the upper end.
    fn surface(&self, s: f32) -> Vec3 {
        self.center - self.down() * (self.half.x - s) + self.normal() * self.half.y
    }
    fn top_y(&self) -> f32 {
        self.surface(0.0).y
    }
}

impl<'a> Layout<'a> {
    /// The floor, every group's spec, and the state the phases share.
    fn new(u: &'a Understanding, tune: Tuning) -> Self {
        let mut defaults = Vec::new();
        let slow = if u.slow_motion.is_some() { 2.0 } else { 1.0 };
        let mut g = u.gravity.as_ref().map_or(G, |(g, _, _)| *g);
        g /= slow * slow;
        let icy = u.scene_mods.iter().any(|(m, _)| *m == PhysMod::Icy);
        let bouncy = u.scene_mods.iter().any(|(m, _)| *m == PhysMod::Bouncy);
        let mut mats = Materials {
            list: Vec::new(),
            bouncy,
        };
        let floor = floor(u, &mut mats, &mut defaults, icy);
        let mut specs = group_specs(u, &mut mats, &mut defaults, icy);
        let hollow = u.groups.iter().any(|g| g.noun.is_liquid());
        if hollow {
            fluid::fit_containers(u, &mut specs, &mut defaults);
        }
        let n = specs.len();
        let bodies = specs
            .iter()
            .map(|s| {
                if s.noun.is_structure()
                    || s.noun.is_cloth()
                    || s.noun.is_liquid()
                    || s.noun.is_person()
                {
                    BodyOut::Fixed
                } else {
                    BodyOut::Dynamic {
                        velocity: Vec3::ZERO,
                        angular: Vec3::ZERO,
                        ccd: false,
                    }
                }
            })
            .collect();
        Layout {
            u,
            mats,
            tune,
            protos: vec![Vec::new(); n],
            bodies,
            placed: vec![None; n],
            specs,
            extra: Vec::new(),
            joints: Vec::new(),
            events: Vec::new(),
            expects: Vec::new(),
            defaults,
            warnings: Vec::new(),
            slots: vec![0; n],
            g,
            slow,
            floor_friction: floor.friction,
            floor,
            positioned_by_event: vec![false; n],
            subject: None,
            roles: cloth::roles(u),
            cloths: Vec::new(),
            wind: None,
            parts: Vec::new(),
            fluid_roles: fluid::roles(u),
            fluids: Vec::new(),
            hollow,
            deeds: vec![Vec::new(); n],
            characters: Vec::new(),
            min_duration: 0.0,
            lanes: Vec::new(),
            claimed: vec![false; n],
        }
    }

    /// Places every group: targets and supports first (recursively), then actors
    /// relative to their targets.
    fn place_all(&mut self) {
        for i in 0..self.specs.len() {
            self.place(i, 0);
        }
    }

    /// Lays out every event in the order of the prompt.
    fn act_all(&mut self) {
        let u = self.u;
        for ev in &u.events {
            // A sheet of cloth acts in the cloth phase (`cloths`), a liquid and what floats
            // in it in the liquid phase (`fluids`); a liquid said to spill tips its
            // container over.
            if u.groups[ev.actor].noun.is_cloth() {
                continue;
            }
            if self.hollow {
                if let Some(c) = fluid::tipped_by_its_liquid(u, ev) {
                    self.act(c, ev.verb, None, ev.path, &ev.words);
                    continue;
                }
                if fluid::owns(u, ev) {
                    continue;
                }
            }
            // "rolls down" with no noun: down whatever ramp or stairs it stands on.
            let path = match ev.path {
                Some((Prep::Down, usize::MAX)) => u.groups[ev.actor]
                    .relation
                    .as_ref()
                    .filter(|r| matches!(u.groups[r.to].noun, Noun::Ramp | Noun::Stairs))
                    .map(|r| (Prep::Down, r.to))
                    .or(ev.path),
                p => p,
            };
            self.act(ev.actor, ev.verb, ev.target, path, &ev.words);
        }
    }

    /// Continuous collision detection for small or fast bodies.
    fn fast_or_small_use_ccd(&mut self) {
        for (body, spec) in self.bodies.iter_mut().zip(&self.specs) {
            if let BodyOut::Dynamic { velocity, ccd, .. } = body {
                let size = spec.shape.half().min_element();
                if size < 0.02 || velocity.length() > 4.0 {
                    *ccd = true;
                }
            }
        }
    }

    /// Every entity as written, the floor first. A later verb may have re-laid an actor
    /// out (renaming its copies): impulses and joints whose entities no longer exist are
    /// dropped rather than written into an invalid scene.
    fn entities(&mut self) -> Vec<EntOut> {
        let mut entities = vec![EntOut {
            name: "floor".into(),
            comment: if self.floor.words.is_empty() {
                "the floor".into()
            } else {
                format!("\"{}\"", self.floor.words)
            },
            shape: ShapeOut::Ground,
            material: self.floor.material.clone(),
            body: BodyOut::Fixed,
            mass: None,
            at: Vec3::ZERO,
            rotate_deg: Vec3::ZERO,
            repeat: None,
            children: Vec::new(),
        }];
        for i in 0..self.specs.len() {
            entities.extend(self.entities_of(i));
        }
        entities.extend(std::mem::take(&mut self.extra));
        let mut known: Vec<String> = Vec::new();
        for e in &entities {
            expanded_names(e, &mut known);
        }
        let before = (self.events.len(), self.joints.len());
        self.events.retain(|e| known.contains(&e.target));
        self.joints
            .retain(|j| known.contains(&j.b) && j.a.as_ref().is_none_or(|a| known.contains(a)));
        if (self.events.len(), self.joints.len()) != before {
            self.warnings.push(
                "two verbs asked for different set-ups of the same object; the last one was kept"
                    .into(),
            );
        }
        entities
    }

    /// The plan: the draft scene with its settings, look and physics rate, the checks,
    /// and the notes for `--explain`.
    fn into_plan(self, entities: Vec<EntOut>) -> Plan {
        let mut materials = self.mats.list;
        materials.sort_by(|a, b| a.name.cmp(&b.name));
        let settings = settings(self.u, self.slow);
        // Fast, small or stiff contacts need finer steps.
        let small = self
            .specs
            .iter()
            .filter(|s| !s.noun.is_cloth() && !s.noun.is_liquid())
            .any(|s| s.shape.half().min_element() < 0.012)
            || self.specs.iter().any(|s| s.noun == Noun::Cradle);
        let physics_hz = if small { 480 } else { 240 };
        let look = look(self.u);
        let (sound, timbre) = sound(self.u);
        // The characters' timelines set the clip's length unless the prompt did; what a
        // shorter clip cannot hold is dropped, and said.
        let mut warnings = self.warnings;
        let mut characters = self.characters;
        let duration = if self.u.duration.is_none() {
            settings.duration.max(self.min_duration)
        } else {
            settings.duration
        };
        for c in &mut characters {
            let before = c.actions.len();
            c.actions.retain(|(t, _)| *t <= duration);
            if c.actions.len() < before {
                warnings.push(format!(
                    "the {} s clip is too short for all that the {} does; {} of its actions are left out",
                    super::emit::num(duration),
                    c.name,
                    before - c.actions.len()
                ));
            }
        }
        if let Some((preset, why)) = timbre {
            for m in materials
                .iter_mut()
                .filter(|m| m.name != self.floor.material)
            {
                m.acoustic = Some(preset);
                m.comment = format!("{}; sounds like {preset} ({why})", m.comment);
            }
        }
        let draft = Draft {
            name: String::new(),
            seed: 0,
            duration,
            fps: 24,
            physics_hz,
            gravity: self.g,
            resolution: settings.resolution,
            setting_notes: settings.notes,
            materials,
            entities,
            joints: self.joints,
            events: self.events,
            cloths: self.cloths,
            wind: self.wind,
            fluids: self.fluids,
            characters,
            camera: CamOut {
                fov_deg: 40.0,
                keys: vec![(0.0, Vec3::new(0.0, 1.5, 4.0), TargetOut::Point(Vec3::ZERO))],
                comment: "provisional".into(),
            },
            rig: look.rig,
            rig_note: look.rig_note,
            sound,
            style: look.style,
            style_note: look.style_note,
            header: Vec::new(),
        };
        Plan {
            draft,
            expects: self.expects,
            defaults: self.defaults,
            warnings,
            subject: self.subject,
        }
    }
}

impl Layout<'_> {
    fn group(&self, i: usize) -> &Group {
        &self.u.groups[i]
    }

    fn set(&mut self, i: usize, origin: Vec3) {
        let spec = self.specs[i].clone();
        let protos = arrange(&spec, self.tune.spacing);
        let half = spec.shape.half();
        let items: Vec<Item> = protos
            .iter()
            .flat_map(|p| {
                p.items.iter().map(|(n, c)| Item {
                    name: n.clone(),
                    center: *c + origin,
                    half,
                })
            })
            .collect();
        let h = half;
        let one = |center: Vec3| {
            vec![Item {
                name: spec.base.clone(),
                center,
                half: h,
            }]
        };
        let items = match spec.noun {
            Noun::Table => one(origin + Vec3::new(0.0, 0.75 - h.y, 0.0)),
            Noun::Shelf => one(origin + Vec3::new(0.0, 1.1 - h.y, 0.0)),
            Noun::Seesaw => one(origin + Vec3::new(0.0, 0.25 + h.y, 0.0)),
            Noun::Ramp => one(Ramp::new(origin.x + h.x, origin.z, -spec.rot.z, h).center),
            Noun::Cradle => {
                // Five balls 1 mm apart on 30 cm strings from a bar 45 cm up; the first
                // (the striker) lifted 35 degrees toward -X.
                let r = h.x;
                let pivot_y = origin.y + 0.45;
                (0..5)
                    .map(|k| {
                        let px = origin.x + k as f32 * (2.0 * r + 0.001);
                        let center = if k == 0 {
                            let a = 35f32.to_radians();
                            Vec3::new(px - 0.3 * a.sin(), pivot_y - 0.3 * a.cos(), origin.z)
                        } else {
                            Vec3::new(px, pivot_y - 0.3, origin.z)
                        };
                        let name = if k == 0 {
                            format!("{}_striker", spec.base)
                        } else {
                            format!("{}[{}]", spec.base, k - 1)
                        };
                        Item {
                            name,
                            center,
                            half: h,
                        }
                    })
                    .collect()
            }
            _ => items,
        };
        let (min, max) = structure_bounds(&spec, origin, &items);
        self.protos[i] = protos
            .into_iter()
            .map(|mut p| {
                p.at += origin;
                for it in &mut p.items {
                    it.1 += origin;
                }
                p
            })
            .collect();
        self.placed[i] = Some(Placed {
            base: spec.base.clone(),
            noun: spec.noun,
            items,
            min,
            max,
            material: spec.material.clone(),
            words: spec.words.clone(),
        });
    }

    fn bounds_of(&self, i: usize) -> (Vec3, Vec3) {
        self.placed[i]
            .as_ref()
            .map_or((Vec3::ZERO, Vec3::ZERO), |p| (p.min, p.max))
    }

    /// The group's bounding box relative to its origin, before placement.
    fn local_bounds(&self, i: usize) -> (Vec3, Vec3) {
        let spec = &self.specs[i];
        let protos = arrange(spec, self.tune.spacing);
        let half = spec.shape.half();
        let items: Vec<Item> = protos
            .iter()
            .flat_map(|p| {
                p.items.iter().map(|(n, c)| Item {
                    name: n.clone(),
                    center: *c,
                    half,
                })
            })
            .collect();
        structure_bounds(spec, Vec3::ZERO, &items)
    }

    /// The group's footprint size (x, y, z).
    fn size_of(&self, i: usize) -> Vec3 {
        let (lo, hi) = self.local_bounds(i);
        hi - lo
    }

    /// The offset from a group's origin to its bounding box's center in x and z.
    fn center_offset(&self, i: usize) -> Vec3 {
        let (lo, hi) = self.local_bounds(i);
        let c = (lo + hi) * 0.5;
        Vec3::new(c.x, 0.0, c.z)
    }

    /// Places group `i` (and first what it depends on).
    fn place(&mut self, i: usize, depth: u32) {
        if self.placed[i].is_some() || depth > 8 {
            return;
        }
        if self.specs[i].noun.is_cloth() {
            self.place_cloth(i, depth);
            return;
        }
        // A liquid is written in `fluids:` where its role says (`fluids`).
        if self.is_liquid_group(i) {
            return;
        }
        // A target of an event, or a relation's anchor, goes first.
        if let Some(rel) = self.group(i).relation.clone() {
            self.place_by_relation(i, &rel, depth);
            return;
        }
        // An actor is placed when its event is laid out; give it a provisional spot.
        if let Some(ev) = self
            .u
            .events
            .iter()
            .find(|e| e.actor == i && e.target.is_some())
            && let Some(t) = ev.target
            && t != i
        {
            self.place(t, depth + 1);
        }
        self.place_on_floor(i);
    }

    /// Places group `i` on the floor, to the right of everything placed so far.
    fn place_on_floor(&mut self, i: usize) {
        let size = self.size_of(i);
        let off = self.center_offset(i);
        let right = self
            .placed
            .iter()
            .flatten()
            .filter(|p| p.min.y < 0.05)
            .map(|p| p.max.x)
            .fold(f32::NEG_INFINITY, f32::max);
        let x = if right.is_finite() {
            right + 0.3 + size.x / 2.0
        } else {
            0.0
        };
        self.set(i, Vec3::new(x, 0.0, 0.0) - off);
    }

    /// Places group `i` where its relation says ("on the table", "left of the cube"),
    /// its anchor (and a "between" group's second one) placed first.
    fn place_by_relation(&mut self, i: usize, rel: &Relation, depth: u32) {
        let r = rel.to;
        self.place(r, depth + 1);
        if let Some(b) = rel.and {
            self.place(b, depth + 1);
        }
        let size = self.size_of(i);
        let off = self.center_offset(i);
        let (rmin, rmax) = self.bounds_of(r);
        let rc = (rmin + rmax) * 0.5;
        let gap = 0.08;
        let rnoun = self.specs[r].noun;
        let origin = match rel.prep {
            Prep::On | Prep::Onto | Prep::TopOf => match rnoun {
                // At the top end of the ramp or on the top step.
                Noun::Ramp | Noun::Stairs => self.top_spot(r, size),
                _ => {
                    let slot = self.slots[r];
                    self.slots[r] += 1;
                    let dx = match slot {
                        0 => 0.0,
                        k => {
                            (if k % 2 == 1 { 1.0 } else { -1.0 })
                                * k.div_ceil(2) as f32
                                * (size.x + 0.1)
                        }
                    };
                    Vec3::new(rc.x + dx, rmax.y, rc.z)
                }
            },
            Prep::Above => Vec3::new(rc.x, rmax.y + 0.5, rc.z),
            Prep::Under => {
                if matches!(rnoun, Noun::Table | Noun::Shelf) {
                    Vec3::new(rc.x, 0.0, rc.z)
                } else {
                    self.warnings.push(format!(
                        "\"{}\": only a table or a shelf has room under it; placed beside the {} instead",
                        rel.words,
                        rnoun.name()
                    ));
                    Vec3::new(rc.x, rmin.y, rmin.z - gap - size.z / 2.0)
                }
            }
            Prep::Beside | Prep::Behind => Vec3::new(rc.x, rmin.y, rmin.z - gap - size.z / 2.0),
            Prep::InFrontOf => Vec3::new(rc.x, rmin.y, rmax.z + gap + size.z / 2.0),
            Prep::LeftOf => Vec3::new(rmin.x - gap - size.x / 2.0, rmin.y, rc.z),
            Prep::RightOf => Vec3::new(rmax.x + gap + size.x / 2.0, rmin.y, rc.z),
            Prep::Between => {
                if let Some(b) = rel.and {
                    let (bmin, _) = self.bounds_of(b);
                    // Make room: move the second one right if they are too close.
                    let need = rmax.x + 2.0 * gap + size.x;
                    if bmin.x < need && !self.specs[b].noun.is_structure() {
                        let shift = need - bmin.x;
                        self.shift(b, Vec3::new(shift, 0.0, 0.0));
                    }
                    let (bmin, _) = self.bounds_of(b);
                    Vec3::new((rmax.x + bmin.x) * 0.5, 0.0, rc.z)
                } else {
                    Vec3::new(rmax.x + gap + size.x / 2.0, rmin.y, rc.z)
                }
            }
            Prep::BottomOf => match rnoun {
                Noun::Ramp | Noun::Stairs => Vec3::new(rmax.x + gap + size.x / 2.0, 0.0, rc.z),
                _ => Vec3::new(rc.x, 0.0, rmax.z + gap + size.z / 2.0),
            },
            _ => Vec3::new(rmax.x + gap + size.x / 2.0, rmin.y, rc.z),
        };
        self.set(i, origin - off);
    }

    /// Where something of `size` sits at the top of ramp or stairs `r`.
    fn top_spot(&self, r: usize, size: Vec3) -> Vec3 {
        let (rmin, rmax) = self.bounds_of(r);
        match self.specs[r].noun {
            Noun::Stairs => Vec3::new(rmin.x + 0.15, rmax.y, (rmin.z + rmax.z) * 0.5),
            _ => {
                let ramp = self.ramp_of(r);
                let p = ramp.surface(size.x * 0.5 + 0.03);
                Vec3::new(p.x, p.y + 0.01, p.z)
            }
        }
    }

    fn ramp_of(&self, r: usize) -> Ramp {
        let (rmin, rmax) = self.bounds_of(r);
        let half = self.specs[r].shape.half();
        Ramp::new(rmax.x, (rmin.z + rmax.z) * 0.5, self.ramp_angle(r), half)
    }

    fn ramp_angle(&self, r: usize) -> f32 {
        -self.specs[r].rot.z
    }

    fn shift(&mut self, i: usize, by: Vec3) {
        if let Some(p) = &self.placed[i] {
            let mut p2 = p.clone();
            for it in &mut p2.items {
                it.center += by;
            }
            p2.min += by;
            p2.max += by;
            self.placed[i] = Some(p2);
            for pr in &mut self.protos[i] {
                pr.at += by;
                for it in &mut pr.items {
                    it.1 += by;
                }
            }
            // Whatever rests on it moves with it.
            for j in 0..self.specs.len() {
                if j != i
                    && self.group(j).relation.as_ref().is_some_and(|r| r.to == i)
                    && self.placed[j].is_some()
                {
                    self.shift(j, by);
                }
            }
        }
    }

    /// Pushes apart groups whose boxes overlap (things resting on others excepted).
    fn separate(&mut self, after_events: bool) {
        let n = self.specs.len();
        let involved: Vec<bool> = (0..n)
            .map(|i| {
                self.u.events.iter().any(|e| {
                    e.actor == i || e.target == Some(i) || e.path.is_some_and(|(_, p)| p == i)
                })
            })
            .collect();
        for _ in 0..4 {
            let mut moved = false;
            for i in 0..n {
                for j in 0..i {
                    let (Some(a), Some(b)) = (&self.placed[i], &self.placed[j]) else {
                        continue;
                    };
                    let related = |x: usize, y: usize| {
                        self.group(x)
                            .relation
                            .as_ref()
                            .is_some_and(|r| r.to == y || r.and == Some(y))
                    };
                    if related(i, j) || related(j, i) {
                        continue;
                    }
                    // A sheet lies on, over or under things by design.
                    if self.lies_on_things(i) || self.lies_on_things(j) {
                        continue;
                    }
                    let overlap = a.min.x < b.max.x - 1e-4
                        && b.min.x < a.max.x - 1e-4
                        && a.min.y < b.max.y - 1e-4
                        && b.min.y < a.max.y - 1e-4
                        && a.min.z < b.max.z - 1e-4
                        && b.min.z < a.max.z - 1e-4;
                    if overlap {
                        // Move the one no event depends on (after events are laid out).
                        let (mv, other) = if after_events && involved[i] && !involved[j] {
                            (j, i)
                        } else {
                            (i, j)
                        };
                        if after_events && involved[mv] {
                            continue;
                        }
                        let (omin, _) = self.bounds_of(other);
                        let (_, mmax) = self.bounds_of(mv);
                        let dz = omin.z - 0.1 - mmax.z;
                        self.shift(mv, Vec3::new(0.0, 0.0, dz));
                        moved = true;
                    }
                }
            }
            if !moved {
                break;
            }
        }
    }

    fn all_names(&self, i: usize) -> Vec<String> {
        self.placed[i]
            .as_ref()
            .map(|p| names(&p.items))
            .unwrap_or_default()
    }

    fn mass_of(&self, i: usize) -> f32 {
        let s = &self.specs[i];
        s.mass.unwrap_or_else(|| {
            let d = self
                .u
                .groups
                .get(i)
                .and_then(|g| g.material)
                .unwrap_or_else(|| lex::material(s.noun.default_material()).unwrap_or(FALLBACK))
                .density;
            d * s.shape.volume()
        })
    }

    fn friction_of(&self, i: usize) -> f32 {
        let g = self.group(i);
        let f = g
            .material
            .unwrap_or_else(|| lex::material(g.noun.default_material()).unwrap_or(FALLBACK))
            .friction;
        if g.mods.contains(&PhysMod::Icy) {
            0.03
        } else {
            f
        }
    }

    /// Lays out one event: velocities, ramps, pivots, impulses, and its checks. Dispatches
    /// to one function per verb family.
    fn act(
        &mut self,
        a: usize,
        verb: Verb,
        target: Option<usize>,
        path: Option<(Prep, usize)>,
        words: &str,
    ) {
        // A person's verbs make its timeline in the people phase.
        if self.is_person_group(a) {
            self.deed(a, verb, target, path, words);
            return;
        }
        if self.specs[a].noun.is_structure() && !matches!(verb, Verb::Rest) {
            self.warnings.push(format!(
                "\"{words}\": the {} is fixed in place and cannot {}",
                self.specs[a].noun.name(),
                verb.word().trim_end_matches('s')
            ));
            return;
        }
        if self.positioned_by_event[a]
            && !matches!(verb, Verb::KnockOver | Verb::Topple | Verb::Rest)
        {
            // A second motion verb for the same actor ("rolls and hits"): one launch.
            if let Some(t) = target {
                self.contact_check(a, t, words);
            }
            return;
        }
        let name = self.all_names(a).first().cloned().unwrap_or_default();
        if self.subject.is_none() {
            self.subject = Some(name.clone());
        }
        let ev = Event {
            a,
            noun: self.specs[a].noun,
            half: self.specs[a].shape.half(),
            name,
            v_scale: self.tune.speed / self.slow,
            target: target.filter(|t| *t != a && *t != usize::MAX),
            path: path.and_then(|(p, g)| (g != usize::MAX).then_some((p, g))),
            words,
        };
        let verb = self.down_a_slope(verb, &ev);
        // Special machines.
        if ev.noun == Noun::Cradle {
            return;
        }
        if ev.noun == Noun::Pendulum || verb == Verb::Swing {
            self.swing(&ev);
            return;
        }
        match verb {
            Verb::Rest | Verb::Swing | Verb::Sit => {}
            // Cloth verbs said of a solid object: waving is not laid out, draping and
            // folding fall onto the target, pulling slides it.
            Verb::Wave => self.warnings.push(format!(
                "\"{words}\": only a flag, a curtain or a sheet waves; the {} stays where it is",
                ev.noun.name()
            )),
            Verb::Drape | Verb::Fold => self.fall(&ev),
            Verb::Pull => self.travel(&ev, Verb::Slide),
            // A container that spills or splashes tips over (once, if it is knocked over
            // too); the other liquid verbs are the liquid phase's (`fluids`).
            Verb::Spill => {
                let knocked = self
                    .u
                    .events
                    .iter()
                    .any(|e| e.actor == a && matches!(e.verb, Verb::Topple | Verb::KnockOver));
                if !knocked {
                    self.topple(&ev);
                }
            }
            Verb::Splash
            | Verb::Pour
            | Verb::Fill
            | Verb::Slosh
            | Verb::Float
            | Verb::Sink
            | Verb::Drip => {}
            Verb::Spin => self.spin(&ev),
            Verb::Topple => self.topple(&ev),
            Verb::Fall => self.fall(&ev),
            Verb::Bounce => self.bounce(&ev),
            Verb::Throw => self.throw(&ev),
            Verb::Roll | Verb::Slide | Verb::Hit | Verb::KnockOver => self.travel(&ev, verb),
            // Said of an object: pushing is hitting, walking and running are sliding.
            Verb::Push => self.travel(&ev, Verb::Hit),
            Verb::Walk | Verb::Run => self.travel(&ev, Verb::Slide),
            // What people do, said of an object.
            Verb::Jump | Verb::Kick | Verb::PickUp | Verb::Toss => self.warnings.push(format!(
                "\"{words}\": the {} cannot {}; it stays where it is",
                ev.noun.name(),
                verb.base()
            )),
            Verb::Cannot(what) => self.warnings.push(format!(
                "\"{words}\": the {} cannot {what}; it stays where it is",
                ev.noun.name()
            )),
        }
    }

    /// "bounces down the stairs", "falls down the ramp": launched from the top like a
    /// roll (a bounce still gets its restitution and its check).
    fn down_a_slope(&mut self, verb: Verb, ev: &Event) -> Verb {
        match (verb, ev.path) {
            (Verb::Fall | Verb::Bounce, Some((Prep::Down, r)))
                if matches!(self.specs[r].noun, Noun::Ramp | Noun::Stairs) =>
            {
                if verb == Verb::Bounce {
                    self.make_bouncy(ev);
                    self.bounced_check(ev);
                }
                Verb::Roll
            }
            (v, _) => v,
        }
    }

    /// Swing: a pendulum hung from its pivot (once), swinging into the target.
    fn swing(&mut self, ev: &Event) {
        if self.positioned_by_event[ev.a] {
            // Already hung from its pivot by an earlier verb.
            if let Some(t) = ev.target {
                self.contact_check(ev.a, t, ev.words);
            }
            return;
        }
        self.pendulum(ev.a, ev.target, ev.words);
    }

    /// Spin: about the vertical axis.
    fn spin(&mut self, ev: &Event) {
        self.bodies[ev.a] = BodyOut::Dynamic {
            velocity: Vec3::ZERO,
            angular: Vec3::new(0.0, 12.0 * ev.v_scale, 0.0),
            ccd: false,
        };
        self.expects.push(Expect {
            check: Check::Spun {
                items: self.all_names(ev.a),
            },
            what: format!("the {} spins", ev.noun.name()),
            words: ev.words.into(),
        });
    }

    /// Topple (falls over, pushed over): a stack or a lone object tips over as one
    /// piece; a row gets a push at its first one's top edge.
    fn topple(&mut self, ev: &Event) {
        let a = ev.a;
        let items = self.placed[a]
            .as_ref()
            .map(|p| p.items.clone())
            .unwrap_or_default();
        let stacked = matches!(
            self.specs[a].arrangement,
            Some(Arrangement::Stack | Arrangement::Pyramid | Arrangement::Wall)
        );
        let m = self.mass_of(a);
        let base_y = self.bounds_of(a).0.y;
        if stacked || items.len() == 1 {
            // Tip the whole structure about its base edge: each piece gets the
            // velocity of a rigid rotation, v = ω × r, top moving at 1.5 m/s.
            let top = self.bounds_of(a).1.y - base_y;
            let omega = 1.5 * ev.v_scale.max(0.5) / top.max(0.05);
            for it in &items {
                let v = omega * (it.center.y - base_y);
                let single = items.len() == 1;
                self.events.push(TimedOut {
                    at: 0.2 * self.slow,
                    target: it.name.clone(),
                    impulse: Vec3::new(m * v, 0.0, 0.0),
                    // A lone object also gets the spin of the tip: I ω ≈ m h² ω / 3.
                    angular: if single {
                        Vec3::new(0.0, 0.0, -m * top * top * omega / 3.0)
                    } else {
                        Vec3::ZERO
                    },
                    comment: format!(
                        "\"{}\": tipped over as one piece, {} rad/s about its base",
                        ev.words,
                        super::emit::num(omega)
                    ),
                });
            }
        } else if let Some(it) = items
            .iter()
            .min_by(|x, y| x.center.x.total_cmp(&y.center.x))
        {
            // A row: a push at the first one's top edge starts the chain.
            let j = m * 0.6 * ev.v_scale.max(0.5);
            self.events.push(TimedOut {
                at: 0.2 * self.slow,
                target: it.name.clone(),
                impulse: Vec3::new(j, 0.0, 0.0),
                angular: Vec3::new(0.0, 0.0, -j * it.half.y),
                comment: format!(
                    "\"{}\": a push at the top edge ({} N·s) starts it",
                    ev.words,
                    super::emit::num(j)
                ),
            });
        }
        let fraction = if items.len() <= 3 { 1.0 } else { 0.6 };
        self.expects.push(Expect {
            check: Check::Fallen {
                items: names(&items),
                fraction,
            },
            what: format!("the {} falls over", ev.noun.name()),
            words: ev.words.into(),
        });
    }

    /// Bounce: a fall with restitution at least 0.9, checked to bounce twice.
    fn bounce(&mut self, ev: &Event) {
        self.make_bouncy(ev);
        self.fall(ev);
        self.bounced_check(ev);
    }

    /// Fall, drop: off a support, onto a target from above, or from a height.
    fn fall(&mut self, ev: &Event) {
        match (ev.path, ev.target) {
            (Some((Prep::Off | Prep::From, s)), _) => self.fall_off(ev, s),
            (_, Some(t)) => self.drop_onto(ev, t),
            _ => self.drop_from_a_height(ev),
        }
    }

    /// Falls off support `s`: at its +X edge, nudged over it.
    fn fall_off(&mut self, ev: &Event, s: usize) {
        let a = ev.a;
        let (smin, smax) = self.bounds_of(s);
        let x = smax.x - ev.half.x * 0.6;
        let origin = Vec3::new(x, smax.y, (smin.z + smax.z) * 0.5);
        self.set(a, origin);
        self.positioned_by_event[a] = true;
        let v = 0.5 * ev.v_scale;
        self.launch(a, Vec3::new(v, 0.0, 0.0), ev.noun.is_round());
        self.expects.push(Expect {
            check: Check::EndsBelow {
                items: self.all_names(a),
                y: smax.y - 0.05,
            },
            what: format!(
                "the {} ends below the {}",
                ev.noun.name(),
                self.specs[s].noun.name()
            ),
            words: ev.words.into(),
        });
        self.expects.push(Expect {
            check: Check::Contact {
                a: self.all_names(a),
                b: vec![],
            },
            what: format!("the {} reaches the floor", ev.noun.name()),
            words: ev.words.into(),
        });
    }

    /// Drops onto target `t` from 80 cm above it (onto a seesaw's raised end).
    fn drop_onto(&mut self, ev: &Event, t: usize) {
        let a = ev.a;
        let (tmin, tmax) = self.bounds_of(t);
        let x = if self.specs[t].noun == Noun::Seesaw {
            tmax.x - 0.25
        } else {
            (tmin.x + tmax.x) * 0.5
        };
        let origin = Vec3::new(x, tmax.y + 0.8, (tmin.z + tmax.z) * 0.5);
        self.set(a, origin - self.center_offset(a));
        self.positioned_by_event[a] = true;
        self.contact_check(a, t, ev.words);
        if self.specs[t].noun == Noun::Seesaw {
            let other = self.all_names(t);
            self.expects.push(Expect {
                check: Check::Moved {
                    items: other,
                    min: 0.0,
                },
                what: "the seesaw tips".into(),
                words: ev.words.into(),
            });
        }
    }

    /// Falls from a height above where it stands: onto what it is above, or the floor.
    fn drop_from_a_height(&mut self, ev: &Event) {
        let a = ev.a;
        let (amin, _) = self.bounds_of(a);
        let lift = if amin.y > 0.3 { 0.0 } else { 1.0 };
        self.shift(a, Vec3::new(0.0, lift, 0.0));
        self.positioned_by_event[a] = true;
        // Above something, it lands on that; otherwise on the floor.
        let below = self
            .group(a)
            .relation
            .as_ref()
            .filter(|r| matches!(r.prep, Prep::Above | Prep::On | Prep::Onto | Prep::TopOf))
            .map(|r| r.to);
        match below {
            Some(r) => self.contact_check(a, r, ev.words),
            None => self.expects.push(Expect {
                check: Check::Contact {
                    a: self.all_names(a),
                    b: vec![],
                },
                what: format!("the {} lands on the floor", ev.noun.name()),
                words: ev.words.into(),
            }),
        }
    }

    /// Throw: a ballistic arc into the target, or a lob along +X without one.
    fn throw(&mut self, ev: &Event) {
        let a = ev.a;
        let Some(t) = ev.target else {
            // Thrown with no target: a lob along +X.
            self.shift(a, Vec3::new(0.0, 1.0, 0.0));
            self.positioned_by_event[a] = true;
            self.launch(a, Vec3::new(2.0 * ev.v_scale, 2.0 * ev.v_scale, 0.0), false);
            self.expects.push(Expect {
                check: Check::Moved {
                    items: self.all_names(a),
                    min: 0.5,
                },
                what: format!("the {} flies", ev.noun.name()),
                words: ev.words.into(),
            });
            return;
        };
        let (tmin, tmax) = self.bounds_of(t);
        let aim = Vec3::new(tmin.x, (tmin.y + tmax.y) * 0.5, (tmin.z + tmax.z) * 0.5);
        let start = Vec3::new(
            tmin.x - 1.6 * self.tune.run - ev.half.x,
            aim.y.max(0.6) + 0.4,
            aim.z,
        );
        self.set(a, start - Vec3::new(0.0, ev.half.y, 0.0));
        self.positioned_by_event[a] = true;
        // Ballistic aim: p(T) = p0 + v T - ½ g T² ŷ  =>  v = (Δ + ½ g T² ŷ) / T.
        let tof = 0.5 * self.slow / self.tune.speed;
        let d = aim - start;
        let v = Vec3::new(d.x / tof, (d.y + 0.5 * self.g * tof * tof) / tof, d.z / tof);
        self.launch(a, v, false);
        self.contact_check(a, t, ev.words);
    }

    /// Roll, slide, hit, knock over: launched along +X, down a ramp or stairs, into a
    /// target, across a surface, or just off; then what the target must do.
    fn travel(&mut self, ev: &Event, verb: Verb) {
        match (ev.path, ev.target) {
            (Some((Prep::Down, r)), t)
                if matches!(self.specs[r].noun, Noun::Ramp | Noun::Stairs) =>
            {
                self.down_ramp_or_stairs(ev, r, t);
            }
            (_, Some(t)) => self.run_into(ev, t, verb),
            (Some((Prep::Across, s)), None) => self.across(ev, s),
            _ => self.set_off(ev),
        }
        if verb == Verb::KnockOver
            && let Some(t) = ev.target
        {
            let items = self.all_names(t);
            let fraction = if items.len() <= 3 { 1.0 } else { 0.6 };
            self.expects.push(Expect {
                check: Check::Fallen { items, fraction },
                what: format!("the {} fall over", self.specs[t].noun.name()),
                words: ev.words.into(),
            });
        }
        // Into dominoes: the run goes on by itself.
        if let Some(t) = ev.target
            && self.specs[t].noun == Noun::Domino
            && verb != Verb::KnockOver
        {
            let items = self.all_names(t);
            self.expects.push(Expect {
                check: Check::Fallen {
                    items,
                    fraction: 0.8,
                },
                what: "the dominoes fall".into(),
                words: ev.words.into(),
            });
        }
    }

    /// Down ramp or stairs `r` from the top, the ramp moved so its low end ends just
    /// short of the target `t`.
    fn down_ramp_or_stairs(&mut self, ev: &Event, r: usize, t: Option<usize>) {
        let a = ev.a;
        let round = ev.noun.is_round();
        if let Some(t) = t {
            // The ramp's low end ends just short of the target.
            let (tmin, tmax) = self.bounds_of(t);
            let (rmin, rmax) = self.bounds_of(r);
            let want_low = tmin.x - 0.25 * self.tune.run;
            let dz = (tmin.z + tmax.z) * 0.5 - (rmin.z + rmax.z) * 0.5;
            let dy = tmin.y - rmin.y.max(0.0);
            if self.specs[r].noun == Noun::Ramp {
                let ramp_low = rmax.x;
                self.shift(r, Vec3::new(want_low - ramp_low, dy.max(0.0), dz));
            } else {
                self.shift(r, Vec3::new(want_low - rmax.x, 0.0, dz));
            }
        }
        let size = self.size_of(a);
        let spot = self.top_spot(r, size);
        let rot = if self.specs[r].noun == Noun::Ramp && !round {
            Vec3::new(0.0, 0.0, -self.ramp_angle(r))
        } else {
            Vec3::ZERO
        };
        self.specs[a].rot = rot;
        let lift = if rot == Vec3::ZERO {
            0.0
        } else {
            ev.half.x * self.ramp_angle(r).to_radians().sin()
        };
        self.set(a, spot + Vec3::new(0.0, lift, 0.0) - self.center_offset(a));
        self.positioned_by_event[a] = true;
        if let Some(t) = t {
            self.contact_check(a, t, ev.words);
        }
        let push = if self.specs[r].noun == Noun::Stairs {
            0.9
        } else {
            0.3
        };
        self.launch(a, Vec3::new(push * ev.v_scale, 0.0, 0.0), round);
        self.expects.push(Expect {
            check: Check::Moved {
                items: vec![ev.name.clone()],
                min: 0.4,
            },
            what: format!(
                "the {} goes down the {}",
                ev.noun.name(),
                self.specs[r].noun.name()
            ),
            words: ev.words.into(),
        });
    }

    /// Into target `t` after a run-up on the target's support, fast enough to reach it
    /// (sliders make up for friction) and harder for heavier targets and stronger verbs.
    fn run_into(&mut self, ev: &Event, t: usize, verb: Verb) {
        let a = ev.a;
        let round = ev.noun.is_round();
        let (tmin, tmax) = self.bounds_of(t);
        let run = (0.5 + 4.0 * ev.half.x) * self.tune.run;
        let base_y = tmin.y.max(0.0);
        // On a raised support: keep the run on it.
        let (x0, y0) = (tmin.x - run - ev.half.x, base_y);
        let origin = Vec3::new(x0, y0, (tmin.z + tmax.z) * 0.5);
        self.set(a, origin - self.center_offset(a));
        self.positioned_by_event[a] = true;
        if let Some(rel) = self.group(t).relation.clone()
            && matches!(rel.prep, Prep::On | Prep::Onto)
        {
            // The actor shares the target's support; make sure it fits on it.
            let (smin, _) = self.bounds_of(rel.to);
            let (amin, _) = self.bounds_of(a);
            if amin.x < smin.x {
                let s = self.specs[rel.to].noun;
                let needed = smin.x - amin.x + 0.02;
                self.shift(a, Vec3::new(needed, 0.0, 0.0));
                if s.is_structure() {
                    self.defaults.push(format!(
                        "\"{}\": a short run-up to stay on the {}",
                        ev.words,
                        s.name()
                    ));
                }
            }
        }
        let run_now = tmin.x - self.bounds_of(a).1.x;
        let base = match verb {
            Verb::KnockOver => 2.2,
            Verb::Hit => 1.8,
            _ => 1.4,
        };
        let m_t = self.mass_of(t) / self.specs[t].count.max(1) as f32;
        let m_a = self.mass_of(a);
        let heavy = (m_t / m_a.max(1e-3)).max(1.0).ln().max(0.0) * 0.3 + 1.0;
        let mut v = base * heavy.min(2.5);
        if !round {
            // Sliding loses v² = 2 μ g d to friction on the way.
            let mu = 0.5 * (self.friction_of(a) + self.floor_friction);
            v = (v * v + 2.0 * mu * G * run_now.max(0.0)).sqrt();
        }
        self.launch(a, Vec3::new(v * ev.v_scale, 0.0, 0.0), round);
        self.contact_check(a, t, ev.words);
    }

    /// Across surface `s`, from its -X end.
    fn across(&mut self, ev: &Event, s: usize) {
        let a = ev.a;
        let (smin, smax) = self.bounds_of(s);
        self.set(
            a,
            Vec3::new(smin.x + ev.half.x + 0.05, smax.y, (smin.z + smax.z) * 0.5)
                - self.center_offset(a),
        );
        self.positioned_by_event[a] = true;
        self.launch(a, Vec3::new(1.0 * ev.v_scale, 0.0, 0.0), ev.noun.is_round());
        self.moved_check(a, ev.words, 0.3);
    }

    /// From where it stands, fast enough to go some way (sliders against friction).
    fn set_off(&mut self, ev: &Event) {
        let a = ev.a;
        let round = ev.noun.is_round();
        let v = if round {
            1.2
        } else {
            (1.0f32 + 2.0 * self.friction_of(a) * G * 0.5).sqrt()
        };
        self.launch(a, Vec3::new(v * ev.v_scale, 0.0, 0.0), round);
        self.moved_check(a, ev.words, 0.3);
    }

    /// Restitution at least 0.9, unless the prompt made it bouncy already.
    fn make_bouncy(&mut self, ev: &Event) {
        if !self.group(ev.a).mods.contains(&PhysMod::Bouncy) {
            self.defaults.push(format!(
                "\"{}\": restitution at least 0.9 so it bounces",
                ev.words
            ));
            self.bounce_material(ev.a);
        }
    }

    fn bounced_check(&mut self, ev: &Event) {
        self.expects.push(Expect {
            check: Check::Bounced {
                item: ev.name.clone(),
                min: 2,
            },
            what: format!("the {} bounces at least twice", ev.noun.name()),
            words: ev.words.into(),
        });
    }

    fn bounce_material(&mut self, a: usize) {
        let g = self.group(a).clone();
        let def = g
            .material
            .unwrap_or_else(|| lex::material(g.noun.default_material()).unwrap_or(FALLBACK));
        let mut mods = g.mods.clone();
        mods.push(PhysMod::Bouncy);
        self.specs[a].material = self
            .mats
            .add(def, g.color, &mods, format!("\"{}\"", g.words));
    }

    fn moved_check(&mut self, a: usize, words: &str, min: f32) {
        self.expects.push(Expect {
            check: Check::Moved {
                items: self.all_names(a),
                min,
            },
            what: format!(
                "the {} moves at least {} m",
                self.specs[a].noun.name(),
                super::emit::num(min)
            ),
            words: words.into(),
        });
    }

    fn contact_check(&mut self, a: usize, t: usize, words: &str) {
        // Touching a sheet of cloth is not a rigid contact: what it lies on is.
        let b = if self.specs[t].noun.is_cloth() {
            match self.cloth_support_names(t) {
                Some(b) => b,
                None => return,
            }
        } else {
            self.all_names(t)
        };
        self.expects.push(Expect {
            check: Check::Contact {
                a: self.all_names(a),
                b,
            },
            what: format!(
                "the {} reaches the {}",
                self.specs[a].noun.name(),
                self.specs[t].noun.name()
            ),
            words: words.into(),
        });
    }

    fn launch(&mut self, a: usize, v: Vec3, roll: bool) {
        let r = self.specs[a].shape.half().y;
        let angular = if roll && r > 0.0 {
            Vec3::new(v.z / r, 0.0, -v.x / r)
        } else {
            Vec3::ZERO
        };
        self.bodies[a] = BodyOut::Dynamic {
            velocity: v,
            angular,
            ccd: false,
        };
    }

    /// A pendulum: the bob on a cable from a fixed pivot, released from 60°, swinging
    /// into the target if there is one.
    fn pendulum(&mut self, a: usize, t: Option<usize>, words: &str) {
        if self.specs[a].count > 1 {
            self.specs[a].count = 1;
        }
        let r = self.specs[a].shape.half().y;
        let len = 1.0f32;
        let (bottom, _z) = match t {
            Some(t) => {
                let (tmin, tmax) = self.bounds_of(t);
                let y = ((tmin.y + tmax.y) * 0.5).min(tmax.y).max(r + 0.05);
                (
                    Vec3::new(tmin.x - r - 0.01, y, (tmin.z + tmax.z) * 0.5),
                    (tmin.z + tmax.z) * 0.5,
                )
            }
            None => {
                let (amin, amax) = self.bounds_of(a);
                (
                    Vec3::new((amin.x + amax.x) * 0.5, r + 0.3, 0.0),
                    (amin.z + amax.z) * 0.5,
                )
            }
        };
        let pivot = bottom + Vec3::new(0.0, len, 0.0);
        let angle = (60.0f32 * self.tune.speed.min(1.4)).min(85.0).to_radians();
        let start = pivot + Vec3::new(-len * angle.sin(), -len * angle.cos(), 0.0);
        self.set(a, start - Vec3::new(0.0, r, 0.0));
        self.positioned_by_event[a] = true;
        self.bodies[a] = BodyOut::Dynamic {
            velocity: Vec3::ZERO,
            angular: Vec3::ZERO,
            ccd: false,
        };
        let name = self.all_names(a).first().cloned().unwrap_or_default();
        let pivot_name = format!("{}_pivot", self.specs[a].base);
        self.extra.push(EntOut {
            name: pivot_name.clone(),
            comment: format!("\"{words}\": the fixed point the cable hangs from"),
            shape: ShapeOut::Box(Vec3::new(0.06, 0.06, 0.06)),
            material: self.specs[a].material.clone(),
            body: BodyOut::Fixed,
            mass: None,
            at: pivot + Vec3::new(0.0, 0.03, 0.0),
            rotate_deg: Vec3::ZERO,
            repeat: None,
            children: Vec::new(),
        });
        self.joints.push(JointOut {
            name: format!("{}_cable", self.specs[a].base),
            comment: format!(
                "\"{words}\": a 1 m cable, released from {} degrees",
                super::emit::num(angle.to_degrees())
            ),
            hinge_axis: None,
            limits_deg: None,
            a: Some(pivot_name),
            b: name.clone(),
            anchor: pivot,
            anchor_b: Some(start),
        });
        self.subject.get_or_insert(name.clone());
        self.expects.push(Expect {
            check: Check::Swung {
                item: name,
                pivot_x: pivot.x - 0.2,
            },
            what: format!("the {} swings", self.specs[a].noun.name()),
            words: words.into(),
        });
        if let Some(t) = t {
            self.contact_check(a, t, words);
        }
    }

    /// Newton's cradles: hinges from the bar to each ball; the swing must come out at the
    /// far end.
    fn cradles(&mut self) {
        for i in 0..self.specs.len() {
            if self.specs[i].noun != Noun::Cradle {
                continue;
            }
            let Some(p) = self.placed[i].clone() else {
                continue;
            };
            let frame = format!("{}_frame", self.specs[i].base);
            for (k, it) in p.items.iter().enumerate() {
                // Each ball hangs right above its rest position; the striker's pivot is one
                // spacing left of the first resting ball.
                let pivot_x = if k == 0 {
                    p.items
                        .get(1)
                        .map_or(it.center.x, |b| b.center.x - (2.0 * it.half.x + 0.001))
                } else {
                    it.center.x
                };
                self.joints.push(JointOut {
                    name: format!("{}_string{k}", self.specs[i].base),
                    comment: format!("\"{}\": ball {k} hangs 30 cm below the bar", p.words),
                    hinge_axis: Some(Vec3::Z),
                    limits_deg: None,
                    a: Some(frame.clone()),
                    b: it.name.clone(),
                    anchor: Vec3::new(pivot_x, p.min.y + 0.45, it.center.z),
                    anchor_b: None,
                });
            }
            if let Some(last) = p.items.last() {
                self.subject.get_or_insert(last.name.clone());
                self.expects.push(Expect {
                    check: Check::Moved {
                        items: vec![last.name.clone()],
                        min: 0.02,
                    },
                    what: "the swing comes out at the far end of the cradle".into(),
                    words: p.words.clone(),
                });
            }
        }
    }

    /// Checks that static relations still hold at the end ("a glass on the table").
    fn relation_checks(&mut self) {
        for i in 0..self.specs.len() {
            let Some(rel) = self.group(i).relation.clone() else {
                continue;
            };
            let moving = self
                .u
                .events
                .iter()
                .any(|e| e.actor == i && e.verb != Verb::Rest)
                || self.u.events.iter().any(|e| e.target == Some(i));
            // Hanging and hinged machines do not rest on their support part by part.
            let machine = matches!(
                self.specs[i].noun,
                Noun::Cradle | Noun::Pendulum | Noun::Seesaw
            );
            if moving || machine || !matches!(rel.prep, Prep::On | Prep::Onto | Prep::TopOf) {
                continue;
            }
            // Cloth has checks of its own; what stands on a sheet lying on a top must stay
            // on that top (with the sheet or after it is pulled away). So do liquids and
            // what floats in them.
            if self.specs[i].noun.is_cloth() {
                continue;
            }
            if self.hollow && (self.is_liquid_group(i) || self.in_liquid(i)) {
                continue;
            }
            // A character stands on its own feet; nothing rests on one.
            if self.is_person_group(i) || self.is_person_group(rel.to) {
                continue;
            }
            let r = if self.specs[rel.to].noun.is_cloth() {
                match self.flat_support(rel.to) {
                    Some(s) => s,
                    None => continue,
                }
            } else {
                rel.to
            };
            if matches!(self.specs[r].noun, Noun::Ramp | Noun::Stairs) {
                continue;
            }
            let (rmin, rmax) = self.bounds_of(r);
            let items = self.placed[i]
                .as_ref()
                .map(|p| {
                    p.items
                        .iter()
                        .map(|it| (it.name.clone(), it.half.y))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            // A stack rests on its support through its bottom layer only.
            let items = if matches!(
                self.specs[i].arrangement,
                Some(Arrangement::Stack | Arrangement::Pyramid | Arrangement::Wall)
            ) {
                let p = self.placed[i].as_ref().map(|p| p.min.y).unwrap_or(0.0);
                self.placed[i]
                    .as_ref()
                    .map(|pl| {
                        pl.items
                            .iter()
                            .filter(|it| (it.center.y - it.half.y - p).abs() < 0.01)
                            .map(|it| (it.name.clone(), it.half.y))
                            .collect()
                    })
                    .unwrap_or_default()
            } else {
                items
            };
            self.expects.push(Expect {
                check: Check::RestsOn {
                    items,
                    top: rmax.y,
                    min: Vec2::new(rmin.x, rmin.z),
                    max: Vec2::new(rmax.x, rmax.z),
                },
                what: format!(
                    "the {} stays on the {}",
                    self.specs[i].noun.name(),
                    self.specs[r].noun.name()
                ),
                words: rel.words.clone(),
            });
        }
    }

    /// The entities of group `i` as written.
    fn entities_of(&self, i: usize) -> Vec<EntOut> {
        let spec = &self.specs[i];
        // A sheet of cloth is written in `cloths:` (its pole or rod in `extra`), a liquid
        // in `fluids:`, a person in `characters:`; a container holding a liquid is hollow.
        if spec.noun.is_cloth() || spec.noun.is_liquid() || spec.noun.is_person() {
            return Vec::new();
        }
        if self.hollow
            && let Some(out) = self.hollow_entities(i)
        {
            return out;
        }
        let Some(p) = &self.placed[i] else {
            return Vec::new();
        };
        let Some(first_item) = p.items.first() else {
            return Vec::new();
        };
        let comment = format!("\"{}\"", spec.words);
        let material = spec.material.clone();
        match spec.noun {
            Noun::Table => {
                let top = first_item.center;
                let h = spec.shape.half();
                let legs = [(-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0), (1.0, 1.0)]
                    .iter()
                    .enumerate()
                    .map(|(k, (sx, sz))| EntOut {
                        name: format!("{}_leg{k}", spec.base),
                        comment: "a leg".into(),
                        shape: ShapeOut::Box(Vec3::new(0.05, top.y - h.y, 0.05)),
                        material: material.clone(),
                        body: BodyOut::Part,
                        mass: None,
                        at: Vec3::new(
                            sx * (h.x - 0.05),
                            (top.y - h.y) / 2.0 - top.y,
                            sz * (h.z - 0.05),
                        ),
                        rotate_deg: Vec3::ZERO,
                        repeat: None,
                        children: Vec::new(),
                    })
                    .collect();
                vec![EntOut {
                    name: spec.base.clone(),
                    comment: format!(
                        "{comment}: top {} m up, fixed",
                        super::emit::num(top.y + h.y)
                    ),
                    shape: spec.shape,
                    material,
                    body: BodyOut::Fixed,
                    mass: None,
                    at: top,
                    rotate_deg: Vec3::ZERO,
                    repeat: None,
                    children: legs,
                }]
            }
            Noun::Shelf => vec![EntOut {
                name: spec.base.clone(),
                comment: format!(
                    "{comment}: a board {} m up, fixed (wall-mounted)",
                    super::emit::num(p.max.y)
                ),
                shape: spec.shape,
                material,
                body: BodyOut::Fixed,
                mass: None,
                at: first_item.center,
                rotate_deg: Vec3::ZERO,
                repeat: None,
                children: Vec::new(),
            }],
            Noun::Ramp => {
                let ramp = self.ramp_of(i);
                vec![EntOut {
                    name: spec.base.clone(),
                    comment: format!(
                        "{comment}: {}° incline, fixed, its low end on the floor",
                        super::emit::num(ramp.angle.to_degrees())
                    ),
                    shape: spec.shape,
                    material,
                    body: BodyOut::Fixed,
                    mass: None,
                    at: ramp.center,
                    rotate_deg: Vec3::new(0.0, 0.0, -ramp.angle.to_degrees()),
                    repeat: None,
                    children: Vec::new(),
                }]
            }
            Noun::Stairs => {
                let (min, max) = (p.min, p.max);
                let steps = 5u32;
                let rise = (max.y - min.y) / steps as f32;
                let tread = (max.x - min.x) / steps as f32;
                vec![EntOut {
                    name: spec.base.clone(),
                    comment: format!(
                        "{comment}: {steps} fixed steps, {} m rise, {} m tread, descending toward +x",
                        super::emit::num(rise),
                        super::emit::num(tread)
                    ),
                    shape: ShapeOut::Box(Vec3::new(tread, rise, max.z - min.z)),
                    material,
                    body: BodyOut::Fixed,
                    mass: None,
                    at: Vec3::new(
                        min.x + tread / 2.0,
                        max.y - rise / 2.0,
                        (min.z + max.z) / 2.0,
                    ),
                    rotate_deg: Vec3::ZERO,
                    repeat: Some(RepeatOut::Line(steps, Vec3::new(tread, -rise, 0.0))),
                    children: Vec::new(),
                }]
            }
            Noun::Seesaw => {
                let plank = first_item.center;
                vec![
                    EntOut {
                        name: format!("{}_fulcrum", spec.base),
                        comment: format!("{comment}: the pivot block"),
                        shape: ShapeOut::Box(Vec3::new(0.1, plank.y - spec.shape.half().y, 0.3)),
                        material: material.clone(),
                        body: BodyOut::Fixed,
                        mass: None,
                        at: Vec3::new(plank.x, (plank.y - spec.shape.half().y) / 2.0, plank.z),
                        rotate_deg: Vec3::ZERO,
                        repeat: None,
                        children: Vec::new(),
                    },
                    EntOut {
                        name: spec.base.clone(),
                        comment: format!("{comment}: the plank, hinged at its middle"),
                        shape: spec.shape,
                        material,
                        body: self.bodies[i],
                        mass: None,
                        at: plank,
                        rotate_deg: Vec3::ZERO,
                        repeat: None,
                        children: Vec::new(),
                    },
                ]
            }
            Noun::Cradle => {
                let r = spec.shape.half().x;
                let first = first_item.center;
                let pivot0 = p
                    .items
                    .get(1)
                    .map_or(first.x, |b| b.center.x - (2.0 * r + 0.001));
                let pivot_y = p.min.y + 0.45;
                let mut out = vec![EntOut {
                    name: format!("{}_frame", spec.base),
                    comment: format!("{comment}: the top bar the strings hang from"),
                    shape: ShapeOut::Box(Vec3::new(2.0 * r * 5.0 + 0.1, 0.02, 0.04)),
                    material: material.clone(),
                    body: BodyOut::Fixed,
                    mass: None,
                    at: Vec3::new(pivot0 + 2.0 * (2.0 * r + 0.001), pivot_y + 0.01, first.z),
                    rotate_deg: Vec3::ZERO,
                    repeat: None,
                    children: Vec::new(),
                }];
                let striker = first_item;
                out.push(EntOut {
                    name: striker.name.clone(),
                    comment: format!("{comment}: the striker, lifted 35 degrees"),
                    shape: spec.shape,
                    material: material.clone(),
                    body: BodyOut::Dynamic {
                        velocity: Vec3::ZERO,
                        angular: Vec3::ZERO,
                        ccd: false,
                    },
                    mass: None,
                    at: striker.center,
                    rotate_deg: Vec3::ZERO,
                    repeat: None,
                    children: Vec::new(),
                });
                if let Some(b) = p.items.get(1) {
                    out.push(EntOut {
                        name: spec.base.clone(),
                        comment: "four balls at rest, 1 mm apart".into(),
                        shape: spec.shape,
                        material: material.clone(),
                        body: BodyOut::Dynamic {
                            velocity: Vec3::ZERO,
                            angular: Vec3::ZERO,
                            ccd: false,
                        },
                        mass: None,
                        at: b.center,
                        rotate_deg: Vec3::ZERO,
                        repeat: Some(RepeatOut::Line(4, Vec3::new(2.0 * r + 0.001, 0.0, 0.0))),
                        children: Vec::new(),
                    });
                }
                out
            }
            _ => self.protos[i]
                .iter()
                .map(|pr| EntOut {
                    name: pr.name.clone(),
                    comment: match (pr.repeat, spec.arrangement) {
                        (Some(_), Some(a)) => {
                            format!("{comment}: {} in a {}", spec.count, a.word())
                        }
                        _ => comment.clone(),
                    },
                    shape: spec.shape,
                    material: material.clone(),
                    body: self.bodies[i],
                    mass: spec.mass,
                    at: pr.at,
                    rotate_deg: spec.rot,
                    repeat: pr.repeat,
                    children: Vec::new(),
                })
                .collect(),
        }
    }
}

/// Bounding box of a group, with structures' real extents (tables to the floor, ramps
/// and stairs as laid out).
fn structure_bounds(spec: &Spec, origin: Vec3, items: &[Item]) -> (Vec3, Vec3) {
    match spec.noun {
        Noun::Table => {
            let h = spec.shape.half();
            (
                origin + Vec3::new(-h.x, 0.0, -h.z),
                origin + Vec3::new(h.x, 0.75, h.z),
            )
        }
        Noun::Shelf => {
            let h = spec.shape.half();
            (
                origin + Vec3::new(-h.x, 1.1 - 2.0 * h.y, -h.z),
                origin + Vec3::new(h.x, 1.1, h.z),
            )
        }
        Noun::Ramp => {
            let h = spec.shape.half();
            let ramp = Ramp::new(origin.x + h.x, origin.z, -spec.rot.z, h);
            let top = ramp.top_y();
            (
                origin + Vec3::new(-h.x, 0.0, -h.z),
                Vec3::new(origin.x + h.x, top, origin.z + h.z),
            )
        }
        Noun::Stairs => {
            let h = spec.shape.half();
            (
                origin + Vec3::new(-5.0 * h.x, 0.0, -h.z),
                origin + Vec3::new(5.0 * h.x, 10.0 * h.y, h.z),
            )
        }
        Noun::Seesaw => {
            let h = spec.shape.half();
            (
                origin + Vec3::new(-h.x, 0.0, -h.z),
                origin + Vec3::new(h.x, 0.3, h.z),
            )
        }
        Noun::Cradle => {
            let (lo, hi) = bounds(items);
            (
                Vec3::new(lo.x, origin.y, lo.z),
                Vec3::new(hi.x, origin.y + 0.47, hi.z),
            )
        }
        _ => bounds(items),
    }
}

/// `name`, or `name_2`, `name_3`, … if taken; recorded in `used`.
fn unique_name(used: &mut Vec<String>, name: &str) -> String {
    let mut base = name.to_string();
    let mut k = 2;
    while used.contains(&base) {
        base = format!("{name}_{k}");
        k += 1;
    }
    used.push(base.clone());
    base
}
