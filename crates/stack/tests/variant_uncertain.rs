//! What a variant's `set` does to the base's uncertain parameters, and which
//! fields can be made uncertain: paths over dates (only scaled, never
//! replaced) and whole-number fields (only whole draws).

mod common;
use common::Scratch;
use stack::Scenario;
use std::path::Path;

const BASE: &str = r#"
Scenario(
    name: "base",
    start: "2025-01-01",
    horizon_years: 2,
    settings: (install_delay_days: 0),
    regions: [(name: "r", demand_avg_mw: 1000)],
    plants: [(name: "r-gas", region: "r", technology: Gas, installed_mw: 3000)],
    chips: (packaging_units_per_month: 2000, hbm: (stockpile_stacks: 100000)),
    designs: [
        (name: "gpu", die_area_mm2: 600, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 6, node: "5nm",
         unit_price_usd: 20000),
    ],
    fabs: [
        (name: "fab", region: "r", node: "5nm", capacity_wafers_per_month: 2000, yield_initial: 0.5,
         yield_ceiling: 0.8, yield_learning_wafers: 20000, power_mw: 20, products: [(design: "gpu", share: 1)]),
    ],
    labs: [
        (name: "lab", release_cadence_months: Exp(mean: 6),
         budget_usd_per_year: [("2025-01-01", 2e9), ("2026-01-01", 5e9), ("2027-01-01", 6e9)],
         sites: [(region: "r", connected_mw: 30)], fleet: [(design: "gpu", count: 4000)]),
    ],
    uncertain: {
        "labs.lab.mfu": Uniform(low: 0.3, high: 0.4),
        "labs.lab.release_cadence_months.mean": Uniform(low: 4, high: 8),
        "fabs.fab.yield_ceiling": Uniform(low: 0.7, high: 0.9),
    },
    correlations: [(a: "labs.lab.mfu", b: "fabs.fab.yield_ceiling", rho: 0.5)],
)
"#;

fn dir(name: &str) -> Scratch {
    let d = Scratch::new(&format!("aistack-varunc-{name}"));
    std::fs::create_dir_all(&*d).unwrap();
    std::fs::write(d.join("base.ron"), BASE).unwrap();
    d
}

fn load(name: &str, variant: &str) -> Result<Scenario, String> {
    let d = dir(name);
    let p = d.join("variant.ron");
    std::fs::write(&p, variant).unwrap();
    Scenario::load(&p).map_err(|e| e.to_string())
}

fn paths(s: &Scenario) -> Vec<String> {
    s.parameters().into_iter().map(|p| p.path).collect()
}

/// Finding 1 of the s8 audit: a variant's `set` of a path the base declares
/// uncertain was overwritten by the base's draw in every run (so `compare`
/// saw no effect). Now the set fixes it: the path is no longer a parameter
/// of the variant, every run uses the set value, and the other parameters
/// draw exactly what they draw in the base (their streams are keyed by path).
#[test]
fn a_set_fixes_a_parameter_the_base_draws() {
    let base = Scenario::from_text(Path::new("base.ron"), BASE).unwrap();
    let v = load(
        "set",
        r#"Variant(base: "base.ron", name: "v", set: {"labs.lab.mfu": 0.45})"#,
    )
    .unwrap();
    assert_eq!(
        paths(&v),
        ["fabs.fab.yield_ceiling", "labs.lab.release_cadence_months.mean"],
        "the set path is no longer uncertain"
    );
    // Its correlation went with it (it named a parameter no longer drawn).
    assert!(v.data.correlations.is_empty(), "{:?}", v.data.correlations);
    for seed in 0..20 {
        let data = v.with_values(&v.draw_values(seed)).unwrap();
        assert_eq!(data.labs[0].mfu.get(), 0.45, "seed {seed}");
        // The others' draws are bit for bit the base's.
        let (b, w) = (base.draw_values(seed), v.draw_values(seed));
        assert_eq!(b[0].to_bits(), w[0].to_bits(), "seed {seed}: yield ceiling");
        assert_eq!(b[2].to_bits(), w[1].to_bits(), "seed {seed}: cadence mean");
        // …and the base does draw the mfu.
        assert_ne!(base.with_values(&b).unwrap().labs[0].mfu.get(), 0.45);
    }
    // A run reports the parameters it drew, without the fixed one.
    let out = stack::run(&v, &stack::RunOptions::default()).unwrap();
    let names: Vec<&str> = out.params.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        names,
        ["fabs.fab.yield_ceiling", "labs.lab.release_cadence_months.mean"]
    );
}

