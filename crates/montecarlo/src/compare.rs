//! `aistack compare A B`: two models run with the same run seeds and the same
//! parameter draws for shared paths (common random numbers), then each
//! outcome's mean difference B − A with a 95% confidence interval, and how much
//! pairing narrowed it compared with independent runs.
//!
//! With dᵢ = bᵢ − aᵢ over the n runs where both report the outcome:
//! half-width (CRN) = t₀.₉₇₅(n − 1)·sd(d)/√n (Student's t, [`t95`]);
//! half-width (independent) = t₀.₉₇₅(2n − 2)·√((var(a) + var(b))/n), the
//! interval two independent batches of n runs would give; narrowing =
//! 1 − CRN/independent. A difference within [`ROUNDING_REL`] of the larger
//! value is floating-point rounding and counts as 0, and so does a spread
//! (an sd of A, of B, or of the differences) within it of the values. An outcome with fewer than two paired runs has no
//! interval (NaN, an empty cell in `compare.csv`); a comparison of fewer than
//! two runs is refused.
//!
//! A difference that is 0 in every paired run (after the rounding rule) gets
//! the interval [0, 0], which is what those runs saw, not knowledge that the
//! policy never moves the outcome: a policy that changes it in one run in 50
//! leaves all 20 differences at 0 in two seeds of three. Its narrowing is n/a
//! and [`zero_difference_notes`] gives what the runs do bound, the rule of
//! three (up to ≈ 3/n of runs could still differ, 95 %), as `batch` does for
//! an outcome with one value. `runs_differing` counts the runs whose
//! difference is not 0: the paired t interval assumes a near-normal mean
//! difference, which a difference that is 0 in most runs and large in a few
//! is not at tens of runs (it then covers well under 95 %,
//! docs/montecarlo.md, Comparing two scenarios).
//!
//! An outcome only some runs report (a threshold year, a frontier gap) is
//! compared over the runs where both sides report it, and the policy's
//! effect on whether it is reported at all is a row's own numbers: `n_a`
//! and `n_b`, the runs reporting it under each side, and the paired
//! difference of those shares, B − A, with Newcombe's interval for paired
//! proportions ([`paired_share_difference`]).

use crate::outputs::{Categories, RunsTable, num, write_csv};

/// A number, or an empty cell when it is undefined (NaN).
fn cell(v: f64) -> String {
    if v.is_nan() { String::new() } else { num(v) }
}
use crate::McError;
use crate::manifest::Manifest;
use crate::runner::{BatchOptions, BatchReport, Progress, run_batch};
use crate::stats::{Welford, Z95, t95};
use crate::{Model, ParamSpec, RankCorrelation, Result};
use scheduler::math;
use std::path::{Path, PathBuf};

/// Options of `aistack compare`: the two batches share everything but the model.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareOptions {
    /// Output directory: `a/` and `b/` batch directories and `compare.csv`.
    pub out: PathBuf,
    /// Batch options applied to both (its `out` is ignored).
    pub batch: BatchOptions,
    /// Warnings the caller gives about this comparison, which the library
    /// cannot see from the models (the `aistack` binary's: A and B cover
    /// different periods): written to `compare.json` with the notes, so
    /// they are kept with the results, not only shown on a terminal.
    pub warnings: Vec<String>,
}

/// `compare.json`: what a compare said about its results besides the
/// numbers of `compare.csv`, kept beside them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CompareRecord {
    /// The caller's warnings ([`CompareOptions::warnings`]), e.g. that A and
    /// B cover different periods.
    pub warnings: Vec<String>,
    /// The notes on the results, as the console gives them:
    /// [`CompareReport::notes`], then (unless A and B are identical)
    /// [`zero_difference_notes`], [`few_differing_note`] and
    /// [`one_sign_note`].
    pub notes: Vec<String>,
}

/// The file [`CompareRecord`] is written to in a compare's directory.
pub const COMPARE_RECORD: &str = "compare.json";

/// The difference B − A of one outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct OutcomeDifference {
    /// Outcome name.
    pub outcome: String,
    /// Runs where both report it: `mean_a`, `mean_b` and the difference
    /// with its interval are over these.
    pub n: u64,
    /// Mean under A (outcome unit) over the `n` paired runs; A's batch
    /// mean (`a/summary.json`) is over its `n_a` runs, and differs from
    /// this where B lacks the outcome in some of them.
    pub mean_a: f64,
    /// Mean under B over the `n` paired runs.
    pub mean_b: f64,
    /// Mean of paired differences B − A.
    pub mean_diff: f64,
    /// Paired runs whose difference is not 0 after the rounding rule
    /// ([`ROUNDING_REL`]): few of `n` means a skewed difference, whose t
    /// interval covers less than 95 % at tens of runs; none means the
    /// interval [0, 0] is only what those runs saw
    /// ([`OutcomeDifference::unseen_share_95`]).
    pub runs_differing: u64,
    /// Lower end of its 95% confidence interval (NaN when n < 2).
    pub ci95_low: f64,
    /// Upper end of its 95% confidence interval.
    pub ci95_high: f64,
    /// 95% half-width with common random numbers.
    pub half_width_crn: f64,
    /// 95% half-width independent runs would give (from the two marginal variances).
    pub half_width_independent: f64,
    /// 1 − half_width_crn / half_width_independent; NaN when n < 2, when
    /// the outcome is constant (up to rounding) under A or under B (there
    /// is nothing pairing can narrow: with both constant "0 %" would read
    /// as "common random numbers did not help", with one the ratio is only
    /// that of the two intervals' t quantiles, about −1 %), or when the
    /// difference was 0 in every run (`runs_differing` 0: "100 %" would
    /// read as an effect known to be nil).
    pub narrowing: f64,
    /// Paired runs whose difference is positive (B above A), after the
    /// rounding rule; with `runs_down`, the direction of the effect, which
    /// a mean dominated by a few large differences may not show.
    pub runs_up: u64,
    /// Paired runs whose difference is negative.
    pub runs_down: u64,
    /// Runs of A's batch that report the outcome (its `n` in
    /// `a/summary.json`); for a category's row, the runs reporting the
    /// category outcome at all.
    pub n_a: u64,
    /// Runs of B's batch that report it.
    pub n_b: u64,
    /// Share of the runs (held by both batches) reporting the outcome under
    /// B minus that under A: the policy's effect on whether the outcome
    /// exists (0 for an outcome every run reports). NaN without runs.
    pub reported_share_diff: f64,
    /// Lower end of its 95 % interval ([`paired_share_difference`]).
    pub reported_share_ci95_low: f64,
    /// Upper end of its 95 % interval.
    pub reported_share_ci95_high: f64,
}

impl OutcomeDifference {
    /// When the difference was 0 in all n ≥ 2 paired runs, the one-sided
    /// 95 % upper bound on the share of runs in which it is not:
    /// 1 − 0.05^(1/n) ≈ 3/n, the rule of three ([`Welford::unseen_share_95`]
    /// for a batch's constant outcome). `None` otherwise.
    pub fn unseen_share_95(&self) -> Option<f64> {
        (self.n >= 2 && self.runs_differing == 0).then(|| 1.0 - math::powf(0.05f64, 1.0 / self.n as f64))
    }
}

/// Most outcomes a [`zero_difference_notes`] or [`few_differing_note`] note names; the rest are
/// counted (a compare of a whole scenario can have a hundred such rows,
/// each marked by its `runs_differing` of 0).
pub const ZERO_DIFFERENCE_NAMED_MAX: usize = 5;

/// One note per run count for the outcomes whose difference was 0 in every
/// paired run ([`OutcomeDifference::unseen_share_95`]), naming them (the
/// first [`ZERO_DIFFERENCE_NAMED_MAX`], then a count): their interval
/// [0, 0] says what the runs saw, and up to ≈ 3/n of runs could still
/// differ. Empty when every outcome's difference varied somewhere.
pub fn zero_difference_notes(differences: &[OutcomeDifference]) -> Vec<String> {
    let zero: Vec<&OutcomeDifference> = differences
        .iter()
        .filter(|d| d.unseen_share_95().is_some())
        .collect();
    let mut counts: Vec<u64> = zero.iter().map(|d| d.n).collect();
    counts.sort_unstable();
    counts.dedup();
    counts
        .into_iter()
        .map(|n| {
            let group: Vec<&str> = zero
                .iter()
                .filter(|d| d.n == n)
                .map(|d| d.outcome.as_str())
                .collect();
            let share = 1.0 - math::powf(0.05f64, 1.0 / n as f64);
            let named = name_some(&group, "runs_differing 0 in compare.csv");
            format!(
                "the difference B − A of {} outcome{} was 0 in all {n} paired runs, so {} interval \
                 [0, 0] is what these runs saw, not that the policy leaves {} unchanged: up to \
                 {:.2} % of runs could still differ (95 % bound, the rule of three ≈ 3/n; more \
                 runs narrow it): {named}",
                group.len(),
                if group.len() == 1 { "" } else { "s" },
                if group.len() == 1 { "its" } else { "their" },
                if group.len() == 1 { "it" } else { "them" },
                100.0 * share,
            )
        })
        .collect()
}

