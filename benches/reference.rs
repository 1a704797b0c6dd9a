//! The reference stage: path-traced frames of the MOVi-A-like clip at 16 samples per
//! pixel (Blender Cycles' setting in Kubric), up to 6 bounces, every core, at 128 × 128
//! and 256 × 256 (the scene's own size), cycling through the clip's frames. Simulation,
//! camera track and tracer set-up are outside the timing.
//!
//! `cargo bench --bench reference`; `scripts/bench-record.sh` records the figures in
//! `docs/benchmarks.md`.

mod common;

use std::hint::black_box;
use std::time::Duration;

use cinegraph::progress::Silent;
use cinegraph::reference::{ReferenceOptions, Tracer};
use common::{movi_a, or_die};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Samples per pixel.
const SPP: u32 = 16;

fn reference(c: &mut Criterion) {
    let mut group = c.benchmark_group("reference");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    for (w, h) in [(128, 128), (256, 256)] {
        let clip = movi_a(w, h);
        let opts = ReferenceOptions {
            spp: SPP,
            ..ReferenceOptions::default()
        };
        let tracer = or_die(
            Tracer::new(&clip.scene, &clip.traj, &clip.cams, opts),
            "creating the tracer",
        );
        group.throughput(Throughput::Elements(1));
        let mut k = 0;
        group.bench_function(format!("movi_a_{w}x{h}_{SPP}spp"), |b| {
            b.iter(|| {
                k = (k + 1) % clip.traj.frames.len();
                let frame = or_die(tracer.render(k, &Silent), &format!("tracing frame {k}"));
                assert_eq!(
                    (frame.width, frame.height, frame.spp),
                    (w, h, SPP),
                    "frame {k} is not {w}x{h} at {SPP} spp"
                );
                black_box(frame)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, reference);
criterion_main!(benches);
