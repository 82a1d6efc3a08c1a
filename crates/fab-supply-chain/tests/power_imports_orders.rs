//! Whole-chain tests of the time-weighted served power (wafer starts), a
//! fab's power with its expansions, imports before a design's
//! `available_from`, the national accelerator quota, and the closing of
//! orders no supplied design can fill.

mod common;

use common::*;
use fab_supply_chain::*;
use scheduler::{Dist, Duration, Interp, SECS_PER_DAY, SimTime, TimePath};

const HOUR: u64 = 3_600;
const WEEK: Duration = Duration(7 * SECS_PER_DAY);

/// A fab cut to 0 MW from 16:00 to 22:00 every day starts 75 % of its
/// wafers: each tick's starts follow the time-weighted share served over
/// the previous step, not the share at the tick's instant (midnight, when
/// the fab is served in full).
#[test]
fn a_fab_cut_six_hours_a_day_starts_three_quarters_of_its_wafers() {
    let mut c = base_config();
    c.production_step = WEEK;
    // No scrap: this test is about starts.
    c.fabs[0].power_shortfall.scrap_below_served_fraction = 0.0;
    let mut run = Run::new(c, 1);
    let f = fab_id(&run.chain, "f1");
    // The first tick (t = 0) starts a full week: no interval has passed.
    run.run_until(SimTime(1));
    let first = run.chain.wafer_balance(f).unwrap().started;
    let weeks = 8u64;
    for day in 0..weeks * 7 {
        let t = day * SECS_PER_DAY;
        run.run_until(SimTime(t + 16 * HOUR));
        run.set_power(f, 0.0);
        run.run_until(SimTime(t + 22 * HOUR));
        run.set_power(f, 1.0);
    }
    // The tick at the end of week 8 starts wafers at week 8's share.
    run.run_until(SimTime(weeks * WEEK.0));
    let started = run.chain.wafer_balance(f).unwrap().started - first;
    let full_week = 1000.0 * WEEK.0 as f64 / MONTH.0 as f64;
    let expected = 0.75 * full_week * weeks as f64;
    assert!(
        (started as f64 - expected).abs() <= 1.0,
        "started {started}, expected {expected:.1} (75 % of {:.1})",
        full_week * weeks as f64
    );
    let b = run.chain.wafer_balance(f).unwrap();
    assert_eq!(b.started, b.out + b.scrapped + b.in_process);
}

/// A cut below the scrap threshold both scraps the wafers in process at
/// the drop and scales the next tick's starts by the time it lasted.
#[test]
fn a_scrapping_cut_also_scales_the_next_starts_by_its_duration() {
    let mut c = base_config();
    c.production_step = WEEK;
    let mut run = Run::new(c, 1);
    let f = fab_id(&run.chain, "f1");
    run.run_until(SimTime(WEEK.0 + 1));
    let before = run.chain.wafer_balance(f).unwrap();
    // Cut to 0 for a day and a half of the second week.
    run.run_until(SimTime(WEEK.0 + 2 * SECS_PER_DAY));
    run.set_power(f, 0.0);
    let scrapped = run.chain.wafer_balance(f).unwrap().scrapped;
    assert!(scrapped > 0);
    run.run_until(SimTime(WEEK.0 + 2 * SECS_PER_DAY + 36 * HOUR));
    run.set_power(f, 1.0);
    run.run_until(SimTime(2 * WEEK.0));
    let started = run.chain.wafer_balance(f).unwrap().started - before.started;
    let full_week = 1000.0 * WEEK.0 as f64 / MONTH.0 as f64;
    let expected = full_week * (1.0 - 1.5 / 7.0);
    assert!(
        (started as f64 - expected).abs() <= 1.0,
        "{started} vs {expected}"
    );
}

/// The power of the fab's last `PowerDemand` signal up to `t`, MW.
fn power_at(run: &Run, fab: FabId, t: SimTime) -> f64 {
    run.signals
        .iter()
        .rev()
        .filter(|(at, _)| *at <= t)
        .find_map(|(_, s)| match s {
            FabSignal::PowerDemand { fab: f, mw } if *f == fab => Some(*mw),
            _ => None,
        })
        .unwrap_or(0.0)
}

