//! Command line: clap arguments -> pipeline calls -> what the user reads.

use std::ffi::OsStr;
use std::io::{IsTerminal, Read, Write};
use std::ops::Range;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::error::ErrorKind;
use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use cinegraph::batch::{self, Shard};
use cinegraph::output::BufferLayer;
use cinegraph::pipeline::{self, BatchOut, VerifyOutcome};
use cinegraph::progress::Progress;
use cinegraph::style;

/// Scenes in RON -> deterministic physics -> ground truth and video.
#[derive(Debug, Parser)]
#[command(name = "cinegraph", version, about, long_about = None)]
pub struct Args {
    /// Print nothing but errors and results (no progress bars).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Log what the library does (repeat for more: -v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and validate scene files; report every problem found.
    Check {
        /// Scene files (.ron).
        #[arg(required = true)]
        scenes: Vec<PathBuf>,
    },
    /// Simulate a scene and write metadata.json, events.json and replay.json.
    Simulate {
        /// Scene file (.ron).
        scene: PathBuf,
        /// Output folder (created if missing).
        #[arg(short, long)]
        out: PathBuf,
        /// Also write energy.png (energy and momentum over time).
        #[arg(long)]
        plot: bool,
        /// Also write fluids.bin: every liquid's particle positions and velocities at
        /// every frame (see docs/fluids.md).
        #[arg(long)]
        fluid_particles: bool,
    },
    /// Simulate and render every frame's buffers: preview, albedo, depth, normals,
    /// forward/backward flow with occlusion masks, segmentation; plus metadata.json
    /// (camera K and poses, per-object boxes and pixel counts), events.json, replay.json.
    Render(RenderArgs),
    /// List the bundled styles, print one, or preview a scene in all of them.
    Styles {
        #[command(subcommand)]
        action: Option<StylesCommand>,
    },
    /// Turn one English sentence into a commented RON scene (offline, deterministic), and
    /// optionally render it.
    Prompt(PromptArgs),
    /// Work with replay records.
    Replay {
        #[command(subcommand)]
        action: ReplayCommand,
    },
    /// Batches: seeded variations of a scene (or prompts) from a plan file, rendered
    /// shard by shard on one machine or a cluster (Kubernetes Indexed Jobs, Slurm job
    /// arrays), resumable, merged into an index.
    Batch {
        #[command(subcommand)]
        action: BatchCommand,
    },
    /// Neural finishing: render seeded random scenes into training pairs,
    /// raster buffers -> path-traced reference (scene i is held out when i % 5 == 4).
    Dataset(DatasetArgs),
    /// Neural finishing: train the autoencoder and the denoiser on a
    /// dataset's training scenes (CPU, AdamW), resumable, deterministic for a seed.
    Train(TrainArgs),
    /// Neural finishing: finish a dataset's held-out scenes with a
    /// checkpoint; report PSNR/SSIM against the reference, flow warping error, ms/frame.
    EvalFinish(EvalFinishArgs),
}

// `cinegraph render`'s arguments (the variant's doc comment is the command's help).
#[derive(Debug, ClapArgs)]
pub struct RenderArgs {
    /// Scene file (.ron).
    scene: PathBuf,
    /// Output folder (created if missing).
    #[arg(short, long)]
    out: PathBuf,
    /// Layers to write, comma-separated (default: all).
    #[arg(long, value_delimiter = ',', value_parser = LayerParser)]
    buffers: Option<Vec<BufferLayer>>,
    /// Frames to render, `a..b` (end exclusive), e.g. `0..12`.
    #[arg(long, value_parser = frame_range)]
    frames: Option<Range<usize>>,
    /// Also write energy.png (and audio.png: the sound's waveform and spectrogram).
    #[arg(long)]
    plot: bool,
    /// Skip the sound: no audio.wav, silent MP4s (`--layout kubric` is always silent).
    #[arg(long)]
    no_audio: bool,
    /// File layout.
    #[arg(long, value_enum, default_value_t = LayoutArg::Native)]
    layout: LayoutArg,
    /// Render in this style instead of the scene's own: a bundled name or alias
    /// (see `cinegraph styles`) or a path to a style .ron file.
    #[arg(long)]
    style: Option<String>,
    /// Also write contact_sheet.png: six frames across the clip, with depth, flow and
    /// segmentation rows under the preview when those layers are rendered.
    #[arg(long)]
    contact_sheet: bool,
    /// Burn a visible watermark ("SYNTHETIC · cinegraph", and each cameo's consent id)
    /// into the bottom-right corner of every picture: preview, finished and reference
    /// frames and the MP4s made from them.
    #[arg(long)]
    watermark: bool,
    /// Also write provenance.json: synthetic, tool and version, the scene's hash, the
    /// inputs' hashes and every output file's hash (always written when the scene
    /// carries a cameo).
    #[arg(long)]
    provenance: bool,
    /// With provenance, sign the C2PA content credentials embedded in every PNG and MP4
    /// with this PEM certificate chain (signing certificate first; ES256). Without it
    /// the bundled test signer, which nobody trusts, signs. Needs a build with
    /// `--features c2pa`.
    #[arg(long, requires = "c2pa_key", value_name = "PEM")]
    c2pa_cert: Option<PathBuf>,
    /// The private key of --c2pa-cert (PKCS#8 PEM, EC P-256).
    #[arg(long, requires = "c2pa_cert", value_name = "PEM")]
    c2pa_key: Option<PathBuf>,
    /// Also path-trace physically based reference frames into reference/ (linear
    /// EXR + sRGB PNG), reference.mp4 and reference.json.
    #[arg(long)]
    reference: bool,
    /// Reference: samples per pixel.
    #[arg(long, default_value_t = 64, requires = "reference")]
    spp: u32,
    /// Reference: bounces after the first hit.
    #[arg(long, default_value_t = 6, requires = "reference")]
    bounces: u32,
    /// Reference: shutter angle in degrees for motion blur (0: none, 180: film).
    #[arg(long, default_value_t = 0.0, requires = "reference")]
    shutter: f32,
    /// Reference: lens aperture as an f-number, for depth of field (default pinhole).
    #[arg(long, requires = "reference")]
    aperture: Option<f32>,
    /// Reference: focus distance, m (default: the distance to the look-at target).
    #[arg(long, requires = "reference")]
    focus: Option<f32>,
    /// Skip the neural finishing pass (no rgb/, no video.mp4): the graded preview is
    /// the last picture. `--layout kubric` never finishes.
    #[arg(long)]
    no_finish: bool,
    /// Neural finishing: sampler steps. The shading network that ships (and its
    /// checkpoints) takes one pass and no steps; latent checkpoints (`train --arch
    /// latent`): 1-8, default 1; published checkpoints: DDIM steps, default 20.
    #[arg(long, conflicts_with = "no_finish")]
    finish_steps: Option<usize>,
    /// Neural finishing: a checkpoint folder from `cinegraph train`, or a local Stable
    /// Diffusion 2 depth folder (diffusers layout, optional taesd/), instead of the
    /// weights that ship with cinegraph.
    #[arg(long, conflicts_with = "no_finish")]
    model: Option<PathBuf>,
    /// Published checkpoints: the text prompt (default: from the style's name).
    #[arg(long, requires = "model")]
    prompt: Option<String>,
    /// Published checkpoints: how far from the preview the model may go, (0, 1].
    #[arg(long, default_value_t = 0.6, requires = "model")]
    strength: f32,
    /// Published checkpoints: classifier-free guidance scale (1: no unconditional pass).
    #[arg(long, default_value_t = 7.5, requires = "model")]
    guidance: f32,
}

