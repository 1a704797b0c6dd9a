//! `cinegraph simulate` and `cinegraph replay verify`: scene -> simulation -> the
//! simulation's files, and the check that re-runs a recorded scene and compares it bit
//! for bit.

use std::path::{Path, PathBuf};

use super::PipelineError;
use crate::files;
use crate::output::{self, MetadataFile, ReplayFile};
use crate::physics::{self, Simulation};
use crate::progress::Progress;
use crate::scene::Scene;
use crate::style;

/// What `simulate` produced.
#[derive(Debug)]
pub struct SimulateReport {
    /// The validated scene.
    pub scene: Scene,
    /// Frames simulated.
    pub frames: usize,
    /// Contacts recorded.
    pub collisions: usize,
    /// Files written.
    pub files: Vec<PathBuf>,
    /// State hash of the last frame.
    pub final_hash: String,
}

/// Loads, simulates and writes `metadata.json`, `events.json`, `replay.json` (and
/// `energy.png` when `plot`) into `out`.
///
/// # Errors
/// [`PipelineError`] from whichever stage failed; nothing is left half-written.
pub fn simulate_to_dir(
    scene_path: &Path,
    out: &Path,
    plot: bool,
    fluid_particles: bool,
    progress: &dyn Progress,
) -> Result<SimulateReport, PipelineError> {
    let (scene, _) = style::load(scene_path, None)?;
    let traj = physics::simulate(&scene, progress)?;
    let mut files = output::write_simulation(out, &scene, &traj, plot)?;
    if fluid_particles {
        files.push(output::write_fluid_particles(out, &scene, &traj)?);
    }
    Ok(SimulateReport {
        frames: traj.frames.len(),
        collisions: traj.collisions.len(),
        final_hash: traj
            .frames
            .last()
            .map(|f| f.state_hash.clone())
            .unwrap_or_default(),
        files,
        scene,
    })
}

/// The result of re-running a replay.
#[derive(Debug, Clone, PartialEq)]
pub enum VerifyOutcome {
    /// Every frame hash matched.
    Identical {
        /// Frames compared.
        frames: usize,
    },
    /// The re-run differs.
    Diverged {
        /// First differing frame.
        frame: usize,
        /// Its time, s.
        time: f64,
        /// The entity whose state differs first, when `metadata.json` sits beside the
        /// replay and says so.
        entity: Option<String>,
        /// Hash recorded.
        expected: String,
        /// Hash now.
        found: String,
    },
}

/// Re-simulates the scene recorded in `replay.json` and compares every frame's state
/// hash. When they differ and `metadata.json` lies beside the replay, names the first
/// entity whose recorded pose or velocity differs.
///
/// # Errors
/// [`PipelineError::Replay`] for an unusable record, or the errors of loading and
/// simulating the scene.
pub fn verify_replay(
    replay_path: &Path,
    progress: &dyn Progress,
) -> Result<VerifyOutcome, PipelineError> {
    let replay: ReplayFile = files::read_json(replay_path)?;
    let bad = |message: String| PipelineError::Replay {
        path: replay_path.to_path_buf(),
        message,
    };
    if replay.format != "cinegraph/replay/1" {
        return Err(bad(format!(
            "format is \"{}\", expected \"cinegraph/replay/1\"",
            replay.format
        )));
    }
    let replay_dir = replay_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let base = replay
        .scene_path
        .as_ref()
        .map(PathBuf::from)
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .filter(|p| p.is_dir())
        .unwrap_or_else(|| replay_dir.to_path_buf());
    let origin = format!("{} (scene_source)", replay_path.display());
    let (scene, _) = style::parse_str(&replay.scene_source, &origin, &base, None)?;
    if scene.source.hash != replay.scene_hash {
        return Err(bad(format!(
            "the scene's hash is {} now but {} when recorded: a mesh file it loads has changed",
            scene.source.hash, replay.scene_hash
        )));
    }
    if replay.frame_hashes.len() != scene.frame_count as usize {
        return Err(bad(format!(
            "records {} frames but the scene has {}",
            replay.frame_hashes.len(),
            scene.frame_count
        )));
    }
    let mut sim = Simulation::new(&scene)?;
    progress.start("verify", u64::from(scene.frame_count));
    for (k, expected) in replay.frame_hashes.iter().enumerate() {
        if k > 0 {
            for _ in 0..scene.substeps() {
                sim.step();
            }
        }
        let state = sim.sample(&scene);
        progress.advance(1);
        if &state.state_hash != expected {
            progress.finish();
            let entity = first_divergent_entity(replay_dir, &scene, k, &state);
            return Ok(VerifyOutcome::Diverged {
                frame: k,
                time: state.time,
                entity,
                expected: expected.clone(),
                found: state.state_hash,
            });
        }
    }
    progress.finish();
    Ok(VerifyOutcome::Identical {
        frames: replay.frame_hashes.len(),
    })
}

fn first_divergent_entity(
    dir: &Path,
    scene: &Scene,
    frame: usize,
    state: &physics::FrameState,
) -> Option<String> {
    let meta: MetadataFile = files::read_json(&dir.join("metadata.json")).ok()?;
    if meta.scene.hash != scene.source.hash {
        return None;
    }
    let bits3 = |v: [f32; 3]| v.map(f32::to_bits);
    for (i, obj) in meta.objects.iter().enumerate() {
        let (Some(p), Some(r), Some(v), Some(w)) = (
            obj.positions.get(frame),
            obj.rotations.get(frame),
            obj.linear_velocities.get(frame),
            obj.angular_velocities.get(frame),
        ) else {
            continue;
        };
        let same = bits3(*p) == bits3(state.poses.get(i)?.translation.to_array())
            && r.map(f32::to_bits) == state.poses[i].rotation.to_array().map(f32::to_bits)
            && bits3(*v) == bits3(state.linvel[i].to_array())
            && bits3(*w) == bits3(state.angvel[i].to_array());
        if !same {
            return Some(obj.name.clone());
        }
    }
    None
}