/// A set of a field fixes the uncertain parameters below it: a lab's
/// release cadence set to a new distribution drops the base's uncertain
/// mean of the old one; a sibling path is kept.
#[test]
fn a_set_fixes_the_parameters_below_it() {
    let v = load(
        "below",
        r#"Variant(base: "base.ron", name: "v",
            set: {"labs.lab.release_cadence_months": Exp(mean: 3)})"#,
    )
    .unwrap();
    assert_eq!(paths(&v), ["fabs.fab.yield_ceiling", "labs.lab.mfu"]);
}

/// A variant may set a path and make a path below it uncertain (a new
/// distribution with an uncertain parameter), but not set and draw the same
/// path: that is refused at the `set` entry.
#[test]
fn set_and_uncertain_on_one_path_in_one_file_is_refused() {
    let e = load(
        "both",
        "Variant(\n  base: \"base.ron\",\n  name: \"v\",\n  set: {\"labs.lab.mfu\": 0.45},\n  \
         uncertain: {\"labs.lab.mfu\": Uniform(low: 0.4, high: 0.5)},\n)",
    )
    .unwrap_err();
    assert!(e.contains("variant.ron:4:9"), "{e}");
    assert!(e.contains("uncertain.labs.lab.mfu"), "{e}");
    assert!(e.contains("both set and made uncertain"), "{e}");
    let v = load(
        "newdist",
        r#"Variant(base: "base.ron", name: "v",
            set: {"labs.lab.release_cadence_months": Exp(mean: 3)},
            uncertain: {"labs.lab.release_cadence_months.mean": Uniform(low: 2, high: 4)})"#,
    )
    .unwrap();
    assert_eq!(
        paths(&v),
        [
            "fabs.fab.yield_ceiling",
            "labs.lab.mfu",
            "labs.lab.release_cadence_months.mean"
        ]
    );
    let data = v.with_values(&[0.8, 0.35, 2.5]).unwrap();
    assert_eq!(
        data.labs[0].release_cadence_months,
        scheduler::Dist::Exp { mean: 2.5 }
    );
}

/// Finding 2 of the s8 audit: a field written as a path over dates, made
/// uncertain, became one flat drawn number (and the load said ok). Now it is
/// refused at the `uncertain` entry, with the way to scale it.
#[test]
fn an_uncertain_path_over_dates_is_refused_not_flattened() {
    let e = load(
        "flat",
        "Variant(\n  base: \"base.ron\",\n  name: \"v\",\n  \
         uncertain: {\"labs.lab.budget_usd_per_year\": Uniform(low: 1e9, high: 3e9)},\n)",
    )
    .unwrap_err();
    assert!(e.contains("variant.ron:4:15"), "{e}");
    assert!(e.contains("uncertain.labs.lab.budget_usd_per_year"), "{e}");
    assert!(e.contains("path over dates"), "{e}");
    assert!(e.contains("labs.lab.budget_usd_per_year.scale"), "{e}");
}

