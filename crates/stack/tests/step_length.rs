//! A dispatch step longer than an hour must not change what the labs lose
//! to power where the grid has power to spare: accelerators are installed,
//! and connections granted, at the grid's dispatch instants
//! (`Grid::dispatch_at_or_after`), so their new demand is dispatched at
//! once. Installed at midnight, chips waited up to a step for a dispatch at
//! steps that do not divide a day, and the wait was booked as lost to
//! power: china-2025's share was 18 times the hourly one at 5 h steps
//! (audit s22-steps, finding A).

use stack::{RunOptions, Scenario, run};
use std::path::Path;

/// minimal.ron with 300 H100s imported a month, dispatched every `hours`:
/// the share of the lab's training compute lost to power, and its energy.
fn lost_share_and_energy(hours: u32) -> (f64, f64) {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios/minimal.ron");
    let text = format!(
        r#"Variant(base: "{}", name: "imports-{hours}h",
  add: [Import((name: "h100-imports", design: "h100", units_per_month: 300))],
  set: {{ "grid.dispatch_interval_hours": {hours} }})"#,
        base.display()
    );
    let s = Scenario::from_text(Path::new("step-length.ron"), &text).unwrap_or_else(|e| panic!("{e}"));
    let out = run(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let delivered = out.scalar("fab.accelerators_delivered_to_labs_total").unwrap();
    assert!(delivered > 5_000.0, "{delivered} delivered");
    (
        out.scalar("training.share_lost_power_total").unwrap(),
        out.scalar("training.energy_mwh_total").unwrap(),
    )
}

#[test]
fn installs_wait_for_no_dispatch_at_any_step() {
    let (hourly, energy) = lost_share_and_energy(1);
    assert!(hourly < 1e-5, "hourly share lost to power {hourly}");
    for hours in [5, 7] {
        // 2.0e-4 and 1.0e-4 before: 80 and 40 times the hourly share.
        let (share, e) = lost_share_and_energy(hours);
        assert!(
            share < 2.0 * hourly,
            "{share} at {hours} h steps, {hourly} hourly"
        );
        assert!(
            (e / energy - 1.0).abs() < 1e-3,
            "{e} MWh at {hours} h, {energy} hourly"
        );
    }
}
