//! Reference stage: [`Scene`] + [`Trajectory`] + the camera stage's per-frame
//! [`CameraFrame`]s -> physically based path-traced frames ([`ReferenceFrame`]: linear
//! RGB, scene-referred), the slow ground-truth look that the neural finisher learns and
//! is judged against. [`render_to_dir`] writes them as linear EXRs and, through the
//! scene's [`Look`](crate::style::Look), graded PNGs and a video.
//!
//! It renders exactly the scene the raster sees, as the raster's sibling: the same
//! entities (primitives analytically, meshes from the same loaded vertices, through
//! [`Shape::to_parry`](crate::scene::Shape::to_parry)'s exact shapes), the same camera
//! per frame ([`crate::camera::plan`]), the same per-frame poses from the trajectory and
//! the same lights ([`crate::camera::resolve_lights`]); a primary ray through a pixel's
//! center sees the surface the raster's depth and segmentation report there.
//!
//! - Light transport: unidirectional path tracing with next-event estimation to every
//!   light each bounce, multiple importance sampling (power heuristic, Veach 1997) between
//!   light and BSDF sampling for rect lights, Russian roulette after three bounces.
//! - Lights: the sun and directional lights with their angular size (soft shadows),
//!   point and spot lights (the raster's cone falloff), rectangular area lights, and the
//!   scene's world ([`crate::world::World`], baked once): its radiance map is seen by
//!   every escaping ray (the background included) and importance-sampled at every
//!   non-mirror hit, combined with BSDF sampling by the power heuristic; exponential
//!   height fog attenuates and in-scatters along every path segment.
//! - Materials: Lambert + GGX (the raster's BRDF), smooth dielectrics, procedural
//!   object-space patterns, glTF image maps (base color, metallic-roughness, emissive,
//!   tangent-space normals; occlusion is left to the transport); emissive surfaces add
//!   their radiance where paths hit them.
//! - Cloth: each sheet is traced at every frame as the raster draws it: the frame's
//!   simulated vertices as a triangle mesh in the sheet's own frame (patterns stay on the
//!   fabric), hit from either side, shaded with the raster's interpolated vertex normals
//!   turned toward the viewer and the grid's texture coordinates; thin and opaque (no
//!   transmission). A frame's sheets are built once and shared by every sample and
//!   thread. Motion blur moves their pose but not their shape: every sample of frame `k`
//!   sees frame `k`'s vertices (no deformation blur).
//! - Liquids: each fluid is traced at every frame as the closed surface the raster draws
//!   ([`crate::raster::fluid_surface`] of the frame's particles), shaded with its
//!   interpolated outward normals. A clear liquid (its material's `transmission`) is a
//!   smooth dielectric of the liquid's index of refraction that absorbs along the
//!   distance travelled inside it, `exp(−σ d)` per channel with σ the liquid's
//!   `absorption` (Beer–Lambert), instead of the base-color tint per crossing glass has;
//!   shadow rays pass its surface unbent with `(1 − F)` per crossing and the same
//!   absorption over the stretch inside. Milk and juice (no transmission) are opaque with
//!   their color. As for cloth, motion blur does not deform the surface.
//! - Camera: a thin lens (aperture as an f-number, focus distance, default the distance
//!   to the look-at target) and a shutter angle: each sample takes a time in the
//!   shutter interval centered on the frame and interpolates every object's and the
//!   camera's pose between the neighbouring trajectory frames (motion blur).
//! - Output radiance is linear (scene-referred, exposure 1, the raster's units).
//!
//! Determinism: the random numbers of pixel `(x, y)`, sample `s` of frame `k` come from
//! a SplitMix64 stream keyed by `(scene seed, k, pixel, s)`, so the image does not depend
//! on the thread count, and samples `0..n` followed by `n..m` give exactly the image of
//! `0..m` (progressive refinement).

mod envlight;
mod files;
mod maps;
mod material;
mod world;

use std::f32::consts::PI;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};

use glam::Vec3;

pub use files::{ReferenceReport, render_to_dir, tonemap_srgb8};
pub use material::SMOOTH_ROUGHNESS;

use crate::camera::{CameraFrame, Lights, resolve_lights};
use crate::math::Pose;
use crate::physics::Trajectory;
use crate::progress::Progress;
use crate::rng::SeededRng;
use crate::scene::{LookAt, Scene};
use crate::world::World;
use envlight::EnvSampler;
use material::{Bsdf, fresnel_dielectric, reflect, refract, surface};
use world::{
    Geometry, Hit, Object, beer_lambert, character_objects, cloth_objects, fluid_objects,
    intersect, offset,
};

/// Why the reference render failed.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// The options are unusable.
    #[error("reference renderer: {0}")]
    Options(String),
    /// A shape cannot be traced.
    #[error("reference renderer: entity \"{entity}\": {message}")]
    Shape {
        /// The entity.
        entity: String,
        /// What is wrong.
        message: String,
    },
    /// Output failed.
    #[error(transparent)]
    Output(#[from] crate::files::FileError),
}

/// The lens, for depth of field.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Lens {
    /// Aperture as an f-number (`None`: a pinhole, everything sharp).
    pub aperture_f: Option<f32>,
    /// Distance in focus, m (`None`: the distance to the camera's look-at target).
    pub focus_distance: Option<f32>,
}

