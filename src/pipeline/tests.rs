use super::dataset::scene_text;
use super::*;
use crate::files::FileError;
use crate::progress::Silent;
use std::path::Path;

#[test]
fn dataset_scenes_are_deterministic_and_varied() {
    let opts = DatasetOptions {
        scenes: 1,
        seed: 3,
        frames: 2,
        size: 16,
        spp: 2,
        threads: 1,
        held_out_only: false,
    };
    let a = scene_text(&opts, 0).unwrap();
    assert_eq!(a.text, scene_text(&opts, 0).unwrap().text);
    let b = scene_text(&opts, 1).unwrap();
    assert_ne!(a.text, b.text);
    assert_ne!(a.seed, b.seed);
    assert!(crate::neural::dataset::held_out(4) && !crate::neural::dataset::held_out(3));
    // Every generated scene is valid, with the files it names written beside it; the
    // draws cover the worlds: every set, a sky, an HDR map, patterns, a texture, fog.
    let assets = tempfile::tempdir().unwrap();
    let mut all = String::new();
    for i in 0..40 {
        let s = scene_text(&opts, i).unwrap();
        super::dataset::write_assets(assets.path(), &s.assets).unwrap();
        crate::style::parse_str(&s.text, "t", assets.path(), None)
            .unwrap_or_else(|e| panic!("scene {i}: {e}\n{}", s.text));
        all.push_str(&s.text);
    }
    for needle in [
        "set: \"studio\"",
        "set: \"room\"",
        "set: \"tabletop\"",
        "set: \"outdoor\"",
        "shape: Ground",
        "environment: Sky",
        "environment: Hdri",
        "pattern: ",
        "base_color_map",
        "fog: ",
    ] {
        assert!(all.contains(needle), "no scene of 40 has {needle}");
    }

    let d1 = tempfile::tempdir().unwrap();
    let d2 = tempfile::tempdir().unwrap();
    let silent = crate::progress::Silent;
    write_dataset(d1.path(), &opts, &silent).unwrap();
    write_dataset(d2.path(), &opts, &silent).unwrap();
    let f1 = std::fs::read(d1.path().join("scene-0000.safetensors")).unwrap();
    let f2 = std::fs::read(d2.path().join("scene-0000.safetensors")).unwrap();
    assert_eq!(f1, f2);
    let s = crate::neural::dataset::read_scene(&d1.path().join("scene-0000.safetensors")).unwrap();
    assert_eq!(s.inputs.len(), 2);
    assert_eq!(s.reference[0].len(), 256);
    assert!(
        s.inputs[0].disoccluded.iter().all(|&m| m),
        "frame 0 has no history"
    );
    assert!(s.reference.iter().flatten().flatten().any(|&v| v > 0.0));
    // Resumable: a second run renders nothing.
    let r = write_dataset(d1.path(), &opts, &silent).unwrap();
    assert_eq!((r.rendered, r.skipped), (0, 1));
    // Bad options are errors.
    let bad = DatasetOptions { size: 20, ..opts };
    assert!(write_dataset(d1.path(), &bad, &silent).is_err());
}

