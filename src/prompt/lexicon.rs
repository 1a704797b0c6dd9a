//! The words the prompt parser knows: each entry maps one word or a fixed phrase to a
//! word class and its meaning (a material's physical properties, an object's real-world
//! size, a camera move). Style words are not kept here: they are the aliases of the
//! bundled style files ([`style_words`]). Phrases are matched longest first by the
//! tokenizer.
//!
//! Physical values are textbook figures: densities in kg/m³, Coulomb friction and
//! restitution as dimensionless coefficients (friction pairs combine by rapier's default
//! average, restitution likewise).

use std::sync::LazyLock;

use crate::style::{Style, StyleError};

/// A material word's physical and visual properties.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MaterialDef {
    /// The name written into the scene (`materials: { "steel": … }`).
    pub name: &'static str,
    /// sRGB hex color.
    pub color: &'static str,
    /// kg/m³.
    pub density: f32,
    /// Friction coefficient.
    pub friction: f32,
    /// Restitution coefficient.
    pub restitution: f32,
    /// Perceptual roughness.
    pub roughness: f32,
    /// Metalness.
    pub metallic: f32,
}

const fn mat(
    name: &'static str,
    color: &'static str,
    density: f32,
    friction: f32,
    restitution: f32,
    roughness: f32,
    metallic: f32,
) -> MaterialDef {
    MaterialDef {
        name,
        color,
        density,
        friction,
        restitution,
        roughness,
        metallic,
    }
}

/// Materials: the words that name them, and their properties.
pub const MATERIALS: &[(&[&str], MaterialDef)] = &[
    (
        &["steel", "metal", "metallic", "chrome"],
        mat("steel", "#b8bcc2", 7850.0, 0.3, 0.4, 0.3, 1.0),
    ),
    (
        &["iron", "cast iron"],
        mat("iron", "#3b3d40", 7870.0, 0.4, 0.3, 0.5, 1.0),
    ),
    (
        &["gold", "golden"],
        mat("gold", "#e5c15a", 19300.0, 0.4, 0.3, 0.25, 1.0),
    ),
    (
        &["copper"],
        mat("copper", "#c8794a", 8960.0, 0.4, 0.3, 0.3, 1.0),
    ),
    (
        &["aluminum", "aluminium", "tin"],
        mat("aluminum", "#d0d3d6", 2700.0, 0.4, 0.3, 0.35, 1.0),
    ),
    (
        &["wood", "wooden", "oak", "timber"],
        mat("wood", "#9c6b3c", 700.0, 0.5, 0.2, 0.6, 0.0),
    ),
    (
        &["pine", "balsa"],
        mat("pine", "#e0c48f", 500.0, 0.6, 0.2, 0.7, 0.0),
    ),
    (
        &["marble"],
        mat("marble", "#e8e4dc", 2700.0, 0.35, 0.3, 0.15, 0.0),
    ),
    (
        &["stone", "granite", "rock"],
        mat("stone", "#8d8a84", 2600.0, 0.6, 0.2, 0.9, 0.0),
    ),
    (
        &["concrete", "cement"],
        mat("concrete", "#a3a19b", 2400.0, 0.7, 0.2, 0.95, 0.0),
    ),
    (
        &["glass", "crystal"],
        mat("glass", "#cfe3e8", 2500.0, 0.4, 0.3, 0.05, 0.0),
    ),
    (
        &["rubber"],
        mat("rubber", "#d1452f", 1100.0, 0.9, 0.8, 0.8, 0.0),
    ),
    (
        &["ice", "icy"],
        mat("ice", "#d8eef7", 917.0, 0.03, 0.1, 0.1, 0.0),
    ),
    (
        &["plastic"],
        mat("plastic", "#3b7dd8", 1000.0, 0.4, 0.5, 0.4, 0.0),
    ),
    (
        &["cardboard", "paper"],
        mat("cardboard", "#b88b5a", 300.0, 0.6, 0.1, 0.9, 0.0),
    ),
    (
        &["foam", "sponge"],
        mat("foam", "#f2e9c9", 60.0, 0.8, 0.3, 1.0, 0.0),
    ),
    (
        &["ceramic", "porcelain", "clay"],
        mat("ceramic", "#f1ede4", 2300.0, 0.5, 0.2, 0.2, 0.0),
    ),
    (
        &["brick"],
        mat("brick", "#9e4a35", 1900.0, 0.7, 0.1, 0.9, 0.0),
    ),
    (
        &["felt", "carpet", "cloth"],
        mat("felt", "#2f6b3a", 400.0, 0.9, 0.05, 1.0, 0.0),
    ),
    (
        &["lead"],
        mat("lead", "#5c6166", 11340.0, 0.5, 0.05, 0.6, 1.0),
    ),
];

/// Looks a material word up.
pub fn material(word: &str) -> Option<MaterialDef> {
    MATERIALS
        .iter()
        .find(|(words, _)| words.contains(&word))
        .map(|(_, m)| *m)
}

/// Color words and their sRGB hex.
pub const COLORS: &[(&str, &str)] = &[
    ("red", "#c0392b"),
    ("orange", "#e67e22"),
    ("yellow", "#f1c40f"),
    ("green", "#27ae60"),
    ("blue", "#2e6fd8"),
    ("purple", "#8e44ad"),
    ("violet", "#8e44ad"),
    ("pink", "#e88fb5"),
    ("white", "#f4f4f0"),
    ("black", "#1b1b1d"),
    ("grey", "#8a8d91"),
    ("gray", "#8a8d91"),
    ("brown", "#7b4b2a"),
    ("silver", "#c0c4c8"),
    ("teal", "#1f8a8a"),
    ("cyan", "#2fc6d6"),
    ("magenta", "#d62fa8"),
    ("turquoise", "#30c9b0"),
    ("beige", "#d9c9a3"),
];

/// Size words: a uniform scale on the object's usual size.
pub const SIZES: &[(&str, f32)] = &[
    ("tiny", 0.4),
    ("little", 0.6),
    ("small", 0.7),
    ("mini", 0.5),
    ("big", 1.6),
    ("large", 1.6),
    ("huge", 2.5),
    ("giant", 2.5),
    ("enormous", 3.0),
    ("massive", 2.5),
];

/// Physics modifiers written as adjectives on an object (or, alone, on the whole scene).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PhysMod {
    /// Restitution 0.9.
    Bouncy,
    /// Friction 0.03 (ice-like).
    Icy,
    /// Density × 4.
    Heavy,
    /// Density × 0.25.
    Light,
}

/// Physics modifier adjectives.
pub const PHYS_MODS: &[(&str, PhysMod)] = &[
    ("bouncy", PhysMod::Bouncy),
    ("bouncing", PhysMod::Bouncy),
    ("springy", PhysMod::Bouncy),
    ("slippery", PhysMod::Icy),
    ("frictionless", PhysMod::Icy),
    ("heavy", PhysMod::Heavy),
    ("dense", PhysMod::Heavy),
    ("light", PhysMod::Light),
    ("lightweight", PhysMod::Light),
    ("hollow", PhysMod::Light),
];