/// An expansion that doubles a fab's capacity doubles its power at full
/// starts, the power never falls while the new tranche ramps (at every
/// month it is `k × (b × 2,000 + (1 − b) × (1,000 + 1,000 × ramp share))`,
/// the closed form: a tranche that skipped its ramp would draw 100 MW at
/// once; audit s19-chips, finding 4), and the fab's grid connection covers
/// the expanded fab from the start.
#[test]
fn a_fab_that_doubles_its_capacity_draws_twice_the_power() {
    let mut c = base_config();
    c.tools.inventory_at_start = 10;
    c.projects.push(FabProjectConfig {
        name: "double-f1".into(),
        kind: ProjectKind::Expansion {
            fab: "f1".into(),
            added_wafers_per_month: 1000.0,
        },
        starts_at: Some(SimTime::ZERO),
        lead_time_years: Dist::constant(0.25),
        years_spent_at_start: 0.0,
    });
    // The fab is operating; the expansion ramps over 4 months.
    c.fabs[0].ramp = Duration(4 * MONTH.0);
    let mut run = Run::new(c, 1);
    let f = fab_id(&run.chain, "f1");
    assert_eq!(run.chain.fab_connection_mw(f), Some(100.0));
    run.run_until(months(2));
    assert!((power_at(&run, f, months(2)) - 50.0).abs() < 1e-9);
    let mut last = 50.0;
    for k in 3..=9 {
        run.run_until(months(k));
        let p = power_at(&run, f, months(k));
        assert!(p >= last - 1e-9, "power fell from {last} to {p} at month {k}");
        // Done at month 3, ramped over 4: k = 50 MW / 1,000 wpm, b = 0.5.
        let ramped = 1000.0 + 1000.0 * ((k - 3) as f64 / 4.0).min(1.0);
        let want = 0.05 * (0.5 * 2000.0 + 0.5 * ramped);
        assert!((p - want).abs() < 1e-9, "month {k}: {p} MW, want {want}");
        assert!(
            (run.chain.fab_capacity_wafers_per_month(f, months(k)).unwrap() - ramped).abs() < 1e-9,
            "month {k}: capacity"
        );
        last = p;
    }
    assert_eq!(
        run.chain.fab_capacity_wafers_per_month(f, months(9)),
        Some(2000.0)
    );
    assert!((last - 100.0).abs() < 1e-9, "expanded fab draws {last} MW");
}

/// An export control on `item` dated `at`.
fn policy(name: &str, at: SimTime, item: ControlledItem, control: Control) -> PolicyConfig {
    PolicyConfig {
        name: name.into(),
        at,
        action: PolicyAction::ExportControl { item, control },
    }
}

/// Imports of designs "a" (100 a month) and "b" (50 a month), no fab,
/// under `policies`, in months (from, to] (ticks at month starts).
fn imports(policies: Vec<PolicyConfig>, from: u64, to: u64) -> (f64, f64) {
    let mut c = base_config();
    c.fabs.clear();
    for (name, rate) in [("a", 100.0), ("b", 50.0)] {
        c.designs.push(design(name, 0, 1000.0));
        c.accelerator_imports.push(AcceleratorImportConfig {
            design: name.into(),
            units_per_month: TimePath::constant(rate),
            on_order: false,
            grey: false,
        });
    }
    c.policies = policies;
    let mut run = Run::new(c, 1);
    run.run_until(months(from));
    run.sample();
    run.run_until(months(to));
    let m = run.sample();
    (get(&m, "fab.imports", "a"), get(&m, "fab.imports", "b"))
}

/// `Ban` or `Lift` on all accelerators ends the national quota
/// (docs/model/fab-supply-chain.md, "Imports and export controls"): a
/// quota of 90 a month, then a lift on all accelerators at month 6 gives
/// the flows' full 150 a month; a quota, a ban on all at month 6, then a
/// lift of design "a" alone at month 12 gives "a" its full 100 a month, not
/// the old quota (audit s19-chips, finding 4: no test caught a ban or lift
/// that kept the quota).
#[test]
fn a_ban_or_lift_on_all_accelerators_ends_the_national_quota() {
    let all = || ControlledItem::Accelerators { design: None };
    let quota = policy("quota", SimTime::ZERO, all(), Control::QuotaPerMonth(90.0));
    // Under the quota: 60 and 30 a month.
    assert_eq!(imports(vec![quota.clone()], 0, 6), (360.0, 180.0));
    // Lifted on all at month 6: 100 and 50 a month from then on.
    let lift_all = policy("lift", months(6), all(), Control::Lift);
    assert_eq!(imports(vec![quota.clone(), lift_all], 6, 12), (600.0, 300.0));
    // Banned on all at month 6, then "a" lifted alone at month 12.
    let ban_all = policy("ban", months(6), all(), Control::Ban);
    let lift_a = policy(
        "lift-a",
        months(12),
        ControlledItem::Accelerators {
            design: Some("a".into()),
        },
        Control::Lift,
    );
    assert_eq!(imports(vec![quota, ban_all, lift_a], 12, 18), (600.0, 0.0));
}

/// A national quota replaces the controls on all accelerators and leaves
/// those naming a design in force inside it (docs/model/fab-supply-chain.md,
/// "A quota on all accelerators is national"): design "a" (100 a month)
/// banned by name stays banned when a quota of 90 on all follows, and "b"
/// (50 a month) takes 50; "a" capped at 30 by name keeps its 30 inside the
/// quota (30 and 50 fit in 90); a ban on all, then the quota, reopens both
/// (60 and 30). Before, the quota cleared every flow's own cap, so the ban
/// on "a" was lifted by a quota meant to tighten imports.
#[test]
fn a_national_quota_keeps_the_controls_naming_a_design() {
    let all = || ControlledItem::Accelerators { design: None };
    let on_a = || ControlledItem::Accelerators {
        design: Some("a".into()),
    };
    let quota = policy("quota", months(3), all(), Control::QuotaPerMonth(90.0));
    let ban_a = policy("ban-a", SimTime::ZERO, on_a(), Control::Ban);
    assert_eq!(imports(vec![ban_a, quota.clone()], 6, 12), (0.0, 300.0));
    let cap_a = policy("cap-a", SimTime::ZERO, on_a(), Control::QuotaPerMonth(30.0));
    assert_eq!(imports(vec![cap_a, quota.clone()], 6, 12), (180.0, 300.0));
    let ban_all = policy("ban-all", SimTime::ZERO, all(), Control::Ban);
    assert_eq!(imports(vec![ban_all.clone(), quota], 6, 12), (360.0, 180.0));
    // A quota naming "a" after a ban on all is an exception for "a" alone.
    let quota_a = policy("quota-a", months(3), on_a(), Control::QuotaPerMonth(30.0));
    assert_eq!(imports(vec![ban_all, quota_a], 6, 12), (180.0, 0.0));
}

