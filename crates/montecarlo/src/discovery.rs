//! Scenario discovery: which region of the sampled parameters holds the
//! runs of interest.
//!
//! Sensitivity (Spearman, PRCC, Morris, Sobol) says which parameter moves
//! an outcome most. A policy question is often another one: *under which
//! combinations of assumptions does the outcome fail* (the thesis break,
//! power bind, the frontier slip past a year)? Scenario discovery answers it
//! with a box — a few parameters each kept within limits — that holds most
//! of the runs of interest (its *coverage*) and few others (its *density*).
//!
//! The box is found by PRIM's peeling (Friedman and Fisher 1999, "Bump
//! hunting in high-dimensional data", Statistics and Computing 9:123–143;
//! used for scenario discovery by Bryant and Lempert 2010 and the EMA
//! Workbench). Starting from the box of every run, each step considers,
//! for every parameter, cutting off the lowest or the highest share
//! `peel_alpha` of the runs still inside, and keeps the cut whose remaining
//! box has the highest density. Peeling stops when no cut would raise the
//! density, when the box holds only runs of interest, or when every cut
//! would leave fewer than `min_mass` of all runs inside. The sequence of
//! boxes (the *peeling trajectory*) trades coverage for density.
//!
//! Each limit of a box has a quasi-p-value (a one-sided binomial test of
//! the box against the box without that limit, as the EMA Workbench
//! reports it): deep boxes pick up limits that fit the sample's noise, and
//! a limit cut a little early buys nothing. The box chosen is stated by a
//! rule ([`Trajectory::choose`]): every trajectory box is
//! [pruned](Trajectory::pruned) of its limits with a quasi-p-value above a
//! bound, worst first, and the densest pruned box with enough coverage
//! wins; or a box is taken by its number. Each limit of the chosen box is
//! reported with the density and coverage the box would have without it.
//!
//! Left out: PRIM's pasting step (re-growing a peeled box) and covering
//! (a second box for the runs the first leaves out). Ties between equal
//! parameter values are never split: a cut removes every run at a value
//! or none.

use std::path::{Path, PathBuf};

use crate::charts::{LineSeries, Reader, finished_manifest, runs_table, unit_square_chart};
use crate::compare::Effect;
use crate::error::{McError, Result};
use crate::outputs::{Categories, RunsTable, num, write_csv};
use scheduler::math;

/// The peeling settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrimOptions {
    /// Share of the runs inside the box that one cut removes, in (0, 0.5).
    /// Smaller cuts give a finer, slower trajectory. Default 0.05, as in
    /// Friedman and Fisher and the EMA Workbench.
    pub peel_alpha: f64,
    /// Smallest share of all runs a box may hold, in (0, 1). Default 0.05.
    pub min_mass: f64,
}

impl Default for PrimOptions {
    fn default() -> Self {
        Self {
            peel_alpha: 0.05,
            min_mass: 0.05,
        }
    }
}

/// One box of a peeling trajectory.
#[derive(Clone, Debug, PartialEq)]
pub struct PrimBox {
    /// For each parameter, the inclusive limits `(low, high)` the box keeps.
    pub limits: Vec<(f64, f64)>,
    /// Runs inside the box.
    pub runs: usize,
    /// Runs of interest inside the box.
    pub cases: usize,
}

/// The boxes of one peeling, the first holding every run.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    /// All runs.
    pub total_runs: usize,
    /// All runs of interest.
    pub total_cases: usize,
    /// Each parameter's range over all runs (the first box's limits).
    pub full: Vec<(f64, f64)>,
    /// The boxes, each inside the one before.
    pub boxes: Vec<PrimBox>,
}

/// What one limit of a box buys: the box's density and coverage without it.
#[derive(Clone, Debug, PartialEq)]
pub struct LimitEffect {
    /// The parameter (its column in the input).
    pub param: usize,
    /// Runs inside the box with this parameter's limits dropped.
    pub runs: usize,
    /// Runs of interest inside it.
    pub cases: usize,
    /// The limit's quasi-p-value: the chance that a box of the box's runs
    /// drawn from the box without the limit would hold at least as many
    /// runs of interest (one-sided binomial test, as the EMA Workbench
    /// reports it). Large (say above 0.05), the limit may be noise of the
    /// sample rather than a feature of the model.
    pub quasi_p: f64,
}

impl Trajectory {
    /// Share of all runs of interest that box `b` holds.
    pub fn coverage(&self, b: usize) -> f64 {
        ratio(self.boxes[b].cases, self.total_cases)
    }
    /// Share of box `b`'s runs that are of interest.
    pub fn density(&self, b: usize) -> f64 {
        ratio(self.boxes[b].cases, self.boxes[b].runs)
    }
    /// Share of all runs inside box `b`.
    pub fn mass(&self, b: usize) -> f64 {
        ratio(self.boxes[b].runs, self.total_runs)
    }
    /// The parameters box `b` restricts (a limit inside the full range).
    pub fn restricted(&self, b: usize) -> Vec<usize> {
        self.limited(&self.boxes[b].limits)
    }
    /// The parameters `limits` restrict (a limit inside the full range).
    fn limited(&self, limits: &[(f64, f64)]) -> Vec<usize> {
        (0..self.full.len())
            .filter(|&j| limits[j] != self.full[j])
            .collect()
    }
    /// Any box's runs, runs of interest and, for each parameter it
    /// restricts, what the box would hold without that limit. One pass:
    /// a run is inside the box without limit j when j is the only limit it
    /// breaks.
    pub fn effects(&self, x: &[Vec<f64>], y: &[bool], limits: &[(f64, f64)]) -> (PrimBox, Vec<LimitEffect>) {
        let restricted = self.limited(limits);
        let (mut runs, mut cases) = (0, 0);
        let mut without = vec![(0usize, 0usize); restricted.len()];
        for (row, &case) in x.iter().zip(y) {
            let mut broken = None;
            let mut count = 0;
            for (i, &j) in restricted.iter().enumerate() {
                let (lo, hi) = limits[j];
                if !(lo <= row[j] && row[j] <= hi) {
                    count += 1;
                    broken = Some(i);
                    if count > 1 {
                        break;
                    }
                }
            }
            match (count, broken) {
                (0, _) => {
                    runs += 1;
                    cases += usize::from(case);
                    for w in &mut without {
                        w.0 += 1;
                        w.1 += usize::from(case);
                    }
                }
                (1, Some(i)) => {
                    without[i].0 += 1;
                    without[i].1 += usize::from(case);
                }
                _ => {}
            }
        }
        let effects = restricted
            .iter()
            .zip(&without)
            .map(|(&param, &(r, c))| LimitEffect {
                param,
                runs: r,
                cases: c,
                quasi_p: binomial_upper_tail(runs, cases, ratio(c, r)),
            })
            .collect();
        let b = PrimBox {
            limits: limits.to_vec(),
            runs,
            cases,
        };
        (b, effects)
    }
    /// For each parameter box `b` restricts, what the box would hold
    /// without that limit (the others kept), with the limit's quasi-p.
    pub fn without_each_limit(&self, x: &[Vec<f64>], y: &[bool], b: usize) -> Vec<LimitEffect> {
        self.effects(x, y, &self.boxes[b].limits).1
    }
    /// Box `b` with its unsupported limits dropped: while some limit has a
    /// quasi-p-value above `max_quasi_p`, the one with the largest is
    /// dropped (its parameter's full range restored) and the others'
    /// values computed again. A limit cut a little early in the peeling
    /// buys little density and, on its own, looks like noise of the sample
    /// (PRIM's users drop such limits by hand; this is that, by a rule).
    pub fn pruned(&self, x: &[Vec<f64>], y: &[bool], b: usize, max_quasi_p: f64) -> Chosen {
        let mut limits = self.boxes[b].limits.clone();
        let mut dropped = Vec::new();
        loop {
            let (bx, effects) = self.effects(x, y, &limits);
            let worst = effects
                .iter()
                .filter(|e| e.quasi_p > max_quasi_p)
                .max_by(|a, b| a.quasi_p.total_cmp(&b.quasi_p));
            match worst {
                Some(e) => {
                    limits[e.param] = self.full[e.param];
                    dropped.push(e.clone());
                }
                None => {
                    return Chosen {
                        from: b,
                        bx,
                        effects,
                        dropped,
                    };
                }
            }
        }
    }
    /// The box chosen by the stated rule: of the trajectory's boxes, each
    /// [pruned](Trajectory::pruned) of its limits with a quasi-p-value above
    /// `max_quasi_p`, the densest whose coverage is at least
    /// `min_coverage`; of equal densities, the earlier. The first box
    /// covers every run of interest and has no limit, so there always is one.
    pub fn choose(&self, x: &[Vec<f64>], y: &[bool], min_coverage: f64, max_quasi_p: f64) -> Chosen {
        let mut best = self.pruned(x, y, 0, max_quasi_p);
        for b in 1..self.boxes.len() {
            let c = self.pruned(x, y, b, max_quasi_p);
            let coverage = ratio(c.bx.cases, self.total_cases);
            // Densities compared exactly, as cross-multiplied counts.
            if coverage >= min_coverage && c.bx.cases * best.bx.runs > best.bx.cases * c.bx.runs {
                best = c;
            }
        }
        best
    }
}

