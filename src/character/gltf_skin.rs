//! User characters from glTF 2.0 skins, with their animation clips.
//!
//! Rules (stricter than glTF where a silent default would hide a broken export):
//! - the file's first skin (`skins[0]`) is the character; the first node that uses it
//!   with a mesh gives the mesh, and that mesh's first primitive (triangles) the surface;
//! - `skins[0].inverseBindMatrices` is **required** (glTF would assume identity);
//! - the primitive needs `POSITION`, `JOINTS_0` and `WEIGHTS_0`; `NORMAL` is computed
//!   from the triangles when absent; every vertex's weights sum to one (±1e-3) and every
//!   joint index exists; at most [`MAX_JOINTS`] joints;
//! - joints' rest local transforms are their nodes' TRS; non-joint ancestors (an
//!   "Armature" node) contribute their fixed transforms; the mesh node's own transform is
//!   ignored, as glTF specifies for skinned meshes;
//! - clips animate translation, rotation and scale of joint nodes with `LINEAR` (slerp
//!   for rotations) or `STEP` interpolation; `CUBICSPLINE` is refused; channels on other
//!   nodes and morph weights are ignored. Before a clip's first key and after its last,
//!   the end values hold.
//!
//! Every error names the file and the glTF path of the bad value, such as
//! `skins[0].inverseBindMatrices` or `meshes[0].primitives[0].attributes.WEIGHTS_0[17]`.

use std::path::Path;

use glam::{Mat4, Quat, Vec3};
use gltf::accessor::{DataType, Dimensions};

use super::skin::{Deformed, MAX_JOINTS, Skin, SkinError};

/// A glTF character that could not be loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GltfError {
    /// The file could not be read.
    #[error("{file}: cannot read: {message}")]
    Read {
        /// The file.
        file: String,
        /// The operating system's reason.
        message: String,
    },
    /// A value in the document is missing, malformed or unsupported.
    #[error("{file}: {path}: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// The glTF path of the value, e.g. `skins[0].inverseBindMatrices`.
        path: String,
        /// What is wrong, expected vs found.
        message: String,
    },
}

/// A rest or animated local transform: `T · R · S`, as glTF nodes have.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trs {
    /// Translation (m).
    pub translation: Vec3,
    /// Rotation (unit quaternion).
    pub rotation: Quat,
    /// Scale per axis.
    pub scale: Vec3,
}

impl Trs {
    /// The transform as a matrix.
    pub fn matrix(&self) -> Mat4 {
        Mat4::from_scale_rotation_translation(self.scale, self.rotation, self.translation)
    }
}

/// How a channel interpolates between keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpolation {
    /// Linear (spherical linear for rotations).
    Linear,
    /// The previous key's value until the next key.
    Step,
}

/// The keyed values of one channel.
#[derive(Debug, Clone, PartialEq)]
pub enum ChannelValues {
    /// Translations (m).
    Translation(Vec<Vec3>),
    /// Unit rotations.
    Rotation(Vec<Quat>),
    /// Scales.
    Scale(Vec<Vec3>),
}

/// One animated property of one joint.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// The joint (index into the skin's joints).
    pub joint: usize,
    /// How values between keys are found.
    pub interpolation: Interpolation,
    /// Key times in seconds, strictly increasing.
    pub times: Vec<f32>,
    /// One value per key.
    pub values: ChannelValues,
}

/// An animation clip.
#[derive(Debug, Clone, PartialEq)]
pub struct Clip {
    /// `animation N`, its index in the file.
    pub name: String,
    /// The last key time (s).
    pub duration: f32,
    /// Its channels on joints.
    pub channels: Vec<Channel>,
}

/// A skinned character loaded from glTF.
#[derive(Debug, Clone, PartialEq)]
pub struct GltfCharacter {
    /// Joint names: each joint node's `name`, or `node N` (its node index) when it has
    /// none; in the skin's joint order.
    pub joint_names: Vec<String>,
    /// Each joint's parent joint, if any.
    pub parents: Vec<Option<usize>>,
    /// Each joint's rest local transform (its node's TRS).
    pub rest: Vec<Trs>,
    /// Fixed transform between a joint and its parent joint (or the scene root): the
    /// product of non-joint ancestors' transforms; identity in the usual case.
    pub pre: Vec<Mat4>,
    /// The validated skin.
    pub skin: Skin,
    /// Triangle indices into the skin's vertices.
    pub indices: Vec<u32>,
    /// Each vertex's `TEXCOORD_0` (zeros when the primitive has none).
    pub uvs: Vec<glam::Vec2>,
    /// Animation clips, in file order.
    pub clips: Vec<Clip>,
    /// Joints in evaluation order (every parent before its children).
    order: Vec<usize>,
}