/// The national supply metrics against their known values: tools arrived
/// (imports 120 a year and domestic 60 a year, the imports banned from
/// month 3), domestic HBM stacks (1,000 starts a month at 50 % yield, 80 %
/// from month 3) and packaging slots offered (250 a month, 400 from month
/// 3), one monthly tick per sample (audit s19-chips, finding 4: no test read
/// `fab.tools_arrived`, `fab.hbm_stacks_domestic` or
/// `fab.packaging_capacity`).
#[test]
fn tools_arrived_domestic_hbm_and_packaging_capacity_are_the_supplies_of_the_period() {
    let step = |before: f64, after: f64| {
        TimePath::new(vec![(SimTime::ZERO, before), (months(3), after)], Interp::Step).unwrap()
    };
    let mut c = base_config();
    c.tools.imports_per_year = TimePath::constant(120.0);
    c.tools.domestic_per_year = TimePath::constant(60.0);
    c.hbm.domestic_stacks_per_month = TimePath::constant(1000.0);
    c.hbm.domestic_yield = step(0.5, 0.8);
    c.packaging_units_per_month = step(250.0, 400.0);
    c.policies.push(PolicyConfig {
        name: "tool-ban".into(),
        at: months(3),
        action: PolicyAction::ExportControl {
            item: ControlledItem::Tools,
            control: Control::Ban,
        },
    });
    let mut run = Run::new(c, 1);
    let mut seen = Vec::new();
    for k in 1..=6 {
        // The ticks of months 0..k, one per sample.
        run.run_until(SimTime(months(k).0 - 1));
        let m = run.sample();
        seen.push((
            get(&m, "fab.tools_arrived", "national"),
            get(&m, "fab.hbm_stacks_domestic", "national"),
            get(&m, "fab.packaging_capacity", "national"),
        ));
    }
    let before = (15.0, 500.0, 250.0);
    let after = (5.0, 800.0, 400.0);
    assert_eq!(seen, vec![before, before, before, after, after, after]);
}

/// Nothing of a design is imported before its `available_from`, and no
/// fraction is carried into its first month.
#[test]
fn imports_wait_for_the_design_to_be_available() {
    let mut c = base_config();
    c.fabs.clear();
    let mut next = design("next", 0, 1000.0);
    next.available_from = months(3);
    c.designs.push(next);
    c.accelerator_imports.push(AcceleratorImportConfig {
        design: "next".into(),
        units_per_month: TimePath::constant(100.5),
        on_order: false,
        grey: false,
    });
    let mut run = Run::new(c, 1);
    let mut imports = Vec::new();
    for k in 1..=5 {
        run.run_until(SimTime(months(k).0 - 1));
        imports.push(get(&run.sample(), "fab.imports", "next"));
    }
    assert_eq!(imports, vec![0.0, 0.0, 0.0, 100.0, 101.0]);
}

/// No fabs, weekly production ticks, and three designs imported under
/// licence at 100 (a), 50 (b) and 30 (c) a month.
fn three_importers() -> FabConfig {
    let mut c = base_config();
    c.fabs.clear();
    c.production_step = WEEK;
    for (name, rate) in [("a", 100.0), ("b", 50.0), ("c", 30.0)] {
        c.designs.push(design(name, 0, 1000.0));
        c.accelerator_imports.push(AcceleratorImportConfig {
            design: name.into(),
            units_per_month: TimePath::constant(rate),
            on_order: false,
            grey: false,
        });
    }
    c
}

