//! The headless wgpu renderer: device, pipelines, meshes and render targets. Holds
//! machinery only; every frame's input comes in by reference.

use std::collections::BTreeMap;

use bytemuck::{Pod, Zeroable};
use glam::{Mat4, Vec3, Vec4};
use wgpu::util::DeviceExt;

use super::mesh::{TriMesh, Vertex, tessellate};
use super::{FrameBuffers, RasterError};
use crate::camera::{self, CameraFrame, MAX_EXTRA_LIGHTS};
use crate::physics::Trajectory;
use crate::scene::{Scene, Shape};

const SHADOW_SIZE: u32 = 2048;
const MSAA: u32 = 4;
const COLOR_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;
/// The lit preview before the grade: linear, scene-referred light.
const HDR_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;
const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;
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
    ambient_sky: [f32; 4],
    ambient_ground: [f32; 4],
    viewport: [f32; 4],
    points: [GpuPointLight; MAX_EXTRA_LIGHTS],
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
}

struct GpuMesh {
    vertices: wgpu::Buffer,
    indices: wgpu::Buffer,
    count: u32,
}

/// One entity to draw: its entity index and mesh.
struct Draw {
    entity: usize,
    mesh: usize,
}

/// The renderer for one scene (its meshes and resolution).
pub struct Renderer {
    device: wgpu::Device,
    queue: wgpu::Queue,
    adapter_name: String,
    width: u32,
    height: u32,
    meshes: Vec<GpuMesh>,
    draws: Vec<Draw>,
    frame_buf: wgpu::Buffer,
    instance_buf: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
    shadow_pipeline: wgpu::RenderPipeline,
    preview_pipeline: wgpu::RenderPipeline,
    truth_pipeline: wgpu::RenderPipeline,
    shadow_view: wgpu::TextureView,
    msaa_color: wgpu::TextureView,
    msaa_albedo: wgpu::TextureView,
    msaa_depth: wgpu::TextureView,
    color: wgpu::Texture,
    albedo: wgpu::Texture,
    truth: Vec<wgpu::Texture>,
    truth_depth: wgpu::TextureView,
    readback: wgpu::Buffer,
    shadow_bind_group: wgpu::BindGroup,
    /// (byte offset in `readback`, padded bytes per row, bytes per pixel) per target:
    /// color, albedo, then the truth targets.
    layout: Vec<(u64, u32, u32)>,
}

