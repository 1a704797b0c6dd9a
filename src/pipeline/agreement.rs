//! Raster vs. reference on every bundled scene (issue 13): the raster's lit preview and
//! the path-traced reference of the same frame, tone-mapped alike
//! ([`crate::reference::tonemap_srgb8`]), compared with NVIDIA's ꟻLIP (Andersson et al.
//! 2020, "ꟻLIP: A Difference Evaluator for Alternating Images"; the `nv-flip` bindings).
//! The bound is in the README; `cargo test --lib agreement -- --nocapture` prints the
//! figures and writes both images and the error map under `target/agreement/`.

use std::path::{Path, PathBuf};

use crate::camera;
use crate::physics::simulate;
use crate::progress::Silent;
use crate::raster::Renderer;
use crate::reference::{ReferenceOptions, Tracer, tonemap_srgb8};

/// Width of the compared frames, px (height from each scene's aspect).
const WIDTH: u32 = 96;
/// Samples per pixel of the reference.
const SPP: u32 = 96;
/// The largest mean ꟻLIP accepted on any bundled scene.
pub const MEAN_FLIP_BOUND: f32 = 0.20;

fn bundled_scenes() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("scenes/ is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    paths.sort();
    paths
}

fn write_png(path: &Path, w: u32, h: u32, rgb: &[u8]) {
    let img = image::RgbImage::from_raw(w, h, rgb.to_vec()).expect("sized");
    img.save(path).expect("writes under target/");
}

#[test]
fn raster_and_reference_agree_on_every_bundled_scene() {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/agreement");
    std::fs::create_dir_all(&out).expect("target/ is writable");
    let mut worst = (0.0f32, String::new());
    let mut report = Vec::new();
    for path in bundled_scenes() {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("?")
            .to_string();
        let (mut scene, _) = crate::style::load(&path, None).expect("bundled scenes load");
        let (w0, h0) = scene.resolution;
        let (w, h) = (WIDTH, (WIDTH * h0 / w0).max(2));
        scene.resolution = (w, h);
        let traj = simulate(&scene, &Silent).expect("simulates");
        let cams = camera::track(&scene, &traj).expect("camera");
        let k = traj.frames.len() / 2;
        let raster = Renderer::new(&scene)
            .unwrap_or_else(|e| panic!("{e} (install mesa-vulkan-drivers for lavapipe)"))
            .render(&scene, &traj, &cams, k)
            .expect("renders");
        let opts = ReferenceOptions {
            spp: SPP,
            ..ReferenceOptions::default()
        };
        let traced = Tracer::new(&scene, &traj, &cams, opts)
            .expect("tracer")
            .render(k, &Silent)
            .expect("traces");
        let a: Vec<u8> = raster
            .linear
            .iter()
            .flat_map(|c| tonemap_srgb8(*c))
            .collect();
        let b: Vec<u8> = traced
            .color
            .iter()
            .flat_map(|c| tonemap_srgb8(*c))
            .collect();
        let map = nv_flip::flip(
            nv_flip::FlipImageRgb8::with_data(w, h, &b),
            nv_flip::FlipImageRgb8::with_data(w, h, &a),
            nv_flip::DEFAULT_PIXELS_PER_DEGREE,
        );
        let mean = nv_flip::FlipPool::from_image(&map).mean();
        write_png(&out.join(format!("{name}_raster.png")), w, h, &a);
        write_png(&out.join(format!("{name}_reference.png")), w, h, &b);
        let lut = nv_flip::magma_lut();
        write_png(
            &out.join(format!("{name}_flip.png")),
            w,
            h,
            &map.apply_color_lut(&lut).to_vec(),
        );
        report.push(format!(
            "{name}: mean FLIP {mean:.3} ({w}x{h}, frame {k}, {SPP} spp)"
        ));
        if mean > worst.0 {
            worst = (mean, name);
        }
    }
    println!("{}", report.join("\n"));
    assert!(
        worst.0 <= MEAN_FLIP_BOUND,
        "{} disagrees most: mean FLIP {:.3} > {MEAN_FLIP_BOUND} (images in {})\n{}",
        worst.1,
        worst.0,
        out.display(),
        report.join("\n")
    );
}

/// The world changes light, never geometry: `movi_a_world` (sky, mapped floor, patterns)
/// has exactly `movi_a`'s depth, flow, normals and segmentation.
#[test]
fn a_world_leaves_the_exact_buffers_of_movi_a_bit_identical() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes");
    let frame = |name: &str| {
        let (scene, _) =
            crate::style::load(&root.join(format!("{name}.ron")), None).expect("loads");
        let traj = simulate(&scene, &Silent).expect("simulates");
        let cams = camera::track(&scene, &traj).expect("camera");
        let k = traj.frames.len() / 2;
        let fb = Renderer::new(&scene)
            .unwrap_or_else(|e| panic!("{e} (install mesa-vulkan-drivers for lavapipe)"))
            .render(&scene, &traj, &cams, k)
            .expect("renders");
        (traj.frames[k].state_hash.clone(), fb)
    };
    let (hash_a, a) = frame("movi_a");
    let (hash_w, w) = frame("movi_a_world");
    assert_eq!(hash_a, hash_w, "the same simulation");
    assert!(
        a.depth
            .iter()
            .zip(&w.depth)
            .all(|(x, y)| x.to_bits() == y.to_bits()),
        "depth"
    );
    assert_eq!(a.segmentation, w.segmentation, "segmentation");
    let bits = |v: &[[f32; 2]]| {
        v.iter()
            .flat_map(|p| p.map(f32::to_bits))
            .collect::<Vec<_>>()
    };
    assert_eq!(bits(&a.flow_fwd), bits(&w.flow_fwd), "forward flow");
    assert_eq!(bits(&a.flow_bwd), bits(&w.flow_bwd), "backward flow");
    let nbits = |v: &[[f32; 3]]| {
        v.iter()
            .flat_map(|p| p.map(f32::to_bits))
            .collect::<Vec<_>>()
    };
    assert_eq!(nbits(&a.normal), nbits(&w.normal), "normals");
    assert_ne!(a.linear, w.linear, "the light differs");
}