/// `field.scale` on a path over dates draws a factor that multiplies every
/// point: the path keeps its dates and its shape.
#[test]
fn a_scale_multiplies_every_point_of_a_path() {
    let v = load(
        "scale",
        r#"Variant(base: "base.ron", name: "v",
            uncertain: {"labs.lab.budget_usd_per_year.scale": Uniform(low: 0.5, high: 1.5)})"#,
    )
    .unwrap();
    assert_eq!(
        paths(&v),
        [
            "fabs.fab.yield_ceiling",
            "labs.lab.budget_usd_per_year.scale",
            "labs.lab.mfu",
            "labs.lab.release_cadence_months.mean"
        ]
    );
    let data = v.with_values(&[0.8, 1.5, 0.35, 6.0]).unwrap();
    let written = &v.data.labs[0].budget_usd_per_year;
    let drawn = &data.labs[0].budget_usd_per_year;
    let stack::series::Series::Path {
        points: w,
        interp: wi,
    } = written
    else {
        panic!("{written:?}")
    };
    let stack::series::Series::Path {
        points: d,
        interp: di,
    } = drawn
    else {
        panic!("the scaled path is no longer a path: {drawn:?}")
    };
    assert_eq!(wi, di);
    assert_eq!(w.len(), d.len());
    for ((wd, wv), (dd, dv)) in w.iter().zip(d) {
        assert_eq!(wd, dd);
        assert_eq!(*dv, wv * 1.5);
    }
    // A factor that would take a point out of its field's range is refused at
    // load, naming the parameter.
    let e = load(
        "scale-neg",
        r#"Variant(base: "base.ron", name: "v",
            uncertain: {"labs.lab.budget_usd_per_year.scale": Uniform(low: -1, high: 1)})"#,
    )
    .unwrap_err();
    assert!(e.contains("uncertain.labs.lab.budget_usd_per_year.scale"), "{e}");
    // `.scale` of a number is not a path: refused, not a silent multiply.
    let e = load(
        "scale-num",
        r#"Variant(base: "base.ron", name: "v", uncertain: {"labs.lab.mfu.scale": Uniform(low: 1, high: 2)})"#,
    )
    .unwrap_err();
    assert!(e.contains("`.scale` applies only to a path over dates"), "{e}");
    // A Weibull's own `scale` is still its parameter.
    let v = load(
        "weibull",
        r#"Variant(base: "base.ron", name: "v",
            set: {"labs.lab.release_cadence_months": Weibull(scale: 6, shape: 2)},
            uncertain: {"labs.lab.release_cadence_months.scale": Uniform(low: 4, high: 8)})"#,
    )
    .unwrap();
    let data = v.with_values(&[0.8, 0.35, 5.0]).unwrap();
    assert_eq!(
        data.labs[0].release_cadence_months,
        scheduler::Dist::Weibull {
            scale: 5.0,
            shape: 2.0
        }
    );
}

/// Finding 7: a whole-number field made uncertain with a continuous
/// distribution was refused as "invalid type: floating point 5.0, expected
/// u32" at the base's field. It is now refused at the `uncertain` entry with
/// what to write instead, and a distribution of whole numbers works.
#[test]
fn whole_number_fields_take_whole_draws() {
    let e = load(
        "int",
        "Variant(\n  base: \"base.ron\",\n  name: \"v\",\n  \
         uncertain: {\"designs.gpu.hbm_stacks\": Uniform(low: 4, high: 6)},\n)",
    )
    .unwrap_err();
    assert!(e.contains("variant.ron:4:15"), "{e}");
    assert!(e.contains("whole-number field"), "{e}");
    assert!(e.contains("Uniform draws fractions"), "{e}");
    assert!(e.contains("Discrete"), "{e}");
    let v = load(
        "int-ok",
        r#"Variant(base: "base.ron", name: "v",
            uncertain: {"designs.gpu.hbm_stacks": Discrete(values: [4, 5, 6], weights: [1, 2, 1])})"#,
    )
    .unwrap();
    assert_eq!(paths(&v)[0], "designs.gpu.hbm_stacks");
    let data = v.with_values(&[5.0, 0.8, 0.35, 6.0]).unwrap();
    assert_eq!(data.designs[0].hbm_stacks, 5);
    for seed in 0..10 {
        let x = v.with_values(&v.draw_values(seed)).unwrap().designs[0].hbm_stacks;
        assert!((4..=6).contains(&x), "{x}");
    }
    // A fraction given for it (e.g. by a design file) is refused, not rounded.
    let e = v.with_values(&[5.5, 0.8, 0.35, 6.0]).unwrap_err().to_string();
    assert!(e.contains("whole-number field and cannot take 5.5"), "{e}");
}

