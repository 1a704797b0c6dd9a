//! The `cinegraph` binary: parse arguments, run, map errors to exit codes
//! (0 ok, 1 failed, 2 bad input or usage).

mod cli;

use std::process::ExitCode;

use cinegraph::batch::PlanError;
use cinegraph::neural::NeuralError;
use cinegraph::pipeline::PipelineError;
use clap::Parser;

fn main() -> ExitCode {
    // Mesa's Vulkan device-select layer complains about a missing XDG_RUNTIME_DIR on
    // headless machines; it selects nothing we need.
    if std::env::var_os("NODEVICE_SELECT").is_none() {
        // SAFETY: no other thread exists yet, so nothing reads the environment concurrently.
        unsafe { std::env::set_var("NODEVICE_SELECT", "1") };
    }
    let args = match cli::Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(2),
            };
        }
    };
    // wgpu probes every backend and logs the ones this machine lacks (e.g. no EGL
    // driver) as errors; they are noise unless asked for.
    let filter = match args.verbose {
        0 => "warn,wgpu_hal=off,wgpu_core=off",
        1 => "info",
        _ => "debug",
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter)),
        )
        .try_init();
    match cli::run(args) {
        Ok(cli::Outcome::Ok) => ExitCode::SUCCESS,
        Ok(cli::Outcome::Failed) => ExitCode::from(1),
        Ok(cli::Outcome::BadInput) => ExitCode::from(2),
        Err(e) => {
            if is_closed_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {}", message(&e));
            ExitCode::from(if is_bad_input(&e) { 2 } else { 1 })
        }
    }
}

/// The error and its causes joined by ": ", as `{:#}` does, but without a cause whose
/// text the message before it already ends with (an error that prints its source and
/// also returns it from `source()`, as `cannot read PATH: {source}` does).
fn message(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if text.is_empty() {
            text = part;
        } else if !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
    }
    text
}

/// Whether the user's input is at fault (exit 2) rather than the program or the system
/// (exit 1), as the outermost library error in the chain says by its variant (an inner
/// one may be the cause of a failure that is not the input's, e.g. a generated dataset
/// scene).
fn is_bad_input(e: &anyhow::Error) -> bool {
    e.chain()
        .find_map(|c| {
            if let Some(p) = c.downcast_ref::<PipelineError>() {
                Some(p.is_bad_input())
            } else if let Some(p) = c.downcast_ref::<PlanError>() {
                Some(p.is_bad_input())
            } else {
                c.downcast_ref::<NeuralError>()
                    .map(NeuralError::is_bad_input)
            }
        })
        .unwrap_or(false)
}

fn is_closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
