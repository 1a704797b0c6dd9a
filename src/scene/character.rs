//! People in a scene: the `characters:` field as written and the validated
//! [`Character`] the physics stage animates (see `docs/characters.md`).
//!
//! A character is the bundled mannequin ([`crate::character::Mannequin`]) on the
//! standard skeleton, built from `body`'s height and build and dressed in its colors. It
//! stands at `at` (its feet on the ground there) or, with a `path`, walks or runs from
//! `at` through the path's points at `speed`, setting off at `start`. Its `actions` are
//! timed: `(2.5, Push("glass"))` reaches for the glass 2.5 s into the clip.

use glam::Vec3;
use serde::{Deserialize, Serialize};

use super::file::Color;
use crate::character::{BodyParams, Gait, GaitParams};

/// One character as written in `characters:`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Character")]
pub struct CharacterFile {
    /// A unique name among entities, cloths, fluids and characters (its segmentation id
    /// is an entity's).
    pub name: String,
    /// Height, build and clothes.
    #[serde(default)]
    pub body: BodyFile,
    /// Where it stands at the start: the ground point between its feet, m.
    #[serde(default)]
    pub at: [f32; 3],
    /// Which way it faces while it stands, degrees about +Y (0 faces +Z, 90 faces +X).
    /// With a `path` it faces along the path instead.
    #[serde(default)]
    pub facing_deg: f32,
    /// Points it walks through after `at` (their heights are ignored: it walks on the
    /// ground at `at`'s height).
    #[serde(default)]
    pub path: Vec<[f32; 3]>,
    /// How it moves along the path: `Walk` (default, 1.4 m/s) or `Run` (3 m/s).
    #[serde(default)]
    pub gait: GaitKind,
    /// Speed along the path instead of the gait's, m/s, in [0.1, 8].
    #[serde(default)]
    pub speed: Option<f32>,
    /// When it sets off along the path, s.
    #[serde(default)]
    pub start: f32,
    /// Timed actions: `(seconds, action)`.
    #[serde(default)]
    pub actions: Vec<(f32, ActFile)>,
    /// A consented face on the head (see `docs/characters.md#cameos`).
    #[serde(default)]
    pub cameo: Option<CameoFile>,
    /// A glTF character to draw instead of the mannequin, moved by the same skeleton
    /// (see `docs/characters.md#gltf-characters`).
    #[serde(default)]
    pub model: Option<ModelFile>,
}

/// A glTF character as written: `model: (file: "people/robot.glb")`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Model")]
pub struct ModelFile {
    /// The `.glb` or `.gltf` file, relative to the scene file's folder and inside it.
    pub file: String,
    /// Uniform scale applied to the model (default 1): its height becomes the
    /// character's.
    #[serde(default = "one")]
    pub scale: f32,
    /// Standard joint name → the model's joint name, for joints named neither the
    /// standard way nor Mixamo's.
    #[serde(default)]
    pub joints: std::collections::BTreeMap<String, String>,
    /// The index of the file's animation to play, looped from `start` on, while the
    /// character stands (no `path`); actions lay over it.
    #[serde(default)]
    pub clip: Option<usize>,
}

/// A cameo as written: whose face, from which photo, under which consent record, for
/// whom. Paths are relative to the scene file's folder and inside it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Cameo")]
pub struct CameoFile {
    /// The person whose face it is (must be the record's `subject`).
    pub subject: String,
    /// Who is making the clip (must be the record's `granted_to`).
    pub user: String,
    /// The front-facing photo (PNG, JPEG or TIFF).
    pub photo: String,
    /// The consent record (RON; see [`crate::character::Consent`]).
    pub consent: String,
}

/// A cameo that passed its checks: what provenance records of it.
#[derive(Debug, Clone, PartialEq)]
pub struct CameoUse {
    /// The consent record's id.
    pub consent_id: String,
    /// Whose face.
    pub subject: String,
    /// For whom.
    pub user: String,
    /// The photo's path as written and its BLAKE3 hash (hex).
    pub photo: (String, String),
    /// The consent file's path as written and its BLAKE3 hash (hex).
    pub consent: (String, String),
    /// The record's expiry date.
    pub expires: String,
    /// Where the photo's two eye landmarks landed in the head's UV atlas (the photo's
    /// left eye first): the 3D eye landmarks, with [`crate::character::mannequin::head_point_at_uv`].
    pub eyes_uv: [glam::Vec2; 2],
}

/// A character's body as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Body")]
pub struct BodyFile {
    /// Standing height, m, in [0.5, 2.5] (default 1.75).
    #[serde(default = "default_height")]
    pub height: f32,
    /// Girth factor in [0.8, 1.2] (default 1).
    #[serde(default = "one")]
    pub build: f32,
    /// Skin color (default `"#c68e6a"`).
    #[serde(default)]
    pub skin_tone: Option<Color>,
    /// Hair color (default `"#3b2a1e"`).
    #[serde(default)]
    pub hair: Option<Color>,
    /// Shirt (trunk and upper arms; default `"#3b5b92"`).
    #[serde(default)]
    pub shirt: Option<Color>,
    /// Trousers (pelvis and legs; default `"#2e2e38"`).
    #[serde(default)]
    pub trousers: Option<Color>,
    /// Shoes (default `"#1c1816"`).
    #[serde(default)]
    pub shoes: Option<Color>,
}

