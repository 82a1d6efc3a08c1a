//! Variants, parameter paths and the cross-domain accounting of a whole run.

mod common;
use common::Scratch;
use stack::{RunOptions, Scenario};
use std::path::{Path, PathBuf};

const BASE: &str = r#"
Scenario(
    name: "base",
    start: "2025-01-01",
    horizon_years: 2,
    settings: (install_delay_days: 0),
    regions: [(name: "r", demand_avg_mw: 1000), (name: "s", demand_avg_mw: 500)],
    plants: [
        (name: "r-gas", region: "r", technology: Gas, installed_mw: 2000),
        (name: "s-hydro", region: "s", technology: Hydro, installed_mw: 900, capacity_factor: 0.5),
    ],
    links: [(name: "r-s", from: "r", to: "s", capacity_mw: 200)],
    chips: (packaging_units_per_month: 2000, hbm: (stockpile_stacks: 100000)),
    designs: [
        (name: "gpu", die_area_mm2: 600, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 6, node: "5nm",
         unit_price_usd: 20000),
    ],
    fabs: [
        (name: "fab", region: "r", node: "5nm", capacity_wafers_per_month: 2000, yield_initial: 0.5,
         yield_ceiling: 0.8, yield_learning_wafers: 20000, power_mw: 20, products: [(design: "gpu", share: 1)]),
    ],
    imports: [(name: "gpu-imports", design: "gpu", units_per_month: 500)],
    labs: [
        (name: "open-lab", open_share: 1, budget_usd_per_year: 2e9,
         sites: [(region: "r", connected_mw: 30)], fleet: [(design: "gpu", count: 4000)]),
        (name: "closed-lab", open_share: 0, budget_usd_per_year: 1e9,
         sites: [(region: "s", connected_mw: 20)], fleet: [(design: "gpu", count: 2000)]),
    ],
    uncertain: {"labs.open-lab.mfu": Uniform(low: 0.3, high: 0.4)},
)
"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn dir(name: &str) -> Scratch {
    Scratch::new(&format!("aistack-comp-{name}"))
}

fn scalar(out: &stack::RunOutput, key: &str) -> f64 {
    out.scalar(key).unwrap_or_else(|| panic!("no outcome {key}"))
}

fn national_sum(out: &stack::RunOutput, metric: &str) -> f64 {
    out.series
        .iter()
        .filter(|r| r.metric == metric && r.entity == "national")
        .map(|r| r.value)
        .sum()
}

fn national_last(out: &stack::RunOutput, metric: &str) -> f64 {
    out.series
        .iter()
        .rev()
        .find(|r| r.metric == metric && r.entity == "national")
        .map(|r| r.value)
        .unwrap()
}

#[test]
fn every_delivered_accelerator_is_installed() {
    let d = dir("conserve");
    let s = Scenario::load(&write(&d, "base.ron", BASE)).unwrap();
    let out = stack::run(&s, &RunOptions::default()).unwrap();
    let delivered = scalar(&out, "fab.accelerators_delivered_total");
    assert!(
        delivered > 1000.0,
        "the scenario should deliver chips, got {delivered}"
    );
    assert_eq!(
        national_sum(&out, "fab.accelerators_delivered"),
        delivered,
        "monthly deliveries add up"
    );
    // No retirement within two years and no installation delay: the fleet
    // at the end is the initial fleet plus every delivery.
    let installed = national_last(&out, "training.accelerators_installed");
    assert_eq!(
        installed,
        6000.0 + delivered,
        "chips lost or created between the fabs and the clusters"
    );
}

