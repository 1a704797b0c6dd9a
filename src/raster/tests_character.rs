//! Characters in the raster: the skinned mannequin is drawn with its character's id
//! where its skinned triangles are, and its flow is the exact motion of its skinned
//! vertices (the previous and next frames' skinning of the same triangle point).

use rapier3d::parry::query::{Ray, RayCast};
use rapier3d::parry::shape::TriMesh as ParryMesh;

use super::mesh::CharacterMesh;
use super::tests::{barycentric, flow_error, interior, render_all, scene};

/// A character walking across the view, seen from the side at 96 × 64: at every interior
/// character pixel the depth is the skinned mesh's within 2 mm, and the forward and
/// backward flow land where the same surface point (same triangle, same barycentrics)
/// is one frame later and earlier, within 0.05 px. Its keypoints project inside the
/// picture and the pelvis's onto the character. The parts layer is set exactly where the
/// character is, and names the body part a ray through the pixel's centre hits.
#[test]
fn a_walking_character_is_drawn_where_its_skin_is_and_flows_with_it() {
    let s = scene(
        r#"Scene(version: 1, name: "walker", duration: 0.5, fps: 8, resolution: (96, 64),
           entities: [(name: "floor", shape: Ground)],
           characters: [(name: "w", at: (-1.0, 0, 0), path: [(1.0, 0, 0)], start: 0.0)],
           camera: (fov_deg: 50, at: (0.0, 1.0, 3.2), look_at: (0.0, 0.9, 0.0)))"#,
    );
    let (traj, cams, fbs) = render_all(&s);
    let c = &s.characters[0];
    let id = s.entities[c.entity].id;
    let body = CharacterMesh::new(&c.skeleton);
    let tris: Vec<[u32; 3]> = body
        .indices()
        .chunks_exact(3)
        .map(|t| [t[0], t[1], t[2]])
        .collect();
    let skinned = |k: usize| body.deform(traj.frames[k].character_joints(0)).unwrap().0;
    let (mut checked, mut worst, mut worst_depth, mut pixels) = (0usize, 0.0f64, 0.0f64, 0);
    let (mut parts_checked, mut parts_agree) = (0usize, 0usize);
    let mut parts_seen = std::collections::BTreeSet::new();
    for k in 0..fbs.len() {
        let fb = &fbs[k];
        let x = skinned(k);
        let mesh = ParryMesh::new(x.clone(), tris.clone()).expect("skinned mesh");
        let (xp, xn) = (
            skinned(k.saturating_sub(1)),
            skinned((k + 1).min(fbs.len() - 1)),
        );
        for y in 0..fb.height {
            for px in 0..fb.width {
                let i = fb.index(px, y);
                if fb.segmentation[i] == id {
                    pixels += 1;
                }
                assert_eq!(
                    fb.parts[i] > 0,
                    fb.segmentation[i] == id,
                    "frame {k} pixel ({px}, {y}): a body part where the character is not, or none where it is"
                );
                if !interior(fb, px, y) || fb.segmentation[fb.index(px, y)] != id {
                    continue;
                }
                let (dir, dpm) = cams[k].ray(f64::from(px) + 0.5, f64::from(y) + 0.5);
                let ray = Ray::new(cams[k].pose.translation, dir);
                let Some(hit) = mesh.cast_local_ray_and_get_normal(&ray, f32::MAX, false) else {
                    panic!("frame {k} pixel ({px}, {y}) shows the character but no ray hits it");
                };
                let depth = f64::from(hit.time_of_impact * dpm);
                worst_depth = worst_depth.max((depth - f64::from(fb.depth[fb.index(px, y)])).abs());
                let p = ray.point_at(hit.time_of_impact);
                let tri = tris[hit.subshape as usize % tris.len()].map(|i| i as usize);
                // The parts layer names the part the ray hits.
                let part = body.parts()[tri[0]].index() + 1;
                parts_agree += usize::from(usize::from(fb.parts[fb.index(px, y)]) == part);
                parts_checked += 1;
                parts_seen.insert(part);
                let [bu, bv, bw] = barycentric(p, tri.map(|i| x[i]));
                for (xo, to, forward) in [
                    (&xn, (k + 1).min(fbs.len() - 1), true),
                    (&xp, k.saturating_sub(1), false),
                ] {
                    let q = xo[tri[0]] * bu + xo[tri[1]] * bv + xo[tri[2]] * bw;
                    let (u, v, _) = cams[to].project(q);
                    worst = worst.max(flow_error(fb, px, y, forward, (u, v)));
                    checked += 1;
                }
            }
        }
        // The pelvis's keypoint lands on the character.
        let pelvis = traj.frames[k].character_joints(0)[0].translation;
        let (u, v, z) = cams[k].project(pelvis);
        assert!(
            z > 0.0 && u >= 0.0 && v >= 0.0 && u < 96.0 && v < 64.0,
            "pelvis off screen at {k}"
        );
        assert_eq!(
            fb.segmentation[fb.index(u as u32, v as u32)],
            id,
            "frame {k}: the pelvis keypoint is not on the character"
        );
    }
    eprintln!(
        "character: {pixels} pixels, flow checked at {checked}, worst {worst:.2e} px, depth worst {worst_depth:.2e} m, parts agree at {parts_agree} of {parts_checked} ({} parts)",
        parts_seen.len()
    );
    assert!(
        parts_seen.len() >= 8,
        "only {} body parts seen in a side view of a walk",
        parts_seen.len()
    );
    assert!(
        parts_agree as f64 >= 0.99 * parts_checked as f64,
        "the parts layer names the part a ray through the pixel hits at only {parts_agree} of {parts_checked} pixels"
    );
    assert!(checked > 300, "only {checked} character pixels checked");
    assert!(
        worst < 0.05,
        "character flow disagrees with its skin's motion by {worst} px"
    );
    assert!(worst_depth < 2e-3, "character depth off by {worst_depth} m");
}

