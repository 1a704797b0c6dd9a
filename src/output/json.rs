//! The JSON files' shapes. Field order is fixed by these structs; nothing iterates a map.

use serde::{Deserialize, Serialize};

use crate::physics::Trajectory;
use crate::scene::Scene;

/// `metadata.json`.
#[derive(Debug, Serialize, Deserialize)]
pub struct MetadataFile {
    /// `"cinegraph/metadata/1"`.
    pub format: String,
    /// Crate version that wrote it.
    pub cinegraph_version: String,
    /// Scene identity.
    pub scene: SceneInfo,
    /// Frames per second.
    pub fps: u32,
    /// Physics steps per second.
    pub physics_hz: u32,
    /// Number of frames.
    pub frame_count: u32,
    /// Gravity, m/s².
    pub gravity: [f32; 3],
    /// Output resolution.
    pub resolution: [u32; 2],
    /// The conventions of every number in this file.
    pub conventions: Conventions,
    /// The camera, when the clip was rendered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera: Option<CameraInfo>,
    /// One per entity, in scene order.
    pub objects: Vec<ObjectTrack>,
    /// One per frame.
    pub frames: Vec<FrameInfo>,
    /// The sound, when it was synthesized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<AudioInfo>,
    /// One per cloth, in scene order (absent when the scene has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cloths: Vec<ClothTrack>,
    /// One per liquid, in scene order (absent when the scene has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fluids: Vec<FluidTrack>,
    /// One per character, in scene order (absent when the scene has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub characters: Vec<CharacterTrack>,
}

/// One character over the clip (its entity is also in `objects`, with `body`
/// `"character"` and `shape` `"mannequin"`): its skeleton's keypoints every frame.
#[derive(Debug, Serialize, Deserialize)]
pub struct CharacterTrack {
    /// Name.
    pub name: String,
    /// Instance id (its pixels in the segmentation).
    pub id: u32,
    /// Standing height, m.
    pub height: f32,
    /// Build factor.
    pub build: f32,
    /// The joints, in the order of every keypoint list (pelvis first; a joint is where
    /// its bone starts: `left_knee` is the knee's center).
    pub joints: Vec<String>,
    /// Each joint's parent's index in `joints` (`null` for the pelvis): the skeleton's
    /// edges for drawing.
    pub parents: Vec<Option<usize>>,
    /// World position of every joint per frame, m.
    pub keypoints_3d: Vec<Vec<[f32; 3]>>,
    /// Pixel position `[u, v]` (OpenCV: from the top-left corner) and depth along the
    /// camera's axis (m) of every joint per frame, when the clip was rendered. A joint
    /// behind the camera has a negative depth; occlusion is not marked (compare the
    /// depth with `depth/`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keypoints_2d: Vec<Vec<[f64; 3]>>,
    /// Timed actions: `[time, name]` (`"push"`, `"kick"`, `"wave"`, `"pick up"`,
    /// `"throw"`, `"sit"`, `"jump"`, `"fall"`).
    pub actions: Vec<(f32, String)>,
    /// Per frame, the name of the object in its right hand (`null` when empty); absent
    /// when it never held anything.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holding: Vec<Option<String>>,
    /// When it became a ragdoll and why (`"told"`, `"hit"`, `"off balance"`), if it did.
    pub fell: Option<(f32, String)>,
}

/// One liquid over the clip (its entity is also in `objects`, with `body` and `shape`
/// `"fluid"`). Volume is particles × the lattice cell `(2r)³`.
#[derive(Debug, Serialize, Deserialize)]
pub struct FluidTrack {
    /// Name.
    pub name: String,
    /// Instance id.
    pub id: u32,
    /// Liquid preset.
    pub liquid: String,
    /// Rest density, kg/m³.
    pub density: f32,
    /// Kinematic viscosity, m²/s.
    pub viscosity: f32,
    /// Particle radius, m.
    pub particle_radius: f32,
    /// Particles per frame.
    pub particles: Vec<usize>,
    /// Volume per frame, m³.
    pub volume: Vec<f32>,
    /// Center of mass per frame, m (the particles' mean; `null` before an emitter runs).
    pub center_of_mass: Vec<Option<[f32; 3]>>,
    /// World-space box `[min, max]` per frame, m (`null` when empty).
    pub bounds: Vec<Option<[[f32; 3]; 2]>>,
}