/// Object kinds with their real-world dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Noun {
    /// A generic ball, 6 cm radius.
    Ball,
    /// A glass marble, 8 mm radius.
    Marble,
    /// A bowling ball, 10.8 cm radius.
    BowlingBall,
    /// A tennis ball.
    TennisBall,
    /// A basketball / football.
    Basketball,
    /// A 10 cm cube.
    Cube,
    /// A wooden block (tower block), 20 × 10 × 20 cm.
    Block,
    /// A 50 cm crate.
    Crate,
    /// A cardboard box, 30 cm.
    Box,
    /// A toppling domino, 1 × 10 × 5 cm.
    Domino,
    /// A brick, 21.5 × 6.5 × 10.25 cm.
    Brick,
    /// A bottle, 25 cm tall.
    Bottle,
    /// A drinking glass, 12 cm tall.
    Glass,
    /// A can, 12 cm tall.
    Can,
    /// A bowling pin, 38 cm tall.
    Pin,
    /// A traffic cone, 45 cm tall.
    Cone,
    /// A stone pillar, 1.5 m.
    Pillar,
    /// A plank, 1 m.
    Plank,
    /// A ramp (fixed incline), 1 m long.
    Ramp,
    /// Stairs (fixed steps).
    Stairs,
    /// A table, top 75 cm up (fixed).
    Table,
    /// A wall shelf, 1.1 m up (fixed).
    Shelf,
    /// A seesaw: a plank on a hinge.
    Seesaw,
    /// A pendulum: a bob on a cable from a fixed pivot.
    Pendulum,
    /// Newton's cradle: five balls on hinges.
    Cradle,
    /// A fixed wall.
    Wall,
    /// A tower (of blocks unless said otherwise).
    Tower,
    /// A pyramid (of cubes unless said otherwise).
    Pyramid,
    /// The floor / ground.
    Floor,
    /// A dinner plate, 24 cm across (known in a prompt with a cloth word).
    Plate,
    /// A sheet of cloth, 1 m square (a cloth, a blanket, a towel).
    Sheet,
    /// A flag on a pole, 1.2 × 0.8 m.
    Flag,
    /// A curtain hanging from a rod, 1.2 × 1.8 m.
    Curtain,
    /// A tablecloth, the table's top and 25 cm over every edge.
    Tablecloth,
    /// A body of liquid (its preset in the group's material: water, oil, honey, milk,
    /// juice); known, like the four containers and the stone below, only in a prompt
    /// that names a liquid.
    Liquid,
    /// A bowl, 18 cm across and 7 cm deep.
    Bowl,
    /// A bucket, 26 cm across and 28 cm deep.
    Bucket,
    /// A tank (an aquarium), 50 × 30 × 30 cm, walls of glass.
    Tank,
    /// A spoon, 18 cm long (what honey drips from).
    Spoon,
    /// A stone, 8 × 6 × 7 cm.
    Stone,
    /// A man, 1.78 m tall (a character, written in `characters:`; the person words are
    /// known only in a prompt that names a person).
    Man,
    /// A woman, 1.65 m tall.
    Woman,
    /// A child, 1.2 m tall.
    Child,
    /// A person, 1.72 m tall.
    Person,
    /// A bench, a seat 1.2 × 0.4 m, 45 cm high (fixed; known, like the person words,
    /// only in a prompt that names a person).
    Bench,
    /// A chair (or a stool): a seat 45 cm square, 45 cm high, fixed.
    Chair,
}

impl Noun {
    /// The entity base name written into the scene.
    pub fn name(self) -> &'static str {
        match self {
            Noun::Ball => "ball",
            Noun::Marble => "marble",
            Noun::BowlingBall => "bowling_ball",
            Noun::TennisBall => "tennis_ball",
            Noun::Basketball => "basketball",
            Noun::Cube => "cube",
            Noun::Block => "block",
            Noun::Crate => "crate",
            Noun::Box => "box",
            Noun::Domino => "domino",
            Noun::Brick => "brick",
            Noun::Bottle => "bottle",
            Noun::Glass => "glass",
            Noun::Can => "can",
            Noun::Pin => "pin",
            Noun::Cone => "cone",
            Noun::Pillar => "pillar",
            Noun::Plank => "plank",
            Noun::Ramp => "ramp",
            Noun::Stairs => "stairs",
            Noun::Table => "table",
            Noun::Shelf => "shelf",
            Noun::Seesaw => "seesaw",
            Noun::Pendulum => "pendulum",
            Noun::Cradle => "cradle",
            Noun::Wall => "wall",
            Noun::Tower => "tower",
            Noun::Pyramid => "pyramid",
            Noun::Floor => "floor",
            Noun::Plate => "plate",
            Noun::Sheet => "sheet",
            Noun::Flag => "flag",
            Noun::Curtain => "curtain",
            Noun::Tablecloth => "tablecloth",
            Noun::Liquid => "liquid",
            Noun::Bowl => "bowl",
            Noun::Bucket => "bucket",
            Noun::Tank => "tank",
            Noun::Spoon => "spoon",
            Noun::Stone => "stone",
            Noun::Man => "man",
            Noun::Woman => "woman",
            Noun::Child => "child",
            Noun::Person => "person",
            Noun::Bench => "bench",
            Noun::Chair => "chair",
        }
    }

    /// The material it is made of unless the prompt says otherwise.
    pub fn default_material(self) -> &'static str {
        match self {
            Noun::Ball | Noun::Basketball | Noun::TennisBall => "rubber",
            Noun::Marble | Noun::Glass | Noun::Bottle => "glass",
            Noun::BowlingBall | Noun::Pin | Noun::Cone => "plastic",
            Noun::Cube | Noun::Block | Noun::Crate | Noun::Domino | Noun::Plank => "wood",
            Noun::Ramp | Noun::Table | Noun::Shelf | Noun::Seesaw | Noun::Tower => "wood",
            Noun::Bench | Noun::Chair => "wood",
            Noun::Box => "cardboard",
            Noun::Brick | Noun::Wall => "brick",
            Noun::Can => "aluminum",
            Noun::Pillar | Noun::Stairs | Noun::Pyramid => "stone",
            Noun::Pendulum | Noun::Cradle => "steel",
            Noun::Floor => "concrete",
            Noun::Plate => "ceramic",
            Noun::Sheet | Noun::Flag | Noun::Curtain | Noun::Tablecloth => "cotton",
            Noun::Liquid => "water",
            Noun::Bowl => "ceramic",
            Noun::Bucket => "plastic",
            Noun::Tank => "glass",
            Noun::Spoon => "steel",
            Noun::Stone => "stone",
            // A character has no material: its clothes are colors on its body.
            Noun::Man | Noun::Woman | Noun::Child | Noun::Person => "cotton",
        }
    }

    /// Whether this noun is something that rolls (a sphere).
    pub fn is_round(self) -> bool {
        matches!(
            self,
            Noun::Ball | Noun::Marble | Noun::BowlingBall | Noun::TennisBall | Noun::Basketball
        )
    }

    /// A sheet of cloth (simulated as cloth, written in `cloths:`, not as an entity).
    pub fn is_cloth(self) -> bool {
        matches!(
            self,
            Noun::Sheet | Noun::Flag | Noun::Curtain | Noun::Tablecloth
        )
    }

    /// A body of liquid (written in `fluids:`, not as an entity).
    pub fn is_liquid(self) -> bool {
        self == Noun::Liquid
    }

    /// Something that holds a liquid: written hollow (a bottom and a ring or four walls)
    /// in a prompt with a liquid.
    pub fn is_container(self) -> bool {
        matches!(
            self,
            Noun::Glass | Noun::Bottle | Noun::Bowl | Noun::Bucket | Noun::Tank
        )
    }

    /// A person (written in `characters:`, not as an entity).
    pub fn is_person(self) -> bool {
        matches!(self, Noun::Man | Noun::Woman | Noun::Child | Noun::Person)
    }

    /// A person's standing height, m (`None` for the other nouns): adult averages, a
    /// child of about seven.
    pub fn height(self) -> Option<f32> {
        match self {
            Noun::Man => Some(1.78),
            Noun::Woman => Some(1.65),
            Noun::Child => Some(1.2),
            Noun::Person => Some(1.72),
            _ => None,
        }
    }

    /// Fixed structures that other things rest on or move along.
    pub fn is_structure(self) -> bool {
        matches!(
            self,
            Noun::Ramp
                | Noun::Stairs
                | Noun::Table
                | Noun::Shelf
                | Noun::Wall
                | Noun::Floor
                | Noun::Bench
                | Noun::Chair
        )
    }

    /// Something made to sit on (a bench, a chair).
    pub fn is_seat(self) -> bool {
        matches!(self, Noun::Bench | Noun::Chair)
    }
}

