//! A lab's chip orders through the whole stack: the lab's book (ordered,
//! charged at delivery, written off when the supplier closes an order) is
//! the supplier's backlog at every sample, and a lab whose orders were
//! filled for years is `Chips`-bound, not `Budget`-bound, within a month of
//! its supplier being cut off by an export control.

use model_training::ChipOrders;
use stack::wiring::SignalSink;
use stack::world::{self, Domains, Observer, StackEvent, World};
use stack::{RunOutput, Scenario, run};
use std::path::Path;

/// One imported design and no fab. "lab" (priority 1) orders about 5 chips
/// a month, far fewer than its target needs and than a year of its budget
/// buys, so while its orders are filled it waits `Budget`-bound; "hog"
/// (priority 0) orders far more than the imports, so it takes every unit
/// "lab" leaves and keeps a backlog. Imports are banned for good from
/// 2030-01-01: with no stock left, nothing can be supplied any more.
const SCENARIO: &str = r#"Scenario(
    name: "starved",
    start: "2025-01-01",
    horizon_years: 6,
    regions: [(name: "home", demand_avg_mw: 1000)],
    plants: [(name: "home-gas", region: "home", technology: Gas, installed_mw: 5000)],
    chips: (allocation: Priority),
    designs: [(name: "gpu", die_area_mm2: 800, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 5,
               node: "4nm", unit_price_usd: 20000)],
    imports: [(name: "gpu-imports", design: "gpu", units_per_month: 1000)],
    policies: [(name: "cut", date: "2030-01-01",
                action: ExportControl(item: Design("gpu"), control: Ban))],
    labs: [
        (name: "lab", chip_priority: 1, sites: [(region: "home", connected_mw: 100)],
         fleet: [(design: "gpu", count: 100)], budget_usd_per_year: 1.3e6,
         initial_target_run_flop: 1e25, compute_growth_per_year: 1,
         allow_smaller_runs: false),
        (name: "hog", sites: [(region: "home", connected_mw: 100)],
         fleet: [(design: "gpu", count: 100)], budget_usd_per_year: 1e10,
         initial_target_run_flop: 1e25, compute_growth_per_year: 1,
         allow_smaller_runs: false),
    ],
)"#;

fn scenario() -> Scenario {
    Scenario::from_text(Path::new("starved.ron"), SCENARIO).unwrap_or_else(|e| panic!("{e}"))
}

/// Checks the supply chain's conservation at every sample: each lab's
/// ordered value = charged + written off + the supplier's open backlog of
/// its buyer.
#[derive(Default)]
struct Conservation {
    samples: usize,
    /// (sample, lab, ledger, supplier's backlog) of every lab and sample.
    books: Vec<(usize, String, ChipOrders, f64)>,
}

impl SignalSink for Conservation {
    fn signal(&mut self, _what: &dyn std::fmt::Debug) {}
}

impl Observer for Conservation {
    fn event(&mut self, _t: scheduler::SimTime, _event: &StackEvent) {}

    fn sampled(&mut self, _t: scheduler::SimTime, d: &Domains) {
        for (lab, name) in d.training.labs() {
            let book = d.training.chip_orders(lab).expect("lab");
            let buyer = d.fab.buyer_id(name).expect("buyer");
            let backlog = d.fab.buyer_backlog_usd(buyer).expect("backlog");
            self.books.push((self.samples, name.to_string(), book, backlog));
        }
        self.samples += 1;
    }
}