impl GltfCharacter {
    /// Loads a `.gltf` (buffers as data URIs or files beside it) or `.glb` file.
    ///
    /// # Errors
    /// [`GltfError`] naming the file and the glTF path of the first problem.
    pub fn load(path: &Path) -> Result<GltfCharacter, GltfError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| GltfError::Read {
            file: file.clone(),
            message: e.to_string(),
        })?;
        load_bytes(&bytes, &file, path.parent())
    }

    /// [`GltfCharacter::load`] for a file's bytes already read: buffer files resolve in
    /// `dir`; `file` names the source in errors.
    ///
    /// # Errors
    /// [`GltfError`] naming `file` and the glTF path of the first problem.
    pub fn from_bytes_in(bytes: &[u8], file: &str, dir: &Path) -> Result<GltfCharacter, GltfError> {
        load_bytes(bytes, file, Some(dir))
    }

    /// Loads from bytes (`.gltf` JSON with data-URI buffers, or `.glb`); `file` names
    /// the source in errors. External buffer files are refused.
    ///
    /// # Errors
    /// [`GltfError`] naming `file` and the glTF path of the first problem.
    pub fn from_slice(bytes: &[u8], file: &str) -> Result<GltfCharacter, GltfError> {
        load_bytes(bytes, file, None)
    }

    /// The joints' local transforms at time `t` (s) of a clip: rest values, overridden
    /// by the clip's channels.
    pub fn sample(&self, clip: &Clip, t: f32) -> Vec<Trs> {
        let mut locals = self.rest.clone();
        for channel in &clip.channels {
            if let Some(local) = locals.get_mut(channel.joint) {
                channel.apply(t, local);
            }
        }
        locals
    }

    /// Forward kinematics: each joint's world transform from local transforms.
    pub fn globals(&self, locals: &[Trs]) -> Vec<Mat4> {
        let mut out = vec![Mat4::IDENTITY; self.rest.len()];
        for &j in &self.order {
            let local = locals.get(j).unwrap_or(&self.rest[j]).matrix();
            let parent = self.parents[j].map_or(Mat4::IDENTITY, |p| out[p]);
            out[j] = parent * self.pre[j] * local;
        }
        out
    }

    /// Joints in evaluation order: every parent before its children.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The mesh deformed by a clip at time `t`.
    ///
    /// # Errors
    /// Only if the skin and joint counts disagree, which loading rules out.
    pub fn deform_at(&self, clip: &Clip, t: f32) -> Result<Deformed, SkinError> {
        self.skin.deform(&self.globals(&self.sample(clip, t)))
    }
}

impl Channel {
    /// Writes this channel's value at time `t` into a local transform.
    /// A hand-built channel with fewer values than key times leaves `local` as it is
    /// past its last value (loaded channels always match).
    pub fn apply(&self, t: f32, local: &mut Trs) {
        let (i, k, f) = self.segment(t);
        match &self.values {
            ChannelValues::Translation(v) => {
                if let (Some(a), Some(b)) = (v.get(i), v.get(k)) {
                    local.translation = a.lerp(*b, f);
                }
            }
            ChannelValues::Scale(v) => {
                if let (Some(a), Some(b)) = (v.get(i), v.get(k)) {
                    local.scale = a.lerp(*b, f);
                }
            }
            ChannelValues::Rotation(v) => {
                if let (Some(a), Some(b)) = (v.get(i), v.get(k)) {
                    local.rotation = a.slerp(*b, f).normalize();
                }
            }
        }
    }