/// How to trace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReferenceOptions {
    /// Samples per pixel.
    pub spp: u32,
    /// Bounces after the first hit (Russian roulette may end a path earlier).
    pub max_bounces: u32,
    /// The lens.
    pub lens: Lens,
    /// Shutter angle, degrees in `[0, 360]`: the exposure lasts `angle / 360` of a frame
    /// interval, centered on the frame (0: no motion blur).
    pub shutter_deg: f32,
    /// Worker threads (0: every core).
    pub threads: usize,
}

impl Default for ReferenceOptions {
    fn default() -> Self {
        Self {
            spp: 64,
            max_bounces: 6,
            lens: Lens::default(),
            shutter_deg: 0.0,
            threads: 0,
        }
    }
}

impl ReferenceOptions {
    /// Checks every option's range.
    ///
    /// # Errors
    /// [`ReferenceError::Options`] naming the option, what it must be and its value.
    pub fn check(&self) -> Result<(), ReferenceError> {
        let bad = |m: String| Err(ReferenceError::Options(m));
        if self.spp == 0 || self.spp > 1 << 20 {
            return bad(format!("spp must be in 1..=1048576, got {}", self.spp));
        }
        if self.max_bounces > 64 {
            return bad(format!(
                "bounces must be at most 64, got {}",
                self.max_bounces
            ));
        }
        if !(self.shutter_deg.is_finite() && (0.0..=360.0).contains(&self.shutter_deg)) {
            return bad(format!(
                "shutter must be in [0, 360] degrees, got {}",
                self.shutter_deg
            ));
        }
        if let Some(f) = self.lens.aperture_f
            && !(f.is_finite() && f > 0.0)
        {
            return bad(format!("aperture must be an f-number > 0, got {f}"));
        }
        if let Some(d) = self.lens.focus_distance
            && !(d.is_finite() && d > 0.0)
        {
            return bad(format!("focus distance must be > 0 m, got {d}"));
        }
        Ok(())
    }
}

/// One traced frame.
#[derive(Debug, Clone)]
pub struct ReferenceFrame {
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// Samples per pixel.
    pub spp: u32,
    /// Mean linear radiance per pixel, row-major from the top-left.
    pub color: Vec<[f32; 3]>,
    /// Depth along the camera's −Z of the surface under each pixel center at the frame's
    /// time (pinhole), m; `+inf` for the background. Same convention as the raster's.
    pub depth: Vec<f32>,
    /// Instance id under each pixel center, 0 for the background.
    pub segmentation: Vec<u32>,
}

/// Per-pixel sums of samples: refine it with more samples, read the mean any time.
#[derive(Debug, Clone)]
pub struct Accumulator {
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// Samples summed so far (sample indices `0..samples`).
    pub samples: u32,
    sum: Vec<[f64; 3]>,
}

impl Accumulator {
    /// An empty accumulator for a `width × height` image.
    pub fn new(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            samples: 0,
            sum: vec![[0.0; 3]; width as usize * height as usize],
        }
    }

    /// The mean radiance per pixel.
    pub fn mean(&self) -> Vec<[f32; 3]> {
        let inv = 1.0 / f64::from(self.samples.max(1));
        self.sum
            .iter()
            .map(|s| s.map(|v| (v * inv) as f32))
            .collect()
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014, "Fast Splittable Pseudorandom Number
/// Generators"): the per-sample random stream.
struct SampleRng(u64);

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl SampleRng {
    fn new(key: u64, frame: u64, pixel: u64, sample: u64) -> Self {
        let mut s = key;
        for v in [frame, pixel, sample] {
            s = mix64(s ^ mix64(v.wrapping_add(0x9e37_79b9_7f4a_7c15)));
        }
        Self(s)
    }

    fn f32(&mut self) -> f32 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        (mix64(self.0) >> 40) as f32 * (1.0 / (1u64 << 24) as f32)
    }
}

/// A light as the tracer samples it.
#[derive(Debug, Clone, Copy)]
enum Emitter {
    /// Direction of travel, irradiance at normal incidence, cosine of the half angle.
    Directional {
        dir: Vec3,
        color: Vec3,
        cos_max: f32,
    },
    /// Position and intensity; a spot adds its axis and the raster's cone falloff.
    Point {
        pos: Vec3,
        color: Vec3,
        spot: Option<(Vec3, f32)>,
    },
    /// Center, half edges, unit emitting normal, radiance.
    Rect {
        center: Vec3,
        eu: Vec3,
        ev: Vec3,
        normal: Vec3,
        radiance: Vec3,
    },
}

impl Emitter {
    fn from_lights(l: &Lights) -> Vec<Emitter> {
        let directional = |dir: Vec3, color: Vec3, angle: f32| Emitter::Directional {
            dir: dir.normalize_or(Vec3::NEG_Y),
            color,
            cos_max: (angle * 0.5).cos(),
        };
        let mut out = Vec::new();
        if let Some((dir, color)) = l.sun {
            out.push(directional(dir, color, l.sun_angle));
        }
        for e in &l.extras {
            out.push(match (e.kind, e.half_edges) {
                (_, Some((eu, ev))) => {
                    let area = 4.0 * eu.length() * ev.length();
                    Emitter::Rect {
                        center: e.position,
                        eu,
                        ev,
                        normal: e.direction.normalize_or(Vec3::NEG_Y),
                        radiance: e.color / area.max(1e-12),
                    }
                }
                (2, None) => directional(e.direction, e.color, e.angle),
                (1, None) => Emitter::Point {
                    pos: e.position,
                    color: e.color,
                    spot: Some((e.direction.normalize_or(Vec3::NEG_Y), e.cos_half_cone)),
                },
                _ => Emitter::Point {
                    pos: e.position,
                    color: e.color,
                    spot: None,
                },
            });
        }
        out
    }
}

fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Power heuristic with β = 2 (Veach 1997).
fn power_heuristic(a: f32, b: f32) -> f32 {
    let (a2, b2) = (a * a, b * b);
    if a2 + b2 <= 0.0 { 0.0 } else { a2 / (a2 + b2) }
}

/// Everything fixed for one frame.
struct FrameSetup {
    k: usize,
    /// The frame's objects: the rigid ones, then its cloths, then its liquids.
    objects: Arc<[Object]>,
    cams: [CameraFrame; 3],
    emitters: Vec<Emitter>,
    /// Lens radius (m) and focus distance along −Z (m).
    lens: (f32, f32),
    /// Shutter as a fraction of the frame interval.
    shutter: f32,
}

/// The objects of one frame and their poses at one sample's time (one pose per object).
#[derive(Clone, Copy)]
struct Posed<'s> {
    objects: &'s [Object],
    poses: &'s [Pose],
}

impl Posed<'_> {
    /// The nearest hit of the ray `o + t d` (unit `d`) closer than `t_max`.
    fn intersect(&self, o: Vec3, d: Vec3, t_max: f32) -> Option<Hit> {
        intersect(self.objects, self.poses, o, d, t_max)
    }
}

/// The path tracer over one simulated clip.
pub struct Tracer<'a> {
    scene: &'a Scene,
    traj: &'a Trajectory,
    cams: &'a [CameraFrame],
    opts: ReferenceOptions,
    /// The rigid objects (entities with shapes), the same at every frame.
    objects: Arc<[Object]>,
    /// The last frame whose objects were built (with its cloths), shared by its samples.
    frame_objects: Mutex<Option<(usize, Arc<[Object]>)>>,
    key: u64,
    /// `cut_before[k]`: the camera jumps between frames `k - 1` and `k` (a new shot), so
    /// the shutter must not blend across it.
    cut_before: Vec<bool>,
    /// The environment, sun and fog, baked once from the frame-0 lights' ambient.
    world: World,
    /// Importance sampling of `world.env` (`None`: a black environment).
    env_light: Option<EnvSampler>,
    /// Next-event estimation toward the environment (off only to test MIS against BSDF
    /// sampling alone).
    env_nee: bool,
}

impl std::fmt::Debug for Tracer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracer")
            .field("scene", &self.scene.name)
            .field("objects", &self.objects.len())
            .field("cloths", &self.scene.cloths.len())
            .field("fluids", &self.scene.fluids.len())
            .field("opts", &self.opts)
            .finish()
    }
}

const TILE: u32 = 16;

impl<'a> Tracer<'a> {
    /// Prepares the scene's shapes.
    ///
    /// # Errors
    /// [`ReferenceError::Options`] for options out of range or cameras that do not match
    /// the trajectory; [`ReferenceError::Shape`] for a mesh parry cannot use.
    pub fn new(
        scene: &'a Scene,
        traj: &'a Trajectory,
        cams: &'a [CameraFrame],
        opts: ReferenceOptions,
    ) -> Result<Self, ReferenceError> {
        opts.check()?;
        let bad = |m: String| Err(ReferenceError::Options(m));
        if cams.len() != traj.frames.len() || traj.frames.is_empty() {
            return bad(format!(
                "{} cameras for {} trajectory frames",
                cams.len(),
                traj.frames.len()
            ));
        }
        let baked = World::bake(
            &scene.environment,
            scene.fog.as_ref(),
            crate::camera::ambient(scene),
        );
        Ok(Self {
            scene,
            traj,
            cams,
            opts,
            objects: world::objects(scene)?.into(),
            frame_objects: Mutex::new(None),
            key: SeededRng::new(scene.seed, "reference-samples").next_u64(),
            cut_before: vec![false; cams.len()],
            env_light: EnvSampler::new(&baked.env),
            world: baked,
            env_nee: true,
        })
    }

    /// Replaces the world baked from the scene (an environment built by hand, for tests
    /// and tools). The sun is not added: lights still come from the scene.
    pub fn with_world(mut self, world: World) -> Self {
        self.env_light = EnvSampler::new(&world.env);
        self.world = world;
        self
    }

    /// The world the tracer lights with and shows behind the objects.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Marks the frames that start a new shot (see
    /// [`crate::camera::CameraPlan::cut_before`]): motion blur never reaches across a cut.
    pub fn with_cuts(mut self, cut_before: impl Fn(usize) -> bool) -> Self {
        self.cut_before = (0..self.cams.len()).map(cut_before).collect();
        self
    }

    /// The options.
    pub fn options(&self) -> &ReferenceOptions {
        &self.opts
    }

    fn check_frame(&self, k: usize) -> Result<(), ReferenceError> {
        if k >= self.traj.frames.len() {
            return Err(ReferenceError::Options(format!(
                "frame {k} is outside the clip's frames 0..{}",
                self.traj.frames.len()
            )));
        }
        Ok(())
    }

