//! Liquids in a scene: the `fluids:` field as written, the liquid presets, and the
//! validated [`Fluid`] the physics stage simulates as SPH particles (salva3d's DFSPH).
//!
//! A fluid starts as particles on a cubic lattice of spacing `2 × particle_radius`
//! filling a box, the cavity of a container entity, or nothing at all for an emitter
//! (a nozzle that adds layers of particles while it runs). Every fluid of a scene shares
//! one particle radius: salva's world has a single one.

use glam::Vec3;
use serde::{Deserialize, Serialize};

use super::file::Color;

/// One liquid as written in `fluids:`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Fluid")]
pub struct FluidFile {
    /// A unique name among entities, cloths and fluids (its segmentation id is an
    /// entity's).
    pub name: String,
    /// The liquid: `"water"`, `"oil"`, `"honey"`, `"milk"` or `"juice"` (default water).
    #[serde(default = "default_liquid")]
    pub material: String,
    /// Where the particles start.
    pub fill: FillFile,
    /// Particle radius, m (default 0.01; every fluid of a scene must use the same).
    #[serde(default)]
    pub particle_radius: Option<f32>,
    /// Initial velocity of the filled particles, m/s.
    #[serde(default)]
    pub velocity: [f32; 3],
    /// Base color instead of the liquid's (sRGB hex or linear triple).
    #[serde(default)]
    pub color: Option<Color>,
    /// Overrides of the liquid's physical numbers.
    #[serde(default)]
    pub liquid: Option<LiquidFile>,
}

fn default_liquid() -> String {
    "water".into()
}

/// Where a fluid's particles come from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum FillFile {
    /// An axis-aligned box of liquid: center and size, m.
    Box {
        /// Center, m.
        center: [f32; 3],
        /// Width, height and depth, m.
        size: [f32; 3],
    },
    /// The cavity of a container (a glass, a bowl, a tank) filled to `level` of its
    /// height: lattice points inside the container's convex hull and clear of its walls.
    Inside {
        /// The container entity's name.
        entity: String,
        /// Fill level as a fraction of the container's height, in `(0, 1]` (default 0.8).
        #[serde(default = "default_level")]
        level: f32,
    },
    /// A round nozzle pouring at a fixed rate from `from` to `until`, s.
    Emitter {
        /// Center of the nozzle's opening, m.
        at: [f32; 3],
        /// Direction the liquid leaves in (normalized by the reader).
        direction: [f32; 3],
        /// Nozzle radius, m (default 1 cm).
        #[serde(default = "default_nozzle")]
        radius: f32,
        /// Flow, litres per second.
        rate_l_per_s: f32,
        /// Start, s (default 0).
        #[serde(default)]
        from: f32,
        /// End, s (default: the clip's end).
        #[serde(default)]
        until: Option<f32>,
    },
}

fn default_level() -> f32 {
    0.8
}

fn default_nozzle() -> f32 {
    0.01
}

/// Overrides of a liquid preset; every field optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Liquid")]
pub struct LiquidFile {
    /// Rest density, kg/m³.
    #[serde(default)]
    pub density: Option<f32>,
    /// Kinematic viscosity, m²/s (water 1e-6).
    #[serde(default)]
    pub viscosity: Option<f32>,
    /// Surface tension, N/m: only 0 is accepted (the solver applies none yet).
    #[serde(default)]
    pub surface_tension: Option<f32>,
    /// Cohesion, salva's Akinci 2013 surface-tension coefficient in `[0, 10]`: a look
    /// constant (particles pull together, a spill beads into a puddle), not N/m.
    #[serde(default)]
    pub cohesion: Option<f32>,
    /// Index of refraction, in `[1, 3]`.
    #[serde(default)]
    pub ior: Option<f32>,
    /// Beer–Lambert absorption per metre of liquid crossed, linear RGB, >= 0.
    #[serde(default)]
    pub absorption: Option<[f32; 3]>,
}

/// A liquid's physics and look.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Liquid {
    /// Preset name.
    pub name: &'static str,
    /// Rest density, kg/m³.
    pub density: f32,
    /// Kinematic viscosity, m²/s.
    pub viscosity: f32,
    /// Surface tension, N/m.
    pub surface_tension: f32,
    /// Cohesion (Akinci et al. 2013's coefficient as salva applies it; 0 turns it off).
    pub cohesion: f32,
    /// Index of refraction.
    pub ior: f32,
    /// Absorption per metre, linear RGB (the reference tracer's Beer–Lambert tint).
    pub absorption: [f32; 3],
    /// The raster's base color (sRGB hex): what the liquid looks like seen as a whole.
    #[serde(skip)]
    pub color: &'static str,
    /// Whether light passes through it (clear liquids) or it scatters like milk.
    pub clear: bool,
    /// Perceptual roughness of its surface.
    pub roughness: f32,
}

