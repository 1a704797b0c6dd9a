//! Cloth in a scene: the `cloths:` and `wind:` fields as written, the fabric presets, and
//! the validated [`Cloth`] and [`Wind`] the physics stage simulates.
//!
//! A sheet is a regular grid in its local X–Y plane, centered on its origin, facing local
//! +Z (a flag or a curtain as placed with no rotation): vertex `(i, j)` has
//! `i = 0..=nx` from left (−X) to right and `j = 0..=ny` from top (+Y) to bottom, and
//! texture coordinates `(i / nx, j / ny)`. A tablecloth lies flat with
//! `rotate_deg: (-90, 0, 0)` (its front then faces +Y and its top edge −Z).

use glam::{Vec2, Vec3};
use serde::{Deserialize, Serialize};

use super::file::Color;
use crate::math::Pose;

/// One sheet of cloth as written in `cloths:`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Cloth")]
pub struct ClothFile {
    /// A unique name among entities and cloths (its segmentation id is an entity's).
    pub name: String,
    /// The fabric: `"cotton"`, `"silk"`, `"denim"` or `"rubber-sheet"` sets the mechanics
    /// and a look; a key of `materials` gives the look (and, if named like a fabric,
    /// that fabric's mechanics; cotton otherwise). Default `"cotton"`.
    #[serde(default = "default_fabric")]
    pub material: String,
    /// Width and height of the sheet, m.
    pub size: [f32; 2],
    /// Quads across and down (default: squares of about 2.5 cm, 4 to 64 per side).
    #[serde(default)]
    pub resolution: Option<(u32, u32)>,
    /// Position of the sheet's center, m.
    #[serde(default)]
    pub at: [f32; 3],
    /// Rotation, degrees about fixed X, then Y, then Z.
    #[serde(default)]
    pub rotate_deg: [f32; 3],
    /// Vertices held in place (or carried by `attach`).
    #[serde(default)]
    pub pin: Vec<PinFile>,
    /// An entity whose body carries the pinned vertices (a pole, a hand, a moving rail);
    /// without it pins stay where they start.
    #[serde(default)]
    pub attach: Option<String>,
    /// Initial velocity of every free vertex, m/s.
    #[serde(default)]
    pub velocity: [f32; 3],
    /// Base color instead of the material's.
    #[serde(default)]
    pub color: Option<Color>,
    /// Overrides of the fabric's mechanics.
    #[serde(default)]
    pub fabric: Option<FabricFile>,
    /// Whether the sheet collides with itself (default true).
    #[serde(default = "yes")]
    pub self_collision: bool,
}

fn default_fabric() -> String {
    "cotton".into()
}

fn yes() -> bool {
    true
}

/// Which vertices a pin holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PinFile {
    /// Vertex `(0, 0)`.
    TopLeft,
    /// Vertex `(nx, 0)`.
    TopRight,
    /// Vertex `(0, ny)`.
    BottomLeft,
    /// Vertex `(nx, ny)`.
    BottomRight,
    /// The whole top row.
    Top,
    /// The whole bottom row.
    Bottom,
    /// The whole left column.
    Left,
    /// The whole right column.
    Right,
    /// One vertex `(i, j)`.
    Vertex(u32, u32),
}

/// Overrides of a fabric preset; every field optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Fabric")]
pub struct FabricFile {
    /// Mass per area, kg/m².
    #[serde(default)]
    pub areal_density: Option<f32>,
    /// Stretch stiffness, N/m.
    #[serde(default)]
    pub stretch: Option<f32>,
    /// Shear stiffness, N/m.
    #[serde(default)]
    pub shear: Option<f32>,
    /// Bending rigidity, N·m.
    #[serde(default)]
    pub bend: Option<f32>,
    /// Velocity damping, 1/s.
    #[serde(default)]
    pub damping: Option<f32>,
    /// Coulomb friction against solids.
    #[serde(default)]
    pub friction: Option<f32>,
    /// Collision thickness, m.
    #[serde(default)]
    pub thickness: Option<f32>,
    /// Aerodynamic drag coefficient.
    #[serde(default)]
    pub drag: Option<f32>,
}

/// A steady wind with optional gusts, as written in `wind:`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Wind")]
pub struct WindFile {
    /// Mean wind velocity, m/s.
    pub velocity: [f32; 3],
    /// Gust strength as a fraction of the mean speed, in `[0, 1]` (default 0).
    #[serde(default)]
    pub gust: f32,
    /// Typical time between gusts, s (default 2).
    #[serde(default = "two")]
    pub gust_period: f32,
}