    /// The keys around `t` and the blend factor between them (0 for STEP).
    fn segment(&self, t: f32) -> (usize, usize, f32) {
        let last = self.times.len().saturating_sub(1);
        // Index of the first key strictly after t.
        let next = self.times.partition_point(|&k| k <= t);
        if next == 0 {
            return (0, 0, 0.0);
        }
        if next > last {
            return (last, last, 0.0);
        }
        let (i, k) = (next - 1, next);
        let span = self.times[k] - self.times[i];
        let f = match self.interpolation {
            Interpolation::Step => 0.0,
            Interpolation::Linear => ((t - self.times[i]) / span).clamp(0.0, 1.0),
        };
        (i, k, f)
    }
}

/// What a loader needs while reading one document.
struct Ctx<'a> {
    file: &'a str,
    document: &'a gltf::Document,
    buffers: &'a [gltf::buffer::Data],
}

impl<'a> Ctx<'a> {
    fn err(&self, path: impl Into<String>, message: impl Into<String>) -> GltfError {
        GltfError::Invalid {
            file: self.file.to_string(),
            path: path.into(),
            message: message.into(),
        }
    }

    fn buffer(&self) -> impl Clone + Fn(gltf::Buffer<'_>) -> Option<&'a [u8]> + use<'a> {
        let buffers = self.buffers;
        move |b: gltf::Buffer<'_>| buffers.get(b.index()).map(|d| d.0.as_slice())
    }

    /// Checks an accessor's element type before the gltf crate reads it (its readers
    /// assume valid types and would panic otherwise).
    fn check(
        &self,
        acc: &gltf::Accessor<'_>,
        path: &str,
        dims: Dimensions,
        types: &[DataType],
    ) -> Result<(), GltfError> {
        if acc.dimensions() != dims || !types.contains(&acc.data_type()) {
            return Err(self.err(
                path,
                format!(
                    "expected {dims:?} of {types:?}, found {:?} of {:?}",
                    acc.dimensions(),
                    acc.data_type()
                ),
            ));
        }
        Ok(())
    }

    /// Items read must number the accessor's count (a short buffer reads as missing).
    fn counted<T>(
        &self,
        items: Option<Vec<T>>,
        acc: &gltf::Accessor<'_>,
        path: &str,
    ) -> Result<Vec<T>, GltfError> {
        match items {
            Some(v) if v.len() == acc.count() => Ok(v),
            Some(v) => Err(self.err(
                path,
                format!(
                    "read {} items, the accessor declares {}",
                    v.len(),
                    acc.count()
                ),
            )),
            None => Err(self.err(path, "no data (buffer view missing or too short)")),
        }
    }
}

fn load_bytes(bytes: &[u8], file: &str, base: Option<&Path>) -> Result<GltfCharacter, GltfError> {
    let parse_err = |message: String| GltfError::Invalid {
        file: file.to_string(),
        path: "document".into(),
        message,
    };
    let gltf = gltf::Gltf::from_slice(bytes).map_err(|e| match e {
        gltf::Error::Validation(list) => match list.first() {
            Some((path, error)) => GltfError::Invalid {
                file: file.to_string(),
                path: path.to_string(),
                message: error.to_string(),
            },
            None => parse_err("invalid".into()),
        },
        other => parse_err(other.to_string()),
    })?;
    let gltf::Gltf { document, blob } = gltf;
    let buffers = gltf::import_buffers(&document, base, blob).map_err(|e| GltfError::Invalid {
        file: file.to_string(),
        path: "buffers".into(),
        message: e.to_string(),
    })?;
    let ctx = Ctx {
        file,
        document: &document,
        buffers: &buffers,
    };
    build(&ctx)
}

fn build(ctx: &Ctx<'_>) -> Result<GltfCharacter, GltfError> {
    let skin = ctx
        .document
        .skins()
        .next()
        .ok_or_else(|| ctx.err("skins", "the file has no skin"))?;
    let joint_nodes: Vec<usize> = skin.joints().map(|n| n.index()).collect();
    if joint_nodes.len() > MAX_JOINTS {
        return Err(ctx.err(
            "skins[0].joints",
            format!(
                "{} joints, more than the limit of {MAX_JOINTS}",
                joint_nodes.len()
            ),
        ));
    }
    if joint_nodes.is_empty() {
        return Err(ctx.err("skins[0].joints", "no joints"));
    }
    let inverse_bind = read_inverse_binds(ctx, &skin, joint_nodes.len())?;
    let hierarchy = hierarchy(ctx, &joint_nodes)?;
    let (mesh_index, primitive) = skinned_primitive(ctx)?;
    let prim_path = format!("meshes[{mesh_index}].primitives[0]");
    let surface = read_surface(ctx, &primitive, &prim_path)?;
    let skin = Skin::new(
        surface.positions,
        surface.normals,
        surface.joints,
        surface.weights,
        inverse_bind,
    )
    .map_err(|e| locate_skin_error(ctx, &e, &prim_path))?;
    let clips = read_clips(ctx, &joint_nodes)?;
    Ok(GltfCharacter {
        joint_names: hierarchy.names,
        parents: hierarchy.parents,
        rest: hierarchy.rest,
        pre: hierarchy.pre,
        skin,
        indices: surface.indices,
        uvs: surface.uvs,
        clips,
        order: hierarchy.order,
    })
}

