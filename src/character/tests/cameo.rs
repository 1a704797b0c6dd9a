//! Cameo: consent refusals, photo refusals, the landmark alignment, determinism and the
//! seam color transfer, on a synthetic photo made here.

use glam::DVec2;
use image::{ImageFormat, RgbImage};

use crate::character::cameo::{
    CameoError, CameoParams, Consent, Date, FEATHER_START, MAX_PHOTO_BYTES, Photo, Similarity,
    TEXTURE_SIZE, cameo, canonical_texels, canonical_uvs, face_texture, mask_at,
};
use crate::character::mannequin::FACE_UV_RECT;
use crate::math::{linear_to_srgb8 as enc, srgb8_to_linear as lin};

/// Texel → photo pixel map of the synthetic photo: scale, rotation (8°) and offset.
fn texel_to_photo() -> Similarity {
    let s = 1.0 / 2.2;
    let th = 8f64.to_radians();
    let (a, b) = (s * th.cos(), s * th.sin());
    let lin = Similarity {
        a,
        b,
        t: DVec2::ZERO,
    };
    // Canonical mask center (256, 266) lands at (128, 136).
    Similarity {
        t: DVec2::new(128.0, 136.0) - lin.apply(DVec2::new(256.0, 266.24)),
        ..lin
    }
}

/// The synthetic photo's landmarks: an exact similar copy of the canonical points.
fn landmarks() -> [[f32; 2]; 5] {
    let m = texel_to_photo();
    canonical_texels().map(|q| {
        let p = m.apply(q);
        [p.x as f32, p.y as f32]
    })
}

const BACKGROUND: [u8; 3] = [60, 70, 90];
const FACE: [u8; 3] = [120, 78, 60];
const EYE: [u8; 3] = [0, 0, 255];
const MARK: [u8; 3] = [40, 20, 20];

fn lin3(c: [u8; 3]) -> [f32; 3] {
    c.map(lin)
}

/// A 256 × 256 face: a face-colored ellipse on a background, blue eye dots (radius 3 px)
/// and dark nose and mouth dots at the landmarks, antialiased with 8 × 8 samples
/// averaged in linear light; PNG bytes.
fn photo_png() -> Vec<u8> {
    let lm = landmarks();
    let mut img = RgbImage::new(256, 256);
    let (bg, face, eye, mark) = (lin3(BACKGROUND), lin3(FACE), lin3(EYE), lin3(MARK));
    for (x, y, px) in img.enumerate_pixels_mut() {
        let mut acc = [0.0f32; 3];
        for sy in 0..8 {
            for sx in 0..8 {
                let p = [
                    x as f32 + (sx as f32 + 0.5) / 8.0,
                    y as f32 + (sy as f32 + 0.5) / 8.0,
                ];
                let near = |q: [f32; 2], r: f32| (p[0] - q[0]).hypot(p[1] - q[1]) < r;
                let c = if near(lm[0], 3.0) || near(lm[1], 3.0) {
                    eye
                } else if lm[2..].iter().any(|q| near(*q, 2.5)) {
                    mark
                } else if ((p[0] - 128.0) / 90.0).hypot((p[1] - 136.0) / 115.0) < 1.0 {
                    // Flat inside (the eye dots sit on a known color), shaded toward the
                    // edge, brighter on the left, so the seam ring is not flat.
                    let (dx, dy) = ((p[0] - 128.0) / 90.0, (p[1] - 136.0) / 115.0);
                    let t = ((dx.hypot(dy) - 0.7) / 0.3).clamp(0.0, 1.0);
                    let shade = 1.0 - 0.4 * t * dx / dx.hypot(dy).max(1e-6);
                    face.map(|c| c * shade)
                } else {
                    bg
                };
                for k in 0..3 {
                    acc[k] += c[k] / 64.0;
                }
            }
        }
        *px = image::Rgb(acc.map(enc));
    }
    let mut bytes = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut bytes), ImageFormat::Png)
        .unwrap();
    bytes
}

