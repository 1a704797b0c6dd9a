//! `cinegraph batch run | status | merge`: a plan's items rendered shard by shard into
//! `OUT/items/000017/`, each folder complete or absent, resumed by skipping the finished
//! ones, and merged into an index. `OUT` is a folder or an object store
//! ([`BatchOut`]); the keys and bytes are the same in both.
//!
//! An item renders into a hidden folder `OUT/items/.000017.partial.HOST.PID/` (for a
//! store: the same name in a local scratch folder); its last file is `item.json` (the
//! plan's hash, the scene's, the draws, and every file's size and BLAKE3), and only
//! then is the folder renamed to `000017` (for a store: uploaded, `item.json` last). A
//! killed process leaves at most a partial folder, which the next run on the same host
//! removes (other hosts' are ignored, and removed by `batch merge`). A folder whose
//! files do not match its `item.json` (truncated, edited, another plan's, an upload cut
//! short) is not done: it is rendered again.
//! What is not deterministic (wall times, the host) goes to `OUT/logs/000017.json`, so
//! `items/` holds the same bytes however the plan was sharded. An item whose scene
//! cannot be drawn, loaded or rendered is recorded in `OUT/failed/000017.json` and the
//! others go on.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::PipelineError;
use super::batch_store::{BatchOut, walk};
use crate::batch::{Plan, Shard, item_dir_name};
use crate::files::{self, FileError};
use crate::progress::{Progress, Silent};

const ITEM_FORMAT: &str = "cinegraph/batch-item/1";
const BATCH_FORMAT: &str = "cinegraph/batch/1";

/// `OUT/batch.json`: which plan the folder holds, so that `batch status` and `batch
/// merge` need only the folder, and a second plan is refused.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BatchInfo {
    /// [`BATCH_FORMAT`].
    pub format: String,
    /// The plan's name.
    pub name: String,
    /// The plan's hash.
    pub hash: String,
    /// Its item count.
    pub count: usize,
}

impl BatchInfo {
    /// The folder's record of `plan`.
    pub fn of(plan: &Plan) -> Self {
        Self {
            format: BATCH_FORMAT.into(),
            name: plan.file.name.clone(),
            hash: plan.hash.clone(),
            count: plan.count(),
        }
    }

    /// Reads `OUT/batch.json`.
    ///
    /// # Errors
    /// [`PipelineError::Output`] when it is missing or unreadable.
    pub fn read(out: &BatchOut) -> Result<Self, PipelineError> {
        let info: BatchInfo = out
            .read_json("batch.json")?
            .ok_or_else(|| FileError::Read {
                path: out.name("batch.json").into(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            })?;
        if info.format != BATCH_FORMAT {
            return Err(PipelineError::Conflict(format!(
                "{} is {}, not {BATCH_FORMAT}",
                out.name("batch.json"),
                info.format
            )));
        }
        Ok(info)
    }
}

/// `item.json`: what an item folder holds, written last.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ItemRecord {
    /// [`ITEM_FORMAT`].
    pub format: String,
    /// The item's index.
    pub index: usize,
    /// The plan's hash.
    pub plan: String,
    /// The scene's hash (as `metadata.json` and `replay.json` state it).
    pub scene_hash: String,
    /// The scene seed.
    pub seed: u64,
    /// Each variation's path and drawn value, in plan order.
    pub drawn: Vec<(String, Json)>,
    /// Frames in the clip.
    pub frames: u32,
    /// Every file but `item.json`, sorted by path.
    pub files: Vec<FileEntry>,
}

/// One file of an item.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileEntry {
    /// Relative to the item's folder, `/`-separated.
    pub path: String,
    /// Size, bytes.
    pub bytes: u64,
    /// Hex BLAKE3.
    pub blake3: String,
}

/// `logs/000017.json`: how the item's render went (not part of the item's bytes).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ItemLog {
    index: usize,
    shard: String,
    host: String,
    seconds: f64,
    stages: String,
    warnings: Vec<String>,
}

/// `failed/000017.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FailedRecord {
    /// The item.
    pub index: usize,
    /// The plan's hash.
    pub plan: String,
    /// The error, as the CLI would print it.
    pub error: String,
    /// Whether the plan's draw is at fault (an invalid scene) rather than the machine.
    pub bad_input: bool,
}

