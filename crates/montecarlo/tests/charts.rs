//! Charts: `plot_batch` writes labelled SVGs for a finished batch; the
//! generic helpers draw what they are given.

mod common;
use common::Scratch;
use montecarlo::charts::{LineSeries, Marker, TimelineEvent, line_chart, timeline_chart};
use montecarlo::toy::ToyGrowth;
use montecarlo::{BatchOptions, NoProgress, PlotOptions, plot_batch, run_batch};

#[test]
fn plot_batch_writes_fan_histogram_and_tornado_with_units() {
    let dir = Scratch::new("mc-plot");
    let mut o = BatchOptions::new(&dir, 200, 5);
    o.durable = false;
    run_batch(&ToyGrowth::default(), &o, &NoProgress).unwrap();
    let (_, names) = plot_into_dir(&dir);
    assert!(
        names.contains(&"fan-training_largest_run_flop-national.svg".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"hist-energy_peak_load_mw.svg".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"tornado-training_final_flop.svg".to_string()),
        "{names:?}"
    );
    let fan = std::fs::read_to_string(dir.join("plots/fan-energy_load_mw-national.svg")).unwrap();
    assert!(
        fan.contains("energy.load_mw [MW]") && fan.contains("median") && fan.contains("5th–95th percentile")
    );
    let tornado = std::fs::read_to_string(dir.join("plots/tornado-training_final_flop.svg")).unwrap();
    // The toy declares a rank correlation, so its tornado plots PRCC and says so.
    assert!(
        tornado.contains("labs.toy.growth_per_month") && tornado.contains("PRCC, as inputs are correlated")
    );
    let sens = std::fs::read_to_string(dir.join("sensitivity.csv")).unwrap();
    assert!(sens.starts_with("outcome,parameter,n,spearman,prcc\n"));
}

/// Audit s23 F4: fan charts drawn from sketched bands (a batch past its
/// memory budget) say so in their title and in a note; those of exact
/// bands say nothing.
#[test]
fn fan_charts_of_sketched_bands_say_so() {
    let dir = Scratch::new("mc-plot-sketched");
    let mut o = BatchOptions::new(&dir, 60, 5);
    o.durable = false;
    o.output.memory_budget_bytes = 1_000;
    assert!(
        !run_batch(&ToyGrowth::default(), &o, &NoProgress)
            .unwrap()
            .bands_exact
    );
    let (r, _) = plot_into_dir(&dir);
    let fan = std::fs::read_to_string(dir.join("plots/fan-energy_load_mw-national.svg")).unwrap();
    assert!(fan.contains("60 runs; quantiles from the sketch"), "{fan}");
    assert!(
        r.notes.iter().any(|n| n.contains("2 fan charts (")
            && n.contains("quantiles from the bounded-memory sketch")
            && n.contains("--memory-budget-mib")),
        "{:?}",
        r.notes
    );

    // An eval's sketched fans: an eval does not resume with another budget,
    // so the note names the merge that rebuilds it (review s23, F6).
    let ev = Scratch::new("mc-plot-sketched-eval");
    let rows: String = (0..30)
        .map(|i| format!("{}\n", 0.01 + 0.001 * f64::from(i)))
        .collect();
    let mut eo = common::eval_opts(&ev, &format!("labs.toy.growth_per_month\n{rows}"), 5);
    eo.others = Some(montecarlo::Others::Median);
    eo.output.memory_budget_bytes = 1_000;
    montecarlo::eval_design(&ToyGrowth::default(), &eo, &NoProgress).unwrap();
    let (r, _) = plot_into_dir(&ev.join("out"));
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("aistack merge") && n.contains("--out NEW_DIR --memory-budget-mib M")),
        "{:?}",
        r.notes
    );

    let exact = Scratch::new("mc-plot-exact");
    let mut o = BatchOptions::new(&exact, 60, 5);
    o.durable = false;
    run_batch(&ToyGrowth::default(), &o, &NoProgress).unwrap();
    let (r, _) = plot_into_dir(&exact);
    let fan = std::fs::read_to_string(exact.join("plots/fan-energy_load_mw-national.svg")).unwrap();
    assert!(!fan.contains("sketch"), "{fan}");
    assert!(!r.notes.iter().any(|n| n.contains("sketch")), "{:?}", r.notes);
}

