// Procedural patterns for the raster (placeholder until issue 13's pattern port lands):
// kind 0 none, 1 Wood, 2 Marble, 3 BrushedMetal, 4 Concrete, 5 Rubber, 6 Fabric.
// Returns the patterned base color (rgb) and roughness (a).
fn pattern_surface(kind: u32, local: vec3<f32>, offset: vec3<f32>, scale: f32, base: vec3<f32>, rough: f32) -> vec4<f32> {
    return vec4<f32>(base, rough);
}