#[test]
fn a_variant_sets_adds_and_removes_by_name() {
    let d = dir("variant");
    write(&d, "base.ron", BASE);
    let v = write(
        &d,
        "variant.ron",
        r#"Variant(
            base: "base.ron",
            name: "variant",
            set: {"labs.open-lab.mfu": 0.2, "horizon_years": 1, "regions.r.demand_growth_per_year": [("2025-01-01", 0.0), ("2026-01-01", 0.1)]},
            add: [Lab((name: "new-lab", sites: [(region: "s")]))],
            remove: ["labs.closed-lab"],
            uncertain: {"plants.s-hydro.capacity_factor": Triangular(low: 0.4, mode: 0.5, high: 0.6)},
        )"#,
    );
    let s = Scenario::load(&v).unwrap();
    assert_eq!(s.name(), "variant");
    assert_eq!(s.data.horizon_years.get(), 1.0);
    let labs: Vec<&str> = s.data.labs.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(labs, ["open-lab", "new-lab"]);
    assert_eq!(s.data.labs[0].mfu.get(), 0.2);
    let params: Vec<String> = s.parameters().into_iter().map(|p| p.path).collect();
    assert_eq!(
        params,
        ["plants.s-hydro.capacity_factor"],
        "the base's uncertain mfu is fixed by the variant's set, the variant's parameter added"
    );
    assert_eq!(s.files.len(), 2, "both files are part of the scenario's identity");
}

#[test]
fn a_variant_sets_values_that_are_not_numbers() {
    let d = dir("set-any");
    write(&d, "base.ron", BASE);
    let v = write(
        &d,
        "variant.ron",
        r#"Variant(
            base: "base.ron",
            set: {
                "grid.curtailment_order": [Datacenter, Fab, Industry, Household],
                "ecosystem.spillovers": false,
                "labs.open-lab.allow_smaller_runs": false,
                "start": "2026-03-01",
                "labs.closed-lab.sites": [(region: "r", connected_mw: 5)],
            },
        )"#,
    );
    let s = Scenario::load(&v).unwrap();
    let order: Vec<String> = s
        .data
        .grid
        .curtailment_order
        .iter()
        .map(|c| format!("{c:?}"))
        .collect();
    assert_eq!(order, ["Datacenter", "Fab", "Industry", "Household"]);
    assert!(!s.data.ecosystem.spillovers);
    assert!(!s.data.labs[0].allow_smaller_runs);
    assert_eq!(s.data.start.to_string(), "2026-03-01");
    assert_eq!(s.data.labs[1].sites.as_ref().expect("written")[0].region, "r");
    // The edited scenario runs (the change reaches the model, not only the data).
    let out = stack::run(&s, &RunOptions::default()).unwrap();
    assert!(out.events > 0);
}

#[test]
fn a_set_value_of_the_wrong_type_is_reported_at_its_entry() {
    let d = dir("set-wrong");
    write(&d, "base.ron", BASE);
    for (set, want) in [
        (
            "\"grid.curtailment_order\": [Datacentre]",
            "unknown variant `Datacentre`",
        ),
        ("\"ecosystem.spillovers\": 3", "expected a boolean"),
        ("\"labs.open-lab\": 3", "names a whole entity"),
        ("\"labs\": []", "names a whole entity or list"),
        ("\"labs.open-lab.name\": \"x\"", "entity's name"),
        ("\"labs.open-lab.mfu\": true", "does not fit `labs.open-lab.mfu`"),
    ] {
        let text = format!("Variant(\n    base: \"base.ron\",\n    set: {{{set}}},\n)");
        let v = write(&d, "variant.ron", &text);
        let e = Scenario::load(&v).unwrap_err().to_string();
        assert!(e.contains(want), "{set}: {e}");
        assert!(
            e.contains("variant.ron:3:"),
            "{set}: the error points at the entry: {e}"
        );
        assert!(e.contains("set."), "{set}: {e}");
    }
}