#[test]
fn generic_line_and_timeline_charts_draw_labels() {
    let dir = Scratch::new("mc-generic");
    std::fs::create_dir_all(&dir).unwrap();
    let lines = [
        LineSeries {
            label: "demand".into(),
            points: (0..24)
                .map(|m| (f64::from(m) / 12.0, 100.0 + f64::from(m)))
                .collect(),
        },
        LineSeries {
            label: "supply".into(),
            points: (0..24).map(|m| (f64::from(m) / 12.0, 110.0)).collect(),
        },
    ];
    let marks = [Marker {
        from: 0.5,
        to: 0.75,
        label: "export controls".into(),
    }];
    let p = dir.join("line.svg");
    line_chart(&p, "Power", "time [years]", "power [MW]", &lines, &marks).unwrap();
    let svg = std::fs::read_to_string(&p).unwrap();
    assert!(
        svg.contains("demand")
            && svg.contains("supply")
            && svg.contains("export controls")
            && svg.contains("power [MW]")
    );
    let events = [
        TimelineEvent {
            time: 0.3,
            lane: "lab-a".into(),
            size: 1e25,
            label: "A-1".into(),
            hollow: false,
        },
        TimelineEvent {
            time: 1.1,
            lane: "lab-b".into(),
            size: 4e25,
            label: "B-1".into(),
            hollow: false,
        },
        TimelineEvent {
            time: 1.9,
            lane: "lab-a".into(),
            size: 2e26,
            label: "A-2".into(),
            hollow: false,
        },
    ];
    let p = dir.join("timeline.svg");
    timeline_chart(
        &p,
        "Releases",
        "time [years]",
        "training compute [FLOP]",
        &events,
        true,
        None,
    )
    .unwrap();
    let svg = std::fs::read_to_string(&p).unwrap();
    assert!(
        svg.contains("A-2") && svg.contains("lab-b") && svg.contains("training compute [FLOP], log scale")
    );
}

