//! The headless wgpu renderer: device, pipelines, meshes and render targets. Holds
//! machinery only; every frame's input comes in by reference.
//!
//! Lighting: the scene's world ([`World::bake`] of its environment, fog and ambient
//! lights) lights every surface through image-based lighting ([`super::ibl`]) and is the
//! background of the lit pass; the sky's sun and the scene's lights add directly. The
//! ground-truth pass reads neither materials nor the world.
//!
//! Deforming geometry: a cloth keeps one vertex buffer whose contents are rewritten every
//! frame; a liquid's surface ([`super::fluid_mesh`]) changes its vertex and triangle
//! counts from frame to frame, so each frame uploads it anew (world space, drawn with
//! identity instance matrices whatever its entity's pose). Liquids are drawn opaque,
//! like every transmissive material here: transmission is the reference tracer's.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use bytemuck::{Pod, Zeroable};
use glam::{Mat4, Vec3, Vec4};
use wgpu::util::DeviceExt;

use super::mesh::{TriMesh, Vertex, tessellate};
use super::upload::{EnvTextures, MapTextures};
use super::{FrameBuffers, RasterError, ibl};
use crate::camera::{self, CameraFrame, MAX_EXTRA_LIGHTS};
use crate::physics::Trajectory;
use crate::scene::{Scene, Shape};
use crate::world::World;

const SHADOW_SIZE: u32 = 2048;
const MSAA: u32 = 4;
const COLOR_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;
/// The lit preview before the grade: linear, scene-referred light.
const HDR_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;
const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;
// The segmentation target packs a character's body part into the high 8 bits of the id.
const _: () = assert!(crate::scene::MAX_ENTITIES < 1 << 24);

/// Ground-truth targets: normal, segmentation, depth, forward flow, backward flow.
const TRUTH_FORMATS: [wgpu::TextureFormat; 5] = [
    wgpu::TextureFormat::Rgba16Float,
    wgpu::TextureFormat::R32Uint,
    wgpu::TextureFormat::R32Float,
    wgpu::TextureFormat::Rg32Float,
    wgpu::TextureFormat::Rg32Float,
];

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct GpuPointLight {
    pos: [f32; 4],
    color: [f32; 4],
    dir: [f32; 4],
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct GpuFrame {
    view_proj: [[f32; 4]; 4],
    view_proj_prev: [[f32; 4]; 4],
    view_proj_next: [[f32; 4]; 4],
    view: [[f32; 4]; 4],
    light_view_proj: [[f32; 4]; 4],
    camera_pos: [f32; 4],
    sun_dir: [f32; 4],
    sun_color: [f32; 4],
    texture_lod: [f32; 4],
    viewport: [f32; 4],
    points: [GpuPointLight; MAX_EXTRA_LIGHTS],
    inv_view_proj: [[f32; 4]; 4],
    sh: [[f32; 4]; 9],
    fog: [f32; 4],
    fog_color: [f32; 4],
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct GpuInstance {
    model: [[f32; 4]; 4],
    model_prev: [[f32; 4]; 4],
    model_next: [[f32; 4]; 4],
    base_color: [f32; 4],
    params: [f32; 4],
    id: [u32; 4],
    pattern: [f32; 4],
}

#[derive(Clone)]
struct GpuMesh {
    vertices: wgpu::Buffer,
    indices: wgpu::Buffer,
    count: u32,
}

/// One entity to draw: its entity index and mesh, its pattern kind (0 none, then the
/// order of [`crate::scene::Pattern`]) and seeded pattern offset with the pattern scale,
/// and which maps its material has (bits in the order of the shader's `MAPS`).
struct Draw {
    entity: usize,
    /// Index into [`Geometry::meshes`], or for a liquid into [`Geometry::fluids`].
    mesh: usize,
    /// The cloth it draws (its mesh's vertices are rewritten every frame).
    cloth: Option<usize>,
    /// The fluid it draws (its mesh is built and uploaded every frame).
    fluid: Option<usize>,
    /// For a character (its mesh's vertices are rewritten every frame), the body part this draw covers: its value in the parts layer
    /// (joint index + 1) and its run of the mesh's index buffer.
    part: Option<(u32, std::ops::Range<u32>)>,
    pattern_kind: u32,
    pattern: [f32; 4],
    maps: u32,
}

impl Draw {
    /// Which lit-pass pipeline draws it: bit 0 a pattern, the bits above its maps.
    fn variant(&self) -> u32 {
        u32::from(self.pattern_kind > 0) | self.maps << 1
    }
}

/// The shader's `MAPS` bits of a material's maps: base color, normal,
/// metallic-roughness, emissive, occlusion.
fn map_bits(maps: &crate::texture::MaterialMaps) -> u32 {
    [
        maps.base_color.is_some(),
        maps.normal.is_some(),
        maps.metallic_roughness.is_some(),
        maps.emissive.is_some(),
        maps.occlusion.is_some(),
    ]
    .into_iter()
    .enumerate()
    .map(|(bit, has)| u32::from(has) << bit)
    .sum()
}

/// Which buffers a frame needs. The renderer draws only the passes they come from and
/// reads back only those buffers; the others are left empty in [`FrameBuffers`].
///
/// `linear` needs the shadow pass (when a sun casts shadows) and the multisampled lit
/// pass, which also draws `albedo`; `normal`, `depth`, `flow` and `segmentation` come
/// from one single-sampled ground-truth pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    /// The lit preview in linear light ([`FrameBuffers::linear`]).
    pub linear: bool,
    /// [`FrameBuffers::albedo`].
    pub albedo: bool,
    /// [`FrameBuffers::normal`].
    pub normal: bool,
    /// [`FrameBuffers::depth`].
    pub depth: bool,
    /// [`FrameBuffers::flow_fwd`] and [`FrameBuffers::flow_bwd`].
    pub flow: bool,
    /// [`FrameBuffers::segmentation`].
    pub segmentation: bool,
}

impl Wanted {
    /// No buffer (a starting point: `Wanted { depth: true, ..Wanted::NONE }`).
    pub const NONE: Wanted = Wanted {
        linear: false,
        albedo: false,
        normal: false,
        depth: false,
        flow: false,
        segmentation: false,
    };

    /// Every buffer.
    pub const ALL: Wanted = Wanted {
        linear: true,
        albedo: true,
        normal: true,
        depth: true,
        flow: true,
        segmentation: true,
    };

    fn lit_pass(self) -> bool {
        self.linear || self.albedo
    }

    fn truth_pass(self) -> bool {
        self.normal || self.depth || self.flow || self.segmentation
    }

    /// Whether readback target `t` (see [`Target`]) is wanted.
    fn target(self, t: Target) -> bool {
        match t {
            Target::Linear => self.linear,
            Target::Albedo => self.albedo,
            Target::Normal => self.normal,
            Target::Segmentation => self.segmentation,
            Target::Depth => self.depth,
            Target::FlowFwd | Target::FlowBwd => self.flow,
        }
    }
}

/// The read-back targets, in the order of the readback buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Linear,
    Albedo,
    Normal,
    Segmentation,
    Depth,
    FlowFwd,
    FlowBwd,
}