/// A box as chosen: a trajectory box, maybe with limits dropped.
#[derive(Clone, Debug, PartialEq)]
pub struct Chosen {
    /// The trajectory box it came from.
    pub from: usize,
    /// The box: its limits and counts after the drops.
    pub bx: PrimBox,
    /// What each of its limits buys.
    pub effects: Vec<LimitEffect>,
    /// The limits dropped, in order, each with its values when dropped.
    pub dropped: Vec<LimitEffect>,
}

/// P(X ≥ k) for X ~ Binomial(n, p), summed in logarithms (no term
/// underflows to hide the others); to about 1e-9 for n in the tens of
/// thousands (the logarithms of the factorials are sums).
pub fn binomial_upper_tail(n: usize, k: usize, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    // ln m! for m = 0..=n.
    let mut ln_fact = Vec::with_capacity(n + 1);
    ln_fact.push(0.0);
    for m in 1..=n {
        ln_fact.push(ln_fact[m - 1] + math::ln(m as f64));
    }
    let (lp, lq) = (math::ln(p), math::ln(1.0 - p));
    let terms: Vec<f64> = (k..=n)
        .map(|i| ln_fact[n] - ln_fact[i] - ln_fact[n - i] + i as f64 * lp + (n - i) as f64 * lq)
        .collect();
    let top = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = terms.iter().map(|&t| math::exp(t - top)).sum();
    (math::exp(top) * sum).min(1.0)
}

/// How often each parameter is limited by the box [chosen](Trajectory::choose)
/// on resamples of the runs: resample i draws as many runs as there are,
/// with replacement, from its own stream of `seed`, and is peeled and
/// chosen from with the same settings. A limit the data support is found
/// again in most resamples; one that fits the sample's noise comes and
/// goes. One share in [0, 1] per parameter; the same at any thread count.
pub fn resampled_shares(
    x: &[Vec<f64>],
    y: &[bool],
    o: &PrimOptions,
    min_coverage: f64,
    max_quasi_p: f64,
    resamples: u64,
    seed: u64,
) -> Result<Vec<f64>> {
    use rand::Rng;
    use rayon::prelude::*;
    let (n, d) = (x.len(), x.first().map_or(0, Vec::len));
    let limited: Vec<Vec<usize>> = (0..resamples)
        .into_par_iter()
        .map(|i| {
            let mut rng = crate::design::unit_stream(seed, i, "montecarlo/discover/resample");
            let rows: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
            let xs: Vec<Vec<f64>> = rows.iter().map(|&r| x[r].clone()).collect();
            let ys: Vec<bool> = rows.iter().map(|&r| y[r]).collect();
            let t = prim(&xs, &ys, o)?;
            let c = t.choose(&xs, &ys, min_coverage, max_quasi_p);
            Ok(c.effects.iter().map(|e| e.param).collect())
        })
        .collect::<Result<_>>()?;
    let mut counts = vec![0u64; d];
    for params in &limited {
        for &j in params {
            counts[j] += 1;
        }
    }
    Ok(counts
        .iter()
        .map(|&c| {
            if resamples == 0 {
                0.0
            } else {
                c as f64 / resamples as f64
            }
        })
        .collect())
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// One candidate cut: the box it leaves, by its counts.
#[derive(Clone, Copy)]
struct Cut {
    param: usize,
    /// The new limit: a new low (`high_side` false) or a new high.
    limit: f64,
    high_side: bool,
    runs: usize,
    cases: usize,
}

/// Peels the box of all runs (`x[r][j]`: run r's value of parameter j;
/// `y[r]`: whether run r is of interest) into a [`Trajectory`].
///
/// The result depends only on the set of (row, flag) pairs, not on their
/// order. Refuses no rows, rows of unequal length, no parameter,
/// non-finite values and options outside their ranges.
pub fn prim(x: &[Vec<f64>], y: &[bool], o: &PrimOptions) -> Result<Trajectory> {
    let n = x.len();
    if n == 0 || y.len() != n {
        return Err(McError::Invalid(format!(
            "scenario discovery needs one flag per run and at least one run ({n} runs, {} flags)",
            y.len()
        )));
    }
    let d = x[0].len();
    if d == 0 || x.iter().any(|r| r.len() != d) {
        return Err(McError::Invalid(
            "scenario discovery needs every run to have the same parameters, at least one".into(),
        ));
    }
    if let Some((r, j)) = (0..n).find_map(|r| x[r].iter().position(|v| !v.is_finite()).map(|j| (r, j))) {
        return Err(McError::Invalid(format!(
            "run {r}'s parameter {j} is {}: scenario discovery needs finite values",
            x[r][j]
        )));
    }
    if !(o.peel_alpha > 0.0 && o.peel_alpha < 0.5) {
        return Err(McError::Invalid(format!(
            "the peeling share is {}: it must lie strictly between 0 and 0.5",
            num(o.peel_alpha)
        )));
    }
    if !(o.min_mass > 0.0 && o.min_mass < 1.0) {
        return Err(McError::Invalid(format!(
            "the smallest box share is {}: it must lie strictly between 0 and 1",
            num(o.min_mass)
        )));
    }
    let full: Vec<(f64, f64)> = (0..d)
        .map(|j| {
            x.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
                (lo.min(r[j]), hi.max(r[j]))
            })
        })
        .collect();
    let total_cases = y.iter().filter(|&&c| c).count();
    let mut inside: Vec<usize> = (0..n).collect();
    let mut limits = full.clone();
    let mut boxes = vec![PrimBox {
        limits: limits.clone(),
        runs: n,
        cases: total_cases,
    }];
    // A box must keep at least this many runs.
    let min_runs = o.min_mass * n as f64;
    let mut values: Vec<f64> = Vec::with_capacity(n);
    loop {
        let (runs, cases) = (inside.len(), inside.iter().filter(|&&r| y[r]).count());
        if cases == runs {
            break;
        }
        let mut best: Option<Cut> = None;
        // `j` is a column of the row-major runs (`x[r][j]` for every run r
        // inside), which no iterator over `x` gives.
        #[allow(clippy::needless_range_loop)]
        for j in 0..d {
            values.clear();
            values.extend(inside.iter().map(|&r| x[r][j]));
            values.sort_unstable_by(f64::total_cmp);
            let m = values.len();
            if values[0] == values[m - 1] {
                continue;
            }
            let k = ((o.peel_alpha * m as f64).floor() as usize).max(1);
            // The new low keeps the values at or above it: the k-th
            // smallest's, or, where the lowest value fills the share, the
            // next value up (a cut never splits equal values).
            let low = if values[k] > values[0] {
                values[k]
            } else {
                values[values.partition_point(|&v| v <= values[0])]
            };
            let high = if values[m - 1 - k] < values[m - 1] {
                values[m - 1 - k]
            } else {
                values[values.partition_point(|&v| v < values[m - 1]) - 1]
            };
            for (high_side, limit) in [(false, low), (true, high)] {
                let (mut kept, mut kept_cases) = (0, 0);
                for &r in &inside {
                    let v = x[r][j];
                    if (high_side && v <= limit) || (!high_side && v >= limit) {
                        kept += 1;
                        kept_cases += usize::from(y[r]);
                    }
                }
                if (kept as f64) < min_runs {
                    continue;
                }
                let c = Cut {
                    param: j,
                    limit,
                    high_side,
                    runs: kept,
                    cases: kept_cases,
                };
                // Denser wins; of equal densities (compared exactly, as
                // cross-multiplied counts), the one keeping more runs; then
                // the first considered.
                let better = best.is_none_or(|b| {
                    let (lhs, rhs) = (c.cases * b.runs, b.cases * c.runs);
                    lhs > rhs || (lhs == rhs && c.runs > b.runs)
                });
                if better {
                    best = Some(c);
                }
            }
        }
        // Stop where no cut is allowed, or none raises the density.
        let Some(c) = best.filter(|c| c.cases * runs > cases * c.runs) else {
            break;
        };
        let lim = &mut limits[c.param];
        if c.high_side {
            lim.1 = c.limit;
            inside.retain(|&r| x[r][c.param] <= c.limit);
        } else {
            lim.0 = c.limit;
            inside.retain(|&r| x[r][c.param] >= c.limit);
        }
        boxes.push(PrimBox {
            limits: limits.clone(),
            runs: c.runs,
            cases: c.cases,
        });
    }
    Ok(Trajectory {
        total_runs: n,
        total_cases,
        full,
        boxes,
    })
}

