//! The scene's sound, as written and as checked: acoustic materials (elastic constants
//! and Rayleigh damping, with presets), per-entity overrides, the listener and the room.
//! The synthesis that uses them is [`crate::audio`].

use glam::Vec3;
use serde::{Deserialize, Serialize};

/// `sound:` at the top of a scene (every field optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Sound")]
pub struct SoundFile {
    /// Master gain, dB in `[-60, 24]` (default 0).
    #[serde(default)]
    pub gain_db: f32,
    /// The room's reverberation: a preset name (`"dry"`, `"studio"`, `"room"`,
    /// `"hall"`, `"outdoor"`) or `Custom(rt60: s, wet: 0..1)`. Default: from the set
    /// (`studio` without one).
    #[serde(default)]
    pub room: Option<RoomFile>,
    /// Where the ears are (default: the camera of each frame).
    #[serde(default)]
    pub listener: Option<ListenerFile>,
    /// Modal banks sounding at once, `1..=1024` (default 64); the quietest are culled.
    #[serde(default)]
    pub voices: Option<u32>,
    /// A background bed of room tone at this level, dBFS in `[-90, -20]` (default none).
    #[serde(default)]
    pub room_tone_db: Option<f32>,
    /// `true` (default): the clip's loudest moment is brought to -9 dBFS before
    /// `gain_db`, so any scene is heard at a listening level. `false`: physical levels,
    /// 0 dBFS = 20 Pa (120 dB SPL), so clips compare with each other.
    #[serde(default)]
    pub normalize: Option<bool>,
}

/// A room: a preset or explicit reverberation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum RoomFile {
    /// A named preset.
    Preset(String),
    /// Explicit reverberation.
    Custom {
        /// Reverberation time (decay by 60 dB), s in `[0.05, 10]`.
        rt60: f32,
        /// Wet level relative to the dry sound in `[0, 1]`.
        wet: f32,
    },
}

/// A fixed listener instead of the camera.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Listener")]
pub struct ListenerFile {
    /// Position, m.
    pub at: [f32; 3],
    /// Point the listener faces.
    pub look_at: [f32; 3],
}

/// `sound:` on a material: a preset and/or explicit constants (each overrides the
/// preset's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Acoustic")]
pub struct AcousticFile {
    /// One of [`PRESETS`]' names (default: guessed from the material, see
    /// [`guess_preset`]).
    #[serde(default)]
    pub preset: Option<String>,
    /// Young's modulus, Pa in `[1e5, 1e12]`.
    #[serde(default)]
    pub young_modulus: Option<f32>,
    /// Poisson's ratio in `[0, 0.499]`.
    #[serde(default)]
    pub poisson: Option<f32>,
    /// Rayleigh mass damping α, 1/s in `[0, 10000]`.
    #[serde(default)]
    pub alpha: Option<f32>,
    /// Rayleigh stiffness damping β, s in `[0, 0.01]`.
    #[serde(default)]
    pub beta: Option<f32>,
    /// Surface roughness: the sliding force's fluctuation relative to the normal force,
    /// `[0, 1]`.
    #[serde(default)]
    pub roughness: Option<f32>,
}

/// `sound:` on an entity.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "EntitySound")]
pub struct EntitySoundFile {
    /// Gain multiplying its sound, `[0, 100]` (default 1).
    #[serde(default)]
    pub gain: Option<f32>,
    /// Makes no sound of its own (it still excites what it strikes).
    #[serde(default)]
    pub silent: Option<bool>,
    /// Its modes instead of the shape's: `(frequency Hz, T60 s, gain)` each, at most
    /// [`MAX_MODES`].
    #[serde(default)]
    pub modes: Option<Vec<(f32, f32, f32)>>,
}

/// Elastic and damping constants of a material, as the synthesis uses them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Acoustic {
    /// The preset it started from.
    pub preset: &'static str,
    /// Young's modulus, Pa.
    pub young_modulus: f32,
    /// Poisson's ratio.
    pub poisson: f32,
    /// Rayleigh mass damping α, 1/s: a mode at ω decays at `(α + β ω²) / 2` per second.
    pub alpha: f32,
    /// Rayleigh stiffness damping β, s.
    pub beta: f32,
    /// Sliding force fluctuation relative to the normal force.
    pub roughness: f32,
}

