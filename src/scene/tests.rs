//! Parser and validator tests: every error is located, every pattern expands as
//! documented, no input panics.

use glam::Vec3;
use proptest::prelude::*;

use super::file::*;
use super::*;

fn parse(text: &str) -> Result<Scene, SceneError> {
    parse_str(text, "t.ron", "scenes".as_ref())
}

fn ok(text: &str) -> Scene {
    parse(text).unwrap_or_else(|e| panic!("expected a valid scene, got:\n{e}"))
}

fn problems(text: &str) -> Vec<String> {
    match parse(text) {
        Err(SceneError::Invalid { problems, .. }) => {
            problems.iter().map(|p| p.to_string()).collect()
        }
        Err(e) => panic!("expected semantic problems, got: {e}"),
        Ok(_) => panic!("expected semantic problems, the scene validated"),
    }
}

fn wrap(entities: &str) -> String {
    format!(
        r#"Scene(version: 1, name: "t", duration: 1.0,
    materials: {{"oak": (density: 700)}},
    entities: [{entities}])"#
    )
}

#[test]
fn every_bundled_scene_validates() {
    let mut n = 0;
    for entry in std::fs::read_dir("scenes").unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "ron") {
            let s = load(&p).unwrap_or_else(|e| panic!("{e}"));
            assert!(s.frame_count > 0 && !s.bodies.is_empty(), "{}", p.display());
            n += 1;
        }
    }
    assert!(n >= 6, "expected at least six example scenes, found {n}");
}