/// A cameo fixture in a temporary folder: a 200 × 240 photo of skin with two blue eye
/// dots (radius 7 px) at the first two landmarks and darker nose and mouth marks, and a
/// consent record for it (`expires`, `subject`, `granted_to` as given; the photo's hash
/// unless `hash` overrides it).
pub(super) struct Fixture {
    pub dir: tempfile::TempDir,
}

pub(super) const LANDMARKS: [[f32; 2]; 5] = [
    [70.5, 100.5],
    [130.5, 100.5],
    [100.5, 140.5],
    [78.5, 175.5],
    [122.5, 175.5],
];

impl Fixture {
    pub fn new(expires: &str, subject: &str, granted_to: &str, hash: Option<&str>) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let mut img = image::RgbImage::from_pixel(200, 240, image::Rgb([206, 150, 118]));
        for (x, y, p) in img.enumerate_pixels_mut() {
            let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
            let near = |l: [f32; 2], r: f32| (fx - l[0]).powi(2) + (fy - l[1]).powi(2) <= r * r;
            if near(LANDMARKS[0], 7.0) || near(LANDMARKS[1], 7.0) {
                *p = image::Rgb([20, 40, 235]);
            } else if near(LANDMARKS[2], 4.0)
                || (fy - 175.5).abs() < 2.0 && (78.5..=122.5).contains(&fx)
            {
                *p = image::Rgb([150, 90, 80]);
            }
        }
        let photo = dir.path().join("face.png");
        img.save(&photo).unwrap();
        let bytes = std::fs::read(&photo).unwrap();
        let actual = blake3::hash(&bytes).to_hex().to_string();
        let l = LANDMARKS.map(|[x, y]| format!("({x}, {y})")).join(", ");
        let record = format!(
            r#"(id: "c-test-1", subject: "{subject}", granted_to: "{granted_to}", scope: ["cameo"],
               expires: "{expires}", photo_blake3: "{}", landmarks: ({l}))"#,
            hash.unwrap_or(&actual)
        );
        std::fs::write(dir.path().join("face.consent.ron"), record).unwrap();
        Fixture { dir }
    }

    pub fn valid() -> Fixture {
        Fixture::new("2099-12-31", "Test Subject", "tester", None)
    }

    /// A scene of one character with this cameo, framed on its face.
    pub fn scene_text(&self, character: &str, camera: &str) -> String {
        format!(
            r#"Scene(version: 1, name: "cameo", duration: 0.5, fps: 8, resolution: (160, 160),
               entities: [(name: "floor", shape: Ground)],
               characters: [(name: "p", {character}
                             cameo: (subject: "Test Subject", user: "tester", photo: "face.png", consent: "face.consent.ron"))],
               camera: {camera})"#
        )
    }

    pub fn parse(&self, text: &str) -> Result<crate::scene::Scene, crate::scene::SceneError> {
        crate::scene::parse_str(text, "test", self.dir.path())
    }
}