/// Nouns, singular and plural spellings (multi-word entries are matched as phrases).
pub const NOUNS: &[(&[&str], &[&str], Noun)] = &[
    (&["bowling ball"], &["bowling balls"], Noun::BowlingBall),
    (
        &["tennis ball", "baseball", "golf ball", "ping pong ball"],
        &["tennis balls", "baseballs", "golf balls", "ping pong balls"],
        Noun::TennisBall,
    ),
    (
        &["basketball", "football", "soccer ball", "beach ball"],
        &["basketballs", "footballs", "soccer balls", "beach balls"],
        Noun::Basketball,
    ),
    (
        &["bowling pin", "pin", "skittle"],
        &["bowling pins", "pins", "skittles"],
        Noun::Pin,
    ),
    (
        &[
            "newton's cradle",
            "newtons cradle",
            "newton cradle",
            "cradle",
        ],
        &["cradles"],
        Noun::Cradle,
    ),
    (
        &["traffic cone", "cone"],
        &["traffic cones", "cones"],
        Noun::Cone,
    ),
    (
        &["ball", "sphere", "orb"],
        &["balls", "spheres", "orbs"],
        Noun::Ball,
    ),
    (&["marble"], &["marbles"], Noun::Marble),
    (&["cube", "dice", "die"], &["cubes", "dice"], Noun::Cube),
    (&["block"], &["blocks"], Noun::Block),
    (&["crate"], &["crates"], Noun::Crate),
    (&["box", "package"], &["boxes", "packages"], Noun::Box),
    (&["domino"], &["dominoes", "dominos"], Noun::Domino),
    (&["brick"], &["bricks"], Noun::Brick),
    (&["bottle", "vase"], &["bottles", "vases"], Noun::Bottle),
    (
        &["glass", "cup", "mug", "tumbler"],
        &["glasses", "cups", "mugs", "tumblers"],
        Noun::Glass,
    ),
    (
        &["can", "tin can", "soda can"],
        &["cans", "tin cans", "soda cans"],
        Noun::Can,
    ),
    (
        &["pillar", "column", "post"],
        &["pillars", "columns", "posts"],
        Noun::Pillar,
    ),
    (
        &["plank", "board", "beam"],
        &["planks", "boards", "beams"],
        Noun::Plank,
    ),
    (
        &["ramp", "slope", "incline", "chute"],
        &["ramps", "slopes", "inclines"],
        Noun::Ramp,
    ),
    (
        &[
            "stairs",
            "staircase",
            "stairway",
            "steps",
            "flight of stairs",
        ],
        &[],
        Noun::Stairs,
    ),
    (&["table", "desk"], &["tables", "desks"], Noun::Table),
    (&["shelf", "ledge"], &["shelves", "ledges"], Noun::Shelf),
    (
        &["seesaw", "see-saw", "teeter-totter", "lever"],
        &["seesaws"],
        Noun::Seesaw,
    ),
    (
        &["pendulum", "wrecking ball"],
        &["pendulums", "pendula"],
        Noun::Pendulum,
    ),
    (&["wall"], &["walls"], Noun::Wall),
    (&["tower"], &["towers"], Noun::Tower),
    (&["pyramid"], &["pyramids"], Noun::Pyramid),
    (
        &["floor", "ground", "surface", "tabletop"],
        &["floors"],
        Noun::Floor,
    ),
];

/// Arrangements of a counted group of objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Arrangement {
    /// Side by side along the action axis.
    Row,
    /// On a horizontal circle.
    Circle,
    /// Stacked one on another.
    Stack,
    /// Rows shrinking by one, each resting on the one below.
    Pyramid,
    /// A grid standing upright (bricks in a wall).
    Wall,
    /// A triangle rack, as bowling pins stand.
    Triangle,
}

impl Arrangement {
    /// Its word in messages.
    pub fn word(self) -> &'static str {
        match self {
            Arrangement::Row => "row",
            Arrangement::Circle => "circle",
            Arrangement::Stack => "stack",
            Arrangement::Pyramid => "pyramid",
            Arrangement::Wall => "wall",
            Arrangement::Triangle => "triangle",
        }
    }
}

/// Collective nouns that arrange what follows "of" ("a row of ten dominoes").
pub const ARRANGEMENT_NOUNS: &[(&str, Arrangement)] = &[
    ("row", Arrangement::Row),
    ("line", Arrangement::Row),
    ("chain", Arrangement::Row),
    ("run", Arrangement::Row),
    ("circle", Arrangement::Circle),
    ("ring", Arrangement::Circle),
    ("tower", Arrangement::Stack),
    ("stack", Arrangement::Stack),
    ("pile", Arrangement::Stack),
    ("column", Arrangement::Stack),
    ("pyramid", Arrangement::Pyramid),
    ("wall", Arrangement::Wall),
    ("triangle", Arrangement::Triangle),
    ("rack", Arrangement::Triangle),
];

/// Phrases after a noun that arrange it ("dominoes in a row", "cubes stacked").
pub const ARRANGEMENT_PHRASES: &[(&str, Arrangement)] = &[
    ("in a row", Arrangement::Row),
    ("in a line", Arrangement::Row),
    ("in line", Arrangement::Row),
    ("lined up", Arrangement::Row),
    ("in a circle", Arrangement::Circle),
    ("in a ring", Arrangement::Circle),
    ("in a stack", Arrangement::Stack),
    ("stacked", Arrangement::Stack),
    ("stacked up", Arrangement::Stack),
    ("in a pyramid", Arrangement::Pyramid),
    ("in a triangle", Arrangement::Triangle),
];

/// Spatial relations and motion-path prepositions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Prep {
    /// Resting on top.
    On,
    /// Moving to end on top.
    Onto,
    /// Higher up, not touching.
    Above,
    /// Below (under a table).
    Under,
    /// Next to, across the action axis.
    Beside,
    /// Toward -X.
    LeftOf,
    /// Toward +X.
    RightOf,
    /// Toward the camera (+Z).
    InFrontOf,
    /// Away from the camera (-Z).
    Behind,
    /// Midway between two things.
    Between,
    /// At the top of a ramp, stairs, tower.
    TopOf,
    /// At the bottom of a ramp, stairs.
    BottomOf,
    /// Into (motion ending in a collision).
    Into,
    /// At / toward (a target).
    At,
    /// Down (a ramp, stairs).
    Down,
    /// Off (a table, shelf).
    Off,
    /// Across / along (a surface).
    Across,
    /// From (a height, a support).
    From,
    /// With (colliding with).
    With,
    /// Of (arrangements, "top of").
    Of,
    /// In / inside.
    In,
}

/// Prepositions, longest phrases first where they share a prefix.
pub const PREPS: &[(&str, Prep)] = &[
    ("on top of", Prep::On),
    ("at the top of", Prep::TopOf),
    ("on the top of", Prep::TopOf),
    ("to the top of", Prep::TopOf),
    ("at the bottom of", Prep::BottomOf),
    ("to the bottom of", Prep::BottomOf),
    ("at the foot of", Prep::BottomOf),
    ("to the left of", Prep::LeftOf),
    ("left of", Prep::LeftOf),
    ("to the right of", Prep::RightOf),
    ("right of", Prep::RightOf),
    ("in front of", Prep::InFrontOf),
    ("next to", Prep::Beside),
    ("close to", Prep::Beside),
    ("on", Prep::On),
    ("upon", Prep::On),
    ("atop", Prep::On),
    ("onto", Prep::Onto),
    ("above", Prep::Above),
    ("over", Prep::Above),
    ("under", Prep::Under),
    ("underneath", Prep::Under),
    ("beneath", Prep::Under),
    ("below", Prep::Under),
    ("beside", Prep::Beside),
    ("near", Prep::Beside),
    ("by", Prep::Beside),
    ("behind", Prep::Behind),
    ("between", Prep::Between),
    ("into", Prep::Into),
    ("against", Prep::Into),
    ("through", Prep::Into),
    ("at", Prep::At),
    ("toward", Prep::At),
    ("towards", Prep::At),
    ("to", Prep::At),
    ("down", Prep::Down),
    ("off", Prep::Off),
    ("off of", Prep::Off),
    ("across", Prep::Across),
    ("along", Prep::Across),
    ("from", Prep::From),
    ("with", Prep::With),
    ("of", Prep::Of),
    ("in", Prep::In),
    ("inside", Prep::In),
];

/// What an action verb does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verb {
    /// Rolls along (a ball gets velocity and matching spin).
    Roll,
    /// Slides along.
    Slide,
    /// Falls from a height (or off a support).
    Fall,
    /// Bounces (dropped, restitution raised).
    Bounce,
    /// Thrown at a target on a ballistic arc.
    Throw,
    /// Moves into and hits a target.
    Hit,
    /// Hits a target so that it falls over.
    KnockOver,
    /// Falls over (intransitive).
    Topple,
    /// Swings on a pivot.
    Swing,
    /// Spins about its vertical axis.
    Spin,
    /// Stays where it is ("sits", "stands", "rests").
    Rest,
    /// Waves, flutters in the wind (a flag, a curtain).
    Wave,
    /// Drapes over something (a sheet falls onto it and hangs around it).
    Drape,
    /// Folds: over something, as a drape, or onto itself on the floor.
    Fold,
    /// Is pulled away (a tablecloth from under the dishes).
    Pull,
    /// Pours into something (a liquid from a spout).
    Pour,
    /// Fills (a container with a liquid: poured in).
    Fill,
    /// Spills (a container tips over and its liquid runs out).
    Spill,
    /// Splashes (a block of liquid lands; a container's liquid is thrown out).
    Splash,
    /// Sloshes (a container's liquid, the container shaken).
    Slosh,
    /// Floats on a liquid.
    Float,
    /// Sinks in a liquid.
    Sink,
    /// Drips (a thin, slow stream).
    Drip,
    /// Walks (a person).
    Walk,
    /// Runs (a person).
    Run,
    /// Pushes something (a person's hand shoves it; said of an object, a hit).
    Push,
    /// Jumps in place (a person).
    Jump,
    /// Kicks something with the right foot (a person).
    Kick,
    /// Picks something up in the right hand (a person).
    PickUp,
    /// Throws something (a person; what it does not hold yet it picks up first). Said of
    /// the thing thrown, [`Verb::Throw`].
    Toss,
    /// Sits down on a seat (a person; said of an object, it rests).
    Sit,
    /// Something a person does that the simulation cannot show yet: its base form
    /// ("jump"). A prompt that asks a person for one is refused.
    Cannot(&'static str),
}

