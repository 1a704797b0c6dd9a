//! Cameo: a consented face photo, checked and warped into the mannequin head's face
//! texture.
//!
//! Input: a consent record (RON, [`Consent`]), the photo's bytes and five landmarks in
//! photo pixels. Output: a [`FaceTexture`], an opaque RGBA8 (sRGB) image of
//! [`TEXTURE_SIZE`] × [`TEXTURE_SIZE`] texels that covers exactly [`FACE_UV_RECT`] of the
//! head's UV layout (texel `(i, j)` has its center at
//! `u = min.x + (i + 0.5) / TEXTURE_SIZE · (max.x − min.x)`, likewise `v`).
//!
//! Steps, each a pure function of its inputs (bit-identical when repeated):
//! 1. [`Consent::check`]: expiry, subject, user, scope and the photo's BLAKE3 hash;
//! 2. [`Photo::decode`]: size limits ([`MAX_PHOTO_BYTES`], [`MAX_PHOTO_SIDE`]), decode,
//!    and [`Photo::check_landmarks`]: inside the image, eyes apart and not swapped;
//! 3. [`Similarity::fit`]: the least-squares similarity from the five photo landmarks to
//!    the canonical face points [`CANONICAL_FACE`] (Umeyama 1991, the 2-D closed form);
//! 4. [`face_texture`]: inverse mapping with bilinear sampling in linear light, a
//!    feathered elliptical mask, a per-channel color transfer measured on the mask's
//!    feather ring (Reinhard et al. 2001, simplified), composited over the skin tone.
//!
//! Pixel coordinates are continuous, x right and y down, pixel `(x, y)` covering
//! `[x, x + 1) × [y, y + 1)`, so its center is `(x + 0.5, y + 0.5)`; the same holds for
//! texels. Landmark order (image left and right, as most 5-point detectors use): the
//! eye on the photo's left (the subject's right eye), the eye on the photo's right, the
//! nose tip, the mouth corner on the photo's left, the one on the photo's right. The
//! photo's left maps to smaller `u` (the character's right), so nothing is mirrored.

use std::io::Cursor;
use std::path::Path;

use glam::{DVec2, Vec2};
use image::RgbaImage;
use serde::Deserialize;

use super::mannequin::FACE_UV_RECT;
use crate::math::{linear_to_srgb8, srgb8_to_linear};

/// Side of the face texture, texels (it covers [`FACE_UV_RECT`]).
pub const TEXTURE_SIZE: u32 = 512;
/// Largest photo file accepted, bytes (32 MiB).
pub const MAX_PHOTO_BYTES: usize = 32 * 1024 * 1024;
/// Largest photo width or height accepted, pixels.
pub const MAX_PHOTO_SIDE: u32 = 4096;
/// Smallest distance between the two eye landmarks, photo pixels.
pub const MIN_EYE_DISTANCE: f32 = 8.0;
/// Largest consent file accepted, bytes.
pub const MAX_CONSENT_BYTES: u64 = 1024 * 1024;

/// The five target points in the face texture, as fractions of its width and height
/// (x right, y down), in landmark order. Derived from the mannequin head (an ellipsoid
/// with radii 0.050 H sideways and 0.065 H vertically, eyes on its equator) and adult
/// proportions at H = 1.75 m: interpupillary distance 63 mm, nose tip 45 mm and mouth
/// 70 mm below the eyes, mouth 50 mm wide, mapped through the head's UV layout.
pub const CANONICAL_FACE: [[f32; 2]; 5] = [
    [0.324, 0.364],
    [0.676, 0.364],
    [0.500, 0.599],
    [0.323, 0.747],
    [0.677, 0.747],
];

/// Center of the face mask ellipse, fractions of the texture.
pub const MASK_CENTER: [f32; 2] = [0.5, 0.52];
/// Semi-axes of the face mask ellipse, fractions of the texture.
pub const MASK_RADII: [f32; 2] = [0.32, 0.42];
/// Normalized elliptical radius where the feather starts: the mask is 1 inside, falls
/// smoothly to 0 at radius 1. The band between is the seam ring.
pub const FEATHER_START: f32 = 0.85;
/// The color transfer's gain per channel is clamped to `[1 / MAX_GAIN, MAX_GAIN]`.
pub const MAX_GAIN: f32 = 4.0;

