//! Batch plans: many seeded variations of one scene (or of a list of prompts), their
//! items drawn as a pure function of the plan and the item's index, split into shards
//! for a cluster's job array.
//!
//! Input: a plan file (`plans/*.ron`, [`load`]). Output: each item's scene file as
//! text ([`Plan::item`]), the items of a shard ([`Shard::items`]), and the job files a
//! cluster runs them with ([`cluster`]). Rendering the items, resuming and merging them
//! is the pipeline's ([`crate::pipeline::batch_run`]).
//!
//! A plan reads:
//!
//! ```ron
//! Plan(
//!     version: 1,
//!     name: "movi_a_variants",
//!     base: Scene("../scenes/movi_a.ron"),      // relative to the plan's folder
//!     count: 24,
//!     seed: 1,
//!     vary: [
//!         (path: "entities[\"ball\"].material", draw: Choice(["steel", "rubber"])),
//!         (path: "camera.at", draw: Shell(center: (0.0, 0.3, 0.0), radius: (2.0, 3.0),
//!                                         elevation_deg: (15.0, 45.0))),
//!         (path: "style", draw: Choice(["noir", "golden-hour", "pastel-symmetry"])),
//!     ],
//!     render: (buffers: ["preview", "depth", "flow", "segmentation"]),
//! )
//! ```
//!
//! How an item is drawn: the base scene file is read as written (before its set and
//! style are applied), seen as a tree of fields (JSON-like: structs and maps are
//! objects, lists and tuples arrays, an enum variant with fields is an object of one
//! key, the variant's name); each variation replaces the value at its path with a draw
//! from its own random stream, keyed by the plan's seed, the item's index and the path
//! (so adding a variation never changes what the others draw); the item's scene seed is
//! drawn the same way unless `seed_per_item: false`. The tree goes back through the
//! scene format's own types, so a draw of the wrong type is refused like any scene
//! error.

pub mod cluster;
mod draw;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::output::BufferLayer;
use crate::rng::SeededRng;
use crate::scene::{Problem, SceneFile};

pub use draw::{Draw, Step, parse_path};

/// The most items a plan may have.
pub const MAX_ITEMS: usize = 10_000_000;
/// The most variations a plan may have.
pub const MAX_VARIATIONS: usize = 256;
/// The most prompts a plan may list.
pub const MAX_PROMPTS: usize = 10_000;
/// The largest plan file, bytes.
const MAX_PLAN_BYTES: u64 = 4 << 20;

/// Why a plan or one of its items is unusable.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The plan (or its base scene) cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The plan is not valid RON for a plan.
    #[error("{path}:{line}:{col}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What the parser expected.
        message: String,
    },
    /// The plan parses but is unusable: every problem, each at its field.
    #[error("{path}: invalid plan:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong, and where.
        problems: Vec<Problem>,
    },
    /// An item's drawn scene does not fit the scene format.
    #[error("item {index}: {message}")]
    Item {
        /// The item.
        index: usize,
        /// What is wrong, naming the path.
        message: String,
    },
}

impl PlanError {
    /// Whether the user's input is at fault (every variant but an unreadable file).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, PlanError::Read { .. })
    }
}

/// A plan file, as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Plan")]
pub struct PlanFile {
    /// Format version; only `1` exists.
    pub version: u32,
    /// A short name (the cluster job is named after it).
    pub name: String,
    /// What every item starts from.
    pub base: Base,
    /// How many items.
    pub count: usize,
    /// Seeds every draw.
    #[serde(default)]
    pub seed: u64,
    /// Whether each item gets its own scene seed (default true; false keeps the base
    /// scene's).
    #[serde(default = "yes")]
    pub seed_per_item: bool,
    /// The variations, applied in order.
    #[serde(default)]
    pub vary: Vec<Vary>,
    /// What to render of each item.
    #[serde(default)]
    pub render: RenderPlan,
}

fn yes() -> bool {
    true
}

/// What every item starts from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Base {
    /// A scene file, relative to the plan's folder.
    Scene(String),
    /// Prompts: item `i` starts from the scene that prompt `i mod n` generates with the
    /// plan's seed (then gets its own scene seed and draws).
    Prompts(Vec<String>),
}

