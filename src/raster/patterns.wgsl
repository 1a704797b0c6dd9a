// Procedural patterns for the raster: the WGSL port of `src/texture/pattern.rs`, which
// is the definition (its docs say what each pattern looks like and how large its
// features are). `src/raster/pattern_test.rs` runs this file in a compute shader and
// compares it with the Rust at thousands of seeded points per pattern.
//
// kind 0 none, 1 Wood, 2 Marble, 3 BrushedMetal, 4 Concrete, 5 Rubber, 6 Fabric
// (`texture::pattern::kind`). `local` is the object-space point (m), `offset` the
// entity's seeded pattern offset (m), `scale` the material's pattern scale, `base` its
// linear base color and `rough` its perceptual roughness. Returns the patterned base
// color (rgb, clamped to [0, 1]) and roughness (a).
//
// Everything repeats the Rust's f32 operations in the Rust's order. Integer semantics:
// u32 `*` wraps like `wrapping_mul`, Rust's `i as u32` is `bitcast<u32>(i)`, and
// `floor` then `i32(...)` is the Rust's `floor() as i32`. `fract` is only taken of
// non-negative values, where WGSL's `x - floor(x)` equals Rust's `x - trunc(x)`.
// Constants are written so that no constant subexpression is folded at a higher
// precision than the Rust's f32 (2 pi 250 is spelled as the f32 the Rust computes).

// The "lowbias32" integer hash (Chris Wellons 2018, "Prospecting for Hash Functions").
fn pat_hash(v: u32) -> u32 {
    var x = v;
    x = x ^ (x >> 16u);
    x = x * 0x7feb352du;
    x = x ^ (x >> 15u);
    x = x * 0x846ca68bu;
    return x ^ (x >> 16u);
}

// The value in [0, 1] at an integer lattice point; 2.3283064365386963e-10 = 1 / 2^32,
// which is the Rust's `1.0 / u32::MAX as f32`.
fn pat_lattice(x: i32, y: i32, z: i32) -> f32 {
    let h = pat_hash(bitcast<u32>(x) ^ pat_hash(bitcast<u32>(y) ^ pat_hash(bitcast<u32>(z))));
    return f32(h) * 2.3283064365386963e-10;
}

fn pat_lerp(a: f32, b: f32, s: f32) -> f32 {
    return a + (b - a) * s;
}

// Value noise in [0, 1] with Perlin's quintic fade (Perlin 2002, "Improving Noise").
fn pat_noise(p: vec3<f32>) -> f32 {
    let f = floor(p);
    let x = i32(f.x);
    let y = i32(f.y);
    let z = i32(f.z);
    let t = p - f;
    let s = t * t * t * (t * (t * 6.0 - 15.0) + 10.0);
    let c0 = pat_lattice(x, y, z);
    let c1 = pat_lattice(x + 1, y, z);
    let c2 = pat_lattice(x, y + 1, z);
    let c3 = pat_lattice(x + 1, y + 1, z);
    let c4 = pat_lattice(x, y, z + 1);
    let c5 = pat_lattice(x + 1, y, z + 1);
    let c6 = pat_lattice(x, y + 1, z + 1);
    let c7 = pat_lattice(x + 1, y + 1, z + 1);
    let x0 = pat_lerp(pat_lerp(c0, c1, s.x), pat_lerp(c2, c3, s.x), s.y);
    let x1 = pat_lerp(pat_lerp(c4, c5, s.x), pat_lerp(c6, c7, s.x), s.y);
    return pat_lerp(x0, x1, s.z);
}

// Fractal sum of `octaves` noises in [0, 1], lacunarity 2.03, gain 1/2.
fn pat_fbm(p: vec3<f32>, octaves: u32) -> f32 {
    var sum = 0.0;
    var amp = 0.5;
    var norm = 0.0;
    var q = p;
    for (var i = 0u; i < octaves; i = i + 1u) {
        sum = sum + amp * pat_noise(q);
        norm = norm + amp;
        amp = amp * 0.5;
        q = q * 2.03;
    }
    return sum / norm;
}

fn pat_smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = clamp((x - e0) / (e1 - e0), 0.0, 1.0);
    return t * t * (3.0 - 2.0 * t);
}

