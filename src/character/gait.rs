//! Procedural locomotion: walking and running along a ground path.
//!
//! Input: a polyline on the ground plane `y = ground_height`, a speed, a turning-rate
//! limit and optional stops. Output: for every time `t`, a [`Pose`] of the standard
//! skeleton (pelvis transform + joint local rotations), from which
//! [`Skeleton::globals`] gives world joint transforms.
//!
//! The model, in the order it is built:
//! 1. **Path.** Corners are rounded with circular arcs of radius `speed / max_turn_rate`
//!    so the heading never turns faster than the limit (a corner too short for that
//!    radius gets the largest arc that fits, and turns faster). The pelvis moves along
//!    this curve at exactly `speed` (arc-length parameterized), facing along it.
//! 2. **Footsteps.** Each walk between stops is cut into `n` equal steps near the
//!    stride length of Alexander (1984), `λ = 2.3 h (v² / g h)^0.3` (λ: stride = two
//!    steps, h: hip height; R. McN. Alexander, "Stride length and speed for adults,
//!    children, and fossil hominids", Am. J. Phys. Anthropol. 63:23–27). Feet
//!    alternate, land beside the path at the hip's lateral offset, a foot lands when
//!    the pelvis is [`pelvis_lag`] steps behind it, and swings for `(1 − β)` of the
//!    gait cycle, with duty factor β = 0.60 walking (Perry & Burnfield, *Gait
//!    Analysis*, 2010) and 0.38 running (Novacheck, "The biomechanics of running",
//!    Gait & Posture 7:77–95, 1998); it runs above Froude number `v²/gh = 0.5`. A walk
//!    starts and ends with both feet side by side.
//! 3. **Stance.** A planted foot's ball (toe joint) stays exactly where it landed; in
//!    a turn the foot pivots on it once the pelvis faces more than 20° away. When the
//!    hip moves too far for the leg or the shank leans past 15° of dorsiflexion, the
//!    heel lifts about the ball (the smallest lift that fixes both), so foot skate is
//!    zero by construction.
//! 4. **Swing.** The ankle travels from its lift-off pose to the next foothold on a
//!    smoothstep in the ground plane and an arc in height peaking at 30 % of the swing
//!    (`sin(π u^0.6)`); the heel lift unwinds, and the foot follows the shank rather
//!    than dorsiflex past 15°.
//! 5. **Pelvis.** Standing height with nearly straight legs; while walking, the height
//!    that keeps both feet reachable at double support, rising between touchdowns to the
//!    stance leg's reach (an inverted pendulum's vault); running, a bob of [`BOB`]·H.
//! 6. **Legs** by analytic two-bone IK ([`two_bone_ik`]) with the knee toward the toes;
//!    **arms** hang and swing opposite to the legs.
//!
//! Everything is a pure function of the inputs (no randomness, fixed iteration counts).

use glam::{Affine3A, Mat3, Quat, Vec2, Vec3};

use super::skeleton::{JOINT_COUNT, Joint, Pose, Side, Skeleton, proportions};

/// Gravity used for the Froude number (m/s²).
const G: f32 = 9.81;
/// Where the pelvis is when a foot lands, in step lengths behind the foot: half a step
/// walking (symmetric double support), `β` running (a stance centred under the pelvis;
/// β = duty factor).
pub fn pelvis_lag(duty_factor: f32) -> f32 {
    duty_factor.min(0.5)
}
/// Pelvis bob amplitude while walking, as a fraction of height.
pub const BOB: f32 = 0.015;
/// Largest heel lift (rotation of the foot about its ball), radians.
const MAX_HEEL_LIFT: f32 = 1.0;
/// The ankle's largest dorsiflexion in stance (radians, 15°): past it the heel lifts.
const MAX_DORSIFLEXION: f32 = 15.0 * std::f32::consts::PI / 180.0;
/// How far the pelvis may turn away from a planted foot before the foot pivots on its
/// ball (radians, 20°).
const MAX_TWIST: f32 = 20.0 * std::f32::consts::PI / 180.0;
/// The toes' largest extension (bending up at the ball), radians (65°).
const TOE_EXTENSION: f32 = 65.0 * std::f32::consts::PI / 180.0;
/// Reach used when planning pelvis height: this fraction of the straight leg.
const PLAN_REACH: f32 = 0.97;
/// A stance leg is never straighter than this fraction of its length (heel lifts first).
const STANCE_REACH: f32 = 0.995;
/// Arm swing angle per radian of the opposite leg's swing.
const ARM_GAIN: f32 = 0.8;
/// How far the arms hang from the T-pose (radians): 80° down from horizontal.
pub(crate) const ARM_HANG: f32 = 80.0 * std::f32::consts::PI / 180.0;

