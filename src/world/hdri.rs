//! Equirectangular HDR images: loading and checking `.hdr` (Radiance RGBE) and `.exr`,
//! and writing `.hdr`.
//!
//! The format is chosen by the file's first bytes, never its name: `#?RADIANCE` or
//! `#?RGBE` is a Radiance picture, `76 2f 31 01` an OpenEXR file. Images are read as
//! linear radiance, rows from the top (the zenith, `v = 0`), columns from north (`u = 0`)
//! toward east (see [`super`]'s conventions).
//!
//! Radiance RGBE (Ward 1991, "Real Pixels", Graphics Gems II): a text header ended by an
//! empty line, a resolution line `-Y <height> +X <width>`, then scanlines of 4-byte
//! pixels `(R, G, B, E)` meaning `(c + 0.5) · 2^(E − 136)` (`E = 0` is black), each
//! scanline either flat or run-length encoded per component (the "new" RLE: the bytes
//! `2 2 hi lo` then runs `n > 128` of one byte repeated `n − 128` times, or literals of
//! `n` bytes). `EXPOSURE=` header lines divide the pixels, as the format says. The
//! reader checks the header before allocating: sides at most [`MAX_SIDE`], at most
//! [`MAX_TEXELS`] texels, at least [`MIN_SIZE`]; a file that ends early is refused.
//!
//! OpenEXR: read with the `exr` crate (first layer with R, G, B channels, any sample
//! type), its header checked against the same limits first.
//!
//! Every texel must be finite and non-negative: the first that is not is named (x, y).

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use glam::Vec3;

use super::{EnvMap, HdriSpec};

/// The largest side an environment image may have, texels.
pub const MAX_SIDE: u32 = 16_384;

/// The most texels an environment image may have (64 Mpx).
pub const MAX_TEXELS: u64 = 64 * 1024 * 1024;

/// The smallest image that can light anything: width, height.
pub const MIN_SIZE: (u32, u32) = (8, 4);

/// The image rotated by `spec.rotate_deg`, scaled by `spec.intensity`, plus `extra`
/// radiance everywhere. Rotation is about +Y: the image's north (its `u = 0` column)
/// turns toward east, to azimuth `rotate_deg`; columns are resampled linearly.
pub fn orient(spec: &HdriSpec, extra: Vec3) -> EnvMap {
    let img = &spec.image;
    let (w, h) = (img.width, img.height);
    let shift = (spec.rotate_deg / 360.0).rem_euclid(1.0) * w as f32;
    let mut texels = Vec::with_capacity(w as usize * h as usize);
    for y in 0..h {
        for x in 0..w {
            // Output column x looks at azimuth u; the image column there is u − rotation.
            let fx = x as f32 - shift;
            let x0 = fx.floor();
            let t = fx - x0;
            let x0 = x0 as i64;
            let c = img
                .texel(x0, i64::from(y))
                .lerp(img.texel(x0 + 1, i64::from(y)), t);
            texels.push(c * spec.intensity + extra);
        }
    }
    EnvMap {
        width: w,
        height: h,
        texels,
    }
}

/// Reads an equirectangular HDR image: Radiance RGBE (`.hdr`) or OpenEXR (`.exr`), chosen
/// by the file's magic bytes, not its name. `shown` is the path as written, for messages.
///
/// # Errors
/// A message naming `shown` for a missing or unreadable file, a file that is not what
/// its extension says, a header past the size limits, a truncated file, NaN, infinite or
/// negative radiance, or an image too small to light anything.
pub fn load(file: &std::path::Path, shown: &str) -> Result<EnvMap, String> {
    let mut head = [0u8; 16];
    let n = {
        let mut f = std::fs::File::open(file).map_err(|e| {
            format!(
                "environment map {shown}: cannot open {}: {e}",
                file.display()
            )
        })?;
        read_up_to(&mut f, &mut head)
            .map_err(|e| format!("environment map {shown}: cannot read: {e}"))?
    };
    let head = &head[..n];
    let map = if head.starts_with(b"#?RADIANCE") || head.starts_with(b"#?RGBE") {
        let f = std::fs::File::open(file)
            .map_err(|e| format!("environment map {shown}: cannot open: {e}"))?;
        read_rgbe(&mut BufReader::new(f), shown)?
    } else if head.starts_with(&[0x76, 0x2f, 0x31, 0x01]) {
        read_exr(file, shown)?
    } else {
        return Err(format!(
            "environment map {shown}: {}; expected a Radiance .hdr (starting \"#?RADIANCE\") \
             or an OpenEXR .exr",
            what_it_is(head)
        ));
    };
    check_radiance(&map, shown)?;
    Ok(map)
}

