//! A glTF character written by the test: it loads, deforms as its clip says, and
//! every malformed variant fails with a located error.

use glam::{Mat4, Quat, Vec3};

use crate::character::gltf_skin::{GltfCharacter, GltfError};

/// Standard base64 (RFC 4648), for the data URI.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ABC[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The test character: a three-joint chain up +Y (joints at y = 0, 1, 2), six
/// vertices, and one clip: joint 1 turns about +Z (LINEAR: 0°, 90°, 180° at t = 0, 1,
/// 2 s) and joint 2 jumps from 1 m to 2 m above joint 1 at t = 1 s (STEP).
struct Spec {
    joints: Vec<[u8; 4]>,
    weights: Vec<[f32; 4]>,
    with_ibm: bool,
    extra_joints: usize,
    rotation_interpolation: &'static str,
}

impl Spec {
    fn good() -> Spec {
        Spec {
            joints: vec![
                [0, 0, 0, 0],
                [0, 1, 0, 0],
                [1, 0, 0, 0],
                [1, 2, 0, 0],
                [2, 0, 0, 0],
                [1, 2, 0, 0],
            ],
            weights: vec![
                [1.0, 0.0, 0.0, 0.0],
                [0.5, 0.5, 0.0, 0.0],
                [1.0, 0.0, 0.0, 0.0],
                [0.5, 0.5, 0.0, 0.0],
                [1.0, 0.0, 0.0, 0.0],
                [0.75, 0.25, 0.0, 0.0],
            ],
            with_ibm: true,
            extra_joints: 0,
            rotation_interpolation: "LINEAR",
        }
    }
}

const POSITIONS: [[f32; 3]; 6] = [
    [0.1, 0.0, 0.0],
    [0.1, 1.0, 0.0],
    [0.1, 1.5, 0.0],
    [0.1, 2.0, 0.0],
    [0.1, 2.5, 0.0],
    [-0.1, 1.5, 0.2],
];

fn rot_z(deg: f32) -> Quat {
    Quat::from_rotation_z(deg.to_radians())
}

/// Appends `data` to the buffer as an accessor with its own buffer view.
struct Writer {
    bin: Vec<u8>,
    views: Vec<String>,
    accessors: Vec<String>,
}

impl Writer {
    /// Appends `data` (4-byte aligned) as a buffer view of its own: the view's index.
    fn view(&mut self, data: &[u8]) -> usize {
        while !self.bin.len().is_multiple_of(4) {
            self.bin.push(0);
        }
        self.views.push(format!(
            r#"{{"buffer":0,"byteOffset":{},"byteLength":{}}}"#,
            self.bin.len(),
            data.len()
        ));
        self.bin.extend_from_slice(data);
        self.views.len() - 1
    }

    fn add(&mut self, data: &[u8], component: u32, count: usize, kind: &str) -> usize {
        self.view(data);
        self.accessors.push(format!(
            r#"{{"bufferView":{},"componentType":{component},"count":{count},"type":"{kind}"}}"#,
            self.views.len() - 1
        ));
        self.accessors.len() - 1
    }

    fn floats(&mut self, values: &[f32], count: usize, kind: &str) -> usize {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.add(&bytes, 5126, count, kind)
    }
}

/// The document as `.gltf` text with a data-URI buffer.
fn gltf_text(spec: &Spec) -> String {
    gltf_parts(spec, false).0
}

