//! Hydro reservoirs: every step's water balances (inflow = generation +
//! spill + the change in the reservoir), a reservoir carries water the sun
//! displaced to the night (a known answer: fuel saved = water no longer
//! spilled), and without a reservoir availability is the inflow, as before.

mod common;

use common::*;
use energy_grid::{Availability, DroughtConfig, GridConfig, PlantGroupConfig, RegionConfig, Technology};
use proptest::prelude::*;
use scheduler::{Duration, SimTime};

/// Hydro of `mw` whose inflow is a constant share `cf` of it (no weather
/// spread, no season), with a reservoir of `hours`.
fn steady_hydro(mw: f64, cf: f64, hours: f64) -> PlantGroupConfig {
    let mut g = PlantGroupConfig::typical("water", Technology::Hydro, mw);
    g.availability = Availability::Weather {
        capacity_factor: cf,
        logit_sd: 0.0,
        autocorrelation_per_hour: 0.9,
        seasonal_amplitude: 0.0,
        peak_day_of_year: 0.0,
        hold_hours: None,
    };
    g.reservoir_hours = hours;
    g
}

/// Solar of `mw` with the same day all year.
fn sun(mw: f64) -> PlantGroupConfig {
    let mut g = PlantGroupConfig::typical("sun", Technology::Solar, mw);
    g.availability = Availability::Solar {
        capacity_factor: 0.25,
        seasonal_amplitude: 0.0,
    };
    g
}

/// One region: flat demand, solar, hydro and dear gas, no storage.
fn region(demand_mw: f64, solar_mw: f64, hydro: PlantGroupConfig) -> RegionConfig {
    let mut r = flat_region("valley", demand_mw);
    r.fleet.push(sun(solar_mw));
    r.fleet.push(hydro);
    r.fleet.push(firm("gas", Technology::Gas, 10.0 * demand_mw, 60.0));
    r
}

/// One hydro group's water step by step.
#[derive(Clone, Copy, Debug)]
struct Step {
    inflow_mw: f64,
    available_mw: f64,
    generation_mw: f64,
    spill_mw: f64,
    level_mwh: f64,
    gas_mw: f64,
}

fn steps(config: GridConfig, seed: u64, days: u64) -> (Vec<Step>, f64) {
    let (mut grid, mut agenda) = started(config, seed);
    let water = grid.plant_group_id("water").expect("hydro");
    let gas = grid.plant_group_id("gas").expect("gas");
    let start = grid.plant_group_state(water).expect("state").reservoir_mwh;
    let mut out = Vec::new();
    run(&mut grid, &mut agenda, hours(24 * days - 1), |g, _, _| {
        let w = g.plant_group_state(water).expect("state");
        let region = g.region_balance(w.region).expect("balance");
        out.push(Step {
            inflow_mw: w.inflow_mw,
            available_mw: w.available_mw,
            generation_mw: w.generation_mw,
            spill_mw: region.hydro_spill_mw,
            level_mwh: w.reservoir_mwh,
            gas_mw: g.plant_group_state(gas).expect("gas").generation_mw,
        });
    });
    (out, start)
}

fn total(steps: &[Step], f: impl Fn(&Step) -> f64) -> f64 {
    steps.iter().map(f).sum()
}

/// Without a reservoir the available MW is the inflow, to the bit (as
/// before reservoirs), and what the dispatch leaves of it spills.
#[test]
fn without_a_reservoir_availability_is_the_inflow_and_the_rest_spills() {
    let (steps, start) = steps(
        config(vec![region(1_000.0, 3_000.0, steady_hydro(1_000.0, 0.4, 0.0))]),
        1,
        20,
    );
    assert_eq!(start, 0.0);
    let mut spilled = 0.0;
    for (h, s) in steps.iter().enumerate() {
        assert_eq!(s.available_mw.to_bits(), s.inflow_mw.to_bits(), "hour {h}: {s:?}");
        assert!(
            (s.spill_mw - (s.inflow_mw - s.generation_mw)).abs() < 1e-9,
            "hour {h}: {s:?}"
        );
        assert_eq!(s.level_mwh, 0.0);
        spilled += s.spill_mw;
    }
    // The sun covers the day, so the hydro backs down and loses water.
    assert!(
        spilled > 0.2 * total(&steps, |s| s.inflow_mw),
        "spilled {spilled} MWh"
    );
}