fn read_inverse_binds(
    ctx: &Ctx<'_>,
    skin: &gltf::Skin<'_>,
    joints: usize,
) -> Result<Vec<Mat4>, GltfError> {
    let path = "skins[0].inverseBindMatrices";
    let acc = skin.inverse_bind_matrices().ok_or_else(|| {
        ctx.err(path, "missing: cinegraph requires explicit inverse bind matrices (glTF would assume identity)")
    })?;
    ctx.check(&acc, path, Dimensions::Mat4, &[DataType::F32])?;
    let reader = skin.reader(ctx.buffer());
    let mats = reader
        .read_inverse_bind_matrices()
        .map(|it| it.map(|m| Mat4::from_cols_array_2d(&m)).collect());
    let mats = ctx.counted(mats, &acc, path)?;
    if mats.len() != joints {
        return Err(ctx.err(
            path,
            format!("{} matrices, the skin has {joints} joints", mats.len()),
        ));
    }
    Ok(mats)
}

struct Hierarchy {
    names: Vec<String>,
    parents: Vec<Option<usize>>,
    rest: Vec<Trs>,
    pre: Vec<Mat4>,
    order: Vec<usize>,
}

/// Each joint's parent joint, rest TRS, and the fixed transform of non-joint nodes
/// between them; and an evaluation order (by depth, then index: deterministic).
fn hierarchy(ctx: &Ctx<'_>, joint_nodes: &[usize]) -> Result<Hierarchy, GltfError> {
    let nodes: Vec<gltf::Node<'_>> = ctx.document.nodes().collect();
    let mut node_parent: Vec<Option<usize>> = vec![None; nodes.len()];
    for node in &nodes {
        for child in node.children() {
            if node_parent[child.index()].replace(node.index()).is_some() {
                return Err(ctx.err(
                    format!("nodes[{}]", child.index()),
                    "node has more than one parent",
                ));
            }
        }
    }
    let joint_of = |node: usize| joint_nodes.iter().position(|&n| n == node);
    let mut out = Hierarchy {
        names: vec![],
        parents: vec![],
        rest: vec![],
        pre: vec![],
        order: vec![],
    };
    let mut depth = Vec::new();
    for (j, &n) in joint_nodes.iter().enumerate() {
        if joint_of(n) != Some(j) {
            return Err(ctx.err(
                format!("skins[0].joints[{j}]"),
                format!("node {n} is listed twice"),
            ));
        }
        let node = &nodes[n];
        out.names.push(
            node.name()
                .map_or_else(|| format!("node {n}"), str::to_string),
        );
        let (t, r, s) = node.transform().decomposed();
        out.rest.push(Trs {
            translation: Vec3::from(t),
            rotation: Quat::from_array(r).normalize(),
            scale: Vec3::from(s),
        });
        // Walk up through non-joint ancestors to the parent joint (or the root).
        let (mut pre, mut parent, mut d, mut at) = (Mat4::IDENTITY, None, 0usize, node_parent[n]);
        let mut steps = 0;
        while let Some(a) = at {
            steps += 1;
            if steps > nodes.len() {
                return Err(ctx.err(format!("nodes[{n}]"), "the node hierarchy has a cycle"));
            }
            if let Some(pj) = joint_of(a) {
                parent = Some(pj);
                break;
            }
            pre = Mat4::from_cols_array_2d(&nodes[a].transform().matrix()) * pre;
            at = node_parent[a];
        }
        // Depth among joints, for the evaluation order.
        let mut up = parent;
        while let Some(p) = up {
            d += 1;
            if d > joint_nodes.len() {
                return Err(ctx.err(format!("nodes[{n}]"), "the node hierarchy has a cycle"));
            }
            up = joint_parent_of(&node_parent, joint_nodes, joint_nodes[p]);
        }
        out.parents.push(parent);
        out.pre.push(pre);
        depth.push(d);
    }
    let mut order: Vec<usize> = (0..joint_nodes.len()).collect();
    order.sort_by_key(|&j| (depth[j], j));
    out.order = order;
    Ok(out)
}

