//! Style files: `styles/*.ron`, bundled into the binary, or any file a user names.
//!
//! A style owns four things and nothing else: the camera pattern, the light rig, the lens
//! and the grade. It never touches bodies, materials or physics, so swapping styles
//! leaves the simulation bit-identical. What a scene states explicitly wins over the
//! style: explicit `lights`, a `fov_deg` / `focal_mm`, `aperture`, `focus_distance`,
//! and camera `keys` or `shots` all keep the scene's own values (a handheld pattern
//! still shakes a keyed camera: `camera.shake`, unless the scene sets its own).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::contract::Target;
use super::cube::{Interpolation, Lut3d};
use super::grade::{Cdl, Grade, ToneMap};
use super::meter::Exposure;
use crate::scene::file::{
    CameraFile, Ease, EnvironmentFile, FogFile, Framing, LightFile, Move, SceneFile, ShakeFile,
    ShotFile, SunFile, Target as LookAt,
};

/// The styles that ship with cinegraph, as `(file name, text)`.
const BUNDLED: &[(&str, &str)] = &[
    ("noir", include_str!("../../styles/noir.ron")),
    (
        "pastel-symmetry",
        include_str!("../../styles/pastel-symmetry.ron"),
    ),
    ("teal-orange", include_str!("../../styles/teal-orange.ron")),
    (
        "cold-thriller",
        include_str!("../../styles/cold-thriller.ron"),
    ),
    ("golden-hour", include_str!("../../styles/golden-hour.ron")),
    ("70s-film", include_str!("../../styles/70s-film.ron")),
    (
        "handheld-documentary",
        include_str!("../../styles/handheld-documentary.ron"),
    ),
    ("neon-night", include_str!("../../styles/neon-night.ron")),
    (
        "bleach-bypass",
        include_str!("../../styles/bleach-bypass.ron"),
    ),
    (
        "day-for-night",
        include_str!("../../styles/day-for-night.ron"),
    ),
    ("music-video", include_str!("../../styles/music-video.ron")),
    ("anamorphic", include_str!("../../styles/anamorphic.ron")),
];

/// A style file, exactly as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Style")]
pub struct StyleFile {
    /// The look's name (the file is named after it).
    pub name: String,
    /// One line saying what the look is.
    pub summary: String,
    /// Other names prompts may use for it (directors, genres), lowercase.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The light rig used when the scene has no lights of its own and no environment
    /// other than the plain hemisphere (a sky, an image or a uniform world lights it).
    #[serde(default)]
    pub rig: Option<String>,
    /// The lens.
    #[serde(default)]
    pub lens: LensFile,
    /// The camera pattern: one shot's moves, used when the scene has no keys or shots.
    #[serde(default)]
    pub camera: Option<PatternFile>,
    /// The grade.
    #[serde(default)]
    pub grade: GradeFile,
    /// The look's contract: image statistics with the ranges the look promises
    /// (`styles check` measures them; see `contract::Stat`).
    #[serde(default)]
    pub targets: Vec<Target>,
    /// What the meter exposes for on the clip's first frame (`Key` by default; `Fixed`
    /// keeps the grade's exposure as written). The meter also balances `Warmth` and
    /// trims `Saturation` when the contract targets them.
    #[serde(default)]
    pub exposure: Exposure,
    /// The world the look wants when the scene states none (its own or its set's): a
    /// sky at the hour the look needs, an environment image, a uniform world.
    #[serde(default)]
    pub environment: Option<EnvironmentFile>,
    /// Fog or haze the look wants when the scene states none.
    #[serde(default)]
    pub fog: Option<FogFile>,
    /// The hour the look wants, as the sun's elevation in degrees (`[-10, 90]`; below 0
    /// is twilight): it moves the sun of a sky the scene does not state itself (its
    /// set's or the look's own `environment`), keeping the sun's azimuth. With the sun
    /// down, the look's `rig` lights a scene without lights of its own (the practicals).
    #[serde(default)]
    pub sun_elevation_deg: Option<f32>,
}

/// A style's lens; unset fields leave the scene's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Lens")]
pub struct LensFile {
    /// Focal length, mm (on the scene's sensor).
    #[serde(default)]
    pub focal_mm: Option<f32>,
    /// Aperture, f-number.
    #[serde(default)]
    pub aperture: Option<f32>,
}