#[test]
fn removing_an_entity_drops_its_uncertain_parameters_and_correlations() {
    let d = dir("remove-uncertain");
    let base = BASE.replace(
        r#"uncertain: {"labs.open-lab.mfu": Uniform(low: 0.3, high: 0.4)},"#,
        r#"uncertain: {"labs.open-lab.mfu": Uniform(low: 0.3, high: 0.4),
                   "labs.closed-lab.mfu": Uniform(low: 0.3, high: 0.4)},
        correlations: [(a: "labs.open-lab.mfu", b: "labs.closed-lab.mfu", rho: 0.5)],"#,
    );
    write(&d, "base.ron", &base);
    let v = write(
        &d,
        "variant.ron",
        r#"Variant(base: "base.ron", remove: ["labs.closed-lab"])"#,
    );
    let s = Scenario::load(&v).unwrap();
    let params: Vec<String> = s.parameters().into_iter().map(|p| p.path).collect();
    assert_eq!(params, ["labs.open-lab.mfu"]);
    assert!(s.data.correlations.is_empty());
    // A variant that names the removed entity's parameter itself is still refused.
    let v = write(
        &d,
        "variant2.ron",
        r#"Variant(base: "base.ron", remove: ["labs.closed-lab"],
                   uncertain: {"labs.closed-lab.mfu": Uniform(low: 0.3, high: 0.4)})"#,
    );
    let e = Scenario::load(&v).unwrap_err().to_string();
    assert!(e.contains("closed-lab"), "{e}");
}

#[test]
fn parameter_values_reach_the_model_and_draws_are_per_parameter() {
    let d = dir("params");
    let s = Scenario::load(&write(&d, "base.ron", BASE)).unwrap();
    let data = s.with_values(&[0.31]).unwrap();
    assert_eq!(data.labs[0].mfu.get(), 0.31);
    assert!(s.with_values(&[1.5]).is_err(), "an MFU above 1 must be refused");
    // The same seed draws the same values; the draw lies in the distribution's support.
    let a = s.draw_values(9);
    assert_eq!(a, s.draw_values(9));
    assert!((0.3..0.4).contains(&a[0]));
    // A run with given values records them.
    let out = stack::run(
        &s,
        &RunOptions {
            seed: Some(1),
            param_values: Some(vec![0.35]),
            trace: false,
            dispatch_window: None,
        },
    )
    .unwrap();
    assert_eq!(out.params, vec![("labs.open-lab.mfu".to_string(), 0.35)]);
}

/// A plant group's must-run share is a number like any other: a batch can
/// make it uncertain, and a drawn value is checked against [0, 1].
#[test]
fn a_must_run_share_can_be_uncertain() {
    let d = dir("must-run");
    write(&d, "base.ron", BASE);
    let v = write(
        &d,
        "variant.ron",
        r#"Variant(base: "base.ron", set: {"labs.open-lab.mfu": 0.35},
                   uncertain: {"plants.r-gas.must_run_fraction": Uniform(low: 0.2, high: 0.6)})"#,
    );
    let s = Scenario::load(&v).unwrap();
    let params: Vec<String> = s.parameters().into_iter().map(|p| p.path).collect();
    assert_eq!(params, ["plants.r-gas.must_run_fraction"]);
    let data = s.with_values(&[0.4]).unwrap();
    assert_eq!(data.plants[0].must_run_fraction.map(|f| f.get()), Some(0.4));
    assert!(
        s.with_values(&[1.5]).is_err(),
        "a must-run share above 1 must be refused"
    );
    let drawn = s.draw_values(3)[0];
    assert!((0.2..0.6).contains(&drawn), "{drawn}");
}

#[test]
fn the_embedded_default_loads_and_names_its_parameters() {
    let s = Scenario::embedded_default().unwrap();
    assert_eq!(s.name(), "china-2025");
    assert!(
        s.parameters().len() >= 5,
        "the baseline should carry its uncertain parameters"
    );
}

