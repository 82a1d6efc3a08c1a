//! The adequacy response: at each check a region's forecast gap to its
//! target reserve margin is built in whole units (closed form), capped,
//! and completes after the lead time; nothing is built while the margin is
//! ample; MW started = completed + abandoned + pending; same seed, same
//! run; and a growing region sheds less with the response than without.

mod common;

use common::{config, firm, flat_region, hours, run, started};
use energy_grid::{AdequacyConfig, Grid, GridConfig, GridError, GridEvent, Technology};
use scheduler::{Dist, Scheduler, SimTime, TimePath, math};

/// Hours in a Julian year (the unit of lead times and check intervals).
const YEAR_H: u64 = 8_766;

/// Region "a": flat non-AI demand of `demand_mw` growing `growth` a year,
/// on 1,000 MW of gas without outages, with a gas response in 10 MW units,
/// a fixed one-year lead time, a one-year forecast and yearly checks.
fn growing(demand_mw: f64, growth: f64) -> GridConfig {
    let mut r = flat_region("a", demand_mw);
    r.demand.growth_per_year = TimePath::constant(growth);
    r.fleet.push(firm("a-gas", Technology::Gas, 1_000.0, 40.0));
    let mut c = config(vec![r]);
    c.adequacy
        .push(AdequacyConfig::new("plan", Technology::Gas, 10.0, 1.0));
    c
}

/// Every monthly sample of a run of `years` years: (metric, entity, value)
/// rows, in order.
fn samples(c: GridConfig, seed: u64, years: u64) -> (Grid, Vec<(String, String, f64)>) {
    let (mut grid, mut agenda) = started(c, seed);
    let mut rows = Vec::new();
    let calendar = *grid.calendar();
    let end = calendar
        .at_date(chrono::NaiveDate::from_ymd_opt(2025 + years as i32, 1, 1).unwrap())
        .unwrap();
    let mut t = SimTime::ZERO;
    while t < end {
        let next = calendar.next_month_start(t).unwrap().min(end);
        run(&mut grid, &mut agenda, SimTime(next.ticks() - 1), |_, _, _| {});
        grid.sample_metrics(next, &mut |m, e, v| rows.push((m.to_string(), e.to_string(), v)));
        t = next;
    }
    (grid, rows)
}

fn installed(grid: &Grid, group: &str) -> f64 {
    let id = grid.plant_group_id(group).expect("group");
    grid.plant_group_state(id).expect("state").installed_mw
}

/// Check `k`'s instant: 1 January of 2025 + k (yearly checks keep their date).
fn check_at(k: usize) -> SimTime {
    energy_grid::calendar_2025()
        .at_date(chrono::NaiveDate::from_ymd_opt(2025 + k as i32, 1, 1).unwrap())
        .unwrap()
}

/// The MW each check starts, by the closed form: the gap between the
/// target margin over the peak at the horizon, a Julian year after check
/// `k` at `t_k` years, `1.15 · D · (1 + g)^(t_k + 1)`, and the firm
/// capacity planned by then (1,000 MW plus every earlier check's), rounded
/// up to 10 MW units, at most `cap_units` units.
fn closed_form(demand_mw: f64, growth: f64, checks: usize, cap_units: f64) -> Vec<f64> {
    let mut built = 0.0;
    let mut out = Vec::new();
    for k in 0..checks {
        let years = check_at(k).as_years() + 1.0;
        let peak = demand_mw * math::exp(math::ln_1p(growth) * years);
        let gap = 1.15 * peak - (1_000.0 + built);
        let units = if gap > 0.0 {
            let u = gap / 10.0;
            // Away from a unit boundary, so rounding cannot flip the answer.
            assert!(
                (u - u.round()).abs() > 1e-6,
                "check {k}: gap {gap} on a unit boundary"
            );
            u.ceil().min(cap_units)
        } else {
            0.0
        };
        built += units * 10.0;
        out.push(units * 10.0);
    }
    out
}