#[test]
fn ordered_equals_charged_plus_written_off_plus_open_backlog_at_every_sample() {
    let s = scenario();
    let data = s.with_values(&s.draw_values(s.data.seed)).expect("values");
    let configs = world::build_configs(&s.file(), &data).expect("configs");
    let mut w = World::assemble(configs, s.data.seed, &data).expect("assemble");
    let mut obs = Conservation::default();
    w.run(&mut obs).expect("run");
    // The start, 71 month starts, and the end (6 calendar years end on
    // 2031-01-01, the 72nd month start).
    assert_eq!(obs.samples, 73);
    let mut saw = (false, false, false);
    for (i, lab, book, backlog) in &obs.books {
        let written_off = book.residue_usd + book.unsuppliable_usd;
        let gap = book.ordered_usd - (book.charged_usd + written_off + backlog);
        assert!(
            gap.abs() <= ChipOrders::TOLERANCE_PER_USD_ORDERED * book.ordered_usd,
            "sample {i}, {lab}: ordered {} ≠ charged {} + written off {written_off} + open {backlog} (gap {gap})",
            book.ordered_usd,
            book.charged_usd,
        );
        assert!((book.open_usd() - backlog).abs() <= 1e-9 * book.ordered_usd);
        // The run goes through every kind of balance.
        saw.0 |= book.residue_usd > 0.0;
        saw.1 |= book.unsuppliable_usd > 0.0;
        saw.2 |= *backlog > 1e6;
    }
    assert_eq!(
        saw,
        (true, true, true),
        "residues, unsuppliable closures, open backlogs"
    );
}

/// (sample date, value) of `metric` for `entity`.
fn series(out: &RunOutput, metric: &str, entity: &str) -> Vec<(String, f64)> {
    out.series
        .iter()
        .filter(|r| r.metric == metric && r.entity == entity)
        .map(|r| (r.date.to_string(), r.value))
        .collect()
}

#[test]
fn a_lab_filled_for_years_is_chips_bound_within_a_month_of_being_cut_off() {
    let out = run(&scenario(), &stack::RunOptions::default()).expect("run");
    let budget = series(&out, "training.limited_budget_days", "lab");
    let chips = series(&out, "training.limited_chips_days", "lab");
    assert_eq!(budget.len(), chips.len());
    // Each sample covers the month before its date. Five years of filled
    // orders: every month is budget-bound (from the second month: the lab
    // learns the price of chips from its first delivery, in January 2025).
    for ((date, b), (_, c)) in budget.iter().zip(&chips).skip(2) {
        if date.as_str() > "2030-01-01" {
            break;
        }
        assert!(
            *c == 0.0 && *b > 27.0,
            "{date}: budget {b} d, chips {c} d while filled"
        );
    }
    // The ban on 2030-01-01 leaves nothing to supply. The lab's monthly
    // tick at 2030-01-01 06:00 (month 60 of 30.44 days) still finds its
    // orders filled and places one that can no longer be filled (the next
    // production step writes it off); its next tick, on 2030-01-31, sees
    // it unfilled: chips-bound from then on, within a month.
    let first_chips = chips.iter().skip(2).find(|x| x.1 > 0.0).map(|x| x.0.as_str());
    assert_eq!(first_chips, Some("2030-02-01"));
    // (The last sample, on 2031-01-01, closes December 2030.)
    for ((date, b), (_, c)) in budget.iter().zip(&chips) {
        if date.as_str() >= "2030-03-01" {
            assert!(
                *b == 0.0 && *c > 27.0,
                "{date}: budget {b} d, chips {c} d after the cut"
            );
        }
    }
    // The hog's orders are never filled: it is chips-bound throughout.
    let hog_budget: f64 = series(&out, "training.limited_budget_days", "hog")
        .iter()
        .map(|x| x.1)
        .sum();
    assert_eq!(hog_budget, 0.0);
}

/// The order backlog at the end of a year in which the only source of a
/// two-die design is a bank of `dies` dies.
fn backlog_left_by_a_bank_of(dies: u32) -> f64 {
    let text = format!(
        r#"Scenario(
    name: "bank", start: "2025-01-01", horizon_years: 1,
    regions: [(name: "home", demand_avg_mw: 1000)],
    plants: [(name: "home-gas", region: "home", technology: Gas, installed_mw: 1600)],
    chips: (packaging_units_per_month: 1000),
    designs: [(name: "a", die_area_mm2: 600, dies_per_chip: 2, peak_flop_s: 1e14, power_w: 300,
               hbm_stacks: 0, node: "7nm", unit_price_usd: 10000)],
    die_banks: [(name: "bank", design: "a", dies: {dies})],
    labs: [(name: "lab", budget_usd_per_year: 1e6, sites: [(region: "home", connected_mw: 100)])],
)"#
    );
    let s = Scenario::from_text(Path::new("bank.ron"), &text).unwrap_or_else(|e| panic!("{e}"));
    let out = run(&s, &stack::RunOptions::default()).expect("runs");
    out.series
        .iter()
        .rev()
        .find(|r| r.metric == "fab.order_backlog_usd" && r.entity == "national")
        .map(|r| r.value)
        .expect("a backlog series")
}

