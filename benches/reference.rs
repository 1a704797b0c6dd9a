//! Reference renderer throughput: path-traced frames of the MOVi-A-like scene at
//! 256 × 256 and 16 samples per pixel (Blender Cycles' setting in Kubric), every core,
//! cycling through the clip's 24 frames.
//!
//! `cargo bench --bench reference` — figures are recorded in the README.

use std::hint::black_box;
use std::time::Duration;

use cinegraph::camera;
use cinegraph::physics::simulate;
use cinegraph::progress::Silent;
use cinegraph::reference::{ReferenceOptions, Tracer};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn frames(c: &mut Criterion) {
    let path = format!("{}/scenes/movi_a.ron", env!("CARGO_MANIFEST_DIR"));
    let scene = match cinegraph::scene::load(path.as_ref()) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let traj = match simulate(&scene, &Silent) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    let cams = match camera::track(&scene, &traj) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let opts = ReferenceOptions {
        spp: 16,
        ..ReferenceOptions::default()
    };
    let tracer = match Tracer::new(&scene, &traj, &cams, opts) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    let mut group = c.benchmark_group("reference");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    group.throughput(Throughput::Elements(1));
    let mut k = 0;
    group.bench_function("movi_a_256x256_16spp", |b| {
        b.iter(|| {
            k = (k + 1) % traj.frames.len();
            black_box(tracer.render(k, &Silent).map(|f| f.color.len()))
        });
    });
    group.finish();
}

criterion_group!(benches, frames);
criterion_main!(benches);
