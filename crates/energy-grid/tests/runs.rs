//! Whole runs: determinism, the interconnection queue, build-out, price,
//! demand growth, metrics, and refusal of bad configurations.

mod common;

use common::{config, firm, flat_region, hours, run, started};
use energy_grid::{
    Grid, GridConfig, GridError, GridEvent, GridSignal, LinkConfig, LoadClass, LoadId, LoadSpec,
    PlantGroupConfig, ProgrammeConfig, ProjectConfig, RegionId, Technology, calendar_2025,
};
use scheduler::{Dist, RngStreams, SECS_PER_YEAR, Scheduler, SimTime, TimePath};

/// Runs the seven-region example for `days` with monthly-ish samples every 10 days; returns every metric row.
fn metric_rows(seed: u64, days: u64) -> Vec<(String, String, f64)> {
    let c = GridConfig::example_seven_region(calendar_2025());
    let (mut grid, mut agenda) = started(c, seed);
    let mut rows = Vec::new();
    for k in 1..=days / 10 {
        run(&mut grid, &mut agenda, hours(24 * 10 * k), |_, _, _| {});
        grid.sample_metrics(agenda.now(), &mut |m, e, v| {
            rows.push((m.to_string(), e.to_string(), v))
        });
    }
    rows
}

#[test]
fn same_seed_same_metrics_different_seed_different_metrics() {
    let a = metric_rows(1, 60);
    let b = metric_rows(1, 60);
    let c = metric_rows(2, 60);
    assert!(!a.is_empty());
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(a.iter().all(|(_, _, v)| v.is_finite()));
}

#[test]
fn metrics_cover_the_issue_list_per_region_and_nationally() {
    let rows = metric_rows(3, 30);
    for metric in [
        "energy.generation_solar_mwh",
        "energy.generation_coal_mwh",
        "energy.demand_mwh",
        "energy.served_mwh",
        "energy.unserved_mwh",
        "energy.ai_curtailed_mwh",
        "energy.spill_mwh",
        "energy.peak_reserve_margin",
        "energy.avg_price_usd_per_mwh",
        "energy.emissions_t",
        "energy.storage_soc_mwh",
        "energy.storage_charge_mwh",
        "energy.storage_discharge_mwh",
        "energy.capacity_wind_mw",
        "energy.capacity_battery_mw",
        "energy.projects_completed",
        "energy.projects_pending",
    ] {
        for entity in ["east", "national"] {
            assert!(
                rows.iter().any(|(m, e, _)| m == metric && e == entity),
                "missing {metric} for {entity}"
            );
        }
    }
    // Flows add up: national = sum of regions, and served + unserved = demand.
    let sum = |metric: &str, national: bool| -> f64 {
        rows.iter()
            .filter(|(m, e, _)| m == metric && (e == "national") == national)
            .map(|r| r.2)
            .sum()
    };
    for metric in [
        "energy.demand_mwh",
        "energy.generation_mwh",
        "energy.emissions_t",
        "energy.storage_charge_mwh",
        "energy.storage_discharge_mwh",
    ] {
        let (n, r) = (sum(metric, true), sum(metric, false));
        assert!((n - r).abs() <= 1e-9 * n, "{metric}: national {n} vs regions {r}");
    }
    let (d, s, u) = (
        sum("energy.demand_mwh", true),
        sum("energy.served_mwh", true),
        sum("energy.unserved_mwh", true),
    );
    assert!((d - s - u).abs() <= 1e-9 * d);
    // Roughly a month of national demand: 1,187 GW × 720 h, within the shape's swing.
    assert!(d > 0.7 * 1.187e6 * 720.0 && d < 1.3 * 1.187e6 * 720.0, "{d}");
}

/// A datacenter load `dc{i}` in `region` with no connection yet.
fn unconnected_datacenter(grid: &mut Grid, region: RegionId, i: u64) -> LoadId {
    grid.add_load(LoadSpec {
        name: format!("dc{i}"),
        region,
        class: LoadClass::Datacenter,
        connected_mw: 0.0,
    })
    .expect("load")
}

#[test]
fn interconnection_wait_grows_when_requests_pile_up() {
    let mut r = flat_region("r", 100.0);
    r.fleet.push(firm("r-gas", Technology::Gas, 10_000.0, 40.0));
    r.interconnection_approval_mw_per_year = 1_000.0;
    let (mut grid, mut agenda) = started(config(vec![r]), 1);
    let region = grid.region_id("r").expect("r");
    let mut waits = Vec::new();
    let mut loads = Vec::new();
    for i in 0..5u64 {
        let load = unconnected_datacenter(&mut grid, region, i);
        grid.set_load_demand(load, 500.0).expect("demand");
        let grant = grid
            .request_connection(load, 500.0, &mut agenda)
            .expect("request");
        waits.push(grant.ticks() as f64 / SECS_PER_YEAR as f64);
        loads.push(load);
    }
    // 500 MW each at 1,000 MW/yr: granted after 0.5, 1.0, 1.5 … years.
    for (k, w) in waits.iter().enumerate() {
        assert!((w - 0.5 * (k + 1) as f64).abs() < 1e-6, "wait {k}: {w}");
    }
    assert_eq!(grid.interconnection_queue_mw(region), Some(2_500.0));
    let signals = run(
        &mut grid,
        &mut agenda,
        SimTime(SECS_PER_YEAR + 3600),
        |_, _, _| {},
    );
    let granted: Vec<_> = signals
        .iter()
        .filter(|s| matches!(s, GridSignal::ConnectionGranted { .. }))
        .cloned()
        .collect();
    assert_eq!(
        granted,
        vec![
            GridSignal::ConnectionGranted {
                load: loads[0],
                connected_mw: 500.0
            },
            GridSignal::ConnectionGranted {
                load: loads[1],
                connected_mw: 500.0
            }
        ]
    );
    // Connected loads are served; waiting ones draw nothing.
    assert_eq!(grid.load_state(loads[0]).map(|s| s.2), Some(500.0));
    assert_eq!(grid.load_state(loads[2]).map(|s| s.2), Some(0.0));
}