// `cinegraph dataset`'s arguments.
#[derive(Debug, ClapArgs)]
pub struct DatasetArgs {
    /// Output folder (created if missing; complete scenes of an earlier run are kept).
    #[arg(short, long)]
    out: PathBuf,
    /// Scenes to render.
    #[arg(long, default_value_t = 16)]
    scenes: usize,
    /// The dataset's seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Consecutive frames per scene.
    #[arg(long, default_value_t = 4)]
    frames: usize,
    /// Width and height in pixels (a multiple of 16).
    #[arg(long, default_value_t = 64)]
    size: u32,
    /// Reference samples per pixel.
    #[arg(long, default_value_t = 64)]
    spp: u32,
    /// Render only the held-out scenes (an evaluation set for `eval-finish`).
    #[arg(long)]
    held_out_only: bool,
}

// `cinegraph train`'s arguments.
#[derive(Debug, ClapArgs)]
pub struct TrainArgs {
    /// The dataset folder (from `cinegraph dataset`).
    #[arg(long)]
    data: PathBuf,
    /// Checkpoint folder: weights (safetensors), config.json, state.json, loss.csv.
    #[arg(short, long)]
    out: PathBuf,
    /// Train until this many steps are done in all.
    #[arg(long, default_value_t = 200)]
    steps: usize,
    /// Frames per batch.
    #[arg(long, default_value_t = 4)]
    batch: usize,
    /// Learning rate.
    #[arg(long, default_value_t = 2e-3)]
    lr: f64,
    /// Seed of the initial weights, batches and noise.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write a checkpoint every this many steps.
    #[arg(long, default_value_t = 50)]
    checkpoint_every: usize,
    /// Continue from the checkpoint in --out.
    #[arg(long)]
    resume: bool,
    /// Train on square windows of this side cut from the frames (a multiple of 8, and
    /// of 32 for the shading network at --factor 4; 0: whole frames).
    #[arg(long, default_value_t = 128)]
    crop: usize,
    /// Stop after this many minutes (checkpointed; --resume continues).
    #[arg(long)]
    max_minutes: Option<f64>,
    /// The network: `shading`, the single-step shading UNet that ships, or `latent`, the
    /// first finisher's latent flow-matching model (ignored when resuming).
    #[arg(long, default_value = "shading", value_parser = ["shading", "latent"])]
    arch: String,
    /// Shading network: channels of its first level, at a quarter of the image's side
    /// (then 2x, 4x, 8x; ignored when resuming).
    #[arg(long, default_value_t = 32)]
    width: usize,
    /// Shading network: the space-to-depth fold, 2 or 4 (ignored when resuming).
    #[arg(long, default_value_t = 4)]
    factor: usize,
    /// Shading network: the weight of the objects' pixels (the scene's dynamic bodies) in
    /// the pixel loss, against 1 for floors, walls, sets and sky (at least 1).
    #[arg(long, default_value_t = 4.0)]
    object_weight: f32,
    /// Shading network: start from this shading checkpoint's weights instead of random
    /// ones (an unfolding head's weights are converted to the interpolating head's).
    #[arg(long)]
    init_from: Option<PathBuf>,
    /// Shading network: relative errors far above this count logarithmically in the pixel
    /// loss (a robust function against the fireflies of few-sample references); 0: off.
    #[arg(long, default_value_t = cinegraph::neural::train::ROBUST_SCALE)]
    robust_scale: f64,
    /// Shading network: how the head brings features to full resolution, `bilinear` or
    /// `unfold` (the first shipped weights'; ignored when resuming).
    #[arg(long, default_value = "bilinear", value_parser = ["bilinear", "unfold"])]
    head_upsample: String,
    /// Latent model: feature channels of the autoencoder (ignored when resuming).
    #[arg(long, default_value_t = 12)]
    ae_hidden: usize,
    /// Latent model: feature channels of the denoiser at the latent resolution, a
    /// multiple of 8 (ignored when resuming).
    #[arg(long, default_value_t = 24)]
    unet_hidden: usize,
}

