//! Forced outages match their failure and repair rates over a long run;
//! droughts cut hydro by their stated fraction for their stated duration.

mod common;

use common::{config, firm, flat_region, hours, run, started};
use energy_grid::{
    DroughtConfig, DroughtProcessConfig, GridEvent, PlantGroupConfig, RegionConfig, Technology,
};
use scheduler::{Dist, Duration, SECS_PER_DAY, SECS_PER_YEAR, SimTime};

#[test]
fn observed_unavailability_matches_failure_and_repair_rates() {
    // 40 units of 100 MW, each failing 10 times a year, repaired in 3 days on average.
    let (rate, repair_days) = (10.0, 3.0);
    let mut coal = firm("coal", Technology::Coal, 4_000.0, 30.0);
    coal.unit_size_mw = 100.0;
    coal.failure_rate_per_year = rate;
    coal.repair_time_days = Dist::Exp { mean: repair_days };
    let mut region = flat_region("r", 1_000.0);
    region.fleet.push(coal);
    let mut c = config(vec![region]);
    c.dispatch_interval = Duration::from_hours(6);
    let (mut grid, mut agenda) = started(c, 11);
    let group = grid.plant_group_id("coal").expect("group");
    // Batch means: one batch per simulated year.
    let years = 25;
    let mut batches = vec![(0.0f64, 0u32); years];
    run(
        &mut grid,
        &mut agenda,
        SimTime(years as u64 * SECS_PER_YEAR - 1),
        |g, t, _| {
            let s = g.plant_group_state(group).expect("state");
            let b = &mut batches[(t.ticks() / SECS_PER_YEAR) as usize];
            b.0 += 1.0 - s.available_mw / s.installed_mw;
            b.1 += 1;
        },
    );
    let means: Vec<f64> = batches.iter().map(|(s, n)| s / f64::from(*n)).collect();
    let mean = means.iter().sum::<f64>() / years as f64;
    let sd = (means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (years - 1) as f64).sqrt();
    let half_width = 2.80 * sd / (years as f64).sqrt(); // t(0.995, 24) ≈ 2.80: a 99 % interval
    let lr = rate * repair_days / 365.25;
    let expected = lr / (1.0 + lr);
    assert!(
        (mean - expected).abs() < half_width,
        "observed {mean:.4} ± {half_width:.4}, expected {expected:.4}"
    );
    assert!(half_width < 0.01, "interval too wide to be a test: ±{half_width}");
}

#[test]
fn repaired_capacity_comes_back() {
    let mut gas = firm("gas", Technology::Gas, 1_000.0, 40.0);
    gas.unit_size_mw = 500.0;
    gas.failure_rate_per_year = 50.0;
    gas.repair_time_days = Dist::Const { value: 2.0 };
    let mut region = flat_region("r", 100.0);
    region.fleet.push(gas);
    let (mut grid, mut agenda) = started(config(vec![region]), 5);
    let group = grid.plant_group_id("gas").expect("group");
    let mut levels = std::collections::BTreeSet::new();
    run(&mut grid, &mut agenda, hours(24 * 365), |g, _, _| {
        levels.insert(g.plant_group_state(group).expect("state").available_mw as u64);
    });
    // Firm capacity drops by whole units and returns.
    assert!(
        levels.contains(&1_000) && levels.contains(&500),
        "levels {levels:?}"
    );
}

/// Region "sichuan": 100 MW of flat demand and 1,000 MW of hydro.
fn sichuan_with_hydro() -> RegionConfig {
    let mut region = flat_region("sichuan", 100.0);
    region.fleet.push(PlantGroupConfig::typical(
        "sichuan-hydro",
        Technology::Hydro,
        1_000.0,
    ));
    region
}

fn hydro_region(drought: Option<DroughtConfig>, seed: u64) -> Vec<f64> {
    let region = sichuan_with_hydro();
    let mut c = config(vec![region]);
    c.droughts.extend(drought);
    let (mut grid, mut agenda) = started(c, seed);
    let group = grid.plant_group_id("sichuan-hydro").expect("group");
    let mut available = Vec::new();
    run(&mut grid, &mut agenda, hours(24 * 120 - 1), |g, _, _| {
        available.push(g.plant_group_state(group).expect("state").available_mw);
    });
    available
}

/// Also for a drought in force from the start (day 0), which the first
/// dispatch must see (before the nineteenth session its start event came
/// after that dispatch, which ran with full hydro).
#[test]
fn a_drought_cuts_hydro_by_its_depth_for_its_duration() {
    let base = hydro_region(None, 9);
    assert!(base.iter().any(|b| *b > 0.0));
    for start_day in [30, 0] {
        let days = 21;
        let depth = 0.5;
        let drought = DroughtConfig {
            region: "sichuan".into(),
            start: SimTime(start_day * SECS_PER_DAY),
            duration: Duration::from_days(days),
            depth_fraction: depth,
        };
        let dry = hydro_region(Some(drought), 9);
        assert_eq!(base.len(), dry.len());
        for (h, (b, d)) in base.iter().zip(&dry).enumerate() {
            let in_drought = (start_day * 24..(start_day + days) * 24).contains(&(h as u64));
            let expected = if in_drought { b * (1.0 - depth) } else { *b };
            assert!(
                (d - expected).abs() <= 1e-9 * b.max(1.0),
                "drought from day {start_day}, hour {h}: {d} vs {expected} (base {b})"
            );
        }
    }
}