fn project(name: &str, mw: f64, lead_years: f64, cancel: f64) -> ProjectConfig {
    ProjectConfig {
        name: name.into(),
        technology: Technology::Nuclear,
        region: "r".into(),
        mw,
        start: SimTime(0),
        lead_time_years: Dist::Const { value: lead_years },
        years_spent_at_start: 0.0,
        cancellation_probability: cancel,
    }
}

#[test]
fn projects_complete_after_their_lead_time_unless_cancelled_and_programmes_add_per_year() {
    let mut r = flat_region("r", 100.0);
    r.fleet.push(firm("r-gas", Technology::Gas, 1_000.0, 40.0));
    let mut c = config(vec![r]);
    c.projects.push(project("built", 1_000.0, 0.5, 0.0));
    c.projects.push(project("abandoned", 2_000.0, 0.5, 1.0));
    c.programmes.push(ProgrammeConfig {
        name: "solar push".into(),
        technology: Technology::Solar,
        region: "r".into(),
        mw_per_year: TimePath::constant(1_200.0),
    });
    let (mut grid, mut agenda) = started(c, 1);
    let region = grid.region_id("r").expect("r");
    assert_eq!(grid.projects_pending(region), 2);
    assert_eq!(grid.installed_mw(region, Technology::Nuclear), 0.0);
    run(
        &mut grid,
        &mut agenda,
        SimTime(SECS_PER_YEAR / 2 - 3600),
        |_, _, _| {},
    );
    assert_eq!(grid.installed_mw(region, Technology::Nuclear), 0.0);
    let signals = run(&mut grid, &mut agenda, SimTime(SECS_PER_YEAR), |_, _, _| {});
    assert_eq!(grid.installed_mw(region, Technology::Nuclear), 1_000.0);
    assert_eq!(grid.projects_pending(region), 0);
    assert!(
        signals
            .iter()
            .any(|s| matches!(s, GridSignal::ProjectCompleted { mw, .. } if *mw == 1_000.0))
    );
    // Thirteen monthly tranches of 100 MW: 1 January 2025 to 1 January 2026
    // (the run goes to 06:00 that day).
    assert!((grid.installed_mw(region, Technology::Solar) - 1_300.0).abs() < 1e-6);
    let mut totals = std::collections::HashMap::new();
    grid.summary_scalars(&mut |k, v| {
        totals.insert(k.to_string(), v);
    });
    assert_eq!(
        (
            totals["energy.projects_completed_total"],
            totals["energy.projects_cancelled_total"]
        ),
        (1.0, 1.0)
    );
}

#[test]
fn lead_times_are_drawn_per_project_from_their_own_streams() {
    let mut r = flat_region("r", 100.0);
    r.fleet.push(firm("r-gas", Technology::Gas, 1_000.0, 40.0));
    let mut c = config(vec![r]);
    for i in 0..200 {
        let mut p = project(&format!("p{i}"), 10.0, 0.0, 0.0);
        p.lead_time_years = Dist::Uniform { low: 0.0, high: 2.0 };
        c.projects.push(p);
    }
    let (mut grid, mut agenda) = started(c, 8);
    let region = grid.region_id("r").expect("r");
    run(&mut grid, &mut agenda, SimTime(SECS_PER_YEAR), |_, _, _| {});
    // About half of Uniform(0, 2) lead times end within the first year.
    let done = grid.installed_mw(region, Technology::Nuclear) / 10.0;
    assert!((done - 100.0).abs() < 25.0, "{done} of 200 done after one year");
}

/// s8 leftover: a project begun before time zero with a random lead time
/// was refused by `stack` when a draw could end before time zero. Now the
/// grid knows the years already spent and draws the lead time conditioned
/// on outlasting them (the project is still being built at time zero): a
/// lead time of Uniform(4, 8) years begun 5 years ago leaves Uniform(0, 3)
/// years. None completes at once (the fab's rule, completing the ended
/// draws at time zero, would complete a quarter at once and half within a
/// year); a third complete within a year, all within three. A cancelled
/// one is abandoned at a uniform point of what is left: within a year with
/// probability (1 + ln 3) / 3 ≈ 0.699.
#[test]
fn a_project_begun_before_time_zero_draws_a_lead_time_that_outlasts_the_years_spent() {
    let mut r = flat_region("r", 100.0);
    r.fleet.push(firm("r-gas", Technology::Gas, 1_000.0, 40.0));
    let mut c = config(vec![r]);
    let n = 400;
    for (prefix, cancel) in [("built", 0.0), ("abandoned", 1.0)] {
        for i in 0..n {
            let mut p = project(&format!("{prefix}{i}"), 10.0, 0.0, cancel);
            p.lead_time_years = Dist::Uniform { low: 4.0, high: 8.0 };
            p.years_spent_at_start = 5.0;
            c.projects.push(p);
        }
    }
    let (mut grid, mut agenda) = started(c, 5);
    let region = grid.region_id("r").expect("r");
    let done = |g: &Grid| g.installed_mw(region, Technology::Nuclear) / 10.0;
    let totals = |g: &Grid| {
        let mut t = std::collections::HashMap::new();
        g.summary_scalars(&mut |k, v| {
            t.insert(k.to_string(), v);
        });
        (
            t["energy.projects_completed_total"],
            t["energy.projects_cancelled_total"],
        )
    };
    run(&mut grid, &mut agenda, hours(1), |_, _, _| {});
    assert_eq!(done(&grid), 0.0, "none has completed before time zero");
    run(&mut grid, &mut agenda, SimTime(SECS_PER_YEAR), |_, _, _| {});
    // Binomial(400, 1/3): mean 133.3, sd 9.4; 4 sd either side.
    let (built, abandoned) = totals(&grid);
    assert!((built - 133.3).abs() < 38.0, "{built} of {n} built within a year");
    // Binomial(400, 0.699): mean 279.8, sd 9.2.
    assert!(
        (abandoned - 279.8).abs() < 37.0,
        "{abandoned} of {n} abandoned within a year"
    );
    run(
        &mut grid,
        &mut agenda,
        SimTime(3 * SECS_PER_YEAR + 3600),
        |_, _, _| {},
    );
    assert_eq!(totals(&grid), (f64::from(n), f64::from(n)));
    assert_eq!(grid.projects_pending(region), 0);
}