impl Target {
    const ALL: [Target; 7] = [
        Target::Linear,
        Target::Albedo,
        Target::Normal,
        Target::Segmentation,
        Target::Depth,
        Target::FlowFwd,
        Target::FlowBwd,
    ];

    /// Bytes per pixel of its texture format.
    fn bytes_per_pixel(self) -> u32 {
        match self {
            Target::Linear | Target::Normal | Target::FlowFwd | Target::FlowBwd => 8,
            Target::Albedo | Target::Segmentation | Target::Depth => 4,
        }
    }
}

/// The device and its queue.
pub(super) struct Gpu {
    pub(super) device: wgpu::Device,
    pub(super) queue: wgpu::Queue,
    pub(super) adapter_name: String,
}

/// The scene's meshes on the device, one per distinct shape, and what to draw.
struct Geometry {
    meshes: Vec<GpuMesh>,
    /// Each fluid's surface at the frame being rendered (`None`: no particles), in
    /// `scene.fluids` order.
    fluids: Mutex<Vec<Option<GpuMesh>>>,
    draws: Vec<Draw>,
    /// Each character's skinned mannequin and the index of its mesh in `meshes`, in
    /// `scene.characters` order.
    people: Vec<(super::mesh::CharacterMesh, usize)>,
}

/// Per-frame uniforms, per-entity instances and the shadow map, bound to every pass.
struct Bindings {
    frame_buf: wgpu::Buffer,
    instance_buf: wgpu::Buffer,
    layout: wgpu::BindGroupLayout,
    shadow_layout: wgpu::BindGroupLayout,
    bind_group: wgpu::BindGroup,
    shadow_bind_group: wgpu::BindGroup,
    shadow_view: wgpu::TextureView,
}

/// The render pipelines: shadow map, lit preview and its background (4× MSAA), ground
/// truth.
struct Pipelines {
    shadow: wgpu::RenderPipeline,
    /// The lit preview specialized by [`Draw::variant`] (the shader's `PATTERNED` and
    /// `MAPS` overrides), one for each variant the scene draws, in variant order. On
    /// lavapipe a fragment shader pays for code behind a branch no pixel takes: one
    /// shader with the patterns and all five maps doubled the cost of every frame of a
    /// plain scene.
    preview: Vec<(u32, wgpu::RenderPipeline)>,
    background: wgpu::RenderPipeline,
    truth: wgpu::RenderPipeline,
}

/// The world's per-render constants for the frame uniform.
struct WorldConstants {
    sh: [[f32; 4]; 9],
    fog: [f32; 4],
    fog_color: [f32; 4],
}

/// Render targets at the scene's resolution and the buffer they are read back through.
struct Targets {
    msaa_color: wgpu::TextureView,
    msaa_albedo: wgpu::TextureView,
    msaa_depth: wgpu::TextureView,
    /// Resolved lit preview ([`HDR_FORMAT`]) and albedo ([`COLOR_FORMAT`]).
    color: wgpu::Texture,
    albedo: wgpu::Texture,
    /// The ground-truth targets, in [`TRUTH_FORMATS`] order.
    truth: Vec<wgpu::Texture>,
    /// Views of `color`, `albedo` and `truth`, made once for every frame's passes.
    color_view: wgpu::TextureView,
    albedo_view: wgpu::TextureView,
    truth_views: Vec<wgpu::TextureView>,
    truth_depth: wgpu::TextureView,
    readback: wgpu::Buffer,
    /// (byte offset in `readback`, padded bytes per row) per [`Target`].
    layout: Vec<(u64, u32)>,
}

/// The renderer for one scene (its meshes and resolution). Setup happens once in
/// [`Renderer::new`]; each [`Renderer::render`] uploads the frame's uniforms, encodes the
/// passes the wanted buffers need, and reads them back.
pub struct Renderer {
    gpu: Gpu,
    width: u32,
    height: u32,
    geometry: Geometry,
    bindings: Bindings,
    pipelines: Pipelines,
    targets: Targets,
    world: WorldConstants,
}

fn texture(
    device: &wgpu::Device,
    label: &str,
    (w, h): (u32, u32),
    format: wgpu::TextureFormat,
    samples: u32,
    usage: wgpu::TextureUsages,
) -> wgpu::Texture {
    texture_2d(device, label, (w, h, 1), 1, samples, format, usage)
}

/// A 2-D texture (or array of `layers`) with `levels` mip levels.
pub(super) fn texture_2d(
    device: &wgpu::Device,
    label: &str,
    (w, h, layers): (u32, u32, u32),
    levels: u32,
    samples: u32,
    format: wgpu::TextureFormat,
    usage: wgpu::TextureUsages,
) -> wgpu::Texture {
    device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d {
            width: w,
            height: h,
            depth_or_array_layers: layers,
        },
        mip_level_count: levels,
        sample_count: samples,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage,
        view_formats: &[],
    })
}

/// Refuses adapters that cannot render every target (GL is a downlevel backend: no
/// 32-bit float render targets, no storage buffers in vertex shaders).
fn check_adapter(adapter: &wgpu::Adapter, info: &wgpu::AdapterInfo) -> Result<(), RasterError> {
    let name = format!("{} ({:?})", info.name, info.backend);
    let unsupported = |what: String| {
        Err(RasterError::Unsupported(format!(
            "adapter {name} cannot {what}; cinegraph needs a Vulkan, Metal or DX12 adapter (on a machine without a GPU: `apt-get install mesa-vulkan-drivers libvulkan1`, and do not force WGPU_BACKEND=gl)"
        )))
    };
    if !adapter.get_downlevel_capabilities().is_webgpu_compliant() {
        return unsupported("do everything WebGPU requires (it is a downlevel backend)".into());
    }
    for f in TRUTH_FORMATS
        .iter()
        .chain([&COLOR_FORMAT, &HDR_FORMAT, &DEPTH_FORMAT])
    {
        let feats = adapter.get_texture_format_features(*f);
        if !feats
            .allowed_usages
            .contains(wgpu::TextureUsages::RENDER_ATTACHMENT)
        {
            return unsupported(format!("render to {f:?}"));
        }
    }
    for f in [COLOR_FORMAT, HDR_FORMAT, DEPTH_FORMAT] {
        let flags = adapter.get_texture_format_features(f).flags;
        if !flags.contains(wgpu::TextureFormatFeatureFlags::MULTISAMPLE_X4) {
            return unsupported(format!("multisample {f:?} 4x"));
        }
    }
    Ok(())
}