/// A `QuotaPerMonth(q)` on all accelerators caps the national total at `q`
/// a month, shared among the designs in proportion to their rates; a ban
/// on one design leaves the quota to the others.
#[test]
fn a_quota_on_all_accelerators_caps_the_national_total() {
    let q = 90.0;
    let mut c = three_importers();
    c.policies.push(policy(
        "quota",
        SimTime::ZERO,
        ControlledItem::Accelerators { design: None },
        Control::QuotaPerMonth(q),
    ));
    c.policies.push(policy(
        "ban-c",
        months(12),
        ControlledItem::Accelerators {
            design: Some("c".into()),
        },
        Control::Ban,
    ));
    let mut run = Run::new(c, 1);
    let mut total = [0.0f64; 3];
    for k in 1..=24u64 {
        run.run_until(months(k));
        let m = run.sample();
        for (i, name) in ["a", "b", "c"].iter().enumerate() {
            total[i] += get(&m, "fab.imports", name);
        }
        // Ticks up to month k's instant: the quota's months so far.
        let ticks = months(k).0 / WEEK.0 + 1;
        let allowed = q * (ticks * WEEK.0) as f64 / MONTH.0 as f64;
        let sum: f64 = total.iter().sum();
        assert!(
            sum <= allowed + 1e-6,
            "month {k}: {sum} imported, quota allows {allowed}"
        );
        assert!(
            sum >= allowed - 3.0,
            "month {k}: {sum} imported, quota allows {allowed}"
        );
        if k == 12 {
            // 100 : 50 : 30 of 90 a month → 50, 25, 15.
            let months_so_far = allowed / q;
            for (i, want) in [50.0, 25.0, 15.0].into_iter().enumerate() {
                assert!((total[i] - want * months_so_far).abs() <= 1.0, "{total:?}");
            }
        }
    }
    // After the ban on c, a and b share the whole quota (100 : 50 → 60, 30).
    let m = {
        run.run_until(months(30));
        run.sample()
    };
    assert_eq!(get(&m, "fab.imports", "c"), 0.0);
    let ab = get(&m, "fab.imports", "a") / get(&m, "fab.imports", "b");
    assert!((ab - 2.0).abs() < 0.02, "a/b = {ab}");
}

/// A chain importing design "x" at 10,000 USD while the cheaper "y"
/// (1,000 USD) has the given import flow, and a buyer ordering 15,000 USD
/// a month; returns the backlog after each of six monthly ticks.
fn backlog_with_y(y_imports: Option<f64>, policies: Vec<PolicyConfig>) -> Vec<f64> {
    let mut c = base_config();
    c.fabs.clear();
    c.designs = vec![design("x", 0, 10_000.0), design("y", 0, 1_000.0)];
    c.accelerator_imports.push(AcceleratorImportConfig {
        design: "x".into(),
        units_per_month: TimePath::constant(100_000.0),
        on_order: false,
        grey: false,
    });
    if let Some(rate) = y_imports {
        c.accelerator_imports.push(AcceleratorImportConfig {
            design: "y".into(),
            units_per_month: TimePath::constant(rate),
            on_order: false,
            grey: false,
        });
    }
    c.policies = policies;
    monthly_backlog(c, 6)
}

/// The order backlog, USD, at the start of each of the first `n` months,
/// when the lab orders 15,000 USD just before each.
fn monthly_backlog(c: FabConfig, n: u64) -> Vec<f64> {
    let mut run = Run::new(c, 1);
    let lab = run.chain.buyer_id("lab").unwrap();
    let mut backlog = Vec::new();
    for k in 0..n {
        if k > 0 {
            run.run_until(SimTime(months(k).0 - 1));
        }
        run.chain.place_order(lab, 15_000.0).unwrap();
        run.run_until(months(k));
        backlog.push(run.chain.backlog_usd());
    }
    backlog
}

/// An order that cannot buy one unit of any design that can still be
/// supplied is closed, even if a cheaper design exists that no one makes
/// or imports (or whose imports are banned for good).
#[test]
fn orders_close_against_the_cheapest_design_that_can_be_supplied() {
    // y has no source: each month's 5,000 left closes.
    assert_eq!(backlog_with_y(None, vec![]), vec![0.0; 6]);
    let ban = |at| PolicyConfig {
        name: "ban-y".into(),
        at,
        action: PolicyAction::ExportControl {
            item: ControlledItem::Accelerators {
                design: Some("y".into()),
            },
            control: Control::Ban,
        },
    };
    // y imported but banned from the start, never lifted: same.
    assert_eq!(backlog_with_y(Some(0.0), vec![]), vec![0.0; 6]);
    assert_eq!(backlog_with_y(Some(10.0), vec![ban(SimTime::ZERO)]), vec![0.0; 6]);
    // Banned, with a lift to come at month 4: the residues wait for y.
    let lift = PolicyConfig {
        name: "lift-y".into(),
        at: months(4),
        action: PolicyAction::ExportControl {
            item: ControlledItem::Accelerators {
                design: Some("y".into()),
            },
            control: Control::Lift,
        },
    };
    let b = backlog_with_y(Some(10.0), vec![ban(SimTime::ZERO), lift]);
    assert_eq!(b[..4], [5_000.0, 10_000.0, 15_000.0, 20_000.0]);
    // From the lift on, y's units take the residues.
    assert!(b[4] < 20_000.0, "{b:?}");
}

