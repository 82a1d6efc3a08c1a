//! `aistack discover DIR`: scenario discovery over a finished batch, on
//! `montecarlo::discovery` (PRIM peeling).

use crate::short;
use anyhow::Result;
use clap::{ArgGroup, Args};
use montecarlo::discovery::{Blank, Condition, DiscoverOptions, PrimOptions, discover};
use std::path::{Path, PathBuf};

/// The arguments of `aistack discover`.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("condition").required(true).args(["above", "below", "equals", "changed"])))]
pub struct DiscoverArgs {
    /// A finished batch's (or eval's) output directory, or a compare's:
    /// its runs are then marked by the outcome's difference B − A.
    pub dir: PathBuf,
    /// The outcome that marks the runs of interest (a column of runs.csv),
    /// e.g. training.largest_run_flop; for a compare, its B − A.
    #[arg(long)]
    pub outcome: String,
    /// For a compare: mark runs by the outcome's relative change,
    /// (B − A)/|A| (-0.2: B is 20 % below A), instead of B − A.
    #[arg(long)]
    pub relative: bool,
    /// Runs of interest: the outcome is greater than this.
    #[arg(long, allow_negative_numbers = true)]
    pub above: Option<f64>,
    /// Runs of interest: the outcome is less than this.
    #[arg(long, allow_negative_numbers = true)]
    pub below: Option<f64>,
    /// Runs of interest: the outcome equals this (for a category such as
    /// training.largest_run_bound_year_2030, its label: power, chips, …).
    #[arg(long, allow_negative_numbers = true)]
    pub equals: Option<String>,
    /// Runs of interest, over a compare: B's value differs from A's (for a
    /// category, the policy changes its label).
    #[arg(long)]
    pub changed: bool,
    /// What a run without the outcome (a blank cell: a threshold never
    /// reached) counts as: `case` (of interest) or `not-case`. Required
    /// when some run lacks it.
    #[arg(long)]
    pub blank: Option<String>,
    /// Share of the box's runs one peeling step cuts off, in (0, 0.5).
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.05)]
    pub peel: f64,
    /// Smallest share of all runs a box may keep, in (0, 1).
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.05)]
    pub min_mass: f64,
    /// The chosen box is the densest, once its unsupported limits are
    /// dropped, whose coverage (share of the runs of interest inside it) is
    /// at least this.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.5)]
    pub min_coverage: f64,
    /// A limit whose quasi-p-value is above this is dropped from a box
    /// before the choice; 1 keeps every limit. The quasi-p-value is the
    /// chance that the box, were the limit to do nothing, would hold at
    /// least as many runs of interest (a descriptive measure: the box was
    /// searched for, so it is no test's p-value).
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.05)]
    pub max_quasi_p: f64,
    /// Take box K of the trajectory (trajectory.csv) instead, its
    /// unsupported limits dropped too.
    #[arg(long = "box", value_name = "K", allow_negative_numbers = true, value_parser = crate::whole::<usize>)]
    pub pick: Option<usize>,
    /// Resamples of the runs (drawn with replacement) on which the box is
    /// found again, to say how often each parameter is limited; 0: none.
    #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<u64>, default_value_t = 50)]
    pub resamples: u64,
    /// Seed of the resamples.
    #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<u64>, default_value_t = 0)]
    pub seed: u64,
    /// Write the tables and the chart here. Default:
    /// DIR/discover/<outcome>-<condition>/.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `aistack discover`: marks the runs of interest, peels a box of the