/// Fewer differing runs than this, out of more, make a difference "rare"
/// for [`few_differing_note`]: its t interval rests on a handful of
/// non-zero values among zeros, the case where the audit of the twenty-third
/// session measured 48–61 % coverage at 20 runs.
pub const FEW_DIFFERING_RUNS: u64 = 10;

/// A note naming the outcomes whose difference B − A was non-zero in some
/// runs but fewer than [`FEW_DIFFERING_RUNS`] of their `n` (each with its
/// count, the first [`ZERO_DIFFERENCE_NAMED_MAX`], then a count of the
/// rest): a t interval over a few non-zero differences among zeros covers
/// well under 95 %, so such a row asks for more runs. `None` when there is
/// no such outcome.
pub fn few_differing_note(differences: &[OutcomeDifference]) -> Option<String> {
    let rare: Vec<&OutcomeDifference> = differences
        .iter()
        .filter(|d| d.runs_differing > 0 && d.runs_differing < FEW_DIFFERING_RUNS.min(d.n))
        .collect();
    if rare.is_empty() {
        return None;
    }
    let named: Vec<String> = rare
        .iter()
        .map(|d| format!("{} ({} of {})", d.outcome, d.runs_differing, d.n))
        .collect();
    Some(format!(
        "the difference B − A of {} outcome{} was non-zero in fewer than {FEW_DIFFERING_RUNS} of \
         the paired runs, so {} interval rests on a few values among zeros and can cover well \
         under 95 % (48–61 % at 20 runs for such outcomes of china-2025: docs/montecarlo.md, \
         Comparing two scenarios); more runs make it trustworthy: {}",
        rare.len(),
        if rare.len() == 1 { "" } else { "s" },
        if rare.len() == 1 { "its" } else { "each" },
        name_some(&named, "see runs_differing in compare.csv"),
    ))
}

/// A note naming the outcomes whose difference B − A had one sign in every
/// paired run where it was not 0 (at least [`FEW_DIFFERING_RUNS`] such
/// runs) while the mean's 95 % interval covers 0: a few runs' large
/// differences make the mean uncertain, not the direction (audit s33-econ
/// F2: `training.best_effective_flop` rose in 76 of 100 runs and fell in
/// none, one run's rise of 1.4e36 widening the interval past 0). A sign
/// test bounds the chance of so many runs of one sign were B as likely
/// above A as below: 2·½ᵏ for k runs. `None` when there is no such outcome.
pub fn one_sign_note(differences: &[OutcomeDifference]) -> Option<String> {
    let one_sign: Vec<&OutcomeDifference> = differences
        .iter()
        .filter(|d| {
            let k = d.runs_up + d.runs_down;
            (d.runs_up == 0) != (d.runs_down == 0)
                && k >= FEW_DIFFERING_RUNS
                && d.half_width_crn > 0.0
                && d.ci95_low <= 0.0
                && d.ci95_high >= 0.0
        })
        .collect();
    if one_sign.is_empty() {
        return None;
    }
    let fewest = one_sign
        .iter()
        .map(|d| d.runs_up + d.runs_down)
        .min()
        .unwrap_or(FEW_DIFFERING_RUNS);
    // 2·½ᵏ = ½^(k − 1), for the fewest runs of one sign named.
    let p = math::powi(0.5, (fewest - 1).min(i32::MAX as u64) as i32);
    let named: Vec<String> = one_sign
        .iter()
        .map(|d| {
            let (dir, k) = if d.runs_up > 0 {
                ("up", d.runs_up)
            } else {
                ("down", d.runs_down)
            };
            format!("{} ({k} of {} {dir}, none the other way)", d.outcome, d.n)
        })
        .collect();
    Some(format!(
        "the difference B − A of {} outcome{} had one sign in every paired run where it was not \
         0, yet {} mean's 95 % interval covers 0: a few runs' large differences make the mean \
         uncertain, not the direction (were B as likely above A as below, so many runs of one \
         sign would have a chance of at most {}, a two-sided sign test); for an outcome spanning \
         orders of magnitude compare its logarithm, or the runs it rises and falls in (runs_up, \
         runs_down in compare.csv): {}",
        one_sign.len(),
        if one_sign.len() == 1 { "" } else { "s" },
        if one_sign.len() == 1 { "its" } else { "each" },
        if p >= 1e-3 {
            format!("{p:.3}")
        } else {
            format!("{p:.0e}")
        },
        name_some(&named, "see runs_up and runs_down in compare.csv"),
    ))
}

/// The first [`ZERO_DIFFERENCE_NAMED_MAX`] of `names`, then "and N more
/// (`where`)" for the rest.
fn name_some<S: AsRef<str>>(names: &[S], rest: &str) -> String {
    let shown = names.len().min(ZERO_DIFFERENCE_NAMED_MAX);
    let mut s = names[..shown]
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<&str>>()
        .join(", ");
    if names.len() > shown {
        s.push_str(&format!(" and {} more ({rest})", names.len() - shown));
    }
    s
}

/// What `compare` produced.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareReport {
    /// Batch of A.
    pub a: BatchReport,
    /// Batch of B.
    pub b: BatchReport,
    /// One row per outcome, in A's outcome order, then those only B's
    /// runs report ([`compare_tables`]): an outcome one side never reports
    /// has `n` 0 and no mean, only the counts and the share difference.
    pub differences: Vec<OutcomeDifference>,
    /// Outcomes only A's runs report (no difference of means can be taken;
    /// their rows in [`CompareReport::differences`] have `n` 0), in A's
    /// order: e.g. `…_year_2035` when A's horizon is longer than B's.
    pub only_in_a: Vec<String>,
    /// Outcomes only B's runs report, in B's order.
    pub only_in_b: Vec<String>,
    /// Parameters both scenarios draw from the same distribution whose
    /// draws nevertheless differ in some runs ([`unpaired_parameters`]), in
    /// A's order; empty when the comparison is paired on every shared
    /// parameter.
    pub unpaired: Vec<UnpairedParameter>,
    /// What the caller should tell the user: a note naming the
    /// [`CompareReport::unpaired`] parameters and why, when there are any,
    /// and one when A and B are identical.
    pub notes: Vec<String>,
    /// A and B are the same model (the same scenario hash): every
    /// difference is 0 by construction, so [`zero_difference_notes`] and
    /// [`few_differing_note`], which read zeros as evidence about a
    /// policy, say nothing true and are not to be given.
    pub identical: bool,
}

/// A parameter both scenarios of a compare draw from the same distribution
/// whose value differs between A and B in some paired runs, so those runs
/// are not paired on it.
#[derive(Clone, Debug, PartialEq)]
pub struct UnpairedParameter {
    /// The parameter's path.
    pub path: String,
    /// Runs (held by both batches) where A's and B's values differ.
    pub runs_differing: u64,
    /// Runs held by both batches.
    pub runs: u64,
}

/// Relative difference under which two draws of a parameter count as the
/// same draw ([`unpaired_parameters`]): far above the round-off of the
/// copula's transforms, far below any re-mixed draw.
pub const PAIRED_REL_TOL: f64 = 1e-9;

