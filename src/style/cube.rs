//! 3-D LUTs in the `.cube` format (Adobe / Resolve): `TITLE`, `LUT_3D_SIZE N`,
//! optional `DOMAIN_MIN` / `DOMAIN_MAX`, `#` comments, then `N³` lines `r g b` with red
//! varying fastest. Applied with trilinear interpolation.

use std::fmt;

/// A parse error with its line (1-based).
#[derive(Debug, Clone, PartialEq)]
pub struct CubeError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for CubeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for CubeError {}

/// How a 3-D LUT blends its entries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Interpolation {
    /// Eight entries per lookup, weighted by the point's position in the cell.
    #[default]
    Trilinear,
    /// Four entries per lookup (see [`Lut3d::apply_tetrahedral`]).
    Tetrahedral,
}

/// A 3-D lookup table.
#[derive(Debug, Clone, PartialEq)]
pub struct Lut3d {
    /// Title, if given.
    pub title: Option<String>,
    /// Entries per axis.
    pub size: usize,
    /// Input domain lower corner.
    pub domain_min: [f32; 3],
    /// Input domain upper corner.
    pub domain_max: [f32; 3],
    /// `size³` RGB entries, red fastest, then green, then blue.
    pub table: Vec<[f32; 3]>,
}

/// Largest `LUT_3D_SIZE` accepted.
pub const MAX_CUBE_SIZE: usize = 256;

fn floats<const N: usize>(parts: &[&str], line: usize, what: &str) -> Result<[f32; N], CubeError> {
    let err = |message: String| CubeError { line, message };
    if parts.len() != N {
        return Err(err(format!(
            "{what}: expected {N} numbers, found {}",
            parts.len()
        )));
    }
    let mut out = [0.0; N];
    for (o, p) in out.iter_mut().zip(parts) {
        *o = p
            .parse::<f32>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| err(format!("{what}: expected a number, found \"{p}\"")))?;
    }
    Ok(out)
}

impl Lut3d {
    /// The identity LUT of `size` entries per axis.
    pub fn identity(size: usize) -> Self {
        let n = size.max(2);
        let s = (n - 1) as f32;
        let table = (0..n * n * n)
            .map(|i| {
                [
                    (i % n) as f32 / s,
                    ((i / n) % n) as f32 / s,
                    (i / (n * n)) as f32 / s,
                ]
            })
            .collect();
        Self {
            title: None,
            size: n,
            domain_min: [0.0; 3],
            domain_max: [1.0; 3],
            table,
        }
    }

