//! Tests of the prompt stage.

use super::*;

#[test]
fn debug_print_examples() {
    for p in EXAMPLES {
        let g = generate(p, &PromptOptions { seed: 0 }).unwrap();
        println!("{}\n{}", g.ron, g.explain);
    }
}