fn texture(
    device: &wgpu::Device,
    label: &str,
    (w, h): (u32, u32),
    format: wgpu::TextureFormat,
    samples: u32,
    usage: wgpu::TextureUsages,
) -> wgpu::Texture {
    device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d {
            width: w,
            height: h,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
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

fn mat(m: Mat4) -> [[f32; 4]; 4] {
    m.to_cols_array_2d()
}

impl Renderer {
    /// Opens a GPU (or lavapipe) and prepares everything the scene needs.
    ///
    /// # Errors
    /// [`RasterError::NoAdapter`] with what to install when no adapter exists;
    /// [`RasterError::Device`] if the device refuses the resources.
    pub fn new(scene: &Scene) -> Result<Self, RasterError> {
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
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);

        let (width, height) = scene.resolution;
        // Meshes, one per distinct shape.
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
                    let vertices = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                        label: Some("vertices"),
                        contents: bytemuck::cast_slice(&tm.vertices),
                        usage: wgpu::BufferUsages::VERTEX,
                    });
                    let indices = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                        label: Some("indices"),
                        contents: bytemuck::cast_slice(&tm.indices),
                        usage: wgpu::BufferUsages::INDEX,
                    });
                    meshes.push(GpuMesh {
                        vertices,
                        indices,
                        count: tm.indices.len() as u32,
                    });
                    keys.insert(key, meshes.len() - 1);
                    meshes.len() - 1
                }
            };
            draws.push(Draw { entity: i, mesh });
        }

        let frame_buf = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("frame"),
            size: std::mem::size_of::<GpuFrame>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let instance_buf = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("instances"),
            size: (std::mem::size_of::<GpuInstance>() * draws.len().max(1)) as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let shadow_tex = texture(
            &device,
            "shadow",
            (SHADOW_SIZE, SHADOW_SIZE),
            DEPTH_FORMAT,
            1,
            wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::TEXTURE_BINDING,
        );
        let shadow_view = shadow_tex.create_view(&Default::default());
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
                .collect();
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("frame"),
            entries: &main_entries,
        });
        // The shadow pass cannot sample the shadow map it writes: it gets a layout
        // without it.
        let shadow_entries: Vec<wgpu::BindGroupLayoutEntry> =
            buffers(wgpu::ShaderStages::VERTEX).collect();
        let shadow_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("shadow-frame"),
            entries: &shadow_entries,
        });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("frame"),
            layout: &layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: frame_buf.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: instance_buf.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: wgpu::BindingResource::TextureView(&shadow_view),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: wgpu::BindingResource::Sampler(&shadow_sampler),
                },
            ],
        });

        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("cinegraph"),
            source: wgpu::ShaderSource::Wgsl(include_str!("shaders.wgsl").into()),
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("main"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let shadow_pipeline_layout =
            device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some("shadow"),
                bind_group_layouts: &[Some(&shadow_layout)],
                immediate_size: 0,
            });
        let vertex_layout = wgpu::VertexBufferLayout {
            array_stride: std::mem::size_of::<Vertex>() as u64,
            step_mode: wgpu::VertexStepMode::Vertex,
            attributes: &wgpu::vertex_attr_array![0 => Float32x3, 1 => Float32x3],
        };
        let depth_state = |write: bool| wgpu::DepthStencilState {
            format: DEPTH_FORMAT,
            depth_write_enabled: Some(write),
            depth_compare: Some(wgpu::CompareFunction::Less),
            stencil: Default::default(),
            bias: Default::default(),
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
                    bias,
                    ..depth_state(true)
                }),
                multisample: wgpu::MultisampleState {
                    count: samples,
                    ..Default::default()
                },
                fragment: fs.map(|(entry, targets)| wgpu::FragmentState {
                    module: &shader,
                    entry_point: Some(entry),
                    compilation_options: Default::default(),
                    targets,
                }),
                multiview_mask: None,
                cache: None,
            })
        };
        let shadow_pipeline = pipeline(
            "shadow",
            &shadow_pipeline_layout,
            "vs_shadow",
            None,
            1,
            wgpu::DepthBiasState {
                constant: 2,
                slope_scale: 2.0,
                clamp: 0.0,
            },
        );
        let color_target = |format| {
            Some(wgpu::ColorTargetState {
                format,
                blend: None,
                write_mask: wgpu::ColorWrites::ALL,
            })
        };
        let preview_pipeline = pipeline(
            "preview",
            &pipeline_layout,
            "vs_main",
            Some((
                "fs_preview",
                &[color_target(HDR_FORMAT), color_target(COLOR_FORMAT)],
            )),
            MSAA,
            Default::default(),
        );
        let truth_targets: Vec<Option<wgpu::ColorTargetState>> = TRUTH_FORMATS
            .iter()
            .map(|f| {
                Some(wgpu::ColorTargetState {
                    format: *f,
                    blend: None,
                    write_mask: wgpu::ColorWrites::ALL,
                })
            })
            .collect();
        let truth_pipeline = pipeline(
            "truth",
            &pipeline_layout,
            "vs_main",
            Some(("fs_truth", &truth_targets)),
            1,
            Default::default(),
        );

        let size = (width, height);
        let attach = wgpu::TextureUsages::RENDER_ATTACHMENT;
        let copy = wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC;
        let msaa_color = texture(&device, "msaa-color", size, HDR_FORMAT, MSAA, attach)
            .create_view(&Default::default());
        let msaa_albedo = texture(&device, "msaa-albedo", size, COLOR_FORMAT, MSAA, attach)
            .create_view(&Default::default());
        let msaa_depth = texture(&device, "msaa-depth", size, DEPTH_FORMAT, MSAA, attach)
            .create_view(&Default::default());
        let color = texture(&device, "color", size, HDR_FORMAT, 1, copy);
        let albedo = texture(&device, "albedo", size, COLOR_FORMAT, 1, copy);
        let truth: Vec<wgpu::Texture> = TRUTH_FORMATS
            .iter()
            .map(|f| texture(&device, "truth", size, *f, 1, copy))
            .collect();
        let truth_depth = texture(&device, "truth-depth", size, DEPTH_FORMAT, 1, attach)
            .create_view(&Default::default());

        let mut offsets = Vec::new();
        let mut total = 0u64;
        for bpp in [8u32, 4, 8, 4, 4, 8, 8] {
            let row = (width * bpp).div_ceil(256) * 256;
            offsets.push((total, row, bpp));
            total += u64::from(row) * u64::from(height);
        }
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: total,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });

        // The shadow pass binds the same buffers through its own bind group.
        let shadow_bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("shadow-frame"),
            layout: &shadow_layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: frame_buf.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: instance_buf.as_entire_binding(),
                },
            ],
        });

        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(RasterError::Device(format!("setting up the renderer: {e}")));
        }
        Ok(Self {
            device,
            queue,
            adapter_name: format!("{} ({:?})", info.name, info.backend),
            width,
            height,
            meshes,
            draws,
            frame_buf,
            instance_buf,
            bind_group,
            shadow_pipeline,
            preview_pipeline,
            truth_pipeline,
            shadow_view,
            msaa_color,
            msaa_albedo,
            msaa_depth,
            color,
            albedo,
            truth,
            truth_depth,
            readback,
            layout: offsets,
            shadow_bind_group,
        })
    }
}

