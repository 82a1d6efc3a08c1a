//! Convergence of a batch: the running mean and its 95% confidence
//! half-width at checkpoints, and the `--until-rel-halfwidth` stopping rule.
//!
//! Both look at runs in run order, never completion order: checkpoint k uses
//! the first k runs, so the table and the stopping point are deterministic.

use crate::outputs::{Categories, RunsTable, is_categorical};
use crate::stats::Welford;

/// One checkpoint of one outcome (a row of `convergence.csv`).
#[derive(Clone, Debug, PartialEq)]
pub struct ConvergenceRow {
    /// Outcome name.
    pub outcome: String,
    /// Runs (with a value for this outcome) the checkpoint covers, from the first in run order.
    pub runs: u64,
    /// Mean over those runs.
    pub mean: f64,
    /// 95% confidence half-width of the mean: t₀.₉₇₅(runs − 1) · sd / √runs
    /// (Student's t; outcome unit); NaN (an empty cell) at one run.
    pub half_width_95: f64,
    /// half_width_95 / |mean| (infinite when the mean is 0 and the half-width is not).
    pub rel_half_width: f64,
}

/// Relative half-width hw/|mean|, with 0/0 = 0 (NaN below two values).
pub fn rel_half_width(w: &Welford) -> f64 {
    // A NaN half-width (one value) stays NaN: `hw == 0.0` is false for it.
    let hw = w.half_width_95();
    if hw == 0.0 { 0.0 } else { hw / w.mean().abs() }
}

/// Checkpoints every `every` values and at the last value, for every outcome of `t`.
pub fn convergence_rows(t: &RunsTable, every: u64, categories: Option<Categories>) -> Vec<ConvergenceRow> {
    let mut rows = Vec::new();
    for (k, name) in t.outcome_names.iter().enumerate() {
        // A category's running mean is no estimate of anything.
        if is_categorical(categories, name) {
            continue;
        }
        let mut w = Welford::new();
        let values: Vec<f64> = t
            .outcomes
            .iter()
            .filter_map(|r| r.get(k).copied().flatten())
            .collect();
        for (i, &v) in values.iter().enumerate() {
            w.push(v);
            let n = i as u64 + 1;
            if n.is_multiple_of(every.max(1)) || i + 1 == values.len() {
                rows.push(ConvergenceRow {
                    outcome: name.clone(),
                    runs: n,
                    mean: w.mean(),
                    half_width_95: w.half_width_95(),
                    rel_half_width: rel_half_width(&w),
                });
            }
        }
    }
    rows
}

/// The stopping rule: true when every watched outcome (every outcome in
/// `outcomes` but the categories when `watch` is empty) has at least two values and a relative
/// 95% half-width ≤ `target`. `outcomes` holds each outcome's values over the
/// first k runs in run order.
pub fn stop_reached(
    outcomes: &[(String, Vec<f64>)],
    watch: &[String],
    target: f64,
    categories: Option<Categories>,
) -> bool {
    let watched: Vec<&(String, Vec<f64>)> = outcomes
        .iter()
        .filter(|(n, _)| {
            if watch.is_empty() {
                !is_categorical(categories, n)
            } else {
                watch.contains(n)
            }
        })
        .collect();
    !watched.is_empty()
        && watched.iter().all(|(_, vals)| {
            let mut w = Welford::new();
            vals.iter().for_each(|&v| w.push(v));
            w.count() >= 2 && rel_half_width(&w) <= target
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(values: &[f64]) -> RunsTable {
        RunsTable {
            runs: (0..values.len() as u64).collect(),
            seeds: vec![0; values.len()],
            outcome_names: vec!["y".into()],
            outcomes: values.iter().map(|&v| vec![Some(v)]).collect(),
            params: vec![vec![]; values.len()],
            ..RunsTable::default()
        }
    }

    #[test]
    fn checkpoints_use_first_k_runs_and_shrink() {
        let vals: Vec<f64> = (0..250).map(|i| 10.0 + ((i * 7919) % 13) as f64).collect();
        let rows = convergence_rows(&table(&vals), 100, None);
        assert_eq!(
            rows.iter().map(|r| r.runs).collect::<Vec<_>>(),
            vec![100, 200, 250]
        );
        let mean100 = vals[..100].iter().sum::<f64>() / 100.0;
        assert!((rows[0].mean - mean100).abs() < 1e-12);
        assert!(rows[2].half_width_95 < rows[0].half_width_95);
        assert!((rows[1].rel_half_width - rows[1].half_width_95 / rows[1].mean).abs() < 1e-15);
    }

    #[test]
    fn stopping_rule_watches_only_named_outcomes() {
        let tight: Vec<f64> = (0..100).map(|i| 100.0 + (i % 3) as f64).collect();
        let loose: Vec<f64> = (0..100).map(|i| if i % 2 == 0 { 1.0 } else { 100.0 }).collect();
        let o = vec![("a".to_string(), tight), ("b".to_string(), loose)];
        assert!(!stop_reached(&o, &[], 0.03, None));
        assert!(stop_reached(&o, &["a".into()], 0.03, None));
        assert!(!stop_reached(&o, &["a".into()], 0.0001, None));
    }
}