/// Fills as much of `buf` as the reader has.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Names a file's format from its first bytes, for messages.
fn what_it_is(head: &[u8]) -> String {
    if head.is_empty() {
        "the file is empty".into()
    } else if head.starts_with(b"\x89PNG") {
        "the file is a PNG image, not an HDR image".into()
    } else if head.starts_with(&[0xff, 0xd8, 0xff]) {
        "the file is a JPEG image, not an HDR image".into()
    } else if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        "the file is a TIFF image, not an HDR image".into()
    } else {
        "the file is neither a Radiance picture nor an OpenEXR file".into()
    }
}

/// Refuses sizes past the limits, before anything is allocated.
fn check_size(w: u64, h: u64, shown: &str) -> Result<(), String> {
    if w > u64::from(MAX_SIDE) || h > u64::from(MAX_SIDE) || w * h > MAX_TEXELS {
        return Err(format!(
            "environment map {shown}: {w} × {h} texels is too large; expected sides at most \
             {MAX_SIDE} and at most {} Mpx",
            MAX_TEXELS / (1024 * 1024)
        ));
    }
    if w < u64::from(MIN_SIZE.0) || h < u64::from(MIN_SIZE.1) {
        return Err(format!(
            "environment map {shown}: {w} × {h} texels is too small to light a scene; \
             expected at least {} × {}",
            MIN_SIZE.0, MIN_SIZE.1
        ));
    }
    Ok(())
}

/// Refuses NaN, infinite or negative radiance, naming the first bad texel.
fn check_radiance(map: &EnvMap, shown: &str) -> Result<(), String> {
    let bad = map
        .texels
        .iter()
        .position(|c| !c.is_finite() || c.min_element() < 0.0);
    match bad {
        Some(i) => {
            let w = map.width.max(1) as usize;
            Err(format!(
                "environment map {shown}: texel (x {}, y {}) has radiance {}; expected finite, \
                 non-negative values",
                i % w,
                i / w,
                map.texels[i]
            ))
        }
        None => Ok(()),
    }
}

/// Reads one header line (without its newline), at most 4 KiB.
fn header_line(r: &mut impl BufRead, shown: &str) -> Result<String, String> {
    let mut line = Vec::new();
    r.by_ref()
        .take(4096)
        .read_until(b'\n', &mut line)
        .map_err(|e| format!("environment map {shown}: cannot read the header: {e}"))?;
    if line.last() != Some(&b'\n') {
        return Err(format!(
            "environment map {shown}: the Radiance header is truncated or has a line over 4 KiB"
        ));
    }
    line.pop();
    Ok(String::from_utf8_lossy(&line)
        .trim_end_matches('\r')
        .to_string())
}

/// Reads a Radiance RGBE picture (Ward 1991).
fn read_rgbe(r: &mut impl BufRead, shown: &str) -> Result<EnvMap, String> {
    let mut exposure = 1.0_f64;
    let first = header_line(r, shown)?;
    if !first.starts_with("#?") {
        return Err(format!("environment map {shown}: not a Radiance picture"));
    }
    loop {
        let line = header_line(r, shown)?;
        if line.is_empty() {
            break;
        }
        if let Some(f) = line.strip_prefix("FORMAT=") {
            if f.trim() != "32-bit_rle_rgbe" {
                return Err(format!(
                    "environment map {shown}: FORMAT={} is not supported; expected \
                     32-bit_rle_rgbe",
                    f.trim()
                ));
            }
        } else if let Some(e) = line.strip_prefix("EXPOSURE=") {
            let e: f64 = e
                .trim()
                .parse()
                .map_err(|_| format!("environment map {shown}: EXPOSURE={e} is not a number"))?;
            if !(e.is_finite() && e > 0.0) {
                return Err(format!(
                    "environment map {shown}: EXPOSURE={e}; expected a positive number"
                ));
            }
            exposure *= e;
        }
    }
    let res = header_line(r, shown)?;
    let parts: Vec<&str> = res.split_whitespace().collect();
    let (h, w) = match parts.as_slice() {
        ["-Y", h, "+X", w] => (h.parse::<u64>().ok(), w.parse::<u64>().ok()),
        _ => (None, None),
    };
    let (Some(h), Some(w)) = (h, w) else {
        return Err(format!(
            "environment map {shown}: resolution line \"{res}\" is not supported; expected \
             \"-Y <height> +X <width>\" (rows from the top, columns left to right)"
        ));
    };
    check_size(w, h, shown)?;
    let (w, h) = (w as usize, h as usize);
    let mut texels = Vec::with_capacity(w * h);
    let mut line = vec![[0u8; 4]; w];
    let scale = 1.0 / exposure;
    for y in 0..h {
        read_scanline(r, &mut line, y, h, shown)?;
        texels.extend(line.iter().map(|p| rgbe_to_rgb(*p) * scale as f32));
    }
    Ok(EnvMap {
        width: w as u32,
        height: h as u32,
        texels,
    })
}

