//! Fleets: accelerators of buyers outside the labs that draw power at their
//! own sites and train nothing. Driven through the input methods, as the
//! stack's wiring drives them: the install rule, the power they ask for and
//! draw, the energy they lack, their retirement and their chip count.

mod common;

use common::*;
use model_training::{ChipBatch, FleetConfig, SiteConfig, Training, TrainingConfig, TrainingSignal};
use scheduler::{SECS_PER_HOUR, SimTime};

/// Facility MW of one test accelerator: (700 + 300) W × 1.25.
const MW_PER_CHIP: f64 = (CHIP_W + OVERHEAD_W) * PUE / 1e6;

fn site(region: &str, connected_mw: f64) -> SiteConfig {
    let mut s = SiteConfig::new(region);
    s.pue = PUE;
    s.overhead_w_per_chip = OVERHEAD_W;
    s.initial_connection_mw = connected_mw;
    s
}

/// A lab with no accelerators and a fleet `cloud` with `sites`.
fn bench(sites: Vec<SiteConfig>, life_years: f64) -> Bench {
    bench_with_stock(sites, life_years, Vec::new())
}

/// [`bench`] with accelerators the fleet owns at the start.
fn bench_with_stock(sites: Vec<SiteConfig>, life_years: f64, stock: Vec<ChipBatch>) -> Bench {
    let mut lab = lab("a");
    lab.initial_accelerators.clear();
    let mut cfg = TrainingConfig::new(vec![lab]);
    cfg.chip_service_life_years = life_years;
    cfg.fleets = vec![FleetConfig {
        name: "cloud".into(),
        sites,
        initial_accelerators: stock,
    }];
    Bench::new(cfg, 1)
}

fn fleet_site(b: &Bench, region: &str) -> model_training::SiteId {
    b.training
        .sites()
        .find(|(_, n, _)| *n == format!("cloud@{region}"))
        .map(|(id, _, _)| id)
        .expect("fleet site")
}

/// The last power demand each site reported, MW, and the connection each asked for.
fn needs(signals: &[TrainingSignal], site: model_training::SiteId) -> (Option<f64>, f64) {
    let mut demand = None;
    let mut asked = 0.0;
    for s in signals {
        match s {
            TrainingSignal::PowerDemand { site: x, mw } if *x == site => demand = Some(*mw),
            TrainingSignal::ConnectionRequest {
                site: x,
                additional_mw,
            } if *x == site => asked += additional_mw,
            _ => {}
        }
    }
    (demand, asked)
}

#[test]
fn deliveries_fill_unused_connections_in_order_and_the_rest_asks_the_first_site_for_more() {
    // 600 chips' worth of connection in `x`, 300 in `y`.
    let mut b = bench(
        vec![site("x", 600.0 * MW_PER_CHIP), site("y", 300.0 * MW_PER_CHIP)],
        5.0,
    );
    let fleet = b.training.fleets().next().unwrap().0;
    let (x, y) = (fleet_site(&b, "x"), fleet_site(&b, "y"));
    assert_eq!(b.training.site_fleet(x), Some(fleet));
    assert_eq!(b.training.site_lab(x), None);
    b.training
        .fleet_accelerators_delivered(fleet, &batch(1000))
        .unwrap();
    let c = b.training.fleet_chips(fleet).unwrap();
    assert_eq!((c.delivered, c.awaiting_install, c.in_service), (1000, 1000, 0));
    b.signals.clear();
    b.training
        .install_fleet_accelerators(fleet, batch(1000), &mut b.sched, &mut b.signals)
        .unwrap();
    let c = b.training.fleet_chips(fleet).unwrap();
    assert_eq!((c.delivered, c.awaiting_install, c.in_service), (1000, 0, 1000));
    // `x` takes 600 and the 100 no connection runs; `y` its 300. Demand is
    // capped at each connection; `x` asks for its 700 chips' need plus the
    // default headroom (0.5) less what it has.
    let (dx, ax) = needs(&b.signals, x);
    let (dy, ay) = needs(&b.signals, y);
    assert!((dx.unwrap() - 600.0 * MW_PER_CHIP).abs() < 1e-9, "{dx:?}");
    assert!((dy.unwrap() - 300.0 * MW_PER_CHIP).abs() < 1e-9, "{dy:?}");
    assert!((ax - (700.0 * 1.5 - 600.0) * MW_PER_CHIP).abs() < 1e-9, "{ax}");
    assert_eq!(ay, 0.0);
    // No training: the fleet's chips are no lab's.
    let rows = b.sample();
    assert_eq!(metric(&rows, "training.accelerators_installed", "national"), 0.0);
    assert_eq!(metric(&rows, "buyers.accelerators_in_service", "cloud"), 1000.0);
    assert!((metric(&rows, "buyers.power_needed_mw", "cloud") - 1000.0 * MW_PER_CHIP).abs() < 1e-9);
    assert!((metric(&rows, "buyers.power_drawn_mw", "cloud") - 900.0 * MW_PER_CHIP).abs() < 1e-9);
}

