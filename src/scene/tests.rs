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