/// Reads scanline `y` (flat or new-RLE) into `line`.
fn read_scanline(
    r: &mut impl Read,
    line: &mut [[u8; 4]],
    y: usize,
    h: usize,
    shown: &str,
) -> Result<(), String> {
    let truncated = |_| {
        format!("environment map {shown}: the file is truncated: scanline {y} of {h} ends early")
    };
    let w = line.len();
    let mut first = [0u8; 4];
    r.read_exact(&mut first).map_err(truncated)?;
    let rle = (8..=0x7fff).contains(&w) && first[0] == 2 && first[1] == 2 && first[2] & 0x80 == 0;
    if !rle {
        if first[0] == 1 && first[1] == 1 && first[2] == 1 {
            return Err(format!(
                "environment map {shown}: scanline {y} uses the old Radiance run-length \
                 encoding, which is not supported; re-save the image"
            ));
        }
        line[0] = first;
        for p in line.iter_mut().skip(1) {
            r.read_exact(p).map_err(truncated)?;
        }
        return Ok(());
    }
    let len = (usize::from(first[2]) << 8) | usize::from(first[3]);
    if len != w {
        return Err(format!(
            "environment map {shown}: scanline {y} says it is {len} texels wide; the header \
             says {w}"
        ));
    }
    for c in 0..4 {
        let mut x = 0;
        while x < w {
            let mut b = [0u8; 2];
            r.read_exact(&mut b[..1]).map_err(truncated)?;
            let n = usize::from(b[0]);
            if n > 128 {
                let n = n - 128;
                r.read_exact(&mut b[1..]).map_err(truncated)?;
                if x + n > w {
                    return Err(format!(
                        "environment map {shown}: scanline {y} has a run past its end"
                    ));
                }
                line[x..x + n].iter_mut().for_each(|p| p[c] = b[1]);
                x += n;
            } else {
                if n == 0 || x + n > w {
                    return Err(format!(
                        "environment map {shown}: scanline {y} has a bad run length {n}"
                    ));
                }
                for p in &mut line[x..x + n] {
                    r.read_exact(&mut b[1..]).map_err(truncated)?;
                    p[c] = b[1];
                }
                x += n;
            }
        }
    }
    Ok(())
}

/// Decodes one RGBE pixel (Ward 1991): `(c + 0.5) · 2^(e − 136)`, black when `e = 0`.
fn rgbe_to_rgb(p: [u8; 4]) -> Vec3 {
    if p[3] == 0 {
        return Vec3::ZERO;
    }
    let f = 2f32.powi(i32::from(p[3]) - 136);
    Vec3::new(
        (f32::from(p[0]) + 0.5) * f,
        (f32::from(p[1]) + 0.5) * f,
        (f32::from(p[2]) + 0.5) * f,
    )
}

/// Encodes one RGBE pixel (Ward 1991): the shared exponent of the largest component.
fn rgb_to_rgbe(c: Vec3) -> [u8; 4] {
    let c = c.max(Vec3::ZERO);
    let v = c.max_element();
    if !v.is_finite() || v < 1e-32 {
        return [0; 4];
    }
    // v = m · 2^e with m in [0.5, 1).
    let e = v.log2().floor() as i32 + 1;
    let e = e.clamp(-127, 127);
    let scale = 256.0 / 2f32.powi(e);
    let q = |x: f32| (x * scale).floor().clamp(0.0, 255.0) as u8;
    [q(c.x), q(c.y), q(c.z), (e + 128) as u8]
}