/// The lab of BASE written out again by a variant's `add`, at an MFU of
/// 0.45 and a cadence of Exp(mean: 6) months (the base draws that mean).
const REPLACED_LAB: &str = r#"Lab((name: "lab", mfu: 0.45, release_cadence_months: Exp(mean: 6),
         budget_usd_per_year: [("2025-01-01", 2e9), ("2026-01-01", 5e9), ("2027-01-01", 6e9)],
         sites: [(region: "r", connected_mw: 30)], fleet: [(design: "gpu", count: 4000)]))"#;

/// Left over from s8: an `add` that replaces a base entity kept the base's
/// uncertain parameters for that name, so the base's draws overrode the
/// values the variant wrote (MFU 0.45 ran at the base's [0.3, 0.4) draws).
/// Now a replaced entity is fixed as written, like a `set`: its base
/// parameters and their correlations are dropped, and the other parameters
/// draw exactly what they draw in the base.
#[test]
fn an_added_entity_that_replaces_the_base_s_is_not_drawn_by_the_base() {
    let base = Scenario::from_text(Path::new("base.ron"), BASE).unwrap();
    let v = load(
        "add",
        &format!(r#"Variant(base: "base.ron", name: "v", add: [{REPLACED_LAB}])"#),
    )
    .unwrap();
    assert_eq!(
        paths(&v),
        ["fabs.fab.yield_ceiling"],
        "the lab's draws are dropped"
    );
    assert!(v.data.correlations.is_empty(), "{:?}", v.data.correlations);
    for seed in 0..20 {
        let data = v.with_values(&v.draw_values(seed)).unwrap();
        assert_eq!(data.labs[0].mfu.get(), 0.45, "seed {seed}");
        let (b, w) = (base.draw_values(seed), v.draw_values(seed));
        assert_eq!(b[0].to_bits(), w[0].to_bits(), "seed {seed}: yield ceiling");
    }
    let out = stack::run(&v, &stack::RunOptions::default()).unwrap();
    let names: Vec<&str> = out.params.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, ["fabs.fab.yield_ceiling"]);

    // The variant may draw the new entity's fields itself, and correlate them.
    let v = load(
        "add-own",
        &format!(
            r#"Variant(base: "base.ron", name: "v", add: [{REPLACED_LAB}],
                uncertain: {{"labs.lab.mfu": Uniform(low: 0.44, high: 0.46)}},
                correlations: [(a: "labs.lab.mfu", b: "fabs.fab.yield_ceiling", rho: 0.3)])"#
        ),
    )
    .unwrap();
    assert_eq!(paths(&v), ["fabs.fab.yield_ceiling", "labs.lab.mfu"]);
    assert_eq!(v.data.correlations.len(), 1);

    // An added entity with a new name replaces nothing: the base's draws stay.
    let v = load(
        "add-new",
        &format!(
            r#"Variant(base: "base.ron", name: "v", add: [{}])"#,
            REPLACED_LAB.replace("name: \"lab\"", "name: \"lab2\"")
        ),
    )
    .unwrap();
    assert_eq!(paths(&v), paths(&base));
    assert_eq!(v.data.correlations.len(), 1);
}