/// Which runs are of interest: an outcome above, below or equal to a value.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// The outcome is greater than the value.
    Above(f64),
    /// The outcome is less than the value.
    Below(f64),
    /// The outcome equals the value: for a category, its label or code.
    Equals(String),
    /// Over a compare: B's value differs from A's (after the compare's
    /// rounding rule); for a category, B's label is another than A's.
    Changed,
}

/// What a run without the outcome (a blank cell of `runs.csv`: a year a
/// threshold was never reached, a lab without a release) counts as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blank {
    /// Refuse, naming how many runs lack it (the default: blank means
    /// different things for different outcomes).
    Refuse,
    /// A run of interest.
    Case,
    /// Not a run of interest.
    NotCase,
}

/// What [`discover`] is asked.
#[derive(Clone, Debug)]
pub struct DiscoverOptions {
    /// The finished batch (or eval) directory, or a finished compare's
    /// (`aistack compare`): its runs are then paired and marked by the
    /// outcome's difference B − A ([`crate::compare::paired_table`]).
    pub dir: PathBuf,
    /// The outcome (a column of `runs.csv`; of both sides' for a compare).
    pub outcome: String,
    /// For a compare: mark runs by the relative change (B − A)/|A|
    /// instead of B − A ([`crate::compare::Effect`]).
    pub relative: bool,
    /// Which runs are of interest.
    pub condition: Condition,
    /// What a run without the outcome counts as.
    pub blank: Blank,
    /// Peeling settings.
    pub prim: PrimOptions,
    /// The chosen box is the densest with at least this coverage whose
    /// limits all have a quasi-p-value of at most `max_quasi_p`
    /// ([`Trajectory::choose`]), unless `pick` names one.
    pub min_coverage: f64,
    /// See `min_coverage`; 1 lets every limit in.
    pub max_quasi_p: f64,
    /// A box of the trajectory by its number, instead of the rule.
    pub pick: Option<usize>,
    /// Where the tables and the chart go. Default: `DIR/discover/<outcome>-<condition>/`.
    pub out: Option<PathBuf>,
    /// Which outcomes are categories, and their codes.
    pub categories: Option<Categories>,
    /// Resamples of the runs for [`resampled_shares`] (0: none).
    pub resamples: u64,
    /// Their seed.
    pub seed: u64,
    /// The tool, its build and the command, for `discover.json`.
    pub invocation: crate::Invocation,
}

