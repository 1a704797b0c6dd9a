//! The raster stage: every buffer of one frame of the MOVi-A-like clip (shadow map, MSAA
//! preview and albedo, depth, normals, both flows, segmentation, read back to the CPU), at
//! 256 × 256 (the scene's own size) and 1920 × 1080, on whatever adapter wgpu picks
//! (lavapipe on a machine without a GPU; the bench prints its name). Frames cycle
//! through the clip; simulation, camera track and renderer set-up are outside the timing.
//!
//! `cargo bench --bench raster`; `scripts/bench-record.sh` records the figures in
//! `docs/benchmarks.md`.

mod common;

use std::hint::black_box;
use std::time::Duration;

use cinegraph::raster::Renderer;
use common::{movi_a, or_die};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn raster(c: &mut Criterion) {
    let mut group = c.benchmark_group("raster");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for (w, h) in [(256, 256), (1920, 1080)] {
        let clip = movi_a(w, h);
        let renderer = or_die(Renderer::new(&clip.scene), "creating the renderer");
        eprintln!("raster bench adapter: {}", renderer.adapter_name());
        let render = |k: usize| {
            let frame = or_die(
                renderer.render(&clip.scene, &clip.traj, &clip.cams, k),
                &format!("rendering frame {k}"),
            );
            assert_eq!(
                (frame.width, frame.height, frame.depth.len()),
                (w, h, (w * h) as usize),
                "frame {k} is not {w}x{h}"
            );
            frame
        };
        group.throughput(Throughput::Elements(1));
        let mut k = 0;
        group.bench_function(format!("all_buffers_{w}x{h}"), |b| {
            b.iter(|| {
                k = (k + 1) % clip.traj.frames.len();
                black_box(render(k))
            });
        });
    }
    group.finish();
}

criterion_group!(benches, raster);
criterion_main!(benches);
