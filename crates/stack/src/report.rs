//! The run summary: `summary.json` and the ten-second text a person reads.

use crate::run::{RunOutput, Scenario};
use crate::scenario::ScenarioData;
use scheduler::math;
use serde_json::{Map, Value, json};
use std::fmt::Write;

/// The outcomes of the energy left unserved by load class (household,
/// industry, fab, datacenter), as the grid names them.
pub use energy_grid::UNSERVED_BY_CLASS;

/// Codes of `training.largest_run_bound_year_*`: what bound the year's
/// largest training run.
pub const BOUND_CODES: [(i64, &str); 7] = [
    (-1, "no run finished"),
    (0, "none (the lab's own target)"),
    (1, "power"),
    (2, "chips"),
    (3, "budget"),
    (4, "failures"),
    (5, "the largest cluster"),
];

/// Codes of `fab.binding_input_mode` and of the monthly series
/// `fab.binding_input`: the supply chain's binding input.
pub const BINDING_INPUT_CODES: [(i64, &str); 6] = [
    (0, "none"),
    (1, "wafers"),
    (2, "tools"),
    (3, "HBM"),
    (4, "packaging"),
    (5, "power at the fabs"),
];

fn code_name(codes: &[(i64, &'static str)], code: f64) -> &'static str {
    codes
        .iter()
        .find(|(c, _)| *c as f64 == code)
        .map_or("unknown", |(_, name)| name)
}

/// Name of a training bound code (`training.largest_run_bound_year_*`).
pub fn bound_name(code: f64) -> &'static str {
    code_name(&BOUND_CODES, code)
}

/// Name of a supply-chain binding-input code (`fab.binding_input_mode`).
pub fn binding_input_name(code: f64) -> &'static str {
    code_name(&BINDING_INPUT_CODES, code)
}

/// The codes and names of a scalar outcome or series metric that is a
/// category, not a quantity (its mean means nothing): `None` for every
/// other name. Batches summarise these by the share of runs in each
/// category (`summary.json` for outcomes, `bands.csv` per instant for
/// series). The series `fab.binding_*` beside `fab.binding_input` are 0/1
/// indicators, quantities whose mean is already a share.
pub fn category_codes(name: &str) -> Option<&'static [(i64, &'static str)]> {
    if name == "fab.binding_input_mode" || name == "fab.binding_input" {
        Some(&BINDING_INPUT_CODES)
    } else if name.starts_with("training.largest_run_bound_year_") {
        Some(&BOUND_CODES)
    } else {
        None
    }
}

/// `summary.json` of one run: scenario, seed, parameters, scalar outcomes,
/// releases.
pub fn summary_json(scenario: &Scenario, out: &RunOutput) -> Value {
    let mut scalars = Map::new();
    for (k, v) in &out.scalars {
        scalars.insert(k.clone(), json!(v));
    }
    let mut params = Map::new();
    for (k, v) in &out.params {
        params.insert(k.clone(), json!(v));
    }
    let releases: Vec<Value> = out
        .releases
        .iter()
        .map(|r| {
            let name =
                |lab: model_training::LabId| out.lab_names.get(lab.index()).cloned().unwrap_or_default();
            let mut release = json!({
                "lab": name(r.lab),
                "date": out.calendar.date(r.at).map(|d| d.to_string()).unwrap_or_default(),
                "open": r.open,
                "physical_flop": r.physical_flop,
                "effective_flop": r.effective_flop,
                "capability": r.capability,
                "frontier_gap_months": r.frontier_gap_months,
            });
            // Only a release built on an open base says so: a scenario
            // where no lab builds on open weights writes what it always did.
            if let (Some(b), Some(map)) = (r.base, release.as_object_mut()) {
                map.insert(
                    "base".into(),
                    json!({
                        "lab": name(b.lab),
                        "release": b.number,
                        "base_effective_flop": b.base_effective_flop,
                        "inherited_effective_flop": b.inherited_effective_flop,
                    }),
                );
            }
            release
        })
        .collect();
    json!({
        "scenario": scenario.name(),
        "scenario_hash": scenario.identity_hash(),
        "aistack_version": env!("CARGO_PKG_VERSION"),
        "seed": out.seed,
        "start": scenario.data.start.to_string(),
        "horizon_years": run_horizon_years(scenario, out),
        "events": out.events,
        "parameters": params,
        "outcomes": scalars,
        "largest_run_bound_by_year": bounds_by_year(out).into_iter().map(|(y, b)| (y.to_string(), json!(b))).collect::<Map<_, _>>(),
        "compute_thresholds": compute_thresholds_json(scenario, out),
        "releases": releases,
    })
}