/// A fixed lead time that ran out before time zero completes at once; a
/// random one that has almost surely run out (less than 10⁻⁶ of its
/// probability beyond the years spent) is refused, naming the field.
#[test]
fn a_lead_time_over_before_time_zero_completes_at_once_if_fixed_and_is_refused_if_random() {
    let mut r = flat_region("r", 100.0);
    r.fleet.push(firm("r-gas", Technology::Gas, 1_000.0, 40.0));
    let mut c = config(vec![r]);
    let mut p = project("old", 10.0, 3.0, 0.0);
    p.years_spent_at_start = 5.0;
    c.projects.push(p);
    let (mut grid, mut agenda) = started(c.clone(), 1);
    run(&mut grid, &mut agenda, hours(1), |_, _, _| {});
    let region = grid.region_id("r").expect("r");
    assert_eq!(grid.installed_mw(region, Technology::Nuclear), 10.0);
    for lead in [
        Dist::Uniform { low: 2.0, high: 4.0 },
        Dist::Discrete {
            values: vec![3.0, 5.0],
            weights: vec![1.0, 1.0],
        },
        Dist::Normal { mean: 1.0, sd: 0.5 },
    ] {
        let mut bad = c.clone();
        bad.projects[0].lead_time_years = lead.clone();
        if matches!(lead, Dist::Normal { .. }) {
            // (A Normal is refused earlier: it can draw below 0.)
            assert!(Grid::new(bad, &RngStreams::new(1, 0)).is_err());
            continue;
        }
        match Grid::new(bad, &RngStreams::new(1, 0)) {
            Err(GridError::InvalidConfig {
                entity,
                field,
                reason,
            }) => {
                assert_eq!(entity, "project `old`");
                assert_eq!(field, "years_spent_at_start");
                assert!(
                    reason.contains("almost surely completed before the start"),
                    "{reason}"
                );
            }
            other => panic!("{lead:?}: {other:?}"),
        }
    }
    // A Discrete keeps only its values longer than the years spent.
    let mut ok = c.clone();
    ok.projects[0].lead_time_years = Dist::Discrete {
        values: vec![3.0, 5.5],
        weights: vec![1.0, 1.0],
    };
    let (mut grid, mut agenda) = started(ok, 1);
    run(
        &mut grid,
        &mut agenda,
        SimTime(SECS_PER_YEAR / 2 - 3600),
        |_, _, _| {},
    );
    assert_eq!(grid.installed_mw(region, Technology::Nuclear), 0.0);
    run(
        &mut grid,
        &mut agenda,
        SimTime(SECS_PER_YEAR / 2 + 3600),
        |_, _, _| {},
    );
    assert_eq!(grid.installed_mw(region, Technology::Nuclear), 10.0);
    // Years spent must be finite and ≥ 0.
    for spent in [-1.0, f64::NAN] {
        let mut bad = c.clone();
        bad.projects[0].years_spent_at_start = spent;
        assert!(
            matches!(
                Grid::new(bad, &RngStreams::new(1, 0)),
                Err(GridError::InvalidConfig {
                    field: "years_spent_at_start",
                    ..
                })
            ),
            "{spent}"
        );
    }
}

#[test]
fn price_is_the_marginal_cost_of_the_last_unit_and_scarcity_when_short() {
    let mut r = flat_region("r", 1_500.0);
    r.fleet.push(firm("r-coal", Technology::Coal, 1_000.0, 30.0));
    r.fleet.push(firm("r-gas", Technology::Gas, 1_000.0, 45.0));
    let (mut grid, mut agenda) = started(config(vec![r]), 1);
    let region = grid.region_id("r").expect("r");
    run(&mut grid, &mut agenda, hours(1), |g, _, _| {
        assert_eq!(g.price_usd_per_mwh(region), 45.0);
    });
    let mut r = flat_region("r", 900.0);
    r.fleet.push(firm("r-coal", Technology::Coal, 1_000.0, 30.0));
    r.fleet.push(firm("r-gas", Technology::Gas, 1_000.0, 45.0));
    let mut short = flat_region("s", 500.0);
    short.fleet.push(firm("s-gas", Technology::Gas, 100.0, 50.0));
    let mut c = config(vec![r, short]);
    c.links.push(LinkConfig::new("r", "s", 300.0));
    let (mut grid, mut agenda) = started(c, 1);
    let (r, s) = (grid.region_id("r").expect("r"), grid.region_id("s").expect("s"));
    run(&mut grid, &mut agenda, hours(1), |g, _, _| {
        // r exports 100 MW of coal then 200 MW of gas to s, which still curtails.
        assert_eq!(g.price_usd_per_mwh(r), 45.0);
        assert_eq!(g.price_usd_per_mwh(s), 5_000.0);
    });
}

/// The run's average price, from `summary_scalars`.
fn run_avg_price(grid: &Grid) -> f64 {
    let mut price = None;
    grid.summary_scalars(&mut |k, v| {
        if k == "energy.avg_price_usd_per_mwh" {
            price = Some(v);
        }
    });
    price.expect("an average price")
}

