use std::path::Path;

use serde_json::json;

use super::*;

/// A plan file beside a small scene in a temporary folder.
fn plan_in(dir: &Path, plan: &str) -> PathBuf {
    std::fs::write(
        dir.join("scene.ron"),
        r##"Scene(version: 1, name: "two", seed: 5, duration: 0.5, resolution: (32, 18),
            materials: { "steel": (color: "#b8bcc2", density: 7850), "rubber": (color: "#202020", density: 1100) },
            entities: [
                (name: "floor", shape: Ground, body: Fixed),
                (name: "ball", shape: Sphere(radius: 0.1), material: "steel", at: (0.0, 0.5, 0.0)),
                (name: "cube", shape: Box(size: (0.1, 0.1, 0.1)), at: (0.3, 0.05, 0.0),
                 repeat: Line(count: 3, step: (0.0, 0.0, 0.2))),
            ],
            camera: (at: (0.0, 1.0, 3.0), look_at: "ball"))"##,
    )
    .unwrap();
    let path = dir.join("plan.ron");
    std::fs::write(&path, plan).unwrap();
    path
}

const PLAN: &str = r#"Plan(
    version: 1,
    name: "two variants",
    base: Scene("scene.ron"),
    count: 1000,
    seed: 9,
    vary: [
        (path: "entities[\"ball\"].material", draw: Choice(["steel", "rubber"])),
        (path: "entities[\"ball\"].at.1", draw: Uniform(0.3, 0.9)),
        (path: "entities[\"cube\"].repeat.Line.count", draw: Int(1, 4)),
        (path: "camera.at", draw: Shell(center: (0.0, 0.0, 0.0), radius: (2.0, 3.0), elevation_deg: (10.0, 50.0))),
        (path: "style", draw: Weighted([(3.0, "noir"), (1.0, "golden-hour")])),
    ],
)"#;

fn load_plan(text: &str) -> (tempfile::TempDir, Result<Plan, PlanError>) {
    let dir = tempfile::tempdir().unwrap();
    let path = plan_in(dir.path(), text);
    let plan = load(&path);
    (dir, plan)
}

