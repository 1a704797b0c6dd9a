use std::path::Path;

use super::*;
use crate::physics::simulate;
use crate::progress::Silent;

#[test]
fn every_bundled_style_parses_and_is_named_after_its_file() {
    let all = bundled().unwrap_or_else(|e| panic!("{e}"));
    assert!(all.len() >= 8, "{} styles", all.len());
    let files: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("styles"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "ron"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
    assert_eq!(files.len(), all.len(), "every styles/*.ron is bundled");
    let mut seen = std::collections::BTreeSet::new();
    for s in &all {
        assert!(
            files.contains(&s.file.name),
            "{} has no file of its name",
            s.file.name
        );
        assert!(!s.file.summary.is_empty() && !s.file.summary.contains('\n'));
        for name in std::iter::once(&s.file.name).chain(&s.file.aliases) {
            assert!(
                seen.insert(name.to_lowercase()),
                "\"{name}\" names two styles"
            );
        }
        // Each look changes the picture: a non-default grade.
        assert_ne!(s.grade, Grade::default(), "{} grades nothing", s.file.name);
        // What `styles show` prints parses back to the same style.
        let again = parse(&s.to_ron(), "shown", None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.file, s.file);
    }
    assert_eq!(
        find_bundled("Wes Anderson").map(|s| s.file.name),
        Some("pastel-symmetry".into())
    );
    assert_eq!(
        find_bundled("NOIR").map(|s| s.file.name),
        Some("noir".into())
    );
}

#[test]
fn bad_styles_are_refused_with_a_location() {
    let e = resolve("nior", Path::new(".")).unwrap_err().to_string();
    assert!(e.contains("did you mean \"noir\""), "{e}");
    let e = parse(
        "Style(name: \"x\", summary: \"y\", grade: (contrast: -1))",
        "x.ron",
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("grade.contrast") && e.contains("(0, 8]"), "{e}");
    let e = parse(
        "Style(name: \"x\", summary: \"y\",\n  rig: \"three-pont\")",
        "x.ron",
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("did you mean \"three-point\""), "{e}");
    let e = parse(
        "Style(name: \"x\", summary: \"y\",\n  grade: (brightness: 2))",
        "x.ron",
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("x.ron:2:"), "{e}");
    // A contract that cannot be measured or met is refused with the field.
    for (targets, field, words) in [
        (
            "(stat: P5Luma, range: (0.5, 0.6), source: \"s\"), (stat: P95Luma, range: (0.1, 0.2), source: \"s\")",
            "targets[0].range",
            "cannot be at or below",
        ),
        (
            "(stat: Crushed, range: (0.2, 1.5), source: \"s\")",
            "targets[0].range",
            "[0, 1]",
        ),
        (
            "(stat: MeanLuma, range: (0.3, 0.1), source: \"s\")",
            "targets[0].range",
            "above",
        ),
    ] {
        let e = parse(
            &format!("Style(name: \"x\", summary: \"y\", targets: [{targets}])"),
            "x.ron",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains(field) && e.contains(words), "{e}");
    }
    let e = parse(
        "Style(name: \"x\", summary: \"y\",\n  targets: [(stat: Brightness, range: (0, 1), source: \"s\")])",
        "x.ron",
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("x.ron:2:") && e.contains("Brightness"), "{e}");
    // A user style with a LUT beside it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("id.cube"), Lut3d::identity(5).to_text()).unwrap();
    std::fs::write(
        dir.path().join("mine.ron"),
        "Style(name: \"mine\", summary: \"s\", grade: (lut: \"id.cube\"))",
    )
    .unwrap();
    let s = resolve("mine.ron", dir.path()).unwrap();
    assert!(s.grade.lut.is_some());
    std::fs::write(dir.path().join("bad.cube"), "LUT_3D_SIZE 2\n0 0 0\n").unwrap();
    std::fs::write(
        dir.path().join("bad.ron"),
        "Style(name: \"bad\", summary: \"s\", grade: (lut: \"bad.cube\"))",
    )
    .unwrap();
    let e = resolve("bad.ron", dir.path()).unwrap_err().to_string();
    assert!(e.contains("grade.lut") && e.contains("bad.cube"), "{e}");
}

const SCENE: &str = r#"Scene(version: 1, name: "swap", seed: 3, duration: 0.5, resolution: (96, 54),
    entities: [
        (name: "floor", shape: Ground),
        (name: "ball", shape: Sphere(radius: 0.2), at: (0.0, 1.0, 0.0),
         body: Dynamic(velocity: (0.5, 0.0, 0.0))),
        (name: "box", shape: Box(size: (0.5, 0.5, 0.5)), at: (0.8, 0.25, 0.0)),
    ],
    camera: (at: (0.0, 1.5, 4.0), look_at: "ball"))"#;