fn two() -> f32 {
    2.0
}

/// A fabric's mechanics. The stiffnesses are those of a continuous sheet; the solver
/// turns them into per-constraint compliances (see `physics::cloth`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Fabric {
    /// Preset name.
    pub name: &'static str,
    /// Mass per area, kg/m².
    pub areal_density: f32,
    /// Stretch stiffness (tensile rigidity per width), N/m.
    pub stretch: f32,
    /// In-plane shear stiffness, N/m.
    pub shear: f32,
    /// Bending rigidity, N·m.
    pub bend: f32,
    /// Velocity damping, 1/s.
    pub damping: f32,
    /// Coulomb friction against solids.
    pub friction: f32,
    /// Collision thickness: the sheet keeps this far from solids and from itself, m.
    pub thickness: f32,
    /// Aerodynamic drag coefficient for flow normal to the sheet.
    pub drag: f32,
}

/// The bundled fabrics. Areal densities are typical weights (shirting cotton 150 g/m²,
/// silk habotai 60 g/m², 14 oz denim 400 g/m², 1 mm natural rubber 1.1 kg/m²); bending
/// and shear rigidities are of the order Kawabata's KES-F measurements give for such
/// fabrics (cotton B ≈ 0.1 gf·cm²/cm ≈ 1e-5 N·m, G ≈ 0.5 gf/cm/° ≈ 30 N/m/rad); the
/// rubber sheet's from E = 1.5 MPa, t = 1 mm (B = E t³ / 12(1 − ν²)).
pub const FABRICS: [Fabric; 4] = [
    Fabric {
        name: "cotton",
        areal_density: 0.15,
        stretch: 5000.0,
        shear: 30.0,
        bend: 1.0e-5,
        damping: 0.3,
        friction: 0.5,
        thickness: 0.004,
        drag: 1.2,
    },
    Fabric {
        name: "silk",
        areal_density: 0.06,
        stretch: 3000.0,
        shear: 10.0,
        bend: 2.0e-6,
        damping: 0.3,
        friction: 0.25,
        thickness: 0.003,
        drag: 1.2,
    },
    Fabric {
        name: "denim",
        areal_density: 0.4,
        stretch: 20000.0,
        shear: 100.0,
        bend: 1.0e-4,
        damping: 0.3,
        friction: 0.6,
        thickness: 0.005,
        drag: 1.2,
    },
    Fabric {
        name: "rubber-sheet",
        areal_density: 1.1,
        stretch: 2000.0,
        shear: 600.0,
        bend: 1.7e-4,
        damping: 0.5,
        friction: 1.0,
        thickness: 0.004,
        drag: 1.2,
    },
];

/// The look a fabric gets when the scene has no material of its name: sRGB color and
/// roughness.
pub(crate) fn fabric_look(name: &str) -> (&'static str, f32) {
    match name {
        "silk" => ("#b23a48", 0.35),
        "denim" => ("#3b5680", 0.85),
        "rubber-sheet" => ("#2b2b2e", 0.6),
        _ => ("#e9e4d8", 0.9),
    }
}

/// The preset named `name`.
pub fn find_fabric(name: &str) -> Option<Fabric> {
    FABRICS.iter().find(|f| f.name == name).copied()
}

/// Most vertices of all cloths in a scene together.
pub const MAX_CLOTH_VERTICES: usize = 100_000;
/// Most quads along one side of a sheet.
pub const MAX_CLOTH_RESOLUTION: u32 = 512;

/// A validated sheet of cloth.
#[derive(Debug, Clone)]
pub struct Cloth {
    /// Name (also its entity's).
    pub name: String,
    /// The entity standing for it (segmentation id, material, metadata).
    pub entity: usize,
    /// Width and height, m.
    pub size: Vec2,
    /// Quads across and down.
    pub resolution: (u32, u32),
    /// Where its local grid sits at t = 0.
    pub pose: Pose,
    /// Pinned vertex indices, ascending.
    pub pins: Vec<u32>,
    /// The entity whose body carries the pins.
    pub attach: Option<usize>,
    /// Initial velocity of the free vertices, m/s.
    pub velocity: Vec3,
    /// Mechanics.
    pub fabric: Fabric,
    /// Self-collision on.
    pub self_collision: bool,
}

impl Cloth {
    /// Vertices across and down, `(nx + 1, ny + 1)`.
    pub fn grid(&self) -> (u32, u32) {
        (self.resolution.0 + 1, self.resolution.1 + 1)
    }