/// One variation: a field path in the scene file and how its value is drawn.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vary {
    /// Where: `camera.at`, `entities["ball"].material`, `entities[2].at.1`,
    /// `entities["domino"].repeat.Line.count`.
    pub path: String,
    /// The distribution.
    pub draw: Draw,
}

/// What to render of each item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenderPlan {
    /// Buffer layers (default: all), as `render --buffers` names them.
    #[serde(default = "all_buffers")]
    pub buffers: Vec<String>,
    /// The file layout.
    #[serde(default)]
    pub layout: PlanLayout,
    /// Neural finishing (native layout only; default off).
    #[serde(default)]
    pub finish: bool,
    /// Also path-trace the reference at this many samples per pixel (native layout).
    #[serde(default)]
    pub reference_spp: Option<u32>,
}

impl Default for RenderPlan {
    fn default() -> Self {
        Self {
            buffers: all_buffers(),
            layout: PlanLayout::Native,
            finish: false,
            reference_spp: None,
        }
    }
}

fn all_buffers() -> Vec<String> {
    BufferLayer::ALL
        .iter()
        .map(|l| l.name().to_string())
        .collect()
}

/// The output layout of an item's folder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlanLayout {
    /// cinegraph's own.
    #[default]
    Native,
    /// Kubric's file names and encodings.
    Kubric,
}

/// A loaded, checked plan.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The file, as written.
    pub file: PlanFile,
    /// Where it was read from (named in messages).
    pub path: PathBuf,
    /// The folder base scene paths resolve against.
    pub base_dir: PathBuf,
    /// Hex BLAKE3 of what determines the items (the plan's fields but the base's
    /// path, and the base scenes' text): an item folder records it, and a folder of
    /// another plan is not taken as done.
    pub hash: String,
    /// The buffer layers to render.
    pub layers: Vec<BufferLayer>,
    bases: Vec<BaseScene>,
    paths: Vec<Vec<Step>>,
}

/// One base scene: its file as a tree, and where its relative paths resolve.
#[derive(Debug, Clone)]
struct BaseScene {
    tree: Json,
    /// BLAKE3 of its text.
    text_hash: String,
    /// The scene's folder (mesh and set paths resolve against it).
    dir: PathBuf,
    /// How messages name it.
    shown: String,
}

/// One drawn item.
#[derive(Debug, Clone)]
pub struct Item {
    /// Its index in the plan.
    pub index: usize,
    /// Its scene seed.
    pub seed: u64,
    /// What each variation drew, in plan order: the path and the value.
    pub drawn: Vec<(String, Json)>,
    /// The scene file text (a header comment, then the RON).
    pub text: String,
    /// The folder its relative paths resolve against.
    pub base_dir: PathBuf,
    /// How messages name it: `plan.ron item 17`.
    pub origin: String,
}

/// Reads and checks a plan: its fields, every variation's path against every base
/// scene, and that item 0's draws fit the scene format.
///
/// # Errors
/// [`PlanError::Read`], [`PlanError::Syntax`] with `path:line:col`,
/// [`PlanError::Invalid`] listing every problem at its field.
pub fn load(path: &Path) -> Result<Plan, PlanError> {
    let shown = path.display().to_string();
    let text = read_text(path)?;
    let file: PlanFile = ron_options()
        .from_str(&text)
        .map_err(|e| PlanError::Syntax {
            path: shown.clone(),
            line: e.span.start.line,
            col: e.span.start.col,
            message: e.code.to_string(),
        })?;
    let base_dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    check(file, path, base_dir)
}

fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

