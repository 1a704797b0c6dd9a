//! C2PA content credentials (<https://c2pa.org/specifications/>) in the pictures a
//! render writes: every PNG and MP4 of the folder gets a signed manifest, embedded in
//! the file (a `caBX` chunk in a PNG, a `uuid` box in an MP4), that says it was made by
//! cinegraph, how (`c2pa.actions`: created, with the IPTC digital source type), and
//! carries the provenance record (`org.cinegraph.provenance`: synthetic, the scene's
//! hash, the inputs' hashes, each cameo's consent id).
//!
//! Built only with the `c2pa` feature (the `c2pa` crate costs several minutes of a
//! clean build). The signer is a certificate chain (PEM: the signing certificate first,
//! then its issuers) and its private key (PKCS#8 PEM), ES256 (ECDSA P-256 with SHA-256).
//! Without one, the bundled **test** identity signs: a chain under a root nobody
//! trusts, so a verifier reports the manifest intact but its signer unknown. Its
//! private key is public in this repository; it proves nothing about who made a file.

use std::path::{Path, PathBuf};

use c2pa::{Builder, Context, Reader, SigningAlg, create_signer};

/// The bundled test chain: `cinegraph test signer (NOT TRUSTED)`, issued by
/// `cinegraph test root (NOT TRUSTED)`.
const TEST_CHAIN: &[u8] = include_bytes!("credentials/test_signer_chain.pem");
/// The test signer's private key (public: see the module docs).
const TEST_KEY: &[u8] = include_bytes!("credentials/test_signer.key");

/// The label of cinegraph's own assertion.
pub const LABEL: &str = "org.cinegraph.provenance";

/// Why content credentials could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// A certificate or key file could not be read.
    #[error("{path}: cannot read the {what}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// `"certificate chain"` or `"private key"`.
        what: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The certificate chain and key do not make a signer.
    #[error(
        "{cert} with {key}: not a usable C2PA signer ({message}); expected a PEM certificate \
         chain (signing certificate first, not a CA, with digitalSignature and an EKU such \
         as emailProtection or documentSigning) and its PKCS#8 PEM EC P-256 key"
    )]
    Signer {
        /// The chain's path.
        cert: String,
        /// The key's path.
        key: String,
        /// What the c2pa crate said.
        message: String,
    },
    /// Signing one file failed (the file is left as it was).
    #[error("{path}: cannot embed content credentials: {message}")]
    Sign {
        /// The file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// A file's content credentials could not be read back.
    #[error("{path}: no readable content credentials: {message}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
}

/// Who signs.
#[derive(Clone)]
pub struct Identity {
    chain: Vec<u8>,
    key: Vec<u8>,
    /// The signing certificate's subject, for people.
    pub name: String,
    /// Whether it is the bundled test identity.
    pub test: bool,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a key.
        f.debug_struct("Identity")
            .field("name", &self.name)
            .field("test", &self.test)
            .finish()
    }
}

impl Identity {
    /// The bundled test identity (see the module docs).
    pub fn test() -> Identity {
        Identity {
            chain: TEST_CHAIN.to_vec(),
            key: TEST_KEY.to_vec(),
            name: "cinegraph test signer (NOT TRUSTED)".into(),
            test: true,
        }
    }

    /// A signer from a PEM certificate chain and its private key, checked by making a
    /// signer of them.
    ///
    /// # Errors
    /// [`CredentialsError::Read`] for a file that cannot be read,
    /// [`CredentialsError::Signer`] when they do not make a signer.
    pub fn from_files(cert: &Path, key: &Path) -> Result<Identity, CredentialsError> {
        let read = |path: &Path, what| {
            std::fs::read(path).map_err(|source| CredentialsError::Read {
                path: path.to_path_buf(),
                what,
                source,
            })
        };
        let identity = Identity {
            chain: read(cert, "certificate chain")?,
            key: read(key, "private key")?,
            name: cert.display().to_string(),
            test: false,
        };
        identity
            .signer()
            .map_err(|message| CredentialsError::Signer {
                cert: cert.display().to_string(),
                key: key.display().to_string(),
                message,
            })?;
        Ok(identity)
    }

    /// A signer of these keys, proven by signing a one-pixel PNG in memory (the c2pa
    /// crate reads the certificate only when it signs).
    fn signer(&self) -> Result<c2pa::BoxedSigner, String> {
        let signer = create_signer::from_keys(&self.chain, &self.key, SigningAlg::Es256, None)
            .map_err(|e| e.to_string())?;
        let mut png = Vec::new();
        image::RgbImage::new(1, 1)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .map_err(|e| e.to_string())?;
        let mut builder = Builder::from_context(Context::new())
            .with_definition(serde_json::json!({"title": "probe.png"}))
            .map_err(|e| e.to_string())?;
        let mut signed = std::io::Cursor::new(Vec::new());
        builder
            .sign(
                signer.as_ref(),
                "image/png",
                &mut std::io::Cursor::new(png),
                &mut signed,
            )
            .map_err(|e| e.to_string())?;
        Ok(signer)
    }
}