#[test]
fn swapping_styles_changes_only_what_the_style_owns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("swap.ron");
    std::fs::write(&path, SCENE).unwrap();
    let plain = crate::scene::load(&path).unwrap();
    let reference = simulate(&plain, &Silent).unwrap();
    let hash = |t: &crate::physics::Trajectory| t.frames.last().unwrap().state_hash.clone();
    for style in bundled().unwrap() {
        let (s, look) = load(&path, Some(style.name())).unwrap();
        assert_eq!(s.style.as_deref(), Some(style.name()));
        assert_eq!(look.style.as_deref(), Some(style.name()));
        assert_eq!(look.grade, style.grade);
        assert_eq!(look.seed, s.seed);
        // Physics untouched: same bodies, same replay hash.
        assert_eq!(s.entities.len(), plain.entities.len());
        let t = simulate(&s, &Silent).unwrap();
        assert_eq!(
            hash(&t),
            hash(&reference),
            "{} changed the physics",
            style.name()
        );
        // The style's camera pattern and rig arrived.
        assert_eq!(s.camera.shots.len(), 1, "{}", style.name());
        assert!(!s.lights.is_empty(), "{}: rig", style.name());
        let planned = crate::camera::plan(&s, &t).unwrap();
        assert_eq!(planned.frames.len(), t.frames.len());
    }
    // What the scene states wins: its own keys and lights stay.
    let own = SCENE.replace(
        "look_at: \"ball\"))",
        "look_at: \"ball\", fov_deg: 50, keys: [(t: 0, at: (0, 1, 4))]), lights: [Ambient()])",
    );
    std::fs::write(&path, own).unwrap();
    let (s, _) = load(&path, Some("neon-night")).unwrap();
    assert!(s.camera.shots.is_empty());
    assert_eq!(s.lights.len(), 1);
    assert!((s.camera.fov_y.to_degrees() - 50.0).abs() < 1e-4);
}

#[test]
fn a_look_brings_its_world_where_the_scene_states_none() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("dusk.ron"),
        "Style(name: \"dusk\", summary: \"s\", rig: \"neon-night\",
          environment: Sky(sun: Angles(elevation_deg: -4, azimuth_deg: 250)),
          fog: (density: 0.02))",
    )
    .unwrap();
    let path = dir.path().join("swap.ron");
    std::fs::write(&path, SCENE).unwrap();
    let (s, _) = load(&path, Some("dusk.ron")).unwrap();
    assert!(
        matches!(s.environment, crate::world::Environment::Sky(_)),
        "{:?}",
        s.environment
    );
    assert!(s.fog.is_some());
    // The rig still lights it: the practicals are the look's.
    assert!(
        s.lights
            .iter()
            .any(|l| matches!(l, crate::scene::Light::Rig(r) if r == "neon-night"))
    );
    // Physics unchanged.
    let plain = crate::scene::load(&path).unwrap();
    let hash = |s: &crate::scene::Scene| {
        simulate(s, &Silent)
            .unwrap()
            .frames
            .last()
            .unwrap()
            .state_hash
            .clone()
    };
    assert_eq!(hash(&s), hash(&plain));
    // A scene with its own world keeps it.
    std::fs::write(
        &path,
        SCENE.replace("seed: 3,", "seed: 3, environment: Uniform(intensity: 0.5),"),
    )
    .unwrap();
    let (s, _) = load(&path, Some("dusk.ron")).unwrap();
    assert!(
        matches!(s.environment, crate::world::Environment::Uniform { .. }),
        "{:?}",
        s.environment
    );
}