/// The parameters both `pa` and `pb` declare with the same distribution
/// whose values in the runs tables `ta` (A's) and `tb` (B's) differ (by
/// more than [`PAIRED_REL_TOL`], relative) in at least one run both hold
/// (rows paired by run index), in `pa`'s order.
///
/// Streams are keyed by path, so a shared parameter draws the same value
/// on both sides unless a declared rank correlation mixes it with others:
/// the Monte Carlo copula's Cholesky factor runs over the correlated
/// parameters in model order, so a correlation one side declares (with a
/// parameter only it draws, or between shared ones) can re-mix the shared
/// parameters' draws (audit s20-econ #1), and a Latin hypercube re-pairs
/// the strata of all correlated parameters. This finds every such case
/// from the draws themselves.
pub fn unpaired_parameters(
    pa: &[ParamSpec],
    pb: &[ParamSpec],
    ta: &RunsTable,
    tb: &RunsTable,
) -> Vec<UnpairedParameter> {
    let pairs = paired_rows(ta, tb);
    let column = |t: &RunsTable, path: &str| t.param_names.iter().position(|n| n == path);
    let mut out = Vec::new();
    for p in pa {
        if !pb.iter().any(|q| q.path == p.path && q.dist == p.dist) {
            continue;
        }
        let (Some(ja), Some(jb)) = (column(ta, &p.path), column(tb, &p.path)) else {
            continue;
        };
        let differing = pairs
            .iter()
            .filter(|&&(i, j)| !same_draw(ta.params[i][ja], tb.params[j][jb]))
            .count() as u64;
        if differing > 0 {
            out.push(UnpairedParameter {
                path: p.path.clone(),
                runs_differing: differing,
                runs: pairs.len() as u64,
            });
        }
    }
    out
}

/// The rows `(i, j)` of the runs both `a` and `b` hold (`a.runs[i] ==
/// b.runs[j]`), in `a`'s order: how a compare pairs its runs.
fn paired_rows(a: &RunsTable, b: &RunsTable) -> Vec<(usize, usize)> {
    let b_row: std::collections::HashMap<u64, usize> =
        b.runs.iter().enumerate().map(|(j, &r)| (r, j)).collect();
    a.runs
        .iter()
        .enumerate()
        .filter_map(|(i, r)| b_row.get(r).map(|&j| (i, j)))
        .collect()
}

/// Whether A's draw `x` and B's `y` of a parameter are the same draw up
/// to round-off ([`PAIRED_REL_TOL`]): a parameter a correlation makes a
/// copula member for the first time passes through the normal quantile
/// and back (≈ 1e-11 relative); a re-mixed draw differs in its leading
/// digits.
fn same_draw(x: f64, y: f64) -> bool {
    x == y || (x - y).abs() <= PAIRED_REL_TOL * x.abs().max(y.abs())
}

/// The note `compare` gives for `unpaired` parameters (`None` when there
/// are none), naming the correlations one side declares and the other
/// does not: `ca` (A's) and `cb` (B's).
pub fn unpaired_note(
    unpaired: &[UnpairedParameter],
    ca: &[RankCorrelation],
    cb: &[RankCorrelation],
) -> Option<String> {
    if unpaired.is_empty() {
        return None;
    }
    let list = unpaired
        .iter()
        .map(|u| format!("{} ({} of {} runs)", u.path, u.runs_differing, u.runs))
        .collect::<Vec<_>>()
        .join(", ");
    let same = |x: &RankCorrelation, y: &RankCorrelation| {
        x.rho == y.rho && ((x.a == y.a && x.b == y.b) || (x.a == y.b && x.b == y.a))
    };
    let only = |x: &[RankCorrelation], y: &[RankCorrelation]| -> Vec<String> {
        x.iter()
            .filter(|c| !y.iter().any(|d| same(c, d)))
            .map(|c| format!("{} ~ {} (rho {})", c.a, c.b, c.rho))
            .collect()
    };
    let (only_a, only_b) = (only(ca, cb), only(cb, ca));
    let mut why = Vec::new();
    if !only_b.is_empty() {
        why.push(format!("B declares {} and A does not", only_b.join(", ")));
    }
    if !only_a.is_empty() {
        why.push(format!("A declares {} and B does not", only_a.join(", ")));
    }
    let n = unpaired.len();
    Some(format!(
        "{} both scenarios draw from the same distribution {} different values under A and B, so \
         the comparison is not paired on {}: {list}. The correlated parameters are drawn together, \
         and {} re-mixes their draws. The intervals stay valid, but they are wider than common \
         random numbers would give, and each difference includes the effect of the different \
         draws, not only of the scenarios' other changes (docs/montecarlo.md, Comparing two \
         scenarios).",
        if n == 1 { "A parameter" } else { "Parameters" },
        if n == 1 { "has" } else { "have" },
        if n == 1 { "it" } else { "them" },
        if why.is_empty() {
            "the rank correlations of the two scenarios' parameters".to_string()
        } else {
            format!("a correlation only one scenario declares ({})", why.join("; "))
        }
    ))
}

/// Whether `dir` holds a compare's output (`aistack compare`): its batch
/// `a/` beside `compare.csv` or `compare.json`, finished or not.
pub fn is_compare_dir(dir: &Path) -> bool {
    dir.join("a").is_dir() && (dir.join("compare.csv").exists() || dir.join(COMPARE_RECORD).exists())
}

/// A compare's runs as one table ([`paired_table`]), for analyses of the
/// effect B − A run by run (scenario discovery).
#[derive(Clone, Debug, PartialEq)]
pub struct PairedTable {
    /// The runs both batches hold (paired by run index, in A's order, with
    /// A's seeds); each outcome both sides report, its value B − A
    /// (within [`ROUNDING_REL`] of the larger value: 0, as in
    /// `compare.csv`), blank where either side lacks it; the parameters as
    /// [`paired_table`] names them.
    pub table: RunsTable,
    /// Parameters only A draws (B sets them), each a column `path (A)`.
    pub only_a: Vec<String>,
    /// Parameters only B draws, each a column `path (B)`.
    pub only_b: Vec<String>,
    /// Parameters both draw whose draws differ in some paired run
    /// ([`unpaired_parameters`]), each two columns, `path (A)` and
    /// `path (B)`.
    pub drawn_differently: Vec<String>,
    /// For each outcome of `table`, the paired runs without a value and why.
    pub lacking: Vec<Lacking>,
}

/// The paired runs of a [`PairedTable`] without a value of one outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lacking {
    /// Runs where A's run lacks the outcome.
    pub a: usize,
    /// Runs where B's run lacks it.
    pub b: usize,
    /// Runs where both have it, A's value is 0 and B's is not, so a
    /// [relative](Effect::Relative) change has no value.
    pub a_zero: usize,
}

/// How a [`PairedTable`] gives an outcome's effect in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// B − A, in the outcome's units.
    Difference,
    /// (B − A) / |A|: the change as a share of A's value (−0.2: B is 20 %
    /// below A). 0 where the difference is 0, blank where A's value is 0
    /// and B's is not.
    Relative,
}

/// The column of one side's own draws of a parameter in a [`PairedTable`].
pub fn side_column(path: &str, side: char) -> String {
    format!("{path} ({side})")
}