/// What a file's credentials say, read back.
#[derive(Debug, Clone)]
pub struct ReadBack {
    /// The manifest's `org.cinegraph.provenance` assertion.
    pub provenance: serde_json::Value,
    /// The digital source type of its `c2pa.created` action.
    pub source_type: Option<String>,
    /// The signing certificate's issuer, as the manifest's signature info gives it.
    pub issuer: Option<String>,
    /// The validation state: `"Invalid"`, `"Valid"` (intact, signer not trusted) or
    /// `"Trusted"`.
    pub state: String,
}

/// IPTC digital source type of a clip: rendered from a scene, or with a photographed
/// face composited in (<https://cv.iptc.org/newscodes/digitalsourcetype/>).
pub fn source_type(has_cameo: bool) -> &'static str {
    if has_cameo {
        "http://cv.iptc.org/newscodes/digitalsourcetype/compositeSynthetic"
    } else {
        "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia"
    }
}

/// Signs every PNG and MP4 under `out` (path order) with a manifest carrying `record`
/// (the provenance, as JSON) and `source_type`. Each file is signed into a temporary
/// beside it and renamed over it, so a failure leaves that file as it was. Returns the
/// signed files' paths relative to `out`.
///
/// # Errors
/// [`CredentialsError::Sign`] naming the first file that could not be signed.
pub fn embed(
    out: &Path,
    record: &serde_json::Value,
    source_type: &str,
    identity: &Identity,
) -> Result<Vec<String>, CredentialsError> {
    let signer = identity
        .signer()
        .map_err(|message| CredentialsError::Sign {
            path: out.to_path_buf(),
            message,
        })?;
    let mut files = Vec::new();
    pictures(out, &mut files);
    files.sort();
    let mut signed = Vec::new();
    let start = std::time::Instant::now();
    for path in files {
        let fail = |message: String| CredentialsError::Sign {
            path: path.clone(),
            message,
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let ext = path.extension().map(|e| e.to_string_lossy().into_owned());
        let (Some(name), Some(ext)) = (name, ext) else {
            continue;
        };
        // A resumed render signs again only what changed: a file whose manifest
        // already carries this record is left alone.
        if read(&path).is_ok_and(|r| &r.provenance == record) {
            signed.push(relative(out, &path));
            continue;
        }
        let definition = serde_json::json!({
            "title": name,
            "claim_generator_info": [{"name": "cinegraph", "version": env!("CARGO_PKG_VERSION")}],
            "assertions": [{
                "label": "c2pa.actions",
                "data": {"actions": [{
                    "action": "c2pa.created",
                    "digitalSourceType": source_type,
                    "softwareAgent": {"name": "cinegraph", "version": env!("CARGO_PKG_VERSION")},
                }]},
            }],
        });
        let mut builder = Builder::from_context(Context::new())
            .with_definition(definition)
            .map_err(|e| fail(e.to_string()))?;
        builder
            .add_assertion_json(LABEL, record)
            .map_err(|e| fail(e.to_string()))?;
        let tmp = path.with_file_name(format!("{name}.tmp.{ext}"));
        let _ = std::fs::remove_file(&tmp);
        if let Err(e) = builder.sign_file(signer.as_ref(), &path, &tmp) {
            let _ = std::fs::remove_file(&tmp);
            return Err(fail(e.to_string()));
        }
        std::fs::rename(&tmp, &path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            fail(e.to_string())
        })?;
        signed.push(relative(out, &path));
    }
    tracing::info!(
        "content credentials signed into {} files in {:.2} s",
        signed.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(signed)
}

/// Reads back the content credentials of `path` and validates them.
///
/// # Errors
/// [`CredentialsError::Unreadable`] when the file has none or they cannot be parsed.
pub fn read(path: &Path) -> Result<ReadBack, CredentialsError> {
    let fail = |message: String| CredentialsError::Unreadable {
        path: path.to_path_buf(),
        message,
    };
    let reader = Reader::from_context(Context::new())
        .with_file(path)
        .map_err(|e| fail(e.to_string()))?;
    let manifest = reader
        .active_manifest()
        .ok_or_else(|| fail("no active manifest".into()))?;
    let provenance: serde_json::Value = manifest
        .find_assertion(LABEL)
        .map_err(|e| fail(format!("{LABEL}: {e}")))?;
    let actions: serde_json::Value = manifest
        .find_assertion("c2pa.actions.v2")
        .or_else(|_| manifest.find_assertion("c2pa.actions"))
        .map_err(|e| fail(format!("c2pa.actions: {e}")))?;
    let source_type = actions["actions"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|x| x["action"] == "c2pa.created")
                .and_then(|x| x["digitalSourceType"].as_str())
        })
        .map(str::to_string);
    Ok(ReadBack {
        provenance,
        source_type,
        issuer: manifest.signature_info().and_then(|s| s.issuer.clone()),
        state: format!("{:?}", reader.validation_state()),
    })
}

/// `path` relative to `root`, `/`-separated.
fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Every `.png` and `.mp4` under `dir`, skipping temporaries.
fn pictures(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.filter_map(Result::ok).map(|e| e.path()) {
        if path.is_dir() {
            pictures(&path, out);
            continue;
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let picture = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("png") || e.eq_ignore_ascii_case("mp4"));
        if picture && !name.is_some_and(|n| n.contains(".tmp")) {
            out.push(path);
        }
    }
}