#[test]
fn render_finishes_a_clip_with_a_published_checkpoint_end_to_end() {
    let model = crate::neural::published::tests::tiny_folder(true);
    let dir = tempfile::tempdir().unwrap();
    let scene = dir.path().join("s.ron");
    // 48x40: not a multiple of the UNet's 64, so padded and cropped back.
    std::fs::write(
        &scene,
        r#"Scene(version: 1, name: "sd", seed: 4, duration: 0.125, resolution: (48, 40),
    entities: [
        (name: "floor", shape: Ground),
        (name: "ball", shape: Sphere(radius: 0.3), at: (0.0, 0.8, 0.0), body: Dynamic()),
    ],
    camera: (at: (0, 1, 4), look_at: "ball"))"#,
    )
    .unwrap();
    let opts = RenderOptions {
        layers: vec![crate::output::BufferLayer::Preview],
        finish: Some(FinishOptions {
            steps: Some(4),
            model: Some(model.path().to_path_buf()),
            strength: 0.5,
            guidance: 1.0,
            ..Default::default()
        }),
        ..Default::default()
    };
    let out = dir.path().join("out");
    let report = render_to_dir(&scene, &out, &opts, &crate::progress::Silent).unwrap();
    assert_eq!(report.rendered, 3);
    for k in 0..3 {
        let img = image::open(out.join(format!("rgb/{k:05}.png"))).unwrap();
        assert_eq!((img.width(), img.height()), (48, 40));
    }
    assert!(out.join("video.mp4").is_file());
    // A folder that is neither kind of model is refused naming both layouts.
    let bad = RenderOptions {
        finish: Some(FinishOptions {
            model: Some(dir.path().to_path_buf()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let e = render_to_dir(
        &scene,
        &dir.path().join("x"),
        &bad,
        &crate::progress::Silent,
    )
    .unwrap_err();
    assert!(
        e.is_bad_input() && e.to_string().contains("unet/config.json"),
        "{e}"
    );
}

fn disk_full(path: &str) -> FileError {
    FileError::Write {
        path: path.into(),
        source: std::io::Error::other("no space left on device"),
    }
}

#[test]
fn a_write_failure_is_not_bad_input() {
    // A full disk during `cinegraph dataset` or `render` exits 1, not 2.
    let e: PipelineError = disk_full("out/scene-0000.safetensors").into();
    assert!(!e.is_bad_input());
    let e: PipelineError = NeuralError::Output(disk_full("ckpt/state.json")).into();
    assert!(!e.is_bad_input());
    let e: PipelineError = crate::reference::ReferenceError::Output(disk_full("r.exr")).into();
    assert!(!e.is_bad_input());
    let e = PipelineError::DatasetScene {
        index: 3,
        source: Box::new(disk_full("x").into()),
    };
    assert!(!e.is_bad_input());
    assert!(!PipelineError::Internal("window".into()).is_bad_input());
}

#[test]
fn a_bad_option_is_bad_input() {
    assert!(PipelineError::BadOption("--frames 20..30".into()).is_bad_input());
    assert!(PipelineError::Conflict("kubric and finishing".into()).is_bad_input());
    let e: PipelineError = NeuralError::NotAModel {
        path: "models/none".into(),
    }
    .into();
    assert!(e.is_bad_input());
}

#[test]
fn a_dataset_write_failure_exits_1_and_bad_options_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    // The output folder's place is taken by a file: nothing can be written there.
    let blocked = dir.path().join("blocked");
    std::fs::write(&blocked, b"").unwrap();
    let opts = DatasetOptions {
        scenes: 1,
        frames: 1,
        size: 16,
        spp: 1,
        ..Default::default()
    };
    let silent = crate::progress::Silent;
    let e = write_dataset(&blocked.join("data"), &opts, &silent).unwrap_err();
    assert!(
        matches!(e, PipelineError::Output(FileError::Write { .. })),
        "{e}"
    );
    assert!(!e.is_bad_input());
    let bad = DatasetOptions { size: 20, ..opts };
    let e = write_dataset(dir.path(), &bad, &silent).unwrap_err();
    assert!(
        matches!(e, PipelineError::BadOption(_)) && e.is_bad_input(),
        "{e}"
    );
}

#[test]
fn render_refuses_frames_outside_the_clip_as_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let opts = RenderOptions {
        frames: Some(20..30),
        ..Default::default()
    };
    let scene = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/movi_a.ron");
    let e = render_to_dir(&scene, dir.path(), &opts, &crate::progress::Silent).unwrap_err();
    assert!(
        matches!(e, PipelineError::BadOption(_)) && e.is_bad_input(),
        "{e}"
    );
    let kubric = RenderOptions {
        layout: Layout::Kubric,
        finish: Some(FinishOptions::default()),
        ..Default::default()
    };
    let e = render_to_dir(&scene, dir.path(), &kubric, &crate::progress::Silent).unwrap_err();
    assert!(
        matches!(e, PipelineError::Conflict(_)) && e.is_bad_input(),
        "{e}"
    );
}

#[test]
fn frames_restart_a_finished_clip_at_the_first_incomplete_frames_shot() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/movi_a.ron");
    let (scene, _) = crate::style::load(&path, None).unwrap();
    let traj = crate::physics::simulate(&scene, &crate::progress::Silent).unwrap();
    let plan = crate::camera::plan(&scene, &traj).unwrap();
    // One shot: frames 0..5 done, 5 missing.
    let done = |k: usize| k < 5 || k == 6;
    assert_eq!(Frames::todo(0..8, &plan, done, false), vec![5, 7]);
    assert_eq!(
        Frames::todo(2..8, &plan, done, true),
        (2..8).collect::<Vec<_>>()
    );
    assert!(Frames::todo(0..4, &plan, done, true).is_empty());
}

/// Every bundled look meets its contract on every bundled scene: `styles check` at
/// 48 pixels, two frames. The ranges live in `styles/*.ron`, not here.
#[test]
fn every_style_meets_its_contract_on_every_bundled_scene() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes");
    let mut scenes: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    scenes.sort();
    assert!(scenes.len() >= 8, "{scenes:?}");
    let opts = super::CheckOptions {
        styles: Vec::new(),
        frames: 2,
        size: Some(48),
    };
    let mut failures = Vec::new();
    for scene in &scenes {
        let checks = super::styles_check(scene, &opts, &Silent).unwrap_or_else(|e| panic!("{e}"));
        assert!(checks.len() >= 8, "{} styles", checks.len());
        for c in &checks {
            assert!(!c.rows.is_empty(), "{} has no contract", c.style);
            for r in c.rows.iter().filter(|r| !r.passes()) {
                failures.push(format!(
                    "{} on {}: {} = {:?}, wants {:?}",
                    c.style,
                    scene.display(),
                    r.target.stat.name(),
                    r.value,
                    r.target.range
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
