//! The wafer-start planner (`FabConfig::die_bank_target`): starts follow
//! the back end's need, the die bank settles at its target, idle capacity
//! is reported and draws no variable power, and wafers stay conserved.

mod common;

use common::*;
use fab_supply_chain::*;
use scheduler::{Duration, SimTime, TimePath};

/// One fab of 1,000 wafers/month at a flat yield of 0.5 with a cycle time
/// of two steps, a back end of `chips_per_month` packaging slots, and a
/// planner with a die-bank target of `target` (none: `None`).
fn planned(chips_per_month: f64, target: Option<Duration>) -> FabConfig {
    let mut c = base_config();
    c.fabs[0].cycle_time = Duration(2 * MONTH.0);
    c.packaging_units_per_month = TimePath::constant(chips_per_month);
    c.die_bank_target = target;
    c
}

/// Good dies per wafer of the base fab: gross dies of a 675 mm² die on a
/// 300 mm wafer at the flat yield of 0.5.
fn dies_per_wafer() -> f64 {
    gross_dies_per_wafer(300.0, 675.0) * 0.5
}

/// With the back end consuming C dies a month and a target of W months,
/// the bank settles at B = C × W and the starts at C / (dies per wafer ×
/// yield) a month (closed form of the order-up-to rule when the cycle
/// time is a whole number of steps). Without the planner the same fab
/// starts its whole capacity and the bank grows without bound.
#[test]
fn the_die_bank_settles_at_its_target_and_starts_at_the_back_ends_need() {
    let c = 2000.0;
    let w = 1.5;
    let mut run = Run::new(planned(c, Some(Duration((w * MONTH.0 as f64) as u64))), 1);
    let per_wafer = dies_per_wafer();
    let (mut starts, mut forgone) = (0.0, 0.0);
    for month in 1..=48u64 {
        run.run_until(months(month));
        let m = run.sample();
        if month <= 12 {
            continue;
        }
        starts += get(&m, "fab.wafer_starts", "f1");
        forgone += get(&m, "fab.wafers_forgone", "national");
        let bank = get(&m, "fab.stockpile_dies", "chip");
        // Between ticks the bank is B, short of it by less than one wafer's
        // good dies (the planner starts whole wafers and makes up the
        // shortfall at the next tick) and a die of rounding.
        assert!(
            bank <= c * w + 1.0 && bank >= c * w - per_wafer - 1.0,
            "month {month}: bank {bank}, target {}",
            c * w
        );
        assert_eq!(get(&m, "fab.accelerators_out", "chip"), c, "month {month}");
    }
    let per_month = starts / 36.0;
    let closed = c / per_wafer;
    assert!(
        (per_month - closed).abs() < 0.02 * closed,
        "starts {per_month} a month, closed form {closed}"
    );
    // Every wafer of the capacity not started is reported, and the fab asks
    // power for the starts only: k × (b × nameplate + (1 − b) × starts).
    assert!((starts + forgone - 36_000.0).abs() < 1.0, "{starts} + {forgone}");
    let m = run.sample();
    let power = get(&m, "fab.power_mw", "f1");
    // 50 MW at full starts, half of it base load: at the closed-form
    // starts (≈ 50.6 of 1,000 wafers a month, within a fifth) the fab asks
    // 50 × (0.5 + 0.5 × starts / 1,000) MW.
    assert!(
        power > 25.0 && power < 50.0 * (0.5 + 0.5 * 1.2 * closed / 1000.0),
        "power {power} MW"
    );

    // The same fab without a planner: every wafer of capacity, and a bank
    // growing by what the back end cannot take.
    let mut free = Run::new(planned(c, None), 1);
    free.run_until(months(48));
    let m = free.sample();
    // 46 months of output (the first two are in the line) at 1,000 wafers
    // a month, less the back end's C a month: within a tenth of it.
    let grown = 46.0 * (1000.0 * per_wafer - c);
    let bank = get(&m, "fab.stockpile_dies", "chip");
    assert!(
        (bank - grown).abs() < 0.1 * grown,
        "bank {bank}, {grown} expected"
    );
    assert!(!m.contains_key(&("fab.wafers_forgone".to_string(), "national".to_string())));
    assert_eq!(get(&m, "fab.power_mw", "f1"), 50.0);
}