/// Every order closed with value left is reported to its buyer once, after
/// the tick's deliveries: a residue below a unit's price while the design
/// can be supplied, the whole order once nothing can be supplied any more
/// (imports banned for good, no stock, no fab). With the deliveries, the
/// buyer's ordered value = charged + written off + open backlog.
#[test]
fn closed_orders_are_reported_to_their_buyer_with_why_they_closed() {
    let mut c = base_config();
    c.fabs.clear();
    c.designs = vec![design("x", 0, 10_000.0)];
    // One unit a month: each month's order of 15,000 USD buys it and
    // leaves 5,000; nothing piles up in stock.
    c.accelerator_imports.push(AcceleratorImportConfig {
        design: "x".into(),
        units_per_month: TimePath::constant(1.0),
        on_order: false,
        grey: false,
    });
    c.policies = vec![PolicyConfig {
        name: "ban-x".into(),
        at: SimTime(months(3).0 - 2),
        action: PolicyAction::ExportControl {
            item: ControlledItem::Accelerators {
                design: Some("x".into()),
            },
            control: Control::Ban,
        },
    }];
    let mut run = Run::new(c, 1);
    let lab = run.chain.buyer_id("lab").unwrap();
    for k in 0..6 {
        if k > 0 {
            run.run_until(SimTime(months(k).0 - 1));
        }
        run.chain.place_order(lab, 15_000.0).unwrap();
        run.run_until(months(k));
    }
    let (mut charged, mut closed) = (0.0, Vec::new());
    for (t, s) in &run.signals {
        match s {
            FabSignal::Delivered {
                buyer,
                count,
                unit_price_usd,
                ..
            } if *buyer == lab => charged += *count as f64 * unit_price_usd,
            FabSignal::OrderClosed {
                buyer,
                residue_usd,
                nothing_suppliable,
            } if *buyer == lab => closed.push((*t, *residue_usd, *nothing_suppliable)),
            _ => {}
        }
    }
    // Months 0–2: one unit each, 5,000 USD residues; months 3–5 (banned,
    // nothing in stock): whole orders written off as unsuppliable.
    assert_eq!(charged, 30_000.0);
    let expected: Vec<(SimTime, f64, bool)> = (0..6)
        .map(|k| (months(k), if k < 3 { 5_000.0 } else { 15_000.0 }, k >= 3))
        .collect();
    assert_eq!(closed, expected);
    let written_off: f64 = closed.iter().map(|c| c.1).sum();
    assert_eq!(run.chain.buyer_backlog_usd(lab), Some(0.0));
    assert_eq!(6.0 * 15_000.0, charged + written_off);
    // The metrics tell the two apart (s8 leftover: one national
    // `fab.order_residual_usd` mixed them): 3 × 5,000 USD of sub-unit
    // residues, 3 × 15,000 USD written off unsuppliable, per buyer and
    // national; the old metric stays their national sum.
    let m = run.sample();
    for entity in ["lab", "national"] {
        assert_eq!(get(&m, "fab.order_residue_usd", entity), 15_000.0, "{entity}");
        assert_eq!(
            get(&m, "fab.order_unsuppliable_usd", entity),
            45_000.0,
            "{entity}"
        );
    }
    assert_eq!(get(&m, "fab.order_residual_usd", "national"), 60_000.0);
    assert!(!m.contains_key(&("fab.order_residual_usd".to_string(), "lab".to_string())));
}

/// Totals over a year of a chain offered `rate` units a month of "x"
/// (10,000 USD, weekly ticks) whose one buyer orders 150,000 USD (15 units)
/// at the start of every month, with the flow imported on order or pushed,
/// and optionally a licence delay: (imported, delivered, the largest stock
/// at a monthly sample, value ordered); asserts at every monthly sample
/// that imported (counted on arrival) = delivered + stock so far.
fn year_of_imports(on_order: bool, rate: f64, delay: Option<Duration>) -> (f64, f64, f64, f64) {
    let mut c = import_config(on_order, rate);
    if let Some(d) = delay {
        c.policies.push(PolicyConfig {
            name: "licences".into(),
            at: SimTime::ZERO,
            action: PolicyAction::ExportControl {
                item: ControlledItem::Accelerators { design: None },
                control: Control::LicenceDelay(d),
            },
        });
    }
    let mut run = Run::new(c, 1);
    let lab = run.chain.buyer_id("lab").unwrap();
    let (mut imported, mut delivered, mut ordered, mut most) = (0.0, 0.0, 0.0, 0.0f64);
    for k in 0..12 {
        if k > 0 {
            run.run_until(SimTime(months(k).0 - 1));
        }
        run.chain.place_order(lab, 150_000.0).unwrap();
        ordered += 150_000.0;
        run.run_until(SimTime(months(k + 1).0 - 2));
        let m = run.sample();
        imported += get(&m, "fab.imports", "x");
        delivered += get(&m, "fab.accelerators_delivered", "national");
        let stock = get(&m, "fab.accelerators_stock", "x");
        most = most.max(stock);
        assert_eq!(
            imported,
            delivered + stock,
            "month {k}: imported {imported}, delivered {delivered}, stock {stock}"
        );
    }
    (imported, delivered, most, ordered)
}

/// A flow imported on order brings in only what the orders pay for: with
/// 1,000 units a month offered and 15 ordered, a year imports 180 units,
/// all delivered, none left in stock (pushed, the same flow leaves ≈ 11,800
/// unsold); a licence delay does not make it import again while a
/// shipment is in transit; with orders above the path, the path still caps
/// it.
#[test]
fn imports_on_order_bring_in_only_what_orders_pay_for() {
    let (imported, delivered, stock, ordered) = year_of_imports(true, 1_000.0, None);
    assert_eq!(imported, ordered / 10_000.0, "imported {imported}");
    assert_eq!((delivered, stock), (imported, 0.0));
    let (imported, _, stock, _) = year_of_imports(false, 1_000.0, None);
    assert!(
        imported > 11_000.0 && stock > 10_000.0,
        "pushed: {imported} imported, {stock} in stock"
    );
    let (imported, delivered, stock, ordered) =
        year_of_imports(true, 1_000.0, Some(Duration(10 * SECS_PER_DAY)));
    assert_eq!(imported, ordered / 10_000.0, "delayed: imported {imported}");
    assert_eq!((delivered, stock), (imported, 0.0));
    // 10 units a month offered, 15 ordered: the path binds.
    let (imported, delivered, stock, _) = year_of_imports(true, 10.0, None);
    assert!((imported - 120.0).abs() <= 3.0, "capped: imported {imported}");
    assert_eq!((delivered, stock), (imported, 0.0));
}