/// A depth attachment cleared to the far plane.
fn cleared_depth(
    view: &wgpu::TextureView,
    store: wgpu::StoreOp,
) -> wgpu::RenderPassDepthStencilAttachment<'_> {
    wgpu::RenderPassDepthStencilAttachment {
        view,
        depth_ops: Some(wgpu::Operations {
            load: wgpu::LoadOp::Clear(1.0),
            store,
        }),
        stencil_ops: None,
    }
}

/// Waits for the device, maps `buffer` for reading, hands its bytes to `f` and unmaps
/// it; `what` names the contents in errors ("the frame").
pub(super) fn map_read<T>(
    device: &wgpu::Device,
    buffer: &wgpu::Buffer,
    what: &str,
    f: impl FnOnce(&[u8]) -> T,
) -> Result<T, RasterError> {
    let slice = buffer.slice(..);
    let (tx, rx) = std::sync::mpsc::channel();
    slice.map_async(wgpu::MapMode::Read, move |r| {
        let _ = tx.send(r);
    });
    device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| RasterError::Device(format!("waiting for {what}: {e}")))?;
    rx.recv()
        .map_err(|e| RasterError::Device(e.to_string()))?
        .map_err(|e| RasterError::Device(format!("reading {what} back: {e}")))?;
    let out = {
        let data = slice
            .get_mapped_range()
            .map_err(|e| RasterError::Device(format!("reading {what} back: {e:?}")))?;
        f(&data)
    };
    buffer.unmap();
    Ok(out)
}

fn mat(m: Mat4) -> [[f32; 4]; 4] {
    m.to_cols_array_2d()
}

impl Gpu {
    /// The adapter wgpu picks (honouring `WGPU_BACKEND` / `WGPU_ADAPTER_NAME`), checked
    /// for every format and sample count the renderer needs, and its device.
    pub(super) fn open() -> Result<Self, RasterError> {
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter = pollster::block_on(wgpu::util::initialize_adapter_from_env_or_default(
            &instance, None,
        ))
        .map_err(|e| RasterError::NoAdapter(e.to_string()))?;
        let info = adapter.get_info();
        tracing::info!(adapter = %info.name, backend = ?info.backend, "raster adapter");
        check_adapter(&adapter, &info)?;
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("cinegraph"),
            required_features: wgpu::Features::empty(),
            required_limits: wgpu::Limits {
                max_texture_dimension_2d: 8192,
                ..wgpu::Limits::default()
            },
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        }))
        .map_err(|e| RasterError::Device(e.to_string()))?;
        // Errors surface as `Result`s through error scopes; anything that escapes one is
        // logged rather than aborting the process.
        device.on_uncaptured_error(std::sync::Arc::new(|e: wgpu::Error| {
            tracing::error!("graphics device error: {e}");
        }));
        Ok(Self {
            device,
            queue,
            adapter_name: format!("{} ({:?})", info.name, info.backend),
        })
    }
}

impl GpuMesh {
    /// Uploads a mesh; `extra` usages for its vertex buffer (`COPY_DST` for a mesh
    /// rewritten every frame).
    fn upload(device: &wgpu::Device, tm: &TriMesh, extra: wgpu::BufferUsages) -> Self {
        let vertices = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("vertices"),
            contents: bytemuck::cast_slice(&tm.vertices),
            usage: wgpu::BufferUsages::VERTEX | extra,
        });
        let indices = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("indices"),
            contents: bytemuck::cast_slice(&tm.indices),
            usage: wgpu::BufferUsages::INDEX,
        });
        Self {
            vertices,
            indices,
            count: tm.indices.len() as u32,
        }
    }
}

impl Geometry {
    /// Tessellates and uploads one mesh per distinct shape; one draw per shaped entity.
    fn upload(device: &wgpu::Device, scene: &Scene) -> Self {
        let mut keys: BTreeMap<String, usize> = BTreeMap::new();
        let mut meshes = Vec::new();
        let mut draws = Vec::new();
        for (i, e) in scene.entities.iter().enumerate() {
            let Some(shape) = &e.shape else { continue };
            let key = match shape {
                Shape::ConvexHull(m) | Shape::TriMesh(m) => {
                    format!("{}:{:p}", shape.kind(), std::sync::Arc::as_ptr(m))
                }
                other => format!("{other:?}"),
            };
            let mesh = match keys.get(&key) {
                Some(m) => *m,
                None => {
                    let tm: TriMesh = tessellate(shape);
                    meshes.push(GpuMesh::upload(device, &tm, wgpu::BufferUsages::empty()));
                    keys.insert(key, meshes.len() - 1);
                    meshes.len() - 1
                }
            };
            let m = &scene.materials[e.material];
            let offset = crate::texture::pattern::offset(scene.seed, &e.name);
            draws.push(Draw {
                entity: i,
                mesh,
                cloth: None,
                fluid: None,
                part: None,
                pattern_kind: crate::texture::pattern::kind(m.pattern),
                pattern: offset.extend(m.pattern_scale).to_array(),
                maps: map_bits(&m.maps),
            });
        }
        // Cloths: a vertex buffer each, rewritten every frame; the indices stay.
        for (ci, cloth) in scene.cloths.iter().enumerate() {
            let flat = cloth.initial_positions();
            let tm = super::mesh::cloth_mesh(cloth, &flat, &flat, &flat);
            meshes.push(GpuMesh::upload(device, &tm, wgpu::BufferUsages::COPY_DST));
            let e = &scene.entities[cloth.entity];
            let m = &scene.materials[e.material];
            let offset = crate::texture::pattern::offset(scene.seed, &e.name);
            draws.push(Draw {
                entity: cloth.entity,
                mesh: meshes.len() - 1,
                cloth: Some(ci),
                fluid: None,
                part: None,
                pattern_kind: crate::texture::pattern::kind(m.pattern),
                pattern: offset.extend(m.pattern_scale).to_array(),
                maps: map_bits(&m.maps),
            });
        }
        // Characters: a skinned body each, rewritten every frame; the indices stay.
        let mut people = Vec::new();
        for c in &scene.characters {
            let body = super::mesh::CharacterMesh::of(c);
            let rest = c
                .skeleton
                .globals(&c.skeleton.rest_pose())
                .map(|g| crate::math::Pose::from_rigid(&g));
            let tm = body.mesh(&rest, &rest, &rest);
            meshes.push(GpuMesh::upload(device, &tm, wgpu::BufferUsages::COPY_DST));
            let e = &scene.entities[c.entity];
            let m = &scene.materials[e.material];
            // One draw per body part, so the truth pass can tell the parts apart.
            for (joint, run) in body.part_runs().to_vec() {
                draws.push(Draw {
                    entity: c.entity,
                    mesh: meshes.len() - 1,
                    cloth: None,
                    fluid: None,
                    part: Some((joint.index() as u32 + 1, run)),
                    pattern_kind: 0,
                    pattern: [0.0; 4],
                    maps: map_bits(&m.maps),
                });
            }
            people.push((body, meshes.len() - 1));
        }
        // Liquids: a mesh each, uploaded every frame by `upload_frame`.
        for (fi, fluid) in scene.fluids.iter().enumerate() {
            let e = &scene.entities[fluid.entity];
            let m = &scene.materials[e.material];
            let offset = crate::texture::pattern::offset(scene.seed, &e.name);
            draws.push(Draw {
                entity: fluid.entity,
                mesh: fi,
                cloth: None,
                fluid: Some(fi),
                part: None,
                pattern_kind: crate::texture::pattern::kind(m.pattern),
                pattern: offset.extend(m.pattern_scale).to_array(),
                maps: map_bits(&m.maps),
            });
        }
        Self {
            meshes,
            fluids: Mutex::new(vec![None; scene.fluids.len()]),
            draws,
            people,
        }
    }
}