fn consent_text(photo: &[u8], landmarks: Option<[[f32; 2]; 5]>) -> String {
    let lm = match landmarks {
        Some(l) => format!(
            "Some(({}))",
            l.iter()
                .map(|[x, y]| format!("({x:?}, {y:?})"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => "None".into(),
    };
    format!(
        "(\n    id: \"c-0042\",\n    subject: \"Alice Example\",\n    granted_to: \"studio-b\",\n    scope: [\"cameo\", \"trailer\"],\n    expires: \"2027-06-30\",\n    photo_blake3: \"{}\",\n    landmarks: {lm},\n)\n",
        blake3::hash(photo).to_hex()
    )
}

fn consent(photo: &[u8]) -> Consent {
    Consent::from_ron(&consent_text(photo, Some(landmarks())), "alice.ron").unwrap()
}

fn today() -> Date {
    Date::parse("2026-12-07").unwrap()
}

/// The refused field of a consent or photo error.
fn field(e: &CameoError) -> &str {
    match e {
        CameoError::Consent { field, .. } | CameoError::Photo { field, .. } => field,
        other => panic!("expected a field error, got {other}"),
    }
}

#[test]
fn consent_refusals_name_the_field() {
    let photo = photo_png();
    let c = consent(&photo);
    let ok = |subject: &str, user: &str, scope: &str, day: &str| {
        c.check(&photo, subject, user, scope, Date::parse(day).unwrap())
    };
    ok("Alice Example", "studio-b", "cameo", "2027-06-30").unwrap();
    let cases = [
        (
            ok("Alice Example", "studio-b", "cameo", "2027-07-01"),
            "expires",
        ),
        (
            ok("Bob Other", "studio-b", "cameo", "2026-12-07"),
            "subject",
        ),
        (
            ok("Alice Example", "studio-x", "cameo", "2026-12-07"),
            "granted_to",
        ),
        (
            ok("Alice Example", "studio-b", "advert", "2026-12-07"),
            "scope",
        ),
        (
            c.check(
                b"other bytes",
                "Alice Example",
                "studio-b",
                "cameo",
                today(),
            ),
            "photo_blake3",
        ),
    ];
    for (result, want) in cases {
        let e = result.unwrap_err();
        println!("refused: {e}");
        assert_eq!(field(&e), want, "{e}");
        let shown = e.to_string();
        assert!(shown.starts_with("alice.ron: consent `c-0042`: ") && shown.contains(want));
    }
}

#[test]
fn malformed_consent_records_are_located() {
    let photo = photo_png();
    let good = consent_text(&photo, None);
    // A syntax error: line and column.
    let bad = good.replace("scope: [", "scope: [[");
    let e = Consent::from_ron(&bad, "alice.ron").unwrap_err();
    println!("syntax: {e}");
    assert!(matches!(e, CameoError::Syntax { line: 5, .. }), "{e}");
    assert!(e.to_string().starts_with("alice.ron:5:"));
    // An unknown field.
    let bad = good.replace("subject:", "subjet:");
    let e = Consent::from_ron(&bad, "alice.ron").unwrap_err();
    println!("unknown field: {e}");
    assert!(matches!(e, CameoError::Syntax { line: 3, .. }), "{e}");
    // Malformed values.
    for (from, to, want) in [
        ("2027-06-30", "2027-02-30", "expires"),
        ("2027-06-30", "30/06/2027", "expires"),
        ("\"c-0042\"", "\" \"", "id"),
        ("[\"cameo\", \"trailer\"]", "[]", "scope"),
    ] {
        let e = Consent::from_ron(&good.replace(from, to), "alice.ron").unwrap_err();
        println!("malformed: {e}");
        assert_eq!(field(&e), want);
    }
    let hash = blake3::hash(&photo).to_hex().to_string();
    let e = Consent::from_ron(&good.replace(&hash, &hash[..40]), "alice.ron").unwrap_err();
    assert_eq!(field(&e), "photo_blake3");
    // From a file: the error names the path.
    let path = std::env::temp_dir().join(format!("cinegraph-cameo-{}.ron", std::process::id()));
    std::fs::write(&path, good.replace("scope: [", "scope: [[")).unwrap();
    let e = Consent::load(&path).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert!(
        e.to_string().starts_with(&format!("{}:5:", path.display())),
        "{e}"
    );
    let e = Consent::load("/nonexistent/alice.ron".as_ref()).unwrap_err();
    assert!(matches!(e, CameoError::Read { .. }));
}

#[test]
fn the_documented_example_parses() {
    let text = r#"(
    id: "c-2026-0042",
    subject: "Alice Example",
    granted_to: "studio-b",
    scope: ["cameo", "trailer"],
    expires: "2027-06-30",                 // last valid day, inclusive
    photo_blake3: "9435e893462d5d651bedc152d456ed748a8e5066de3833480a9ee3aea71ebc0e",
    landmarks: ((88.0, 101.5), (168.0, 101.5), (128.0, 150.0), (95.0, 185.0), (161.0, 185.0)),
)"#;
    let c = Consent::from_ron(text, "alice.ron").unwrap();
    assert_eq!(c.landmarks.unwrap()[4], [161.0, 185.0]);
    assert_eq!(c.expiry().unwrap().to_string(), "2027-06-30");
    let with_some = text
        .replace("landmarks: (", "landmarks: Some((")
        .replace(")),\n)", "))),\n)");
    assert_eq!(Consent::from_ron(&with_some, "alice.ron").unwrap(), c);
}

#[test]
fn jpeg_and_tiff_photos_decode() {
    let png = Photo::decode(&photo_png(), "face.png").unwrap();
    let rgb = image::load_from_memory(&photo_png()).unwrap().to_rgb8();
    for format in [ImageFormat::Jpeg, ImageFormat::Tiff] {
        let mut bytes = Vec::new();
        rgb.write_to(&mut std::io::Cursor::new(&mut bytes), format)
            .unwrap();
        let photo = Photo::decode(&bytes, "face").unwrap();
        assert_eq!((photo.width, photo.height), (png.width, png.height));
        let tex = face_texture(&photo, &landmarks(), &CameoParams::default(), "alice.ron");
        assert!(tex.is_ok(), "{format:?}");
    }
}

#[test]
fn photo_refusals_name_the_field() {
    // Not an image.
    let e = Photo::decode(b"GIF? no, just text", "face.png").unwrap_err();
    println!("{e}");
    assert_eq!(field(&e), "photo");
    // A PNG whose data is cut off.
    let png = photo_png();
    let e = Photo::decode(&png[..png.len() / 2], "face.png").unwrap_err();
    println!("{e}");
    assert_eq!(field(&e), "photo");
    // Too many bytes (checked before decoding).
    let e = Photo::decode(&vec![0u8; MAX_PHOTO_BYTES + 1], "big.png").unwrap_err();
    println!("{e}");
    assert_eq!(field(&e), "photo");
    // Too many pixels on a side.
    let mut wide = Vec::new();
    RgbImage::new(4097, 1)
        .write_to(&mut std::io::Cursor::new(&mut wide), ImageFormat::Png)
        .unwrap();
    let e = Photo::decode(&wide, "wide.png").unwrap_err();
    println!("{e}");
    assert_eq!(field(&e), "photo");
    assert!(e.to_string().contains("4097 × 1"));

    let photo = Photo::decode(&png, "face.png").unwrap();
    let good = landmarks();
    photo.check_landmarks(&good, "alice.ron").unwrap();
    let mut outside = good;
    outside[3] = [-1.0, 200.0];
    let mut nan = good;
    nan[2] = [f32::NAN, 100.0];
    let mut close = good;
    close[1] = [close[0][0] + 2.0, close[0][1]];
    let mut swapped = good;
    swapped.swap(0, 1);
    let empty = Photo {
        width: 0,
        height: 0,
        linear: Vec::new(),
    };
    let e = face_texture(&empty, &good, &CameoParams::default(), "alice.ron").unwrap_err();
    assert_eq!(field(&e), "photo");
    for (lm, want) in [
        (outside, "landmarks[3]"),
        (nan, "landmarks[2]"),
        (close, "landmarks"),
        (swapped, "landmarks"),
    ] {
        let e = face_texture(&photo, &lm, &CameoParams::default(), "alice.ron").unwrap_err();
        println!("{e}");
        assert_eq!(field(&e), want);
    }
}

#[test]
fn no_texture_without_a_matching_consent_or_landmarks() {
    let png = photo_png();
    let c = consent(&png);
    let params = CameoParams::default();
    let e = cameo(
        &c,
        &png,
        "face.png",
        "Alice Example",
        "studio-x",
        today(),
        &params,
    )
    .unwrap_err();
    assert_eq!(field(&e), "granted_to");
    let mut other = png.clone();
    other.push(0);
    let e = cameo(
        &c,
        &other,
        "face.png",
        "Alice Example",
        "studio-b",
        today(),
        &params,
    )
    .unwrap_err();
    assert_eq!(field(&e), "photo_blake3");
    let bare = Consent::from_ron(&consent_text(&png, None), "alice.ron").unwrap();
    let e = cameo(
        &bare,
        &png,
        "face.png",
        "Alice Example",
        "studio-b",
        today(),
        &params,
    )
    .unwrap_err();
    println!("{e}");
    assert_eq!(field(&e), "landmarks");
    cameo(
        &c,
        &png,
        "face.png",
        "Alice Example",
        "studio-b",
        today(),
        &params,
    )
    .unwrap();
}

#[test]
fn the_similarity_fit_recovers_a_known_transform() {
    let m = texel_to_photo();
    let q = canonical_texels();
    let p = q.map(|x| m.apply(x));
    let fit = Similarity::fit(&p, &q).unwrap();
    let inv = m.inverse().unwrap();
    println!(
        "fit: scale {:.6} (want {:.6}), angle {:.6} rad (want {:.6})",
        fit.scale(),
        inv.scale(),
        fit.angle(),
        inv.angle()
    );
    assert!((fit.a - inv.a).abs() < 1e-9 && (fit.b - inv.b).abs() < 1e-9);
    assert!(fit.t.distance(inv.t) < 1e-9);
    assert!(Similarity::fit(&[DVec2::ONE; 5], &q).is_none());
    // The canonical points sit inside the face rectangle.
    for uv in canonical_uvs() {
        assert!(uv.cmpge(FACE_UV_RECT.min).all() && uv.cmple(FACE_UV_RECT.max).all());
    }
}

/// Centroid (texel coordinates) of the blue eye dot near `at`, weighting each texel
/// by its linear color's projection from the face color toward the dot color.
fn eye_centroid(img: &image::RgbaImage, at: DVec2) -> DVec2 {
    let (face, eye) = (lin3(FACE), lin3(EYE));
    let dir: [f32; 3] = std::array::from_fn(|k| eye[k] - face[k]);
    let dir2: f32 = dir.iter().map(|d| d * d).sum();
    let (mut sw, mut s) = (0.0f64, DVec2::ZERO);
    let (ci, cj) = (at.x.floor() as i64, at.y.floor() as i64);
    for j in cj - 16..=cj + 16 {
        for i in ci - 16..=ci + 16 {
            let px = img.get_pixel(i as u32, j as u32);
            let c = [lin(px[0]), lin(px[1]), lin(px[2])];
            let w: f32 = (0..3).map(|k| (c[k] - face[k]) * dir[k]).sum::<f32>() / dir2;
            sw += f64::from(w);
            s += f64::from(w) * DVec2::new(i as f64 + 0.5, j as f64 + 0.5);
        }
    }
    s / sw
}

#[test]
fn eye_landmarks_land_on_the_canonical_points() {
    let photo = Photo::decode(&photo_png(), "face.png").unwrap();
    // The transfer is a global per-channel gain, so it moves nothing; off here so the
    // dot's color is known exactly.
    let params = CameoParams {
        color_transfer: false,
        ..CameoParams::default()
    };
    let tex = face_texture(&photo, &landmarks(), &params, "alice.ron").unwrap();
    println!("fit rms {:.2e} texels", tex.fit_rms);
    assert!(tex.fit_rms < 1e-3);
    let targets = canonical_texels();
    for (k, name) in [(0, "left eye"), (1, "right eye")] {
        let got = eye_centroid(&tex.image, targets[k]);
        let err = got.distance(targets[k]);
        println!(
            "{name}: dot centroid ({:.3}, {:.3}), target ({:.3}, {:.3}): error {err:.3} texel",
            got.x, got.y, targets[k].x, targets[k].y
        );
        assert!(err < 0.5, "{name}: {err} texels off");
    }
}

#[test]
fn the_face_texture_is_bit_identical_when_repeated() {
    let png = photo_png();
    let c = consent(&png);
    let params = CameoParams::default();
    let a = cameo(
        &c,
        &png,
        "face.png",
        "Alice Example",
        "studio-b",
        today(),
        &params,
    )
    .unwrap();
    let b = cameo(
        &c,
        &png,
        "face.png",
        "Alice Example",
        "studio-b",
        today(),
        &params,
    )
    .unwrap();
    assert_eq!(a.image.dimensions(), (TEXTURE_SIZE, TEXTURE_SIZE));
    assert!(a.image.as_raw() == b.image.as_raw());
    assert!(a.image.pixels().all(|p| p[3] == 255));
    println!(
        "texture {}² bit-identical over two calls; blake3 {}",
        TEXTURE_SIZE,
        blake3::hash(a.image.as_raw()).to_hex()
    );
}

/// Mean linear RGB of the output texture over the seam ring.
fn ring_mean(img: &image::RgbaImage) -> [f32; 3] {
    let (mut s, mut n) = ([0.0f64; 3], 0usize);
    for (i, j, px) in img.enumerate_pixels() {
        let (m, r) = mask_at(DVec2::new(f64::from(i) + 0.5, f64::from(j) + 0.5));
        if m > 0.0 && r >= FEATHER_START {
            for k in 0..3 {
                s[k] += f64::from(lin(px[k]));
            }
            n += 1;
        }
    }
    s.map(|v| (v / n as f64) as f32)
}

fn distance(a: [f32; 3], b: [f32; 3]) -> f32 {
    (0..3).map(|k| (a[k] - b[k]).powi(2)).sum::<f32>().sqrt()
}

#[test]
fn the_seam_color_transfer_moves_the_ring_toward_the_skin_tone() {
    let photo = Photo::decode(&photo_png(), "face.png").unwrap();
    let on = CameoParams::default();
    let off = CameoParams {
        color_transfer: false,
        ..on
    };
    let skin = lin3(on.skin_srgb);
    let with = face_texture(&photo, &landmarks(), &on, "alice.ron").unwrap();
    let without = face_texture(&photo, &landmarks(), &off, "alice.ron").unwrap();
    // The warped face alone, over the ring.
    let (before, after) = (
        distance(with.ring_mean_before, skin),
        distance(with.ring_mean_after, skin),
    );
    // The composited texture, over the ring.
    let (out_off, out_on) = (
        distance(ring_mean(&without.image), skin),
        distance(ring_mean(&with.image), skin),
    );
    println!(
        "gain {:?}; face ring mean to skin (linear RGB): {before:.4} before, {after:.4} after; \
         composited ring: {out_off:.4} without, {out_on:.4} with the transfer",
        with.gain
    );
    assert!(after < 0.25 * before, "{before} -> {after}");
    assert!(out_on < 0.5 * out_off, "{out_off} -> {out_on}");
}
