//! The raster's procedural patterns (`patterns.wgsl`) against their definition,
//! [`crate::texture::pattern::surface`]: a small compute shader evaluates
//! `pattern_surface` at thousands of seeded points per pattern, with varied offsets,
//! scales, base colors and roughness, and every channel is compared with the Rust.
//!
//! Tolerance: GPU `sin`, `sqrt`, division and fused multiply-adds differ from the CPU's
//! in the last bits, and a last-bit difference at a lattice-cell boundary of a
//! high-frequency noise (the brushed metal's 0.33 mm cells sit tens of meters from the
//! origin after the seeded offset) or at a wood ring's wrap flips a whole feature. So a
//! pattern agrees when at least [`MIN_FRACTION`] of its samples are within [`TOL`] in
//! every channel (base color and roughness, all in `[0, 1]`); the worst error is
//! reported. The identity (`pattern_surface` returning its inputs) fails this for every
//! pattern, which a test checks, so a wrong or missing port cannot pass.

use glam::Vec3;

use super::RasterError;
use crate::rng::SeededRng;
use crate::texture::pattern;

/// Samples per pattern.
const PER_PATTERN: usize = 4096;
/// Largest per-channel difference that counts as agreement.
const TOL: f32 = 1e-3;
/// Fraction of a pattern's samples that must agree.
const MIN_FRACTION: f64 = 0.995;

/// The compute entry point around `pattern_surface`: three vec4s in per sample
/// (`local, scale`, `offset, rough`, `base, bitcast kind`), one vec4 out.
const HARNESS: &str = r"
@group(0) @binding(0) var<storage, read> inputs: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> outputs: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if i >= arrayLength(&outputs) {
        return;
    }
    let a = inputs[3u * i];
    let b = inputs[3u * i + 1u];
    let c = inputs[3u * i + 2u];
    outputs[i] = pattern_surface(bitcast<u32>(c.w), a.xyz, b.xyz, a.w, c.xyz, b.w);
}
";

/// A wrong port: every pattern returns its inputs unchanged.
const IDENTITY: &str = r"
fn pattern_surface(kind: u32, local: vec3<f32>, offset: vec3<f32>, scale: f32, base: vec3<f32>, rough: f32) -> vec4<f32> {
    return vec4<f32>(base, rough);
}
";

/// One evaluation of a pattern.
#[derive(Debug, Clone, Copy)]
struct Input {
    kind: u32,
    local: Vec3,
    offset: Vec3,
    scale: f32,
    base: Vec3,
    rough: f32,
}

/// `PER_PATTERN` seeded inputs for each pattern (in [`pattern::ALL`]'s order) and as many for
/// kind 0: points within ±1.5 m, offsets as entities get them, scales 0.25–4
/// (log-uniform), any base color and roughness.
fn inputs() -> Vec<Input> {
    let mut rng = SeededRng::new(13, "pattern-test");
    let kinds = pattern::ALL
        .iter()
        .map(|p| pattern::kind(Some(*p)))
        .chain([0]);
    kinds
        .flat_map(|kind| std::iter::repeat_n(kind, PER_PATTERN))
        .map(|kind| Input {
            kind,
            local: Vec3::new(rng.symmetric(1.5), rng.symmetric(1.5), rng.symmetric(1.5)),
            offset: pattern::offset(rng.next_u64(), "e"),
            scale: 4.0f32.powf(rng.symmetric(1.0)),
            base: Vec3::new(
                rng.range(0.0, 1.0),
                rng.range(0.0, 1.0),
                rng.range(0.0, 1.0),
            ),
            rough: rng.range(0.0, 1.0),
        })
        .collect()
}

/// The Rust definition at `x`, as the shader returns it.
fn reference(x: &Input) -> [f32; 4] {
    let pattern = pattern::ALL
        .iter()
        .find(|p| pattern::kind(Some(**p)) == x.kind);
    let (b, r) = match pattern {
        Some(p) => pattern::surface(*p, x.local, x.offset, x.scale, x.base, x.rough),
        None => (x.base, x.rough),
    };
    [b.x, b.y, b.z, r]
}

