// cinegraph raster shaders.
//
// Conventions: world space is right-handed, +Y up; the camera looks down -Z. Clip space
// is wgpu's (x, y in [-1, 1], y up; z in [0, 1]). Pixel coordinates put (0, 0) at the
// top-left corner of the image, +x right, +y down; pixel centers sit at +0.5.
//
// Ambient light is image-based (see ibl.rs): irradiance from 9 SH coefficients
// (Ramamoorthi & Hanrahan 2001), specular from a prefiltered equirect chain and the
// split-sum table (Karis 2013). The environment map is equirectangular: u = azimuth / 2π
// from -Z toward +X, v = polar angle / π from +Y (crate::world's conventions).
// patterns.wgsl is appended to this source (pattern_surface).

struct Frame {
    view_proj: mat4x4<f32>,
    view_proj_prev: mat4x4<f32>,
    view_proj_next: mat4x4<f32>,
    view: mat4x4<f32>,
    light_view_proj: mat4x4<f32>,
    camera_pos: vec4<f32>,
    // xyz: direction the sun's light travels; w: 1 if a sun casts shadows
    sun_dir: vec4<f32>,
    // rgb * intensity; w: shadow-map texel size in light space
    sun_color: vec4<f32>,
    // x: the angle one pixel spans, radians (the maps' level of detail)
    texture_lod: vec4<f32>,
    // width, height, number of point/spot lights, exposure
    viewport: vec4<f32>,
    points: array<PointLight, 8>,
    inv_view_proj: mat4x4<f32>,
    // SH radiance coefficients (rgb), order of ibl::sh_basis
    sh: array<vec4<f32>, 9>,
    // density (1/m), height falloff (1/m), base height (m), 1 if fog
    fog: vec4<f32>,
    // rgb: fog in-scattered radiance; w: top level of the prefiltered chain
    fog_color: vec4<f32>,
};

struct Material {
    // texture-array layers of base color (sRGB), normal, metallic-roughness, emissive
    // (sRGB); -1 for none
    maps: vec4<i32>,
    // x: occlusion layer (linear array)
    maps2: vec4<i32>,
    // xy: uv scale
    uv_scale: vec4<f32>,
    // rgb: emitted radiance
    emission: vec4<f32>,
};

struct PointLight {
    // xyz position; w: 0 point, 1 spot, 2 directional (no shadow)
    pos: vec4<f32>,
    // rgb * intensity
    color: vec4<f32>,
    // xyz spot direction; w: cos(half cone)
    dir: vec4<f32>,
};

struct Instance {
    model: mat4x4<f32>,
    model_prev: mat4x4<f32>,
    model_next: mat4x4<f32>,
    // linear base color, alpha unused
    base_color: vec4<f32>,
    // roughness, metallic, unused, unused
    params: vec4<f32>,
    // x: instance id, y: material index, z: pattern kind (0 none), w: a character's body
    // part (joint index + 1; 0 for anything else)
    id: vec4<u32>,
    // xyz: the entity's seeded pattern offset, m; w: pattern scale
    pattern: vec4<f32>,
};

@group(0) @binding(0) var<uniform> frame: Frame;
@group(0) @binding(1) var<storage, read> instances: array<Instance>;
@group(0) @binding(2) var shadow_map: texture_depth_2d;
@group(0) @binding(3) var shadow_sampler: sampler_comparison;
@group(0) @binding(4) var env_prefiltered: texture_2d<f32>;
@group(0) @binding(5) var env_sampler: sampler;
@group(0) @binding(6) var brdf_lut: texture_2d<f32>;
@group(0) @binding(7) var clamp_sampler: sampler;
@group(0) @binding(8) var srgb_maps: texture_2d_array<f32>;
@group(0) @binding(9) var linear_maps: texture_2d_array<f32>;
@group(0) @binding(10) var map_sampler: sampler;
@group(0) @binding(11) var<storage, read> materials: array<Material>;
@group(0) @binding(12) var env_background: texture_2d<f32>;

struct VertexIn {
    @location(0) position: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) uv: vec2<f32>,
    @location(3) tangent: vec4<f32>,
    // A deforming mesh's (cloth's, liquid's) own motion: where the vertex was at t - 1
    // and will be at t + 1, relative to `position` (zero for rigid meshes).
    @location(4) motion_prev: vec3<f32>,
    @location(5) motion_next: vec3<f32>,
};

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world_pos: vec3<f32>,
    @location(1) world_normal: vec3<f32>,
    @location(2) clip_prev: vec4<f32>,
    @location(3) clip_next: vec4<f32>,
    @location(4) view_depth: f32,
    @location(5) @interpolate(flat) instance: u32,
    @location(6) uv: vec2<f32>,
    @location(7) world_tangent: vec4<f32>,
    @location(8) local_pos: vec3<f32>,
};