/// A style's camera pattern: the moves of one shot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Pattern")]
pub struct PatternFile {
    /// Moves played together over the whole clip.
    #[serde(default)]
    pub moves: Vec<Move>,
    /// Auto-framing of the scene's look-at target.
    #[serde(default)]
    pub framing: Option<Framing>,
    /// Easing (default `Smooth`).
    #[serde(default)]
    pub ease: Option<Ease>,
    /// The subject distance the moves' distances are written for, m (default 4: a
    /// medium shot); they scale with each scene's own distance, so a one-metre dolly is
    /// 10 cm on a 40 cm close-up (see `ShotFile::subject_distance_m`).
    #[serde(default = "default_subject_distance")]
    pub subject_distance_m: f32,
}

fn default_subject_distance() -> f32 {
    4.0
}

impl Default for PatternFile {
    fn default() -> Self {
        Self {
            moves: Vec::new(),
            framing: None,
            ease: None,
            subject_distance_m: default_subject_distance(),
        }
    }
}

/// The grade as written (see [`Grade`] for each field's meaning and the order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Grade", default)]
pub struct GradeFile {
    /// Stops.
    pub exposure_ev: f32,
    /// Kelvin the image is balanced for (6504 neutral).
    pub temperature_k: f32,
    /// Green–magenta, hundredths of CIE y.
    pub tint: f32,
    /// Contrast around `pivot`.
    pub contrast: f32,
    /// Contrast pivot, linear.
    pub pivot: f32,
    /// `AcesFit` or `Clamp`.
    pub tone_map: ToneMapFile,
    /// ASC CDL slope per channel.
    pub slope: [f32; 3],
    /// ASC CDL offset per channel.
    pub offset: [f32; 3],
    /// ASC CDL power per channel.
    pub power: [f32; 3],
    /// ASC CDL saturation.
    pub saturation: f32,
    /// A `.cube` 3-D LUT, relative to the style file.
    pub lut: Option<String>,
    /// `Trilinear` (default) or `Tetrahedral`.
    pub lut_interpolation: Interpolation,
    /// Corner darkening, fraction.
    pub vignette: f32,
    /// Grain standard deviation at mid-tones.
    pub grain: f32,
    /// Wide glow of highlights.
    pub bloom: f32,
    /// Red fringe of highlights.
    pub halation: f32,
    /// Anamorphic horizontal blue streak of highlights.
    pub streak: f32,
    /// Letterbox aspect (e.g. 2.39).
    pub letterbox: Option<f32>,
    /// Shadows tinted toward `(hue in degrees, strength)`.
    pub split_shadows: (f32, f32),
    /// Highlights tinted toward `(hue in degrees, strength)`.
    pub split_highlights: (f32, f32),
}

/// The tone curve as written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToneMapFile {
    /// Narkowicz's ACES fit.
    #[default]
    AcesFit,
    /// Clamp to `[0, 1]`.
    Clamp,
}

impl Default for GradeFile {
    fn default() -> Self {
        let g = Grade::default();
        Self {
            exposure_ev: g.exposure_ev,
            temperature_k: g.temperature_k,
            tint: g.tint,
            contrast: g.contrast,
            pivot: g.pivot,
            tone_map: ToneMapFile::AcesFit,
            slope: g.cdl.slope,
            offset: g.cdl.offset,
            power: g.cdl.power,
            saturation: g.cdl.saturation,
            lut: None,
            lut_interpolation: g.lut_interpolation,
            vignette: g.vignette,
            grain: g.grain,
            bloom: g.bloom,
            halation: g.halation,
            streak: g.streak,
            letterbox: g.letterbox,
            split_shadows: g.split_shadows,
            split_highlights: g.split_highlights,
        }
    }
}

/// A loaded, checked style.
#[derive(Debug, Clone, PartialEq)]
pub struct Style {
    /// As written.
    pub file: StyleFile,
    /// The grade, LUT loaded.
    pub grade: Grade,
    /// Where it came from: `bundled` or a path.
    pub origin: String,
}