/// The inserted photo's eyes (blue dots) in the rendered albedo land within 1.5 px of
/// the projection of the 3D eye landmarks (the photo's eye landmarks taken through the
/// alignment into the head's UV atlas, onto the head mesh, carried by the head joint;
/// the fixture's face is not a similar copy of the canonical one, so they sit about
/// 2 px from the canonical eye points), in a frontal close-up of a standing character and in
/// every frame of one walking toward the camera and turning its head with its walk.
#[test]
fn a_cameo_s_eyes_land_on_the_projected_eye_landmarks() {
    use crate::character::Joint;
    use crate::character::mannequin::head_point_at_uv;
    let fx = Fixture::valid();
    for (character, camera) in [
        (
            "",
            "(fov_deg: 26, at: (0.0, 1.64, 0.62), look_at: (0.0, 1.64, 0.0))",
        ),
        (
            "at: (0.2, 0, -0.9), path: [(0.0, 0, -0.1)],",
            "(fov_deg: 16, at: (0.0, 1.62, 0.9), look_at: (0.08, 1.6, -0.6))",
        ),
    ] {
        let s = fx
            .parse(&fx.scene_text(character, camera))
            .unwrap_or_else(|e| panic!("{e}"));
        let (traj, cams, fbs) = render_all(&s);
        let skeleton = &s.characters[0].skeleton;
        let rest_head = skeleton.globals(&skeleton.rest_pose())[Joint::Head.index()];
        let mut worst = 0.0f64;
        for (k, fb) in fbs.iter().enumerate() {
            let head = traj.frames[k].character_joints(0)[Joint::Head.index()];
            let carry = glam::Affine3A::from_rotation_translation(head.rotation, head.translation)
                * rest_head.inverse();
            let eyes = s.characters[0].cameo.as_ref().unwrap().eyes_uv;
            let expected = [0, 1].map(|i| {
                let uv = eyes[i];
                let (u, v, _) =
                    cams[k].project(carry.transform_point3(head_point_at_uv(skeleton, uv)));
                (u, v)
            });
            let split = 0.5 * (expected[0].0 + expected[1].0);
            if std::env::var("CAMEO_DEBUG").is_ok() {
                let img =
                    image::RgbaImage::from_raw(fb.width, fb.height, fb.albedo.clone()).unwrap();
                img.save(format!("/tmp/cameo_{}_{k}.png", fbs.len()))
                    .unwrap();
                eprintln!("frame {k}: expected {expected:?}");
            }
            // Blue pixels of the albedo, each side of the split, weighted by blueness.
            let mut sums = [[0.0f64; 3]; 2];
            for y in 0..fb.height {
                for x in 0..fb.width {
                    let i = 4 * fb.index(x, y);
                    let [r, g, b] = [0, 1, 2].map(|c| f64::from(fb.albedo[i + c]));
                    // The eye dots are (20, 40, 235); the default shirt is blue too, but far
                    // less saturated (b − max(r, g) = 55).
                    let w = (b - r.max(g) - 120.0).max(0.0);
                    if w > 0.0 {
                        let side = usize::from(f64::from(x) + 0.5 > split);
                        sums[side][0] += w * (f64::from(x) + 0.5);
                        sums[side][1] += w * (f64::from(y) + 0.5);
                        sums[side][2] += w;
                    }
                }
            }
            for (side, e) in expected.iter().enumerate() {
                let [sx, sy, sw] = sums[side];
                assert!(sw > 0.0, "frame {k}: no blue eye on side {side}");
                let d = (sx / sw - e.0).hypot(sy / sw - e.1);
                worst = worst.max(d);
            }
        }
        eprintln!(
            "cameo ({} frames): worst eye distance {worst:.3} px",
            fbs.len()
        );
        assert!(worst < 1.5, "an eye is {worst} px from its landmark");
    }
}

