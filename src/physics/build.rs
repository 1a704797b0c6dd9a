//! Scene -> rapier bodies, colliders and joints.

use glam::{Quat, Vec3};
use rapier3d::prelude::{
    ActiveEvents, ColliderBuilder, GenericJointBuilder, JointAxesMask, JointAxis, PhysicsWorld,
    RigidBodyBuilder, RigidBodyHandle,
};

use super::PhysicsError;
use crate::math::Pose;
use crate::scene::{BodyKind, Joint, JointKind, Scene};

pub(crate) fn to_rapier(p: Pose) -> rapier3d::math::Pose {
    rapier3d::math::Pose::from_parts(p.translation, p.rotation)
}

/// Builds the rapier world; returns it with one handle per scene body, in order.
pub(super) fn build_world(
    scene: &Scene,
) -> Result<(PhysicsWorld, Vec<RigidBodyHandle>), PhysicsError> {
    let mut world = PhysicsWorld::new();
    world.gravity = scene.gravity;
    world.integration_parameters.dt = scene.dt();

    let mut handles = Vec::with_capacity(scene.bodies.len());
    for body in &scene.bodies {
        let owner = &scene.entities[body.entity];
        let builder = match &body.kind {
            BodyKind::Fixed => RigidBodyBuilder::fixed(),
            BodyKind::Kinematic(_) => RigidBodyBuilder::kinematic_position_based(),
            BodyKind::Dynamic {
                velocity,
                angular_velocity,
                ccd,
                linear_damping,
                angular_damping,
                can_sleep,
                sleeping,
            } => RigidBodyBuilder::dynamic()
                .linvel(*velocity)
                .angvel(*angular_velocity)
                .ccd_enabled(*ccd)
                .linear_damping(*linear_damping)
                .angular_damping(*angular_damping)
                .can_sleep(*can_sleep)
                .sleeping(*sleeping),
        };
        let handle = world.insert_body(
            builder
                .pose(to_rapier(owner.world))
                .user_data(body.entity as u128),
        );
        for &part in &body.parts {
            let e = &scene.entities[part];
            let Some(shape) = &e.shape else { continue };
            let material = &scene.materials[e.material];
            let collider = shape.to_parry().map_err(|err| PhysicsError::Shape {
                entity: e.name.clone(),
                message: err.to_string(),
            })?;
            let mut c = ColliderBuilder::new(collider)
                .position(to_rapier(e.offset))
                .friction(material.friction)
                .restitution(material.restitution)
                .active_events(ActiveEvents::COLLISION_EVENTS)
                .user_data(part as u128);
            c = match e.mass {
                Some(m) => c.mass(m),
                None => c.density(material.density),
            };
            world.insert_collider(c, Some(handle));
        }
        handles.push(handle);
    }

    let mut world_anchor = None;
    for joint in &scene.joints {
        let (ha, pose_a) = match joint.a {
            Some(a) => (handles[a], scene.entities[scene.bodies[a].entity].world),
            None => {
                let h = *world_anchor.get_or_insert_with(|| {
                    world.insert_body(RigidBodyBuilder::fixed().user_data(u128::MAX))
                });
                (h, Pose::IDENTITY)
            }
        };
        let hb = handles[joint.b];
        let pose_b = scene.entities[scene.bodies[joint.b].entity].world;
        world.insert_impulse_joint(ha, hb, generic_joint(joint, pose_a, pose_b));
    }
    Ok((world, handles))
}

/// Velocity motors drive hard toward their target (rapier's acceleration-based model
/// scales this by the effective mass): `max_force` is what limits them.
const MOTOR_DAMPING: f32 = 100.0;

/// A joint frame at the anchor whose local +X is `axis` (rapier frees AngX for hinges and
/// LinX for sliders), expressed in each body's frame.
fn generic_joint(joint: &Joint, pose_a: Pose, pose_b: Pose) -> rapier3d::prelude::GenericJoint {
    let axis = match &joint.kind {
        JointKind::Hinge { axis, .. } | JointKind::Prismatic { axis, .. } => *axis,
        _ => Vec3::X,
    };
    let frame_rot = Quat::from_rotation_arc(Vec3::X, axis);
    let frame_a = pose_a.inverse() * Pose::new(joint.anchor_a, frame_rot);
    let frame_b = pose_b.inverse() * Pose::new(joint.anchor_b, frame_rot);
    let mut b = match &joint.kind {
        JointKind::Fixed => GenericJointBuilder::new(JointAxesMask::LOCKED_FIXED_AXES),
        JointKind::Ball => GenericJointBuilder::new(JointAxesMask::LOCKED_SPHERICAL_AXES),
        JointKind::Hinge { limits, motor, .. } => {
            let mut b = GenericJointBuilder::new(JointAxesMask::LOCKED_REVOLUTE_AXES);
            if let Some((lo, hi)) = limits {
                b = b.limits(JointAxis::AngX, [*lo, *hi]);
            }
            if let Some(m) = motor {
                b = b
                    .motor_velocity(JointAxis::AngX, m.velocity, MOTOR_DAMPING)
                    .motor_max_force(JointAxis::AngX, m.max_force);
            }
            b
        }
        JointKind::Prismatic { limits, motor, .. } => {
            let mut b = GenericJointBuilder::new(JointAxesMask::LOCKED_PRISMATIC_AXES);
            if let Some((lo, hi)) = limits {
                b = b.limits(JointAxis::LinX, [*lo, *hi]);
            }
            if let Some(m) = motor {
                b = b
                    .motor_velocity(JointAxis::LinX, m.velocity, MOTOR_DAMPING)
                    .motor_max_force(JointAxis::LinX, m.max_force);
            }
            b
        }
        JointKind::Rope { max } => GenericJointBuilder::new(JointAxesMask::empty())
            .coupled_axes(JointAxesMask::LIN_AXES)
            .limits(JointAxis::LinX, [0.0, *max]),
        JointKind::Distance { length } => GenericJointBuilder::new(JointAxesMask::empty())
            .coupled_axes(JointAxesMask::LIN_AXES)
            .limits(JointAxis::LinX, [*length, *length]),
    };
    b = b
        .local_frame1(to_rapier(frame_a))
        .local_frame2(to_rapier(frame_b))
        .contacts_enabled(joint.collide);
    b.build()
}
