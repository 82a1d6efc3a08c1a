//! Dates before the scenario start (audit s6, finding 3): a path anchored
//! on earlier dates means what it says at the start, a project begun earlier
//! completes on its real date, and a drought begun earlier runs for what is
//! left of it.

use stack::{RunOptions, RunOutput, Scenario, run};
use std::path::Path;

/// A one-region scenario starting 2025-01-01 with `extra` fields appended.
fn scenario(horizon: f64, region_extra: &str, extra: &str) -> Scenario {
    let text = format!(
        r#"Scenario(name: "t", start: "2025-01-01", horizon_years: {horizon},
    regions: [ (name: "home", demand_avg_mw: 1000, daily_amplitude: 0, seasonal_amplitude: 0 {region_extra}) ],
    plants: [ (name: "home-gas", region: "home", technology: Gas, installed_mw: 1600, failures_per_unit_year: 0),
              (name: "home-hydro", region: "home", technology: Hydro, installed_mw: 500) ],
    designs: [ ( name: "h100", die_area_mm2: 814, peak_flop_s: 989e12, power_w: 700, hbm_stacks: 5, node: "4nm", unit_price_usd: 25000) ],
    labs: [ ( name: "lab", sites: [(region: "home", connected_mw: 0.001)], fleet: [(design: "h100", count: 1)]) ],
    {extra}
)"#
    );
    Scenario::from_text(Path::new("t.ron"), &text).unwrap_or_else(|e| panic!("{e}"))
}

fn series(out: &RunOutput, metric: &str, entity: &str) -> Vec<(String, f64)> {
    out.series
        .iter()
        .filter(|s| s.metric == metric && s.entity == entity)
        .map(|s| (s.date.to_string(), s.value))
        .collect()
}

fn run1(s: &Scenario) -> RunOutput {
    run(s, &RunOptions::default()).expect("runs")
}

#[test]
fn a_linear_path_from_before_the_start_is_interpolated_at_the_start() {
    // Audit pathA/pathB: 0 in 2020 → 1 in 2030 is about 0.5 on 2025-01-01
    // (1,827 of its 3,653 days), and the slope after the start is unchanged.
    let a = scenario(
        0.5,
        r#", demand_growth_per_year: [("2020-01-01", 0.0), ("2030-01-01", 1.0)]"#,
        "",
    );
    let b = scenario(
        0.5,
        &format!(
            r#", demand_growth_per_year: [("2025-01-01", {}), ("2030-01-01", 1.0)]"#,
            1827.0 / 3653.0
        ),
        "",
    );
    let (oa, ob) = (run1(&a), run1(&b));
    let (da, db) = (
        series(&oa, "energy.demand_mwh", "home"),
        series(&ob, "energy.demand_mwh", "home"),
    );
    assert!(da.len() > 5);
    assert_eq!(da.len(), db.len());
    for ((date_a, va), (date_b, vb)) in da.iter().zip(&db) {
        assert_eq!(date_a, date_b);
        // Same to rounding (the audit saw 2 % apart over 0.1 yr); the row
        // at the start holds no flow in either.
        assert!(
            (va - vb).abs() <= 1e-9 * vb.abs(),
            "{date_a}: {va} from 2020, {vb} from 2025"
        );
    }
}

#[test]
fn a_step_path_holds_its_last_value_before_the_start() {
    let a = scenario(
        0.5,
        r#", demand_growth_per_year: (step: [("2020-01-01", 0.0), ("2023-01-01", 0.4), ("2025-03-01", 1.0)])"#,
        "",
    );
    let b = scenario(
        0.5,
        r#", demand_growth_per_year: (step: [("2025-01-01", 0.4), ("2025-03-01", 1.0)])"#,
        "",
    );
    assert_eq!(
        series(&run1(&a), "energy.demand_mwh", "home"),
        series(&run1(&b), "energy.demand_mwh", "home")
    );
}

/// Nuclear capacity on `date`.
fn nuclear_on(out: &RunOutput, date: &str) -> f64 {
    series(out, "energy.capacity_nuclear_mw", "home")
        .into_iter()
        .find(|(d, _)| d == date)
        .unwrap_or_else(|| panic!("no sample on {date}"))
        .1
}