#[test]
fn a_look_sets_the_hour_of_a_set_sky_but_never_of_the_scene_own() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hour.ron");
    let sun = |s: &crate::scene::Scene| match &s.environment {
        crate::world::Environment::Sky(sky) => (sky.sun_elevation_deg, sky.sun_azimuth_deg),
        other => panic!("{other:?}"),
    };
    // On the outdoor set (its sky: 35 degrees up in the south-east), golden hour lowers
    // the sun to its hour and keeps the azimuth.
    std::fs::write(
        &path,
        SCENE.replace("seed: 3,", "seed: 3, set: \"outdoor\","),
    )
    .unwrap();
    let (set_sky, _) = load(&path, None).unwrap();
    let (golden, _) = load(&path, Some("golden-hour")).unwrap();
    let want = resolve("golden-hour", Path::new("."))
        .unwrap()
        .file
        .sun_elevation_deg
        .expect("golden hour states its hour");
    assert_eq!(sun(&golden), (want, sun(&set_sky).1));
    assert!(sun(&set_sky).0 > 20.0, "{:?}", sun(&set_sky));
    // Night puts the sun down and brings its practicals, on a set with no lights.
    let (night, _) = load(&path, Some("neon-night")).unwrap();
    assert!(sun(&night).0 < 0.0, "{:?}", sun(&night));
    assert!(
        night
            .lights
            .iter()
            .any(|l| matches!(l, crate::scene::Light::Rig(r) if r == "neon-night"))
    );
    // A sky the scene states is the scene's: the hour stays.
    std::fs::write(
        &path,
        SCENE.replace(
            "seed: 3,",
            "seed: 3, set: \"outdoor\", environment: Sky(sun: Angles(elevation_deg: 50, azimuth_deg: 10)),",
        ),
    )
    .unwrap();
    let (own, _) = load(&path, Some("golden-hour")).unwrap();
    assert_eq!(sun(&own), (50.0, 10.0));
    // ... and night brings no practicals into the scene's daylight.
    let (day, _) = load(&path, Some("neon-night")).unwrap();
    assert_eq!(sun(&day), (50.0, 10.0));
    assert!(day.lights.is_empty(), "{:?}", day.lights);
    // Bad hours are refused with the field.
    let e = parse(
        "Style(name: \"x\", summary: \"y\", sun_elevation_deg: 95)",
        "x.ron",
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("sun_elevation_deg") && e.contains("[-10, 90]"),
        "{e}"
    );
}

#[test]
fn a_handheld_look_shakes_a_camera_the_scene_keys_itself() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keyed.ron");
    let keyed = SCENE.replace(
        "look_at: \"ball\"))",
        "look_at: \"ball\", keys: [(t: 0, at: (0, 1.5, 4)), (t: 0.5, at: (0.5, 1.5, 4))]))",
    );
    std::fs::write(&path, &keyed).unwrap();
    let plan = |style: Option<&str>| {
        let (s, _) = load(&path, style).unwrap();
        let t = simulate(&s, &Silent).unwrap();
        (s.camera.shake, crate::camera::plan(&s, &t).unwrap())
    };
    let (none, still) = plan(Some("pastel-symmetry"));
    let (shake, shaken) = plan(Some("handheld-documentary"));
    assert_eq!(none, None);
    let (amplitude, _) = shake.expect("the handheld look carries the keyed camera");
    // The path is the scene's (the keys, no shots); the view turns by about the
    // amplitude around it.
    assert!(shaken.shot.iter().all(|&s| s == 0));
    let angles: Vec<f32> = still
        .frames
        .iter()
        .zip(&shaken.frames)
        .map(|(a, b)| {
            let (da, db) = (
                a.pose.rotation * glam::Vec3::NEG_Z,
                b.pose.rotation * glam::Vec3::NEG_Z,
            );
            da.dot(db).clamp(-1.0, 1.0).acos().to_degrees()
        })
        .collect();
    let rms = (angles.iter().map(|a| a * a).sum::<f32>() / angles.len() as f32).sqrt();
    assert!(
        rms > 0.2 * amplitude && rms < 3.0 * amplitude,
        "{rms} vs {amplitude}"
    );
    // The scene's own shake wins; a bad one is refused at its field.
    std::fs::write(
        &path,
        keyed.replace(
            "look_at: \"ball\", keys",
            "look_at: \"ball\", shake: (amplitude_deg: 0.1, frequency_hz: 2), keys",
        ),
    )
    .unwrap();
    let (own, _) = plan(Some("handheld-documentary"));
    assert_eq!(own, Some((0.1, 2.0)));
    std::fs::write(
        &path,
        keyed.replace(
            "look_at: \"ball\", keys",
            "look_at: \"ball\", shake: (amplitude_deg: 30, frequency_hz: 2), keys",
        ),
    )
    .unwrap();
    let e = crate::scene::load(&path).unwrap_err().to_string();
    assert!(
        e.contains("camera.shake") && e.contains("amplitude_deg"),
        "{e}"
    );
}