impl Bindings {
    /// The frame uniform, `instances` instance slots and the shadow map with its
    /// comparison sampler; one bind group for the lit and truth passes and one without
    /// the shadow map for the shadow pass (which cannot sample what it writes).
    fn new(device: &wgpu::Device, instances: usize, env: &EnvTextures, maps: &MapTextures) -> Self {
        let frame_buf = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("frame"),
            size: std::mem::size_of::<GpuFrame>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let instance_buf = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("instances"),
            size: (std::mem::size_of::<GpuInstance>() * instances.max(1)) as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let shadow_view = texture(
            device,
            "shadow",
            (SHADOW_SIZE, SHADOW_SIZE),
            DEPTH_FORMAT,
            1,
            wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::TEXTURE_BINDING,
        )
        .create_view(&Default::default());
        let shadow_sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("shadow"),
            compare: Some(wgpu::CompareFunction::LessEqual),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });

        // Bindings 0 and 1 (frame uniform, instances) are shared by every pass.
        let buffers = |visibility: wgpu::ShaderStages| {
            [
                wgpu::BufferBindingType::Uniform,
                wgpu::BufferBindingType::Storage { read_only: true },
            ]
            .into_iter()
            .enumerate()
            .map(move |(i, ty)| wgpu::BindGroupLayoutEntry {
                binding: i as u32,
                visibility,
                ty: wgpu::BindingType::Buffer {
                    ty,
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            })
        };
        let main_entries: Vec<wgpu::BindGroupLayoutEntry> =
            buffers(wgpu::ShaderStages::VERTEX_FRAGMENT)
                .chain([
                    wgpu::BindGroupLayoutEntry {
                        binding: 2,
                        visibility: wgpu::ShaderStages::FRAGMENT,
                        ty: wgpu::BindingType::Texture {
                            sample_type: wgpu::TextureSampleType::Depth,
                            view_dimension: wgpu::TextureViewDimension::D2,
                            multisampled: false,
                        },
                        count: None,
                    },
                    wgpu::BindGroupLayoutEntry {
                        binding: 3,
                        visibility: wgpu::ShaderStages::FRAGMENT,
                        ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Comparison),
                        count: None,
                    },
                ])
                .chain(world_entries())
                .collect();
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("frame"),
            entries: &main_entries,
        });
        let shadow_entries: Vec<wgpu::BindGroupLayoutEntry> =
            buffers(wgpu::ShaderStages::VERTEX).collect();
        let shadow_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("shadow-frame"),
            entries: &shadow_entries,
        });
        // Bindings 0 and 1 again: the frame uniform and the instances.
        let shared = [
            frame_buf.as_entire_binding(),
            instance_buf.as_entire_binding(),
        ];
        fn numbered<'a>(
            shared: &[wgpu::BindingResource<'a>],
            extra: Vec<wgpu::BindingResource<'a>>,
        ) -> Vec<wgpu::BindGroupEntry<'a>> {
            shared
                .iter()
                .cloned()
                .chain(extra)
                .enumerate()
                .map(|(i, resource)| wgpu::BindGroupEntry {
                    binding: i as u32,
                    resource,
                })
                .collect()
        }
        let entries = |extra| numbered(&shared, extra);
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("frame"),
            layout: &layout,
            entries: &entries(vec![
                wgpu::BindingResource::TextureView(&shadow_view),
                wgpu::BindingResource::Sampler(&shadow_sampler),
                wgpu::BindingResource::TextureView(&env.prefiltered),
                wgpu::BindingResource::Sampler(&env.env_sampler),
                wgpu::BindingResource::TextureView(&env.brdf_lut),
                wgpu::BindingResource::Sampler(&env.clamp_sampler),
                wgpu::BindingResource::TextureView(&maps.srgb),
                wgpu::BindingResource::TextureView(&maps.linear),
                wgpu::BindingResource::Sampler(&maps.sampler),
                maps.materials.as_entire_binding(),
                wgpu::BindingResource::TextureView(&env.background),
            ]),
        });
        let shadow_bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("shadow-frame"),
            layout: &shadow_layout,
            entries: &entries(Vec::new()),
        });
        Self {
            frame_buf,
            instance_buf,
            layout,
            shadow_layout,
            bind_group,
            shadow_bind_group,
            shadow_view,
        }
    }
}

/// Layout entries 4–12 of the main bind group (fragment only): the prefiltered
/// environment and its sampler, the BRDF table and a clamping sampler, the sRGB and
/// linear map arrays and their sampler, the material table, the background map.
fn world_entries() -> Vec<wgpu::BindGroupLayoutEntry> {
    let float_texture = |dim| wgpu::BindingType::Texture {
        sample_type: wgpu::TextureSampleType::Float { filterable: true },
        view_dimension: dim,
        multisampled: false,
    };
    let filtering = wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering);
    let d2 = wgpu::TextureViewDimension::D2;
    let array = wgpu::TextureViewDimension::D2Array;
    [
        float_texture(d2),
        filtering,
        float_texture(d2),
        filtering,
        float_texture(array),
        float_texture(array),
        filtering,
        wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only: true },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        float_texture(d2),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, ty)| wgpu::BindGroupLayoutEntry {
        binding: 4 + i as u32,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty,
        count: None,
    })
    .collect()
}