fn joint_parent_of(
    node_parent: &[Option<usize>],
    joint_nodes: &[usize],
    node: usize,
) -> Option<usize> {
    let mut at = node_parent[node];
    let mut steps = 0;
    while let Some(a) = at {
        if let Some(j) = joint_nodes.iter().position(|&n| n == a) {
            return Some(j);
        }
        steps += 1;
        if steps > node_parent.len() {
            return None;
        }
        at = node_parent[a];
    }
    None
}

/// The first node (by index) that uses `skins[0]` with a mesh: its mesh's first primitive.
fn skinned_primitive<'a>(ctx: &Ctx<'a>) -> Result<(usize, gltf::Primitive<'a>), GltfError> {
    let node = ctx
        .document
        .nodes()
        .find(|n| n.skin().is_some_and(|s| s.index() == 0) && n.mesh().is_some())
        .ok_or_else(|| ctx.err("nodes", "no node uses skins[0] with a mesh"))?;
    let mesh = node
        .mesh()
        .ok_or_else(|| ctx.err(format!("nodes[{}].mesh", node.index()), "missing"))?;
    let primitive = mesh
        .primitives()
        .next()
        .ok_or_else(|| ctx.err(format!("meshes[{}].primitives", mesh.index()), "empty"))?;
    if primitive.mode() != gltf::mesh::Mode::Triangles {
        let path = format!("meshes[{}].primitives[0].mode", mesh.index());
        return Err(ctx.err(
            path,
            format!("expected TRIANGLES, found {:?}", primitive.mode()),
        ));
    }
    Ok((mesh.index(), primitive))
}

struct Surface {
    positions: Vec<Vec3>,
    normals: Vec<Vec3>,
    joints: Vec<[u16; 4]>,
    weights: Vec<[f32; 4]>,
    indices: Vec<u32>,
    uvs: Vec<glam::Vec2>,
}

fn attribute<'a>(
    ctx: &Ctx<'a>,
    prim: &gltf::Primitive<'a>,
    semantic: gltf::Semantic,
    path: &str,
) -> Result<gltf::Accessor<'a>, GltfError> {
    prim.get(&semantic).ok_or_else(|| ctx.err(path, "missing"))
}