/// The bundled liquids at 20 °C. Densities and viscosities from the CRC Handbook of
/// Chemistry and Physics (water 998 kg/m³, 1.0 mPa·s; olive oil 911 kg/m³, 81 mPa·s;
/// whole milk 1030 kg/m³, 2 mPa·s; orange juice 1045 kg/m³, about 2 mPa·s); honey
/// 1420 kg/m³ at about 10 Pa·s (Yanniotis et al. 2006, "Effect of moisture content on
/// the viscosity of honey"). Absorption: pure water's red absorption (Pope and Fry 1997,
/// 0.35–0.45 /m at 650 nm) and golden-to-amber tints for oil and honey that leave a
/// 5 cm glass the color named.
pub const LIQUIDS: [Liquid; 5] = [
    Liquid {
        name: "water",
        density: 998.0,
        viscosity: 1.0e-6,
        surface_tension: 0.0,
        cohesion: 0.0,
        ior: 1.333,
        absorption: [0.45, 0.07, 0.02],
        color: "#cfe3ee",
        clear: true,
        roughness: 0.02,
    },
    Liquid {
        name: "oil",
        density: 911.0,
        viscosity: 8.9e-5,
        surface_tension: 0.0,
        cohesion: 0.0,
        ior: 1.47,
        absorption: [1.5, 5.0, 45.0],
        color: "#c9a233",
        clear: true,
        roughness: 0.03,
    },
    Liquid {
        name: "honey",
        density: 1420.0,
        viscosity: 7.0e-3,
        surface_tension: 0.0,
        cohesion: 0.0,
        ior: 1.49,
        absorption: [4.0, 18.0, 90.0],
        color: "#cf8516",
        clear: true,
        roughness: 0.04,
    },
    Liquid {
        name: "milk",
        density: 1030.0,
        viscosity: 2.0e-6,
        surface_tension: 0.0,
        cohesion: 0.0,
        ior: 1.35,
        absorption: [0.0, 0.0, 0.0],
        color: "#f3f0e8",
        clear: false,
        roughness: 0.25,
    },
    Liquid {
        name: "juice",
        density: 1045.0,
        viscosity: 2.0e-6,
        surface_tension: 0.0,
        cohesion: 0.0,
        ior: 1.35,
        absorption: [0.0, 0.0, 0.0],
        color: "#f29a1f",
        clear: false,
        roughness: 0.2,
    },
];

/// The preset named `name`.
pub fn find_liquid(name: &str) -> Option<Liquid> {
    LIQUIDS.iter().find(|l| l.name == name).copied()
}

/// Most particles of all fluids in a scene together, counting what emitters will add.
pub const MAX_FLUID_PARTICLES: usize = 300_000;
/// Default particle radius, m.
pub const DEFAULT_PARTICLE_RADIUS: f32 = 0.01;

/// Where a validated fluid's particles come from.
#[derive(Debug, Clone)]
pub enum Fill {
    /// Particles present from the start, world space, m.
    Particles(Vec<Vec3>),
    /// A nozzle adding particles over time.
    Emitter(Emitter),
}

/// A validated nozzle.
#[derive(Debug, Clone, Copy)]
pub struct Emitter {
    /// Center of the opening, m.
    pub at: Vec3,
    /// Unit direction of the outflow.
    pub direction: Vec3,
    /// Nozzle radius, m.
    pub radius: f32,
    /// Flow, m³/s.
    pub rate: f32,
    /// Start, s.
    pub from: f32,
    /// End, s.
    pub until: f32,
}

impl Emitter {
    /// Outflow speed, m/s: the flow through the area the nozzle's layer of particles
    /// covers (its lattice points, a cell `(2r)²` each), so that the liquid let out is the
    /// rate asked for, to the particle.
    pub fn speed(&self, particle_radius: f32) -> f32 {
        let s = 2.0 * particle_radius;
        self.rate / (self.layer(particle_radius).len() as f32 * s * s)
    }

    /// The lattice points of one layer of the nozzle's disc, in the nozzle's plane,
    /// relative to its center (spacing `2 r`).
    pub fn layer(&self, particle_radius: f32) -> Vec<Vec3> {
        let s = 2.0 * particle_radius;
        let (u, v) = self.direction.any_orthonormal_pair();
        let n = (self.radius / s).floor() as i32;
        let mut out = Vec::new();
        for i in -n..=n {
            for j in -n..=n {
                let (a, b) = (i as f32 * s, j as f32 * s);
                if a * a + b * b <= self.radius * self.radius {
                    out.push(u * a + v * b);
                }
            }
        }
        if out.is_empty() {
            out.push(Vec3::ZERO);
        }
        out
    }