/// Names of the landmarks, in order, for error messages.
const LANDMARK_NAMES: [&str; 5] = [
    "left eye",
    "right eye",
    "nose tip",
    "left mouth corner",
    "right mouth corner",
];

/// A cameo that was refused or could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CameoError {
    /// A file could not be read.
    #[error("{file}: cannot read: {message}")]
    Read {
        /// The file.
        file: String,
        /// The operating system's reason.
        message: String,
    },
    /// The consent record is not valid RON for a [`Consent`].
    #[error("{file}:{line}:{col}: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What the parser expected.
        message: String,
    },
    /// The consent record refuses this use, or holds a malformed value.
    #[error("{file}: consent `{id}`: {field}: {message}")]
    Consent {
        /// The consent file.
        file: String,
        /// The record's id.
        id: String,
        /// The field that refuses, e.g. `expires`, `scope`, `photo_blake3`.
        field: String,
        /// What is wrong, expected vs found.
        message: String,
    },
    /// The photo is refused: not an image, too large, or bad landmarks.
    #[error("{file}: {field}: {message}")]
    Photo {
        /// The photo (or, for landmarks, the consent file that holds them).
        file: String,
        /// What is refused: `photo`, or `landmarks[i]`.
        field: String,
        /// What is wrong, expected vs found.
        message: String,
    },
}

/// A calendar date, `YYYY-MM-DD` (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year.
    pub year: u16,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day of the month, from 1.
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD`; `None` unless the text is exactly that and a real date.
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u16> {
            let s = text.get(r)?;
            if !s.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        };
        let year = num(0..4)?;
        let month = u8::try_from(num(5..7)?).ok()?;
        let day = u8::try_from(num(8..10)?).ok()?;
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (day >= 1 && day <= days).then_some(Date { year, month, day })
    }
}

impl Date {
    /// Today's date in UTC from the system clock (the day a consent's expiry is checked
    /// against). Civil date from days since 1970-01-01 by H. Hinnant's algorithm
    /// ("chrono-Compatible Low-Level Date Algorithms", `civil_from_days`).
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days((secs / 86_400) as i64)
    }

    /// The date `days` after 1970-01-01.
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date {
            year: year.clamp(0, 9999) as u16,
            month,
            day,
        }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A consent record: who may put whose face into what, until when, from which photo.
///
/// ```ron
/// (
///     id: "c-2026-0042",
///     subject: "Alice Example",
///     granted_to: "studio-b",
///     scope: ["cameo", "trailer"],
///     expires: "2027-06-30",
///     photo_blake3: "5f0c…(64 hex digits)",
///     landmarks: Some(((88.0, 101.5), (168.0, 101.5), (128.0, 150.0), (95.0, 185.0), (161.0, 185.0))),
/// )
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// The record's identifier (goes into provenance manifests).
    pub id: String,
    /// The person whose face it is.
    pub subject: String,
    /// Who may use it.
    pub granted_to: String,
    /// The uses granted, e.g. `"cameo"`.
    pub scope: Vec<String>,
    /// The last day the consent holds, `YYYY-MM-DD` (inclusive).
    pub expires: String,
    /// The BLAKE3 hash of the photo file, 64 hex digits.
    pub photo_blake3: String,
    /// Five landmarks in photo pixels (see the module docs for order and coordinates),
    /// written as RON tuples: `((x, y), (x, y), (x, y), (x, y), (x, y))`.
    #[serde(default)]
    pub landmarks: Option<[[f32; 2]; 5]>,
    /// Where the record was read from (set by [`Consent::load`] and
    /// [`Consent::from_ron`]; not part of the file).
    #[serde(skip)]
    pub file: String,
}

impl Consent {
    /// Reads and validates a consent file.
    ///
    /// # Errors
    /// [`CameoError::Read`], [`CameoError::Syntax`] with `file:line:col`, or
    /// [`CameoError::Consent`] naming a malformed field (`expires`, `photo_blake3`, …).
    pub fn load(path: &Path) -> Result<Consent, CameoError> {
        let shown = path.display().to_string();
        let read_err = |message: String| CameoError::Read {
            file: shown.clone(),
            message,
        };
        let len = std::fs::metadata(path)
            .map_err(|e| read_err(e.to_string()))?
            .len();
        if len > MAX_CONSENT_BYTES {
            return Err(read_err(format!(
                "{len} bytes, more than the limit of {MAX_CONSENT_BYTES}"
            )));
        }
        let text = std::fs::read_to_string(path).map_err(|e| read_err(e.to_string()))?;
        Consent::from_ron(&text, &shown)
    }

