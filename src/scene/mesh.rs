//! Mesh files for `ConvexHull` and `TriMesh` shapes: Wavefront OBJ and glTF 2.0
//! (`.gltf` with embedded or neighbouring buffers, or `.glb`). Paths are relative to the
//! scene file's folder and may not leave it.

use std::path::{Component, Path};

use glam::{Mat4, Vec3};

use super::file::{Color, MaterialFile};
use super::model::Mesh;

/// Largest vertex or triangle count accepted from one mesh file.
pub const MAX_MESH_ELEMENTS: usize = 2_000_000;

/// A loaded mesh and the bytes that determine it (for the scene hash).
pub(crate) struct Loaded {
    pub mesh: Mesh,
    pub bytes: Vec<u8>,
    /// The file's material (its first primitive's or object's), as `(name, material)`,
    /// map paths relative to the scene's folder.
    pub material: Option<(String, MaterialFile)>,
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
    let dir = full.parent().unwrap_or(&base);
    let Geometry {
        vertices,
        indices,
        uvs,
        material,
    } = match ext.as_str() {
        "obj" => parse_obj(&bytes, dir, &base).map_err(|e| format!("mesh \"{rel}\": {e}"))?,
        "gltf" | "glb" => {
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
            uvs,
        },
        bytes,
        material,
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
    let full = full.canonicalize().map_err(|e| {
        format!(
            "cannot open {what} file \"{rel}\" ({}): {e}",
            full.display()
        )
    })?;
    if !full.starts_with(&base) {
        return Err(format!(
            "path \"{rel}\" leaves the scene's folder {}; keep {what} files beside or below the scene file",
            base.display()
        ));
    }
    Ok(full)
}

/// What a mesh file holds.
struct Geometry {
    vertices: Vec<Vec3>,
    indices: Vec<[u32; 3]>,
    /// One per vertex (`v = 0` at the image's top), or empty when the file has none.
    uvs: Vec<[f32; 2]>,
    material: Option<(String, MaterialFile)>,
}

/// `uri` (relative to `dir`, the mesh file's folder) as a path relative to `base` (the
/// scene's folder, canonical), which a material's map fields take.
fn image_path(base: &Path, dir: &Path, uri: &str, field: &str) -> Result<String, String> {
    if uri.starts_with("data:") {
        return Err(format!(
            "{field}: embedded (data URI) images are not supported; export the image as a \
             PNG or JPEG file beside the mesh"
        ));
    }
    let full = resolve_inside(base, dir, uri, "texture").map_err(|e| format!("{field}: {e}"))?;
    let rel = full
        .strip_prefix(base)
        .map_err(|_| format!("{field}: \"{uri}\" is outside the scene's folder"))?;
    Ok(rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/"))
}

/// Perceptual roughness from a Phong exponent `Ns`: Walter et al. (2007, "Microfacet
/// Models for Refraction through Rough Surfaces") match Phong exponent `n` to a
/// Beckmann/GGX width `α = sqrt(2 / (n + 2))`, and roughness is `sqrt(α)`; so
/// `r = (2 / (Ns + 2))^¼`, clamped to `[0, 1]` (Ns 0 -> 1, Ns 1000 -> 0.21).
pub(crate) fn roughness_from_ns(ns: f32) -> f32 {
    (2.0 / (ns.max(0.0) + 2.0)).powf(0.25).clamp(0.0, 1.0)
}

fn mtl_material(
    m: &tobj::Material,
    base: &Path,
    dir: &Path,
) -> Result<(String, MaterialFile), String> {
    let at = |field: &str| format!("material \"{}\" {field}", m.name);
    let map = |tex: Option<&String>, field: &str| -> Result<Option<String>, String> {
        // Options (`-bm 1 file.png`) precede the name; the name is the last word.
        tex.and_then(|t| t.split_whitespace().last())
            .map(|t| image_path(base, dir, t, &at(field)))
            .transpose()
    };
    let param = |k: &str| m.unknown_param.get(k);
    let float = |k: &str| -> Result<Option<f32>, String> {
        param(k)
            .map(|v| {
                v.trim()
                    .parse::<f32>()
                    .map_err(|_| format!("{}: expected a number, found \"{v}\"", at(k)))
            })
            .transpose()
    };
    let mut out = MaterialFile {
        color: Color::Linear(m.diffuse.unwrap_or([0.8; 3])),
        ..MaterialFile::default()
    };
    if let Some(ns) = m.shininess {
        out.roughness = roughness_from_ns(ns);
    }
    if let Some(pr) = float("Pr")? {
        out.roughness = pr;
    }
    if let Some(pm) = float("Pm")? {
        out.metallic = pm;
    }
    out.base_color_map = map(m.diffuse_texture.as_ref(), "map_Kd")?;
    let normal = m.normal_texture.as_ref().or(param("norm"));
    out.normal_map = map(normal, "map_Bump")?;
    out.emissive_map = map(param("map_Ke"), "map_Ke")?;
    if let Some(ke) = m.emissive
        && ke.iter().any(|c| *c > 0.0)
    {
        out.emission = Some(Color::Linear(ke));
    } else if out.emissive_map.is_some() {
        out.emission = Some(Color::Linear([1.0; 3]));
    }
    Ok((m.name.clone(), out))
}

fn parse_obj(bytes: &[u8], dir: &Path, base: &Path) -> Result<Geometry, String> {
    let opts = tobj::LoadOptions {
        triangulate: true,
        single_index: true,
        ..Default::default()
    };
    let mut reader = std::io::BufReader::new(bytes);
    let (models, materials) = tobj::load_obj_buf(&mut reader, &opts, |p| {
        let Ok(full) = resolve_inside(base, dir, &p.to_string_lossy(), "material") else {
            return Err(tobj::LoadError::OpenFileFailed);
        };
        let file = std::fs::File::open(full).map_err(|_| tobj::LoadError::OpenFileFailed)?;
        tobj::load_mtl_buf(&mut std::io::BufReader::new(file))
    })
    .map_err(|e| format!("not a valid OBJ file: {e}"))?;
    let mut vertices = Vec::new();
    let mut indices = Vec::new();
    let mut uvs = Vec::new();
    let mut any_uv = false;
    for m in &models {
        let base_index = vertices.len() as u32;
        vertices.extend(
            m.mesh
                .positions
                .chunks_exact(3)
                .map(|p| Vec3::new(p[0], p[1], p[2])),
        );
        let n = m.mesh.positions.len() / 3;
        if m.mesh.texcoords.len() == 2 * n && n > 0 {
            any_uv = true;
            // OBJ's v runs up from the image's bottom; ours runs down from its top.
            uvs.extend(m.mesh.texcoords.chunks_exact(2).map(|t| [t[0], 1.0 - t[1]]));
        } else {
            uvs.extend(std::iter::repeat_n([0.0, 0.0], n));
        }
        indices.extend(
            m.mesh
                .indices
                .chunks_exact(3)
                .map(|t| [base_index + t[0], base_index + t[1], base_index + t[2]]),
        );
    }
    if !any_uv {
        uvs.clear();
    }
    // A missing or unreadable .mtl leaves the mesh without a material, as OBJ viewers do.
    let material = match (models.iter().find_map(|m| m.mesh.material_id), materials) {
        (Some(id), Ok(mats)) => mats
            .get(id)
            .map(|m| mtl_material(m, base, dir))
            .transpose()?,
        _ => None,
    };
    Ok(Geometry {
        vertices,
        indices,
        uvs,
        material,
    })
}

/// A material map whose image lives inside a glTF file's buffer: which map (its
/// `MaterialFile` field name), the image's index, and the view's bytes.
pub(crate) struct EmbeddedMap {
    pub field: &'static str,
    pub image: usize,
    pub bytes: Vec<u8>,
    pub mime: Option<String>,
}

fn gltf_material(
    m: &gltf::Material,
    base: &Path,
    dir: &Path,
) -> Result<(String, MaterialFile), String> {
    gltf_material_with(m, base, dir, None)
}

/// [`gltf_material`]; with `embedded`, a map whose image is inside the binary buffer is
/// listed there (field, image index) instead of refused.
fn gltf_material_with(
    m: &gltf::Material,
    base: &Path,
    dir: &Path,
    mut embedded: Option<&mut Vec<(&'static str, usize)>>,
) -> Result<(String, MaterialFile), String> {
    // Named by index, as glTF materials often have no name.
    let name = format!("material{}", m.index().unwrap_or(0));
    let at = |field: &str| format!("material \"{name}\" {field}");
    let mut image = |t: gltf::Texture, field: &str, slot: &'static str| match t.source().source() {
        gltf::image::Source::Uri { uri, .. } => image_path(base, dir, uri, &at(field)).map(Some),
        gltf::image::Source::View { .. } => match embedded.as_deref_mut() {
            Some(list) => {
                list.push((slot, t.source().index()));
                Ok(None)
            }
            None => Err(format!(
                "{}: images inside the binary buffer are not supported; export them as PNG \
                 or JPEG files beside the mesh",
                at(field)
            )),
        },
    };
    let pbr = m.pbr_metallic_roughness();
    let [r, g, b, _] = pbr.base_color_factor();
    let mut out = MaterialFile {
        color: Color::Linear([r, g, b]),
        roughness: pbr.roughness_factor(),
        metallic: pbr.metallic_factor(),
        ..MaterialFile::default()
    };
    out.base_color_map = match pbr.base_color_texture() {
        Some(i) => image(i.texture(), "baseColorTexture", "base_color_map")?,
        None => None,
    };
    out.metallic_roughness_map = match pbr.metallic_roughness_texture() {
        Some(i) => image(
            i.texture(),
            "metallicRoughnessTexture",
            "metallic_roughness_map",
        )?,
        None => None,
    };
    out.normal_map = match m.normal_texture() {
        Some(i) => image(i.texture(), "normalTexture", "normal_map")?,
        None => None,
    };
    out.occlusion_map = match m.occlusion_texture() {
        Some(i) => image(i.texture(), "occlusionTexture", "occlusion_map")?,
        None => None,
    };
    out.emissive_map = match m.emissive_texture() {
        Some(i) => image(i.texture(), "emissiveTexture", "emissive_map")?,
        None => None,
    };
    let e = m.emissive_factor();
    if e.iter().any(|c| *c > 0.0) {
        out.emission = Some(Color::Linear(e));
    }
    Ok((name, out))
}

/// The material of a glTF character's skinned primitive (the first node with a skin and
/// a mesh, its first primitive), by the same rules as a mesh's; `None` without one.
/// `file` is relative to `base` (the scene's folder).
/// Images inside the file's buffers (as GLB exporters write them) come back as
/// [`EmbeddedMap`]s, their map fields left empty.
pub(crate) fn skinned_material(
    base: &Path,
    file: &str,
    bytes: &[u8],
) -> Result<Option<(MaterialFile, Vec<EmbeddedMap>)>, String> {
    let full = resolve_inside(base, base, file, "model")?;
    let dir = full.parent().unwrap_or(base);
    let g = gltf::Gltf::from_slice(bytes).map_err(|e| format!("not a valid glTF file: {e}"))?;
    let Some(mesh) = g
        .document
        .nodes()
        .find(|n| n.skin().is_some() && n.mesh().is_some())
        .and_then(|n| n.mesh())
    else {
        return Ok(None);
    };
    let m = match mesh.primitives().next().map(|p| p.material()) {
        Some(m) if m.index().is_some() => m,
        _ => return Ok(None),
    };
    let mut listed = Vec::new();
    let (_, material) = gltf_material_with(&m, base, dir, Some(&mut listed))?;
    if listed.is_empty() {
        return Ok(Some((material, Vec::new())));
    }
    let buffers = gltf::import_buffers(&g.document, Some(dir), g.blob.clone())
        .map_err(|e| format!("cannot load its buffers: {e}"))?;
    let mut embedded = Vec::with_capacity(listed.len());
    for (field, image) in listed {
        let Some(img) = g.document.images().nth(image) else {
            continue;
        };
        let gltf::image::Source::View { view, mime_type } = img.source() else {
            continue;
        };
        let data = buffers
            .get(view.buffer().index())
            .and_then(|b| b.0.get(view.offset()..view.offset() + view.length()))
            .ok_or_else(|| format!("images[{image}]: its buffer view is out of range"))?;
        embedded.push(EmbeddedMap {
            field,
            image,
            bytes: data.to_vec(),
            mime: Some(mime_type.to_string()),
        });
    }
    Ok(Some((material, embedded)))
}

fn parse_gltf(bytes: &[u8], dir: &Path, base: &Path) -> Result<Geometry, String> {
    let mut uvs: Vec<[f32; 2]> = Vec::new();
    let mut any_uv = false;
    let mut material = None;
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
                let before = uvs.len();
                if let Some(tc) = reader.read_tex_coords(0) {
                    uvs.extend(tc.into_f32().take(count as usize));
                    any_uv = true;
                }
                uvs.resize(before + count as usize, [0.0, 0.0]);
                let m = prim.material();
                if material.is_none() && m.index().is_some() {
                    material = Some(gltf_material(&m, base, dir)?);
                }
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
    if !any_uv {
        uvs.clear();
    }
    Ok(Geometry {
        vertices,
        indices,
        uvs,
        material,
    })
}