impl Pipelines {
    /// Compiles `shaders.wgsl` into the shadow, lit-preview (for the variants `draws`
    /// need; with fog code only when `foggy`), background and ground-truth pipelines.
    fn new(device: &wgpu::Device, bindings: &Bindings, draws: &[Draw], foggy: bool) -> Self {
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("cinegraph"),
            source: wgpu::ShaderSource::Wgsl(
                concat!(include_str!("shaders.wgsl"), include_str!("patterns.wgsl")).into(),
            ),
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("main"),
            bind_group_layouts: &[Some(&bindings.layout)],
            immediate_size: 0,
        });
        let shadow_pipeline_layout =
            device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some("shadow"),
                bind_group_layouts: &[Some(&bindings.shadow_layout)],
                immediate_size: 0,
            });
        let vertex_layout = wgpu::VertexBufferLayout {
            array_stride: std::mem::size_of::<Vertex>() as u64,
            step_mode: wgpu::VertexStepMode::Vertex,
            attributes: &wgpu::vertex_attr_array![
                0 => Float32x3, 1 => Float32x3, 2 => Float32x2, 3 => Float32x4,
                4 => Float32x3, 5 => Float32x3
            ],
        };
        let primitive = wgpu::PrimitiveState {
            topology: wgpu::PrimitiveTopology::TriangleList,
            front_face: wgpu::FrontFace::Ccw,
            // Meshes from files may wind either way: draw both sides, flip back-face normals.
            cull_mode: None,
            ..Default::default()
        };
        let pipeline = |label: &str,
                        pl: &wgpu::PipelineLayout,
                        vs: &str,
                        fs: Option<(&str, &[Option<wgpu::ColorTargetState>])>,
                        constants: &[(&str, f64)],
                        samples: u32,
                        bias: wgpu::DepthBiasState| {
            device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                label: Some(label),
                layout: Some(pl),
                vertex: wgpu::VertexState {
                    module: &shader,
                    entry_point: Some(vs),
                    compilation_options: Default::default(),
                    buffers: &[Some(vertex_layout.clone())],
                },
                primitive,
                depth_stencil: Some(wgpu::DepthStencilState {
                    format: DEPTH_FORMAT,
                    depth_write_enabled: Some(true),
                    depth_compare: Some(wgpu::CompareFunction::Less),
                    stencil: Default::default(),
                    bias,
                }),
                multisample: wgpu::MultisampleState {
                    count: samples,
                    ..Default::default()
                },
                fragment: fs.map(|(entry, targets)| wgpu::FragmentState {
                    module: &shader,
                    entry_point: Some(entry),
                    compilation_options: wgpu::PipelineCompilationOptions {
                        constants,
                        ..Default::default()
                    },
                    targets,
                }),
                multiview_mask: None,
                cache: None,
            })
        };
        let color_target = |format| {
            Some(wgpu::ColorTargetState {
                format,
                blend: None,
                write_mask: wgpu::ColorWrites::ALL,
            })
        };
        let shadow = pipeline(
            "shadow",
            &shadow_pipeline_layout,
            "vs_shadow",
            None,
            &[],
            1,
            wgpu::DepthBiasState {
                constant: 2,
                slope_scale: 2.0,
                clamp: 0.0,
            },
        );
        let variants: std::collections::BTreeSet<u32> = draws.iter().map(Draw::variant).collect();
        let preview = variants
            .into_iter()
            .map(|variant| {
                let pipeline = pipeline(
                    "preview",
                    &pipeline_layout,
                    "vs_main",
                    Some((
                        "fs_preview",
                        &[color_target(HDR_FORMAT), color_target(COLOR_FORMAT)],
                    )),
                    &[
                        ("PATTERNED", f64::from(variant & 1)),
                        ("MAPS", f64::from(variant >> 1)),
                        ("FOGGY", f64::from(u8::from(foggy))),
                    ],
                    MSAA,
                    Default::default(),
                );
                (variant, pipeline)
            })
            .collect();
        let background = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("background"),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &shader,
                entry_point: Some("vs_background"),
                compilation_options: Default::default(),
                buffers: &[],
            },
            primitive,
            // On the far plane, behind everything drawn: fills the uncovered samples.
            depth_stencil: Some(wgpu::DepthStencilState {
                format: DEPTH_FORMAT,
                depth_write_enabled: Some(false),
                depth_compare: Some(wgpu::CompareFunction::LessEqual),
                stencil: Default::default(),
                bias: Default::default(),
            }),
            multisample: wgpu::MultisampleState {
                count: MSAA,
                ..Default::default()
            },
            fragment: Some(wgpu::FragmentState {
                module: &shader,
                entry_point: Some("fs_background"),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants: &[("FOGGY", f64::from(u8::from(foggy)))],
                    ..Default::default()
                },
                targets: &[color_target(HDR_FORMAT), color_target(COLOR_FORMAT)],
            }),
            multiview_mask: None,
            cache: None,
        });
        let truth_targets: Vec<Option<wgpu::ColorTargetState>> =
            TRUTH_FORMATS.iter().map(|f| color_target(*f)).collect();
        let truth = pipeline(
            "truth",
            &pipeline_layout,
            "vs_main",
            Some(("fs_truth", &truth_targets)),
            &[],
            1,
            Default::default(),
        );
        Self {
            shadow,
            preview,
            background,
            truth,
        }
    }
}

impl Targets {
    /// Every render target at `size`, and a readback buffer with room for all of them
    /// (rows padded to 256 bytes, as copies require).
    fn new(device: &wgpu::Device, size: (u32, u32)) -> Self {
        let attach = wgpu::TextureUsages::RENDER_ATTACHMENT;
        let copy = wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC;
        let view = |t: wgpu::Texture| t.create_view(&Default::default());
        let mut layout = Vec::new();
        let mut total = 0u64;
        for target in Target::ALL {
            let row = (size.0 * target.bytes_per_pixel()).div_ceil(256) * 256;
            layout.push((total, row));
            total += u64::from(row) * u64::from(size.1);
        }
        let color = texture(device, "color", size, HDR_FORMAT, 1, copy);
        let albedo = texture(device, "albedo", size, COLOR_FORMAT, 1, copy);
        let truth: Vec<wgpu::Texture> = TRUTH_FORMATS
            .iter()
            .map(|f| texture(device, "truth", size, *f, 1, copy))
            .collect();
        Self {
            color_view: color.create_view(&Default::default()),
            albedo_view: albedo.create_view(&Default::default()),
            truth_views: truth
                .iter()
                .map(|t| t.create_view(&Default::default()))
                .collect(),
            color,
            albedo,
            truth,
            msaa_color: view(texture(
                device,
                "msaa-color",
                size,
                HDR_FORMAT,
                MSAA,
                attach,
            )),
            msaa_albedo: view(texture(
                device,
                "msaa-albedo",
                size,
                COLOR_FORMAT,
                MSAA,
                attach,
            )),
            msaa_depth: view(texture(
                device,
                "msaa-depth",
                size,
                DEPTH_FORMAT,
                MSAA,
                attach,
            )),
            truth_depth: view(texture(
                device,
                "truth-depth",
                size,
                DEPTH_FORMAT,
                1,
                attach,
            )),
            readback: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("readback"),
                size: total,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            layout,
        }
    }
}

/// The frame uniform's world part: SH, fog (density, falloff, base height, on) and the
/// fog color with the prefiltered chain's top level in `w`.
fn world_constants(world: &World, sh: [[f32; 4]; 9]) -> WorldConstants {
    let fog = world.fog.as_ref().map_or([0.0; 4], |f| {
        [f.density, f.height_falloff, f.base_height, 1.0]
    });
    WorldConstants {
        sh,
        fog,
        fog_color: world
            .fog_color
            .extend((ibl::PREFILTER_LEVELS - 1) as f32)
            .to_array(),
    }
}

