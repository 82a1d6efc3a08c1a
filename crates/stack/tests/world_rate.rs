//! One world rate of algorithmic progress (`ecosystem.algorithmic_halving_months`),
//! shared by the world frontier written as physical compute
//! (`frontier_log10_physical_flop`) and every lab that does not override it:
//! one draw moves the frontier and the labs together (review s28, A1, where
//! one lab's draw set the headline against a frontier held fixed).

use scheduler::{SECS_PER_YEAR, SimTime, TimePath};
use stack::world::build_configs;
use stack::{RunOptions, RunOutput, Scenario, run};
use std::f64::consts::LOG10_2;
use std::path::Path;

const MONTH: f64 = SECS_PER_YEAR as f64 / 12.0;

/// Two years, three labs: `follows` at the world's rate, `fast` at 1.25 times
/// it, `own` with its own 8 months; spillovers off so each lab's multiplier
/// is its rate alone.
fn scenario(ecosystem: &str, uncertain: &str) -> String {
    format!(
        r#"Scenario(
    name: "world-rate",
    start: "2025-01-01",
    horizon_years: 2,
    regions: [ (name: "home", demand_avg_mw: 1000) ],
    plants: [ (name: "gas", region: "home", technology: Gas, installed_mw: 3000, marginal_cost_usd_per_mwh: 45, failures_per_unit_year: 0) ],
    designs: [ (name: "x", die_area_mm2: 600, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 0, node: "7nm", unit_price_usd: 10000) ],
    labs: [
        (name: "follows", sites: [(region: "home", connected_mw: 100)], fleet: [(design: "x", count: 10000)]),
        (name: "fast", efficiency_rate_ratio: 1.25,
         sites: [(region: "home", connected_mw: 100)], fleet: [(design: "x", count: 10000)]),
        (name: "own", efficiency_halving_months: 8,
         sites: [(region: "home", connected_mw: 100)], fleet: [(design: "x", count: 10000)]),
    ],
    ecosystem: ( spillovers: false, {ecosystem} ),
    uncertain: {{ {uncertain} }},
)"#
    )
}

const PHYSICAL: &str = r#"frontier_log10_physical_flop: [("2025-01-01", 25), ("2027-01-01", 26.3)]"#;
const DRAWN: &str = r#""ecosystem.algorithmic_halving_months": LogNormal(mu: 2.124, sigma: 0.263)"#;

fn load(text: &str) -> Result<Scenario, stack::ScenarioError> {
    Scenario::from_text(Path::new("world-rate.ron"), text)
}

fn run_at(s: &Scenario, halving: f64) -> RunOutput {
    let opts = RunOptions {
        param_values: Some(vec![halving]),
        ..RunOptions::default()
    };
    run(s, &opts).unwrap_or_else(|e| panic!("{e}"))
}

fn sample(out: &RunOutput, date: &str, metric: &str, entity: &str) -> f64 {
    out.sample(date, metric, entity)
        .unwrap_or_else(|| panic!("no {metric} of {entity} at {date}"))
}

/// Months from the start to `date` as the model counts them.
fn months_to(date: &str) -> f64 {
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let d: chrono::NaiveDate = date.parse().unwrap();
    (d - start).num_seconds() as f64 / MONTH
}

/// (b) One value of the world's rate sets the frontier and every lab that
/// follows it: two values give a frontier and labs shifted by the closed
/// form, while the lab with its own halving time stays where it was.
#[test]
fn one_draw_moves_the_frontier_and_every_lab() {
    let s = load(&scenario(PHYSICAL, DRAWN)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.parameters()[0].path, "ecosystem.algorithmic_halving_months");
    let date = "2026-07-01";
    let months = months_to(date);
    // The physical path at the date (linear, 25 -> 26.3 over 730 days).
    let physical = 25.0 + 1.3 * months / months_to("2027-01-01");
    let mut own = Vec::new();
    for h in [6.0, 10.0] {
        let out = run_at(&s, h);
        let world = scheduler::math::log10(sample(&out, date, "training.frontier_effective_flop", "world"));
        let want = physical + LOG10_2 * months / h;
        assert!(
            (world - want).abs() < 1e-9,
            "h {h}: frontier {world}, closed form {want}"
        );
        let log2_m =
            |lab: &str| scheduler::math::log2(sample(&out, date, "training.efficiency_multiplier", lab));
        assert!(
            (log2_m("follows") - months / h).abs() < 1e-9,
            "h {h}: {}",
            log2_m("follows")
        );
        assert!(
            (log2_m("fast") - 1.25 * months / h).abs() < 1e-9,
            "h {h}: {}",
            log2_m("fast")
        );
        own.push(log2_m("own"));
    }
    assert!(
        (own[0] - months / 8.0).abs() < 1e-9 && own[0] == own[1],
        "{own:?}"
    );
}