/// RLE-encodes one component of a scanline (Radiance's "new" encoding).
fn rle_component(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut x = 0;
    while x < bytes.len() {
        // A run of at least 4 equal bytes is worth a run.
        let mut run = 1;
        while x + run < bytes.len() && run < 127 && bytes[x + run] == bytes[x] {
            run += 1;
        }
        if run >= 4 {
            out.extend([128 + run as u8, bytes[x]]);
            x += run;
            continue;
        }
        // Literals up to the next run of 4 (or 128 bytes).
        let start = x;
        while x < bytes.len() && x - start < 128 {
            let next = &bytes[x..bytes.len().min(x + 4)];
            if next.len() == 4 && next.iter().all(|b| *b == bytes[x]) {
                break;
            }
            x += 1;
        }
        out.push((x - start) as u8);
        out.extend_from_slice(&bytes[start..x]);
    }
}

/// Writes `map` as a Radiance RGBE picture (run-length encoded scanlines when the width
/// allows), atomically.
///
/// # Errors
/// A message naming `path` if it cannot be written.
pub fn write_hdr(path: &Path, map: &EnvMap) -> Result<(), String> {
    let (w, h) = (map.width as usize, map.height as usize);
    let mut out = format!("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y {h} +X {w}\n").into_bytes();
    let rle = (8..=0x7fff).contains(&w);
    let mut comp = vec![0u8; w];
    for y in 0..h {
        let row: Vec<[u8; 4]> = (0..w)
            .map(|x| rgb_to_rgbe(map.texel(x as i64, y as i64)))
            .collect();
        if rle {
            out.extend([2, 2, (w >> 8) as u8, (w & 0xff) as u8]);
            for c in 0..4 {
                comp.iter_mut().zip(&row).for_each(|(b, p)| *b = p[c]);
                rle_component(&mut out, &comp);
            }
        } else {
            row.iter().for_each(|p| out.extend(p));
        }
    }
    crate::files::write_atomic(path, &out).map_err(|e| e.to_string())
}

