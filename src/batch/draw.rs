//! Distributions and field paths: what a variation draws, and where it goes in a scene
//! file's tree.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::rng::SeededRng;

/// How a variation's value is drawn.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Draw {
    /// One of the values, each equally likely. Values are RON numbers, strings,
    /// booleans, tuples, lists and maps (`"steel"`, `0.5`, `(0.0, 1.0, 0.0)`).
    Choice(Vec<ron::Value>),
    /// One of the values, with relative weights: `Weighted([(3.0, "steel"), (1.0,
    /// "rubber")])`.
    Weighted(Vec<(f64, ron::Value)>),
    /// A real number, uniform in `[lo, hi]`.
    Uniform(f64, f64),
    /// A whole number, uniform in `lo..=hi`.
    Int(i64, i64),
    /// A point `(x, y, z)`, uniform in the axis-aligned box.
    InBox {
        /// The low corner.
        min: (f64, f64, f64),
        /// The high corner.
        max: (f64, f64, f64),
    },
    /// A point `(x, y, z)` on a spherical shell around `center` (a camera around its
    /// subject): distance uniform in `radius`, direction uniform over the area of the
    /// band between the elevations (degrees above the horizontal) and azimuths
    /// (degrees from +Z toward +X).
    Shell {
        /// The center.
        center: (f64, f64, f64),
        /// Distance from the center, `(min, max)`, m.
        radius: (f64, f64),
        /// Elevation above the horizontal plane, `(min, max)`, degrees in [-90, 90].
        elevation_deg: (f64, f64),
        /// Azimuth from +Z toward +X, `(min, max)`, degrees (default all around).
        #[serde(default = "all_around")]
        azimuth_deg: (f64, f64),
    },
}

fn all_around() -> (f64, f64) {
    (0.0, 360.0)
}

fn finite(v: &[f64]) -> bool {
    v.iter().all(|x| x.is_finite())
}

impl Draw {
    /// What is wrong with the distribution, if anything.
    ///
    /// # Errors
    /// The reason, naming the parameter.
    pub fn check(&self) -> Result<(), String> {
        let ordered = |name: &str, lo: f64, hi: f64| {
            if !finite(&[lo, hi]) {
                Err(format!("{name} must be finite numbers, found ({lo}, {hi})"))
            } else if lo > hi {
                Err(format!(
                    "{name}: the low end {lo} is above the high end {hi}"
                ))
            } else {
                Ok(())
            }
        };
        match self {
            Draw::Choice(v) if v.is_empty() => Err("Choice needs at least one value".into()),
            Draw::Choice(v) => v.iter().try_for_each(|x| json(x).map(|_| ())),
            Draw::Weighted(v) => {
                if v.is_empty() {
                    return Err("Weighted needs at least one value".into());
                }
                for (w, x) in v {
                    if !w.is_finite() || *w < 0.0 {
                        return Err(format!("weights must be finite and ≥ 0, found {w}"));
                    }
                    json(x)?;
                }
                if v.iter().map(|(w, _)| w).sum::<f64>() <= 0.0 {
                    return Err("the weights sum to 0".into());
                }
                Ok(())
            }
            Draw::Uniform(lo, hi) => ordered("Uniform", *lo, *hi),
            Draw::Int(lo, hi) => {
                if lo > hi {
                    Err(format!("Int: the low end {lo} is above the high end {hi}"))
                } else {
                    Ok(())
                }
            }
            Draw::InBox { min, max } => {
                ordered("InBox x", min.0, max.0)?;
                ordered("InBox y", min.1, max.1)?;
                ordered("InBox z", min.2, max.2)
            }
            Draw::Shell {
                center,
                radius,
                elevation_deg,
                azimuth_deg,
            } => {
                if !finite(&[center.0, center.1, center.2]) {
                    return Err("Shell center must be finite".into());
                }
                ordered("Shell radius", radius.0, radius.1)?;
                if radius.0 < 0.0 {
                    return Err(format!("Shell radius must be ≥ 0, found {}", radius.0));
                }
                ordered("Shell elevation_deg", elevation_deg.0, elevation_deg.1)?;
                if elevation_deg.0 < -90.0 || elevation_deg.1 > 90.0 {
                    return Err(format!(
                        "Shell elevation_deg must lie in [-90, 90], found ({}, {})",
                        elevation_deg.0, elevation_deg.1
                    ));
                }
                ordered("Shell azimuth_deg", azimuth_deg.0, azimuth_deg.1)
            }
        }
    }