/// One design "x" (10,000 USD), weekly ticks, no fab, one import flow of
/// `rate` units a month of "x", on order or pushed.
fn import_config(on_order: bool, rate: f64) -> FabConfig {
    let mut c = base_config();
    c.fabs.clear();
    c.production_step = WEEK;
    c.designs = vec![design("x", 0, 10_000.0)];
    c.accelerator_imports.push(AcceleratorImportConfig {
        design: "x".into(),
        units_per_month: TimePath::constant(rate),
        on_order,
        grey: false,
    });
    c
}

/// The path units an on-order flow does not import are reported as
/// declined, so that offered = imported + declined: month by month, the
/// same path pushed (which imports all it is offered) imports exactly what
/// the on-order flow imported plus what it declined; a pushed flow
/// declines nothing; the end-of-run total is the sum of the months.
#[test]
fn declined_on_order_imports_are_reported_and_offered_is_imported_plus_declined() {
    let mut on = Run::new(import_config(true, 1_000.0), 1);
    let mut pushed = Run::new(import_config(false, 1_000.0), 1);
    let lab = on.chain.buyer_id("lab").unwrap();
    let (mut declined_sum, mut imported_sum) = (0.0, 0.0);
    for k in 0..12 {
        if k > 0 {
            on.run_until(SimTime(months(k).0 - 1));
        }
        // 15 units' worth a month, 45 in the seventh month.
        let usd = if k == 6 { 450_000.0 } else { 150_000.0 };
        on.chain.place_order(lab, usd).unwrap();
        on.run_until(SimTime(months(k + 1).0 - 2));
        pushed.run_until(SimTime(months(k + 1).0 - 2));
        let (m, p) = (on.sample(), pushed.sample());
        let offered = get(&p, "fab.imports", "x");
        let (imported, declined) = (get(&m, "fab.imports", "x"), get(&m, "fab.imports_declined", "x"));
        assert_eq!(get(&p, "fab.imports_declined", "national"), 0.0, "month {k}");
        assert!(offered > 900.0, "month {k}: offered {offered}");
        assert_eq!(imported + declined, offered, "month {k}: {imported} + {declined}");
        assert_eq!(get(&m, "fab.imports_declined", "national"), declined);
        declined_sum += declined;
        imported_sum += imported;
    }
    assert_eq!(imported_sum, 11.0 * 15.0 + 45.0);
    let mut totals = std::collections::BTreeMap::new();
    on.chain.summary_scalars(&mut |k, v| {
        totals.insert(k.to_string(), v);
    });
    assert_eq!(totals["fab.imports_declined_total"], declined_sum);
    assert_eq!(totals["fab.accelerators_imported_total"], imported_sum);
}

/// In a country that both assembles and imports on order, the units built
/// at home in a tick are counted against the orders before the imports:
/// the flow imports only what the domestic units leave, so nothing waits
/// in stock. A fab makes ≈ 400 "chip" a month, a flow offers 1,000 a month
/// of the same design, and the lab orders 1,000 a month: every month
/// delivers all that was built and imported, and the stock is 0 at every
/// sample.
#[test]
fn domestic_units_fill_orders_before_imports_on_order() {
    let mut c = base_config();
    c.fabs = vec![fab("f1", 10.0)];
    c.accelerator_imports.push(AcceleratorImportConfig {
        design: "chip".into(),
        units_per_month: TimePath::constant(1_000.0),
        on_order: true,
        grey: false,
    });
    let mut run = Run::new(c, 1);
    let lab = run.chain.buyer_id("lab").unwrap();
    let (mut built, mut imported, mut delivered) = (0.0, 0.0, 0.0);
    for k in 0..12 {
        if k > 0 {
            run.run_until(SimTime(months(k).0 - 1));
        }
        run.chain.place_order(lab, 10_000_000.0).unwrap();
        run.run_until(SimTime(months(k + 1).0 - 2));
        let m = run.sample();
        built += get(&m, "fab.accelerators_out", "chip");
        imported += get(&m, "fab.imports", "chip");
        delivered += get(&m, "fab.accelerators_delivered", "national");
        let stock = get(&m, "fab.accelerators_stock", "chip");
        assert_eq!(
            stock, 0.0,
            "month {k}: {built} built, {imported} imported, {delivered} delivered"
        );
    }
    assert!(built > 3_000.0, "built {built}");
    assert_eq!(built + imported, delivered);
    assert_eq!(delivered, 12_000.0);
}

