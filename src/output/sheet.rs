//! Contact sheets: one PNG grid of sampled frames, so a person can compare looks at a
//! glance. Rows are layers (the preview, then depth, flow and segmentation views when
//! they were rendered), columns are frames evenly spaced over the clip.

use std::path::Path;

use image::{RgbImage, imageops};

use super::BufferLayer;
use crate::files::{FileError, write_atomic};

/// Widest tile, pixels; larger frames are scaled down.
const TILE_MAX_WIDTH: u32 = 320;
/// Space between tiles, pixels.
const GAP: u32 = 4;
/// Background between tiles.
const PAPER: image::Rgb<u8> = image::Rgb([24, 24, 24]);

/// `count` frame indices spread evenly over `0..n`, first and last included.
pub fn sample_frames(n: usize, count: usize) -> Vec<usize> {
    if n == 0 || count == 0 {
        return Vec::new();
    }
    let count = count.min(n);
    if count == 1 {
        return vec![0];
    }
    let mut out: Vec<usize> = (0..count)
        .map(|i| ((i * (n - 1)) as f64 / (count - 1) as f64).round() as usize)
        .collect();
    out.dedup();
    out
}

/// Builds the contact sheet of an output folder from the files on disk: `columns`
/// sampled frames of the `n`-frame clip; a row per rendered layer among preview, depth,
/// forward flow, segmentation and body parts.
///
/// # Errors
/// [`FileError::Format`] when a frame file is missing or unreadable.
pub fn contact_sheet(
    out: &Path,
    n: usize,
    layers: &[BufferLayer],
    columns: usize,
) -> Result<RgbImage, FileError> {
    let frames = sample_frames(n, columns);
    let rows: Vec<(&str, &str)> = [
        (BufferLayer::Preview, "preview", "png"),
        (BufferLayer::Depth, "depth", "png"),
        (BufferLayer::Flow, "flow_fwd", "png"),
        (BufferLayer::Segmentation, "segmentation", "png"),
        (BufferLayer::Parts, "parts", "png"),
    ]
    .into_iter()
    .filter(|(l, _, _)| layers.contains(l))
    .map(|(_, dir, ext)| (dir, ext))
    .collect();
    let mut grid = Vec::new();
    let mut labels = Vec::new();
    for (dir, ext) in rows {
        labels.push(dir.replace('_', " "));
        let mut row = Vec::new();
        for &k in &frames {
            let path = out.join(format!("{dir}/{k:05}.{ext}"));
            let img = image::open(&path).map_err(|e| FileError::Format {
                path: path.clone(),
                message: format!("cannot read a frame for the contact sheet: {e}"),
            })?;
            row.push(if dir == "segmentation" || dir == "parts" {
                colorize_ids(&img.to_luma16())
            } else {
                img.to_rgb8()
            });
        }
        grid.push(row);
    }
    grid_image(&grid, &labels)
}

/// Width of the label column, pixels.
pub const LABEL_WIDTH: u32 = 180;

/// Lays out rows of images as one grid, each tile scaled to at most
/// [`TILE_MAX_WIDTH`] wide, with each row's label in a column on the left.
///
/// # Errors
/// [`FileError::Plot`] if a label cannot be drawn.
pub fn grid_image(rows: &[Vec<RgbImage>], labels: &[String]) -> Result<RgbImage, FileError> {
    let Some(first) = rows.iter().flatten().next() else {
        return Ok(RgbImage::from_pixel(1, 1, PAPER));
    };
    let scale = (f64::from(TILE_MAX_WIDTH) / f64::from(first.width().max(1))).min(1.0);
    let tw = ((f64::from(first.width()) * scale).round() as u32).max(1);
    let th = ((f64::from(first.height()) * scale).round() as u32).max(1);
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0) as u32;
    let w = LABEL_WIDTH + GAP + cols * (tw + GAP);
    let h = GAP + rows.len() as u32 * (th + GAP);
    let mut sheet = RgbImage::from_pixel(w, h, PAPER);
    for (r, row) in rows.iter().enumerate() {
        let y = GAP + r as u32 * (th + GAP);
        if let Some(label) = labels.get(r) {
            let strip = super::plot::text_strip(label, LABEL_WIDTH, th)?;
            imageops::replace(&mut sheet, &strip, 0, i64::from(y));
        }
        for (c, tile) in row.iter().enumerate() {
            let tile = if tile.dimensions() == (tw, th) {
                tile.clone()
            } else {
                imageops::resize(tile, tw, th, imageops::FilterType::Triangle)
            };
            let x = LABEL_WIDTH + GAP + c as u32 * (tw + GAP);
            imageops::replace(&mut sheet, &tile, i64::from(x), i64::from(y));
        }
    }
    Ok(sheet)
}

/// Instance ids as distinct colors (a golden-ratio hue walk), background black.
fn colorize_ids(ids: &image::ImageBuffer<image::Luma<u16>, Vec<u16>>) -> RgbImage {
    RgbImage::from_fn(ids.width(), ids.height(), |x, y| {
        let id = ids.get_pixel(x, y)[0];
        if id == 0 {
            return image::Rgb([0, 0, 0]);
        }
        let hue = (f64::from(id) * 0.618_033_988_75).fract() * 6.0;
        let f = hue.fract();
        let (a, b) = ((255.0 * (1.0 - f)) as u8, (255.0 * f) as u8);
        image::Rgb(match hue as u32 {
            0 => [255, b, 40],
            1 => [a, 255, 40],
            2 => [40, 255, b],
            3 => [40, a, 255],
            4 => [b, 40, 255],
            _ => [255, 40, a],
        })
    })
}

/// Writes an RGB image as PNG, atomically.
///
/// # Errors
/// [`FileError`] when encoding or writing fails.
pub fn write_png_rgb(path: &Path, img: &RgbImage) -> Result<(), FileError> {
    let mut bytes = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .map_err(|e| FileError::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    write_atomic(path, &bytes)
}