/// One sheet of cloth over the clip (its entity is also in `objects`, with `body` and
/// `shape` `"cloth"`).
#[derive(Debug, Serialize, Deserialize)]
pub struct ClothTrack {
    /// Name.
    pub name: String,
    /// Instance id.
    pub id: u32,
    /// Fabric preset the mechanics start from.
    pub fabric: String,
    /// Quads across and down.
    pub resolution: [u32; 2],
    /// Vertices.
    pub vertices: usize,
    /// Pinned vertices.
    pub pinned: usize,
    /// Mass, kg.
    pub mass: f32,
    /// Mean vertex position per frame, m.
    pub centers: Vec<[f32; 3]>,
    /// World-space box `[min, max]` per frame, m.
    pub bounds: Vec<[[f32; 3]; 2]>,
    /// Mean and largest strain of the grid edges per frame (`|length / rest − 1|`).
    pub strain: Vec<[f32; 2]>,
}

/// The clip's sound (`audio.wav`, and the Opus track of the MP4s).
#[derive(Debug, Serialize, Deserialize)]
pub struct AudioInfo {
    /// `"audio.wav"`.
    pub file: String,
    /// Samples per second.
    pub rate: u32,
    /// Channels (2: left, right).
    pub channels: u32,
    /// Samples per channel.
    pub samples: usize,
    /// The codec of the MP4s' audio track.
    pub mp4_codec: String,
    /// Room preset, reverberation time (s) and wet level.
    pub room: (String, f32, f32),
    /// Master gain, dB.
    pub gain_db: f32,
    /// Counts and levels: strikes, continuous samples, banks, voices, cost, peak.
    pub stats: serde_json::Value,
    /// Every strike: time (s), the two entities' names, impulse (N·s), Hertz contact
    /// time (s).
    pub strikes: Vec<(f64, String, String, f32, f32)>,
}

/// Adds the sound's facts to `meta`.
pub fn add_audio_info(meta: &mut MetadataFile, scene: &Scene, track: &crate::audio::AudioTrack) {
    let name = |i: usize| {
        scene
            .entities
            .get(i)
            .map_or(String::new(), |e| e.name.clone())
    };
    meta.audio = Some(AudioInfo {
        file: "audio.wav".into(),
        rate: track.rate,
        channels: 2,
        samples: track.left.len(),
        mp4_codec: "opus".into(),
        room: (
            scene.sound.room.name.to_string(),
            scene.sound.room.rt60,
            scene.sound.room.wet,
        ),
        gain_db: scene.sound.gain_db,
        stats: serde_json::to_value(&track.stats).unwrap_or_default(),
        strikes: track
            .strikes
            .iter()
            .map(|s| (s.time, name(s.a), name(s.b), s.impulse, s.contact_s))
            .collect(),
    });
}

/// Scene identity.
#[derive(Debug, Serialize, Deserialize)]
pub struct SceneInfo {
    /// Scene name.
    pub name: String,
    /// Path it was read from.
    pub path: Option<String>,
    /// BLAKE3 of the scene text and its meshes.
    pub hash: String,
    /// The seed.
    pub seed: u64,
}

/// Units and frames of reference.
#[derive(Debug, Serialize, Deserialize)]
pub struct Conventions {
    /// Units.
    pub units: String,
    /// Axes.
    pub axes: String,
    /// Rotation encoding.
    pub rotation: String,
    /// Frame timing.
    pub time: String,
}

