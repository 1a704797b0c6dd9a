//! What the lit pass samples besides the frame: the world's image-based lighting
//! ([`super::ibl`]) and the materials' image maps, uploaded once per render.
//!
//! **Environment**: the prefiltered specular chain (`Rgba16Float`, 128 × 64 down to 4 × 2,
//! one mip per roughness step), the split-sum BRDF table (`Rgba16Float`, 32 × 32, `A` in
//! R, `B` in G) and the background (the world's radiance map at its own resolution,
//! at most [`MAX_BACKGROUND_WIDTH`] columns, `Rgba16Float`, one level). Radiance above
//! the half float's range (65 504) is clamped.
//!
//! **Material maps**: two texture arrays, one `Rgba8UnormSrgb` for the sRGB maps (base
//! color, emissive) and one `Rgba8Unorm` for the linear ones (normal, metallic-roughness,
//! occlusion); every distinct texture (by identity) is one layer. All layers of an array
//! share one size, the largest width and the largest height among its maps: a map of
//! that size is uploaded with its own mip chain as is; a smaller or differently shaped
//! one is resampled trilinearly into each level (in linear light, re-encoded). Memory:
//! `layers × W × H × 4 B × 4/3` per array (logged). An array with no maps is one 1 × 1
//! white layer. A per-material table (storage buffer, [`GpuMaterial`]) holds the layer of
//! each map (−1 none), the UV scale and the emission.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytemuck::{Pod, Zeroable};
use glam::{Vec2, Vec3};
use wgpu::util::DeviceExt;

use super::ibl;
use crate::scene::Scene;
use crate::texture::{ColorSpace, Texture};
use crate::world::{EnvMap, World};

/// Widest background map uploaded; wider ones are resampled to it.
pub const MAX_BACKGROUND_WIDTH: u32 = 4096;

const HALF_MAX: f32 = 65_504.0;

/// One material's row of the table the shader reads (`Material` in `shaders.wgsl`).
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable, Debug, PartialEq)]
pub struct GpuMaterial {
    /// Layers of base color, normal, metallic-roughness, emissive; −1 none.
    pub maps: [i32; 4],
    /// Layer of occlusion; −1 none.
    pub maps2: [i32; 4],
    /// UV scale in xy.
    pub uv_scale: [f32; 4],
    /// Emitted radiance in rgb.
    pub emission: [f32; 4],
}

/// The environment's textures and samplers.
pub struct EnvTextures {
    pub prefiltered: wgpu::TextureView,
    pub brdf_lut: wgpu::TextureView,
    pub background: wgpu::TextureView,
    pub env_sampler: wgpu::Sampler,
    pub clamp_sampler: wgpu::Sampler,
    /// The SH coefficients of the radiance (rgb, w unused), for the frame uniform.
    pub sh: [[f32; 4]; 9],
}

/// The materials' texture arrays, their sampler and the material table.
pub struct MapTextures {
    pub srgb: wgpu::TextureView,
    pub linear: wgpu::TextureView,
    pub sampler: wgpu::Sampler,
    pub materials: wgpu::Buffer,
}

fn rgba16(c: Vec3) -> [half::f16; 4] {
    let c = c.clamp(Vec3::ZERO, Vec3::splat(HALF_MAX));
    [
        half::f16::from_f32(c.x),
        half::f16::from_f32(c.y),
        half::f16::from_f32(c.z),
        half::f16::ONE,
    ]
}

/// Writes `bytes` (tightly packed rows of `bpp` bytes a texel) into `level`, `layer`.
fn write(
    queue: &wgpu::Queue,
    texture: &wgpu::Texture,
    (level, layer): (u32, u32),
    (w, h): (u32, u32),
    bpp: u32,
    bytes: &[u8],
) {
    queue.write_texture(
        wgpu::TexelCopyTextureInfo {
            texture,
            mip_level: level,
            origin: wgpu::Origin3d {
                x: 0,
                y: 0,
                z: layer,
            },
            aspect: wgpu::TextureAspect::All,
        },
        bytes,
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(w * bpp),
            rows_per_image: Some(h),
        },
        wgpu::Extent3d {
            width: w,
            height: h,
            depth_or_array_layers: 1,
        },
    );
}

