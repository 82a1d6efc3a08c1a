//! Regions on local clocks (`utc_offset_hours`): a region's demand and
//! solar shapes read its own time, so two identical regions `k` hours apart
//! give the same hourly series `k` steps apart, and their coincident peak
//! falls (a store's day starting at local midnight is tested in
//! `dispatch.rs`).

mod common;

use common::{config, firm, hours, run, started};
use energy_grid::{Grid, GridError, PlantGroupConfig, RegionConfig, Technology};
use scheduler::SimTime;
use std::f64::consts::PI;

/// A region with a two-humped year (so the seasonal phases are shifted
/// too), 1,000 MW of solar and ample gas, no growth.
fn region(name: &str, utc_offset_hours: f64) -> RegionConfig {
    let mut r = RegionConfig::new(name, 1_000.0);
    r.demand.daily_amplitude = 0.2;
    r.demand.peak_hour = 18.0;
    r.demand.seasonal_amplitude = 0.1;
    r.demand.semiannual_amplitude = 0.1;
    r.utc_offset_hours = utc_offset_hours;
    r.fleet
        .push(firm(&format!("{name}-gas"), Technology::Gas, 5_000.0, 40.0));
    r.fleet.push(PlantGroupConfig::typical(
        &format!("{name}-solar"),
        Technology::Solar,
        1_000.0,
    ));
    r
}

/// Hourly (demand MW, solar available MW) of regions `a` and `b` over `h` hours.
fn series(regions: Vec<RegionConfig>, h: u64) -> [Vec<(f64, f64)>; 2] {
    let (mut grid, mut agenda) = started(config(regions), 1);
    let ids = [grid.region_id("a").expect("a"), grid.region_id("b").expect("b")];
    let solar = [
        grid.plant_group_id("a-solar").expect("a-solar"),
        grid.plant_group_id("b-solar").expect("b-solar"),
    ];
    let mut out = [Vec::new(), Vec::new()];
    run(
        &mut grid,
        &mut agenda,
        SimTime(hours(h).ticks() - 1),
        |g, _, _| {
            for i in 0..2 {
                let demand = g.region_balance(ids[i]).expect("region").demand_mw;
                let sun = g.plant_group_state(solar[i]).expect("solar").available_mw;
                out[i].push((demand, sun));
            }
        },
    );
    out
}

/// Region `b`, `k` hours ahead of `a` (its local clock reads `a`'s `k`
/// hours later), gives at hour `i` what `a` gives at hour `i + k`: demand
/// to 1e-12 relative, solar to 1e-12 MW, over 60 days in winter and summer
/// alike; at offset 0 the two are the same bits. Shifting only demand or
/// only solar fails one of the two.
#[test]
fn identical_regions_k_hours_apart_give_series_k_steps_apart() {
    let days = 60;
    let [a0, b0] = series(vec![region("a", 0.0), region("b", 0.0)], days * 24);
    assert!(
        a0.iter()
            .zip(&b0)
            .all(|(x, y)| x.0.to_bits() == y.0.to_bits() && x.1.to_bits() == y.1.to_bits())
    );
    for k in [-8i64, -5, 3, 8] {
        let [a, b] = series(vec![region("a", 0.0), region("b", k as f64)], days * 24);
        let mut compared = 0;
        for (i, bi) in b.iter().enumerate() {
            let Some(ai) = usize::try_from(i as i64 + k).ok().and_then(|j| a.get(j)) else {
                continue;
            };
            assert!(
                (bi.0 / ai.0 - 1.0).abs() < 1e-12,
                "offset {k}: b's demand at hour {i} {} vs a's at {} {}",
                bi.0,
                i as i64 + k,
                ai.0
            );
            assert!(
                (bi.1 - ai.1).abs() < 1e-9,
                "offset {k}: b's solar at hour {i} {} vs a's {}",
                bi.1,
                ai.1
            );
            compared += 1;
        }
        assert!(compared > (days as usize - 1) * 24, "{compared}");
        // The shift is real: the unshifted series differ.
        let moved = a.iter().zip(&b).filter(|(x, y)| (x.0 - y.0).abs() > 1.0).count();
        assert!(moved > a.len() / 2, "offset {k}: only {moved} hours differ");
        let sunny = a.iter().zip(&b).filter(|(x, y)| (x.1 - y.1).abs() > 1.0).count();
        assert!(
            sunny > a.len() / 4,
            "offset {k}: solar differs in only {sunny} hours"
        );
    }
}

/// Two regions of 1,000 MW swinging ±20 % a day (no seasonal swing), `k`
/// hours apart: their sum peaks at `2,000 · (1 + 0.2 cos(πk/24))` MW (the
/// sum of two cosines `δ` apart is `2 cos(δ/2)` times one, `δ = 2πk/24`),
/// 2,400 MW on one clock. The peak hour 18:30 puts every sum's peak on an
/// hourly step's middle, so the pair's peak hourly demand is that closed
/// form.
#[test]
fn the_coincident_peak_falls_when_regions_are_hours_apart() {
    let peak = |k: f64| {
        let regions = ["a", "b"].map(|name| {
            let mut r = RegionConfig::new(name, 1_000.0);
            r.demand.daily_amplitude = 0.2;
            r.demand.peak_hour = 18.5;
            r.demand.seasonal_amplitude = 0.0;
            r.fleet
                .push(firm(&format!("{name}-gas"), Technology::Gas, 5_000.0, 40.0));
            r
        });
        let mut regions = regions.to_vec();
        regions[1].utc_offset_hours = k;
        let (mut grid, mut agenda) = started(config(regions), 1);
        let ids = [grid.region_id("a").expect("a"), grid.region_id("b").expect("b")];
        let mut peak = 0.0f64;
        run(
            &mut grid,
            &mut agenda,
            SimTime(hours(72).ticks() - 1),
            |g, _, _| {
                let sum: f64 = ids
                    .iter()
                    .map(|&r| g.region_balance(r).expect("r").demand_mw)
                    .sum();
                peak = peak.max(sum);
            },
        );
        peak
    };
    for k in [0.0, -2.0, 2.0, -4.0, 6.0] {
        let want = 2_000.0 * (1.0 + 0.2 * scheduler::math::cos(PI * k / 24.0));
        let got = peak(k);
        assert!(
            (got - want).abs() < 1e-6,
            "offset {k} h: peak {got} MW, closed form {want}"
        );
    }
    assert!(peak(-4.0) < peak(0.0) - 50.0);
}

/// An offset outside the world's time zones is refused, naming the field.
#[test]
fn an_offset_outside_the_time_zones_is_refused() {
    for bad in [-12.5, 14.5, f64::NAN] {
        let c = config(vec![region("a", bad), region("b", 0.0)]);
        match Grid::new(c, &scheduler::RngStreams::new(1, 0)) {
            Err(GridError::InvalidConfig { field, .. }) => assert_eq!(field, "utc_offset_hours"),
            Err(e) => panic!("wrong error for {bad}: {e}"),
            Ok(_) => panic!("offset {bad} taken"),
        }
    }
}