impl Renderer {
    /// Opens a GPU (or lavapipe) and prepares everything the scene needs.
    ///
    /// # Errors
    /// [`RasterError::NoAdapter`] with what to install when no adapter exists;
    /// [`RasterError::Device`] if the device refuses the resources.
    pub fn new(scene: &Scene) -> Result<Self, RasterError> {
        let gpu = Gpu::open()?;
        let device = &gpu.device;
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let geometry = Geometry::upload(device, scene);
        let world = World::bake(
            &scene.environment,
            scene.fog.as_ref(),
            camera::ambient(scene),
        );
        // Image-based light as a probe at the scene's center sees it: the fixed geometry
        // (walls, ceilings, tables) hides what it covers (the background keeps it all).
        let lighting = ibl::probe(&world.env, scene);
        let env = EnvTextures::new(device, &gpu.queue, &world, &lighting);
        let maps = MapTextures::new(device, &gpu.queue, scene);
        let bindings = Bindings::new(device, geometry.draws.len(), &env, &maps);
        let pipelines = Pipelines::new(device, &bindings, &geometry.draws, world.fog.is_some());
        let (width, height) = scene.resolution;
        let targets = Targets::new(device, (width, height));
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(RasterError::Device(format!("setting up the renderer: {e}")));
        }
        Ok(Self {
            gpu,
            width,
            height,
            geometry,
            bindings,
            pipelines,
            targets,
            world: world_constants(&world, env.sh),
        })
    }

    /// The adapter in use, e.g. `"llvmpipe (LLVM 15.0.6, 256 bits) (Vulkan)"`.
    pub fn adapter_name(&self) -> &str {
        &self.gpu.adapter_name
    }

    /// Renders every buffer of frame `k` of the trajectory with the given per-frame
    /// cameras.
    ///
    /// # Errors
    /// [`RasterError::Device`] if the GPU fails to render or read back.
    pub fn render(
        &self,
        scene: &Scene,
        traj: &Trajectory,
        cams: &[CameraFrame],
        k: usize,
    ) -> Result<FrameBuffers, RasterError> {
        self.render_wanted(scene, traj, cams, k, Wanted::ALL)
    }

    /// Renders the `wanted` buffers of frame `k`, drawing only the passes they need; the
    /// other buffers of the result are empty.
    ///
    /// # Errors
    /// [`RasterError::Device`] if the GPU fails to render or read back.
    pub fn render_wanted(
        &self,
        scene: &Scene,
        traj: &Trajectory,
        cams: &[CameraFrame],
        k: usize,
        wanted: Wanted,
    ) -> Result<FrameBuffers, RasterError> {
        let has_sun = self.upload_frame(scene, traj, cams, k);
        let device = &self.gpu.device;
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("frame"),
        });
        if wanted.lit_pass() {
            // Only the lit color samples the shadow map.
            if wanted.linear && has_sun {
                self.shadow_pass(&mut encoder, scene);
            }
            self.lit_pass(&mut encoder);
        }
        if wanted.truth_pass() {
            self.truth_pass(&mut encoder);
        }
        self.copy_targets(&mut encoder, wanted);
        self.gpu.queue.submit([encoder.finish()]);
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(RasterError::Device(format!("rendering frame {k}: {e}")));
        }
        self.read_back(wanted)
    }

    /// Writes frame `k`'s uniforms (cameras, lights, shadow frustum) and instances
    /// (poses at `k - 1`, `k`, `k + 1`) to the device. Returns whether a sun casts
    /// shadows.
    fn upload_frame(
        &self,
        scene: &Scene,
        traj: &Trajectory,
        cams: &[CameraFrame],
        k: usize,
    ) -> bool {
        let last = traj.frames.len().saturating_sub(1);
        let (prev, next) = (k.saturating_sub(1), (k + 1).min(last));
        let (fp, fk, fnx) = (&traj.frames[prev], &traj.frames[k], &traj.frames[next]);
        let cam = &cams[k];
        let model = |f: &crate::physics::FrameState, d: &Draw| {
            if d.fluid.is_some() {
                // A liquid's surface is built in world space.
                return mat(Mat4::IDENTITY);
            }
            let p = f.poses[d.entity];
            mat(Mat4::from_rotation_translation(p.rotation, p.translation))
        };
        let instances: Vec<GpuInstance> = self
            .geometry
            .draws
            .iter()
            .map(|d| {
                let e = &scene.entities[d.entity];
                let m = &scene.materials[e.material];
                GpuInstance {
                    model: model(fk, d),
                    model_prev: model(fp, d),
                    model_next: model(fnx, d),
                    base_color: [m.color[0], m.color[1], m.color[2], 1.0],
                    params: [m.roughness, m.metallic, 0.0, 0.0],
                    id: [
                        e.id,
                        e.material as u32,
                        d.pattern_kind,
                        d.part.as_ref().map_or(0, |p| p.0),
                    ],
                    pattern: d.pattern,
                }
            })
            .collect();

        // Rigs stand still in the world: placed once, from the clip's first camera.
        let lights = camera::resolve_lights(scene, fk, &traj.frames[0], &cams[0]);
        let (light_view_proj, texel, sun_dir, sun_color) = match lights.sun {
            Some((dir, color)) => {
                let (center, radius) = self.shadow_bounds(scene, fk, cam);
                let eye = center - dir * radius * 2.0;
                let up = if dir.cross(Vec3::Y).length() < 1e-3 {
                    Vec3::Z
                } else {
                    Vec3::Y
                };
                let view = glam::camera::rh::view::look_at_mat4(eye, center, up);
                let proj = glam::camera::rh::proj::directx::orthographic(
                    -radius,
                    radius,
                    -radius,
                    radius,
                    0.0,
                    radius * 4.0,
                );
                (
                    proj * view,
                    2.0 * radius / SHADOW_SIZE as f32,
                    dir.extend(1.0),
                    color,
                )
            }
            None => (
                Mat4::IDENTITY,
                0.0,
                Vec4::new(0.0, -1.0, 0.0, 0.0),
                Vec3::ZERO,
            ),
        };
        let mut points = [GpuPointLight::zeroed(); MAX_EXTRA_LIGHTS];
        for (slot, l) in points.iter_mut().zip(&lights.extras) {
            *slot = GpuPointLight {
                pos: l.position.extend(l.kind as f32).to_array(),
                color: l.color.extend(0.0).to_array(),
                dir: l.direction.extend(l.cos_half_cone).to_array(),
            };
        }
        let frame = GpuFrame {
            view_proj: mat(cam.view_proj()),
            view_proj_prev: mat(cams[prev].view_proj()),
            view_proj_next: mat(cams[next].view_proj()),
            view: mat(cam.view()),
            light_view_proj: mat(light_view_proj),
            camera_pos: cam.pose.translation.extend(1.0).to_array(),
            sun_dir: sun_dir.to_array(),
            sun_color: sun_color.extend(texel).to_array(),
            // The angle one pixel spans (radians), for the maps' level of detail.
            texture_lod: [
                2.0 * (cam.fov_y * 0.5).tan() / self.height.max(1) as f32,
                0.0,
                0.0,
                0.0,
            ],
            viewport: [
                self.width as f32,
                self.height as f32,
                lights.extras.len().min(MAX_EXTRA_LIGHTS) as f32,
                1.0,
            ],
            points,
            inv_view_proj: mat(cam.view_proj().inverse()),
            sh: self.world.sh,
            fog: self.world.fog,
            fog_color: self.world.fog_color,
        };
        let queue = &self.gpu.queue;
        for d in &self.geometry.draws {
            let Some(ci) = d.cloth else { continue };
            let (Some(cloth), Some(now)) = (scene.cloths.get(ci), fk.cloth.get(ci)) else {
                continue;
            };
            let tm = super::mesh::cloth_mesh(
                cloth,
                fp.cloth_positions(ci),
                now,
                fnx.cloth_positions(ci),
            );
            queue.write_buffer(
                &self.geometry.meshes[d.mesh].vertices,
                0,
                bytemuck::cast_slice(&tm.vertices),
            );
        }
        for (ci, (body, mesh)) in self.geometry.people.iter().enumerate() {
            let tm = body.mesh(
                fp.character_joints(ci),
                fk.character_joints(ci),
                fnx.character_joints(ci),
            );
            if tm.vertices.len() * std::mem::size_of::<Vertex>()
                == self.geometry.meshes[*mesh].vertices.size() as usize
            {
                queue.write_buffer(
                    &self.geometry.meshes[*mesh].vertices,
                    0,
                    bytemuck::cast_slice(&tm.vertices),
                );
            }
        }
        self.upload_fluids(scene, traj, k);
        queue.write_buffer(&self.bindings.frame_buf, 0, bytemuck::bytes_of(&frame));
        if !instances.is_empty() {
            queue.write_buffer(
                &self.bindings.instance_buf,
                0,
                bytemuck::cast_slice(&instances),
            );
        }
        lights.sun.is_some()
    }

    /// Builds every liquid's surface at frame `k` and uploads it: vertices carried by
    /// their velocity one frame interval back and ahead (not back at the clip's first
    /// frame, not ahead at its last, as every flow there).
    fn upload_fluids(&self, scene: &Scene, traj: &Trajectory, k: usize) {
        if scene.fluids.is_empty() {
            return;
        }
        let last = traj.frames.len().saturating_sub(1);
        let dt = 1.0 / traj.fps.max(1) as f32;
        let back = if k > 0 { dt } else { 0.0 };
        let ahead = if k < last { dt } else { 0.0 };
        let mut slots = self
            .geometry
            .fluids
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for (fi, slot) in slots.iter_mut().enumerate() {
            let surface = traj.frames[k]
                .fluid(fi)
                .map(super::fluid_mesh::fluid_surface)
                .unwrap_or_default();
            *slot = (!surface.is_empty()).then(|| {
                GpuMesh::upload(
                    &self.gpu.device,
                    &surface.mesh(back, ahead),
                    wgpu::BufferUsages::empty(),
                )
            });
        }
    }

    /// The center and radius of an orthographic light frustum around everything finite
    /// in the scene at this frame (around the camera when nothing is finite).
    fn shadow_bounds(
        &self,
        scene: &Scene,
        fk: &crate::physics::FrameState,
        cam: &CameraFrame,
    ) -> (Vec3, f32) {
        let mut lo = Vec3::splat(f32::MAX);
        let mut hi = Vec3::splat(f32::MIN);
        for d in &self.geometry.draws {
            let e = &scene.entities[d.entity];
            let r = e.shape.as_ref().map_or(0.0, |s| s.bounding_radius());
            if r.is_finite() {
                let p = fk.poses[d.entity].translation;
                lo = lo.min(p - Vec3::splat(r));
                hi = hi.max(p + Vec3::splat(r));
            }
        }
        let fluids = fk.fluids.iter().flat_map(|f| {
            let r = Vec3::splat(f.radius);
            f.positions.iter().flat_map(move |p| [*p - r, *p + r])
        });
        let people = fk
            .characters
            .iter()
            .flat_map(|c| c.joints.iter())
            .flat_map(|j| {
                [
                    j.translation - Vec3::splat(0.3),
                    j.translation + Vec3::splat(0.3),
                ]
            });
        for p in fk
            .cloth
            .iter()
            .flatten()
            .copied()
            .chain(fluids)
            .chain(people)
        {
            if p.is_finite() {
                lo = lo.min(p);
                hi = hi.max(p);
            }
        }
        if lo.x > hi.x {
            lo = cam.pose.translation - Vec3::splat(5.0);
            hi = cam.pose.translation + Vec3::splat(5.0);
        }
        let center = (lo + hi) * 0.5;
        let radius = ((hi - lo).length() * 0.5).max(0.5) * 1.1;
        (center, radius)
    }

    /// Draws every instance whose entity passes `keep` (a liquid without particles at
    /// this frame draws nothing).
    fn draw(&self, pass: &mut wgpu::RenderPass<'_>, keep: impl Fn(&Draw) -> bool) {
        let fluids = self
            .geometry
            .fluids
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for (i, d) in self.geometry.draws.iter().enumerate() {
            if !keep(d) {
                continue;
            }
            let m = if d.fluid.is_some() {
                match fluids.get(d.mesh) {
                    Some(Some(m)) => m,
                    _ => continue,
                }
            } else {
                &self.geometry.meshes[d.mesh]
            };
            pass.set_vertex_buffer(0, m.vertices.slice(..));
            pass.set_index_buffer(m.indices.slice(..), wgpu::IndexFormat::Uint32);
            let indices = d.part.as_ref().map_or(0..m.count, |p| p.1.clone());
            pass.draw_indexed(indices, 0, i as u32..i as u32 + 1);
        }
    }

    /// The sun's shadow map.
    fn shadow_pass(&self, encoder: &mut wgpu::CommandEncoder, scene: &Scene) {
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("shadow"),
            color_attachments: &[],
            depth_stencil_attachment: Some(cleared_depth(
                &self.bindings.shadow_view,
                wgpu::StoreOp::Store,
            )),
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        pass.set_pipeline(&self.pipelines.shadow);
        pass.set_bind_group(0, &self.bindings.shadow_bind_group, &[]);
        // The ground plane receives shadows but casts none into the scene.
        self.draw(&mut pass, |d| {
            !matches!(scene.entities[d.entity].shape, Some(Shape::Ground))
        });
    }

    /// The lit preview (linear light) and the albedo, 4× multisampled and resolved.
    fn lit_pass(&self, encoder: &mut wgpu::CommandEncoder) {
        let t = &self.targets;
        // The background pipeline overwrites every uncovered sample.
        let sky = wgpu::Color::BLACK;
        let resolved = |view, resolve_target, clear| {
            Some(wgpu::RenderPassColorAttachment {
                view,
                depth_slice: None,
                resolve_target: Some(resolve_target),
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(clear),
                    store: wgpu::StoreOp::Discard,
                },
            })
        };
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("preview"),
            color_attachments: &[
                resolved(&t.msaa_color, &t.color_view, sky),
                resolved(&t.msaa_albedo, &t.albedo_view, wgpu::Color::BLACK),
            ],
            depth_stencil_attachment: Some(cleared_depth(&t.msaa_depth, wgpu::StoreOp::Discard)),
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        pass.set_bind_group(0, &self.bindings.bind_group, &[]);
        for (variant, pipeline) in &self.pipelines.preview {
            pass.set_pipeline(pipeline);
            self.draw(&mut pass, |d| d.variant() == *variant);
        }
        pass.set_pipeline(&self.pipelines.background);
        pass.draw(0..3, 0..1);
    }

    /// The exact, single-sampled ground truth: normal, segmentation, depth, both flows.
    fn truth_pass(&self, encoder: &mut wgpu::CommandEncoder) {
        let t = &self.targets;
        // Depth clears to +inf (background); every other target to zero.
        let clears = [0.0, 0.0, f64::INFINITY, 0.0, 0.0];
        let attachments: Vec<Option<wgpu::RenderPassColorAttachment<'_>>> = t
            .truth_views
            .iter()
            .zip(clears)
            .map(|(v, c)| {
                Some(wgpu::RenderPassColorAttachment {
                    view: v,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color {
                            r: c,
                            g: 0.0,
                            b: 0.0,
                            a: 0.0,
                        }),
                        store: wgpu::StoreOp::Store,
                    },
                })
            })
            .collect();
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("truth"),
            color_attachments: &attachments,
            depth_stencil_attachment: Some(cleared_depth(&t.truth_depth, wgpu::StoreOp::Discard)),
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        pass.set_pipeline(&self.pipelines.truth);
        pass.set_bind_group(0, &self.bindings.bind_group, &[]);
        self.draw(&mut pass, |_| true);
    }

    /// Copies the wanted targets into the readback buffer.
    fn copy_targets(&self, encoder: &mut wgpu::CommandEncoder, wanted: Wanted) {
        let t = &self.targets;
        let sources = [&t.color, &t.albedo].into_iter().chain(t.truth.iter());
        for ((target, tex), (offset, row)) in Target::ALL.into_iter().zip(sources).zip(&t.layout) {
            if !wanted.target(target) {
                continue;
            }
            encoder.copy_texture_to_buffer(
                wgpu::TexelCopyTextureInfo {
                    texture: tex,
                    mip_level: 0,
                    origin: wgpu::Origin3d::ZERO,
                    aspect: wgpu::TextureAspect::All,
                },
                wgpu::TexelCopyBufferInfo {
                    buffer: &t.readback,
                    layout: wgpu::TexelCopyBufferLayout {
                        offset: *offset,
                        bytes_per_row: Some(*row),
                        rows_per_image: Some(self.height),
                    },
                },
                wgpu::Extent3d {
                    width: self.width,
                    height: self.height,
                    depth_or_array_layers: 1,
                },
            );
        }
    }

    /// Waits for the frame, maps the readback buffer and unpacks the wanted buffers.
    fn read_back(&self, wanted: Wanted) -> Result<FrameBuffers, RasterError> {
        map_read(
            &self.gpu.device,
            &self.targets.readback,
            "the frame",
            |data| self.unpack(data, wanted),
        )
    }

    /// Strips the row padding off the wanted targets and decodes them; the rest stay
    /// empty.
    fn unpack(&self, data: &[u8], wanted: Wanted) -> FrameBuffers {
        let (w, h) = (self.width as usize, self.height as usize);
        // Each wanted target's rows, padding removed, as one tightly packed byte run
        // decoded `N` bytes at a time.
        let decode = |target: Target| {
            move |each: &mut dyn FnMut(&[u8])| {
                let (offset, row) = self.targets.layout[target as usize];
                let bpp = target.bytes_per_pixel() as usize;
                for y in 0..h {
                    let start = offset as usize + y * row as usize;
                    for c in data[start..start + w * bpp].chunks_exact(bpp) {
                        each(c);
                    }
                }
            }
        };
        let n = w * h;
        let mut fb = FrameBuffers {
            width: self.width,
            height: self.height,
            color: Vec::new(),
            linear: Vec::new(),
            albedo: Vec::new(),
            normal: Vec::new(),
            segmentation: Vec::new(),
            parts: Vec::new(),
            depth: Vec::new(),
            flow_fwd: Vec::new(),
            flow_bwd: Vec::new(),
        };
        let f16 = |c: &[u8], i: usize| half::f16::from_le_bytes([c[i], c[i + 1]]).to_f32();
        let f32_at = |c: &[u8], i: usize| f32::from_le_bytes([c[i], c[i + 1], c[i + 2], c[i + 3]]);
        if wanted.linear {
            fb.linear.reserve_exact(n);
            decode(Target::Linear)(&mut |c| fb.linear.push([f16(c, 0), f16(c, 2), f16(c, 4)]));
        }
        if wanted.albedo {
            fb.albedo.reserve_exact(n * 4);
            decode(Target::Albedo)(&mut |c| fb.albedo.extend_from_slice(c));
        }
        if wanted.normal {
            fb.normal.reserve_exact(n);
            decode(Target::Normal)(&mut |c| fb.normal.push([f16(c, 0), f16(c, 2), f16(c, 4)]));
        }
        if wanted.segmentation {
            fb.segmentation.reserve_exact(n);
            let people = !self.geometry.people.is_empty();
            if people {
                fb.parts.reserve_exact(n);
            }
            decode(Target::Segmentation)(&mut |c| {
                // Ids in the low 24 bits, a character's body part in the high 8.
                fb.segmentation
                    .push(u32::from_le_bytes([c[0], c[1], c[2], 0]));
                if people {
                    fb.parts.push(c[3]);
                }
            });
        }
        if wanted.depth {
            fb.depth.reserve_exact(n);
            decode(Target::Depth)(&mut |c| fb.depth.push(f32_at(c, 0)));
        }
        if wanted.flow {
            fb.flow_fwd.reserve_exact(n);
            decode(Target::FlowFwd)(&mut |c| fb.flow_fwd.push([f32_at(c, 0), f32_at(c, 4)]));
            fb.flow_bwd.reserve_exact(n);
            decode(Target::FlowBwd)(&mut |c| fb.flow_bwd.push([f32_at(c, 0), f32_at(c, 4)]));
        }
        fb
    }
}