/// Runs `patterns` (WGSL defining `pattern_surface`) at every input on the GPU.
fn evaluate(patterns: &str, inputs: &[Input]) -> Result<(Vec<[f32; 4]>, String), RasterError> {
    use wgpu::util::DeviceExt;
    let gpu = super::gpu::Gpu::open()?;
    let (device, queue) = (&gpu.device, &gpu.queue);
    let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("patterns"),
        source: wgpu::ShaderSource::Wgsl(format!("{patterns}\n{HARNESS}").into()),
    });
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some("patterns"),
        layout: None,
        module: &module,
        entry_point: Some("main"),
        compilation_options: wgpu::PipelineCompilationOptions::default(),
        cache: None,
    });
    let packed: Vec<[f32; 4]> = inputs
        .iter()
        .flat_map(|x| {
            [
                x.local.extend(x.scale).to_array(),
                x.offset.extend(x.rough).to_array(),
                x.base.extend(f32::from_bits(x.kind)).to_array(),
            ]
        })
        .collect();
    let input = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("pattern inputs"),
        contents: bytemuck::cast_slice(&packed),
        usage: wgpu::BufferUsages::STORAGE,
    });
    let size = (inputs.len() * 16) as u64;
    let output = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("pattern outputs"),
        size,
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        mapped_at_creation: false,
    });
    let readback = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("pattern readback"),
        size,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("patterns"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: input.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: output.as_entire_binding(),
            },
        ],
    });
    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
        label: Some("patterns"),
    });
    {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("patterns"),
            timestamp_writes: None,
        });
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &bind, &[]);
        pass.dispatch_workgroups(inputs.len().div_ceil(64) as u32, 1, 1);
    }
    encoder.copy_buffer_to_buffer(&output, 0, &readback, 0, size);
    queue.submit([encoder.finish()]);
    if let Some(e) = pollster::block_on(scope.pop()) {
        return Err(RasterError::Device(format!("pattern shader: {e}")));
    }
    let out = super::gpu::map_read(device, &readback, "the patterns", |data| {
        bytemuck::cast_slice::<u8, [f32; 4]>(data).to_vec()
    })?;
    Ok((out, gpu.adapter_name.clone()))
}

/// How well one pattern's GPU results agree with the Rust.
#[derive(Debug, Clone, Copy)]
struct Agreement {
    /// Fraction of samples within [`TOL`] in every channel.
    within: f64,
    /// Largest per-channel difference.
    worst: f32,
    /// Mean of the per-sample largest differences.
    mean: f64,
}

/// Agreement of `gpu` with the Rust for the `kind` samples of `inputs`.
fn agreement(kind: u32, inputs: &[Input], gpu: &[[f32; 4]]) -> Agreement {
    let errors: Vec<f32> = inputs
        .iter()
        .zip(gpu)
        .filter(|(x, _)| x.kind == kind)
        .map(|(x, g)| {
            let r = reference(x);
            // A NaN from the GPU is as wrong as it gets.
            (0..4).map(|c| (g[c] - r[c]).abs()).fold(0.0f32, |m, e| {
                if e.is_nan() { f32::INFINITY } else { m.max(e) }
            })
        })
        .collect();
    let n = errors.len() as f64;
    Agreement {
        within: errors.iter().filter(|e| **e <= TOL).count() as f64 / n,
        worst: errors.iter().fold(0.0f32, |m, e| m.max(*e)),
        mean: errors.iter().map(|e| f64::from(*e)).sum::<f64>() / n,
    }
}

/// Evaluates on the GPU or fails with what to install.
fn evaluate_or_fail(patterns: &str, inputs: &[Input]) -> (Vec<[f32; 4]>, String) {
    match evaluate(patterns, inputs) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn wgsl_patterns_agree_with_the_rust_definition() {
    let inputs = inputs();
    let (gpu, adapter) = evaluate_or_fail(include_str!("patterns.wgsl"), &inputs);
    assert_eq!(gpu.len(), inputs.len());
    let mut failures = Vec::new();
    for p in pattern::ALL {
        let a = agreement(pattern::kind(Some(p)), &inputs, &gpu);
        eprintln!(
            "{adapter}: {p:?}: {:.2} % of {PER_PATTERN} within {TOL}, worst {:.3e}, mean {:.3e}",
            100.0 * a.within,
            a.worst,
            a.mean
        );
        if a.within < MIN_FRACTION {
            failures.push(format!("{p:?} {a:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "patterns.wgsl disagrees with texture::pattern::surface on {adapter} (need {:.1} % \
         within {TOL}): {failures:?}",
        100.0 * MIN_FRACTION
    );
    // No pattern: the inputs come back bit for bit.
    let none = agreement(0, &inputs, &gpu);
    assert_eq!(
        none.worst, 0.0,
        "kind 0 must return base and roughness unchanged"
    );
}

#[test]
fn an_identity_port_fails_the_agreement_test() {
    let inputs = inputs();
    let (gpu, adapter) = evaluate_or_fail(IDENTITY, &inputs);
    for p in pattern::ALL {
        let a = agreement(pattern::kind(Some(p)), &inputs, &gpu);
        eprintln!(
            "{adapter}: identity for {p:?}: {:.2} % within {TOL}, worst {:.3e}",
            100.0 * a.within,
            a.worst
        );
        assert!(
            a.within < MIN_FRACTION,
            "the identity passes for {p:?} ({a:?}): the tolerance cannot catch a wrong port"
        );
    }
}
