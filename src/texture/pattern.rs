//! Procedural patterns (`Pattern`): object-space detail that both renderers draw from one
//! definition, here in Rust and in `src/raster/patterns.wgsl` for the raster, kept equal
//! by a test.

use glam::Vec3;

use crate::rng::SeededRng;

/// The seeded offset of an entity's pattern in object space, m: two entities with the
/// same patterned material show different parts of the pattern.
pub fn offset(seed: u64, entity: &str) -> Vec3 {
    let mut rng = SeededRng::new(seed, &format!("reference-pattern/{entity}"));
    Vec3::new(
        rng.symmetric(50.0),
        rng.symmetric(50.0),
        rng.symmetric(50.0),
    )
}