@vertex
fn vs_main(v: VertexIn, @builtin(instance_index) i: u32) -> VertexOut {
    let inst = instances[i];
    let p = vec4<f32>(v.position, 1.0);
    let world = inst.model * p;
    var out: VertexOut;
    out.clip = frame.view_proj * world;
    out.world_pos = world.xyz;
    // Rigid transforms only: the rotation part maps normals.
    out.world_normal = (inst.model * vec4<f32>(v.normal, 0.0)).xyz;
    out.clip_prev = frame.view_proj_prev * (inst.model_prev * vec4<f32>(v.position + v.motion_prev, 1.0));
    out.clip_next = frame.view_proj_next * (inst.model_next * vec4<f32>(v.position + v.motion_next, 1.0));
    out.view_depth = -(frame.view * world).z;
    out.instance = i;
    out.uv = v.uv;
    out.world_tangent = vec4<f32>((inst.model * vec4<f32>(v.tangent.xyz, 0.0)).xyz, v.tangent.w);
    out.local_pos = v.position;
    return out;
}

@vertex
fn vs_shadow(v: VertexIn, @builtin(instance_index) i: u32) -> @builtin(position) vec4<f32> {
    return frame.light_view_proj * (instances[i].model * vec4<f32>(v.position, 1.0));
}

fn to_pixels(clip: vec4<f32>) -> vec2<f32> {
    let ndc = clip.xy / clip.w;
    return vec2<f32>((ndc.x + 1.0) * 0.5 * frame.viewport.x, (1.0 - ndc.y) * 0.5 * frame.viewport.y);
}

struct GroundTruth {
    @location(0) normal: vec4<f32>,
    @location(1) segmentation: u32,
    @location(2) depth: f32,
    @location(3) flow_fwd: vec2<f32>,
    @location(4) flow_bwd: vec2<f32>,
};

// Exact per-pixel ground truth: no anti-aliasing, one surface per pixel center.
@fragment
fn fs_truth(in: VertexOut, @builtin(front_facing) front: bool) -> GroundTruth {
    var out: GroundTruth;
    var n = normalize(in.world_normal);
    if !front {
        n = -n;
    }
    out.normal = vec4<f32>(n, 1.0);
    // The instance id in the low 24 bits; a character's body part (joint index + 1) in
    // the high 8, split apart on readback.
    out.segmentation = instances[in.instance].id.x | (instances[in.instance].id.w << 24u);
    out.depth = in.view_depth;
    let here = in.clip.xy;
    out.flow_fwd = to_pixels(in.clip_next) - here;
    out.flow_bwd = to_pixels(in.clip_prev) - here;
    return out;
}

const PI: f32 = 3.14159265358979;

// GGX normal distribution (Walter et al. 2007, "Microfacet models for refraction").
fn d_ggx(n_h: f32, a: f32) -> f32 {
    let a2 = a * a;
    let d = n_h * n_h * (a2 - 1.0) + 1.0;
    return a2 / (PI * d * d);
}

// Smith height-correlated visibility, Heitz 2014 ("Understanding the masking-shadowing function").
fn v_smith(n_v: f32, n_l: f32, a: f32) -> f32 {
    let a2 = a * a;
    let gv = n_l * sqrt(n_v * n_v * (1.0 - a2) + a2);
    let gl = n_v * sqrt(n_l * n_l * (1.0 - a2) + a2);
    return 0.5 / max(gv + gl, 1e-5);
}

fn fresnel_schlick(f0: vec3<f32>, v_h: f32) -> vec3<f32> {
    return f0 + (vec3<f32>(1.0) - f0) * pow(1.0 - v_h, 5.0);
}

fn brdf(n: vec3<f32>, v: vec3<f32>, l: vec3<f32>, base: vec3<f32>, rough: f32, metal: f32) -> vec3<f32> {
    let h = normalize(v + l);
    let n_v = max(dot(n, v), 1e-4);
    let n_l = max(dot(n, l), 0.0);
    let n_h = max(dot(n, h), 0.0);
    let v_h = max(dot(v, h), 0.0);
    let a = max(rough * rough, 0.002);
    let f0 = mix(vec3<f32>(0.04), base, metal);
    let f = fresnel_schlick(f0, v_h);
    let spec = f * d_ggx(n_h, a) * v_smith(n_v, n_l, a);
    let diffuse = (vec3<f32>(1.0) - f) * (1.0 - metal) * base / PI;
    return (diffuse + spec) * n_l;
}

