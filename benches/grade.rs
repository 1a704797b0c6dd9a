//! The grade's cost per 1080p frame: the full chain (exposure, white balance, contrast,
//! bloom, halation, tone map, CDL, 33³ LUT, vignette, grain, letterbox), and the default
//! grade (tone map only) with sRGB encoding, as every preview frame gets.
//! `cargo bench --bench grade`.

use std::hint::black_box;

use cinegraph::style::{Cdl, Grade, Lut3d};
use criterion::{Criterion, criterion_group, criterion_main};

fn grade(c: &mut Criterion) {
    let (w, h) = (1920u32, 1080u32);
    let base: Vec<[f32; 3]> = (0..w * h)
        .map(|i| {
            let (x, y) = ((i % w) as f32 / w as f32, (i / w) as f32 / h as f32);
            [x, y, 0.5 * (x + y)]
        })
        .collect();
    let full = Grade {
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
    };
    let mut group = c.benchmark_group("grade");
    group.sample_size(10);
    group.bench_function("full_1920x1080", |b| {
        let mut img = base.clone();
        let mut frame = 0;
        b.iter(|| {
            img.copy_from_slice(&base);
            frame += 1;
            full.apply(&mut img, w, h, 7, frame);
            black_box(img[0]);
        });
    });
    group.bench_function("default_srgb8_1920x1080", |b| {
        let plain = Grade::default();
        b.iter(|| black_box(plain.render_srgb8(&base, w, h, 7, 0)));
    });
    group.finish();
}

criterion_group!(benches, grade);
criterion_main!(benches);