// `x` reduced to about [-pi, pi] by whole turns (Cody and Waite 1980, "Software Manual
// for the Elementary Functions": 2 pi split in a short exact part and a remainder), so
// that GPU `sin` / `cos`, accurate only near zero, match the Rust's at the thousands of
// radians the fabric's threads reach.
fn pat_turns(x: f32) -> f32 {
    let n = round(x * 0.15915494);
    return (x - n * 6.28125) - n * 0.0019353071795864769;
}

fn pat_sin(x: f32) -> f32 {
    return sin(pat_turns(x));
}

fn pat_cos(x: f32) -> f32 {
    return cos(pat_turns(x));
}

fn pattern_surface(kind: u32, local: vec3<f32>, offset: vec3<f32>, scale: f32, base: vec3<f32>, rough: f32) -> vec4<f32> {
    if kind == 0u || kind > 6u {
        return vec4<f32>(base, rough);
    }
    var b = base;
    var r = rough;
    let q = local / scale;
    let n = q + offset;
    switch kind {
        case 1u: {
            // Wood: rings around an axis parallel to local Y, off-center by the seed, warped.
            let c = vec3<f32>(offset.x, 0.0, offset.z) * 0.004;
            let dx = q.x - c.x;
            let dz = q.z - c.z;
            let rr = sqrt(dx * dx + dz * dz);
            let ring = fract(rr * 45.0 + 1.5 * pat_fbm(n * 3.0, 3u));
            let late = pat_smoothstep(0.55, 0.95, ring);
            let fibre = pat_noise(vec3<f32>(n.x * 180.0, n.y * 6.0, n.z * 180.0));
            b = b * (1.08 - 0.38 * late - 0.12 * fibre);
            r = min(r + 0.1 * late, 1.0);
        }
        case 2u: {
            // Marble: turbulent veins where a displaced sine crosses zero, over a cloud.
            let v = pat_sin((q.x + 0.6 * q.y + 0.3 * q.z) * 7.0 + 7.0 * pat_fbm(n * 1.7, 5u));
            let vein = 1.0 - pat_smoothstep(0.0, 0.14, abs(v));
            let cloud = pat_fbm(n * 5.0, 3u);
            b = b * (0.92 + 0.12 * cloud) * (1.0 - 0.65 * vein);
        }
        case 3u: {
            // Brushed metal: streaks along local X.
            let streak = pat_noise(vec3<f32>(n.x * 3.0, n.y * 900.0, n.z * 900.0));
            let fine = pat_noise(vec3<f32>(n.x * 12.0, n.y * 3000.0, n.z * 3000.0));
            b = b * (0.9 + 0.12 * streak + 0.06 * fine);
            r = clamp(r + 0.18 * (streak - 0.5), 0.05, 1.0);
        }
        case 4u: {
            // Concrete: mottling and pores.
            let mottle = pat_fbm(n * 9.0, 4u);
            let pore = pat_smoothstep(0.78, 0.86, pat_noise(n * 160.0));
            b = b * (0.78 + 0.4 * mottle) * (1.0 - 0.45 * pore);
            r = min(r + 0.2 * pore, 1.0);
        }
        case 5u: {
            // Rubber: fine grain.
            let grain = pat_noise(n * 400.0);
            b = b * (0.94 + 0.1 * grain);
            r = clamp(r + 0.1 * (grain - 0.5), 0.0, 1.0);
        }
        default: {
            // Fabric: a woven grid of threads; k = 2 pi 250 as the Rust's f32.
            let k = 1570.79638671875;
            let u = (q.x + q.y) * k;
            let v = (q.z - q.y) * k;
            let warp = 0.5 + 0.5 * pat_sin(u) * abs(pat_cos(v * 0.5));
            let weft = 0.5 + 0.5 * pat_sin(v) * abs(pat_cos(u * 0.5));
            let fuzz = pat_noise(n * 120.0);
            b = b * (0.7 + 0.25 * max(warp, weft) + 0.1 * fuzz);
            r = max(r, 0.75);
        }
    }
    return vec4<f32>(clamp(b, vec3<f32>(0.0), vec3<f32>(1.0)), r);
}