/// The JSON and its binary buffer; with `bin_chunk` the buffer has no URI (it is the
/// GLB's BIN chunk).
fn gltf_parts(spec: &Spec, bin_chunk: bool) -> (String, Vec<u8>) {
    let mut w = Writer {
        bin: Vec::new(),
        views: Vec::new(),
        accessors: Vec::new(),
    };
    let pos = w.floats(&POSITIONS.concat(), 6, "VEC3");
    // glTF requires POSITION bounds.
    w.accessors[pos] = w.accessors[pos].replace('{', r#"{"min":[-0.1,0,0],"max":[0.1,2.5,0.2],"#);
    let nrm = w.floats(&[[1.0f32, 0.0, 0.0]; 6].concat(), 6, "VEC3");
    let jnt = w.add(&spec.joints.concat(), 5121, spec.joints.len(), "VEC4");
    let wgt = w.floats(&spec.weights.concat(), spec.weights.len(), "VEC4");
    let n_joints = 3 + spec.extra_joints;
    let ibm_values: Vec<f32> = (0..n_joints)
        .flat_map(|j| {
            Mat4::from_translation(Vec3::new(0.0, -(j.min(2) as f32), 0.0)).to_cols_array()
        })
        .collect();
    let ibm = w.floats(&ibm_values, n_joints, "MAT4");
    let idx: Vec<u8> = [0u16, 1, 5, 1, 2, 5, 2, 3, 5, 3, 4, 5]
        .iter()
        .flat_map(|i| i.to_le_bytes())
        .collect();
    let idx = w.add(&idx, 5123, 12, "SCALAR");
    let t_rot = w.floats(&[0.0, 1.0, 2.0], 3, "SCALAR");
    let rots: Vec<f32> = [rot_z(0.0), rot_z(90.0), rot_z(180.0)]
        .iter()
        .flat_map(|q| q.to_array())
        .collect();
    let rot = w.floats(&rots, 3, "VEC4");
    let t_step = w.floats(&[0.0, 1.0], 2, "SCALAR");
    let step = w.floats(&[0.0, 1.0, 0.0, 0.0, 2.0, 0.0], 2, "VEC3");
    // Nodes: 0..2 the chain, 3 the mesh, then extra joints (children of node 2).
    let mut nodes = vec![
        r#"{"children":[1]}"#.to_string(),
        r#"{"translation":[0,1,0],"children":[2]}"#.to_string(),
        format!(
            r#"{{"translation":[0,1,0],"children":[{}]}}"#,
            (0..spec.extra_joints)
                .map(|k| (4 + k).to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
        r#"{"mesh":0,"skin":0}"#.to_string(),
    ];
    nodes.extend((0..spec.extra_joints).map(|_| "{}".to_string()));
    let joint_nodes: Vec<String> = [0, 1, 2]
        .into_iter()
        .chain(4..4 + spec.extra_joints)
        .map(|n| n.to_string())
        .collect();
    let ibm_field = if spec.with_ibm {
        format!(r#","inverseBindMatrices":{ibm}"#)
    } else {
        String::new()
    };
    let json = format!(
        r#"{{"asset":{{"version":"2.0"}},"scene":0,"scenes":[{{"nodes":[0,3]}}],
"nodes":[{nodes}],
"meshes":[{{"primitives":[{{"attributes":{{"POSITION":{pos},"NORMAL":{nrm},"JOINTS_0":{jnt},"WEIGHTS_0":{wgt}}},"indices":{idx}}}]}}],
"skins":[{{"joints":[{joints}]{ibm_field}}}],
"animations":[{{"channels":[{{"sampler":0,"target":{{"node":1,"path":"rotation"}}}},{{"sampler":1,"target":{{"node":2,"path":"translation"}}}}],
  "samplers":[{{"input":{t_rot},"output":{rot},"interpolation":"{interp}"}},{{"input":{t_step},"output":{step},"interpolation":"STEP"}}]}}],
"buffers":[{{"byteLength":{len}{uri}}}],
"bufferViews":[{views}],
"accessors":[{accessors}]}}"#,
        nodes = nodes.join(","),
        joints = joint_nodes.join(","),
        interp = spec.rotation_interpolation,
        len = w.bin.len(),
        uri = if bin_chunk {
            String::new()
        } else {
            format!(
                r#","uri":"data:application/octet-stream;base64,{}""#,
                base64(&w.bin)
            )
        },
        views = w.views.join(","),
        accessors = w.accessors.join(","),
    );
    (json, w.bin)
}

fn load(spec: &Spec) -> Result<GltfCharacter, GltfError> {
    GltfCharacter::from_slice(gltf_text(spec).as_bytes(), "test.gltf")
}

/// LBS by hand for the test character: joint 1 turned by `deg` about Z, joint 2
/// `lift` m above joint 1 along joint 1's turned +Y.
fn expected(deg: f32, lift: f32) -> Vec<Vec3> {
    let g = [
        Mat4::IDENTITY,
        Mat4::from_translation(Vec3::Y) * Mat4::from_quat(rot_z(deg)),
        Mat4::from_translation(Vec3::Y)
            * Mat4::from_quat(rot_z(deg))
            * Mat4::from_translation(Vec3::Y * lift),
    ];
    let ibm = [0.0, 1.0, 2.0].map(|y| Mat4::from_translation(Vec3::new(0.0, -y, 0.0)));
    let spec = Spec::good();
    POSITIONS
        .iter()
        .enumerate()
        .map(|(v, p)| {
            let mut sum = Vec3::ZERO;
            for k in 0..4 {
                let (j, w) = (spec.joints[v][k] as usize, spec.weights[v][k]);
                sum += w * (g[j] * ibm[j]).transform_point3(Vec3::from(*p));
            }
            sum
        })
        .collect()
}

#[test]
fn the_test_character_deforms_as_its_clip_says() {
    let c = load(&Spec::good()).unwrap();
    assert_eq!(c.parents, vec![None, Some(0), Some(1)]);
    assert_eq!(c.skin.vertex_count(), 6);
    assert_eq!(c.indices.len(), 12);
    assert_eq!(c.clips.len(), 1);
    assert!((c.clips[0].duration - 2.0).abs() < 1e-6);
    // (time, rotation of joint 1 by slerp, height of joint 2 by STEP)
    let mut worst: f32 = 0.0;
    for (t, deg, lift) in [
        (-1.0, 0.0, 1.0),
        (0.0, 0.0, 1.0),
        (0.5, 45.0, 1.0),
        (1.0, 90.0, 2.0),
        (1.25, 112.5, 2.0),
        (2.0, 180.0, 2.0),
        (3.0, 180.0, 2.0),
    ] {
        let got = c.deform_at(&c.clips[0], t).unwrap();
        for (v, (g, e)) in got.positions.iter().zip(expected(deg, lift)).enumerate() {
            worst = worst.max(g.distance(e));
            assert!(g.distance(e) < 1e-5, "t = {t}, vertex {v}: {g} vs {e}");
        }
    }
    println!("glTF clip vs hand LBS: worst vertex error {worst:e} m");
    // One literal check: at t = 1 s vertex 2 (child-only, 0.5 m up joint 1) points to −X.
    let at1 = c.deform_at(&c.clips[0], 1.0).unwrap();
    assert!(
        at1.positions[2].distance(Vec3::new(-0.5, 1.1, 0.0)) < 1e-5,
        "{}",
        at1.positions[2]
    );
}

fn error_of(spec: &Spec) -> (String, String) {
    match load(spec) {
        Err(GltfError::Invalid {
            file,
            path,
            message,
        }) => {
            assert_eq!(file, "test.gltf");
            (path, message)
        }
        other => panic!("expected a located error, got {other:?}"),
    }
}

#[test]
fn missing_inverse_bind_matrices_is_an_error() {
    let (path, message) = error_of(&Spec {
        with_ibm: false,
        ..Spec::good()
    });
    assert_eq!(path, "skins[0].inverseBindMatrices");
    assert!(message.starts_with("missing"), "{message}");
}

#[test]
fn more_joints_than_the_limit_is_an_error() {
    let (path, message) = error_of(&Spec {
        extra_joints: 254,
        ..Spec::good()
    });
    assert_eq!(path, "skins[0].joints");
    assert_eq!(message, "257 joints, more than the limit of 256");
}

#[test]
fn weights_not_summing_to_one_name_the_vertex() {
    let mut spec = Spec::good();
    spec.weights[3] = [0.5, 0.3, 0.0, 0.0];
    let (path, message) = error_of(&spec);
    assert_eq!(path, "meshes[0].primitives[0].attributes.WEIGHTS_0[3]");
    assert!(message.contains("weights sum to 0.8"), "{message}");
}

#[test]
fn an_out_of_range_joint_index_names_the_vertex() {
    let mut spec = Spec::good();
    spec.joints[4] = [7, 0, 0, 0];
    let (path, message) = error_of(&spec);
    assert_eq!(path, "meshes[0].primitives[0].attributes.JOINTS_0[4]");
    assert!(message.contains("joint index 7"), "{message}");
}

#[test]
fn cubic_spline_is_refused_with_its_path() {
    let (path, message) = error_of(&Spec {
        rotation_interpolation: "CUBICSPLINE",
        ..Spec::good()
    });
    assert_eq!(path, "animations[0].samplers[0].interpolation");
    assert!(message.contains("CUBICSPLINE"), "{message}");
}

#[test]
fn a_glb_container_with_a_data_uri_loads_the_same_character() {
    let from_glb =
        GltfCharacter::from_slice(&glb(&gltf_text(&Spec::good()), None), "test.glb").unwrap();
    assert_eq!(from_glb, load(&Spec::good()).unwrap());
}

#[test]
fn a_glb_with_a_bin_chunk_loads_from_a_file() {
    let (json, bin) = gltf_parts(&Spec::good(), true);
    let path = std::env::temp_dir().join(format!("cinegraph-character-{}.glb", std::process::id()));
    std::fs::write(&path, glb(&json, Some(&bin))).unwrap();
    let loaded = GltfCharacter::load(&path);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(loaded.unwrap(), load(&Spec::good()).unwrap());
}

#[test]
fn unreadable_files_and_garbage_are_errors_not_panics() {
    let e = GltfCharacter::load(std::path::Path::new("/nonexistent/char.gltf")).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("/nonexistent/char.gltf: cannot read"),
        "{e}"
    );
    let e = GltfCharacter::from_slice(b"{not json", "junk.gltf").unwrap_err();
    assert!(e.to_string().starts_with("junk.gltf: "), "{e}");
}

/// A GLB container: a JSON chunk and, if given, a BIN chunk.
fn glb(json: &str, bin: Option<&[u8]>) -> Vec<u8> {
    let mut json = json.as_bytes().to_vec();
    while !json.len().is_multiple_of(4) {
        json.push(b' ');
    }
    let mut chunks = Vec::new();
    chunks.extend_from_slice(&(json.len() as u32).to_le_bytes());
    chunks.extend_from_slice(b"JSON");
    chunks.extend_from_slice(&json);
    if let Some(bin) = bin {
        let mut bin = bin.to_vec();
        while !bin.len().is_multiple_of(4) {
            bin.push(0);
        }
        chunks.extend_from_slice(&(bin.len() as u32).to_le_bytes());
        chunks.extend_from_slice(b"BIN\0");
        chunks.extend_from_slice(&bin);
    }
    let mut out = Vec::new();
    out.extend_from_slice(b"glTF");
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&(12 + chunks.len() as u32).to_le_bytes());
    out.extend_from_slice(&chunks);
    out
}