/// What a `batch run` did.
#[derive(Debug, Default)]
pub struct BatchReport {
    /// Items rendered now.
    pub rendered: Vec<usize>,
    /// Items complete from an earlier run.
    pub skipped: Vec<usize>,
    /// Items that failed now, with the error.
    pub failed: Vec<(usize, String)>,
    /// Warnings the renders gave (a look that cannot reach its contract), per item.
    pub warnings: Vec<(usize, String)>,
}

/// Where each item of a plan stands in an output folder.
#[derive(Debug, Default)]
pub struct BatchStatus {
    /// Complete items.
    pub done: Vec<usize>,
    /// Failed items (not complete), with the error.
    pub failed: Vec<(usize, String)>,
    /// Neither.
    pub missing: Vec<usize>,
    /// Folders that are there but do not match their record (or another plan's).
    pub corrupt: Vec<(usize, String)>,
}

/// `items/000017`.
fn item_key(i: usize) -> String {
    format!("items/{}", item_dir_name(i))
}

/// `logs/000017.json`, `failed/000017.json`.
fn record_key(kind: &str, i: usize) -> String {
    format!("{kind}/{}.json", item_dir_name(i))
}

/// Renders the items of `shard` into `out`, skipping complete ones.
///
/// # Errors
/// [`PipelineError::Output`] when the output folder cannot be written at all; an item's
/// own failure is recorded and reported, not returned.
pub fn batch_run(
    plan: &Plan,
    out: &BatchOut,
    shard: Shard,
    progress: &dyn Progress,
) -> Result<BatchReport, PipelineError> {
    out.prepare()?;
    let info = BatchInfo::of(plan);
    match BatchInfo::read(out) {
        Ok(there) if there.hash != info.hash => {
            return Err(PipelineError::Conflict(format!(
                "{} holds the items of another plan (\"{}\", hash {}; this one is \"{}\", hash {}): use another output folder",
                out.name(""),
                there.name,
                there.hash,
                info.name,
                info.hash
            )));
        }
        Ok(_) => {}
        Err(_) => out.write_json("batch.json", &info)?,
    }
    let mine: Vec<usize> = shard.items(plan.count()).collect();
    let mut report = BatchReport::default();
    let host = host_name();
    progress.start(&format!("batch {shard}"), mine.len() as u64);
    let scratch = out.scratch();
    for &i in &mine {
        match check_item(out, i, None, &info, true) {
            Ok(_) => {
                remove_failed(out, i);
                report.skipped.push(i);
                progress.advance(1);
                continue;
            }
            Err(ItemCheck::Missing) => {}
            Err(ItemCheck::Corrupt(why)) => {
                tracing::warn!("item {i}: {why}; rendering it again");
                discard(out, i)?;
            }
        }
        clean_partials(&scratch, i, &host);
        let started = Instant::now();
        match render_item(plan, i, out, &host) {
            Ok((warnings, stages)) => {
                remove_failed(out, i);
                let log = ItemLog {
                    index: i,
                    shard: shard.to_string(),
                    host: host.clone(),
                    seconds: started.elapsed().as_secs_f64(),
                    stages,
                    warnings: warnings.clone(),
                };
                out.write_json(&record_key("logs", i), &log)?;
                report.warnings.extend(warnings.into_iter().map(|w| (i, w)));
                report.rendered.push(i);
            }
            Err(e) => {
                let record = FailedRecord {
                    index: i,
                    plan: plan.hash.clone(),
                    error: error_chain(&e),
                    bad_input: e.is_bad_input(),
                };
                out.write_json(&record_key("failed", i), &record)?;
                report.failed.push((i, record.error));
            }
        }
        progress.advance(1);
    }
    progress.finish();
    Ok(report)
}

/// The error and its sources, one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = c.source();
    }
    s
}

