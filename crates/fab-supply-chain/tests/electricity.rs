//! A fab's electricity bill, booked through `SupplyChain::bill_electricity`:
//! per fab and national flows since the last sample, run totals and the
//! average price; reported only, so the chain's production is unchanged;
//! bad input is refused with the chain unchanged.

mod common;

use common::*;
use fab_supply_chain::*;

/// A sample: (metric, entity) → value.
type Sample = std::collections::BTreeMap<(String, String), f64>;

/// Two fabs, a year of monthly ticks; `bills` books (fab, MWh, USD) after
/// the sixth month's sample. Returns the run, its sixth-month-plus-one
/// sample and its scalars.
fn billed(bills: &[(&str, f64, f64)]) -> (Run, Sample, Vec<(String, f64)>) {
    let mut cfg = base_config();
    cfg.fabs.push(fab("f2", 500.0));
    let mut run = Run::new(cfg, 1);
    run.run_until(months(6));
    let _ = run.sample();
    for &(name, mwh, usd) in bills {
        let id = fab_id(&run.chain, name);
        run.chain.bill_electricity(id, mwh, usd).expect("a valid bill");
    }
    run.run_until(months(7));
    let m = run.sample();
    run.run_until(months(12));
    let mut scalars = Vec::new();
    run.chain
        .summary_scalars(&mut |k, v| scalars.push((k.to_string(), v)));
    (run, m, scalars)
}

fn scalar(s: &[(String, f64)], k: &str) -> Option<f64> {
    s.iter().find(|(n, _)| n == k).map(|(_, v)| *v)
}

#[test]
fn bills_are_booked_per_fab_and_nationally_and_change_nothing_else() {
    let (run, m, s) = billed(&[("f1", 100.0, 4_500.0), ("f2", 50.0, 3_000.0), ("f1", 20.0, 900.0)]);
    assert_eq!(get(&m, "fab.energy_mwh", "f1"), 120.0);
    assert_eq!(get(&m, "fab.electricity_usd", "f1"), 5_400.0);
    assert_eq!(get(&m, "fab.energy_mwh", "f2"), 50.0);
    assert_eq!(get(&m, "fab.electricity_usd", "national"), 8_400.0);
    assert_eq!(get(&m, "fab.energy_mwh", "national"), 170.0);
    assert_eq!(scalar(&s, "fab.energy_mwh_total"), Some(170.0));
    assert_eq!(scalar(&s, "fab.electricity_usd_total"), Some(8_400.0));
    assert_eq!(
        scalar(&s, "fab.avg_electricity_price_usd_per_mwh"),
        Some(8_400.0 / 170.0)
    );
    // The same run without bills: every other outcome and signal is the same.
    let (bare, _, s0) = billed(&[]);
    assert_eq!(scalar(&s0, "fab.energy_mwh_total"), Some(0.0));
    assert_eq!(scalar(&s0, "fab.avg_electricity_price_usd_per_mwh"), None);
    let others = |s: &[(String, f64)]| -> Vec<(String, u64)> {
        s.iter()
            .filter(|(k, _)| !k.contains("energy") && !k.contains("electricity"))
            .map(|(k, v)| (k.clone(), v.to_bits()))
            .collect()
    };
    assert_eq!(others(&s), others(&s0));
    assert_eq!(format!("{:?}", run.signals), format!("{:?}", bare.signals));
}

#[test]
fn a_bad_bill_is_refused_and_books_nothing() {
    let mut run = Run::new(base_config(), 1);
    let f1 = fab_id(&run.chain, "f1");
    for (mwh, usd) in [(f64::NAN, 1.0), (1.0, f64::INFINITY), (-1.0, 1.0), (1.0, -0.5)] {
        let e = run.chain.bill_electricity(f1, mwh, usd).expect_err("refused");
        assert!(
            matches!(
                e,
                FabError::BadInput {
                    method: "bill_electricity",
                    ..
                }
            ),
            "{e}"
        );
    }
    // An id from a chain with more fabs.
    let mut two = base_config();
    two.fabs.push(fab("f2", 500.0));
    let other = fab_id(&Run::new(two, 1).chain, "f2");
    let e = run
        .chain
        .bill_electricity(other, 1.0, 1.0)
        .expect_err("unknown fab");
    assert!(e.to_string().contains("unknown fab"), "{e}");
    let m = run.sample();
    assert_eq!(get(&m, "fab.energy_mwh", "national"), 0.0);
    assert_eq!(get(&m, "fab.electricity_usd", "f1"), 0.0);
}