/// A fab's `power_mw` is stated at its written capacity: a drawn capacity
/// scales it, so the MW per wafer start are the scenario's (s8 item 6;
/// before, the fab drew the written power at any drawn capacity, i.e. its
/// intensity was power ÷ drawn capacity).
#[test]
fn a_drawn_fab_capacity_scales_its_power() {
    let text = BASE.replace(
        "uncertain: {",
        "uncertain: {\"fabs.fab.capacity_wafers_per_month\": Uniform(low: 1000, high: 3000), ",
    );
    let s = Scenario::from_text(Path::new("fab-power.ron"), &text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.parameters()[0].path, "fabs.fab.capacity_wafers_per_month");
    // Written: 2,000 wafers/month at 20 MW, 0.01 MW per wafer/month.
    for (drawn, mw) in [(2500.0, 25.0), (1000.0, 10.0), (2000.0, 20.0)] {
        let data = s.with_values(&[drawn, 0.35]).unwrap();
        assert_eq!(data.fabs[0].capacity_wafers_per_month.get(), drawn);
        assert!(
            (data.fabs[0].power_mw.get() - mw).abs() < 1e-9,
            "{drawn}: {}",
            data.fabs[0].power_mw
        );
        // What the fab asks of the grid, running at full starts from the start.
        let out = stack::run(
            &s,
            &RunOptions {
                param_values: Some(vec![drawn, 0.35]),
                ..RunOptions::default()
            },
        )
        .unwrap();
        let most = out
            .series
            .iter()
            .filter(|x| x.metric == "fab.power_mw" && x.entity == "fab")
            .map(|x| x.value)
            .fold(0.0, f64::max);
        assert!((most - mw).abs() < 1e-6 * mw, "{drawn}: {most} MW");
    }
    // A capacity whose upper tail would take the fab past 10,000 MW is
    // refused at load, naming the parameter.
    let big = text.replace("power_mw: 20,", "power_mw: 9000,");
    let e = Scenario::from_text(Path::new("fab-power.ron"), &big)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("fabs.fab.capacity_wafers_per_month")
            && e.contains("the fab's power scales with its drawn capacity"),
        "{e}"
    );
}

/// A variant's `set` of a fab's capacity scales its power as a drawn
/// capacity does, so the MW per wafer start are the base's whichever way
/// the capacity was changed; a `set` of the power too states the power at
/// the set capacity; a scaled power past 10,000 MW is refused at the `set`
/// entry (audit s19-chips, finding 3: a `set` kept the written power).
#[test]
fn a_set_fab_capacity_scales_its_power_as_a_drawn_one_does() {
    let d = dir("set-fab-power");
    write(&d, "base.ron", BASE);
    let variant = |name: &str, set: &str| {
        let v = write(&d, name, &format!("Variant(base: \"base.ron\", set: {{{set}}})"));
        Scenario::load(&v)
    };
    // Written: 2,000 wafers/month at 20 MW.
    let set = variant("set.ron", r#""fabs.fab.capacity_wafers_per_month": 3000"#).unwrap();
    assert_eq!(set.data.fabs[0].capacity_wafers_per_month.get(), 3000.0);
    assert!(
        (set.data.fabs[0].power_mw.get() - 30.0).abs() < 1e-9,
        "{}",
        set.data.fabs[0].power_mw
    );
    // The same capacity drawn: the same power.
    let drawn = BASE.replace(
        "uncertain: {",
        "uncertain: {\"fabs.fab.capacity_wafers_per_month\": Uniform(low: 1000, high: 3000), ",
    );
    let s = Scenario::from_text(Path::new("fab-power.ron"), &drawn).unwrap();
    let data = s.with_values(&[3000.0, 0.35]).unwrap();
    assert_eq!(data.fabs[0].power_mw.get(), set.data.fabs[0].power_mw.get());
    // Both set: the power is the one set.
    let both = variant(
        "both.ron",
        r#""fabs.fab.capacity_wafers_per_month": 3000, "fabs.fab.power_mw": 25"#,
    )
    .unwrap();
    assert_eq!(both.data.fabs[0].power_mw.get(), 25.0);
    // A set capacity that takes the fab past 10,000 MW.
    let e = variant("big.ron", r#""fabs.fab.capacity_wafers_per_month": 2000000"#)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("set.fabs.fab.capacity_wafers_per_month")
            && e.contains("the fab's power scales with its set capacity"),
        "{e}"
    );
    // A capacity set to none keeps the written power (a fab with no
    // capacity states no intensity and draws that power at its nameplate,
    // so its expansions still draw): scaled, it would be 0 MW.
    let zero = variant("zero.ron", r#""fabs.fab.capacity_wafers_per_month": 0"#).unwrap();
    assert_eq!(zero.data.fabs[0].power_mw.get(), 20.0);
    // A fab this file adds (here replacing the base's: 4,000 wafers/month at
    // 40 MW) is judged by what this file writes, not by the base's fab.
    let added = write(
        &d,
        "added.ron",
        r#"Variant(base: "base.ron",
    add: [Fab((name: "fab", region: "r", node: "5nm", capacity_wafers_per_month: 4000, yield_initial: 0.5,
         yield_ceiling: 0.8, yield_learning_wafers: 20000, power_mw: 40, products: [(design: "gpu", share: 1)]))],
    set: {"fabs.fab.capacity_wafers_per_month": 8000})"#,
    );
    let added = Scenario::load(&added).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        (added.data.fabs[0].power_mw.get() - 80.0).abs() < 1e-9,
        "{}",
        added.data.fabs[0].power_mw
    );
}