/// Known answer: one region growing 5 %/yr from 800 MW. Check k (on 1
/// January of 2025 + k) starts exactly the closed-form gap in whole units
/// — none at the first, where the margin is ample (1,000 MW against
/// 1.15 · 840) — and each check's MW comes into the gas group exactly one
/// Julian year (8,766 h) later, at that dispatch and not the hour before.
#[test]
fn each_check_starts_the_closed_form_gap_and_it_completes_after_the_lead_time() {
    let checks = 6;
    let expected = closed_form(800.0, 0.05, checks, f64::INFINITY);
    assert_eq!(expected[0], 0.0, "the first check must find the margin ample");
    assert!(expected[1..].iter().all(|&mw| mw > 10.0), "{expected:?}");
    let (mut grid, mut agenda) = started(growing(800.0, 0.05), 1);
    let mut seen = Vec::new();
    run(
        &mut grid,
        &mut agenda,
        hours(YEAR_H * checks as u64),
        |g, t, _| {
            seen.push((t, installed(g, "a-gas")));
        },
    );
    for (t, mw) in seen {
        let h = t.ticks() / 3600;
        // Completed by hour h: the checks k with t_k + 8,766 ≤ h.
        let done: f64 = (0..checks)
            .filter(|&k| check_at(k).ticks() / 3600 + YEAR_H <= h)
            .map(|k| expected[k])
            .sum();
        assert!(
            (mw - (1_000.0 + done)).abs() < 1e-9,
            "hour {h}: {mw} MW, expected {}",
            1_000.0 + done
        );
    }
    // The started MW, check by check, in the year's monthly rows.
    let (_, rows) = samples(growing(800.0, 0.05), 1, checks as u64);
    let started: Vec<f64> = rows
        .iter()
        .filter(|r| r.0 == "energy.adequacy_started_mw" && r.1 == "a")
        .map(|r| r.2)
        .collect::<Vec<_>>()
        .chunks(12)
        .map(|year| year.iter().sum())
        .collect();
    assert_eq!(started, expected);
}

/// The cap binds: at most `max_mw_per_year × check_every_years` a check
/// (here 20 MW: two units), whatever the gap; the rest waits for later
/// checks, which see it as still missing.
#[test]
fn the_cap_limits_what_a_check_starts() {
    let checks = 5;
    let mut c = growing(790.0, 0.25);
    c.adequacy[0].max_mw_per_year = 25.0; // two 10 MW units a yearly check
    let expected = closed_form(790.0, 0.25, checks, 2.0);
    assert!(expected.contains(&20.0), "{expected:?}");
    let uncapped = closed_form(790.0, 0.25, checks, f64::INFINITY);
    assert!(
        uncapped.iter().any(|&mw| mw > 20.0),
        "the cap must bind: {uncapped:?}"
    );
    let (grid, rows) = samples(c, 1, checks as u64);
    let by_year: Vec<f64> = rows
        .iter()
        .filter(|r| r.0 == "energy.adequacy_started_mw" && r.1 == "national")
        .map(|r| r.2)
        .collect::<Vec<_>>()
        .chunks(12)
        .map(|year| year.iter().sum())
        .collect();
    assert_eq!(by_year, expected);
    // The forecast now still shows the gap the cap left.
    let (peak, firm) = grid
        .adequacy_forecast(0, grid.region_id("a").unwrap(), hours(YEAR_H * checks as u64))
        .expect("forecast");
    assert!(firm < 1.15 * peak, "firm {firm}, peak {peak}");
}

/// Without growth, with an ample margin, no check starts anything and the
/// run is bit for bit the run without the response (the response's
/// metrics aside).
#[test]
fn nothing_is_built_while_the_margin_is_ample() {
    let mut c = growing(800.0, 0.0);
    c.adequacy[0].check_every_years = 0.25;
    let (grid, rows) = samples(c.clone(), 3, 3);
    assert!(
        rows.iter()
            .filter(|r| r.0.starts_with("energy.adequacy_"))
            .all(|r| r.2 == 0.0),
        "something was built"
    );
    assert_eq!(installed(&grid, "a-gas"), 1_000.0);
    c.adequacy.clear();
    let (_, plain) = samples(c, 3, 3);
    let kept: Vec<_> = rows
        .into_iter()
        .filter(|r| !r.0.starts_with("energy.adequacy_"))
        .collect();
    assert_eq!(kept, plain);
}

