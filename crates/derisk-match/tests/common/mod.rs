//! What the evaluation tests share: counts of right and wrong decisions.

/// True positives, false positives and false negatives.
#[derive(Clone, Copy, Debug, Default)]
pub struct Metrics {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Metrics {
    /// Counts one decision: whether the pair should be flagged, whether it was.
    #[allow(dead_code)]
    pub fn add(&mut self, truth: bool, flagged: bool) {
        match (truth, flagged) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => {}
        }
    }

    pub fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }

    pub fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }

    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}