// `cinegraph eval-finish`'s arguments.
#[derive(Debug, ClapArgs)]
pub struct EvalFinishArgs {
    /// The dataset folder.
    #[arg(long)]
    data: PathBuf,
    /// The checkpoint folder (from `cinegraph train`).
    #[arg(long)]
    checkpoint: PathBuf,
    /// Sampler steps (1-8, latent checkpoints; 1, as `render`'s default, is the model's
    /// best estimate; the shading network takes exactly 1).
    #[arg(long, default_value_t = 1)]
    steps: usize,
    /// Seed of the sampler's noise (latent checkpoints).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also write the numbers as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Also write a contact sheet (PNG): a row per held-out scene, columns preview,
    /// finish, reference, and the FLIP maps of preview and finish.
    #[arg(long)]
    sheet: Option<PathBuf>,
}

// `cinegraph prompt`'s arguments.
#[derive(Debug, ClapArgs)]
pub struct PromptArgs {
    /// The sentence, e.g. "a steel ball rolls down a wooden ramp into ten dominoes",
    /// or `-` to read it from standard input.
    #[arg(required = true, num_args = 1..)]
    text: Vec<String>,
    /// Write the scene here (.ron); without it (and without --render) it goes to stdout.
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// Also render the scene into this folder (the scene is saved there as scene.ron
    /// unless -o names a file).
    #[arg(long)]
    render: Option<PathBuf>,
    /// Seed of every random choice of the layout (and the scene's seed).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print what was understood, the defaults chosen, the words ignored and the
    /// intent check.
    #[arg(long)]
    explain: bool,
}

/// `--layout`: the output folder's file layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayoutArg {
    /// cinegraph's own layout.
    Native,
    /// Kubric's names, encodings and conventions, for datasets read by Kubric's tools.
    Kubric,
}

impl From<LayoutArg> for pipeline::Layout {
    fn from(l: LayoutArg) -> Self {
        match l {
            LayoutArg::Native => pipeline::Layout::Native,
            LayoutArg::Kubric => pipeline::Layout::Kubric,
        }
    }
}

/// Parses one `--buffers` entry into the [`BufferLayer`] of that [`BufferLayer::name`]
/// (spaces around it ignored, so `--buffers "depth, flow"` works as it always has); a bad
/// name is clap's usage error listing the possible values.
#[derive(Clone, Default)]
struct LayerParser;

impl LayerParser {
    fn names() -> impl Iterator<Item = &'static str> {
        BufferLayer::ALL.into_iter().map(BufferLayer::name)
    }
}

impl TypedValueParser for LayerParser {
    type Value = BufferLayer;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<BufferLayer, clap::Error> {
        let trimmed = value.to_str().map_or(value, |v| OsStr::new(v.trim()));
        let name = PossibleValuesParser::new(Self::names()).parse_ref(cmd, arg, trimmed)?;
        BufferLayer::parse(&name).ok_or_else(|| clap::Error::new(ErrorKind::InvalidValue))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(Self::names().map(PossibleValue::new)))
    }
}

/// Parses `--frames a..b` (end exclusive; spaces around the numbers allowed).
fn frame_range(s: &str) -> Result<Range<usize>, String> {
    let parsed = s
        .split_once("..")
        .and_then(|(a, b)| Some(a.trim().parse().ok()?..b.trim().parse().ok()?));
    parsed.ok_or_else(|| "expected a..b (end exclusive), e.g. 0..12".to_string())
}

