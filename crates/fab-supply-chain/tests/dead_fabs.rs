//! A fab counts as a future source of a design only if it can ever make
//! it: open or opening, with tools or tools coming, able to start wafers,
//! with a yield ceiling above 0, and with the design's HBM and packaging
//! there or coming. Orders nothing else can fill are written off
//! (`nothing_suppliable`) when no fab can; a fab that opens, gets tools,
//! HBM or capacity later keeps them open until it produces. Until the
//! eighteenth session any fab whose product mix had the design kept its
//! orders open to the end of the run (audit s17-chips, finding 5).

mod common;

use common::*;
use fab_supply_chain::*;
use scheduler::{Dist, Duration, Interp, SimTime, TimePath};

/// The buyer's book over `n` months of `config`, "lab" ordering 15,000 USD
/// at the start of each month (one unit of 10,000 USD and a residue).
struct Book {
    /// Backlog of "lab" after each month's first tick (the order's tick).
    backlog: Vec<f64>,
    /// Orders closed as nothing suppliable: (when, value written off).
    unsuppliable: Vec<(SimTime, f64)>,
    /// Value charged at delivery, USD.
    charged: f64,
}

/// Runs `config` for `n` months with the monthly orders, checking after
/// every month that ordered = charged at delivery + written off + open.
fn book(config: FabConfig, n: u64) -> Book {
    let mut run = Run::new(config, 1);
    let lab = run.chain.buyer_id("lab").unwrap();
    let mut backlog = Vec::new();
    for k in 0..n {
        if k > 0 {
            run.run_until(SimTime(months(k).0 - 1));
        }
        run.chain.place_order(lab, 15_000.0).unwrap();
        run.run_until(months(k));
        backlog.push(run.chain.buyer_backlog_usd(lab).unwrap());
        let (mut charged, mut written_off) = (0.0, 0.0);
        for (_, s) in &run.signals {
            match s {
                FabSignal::Delivered {
                    count,
                    unit_price_usd,
                    ..
                } => charged += *count as f64 * unit_price_usd,
                FabSignal::OrderClosed { residue_usd, .. } => written_off += residue_usd,
                _ => {}
            }
        }
        let ordered = 15_000.0 * (k + 1) as f64;
        assert!(
            (ordered - (charged + written_off + backlog[k as usize])).abs() < 1e-6,
            "month {k}: ordered {ordered} ≠ charged {charged} + written off {written_off} + open {}",
            backlog[k as usize]
        );
    }
    let mut b = Book {
        backlog,
        unsuppliable: Vec::new(),
        charged: 0.0,
    };
    for (t, s) in &run.signals {
        match s {
            FabSignal::Delivered {
                count,
                unit_price_usd,
                ..
            } => b.charged += *count as f64 * unit_price_usd,
            FabSignal::OrderClosed {
                residue_usd,
                nothing_suppliable: true,
                ..
            } => b.unsuppliable.push((*t, *residue_usd)),
            _ => {}
        }
    }
    b
}

/// Every order of a six-month run written off whole at its first tick:
/// nothing can be supplied, and nothing stays open.
fn assert_all_written_off(config: FabConfig) {
    let b = book(config, 6);
    let expected: Vec<(SimTime, f64)> = (0..6).map(|k| (months(k), 15_000.0)).collect();
    assert_eq!(b.unsuppliable, expected);
    assert_eq!(b.backlog, vec![0.0; 6]);
    assert_eq!(b.charged, 0.0);
}

/// Orders of a `n`-month run left open (none written off) until the
/// supply comes, then filled: the backlog grows by 15,000 USD a month for
/// the first `open_months` months, and units are delivered by the end.
fn assert_open_until_supplied(config: FabConfig, n: u64, open_months: usize) {
    let b = book(config, n);
    assert_eq!(b.unsuppliable, vec![], "{:?}", b.backlog);
    for (k, &v) in b.backlog[..open_months].iter().enumerate() {
        assert_eq!(v, 15_000.0 * (k + 1) as f64, "{:?}", b.backlog);
    }
    assert!(b.charged > 0.0, "{:?}", b.backlog);
    assert!(
        b.backlog.last() < Some(&(15_000.0 * open_months as f64)),
        "{:?}",
        b.backlog
    );
}

/// A step path: `before` until `at`, then `after`.
fn step(before: f64, at: SimTime, after: f64) -> TimePath {
    TimePath::new(vec![(SimTime::ZERO, before), (at, after)], Interp::Step).unwrap()
}

/// An export control on `item` at `at`.
fn control(name: &str, at: SimTime, item: ControlledItem, control: Control) -> PolicyConfig {
    PolicyConfig {
        name: name.into(),
        at,
        action: PolicyAction::ExportControl { item, control },
    }
}