fn sun_visibility(world_pos: vec3<f32>, n: vec3<f32>) -> f32 {
    if frame.sun_dir.w < 0.5 {
        return 1.0;
    }
    // Normal offset against acne, then a 5x5 percentage-closer filter.
    let texel = frame.sun_color.w;
    let p = frame.light_view_proj * vec4<f32>(world_pos + n * texel * 1.5, 1.0);
    let ndc = p.xyz / p.w;
    let uv = vec2<f32>(ndc.x * 0.5 + 0.5, 0.5 - ndc.y * 0.5);
    if any(uv < vec2<f32>(0.0)) || any(uv > vec2<f32>(1.0)) || ndc.z > 1.0 {
        return 1.0;
    }
    let dims = vec2<f32>(textureDimensions(shadow_map));
    var lit = 0.0;
    for (var y = -2; y <= 2; y++) {
        for (var x = -2; x <= 2; x++) {
            let o = vec2<f32>(f32(x), f32(y)) / dims;
            lit += textureSampleCompareLevel(shadow_map, shadow_sampler, uv + o, ndc.z - 0.0005);
        }
    }
    return lit / 25.0;
}

struct Preview {
    // Linear scene-referred light (times the exposure); the grade tone-maps it on the CPU.
    @location(0) color: vec4<f32>,
    // Written to an sRGB target: the hardware encodes.
    @location(1) albedo: vec4<f32>,
};

// Equirect map coordinates of a unit direction (crate::world::EnvMap::uv).
fn env_uv(d: vec3<f32>) -> vec2<f32> {
    var u = atan2(d.x, -d.z) / (2.0 * PI);
    if u < 0.0 {
        u += 1.0;
    }
    return vec2<f32>(u, acos(clamp(d.y, -1.0, 1.0)) / PI);
}

// Irradiance from the SH coefficients (Ramamoorthi & Hanrahan 2001, eq. 13).
fn sh_irradiance(n: vec3<f32>) -> vec3<f32> {
    let c1 = 0.429043;
    let c2 = 0.511664;
    let c3 = 0.743125;
    let c4 = 0.886227;
    let c5 = 0.247708;
    let sh = frame.sh;
    return c1 * sh[8].rgb * (n.x * n.x - n.y * n.y) + c3 * sh[6].rgb * n.z * n.z
        + c4 * sh[0].rgb - c5 * sh[6].rgb
        + 2.0 * c1 * (sh[4].rgb * n.x * n.y + sh[7].rgb * n.x * n.z + sh[5].rgb * n.y * n.z)
        + 2.0 * c2 * (sh[3].rgb * n.x + sh[1].rgb * n.y + sh[2].rgb * n.z);
}

// Exponential height fog over `dist` meters from `origin` along unit `dir` (dist < 0:
// to infinity); the closed form of ibl::fog_optical_depth.
fn fog_apply(c: vec3<f32>, origin: vec3<f32>, dir: vec3<f32>, dist: f32) -> vec3<f32> {
    if !FOGGY || frame.fog.w < 0.5 {
        return c;
    }
    let start = frame.fog.x * exp(-frame.fog.y * (origin.y - frame.fog.z));
    let k = frame.fog.y * dir.y;
    var tau: f32;
    if abs(k) < 1e-5 {
        if dist < 0.0 {
            return frame.fog_color.rgb;
        }
        tau = start * dist;
    } else if dist < 0.0 {
        if k <= 0.0 {
            return frame.fog_color.rgb;
        }
        tau = start / k;
    } else {
        tau = start * (1.0 - exp(-k * dist)) / k;
    }
    let t = exp(-tau);
    return c * t + frame.fog_color.rgb * (1.0 - t);
}

// Maps from the texture arrays by layer: trilinear (isotropic) at the ray-cone level of
// detail below, with wrapping, built from texel loads. Not the hardware sampler: on
// lavapipe `textureSampleLevel` on these arrays cost ~15x the whole frame on a large
// textured ground (UVs in the hundreds) and misbehaved along triangle edges; loads are
// cheap. The array is an argument, no branch inside; the UV wraps before it is scaled, so
// texel indices stay in range for any UV.

// A level's size from level 0's, not from `textureDimensions(t, level)`: on lavapipe that
// query with a level that differs between the pixels of one 2×2 quad answers one
// pixel's size for all four, and the others then load outside their level (zero): the
// black dashes along the edges where the large ground was clipped, whose quads straddle
// very different ray-cone levels.
fn level_size(size0: vec2<i32>, level: i32) -> vec2<i32> {
    return max(size0 >> vec2<u32>(u32(level)), vec2<i32>(1));
}