#[derive(Debug, Subcommand)]
pub enum StylesCommand {
    /// List the styles with one line each (the default).
    List,
    /// Print a style resolved: every field, defaults written out.
    Show {
        /// A bundled name or alias, or a path to a style .ron file.
        name: String,
    },
    /// Render a scene in every bundled style into one contact sheet (a row per style).
    Preview {
        /// Scene file (.ron).
        scene: PathBuf,
        /// The sheet to write (PNG).
        #[arg(short, long, default_value = "styles.png")]
        out: PathBuf,
        /// Frames per style.
        #[arg(long, default_value_t = 4)]
        columns: usize,
    },
    /// Measure each look's contract on a scene: render a few frames small, compute the
    /// image statistics after the grade and print target vs measured, pass or fail.
    /// Exit status 1 when a target is missed.
    Check {
        /// Scene file (.ron).
        scene: PathBuf,
        /// Only this style (a bundled name or alias, or a style file); repeatable.
        /// Default: every bundled style.
        #[arg(long)]
        style: Vec<String>,
        /// Frames measured, spread over the clip.
        #[arg(long, default_value_t = 3)]
        frames: usize,
        /// The longer side of the frames, pixels.
        #[arg(long, default_value_t = 128)]
        size: u32,
        /// Also write a plot: per look its luminance histogram and hue wheel against
        /// its targets (PNG).
        #[arg(long)]
        plot: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// Print item N's scene file (RON, with what was drawn in a header comment).
    Show {
        /// Plan file (.ron).
        plan: PathBuf,
        /// The item's index, from 0.
        item: usize,
    },
    /// Render the items of one shard into OUT/items/NNNNNN/, skipping complete ones.
    /// Exit status 1 when an item failed (recorded in OUT/failed/; the others went on).
    Run {
        /// Plan file (.ron).
        plan: PathBuf,
        /// Output folder (created if missing), or an object store URL: file:///abs/path,
        /// and with the `cloud` feature s3://bucket/prefix, gs://…, az://….
        #[arg(short, long)]
        out: String,
        /// This shard, INDEX/COUNT (e.g. 3/8). Default: from the scheduler's
        /// environment (JOB_COMPLETION_INDEX with --shards, or SLURM_ARRAY_TASK_ID),
        /// else the whole plan.
        #[arg(long, value_parser = shard_arg, conflicts_with = "shards")]
        shard: Option<Shard>,
        /// The shard count, the index taken from the scheduler's environment.
        #[arg(long)]
        shards: Option<usize>,
    },
    /// Say which items of the batch in OUT are done, failed (with the error) or missing.
    /// Exit status 1 unless every item is done.
    Status {
        /// A batch's output folder or store URL.
        out: String,
        /// Check every file's hash too (default: sizes).
        #[arg(long)]
        verify: bool,
    },
    /// Check that every item is complete (hashes verified) and write OUT/index.jsonl,
    /// one JSON line per item: scene hash, seed, the values drawn, files, frames, time.
    Merge {
        /// A batch's output folder or store URL.
        out: String,
        /// Also write WebDataset tar shards of N items each into OUT/webdataset/.
        #[arg(long, value_name = "N")]
        webdataset: Option<usize>,
    },
    /// Print a Kubernetes manifest: a ConfigMap with the plan and an Indexed Job whose
    /// pods each render one shard into a PersistentVolumeClaim.
    K8s {
        /// Plan file (.ron).
        plan: PathBuf,
        /// The container image (see the Dockerfile).
        #[arg(long)]
        image: String,
        /// The PersistentVolumeClaim mounted at /out.
        #[arg(long, default_value = "cinegraph-out", conflicts_with = "out")]
        pvc: String,
        /// Write to this object store URL (s3://bucket/prefix, gs://…, az://…) instead
        /// of a PVC; the image must be built with the `cloud` feature.
        #[arg(short, long)]
        out: Option<String>,
        /// With --out: the Secret whose keys become the pods' environment (the
        /// store's credentials, e.g. AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).
        #[arg(long, requires = "out")]
        secret: Option<String>,
        /// Retries per shard (backoffLimitPerIndex).
        #[arg(long, default_value_t = 3)]
        retries: u32,
        #[command(flatten)]
        job: JobArgs,
    },
    /// Print an sbatch script: a job array with one task per shard.
    Slurm {
        /// Plan file (.ron), as the compute nodes see it.
        plan: PathBuf,
        /// Output folder, as the compute nodes see it (a shared file system), or an
        /// object store URL.
        #[arg(short, long)]
        out: String,
        /// The cinegraph binary on the compute nodes.
        #[arg(long, default_value = "cinegraph")]
        cinegraph: String,
        #[command(flatten)]
        job: JobArgs,
    },
}

/// What a cluster job asks for, per task (a Kubernetes pod, a Slurm array task).
#[derive(Debug, ClapArgs)]
pub struct JobArgs {
    /// Tasks at once.
    #[arg(long, default_value_t = 8)]
    parallelism: usize,
    /// Shards, one task each (default: 4 per task at once, at most one per item).
    #[arg(long)]
    shards: Option<usize>,
    /// One NVIDIA GPU per task, on GPU nodes.
    #[arg(long)]
    gpu: bool,
    /// CPU cores per task.
    #[arg(long, default_value_t = 2)]
    cpus: u32,
    /// Memory per task, GiB.
    #[arg(long, default_value_t = 8)]
    memory_gib: u32,
}

impl JobArgs {
    /// The job for `plan`: `--shards`, or 4 per task at once, at most one per item.
    fn spec(
        &self,
        plan: &batch::Plan,
        plan_text: String,
        base: Option<(String, String)>,
        retries: u32,
    ) -> Result<batch::cluster::JobSpec> {
        let shards = match self.shards {
            Some(0) => anyhow::bail!("--shards must be at least 1"),
            Some(n) => n.min(plan.count()),
            None => (4 * self.parallelism.max(1)).min(plan.count()),
        };
        Ok(batch::cluster::JobSpec {
            name: plan.file.name.clone(),
            shards,
            parallelism: self.parallelism.max(1),
            plan_text,
            base,
            gpu: self.gpu,
            cpus: self.cpus,
            memory_gib: self.memory_gib,
            retries,
        })
    }
}

fn shard_arg(s: &str) -> Result<Shard, String> {
    Shard::parse(s)
}

#[derive(Debug, Subcommand)]
pub enum ReplayCommand {
    /// Re-simulate a recorded run and prove it bit-identical, or say where it diverges.
    Verify {
        /// A replay.json written by `cinegraph simulate`.
        replay: PathBuf,
    },
}

/// How the process should exit.
pub enum Outcome {
    /// Exit 0.
    Ok,
    /// Exit 1: the work ran and found a failure (e.g. a replay diverged).
    Failed,
    /// Exit 2: the input is bad (reported already).
    BadInput,
}

/// A terminal progress bar on stderr, hidden when stderr is not a terminal.
struct Bar {
    bar: ProgressBar,
}

impl Bar {
    fn new(quiet: bool) -> Self {
        let bar = if quiet || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(0)
        };
        if let Ok(style) = ProgressStyle::with_template(
            "{prefix:>10} [{bar:40}] {pos}/{len} frames {elapsed_precise} eta {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        Self { bar }
    }
}

impl Progress for Bar {
    fn start(&self, stage: &str, total: u64) {
        self.bar.set_prefix(stage.to_string());
        self.bar.set_length(total);
        self.bar.set_position(0);
    }
    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }
    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Runs the parsed command.
///
/// # Errors
/// Any pipeline error, with context naming the file.
pub fn run(args: Args) -> Result<Outcome> {
    let (quiet, verbose) = (args.quiet, args.verbose > 0);
    match args.command {
        Command::Check { scenes } => check(&scenes),
        Command::Simulate {
            scene,
            out,
            plot,
            fluid_particles,
        } => {
            let bar = Bar::new(quiet);
            let report = pipeline::simulate_to_dir(&scene, &out, plot, fluid_particles, &bar)
                .with_context(|| format!("simulating {}", scene.display()))?;
            if !quiet {
                let mut out = std::io::stdout().lock();
                writeln!(
                    out,
                    "simulated \"{}\": {} frames, {} collisions, final state {}",
                    report.scene.name, report.frames, report.collisions, report.final_hash
                )?;
                for f in &report.files {
                    writeln!(out, "wrote {}", f.display())?;
                }
            }
            Ok(Outcome::Ok)
        }
        Command::Render(r) => render(r, quiet, verbose),
        Command::Styles { action } => styles(action.unwrap_or(StylesCommand::List), quiet),
        Command::Prompt(p) => run_prompt(p, quiet),
        Command::Batch { action } => batch_command(action, quiet),
        Command::Dataset(d) => dataset(d, quiet),
        Command::Train(t) => train(t, quiet),
        Command::EvalFinish(e) => eval_finish(e, quiet),
        Command::Replay {
            action: ReplayCommand::Verify { replay },
        } => verify(&replay, quiet),
    }
}

/// `cinegraph check`.
/// `, 2 characters (cameo: consent c-1 until 2099-12-31; "robot": glTF model, 1.75 m
/// tall)` for a scene with people;
/// empty without.
fn people(s: &cinegraph::scene::Scene) -> String {
    let n = s.characters.len();
    if n == 0 {
        return String::new();
    }
    let mut notes: Vec<String> = s
        .characters
        .iter()
        .filter_map(|c| c.cameo.as_ref())
        .map(|u| format!("cameo: consent {} until {}", u.consent_id, u.expires))
        .collect();
    notes.extend(s.characters.iter().filter(|c| c.model.is_some()).map(|c| {
        format!(
            "\"{}\": glTF model, {:.2} m tall",
            c.name,
            c.skeleton.height()
        )
    }));
    let plural = if n == 1 { "" } else { "s" };
    if notes.is_empty() {
        format!(", {n} character{plural}")
    } else {
        format!(", {n} character{plural} ({})", notes.join("; "))
    }
}

fn check(scenes: &[PathBuf]) -> Result<Outcome> {
    let mut out = std::io::stdout().lock();
    let mut failed = 0;
    for path in scenes {
        // Through the style loader, so that an unknown style is refused too.
        match style::load(path, None).map(|(s, _)| s) {
            Ok(s) => writeln!(
                out,
                "ok: {} \"{}\": {} entities, {} bodies, {} joints, {} frames at {} fps ({} physics steps){}",
                path.display(),
                s.name,
                s.entities.len(),
                s.bodies.len(),
                s.joints.len(),
                s.frame_count,
                s.fps,
                s.total_steps(),
                people(&s)
            )?,
            Err(e) => {
                failed += 1;
                eprintln!("error: {e}");
            }
        }
    }
    if failed > 0 {
        if scenes.len() > 1 {
            eprintln!("{failed} of {} scenes failed the check", scenes.len());
        }
        return Ok(Outcome::BadInput);
    }
    Ok(Outcome::Ok)
}

impl RenderArgs {
    /// The pipeline's options (clap has checked every value already).
    fn options(self) -> pipeline::RenderOptions {
        let layout = pipeline::Layout::from(self.layout);
        let mut opts = pipeline::RenderOptions {
            plot: self.plot,
            layout,
            style: self.style,
            contact_sheet: self.contact_sheet,
            provenance: self.provenance,
            signer: self.c2pa_cert.clone().zip(self.c2pa_key.clone()),
            reference: self
                .reference
                .then_some(cinegraph::reference::ReferenceOptions {
                    spp: self.spp,
                    max_bounces: self.bounces,
                    lens: cinegraph::reference::Lens {
                        aperture_f: self.aperture,
                        focus_distance: self.focus,
                    },
                    shutter_deg: self.shutter,
                    threads: 0,
                }),
            finish: (!self.no_finish && layout == pipeline::Layout::Native).then_some(
                pipeline::FinishOptions {
                    steps: self.finish_steps,
                    model: self.model,
                    prompt: self.prompt,
                    strength: self.strength,
                    guidance: self.guidance,
                },
            ),
            frames: self.frames,
            audio: !self.no_audio,
            watermark: self.watermark,
            ..Default::default()
        };
        if let Some(layers) = self.buffers {
            opts.layers = layers;
        }
        opts
    }
}

/// `cinegraph render`; with `verbose`, where the time went (stderr).
fn render(args: RenderArgs, quiet: bool, verbose: bool) -> Result<Outcome> {
    let (scene, out) = (args.scene.clone(), args.out.clone());
    let opts = args.options();
    let bar = Bar::new(quiet);
    let report = pipeline::render_to_dir(&scene, &out, &opts, &bar)
        .with_context(|| format!("rendering {}", scene.display()))?;
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    if !quiet {
        writeln!(
            std::io::stdout(),
            "rendered {} frames ({} already complete) into {} on {}",
            report.rendered,
            report.skipped,
            out.display(),
            report.adapter
        )?;
        if let Some(r) = &report.reference {
            writeln!(
                std::io::stdout(),
                "traced {} reference frames ({} already complete) at {} spp, {:.2} s per frame",
                r.rendered,
                r.skipped,
                r.spp,
                r.seconds_per_frame
            )?;
        }
    }
    if verbose {
        eprintln!("stages: {}", report.stages);
    }
    Ok(Outcome::Ok)
}

/// `cinegraph batch …`.
fn batch_command(action: BatchCommand, quiet: bool) -> Result<Outcome> {
    let mut stdout = std::io::stdout().lock();
    match action {
        BatchCommand::Show { plan, item } => {
            let plan = batch::load(&plan)?;
            let item = plan.item(item)?;
            stdout.write_all(item.text.as_bytes())?;
            Ok(Outcome::Ok)
        }
        BatchCommand::Run {
            plan,
            out,
            shard,
            shards,
        } => {
            let plan_path = plan;
            let plan = batch::load(&plan_path)?;
            let shard = match shard {
                Some(s) => s,
                None => Shard::from_env(shards, |k| std::env::var(k).ok())
                    .map_err(anyhow::Error::msg)?
                    .map_or_else(
                        || match shards {
                            Some(_) => Err(anyhow::anyhow!(
                                "--shards needs the index from the scheduler (JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID); on one machine pass --shard INDEX/COUNT"
                            )),
                            None => Ok(Shard::ALL),
                        },
                        Ok,
                    )?,
            };
            let bar = Bar::new(quiet);
            let out = BatchOut::parse(&out)?;
            let report = pipeline::batch_run(&plan, &out, shard, &bar).with_context(|| {
                format!("running {} into {}", plan_path.display(), out.name(""))
            })?;
            for (i, w) in &report.warnings {
                eprintln!("warning: item {i}: {w}");
            }
            for (i, e) in &report.failed {
                eprintln!("error: item {i}: {e}");
            }
            if !quiet {
                writeln!(
                    stdout,
                    "shard {shard}: rendered {} items, {} already complete, {} failed, into {}",
                    report.rendered.len(),
                    report.skipped.len(),
                    report.failed.len(),
                    out.name("items")
                )?;
            }
            Ok(if report.failed.is_empty() {
                Outcome::Ok
            } else {
                Outcome::Failed
            })
        }
        BatchCommand::Status { out, verify } => {
            let out = BatchOut::parse(&out)?;
            let info = pipeline::BatchInfo::read(&out)
                .with_context(|| format!("{} is not a batch output", out.name("")))?;
            let st = pipeline::batch_status(&info, &out, verify)
                .with_context(|| format!("reading {}", out.name("")))?;
            writeln!(
                stdout,
                "plan \"{}\" (hash {}): {} items: {} done, {} failed, {} missing, {} corrupt",
                info.name,
                info.hash,
                info.count,
                st.done.len(),
                st.failed.len(),
                st.missing.len(),
                st.corrupt.len()
            )?;
            if !st.missing.is_empty() {
                writeln!(stdout, "missing: {}", pipeline::batch_ranges(&st.missing))?;
            }
            for (i, e) in &st.failed {
                writeln!(stdout, "failed {i}: {e}")?;
            }
            for (i, e) in &st.corrupt {
                writeln!(stdout, "corrupt {i}: {e} (batch run renders it again)")?;
            }
            Ok(if st.done.len() == info.count {
                Outcome::Ok
            } else {
                Outcome::Failed
            })
        }
        BatchCommand::Merge { out, webdataset } => {
            let out = BatchOut::parse(&out)?;
            let m = pipeline::batch_merge(&out, webdataset)
                .with_context(|| format!("merging {}", out.name("")))?;
            if !quiet {
                writeln!(
                    stdout,
                    "indexed {} items ({:.1} MB) into {}{}",
                    m.items,
                    m.bytes as f64 / 1e6,
                    m.index,
                    if m.cleaned > 0 {
                        format!("; removed {} leftover partial folders", m.cleaned)
                    } else {
                        String::new()
                    }
                )?;
                if !m.shards.is_empty() {
                    writeln!(
                        stdout,
                        "wrote {} WebDataset shards into {}",
                        m.shards.len(),
                        out.name("webdataset")
                    )?;
                }
            }
            Ok(Outcome::Ok)
        }
        BatchCommand::K8s {
            plan,
            image,
            pvc,
            out,
            secret,
            retries,
            job,
        } => {
            let loaded = batch::load(&plan)?;
            let (plan_text, base) = batch::cluster::portable_plan(&loaded)?;
            let spec = job.spec(&loaded, plan_text, base, retries)?;
            let target = match out {
                Some(url) => {
                    if !url.contains("://") || url.starts_with("file://") {
                        return Err(pipeline::PipelineError::BadOption(format!(
                            "--out {url}: a pod writes to an object store URL (s3://bucket/prefix, gs://…, az://…); for a volume use --pvc"
                        ))
                        .into());
                    }
                    batch::cluster::K8sOut::Store { url, secret }
                }
                None => batch::cluster::K8sOut::Pvc(pvc),
            };
            stdout.write_all(batch::cluster::kubernetes(&spec, &image, &target).as_bytes())?;
            Ok(Outcome::Ok)
        }
        BatchCommand::Slurm {
            plan,
            out,
            cinegraph,
            job,
        } => {
            let loaded = batch::load(&plan)?;
            let spec = job.spec(&loaded, String::new(), None, 0)?;
            let script =
                batch::cluster::slurm(&spec, &plan.display().to_string(), &out, &cinegraph);
            stdout.write_all(script.as_bytes())?;
            Ok(Outcome::Ok)
        }
    }
}

/// `cinegraph replay verify`.
fn verify(replay: &std::path::Path, quiet: bool) -> Result<Outcome> {
    let bar = Bar::new(quiet);
    let outcome = pipeline::verify_replay(replay, &bar)
        .with_context(|| format!("verifying {}", replay.display()))?;
    match outcome {
        VerifyOutcome::Identical { frames } => {
            writeln!(std::io::stdout(), "bit-identical, {frames} frames")?;
            Ok(Outcome::Ok)
        }
        VerifyOutcome::Diverged {
            frame,
            time,
            entity,
            expected,
            found,
        } => {
            let who = entity.map_or_else(
                || "an entity (no metadata.json beside the replay to say which)".to_string(),
                |e| format!("entity \"{e}\""),
            );
            writeln!(
                std::io::stdout(),
                "diverged at frame {frame} (t = {time:.4} s): {who} differs; state hash {found}, recorded {expected}"
            )?;
            Ok(Outcome::Failed)
        }
    }
}

fn styles(action: StylesCommand, quiet: bool) -> Result<Outcome> {
    let mut out = std::io::stdout().lock();
    match action {
        StylesCommand::List => {
            let all = cinegraph::style::bundled()?;
            let width = all.iter().map(|s| s.name().len()).max().unwrap_or(0);
            for s in &all {
                writeln!(out, "{:width$}  {}", s.name(), s.file.summary)?;
            }
            Ok(Outcome::Ok)
        }
        StylesCommand::Show { name } => {
            match cinegraph::style::resolve(&name, std::path::Path::new(".")) {
                Ok(s) => {
                    writeln!(out, "// {} ({})", s.name(), s.origin)?;
                    writeln!(out, "{}", s.to_ron())?;
                    Ok(Outcome::Ok)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(Outcome::BadInput)
                }
            }
        }
        StylesCommand::Preview {
            scene,
            out: sheet,
            columns,
        } => {
            if columns == 0 {
                eprintln!("error: --columns must be at least 1");
                return Ok(Outcome::BadInput);
            }
            let bar = Bar::new(quiet);
            let names = pipeline::styles_preview(&scene, &sheet, columns, &bar)
                .with_context(|| format!("previewing styles of {}", scene.display()))?;
            if !quiet {
                writeln!(
                    out,
                    "wrote {}: one row per style, top to bottom: {}",
                    sheet.display(),
                    names.join(", ")
                )?;
            }
            Ok(Outcome::Ok)
        }
        StylesCommand::Check {
            scene,
            style,
            frames,
            size,
            plot,
        } => {
            if frames == 0 || !(8..=4096).contains(&size) {
                eprintln!("error: --frames must be at least 1 and --size in [8, 4096]");
                return Ok(Outcome::BadInput);
            }
            let opts = pipeline::CheckOptions {
                styles: style,
                frames,
                size: Some(size),
            };
            let bar = Bar::new(quiet);
            let checks = pipeline::styles_check(&scene, &opts, &bar)
                .with_context(|| format!("checking styles on {}", scene.display()))?;
            for c in &checks {
                write_check(&mut out, &scene, c)?;
            }
            if let Some(path) = plot {
                pipeline::write_check_plot(&path, &checks)
                    .with_context(|| format!("writing {}", path.display()))?;
                if !quiet {
                    writeln!(out, "wrote {}", path.display())?;
                }
            }
            let failed: Vec<&str> = checks
                .iter()
                .filter(|c| !c.passes())
                .map(|c| c.style.as_str())
                .collect();
            if failed.is_empty() {
                Ok(Outcome::Ok)
            } else {
                eprintln!(
                    "warning: {} cannot reach every target on {}: {} (the failing statistics are marked FAIL above)",
                    failed.join(", "),
                    scene.display(),
                    if failed.len() == 1 {
                        "it misses"
                    } else {
                        "they miss"
                    }
                );
                Ok(Outcome::Failed)
            }
        }
    }
}

/// One look's table: target vs measured, pass or fail, and the source of each range.
fn write_check(
    out: &mut impl Write,
    scene: &std::path::Path,
    c: &pipeline::StyleCheck,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{} on {} ({} frames at {}x{}): {} of {} targets met",
        c.style,
        scene.display(),
        c.frames.len(),
        c.size.0,
        c.size.1,
        c.rows.iter().filter(|r| r.passes()).count(),
        c.rows.len()
    )?;
    writeln!(
        out,
        "  {:<14} {:>17}  {:>9}  verdict  source",
        "statistic", "target", "measured"
    )?;
    for r in &c.rows {
        let (lo, hi) = r.target.range;
        let value = r
            .value
            .map_or_else(|| "undefined".to_string(), |v| format!("{v:.3}"));
        writeln!(
            out,
            "  {:<14} {:>17}  {:>9}  {:<7}  {}",
            r.target.stat.name(),
            format!("{lo:.3} .. {hi:.3}"),
            value,
            if r.passes() { "pass" } else { "FAIL" },
            r.target.source
        )?;
    }
    let others: Vec<String> = c
        .measured
        .values
        .iter()
        .filter(|(stat, _)| !c.rows.iter().any(|r| r.target.stat == **stat))
        .map(|(stat, v)| format!("{} {v:.3}", stat.name()))
        .collect();
    if !others.is_empty() {
        writeln!(out, "  not targeted: {}", others.join(", "))?;
    }
    Ok(())
}