/// How [`mannequin_glb`] writes the copy.
pub(crate) struct CopySpec {
    /// The joint names, standard order.
    pub names: [String; crate::character::skeleton::JOINT_COUNT],
    /// Rotate the arms down by this many degrees about Z (an A-pose, to be refused).
    pub arms_down_deg: f32,
    /// The material's base color factor (linear RGBA).
    pub color: [f32; 4],
    /// Add a 1 s clip: the left forearm turns 60° about −Y (LINEAR) and the hips rise
    /// 10 cm (LINEAR).
    pub clip: bool,
    /// A base-color texture of this one sRGB color, as an 8 × 8 PNG inside the GLB's
    /// buffer (multiplied by a white factor), instead of the plain factor.
    pub texture: Option<[u8; 3]>,
    /// A base-color texture given as PNG bytes (the mannequin's atlas layout), inside
    /// the GLB's buffer; wins over `texture`.
    pub texture_png: Option<Vec<u8>>,
}

impl CopySpec {
    /// Mixamo's names with the `mixamorig:` prefix.
    pub fn mixamo() -> CopySpec {
        CopySpec {
            names: crate::character::retarget::MIXAMO.map(|n| format!("mixamorig:{n}")),
            arms_down_deg: 0.0,
            color: [0.8, 0.05, 0.05, 1.0],
            clip: false,
            texture: None,
            texture_png: None,
        }
    }
}