impl Verb {
    /// Its word in messages.
    pub fn word(self) -> &'static str {
        match self {
            Verb::Roll => "rolls",
            Verb::Slide => "slides",
            Verb::Fall => "falls",
            Verb::Bounce => "bounces",
            Verb::Throw => "is thrown",
            Verb::Hit => "hits",
            Verb::KnockOver => "knocks over",
            Verb::Topple => "topples",
            Verb::Swing => "swings",
            Verb::Spin => "spins",
            Verb::Rest => "rests",
            Verb::Wave => "waves",
            Verb::Drape => "drapes",
            Verb::Fold => "folds",
            Verb::Pull => "is pulled",
            Verb::Pour => "pours",
            Verb::Fill => "fills",
            Verb::Spill => "spills",
            Verb::Splash => "splashes",
            Verb::Slosh => "sloshes",
            Verb::Float => "floats",
            Verb::Sink => "sinks",
            Verb::Drip => "drips",
            Verb::Walk => "walks",
            Verb::Run => "runs",
            Verb::Push => "pushes",
            Verb::Jump => "jumps",
            Verb::Kick => "kicks",
            Verb::PickUp => "picks up",
            Verb::Toss => "throws",
            Verb::Sit => "sits",
            Verb::Cannot(base) => base,
        }
    }

    /// Its base form in messages ("characters cannot roll yet").
    pub fn base(self) -> &'static str {
        match self {
            Verb::Roll => "roll",
            Verb::Slide => "slide",
            Verb::Fall => "fall",
            Verb::Bounce => "bounce",
            Verb::Throw => "be thrown",
            Verb::Hit => "hit",
            Verb::KnockOver => "knock over",
            Verb::Topple => "topple",
            Verb::Swing => "swing",
            Verb::Spin => "spin",
            Verb::Rest => "rest",
            Verb::Wave => "wave",
            Verb::Drape => "drape",
            Verb::Fold => "fold",
            Verb::Pull => "pull",
            Verb::Pour => "pour",
            Verb::Fill => "fill",
            Verb::Spill => "spill",
            Verb::Splash => "splash",
            Verb::Slosh => "slosh",
            Verb::Float => "float",
            Verb::Sink => "sink",
            Verb::Drip => "drip",
            Verb::Walk => "walk",
            Verb::Run => "run",
            Verb::Push => "push",
            Verb::Jump => "jump",
            Verb::Kick => "kick",
            Verb::PickUp => "pick up",
            Verb::Toss => "throw",
            Verb::Sit => "sit",
            Verb::Cannot(base) => base,
        }
    }

    /// What a person can do ([`PERSON_CAN`]): walk, run, push (a hit or a knock-over
    /// said of a person is a push), kick, pick up, throw, sit, jump, wave, fall (or fall
    /// over), stand still.
    pub fn a_person_can(self) -> bool {
        matches!(
            self,
            Verb::Walk
                | Verb::Run
                | Verb::Push
                | Verb::Hit
                | Verb::KnockOver
                | Verb::Kick
                | Verb::PickUp
                | Verb::Toss
                | Verb::Sit
                | Verb::Jump
                | Verb::Wave
                | Verb::Fall
                | Verb::Topple
                | Verb::Rest
        )
    }

    /// A verb of liquids (read only in a prompt that names one).
    pub fn is_fluid(self) -> bool {
        matches!(
            self,
            Verb::Pour
                | Verb::Fill
                | Verb::Spill
                | Verb::Splash
                | Verb::Slosh
                | Verb::Float
                | Verb::Sink
                | Verb::Drip
        )
    }
}

/// Verb forms (base, 3rd person, -ing, past) and phrasal verbs.
pub const VERBS: &[(&str, Verb)] = &[
    ("knocks over", Verb::KnockOver),
    ("knock over", Verb::KnockOver),
    ("knocking over", Verb::KnockOver),
    ("knocked over", Verb::KnockOver),
    ("knocks down", Verb::KnockOver),
    ("knock down", Verb::KnockOver),
    ("knocking down", Verb::KnockOver),
    ("knocks", Verb::KnockOver),
    ("knock", Verb::KnockOver),
    ("topples", Verb::Topple),
    ("topple", Verb::Topple),
    ("toppling", Verb::Topple),
    ("toppled", Verb::Topple),
    ("tips over", Verb::Topple),
    ("falls over", Verb::Topple),
    ("fall over", Verb::Topple),
    ("collapses", Verb::Topple),
    ("collapse", Verb::Topple),
    ("tumbles", Verb::Topple),
    ("tumble", Verb::Topple),
    ("rolls", Verb::Roll),
    ("roll", Verb::Roll),
    ("rolling", Verb::Roll),
    ("rolled", Verb::Roll),
    ("slides", Verb::Slide),
    ("slide", Verb::Slide),
    ("sliding", Verb::Slide),
    ("slid", Verb::Slide),
    ("skids", Verb::Slide),
    ("glides", Verb::Slide),
    ("is pushed", Verb::Slide),
    ("falls", Verb::Fall),
    ("fall", Verb::Fall),
    ("falling", Verb::Fall),
    ("fell", Verb::Fall),
    ("drops", Verb::Fall),
    ("drop", Verb::Fall),
    ("dropping", Verb::Fall),
    ("dropped", Verb::Fall),
    ("lands", Verb::Fall),
    ("plummets", Verb::Fall),
    ("bounces", Verb::Bounce),
    ("bounce", Verb::Bounce),
    ("bouncing", Verb::Bounce),
    ("bounced", Verb::Bounce),
    ("is thrown", Verb::Throw),
    ("are thrown", Verb::Throw),
    ("thrown", Verb::Throw),
    ("is tossed", Verb::Throw),
    ("is launched", Verb::Throw),
    ("is fired", Verb::Throw),
    ("flies", Verb::Throw),
    ("hits", Verb::Hit),
    ("hit", Verb::Hit),
    ("hitting", Verb::Hit),
    ("strikes", Verb::Hit),
    ("strike", Verb::Hit),
    ("collides", Verb::Hit),
    ("collide", Verb::Hit),
    ("colliding", Verb::Hit),
    ("crashes", Verb::Hit),
    ("crash", Verb::Hit),
    ("crashing", Verb::Hit),
    ("smashes", Verb::Hit),
    ("slams", Verb::Hit),
    ("rams", Verb::Hit),
    ("bumps", Verb::Hit),
    ("pushes", Verb::Hit),
    ("shoves", Verb::Hit),
    ("moves", Verb::Slide),
    ("travels", Verb::Slide),
    ("swings", Verb::Swing),
    ("swing", Verb::Swing),
    ("swinging", Verb::Swing),
    ("sways", Verb::Swing),
    ("spins", Verb::Spin),
    ("spin", Verb::Spin),
    ("spinning", Verb::Spin),
    ("twirls", Verb::Spin),
    ("rotates", Verb::Spin),
    ("sits", Verb::Rest),
    ("sit", Verb::Rest),
    ("sitting", Verb::Rest),
    ("stands", Verb::Rest),
    ("stand", Verb::Rest),
    ("standing", Verb::Rest),
    ("rests", Verb::Rest),
    ("resting", Verb::Rest),
    ("lies", Verb::Rest),
    ("lying", Verb::Rest),
    ("placed", Verb::Rest),
    ("waits", Verb::Rest),
];

/// Camera words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CameraWord {
    /// Tight on the subject.
    CloseUp,
    /// Everything small in frame.
    Wide,
    /// From straight above.
    TopDown,
    /// From near the floor, looking up.
    LowAngle,
    /// From high up, looking down.
    HighAngle,
    /// Moving toward the subject.
    DollyIn,
    /// Moving away from the subject.
    DollyOut,
    /// Circling the subject.
    Orbit,
    /// Following the moving subject.
    Tracking,
    /// Small seeded shake.
    Handheld,
    /// From the side, perpendicular to the action.
    Side,
}