/// sampled parameters around them and prints the chosen box.
pub fn discover_cmd(a: DiscoverArgs) -> Result<()> {
    refuse_other_dirs(&a.dir)?;
    let condition = match (a.above, a.below, a.equals) {
        _ if a.changed => Condition::Changed,
        (Some(v), None, None) => Condition::Above(finite("--above", v)?),
        (None, Some(v), None) => Condition::Below(finite("--below", v)?),
        (None, None, Some(s)) => Condition::Equals(s),
        // clap's group allows exactly one.
        _ => anyhow::bail!("give one of --above, --below, --equals or --changed"),
    };
    let blank = match a.blank.as_deref() {
        None => Blank::Refuse,
        Some("case") => Blank::Case,
        Some("not-case") => Blank::NotCase,
        Some(other) => anyhow::bail!("--blank {other}: it takes `case` or `not-case`"),
    };
    let r = discover(&DiscoverOptions {
        dir: a.dir.clone(),
        outcome: a.outcome,
        relative: a.relative,
        condition,
        blank,
        prim: PrimOptions {
            peel_alpha: a.peel,
            min_mass: a.min_mass,
        },
        min_coverage: a.min_coverage,
        max_quasi_p: a.max_quasi_p,
        pick: a.pick,
        out: a.out,
        categories: Some(montecarlo::Categories(stack::report::category_codes)),
        resamples: a.resamples,
        seed: a.seed,
        invocation: crate::batch_cmd::record_invocation(),
    })?;
    let t = &r.trajectory;
    let pct = |v: f64| format!("{:.1}%", 100.0 * v);
    println!(
        "runs of interest: {}, {} of {} runs ({})",
        r.rule,
        t.total_cases,
        t.total_runs,
        pct(t.total_cases as f64 / t.total_runs as f64)
    );
    println!(
        "peeling trajectory: {} boxes, from all runs (box 0) to box {} (density {}, coverage {})",
        t.boxes.len(),
        t.boxes.len() - 1,
        pct(t.density(t.boxes.len() - 1)),
        pct(t.coverage(t.boxes.len() - 1))
    );
    let c = &r.chosen;
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let rule = match a.pick {
        Some(_) => "chosen with --box".to_string(),
        None => format!(
            "the densest with coverage at least {} once its limits with a quasi-p above {} are dropped",
            pct(a.min_coverage),
            short(a.max_quasi_p)
        ),
    };
    println!(
        "box {}{} ({rule}): {} runs, {} of interest: coverage {}, density {}, mass {}",
        c.from,
        if c.dropped.is_empty() {
            ""
        } else {
            " without its unsupported limits"
        },
        c.bx.runs,
        c.bx.cases,
        pct(ratio(c.bx.cases, t.total_cases)),
        pct(ratio(c.bx.cases, c.bx.runs)),
        pct(ratio(c.bx.runs, t.total_runs))
    );
    if c.effects.is_empty() {
        println!("  (no limit: the box of all runs)");
    }
    let limit = |j: usize, (lo, hi): (f64, f64)| {
        let (dlo, dhi) = t.full[j];
        match (lo > dlo, hi < dhi) {
            (true, true) => format!("{} to {}", short(lo), short(hi)),
            (true, false) => format!(">= {}", short(lo)),
            _ => format!("<= {}", short(hi)),
        }
    };
    // How often a parameter is limited in the resamples' chosen boxes.
    let again = |j: usize| again_words(r.resampled.get(j).copied(), a.resamples);
    for e in &c.effects {
        let (dlo, dhi) = t.full[e.param];
        println!(
            "  {} {}  (sampled {} to {}; without this limit: coverage {}, density {}; quasi-p {}{})",
            r.params[e.param],
            limit(e.param, c.bx.limits[e.param]),
            short(dlo),
            short(dhi),
            pct(ratio(e.cases, t.total_cases)),
            pct(ratio(e.cases, e.runs)),
            quasi_p(e.quasi_p),
            again(e.param)
        );
    }
    if !c.dropped.is_empty() {
        let from = &t.boxes[c.from];
        println!(
            "  dropped from box {}: {}",
            c.from,
            c.dropped
                .iter()
                .map(|e| format!(
                    "{} {} (quasi-p {})",
                    r.params[e.param],
                    limit(e.param, from.limits[e.param]),
                    quasi_p(e.quasi_p)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let kept: Vec<usize> = c.effects.iter().map(|e| e.param).collect();
    let others: Vec<String> = r
        .resampled
        .iter()
        .enumerate()
        .filter(|&(j, &v)| v >= 0.25 && !kept.contains(&j))
        .map(|(j, &v)| format!("{} ({})", r.params[j], pct(v)))
        .collect();
    if !others.is_empty() {
        println!(
            "  not in this box but limited in at least a quarter of the resampled boxes: {}",
            others.join(", ")
        );
    }
    for f in &r.files {
        println!("{}", f.display());
    }
    for n in &r.notes {
        eprintln!("note: {n}");
    }
    Ok(())
}

/// How often a limit was found again in the resampled boxes, as printed
/// after it (nothing without resamples). One found again in fewer than
/// [`SELDOM_AGAIN`] of them is flagged (audit s33-econ F8: a limit with
/// quasi-p 0.02 was in 24 % of the resampled boxes, unremarked).
fn again_words(share: Option<f64>, resamples: u64) -> String {
    let pct = |v: f64| format!("{:.1}%", 100.0 * v);
    match share {
        Some(v) if v < SELDOM_AGAIN => format!(
            "; in only {} of {resamples} resampled boxes: more likely this sample's than the model's",
            pct(v)
        ),
        Some(v) => format!("; in {} of {resamples} resampled boxes", pct(v)),
        None => String::new(),
    }
}

/// Share of the resampled boxes under which a kept limit is flagged as
/// seldom found again (docs/montecarlo.md: a limit in half of them is a
/// feature of the sample).
const SELDOM_AGAIN: f64 = 0.5;

fn finite(flag: &str, v: f64) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        anyhow::bail!("{flag} {v}: give a finite number")
    }
}

/// A quasi-p-value as printed: one too small for a double is below 1e-300,
/// not 0.
fn quasi_p(v: f64) -> String {
    if v < 1e-300 {
        "< 1e-300".to_string()
    } else {
        short(v)
    }
}

/// Refuses, with the way on, a directory that is one run's output, a
/// scenario file or nothing at all.
fn refuse_other_dirs(dir: &Path) -> Result<()> {
    let d = dir.display();
    if dir.join("timeseries.csv").exists()
        && dir.join("summary.json").exists()
        && !dir.join("runs.csv").exists()
        && !dir.join("manifest.json").exists()
    {
        anyhow::bail!(
            "{d} is one run's output (`aistack run`): scenario discovery separates the runs of a \
             batch, `aistack batch SCENARIO --runs N --out DIR`, then `aistack discover DIR`"
        );
    }
    if !dir.is_dir() {
        return Err(crate::run_cmd::not_an_output_dir(
            dir,
            "discover",
            "`aistack batch`",
            &["batch", "--runs", "N"],
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{again_words, quasi_p};
    use crate::short;

    /// A limit seldom found again on resamples is flagged; one found again
    /// in half of them or more, and no resampling at all, are not.
    #[test]
    fn a_limit_seldom_found_again_is_flagged() {
        assert_eq!(
            again_words(Some(0.24), 50),
            "; in only 24.0% of 50 resampled boxes: more likely this sample's than the model's"
        );
        assert_eq!(again_words(Some(0.5), 50), "; in 50.0% of 50 resampled boxes");
        assert_eq!(again_words(None, 0), "");
    }

    /// A quasi-p-value below what a double holds prints as a bound, not 0.
    #[test]
    fn a_vanishing_quasi_p_prints_as_a_bound() {
        assert_eq!(quasi_p(0.0), "< 1e-300");
        assert_eq!(quasi_p(4.536_084e-11), "4.536e-11");
        assert_eq!(quasi_p(0.5), "0.5");
    }

    #[test]
    fn limits_print_with_four_significant_digits() {
        let cells: Vec<String> = [
            0.312_345_6,
            1040.12,
            1e26,
            2.5e-7,
            0.0,
            -2.71234,
            13_180_000_000.0,
            -4_633_000.0,
            1.18e27,
            99_999.0,
        ]
        .into_iter()
        .map(short)
        .collect();
        assert_eq!(
            cells,
            [
                "0.3123", "1040.0", "1e26", "2.5e-7", "0.0", "-2.712", "1.318e10", "-4.633e6", "1.18e27",
                "1e5"
            ]
        );
    }
}
