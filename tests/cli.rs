//! Integration tests: drive the real `cinegraph` binary, one temp folder per test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cinegraph"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn run(args: &[&str]) -> Output {
    bin()
        .args(args)
        .output()
        .expect("the cinegraph binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn scenes() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "ron"))
            .collect();
    v.sort();
    v
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn check_accepts_every_bundled_scene() {
    let mut args = vec!["check".to_string()];
    args.extend(scenes().iter().map(|p| p.display().to_string()));
    let out = bin().args(&args).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok: ")).count(),
        scenes().len(),
        "{stdout}"
    );
}

#[test]
fn check_points_at_syntax_errors_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.ron");
    std::fs::write(&p, "Scene(\n  version: 1,\n  name: \"x\",\n  duration: 1.0,\n  entities: [(name: \"b\", shape: Spher(radius: 1.0))],\n)\n").unwrap();
    let out = run(&["check", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains(&format!("{}:5:", p.display())), "{err}");
    assert!(err.contains("Sphere"), "{err}");
}

#[test]
fn check_lists_every_semantic_problem() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.ron");
    std::fs::write(
        &p,
        r#"Scene(version: 1, name: "x", duration: 1.0, physics_hz: 250,
  entities: [(name: "door", shape: Box(size: (1, 2, 0.1))),
             (name: "ball", shape: Sphere(radius: 0.1), mass: -1)],
  joints: [(name: "hinge", kind: Hinge(axis: (0, 1, 0)), b: "dor", anchor: (0, 0, 0))])"#,
    )
    .unwrap();
    let out = run(&["check", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("3 problems"), "{err}");
    assert!(
        err.contains(r#"entities[1] "ball": mass must be > 0, got -1"#),
        "{err}"
    );
    assert!(
        err.contains(r#"joints[0] "hinge": b: unknown entity "dor"; did you mean "door"?"#),
        "{err}"
    );
    assert!(
        err.contains("physics_hz: must be an integer multiple of fps (24), got 250"),
        "{err}"
    );
}

#[test]
fn missing_scene_and_bad_usage_exit_2() {
    let out = run(&["check", "no/such/scene.ron"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no/such/scene.ron"));
    let out = run(&["simulate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn simulate_writes_the_output_contract() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = run(&[
        "simulate",
        "scenes/domino_run.ron",
        "-o",
        out_dir.to_str().unwrap(),
        "--plot",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let meta = json(&out_dir.join("metadata.json"));
    assert_eq!(meta["format"], "cinegraph/metadata/1");
    assert_eq!(meta["frame_count"], 96);
    let objects = meta["objects"].as_array().unwrap();
    // Twenty dominoes and the ball on the tabletop set's table (top, four legs, deck).
    assert_eq!(objects.len(), 27);
    let ball = objects.iter().find(|o| o["name"] == "ball").unwrap();
    assert_eq!(ball["positions"].as_array().unwrap().len(), 96);
    assert_eq!(ball["rotations"][0].as_array().unwrap().len(), 4);
    // Steel ball of radius 5 cm: 7850 * 4/3 pi 0.05^3 = 4.11 kg.
    let mass = ball["mass"].as_f64().unwrap();
    assert!((mass - 4.110).abs() < 0.01, "mass {mass}");
    // Every domino ends up knocked over (tilted past 45 degrees).
    for d in objects
        .iter()
        .filter(|o| o["name"].as_str().unwrap().starts_with("domino["))
    {
        let w = d["rotations"][95][3].as_f64().unwrap().abs();
        let tilt = 2.0 * w.min(1.0).acos().to_degrees();
        assert!(tilt > 45.0, "{} tilted only {tilt} degrees", d["name"]);
    }

    let events = json(&out_dir.join("events.json"));
    let collisions = events["collisions"].as_array().unwrap();
    assert!(
        collisions
            .iter()
            .any(|c| c["a"] == "domino[0]" && c["b"] == "ball"
                || c["a"] == "ball" && c["b"] == "domino[0]"),
        "the ball must hit the first domino"
    );
    assert!(
        collisions
            .iter()
            .any(|c| c["a"] == "domino[18]" && c["b"] == "domino[19]")
    );

    let replay = json(&out_dir.join("replay.json"));
    assert_eq!(replay["frame_hashes"].as_array().unwrap().len(), 96);

    let png = image::open(out_dir.join("energy.png")).unwrap();
    assert_eq!((png.width(), png.height()), (1000, 700));

    // Atomic writes leave no temporary files behind.
    let names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".tmp-")), "{names:?}");
}

#[test]
fn replay_verify_proves_a_rerun_bit_identical() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&[
        "simulate",
        "scenes/newtons_cradle.ron",
        "-o",
        dir.path().to_str().unwrap(),
        "-q",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&[
        "replay",
        "verify",
        dir.path().join("replay.json").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "bit-identical, 90 frames");
}

#[test]
fn two_processes_write_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    for scene in scenes() {
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        for d in [&a, &b] {
            let out = run(&[
                "simulate",
                scene.to_str().unwrap(),
                "-o",
                d.to_str().unwrap(),
                "-q",
            ]);
            assert!(out.status.success(), "{}", text(&out.stderr));
        }
        for f in ["metadata.json", "events.json", "replay.json"] {
            let x = std::fs::read(a.join(f)).unwrap();
            let y = std::fs::read(b.join(f)).unwrap();
            assert!(
                x == y,
                "{f} differs between two runs of {}",
                scene.display()
            );
        }
    }
}

#[test]
fn replay_verify_names_the_first_divergent_frame_and_entity() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&[
        "simulate",
        "scenes/billiards_break.ron",
        "-o",
        dir.path().to_str().unwrap(),
        "-q",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Pretend the recording saw something else at frame 10 for the cue ball.
    let rp = dir.path().join("replay.json");
    let mut replay = json(&rp);
    replay["frame_hashes"][10] = serde_json::Value::from("00000000000000000000000000000000");
    std::fs::write(&rp, serde_json::to_string(&replay).unwrap()).unwrap();
    let mp = dir.path().join("metadata.json");
    let mut meta = json(&mp);
    let cue = meta["objects"]
        .as_array()
        .unwrap()
        .iter()
        .position(|o| o["name"] == "cue")
        .unwrap();
    meta["objects"][cue]["positions"][10][0] = serde_json::Value::from(123.0);
    std::fs::write(&mp, serde_json::to_string(&meta).unwrap()).unwrap();

    let out = run(&["replay", "verify", rp.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("diverged at frame 10 "), "{stdout}");
    assert!(stdout.contains(r#"entity "cue""#), "{stdout}");
}

#[test]
fn replay_of_an_edited_scene_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&[
        "simulate",
        "scenes/stairs_bounce.ron",
        "-o",
        dir.path().to_str().unwrap(),
        "-q",
    ]);
    assert!(out.status.success());
    let rp = dir.path().join("replay.json");
    let mut replay = json(&rp);
    replay["frame_hashes"].as_array_mut().unwrap().pop();
    std::fs::write(&rp, serde_json::to_string(&replay).unwrap()).unwrap();
    let out = run(&["replay", "verify", rp.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("records 95 frames but the scene has 96"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn unwritable_output_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not_a_dir");
    std::fs::write(&file, "x").unwrap();
    let out = run(&[
        "simulate",
        "scenes/movi_a.ron",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("not_a_dir"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn render_writes_every_buffer_and_skips_complete_frames() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("movi");
    let o = out_dir.to_str().unwrap();
    let out = run(&[
        "render",
        "scenes/movi_a.ron",
        "-o",
        o,
        "--frames",
        "0..3",
        "--no-finish",
        "-q",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("ERROR"),
        "noise on stderr: {}",
        text(&out.stderr)
    );
    for k in 0..3 {
        for f in [
            "preview/{k}.png",
            "albedo/{k}.png",
            "depth/{k}.exr",
            "depth/{k}.png",
            "normal/{k}.exr",
            "normal/{k}.png",
            "flow_fwd/{k}.exr",
            "flow_fwd/{k}.png",
            "flow_bwd/{k}.exr",
            "flow_bwd/{k}.png",
            "occlusion_fwd/{k}.png",
            "occlusion_bwd/{k}.png",
            "segmentation/{k}.png",
        ] {
            let p = out_dir.join(f.replace("{k}", &format!("{k:05}")));
            assert!(p.is_file(), "missing {}", p.display());
        }
    }
    assert!(
        !out_dir.join("preview/00003.png").exists(),
        "--frames 0..3 renders three frames"
    );
    let seg = image::open(out_dir.join("segmentation/00001.png")).unwrap();
    assert_eq!(seg.color(), image::ColorType::L16);
    assert_eq!((seg.width(), seg.height()), (256, 256));

    let meta = json(&out_dir.join("metadata.json"));
    let k = &meta["camera"]["k"];
    assert_eq!(k[0][2], 128.0);
    assert_eq!(meta["camera"]["positions"].as_array().unwrap().len(), 24);
    // Boxes and pixel counts for rendered frames, null for the others.
    let objects = meta["objects"].as_array().unwrap();
    let seen = objects
        .iter()
        .filter(|o| o["visible_pixels"][2].as_u64().unwrap_or(0) > 0)
        .count();
    assert!(seen >= 3, "{seen} objects visible at frame 2");
    assert!(objects[1]["visible_pixels"][10].is_null());
    // Segmentation ids in the PNG match the boxes in the metadata.
    let seg = seg.to_luma16();
    for (i, o) in objects.iter().enumerate() {
        let id = (i + 1) as u16;
        let count = seg.pixels().filter(|p| p.0[0] == id).count() as u64;
        assert_eq!(
            Some(count),
            o["visible_pixels"][1].as_u64(),
            "{}",
            o["name"]
        );
    }

    let again = run(&[
        "render",
        "scenes/movi_a.ron",
        "-o",
        o,
        "--frames",
        "0..4",
        "--no-finish",
    ]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        text(&again.stdout).starts_with("rendered 1 frames (3 already complete)"),
        "{}",
        text(&again.stdout)
    );
}

#[test]
fn render_refuses_bad_options() {
    let dir = tempfile::tempdir().unwrap();
    let o = dir.path().to_str().unwrap();
    let out = run(&[
        "render",
        "scenes/movi_a.ron",
        "-o",
        o,
        "--buffers",
        "depth,flwo",
    ]);
    assert_eq!(out.status.code(), Some(2));
    // clap's own usage error: the value, the flag and the possible values.
    let err = text(&out.stderr);
    assert!(
        err.contains("invalid value 'flwo' for '--buffers")
            && err.contains(
                "[possible values: preview, albedo, depth, normal, flow, segmentation, parts]"
            ),
        "{err}"
    );
    for (flag, value, needle) in [
        ("--layout", "kubrik", "[possible values: native, kubric]"),
        (
            "--frames",
            "0-12",
            "expected a..b (end exclusive), e.g. 0..12",
        ),
    ] {
        let out = run(&["render", "scenes/movi_a.ron", "-o", o, flag, value]);
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("invalid value '{value}' for '{flag}")) && err.contains(needle),
            "{err}"
        );
    }
    let out = run(&["render", "scenes/movi_a.ron", "-o", o, "--frames", "20..30"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("outside the clip's frames 0..24"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn render_writes_a_playable_preview_video() {
    let dir = tempfile::tempdir().unwrap();
    let o = dir.path().to_str().unwrap();
    let out = run(&[
        "render",
        "scenes/movi_a.ron",
        "-o",
        o,
        "--buffers",
        "preview",
        "--no-finish",
        "-q",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mp4 = std::fs::read(dir.path().join("preview.mp4")).unwrap();
    let find = |tag: &[u8]| mp4.windows(4).position(|w| w == tag);
    for tag in [b"ftyp", b"moov", b"mdat", b"avc1", b"avcC"] {
        assert!(
            find(tag).is_some(),
            "no {} box",
            String::from_utf8_lossy(tag)
        );
    }
    // The sample-size box counts one H.264 sample per frame.
    let stsz = find(b"stsz").unwrap();
    let count = u32::from_be_bytes(mp4[stsz + 12..stsz + 16].try_into().unwrap());
    assert_eq!(count, 24);
    // Only the preview layer was asked for.
    assert!(!dir.path().join("depth").exists());
}

#[test]
fn a_downlevel_or_missing_adapter_says_what_to_install() {
    // GL is a downlevel backend (no float render targets): forcing it must give a clear
    // error naming the driver to install, never a panic.
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .env("WGPU_BACKEND", "gl")
        .args([
            "render",
            "scenes/movi_a.ron",
            "-o",
            dir.path().to_str().unwrap(),
            "--frames",
            "0..1",
            "--no-finish",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("mesa-vulkan-drivers"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Raw PNG samples as Kubric's `read_png` sees them: palette indices stay indices,
/// 16-bit samples stay 16-bit. Returns (samples, channels).
fn raw_png(path: &Path) -> (Vec<u32>, usize) {
    let bytes = std::fs::read(path).unwrap();
    let mut dec = png::Decoder::new(std::io::Cursor::new(bytes));
    dec.set_transformations(png::Transformations::IDENTITY);
    let mut reader = dec.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let samples = match info.bit_depth {
        png::BitDepth::Sixteen => buf[..info.buffer_size()]
            .chunks_exact(2)
            .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
            .collect(),
        _ => buf[..info.buffer_size()]
            .iter()
            .map(|&b| u32::from(b))
            .collect(),
    };
    (samples, channels)
}

fn exr_channels(path: &Path) -> std::collections::BTreeMap<String, Vec<f32>> {
    use exr::prelude::*;
    let image = read_first_flat_layer_from_file(path).unwrap();
    image
        .layer_data
        .channel_data
        .list
        .iter()
        .map(|c| {
            let v: Vec<f32> = c.sample_data.values_as_f32().collect();
            (c.name.to_string(), v)
        })
        .collect()
}

#[test]
fn kubric_layout_reads_back_with_kubric_formulas_to_the_native_buffers() {
    let dir = tempfile::tempdir().unwrap();
    let (native, kubric) = (dir.path().join("native"), dir.path().join("kubric"));
    for (d, layout) in [(&native, "native"), (&kubric, "kubric")] {
        let out = run(&[
            "render",
            "scenes/movi_a.ron",
            "-o",
            d.to_str().unwrap(),
            "--layout",
            layout,
            "--no-finish",
            "-v",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        // Both layouts time their stages (batch items' logs carry them).
        let err = text(&out.stderr);
        let stages = err
            .lines()
            .find_map(|l| l.strip_prefix("stages: "))
            .unwrap_or_else(|| panic!("{layout}: no stages line in {err}"));
        for stage in ["simulate", "raster", "write"] {
            let secs: f64 = stages
                .split(", ")
                .find_map(|s| s.strip_prefix(stage)?.trim().strip_suffix(" s"))
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{layout}: no {stage} in {stages}"));
            assert!(secs > 0.0, "{layout}: {stage} {secs} s in {stages}");
        }
    }
    let ranges = json(&kubric.join("data_ranges.json"));
    let kmeta = json(&kubric.join("metadata.json"));
    let nmeta = json(&native.join("metadata.json"));
    let k = &kmeta["camera"]["K"];
    let (f, cx, cy) = (
        k[0][0].as_f64().unwrap(),
        k[0][2].as_f64().unwrap(),
        k[1][2].as_f64().unwrap(),
    );
    // Kubric's instance order: native entity name -> Kubric id.
    let order: Vec<String> = kmeta["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["asset_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kmeta["metadata"]["num_instances"].as_u64().unwrap() as usize,
        order.len()
    );
    let names: Vec<String> = nmeta["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_string())
        .collect();
    for frame in [0usize, 7, 23] {
        let name = |stem: &str, ext: &str| kubric.join(format!("{stem}_{frame:05}.{ext}"));
        let nat = |dir: &str, ext: &str| native.join(format!("{dir}/{frame:05}.{ext}"));
        // Flow: value = png / 65535 * (max - min) + min, channels (d_row, d_col).
        for (stem, dir, sign) in [
            ("forward_flow", "flow_fwd", 1.0f64),
            ("backward_flow", "flow_bwd", -1.0),
        ] {
            let (lo, hi) = (
                ranges[stem]["min"].as_f64().unwrap(),
                ranges[stem]["max"].as_f64().unwrap(),
            );
            let step = (hi - lo) / 65535.0;
            let (png, channels) = raw_png(&name(stem, "png"));
            assert_eq!(channels, 3);
            let exr = exr_channels(&nat(dir, "exr"));
            let (xs, ys) = (&exr["X"], &exr["Y"]);
            for (i, px) in png.chunks_exact(3).enumerate() {
                let d_row = f64::from(px[0]) / 65535.0 * (hi - lo) + lo;
                let d_col = f64::from(px[1]) / 65535.0 * (hi - lo) + lo;
                // Kubric's flows both point forward in time: backward is negated.
                assert!(
                    (d_row - sign * f64::from(ys[i])).abs() <= 2.0 * step,
                    "{stem} row at {i}"
                );
                assert!(
                    (d_col - sign * f64::from(xs[i])).abs() <= 2.0 * step,
                    "{stem} col at {i}"
                );
                assert_eq!(px[2], 0);
            }
        }
        // Depth: distance to the camera center; z = d / |(x', y', 1)|.
        let mut dec = tiff::decoder::Decoder::new(std::io::Cursor::new(
            std::fs::read(name("depth", "tiff")).unwrap(),
        ))
        .unwrap();
        let tiff::decoder::DecodingResult::F32(dist) = dec.read_image().unwrap() else {
            panic!("depth is not float32")
        };
        let z = &exr_channels(&nat("depth", "exr"))["Z"];
        for (i, (d, z)) in dist.iter().zip(z).enumerate() {
            let (u, v) = ((i % 256) as f64 + 0.5, (i / 256) as f64 + 0.5);
            if z.is_infinite() {
                assert_eq!(*d, 1e10, "background depth");
                continue;
            }
            let len = (((u - cx) / f).powi(2) + ((v - cy) / f).powi(2) + 1.0).sqrt();
            let back = f64::from(*d) / len;
            assert!(
                (back - f64::from(*z)).abs() <= 1e-5 * f64::from(*z),
                "depth at {i}: {back} vs {z}"
            );
        }
        // Segmentation: palette indices re-indexed by visibility; the floor is background.
        let (seg, channels) = raw_png(&name("segmentation", "png"));
        assert_eq!(channels, 1);
        let (nat_seg, _) = raw_png(&nat("segmentation", "png"));
        for (ks, ns) in seg.iter().zip(&nat_seg) {
            let expected = if *ns == 0 {
                0
            } else {
                order
                    .iter()
                    .position(|n| *n == names[*ns as usize - 1])
                    .map_or(0, |p| p + 1) as u32
            };
            assert_eq!(*ks, expected);
        }
        assert!(name("rgba", "png").is_file());
    }
    // Visibility descends through the instance list.
    let totals: Vec<u64> = kmeta["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i["visibility"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .sum()
        })
        .collect();
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{totals:?}");

    // The MOVi builders' completeness rule (`is_complete_dir`): the three JSON files and
    // equal frame counts for every layer they read.
    let files: Vec<String> = std::fs::read_dir(&kubric)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for f in ["data_ranges.json", "metadata.json", "events.json"] {
        assert!(files.iter().any(|n| n == f), "{f} missing");
    }
    let count = |key: &str| files.iter().filter(|n| n.starts_with(key)).count();
    for key in [
        "rgba",
        "segmentation",
        "forward_flow",
        "backward_flow",
        "depth",
        "normal",
        "object_coordinates",
    ] {
        assert_eq!(count(key), 24, "{key}");
    }
    // Every key the builders read of each instance, bboxes_3d with 8 corners a frame
    // that surround the object's position; collisions with the floor name 65535.
    for inst in kmeta["instances"].as_array().unwrap() {
        for key in [
            "mass",
            "friction",
            "restitution",
            "positions",
            "quaternions",
            "velocities",
            "angular_velocities",
            "bboxes_3d",
            "image_positions",
            "bboxes",
            "bbox_frames",
            "visibility",
        ] {
            assert!(!inst[key].is_null(), "{key} missing in {inst}");
        }
        let boxes = inst["bboxes_3d"].as_array().unwrap();
        assert_eq!(boxes.len(), 24);
        for (b, p) in boxes.iter().zip(inst["positions"].as_array().unwrap()) {
            let corners = b.as_array().unwrap();
            assert_eq!(corners.len(), 8);
            for axis in 0..3 {
                let v: Vec<f64> = corners.iter().map(|c| c[axis].as_f64().unwrap()).collect();
                let p = p[axis].as_f64().unwrap();
                let (lo, hi) = v
                    .iter()
                    .fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
                assert!(
                    lo - 1e-4 <= p && p <= hi + 1e-4,
                    "axis {axis}: {p} outside {lo}..{hi}"
                );
            }
        }
    }
    let events = json(&kubric.join("events.json"));
    let floor_hits = events["collisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["instances"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i == 65535)
        })
        .count();
    assert!(floor_hits > 0, "no collision with the floor marked 65535");
    let n = kmeta["instances"].as_array().unwrap().len() as u64;
    for c in events["collisions"].as_array().unwrap() {
        for i in c["instances"].as_array().unwrap() {
            let i = i.as_u64().unwrap_or(u64::MAX);
            assert!(i < n || i == 65535, "collision instance {i} in {c}");
        }
    }
    // Normals: unit vectors; the floor's point up Kubric's +Z.
    let (normal, channels) = raw_png(&kubric.join("normal_00012.png"));
    assert_eq!(channels, 3);
    let (kseg, _) = raw_png(&kubric.join("segmentation_00012.png"));
    let (nseg, _) = raw_png(&native.join("segmentation/00012.png"));
    let floor_id = names.iter().position(|n| n == "floor").unwrap() as u32 + 1;
    let mut floor_px = 0;
    for (i, n) in normal.chunks_exact(3).enumerate() {
        let v: Vec<f64> = n
            .iter()
            .map(|&c| f64::from(c) / 65535.0 * 2.0 - 1.0)
            .collect();
        if nseg[i] == 0 {
            continue;
        }
        let len = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        assert!((len - 1.0).abs() < 2e-3, "normal at {i}: {v:?}");
        if nseg[i] == floor_id {
            floor_px += 1;
            assert!(v[2] > 0.999, "floor normal at {i}: {v:?}");
        }
    }
    assert!(floor_px > 1000);
    // Object coordinates: in the unit box; a sphere's surface points lie half a box from
    // its center (away from its silhouette, where a pixel's depth mixes in the floor).
    let (coords, channels) = raw_png(&kubric.join("object_coordinates_00012.png"));
    assert_eq!(channels, 3);
    let shapes: Vec<String> = nmeta["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["shape"].as_str().unwrap().to_string())
        .collect();
    let mut sphere_px = 0;
    for (i, c) in coords.chunks_exact(3).enumerate() {
        if kseg[i] == 0 {
            assert_eq!(c, [0, 0, 0], "background coordinates at {i}");
            continue;
        }
        let e = nseg[i] as usize - 1;
        let (x, y) = (i % 256, i / 256);
        let interior = x > 0
            && y > 0
            && x < 255
            && y < 255
            && [i - 1, i + 1, i - 256, i + 256]
                .iter()
                .all(|&j| nseg[j] == nseg[i]);
        if shapes[e] == "sphere" && interior {
            sphere_px += 1;
            let r = c
                .iter()
                .map(|&v| (f64::from(v) / 65535.0 - 0.5).powi(2))
                .sum::<f64>()
                .sqrt();
            assert!(
                (r - 0.5).abs() < 0.02,
                "sphere coordinates at {i}: {c:?} ({r})"
            );
        }
    }
    assert!(sphere_px > 50, "{sphere_px} sphere pixels");
}

const TWO_SHOTS: &str = r#"Scene(version: 1, name: "cut", seed: 9, duration: 0.5, resolution: (64, 36),
    entities: [
        (name: "floor", shape: Ground),
        (name: "ball", shape: Sphere(radius: 0.3), at: (0.0, 0.8, 0.0),
         body: Dynamic(velocity: (0.5, 0.0, 0.0))),
    ],
    camera: (at: (0, 1, 4), look_at: "ball", shots: [
        (moves: [Dolly(0.5)]),
        (start: 0.25, at: (3, 1, 2), moves: [Orbit(20)]),
    ]),
    style: "noir")"#;

#[test]
fn a_cut_marks_flow_invalid_and_the_contact_sheet_shows_every_layer() {
    let dir = tempfile::tempdir().unwrap();
    let scene = dir.path().join("cut.ron");
    std::fs::write(&scene, TWO_SHOTS).unwrap();
    let out = dir.path().join("out");
    let o = run(&[
        "render",
        scene.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--buffers",
        "preview,depth,flow,segmentation",
        "--contact-sheet",
        "--no-finish",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let meta = json(&out.join("metadata.json"));
    // 12 frames at 24 fps; the second shot starts at 0.25 s = frame 6.
    assert_eq!(meta["camera"]["cuts"], serde_json::json!([6]));
    assert_eq!(meta["camera"]["style"], "noir");
    assert_eq!(meta["camera"]["aperture"], 2.0, "noir's lens");
    let nan = |name: &str, k: usize| {
        let ch = exr_channels(&out.join(format!("{name}/{k:05}.exr")));
        ch.values().flatten().filter(|v| v.is_nan()).count()
    };
    let pixels = 64 * 36;
    assert_eq!(
        nan("flow_bwd", 6),
        2 * pixels,
        "backward flow across the cut"
    );
    assert_eq!(
        nan("flow_fwd", 5),
        2 * pixels,
        "forward flow across the cut"
    );
    assert_eq!(nan("flow_fwd", 6), 0);
    assert_eq!(nan("flow_bwd", 5), 0);
    // Every object pixel is marked occluded across the cut.
    let (seg, _) = raw_png(&out.join("segmentation/00006.png"));
    let (occ, _) = raw_png(&out.join("occlusion_bwd/00006.png"));
    let objects = seg.iter().filter(|&&id| id != 0).count();
    assert!(objects > 0);
    assert_eq!(occ.iter().filter(|&&v| v == 255).count(), objects);
    // Noir is black and white: the graded preview has no color.
    let preview = image::open(out.join("preview/00003.png"))
        .unwrap()
        .to_rgb8();
    assert!(
        preview
            .pixels()
            .all(|p| p[0].abs_diff(p[1]) <= 3 && p[1].abs_diff(p[2]) <= 3)
    );
    // The sheet: 4 rows (preview, depth, flow, segmentation) of 6 frames, 64x36 tiles.
    let sheet = image::open(out.join("contact_sheet.png")).unwrap();
    assert_eq!(
        (sheet.width(), sheet.height()),
        (180 + 4 + 6 * (64 + 4), 4 + 4 * (36 + 4))
    );
}

#[test]
fn styles_lists_shows_and_previews_every_look() {
    let o = run(&["styles"]);
    assert!(o.status.success());
    let listed = text(&o.stdout);
    assert!(listed.lines().count() >= 8, "{listed}");
    for name in ["noir", "pastel-symmetry", "teal-orange", "neon-night"] {
        assert!(listed.lines().any(|l| l.starts_with(name)), "{listed}");
    }
    let o = run(&["styles", "show", "wes anderson"]);
    assert!(o.status.success());
    assert!(text(&o.stdout).contains("name: \"pastel-symmetry\""));
    let o = run(&["styles", "show", "noire"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("did you mean \"noir\""));
    let dir = tempfile::tempdir().unwrap();
    let scene = dir.path().join("cut.ron");
    std::fs::write(&scene, TWO_SHOTS).unwrap();
    let sheet = dir.path().join("styles.png");
    let o = run(&[
        "styles",
        "preview",
        scene.to_str().unwrap(),
        "-o",
        sheet.to_str().unwrap(),
        "--columns",
        "2",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let img = image::open(&sheet).unwrap().to_rgb8();
    let rows = listed.lines().count() as u32;
    assert_eq!(img.dimensions(), (180 + 4 + 2 * 68, 4 + rows * 40));
    // Rows differ: each style looks different.
    let row = |r: u32| -> Vec<u8> {
        (0..36u32)
            .flat_map(|y| (0..64u32).map(move |x| (x, y)))
            .flat_map(|(x, y)| img.get_pixel(184 + x, 4 + r * 40 + y).0)
            .collect()
    };
    for r in 1..rows {
        assert_ne!(row(r), row(0), "row {r} looks like row 0");
    }
    // A scene that names an unknown style is refused, with the field.
    std::fs::write(&scene, TWO_SHOTS.replace("\"noir\"", "\"noire\"")).unwrap();
    let o = run(&["check", scene.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("style: unknown style \"noire\""),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn render_reference_writes_exr_png_video_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let scene = dir.path().join("tiny.ron");
    std::fs::write(
        &scene,
        r#"Scene(version: 1, name: "tiny", seed: 3, duration: 0.3, fps: 10, resolution: (32, 24),
        materials: {"wood": (color: (0.5, 0.3, 0.2), pattern: Wood), "glass": (transmission: 1.0, roughness: 0.0)},
        entities: [(name: "floor", shape: Ground, material: "wood"),
                   (name: "ball", shape: Sphere(radius: 0.3), material: "glass", at: (0, 1, 0))],
        camera: (fov_deg: 40, at: (0, 1, 3), look_at: (0, 0.5, 0)),
        lights: [Sun(direction: (-0.3, -1, -0.2)), Rect(at: (1, 2, 1), look_at: (0, 0, 0), size: (0.5, 0.5)), Ambient()])"#,
    )
    .unwrap();
    let out_dir = dir.path().join("out");
    let (s, o) = (scene.to_str().unwrap(), out_dir.to_str().unwrap());
    let args = [
        "render",
        s,
        "-o",
        o,
        "--buffers",
        "preview",
        "--no-finish",
        "--reference",
        "--spp",
        "2",
        "--shutter",
        "180",
    ];
    let out = run(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("traced 3 reference frames (0 already complete) at 2 spp"),
        "{stdout}"
    );
    for k in 0..3 {
        for ext in ["exr", "png"] {
            let p = out_dir.join(format!("reference/{k:05}.{ext}"));
            assert!(p.is_file(), "missing {}", p.display());
        }
    }
    // The PNG is the EXR's linear radiance, tone-mapped and sRGB-encoded.
    let exr = exr_channels(&out_dir.join("reference/00001.exr"));
    let png = image::open(out_dir.join("reference/00001.png"))
        .unwrap()
        .to_rgb8();
    assert_eq!((png.width(), png.height()), (32, 24));
    for i in [0usize, 300, 700] {
        let linear = [exr["R"][i], exr["G"][i], exr["B"][i]];
        let p = png.get_pixel((i % 32) as u32, (i / 32) as u32).0;
        assert_eq!(p, cinegraph::reference::tonemap_srgb8(linear), "pixel {i}");
    }
    assert!(exr["R"].iter().any(|&v| v > 0.0));
    let manifest = json(&out_dir.join("reference.json"));
    assert_eq!(manifest["spp"], 2);
    assert_eq!(manifest["shutter_deg"], 180.0);
    assert_eq!(manifest["frames"].as_object().unwrap().len(), 3);
    assert!(manifest["frames"]["0"]["seconds"].as_f64().unwrap() > 0.0);
    let mp4 = std::fs::read(out_dir.join("reference.mp4")).unwrap();
    assert!(mp4.windows(4).any(|w| w == b"moov"));

    // The same command again skips every frame; the files stay byte-identical.
    let before = std::fs::read(out_dir.join("reference/00002.exr")).unwrap();
    let again = run(&args);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        text(&again.stdout).contains("traced 0 reference frames (3 already complete)"),
        "{}",
        text(&again.stdout)
    );
    assert_eq!(
        before,
        std::fs::read(out_dir.join("reference/00002.exr")).unwrap()
    );

    // Bad reference options are bad input.
    for (extra, needle) in [
        (
            &["--reference", "--shutter", "500"][..],
            "shutter must be in [0, 360]",
        ),
        (&["--spp", "4"][..], "--reference"),
        (
            &["--reference", "--layout", "kubric"][..],
            "native layout only",
        ),
    ] {
        let mut a = vec!["render", s, "-o", o];
        a.extend_from_slice(extra);
        let out = run(&a);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{extra:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(needle),
            "{extra:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn prompt_writes_a_scene_that_check_accepts_explains_itself_and_repeats_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.ron"), dir.path().join("b.ron"));
    let prompt = "a steel ball rolls down a wooden ramp into ten dominoes on a marble floor, slow dolly in, noir";
    for p in [&a, &b] {
        let out = run(&[
            "prompt",
            prompt,
            "-o",
            p.to_str().unwrap(),
            "--seed",
            "3",
            "--explain",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("understood:") && stdout.contains("ignored words:"),
            "{stdout}"
        );
        assert!(stdout.contains("[ok] the dominoes fall"), "{stdout}");
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let out = run(&["check", a.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Without -o the scene goes to stdout.
    let out = run(&["prompt", prompt, "--seed", "3"]);
    assert_eq!(out.stdout, std::fs::read(&a).unwrap());
}

#[test]
fn prompt_with_nothing_usable_exits_2_with_example_prompts() {
    let out = run(&["prompt", "hello world"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("not understood: hello, world") && err.contains("cinegraph prompt \""),
        "{err}"
    );
}

fn run_with_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the cinegraph binary runs");
    let mut stdin = child.stdin.take().unwrap();
    // The binary may refuse before reading everything; a closed pipe is fine then.
    let _ = stdin.write_all(input);
    drop(stdin);
    child.wait_with_output().unwrap()
}

#[test]
fn prompt_dash_reads_standard_input_and_refuses_an_overlong_prompt() {
    let prompt = "a rubber ball falls onto a table";
    let from_stdin = run_with_stdin(&["prompt", "-", "--seed", "2"], prompt.as_bytes());
    assert!(from_stdin.status.success(), "{}", text(&from_stdin.stderr));
    let from_arg = run(&["prompt", prompt, "--seed", "2"]);
    assert_eq!(from_stdin.stdout, from_arg.stdout);
    // The 1.4 MB prompt that cannot be an argument at all: refused with the limit named.
    let huge = "a red ball falls on a table and ".repeat(44_000);
    let out = run_with_stdin(&["prompt", "-"], huge.as_bytes());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("{} characters", huge.len())) && err.contains("at most 2000"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn prompt_asking_for_too_many_objects_exits_2_naming_the_limit() {
    let out = run(&["prompt", "500 dominoes"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("asks for 500 objects") && err.contains("at most 200"),
        "{err}"
    );
}

#[test]
fn prompt_render_goes_straight_through() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = run(&[
        "prompt",
        "a ball falls onto a table for 0.5 seconds",
        "--render",
        out_dir.to_str().unwrap(),
        "-q",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out_dir.join("scene.ron").is_file());
    assert!(out_dir.join("preview/00011.png").is_file());
    assert!(!out_dir.join("preview/00012.png").exists());
    let meta = json(&out_dir.join("metadata.json"));
    assert!(
        meta["objects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "ball")
    );
}

#[test]
fn dataset_train_and_eval_finish_run_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ckpt = dir.path().join("ckpt");
    let d = data.to_str().unwrap();
    let c = ckpt.to_str().unwrap();
    // Five scenes: scene 4 is the held-out one.
    let o = run(&[
        "dataset", "-o", d, "--scenes", "5", "--seed", "2", "--frames", "2", "--size", "32",
        "--spp", "2",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let manifest = json(&data.join("dataset.json"));
    assert_eq!(manifest["scenes"]["4"]["split"], "held-out");
    assert_eq!(manifest["scenes"]["3"]["split"], "train");
    // The shading network (the default): a window that its three halvings of a
    // fourfold fold cannot divide is refused, naming the multiple.
    let o = run(&[
        "train", "--data", d, "-o", c, "--steps", "2", "--batch", "2", "--crop", "16",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("multiples of 32"),
        "{}",
        text(&o.stderr)
    );
    let o = run(&[
        "train", "--data", d, "-o", c, "--steps", "2", "--batch", "2", "--width", "8",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let log = std::fs::read_to_string(ckpt.join("loss.csv")).unwrap();
    assert_eq!(log.lines().count(), 3, "{log}");
    assert!(log.starts_with("step,pixel_loss,temporal_loss,total_loss,seconds"));
    assert!(ckpt.join("loss.png").is_file() && ckpt.join("shading.safetensors").is_file());
    // Resuming to 3 steps adds one row and keeps the first two.
    let o = run(&[
        "train", "--data", d, "-o", c, "--steps", "3", "--batch", "2", "--resume",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let resumed = std::fs::read_to_string(ckpt.join("loss.csv")).unwrap();
    assert_eq!(resumed.lines().count(), 4, "{resumed}");
    assert!(resumed.starts_with(&log));
    assert_eq!(
        json(&ckpt.join("config.json"))["shading"]["upsample"],
        "bilinear"
    );
    // A new network of the first weights' unfolding head, then one warm-started from it
    // with the interpolating head; --init-from with a checkpoint to resume is refused.
    let one_step = |name: &str, extra: &[&str]| -> String {
        let out = dir.path().join(name);
        let mut a = vec!["train", "--data", d, "-o", out.to_str().unwrap()];
        a.extend_from_slice(&["--steps", "1", "--batch", "2", "--width", "8"]);
        a.extend_from_slice(extra);
        let o = run(&a);
        assert!(o.status.success(), "{}", text(&o.stderr));
        json(&out.join("config.json"))["shading"]["upsample"].to_string()
    };
    assert_eq!(
        one_step("unfold", &["--head-upsample", "unfold"]),
        "\"unfold\""
    );
    let unfold = dir.path().join("unfold");
    let u = unfold.to_str().unwrap();
    assert_eq!(one_step("warm", &["--init-from", u]), "\"bilinear\"");
    let o = run(&[
        "train",
        "--data",
        d,
        "-o",
        c,
        "--steps",
        "4",
        "--batch",
        "2",
        "--resume",
        "--init-from",
        u,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("--init-from"),
        "{}",
        text(&o.stderr)
    );
    let o = run(&["eval-finish", "--data", d, "--checkpoint", c]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let table = text(&o.stdout);
    assert!(
        table.contains("raster preview")
            && table.contains("neural finish")
            && table.contains("FLIP objects"),
        "{table}"
    );
    let two_steps = |ckpt: &str| {
        run(&[
            "eval-finish",
            "--data",
            d,
            "--checkpoint",
            ckpt,
            "--steps",
            "2",
        ])
    };
    // One pass, no sampler: more steps are refused.
    let o = two_steps(c);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("one pass"), "{}", text(&o.stderr));
    // A broken weights file is refused naming the file (exit 2).
    std::fs::write(ckpt.join("shading.safetensors"), b"junk").unwrap();
    let o = run(&["eval-finish", "--data", d, "--checkpoint", c]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("shading.safetensors"),
        "{}",
        text(&o.stderr)
    );
    // The first finisher's latent model still trains and samples in several steps.
    let latent = dir.path().join("latent");
    let l = latent.to_str().unwrap();
    let o = run(&[
        "train", "--data", d, "-o", l, "--steps", "1", "--batch", "2", "--arch", "latent",
        "--crop", "16",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(latent.join("denoiser.safetensors").is_file());
    let o = two_steps(l);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = run(&["dataset", "-o", d, "--size", "20"]);
    assert_eq!(o.status.code(), Some(2));
}

/// Reads a PNG's raw samples.
fn png_bytes(path: &Path) -> Vec<u8> {
    image::open(path).unwrap().to_rgb8().into_raw()
}

#[test]
fn render_finishes_frames_by_default_deterministically_across_a_cut() {
    let dir = tempfile::tempdir().unwrap();
    let scene = dir.path().join("cut.ron");
    std::fs::write(&scene, TWO_SHOTS).unwrap();
    let s = scene.to_str().unwrap();
    let render = |name: &str, extra: &[&str]| -> (PathBuf, Output) {
        let out = dir.path().join(name);
        let mut a = vec![
            "render",
            s,
            "-o",
            out.to_str().unwrap(),
            "--buffers",
            "preview",
        ];
        a.extend_from_slice(extra);
        let o = run(&a);
        (out, o)
    };
    let (a, o) = render("a", &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let frames = std::fs::read_dir(a.join("preview")).unwrap().count();
    assert!(frames >= 4);
    // Every frame finished (64x36: not a multiple of the network's 32, so padded and
    // cropped back), graded, and the finished video written beside the preview's.
    let mut differs = 0;
    for k in 0..frames {
        let rgb = a.join(format!("rgb/{k:05}.png"));
        let img = image::open(&rgb).unwrap();
        assert_eq!((img.width(), img.height()), (64, 36));
        if png_bytes(&rgb) != png_bytes(&a.join(format!("preview/{k:05}.png"))) {
            differs += 1;
        }
    }
    assert!(differs > 0, "the finished frames equal the previews");
    assert!(a.join("video.mp4").is_file());
    assert!(a.join("preview.mp4").is_file());
    // The same command elsewhere gives the same bits; a re-run finds everything done.
    let (b, o) = render("b", &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    for k in 0..frames {
        let f = format!("rgb/{k:05}.png");
        assert_eq!(png_bytes(&a.join(&f)), png_bytes(&b.join(&f)), "{f}");
    }
    let o = run(&[
        "render",
        s,
        "-o",
        a.to_str().unwrap(),
        "--buffers",
        "preview",
    ]);
    assert!(
        text(&o.stdout).starts_with(&format!("rendered 0 frames ({frames} already complete)")),
        "{}",
        text(&o.stdout)
    );
    // A finished frame missing: its shot is finished again from its start, same bits.
    let last = a.join(format!("rgb/{:05}.png", frames - 1));
    let kept = png_bytes(&last);
    std::fs::remove_file(&last).unwrap();
    let o = run(&[
        "render",
        s,
        "-o",
        a.to_str().unwrap(),
        "--buffers",
        "preview",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(png_bytes(&last), kept);
    // --no-finish writes no finished frames; bad options are refused clearly.
    let (d, o) = render("d", &["--no-finish"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!d.join("rgb").exists() && !d.join("video.mp4").exists());
    // The shading network takes one pass: sampler steps are refused, saying so.
    let (_, o) = render("e", &["--finish-steps", "2"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("one pass"), "{}", text(&o.stderr));
    let (_, o) = render("f", &["--model", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("not a cinegraph checkpoint"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn styles_check_prints_each_target_and_fails_on_a_missed_one() {
    let scene = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/newtons_cradle.ron");
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("looks.png");
    let o = run(&[
        "styles",
        "check",
        scene.to_str().unwrap(),
        "--style",
        "noir",
        "--size",
        "48",
        "--frames",
        "2",
        "--plot",
        plot.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let n = cinegraph::style::find_bundled("noir")
        .unwrap()
        .file
        .targets
        .len();
    assert!(
        out.contains("noir on ") && out.contains(&format!("{n} of {n} targets met")),
        "{out}"
    );
    for stat in ["MeanLuma", "Saturation", "Grain"] {
        assert!(
            out.lines()
                .any(|l| l.trim_start().starts_with(stat) && l.contains("pass")),
            "{out}"
        );
    }
    assert!(image::open(&plot).is_ok(), "the plot");
    // A look whose key cannot be reached with a fixed exposure: exit 1, the line marked.
    let style = dir.path().join("white.ron");
    std::fs::write(
        &style,
        "Style(name: \"white\", summary: \"s\", exposure: Fixed,\n  targets: [(stat: MeanLuma, range: (0.97, 1.0), source: \"a test\")])",
    )
    .unwrap();
    let o = run(&[
        "styles",
        "check",
        scene.to_str().unwrap(),
        "--style",
        style.to_str().unwrap(),
        "--size",
        "32",
        "--frames",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("FAIL"), "{}", text(&o.stdout));
    assert!(
        text(&o.stderr).contains("cannot reach"),
        "{}",
        text(&o.stderr)
    );
}

/// Every file under `dir/items` (hidden partial folders included), with its bytes.
fn item_files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, d: &Path, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(&dir.join("items"), &dir.join("items"), &mut out);
    out
}

const BATCH_PLAN: &str = "tests/batch/plan.ron";

/// `batch run BATCH_PLAN -o out --shard shard`.
fn batch_shard(out: &Path, shard: &str) -> Output {
    run(&[
        "batch",
        "run",
        BATCH_PLAN,
        "-o",
        out.to_str().unwrap(),
        "--shard",
        shard,
    ])
}

/// A plan of 24 small items run as 4 shards in 4 processes at once writes exactly the
/// files of one unsharded run; item 17 alone equals item 17 of the whole run and `batch
/// show 17`; status and merge see 24 complete items; a damaged item is found and
/// rendered again.
#[test]
fn batch_shards_in_four_processes_equal_one_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let out = run(&["batch", "run", BATCH_PLAN, "-o", whole.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("rendered 24 items, 0 already complete, 0 failed"),
        "{}",
        text(&out.stdout)
    );
    let sharded = dir.path().join("sharded");
    for stdout in run_shards(BATCH_PLAN, sharded.to_str().unwrap(), 4) {
        assert!(stdout.contains("rendered 6 items"), "{stdout}");
    }
    let (a, b) = (item_files(&whole), item_files(&sharded));
    assert_eq!(a.len(), b.len());
    assert!(a.len() > 24 * 8, "{} files", a.len());
    for (name, bytes) in &a {
        assert!(
            b.get(name) == Some(bytes),
            "{name} differs between the runs"
        );
    }
    assert_eq!(
        std::fs::read(whole.join("batch.json")).unwrap(),
        std::fs::read(sharded.join("batch.json")).unwrap()
    );
    // Item 17 alone (shard 17 of 24 holds only it) and `batch show 17`.
    let alone = dir.path().join("alone");
    let out = batch_shard(&alone, "17/24");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let one = item_files(&alone);
    assert!(!one.is_empty() && one.keys().all(|k| k.starts_with("000017/")));
    for (name, bytes) in &one {
        assert!(
            a.get(name) == Some(bytes),
            "{name} differs from the whole run's"
        );
    }
    let show = run(&["batch", "show", BATCH_PLAN, "17"]);
    assert!(show.status.success(), "{}", text(&show.stderr));
    assert_eq!(show.stdout, a["000017/scene.ron"]);
    // Status: the whole run is complete; the lone item's folder is not.
    let st = run(&["batch", "status", whole.to_str().unwrap(), "--verify"]);
    assert!(st.status.success(), "{}", text(&st.stdout));
    assert!(
        text(&st.stdout).contains("24 items: 24 done, 0 failed, 0 missing"),
        "{}",
        text(&st.stdout)
    );
    let st = run(&["batch", "status", alone.to_str().unwrap()]);
    assert_eq!(st.status.code(), Some(1));
    assert!(
        text(&st.stdout).contains("missing: 0-16, 18-23"),
        "{}",
        text(&st.stdout)
    );
    // Merge: one index line per item, in order, with what was drawn.
    let m = run(&["batch", "merge", whole.to_str().unwrap()]);
    assert!(m.status.success(), "{}", text(&m.stderr));
    let index = std::fs::read_to_string(whole.join("index.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = index
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 24);
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l["index"], i);
        assert_eq!(l["frames"], 6);
        assert!(l["drawn"]["camera.at"].is_array(), "{l}");
        assert!(
            l["files"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == "depth/00005.exr")
        );
    }
    // WebDataset shards: 10 items a tar, each item's files consecutive as KEY.FIELD, the
    // same bytes as the item's files.
    let m = run(&[
        "batch",
        "merge",
        whole.to_str().unwrap(),
        "--webdataset",
        "10",
    ]);
    assert!(
        text(&m.stdout).contains("wrote 3 WebDataset shards"),
        "{}",
        text(&m.stdout)
    );
    let mut seen = Vec::new();
    for s in 0..3 {
        let tar = std::fs::File::open(whole.join(format!("webdataset/shard-{s:06}.tar"))).unwrap();
        let mut archive = tar::Archive::new(tar);
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let name = entry.path().unwrap().display().to_string();
            let (key, field) = name.split_once('.').unwrap();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
            let original = whole
                .join("items")
                .join(key)
                .join(field.replacen('_', "/", 1));
            let original = if original.exists() {
                original
            } else {
                whole.join("items").join(key).join(field)
            };
            assert_eq!(bytes, std::fs::read(&original).unwrap(), "{name}");
            if seen.last() != Some(&key.to_string()) {
                assert!(
                    !seen.contains(&key.to_string()),
                    "{key} split across the tar"
                );
                seen.push(key.to_string());
            }
        }
    }
    assert_eq!(seen.len(), 24);
    let m = run(&["batch", "merge", alone.to_str().unwrap()]);
    assert_eq!(m.status.code(), Some(2), "{}", text(&m.stderr));
    assert!(
        text(&m.stderr).contains("1 of 24 items are complete"),
        "{}",
        text(&m.stderr)
    );
    // A damaged item is seen and rendered again, to the same bytes.
    let victim = alone.join("items/000017/depth/00003.png");
    let good = std::fs::read(&victim).unwrap();
    std::fs::write(&victim, &good[..good.len() / 2]).unwrap();
    let st = run(&["batch", "status", alone.to_str().unwrap()]);
    assert!(
        text(&st.stdout).contains("corrupt 17: depth/00003.png is"),
        "{}",
        text(&st.stdout)
    );
    let out = batch_shard(&alone, "17/24");
    assert!(
        text(&out.stdout).contains("rendered 1 items, 0 already complete"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(std::fs::read(&victim).unwrap(), good);
    // Run again: everything is skipped.
    let out = batch_shard(&whole, "1/4");
    assert!(
        text(&out.stdout).contains("rendered 0 items, 6 already complete"),
        "{}",
        text(&out.stdout)
    );
}

/// A shard killed (SIGKILL) in the middle of an item leaves no half-written item; run
/// again, it finishes with the bytes of an uninterrupted run.
#[test]
fn a_batch_shard_killed_mid_item_resumes_to_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let killed = dir.path().join("killed");
    let mut child = bin()
        .args([
            "batch",
            "run",
            BATCH_PLAN,
            "-o",
            killed.to_str().unwrap(),
            "--shard",
            "1/4",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until an item is under way after at least one finished, then kill.
    let items = killed.join("items");
    let started = std::time::Instant::now();
    let partial = |d: &Path| {
        std::fs::read_dir(d)
            .map(|r| {
                r.flatten()
                    .any(|e| e.file_name().to_string_lossy().contains(".partial."))
            })
            .unwrap_or(false)
    };
    loop {
        if items.join("000001").is_dir() && partial(&items) {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the shard ended before it could be killed"
        );
        assert!(started.elapsed().as_secs() < 120, "no item started");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // Nothing half-written under a final name: every item folder there is complete.
    let st = run(&["batch", "status", killed.to_str().unwrap(), "--verify"]);
    let s = text(&st.stdout);
    assert!(
        s.contains(" 0 corrupt") && !s.lines().any(|l| l.starts_with("corrupt")),
        "{s}"
    );
    assert!(
        partial(&items),
        "the kill left no partial folder to clean up"
    );
    let out = batch_shard(&killed, "1/4");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!partial(&items), "a partial folder was left behind");
    let whole = dir.path().join("whole");
    let out = batch_shard(&whole, "1/4");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(item_files(&killed), item_files(&whole));
}

/// Items whose drawn scene is invalid are recorded as failed with the error, the others
/// are rendered; status lists them; a plan with a path the scene lacks is refused
/// before anything renders.
#[test]
fn batch_records_failed_items_and_refuses_bad_plans_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = run(&[
        "batch",
        "run",
        "tests/batch/failing.ron",
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("error: item") && err.contains("radius"),
        "{err}"
    );
    let st = run(&["batch", "status", out_dir.to_str().unwrap()]);
    let s = text(&st.stdout);
    let failed = s.lines().filter(|l| l.starts_with("failed ")).count();
    assert!((1..8).contains(&failed), "{s}");
    assert!(
        s.contains(&format!("{} done, {failed} failed", 8 - failed)),
        "{s}"
    );
    // A path the base scene lacks: exit 2, the variation named, nothing written.
    let plan = plan_variant(dir.path(), "bad.ron", |p| {
        p.replace("camera.at", "camera.aim")
    });
    let bad_out = dir.path().join("bad_out");
    let out = run(&[
        "batch",
        "run",
        plan.to_str().unwrap(),
        "-o",
        bad_out.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("vary[3] \"camera.aim\".path") && err.contains("no field \"aim\""),
        "{err}"
    );
    assert!(!bad_out.exists());
}

/// Runs `batch run PLAN -o OUT --shard i/n` for every shard at once, in `n` processes;
/// each must succeed. Their standard outputs.
fn run_shards(plan: &str, out: &str, n: usize) -> Vec<String> {
    let children: Vec<_> = (0..n)
        .map(|i| {
            bin()
                .args([
                    "batch",
                    "run",
                    plan,
                    "-o",
                    out,
                    "--shard",
                    &format!("{i}/{n}"),
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success(), "{}", text(&o.stderr));
            text(&o.stdout)
        })
        .collect()
}

/// BATCH_PLAN with its base named by absolute path and `edit` applied, as `dir/name`.
fn plan_variant(dir: &Path, name: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let plan = dir.join(name);
    let text = std::fs::read_to_string(BATCH_PLAN).unwrap().replace(
        "base: Scene(\"tiny.ron\")",
        &format!(
            "base: Scene({:?})",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/batch/tiny.ron")
        ),
    );
    std::fs::write(&plan, edit(text)).unwrap();
    plan
}

/// BATCH_PLAN cut to its first `count` items.
fn small_plan(dir: &Path, count: usize) -> PathBuf {
    plan_variant(dir, &format!("plan{count}.ron"), |p| {
        p.replace("count: 24", &format!("count: {count}"))
    })
}

/// `-o file:///…` goes through object_store's local backend (the code path of S3, GCS
/// and Azure): two shards in two processes write the same keys and bytes as a folder
/// run; status and merge read the store; the WebDataset tars and the index match the
/// folder's; an upload cut short (no item.json, a file gone) and a truncated object are
/// found and rendered again. Cloud schemes in a build without them are refused up front.
#[test]
fn a_batch_into_an_object_store_url_equals_the_folder_run() {
    let dir = tempfile::tempdir().unwrap();
    let plan = small_plan(dir.path(), 4);
    let plan = plan.to_str().unwrap();
    let folder = dir.path().join("folder");
    let out = run(&["batch", "run", plan, "-o", folder.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let root = dir.path().join("bucket/prefix");
    let url = format!("file://{}", root.display());
    for stdout in run_shards(plan, &url, 2) {
        assert!(
            stdout.contains("rendered 2 items") && stdout.contains(&url),
            "{stdout}"
        );
    }
    let (a, b) = (item_files(&folder), item_files(&root));
    assert!(a.len() > 4 * 8, "{} files", a.len());
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "the store holds other keys than the folder"
    );
    for (name, bytes) in &a {
        assert!(b[name] == *bytes, "{name} differs between folder and store");
    }
    // Status and merge through the URL.
    let st = run(&["batch", "status", &url, "--verify"]);
    assert!(
        text(&st.stdout).contains("4 items: 4 done, 0 failed, 0 missing"),
        "{}",
        text(&st.stdout)
    );
    for out in [folder.to_str().unwrap(), url.as_str()] {
        let m = run(&["batch", "merge", out, "--webdataset", "3"]);
        assert!(m.status.success(), "{}", text(&m.stderr));
        assert!(
            text(&m.stdout).contains("wrote 2 WebDataset shards"),
            "{}",
            text(&m.stdout)
        );
    }
    for s in 0..2 {
        let name = format!("webdataset/shard-{s:06}.tar");
        assert_eq!(
            std::fs::read(folder.join(&name)).unwrap(),
            std::fs::read(root.join(&name)).unwrap(),
            "{name}"
        );
    }
    // The index: the same lines but for the wall time.
    let index = |p: &Path| -> Vec<serde_json::Value> {
        std::fs::read_to_string(p.join("index.jsonl"))
            .unwrap()
            .lines()
            .map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                assert!(v["seconds"].as_f64().unwrap() > 0.0, "{v}");
                v["seconds"] = serde_json::Value::Null;
                v
            })
            .collect()
    };
    assert_eq!(index(&folder), index(&root));
    // An upload cut short (item.json and a file missing) and a truncated object.
    std::fs::remove_file(root.join("items/000001/item.json")).unwrap();
    std::fs::remove_file(root.join("items/000001/depth/00002.png")).unwrap();
    let victim = root.join("items/000003/segmentation/00004.png");
    let good = std::fs::read(&victim).unwrap();
    std::fs::write(&victim, &good[..good.len() / 3]).unwrap();
    let st = run(&["batch", "status", &url]);
    let s = text(&st.stdout);
    assert_eq!(st.status.code(), Some(1), "{s}");
    assert!(
        s.contains("corrupt 1: no item.json") && s.contains("corrupt 3: segmentation/00004.png is"),
        "{s}"
    );
    let out = run(&["batch", "run", plan, "-o", &url]);
    assert!(
        text(&out.stdout).contains("rendered 2 items, 2 already complete"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(item_files(&root), a);
    // No batch there: said once, with the cause once (not "…: No such file…: No such file…").
    let none = format!("file://{}", dir.path().join("nothing").display());
    let st = run(&["batch", "status", &none]);
    let err = text(&st.stderr);
    assert!(!st.status.success(), "{err}");
    assert!(
        err.contains("nothing/batch.json") && err.matches("no such file").count() == 1,
        "{err}"
    );
    // Schemes this build lacks, and a file URL that is not absolute: exit 2, nothing made.
    for (bad, says) in [
        ("s3://bucket/x", "--features cloud"),
        ("file://relative/x", "three slashes"),
    ] {
        let out = run(&["batch", "run", plan, "-o", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(says), "{}", text(&out.stderr));
    }
}

/// The JSON Schema of a Kubernetes Job and ConfigMap (tests/k8s/, from the Kubernetes
/// OpenAPI schemas by scripts/k8s-schema.py), strict: no unknown fields.
fn k8s_validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/k8s/job-configmap-v1.37-strict.json").unwrap(),
    )
    .unwrap();
    jsonschema::draft202012::new(&schema).unwrap()
}

/// Each document of a YAML stream, as JSON, with the validator's errors.
fn k8s_errors(yaml: &str, validator: &jsonschema::Validator) -> Vec<(String, Vec<String>)> {
    serde_yaml_ng::Deserializer::from_str(yaml)
        .map(|doc| {
            let v: serde_json::Value = serde::Deserialize::deserialize(doc).unwrap();
            let kind = v["kind"].as_str().unwrap_or("?").to_string();
            let errors = validator
                .iter_errors(&v)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            (kind, errors)
        })
        .collect()
}

/// Every manifest `batch k8s` prints (a PVC, GPU nodes, an object store with a
/// Secret) validates against Kubernetes 1.37's strict schema, two documents: a
/// ConfigMap and a Job; a manifest with a misspelt field does not.
#[test]
fn batch_kubernetes_manifests_validate_against_the_kubernetes_schema() {
    let validator = k8s_validator();
    let base = [
        "batch",
        "k8s",
        BATCH_PLAN,
        "--image",
        "registry.example/cinegraph:0.1",
    ];
    let variants: [&[&str]; 3] = [
        &[],
        &[
            "--gpu",
            "--parallelism",
            "2",
            "--cpus",
            "4",
            "--memory-gib",
            "16",
        ],
        &["-o", "s3://bucket/tiny", "--secret", "cinegraph-s3"],
    ];
    for extra in variants {
        let out = run(&[&base[..], extra].concat());
        assert!(out.status.success(), "{extra:?}: {}", text(&out.stderr));
        let y = text(&out.stdout);
        let docs = k8s_errors(&y, &validator);
        let kinds: Vec<&str> = docs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kinds, ["ConfigMap", "Job"], "{extra:?}");
        for (kind, errors) in &docs {
            assert!(errors.is_empty(), "{extra:?} {kind}: {errors:?}\n{y}");
        }
    }
    let store = text(&run(&[&base[..], variants[2]].concat()).stdout);
    assert!(
        store.contains("\"--out\", \"s3://bucket/tiny\"")
            && store.contains("emptyDir")
            && store.contains("secretRef")
            && !store.contains("persistentVolumeClaim"),
        "{store}"
    );
    // The schema is strict: a misspelt field (at the top of the spec, and deep in the
    // pod template), a string where a number goes.
    let plain = text(&run(&base).stdout);
    for broken in [
        plain.replace("  completionMode: Indexed", "  completionMod: Indexed"),
        plain.replace("  completions: 24", "  completions: twenty-four"),
        plain.replace("          image: ", "          imag: "),
    ] {
        assert_ne!(broken, plain, "the test's edit no longer applies");
        let docs = k8s_errors(&broken, &validator);
        assert!(
            docs.iter().any(|(_, e)| !e.is_empty()),
            "a broken manifest passed:\n{broken}"
        );
    }
    // An object store URL is the only --out a pod can use.
    let out = run(&[&base[..], &["-o", "/data/out"]].concat());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

/// The Kubernetes manifest is an Indexed Job with one completion per shard and the plan
/// in a ConfigMap; the Slurm script is valid bash and takes the array index.
#[test]
fn batch_writes_kubernetes_and_slurm_job_files() {
    let out = run(&[
        "batch",
        "k8s",
        BATCH_PLAN,
        "--image",
        "registry.example/cinegraph:0.1",
        "--parallelism",
        "3",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let y = text(&out.stdout);
    for needle in [
        "kind: ConfigMap",
        "  name: tiny-variants-plan",
        "kind: Job",
        "apiVersion: batch/v1",
        "  completions: 12",
        "  parallelism: 3",
        "  completionMode: Indexed",
        "  backoffLimitPerIndex: 3",
        "      restartPolicy: Never",
        "\"--shards\", \"12\"",
        "claimName: \"cinegraph-out\"",
        "  tiny.ron: |-",
        "    base: Scene(\"tiny.ron\"),",
    ] {
        assert!(y.contains(needle), "{needle:?} not in:\n{y}");
    }
    assert!(!y.contains("nvidia.com/gpu"));
    let gpu = text(&run(&["batch", "k8s", BATCH_PLAN, "--image", "x", "--gpu"]).stdout);
    assert!(gpu.contains("nvidia.com/gpu: 1") && gpu.contains("nvidia.com/gpu.present"));
    // Slurm.
    let out = run(&[
        "batch",
        "slurm",
        BATCH_PLAN,
        "-o",
        "/scratch/tiny",
        "--shards",
        "6",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let script = text(&out.stdout);
    assert!(script.contains("#SBATCH --array=0-5%6"), "{script}");
    assert!(
        script.contains("--shard \"${SLURM_ARRAY_TASK_ID}/6\""),
        "{script}"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("job.sh");
    std::fs::write(&path, &script).unwrap();
    let check = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(check.status.success(), "{}", text(&check.stderr));
}

/// The children of an MP4 box's payload: (type, payload).
fn mp4_boxes(data: &[u8]) -> Vec<([u8; 4], &[u8])> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 8 <= data.len() {
        let size = u32::from_be_bytes(data[i..i + 4].try_into().unwrap()) as usize;
        let kind: [u8; 4] = data[i + 4..i + 8].try_into().unwrap();
        if size < 8 || i + size > data.len() {
            break;
        }
        out.push((kind, &data[i + 8..i + size]));
        i += size;
    }
    out
}

fn mp4_child<'a>(data: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    mp4_boxes(data)
        .into_iter()
        .find(|b| &b.0 == kind)
        .map(|b| b.1)
}

/// The sound track of an MP4: (duration in s, Opus packets), read from its boxes.
fn mp4_sound(mp4: &[u8]) -> Option<(f64, Vec<Vec<u8>>)> {
    let moov = mp4_child(mp4, b"moov")?;
    let be32 = |b: &[u8], at: usize| u32::from_be_bytes(b[at..at + 4].try_into().unwrap());
    for (kind, trak) in mp4_boxes(moov) {
        if &kind != b"trak" {
            continue;
        }
        let mdia = mp4_child(trak, b"mdia")?;
        let hdlr = mp4_child(mdia, b"hdlr")?;
        if &hdlr[8..12] != b"soun" {
            continue;
        }
        let mdhd = mp4_child(mdia, b"mdhd")?;
        let (scale, duration) = if mdhd[0] == 1 {
            (
                be32(mdhd, 20),
                u64::from_be_bytes(mdhd[24..32].try_into().unwrap()),
            )
        } else {
            (be32(mdhd, 12), u64::from(be32(mdhd, 16)))
        };
        let stbl = mp4_child(mp4_child(mdia, b"minf")?, b"stbl")?;
        let stsz = mp4_child(stbl, b"stsz")?;
        let count = be32(stsz, 8) as usize;
        let fixed = be32(stsz, 4) as usize;
        let sizes: Vec<usize> = (0..count)
            .map(|i| {
                if fixed > 0 {
                    fixed
                } else {
                    be32(stsz, 12 + 4 * i) as usize
                }
            })
            .collect();
        let stco = mp4_child(stbl, b"stco")?;
        let chunks: Vec<usize> = (0..be32(stco, 4) as usize)
            .map(|i| be32(stco, 8 + 4 * i) as usize)
            .collect();
        let stsc = mp4_child(stbl, b"stsc")?;
        let runs: Vec<(usize, usize)> = (0..be32(stsc, 4) as usize)
            .map(|i| {
                (
                    be32(stsc, 8 + 12 * i) as usize,
                    be32(stsc, 12 + 12 * i) as usize,
                )
            })
            .collect();
        let mut packets = Vec::new();
        let mut sample = 0;
        for (c, offset) in chunks.iter().enumerate() {
            let per = runs.iter().rev().find(|r| r.0 <= c + 1).map_or(1, |r| r.1);
            let mut at = *offset;
            for _ in 0..per {
                if sample < sizes.len() {
                    packets.push(mp4[at..at + sizes[sample]].to_vec());
                    at += sizes[sample];
                    sample += 1;
                }
            }
        }
        return Some((duration as f64 / f64::from(scale), packets));
    }
    None
}

const DROP_SCENE: &str = r#"Scene(version: 1, name: "drop", duration: 1.0, fps: 24,
    physics_hz: 480, resolution: (64, 48),
    materials: {"wood": (density: 700, restitution: 0.4)},
    entities: [
        (name: "ground", shape: Ground),
        (name: "ball", shape: Sphere(radius: 0.1), material: "wood", at: (0.3, 0.6, 0)),
    ],
    camera: (at: (0, 0.5, 3), look_at: (0, 0.3, 0)))"#;

#[test]
fn render_writes_the_sound_as_wav_and_as_the_videos_opus_track() {
    let dir = tempfile::tempdir().unwrap();
    let scene = dir.path().join("drop.ron");
    std::fs::write(&scene, DROP_SCENE).unwrap();
    let out_dir = dir.path().join("out");
    let o = out_dir.to_str().unwrap();
    // Renders the preview only, with `extra` flags; succeeds.
    let render = |extra: &str| {
        let s = scene.to_str().unwrap();
        let args = [
            "render",
            s,
            "-o",
            o,
            "--buffers",
            "preview",
            "--no-finish",
            extra,
            "-q",
        ];
        let out = run(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    render("--plot");
    let wav = std::fs::read(out_dir.join("audio.wav")).unwrap();
    let (rate, left, right) = cinegraph::audio::encode::read_wav(&wav).unwrap();
    assert_eq!((rate, left.len()), (48_000, 48_000));
    let peak = left
        .iter()
        .chain(&right)
        .fold(0.0f32, |p, v| p.max(v.abs()));
    assert!(peak > 1e-3, "the ball's landing is heard: peak {peak}");
    let meta = json(&out_dir.join("metadata.json"));
    assert_eq!(meta["audio"]["rate"], 48_000);
    assert!(!meta["audio"]["strikes"].as_array().unwrap().is_empty());
    let png = image::open(out_dir.join("audio.png")).unwrap();
    assert!(png.width() >= 1000);

    // The MP4 carries an Opus track of the clip's length (plus the last packet's
    // padding) that decodes back to the WAV's sound.
    let mp4 = std::fs::read(out_dir.join("preview.mp4")).unwrap();
    let (seconds, packets) = mp4_sound(&mp4).expect("an audio track");
    assert!(
        (1.0..=1.03).contains(&seconds),
        "audio track of {seconds} s"
    );
    assert_eq!(packets.len(), (48_000 + 312usize).div_ceil(960));
    let mut dec = mousiki::Decoder::new(48_000, mousiki::Channels::Stereo).unwrap();
    let mut decoded = Vec::new();
    let mut pcm = vec![0.0f32; 2 * 5760];
    for p in &packets {
        let n = dec.decode_float(p, &mut pcm, false).unwrap();
        decoded.extend(pcm[..2 * n].chunks(2).map(|s| s[0]));
    }
    // Compare the 5 ms energy envelopes, aligned by the declared pre-skip. (mousiki's
    // decoder, the one a test can call, is looser than libopus: ffmpeg decodes this
    // track to a waveform correlation of 0.998 and an envelope correlation of 0.9997
    // with the WAV; mousiki to 0.72 and 0.93.)
    let envelope = |x: &[f32]| -> Vec<f64> {
        x.chunks(240)
            .map(|c| c.iter().map(|v| f64::from(v * v)).sum::<f64>().sqrt())
            .collect()
    };
    let (a, b) = (envelope(&decoded[312..312 + 48_000]), envelope(&left));
    let dot: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
    let norm = |x: &[f64]| x.iter().map(|v| v * v).sum::<f64>().sqrt();
    let correlation = dot / (norm(&a) * norm(&b));
    assert!(
        correlation > 0.9,
        "decoded vs WAV envelope correlation {correlation}"
    );
    // And the landing starts in the same 5 ms window (the track is in sync).
    let onset = |e: &[f64]| {
        let peak = e.iter().fold(0.0f64, |p, v| p.max(*v));
        e.iter().position(|v| *v > 0.1 * peak).unwrap()
    };
    assert_eq!(onset(&a), onset(&b));

    // --no-audio: silent videos and no stale track left behind.
    render("--no-audio");
    assert!(!out_dir.join("audio.wav").exists());
    assert!(mp4_sound(&std::fs::read(out_dir.join("preview.mp4")).unwrap()).is_none());
}

#[test]
fn an_audio_encoder_failure_keeps_the_video_and_the_wav() {
    let dir = tempfile::tempdir().unwrap();
    let scene = dir.path().join("drop.ron");
    std::fs::write(&scene, DROP_SCENE).unwrap();
    let out_dir = dir.path().join("out");
    let out = bin()
        .args([
            "render",
            scene.to_str().unwrap(),
            "-o",
            out_dir.to_str().unwrap(),
            "--buffers",
            "preview",
            "--no-finish",
            "-q",
        ])
        .env("CINEGRAPH_FAIL_AUDIO_ENCODER", "1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("Opus audio encoder failed") && err.contains("without sound"),
        "{err}"
    );
    let mp4 = std::fs::read(out_dir.join("preview.mp4")).unwrap();
    assert!(mp4_sound(&mp4).is_none());
    assert!(mp4.windows(4).any(|w| w == b"avc1"));
    assert!(out_dir.join("audio.wav").is_file());
}

/// A scene with a cameo renders with `provenance.json` beside its files: synthetic, the
/// consent record's id, the photo's hash, and every other file's BLAKE3, which match the
/// files; and with `parts/`, its body parts exactly where its id is. The same scene for a user the record does not name is refused before anything
/// is written (exit 2, the field named, no output folder).
#[test]
fn a_cameo_render_carries_provenance_and_a_refused_cameo_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (scene, written) = small_cameo_scene(dir.path());
    let checked = run(&["check", scene.to_str().unwrap()]);
    assert!(
        text(&checked.stdout)
            .contains("1 character (cameo: consent c-example-0001 until 2099-12-31)"),
        "{}",
        text_of(&checked)
    );
    let out = dir.path().join("out");
    render_quietly(&scene, &out, &[]);
    let p = json(&out.join("provenance.json"));
    assert_eq!(p["synthetic"], true);
    assert_eq!(p["cameos"][0]["consent_id"], "c-example-0001");
    let photo = blake3::hash(&std::fs::read(dir.path().join("cameo/face.png")).unwrap());
    assert!(
        p["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["blake3"] == photo.to_hex().as_str())
    );
    let outputs = p["outputs"].as_array().unwrap();
    assert!(outputs.len() > 10, "{} outputs", outputs.len());
    for o in outputs {
        let (path, hash) = (o[0].as_str().unwrap(), o[1].as_str().unwrap());
        let bytes = std::fs::read(out.join(path)).unwrap();
        assert_eq!(blake3::hash(&bytes).to_hex().as_str(), hash, "{path}");
    }
    assert!(outputs.iter().any(|o| o[0] == "preview.mp4"));
    // The body-parts layer: 8-bit, set exactly on the character's pixels, the head (5)
    // among the parts of a person walking toward the camera.
    let (parts, channels) = raw_png(&out.join("parts/00000.png"));
    let (seg, _) = raw_png(&out.join("segmentation/00000.png"));
    assert_eq!((channels, parts.len()), (1, seg.len()));
    let ids: std::collections::BTreeSet<u32> = parts
        .iter()
        .zip(&seg)
        .filter(|(p, _)| **p > 0)
        .map(|(_, id)| *id)
        .collect();
    assert_eq!(ids.len(), 1, "parts over ids {ids:?}");
    let person = *ids.first().unwrap();
    assert!(
        parts
            .iter()
            .zip(&seg)
            .all(|(p, id)| (*p > 0) == (*id == person))
    );
    let seen: std::collections::BTreeSet<u32> = parts.iter().copied().collect();
    assert!(seen.contains(&5) && seen.len() >= 6, "parts seen: {seen:?}");
    // Another user: refused, nothing written.
    std::fs::write(
        &scene,
        written.replace("user: \"example-user\"", "user: \"someone-else\""),
    )
    .unwrap();
    let refused = dir.path().join("refused");
    let r = run(&[
        "render",
        scene.to_str().unwrap(),
        "--out",
        refused.to_str().unwrap(),
        "--no-finish",
    ]);
    assert_eq!(r.status.code(), Some(2), "{}", text_of(&r));
    let err = text(&r.stderr);
    assert!(err.contains("cameo") && err.contains("granted_to"), "{err}");
    assert!(!refused.exists(), "a refused cameo left an output folder");
}

/// `render SCENE --out OUT --no-finish --no-audio EXTRA…`, which must succeed.
fn render_quietly(scene: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "render",
        scene.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-finish",
        "--no-audio",
    ];
    args.extend_from_slice(extra);
    let r = run(&args);
    assert!(r.status.success(), "{}", text_of(&r));
}

/// The bundled cameo scene cut to 0.25 s at 96 × 64, with its photo and consent record,
/// in `dir`: the scene's path and text.
fn small_cameo_scene(dir: &Path) -> (PathBuf, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/people");
    std::fs::create_dir(dir.join("cameo")).unwrap();
    for f in ["face.png", "face.consent.ron"] {
        std::fs::copy(root.join("cameo").join(f), dir.join("cameo").join(f)).unwrap();
    }
    let written = std::fs::read_to_string(root.join("cameo_wave.ron"))
        .unwrap()
        .replace("duration: 3.5", "duration: 0.25")
        .replace("(1.9, Wave)", "(0.1, Wave)")
        .replace("resolution: (640, 360)", "resolution: (96, 64)");
    let scene = dir.join("cameo.ron");
    std::fs::write(&scene, &written).unwrap();
    (scene, written)
}

/// `--watermark` burns "SYNTHETIC · cinegraph · consent …" into the bottom-right corner
/// of the pictures: the preview differs from the same render without it only in the
/// bottom rows, and there in many pixels.
#[test]
fn a_watermark_marks_only_the_bottom_of_the_preview() {
    let dir = tempfile::tempdir().unwrap();
    let (scene, _) = small_cameo_scene(dir.path());
    let (plain, marked) = (dir.path().join("plain"), dir.path().join("marked"));
    let first = ["--buffers", "preview", "--frames", "0..1"];
    render_quietly(&scene, &plain, &first);
    render_quietly(&scene, &marked, &[&first[..], &["--watermark"]].concat());
    let a = image::open(plain.join("preview/00000.png"))
        .unwrap()
        .to_rgb8();
    let b = image::open(marked.join("preview/00000.png"))
        .unwrap()
        .to_rgb8();
    let (w, h) = a.dimensions();
    let changed: Vec<(u32, u32)> = a
        .enumerate_pixels()
        .filter(|(x, y, p)| b.get_pixel(*x, *y) != *p)
        .map(|(x, y, _)| (x, y))
        .collect();
    let top = changed.iter().map(|c| c.1).min().unwrap_or(h);
    println!(
        "watermark: {} of {w} × {h} pixels changed, from row {top}",
        changed.len()
    );
    assert!(changed.len() > 30, "{} pixels changed", changed.len());
    assert!(top >= h - 12, "the watermark reaches row {top} of {h}");
}

/// With the `c2pa` feature, a cameo render's pictures carry C2PA content credentials:
/// the c2pa crate's Reader reads a manifest back from the MP4 and from a PNG that names
/// the consent id and says "composite synthetic", signed by the chain given (here the
/// bundled test chain, passed as files); changing one byte of a signed PNG's pixels
/// makes its manifest invalid; provenance.json lists what was signed and hashes the
/// signed bytes. A signer that is not a certificate is refused before anything is
/// written.
#[cfg(feature = "c2pa")]
#[test]
fn a_cameo_render_carries_c2pa_content_credentials() {
    use cinegraph::output::credentials::read;
    let dir = tempfile::tempdir().unwrap();
    let (scene, _) = small_cameo_scene(dir.path());
    let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/output/credentials");
    let (cert, key) = (
        keys.join("test_signer_chain.pem"),
        keys.join("test_signer.key"),
    );
    let out = dir.path().join("out");
    let r = run(&[
        "render",
        scene.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-finish",
        "--c2pa-cert",
        cert.to_str().unwrap(),
        "--c2pa-key",
        key.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{}", text_of(&r));
    let p = json(&out.join("provenance.json"));
    let embedded: Vec<&str> = p["content_credentials"]["embedded"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(embedded.contains(&"preview.mp4"), "{embedded:?}");
    assert!(embedded.contains(&"preview/00000.png"), "{embedded:?}");
    for o in p["outputs"].as_array().unwrap() {
        let (path, hash) = (o[0].as_str().unwrap(), o[1].as_str().unwrap());
        let bytes = std::fs::read(out.join(path)).unwrap();
        assert_eq!(blake3::hash(&bytes).to_hex().as_str(), hash, "{path}");
    }
    for file in ["preview.mp4", "preview/00000.png"] {
        let back = read(&out.join(file)).unwrap_or_else(|e| panic!("{e}"));
        println!(
            "{file}: {} signed by {:?}, {:?}",
            back.state, back.issuer, back.source_type
        );
        assert_eq!(back.provenance["cameos"][0]["consent_id"], "c-example-0001");
        assert_eq!(back.provenance["synthetic"], true);
        assert_eq!(
            back.source_type.as_deref(),
            Some("http://cv.iptc.org/newscodes/digitalsourcetype/compositeSynthetic")
        );
        assert!(
            back.issuer
                .as_deref()
                .is_some_and(|i| i.contains("cinegraph")),
            "{:?}",
            back.issuer
        );
        assert_ne!(back.state, "Invalid", "{file}");
    }
    // One byte of pixels changed (inside the PNG's first IDAT chunk): no longer valid.
    let png = out.join("preview/00000.png");
    let mut bytes = std::fs::read(&png).unwrap();
    let idat = bytes.windows(4).position(|w| w == b"IDAT").unwrap() + 12;
    bytes[idat] ^= 0x55;
    let tampered = dir.path().join("tampered.png");
    std::fs::write(&tampered, &bytes).unwrap();
    let back = read(&tampered).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        back.state, "Invalid",
        "a changed pixel kept a valid manifest"
    );
    // A signer that is not a certificate chain: refused, nothing written.
    let refused = dir.path().join("refused");
    let photo = dir.path().join("cameo/face.png");
    let r = run(&[
        "render",
        scene.to_str().unwrap(),
        "--out",
        refused.to_str().unwrap(),
        "--no-finish",
        "--c2pa-cert",
        photo.to_str().unwrap(),
        "--c2pa-key",
        key.to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2), "{}", text_of(&r));
    assert!(
        text(&r.stderr).contains("not a usable C2PA signer"),
        "{}",
        text_of(&r)
    );
    assert!(!refused.exists(), "a refused signer left an output folder");
}

/// Without the `c2pa` feature, asking for a C2PA signer is refused before anything is
/// written, naming the feature; provenance.json says nothing was embedded.
#[cfg(not(feature = "c2pa"))]
#[test]
fn a_c2pa_signer_without_the_feature_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let scene = dir.path().join("s.ron");
    std::fs::write(
        &scene,
        r#"Scene(version: 1, name: "s", duration: 0.1, fps: 10, resolution: (32, 32),
           entities: [(name: "floor", shape: Ground)])"#,
    )
    .unwrap();
    let refused = dir.path().join("refused");
    let r = run(&[
        "render",
        scene.to_str().unwrap(),
        "--out",
        refused.to_str().unwrap(),
        "--no-finish",
        "--provenance",
        "--c2pa-cert",
        "chain.pem",
        "--c2pa-key",
        "key.pem",
    ]);
    assert_eq!(r.status.code(), Some(2), "{}", text_of(&r));
    assert!(
        text(&r.stderr).contains("--features c2pa"),
        "{}",
        text_of(&r)
    );
    assert!(!refused.exists());
    let out = dir.path().join("out");
    let r = run(&[
        "render",
        scene.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-finish",
        "--provenance",
    ]);
    assert!(r.status.success(), "{}", text_of(&r));
    let p = json(&out.join("provenance.json"));
    assert_eq!(p["content_credentials"]["embedded"], serde_json::json!([]));
    assert!(
        p["content_credentials"]["note"]
            .as_str()
            .unwrap()
            .contains("without the `c2pa` feature")
    );
}

fn text_of(o: &Output) -> String {
    format!("{}{}", text(&o.stdout), text(&o.stderr))
}