/// Bad locomotion input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GaitError {
    /// The path has fewer than two distinct points.
    #[error("path needs at least two distinct points, got {found}")]
    ShortPath {
        /// Distinct points found.
        found: usize,
    },
    /// A path point is not finite.
    #[error("path[{index}] is not finite")]
    PathPoint {
        /// The point's index.
        index: usize,
    },
    /// A parameter is out of range.
    #[error("{field} must be {expected}, got {found}")]
    Param {
        /// The parameter's name, e.g. `speed` or `stops[1].duration`.
        field: String,
        /// The range.
        expected: &'static str,
        /// What was given.
        found: f32,
    },
}

/// A pause on the way.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Stop {
    /// Where, in meters along the (rounded) path.
    pub at: f32,
    /// How long, in seconds.
    pub duration: f32,
}

/// Locomotion settings.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GaitParams {
    /// Speed along the path while moving, m/s (walk ≈ 1.4, run ≈ 3).
    pub speed: f32,
    /// Height of the ground plane, m.
    pub ground_height: f32,
    /// Largest heading change rate, rad/s.
    pub max_turn_rate: f32,
    /// Pauses, by distance along the path.
    pub stops: Vec<Stop>,
}

impl GaitParams {
    /// A normal walk: 1.4 m/s, turning at most 120°/s.
    pub fn walk() -> GaitParams {
        GaitParams {
            speed: 1.4,
            ground_height: 0.0,
            max_turn_rate: 120f32.to_radians(),
            stops: Vec::new(),
        }
    }

    /// A jog: 3 m/s, turning at most 120°/s.
    pub fn run() -> GaitParams {
        GaitParams {
            speed: 3.0,
            ..GaitParams::walk()
        }
    }

    fn validate(&self) -> Result<(), GaitError> {
        let param = |field: &str, expected, found| GaitError::Param {
            field: field.to_string(),
            expected,
            found,
        };
        if !(self.speed >= 0.1 && self.speed <= 8.0) {
            return Err(param("speed", "in [0.1, 8] m/s", self.speed));
        }
        if !self.ground_height.is_finite() {
            return Err(param("ground_height", "finite", self.ground_height));
        }
        if !(self.max_turn_rate > 0.0 && self.max_turn_rate.is_finite()) {
            return Err(param("max_turn_rate", "> 0 rad/s", self.max_turn_rate));
        }
        for (i, stop) in self.stops.iter().enumerate() {
            if !stop.at.is_finite() {
                return Err(param(&format!("stops[{i}].at"), "finite", stop.at));
            }
            if !(stop.duration >= 0.0 && stop.duration.is_finite()) {
                return Err(param(
                    &format!("stops[{i}].duration"),
                    ">= 0 s",
                    stop.duration,
                ));
            }
        }
        Ok(())
    }
}

/// Stride length (two steps, m) for a hip height and speed: Alexander (1984),
/// `λ = 2.3 h (v² / g h)^0.3`.
pub fn stride_length(hip_height: f32, speed: f32) -> f32 {
    2.3 * hip_height * (speed * speed / (G * hip_height)).powf(0.3)
}

/// Fraction of the gait cycle a foot is on the ground: 0.60 walking, 0.38 running
/// (running above Froude number 0.5).
pub fn duty_factor(hip_height: f32, speed: f32) -> f32 {
    if speed * speed / (G * hip_height) < 0.5 {
        0.60
    } else {
        0.38
    }
}

/// Where a foot stands: its ankle's ground projection `(x, z)` and its heading.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Foothold {
    /// Ankle position projected on the ground, as `(x, z)`.
    pub ankle: Vec2,
    /// Heading: rotation about +Y from +Z, radians.
    pub yaw: f32,
}

/// One foot moving from one foothold to the next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Footstep {
    /// Which foot.
    pub side: Side,
    /// When it leaves the ground (s).
    pub lift_off: f32,
    /// When it lands (s).
    pub touch_down: f32,
    /// Where it was.
    pub from: Foothold,
    /// Where it lands.
    pub to: Foothold,
}

/// World positions of one foot's landmarks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FootPoints {
    /// The ankle joint.
    pub ankle: Vec3,
    /// The ball of the foot (toe joint).
    pub ball: Vec3,
    /// The back of the heel's sole.
    pub heel: Vec3,
    /// The toe tip's sole.
    pub toe_tip: Vec3,
}

/// The landmarks of one foot from joint world transforms ([`Skeleton::globals`]).
pub fn foot_points(
    skeleton: &Skeleton,
    globals: &[Affine3A; JOINT_COUNT],
    side: Side,
) -> FootPoints {
    let [_, _, ankle, toe] = Joint::leg(side);
    let (ga, gt) = (globals[ankle.index()], globals[toe.index()]);
    FootPoints {
        ankle: ga.translation.into(),
        ball: gt.translation.into(),
        heel: ga.transform_point3(skeleton.heel()),
        toe_tip: gt.transform_point3(skeleton.toe_tip()),
    }
}

