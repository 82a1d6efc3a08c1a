//! Other buyers with sites (`chips.other_buyers[].sites`): their
//! accelerators are installed at their own datacenters, draw their facility
//! power from the grid as datacenter loads (cut as a lab's sites are, the
//! energy they lack booked per buyer), wait for connections in the
//! interconnection queue, retire after their service life, and train
//! nothing. Without sites a buyer's accelerators leave the model, as before.

use stack::{RunOptions, RunOutput, Scenario};
use std::path::Path;

/// One region with ample gas, a lab that buys nothing, and an other buyer
/// `cloud` that orders 1,000 accelerators (2e7 USD at 20,000 USD) in
/// January 2025 and nothing after; a pushed import flow supplies them in
/// the first weeks. Facility power per accelerator: (700 + 300) W × 1.25.
const BASE: &str = r#"Scenario(
    name: "fleets",
    start: "2025-01-01",
    horizon_years: 2,
    regions: [(name: "home", demand_avg_mw: 1000 REGION)],
    plants: [(name: "home-gas", region: "home", technology: Gas, installed_mw: GAS)],
    grid: (curtailment_order: [Datacenter, Household, Industry, Fab]),
    chips: (other_buyers: [(name: "cloud",
        budget_usd_per_year: (step: [("2025-01-01", 2.4e8), ("2025-02-01", 0)])
        SITES)]),
    designs: [(name: "gpu", die_area_mm2: 800, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 5,
               node: "4nm", unit_price_usd: 20000)],
    imports: [(name: "gpu-imports", design: "gpu", units_per_month: 2000)],
    labs: [(name: "lab", sites: [(region: "home")], budget_usd_per_year: 0)],
    ecosystem: (chip_service_life_years: LIFE),
)"#;

/// Facility MW of the buyer's 1,000 accelerators.
const FLEET_MW: f64 = 1000.0 * (700.0 + 300.0) * 1.25 / 1e6;

const SITE: &str = r#", sites: [(region: "home", pue: 1.25, overhead_w_per_chip: 300, connected_mw: 10)]"#;

fn text(sites: &str, gas: &str, region: &str, life: &str) -> String {
    BASE.replace(" SITES", sites)
        .replace("GAS", gas)
        .replace(" REGION", region)
        .replace("LIFE", life)
}