    /// One value, as a tree node.
    pub fn sample(&self, rng: &mut SeededRng) -> Json {
        match self {
            Draw::Choice(v) => json(&v[rng.index(v.len())]).unwrap_or(Json::Null),
            Draw::Weighted(v) => {
                let total: f64 = v.iter().map(|(w, _)| w).sum();
                let mut u = rng.unit() * total;
                let mut pick = &v[v.len() - 1].1;
                for (w, x) in v {
                    if u < *w {
                        pick = x;
                        break;
                    }
                    u -= w;
                }
                json(pick).unwrap_or(Json::Null)
            }
            Draw::Uniform(lo, hi) => number(lo + (hi - lo) * rng.unit()),
            Draw::Int(lo, hi) => {
                // The span as u128 holds every i64 range; the draw is unbiased to 2^-53.
                let span = (i128::from(*hi) - i128::from(*lo) + 1) as f64;
                let k = ((rng.unit() * span) as i128).min(span as i128 - 1);
                Json::from((i128::from(*lo) + k) as i64)
            }
            Draw::InBox { min, max } => {
                let mut axis = |a: f64, b: f64| number(a + (b - a) * rng.unit());
                Json::Array(vec![
                    axis(min.0, max.0),
                    axis(min.1, max.1),
                    axis(min.2, max.2),
                ])
            }
            Draw::Shell {
                center,
                radius,
                elevation_deg,
                azimuth_deg,
            } => {
                let r = radius.0 + (radius.1 - radius.0) * rng.unit();
                // Uniform over the band's area: sin(elevation) uniform (Archimedes' hat-box
                // theorem: a sphere's area between two heights is proportional to their
                // difference).
                let (s0, s1) = (
                    elevation_deg.0.to_radians().sin(),
                    elevation_deg.1.to_radians().sin(),
                );
                let sin_el = s0 + (s1 - s0) * rng.unit();
                let cos_el = (1.0 - sin_el * sin_el).max(0.0).sqrt();
                let az =
                    (azimuth_deg.0 + (azimuth_deg.1 - azimuth_deg.0) * rng.unit()).to_radians();
                Json::Array(vec![
                    number(center.0 + r * cos_el * az.sin()),
                    number(center.1 + r * sin_el),
                    number(center.2 + r * cos_el * az.cos()),
                ])
            }
        }
    }
}

/// A number as the scene file's `f32` will hold it (so the drawn value recorded and
/// the value rendered are the same number).
fn number(x: f64) -> Json {
    Json::from(f64::from(x as f32))
}

/// A RON value as a tree node.
fn json(v: &ron::Value) -> Result<Json, String> {
    serde_json::to_value(v).map_err(|e| format!("the value {v:?} has no place in a scene: {e}"))
}

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `.name`: a struct's field, a map's key or an enum variant's name.
    Field(String),
    /// `[3]` or `.3`: a list's or tuple's element.
    Index(usize),
    /// `["ball"]`: the element of a list whose `name` is this (entities, joints, …),
    /// or a map's key.
    Named(String),
}

