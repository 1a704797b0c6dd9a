//! Reading image maps: PNG and JPEG files -> RGBA8 [`Texture`]s with their mip chains.
//!
//! The format is decided by the file's magic bytes, never by its name; a name whose
//! extension says another image format than the bytes hold is refused (a lying file).
//! Limits are refused from the header, before anything is decoded: a side past
//! [`MAX_TEXTURE_SIDE`], a 1×1 map (a constant: the material's color says it better), or
//! texel memory (all levels, all maps of a scene) past [`MAX_TEXTURE_BYTES`], which a
//! [`TextureBudget`] counts across loads. 8- and 16-bit gray, gray-alpha, RGB and RGBA
//! all become RGBA8 (16-bit values keep their high byte, rounded).
//!
//! Mip chain: each level halves each side, `max(1, s / 2)`, down to 1×1. A texel of the
//! next level is the box-filtered mean of the 2×2 block at `(2x, 2y)` above it; on an odd
//! side the last texel of the row (column) also takes the leftover third texel, so it
//! averages a 3-wide (3-tall) block and no texel is dropped; a side already 1 averages
//! only along the other axis. [`ColorSpace::Srgb`] maps are averaged in linear light
//! (decoded with the sRGB transfer function, averaged, re-encoded and rounded);
//! [`ColorSpace::Linear`] maps average the stored values. Alpha is always linear.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use image::ImageFormat;

use super::{ColorSpace, Mip, Texture};
use crate::math::{linear_to_srgb8, srgb8_to_linear};

/// Largest width or height of a map, texels.
pub const MAX_TEXTURE_SIDE: u32 = 8192;

/// Most texel memory (RGBA8, every mip level) of all the maps one scene loads, bytes.
pub const MAX_TEXTURE_BYTES: u64 = 512 * 1024 * 1024;

/// Largest map file read, bytes (a compressed file cannot usefully be larger than its
/// texels).
pub const MAX_TEXTURE_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Why a map could not be loaded. Every message names the file as written.
#[derive(Debug, thiserror::Error)]
pub enum TextureError {
    /// The file is missing or unreadable.
    #[error("cannot read texture \"{shown}\": {source}")]
    Read {
        /// The path as written.
        shown: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The bytes are not a PNG or JPEG image, disagree with the name, or do not decode.
    #[error("texture \"{shown}\": {message}")]
    Invalid {
        /// The path as written.
        shown: String,
        /// What is wrong, expected vs found.
        message: String,
    },
    /// Past a size limit, refused before decoding.
    #[error("texture \"{shown}\": {message}")]
    TooLarge {
        /// The path as written.
        shown: String,
        /// Which limit and by how much.
        message: String,
    },
    /// A 1×1 map.
    #[error(
        "texture \"{shown}\" is 1×1, a single color: use the material's color instead of a map"
    )]
    SingleTexel {
        /// The path as written.
        shown: String,
    },
}

/// The texel memory all of one scene's maps may use, and the maps already loaded (the
/// same file in the same color space loads once and is shared).
#[derive(Debug, Default)]
pub struct TextureBudget {
    used: u64,
    loaded: HashMap<(PathBuf, ColorSpace), Arc<Texture>>,
    files: BTreeMap<PathBuf, blake3::Hash>,
}

impl TextureBudget {
    /// Texel bytes (all levels) of the maps loaded so far.
    pub fn used(&self) -> u64 {
        self.used
    }

    /// Every file read, by resolved path, with the blake3 hash of its bytes, in path order
    /// (for a scene's content hash).
    pub fn files(&self) -> impl Iterator<Item = (&Path, &blake3::Hash)> {
        self.files.iter().map(|(p, h)| (p.as_path(), h))
    }
}

/// Bytes of RGBA8 texels in a full mip chain of a `width × height` level 0.
pub fn chain_bytes(width: u32, height: u32) -> u64 {
    let (mut w, mut h) = (u64::from(width.max(1)), u64::from(height.max(1)));
    let mut total = 0;
    loop {
        total += w * h * 4;
        if w == 1 && h == 1 {
            return total;
        }
        w = (w / 2).max(1);
        h = (h / 2).max(1);
    }
}

fn format_name(f: ImageFormat) -> String {
    format!("{f:?}").to_ascii_uppercase()
}