/// `cinegraph prompt`: generate, write, explain, and optionally render.
fn run_prompt(args: PromptArgs, quiet: bool) -> Result<Outcome> {
    use cinegraph::prompt::{self, PromptOptions};
    let PromptArgs {
        text,
        out,
        render,
        seed,
        explain,
    } = args;
    let text = if text == ["-"] {
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .context("reading the prompt from standard input")?;
        match String::from_utf8(buf) {
            Ok(t) => t,
            Err(e) => {
                eprintln!(
                    "error: the prompt on standard input is not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                );
                return Ok(Outcome::BadInput);
            }
        }
    } else {
        text.join(" ")
    };
    let generated = match prompt::generate(&text, &PromptOptions { seed }) {
        Ok(g) => g,
        Err(e) if e.is_bad_input() => {
            eprintln!("error: {e}");
            return Ok(Outcome::BadInput);
        }
        Err(e) => return Err(e).context("generating the scene"),
    };
    let scene_path = match (&out, &render) {
        (Some(p), _) => Some(p.clone()),
        (None, Some(dir)) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            Some(dir.join("scene.ron"))
        }
        (None, None) => None,
    };
    let mut stdout = std::io::stdout().lock();
    match &scene_path {
        Some(p) => {
            cinegraph::files::write_atomic(p, generated.ron.as_bytes())?;
            if !quiet {
                writeln!(stdout, "wrote {}", p.display())?;
            }
        }
        None => stdout.write_all(generated.ron.as_bytes())?,
    }
    if explain {
        // The explanation goes to stdout unless stdout carries the scene.
        if scene_path.is_some() {
            write!(stdout, "{}", generated.explain)?;
        } else {
            eprint!("{}", generated.explain);
        }
    } else if !quiet {
        for w in &generated.explain.warnings {
            eprintln!("warning: {w}");
        }
    }
    drop(stdout);
    if let (Some(dir), Some(scene)) = (render, scene_path) {
        let bar = Bar::new(quiet);
        // Straight through, as `cinegraph render` does by default: finished frames.
        let opts = pipeline::RenderOptions {
            finish: Some(pipeline::FinishOptions::default()),
            ..Default::default()
        };
        let report = pipeline::render_to_dir(&scene, &dir, &opts, &bar)
            .with_context(|| format!("rendering {}", scene.display()))?;
        for w in &report.warnings {
            eprintln!("warning: {w}");
        }
        if !quiet {
            writeln!(
                std::io::stdout(),
                "rendered {} frames into {} on {}",
                report.rendered,
                dir.display(),
                report.adapter
            )?;
        }
    }
    Ok(Outcome::Ok)
}