#[test]
fn energy_drawn_lacked_and_paid_follow_the_power_served_and_retirement_stops_the_draw() {
    let mut b = bench(vec![site("x", 1e6)], 1.0);
    let fleet = b.training.fleets().next().unwrap().0;
    let x = fleet_site(&b, "x");
    b.training
        .fleet_accelerators_delivered(fleet, &batch(1000))
        .unwrap();
    b.training
        .install_fleet_accelerators(fleet, batch(1000), &mut b.sched, &mut b.signals)
        .unwrap();
    b.sample();
    let full = 1000.0 * MW_PER_CHIP;
    b.training
        .set_electricity_price(x, 50.0, b.sched.now(), &mut b.sched, &mut b.signals)
        .unwrap();
    // Ten days in full, then ten days at 40 % of the demand.
    b.run_until(days(10.0));
    b.training
        .set_power_served(x, 0.4 * full, &mut b.sched, &mut b.signals)
        .unwrap();
    b.run_until(days(20.0));
    let rows = b.sample();
    let h = 10.0 * 24.0;
    let drawn = full * h + 0.4 * full * h;
    let e = metric(&rows, "buyers.energy_mwh", "cloud");
    assert!((e - drawn).abs() < 1e-9 * drawn, "{e} vs {drawn}");
    let lost = metric(&rows, "buyers.energy_lost_power_mwh", "cloud");
    assert!((lost - 0.6 * full * h).abs() < 1e-9 * drawn, "{lost}");
    // Every MWh lacked here is the grid's cut (the connection covers all).
    assert_eq!(metric(&rows, "buyers.energy_curtailed_mwh", "cloud"), lost);
    let usd = metric(&rows, "buyers.electricity_usd", "cloud");
    assert!((usd - 50.0 * drawn).abs() < 1e-9 * usd, "{usd}");
    assert_eq!(metric(&rows, "buyers.energy_mwh", "national"), e);
    // Nothing of it is training's.
    assert_eq!(metric(&rows, "training.energy_mwh", "national"), 0.0);
    // A year of service life: after it the fleet draws nothing.
    b.training
        .set_power_served(x, full, &mut b.sched, &mut b.signals)
        .unwrap();
    let year = SimTime(scheduler::SECS_PER_YEAR);
    b.run_until(SimTime(year.0 + 10 * SECS_PER_HOUR));
    b.sample();
    b.run_until(SimTime(year.0 + 20 * 24 * SECS_PER_HOUR));
    let rows = b.sample();
    assert_eq!(metric(&rows, "buyers.accelerators_in_service", "cloud"), 0.0);
    assert_eq!(metric(&rows, "buyers.energy_mwh", "cloud"), 0.0);
    assert_eq!(metric(&rows, "buyers.power_needed_mw", "cloud"), 0.0);
    let c = b.training.fleet_chips(fleet).unwrap();
    assert_eq!((c.delivered, c.in_service, c.retired), (1000, 0, 1000));
    // The site's demand falls to 0 with it.
    assert_eq!(needs(&b.signals, x).0, Some(0.0));
}

#[test]
fn the_summary_reports_each_fleet_and_their_sum_and_nothing_without_fleets() {
    let mut b = bench(vec![site("x", 1e6)], 5.0);
    let fleet = b.training.fleets().next().unwrap().0;
    b.training
        .fleet_accelerators_delivered(fleet, &batch(300))
        .unwrap();
    b.training
        .install_fleet_accelerators(fleet, batch(200), &mut b.sched, &mut b.signals)
        .unwrap();
    b.run_until(days(1.0));
    b.sample();
    let mut out = Vec::new();
    b.training
        .summary_scalars(&mut |k, v| out.push((k.to_string(), v)));
    let get = |k: &str| out.iter().find(|(n, _)| n == k).map(|(_, v)| *v);
    let e = 200.0 * MW_PER_CHIP * 24.0;
    assert!((get("buyers.energy_mwh_total").unwrap() - e).abs() < 1e-9 * e);
    assert_eq!(
        get("buyers.cloud.energy_mwh_total"),
        get("buyers.energy_mwh_total")
    );
    assert_eq!(get("buyers.cloud.accelerators_in_service_end"), Some(200.0));
    assert_eq!(get("buyers.cloud.accelerators_awaiting_install_end"), Some(100.0));
    assert_eq!(get("training.energy_mwh_total"), Some(0.0));
    // Without fleets, no `buyers.` outcome or metric at all.
    let mut alone = Bench::new(TrainingConfig::new(vec![lab("a")]), 1);
    let mut out = Vec::new();
    alone
        .training
        .summary_scalars(&mut |k, _| out.push(k.to_string()));
    let rows = alone.sample();
    assert!(!out.iter().any(|k| k.starts_with("buyers.")));
    assert!(!rows.iter().any(|r| r.0.starts_with("buyers.")));
}