#[test]
fn the_run_average_price_is_demand_weighted_like_the_monthly_one() {
    // A large region on gas at 40 USD/MWh and a small one with no supply
    // (scarcity price 5,000), not linked: demand-weighted, the nation pays
    // (40·1,000 + 5,000·10) / 1,010 ≈ 89.1; the mean over regions would be 2,520.
    let mut big = flat_region("big", 1_000.0);
    big.fleet.push(firm("big-gas", Technology::Gas, 2_000.0, 40.0));
    let small = flat_region("small", 10.0);
    let (mut grid, mut agenda) = started(config(vec![big, small]), 1);
    let expected = (40.0 * 1_000.0 + 5_000.0 * 10.0) / 1_010.0;
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9 * b;
    // Monthly national (price, demand) pairs, sampled after 24 h and after 48 h.
    let mut national = Vec::new();
    for h in [24, 48] {
        run(&mut grid, &mut agenda, hours(h), |_, _, _| {});
        // Before a sample the run's figure covers the periods not yet sampled too.
        assert!(close(run_avg_price(&grid), expected), "{}", run_avg_price(&grid));
        let (mut price, mut demand) = (0.0, 0.0);
        grid.sample_metrics(agenda.now(), &mut |m, e, v| match (m, e) {
            ("energy.avg_price_usd_per_mwh", "national") => price = v,
            ("energy.demand_mwh", "national") => demand = v,
            _ => {}
        });
        national.push((price, demand));
    }
    let run_price = run_avg_price(&grid);
    assert!(close(run_price, expected), "{run_price}");
    // The run's figure is the monthly figures weighted by their demand.
    let weighted =
        national.iter().map(|(p, d)| p * d).sum::<f64>() / national.iter().map(|x| x.1).sum::<f64>();
    assert!(close(run_price, weighted), "{run_price} vs {weighted}");
    assert!((run_price - 2_520.0).abs() > 1_000.0);
}

#[test]
fn demand_grows_at_its_annual_rate() {
    let mut r = flat_region("r", 1_000.0);
    r.demand.growth_per_year = TimePath::constant(0.05);
    r.fleet.push(firm("r-gas", Technology::Gas, 10_000.0, 40.0));
    let (mut grid, mut agenda) = started(config(vec![r]), 1);
    let region = grid.region_id("r").expect("r");
    let mut last = 0.0;
    run(&mut grid, &mut agenda, SimTime(SECS_PER_YEAR), |g, _, _| {
        last = g.region_balance(region).expect("b").demand_mw;
    });
    assert!((last - 1_050.0).abs() < 0.5, "after one year {last}");
}

fn refused(mut change: impl FnMut(&mut GridConfig)) -> GridError {
    let mut c = GridConfig::example_two_region(calendar_2025());
    change(&mut c);
    Grid::new(c, &RngStreams::new(1, 0)).expect_err("must be refused")
}

/// A weather group's `hold_hours` outside (0, 8784] hours, or not a
/// number, is refused at that field, naming the group.
#[test]
fn a_bad_weather_hold_is_refused_naming_its_field() {
    for bad in [0.0, -24.0, f64::NAN, f64::INFINITY, 8784.5, 1e9] {
        let e = refused(|c| {
            let hydro = c
                .regions
                .iter_mut()
                .flat_map(|r| r.fleet.iter_mut())
                .find(|g| g.technology == Technology::Hydro)
                .expect("the example has hydro");
            let energy_grid::Availability::Weather { hold_hours, .. } = &mut hydro.availability else {
                panic!("hydro is weather-driven")
            };
            *hold_hours = Some(bad);
        });
        assert!(
            matches!(
                &e,
                GridError::InvalidConfig {
                    field: "availability.hold_hours",
                    entity,
                    ..
                } if entity.contains("hydro")
            ),
            "{bad}: {e}"
        );
    }
    // The bounds themselves are accepted.
    for good in [1.0 / 3600.0, 1.0, 24.0, 8784.0] {
        let mut c = GridConfig::example_two_region(calendar_2025());
        for g in c.regions.iter_mut().flat_map(|r| r.fleet.iter_mut()) {
            if let energy_grid::Availability::Weather { hold_hours, .. } = &mut g.availability {
                *hold_hours = Some(good);
            }
        }
        Grid::new(c, &RngStreams::new(1, 0)).expect("in range");
    }
}

/// Forced outages on wind, solar or hydro are refused: their availability
/// comes from their weather or daily shape, so failing units would have no
/// effect (before, they were drawn and then ignored; s20 grid audit,
/// finding 1).
#[test]
fn forced_outages_on_a_weather_or_solar_group_are_refused() {
    for tech in [Technology::Wind, Technology::Solar, Technology::Hydro] {
        let e = refused(|c| {
            let g = c
                .regions
                .iter_mut()
                .flat_map(|r| r.fleet.iter_mut())
                .find(|g| g.technology == tech)
                .expect("the example has wind, solar and hydro");
            g.failure_rate_per_year = 20.0;
        });
        assert!(
            matches!(
                &e,
                GridError::InvalidConfig {
                    field: "failure_rate_per_year",
                    ..
                }
            ),
            "{tech:?}: {e}"
        );
    }
}