/// A PNG's size from its IHDR chunk (the first chunk, bytes 16..24), read without the
/// decoder so that a header claiming a huge image is refused even if nothing follows it.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(bytes.get(16..20)?.try_into().ok()?);
    let h = u32::from_be_bytes(bytes.get(20..24)?.try_into().ok()?);
    Some((w, h))
}

/// Reads the PNG or JPEG map at `file` (`shown` is the path as written, for messages)
/// as `space`, with its full mip chain, counting its texels against `budget`. Loading
/// the same file in the same color space again returns the same [`Arc`].
///
/// # Errors
/// [`TextureError`] naming `shown`: a missing or unreadable file, bytes that are not PNG
/// or JPEG or that contradict the file's extension, a header past [`MAX_TEXTURE_SIDE`]
/// or the budget's [`MAX_TEXTURE_BYTES`], a 1×1 image, or a truncated or corrupt file.
pub fn load(
    file: &Path,
    shown: &str,
    space: ColorSpace,
    budget: &mut TextureBudget,
) -> Result<Arc<Texture>, TextureError> {
    let read_err = |source| TextureError::Read {
        shown: shown.to_string(),
        source,
    };
    let key_path = file.canonicalize().map_err(read_err)?;
    if let Some(t) = budget.loaded.get(&(key_path.clone(), space)) {
        return Ok(t.clone());
    }
    let too_large = |message: String| TextureError::TooLarge {
        shown: shown.to_string(),
        message,
    };
    let len = std::fs::metadata(&key_path).map_err(read_err)?.len();
    if len > MAX_TEXTURE_FILE_BYTES {
        return Err(too_large(format!(
            "the file is {len} bytes, more than the limit of {MAX_TEXTURE_FILE_BYTES}"
        )));
    }
    let bytes = std::fs::read(&key_path).map_err(read_err)?;
    let named = file
        .extension()
        .and_then(|e| e.to_str())
        .and_then(ImageFormat::from_extension);
    from_bytes(&bytes, key_path, named, shown, space, budget)
}

/// [`load`] for an image already in memory (one embedded in a glTF file's buffer):
/// `key` identifies it for reuse (a path that need not exist, such as
/// `model.glb#images[0]`), `named` is the format its name or MIME type claims, if any.
///
/// # Errors
/// As [`load`], past reading the file.
pub fn from_bytes(
    bytes: &[u8],
    key_path: std::path::PathBuf,
    named: Option<ImageFormat>,
    shown: &str,
    space: ColorSpace,
    budget: &mut TextureBudget,
) -> Result<Arc<Texture>, TextureError> {
    if let Some(t) = budget.loaded.get(&(key_path.clone(), space)) {
        return Ok(t.clone());
    }
    let invalid = |message: String| TextureError::Invalid {
        shown: shown.to_string(),
        message,
    };
    let too_large = |message: String| TextureError::TooLarge {
        shown: shown.to_string(),
        message,
    };
    if bytes.len() as u64 > MAX_TEXTURE_FILE_BYTES {
        return Err(too_large(format!(
            "the image is {} bytes, more than the limit of {MAX_TEXTURE_FILE_BYTES}",
            bytes.len()
        )));
    }
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Png | ImageFormat::Jpeg)) => f,
        Ok(other) => {
            return Err(invalid(format!(
                "its bytes are a {} image; textures must be PNG or JPEG",
                format_name(other)
            )));
        }
        Err(_) if bytes.is_empty() => return Err(invalid("the file is empty".into())),
        Err(_) => {
            return Err(invalid(
                "its bytes are not a PNG or JPEG image (no PNG or JPEG signature)".into(),
            ));
        }
    };
    if let Some(named) = named
        && named != format
    {
        return Err(invalid(format!(
            "the name says {} but its bytes are a {} image; rename or re-export it",
            format_name(named),
            format_name(format)
        )));
    }
    let header = match format {
        ImageFormat::Png => png_size(bytes).ok_or_else(|| "no IHDR chunk first".to_string()),
        _ => image::ImageReader::with_format(Cursor::new(bytes), format)
            .into_dimensions()
            .map_err(|e| e.to_string()),
    };
    let (width, height) =
        header.map_err(|e| invalid(format!("cannot read its header (truncated?): {e}")))?;
    if width > MAX_TEXTURE_SIDE || height > MAX_TEXTURE_SIDE {
        return Err(too_large(format!(
            "its header says {width}×{height}; the largest side allowed is {MAX_TEXTURE_SIDE}"
        )));
    }
    if width == 0 || height == 0 {
        return Err(invalid(format!("its header says {width}×{height}")));
    }
    if width == 1 && height == 1 {
        return Err(TextureError::SingleTexel {
            shown: shown.to_string(),
        });
    }
    let need = chain_bytes(width, height);
    if budget.used + need > MAX_TEXTURE_BYTES {
        return Err(too_large(format!(
            "its {width}×{height} texels with mips need {need} bytes; with the {} bytes of the \
             maps before it that passes the limit of {MAX_TEXTURE_BYTES} bytes for all maps",
            budget.used
        )));
    }
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_TEXTURE_SIDE);
    limits.max_image_height = Some(MAX_TEXTURE_SIDE);
    // A 16-bit RGBA level 0 plus its conversion to 8 bits, with room to spare.
    limits.max_alloc = Some(u64::from(width) * u64::from(height) * 16 + (1 << 20));
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|e| invalid(format!("cannot decode it (truncated or corrupt?): {e}")))?;
    let rgba = img.to_rgba8();
    let top = Mip {
        width,
        height,
        texels: rgba.pixels().map(|p| p.0).collect(),
    };
    let texture = Arc::new(Texture {
        name: shown.to_string(),
        color_space: space,
        mips: mip_chain(top, space),
    });
    budget.used += need;
    budget.files.insert(key_path.clone(), blake3::hash(bytes));
    budget.loaded.insert((key_path, space), texture.clone());
    Ok(texture)
}

