//! Scene stage: RON text -> [`SceneFile`] (serde, exactly as written) -> [`Scene`]
//! (validated, every name resolved, prefabs and repeats expanded). Plain data only; the
//! scene knows a style by name, and the style stage ([`crate::style::load`]) applies it
//! to the file through [`load_with`] before validation.
//!
//! Units are meters, kilograms, seconds; angles are radians in data and degrees where a
//! field ends in `_deg`. Right-handed, +Y up. Syntax errors point at `path:line:col`;
//! semantic errors name the entity and field (`entities[3] "ball": mass must be > 0, got
//! -1`), and all of them are reported at once.
//!
//! Scene graph rule: a child's `at`/`rotate_deg` are relative to its parent. An entity
//! with a `body` is its own rigid body (its initial pose composed from its parents').
//! An entity without `body` joins its nearest ancestor's body as one more collider of a
//! compound body; a root entity with a shape and no `body` is `Dynamic()` (`Fixed` for
//! `Ground` and `TriMesh`); a root without a shape is a plain transform node.

pub mod character;
pub mod cloth;
mod error;
pub mod file;
pub mod fluid;
mod mesh;
mod model;
mod set;
pub mod sound;
mod validate;

use std::path::Path;

pub use error::{Problem, SceneError, ShapeError};
pub use file::{Pattern, SceneFile};
pub use model::*;
pub use set::bundled_sets;
pub(crate) use validate::did_you_mean;
pub use validate::{
    LIGHT_RIGS, MAX_BODIES, MAX_ENTITIES, MAX_FRAMES, MAX_PHYSICS_HZ, MAX_RESOLUTION, MAX_STEPS,
};

/// Largest scene file accepted, bytes.
pub const MAX_SCENE_BYTES: u64 = 64 * 1024 * 1024;

/// The RON options every scene is read with: `Option` fields may be written without
/// `Some(…)`.
fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

/// Reads and validates a scene file, as written: a `style` it names is kept by name
/// only (the style stage, [`crate::style::load`], resolves and applies it). Mesh paths
/// resolve against the file's folder.
///
/// # Errors
/// [`SceneError::Read`] if the file cannot be read, [`SceneError::Syntax`] with
/// `path:line:col` for malformed RON, [`SceneError::Invalid`] listing every semantic
/// problem.
///
/// ```no_run
/// let scene = cinegraph::scene::load("scenes/domino_run.ron".as_ref())?;
/// assert!(scene.frame_count > 0);
/// # Ok::<(), cinegraph::scene::SceneError>(())
/// ```
pub fn load(path: &Path) -> Result<Scene, SceneError> {
    Ok(load_with(path, |_, _| Ok(()))?.0)
}

/// [`load`], with `prepare` run on the parsed file before it is validated; `prepare`
/// gets the file and the folder relative paths resolve against, and what it returns
/// comes back beside the scene. A [`Problem`] it reports fails the load as
/// [`SceneError::Invalid`]. The style stage applies a style this way.
///
/// # Errors
/// As [`load`], and `prepare`'s problem.
pub fn load_with<T>(
    path: &Path,
    prepare: impl FnOnce(&mut SceneFile, &Path) -> Result<T, Problem>,
) -> Result<(Scene, T), SceneError> {
    let shown = path.display().to_string();
    let read_err = |source| SceneError::Read {
        path: shown.clone(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    if meta.len() > MAX_SCENE_BYTES {
        return Err(SceneError::Read {
            path: shown.clone(),
            source: std::io::Error::other(format!(
                "the file is {} bytes, more than the limit of {MAX_SCENE_BYTES}",
                meta.len()
            )),
        });
    }
    let bytes = std::fs::read(path).map_err(read_err)?;
    let text = String::from_utf8(bytes).map_err(|e| SceneError::Syntax {
        path: shown.clone(),
        line: 1,
        col: 1,
        message: format!("the file is not UTF-8 text ({e})"),
    })?;
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parse_with(&text, &shown, Some(path), base, prepare)
}

/// Parses and validates scene text, as written (see [`load`]). `origin` names it in
/// messages; mesh paths resolve against `base_dir`.
///
/// # Errors
/// As [`load`], without [`SceneError::Read`].
///
/// ```
/// let text = r#"Scene(version: 1, name: "drop", duration: 1.0,
///     entities: [(name: "ball", shape: Sphere(radius: 0.1), at: (0.0, 1.0, 0.0))])"#;
/// let scene = cinegraph::scene::parse_str(text, "inline", ".".as_ref())?;
/// assert_eq!(scene.frame_count, 24);
/// assert_eq!(scene.bodies.len(), 1);
/// # Ok::<(), cinegraph::scene::SceneError>(())
/// ```
pub fn parse_str(text: &str, origin: &str, base_dir: &Path) -> Result<Scene, SceneError> {
    Ok(parse_str_with(text, origin, base_dir, |_, _| Ok(()))?.0)
}

/// [`parse_str`], with `prepare` run on the parsed file before it is validated (see
/// [`load_with`]).
///
/// # Errors
/// As [`parse_str`], and `prepare`'s problem.
pub fn parse_str_with<T>(
    text: &str,
    origin: &str,
    base_dir: &Path,
    prepare: impl FnOnce(&mut SceneFile, &Path) -> Result<T, Problem>,
) -> Result<(Scene, T), SceneError> {
    parse_with(text, origin, None, base_dir, prepare)
}

fn parse_with<T>(
    text: &str,
    shown: &str,
    path: Option<&Path>,
    base_dir: &Path,
    prepare: impl FnOnce(&mut SceneFile, &Path) -> Result<T, Problem>,
) -> Result<(Scene, T), SceneError> {
    let mut file = parse_file(text, shown)?;
    let placed = set::place(&mut file, base_dir, shown)?;
    let invalid = |problems| SceneError::Invalid {
        path: shown.to_string(),
        problems,
    };
    let prepared = prepare(&mut file, base_dir).map_err(|p| invalid(vec![p]))?;
    let origin = validate::Origin {
        path,
        base_dir,
        text,
        set: placed.as_ref(),
    };
    let scene = validate::validate(&file, &origin).map_err(invalid)?;
    Ok((scene, prepared))
}

/// Parses RON text into a [`SceneFile`] without validating it.
///
/// # Errors
/// [`SceneError::Syntax`] with the line and column of the first error.
pub fn parse_file(text: &str, shown: &str) -> Result<SceneFile, SceneError> {
    parse_ron(text, shown)
}

/// Parses RON text (a scene or a set file) with the scene's options; `shown` names it
/// in a syntax error.
fn parse_ron<T: serde::de::DeserializeOwned>(text: &str, shown: &str) -> Result<T, SceneError> {
    ron_options()
        .from_str::<T>(text)
        .map_err(|e| SceneError::Syntax {
            path: shown.to_string(),
            line: e.span.start.line,
            col: e.span.start.col,
            message: e.code.to_string(),
        })
}

#[cfg(test)]
mod tests;