/// Camera phrases.
pub const CAMERA_WORDS: &[(&str, CameraWord)] = &[
    ("extreme close-up", CameraWord::CloseUp),
    ("close-up", CameraWord::CloseUp),
    ("close up", CameraWord::CloseUp),
    ("closeup", CameraWord::CloseUp),
    ("macro", CameraWord::CloseUp),
    ("tight shot", CameraWord::CloseUp),
    ("wide shot", CameraWord::Wide),
    ("wide angle", CameraWord::Wide),
    ("wide", CameraWord::Wide),
    ("establishing shot", CameraWord::Wide),
    ("long shot", CameraWord::Wide),
    ("top-down", CameraWord::TopDown),
    ("top down", CameraWord::TopDown),
    ("overhead", CameraWord::TopDown),
    ("bird's-eye", CameraWord::TopDown),
    ("birds-eye", CameraWord::TopDown),
    ("bird's eye", CameraWord::TopDown),
    ("from above", CameraWord::TopDown),
    ("low angle", CameraWord::LowAngle),
    ("low-angle", CameraWord::LowAngle),
    ("worm's-eye", CameraWord::LowAngle),
    ("from below", CameraWord::LowAngle),
    ("high angle", CameraWord::HighAngle),
    ("high-angle", CameraWord::HighAngle),
    ("dolly in", CameraWord::DollyIn),
    ("dolly-in", CameraWord::DollyIn),
    ("push in", CameraWord::DollyIn),
    ("push-in", CameraWord::DollyIn),
    ("zoom in", CameraWord::DollyIn),
    ("dolly out", CameraWord::DollyOut),
    ("dolly-out", CameraWord::DollyOut),
    ("pull out", CameraWord::DollyOut),
    ("pull back", CameraWord::DollyOut),
    ("zoom out", CameraWord::DollyOut),
    ("orbit", CameraWord::Orbit),
    ("orbiting", CameraWord::Orbit),
    ("orbits", CameraWord::Orbit),
    ("360", CameraWord::Orbit),
    ("turntable", CameraWord::Orbit),
    ("tracking shot", CameraWord::Tracking),
    ("tracking", CameraWord::Tracking),
    ("follow cam", CameraWord::Tracking),
    ("following", CameraWord::Tracking),
    ("handheld", CameraWord::Handheld),
    ("hand-held", CameraWord::Handheld),
    ("shaky cam", CameraWord::Handheld),
    ("shaky", CameraWord::Handheld),
    ("side view", CameraWord::Side),
    ("profile shot", CameraWord::Side),
    ("side on", CameraWord::Side),
];

/// Style words and directors' names, mapped to a look: the name and the aliases of each
/// bundled style file (`styles/*.ron`, see [`crate::style::bundled`]), in the files'
/// order, each in the prompt's spelling (lowercase words joined by one space). The style
/// files are the one home of these names; the prompt keeps none of its own.
///
/// An alias that is one of the prompt's filler words ("film": "a short film of …")
/// keeps that meaning, and camera words are matched before style words ("handheld" is a
/// camera move, which brings the handheld look with it).
///
/// # Errors
/// The [`StyleError`] of a broken bundled style file (a test makes sure none is).
pub fn style_words() -> Result<&'static [(String, String)], &'static StyleError> {
    static WORDS: LazyLock<Result<Vec<(String, String)>, StyleError>> =
        LazyLock::new(|| crate::style::bundled().map(|styles| style_words_of(&styles)));
    WORDS.as_deref()
}

/// The prompt's style words of these styles (see [`style_words`]).
fn style_words_of(styles: &[Style]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for style in styles {
        for alias in std::iter::once(&style.file.name).chain(&style.file.aliases) {
            let phrase = super::parse::words(alias).join(" ");
            if FILLER.contains(&phrase.as_str()) {
                continue;
            }
            out.push((phrase, style.name().to_string()));
        }
    }
    out
}

/// The light rig that suits each look (`LIGHT_RIGS` in the scene validator).
pub fn rig_for_style(style: Option<&str>) -> &'static str {
    match style {
        Some("noir") => "low-key-noir",
        Some("golden-hour" | "70s-film") => "golden-hour",
        Some("neon-night") => "neon-night",
        Some("pastel-symmetry") => "high-key-soft",
        Some("cold-thriller" | "handheld-documentary") => "overcast",
        _ => "three-point",
    }
}

/// Scene-wide settings phrases.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Setting {
    /// Time runs at half speed.
    SlowMotion,
    /// Gravity with this magnitude, m/s², and a name for messages.
    Gravity(f32, &'static str),
    /// A scene-wide physics modifier.
    Mod(PhysMod),
    /// Portrait 9:16.
    Vertical,
    /// 2.39:1-ish.
    Widescreen,
    /// 1:1.
    Square,
    /// A word about the sound track.
    Sound(SoundWord),
    /// A wind blowing on the cloths.
    Wind(WindWord),
    /// A pour goes on until the container overflows.
    Overflow,
    /// Rain, snow or fog: weather the simulation does not have yet.
    Weather,
}

/// Words about the sound: loudness and timbre (`docs/sound.md`, "From a prompt").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoundWord {
    /// Master gain +6 dB.
    Loud,
    /// Master gain -12 dB.
    Quiet,
    /// Objects ring like steel.
    Clang,
    /// Objects thud like rubber.
    Thud,
    /// Objects rattle like ceramic.
    Rattle,
}

impl SoundWord {
    /// The master gain change, dB.
    pub fn gain_db(self) -> f32 {
        match self {
            Self::Loud => 6.0,
            Self::Quiet => -12.0,
            _ => 0.0,
        }
    }

    /// The acoustic preset every object (not the floor) takes.
    pub fn timbre(self) -> Option<&'static str> {
        match self {
            Self::Clang => Some("steel"),
            Self::Thud => Some("rubber"),
            Self::Rattle => Some("ceramic"),
            Self::Loud | Self::Quiet => None,
        }
    }
}

/// How hard the wind blows (`docs/cloth.md`, `wind:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindWord {
    /// A gentle breeze, 3 m/s.
    Gentle,
    /// A wind, a breeze, 6 m/s.
    Normal,
    /// A strong wind, a gale, 10 m/s.
    Strong,
}

impl WindWord {
    /// The mean wind speed, m/s.
    pub fn speed(self) -> f32 {
        match self {
            Self::Gentle => 3.0,
            Self::Normal => 6.0,
            Self::Strong => 10.0,
        }
    }
}

/// Verbs that also say the sound is loud ("crashes into").
pub const LOUD_VERBS: &[&str] = &[
    "crash", "crashes", "crashing", "smash", "smashes", "smashing",
];

/// Settings phrases.
pub const SETTINGS: &[(&str, Setting)] = &[
    ("in slow motion", Setting::SlowMotion),
    ("in slow-motion", Setting::SlowMotion),
    ("slow motion", Setting::SlowMotion),
    ("slow-motion", Setting::SlowMotion),
    ("slow-mo", Setting::SlowMotion),
    ("slowmo", Setting::SlowMotion),
    ("slow mo", Setting::SlowMotion),
    (
        "in low gravity",
        Setting::Gravity(1.62, "low gravity (the Moon's)"),
    ),
    (
        "low gravity",
        Setting::Gravity(1.62, "low gravity (the Moon's)"),
    ),
    (
        "low-gravity",
        Setting::Gravity(1.62, "low gravity (the Moon's)"),
    ),
    ("on the moon", Setting::Gravity(1.62, "the Moon's gravity")),
    ("on mars", Setting::Gravity(3.71, "Mars's gravity")),
    ("on jupiter", Setting::Gravity(24.79, "Jupiter's gravity")),
    (
        "high gravity",
        Setting::Gravity(24.79, "high gravity (Jupiter's)"),
    ),
    ("zero gravity", Setting::Gravity(0.0, "zero gravity")),
    ("zero-g", Setting::Gravity(0.0, "zero gravity")),
    ("in space", Setting::Gravity(0.0, "zero gravity")),
    ("weightless", Setting::Gravity(0.0, "zero gravity")),
    ("on ice", Setting::Mod(PhysMod::Icy)),
    ("vertical", Setting::Vertical),
    ("portrait", Setting::Vertical),
    ("9:16", Setting::Vertical),
    ("for tiktok", Setting::Vertical),
    ("widescreen", Setting::Widescreen),
    ("cinemascope", Setting::Widescreen),
    ("anamorphic", Setting::Widescreen),
    ("2.39:1", Setting::Widescreen),
    ("square", Setting::Square),
    ("1:1", Setting::Square),
    ("loud", Setting::Sound(SoundWord::Loud)),
    ("loudly", Setting::Sound(SoundWord::Loud)),
    ("noisy", Setting::Sound(SoundWord::Loud)),
    ("noisily", Setting::Sound(SoundWord::Loud)),
    ("quiet", Setting::Sound(SoundWord::Quiet)),
    ("quietly", Setting::Sound(SoundWord::Quiet)),
    ("softly", Setting::Sound(SoundWord::Quiet)),
    ("clang", Setting::Sound(SoundWord::Clang)),
    ("clangs", Setting::Sound(SoundWord::Clang)),
    ("clanging", Setting::Sound(SoundWord::Clang)),
    ("clank", Setting::Sound(SoundWord::Clang)),
    ("clanks", Setting::Sound(SoundWord::Clang)),
    ("with a clang", Setting::Sound(SoundWord::Clang)),
    ("thud", Setting::Sound(SoundWord::Thud)),
    ("thuds", Setting::Sound(SoundWord::Thud)),
    ("thudding", Setting::Sound(SoundWord::Thud)),
    ("with a thud", Setting::Sound(SoundWord::Thud)),
    ("rattle", Setting::Sound(SoundWord::Rattle)),
    ("rattles", Setting::Sound(SoundWord::Rattle)),
    ("rattling", Setting::Sound(SoundWord::Rattle)),
    ("with a rattle", Setting::Sound(SoundWord::Rattle)),
    ("with a crash", Setting::Sound(SoundWord::Loud)),
];