fn map_bilinear(maps: texture_2d_array<f32>, layer: i32, uv: vec2<f32>, level: i32) -> vec4<f32> {
    let dim = level_size(vec2<i32>(textureDimensions(maps, 0)), level);
    let f = (uv - floor(uv)) * vec2<f32>(dim) - 0.5;
    let i = vec2<i32>(floor(f));
    let t = f - floor(f);
    let a = textureLoad(maps, (i % dim + dim) % dim, layer, level);
    let b = textureLoad(maps, ((i + vec2<i32>(1, 0)) % dim + dim) % dim, layer, level);
    let c = textureLoad(maps, ((i + vec2<i32>(0, 1)) % dim + dim) % dim, layer, level);
    let d = textureLoad(maps, ((i + vec2<i32>(1, 1)) % dim + dim) % dim, layer, level);
    return mix(mix(a, b, t.x), mix(c, d, t.x), t.y);
}

// The level of detail of a footprint of `footprint` UV units (one pixel's width on the
// surface) on a `size`-texel image with `levels` levels.
fn map_lod(size: vec2<f32>, levels: u32, footprint: f32) -> f32 {
    let rho = footprint * max(size.x, size.y);
    let lod = clamp(log2(max(rho, 1e-8)), 0.0, f32(levels - 1u));
    return select(0.0, lod, lod >= 0.0);
}

fn sample_map(maps: texture_2d_array<f32>, layer: i32, uv_in: vec2<f32>, footprint: f32) -> vec4<f32> {
    // NaN-safe: lavapipe hands some fragments along triangle edges non-finite inputs.
    let uv = select(vec2<f32>(0.0), uv_in, abs(uv_in) < vec2<f32>(1e7));
    let lod = map_lod(vec2<f32>(textureDimensions(maps, 0)), textureNumLevels(maps), footprint);
    let l0 = i32(floor(lod));
    let l1 = min(l0 + 1, i32(textureNumLevels(maps)) - 1);
    return mix(map_bilinear(maps, layer, uv, l0), map_bilinear(maps, layer, uv, l1), lod - floor(lod));
}

// Specializations of the lit preview (gpu.rs, `Pipelines::preview`): whether the draw
// has a pattern, and which maps its material has (bits: base color, normal,
// metallic-roughness, emissive, occlusion). Code behind a false one is compiled out.
override PATTERNED: bool = true;
override MAPS: u32 = 31u;
// Whether the world has fog (the lit preview and the background).
override FOGGY: bool = true;

