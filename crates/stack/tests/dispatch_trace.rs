//! The per-step grid trace of a window of dates (`dispatch.csv`,
//! `RunOptions::dispatch_window`): its rows add up to the monthly totals,
//! balance every step, cover exactly the window's steps, and a run without
//! a window records nothing and writes the same series.

use stack::dispatch_csv::{DateWindow, DispatchTrace, write_dispatch};
use stack::output::write_timeseries;
use stack::{RunOptions, RunOutput, Scenario, run};
use std::path::Path;

/// Two regions joined by a link: `a` short of firm capacity in the evening
/// (its solar gone), with wind, a battery, a fab and a datacenter; `b` with
/// spare gas and nuclear. So a month of it sheds, spills, charges,
/// discharges, and sends power both ways.
const TEXT: &str = r#"Scenario(name: "t", start: "2025-01-01", horizon_years: 0.25,
    regions: [ (name: "a", demand_avg_mw: 1000, storage_mw: 150, storage_mwh: 600),
               (name: "b", demand_avg_mw: 700) ],
    plants: [ (name: "a-coal", region: "a", technology: Coal, installed_mw: 450),
              (name: "a-gas", region: "a", technology: Gas, installed_mw: 250),
              (name: "a-solar", region: "a", technology: Solar, installed_mw: 1500),
              (name: "a-wind", region: "a", technology: Wind, installed_mw: 600),
              (name: "b-gas", region: "b", technology: Gas, installed_mw: 700),
              (name: "b-nuclear", region: "b", technology: Nuclear, installed_mw: 300),
              (name: "b-hydro", region: "b", technology: Hydro, installed_mw: 200) ],
    links: [ (name: "ab", from: "a", to: "b", capacity_mw: 150) ],
    designs: [ ( name: "h100", die_area_mm2: 814, peak_flop_s: 989e12, power_w: 700, hbm_stacks: 5, node: "4nm", unit_price_usd: 25000) ],
    fabs: [ (name: "f", region: "a", node: "4nm", capacity_wafers_per_month: 1000, ramp_months: 0,
             yield_initial: 0.5, yield_ceiling: 0.9, yield_learning_wafers: 1000, power_mw: 40,
             products: [(design: "h100", share: 1.0)]) ],
    labs: [ ( name: "lab", sites: [(region: "a", connected_mw: 60)], fleet: [(design: "h100", count: 20000)]) ],
)"#;

fn scenario(text: &str) -> Scenario {
    Scenario::from_text(Path::new("t.ron"), text).unwrap_or_else(|e| panic!("{e}"))
}