/// (a) Through the stack: the frontier the gaps measure against is the
/// physical path plus `log10(2) · t / h`, at every date and past the
/// path's end (extended at its average slope).
#[test]
fn the_effective_frontier_is_the_physical_path_plus_the_world_rate() {
    let text = scenario(&format!("algorithmic_halving_months: 7, {PHYSICAL}"), "");
    let s = load(&text).unwrap_or_else(|e| panic!("{e}"));
    let cfg = build_configs(Path::new("world-rate.ron"), &s.data).unwrap_or_else(|e| panic!("{e}"));
    let path = cfg.training.frontier_log10_effective_flop.expect("a frontier");
    let two_years = (cfg.end.0 as f64) / MONTH;
    for months in [0.0, 5.0, 12.0, two_years, 36.0, 60.0] {
        let t = SimTime((months * MONTH).round() as u64);
        let m = t.0 as f64 / MONTH;
        let physical = 25.0 + 1.3 * t.0 as f64 / cfg.end.0 as f64;
        let want = physical + LOG10_2 * m / 7.0;
        let got = model_training::frontier_log10_at(&path, t);
        assert!((got - want).abs() < 1e-9, "{months} months: {got} vs {want}");
    }
    // Each lab's halving time: the world's, divided by its ratio, or its own.
    let halving: Vec<f64> = cfg
        .training
        .labs
        .iter()
        .map(|l| l.efficiency_halving_months)
        .collect();
    assert_eq!(halving, vec![7.0, 7.0 / 1.25, 8.0]);
}

/// (c) The effective form is kept as written: the frontier is the path
/// itself, whatever the world's rate (which then sets the labs' rates only,
/// and a warning says so), and a scenario that writes neither rate gives
/// the labs the 8 months they had before the world rate existed.
#[test]
fn the_effective_form_is_the_written_path() {
    let effective = r#"frontier_log10_effective_flop: [("2025-01-01", 25), ("2027-01-01", 27)]"#;
    for (eco, labs_at, warned) in [
        (effective.to_string(), 8.0, false),
        (format!("algorithmic_halving_months: 4, {effective}"), 4.0, true),
    ] {
        let s = load(&scenario(&eco, "")).unwrap_or_else(|e| panic!("{e}"));
        let cfg = build_configs(Path::new("world-rate.ron"), &s.data).unwrap_or_else(|e| panic!("{e}"));
        let path = cfg.training.frontier_log10_effective_flop.expect("a frontier");
        let calendar = scheduler::Calendar::new(s.data.start);
        let t1 = calendar.at_date("2027-01-01".parse().unwrap()).unwrap();
        let written = vec![(SimTime::ZERO, 25.0), (t1, 27.0)];
        assert_eq!(
            path,
            TimePath::new(written, scheduler::Interp::Linear).unwrap(),
            "{eco}"
        );
        assert_eq!(cfg.training.labs[0].efficiency_halving_months, labs_at);
        let w = s.warnings();
        assert_eq!(
            w.iter().any(|w| w.path == "ecosystem.algorithmic_halving_months"),
            warned,
            "{eco}: {w:#?}"
        );
    }
}

fn line_col_of(text: &str, needle: &str) -> (u32, u32) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in the text"));
    let line = text[..at].matches('\n').count() + 1;
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    (line as u32, col as u32)
}