fn read_surface(
    ctx: &Ctx<'_>,
    prim: &gltf::Primitive<'_>,
    prim_path: &str,
) -> Result<Surface, GltfError> {
    use gltf::Semantic;
    let reader = prim.reader(ctx.buffer());
    let p_path = format!("{prim_path}.attributes.POSITION");
    let acc = attribute(ctx, prim, Semantic::Positions, &p_path)?;
    ctx.check(&acc, &p_path, Dimensions::Vec3, &[DataType::F32])?;
    let positions = ctx.counted(
        reader
            .read_positions()
            .map(|it| it.map(Vec3::from).collect()),
        &acc,
        &p_path,
    )?;
    let n = positions.len();

    let i_path = format!("{prim_path}.indices");
    let indices = match prim.indices() {
        None => (0..n as u32).collect(),
        Some(acc) => {
            ctx.check(
                &acc,
                &i_path,
                Dimensions::Scalar,
                &[DataType::U8, DataType::U16, DataType::U32],
            )?;
            let idx: Vec<u32> = ctx.counted(
                reader.read_indices().map(|r| r.into_u32().collect()),
                &acc,
                &i_path,
            )?;
            if let Some(k) = idx.iter().position(|&i| i as usize >= n) {
                return Err(ctx.err(
                    format!("{i_path}[{k}]"),
                    format!("vertex {} out of range, {n} vertices", idx[k]),
                ));
            }
            idx
        }
    };

    let j_path = format!("{prim_path}.attributes.JOINTS_0");
    let acc = attribute(ctx, prim, Semantic::Joints(0), &j_path)?;
    ctx.check(
        &acc,
        &j_path,
        Dimensions::Vec4,
        &[DataType::U8, DataType::U16],
    )?;
    let joints = ctx.counted(
        reader.read_joints(0).map(|r| r.into_u16().collect()),
        &acc,
        &j_path,
    )?;

    let w_path = format!("{prim_path}.attributes.WEIGHTS_0");
    let acc = attribute(ctx, prim, Semantic::Weights(0), &w_path)?;
    ctx.check(
        &acc,
        &w_path,
        Dimensions::Vec4,
        &[DataType::U8, DataType::U16, DataType::F32],
    )?;
    let weights = ctx.counted(
        reader.read_weights(0).map(|r| r.into_f32().collect()),
        &acc,
        &w_path,
    )?;

    let n_path = format!("{prim_path}.attributes.NORMAL");
    let normals = match prim.get(&Semantic::Normals) {
        Some(acc) => {
            ctx.check(&acc, &n_path, Dimensions::Vec3, &[DataType::F32])?;
            ctx.counted(
                reader.read_normals().map(|it| it.map(Vec3::from).collect()),
                &acc,
                &n_path,
            )?
        }
        None => vertex_normals(&positions, &indices),
    };
    let t_path = format!("{prim_path}.attributes.TEXCOORD_0");
    let uvs = match prim.get(&Semantic::TexCoords(0)) {
        Some(acc) => {
            ctx.check(
                &acc,
                &t_path,
                Dimensions::Vec2,
                &[DataType::F32, DataType::U8, DataType::U16],
            )?;
            ctx.counted(
                reader
                    .read_tex_coords(0)
                    .map(|r| r.into_f32().map(glam::Vec2::from).collect()),
                &acc,
                &t_path,
            )?
        }
        None => vec![glam::Vec2::ZERO; n],
    };
    if uvs.len() != n {
        return Err(ctx.err(t_path, format!("{} values for {n} vertices", uvs.len())));
    }
    Ok(Surface {
        positions,
        normals,
        joints,
        weights,
        indices,
        uvs,
    })
}

/// Area-weighted vertex normals, for meshes exported without normals.
fn vertex_normals(positions: &[Vec3], indices: &[u32]) -> Vec<Vec3> {
    let mut normals = vec![Vec3::ZERO; positions.len()];
    for tri in indices.chunks_exact(3) {
        let [a, b, c] = [tri[0] as usize, tri[1] as usize, tri[2] as usize];
        let n = (positions[b] - positions[a]).cross(positions[c] - positions[a]);
        for v in [a, b, c] {
            normals[v] += n;
        }
    }
    normals
        .into_iter()
        .map(|n| n.normalize_or(Vec3::Y))
        .collect()
}

/// Puts a skin validation error at its glTF path.
fn locate_skin_error(ctx: &Ctx<'_>, e: &SkinError, prim_path: &str) -> GltfError {
    let attr = |name: &str, v: usize| format!("{prim_path}.attributes.{name}[{v}]");
    let path = match e {
        SkinError::TooManyJoints { .. } | SkinError::NoJoints => "skins[0].joints".to_string(),
        SkinError::InverseBind { joint, .. } => format!("skins[0].inverseBindMatrices[{joint}]"),
        SkinError::WeightSum { vertex, .. } | SkinError::BadWeight { vertex, .. } => {
            attr("WEIGHTS_0", *vertex)
        }
        SkinError::JointOutOfRange { vertex, .. } => attr("JOINTS_0", *vertex),
        SkinError::NonFiniteVertex { vertex, what } => attr(
            if *what == "normal" {
                "NORMAL"
            } else {
                "POSITION"
            },
            *vertex,
        ),
        SkinError::Length { what, .. } => format!("{prim_path}.attributes ({what})"),
        SkinError::PoseLength { .. } => "skins[0]".to_string(),
    };
    ctx.err(path, e.to_string())
}