/// The result of [`two_bone_ik`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TwoBoneIk {
    /// World rotation of the upper bone (taking its rest frame, bone along −Y and bend
    /// direction +Z, to its posed frame).
    pub upper: Quat,
    /// World rotation of the lower bone, same convention.
    pub lower: Quat,
    /// Where the middle joint (knee) ends up.
    pub middle: Vec3,
    /// Where the end (ankle) ends up: the target when reachable, else the nearest point
    /// of the straightened chain.
    pub end: Vec3,
    /// Whether the end is at the target.
    pub reached: bool,
}

/// Analytic two-bone IK (law of cosines): a chain from `root` with bone lengths
/// `upper_len` and `lower_len` reaching for `target`, the middle joint bending toward
/// `pole` (a direction). Unreachable targets straighten the chain toward them; a target
/// at the root or a pole along the chain falls back to a fixed perpendicular. Never NaN
/// for finite input.
pub fn two_bone_ik(
    root: Vec3,
    upper_len: f32,
    lower_len: f32,
    target: Vec3,
    pole: Vec3,
) -> TwoBoneIk {
    let (a, b) = (upper_len.max(1e-6), lower_len.max(1e-6));
    let to_target = target - root;
    let dir = to_target.try_normalize().unwrap_or(Vec3::NEG_Y);
    let distance = to_target.length();
    let (min_d, max_d) = ((a - b).abs() + 1e-6, a + b);
    let d = distance.clamp(min_d, max_d);
    let reached = (distance - d).abs() <= 1e-6 * max_d.max(1.0);
    let bend = (pole - dir * dir.dot(pole))
        .try_normalize()
        .unwrap_or_else(|| dir.any_orthonormal_vector());
    let cos_root = ((a * a + d * d - b * b) / (2.0 * a * d)).clamp(-1.0, 1.0);
    let sin_root = (1.0 - cos_root * cos_root).max(0.0).sqrt();
    let middle = root + a * (cos_root * dir + sin_root * bend);
    let end = root + d * dir;
    // Both bones turn about the same axis, the bend plane's normal: a lower bone bent
    // more than 90° from the reach direction keeps its frame's handedness.
    let normal = bend.cross(dir);
    TwoBoneIk {
        upper: bone_frame(middle - root, normal),
        lower: bone_frame(end - middle, normal),
        middle,
        end,
        reached,
    }
}

/// The rotation taking a rest bone (along −Y, bending about X) to one along `along`
/// bending about `normal` (perpendicular to it).
fn bone_frame(along: Vec3, normal: Vec3) -> Quat {
    let y = -along.try_normalize().unwrap_or(Vec3::NEG_Y);
    let x = (normal - y * y.dot(normal))
        .try_normalize()
        .unwrap_or_else(|| y.any_orthonormal_vector());
    let z = x.cross(y);
    Quat::from_mat3(&Mat3::from_cols(x, y, z)).normalize()
}

/// Left of a ground direction `(x, z)` for a +Y-up, right-handed frame.
fn left_of(dir: Vec2) -> Vec2 {
    Vec2::new(dir.y, -dir.x)
}

fn yaw_of(dir: Vec2) -> f32 {
    dir.x.atan2(dir.y)
}

/// One piece of the rounded path, in ground coordinates `(x, z)`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Piece {
    Line {
        start: Vec2,
        dir: Vec2,
        length: f32,
    },
    /// `p(φ) = center + r0 cos φ + radius · d0 sin φ`, φ = arc length / radius.
    Arc {
        center: Vec2,
        r0: Vec2,
        d0: Vec2,
        radius: f32,
        length: f32,
    },
}

impl Piece {
    fn length(&self) -> f32 {
        match *self {
            Piece::Line { length, .. } | Piece::Arc { length, .. } => length,
        }
    }

    /// Position and unit direction at arc length `u` into the piece.
    fn eval(&self, u: f32) -> (Vec2, Vec2) {
        match *self {
            Piece::Line { start, dir, .. } => (start + dir * u, dir),
            Piece::Arc {
                center,
                r0,
                d0,
                radius,
                ..
            } => {
                let (sin, cos) = (u / radius).sin_cos();
                let dir = (d0 * cos - r0 / radius * sin).normalize_or(d0);
                (center + r0 * cos + d0 * radius * sin, dir)
            }
        }
    }
}

/// The rounded path with cumulative arc length.
#[derive(Debug, Clone, PartialEq)]
struct Curve {
    pieces: Vec<Piece>,
    /// Arc length at the start of each piece.
    starts: Vec<f32>,
    length: f32,
}