/// Number words (cardinals; "a dozen" and friends are phrases).
pub const NUMBERS: &[(&str, u32)] = &[
    ("one", 1),
    ("single", 1),
    ("lone", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("a dozen", 12),
    ("dozen", 12),
    ("half a dozen", 6),
    ("a couple of", 2),
    ("a couple", 2),
    ("couple of", 2),
    ("a pair of", 2),
    ("pair of", 2),
    ("both", 2),
    ("a few", 3),
    ("few", 3),
    ("several", 5),
    ("some", 4),
    ("many", 12),
    ("lots of", 12),
    ("a lot of", 12),
    ("a bunch of", 6),
    ("a handful of", 5),
];

/// Determiners (no count of their own).
pub const DETERMINERS: &[&str] = &[
    "a", "an", "the", "this", "that", "these", "those", "another", "its", "their",
];

/// Pronouns referring back to something mentioned.
pub const PRONOUNS: &[&str] = &["it", "they", "them", "itself"];

/// Conjunctions that join clauses or noun phrases.
pub const CONJUNCTIONS: &[&str] = &[
    "and", "then", "while", "as", "which", "that", "so", "before", "after", "until", "when",
    "where", "who",
];

/// Words of manner and degree that carry no meaning for the scene (adverbs, auxiliaries);
/// they are accepted without being reported as ignored.
pub const FILLER: &[&str] = &[
    "is",
    "are",
    "gets",
    "get",
    "be",
    "being",
    "was",
    "were",
    "slowly",
    "quickly",
    "fast",
    "gently",
    "suddenly",
    "hard",
    "softly",
    "shot",
    "camera",
    "view",
    "angle",
    "scene",
    "style",
    "look",
    "mood",
    "movie",
    "film",
    "cinematic",
    "lit",
    "lighting",
    "all",
    "each",
    "every",
    "of",
    "there",
    "here",
    "just",
    "very",
    "really",
    "finally",
    "eventually",
    "away",
    "around",
    "up",
    "slow",
    "smooth",
    "steady",
    "gentle",
    "beautiful",
    "dramatic",
    "shiny",
    "set",
    "sitting",
];

/// The words for seconds after a number ("for 6 seconds").
pub const SECOND_WORDS: &[&str] = &["seconds", "second", "secs", "sec", "s"];

// ---------------------------------------------------------------- cloth words

// The words below are known only in a prompt that names a cloth or a wind
// ([`CLOTH_NOUNS`] but the plate, [`WIND_WORDS`]): every one of them was an unknown word
// before cloth came, so a prompt without a cloth word reads, lays out and writes exactly
// as it did (the corpus's scenes keep their bytes). "cloth" itself was a material word
// (felt) and still is before another noun ("a cloth ball").

/// Nouns of cloth (and of the dishes a tablecloth is pulled from under), singular and
/// plural spellings.
pub const CLOTH_NOUNS: &[(&[&str], &[&str], Noun)] = &[
    (
        &["tablecloth", "table cloth", "table-cloth"],
        &["tablecloths", "table cloths"],
        Noun::Tablecloth,
    ),
    (
        &[
            "sheet",
            "cloth",
            "bedsheet",
            "bed sheet",
            "blanket",
            "towel",
        ],
        &["sheets", "cloths", "bedsheets", "blankets", "towels"],
        Noun::Sheet,
    ),
    (&["flag", "banner"], &["flags", "banners"], Noun::Flag),
    (&["curtain"], &["curtains"], Noun::Curtain),
    (
        &["plate", "dish", "dinner plate", "saucer"],
        &["plates", "dishes", "dinner plates", "saucers"],
        Noun::Plate,
    ),
];

/// Fabric words: a material for a cloth (its `material:`, the fabric preset named by
/// [`fabric_of`]) and, on a solid object, a textile-like material.
pub const FABRIC_MATERIALS: &[(&[&str], MaterialDef)] = &[
    (
        &["cotton", "linen"],
        mat("cotton", "#e9e4d8", 1500.0, 0.5, 0.1, 0.9, 0.0),
    ),
    (
        &["silk", "silken", "satin"],
        mat("silk", "#b23a48", 1300.0, 0.25, 0.1, 0.35, 0.0),
    ),
    (
        &["denim", "canvas"],
        mat("denim", "#3b5680", 1500.0, 0.6, 0.1, 0.85, 0.0),
    ),
];

/// Looks a fabric word up.
pub fn fabric_material(word: &str) -> Option<MaterialDef> {
    FABRIC_MATERIALS
        .iter()
        .find(|(words, _)| words.contains(&word))
        .map(|(_, m)| *m)
}

/// The cloth's fabric preset (`docs/cloth.md`) for a material word: cotton, silk, denim,
/// rubber (a rubber sheet); `None` for a material that is no fabric.
pub fn fabric_of(material: &str) -> Option<&'static str> {
    match material {
        "cotton" | "felt" => Some("cotton"),
        "silk" => Some("silk"),
        "denim" => Some("denim"),
        "rubber" => Some("rubber-sheet"),
        _ => None,
    }
}

/// Verbs of cloth.
pub const CLOTH_VERBS: &[(&str, Verb)] = &[
    ("waves", Verb::Wave),
    ("wave", Verb::Wave),
    ("waving", Verb::Wave),
    ("waved", Verb::Wave),
    ("flutters", Verb::Wave),
    ("flutter", Verb::Wave),
    ("fluttering", Verb::Wave),
    ("flaps", Verb::Wave),
    ("flap", Verb::Wave),
    ("flapping", Verb::Wave),
    ("billows", Verb::Wave),
    ("billow", Verb::Wave),
    ("billowing", Verb::Wave),
    ("ripples", Verb::Wave),
    ("rippling", Verb::Wave),
    ("blows", Verb::Wave),
    ("blowing", Verb::Wave),
    ("drapes", Verb::Drape),
    ("drape", Verb::Drape),
    ("draping", Verb::Drape),
    ("draped", Verb::Drape),
    ("is draped", Verb::Drape),
    ("covers", Verb::Drape),
    ("cover", Verb::Drape),
    ("covering", Verb::Drape),
    ("settles", Verb::Drape),
    ("folds", Verb::Fold),
    ("fold", Verb::Fold),
    ("folding", Verb::Fold),
    ("folded", Verb::Fold),
    ("crumples", Verb::Fold),
    ("crumpling", Verb::Fold),
    ("is pulled", Verb::Pull),
    ("pulled", Verb::Pull),
    ("pulls", Verb::Pull),
    ("is yanked", Verb::Pull),
    ("yanked", Verb::Pull),
    ("is whipped", Verb::Pull),
    ("whipped", Verb::Pull),
    ("is whisked", Verb::Pull),
    ("whisked", Verb::Pull),
    ("is jerked", Verb::Pull),
    ("hangs", Verb::Rest),
    ("hang", Verb::Rest),
    ("hanging", Verb::Rest),
];