/// Imports of `item` held three months by a licence delay from the start,
/// then banned a second later: what is in transit still arrives at month 3.
fn delayed_then_banned(item: ControlledItem) -> Vec<PolicyConfig> {
    vec![
        control(
            "delay",
            SimTime::ZERO,
            item.clone(),
            Control::LicenceDelay(Duration(3 * MONTH.0)),
        ),
        control("ban", SimTime(1), item, Control::Ban),
    ]
}

/// A project with a fixed lead time of a quarter of a year.
fn project(name: &str, kind: ProjectKind, starts_at: Option<SimTime>) -> FabProjectConfig {
    FabProjectConfig {
        name: name.into(),
        kind,
        starts_at,
        lead_time_years: Dist::constant(0.25),
        years_spent_at_start: 0.0,
    }
}

/// The base chain (one fab "f1" making "chip") with a chip of 4 HBM stacks.
fn with_hbm() -> FabConfig {
    let mut c = base_config();
    c.designs[0].hbm_stacks_per_chip = 4;
    c
}

#[test]
fn a_design_without_hbm_or_packaging_to_come_is_not_suppliable() {
    // The fab makes dies, but no HBM is in stock or coming.
    assert_all_written_off(with_hbm());
    // Nor from a die bank, with no fab.
    let mut c = with_hbm();
    c.fabs.clear();
    c.die_banks.push(DieBankConfig {
        design: "chip".into(),
        dies: 1000,
    });
    assert_all_written_off(c.clone());
    // Imports of HBM banned for good: the same.
    c.hbm.imports_stacks_per_month = TimePath::constant(1000.0);
    c.policies
        .push(control("ban", SimTime::ZERO, ControlledItem::Hbm, Control::Ban));
    assert_all_written_off(c.clone());
    // Less than one chip's stacks in stock is no HBM either.
    c.hbm.stockpile_stacks_at_start = 3;
    assert_all_written_off(c.clone());
    // A lift to come at month 3: the orders wait for it.
    c.policies
        .push(control("lift", months(3), ControlledItem::Hbm, Control::Lift));
    assert_open_until_supplied(c.clone(), 6, 3);
    // HBM imports held by a licence delay past a ban: the stacks in transit
    // keep the orders open until they arrive.
    c.policies = delayed_then_banned(ControlledItem::Hbm);
    assert_open_until_supplied(c, 6, 3);
    // No packaging now or later: the fab's dies cannot be assembled.
    let mut c = base_config();
    c.packaging_units_per_month = step(0.0, months(3), 0.0);
    assert_all_written_off(c.clone());
    // Packaging from month 3: the orders wait for it.
    c.packaging_units_per_month = step(0.0, months(3), 1e9);
    assert_open_until_supplied(c, 6, 3);
}

/// A national `QuotaPerMonth(0)` on all accelerators shuts every import
/// flow, as a ban does: with no fab, orders are written off; a lift on all
/// accelerators still to come keeps them open (audit s19-chips, finding 4:
/// no test caught a zero national quota that left orders open).
#[test]
fn a_zero_national_quota_closes_orders_that_only_imports_could_fill() {
    let all = || ControlledItem::Accelerators { design: None };
    let mut c = base_config();
    c.fabs.clear();
    c.accelerator_imports.push(AcceleratorImportConfig {
        design: "chip".into(),
        units_per_month: TimePath::constant(100.0),
        on_order: false,
        grey: false,
    });
    c.policies
        .push(control("zero", SimTime::ZERO, all(), Control::QuotaPerMonth(0.0)));
    assert_all_written_off(c.clone());
    // A lift on all accelerators at month 3: the orders wait for it.
    c.policies.push(control("lift", months(3), all(), Control::Lift));
    assert_open_until_supplied(c, 6, 3);
}

/// A design banned by name stays banned under a national quota still to
/// come (the quota replaces controls on all accelerators, not those naming
/// a design): with no fab, its orders are written off; one banned by a ban
/// on all accelerators is reopened by that quota, and its orders wait.
#[test]
fn a_national_quota_to_come_reopens_a_ban_on_all_not_a_ban_by_name() {
    let all = || ControlledItem::Accelerators { design: None };
    let mut c = base_config();
    c.fabs.clear();
    c.accelerator_imports.push(AcceleratorImportConfig {
        design: "chip".into(),
        units_per_month: TimePath::constant(100.0),
        on_order: false,
        grey: false,
    });
    let quota = control("quota", months(3), all(), Control::QuotaPerMonth(50.0));
    let mut by_name = c.clone();
    by_name.policies = vec![
        control(
            "ban-chip",
            SimTime::ZERO,
            ControlledItem::Accelerators {
                design: Some("chip".into()),
            },
            Control::Ban,
        ),
        quota.clone(),
    ];
    assert_all_written_off(by_name);
    c.policies = vec![control("ban-all", SimTime::ZERO, all(), Control::Ban), quota];
    assert_open_until_supplied(c.clone(), 6, 3);
    // A ban on all reopened for the design by a quota naming it; a ban by
    // name reopened by a lift on all: the orders wait for both.
    let on_chip = || ControlledItem::Accelerators {
        design: Some("chip".into()),
    };
    c.policies = vec![
        control("ban-all", SimTime::ZERO, all(), Control::Ban),
        control("quota-chip", months(3), on_chip(), Control::QuotaPerMonth(50.0)),
    ];
    assert_open_until_supplied(c.clone(), 6, 3);
    c.policies = vec![
        control("ban-chip", SimTime::ZERO, on_chip(), Control::Ban),
        control("lift-all", months(3), all(), Control::Lift),
    ];
    assert_open_until_supplied(c, 6, 3);
}

