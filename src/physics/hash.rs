//! Replay hashes over the exact bit patterns of the physics state.

use rapier3d::prelude::RigidBody;

/// Hashes bodies in the given order: translation, rotation (x, y, z, w), linear and
/// angular velocity, each `f32` as its little-endian bits; then every cloth's vertex
/// positions and velocities the same way (nothing when there are no cloths, so scenes
/// without cloth hash as before). Returns 32 hex digits.
pub fn state_hash<'a>(
    bodies: impl Iterator<Item = &'a RigidBody>,
    cloths: impl Iterator<Item = &'a super::cloth::ClothState>,
    fluids: &[super::fluid::FluidState],
) -> String {
    let mut h = blake3::Hasher::new();
    for rb in bodies {
        let t = rb.translation();
        let r = rb.rotation();
        let v = rb.linvel();
        let w = rb.angvel();
        for x in [
            t.x, t.y, t.z, r.x, r.y, r.z, r.w, v.x, v.y, v.z, w.x, w.y, w.z,
        ] {
            h.update(&x.to_bits().to_le_bytes());
        }
    }
    for c in cloths {
        for p in c.x.iter().chain(&c.v) {
            for x in [p.x, p.y, p.z] {
                h.update(&x.to_bits().to_le_bytes());
            }
        }
    }
    for f in fluids {
        for p in f.x.iter().chain(&f.v) {
            for x in [p.x, p.y, p.z] {
                h.update(&x.to_bits().to_le_bytes());
            }
        }
        h.update(&f.emitted.to_bits().to_le_bytes());
    }
    let bytes = h.finalize();
    bytes.to_hex()[..32].to_string()
}