    /// Parses and validates a consent record from RON text; `shown` names it in errors.
    ///
    /// # Errors
    /// As [`Consent::load`], less the read errors.
    pub fn from_ron(text: &str, shown: &str) -> Result<Consent, CameoError> {
        let mut consent: Consent = ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
            .from_str(text)
            .map_err(|e| CameoError::Syntax {
                file: shown.to_string(),
                line: e.span.start.line,
                col: e.span.start.col,
                message: e.code.to_string(),
            })?;
        consent.file = shown.to_string();
        consent.validate()?;
        Ok(consent)
    }

    fn refuse(&self, field: &str, message: String) -> CameoError {
        CameoError::Consent {
            file: self.file.clone(),
            id: self.id.clone(),
            field: field.to_string(),
            message,
        }
    }

    /// Field checks that need no photo: non-empty names, a real date, a 64-hex hash.
    fn validate(&self) -> Result<(), CameoError> {
        for (field, value) in [
            ("id", &self.id),
            ("subject", &self.subject),
            ("granted_to", &self.granted_to),
        ] {
            if value.trim().is_empty() {
                return Err(self.refuse(field, "must not be empty".into()));
            }
        }
        if self.scope.is_empty() {
            return Err(self.refuse("scope", "grants nothing (empty list)".into()));
        }
        self.expiry()?;
        if self.photo_blake3.len() != 64
            || !self.photo_blake3.bytes().all(|c| c.is_ascii_hexdigit())
        {
            return Err(self.refuse(
                "photo_blake3",
                format!(
                    "expected 64 hex digits (a BLAKE3 hash), found {:?}",
                    self.photo_blake3
                ),
            ));
        }
        Ok(())
    }

    /// The parsed expiry date.
    ///
    /// # Errors
    /// [`CameoError::Consent`] on `expires` if it is not a real `YYYY-MM-DD` date.
    pub fn expiry(&self) -> Result<Date, CameoError> {
        Date::parse(&self.expires).ok_or_else(|| {
            self.refuse(
                "expires",
                format!("expected a date YYYY-MM-DD, found {:?}", self.expires),
            )
        })
    }

    /// Checks that this record allows `user` to use `subject`'s face from `photo` (the
    /// file's bytes) for `use_scope` on `today`. The expiry day itself is still valid.
    ///
    /// # Errors
    /// [`CameoError::Consent`] naming the first refusing field, in this order:
    /// `expires` (expired), `subject`, `granted_to`, `scope`, `photo_blake3`.
    pub fn check(
        &self,
        photo: &[u8],
        subject: &str,
        user: &str,
        use_scope: &str,
        today: Date,
    ) -> Result<(), CameoError> {
        let expires = self.expiry()?;
        if expires < today {
            return Err(self.refuse(
                "expires",
                format!("consent expired on {expires}, today is {today}"),
            ));
        }
        if self.subject != subject {
            return Err(self.refuse(
                "subject",
                format!("the record is for {:?}, not for {subject:?}", self.subject),
            ));
        }
        if self.granted_to != user {
            return Err(self.refuse(
                "granted_to",
                format!("granted to {:?}, not to {user:?}", self.granted_to),
            ));
        }
        if !self.scope.iter().any(|s| s == use_scope) {
            return Err(self.refuse(
                "scope",
                format!("{use_scope:?} is not granted (granted: {:?})", self.scope),
            ));
        }
        let found = blake3::hash(photo).to_hex();
        if !found.as_str().eq_ignore_ascii_case(&self.photo_blake3) {
            return Err(self.refuse(
                "photo_blake3",
                format!(
                    "the photo's BLAKE3 hash is {}, the record names {}",
                    found.as_str(),
                    self.photo_blake3
                ),
            ));
        }
        Ok(())
    }
}

/// A decoded photo in linear-light RGB (sRGB primaries), row-major from the top.
#[derive(Debug, Clone, PartialEq)]
pub struct Photo {
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// `width × height` linear RGB values in [0, 1] (alpha, if any, is dropped).
    pub linear: Vec<[f32; 3]>,
}