/// A sampled texture (or array) filled by uploads.
fn texture_2d(
    device: &wgpu::Device,
    label: &str,
    size: (u32, u32, u32),
    levels: u32,
    format: wgpu::TextureFormat,
) -> wgpu::Texture {
    let usage = wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST;
    super::gpu::texture_2d(device, label, size, levels, 1, format, usage)
}

fn env_bytes(map: &EnvMap) -> Vec<u8> {
    let texels: Vec<[half::f16; 4]> = map.texels.iter().map(|t| rgba16(*t)).collect();
    bytemuck::cast_slice(&texels).to_vec()
}

impl EnvTextures {
    /// Prefilters the world's map, tabulates the BRDF and uploads both with the
    /// background.
    pub fn new(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        world: &World,
        lighting: &EnvMap,
    ) -> Self {
        let env = world.env.as_ref();
        let sh = ibl::project_sh(lighting).map(|c| c.extend(0.0).to_array());
        let chain = ibl::prefilter(lighting);
        let (w0, h0) = (ibl::PREFILTER_WIDTH, ibl::PREFILTER_WIDTH / 2);
        let prefiltered = texture_2d(
            device,
            "env-prefiltered",
            (w0, h0, 1),
            chain.len() as u32,
            wgpu::TextureFormat::Rgba16Float,
        );
        for (i, level) in chain.iter().enumerate() {
            write(
                queue,
                &prefiltered,
                (i as u32, 0),
                (level.width, level.height),
                8,
                &env_bytes(level),
            );
        }
        let n = ibl::BRDF_LUT_SIZE;
        let lut = texture_2d(
            device,
            "brdf-lut",
            (n, n, 1),
            1,
            wgpu::TextureFormat::Rgba16Float,
        );
        let lut_texels: Vec<[half::f16; 4]> = ibl::brdf_lut()
            .iter()
            .map(|ab| rgba16(Vec3::new(ab.x, ab.y, 0.0)))
            .collect();
        write(
            queue,
            &lut,
            (0, 0),
            (n, n),
            8,
            bytemuck::cast_slice(&lut_texels),
        );
        let bg_map = if env.width > MAX_BACKGROUND_WIDTH || env.width == 0 || env.height == 0 {
            let w = env.width.clamp(2, MAX_BACKGROUND_WIDTH);
            ibl::resample(env, w, (w / 2).max(1))
        } else {
            env.clone()
        };
        let background = texture_2d(
            device,
            "env-background",
            (bg_map.width, bg_map.height, 1),
            1,
            wgpu::TextureFormat::Rgba16Float,
        );
        write(
            queue,
            &background,
            (0, 0),
            (bg_map.width, bg_map.height),
            8,
            &env_bytes(&bg_map),
        );
        let env_sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("env"),
            address_mode_u: wgpu::AddressMode::Repeat,
            address_mode_v: wgpu::AddressMode::ClampToEdge,
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            mipmap_filter: wgpu::MipmapFilterMode::Linear,
            ..Default::default()
        });
        let clamp_sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("clamp"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        let view = |t: wgpu::Texture| t.create_view(&Default::default());
        Self {
            prefiltered: view(prefiltered),
            brdf_lut: view(lut),
            background: view(background),
            env_sampler,
            clamp_sampler,
            sh,
        }
    }
}

/// The textures of one color space, in layer order, and their layer by identity.
#[derive(Default)]
struct Layers {
    textures: Vec<Arc<Texture>>,
    index: BTreeMap<usize, i32>,
}

impl Layers {
    /// The layer of `t` (added when new), −1 for none.
    fn layer(&mut self, t: Option<&Arc<Texture>>) -> i32 {
        let Some(t) = t else { return -1 };
        let key = Arc::as_ptr(t) as usize;
        if let Some(i) = self.index.get(&key) {
            return *i;
        }
        self.textures.push(t.clone());
        let i = self.textures.len() as i32 - 1;
        self.index.insert(key, i);
        i
    }
}

/// Mip levels of a full chain for a `w × h` level 0.
fn levels_for(w: u32, h: u32) -> u32 {
    32 - w.max(h).max(1).leading_zeros()
}