impl Curve {
    fn new(points: &[Vec2], radius: f32) -> Result<Curve, GaitError> {
        let mut pts: Vec<Vec2> = Vec::new();
        for &p in points {
            if pts.last().is_none_or(|q| q.distance(p) > 1e-4) {
                pts.push(p);
            }
        }
        if pts.len() < 2 {
            return Err(GaitError::ShortPath { found: pts.len() });
        }
        let dirs: Vec<Vec2> = pts
            .windows(2)
            .map(|w| (w[1] - w[0]).normalize_or(Vec2::Y))
            .collect();
        let lens: Vec<f32> = pts.windows(2).map(|w| w[0].distance(w[1])).collect();
        let mut pieces = Vec::new();
        let mut cursor = pts[0];
        for i in 1..pts.len() - 1 {
            let (d0, d1) = (dirs[i - 1], dirs[i]);
            let turn = d0.angle_to(d1).abs().min(3.1);
            let mut tangent = radius * (0.5 * turn).tan();
            tangent = tangent.min(0.5 * lens[i - 1]).min(0.5 * lens[i]);
            if turn < 1e-4 || tangent < 1e-5 {
                continue;
            }
            let r = tangent / (0.5 * turn).tan();
            let a = pts[i] - d0 * tangent;
            push_line(&mut pieces, cursor, a);
            let side = if left_of(d0).dot(d1) >= 0.0 {
                1.0
            } else {
                -1.0
            };
            let center = a + left_of(d0) * side * r;
            pieces.push(Piece::Arc {
                center,
                r0: a - center,
                d0,
                radius: r,
                length: r * turn,
            });
            cursor = pts[i] + d1 * tangent;
        }
        push_line(&mut pieces, cursor, pts[pts.len() - 1]);
        let mut starts = Vec::with_capacity(pieces.len());
        let mut length = 0.0;
        for p in &pieces {
            starts.push(length);
            length += p.length();
        }
        Ok(Curve {
            pieces,
            starts,
            length,
        })
    }

    /// Position and direction at arc length `s` (clamped to the path).
    fn eval(&self, s: f32) -> (Vec2, Vec2) {
        let s = s.clamp(0.0, self.length);
        let i = self.starts.partition_point(|&st| st <= s).saturating_sub(1);
        match self.pieces.get(i) {
            Some(piece) => piece.eval((s - self.starts[i]).min(piece.length())),
            None => (Vec2::ZERO, Vec2::Y),
        }
    }
}

fn push_line(pieces: &mut Vec<Piece>, from: Vec2, to: Vec2) {
    let length = from.distance(to);
    if length > 1e-6 {
        pieces.push(Piece::Line {
            start: from,
            dir: (to - from) / length,
            length,
        });
    }
}

/// One walk between stops.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Walk {
    /// Start time and arc length.
    t0: f32,
    s0: f32,
    /// Step length (m).
    step: f32,
    /// [`pelvis_lag`] for this walk's gait.
    lag: f32,
    /// First and last touchdown of the walk, and when the closing step lands.
    first_land: f32,
    last_land: f32,
    end: f32,
    /// Hip height at double support while walking (m above ground).
    hip_base: f32,
    /// How far the hip rises above `hip_base` between touchdowns (m).
    hip_rise: f32,
}

/// A planned locomotion: evaluate it at any time with [`Gait::pose_at`].
#[derive(Debug, Clone, PartialEq)]
pub struct Gait {
    skeleton: Skeleton,
    params: GaitParams,
    curve: Curve,
    /// Piecewise-linear arc length of the pelvis over time: `(t, s)`.
    knots: Vec<(f32, f32)>,
    walks: Vec<Walk>,
    steps: Vec<Footstep>,
    initial: [Foothold; 2],
    duration: f32,
    stand_hip: f32,
}

/// Leg geometry the planner needs.
struct Leg {
    thigh: f32,
    shank: f32,
    ankle_height: f32,
    hip_x: f32,
    /// Ball (toe joint) relative to the ankle, in the flat foot frame.
    ball: Vec3,
}

impl Leg {
    fn of(skeleton: &Skeleton) -> Leg {
        Leg {
            thigh: skeleton.thigh_length(),
            shank: skeleton.shank_length(),
            ankle_height: proportions::ANKLE_HEIGHT * skeleton.height(),
            hip_x: skeleton.offsets[Joint::LeftHip.index()].x.abs(),
            ball: skeleton.offsets[Joint::LeftToe.index()],
        }
    }

    fn length(&self) -> f32 {
        self.thigh + self.shank
    }

