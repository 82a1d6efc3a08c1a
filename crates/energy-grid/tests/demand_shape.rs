//! Non-AI demand's shape: the semi-annual harmonic (a summer and a winter
//! hump, spring and autumn troughs) books each month's closed-form
//! integral at every step length, and a shape that could reach zero is
//! refused whatever its peak days.

mod common;

use common::{config, firm, hours, run, started};
use energy_grid::{Grid, GridError, RegionConfig, Technology};
use scheduler::math;
use scheduler::{Duration, SimTime};
use std::f64::consts::TAU;

/// Days from 1 January 2025 to the start of each month, and to 2026.
const MONTH_STARTS: [u64; 13] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

/// The demand of the tests: 1,000 MW, ±20 % daily peaking at 18:00, ±10 %
/// annual peaking on day 200 and ±15 % semi-annual peaking on day 15 (and
/// 197.6): a US-like year with its summer hump above its winter one.
fn two_humped(semiannual: f64) -> RegionConfig {
    let mut r = RegionConfig::new("r", 1_000.0);
    r.demand.daily_amplitude = 0.2;
    r.demand.peak_hour = 18.0;
    r.demand.seasonal_amplitude = 0.1;
    r.demand.peak_day_of_year = 200.0;
    r.demand.semiannual_amplitude = semiannual;
    r.demand.semiannual_peak_day_of_year = 15.0;
    r.fleet.push(firm("r-gas", Technology::Gas, 3_000.0, 40.0));
    r
}

/// The exact mean of `(1 + a cos X)(1 + b cos Y + c cos 2V)` over days
/// `[d0, d1)` of 2025 (time in days from its start, which the calendar
/// maps to day of year 0), `X = 2π(t − h/24)`, `Y = 2π(t − p)/365.25`,
/// `V = 2π(t − q)/365.25`: the product expanded into cosines
/// `cos(Ωt − φ)`, each integrated exactly.
fn closed_form_mean(r: &RegionConfig, d0: f64, d1: f64) -> f64 {
    let d = &r.demand;
    let (a, b, c) = (d.daily_amplitude, d.seasonal_amplitude, d.semiannual_amplitude);
    let (wd, wy) = (TAU, TAU / 365.25);
    let (px, py, pv) = (
        TAU * d.peak_hour / 24.0,
        wy * d.peak_day_of_year,
        2.0 * wy * d.semiannual_peak_day_of_year,
    );
    // Mean of cos(Ω t − φ) over [d0, d1).
    let mean_cos = |omega: f64, phi: f64| {
        (math::sin(omega * d1 - phi) - math::sin(omega * d0 - phi)) / (omega * (d1 - d0))
    };
    1.0 + a * mean_cos(wd, px)
        + b * mean_cos(wy, py)
        + c * mean_cos(2.0 * wy, pv)
        + 0.5 * a * b * (mean_cos(wd + wy, px + py) + mean_cos(wd - wy, px - py))
        + 0.5 * a * c * (mean_cos(wd + 2.0 * wy, px + pv) + mean_cos(wd - 2.0 * wy, px - pv))
}

/// Each month's demand, MWh, over 2025 at `dt_hours` steps.
fn monthly_demand_mwh(r: RegionConfig, dt_hours: u64) -> Vec<f64> {
    let mut c = config(vec![r]);
    c.dispatch_interval = Duration::from_hours(dt_hours);
    let (mut grid, mut agenda) = started(c, 1);
    let mut months = Vec::new();
    for &end_day in &MONTH_STARTS[1..] {
        let end = hours(end_day * 24);
        run(&mut grid, &mut agenda, SimTime(end.ticks() - 1), |_, _, _| {});
        months.push(sample(&mut grid, end, "energy.demand_mwh", "r"));
    }
    months
}

/// One metric of one entity, sampled at `at`.
fn sample(grid: &mut Grid, at: SimTime, metric: &str, entity: &str) -> f64 {
    let mut v = f64::NAN;
    grid.sample_metrics(at, &mut |m, e, value| {
        if m == metric && e == entity {
            v = value;
        }
    });
    v
}