#[test]
fn bad_configurations_are_refused_naming_entity_and_field() {
    let e = refused(|c| c.regions[0].fleet[0].installed_mw = f64::NAN);
    assert!(
        matches!(&e, GridError::InvalidConfig { field: "installed_mw", entity, .. } if entity.contains("north-coal")),
        "{e}"
    );
    let e = refused(|c| c.links[0].to = "atlantis".into());
    assert!(
        matches!(&e, GridError::UnknownRegion { name, .. } if name == "atlantis"),
        "{e}"
    );
    let e = refused(|c| c.regions[1].name = "north".into());
    assert!(
        matches!(e, GridError::DuplicateName { kind: "region", .. }),
        "{e}"
    );
    let retirement = |group: &str, mw: f64| energy_grid::RetirementConfig {
        name: "r".into(),
        group: group.into(),
        mw,
        at: SimTime(0),
    };
    let e = refused(|c| c.retirements.push(retirement("atlantis-coal", 100.0)));
    assert!(
        matches!(&e, GridError::InvalidConfig { field: "group", reason, .. } if reason.contains("atlantis-coal")),
        "{e}"
    );
    let e = refused(|c| c.retirements.push(retirement("north-coal", -1.0)));
    assert!(matches!(e, GridError::InvalidConfig { field: "mw", .. }), "{e}");
    let e = refused(|c| c.regions[0].storage.round_trip_efficiency = 1.5);
    assert!(
        matches!(
            e,
            GridError::InvalidConfig {
                field: "storage.round_trip_efficiency",
                ..
            }
        ),
        "{e}"
    );
    let e = refused(|c| c.curtailment_order.pop().map(|_| ()).unwrap_or(()));
    assert!(
        matches!(
            e,
            GridError::InvalidConfig {
                field: "curtailment_order",
                ..
            }
        ),
        "{e}"
    );
    let e = refused(|c| {
        c.projects.push(project("p", 1.0, 1.0, 0.0));
        c.projects[0].lead_time_years = Dist::Normal { mean: 1.0, sd: 1.0 };
        c.projects[0].region = "north".into();
    });
    assert!(
        matches!(
            e,
            GridError::InvalidConfig {
                field: "lead_time_years",
                ..
            }
        ),
        "{e}"
    );
    let e = refused(|c| {
        c.regions[0].fleet[3].availability = energy_grid::Availability::Solar {
            capacity_factor: 0.9,
            seasonal_amplitude: 0.2,
        }
    });
    assert!(
        matches!(
            e,
            GridError::InvalidConfig {
                field: "availability.capacity_factor",
                ..
            }
        ),
        "{e}"
    );
    // Bad input calls are refused without effect.
    let (mut grid, mut agenda): (Grid, Scheduler<GridEvent>) =
        started(GridConfig::example_two_region(calendar_2025()), 1);
    let north = grid.region_id("north").expect("north");
    let load = grid.add_load(LoadSpec {
        name: "dc".into(),
        region: north,
        class: LoadClass::Fab,
        connected_mw: 10.0,
    });
    let load = load.expect("load");
    assert!(grid.set_load_demand(load, f64::NAN).is_err());
    assert!(grid.request_connection(load, -1.0, &mut agenda).is_err());
    let household = grid
        .regional_load(north, LoadClass::Household)
        .expect("household");
    assert!(
        grid.set_load_demand(household, 1.0).is_err(),
        "regional loads are not inputs"
    );
}

#[test]
fn a_retirement_removes_capacity_at_its_date() {
    use energy_grid::RetirementConfig;
    // Two coal groups of 600 MW units; 700 MW of the old one retires at day
    // 10: 500 MW (one unit, the last one partial) is left, the new group is
    // untouched, and the gas covers what the coal no longer can.
    let mut r = flat_region("r", 2_000.0);
    r.fleet.push(firm("r-coal-old", Technology::Coal, 1_200.0, 35.0));
    r.fleet.push(firm("r-coal-new", Technology::Coal, 1_200.0, 25.0));
    r.fleet.push(firm("r-gas", Technology::Gas, 1_000.0, 45.0));
    for g in &mut r.fleet {
        g.unit_size_mw = 600.0;
        g.failure_rate_per_year = 1e-9; // units, but no outage in practice
    }
    let mut c = config(vec![r]);
    let day = 24 * 3600;
    c.retirements.push(RetirementConfig {
        name: "phase-out".into(),
        group: "r-coal-old".into(),
        mw: 700.0,
        at: SimTime(10 * day),
    });
    let (mut grid, mut agenda) = started(c, 1);
    let region = grid.region_id("r").expect("r");
    let (old, new, gas) = (
        grid.plant_group_id("r-coal-old").expect("g"),
        grid.plant_group_id("r-coal-new").expect("g"),
        grid.plant_group_id("r-gas").expect("g"),
    );
    run(&mut grid, &mut agenda, SimTime(10 * day - 1), |g, _, _| {
        assert_eq!(g.plant_group_state(gas).expect("gas").generation_mw, 0.0);
    });
    assert_eq!(grid.installed_mw(region, Technology::Coal), 2_400.0);
    let mut before = Vec::new();
    grid.sample_metrics(agenda.now(), &mut |m, e, v| {
        before.push((m.to_string(), e.to_string(), v))
    });
    run(&mut grid, &mut agenda, SimTime(20 * day), |g, _, _| {
        assert!((g.plant_group_state(gas).expect("gas").generation_mw - 300.0).abs() < 1e-6);
    });
    assert_eq!(grid.installed_mw(region, Technology::Coal), 1_700.0);
    let old_state = grid.plant_group_state(old).expect("old");
    let new_state = grid.plant_group_state(new).expect("new");
    assert_eq!((old_state.installed_mw, old_state.units_total), (500.0, 1));
    assert_eq!((new_state.installed_mw, new_state.units_total), (1_200.0, 2));
    // The metric: nothing retired before the date, 700 MW in the period that holds it.
    let retired = |rows: &[(String, String, f64)], entity: &str| {
        rows.iter()
            .find(|(m, e, _)| m == "energy.retired_mw" && e == entity)
            .map(|r| r.2)
    };
    assert_eq!(retired(&before, "r"), Some(0.0));
    let mut after = Vec::new();
    grid.sample_metrics(agenda.now(), &mut |m, e, v| {
        after.push((m.to_string(), e.to_string(), v))
    });
    assert_eq!(retired(&after, "r"), Some(700.0));
    assert_eq!(retired(&after, "national"), Some(700.0));
    let mut total = None;
    grid.summary_scalars(&mut |k, v| {
        if k == "energy.retired_mw_total" {
            total = Some(v);
        }
    });
    assert_eq!(total, Some(700.0));
}