    /// Ankle relative to the flat-foot ankle position when the heel lifts by `lift`
    /// about the ball: (forward shift, height above the ground).
    fn lifted_ankle(&self, lift: f32) -> (f32, f32) {
        let back = Quat::from_rotation_x(lift) * -self.ball;
        (
            self.ball.z + back.z,
            self.ankle_height + self.ball.y + back.y,
        )
    }
}

impl Gait {
    /// Plans locomotion along `path` (points on the ground; their `y` is ignored and
    /// replaced by `params.ground_height`). The character starts standing at the first
    /// point facing along the path and ends standing at the last.
    ///
    /// # Errors
    /// [`GaitError`] for a path with fewer than two distinct points, a non-finite
    /// point, or parameters out of range.
    pub fn new(skeleton: &Skeleton, path: &[Vec3], params: &GaitParams) -> Result<Gait, GaitError> {
        params.validate()?;
        if let Some(index) = path.iter().position(|p| !p.is_finite()) {
            return Err(GaitError::PathPoint { index });
        }
        let ground: Vec<Vec2> = path.iter().map(|p| Vec2::new(p.x, p.z)).collect();
        let curve = Curve::new(&ground, params.speed / params.max_turn_rate)?;
        let leg = Leg::of(skeleton);
        let mut gait = Gait {
            skeleton: skeleton.clone(),
            params: params.clone(),
            initial: [Side::Left, Side::Right].map(|side| foothold(&curve, 0.0, side, leg.hip_x)),
            curve,
            knots: Vec::new(),
            walks: Vec::new(),
            steps: Vec::new(),
            duration: 0.0,
            stand_hip: leg.ankle_height + 0.99 * leg.length(),
        };
        gait.plan(&leg);
        Ok(gait)
    }

    fn plan(&mut self, leg: &Leg) {
        let total = self.curve.length;
        let mut stops: Vec<Stop> = self
            .params
            .stops
            .iter()
            .filter(|s| s.at > 0.01 && s.at < total - 0.01)
            .copied()
            .collect();
        stops.sort_by(|a, b| a.at.total_cmp(&b.at));
        let mut bounds: Vec<(f32, f32)> = stops.iter().map(|s| (s.at, s.duration)).collect();
        bounds.push((total, 0.0));
        let (mut t, mut s) = (0.0, 0.0);
        for (s_end, pause) in bounds {
            if s_end - s < 0.01 {
                continue;
            }
            let walk = self.plan_walk(leg, t, s, s_end);
            self.knots.push((t, s));
            self.knots
                .push((t + (s_end - s) / self.params.speed, s_end));
            self.walks.push(walk);
            t = walk.end + pause;
            s = s_end;
        }
        self.duration = t;
    }

    /// Footsteps for one walk from `s0` to `s1` starting at `t0`, both feet starting
    /// and ending side by side.
    fn plan_walk(&mut self, leg: &Leg, t0: f32, s0: f32, s1: f32) -> Walk {
        let v = self.params.speed;
        let hip = leg.ankle_height + leg.length();
        let nominal = 0.5 * stride_length(hip, v);
        let n = ((s1 - s0) / nominal).round().max(1.0) as usize;
        let step = (s1 - s0) / n as f32;
        let beta = duty_factor(hip, v);
        let lag = pelvis_lag(beta);
        let swing = (1.0 - beta) * 2.0 * step / v;
        let mut last_land = [t0; 2];
        let mut holds =
            [Side::Left, Side::Right].map(|side| foothold(&self.curve, s0, side, leg.hip_x));
        let mut first_land = t0;
        for k in 1..=n + 1 {
            let side = if k % 2 == 1 { Side::Left } else { Side::Right };
            let i = side_index(side);
            let s_land = (s0 + k as f32 * step).min(s1);
            let touch_down = t0 + (k as f32 - lag) * step / v;
            let lift_off = (touch_down - swing).max(last_land[i]);
            let to = foothold(&self.curve, s_land, side, leg.hip_x);
            self.steps.push(Footstep {
                side,
                lift_off,
                touch_down,
                from: holds[i],
                to,
            });
            holds[i] = to;
            last_land[i] = touch_down;
            if k == 1 {
                first_land = touch_down;
            }
        }
        let (hip_base, hip_rise) = self.walking_hip(leg, step, hip);
        Walk {
            t0,
            s0,
            step,
            lag,
            first_land,
            last_land: last_land[0].min(last_land[1]),
            end: last_land[0].max(last_land[1]),
            hip_base,
            hip_rise,
        }
    }