/// A reservoir keeps the water the sun displaced and runs it at night, up
/// to its turbines: the gas it saves is exactly the water no longer
/// spilled, less what the reservoir gained.
#[test]
fn a_reservoir_carries_the_water_the_sun_displaced_to_the_night() {
    let run_with = |hours: f64| {
        steps(
            config(vec![region(1_000.0, 3_000.0, steady_hydro(1_000.0, 0.4, hours))]),
            1,
            20,
        )
    };
    let (dry, _) = run_with(0.0);
    let (wet, start) = run_with(24.0);
    assert_eq!(start, 24_000.0, "starts full");
    for (h, s) in wet.iter().enumerate() {
        assert!(
            s.generation_mw <= 1_000.0 + 1e-9,
            "hour {h}: turbines exceeded: {s:?}"
        );
        assert!(
            s.level_mwh >= 0.0 && s.level_mwh <= 24_000.0 + 1e-6,
            "hour {h}: {s:?}"
        );
    }
    // At night the turbines run above the inflow.
    assert!(wet.iter().any(|s| s.generation_mw > s.inflow_mw + 100.0));
    let spill = |s: &[Step]| total(s, |x| x.spill_mw);
    let gas = |s: &[Step]| total(s, |x| x.gas_mw);
    let end = wet.last().expect("steps").level_mwh;
    assert!(
        spill(&wet) < 0.01 * spill(&dry),
        "{} against {}",
        spill(&wet),
        spill(&dry)
    );
    let saved = gas(&dry) - gas(&wet);
    let expected = spill(&dry) - spill(&wet) - (end - start);
    assert!(
        (saved - expected).abs() < 1e-6 * gas(&dry),
        "gas saved {saved} MWh, water no longer spilled less the reservoir's gain {expected} MWh"
    );
    assert!(saved > 0.2 * total(&dry, |s| s.inflow_mw), "saved {saved} MWh");
}

/// A region whose demand peaks once a day (±30 % around `mean_mw`), with
/// hydro of 1,000 MW whose inflow is a constant 400 MW, and gas.
fn peaking(hydro_hours: f64, gas_mw: f64) -> GridConfig {
    let mut r = flat_region("valley", 1_500.0);
    r.demand.daily_amplitude = 0.3;
    r.fleet.push(steady_hydro(1_000.0, 0.4, hydro_hours));
    r.fleet.push(firm("gas", Technology::Gas, gas_mw, 60.0));
    config(vec![r])
}

/// With a day's forecast, a reservoir runs its day's water at the day's
/// peak: from the third day (the first has no forecast, the second draws
/// the full reservoir toward half) it shaves the top off the day, so gas
/// runs flat at one level through every hour the hydro runs (below its
/// turbines) and hydro not at all in the trough, where hydro without a
/// reservoir runs its 400 MW inflow flat and gas follows the peak. Its
/// day's water is the day's inflow, 9,600 MWh.
#[test]
fn a_reservoir_runs_its_days_water_at_the_days_peak() {
    let (flat, _) = steps(peaking(0.0, 5_000.0), 1, 10);
    let (shaped, _) = steps(peaking(24.0, 5_000.0), 1, 10);
    for day in 3..10 {
        let hours = day * 24..(day + 1) * 24;
        let peak = |s: &[Step]| s[hours.clone()].iter().map(|x| x.gas_mw).fold(0.0, f64::max);
        let level = peak(&shaped);
        assert!(
            peak(&flat) - level > 400.0,
            "day {day}: {level} against {}",
            peak(&flat)
        );
        let day_steps = &shaped[hours.clone()];
        for x in day_steps {
            if x.generation_mw > 1e-6 {
                assert!(
                    (x.gas_mw - level).abs() < 1e-6,
                    "day {day}: {x:?} below the level {level}"
                );
            }
        }
        assert!(
            day_steps.iter().any(|x| x.generation_mw == 0.0),
            "day {day}: no trough"
        );
        let used: f64 = day_steps.iter().map(|x| x.generation_mw).sum();
        assert!((used - 9_600.0).abs() < 0.02 * 9_600.0, "day {day}: {used} MWh");
    }
    let spill: f64 = total(&shaped[48..], |x| x.spill_mw);
    assert_eq!(spill, 0.0);
}