/// Prepositions of cloth ("pulled from under the dishes").
pub const CLOTH_PREPS: &[(&str, Prep)] = &[
    ("from under", Prep::Under),
    ("out from under", Prep::Under),
    ("from underneath", Prep::Under),
    ("out from underneath", Prep::Under),
    ("from beneath", Prep::Under),
];

/// What a flag or a curtain comes with anyway ("a flag on a pole", "a curtain hangs
/// from a rod"): understood, not an object of its own.
pub const CLOTH_FILLER: &[&str] = &[
    "on a pole",
    "on the pole",
    "on its pole",
    "on a flagpole",
    "on the flagpole",
    "on a flag pole",
    "on a mast",
    "from a pole",
    "from a rod",
    "from the rod",
    "from its rod",
    "from a curtain rod",
    "on a rod",
    "on a curtain rod",
    "from a line",
    "on a line",
    "on a clothesline",
    "from a clothesline",
];

/// Wind phrases. A determiner or a preposition just before one ("in a strong wind") is
/// part of it.
pub const WIND_WORDS: &[(&str, WindWord)] = &[
    ("wind", WindWord::Normal),
    ("winds", WindWord::Normal),
    ("windy", WindWord::Normal),
    ("windy day", WindWord::Normal),
    ("breeze", WindWord::Normal),
    ("breezy", WindWord::Normal),
    ("breezy day", WindWord::Normal),
    ("gusty", WindWord::Normal),
    ("gusty wind", WindWord::Normal),
    ("gust of wind", WindWord::Normal),
    ("the wind blows", WindWord::Normal),
    ("wind blows", WindWord::Normal),
    ("strong wind", WindWord::Strong),
    ("strong winds", WindWord::Strong),
    ("strong breeze", WindWord::Strong),
    ("high wind", WindWord::Strong),
    ("high winds", WindWord::Strong),
    ("heavy wind", WindWord::Strong),
    ("gale", WindWord::Strong),
    ("stiff breeze", WindWord::Strong),
    ("gentle breeze", WindWord::Gentle),
    ("gentle wind", WindWord::Gentle),
    ("light breeze", WindWord::Gentle),
    ("light wind", WindWord::Gentle),
    ("soft breeze", WindWord::Gentle),
    ("slight breeze", WindWord::Gentle),
    ("faint breeze", WindWord::Gentle),
    ("mild breeze", WindWord::Gentle),
];

// ---------------------------------------------------------------- liquid words

// The words below are known only in a prompt that names a liquid ([`LIQUIDS`]): every
// one of them was an unknown word before liquids came (or, for "stone" and "rock", a
// material word), so a prompt without a liquid reads, lays out and writes exactly as it
// did. The liquid presets are the scene format's (`docs/fluids.md`).

/// Liquid words and their preset, as a material (the density is the preset's, kg/m³;
/// the color the raster's base color).
pub const LIQUIDS: &[(&[&str], MaterialDef)] = &[
    (
        &["water", "clear water"],
        mat("water", "#cfe3ee", 998.0, 0.0, 0.0, 0.02, 0.0),
    ),
    (
        &["oil", "olive oil", "cooking oil"],
        mat("oil", "#c9a233", 911.0, 0.0, 0.0, 0.03, 0.0),
    ),
    (
        &["honey", "syrup", "maple syrup"],
        mat("honey", "#cf8516", 1420.0, 0.0, 0.0, 0.04, 0.0),
    ),
    (
        &["milk"],
        mat("milk", "#f3f0e8", 1030.0, 0.0, 0.0, 0.25, 0.0),
    ),
    (
        &["juice", "orange juice", "apple juice", "lemonade"],
        mat("juice", "#f29a1f", 1045.0, 0.0, 0.0, 0.2, 0.0),
    ),
];

/// Looks a liquid word up.
pub fn liquid(word: &str) -> Option<MaterialDef> {
    LIQUIDS
        .iter()
        .find(|(words, _)| words.contains(&word))
        .map(|(_, m)| *m)
}

/// Nouns of a prompt with a liquid: containers, the spoon honey drips from, a stone.
pub const FLUID_NOUNS: &[(&[&str], &[&str], Noun)] = &[
    (&["bowl", "basin"], &["bowls", "basins"], Noun::Bowl),
    (&["bucket", "pail"], &["buckets", "pails"], Noun::Bucket),
    (
        &["tank", "aquarium", "fish tank", "tub"],
        &["tanks", "aquariums", "tubs"],
        Noun::Tank,
    ),
    (&["spoon", "ladle"], &["spoons", "ladles"], Noun::Spoon),
    (
        &["stone", "rock", "pebble"],
        &["stones", "rocks", "pebbles"],
        Noun::Stone,
    ),
];

/// Verbs of liquids (and the passive "is knocked over", which tips a glass over rather
/// than sending it off).
pub const FLUID_VERBS: &[(&str, Verb)] = &[
    ("pours", Verb::Pour),
    ("pour", Verb::Pour),
    ("pouring", Verb::Pour),
    ("poured", Verb::Pour),
    ("is poured", Verb::Pour),
    ("being poured", Verb::Pour),
    ("flows", Verb::Pour),
    ("fills", Verb::Fill),
    ("fill", Verb::Fill),
    ("filling", Verb::Fill),
    ("is filled", Verb::Fill),
    ("is filled with", Verb::Fill),
    ("gets filled with", Verb::Fill),
    ("being filled with", Verb::Fill),
    ("is filled up with", Verb::Fill),
    ("fills up", Verb::Fill),
    ("spills", Verb::Spill),
    ("spill", Verb::Spill),
    ("spilling", Verb::Spill),
    ("spilled", Verb::Spill),
    ("spilt", Verb::Spill),
    ("spills out", Verb::Spill),
    ("splashes", Verb::Splash),
    ("splash", Verb::Splash),
    ("splashing", Verb::Splash),
    ("splashed", Verb::Splash),
    ("sloshes", Verb::Slosh),
    ("slosh", Verb::Slosh),
    ("sloshing", Verb::Slosh),
    ("sloshes around", Verb::Slosh),
    ("sloshed", Verb::Slosh),
    ("swirls", Verb::Slosh),
    ("floats", Verb::Float),
    ("float", Verb::Float),
    ("floating", Verb::Float),
    ("bobs", Verb::Float),
    ("sinks", Verb::Sink),
    ("sink", Verb::Sink),
    ("sinking", Verb::Sink),
    ("sank", Verb::Sink),
    ("sinks to the bottom of", Verb::Sink),
    ("drips", Verb::Drip),
    ("drip", Verb::Drip),
    ("dripping", Verb::Drip),
    ("dribbles", Verb::Drip),
    ("trickles", Verb::Drip),
    ("oozes", Verb::Drip),
    ("is knocked over", Verb::Topple),
    ("gets knocked over", Verb::Topple),
    ("is knocked down", Verb::Topple),
    ("is tipped over", Verb::Topple),
    ("is pushed over", Verb::Topple),
];

/// Prepositions of liquids: what a noun holds ("a glass full of water") reads as "of";
/// "out of" as "from".
pub const FLUID_PREPS: &[(&str, Prep)] = &[
    ("full of", Prep::Of),
    ("filled with", Prep::Of),
    ("out of", Prep::From),
];

/// Phrases saying a pour goes on until the container overflows.
pub const OVERFLOW_WORDS: &[&str] = &[
    "until it overflows",
    "till it overflows",
    "until it spills over",
    "until it runs over",
    "until it is full",
    "to the brim",
    "overflows",
    "overflowing",
];

// ---------------------------------------------------------------- person words

// The words below are known only in a prompt that names a person ([`PERSON_NOUNS`]):
// every one of them was an unknown word before people came (or, for "pushes", "waves",
// "sits", a verb read the same way or an object's), so a prompt without a person reads,
// lays out and writes exactly as it did. A person is a character (`characters:`, see
// `docs/characters.md`): the bundled mannequin at the noun's height, dressed in the
// colors said of its clothes.

/// What a character can do, as the refusal of what it cannot says it.
pub const PERSON_CAN: &str = "walk, run, push, kick, pick up, throw, sit, jump, wave and fall";