#[test]
fn paths_parse_into_steps_and_bad_ones_name_the_column() {
    assert_eq!(
        parse_path(r#"entities["ball"].at.1"#).unwrap(),
        vec![
            Step::Field("entities".into()),
            Step::Named("ball".into()),
            Step::Field("at".into()),
            Step::Index(1),
        ]
    );
    assert_eq!(
        parse_path("joints[2].anchor").unwrap(),
        vec![
            Step::Field("joints".into()),
            Step::Index(2),
            Step::Field("anchor".into())
        ]
    );
    for (bad, needle) in [
        ("", "empty"),
        ("camera.", "column 7"),
        (r#"entities["ball"#, "unterminated"),
        ("entities[x]", "index"),
        ("camera..at", "column 7"),
        (".camera", "column 1"),
    ] {
        let e = parse_path(bad).unwrap_err();
        assert!(e.contains(needle), "{bad}: {e}");
    }
}

#[test]
fn slots_follow_fields_indexes_and_names_or_say_what_is_there() {
    let mut tree = json!({"camera": {"at": null}, "entities": [{"name": "a", "at": [1, 2, 3]}]});
    *draw::slot(&mut tree, &parse_path("camera.at").unwrap()).unwrap() = json!([0, 1, 0]);
    assert_eq!(tree["camera"]["at"], json!([0, 1, 0]));
    *draw::slot(&mut tree, &parse_path(r#"entities["a"].at.2"#).unwrap()).unwrap() = json!(9);
    assert_eq!(tree["entities"][0]["at"][2], json!(9));
    let e = draw::slot(&mut tree, &parse_path("camera.fov").unwrap()).unwrap_err();
    assert!(e.contains("no field \"fov\"") && e.contains("at"), "{e}");
    let e = draw::slot(&mut tree, &parse_path(r#"entities["b"]"#).unwrap()).unwrap_err();
    assert!(
        e.contains("no element named \"b\"") && e.contains("names: a"),
        "{e}"
    );
    let e = draw::slot(&mut tree, &parse_path("entities[4]").unwrap()).unwrap_err();
    assert!(e.contains("1 elements"), "{e}");
    let e = draw::slot(&mut tree, &parse_path("camera.at.x").unwrap()).unwrap_err();
    assert!(e.contains("a list"), "{e}");
}

#[test]
fn items_are_a_pure_function_of_the_plan_and_the_index() {
    let (_d, plan) = load_plan(PLAN);
    let plan = plan.unwrap();
    let a = plan.item(17).unwrap();
    let b = plan.item(17).unwrap();
    assert_eq!(a.text, b.text);
    assert_ne!(a.text, plan.item(18).unwrap().text);
    // The text is a valid scene with the drawn values in it.
    let (scene, look) = crate::style::parse_str(&a.text, &a.origin, &a.base_dir, None).unwrap();
    assert_eq!(scene.seed, a.seed);
    let drawn: BTreeMap<_, _> = a.drawn.iter().cloned().collect();
    let ball = &scene.entities[scene.entity_index("ball").unwrap()];
    let y = drawn[r#"entities["ball"].at.1"#].as_f64().unwrap() as f32;
    assert_eq!(ball.world.translation.y, y);
    let cubes = scene
        .entities
        .iter()
        .filter(|e| e.name.starts_with("cube"))
        .count();
    assert_eq!(
        cubes as i64,
        drawn[r#"entities["cube"].repeat.Line.count"#]
            .as_i64()
            .unwrap()
    );
    assert_eq!(look.style.as_deref(), drawn["style"].as_str());
    // The same plan loaded from another folder (another path to the base) draws the same.
    let (_d2, again) = load_plan(PLAN);
    let again = again.unwrap();
    assert_eq!(again.hash, plan.hash);
    assert_eq!(again.item(17).unwrap().drawn, a.drawn);
    // A different seed draws differently.
    let (_d3, other) = load_plan(&PLAN.replace("seed: 9", "seed: 10"));
    assert_ne!(other.unwrap().item(17).unwrap().drawn, a.drawn);
    // Outside the plan: a clear error.
    let e = plan.item(1000).unwrap_err().to_string();
    assert!(e.contains("outside the plan's 1000 items"), "{e}");
}

use std::collections::BTreeMap;

/// Over 1 000 items each choice's frequency and each continuous draw's mean lie within
/// 4.5 standard errors of what the distribution says (a false alarm about once in
/// 150 000 runs per bound; the streams are fixed, so this test gives one answer).
#[test]
fn draws_follow_their_distributions_over_a_thousand_items() {
    let (_d, plan) = load_plan(PLAN);
    let plan = plan.unwrap();
    let n = plan.count();
    let items: Vec<Item> = (0..n).map(|i| plan.item(i).unwrap()).collect();
    let values = |path: &str| -> Vec<Json> {
        items
            .iter()
            .map(|it| it.drawn.iter().find(|(p, _)| p == path).unwrap().1.clone())
            .collect()
    };
    let within = |what: &str, got: f64, want: f64, sd: f64| {
        let se = sd / (n as f64).sqrt();
        assert!(
            (got - want).abs() < 4.5 * se,
            "{what}: {got} vs {want} (standard error {se})"
        );
    };
    let freq = |v: &[Json], x: &Json| v.iter().filter(|y| *y == x).count() as f64 / n as f64;
    // Choice of two: p = 1/2, sd of an indicator sqrt(p(1-p)).
    let mats = values(r#"entities["ball"].material"#);
    within("steel", freq(&mats, &json!("steel")), 0.5, 0.5);
    assert_eq!(
        freq(&mats, &json!("steel")) + freq(&mats, &json!("rubber")),
        1.0
    );
    // Weighted 3:1.
    let styles = values("style");
    within(
        "noir",
        freq(&styles, &json!("noir")),
        0.75,
        (0.75f64 * 0.25).sqrt(),
    );
    // Uniform(0.3, 0.9): mean 0.6, sd 0.6 / sqrt(12); every value inside.
    let ys: Vec<f64> = values(r#"entities["ball"].at.1"#)
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(ys.iter().all(|y| (0.3..=0.9).contains(y)));
    within(
        "uniform mean",
        ys.iter().sum::<f64>() / n as f64,
        0.6,
        0.6 / 12f64.sqrt(),
    );
    // Int(1, 4): each of four values with p = 1/4.
    let counts = values(r#"entities["cube"].repeat.Line.count"#);
    for k in 1..=4 {
        within(
            &format!("count {k}"),
            freq(&counts, &json!(k)),
            0.25,
            (0.25f64 * 0.75).sqrt(),
        );
    }
    assert!(
        counts
            .iter()
            .all(|c| (1..=4).contains(&c.as_i64().unwrap()))
    );
    // Shell: every point between the radii and elevations; sin(elevation) uniform in
    // [sin 10°, sin 50°], azimuth uniform all around (mean of x and z 0).
    let pts: Vec<[f64; 3]> = values("camera.at")
        .iter()
        .map(|v| {
            let a = v.as_array().unwrap();
            [0, 1, 2].map(|k| a[k].as_f64().unwrap())
        })
        .collect();
    let (s0, s1) = (10f64.to_radians().sin(), 50f64.to_radians().sin());
    let mut sins = Vec::new();
    for p in &pts {
        let r = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt();
        assert!((2.0 - 1e-5..=3.0 + 1e-5).contains(&r), "{r}");
        let s = p[1] / r;
        assert!((s0 - 1e-5..=s1 + 1e-5).contains(&s), "{s}");
        sins.push(s);
    }
    within(
        "sin elevation",
        sins.iter().sum::<f64>() / n as f64,
        0.5 * (s0 + s1),
        (s1 - s0) / 12f64.sqrt(),
    );
    // Azimuth: x / (r cos el) = sin(az), mean 0, sd 1/sqrt(2).
    let sin_az: Vec<f64> = pts
        .iter()
        .map(|p| p[0] / (p[0] * p[0] + p[2] * p[2]).sqrt())
        .collect();
    within(
        "sin azimuth",
        sin_az.iter().sum::<f64>() / n as f64,
        0.0,
        0.5f64.sqrt(),
    );
    // Item seeds: all different.
    let mut seeds: Vec<u64> = items.iter().map(|i| i.seed).collect();
    seeds.sort_unstable();
    seeds.dedup();
    assert_eq!(seeds.len(), n);
}

#[test]
fn bad_plans_are_refused_with_the_field_named() {
    let cases = [
        (
            PLAN.replace(
                r#"entities[\"ball\"].material"#,
                r#"entities[\"bal\"].material"#,
            ),
            r#"vary[0] "entities["bal"].material".path: not in"#,
        ),
        (PLAN.replace("camera.at", "camera.att"), "no field \"att\""),
        (
            PLAN.replace("Uniform(0.3, 0.9)", "Uniform(0.9, 0.3)"),
            "vary[1]",
        ),
        (
            PLAN.replace("count: 1000", "count: 0"),
            "count: expected 1 to",
        ),
        (
            PLAN.replace("version: 1", "version: 2"),
            "version: only version 1",
        ),
        (
            PLAN.replace(r#"Choice(["steel", "rubber"])"#, "Choice([])"),
            "Choice needs at least one value",
        ),
        (
            PLAN.replace(r#"Int(1, 4)"#, r#"Choice(["many"])"#),
            "does not fit the scene format",
        ),
        (
            PLAN.replace("vary: [", r#"render: (buffers: ["depht"]), vary: ["#),
            "render.buffers[0]: unknown buffer \"depht\"",
        ),
        (PLAN.replace("scene.ron", "nothere.ron"), "cannot read"),
    ];
    for (text, needle) in cases {
        let (_d, plan) = load_plan(&text);
        let e = plan.unwrap_err().to_string();
        assert!(e.contains(needle), "want {needle:?} in:\n{e}");
    }
    // Syntax: file:line:col.
    let (_d, plan) = load_plan("Plan(version: 1, name: \"x\",\n  count: oops)");
    let e = plan.unwrap_err().to_string();
    assert!(e.contains("plan.ron:2:"), "{e}");
}

#[test]
fn shards_are_balanced_and_cover_every_item_once() {
    for total in [1, 7, 24, 1000] {
        for count in [1, 3, 4, 8] {
            let mut seen = vec![0; total];
            let mut sizes = Vec::new();
            for index in 0..count {
                let s = Shard::new(index, count).unwrap();
                let items: Vec<usize> = s.items(total).collect();
                sizes.push(items.len());
                for i in items {
                    seen[i] += 1;
                }
            }
            assert!(seen.iter().all(|&k| k == 1));
            assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
        }
    }
    assert_eq!(Shard::parse("3/8").unwrap(), Shard { index: 3, count: 8 });
    assert!(Shard::parse("8/8").unwrap_err().contains("not below"));
    assert!(Shard::parse("1/0").unwrap_err().contains("at least 1"));
    assert!(
        Shard::parse("x/2")
            .unwrap_err()
            .contains("not a whole number")
    );
    assert!(Shard::parse("3").unwrap_err().contains("INDEX/COUNT"));
}

#[test]
fn shards_come_from_the_schedulers_environment() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| pairs.iter().find(|p| p.0 == k).map(|p| p.1.to_string())
    };
    assert_eq!(Shard::from_env(None, env(&[])).unwrap(), None);
    assert_eq!(
        Shard::from_env(Some(6), env(&[("JOB_COMPLETION_INDEX", "5")])).unwrap(),
        Some(Shard { index: 5, count: 6 })
    );
    assert!(
        Shard::from_env(None, env(&[("JOB_COMPLETION_INDEX", "5")]))
            .unwrap_err()
            .contains("--shards")
    );
    assert_eq!(
        Shard::from_env(
            None,
            env(&[
                ("SLURM_ARRAY_TASK_ID", "12"),
                ("SLURM_ARRAY_TASK_MIN", "10"),
                ("SLURM_ARRAY_TASK_COUNT", "4")
            ])
        )
        .unwrap(),
        Some(Shard { index: 2, count: 4 })
    );
    assert!(
        Shard::from_env(Some(4), env(&[("SLURM_ARRAY_TASK_ID", "four")]))
            .unwrap_err()
            .contains("not a whole number")
    );
}

#[test]
fn the_portable_plan_draws_the_same_items() {
    let (dir, plan) = load_plan(PLAN);
    let plan = plan.unwrap();
    let (text, base) = cluster::portable_plan(&plan).unwrap();
    let (name, scene) = base.unwrap();
    assert_eq!(name, "scene.ron");
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join(&name), scene).unwrap();
    std::fs::write(other.path().join("plan.ron"), text).unwrap();
    let moved = load(&other.path().join("plan.ron")).unwrap();
    assert_eq!(moved.hash, plan.hash);
    for i in [0, 17, 999] {
        assert_eq!(moved.item(i).unwrap().drawn, plan.item(i).unwrap().drawn);
    }
    drop(dir);
}

#[test]
fn job_names_are_dns_labels() {
    assert_eq!(
        cluster::dns_name("MOVi-A variants (v2)"),
        "movi-a-variants-v2"
    );
    assert_eq!(cluster::dns_name("___"), "cinegraph-batch");
    let long = cluster::dns_name(&"a".repeat(100));
    assert!(long.len() <= 52);
}

/// Every bundled plan loads, and its first items are valid scenes.
#[test]
fn bundled_plans_draw_valid_scenes() {
    let mut plans: Vec<PathBuf> = std::fs::read_dir("plans")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    plans.sort();
    assert!(plans.len() >= 2);
    for path in plans {
        let plan = load(&path).unwrap_or_else(|e| panic!("{e}"));
        for i in [0, 1, plan.count() - 1] {
            let item = plan.item(i).unwrap();
            crate::style::parse_str(&item.text, &item.origin, &item.base_dir, None)
                .unwrap_or_else(|e| panic!("{}: {e}", item.origin));
        }
    }
}