/// What [`discover`] found and wrote.
#[derive(Clone, Debug)]
pub struct DiscoverReport {
    /// The rule that marked runs of interest, in words (`training.largest_run_flop < 1e26`).
    pub rule: String,
    /// Parameter paths, in the order of the trajectory's limits.
    pub params: Vec<String>,
    /// The peeling.
    pub trajectory: Trajectory,
    /// For every box, the largest quasi-p-value of its limits (0 for the
    /// first, which has none).
    pub quasi_p: Vec<f64>,
    /// The chosen box, pruned of unsupported limits.
    pub chosen: Chosen,
    /// For each parameter, the share of resamples whose chosen box limits
    /// it ([`resampled_shares`]; empty without resamples).
    pub resampled: Vec<f64>,
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Things the reader should know (blank cells counted, an eval's design).
    pub notes: Vec<String>,
}

/// Scenario discovery over a finished batch: marks the runs of interest,
/// peels ([`prim`]) and writes `trajectory.csv` (every box: runs, runs of
/// interest, mass, coverage, density, restricted parameters),
/// `limits.csv` (every box's limits, one row per restricted parameter),
/// `box.csv` (the chosen box: each limit kept, the data's range, what the
/// box would be without it and its quasi-p-value; then the limits dropped
/// as unsupported) and `trajectory.svg` (density against
/// coverage), in [`DiscoverOptions::out`]. Over a compare's directory it
/// separates the runs where the policy's effect, B − A, passes the test.
pub fn discover(o: &DiscoverOptions) -> Result<DiscoverReport> {
    if !(o.min_coverage >= 0.0 && o.min_coverage <= 1.0) {
        return Err(McError::Invalid(format!(
            "--min-coverage is {}: a share, from 0 to 1",
            num(o.min_coverage)
        )));
    }
    if !(o.max_quasi_p >= 0.0 && o.max_quasi_p <= 1.0) {
        return Err(McError::Invalid(format!(
            "--max-quasi-p is {}: a probability, from 0 to 1",
            num(o.max_quasi_p)
        )));
    }
    let input = if crate::compare::is_compare_dir(&o.dir) {
        read_compare(o)?
    } else {
        read_batch(o)?
    };
    let (table, manifest) = (&input.table, &input.manifest);
    let d = o.dir.display();
    if table.param_names.is_empty() {
        return Err(McError::Invalid(match input.compare {
            None => format!(
                "{d}: the batch draws no parameter, so no box of parameters can separate its \
                 runs: give the scenario uncertain parameters (`uncertain:`) and run the batch \
                 again"
            ),
            Some(_) => format!(
                "{d}: neither scenario of the compare draws a parameter, so no box of \
                 parameters can separate its runs: give them uncertain parameters \
                 (`uncertain:`) and run the compare again"
            ),
        }));
    }
    if let Some((r, j)) = (0..table.params.len()).find_map(|r| {
        table.params[r]
            .iter()
            .position(|v| !v.is_finite())
            .map(|j| (r, j))
    }) {
        return Err(McError::Invalid(format!(
            "{}: run {}'s `{}` is {}: scenario discovery needs finite parameter values",
            input.runs_csv, table.runs[r], table.param_names[j], table.params[r][j]
        )));
    }
    let lacking = input.compare.as_ref().map(|c| c.lacking.as_slice());
    let (flags, rule, mut notes) = mark(table, lacking, &input.runs_csv, o)?;
    notes.splice(0..0, input.notes.iter().cloned());
    let cases = flags.iter().filter(|&&c| c).count();
    if cases == 0 || cases == flags.len() {
        let (who, verb) = match (cases == 0, flags.len()) {
            (true, 1) => ("the one run".to_string(), "does not have"),
            (false, 1) => ("the one run".to_string(), "has"),
            (true, n) => (format!("none of the {n} runs"), "has"),
            (false, n) => (format!("all of the {n} runs"), "have"),
        };
        return Err(McError::Invalid(format!(
            "{who} in {d} {verb} {rule}: there is nothing to separate; choose a value that \
             some runs pass and some do not",
        )));
    }
    let x = &table.params;
    let trajectory = prim(x, &flags, &o.prim)?;
    let quasi_p: Vec<f64> = (0..trajectory.boxes.len())
        .map(|b| {
            trajectory
                .without_each_limit(x, &flags, b)
                .iter()
                .map(|e| e.quasi_p)
                .fold(0.0, f64::max)
        })
        .collect();
    let chosen = match o.pick {
        Some(b) if b >= trajectory.boxes.len() => {
            return Err(McError::Invalid(format!(
                "--box {b}: the trajectory has boxes 0 to {}",
                trajectory.boxes.len() - 1
            )));
        }
        Some(b) => trajectory.pruned(x, &flags, b, o.max_quasi_p),
        None => trajectory.choose(x, &flags, o.min_coverage, o.max_quasi_p),
    };
    let resampled = if o.resamples == 0 {
        Vec::new()
    } else {
        resampled_shares(
            x,
            &flags,
            &o.prim,
            o.min_coverage,
            o.max_quasi_p,
            o.resamples,
            o.seed,
        )?
    };
    if chosen.effects.is_empty() {
        let how = if o.pick.is_some() {
            "box {K}, its limits with a quasi-p above {Q} dropped, keeps none: it is the box of \
             all runs"
                .replace("{K}", &chosen.from.to_string())
        } else {
            "no box of the peeling, its limits with a quasi-p above {Q} dropped, keeps a \
             coverage of at least {C} with a limit left, so the box chosen is that of all runs"
                .replace("{C}", &num(o.min_coverage))
        };
        notes.push(format!(
            "{}: no few parameters' limits separate these runs of interest{}. trajectory.csv \
             lists every box; choose one with --box K (and --max-quasi-p 1 to keep all its \
             limits), or loosen --max-quasi-p or --min-coverage",
            how.replace("{Q}", &num(o.max_quasi_p)),
            if manifest.correlations.is_empty()
                && input.compare.as_ref().is_none_or(|c| c.b.correlations.is_empty())
            {
                ""
            } else {
                " (parameters drawn with a rank correlation, as some of these are, share their \
                 limits, and each alone then looks like noise)"
            }
        ));
    }
    if manifest.design == crate::Design::External {
        notes.push(
            "an eval's runs are its design's rows: coverage and density are shares of those \
             rows, and mean what they say of the parameters' space only if the design samples \
             it evenly"
                .into(),
        );
    }
    let out = match &o.out {
        Some(out) => out.clone(),
        None => o.dir.join("discover").join(format!(
            "{}-{}{}",
            stem(&o.outcome),
            match (&input.compare, o.relative) {
                (None, _) => "",
                (Some(_), false) => "difference-",
                (Some(_), true) => "relative-difference-",
            },
            if o.condition == Condition::Changed {
                "changed".to_string()
            } else {
                stem(&condition_words(
                    &rule,
                    &label(&o.outcome, input.compare.as_ref().map(|_| effect(o))),
                ))
            }
        )),
    };
    crate::runner::check_out_dir(&out)?;
    refuse_batch_out(&out)?;
    refuse_inside(&input.protected, &out)?;
    std::fs::create_dir_all(&out).map_err(crate::error::io_err(&out))?;
    let report = DiscoverReport {
        rule,
        params: table.param_names.clone(),
        trajectory,
        quasi_p,
        chosen,
        resampled,
        files: Vec::new(),
        notes,
    };
    let files = write_outputs(&out, &report, o, &input)?;
    Ok(DiscoverReport { files, ..report })
}

/// The runs discovery separates, read under the lock of their directory.
struct Input {
    /// One row per run: for a compare, its paired runs with outcomes B − A
    /// ([`crate::compare::paired_table`]).
    table: RunsTable,
    /// The batch's manifest (a compare's: A's).
    manifest: crate::Manifest,
    /// A compare's other side and how its parameters pair; `None` for a batch.
    compare: Option<CompareInput>,
    /// Where the rows come from, for messages: `DIR/runs.csv`, or both
    /// sides' of a compare.
    runs_csv: String,
    /// Directories (and their words) inside which no output may go.
    protected: Vec<(PathBuf, String)>,
    /// Notes on how the runs were read (a compare's side columns).
    notes: Vec<String>,
    /// Held while discovery reads the runs and, writing into `DIR`, writes.
    _lock: Option<crate::lock::DirLock>,
}

/// The parts of a compare that [`Input`] adds to A's: B's manifest and
/// what [`crate::compare::paired_table`] says besides the table.
struct CompareInput {
    /// B's manifest.
    b: crate::Manifest,
    /// Parameters only A draws, only B draws, both draw differently.
    only_a: Vec<String>,
    only_b: Vec<String>,
    drawn_differently: Vec<String>,
    /// For each outcome of the table, the runs without a value and why.
    lacking: Vec<crate::compare::Lacking>,
}

/// The outcome as runs are marked by it: `NAME`, or for a compare
/// `NAME (B − A)` or, relative, `NAME (B − A)/|A|`.
fn label(outcome: &str, compare: Option<Effect>) -> String {
    match compare {
        None => outcome.to_string(),
        Some(Effect::Difference) => format!("{outcome} (B − A)"),
        Some(Effect::Relative) => format!("{outcome} (B − A)/|A|"),
    }
}

/// The effect a compare's runs are marked by.
fn effect(o: &DiscoverOptions) -> Effect {
    if o.relative {
        Effect::Relative
    } else {
        Effect::Difference
    }
}

/// A finished batch's (or eval's) runs.
fn read_batch(o: &DiscoverOptions) -> Result<Input> {
    if o.condition == Condition::Changed {
        return Err(McError::Invalid(format!(
            "--changed marks a compare's runs where B's value differs from A's; {} is a batch, \
             whose runs are marked by the outcome's own value (--above, --below or --equals)",
            o.dir.display()
        )));
    }
    if o.relative {
        return Err(McError::Invalid(format!(
            "--relative marks runs by a compare's relative change (B − A)/|A|; {} is a \
             batch, whose runs are marked by the outcome's own value",
            o.dir.display()
        )));
    }
    // Not while another process writes DIR. Writing in DIR (the default
    // out), it takes DIR's lock; writing elsewhere, it reads DIR, which
    // may be read-only (then unlocked, as `plot` reads it).
    // The manifest is read first, unlocked, so that a directory holding no
    // batch is refused without a lock file left in it; then again under
    // the lock.
    finished_manifest(&o.dir, Reader::Discover)?;
    let lock = match &o.out {
        None => Some(crate::lock::lock_dir(&o.dir)?),
        Some(_) => crate::lock::lock_dir_to_read(&o.dir)?,
    };
    let manifest = finished_manifest(&o.dir, Reader::Discover)?;
    let table = runs_table(&o.dir, &manifest, Reader::Discover)?;
    Ok(Input {
        table,
        manifest,
        compare: None,
        runs_csv: format!("{}/runs.csv", o.dir.display()),
        protected: ["runs", "scenario"]
            .iter()
            .map(|own| (o.dir.join(own), format!("the batch's {own}/")))
            .collect(),
        notes: Vec::new(),
        _lock: lock,
    })
}

/// A finished compare's runs, paired: the outcome's B − A run by run.
fn read_compare(o: &DiscoverOptions) -> Result<Input> {
    let d = o.dir.display();
    let (a, b) = (o.dir.join("a"), o.dir.join("b"));
    let finished = || -> Result<(crate::Manifest, crate::Manifest)> {
        if !o.dir.join(crate::compare::COMPARE_RECORD).exists() {
            return Err(McError::Invalid(format!(
                "{d}: the compare is not finished (no {}: it was interrupted, or is still \
                 running): run the same `aistack compare` command again to finish it, then \
                 `aistack discover {d}`",
                crate::compare::COMPARE_RECORD
            )));
        }
        Ok((
            finished_manifest(&a, Reader::Discover)?,
            finished_manifest(&b, Reader::Discover)?,
        ))
    };
    // As for a batch: refused unlocked first, then read under the lock
    // of the compare's directory, which a running compare holds.
    finished()?;
    let lock = match &o.out {
        None => Some(crate::lock::lock_dir(&o.dir)?),
        Some(_) => crate::lock::lock_dir_to_read(&o.dir)?,
    };
    let (ma, mb) = finished()?;
    let (ta, tb) = (
        runs_table(&a, &ma, Reader::Discover)?,
        runs_table(&b, &mb, Reader::Discover)?,
    );
    let outcome = &o.outcome;
    let (in_a, in_b) = (
        ta.outcome_names.contains(outcome),
        tb.outcome_names.contains(outcome),
    );
    if in_a != in_b {
        let (has, lacks) = if in_a { ("A", "B") } else { ("B", "A") };
        return Err(McError::Invalid(format!(
            "only {has}'s runs report `{outcome}` ({lacks}'s runs.csv has no such column, e.g. a \
             year past {lacks}'s horizon), so it has no difference B − A: discover in {has}'s \
             batch alone, `aistack discover {d}/{}`",
            has.to_lowercase()
        )));
    }
    if o.relative && o.condition == Condition::Changed {
        return Err(McError::Invalid(
            "--changed marks the runs where B's value differs from A's, whatever the size of the \
             change: give it without --relative"
                .into(),
        ));
    }
    if let Some(codes) = o.categories.and_then(|c| c.of(outcome))
        && o.condition != Condition::Changed
    {
        return Err(McError::Invalid(format!(
            "`{outcome}` is a category ({}): a difference B − A of its codes means nothing; mark \
             the runs where the policy changes its label with --changed, or discover where it \
             takes a label under one scenario, e.g. `aistack discover {d}/b --outcome {outcome} \
             --equals LABEL`",
            labels(codes)
        )));
    }
    let crate::compare::PairedTable {
        table,
        only_a,
        only_b,
        drawn_differently,
        lacking,
    } = crate::compare::paired_table(&ta, &tb, effect(o));
    let mut notes = vec![format!(
        "the outcome is the compare's {}, run by run over the {} runs both batches hold (a \
         difference within {} of the larger value is 0, as in compare.csv)",
        if o.relative {
            "relative change (B − A)/|A|"
        } else {
            "difference B − A"
        },
        table.runs.len(),
        num(crate::compare::ROUNDING_REL)
    )];
    let list = |v: &[String], side: char| {
        v.iter()
            .map(|p| format!("`{}`", crate::compare::side_column(p, side)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (v, side, other) in [(&only_a, 'A', 'B'), (&only_b, 'B', 'A')] {
        if !v.is_empty() {
            notes.push(format!(
                "only {side} draws {} ({other} sets {}): {}, {side}'s draws",
                if v.len() == 1 { "a parameter" } else { "parameters" },
                if v.len() == 1 { "it" } else { "them" },
                list(v, side)
            ));
        }
    }
    if !drawn_differently.is_empty() {
        notes.push(format!(
            "both scenarios draw {} but not the same values in every run (another distribution, \
             or a correlation only one declares), so each side's draws are a column: {}",
            drawn_differently
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", "),
            drawn_differently
                .iter()
                .map(|p| format!(
                    "`{}`/`{}`",
                    crate::compare::side_column(p, 'A'),
                    crate::compare::side_column(p, 'B')
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(Input {
        table,
        manifest: ma,
        runs_csv: format!("{d}/a/runs.csv and {d}/b/runs.csv"),
        protected: vec![
            (a, "the compare's batch a/".to_string()),
            (b, "the compare's batch b/".to_string()),
        ],
        compare: Some(CompareInput {
            b: mb,
            only_a,
            only_b,
            drawn_differently,
            lacking,
        }),
        notes,
        _lock: lock,
    })
}

/// Each run's flag (of interest or not), the rule in words and notes.
///
/// `t` holds the runs (for a compare, its paired table of differences,
/// with `lacking`, why each outcome's blank cells are blank; `None` for a
/// batch); `runs_csv` names where they were read, for messages.
fn mark(
    t: &RunsTable,
    lacking: Option<&[crate::compare::Lacking]>,
    runs_csv: &str,
    o: &DiscoverOptions,
) -> Result<(Vec<bool>, String, Vec<String>)> {
    let label = label(&o.outcome, lacking.map(|_| effect(o)));
    if t.param_names.contains(&o.outcome) {
        return Err(McError::Invalid(format!(
            "`{}` is one of the {}'s sampled parameters, not an outcome: scenario discovery \
             marks runs by an outcome (a column of runs.csv after the parameters) and finds \
             limits on the parameters",
            o.outcome,
            if lacking.is_some() { "compare" } else { "batch" }
        )));
    }
    let Some(column) = t.outcome(&o.outcome) else {
        let near = stack::error::did_you_mean(&o.outcome, t.outcome_names.iter().map(String::as_str))
            .map(|n| format!(" (did you mean `{n}`?)"))
            .unwrap_or_default();
        return Err(McError::Invalid(format!(
            "{} {} no outcome `{}`{near}; its outcomes are the columns after the parameters ({} \
             of them, from `{}`)",
            runs_csv,
            if lacking.is_some() { "have" } else { "has" },
            o.outcome,
            t.outcome_names.len(),
            t.outcome_names.first().map_or("", String::as_str)
        )));
    };
    let codes = o.categories.and_then(|c| c.of(&o.outcome));
    let (test, rule): (Box<dyn Fn(f64) -> bool>, String) = match (&o.condition, codes) {
        // Over a compare the column is B − A (codes are whole numbers, so
        // another label is a difference other than 0); read_batch refuses
        // it for a batch.
        (Condition::Changed, _) => (Box::new(|x| x != 0.0), format!("{} changed (B ≠ A)", o.outcome)),
        (Condition::Above(_) | Condition::Below(_), Some(codes)) => {
            return Err(McError::Invalid(format!(
                "`{}` is a category ({}): a run is of interest when it equals one, with \
                 --equals LABEL; above and below mean nothing for its codes",
                o.outcome,
                labels(codes)
            )));
        }
        (Condition::Above(v), None) => (Box::new(move |x| x > *v), format!("{label} > {}", num(*v))),
        (Condition::Below(v), None) => (Box::new(move |x| x < *v), format!("{label} < {}", num(*v))),
        (Condition::Equals(s), Some(codes)) => {
            let code = codes
                .iter()
                .find(|(c, l)| {
                    // The label, its words before a parenthesis ("none"
                    // for "none (the lab's own target)"), or the code.
                    *l == s.as_str() || l.split(" (").next() == Some(s.as_str()) || s.parse::<i64>() == Ok(*c)
                })
                .ok_or_else(|| {
                    McError::Invalid(format!(
                        "`{s}` is not a category of `{}`: it takes {}",
                        o.outcome,
                        labels(codes)
                    ))
                })?;
            let (c, l) = *code;
            (Box::new(move |x| x == c as f64), format!("{label} = {l}"))
        }
        (Condition::Equals(s), None) => {
            let v: f64 = s.parse().ok().filter(|v: &f64| v.is_finite()).ok_or_else(|| {
                McError::Invalid(format!(
                    "--equals {s}: `{}` is a number, so the value must be a finite number",
                    o.outcome
                ))
            })?;
            (Box::new(move |x| x == v), format!("{label} = {}", num(v)))
        }
    };
    let blanks = column.iter().filter(|v| v.is_none()).count();
    let mut notes = Vec::new();
    if blanks > 0 {
        let of = match lacking {
            None => format!(
                "{blanks} of the {} runs report no `{}` (a blank cell in runs.csv: the outcome \
                 did not happen in the run, such as a threshold never reached)",
                column.len(),
                o.outcome
            ),
            Some(lacking) => {
                let k = t.outcome_names.iter().position(|n| n == &o.outcome);
                let l = k.map(|k| lacking[k]).unwrap_or_default();
                let zero = if l.a_zero > 0 {
                    format!(
                        "; in {} A's value is 0 and B's is not, a change no share of A's value \
                         gives",
                        l.a_zero
                    )
                } else {
                    String::new()
                };
                format!(
                    "{blanks} of the {} paired runs have no {} of `{}`: A's run lacks it in {}, \
                     B's in {} (a blank cell in runs.csv: the outcome did not happen in the \
                     run, such as a threshold never reached){zero}",
                    column.len(),
                    if o.relative {
                        "relative change"
                    } else {
                        "difference"
                    },
                    o.outcome,
                    l.a,
                    l.b
                )
            }
        };
        match o.blank {
            Blank::Refuse => {
                return Err(McError::Invalid(format!(
                    "{of}: say what they count as, --blank case or --blank not-case"
                )));
            }
            Blank::Case => notes.push(format!("{of}; counted as runs of interest (--blank case)")),
            Blank::NotCase => notes.push(format!("{of}; counted as not of interest (--blank not-case)")),
        }
    }
    let flags = column
        .iter()
        .map(|v| match v {
            Some(v) => test(*v),
            None => o.blank == Blank::Case,
        })
        .collect();
    Ok((flags, rule, notes))
}

fn labels(codes: &[(i64, &str)]) -> String {
    codes.iter().map(|(_, l)| *l).collect::<Vec<_>>().join(", ")
}

/// The condition as the default directory names it, from the rule as
/// resolved (`< 1e27` → `below-1e27`; a category's code or label → its
/// label's first words, `= chips` → `equals-chips`), so one condition
/// written two ways gets one directory.
fn condition_words(rule: &str, outcome: &str) -> String {
    let tail = rule.strip_prefix(outcome).unwrap_or(rule).trim_start();
    let mut chars = tail.chars();
    let word = match chars.next() {
        Some('<') => "below",
        Some('>') => "above",
        _ => "equals",
    };
    let value = chars.as_str().trim();
    format!("{word}-{}", value.split(" (").next().unwrap_or(value))
}

/// A file-name-safe form of `s`: letters, digits, `.`, `-` and `_` kept,
/// anything else `_`.
fn stem(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Refuses an output directory holding a batch's files, or a compare's,
/// which this would mix with.
fn refuse_batch_out(out: &Path) -> Result<()> {
    let found = crate::store::batch_outputs_in(out);
    let compare = ["compare.csv", crate::compare::COMPARE_RECORD]
        .into_iter()
        .find(|f| out.join(f).exists());
    let (whose, f) = match (found.first(), compare) {
        (Some(f), _) => ("a batch's", f.to_string()),
        (None, Some(f)) => ("a compare's", f.to_string()),
        (None, None) => return Ok(()),
    };
    Err(McError::Invalid(format!(
        "{}: holds {whose} outputs ({f}): write scenario discovery's tables elsewhere \
         (--out NEW_DIR, or the default DIR/discover/)",
        out.display()
    )))
}

/// Refuses an output directory inside any of `protected` (a batch's run
/// files and its copy of the scenario, `DIR/runs/` and `DIR/scenario/`;
/// a compare's batches `a/` and `b/`), which hold another command's own
/// files; each is named by its words.
fn refuse_inside(protected: &[(PathBuf, String)], out: &Path) -> Result<()> {
    // The deepest existing ancestor of `out`, resolved, against each.
    let mut probe = out.to_path_buf();
    while !probe.exists() {
        if !probe.pop() {
            return Ok(());
        }
    }
    let Ok(at) = probe.canonicalize() else {
        return Ok(());
    };
    for (dir, words) in protected {
        if dir.canonicalize().is_ok_and(|dir| at.starts_with(dir)) {
            return Err(McError::Invalid(format!(
                "{}: inside {words}, which holds its own files: write scenario discovery's \
                 tables elsewhere (--out NEW_DIR, or the default DIR/discover/)",
                out.display()
            )));
        }
    }
    Ok(())
}

/// The files this writes, by name.
/// `discover.json`, the record of the request and the chosen box, is
/// written last.
pub const DISCOVER_FILES: [&str; 5] = [
    "trajectory.csv",
    "limits.csv",
    "box.csv",
    "trajectory.svg",
    "discover.json",
];

/// `discover.json`: what was asked of which batch, by which build, and the
/// chosen box's own numbers (the trajectory's `chosen` row is the box it
/// came from, before any limit was dropped).
#[derive(serde::Serialize)]
struct DiscoverRecord<'a> {
    outcome: &'a str,
    /// A compare's runs marked by (B − A)/|A| rather than B − A.
    relative: bool,
    rule: &'a str,
    blank: &'static str,
    peel: f64,
    min_mass: f64,
    min_coverage: f64,
    max_quasi_p: f64,
    #[serde(rename = "box")]
    pick: Option<usize>,
    resamples: u64,
    seed: u64,
    /// The batch analysed; absent for a compare.
    #[serde(skip_serializing_if = "Option::is_none")]
    batch: Option<BatchRecord<'a>>,
    /// The compare analysed (its outcome B − A); absent for a batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    compare: Option<CompareSides<'a>>,
    total_runs: usize,
    total_cases: usize,
    chosen: ChosenRecord<'a>,
    provenance: crate::manifest::Provenance,
}

#[derive(serde::Serialize)]
struct BatchRecord<'a> {
    dir: String,
    completed_runs: u64,
    scenario_hash: &'a str,
    master_seed: u64,
    design: crate::Design,
}

/// A compare's two batches and how their parameters were paired.
#[derive(serde::Serialize)]
struct CompareSides<'a> {
    dir: String,
    a: BatchRecord<'a>,
    b: BatchRecord<'a>,
    /// Runs both batches hold, the rows discovery separated.
    paired_runs: usize,
    /// Parameters only A draws (columns `path (A)`).
    parameters_only_a: &'a [String],
    /// Parameters only B draws (columns `path (B)`).
    parameters_only_b: &'a [String],
    /// Parameters both draw, differently in some run (two columns).
    parameters_drawn_differently: &'a [String],
}

#[derive(serde::Serialize)]
struct ChosenRecord<'a> {
    from_box: usize,
    runs: usize,
    cases: usize,
    mass: f64,
    coverage: f64,
    density: f64,
    limits: Vec<LimitRecord<'a>>,
    dropped: Vec<LimitRecord<'a>>,
}

#[derive(serde::Serialize)]
struct LimitRecord<'a> {
    parameter: &'a str,
    low: f64,
    high: f64,
    quasi_p: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    resampled_share: Option<f64>,
}

/// The record of the batch in `dir` whose manifest is `m`.
fn batch<'a>(dir: &Path, m: &'a crate::Manifest) -> BatchRecord<'a> {
    BatchRecord {
        dir: dir.display().to_string(),
        completed_runs: m.completed_runs.unwrap_or(0),
        scenario_hash: &m.scenario_hash,
        master_seed: m.master_seed,
        design: m.design,
    }
}

fn write_outputs(out: &Path, r: &DiscoverReport, o: &DiscoverOptions, input: &Input) -> Result<Vec<PathBuf>> {
    // An earlier discovery's tables go first: one that fails half-way
    // leaves fewer files, never this one's beside another's.
    for f in DISCOVER_FILES {
        let p = out.join(f);
        match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(crate::error::io_err(&p)(e));
            }
            _ => {}
        }
    }
    let t = &r.trajectory;
    let names = |b: usize| {
        t.restricted(b)
            .iter()
            .map(|&j| r.params[j].clone())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let path = |f: &str| out.join(f);
    let header = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    write_csv(
        &path(DISCOVER_FILES[0]),
        &header(&[
            "box",
            "runs",
            "cases",
            "mass",
            "coverage",
            "density",
            "max_quasi_p",
            "chosen",
            "restricted",
        ]),
        (0..t.boxes.len()).map(|b| {
            vec![
                b.to_string(),
                t.boxes[b].runs.to_string(),
                t.boxes[b].cases.to_string(),
                num(t.mass(b)),
                num(t.coverage(b)),
                num(t.density(b)),
                // Box 0 has no limit: no value, rather than a 0 that reads
                // as perfect support.
                if b == 0 { String::new() } else { num(r.quasi_p[b]) },
                u8::from(b == r.chosen.from).to_string(),
                names(b),
            ]
        }),
    )?;
    write_csv(
        &path(DISCOVER_FILES[1]),
        &header(&["box", "parameter", "low", "high"]),
        (0..t.boxes.len()).flat_map(|b| {
            t.restricted(b).into_iter().map(move |j| {
                let (lo, hi) = t.boxes[b].limits[j];
                vec![b.to_string(), r.params[j].clone(), num(lo), num(hi)]
            })
        }),
    )?;
    // The kept limits, then the dropped ones (each with its values when
    // it was dropped, its limits those of the trajectory's box).
    let c = &r.chosen;
    let from = &t.boxes[c.from];
    let kept = c.effects.iter().map(|e| (e, c.bx.limits[e.param], 0));
    let dropped = c.dropped.iter().map(|e| (e, from.limits[e.param], 1));
    write_csv(
        &path(DISCOVER_FILES[2]),
        &header(&[
            "parameter",
            "low",
            "high",
            "data_low",
            "data_high",
            "runs_without",
            "cases_without",
            "coverage_without",
            "density_without",
            "quasi_p",
            "resampled_share",
            "dropped",
        ]),
        kept.chain(dropped).map(|(e, (lo, hi), dropped)| {
            let (dlo, dhi) = t.full[e.param];
            vec![
                r.params[e.param].clone(),
                num(lo),
                num(hi),
                num(dlo),
                num(dhi),
                e.runs.to_string(),
                e.cases.to_string(),
                num(ratio(e.cases, t.total_cases)),
                num(ratio(e.cases, e.runs)),
                num(e.quasi_p),
                r.resampled.get(e.param).map_or(String::new(), |&v| num(v)),
                dropped.to_string(),
            ]
        }),
    )?;
    // Coverage falls along the trajectory: drawn left to right, ascending.
    let mut points: Vec<(f64, f64)> = (0..t.boxes.len())
        .map(|b| (t.coverage(b), t.density(b)))
        .collect();
    points.reverse();
    let svg = path(DISCOVER_FILES[3]);
    unit_square_chart(
        &svg,
        &format!("Peeling trajectory: {} ({} runs)", r.rule, t.total_runs),
        "coverage (share of the runs of interest inside the box)",
        "density (share of the box's runs of interest)",
        &[LineSeries {
            label: "boxes, from all runs (right) to the smallest (left)".into(),
            points,
        }],
        &[LineSeries {
            label: if c.dropped.is_empty() {
                format!("box {} (chosen)", c.from)
            } else {
                format!("box {} without its unsupported limits (chosen)", c.from)
            },
            points: vec![(ratio(c.bx.cases, t.total_cases), ratio(c.bx.cases, c.bx.runs))],
        }],
    )?;
    let from_limits = &t.boxes[c.from].limits;
    let limit = |e: &'_ LimitEffect, limits: &[(f64, f64)]| LimitRecord {
        parameter: r.params[e.param].as_str(),
        low: limits[e.param].0,
        high: limits[e.param].1,
        quasi_p: e.quasi_p,
        resampled_share: r.resampled.get(e.param).copied(),
    };
    let record = DiscoverRecord {
        outcome: &o.outcome,
        relative: o.relative,
        rule: &r.rule,
        blank: match o.blank {
            Blank::Refuse => "none blank",
            Blank::Case => "case",
            Blank::NotCase => "not-case",
        },
        peel: o.prim.peel_alpha,
        min_mass: o.prim.min_mass,
        min_coverage: o.min_coverage,
        max_quasi_p: o.max_quasi_p,
        pick: o.pick,
        resamples: o.resamples,
        seed: o.seed,
        batch: input.compare.is_none().then(|| batch(&o.dir, &input.manifest)),
        compare: input.compare.as_ref().map(|c| CompareSides {
            dir: o.dir.display().to_string(),
            a: batch(&o.dir.join("a"), &input.manifest),
            b: batch(&o.dir.join("b"), &c.b),
            paired_runs: input.table.runs.len(),
            parameters_only_a: &c.only_a,
            parameters_only_b: &c.only_b,
            parameters_drawn_differently: &c.drawn_differently,
        }),
        total_runs: t.total_runs,
        total_cases: t.total_cases,
        chosen: ChosenRecord {
            from_box: c.from,
            runs: c.bx.runs,
            cases: c.bx.cases,
            mass: ratio(c.bx.runs, t.total_runs),
            coverage: ratio(c.bx.cases, t.total_cases),
            density: ratio(c.bx.cases, c.bx.runs),
            limits: c.effects.iter().map(|e| limit(e, &c.bx.limits)).collect(),
            dropped: c.dropped.iter().map(|e| limit(e, from_limits)).collect(),
        },
        // A compare's scenarios are its batches' (each manifest names its
        // own); the record's are those of the one batch analysed.
        provenance: match &input.compare {
            None => crate::manifest::Provenance::new(
                &o.invocation,
                input.manifest.scenario_path.clone(),
                input.manifest.scenario_files.clone(),
            ),
            Some(_) => crate::manifest::Provenance::new(&o.invocation, None, Vec::new()),
        },
    };
    crate::store::write_json_record(&path(DISCOVER_FILES[4]), &record)?;
    Ok(DISCOVER_FILES.iter().map(|f| path(f)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reproducible uniform stream (SplitMix64), so the tests need no RNG crate.
    fn uniforms(seed: u64, n: usize) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = s;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                (z >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    }

    fn sample(n: usize, d: usize, seed: u64) -> Vec<Vec<f64>> {
        let u = uniforms(seed, n * d);
        u.chunks(d).map(<[f64]>::to_vec).collect()
    }

    /// `n` runs of five uniform parameters whose runs of interest are those
    /// with x0 > 0.6 and x1 < 0.5, one flag in ten flipped at random.
    fn noisy_known_answer(n: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<bool>) {
        let x = sample(n, 5, seed);
        let flip = uniforms(seed + 1, n);
        let y = x
            .iter()
            .zip(&flip)
            .map(|(r, &u)| (r[0] > 0.6 && r[1] < 0.5) != (u < 0.1))
            .collect();
        (x, y)
    }

    /// The known answer: runs of interest are exactly those in the box
    /// x0 > 0.7, x1 < 0.3 of the unit cube (x2 irrelevant). Peeling finds
    /// that box: the chosen one restricts x0 and x1 only, to within one
    /// cut of the true limits, and is nearly pure and nearly complete.
    #[test]
    fn peeling_finds_the_box_the_runs_of_interest_fill() {
        let x = sample(4000, 3, 1);
        let y: Vec<bool> = x.iter().map(|r| r[0] > 0.7 && r[1] < 0.3).collect();
        let t = prim(&x, &y, &PrimOptions::default()).unwrap();
        let b = t.choose(&x, &y, 0.8, 1.0).from;
        assert_eq!(t.restricted(b), vec![0, 1], "{:?}", t.boxes[b]);
        let (lo0, hi0) = t.boxes[b].limits[0];
        let (lo1, hi1) = t.boxes[b].limits[1];
        assert!((lo0 - 0.7).abs() < 0.03 && hi0 == t.full[0].1, "{lo0} {hi0}");
        assert!((hi1 - 0.3).abs() < 0.03 && lo1 == t.full[1].0, "{lo1} {hi1}");
        assert!(
            t.density(b) > 0.9 && t.coverage(b) > 0.9,
            "{} {}",
            t.density(b),
            t.coverage(b)
        );
    }

    /// Every box lies inside the one before, its counts are those of the
    /// runs within its limits, its mass is at least the minimum, and the
    /// density rises at every step.
    #[test]
    fn every_box_is_counted_right_and_nested() {
        let x = sample(1500, 4, 2);
        let u = uniforms(3, 1500);
        // A noisy relation: interest likelier with high x0 and low x3.
        let y: Vec<bool> = x
            .iter()
            .zip(&u)
            .map(|(r, &u)| u < 0.2 + 0.6 * r[0] * (1.0 - r[3]))
            .collect();
        let o = PrimOptions {
            peel_alpha: 0.1,
            min_mass: 0.1,
        };
        let t = prim(&x, &y, &o).unwrap();
        assert!(t.boxes.len() > 3);
        for (b, bx) in t.boxes.iter().enumerate() {
            let inside: Vec<usize> = (0..x.len())
                .filter(|&r| {
                    x[r].iter()
                        .zip(&bx.limits)
                        .all(|(&v, &(lo, hi))| lo <= v && v <= hi)
                })
                .collect();
            assert_eq!(bx.runs, inside.len(), "box {b}");
            assert_eq!(bx.cases, inside.iter().filter(|&&r| y[r]).count(), "box {b}");
            assert!(bx.runs as f64 >= o.min_mass * x.len() as f64);
            if b > 0 {
                let prev = &t.boxes[b - 1];
                assert!(
                    bx.limits
                        .iter()
                        .zip(&prev.limits)
                        .all(|(a, p)| a.0 >= p.0 && a.1 <= p.1)
                );
                assert!(t.density(b) > t.density(b - 1));
                // One cut takes at most its share of the runs inside.
                assert!(prev.runs - bx.runs <= (o.peel_alpha * prev.runs as f64).floor().max(1.0) as usize);
            }
        }
    }

    /// The order of the runs changes nothing.
    #[test]
    fn the_runs_order_does_not_matter() {
        let x = sample(800, 3, 4);
        let y: Vec<bool> = x.iter().map(|r| r[2] > 0.5 && r[0] < 0.6).collect();
        let t = prim(&x, &y, &PrimOptions::default()).unwrap();
        let mut order: Vec<usize> = (0..x.len()).collect();
        let keys = uniforms(5, x.len());
        order.sort_by(|&a, &b| keys[a].total_cmp(&keys[b]));
        let xs: Vec<Vec<f64>> = order.iter().map(|&r| x[r].clone()).collect();
        let ys: Vec<bool> = order.iter().map(|&r| y[r]).collect();
        assert_eq!(prim(&xs, &ys, &PrimOptions::default()).unwrap(), t);
    }

    /// A parameter of few values is cut between values, never through a
    /// run of equal ones: a two-valued switch that decides interest is
    /// peeled in one cut to its deciding value.
    #[test]
    fn equal_values_are_never_split() {
        let u = uniforms(6, 1000);
        let x: Vec<Vec<f64>> = u
            .iter()
            .enumerate()
            .map(|(i, &v)| vec![(i % 2) as f64, v])
            .collect();
        let y: Vec<bool> = x.iter().map(|r| r[0] == 1.0).collect();
        let t = prim(&x, &y, &PrimOptions::default()).unwrap();
        assert_eq!(t.boxes.len(), 2);
        assert_eq!(t.boxes[1].limits[0], (1.0, 1.0));
        assert_eq!((t.boxes[1].runs, t.boxes[1].cases), (500, 500));
    }

    /// Dropping a limit that matters lets non-cases back in; dropping none
    /// of an irrelevant parameter's is reported, since it is not restricted.
    #[test]
    fn each_limit_is_reported_with_the_box_without_it() {
        let x = sample(3000, 2, 7);
        let y: Vec<bool> = x.iter().map(|r| r[0] > 0.5 && r[1] > 0.5).collect();
        let t = prim(&x, &y, &PrimOptions::default()).unwrap();
        let b = t.choose(&x, &y, 0.8, 1.0).from;
        let effects = t.without_each_limit(&x, &y, b);
        assert_eq!(effects.len(), 2);
        for e in &effects {
            assert!(ratio(e.cases, e.runs) < 0.65 * t.density(b), "{e:?}");
            assert!(e.cases >= t.boxes[b].cases && e.runs > t.boxes[b].runs);
            assert!(e.quasi_p < 1e-6, "{e:?}");
        }
    }

    /// The rule, on the known answer with one label in ten flipped at
    /// random: the deep boxes pick up limits that fit the noise; the chosen
    /// box keeps only supported limits (every quasi-p at most the bound),
    /// and they are the two that decide. Its counts, and each drop-one
    /// count, are those of the runs themselves.
    #[test]
    fn the_chosen_box_keeps_only_supported_limits() {
        let (x, y) = noisy_known_answer(3000, 8);
        let t = prim(&x, &y, &PrimOptions::default()).unwrap();
        let c = t.choose(&x, &y, 0.5, 0.05);
        let restricted: Vec<usize> = c.effects.iter().map(|e| e.param).collect();
        assert_eq!(restricted, vec![0, 1], "{c:?}");
        assert!(c.effects.iter().all(|e| e.quasi_p <= 0.05), "{c:?}");
        let inside = |limits: &[(f64, f64)], skip: Option<usize>| {
            let rows: Vec<usize> = (0..x.len())
                .filter(|&r| {
                    x[r].iter()
                        .zip(limits)
                        .enumerate()
                        .all(|(j, (&v, &(lo, hi)))| Some(j) == skip || (lo <= v && v <= hi))
                })
                .collect();
            (rows.len(), rows.iter().filter(|&&r| y[r]).count())
        };
        assert_eq!((c.bx.runs, c.bx.cases), inside(&c.bx.limits, None));
        for e in &c.effects {
            assert_eq!((e.runs, e.cases), inside(&c.bx.limits, Some(e.param)));
        }
        // Every box of the trajectory, pruned, keeps supported limits only.
        for b in 0..t.boxes.len() {
            let p = t.pruned(&x, &y, b, 0.05);
            assert!(p.effects.iter().all(|e| e.quasi_p <= 0.05));
            assert_eq!(p.effects.len() + p.dropped.len(), t.restricted(b).len());
        }
        // With no bound, nothing is dropped: the box is the trajectory's.
        let raw = t.choose(&x, &y, 0.5, 1.0);
        assert!(raw.dropped.is_empty());
        assert_eq!(raw.bx, t.boxes[raw.from]);
    }

    /// On resamples of the noisy known answer, the two deciding parameters
    /// are limited almost every time and the three irrelevant ones seldom;
    /// the shares are the same on one thread as on several.
    #[test]
    fn resampled_boxes_find_the_deciding_limits_again() {
        let (x, y) = noisy_known_answer(1500, 10);
        let o = PrimOptions::default();
        let shares = resampled_shares(&x, &y, &o, 0.5, 0.05, 40, 3).unwrap();
        assert!(shares[0] >= 0.9 && shares[1] >= 0.9, "{shares:?}");
        assert!(shares[2..].iter().all(|&v| v <= 0.3), "{shares:?}");
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let alone = one.install(|| resampled_shares(&x, &y, &o, 0.5, 0.05, 40, 3).unwrap());
        assert_eq!(alone, shares);
        assert_eq!(
            resampled_shares(&x, &y, &o, 0.5, 0.05, 0, 3).unwrap(),
            vec![0.0; 5]
        );
    }

    /// The request "`year` above `v`" of directory `dir`, blanks counted as `blank`.
    fn year_above(dir: &str, v: f64, blank: Blank) -> DiscoverOptions {
        DiscoverOptions {
            dir: PathBuf::from(dir),
            outcome: "year".into(),
            relative: false,
            condition: Condition::Above(v),
            blank,
            prim: PrimOptions::default(),
            min_coverage: 0.5,
            max_quasi_p: 0.05,
            pick: None,
            out: None,
            categories: None,
            resamples: 0,
            seed: 0,
            invocation: crate::Invocation::default(),
        }
    }

    /// A run without the outcome (a blank cell) counts as `--blank` says,
    /// and without `--blank` the request is refused with how many lack it;
    /// the condition compares the others.
    #[test]
    fn blank_outcomes_count_as_told() {
        let t = RunsTable {
            runs: vec![0, 1, 2, 3],
            seeds: vec![0; 4],
            param_names: vec!["p".into()],
            params: vec![vec![0.1], vec![0.2], vec![0.3], vec![0.4]],
            outcome_names: vec!["year".into()],
            outcomes: vec![vec![Some(2028.0)], vec![None], vec![Some(2031.0)], vec![None]],
        };
        let o = |blank| year_above("B", 2030.0, blank);
        let err = mark(&t, None, "B/runs.csv", &o(Blank::Refuse))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("2 of the 4 runs report no `year`") && err.contains("--blank"),
            "{err}"
        );
        let (flags, rule, notes) = mark(&t, None, "B/runs.csv", &o(Blank::Case)).unwrap();
        assert_eq!(flags, [false, true, true, true]);
        assert_eq!(rule, "year > 2030.0");
        assert!(notes[0].contains("counted as runs of interest"));
        let (flags, _, _) = mark(&t, None, "B/runs.csv", &o(Blank::NotCase)).unwrap();
        assert_eq!(flags, [false, false, true, false]);
    }

    /// Over a compare, runs are marked by B − A, the rule says so, and a
    /// run whose difference is blank is counted per side that lacks it.
    #[test]
    fn a_compare_marks_runs_by_the_difference() {
        let side = |years: [Option<f64>; 3]| RunsTable {
            runs: vec![0, 1, 2],
            seeds: vec![0; 3],
            param_names: vec!["p".into()],
            params: vec![vec![0.1], vec![0.2], vec![0.3]],
            outcome_names: vec!["year".into()],
            outcomes: years.iter().map(|&y| vec![y]).collect(),
        };
        let a = side([Some(2030.0), Some(2030.0), None]);
        let b = side([Some(2030.0), Some(2033.0), Some(2031.0)]);
        let paired = crate::compare::paired_table(&a, &b, Effect::Difference);
        let o = |blank| year_above("C", 1.0, blank);
        let err = mark(
            &paired.table,
            Some(&paired.lacking),
            "C/a, C/b",
            &o(Blank::Refuse),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains(
                "1 of the 3 paired runs have no difference of `year`: A's run lacks it in 1, B's in 0"
            ),
            "{err}"
        );
        let (flags, rule, _) = mark(
            &paired.table,
            Some(&paired.lacking),
            "C/a, C/b",
            &o(Blank::NotCase),
        )
        .unwrap();
        assert_eq!(flags, [false, true, false]);
        assert_eq!(rule, "year (B − A) > 1.0");
        assert_eq!(
            condition_words(&rule, &label("year", Some(Effect::Difference))),
            "above-1.0"
        );
    }

    /// Known binomial tails: Bin(10, ½) P(X ≥ 8) = 56/1024; P(X ≥ n) = pⁿ;
    /// the edges; and a tail whose first terms would underflow alone.
    #[test]
    fn binomial_tails_are_known_answers() {
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.max(1e-300);
        assert!(close(binomial_upper_tail(10, 8, 0.5), 56.0 / 1024.0));
        assert!(close(
            binomial_upper_tail(20, 20, 0.3),
            scheduler::math::powi(0.3, 20)
        ));
        assert_eq!(binomial_upper_tail(5, 0, 0.2), 1.0);
        assert_eq!(binomial_upper_tail(5, 6, 0.2), 0.0);
        assert_eq!(binomial_upper_tail(5, 1, 0.0), 0.0);
        assert_eq!(binomial_upper_tail(5, 1, 1.0), 1.0);
        // Bin(20000, 0.5) P(X ≥ 1): 1 − 2^−20000, though each early term is
        // far below the smallest double (to about 1e-9: the sum of 20,000
        // logarithms rounds).
        assert!((binomial_upper_tail(20_000, 1, 0.5) - 1.0).abs() < 1e-8);
        // Symmetry about the mean: P(X ≥ 5001) + P(X ≥ 5000) = 1 for Bin(10000, ½).
        let s = binomial_upper_tail(10_000, 5001, 0.5) + binomial_upper_tail(10_000, 5000, 0.5);
        assert!((s - 1.0).abs() < 1e-9, "{s}");
    }

    #[test]
    fn bad_input_is_refused_not_panicked_on() {
        let o = PrimOptions::default();
        assert!(prim(&[], &[], &o).is_err());
        assert!(prim(&[vec![1.0]], &[true, false], &o).is_err());
        assert!(prim(&[vec![1.0], vec![]], &[true, false], &o).is_err());
        assert!(prim(&[vec![f64::NAN], vec![1.0]], &[true, false], &o).is_err());
        for (a, m) in [
            (0.0, 0.05),
            (0.5, 0.05),
            (0.05, 0.0),
            (0.05, 1.0),
            (f64::NAN, 0.05),
        ] {
            let o = PrimOptions {
                peel_alpha: a,
                min_mass: m,
            };
            assert!(prim(&[vec![1.0], vec![2.0]], &[true, false], &o).is_err());
        }
        // One run, or all alike: a trajectory of the one box.
        let t = prim(&[vec![1.0], vec![1.0]], &[true, false], &o).unwrap();
        assert_eq!(t.boxes.len(), 1);
    }
}