/// Nouns of people, singular and plural spellings.
pub const PERSON_NOUNS: &[(&[&str], &[&str], Noun)] = &[
    (
        &["man", "guy", "gentleman", "father", "dad", "businessman"],
        &["men", "guys", "gentlemen", "businessmen"],
        Noun::Man,
    ),
    (
        &["woman", "lady", "mother", "mom", "mum", "businesswoman"],
        &["women", "ladies", "businesswomen"],
        Noun::Woman,
    ),
    (
        &["child", "kid", "boy", "girl", "little boy", "little girl"],
        &["children", "kids", "boys", "girls"],
        Noun::Child,
    ),
    (
        &[
            "person",
            "someone",
            "somebody",
            "pedestrian",
            "stranger",
            "figure",
            "character",
            "adult",
        ],
        &[
            "people",
            "persons",
            "pedestrians",
            "strangers",
            "figures",
            "adults",
        ],
        Noun::Person,
    ),
];

/// What people sit on (known, like the person words, only in a prompt that names a
/// person): a bench, a chair (a seat without a back yet).
pub const SEAT_NOUNS: &[(&[&str], &[&str], Noun)] = &[
    (
        &["bench", "park bench"],
        &["benches", "park benches"],
        Noun::Bench,
    ),
    (
        &["chair", "stool", "seat"],
        &["chairs", "stools", "seats"],
        Noun::Chair,
    ),
];

/// Verbs of people: what a character can do ([`PERSON_CAN`], and standing still), and
/// those it cannot yet, each with its base form (a prompt that asks a person for one is
/// refused, naming it).
pub const PERSON_VERBS: &[(&str, Verb)] = &[
    ("walks", Verb::Walk),
    ("walk", Verb::Walk),
    ("walking", Verb::Walk),
    ("walked", Verb::Walk),
    ("strolls", Verb::Walk),
    ("strolling", Verb::Walk),
    ("wanders", Verb::Walk),
    ("wandering", Verb::Walk),
    ("paces", Verb::Walk),
    ("marches", Verb::Walk),
    ("heads", Verb::Walk),
    ("goes", Verb::Walk),
    ("comes", Verb::Walk),
    ("approaches", Verb::Walk),
    ("crosses", Verb::Walk),
    ("runs", Verb::Run),
    ("running", Verb::Run),
    ("ran", Verb::Run),
    ("jogs", Verb::Run),
    ("jogging", Verb::Run),
    ("sprints", Verb::Run),
    ("sprinting", Verb::Run),
    ("dashes", Verb::Run),
    ("rushes", Verb::Run),
    ("hurries", Verb::Run),
    ("races", Verb::Run),
    ("pushes", Verb::Push),
    ("push", Verb::Push),
    ("pushing", Verb::Push),
    ("pushed", Verb::Push),
    ("shoves", Verb::Push),
    ("shove", Verb::Push),
    ("shoving", Verb::Push),
    ("nudges", Verb::Push),
    ("waves", Verb::Wave),
    ("wave", Verb::Wave),
    ("waving", Verb::Wave),
    ("waved", Verb::Wave),
    ("waves hello", Verb::Wave),
    ("waves goodbye", Verb::Wave),
    ("falls down", Verb::Fall),
    ("trips", Verb::Fall),
    ("trips over", Verb::Fall),
    ("stumbles", Verb::Fall),
    ("faints", Verb::Fall),
    ("passes out", Verb::Fall),
    ("jumps", Verb::Jump),
    ("jump", Verb::Jump),
    ("jumping", Verb::Jump),
    ("jumped", Verb::Jump),
    ("jumps up", Verb::Jump),
    ("leaps", Verb::Jump),
    ("leap", Verb::Jump),
    ("leaping", Verb::Jump),
    ("hops", Verb::Jump),
    ("hop", Verb::Jump),
    ("hopping", Verb::Jump),
    ("kicks", Verb::Kick),
    ("kick", Verb::Kick),
    ("kicking", Verb::Kick),
    ("kicked", Verb::Kick),
    ("throws", Verb::Toss),
    ("throw", Verb::Toss),
    ("throwing", Verb::Toss),
    ("threw", Verb::Toss),
    ("tosses", Verb::Toss),
    ("toss", Verb::Toss),
    ("tossing", Verb::Toss),
    ("hurls", Verb::Toss),
    ("hurl", Verb::Toss),
    ("hurling", Verb::Toss),
    ("flings", Verb::Toss),
    ("sits", Verb::Sit),
    ("sit", Verb::Sit),
    ("sitting", Verb::Sit),
    ("sat", Verb::Sit),
    ("sits down", Verb::Sit),
    ("sit down", Verb::Sit),
    ("sitting down", Verb::Sit),
    ("sat down", Verb::Sit),
    ("takes a seat", Verb::Sit),
    ("picks up", Verb::PickUp),
    ("pick up", Verb::PickUp),
    ("picking up", Verb::PickUp),
    ("picked up", Verb::PickUp),
    ("picks", Verb::PickUp),
    ("lifts", Verb::PickUp),
    ("lifts up", Verb::PickUp),
    ("lift", Verb::PickUp),
    ("lifting", Verb::PickUp),
    ("grabs", Verb::PickUp),
    ("grab", Verb::PickUp),
    ("grabbing", Verb::PickUp),
    ("catches", Verb::Cannot("catch")),
    ("holds", Verb::Cannot("hold")),
    ("carries", Verb::Cannot("carry")),
    ("climbs", Verb::Cannot("climb")),
    ("dances", Verb::Cannot("dance")),
    ("swims", Verb::Cannot("swim")),
    ("crawls", Verb::Cannot("crawl")),
    ("kneels", Verb::Cannot("kneel")),
    ("lies down", Verb::Cannot("lie down")),
    ("dives", Verb::Cannot("dive")),
    ("punches", Verb::Cannot("punch")),
    ("hugs", Verb::Cannot("hug")),
    ("opens", Verb::Cannot("open")),
    ("drinks", Verb::Cannot("drink")),
    ("eats", Verb::Cannot("eat")),
    ("rides", Verb::Cannot("ride")),
    ("drives", Verb::Cannot("drive")),
    ("skates", Verb::Cannot("skate")),
    ("turns around", Verb::Cannot("turn around")),
];

/// What a color said of a person's clothes colors: the body fields of a character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Garment {
    /// `body.shirt`: the trunk and upper arms (a coat, a jacket, a shirt, a dress).
    Shirt,
    /// `body.trousers`: the pelvis and legs (trousers, jeans, a skirt).
    Trousers,
    /// `body.shoes`.
    Shoes,
    /// `body.hair`.
    Hair,
}

impl Garment {
    /// The body field it colors.
    pub fn field(self) -> &'static str {
        match self {
            Garment::Shirt => "shirt",
            Garment::Trousers => "trousers",
            Garment::Shoes => "shoes",
            Garment::Hair => "hair",
        }
    }
}

/// Clothes (and hair): the body field a color said of them sets.
pub const GARMENTS: &[(&str, Garment)] = &[
    ("coat", Garment::Shirt),
    ("raincoat", Garment::Shirt),
    ("overcoat", Garment::Shirt),
    ("trench coat", Garment::Shirt),
    ("jacket", Garment::Shirt),
    ("shirt", Garment::Shirt),
    ("t-shirt", Garment::Shirt),
    ("t shirt", Garment::Shirt),
    ("tshirt", Garment::Shirt),
    ("blouse", Garment::Shirt),
    ("sweater", Garment::Shirt),
    ("jumper", Garment::Shirt),
    ("hoodie", Garment::Shirt),
    ("cardigan", Garment::Shirt),
    ("dress", Garment::Shirt),
    ("suit", Garment::Shirt),
    ("vest", Garment::Shirt),
    ("uniform", Garment::Shirt),
    ("trousers", Garment::Trousers),
    ("pants", Garment::Trousers),
    ("jeans", Garment::Trousers),
    ("shorts", Garment::Trousers),
    ("skirt", Garment::Trousers),
    ("slacks", Garment::Trousers),
    ("leggings", Garment::Trousers),
    ("shoes", Garment::Shoes),
    ("boots", Garment::Shoes),
    ("sneakers", Garment::Shoes),
    ("trainers", Garment::Shoes),
    ("hair", Garment::Hair),
];

/// Words that put clothes on the person before them ("a man wearing a blue shirt");
/// "in" and "with" do too ("a woman in a red coat", "a boy with red hair").
pub const WEARING_WORDS: &[&str] = &["wearing", "dressed in", "who wears", "wears", "clad in"];

/// Weather the simulation does not have yet: understood, warned about, not simulated.
/// A determiner or a preposition just before one ("through the rain") is part of it.
pub const WEATHER_WORDS: &[&str] = &[
    "rain",
    "heavy rain",
    "pouring rain",
    "rainy day",
    "raining",
    "rainy",
    "drizzle",
    "snow",
    "snowing",
    "snowy",
    "fog",
    "foggy",
    "mist",
    "storm",
    "thunderstorm",
];