fn run_text(t: &str) -> RunOutput {
    let s = Scenario::from_text(Path::new("fleets.ron"), t).unwrap_or_else(|e| panic!("{e}"));
    stack::run(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn get(out: &RunOutput, k: &str) -> f64 {
    out.scalar(k).unwrap_or_else(|| panic!("no {k}"))
}

/// The other buyers' national counts at the end, in the order of the
/// identity `at start + delivered = awaiting + in service + retired`:
/// (at start, awaiting install, in service, retired).
fn counts(out: &RunOutput) -> (f64, f64, f64, f64) {
    (
        get(out, "buyers.accelerators_at_start"),
        get(out, "buyers.accelerators_awaiting_install_end"),
        get(out, "buyers.accelerators_in_service_end"),
        get(out, "buyers.accelerators_retired_total"),
    )
}

/// The monthly `metric` of `entity` sampled on `date`.
fn at(out: &RunOutput, date: &str, metric: &str, entity: &str) -> f64 {
    out.sample(date, metric, entity)
        .unwrap_or_else(|| panic!("no {metric} {entity} on {date}"))
}

/// Hours of the month that ends at the sample of `date` (flows sampled on
/// the 1st cover the month before).
fn hours_before(date: &str) -> f64 {
    let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    let prev = d.checked_sub_months(chrono::Months::new(1)).unwrap();
    (d - prev).num_hours() as f64
}

/// Samples from April to December 2025: every accelerator delivered in
/// January is installed (30 days later) by then, and the run goes on.
const FULL_MONTHS: [&str; 9] = [
    "2025-04-01",
    "2025-05-01",
    "2025-06-01",
    "2025-07-01",
    "2025-08-01",
    "2025-09-01",
    "2025-10-01",
    "2025-11-01",
    "2025-12-01",
];

#[test]
fn the_buyers_accelerators_load_the_grid_by_their_facility_power() {
    let with = run_text(&text(SITE, "5000", "", "5"));
    let without = run_text(&text("", "5000", "", "5"));
    assert_eq!(get(&with, "fab.accelerators_delivered_to_others_total"), 1000.0);
    for date in FULL_MONTHS {
        let want = FLEET_MW * hours_before(date);
        assert_eq!(at(&with, date, "buyers.accelerators_in_service", "cloud"), 1000.0);
        let e = at(&with, date, "buyers.energy_mwh", "cloud");
        assert!((e - want).abs() < 1e-6 * want, "{date}: {e} MWh, want {want}");
        // The grid serves exactly that much more (no curtailment here).
        for m in ["energy.demand_mwh", "energy.served_mwh"] {
            let rise = at(&with, date, m, "national") - at(&without, date, m, "national");
            assert!(
                (rise - want).abs() < 1e-6 * want,
                "{date} {m}: rose {rise}, want {want}"
            );
        }
        assert_eq!(at(&with, date, "buyers.energy_lost_power_mwh", "cloud"), 0.0);
        // They pay the grid's price for it (reported, from no budget).
        assert!(at(&with, date, "buyers.electricity_usd", "cloud") > 0.0);
    }
    // Nothing of it is training: the lab trains nothing either way.
    assert_eq!(get(&with, "training.energy_mwh_total"), 0.0);
    assert_eq!(get(&with, "training.runs_total"), 0.0);
    assert_eq!(
        get(&with, "buyers.cloud.energy_mwh_total"),
        get(&with, "buyers.energy_mwh_total")
    );
    // The run's summary says what the buyers' sites drew; without sites it
    // says nothing of them.
    let s = Scenario::from_text(Path::new("fleets.ron"), &text(SITE, "5000", "", "5")).unwrap();
    assert!(stack::report::summary_text(&s, &with).contains("  other buyers' sites    "));
    let s = Scenario::from_text(Path::new("fleets.ron"), &text("", "5000", "", "5")).unwrap();
    assert!(!stack::report::summary_text(&s, &without).contains("other buyers' sites"));
}

#[test]
fn a_short_grid_cuts_the_buyers_site_and_the_loss_is_booked_per_buyer() {
    // Gas below the evening peak, datacenters cut first.
    let out = run_text(&text(SITE, "1000.5", "", "5"));
    let lost = get(&out, "buyers.cloud.energy_lost_power_mwh_total");
    let curtailed = get(&out, "buyers.cloud.energy_curtailed_mwh_total");
    assert!(lost > 100.0, "lost {lost} MWh");
    // The connection covers every chip: all it lacked, the grid cut.
    assert!((lost - curtailed).abs() < 1e-9 * lost);
    assert_eq!(get(&out, "buyers.energy_lost_power_mwh_total"), lost);
    // The grid's AI curtailment is the labs' sites' (no chips here) plus
    // the buyers': the buyer's own book matches the grid's, up to the
    // grid's signal tolerance (a served MW that moves by less than 0.01 MW
    // is not signalled; 4e-6 of the total here).
    let ai = get(&out, "energy.ai_curtailed_mwh_total");
    assert!(
        (ai - curtailed).abs() < 2e-5 * ai,
        "grid {ai} MWh, buyer {curtailed} MWh"
    );
    // Drawn + lacked = what every accelerator in service would draw.
    for date in FULL_MONTHS {
        let want = FLEET_MW * hours_before(date);
        let e = at(&out, date, "buyers.energy_mwh", "cloud")
            + at(&out, date, "buyers.energy_lost_power_mwh", "cloud");
        assert!((e - want).abs() < 1e-6 * want, "{date}: {e} MWh, want {want}");
    }
}

#[test]
fn a_connection_request_waits_in_the_interconnection_queue_before_the_chips_draw() {
    // No connection at the start and 2 MW a year approved: as its batches
    // are installed (February) the site asks for 1.25 MW × 1.5 = 1.875 MW
    // in all, the first 0.86 MW granted about 157 days after its request,
    // the whole about 0.94 years after.
    let site = SITE.replace("connected_mw: 10", "connected_mw: 0");
    let out = run_text(&text(&site, "5000", ", interconnection_mw_per_year: 2", "5"));
    assert_eq!(
        at(&out, "2025-04-01", "buyers.accelerators_in_service", "cloud"),
        1000.0
    );
    assert_eq!(at(&out, "2025-04-01", "buyers.power_drawn_mw", "cloud"), 0.0);
    let queued = at(&out, "2025-04-01", "energy.interconnection_queue_mw", "home");
    // Every chip's need is queued, with headroom (a batch whose need the
    // headroom of earlier requests covers asks for nothing more).
    assert!(
        (FLEET_MW..=1.5 * FLEET_MW + 1e-9).contains(&queued),
        "queue {queued} MW"
    );
    let lost = at(&out, "2025-04-01", "buyers.energy_lost_power_mwh", "cloud");
    assert!(
        (lost - FLEET_MW * hours_before("2025-04-01")).abs() < 1e-6 * lost,
        "{lost}"
    );
    // Waiting for a connection is no grid cut.
    assert_eq!(
        at(&out, "2025-04-01", "buyers.energy_curtailed_mwh", "cloud"),
        0.0
    );
    // Granted by February 2026: every chip draws.
    let drawn = at(&out, "2026-03-01", "buyers.power_drawn_mw", "cloud");
    assert!((drawn - FLEET_MW).abs() < 1e-9, "{drawn}");
    assert_eq!(
        at(&out, "2026-03-01", "buyers.energy_lost_power_mwh", "cloud"),
        0.0
    );
    assert_eq!(
        at(&out, "2026-03-01", "energy.interconnection_queue_mw", "home"),
        0.0
    );
}

#[test]
fn retired_accelerators_stop_drawing_and_every_delivered_one_is_counted() {
    let out = run_text(&text(SITE, "5000", "", "0.5"));
    // Installed by March, retired half a year later.
    assert_eq!(
        at(&out, "2025-04-01", "buyers.accelerators_in_service", "cloud"),
        1000.0
    );
    for date in ["2025-10-01", "2025-11-01", "2026-06-01"] {
        assert_eq!(at(&out, date, "buyers.accelerators_in_service", "cloud"), 0.0);
        assert_eq!(at(&out, date, "buyers.energy_mwh", "cloud"), 0.0);
        assert_eq!(at(&out, date, "buyers.power_needed_mw", "cloud"), 0.0);
    }
    // Conservation: delivered = in service + retired + awaiting installation.
    let delivered = get(&out, "fab.accelerators_delivered_to_others_total");
    let counted = get(&out, "buyers.accelerators_in_service_end")
        + get(&out, "buyers.accelerators_retired_total")
        + get(&out, "buyers.accelerators_awaiting_install_end");
    assert_eq!(delivered, 1000.0);
    assert_eq!(counted, delivered);
    assert_eq!(get(&out, "buyers.cloud.accelerators_retired_total"), 1000.0);
}

#[test]
fn conservation_holds_with_deliveries_still_awaiting_installation_at_the_end() {
    // The run ends ten days after the orders: every accelerator delivered
    // is still on its way to a site (30 days).
    let t = text(SITE, "5000", "", "5").replace("horizon_years: 2", "horizon_years: 0.03");
    let out = run_text(&t);
    let delivered = get(&out, "fab.accelerators_delivered_to_others_total");
    assert!(delivered > 0.0);
    assert_eq!(get(&out, "buyers.accelerators_awaiting_install_end"), delivered);
    assert_eq!(get(&out, "buyers.accelerators_in_service_end"), 0.0);
    assert_eq!(get(&out, "buyers.energy_mwh_total"), 0.0);
}

#[test]
fn without_sites_the_buyers_accelerators_leave_the_model_as_before() {
    let absent = run_text(&text("", "5000", "", "5"));
    let empty = run_text(&text(", sites: []", "5000", "", "5"));
    assert_eq!(absent.scalars, empty.scalars);
    let rows = |o: &RunOutput| {
        o.series
            .iter()
            .map(|r| format!("{} {} {} {}", r.date, r.metric, r.entity, r.value))
            .collect::<Vec<_>>()
    };
    assert_eq!(rows(&absent), rows(&empty));
    // No `buyers.` outcome or series, and the grid sees no more demand.
    assert!(!absent.scalars.iter().any(|(k, _)| k.starts_with("buyers.")));
    assert!(!rows(&absent).iter().any(|r| r.contains(" buyers.")));
    assert_eq!(get(&absent, "fab.accelerators_delivered_to_others_total"), 1000.0);
}

#[test]
fn a_buyers_site_in_an_unknown_region_or_twice_in_one_region_is_refused_where_written() {
    // Each at the field of the entry at fault, on the buyer's line (10):
    // the unknown region's `region:`, the second `region: "home"`, the `pue:`.
    for (sites, says, at) in [
        (
            r#", sites: [(region: "atlantis")]"#,
            "region `atlantis` does not exist",
            r#"region: "atlantis""#,
        ),
        (
            r#", sites: [(region: "home"), (region: "home")]"#,
            "region `home` appears twice in the buyer's sites",
            r#"region: "home")]"#,
        ),
        (
            r#", sites: [(region: "home", pue: 0.5)]"#,
            "other buyer cloud site home: `chips.other_buyers.cloud.sites[0].pue` must be",
            "pue:",
        ),
    ] {
        let t = text(sites, "5000", "", "5");
        let err = match Scenario::from_text(Path::new("fleets.ron"), &t) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("{sites}: loaded"),
        };
        let line = t.lines().position(|l| l.contains(" sites: [(region")).unwrap() + 1;
        let col = t.lines().nth(line - 1).unwrap().find(at).unwrap() + 1;
        assert!(err.contains(says), "{sites}: {err}");
        assert!(err.contains("chips.other_buyers.cloud.sites["), "{sites}: {err}");
        assert!(
            err.starts_with(&format!("fleets.ron:{line}:{col}:")),
            "{sites}: {err}"
        );
    }
}

/// The buyer `cloud` of [`BASE`] with `SITE` and an installed base of
/// `stock` accelerators of the design `design`, buying nothing.
fn with_stock(stock: &str, design: &str, life: &str) -> String {
    text(
        &format!(r#"{SITE}, fleet: [(design: "{design}", count: {stock})]"#),
        "5000",
        "",
        life,
    )
    .replace(NO_ORDERS.0, NO_ORDERS.1)
}

/// The buyer's January order replaced by none.
const NO_ORDERS: (&str, &str) = (
    r#"budget_usd_per_year: (step: [("2025-01-01", 2.4e8), ("2025-02-01", 0)])"#,
    "budget_usd_per_year: 0",
);

#[test]
fn accelerators_owned_at_the_start_draw_power_from_the_first_month_and_retire_a_life_later() {
    let out = run_text(&with_stock("4000", "gpu", "1.5"));
    let none = run_text(&text(SITE, "5000", "", "1.5").replace(NO_ORDERS.0, NO_ORDERS.1));
    assert_eq!(get(&out, "fab.accelerators_delivered_to_others_total"), 0.0);
    // 4,000 accelerators need 5 MW; the site's 10 MW connection runs them
    // all from the first dispatch: January's energy is a full month's.
    for date in ["2025-02-01", "2025-03-01", "2025-07-01", "2026-06-01"] {
        assert_eq!(at(&out, date, "buyers.accelerators_in_service", "cloud"), 4000.0);
        let want = 4.0 * FLEET_MW * hours_before(date);
        let e = at(&out, date, "buyers.energy_mwh", "cloud");
        assert!((e - want).abs() < 1e-6 * want, "{date}: {e} MWh, want {want}");
        let rise = at(&out, date, "energy.served_mwh", "national")
            - at(&none, date, "energy.served_mwh", "national");
        assert!(
            (rise - want).abs() < 1e-6 * want,
            "{date}: grid served {rise} more, want {want}"
        );
    }
    // Retired 1.5 years of 8,766 h after the start (2026-07-02 21:00): July
    // holds their last 45 hours, nothing after.
    let july = at(&out, "2026-08-01", "buyers.energy_mwh", "cloud");
    let want = 4.0 * FLEET_MW * (1.5 * 8766.0 - (365.0 + 181.0) * 24.0);
    assert!((july - want).abs() < 1e-6 * want, "July: {july} MWh, want {want}");
    for date in ["2026-08-01", "2026-09-01", "2026-12-01"] {
        assert_eq!(at(&out, date, "buyers.accelerators_in_service", "cloud"), 0.0);
    }
    for date in ["2026-09-01", "2026-12-01"] {
        assert_eq!(at(&out, date, "buyers.energy_mwh", "cloud"), 0.0);
    }
    // Conservation with a starting stock: at start + delivered = awaiting
    // + in service + retired, from the outputs alone.
    assert_eq!(counts(&out), (4000.0, 0.0, 0.0, 4000.0));
    assert_eq!(get(&out, "buyers.cloud.accelerators_at_start"), 4000.0);
}

#[test]
fn a_starting_stock_beyond_the_connection_asks_the_grid_for_the_rest() {
    // 12,000 accelerators need 15 MW on a 10 MW connection: 8,000 run at
    // once, the first site asks for the rest (plus headroom) and the grid's
    // queue grants it later; until then the rest is energy lost to power.
    let out = run_text(&with_stock("12000", "gpu", "5"));
    let jan = at(&out, "2025-02-01", "buyers.energy_mwh", "cloud");
    let full = 12.0 * FLEET_MW * hours_before("2025-02-01");
    assert!(jan < full * (1.0 - 1e-3), "January drew {jan} MWh of {full}");
    let lost = at(&out, "2025-02-01", "buyers.energy_lost_power_mwh", "cloud");
    assert!(
        (jan + lost - full).abs() < 1e-6 * full,
        "{jan} + {lost} != {full}"
    );
    assert_eq!(get(&out, "buyers.accelerators_in_service_end"), 12000.0);
}

#[test]
fn a_starting_stock_without_sites_or_of_an_unknown_design_is_refused_where_written() {
    let unknown = with_stock("10", "tpu", "5");
    let no_sites = text(r#", fleet: [(design: "gpu", count: 10)]"#, "5000", "", "5");
    // The unknown design at its entry's `design:`; the missing sites at `fleet:`.
    for (t, says, at) in [
        (&unknown, "design `tpu` does not exist", "design: \"tpu\""),
        (&no_sites, "the buyer has no `sites`", "fleet:"),
    ] {
        let err = match Scenario::from_text(Path::new("fleets.ron"), t) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("{says}: loaded"),
        };
        let line = t.lines().position(|l| l.contains("fleet: [(design")).unwrap() + 1;
        let col = t.lines().nth(line - 1).unwrap().find(at).unwrap() + 1;
        assert!(err.contains(says), "{err}");
        assert!(err.contains("chips.other_buyers.cloud.fleet"), "{err}");
        assert!(err.starts_with(&format!("fleets.ron:{line}:{col}:")), "{err}");
    }
}

#[test]
fn at_daily_steps_a_retirement_waits_for_the_dispatch_so_the_grid_books_what_the_buyer_drew() {
    // A service life of 1.5 years of 8,766 h ends on 2026-07-02 at 21:00,
    // between two daily dispatches: the accelerators retire at the next
    // one (00:00), so the buyer draws, and the grid serves, July's 48 hours.
    let daily = |t: String| t.replace("grid: (", "grid: (dispatch_interval_hours: 24, ");
    let out = run_text(&daily(with_stock("4000", "gpu", "1.5")));
    let none = run_text(&daily(
        text(SITE, "5000", "", "1.5").replace(NO_ORDERS.0, NO_ORDERS.1),
    ));
    let want = 4.0 * FLEET_MW * 48.0;
    let drew = at(&out, "2026-08-01", "buyers.energy_mwh", "cloud");
    let served = at(&out, "2026-08-01", "energy.served_mwh", "national")
        - at(&none, "2026-08-01", "energy.served_mwh", "national");
    assert!(
        (drew - want).abs() < 1e-6 * want,
        "the buyer drew {drew} MWh, want {want}"
    );
    assert!(
        (served - drew).abs() < 1e-6 * want,
        "the grid served {served} MWh for {drew}"
    );
    assert_eq!(
        at(&out, "2026-08-01", "buyers.accelerators_in_service", "cloud"),
        0.0
    );
}

/// [`BASE`] over 4 years with daily dispatches, the buyer `cloud` owning
/// 4,000 accelerators and the lab 1,000 (buying nothing), each entry
/// written with `installed` when given, and a service life of `life`.
fn vintage(installed: Option<&str>, life: &str) -> String {
    let inst = installed.map_or(String::new(), |d| format!(r#", installed: "{d}""#));
    with_stock(&format!("4000{inst}"), "gpu", life)
        .replace("horizon_years: 2", "horizon_years: 4")
        .replace("grid: (", "grid: (dispatch_interval_hours: 24, ")
        .replace(
            r#"labs: [(name: "lab", sites: [(region: "home")]"#,
            &format!(r#"labs: [(name: "lab", sites: [(region: "home")], fleet: [(design: "gpu", count: 1000{inst})]"#),
        )
}

#[test]
fn accelerators_installed_two_years_before_the_start_retire_three_years_in_at_the_dispatch() {
    // Installed 2023-01-01 (731 days before the start), a 5-year life of
    // 43,830 h: due 26,286 h after the start, 2028-01-01 06:00, between two
    // daily dispatches; retired at the next (2028-01-02 00:00), so January
    // 2028 holds 24 hours of the buyer's draw. New at the start (no
    // `installed`), they would serve until 2030.
    let out = run_text(&vintage(Some("2023-01-01"), "5"));
    let new = run_text(&vintage(None, "5"));
    // (the buyer's accelerators in service, the lab's installed) on `date`.
    let serving = |o: &RunOutput, date: &str| {
        (
            at(o, date, "buyers.accelerators_in_service", "cloud"),
            at(o, date, "training.accelerators_installed", "lab"),
        )
    };
    for date in ["2025-02-01", "2026-06-01", "2027-12-01", "2028-01-01"] {
        assert_eq!(serving(&out, date), (4000.0, 1000.0), "{date}");
    }
    for date in ["2028-02-01", "2028-12-01"] {
        assert_eq!(serving(&out, date), (0.0, 0.0), "{date}");
        assert_eq!(serving(&new, date), (4000.0, 1000.0), "{date}");
    }
    let jan = at(&out, "2028-02-01", "buyers.energy_mwh", "cloud");
    let want = 4.0 * FLEET_MW * 24.0;
    assert!(
        (jan - want).abs() < 1e-6 * want,
        "January 2028: {jan} MWh, want {want}"
    );
    assert_eq!(at(&out, "2028-03-01", "buyers.energy_mwh", "cloud"), 0.0);
    assert_eq!(counts(&out), (4000.0, 0.0, 0.0, 4000.0));
    assert_eq!(counts(&new), (4000.0, 0.0, 4000.0, 0.0));
}

#[test]
fn accelerators_older_than_their_life_are_retired_at_the_start_and_draw_nothing() {
    // Installed 2019-06-01 with a 5-year life: retired before the start.
    let out = run_text(&vintage(Some("2019-06-01"), "5"));
    for date in ["2025-02-01", "2026-02-01"] {
        assert_eq!(at(&out, date, "buyers.accelerators_in_service", "cloud"), 0.0);
        assert_eq!(at(&out, date, "buyers.energy_mwh", "cloud"), 0.0);
        assert_eq!(at(&out, date, "training.accelerators_installed", "lab"), 0.0);
    }
    // Counted at the start and retired: at start + delivered = awaiting +
    // in service + retired.
    assert_eq!(counts(&out), (4000.0, 0.0, 0.0, 4000.0));
}

#[test]
fn installed_on_the_start_date_is_the_default() {
    // Outputs of a fleet written `installed` on the start day are those of
    // one without it, every sample and scalar.
    let a = run_text(&vintage(Some("2025-01-01"), "3"));
    let b = run_text(&vintage(None, "3"));
    let scalars = |o: &RunOutput| {
        o.scalars
            .iter()
            .map(|(k, v)| (k.clone(), v.to_bits()))
            .collect::<Vec<_>>()
    };
    assert!(scalars(&a) == scalars(&b), "the scalars differ");
    assert_eq!(a.series.keys(), b.series.keys());
    assert_eq!(a.series.instants(), b.series.instants());
    let bits = |o: &RunOutput| {
        o.series
            .points()
            .iter()
            .map(|&(k, t, v)| (k, t, v.to_bits()))
            .collect::<Vec<_>>()
    };
    assert!(bits(&a) == bits(&b), "the samples differ");
    assert_eq!(format!("{:?}", a.releases), format!("{:?}", b.releases));
}

#[test]
fn an_installed_date_after_the_start_is_refused_where_written() {
    // The second entry of the fleet is dated after the start; the error
    // names the file, line and column of its `installed`, and the field.
    for (who, entity) in [("cloud", "chips.other_buyers.cloud"), ("lab", "labs.lab")] {
        let two = r#"(design: "gpu", count: 10, installed: "2024-03-01"),
            (design: "gpu", count: 5, installed: "2025-02-01")"#;
        let t = vintage(None, "5");
        let t = if who == "cloud" {
            t.replacen(
                r#"fleet: [(design: "gpu", count: 4000)"#,
                &format!("fleet: [{two}"),
                1,
            )
        } else {
            t.replacen(
                r#"fleet: [(design: "gpu", count: 1000)"#,
                &format!("fleet: [{two}"),
                1,
            )
        };
        let err = match Scenario::from_text(Path::new("fleets.ron"), &t) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("{who}: loaded"),
        };
        let line = t
            .lines()
            .position(|l| l.contains(r#"installed: "2025-02-01""#))
            .unwrap()
            + 1;
        let col = t.lines().nth(line - 1).unwrap().find("installed:").unwrap() + 1;
        assert!(
            err.starts_with(&format!("fleets.ron:{line}:{col}:")),
            "{who}: {err}"
        );
        assert!(
            err.contains(&format!("{entity}.fleet[1].installed")),
            "{who}: {err}"
        );
        assert!(
            err.contains("after the scenario start 2025-01-01"),
            "{who}: {err}"
        );
    }
}

/// Where an error about `text` (loaded as `name`) is located, and the
/// error: `name:LINE:COL:` of the line holding `mark` and its `installed:`.
fn located_at_mark(name: &str, text: &str, mark: &str) -> (String, String) {
    let err = match Scenario::from_text(Path::new(name), text) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("{name}: loaded"),
    };
    let line = text.lines().position(|l| l.contains(mark)).unwrap() + 1;
    let col = text.lines().nth(line - 1).unwrap().find("installed:").unwrap() + 1;
    (format!("{name}:{line}:{col}:"), err)
}

#[test]
fn an_entity_writing_its_name_after_its_fleet_is_located_at_its_own_entry() {
    // china-2025 with deepseek written `(open_share: …, fleet: [(…,
    // installed: "2031-07-01")], name: "deepseek")`, legal RON: the error is
    // at deepseek's entry, not at bytedance's (the first `installed:` of
    // the file; review s25, F3).
    let path =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios/china-2025.ron");
    let china = std::fs::read_to_string(path).unwrap();
    let moved = china
        .replacen(r#"(name: "deepseek", open_share: 1.0,"#, "(open_share: 1.0,", 1)
        .replacen(
            r#"fleet: [(design: "h800", count: 10000, installed: "2023-07-01")]),
        (name: "moonshot""#,
            r#"fleet: [(design: "h800", count: 10000, installed: "2031-07-01")], name: "deepseek"),
        (name: "moonshot""#,
            1,
        );
    assert!(moved.contains("2031-07-01") && !moved.contains(r#"(name: "deepseek""#));
    let (want, err) = located_at_mark("lab_after.ron", &moved, "2031-07-01");
    assert!(err.starts_with(&want), "want {want}: {err}");
    assert!(err.contains("labs.deepseek.fleet[0].installed"), "{err}");
    // An other buyer likewise, its bad entry on the line after a good one.
    let t = vintage(None, "5")
        .replacen(r#"(name: "cloud","#, "(", 1)
        .replacen(
            r#"fleet: [(design: "gpu", count: 4000)]"#,
            r#"fleet: [(design: "gpu", count: 10, installed: "2024-03-01"),
                (design: "gpu", count: 5, installed: "2025-02-01")], name: "cloud""#,
            1,
        );
    let (want, err) = located_at_mark("buyer_after.ron", &t, r#"installed: "2025-02-01""#);
    assert!(err.starts_with(&want), "want {want}: {err}");
    assert!(
        err.contains("chips.other_buyers.cloud.fleet[1].installed"),
        "{err}"
    );
}

#[test]
fn a_variant_setting_a_fleet_is_located_at_the_entry_it_sets() {
    // A variant that sets the lab's fleet: the error is at the set entry.
    let dir = std::env::temp_dir().join(format!("aistack-fleet-set-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("base.ron"), vintage(None, "5")).unwrap();
    let variant = r#"Variant(name: "v", base: "base.ron",
    set: {
        "labs.lab.fleet": [(design: "gpu", count: 10, installed: "2024-01-01"),
                           (design: "gpu", count: 10, installed: "2026-01-01")],
    },
)"#;
    std::fs::write(dir.join("v.ron"), variant).unwrap();
    let err = match Scenario::load(&dir.join("v.ron")) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("loaded"),
    };
    let line = variant.lines().position(|l| l.contains("2026-01-01")).unwrap() + 1;
    let col = variant.lines().nth(line - 1).unwrap().find("installed:").unwrap() + 1;
    assert!(
        err.contains(&format!("v.ron:{line}:{col}:")) && err.contains("labs.lab.fleet[1].installed"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn fleets_retired_at_the_start_are_warned_of_at_their_entries() {
    // The buyer's and the lab's fleets, installed 2019-06-01 with a 5-year
    // life: each is named at its own `installed` (a plausibility warning).
    let t = vintage(Some("2019-06-01"), "5");
    let w = Scenario::from_text(Path::new("fleets.ron"), &t)
        .unwrap()
        .warnings();
    let paths: Vec<&str> = w.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "labs.lab.fleet[0].installed",
            "chips.other_buyers.cloud.fleet[0].installed"
        ],
        "{w:#?}"
    );
    for (e, what) in w
        .iter()
        .zip(["lab lab's 1000 gpu", "other buyer cloud's 4000 gpu"])
    {
        assert!(
            e.message.starts_with(what) && e.message.contains("retired at the start"),
            "{e}"
        );
        let line = t.lines().nth(e.line.unwrap() as usize - 1).unwrap();
        assert!(
            line[e.column.unwrap() as usize - 1..].starts_with("installed: \"2019-06-01\""),
            "{e}: {line}"
        );
    }
    assert!(
        Scenario::from_text(Path::new("fleets.ron"), &vintage(Some("2020-06-01"), "5"))
            .unwrap()
            .warnings()
            .is_empty()
    );
}