impl Photo {
    /// Decodes a PNG, JPEG or TIFF photo from its bytes; `shown` names it in errors.
    ///
    /// # Errors
    /// [`CameoError::Photo`] on `photo`: larger than [`MAX_PHOTO_BYTES`] or
    /// [`MAX_PHOTO_SIDE`], not an image in a supported format, or undecodable.
    pub fn decode(bytes: &[u8], shown: &str) -> Result<Photo, CameoError> {
        let refuse = |message: String| CameoError::Photo {
            file: shown.to_string(),
            field: "photo".into(),
            message,
        };
        if bytes.len() > MAX_PHOTO_BYTES {
            return Err(refuse(format!(
                "{} bytes, more than the limit of {MAX_PHOTO_BYTES} (32 MiB)",
                bytes.len()
            )));
        }
        let reader = || {
            image::ImageReader::new(Cursor::new(bytes))
                .with_guessed_format()
                .map_err(|e| refuse(format!("not an image: {e}")))
        };
        let probe = reader()?;
        if probe.format().is_none() {
            return Err(refuse(
                "not an image (expected PNG, JPEG or TIFF)".to_string(),
            ));
        }
        let (w, h) = probe
            .into_dimensions()
            .map_err(|e| refuse(format!("not an image: {e}")))?;
        if w > MAX_PHOTO_SIDE || h > MAX_PHOTO_SIDE || w == 0 || h == 0 {
            return Err(refuse(format!(
                "{w} × {h} pixels, expected 1 to {MAX_PHOTO_SIDE} on each side"
            )));
        }
        let mut decoder = reader()?;
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(MAX_PHOTO_SIDE);
        limits.max_image_height = Some(MAX_PHOTO_SIDE);
        decoder.limits(limits);
        let rgb = decoder
            .decode()
            .map_err(|e| refuse(format!("cannot decode: {e}")))?
            .to_rgb8();
        let lut = srgb_decode_lut();
        let linear = rgb
            .pixels()
            .map(|p| [lut[p[0] as usize], lut[p[1] as usize], lut[p[2] as usize]])
            .collect();
        Ok(Photo {
            width: rgb.width(),
            height: rgb.height(),
            linear,
        })
    }

    /// Checks the photo's buffer (non-empty, one value per pixel: it has public fields)
    /// and five landmarks against it: finite, inside it, the eyes at least
    /// [`MIN_EYE_DISTANCE`] apart and the left one left of the right one (a mirrored
    /// photo or swapped landmarks). `shown` names where the landmarks came from.
    ///
    /// # Errors
    /// [`CameoError::Photo`] on `landmarks[i]` (or `landmarks` for the eye checks).
    pub fn check_landmarks(
        &self,
        landmarks: &[[f32; 2]; 5],
        shown: &str,
    ) -> Result<(), CameoError> {
        let refuse = |field: String, message: String| CameoError::Photo {
            file: shown.to_string(),
            field,
            message,
        };
        let pixels = u64::from(self.width) * u64::from(self.height);
        if self.width == 0 || self.height == 0 || pixels != self.linear.len() as u64 {
            return Err(refuse(
                "photo".into(),
                format!(
                    "{} × {} pixels with {} values: expected a non-empty image with one value per pixel",
                    self.width,
                    self.height,
                    self.linear.len()
                ),
            ));
        }
        let (w, h) = (self.width as f32, self.height as f32);
        for (i, [x, y]) in landmarks.iter().copied().enumerate() {
            let inside =
                x.is_finite() && y.is_finite() && (0.0..=w).contains(&x) && (0.0..=h).contains(&y);
            if !inside {
                return Err(refuse(
                    format!("landmarks[{i}]"),
                    format!(
                        "{} at ({x}, {y}) is outside the {}×{} photo",
                        LANDMARK_NAMES[i], self.width, self.height
                    ),
                ));
            }
        }
        let [l, r] = [Vec2::from(landmarks[0]), Vec2::from(landmarks[1])];
        let d = l.distance(r);
        if d < MIN_EYE_DISTANCE {
            return Err(refuse(
                "landmarks".into(),
                format!(
                    "degenerate: the eyes are {d:.2} px apart, expected at least {MIN_EYE_DISTANCE}"
                ),
            ));
        }
        if l.x >= r.x {
            return Err(refuse(
                "landmarks".into(),
                format!(
                    "the left eye (x = {}) is not left of the right eye (x = {}): swapped landmarks or a mirrored photo",
                    l.x, r.x
                ),
            ));
        }
        Ok(())
    }