impl Default for BodyFile {
    fn default() -> Self {
        BodyFile {
            height: default_height(),
            build: 1.0,
            skin_tone: None,
            hair: None,
            shirt: None,
            trousers: None,
            shoes: None,
        }
    }
}

fn default_height() -> f32 {
    1.75
}

fn one() -> f32 {
    1.0
}

/// Default colors, sRGB hex: skin, hair, shirt, trousers, shoes.
pub const DEFAULT_OUTFIT: [&str; 5] = ["#c68e6a", "#3b2a1e", "#3b5b92", "#2e2e38", "#1c1816"];

/// How a character moves along its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum GaitKind {
    /// A walk, 1.4 m/s unless `speed` says otherwise.
    #[default]
    Walk,
    /// A jog, 3 m/s unless `speed` says otherwise.
    Run,
}

/// One action as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ActFile {
    /// Reach out with the right hand and shove the named entity away (its body must be
    /// within reach by then: about 0.9 × height from the feet, leaning in).
    Push(String),
    /// Raise the right hand and wave for two seconds.
    Wave,
    /// Kick the named entity with the right foot (it must be within about a leg's
    /// length in front of the right hip).
    Kick(String),
    /// Go limp and fall: the character becomes a ragdoll.
    Fall,
    /// Crouch, bend and take the named entity in the right hand (it must be standing
    /// still, the object on a dynamic body within about 0.45 × height of its feet); it
    /// carries it from then on.
    PickUp(String),
    /// Throw what the right hand holds (the named entity, picked up before), forward and
    /// up: it leaves the hand with the hand's velocity.
    Throw(String),
    /// Turn on the spot and sit down on the named entity's top (standing still, about a
    /// thigh's length from the seat's middle); it stays seated.
    Sit(String),
    /// Jump in place, 0.25 m up (standing still).
    Jump,
}

/// A validated action.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Act {
    /// Shove an entity (its index).
    Push(usize),
    /// Kick an entity (its index).
    Kick(usize),
    /// Wave.
    Wave,
    /// Fall.
    Fall,
    /// Pick up an entity (its index).
    PickUp(usize),
    /// Throw an entity it holds (its index).
    Throw(usize),
    /// Sit on an entity (its index).
    Sit(usize),
    /// Jump in place.
    Jump,
}

impl Act {
    /// The action's name in metadata.
    pub fn name(&self) -> &'static str {
        match self {
            Act::Push(_) => "push",
            Act::Kick(_) => "kick",
            Act::Wave => "wave",
            Act::Fall => "fall",
            Act::PickUp(_) => "pick up",
            Act::Throw(_) => "throw",
            Act::Sit(_) => "sit",
            Act::Jump => "jump",
        }
    }
}

/// The linear-light colors a character wears.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outfit {
    /// Skin.
    pub skin: [f32; 3],
    /// Hair.
    pub hair: [f32; 3],
    /// Shirt.
    pub shirt: [f32; 3],
    /// Trousers.
    pub trousers: [f32; 3],
    /// Shoes.
    pub shoes: [f32; 3],
}

/// A validated character.
#[derive(Debug, Clone)]
pub struct Character {
    /// Name (also its entity's).
    pub name: String,
    /// The entity standing for it (segmentation id, material, metadata).
    pub entity: usize,
    /// Height and build.
    pub body: BodyParams,
    /// The skeleton built from them.
    pub skeleton: crate::character::Skeleton,
    /// Its colors.
    pub outfit: Outfit,
    /// Where it stands at the start (the ground point between its feet).
    pub at: Vec3,
    /// Heading while it stands without a path, radians about +Y (0 faces +Z).
    pub facing: f32,
    /// Its walk, planned from `at` through the path (`None` without a path): time 0 of
    /// the plan is `start` in the clip.
    pub gait: Option<Gait>,
    /// When it sets off, s.
    pub start: f32,
    /// Timed actions, by time (stable: file order breaks ties).
    pub actions: Vec<(f32, Act)>,
    /// The consented face on its head, if any.
    pub cameo: Option<CameoUse>,
    /// The glTF character drawn instead of the mannequin, bound to `skeleton`.
    pub model: Option<std::sync::Arc<crate::character::Retarget>>,
}

/// Checks a body's numbers; problems go to `problem(field, message)`.
pub(crate) fn check_body(
    at: &str,
    b: &BodyFile,
    problem: &mut dyn FnMut(&str, String),
) -> BodyParams {
    let body = BodyParams {
        height: b.height,
        build: b.build,
    };
    if let Err(e) = body.validate() {
        let field = if matches!(e, crate::character::SkeletonError::Height { .. }) {
            "height"
        } else {
            "build"
        };
        problem(&format!("{at}: body.{field}"), e.to_string());
    }
    body
}

/// Plans the walk of a character: `at` then `path` at `params`. `None` without a path.
pub(crate) fn plan(
    skeleton: &crate::character::Skeleton,
    at: Vec3,
    path: &[[f32; 3]],
    params: &GaitParams,
) -> Result<Option<Gait>, String> {
    if path.is_empty() {
        return Ok(None);
    }
    let points: Vec<Vec3> = std::iter::once(at)
        .chain(path.iter().map(|p| Vec3::from(*p)))
        .collect();
    Gait::new(skeleton, &points, params)
        .map(Some)
        .map_err(|e| e.to_string())
}