/// HBM paces the back end: domestic stacks of 800 a month for a design
/// of 8 stacks let it assemble 100 chips a month, and the fab's starts
/// settle at 100 chips' dies. The binding input stays HBM: the planner
/// keeps dies in the bank, so dies never bind.
#[test]
fn hbm_paces_the_starts_and_stays_the_binding_input() {
    let mut c = planned(1e6, Some(Duration(MONTH.0)));
    c.designs[0].hbm_stacks_per_chip = 8;
    c.hbm.domestic_stacks_per_month = TimePath::constant(800.0);
    let mut run = Run::new(c, 1);
    let mut starts = 0.0;
    for month in 1..=40u64 {
        run.run_until(months(month));
        let m = run.sample();
        if month > 16 {
            starts += get(&m, "fab.wafer_starts", "f1");
            assert_eq!(get(&m, "fab.binding_hbm", "national"), 1.0, "month {month}");
            let bank = get(&m, "fab.stockpile_dies", "chip");
            assert!(
                (bank - 100.0).abs() <= dies_per_wafer() + 1.0,
                "month {month}: bank {bank}"
            );
        }
    }
    let closed = 100.0 / dies_per_wafer();
    assert!(
        (starts / 24.0 - closed).abs() < 0.05 * closed,
        "{} vs {closed}",
        starts / 24.0
    );
}

/// A back end that wants more dies than the fab can make leaves nothing
/// to plan away: the fab starts its whole capacity, forgoes nothing, and
/// the binding input is the wafers.
#[test]
fn a_back_end_beyond_the_capacity_leaves_the_fab_at_full_starts() {
    let mut run = Run::new(planned(1e6, Some(Duration(MONTH.0))), 1);
    run.run_until(SimTime::ZERO);
    run.sample();
    for month in 1..=12u64 {
        run.run_until(months(month));
        let m = run.sample();
        assert_eq!(get(&m, "fab.wafer_starts", "f1"), 1000.0, "month {month}");
        assert_eq!(get(&m, "fab.wafers_forgone", "f1"), 0.0);
        assert_eq!(get(&m, "fab.utilisation", "f1"), 1.0);
        if month > 3 {
            assert_eq!(get(&m, "fab.binding_wafers", "national"), 1.0, "month {month}");
        }
    }
}

/// No HBM can be had (no stockpile, no domestic stacks, no imports) and
/// no die bank: the back end's pull is 0, the planner starts nothing, and
/// what binds is HBM at every tick, not the idle wafers (fab audit A4/F5:
/// china-2025 without HBM, die bank or H20 imports read `wafers` in every
/// year, and `explain` blamed the wafers for the chips the labs lacked).
#[test]
fn with_no_hbm_to_be_had_hbm_binds_not_the_idle_wafers() {
    let mut c = planned(1e6, Some(Duration(MONTH.0)));
    c.designs[0].hbm_stacks_per_chip = 8;
    let mut run = Run::new(c, 1);
    run.run_until(SimTime::ZERO);
    run.sample();
    for month in 1..=24u64 {
        run.run_until(months(month));
        let m = run.sample();
        assert_eq!(get(&m, "fab.wafer_starts", "f1"), 0.0, "month {month}");
        assert_eq!(get(&m, "fab.wafers_forgone", "f1"), 1000.0, "month {month}");
        assert_eq!(get(&m, "fab.binding_input", "national"), 3.0, "month {month}");
    }
}

/// While the line fills (no lot out yet, nothing to assemble) a planner
/// that holds the starts below capacity says the back end binds, here
/// packaging: 2,000 chips a month want ≈ 200 of the 1,000 wafers, and the
/// rest are forgone from the first tick (fab audit A4/F5: p5.ron read
/// `wafers` for the months its fab ran at 54 %, 0 and 0 % utilisation).
/// With HBM setting the pull (800 stacks a month, 8 a chip) it is HBM.
#[test]
fn a_planner_holding_the_starts_while_the_line_fills_makes_the_back_end_bind() {
    let mut run = Run::new(planned(2000.0, Some(Duration(MONTH.0))), 1);
    run.run_until(SimTime::ZERO);
    run.sample();
    for month in 1..=12u64 {
        run.run_until(months(month));
        let m = run.sample();
        assert!(get(&m, "fab.utilisation", "f1") < 0.5, "month {month}");
        if month == 1 {
            // The first lots are still in the line (two months).
            assert_eq!(get(&m, "fab.accelerators_out", "chip"), 0.0, "month {month}");
        }
        assert_eq!(get(&m, "fab.binding_input", "national"), 4.0, "month {month}");
    }
    let mut c = planned(1e6, Some(Duration(MONTH.0)));
    c.designs[0].hbm_stacks_per_chip = 8;
    c.hbm.domestic_stacks_per_month = TimePath::constant(800.0);
    let mut run = Run::new(c, 1);
    run.run_until(SimTime::ZERO);
    run.sample();
    for month in 1..=12u64 {
        run.run_until(months(month));
        let m = run.sample();
        assert_eq!(get(&m, "fab.binding_input", "national"), 3.0, "month {month}");
    }
}