/// Draws, loads and renders item `i` into a partial folder, records it and commits the
/// folder into place: the look's warnings and the stage times.
fn render_item(
    plan: &Plan,
    i: usize,
    out: &BatchOut,
    host: &str,
) -> Result<(Vec<String>, String), PipelineError> {
    let start = Instant::now();
    let item = plan
        .item(i)
        .map_err(|e| PipelineError::BadOption(e.to_string()))?;
    let partial = out.scratch().join(format!(
        ".{}.partial.{host}.{}",
        item_dir_name(i),
        std::process::id()
    ));
    let result = (|| {
        let (scene, look) =
            crate::style::parse_str(&item.text, &item.origin, &item.base_dir, None)?;
        super::create_dir(&partial)?;
        files::write_atomic(&partial.join("scene.ron"), item.text.as_bytes())?;
        let report = super::render::render_scene(
            &scene,
            look,
            start,
            &partial,
            &plan.render_options(),
            &Silent,
        )?;
        let record = ItemRecord {
            format: ITEM_FORMAT.into(),
            index: i,
            plan: plan.hash.clone(),
            scene_hash: scene.source.hash.clone(),
            seed: item.seed,
            drawn: item.drawn.clone(),
            frames: scene.frame_count,
            files: list_files(&partial)?,
        };
        files::write_json(&partial.join("item.json"), &record)?;
        Ok::<_, PipelineError>((report.warnings, report.stages.to_string()))
    })();
    let result = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(e);
        }
    };
    if let Err(e) = out.commit_dir(&partial, &item_key(i)) {
        let _ = std::fs::remove_dir_all(&partial);
        // Another process on the same index finished first: keep its folder if it is
        // complete (it holds the same bytes).
        if out.is_store() || check_item(out, i, None, &BatchInfo::of(plan), true).is_err() {
            return Err(e.into());
        }
    }
    Ok(result)
}

/// Every file under `dir` but `item.json`, sorted, with its size and hash.
fn list_files(dir: &Path) -> Result<Vec<FileEntry>, FileError> {
    let mut found = Vec::new();
    walk(dir, dir, &mut found)?;
    found.sort();
    found
        .into_iter()
        .filter(|rel| rel != "item.json")
        .map(|rel| {
            let path = dir.join(&rel);
            let bytes = std::fs::read(&path).map_err(|source| FileError::Read {
                path: path.clone(),
                source,
            })?;
            Ok(FileEntry {
                path: rel,
                bytes: bytes.len() as u64,
                blake3: blake3::hash(&bytes).to_hex().to_string(),
            })
        })
        .collect()
}

/// Why an item folder is not done.
#[derive(Debug)]
enum ItemCheck {
    /// No folder.
    Missing,
    /// A folder that is not a complete item of this plan.
    Corrupt(String),
}

/// Whether item `i` of `plan` in `out` is complete: its record, and every file with
/// the recorded size (and, with `hashes`, the recorded BLAKE3), and no others.
/// `listing`: the item folder's files and sizes when the caller has listed them.
fn check_item(
    out: &BatchOut,
    i: usize,
    listing: Option<Vec<(String, u64)>>,
    plan: &BatchInfo,
    hashes: bool,
) -> Result<ItemRecord, ItemCheck> {
    let key = item_key(i);
    let listing = match listing {
        Some(l) => l,
        None => out
            .list(&key)
            .map_err(|e| ItemCheck::Corrupt(e.to_string()))?,
    };
    if listing.is_empty() {
        return Err(ItemCheck::Missing);
    }
    let record: ItemRecord = match out.read_json(&format!("{key}/item.json")) {
        Ok(Some(r)) => r,
        Ok(None) => return Err(ItemCheck::Corrupt("no item.json".into())),
        Err(e) => {
            return Err(ItemCheck::Corrupt(format!("no readable item.json ({e})")));
        }
    };
    if record.format != ITEM_FORMAT || record.index != i {
        return Err(ItemCheck::Corrupt(format!(
            "item.json is {} item {}, not {ITEM_FORMAT} item {i}",
            record.format, record.index
        )));
    }
    if record.plan != plan.hash {
        return Err(ItemCheck::Corrupt(format!(
            "rendered for another plan (hash {}, this plan's is {})",
            record.plan, plan.hash
        )));
    }
    let present: Vec<&(String, u64)> = listing.iter().filter(|(p, _)| p != "item.json").collect();
    let same_names = present.len() == record.files.len()
        && present
            .iter()
            .zip(&record.files)
            .all(|((p, _), f)| *p == f.path);
    if !same_names {
        return Err(ItemCheck::Corrupt(format!(
            "its files differ from item.json's list ({} there, {} listed)",
            present.len(),
            record.files.len()
        )));
    }
    for ((_, bytes), f) in present.iter().zip(&record.files) {
        if *bytes != f.bytes {
            return Err(ItemCheck::Corrupt(format!(
                "{} is {bytes} bytes, item.json says {}",
                f.path, f.bytes
            )));
        }
        if hashes {
            let data = out
                .read(&format!("{key}/{}", f.path))
                .map_err(|e| ItemCheck::Corrupt(format!("{}: {e}", f.path)))?
                .ok_or_else(|| ItemCheck::Corrupt(format!("{} is gone", f.path)))?;
            if blake3::hash(&data).to_hex().as_str() != f.blake3 {
                return Err(ItemCheck::Corrupt(format!(
                    "{} does not match its hash",
                    f.path
                )));
            }
        }
    }
    Ok(record)
}