    /// Bilinear sample at a continuous pixel position (centers at `+0.5`), clamped to
    /// the edge.
    fn sample(&self, p: DVec2) -> [f32; 3] {
        let x = (p.x - 0.5).clamp(0.0, f64::from(self.width - 1));
        let y = (p.y - 0.5).clamp(0.0, f64::from(self.height - 1));
        let (x0, y0) = (x.floor() as u32, y.floor() as u32);
        let (x1, y1) = ((x0 + 1).min(self.width - 1), (y0 + 1).min(self.height - 1));
        let (fx, fy) = ((x - f64::from(x0)) as f32, (y - f64::from(y0)) as f32);
        let at = |xx: u32, yy: u32| self.linear[yy as usize * self.width as usize + xx as usize];
        let (a, b, c, d) = (at(x0, y0), at(x1, y0), at(x0, y1), at(x1, y1));
        std::array::from_fn(|k| {
            let top = a[k] + (b[k] - a[k]) * fx;
            let bottom = c[k] + (d[k] - c[k]) * fx;
            top + (bottom - top) * fy
        })
    }
}

/// A 2-D similarity `q = s·R(θ)·p + t`, stored as `q = [[a, −b], [b, a]]·p + t` with
/// `a = s cos θ`, `b = s sin θ`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    /// `s cos θ`.
    pub a: f64,
    /// `s sin θ`.
    pub b: f64,
    /// Translation.
    pub t: DVec2,
}

impl Similarity {
    /// The least-squares similarity taking `from[i]` to `to[i]` (no reflection):
    /// minimizes `Σ |s R from[i] + t − to[i]|²`. Closed form of S. Umeyama, "Least-squares
    /// estimation of transformation parameters between two point patterns", IEEE TPAMI
    /// 13(4), 1991, eqs. 40–42, reduced to 2-D: with centered points `p'`, `q'`,
    /// `a = Σ p'·q' / Σ|p'|²`, `b = Σ p'×q' / Σ|p'|²`, `t = μq − [[a, −b], [b, a]] μp`.
    /// `None` if the source points all coincide.
    pub fn fit(from: &[DVec2], to: &[DVec2]) -> Option<Similarity> {
        let n = from.len().min(to.len());
        if n < 2 {
            return None;
        }
        let mp = from[..n].iter().copied().sum::<DVec2>() / n as f64;
        let mq = to[..n].iter().copied().sum::<DVec2>() / n as f64;
        let (mut dot, mut cross, mut norm) = (0.0, 0.0, 0.0);
        for (p, q) in from[..n].iter().zip(&to[..n]) {
            let (p, q) = (*p - mp, *q - mq);
            dot += p.dot(q);
            cross += p.perp_dot(q);
            norm += p.length_squared();
        }
        if !norm.is_finite() || norm <= 1e-12 {
            return None;
        }
        let (a, b) = (dot / norm, cross / norm);
        let s = Similarity {
            a,
            b,
            t: DVec2::ZERO,
        };
        Some(Similarity {
            t: mq - s.apply(mp),
            ..s
        })
    }

    /// Maps a point.
    pub fn apply(&self, p: DVec2) -> DVec2 {
        DVec2::new(self.a * p.x - self.b * p.y, self.b * p.x + self.a * p.y) + self.t
    }

    /// The scale factor `s`.
    pub fn scale(&self) -> f64 {
        self.a.hypot(self.b)
    }

    /// The rotation angle θ (radians).
    pub fn angle(&self) -> f64 {
        self.b.atan2(self.a)
    }

    /// The inverse map, `None` if the scale is zero.
    pub fn inverse(&self) -> Option<Similarity> {
        let s2 = self.a * self.a + self.b * self.b;
        if !s2.is_finite() || s2 <= 0.0 {
            return None;
        }
        let (a, b) = (self.a / s2, -self.b / s2);
        let r = Similarity {
            a,
            b,
            t: DVec2::ZERO,
        };
        Some(Similarity {
            t: -r.apply(self.t),
            ..r
        })
    }
}