/// A line filling at full starts (no planner, or a pull beyond the
/// capacity) has no dies yet and nothing but its cycle time holding them:
/// dies are the scarcest input and the input behind them is the wafers
/// (code 1), as the definition reads (no tool cut, no power cut, no
/// planner cut). Packaging and HBM are ample here.
#[test]
fn a_line_filling_at_full_starts_is_bound_by_the_wafers() {
    for target in [None, Some(Duration(MONTH.0))] {
        let mut c = planned(1e6, target);
        c.fabs[0].cycle_time = Duration(4 * MONTH.0);
        let mut run = Run::new(c, 1);
        run.run_until(SimTime::ZERO);
        run.sample();
        // The first lots leave the four-month line at the tick of month 4.
        for month in 1..=3u64 {
            run.run_until(months(month));
            let m = run.sample();
            let at = format!("{target:?}, month {month}");
            assert_eq!(get(&m, "fab.accelerators_out", "chip"), 0.0, "{at}");
            assert_eq!(get(&m, "fab.wafer_starts", "f1"), 1000.0, "{at}");
            assert_eq!(get(&m, "fab.binding_input", "national"), 1.0, "{at}");
        }
    }
}

/// A die bank above the target stops the starts until consumption has
/// brought it down: a bank of 30,000 dies against a back end of 2,000 a
/// month and a target of one month starts nothing in its first year.
#[test]
fn a_die_bank_above_its_target_holds_the_starts_until_it_is_used() {
    let mut c = planned(2000.0, Some(Duration(MONTH.0)));
    c.die_banks = vec![DieBankConfig {
        design: "chip".into(),
        dies: 30_000,
    }];
    let mut run = Run::new(c, 1);
    run.run_until(SimTime(months(12).0 - 1));
    let m = run.sample();
    assert_eq!(get(&m, "fab.wafer_starts", "f1"), 0.0);
    assert_eq!(get(&m, "fab.stockpile_dies", "chip"), 30_000.0 - 12.0 * 2000.0);
    run.run_until(months(30));
    assert!(get(&run.sample(), "fab.wafer_starts", "f1") > 0.0);
}

/// A target beyond ten years is refused, naming the field.
#[test]
fn a_target_beyond_ten_years_is_refused() {
    let c = planned(2000.0, Some(Duration(MAX_DIE_BANK_TARGET.0 + 1)));
    let err = SupplyChain::new(c, &scheduler::RngStreams::new(1, 0))
        .err()
        .expect("refused");
    assert!(err.to_string().contains("die_bank_target"), "{err}");
}

mod conservation {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// Under the planner, wafers started = out + scrapped + in process
        /// at every sample, whatever the back end, the target, the steps
        /// and power shortfalls.
        #[test]
        fn planned_wafers_are_conserved_at_every_sample(
            wpm in prop::collection::vec(10.0f64..5000.0, 1..4),
            cycle_days in 5u64..120,
            step_days in 1u64..15,
            target_weeks in 0u64..30,
            slots in 0.0f64..50_000.0,
            shortfalls in prop::collection::vec((1u64..700, 0.0f64..=1.0), 0..12),
            seed in 0u64..1000,
        ) {
            let mut c = base_config();
            c.production_step = Duration::from_days(step_days);
            c.packaging_units_per_month = TimePath::constant(slots);
            c.die_bank_target = Some(Duration::from_days(7 * target_weeks));
            c.fabs = wpm.iter().enumerate().map(|(i, &w)| {
                let mut f = fab(&format!("f{i}"), w);
                f.cycle_time = Duration::from_days(cycle_days + 3 * i as u64);
                f
            }).collect();
            c.tools.failures_per_tool_year = 3.0;
            let mut run = Run::new(c, seed);
            check_wafers_monthly(&mut run, &shortfalls, 24).map_err(TestCaseError::fail)?;
        }
    }
}