#[test]
fn orders_for_a_fab_that_never_opens_are_written_off() {
    // Opened by a project with no start and no subsidy: it never opens.
    let mut c = base_config();
    c.fabs[0].opens = FabOpening::ByProject;
    c.projects
        .push(project("build", ProjectKind::NewFab { fab: "f1".into() }, None));
    assert_all_written_off(c.clone());
    // A subsidy still to come, at month 2, starts it: open by month 5,
    // its first chips at month 6; the orders wait.
    c.policies.push(PolicyConfig {
        name: "subsidy".into(),
        at: months(2),
        action: PolicyAction::Subsidy {
            projects: vec!["build".into()],
        },
    });
    assert_open_until_supplied(c.clone(), 9, 6);
    // A dated start: the same.
    c.policies.clear();
    c.projects[0].starts_at = Some(months(2));
    assert_open_until_supplied(c.clone(), 9, 6);
    // A fab with an opening date opens then.
    c.projects.clear();
    c.fabs[0].opens = FabOpening::At(months(5));
    assert_open_until_supplied(c, 9, 6);
}

#[test]
fn orders_for_a_fab_with_no_tools_and_none_coming_are_written_off() {
    // No tools at opening, none in the inventory, no tool output or imports.
    let mut c = base_config();
    c.fabs[0].tools_at_opening = 0;
    assert_all_written_off(c.clone());
    // Imports banned for good: the same.
    c.tools.imports_per_year = TimePath::constant(120.0);
    c.policies
        .push(control("ban", SimTime::ZERO, ControlledItem::Tools, Control::Ban));
    assert_all_written_off(c.clone());
    // A quota to come at month 3 reopens them: the orders wait.
    c.policies.push(control(
        "quota",
        months(3),
        ControlledItem::Tools,
        Control::QuotaPerMonth(5.0),
    ));
    assert_open_until_supplied(c.clone(), 7, 4);
    // Domestic tools from month 3: the same.
    c.policies.pop();
    c.tools.domestic_per_year = step(0.0, months(3), 120.0);
    assert_open_until_supplied(c.clone(), 7, 4);
    // A tool in the inventory.
    c.tools.domestic_per_year = TimePath::constant(0.0);
    c.tools.inventory_at_start = 1;
    assert_open_until_supplied(c.clone(), 3, 1);
    // Tools held by a licence delay past the ban arrive at month 3.
    c.tools.inventory_at_start = 0;
    c.policies = delayed_then_banned(ControlledItem::Tools);
    assert_open_until_supplied(c, 7, 4);
}

#[test]
fn orders_for_a_fab_that_can_start_no_wafer_are_written_off() {
    // A capacity of 0 (with a tool) and no expansion.
    let mut c = base_config();
    c.fabs[0].capacity_wafers_per_month = 0.0;
    c.fabs[0].tools_at_opening = 1;
    assert_all_written_off(c.clone());
    // An expansion starting at month 1 adds 1,000 wafers a month at month
    // 4: the orders wait for its chips.
    c.projects.push(project(
        "grow",
        ProjectKind::Expansion {
            fab: "f1".into(),
            added_wafers_per_month: 1000.0,
        },
        Some(months(1)),
    ));
    assert_open_until_supplied(c, 7, 4);
}

#[test]
fn orders_for_a_fab_whose_yield_ceiling_is_0_are_written_off() {
    let mut c = base_config();
    c.fabs[0].yield_curve.initial = 0.0;
    c.fabs[0].yield_curve.ceiling = 0.0;
    assert_all_written_off(c.clone());
    // Another fab that yields keeps the design suppliable.
    let mut good = fab("f2", 1000.0);
    good.opens = FabOpening::At(months(2));
    c.fabs.push(good);
    assert_open_until_supplied(c, 6, 3);
}
