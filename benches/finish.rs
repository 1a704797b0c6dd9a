//! The neural finishing stage's cost per frame with the weights that ship (the single-step
//! shading network), at 256 × 256 (the target size), 512 × 512 and 640 × 360 (the
//! bundled domino scene). Synthetic buffers: the cost does not depend on their content.
//! Loading the model and building the finisher are outside the timing; a model that fails
//! to load or a frame that fails to finish stops the bench.
//!
//! `cargo bench --bench finish`; `scripts/bench-record.sh` records the figures in
//! `docs/benchmarks.md`.

mod common;

use std::hint::black_box;

use cinegraph::neural::shading::ShadingFinisher;
use cinegraph::neural::{FrameInputs, bundled_model};
use common::or_die;
use criterion::{Criterion, criterion_group, criterion_main};

fn frame(w: usize, h: usize) -> FrameInputs {
    let n = w * h;
    let px = |f: &dyn Fn(usize, usize) -> [f32; 3]| -> Vec<[f32; 3]> {
        (0..n).map(|i| f(i % w, i / w)).collect()
    };
    FrameInputs {
        width: w,
        height: h,
        preview: px(&|x, y| [x as f32 / w as f32, y as f32 / h as f32, 0.3]),
        disparity: (0..n).map(|i| 0.1 + (i % w) as f32 / w as f32).collect(),
        normal: px(&|_, _| [0.0, 1.0, 0.0]),
        albedo: px(&|x, _| [0.5, 0.4, x as f32 / w as f32]),
        segmentation: (0..n).map(|i| u32::from(i % w > w / 2)).collect(),
        flow_bwd: vec![[-1.0, 0.0]; n],
        disoccluded: (0..n).map(|i| i % w == 0).collect(),
    }
}

fn finish(c: &mut Criterion) {
    let model = or_die(bundled_model(), "loading the bundled finishing model");
    let mut group = c.benchmark_group("finish");
    group.sample_size(10);
    for (w, h) in [(256, 256), (512, 512), (640, 360)] {
        let inputs = frame(w, h);
        let mut fin = or_die(ShadingFinisher::new(&model, 0), "building a finisher");
        group.bench_function(format!("{w}x{h}"), |b| {
            b.iter(|| {
                let out = or_die(fin.finish(black_box(&inputs)), "finishing a frame");
                assert_eq!(out.len(), w * h, "not a {w}x{h} frame");
                out
            });
        });
    }
    group.finish();
}

criterion_group!(benches, finish);
criterion_main!(benches);