    /// The camera's look-at target at frame `k` (keys interpolated in time, as the
    /// camera track does).
    fn target_distance(&self, k: usize) -> f32 {
        let cam = &self.cams[k];
        let t = self.traj.frames[k].time as f32;
        let keys = &self.scene.camera.keys;
        let point = |look: LookAt| match look {
            LookAt::Point(p) => p,
            LookAt::Entity(i) => self.traj.frames[k].poses[i].translation,
        };
        let j = keys.iter().position(|key| key.t > t).unwrap_or(keys.len());
        let target = match (j.checked_sub(1).and_then(|i| keys.get(i)), keys.get(j)) {
            (Some(a), Some(b)) => point(a.look_at).lerp(point(b.look_at), (t - a.t) / (b.t - a.t)),
            (Some(a), None) | (None, Some(a)) => point(a.look_at),
            (None, None) => cam.pose.translation + cam.pose.rotation * Vec3::NEG_Z,
        };
        // Depth along the optical axis (the target lies on it).
        (target - cam.pose.translation)
            .dot(cam.pose.rotation * Vec3::NEG_Z)
            .max(1e-3)
    }

    /// The objects at frame `k`: the rigid ones, then one per cloth with its surface at
    /// frame `k`, then one per liquid with particles at frame `k` (built once per frame
    /// and kept until another frame is asked for).
    fn objects_at(&self, k: usize) -> Result<Arc<[Object]>, ReferenceError> {
        if self.scene.cloths.is_empty()
            && self.scene.fluids.is_empty()
            && self.scene.characters.is_empty()
        {
            return Ok(Arc::clone(&self.objects));
        }
        // A panic elsewhere cannot leave the cache half written: it is replaced whole.
        let mut cache = self
            .frame_objects
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((f, objects)) = cache.as_ref()
            && *f == k
        {
            return Ok(Arc::clone(objects));
        }
        let mut all = self.objects.to_vec();
        all.extend(cloth_objects(self.scene, &self.traj.frames[k])?);
        all.extend(fluid_objects(self.scene, &self.traj.frames[k])?);
        all.extend(character_objects(self.scene, &self.traj.frames[k])?);
        let all: Arc<[Object]> = all.into();
        *cache = Some((k, Arc::clone(&all)));
        Ok(all)
    }

    fn setup(&self, k: usize) -> Result<FrameSetup, ReferenceError> {
        let last = self.traj.frames.len() - 1;
        let cut = |f: usize| self.cut_before.get(f).copied().unwrap_or(false);
        let prev = if cut(k) { k } else { k.saturating_sub(1) };
        let next = if cut(k + 1) { k } else { (k + 1).min(last) };
        let cam = self.cams[k];
        // Rigs stand still in the world, placed from the clip's first camera (as the
        // raster does).
        let lights = resolve_lights(
            self.scene,
            &self.traj.frames[k],
            &self.traj.frames[0],
            &self.cams[0],
        );
        let lens_radius = self.opts.lens.aperture_f.map_or(0.0, |n| {
            // Focal length from the vertical field of view on the sensor's height.
            let sensor_h = self.scene.camera.sensor_mm.1 * 1e-3;
            let focal = sensor_h * 0.5 / (cam.fov_y * 0.5).tan();
            0.5 * focal / n
        });
        let focus = self
            .opts
            .lens
            .focus_distance
            .unwrap_or_else(|| self.target_distance(k));
        Ok(FrameSetup {
            k,
            objects: self.objects_at(k)?,
            cams: [self.cams[prev], cam, self.cams[next]],
            emitters: Emitter::from_lights(&lights),
            lens: (lens_radius, focus),
            shutter: self.opts.shutter_deg / 360.0,
        })
    }

    /// Poses of `objects` at `tau` frame intervals from frame `k` (`|tau| <= 1/2`).
    fn poses_at(&self, objects: &[Object], k: usize, tau: f32, out: &mut Vec<Pose>) {
        let last = self.traj.frames.len() - 1;
        let fk = &self.traj.frames[k];
        let other = if tau >= 0.0 {
            &self.traj.frames[(k + 1).min(last)]
        } else {
            &self.traj.frames[k.saturating_sub(1)]
        };
        out.clear();
        out.extend(objects.iter().map(|o| {
            if matches!(o.geometry, Geometry::Liquid(_) | Geometry::Body(_)) {
                // Built in world space.
                return Pose::IDENTITY;
            }
            let p = fk.poses[o.entity];
            if tau == 0.0 {
                p
            } else {
                p.interpolate(&other.poses[o.entity], tau.abs())
            }
        }));
    }

    /// Depth and segmentation under each pixel center at the frame's time, pinhole: the
    /// raster's conventions (background `+inf` and 0; nothing beyond the far plane).
    ///
    /// # Errors
    /// [`ReferenceError::Options`] for a frame outside the clip; [`ReferenceError::Shape`]
    /// for a cloth whose vertices at frame `k` cannot be traced.
    pub fn truth(&self, k: usize) -> Result<(Vec<f32>, Vec<u32>), ReferenceError> {
        self.check_frame(k)?;
        let cam = &self.cams[k];
        let objects = self.objects_at(k)?;
        let mut poses = Vec::new();
        self.poses_at(&objects, k, 0.0, &mut poses);
        let at = Posed {
            objects: &objects,
            poses: &poses,
        };
        let n = cam.width as usize * cam.height as usize;
        let (mut depth, mut seg) = (vec![f32::INFINITY; n], vec![0u32; n]);
        for y in 0..cam.height {
            for x in 0..cam.width {
                let (dir, dpm) = cam.ray(f64::from(x) + 0.5, f64::from(y) + 0.5);
                if let Some(h) = at.intersect(cam.pose.translation, dir, f32::INFINITY) {
                    let z = h.t * dpm;
                    if z <= cam.far {
                        let i = y as usize * cam.width as usize + x as usize;
                        depth[i] = z;
                        seg[i] = objects[h.object].id;
                    }
                }
            }
        }
        Ok((depth, seg))
    }