/// Parses a field path: `camera.at`, `entities["ball"].material`, `entities[0].at.1`,
/// `materials["oak"].color`.
///
/// # Errors
/// Where the path stops making sense.
pub fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let bad = |at: usize, what: &str| format!("column {}: {what} in \"{path}\"", at + 1);
    let chars: Vec<char> = path.chars().collect();
    let mut steps = Vec::new();
    let mut i = 0;
    let ident = |i: &mut usize| {
        let start = *i;
        while *i < chars.len() && (chars[*i].is_alphanumeric() || chars[*i] == '_') {
            *i += 1;
        }
        chars[start..*i].iter().collect::<String>()
    };
    while i < chars.len() {
        let at = i;
        match chars[i] {
            '.' if !steps.is_empty() => {
                i += 1;
                let name = ident(&mut i);
                if name.is_empty() {
                    return Err(bad(at, "expected a field name after '.'"));
                }
                steps.push(match name.parse::<usize>() {
                    Ok(n) => Step::Index(n),
                    Err(_) => Step::Field(name),
                });
            }
            '[' => {
                i += 1;
                if chars.get(i) == Some(&'"') {
                    i += 1;
                    let start = i;
                    while i < chars.len() && chars[i] != '"' {
                        i += 1;
                    }
                    if i >= chars.len() {
                        return Err(bad(at, "unterminated name in [\"...\"]"));
                    }
                    let name: String = chars[start..i].iter().collect();
                    i += 1;
                    steps.push(Step::Named(name));
                } else {
                    let start = i;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                    let n: String = chars[start..i].iter().collect();
                    let n = n
                        .parse::<usize>()
                        .map_err(|_| bad(at, "expected an index [3] or a name [\"ball\"]"))?;
                    steps.push(Step::Index(n));
                }
                if chars.get(i) != Some(&']') {
                    return Err(bad(i, "expected ']'"));
                }
                i += 1;
            }
            c if steps.is_empty() && (c.is_alphabetic() || c == '_') => {
                steps.push(Step::Field(ident(&mut i)));
            }
            c => return Err(bad(at, &format!("unexpected '{c}'"))),
        }
    }
    if steps.is_empty() {
        return Err("the path is empty".into());
    }
    Ok(steps)
}

/// The node a path leads to in `tree`.
///
/// # Errors
/// The first step that leads nowhere, with what was there instead.
pub fn slot<'a>(tree: &'a mut Json, steps: &[Step]) -> Result<&'a mut Json, String> {
    let mut node = tree;
    let mut here = String::new();
    for step in steps {
        let shown = if here.is_empty() {
            "the scene".to_string()
        } else {
            here.clone()
        };
        node = match (step, node) {
            (Step::Field(f) | Step::Named(f), Json::Object(map)) => {
                let keys: Vec<String> = map.keys().cloned().collect();
                map.get_mut(f).ok_or_else(|| {
                    format!("{shown} has no field \"{f}\" (it has {})", listed(&keys))
                })?
            }
            (Step::Index(k), Json::Array(items)) => {
                let n = items.len();
                items
                    .get_mut(*k)
                    .ok_or_else(|| format!("{shown} has {n} elements, no [{k}]"))?
            }
            (Step::Named(name), Json::Array(items)) => {
                let names: Vec<String> = items
                    .iter()
                    .filter_map(|x| x.get("name").and_then(Json::as_str).map(str::to_string))
                    .collect();
                items
                    .iter_mut()
                    .find(|x| x.get("name").and_then(Json::as_str) == Some(name.as_str()))
                    .ok_or_else(|| {
                        format!(
                            "{shown} has no element named \"{name}\" (names: {})",
                            listed(&names)
                        )
                    })?
            }
            (step, other) => {
                return Err(format!(
                    "{shown} is {}, which has no {}",
                    kind(other),
                    match step {
                        Step::Field(f) => format!("field \"{f}\""),
                        Step::Index(k) => format!("element [{k}]"),
                        Step::Named(n) => format!("element named \"{n}\""),
                    }
                ));
            }
        };
        match step {
            Step::Field(f) if here.is_empty() => here = f.clone(),
            Step::Field(f) => here = format!("{here}.{f}"),
            Step::Index(k) => here = format!("{here}[{k}]"),
            Step::Named(n) => here = format!("{here}[\"{n}\"]"),
        }
    }
    Ok(node)
}

/// `a, b, c`, or `none`.
fn listed(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// What a tree node is, in words.
fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "unset (None)",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string (a name or a unit variant)",
        Json::Array(_) => "a list",
        Json::Object(_) => "a struct",
    }
}