/// Level `level` (`w × h`) of `t` as the array stores it: its own texels when its chain
/// has that size, else resampled trilinearly (linear light) and re-encoded.
fn level_texels(t: &Texture, level: usize, (w, h): (u32, u32)) -> Vec<u8> {
    if let Some(m) = t.mips.get(level)
        && (m.width, m.height) == (w, h)
        && m.texels.len() == (w * h) as usize
    {
        return bytemuck::cast_slice(&m.texels).to_vec();
    }
    let (tw, th) = t.size();
    let lod = (tw.max(1) as f32 / w as f32)
        .max(th.max(1) as f32 / h as f32)
        .log2();
    let mut out = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            let uv = Vec2::new((x as f32 + 0.5) / w as f32, (y as f32 + 0.5) / h as f32);
            let c = t.sample(uv, lod);
            let rgb = match t.color_space {
                ColorSpace::Srgb => [c.x, c.y, c.z].map(crate::math::linear_to_srgb8),
                ColorSpace::Linear => {
                    [c.x, c.y, c.z].map(|v| (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8)
                }
            };
            out.extend_from_slice(&[
                rgb[0],
                rgb[1],
                rgb[2],
                (c.w.clamp(0.0, 1.0) * 255.0 + 0.5) as u8,
            ]);
        }
    }
    out
}

/// One texture array of `layers` (a 1 × 1 white layer when empty).
fn upload_array(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    label: &str,
    layers: &[Arc<Texture>],
    format: wgpu::TextureFormat,
) -> wgpu::TextureView {
    let (w, h) = layers
        .iter()
        .map(|t| t.size())
        .fold((1, 1), |(a, b), (w, h)| (a.max(w), b.max(h)));
    let levels = levels_for(w, h);
    let count = layers.len().max(1) as u32;
    let tex = texture_2d(device, label, (w, h, count), levels, format);
    if layers.is_empty() {
        write(queue, &tex, (0, 0), (1, 1), 4, &[255; 4]);
    }
    let mut bytes = 0u64;
    for (i, t) in layers.iter().enumerate() {
        for l in 0..levels {
            let size = ((w >> l).max(1), (h >> l).max(1));
            let data = level_texels(t, l as usize, size);
            bytes += data.len() as u64;
            write(queue, &tex, (l, i as u32), size, 4, &data);
        }
    }
    tracing::info!(
        array = label,
        layers = layers.len(),
        width = w,
        height = h,
        bytes,
        "material maps"
    );
    tex.create_view(&wgpu::TextureViewDescriptor {
        dimension: Some(wgpu::TextureViewDimension::D2Array),
        ..Default::default()
    })
}

impl MapTextures {
    /// Gathers every material's maps into the two arrays and the table.
    pub fn new(device: &wgpu::Device, queue: &wgpu::Queue, scene: &Scene) -> Self {
        let mut srgb = Layers::default();
        let mut linear = Layers::default();
        let mut rows: Vec<GpuMaterial> = scene
            .materials
            .iter()
            .map(|m| {
                let maps = &m.maps;
                GpuMaterial {
                    maps: [
                        srgb.layer(maps.base_color.as_ref()),
                        linear.layer(maps.normal.as_ref()),
                        linear.layer(maps.metallic_roughness.as_ref()),
                        srgb.layer(maps.emissive.as_ref()),
                    ],
                    maps2: [linear.layer(maps.occlusion.as_ref()), -1, -1, -1],
                    uv_scale: [maps.uv_scale.x, maps.uv_scale.y, 0.0, 0.0],
                    emission: [m.emission[0], m.emission[1], m.emission[2], 0.0],
                }
            })
            .collect();
        if rows.is_empty() {
            rows.push(GpuMaterial {
                maps: [-1; 4],
                maps2: [-1; 4],
                uv_scale: [1.0, 1.0, 0.0, 0.0],
                emission: [0.0; 4],
            });
        }
        let materials = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("materials"),
            contents: bytemuck::cast_slice(&rows),
            usage: wgpu::BufferUsages::STORAGE,
        });
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("maps"),
            address_mode_u: wgpu::AddressMode::Repeat,
            address_mode_v: wgpu::AddressMode::Repeat,
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            mipmap_filter: wgpu::MipmapFilterMode::Linear,
            anisotropy_clamp: 16,
            ..Default::default()
        });
        Self {
            srgb: upload_array(
                device,
                queue,
                "maps-srgb",
                &srgb.textures,
                wgpu::TextureFormat::Rgba8UnormSrgb,
            ),
            linear: upload_array(
                device,
                queue,
                "maps-linear",
                &linear.textures,
                wgpu::TextureFormat::Rgba8Unorm,
            ),
            sampler,
            materials,
        }
    }
}