/// One entity over the clip.
#[derive(Debug, Serialize, Deserialize)]
pub struct ObjectTrack {
    /// Name.
    pub name: String,
    /// Instance id (1-based; 0 is background).
    pub id: u32,
    /// `fixed`, `dynamic`, `kinematic` or `none`.
    pub body: String,
    /// Shape kind or `none`.
    pub shape: String,
    /// Material name.
    pub material: String,
    /// Mass of its own shape, kg.
    pub mass: f32,
    /// Mass of its rigid body, kg.
    pub body_mass: f32,
    /// Friction coefficient.
    pub friction: f32,
    /// Restitution coefficient.
    pub restitution: f32,
    /// World position per frame, m.
    pub positions: Vec<[f32; 3]>,
    /// World rotation per frame, quaternion `[x, y, z, w]`.
    pub rotations: Vec<[f32; 4]>,
    /// Velocity of the entity's origin per frame, m/s.
    pub linear_velocities: Vec<[f32; 3]>,
    /// Angular velocity per frame, rad/s.
    pub angular_velocities: Vec<[f32; 3]>,
    /// Visible pixels per frame (rendered frames only; `null` for frames not rendered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_pixels: Option<Vec<Option<u64>>>,
    /// 2-D bounding box per frame, `[x_min, y_min, x_max, y_max]` pixels inclusive;
    /// `null` when not visible or not rendered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bboxes: Option<Vec<Option<[u32; 4]>>>,
}

/// One frame's pixel statistics of every entity: `(visible pixels, bbox)`.
pub type FrameStats = Vec<(u64, Option<[u32; 4]>)>;

/// The camera of a rendered clip.
#[derive(Debug, Serialize, Deserialize)]
pub struct CameraInfo {
    /// `"pinhole"`.
    pub model: String,
    /// Image width and height, pixels.
    pub resolution: [u32; 2],
    /// Vertical field of view, degrees.
    pub fov_y_deg: f64,
    /// Focal length, mm, on `sensor_mm`.
    pub focal_mm: f64,
    /// Sensor size, mm.
    pub sensor_mm: [f32; 2],
    /// Intrinsics, row-major, OpenCV convention: camera x right, y down, z forward;
    /// pixel (0, 0) is the top-left corner of the image.
    pub k: [[f64; 3]; 3],
    /// Near and far clip, m.
    pub near: f32,
    /// Far clip, m.
    pub far: f32,
    /// How to read the poses.
    pub convention: String,
    /// Camera position per frame (world), m.
    pub positions: Vec<[f32; 3]>,
    /// Camera-to-world rotation per frame, quaternion `[x, y, z, w]`.
    pub rotations: Vec<[f32; 4]>,
    /// Aperture f-number (`null`: pinhole, no depth of field).
    pub aperture: Option<f32>,
    /// Focus distance, m.
    pub focus_distance: Option<f32>,
    /// The shot each frame belongs to.
    pub shot: Vec<usize>,
    /// Frames that start a new shot (a cut before them): flow across the cut is NaN
    /// (the occlusion masks mark every object pixel occluded).
    pub cuts: Vec<usize>,
    /// The style the frames are graded with.
    pub style: Option<String>,
}

/// Per-frame diagnostics.
#[derive(Debug, Serialize, Deserialize)]
pub struct FrameInfo {
    /// Frame index.
    pub index: u32,
    /// Time, s.
    pub time: f64,
    /// J.
    pub kinetic_energy: f64,
    /// J (zero at the world origin).
    pub potential_energy: f64,
    /// J.
    pub total_energy: f64,
    /// Total linear momentum of dynamic bodies, kg·m/s.
    pub momentum: [f32; 3],
    /// Replay hash of the physics state.
    pub state_hash: String,
}

