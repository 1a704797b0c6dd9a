//! A character's performance: where every joint is at any time while it is animated —
//! its walk (or standing), with the arm actions laid over it.
//!
//! - **Standing**: the rest skeleton at its spot and heading, arms hanging 80° down from
//!   the T-pose with the elbows bent 15° (as the walk's arms at rest).
//! - **Push** at `t₀` toward a point `p` (the target's center when the push starts): the
//!   right hand reaches from where it is to [`APPROACH`] short of `p` in [`REACH_TIME`],
//!   drives on to [`PUSH_DEPTH`] past it in [`PUSH_TIME`] along the line from the right
//!   shoulder to `p` (1.4 m/s: a firm shove), hand level, and returns to
//!   the walk's arm in [`RETURN_TIME`]. The hand's path is solved by two-bone IK from the
//!   shoulder, the elbow toward the ground; where `p` is out of the arm's reach the body
//!   bends forward (mostly at the hips, the legs staying put, then the spine; within
//!   the joints' limits) until it is in reach.
//! - **Kick** at `t₀` toward a point `p` (fixed when the kick starts): the right foot
//!   draws back 0.3 m and up in [`WIND_UP_TIME`], swings through `p` (at ankle height at
//!   least) to [`KICK_DEPTH`] past it in [`STRIKE_TIME`] (about 5 m/s), toes pointed,
//!   and returns in [`KICK_RETURN_TIME`]; the standing leg stays where it was.
//! - **Wave** at `t₀`: the right upper arm out to the side, the forearm up, the hand
//!   swinging ±5 % of the height at 1.5 Hz for [`WAVE_TIME`], easing in and out.
//!
//! - **Pick up** at `t₀` the object whose top is at `p` (fixed when the move starts):
//!   the body bends (hips and spine as for a push) and crouches (the pelvis lowered over
//!   feet that stay put, legs by two-bone IK) until the right wrist can reach just above
//!   `p`; the hand gets there in [`PICK_REACH_TIME`] (the grasp), then lifts the object
//!   to the carry in [`LIFT_TIME`] while the body straightens. From the grasp until a
//!   throw lets go, the right arm holds the carry: the wrist in front of the chest.
//! - **Throw** at `t₀`: from the carry the hand draws back beside the head in
//!   [`THROW_WIND_TIME`], drives forward and up on a straight line at constant speed in
//!   [`THROW_TIME`] (about 6 m/s at 17° above level for a 1.75 m body), letting go at
//!   [`RELEASE_AT`] of the drive, and follows through back to the hanging arm.
//! - **Sit** at `t₀` on a seat whose hips point is `p` (where the pelvis comes to rest,
//!   fixed when the move starts): it turns on the spot to face away from `p` in
//!   [`TURN_TIME`], then lowers the pelvis onto `p` in [`SIT_TIME`] over feet that stay
//!   put, leaning forward on the way down and upright at the end; it stays seated.
//! - **Jump** at `t₀`, in place: crouch (the pelvis down 10 % of the height) in
//!   [`CROUCH_TIME`], drive up in [`TAKE_OFF_TIME`] to leave the ground at the speed
//!   that rises [`JUMP_RISE`], fly ballistically under the scene's gravity, land
//!   absorbing into the crouch in [`LAND_TIME`], stand up in [`RISE_TIME`].
//!
//! The pose is a pure function of time and the push points, so a replay is bit-exact.

use glam::{Affine3A, Mat3, Quat, Vec3};

use super::gait::{ARM_HANG, Gait, smoothstep, two_bone_ik};
use super::skeleton::{JOINT_COUNT, Joint, Pose, Side, Skeleton};

/// Seconds the hand takes to reach the push point.
pub const REACH_TIME: f32 = 0.45;
/// Seconds of the shove through it.
pub const PUSH_TIME: f32 = 0.3;
/// How far the hand drives past the push point, m.
pub const PUSH_DEPTH: f32 = 0.3;
/// How far short of the push point the reach ends, m.
pub const APPROACH: f32 = 0.12;
/// Seconds to bring the arm back.
pub const RETURN_TIME: f32 = 0.5;
/// Seconds a wave lasts.
pub const WAVE_TIME: f32 = 2.0;
/// Seconds of a kick's wind-up (the foot drawn back and up).
pub const WIND_UP_TIME: f32 = 0.35;
/// Seconds of the strike, from the wind-up through the point.
pub const STRIKE_TIME: f32 = 0.15;
/// How far the foot drives past the kick point, m.
pub const KICK_DEPTH: f32 = 0.3;
/// Seconds to bring the leg back.
pub const KICK_RETURN_TIME: f32 = 0.45;
/// Seconds a pick-up's reach takes, down to the grasp.
pub const PICK_REACH_TIME: f32 = 0.8;
/// Seconds to lift a grasped object to the carry.
pub const LIFT_TIME: f32 = 0.6;
/// Seconds of a throw's draw-back from the carry.
pub const THROW_WIND_TIME: f32 = 0.4;
/// Seconds of the throw's drive, at constant hand speed.
pub const THROW_TIME: f32 = 0.12;
/// Fraction of the drive at which the hand lets go.
pub const RELEASE_AT: f32 = 0.8;
/// Seconds of the follow-through back to the hanging arm.
pub const FOLLOW_TIME: f32 = 0.5;
/// Seconds to turn on the spot before sitting.
pub const TURN_TIME: f32 = 0.6;
/// Seconds to lower onto the seat.
pub const SIT_TIME: f32 = 1.0;
/// Seconds of a jump's crouch.
pub const CROUCH_TIME: f32 = 0.35;
/// Seconds of the drive up from the crouch to leaving the ground.
pub const TAKE_OFF_TIME: f32 = 0.15;
/// Seconds of the landing, into the crouch.
pub const LAND_TIME: f32 = 0.2;
/// Seconds to stand up after landing.
pub const RISE_TIME: f32 = 0.4;
/// How far a jump lifts the body at the top of its flight, m.
pub const JUMP_RISE: f32 = 0.25;
/// A jump's crouch, as a fraction of the height the pelvis goes down.
const JUMP_CROUCH: f32 = 0.1;
/// Deepest crouch of a pick-up, fraction of the height (the pelvis lowered).
const MAX_DROP: f32 = 0.25;
/// Standard gravity, m/s², for [`Move::duration`] of a jump.
pub const STANDARD_GRAVITY: f32 = 9.81;
/// Elbow bend of a hanging arm, radians.
const REST_ELBOW: f32 = 15.0 * std::f32::consts::PI / 180.0;
/// Largest forward lean, radians: at the hips (the pelvis pitching forward over legs
/// that stay where they are), and at each spine joint (lower, upper), within their
/// limits. Most of a bend over a table is at the hips.
const MAX_LEAN: [f32; 3] = [
    55.0 * std::f32::consts::PI / 180.0,
    25.0 * std::f32::consts::PI / 180.0,
    15.0 * std::f32::consts::PI / 180.0,
];