/// A variant whose `base:` includes itself, a cycle of two, a base that is
/// a directory and one that is not UTF-8 text: each is told at the
/// `base:` of the file that named it, with its line and column (these once
/// named only a file, without place, and for an unreadable base not even
/// the variant that named it: s17 audit #9).
#[test]
fn a_bad_base_is_told_at_the_base_field_that_names_it() {
    let d = dir("bad-base");
    let self_ = write(&d, "self.ron", "// one\nVariant(base: \"self.ron\")");
    let e = Scenario::load(&self_).unwrap_err().to_string();
    assert!(
        e.contains("self.ron:2:15: field `base`") && e.contains("include each other"),
        "{e}"
    );
    write(&d, "a.ron", "Variant(\n  base: \"b.ron\")");
    let b = write(&d, "b.ron", "Variant(base: \"a.ron\")");
    let e = Scenario::load(&b).unwrap_err().to_string();
    assert!(
        e.contains("a.ron:2:9: field `base`") && e.contains("include each other"),
        "{e}"
    );
    let in_dir = write(&d, "dir.ron", "Variant(base: \".\")");
    let e = Scenario::load(&in_dir).unwrap_err().to_string();
    assert!(
        e.contains("dir.ron:1:15: field `base`") && e.contains("cannot read"),
        "{e}"
    );
    std::fs::write(d.join("binary.ron"), [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let bin = write(&d, "bin.ron", "Variant(base: \"binary.ron\")");
    let e = Scenario::load(&bin).unwrap_err().to_string();
    assert!(
        e.contains("bin.ron:1:15: field `base`") && e.contains("not UTF-8"),
        "{e}"
    );
}

/// Audit s30-modeler: a chain of variants past the depth limit is told at
/// the `base:` of the last file the limit admits, with its line and column
/// (it was told at the base scenario, which holds no `base:`, without a
/// place); the longest chain the limit admits loads.
#[test]
fn a_chain_too_deep_is_told_at_the_base_that_passes_the_limit() {
    let limit = stack::load::MAX_BASE_DEPTH;
    let d = dir("too-deep");
    write(&d, "v0.ron", BASE);
    for i in 1..=limit {
        write(
            &d,
            &format!("v{i}.ron"),
            &format!(
                "// variant {i}\nVariant(base: \"v{}.ron\", name: \"v{i}\")",
                i - 1
            ),
        );
    }
    // v(limit-1) is a chain of `limit` files: it loads.
    let ok = d.join(format!("v{}.ron", limit - 1));
    Scenario::load(&ok).unwrap_or_else(|e| panic!("{e}"));
    // v(limit) is one file more: refused at the `base:` of v1, the file
    // that would read one more base (v0).
    let e = Scenario::load(&d.join(format!("v{limit}.ron"))).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("v1.ron:2:15: field `base`"), "{text}");
    assert!(
        text.contains(&format!("more than {limit} nested `base:` files")),
        "{text}"
    );
}

/// Audit s30-modeler: a scenario file that is not UTF-8 is told at the line
/// and column of its first byte that is not (it was told without a place),
/// also when it is a variant's base.
#[test]
fn a_file_that_is_not_utf8_is_told_at_its_first_bad_byte() {
    let d = dir("not-utf8");
    let f = d.join("latin1.ron");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        &f,
        b"// caf\xc3\xa9\nScenario(name: \"s\", description: \"na\xefve\")",
    )
    .unwrap();
    let e = Scenario::load(&f).unwrap_err();
    assert_eq!((e.line, e.column), (Some(2), Some(37)), "{e}");
    assert!(e.to_string().contains("byte 0xef"), "{e}");
    let v = write(&d, "v.ron", "Variant(base: \"latin1.ron\")");
    let e = Scenario::load(&v).unwrap_err().to_string();
    assert!(
        e.contains("v.ron:1:15: field `base`") && e.contains("latin1.ron`:2:37:"),
        "{e}"
    );
}

