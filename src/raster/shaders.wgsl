// cinegraph raster shaders.
//
// Conventions: world space is right-handed, +Y up; the camera looks down -Z. Clip space
// is wgpu's (x, y in [-1, 1], y up; z in [0, 1]). Pixel coordinates put (0, 0) at the
// top-left corner of the image, +x right, +y down; pixel centers sit at +0.5.

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
    ambient_sky: vec4<f32>,
    ambient_ground: vec4<f32>,
    // width, height, number of point/spot lights, exposure
    viewport: vec4<f32>,
    points: array<PointLight, 8>,
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
    // x: instance id
    id: vec4<u32>,
};

@group(0) @binding(0) var<uniform> frame: Frame;
@group(0) @binding(1) var<storage, read> instances: array<Instance>;
@group(0) @binding(2) var shadow_map: texture_depth_2d;
@group(0) @binding(3) var shadow_sampler: sampler_comparison;

struct VertexIn {
    @location(0) position: vec3<f32>,
    @location(1) normal: vec3<f32>,
};

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world_pos: vec3<f32>,
    @location(1) world_normal: vec3<f32>,
    @location(2) clip_prev: vec4<f32>,
    @location(3) clip_next: vec4<f32>,
    @location(4) view_depth: f32,
    @location(5) @interpolate(flat) instance: u32,
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
    out.clip_prev = frame.view_proj_prev * (inst.model_prev * p);
    out.clip_next = frame.view_proj_next * (inst.model_next * p);
    out.view_depth = -(frame.view * world).z;
    out.instance = i;
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
    out.segmentation = instances[in.instance].id.x;
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

@fragment
fn fs_preview(in: VertexOut, @builtin(front_facing) front: bool) -> Preview {
    let inst = instances[in.instance];
    var n = normalize(in.world_normal);
    if !front {
        n = -n;
    }
    let v = normalize(frame.camera_pos.xyz - in.world_pos);
    let base = inst.base_color.rgb;
    let rough = inst.params.x;
    let metal = inst.params.y;
    // Hemisphere ambient: sky from above, bounce from below.
    let hemi = mix(frame.ambient_ground.rgb, frame.ambient_sky.rgb, n.y * 0.5 + 0.5);
    var c = hemi * base * (1.0 - 0.5 * metal) + hemi * mix(vec3<f32>(0.04), base, metal) * 0.5 * metal;
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
    var out: Preview;
    out.color = vec4<f32>(min(c * frame.viewport.w, vec3<f32>(65000.0)), 1.0);
    out.albedo = vec4<f32>(base, 1.0);
    return out;
}