#[test]
fn a_leftover_die_short_of_a_chip_does_not_keep_orders_open() {
    // One chip from the bank, then nothing can be supplied: the rest of
    // every order is written off, whether the bank leaves 0 dies or 1 (a
    // single die of a two-die design is not a chip; audit s15-fab,
    // finding 2: with 3 dies ≈ 1e6 USD stayed open for ever).
    assert_eq!(backlog_left_by_a_bank_of(2), 0.0);
    assert_eq!(backlog_left_by_a_bank_of(3), 0.0);
}

/// A year of a lab ordering 1e8 USD a month from its only fab "f" (extra
/// fields `fab`; `projects` may open it), with tool imports banned: the
/// lab's book and the supplier's backlog of it at every monthly sample,
/// checked as in
/// `ordered_equals_charged_plus_written_off_plus_open_backlog_at_every_sample`.
fn a_year_of_orders_for_one_fab(fab: &str, projects: &str) -> Vec<(ChipOrders, f64)> {
    let text = format!(
        r#"Scenario(
    name: "one-fab", start: "2025-01-01", horizon_years: 1,
    regions: [(name: "home", demand_avg_mw: 1000)],
    plants: [(name: "home-gas", region: "home", technology: Gas, installed_mw: 5000)],
    chips: (tools: (inventory_at_start: 0, imports_per_year: 120, domestic_per_year: 0),
            packaging_units_per_month: 1000000),
    designs: [(name: "d", die_area_mm2: 400, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 0,
               node: "n", unit_price_usd: 10000)],
    fabs: [(name: "f", region: "home", node: "n", capacity_wafers_per_month: 5000, ramp_months: 0,
            yield_initial: 0.5, yield_ceiling: 0.5, yield_learning_wafers: 10000, power_mw: 10,
            products: [(design: "d", share: 1)] {fab})],
    {projects}
    policies: [(name: "ban", date: "2024-01-01", action: ExportControl(item: Tools, control: Ban))],
    labs: [(name: "lab", budget_usd_per_year: 1.2e9, sites: [(region: "home", connected_mw: 100)])],
)"#
    );
    let s = Scenario::from_text(Path::new("one-fab.ron"), &text).unwrap_or_else(|e| panic!("{e}"));
    let data = s.with_values(&s.draw_values(s.data.seed)).expect("values");
    let configs = world::build_configs(&s.file(), &data).expect("configs");
    let mut w = World::assemble(configs, s.data.seed, &data).expect("assemble");
    let mut obs = Conservation::default();
    w.run(&mut obs).expect("run");
    for (i, lab, book, backlog) in &obs.books {
        let written_off = book.residue_usd + book.unsuppliable_usd;
        let gap = book.ordered_usd - (book.charged_usd + written_off + backlog);
        assert!(
            gap.abs() <= ChipOrders::TOLERANCE_PER_USD_ORDERED * book.ordered_usd,
            "sample {i}, {lab}: ordered {} ≠ charged {} + written off {written_off} + open {backlog}",
            book.ordered_usd,
            book.charged_usd,
        );
    }
    obs.books
        .iter()
        .map(|(_, _, book, backlog)| (*book, *backlog))
        .collect()
}

