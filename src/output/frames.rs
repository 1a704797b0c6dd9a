//! Per-frame buffer files of `cinegraph render`, in the folder layout of DESIGN.md:
//!
//! | folder | file | content |
//! |---|---|---|
//! | `preview/` | `00000.png` | lit preview, 8-bit sRGB RGB |
//! | `albedo/` | `00000.png` | base color, 8-bit sRGB RGB |
//! | `depth/` | `00000.exr` | f32 channel `Z`: distance along the camera's -Z axis, m; background +inf |
//! | `depth/` | `00000.png` | 16-bit view of it: `65535 · z_min / z` (nearer is brighter), background 0 |
//! | `normal/` | `00000.exr` | f32 `R G B` = world-space unit normal |
//! | `normal/` | `00000.png` | 8-bit `(n + 1) / 2` |
//! | `flow_fwd/`, `flow_bwd/` | `00000.exr` | f32 channels `X` (dx, +right) and `Y` (dy, +down), pixels |
//! | `flow_fwd/`, `flow_bwd/` | `00000.png` | 16-bit color-wheel view (hue = direction, saturation = magnitude / frame max) |
//! | `occlusion_fwd/`, `occlusion_bwd/` | `00000.png` | 8-bit mask, 255 where the pixel's surface is not visible in the next / previous frame |
//! | `segmentation/` | `00000.png` | 16-bit instance ids (0 = background); `00000.exr` (u32) when an id exceeds 65535 |
//! | `parts/` | `00000.png` | 8-bit body parts of characters: 0 where none is seen, else 1 + the part's joint index (`metadata.json`'s `characters[].joints`); only for scenes with characters |

use std::path::Path;

use exr::prelude::FlatSamples;
use image::ExtendedColorType;

use crate::files::{FileError, exr, png, png16};
use crate::raster::FrameBuffers;

/// The buffer layers a render can write.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum BufferLayer {
    /// `preview/`.
    Preview,
    /// `albedo/`.
    Albedo,
    /// `depth/`.
    Depth,
    /// `normal/`.
    Normal,
    /// `flow_fwd/`, `flow_bwd/`, `occlusion_fwd/`, `occlusion_bwd/`.
    Flow,
    /// `segmentation/`.
    Segmentation,
    /// `parts/`: characters' body parts (scenes with characters only).
    Parts,
}

impl BufferLayer {
    /// Every layer.
    pub const ALL: [BufferLayer; 7] = [
        BufferLayer::Preview,
        BufferLayer::Albedo,
        BufferLayer::Depth,
        BufferLayer::Normal,
        BufferLayer::Flow,
        BufferLayer::Segmentation,
        BufferLayer::Parts,
    ];

    /// The name used by `--buffers`.
    pub fn name(self) -> &'static str {
        match self {
            BufferLayer::Preview => "preview",
            BufferLayer::Albedo => "albedo",
            BufferLayer::Depth => "depth",
            BufferLayer::Normal => "normal",
            BufferLayer::Flow => "flow",
            BufferLayer::Segmentation => "segmentation",
            BufferLayer::Parts => "parts",
        }
    }

    /// Parses a `--buffers` name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.name() == s)
    }

    /// The files this layer writes for frame `k` (relative to the output folder).
    pub fn files(self, k: usize, wide_ids: bool) -> Vec<String> {
        let f = |dir: &str, ext: &str| format!("{dir}/{k:05}.{ext}");
        match self {
            BufferLayer::Preview => vec![f("preview", "png")],
            BufferLayer::Albedo => vec![f("albedo", "png")],
            BufferLayer::Depth => vec![f("depth", "exr"), f("depth", "png")],
            BufferLayer::Normal => vec![f("normal", "exr"), f("normal", "png")],
            BufferLayer::Flow => vec![
                f("flow_fwd", "exr"),
                f("flow_fwd", "png"),
                f("flow_bwd", "exr"),
                f("flow_bwd", "png"),
                f("occlusion_fwd", "png"),
                f("occlusion_bwd", "png"),
            ],
            BufferLayer::Segmentation => {
                vec![f("segmentation", if wide_ids { "exr" } else { "png" })]
            }
            BufferLayer::Parts => vec![f("parts", "png")],
        }
    }
}

fn rgb(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect()
}