/// The binding input over months 2–4 of a fab of 1,000 wafers/month with
/// `tools` tools (1 per 1,000 wafers/month: 1 is enough) served the share
/// `served` from just after the first month: its code and `fab.binding_power`.
fn binding_when_served(tools: u64, served: f64) -> (f64, f64) {
    let mut c = base_config();
    c.fabs[0].tools_per_kwpm = 2.0;
    c.fabs[0].tools_at_opening = tools;
    let mut run = Run::new(c, 1);
    let f = fab_id(&run.chain, "f1");
    run.run_until(SimTime(MONTH.0 + 1));
    run.sample();
    run.set_power(f, served);
    run.run_until(months(4));
    let m = run.sample();
    (
        get(&m, "fab.binding_input", "national"),
        get(&m, "fab.binding_power", "national"),
    )
}

/// A fab the grid cuts is bound by power, not wafers; a fab served in full
/// is bound by wafers; one held back by its tools more than by the grid,
/// by tools (audit s16-thesis F4: grid cuts read "wafers").
#[test]
fn a_fab_the_grid_cuts_more_than_its_tools_is_bound_by_power() {
    let power = f64::from(BindingInput::Power.code());
    let wafers = f64::from(BindingInput::Wafers.code());
    let tools = f64::from(BindingInput::Tools.code());
    // Two tools at 2 per 1,000 wafers/month: no tool limit.
    assert_eq!(binding_when_served(2, 1.0), (wafers, 0.0));
    // Served 40 %: 600 wafers/month withheld (and wafers scrapped at the drop).
    assert_eq!(binding_when_served(2, 0.4), (power, 1.0));
    // A slight cut without scrap still withholds starts the tools did not.
    assert_eq!(binding_when_served(2, 0.95).0, power);
    // One tool: 500 wafers/month of 1,000; the tools withhold 500.
    assert_eq!(binding_when_served(1, 1.0).0, tools);
    // 5 % of 500 withheld by the grid, 500 by the tools: tools.
    assert_eq!(binding_when_served(1, 0.95).0, tools);
    // 80 % of 500 withheld (400) is still less than the tools' 500.
    assert_eq!(binding_when_served(1, 0.2).0, tools);
    // All of it: 500 against 500 is not more; tools still.
    assert_eq!(binding_when_served(1, 0.0).0, tools);
}

/// One design "x" with a licensed flow of 100 a month and a grey flow of
/// 30 a month (both pushed, weekly ticks, no fab) under `policies`; runs
/// 24 months and returns the end-of-run scalars.
fn licensed_and_grey(policies: Vec<PolicyConfig>) -> std::collections::BTreeMap<String, f64> {
    let mut c = base_config();
    c.fabs.clear();
    c.production_step = WEEK;
    c.designs = vec![design("x", 0, 10_000.0)];
    for (rate, grey) in [(100.0, false), (30.0, true)] {
        c.accelerator_imports.push(AcceleratorImportConfig {
            design: "x".into(),
            units_per_month: TimePath::constant(rate),
            on_order: false,
            grey,
        });
    }
    c.policies = policies;
    let mut run = Run::new(c, 1);
    run.run_until(SimTime(months(24).0 - 1));
    let mut totals = std::collections::BTreeMap::new();
    run.chain.summary_scalars(&mut |k, v| {
        totals.insert(k.to_string(), v);
    });
    totals
}

/// A ban naming a design stops its licensed import and not its grey one,
/// and neither does a ban, a zero quota or a licence delay on all
/// accelerators: the grey flow ships its whole path (30 a month for 24
/// months) whatever the controls, and the chips imported are the licensed
/// flow's (100 a month until its ban at month 6) plus the grey flow's,
/// none held in transit.
#[test]
fn a_ban_stops_the_licensed_import_and_not_the_grey_one() {
    let x = || ControlledItem::Accelerators {
        design: Some("x".into()),
    };
    let all = || ControlledItem::Accelerators { design: None };
    // 24 months of weekly ticks at t = 0, 1 week, ..., (104 ticks): 24
    // months' worth of the path, within a unit of carried rounding.
    let ticks = (months(24).0 - 1) / WEEK.0 + 1;
    let path_months = (ticks * WEEK.0) as f64 / MONTH.0 as f64;
    // Ticks before month 6: the licensed flow's months before its ban.
    let before_ban = (months(6).0 - 1) / WEEK.0 + 1;
    let licensed_months = (before_ban * WEEK.0) as f64 / MONTH.0 as f64;
    let cases = [
        vec![policy("ban-x", months(6), x(), Control::Ban)],
        vec![
            policy("ban-x", months(6), x(), Control::Ban),
            policy("ban-all", months(9), all(), Control::Ban),
        ],
        vec![
            policy("ban-x", months(6), x(), Control::Ban),
            policy("quota-0", months(9), all(), Control::QuotaPerMonth(0.0)),
            policy(
                "delay-x",
                months(12),
                x(),
                Control::LicenceDelay(Duration(90 * SECS_PER_DAY)),
            ),
            policy(
                "delay-all",
                months(15),
                all(),
                Control::LicenceDelay(Duration(90 * SECS_PER_DAY)),
            ),
        ],
    ];
    for policies in cases {
        let names: Vec<String> = policies.iter().map(|p| p.name.clone()).collect();
        let t = licensed_and_grey(policies);
        let grey = t["fab.accelerators_imported_grey_total"];
        let imported = t["fab.accelerators_imported_total"];
        assert!((grey - 30.0 * path_months).abs() <= 1.0, "{names:?}: grey {grey}");
        let licensed = imported - grey;
        assert!(
            (licensed - 100.0 * licensed_months).abs() <= 1.0,
            "{names:?}: licensed {licensed}, grey {grey}"
        );
        assert_eq!(t["fab.accelerators_in_transit_end"], 0.0, "{names:?}");
        // Pushed, with no order: every chip imported is in stock.
        assert_eq!(t["fab.accelerators_stock_end"], imported, "{names:?}");
    }
    // Without a control both flows ship their paths.
    let t = licensed_and_grey(vec![]);
    let imported = t["fab.accelerators_imported_total"];
    assert!((imported - 130.0 * path_months).abs() <= 2.0, "{imported}");
}

