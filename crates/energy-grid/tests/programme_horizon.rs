//! `GridConfig::check_horizon`: a build programme that would take a plant
//! group past the unit limit within a horizon is refused before the run,
//! at exactly the horizons where the run itself would stop with
//! `TooManyUnits`.

mod common;

use common::{config, flat_region};
use energy_grid::{
    Grid, GridConfig, GridError, PlantGroupConfig, ProgrammeConfig, ProjectConfig, Technology, calendar_2025,
};
use scheduler::{
    Dist, Duration, Interp, RngStreams, SECS_PER_DAY, SECS_PER_YEAR, Scheduler, SimTime, TimePath,
};

/// The instant of programme step `k` (from 1): time zero, then the start of
/// each calendar month (each step adds a twelfth of the year's rate).
fn step(k: u64) -> SimTime {
    let calendar = calendar_2025();
    (1..k).fold(SimTime::ZERO, |t, _| {
        calendar.next_month_start(t).expect("in range")
    })
}

/// One tick after step `k`: the shortest run that takes it.
fn after(k: u64) -> SimTime {
    SimTime(step(k).ticks() + 1)
}

/// A region with a gas group of `installed_mw` in 1 kW units with forced
/// outages (the limit, 10⁶ units, is 1,000 MW), dispatched daily.
fn small_units(installed_mw: f64) -> GridConfig {
    let mut r = flat_region("r", 100.0);
    let mut gas = PlantGroupConfig::typical("r-gas", Technology::Gas, installed_mw);
    gas.unit_size_mw = 0.001;
    gas.failure_rate_per_year = 0.01;
    r.fleet.push(gas);
    let mut c = config(vec![r]);
    c.dispatch_interval = Duration::from_secs(SECS_PER_DAY);
    c
}

fn programme(name: &str, mw_per_year: TimePath) -> ProgrammeConfig {
    ProgrammeConfig {
        name: name.into(),
        technology: Technology::Gas,
        region: "r".into(),
        mw_per_year,
    }
}

/// When a run over `[0, end)` stops with `TooManyUnits`, if it does.
fn run_stops_at(c: &GridConfig, end: SimTime) -> Option<SimTime> {
    let mut grid = Grid::new(c.clone(), &RngStreams::new(1, 0)).expect("valid config");
    let mut agenda: Scheduler<_> = Scheduler::new();
    grid.start(&mut agenda).expect("start");
    let mut signals = Vec::new();
    let last = SimTime(end.ticks() - 1);
    while let Some((t, event)) = agenda.next_event_until(last).expect("no budget") {
        match grid.handle(event, &mut agenda, &mut signals) {
            Ok(()) => {}
            Err(GridError::TooManyUnits { .. }) => return Some(t),
            Err(e) => panic!("unexpected error {e}"),
        }
        signals.clear();
    }
    None
}

fn refused_programme(e: &GridError) -> (String, &'static str, String) {
    match e {
        GridError::InvalidConfig {
            entity,
            field,
            reason,
        } => (entity.clone(), *field, reason.clone()),
        other => panic!("expected InvalidConfig, got {other}"),
    }
}

#[test]
fn a_programme_that_passes_the_unit_limit_within_the_horizon_is_refused() {
    // 900 MW + 250 MW/yr in monthly steps of 20.8 MW: 983.3 MW after four
    // steps, 1,004.2 MW (1,004,167 units) after the fifth (1 May, 120 days).
    let mut c = small_units(900.0);
    c.programmes
        .push(programme("gas-push", TimePath::constant(250.0)));
    let fifth = step(5);
    // A run that ends at the fifth step never takes it.
    assert_eq!(c.check_horizon(fifth), Ok(()));
    assert_eq!(run_stops_at(&c, fifth), None);
    // One second longer, it does: refused before the run, naming the
    // programme's field and saying why and what to change.
    let longer = after(5);
    let e = c.check_horizon(longer).expect_err("refused");
    let (entity, field, reason) = refused_programme(&e);
    assert_eq!((entity.as_str(), field), ("programme `gas-push`", "mw_per_year"));
    for want in [
        "plant group `r-gas`",
        "past 1000000 units of 0.001 MW",
        "0.33 years into the run",
        "900 MW installed",
        "1004.2 MW in all",
        "larger units (`unit_size_mw`), a shorter horizon or a smaller programme",
    ] {
        assert!(reason.contains(want), "wanted `{want}` in: {reason}");
    }
    assert_eq!(
        run_stops_at(&c, longer),
        Some(fifth),
        "the run meets it at the fifth step"
    );
    // The configured fleet alone is fine for any horizon.
    assert_eq!(
        small_units(900.0).check_horizon(SimTime(100 * SECS_PER_YEAR)),
        Ok(())
    );
}

