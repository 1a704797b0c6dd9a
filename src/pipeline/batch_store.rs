//! Where a batch's output lives: a local folder (`-o out/`) or an object store
//! (`-o file:///abs/path`, and with the `cloud` feature `s3://bucket/prefix`,
//! `gs://bucket/prefix`, `az://container/prefix`) through the `object_store` crate.
//!
//! Both hold the same keys (`batch.json`, `items/000017/rgba_00000.png`, `logs/…`,
//! `failed/…`, `index.jsonl`, `webdataset/…`) with the same bytes. An item always
//! renders into a local partial folder first; committing it is a rename into
//! `items/` for a folder, and for a store an upload of every file (each object written
//! whole: a store never shows a partial object) with `item.json` last, so an item whose
//! upload was cut short has no `item.json` that matches it and is rendered again.
//!
//! Cloud credentials come from the environment, as each provider's tools set them
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT`;
//! `GOOGLE_SERVICE_ACCOUNT`; `AZURE_STORAGE_ACCOUNT_NAME`, `AZURE_STORAGE_ACCOUNT_KEY`, …).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::TryStreamExt as _;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload, WriteMultipart};

use super::PipelineError;
use crate::files::{self, FileError};

/// A batch's output: a folder or an object store.
#[derive(Debug)]
pub enum BatchOut {
    /// A local folder.
    Dir(PathBuf),
    /// An object store.
    Store(Box<StoreOut>),
}

/// An object store and the prefix under which the batch lives.
#[derive(Debug)]
pub struct StoreOut {
    url: String,
    store: Arc<dyn ObjectStore>,
    root: Key,
    rt: tokio::runtime::Runtime,
    scratch: PathBuf,
}

/// Environment variables whose names start so are passed to the store's builder (the
/// builders ignore the ones they do not know).
const CREDENTIAL_PREFIXES: [&str; 3] = ["AWS_", "GOOGLE_", "AZURE_"];

impl BatchOut {
    /// `out` as the command line gives it: a URL with a scheme (`file://`, `s3://`,
    /// `gs://`, `az://`, …) is an object store, anything else a local folder.
    ///
    /// # Errors
    /// [`PipelineError::BadOption`] for a URL that does not parse, a scheme this build
    /// does not support (it says which feature adds it), or a relative `file://` path.
    pub fn parse(out: &str) -> Result<Self, PipelineError> {
        let Some((scheme, _)) = out.split_once("://") else {
            return Ok(Self::Dir(PathBuf::from(out)));
        };
        let bad = |why: String| PipelineError::BadOption(format!("-o {out}: {why}"));
        let url = url::Url::parse(out).map_err(|e| bad(format!("not a URL ({e})")))?;
        let cloud = matches!(
            scheme,
            "s3" | "s3a" | "gs" | "az" | "adl" | "azure" | "abfs" | "abfss" | "https" | "http"
        );
        if cloud && !cfg!(feature = "cloud") {
            return Err(bad(format!(
                "this build has no {scheme}:// backend; build with `--features cloud` (S3, GCS, Azure), or write to a folder or file:///path"
            )));
        }
        if scheme == "file" && url.host_str().is_some_and(|h| !h.is_empty()) {
            return Err(bad(
                "a file:// URL names an absolute path: file:///abs/path (three slashes)".into(),
            ));
        }
        let options = std::env::vars().filter(|(k, _)| {
            CREDENTIAL_PREFIXES
                .iter()
                .any(|p| k.to_ascii_uppercase().starts_with(p))
        });
        let (store, root) = object_store::parse_url_opts(&url, options)
            .map_err(|e| bad(format!("cannot open the store: {e}")))?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| PipelineError::Internal(format!("async runtime: {e}")))?;
        // Partial item folders render here, keyed by the store, before their upload.
        let scratch = std::env::temp_dir().join(format!(
            "cinegraph-batch-{}",
            &blake3::hash(out.trim_end_matches('/').as_bytes()).to_hex()[..16]
        ));
        Ok(Self::Store(Box::new(StoreOut {
            url: out.trim_end_matches('/').to_string(),
            store: Arc::from(store),
            root,
            rt,
            scratch,
        })))
    }

    /// How messages name `key` (a path, or the store's URL with the key).
    pub fn name(&self, key: &str) -> String {
        match self {
            Self::Dir(dir) => dir.join(key).display().to_string(),
            Self::Store(s) if key.is_empty() => s.url.clone(),
            Self::Store(s) => format!("{}/{key}", s.url),
        }
    }

    /// Whether this is an object store.
    pub fn is_store(&self) -> bool {
        matches!(self, Self::Store(_))
    }

    /// The local folder partial items render in: `OUT/items` for a folder, a folder
    /// under the system's temporary folder for a store.
    pub fn scratch(&self) -> PathBuf {
        match self {
            Self::Dir(dir) => dir.join("items"),
            Self::Store(s) => s.scratch.clone(),
        }
    }

    /// Makes the folders a run writes into (a store needs none but the scratch).
    ///
    /// # Errors
    /// [`FileError::Write`] if a folder cannot be made.
    pub fn prepare(&self) -> Result<(), FileError> {
        match self {
            Self::Dir(dir) => {
                for sub in ["items", "logs", "failed"] {
                    super::create_dir(&dir.join(sub))?;
                }
                Ok(())
            }
            Self::Store(s) => super::create_dir(&s.scratch),
        }
    }

    fn io_err(&self, key: &str, source: std::io::Error, write: bool) -> FileError {
        let path = PathBuf::from(self.name(key));
        if write {
            FileError::Write { path, source }
        } else {
            FileError::Read { path, source }
        }
    }

    /// The bytes at `key`, or `None` when there is nothing there.
    ///
    /// # Errors
    /// [`FileError::Read`] for any other failure.
    pub fn read(&self, key: &str) -> Result<Option<Vec<u8>>, FileError> {
        let got = match self {
            Self::Dir(dir) => std::fs::read(dir.join(key)),
            Self::Store(s) => {
                s.rt.block_on(async {
                    let r = s.store.get(&s.key(key)).await?;
                    Ok::<_, object_store::Error>(r.bytes().await?.to_vec())
                })
                .map_err(std::io::Error::from)
            }
        };
        match got {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io_err(key, e, false)),
        }
    }

    /// The JSON value at `key`, or `None` when there is nothing there.
    ///
    /// # Errors
    /// [`FileError::Read`], or [`FileError::Format`] when it is not that JSON.
    pub fn read_json<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, FileError> {
        let Some(bytes) = self.read(key)? else {
            return Ok(None);
        };
        files::parse_json(Path::new(&self.name(key)), &bytes).map(Some)
    }

    /// Writes `bytes` at `key` whole (a folder: through a temporary file and a rename;
    /// a store: one put, which no reader sees half done).
    ///
    /// # Errors
    /// [`FileError::Write`].
    pub fn write(&self, key: &str, bytes: &[u8]) -> Result<(), FileError> {
        match self {
            Self::Dir(dir) => {
                let path = dir.join(key);
                if let Some(parent) = path.parent() {
                    super::create_dir(parent)?;
                }
                files::write_atomic(&path, bytes)
            }
            Self::Store(s) => {
                s.rt.block_on(s.store.put(&s.key(key), PutPayload::from(bytes.to_vec())))
                    .map(|_| ())
                    .map_err(|e| self.io_err(key, e.into(), true))
            }
        }
    }

    /// Writes a value as pretty JSON at `key` (as [`files::write_json`] does).
    ///
    /// # Errors
    /// [`FileError`] if it cannot be encoded or written.
    pub fn write_json<T: serde::Serialize>(&self, key: &str, value: &T) -> Result<(), FileError> {
        let text = files::json_text(Path::new(&self.name(key)), value)?;
        self.write(key, text.as_bytes())
    }

    /// Removes the file at `key`, if there is one.
    pub fn remove(&self, key: &str) {
        match self {
            Self::Dir(dir) => {
                let _ = std::fs::remove_file(dir.join(key));
            }
            Self::Store(s) => {
                let _ = s.rt.block_on(s.store.delete(&s.key(key)));
            }
        }
    }

    /// Every file under the folder `dir` (recursively), as (path relative to `dir`,
    /// `/`-separated; size in bytes), sorted by path; empty when there is no such
    /// folder. Names starting with '.' at `dir`'s top level (partial folders, temporary
    /// files) are left out.
    ///
    /// # Errors
    /// [`FileError::Read`] if the listing fails.
    pub fn list(&self, dir: &str) -> Result<Vec<(String, u64)>, FileError> {
        let mut found = match self {
            Self::Dir(root) => {
                let base = root.join(dir);
                if !base.is_dir() {
                    return Ok(Vec::new());
                }
                let mut names = Vec::new();
                walk(&base, &base, &mut names)?;
                names
                    .into_iter()
                    .map(|rel| {
                        let path = base.join(&rel);
                        let len = std::fs::metadata(&path)
                            .map_err(|source| FileError::Read { path, source })?
                            .len();
                        Ok((rel, len))
                    })
                    .collect::<Result<Vec<_>, FileError>>()?
            }
            Self::Store(s) => {
                let prefix = s.key(dir);
                let metas: Vec<object_store::ObjectMeta> =
                    s.rt.block_on(s.store.list(Some(&prefix)).try_collect())
                        .map_err(|e| self.io_err(dir, e.into(), false))?;
                metas
                    .into_iter()
                    .filter_map(|m| {
                        let rel = m
                            .location
                            .prefix_match(&prefix)?
                            .map(|p| p.as_ref().to_string())
                            .collect::<Vec<_>>()
                            .join("/");
                        Some((rel, m.size))
                    })
                    .collect()
            }
        };
        found.retain(|(rel, _)| !rel.is_empty() && !rel.starts_with('.'));
        found.sort();
        Ok(found)
    }

    /// Moves the finished local folder `partial` to `dir` (`items/000017`): a rename
    /// for a folder; for a store, the upload of each file with `item.json` last, after
    /// removing a stale `item.json` and any object the new item does not have.
    ///
    /// # Errors
    /// [`FileError`]; for a folder, a failed rename when `dir` is already there is the
    /// caller's to judge (another process may have finished the same item).
    pub fn commit_dir(&self, partial: &Path, dir: &str) -> Result<(), FileError> {
        match self {
            Self::Dir(root) => {
                std::fs::rename(partial, root.join(dir)).map_err(|source| FileError::Write {
                    path: root.join(dir),
                    source,
                })
            }
            Self::Store(_) => {
                let mut names = Vec::new();
                walk(partial, partial, &mut names)?;
                names.sort();
                self.remove(&format!("{dir}/item.json"));
                for rel in names.iter().filter(|r| *r != "item.json") {
                    self.put_file(&format!("{dir}/{rel}"), &partial.join(rel))?;
                }
                for (old, _) in self.list(dir)? {
                    if old != "item.json" && !names.contains(&old) {
                        self.remove(&format!("{dir}/{old}"));
                    }
                }
                self.put_file(&format!("{dir}/item.json"), &partial.join("item.json"))?;
                let _ = std::fs::remove_dir_all(partial);
                Ok(())
            }
        }
    }

    /// Writes the local file `local` at `key`: a rename for a folder (same file
    /// system), an upload for a store (in parts, above 16 MiB).
    ///
    /// # Errors
    /// [`FileError`].
    pub fn put_file(&self, key: &str, local: &Path) -> Result<(), FileError> {
        const PART: usize = 16 << 20;
        match self {
            Self::Dir(root) => {
                let path = root.join(key);
                if let Some(parent) = path.parent() {
                    super::create_dir(parent)?;
                }
                std::fs::rename(local, &path).map_err(|source| FileError::Write { path, source })
            }
            Self::Store(s) => {
                let read_err = |source| FileError::Read {
                    path: local.to_path_buf(),
                    source,
                };
                let len = std::fs::metadata(local).map_err(read_err)?.len();
                if len <= PART as u64 {
                    let bytes = std::fs::read(local).map_err(read_err)?;
                    return self.write(key, &bytes);
                }
                let mut file = std::fs::File::open(local).map_err(read_err)?;
                let location = s.key(key);
                let result = s.rt.block_on(async {
                    let upload = s.store.put_multipart(&location).await?;
                    let mut w = WriteMultipart::new_with_chunk_size(upload, PART);
                    let mut buf = vec![0u8; PART];
                    loop {
                        let n = std::io::Read::read(&mut file, &mut buf).map_err(|e| {
                            object_store::Error::Generic {
                                store: "local file",
                                source: Box::new(e),
                            }
                        })?;
                        if n == 0 {
                            break;
                        }
                        w.wait_for_capacity(4).await?;
                        w.write(&buf[..n]);
                    }
                    w.finish().await
                });
                result
                    .map(|_| ())
                    .map_err(|e| self.io_err(key, e.into(), true))
            }
        }
    }
}