/// A grey flow keeps its design suppliable under a national quota of 0:
/// an order that only its design can fill waits for the grey chips (due
/// from month 4) instead of closing, as it would if the flow were licensed.
#[test]
fn a_grey_flow_keeps_orders_open_under_a_national_quota_of_zero() {
    let backlog = |grey: bool| {
        let mut c = base_config();
        c.fabs.clear();
        c.designs = vec![design("y", 0, 1_000.0)];
        c.accelerator_imports.push(AcceleratorImportConfig {
            design: "y".into(),
            units_per_month: TimePath::new(vec![(SimTime::ZERO, 0.0), (months(4), 10.0)], Interp::Step)
                .unwrap(),
            on_order: false,
            grey,
        });
        c.policies = vec![policy(
            "quota-0",
            SimTime::ZERO,
            ControlledItem::Accelerators { design: None },
            Control::QuotaPerMonth(0.0),
        )];
        monthly_backlog(c, 4)
    };
    assert_eq!(backlog(false), vec![0.0; 4]);
    assert_eq!(backlog(true), vec![15_000.0, 30_000.0, 45_000.0, 60_000.0]);
}

/// What import quotas held back is counted where they are applied (review
/// s33-headline, finding 4: a binding licence cap showed nowhere, "binding
/// input: none" covering the fabs' inputs only). Designs a (100 a month), b
/// (50) and c (30, banned by name: shut, so not counted); a national quota
/// of 90 holds a and b back by 60 a month until month 12, when a quota of
/// 1,000 no longer binds; from month 18 a quota of 20 on b alone holds it
/// back by 30. `fab.imports_withheld_by_quota_total` is those units, and
/// `fab.import_quota_binding_share` the share of production ticks at which
/// a quota bound; a scenario whose only control is a ban reports neither.
#[test]
fn what_import_quotas_hold_back_is_counted() {
    let scalars = |policies: Vec<PolicyConfig>| {
        let mut c = three_importers();
        c.policies = policies;
        c.policies.push(policy(
            "ban-c",
            SimTime::ZERO,
            ControlledItem::Accelerators {
                design: Some("c".into()),
            },
            Control::Ban,
        ));
        let mut run = Run::new(c, 1);
        run.run_until(months(24));
        let mut s = std::collections::BTreeMap::new();
        run.chain.summary_scalars(&mut |k, v| {
            s.insert(k.to_string(), v);
        });
        s
    };
    let all = ControlledItem::Accelerators { design: None };
    let s = scalars(vec![
        policy("cap", SimTime::ZERO, all.clone(), Control::QuotaPerMonth(90.0)),
        policy("loose", months(12), all, Control::QuotaPerMonth(1000.0)),
        policy(
            "cap-b",
            months(18),
            ControlledItem::Accelerators {
                design: Some("b".into()),
            },
            Control::QuotaPerMonth(20.0),
        ),
    ]);
    // Weekly ticks at 0, 1, 2, … weeks: those before month 12 and those
    // from month 18 on (no tick falls on either date).
    let ticks_to = |t: SimTime| t.0 / WEEK.0 + 1;
    let (before, from, all_ticks) = (
        ticks_to(months(12)),
        ticks_to(months(24)) - ticks_to(months(18)),
        ticks_to(months(24)),
    );
    let week = WEEK.0 as f64 / MONTH.0 as f64;
    let want = 60.0 * before as f64 * week + 30.0 * from as f64 * week;
    let got = s["fab.imports_withheld_by_quota_total"];
    assert!((got / want - 1.0).abs() < 1e-9, "withheld {got}, want {want}");
    let share = s["fab.import_quota_binding_share"];
    let want = (before + from) as f64 / all_ticks as f64;
    assert!((share - want).abs() < 1e-12, "share {share}, want {want}");
    // What was imported is the paths less what the quotas held back (c
    // banned throughout), to within a unit per flow.
    let imported = s["fab.accelerators_imported_total"];
    let paths = 150.0 * all_ticks as f64 * week;
    assert!(
        (paths - got - imported).abs() <= 2.0,
        "{paths} − {got} vs {imported}"
    );
    // A ban alone is no quota: no such outcome.
    let s = scalars(vec![]);
    assert!(!s.contains_key("fab.imports_withheld_by_quota_total"), "{s:?}");
    assert!(!s.contains_key("fab.import_quota_binding_share"), "{s:?}");
}
