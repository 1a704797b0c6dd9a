//! `provenance.json`: what a render is and what went into it, beside the files it
//! describes. Written for every render whose scene carries a cameo, and for any render
//! with `--provenance`.
//!
//! It says the clip is synthetic, names the tool and version, the scene (name, hash of
//! its text and every file it depends on), the inputs (the scene file and each cameo's
//! photo and consent record, with their BLAKE3 hashes), each cameo's consent (record id,
//! subject, user, expiry), and binds to the outputs: the path and BLAKE3 hash of every
//! other file in the folder, in path order. A verifier re-hashes the folder and compares.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::files::FileError;
use crate::scene::Scene;

/// The file's name in an output folder.
pub const PROVENANCE_FILE: &str = "provenance.json";

/// `provenance.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvenanceFile {
    /// `"cinegraph/provenance/1"`.
    pub format: String,
    /// Always true: every picture in the folder was made by a program.
    pub synthetic: bool,
    /// A sentence for people: what this is.
    pub statement: String,
    /// `"cinegraph"`.
    pub tool: String,
    /// The version that wrote it.
    pub version: String,
    /// The scene's name and hash (`replay.json`'s; its text and every file it reads).
    pub scene: (String, String),
    /// Files that went in: role, path as written, BLAKE3 (hex).
    pub inputs: Vec<Input>,
    /// Each face inserted by consent.
    pub cameos: Vec<CameoRecord>,
    /// Every other file of the folder: path relative to it (`/`-separated), BLAKE3.
    pub outputs: Vec<(String, String)>,
    /// C2PA content credentials embedded in the folder's pictures.
    #[serde(default)]
    pub content_credentials: ContentCredentials,
}

/// What was signed into the pictures themselves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContentCredentials {
    /// The PNGs and MP4s carrying a C2PA manifest (paths relative to the folder).
    pub embedded: Vec<String>,
    /// Who signed them (the certificate's subject, or the chain's path).
    pub signer: Option<String>,
    /// A sentence for people: the test signer is untrusted; or why nothing is embedded.
    pub note: String,
}

/// One input file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    /// `"scene"`, `"cameo photo"` or `"consent record"`.
    pub role: String,
    /// The path as written (the scene's as given on the command line).
    pub path: String,
    /// BLAKE3 of its bytes, hex.
    pub blake3: String,
}

/// One cameo's consent, as checked when the scene was loaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CameoRecord {
    /// The character wearing the face.
    pub character: String,
    /// The consent record's id.
    pub consent_id: String,
    /// Whose face.
    pub subject: String,
    /// Who it was granted to (who made this).
    pub user: String,
    /// The record's last valid day.
    pub expires: String,
}

/// Whether a render of this scene must carry provenance (it shows a consented face).
pub fn required(scene: &Scene) -> bool {
    scene.characters.iter().any(|c| c.cameo.is_some())
}

/// Builds the provenance of the output folder `out` as it is now.
///
/// # Errors
/// [`FileError::Read`] if a file in it cannot be read.
pub fn provenance(scene: &Scene, out: &Path) -> Result<ProvenanceFile, FileError> {
    let mut p = record(scene);
    hash_tree(out, out, &mut p.outputs)?;
    p.outputs.sort();
    Ok(p)
}

/// The provenance of a render of `scene` without its outputs (what the content
/// credentials carry: the files' own hashes are the manifests' business).
pub fn record(scene: &Scene) -> ProvenanceFile {
    let mut inputs = vec![Input {
        role: "scene".into(),
        path: scene
            .source
            .path
            .as_ref()
            .map_or_else(|| "(inline)".into(), |p| p.display().to_string()),
        blake3: blake3::hash(scene.source.text.as_bytes())
            .to_hex()
            .to_string(),
    }];
    let mut cameos = Vec::new();
    for c in &scene.characters {
        let Some(u) = &c.cameo else { continue };
        inputs.push(Input {
            role: "cameo photo".into(),
            path: u.photo.0.clone(),
            blake3: u.photo.1.clone(),
        });
        inputs.push(Input {
            role: "consent record".into(),
            path: u.consent.0.clone(),
            blake3: u.consent.1.clone(),
        });
        cameos.push(CameoRecord {
            character: c.name.clone(),
            consent_id: u.consent_id.clone(),
            subject: u.subject.clone(),
            user: u.user.clone(),
            expires: u.expires.clone(),
        });
    }
    ProvenanceFile {
        format: "cinegraph/provenance/1".into(),
        synthetic: true,
        statement: if cameos.is_empty() {
            "Synthetic video made by cinegraph from a scene description.".into()
        } else {
            "Synthetic video made by cinegraph from a scene description; it shows faces taken from photos, inserted under the consent records named below.".into()
        },
        tool: "cinegraph".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        scene: (scene.name.clone(), scene.source.hash.clone()),
        inputs,
        cameos,
        outputs: Vec::new(),
        content_credentials: ContentCredentials::default(),
    }
}

/// Every file under `dir` except the provenance file and temporaries, hashed.
fn hash_tree(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> Result<(), FileError> {
    let read_err = |path: &Path, source| FileError::Read {
        path: path.to_path_buf(),
        source,
    };
    let entries = std::fs::read_dir(dir).map_err(|e| read_err(dir, e))?;
    let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            hash_tree(root, &path, out)?;
            continue;
        }
        let rel = path.strip_prefix(root).unwrap_or(&path);
        let name = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        if name == PROVENANCE_FILE || name.contains(".tmp") {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| read_err(&path, e))?;
        out.push((name, blake3::hash(&bytes).to_hex().to_string()));
    }
    Ok(())
}