/// Removes a bad item: a folder is moved out of the way and removed; a store's objects
/// are deleted.
fn discard(out: &BatchOut, i: usize) -> Result<(), FileError> {
    match out {
        BatchOut::Dir(root) => {
            let done = root.join(item_key(i));
            let aside = root.join("items").join(format!(
                ".{}.discard.{}",
                item_dir_name(i),
                std::process::id()
            ));
            let moved = std::fs::rename(&done, &aside);
            let gone = match moved {
                Ok(()) => std::fs::remove_dir_all(&aside),
                Err(_) => std::fs::remove_dir_all(&done),
            };
            gone.map_err(|source| FileError::Write { path: done, source })
        }
        BatchOut::Store(_) => {
            let key = item_key(i);
            for (rel, _) in out.list(&key)? {
                out.remove(&format!("{key}/{rel}"));
            }
            Ok(())
        }
    }
}

/// Removes item `i`'s partial folders left in `scratch` by dead processes on this host.
fn clean_partials(scratch: &Path, i: usize, host: &str) {
    let prefix = format!(".{}.partial.{host}.", item_dir_name(i));
    let Ok(entries) = std::fs::read_dir(scratch) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name
            .strip_prefix(&prefix)
            .and_then(|p| p.parse::<u32>().ok())
            && !process_alive(pid)
        {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Whether process `pid` runs on this machine (Linux's `/proc`; elsewhere only this
/// process counts as alive).
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = Path::new("/proc");
    proc.is_dir() && proc.join(pid.to_string()).exists()
}

/// This machine's name, as partial folders carry it (letters, digits, '-' and '_').
fn host_name() -> String {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "host".into());
    let name: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() { "host".into() } else { name }
}

fn remove_failed(out: &BatchOut, i: usize) {
    out.remove(&record_key("failed", i));
}

/// Every item folder's files and sizes, by item folder name, from one listing of
/// `items/` (one request per thousand objects on a store, not one per item).
fn list_items(out: &BatchOut) -> Result<BTreeMap<String, Vec<(String, u64)>>, FileError> {
    let mut by_item: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
    for (rel, size) in out.list("items")? {
        if let Some((item, file)) = rel.split_once('/') {
            by_item
                .entry(item.to_string())
                .or_default()
                .push((file.to_string(), size));
        }
    }
    Ok(by_item)
}

/// Where every item of the batch in `out` stands (`plan`: its `batch.json`). With
/// `verify`, every file's hash is checked too (otherwise sizes only).
///
/// # Errors
/// [`PipelineError::Output`] when `items/` cannot be listed.
pub fn batch_status(
    plan: &BatchInfo,
    out: &BatchOut,
    verify: bool,
) -> Result<BatchStatus, PipelineError> {
    let mut listed = list_items(out)?;
    let mut status = BatchStatus::default();
    for i in 0..plan.count {
        let listing = listed.remove(&item_dir_name(i)).unwrap_or_default();
        match check_item(out, i, Some(listing), plan, verify) {
            Ok(_) => status.done.push(i),
            Err(ItemCheck::Corrupt(why)) => status.corrupt.push((i, why)),
            Err(ItemCheck::Missing) => {
                let failed: Option<FailedRecord> = out
                    .read_json(&record_key("failed", i))
                    .ok()
                    .flatten()
                    .filter(|f: &FailedRecord| f.plan == plan.hash);
                match failed {
                    Some(f) => status.failed.push((i, f.error)),
                    None => status.missing.push(i),
                }
            }
        }
    }
    Ok(status)
}

/// One line of `index.jsonl`.
#[derive(Debug, Serialize)]
struct IndexLine<'a> {
    index: usize,
    dir: String,
    scene_hash: &'a str,
    seed: u64,
    drawn: BTreeMap<&'a str, &'a Json>,
    frames: u32,
    files: Vec<&'a str>,
    bytes: u64,
    /// Wall time of the render, from the item's log (absent when the log is gone).
    seconds: Option<f64>,
}