/// Below `MIN_TORNADO_RUNS` runs no tornado is drawn (2 runs give ρ = ±1 by
/// construction), and the report says why; histograms and sensitivity.csv
/// are still written. (Before: tornados from 1 and 2 runs.)
#[test]
fn no_tornado_from_too_few_runs() {
    use montecarlo::charts::MIN_TORNADO_RUNS;
    for runs in [1, 2, MIN_TORNADO_RUNS - 1] {
        let dir = Scratch::new(&format!("mc-plot-few-{runs}"));
        let mut o = BatchOptions::new(&dir, runs, 5);
        o.durable = false;
        run_batch(&ToyGrowth::default(), &o, &NoProgress).unwrap();
        let (r, names) = plot_into_dir(&dir);
        assert!(
            !names.iter().any(|n| n.starts_with("tornado-")),
            "{runs} runs: {names:?}"
        );
        assert!(names.iter().any(|n| n.starts_with("hist-")), "{names:?}");
        // One note for all the outcomes (an 8-run batch of china-2025 gave
        // 68 notes, one per outcome; audit s15-econ).
        let tornado_notes: Vec<&String> = r.notes.iter().filter(|n| n.contains("no tornado")).collect();
        assert_eq!(tornado_notes.len(), 1, "{:?}", r.notes);
        assert!(
            tornado_notes[0].contains(&format!(
                "{runs} runs or fewer report each, a tornado needs at least 10"
            )),
            "{:?}",
            r.notes
        );
        assert!(dir.join("sensitivity.csv").exists());
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn dots_mark_every_point_of_a_category_even_a_lone_one() {
    let dir = Scratch::new("mc-dots");
    std::fs::create_dir_all(&dir).unwrap();
    let out: Vec<(f64, f64)> = (0..12).map(|m| (f64::from(m) / 12.0, 1000.0)).collect();
    let lines = [LineSeries {
        label: "built".into(),
        points: out.clone(),
    }];
    // Eleven months bound by wafers, one (the highest point) by packaging.
    let mut wafers = out.clone();
    let lone = wafers.remove(5);
    let dots = [
        LineSeries {
            label: "bound by wafers".into(),
            points: wafers,
        },
        LineSeries {
            label: "bound by packaging".into(),
            points: vec![(lone.0, 23_000.0)],
        },
    ];
    let p = dir.join("dots.svg");
    montecarlo::charts::line_chart_with_dots(&p, "Output", "year", "chips", &lines, &dots, &[]).unwrap();
    let svg = std::fs::read_to_string(&p).unwrap();
    // One dot per point plus one legend dot per category.
    assert_eq!(svg.matches("<circle").count(), 12 + 2, "{svg}");
    assert!(svg.contains("bound by packaging") && svg.contains("bound by wafers"));
}

/// The numbers an SVG chart writes as text (its tick labels, and any
/// numeric label).
fn numbers_in(svg: &str) -> Vec<f64> {
    svg.split('>')
        .filter_map(|s| s.split('<').next())
        .filter_map(|t| t.trim().parse::<f64>().ok())
        .collect()
}

/// A chart of one value (a run whose labs release once, a count that never
/// moved) has an axis around that value: once a release in 2024 was drawn
/// on a year axis from 1012 to 3036, and all-zero counts from −0.5 to 0.5.
#[test]
fn a_zero_width_range_gets_an_axis_around_its_value() {
    let dir = Scratch::new("mc-degenerate");
    std::fs::create_dir_all(&dir).unwrap();
    let one = [TimelineEvent {
        time: 2024.19,
        lane: "lab".into(),
        size: 4e25,
        label: "L-1".into(),
        hollow: false,
    }];
    let p = dir.join("one-release.svg");
    timeline_chart(
        &p,
        "Releases",
        "year",
        "training compute [FLOP]",
        &one,
        true,
        None,
    )
    .unwrap();
    let ticks = numbers_in(&std::fs::read_to_string(&p).unwrap());
    assert!(!ticks.is_empty());
    for v in &ticks {
        // FLOP around 4e25 (the powers of ten about it), years around 2024.
        assert!(
            (1e24..=1e27).contains(v) || (2021.0..=2027.0).contains(v),
            "tick {v} in {ticks:?}"
        );
    }
    let zeros = [LineSeries {
        label: "imported".into(),
        points: (0..24).map(|m| (2025.0 + f64::from(m) / 12.0, 0.0)).collect(),
    }];
    let p = dir.join("zeros.svg");
    line_chart(&p, "Accelerators", "year", "accelerators", &zeros, &[]).unwrap();
    let ticks = numbers_in(&std::fs::read_to_string(&p).unwrap());
    assert!(ticks.iter().all(|v| *v >= 0.0), "{ticks:?}");
    let p = dir.join("hist-zeros.svg");
    montecarlo::charts::histogram(&p, "Imported", "accelerators", &[0.0; 20], 10).unwrap();
    let ticks = numbers_in(&std::fs::read_to_string(&p).unwrap());
    assert!(ticks.iter().all(|v| *v >= 0.0), "{ticks:?}");
}

/// A shard that got no runs (K ≥ N) is refused by `plot` with what to do,
/// and no empty `plots/` is left behind (audit s15-econ, finding 8: it
/// failed on runs.csv's header and left the directory).
#[test]
fn an_empty_shard_is_refused_by_plot_leaving_no_directory() {
    let dir = Scratch::new("mc-plot-empty");
    let mut o = BatchOptions::new(&dir, 3, 5);
    o.durable = false;
    o.shard = Some(montecarlo::Shard { index: 7, count: 8 });
    let r = run_batch(&ToyGrowth::default(), &o, &NoProgress).unwrap();
    assert_eq!(r.runs_in_outputs, 0);
    let e = plot_batch(&PlotOptions {
        categories: None,
        dir: dir.to_path_buf(),
        out: None,
        max_fan_charts: 10,
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("holds no runs") && e.contains("aistack merge"), "{e}");
    assert!(!dir.join("plots").exists());
}

/// Every metric and outcome a batch of the real model emits is labelled
/// with the unit docs/model.md gives it (audit s16-thesis F2: the price was
/// labelled `[MWh]` and 45 of 55 outcome histograms had no unit).
#[test]
fn every_metric_and_outcome_of_a_real_batch_has_its_documented_unit() {
    use montecarlo::ScenarioModel;
    use montecarlo::charts::{axis_label, unit_of};
    use montecarlo::outputs::read_runs_csv;
    let dir = Scratch::new("mc-plot-units");
    let scenario = stack::Scenario::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios/minimal.ron"),
    )
    .unwrap();
    let params = scenario.parameters().len();
    let mut o = BatchOptions::new(&dir, 2, 1);
    o.durable = false;
    run_batch(&ScenarioModel::new(scenario), &o, &NoProgress).unwrap();
    let bands = std::fs::read_to_string(dir.join("bands.csv")).unwrap();
    let mut names: Vec<String> = bands
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    names.dedup();
    let outcomes = read_runs_csv(&dir.join("runs.csv"), params)
        .unwrap()
        .outcome_names;
    assert!(outcomes.iter().any(|n| n.ends_with("_year_2025")), "{outcomes:?}");
    names.extend(outcomes);
    let unlabelled: Vec<&String> = names
        .iter()
        .filter(|n| stack::output_units::unit_of(n).is_none() || unit_of(n).is_empty())
        .collect();
    assert!(unlabelled.is_empty(), "no unit for {unlabelled:?}");
    for (name, unit) in [
        ("energy.avg_price_usd_per_mwh", "USD/MWh"),
        ("energy.unserved_mwh_total", "MWh"),
        ("training.frontier_gap_months_end", "months"),
        ("training.frontier_gap_months_year_2025", "months"),
        ("training.largest_run_flop_year_2025", "FLOP"),
        ("training.spend_usd_total", "USD"),
        ("fab.accelerators_built_total", "chips"),
        ("training.share_lost_power_total", "0–1"),
        ("fab.binding_input_mode", "code"),
        ("energy.emissions_t", "tCO2"),
    ] {
        // (minimal.ron has no frontier path: no gap outcomes to find.)
        assert!(
            name.contains("frontier_gap") || names.iter().any(|n| n == name),
            "{name} not emitted"
        );
        assert_eq!(unit_of(name), unit, "{name}");
    }
    plot_batch(&PlotOptions {
        categories: None,
        dir: dir.to_path_buf(),
        out: None,
        max_fan_charts: 100,
    })
    .unwrap();
    let price = std::fs::read_to_string(dir.join("plots/hist-energy_avg_price_usd_per_mwh.svg")).unwrap();
    assert!(
        price.contains("energy.avg_price_usd_per_mwh [USD/MWh]"),
        "{}",
        axis_label("energy.avg_price_usd_per_mwh")
    );
    let spend = std::fs::read_to_string(dir.join("plots/hist-training_spend_usd_total.svg")).unwrap();
    assert!(spend.contains("training.spend_usd_total [USD]"));
}

/// A model with one outcome that varies with its parameter and one that is
/// 0 in every run (a spill that never happens).
struct WithConstantOutcome;

impl montecarlo::Model for WithConstantOutcome {
    fn parameters(&self) -> Vec<montecarlo::ParamSpec> {
        vec![montecarlo::ParamSpec {
            path: "plants.p.installed_mw".into(),
            dist: scheduler::Dist::Uniform { low: 1.0, high: 2.0 },
        }]
    }
    fn run(&self, _seed: u64, p: &[f64]) -> Result<montecarlo::RunResult, montecarlo::ModelError> {
        Ok(montecarlo::RunResult {
            scalars: vec![
                ("energy.price_usd_per_mwh".into(), 10.0 * p[0]),
                ("energy.spill_mwh_total".into(), 0.0),
            ],
            series: montecarlo::Series::default(),
        })
    }
    fn identity(&self) -> Vec<u8> {
        b"with-constant-outcome".to_vec()
    }
}

/// Audit s20-econ #4: an outcome with one value in every run gets no
/// tornado (before: a chart with no bars and an axis of ±1e-12 whose ticks
/// all read 0), and a note names it; the varying outcome keeps its tornado.
#[test]
fn an_outcome_constant_over_the_batch_gets_no_tornado_but_a_note() {
    let dir = Scratch::new("mc-plot-flat");
    let mut o = BatchOptions::new(&dir, 40, 5);
    o.durable = false;
    run_batch(&WithConstantOutcome, &o, &NoProgress).unwrap();
    let (r, names) = plot_into_dir(&dir);
    assert!(
        names.contains(&"tornado-energy_price_usd_per_mwh.svg".to_string()),
        "{names:?}"
    );
    assert!(
        !names.contains(&"tornado-energy_spill_mwh_total.svg".to_string()),
        "{names:?}"
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.starts_with("no tornado for 1 outcome (energy.spill_mwh_total)")),
        "{:?}",
        r.notes
    );
}

/// `plot_batch` of the batch in `dir` into `dir` (ten fan charts at most),
/// with the names of the files it wrote.
fn plot_into_dir(dir: &std::path::Path) -> (montecarlo::PlotReport, Vec<String>) {
    let r = plot_batch(&PlotOptions {
        categories: None,
        dir: dir.to_path_buf(),
        out: None,
        max_fan_charts: 10,
    })
    .unwrap();
    let names = r
        .files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    (r, names)
}

/// A finished toy batch of `runs` runs in a fresh directory `name`.
fn toy_batch(name: &str, runs: u64) -> Scratch {
    let dir = Scratch::new(name);
    let mut o = BatchOptions::new(&dir, runs, 5);
    o.durable = false;
    run_batch(&ToyGrowth::default(), &o, &NoProgress).unwrap();
    dir
}

/// `plot_batch` of `dir` into `out`.
fn plot_to(dir: &std::path::Path, out: &std::path::Path) -> montecarlo::Result<montecarlo::PlotReport> {
    plot_batch(&PlotOptions {
        categories: None,
        dir: dir.to_path_buf(),
        out: Some(out.to_path_buf()),
        max_fan_charts: 10,
    })
}

/// The names in `dir`, sorted.
fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Audit s26 econ F1: `plot --out` wrote into any directory, replacing a
/// user's own `sensitivity.csv` and planting one batch's table and charts
/// in another batch's directory (or its `runs/`, or a sensitivity's). Each
/// is refused, naming what is there, writing nothing; plot's own earlier
/// output and the batch's own directory are plotted into as before.
#[test]
fn plot_out_refuses_a_directory_that_is_not_its_own() {
    let b1 = toy_batch("mc-plot-out-b1", 12);
    let root = b1.parent().unwrap().to_path_buf();
    // The user's own sensitivity.csv, beside notes of theirs.
    let mine = root.join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("sensitivity.csv"), "my precious notes\n").unwrap();
    let e = plot_to(&b1, &mine).unwrap_err().to_string();
    assert!(
        e.contains(&format!(
            "{} holds sensitivity.csv, which plot did not write",
            mine.display()
        )) && e.contains("nothing was written"),
        "{e}"
    );
    assert_eq!(listing(&mine), ["sensitivity.csv"]);
    assert_eq!(
        std::fs::read_to_string(mine.join("sensitivity.csv")).unwrap(),
        "my precious notes\n"
    );
    // A chart of plot's name that plot did not write.
    std::fs::remove_file(mine.join("sensitivity.csv")).unwrap();
    std::fs::create_dir_all(mine.join("labs")).unwrap();
    std::fs::write(mine.join("labs/hist-x.svg"), "<?xml version=\"1.0\"?><svg/>").unwrap();
    let e = plot_to(&b1, &mine).unwrap_err().to_string();
    assert!(
        e.contains("holds labs/hist-x.svg, which plot did not write"),
        "{e}"
    );
    // Another batch (finished, not plotted), its runs/, a sensitivity's
    // directory and a compare's: each refused, untouched.
    let victim = toy_batch("mc-plot-out-victim", 3);
    let sob = root.join("sob");
    std::fs::create_dir_all(&sob).unwrap();
    std::fs::write(
        sob.join("sobol.csv"),
        "outcome,parameter,s1,s1_low,s1_high,st,st_low,st_high\n",
    )
    .unwrap();
    std::fs::write(sob.join("sensitivity.csv"), "outcome,parameter,n,spearman,prcc\n").unwrap();
    let cmp = root.join("cmp");
    std::fs::create_dir_all(&cmp).unwrap();
    std::fs::write(cmp.join("compare.csv"), "outcome\n").unwrap();
    for (out, names) in [
        (
            victim.to_path_buf(),
            "manifest.json, runs.csv, runs.do, bands.csv, summary.json, convergence.csv, runs/",
        ),
        (victim.join("runs"), "run-000000000000.txt (a batch's run files)"),
        (sob.clone(), "sobol.csv"),
        (cmp.clone(), "compare.csv"),
    ] {
        let before = listing(&out);
        let e = plot_to(&b1, &out).unwrap_err().to_string();
        assert!(
            e.contains(&format!(
                "{} holds {names}: it is the output of another aistack command",
                out.display()
            )) && e.contains("nothing was written"),
            "{e}"
        );
        assert_eq!(listing(&out), before, "{}", out.display());
    }
    // A file is no directory.
    let file = root.join("f.txt");
    std::fs::write(&file, "x").unwrap();
    let e = plot_to(&b1, &file).unwrap_err().to_string();
    assert!(
        e.contains("f.txt: exists and is not a directory; --out must name a directory"),
        "{e}"
    );
    // Its own: a new directory, plotted again, and the batch's own directory.
    let charts = root.join("charts");
    plot_to(&b1, &charts).unwrap();
    plot_to(&b1, &charts).unwrap();
    assert!(
        std::fs::read_to_string(charts.join("sensitivity.csv"))
            .unwrap()
            .starts_with("outcome,parameter,n,spearman,prcc\n")
    );
    plot_to(&b1, &b1).unwrap();
    assert!(b1.join("hist-energy_peak_load_mw.svg").is_file());
    assert!(
        !b1.join("plot.json").exists(),
        "no marker among the batch's outputs"
    );
    // Review s26-2 F3: a batch's plot into a run's directory.
    let run = root.join("run");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("summary.json"), "{}").unwrap();
    std::fs::write(run.join("timeseries.csv"), "t\n").unwrap();
    let e = plot_to(&b1, &run).unwrap_err().to_string();
    assert!(
        e.contains("holds summary.json, timeseries.csv: it is the output"),
        "{e}"
    );
    assert_eq!(listing(&run), ["summary.json", "timeseries.csv"]);
}