    /// Number of vertices.
    pub fn vertex_count(&self) -> usize {
        let (w, h) = self.grid();
        w as usize * h as usize
    }

    /// Index of vertex `(i, j)`.
    pub fn index(&self, i: u32, j: u32) -> u32 {
        j * self.grid().0 + i
    }

    /// Texture coordinates of vertex `(i, j)`.
    pub fn uv(&self, i: u32, j: u32) -> Vec2 {
        Vec2::new(
            i as f32 / self.resolution.0 as f32,
            j as f32 / self.resolution.1 as f32,
        )
    }

    /// Position of vertex `(i, j)` in the sheet's own frame at rest.
    pub fn local_position(&self, i: u32, j: u32) -> Vec3 {
        let uv = self.uv(i, j);
        Vec3::new((uv.x - 0.5) * self.size.x, (0.5 - uv.y) * self.size.y, 0.0)
    }

    /// Every vertex's world position at t = 0, row by row.
    pub fn initial_positions(&self) -> Vec<Vec3> {
        let (w, h) = self.grid();
        (0..h)
            .flat_map(|j| (0..w).map(move |i| (i, j)))
            .map(|(i, j)| self.pose.transform_point(self.local_position(i, j)))
            .collect()
    }

    /// Two counter-clockwise triangles per quad (seen from the front, local +Z), split
    /// along alternating diagonals so the sheet has no preferred shear direction.
    pub fn triangles(&self) -> Vec<[u32; 3]> {
        let (nx, ny) = self.resolution;
        let mut out = Vec::with_capacity(2 * nx as usize * ny as usize);
        for j in 0..ny {
            for i in 0..nx {
                let (a, b) = (self.index(i, j), self.index(i + 1, j));
                let (c, d) = (self.index(i, j + 1), self.index(i + 1, j + 1));
                // a b
                // c d   (j grows downward: local −Y)
                if (i + j) % 2 == 0 {
                    out.push([a, c, d]);
                    out.push([a, d, b]);
                } else {
                    out.push([a, c, b]);
                    out.push([b, c, d]);
                }
            }
        }
        out
    }

    /// Mass of one vertex away from the edges, kg.
    pub fn vertex_mass(&self) -> f32 {
        self.fabric.areal_density * self.size.x * self.size.y / self.vertex_count() as f32
    }
}

/// The validated wind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wind {
    /// Mean velocity, m/s.
    pub velocity: Vec3,
    /// Gust strength, fraction of the mean.
    pub gust: f32,
    /// Typical time between gusts, s.
    pub gust_period: f32,
}

impl Wind {
    /// The wind velocity at time `t`: the mean scaled by `1 + gust · g(t)`, where `g` is a
    /// sum of three sines with periods `gust_period × (1, 0.53, 0.31)` and phases drawn
    /// from the scene seed, normalized to `[-1, 1]`. A pure function of `(t, seed)`.
    pub fn at(&self, t: f32, seed: u64) -> Vec3 {
        if self.gust == 0.0 {
            return self.velocity;
        }
        let mut rng = crate::rng::SeededRng::new(seed, "wind");
        let mut g = 0.0;
        for (k, w) in [(1.0f32, 0.5f32), (0.53, 0.3), (0.31, 0.2)] {
            let phase = rng.range(0.0, std::f32::consts::TAU);
            g += w * (std::f32::consts::TAU * t / (self.gust_period * k) + phase).sin();
        }
        self.velocity * (1.0 + self.gust * g)
    }
}

