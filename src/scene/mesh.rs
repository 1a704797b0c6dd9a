//! Mesh files for `ConvexHull` and `TriMesh` shapes: Wavefront OBJ and glTF 2.0
//! (`.gltf` with embedded or neighbouring buffers, or `.glb`). Paths are relative to the
//! scene file's folder and may not leave it.

use std::path::{Component, Path};

use glam::{Mat4, Vec3};

use super::model::Mesh;

/// Largest vertex or triangle count accepted from one mesh file.
pub const MAX_MESH_ELEMENTS: usize = 2_000_000;

/// A loaded mesh and the bytes that determine it (for the scene hash).
pub(crate) struct Loaded {
    pub mesh: Mesh,
    pub bytes: Vec<u8>,
}

/// Loads `rel` (as written in the scene) from `base_dir`, scaled uniformly by `scale`.
/// Errors are complete sentences without the location, which the caller adds.
pub(crate) fn load(base_dir: &Path, rel: &str, scale: f32) -> Result<Loaded, String> {
    let full = resolve_inside(base_dir, base_dir, rel, "mesh")?;
    let base = base_dir
        .canonicalize()
        .map_err(|e| format!("cannot open the scene folder {}: {e}", base_dir.display()))?;
    let bytes =
        std::fs::read(&full).map_err(|e| format!("cannot read mesh file \"{rel}\": {e}"))?;
    let ext = full
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let (vertices, indices) = match ext.as_str() {
        "obj" => parse_obj(&bytes).map_err(|e| format!("mesh \"{rel}\": {e}"))?,
        "gltf" | "glb" => {
            let dir = full.parent().unwrap_or(&base);
            parse_gltf(&bytes, dir, &base).map_err(|e| format!("mesh \"{rel}\": {e}"))?
        }
        other => {
            return Err(format!(
                "mesh \"{rel}\": unsupported extension \"{other}\"; expected .obj, .gltf or .glb"
            ));
        }
    };
    if vertices.is_empty() {
        return Err(format!("mesh \"{rel}\" has no vertices"));
    }
    if vertices.len() > MAX_MESH_ELEMENTS || indices.len() > MAX_MESH_ELEMENTS {
        return Err(format!(
            "mesh \"{rel}\" is too large: {} vertices, {} triangles (limit {MAX_MESH_ELEMENTS} each)",
            vertices.len(),
            indices.len()
        ));
    }
    if let Some(v) = vertices.iter().find(|v| !v.is_finite()) {
        return Err(format!("mesh \"{rel}\" has a non-finite vertex {v}"));
    }
    let n = vertices.len() as u32;
    if let Some(t) = indices.iter().find(|t| t.iter().any(|&i| i >= n)) {
        return Err(format!(
            "mesh \"{rel}\" has a triangle {t:?} indexing past its {n} vertices"
        ));
    }
    Ok(Loaded {
        mesh: Mesh {
            path: rel.to_string(),
            vertices: vertices.into_iter().map(|v| v * scale).collect(),
            indices,
            uvs: Vec::new(),
        },
        bytes,
    })
}

/// Resolves `rel` (a `what` path as written: "mesh", "texture", …) against `dir`,
/// refusing absolute paths and anything outside `root` (the scene file's folder).
/// The result is canonical and exists.
pub(crate) fn resolve_inside(
    root: &Path,
    dir: &Path,
    rel: &str,
    what: &str,
) -> Result<std::path::PathBuf, String> {
    let rel_path = Path::new(rel);
    if rel.is_empty() {
        return Err(format!("{what} path is empty"));
    }
    if rel_path.is_absolute()
        || rel_path
            .components()
            .any(|c| matches!(c, Component::Prefix(_)))
    {
        return Err(format!(
            "path \"{rel}\" is absolute; {what} paths are relative to the scene file's folder"
        ));
    }
    let base = root
        .canonicalize()
        .map_err(|e| format!("cannot open the scene folder {}: {e}", root.display()))?;
    let full = dir.join(rel_path);
    let full = full
        .canonicalize()
        .map_err(|e| format!("cannot open {what} file \"{rel}\" ({}): {e}", full.display()))?;
    if !full.starts_with(&base) {
        return Err(format!(
            "path \"{rel}\" leaves the scene's folder {}; keep {what} files beside or below the scene file",
            base.display()
        ));
    }
    Ok(full)
}