/// `top` followed by every smaller level down to 1×1 (see the module's filter).
pub fn mip_chain(top: Mip, space: ColorSpace) -> Vec<Mip> {
    let mut mips = vec![top];
    while let Some(last) = mips.last() {
        if last.width <= 1 && last.height <= 1 {
            break;
        }
        let next = downsample(last, space);
        mips.push(next);
    }
    mips
}

/// The source indices one output index covers along a side of `n` halved to `n2`.
fn span(i: u32, n: u32, n2: u32) -> std::ops::Range<u32> {
    if n == 1 {
        return 0..1;
    }
    let start = 2 * i;
    let end = if i + 1 == n2 { n } else { start + 2 };
    start..end
}

fn downsample(m: &Mip, space: ColorSpace) -> Mip {
    let (w2, h2) = ((m.width / 2).max(1), (m.height / 2).max(1));
    let decode = |c: u8, ch: usize| match (space, ch) {
        (ColorSpace::Srgb, 0..=2) => srgb8_to_linear(c),
        _ => f32::from(c) / 255.0,
    };
    let encode = |v: f32, ch: usize| match (space, ch) {
        (ColorSpace::Srgb, 0..=2) => linear_to_srgb8(v),
        _ => (v.clamp(0.0, 1.0) * 255.0).round() as u8,
    };
    let mut texels = Vec::with_capacity(w2 as usize * h2 as usize);
    for y in 0..h2 {
        for x in 0..w2 {
            let mut sum = [0.0f32; 4];
            let mut n = 0.0f32;
            for sy in span(y, m.height, h2) {
                for sx in span(x, m.width, w2) {
                    let t = m.texels[(sy * m.width + sx) as usize];
                    for (ch, s) in sum.iter_mut().enumerate() {
                        *s += decode(t[ch], ch);
                    }
                    n += 1.0;
                }
            }
            texels.push(std::array::from_fn(|ch| encode(sum[ch] / n, ch)));
        }
    }
    Mip {
        width: w2,
        height: h2,
        texels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_png(dir: &Path, name: &str, img: image::DynamicImage) -> PathBuf {
        let p = dir.join(name);
        img.save_with_format(&p, ImageFormat::Png).unwrap();
        p
    }

    fn gradient(w: u32, h: u32) -> image::RgbaImage {
        image::RgbaImage::from_fn(w, h, |x, y| {
            image::Rgba([
                (x * 255 / w.max(2)) as u8,
                (y * 255 / h.max(2)) as u8,
                ((x * 37 + y * 91) % 256) as u8,
                255 - (x % 7) as u8,
            ])
        })
    }

    #[test]
    fn png_round_trips_texel_for_texel() {
        let dir = tempfile::tempdir().unwrap();
        let src = gradient(6, 4);
        let p = write_png(dir.path(), "g.png", src.clone().into());
        let mut budget = TextureBudget::default();
        let t = load(&p, "g.png", ColorSpace::Srgb, &mut budget).unwrap();
        assert_eq!(t.size(), (6, 4));
        assert_eq!(t.name, "g.png");
        let want: Vec<[u8; 4]> = src.pixels().map(|p| p.0).collect();
        assert_eq!(t.mips[0].texels, want);
        let sizes: Vec<(u32, u32)> = t.mips.iter().map(|m| (m.width, m.height)).collect();
        assert_eq!(sizes, vec![(6, 4), (3, 2), (1, 1)]);
        assert_eq!(budget.used(), chain_bytes(6, 4));
        assert_eq!(chain_bytes(6, 4), (24 + 6 + 1) * 4);
    }

    #[test]
    fn gray_16_bit_and_gray_alpha_become_rgba8() {
        let dir = tempfile::tempdir().unwrap();
        let g16 = image::ImageBuffer::<image::Luma<u16>, _>::from_fn(2, 2, |x, y| {
            image::Luma([(x * 40_000 + y * 1000) as u16])
        });
        let p = write_png(dir.path(), "g16.png", g16.into());
        let mut budget = TextureBudget::default();
        let t = load(&p, "g16.png", ColorSpace::Linear, &mut budget).unwrap();
        // 40 000 / 65 535 · 255 = 155.6.
        let [r, g, b, a] = t.mips[0].texels[1];
        assert!((155..=156).contains(&r), "{r}");
        assert_eq!((r, r, 255), (g, b, a));
        let la = image::GrayAlphaImage::from_fn(2, 1, |x, _| image::LumaA([200, 10 + x as u8]));
        let p = write_png(dir.path(), "la.png", la.into());
        let t = load(&p, "la.png", ColorSpace::Linear, &mut budget).unwrap();
        assert_eq!(
            t.mips[0].texels,
            vec![[200, 200, 200, 10], [200, 200, 200, 11]]
        );
    }

    #[test]
    fn jpeg_loads_by_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("flat.jpg");
        let img = image::RgbImage::from_pixel(8, 8, image::Rgb([120, 60, 200]));
        img.save_with_format(&p, ImageFormat::Jpeg).unwrap();
        let mut budget = TextureBudget::default();
        let t = load(&p, "flat.jpg", ColorSpace::Srgb, &mut budget).unwrap();
        let [r, g, b, a] = t.mips[0].texels[27];
        // JPEG is lossy: a flat color comes back within a few codes.
        for (got, want) in [(r, 120), (g, 60), (b, 200)] {
            assert!(got.abs_diff(want) <= 4, "{got} vs {want}");
        }
        assert_eq!(a, 255);
    }

    fn linear_mean(m: &Mip, space: ColorSpace) -> [f64; 4] {
        let mut s = [0.0f64; 4];
        for t in &m.texels {
            for ch in 0..4 {
                let v = match (space, ch) {
                    (ColorSpace::Srgb, 0..=2) => srgb8_to_linear(t[ch]),
                    _ => f32::from(t[ch]) / 255.0,
                };
                s[ch] += f64::from(v);
            }
        }
        s.map(|v| v / m.texels.len() as f64)
    }

    #[test]
    fn mip_chain_preserves_the_mean_in_linear_light() {
        // A black/white checker: its sRGB-code mean is 127.5, its linear mean 0.5; a
        // filter in sRGB codes would give code 128 (linear 0.216).
        let texels = (0..64u32)
            .flat_map(|y| {
                (0..64u32).map(move |x| {
                    if (x + y) % 2 == 0 {
                        [0, 0, 0, 255]
                    } else {
                        [255; 4]
                    }
                })
            })
            .collect();
        let top = Mip {
            width: 64,
            height: 64,
            texels,
        };
        for space in [ColorSpace::Srgb, ColorSpace::Linear] {
            let mips = mip_chain(top.clone(), space);
            assert_eq!(mips.len(), 7);
            let want = linear_mean(&mips[0], space);
            for m in &mips[1..] {
                let got = linear_mean(m, space);
                for ch in 0..4 {
                    // One 8-bit code near 0.5 is < 0.004 in linear light.
                    assert!(
                        (got[ch] - want[ch]).abs() < 0.004,
                        "{space:?} {ch}: {got:?} {want:?}"
                    );
                }
            }
        }
        let g = gradient(32, 16);
        let top = Mip {
            width: 32,
            height: 16,
            texels: g.pixels().map(|p| p.0).collect(),
        };
        let mips = mip_chain(top, ColorSpace::Srgb);
        let want = linear_mean(&mips[0], ColorSpace::Srgb);
        let last = mips.last().unwrap();
        assert_eq!((last.width, last.height), (1, 1));
        let got = linear_mean(last, ColorSpace::Srgb);
        for ch in 0..4 {
            assert!((got[ch] - want[ch]).abs() < 0.01, "{ch}: {got:?} {want:?}");
        }
    }

    #[test]
    fn odd_sides_average_every_texel() {
        let top = Mip {
            width: 3,
            height: 1,
            texels: vec![[30, 0, 0, 0], [60, 0, 0, 0], [90, 0, 0, 0]],
        };
        let mips = mip_chain(top, ColorSpace::Linear);
        assert_eq!(mips[1].texels, vec![[60, 0, 0, 0]]);
    }

    #[test]
    fn same_file_same_space_is_one_arc() {
        let dir = tempfile::tempdir().unwrap();
        let p = write_png(dir.path(), "a.png", gradient(4, 4).into());
        let mut budget = TextureBudget::default();
        let a = load(&p, "a.png", ColorSpace::Srgb, &mut budget).unwrap();
        let b = load(
            &dir.path().join("./a.png"),
            "./a.png",
            ColorSpace::Srgb,
            &mut budget,
        )
        .unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(budget.used(), chain_bytes(4, 4), "counted once");
        let c = load(&p, "a.png", ColorSpace::Linear, &mut budget).unwrap();
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(budget.files().count(), 1);
    }

    fn err(p: &Path, shown: &str) -> String {
        load(p, shown, ColorSpace::Srgb, &mut TextureBudget::default())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn bad_files_name_themselves_and_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let e = err(&d.join("none.png"), "none.png");
        assert!(
            e.contains("\"none.png\"") && e.contains("cannot read"),
            "{e}"
        );

        let good = write_png(d, "good.png", gradient(16, 16).into());
        let bytes = std::fs::read(&good).unwrap();
        std::fs::write(d.join("cut.png"), &bytes[..bytes.len() / 2]).unwrap();
        let e = err(&d.join("cut.png"), "cut.png");
        assert!(e.contains("\"cut.png\"") && e.contains("decode"), "{e}");

        std::fs::write(d.join("text.png"), b"hello, not an image").unwrap();
        let e = err(&d.join("text.png"), "text.png");
        assert!(
            e.contains("\"text.png\"") && e.contains("not a PNG or JPEG"),
            "{e}"
        );

        let jpg = d.join("real.jpg");
        image::RgbImage::from_pixel(4, 4, image::Rgb([1, 2, 3]))
            .save_with_format(&jpg, ImageFormat::Jpeg)
            .unwrap();
        std::fs::copy(&jpg, d.join("liar.png")).unwrap();
        let e = err(&d.join("liar.png"), "liar.png");
        assert!(
            e.contains("\"liar.png\"") && e.contains("name says PNG") && e.contains("JPEG"),
            "{e}"
        );

        // A valid PNG header claiming 100 000 × 100 000, and nothing after it.
        let mut huge = bytes[..33].to_vec();
        huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32(&huge[12..29]);
        huge[29..33].copy_from_slice(&crc.to_be_bytes());
        std::fs::write(d.join("huge.png"), &huge).unwrap();
        let e = err(&d.join("huge.png"), "huge.png");
        assert!(
            e.contains("\"huge.png\"") && e.contains("100000×100000") && e.contains("8192"),
            "{e}"
        );

        let one = write_png(d, "one.png", image::RgbaImage::new(1, 1).into());
        let e = err(&one, "one.png");
        assert!(
            e.contains("\"one.png\"") && e.contains("material's color"),
            "{e}"
        );
    }

    #[test]
    fn the_budget_refuses_before_decoding() {
        let dir = tempfile::tempdir().unwrap();
        let p = write_png(dir.path(), "b.png", gradient(4, 4).into());
        let mut budget = TextureBudget {
            used: MAX_TEXTURE_BYTES - 10,
            ..Default::default()
        };
        let e = load(&p, "b.png", ColorSpace::Srgb, &mut budget)
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"b.png\"") && e.contains("limit"), "{e}");
        assert_eq!(budget.used(), MAX_TEXTURE_BYTES - 10);
    }

    /// CRC-32 (ISO 3309, as PNG uses), for the hand-made header.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut c = 0xffff_ffffu32;
        for &b in bytes {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
}