    /// The hip's lowest height and its rise. Walking: the highest hip that keeps the
    /// landing foot (flat, [`pelvis_lag`] steps ahead) and the lifting foot (heel fully
    /// lifted) reachable at double support, rising to the stance leg's reach over its
    /// foot at midstance (the inverted pendulum's arc, about 5 cm at 1.4 m/s for a 1.75 m
    /// body, as measured in human walking). Running: the same low point less
    /// [`BOB`]·H, rising [`BOB`]·H.
    fn walking_hip(&self, leg: &Leg, step: f32, hip: f32) -> (f32, f32) {
        let h = self.skeleton.height();
        let reach = PLAN_REACH * leg.length();
        let beta = duty_factor(hip, self.params.speed);
        let over = |d: f32, ankle_h: f32| ankle_h + (reach * reach - d * d).max(0.0).sqrt();
        let lag = pelvis_lag(beta);
        let front = over(lag * step, leg.ankle_height);
        let (shift, lifted_h) = leg.lifted_ankle(MAX_HEEL_LIFT);
        let rear = over(((2.0 * beta - lag) * step - shift).max(0.0), lifted_h);
        let top = over(0.0, leg.ankle_height).min(self.stand_hip);
        let low = front.min(rear).min(top);
        if beta >= 0.5 {
            (low, top - low)
        } else {
            (low - BOB * h, BOB * h)
        }
    }

    /// When the last foot lands and the character stands still for good (s).
    pub fn duration(&self) -> f32 {
        self.duration
    }

    /// Length of the rounded path (m).
    pub fn path_length(&self) -> f32 {
        self.curve.length
    }

    /// Every footstep, in time order of touchdown within each walk.
    pub fn footsteps(&self) -> &[Footstep] {
        &self.steps
    }

    /// The skeleton it animates.
    pub fn skeleton(&self) -> &Skeleton {
        &self.skeleton
    }

    /// Distance along the path the pelvis has covered at time `t`.
    pub fn distance_at(&self, t: f32) -> f32 {
        let i = self.knots.partition_point(|&(tk, _)| tk <= t);
        match (
            i.checked_sub(1).and_then(|k| self.knots.get(k)),
            self.knots.get(i),
        ) {
            (None, _) => 0.0,
            (Some(&(_, s)), None) => s,
            (Some(&(ta, sa)), Some(&(tb, sb))) => {
                sa + (sb - sa) * ((t - ta) / (tb - ta).max(1e-9)).clamp(0.0, 1.0)
            }
        }
    }

    /// The pelvis's world transform at time `t`: on the path, facing along it, at the
    /// planned height.
    pub fn root_at(&self, t: f32) -> Affine3A {
        let (pos, dir) = self.curve.eval(self.distance_at(t));
        let y = self.params.ground_height + self.hip_height_at(t);
        Affine3A::from_rotation_translation(
            Quat::from_rotation_y(yaw_of(dir)),
            Vec3::new(pos.x, y, pos.y),
        )
    }

    fn hip_height_at(&self, t: f32) -> f32 {
        let Some(walk) = self.walks.iter().find(|w| t >= w.t0 && t < w.end) else {
            return self.stand_hip;
        };
        let v = self.params.speed;
        let phase = ((t - walk.t0) * v / walk.step - (1.0 - walk.lag)).rem_euclid(1.0);
        let walking =
            walk.hip_base + walk.hip_rise * 0.5 * (1.0 - (std::f32::consts::TAU * phase).cos());
        let w_in = smoothstep((t - walk.t0) / (walk.first_land - walk.t0).max(1e-6));
        let w_out = 1.0 - smoothstep((t - walk.last_land) / (walk.end - walk.last_land).max(1e-6));
        let weight = w_in.min(w_out);
        self.stand_hip + (walking - self.stand_hip) * weight
    }

    /// The pose at time `t` (s); before 0 and after [`Gait::duration`] the character
    /// stands at the path's ends.
    pub fn pose_at(&self, t: f32) -> Pose {
        let leg = Leg::of(&self.skeleton);
        let root = self.root_at(t);
        let mut rotations = [Quat::IDENTITY; JOINT_COUNT];
        let thigh_swing = [Side::Left, Side::Right]
            .map(|side| self.pose_leg(&leg, side, t, &root, &mut rotations));
        self.set_arms(&mut rotations, thigh_swing);
        Pose { root, rotations }
    }