impl StoreOut {
    fn key(&self, key: &str) -> Key {
        key.split('/')
            .filter(|p| !p.is_empty())
            .fold(self.root.clone(), |k, part| k.join(part))
    }
}

/// Every file under `dir`, relative to `root`, `/`-separated (unsorted).
pub(super) fn walk(root: &Path, dir: &Path, found: &mut Vec<String>) -> Result<(), FileError> {
    let read_err = |source| FileError::Read {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        let path = entry.path();
        let kind = entry.file_type().map_err(read_err)?;
        if kind.is_dir() {
            walk(root, &path, found)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            found.push(rel.join("/"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file over the part size goes up in parts (object_store's multipart upload) and
    /// comes back whole; listing names it under its folder with its size.
    #[test]
    fn a_large_file_uploads_in_parts_and_reads_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("file://{}", dir.path().join("store").display());
        let out = BatchOut::parse(&url).unwrap();
        assert!(out.is_store());
        // 40 MiB + 17 bytes: two whole 16 MiB parts and a short one.
        let bytes: Vec<u8> = (0..(40usize << 20) + 17)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let local = dir.path().join("big.tar");
        std::fs::write(&local, &bytes).unwrap();
        out.put_file("webdataset/shard-000000.tar", &local).unwrap();
        let back = out.read("webdataset/shard-000000.tar").unwrap().unwrap();
        assert!(
            back == bytes,
            "{} bytes back of {}",
            back.len(),
            bytes.len()
        );
        assert_eq!(
            out.list("webdataset").unwrap(),
            [("shard-000000.tar".to_string(), bytes.len() as u64)]
        );
        assert_eq!(out.read("webdataset/none.tar").unwrap(), None);
    }
}