/// The acoustic presets. Elastic constants are handbook values; the Rayleigh damping
/// constants are of the order that Ren, Yeh & Lin (2013, "Example-guided physically based
/// modal sound synthesis", table 1) and O'Brien, Shen & Gatchalian (2002) fit to
/// recordings. What each promises, measurably: a 500 Hz mode's T60 (`6.91 / ((α + β ω²) /
/// 2)`) is about 2.6 s for steel, 7 s for glass, 0.17 s for wood, 0.005 s for rubber.
pub const PRESETS: [Acoustic; 8] = [
    preset("steel", 2.0e11, 0.29, 5.0, 3e-8, 0.05),
    preset("wood", 1.1e10, 0.25, 60.0, 2e-6, 0.15),
    preset("glass", 6.2e10, 0.22, 1.0, 1e-7, 0.03),
    preset("ceramic", 7.2e10, 0.19, 6.0, 1e-7, 0.06),
    preset("rubber", 1.0e7, 0.49, 2000.0, 1e-4, 0.3),
    preset("plastic", 2.4e9, 0.37, 30.0, 1e-6, 0.1),
    preset("concrete", 3.0e10, 0.2, 50.0, 1e-6, 0.3),
    preset("stone", 5.0e10, 0.25, 20.0, 3e-7, 0.2),
];

const fn preset(
    preset: &'static str,
    young_modulus: f32,
    poisson: f32,
    alpha: f32,
    beta: f32,
    roughness: f32,
) -> Acoustic {
    Acoustic {
        preset,
        young_modulus,
        poisson,
        alpha,
        beta,
        roughness,
    }
}

/// The preset of this name.
pub fn find_preset(name: &str) -> Option<Acoustic> {
    PRESETS.iter().find(|p| p.preset == name).copied()
}

/// The preset a material without `sound:` gets: a preset's name (or a common synonym) in
/// the material's name; else metal → steel, clear → glass, light (< 900 kg/m³) → wood,
/// heavy (> 4000 kg/m³) → steel, anything else → plastic.
pub fn guess_preset(name: &str, metallic: f32, transmission: f32, density: f32) -> Acoustic {
    let lower = name.to_ascii_lowercase();
    const WORDS: &[(&str, &str)] = &[
        ("steel", "steel"),
        ("metal", "steel"),
        ("iron", "steel"),
        ("alumin", "steel"),
        ("brass", "steel"),
        ("copper", "steel"),
        ("chrome", "steel"),
        ("gold", "steel"),
        ("lead", "steel"),
        ("wood", "wood"),
        ("oak", "wood"),
        ("pine", "wood"),
        ("glass", "glass"),
        ("crystal", "glass"),
        ("ceramic", "ceramic"),
        ("porcelain", "ceramic"),
        ("tile", "ceramic"),
        ("rubber", "rubber"),
        ("foam", "rubber"),
        ("felt", "rubber"),
        ("plastic", "plastic"),
        ("concrete", "concrete"),
        ("brick", "concrete"),
        ("stone", "stone"),
        ("marble", "stone"),
        ("granite", "stone"),
        ("rock", "stone"),
    ];
    let by_name = WORDS
        .iter()
        .find(|(w, _)| lower.contains(w))
        .map(|(_, p)| *p);
    let name = by_name.unwrap_or(if metallic >= 0.5 {
        "steel"
    } else if transmission >= 0.5 {
        "glass"
    } else if density < 900.0 {
        "wood"
    } else if density > 4000.0 {
        "steel"
    } else {
        "plastic"
    });
    find_preset(name).unwrap_or(PRESETS[5])
}

/// Most modes an entity's `sound.modes` may list.
pub const MAX_MODES: usize = 64;
/// Most seconds of audio a clip may have.
pub const MAX_AUDIO_SECONDS: f32 = 600.0;

/// A mode given by hand.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ModeSpec {
    /// Hz.
    pub freq_hz: f32,
    /// Time to decay by 60 dB, s.
    pub t60: f32,
    /// Relative gain.
    pub gain: f32,
}

/// An entity's sound settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntitySound {
    /// Gain multiplying its sound.
    pub gain: f32,
    /// Makes no sound of its own.
    pub silent: bool,
    /// Its modes, if given by hand.
    pub modes: Option<Vec<ModeSpec>>,
}