/// The first release of at least `flop` physical FLOP (every finished run
/// is released as it finishes) of the lab `lab`, or of any lab.
fn first_release_over(out: &RunOutput, flop: f64, lab: Option<usize>) -> Option<&model_training::Release> {
    out.releases
        .iter()
        .filter(|r| r.physical_flop >= flop && lab.is_none_or(|l| r.lab.index() == l))
        .min_by_key(|r| r.at)
}

/// `summary.json` `compute_thresholds`: per threshold of
/// `settings.compute_thresholds_flop`, its `flop`, its `outcome` name, the
/// fractional `year`, `date` and `lab` of the first finished run of at
/// least that size (null if none), and `by_lab`: each lab's own year
/// (null for a lab that never reached it). The nation's year is the
/// earliest lab's. Each entry's `scope` says what the year counts
/// ([`THRESHOLD_SCOPE`]): the first run of this simulation, not of history.
pub fn compute_thresholds_json(scenario: &Scenario, out: &RunOutput) -> Value {
    let year = |r: Option<&model_training::Release>| r.and_then(|r| out.calendar.fractional_year(r.at));
    let list: Vec<Value> = scenario
        .data
        .settings
        .compute_thresholds_flop
        .iter()
        .map(|&flop| {
            let first = first_release_over(out, flop, None);
            let by_lab: Map<String, Value> = out
                .lab_names
                .iter()
                .enumerate()
                .map(|(i, name)| (name.clone(), json!(year(first_release_over(out, flop, Some(i))))))
                .collect();
            json!({
                "flop": flop,
                "outcome": model_training::compute_threshold_outcome(flop),
                "year": out.scalar(&model_training::compute_threshold_outcome(flop)),
                "date": first.and_then(|r| out.calendar.date(r.at)).map(|d| d.to_string()),
                "lab": first.and_then(|r| out.lab_names.get(r.lab.index())),
                "by_lab": by_lab,
                "scope": THRESHOLD_SCOPE,
            })
        })
        .collect();
    Value::Array(list)
}

/// `(year, bound)` for every year with a training run, from the
/// `training.largest_run_bound_year_YYYY` outcomes.
pub fn bounds_by_year(out: &RunOutput) -> Vec<(i32, &'static str)> {
    let mut v: Vec<(i32, &'static str)> = out
        .scalars
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("training.largest_run_bound_year_")
                .and_then(|y| y.parse().ok())
                .map(|y| (y, bound_name(*v)))
        })
        .collect();
    v.sort();
    v
}

fn si(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    format!("{v:.2e}")
}

/// Hours to the hundredth (36 seconds), as few digits as that takes: `398`,
/// `394.75`. A sum of dispatch intervals of a fraction of an hour carries
/// the rounding of each (review s26-modeler, F5: "394.74999999996965 hours
/// short" with 1-minute dispatch).
fn hours(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    format!("{}", (v * 100.0).round() / 100.0)
}

/// Four significant digits, plain between 0.01 and 100,000.
fn sig(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        format!("{v}")
    } else if (1e-2..1e5).contains(&v.abs()) {
        let decimals = (3 - math::log10(v.abs()).floor() as i32).max(0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.3e}")
    }
}

/// The smallest frontier gap of a run's releases in words: months behind
/// (gap > 0), ahead (gap < 0) or at the frontier, to one decimal.
pub fn frontier_gap_text(gap_months: f64) -> String {
    let tenths = (gap_months * 10.0).round() / 10.0;
    if tenths > 0.0 {
        format!("{tenths:.1} months behind")
    } else if tenths < 0.0 {
        format!("{:.1} months ahead", -tenths)
    } else {
        "at the frontier".to_string()
    }
}

