//! Characters: the pure-CPU core of people in scenes (issue 17).
//!
//! - [`skeleton`]: the standard humanoid skeleton, its rest pose from [`BodyParams`]
//!   (height, build), forward kinematics, joint limits and per-bone capsules;
//! - [`mannequin`]: the bundled procedural skinned body mesh, with a face UV rectangle;
//! - [`skin`]: linear blend skinning with a validated [`Skin`];
//! - [`gltf_skin`]: user characters and their clips from glTF 2.0 skins;
//! - [`retarget`]: a glTF character's skin bound to the standard skeleton, moved by it;
//! - [`gait`]: procedural walking and running along a path, with two-bone leg IK;
//! - [`ragdoll`]: the physical ragdoll (rapier bodies, limited joints) and the rule for
//!   switching to it;
//! - [`cameo`]: a consented face photo, checked and warped into the head's face texture.
//!
//! Conventions: meters, seconds, radians; right-handed, +Y up; a character faces +Z at
//! rest (its left is +X). Everything here is a pure function of its inputs, except the
//! ragdoll, which inserts bodies into the caller's rapier world (deterministically).

pub mod cameo;
pub mod dress;
pub mod gait;
pub mod gltf_skin;
pub mod mannequin;
pub mod perform;
pub mod ragdoll;
pub mod retarget;
pub mod skeleton;
pub mod skin;

pub use cameo::{CameoError, CameoParams, Consent, FaceTexture};
pub use gait::{Gait, GaitError, GaitParams, two_bone_ik};
pub use gltf_skin::{GltfCharacter, GltfError};
pub use mannequin::{FACE_UV_RECT, Mannequin};
pub use perform::{Move, Performance};
pub use ragdoll::{FallTrigger, Ragdoll, RagdollError, RagdollParams};
pub use retarget::Retarget;
pub use skeleton::{BodyParams, Joint, Pose, Side, Skeleton, SkeletonError};
pub use skin::{Skin, SkinError};

#[cfg(test)]
pub(crate) mod tests;
