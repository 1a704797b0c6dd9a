//! The sound stage on the domino run (`scenes/domino_run.ron`): synthesizing the whole
//! clip's track from its contacts (simulated once, outside the timing), and the same
//! track's WAV and Opus encoding. Prints the strikes, the mode-samples computed and the
//! cost per active voice per second of audio.
//!
//! `cargo bench --bench audio`; `scripts/bench-record.sh` records the figures in
//! `docs/benchmarks.md`.

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use cinegraph::audio;
use cinegraph::physics::simulate_with_sound;
use cinegraph::progress::Silent;
use common::{load_scene, or_die};
use criterion::{Criterion, criterion_group, criterion_main};

fn sound(c: &mut Criterion) {
    let scene = load_scene("scenes/domino_run.ron");
    let traj = or_die(
        simulate_with_sound(&scene, &Silent),
        "simulating the domino run",
    );
    let plan = or_die(
        cinegraph::camera::plan(&scene, &traj),
        "framing the domino run",
    );
    let track = or_die(
        audio::synthesize(&scene, &traj, &plan.frames),
        "synthesizing the domino run",
    );
    let seconds = track.left.len() as f64 / f64::from(track.rate);
    // One untimed pass measured by hand for the per-voice figure.
    let t = Instant::now();
    black_box(or_die(
        audio::synthesize(&scene, &traj, &plan.frames),
        "synthesizing",
    ));
    let wall = t.elapsed().as_secs_f64();
    let mode_seconds = track.stats.mode_samples as f64 / f64::from(track.rate);
    let voice_seconds = track.stats.voice_samples as f64 / f64::from(track.rate);
    eprintln!(
        "domino run: {} frames, {seconds:.2} s of audio, {} strikes, {} sliding/rolling \
         samples, {} banks, peak {} voices; {wall:.3} s; {voice_seconds:.1} voice-seconds: \
         {:.0} µs of CPU per active voice per second of audio; {mode_seconds:.1} \
         mode-seconds: {:.2} µs per mode per second of audio",
        scene.frame_count,
        track.stats.strikes,
        track.stats.continuous,
        track.stats.banks,
        track.stats.peak_voices,
        wall / voice_seconds.max(1e-9) * 1e6,
        wall / mode_seconds.max(1e-9) * 1e6,
    );
    let mut group = c.benchmark_group("audio");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("domino_run_synthesize", |b| {
        b.iter(|| black_box(audio::synthesize(&scene, &traj, &plan.frames)))
    });
    group.bench_function("domino_run_wav_and_opus", |b| {
        b.iter(|| {
            let _ = black_box(audio::encode::wav_bytes(&track).map(|w| w.len()));
            black_box(audio::encode::opus_packets(&track).map(|p| p.len()))
        })
    });
    group.finish();
}

criterion_group!(benches, sound);
criterion_main!(benches);