/// The summary's line for the smallest gap of any release to the frontier
/// (`training.min_frontier_gap_months`): the closest a release came when
/// the country stays behind, the furthest ahead one went when it gets
/// ahead (the smallest gap is then the largest lead).
pub fn best_gap_line(gap_months: f64) -> String {
    let text = frontier_gap_text(gap_months);
    if text.ends_with("ahead") {
        format!("{:<23}{text} of the frontier", "furthest ahead")
    } else {
        format!("{:<23}{text}", "closest to frontier")
    }
}

/// What the threshold dates count, for every place that prints them: the
/// first run *of this simulation* at or above each threshold. Runs before
/// the start date (1e25 FLOP was passed in 2023) are not modelled, so a date
/// is not the year the world first trained such a model.
pub const THRESHOLD_SCOPE: &str =
    "first run at or above each in this simulation, runs before the start not counted";

/// When the labs' largest finished run first reached the compute threshold
/// `flop` (`training.year_reached_<T>_flop`), in words: `1e25 FLOP on
/// 2026-05-27 (2026.40, lab openai)`, the lab whose run finished first, or
/// `1e26 FLOP not reached`. The summary prints these after
/// [`THRESHOLD_SCOPE`].
pub fn threshold_text(out: &RunOutput, flop: f64) -> String {
    let key = model_training::compute_threshold_outcome(flop);
    let Some(year) = out.scalar(&key) else {
        return format!("{flop:e} FLOP not reached");
    };
    match first_release_over(out, flop, None) {
        Some(r) => format!(
            "{flop:e} FLOP on {} ({year:.2}, lab {})",
            out.calendar.date(r.at).map(|d| d.to_string()).unwrap_or_default(),
            out.lab_names.get(r.lab.index()).map_or("?", String::as_str)
        ),
        None => format!("{flop:e} FLOP in {year:.2}"),
    }
}

/// A scenario's period in words, `2 years from 2025-01-01`, `1 year from
/// 2025-01-01` (`validate` wrote "1 years"; review s26-modeler, F11).
pub fn horizon_text(d: &ScenarioData) -> String {
    years_from(&d.horizon_years.to_string(), &d.start.to_string())
}

fn years_from(years: &str, start: &str) -> String {
    let unit = if years == "1" { "year" } else { "years" };
    format!("{years} {unit} from {start}")
}

/// The years a run covered: the scenario's `horizon_years`, or its draw
/// where it is uncertain (the file's value, which the summary wrote
/// before, made `explain` refuse a whole run as cut short, or pass one
/// that ran past it; review s30-modeler).
pub fn run_horizon_years(scenario: &Scenario, out: &RunOutput) -> f64 {
    out.params
        .iter()
        .find(|(path, _)| path == "horizon_years")
        .map_or(scenario.data.horizon_years.get(), |&(_, v)| v)
}

/// The labs' goodput (`training.goodput_share` of `national`: FLOP kept ÷
/// FLOP their training chips in runs could have computed) averaged over
/// the sampling periods that had one above 0 (a run in progress), or over
/// the periods of calendar year `year` only; `None` if none had.
pub fn national_goodput_in(out: &RunOutput, year: Option<i32>) -> Option<f64> {
    let key = out
        .series
        .keys()
        .iter()
        .position(|(m, e)| m == "training.goodput_share" && e == "national")?;
    let instants = out.series.instants();
    let points = out.series.points().iter().filter(|p| p.0 as usize == key);
    mean_active_in_year(
        points.filter_map(|&(_, i, v)| instants.get(i as usize).map(|(t, _)| (*t, v))),
        year,
    )
}