/// A neural command's error: bad input is reported here (exit 2), the rest goes up.
fn neural_error(e: cinegraph::neural::NeuralError) -> Result<Outcome> {
    if e.is_bad_input() {
        eprintln!("error: {e}");
        Ok(Outcome::BadInput)
    } else {
        Err(e.into())
    }
}

/// `cinegraph dataset`.
fn dataset(args: DatasetArgs, quiet: bool) -> Result<Outcome> {
    let opts = pipeline::DatasetOptions {
        scenes: args.scenes,
        seed: args.seed,
        frames: args.frames,
        size: args.size,
        spp: args.spp,
        threads: 0,
        held_out_only: args.held_out_only,
    };
    let dir = args.out;
    match pipeline::write_dataset(&dir, &opts, &Bar::new(quiet)) {
        Ok(r) => {
            if !quiet {
                writeln!(
                    std::io::stdout(),
                    "wrote {} scenes ({} already complete, {} held out) into {}; reference {:.2} s per frame",
                    r.rendered,
                    r.skipped,
                    r.held_out,
                    dir.display(),
                    r.reference_seconds_per_frame
                )?;
            }
            Ok(Outcome::Ok)
        }
        Err(e) if e.is_bad_input() => {
            eprintln!("error: {e}");
            Ok(Outcome::BadInput)
        }
        Err(e) => Err(e).with_context(|| format!("writing the dataset into {}", dir.display())),
    }
}

