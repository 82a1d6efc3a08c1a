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
fn projects_count_as_completed_and_units_of_10_mw_never_pass() {
    // 900 MW + a 90 MW project + 250 MW/yr: passes in the first step.
    let mut c = small_units(900.0);
    c.programmes
        .push(programme("gas-push", TimePath::constant(250.0)));
    c.projects.push(ProjectConfig {
        name: "more-gas".into(),
        technology: Technology::Gas,
        region: "r".into(),
        mw: 90.0,
        start: SimTime::ZERO,
        lead_time_years: Dist::Const { value: 5.0 },
        cancellation_probability: 0.5,
    });
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