#[test]
fn a_project_begun_before_the_start_completes_on_its_real_date() {
    // Audit proj: begun 2020, 6 years to build: online in 2026, not 2031.
    let s = scenario(
        2.0,
        "",
        r#"grid_projects: [ (name: "p", region: "home", technology: Nuclear, mw: 1000,
            start: "2020-01-01", lead_time_years: Const(value: 6)) ],"#,
    );
    let out = run1(&s);
    assert_eq!(nuclear_on(&out, "2025-12-01"), 0.0);
    assert_eq!(nuclear_on(&out, "2026-02-01"), 1000.0);
    // A uniform lead time all of whose draws end after the start is shifted
    // by the years already spent: same draw, same completion date as begun
    // on 2020-01-01.
    let s = scenario(
        2.0,
        "",
        r#"grid_projects: [ (name: "p", region: "home", technology: Nuclear, mw: 1000,
            start: "2020-01-01", lead_time_years: Uniform(low: 5.5, high: 6.5)) ],"#,
    );
    let out = run1(&s);
    assert_eq!(nuclear_on(&out, "2025-06-01"), 0.0);
    assert_eq!(nuclear_on(&out, "2026-08-01"), 1000.0);
    // One whose lead time ended before the start is online at the start.
    let s = scenario(
        1.0,
        "",
        r#"grid_projects: [ (name: "p", region: "home", technology: Nuclear, mw: 1000,
            start: "2010-01-01", lead_time_years: Const(value: 6)) ],"#,
    );
    assert_eq!(nuclear_on(&run1(&s), "2025-02-01"), 1000.0);
}

/// s8 leftover: a grid project begun before the start with a random lead
/// time that may have ended by then was refused ("may have ended before
/// it (or has no shifted form)"), and so was any LogNormal. Now the
/// project is taken to be still under construction at the start: its lead
/// time is drawn conditioned on outlasting the years spent, so no draw
/// completes at the start. Begun 2020-01-01 with a median lead of 5.47
/// years, about 38 % of unconditioned draws would be over by 2025.
#[test]
fn a_grid_project_begun_before_the_start_is_still_being_built_then() {
    let s = scenario(
        0.25,
        "",
        r#"grid_projects: [ (name: "p", region: "home", technology: Nuclear, mw: 1000,
            start: "2020-01-01", lead_time_years: LogNormal(mu: 1.7, sigma: 0.3)) ],"#,
    );
    let mut built_in_the_first_quarter = 0;
    for seed in 0..24 {
        let out = run(
            &s,
            &RunOptions {
                seed: Some(seed),
                ..RunOptions::default()
            },
        )
        .expect("runs");
        assert_eq!(nuclear_on(&out, "2025-01-01"), 0.0, "seed {seed}");
        if nuclear_on(&out, "2025-04-01") > 0.0 {
            built_in_the_first_quarter += 1;
        }
    }
    // P(5.002 < L ≤ 5.25 | L > 5.002) ≈ 0.10 for this LogNormal: a few of 24.
    assert!(built_in_the_first_quarter <= 8, "{built_in_the_first_quarter}");
}