#[test]
fn a_retirement_larger_than_the_fleet_retires_what_there_is_and_units_on_outage_go_too() {
    use energy_grid::RetirementConfig;
    // 10 units of 100 MW failing often and repaired slowly, so some are down
    // when the whole group retires: nothing is left, up or down.
    let mut coal = firm("coal", Technology::Coal, 1_000.0, 30.0);
    coal.unit_size_mw = 100.0;
    coal.failure_rate_per_year = 50.0;
    coal.repair_time_days = Dist::Const { value: 30.0 };
    let mut r = flat_region("r", 100.0);
    r.fleet.push(coal);
    let mut c = config(vec![r]);
    c.retirements.push(RetirementConfig {
        name: "all".into(),
        group: "coal".into(),
        mw: 5_000.0,
        at: SimTime(100 * 24 * 3600),
    });
    let (mut grid, mut agenda) = started(c, 3);
    let g = grid.plant_group_id("coal").expect("g");
    let mut down_before = 0;
    run(&mut grid, &mut agenda, hours(100 * 24 - 1), |g2, _, _| {
        down_before = g2.plant_group_state(g).expect("s").units_down;
    });
    assert!(down_before > 0, "some units are on outage before the retirement");
    run(&mut grid, &mut agenda, hours(200 * 24), |g2, _, _| {
        let s = g2.plant_group_state(g).expect("s");
        assert_eq!(
            (s.installed_mw, s.units_total, s.units_down, s.available_mw),
            (0.0, 0, 0, 0.0)
        );
    });
    let mut total = None;
    grid.summary_scalars(&mut |k, v| {
        if k == "energy.retired_mw_total" {
            total = Some(v);
        }
    });
    assert_eq!(total, Some(1_000.0));
}

#[test]
fn a_dispatch_off_the_hourly_grid_is_served_and_balances() {
    // Dispatch computes weather and time features ahead for steps one
    // interval apart. A caller may also send a dispatch at any instant (here
    // a second chain of dispatches, 20 min 34 s after the hour): the rest of
    // the block is re-timed from there, each step sees its own time of day,
    // and every step still balances. (That the weather still advances one
    // step a dispatch is checked inside the crate, in dispatch.rs.)
    let c = GridConfig::example_seven_region(calendar_2025());
    let (mut grid, mut agenda) = started(c, 5);
    agenda
        .schedule_at(SimTime(hours(5).ticks() + 1234), GridEvent::Dispatch)
        .expect("scheduled");
    let solar = grid
        .plant_group_id("north-solar")
        .expect("the example has solar in the north");
    let mut dispatches = 0;
    let mut off_grid = 0;
    run(&mut grid, &mut agenda, hours(72), |g, t, _| {
        dispatches += 1;
        off_grid += usize::from(t.ticks() % 3600 != 0);
        // Each step sees its own time of day: no sun in a January night,
        // sun at midday (the middle of the step is 30 min after `t`).
        let hour_mid = ((t.ticks() + 1800) % 86_400) as f64 / 3600.0;
        let sun = g.plant_group_state(solar).expect("group").available_mw;
        if !(6.0..=18.0).contains(&hour_mid) {
            assert_eq!(sun, 0.0, "solar at {hour_mid:.2} h");
        } else if (10.0..=14.0).contains(&hour_mid) {
            assert!(sun > 0.0, "no solar at {hour_mid:.2} h");
        }
        for b in g.last_balance() {
            assert!(b.residual_mw().abs() < 1e-6 * b.demand_mw.max(1.0), "{b:?}");
            assert!(b.available_mw.is_finite() && b.available_mw > 0.0, "{b:?}");
        }
    });
    assert_eq!(off_grid, 67, "the second chain runs hourly from 5:20:34");
    assert_eq!(
        dispatches,
        73 + 67,
        "hourly from 0 to 72 h inclusive, and the second chain"
    );
}

#[test]
fn units_built_and_retired_mid_run_count_from_the_next_dispatch() {
    use energy_grid::RetirementConfig;
    // A coal group of 300 MW units with outages (several units down most of
    // the time) gains a unit's worth each month from a programme and loses
    // 2,000 MW at day 100. After every dispatch its availability must be
    // its installed capacity times the share of its units running then: a
    // running fraction left stale by a change of units would break this.
    let mut r = flat_region("r", 5_000.0);
    let mut coal = firm("r-coal", Technology::Coal, 6_000.0, 30.0);
    coal.unit_size_mw = 300.0;
    coal.failure_rate_per_year = 3.0;
    coal.repair_time_days = Dist::Exp { mean: 60.0 };
    r.fleet.push(coal);
    r.fleet.push(firm("r-gas", Technology::Gas, 10_000.0, 50.0));
    let mut c = config(vec![r]);
    c.programmes.push(ProgrammeConfig {
        name: "coal build".into(),
        technology: Technology::Coal,
        region: "r".into(),
        mw_per_year: TimePath::constant(3_600.0),
    });
    c.retirements.push(RetirementConfig {
        name: "phase-out".into(),
        group: "r-coal".into(),
        mw: 2_000.0,
        at: SimTime(100 * 24 * 3600),
    });
    let (mut grid, mut agenda) = started(c, 9);
    let coal = grid.plant_group_id("r-coal").expect("coal");
    let (mut checked, mut with_units_down) = (0, 0);
    run(&mut grid, &mut agenda, hours(24 * 200), |g, _, _| {
        let s = g.plant_group_state(coal).expect("state");
        let running = f64::from(s.units_total - s.units_down) / f64::from(s.units_total);
        assert_eq!(
            s.available_mw.to_bits(),
            (s.installed_mw * running).to_bits(),
            "{s:?}"
        );
        checked += 1;
        with_units_down += usize::from(s.units_down > 0);
    });
    let s = grid.plant_group_state(coal).expect("state");
    assert_eq!(
        s.installed_mw,
        6_000.0 + 7.0 * 300.0 - 2_000.0,
        "seven monthly tranches (1 January to 1 July), one retirement"
    );
    assert!(
        checked > 4_000 && with_units_down > checked / 2,
        "{with_units_down} of {checked}"
    );
}

/// One region with a gas group of 1,000 MW in 1 kW units with forced
/// outages: 10⁶ units, the most a group may have.
fn tiny_units() -> GridConfig {
    let mut r = flat_region("r", 500.0);
    let mut gas = PlantGroupConfig::typical("r-gas", Technology::Gas, 1_000.0);
    gas.unit_size_mw = 0.001;
    gas.failure_rate_per_year = 0.01;
    r.fleet.push(gas);
    config(vec![r])
}