#[test]
fn orders_for_a_fab_that_never_opens_are_written_off() {
    // The only fab is opened by a `NewFab` project with no start and no
    // subsidy, or opens with no tools under a tool ban and with none in
    // the inventory: it can never make a chip, so each month's order is
    // written off at the next production step (audit s17-chips, finding 5:
    // until the eighteenth session every order stayed open to the end).
    let never = r#"fab_projects: [(name: "x", fab: "f", kind: NewFab, lead_time_years: Const(value: 1))],"#;
    let no_tools = r#"fab_projects: [(name: "x", fab: "f", kind: NewFab, start: "2025-01-01", lead_time_years: Const(value: 0.25))],"#;
    for (fab, projects) in [("", never), (", tools_at_opening: 0", no_tools)] {
        let books = a_year_of_orders_for_one_fab(fab, projects);
        let (book, backlog) = books.last().expect("samples");
        // Twelve or thirteen monthly orders of 1e8 USD, none filled, all
        // written off as unsuppliable but the last, placed at the end.
        assert_eq!(book.charged_usd, 0.0);
        assert!(book.ordered_usd >= 1.2e9 - 1.0, "{book:?}");
        assert!(*backlog <= 1e8 + 1.0, "{backlog}");
        assert_eq!(book.unsuppliable_usd + backlog, book.ordered_usd, "{book:?}");
    }
    // The same fab opened a quarter into the year with its tools: the
    // orders wait for it, and its chips fill them.
    let books = a_year_of_orders_for_one_fab(", tools_at_opening: 100", no_tools);
    let (book, _) = books.last().expect("samples");
    assert_eq!(book.unsuppliable_usd, 0.0, "{book:?}");
    assert!(book.charged_usd > 0.0, "{book:?}");
    // Before its first chips (the first four monthly samples) everything
    // ordered is open.
    for (book, backlog) in &books[..4] {
        assert_eq!(*backlog, book.ordered_usd, "{book:?}");
    }
}
#[test]
fn a_lab_its_supplier_outproduces_is_budget_bound_not_chips_bound() {
    // A fab building far more chips than the lab's 1e8 USD a year buys
    // (unsold chips pile up in its stock): every order is filled, so the
    // lab waits for money, not chips, although the missing chips cost less
    // than a year of its budget (audit s17-chips, finding 1: `chips` every
    // month, and `explain` blamed "wafers").
    let text = r#"Scenario(
    name: "rich-supplier", start: "2025-01-01", horizon_years: 1,
    regions: [(name: "home", demand_avg_mw: 1000)],
    plants: [(name: "home-gas", region: "home", technology: Gas, installed_mw: 20000)],
    chips: (tools: (failures_per_tool_year: 0), hbm: (stockpile_stacks: 100000000),
            packaging_units_per_month: 1000000),
    designs: [(name: "d", die_area_mm2: 400, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 4,
               node: "n", unit_price_usd: 10000)],
    fabs: [(name: "f", region: "home", node: "n", capacity_wafers_per_month: 5000, ramp_months: 0,
            cycle_time_weeks: 4, yield_initial: 0.5, yield_ceiling: 0.5, yield_learning_wafers: 10000,
            power_mw: 10, products: [(design: "d", share: 1)])],
    labs: [(name: "lab", initial_target_run_flop: 1e25, budget_usd_per_year: 1e8,
            min_run_share_of_target: 0.001, chip_failure_rate_per_hour: 0,
            sites: [(region: "home", connected_mw: 10000)], fleet: [(design: "d", count: 1000)])],
)"#;
    let s = Scenario::from_text(Path::new("rich.ron"), text).unwrap_or_else(|e| panic!("{e}"));
    let out = run(&s, &stack::RunOptions::default()).expect("runs");
    let stock = series(&out, "fab.accelerators_stock", "national");
    assert!(stock.last().is_some_and(|x| x.1 > 1e6), "{stock:?}");
    let budget = series(&out, "training.limited_budget_days", "lab");
    let chips = series(&out, "training.limited_chips_days", "lab");
    // The first sample is at the start; the second closes January, when the
    // lab learns the price of chips from its first delivery.
    // The lab's first run, planned at the start before any delivery (no
    // price known), reads `chips` until it ends in late March; every run
    // planned after it reads `budget`.
    for ((date, b), (_, c)) in budget.iter().zip(&chips) {
        if date.as_str() >= "2025-05-01" {
            assert!(*c == 0.0 && *b > 29.0, "{date}: budget {b} d, chips {c} d");
        }
    }
}