/// Builds `metadata.json`'s content.
pub fn metadata_file(scene: &Scene, traj: &Trajectory) -> MetadataFile {
    let objects = traj
        .objects
        .iter()
        .enumerate()
        .map(|(i, o)| ObjectTrack {
            name: o.name.clone(),
            id: o.id,
            body: o.body.to_string(),
            shape: o.shape.to_string(),
            material: o.material.clone(),
            mass: o.mass,
            body_mass: o.body_mass,
            friction: o.friction,
            restitution: o.restitution,
            positions: traj
                .frames
                .iter()
                .map(|f| f.poses[i].translation.to_array())
                .collect(),
            rotations: traj
                .frames
                .iter()
                .map(|f| f.poses[i].rotation.to_array())
                .collect(),
            linear_velocities: traj.frames.iter().map(|f| f.linvel[i].to_array()).collect(),
            angular_velocities: traj.frames.iter().map(|f| f.angvel[i].to_array()).collect(),
            visible_pixels: None,
            bboxes: None,
        })
        .collect();
    let frames = traj
        .frames
        .iter()
        .enumerate()
        .map(|(k, f)| FrameInfo {
            index: k as u32,
            time: f.time,
            kinetic_energy: f.energy.kinetic,
            potential_energy: f.energy.potential,
            total_energy: f.energy.total,
            momentum: f.momentum.to_array(),
            state_hash: f.state_hash.clone(),
        })
        .collect();
    MetadataFile {
        format: "cinegraph/metadata/1".into(),
        cinegraph_version: crate::VERSION.into(),
        scene: SceneInfo {
            name: scene.name.clone(),
            path: scene.source.path.as_ref().map(|p| p.display().to_string()),
            hash: scene.source.hash.clone(),
            seed: scene.seed,
        },
        fps: scene.fps,
        physics_hz: scene.physics_hz,
        frame_count: traj.frames.len() as u32,
        gravity: scene.gravity.to_array(),
        resolution: [scene.resolution.0, scene.resolution.1],
        conventions: Conventions {
            units: "meters, kilograms, seconds, radians".into(),
            axes: "right-handed, +Y up (glTF)".into(),
            rotation: "unit quaternion [x, y, z, w], entity frame to world".into(),
            time: "frame k is the state at t = k / fps".into(),
        },
        camera: None,
        objects,
        frames,
        audio: None,
        cloths: cloth_tracks(scene, traj),
        fluids: fluid_tracks(scene, traj),
        characters: character_tracks(scene, traj),
    }
}

fn character_tracks(scene: &Scene, traj: &Trajectory) -> Vec<CharacterTrack> {
    use crate::character::Joint;
    scene
        .characters
        .iter()
        .enumerate()
        .map(|(ci, c)| CharacterTrack {
            name: c.name.clone(),
            id: scene.entities[c.entity].id,
            height: c.body.height,
            build: c.body.build,
            joints: Joint::ALL.iter().map(|j| j.name().to_string()).collect(),
            parents: Joint::ALL
                .iter()
                .map(|j| j.parent().map(Joint::index))
                .collect(),
            keypoints_3d: traj
                .frames
                .iter()
                .map(|f| {
                    f.character_joints(ci)
                        .iter()
                        .map(|p| p.translation.to_array())
                        .collect()
                })
                .collect(),
            keypoints_2d: Vec::new(),
            actions: c
                .actions
                .iter()
                .map(|(t, a)| (*t, a.name().to_string()))
                .collect(),
            holding: {
                let per_frame: Vec<Option<String>> = traj
                    .frames
                    .iter()
                    .map(|f| {
                        f.characters
                            .get(ci)
                            .and_then(|c| c.holding)
                            .map(|e| scene.entities[e].name.clone())
                    })
                    .collect();
                if per_frame.iter().any(Option::is_some) {
                    per_frame
                } else {
                    Vec::new()
                }
            },
            fell: traj
                .frames
                .last()
                .and_then(|f| f.characters.get(ci))
                .and_then(|c| c.fall.as_ref())
                .map(|f| (f.time, f.cause.to_string())),
        })
        .collect()
}