/// Pairs A's runs table `ta` with B's `tb`, run by run (rows with the same
/// run index; runs only one side holds are left out), each outcome's value
/// its `effect`.
///
/// A parameter both sides draw the same in every paired run (within
/// [`PAIRED_REL_TOL`]: streams are keyed by path, so a shared parameter
/// draws the same value unless a correlation re-mixes it) is one column,
/// named by its path. One that only one side draws, or that both draw but
/// differently in some run (another distribution, or a correlation only
/// one side declares), is a column per side that draws it,
/// [`side_column`]: `path (A)`, `path (B)`. Order: A's parameters (each
/// `(A)` column followed by its `(B)` one), then those only B draws.
pub fn paired_table(ta: &RunsTable, tb: &RunsTable, effect: Effect) -> PairedTable {
    let pairs = paired_rows(ta, tb);
    // Each column: its name and where its values come from (side, index).
    let mut columns: Vec<(String, bool, usize)> = Vec::new();
    let (mut only_a, mut only_b, mut drawn_differently) = (Vec::new(), Vec::new(), Vec::new());
    for (ja, name) in ta.param_names.iter().enumerate() {
        match tb.param_names.iter().position(|n| n == name) {
            Some(jb) => {
                let same = pairs
                    .iter()
                    .all(|&(i, j)| same_draw(ta.params[i][ja], tb.params[j][jb]));
                if same {
                    columns.push((name.clone(), false, ja));
                } else {
                    drawn_differently.push(name.clone());
                    columns.push((side_column(name, 'A'), false, ja));
                    columns.push((side_column(name, 'B'), true, jb));
                }
            }
            None => {
                only_a.push(name.clone());
                columns.push((side_column(name, 'A'), false, ja));
            }
        }
    }
    for (jb, name) in tb.param_names.iter().enumerate() {
        if !ta.param_names.contains(name) {
            only_b.push(name.clone());
            columns.push((side_column(name, 'B'), true, jb));
        }
    }
    let outcomes: Vec<(usize, usize)> = ta
        .outcome_names
        .iter()
        .enumerate()
        .filter_map(|(ka, n)| tb.outcome_names.iter().position(|m| m == n).map(|kb| (ka, kb)))
        .collect();
    let cell = |row: &[Option<f64>], k: usize| row.get(k).copied().flatten();
    let mut lacking = vec![Lacking::default(); outcomes.len()];
    let rows: Vec<Vec<Option<f64>>> = pairs
        .iter()
        .map(|&(i, j)| {
            outcomes
                .iter()
                .zip(&mut lacking)
                .map(|(&(ka, kb), lack)| {
                    let (x, y) = (cell(&ta.outcomes[i], ka), cell(&tb.outcomes[j], kb));
                    lack.a += usize::from(x.is_none());
                    lack.b += usize::from(y.is_none());
                    let d = paired_difference(x?, y?);
                    match effect {
                        Effect::Difference => Some(d),
                        Effect::Relative if d == 0.0 => Some(0.0),
                        Effect::Relative if x? == 0.0 => {
                            lack.a_zero += 1;
                            None
                        }
                        Effect::Relative => Some(d / x?.abs()),
                    }
                })
                .collect()
        })
        .collect();
    let table = RunsTable {
        runs: pairs.iter().map(|&(i, _)| ta.runs[i]).collect(),
        seeds: pairs.iter().map(|&(i, _)| ta.seeds[i]).collect(),
        param_names: columns.iter().map(|c| c.0.clone()).collect(),
        params: pairs
            .iter()
            .map(|&(i, j)| {
                columns
                    .iter()
                    .map(|&(_, from_b, k)| if from_b { tb.params[j][k] } else { ta.params[i][k] })
                    .collect()
            })
            .collect(),
        outcome_names: outcomes
            .iter()
            .map(|&(ka, _)| ta.outcome_names[ka].clone())
            .collect(),
        outcomes: rows,
    };
    PairedTable {
        table,
        only_a,
        only_b,
        drawn_differently,
        lacking,
    }
}

/// The names of `x` that `y` lacks, in `x`'s order.
fn missing_from(x: &[String], y: &[String]) -> Vec<String> {
    x.iter().filter(|n| !y.contains(n)).cloned().collect()
}

/// Largest relative size of a paired difference, or of a spread, that is
/// rounding (defined in [`crate::stats`], where the batch's statistics use
/// it too).
pub use crate::stats::ROUNDING_REL;

/// `y − x`, or 0 where it is within [`ROUNDING_REL`] of the larger
/// magnitude: otherwise a difference of 1e-16 in every paired run has a
/// standard deviation near 0 and a "significant" interval that excludes 0.
fn paired_difference(x: f64, y: f64) -> f64 {
    let d = y - x;
    if d.abs() <= ROUNDING_REL * x.abs().max(y.abs()) {
        0.0
    } else {
        d
    }
}

/// The 95 % Wilson score interval of a proportion of `x` successes in `n`
/// trials (`n` > 0), clamped to [0, 1].
fn wilson95(x: f64, n: f64) -> (f64, f64) {
    let z2 = Z95 * Z95;
    let centre = x + z2 / 2.0;
    let half = Z95 * (x * (n - x) / n + z2 / 4.0).sqrt();
    (
        ((centre - half) / (n + z2)).max(0.0),
        ((centre + half) / (n + z2)).min(1.0),
    )
}