    /// Parses `.cube` text.
    ///
    /// # Errors
    /// [`CubeError`] naming the line: unknown keywords, malformed numbers, a missing or
    /// out-of-range `LUT_3D_SIZE`, 1-D LUTs, or the wrong number of entries.
    pub fn parse(text: &str) -> Result<Self, CubeError> {
        let mut title = None;
        let mut size: Option<usize> = None;
        let mut domain_min = [0.0; 3];
        let mut domain_max = [1.0; 3];
        let mut table = Vec::new();
        let mut last_line = 0;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            last_line = line;
            let l = raw.split('#').next().unwrap_or("").trim();
            if l.is_empty() {
                continue;
            }
            let parts: Vec<&str> = l.split_whitespace().collect();
            let err = |message: String| CubeError { line, message };
            match parts[0] {
                "TITLE" => {
                    title = Some(l["TITLE".len()..].trim().trim_matches('"').to_string());
                }
                "LUT_3D_SIZE" => {
                    let n = parts
                        .get(1)
                        .and_then(|p| p.parse::<usize>().ok())
                        .filter(|n| (2..=MAX_CUBE_SIZE).contains(n))
                        .ok_or_else(|| {
                            err(format!(
                                "LUT_3D_SIZE must be an integer in 2..={MAX_CUBE_SIZE}"
                            ))
                        })?;
                    if !table.is_empty() {
                        return Err(err("LUT_3D_SIZE must come before the table".into()));
                    }
                    size = Some(n);
                }
                "LUT_1D_SIZE" => {
                    return Err(err(
                        "1-D LUTs are not supported; expected LUT_3D_SIZE".into()
                    ));
                }
                "DOMAIN_MIN" => domain_min = floats::<3>(&parts[1..], line, "DOMAIN_MIN")?,
                "DOMAIN_MAX" => domain_max = floats::<3>(&parts[1..], line, "DOMAIN_MAX")?,
                "LUT_3D_INPUT_RANGE" => {
                    let [lo, hi] = floats::<2>(&parts[1..], line, "LUT_3D_INPUT_RANGE")?;
                    domain_min = [lo; 3];
                    domain_max = [hi; 3];
                }
                p if p.starts_with(|c: char| {
                    c.is_ascii_digit() || c == '-' || c == '+' || c == '.'
                }) =>
                {
                    let Some(n) = size else {
                        return Err(err("table data before LUT_3D_SIZE".into()));
                    };
                    if table.len() >= n * n * n {
                        return Err(err(format!("more than {n}³ = {} entries", n * n * n)));
                    }
                    table.push(floats::<3>(&parts, line, "entry")?);
                }
                other => return Err(err(format!("unknown keyword \"{other}\""))),
            }
        }
        let n = size.ok_or(CubeError {
            line: last_line.max(1),
            message: "no LUT_3D_SIZE line".into(),
        })?;
        if table.len() != n * n * n {
            return Err(CubeError {
                line: last_line.max(1),
                message: format!(
                    "expected {} entries ({n}³), found {}",
                    n * n * n,
                    table.len()
                ),
            });
        }
        if (0..3).any(|c| domain_max[c] <= domain_min[c]) {
            return Err(CubeError {
                line: 1,
                message: "DOMAIN_MAX must exceed DOMAIN_MIN on every channel".into(),
            });
        }
        Ok(Self {
            title,
            size: n,
            domain_min,
            domain_max,
            table,
        })
    }

    /// Writes `.cube` text.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        if let Some(t) = &self.title {
            s.push_str(&format!("TITLE \"{t}\"\n"));
        }
        s.push_str(&format!("LUT_3D_SIZE {}\n", self.size));
        s.push_str(&format!(
            "DOMAIN_MIN {} {} {}\nDOMAIN_MAX {} {} {}\n",
            self.domain_min[0],
            self.domain_min[1],
            self.domain_min[2],
            self.domain_max[0],
            self.domain_max[1],
            self.domain_max[2]
        ));
        for e in &self.table {
            s.push_str(&format!("{} {} {}\n", e[0], e[1], e[2]));
        }
        s
    }

    /// Looks up one color with `interp` (inputs clamped to the domain).
    pub fn lookup(&self, rgb: [f32; 3], interp: Interpolation) -> [f32; 3] {
        match interp {
            Interpolation::Trilinear => self.apply(rgb),
            Interpolation::Tetrahedral => self.apply_tetrahedral(rgb),
        }
    }

    /// Cell corner and fractions of `rgb`.
    fn locate(&self, rgb: [f32; 3]) -> ([usize; 3], [f32; 3]) {
        let n = self.size;
        let s = (n - 1) as f32;
        let mut i0 = [0usize; 3];
        let mut f = [0.0f32; 3];
        for c in 0..3 {
            let t = ((rgb[c] - self.domain_min[c]) / (self.domain_max[c] - self.domain_min[c]))
                .clamp(0.0, 1.0)
                * s;
            let i = (t.floor() as usize).min(n - 2);
            i0[c] = i;
            f[c] = t - i as f32;
        }
        (i0, f)
    }

    /// Tetrahedral interpolation (Kasson, Nin, Plouffe & Hafner, "Performing color space
    /// conversions with three-dimensional linear interpolation", J. Electronic Imaging
    /// 1995): the cell is split into six tetrahedra along its neutral diagonal, so grays
    /// map through the diagonal entries only, and each lookup blends four entries.
    pub fn apply_tetrahedral(&self, rgb: [f32; 3]) -> [f32; 3] {
        let n = self.size;
        let (i0, f) = self.locate(rgb);
        let at = |d: [usize; 3]| {
            self.table[(i0[0] + d[0]) + (i0[1] + d[1]) * n + (i0[2] + d[2]) * n * n]
        };
        // Order the fractions: walk from the cell's black corner to its white corner one
        // axis at a time, largest fraction first.
        let mut axes = [0usize, 1, 2];
        axes.sort_by(|&a, &b| f[b].total_cmp(&f[a]));
        let mut corner = [0usize; 3];
        let mut out = at(corner).map(|v| v * (1.0 - f[axes[0]]));
        for (k, &axis) in axes.iter().enumerate() {
            corner[axis] = 1;
            let next_f = if k + 1 < 3 { f[axes[k + 1]] } else { 0.0 };
            let e = at(corner);
            let w = f[axis] - next_f;
            out = std::array::from_fn(|c| out[c] + w * e[c]);
        }
        out
    }

    /// Looks up one color with trilinear interpolation (inputs clamped to the domain).
    pub fn apply(&self, rgb: [f32; 3]) -> [f32; 3] {
        let n = self.size;
        let (i0, f) = self.locate(rgb);
        let at = |r: usize, g: usize, b: usize| self.table[r + g * n + b * n * n];
        let mut out = [0.0f32; 3];
        for (dr, wr) in [(0, 1.0 - f[0]), (1, f[0])] {
            for (dg, wg) in [(0, 1.0 - f[1]), (1, f[1])] {
                for (db, wb) in [(0, 1.0 - f[2]), (1, f[2])] {
                    let e = at(i0[0] + dr, i0[1] + dg, i0[2] + db);
                    let w = wr * wg * wb;
                    for c in 0..3 {
                        out[c] += w * e[c];
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tetrahedral_matches_trilinear_on_linear_tables_and_keeps_grays_on_the_diagonal() {
        // Any affine table is reproduced exactly by both schemes.
        let mut lut = Lut3d::identity(5);
        for e in &mut lut.table {
            *e = [0.8 * e[0] + 0.1 * e[2], 0.5 * e[1] + 0.2, 1.0 - e[2]];
        }
        for rgb in [[0.1, 0.7, 0.3], [0.93, 0.05, 0.51], [0.33, 0.33, 0.9]] {
            let (a, b) = (lut.apply(rgb), lut.apply_tetrahedral(rgb));
            let want = [
                0.8 * rgb[0] + 0.1 * rgb[2],
                0.5 * rgb[1] + 0.2,
                1.0 - rgb[2],
            ];
            for c in 0..3 {
                assert!(
                    (a[c] - want[c]).abs() < 1e-5 && (b[c] - want[c]).abs() < 1e-5,
                    "{a:?} {b:?} {want:?}"
                );
            }
        }
        // A gray input reads only the diagonal: change an off-diagonal entry and the
        // tetrahedral result for grays does not move, the trilinear one does.
        let mut bent = Lut3d::identity(2);
        bent.table[1] = [0.0, 1.0, 0.0]; // the (1, 0, 0) corner
        let gray = [0.4; 3];
        assert_eq!(
            bent.apply_tetrahedral(gray),
            Lut3d::identity(2).apply_tetrahedral(gray)
        );
        assert_ne!(bent.apply(gray), Lut3d::identity(2).apply(gray));
    }

    #[test]
    fn identity_round_trips_through_text_and_lookup() {
        let lut = Lut3d::parse(&Lut3d::identity(17).to_text()).unwrap();
        assert_eq!(lut.size, 17);
        for rgb in [
            [0.0, 0.0, 0.0],
            [1.0, 1.0, 1.0],
            [0.2, 0.55, 0.91],
            [0.333, 0.0, 0.7],
        ] {
            let out = lut.apply(rgb);
            for c in 0..3 {
                assert!((out[c] - rgb[c]).abs() < 1e-5, "{rgb:?} -> {out:?}");
            }
        }
    }

    #[test]
    fn lookup_interpolates_between_entries() {
        // A LUT that inverts red: entries store 1 - r.
        let mut lut = Lut3d::identity(2);
        for e in &mut lut.table {
            e[0] = 1.0 - e[0];
        }
        let out = lut.apply([0.25, 0.5, 0.75]);
        assert!(
            (out[0] - 0.75).abs() < 1e-6
                && (out[1] - 0.5).abs() < 1e-6
                && (out[2] - 0.75).abs() < 1e-6
        );
    }

    #[test]
    fn bad_files_name_their_line() {
        let e = Lut3d::parse("TITLE \"x\"\nLUT_3D_SIZE 2\n0 0 0\n1 0 zero\n").unwrap_err();
        assert_eq!(e.line, 4);
        assert!(
            e.to_string().contains("expected a number, found \"zero\""),
            "{e}"
        );
        let e = Lut3d::parse("LUT_3D_SIZE 2\n0 0 0\n").unwrap_err();
        assert!(
            e.message.contains("expected 8 entries (2³), found 1"),
            "{e}"
        );
        let e = Lut3d::parse("LUT_1D_SIZE 1024\n").unwrap_err();
        assert_eq!(e.line, 1);
        let e = Lut3d::parse("# c\nSIZE 3\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("line 2: unknown keyword \"SIZE\""),
            "{e}"
        );
    }
}