#[test]
fn build_out_cannot_take_a_group_past_the_unit_limit() {
    // At the limit, the configured fleet is accepted.
    started(tiny_units(), 1);
    // A project that would pass it (if it completes) is refused when the grid is built.
    let mut c = tiny_units();
    let mut p = project("more-gas", 1.0, 0.5, 0.9);
    p.technology = Technology::Gas;
    c.projects.push(p);
    let e = Grid::new(c, &RngStreams::new(1, 0)).expect_err("refused");
    assert!(
        matches!(&e, GridError::InvalidConfig { field: "unit_size_mw", entity, reason }
            if entity.contains("r-gas") && reason.contains("1001000 units")),
        "{e}"
    );
    // Projects of another technology do not count.
    let mut c = tiny_units();
    c.projects.push(project("nuclear", 1_000.0, 0.5, 0.0));
    started(c, 1);

    // A programme: its first tranche (1,000 MW a year, a twelfth of it)
    // would pass the limit, so the run stops there with an error naming
    // the group, and nothing is added.
    let mut c = tiny_units();
    c.programmes.push(ProgrammeConfig {
        name: "gas push".into(),
        technology: Technology::Gas,
        region: "r".into(),
        mw_per_year: TimePath::constant(1_000.0),
    });
    let (mut grid, mut agenda) = started(c, 1);
    let mut signals = Vec::new();
    let error = loop {
        let (_, event) = agenda
            .next_event_until(SimTime(SECS_PER_YEAR))
            .expect("no budget")
            .expect("the run must stop before the year ends");
        if let Err(e) = grid.handle(event, &mut agenda, &mut signals) {
            break e;
        }
    };
    assert_eq!(agenda.now(), SimTime::ZERO, "at the first programme step");
    match &error {
        GridError::TooManyUnits {
            group, units, limit, ..
        } => {
            assert_eq!(group, "r-gas");
            assert!((units - 1_083_333.3).abs() < 1.0 && *limit == 1e6, "{error}");
        }
        other => panic!("expected TooManyUnits, got {other}"),
    }
    assert!(error.to_string().contains("`r-gas`"), "{error}");
    let gas = grid.plant_group_id("r-gas").expect("group");
    let state = grid.plant_group_state(gas).expect("state");
    assert_eq!((state.installed_mw, state.units_total), (1_000.0, 1_000_000));
}

/// A grid with a 1,200 MW/yr wind programme from `start`.
fn wind_programme(start: chrono::NaiveDate) -> GridConfig {
    let mut r = flat_region("r", 100.0);
    r.fleet.push(firm("r-gas", Technology::Gas, 1_000.0, 40.0));
    let mut c = GridConfig::new(scheduler::Calendar::new(start));
    c.regions = vec![r];
    c.programmes.push(ProgrammeConfig {
        name: "wind push".into(),
        technology: Technology::Wind,
        region: "r".into(),
        mw_per_year: TimePath::constant(1_200.0),
    });
    c
}

#[test]
fn a_programme_adds_its_yearly_rate_by_the_end_of_each_calendar_year() {
    // s16 (audit finding 7): tranches came at the end of each twelfth of a
    // 365.25-day year, so the twelfth tranche of 2025 landed 6 h after the
    // year and a run of n calendar years built 12n − 1 tranches (1,100 MW
    // by 2026-01-01 here). Now one lands at the start of every month.
    let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date");
    let c = wind_programme(date(2025, 1, 1));
    let calendar = c.calendar;
    let (mut grid, mut agenda) = started(c, 1);
    let region = grid.region_id("r").expect("r");
    for year in 1..=10 {
        let end = calendar.at_date(date(2025 + year, 1, 1)).expect("in range");
        // Everything before the year's end (a run's last instant).
        run(&mut grid, &mut agenda, SimTime(end.ticks() - 1), |_, _, _| {});
        let built = grid.installed_mw(region, Technology::Wind);
        assert!(
            (built - 1_200.0 * f64::from(year)).abs() < 1e-6,
            "{built} MW after {year} years"
        );
    }
    // A run from 16 March: the first tranche is the 16 days of March left
    // (16/31 of a month), then a whole month's from 1 April.
    let c = wind_programme(date(2025, 3, 16));
    let calendar = c.calendar;
    let (mut grid, mut agenda) = started(c, 1);
    let end = calendar.at_date(date(2026, 1, 1)).expect("in range");
    run(&mut grid, &mut agenda, SimTime(end.ticks() - 1), |_, _, _| {});
    let built = grid.installed_mw(region, Technology::Wind);
    let expected = 100.0 * 16.0 / 31.0 + 9.0 * 100.0;
    assert!((built - expected).abs() < 1e-6, "{built} MW, expected {expected}");
}

#[test]
fn a_project_completing_at_time_zero_is_in_the_first_sample() {
    // s16 (audit finding 7): the t = 0 sample, taken before any event,
    // reported such a project pending and without its capacity.
    let mut r = flat_region("r", 100.0);
    r.fleet.push(firm("r-gas", Technology::Gas, 1_000.0, 40.0));
    let mut c = config(vec![r]);
    let mut old = project("old", 10.0, 3.0, 0.0);
    old.years_spent_at_start = 5.0;
    c.projects.push(old);
    c.projects.push(project("new", 20.0, 1.0, 0.0));
    let (mut grid, mut agenda) = started(c, 1);
    let region = grid.region_id("r").expect("r");
    // Before any event.
    assert_eq!(grid.installed_mw(region, Technology::Nuclear), 10.0);
    assert_eq!(grid.projects_pending(region), 1);
    let mut row = std::collections::HashMap::new();
    grid.sample_metrics(SimTime::ZERO, &mut |metric, entity, v| {
        if entity == "r" {
            row.insert(metric.to_string(), v);
        }
    });
    assert_eq!(row["energy.projects_completed"], 1.0);
    assert_eq!(row["energy.projects_pending"], 1.0);
    assert_eq!(row["energy.capacity_nuclear_mw"], 10.0);
    // Its signal comes with the first event handled, once.
    let signals = run(&mut grid, &mut agenda, hours(1), |_, _, _| {});
    let completed: Vec<f64> = signals
        .iter()
        .filter_map(|s| match s {
            GridSignal::ProjectCompleted { mw, .. } => Some(*mw),
            _ => None,
        })
        .collect();
    assert_eq!(completed, [10.0]);
    let mut totals = std::collections::HashMap::new();
    grid.summary_scalars(&mut |k, v| {
        totals.insert(k.to_string(), v);
    });
    assert_eq!(totals["energy.projects_completed_total"], 1.0);
}