/// Review s26-2 F5: `plot --out` into an earlier plot of another batch
/// mixed the two batches' charts, and a re-plot left charts the batch no
/// longer draws. Plot's marker (`plot.json`, written last) names the batch;
/// another batch's plot is refused, naming it; a re-plot of the same batch
/// (or into one without a marker, of an older aistack) removes plot's
/// earlier charts first.
#[test]
fn plot_out_refuses_another_batchs_plot_and_leaves_no_stale_chart() {
    let b1 = toy_batch("mc-plot-marker-b1", 12);
    let b2 = toy_batch("mc-plot-marker-b2", 12);
    let charts = b1.parent().unwrap().join("charts");
    plot_to(&b1, &charts).unwrap();
    let marker: serde_json::Value =
        serde_json::from_slice(&std::fs::read(charts.join("plot.json")).unwrap()).unwrap();
    assert_eq!(
        marker["source"].as_str().unwrap(),
        b1.canonicalize().unwrap().to_str().unwrap()
    );
    assert_eq!(marker["completed_runs"], 12);
    let before = listing(&charts);
    let e = plot_to(&b2, &charts).unwrap_err().to_string();
    assert!(
        e.contains(&format!(
            "{} holds the charts of another batch, {}",
            charts.display(),
            b1.canonicalize().unwrap().display()
        )) && e.contains("nothing was written")
            && e.contains("choose another --out"),
        "{e}"
    );
    assert_eq!(listing(&charts), before);
    // Charts of plot's names the batch does not draw (an older plot of it).
    for stale in ["hist-gone.svg", "labs/tornado-gone.svg"] {
        std::fs::create_dir_all(charts.join("labs")).unwrap();
        std::fs::write(charts.join(stale), "<svg old").unwrap();
    }
    plot_to(&b1, &charts).unwrap();
    assert_eq!(
        listing(&charts),
        before,
        "stale charts removed, the rest rewritten"
    );
    assert!(!charts.join("labs/tornado-gone.svg").exists());
    // The default plots/ and --out DIR/plots of a batch since moved: as before.
    plot_into_dir(&b1);
    assert!(b1.join("plots/plot.json").is_file());
    std::fs::write(
        b1.join("plots/plot.json"),
        "{\"source\":\"/moved\",\"scenario_hash\":\"x\",\"completed_runs\":1}",
    )
    .unwrap();
    plot_to(&b1, &b1.join("plots")).unwrap();
    // Without a marker (an older aistack): plot's own, re-plotted.
    std::fs::remove_file(charts.join("plot.json")).unwrap();
    plot_to(&b2, &charts).unwrap();
    let marker: serde_json::Value =
        serde_json::from_slice(&std::fs::read(charts.join("plot.json")).unwrap()).unwrap();
    assert_eq!(
        marker["source"].as_str().unwrap(),
        b2.canonicalize().unwrap().to_str().unwrap()
    );
}

