//! A truncated distribution keeps an uncertain parameter inside its field's
//! range, where the untruncated one is refused at load.

use scheduler::Dist;
use stack::Scenario;
use std::path::Path;

fn scenario(dist: &str) -> String {
    format!(
        r#"Scenario(name: "x", start: "2025-01-01", horizon_years: 1,
    regions: [(name: "a", demand_avg_mw: 1)],
    designs: [ ( name: "h100", die_area_mm2: 814, peak_flop_s: 989e12, power_w: 700, hbm_stacks: 5, node: "4nm", unit_price_usd: 25000) ],
    labs: [(name: "l", sites: [(region: "a")])],
    uncertain: {{ "labs.l.mfu": {dist} }},
)"#
    )
}

#[test]
fn a_truncated_normal_on_a_fraction_loads_and_every_reachable_draw_builds() {
    let s = Scenario::from_text(
        Path::new("t.ron"),
        &scenario("Truncated(dist: Normal(mean: 0.5, sd: 0.16), low: 0.001, high: 1.0)"),
    )
    .unwrap();
    let p = &s.parameters()[0];
    assert!(matches!(p.dist, Dist::Truncated { .. }), "{:?}", p.dist);
    // The most extreme values any design can draw, and the median.
    for u in [0.0, 0.5, 1.0] {
        let v = p.dist.quantile(u);
        assert!((0.001..=1.0).contains(&v));
        s.with_values(&[v]).unwrap();
    }
    // The untruncated Normal is refused: both its tails leave [0, 1], and
    // both are named (review s26-modeler, F6: only the lower one was).
    let e = Scenario::from_text(Path::new("t.ron"), &scenario("Normal(mean: 0.5, sd: 0.16)")).unwrap_err();
    assert!(e.message.contains("both its tails leave"), "{e}");
    assert!(e.hint.as_deref().unwrap_or("").contains("Truncated"), "{e}");
}

#[test]
fn a_tail_that_stays_in_range_to_the_last_reachable_draw_is_accepted() {
    // N(0.5, 0.05) leaves [0, 1] only 10 sd out: beyond any draw
    // (the extremes are about 8.2 sd), so it loads without truncation.
    Scenario::from_text(Path::new("t.ron"), &scenario("Normal(mean: 0.5, sd: 0.05)")).unwrap();
    // A Uniform reaching past 1 is refused, with half its mass outside.
    let e = Scenario::from_text(Path::new("t.ron"), &scenario("Uniform(low: 0.5, high: 1.5)")).unwrap_err();
    assert!(
        e.message.contains("upper tail") && e.message.contains("5.00e-1"),
        "{e}"
    );
}

#[test]
fn a_truncation_bound_the_field_refuses_is_itself_refused() {
    // `mfu` must be at least 1e-6: a truncation at 0 still reaches below.
    let e = Scenario::from_text(
        Path::new("t.ron"),
        &scenario("Truncated(dist: Normal(mean: 0.5, sd: 0.16), low: 0.0, high: 1.0)"),
    )
    .unwrap_err();
    assert!(e.message.contains("lower tail"), "{e}");
    assert_eq!((e.line, e.column), (Some(5), Some(18)), "{e}");
}