/// Audit s23-repro F10: every `set` path a variant cannot apply is
/// reported at once (the first as the error, the others in its hint, each
/// with its line and column), not one per run.
#[test]
fn every_bad_set_path_is_reported() {
    let d = dir("bad-sets");
    write(&d, "base.ron", BASE);
    let v = write(
        &d,
        "v.ron",
        "Variant(base: \"base.ron\",\n  set: {\"horizon_year\": 1,\n    \"grid.dispatch_interval_hour\": 24})\n",
    );
    let e = Scenario::load(&v).unwrap_err();
    let text = e.to_string();
    assert_eq!(e.path, "set.grid.dispatch_interval_hour", "{text}");
    assert!(
        text.contains("this `set` has 1 more path(s) it cannot apply: `set.horizon_year` (2:9)"),
        "{text}"
    );
}

/// Audit s23-repro F10: an unknown field with no near name lists the
/// fields once, in the message, not again in a hint.
#[test]
fn an_unknown_field_lists_the_fields_once() {
    let d = dir("unknown-field");
    let text = BASE.replacen(
        "    name: \"base\",",
        "    name: \"base\",\n    format_version: 1,",
        1,
    );
    let f = write(&d, "s.ron", &text);
    let e = Scenario::load(&f).unwrap_err();
    let shown = e.to_string();
    assert!(
        shown.contains("format_version") && shown.contains("`horizon_years`"),
        "{shown}"
    );
    assert_eq!(shown.matches("horizon_years").count(), 1, "{shown}");
}

/// A drawn `horizon_years` is the horizon the run covers, and the one its
/// summary states (review s30-modeler: summary.json and the headline gave
/// the file's value, so `explain` refused a whole run drawn shorter as cut
/// short).
#[test]
fn a_drawn_horizon_is_the_one_the_summary_states() {
    let d = dir("drawn-horizon");
    let text = BASE.replacen(
        r#"uncertain: {"labs.open-lab.mfu": Uniform(low: 0.3, high: 0.4)},"#,
        r#"uncertain: {"horizon_years": Discrete(values: [1.5], weights: [1])},"#,
        1,
    );
    let s = Scenario::load(&write(&d, "s.ron", &text)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.data.horizon_years.get(), 2.0);
    let out = stack::run(&s, &RunOptions::default()).unwrap();
    let last = out.series.instants().last().map(|(t, _)| *t).unwrap();
    assert!((last - 2026.5).abs() < 0.01, "the run ends at {last}");
    let json = stack::report::summary_json(&s, &out);
    assert_eq!(json["horizon_years"], 1.5, "{}", json["horizon_years"]);
    let text = stack::report::summary_text(&s, &out);
    assert!(text.starts_with("base — 1.5 years from 2025-01-01"), "{text}");
}