/// `pose` bent forward by `lean` (hips, lower spine, upper spine; radians): the pelvis
/// pitches and each hip turns back by as much, so the legs stay exactly where they were;
/// the left arm keeps hanging as it did (the right one reaches); the neck lifts the head
/// by 40 % of the bend (within its 40° extension) to look ahead.
fn lean_pose(pose: &Pose, lean: [f32; 3]) -> Pose {
    let mut out = *pose;
    let spine = |q: &Pose| {
        [Joint::Pelvis, Joint::SpineLower, Joint::SpineUpper]
            .iter()
            .fold(Quat::from_mat3a(&q.root.matrix3), |r, j| {
                r * q.rotations[j.index()]
            })
    };
    let hang = spine(pose) * pose.rotations[Joint::LeftShoulder.index()];
    let hips = Quat::from_rotation_x(lean[0]);
    out.rotations[Joint::Pelvis.index()] = pose.rotations[Joint::Pelvis.index()] * hips;
    for hip in [Joint::LeftHip, Joint::RightHip] {
        out.rotations[hip.index()] = (hips.inverse() * pose.rotations[hip.index()]).normalize();
    }
    out.rotations[Joint::SpineLower.index()] *= Quat::from_rotation_x(lean[1]);
    out.rotations[Joint::SpineUpper.index()] *= Quat::from_rotation_x(lean[2]);
    out.rotations[Joint::LeftShoulder.index()] = (spine(&out).inverse() * hang).normalize();
    let lift = (0.4 * lean.iter().sum::<f32>()).min(40f32.to_radians());
    out.rotations[Joint::Neck.index()] *= Quat::from_rotation_x(-lift);
    out
}

/// A timed action.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Move {
    /// A push; its point comes at run time (see [`Performance::pose_at`]).
    Push,
    /// A wave.
    Wave,
    /// A right-footed kick; its point comes at run time, as a push's.
    Kick,
    /// Pick up with the right hand; the object's top point comes at run time.
    PickUp,
    /// Throw what the right hand holds, forward.
    Throw,
    /// Sit; the hips' resting point on the seat comes at run time.
    Sit,
    /// Jump in place.
    Jump,
}

impl Move {
    /// How long the move lasts, s (a jump's under standard gravity: see
    /// [`Performance::duration`]). A sit's is the time to get down; it stays seated.
    pub fn duration(self) -> f32 {
        match self {
            Move::Push => REACH_TIME + PUSH_TIME + RETURN_TIME,
            Move::Wave => WAVE_TIME,
            Move::Kick => WIND_UP_TIME + STRIKE_TIME + KICK_RETURN_TIME,
            Move::PickUp => PICK_REACH_TIME + LIFT_TIME,
            Move::Throw => THROW_WIND_TIME + THROW_TIME + FOLLOW_TIME,
            Move::Sit => TURN_TIME + SIT_TIME,
            Move::Jump => jump_duration(STANDARD_GRAVITY),
        }
    }

    /// Seconds from the move's start at which the hand takes hold (pick-up) or lets go
    /// (throw); `None` for other moves.
    pub fn hand_event(self) -> Option<f32> {
        match self {
            Move::PickUp => Some(PICK_REACH_TIME),
            Move::Throw => Some(THROW_WIND_TIME + RELEASE_AT * THROW_TIME),
            _ => None,
        }
    }

    /// Whether the move needs the character standing still (not walking).
    pub fn needs_standing(self) -> bool {
        matches!(self, Move::PickUp | Move::Sit | Move::Jump)
    }
}

/// A jump's take-off speed, m/s: the speed that rises [`JUMP_RISE`] under `gravity`.
pub fn jump_speed(gravity: f32) -> f32 {
    (2.0 * gravity.max(1e-3) * JUMP_RISE).sqrt()
}

