//! The style stage's grade per frame, at 256 × 256 (the MOVi-A-like clip's size) and
//! 1920 × 1080: the full chain (exposure, white balance, contrast, bloom, halation, tone
//! map, CDL, 33³ LUT, vignette, grain, letterbox) in place, and the default grade (tone
//! map only) with sRGB encoding, as every unstyled preview frame gets. Copying the input
//! frame is outside the timing.
//!
//! `cargo bench --bench grade`; `scripts/bench-record.sh` records the figures in
//! `docs/benchmarks.md`.

use std::hint::black_box;

use cinegraph::style::{Cdl, Grade, Lut3d};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

/// A smooth synthetic frame: the grade's cost does not depend on the content.
fn frame(w: u32, h: u32) -> Vec<[f32; 3]> {
    (0..w * h)
        .map(|i| {
            let (x, y) = ((i % w) as f32 / w as f32, (i / w) as f32 / h as f32);
            [x, y, 0.5 * (x + y)]
        })
        .collect()
}

/// Every step of the grade switched on.
fn full_grade() -> Grade {
    Grade {
        exposure_ev: 0.3,
        temperature_k: 5200.0,
        tint: 0.5,
        contrast: 1.2,
        cdl: Cdl {
            slope: [1.05, 1.0, 0.95],
            offset: [0.01, 0.0, -0.01],
            power: [1.0, 1.05, 1.1],
            saturation: 0.9,
        },
        lut: Some(Lut3d::identity(33)),
        vignette: 0.3,
        grain: 0.02,
        bloom: 0.3,
        halation: 0.2,
        letterbox: Some(2.39),
        ..Grade::default()
    }
}

fn grade(c: &mut Criterion) {
    let full = full_grade();
    let plain = Grade::default();
    let mut group = c.benchmark_group("grade");
    group.sample_size(10);
    for (w, h) in [(256u32, 256u32), (1920, 1080)] {
        let base = frame(w, h);
        let mut k = 0;
        group.bench_function(format!("full_{w}x{h}"), |b| {
            b.iter_batched_ref(
                || base.clone(),
                |img| {
                    k += 1;
                    full.apply(img, w, h, 7, k);
                    black_box(img[0])
                },
                BatchSize::LargeInput,
            );
        });
        group.bench_function(format!("default_srgb8_{w}x{h}"), |b| {
            b.iter(|| {
                let out = plain.render_srgb8(black_box(&base), w, h, 7, 0);
                assert_eq!(out.len(), (w * h * 4) as usize, "not a {w}x{h} RGBA8 frame");
                out
            })
        });
    }
    group.finish();
}

criterion_group!(benches, grade);
criterion_main!(benches);
