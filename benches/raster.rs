//! The raster stage: every buffer of one frame of the MOVi-A-like clip (shadow map, MSAA
//! preview and albedo, depth, normals, both flows, segmentation, read back to the CPU), at
//! 256 × 256 (the scene's own size) and 1920 × 1080, on whatever adapter wgpu picks
//! (lavapipe on a machine without a GPU; the bench prints its name). Frames cycle
//! through the clip; simulation, camera track and renderer set-up are outside the timing.
//! `world_all_buffers_*` renders the same clip in a world (`scenes/movi_a_world.ron`:
//! sky with image-based light, a floor with color, normal and roughness maps, patterned
//! objects): the difference is the cost of the world and the maps.
//!
//! `cargo bench --bench raster`; `scripts/bench-record.sh` records the figures in
//! `docs/benchmarks.md`.

mod common;

use std::hint::black_box;
use std::time::Duration;

use cinegraph::raster::Renderer;
use common::{movi_a, movi_a_world, or_die};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn raster(c: &mut Criterion) {
    let mut group = c.benchmark_group("raster");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    let cases = [
        ("all_buffers", (256, 256)),
        ("all_buffers", (1920, 1080)),
        ("world_all_buffers", (256, 256)),
        ("world_all_buffers", (1920, 1080)),
    ];
    for (name, (w, h)) in cases {
        let clip = if name == "world_all_buffers" {
            movi_a_world(w, h)
        } else {
            movi_a(w, h)
        };
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
        group.bench_function(format!("{name}_{w}x{h}"), |b| {
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