type Geometry = (Vec<Vec3>, Vec<[u32; 3]>);

fn parse_obj(bytes: &[u8]) -> Result<Geometry, String> {
    let opts = tobj::LoadOptions {
        triangulate: true,
        single_index: true,
        ..Default::default()
    };
    let mut reader = std::io::BufReader::new(bytes);
    let (models, _materials) = tobj::load_obj_buf(&mut reader, &opts, |_| Ok(Default::default()))
        .map_err(|e| format!("not a valid OBJ file: {e}"))?;
    let mut vertices = Vec::new();
    let mut indices = Vec::new();
    for m in &models {
        let base = vertices.len() as u32;
        vertices.extend(
            m.mesh
                .positions
                .chunks_exact(3)
                .map(|p| Vec3::new(p[0], p[1], p[2])),
        );
        indices.extend(
            m.mesh
                .indices
                .chunks_exact(3)
                .map(|t| [base + t[0], base + t[1], base + t[2]]),
        );
    }
    Ok((vertices, indices))
}

fn parse_gltf(bytes: &[u8], dir: &Path, base: &Path) -> Result<Geometry, String> {
    let g = gltf::Gltf::from_slice(bytes).map_err(|e| format!("not a valid glTF file: {e}"))?;
    for b in g.document.buffers() {
        if let gltf::buffer::Source::Uri(uri) = b.source()
            && !uri.starts_with("data:")
        {
            let p = dir.join(uri);
            let ok = p
                .canonicalize()
                .map(|c| c.starts_with(base))
                .unwrap_or(false);
            if !ok {
                return Err(format!(
                    "buffer \"{uri}\" is missing or outside the scene's folder"
                ));
            }
        }
    }
    let buffers = gltf::import_buffers(&g.document, Some(dir), g.blob.clone())
        .map_err(|e| format!("cannot load its buffers: {e}"))?;
    let mut vertices = Vec::new();
    let mut indices = Vec::new();
    let scene = g
        .document
        .default_scene()
        .or_else(|| g.document.scenes().next())
        .ok_or("has no scene")?;
    let mut stack: Vec<(gltf::Node, Mat4)> = scene.nodes().map(|n| (n, Mat4::IDENTITY)).collect();
    while let Some((node, parent)) = stack.pop() {
        let world = parent * Mat4::from_cols_array_2d(&node.transform().matrix());
        if let Some(mesh) = node.mesh() {
            for prim in mesh.primitives() {
                if prim.mode() != gltf::mesh::Mode::Triangles {
                    return Err(format!(
                        "primitive mode {:?} is not supported; export triangles",
                        prim.mode()
                    ));
                }
                let reader = prim.reader(|b| buffers.get(b.index()).map(|d| &d.0[..]));
                let base_index = vertices.len() as u32;
                let positions = reader
                    .read_positions()
                    .ok_or("a primitive has no positions")?;
                vertices.extend(positions.map(|p| world.transform_point3(Vec3::from(p))));
                let count = vertices.len() as u32 - base_index;
                match reader.read_indices() {
                    Some(ix) => {
                        let ix: Vec<u32> = ix.into_u32().collect();
                        indices
                            .extend(ix.chunks_exact(3).map(|t| {
                                [base_index + t[0], base_index + t[1], base_index + t[2]]
                            }));
                    }
                    None => indices.extend((0..count / 3).map(|t| {
                        [
                            base_index + 3 * t,
                            base_index + 3 * t + 1,
                            base_index + 3 * t + 2,
                        ]
                    })),
                }
                if vertices.len() > MAX_MESH_ELEMENTS {
                    return Err("too many vertices".into());
                }
            }
        }
        stack.extend(node.children().map(|c| (c, world)));
    }
    Ok((vertices, indices))
}