/// A glTF copy of the bundled mannequin of a 1.75 m standard skeleton, as a `.glb`,
/// written as exporters do: in centimetres under an `Armature` node scaled by 0.01, with
/// an extra spine joint that weights nothing (`mixamorig:Spine1`, halfway between the
/// lower and upper spine), UVs, and a material of `spec.color` (red by default).
pub(crate) fn mannequin_glb(spec: &CopySpec) -> Vec<u8> {
    use crate::character::{BodyParams, Joint, Mannequin, Skeleton};
    let s = Skeleton::new(BodyParams {
        height: 1.75,
        build: 1.0,
    })
    .unwrap();
    let m = Mannequin::new(&s);
    let cm = 100.0f32;
    let rest: Vec<Vec3> = s
        .globals(&s.rest_pose())
        .iter()
        .map(|g| Vec3::from(g.translation) * cm)
        .collect();
    let mut w = Writer {
        bin: Vec::new(),
        views: Vec::new(),
        accessors: Vec::new(),
    };
    let n = m.positions.len();
    let positions: Vec<f32> = m
        .positions
        .iter()
        .flat_map(|p| (*p * cm).to_array())
        .collect();
    let pos = w.floats(&positions, n, "VEC3");
    let (lo, hi) = m.positions.iter().fold(
        (Vec3::splat(f32::MAX), Vec3::splat(f32::MIN)),
        |(lo, hi), p| (lo.min(*p * cm), hi.max(*p * cm)),
    );
    w.accessors[pos] = w.accessors[pos].replace(
        '{',
        &format!(
            r#"{{"min":[{},{},{}],"max":[{},{},{}],"#,
            lo.x, lo.y, lo.z, hi.x, hi.y, hi.z
        ),
    );
    let normals: Vec<f32> = m.normals.iter().flat_map(|v| v.to_array()).collect();
    let nrm = w.floats(&normals, n, "VEC3");
    let uvs: Vec<f32> = m.uvs.iter().flat_map(|v| v.to_array()).collect();
    let uv = w.floats(&uvs, n, "VEC2");
    let joints: Vec<u8> = m
        .joints
        .iter()
        .flat_map(|j| j.iter().flat_map(|i| i.to_le_bytes()).collect::<Vec<_>>())
        .collect();
    let jnt = w.add(&joints, 5123, n, "VEC4");
    let weights: Vec<f32> = m.weights.iter().flat_map(|v| v.to_vec()).collect();
    let wgt = w.floats(&weights, n, "VEC4");
    let idx: Vec<u8> = m.indices.iter().flat_map(|i| i.to_le_bytes()).collect();
    let idx = w.add(&idx, 5125, m.indices.len(), "SCALAR");
    // Skin joints: the 19 standard ones (nodes 1..=19), then Spine1 (node 20).
    let spine1 = 0.5 * (rest[Joint::SpineLower.index()] + rest[Joint::SpineUpper.index()]);
    let ibm: Vec<f32> = rest
        .iter()
        .chain(std::iter::once(&spine1))
        .flat_map(|p| Mat4::from_translation(-*p).to_cols_array())
        .collect();
    let ibm = w.floats(&ibm, 20, "MAT4");
    let mut nodes =
        vec![r#"{"name":"Armature","scale":[0.01,0.01,0.01],"children":[1]}"#.to_string()];
    let arm_turn = |j: Joint| match j {
        Joint::LeftShoulder => Some(Quat::from_rotation_z(-spec.arms_down_deg.to_radians())),
        Joint::RightShoulder => Some(Quat::from_rotation_z(spec.arms_down_deg.to_radians())),
        _ => None,
    };
    for j in Joint::ALL {
        let mut children: Vec<usize> = Joint::ALL
            .iter()
            .filter(|c| c.parent() == Some(j))
            .map(|c| 1 + c.index())
            .collect();
        let mut offset = rest[j.index()] - j.parent().map_or(Vec3::ZERO, |p| rest[p.index()]);
        if j == Joint::SpineLower {
            children = vec![20];
        }
        if j == Joint::SpineUpper {
            offset = rest[j.index()] - spine1;
        }
        let rotation = arm_turn(j)
            .filter(|_| spec.arms_down_deg != 0.0)
            .map(|q| format!(r#","rotation":[{},{},{},{}]"#, q.x, q.y, q.z, q.w))
            .unwrap_or_default();
        nodes.push(format!(
            r#"{{"name":"{}","translation":[{},{},{}]{rotation},"children":[{}]}}"#,
            spec.names[j.index()],
            offset.x,
            offset.y,
            offset.z,
            children
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    let up = spine1 - rest[Joint::SpineLower.index()];
    nodes.push(format!(
        r#"{{"name":"mixamorig:Spine1","translation":[{},{},{}],"children":[{}]}}"#,
        up.x,
        up.y,
        up.z,
        1 + Joint::SpineUpper.index()
    ));
    nodes.push(r#"{"name":"body","mesh":0,"skin":0}"#.to_string());
    let (mut color, mut images) = (spec.color, String::new());
    let mut base_texture = String::new();
    let solid = spec.texture.map(|rgb| {
        let img = image::RgbImage::from_pixel(8, 8, image::Rgb(rgb));
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        png
    });
    if let Some(png) = spec.texture_png.clone().or(solid) {
        let view = w.view(&png);
        images = format!(
            r#","images":[{{"bufferView":{view},"mimeType":"image/png"}}],"textures":[{{"source":0}}]"#
        );
        base_texture = r#","baseColorTexture":{"index":0}"#.to_string();
        color = [1.0; 4];
    }
    let animations = if spec.clip {
        let times = w.floats(&[0.0, 1.0], 2, "SCALAR");
        let turn = Quat::from_rotation_y(-60f32.to_radians());
        let rots = w.floats(
            &[Quat::IDENTITY.to_array(), turn.to_array()].concat(),
            2,
            "VEC4",
        );
        let hips = rest[Joint::Pelvis.index()];
        let lifted = hips + Vec3::Y * 10.0;
        let moves = w.floats(&[hips.to_array(), lifted.to_array()].concat(), 2, "VEC3");
        format!(
            r#","animations":[{{"channels":[{{"sampler":0,"target":{{"node":{elbow},"path":"rotation"}}}},{{"sampler":1,"target":{{"node":1,"path":"translation"}}}}],
  "samplers":[{{"input":{times},"output":{rots}}},{{"input":{times},"output":{moves}}}]}}]"#,
            elbow = 1 + Joint::LeftElbow.index()
        )
    } else {
        String::new()
    };
    let json = format!(
        r#"{{"asset":{{"version":"2.0"}},"scene":0,"scenes":[{{"nodes":[0,21]}}],
"nodes":[{nodes}],
"materials":[{{"pbrMetallicRoughness":{{"baseColorFactor":[{r},{g},{b},{a}]{base_texture},"metallicFactor":0,"roughnessFactor":0.6}}}}]{images},
"meshes":[{{"primitives":[{{"attributes":{{"POSITION":{pos},"NORMAL":{nrm},"TEXCOORD_0":{uv},"JOINTS_0":{jnt},"WEIGHTS_0":{wgt}}},"indices":{idx},"material":0}}]}}],
"skins":[{{"joints":[{joints}],"inverseBindMatrices":{ibm}}}]{animations},
"buffers":[{{"byteLength":{len}}}],
"bufferViews":[{views}],
"accessors":[{accessors}]}}"#,
        nodes = nodes.join(","),
        r = color[0],
        g = color[1],
        b = color[2],
        a = color[3],
        joints = (1..=20)
            .map(|k| k.to_string())
            .collect::<Vec<_>>()
            .join(","),
        len = w.bin.len(),
        views = w.views.join(","),
        accessors = w.accessors.join(","),
    );
    glb(&json, Some(&w.bin))
}