fn window(s: &str) -> DateWindow {
    DateWindow::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

fn run_with(s: &Scenario, w: Option<&str>) -> RunOutput {
    run(
        s,
        &RunOptions {
            dispatch_window: w.map(window),
            ..RunOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn trace(out: &RunOutput) -> &DispatchTrace {
    out.dispatch.as_ref().expect("a window was given")
}

/// Σ over the window's steps of `metric` (MW) × the step's hours (1).
fn energy(t: &DispatchTrace, metric: &str, entity: &str) -> f64 {
    let col = t.column(metric, entity);
    assert_eq!(col.len(), t.steps.len(), "no column {metric} of {entity}");
    col.iter().sum()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn a_window_of_one_month_adds_up_to_the_months_totals() {
    let out = run_with(&scenario(TEXT), Some("2025-02-01..2025-03-01"));
    let t = trace(&out);
    assert_eq!(t.steps.len(), 28 * 24);
    // The sample at 1 March holds February's flows.
    let mut pairs: Vec<(String, String)> = [
        "demand",
        "served",
        "unserved",
        "spill",
        "hydro_spill",
        "imports",
        "exports",
        "losses",
        "generation",
    ]
    .iter()
    .map(|k| (format!("energy.{k}_mw"), format!("energy.{k}_mwh")))
    .collect();
    pairs.push((
        "energy.storage_charge_mw".into(),
        "energy.storage_charge_mwh".into(),
    ));
    pairs.push((
        "energy.storage_discharge_mw".into(),
        "energy.storage_discharge_mwh".into(),
    ));
    for tech in ["coal", "gas", "nuclear", "hydro", "wind", "solar"] {
        pairs.push((
            format!("energy.generation_{tech}_mw"),
            format!("energy.generation_{tech}_mwh"),
        ));
    }
    for region in ["a", "b"] {
        for (per_step, monthly) in &pairs {
            let summed = energy(t, per_step, region);
            let month = out
                .sample("2025-03-01", monthly, region)
                .unwrap_or_else(|| panic!("no {monthly} of {region}"));
            assert!(
                close(summed, month, 1e-9),
                "{region}: Σ {per_step} × 1 h = {summed}, {monthly} of February = {month}"
            );
        }
    }
    // Not vacuous: the month sheds, spills, uses the battery and the link
    // both ways, and each class is in it.
    for (metric, entity) in [
        ("energy.unserved_mw", "a"),
        ("energy.spill_mw", "a"),
        ("energy.storage_charge_mw", "a"),
        ("energy.storage_discharge_mw", "a"),
        ("energy.link_flow_mw", "ab:a->b"),
        ("energy.link_flow_mw", "ab:b->a"),
        ("energy.demand_fab_mw", "a"),
        ("energy.demand_datacenter_mw", "a"),
        ("energy.demand_household_mw", "b"),
        ("energy.demand_industry_mw", "b"),
        ("energy.generation_hydro_mw", "b"),
    ] {
        assert!(
            energy(t, metric, entity) > 0.0,
            "no {metric} of {entity} in February"
        );
    }
    // The price: the monthly average is the step prices' mean (hourly steps).
    let price = energy(t, "energy.price_usd_per_mwh", "b") / t.steps.len() as f64;
    let month = out.sample("2025-03-01", "energy.price_usd_per_mwh", "b");
    if let Some(month) = month {
        assert!(close(price, month, 1e-9), "{price} vs {month}");
    }
}

#[test]
fn every_step_balances_and_its_parts_add_up() {
    let out = run_with(&scenario(TEXT), Some("2025-02-01..2025-02-15"));
    let t = trace(&out);
    assert_eq!(t.steps.len(), 14 * 24);
    let col = |m: &str, e: &str| t.column(m, e);
    let flow = |e: &str| col("energy.link_flow_mw", e);
    let (ab, ba) = (flow("ab:a->b"), flow("ab:b->a"));
    for region in ["a", "b"] {
        let g = |k: &str| col(&format!("energy.{k}_mw"), region);
        let (generation, imports, discharge) = (g("generation"), g("imports"), g("storage_discharge"));
        let (served, exports, charge, losses) = (g("served"), g("exports"), g("storage_charge"), g("losses"));
        let (demand, unserved) = (g("demand"), g("unserved"));
        let techs: Vec<Vec<f64>> = ["coal", "gas", "nuclear", "hydro", "wind", "solar"]
            .iter()
            .map(|k| g(&format!("generation_{k}")))
            .collect();
        let classes: Vec<[Vec<f64>; 3]> = ["household", "industry", "fab", "datacenter"]
            .iter()
            .map(|c| {
                [
                    g(&format!("demand_{c}")),
                    g(&format!("served_{c}")),
                    g(&format!("unserved_{c}")),
                ]
            })
            .collect();
        let (sent, received) = if region == "a" { (&ab, &ba) } else { (&ba, &ab) };
        for i in 0..t.steps.len() {
            let inflow = generation[i] + imports[i] + discharge[i];
            let outflow = served[i] + exports[i] + charge[i] + losses[i];
            assert!(
                close(inflow, outflow, 1e-9),
                "{region} step {i}: {inflow} in, {outflow} out"
            );
            assert!(
                close(demand[i], served[i] + unserved[i], 1e-9),
                "{region} step {i}"
            );
            let by_tech: f64 = techs.iter().map(|c| c[i]).sum();
            assert!(
                close(by_tech, generation[i], 1e-9),
                "{region} step {i}: {by_tech}"
            );
            for (k, total) in [(0, demand[i]), (1, served[i]), (2, unserved[i])] {
                let by_class: f64 = classes.iter().map(|c| c[k][i]).sum();
                assert!(
                    close(by_class, total, 1e-9),
                    "{region} step {i}, part {k}: {by_class} vs {total}"
                );
            }
            assert!(close(sent[i], exports[i], 1e-12) && close(received[i], imports[i], 1e-12));
            assert!(
                sent[i] == 0.0 || received[i] == 0.0,
                "a link carries power one way at a time"
            );
        }
    }
}

#[test]
fn the_window_covers_exactly_its_steps() {
    // Five-hour steps from 1 January 00:00: none on most midnights.
    let text = TEXT.replace(
        "horizon_years: 0.25,",
        "horizon_years: 0.25, grid: (dispatch_interval_hours: 5),",
    );
    let s = scenario(&text);
    let out = run_with(&s, Some("2025-02-03..2025-02-05"));
    let t = trace(&out);
    let cal = out.calendar;
    let (from, to) = (
        cal.at_date("2025-02-03".parse().unwrap()).unwrap().ticks(),
        cal.at_date("2025-02-05".parse().unwrap()).unwrap().ticks(),
    );
    let expected: Vec<u64> = (0..to).step_by(5 * 3600).filter(|&x| x >= from).collect();
    let got: Vec<u64> = t.steps.iter().map(|s| s.ticks()).collect();
    assert_eq!(got, expected);
    // 3 February 00:00 is 792 h from the start, so the first step is at
    // 795 h, 03:00; the last one starts at 835 h, before 5 February 00:00.
    let mut csv = Vec::new();
    write_dispatch(&mut csv, 0, t, &cal).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let times: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    assert_eq!(times.first(), Some(&"2025-02-03T03:00"));
    assert_eq!(times.last(), Some(&"2025-02-04T19:00"));
    assert_eq!(csv.lines().next(), Some("run,time_year,time,metric,entity,value"));
}

#[test]
fn a_run_without_a_window_records_nothing_and_writes_the_same_series() {
    let s = scenario(TEXT);
    let with = run_with(&s, Some("2025-02-01..2025-02-08"));
    let without = run_with(&s, None);
    assert!(without.dispatch.is_none());
    let csv = |o: &RunOutput| {
        let mut b = Vec::new();
        write_timeseries(&mut b, 0, &o.series, true).unwrap();
        b
    };
    assert!(csv(&with) == csv(&without), "the window changed timeseries.csv");
    assert_eq!(with.scalars, without.scalars);
    assert_eq!(with.events, without.events);
}

#[test]
fn windows_outside_the_run_are_refused() {
    let s = scenario(TEXT);
    let refused = |text: &str, w: &str| {
        run(
            &scenario(text),
            &RunOptions {
                dispatch_window: Some(window(w)),
                ..RunOptions::default()
            },
        )
        .err()
        .unwrap_or_else(|| panic!("{w} was accepted"))
        .to_string()
    };
    let run_dates = "the run covers 2025-01-01 00:00 up to 2025-04-02 07:30";
    let e = refused(TEXT, "2024-12-31..2025-01-02");
    assert!(
        e.contains("2024-12-31..2025-01-02 starts before the run")
            && e.contains(run_dates)
            && e.contains("so FROM is 2025-01-01 or later"),
        "{e}"
    );
    let e = refused(TEXT, "2025-03-30..2025-04-04");
    assert!(
        e.contains("ends after the run")
            && e.contains(run_dates)
            && e.contains("so TO is 2025-04-03 or earlier"),
        "{e}"
    );
    // The whole run is a window, its last part-day included: the steps up
    // to the run's end, 2 April 07:30 (the last starting at 07:00).
    let whole = run_with(&s, Some("2025-01-01..2025-04-03"));
    let steps = &trace(&whole).steps;
    assert_eq!(steps.len(), 91 * 24 + 8);
    assert_eq!(steps.last().map(|t| t.ticks()), Some((91 * 24 + 7) * 3600));
}

#[test]
fn window_text_is_checked() {
    assert_eq!(
        window("2027-07-01..2027-07-08"),
        DateWindow {
            from: "2027-07-01".parse().unwrap(),
            to: "2027-07-08".parse().unwrap()
        }
    );
    for (text, says) in [
        (
            "2027-07-01",
            "is not a window of dates: a window is written FROM..TO",
        ),
        ("2027-07-08..2027-07-01", "is reversed"),
        ("2027-07-01..2027-07-01", "is empty"),
        ("2027-02-30..2027-03-01", "day 30 is out of range"),
        ("july..august", "expected a date written YYYY-MM-DD"),
    ] {
        let e = DateWindow::parse(text).expect_err(text);
        assert!(e.contains(says), "{text}: {e}");
    }
}

/// With a hydro reservoir the trace carries each region's water at the
/// step's end: the last step of February holds what the sample of 1 March
/// reports, and the hydro spill adds up to the month's; a grid without a
/// reservoir traces no `energy.reservoir_mwh`.
#[test]
fn the_trace_follows_a_reservoirs_water() {
    let text = TEXT.replace("installed_mw: 200) ]", "installed_mw: 200, reservoir_hours: 6) ]");
    assert_ne!(text, TEXT);
    let out = run_with(&scenario(&text), Some("2025-02-01..2025-03-01"));
    let t = trace(&out);
    let level = t.column("energy.reservoir_mwh", "b");
    assert_eq!(level.len(), t.steps.len());
    let month = out
        .sample("2025-03-01", "energy.reservoir_mwh", "b")
        .expect("monthly level");
    assert!(
        close(*level.last().expect("steps"), month, 1e-12),
        "{level:?} against {month}"
    );
    assert!(
        level.iter().any(|&l| l < 0.99 * 1_200.0),
        "the water moves: {level:?}"
    );
    let spill = energy(t, "energy.hydro_spill_mw", "b");
    let monthly = out
        .sample("2025-03-01", "energy.hydro_spill_mwh", "b")
        .expect("monthly spill");
    assert!(close(spill, monthly, 1e-9), "{spill} against {monthly}");
    let plain = run_with(&scenario(TEXT), Some("2025-02-01..2025-03-01"));
    assert!(
        trace(&plain)
            .keys
            .iter()
            .all(|(m, _)| m != "energy.reservoir_mwh")
    );
}