/// `cinegraph train`.
fn train(args: TrainArgs, quiet: bool) -> Result<Outcome> {
    use cinegraph::neural::train;
    let dir = args.out.clone();
    let opts = train::TrainOptions {
        data: args.data,
        out: args.out,
        steps: args.steps,
        batch: args.batch,
        lr: args.lr,
        seed: args.seed,
        checkpoint_every: args.checkpoint_every,
        resume: args.resume,
        crop: args.crop,
        max_minutes: args.max_minutes,
        object_weight: args.object_weight,
        init_from: args.init_from,
        robust_scale: args.robust_scale,
        arch: if args.arch == "latent" {
            train::Arch::Latent(
                cinegraph::neural::AutoencoderConfig {
                    hidden: args.ae_hidden,
                    ..Default::default()
                },
                cinegraph::neural::DenoiserConfig {
                    hidden: args.unet_hidden,
                    ..Default::default()
                },
            )
        } else {
            train::Arch::Shading(cinegraph::neural::shading::ShadingConfig {
                width: args.width,
                factor: args.factor,
                upsample: if args.head_upsample == "unfold" {
                    cinegraph::neural::shading::HeadUpsample::Unfold
                } else {
                    cinegraph::neural::shading::HeadUpsample::Bilinear
                },
                ..Default::default()
            })
        },
    };
    match train::train(&opts, &Bar::new(quiet)) {
        Ok(r) => {
            if !quiet {
                writeln!(
                    std::io::stdout(),
                    "trained steps {}..{} ({} parameters): loss {:.5} -> {:.5} (means of up to 10 steps), {:.3} s per step; checkpoint in {}",
                    r.start_step,
                    r.end_step,
                    r.parameters,
                    r.first_loss,
                    r.last_loss,
                    r.seconds_per_step,
                    dir.display()
                )?;
            }
            Ok(Outcome::Ok)
        }
        Err(e) => neural_error(e),
    }
}

