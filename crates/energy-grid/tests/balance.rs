//! Energy balance and storage conservation at every dispatch step, as a
//! property over random fleets, storage, links and loads (stores in
//! regions without plants among them, which charge over links).

mod common;

use common::{config, hours, run, started};
use energy_grid::{
    Grid, LinkConfig, LoadClass, LoadSpec, PlantGroupConfig, RegionConfig, StorageConfig, Technology,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct RegionSpec {
    demand_mw: f64,
    /// Technology, installed MW and must-run share (none for about half).
    plants: Vec<(usize, f64, f64)>,
    storage: (f64, f64, f64),
    ai_mw: f64,
    /// Weather noise on demand (none for about half).
    noise_sd: f64,
}

fn region_spec() -> impl Strategy<Value = RegionSpec> {
    (
        0.0..2_000.0f64,
        prop::collection::vec(
            (
                0usize..6,
                0.0..1_500.0f64,
                prop_oneof![Just(0.0), 0.0..1.0f64, Just(1.0)],
            ),
            0..5,
        ),
        (0.0..300.0f64, 0.0..1_200.0f64, 0.5..1.0f64),
        0.0..500.0f64,
        // About a third of regions have no plants: their stores charge
        // only over links (from neighbours' spare).
        prop::bool::weighted(0.3),
        prop_oneof![Just(0.0), 0.0..0.3f64],
    )
        .prop_map(
            |(demand_mw, plants, storage, ai_mw, import_only, noise_sd)| RegionSpec {
                demand_mw,
                plants: if import_only { Vec::new() } else { plants },
                storage,
                ai_mw,
                noise_sd,
            },
        )
}

const TECHS: [Technology; 6] = [
    Technology::Coal,
    Technology::Gas,
    Technology::Nuclear,
    Technology::Hydro,
    Technology::Wind,
    Technology::Solar,
];

fn build(regions: &[RegionSpec], links: &[(usize, usize, f64, f64)], seed: u64) -> Grid {
    let mut rcs = Vec::new();
    for (i, spec) in regions.iter().enumerate() {
        let mut r = RegionConfig::new(&format!("r{i}"), spec.demand_mw);
        for (k, (tech, mw, must_run)) in spec.plants.iter().enumerate() {
            let mut g = PlantGroupConfig::typical(&format!("r{i}-g{k}"), TECHS[*tech], *mw);
            g.marginal_cost_usd_per_mwh += k as f64; // distinct costs within a technology
            g.unit_size_mw = 100.0;
            g.failure_rate_per_year *= 20.0; // many outages inside the short run
            g.must_run_fraction = *must_run;
            r.fleet.push(g);
        }
        let (p, e, eta) = spec.storage;
        r.storage = StorageConfig::batteries(p, e);
        r.storage.round_trip_efficiency = eta;
        // Both storage rules: trading in every other region.
        r.storage.arbitrage = i % 2 == 0;
        r.demand.noise_sd = spec.noise_sd;
        rcs.push(r);
    }
    let mut c = config(rcs);
    // Spells of a day, half of their variance shared.
    c.demand_noise_hours = 24.0;
    c.demand_noise_shared_share = 0.5;
    let n = regions.len();
    for &(a, b, cap, loss) in links {
        let (a, b) = (a % n, b % n);
        if a != b {
            let mut l = LinkConfig::new(&format!("r{a}"), &format!("r{b}"), cap);
            l.loss_fraction = loss;
            c.links.push(l);
        }
    }
    let (mut grid, _) = (
        Grid::new(c, &scheduler::RngStreams::new(seed, 0)).expect("valid"),
        (),
    );
    for (i, spec) in regions.iter().enumerate() {
        let region = grid.region_id(&format!("r{i}")).expect("region");
        let load = grid
            .add_load(LoadSpec {
                name: format!("dc{i}"),
                region,
                class: LoadClass::Datacenter,
                connected_mw: spec.ai_mw,
            })
            .expect("load");
        grid.set_load_demand(load, spec.ai_mw).expect("demand");
    }
    grid
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_dispatch_step_balances_and_storage_is_conserved(
        regions in prop::collection::vec(region_spec(), 1..5),
        links in prop::collection::vec((0usize..5, 0usize..5, 0.0..800.0f64, 0.0..0.1f64), 0..6),
        seed in 0u64..1_000,
    ) {
        let grid = build(&regions, &links, seed);
        let c = grid.dispatch_interval().as_hours();
        let mut agenda = scheduler::Scheduler::new();
        let mut grid = grid;
        grid.start(&mut agenda).expect("start");
        let n = regions.len();
        let ids: Vec<_> = (0..n).map(|i| grid.region_id(&format!("r{i}")).expect("region")).collect();
        let mut soc: Vec<f64> = ids.iter().map(|&r| grid.storage_soc_mwh(r).expect("soc")).collect();
        let soc_start = soc.clone();
        let mut failures = Vec::new();
        let groups: Vec<_> = regions
            .iter()
            .enumerate()
            .flat_map(|(i, spec)| (0..spec.plants.len()).map(move |k| format!("r{i}-g{k}")))
            .map(|name| grid.plant_group_id(&name).expect("group"))
            .collect();
        run(&mut grid, &mut agenda, hours(72), |g, t, _| {
            // A group runs within its availability, floor included.
            for &id in &groups {
                let s = g.plant_group_state(id).expect("group");
                if s.generation_mw < -1e-9 || s.generation_mw > s.available_mw * (1.0 + 1e-12) + 1e-9 {
                    failures.push(format!("{t}: {id:?} runs {} of {} available", s.generation_mw, s.available_mw));
                }
            }
            // Each region's imports and exports as the links' flows give
            // them (a link carries power one way; a region's balance books
            // the power sent, losses apart).
            let (mut sent_in, mut sent_out) = (vec![0.0; n], vec![0.0; n]);
            for (a, b, flow, _) in g.link_flows() {
                let (from, to) = if flow >= 0.0 { (a, b) } else { (b, a) };
                let at = |id| ids.iter().position(|&r| r == id).expect("a link's region");
                sent_out[at(from)] += flow.abs();
                sent_in[at(to)] += flow.abs();
            }
            for (i, &r) in ids.iter().enumerate() {
                let b = g.region_balance(r).expect("balance");
                let scale = 1.0 + b.demand_mw + b.generation_mw + b.imports_mw;
                if b.residual_mw().abs() > 1e-9 * scale { failures.push(format!("{t}: r{i} residual {b:?}")); }
                if b.served_mw < -1e-9 || b.served_mw > b.demand_mw + 1e-9 * scale {
                    failures.push(format!("{t}: r{i} served outside [0, demand] {b:?}"));
                }
                if b.charge_mw > 1e-9 && b.discharge_mw > 1e-9 { failures.push(format!("{t}: r{i} charges and discharges")); }
                let power = regions[i].storage.0;
                if b.charge_mw > power * (1.0 + 1e-12) + 1e-9 || b.discharge_mw > power * (1.0 + 1e-12) + 1e-9 {
                    failures.push(format!("{t}: r{i} store moves {} in, {} out, power {power}", b.charge_mw, b.discharge_mw));
                }
                if (b.imports_mw - sent_in[i]).abs() > 1e-9 * scale
                    || (b.exports_mw - sent_out[i]).abs() > 1e-9 * scale
                {
                    failures.push(format!(
                        "{t}: r{i} books imports {} and exports {}, its links carry {} in and {} out",
                        b.imports_mw, b.exports_mw, sent_in[i], sent_out[i]
                    ));
                }
                // Storage: SoC' = SoC + (charge·√η − discharge/√η)·Δt, within [0, E].
                let eta = regions[i].storage.2.sqrt();
                let now = g.storage_soc_mwh(r).expect("soc");
                let expected = soc[i] + (b.charge_mw * eta - b.discharge_mw / eta) * c;
                let cap = regions[i].storage.1;
                if (now - expected).abs() > 1e-6 * (1.0 + cap) || now < -1e-9 || now > cap + 1e-9 {
                    failures.push(format!("{t}: r{i} soc {now} expected {expected} cap {cap}"));
                }
                soc[i] = now;
            }
            for (a, b, flow, cap) in g.link_flows() {
                if flow.abs() > cap * (1.0 + 1e-12) + 1e-9 {
                    failures.push(format!("{t}: link {a:?}-{b:?} carries {flow} over its {cap} MW"));
                }
            }
        });
        // The period's metrics close the same balance, with the store's
        // flows at its terminals, for every region and the nation; and the
        // store's energy moves by what they put in and take out, less the
        // conversion loss each way.
        let mut metrics = std::collections::HashMap::new();
        grid.sample_metrics(hours(72), &mut |metric, entity, value| {
            metrics.insert((metric.to_string(), entity.to_string()), value);
        });
        let entities: Vec<String> = (0..n).map(|i| format!("r{i}")).chain(["national".into()]).collect();
        for (i, e) in entities.iter().enumerate() {
            let m = |name: &str| metrics[&(format!("energy.{name}"), e.clone())];
            let supplied = m("generation_mwh") + m("imports_mwh") + m("storage_discharge_mwh");
            let used = m("served_mwh") + m("exports_mwh") + m("storage_charge_mwh") + m("losses_mwh");
            let scale = 1.0 + m("demand_mwh") + supplied;
            if (supplied - used).abs() > 1e-9 * scale {
                failures.push(format!("{e}: the period supplies {supplied} MWh and uses {used}"));
            }
            if i < n {
                let eta = regions[i].storage.2.sqrt();
                let moved = m("storage_charge_mwh") * eta - m("storage_discharge_mwh") / eta;
                let (start, end) = (soc_start[i], m("storage_soc_mwh"));
                if (end - start - moved).abs() > 1e-6 * (1.0 + regions[i].storage.1 + m("storage_charge_mwh")) {
                    failures.push(format!("{e}: state of charge {start} → {end} MWh, flows move it {moved}"));
                }
            }
        }
        prop_assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

#[test]
fn storage_discharges_on_shortfall_and_charges_on_surplus() {
    // Solar-only region with batteries: charges by day, discharges at night.
    let mut r = common::flat_region("sunny", 100.0);
    r.fleet.push(PlantGroupConfig::typical(
        "sunny-solar",
        Technology::Solar,
        1_000.0,
    ));
    r.storage = StorageConfig::batteries(100.0, 1_000.0);
    r.storage.initial_soc_fraction = 0.0;
    let (mut grid, mut agenda) = started(config(vec![r]), 3);
    let id = grid.region_id("sunny").expect("region");
    let (mut charged, mut discharged) = (0.0, 0.0);
    run(&mut grid, &mut agenda, hours(24 * 10), |g, _, _| {
        let b = g.region_balance(id).expect("balance");
        charged += b.charge_mw;
        discharged += b.discharge_mw;
    });
    assert!(charged > 1_000.0, "charged {charged} MWh");
    assert!(discharged > 500.0, "discharged {discharged} MWh");
    // Over the run, energy out ≤ energy in × round trip.
    assert!(discharged <= charged * 0.85 + 1e-6);
}