/// A jump's flight time under `gravity`, s.
pub fn jump_flight(gravity: f32) -> f32 {
    2.0 * jump_speed(gravity) / gravity.max(1e-3)
}

/// A jump's whole duration under `gravity`, s.
pub fn jump_duration(gravity: f32) -> f32 {
    CROUCH_TIME + TAKE_OFF_TIME + jump_flight(gravity) + LAND_TIME + RISE_TIME
}

/// Cubic Hermite interpolation on `s` in [0, 1] between values `p0`, `p1` with slopes
/// `m0`, `m1` (per unit of `s`).
fn hermite(s: f32, p0: f32, m0: f32, p1: f32, m1: f32) -> f32 {
    let (s2, s3) = (s * s, s * s * s);
    (2.0 * s3 - 3.0 * s2 + 1.0) * p0
        + (s3 - 2.0 * s2 + s) * m0
        + (-2.0 * s3 + 3.0 * s2) * p1
        + (s3 - s2) * m1
}

/// A planned performance (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Performance {
    skeleton: Skeleton,
    gait: Option<Gait>,
    /// The pelvis frame while standing without a walk.
    stand: Affine3A,
    start: f32,
    moves: Vec<(f32, Move)>,
    /// Gravity's magnitude, m/s² (a jump's flight).
    gravity: f32,
    /// A glTF clip played while standing (without a walk), from `start` on.
    clip: Option<std::sync::Arc<super::retarget::ClipMotion>>,
}

impl Performance {
    /// A character standing at `at` (ground point) facing `facing` (radians about +Y, 0
    /// faces +Z), or walking `gait` from `start` (s) on; `moves` by time.
    pub fn new(
        skeleton: Skeleton,
        gait: Option<Gait>,
        at: Vec3,
        facing: f32,
        start: f32,
        moves: Vec<(f32, Move)>,
    ) -> Performance {
        let rest = skeleton.rest_pose().root;
        let stand = Affine3A::from_rotation_translation(Quat::from_rotation_y(facing), at) * rest;
        Performance {
            skeleton,
            gait,
            stand,
            start,
            moves,
            gravity: STANDARD_GRAVITY,
            clip: None,
        }
    }

    /// The same performance standing to a glTF clip (mapped onto the skeleton) instead
    /// of the still stand; it loops from `start` on. A walk, if any, overrides it.
    pub fn with_clip(
        mut self,
        clip: Option<std::sync::Arc<super::retarget::ClipMotion>>,
    ) -> Performance {
        self.clip = clip;
        self
    }

    /// The same performance under gravity `g` (m/s², its magnitude): a jump's flight.
    pub fn with_gravity(mut self, g: f32) -> Performance {
        self.gravity = g;
        self
    }

    /// How long move `m` lasts in this performance, s.
    pub fn duration(&self, m: Move) -> f32 {
        match m {
            Move::Jump => jump_duration(self.gravity),
            _ => m.duration(),
        }
    }

    /// When the walk ends (its start when it has none), s.
    pub fn walk_end(&self) -> f32 {
        self.start + self.gait.as_ref().map_or(0.0, Gait::duration)
    }

    /// Whether the right hand holds what a pick-up took at `t`: after a pick-up's grasp
    /// and before a later throw lets go.
    pub fn holding(&self, t: f32) -> bool {
        let grasp = self
            .moves
            .iter()
            .filter(|(_, m)| *m == Move::PickUp)
            .map(|(t0, m)| t0 + m.hand_event().unwrap_or(0.0))
            .filter(|g| *g <= t)
            .fold(None, |a: Option<f32>, g| Some(a.map_or(g, |a| a.max(g))));
        let Some(grasp) = grasp else {
            return false;
        };
        !self.moves.iter().any(|(t0, m)| {
            *m == Move::Throw && {
                let release = t0 + m.hand_event().unwrap_or(0.0);
                release >= grasp && release <= t
            }
        })
    }

    /// Whether its weight is on its feet at `t`: not seated, not in a jump (the balance
    /// check's support polygon is its feet's).
    pub fn on_feet(&self, t: f32) -> bool {
        !self.moves.iter().any(|(t0, m)| match m {
            Move::Sit => t >= *t0,
            Move::Jump => t >= *t0 && t < t0 + self.duration(*m),
            _ => false,
        })
    }