/// A cameo is refused, naming the field, when its record is expired, for another
/// subject or another user, for another photo; when the photo is not an image; when
/// the landmarks lie outside the photo; and no scene comes out.
#[test]
fn a_cameo_without_matching_consent_is_refused() {
    let text = |f: &Fixture| f.scene_text("", "(at: (0, 1.6, 1), look_at: (0, 1.6, 0))");
    let cases: Vec<(Fixture, &str)> = vec![
        (
            Fixture::new("2020-01-31", "Test Subject", "tester", None),
            "expires: consent expired on 2020-01-31",
        ),
        (
            Fixture::new("2099-12-31", "Someone Else", "tester", None),
            "subject: the record is for \"Someone Else\"",
        ),
        (
            Fixture::new("2099-12-31", "Test Subject", "another user", None),
            "granted_to: granted to \"another user\"",
        ),
        (
            Fixture::new(
                "2099-12-31",
                "Test Subject",
                "tester",
                Some(&"ab".repeat(32)),
            ),
            "photo_blake3: the photo's BLAKE3 hash is",
        ),
    ];
    for (f, want) in &cases {
        let e = f.parse(&text(f)).expect_err("refused").to_string();
        assert!(
            e.contains("characters[0] \"p\": cameo") && e.contains(want),
            "expected {want:?} in:\n{e}"
        );
    }
    // A photo that is not an image (its hash matches the record: the decode refuses it).
    let f = Fixture::valid();
    let bogus = b"not an image at all";
    std::fs::write(f.dir.path().join("face.png"), bogus).unwrap();
    let record = std::fs::read_to_string(f.dir.path().join("face.consent.ron")).unwrap();
    let fixed = record.replace(
        &record[record.find("photo_blake3: \"").unwrap() + 15..][..64],
        blake3::hash(bogus).to_hex().as_str(),
    );
    std::fs::write(f.dir.path().join("face.consent.ron"), fixed).unwrap();
    let e = f.parse(&text(&f)).expect_err("refused").to_string();
    assert!(e.contains("face.png: photo: not an image"), "{e}");
    // Landmarks outside the photo.
    let f = Fixture::valid();
    let record = std::fs::read_to_string(f.dir.path().join("face.consent.ron")).unwrap();
    std::fs::write(
        f.dir.path().join("face.consent.ron"),
        record.replace("(130.5, 100.5)", "(330.5, 100.5)"),
    )
    .unwrap();
    let e = f.parse(&text(&f)).expect_err("refused").to_string();
    assert!(e.contains("landmarks[1]"), "{e}");
    // Missing files name the path.
    let f = Fixture::valid();
    std::fs::remove_file(f.dir.path().join("face.consent.ron")).unwrap();
    let e = f.parse(&text(&f)).expect_err("refused").to_string();
    assert!(e.contains("face.consent.ron"), "{e}");
}

/// A scene with `model: (file: "robot.glb", …)` (extra fields after the file) for a
/// character walking across the view, in `dir`, with the glTF copy of the mannequin
/// written by `spec`.
fn gltf_scene(
    dir: &std::path::Path,
    spec: &crate::character::tests::gltf::CopySpec,
    model_extra: &str,
    character_extra: &str,
) -> Result<crate::scene::Scene, String> {
    std::fs::write(
        dir.join("robot.glb"),
        crate::character::tests::gltf::mannequin_glb(spec),
    )
    .unwrap();
    let text = format!(
        r#"Scene(version: 1, name: "robot", duration: 0.5, fps: 8, resolution: (96, 64),
           entities: [(name: "floor", shape: Ground)],
           characters: [(name: "r", at: (-1.0, 0, 0), path: [(1.0, 0, 0)],
                         model: (file: "robot.glb"{model_extra}){character_extra})],
           camera: (fov_deg: 50, at: (0.0, 1.0, 3.2), look_at: (0.0, 0.9, 0.0)))"#
    );
    crate::scene::parse_str(&text, "robot.ron", dir).map_err(|e| e.to_string())
}