    /// Particles the nozzle adds in all (what the limit counts).
    pub fn total_particles(&self, particle_radius: f32) -> usize {
        let s = 2.0 * particle_radius;
        let layer = self.layer(particle_radius).len() as f64;
        let length =
            f64::from(self.speed(particle_radius)) * f64::from((self.until - self.from).max(0.0));
        ((length / f64::from(s)).ceil() * layer) as usize
    }
}

/// A validated fluid.
#[derive(Debug, Clone)]
pub struct Fluid {
    /// Name (also its entity's).
    pub name: String,
    /// The entity standing for it (segmentation id, material, metadata).
    pub entity: usize,
    /// Physics and look.
    pub liquid: Liquid,
    /// Particle radius, m.
    pub particle_radius: f32,
    /// Where the particles come from.
    pub fill: Fill,
    /// Initial velocity of the filled particles, m/s.
    pub velocity: Vec3,
}

impl Fluid {
    /// Particles this fluid will hold at most.
    pub fn max_particles(&self) -> usize {
        match &self.fill {
            Fill::Particles(p) => p.len(),
            Fill::Emitter(e) => e.total_particles(self.particle_radius),
        }
    }
}

/// Lattice points of spacing `2 r` filling `[lo, hi]` (cell centers, so the liquid's
/// volume is the box's).
pub fn lattice(lo: Vec3, hi: Vec3, r: f32) -> Vec<Vec3> {
    let s = 2.0 * r;
    let n = ((hi - lo) / s).floor().max(Vec3::ZERO);
    let (nx, ny, nz) = (n.x as u64, n.y as u64, n.z as u64);
    let used = Vec3::new(nx as f32, ny as f32, nz as f32) * s;
    let start = lo + ((hi - lo) - used) * 0.5 + Vec3::splat(r);
    let mut out = Vec::with_capacity((nx * ny * nz).min(1 << 22) as usize);
    for j in 0..ny {
        for k in 0..nz {
            for i in 0..nx {
                out.push(start + Vec3::new(i as f32, j as f32, k as f32) * s);
            }
        }
    }
    out
}

/// How many lattice points [`lattice`] would make, without making them.
pub fn lattice_count(lo: Vec3, hi: Vec3, r: f32) -> u64 {
    let n = ((hi - lo) / (2.0 * r)).floor().max(Vec3::ZERO);
    (n.x as u64) * (n.y as u64) * (n.z as u64)
}

/// Checks a liquid's overrides; `field` names where for errors.
pub(crate) fn apply_overrides(
    mut liquid: Liquid,
    over: Option<&LiquidFile>,
    at: &str,
    problem: &mut dyn FnMut(&str, String),
) -> Option<Liquid> {
    let Some(o) = over else {
        return Some(liquid);
    };
    let mut ok = true;
    let mut take = |value: Option<f32>, name: &str, lo: f32, hi: f32, slot: &mut f32| {
        if let Some(v) = value {
            if v.is_finite() && (lo..=hi).contains(&v) {
                *slot = v;
            } else {
                problem(
                    &format!("{at}: liquid.{name}"),
                    format!("{name} must be in [{lo}, {hi}], found {v}"),
                );
                ok = false;
            }
        }
    };
    take(o.density, "density", 100.0, 20000.0, &mut liquid.density);
    take(o.viscosity, "viscosity", 0.0, 0.1, &mut liquid.viscosity);
    take(o.ior, "ior", 1.0, 3.0, &mut liquid.ior);
    take(o.cohesion, "cohesion", 0.0, 10.0, &mut liquid.cohesion);
    // Read so a file that writes 0 stays valid; anything else would be silently ignored,
    // since the solver applies no surface tension yet (docs/fluids.md#the-solver).
    if let Some(v) = o.surface_tension
        && v != 0.0
    {
        problem(
            &format!("{at}: liquid.surface_tension"),
            format!("surface tension is not simulated yet: leave it out or write 0 (found {v})"),
        );
        ok = false;
    }
    if let Some(a) = o.absorption {
        if a.iter()
            .all(|v| v.is_finite() && (0.0..=10000.0).contains(v))
        {
            liquid.absorption = a;
        } else {
            problem(
                &format!("{at}: liquid.absorption"),
                format!("absorption must be three numbers in [0, 10000] per metre, found {a:?}"),
            );
            ok = false;
        }
    }
    ok.then_some(liquid)
}