    /// Sets one leg's hip, knee, ankle and toe rotations for time `t`; returns the
    /// thigh's forward angle (radians, + when the knee is ahead of the hip) for the arms.
    fn pose_leg(
        &self,
        leg: &Leg,
        side: Side,
        t: f32,
        root: &Affine3A,
        rotations: &mut [Quat; JOINT_COUNT],
    ) -> f32 {
        let foot = self.foot_at(leg, side, t);
        let [hip, knee, ankle, toe] = Joint::leg(side);
        let hip_world = root.transform_point3(self.skeleton.offsets[hip.index()]);
        let ik = two_bone_ik(
            hip_world,
            leg.thigh,
            leg.shank,
            foot.ankle,
            foot.rotation * Vec3::Z,
        );
        let root_rot = Quat::from_mat3a(&root.matrix3).normalize();
        rotations[hip.index()] = (root_rot.inverse() * ik.upper).normalize();
        rotations[knee.index()] = (ik.upper.inverse() * ik.lower).normalize();
        let ankle_local = limit_dorsiflexion(ik.lower.inverse() * foot.rotation);
        rotations[ankle.index()] = ankle_local;
        // The toes stay level with the ground (bending at the ball), within their range.
        let foot_world = ik.lower * ankle_local;
        let level = Quat::from_rotation_y(yaw_about_y(foot_world));
        let (bend, ..) = (foot_world.inverse() * level).to_euler(glam::EulerRot::XYZ);
        rotations[toe.index()] = Quat::from_rotation_x(bend.clamp(-TOE_EXTENSION, 0.0));
        let thigh = (ik.middle - hip_world).normalize_or(Vec3::NEG_Y);
        // Clamped: a dot of unit vectors may round past 1, where asin is NaN.
        thigh.dot(root_rot * Vec3::Z).clamp(-1.0, 1.0).asin()
    }

    /// Arms hang 80° down from the T-pose and swing opposite to their own side's leg
    /// (forward when that leg is back); elbows bend a little walking, more running.
    fn set_arms(&self, rotations: &mut [Quat; JOINT_COUNT], thigh_swing: [f32; 2]) {
        let hip = Leg::of(&self.skeleton);
        let running = duty_factor(hip.ankle_height + hip.length(), self.params.speed) < 0.5;
        let elbow = if running { 80f32 } else { 15f32 }.to_radians();
        for side in [Side::Left, Side::Right] {
            let [shoulder, elbow_joint, _] = Joint::arm(side);
            let sign = side.sign();
            let forward = -ARM_GAIN * thigh_swing[side_index(side)];
            // −X swings a hanging arm forward; −Z (left) / +Z (right) lowers it.
            rotations[shoulder.index()] =
                Quat::from_rotation_x(-forward) * Quat::from_rotation_z(-sign * ARM_HANG);
            rotations[elbow_joint.index()] = Quat::from_rotation_y(-sign * elbow);
        }
    }

    /// World transforms of every joint at time `t`.
    pub fn globals_at(&self, t: f32) -> [Affine3A; JOINT_COUNT] {
        self.skeleton.globals(&self.pose_at(t))
    }

    /// World positions of every joint at time `t`.
    pub fn joint_positions_at(&self, t: f32) -> [Vec3; JOINT_COUNT] {
        self.skeleton.world_positions(&self.pose_at(t))
    }

    /// Both feet's landmarks at time `t`, left then right.
    pub fn feet_at(&self, t: f32) -> [FootPoints; 2] {
        let globals = self.globals_at(t);
        [Side::Left, Side::Right].map(|side| foot_points(&self.skeleton, &globals, side))
    }

    /// Whether a foot is planted at time `t` (not between a lift-off and its touchdown).
    pub fn in_stance(&self, side: Side, t: f32) -> bool {
        !self
            .steps
            .iter()
            .any(|s| s.side == side && t > s.lift_off && t < s.touch_down)
    }

    /// Target ankle position, foot rotation and heel lift of one foot at time `t`.
    fn foot_at(&self, leg: &Leg, side: Side, t: f32) -> FootTarget {
        let mine = self.steps.iter().filter(|s| s.side == side);
        let mut hold = self.initial[side_index(side)];
        for step in mine {
            if t >= step.touch_down {
                hold = step.to;
            } else if t > step.lift_off {
                return self.swing_target(leg, side, step, t);
            } else {
                break;
            }
        }
        self.stance_target(leg, side, hold, t)
    }

    fn ankle_rest(&self, leg: &Leg, hold: Foothold) -> Vec3 {
        Vec3::new(
            hold.ankle.x,
            self.params.ground_height + leg.ankle_height,
            hold.ankle.y,
        )
    }

