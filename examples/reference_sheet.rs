//! Raster preview beside the path-traced reference, the middle frame of every bundled
//! scene, written to `docs/reference/NAME.png` (left: raster, right: reference).
//!
//! `cargo run --release --example reference_sheet -- [SPP] [WIDTH] [SCENE...]` (defaults
//! 256, 320, every bundled scene; name scenes by file stem to redo only those).

use std::path::Path;

use anyhow::{Context, Result};
use cinegraph::camera;
use cinegraph::physics::simulate;
use cinegraph::progress::Silent;
use cinegraph::raster::Renderer;
use cinegraph::reference::{ReferenceOptions, Tracer, tonemap_srgb8};
use image::{ExtendedColorType, ImageEncoder, codecs::png::PngEncoder};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let spp: u32 = args.get(1).map_or(Ok(256), |s| s.parse())?;
    let width: u32 = args.get(2).map_or(Ok(320), |s| s.parse())?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<_> = std::fs::read_dir(root.join("scenes"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .filter(|p| {
            args.len() <= 3
                || args[3..]
                    .iter()
                    .any(|a| p.file_stem().is_some_and(|s| s == a.as_str()))
        })
        .collect();
    paths.sort();
    let out_dir = root.join("docs/reference");
    std::fs::create_dir_all(&out_dir)?;
    for path in paths {
        let (mut scene, _) = cinegraph::style::load(&path, None)?;
        let (w0, h0) = scene.resolution;
        let (w, h) = (width, (width * h0 / w0).max(2));
        scene.resolution = (w, h);
        let traj = simulate(&scene, &Silent)?;
        let cams = camera::track(&scene, &traj)?;
        let k = traj.frames.len() / 2;
        let raster = Renderer::new(&scene)?.render(&scene, &traj, &cams, k)?;
        let raster_srgb =
            cinegraph::style::Grade::default().render_srgb8(&raster.linear, w, h, 0, 0);
        let start = std::time::Instant::now();
        let opts = ReferenceOptions {
            spp,
            ..ReferenceOptions::default()
        };
        let traced = Tracer::new(&scene, &traj, &cams, opts)?.render(k, &Silent)?;
        let seconds = start.elapsed().as_secs_f64();
        let mut sheet = vec![0u8; (2 * w * h * 3) as usize];
        for y in 0..h as usize {
            for x in 0..w as usize {
                let i = y * w as usize + x;
                let left = (y * 2 * w as usize + x) * 3;
                let right = left + w as usize * 3;
                sheet[left..left + 3].copy_from_slice(&raster_srgb[i * 4..i * 4 + 3]);
                sheet[right..right + 3].copy_from_slice(&tonemap_srgb8(traced.color[i]));
            }
        }
        let mut bytes = Vec::new();
        PngEncoder::new(&mut bytes).write_image(&sheet, 2 * w, h, ExtendedColorType::Rgb8)?;
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .context("scene name")?;
        let file = out_dir.join(format!("{name}.png"));
        cinegraph::files::write_atomic(&file, &bytes)?;
        println!(
            "{}: frame {k}, {w}x{h}, {spp} spp, traced in {seconds:.1} s, {} KB",
            file.display(),
            bytes.len() / 1024
        );
    }
    Ok(())
}