/// Reads the first RGB layer of an OpenEXR file.
fn read_exr(file: &Path, shown: &str) -> Result<EnvMap, String> {
    use exr::prelude::{ReadChannels, ReadLayers, read};
    let meta = exr::meta::MetaData::read_from_file(file, false)
        .map_err(|e| format!("environment map {shown}: not a readable OpenEXR file: {e}"))?;
    let Some(header) = meta.headers.first() else {
        return Err(format!(
            "environment map {shown}: the OpenEXR file has no layer"
        ));
    };
    let size = header.layer_size;
    check_size(size.width() as u64, size.height() as u64, shown)?;
    let image = read()
        .no_deep_data()
        .largest_resolution_level()
        .rgba_channels(
            |size, _| EnvMap {
                width: size.width() as u32,
                height: size.height() as u32,
                texels: vec![Vec3::ZERO; size.width() * size.height()],
            },
            |map: &mut EnvMap, pos, (r, g, b, _a): (f32, f32, f32, f32)| {
                let i = pos.y() * map.width as usize + pos.x();
                if let Some(t) = map.texels.get_mut(i) {
                    *t = Vec3::new(r, g, b);
                }
            },
        )
        .first_valid_layer()
        .all_attributes()
        .from_file(file)
        .map_err(|e| {
            format!("environment map {shown}: cannot read the OpenEXR file (truncated, or no R, G, B channels?): {e}")
        })?;
    Ok(image.layer_data.channel_data.pixels)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("cinegraph-hdri-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        dir.join(name)
    }

    fn sample_map() -> EnvMap {
        EnvMap::from_fn(32, 16, |d| {
            Vec3::new(
                0.2 + d.y.max(0.0) * 3.0,
                0.5 + d.x.abs(),
                1e-3 + (d.z * 5.0).exp(),
            )
        })
    }

    #[test]
    fn rgbe_round_trip_within_its_precision() {
        let map = sample_map();
        let path = temp("round.hdr");
        assert!(write_hdr(&path, &map).is_ok());
        let back = load(&path, "round.hdr").unwrap();
        assert_eq!((back.width, back.height), (32, 16));
        for (a, b) in map.texels.iter().zip(&back.texels) {
            // RGBE keeps 8 bits of mantissa relative to the largest component.
            let tol = a.max_element() / 128.0;
            assert!((*a - *b).abs().max_element() <= tol, "{a} -> {b}");
        }
        // A flat (not run-length encoded) file reads the same.
        let bytes = std::fs::read(&path).unwrap();
        let header = b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 16 +X 32\n";
        let mut flat = header.to_vec();
        for y in 0..16 {
            for x in 0..32 {
                flat.extend(rgb_to_rgbe(map.texel(x, y)));
            }
        }
        let flat_path = temp("flat.hdr");
        std::fs::write(&flat_path, &flat).unwrap();
        assert_eq!(load(&flat_path, "flat.hdr").unwrap(), back);
        assert!(
            bytes.len() < flat.len() + 16 * 8,
            "rle {} flat {}",
            bytes.len(),
            flat.len()
        );
    }

    #[test]
    fn refuses_bad_files_naming_them() {
        let png = temp("fake.hdr");
        std::fs::write(&png, b"\x89PNG\r\n\x1a\n0000000000").unwrap();
        let e = load(&png, "sky/fake.hdr").unwrap_err();
        assert!(e.contains("sky/fake.hdr") && e.contains("PNG"), "{e}");

        let huge = temp("huge.hdr");
        std::fs::write(&huge, b"#?RADIANCE\n\n-Y 20000 +X 40000\n").unwrap();
        let e = load(&huge, "huge.hdr").unwrap_err();
        assert!(e.contains("huge.hdr") && e.contains("too large"), "{e}");

        let tiny = temp("tiny.hdr");
        std::fs::write(&tiny, b"#?RADIANCE\n\n-Y 2 +X 4\n").unwrap();
        let e = load(&tiny, "tiny.hdr").unwrap_err();
        assert!(e.contains("too small"), "{e}");

        let path = temp("cut.hdr");
        assert!(write_hdr(&path, &sample_map()).is_ok());
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let e = load(&path, "cut.hdr").unwrap_err();
        assert!(e.contains("cut.hdr") && e.contains("truncated"), "{e}");

        let e = load(&temp("missing.hdr"), "missing.hdr").unwrap_err();
        assert!(e.contains("missing.hdr"), "{e}");
    }

    #[test]
    fn exr_loads_and_refuses_nan_naming_the_texel() {
        use exr::prelude::FlatSamples;
        let (w, h) = (16usize, 8usize);
        let mut r: Vec<f32> = (0..w * h).map(|i| i as f32 * 0.1).collect();
        let g = vec![0.5f32; w * h];
        let b = vec![2.0f32; w * h];
        let path = temp("env.exr");
        crate::files::exr(
            &path,
            w as u32,
            h as u32,
            vec![
                ("R", FlatSamples::F32(r.clone())),
                ("G", FlatSamples::F32(g.clone())),
                ("B", FlatSamples::F32(b.clone())),
            ],
        )
        .unwrap();
        let map = load(&path, "env.exr").unwrap();
        assert_eq!((map.width, map.height), (16, 8));
        assert!((map.texel(3, 2) - Vec3::new(3.5, 0.5, 2.0)).length() < 1e-5);

        r[2 * w + 5] = f32::NAN;
        r[3 * w + 1] = -1.0;
        crate::files::exr(
            &path,
            w as u32,
            h as u32,
            vec![
                ("R", FlatSamples::F32(r)),
                ("G", FlatSamples::F32(g)),
                ("B", FlatSamples::F32(b)),
            ],
        )
        .unwrap();
        let e = load(&path, "env.exr").unwrap_err();
        assert!(e.contains("env.exr") && e.contains("x 5, y 2"), "{e}");
    }

    #[test]
    fn orient_turns_north_toward_east_and_scales() {
        // A map bright only toward north (u = 0).
        let img = EnvMap::from_fn(64, 32, |d| Vec3::splat((-d.z).max(0.0).powi(8)));
        let spec = HdriSpec {
            path: "n.hdr".into(),
            file: "n.hdr".into(),
            image: std::sync::Arc::new(img),
            rotate_deg: 90.0,
            intensity: 2.0,
        };
        let out = orient(&spec, Vec3::splat(0.1));
        let east = out.lookup(Vec3::X);
        let north = out.lookup(Vec3::NEG_Z);
        assert!(
            east.x > 1.5 && (north.x - 0.1).abs() < 0.01,
            "east {east} north {north}"
        );
    }
}