#[test]
fn syntax_error_points_at_line_and_column() {
    let text = "Scene(\n    version: 1,\n    name: \"x\"\n    duration: 1.0,\n    entities: [],\n)";
    match parse(text) {
        Err(SceneError::Syntax {
            line, col, message, ..
        }) => {
            assert_eq!(line, 4, "{message}");
            assert!(col >= 5, "col {col}");
            let shown = parse(text).unwrap_err().to_string();
            assert!(shown.starts_with("t.ron:4:"), "{shown}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn misspelled_shape_names_the_choices() {
    let e = parse(&wrap(r#"(name: "b", shape: Spher(radius: 1.0))"#))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("t.ron:3:"), "{e}");
    assert!(e.contains("Spher") && e.contains("Sphere"), "{e}");
}

#[test]
fn unknown_fields_are_errors() {
    let e = parse(&wrap(
        r#"(name: "b", shape: Sphere(radius: 1.0), colour: "red")"#,
    ))
    .unwrap_err()
    .to_string();
    assert!(e.contains("colour"), "{e}");
    let e = parse(r#"Scene(version: 1, name: "t", duration: 1.0, entities: [], fsp: 3)"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("fsp"), "{e}");
}

#[test]
fn negative_mass_names_entity_and_field() {
    let p = problems(&wrap(
        r#"(name: "floor", shape: Ground), (name: "ball", shape: Sphere(radius: 0.1), mass: -1)"#,
    ));
    assert_eq!(
        p,
        vec![r#"entities[1] "ball": mass must be > 0, got -1"#.to_string()]
    );
}

#[test]
fn unknown_joint_entity_suggests_the_closest_name() {
    let text = r#"Scene(version: 1, name: "t", duration: 1.0,
        entities: [(name: "frame", shape: Box(size: (1, 1, 1)), body: Fixed),
                   (name: "door", shape: Box(size: (1, 2, 0.1)))],
        joints: [(name: "hinge", kind: Hinge(axis: (0, 1, 0)), a: "frame", b: "dor", anchor: (0, 0, 0))])"#;
    let p = problems(text);
    assert_eq!(
        p,
        vec![r#"joints[0] "hinge": b: unknown entity "dor"; did you mean "door"?"#.to_string()]
    );
}

#[test]
fn all_semantic_problems_are_reported_at_once() {
    let text = r#"Scene(version: 2, name: "t", duration: -1.0, fps: 24, physics_hz: 100,
        resolution: (9000, 10),
        materials: {"m": (friction: -1, restitution: 2)},
        entities: [(name: "a", shape: Sphere(radius: 0), material: "mm"),
                   (name: "a", shape: Box(size: (1, 1, 1)))],
        events: [(at: 0.5, target: "zz", action: Impulse((1, 0, 0)))])"#;
    let p = problems(text).join("\n");
    for needle in [
        "version: expected 1",
        "duration: must be > 0",
        "physics_hz: must be an integer multiple of fps (24), got 100; try 120",
        "resolution: width and height must be in 1..=8192, got (9000, 10)",
        "friction must be in [0, 100], got -1",
        "restitution must be in [0, 1], got 2",
        "radius must be > 0 m",
        r#"name "a" is already used by entities[0] "a""#,
        r#"target: unknown entity "zz""#,
    ] {
        assert!(p.contains(needle), "missing {needle:?} in:\n{p}");
    }
}

#[test]
fn limits_are_refused_up_front() {
    let p = problems(&wrap(
        r#"(name: "c", shape: Box(size: (1, 1, 1)), repeat: Grid(count: (100, 100, 11), step: (1, 1, 1)))"#,
    ));
    assert!(
        p[0].contains("exceed the limit of 100000 entities"),
        "{p:?}"
    );
    let p = problems(r#"Scene(version: 1, name: "t", duration: 5000.0, fps: 24, entities: [])"#);
    assert!(p[0].contains("more than the limit of 100000"), "{p:?}");
}

#[test]
fn mesh_paths_may_not_leave_the_scene_folder() {
    let p = problems(&wrap(
        r#"(name: "m", shape: ConvexHull(path: "../Cargo.toml"))"#,
    ));
    assert!(p[0].contains("leaves the scene's folder"), "{p:?}");
    let p = problems(&wrap(
        r#"(name: "m", shape: ConvexHull(path: "/etc/passwd"))"#,
    ));
    assert!(p[0].contains("is absolute"), "{p:?}");
    let p = problems(&wrap(
        r#"(name: "m", shape: ConvexHull(path: "meshes/nope.obj"))"#,
    ));
    assert!(
        p[0].contains("cannot open mesh file \"meshes/nope.obj\""),
        "{p:?}"
    );
}

#[test]
fn obj_and_gltf_meshes_load_the_same_wedge() {
    let s = ok(&wrap(
        r#"(name: "hull", shape: ConvexHull(path: "meshes/wedge.obj", scale: 2.0), at: (0, 1, 0)),
           (name: "ramp", shape: TriMesh(path: "meshes/wedge.gltf"))"#,
    ));
    let (Some(Shape::ConvexHull(obj)), Some(Shape::TriMesh(gltf))) =
        (&s.entities[0].shape, &s.entities[1].shape)
    else {
        panic!("shapes not loaded");
    };
    assert_eq!(obj.vertices.len(), 6);
    assert_eq!(gltf.vertices.len(), 6);
    assert_eq!(gltf.indices.len(), 8);
    // tobj orders vertices by first use in a face; compare as sets.
    for a in &obj.vertices {
        assert!(
            gltf.vertices
                .iter()
                .any(|b| (*a - *b * 2.0).length() < 1e-6),
            "OBJ vertex {a} has no glTF counterpart (x2)"
        );
    }
    // TriMesh defaults to a fixed body; ConvexHull to dynamic.
    assert_eq!(s.bodies[0].kind.name(), "dynamic");
    assert_eq!(s.bodies[1].kind.name(), "fixed");
}

#[test]
fn trimesh_on_a_dynamic_body_is_refused() {
    let p = problems(&wrap(
        r#"(name: "r", shape: TriMesh(path: "meshes/wedge.obj"), body: Dynamic())"#,
    ));
    assert!(p[0].contains("use ConvexHull for dynamic bodies"), "{p:?}");
}

#[test]
fn prefab_fields_are_overridden_by_the_entity() {
    let s = ok(r#"Scene(version: 1, name: "t", duration: 1.0, seed: 1,
        materials: {"oak": (density: 700), "steel": (density: 7850)},
        prefabs: {"d": (shape: Box(size: (0.1, 0.2, 0.3)), material: "oak", at: (1, 2, 3))},
        entities: [(name: "a", prefab: "d"), (name: "b", prefab: "d", material: "steel", at: (0, 0, 0))])"#);
    assert_eq!(s.materials[s.entities[0].material].name, "oak");
    assert_eq!(s.materials[s.entities[1].material].name, "steel");
    assert_eq!(s.entities[0].world.translation, Vec3::new(1.0, 2.0, 3.0));
    assert_eq!(s.entities[1].world.translation, Vec3::ZERO);
}

#[test]
fn repeat_patterns_expand_as_documented() {
    let s = ok(&wrap(
        r#"(name: "l", shape: Sphere(radius: 0.1), at: (1, 0, 0), repeat: Line(count: 3, step: (0.5, 0, 0))),
           (name: "g", shape: Sphere(radius: 0.1), repeat: Grid(count: (2, 3, 4), step: (1, 2, 3))),
           (name: "r", shape: Sphere(radius: 0.1), at: (0, 1, 0), repeat: Ring(count: 4, radius: 2.0, face_out: true)),
           (name: "s", shape: Box(size: (1, 0.25, 1)), repeat: Stack(count: 4, gap: 0.01))"#,
    ));
    let pos = |n: &str| s.entities[s.entity_index(n).unwrap()].world.translation;
    assert_eq!(pos("l[2]"), Vec3::new(2.0, 0.0, 0.0));
    assert_eq!(
        s.entities
            .iter()
            .filter(|e| e.name.starts_with("g["))
            .count(),
        24
    );
    // x fastest, then z, then y
    assert_eq!(pos("g[1]"), Vec3::new(1.0, 0.0, 0.0));
    assert_eq!(pos("g[2]"), Vec3::new(0.0, 0.0, 3.0));
    assert_eq!(pos("g[8]"), Vec3::new(0.0, 2.0, 0.0));
    for i in 0..4 {
        let p = pos(&format!("r[{i}]"));
        assert!(((p - Vec3::Y).length() - 2.0).abs() < 1e-5);
        let e = &s.entities[s.entity_index(&format!("r[{i}]")).unwrap()];
        let out = e.world.rotation * Vec3::X;
        assert!(
            (out - (p - Vec3::Y) / 2.0).length() < 1e-5,
            "ring copy {i} faces {out}"
        );
    }
    assert!((pos("s[3]").y - 3.0 * 0.26).abs() < 1e-6);
}

#[test]
fn jitter_is_seeded() {
    let text = |seed: u64| {
        format!(
            r#"Scene(version: 1, name: "t", duration: 1.0, seed: {seed},
            entities: [(name: "c", shape: Sphere(radius: 0.1),
                        repeat: Line(count: 5, step: (1, 0, 0), jitter: (at: (0.1, 0, 0.1))))])"#
        )
    };
    let xs = |s: &Scene| {
        s.entities
            .iter()
            .map(|e| e.world.translation)
            .collect::<Vec<_>>()
    };
    let a = ok(&text(1));
    assert_eq!(xs(&a), xs(&ok(&text(1))));
    assert_ne!(xs(&a), xs(&ok(&text(2))));
    for (i, p) in xs(&a).iter().enumerate() {
        assert!((p.x - i as f32).abs() <= 0.1 && p.y == 0.0 && p.z.abs() <= 0.1);
    }
}

#[test]
fn scatter_never_overlaps_and_aims_at_the_center() {
    let s = load("scenes/movi_a.ron".as_ref()).unwrap();
    let objs: Vec<&Entity> = s
        .entities
        .iter()
        .filter(|e| e.name.starts_with("object["))
        .collect();
    assert_eq!(objs.len(), 10);
    for (i, a) in objs.iter().enumerate() {
        let t = a.world.translation;
        assert!(
            (1.0..=5.0).contains(&t.y) && t.x.abs() <= 5.0 && t.z.abs() <= 5.0,
            "{t}"
        );
        for b in &objs[i + 1..] {
            let d = a.world.translation.distance(b.world.translation);
            let r = a.shape.as_ref().unwrap().bounding_radius()
                + b.shape.as_ref().unwrap().bounding_radius();
            assert!(d >= r, "{} and {} overlap", a.name, b.name);
        }
        if let BodyKind::Dynamic { velocity, .. } = &s.bodies[a.body.unwrap()].kind {
            let to_center = Vec3::new(-t.x, 0.0, -t.z);
            assert!(
                velocity.y == 0.0 && velocity.dot(to_center) >= 0.0,
                "{velocity} at {t}"
            );
        }
    }
    // Both sizes and several shapes are drawn.
    let kinds: std::collections::BTreeSet<&str> = objs
        .iter()
        .map(|e| e.shape.as_ref().unwrap().kind())
        .collect();
    assert!(kinds.len() >= 2, "{kinds:?}");
}

#[test]
fn children_without_body_form_one_compound_body() {
    let s = ok(&wrap(
        r#"(name: "cart", shape: Box(size: (1, 0.2, 0.5)), at: (0, 1, 0), rotate_deg: (0, 90, 0),
            children: [
              (name: "mast", shape: Cylinder(radius: 0.05, height: 1), at: (0.5, 0.6, 0)),
              (name: "flag", shape: Box(size: (0.1, 0.1, 0.1)), at: (0, 2, 0), body: Dynamic()),
            ])"#,
    ));
    assert_eq!(s.bodies.len(), 2);
    let cart = &s.bodies[0];
    assert_eq!(cart.parts, vec![0, 1]);
    let mast = &s.entities[1];
    assert_eq!(mast.body, Some(0));
    // Child at (0.5, 0.6, 0) in a frame turned 90 degrees about Y: world (0, 1.6, -0.5).
    assert!((mast.world.translation - Vec3::new(0.0, 1.6, -0.5)).length() < 1e-5);
    assert_eq!(s.entities[2].body, Some(1));
}

#[test]
fn kinematic_keys_and_events_are_resolved() {
    let s = ok(
        r#"Scene(version: 1, name: "t", duration: 2.0, physics_hz: 240,
        entities: [(name: "lift", shape: Box(size: (1, 0.1, 1)),
                    body: Kinematic(keys: [(t: 0, at: (0, 0, 0)), (t: 1, at: (0, 1, 0))])),
                   (name: "ball", shape: Sphere(radius: 0.1), at: (0, 1, 0))],
        events: [(at: 0.5, until: 1.0, target: "ball", action: Force((0, 20, 0))),
                 (at: 0.25, target: "ball", action: Impulse((1, 0, 0)))])"#,
    );
    let KinematicPath::Keys { keys, .. } = (match &s.bodies[0].kind {
        BodyKind::Kinematic(p) => p,
        other => panic!("{other:?}"),
    }) else {
        panic!("keys expected")
    };
    assert_eq!(keys.len(), 2);
    assert_eq!(s.actions[0].start_step, 60);
    assert_eq!((s.actions[1].start_step, s.actions[1].end_step), (120, 240));
    let p = problems(
        r#"Scene(version: 1, name: "t", duration: 2.0,
        entities: [(name: "b", shape: Sphere(radius: 0.1))],
        events: [(at: 0.5, target: "b", action: Force((0, 1, 0)))])"#,
    );
    assert!(p[0].contains("Force and Torque need `until`"), "{p:?}");
}

#[test]
fn colors_parse_hex_and_linear() {
    let s = ok(r##"Scene(version: 1, name: "t", duration: 1.0,
        materials: {"a": (color: "#ffffff"), "b": (color: (0.25, 0.5, 1.0)), "c": (color: "#808080")},
        entities: [])"##);
    let m = |n: &str| s.materials.iter().find(|m| m.name == n).unwrap().color;
    assert_eq!(m("a"), [1.0, 1.0, 1.0]);
    assert_eq!(m("b"), [0.25, 0.5, 1.0]);
    assert!((m("c")[0] - 0.2158605).abs() < 1e-5);
    let p = problems(
        r#"Scene(version: 1, name: "t", duration: 1.0, materials: {"a": (color: "red")}, entities: [])"#,
    );
    assert!(
        p[0].contains(r##"expected "#rrggbb" or "#rgb", found "red""##),
        "{p:?}"
    );
}

#[test]
fn camera_and_lights_are_checked() {
    let p = problems(
        r#"Scene(version: 1, name: "t", duration: 1.0, entities: [],
        camera: (fov_deg: 200, look_at: "hero"),
        lights: [Rig("three-pont"), Sun(direction: (0, 0, 0))])"#,
    );
    let p = p.join("\n");
    assert!(p.contains("fov_deg must be in (0, 180), got 200"), "{p}");
    assert!(p.contains(r#"look_at: unknown entity "hero""#), "{p}");
    assert!(
        p.contains(r#"unknown light rig "three-pont"; did you mean "three-point"?"#),
        "{p}"
    );
    assert!(p.contains("direction must be a non-zero vector"), "{p}");
}

#[test]
fn reference_material_fields_and_rect_lights_are_checked() {
    let s = ok(r#"Scene(version: 1, name: "t", duration: 1.0,
        materials: {"glass": (transmission: 1.0, ior: 1.33), "lamp": (emission: (1, 0.5, 0), emission_intensity: 4),
                    "oak": (pattern: Wood, pattern_scale: 2.0)},
        entities: [], lights: [Rect(at: (0, 2, 0), look_at: (0, 0, 0), size: (1, 0.5))])"#);
    let m = |n: &str| s.materials.iter().find(|m| m.name == n).unwrap();
    assert_eq!((m("glass").transmission, m("glass").ior), (1.0, 1.33));
    assert_eq!(m("lamp").emission, [4.0, 2.0, 0.0]);
    assert_eq!(m("oak").pattern, Some(crate::scene::Pattern::Wood));
    // Defaults keep old scenes as they were: opaque, ior 1.5 (F0 0.04), no emission.
    let d = &s.materials[0];
    assert_eq!(
        (d.transmission, d.ior, d.emission, d.pattern),
        (0.0, 1.5, [0.0; 3], None)
    );
    let p = problems(
        r#"Scene(version: 1, name: "t", duration: 1.0, entities: [],
        materials: {"bad": (transmission: 1.5, ior: 0.5, emission: "blue", pattern_scale: 0)},
        lights: [Rect(at: (0, 2, 0), look_at: (0, 2, 0), size: (0, 1), intensity: -1)])"#,
    )
    .join("\n");
    for needle in [
        r#"materials["bad"]: transmission must be in [0, 1], got 1.5"#,
        r#"materials["bad"]: ior must be in [1, 3], got 0.5"#,
        r#"materials["bad"]: emission: expected"#,
        r#"materials["bad"]: pattern_scale must be in [0.001, 1000], got 0"#,
        "lights[0]: size must be two lengths in (0, 10000] m, got (0, 1)",
        "lights[0]: intensity must be >= 0, got -1",
        "lights[0]: look_at must differ from at",
    ] {
        assert!(p.contains(needle), "missing {needle:?} in:\n{p}");
    }
    let e = parse(r#"Scene(version: 1, name: "t", duration: 1.0, entities: [], materials: {"a": (pattern: Wod)})"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("Wood") && e.contains("t.ron:1:"), "{e}");
}

// ---- property tests: nothing panics, and the format round-trips ----

fn num() -> impl Strategy<Value = f32> {
    prop_oneof![
        4 => -3.0f32..3.0,
        1 => Just(0.0f32),
        1 => Just(f32::NAN),
        1 => Just(f32::INFINITY),
        1 => Just(-1e9f32),
    ]
}

fn v3() -> impl Strategy<Value = [f32; 3]> {
    [num(), num(), num()]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".to_string()),
        Just("b".to_string()),
        Just("c[1]".to_string()),
        Just(String::new()),
        "[a-z]{1,4}"
    ]
}

fn shape() -> impl Strategy<Value = ShapeFile> {
    prop_oneof![
        num().prop_map(|radius| ShapeFile::Sphere { radius }),
        v3().prop_map(|size| ShapeFile::Box { size }),
        (num(), num()).prop_map(|(radius, height)| ShapeFile::Capsule { radius, height }),
        (num(), num()).prop_map(|(radius, height)| ShapeFile::Cone { radius, height }),
        Just(ShapeFile::Ground),
        (num()).prop_map(|scale| ShapeFile::ConvexHull {
            path: "meshes/wedge.obj".into(),
            scale
        }),
        (num()).prop_map(|scale| ShapeFile::TriMesh {
            path: "../x.obj".into(),
            scale
        }),
    ]
}

fn body() -> impl Strategy<Value = BodyFile> {
    prop_oneof![
        Just(BodyFile::Fixed),
        (v3(), v3(), num()).prop_map(|(velocity, angular_velocity, d)| BodyFile::Dynamic {
            velocity,
            angular_velocity,
            ccd: false,
            linear_damping: d,
            angular_damping: 0.0,
            can_sleep: true,
            sleeping: false,
        }),
        prop::collection::vec((num(), v3()), 0..3).prop_map(|keys| BodyFile::Kinematic {
            keys: keys
                .into_iter()
                .map(|(t, at)| KeyFile {
                    t,
                    at,
                    rotate_deg: [0.0; 3]
                })
                .collect(),
            ease: Ease::Smooth,
            velocity: [0.0; 3],
            angular_velocity: [0.0; 3],
        }),
    ]
}

fn repeat() -> impl Strategy<Value = RepeatFile> {
    prop_oneof![
        (0u32..5, v3()).prop_map(|(count, step)| RepeatFile::Line {
            count,
            step,
            jitter: None
        }),
        (0u32..4, num()).prop_map(|(count, radius)| RepeatFile::Ring {
            count,
            radius,
            face_out: true,
            jitter: None
        }),
        (0u32..4, num()).prop_map(|(count, gap)| RepeatFile::Stack {
            count,
            gap,
            jitter: Some(JitterFile::default())
        }),
        (0u32..4, v3(), v3()).prop_map(|(count, min, max)| RepeatFile::Scatter {
            count,
            min,
            max,
            prefabs: vec!["p".into(), "q".into()],
            materials: vec![],
            scales: vec![1.0],
            gap: 0.0,
            random_rotation: true,
            toward: Some([0.0; 3]),
            speed: (0.0, 1.0),
        }),
    ]
}

fn entity(depth: u32) -> BoxedStrategy<EntityFile> {
    let leaf = (
        prop::option::of(name()),
        prop::option::of(shape()),
        prop::option::of(body()),
        prop::option::of(num()),
        prop::option::of(v3()),
        prop::option::of(v3()),
        prop::option::of(repeat()),
        prop::option::of(prop_oneof![Just("p".to_string()), Just("zz".to_string())]),
    )
        .prop_map(
            |(name, shape, body, mass, at, rotate_deg, repeat, prefab)| EntityFile {
                name,
                prefab,
                shape,
                material: None,
                body,
                mass,
                at,
                rotate_deg,
                quat: None,
                repeat,
                children: None,
                sound: None,
            },
        );
    if depth == 0 {
        leaf.boxed()
    } else {
        (leaf, prop::collection::vec(entity(depth - 1), 0..3))
            .prop_map(|(mut e, c)| {
                if !c.is_empty() {
                    e.children = Some(c);
                }
                e
            })
            .boxed()
    }
}

fn scene_file() -> impl Strategy<Value = SceneFile> {
    (
        num(),
        0u32..100,
        0u32..500,
        prop::collection::vec(entity(1), 0..5),
        prop::collection::vec((name(), name(), v3(), num()), 0..3),
        prop::collection::vec((num(), name(), v3()), 0..3),
    )
        .prop_map(|(duration, fps, physics_hz, entities, joints, events)| {
            let mut prefabs = std::collections::BTreeMap::new();
            prefabs.insert(
                "p".to_string(),
                EntityFile {
                    shape: Some(ShapeFile::Sphere { radius: 0.1 }),
                    ..Default::default()
                },
            );
            SceneFile {
                version: 1,
                name: "prop".into(),
                seed: 3,
                duration,
                fps,
                physics_hz,
                gravity: [0.0, -9.81, 0.0],
                resolution: (64, 64),
                materials: Default::default(),
                cloths: Vec::new(),
                wind: None,
                fluids: Vec::new(),
                characters: Vec::new(),
                prefabs,
                entities,
                joints: joints
                    .into_iter()
                    .map(|(a, b, axis, lo)| JointFile {
                        name: "j".into(),
                        kind: JointKindFile::Hinge {
                            axis,
                            limits_deg: Some((lo, 1.0)),
                            motor: None,
                        },
                        a: Some(a),
                        b,
                        anchor: [0.0; 3],
                        anchor_b: None,
                        collide: false,
                    })
                    .collect(),
                events: events
                    .into_iter()
                    .map(|(at, target, v)| TimedEventFile {
                        at,
                        until: None,
                        target,
                        action: ActionFile::Impulse(v),
                    })
                    .collect(),
                camera: CameraFile::default(),
                lights: vec![],
                style: None,
                environment: None,
                fog: None,
                set: None,
                world_from_set: false,
                sound: None,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse(&text);
    }

    #[test]
    fn mutated_valid_scenes_never_panic(cut in 0usize..2000, insert in "[(),:\\[\\]\"a-z0-9. -]{0,6}") {
        let base = include_str!("../../scenes/tower_knockdown.ron");
        let cut = cut.min(base.len());
        let cut = (0..=cut).rev().find(|i| base.is_char_boundary(*i)).unwrap_or(0);
        let text = format!("{}{}{}", &base[..cut], insert, &base[cut..]);
        let _ = parse(&text);
    }

    #[test]
    fn well_typed_wrong_scenes_never_panic_and_round_trip(file in scene_file()) {
        let text = ron::ser::to_string(&file).unwrap();
        let back = parse_file(&text, "rt").unwrap();
        prop_assert_eq!(format!("{:?}", back), format!("{:?}", file));
        let origin = validate::Origin { path: None, base_dir: "scenes".as_ref(), text: &text, set: None };
        match validate::validate(&file, &origin) {
            Ok(scene) => {
                // A valid scene must also simulate without panicking.
                if scene.total_steps() < 2000 && scene.bodies.len() < 50 {
                    let _ = crate::physics::simulate(&scene, &crate::progress::Silent);
                }
            }
            Err(problems) => prop_assert!(!problems.is_empty()),
        }
    }
}

mod worlds {
    //! Issue 13: environment, fog, sets, material maps, mesh UVs and materials.

    use super::*;
    use crate::world::Environment;

    fn in_dir(dir: &std::path::Path, text: &str) -> Result<Scene, SceneError> {
        parse_str(text, "w.ron", dir)
    }

    fn problems_in(dir: &std::path::Path, text: &str) -> Vec<String> {
        match in_dir(dir, text) {
            Err(SceneError::Invalid { problems, .. }) => {
                problems.iter().map(|p| p.to_string()).collect()
            }
            Err(e) => panic!("expected semantic problems, got: {e}"),
            Ok(_) => panic!("expected semantic problems, the scene validated"),
        }
    }

    fn scene(extra: &str) -> String {
        format!(
            r#"Scene(version: 1, name: "w", duration: 0.5, {extra}
    entities: [(name: "ball", shape: Sphere(radius: 0.1), at: (0.0, 1.0, 0.0))])"#
        )
    }

    fn png(dir: &std::path::Path, name: &str, w: u32, h: u32) {
        image::RgbaImage::from_fn(w, h, |x, y| {
            image::Rgba([x as u8 * 40, y as u8 * 40, 7, 255])
        })
        .save_with_format(dir.join(name), image::ImageFormat::Png)
        .unwrap();
    }

    #[test]
    fn environments_resolve_with_documented_defaults() {
        let s = ok(&scene("environment: Uniform(intensity: 2.0),"));
        match s.environment {
            Environment::Uniform { radiance } => assert_eq!(radiance, Vec3::splat(2.0)),
            e => panic!("{e:?}"),
        }
        let s = ok(&scene(
            "environment: Sky(sun: Angles(elevation_deg: 30.0, azimuth_deg: -90.0)),",
        ));
        match s.environment {
            Environment::Sky(k) => {
                assert_eq!((k.sun_elevation_deg, k.sun_azimuth_deg), (30.0, 270.0));
                assert_eq!((k.turbidity, k.intensity, k.sun_light), (3.0, 1.0, true));
                // "#7f7f7f" is linear 0.212.
                assert!(
                    (k.ground_albedo.x - 0.212).abs() < 0.002,
                    "{}",
                    k.ground_albedo
                );
            }
            e => panic!("{e:?}"),
        }
        assert!(matches!(
            ok(&scene("")).environment,
            Environment::Hemisphere
        ));
        let s = ok(&scene("fog: (density: 0.05, color: \"#ffffff\"),"));
        let f = s.fog.unwrap();
        assert_eq!(
            (f.density, f.height_falloff, f.base_height),
            (0.05, 0.0, 0.0)
        );
        assert_eq!(f.color, Some(Vec3::ONE));
    }

    #[test]
    fn bad_environment_and_fog_list_every_field() {
        let p = problems(&scene(
            r#"environment: Sky(sun: Angles(elevation_deg: 95.0, azimuth_deg: 10.0),
                turbidity: 1.0, intensity: -1.0),
               fog: (density: 0.0, height_falloff: -1.0),"#,
        ));
        for want in [
            "environment.sun: elevation_deg must be in [-10, 90], got 95",
            "environment: turbidity must be in [1.7, 10], got 1",
            "environment: intensity must be finite and >= 0, got -1",
            "fog: density must be finite and > 0",
            "fog: height_falloff must be finite and >= 0",
        ] {
            assert!(
                p.iter().any(|x| x.contains(want)),
                "missing {want:?} in {p:#?}"
            );
        }
    }

    #[test]
    fn dates_and_times_are_parsed_strictly_with_located_errors() {
        let p = problems(&scene(
            r#"environment: Sky(sun: Date(date: "2026-02-30", time: "25:00",
                latitude: 91.0, longitude: 0.0)),"#,
        ));
        for want in [
            "environment.sun: date: expected \"YYYY-MM-DD\", found \"2026-02-30\"",
            "environment.sun: time: expected \"HH:MM\" or \"HH:MM:SS\", found \"25:00\"",
            "environment.sun: latitude must be in [-90, 90], got 91",
        ] {
            assert!(
                p.iter().any(|x| x.contains(want)),
                "missing {want:?} in {p:#?}"
            );
        }
        assert_eq!(
            crate::scene::validate::parse_date("2024-02-29"),
            Ok((2024, 2, 29))
        );
        assert!(crate::scene::validate::parse_date("2023-02-29").is_err());
        assert!(crate::scene::validate::parse_date("24-2-29").is_err());
        assert!((crate::scene::validate::parse_time("19:30").unwrap() - 19.5).abs() < 1e-6);
        assert!((crate::scene::validate::parse_time("06:00:36").unwrap() - 6.01).abs() < 1e-6);
        assert!(crate::scene::validate::parse_time("6:00").is_err());
        assert!(crate::scene::validate::parse_time("06:00:60").is_err());
    }

    #[test]
    fn a_date_places_the_sun() {
        let s = ok(&scene(
            r#"environment: Sky(sun: Date(date: "2026-06-21", time: "12:00",
                latitude: 0.0, longitude: 0.0)),"#,
        ));
        let Environment::Sky(k) = s.environment else {
            panic!()
        };
        // Near noon at the equator at the June solstice the sun stands ~66.5° high, north.
        assert!((k.sun_elevation_deg - 66.5).abs() < 2.0, "{k:?}");
    }

    #[test]
    fn hdri_path_errors_are_located_before_loading() {
        let dir = tempfile::tempdir().unwrap();
        let p = problems_in(dir.path(), &scene(r#"environment: Hdri(path: "sky.hdr"),"#));
        assert!(
            p.iter()
                .any(|x| x.starts_with("environment: path: cannot open HDRI file \"sky.hdr\"")),
            "{p:#?}"
        );
        let p = problems_in(
            dir.path(),
            &scene(r#"environment: Hdri(path: "../x.hdr"),"#),
        );
        assert!(p.iter().any(|x| x.contains("environment: path:")), "{p:#?}");
    }

    #[test]
    fn material_maps_load_and_bad_ones_name_file_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        png(d, "wood.png", 4, 4);
        png(d, "one.png", 1, 1);
        std::fs::create_dir(d.join("sub")).unwrap();
        let text = |maps: &str| {
            format!(
                r#"Scene(version: 1, name: "w", duration: 0.5,
    materials: {{"m": ({maps})}},
    entities: [(name: "ball", shape: Sphere(radius: 0.1), material: "m")])"#
            )
        };
        let s = in_dir(
            d,
            &text(
                r#"base_color_map: "wood.png", occlusion_map: "./wood.png", uv_scale: (2.0, 3.0)"#,
            ),
        )
        .unwrap();
        let m = &s.materials[s.entities[0].material];
        let base = m.maps.base_color.as_ref().unwrap();
        assert_eq!(base.size(), (4, 4));
        assert_eq!(base.color_space, crate::texture::ColorSpace::Srgb);
        let occ = m.maps.occlusion.as_ref().unwrap();
        assert_eq!(occ.color_space, crate::texture::ColorSpace::Linear);
        assert_eq!(m.maps.uv_scale, glam::Vec2::new(2.0, 3.0));

        let p = problems_in(
            d,
            &text(
                r#"base_color_map: "missing.png", normal_map: "one.png",
                   emissive_map: "../escape.png", uv_scale: (0.0, 1.0)"#,
            ),
        );
        for want in [
            "materials[\"m\"]: base_color_map: cannot open texture file \"missing.png\"",
            "materials[\"m\"]: normal_map: texture \"one.png\" is 1×1",
            "materials[\"m\"]: emissive_map: ",
            "materials[\"m\"]: uv_scale must be two finite numbers > 0",
        ] {
            assert!(
                p.iter().any(|x| x.contains(want)),
                "missing {want:?} in {p:#?}"
            );
        }
        assert!(p.iter().any(|x| x.contains("\"../escape.png\"")), "{p:#?}");
    }

    #[test]
    fn the_hash_covers_texture_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        png(d, "t.png", 4, 4);
        let text = r#"Scene(version: 1, name: "w", duration: 0.5,
    materials: {"m": (base_color_map: "t.png")},
    entities: [(name: "ball", shape: Sphere(radius: 0.1), material: "m")])"#;
        let a = in_dir(d, text).unwrap().source.hash;
        assert_eq!(a, in_dir(d, text).unwrap().source.hash);
        png(d, "t.png", 4, 2);
        let b = in_dir(d, text).unwrap().source.hash;
        assert_ne!(a, b);
    }

    #[test]
    fn every_bundled_set_parses() {
        assert!(bundled_sets().len() >= 4);
        for (name, text) in bundled_sets() {
            let s = crate::scene::set::parse(text, name).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(&s.name, name);
        }
    }

    #[test]
    fn a_set_merges_under_the_scene() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join("my_set.ron"),
            r##"Set(name: "mine",
    materials: {"floor": (color: "#ff0000"), "shared": (roughness: 0.1)},
    entities: [(name: "floor", shape: Ground, material: "floor")],
    lights: [Ambient(intensity: 0.5)],
    environment: Uniform(intensity: 3.0),
    fog: (density: 0.5))"##,
        )
        .unwrap();
        let text = r#"Scene(version: 1, name: "w", duration: 0.5, set: "my_set.ron",
    materials: {"shared": (roughness: 0.9)},
    fog: (density: 0.1),
    lights: [Point(at: (0.0, 2.0, 0.0))],
    entities: [(name: "ball", shape: Sphere(radius: 0.1), material: "shared")])"#;
        let s = in_dir(d, text).unwrap();
        let names: Vec<&str> = s.entities.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["floor", "ball"]);
        assert_eq!(
            s.materials[s.entities[1].material].roughness, 0.9,
            "scene wins"
        );
        assert_eq!(s.lights.len(), 1, "the scene's lights replace the set's");
        assert!(matches!(s.lights[0], crate::scene::Light::Point { .. }));
        let unlit = in_dir(
            d,
            &text.replace("lights: [Point(at: (0.0, 2.0, 0.0))],", ""),
        )
        .unwrap();
        assert!(
            matches!(unlit.lights[..], [crate::scene::Light::Ambient { .. }]),
            "a scene without lights keeps the set's"
        );
        assert!(
            matches!(s.environment, Environment::Uniform { .. }),
            "the set's"
        );
        assert_eq!(s.fog.unwrap().density, 0.1, "the scene's");
        let s2 = in_dir(d, &text.replace("set: \"my_set.ron\",", "")).unwrap();
        assert_ne!(s.source.hash, s2.source.hash);

        // A problem inside the set names the set's own entity.
        std::fs::write(
            d.join("bad_set.ron"),
            r#"Set(name: "bad", entities: [(name: "x", shape: Sphere(radius: -1.0))])"#,
        )
        .unwrap();
        let p = problems_in(d, &text.replace("my_set.ron", "bad_set.ron"));
        assert!(
            p.iter()
                .any(|x| x.starts_with("set \"bad_set.ron\" entities[0] \"x\"")),
            "{p:#?}"
        );

        // A syntax error inside the set points at the set file's line and column.
        std::fs::write(d.join("broken.ron"), "Set(\n  name: \"b\",\n  bogus: 1)").unwrap();
        match in_dir(d, &text.replace("my_set.ron", "broken.ron")) {
            Err(SceneError::Syntax { path, line, .. }) => {
                assert!(path.ends_with("broken.ron"), "{path}");
                assert_eq!(line, 3);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_unknown_set_gets_a_did_you_mean_and_a_path_cannot_escape() {
        let e = parse(&scene(r#"set: "studi0","#)).unwrap_err().to_string();
        assert!(
            e.contains("unknown set \"studi0\"; did you mean \"studio\"?"),
            "{e}"
        );
        assert!(e.contains("studio, room, tabletop, outdoor"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let e = in_dir(dir.path(), &scene(r#"set: "../elsewhere.ron","#))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("set:") && e.contains("\"../elsewhere.ron\""),
            "{e}"
        );
    }

    #[test]
    fn a_bundled_set_places_its_entities_first() {
        let s = ok(&scene(r#"set: "studio","#));
        assert!(s.entities.len() >= 2);
        assert_eq!(s.entities.last().unwrap().name, "ball");
    }
}

mod mesh_files {
    //! Issue 13: UVs and materials from OBJ+MTL and glTF.

    use super::*;

    fn png(dir: &std::path::Path, name: &str) {
        image::RgbaImage::from_fn(2, 2, |x, y| {
            image::Rgba([x as u8 * 200, y as u8 * 200, 9, 255])
        })
        .save_with_format(dir.join(name), image::ImageFormat::Png)
        .unwrap();
    }

    fn scene(shape: &str, material: &str) -> String {
        format!(
            r#"Scene(version: 1, name: "m", duration: 0.5,
    materials: {{"default": (density: 321.0)}},
    entities: [(name: "m", shape: {shape} {material})])"#
        )
    }

    const TRI_OBJ: &str = "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\n";

    #[test]
    fn obj_uvs_and_mtl_material_load_without_moving_vertices() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        png(d, "kd.png");
        std::fs::create_dir(d.join("tex")).unwrap();
        png(&d.join("tex"), "n.png");
        std::fs::write(
            d.join("t.mtl"),
            "newmtl red\nKd 0.8 0.1 0.1\nNs 98\nmap_Kd kd.png\nnorm tex/n.png\nKe 0 0 0\n",
        )
        .unwrap();
        let faces = "f 1 2 3\nf 1 3 4\nf 1 4 2\nf 2 4 3\n";
        let faces_vt = "f 1/1 2/2 3/3\nf 1/1 3/3 4/4\nf 1/1 4/4 2/2\nf 2/2 4/4 3/3\n";
        std::fs::write(d.join("plain.obj"), format!("{TRI_OBJ}{faces}")).unwrap();
        std::fs::write(
            d.join("uv.obj"),
            format!(
                "mtllib t.mtl\n{TRI_OBJ}vt 0 0\nvt 1 0\nvt 0 1\nvt 0.5 0.25\nusemtl red\n{faces_vt}"
            ),
        )
        .unwrap();
        let plain = parse_str(&scene("ConvexHull(path: \"plain.obj\"),", ""), "m", d).unwrap();
        let uv = parse_str(&scene("ConvexHull(path: \"uv.obj\"),", ""), "m", d).unwrap();
        let (Some(Shape::ConvexHull(a)), Some(Shape::ConvexHull(b))) =
            (&plain.entities[0].shape, &uv.entities[0].shape)
        else {
            panic!()
        };
        assert_eq!(a.vertices, b.vertices, "UVs must not change the positions");
        assert_eq!(a.indices, b.indices);
        assert!(a.uvs.is_empty());
        assert_eq!(b.uvs.len(), b.vertices.len());
        let i = b.vertices.iter().position(|v| *v == Vec3::Z).unwrap();
        // vt 0.5 0.25 -> (0.5, 0.75) with v down from the top.
        assert_eq!(b.uvs[i], [0.5, 0.75]);
        assert_eq!(plain.bodies[0].kind.name(), uv.bodies[0].kind.name());

        let m = &uv.materials[uv.entities[0].material];
        assert_eq!(m.name, "uv.obj#red");
        assert_eq!(m.color, [0.8, 0.1, 0.1]);
        assert!((m.roughness - crate::scene::mesh::roughness_from_ns(98.0)).abs() < 1e-6);
        assert!((m.roughness - 0.376).abs() < 0.01, "{}", m.roughness);
        assert_eq!(
            m.density, 321.0,
            "physics from the scene's default material"
        );
        assert_eq!(m.maps.base_color.as_ref().unwrap().name, "kd.png");
        assert_eq!(m.maps.normal.as_ref().unwrap().name, "tex/n.png");
        // An entity naming a material keeps it.
        let named = parse_str(
            &scene("ConvexHull(path: \"uv.obj\"),", "material: \"default\""),
            "m",
            d,
        )
        .unwrap();
        assert_eq!(named.materials[named.entities[0].material].name, "default");
    }

    #[test]
    fn mtl_map_leaving_the_folder_names_mesh_material_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("scene");
        std::fs::create_dir(&d).unwrap();
        png(dir.path(), "outside.png");
        std::fs::write(d.join("t.mtl"), "newmtl m\nmap_Kd ../outside.png\n").unwrap();
        std::fs::write(
            d.join("x.obj"),
            format!("mtllib t.mtl\n{TRI_OBJ}usemtl m\nf 1 2 3\nf 1 3 4\nf 1 4 2\nf 2 4 3\n"),
        )
        .unwrap();
        let e = parse_str(&scene("ConvexHull(path: \"x.obj\"),", ""), "m", &d)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("mesh \"x.obj\": material \"m\" map_Kd: path \"../outside.png\" leaves"),
            "{e}"
        );
    }

    #[test]
    fn gltf_texcoords_and_pbr_material_load() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        png(d, "base.png");
        let mut bin = Vec::new();
        for p in [[0.0f32, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]] {
            for c in p {
                bin.extend_from_slice(&c.to_le_bytes());
            }
        }
        for t in [[0.0f32, 0.0], [1.0, 0.0], [0.25, 1.0]] {
            for c in t {
                bin.extend_from_slice(&c.to_le_bytes());
            }
        }
        std::fs::write(d.join("tri.bin"), &bin).unwrap();
        let gltf = r#"{"asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": [0]}],
  "nodes": [{"mesh": 0}],
  "meshes": [{"primitives": [{"attributes": {"POSITION": 0, "TEXCOORD_0": 1}, "material": 0}]}],
  "materials": [{"name": "paint", "pbrMetallicRoughness": {"baseColorFactor": [0.5, 0.25, 1.0, 1.0],
     "metallicFactor": 0.75, "roughnessFactor": 0.125, "baseColorTexture": {"index": 0}},
     "emissiveFactor": [0.0, 0.5, 0.0]}],
  "textures": [{"source": 0}], "images": [{"uri": "base.png"}],
  "buffers": [{"byteLength": 60, "uri": "tri.bin"}],
  "bufferViews": [{"buffer": 0, "byteOffset": 0, "byteLength": 36},
                  {"buffer": 0, "byteOffset": 36, "byteLength": 24}],
  "accessors": [
    {"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3",
     "min": [0, 0, 0], "max": [1, 1, 0]},
    {"bufferView": 1, "componentType": 5126, "count": 3, "type": "VEC2"}]}"#;
        std::fs::write(d.join("tri.gltf"), gltf).unwrap();
        let s = parse_str(&scene("TriMesh(path: \"tri.gltf\"),", ""), "m", d).unwrap();
        let Some(Shape::TriMesh(m)) = &s.entities[0].shape else {
            panic!()
        };
        assert_eq!(m.uvs, vec![[0.0, 0.0], [1.0, 0.0], [0.25, 1.0]]);
        let mat = &s.materials[s.entities[0].material];
        assert_eq!(mat.name, "tri.gltf#material0");
        assert_eq!(mat.color, [0.5, 0.25, 1.0]);
        assert_eq!((mat.metallic, mat.roughness), (0.75, 0.125));
        assert_eq!(mat.emission, [0.0, 0.5, 0.0]);
        assert_eq!(mat.maps.base_color.as_ref().unwrap().name, "base.png");

        // A data-URI image is refused with a message saying what to do.
        std::fs::write(
            d.join("data.gltf"),
            gltf.replace(
                "\"uri\": \"base.png\"",
                "\"uri\": \"data:image/png;base64,AAAA\"",
            ),
        )
        .unwrap();
        let e = parse_str(&scene("TriMesh(path: \"data.gltf\"),", ""), "m", d)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("material \"material0\" baseColorTexture: embedded (data URI) images"),
            "{e}"
        );
    }
}

#[test]
fn sound_settings_out_of_physical_range_are_refused_with_the_field_named() {
    let p = problems(
        r#"Scene(version: 1, name: "t", duration: 1.0,
        materials: {"m": (sound: (preset: "tin", poisson: 0.7, young_modulus: -1)),
                    "n": (sound: (beta: 1.0))},
        entities: [(name: "a", shape: Sphere(radius: 0.1), material: "m",
                    sound: (gain: -2, modes: [(5.0, 0.5, 1.0)])),
                   (name: "b", shape: Sphere(radius: 0.1), material: "n")],
        sound: (gain_db: 40, voices: 0, room: Custom(rt60: 50, wet: 2), room_tone_db: 0,
                listener: (at: (0, 1, 0), look_at: (0, 1, 0))))"#,
    );
    let all = p.join("\n");
    for needle in [
        "materials[\"m\"]: sound.preset: unknown acoustic preset \"tin\"; expected one of steel, wood",
        "materials[\"m\"]: sound.young_modulus must be in [100000, 1000000000000] Pa, got -1",
        "materials[\"m\"]: sound.poisson must be in [0, 0.499], got 0.7",
        "materials[\"n\"]: sound.beta must be in [0, 0.01] s, got 1",
        "\"a\": sound.gain must be in [0, 100], got -2",
        "\"a\": sound.modes[0]: frequency must be in [20, 20000] Hz, got 5",
        "sound.gain_db: must be in [-60, 24] dB, got 40",
        "sound.voices: must be in 1..=1024, got 0",
        "sound.room.rt60: must be in [0.05, 10] s, got 50",
        "sound.room.wet: must be in [0, 1], got 2",
        "sound.room_tone_db: must be in [-90, -20] dBFS, got 0",
        "sound.listener: look_at must differ from at",
    ] {
        assert!(all.contains(needle), "missing {needle:?} in:\n{all}");
    }
}

#[test]
fn acoustic_presets_are_guessed_from_the_material_and_set_the_room() {
    let s = ok(r#"Scene(version: 1, name: "t", duration: 1.0, set: "room",
        materials: {"brushed steel": (), "oak": (density: 700), "thing": (metallic: 1.0),
                    "pane": (transmission: 1.0), "x": (density: 1200),
                    "custom": (sound: (preset: "rubber", alpha: 10))},
        entities: [(name: "a", shape: Sphere(radius: 0.1))])"#);
    let preset = |name: &str| {
        let m = s.materials.iter().find(|m| m.name == name).unwrap();
        (m.acoustic.preset, m.acoustic.alpha)
    };
    assert_eq!(preset("brushed steel").0, "steel");
    assert_eq!(preset("oak").0, "wood");
    assert_eq!(preset("thing").0, "steel");
    assert_eq!(preset("pane").0, "glass");
    assert_eq!(preset("x").0, "plastic");
    assert_eq!(preset("custom"), ("rubber", 10.0));
    assert_eq!(s.sound.room.name, "room");
}