/// What `batch merge` wrote.
#[derive(Debug)]
pub struct MergeReport {
    /// `OUT/index.jsonl`, as messages name it.
    pub index: String,
    /// Items indexed.
    pub items: usize,
    /// Their bytes.
    pub bytes: u64,
    /// Leftover partial folders removed.
    pub cleaned: usize,
    /// WebDataset tar shards written (`webdataset/shard-000000.tar`, …, as messages
    /// name them).
    pub shards: Vec<String>,
}

/// Checks that every item is complete (hashes verified) and writes `OUT/index.jsonl`,
/// one JSON line per item in index order; removes leftover partial folders. With
/// `webdataset: Some(n)`, also writes the items as WebDataset tar shards of `n` items
/// each (see [`write_webdataset`]).
///
/// # Errors
/// [`PipelineError::Conflict`] naming the items that are missing, failed or corrupt;
/// [`PipelineError::Output`] if the index cannot be written.
pub fn batch_merge(
    out: &BatchOut,
    webdataset: Option<usize>,
) -> Result<MergeReport, PipelineError> {
    let plan = &BatchInfo::read(out)?;
    let status = batch_status(plan, out, true)?;
    if status.done.len() != plan.count {
        return Err(PipelineError::Conflict(format!(
            "{} of {} items are complete ({} missing: {}; {} failed: {}; {} corrupt: {}); run `cinegraph batch run` for them first",
            status.done.len(),
            plan.count,
            status.missing.len(),
            ranges(&status.missing),
            status.failed.len(),
            ranges(&status.failed.iter().map(|f| f.0).collect::<Vec<_>>()),
            status.corrupt.len(),
            ranges(&status.corrupt.iter().map(|f| f.0).collect::<Vec<_>>()),
        )));
    }
    let mut listed = list_items(out)?;
    let mut text = String::new();
    let mut total = 0u64;
    for i in 0..plan.count {
        let listing = listed.remove(&item_dir_name(i)).unwrap_or_default();
        let record = check_item(out, i, Some(listing), plan, false).map_err(|e| {
            PipelineError::Conflict(format!("item {i} changed during the merge: {e:?}"))
        })?;
        let log: Option<ItemLog> = out.read_json(&record_key("logs", i)).ok().flatten();
        let bytes = record.files.iter().map(|f| f.bytes).sum();
        total += bytes;
        let line = IndexLine {
            index: i,
            dir: format!("items/{}", item_dir_name(i)),
            scene_hash: &record.scene_hash,
            seed: record.seed,
            drawn: record.drawn.iter().map(|(p, v)| (p.as_str(), v)).collect(),
            frames: record.frames,
            files: record.files.iter().map(|f| f.path.as_str()).collect(),
            bytes,
            seconds: log.map(|l| l.seconds),
        };
        let json = serde_json::to_string(&line)
            .map_err(|e| PipelineError::Internal(format!("index line: {e}")))?;
        text.push_str(&json);
        text.push('\n');
    }
    out.write("index.jsonl", text.as_bytes())?;
    let shards = match webdataset {
        Some(n) => write_webdataset(out, plan, n)?,
        None => Vec::new(),
    };
    let mut cleaned = 0;
    // Partial folders of a store's items are in each host's scratch, not in the store.
    if let BatchOut::Dir(root) = out
        && let Ok(entries) = std::fs::read_dir(root.join("items"))
    {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.')
                && (name.contains(".partial.") || name.contains(".discard."))
                && std::fs::remove_dir_all(e.path()).is_ok()
            {
                cleaned += 1;
            }
        }
    }
    Ok(MergeReport {
        index: out.name("index.jsonl"),
        items: plan.count,
        bytes: total,
        cleaned,
        shards,
    })
}

