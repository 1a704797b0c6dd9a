//! Errors of the scene stage. Every error says where it is: `path:line:col` for syntax,
//! the entity and field path for meaning (`entities[3] "ball": mass must be > 0, got -1`).

use std::fmt;

/// One semantic problem in a scene.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// Where: `entities[3] "ball"`, `joints[0] "hinge"`, `camera`, ….
    pub at: String,
    /// What is wrong, naming the field, expected vs found.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// Why a [`Shape`](super::Shape) has no exact collision shape
/// ([`Shape::to_parry`](super::Shape::to_parry)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    /// The mesh's vertices span no volume.
    #[error("the convex hull of \"{path}\" is degenerate (its vertices are flat or collinear)")]
    DegenerateHull {
        /// The mesh path as written in the scene.
        path: String,
    },
    /// parry refused the triangle mesh.
    #[error("triangle mesh \"{path}\" is invalid: {reason}")]
    InvalidTriMesh {
        /// The mesh path as written in the scene.
        path: String,
        /// parry's reason.
        reason: String,
    },
}

/// Why a scene could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SceneError {
    /// The file could not be read.
    #[error("{path}: cannot read the scene: {source}")]
    Read {
        /// The scene path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The RON text is malformed or has the wrong shape.
    #[error("{path}:{line}:{col}: {message}")]
    Syntax {
        /// The scene path.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What was expected and found.
        message: String,
    },
    /// The scene parsed but makes no sense; every problem found is listed.
    #[error("{}", render_problems(path, problems))]
    Invalid {
        /// The scene path.
        path: String,
        /// All problems, in the order found.
        problems: Vec<Problem>,
    },
}

fn render_problems(path: &str, problems: &[Problem]) -> String {
    let mut s = format!(
        "{path}: {} problem{} in the scene",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        s.push_str(&format!("\n  {path}: {p}"));
    }
    s
}