/// A glTF character: a copy of the mannequin as exporters write one (centimetres under
/// a 0.01-scaled armature, Mixamo's names behind a `mixamorig:` prefix, an extra spine
/// joint, a red material). Bound to the standard skeleton it is 1.75 m tall, and every
/// frame of a walk skins it to within 0.5 mm of the mannequin the skeleton moves; it is
/// drawn with its material's color, its parts layer exactly on its pixels.
#[test]
fn a_gltf_character_moves_and_is_drawn_as_the_mannequin_it_copies() {
    use crate::character::Joint;
    let dir = tempfile::tempdir().unwrap();
    let spec = crate::character::tests::gltf::CopySpec::mixamo();
    let s = gltf_scene(dir.path(), &spec, "", "").unwrap_or_else(|e| panic!("{e}"));
    let c = &s.characters[0];
    let model = c.model.as_ref().expect("the character has its model");
    assert!(
        (c.skeleton.height() - 1.75).abs() < 1e-3,
        "{}",
        c.skeleton.height()
    );
    assert_eq!(
        model.matched(Joint::LeftElbow),
        Some("mixamorig:LeftForeArm")
    );
    assert_eq!(model.matched(Joint::SpineUpper), Some("mixamorig:Spine2"));
    let (traj, _, fbs) = render_all(&s);
    let copy = CharacterMesh::of(c);
    let original = CharacterMesh::new(&c.skeleton);
    let mut worst = 0.0f32;
    for f in &traj.frames {
        let (a, _) = copy.deform(f.character_joints(0)).unwrap();
        let (b, _) = original.deform(f.character_joints(0)).unwrap();
        assert_eq!(a.len(), b.len());
        worst = a
            .iter()
            .zip(&b)
            .map(|(p, q)| p.distance(*q))
            .fold(worst, f32::max);
    }
    let id = s.entities[c.entity].id;
    let (mut pixels, mut red, mut green) = (0usize, 0.0f64, 0.0f64);
    for fb in &fbs {
        for i in 0..fb.segmentation.len() {
            assert_eq!(fb.parts[i] > 0, fb.segmentation[i] == id);
            if fb.segmentation[i] == id {
                pixels += 1;
                red += f64::from(fb.albedo[4 * i]);
                green += f64::from(fb.albedo[4 * i + 1]);
            }
        }
    }
    eprintln!(
        "glTF copy: worst vertex {worst:.2e} m from the mannequin over {} frames; {pixels} pixels, albedo mean r {:.0} g {:.0}",
        traj.frames.len(),
        red / pixels.max(1) as f64,
        green / pixels.max(1) as f64
    );
    assert!(worst < 5e-4, "the copy strays {worst} m from the mannequin");
    assert!(pixels > 300, "{pixels} character pixels");
    assert!(red > 3.0 * green, "not drawn with its red material");
}

/// A glTF character whose base-color texture is inside its GLB's buffer (as Mixamo and
/// most exporters write them) is drawn with that texture.
#[test]
fn a_gltf_character_wears_the_texture_inside_its_glb() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = crate::character::tests::gltf::CopySpec::mixamo();
    spec.texture = Some([30, 200, 60]);
    let s = gltf_scene(dir.path(), &spec, "", "").unwrap_or_else(|e| panic!("{e}"));
    let c = &s.characters[0];
    let m = &s.materials[s.entities[c.entity].material];
    assert!(m.maps.base_color.is_some(), "no base color map");
    let (_, _, fbs) = render_all(&s);
    let id = s.entities[c.entity].id;
    let (mut n, mut sum) = (0usize, [0.0f64; 3]);
    // Away from its outline (the lit pass's multisampling blends edges with what is
    // behind).
    for fb in &fbs {
        for y in 0..fb.height {
            for x in 0..fb.width {
                let i = fb.index(x, y);
                if fb.segmentation[i] == id && interior(fb, x, y) {
                    n += 1;
                    for (k, v) in sum.iter_mut().enumerate() {
                        *v += f64::from(fb.albedo[4 * i + k]);
                    }
                }
            }
        }
    }
    let mean = sum.map(|v| v / n.max(1) as f64);
    eprintln!("embedded texture: {n} interior pixels, albedo mean {mean:.1?}");
    assert!(n > 100);
    assert!(
        (mean[0] - 30.0).abs() < 4.0
            && (mean[1] - 200.0).abs() < 4.0
            && (mean[2] - 60.0).abs() < 4.0,
        "albedo {mean:?}, the texture is (30, 200, 60)"
    );
}