#[test]
fn projects_count_from_their_earliest_completion_and_units_of_10_mw_never_pass() {
    // 900 MW + a 90 MW project that may complete at once + 250 MW/yr:
    // passes in the first step, at time zero (whether or not it is
    // cancelled: the check counts it as completed).
    let mut c = small_units(900.0);
    c.programmes
        .push(programme("gas-push", TimePath::constant(250.0)));
    c.projects.push(ProjectConfig {
        name: "more-gas".into(),
        technology: Technology::Gas,
        region: "r".into(),
        mw: 90.0,
        start: SimTime::ZERO,
        lead_time_years: Dist::Uniform { low: 0.0, high: 5.0 },
        years_spent_at_start: 0.0,
        cancellation_probability: 0.5,
    });
    let e = c.check_horizon(after(1)).expect_err("refused");
    assert!(refused_programme(&e).2.contains("0.00 years into the run"), "{e}");
    assert!(refused_programme(&e).2.contains("90 MW of projects"), "{e}");
    // At 120 MW/yr (10 MW a step), a project that takes at least 0.25 years
    // (to 2 April) counts from then (s8: it counted from the start): the
    // steps to 1 April are fine (940 MW), the fifth (1 May: 950 + 90 MW)
    // passes. Counted from the start it would pass at the second step.
    c.programmes[0].mw_per_year = TimePath::constant(120.0);
    c.projects[0].lead_time_years = Dist::Uniform { low: 0.25, high: 5.0 };
    assert_eq!(c.check_horizon(step(5)), Ok(()));
    let e = c.check_horizon(after(5)).expect_err("refused");
    assert!(refused_programme(&e).2.contains("0.33 years into the run"), "{e}");
    // Begun 5 years before time zero, a lead time of at least 5.25 years is
    // drawn conditioned on outlasting the 5: it too counts from 0.25 years.
    c.projects[0].lead_time_years = Dist::Uniform {
        low: 5.25,
        high: 10.0,
    };
    c.projects[0].years_spent_at_start = 5.0;
    assert_eq!(c.check_horizon(step(5)), Ok(()));
    let e = c.check_horizon(after(5)).expect_err("refused");
    assert!(refused_programme(&e).2.contains("0.33 years into the run"), "{e}");
    // One that may be over (4 to 8 years, 5 spent) can complete at once:
    // 1,000 MW after the first step (not past the limit), 1,010 MW after
    // the second (1 February).
    c.projects[0].lead_time_years = Dist::Uniform { low: 4.0, high: 8.0 };
    assert_eq!(c.check_horizon(step(2)), Ok(()));
    let e = c.check_horizon(after(2)).expect_err("refused");
    assert!(refused_programme(&e).2.contains("0.08 years into the run"), "{e}");
    // Another technology's programme does not feed the gas group.
    let mut c = small_units(900.0);
    let mut coal = programme("coal-push", TimePath::constant(1e6));
    coal.technology = Technology::Coal;
    c.programmes.push(coal);
    assert_eq!(c.check_horizon(SimTime(100 * SECS_PER_YEAR)), Ok(()));
    // 10 MW units: 10⁶ of them are 10⁷ MW, where installed capacity stops.
    let mut c = small_units(900.0);
    c.regions[0].fleet[0].unit_size_mw = 10.0;
    c.programmes.push(programme("gas-push", TimePath::constant(1e7)));
    assert_eq!(c.check_horizon(SimTime(100 * SECS_PER_YEAR)), Ok(()));
}

#[test]
fn the_check_and_the_run_agree_on_paths_and_several_programmes() {
    // Two programmes feed the group: a linear ramp and a step path. The
    // check must refuse exactly the horizons at which the run stops, and
    // name the programme whose addition passes the limit.
    let year = |y: f64| SimTime((y * SECS_PER_YEAR as f64) as u64);
    let mut c = small_units(700.0);
    c.programmes.push(programme(
        "ramp",
        TimePath::new(vec![(year(0.2), 0.0), (year(1.0), 300.0)], Interp::Linear).expect("path"),
    ));
    c.programmes.push(programme(
        "steps",
        TimePath::new(vec![(SimTime::ZERO, 60.0), (year(0.5), 200.0)], Interp::Step).expect("path"),
    ));
    let stop = run_stops_at(&c, year(3.0)).expect("the run passes the limit within three years");
    for k in 1..=36 {
        let end = after(k);
        let refused = c.check_horizon(end).is_err();
        assert_eq!(
            refused,
            end > stop,
            "horizon of {k} steps (the run stops at {stop:?})"
        );
    }
    let (entity, ..) = refused_programme(&c.check_horizon(year(3.0)).expect_err("refused"));
    // In the step that passes, `ramp` adds first; it passes only if it alone
    // does. Every step of a run from 1 January adds a twelfth of the rate.
    let at = stop;
    let before: f64 = 700.0
        + (1..)
            .map(step)
            .take_while(|&t| t < at)
            .map(|t| (c.programmes[0].mw_per_year.at(t) + c.programmes[1].mw_per_year.at(t)) / 12.0)
            .sum::<f64>();
    let ramp_alone = before + c.programmes[0].mw_per_year.at(at) / 12.0;
    let expected = if ramp_alone > 1_000.0 { "ramp" } else { "steps" };
    assert_eq!(entity, format!("programme `{expected}`"));
}