/// Random lead times and abandonment: over the run, MW started equals MW
/// completed plus abandoned plus still pending (summary totals, monthly flows and the
/// pending level), the response's projects count in `projects_completed`
/// and `projects_pending`, and the installed MW grew by what completed.
#[test]
fn started_equals_completed_plus_cancelled_plus_pending() {
    let mut c = growing(800.0, 0.08);
    let a = &mut c.adequacy[0];
    a.lead_time_years = Dist::Uniform { low: 0.5, high: 3.0 };
    a.cancellation_probability = 0.3;
    a.check_every_years = 0.5;
    a.forecast_years = 2.0;
    let (grid, rows) = samples(c, 11, 8);
    let sum = |metric: &str| -> f64 {
        rows.iter()
            .filter(|r| r.0 == metric && r.1 == "a")
            .map(|r| r.2)
            .sum()
    };
    let last = |metric: &str| {
        rows.iter()
            .rev()
            .find(|r| r.0 == metric && r.1 == "a")
            .expect("row")
            .2
    };
    let (started, completed, cancelled) = (
        sum("energy.adequacy_started_mw"),
        sum("energy.adequacy_completed_mw"),
        sum("energy.adequacy_cancelled_mw"),
    );
    let pending = last("energy.adequacy_pending_mw");
    assert!(
        completed > 0.0 && cancelled > 0.0 && pending > 0.0,
        "{completed} {cancelled} {pending}"
    );
    assert!(
        (started - (completed + cancelled + pending)).abs() < 1e-6,
        "{started} vs {completed} + {cancelled} + {pending}"
    );
    let mut scalars = Vec::new();
    grid.summary_scalars(&mut |m, v| scalars.push((m.to_string(), v)));
    let scalar = |m: &str| scalars.iter().find(|s| s.0 == m).expect(m).1;
    assert_eq!(scalar("energy.adequacy_started_mw_total"), started);
    assert_eq!(scalar("energy.adequacy_completed_mw_total"), completed);
    assert_eq!(scalar("energy.adequacy_cancelled_mw_total"), cancelled);
    // Projects of 10 MW each: counted as projects too.
    assert_eq!(sum("energy.projects_completed"), completed / 10.0);
    assert_eq!(last("energy.projects_pending"), pending / 10.0);
    assert_eq!(scalar("energy.projects_completed_total"), completed / 10.0);
    assert_eq!(scalar("energy.projects_cancelled_total"), cancelled / 10.0);
    assert!((installed(&grid, "a-gas") - (1_000.0 + completed)).abs() < 1e-6);
}

/// Same seed, same run, to the bit; another seed draws other lead times.
#[test]
fn the_response_is_deterministic() {
    let random = || {
        let mut c = growing(800.0, 0.08);
        c.adequacy[0].lead_time_years = Dist::Uniform { low: 0.5, high: 3.0 };
        c.adequacy[0].cancellation_probability = 0.3;
        c
    };
    let bits = |rows: Vec<(String, String, f64)>| -> Vec<(String, String, u64)> {
        rows.into_iter().map(|(m, e, v)| (m, e, v.to_bits())).collect()
    };
    let (_, one) = samples(random(), 5, 6);
    let (_, two) = samples(random(), 5, 6);
    assert_eq!(bits(one.clone()), bits(two));
    let (_, other) = samples(random(), 6, 6);
    assert_ne!(bits(one), bits(other));
}

/// A region whose demand outgrows its fleet sheds load every year from the
/// third; with the response (gas in 100 MW units, three-year lead time,
/// planned three years ahead) it sheds far less.
#[test]
fn a_growing_region_sheds_less_with_the_response() {
    let unserved = |with: bool| {
        let mut c = growing(800.0, 0.06);
        c.regions[0].demand.daily_amplitude = 0.15;
        c.regions[0].demand.seasonal_amplitude = 0.1;
        c.adequacy = vec![AdequacyConfig::new("plan", Technology::Gas, 100.0, 3.0)];
        if !with {
            c.adequacy.clear();
        }
        let (grid, rows) = samples(c, 2, 8);
        let mw: f64 = rows
            .iter()
            .filter(|r| r.0 == "energy.unserved_mwh" && r.1 == "national")
            .map(|r| r.2)
            .sum();
        (mw, installed(&grid, "a-gas"))
    };
    let (without, gas_without) = unserved(false);
    let (with, gas_with) = unserved(true);
    assert_eq!(gas_without, 1_000.0);
    assert!(gas_with > 1_000.0);
    assert!(without > 100_000.0, "{without}");
    assert!(with < 0.1 * without, "with {with} MWh, without {without} MWh");
}