    /// A planted foot: the ball fixed at its foothold, the heel lifted just enough for
    /// the hip at time `t` to reach the ankle without dorsiflexing it past
    /// [`MAX_DORSIFLEXION`] (bisection, fixed iteration count), as the heel rises in
    /// late stance.
    fn stance_target(&self, leg: &Leg, side: Side, hold: Foothold, t: f32) -> FootTarget {
        let [hip, ..] = Joint::leg(side);
        let root = self.root_at(t);
        let hip_world = root.transform_point3(self.skeleton.offsets[hip.index()]);
        let ball = self.ankle_rest(leg, hold) + Quat::from_rotation_y(hold.yaw) * leg.ball;
        // In a turn the foot pivots on its ball once the pelvis has turned more than
        // MAX_TWIST away from it, so the hip never twists further.
        let twist = wrap_angle(yaw_about_y(Quat::from_mat3a(&root.matrix3)) - hold.yaw);
        let foot_yaw = hold.yaw + twist - twist.clamp(-MAX_TWIST, MAX_TWIST);
        let yaw = Quat::from_rotation_y(foot_yaw);
        let ankle_for = |lift: f32| ball - yaw * (Quat::from_rotation_x(lift) * leg.ball);
        let limit = STANCE_REACH * leg.length();
        let pole = yaw * Vec3::Z;
        let reachable = |lift: f32| {
            let ankle = ankle_for(lift);
            if ankle.distance(hip_world) > limit {
                return false;
            }
            // Dorsiflexion is the ankle's local rotation about −X.
            let ik = two_bone_ik(hip_world, leg.thigh, leg.shank, ankle, pole);
            let local = ik.lower.inverse() * yaw * Quat::from_rotation_x(lift);
            local.to_euler(glam::EulerRot::XYZ).0 >= -MAX_DORSIFLEXION
        };
        let lift = if reachable(0.0) {
            0.0
        } else if !reachable(MAX_HEEL_LIFT) {
            MAX_HEEL_LIFT
        } else {
            let (mut lo, mut hi) = (0.0, MAX_HEEL_LIFT);
            for _ in 0..24 {
                let mid = 0.5 * (lo + hi);
                if reachable(mid) { hi = mid } else { lo = mid }
            }
            hi
        };
        FootTarget {
            ankle: ankle_for(lift),
            rotation: yaw * Quat::from_rotation_x(lift),
            yaw: foot_yaw,
            lift,
        }
    }

    /// A swinging foot: from its lift-off pose to the next foothold.
    fn swing_target(&self, leg: &Leg, side: Side, step: &Footstep, t: f32) -> FootTarget {
        let start = self.stance_target(leg, side, step.from, step.lift_off);
        let end = self.ankle_rest(leg, step.to);
        let u = ((t - step.lift_off) / (step.touch_down - step.lift_off).max(1e-6)).clamp(0.0, 1.0);
        let ground = start.ankle.lerp(end, smoothstep(u));
        let clearance = (0.03 + 0.015 * self.params.speed) * self.skeleton.height();
        // The lift peaks early (u ≈ 0.3): the hanging toes need room right after
        // lift-off, the heel only near touchdown.
        let arc = (std::f32::consts::PI * u.powf(0.6)).sin();
        let height = start.ankle.y + (end.y - start.ankle.y) * u + clearance * arc;
        let yaw = start.yaw + wrap_angle(step.to.yaw - start.yaw) * smoothstep(u);
        let lift = start.lift * (1.0 - u) * (1.0 - u);
        FootTarget {
            ankle: Vec3::new(ground.x, height, ground.z),
            rotation: Quat::from_rotation_y(yaw) * Quat::from_rotation_x(lift),
            yaw,
            lift,
        }
    }
}

/// A swinging shank tilts back while the foot's target stays near level; past
/// [`MAX_DORSIFLEXION`] the foot follows the shank instead, as a real foot hangs.
fn limit_dorsiflexion(local: Quat) -> Quat {
    let (x, y, z) = local.normalize().to_euler(glam::EulerRot::XYZ);
    if x >= -MAX_DORSIFLEXION {
        return local.normalize();
    }
    Quat::from_euler(glam::EulerRot::XYZ, -MAX_DORSIFLEXION, y, z)
}

/// The heading of a rotation: the yaw of its +Z axis projected on the ground.
fn yaw_about_y(q: Quat) -> f32 {
    let z = q * Vec3::Z;
    z.x.atan2(z.z)
}

/// Where the IK should put a foot.
struct FootTarget {
    ankle: Vec3,
    /// The foot's world rotation.
    rotation: Quat,
    /// Its heading (radians about +Y from +Z).
    yaw: f32,
    /// Heel lift about the ball (radians); the toe joint counter-rotates to stay flat.
    lift: f32,
}

fn foothold(curve: &Curve, s: f32, side: Side, hip_x: f32) -> Foothold {
    let (pos, dir) = curve.eval(s);
    Foothold {
        ankle: pos + left_of(dir) * side.sign() * hip_x,
        yaw: yaw_of(dir),
    }
}

fn side_index(side: Side) -> usize {
    match side {
        Side::Left => 0,
        Side::Right => 1,
    }
}

pub(crate) fn smoothstep(x: f32) -> f32 {
    let t = x.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn wrap_angle(a: f32) -> f32 {
    (a + std::f32::consts::PI).rem_euclid(std::f32::consts::TAU) - std::f32::consts::PI
}