fn fluid_tracks(scene: &Scene, traj: &Trajectory) -> Vec<FluidTrack> {
    scene
        .fluids
        .iter()
        .enumerate()
        .map(|(fi, fl)| {
            let cell = (2.0 * fl.particle_radius).powi(3);
            let mut track = FluidTrack {
                name: fl.name.clone(),
                id: scene.entities[fl.entity].id,
                liquid: fl.liquid.name.to_string(),
                density: fl.liquid.density,
                viscosity: fl.liquid.viscosity,
                particle_radius: fl.particle_radius,
                particles: Vec::new(),
                volume: Vec::new(),
                center_of_mass: Vec::new(),
                bounds: Vec::new(),
            };
            for f in &traj.frames {
                let x = f.fluid(fi).map_or(&[][..], |ff| ff.positions.as_slice());
                track.particles.push(x.len());
                track.volume.push(x.len() as f32 * cell);
                if x.is_empty() {
                    track.center_of_mass.push(None);
                    track.bounds.push(None);
                    continue;
                }
                let sum: glam::DVec3 = x.iter().map(|p| p.as_dvec3()).sum();
                track
                    .center_of_mass
                    .push(Some((sum / x.len() as f64).as_vec3().to_array()));
                let lo = x.iter().copied().fold(glam::Vec3::MAX, glam::Vec3::min);
                let hi = x.iter().copied().fold(glam::Vec3::MIN, glam::Vec3::max);
                track.bounds.push(Some([lo.to_array(), hi.to_array()]));
            }
            track
        })
        .collect()
}

fn cloth_tracks(scene: &Scene, traj: &Trajectory) -> Vec<ClothTrack> {
    scene
        .cloths
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let n = c.vertex_count();
            let mut centers = Vec::new();
            let mut bounds = Vec::new();
            let mut strain = Vec::new();
            for f in &traj.frames {
                let x = f.cloth_positions(ci);
                let sum: glam::Vec3 = x.iter().copied().sum();
                centers.push((sum / x.len().max(1) as f32).to_array());
                let lo = x
                    .iter()
                    .copied()
                    .fold(glam::Vec3::splat(f32::MAX), glam::Vec3::min);
                let hi = x
                    .iter()
                    .copied()
                    .fold(glam::Vec3::splat(f32::MIN), glam::Vec3::max);
                bounds.push([lo.to_array(), hi.to_array()]);
                let (mean, max) = crate::physics::cloth::strain(c, x);
                strain.push([mean, max]);
            }
            ClothTrack {
                name: c.name.clone(),
                id: scene.entities[c.entity].id,
                fabric: c.fabric.name.to_string(),
                resolution: [c.resolution.0, c.resolution.1],
                vertices: n,
                pinned: c.pins.len(),
                mass: traj.objects.get(c.entity).map_or(0.0, |o| o.mass),
                centers,
                bounds,
                strain,
            }
        })
        .collect()
}

/// Adds the camera and per-frame pixel statistics of a render (`stats[k]` is `None` for
/// frames not rendered).
pub fn add_render_info(
    meta: &mut MetadataFile,
    scene: &Scene,
    plan: &crate::camera::CameraPlan,
    stats: &[Option<FrameStats>],
) {
    let cams = &plan.frames;
    if let Some(c0) = cams.first() {
        let f_px = c0.focal_px();
        let sensor_h = f64::from(scene.camera.sensor_mm.1);
        meta.camera = Some(CameraInfo {
            model: "pinhole".into(),
            resolution: [c0.width, c0.height],
            fov_y_deg: f64::from(c0.fov_y).to_degrees(),
            focal_mm: f_px * sensor_h / f64::from(c0.height),
            sensor_mm: [scene.camera.sensor_mm.0, scene.camera.sensor_mm.1],
            k: c0.k(),
            near: c0.near,
            far: c0.far,
            convention: "camera-to-world poses; the camera looks down its -Z axis with +Y up (glTF); K maps (X, -Y, -Z) of that frame to pixels".into(),
            positions: cams.iter().map(|c| c.pose.translation.to_array()).collect(),
            rotations: cams.iter().map(|c| c.pose.rotation.to_array()).collect(),
            aperture: scene.camera.aperture,
            focus_distance: scene.camera.focus_distance,
            shot: plan.shot.clone(),
            cuts: (0..cams.len()).filter(|&k| plan.cut_before(k)).collect(),
            style: scene.style.clone(),
        });
    }
    for track in &mut meta.characters {
        track.keypoints_2d = track
            .keypoints_3d
            .iter()
            .zip(cams)
            .map(|(joints, cam)| {
                joints
                    .iter()
                    .map(|p| {
                        let (u, v, z) = cam.project(glam::Vec3::from(*p));
                        [u, v, z]
                    })
                    .collect()
            })
            .collect();
    }
    for (i, obj) in meta.objects.iter_mut().enumerate() {
        obj.visible_pixels = Some(stats.iter().map(|s| s.as_ref().map(|s| s[i].0)).collect());
        obj.bboxes = Some(
            stats
                .iter()
                .map(|s| s.as_ref().and_then(|s| s[i].1))
                .collect(),
        );
    }
}

