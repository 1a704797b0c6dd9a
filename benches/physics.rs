//! Physics throughput: steps per second on the reference cube drops (one thread).
//!
//! `cargo bench --bench physics` — figures are recorded in the README.

use std::hint::black_box;
use std::time::Duration;

use cinegraph::physics::Simulation;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const STEPS: u64 = 480;

fn cubes(c: &mut Criterion) {
    let mut group = c.benchmark_group("physics");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for n in [100, 1000] {
        let path = format!("{}/benches/cubes_{n}.ron", env!("CARGO_MANIFEST_DIR"));
        let scene = match cinegraph::scene::load(path.as_ref()) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        group.throughput(Throughput::Elements(STEPS));
        group.bench_function(format!("cubes_{n}_480_steps"), |b| {
            b.iter(|| {
                let mut sim = match Simulation::new(&scene) {
                    Ok(s) => s,
                    Err(e) => panic!("{e}"),
                };
                for _ in 0..STEPS {
                    sim.step();
                }
                black_box(sim.state_hash())
            });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("scene");
    group.sample_size(20);
    let text = std::fs::read_to_string(format!(
        "{}/benches/cubes_1000.ron",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_default();
    group.bench_function("parse_validate_cubes_1000", |b| {
        b.iter(|| {
            black_box(
                cinegraph::scene::parse_str(&text, "bench", ".".as_ref()).map(|s| s.entities.len()),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, cubes);
criterion_main!(benches);
