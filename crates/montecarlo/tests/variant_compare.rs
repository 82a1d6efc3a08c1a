//! `compare` of a base and a variant that `set`s a parameter the base draws
//! (s8 audit, finding 1): the variant runs at the set value, so compare
//! shows its effect, and the parameters both draw keep common random numbers.

mod common;
use common::Scratch;
use montecarlo::{BatchOptions, CompareOptions, Design, NoProgress, ScenarioModel, compare};
use stack::Scenario;

const BASE: &str = r#"
Scenario(
    name: "base",
    start: "2025-01-01",
    horizon_years: 2,
    settings: (install_delay_days: 0),
    regions: [(name: "r", demand_avg_mw: 1000)],
    plants: [(name: "r-gas", region: "r", technology: Gas, installed_mw: 3000)],
    designs: [
        (name: "gpu", die_area_mm2: 600, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 6, node: "5nm",
         unit_price_usd: 20000),
    ],
    labs: [
        (name: "lab", budget_usd_per_year: 2e9, sites: [(region: "r", connected_mw: 30)],
         fleet: [(design: "gpu", count: 4000)]),
    ],
    uncertain: {
        "labs.lab.mfu": Uniform(low: 0.3, high: 0.4),
        "regions.r.demand_avg_mw": Uniform(low: 900, high: 1100),
    },
)
"#;

const VARIANT: &str = r#"Variant(base: "base.ron", name: "fast", set: {"labs.lab.mfu": 0.45})"#;

fn tmp(name: &str) -> Scratch {
    Scratch::new(&format!("mc-varcmp-{name}"))
}

#[test]
fn compare_shows_the_effect_of_setting_a_parameter_the_base_draws() {
    let d = tmp("files");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("base.ron"), BASE).unwrap();
    std::fs::write(d.join("fast.ron"), VARIANT).unwrap();
    let a = ScenarioModel::new(Scenario::load(&d.join("base.ron")).unwrap());
    let b = ScenarioModel::new(Scenario::load(&d.join("fast.ron")).unwrap());
    for design in [Design::Mc, Design::Lhs] {
        let out = tmp(&format!("out-{design}"));
        let mut batch = BatchOptions::new(&out, 4, 7);
        batch.threads = Some(1);
        batch.durable = false;
        batch.design = design;
        let report = compare(
            &a,
            &b,
            &CompareOptions {
                out: out.to_path_buf(),
                batch,
            },
            &NoProgress,
        )
        .unwrap();
        let (ta, tb) = (&report.a.table, &report.b.table);
        // The set parameter is no column of the variant's runs.csv…
        assert_eq!(ta.param_names, ["labs.lab.mfu", "regions.r.demand_avg_mw"]);
        assert_eq!(tb.param_names, ["regions.r.demand_avg_mw"]);
        // …and the other parameter's draws are the base's, bit for bit.
        let bits = |v: Vec<f64>| v.into_iter().map(f64::to_bits).collect::<Vec<_>>();
        assert_eq!(
            bits(ta.param("regions.r.demand_avg_mw").unwrap()),
            bits(tb.param("regions.r.demand_avg_mw").unwrap()),
            "{design}"
        );
        assert_eq!(ta.seeds, tb.seeds);
        // The largest run is larger in every run at an MFU of 0.45 than at
        // the base's draws in [0.3, 0.4): the difference and its interval are
        // above zero (before, every difference was exactly 0).
        let flop = report
            .differences
            .iter()
            .find(|d| d.outcome == "training.largest_run_flop")
            .expect("largest run outcome");
        assert!(flop.mean_diff > 0.0, "{design}: {flop:?}");
        assert!(flop.ci95_low > 0.0, "{design}: {flop:?}");
        let _ = std::fs::remove_dir_all(&out);
    }
}