/// Known answer: each calendar month's demand is the closed-form integral
/// of the shape over the month, to 1e-6, at hourly steps (sampled at their
/// middles) and at 3 h and 24 h steps (the step's mean in closed form).
/// The semi-annual term moves monthly means by up to 15 %: a grid that
/// dropped it (from the factor or from the step mean) fails by far. And
/// the year it gives is two-humped: July above January above the April
/// and October troughs, where the one-harmonic shape makes January its
/// trough.
#[test]
fn semiannual_demand_books_each_months_closed_form_integral() {
    for dt in [1, 3, 24] {
        let months = monthly_demand_mwh(two_humped(0.15), dt);
        for (m, got) in months.iter().enumerate() {
            let (d0, d1) = (MONTH_STARTS[m] as f64, MONTH_STARTS[m + 1] as f64);
            let want = 1_000.0 * 24.0 * (d1 - d0) * closed_form_mean(&two_humped(0.15), d0, d1);
            assert!(
                (got / want - 1.0).abs() < 1e-6,
                "{dt} h steps, month {}: {got} MWh, closed form {want} ({:e})",
                m + 1,
                got / want - 1.0
            );
        }
        let mean = |m: usize| months[m] / (24.0 * (MONTH_STARTS[m + 1] - MONTH_STARTS[m]) as f64);
        let (jan, apr, jul, oct) = (mean(0), mean(3), mean(6), mean(9));
        assert!(
            jul > jan && jan > apr && jan > oct,
            "two humps: Jan {jan} Apr {apr} Jul {jul} Oct {oct}"
        );
        // The year's mean is the average (to the 365- vs 365.25-day year).
        let year: f64 = months.iter().sum::<f64>() / (365.0 * 24.0);
        assert!((year / 1_000.0 - 1.0).abs() < 2e-3, "{dt} h: mean {year} MW");
    }
    let one_hump = monthly_demand_mwh(two_humped(0.0), 1);
    let mean = |m: usize| one_hump[m] / (24.0 * (MONTH_STARTS[m + 1] - MONTH_STARTS[m]) as f64);
    assert!(mean(0) < mean(3), "one harmonic: January is below April");
}

/// The seasonal factor's trough is `1 − a_s − a_2` when the peak days lie a
/// quarter of a year apart: a sum up to 0.99 is taken (and demand stays
/// at least 0.01 × the daily factor's trough × the average in the worst
/// phase), one above it refused naming the field, whatever the peak days.
#[test]
fn a_seasonal_swing_that_could_reach_zero_is_refused() {
    let mut worst = two_humped(0.49);
    worst.demand.daily_amplitude = 0.0;
    worst.demand.seasonal_amplitude = 0.5;
    worst.demand.peak_day_of_year = 200.0;
    worst.demand.semiannual_peak_day_of_year = 200.0 - 365.25 / 4.0;
    let mut c = config(vec![worst.clone()]);
    let (mut grid, mut agenda) = started(c.clone(), 1);
    let mut low = f64::INFINITY;
    run(&mut grid, &mut agenda, hours(8_760), |g, _, _| {
        let id = g.region_id("r").expect("r");
        low = low.min(g.region_balance(id).expect("r").demand_mw);
    });
    assert!(
        low > 0.0 && (low - 10.0).abs() < 0.01,
        "trough {low} MW, expected 10"
    );

    for peak_2 in [15.0, 200.0 - 365.25 / 4.0, 300.0] {
        c.regions[0].demand.semiannual_amplitude = 0.5;
        c.regions[0].demand.semiannual_peak_day_of_year = peak_2;
        match Grid::new(c.clone(), &scheduler::RngStreams::new(1, 0)) {
            Err(GridError::InvalidConfig {
                field,
                reason,
                entity,
            }) => {
                assert_eq!(field, "demand.semiannual_amplitude");
                assert!(entity.contains("`r`"), "{entity}");
                assert!(
                    reason.contains("at most 0.99") && reason.contains("= 1"),
                    "{reason}"
                );
            }
            Err(e) => panic!("wrong error: {e}"),
            Ok(_) => panic!("a seasonal swing of 1.0 was taken (second peak day {peak_2})"),
        }
    }
    c.regions[0].demand.semiannual_amplitude = 1.2;
    match Grid::new(c, &scheduler::RngStreams::new(1, 0)) {
        Err(GridError::InvalidConfig { field, .. }) => assert_eq!(field, "demand.semiannual_amplitude"),
        other => panic!("an amplitude of 1.2 was not refused: {:?}", other.err()),
    }
}