/// A fab project begun before the start completes on its real date for
/// any lead-time distribution (s8 item 1: a log-normal, which has no
/// shifted form, is not refused), and the same draw is one year earlier
/// when the project began one year earlier if every value of the lead time
/// outlasts that year (s10 item 1: the lead time of a project still being
/// built at the start is drawn conditioned on outlasting the years spent,
/// which leaves such a lead time as it is).
#[test]
fn a_fab_project_begun_before_the_start_takes_any_lead_time() {
    let fab = |start: &str, lead: &str| {
        scenario(
            3.0,
            "",
            &format!(
                r#"fabs: [ (name: "f", region: "home", node: "4nm", capacity_wafers_per_month: 1000, ramp_months: 0,
                    yield_initial: 0.5, yield_ceiling: 0.9, yield_learning_wafers: 1000, power_mw: 1,
                    products: [(design: "h100", share: 1.0)]) ],
                chips: (tools: (inventory_at_start: 1000, failures_per_tool_year: 0)),
                fab_projects: [ (name: "fp", fab: "f", kind: Expansion(added_wafers_per_month: 1000),
                    start: "{start}", lead_time_years: {lead}) ],"#
            ),
        )
    };
    let first_month_expanded = |s: &Scenario| {
        let out = run1(s);
        let months = series(&out, "fab.capacity_wafers_per_month", "f");
        months
            .iter()
            .position(|(_, v)| *v > 1500.0)
            .expect("the expansion completes")
    };
    let uniform = "Uniform(low: 1.5, high: 2.5)";
    let on_time = first_month_expanded(&fab("2025-01-01", uniform));
    let earlier = first_month_expanded(&fab("2024-01-01", uniform));
    assert!(on_time >= 18, "drawn lead time in months: {on_time}");
    assert!(
        on_time.abs_diff(earlier + 12) <= 1,
        "begun a year earlier, done about a year earlier: {on_time} vs {earlier} months"
    );
    // A log-normal begun two years early (median 2 years): still being
    // built at the start in every run. P(2 < L ≤ 2 + 1/12 | L > 2) ≈ 0.1,
    // so a few of 24 runs complete it in the first month (before s10 about
    // half did: every draw below 2 years completed it at the start).
    let lognormal = fab("2023-01-01", "LogNormal(mu: 0.69, sigma: 0.35)");
    let done_in_first_month = (0..24)
        .filter(|&seed| {
            let out = run(
                &lognormal,
                &RunOptions {
                    seed: Some(seed),
                    ..RunOptions::default()
                },
            )
            .expect("runs");
            let months = series(&out, "fab.capacity_wafers_per_month", "f");
            months[1].1 > 1500.0
        })
        .count();
    assert!(done_in_first_month <= 6, "{done_in_first_month} of 24");
}

#[test]
fn a_drought_begun_before_the_start_runs_for_what_is_left() {
    let hydro = |start: &str, days: u32| {
        let s = scenario(
            0.4,
            "",
            &format!(
                r#"droughts: [ (name: "d", region: "home", start: "{start}", days: {days}, depth: 1.0) ],"#
            ),
        );
        series(&run1(&s), "energy.generation_hydro_mwh", "home")
    };
    // Begun 2024-12-01 for 62 days: over on 2025-02-01, as one written
    // from the start for the 31 days left.
    let before = hydro("2024-12-01", 62);
    let from_start = hydro("2025-01-01", 31);
    assert_eq!(before, from_start);
    // Over before the start: no effect at all.
    let over = hydro("2024-01-01", 30);
    let none = series(
        &run1(&scenario(0.4, "", "")),
        "energy.generation_hydro_mwh",
        "home",
    );
    assert_eq!(over, none);
}

/// Imports of a design under a ban and a lift dated before the start,
/// listed in `order`: the units imported over the scenario's year.
fn imports_under_policies(order: [&str; 2]) -> f64 {
    let policy = |name: &str| match name {
        "ban" => {
            r#"(name: "ban", date: "2024-01-01", action: ExportControl(item: Design("h20"), control: Ban))"#
        }
        _ => {
            r#"(name: "lift", date: "2024-06-01", action: ExportControl(item: Design("h20"), control: Lift))"#
        }
    };
    let text = format!(
        r#"Scenario(name: "t", start: "2025-01-01", horizon_years: 1,
    regions: [ (name: "home", demand_avg_mw: 1000) ],
    plants: [ (name: "home-gas", region: "home", technology: Gas, installed_mw: 1600) ],
    designs: [ (name: "h20", die_area_mm2: 814, peak_flop_s: 148e12, power_w: 400, hbm_stacks: 4, node: "4nm", unit_price_usd: 12000) ],
    imports: [ (name: "h20-imports", design: "h20", units_per_month: 1000) ],
    policies: [ {}, {} ],
    labs: [ (name: "lab", budget_usd_per_year: 1e9, sites: [(region: "home", connected_mw: 100)]) ],
)"#,
        policy(order[0]),
        policy(order[1])
    );
    let s = Scenario::from_text(Path::new("t.ron"), &text).unwrap_or_else(|e| panic!("{e}"));
    series(&run1(&s), "fab.imports", "national")
        .iter()
        .map(|(_, v)| v)
        .sum()
}

#[test]
fn policies_dated_before_the_start_apply_in_date_order_whatever_their_list_order() {
    // A ban of 2024-01 lifted in 2024-06: the design is importable from the
    // start, however the two are listed (audit s15-fab, finding 1: listed
    // lift first, the ban stayed in force and nothing was imported).
    let in_order = imports_under_policies(["ban", "lift"]);
    let reversed = imports_under_policies(["lift", "ban"]);
    assert!(in_order > 10_000.0, "imports {in_order}");
    assert_eq!(reversed, in_order);
}

