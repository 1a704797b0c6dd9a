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

/// A timed arm action.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Move {
    /// A push; its point comes at run time (see [`Performance::pose_at`]).
    Push,
    /// A wave.
    Wave,
    /// A right-footed kick; its point comes at run time, as a push's.
    Kick,
}

impl Move {
    /// How long the move lasts, s.
    pub fn duration(self) -> f32 {
        match self {
            Move::Push => REACH_TIME + PUSH_TIME + RETURN_TIME,
            Move::Wave => WAVE_TIME,
            Move::Kick => WIND_UP_TIME + STRIKE_TIME + KICK_RETURN_TIME,
        }
    }
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
        }
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
    pub fn pose_at(&self, t: f32, points: &[Option<Vec3>]) -> Pose {
        let mut pose = self.base_pose(t);
        // The latest move that has started and not ended.
        let current = self
            .moves
            .iter()
            .enumerate()
            .rev()
            .find(|(_, (t0, m))| t >= *t0 && t < *t0 + m.duration());
        let Some((i, &(t0, m))) = current else {
            return pose;
        };
        let local = t - t0;
        match m {
            Move::Push => {
                if let Some(p) = points.get(i).copied().flatten() {
                    self.push(&mut pose, local, p);
                }
            }
            Move::Wave => self.wave(&mut pose, local),
            Move::Kick => {
                if let Some(p) = points.get(i).copied().flatten() {
                    self.kick(&mut pose, local, p);
                }
            }
        }
        pose
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