impl Default for EntitySound {
    fn default() -> Self {
        Self {
            gain: 1.0,
            silent: false,
            modes: None,
        }
    }
}

/// A room's reverberation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Room {
    /// Preset name, or `"custom"`.
    pub name: &'static str,
    /// Reverberation time, s (0: none).
    pub rt60: f32,
    /// Wet level.
    pub wet: f32,
}

/// The room presets: each a reverberation time and wet level a reviewer can measure from
/// the reverb's impulse response.
pub const ROOMS: [Room; 5] = [
    Room {
        name: "dry",
        rt60: 0.0,
        wet: 0.0,
    },
    Room {
        name: "studio",
        rt60: 0.35,
        wet: 0.12,
    },
    Room {
        name: "room",
        rt60: 0.6,
        wet: 0.22,
    },
    Room {
        name: "hall",
        rt60: 1.8,
        wet: 0.35,
    },
    Room {
        name: "outdoor",
        rt60: 0.15,
        wet: 0.04,
    },
];

/// The scene's sound settings, checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SoundSettings {
    /// Master gain, dB.
    pub gain_db: f32,
    /// The room.
    pub room: Room,
    /// A fixed listener `(at, look_at)`, or `None` for the camera.
    pub listener: Option<(Vec3, Vec3)>,
    /// Modal banks sounding at once.
    pub voices: u32,
    /// Room tone level, dBFS.
    pub room_tone_db: Option<f32>,
    /// Bring the loudest moment to [`NORMALIZED_PEAK_DB`] before the gain.
    pub normalize: bool,
}

/// Where `normalize` puts the clip's peak, dBFS (before `gain_db`; room for +6 dB).
pub const NORMALIZED_PEAK_DB: f32 = -9.0;

impl Default for SoundSettings {
    fn default() -> Self {
        Self {
            gain_db: 0.0,
            room: ROOMS[1],
            listener: None,
            voices: 64,
            room_tone_db: None,
            normalize: true,
        }
    }
}

/// Checks `sound:`; `set` names the scene's set (its room is the default). Problems go
/// to `problem(field path, message)`.
pub(crate) fn check_settings(
    f: Option<&SoundFile>,
    set: Option<&str>,
    problem: &mut dyn FnMut(&str, String),
) -> SoundSettings {
    let set_room = match set {
        Some("room" | "tabletop") => ROOMS[2],
        Some("outdoor") => ROOMS[4],
        _ => ROOMS[1],
    };
    let Some(f) = f else {
        return SoundSettings {
            room: set_room,
            ..SoundSettings::default()
        };
    };
    if !(f.gain_db.is_finite() && (-60.0..=24.0).contains(&f.gain_db)) {
        problem(
            "sound.gain_db",
            format!("must be in [-60, 24] dB, got {}", f.gain_db),
        );
    }
    let room = match &f.room {
        None => set_room,
        Some(RoomFile::Preset(name)) => match ROOMS.iter().find(|r| r.name == name) {
            Some(r) => *r,
            None => {
                let names: Vec<&str> = ROOMS.iter().map(|r| r.name).collect();
                problem(
                    "sound.room",
                    format!(
                        "unknown room \"{name}\"; expected one of {}",
                        names.join(", ")
                    ),
                );
                set_room
            }
        },
        Some(RoomFile::Custom { rt60, wet }) => {
            if !(rt60.is_finite() && (0.05..=10.0).contains(rt60)) {
                problem(
                    "sound.room.rt60",
                    format!("must be in [0.05, 10] s, got {rt60}"),
                );
            }
            if !(wet.is_finite() && (0.0..=1.0).contains(wet)) {
                problem("sound.room.wet", format!("must be in [0, 1], got {wet}"));
            }
            Room {
                name: "custom",
                rt60: *rt60,
                wet: *wet,
            }
        }
    };
    let listener = f.listener.as_ref().map(|l| {
        let (at, look) = (Vec3::from(l.at), Vec3::from(l.look_at));
        if !(at.is_finite() && look.is_finite()) {
            problem("sound.listener", "at and look_at must be finite".into());
        } else if at.distance(look) < 1e-3 {
            problem(
                "sound.listener",
                "look_at must differ from at (the listener needs a direction)".into(),
            );
        }
        (at, look)
    });
    let voices = f.voices.unwrap_or(64);
    if !(1..=1024).contains(&voices) {
        problem("sound.voices", format!("must be in 1..=1024, got {voices}"));
    }
    if let Some(db) = f.room_tone_db
        && !(db.is_finite() && (-90.0..=-20.0).contains(&db))
    {
        problem(
            "sound.room_tone_db",
            format!("must be in [-90, -20] dBFS, got {db}"),
        );
    }
    SoundSettings {
        gain_db: f.gain_db,
        room,
        listener,
        voices,
        room_tone_db: f.room_tone_db,
        normalize: f.normalize.unwrap_or(true),
    }
}