    /// Traces frame `k` with the configured samples per pixel.
    ///
    /// # Errors
    /// [`ReferenceError::Options`] for a frame outside the clip; [`ReferenceError::Shape`]
    /// for a cloth whose vertices at frame `k` cannot be traced.
    pub fn render(
        &self,
        k: usize,
        progress: &dyn Progress,
    ) -> Result<ReferenceFrame, ReferenceError> {
        let cam = &self.cams[k.min(self.cams.len() - 1)];
        let mut acc = Accumulator::new(cam.width, cam.height);
        self.refine(k, &mut acc, self.opts.spp, progress)?;
        let (depth, segmentation) = self.truth(k)?;
        Ok(ReferenceFrame {
            width: acc.width,
            height: acc.height,
            spp: acc.samples,
            color: acc.mean(),
            depth,
            segmentation,
        })
    }

    /// Adds `more` samples per pixel (sample indices `acc.samples..acc.samples + more`)
    /// to `acc`, on every worker thread, tile by tile. Reports one unit per tile.
    ///
    /// # Errors
    /// [`ReferenceError::Options`] for a frame outside the clip or an accumulator of
    /// another size; [`ReferenceError::Shape`] for a cloth whose vertices at frame `k`
    /// cannot be traced.
    pub fn refine(
        &self,
        k: usize,
        acc: &mut Accumulator,
        more: u32,
        progress: &dyn Progress,
    ) -> Result<(), ReferenceError> {
        self.check_frame(k)?;
        let (w, h) = (self.cams[k].width, self.cams[k].height);
        if (acc.width, acc.height) != (w, h) || acc.sum.len() != w as usize * h as usize {
            return Err(ReferenceError::Options(format!(
                "accumulator is {}x{}, the frame {w}x{h}",
                acc.width, acc.height
            )));
        }
        let samples = acc.samples..acc.samples.saturating_add(more);
        let fr = self.setup(k)?;
        let (tx, ty) = (w.div_ceil(TILE), h.div_ceil(TILE));
        let tiles = (tx * ty) as usize;
        let threads = match self.opts.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
        .clamp(1, tiles.max(1));
        let next = AtomicUsize::new(0);
        let (send, recv) = mpsc::channel::<(usize, Vec<[f64; 3]>)>();
        progress.start("reference", tiles as u64);
        let sum = &mut acc.sum;
        std::thread::scope(|s| {
            for _ in 0..threads {
                let send = send.clone();
                let (next, fr, samples) = (&next, &fr, samples.clone());
                s.spawn(move || {
                    let mut poses = Vec::new();
                    loop {
                        let t = next.fetch_add(1, Ordering::Relaxed);
                        if t >= tiles {
                            break;
                        }
                        let tile = self.trace_tile(
                            fr,
                            t as u32 % tx,
                            t as u32 / tx,
                            samples.clone(),
                            &mut poses,
                        );
                        if send.send((t, tile)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(send);
            for (t, tile) in recv {
                let (x0, y0) = ((t as u32 % tx) * TILE, (t as u32 / tx) * TILE);
                let tw = TILE.min(w - x0);
                for (j, px) in tile.iter().enumerate() {
                    let (x, y) = (x0 + j as u32 % tw, y0 + j as u32 / tw);
                    let dst = &mut sum[y as usize * w as usize + x as usize];
                    for c in 0..3 {
                        dst[c] += px[c];
                    }
                }
                progress.advance(1);
            }
        });
        progress.finish();
        acc.samples = samples.end;
        Ok(())
    }

    fn trace_tile(
        &self,
        fr: &FrameSetup,
        tx: u32,
        ty: u32,
        samples: Range<u32>,
        poses: &mut Vec<Pose>,
    ) -> Vec<[f64; 3]> {
        let cam = &fr.cams[1];
        let (x0, y0) = (tx * TILE, ty * TILE);
        let (x1, y1) = ((x0 + TILE).min(cam.width), (y0 + TILE).min(cam.height));
        let mut out = Vec::with_capacity(((x1 - x0) * (y1 - y0)) as usize);
        for y in y0..y1 {
            for x in x0..x1 {
                let pixel = u64::from(y) * u64::from(cam.width) + u64::from(x);
                let mut sum = [0.0f64; 3];
                for s in samples.clone() {
                    let mut rng = SampleRng::new(self.key, fr.k as u64, pixel, u64::from(s));
                    let l = self.sample_pixel(fr, x, y, &mut rng, poses);
                    // A NaN or infinite sample must not poison the pixel.
                    if l.is_finite() {
                        for c in 0..3 {
                            sum[c] += f64::from(l[c]);
                        }
                    }
                }
                out.push(sum);
            }
        }
        out
    }

    fn sample_pixel(
        &self,
        fr: &FrameSetup,
        x: u32,
        y: u32,
        rng: &mut SampleRng,
        poses: &mut Vec<Pose>,
    ) -> Vec3 {
        let tau = if fr.shutter > 0.0 {
            (rng.f32() - 0.5) * fr.shutter
        } else {
            0.0
        };
        // Without a shutter every sample of the frame shares the frame's poses.
        if fr.shutter > 0.0 || poses.len() != fr.objects.len() {
            self.poses_at(&fr.objects, fr.k, tau, poses);
        }
        let cam = if tau > 0.0 {
            CameraFrame {
                pose: fr.cams[1].pose.interpolate(&fr.cams[2].pose, tau),
                ..fr.cams[1]
            }
        } else if tau < 0.0 {
            CameraFrame {
                pose: fr.cams[1].pose.interpolate(&fr.cams[0].pose, -tau),
                ..fr.cams[1]
            }
        } else {
            fr.cams[1]
        };
        let (u, v) = (rng.f32(), rng.f32());
        let (dir, dpm) = cam.ray(f64::from(x) + f64::from(u), f64::from(y) + f64::from(v));
        let (mut origin, mut dir) = (cam.pose.translation, dir);
        let (radius, focus) = fr.lens;
        if radius > 0.0 {
            let focus_point = origin + dir * (focus / dpm);
            let (r, phi) = (radius * rng.f32().sqrt(), 2.0 * PI * rng.f32());
            origin += cam.pose.rotation * Vec3::new(r * phi.cos(), r * phi.sin(), 0.0);
            dir = (focus_point - origin).normalize_or(dir);
        }
        let at = Posed {
            objects: &fr.objects,
            poses,
        };
        self.radiance(fr, &at, origin, dir, rng)
    }

    /// Fog transmittance `e^{−τ}` from `o` along unit `w` over `t` m (`+inf` allowed).
    fn fog_transmittance(&self, o: Vec3, w: Vec3, t: f32) -> f32 {
        self.world.fog.as_ref().map_or(1.0, |f| {
            let tau = if t.is_infinite() {
                f.optical_depth_ray(o, w)
            } else {
                f.optical_depth(o, o + w * t)
            };
            (-tau).exp()
        })
    }

    /// Transmittance from `p` along unit `wi` for `dist` m: 0 behind an opaque surface;
    /// a transmissive one passes `transmission · color · (1 − F)` per crossing, unbent
    /// (shadows of glass without caustics). Cloth is opaque. A clear liquid passes
    /// `transmission · (1 − F)` per crossing and absorbs `exp(−σ d)` over the `d` m the
    /// ray runs inside it (from where it entered, or from `p` when `p` is inside).
    fn visibility(&self, at: &Posed<'_>, mut p: Vec3, wi: Vec3, mut dist: f32) -> Vec3 {
        let mut t = Vec3::ONE;
        // Distance run so far, and where it entered the liquid it is in, with its σ.
        let mut run = 0.0f32;
        let mut liquid: Option<(f32, Vec3)> = None;
        for _ in 0..8 {
            let Some(h) = at.intersect(p, wi, dist) else {
                if let Some((from, sigma)) = liquid {
                    t *= beer_lambert(sigma, run + dist - from);
                }
                return t;
            };
            let obj = &at.objects[h.object];
            let m = &self.scene.materials[obj.material];
            if m.transmission <= 0.0
                || matches!(obj.geometry, Geometry::Sheet(_) | Geometry::Body(_))
            {
                return Vec3::ZERO;
            }
            let f = fresnel_dielectric(h.normal.dot(wi).abs(), m.ior);
            if let Geometry::Liquid(l) = &obj.geometry {
                t *= m.transmission * (1.0 - f);
                let local = at.poses[h.object].rotation.conjugate() * wi;
                if l.exits(h.part, local) {
                    // Inside since it entered, or since `p` when it never entered.
                    let from = liquid.map_or(0.0, |(f, _)| f);
                    t *= beer_lambert(l.absorption, run + h.t - from);
                    liquid = None;
                } else {
                    liquid = Some((run + h.t, l.absorption));
                }
            } else {
                t *= Vec3::from(m.color) * m.transmission * (1.0 - f);
            }
            let q = p + wi * h.t;
            p = offset(q, wi);
            let step = h.t + (p - q).length();
            run += step;
            dist -= step;
            if dist <= 0.0 {
                return t;
            }
        }
        Vec3::ZERO
    }

    /// Light arriving from one emitter, next-event estimated, times the BSDF.
    fn direct(
        &self,
        e: &Emitter,
        bsdf: &Bsdf,
        wo: Vec3,
        p: Vec3,
        at: &Posed<'_>,
        rng: &mut SampleRng,
    ) -> Vec3 {
        let (wi, dist, le, mis_pdf) = match *e {
            Emitter::Directional {
                dir,
                color,
                cos_max,
            } => {
                let axis = -dir;
                let wi = if cos_max < 1.0 {
                    // Uniform in the cone around the sun's direction.
                    let cos_t = 1.0 - rng.f32() * (1.0 - cos_max);
                    let sin_t = (1.0 - cos_t * cos_t).max(0.0).sqrt();
                    let phi = 2.0 * PI * rng.f32();
                    let (t, b) = material::basis(axis);
                    (t * (sin_t * phi.cos()) + b * (sin_t * phi.sin()) + axis * cos_t).normalize()
                } else {
                    axis
                };
                (wi, f32::INFINITY, color, None)
            }
            Emitter::Point { pos, color, spot } => {
                let d = pos - p;
                let dist2 = d.length_squared().max(1e-8);
                let dist = dist2.sqrt();
                let wi = d / dist;
                let mut le = color / dist2;
                if let Some((axis, cos_half)) = spot {
                    le *= smoothstep(cos_half, cos_half + (1.0 - cos_half) * 0.2, (-wi).dot(axis));
                }
                (wi, dist, le, None)
            }
            Emitter::Rect {
                center,
                eu,
                ev,
                normal,
                radiance,
            } => {
                let q = center + eu * (2.0 * rng.f32() - 1.0) + ev * (2.0 * rng.f32() - 1.0);
                let d = q - p;
                let dist2 = d.length_squared().max(1e-8);
                let dist = dist2.sqrt();
                let wi = d / dist;
                let cos_l = (-wi).dot(normal);
                if cos_l <= 0.0 {
                    return Vec3::ZERO;
                }
                let area = 4.0 * eu.length() * ev.length();
                let pdf = dist2 / (area * cos_l);
                (wi, dist, radiance / pdf, Some(pdf))
            }
        };
        if le.max_element() <= 0.0 {
            return Vec3::ZERO;
        }
        let (f, pdf_bsdf) = bsdf.eval(wo, wi);
        if f.max_element() <= 0.0 {
            return Vec3::ZERO;
        }
        let w = mis_pdf.map_or(1.0, |pl| power_heuristic(pl, pdf_bsdf));
        f * le * w * self.visibility(at, p, wi, dist) * self.fog_transmittance(p, wi, dist)
    }

    /// The nearest rect light hit by the ray before `t_max`: its radiance, the
    /// solid-angle pdf light sampling would have given the direction, and the distance.
    fn hit_rect(fr: &FrameSetup, o: Vec3, d: Vec3, t_max: f32) -> Option<(Vec3, f32, f32)> {
        let mut best: Option<(f32, Vec3, f32)> = None;
        for e in &fr.emitters {
            let Emitter::Rect {
                center,
                eu,
                ev,
                normal,
                radiance,
            } = *e
            else {
                continue;
            };
            let denom = d.dot(normal);
            if denom.abs() < 1e-9 {
                continue;
            }
            let t = (center - o).dot(normal) / denom;
            if t <= 0.0 || t >= t_max || best.is_some_and(|b| t >= b.0) {
                continue;
            }
            let q = o + d * t - center;
            let (lu, lv) = (eu.length_squared(), ev.length_squared());
            if q.dot(eu).abs() > lu || q.dot(ev).abs() > lv {
                continue;
            }
            let cos_l = -denom;
            let (le, pdf) = if cos_l > 0.0 {
                let area = 4.0 * lu.sqrt() * lv.sqrt();
                (radiance, t * t / (area * cos_l))
            } else {
                (Vec3::ZERO, 0.0)
            };
            best = Some((t, le, pdf));
        }
        best.map(|(t, le, pdf)| (le, pdf, t))
    }

    fn radiance(
        &self,
        fr: &FrameSetup,
        at: &Posed<'_>,
        mut o: Vec3,
        mut d: Vec3,
        rng: &mut SampleRng,
    ) -> Vec3 {
        let mut l = Vec3::ZERO;
        let mut beta = Vec3::ONE;
        let (mut prev_pdf, mut prev_delta) = (0.0f32, true);
        let mut inside: Option<usize> = None;
        // The absorption of the liquid the path runs in.
        let mut medium: Option<Vec3> = None;
        for depth in 0..=self.opts.max_bounces {
            let hit = at.intersect(o, d, f32::INFINITY);
            let rect = Self::hit_rect(fr, o, d, hit.map_or(f32::INFINITY, |h| h.t));
            let end = rect.map_or(hit.map_or(f32::INFINITY, |h| h.t), |r| r.2);
            if let Some(sigma) = medium {
                // Beer–Lambert over this stretch inside the liquid.
                beta *= beer_lambert(sigma, end);
            } else if inside.is_none() {
                // The fog on this segment: in-scattered color, then the rest attenuated.
                let tr = self.fog_transmittance(o, d, end);
                if tr < 1.0 {
                    l += beta * self.world.fog_color * (1.0 - tr);
                    beta *= tr;
                }
            }
            if let Some((le, pdf_light, _)) = rect {
                let w = if prev_delta {
                    1.0
                } else {
                    power_heuristic(prev_pdf, pdf_light)
                };
                l += beta * le * w;
                break;
            }
            let Some(h) = hit else {
                let w = match &self.env_light {
                    Some(env) if self.env_nee && !prev_delta => {
                        power_heuristic(prev_pdf, env.pdf(d))
                    }
                    _ => 1.0,
                };
                l += beta * self.world.env.lookup(d) * w;
                break;
            };
            let obj = &at.objects[h.object];
            let material = &self.scene.materials[obj.material];
            let mut s = surface(material, h.local, obj.pattern_offset);
            let p = o + d * h.t;
            let flip = h.normal.dot(d) > 0.0;
            let n = if flip { -h.normal } else { h.normal };
            let mut shading = n;
            let (sheet, liquid) = match &obj.geometry {
                Geometry::Sheet(sheet) | Geometry::Body(sheet) => (Some(&**sheet), None),
                Geometry::Liquid(l) => (Some(&l.surface), Some(&**l)),
                _ => (None, None),
            };
            // The object-space normal maps perturb: the geometric one, or a cloth's or a
            // liquid's interpolated vertex normal on the geometric normal's side (the
            // raster's `front_facing` flip).
            let mut local_n = h.local_normal;
            if let Some(sheet) = sheet {
                if liquid.is_none() {
                    // Cloth is thin and open: never a dielectric interface.
                    s.transmission = 0.0;
                }
                if let Some(ns) = sheet.normal(h.part, h.local) {
                    local_n = if ns.dot(h.local_normal) < 0.0 {
                        -ns
                    } else {
                        ns
                    };
                    let ns = (at.poses[h.object].rotation * local_n).normalize_or(h.normal);
                    let ns = if flip { -ns } else { ns };
                    // Where it still faces away (grazing), the geometric normal shades.
                    if ns.dot(-d) > 0.0 {
                        shading = ns;
                    }
                }
            }
            let uv_frame = if !material.maps.any() {
                None
            } else if let Some(sheet) = sheet {
                sheet.uv_frame(h.part, h.local)
            } else {
                self.scene.entities[obj.entity]
                    .shape
                    .as_ref()
                    .map(|shape| maps::uv_frame(shape, h.local, h.local_normal, h.part))
            };
            if let Some(frame) = uv_frame
                && let Some(ns) = maps::apply(&material.maps, &frame, local_n, &mut s)
            {
                let ns = (at.poses[h.object].rotation * ns).normalize_or(h.normal);
                let ns = if flip { -ns } else { ns };
                if ns.dot(-d) > 0.0 {
                    shading = ns;
                }
            }
            l += beta * s.emission;
            let wo = -d;
            if let Some(liq) = liquid
                && s.transmission > 0.0
                && rng.f32() < s.transmission
            {
                // A liquid's surface: a smooth dielectric interface on the interpolated
                // normal (the facet's where that would send the ray to the wrong side),
                // absorbing inside instead of tinting per crossing.
                let entering = !liq.exits(h.part, at.poses[h.object].rotation.conjugate() * d);
                let eta = if entering { s.ior } else { 1.0 / s.ior };
                let interface = |m: Vec3| {
                    let f = fresnel_dielectric(wo.dot(m), eta);
                    (f, refract(wo, m, eta), reflect(wo, m))
                };
                let (mut f, mut t, mut r) = interface(shading);
                if t.is_some_and(|t| t.dot(n) >= 0.0) || r.dot(n) <= 0.0 {
                    (f, t, r) = interface(n);
                }
                match t.filter(|_| rng.f32() >= f) {
                    Some(t) => {
                        d = t;
                        o = offset(p, -n);
                        medium = entering.then_some(liq.absorption);
                    }
                    None => {
                        d = r;
                        o = offset(p, n);
                    }
                }
                prev_delta = true;
            } else if s.transmission > 0.0 && rng.f32() < s.transmission {
                // A smooth dielectric interface: reflect with probability F, else refract.
                let entering = inside != Some(h.object);
                let eta = if entering { s.ior } else { 1.0 / s.ior };
                let f = fresnel_dielectric(wo.dot(n), eta);
                match refract(wo, n, eta).filter(|_| rng.f32() >= f) {
                    Some(t) => {
                        d = t;
                        o = offset(p, -n);
                        beta *= s.base;
                        inside = if entering { Some(h.object) } else { None };
                    }
                    None => {
                        d = reflect(wo, n);
                        o = offset(p, n);
                    }
                }
                prev_delta = true;
            } else {
                let bsdf = Bsdf::new(&s, shading, wo);
                let po = offset(p, n);
                for e in &fr.emitters {
                    l += beta * self.direct(e, &bsdf, wo, po, at, rng);
                }
                if self.env_nee && self.env_light.is_some() {
                    // Drawn only when the environment lights: a black world keeps the
                    // random streams (and images) of the tracer before worlds.
                    let (u0, u1) = (rng.f32(), rng.f32());
                    l += beta * self.direct_env(&bsdf, wo, n, po, at, u0, u1);
                }
                let u = [rng.f32(), rng.f32(), rng.f32()];
                let Some(smp) = bsdf.sample(wo, u) else { break };
                if smp.wi.dot(n) <= 0.0 {
                    // A shading normal sent it under the surface: absorbed.
                    break;
                }
                beta *= smp.weight;
                d = smp.wi;
                o = po;
                prev_pdf = smp.pdf;
                prev_delta = smp.delta;
            }
            if depth >= 3 {
                // Russian roulette (Arvo and Kirk 1990).
                let q = beta.max_element().min(0.95);
                if q <= 0.0 || rng.f32() >= q {
                    break;
                }
                beta /= q;
            }
        }
        l
    }

    /// Light from the environment, next-event estimated from `po` (already off the
    /// surface with geometric normal `n`) with one direction drawn from the map
    /// (uniforms `u0`, `u1`), weighted against BSDF sampling by the power heuristic and
    /// seen through the fog to infinity.
    #[allow(clippy::too_many_arguments)]
    fn direct_env(
        &self,
        bsdf: &Bsdf,
        wo: Vec3,
        n: Vec3,
        po: Vec3,
        at: &Posed<'_>,
        u0: f32,
        u1: f32,
    ) -> Vec3 {
        let Some(env) = self.env_light.as_ref().filter(|_| self.env_nee) else {
            return Vec3::ZERO;
        };
        let Some(es) = env.sample(u0, u1) else {
            return Vec3::ZERO;
        };
        if es.wi.dot(n) <= 0.0 {
            return Vec3::ZERO;
        }
        let (f, pdf_bsdf) = bsdf.eval(wo, es.wi);
        if f.max_element() <= 0.0 {
            return Vec3::ZERO;
        }
        let le = self.world.env.lookup(es.wi);
        let w = power_heuristic(es.pdf, pdf_bsdf);
        let tr = self.visibility(at, po, es.wi, f32::INFINITY)
            * self.fog_transmittance(po, es.wi, f32::INFINITY);
        f * le * tr * (w / es.pdf)
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_fluid;