/// Water the schedule holds back runs where the grid would otherwise shed
/// load: gas derated to half for a day leaves the trough 50 MW short with
/// the reservoir held at 0 there; the step is solved again with all the
/// water, and nothing is shed.
#[test]
fn held_water_runs_rather_than_the_grid_shedding_load() {
    let mut c = peaking(24.0, 2_000.0);
    c.derates.push(energy_grid::DerateConfig {
        name: "fuel".into(),
        regions: Vec::new(),
        technologies: vec![Technology::Gas],
        start: SimTime(4 * 86_400),
        duration: Duration::from_days(1),
        fraction: 0.5,
        demand_factor: 1.0,
    });
    let (grid_steps, _) = steps(c.clone(), 1, 6);
    // The trough of day 4 is 1,050 MW against 1,000 MW of gas: hydro ran.
    let trough = &grid_steps[4 * 24..5 * 24];
    assert!(
        trough
            .iter()
            .all(|x| x.generation_mw + x.gas_mw >= 1_050.0 - 1e-6)
    );
    let (mut grid, mut agenda) = started(c, 1);
    let mut shed = 0.0;
    run(&mut grid, &mut agenda, hours(24 * 6 - 1), |g, _, _| {
        shed += g.last_balance().map(|b| b.curtailed_mw).sum::<f64>();
    });
    assert_eq!(shed, 0.0, "shed {shed} MWh");
}

/// Reservoir hours only on hydro, and in range.
#[test]
fn reservoirs_are_for_hydro_and_in_range() {
    let build = |g: PlantGroupConfig| {
        energy_grid::Grid::new(
            config(vec![region(100.0, 0.0, g)]),
            &scheduler::RngStreams::new(1, 0),
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
    };
    assert!(build(steady_hydro(100.0, 0.4, 10_000.0)).is_ok());
    for hours in [-1.0, 10_000.5, f64::NAN] {
        let e = build(steady_hydro(100.0, 0.4, hours)).expect_err("out of range");
        assert!(e.contains("reservoir_hours"), "{e}");
    }
    let mut wind = PlantGroupConfig::typical("water", Technology::Wind, 100.0);
    wind.reservoir_hours = 5.0;
    let e = build(wind).expect_err("wind has no reservoir");
    assert!(e.contains("reservoir_hours") && e.contains("hydro"), "{e}");
    let mut must_run = steady_hydro(100.0, 0.4, 5.0);
    must_run.must_run_fraction = 0.5;
    let e = build(must_run).expect_err("a reservoir is not must-run");
    assert!(e.contains("must_run_fraction") && e.contains("reservoir"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Every step, for any fleet, reservoir and drought: inflow × Δt =
    /// generation × Δt + spill × Δt + the change in the reservoir, which
    /// stays within [0, hours × installed], and the turbines never run
    /// above installed MW.
    #[test]
    fn water_balances_every_step(
        hours in prop_oneof![Just(0.0), 0.5f64..300.0],
        hydro_mw in 10.0f64..5_000.0,
        cf in 0.05f64..0.9,
        demand_mw in 10.0f64..5_000.0,
        solar_mw in 0.0f64..8_000.0,
        depth in 0.0f64..1.0,
        dt_hours in prop_oneof![Just(1u64), Just(3), Just(24)],
        seed in 0u64..1_000,
    ) {
        let mut hydro = PlantGroupConfig::typical("water", Technology::Hydro, hydro_mw);
        if let Availability::Weather { capacity_factor, .. } = &mut hydro.availability {
            *capacity_factor = cf;
        }
        hydro.reservoir_hours = hours;
        let mut c = config(vec![region(demand_mw, solar_mw, hydro)]);
        c.dispatch_interval = Duration::from_hours(dt_hours);
        c.droughts.push(DroughtConfig {
            region: "valley".into(),
            start: SimTime(10 * 86_400),
            duration: Duration::from_days(8),
            depth_fraction: depth,
        });
        let (steps, start) = steps(c, seed, 40);
        let dt = dt_hours as f64;
        prop_assert_eq!(steps.len() as u64, 40 * 24 / dt_hours);
        let mut level = start;
        for (k, s) in steps.iter().enumerate() {
            let change = s.level_mwh - level;
            let residual = (s.inflow_mw - s.generation_mw - s.spill_mw) * dt - change;
            prop_assert!(residual.abs() <= 1e-9 * (hydro_mw * dt + level), "step {}: residual {} in {:?}", k, residual, s);
            prop_assert!(s.level_mwh >= 0.0 && s.level_mwh <= hours * hydro_mw * (1.0 + 1e-12), "step {}: {:?}", k, s);
            prop_assert!(s.generation_mw <= hydro_mw * (1.0 + 1e-12), "step {}: {:?}", k, s);
            prop_assert!(s.spill_mw >= 0.0);
            level = s.level_mwh;
        }
    }
}