/// Checks a material's `sound:` (at `at`, e.g. `materials["steel"]`) over the guessed
/// preset.
pub(crate) fn check_acoustic(
    f: Option<&AcousticFile>,
    guess: Acoustic,
    at: &str,
    problem: &mut dyn FnMut(&str, String),
) -> Acoustic {
    let Some(f) = f else {
        return guess;
    };
    let mut a = match &f.preset {
        None => guess,
        Some(name) => find_preset(name).unwrap_or_else(|| {
            let names: Vec<&str> = PRESETS.iter().map(|p| p.preset).collect();
            problem(
                at,
                format!(
                    "sound.preset: unknown acoustic preset \"{name}\"; expected one of {}",
                    names.join(", ")
                ),
            );
            guess
        }),
    };
    // (field, given, lowest, highest, unit, where it goes)
    type Field<'a> = (
        &'static str,
        Option<f32>,
        f32,
        f32,
        &'static str,
        &'a mut f32,
    );
    let fields: [Field; 5] = [
        (
            "young_modulus",
            f.young_modulus,
            1e5,
            1e12,
            " Pa",
            &mut a.young_modulus,
        ),
        ("poisson", f.poisson, 0.0, 0.499, "", &mut a.poisson),
        ("alpha", f.alpha, 0.0, 1e4, " 1/s", &mut a.alpha),
        ("beta", f.beta, 0.0, 1e-2, " s", &mut a.beta),
        ("roughness", f.roughness, 0.0, 1.0, "", &mut a.roughness),
    ];
    for (field, v, lo, hi, unit, slot) in fields {
        if let Some(v) = v {
            if v.is_finite() && v >= lo && v <= hi {
                *slot = v;
            } else {
                problem(
                    at,
                    format!("sound.{field} must be in [{lo}, {hi}]{unit}, got {v}"),
                );
            }
        }
    }
    a
}

/// Checks an entity's `sound:` (at `at`).
pub(crate) fn check_entity(
    f: Option<&EntitySoundFile>,
    at: &str,
    problem: &mut dyn FnMut(&str, String),
) -> EntitySound {
    let Some(f) = f else {
        return EntitySound::default();
    };
    let gain = f.gain.unwrap_or(1.0);
    if !(gain.is_finite() && (0.0..=100.0).contains(&gain)) {
        problem(at, format!("sound.gain must be in [0, 100], got {gain}"));
    }
    let modes = f.modes.as_ref().map(|modes| {
        if modes.is_empty() || modes.len() > MAX_MODES {
            problem(
                at,
                format!(
                    "sound.modes must list 1..={MAX_MODES} modes, got {}",
                    modes.len()
                ),
            );
        }
        modes
            .iter()
            .enumerate()
            .map(|(i, &(freq_hz, t60, gain))| {
                let here = format!("sound.modes[{i}]");
                if !(freq_hz.is_finite() && (20.0..=20_000.0).contains(&freq_hz)) {
                    problem(
                        at,
                        format!("{here}: frequency must be in [20, 20000] Hz, got {freq_hz}"),
                    );
                }
                if !(t60.is_finite() && (0.001..=60.0).contains(&t60)) {
                    problem(
                        at,
                        format!("{here}: T60 must be in [0.001, 60] s, got {t60}"),
                    );
                }
                if !(gain.is_finite() && (0.0..=10.0).contains(&gain)) {
                    problem(at, format!("{here}: gain must be in [0, 10], got {gain}"));
                }
                ModeSpec { freq_hz, t60, gain }
            })
            .collect()
    });
    EntitySound {
        gain,
        silent: f.silent.unwrap_or(false),
        modes,
    }
}