/// The Middlebury color wheel (Baker et al., "A Database and Evaluation Methodology for
/// Optical Flow", IJCV 2011): hues in 55 steps through red, yellow, green, cyan, blue,
/// magenta. Returns linear-ish RGB in `[0, 1]` for direction `angle` (radians) and
/// relative magnitude `m` in `[0, 1]`.
pub fn flow_color(dx: f32, dy: f32, max: f32) -> [f32; 3] {
    const SEGMENTS: [(usize, [f32; 3], [f32; 3]); 6] = [
        (15, [1.0, 0.0, 0.0], [1.0, 1.0, 0.0]),
        (6, [1.0, 1.0, 0.0], [0.0, 1.0, 0.0]),
        (4, [0.0, 1.0, 0.0], [0.0, 1.0, 1.0]),
        (11, [0.0, 1.0, 1.0], [0.0, 0.0, 1.0]),
        (13, [0.0, 0.0, 1.0], [1.0, 0.0, 1.0]),
        (6, [1.0, 0.0, 1.0], [1.0, 0.0, 0.0]),
    ];
    let total: usize = SEGMENTS.iter().map(|s| s.0).sum();
    let m = if max > 0.0 {
        ((dx * dx + dy * dy).sqrt() / max).min(1.0)
    } else {
        0.0
    };
    let a = (-dy).atan2(-dx) / std::f32::consts::PI; // in [-1, 1]
    let pos = (a + 1.0) / 2.0 * total as f32;
    let mut start = 0.0;
    for (n, from, to) in SEGMENTS {
        let end = start + n as f32;
        if pos <= end || end >= total as f32 {
            let s = ((pos - start) / n as f32).clamp(0.0, 1.0);
            let c: [f32; 3] = std::array::from_fn(|i| from[i] + (to[i] - from[i]) * s);
            // Saturation grows with magnitude: white at rest.
            return c.map(|v| 1.0 - m * (1.0 - v));
        }
        start = end;
    }
    [1.0; 3]
}

fn flow_png(path: &Path, fb: &FrameBuffers, flow: &[[f32; 2]]) -> Result<(), FileError> {
    let max = flow
        .iter()
        .map(|f| (f[0] * f[0] + f[1] * f[1]).sqrt())
        .filter(|m| m.is_finite())
        .fold(0.0f32, f32::max)
        // Scale by at least a hundredth of a pixel, so a still frame's rounding noise
        // (a frame's flow against itself) shows as white, not as amplified noise.
        .max(0.01);
    let samples: Vec<u16> = flow
        .iter()
        .flat_map(|f| flow_color(f[0], f[1], max).map(|c| (c * 65535.0).round() as u16))
        .collect();
    png16(
        path,
        fb.width,
        fb.height,
        &samples,
        ExtendedColorType::Rgb16,
    )
}

/// Pixels whose surface is hidden (or out of frame) in the neighbouring frame: the
/// flow's target shows another object, or a depth that disagrees by more than 2 %.
/// `predicted_depth` is each pixel's depth in the neighbouring frame when known.
pub fn occlusion_mask(fb: &FrameBuffers, flow: &[[f32; 2]], other: &FrameBuffers) -> Vec<u8> {
    let mut out = vec![0u8; fb.segmentation.len()];
    for y in 0..fb.height {
        for x in 0..fb.width {
            let i = fb.index(x, y);
            let id = fb.segmentation[i];
            if id == 0 {
                continue;
            }
            let u = x as f32 + 0.5 + flow[i][0];
            let v = y as f32 + 0.5 + flow[i][1];
            let visible = u >= 0.0
                && v >= 0.0
                && u < other.width as f32
                && v < other.height as f32
                && other.segmentation[other.index(u as u32, v as u32)] == id;
            if !visible {
                out[i] = 255;
            }
        }
    }
    out
}

/// Writes the selected layers of frame `k`. `next` / `prev` are the neighbouring frames'
/// buffers for the occlusion masks (the frame itself at the clip's ends). The layers are
/// encoded in parallel (one thread each; the files do not depend on each other).
///
/// # Errors
/// The first layer's [`FileError`] in `layers` order; each file is written atomically.
pub fn write_frame(
    dir: &Path,
    k: usize,
    fb: &FrameBuffers,
    prev: &FrameBuffers,
    next: &FrameBuffers,
    layers: &[BufferLayer],
) -> Result<(), FileError> {
    let wide = fb.segmentation.iter().any(|&id| id > u32::from(u16::MAX));
    for layer in layers {
        for f in layer.files(k, wide) {
            if let Some(parent) = dir.join(f).parent() {
                std::fs::create_dir_all(parent).map_err(|source| FileError::Write {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
        }
    }
    let results: Vec<Result<(), FileError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = layers
            .iter()
            .map(|&layer| {
                let files = layer.files(k, wide);
                scope.spawn(move || write_layer(dir, &files, layer, fb, prev, next, wide))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(FileError::Format {
                        path: dir.to_path_buf(),
                        message: format!("encoding frame {k} failed (a thread panicked)"),
                    })
                })
            })
            .collect()
    });
    results.into_iter().collect()
}