fn read_text(path: &Path) -> Result<String, PlanError> {
    let shown = path.display().to_string();
    let read_err = |source| PlanError::Read {
        path: shown.clone(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    if meta.len() > MAX_PLAN_BYTES {
        return Err(read_err(std::io::Error::other(format!(
            "the file is {} bytes, more than the limit of {MAX_PLAN_BYTES}",
            meta.len()
        ))));
    }
    std::fs::read_to_string(path).map_err(read_err)
}

fn problem(at: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        at: at.into(),
        message: message.into(),
    }
}

/// Checks a parsed plan and reads its bases.
fn check(file: PlanFile, path: &Path, base_dir: PathBuf) -> Result<Plan, PlanError> {
    let shown = path.display().to_string();
    let mut problems = Vec::new();
    if file.version != 1 {
        problems.push(problem(
            "version",
            format!("only version 1 exists, found {}", file.version),
        ));
    }
    if file.name.trim().is_empty() {
        problems.push(problem("name", "must not be empty"));
    }
    if file.count == 0 || file.count > MAX_ITEMS {
        problems.push(problem(
            "count",
            format!("expected 1 to {MAX_ITEMS} items, found {}", file.count),
        ));
    }
    if file.vary.len() > MAX_VARIATIONS {
        problems.push(problem(
            "vary",
            format!(
                "at most {MAX_VARIATIONS} variations, found {}",
                file.vary.len()
            ),
        ));
    }
    let mut layers = Vec::new();
    for (i, name) in file.render.buffers.iter().enumerate() {
        match BufferLayer::parse(name) {
            Some(l) => layers.push(l),
            None => problems.push(problem(
                format!("render.buffers[{i}]"),
                format!(
                    "unknown buffer \"{name}\"; expected one of {}",
                    all_buffers().join(", ")
                ),
            )),
        }
    }
    if file.render.layout == PlanLayout::Kubric
        && (file.render.finish || file.render.reference_spp.is_some())
    {
        problems.push(problem(
            "render",
            "the Kubric layout has no finished frames or reference: set finish: false and no reference_spp",
        ));
    }
    if file.render.reference_spp == Some(0) {
        problems.push(problem("render.reference_spp", "must be at least 1"));
    }
    let mut paths = Vec::new();
    for (i, v) in file.vary.iter().enumerate() {
        let at = format!("vary[{i}] \"{}\"", v.path);
        match parse_path(&v.path) {
            Ok(p) => paths.push(p),
            Err(e) => {
                problems.push(problem(format!("{at}.path"), e));
                paths.push(Vec::new());
            }
        }
        if let Err(e) = v.draw.check() {
            problems.push(problem(format!("{at}.draw"), e));
        }
    }
    let bases = match &file.base {
        Base::Scene(rel) => match read_base(&base_dir, rel) {
            Ok(b) => vec![b],
            Err(p) => {
                problems.push(p);
                Vec::new()
            }
        },
        Base::Prompts(prompts) => {
            if prompts.is_empty() || prompts.len() > MAX_PROMPTS {
                problems.push(problem(
                    "base",
                    format!(
                        "expected 1 to {MAX_PROMPTS} prompts, found {}",
                        prompts.len()
                    ),
                ));
            }
            let mut bases = Vec::new();
            for (i, p) in prompts.iter().enumerate() {
                match prompt_base(p, file.seed, &base_dir) {
                    Ok(b) => bases.push(b),
                    Err(e) => problems.push(problem(format!("base.Prompts[{i}]"), e)),
                }
            }
            bases
        }
    };
    if !problems.is_empty() {
        return Err(PlanError::Invalid {
            path: shown,
            problems,
        });
    }
    // Every path must lead somewhere in every base.
    for (i, (v, steps)) in file.vary.iter().zip(&paths).enumerate() {
        for b in &bases {
            let mut tree = b.tree.clone();
            if let Err(e) = draw::slot(&mut tree, steps) {
                problems.push(problem(
                    format!("vary[{i}] \"{}\".path", v.path),
                    format!("not in {}: {e}", b.shown),
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(PlanError::Invalid {
            path: shown,
            problems,
        });
    }
    let hash = plan_hash(&file, &bases);
    let plan = Plan {
        file,
        path: path.to_path_buf(),
        base_dir,
        hash,
        layers,
        bases,
        paths,
    };
    // Item 0's draws must fit the format's types (a number where a name goes is a
    // mistake in the plan, not in one item).
    if let Err(e) = plan.item(0) {
        return Err(PlanError::Invalid {
            path: shown,
            problems: vec![problem("vary", e.to_string())],
        });
    }
    Ok(plan)
}

/// Reads a base scene file (relative to the plan's folder) as a tree.
fn read_base(plan_dir: &Path, rel: &str) -> Result<BaseScene, Problem> {
    let path = plan_dir.join(rel);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| problem("base", format!("cannot read {}: {e}", path.display())))?;
    let shown = path.display().to_string();
    let file =
        crate::scene::parse_file(&text, &shown).map_err(|e| problem("base", e.to_string()))?;
    let tree = serde_json::to_value(&file).map_err(|e| problem("base", format!("{shown}: {e}")))?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    Ok(BaseScene {
        tree,
        text_hash: text_hash(&text),
        dir,
        shown,
    })
}

/// The scene the prompt generates (seeded by the plan's seed), as a tree.
fn prompt_base(prompt: &str, seed: u64, plan_dir: &Path) -> Result<BaseScene, String> {
    let g = crate::prompt::generate(prompt, &crate::prompt::PromptOptions { seed })
        .map_err(|e| e.to_string())?;
    let file = crate::scene::parse_file(&g.ron, "prompt").map_err(|e| e.to_string())?;
    let tree = serde_json::to_value(&file).map_err(|e| e.to_string())?;
    Ok(BaseScene {
        tree,
        text_hash: text_hash(&g.ron),
        dir: plan_dir.to_path_buf(),
        shown: format!("the scene of prompt \"{prompt}\""),
    })
}

fn text_hash(text: &str) -> String {
    blake3::hash(text.as_bytes()).to_hex().to_string()
}

/// BLAKE3 of what determines the items.
fn plan_hash(file: &PlanFile, bases: &[BaseScene]) -> String {
    let mut h = blake3::Hasher::new();
    h.update(b"cinegraph-plan-v1");
    let mut fields = file.clone();
    if let Base::Scene(p) = &mut fields.base {
        p.clear();
    }
    // The render options do not change the scenes, but they do change the folders.
    if let Ok(text) = serde_json::to_string(&fields) {
        h.update(text.as_bytes());
    }
    for b in bases {
        h.update(b.text_hash.as_bytes());
    }
    h.finalize().to_hex()[..16].to_string()
}

impl Plan {
    /// How many items.
    pub fn count(&self) -> usize {
        self.file.count
    }

    /// Item `index`: its scene file text, seed and draws, a pure function of the plan
    /// and `index`.
    ///
    /// # Errors
    /// [`PlanError::Item`] for an index outside the plan, or when a draw does not fit
    /// the scene format's type at its path (the path is named).
    pub fn item(&self, index: usize) -> Result<Item, PlanError> {
        let item_err = |message: String| PlanError::Item { index, message };
        if index >= self.count() {
            return Err(item_err(format!(
                "outside the plan's {} items (0..{})",
                self.count(),
                self.count()
            )));
        }
        let base = &self.bases[index % self.bases.len()];
        let mut tree = base.tree.clone();
        let seed = if self.file.seed_per_item {
            SeededRng::new(self.file.seed, &format!("batch/{index}/seed")).next_u64() >> 11
        } else {
            tree.get("seed").and_then(Json::as_u64).unwrap_or(0)
        };
        if let Some(s) = tree.get_mut("seed") {
            *s = Json::from(seed);
        }
        let mut drawn = Vec::new();
        for (v, steps) in self.file.vary.iter().zip(&self.paths) {
            let mut rng = SeededRng::new(self.file.seed, &format!("batch/{index}/{}", v.path));
            let value = v.draw.sample(&mut rng);
            let slot =
                draw::slot(&mut tree, steps).map_err(|e| item_err(format!("{}: {e}", v.path)))?;
            *slot = value.clone();
            drawn.push((v.path.clone(), value));
        }
        let file: SceneFile = serde_json::from_value(tree).map_err(|e| {
            item_err(format!(
                "the drawn scene does not fit the scene format: {e} (check the types the variations draw: {})",
                self.file
                    .vary
                    .iter()
                    .map(|v| v.path.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let ron =
            ron::ser::to_string_pretty(&file, ron::ser::PrettyConfig::default().struct_names(true))
                .map_err(|e| item_err(format!("cannot write the scene: {e}")))?;
        let mut text = format!(
            "// Item {index} of plan \"{}\" ({}, hash {}): {}.\n",
            self.file.name,
            self.path.display(),
            self.hash,
            base.shown
        );
        text.push_str(&format!("// seed: {seed}\n"));
        for (p, v) in &drawn {
            text.push_str(&format!("// {p} = {v}\n"));
        }
        text.push_str(&ron);
        text.push('\n');
        Ok(Item {
            index,
            seed,
            drawn,
            text,
            base_dir: base.dir.clone(),
            origin: format!("{} item {index}", self.path.display()),
        })
    }

    /// The render options every item is rendered with.
    pub fn render_options(&self) -> crate::pipeline::RenderOptions {
        let r = &self.file.render;
        let native = r.layout == PlanLayout::Native;
        crate::pipeline::RenderOptions {
            layout: match r.layout {
                PlanLayout::Native => crate::pipeline::Layout::Native,
                PlanLayout::Kubric => crate::pipeline::Layout::Kubric,
            },
            layers: self.layers.clone(),
            reference: r.reference_spp.filter(|_| native).map(|spp| {
                crate::reference::ReferenceOptions {
                    spp,
                    ..Default::default()
                }
            }),
            finish: (r.finish && native).then(crate::pipeline::FinishOptions::default),
            ..Default::default()
        }
    }
}

/// The items of shard `index` of `count`: `index, index + count, index + 2 count, …`.
/// Round-robin: every shard's item count is within one of every other's, and a plan's
/// slow items (drawn independently of the index) spread evenly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: usize,
    /// How many shards.
    pub count: usize,
}

impl Shard {
    /// The whole plan as one shard.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `i/n`.
    ///
    /// # Errors
    /// What is wrong with the text.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("expected INDEX/COUNT, e.g. 3/8, found \"{s}\""))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("the shard index \"{i}\" is not a whole number"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("the shard count \"{n}\" is not a whole number"))?;
        Shard::new(index, count)
    }

    /// Shard `index` of `count`.
    ///
    /// # Errors
    /// A count of 0, or an index not below it.
    pub fn new(index: usize, count: usize) -> Result<Shard, String> {
        if count == 0 {
            return Err("the shard count must be at least 1".into());
        }
        if index >= count {
            return Err(format!(
                "the shard index {index} is not below the shard count {count} (indexes run 0..{count})"
            ));
        }
        Ok(Shard { index, count })
    }

    /// The shard a cluster task names in its environment: Kubernetes' Indexed Job
    /// (`JOB_COMPLETION_INDEX`, the count from `count`) or a Slurm job array
    /// (`SLURM_ARRAY_TASK_ID` less `SLURM_ARRAY_TASK_MIN`; the count from `count` or
    /// `SLURM_ARRAY_TASK_COUNT`). `None` when neither is set.
    ///
    /// # Errors
    /// A variable that is not a number, or no count.
    pub fn from_env(
        count: Option<usize>,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Shard>, String> {
        let number = |name: &str| -> Result<Option<usize>, String> {
            var(name)
                .map(|v| {
                    v.trim()
                        .parse::<usize>()
                        .map_err(|_| format!("{name}={v} is not a whole number"))
                })
                .transpose()
        };
        if let Some(i) = number("JOB_COMPLETION_INDEX")? {
            let n = count.ok_or(
                "JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but not the shard count: pass --shards N (the Job's completions)",
            )?;
            return Shard::new(i, n).map(Some);
        }
        if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
            let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let n = match count {
                Some(n) => n,
                None => number("SLURM_ARRAY_TASK_COUNT")?.ok_or(
                    "SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT: pass --shards N",
                )?,
            };
            let i = id.checked_sub(min).ok_or_else(|| {
                format!("SLURM_ARRAY_TASK_ID {id} is below SLURM_ARRAY_TASK_MIN {min}")
            })?;
            return Shard::new(i, n).map(Some);
        }
        Ok(None)
    }

    /// The shard's items of a plan of `total` items, ascending.
    pub fn items(self, total: usize) -> impl Iterator<Item = usize> {
        (self.index..total).step_by(self.count)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// An item's folder name: `000017`.
pub fn item_dir_name(index: usize) -> String {
    format!("{index:06}")
}