/// Why a style could not be found or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StyleError {
    /// No bundled style of that name or alias, and not a file.
    #[error(
        "unknown style \"{name}\"{hint}; bundled styles: {known} (or give a path to a .ron style file)"
    )]
    Unknown {
        /// As asked.
        name: String,
        /// ", did you mean …?" or empty.
        hint: String,
        /// The bundled names.
        known: String,
    },
    /// The file could not be read.
    #[error("{path}: cannot read the style: {message}")]
    Read {
        /// Path.
        path: String,
        /// Why.
        message: String,
    },
    /// Malformed RON or a bad value.
    #[error("{path}:{line}:{col}: {message}")]
    Syntax {
        /// Path (or `bundled:NAME`).
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What was expected.
        message: String,
    },
    /// A value out of range.
    #[error("{path}: {field}: {message}")]
    Invalid {
        /// Path.
        path: String,
        /// Field path.
        field: String,
        /// What was expected.
        message: String,
    },
}

/// Every bundled style, in the order listed by `cinegraph styles`.
///
/// # Errors
/// Only if a bundled file is broken (a test makes sure none is).
pub fn bundled() -> Result<Vec<Style>, StyleError> {
    BUNDLED
        .iter()
        .map(|(name, text)| parse(text, &format!("bundled:{name}"), None))
        .collect()
}

/// The bundled style named `name` or listing it as an alias (case and spaces ignored).
pub fn find_bundled(name: &str) -> Option<Style> {
    let want = normalize(name);
    let all = bundled().ok()?;
    all.iter()
        .find(|s| normalize(&s.file.name) == want)
        .or_else(|| {
            all.iter()
                .find(|s| s.file.aliases.iter().any(|a| normalize(a) == want))
        })
        .cloned()
}