/// The capacity of a fab whose +8,000 wafers-a-month expansion (a fixed
/// lead time of 1.5 years) was begun on 2024-01-01 by `begun`: the
/// project's own `start`, or a `Subsidy` policy of that date.
fn capacity_after_an_expansion_begun(begun: &str) -> Vec<(String, f64)> {
    let text = expansion_scenario(begun);
    let s = Scenario::from_text(Path::new("t.ron"), &text).unwrap_or_else(|e| panic!("{e}"));
    series(&run1(&s), "fab.capacity_wafers_per_month", "f")
}

/// The scenario of [`capacity_after_an_expansion_begun`]; `begun` may also
/// be `start+subsidy` (a start and a subsidy before it) or `two-subsidies`
/// (one before the start, one after).
fn expansion_scenario(begun: &str) -> String {
    let sub = r#"(name: "sub", date: "2024-01-01", action: Subsidy(projects: ["x"]))"#;
    let (start, policy) = match begun {
        "start" => (r#", start: "2024-01-01""#, String::new()),
        "start+subsidy" => (r#", start: "2026-06-01""#, format!("policies: [{sub}],")),
        "two-subsidies" => (
            "",
            format!(
                r#"policies: [{sub}, (name: "again", date: "2025-06-01", action: Subsidy(projects: ["x"]))],"#
            ),
        ),
        _ => ("", format!("policies: [{sub}],")),
    };
    format!(
        r#"Scenario(name: "t", start: "2025-01-01", horizon_years: 2,
    regions: [ (name: "home", demand_avg_mw: 1000) ],
    plants: [ (name: "home-gas", region: "home", technology: Gas, installed_mw: 1600) ],
    chips: (tools: (inventory_at_start: 1000)),
    designs: [ (name: "a", die_area_mm2: 670, dies_per_chip: 2, peak_flop_s: 780e12, power_w: 1000, hbm_stacks: 8, node: "7nm", unit_price_usd: 20000) ],
    fabs: [ (name: "f", region: "home", node: "7nm", capacity_wafers_per_month: 7000, ramp_months: 0,
             yield_initial: 0.3, yield_ceiling: 0.6, yield_learning_wafers: 300000, power_mw: 25,
             products: [(design: "a", share: 1)]) ],
    fab_projects: [ (name: "x", fab: "f", kind: Expansion(added_wafers_per_month: 8000), lead_time_years: Const(value: 1.5) {start}) ],
    {policy}
    labs: [ (name: "lab", sites: [(region: "home", connected_mw: 10)]) ],
)"#
    )
}

#[test]
fn a_subsidy_dated_before_the_start_began_its_project_on_its_date() {
    // Begun 2024-01-01 with 1.5 years to build: complete in mid-2025,
    // whether the project's `start` or a subsidy of that date began it
    // (audit s15-fab, finding 9: the subsidy began it at the scenario
    // start, a year late).
    let by_start = capacity_after_an_expansion_begun("start");
    let by_subsidy = capacity_after_an_expansion_begun("subsidy");
    assert!(
        by_start
            .iter()
            .any(|(d, c)| d.as_str() == "2025-08-01" && *c > 14_000.0),
        "{by_start:?}"
    );
    assert_eq!(by_subsidy, by_start);
}

#[test]
fn a_subsidy_of_a_project_with_a_start_is_refused_and_a_second_subsidy_does_nothing() {
    // The project has its own start: a subsidy before the start is refused
    // as one after it is (the session's first version ignored it silently).
    let e = Scenario::from_text(Path::new("t.ron"), &expansion_scenario("start+subsidy"))
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("policies.sub.action") && e.contains("project `x` already has a start date"),
        "{e}"
    );
    // Begun by a subsidy before the start, then named by a second one: the
    // second does nothing (it was refused as if the user had written a start).
    let twice = Scenario::from_text(Path::new("t.ron"), &expansion_scenario("two-subsidies"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        series(&run1(&twice), "fab.capacity_wafers_per_month", "f"),
        capacity_after_an_expansion_begun("start")
    );
}
