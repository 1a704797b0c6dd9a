//! The physics and scene stages on the reference cube drops (`benches/cubes_100.ron`,
//! `benches/cubes_1000.ron`): 480 physics steps on one thread, the simulation built
//! outside the timing; parsing plus validating each scene file (expanding its `Grid`);
//! and cloth: 240 steps (1 s) of the bundled flag (925 vertices in the wind) and of a
//! 4 225-vertex sheet falling onto a ball (`benches/cloth_4k.ron`); throughput in
//! vertex-steps.
//!
//! `cargo bench --bench physics`; `scripts/bench-record.sh` records the figures in
//! `docs/benchmarks.md`.

mod common;

use std::hint::black_box;
use std::time::Duration;

use cinegraph::physics::Simulation;
use common::{load_scene, or_die, repo_path};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

/// Physics steps per timed run.
const STEPS: u64 = 480;

/// The two cube drops: (cubes, scene file).
const DROPS: [(usize, &str); 2] = [
    (100, "benches/cubes_100.ron"),
    (1000, "benches/cubes_1000.ron"),
];

/// Times `n` physics steps of a fresh simulation of `scene` (built outside the timing,
/// dropped after it).
fn steps(b: &mut criterion::Bencher<'_>, scene: &cinegraph::scene::Scene, n: u64) {
    b.iter_batched(
        || or_die(Simulation::new(scene), "building the simulation"),
        |mut sim| {
            for _ in 0..n {
                sim.step();
            }
            black_box(&sim);
            sim
        },
        BatchSize::PerIteration,
    );
}

fn physics(c: &mut Criterion) {
    let mut group = c.benchmark_group("physics");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for (n, file) in DROPS {
        let scene = load_scene(file);
        assert_eq!(
            scene.bodies.len(),
            n + 1,
            "{file}: expected {n} cubes and the ground"
        );
        group.throughput(Throughput::Elements(STEPS));
        group.bench_function(format!("cubes_{n}_480_steps"), |b| steps(b, &scene, STEPS));
    }
    group.finish();
}

fn scene(c: &mut Criterion) {
    let mut group = c.benchmark_group("scene");
    group.sample_size(20);
    for (n, file) in DROPS {
        let text = or_die(
            std::fs::read_to_string(repo_path(file)),
            &format!("reading {file}"),
        );
        group.bench_function(format!("parse_validate_cubes_{n}"), |b| {
            b.iter(|| {
                let scene = or_die(
                    cinegraph::scene::parse_str(black_box(&text), file, ".".as_ref()),
                    "parsing and validating",
                );
                assert_eq!(scene.bodies.len(), n + 1, "{file}: wrong body count");
                scene
            })
        });
    }
    group.finish();
}

/// The cloth cases: (name, scene file, vertices).
const CLOTHS: [(&str, &str, u64); 2] = [
    ("flag_925", "scenes/flag_wind.ron", 925),
    ("sheet_4225", "benches/cloth_4k.ron", 4225),
];

/// Physics steps per timed cloth run (one second at 240 Hz).
const CLOTH_STEPS: u64 = 240;

fn cloth(c: &mut Criterion) {
    let mut group = c.benchmark_group("cloth");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for (name, file, vertices) in CLOTHS {
        let scene = load_scene(file);
        let counted: usize = scene.cloths.iter().map(|c| c.vertex_count()).sum();
        assert_eq!(counted as u64, vertices, "{file}: vertex count");
        group.throughput(Throughput::Elements(vertices * CLOTH_STEPS));
        group.bench_function(format!("{name}_240_steps"), |b| {
            steps(b, &scene, CLOTH_STEPS)
        });
    }
    group.finish();
}

criterion_group!(benches, physics, scene, cloth);
criterion_main!(benches);