impl Renderer {
    /// The adapter in use, e.g. `"llvmpipe (LLVM 15.0.6, 256 bits) (Vulkan)"`.
    pub fn adapter_name(&self) -> &str {
        &self.adapter_name
    }

    /// Renders frame `k` of the trajectory with the given per-frame cameras.
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
        let last = traj.frames.len().saturating_sub(1);
        let (prev, next) = (k.saturating_sub(1), (k + 1).min(last));
        let (fp, fk, fnx) = (&traj.frames[prev], &traj.frames[k], &traj.frames[next]);
        let cam = &cams[k];
        let model = |f: &crate::physics::FrameState, e: usize| {
            let p = f.poses[e];
            mat(Mat4::from_rotation_translation(p.rotation, p.translation))
        };
        let instances: Vec<GpuInstance> = self
            .draws
            .iter()
            .map(|d| {
                let e = &scene.entities[d.entity];
                let m = &scene.materials[e.material];
                GpuInstance {
                    model: model(fk, d.entity),
                    model_prev: model(fp, d.entity),
                    model_next: model(fnx, d.entity),
                    base_color: [m.color[0], m.color[1], m.color[2], 1.0],
                    params: [m.roughness, m.metallic, 0.0, 0.0],
                    id: [e.id, 0, 0, 0],
                }
            })
            .collect();