    /// Where the pelvis comes to rest sitting at `t0` on a seat whose box is `min`–`max`
    /// (world, m), or why it cannot: it must stand still then (not walking), with the
    /// seat's middle behind it after it turns to face away (the hips come down a thigh's
    /// length behind its feet, which must be over the seat's top), the top
    /// 0.2–0.7 of its leg's length above its feet.
    pub fn sit_point(&self, t0: f32, min: Vec3, max: Vec3) -> Result<Vec3, String> {
        let s = &self.skeleton;
        if self.gait.is_some() && t0 < self.walk_end() {
            return Err(format!(
                "it is walking then (its walk runs {:.2}–{:.2} s); it sits standing still",
                self.start,
                self.walk_end()
            ));
        }
        let pose = self.base_pose(t0);
        let g = s.globals(&pose);
        let feet = 0.5
            * (Vec3::from(g[Joint::LeftAnkle.index()].translation)
                + Vec3::from(g[Joint::RightAnkle.index()].translation));
        let ground = self.stand_ground(&pose);
        let middle = 0.5 * (min + max);
        let away = Vec3::new(feet.x - middle.x, 0.0, feet.z - middle.z);
        let thigh = s.thigh_length();
        let leg = thigh + s.shank_length();
        let dir = away.normalize_or(Vec3::Z);
        let hips = feet - dir * thigh;
        let top = max.y - ground;
        if !(0.2 * leg..=0.7 * leg).contains(&top) {
            return Err(format!(
                "the seat's top is {top:.2} m above its feet; with legs {leg:.2} m long it \
                 sits on a top {:.2}–{:.2} m high",
                0.2 * leg,
                0.7 * leg
            ));
        }
        let inside = |p: Vec3| p.x >= min.x && p.x <= max.x && p.z >= min.z && p.z <= max.z;
        if away.length() < 0.05 || !inside(hips) {
            let spot = Vec3::new(middle.x, ground, middle.z) + dir * thigh;
            return Err(format!(
                "its hips would come down at ({:.2}, {:.2}) (a thigh's length, {thigh:.2} m, \
                 behind its feet at ({:.2}, {:.2}) at {t0} s), not over the seat's top \
                 ({:.2}..{:.2}, {:.2}..{:.2}); stand it about {thigh:.2} m from the seat's \
                 middle, at ({:.2}, {:.2}, {:.2})",
                hips.x, hips.z, feet.x, feet.z, min.x, max.x, min.z, max.z, spot.x, spot.y, spot.z
            ));
        }
        // The thighs rest on the top: the hip joints one thigh radius above it.
        let radius = s.capsules()[Joint::LeftHip.index()].radius;
        Ok(Vec3::new(hips.x, max.y + radius, hips.z))
    }

    /// The ground height under a standing pose: its lower ankle less the ankle's
    /// height.
    fn stand_ground(&self, pose: &Pose) -> f32 {
        let g = self.skeleton.globals(pose);
        let ankle = g[Joint::LeftAnkle.index()]
            .translation
            .y
            .min(g[Joint::RightAnkle.index()].translation.y);
        ankle - super::skeleton::proportions::ANKLE_HEIGHT * self.skeleton.height()
    }

    /// The skeleton it animates.
    pub fn skeleton(&self) -> &Skeleton {
        &self.skeleton
    }

    /// The timed moves.
    pub fn moves(&self) -> &[(f32, Move)] {
        &self.moves
    }

    /// Whether the character is walking at `t` (set off and not yet stood still).
    pub fn walking(&self, t: f32) -> bool {
        self.gait
            .as_ref()
            .is_some_and(|g| t > self.start && t < self.start + g.duration())
    }

    /// The walk's (or standing) pose at `t`, without the arm moves.
    pub fn base_pose(&self, t: f32) -> Pose {
        match &self.gait {
            Some(g) => g.pose_at(t - self.start),
            None if self.clip.is_some() => {
                let (pelvis, rotations) = self
                    .clip
                    .as_ref()
                    .map(|c| c.at(t - self.start))
                    .unwrap_or_default();
                // `stand` is the facing and ground point times the rest root.
                let frame = self.stand * Affine3A::from_translation(-self.skeleton.offsets[0]);
                Pose {
                    root: frame * Affine3A::from_translation(pelvis),
                    rotations,
                }
            }
            None => {
                let mut rotations = [Quat::IDENTITY; JOINT_COUNT];
                for side in [Side::Left, Side::Right] {
                    let [shoulder, elbow, _] = Joint::arm(side);
                    rotations[shoulder.index()] = Quat::from_rotation_z(-side.sign() * ARM_HANG);
                    rotations[elbow.index()] = Quat::from_rotation_y(-side.sign() * REST_ELBOW);
                }
                Pose {
                    root: self.stand,
                    rotations,
                }
            }
        }
    }

    /// The pose at `t`: the base pose with the move under way laid over it. `points[i]`
    /// is where move `i` pushes (`None` for a move that is not a push or has no point
    /// yet: that push is skipped).
    ///
    /// A sit, once started, holds to the end (it is laid first); between a pick-up and
    /// its throw the right arm carries (unless the move under way moves it).
    pub fn pose_at(&self, t: f32, points: &[Option<Vec3>]) -> Pose {
        let mut pose = self.base_pose(t);
        let point = |i: usize| points.get(i).copied().flatten();
        let sit = self
            .moves
            .iter()
            .enumerate()
            .rev()
            .find(|(_, (t0, m))| *m == Move::Sit && t >= *t0);
        if let Some((i, &(t0, _))) = sit
            && let Some(p) = point(i)
        {
            self.sit(&mut pose, t - t0, t0, p);
        }
        // The latest other move that has started and not ended.
        let current = self
            .moves
            .iter()
            .enumerate()
            .rev()
            .find(|(_, (t0, m))| *m != Move::Sit && t >= *t0 && t < *t0 + self.duration(*m));
        let arm_busy = current.is_some_and(|(_, (_, m))| {
            matches!(m, Move::Push | Move::Wave | Move::PickUp | Move::Throw)
        });
        let Some((i, &(t0, m))) = current else {
            if self.holding(t) {
                self.hold(&mut pose, 1.0);
            }
            return pose;
        };
        let local = t - t0;
        match m {
            Move::Push => {
                if let Some(p) = point(i) {
                    self.push(&mut pose, local, p);
                }
            }
            Move::Wave => self.wave(&mut pose, local),
            Move::Kick => {
                if let Some(p) = point(i) {
                    self.kick(&mut pose, local, p);
                }
            }
            Move::PickUp => {
                if let Some(p) = point(i) {
                    self.pick_up(&mut pose, local, p);
                }
            }
            Move::Throw => self.throw(&mut pose, local),
            Move::Jump => self.jump(&mut pose, local),
            Move::Sit => {}
        }
        if !arm_busy && self.holding(t) {
            self.hold(&mut pose, 1.0);
        }
        pose
    }