fn read_clips(ctx: &Ctx<'_>, joint_nodes: &[usize]) -> Result<Vec<Clip>, GltfError> {
    let mut clips = Vec::new();
    for anim in ctx.document.animations() {
        let a = anim.index();
        let mut channels = Vec::new();
        for (c, channel) in anim.channels().enumerate() {
            let Some(joint) = joint_nodes
                .iter()
                .position(|&n| n == channel.target().node().index())
            else {
                continue; // not a joint of the character: ignored, as documented
            };
            if let Some(ch) = read_channel(ctx, &channel, joint, &format!("animations[{a}]"), c)? {
                channels.push(ch);
            }
        }
        let duration = channels
            .iter()
            .filter_map(|c| c.times.last().copied())
            .fold(0.0, f32::max);
        let name = format!("animation {a}");
        clips.push(Clip {
            name,
            duration,
            channels,
        });
    }
    Ok(clips)
}

fn read_channel(
    ctx: &Ctx<'_>,
    channel: &gltf::animation::Channel<'_>,
    joint: usize,
    anim_path: &str,
    c: usize,
) -> Result<Option<Channel>, GltfError> {
    use gltf::animation::{Property, util::ReadOutputs};
    let sampler = channel.sampler();
    let s_path = format!("{anim_path}.samplers[{}]", sampler.index());
    let interpolation = match sampler.interpolation() {
        gltf::animation::Interpolation::Linear => Interpolation::Linear,
        gltf::animation::Interpolation::Step => Interpolation::Step,
        gltf::animation::Interpolation::CubicSpline => {
            return Err(ctx.err(
                format!("{s_path}.interpolation"),
                "CUBICSPLINE is not supported (use LINEAR or STEP)",
            ));
        }
    };
    let (vec_types, rot_types) = (
        [DataType::F32].as_slice(),
        [
            DataType::F32,
            DataType::I8,
            DataType::U8,
            DataType::I16,
            DataType::U16,
        ]
        .as_slice(),
    );
    let (dims, types) = match channel.target().property() {
        Property::Translation | Property::Scale => (Dimensions::Vec3, vec_types),
        Property::Rotation => (Dimensions::Vec4, rot_types),
        Property::MorphTargetWeights => return Ok(None),
    };
    let input = sampler.input();
    let in_path = format!("{s_path}.input");
    ctx.check(&input, &in_path, Dimensions::Scalar, &[DataType::F32])?;
    let out_path = format!("{s_path}.output");
    let output = sampler.output();
    ctx.check(&output, &out_path, dims, types)?;
    let reader = channel.reader(ctx.buffer());
    let times = ctx.counted(
        reader.read_inputs().map(Iterator::collect::<Vec<f32>>),
        &input,
        &in_path,
    )?;
    check_times(ctx, &times, &in_path)?;
    let values = match reader.read_outputs() {
        Some(ReadOutputs::Translations(it)) => {
            Some(ChannelValues::Translation(it.map(Vec3::from).collect()))
        }
        Some(ReadOutputs::Scales(it)) => Some(ChannelValues::Scale(it.map(Vec3::from).collect())),
        Some(ReadOutputs::Rotations(r)) => Some(ChannelValues::Rotation(
            r.into_f32()
                .map(|q| Quat::from_array(q).normalize())
                .collect(),
        )),
        Some(ReadOutputs::MorphTargetWeights(_)) | None => None,
    };
    let count = match &values {
        Some(ChannelValues::Translation(v) | ChannelValues::Scale(v)) => v.len(),
        Some(ChannelValues::Rotation(v)) => v.len(),
        None => 0,
    };
    let values = values.ok_or_else(|| ctx.err(&out_path, "no data"))?;
    if count != times.len() {
        let path = format!("{anim_path}.channels[{c}]");
        return Err(ctx.err(
            path,
            format!("{count} output values for {} key times", times.len()),
        ));
    }
    Ok(Some(Channel {
        joint,
        interpolation,
        times,
        values,
    }))
}

fn check_times(ctx: &Ctx<'_>, times: &[f32], path: &str) -> Result<(), GltfError> {
    if times.is_empty() {
        return Err(ctx.err(path, "no key times"));
    }
    if let Some(k) = times.iter().position(|t| !t.is_finite()) {
        return Err(ctx.err(format!("{path}[{k}]"), "key time is not finite"));
    }
    for (k, pair) in times.windows(2).enumerate() {
        if pair[1] <= pair[0] {
            return Err(ctx.err(
                format!("{path}[{}]", k + 1),
                format!("key times must increase, {} follows {}", pair[1], pair[0]),
            ));
        }
    }
    Ok(())
}