/// Checks the numbers of one sheet (names and materials are resolved by the caller).
/// Returns the fabric with its overrides and the resolution, or `None` after reporting.
pub(crate) fn check_numbers(
    c: &ClothFile,
    base: Fabric,
    at: &str,
    problem: &mut dyn FnMut(&str, String),
) -> Option<(Fabric, (u32, u32))> {
    let before = std::cell::Cell::new(0usize);
    let mut report = |field: &str, message: String| {
        before.set(before.get() + 1);
        problem(&format!("{at}: {field}"), message);
    };
    let [w, h] = c.size;
    if !(w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0 && w <= 100.0 && h <= 100.0) {
        report(
            "size",
            format!("must be two lengths in (0, 100] m, got ({w}, {h})"),
        );
    }
    let finite = |v: [f32; 3]| v.iter().all(|x| x.is_finite());
    for (field, v) in [
        ("at", c.at),
        ("rotate_deg", c.rotate_deg),
        ("velocity", c.velocity),
    ] {
        if !finite(v) {
            report(field, format!("must be finite, got {v:?}"));
        }
    }
    let resolution = match c.resolution {
        Some((nx, ny)) => {
            if !(1..=MAX_CLOTH_RESOLUTION).contains(&nx)
                || !(1..=MAX_CLOTH_RESOLUTION).contains(&ny)
            {
                report(
                    "resolution",
                    format!(
                        "must be quads across and down, each 1 to {MAX_CLOTH_RESOLUTION}, got ({nx}, {ny})"
                    ),
                );
            }
            (nx, ny)
        }
        None => {
            let quads = |len: f32| ((len / 0.025).round() as u32).clamp(4, 64);
            (quads(w.max(0.0)), quads(h.max(0.0)))
        }
    };
    for (k, p) in c.pin.iter().enumerate() {
        if let PinFile::Vertex(i, j) = *p
            && (i > resolution.0 || j > resolution.1)
        {
            report(
                &format!("pin[{k}]"),
                format!(
                    "Vertex({i}, {j}) is outside the grid: i goes 0..={}, j 0..={}",
                    resolution.0, resolution.1
                ),
            );
        }
    }
    let mut fabric = base;
    if let Some(f) = &c.fabric {
        let fields: [(&str, Option<f32>, &mut f32, f32, f32); 8] = [
            (
                "areal_density",
                f.areal_density,
                &mut fabric.areal_density,
                1e-4,
                100.0,
            ),
            ("stretch", f.stretch, &mut fabric.stretch, 1e-3, 1e9),
            ("shear", f.shear, &mut fabric.shear, 0.0, 1e9),
            ("bend", f.bend, &mut fabric.bend, 0.0, 1e3),
            ("damping", f.damping, &mut fabric.damping, 0.0, 100.0),
            ("friction", f.friction, &mut fabric.friction, 0.0, 10.0),
            ("thickness", f.thickness, &mut fabric.thickness, 1e-4, 0.1),
            ("drag", f.drag, &mut fabric.drag, 0.0, 10.0),
        ];
        for (name, given, slot, lo, hi) in fields {
            if let Some(v) = given {
                if v.is_finite() && (lo..=hi).contains(&v) {
                    *slot = v;
                } else {
                    report(
                        &format!("fabric.{name}"),
                        format!("must be in [{lo}, {hi}], got {v}"),
                    );
                }
            }
        }
    }
    (before.get() == 0).then_some((fabric, resolution))
}

/// The pinned vertex indices of a grid of `resolution` quads, ascending, no repeats.
pub(crate) fn pin_indices(pins: &[PinFile], (nx, ny): (u32, u32)) -> Vec<u32> {
    let w = nx + 1;
    let mut out = std::collections::BTreeSet::new();
    for p in pins {
        match *p {
            PinFile::TopLeft => {
                out.insert(0);
            }
            PinFile::TopRight => {
                out.insert(nx);
            }
            PinFile::BottomLeft => {
                out.insert(ny * w);
            }
            PinFile::BottomRight => {
                out.insert(ny * w + nx);
            }
            PinFile::Top => out.extend(0..=nx),
            PinFile::Bottom => out.extend((0..=nx).map(|i| ny * w + i)),
            PinFile::Left => out.extend((0..=ny).map(|j| j * w)),
            PinFile::Right => out.extend((0..=ny).map(|j| j * w + nx)),
            PinFile::Vertex(i, j) => {
                out.insert(j * w + i);
            }
        }
    }
    out.into_iter().collect()
}

/// Checks `wind:`.
pub(crate) fn check_wind(w: &WindFile, problem: &mut dyn FnMut(&str, String)) -> Option<Wind> {
    let v = Vec3::from(w.velocity);
    let mut ok = true;
    if !v.is_finite() || v.length() > 100.0 {
        problem(
            "wind: velocity",
            format!("must be finite and at most 100 m/s, got {:?}", w.velocity),
        );
        ok = false;
    }
    if !(0.0..=1.0).contains(&w.gust) {
        problem("wind: gust", format!("must be in [0, 1], got {}", w.gust));
        ok = false;
    }
    if !(w.gust_period.is_finite() && w.gust_period >= 0.1) {
        problem(
            "wind: gust_period",
            format!("must be at least 0.1 s, got {}", w.gust_period),
        );
        ok = false;
    }
    ok.then_some(Wind {
        velocity: v,
        gust: w.gust,
        gust_period: w.gust_period,
    })
}