    /// The right wrist's place in the carry: in front of the chest, in the trunk's
    /// frame 0.17 × height forward and down from the shoulder.
    fn carry_wrist(&self, pose: &Pose) -> (Vec3, Vec3) {
        let h = self.skeleton.height();
        let g = self.skeleton.globals(pose);
        let upper = g[Joint::SpineUpper.index()];
        let shoulder = Vec3::from(g[Joint::RightShoulder.index()].translation);
        let wrist = shoulder + upper.transform_vector3(Vec3::new(0.06 * h, -0.17 * h, 0.17 * h));
        let pole = upper.transform_vector3(Vec3::new(-1.0, -1.0, -0.3));
        (wrist, pole)
    }

    /// The right arm in the carry, blended by `weight`.
    fn hold(&self, pose: &mut Pose, weight: f32) {
        let (wrist, pole) = self.carry_wrist(pose);
        self.reach(pose, Side::Right, wrist, pole, weight);
        self.level_hand(pose, weight);
    }

    /// The right hand palm down, fingers along the character's heading, blended by
    /// `weight`: a fixed world orientation for a fixed heading, so what it holds turns
    /// only as the character does (and leaves a throw with the wrist's velocity).
    fn level_hand(&self, pose: &mut Pose, weight: f32) {
        self.turn_hand(pose, 0.0, weight);
    }

    /// The right hand's world orientation `up` of the way from palm down (fingers
    /// along the heading) to palm forward (fingers up), blended by `weight`.
    fn turn_hand(&self, pose: &mut Pose, up: f32, weight: f32) {
        let g = self.skeleton.globals(pose);
        let lower = Quat::from_mat3a(&g[Joint::RightElbow.index()].matrix3).normalize();
        let heading = self.heading(pose);
        // The right hand's rest frame has the fingers along −X and the palm down (−Y).
        let yaw = heading.x.atan2(heading.z) + std::f32::consts::FRAC_PI_2;
        let down = Quat::from_rotation_y(yaw);
        // Fingers (−X) up, palm (−Y) forward.
        let forward = Quat::from_mat3(&Mat3::from_cols(
            Vec3::NEG_Y,
            -heading,
            Vec3::Y.cross(heading),
        ))
        .normalize();
        let level = down.slerp(forward, up).normalize();
        let wi = Joint::RightWrist.index();
        let target = (lower.inverse() * level).normalize();
        pose.rotations[wi] = pose.rotations[wi].slerp(target, weight).normalize();
    }

    /// The horizontal direction the pose faces.
    fn heading(&self, pose: &Pose) -> Vec3 {
        let f = pose.root.transform_vector3(Vec3::Z);
        Vec3::new(f.x, 0.0, f.z).normalize_or(Vec3::Z)
    }

    /// `pose` with the pelvis moved to `pelvis` (world) and both ankles kept where
    /// they are in `pose` (world position and rotation): each leg solved by two-bone IK,
    /// the knee toward the heading.
    fn plant(&self, pose: &mut Pose, pelvis: Vec3) {
        let before = self.skeleton.globals(pose);
        let heading = self.heading(pose);
        pose.root.translation = pelvis.into();
        let after = self.skeleton.globals(pose);
        let pelvis_rot = Quat::from_mat3a(&after[Joint::Pelvis.index()].matrix3).normalize();
        let o = &self.skeleton.offsets;
        for side in [Side::Left, Side::Right] {
            let [hip, knee, ankle, _] = Joint::leg(side);
            let hip_world = Vec3::from(after[hip.index()].translation);
            let target = Vec3::from(before[ankle.index()].translation);
            let foot = Quat::from_mat3a(&before[ankle.index()].matrix3).normalize();
            let ik = two_bone_ik(
                hip_world,
                o[knee.index()].length(),
                o[ankle.index()].length(),
                target,
                heading + Vec3::Y * 0.1,
            );
            pose.rotations[hip.index()] = (pelvis_rot.inverse() * ik.upper).normalize();
            pose.rotations[knee.index()] = (ik.upper.inverse() * ik.lower).normalize();
            pose.rotations[ankle.index()] = (ik.lower.inverse() * foot).normalize();
        }
    }

    /// `pose` bent forward by `lean` and crouched by `drop` (m, the pelvis lowered over
    /// feet that stay put).
    fn bend(&self, pose: &Pose, lean: [f32; 3], drop: f32) -> Pose {
        let mut out = lean_pose(pose, lean);
        let pelvis = Vec3::from(pose.root.translation) - Vec3::Y * drop;
        // Planting keeps the ankles of `out`, which are `pose`'s (the lean moves no leg).
        self.plant(&mut out, pelvis);
        out
    }