fn retirement(mw: f64, at: SimTime) -> energy_grid::RetirementConfig {
    energy_grid::RetirementConfig {
        name: format!("retire-{mw}"),
        group: "r-gas".into(),
        mw,
        at,
    }
}

/// The check refuses a horizon exactly when the run (one draw: these have
/// no random projects) stops with `TooManyUnits`, over `steps` horizons.
fn agrees_with_the_run(c: &GridConfig, steps: u64) {
    let stop = run_stops_at(c, after(steps));
    for k in 1..=steps {
        let end = after(k);
        assert_eq!(
            c.check_horizon(end).is_err(),
            stop.is_some_and(|s| end > s),
            "horizon of {k} steps (the run stops at {stop:?})"
        );
    }
}

#[test]
fn retirements_that_make_room_are_counted() {
    // s8 item 4. 900 MW of 1 kW units, 250 MW/yr: the limit (1,000 MW) is
    // passed at the fifth step without retirements. Retiring 300 MW at 0.3
    // years (20 April, after four steps) makes room: 683.3 MW + 20.8 MW a
    // step passes it only at the twentieth step (1 August 2026, 1.58
    // years). Before, retirements were not subtracted and a run to that
    // step was refused although it runs.
    let mut c = small_units(900.0);
    c.programmes
        .push(programme("gas-push", TimePath::constant(250.0)));
    c.retirements
        .push(retirement(300.0, SimTime(3 * SECS_PER_YEAR / 10)));
    assert_eq!(c.check_horizon(step(20)), Ok(()));
    assert_eq!(run_stops_at(&c, step(20)), None);
    // Two years: refused, at the step where the run stops, with the
    // retirement in the figures.
    let e = c.check_horizon(step(25)).expect_err("refused");
    let reason = refused_programme(&e).2;
    for want in [
        "1.58 years into the run",
        "less 300 MW its retirements take out before then",
        "1016.7 MW in all",
    ] {
        assert!(reason.contains(want), "wanted `{want}` in: {reason}");
    }
    assert_eq!(run_stops_at(&c, step(25)), Some(step(20)));
    agrees_with_the_run(&c, 24);
    // A retirement after the step that passes does not help.
    let mut late = small_units(900.0);
    late.programmes
        .push(programme("gas-push", TimePath::constant(250.0)));
    late.retirements.push(retirement(300.0, step(6)));
    assert!(late.check_horizon(after(5)).is_err());
    agrees_with_the_run(&late, 12);
    // A retirement at the very instant of that step comes first (it was
    // scheduled when the run started), so it does.
    let mut same = small_units(900.0);
    same.programmes
        .push(programme("gas-push", TimePath::constant(250.0)));
    same.retirements.push(retirement(300.0, step(5)));
    assert_eq!(same.check_horizon(after(5)), Ok(()));
    agrees_with_the_run(&same, 24);
}

#[test]
fn a_retirement_removes_only_what_the_group_surely_has() {
    // 500 MW, a retirement of 800 MW at 0.05 years (19 January, after the
    // first step): it removes the 550 MW there are, not 800. Then 600 MW/yr
    // (50 MW a step) passes 1,000 MW at step 22 (1 October 2026).
    // Subtracting the retirement's full 800 MW would accept runs through
    // step 26, and they stop with `TooManyUnits` at step 22.
    let mut c = small_units(500.0);
    c.programmes
        .push(programme("gas-push", TimePath::constant(600.0)));
    c.retirements.push(retirement(800.0, SimTime(SECS_PER_YEAR / 20)));
    assert_eq!(c.check_horizon(step(22)), Ok(()));
    let end = after(22);
    assert!(c.check_horizon(end).is_err());
    assert_eq!(run_stops_at(&c, end), Some(step(22)));
    agrees_with_the_run(&c, 26);
    // A project that may complete after the retirement escapes it: its MW
    // count in full. 500 MW + a 400 MW project due at 1 year, 900 MW retired
    // at 0.5 years (2 July), 300 MW/yr (25 MW a step): the retirement surely
    // removes only the 500 MW and the seven steps before it (675 MW, not the
    // project's 400 MW), so the bound after step k is 225 + 25 k MW, as in
    // this run, where the project completes after the retirement (passing
    // at step 32). Counting nothing retired (as before) refused two years.
    let mut c = small_units(500.0);
    c.programmes
        .push(programme("gas-push", TimePath::constant(300.0)));
    c.projects.push(ProjectConfig {
        name: "more-gas".into(),
        technology: Technology::Gas,
        region: "r".into(),
        mw: 400.0,
        start: SimTime::ZERO,
        lead_time_years: Dist::Const { value: 1.0 },
        years_spent_at_start: 0.0,
        cancellation_probability: 0.0,
    });
    c.retirements.push(retirement(900.0, SimTime(SECS_PER_YEAR / 2)));
    assert_eq!(c.check_horizon(step(25)), Ok(()));
    assert_eq!(run_stops_at(&c, after(36)), Some(step(32)));
    agrees_with_the_run(&c, 36);
}