/// Bad responses are refused naming the response and the field.
#[test]
fn bad_responses_are_refused() {
    let refused = |edit: &dyn Fn(&mut AdequacyConfig), field: &str| {
        let mut c = growing(800.0, 0.05);
        edit(&mut c.adequacy[0]);
        let e = Grid::new(c, &scheduler::RngStreams::new(1, 0)).expect_err("refused");
        let text = e.to_string();
        assert!(
            text.contains("adequacy `plan`") && text.contains(field),
            "{field}: {text}"
        );
    };
    refused(&|a| a.target_reserve_margin = -0.1, "target_reserve_margin");
    refused(&|a| a.check_every_years = 0.0, "check_every_years");
    refused(&|a| a.forecast_years = f64::NAN, "forecast_years");
    refused(&|a| a.unit_mw = 0.0, "unit_mw");
    refused(&|a| a.cancellation_probability = 1.5, "cancellation_probability");
    refused(&|a| a.max_mw_per_year = 5.0, "max_mw_per_year");
    refused(
        &|a| a.capacity_credit[Technology::Gas.index()] = 0.0,
        "capacity_credit",
    );
    refused(
        &|a| a.capacity_credit[Technology::Wind.index()] = 2.0,
        "capacity_credit",
    );
    refused(
        &|a| a.lead_time_years = Dist::Normal { mean: 1.0, sd: 1.0 },
        "lead_time_years",
    );
    refused(&|a| a.regions = vec!["b".into()], "regions");
    refused(&|a| a.regions = vec!["a".into(), "a".into()], "regions");
    // A group of units too small: 10⁷ MW would be more than 10⁶ units.
    let mut c = growing(800.0, 0.05);
    c.regions[0].fleet[0].failure_rate_per_year = 1.0;
    c.regions[0].fleet[0].unit_size_mw = 1.0;
    let e = Grid::new(c, &scheduler::RngStreams::new(1, 0)).expect_err("refused");
    assert!(
        matches!(
            e,
            GridError::InvalidConfig {
                field: "technology",
                ..
            }
        ),
        "{e}"
    );
}

/// A region without the technology gets the build group, and the response
/// still runs in it; the check is an event of the grid's own agenda.
#[test]
fn a_response_builds_where_the_region_has_no_group_of_its_technology() {
    let mut c = growing(800.0, 0.05);
    c.adequacy[0].technology = Technology::Coal;
    let (mut grid, mut agenda): (Grid, Scheduler<GridEvent>) = started(c, 1);
    run(&mut grid, &mut agenda, hours(YEAR_H * 3), |_, _, _| {});
    assert!(installed(&grid, "a-coal-build") > 0.0);
    assert_eq!(installed(&grid, "a-gas"), 1_000.0);
}

/// A check counts the response's own projects under construction whatever
/// their date: a region short by a fixed amount gets that amount once,
/// though its three-year projects are not in service by any later check's
/// one-year horizon.
#[test]
fn a_check_counts_its_own_projects_under_construction() {
    let mut c = growing(1_000.0, 0.0);
    c.adequacy[0].lead_time_years = Dist::constant(3.0);
    c.adequacy[0].forecast_years = 1.0;
    let (_, rows) = samples(c, 1, 5);
    let started: f64 = rows
        .iter()
        .filter(|r| r.0 == "energy.adequacy_started_mw" && r.1 == "a")
        .map(|r| r.2)
        .sum();
    // 1.15 · 1,000 − 1,000 = 150 MW: 15 units, once.
    assert_eq!(started, 150.0);
}

