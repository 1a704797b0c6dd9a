//! Sets: reusable surroundings (`sets/*.ron`) that a scene places with `set:`.
//!
//! A set is merged into the scene file before validation: its materials and prefabs join
//! the scene's (the scene's win on a name clash), its entities come before the scene's,
//! its lights light the scene unless the scene lists lights of its own (then the scene's
//! replace them), and the scene's `environment` and `fog` override the set's. Paths inside a set (meshes, maps, HDRIs) resolve against the scene file's
//! folder. Syntax errors in a set point at the set file's `line:col`; semantic errors
//! name the set's entity or light (`set "studio" entities[0] "floor"`).

use std::path::Path;

use super::error::{Problem, SceneError};
use super::file::SetFile;
use super::{SceneFile, did_you_mean, mesh};

/// The sets that ship with cinegraph, as `(name, text)`.
const BUNDLED: &[(&str, &str)] = &[
    ("studio", include_str!("../../sets/studio.ron")),
    ("room", include_str!("../../sets/room.ron")),
    ("tabletop", include_str!("../../sets/tabletop.ron")),
    ("outdoor", include_str!("../../sets/outdoor.ron")),
];

/// Every bundled set as `(name, RON text)`, in the order `cinegraph sets` lists them.
pub fn bundled_sets() -> &'static [(&'static str, &'static str)] {
    BUNDLED
}

/// Largest set file read from disk, bytes.
const MAX_SET_BYTES: u64 = 16 * 1024 * 1024;

/// The set a scene placed, for messages and the scene hash.
#[derive(Debug, Clone)]
pub(crate) struct PlacedSet {
    /// The set's name as the scene wrote it.
    pub written: String,
    /// Its text (hashed with the scene).
    pub text: String,
    /// How many of the merged file's entities and lights came from the set.
    pub entities: usize,
    /// See `entities`.
    pub lights: usize,
}

impl PlacedSet {
    /// The label of merged entity (or light) `i` of `list`: the set's own index for the
    /// set's, the scene's own index for the scene's.
    pub fn label(set: Option<&Self>, list: &str, i: usize) -> String {
        let n = set.map_or(0, |s| {
            if list == "lights" {
                s.lights
            } else {
                s.entities
            }
        });
        match set {
            Some(s) if i < n => format!("set \"{}\" {list}[{i}]", s.written),
            _ => format!("{list}[{}]", i - n),
        }
    }
}

/// Parses set text; `shown` names it in messages.
///
/// # Errors
/// [`SceneError::Syntax`] at the set's `line:col`.
pub(crate) fn parse(text: &str, shown: &str) -> Result<SetFile, SceneError> {
    super::parse_ron(text, shown)
}

/// Merges the set `file` names (if any) into it; `base_dir` resolves a set path and
/// `scene_shown` names the scene in messages.
///
/// # Errors
/// [`SceneError::Invalid`] at `set` for an unknown name or an unreadable path,
/// [`SceneError::Syntax`] for a malformed set.
pub(crate) fn place(
    file: &mut SceneFile,
    base_dir: &Path,
    scene_shown: &str,
) -> Result<Option<PlacedSet>, SceneError> {
    let Some(written) = file.set.clone() else {
        return Ok(None);
    };
    let invalid = |message: String| SceneError::Invalid {
        path: scene_shown.to_string(),
        problems: vec![Problem {
            at: "set".into(),
            message,
        }],
    };
    let (text, shown) = if written.to_ascii_lowercase().ends_with(".ron") {
        let full = mesh::resolve_inside(base_dir, base_dir, &written, "set").map_err(invalid)?;
        let len = std::fs::metadata(&full)
            .map_err(|e| invalid(format!("cannot read set file \"{written}\": {e}")))?
            .len();
        if len > MAX_SET_BYTES {
            return Err(invalid(format!(
                "set file \"{written}\" is {len} bytes, more than the limit of {MAX_SET_BYTES}"
            )));
        }
        let text = std::fs::read_to_string(&full)
            .map_err(|e| invalid(format!("cannot read set file \"{written}\": {e}")))?;
        (text, full.display().to_string())
    } else {
        match BUNDLED.iter().find(|(n, _)| *n == written) {
            Some((n, t)) => (t.to_string(), format!("sets/{n}.ron")),
            None => {
                let hint = did_you_mean(&written, BUNDLED.iter().map(|(n, _)| *n));
                let known: Vec<&str> = BUNDLED.iter().map(|(n, _)| *n).collect();
                return Err(invalid(format!(
                    "unknown set \"{written}\"{hint}; bundled sets: {} (or give a path ending in .ron)",
                    known.join(", ")
                )));
            }
        }
    };
    let mut set = parse(&text, &shown)?;
    // A scene that lists lights lights itself: the set's lights are its default.
    if !file.lights.is_empty() {
        set.lights.clear();
    }
    let placed = PlacedSet {
        written,
        text,
        entities: set.entities.len(),
        lights: set.lights.len(),
    };
    for (k, v) in set.materials {
        file.materials.entry(k).or_insert(v);
    }
    for (k, v) in set.prefabs {
        file.prefabs.entry(k).or_insert(v);
    }
    let mut entities = set.entities;
    entities.append(&mut file.entities);
    file.entities = entities;
    let mut lights = set.lights;
    lights.append(&mut file.lights);
    file.lights = lights;
    if file.environment.is_none() {
        file.world_from_set = set.environment.is_some();
        file.environment = set.environment;
    }
    if file.fog.is_none() {
        file.fog = set.fog;
    }
    Ok(Some(placed))
}