/// `events.json`.
#[derive(Debug, Serialize, Deserialize)]
pub struct EventsFile {
    /// `"cinegraph/events/1"`.
    pub format: String,
    /// Contacts that started, in step order.
    pub collisions: Vec<CollisionRecord>,
}

/// One contact start.
#[derive(Debug, Serialize, Deserialize)]
pub struct CollisionRecord {
    /// Frame during which it started.
    pub frame: u32,
    /// Physics step.
    pub step: u64,
    /// Time, s.
    pub time: f64,
    /// First entity name.
    pub a: String,
    /// Second entity name.
    pub b: String,
    /// First entity id.
    pub a_id: u32,
    /// Second entity id.
    pub b_id: u32,
    /// World point, m.
    pub point: [f32; 3],
    /// Normal from `a` to `b`.
    pub normal: [f32; 3],
    /// N·s over the contact's first frame interval.
    pub impulse: f32,
}

/// Builds `events.json`'s content.
pub fn events_file(scene: &Scene, traj: &Trajectory) -> EventsFile {
    EventsFile {
        format: "cinegraph/events/1".into(),
        collisions: traj
            .collisions
            .iter()
            .map(|c| CollisionRecord {
                frame: c.frame,
                step: c.step,
                time: c.time,
                a: scene.entities[c.a].name.clone(),
                b: scene.entities[c.b].name.clone(),
                a_id: scene.entities[c.a].id,
                b_id: scene.entities[c.b].id,
                point: c.point.to_array(),
                normal: c.normal.to_array(),
                impulse: c.impulse,
            })
            .collect(),
    }
}

/// `replay.json`: everything needed to re-run and compare.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReplayFile {
    /// `"cinegraph/replay/1"`.
    pub format: String,
    /// Crate version that wrote it.
    pub cinegraph_version: String,
    /// Where the scene was read from (mesh paths resolve against its folder).
    pub scene_path: Option<String>,
    /// BLAKE3 of the scene text and meshes.
    pub scene_hash: String,
    /// The scene text exactly as simulated.
    pub scene_source: String,
    /// Frames per second.
    pub fps: u32,
    /// Physics steps per second.
    pub physics_hz: u32,
    /// State hash per frame.
    pub frame_hashes: Vec<String>,
}

/// Builds `replay.json`'s content.
pub fn replay_file(scene: &Scene, traj: &Trajectory) -> ReplayFile {
    ReplayFile {
        format: "cinegraph/replay/1".into(),
        cinegraph_version: crate::VERSION.into(),
        scene_path: scene.source.path.as_ref().map(|p| p.display().to_string()),
        scene_hash: scene.source.hash.clone(),
        scene_source: scene.source.text.clone(),
        fps: scene.fps,
        physics_hz: scene.physics_hz,
        frame_hashes: traj.frames.iter().map(|f| f.state_hash.clone()).collect(),
    }
}