/// A variant's own correlation naming a path it stopped drawing (by `set`,
/// by replacing the entity with `add`, or by `remove`) says why, at the
/// correlation's line, instead of the generic "not an uncertain parameter".
#[test]
fn a_correlation_of_a_path_the_variant_fixed_says_why() {
    let e = load(
        "corr-set",
        "Variant(\n  base: \"base.ron\",\n  name: \"v\",\n  set: {\"labs.lab.mfu\": 0.45},\n  \
         correlations: [(a: \"fabs.fab.yield_ceiling\", b: \"labs.lab.mfu\", rho: 0.3)],\n)",
    )
    .unwrap_err();
    assert!(e.contains("variant.ron:5:51"), "{e}");
    assert!(e.contains("correlations[0]"), "{e}");
    assert!(e.contains("drawn in the base but not in this variant"), "{e}");
    assert!(
        e.contains("its `set` of `labs.lab.mfu` fixes it in every run"),
        "{e}"
    );
    assert!(!e.contains("is not an uncertain parameter"), "{e}");

    let e = load(
        "corr-below",
        "Variant(base: \"base.ron\", name: \"v\", set: {\"labs.lab.release_cadence_months\": 3},\n  \
         correlations: [(a: \"labs.lab.release_cadence_months.mean\", b: \"labs.lab.mfu\", rho: 0.3)])",
    )
    .unwrap_err();
    assert!(
        e.contains("its `set` of `labs.lab.release_cadence_months` fixes it in every run"),
        "{e}"
    );

    let e = load(
        "corr-add",
        &format!(
            r#"Variant(base: "base.ron", name: "v", add: [{REPLACED_LAB}],
                correlations: [(a: "labs.lab.mfu", b: "fabs.fab.yield_ceiling", rho: 0.3)])"#
        ),
    )
    .unwrap_err();
    assert!(
        e.contains("its `add` of `labs.lab` replaced the base's entity"),
        "{e}"
    );
    assert!(e.contains("hint: drop this correlation"), "{e}");

    // A path the base never drew keeps the generic message.
    let e = load(
        "corr-never",
        r#"Variant(base: "base.ron", name: "v",
            correlations: [(a: "labs.lab.peak_mw", b: "labs.lab.mfu", rho: 0.3)])"#,
    )
    .unwrap_err();
    assert!(e.contains("is not an uncertain parameter"), "{e}");
}

/// s10 item 3: messages name a distribution by `Dist::name`, the name a
/// scenario file writes (it was cut from the `Debug` output, which would
/// change with the type's field layout or a derived `Debug`'s format). The
/// names are pinned here, one per variant, against the RON a scenario holds.
#[test]
fn distributions_are_named_as_scenario_files_write_them() {
    for text in [
        "Const(value: 1)",
        "Normal(mean: 1, sd: 1)",
        "LogNormal(mu: 0, sigma: 1)",
        "Uniform(low: 0, high: 1)",
        "Triangular(low: 0, mode: 1, high: 2)",
        "Beta(alpha: 2, beta: 3)",
        "Pert(low: 0, mode: 1, high: 2)",
        "Exp(mean: 1)",
        "Weibull(scale: 1, shape: 2)",
        "Discrete(values: [1, 2], weights: [1, 1])",
        "Truncated(dist: Normal(mean: 0, sd: 1), low: 0, high: 1)",
    ] {
        let d: scheduler::Dist = ron::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let written = text.split('(').next().unwrap_or_default();
        assert_eq!(d.name(), written, "{text}");
    }
}