/// Audit s26 econ F8: a finished batch whose runs.csv lost a row was
/// plotted from the rest without a word (n = 39 of 40 in sensitivity.csv).
/// Refused as `run --from-batch` refuses it, writing nothing.
#[test]
fn plot_refuses_a_runs_csv_without_the_manifests_run_count() {
    // A space in the path: the way on is quoted for a shell (review s26-2 F9).
    let dir = toy_batch("mc-plot lost-row", 6);
    let csv = dir.join("runs.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, _)| *i != 3)
        .map(|(_, l)| l)
        .collect();
    std::fs::write(&csv, kept.join("\n") + "\n").unwrap();
    let e = plot_batch(&PlotOptions {
        categories: None,
        dir: dir.to_path_buf(),
        out: None,
        max_fan_charts: 10,
    })
    .unwrap_err()
    .to_string();
    assert!(
        e.contains(&format!(
            "{} has 5 rows, though the manifest says the batch finished with 6 runs",
            csv.display()
        )) && e.contains(&format!("`aistack batch --resume '{}'`", dir.display())),
        "{e}"
    );
    assert!(!dir.join("plots").exists() && !dir.join("sensitivity.csv").exists());
}

/// `plot DIR --out X` refuses an X holding a single run's charts (a run's
/// plot there before), as other commands' outputs are refused; and a
/// re-plot compares the marker's scenario hash and run count, not only its
/// path: another batch made later in the same directory is refused (its
/// charts would replace the earlier batch's), the same batch resumed with
/// more runs is re-plotted with a note.
#[test]
fn plot_out_refuses_a_runs_charts_and_checks_the_marker_s_hash_and_runs() {
    let b = toy_batch("mc-plot-marker-same-path", 12);
    let root = b.parent().unwrap().to_path_buf();
    // A run's charts only.
    let run_charts = root.join("run-charts");
    std::fs::create_dir_all(&run_charts).unwrap();
    std::fs::write(run_charts.join("power.svg"), "<svg run").unwrap();
    std::fs::write(run_charts.join("releases.svg"), "<svg run").unwrap();
    let e = plot_to(&b, &run_charts).unwrap_err().to_string();
    assert!(
        e.contains(
            "holds power.svg (a run's charts), releases.svg (a run's charts): it is the output of another"
        ) && e.contains("nothing was written"),
        "{e}"
    );
    assert_eq!(listing(&run_charts), ["power.svg", "releases.svg"]);
    // The batch plotted, then resumed with more runs: re-plotted, said so.
    let charts = root.join("same-path-charts");
    assert!(
        plot_to(&b, &charts)
            .unwrap()
            .notes
            .iter()
            .all(|n| !n.contains("replaced"))
    );
    let mut o = BatchOptions::new(&b, 20, 5);
    o.durable = false;
    o.resume = true;
    run_batch(&ToyGrowth::default(), &o, &NoProgress).unwrap();
    let r = plot_to(&b, &charts).unwrap();
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("held this batch's charts of 12 runs") && n.contains("its 20 runs now")),
        "{:?}",
        r.notes
    );
    let marker: serde_json::Value =
        serde_json::from_slice(&std::fs::read(charts.join("plot.json")).unwrap()).unwrap();
    assert_eq!(marker["completed_runs"], 20);
    // Another batch made later at the same path: refused, nothing written.
    std::fs::remove_dir_all(&b).unwrap();
    let mut o = BatchOptions::new(&b, 12, 5);
    o.durable = false;
    let other = ToyGrowth {
        policy_boost: 0.002,
        ..ToyGrowth::default()
    };
    run_batch(&other, &o, &NoProgress).unwrap();
    let before = listing(&charts);
    let e = plot_to(&b, &charts).unwrap_err().to_string();
    assert!(
        e.contains(&format!(
            "{} holds the charts of an earlier batch in {}",
            charts.display(),
            b.canonicalize().unwrap().display()
        )) && e.contains("20 runs")
            && e.contains("nothing was written"),
        "{e}"
    );
    assert_eq!(listing(&charts), before);
}