    /// The lean and crouch (together, in step) that bring `target` within the right
    /// arm's reach, or the most the joints allow.
    fn bend_for(&self, pose: &Pose, target: Vec3) -> ([f32; 3], f32) {
        let reach = 0.98 * self.arm_length();
        let deepest = MAX_DROP * self.skeleton.height();
        let mut best = ([0.0; 3], 0.0);
        for k in 0..=60 {
            let f = k as f32 / 60.0;
            let (lean, drop) = (MAX_LEAN.map(|m| m * f), deepest * f);
            let g = self.skeleton.globals(&self.bend(pose, lean, drop));
            let shoulder = Vec3::from(g[Joint::RightShoulder.index()].translation);
            best = (lean, drop);
            if shoulder.distance(target) <= reach {
                break;
            }
        }
        best
    }

    /// Right-hand pick-up `local` seconds in, of the object whose top is at `p`.
    fn pick_up(&self, pose: &mut Pose, local: f32, p: Vec3) {
        let h = self.skeleton.height();
        let hand = 0.5 * super::skeleton::proportions::HAND * h;
        let heading = self.heading(pose);
        let g = self.skeleton.globals(pose);
        let shoulder = Vec3::from(g[Joint::RightShoulder.index()].translation);
        let d = Vec3::new(p.x - shoulder.x, 0.0, p.z - shoulder.z).normalize_or(heading);
        // The palm on the top: the wrist half a hand back toward the body, the hand's
        // capsule 5 mm clear of the top (so nothing overlaps what it lets go).
        let clear = self.skeleton.capsules()[Joint::RightWrist.index()].radius + 0.005;
        let grasp = p - d * hand + Vec3::Y * clear;
        let start = Vec3::from(g[Joint::RightWrist.index()].translation);
        let (lean, drop) = self.bend_for(pose, grasp);
        let (bent, wrist, arm) = if local < PICK_REACH_TIME {
            let s = smoothstep(local / PICK_REACH_TIME);
            (s, start.lerp(grasp, s), s)
        } else {
            let s = smoothstep((local - PICK_REACH_TIME) / LIFT_TIME);
            let straight = self.carry_wrist(pose).0;
            (1.0 - s, grasp.lerp(straight, s), 1.0)
        };
        *pose = self.bend(pose, lean.map(|a| a * bent), drop * bent);
        self.reach(pose, Side::Right, wrist, Vec3::NEG_Y + d * -0.5, arm);
        self.level_hand(pose, arm);
    }

    /// Right-hand throw `local` seconds in: from the carry back beside the head, a
    /// straight drive forward and up at constant speed, the follow-through.
    fn throw(&self, pose: &mut Pose, local: f32) {
        let (back, front) = self.throw_line(pose);
        let carry = self.carry_wrist(pose).0;
        let g = self.skeleton.globals(pose);
        let hang = Vec3::from(g[Joint::RightWrist.index()].translation);
        let heading = self.heading(pose);
        let wind = smoothstep(local / THROW_WIND_TIME);
        let (wrist, weight) = if local < THROW_WIND_TIME {
            (carry.lerp(back, wind), 1.0)
        } else if local < THROW_WIND_TIME + THROW_TIME {
            (
                back.lerp(front, (local - THROW_WIND_TIME) / THROW_TIME),
                1.0,
            )
        } else {
            let s = smoothstep((local - THROW_WIND_TIME - THROW_TIME) / FOLLOW_TIME);
            (front.lerp(hang, s), 1.0 - s)
        };
        let pole = Vec3::NEG_Y - heading * 0.3;
        self.reach(pose, Side::Right, wrist, pole, weight);
        // The palm turns from the carry's (down) to face the throw on the draw-back, so
        // what it holds leaves ahead of the hand and the arm.
        self.turn_hand(pose, wind, weight);
    }

    /// The throw's drive, from beside the head to ahead and up (wrist points, world).
    fn throw_line(&self, pose: &Pose) -> (Vec3, Vec3) {
        let arm = self.arm_length();
        let g = self.skeleton.globals(pose);
        let shoulder = Vec3::from(g[Joint::RightShoulder.index()].translation);
        let d = self.heading(pose);
        let right = Vec3::Y.cross(d).normalize_or(Vec3::NEG_X) * -1.0;
        // Both a little outside the shoulder, so the drive runs straight ahead.
        let back = shoulder + arm * (-0.5 * d + 0.35 * Vec3::Y + 0.15 * right);
        let front = shoulder + arm * (0.65 * d + 0.7 * Vec3::Y + 0.15 * right);
        (back, front)
    }

    /// Sitting `local` seconds after `t0` onto the hips point `p`: the turn on the spot,
    /// then down.
    fn sit(&self, pose: &mut Pose, local: f32, t0: f32, p: Vec3) {
        // Where it stood and faced when the sit began (it stands still from then on).
        let g = self.skeleton.globals(&self.base_pose(t0));
        let feet = 0.5
            * (Vec3::from(g[Joint::LeftAnkle.index()].translation)
                + Vec3::from(g[Joint::RightAnkle.index()].translation));
        let away = Vec3::new(feet.x - p.x, 0.0, feet.z - p.z).normalize_or(self.heading(pose));
        let now = self.heading(pose);
        let turn = (now.cross(away).y).atan2(now.dot(away));
        let u = smoothstep(local / TURN_TIME);
        let pivot = Vec3::new(feet.x, 0.0, feet.z);
        let spin = Affine3A::from_translation(pivot)
            * Affine3A::from_rotation_y(turn * u)
            * Affine3A::from_translation(-pivot);
        pose.root = spin * pose.root;
        let v = smoothstep((local - TURN_TIME) / SIT_TIME);
        if v <= 0.0 {
            return;
        }
        let standing = Vec3::from(pose.root.translation);
        let lean = 35f32.to_radians() * (std::f32::consts::PI * v).sin();
        let mut down = lean_pose(pose, [lean, 0.0, 0.0]);
        self.plant(&mut down, standing.lerp(p, v));
        *pose = down;
    }