/// A glTF character that cannot be bound is refused, naming the character, the field
/// and what is wrong: a required joint under another name (accepted once mapped in
/// `joints`), an A-pose, a cameo on a model, a missing file, a mapping to no joint.
#[test]
fn a_gltf_character_that_cannot_be_bound_is_refused_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = crate::character::tests::gltf::CopySpec::mixamo();
    spec.names[crate::character::Joint::LeftKnee.index()] = "knee_L".into();
    let err = gltf_scene(dir.path(), &spec, "", "").unwrap_err();
    assert!(
        err.contains("characters[0] \"r\": model")
            && err.contains("no joint for `left_knee`")
            && err.contains("\"knee_L\""),
        "{err}"
    );
    let mapped = gltf_scene(
        dir.path(),
        &spec,
        r#", joints: {"left_knee": "knee_L"}"#,
        "",
    );
    assert!(mapped.is_ok(), "{mapped:?}");
    let err = gltf_scene(dir.path(), &spec, r#", joints: {"left_knee": "nope"}"#, "").unwrap_err();
    assert!(err.contains("no joint named \"nope\""), "{err}");
    let mut a_pose = crate::character::tests::gltf::CopySpec::mixamo();
    a_pose.arms_down_deg = 45.0;
    let err = gltf_scene(dir.path(), &a_pose, "", "").unwrap_err();
    assert!(
        err.contains("T-pose") && err.contains("`left_shoulder`") && err.contains("45°"),
        "{err}"
    );
    let spec = crate::character::tests::gltf::CopySpec::mixamo();
    let cameo = r#", cameo: (subject: "a", user: "b", photo: "f.png", consent: "f.ron")"#;
    let err = gltf_scene(dir.path(), &spec, "", cameo).unwrap_err();
    assert!(err.contains("characters[0] \"r\": cameo"), "{err}");
    let err = gltf_scene(dir.path(), &spec, "", ", body: (shirt: \"#ff0000\")").unwrap_err();
    assert!(
        err.contains("body.shirt") && err.contains("own material"),
        "{err}"
    );
    std::fs::remove_file(dir.path().join("robot.glb")).unwrap();
    let text = r#"Scene(version: 1, name: "x", duration: 0.5, entities: [],
        characters: [(name: "r", model: (file: "gone.glb"))])"#;
    let err = crate::scene::parse_str(text, "x.ron", dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("model.file") && err.contains("gone.glb"),
        "{err}"
    );
}

/// A glTF character standing to its own clip (`model: (clip: 0)`): a 1 s loop in which
/// the left forearm turns 60° and the hips rise 10 cm. Mapped onto the standard skeleton
/// and skinned back, every frame (two loops) is the file's own clip skinned by the glTF
/// loader, within 0.1 mm; the skeleton's keypoints move with it. A clip on a walking
/// character, and a clip the file does not have, are refused by field.
#[test]
fn a_gltf_character_plays_its_own_clip_while_standing() {
    use crate::character::Joint;
    let dir = tempfile::tempdir().unwrap();
    let mut spec = crate::character::tests::gltf::CopySpec::mixamo();
    spec.clip = true;
    let glb = crate::character::tests::gltf::mannequin_glb(&spec);
    std::fs::write(dir.path().join("robot.glb"), &glb).unwrap();
    let text = r#"Scene(version: 1, name: "robot", duration: 2.0, fps: 8,
        entities: [(name: "floor", shape: Ground)],
        characters: [(name: "r", model: (file: "robot.glb", clip: 0))])"#;
    let s =
        crate::scene::parse_str(text, "robot.ron", dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let traj = crate::physics::simulate(&s, &crate::progress::Silent).unwrap();
    let file = crate::character::GltfCharacter::from_slice(&glb, "robot.glb").unwrap();
    let body = CharacterMesh::of(&s.characters[0]);
    let (mut worst, mut lift) = (0.0f32, 0.0f32);
    let pelvis0 = traj.frames[0].character_joints(0)[Joint::Pelvis.index()].translation;
    for f in &traj.frames {
        let want = file
            .deform_at(&file.clips[0], (f.time as f32).rem_euclid(1.0))
            .unwrap();
        let (got, _) = body.deform(f.character_joints(0)).unwrap();
        worst = got
            .iter()
            .zip(&want.positions)
            .map(|(a, b)| a.distance(*b))
            .fold(worst, f32::max);
        let pelvis = f.character_joints(0)[Joint::Pelvis.index()].translation;
        lift = lift.max(pelvis.y - pelvis0.y);
    }
    eprintln!(
        "clip: worst vertex {worst:.2e} m from the file's own skinning over {} frames; pelvis rises up to {lift:.4} m",
        traj.frames.len()
    );
    assert!(
        worst < 1e-4,
        "the played clip strays {worst} m from the file's"
    );
    assert!((lift - 0.0875).abs() < 2e-3, "the pelvis rose {lift} m");
    let walking = r#"Scene(version: 1, name: "robot", duration: 2.0, entities: [],
        characters: [(name: "r", path: [(1, 0, 0)], model: (file: "robot.glb", clip: 0))])"#;
    let err = crate::scene::parse_str(walking, "robot.ron", dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("model.clip") && err.contains("path"), "{err}");
    let missing = text.replace("clip: 0", "clip: 3");
    let err = crate::scene::parse_str(&missing, "robot.ron", dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no clip 3") && err.contains("1 clip,"),
        "{err}"
    );
}