/// The text of every `<text>` element of an SVG, in order.
fn texts_in(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            t.split_once('>')
                .and_then(|(_, rest)| rest.split("</text>").next())
        })
        .map(|t| t.trim().to_string())
        .collect()
}

/// A histogram's count axis writes whole counts, each once: with five runs
/// in the fullest bin plotters ticks every half run, and `{:.0}` wrote
/// `0 0 1 1 2 2 2 3 4 4 5`. And the bins follow the runs: 40 runs in 30
/// bins drew a barcode of ones and twos.
#[test]
fn a_histogram_counts_in_whole_runs_in_bins_its_runs_can_fill() {
    use montecarlo::charts::{histogram, histogram_bins};
    assert_eq!(
        [3, 40, 500, 1000, 100_000].map(histogram_bins),
        [5, 7, 23, 30, 30]
    );
    let dir = Scratch::new("mc-hist-counts");
    std::fs::create_dir_all(&dir).unwrap();
    // Five runs at 2.0 (the fullest bin), three near each end.
    let values = [0.1, 0.2, 0.3, 2.0, 2.0, 2.0, 2.0, 2.0, 3.7, 3.8, 3.9];
    let p = dir.join("hist.svg");
    histogram(&p, "Gap", "gap [months]", &values, 7).unwrap();
    let texts = texts_in(&std::fs::read_to_string(&p).unwrap());
    // The count axis' labels follow the axis descriptions, bottom up; the
    // x axis' start again from 0.
    let counts: Vec<f64> = texts
        .iter()
        .skip_while(|t| *t != "gap [months]")
        .skip(1)
        .filter(|t| !t.is_empty())
        .map(|t| t.parse::<f64>().unwrap())
        .collect();
    let rising = counts.windows(2).take_while(|w| w[1] > w[0]).count() + 1;
    assert_eq!(counts[..rising], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], "{texts:?}");
}