@fragment
fn fs_preview(in: VertexOut, @builtin(front_facing) front: bool) -> Preview {
    let inst = instances[in.instance];
    let mtl = materials[inst.id.y];
    let uv = in.uv * mtl.uv_scale.xy;
    var n = normalize(in.world_normal);
    var t = in.world_tangent.xyz;
    if !front {
        n = -n;
    }
    let v = normalize(frame.camera_pos.xyz - in.world_pos);
    // The maps' level of detail by ray cones (Akenine-Möller et al. 2019, "Texture Level
    // of Detail Strategies for Real-Time Ray Tracing"): one pixel's width on the surface,
    // the pixel's angle × the distance / the cosine of incidence, times the mapping's
    // UV units per meter (|tangent.w|, from mesh.rs). Not the screen-space derivatives:
    // lavapipe's are wrong in 2×2 quads that straddle a triangle edge under 4× MSAA,
    // which drew a dash of a coarse mip along every edge.
    let eye_dist = length(frame.camera_pos.xyz - in.world_pos);
    let cos_in = max(abs(dot(normalize(in.world_normal), v)), 0.2);
    let footprint = frame.texture_lod.x * eye_dist / cos_in * abs(in.world_tangent.w) * max(mtl.uv_scale.x, mtl.uv_scale.y);
    var base = inst.base_color.rgb;
    var rough = inst.params.x;
    var metal = inst.params.y;
    var emission = mtl.emission.rgb;
    var occlusion = 1.0;
    if PATTERNED && inst.id.z > 0u {
        let p = pattern_surface(inst.id.z, in.local_pos, inst.pattern.xyz, inst.pattern.w, base, rough);
        base = p.rgb;
        rough = p.a;
    }
    if (MAPS & 1u) != 0u && mtl.maps.x >= 0 {
        base *= sample_map(srgb_maps, mtl.maps.x, uv, footprint).rgb;
    }
    if (MAPS & 2u) != 0u && mtl.maps.y >= 0 {
        let m = sample_map(linear_maps, mtl.maps.y, uv, footprint).xyz * 2.0 - vec3<f32>(1.0);
        // Tangent frame: T along +u, B toward the image's up (mesh.rs).
        let tt = normalize(t - n * dot(n, t));
        let b = cross(n, tt) * sign(in.world_tangent.w);
        n = normalize(tt * m.x + b * m.y + n * max(m.z, 1e-3));
    }
    if (MAPS & 4u) != 0u && mtl.maps.z >= 0 {
        let mr = sample_map(linear_maps, mtl.maps.z, uv, footprint);
        rough *= mr.g;
        metal *= mr.b;
    }
    if (MAPS & 8u) != 0u && mtl.maps.w >= 0 {
        emission *= sample_map(srgb_maps, mtl.maps.w, uv, footprint).rgb;
    }
    if (MAPS & 16u) != 0u && mtl.maps2.x >= 0 {
        occlusion = sample_map(linear_maps, mtl.maps2.x, uv, footprint).r;
    }
    // Image-based ambient: diffuse from SH irradiance, specular from the prefiltered
    // chain and the split-sum table; the diffuse keeps what the specular lobe leaves.
    let n_v = max(dot(n, v), 1e-4);
    let f0 = mix(vec3<f32>(0.04), base, metal);
    let ab = textureSampleLevel(brdf_lut, clamp_sampler, vec2<f32>(n_v, rough), 0.0).rg;
    let spec_albedo = f0 * ab.x + ab.y;
    let r = reflect(-v, n);
    let prefiltered = textureSampleLevel(env_prefiltered, env_sampler, env_uv(r), rough * frame.fog_color.w).rgb;
    let diffuse = (vec3<f32>(1.0) - spec_albedo) * (1.0 - metal) * base * max(sh_irradiance(n), vec3<f32>(0.0)) / PI;
    var c = (diffuse + spec_albedo * prefiltered) * occlusion + emission;
    if length(frame.sun_color.rgb) > 0.0 {
        let l = -normalize(frame.sun_dir.xyz);
        c += brdf(n, v, l, base, rough, metal) * frame.sun_color.rgb * sun_visibility(in.world_pos, n);
    }
    let count = u32(frame.viewport.z);
    for (var k = 0u; k < count; k++) {
        let pl = frame.points[k];
        let d = pl.pos.xyz - in.world_pos;
        let dist2 = max(dot(d, d), 1e-4);
        var l = d / sqrt(dist2);
        var atten = 1.0 / dist2;
        if pl.pos.w > 1.5 {
            l = -normalize(pl.dir.xyz);
            atten = 1.0;
        } else if pl.pos.w > 0.5 {
            let cos_t = dot(-l, normalize(pl.dir.xyz));
            atten *= smoothstep(pl.dir.w, mix(pl.dir.w, 1.0, 0.2), cos_t);
        }
        c += brdf(n, v, l, base, rough, metal) * pl.color.rgb * atten;
    }
    let to_point = in.world_pos - frame.camera_pos.xyz;
    let dist = length(to_point);
    c = fog_apply(c, frame.camera_pos.xyz, to_point / max(dist, 1e-6), dist);
    var out: Preview;
    out.color = vec4<f32>(min(c * frame.viewport.w, vec3<f32>(65000.0)), 1.0);
    out.albedo = vec4<f32>(base, 1.0);
    return out;
}

struct BackgroundOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) ndc: vec2<f32>,
};

// A full-screen triangle on the far plane: drawn after the geometry with depth test
// less-equal, it fills exactly the samples no surface covers.
@vertex
fn vs_background(@builtin(vertex_index) i: u32) -> BackgroundOut {
    let xy = vec2<f32>(f32((i << 1u) & 2u), f32(i & 2u)) * 2.0 - vec2<f32>(1.0);
    var out: BackgroundOut;
    out.clip = vec4<f32>(xy, 1.0, 1.0);
    out.ndc = xy;
    return out;
}

// The environment toward the pixel's view direction, times the exposure, through the
// fog to infinity; the albedo of the background is black.
@fragment
fn fs_background(in: BackgroundOut) -> Preview {
    let p = frame.inv_view_proj * vec4<f32>(in.ndc, 0.5, 1.0);
    let d = normalize(p.xyz / p.w - frame.camera_pos.xyz);
    var c = textureSampleLevel(env_background, env_sampler, env_uv(d), 0.0).rgb;
    c = fog_apply(c, frame.camera_pos.xyz, d, -1.0);
    var out: Preview;
    out.color = vec4<f32>(min(c * frame.viewport.w, vec3<f32>(65000.0)), 1.0);
    out.albedo = vec4<f32>(0.0, 0.0, 0.0, 1.0);
    return out;
}