/// The mean of the values above 0 of `(time in fractional years, value)`
/// points, over all of them or those of calendar year `year` only; `None`
/// if none is above 0. A period ends at its instant, so one sampled on 1
/// January belongs to the year before. (The goodput of the periods with
/// a run in progress: `summary` and `explain` both read it so.)
pub fn mean_active_in_year(points: impl IntoIterator<Item = (f64, f64)>, year: Option<i32>) -> Option<f64> {
    let (sum, n) = points
        .into_iter()
        .filter(|&(t, v)| v > 0.0 && year.is_none_or(|y| (t - 1e-9).floor() as i32 == y))
        .fold((0.0, 0usize), |(s, n), (_, v)| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// The summary a person reads in ten seconds.
pub fn summary_text(scenario: &Scenario, out: &RunOutput) -> String {
    let mut s = String::new();
    let d = &scenario.data;
    let years = run_horizon_years(scenario, out);
    let period = years_from(&years.to_string(), &d.start.to_string());
    let _ = writeln!(s, "{} — {period}, seed {}", d.name, out.seed);
    if !out.params.is_empty() {
        // A scenario's `uncertain` parameters are drawn in a single run too:
        // say so, since the values run are not the ones written in the file.
        let shown: Vec<String> = out
            .params
            .iter()
            .take(3)
            .map(|(path, v)| format!("{path} = {}", sig(*v)))
            .collect();
        let at_medians = out.params_given && out.params.iter().map(|(_, v)| *v).eq(scenario.median_values());
        let how = if at_medians {
            "at their medians".to_string()
        } else if out.params_given {
            "at the values given".to_string()
        } else {
            format!("drawn with seed {}", out.seed)
        };
        let _ = writeln!(
            s,
            "  uncertain parameters   {} {how} ({}{}; all in summary.json `parameters`)",
            out.params.len(),
            shown.join(", "),
            if out.params.len() > 3 { ", …" } else { "" }
        );
        if !out.params_given {
            // The headline below is this draw's, not the calibration's
            // (review s28, C3): say how to see the central case and the spread.
            let _ = writeln!(
                s,
                "                         one draw, and so is every line below: `--medians` runs the \
                 central case, `aistack batch` gives the spread"
            );
        }
    }
    let get = |k: &str| out.scalar(k).unwrap_or(f64::NAN);
    // Interruptions are counted at the failure rates the scenario assumes
    // (review s28, C4): say so, and what they cost.
    let goodput =
        national_goodput_in(out, None).map_or_else(String::new, |g| format!(", goodput {:.1} %", 100.0 * g));
    let _ = writeln!(
        s,
        "  largest training run   {} FLOP ({} runs finished; {} interruptions at the scenario's failure rates, \
         restarted from checkpoints{goodput})",
        si(get("training.largest_run_flop")),
        get("training.runs_total"),
        get("training.failures_total")
    );
    let thresholds = &d.settings.compute_thresholds_flop;
    if !thresholds.is_empty() {
        let list: Vec<String> = thresholds.iter().map(|&t| threshold_text(out, t)).collect();
        let _ = writeln!(
            s,
            "  compute thresholds     {THRESHOLD_SCOPE}: {}",
            list.join("; ")
        );
    }
    let open = get("training.open_releases_total");
    let total = get("training.releases_total");
    let _ = writeln!(
        s,
        "  releases               {total} ({open} open-weight, {} closed)",
        total - open
    );
    if let Some(gap) = out.scalar("training.min_frontier_gap_months") {
        let _ = writeln!(s, "  {}", best_gap_line(gap));
    }
    if let Some(gap) = out.scalar("training.frontier_gap_months_end") {
        let _ = writeln!(s, "  frontier gap at end    {}", frontier_gap_text(gap));
    }
    // The grid reports no unserved fraction of a run without demand.
    let share = out
        .scalar("energy.unserved_fraction")
        .map_or_else(|| "no demand".to_string(), share_of_demand);
    let _ = writeln!(
        s,
        "  energy shortfall       {} MWh unserved ({share}), {} MWh cut from AI loads, {} hours short",
        si(get("energy.unserved_mwh_total")),
        si(get("energy.ai_curtailed_mwh_total")),
        hours(get("energy.hours_with_shortfall"))
    );
    // Who was shed (audit s33, finding 8: "0 MWh cut from AI loads" read as
    // "the grid holds" while the order shed households and industry first).
    if let Some(line) = shed_text(out, &curtailment_order(d)) {
        let _ = writeln!(s, "  shed by load class     {line}");
    }
    // Where other buyers (`chips.other_buyers`) took some, how many the labs got.
    let to_labs = out
        .scalar("fab.accelerators_delivered_to_labs_total")
        .zip(out.scalar("fab.accelerators_delivered_to_others_total"))
        .filter(|&(_, o)| o > 0.0)
        .map(|(l, o)| format!(", {l} to the labs and {o} to other buyers"))
        .unwrap_or_default();
    // "Assembled at home", not "built": banked dies may be foreign-made
    // (china-2025's TSMC dies are about a third of its home total, all of
    // 2025-26's; fab audit B3).
    let _ = writeln!(
        s,
        "  accelerators delivered {}{to_labs} (of {} assembled at home and {} imported, {} still in stock at the end); \
         binding input at most production ticks: {}{}",
        get("fab.accelerators_delivered_total"),
        get("fab.accelerators_built_total"),
        get("fab.accelerators_imported_total"),
        get("fab.accelerators_stock_end"),
        binding_input_name(get("fab.binding_input_mode")),
        quota_text(out, d)
    );
    // The labs' own accelerators, where the run reports them: where the
    // ones they held and received ended up (at start + delivered =
    // awaiting + installed + retired).
    if let Some(installed) = out.scalar("training.accelerators_installed_end") {
        let _ = writeln!(
            s,
            "  labs' accelerators     {installed} installed at the end, {} awaiting installation, {} retired \
             (of {} held at the start and {} delivered)",
            get("training.accelerators_awaiting_install_end"),
            get("training.accelerators_retired_total"),
            get("training.accelerators_at_start"),
            get("training.accelerators_delivered_total"),
        );
    }
    // The fabs' electricity, where they drew any: what it cost them.
    if let Some(price) = out.scalar("fab.avg_electricity_price_usd_per_mwh") {
        let _ = writeln!(
            s,
            "  fabs' electricity      {} MWh drawn, {} USD ({price:.2} USD/MWh on average)",
            si(get("fab.energy_mwh_total")),
            si(get("fab.electricity_usd_total")),
        );
    }
    // Other buyers with sites: what their accelerators drew and lacked.
    if let Some(drawn) = out.scalar("buyers.energy_mwh_total") {
        let _ = writeln!(
            s,
            "  other buyers' sites    {} MWh drawn, {} MWh lacked for power ({} MWh of it cut by the grid), \
             electricity {} USD (not from their budgets); {} accelerators in service at the end",
            si(drawn),
            si(get("buyers.energy_lost_power_mwh_total")),
            si(get("buyers.energy_curtailed_mwh_total")),
            si(get("buyers.electricity_usd_total")),
            get("buyers.accelerators_in_service_end")
        );
    }
    let bounds = bounds_by_year(out);
    if !bounds.is_empty() {
        // A year bound by failures says by how much (review s28, C5): the
        // label is first-match, and failures bind whenever the expected
        // losses, however small, tip the plan below the target.
        let list: Vec<String> = bounds
            .iter()
            .map(|(y, b)| match national_goodput_in(out, Some(*y)) {
                Some(g) if *b == "failures" => format!("{y}: {b} (goodput {:.1} %)", 100.0 * g),
                _ => format!("{y}: {b}"),
            })
            .collect();
        let _ = writeln!(s, "  what bound the largest run, by year: {}", list.join(", "));
    }
    if let Some(share) = out.scalar("training.share_lost_power_total") {
        // The year that lost the largest share, if one lost 0.1 % or more.
        let worst = out
            .scalars
            .iter()
            .filter_map(|(k, v)| {
                let y: i32 = k.strip_prefix("training.share_lost_power_year_")?.parse().ok()?;
                (*v >= 0.0005).then_some((y, *v))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        let most = worst.map_or(String::new(), |(y, v)| {
            format!("; most in {y}: {:.1} %", 100.0 * v)
        });
        let _ = writeln!(
            s,
            "  lost to power          {:.1} % of the labs' training compute, whatever bound the runs{}{most}",
            100.0 * share,
            power_causes_text(out, share)
        );
    }
    // What the labs' electricity budgets withheld, which is not lost to
    // power (audit s33-headline, finding 2: only `explain` said it, and the
    // summary read "lost to power 0.0 %").
    if let (Some(share), Some(flop)) = (
        out.scalar("training.share_lost_budget_total"),
        out.scalar("training.flop_lost_budget_total"),
    ) && flop > 0.0
    {
        let scarcity = out
            .params
            .iter()
            .find(|(path, _)| path == "grid.scarcity_price_usd_per_mwh")
            .map_or(d.grid.scarcity_price_usd_per_mwh.get(), |&(_, v)| v);
        let _ = writeln!(
            s,
            "  withheld by budgets    {:.1} % of the labs' training compute ({} FLOP), not counted as lost to power: {}",
            100.0 * share,
            si(flop),
            budget_note(out.scalar("energy.hours_with_shortfall"), Some(scarcity))
        );
    }
    s
}

/// What the scenario's import quotas held back, for the summary's
/// `accelerators delivered` line, whose binding input counts the fabs'
/// inputs only (audit s33-headline, finding 4): `; imports held below
/// their paths by the import quota (licence-cap) at 100.0 % of production
/// ticks, 1.23e5 chips withheld`, or `; the import quota (licence-cap)
/// never bound`; nothing in a scenario without a quota on accelerator
/// imports (`fab.import_quota_binding_share` absent).
fn quota_text(out: &RunOutput, d: &ScenarioData) -> String {
    use crate::schema::chips::{ControlData, ControlledItemData, PolicyActionData};
    let Some(share) = out.scalar("fab.import_quota_binding_share") else {
        return String::new();
    };
    let names: Vec<&str> = d
        .policies
        .iter()
        .filter(|p| {
            matches!(
                &p.action,
                PolicyActionData::ExportControl {
                    item: ControlledItemData::Accelerators | ControlledItemData::Design(_),
                    control: ControlData::QuotaPerMonth(_),
                }
            )
        })
        .map(|p| p.name.as_str())
        .collect();
    let which = if names.len() == 1 {
        format!("the import quota ({})", names[0])
    } else {
        format!("the import quotas ({})", names.join(", "))
    };
    if share > 0.0 {
        format!(
            "; imports held below their paths by {which} at {:.1} % of production ticks, {} chips withheld",
            100.0 * share,
            si(out
                .scalar("fab.imports_withheld_by_quota_total")
                .unwrap_or(f64::NAN))
        )
    } else {
        format!("; {which} never bound")
    }
}

/// The compute lost to power by cause, `(cut by the grid, waiting for
/// grid connections)` as shares (`training.share_lost_power_curtailed_total`,
/// `training.share_lost_power_connection_total`), where the run reports
/// them and the whole `share` shows at one decimal of a per cent (0.05 %
/// or more; below, both would print 0.0 %). For `run`'s summary and
/// `aistack explain`.
pub fn lost_power_causes(share: f64, cut: Option<f64>, waiting: Option<f64>) -> Option<(f64, f64)> {
    match (cut, waiting) {
        (Some(cut), Some(waiting)) if share >= 0.0005 => Some((cut, waiting)),
        _ => None,
    }
}

/// [`lost_power_causes`] for the summary's line: ` (0.3 % cut by the grid,
/// 1.8 % waiting for grid connections)`, else nothing.
fn power_causes_text(out: &RunOutput, share: f64) -> String {
    lost_power_causes(
        share,
        out.scalar("training.share_lost_power_curtailed_total"),
        out.scalar("training.share_lost_power_connection_total"),
    )
    .map_or_else(String::new, |(cut, waiting)| {
        format!(
            " ({:.1} % cut by the grid, {:.1} % waiting for grid connections)",
            100.0 * cut,
            100.0 * waiting
        )
    })
}

/// Why the labs' electricity budgets withheld compute, and what the grid
/// had to do with it, for `aistack run` and `aistack explain`: a budget
/// caps a lab's draw when a month's electricity at its sites' tariff (the
/// price they paid the month before) would cost more than the month's
/// money, so what it withholds follows the electricity price, and the
/// grid's shortfalls, priced at its scarcity price, show as budget, not
/// as power (docs/model/model-training.md, "Budget and orders").
/// `hours_short`: `energy.hours_with_shortfall`, and `scarcity`, the
/// scarcity price, USD/MWh, where known.
pub fn budget_note(hours_short: Option<f64>, scarcity: Option<f64>) -> String {
    let cap = "a budget caps a lab's draw when a month's electricity, at the price its sites paid the month \
               before, would cost more than the month's money, so this follows the electricity price";
    let Some(hours_short) = hours_short else {
        return cap.to_string();
    };
    if hours_short > 0.0 {
        let price = scarcity.map_or_else(String::new, |p| format!(" ({} USD/MWh)", sig(p)));
        format!(
            "{cap}; in the grid's {} hours short, the regions shedding load were priced at its scarcity \
             price{price}, so a shortage shows here as budget, not as power (as do the grid's cuts while a \
             budget caps the draw)",
            hours(hours_short)
        )
    } else {
        format!("{cap}; the grid was never short, so no hour was priced at its scarcity price")
    }
}

/// The scenario's curtailment order (`grid.curtailment_order`), first shed first.
fn curtailment_order(d: &ScenarioData) -> Vec<energy_grid::LoadClass> {
    d.grid.curtailment_order.iter().map(|&c| c.into()).collect()
}

/// A load class as the summary names it.
fn class_label(c: energy_grid::LoadClass) -> &'static str {
    match c {
        energy_grid::LoadClass::Household => "households",
        energy_grid::LoadClass::Industry => "industry",
        energy_grid::LoadClass::Fab => "fabs",
        energy_grid::LoadClass::Datacenter => "datacenters",
    }
}

/// Who the grid shed, for a run that left energy unserved: the unserved
/// MWh of each load class (`energy.unserved_<class>_mwh_total`) in the
/// curtailment order `order` (its first class is shed first), and that
/// order: `households 1.36e5 MWh, industry 0 MWh, fabs 0 MWh, datacenters
/// 0 MWh (the scenario's curtailment order: households first, datacenters
/// last)`. `None` without unserved energy, or for a run without these
/// outcomes.
pub fn shed_text(out: &RunOutput, order: &[energy_grid::LoadClass]) -> Option<String> {
    let unserved = out.scalar("energy.unserved_mwh_total")?;
    if unserved <= 0.0 {
        return None;
    }
    let mut parts = Vec::new();
    for &class in order {
        let (_, name) = energy_grid::UNSERVED_BY_CLASS.iter().find(|(c, _)| *c == class)?;
        parts.push(format!("{} {} MWh", class_label(class), si(out.scalar(name)?)));
    }
    let (first, last) = (order.first()?, order.last()?);
    Some(format!(
        "{} (the scenario's curtailment order: {} first, {} last)",
        parts.join(", "),
        class_label(*first),
        class_label(*last)
    ))
}

/// An unserved fraction as the summary line gives it: a percentage to four
/// decimals, or, for a share too small to show there (under 0.00005 %, as a
/// few hours short in a national grid are), two significant digits, so that
/// a shortfall never reads as `0.0000 %`.
fn share_of_demand(fraction: f64) -> String {
    let percent = 100.0 * fraction;
    if percent > 0.0 && percent < 5e-5 {
        format!("{percent:.1e} % of demand")
    } else {
        format!("{percent:.4} % of demand")
    }
}

#[cfg(test)]
mod tests {
    use super::frontier_gap_text;

    /// A lab ahead of the frontier reads "ahead" (before: "-0.5 months behind").
    #[test]
    fn frontier_gap_reads_behind_ahead_or_at() {
        assert_eq!(frontier_gap_text(3.04), "3.0 months behind");
        assert_eq!(frontier_gap_text(-0.5), "0.5 months ahead");
        assert_eq!(frontier_gap_text(0.04), "at the frontier");
        assert_eq!(frontier_gap_text(-0.04), "at the frontier");
    }

    /// Hours short to the hundredth: a sum of 1-minute intervals read
    /// "394.74999999996965" (review s26-modeler, F5); whole hours stay whole.
    #[test]
    fn hours_short_are_rounded_to_the_hundredth() {
        assert_eq!(super::hours(394.74999999996965), "394.75");
        assert_eq!(super::hours(398.0), "398");
        assert_eq!(super::hours(0.016_666_7), "0.02");
        assert_eq!(super::hours(0.0), "0");
        assert_eq!(super::hours(123456.789), "123456.79");
    }

    #[test]
    fn a_tiny_shortfall_does_not_read_as_zero() {
        assert_eq!(super::share_of_demand(4.9e-7), "4.9e-5 % of demand");
        assert_eq!(super::share_of_demand(6.1e-7), "0.0001 % of demand");
        assert_eq!(super::share_of_demand(0.0), "0.0000 % of demand");
        assert_eq!(super::share_of_demand(0.0059), "0.5900 % of demand");
        assert_eq!(super::share_of_demand(1e-6), "0.0001 % of demand");
    }
}