/// `cinegraph eval-finish`.
fn eval_finish(args: EvalFinishArgs, quiet: bool) -> Result<Outcome> {
    use cinegraph::neural::train;
    let bar = Bar::new(quiet);
    match train::evaluate(
        &args.data,
        &args.checkpoint,
        args.steps,
        args.seed,
        args.sheet.as_deref(),
        &bar,
    ) {
        Ok(r) => {
            train::write_eval_table(&mut std::io::stdout().lock(), &r)?;
            if let Some(path) = args.json {
                cinegraph::files::write_json(&path, &r)?;
            }
            Ok(Outcome::Ok)
        }
        Err(e) => neural_error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_ranges_parse_with_spaces_and_refuse_anything_else() {
        assert_eq!(frame_range("0..12"), Ok(0..12));
        assert_eq!(frame_range(" 3 .. 7 "), Ok(3..7));
        for bad in ["0-12", "..4", "a..b", "3", "-1..2"] {
            assert!(frame_range(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn flags_parse_into_types_and_bad_values_are_usage_errors() {
        let args = Args::try_parse_from([
            "cinegraph",
            "render",
            "s.ron",
            "-o",
            "out",
            "--layout",
            "kubric",
            "--buffers",
            "depth, flow",
            "--frames",
            "2..5",
        ]);
        let Ok(Args {
            command: Command::Render(r),
            ..
        }) = args
        else {
            panic!("{args:?}");
        };
        assert_eq!(r.layout, LayoutArg::Kubric);
        assert_eq!(r.buffers, Some(vec![BufferLayer::Depth, BufferLayer::Flow]));
        assert_eq!(r.frames, Some(2..5));
        for (flag, value) in [
            ("--layout", "kubrik"),
            ("--buffers", "depth,flwo"),
            ("--frames", "0-12"),
        ] {
            let e = Args::try_parse_from(["cinegraph", "render", "s.ron", "-o", "o", flag, value])
                .unwrap_err();
            // Usage errors: main exits 2 for every kind but help and version.
            assert!(
                matches!(
                    e.kind(),
                    clap::error::ErrorKind::InvalidValue | clap::error::ErrorKind::ValueValidation
                ),
                "{e}"
            );
            assert!(e.to_string().contains(flag), "{e}");
        }
    }
}