/// Writes one layer's `files` (as [`BufferLayer::files`] names them) for a frame.
fn write_layer(
    dir: &Path,
    files: &[String],
    layer: BufferLayer,
    fb: &FrameBuffers,
    prev: &FrameBuffers,
    next: &FrameBuffers,
    wide: bool,
) -> Result<(), FileError> {
    let (w, h) = (fb.width, fb.height);
    let p = |i: usize| dir.join(&files[i]);
    match layer {
        BufferLayer::Preview => png(&p(0), w, h, &rgb(&fb.color), ExtendedColorType::Rgb8)?,
        BufferLayer::Albedo => png(&p(0), w, h, &rgb(&fb.albedo), ExtendedColorType::Rgb8)?,
        BufferLayer::Depth => {
            exr(&p(0), w, h, vec![("Z", FlatSamples::F32(fb.depth.clone()))])?;
            let near = fb
                .depth
                .iter()
                .copied()
                .filter(|d| d.is_finite())
                .fold(f32::MAX, f32::min);
            let view: Vec<u16> = fb
                .depth
                .iter()
                .map(|d| {
                    if d.is_finite() {
                        (65535.0 * near / d).round().clamp(0.0, 65535.0) as u16
                    } else {
                        0
                    }
                })
                .collect();
            png16(&p(1), w, h, &view, ExtendedColorType::L16)?;
        }
        BufferLayer::Normal => {
            let ch = |c: usize| FlatSamples::F32(fb.normal.iter().map(|n| n[c]).collect());
            exr(&p(0), w, h, vec![("R", ch(0)), ("G", ch(1)), ("B", ch(2))])?;
            let view: Vec<u8> = fb
                .normal
                .iter()
                .zip(&fb.segmentation)
                .flat_map(|(n, id)| {
                    if *id == 0 {
                        [0; 3]
                    } else {
                        n.map(|c| ((c + 1.0) * 127.5).round().clamp(0.0, 255.0) as u8)
                    }
                })
                .collect();
            png(&p(1), w, h, &view, ExtendedColorType::Rgb8)?;
        }
        BufferLayer::Flow => {
            for (i, flow) in [(0, &fb.flow_fwd), (2, &fb.flow_bwd)] {
                let ch = |c: usize| FlatSamples::F32(flow.iter().map(|f| f[c]).collect());
                exr(&p(i), w, h, vec![("X", ch(0)), ("Y", ch(1))])?;
                flow_png(&p(i + 1), fb, flow)?;
            }
            png(
                &p(4),
                w,
                h,
                &occlusion_mask(fb, &fb.flow_fwd, next),
                ExtendedColorType::L8,
            )?;
            png(
                &p(5),
                w,
                h,
                &occlusion_mask(fb, &fb.flow_bwd, prev),
                ExtendedColorType::L8,
            )?;
        }
        BufferLayer::Segmentation => {
            if wide {
                exr(
                    &p(0),
                    w,
                    h,
                    vec![("id", FlatSamples::U32(fb.segmentation.clone()))],
                )?;
            } else {
                let ids: Vec<u16> = fb.segmentation.iter().map(|&id| id as u16).collect();
                png16(&p(0), w, h, &ids, ExtendedColorType::L16)?;
            }
        }
        BufferLayer::Parts => {
            // Read with the segmentation when the scene has characters; zeros otherwise.
            let parts = if fb.parts.len() == fb.segmentation.len() {
                fb.parts.clone()
            } else {
                vec![0; fb.segmentation.len()]
            };
            png(&p(0), w, h, &parts, ExtendedColorType::L8)?;
        }
    }
    Ok(())
}

/// Per-object pixel statistics of a frame: visible pixel count and the 2-D bounding box
/// `[x_min, y_min, x_max, y_max]` in pixels (inclusive), `None` when not visible.
pub fn object_stats(fb: &FrameBuffers, entities: usize) -> super::FrameStats {
    let mut out: super::FrameStats = vec![(0, None); entities];
    for y in 0..fb.height {
        for x in 0..fb.width {
            let id = fb.segmentation[fb.index(x, y)] as usize;
            if id == 0 || id > entities {
                continue;
            }
            let s = &mut out[id - 1];
            s.0 += 1;
            s.1 = Some(match s.1 {
                None => [x, y, x, y],
                Some([a, b, c, d]) => [a.min(x), b.min(y), c.max(x), d.max(y)],
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn color_wheel_is_white_at_rest_and_saturated_at_max() {
        assert_eq!(flow_color(0.0, 0.0, 1.0), [1.0; 3]);
        // Middlebury: motion to the right is red, to the left cyan.
        let right = flow_color(1.0, 0.0, 1.0);
        assert!(
            right[0] > 0.99 && right[1] < 0.01 && right[2] < 0.01,
            "{right:?}"
        );
        let left = flow_color(-1.0, 0.0, 1.0);
        assert!(left[0] < 0.01 && left[1] > 0.5 && left[2] > 0.5, "{left:?}");
    }
}