#[test]
fn a_retirement_at_or_before_the_start_is_gone_from_the_first_sample_and_dispatch() {
    use energy_grid::{MAX_MW, RetirementConfig};
    // s16 (grid review finding 3): the reviewer's rs.ron. 100 MW of flat
    // load, 200 MW of cheap coal retired at the start (a scenario's
    // `retire_date` before its start lands there), 200 MW of gas. The
    // retirement was an event at t = 0 that ran after the t = 0 sample and
    // the first dispatch: the sample showed 200 MW of coal and the first
    // hour ran on it.
    let mut r = flat_region("r", 100.0);
    r.fleet.push(firm("r-coal", Technology::Coal, 200.0, 25.0));
    r.fleet.push(firm("r-gas", Technology::Gas, 200.0, 45.0));
    let mut c = config(vec![r]);
    let all = |at: SimTime| RetirementConfig {
        name: format!("r-coal at {}", at.ticks()),
        group: "r-coal".into(),
        mw: MAX_MW,
        at,
    };
    c.retirements.push(all(SimTime::ZERO));
    // Build-out into the same group: a project done at the start (begun
    // five years before, a three-year lead) and 120 MW/yr (10 MW a month
    // from time zero); a second full retirement on 1 February, a tranche's
    // instant.
    let mut old = project("old", 30.0, 3.0, 0.0);
    old.technology = Technology::Coal;
    old.years_spent_at_start = 5.0;
    c.projects.push(old);
    c.programmes.push(ProgrammeConfig {
        name: "coal push".into(),
        technology: Technology::Coal,
        region: "r".into(),
        mw_per_year: TimePath::constant(120.0),
    });
    let february = c
        .calendar
        .at_date(chrono::NaiveDate::from_ymd_opt(2025, 2, 1).expect("date"))
        .expect("in range");
    c.retirements.push(all(february));
    let (mut grid, mut agenda) = started(c, 1);
    let region = grid.region_id("r").expect("r");
    let coal = grid.plant_group_id("r-coal").expect("coal");
    // Before any event: the old coal is gone and the project, completing
    // after the retirement at the same instant, is in.
    let mut row = std::collections::HashMap::new();
    grid.sample_metrics(SimTime::ZERO, &mut |metric, entity, v| {
        if entity == "r" {
            row.insert(metric.to_string(), v);
        }
    });
    assert_eq!(row["energy.capacity_coal_mw"], 30.0);
    assert_eq!(row["energy.retired_mw"], 200.0);
    assert_eq!(row["energy.projects_completed"], 1.0);
    // The first hour runs on the project's 30 MW of coal and 70 of gas, not
    // on the retired 200 MW.
    let mut first = None;
    run(&mut grid, &mut agenda, hours(1), |g, t, _| {
        if t == SimTime::ZERO {
            first = Some(g.plant_group_state(coal).expect("coal").generation_mw);
        }
    });
    assert_eq!(first, Some(30.0));
    // The t = 0 tranche came after the retirement: 40 MW in January.
    assert!((grid.installed_mw(region, Technology::Coal) - 40.0).abs() < 1e-9);
    // 1 February: the retirement takes all the group has (the project and
    // January's tranches), then February's tranche comes.
    run(
        &mut grid,
        &mut agenda,
        SimTime(february.ticks() + 1),
        |_, _, _| {},
    );
    assert!((grid.installed_mw(region, Technology::Coal) - 10.0).abs() < 1e-9);
    let mut totals = std::collections::HashMap::new();
    grid.summary_scalars(&mut |k, v| {
        totals.insert(k.to_string(), v);
    });
    assert!((totals["energy.retired_mw_total"] - 240.0).abs() < 1e-9);
}

/// At 5 h steps a connection is granted at the first dispatch at or after
/// its approval, so the load's new request is dispatched from the grant on;
/// the queue itself runs on the unrounded approvals (a grant's rounding
/// does not delay the next request's). Granted between two dispatches, a
/// connection's power waited for the next one, at steps that do not divide
/// the approval times (audit s22-steps, finding A).
#[test]
fn a_connection_is_granted_at_a_dispatch_instant() {
    let mut r = flat_region("r", 100.0);
    r.fleet.push(firm("r-gas", Technology::Gas, 10_000.0, 40.0));
    r.interconnection_approval_mw_per_year = 1_000.0;
    let mut c = config(vec![r]);
    c.dispatch_interval = scheduler::Duration::from_hours(5);
    let (mut grid, mut agenda) = started(c, 1);
    let region = grid.region_id("r").expect("r");
    let step = 5 * 3_600;
    for i in 0..4u64 {
        let load = unconnected_datacenter(&mut grid, region, i);
        // 100 MW at 1,000 MW/yr: approved 0.1, 0.2, … years on.
        let grant = grid
            .request_connection(load, 100.0, &mut agenda)
            .expect("request");
        let approved = (i + 1) * SECS_PER_YEAR / 10;
        assert_eq!(grant.ticks(), approved.div_ceil(step) * step, "grant {i}");
        assert_eq!(grid.dispatch_at_or_after(grant), grant);
    }
    // On an instant, before the first dispatch, and past it.
    assert_eq!(grid.dispatch_at_or_after(SimTime::ZERO), SimTime::ZERO);
    assert_eq!(grid.dispatch_at_or_after(SimTime(1)), SimTime(step));
    assert_eq!(grid.dispatch_at_or_after(SimTime(2 * step)), SimTime(2 * step));
}