/// A drought in force at the start is started by `Grid::start`, with no
/// event; `take_applied_at_start` lists it, as the event it would have
/// been, for the event trace (s19 review3: the trace had its `DroughtEnd`
/// and no `DroughtStart`). A later drought is an event, not listed.
#[test]
fn a_drought_in_force_at_the_start_is_listed_as_applied_at_start() {
    let region = sichuan_with_hydro();
    let mut c = config(vec![region]);
    for start_day in [0, 30] {
        c.droughts.push(DroughtConfig {
            region: "sichuan".into(),
            start: SimTime(start_day * SECS_PER_DAY),
            duration: Duration::from_days(21),
            depth_fraction: 0.5,
        });
    }
    let (mut grid, mut agenda) = started(c, 9);
    let applied = grid.take_applied_at_start();
    assert_eq!(
        applied,
        [GridEvent::DroughtStart {
            region: grid.region_id("sichuan").expect("region"),
            depth_fraction: 0.5,
            duration: Duration::from_days(21),
            from_process: false,
        }]
    );
    assert!(grid.take_applied_at_start().is_empty(), "taken, not copied");
    let mut starts = 0;
    while let Some((_, e)) = agenda.next_event_until(hours(24 * 60)).expect("no budget") {
        starts += usize::from(matches!(e, GridEvent::DroughtStart { .. }));
        grid.handle(e, &mut agenda, &mut Vec::new())
            .expect("event handled");
    }
    assert_eq!(starts, 1, "the drought of day 30 only");
}

#[test]
fn the_drought_process_draws_droughts_at_its_rate() {
    let mut region = flat_region("r", 100.0);
    region
        .fleet
        .push(PlantGroupConfig::typical("r-hydro", Technology::Hydro, 1_000.0));
    let mut c = config(vec![region]);
    c.drought_processes.push(DroughtProcessConfig {
        region: "r".into(),
        rate_per_year: 2.0,
        duration_days: Dist::Const { value: 10.0 },
        depth_fraction: Dist::Const { value: 0.4 },
    });
    c.dispatch_interval = Duration::from_hours(24);
    let (mut grid, mut agenda) = started(c, 2);
    let id = grid.region_id("r").expect("region");
    let mut dry_days = 0.0;
    let mut total = 0.0;
    run(&mut grid, &mut agenda, SimTime(50 * SECS_PER_YEAR), |g, _, _| {
        let f = g.hydro_drought_factor(id).expect("factor");
        dry_days += (1.0 - f) / 0.4; // overlapping droughts count twice
        total += 1.0;
    });
    // Expected share of days in drought: rate × duration = 2 × 10 / 365.25 ≈ 0.055.
    let share = dry_days / total;
    assert!(
        (share - 20.0 / 365.25).abs() < 0.015,
        "share of drought days {share}"
    );
}

/// Drought lengths are bounded (s8 item 3): a dated drought by
/// `MAX_DROUGHT_DAYS` (100 years, longer than any run), a drought process
/// by the mean of its lengths. Before, a process whose lengths were beyond
/// the clock (here 10²⁰ days) was accepted when the grid was built and
/// stopped the run when it drew its first drought.
#[test]
fn drought_lengths_are_bounded_when_the_grid_is_built() {
    let hydro = || {
        let mut region = flat_region("r", 100.0);
        region
            .fleet
            .push(PlantGroupConfig::typical("r-hydro", Technology::Hydro, 1_000.0));
        config(vec![region])
    };
    let field = |c| match energy_grid::Grid::new(c, &scheduler::RngStreams::new(1, 0)) {
        Err(energy_grid::GridError::InvalidConfig { field, reason, .. }) => (field, reason),
        Err(e) => panic!("expected InvalidConfig, got {e}"),
        Ok(_) => panic!("accepted"),
    };
    let process = |days: Dist| DroughtProcessConfig {
        region: "r".into(),
        rate_per_year: 1.0,
        duration_days: days,
        depth_fraction: Dist::Const { value: 0.5 },
    };
    let mut c = hydro();
    c.drought_processes.push(process(Dist::Const { value: 1e20 }));
    let (f, reason) = field(c);
    assert_eq!(f, "duration_days");
    assert!(reason.contains("mean of at most 36525 days"), "{reason}");
    // At the limit, it runs: every draw lasts beyond the run.
    let mut c = hydro();
    c.drought_processes.push(process(Dist::Const {
        value: energy_grid::MAX_DROUGHT_DAYS,
    }));
    let (mut grid, mut agenda) = started(c, 3);
    run(&mut grid, &mut agenda, SimTime(2 * SECS_PER_YEAR), |_, _, _| {});
    // A dated drought: up to 36,525 days.
    let dated = |days: u64| DroughtConfig {
        region: "r".into(),
        start: SimTime::ZERO,
        duration: Duration::from_days(days),
        depth_fraction: 0.5,
    };
    let mut c = hydro();
    c.droughts.push(dated(36_525));
    assert!(energy_grid::Grid::new(c, &scheduler::RngStreams::new(1, 0)).is_ok());
    let mut c = hydro();
    c.droughts.push(dated(36_526));
    assert_eq!(field(c).0, "duration");
}