/// (d) Both forms of the frontier, or a lab with both its own halving time
/// and a ratio: refused at the field, with its line and column.
#[test]
fn both_forms_are_refused_at_the_field() {
    let both =
        format!(r#"{PHYSICAL}, frontier_log10_effective_flop: [("2025-01-01", 25), ("2027-01-01", 27)]"#);
    let text = scenario(&both, "");
    let e = load(&text).expect_err("two frontiers");
    assert_eq!(e.path, "ecosystem.frontier_log10_physical_flop", "{e}");
    let (line, col) = line_col_of(&text, "frontier_log10_physical_flop");
    assert_eq!((e.line, e.column), (Some(line), Some(col)), "{e}");
    assert!(e.message.contains("given twice"), "{e}");

    let text = scenario(PHYSICAL, "").replace(
        "efficiency_halving_months: 8,",
        "efficiency_halving_months: 8, efficiency_rate_ratio: 2,",
    );
    let e = load(&text).expect_err("a halving time and a ratio");
    assert_eq!(e.path, "labs.own.efficiency_rate_ratio", "{e}");
    let (line, col) = line_col_of(&text, "efficiency_rate_ratio: 2");
    assert_eq!((e.line, e.column), (Some(line), Some(col)), "{e}");

    // A step path cannot take a straight line added to it.
    let text = scenario(
        r#"frontier_log10_physical_flop: (step: [("2025-01-01", 25), ("2026-01-01", 26)])"#,
        "",
    );
    let e = load(&text).expect_err("a step path");
    assert_eq!(e.path, "ecosystem.frontier_log10_physical_flop", "{e}");
    assert!(e.line.is_some(), "{e}");
}

/// The world rate and a lab's ratio outside their ranges ([0.1, 10,000]
/// months, [0.1, 10]) are refused as the file is read, at the field and
/// its line, saying the range.
#[test]
fn rates_out_of_range_are_refused_where_written() {
    for (from, to, path, range) in [
        (
            "spillovers: false,",
            "spillovers: false, algorithmic_halving_months: 0.05,",
            "ecosystem.algorithmic_halving_months",
            "[0.1, 10000] months",
        ),
        (
            "efficiency_rate_ratio: 1.25",
            "efficiency_rate_ratio: 12",
            "labs[1].efficiency_rate_ratio",
            "[0.1, 10]",
        ),
    ] {
        let text = scenario(PHYSICAL, "").replace(from, to);
        let e = load(&text).expect_err(path);
        assert_eq!(e.path, path, "{e}");
        let field = path.rsplit('.').next().unwrap();
        let (line, _) = line_col_of(&text, &to[to.find(field).unwrap()..]);
        assert_eq!(e.line, Some(line), "{e}");
        assert!(e.message.contains(range), "{e}");
    }
}

/// A world rate whose drawn tail would carry a lab's multiplier past its
/// limit is refused at the world rate's `uncertain` entry, the value the
/// author wrote, not at a lab field nobody wrote.
#[test]
fn a_world_rate_past_the_limit_is_named_where_it_is_written() {
    // No frontier: its extension would pass its own limit first.
    let text = scenario("", "")
        .replace("horizon_years: 2,", "horizon_years: 60,")
        .replace(
            "spillovers: false,",
            "spillovers: false, algorithmic_halving_months: 0.5,",
        );
    let e = load(&text).expect_err("past the multiplier's limit");
    assert_eq!(e.path, "ecosystem.algorithmic_halving_months", "{e}");
    let (line, _) = line_col_of(&text, "algorithmic_halving_months: 0.5");
    assert_eq!(e.line, Some(line), "{e}");
    assert!(e.message.contains("the lab's halving time"), "{e}");
    // With the frontier written as physical compute, the frontier's own
    // progress is held to the same limit, at the same field.
    let text = text.replace("spillovers: false,", &format!("spillovers: false, {PHYSICAL},"));
    let e = load(&text).expect_err("past the limit");
    assert_eq!(e.path, "ecosystem.algorithmic_halving_months", "{e}");
    assert_eq!(e.line, Some(line), "{e}");
    assert!(e.message.contains("world frontier's algorithmic progress"), "{e}");
}

/// A horizon of 30 years loads with the calibrated world rate: the
/// frontier's algorithmic progress is held to the labs' multiplier limit,
/// not to the range of a written path (at 30 years a draw of 2 months, in
/// the lognormal's far tail, takes it past 10^100).
#[test]
fn thirty_years_of_china_2025_load() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios/china-2025.ron");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replacen("horizon_years: 10", "horizon_years: 30", 1);
    Scenario::from_text(&path, &text).unwrap_or_else(|e| panic!("{e}"));
}