/// A single run draws the scenario's uncertain parameters too (the value
/// run is not the one written): the summary a person reads says so, with
/// the seed and the first values, and summary.json lists every one.
#[test]
fn a_single_run_says_it_drew_the_uncertain_parameters() {
    let d = dir("single-run");
    let s = Scenario::load(&d.join("base.ron")).unwrap();
    let out = stack::run(
        &s,
        &stack::RunOptions {
            seed: Some(11),
            ..Default::default()
        },
    )
    .unwrap();
    let text = stack::report::summary_text(&s, &out);
    let mfu = out.params.iter().find(|(p, _)| p == "labs.lab.mfu").unwrap().1;
    assert!(
        text.contains("uncertain parameters   3 drawn with seed 11")
            && text.contains(&format!("labs.lab.mfu = {mfu:.4}"))
            && text.contains("summary.json `parameters`"),
        "{text}"
    );
    let json = stack::report::summary_json(&s, &out);
    assert_eq!(json["parameters"].as_object().map(|m| m.len()), Some(3), "{json}");
    // Values a batch gives are not drawn: the line says so.
    let given = stack::RunOptions {
        seed: Some(11),
        param_values: Some(vec![0.75, 0.35, 6.0]), // in path order; not the medians
        trace: false,
        dispatch_window: None,
    };
    let out = stack::run(&s, &given).unwrap();
    let text = stack::report::summary_text(&s, &out);
    assert!(
        text.contains("3 at the values given") && !text.contains("drawn with seed"),
        "{text}"
    );
    assert!(!text.contains("one draw"), "{text}");
}

/// The central case (`aistack run --medians`): each parameter at its
/// distribution's median, here the uniforms' midpoints (in path order:
/// yield ceiling, MFU, cadence), and the summary says so instead of
/// warning that its lines are one draw, as a drawn run's does.
#[test]
fn the_central_case_runs_every_parameter_at_its_median() {
    let d = dir("medians");
    let s = Scenario::load(&d.join("base.ron")).unwrap();
    let medians = s.median_values();
    let expect = [0.8, 0.35, 6.0];
    assert_eq!(medians.len(), expect.len());
    for (m, e) in medians.iter().zip(expect) {
        assert!((m - e).abs() < 1e-12, "{medians:?}");
    }
    let drawn = stack::run(&s, &stack::RunOptions::default()).unwrap();
    assert!(stack::report::summary_text(&s, &drawn).contains("one draw, and so is every line below"));
    let central = stack::run(
        &s,
        &stack::RunOptions {
            param_values: Some(medians),
            ..Default::default()
        },
    )
    .unwrap();
    let text = stack::report::summary_text(&s, &central);
    assert!(
        text.contains("3 at their medians") && !text.contains("one draw"),
        "{text}"
    );
}

/// The twenty-ninth session's lab fields are drawable: the largest
/// cluster (`max_chips_per_run`, a path) by its `.scale`, the pre-training
/// length (`pretraining_months`, a distribution) by its parameters; and
/// the whole stack runs with them (the cap's metrics appear, bases and
/// post-trained releases both count as releases).
#[test]
fn the_cluster_cap_and_pretraining_length_are_drawable() {
    let v = load(
        "cap-pretraining",
        r#"Variant(base: "base.ron", name: "v",
            set: {"labs.lab.max_chips_per_run": [("2025-01-01", 1000), ("2026-01-01", 2000)],
                  "labs.lab.pretraining_months": Triangular(low: 2, mode: 6, high: 9)},
            uncertain: {"labs.lab.max_chips_per_run.scale": Uniform(low: 0.5, high: 1.5),
                        "labs.lab.pretraining_months.mode": Uniform(low: 4, high: 8)})"#,
    )
    .unwrap();
    assert_eq!(
        paths(&v),
        [
            "fabs.fab.yield_ceiling",
            "labs.lab.max_chips_per_run.scale",
            "labs.lab.mfu",
            "labs.lab.pretraining_months.mode",
            "labs.lab.release_cadence_months.mean"
        ]
    );
    let data = v.with_values(&[0.8, 1.5, 0.35, 5.0, 2.0]).unwrap();
    let Some(stack::series::Series::Path { points, .. }) = &data.labs[0].max_chips_per_run else {
        panic!("{:?}", data.labs[0].max_chips_per_run)
    };
    assert_eq!(points.iter().map(|p| p.1).collect::<Vec<_>>(), [1500.0, 3000.0]);
    assert_eq!(
        data.labs[0].pretraining_months,
        Some(scheduler::Dist::Triangular {
            low: 2.0,
            mode: 5.0,
            high: 9.0
        })
    );
    let out = stack::run(&v, &stack::RunOptions::default()).unwrap();
    let chips = out
        .sample("2025-07-01", "training.run_accelerators", "lab")
        .unwrap();
    // The cap is the path (1000 on 2025-01-01, 2000 a year later) times
    // this run's draw of its scale, read at the lab's last recompute
    // before the sample (within the month before it); the lab's 4,000
    // chips are all powered, so a run in progress uses the whole cap. A
    // dropped scale would leave the cap 1/scale times this.
    let scale = out
        .params
        .iter()
        .find(|p| p.0 == "labs.lab.max_chips_per_run.scale")
        .unwrap()
        .1;
    let cap_after = |days: f64| (1000.0 + 1000.0 * days / 365.0) * scale;
    assert!(
        chips >= cap_after(151.0) && chips <= cap_after(181.0) * (1.0 + 1e-12),
        "{chips} chips in the run, cap {}..{} at scale {scale}",
        cap_after(151.0),
        cap_after(181.0)
    );
    let runs = out.scalar("training.runs_total").unwrap();
    let releases = out.scalar("training.releases_total").unwrap();
    assert!(runs >= 1.0 && releases > runs, "{runs} runs, {releases} releases");
}