/// The paired difference of two shares measured on the same runs, p_B − p_A,
/// and its 95 % interval: Newcombe's hybrid score interval for paired
/// proportions (R. G. Newcombe, Statistics in Medicine 17 (1998)
/// 2635–2650, his method 10, "square and add" of the two Wilson score
/// intervals with the correlation of the pairs, φ corrected towards 0 by
/// N/2 when positive), as M. W. Fagerland, S. Lydersen and P. Laake give it
/// (Statistical Analysis of Contingency Tables, 2017, ch. 8; R package
/// `contingencytables`, `Newcombe_square_and_add_CI_paired_2x2`).
///
/// Counts over the runs both batches hold: `both` report it under A and B,
/// `only_a` under A only, `only_b` under B only, `neither` under neither.
/// The difference is (only_b − only_a)/N, McNemar's discordant pairs; unlike
/// the Wald interval, this one is not [0, 0] when no run differs (with
/// every run reporting it under both sides, or none under either, it is
/// ±z²/(N + z²), what N runs can bound; narrower when both kinds of
/// concordant runs occur, as φ is then large), stays within [−1, 1],
/// and covers close to 95 % at tens of runs. Returns `(difference, low,
/// high)`, all NaN when N = 0.
pub fn paired_share_difference(both: u64, only_a: u64, only_b: u64, neither: u64) -> (f64, f64, f64) {
    let n = (both + only_a + only_b + neither) as f64;
    if n == 0.0 {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let [both, only_a, only_b, neither] = [both, only_a, only_b, neither].map(|c| c as f64);
    let (pb, pa) = ((both + only_b) / n, (both + only_a) / n);
    let diff = (only_b - only_a) / n;
    let ((lb, ub), (la, ua)) = (wilson95(both + only_b, n), wilson95(both + only_a, n));
    // The correlation of the two indicators over the runs (the 2 × 2
    // table's φ), with Newcombe's correction: a positive product excess
    // within N/2 counts as none.
    let margins = [both + only_b, only_a + neither, both + only_a, only_b + neither];
    let phi = if margins.contains(&0.0) {
        0.0
    } else {
        let excess = both * neither - only_a * only_b;
        let root = margins.iter().product::<f64>().sqrt();
        if excess > n / 2.0 {
            (excess - n / 2.0) / root
        } else if excess >= 0.0 {
            0.0
        } else {
            excess / root
        }
    };
    let below = ((pb - lb).powi(2) + (ua - pa).powi(2) - 2.0 * phi * (pb - lb) * (ua - pa))
        .max(0.0)
        .sqrt();
    let above = ((pa - la).powi(2) + (ub - pb).powi(2) - 2.0 * phi * (pa - la) * (ub - pb))
        .max(0.0)
        .sqrt();
    (diff, (diff - below).max(-1.0), (diff + above).min(1.0))
}

/// How often an outcome is reported under each side: the counts of a
/// [`OutcomeDifference`]'s `n_a`, `n_b` and reported-share columns.
#[derive(Clone, Copy, Debug)]
struct Reporting {
    n_a: u64,
    n_b: u64,
    share: (f64, f64, f64),
}

/// Paired differences of every outcome common to two runs tables (rows
/// paired by run index). A category (see [`Categories`]) gives one row per
/// category that occurs, `outcome=name`, over its indicator: the share of
/// runs in that category under A and B and the paired difference of shares.
/// Each row also counts the runs reporting the outcome under each side and
/// gives the paired difference of those shares ([`paired_share_difference`]),
/// over the runs both tables hold.
///
/// An outcome no run of one side reports (a policy that makes it vanish, a
/// year past the other side's horizon) gets a row too, after those of A's
/// outcomes it follows in A's order (B's own, after all of A's): `n` 0,
/// no mean or interval (NaN: empty cells in `compare.csv`), and the counts
/// and the share difference, which say it vanished. A category's such row
/// is the outcome's own name, not a row per category (there are no paired
/// values to split).
pub fn compare_tables(
    a: &RunsTable,
    b: &RunsTable,
    categories: Option<Categories>,
) -> Vec<OutcomeDifference> {
    let mut out = Vec::new();
    let pairs = paired_rows(a, b);
    let only_b = b.outcome_names.iter().filter(|n| !a.outcome_names.contains(n));
    for name in a.outcome_names.iter().chain(only_b) {
        let one_sided = !(a.outcome_names.contains(name) && b.outcome_names.contains(name));
        // A side that has no column for it: no run there reports it.
        let (va, vb) = (
            a.outcome(name).unwrap_or_else(|| vec![None; a.runs.len()]),
            b.outcome(name).unwrap_or_else(|| vec![None; b.runs.len()]),
        );
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        // Runs both hold: reported under both, A only, B only, neither.
        let mut counts = [0u64; 4];
        for &(i, j) in &pairs {
            counts[match (va[i], vb[j]) {
                (Some(_), Some(_)) => 0,
                (Some(_), None) => 1,
                (None, Some(_)) => 2,
                (None, None) => 3,
            }] += 1;
            if let (Some(x), Some(y)) = (va[i], vb[j]) {
                xs.push(x);
                ys.push(y);
            }
        }
        let reporting = Reporting {
            n_a: va.iter().flatten().count() as u64,
            n_b: vb.iter().flatten().count() as u64,
            share: paired_share_difference(counts[0], counts[1], counts[2], counts[3]),
        };
        if one_sided {
            out.push(unpaired_row(name.clone(), reporting));
            continue;
        }
        match categories.and_then(|c| c.of(name)) {
            None => out.push(difference(name.clone(), &xs, &ys, reporting)),
            Some(codes) => {
                for &(code, label) in codes {
                    let is = |v: &f64| if *v == code as f64 { 1.0 } else { 0.0 };
                    let (ia, ib): (Vec<f64>, Vec<f64>) =
                        (xs.iter().map(is).collect(), ys.iter().map(is).collect());
                    if ia.iter().chain(&ib).any(|&v| v > 0.0) {
                        out.push(difference(format!("{name}={label}"), &ia, &ib, reporting));
                    }
                }
            }
        }
    }
    out
}

/// The row of an outcome one side never reports: no paired run, so no
/// mean or interval (NaN), only how often each side reports it.
fn unpaired_row(outcome: String, reporting: Reporting) -> OutcomeDifference {
    OutcomeDifference {
        outcome,
        n: 0,
        mean_a: f64::NAN,
        mean_b: f64::NAN,
        mean_diff: f64::NAN,
        runs_differing: 0,
        ci95_low: f64::NAN,
        ci95_high: f64::NAN,
        half_width_crn: f64::NAN,
        half_width_independent: f64::NAN,
        narrowing: f64::NAN,
        runs_up: 0,
        runs_down: 0,
        n_a: reporting.n_a,
        n_b: reporting.n_b,
        reported_share_diff: reporting.share.0,
        reported_share_ci95_low: reporting.share.1,
        reported_share_ci95_high: reporting.share.2,
    }
}

/// The row of one outcome from its paired values under A and B.
fn difference(outcome: String, xs: &[f64], ys: &[f64], reporting: Reporting) -> OutcomeDifference {
    let ds: Vec<f64> = xs
        .iter()
        .zip(ys)
        .map(|(&x, &y)| paired_difference(x, y))
        .collect();
    // Two passes: differences of whole numbers that cancel give exactly 0.
    let (wa, wb, wd) = (
        Welford::two_pass(xs),
        Welford::two_pass(ys),
        Welford::two_pass(&ds),
    );
    let n = wd.count();
    let runs_differing = ds.iter().filter(|&&d| d != 0.0).count() as u64;
    // A spread within rounding of the values is none (audit s17 #4): an
    // outcome that is the same sum in every run, taken in other orders,
    // has an sd of a few ulps, and its "interval" and "narrowing" would be
    // ratios of rounding noise. The paired differences are rounding when
    // their spread is within ROUNDING_REL of the values they are taken
    // from, as a single difference is (`paired_difference`).
    let scale = wa.mean().abs().max(wb.mean().abs());
    let hw_crn = if n >= 2 && wd.sd() <= ROUNDING_REL * scale {
        0.0
    } else {
        wd.half_width_95()
    };
    let (sa, sb) = (wa.sd_beyond_rounding(), wb.sd_beyond_rounding());
    let hw_ind = if n < 2 {
        f64::NAN
    } else {
        t95(2 * (n - 1)) * ((sa.powi(2) + sb.powi(2)) / n as f64).sqrt()
    };
    let (up, down) = ds.iter().fold((0, 0), |(u, d), &x| {
        (u + u64::from(x > 0.0), d + u64::from(x < 0.0))
    });
    OutcomeDifference {
        outcome,
        n,
        mean_a: wa.mean(),
        mean_b: wb.mean(),
        mean_diff: wd.mean(),
        runs_differing,
        ci95_low: wd.mean() - hw_crn,
        ci95_high: wd.mean() + hw_crn,
        half_width_crn: hw_crn,
        half_width_independent: hw_ind,
        // Pairing narrows only what A and B share: with one side constant
        // there is no covariance to remove, and the ratio of the two
        // half-widths is only their t quantiles' (t(n − 1) against
        // t(2n − 2), "−1 %"; audit s33-econ F6).
        narrowing: if hw_ind > 0.0 && runs_differing > 0 && sa > 0.0 && sb > 0.0 {
            1.0 - hw_crn / hw_ind
        } else {
            f64::NAN
        },
        runs_up: up,
        runs_down: down,
        n_a: reporting.n_a,
        n_b: reporting.n_b,
        reported_share_diff: reporting.share.0,
        reported_share_ci95_low: reporting.share.1,
        reported_share_ci95_high: reporting.share.2,
    }
}

/// Runs `model` into `out/<sub>`; where `out/<sub>` already holds a batch
/// (a compare interrupted, or finished, before), resumes it: the same
/// command finishes an interrupted compare, reusing its runs. A batch of
/// other arguments (seed, runs, scenario…) is refused, naming the field.
fn compare_batch<M: Model + ?Sized>(
    model: &M,
    opts: &CompareOptions,
    sub: &str,
    progress: &dyn Progress,
) -> Result<BatchReport> {
    let out = opts.out.join(sub);
    let another = |dir: &Path, field: &str, recorded: &str, given: &str| {
        McError::Invalid(format!(
            "{} holds the {sub} side of another compare: its `{field}` is {recorded}, this command \
             gives {given}. Running the same compare again finishes an interrupted one; for \
             another comparison choose another --out (or remove {})",
            dir.display(),
            opts.out.display()
        ))
    };
    let recorded = Manifest::read(&out)?;
    // A batch may be resumed with more or fewer runs; a compare run again
    // with another --runs is another comparison, not the interrupted one.
    if let Some(m) = recorded.as_ref().filter(|m| m.runs != opts.batch.runs) {
        return Err(another(
            &out,
            "runs",
            &m.runs.to_string(),
            &opts.batch.runs.to_string(),
        ));
    }
    let o = BatchOptions {
        resume: recorded.is_some(),
        out,
        ..opts.batch.clone()
    };
    run_batch(model, &o, progress).map_err(|e| match e {
        McError::ResumeMismatch {
            dir,
            field,
            recorded,
            given,
            ..
        } => another(&dir, &field, &recorded, &given),
        e => e,
    })
}

/// Refuses, before anything is created or locked, an `out` that is no
/// compare's but holds what a compare would replace or remove: a
/// `compare.csv` or `compare.json` without the compare's batch
/// `a/manifest.json` (a compare writes them only after its batch `a/`), or an `a/` or `b/`
/// without a manifest holding a batch's files
/// ([`crate::store::refuse_foreign_outputs`], e.g. an `aistack run`'s output).
fn refuse_foreign_compare(out: &Path) -> Result<()> {
    for file in ["compare.csv", COMPARE_RECORD] {
        if out.join(file).exists() && !Manifest::path(&out.join("a")).exists() {
            return Err(McError::Invalid(format!(
                "{} holds {file} but no compare's batches ({}/a/manifest.json), so it is not the \
                 output of an `aistack compare` (files of your own?); compare would replace it, so \
                 nothing was written: choose another --out, or move {file} away",
                out.display(),
                out.display()
            )));
        }
    }
    for side in ["a", "b"] {
        crate::store::refuse_foreign_outputs(&out.join(side), "compare")?;
    }
    Ok(())
}

/// The note `compare` gives when A and B are the same model (the same
/// identity, so the same scenario hash): every run is the same under both,
/// so every difference is 0 and says nothing about a policy (audit
/// s26-econ F13: `aistack compare A A` ran without a word). `None` when
/// they differ.
fn identical_note<A: Model + ?Sized, B: Model + ?Sized>(a: &A, b: &B) -> Option<String> {
    let identity = a.identity();
    (identity == b.identity()).then(|| {
        format!(
            "A and B are identical (the same scenario hash, {}): every run is the same under \
             both, so every difference is 0; compare a variant that changes something",
            crate::manifest::identity_hash(&identity)
        )
    })
}

/// Runs `a` into `out/a` and `b` into `out/b` with the same seeds, then
/// writes `out/compare.csv` and `out/compare.json` ([`CompareRecord`]). Where `out/a` or `out/b` already holds a batch
/// of the same arguments (an interrupted compare), it is resumed, so the
/// same call finishes the compare with the outputs of an uninterrupted one.
pub fn compare<A: Model + ?Sized, B: Model + ?Sized>(
    a: &A,
    b: &B,
    opts: &CompareOptions,
    progress: &dyn Progress,
) -> Result<CompareReport> {
    if opts.batch.runs < 2 {
        return Err(McError::Invalid(format!(
            "compare needs at least 2 runs, got {}: one paired difference gives no confidence interval",
            opts.batch.runs
        )));
    }
    if opts.batch.replicates != 1 {
        return Err(McError::Invalid(format!(
            "compare does not take replicates (got {}): its intervals are those of paired \
             independent differences, sd/√n, which a replicated Latin hypercube's runs are not; \
             compare with plain Monte Carlo, or run a replicated batch of each scenario",
            opts.batch.replicates
        )));
    }
    crate::runner::check_out_dir(&opts.out)?;
    refuse_foreign_compare(&opts.out)?;
    std::fs::create_dir_all(&opts.out).map_err(crate::error::io_err(&opts.out))?;
    // The whole compare holds its directory; `a/` and `b/` are locked by
    // their batches.
    let _lock = crate::lock::lock_dir(&opts.out)?;
    crate::store::remove_stale_output_temps(&opts.out, &["compare.csv", COMPARE_RECORD])?;
    let ra = compare_batch(a, opts, "a", progress)?;
    let rb = compare_batch(b, opts, "b", progress)?;
    let differences = compare_tables(&ra.table, &rb.table, opts.batch.output.categories);
    let header = [
        "outcome",
        "n",
        "mean_a",
        "mean_b",
        "mean_diff",
        "ci95_low",
        "ci95_high",
        "half_width_crn",
        "half_width_independent",
        "narrowing",
        "runs_differing",
        "n_a",
        "n_b",
        "reported_share_diff",
        "reported_share_ci95_low",
        "reported_share_ci95_high",
        "runs_up",
        "runs_down",
    ]
    .map(String::from);
    write_csv(
        &opts.out.join("compare.csv"),
        &header,
        differences.iter().map(|d| {
            let mut r = vec![d.outcome.clone(), d.n.to_string()];
            r.extend(
                [
                    d.mean_a,
                    d.mean_b,
                    d.mean_diff,
                    d.ci95_low,
                    d.ci95_high,
                    d.half_width_crn,
                    d.half_width_independent,
                    d.narrowing,
                ]
                .map(cell),
            );
            r.push(d.runs_differing.to_string());
            r.extend([d.n_a, d.n_b].map(|n| n.to_string()));
            r.extend(
                [
                    d.reported_share_diff,
                    d.reported_share_ci95_low,
                    d.reported_share_ci95_high,
                ]
                .map(cell),
            );
            r.extend([d.runs_up, d.runs_down].map(|n| n.to_string()));
            r
        }),
    )?;
    let only_in_a = missing_from(&ra.table.outcome_names, &rb.table.outcome_names);
    let only_in_b = missing_from(&rb.table.outcome_names, &ra.table.outcome_names);
    let unpaired = unpaired_parameters(&a.parameters(), &b.parameters(), &ra.table, &rb.table);
    let mut notes: Vec<String> = unpaired_note(&unpaired, &a.correlations(), &b.correlations())
        .into_iter()
        .collect();
    let identical = identical_note(a, b);
    let is_identical = identical.is_some();
    notes.extend(identical);
    let mut record_notes = notes.clone();
    if !is_identical {
        record_notes.extend(zero_difference_notes(&differences));
        record_notes.extend(few_differing_note(&differences));
        record_notes.extend(one_sign_note(&differences));
    }
    crate::store::write_json_record(
        &opts.out.join(COMPARE_RECORD),
        &CompareRecord {
            warnings: opts.warnings.clone(),
            notes: record_notes,
        },
    )?;
    Ok(CompareReport {
        a: ra,
        b: rb,
        differences,
        only_in_a,
        only_in_b,
        unpaired,
        notes,
        identical: is_identical,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(values: &[f64]) -> RunsTable {
        RunsTable {
            runs: (0..values.len() as u64).collect(),
            seeds: (0..values.len() as u64).collect(),
            param_names: Vec::new(),
            params: vec![Vec::new(); values.len()],
            outcome_names: vec!["releases".into()],
            outcomes: values.iter().map(|&v| vec![Some(v)]).collect(),
        }
    }

    /// Whole-number outcomes whose differences cancel (as many runs with one
    /// release more as with one fewer) have a mean difference of exactly 0,
    /// not a rounding residue a reader could take for an effect.
    #[test]
    fn differences_that_cancel_have_an_exact_zero_mean() {
        let a: Vec<f64> = (0..100).map(|i| 600.0 + (i % 7) as f64).collect();
        let b: Vec<f64> = a
            .iter()
            .enumerate()
            .map(|(i, x)| x + [1.0, -1.0, 0.0, 0.0, 1.0, 0.0, -1.0, 0.0, 0.0, 0.0][i % 10])
            .collect();
        let d = &compare_tables(&table(&a), &table(&b), None)[0];
        assert_eq!(d.n, 100);
        assert_eq!(d.mean_diff, 0.0, "{d:?}");
        assert!(d.ci95_low < 0.0 && d.ci95_high > 0.0);
        // And the mean of B equals its exact value too.
        assert_eq!(d.mean_b, b.iter().sum::<f64>() / 100.0);
    }

    /// The same value computed in another order (1.37e27 FLOP ± a few units
    /// in the last place) is no difference: an interval of exactly [0, 0],
    /// not a "significant" −1.4e11 on 1.37e27. A real difference of one part
    /// in a billion still counts.
    #[test]
    fn rounding_is_no_difference_but_a_tiny_real_one_is() {
        let a: Vec<f64> = (0..50).map(|i| 1.37e27 * (1.0 + f64::from(i) * 1e-3)).collect();
        let ulps: Vec<f64> = a.iter().map(|x| f64::from_bits(x.to_bits() - 1)).collect();
        let d = &compare_tables(&table(&a), &table(&ulps), None)[0];
        assert_eq!((d.mean_diff, d.ci95_low, d.ci95_high), (0.0, 0.0, 0.0), "{d:?}");
        let real: Vec<f64> = a.iter().map(|x| x * (1.0 + 1e-9)).collect();
        let d = &compare_tables(&table(&a), &table(&real), None)[0];
        assert!(d.ci95_low > 0.0, "{d:?}");
    }

    /// An outcome constant under A and under B (different or not) has no
    /// narrowing to report: NaN (printed "n/a"), not 0 %.
    #[test]
    fn a_constant_outcome_has_no_narrowing() {
        for b in [5.0, 7.0] {
            let d = &compare_tables(&table(&[5.0; 20]), &table(&[b; 20]), None)[0];
            assert_eq!(d.mean_diff, b - 5.0, "{d:?}");
            assert!(d.narrowing.is_nan(), "{d:?}");
        }
    }

    /// Audit s17 #4: an outcome that is the same sum in every run up to a
    /// few ulps (58,867.2 MWh under A, half of it under B, as
    /// `training.energy_mwh_total` in a 1- and 3-year compare) is constant
    /// up to rounding: its interval is the point (half-width 0, not 7e-12)
    /// and its narrowing n/a. Before, the ratio of the two rounding-noise
    /// half-widths was printed as "CRN narrowed 57 %".
    #[test]
    fn an_outcome_constant_up_to_rounding_has_no_interval_and_no_narrowing() {
        let jitter = |x: f64, n: usize| -> Vec<f64> {
            (0..n)
                .map(|i| f64::from_bits(x.to_bits() + [0, 3, 1, 4, 2][i % 5] as u64))
                .collect()
        };
        let (a, b) = (
            jitter(58_867.2, 20),
            jitter(29_433.6, 20).into_iter().rev().collect::<Vec<_>>(),
        );
        let d = &compare_tables(&table(&a), &table(&b), None)[0];
        assert!((d.mean_diff + 29_433.6).abs() < 1e-9, "{d:?}");
        assert_eq!(d.half_width_crn, 0.0, "{d:?}");
        assert_eq!(d.half_width_independent, 0.0, "{d:?}");
        assert_eq!((d.ci95_low, d.ci95_high), (d.mean_diff, d.mean_diff), "{d:?}");
        assert!(d.narrowing.is_nan(), "{d:?}");
        // One part in a billion is variation, not rounding.
        let real: Vec<f64> = (0..20).map(|i| 58_867.2 * (1.0 + f64::from(i) * 1e-9)).collect();
        let d = &compare_tables(&table(&real), &table(&b), None)[0];
        assert!(d.half_width_crn > 0.0 && d.half_width_independent > 0.0, "{d:?}");
        // B is still constant up to rounding: nothing for pairing to narrow.
        assert!(d.narrowing.is_nan(), "{d:?}");
    }

    /// Audit s23 F1/F2: `runs_differing` counts the paired runs whose
    /// difference survives the rounding rule (a rounding-level difference
    /// is none); a difference 0 in all runs has narrowing n/a, the rule of
    /// three's bound and a note naming it, while one that differs in a
    /// single run has an interval and no note.
    #[test]
    fn runs_differing_counts_and_an_all_zero_difference_is_no_knowledge() {
        let a: Vec<f64> = (0..20).map(|i| 10.0 + f64::from(i)).collect();
        let mut b = a.clone();
        b[3] += 5.0;
        b[7] -= 1.0;
        b[9] = f64::from_bits(b[9].to_bits() + 1); // rounding: no difference
        let d = &compare_tables(&table(&a), &table(&b), None)[0];
        assert_eq!(d.runs_differing, 2, "{d:?}");
        assert_eq!(d.unseen_share_95(), None);
        assert!(d.narrowing.is_finite() && d.ci95_low < d.ci95_high, "{d:?}");
        assert!(zero_difference_notes(std::slice::from_ref(d)).is_empty());

        let same = &compare_tables(&table(&a), &table(&a), None)[0];
        assert_eq!(
            (same.runs_differing, same.ci95_low, same.ci95_high),
            (0, 0.0, 0.0)
        );
        assert!(same.narrowing.is_nan(), "not \"100 %\": {same:?}");
        let u = same.unseen_share_95().unwrap();
        assert!((u - (1.0 - math::powf(0.05f64, 1.0 / 20.0))).abs() < 1e-15 && (u - 0.139).abs() < 1e-3);
        let notes = zero_difference_notes(&[d.clone(), same.clone()]);
        assert_eq!(notes.len(), 1, "{notes:?}");
        // Seven such outcomes: five named, two counted.
        let seven: Vec<OutcomeDifference> = (0..7)
            .map(|i| OutcomeDifference {
                outcome: format!("o{i}"),
                ..same.clone()
            })
            .collect();
        let many = zero_difference_notes(&seven);
        assert!(
            many.len() == 1
                && many[0].contains("of 7 outcomes")
                && many[0].ends_with(": o0, o1, o2, o3, o4 and 2 more (runs_differing 0 in compare.csv)"),
            "{many:?}"
        );
        assert!(
            notes[0].contains("was 0 in all 20 paired runs")
                && notes[0].contains("13.91 % of runs could still differ")
                && notes[0].ends_with(": releases"),
            "{}",
            notes[0]
        );
    }

    /// A difference non-zero in a few runs among zeros is named with its
    /// count (its t interval covers well under 95 %); one that differs in
    /// every run, or in many, or in none (the zero note's case), is not.
    #[test]
    fn a_difference_in_a_few_runs_is_named_as_rare() {
        let a: Vec<f64> = (0..20).map(|i| 10.0 + f64::from(i)).collect();
        let mut rare = a.clone();
        rare[3] += 5.0;
        rare[7] -= 1.0;
        let everywhere: Vec<f64> = a.iter().map(|x| x + 1.0 + x * 0.01).collect();
        let mut many = a.clone();
        for v in many.iter_mut().take(12) {
            *v += 2.0;
        }
        let diff = |b: &[f64], name: &str| OutcomeDifference {
            outcome: name.into(),
            ..compare_tables(&table(&a), &table(b), None)[0].clone()
        };
        let rows = [
            diff(&rare, "rare"),
            diff(&everywhere, "everywhere"),
            diff(&many, "many"),
            diff(&a, "none"),
        ];
        assert_eq!(
            rows.iter().map(|d| d.runs_differing).collect::<Vec<_>>(),
            [2, 20, 12, 0]
        );
        let note = few_differing_note(&rows).unwrap();
        assert!(
            note.contains("of 1 outcome was non-zero in fewer than 10 of the paired runs")
                && note.ends_with(": rare (2 of 20)"),
            "{note}"
        );
        assert_eq!(few_differing_note(&rows[1..]), None);
    }

    /// Known answer: Cavo et al. (2012), complete response before (A) and
    /// after (B) consolidation therapy, 59 both, 16 before only, 6 after
    /// only, 80 neither: Newcombe's square-and-add interval is −0.0621
    /// [−0.1186, −0.0046] (Fagerland, Lydersen and Laake, Statistical
    /// Analysis of Contingency Tables, ch. 8, as the R package
    /// `contingencytables` prints it in its tests). Swapping the sides
    /// negates it; with no run differing the interval is not [0, 0] but
    /// ±z²/(N + z²), what N runs can bound.
    #[test]
    fn the_reported_share_interval_is_newcombes_for_paired_data() {
        let round4 = |x: f64| (x * 1e4).round() / 1e4;
        let (d, lo, hi) = paired_share_difference(59, 16, 6, 80);
        assert_eq!((round4(d), round4(lo), round4(hi)), (-0.0621, -0.1186, -0.0046));
        let (d2, lo2, hi2) = paired_share_difference(59, 6, 16, 80);
        assert_eq!((d2, lo2, hi2), (-d, -hi, -lo));
        let (d, lo, hi) = paired_share_difference(12, 0, 0, 0);
        let bound = Z95 * Z95 / (12.0 + Z95 * Z95);
        assert_eq!(d, 0.0);
        assert!(
            (lo + bound).abs() < 1e-12 && (hi - bound).abs() < 1e-12,
            "{lo} {hi}"
        );
        assert!(paired_share_difference(0, 0, 0, 0).0.is_nan());
        // Every run differing one way: the interval reaches the bound.
        let (d, _, hi) = paired_share_difference(0, 0, 20, 0);
        assert_eq!((d, hi), (1.0, 1.0));
    }

    /// Audit s26-econ F2: an outcome that A reports in 8 of 12 runs and B
    /// in 6 (all of them runs where A reports it too) is compared over the
    /// 6 pairs, and its row says so: n_a 8, n_b 6, and the share reporting
    /// it moved by −2/12 with Newcombe's interval, not dropped unnoticed.
    /// Its mean_a is over the 6 pairs, not A's 8 runs.
    #[test]
    fn an_outcome_some_runs_lack_counts_each_side_and_the_share_difference() {
        let with_gaps = |values: &[Option<f64>]| RunsTable {
            outcomes: values.iter().map(|&v| vec![v]).collect(),
            ..table(&vec![0.0; values.len()])
        };
        let a: Vec<Option<f64>> = (0..12)
            .map(|i| (i < 8).then(|| 2028.0 + f64::from(i) / 10.0))
            .collect();
        let b: Vec<Option<f64>> = (0..12)
            .map(|i| (2..8).contains(&i).then(|| 2028.5 + f64::from(i) / 10.0))
            .collect();
        let d = &compare_tables(&with_gaps(&a), &with_gaps(&b), None)[0];
        assert_eq!((d.n, d.n_a, d.n_b), (6, 8, 6), "{d:?}");
        let paired_a: f64 = (2..8).map(|i| 2028.0 + f64::from(i) / 10.0).sum::<f64>() / 6.0;
        assert!((d.mean_a - paired_a).abs() < 1e-9, "{d:?}");
        assert_eq!(
            (
                d.reported_share_diff,
                d.reported_share_ci95_low,
                d.reported_share_ci95_high
            ),
            paired_share_difference(6, 2, 0, 4)
        );
        assert!((d.reported_share_diff + 2.0 / 12.0).abs() < 1e-15, "{d:?}");
        assert!(
            d.reported_share_ci95_low < -2.0 / 12.0 && d.reported_share_ci95_high > 0.0,
            "{d:?}"
        );
        // An outcome every run reports on both sides: no change in the share.
        let full = &compare_tables(&table(&[1.0; 12]), &table(&[2.0; 12]), None)[0];
        assert_eq!((full.n_a, full.n_b, full.reported_share_diff), (12, 12, 0.0));
    }

    fn codes(name: &str) -> Option<&'static [(i64, &'static str)]> {
        (name == "releases").then_some(&[(0, "none"), (1, "power"), (2, "chips")][..])
    }

    /// A category is compared by the share of runs in each category, paired
    /// run by run: power-bound in 30 of 100 runs under A and 10 under B is
    /// −0.2; the mean of the codes (whose difference would be "+0.1") is
    /// never reported.
    #[test]
    fn a_category_is_compared_by_shares_not_by_the_mean_code() {
        let a: Vec<f64> = (0..100).map(|i| if i < 30 { 1.0 } else { 0.0 }).collect();
        let b: Vec<f64> = (0..100)
            .map(|i| match i {
                0..10 => 1.0,
                10..30 => 2.0,
                _ => 0.0,
            })
            .collect();
        let rows = compare_tables(&table(&a), &table(&b), Some(Categories(codes)));
        let names: Vec<&str> = rows.iter().map(|r| r.outcome.as_str()).collect();
        assert_eq!(names, ["releases=none", "releases=power", "releases=chips"]);
        let power = &rows[1];
        assert_eq!((power.mean_a, power.mean_b), (0.3, 0.1));
        assert!(
            (power.mean_diff + 0.2).abs() < 1e-12 && power.ci95_high < 0.0,
            "{power:?}"
        );
        assert_eq!(rows[0].mean_diff, 0.0);
    }

    /// A compare's runs paired for discovery: rows by run index (a run only
    /// one side holds is left out), a parameter drawn alike on both sides
    /// one column, one drawn differently or by one side only a column per
    /// side, outcomes B − A with rounding as 0 and a blank where either
    /// side lacks the outcome (counted per side).
    #[test]
    fn a_compare_pairs_into_one_table_of_differences() {
        let ta = RunsTable {
            runs: vec![0, 1, 2, 3],
            seeds: vec![10, 11, 12, 13],
            param_names: vec!["shared".into(), "remixed".into(), "only_a".into()],
            params: vec![
                vec![1.0, 5.0, 7.0],
                vec![2.0, 6.0, 8.0],
                vec![3.0, 7.0, 9.0],
                vec![4.0, 8.0, 10.0],
            ],
            outcome_names: vec!["flop".into(), "year".into(), "a_only".into()],
            outcomes: vec![
                vec![Some(1.0), Some(2030.0), Some(0.0)],
                vec![Some(2.0), None, Some(0.0)],
                vec![Some(3.0), Some(2031.0), Some(0.0)],
                vec![Some(4.0), Some(2032.0), Some(0.0)],
            ],
        };
        // B lacks run 2, holds run 9 A lacks, draws `remixed` differently
        // in one run and `only_b` alone, and reports `year` in other runs.
        let tb = RunsTable {
            runs: vec![0, 1, 3, 9],
            seeds: vec![10, 11, 13, 19],
            param_names: vec!["only_b".into(), "remixed".into(), "shared".into()],
            params: vec![
                vec![0.5, 5.0, 1.0],
                vec![0.6, 6.5, 2.0],
                vec![0.7, 8.0, 4.0 * (1.0 + 1e-12)],
                vec![0.8, 9.0, 9.0],
            ],
            outcome_names: vec!["year".into(), "flop".into()],
            outcomes: vec![
                vec![Some(2031.0), Some(1.5)],
                vec![Some(2030.0), Some(2.0 + 1e-15)],
                vec![None, Some(3.0)],
                vec![Some(2040.0), Some(0.0)],
            ],
        };
        let p = paired_table(&ta, &tb, Effect::Difference);
        let t = &p.table;
        assert_eq!(t.runs, [0, 1, 3]);
        assert_eq!(t.seeds, [10, 11, 13]);
        assert_eq!(
            t.param_names,
            ["shared", "remixed (A)", "remixed (B)", "only_a (A)", "only_b (B)"]
        );
        assert_eq!(t.params[1], [2.0, 6.0, 6.5, 8.0, 0.6]);
        assert_eq!(t.params[2], [4.0, 8.0, 8.0, 10.0, 0.7]);
        assert_eq!(p.only_a, ["only_a"]);
        assert_eq!(p.only_b, ["only_b"]);
        assert_eq!(p.drawn_differently, ["remixed"]);
        // Outcomes both report, in A's order; `a_only` is not one.
        assert_eq!(t.outcome_names, ["flop", "year"]);
        assert_eq!(t.outcome("flop").unwrap(), [Some(0.5), Some(0.0), Some(-1.0)]);
        assert_eq!(t.outcome("year").unwrap(), [Some(1.0), None, None]);
        // Lacking `year`: A in run 1, B in run 3.
        let lacking = |a, b, a_zero| Lacking { a, b, a_zero };
        assert_eq!(p.lacking, [lacking(0, 0, 0), lacking(1, 1, 0)]);
        // Relative: B − A over |A|; 0 stays 0; a blank where A is 0 and B
        // is not, counted apart.
        let mut a0 = ta.clone();
        a0.outcomes[3][0] = Some(0.0);
        let r = paired_table(&a0, &tb, Effect::Relative);
        assert_eq!(r.table.outcome("flop").unwrap(), [Some(0.5), Some(0.0), None]);
        assert_eq!(r.lacking[0], lacking(0, 0, 1));
        assert_eq!(r.table.param_names, t.param_names);
    }

    /// Audit s33-econ F2: an outcome that rose in 76 of 100 runs and fell
    /// in none, one rise huge, has a mean's interval covering 0; the note
    /// names it with its counts and the sign test's bound (2·½⁷⁶). One whose
    /// interval excludes 0, one of both signs and one that moved in only a
    /// few runs are not named.
    #[test]
    fn one_sign_with_an_interval_over_zero_is_named() {
        let a: Vec<f64> = (0..100).map(|i| 1e30 * (1.0 + f64::from(i))).collect();
        let mut heavy = a.clone();
        for (i, v) in heavy.iter_mut().enumerate().take(76) {
            *v *= 1.5 + 0.01 * i as f64;
        }
        heavy[0] = 1e36;
        let steady: Vec<f64> = a.iter().map(|x| x * 1.5).collect();
        let mut mixed = heavy.clone();
        mixed[1] = a[1] * 0.5;
        let mut few = a.clone();
        few[0] = 1e36;
        few[1] *= 1.1;
        let diff = |b: &[f64], name: &str| OutcomeDifference {
            outcome: name.into(),
            ..compare_tables(&table(&a), &table(b), None)[0].clone()
        };
        let rows = [
            diff(&heavy, "heavy"),
            diff(&steady, "steady"),
            diff(&mixed, "mixed"),
            diff(&few, "few"),
        ];
        assert_eq!((rows[0].runs_up, rows[0].runs_down), (76, 0));
        assert!(rows[0].ci95_low < 0.0 && rows[0].ci95_high > 0.0, "{:?}", rows[0]);
        assert!(rows[1].ci95_low > 0.0);
        assert_eq!((rows[2].runs_up, rows[2].runs_down), (75, 1));
        assert!(rows[2].ci95_low < 0.0, "{:?}", rows[2]);
        let note = one_sign_note(&rows).unwrap();
        assert!(
            note.contains("of 1 outcome had one sign")
                && note.contains("at most 3e-23")
                && note.ends_with(": heavy (76 of 100 up, none the other way)"),
            "{note}"
        );
        assert_eq!(one_sign_note(&rows[1..]), None);
    }

    /// Audit s33-econ F6: with A constant there is nothing for pairing to
    /// remove, so the narrowing is n/a, not the "−1 %" the two t quantiles
    /// alone gave; with both sides varying it is reported.
    #[test]
    fn a_constant_side_has_no_narrowing() {
        let a = vec![5.0; 30];
        let b: Vec<f64> = (0..30).map(|i| 5.0 + f64::from(i % 4)).collect();
        let d = &compare_tables(&table(&a), &table(&b), None)[0];
        assert!(d.half_width_crn > 0.0 && d.half_width_crn > d.half_width_independent);
        assert!(d.narrowing.is_nan(), "{d:?}");
        let a2: Vec<f64> = (0..30).map(|i| 5.0 + f64::from(i % 3)).collect();
        let d = &compare_tables(&table(&a2), &table(&b), None)[0];
        assert!(d.narrowing.is_finite(), "{d:?}");
    }
}