/// A histogram of one value in every run (no AI load ever cut) says so on
/// the chart, rather than drawing one bar at 0 a thirtieth of an axis 0–1
/// wide, which read as a spread from 0 to 0.03; a histogram of no values
/// says that.
#[test]
fn a_histogram_of_one_value_or_none_says_so_on_the_chart() {
    let dir = Scratch::new("mc-hist-degenerate");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("zeros.svg");
    montecarlo::charts::histogram(&p, "Cut", "cut [MWh]", &[0.0; 40], 7).unwrap();
    let texts = texts_in(&std::fs::read_to_string(&p).unwrap());
    assert!(
        texts.contains(&"Every run (40) has the same value: 0".to_string()),
        "{texts:?}"
    );
    let p = dir.join("const.svg");
    montecarlo::charts::histogram(&p, "Stock", "stock [chips]", &[293_400.0; 12], 5).unwrap();
    let texts = texts_in(&std::fs::read_to_string(&p).unwrap());
    assert!(
        texts.contains(&"Every run (12) has the same value: 2.934e5".to_string()),
        "{texts:?}"
    );
    let p = dir.join("none.svg");
    montecarlo::charts::histogram(&p, "Year", "year", &[f64::NAN; 3], 5).unwrap();
    let texts = texts_in(&std::fs::read_to_string(&p).unwrap());
    assert!(texts.contains(&"No run has a value".to_string()), "{texts:?}");
}

/// A fan chart of one value throughout (no AI load ever cut) says so on
/// the chart; one whose medians span orders of magnitude (the frontier's
/// effective compute, 1e25 to 1e31 FLOP, flat on 0 for eight of ten years
/// on a linear axis) is drawn on a log axis labelled in powers of ten,
/// saying where its zeros are; and the legend names the percentiles.
#[test]
fn fan_charts_say_what_is_degenerate_and_go_log_over_orders_of_magnitude() {
    use montecarlo::charts::{FanPoint, fan_chart};
    let dir = Scratch::new("mc-fan-degenerate");
    std::fs::create_dir_all(&dir).unwrap();
    let point = |t: f64, v: f64| FanPoint {
        time_year: t,
        mean: v,
        q: [0.5 * v, 0.8 * v, v, 1.25 * v, 2.0 * v],
        quantile_abs_error_max: 0.0,
    };
    let zeros: Vec<FanPoint> = (0..24)
        .map(|m| point(2025.0 + f64::from(m) / 12.0, 0.0))
        .collect();
    let p = dir.join("zeros.svg");
    fan_chart(&p, "Cut", "energy.ai_curtailed_mwh [MWh]", &zeros).unwrap();
    let texts = texts_in(&std::fs::read_to_string(&p).unwrap());
    assert!(
        texts.contains(&"Every run has the same value at every instant: 0".to_string()),
        "{texts:?}"
    );
    assert!(texts.contains(&"5th–95th percentile".to_string()), "{texts:?}");
    // One run: a line, not a band, and the chart says why.
    let one: Vec<FanPoint> = (0..24)
        .map(|m| {
            let v = f64::from(m);
            FanPoint {
                time_year: 2025.0 + v / 12.0,
                mean: v,
                q: [v; 5],
                quantile_abs_error_max: 0.0,
            }
        })
        .collect();
    let p = dir.join("one.svg");
    fan_chart(&p, "Gap (1 run)", "gap [months]", &one).unwrap();
    let texts = texts_in(&std::fs::read_to_string(&p).unwrap());
    assert!(
        texts.contains(&"No spread: every run has the same value at each instant".to_string()),
        "{texts:?}"
    );
    let growth: Vec<FanPoint> = (0..40)
        .map(|i| {
            let v = if i < 2 {
                0.0
            } else {
                1e25 * scheduler::math::powi(1.5, i)
            };
            point(2025.0 + f64::from(i) / 4.0, v)
        })
        .collect();
    let p = dir.join("growth.svg");
    fan_chart(&p, "Frontier", "training.frontier_effective_flop [FLOP]", &growth).unwrap();
    let texts = texts_in(&std::fs::read_to_string(&p).unwrap());
    assert!(
        texts.contains(&"training.frontier_effective_flop [FLOP], log scale".to_string())
            && texts.contains(&"1e26".to_string())
            && texts.contains(&"1e30".to_string())
            && texts.contains(&"Log scale: values of 0 are drawn at the foot of the axis".to_string()),
        "{texts:?}"
    );
}