/// What a check counts, by hand: the peak is non-AI demand plus the AI
/// loads' connections and the queue; firm capacity is the installed MW,
/// the programmes' steps up to the horizon (at their credit), the
/// projects planned in service by then (not those after it) and less the
/// retirements dated by then.
#[test]
fn the_forecast_counts_programmes_projects_retirements_and_ai_connections() {
    use energy_grid::{LoadClass, LoadSpec, ProgrammeConfig, ProjectConfig, RetirementConfig};
    let mut c = growing(800.0, 0.0);
    c.programmes.push(ProgrammeConfig {
        name: "wind".into(),
        technology: Technology::Wind,
        region: "a".into(),
        mw_per_year: TimePath::constant(120.0),
    });
    for (name, mw, lead) in [("soon", 200.0, 0.5), ("late", 300.0, 3.0)] {
        c.projects.push(ProjectConfig {
            name: name.into(),
            technology: Technology::Gas,
            region: "a".into(),
            mw,
            start: SimTime::ZERO,
            lead_time_years: Dist::constant(lead),
            cancellation_probability: 0.0,
            years_spent_at_start: 0.0,
        });
    }
    c.retirements.push(RetirementConfig {
        name: "old".into(),
        group: "a-gas".into(),
        mw: 100.0,
        at: hours(YEAR_H / 2),
    });
    c.regions[0].interconnection_approval_mw_per_year = 1.0;
    let mut grid = Grid::new(c, &scheduler::RngStreams::new(1, 0)).expect("valid");
    let a = grid.region_id("a").unwrap();
    let dc = grid
        .add_load(LoadSpec {
            name: "dc".into(),
            region: a,
            class: LoadClass::Datacenter,
            connected_mw: 50.0,
        })
        .expect("load");
    let mut agenda: Scheduler<GridEvent> = Scheduler::new();
    grid.start(&mut agenda).expect("start");
    grid.request_connection(dc, 30.0, &mut agenda).expect("queued");
    let (peak, firm) = grid.adequacy_forecast(0, a, SimTime::ZERO).expect("forecast");
    assert_eq!(peak, 800.0 + 50.0 + 30.0);
    // The horizon, a Julian year on (2026-01-01 06:00), takes 13 monthly
    // wind tranches of 10 MW, at a credit of 0.15.
    let expected = 1_000.0 + 200.0 - 100.0 + 130.0 * 0.15;
    assert!((firm - expected).abs() < 1e-9, "{firm} vs {expected}");
}

/// The first error of the events up to `end`, if any.
fn first_error(grid: &mut Grid, agenda: &mut Scheduler<GridEvent>, end: SimTime) -> Option<GridError> {
    let mut signals = Vec::new();
    while let Some((_, event)) = agenda.next_event_until(end).expect("no budget") {
        if let Err(e) = grid.handle(event, agenda, &mut signals) {
            return Some(e);
        }
        signals.clear();
    }
    None
}

/// A check may start at most what a run may hold
/// ([`energy_grid::MAX_PROJECTS`] projects): units too small
/// for the gap stop the run with an error naming the response, the region
/// and what to change, before anything is started. (A margin of 10 with
/// 1 kW units ran out of memory: a 4 GB allocation failed.)
#[test]
fn a_check_that_would_start_more_projects_than_a_run_may_hold_is_refused() {
    let limit = energy_grid::MAX_PROJECTS as f64;
    // 1,000 MW of flat demand on 1,000 MW of gas: a gap of 150 MW at the
    // 15 % margin, in units of `unit` MW.
    let with_unit = |unit: f64| {
        let mut c = growing(1_000.0, 0.0);
        c.adequacy[0].unit_mw = unit;
        started(c, 1)
    };
    let gap = 150.0;
    let unit = 1e-3;
    assert!(gap / unit > limit);
    let (mut grid, mut agenda) = with_unit(unit);
    let e = first_error(&mut grid, &mut agenda, hours(1)).expect("the check is refused");
    let GridError::TooManyProjects {
        units,
        held,
        limit: l,
        ..
    } = &e
    else {
        panic!("expected TooManyProjects, got {e}");
    };
    assert!((units - gap / unit).abs() <= 1.0, "{e}");
    assert_eq!((*held, *l as f64), (0, limit));
    let msg = e.to_string();
    for part in ["adequacy `plan` in `a`", "unit_mw", "max_mw_per_year", "100000"] {
        assert!(msg.contains(part), "{msg}");
    }
    let a = grid.region_id("a").unwrap();
    assert_eq!(grid.projects_pending(a), 0, "nothing was started");
    // Units just large enough keep under the limit: the whole gap starts.
    let unit = 1.6e-3;
    assert!(gap / unit < limit);
    let (mut grid, mut agenda) = with_unit(unit);
    assert!(first_error(&mut grid, &mut agenda, hours(1)).is_none());
    assert_eq!(grid.projects_pending(a) as f64, (gap / unit).ceil());
}
