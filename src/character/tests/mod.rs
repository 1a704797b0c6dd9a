//! Tests of the character core. Each states what it measures; the numbers they print
//! (`cargo test -- --nocapture`) are the ones quoted in `docs/characters.md`.

mod body;
mod cameo;
pub(crate) mod gltf;
mod perform;
mod ragdoll;
mod skinning;
mod walk;