/// The canonical face points in texel coordinates of the face texture.
pub fn canonical_texels() -> [DVec2; 5] {
    CANONICAL_FACE.map(|[x, y]| DVec2::new(f64::from(x), f64::from(y)) * f64::from(TEXTURE_SIZE))
}

/// The canonical face points in the head's atlas UV (inside [`FACE_UV_RECT`]).
pub fn canonical_uvs() -> [Vec2; 5] {
    CANONICAL_FACE.map(|f| FACE_UV_RECT.min + Vec2::from(f) * (FACE_UV_RECT.max - FACE_UV_RECT.min))
}

/// How the face is composited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CameoParams {
    /// The mannequin's skin tone, 8-bit sRGB: the base texture and the color transfer's
    /// target.
    pub skin_srgb: [u8; 3],
    /// Apply the seam color transfer (on by default; off only to measure it).
    pub color_transfer: bool,
}

impl Default for CameoParams {
    fn default() -> CameoParams {
        CameoParams {
            skin_srgb: [198, 140, 110],
            color_transfer: true,
        }
    }
}

/// The face texture and what went into it.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceTexture {
    /// [`TEXTURE_SIZE`]², 8-bit sRGB, alpha 255 everywhere; covers [`FACE_UV_RECT`].
    pub image: RgbaImage,
    /// Photo pixels → texels.
    pub photo_to_texel: Similarity,
    /// Root-mean-square distance of the five mapped landmarks from the canonical
    /// points, texels (0 for a photo whose landmarks are exactly a similar copy).
    pub fit_rms: f64,
    /// The color transfer's per-channel gain in linear light (1 if off).
    pub gain: [f32; 3],
    /// Mean linear RGB of the warped photo over the seam ring, before the transfer.
    pub ring_mean_before: [f32; 3],
    /// The same after the transfer.
    pub ring_mean_after: [f32; 3],
}

/// The face mask at a texel center: 1 inside `FEATHER_START` of the ellipse, a
/// smoothstep to 0 at its edge, 0 outside; with the normalized radius.
pub fn mask_at(texel: DVec2) -> (f32, f32) {
    let size = f64::from(TEXTURE_SIZE);
    let dx = (texel.x / size - f64::from(MASK_CENTER[0])) / f64::from(MASK_RADII[0]);
    let dy = (texel.y / size - f64::from(MASK_CENTER[1])) / f64::from(MASK_RADII[1]);
    let r = dx.hypot(dy) as f32;
    let t = ((1.0 - r) / (1.0 - FEATHER_START)).clamp(0.0, 1.0);
    (t * t * (3.0 - 2.0 * t), r)
}

