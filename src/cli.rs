//! Command line: clap arguments -> pipeline calls -> what the user reads.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use cinegraph::pipeline::{self, VerifyOutcome};
use cinegraph::progress::Progress;
use cinegraph::scene;

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
    },
    /// Work with replay records.
    Replay {
        #[command(subcommand)]
        action: ReplayCommand,
    },
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
    match args.command {
        Command::Check { scenes } => {
            let mut out = std::io::stdout().lock();
            let mut failed = 0;
            for path in &scenes {
                match scene::load(path) {
                    Ok(s) => writeln!(
                        out,
                        "ok: {} \"{}\": {} entities, {} bodies, {} joints, {} frames at {} fps ({} physics steps)",
                        path.display(),
                        s.name,
                        s.entities.len(),
                        s.bodies.len(),
                        s.joints.len(),
                        s.frame_count,
                        s.fps,
                        s.total_steps()
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
        Command::Simulate { scene, out, plot } => {
            let bar = Bar::new(args.quiet);
            let report = pipeline::simulate_to_dir(&scene, &out, plot, &bar)
                .with_context(|| format!("simulating {}", scene.display()))?;
            if !args.quiet {
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
        Command::Replay {
            action: ReplayCommand::Verify { replay },
        } => {
            let bar = Bar::new(args.quiet);
            let outcome = pipeline::verify_replay(&replay, &bar)
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
                        || {
                            "an entity (no metadata.json beside the replay to say which)"
                                .to_string()
                        },
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
    }
}
