//! Progress reporting. The library reports through [`Progress`]; only the binary draws
//! bars (on stderr, hidden when it is not a terminal or with `--quiet`).

/// Receives progress of long work. Implementations must be cheap to call often.
pub trait Progress {
    /// A stage begins with `total` units of work.
    fn start(&self, stage: &str, total: u64);
    /// `n` more units are done.
    fn advance(&self, n: u64);
    /// The current stage is done.
    fn finish(&self);
}

/// Reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _stage: &str, _total: u64) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}