fn normalize(s: &str) -> String {
    s.trim()
        .to_lowercase()
        .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Resolves a style reference: a bundled name or alias, or a path to a `.ron` style file
/// (relative paths against `base_dir`).
///
/// # Errors
/// [`StyleError`] naming the style and what is wrong.
pub fn resolve(reference: &str, base_dir: &Path) -> Result<Style, StyleError> {
    if let Some(s) = find_bundled(reference) {
        return Ok(s);
    }
    let looks_like_path = reference.ends_with(".ron") || reference.contains(['/', '\\']);
    if looks_like_path {
        let path = if Path::new(reference).is_absolute() {
            PathBuf::from(reference)
        } else {
            base_dir.join(reference)
        };
        let text = std::fs::read_to_string(&path).map_err(|e| StyleError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let dir = path.parent().map(Path::to_path_buf);
        return parse(&text, &path.display().to_string(), dir.as_deref());
    }
    let names: Vec<&str> = BUNDLED.iter().map(|(n, _)| *n).collect();
    Err(StyleError::Unknown {
        name: reference.to_string(),
        hint: crate::scene::did_you_mean(reference, names.iter().copied()),
        known: names.join(", "),
    })
}

/// Parses and checks a style file; `dir` resolves its LUT path (bundled styles have none).
///
/// # Errors
/// [`StyleError::Syntax`] with line and column, [`StyleError::Invalid`] with the field.
pub fn parse(text: &str, shown: &str, dir: Option<&Path>) -> Result<Style, StyleError> {
    let file: StyleFile = ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .from_str(text)
        .map_err(|e| StyleError::Syntax {
            path: shown.to_string(),
            line: e.span.start.line,
            col: e.span.start.col,
            message: e.code.to_string(),
        })?;
    let bad = |field: &str, message: String| StyleError::Invalid {
        path: shown.to_string(),
        field: field.to_string(),
        message,
    };
    let g = &file.grade;
    let finite = |v: f32| v.is_finite();
    let checks: [(&str, bool, &str); 14] = [
        (
            "grade.exposure_ev",
            finite(g.exposure_ev) && g.exposure_ev.abs() <= 16.0,
            "in [-16, 16] stops",
        ),
        (
            "grade.temperature_k",
            (1667.0..=25000.0).contains(&g.temperature_k),
            "in [1667, 25000] K",
        ),
        (
            "grade.tint",
            finite(g.tint) && g.tint.abs() <= 10.0,
            "in [-10, 10]",
        ),
        (
            "grade.contrast",
            finite(g.contrast) && g.contrast > 0.0 && g.contrast <= 8.0,
            "in (0, 8]",
        ),
        ("grade.pivot", finite(g.pivot) && g.pivot > 0.0, "> 0"),
        (
            "grade.slope",
            g.slope.iter().all(|v| finite(*v) && *v >= 0.0),
            "three numbers >= 0",
        ),
        (
            "grade.offset",
            g.offset.iter().all(|v| finite(*v) && v.abs() <= 1.0),
            "three numbers in [-1, 1]",
        ),
        (
            "grade.power",
            g.power.iter().all(|v| finite(*v) && *v > 0.0),
            "three numbers > 0",
        ),
        (
            "grade.saturation",
            finite(g.saturation) && (0.0..=4.0).contains(&g.saturation),
            "in [0, 4]",
        ),
        (
            "grade.vignette",
            (0.0..=1.0).contains(&g.vignette),
            "in [0, 1]",
        ),
        ("grade.grain", (0.0..=0.5).contains(&g.grain), "in [0, 0.5]"),
        (
            "grade.split_shadows",
            finite(g.split_shadows.0) && (0.0..=2.0).contains(&g.split_shadows.1),
            "(hue in degrees, strength in [0, 2])",
        ),
        (
            "grade.split_highlights",
            finite(g.split_highlights.0) && (0.0..=2.0).contains(&g.split_highlights.1),
            "(hue in degrees, strength in [0, 2])",
        ),
        (
            "grade.bloom",
            (0.0..=4.0).contains(&g.bloom)
                && (0.0..=4.0).contains(&g.halation)
                && (0.0..=4.0).contains(&g.streak),
            "bloom, halation and streak in [0, 4]",
        ),
    ];
    for (field, ok, want) in checks {
        if !ok {
            return Err(bad(field, format!("expected {want}")));
        }
    }
    if let Some(a) = g.letterbox
        && !(a.is_finite() && (0.5..=4.0).contains(&a))
    {
        return Err(bad(
            "grade.letterbox",
            format!("expected an aspect in [0.5, 4], got {a}"),
        ));
    }
    super::contract::check(&file.targets).map_err(|(field, message)| bad(&field, message))?;
    if let Some(p) = &file.camera
        && !(p.subject_distance_m.is_finite() && p.subject_distance_m > 0.0)
    {
        return Err(bad(
            "camera.subject_distance_m",
            format!("expected a distance > 0 m, got {}", p.subject_distance_m),
        ));
    }
    if let Some(e) = file.sun_elevation_deg
        && !(e.is_finite() && (-10.0..=90.0).contains(&e))
    {
        return Err(bad(
            "sun_elevation_deg",
            format!("expected degrees above the horizon in [-10, 90], got {e}"),
        ));
    }
    if let Some(rig) = &file.rig
        && !crate::scene::LIGHT_RIGS.contains(&rig.as_str())
    {
        let hint = crate::scene::did_you_mean(rig, crate::scene::LIGHT_RIGS.iter().copied());
        return Err(bad(
            "rig",
            format!(
                "unknown light rig \"{rig}\"{hint}; known rigs: {}",
                crate::scene::LIGHT_RIGS.join(", ")
            ),
        ));
    }
    if let Some(f) = file.lens.focal_mm
        && !(f.is_finite() && (4.0..=2000.0).contains(&f))
    {
        return Err(bad(
            "lens.focal_mm",
            format!("expected [4, 2000] mm, got {f}"),
        ));
    }
    if let Some(a) = file.lens.aperture
        && !(a.is_finite() && (0.5..=64.0).contains(&a))
    {
        return Err(bad(
            "lens.aperture",
            format!("expected an f-number in [0.5, 64], got {a}"),
        ));
    }
    let lut = match &g.lut {
        None => None,
        Some(p) => {
            let Some(dir) = dir else {
                return Err(bad(
                    "grade.lut",
                    "bundled styles cannot name a LUT file".into(),
                ));
            };
            let path = dir.join(p);
            let text = std::fs::read_to_string(&path).map_err(|e| StyleError::Read {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            Some(
                Lut3d::parse(&text)
                    .map_err(|e| bad("grade.lut", format!("{}: {e}", path.display())))?,
            )
        }
    };
    let grade = Grade {
        exposure_ev: g.exposure_ev,
        temperature_k: g.temperature_k,
        tint: g.tint,
        contrast: g.contrast,
        pivot: g.pivot,
        tone_map: match g.tone_map {
            ToneMapFile::AcesFit => ToneMap::AcesFit,
            ToneMapFile::Clamp => ToneMap::Clamp,
        },
        cdl: Cdl {
            slope: g.slope,
            offset: g.offset,
            power: g.power,
            saturation: g.saturation,
        },
        lut,
        lut_interpolation: g.lut_interpolation,
        vignette: g.vignette,
        grain: g.grain,
        bloom: g.bloom,
        halation: g.halation,
        streak: g.streak,
        letterbox: g.letterbox,
        split_shadows: g.split_shadows,
        split_highlights: g.split_highlights,
    };
    Ok(Style {
        file,
        grade,
        origin: dir.map_or_else(|| "bundled".to_string(), |_| shown.to_string()),
    })
}

/// Moves the sun of a `Sky` given by angles to `elevation_deg` (a sun given by date
/// and place keeps its hour; other worlds have no sun); whether it moved.
fn set_sun_elevation(environment: &mut Option<EnvironmentFile>, elevation_deg: f32) -> bool {
    if let Some(EnvironmentFile::Sky {
        sun: SunFile::Angles {
            elevation_deg: e, ..
        },
        ..
    }) = environment
    {
        *e = elevation_deg;
        return true;
    }
    false
}

impl Style {
    /// The style's name.
    pub fn name(&self) -> &str {
        &self.file.name
    }

    /// Applies what the style owns to a scene file, leaving everything the scene states
    /// explicitly (see the module docs). Moves that need an entity subject (`Follow`) are
    /// dropped when the scene looks at a fixed point.
    pub fn apply_to(&self, scene: &mut SceneFile) {
        scene.style = Some(self.file.name.clone());
        // The rig lights a scene with no lights of its own under the plain hemisphere; a
        // sky, an image or a uniform environment (its own or its set's) lights it instead.
        // The look's own world, where the scene states none, comes with its rig.
        let unlit_world = matches!(scene.environment, None | Some(EnvironmentFile::Hemisphere));
        let mut hour_set = false;
        if scene.environment.is_none() && scene.set.is_none() {
            scene.environment.clone_from(&self.file.environment);
            scene.world_from_set = false;
            if let Some(e) = self.file.sun_elevation_deg {
                hour_set = set_sun_elevation(&mut scene.environment, e);
            }
        } else if scene.world_from_set
            && let Some(e) = self.file.sun_elevation_deg
        {
            hour_set = set_sun_elevation(&mut scene.environment, e);
        }
        // The look's hour put the sun down: its rig is the practicals.
        let sun_down = hour_set && self.file.sun_elevation_deg.is_some_and(|e| e <= 0.0);
        if scene.lights.is_empty()
            && (unlit_world || sun_down)
            && let Some(rig) = &self.file.rig
        {
            scene.lights.push(LightFile::Rig(rig.clone()));
        }
        if scene.fog.is_none() && scene.set.is_none() {
            scene.fog.clone_from(&self.file.fog);
        }
        let cam: &mut CameraFile = &mut scene.camera;
        if cam.fov_deg.is_none() && cam.focal_mm.is_none() {
            cam.focal_mm = self.file.lens.focal_mm;
        }
        if cam.aperture.is_none() {
            cam.aperture = self.file.lens.aperture;
        }
        let own_path = !(cam.keys.is_empty() && cam.shots.is_empty());
        // A scene that keys its own camera keeps its path; a handheld pattern still
        // carries it by hand (the operator's shake on top of the path).
        if own_path && cam.shake.is_none() {
            cam.shake = self
                .file
                .camera
                .iter()
                .flat_map(|p| &p.moves)
                .find_map(|m| match *m {
                    Move::Handheld {
                        amplitude_deg,
                        frequency_hz,
                    } => Some(ShakeFile {
                        amplitude_deg,
                        frequency_hz,
                    }),
                    _ => None,
                });
        }
        if let Some(pattern) = &self.file.camera
            && !own_path
        {
            let entity_subject = matches!(cam.look_at, LookAt::Entity(_));
            cam.shots.push(ShotFile {
                start: 0.0,
                at: None,
                look_at: None,
                subject: None,
                framing: pattern.framing,
                moves: pattern
                    .moves
                    .iter()
                    .copied()
                    .filter(|m| entity_subject || !matches!(m, Move::Follow(_)))
                    .collect(),
                ease: pattern.ease.unwrap_or(Ease::Smooth),
                subject_distance_m: Some(pattern.subject_distance_m),
            });
        }
    }

    /// The style as resolved RON text (every default written out).
    pub fn to_ron(&self) -> String {
        ron::ser::to_string_pretty(
            &self.file,
            ron::ser::PrettyConfig::default()
                .struct_names(true)
                .extensions(ron::extensions::Extensions::IMPLICIT_SOME),
        )
        .unwrap_or_else(|e| format!("/* cannot print the style: {e} */"))
    }
}