/// Audit s33-modeler F6: one field under two spellings of its path (an
/// enum's tag written, `….Exp.mean`, or left out, `….mean`) was two
/// parameters, each with its own column and stream, one draw doing nothing.
/// Now a scenario drawing both is refused, a variant's `set` under one
/// spelling fixes the base's draw under the other, and a variant that sets
/// one and draws the other is refused as drawing what it sets.
#[test]
fn two_spellings_of_one_path_are_one_field() {
    let both = BASE.replace(
        "\"labs.lab.mfu\": Uniform(low: 0.3, high: 0.4),",
        "\"labs.lab.mfu\": Uniform(low: 0.3, high: 0.4),\n        \
         \"labs.lab.release_cadence_months.Exp.mean\": Uniform(low: 5, high: 7),",
    );
    assert_ne!(both, BASE);
    let e = Scenario::from_text(Path::new("both.ron"), &both)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("name the same number (`labs.lab.release_cadence_months.Exp.mean`)")
            && e.contains("keep one of the two paths"),
        "{e}"
    );
    let v = load(
        "spelt",
        r#"Variant(base: "base.ron", name: "v", set: {"labs.lab.release_cadence_months.Exp.mean": 5})"#,
    )
    .unwrap();
    assert_eq!(paths(&v), ["fabs.fab.yield_ceiling", "labs.lab.mfu"]);
    for seed in 0..5 {
        let data = v.with_values(&v.draw_values(seed)).unwrap();
        assert_eq!(
            format!("{:?}", data.labs[0].release_cadence_months),
            format!(
                "{:?}",
                Scenario::from_text(Path::new("b.ron"), &BASE.replace("Exp(mean: 6)", "Exp(mean: 5)"))
                    .unwrap()
                    .data
                    .labs[0]
                    .release_cadence_months
            ),
            "seed {seed}: the set value holds"
        );
    }
    let e = load(
        "setdraw",
        r#"Variant(base: "base.ron", name: "v",
            set: {"labs.lab.release_cadence_months.Exp.mean": 5},
            uncertain: {"labs.lab.release_cadence_months.mean": Uniform(low: 2, high: 4)})"#,
    )
    .unwrap_err();
    assert!(
        e.contains("both set and made uncertain in this file (as `labs.lab.release_cadence_months.mean`, the same field)"),
        "{e}"
    );
}