    /// Jumping in place `local` seconds in: the pelvis's height relative to standing,
    /// crouching over planted feet below 0, the whole body lifted above 0.
    fn jump(&self, pose: &mut Pose, local: f32) {
        let y = self.jump_height(local);
        let pelvis = Vec3::from(pose.root.translation) + Vec3::Y * y;
        if y < 0.0 {
            let crouch = -y / (JUMP_CROUCH * self.skeleton.height());
            let bent = lean_pose(pose, [20f32.to_radians() * crouch, 0.0, 0.0]);
            *pose = bent;
            self.plant(pose, pelvis);
        } else {
            pose.root.translation = pelvis.into();
        }
    }

    /// The pelvis's height over its standing height `local` seconds into a jump, m:
    /// the crouch, a drive that leaves at [`jump_speed`], the ballistic flight, the
    /// landing into the crouch and the rise.
    pub fn jump_height(&self, local: f32) -> f32 {
        let c = JUMP_CROUCH * self.skeleton.height();
        let v0 = jump_speed(self.gravity);
        let flight = jump_flight(self.gravity);
        let mut t = local;
        if t < CROUCH_TIME {
            return -c * smoothstep(t / CROUCH_TIME);
        }
        t -= CROUCH_TIME;
        if t < TAKE_OFF_TIME {
            return hermite(t / TAKE_OFF_TIME, -c, 0.0, 0.0, v0 * TAKE_OFF_TIME);
        }
        t -= TAKE_OFF_TIME;
        if t < flight {
            return v0 * t - 0.5 * self.gravity * t * t;
        }
        t -= flight;
        if t < LAND_TIME {
            return hermite(t / LAND_TIME, 0.0, -v0 * LAND_TIME, -c, 0.0);
        }
        t -= LAND_TIME;
        -c * (1.0 - smoothstep(t / RISE_TIME))
    }

    /// Right-hand push `local` seconds in, toward `p`.
    fn push(&self, pose: &mut Pose, local: f32, p: Vec3) {
        let h = self.skeleton.height();
        let hand = 0.5 * super::skeleton::proportions::HAND * h;
        let base = self.skeleton.globals(pose);
        let start = Vec3::from(base[Joint::RightWrist.index()].translation);
        let shoulder = Vec3::from(base[Joint::RightShoulder.index()].translation);
        let d = Vec3::new(p.x - shoulder.x, 0.0, p.z - shoulder.z).normalize_or(Vec3::Z);
        // The wrist trails the hand's center by half a hand; the reach ends a little
        // short of the point so the shove meets it at speed.
        let contact = p - d * (hand + APPROACH);
        let through = p - d * hand + d * PUSH_DEPTH;
        let (wrist, weight) = if local < REACH_TIME {
            let s = smoothstep(local / REACH_TIME);
            (start.lerp(contact, s), s)
        } else if local < REACH_TIME + PUSH_TIME {
            let s = (local - REACH_TIME) / PUSH_TIME;
            (contact.lerp(through, s), 1.0)
        } else {
            let s = smoothstep((local - REACH_TIME - PUSH_TIME) / RETURN_TIME);
            (through.lerp(start, s), 1.0 - s)
        };
        // Lean for the farthest point of the move; the lean eases in and out with it.
        let lean = self.lean_for(pose, through);
        *pose = lean_pose(pose, lean.map(|a| a * weight));
        self.reach(pose, Side::Right, wrist, Vec3::NEG_Y, weight);
        // The hand level, pointing along the push (palm forward), not along the forearm.
        let g = self.skeleton.globals(pose);
        let lower = Quat::from_mat3a(&g[Joint::RightElbow.index()].matrix3).normalize();
        let along = lower * Vec3::NEG_X;
        let level = Quat::from_rotation_arc(along.normalize_or(d), d) * lower;
        let wi = Joint::RightWrist.index();
        let target = (lower.inverse() * level).normalize();
        pose.rotations[wi] = pose.rotations[wi].slerp(target, weight).normalize();
    }