        // Rigs stand still in the world: placed once, from the clip's first camera.
        let lights = camera::resolve_lights(scene, fk, &traj.frames[0], &cams[0]);
        // An orthographic light frustum around everything finite in the scene.
        let mut lo = Vec3::splat(f32::MAX);
        let mut hi = Vec3::splat(f32::MIN);
        for d in &self.draws {
            let e = &scene.entities[d.entity];
            let r = e.shape.as_ref().map_or(0.0, |s| s.bounding_radius());
            if r.is_finite() {
                let p = fk.poses[d.entity].translation;
                lo = lo.min(p - Vec3::splat(r));
                hi = hi.max(p + Vec3::splat(r));
            }
        }
        if lo.x > hi.x {
            lo = cam.pose.translation - Vec3::splat(5.0);
            hi = cam.pose.translation + Vec3::splat(5.0);
        }
        let center = (lo + hi) * 0.5;
        let radius = ((hi - lo).length() * 0.5).max(0.5) * 1.1;
        let (light_view_proj, texel, sun_dir, sun_color) = match lights.sun {
            Some((dir, color)) => {
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
            ambient_sky: lights.sky.extend(0.0).to_array(),
            ambient_ground: lights.ground.extend(0.0).to_array(),
            viewport: [
                self.width as f32,
                self.height as f32,
                lights.extras.len().min(MAX_EXTRA_LIGHTS) as f32,
                1.0,
            ],
            points,
        };
        self.queue
            .write_buffer(&self.frame_buf, 0, bytemuck::bytes_of(&frame));
        if !instances.is_empty() {
            self.queue
                .write_buffer(&self.instance_buf, 0, bytemuck::cast_slice(&instances));
        }

        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("frame"),
            });
        let draw_all = |pass: &mut wgpu::RenderPass<'_>| {
            for (i, d) in self.draws.iter().enumerate() {
                let m = &self.meshes[d.mesh];
                pass.set_vertex_buffer(0, m.vertices.slice(..));
                pass.set_index_buffer(m.indices.slice(..), wgpu::IndexFormat::Uint32);
                pass.draw_indexed(0..m.count, 0, i as u32..i as u32 + 1);
            }
        };
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("shadow"),
                color_attachments: &[],
                depth_stencil_attachment: Some(cleared_depth(
                    &self.shadow_view,
                    wgpu::StoreOp::Store,
                )),
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            if lights.sun.is_some() {
                pass.set_pipeline(&self.shadow_pipeline);
                pass.set_bind_group(0, &self.shadow_bind_group, &[]);
                // The ground plane receives shadows but casts none into the scene.
                for (i, d) in self.draws.iter().enumerate() {
                    if matches!(scene.entities[d.entity].shape, Some(Shape::Ground)) {
                        continue;
                    }
                    let m = &self.meshes[d.mesh];
                    pass.set_vertex_buffer(0, m.vertices.slice(..));
                    pass.set_index_buffer(m.indices.slice(..), wgpu::IndexFormat::Uint32);
                    pass.draw_indexed(0..m.count, 0, i as u32..i as u32 + 1);
                }
            }
        }
        let color_view = self.color.create_view(&Default::default());
        let albedo_view = self.albedo.create_view(&Default::default());
        {
            let sky = wgpu::Color {
                r: 0.50,
                g: 0.56,
                b: 0.64,
                a: 1.0,
            };
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("preview"),
                color_attachments: &[
                    Some(wgpu::RenderPassColorAttachment {
                        view: &self.msaa_color,
                        depth_slice: None,
                        resolve_target: Some(&color_view),
                        ops: wgpu::Operations {
                            load: wgpu::LoadOp::Clear(sky),
                            store: wgpu::StoreOp::Discard,
                        },
                    }),
                    Some(wgpu::RenderPassColorAttachment {
                        view: &self.msaa_albedo,
                        depth_slice: None,
                        resolve_target: Some(&albedo_view),
                        ops: wgpu::Operations {
                            load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                            store: wgpu::StoreOp::Discard,
                        },
                    }),
                ],
                depth_stencil_attachment: Some(cleared_depth(
                    &self.msaa_depth,
                    wgpu::StoreOp::Discard,
                )),
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_pipeline(&self.preview_pipeline);
            pass.set_bind_group(0, &self.bind_group, &[]);
            draw_all(&mut pass);
        }
        let truth_views: Vec<wgpu::TextureView> = self
            .truth
            .iter()
            .map(|t| t.create_view(&Default::default()))
            .collect();
        {
            let clears = [0.0, 0.0, f64::INFINITY, 0.0, 0.0];
            let attachments: Vec<Option<wgpu::RenderPassColorAttachment<'_>>> = truth_views
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
                depth_stencil_attachment: Some(cleared_depth(
                    &self.truth_depth,
                    wgpu::StoreOp::Discard,
                )),
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_pipeline(&self.truth_pipeline);
            pass.set_bind_group(0, &self.bind_group, &[]);
            draw_all(&mut pass);
        }
        let sources: Vec<&wgpu::Texture> = [&self.color, &self.albedo]
            .into_iter()
            .chain(self.truth.iter())
            .collect();
        for (tex, (offset, row, _)) in sources.iter().zip(&self.layout) {
            encoder.copy_texture_to_buffer(
                wgpu::TexelCopyTextureInfo {
                    texture: tex,
                    mip_level: 0,
                    origin: wgpu::Origin3d::ZERO,
                    aspect: wgpu::TextureAspect::All,
                },
                wgpu::TexelCopyBufferInfo {
                    buffer: &self.readback,
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
        self.queue.submit([encoder.finish()]);
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(RasterError::Device(format!("rendering frame {k}: {e}")));
        }

        let slice = self.readback.slice(..);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| RasterError::Device(format!("waiting for the frame: {e}")))?;
        rx.recv()
            .map_err(|e| RasterError::Device(e.to_string()))?
            .map_err(|e| RasterError::Device(format!("reading the frame back: {e}")))?;
        let out = {
            let data = slice
                .get_mapped_range()
                .map_err(|e| RasterError::Device(format!("reading the frame back: {e:?}")))?;
            self.unpack(&data)
        };
        self.readback.unmap();
        Ok(out)
    }

    fn unpack(&self, data: &[u8]) -> FrameBuffers {
        let (w, h) = (self.width as usize, self.height as usize);
        let rows = |target: usize| {
            let (offset, row, bpp) = self.layout[target];
            (0..h).map(move |y| {
                let start = offset as usize + y * row as usize;
                (start, start + w * bpp as usize)
            })
        };
        let bytes = |target: usize| -> Vec<u8> {
            rows(target)
                .flat_map(|(a, b)| data[a..b].iter().copied())
                .collect()
        };
        let f32s = |target: usize| -> Vec<f32> {
            rows(target)
                .flat_map(|(a, b)| {
                    data[a..b]
                        .chunks_exact(4)
                        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                })
                .collect()
        };
        let rgb_f16 = |target: usize| -> Vec<[f32; 3]> {
            rows(target)
                .flat_map(|(a, b)| {
                    data[a..b].chunks_exact(8).map(|c| {
                        let g = |i: usize| half::f16::from_le_bytes([c[i], c[i + 1]]).to_f32();
                        [g(0), g(2), g(4)]
                    })
                })
                .collect()
        };
        let normal_raw = rgb_f16(2);
        let linear = rgb_f16(0);
        let seg: Vec<u32> = rows(3)
            .flat_map(|(a, b)| {
                data[a..b]
                    .chunks_exact(4)
                    .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            })
            .collect();
        let pairs = |target: usize| -> Vec<[f32; 2]> {
            f32s(target).chunks_exact(2).map(|c| [c[0], c[1]]).collect()
        };
        FrameBuffers {
            width: self.width,
            height: self.height,
            color: crate::style::Grade::default().render_srgb8(
                &linear,
                self.width,
                self.height,
                0,
                0,
            ),
            linear,
            albedo: bytes(1),
            normal: normal_raw,
            segmentation: seg,
            depth: f32s(4),
            flow_fwd: pairs(5),
            flow_bwd: pairs(6),
        }
    }
}
