//! `GridConfig::check_horizon`: a build programme that would take a plant
//! group past the unit limit within a horizon is refused before the run,
//! at exactly the horizons where the run itself would stop with
//! `TooManyUnits`.

mod common;

use common::{config, flat_region};
use energy_grid::{
    Grid, GridConfig, GridError, PlantGroupConfig, ProgrammeConfig, ProjectConfig, Technology,
};
use scheduler::{
    Dist, Duration, Interp, RngStreams, SECS_PER_DAY, SECS_PER_YEAR, Scheduler, SimTime, TimePath,
};

/// One programme step (the default: a twelfth of a year).
const STEP: u64 = SECS_PER_YEAR / 12;

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
    // steps, 1,004.2 MW (1,004,167 units) after the fifth.
    let mut c = small_units(900.0);
    c.programmes
        .push(programme("gas-push", TimePath::constant(250.0)));
    let fifth = SimTime(5 * STEP);
    // A run that ends at the fifth step never takes it.
    assert_eq!(c.check_horizon(fifth), Ok(()));
    assert_eq!(run_stops_at(&c, fifth), None);
    // One second longer, it does: refused before the run, naming the
    // programme's field and saying why and what to change.
    let longer = SimTime(fifth.ticks() + 1);
    let e = c.check_horizon(longer).expect_err("refused");
    let (entity, field, reason) = refused_programme(&e);
    assert_eq!((entity.as_str(), field), ("programme `gas-push`", "mw_per_year"));
    for want in [
        "plant group `r-gas`",
        "past 1000000 units of 0.001 MW",
        "0.42 years into the run",
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
    // passes in the first step (whether or not it is cancelled: the check
    // counts it as completed).
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
    let e = c.check_horizon(SimTime(STEP + 1)).expect_err("refused");
    assert!(refused_programme(&e).2.contains("0.08 years into the run"), "{e}");
    assert!(refused_programme(&e).2.contains("90 MW of projects"), "{e}");
    // One that takes at least 0.25 years counts from then (s8: it counted
    // from the start): the first two steps are fine, the third passes.
    c.projects[0].lead_time_years = Dist::Uniform { low: 0.25, high: 5.0 };
    assert_eq!(c.check_horizon(SimTime(2 * STEP + 1)), Ok(()));
    let e = c.check_horizon(SimTime(3 * STEP + 1)).expect_err("refused");
    assert!(refused_programme(&e).2.contains("0.25 years into the run"), "{e}");
    // Begun 5 years before time zero, a lead time of at least 5.25 years is
    // drawn conditioned on outlasting the 5: it too counts from 0.25 years.
    c.projects[0].lead_time_years = Dist::Uniform {
        low: 5.25,
        high: 10.0,
    };
    c.projects[0].years_spent_at_start = 5.0;
    assert_eq!(c.check_horizon(SimTime(2 * STEP + 1)), Ok(()));
    let e = c.check_horizon(SimTime(3 * STEP + 1)).expect_err("refused");
    assert!(refused_programme(&e).2.contains("0.25 years into the run"), "{e}");
    // One that may be over (4 to 8 years, 5 spent) can complete at once.
    c.projects[0].lead_time_years = Dist::Uniform { low: 4.0, high: 8.0 };
    let e = c.check_horizon(SimTime(STEP + 1)).expect_err("refused");
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
        let end = SimTime(k * STEP + 1);
        let refused = c.check_horizon(end).is_err();
        assert_eq!(
            refused,
            end > stop,
            "horizon of {k} steps (the run stops at {stop:?})"
        );
    }
    let (entity, ..) = refused_programme(&c.check_horizon(year(3.0)).expect_err("refused"));
    // In the step that passes, `ramp` adds first; it passes only if it alone does.
    let at = stop;
    let before: f64 = 700.0
        + (1..at.ticks() / STEP)
            .map(|j| {
                let t = SimTime(j * STEP);
                (c.programmes[0].mw_per_year.at(t) + c.programmes[1].mw_per_year.at(t)) / 12.0
            })
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
    let stop = run_stops_at(c, SimTime(steps * STEP + 1));
    for k in 1..=steps {
        let end = SimTime(k * STEP + 1);
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
    // years (before that step) makes room: 600 MW + 250 MW/yr passes it
    // only at the twentieth step (1.67 years). Before, retirements were not
    // subtracted and a 1.5-year run was refused although it runs.
    let mut c = small_units(900.0);
    c.programmes
        .push(programme("gas-push", TimePath::constant(250.0)));
    c.retirements
        .push(retirement(300.0, SimTime(3 * SECS_PER_YEAR / 10)));
    let year_and_a_half = SimTime(18 * STEP);
    assert_eq!(c.check_horizon(year_and_a_half), Ok(()));
    assert_eq!(run_stops_at(&c, year_and_a_half), None);
    // Two years: refused, at the step where the run stops, with the
    // retirement in the figures.
    let e = c.check_horizon(SimTime(24 * STEP)).expect_err("refused");
    let reason = refused_programme(&e).2;
    for want in [
        "1.67 years into the run",
        "less 300 MW its retirements take out before then",
        "1016.7 MW in all",
    ] {
        assert!(reason.contains(want), "wanted `{want}` in: {reason}");
    }
    assert_eq!(run_stops_at(&c, SimTime(24 * STEP)), Some(SimTime(20 * STEP)));
    agrees_with_the_run(&c, 24);
    // A retirement after the step that passes does not help.
    let mut late = small_units(900.0);
    late.programmes
        .push(programme("gas-push", TimePath::constant(250.0)));
    late.retirements.push(retirement(300.0, SimTime(6 * STEP)));
    assert!(late.check_horizon(SimTime(5 * STEP + 1)).is_err());
    agrees_with_the_run(&late, 12);
    // A retirement at the very instant of that step comes first (it was
    // scheduled when the run started), so it does.
    let mut same = small_units(900.0);
    same.programmes
        .push(programme("gas-push", TimePath::constant(250.0)));
    same.retirements.push(retirement(300.0, SimTime(5 * STEP)));
    assert_eq!(same.check_horizon(SimTime(5 * STEP + 1)), Ok(()));
    agrees_with_the_run(&same, 24);
}