    /// Right-footed kick `local` seconds in, toward `p`: the ankle drawn back and up,
    /// then swung through `p` (at ankle height at least, so the foot meets a ball's lower
    /// half) to [`KICK_DEPTH`] past it, toes pointed; then back. The standing leg stays.
    fn kick(&self, pose: &mut Pose, local: f32, p: Vec3) {
        let h = self.skeleton.height();
        let g = self.skeleton.globals(pose);
        let [hip, knee, ankle, toe] = Joint::leg(Side::Right);
        let start = Vec3::from(g[ankle.index()].translation);
        let hip_world = Vec3::from(g[hip.index()].translation);
        let d = Vec3::new(p.x - hip_world.x, 0.0, p.z - hip_world.z).normalize_or(Vec3::Z);
        let aim = Vec3::new(p.x, p.y.max(start.y), p.z);
        let back = start - d * 0.3 + Vec3::Y * 0.14 * h;
        let contact = aim - d * 0.12;
        let through = aim + d * KICK_DEPTH;
        let (target, weight) = if local < WIND_UP_TIME {
            let s = smoothstep(local / WIND_UP_TIME);
            (start.lerp(back, s), s)
        } else if local < WIND_UP_TIME + STRIKE_TIME {
            let s = (local - WIND_UP_TIME) / STRIKE_TIME;
            // Through the contact point on a straight line at full speed.
            let reach = back.lerp(contact, (2.0 * s).min(1.0));
            (reach.lerp(through, (2.0 * s - 1.0).max(0.0)), 1.0)
        } else {
            let s = smoothstep((local - WIND_UP_TIME - STRIKE_TIME) / KICK_RETURN_TIME);
            (through.lerp(start, s), 1.0 - s)
        };
        let o = &self.skeleton.offsets;
        let ik = two_bone_ik(
            hip_world,
            o[knee.index()].length(),
            o[ankle.index()].length(),
            target,
            d + Vec3::Y * 0.2,
        );
        let pelvis = Quat::from_mat3a(&g[Joint::Pelvis.index()].matrix3).normalize();
        let hip_local = (pelvis.inverse() * ik.upper).normalize();
        let knee_local = (ik.upper.inverse() * ik.lower).normalize();
        // The foot along the kick, toes pointed 30° down.
        let yaw = Quat::from_rotation_y(d.x.atan2(d.z));
        let foot = yaw * Quat::from_rotation_x(30f32.to_radians());
        let ankle_local = (ik.lower.inverse() * foot).normalize();
        for (j, q) in [
            (hip, hip_local),
            (knee, knee_local),
            (ankle, ankle_local),
            (toe, Quat::IDENTITY),
        ] {
            let r = &mut pose.rotations[j.index()];
            *r = r.slerp(q, weight).normalize();
        }
    }

    /// Right-hand wave `local` seconds in.
    fn wave(&self, pose: &mut Pose, local: f32) {
        let h = self.skeleton.height();
        let weight = smoothstep(local / 0.4).min(smoothstep((WAVE_TIME - local) / 0.4));
        let g = self.skeleton.globals(pose);
        let upper = g[Joint::SpineUpper.index()];
        let shoulder = Vec3::from(g[Joint::RightShoulder.index()].translation);
        let swing = 0.05 * h * (std::f32::consts::TAU * 1.5 * local).sin();
        // In the trunk's frame: right is −X, up +Y, forward +Z.
        let offset = Vec3::new(-(0.17 * h + swing), 0.13 * h, 0.05 * h);
        let wrist = shoulder + upper.transform_vector3(offset);
        let pole = upper.transform_vector3(Vec3::new(-1.0, -0.5, 0.0));
        let start = Vec3::from(g[Joint::RightWrist.index()].translation);
        self.reach(pose, Side::Right, start.lerp(wrist, weight), pole, 1.0);
    }

    /// The lean (hips, lower and upper spine; radians forward) that brings `target`
    /// within the right arm's reach, or the most the joints allow.
    fn lean_for(&self, pose: &Pose, target: Vec3) -> [f32; 3] {
        let reach = 0.98 * self.arm_length();
        let mut best = [0.0; 3];
        for k in 0..=60 {
            let lean = MAX_LEAN.map(|m| m * k as f32 / 60.0);
            let g = self.skeleton.globals(&lean_pose(pose, lean));
            let shoulder = Vec3::from(g[Joint::RightShoulder.index()].translation);
            best = lean;
            if shoulder.distance(target) <= reach {
                break;
            }
        }
        best
    }

    fn arm_length(&self) -> f32 {
        let o = &self.skeleton.offsets;
        o[Joint::RightElbow.index()].length() + o[Joint::RightWrist.index()].length()
    }

    /// Sets one arm's shoulder and elbow so the wrist reaches `wrist` (as near as it can),
    /// the elbow toward `pole`; blended with the pose's own arm by `weight`.
    fn reach(&self, pose: &mut Pose, side: Side, wrist: Vec3, pole: Vec3, weight: f32) {
        if weight <= 0.0 {
            return;
        }
        let [shoulder, elbow, _] = Joint::arm(side);
        let g = self.skeleton.globals(pose);
        let parent = Quat::from_mat3a(&g[Joint::SpineUpper.index()].matrix3).normalize();
        let root = Vec3::from(g[shoulder.index()].translation);
        let o = &self.skeleton.offsets;
        let ik = two_bone_ik(
            root,
            o[elbow.index()].length(),
            o[Joint::arm(side)[2].index()].length(),
            wrist,
            pole,
        );
        // The IK's bone frames run along −Y with the middle joint toward +Z; an arm's rest
        // frame runs along ∓X (left +X) with the elbow behind (−Z): `c` takes one to the
        // other (out along the arm ↦ −Y, −Z ↦ +Z).
        let out = Vec3::X * side.sign();
        let c = Quat::from_mat3(&Mat3::from_cols_array_2d(&[
            out.cross(Vec3::Z).to_array(),
            (-out).to_array(),
            (-Vec3::Z).to_array(),
        ]))
        .normalize();
        let c = c.inverse();
        let upper = (ik.upper * c).normalize();
        let lower = (ik.lower * c).normalize();
        let s_local = (parent.inverse() * upper).normalize();
        let e_local = (upper.inverse() * lower).normalize();
        let si = shoulder.index();
        let ei = elbow.index();
        pose.rotations[si] = pose.rotations[si].slerp(s_local, weight).normalize();
        pose.rotations[ei] = pose.rotations[ei].slerp(e_local, weight).normalize();
    }
}