/// Writes every item into `OUT/webdataset/shard-NNNNNN.tar`, `per_shard` items a tar in
/// index order, as WebDataset readers take them: an item's files are consecutive and
/// named `KEY.FIELD`, KEY the item's six digits and FIELD its path in the item folder
/// with `/` as `_` (`000017.depth_00003.png`, `000017.scene.ron`, `000017.item.json`).
/// Headers are fixed (mode 0644, owner 0, time 0), so the tars are the same bytes for
/// the same items; each is written under a temporary name (in a store's scratch
/// folder) and then renamed (uploaded).
///
/// # Errors
/// [`PipelineError::BadOption`] for `per_shard` 0; [`PipelineError::Output`] if a file
/// cannot be read or a tar written.
pub fn write_webdataset(
    out: &BatchOut,
    plan: &BatchInfo,
    per_shard: usize,
) -> Result<Vec<String>, PipelineError> {
    if per_shard == 0 {
        return Err(PipelineError::BadOption(
            "--webdataset needs at least 1 item a shard".into(),
        ));
    }
    let tmp_dir = match out {
        BatchOut::Dir(root) => root.join("webdataset"),
        BatchOut::Store(_) => out.scratch(),
    };
    super::create_dir(&tmp_dir)?;
    let mut listed = list_items(out)?;
    let mut written = Vec::new();
    for (s, first) in (0..plan.count).step_by(per_shard).enumerate() {
        let key = format!("webdataset/shard-{s:06}.tar");
        let tmp = tmp_dir.join(format!(".shard-{s:06}.tar.tmp-{}", std::process::id()));
        let write_err = |source| FileError::Write {
            path: tmp.clone(),
            source,
        };
        let result = (|| -> Result<(), FileError> {
            let file = std::fs::File::create(&tmp).map_err(write_err)?;
            let mut tar = tar::Builder::new(std::io::BufWriter::new(file));
            for i in first..(first + per_shard).min(plan.count) {
                let name = item_dir_name(i);
                for (rel, _) in listed.remove(&name).unwrap_or_default() {
                    let from = format!("{}/{rel}", item_key(i));
                    let bytes = out.read(&from)?.ok_or_else(|| FileError::Read {
                        path: out.name(&from).into(),
                        source: std::io::Error::new(
                            std::io::ErrorKind::NotFound,
                            "gone during the merge",
                        ),
                    })?;
                    let mut header = tar::Header::new_ustar();
                    header.set_size(bytes.len() as u64);
                    header.set_mode(0o644);
                    header.set_mtime(0);
                    header.set_uid(0);
                    header.set_gid(0);
                    header.set_entry_type(tar::EntryType::Regular);
                    let entry = format!("{name}.{}", rel.replace('/', "_"));
                    tar.append_data(&mut header, entry, bytes.as_slice())
                        .map_err(write_err)?;
                }
            }
            let file = tar
                .into_inner()
                .map_err(write_err)?
                .into_inner()
                .map_err(|e| write_err(e.into_error()))?;
            file.sync_all().map_err(write_err)?;
            drop(file);
            out.put_file(&key, &tmp)
        })();
        let _ = std::fs::remove_file(&tmp);
        result?;
        written.push(out.name(&key));
    }
    Ok(written)
}

/// `0-3, 7, 9-12`.
pub fn ranges(v: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut k = 0;
    while k < v.len() {
        let mut j = k;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        parts.push(if j == k {
            v[k].to_string()
        } else {
            format!("{}-{}", v[k], v[j])
        });
        k = j + 1;
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}
