//! Raster throughput: every buffer of one frame (shadow, MSAA preview + albedo, depth,
//! normals, both flows, segmentation, read back to the CPU), on whatever adapter wgpu
//! picks (lavapipe on a machine without a GPU).
//!
//! `cargo bench --bench raster` — figures are recorded in the README.

use std::hint::black_box;
use std::time::Duration;

use cinegraph::camera;
use cinegraph::physics::simulate;
use cinegraph::progress::Silent;
use cinegraph::raster::Renderer;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn frames(c: &mut Criterion) {
    let path = format!("{}/scenes/movi_a.ron", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut group = c.benchmark_group("raster");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for (w, h) in [(256, 256), (1920, 1080)] {
        let text = text.replace("resolution: (256, 256)", &format!("resolution: ({w}, {h})"));
        let scene = match cinegraph::scene::parse_str(&text, "movi_a", "scenes".as_ref()) {
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
        let renderer = match Renderer::new(&scene) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        group.throughput(Throughput::Elements(1));
        let mut k = 0;
        group.bench_function(format!("all_buffers_{w}x{h}"), |b| {
            b.iter(|| {
                k = (k + 1) % traj.frames.len();
                black_box(
                    renderer
                        .render(&scene, &traj, &cams, k)
                        .map(|f| f.depth.len()),
                )
            });
        });
    }
    group.finish();
}

criterion_group!(benches, frames);
criterion_main!(benches);