/// A shares chart's legend lists the categories top down as they are
/// stacked (it listed the bottom band first, beside the top one).
#[test]
fn a_shares_legend_follows_the_stack() {
    use montecarlo::charts::{ShareSeries, share_chart};
    let dir = Scratch::new("mc-shares-legend");
    std::fs::create_dir_all(&dir).unwrap();
    let series = ShareSeries {
        categories: vec!["none".into(), "HBM".into(), "packaging".into()],
        points: (0..12)
            .map(|m| (2025.0 + f64::from(m) / 12.0, vec![0.2, 0.3, 0.5]))
            .collect(),
    };
    let p = dir.join("shares.svg");
    share_chart(&p, "Binding input", &series).unwrap();
    let texts = texts_in(&std::fs::read_to_string(&p).unwrap());
    let at = |name: &str| texts.iter().position(|t| t == name).unwrap();
    assert!(at("packaging") < at("HBM") && at("HBM") < at("none"), "{texts:?}");
}

/// Closed releases are rings, open ones dots, and the legend says which is
/// which: a word `closed` beside each of a run's 44 closed releases
/// overlapped into a smear.
#[test]
fn a_timeline_marks_hollow_events_by_shape_not_words() {
    let dir = Scratch::new("mc-timeline-shapes");
    std::fs::create_dir_all(&dir).unwrap();
    let events: Vec<TimelineEvent> = (0..10)
        .map(|i| TimelineEvent {
            time: 2025.0 + f64::from(i) / 4.0,
            lane: "lab".into(),
            size: 1e25 * f64::from(i + 1),
            label: String::new(),
            hollow: i % 2 == 1,
        })
        .collect();
    let p = dir.join("releases.svg");
    timeline_chart(
        &p,
        "Releases",
        "year",
        "training compute [FLOP]",
        &events,
        true,
        Some(["open weights", "closed weights"]),
    )
    .unwrap();
    let svg = std::fs::read_to_string(&p).unwrap();
    let texts = texts_in(&svg);
    assert!(
        texts.contains(&"open weights".to_string()) && texts.contains(&"closed weights".to_string()),
        "{texts:?}"
    );
    // Five rings and the legend's one: circles not filled.
    let rings = svg
        .split("<circle")
        .skip(1)
        .filter(|c| c.contains("fill=\"none\""))
        .count();
    assert_eq!(rings, 5 + 1, "{svg}");
}

/// PRIM's trajectory plots two shares: its axes stay 0–1. A 40-run batch
/// whose boxes all kept every run of interest (coverage 1) got a coverage
/// axis of 0–2, and a legend's headroom labelled a density of 1.1.
#[test]
fn a_chart_of_two_shares_labels_no_tick_outside_0_to_1() {
    let dir = Scratch::new("mc-unit-square");
    std::fs::create_dir_all(&dir).unwrap();
    let line = [LineSeries {
        label: "boxes".into(),
        points: (0..10).map(|i| (1.0, 0.35 + 0.06 * f64::from(i))).collect(),
    }];
    let chosen = [LineSeries {
        label: "box 0 (chosen)".into(),
        points: vec![(1.0, 0.35)],
    }];
    let p = dir.join("trajectory.svg");
    montecarlo::charts::unit_square_chart(&p, "Peeling", "coverage", "density", &line, &chosen).unwrap();
    let ticks = numbers_in(&std::fs::read_to_string(&p).unwrap());
    assert!(ticks.len() >= 10, "{ticks:?}");
    assert!(ticks.iter().all(|v| (0.0..=1.0).contains(v)), "{ticks:?}");
}

/// A one-run batch's charts say `1 run` (they said `1 runs`).
#[test]
fn a_one_run_batch_is_one_run_in_its_titles() {
    let dir = toy_batch("mc-plot-one-run", 1);
    let (_, names) = plot_into_dir(&dir);
    for name in names
        .iter()
        .filter(|n| n.starts_with("fan-") || n.starts_with("hist-"))
    {
        let svg = std::fs::read_to_string(dir.join("plots").join(name)).unwrap();
        assert!(svg.contains("(1 run)") && !svg.contains("1 runs"), "{name}");
    }
}