/// Warps a photo into the face texture (see the module docs). The photo and its
/// landmarks must have passed [`Photo::check_landmarks`]; `shown` names the landmarks'
/// source in errors.
///
/// # Errors
/// [`CameoError::Photo`] on `landmarks` if they are degenerate (no similarity fits).
pub fn face_texture(
    photo: &Photo,
    landmarks: &[[f32; 2]; 5],
    params: &CameoParams,
    shown: &str,
) -> Result<FaceTexture, CameoError> {
    photo.check_landmarks(landmarks, shown)?;
    let degenerate = || CameoError::Photo {
        file: shown.to_string(),
        field: "landmarks".into(),
        message: "degenerate: no similarity maps them to the face".into(),
    };
    let from = landmarks.map(|[x, y]| DVec2::new(f64::from(x), f64::from(y)));
    let to = canonical_texels();
    let fwd = Similarity::fit(&from, &to).ok_or_else(degenerate)?;
    let inv = fwd.inverse().ok_or_else(degenerate)?;
    let fit_rms = (from
        .iter()
        .zip(&to)
        .map(|(p, q)| fwd.apply(*p).distance_squared(*q))
        .sum::<f64>()
        / 5.0)
        .sqrt();

    let n = TEXTURE_SIZE as usize;
    let (pw, ph) = (f64::from(photo.width), f64::from(photo.height));
    // Warped photo, mask (zero where the photo does not reach) and ring membership.
    let mut face = vec![[0.0f32; 3]; n * n];
    let mut mask = vec![0.0f32; n * n];
    let mut ring_sum = [0.0f64; 3];
    let mut ring_log = [0.0f64; 3];
    let mut ring_count = 0usize;
    for j in 0..n {
        for i in 0..n {
            let q = DVec2::new(i as f64 + 0.5, j as f64 + 0.5);
            let (m, r) = mask_at(q);
            let p = inv.apply(q);
            let covered = (0.0..=pw).contains(&p.x) && (0.0..=ph).contains(&p.y);
            if m <= 0.0 || !covered {
                continue;
            }
            let c = photo.sample(p);
            let k = j * n + i;
            face[k] = c;
            mask[k] = m;
            if r >= FEATHER_START {
                ring_count += 1;
                for ch in 0..3 {
                    ring_sum[ch] += f64::from(c[ch]);
                    ring_log[ch] += f64::from(c[ch].max(LOG_FLOOR)).ln();
                }
            }
        }
    }

    let skin = srgb_decode_lut();
    let skin = params.skin_srgb.map(|c| skin[c as usize]);
    let ring_mean_before = ring_sum.map(|s| (s / ring_count.max(1) as f64) as f32);
    // Reinhard et al. 2001 shift the mean of log cone responses; here per channel in
    // log linear RGB, i.e. a gain in linear light that takes the ring's geometric mean
    // to the skin tone. The skin base is flat, so the standard deviation is kept.
    let gain: [f32; 3] = if params.color_transfer && ring_count > 0 {
        std::array::from_fn(|ch| {
            let log_mean = ring_log[ch] / ring_count as f64;
            let g = (f64::from(skin[ch].max(LOG_FLOOR)).ln() - log_mean).exp() as f32;
            g.clamp(1.0 / MAX_GAIN, MAX_GAIN)
        })
    } else {
        [1.0; 3]
    };
    let ring_mean_after: [f32; 3] = std::array::from_fn(|ch| {
        if ring_count == 0 {
            return 0.0;
        }
        // Mean of min(c·g, 1) over the ring, as the composite below clamps.
        let mut s = 0.0f64;
        for (k, c) in face.iter().enumerate() {
            if mask[k] > 0.0 {
                let (_, r) = mask_at(DVec2::new((k % n) as f64 + 0.5, (k / n) as f64 + 0.5));
                if r >= FEATHER_START {
                    s += f64::from((c[ch] * gain[ch]).min(1.0));
                }
            }
        }
        (s / ring_count as f64) as f32
    });

    let mut image = RgbaImage::new(TEXTURE_SIZE, TEXTURE_SIZE);
    for (k, px) in image.pixels_mut().enumerate() {
        let m = mask[k];
        let rgb: [u8; 3] = std::array::from_fn(|ch| {
            let f = (face[k][ch] * gain[ch]).min(1.0);
            linear_to_srgb8(skin[ch] + (f - skin[ch]) * m)
        });
        *px = image::Rgba([rgb[0], rgb[1], rgb[2], 255]);
    }
    Ok(FaceTexture {
        image,
        photo_to_texel: fwd,
        fit_rms,
        gain,
        ring_mean_before,
        ring_mean_after,
    })
}

/// The whole cameo: checks the consent for this use, decodes the photo, checks the
/// record's landmarks and makes the face texture. Nothing is produced unless every
/// check passes.
///
/// # Errors
/// Any [`CameoError`] from [`Consent::check`], [`Photo::decode`] or [`face_texture`];
/// [`CameoError::Consent`] on `landmarks` if the record has none (no detector is
/// bundled).
pub fn cameo(
    consent: &Consent,
    photo_bytes: &[u8],
    photo_shown: &str,
    subject: &str,
    user: &str,
    today: Date,
    params: &CameoParams,
) -> Result<FaceTexture, CameoError> {
    consent.check(photo_bytes, subject, user, "cameo", today)?;
    let landmarks = consent.landmarks.ok_or_else(|| {
        consent.refuse(
            "landmarks",
            "missing: give the five landmarks (no landmark detector is bundled)".into(),
        )
    })?;
    let photo = Photo::decode(photo_bytes, photo_shown)?;
    photo.check_landmarks(&landmarks, &consent.file)?;
    face_texture(&photo, &landmarks, params, &consent.file)
}

/// Smallest value taken before a logarithm (linear light).
const LOG_FLOOR: f32 = 1e-4;

/// sRGB (IEC 61966-2-1) to linear, for each 8-bit code ([`srgb8_to_linear`] once each).
fn srgb_decode_lut() -> [f32; 256] {
    std::array::from_fn(|i| srgb8_to_linear(i as u8))
}