#[test]
fn a_retirement_removes_only_what_the_group_surely_has() {
    // 500 MW, a retirement of 800 MW at 0.05 years: it removes the 500 MW
    // there are, not 800. Then 600 MW/yr (50 MW a step) passes 1,000 MW
    // at step 21 (1.75 years). Subtracting the retirement's full 800 MW
    // would accept 2.1 years, and that run stops with `TooManyUnits`.
    let mut c = small_units(500.0);
    c.programmes
        .push(programme("gas-push", TimePath::constant(600.0)));
    c.retirements.push(retirement(800.0, SimTime(SECS_PER_YEAR / 20)));
    let end = SimTime(21 * STEP + 1);
    assert!(c.check_horizon(end).is_err());
    assert_eq!(run_stops_at(&c, end), Some(SimTime(21 * STEP)));
    agrees_with_the_run(&c, 24);
    // A project that may complete after the retirement escapes it: its MW
    // count in full. 500 MW + a 400 MW project due at 1 year, 900 MW retired
    // at 0.5 years, 300 MW/yr (25 MW a step): the retirement surely removes
    // only the 500 MW and the five steps before it (625 MW, not the
    // project's 400 MW), so the bound after step k is 275 + 25 k MW, as in
    // this run, where the project completes after the retirement. Counting
    // nothing retired (as before) refused two years.
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
    assert_eq!(c.check_horizon(SimTime(24 * STEP)), Ok(()));
    assert!(run_stops_at(&c, SimTime(36 * STEP)).is_some());
    agrees_with_the_run(&c, 36);
}