#[test]
fn a_fleet_is_refused_a_lab_s_name_and_a_region_twice() {
    let mut cfg = TrainingConfig::new(vec![lab("a")]);
    cfg.fleets = vec![FleetConfig::new("a", &["r"])];
    let e = Training::new(cfg.clone(), &scheduler::RngStreams::new(1, 0))
        .err()
        .expect("refused")
        .to_string();
    assert!(e.contains("fleet a") && e.contains("`name`"), "{e}");
    cfg.fleets = vec![FleetConfig::new("cloud", &["r", "r"])];
    let e = Training::new(cfg.clone(), &scheduler::RngStreams::new(1, 0))
        .err()
        .expect("refused")
        .to_string();
    assert!(
        e.contains("fleet cloud site r") && e.contains("appears twice in the fleet's sites"),
        "{e}"
    );
    cfg.fleets = vec![FleetConfig::new("cloud", &[])];
    assert!(Training::new(cfg, &scheduler::RngStreams::new(1, 0)).is_err());
}

/// The fleet's accelerators: at start, delivered, awaiting installation,
/// in service, retired.
fn counts(b: &Bench, fleet: model_training::FleetId) -> (u64, u64, u64, u64, u64) {
    let c = b.training.fleet_chips(fleet).unwrap();
    (
        c.at_start,
        c.delivered,
        c.awaiting_install,
        c.in_service,
        c.retired,
    )
}

#[test]
fn accelerators_owned_at_the_start_are_placed_as_a_delivery_and_counted_until_they_retire() {
    // 600 chips' worth of connection in `x`, 300 in `y`; 700 owned at the
    // start, in two batches, and a batch of none.
    let mut b = bench_with_stock(
        vec![site("x", 600.0 * MW_PER_CHIP), site("y", 300.0 * MW_PER_CHIP)],
        2.0,
        vec![batch(500), batch(0), batch(200)],
    );
    let fleet = b.training.fleets().next().unwrap().0;
    let (x, y) = (fleet_site(&b, "x"), fleet_site(&b, "y"));
    assert_eq!(counts(&b, fleet), (700, 0, 0, 700, 0));
    // `x` runs 600, `y` the other 100, from the start.
    let (dx, ax) = needs(&b.signals, x);
    let (dy, _) = needs(&b.signals, y);
    assert!((dx.unwrap() - 600.0 * MW_PER_CHIP).abs() < 1e-9, "{dx:?}");
    assert!((dy.unwrap() - 100.0 * MW_PER_CHIP).abs() < 1e-9, "{dy:?}");
    assert_eq!(ax, 0.0);
    // A delivery joins them; all retire a service life after they came:
    // at start + delivered = awaiting + in service + retired throughout.
    b.training
        .fleet_accelerators_delivered(fleet, &batch(50))
        .unwrap();
    let c = b.training.fleet_chips(fleet).unwrap();
    assert_eq!(
        c.at_start + c.delivered,
        c.awaiting_install + c.in_service + c.retired
    );
    b.training
        .install_fleet_accelerators(fleet, batch(50), &mut b.sched, &mut b.signals)
        .unwrap();
    b.run_until(SimTime(2 * scheduler::SECS_PER_YEAR + SECS_PER_HOUR));
    assert_eq!(counts(&b, fleet), (700, 50, 0, 0, 750));
    assert_eq!(needs(&b.signals, x).0, Some(0.0));
}

#[test]
fn a_retirement_waits_for_the_second_dispatch_after_the_install_when_the_life_is_shorter() {
    // Daily dispatches from 0; a service life of 0.00001 years (5 min). The
    // dispatch at 24 h may already be on the agenda when a batch is installed
    // at 0, and would run before a retirement scheduled there: the batch
    // retires at 48 h, the second dispatch after the install (review s24 F1).
    let mut lab = lab("a");
    lab.initial_accelerators.clear();
    let mut cfg = TrainingConfig::new(vec![lab]);
    cfg.chip_service_life_years = 0.00001;
    cfg.fleets = vec![FleetConfig::new("cloud", &["x"])];
    cfg.fleets[0].sites = vec![site("x", 1e6)];
    cfg.power_clock = Some(scheduler::StepClock {
        first: SimTime::ZERO,
        step: scheduler::Duration(24 * SECS_PER_HOUR),
    });
    let mut b = Bench::new(cfg, 1);
    let fleet = b.training.fleets().next().unwrap().0;
    b.training
        .install_fleet_accelerators(fleet, batch(100), &mut b.sched, &mut b.signals)
        .unwrap();
    b.run_until(SimTime(48 * SECS_PER_HOUR - 1));
    assert_eq!(b.training.fleet_chips(fleet).unwrap().in_service, 100);
    b.run_until(SimTime(48 * SECS_PER_HOUR));
    assert_eq!(b.training.fleet_chips(fleet).unwrap().retired, 100);
}
