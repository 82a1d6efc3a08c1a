//! Categorical outcomes (a code per run, such as which input bound): shares
//! of runs in `summary.json` and in the charts, no convergence row, no
//! tornado, and not watched by the default stopping rule. Categorical
//! series (a code per instant): shares of runs per instant in `bands.csv`,
//! exact under the sketch and across a merge, drawn as stacked shares.

mod common;
use common::Scratch;
use montecarlo::{
    BatchOptions, Categories, MergeOptions, Model, ModelError, NoProgress, ParamSpec, PlotOptions, RunResult,
    Series, Shard, merge, plot_batch, run_batch,
};
use scheduler::Dist;
use std::path::{Path, PathBuf};

/// `y` is the parameter (a quantity that converges fast); `mode` a code:
/// 1 ("wafers") below 0.25, else 2 ("tools").
struct Coded;

impl Model for Coded {
    fn parameters(&self) -> Vec<ParamSpec> {
        vec![ParamSpec {
            path: "x".into(),
            dist: Dist::Uniform { low: 0.0, high: 1.0 },
        }]
    }
    fn run(&self, _seed: u64, p: &[f64]) -> Result<RunResult, ModelError> {
        Ok(RunResult {
            scalars: vec![
                ("y".into(), 100.0 + p[0]),
                ("mode".into(), if p[0] < 0.25 { 1.0 } else { 2.0 }),
            ],
            series: Default::default(),
        })
    }
    fn identity(&self) -> Vec<u8> {
        b"coded".to_vec()
    }
}

fn codes(outcome: &str) -> Option<&'static [(i64, &'static str)]> {
    (outcome == "mode").then_some(&[(0, "none"), (1, "wafers"), (2, "tools")][..])
}

#[test]
fn a_category_is_summarised_and_drawn_by_shares_of_runs() {
    let dir = Scratch::new("mc-categories");
    let mut o = BatchOptions::new(&dir, 400, 3);
    o.durable = false;
    o.design = montecarlo::Design::Lhs;
    o.output.categories = Some(Categories(codes));
    run_batch(&Coded, &o, &NoProgress).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let mode = &summary["outcomes"]["mode"];
    // A Latin hypercube puts exactly a quarter of the runs below 0.25.
    assert_eq!(mode["n"], 400);
    assert_eq!(mode["shares"]["wafers"], 0.25, "{mode}");
    assert_eq!(mode["shares"]["tools"], 0.75, "{mode}");
    assert!(
        mode.get("mean").is_none() && mode["shares"].get("none").is_none(),
        "{mode}"
    );
    assert!(summary["outcomes"]["y"]["mean"].is_number());
    let conv = std::fs::read_to_string(dir.join("convergence.csv")).unwrap();
    assert!(conv.contains("\ny,") && !conv.contains("\nmode,"), "{conv}");

    let r = plot_batch(&PlotOptions {
        categories: Some(Categories(codes)),
        dir: dir.to_path_buf(),
        out: None,
        max_fan_charts: 4,
    })
    .unwrap();
    let hist = std::fs::read_to_string(dir.join("plots/hist-mode.svg")).unwrap();
    assert!(
        hist.contains("share of runs by category") && hist.contains("tools"),
        "{hist}"
    );
    let names: Vec<String> = r
        .files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into())
        .collect();
    assert!(
        names.contains(&"tornado-y.svg".into()) && !names.contains(&"tornado-mode.svg".into()),
        "{names:?}"
    );
    let sens = std::fs::read_to_string(dir.join("sensitivity.csv")).unwrap();
    assert!(!sens.contains("\nmode,"), "{sens}");
}

/// `y`'s relative half-width is tiny after 100 runs; the code's is not
/// (mean 1.75, sd 0.43: within 1 % only after ≈ 2,400 runs), so a rule
/// that watched it would run all 1,000. By
/// default it watches quantities only, and refuses to watch a category.
#[test]
fn the_default_stopping_rule_watches_quantities_only() {
    let dir = Scratch::new("mc-categories-stop");
    let mut o = BatchOptions::new(&dir, 1000, 3);
    o.durable = false;
    o.until_rel_halfwidth = Some(0.01);
    let r = run_batch(&Coded, &o, &NoProgress).unwrap();
    assert_eq!(r.runs_in_outputs, 1000, "without categories the code is watched");
    let _ = std::fs::remove_dir_all(&dir);
    o.output.categories = Some(Categories(codes));
    let r = run_batch(&Coded, &o, &NoProgress).unwrap();
    assert_eq!(r.runs_in_outputs, 100);
    let _ = std::fs::remove_dir_all(&dir);
    o.stop_outcomes = vec!["mode".into()];
    let e = run_batch(&Coded, &o, &NoProgress).unwrap_err().to_string();
    assert!(e.contains("`mode` is a category"), "{e}");
    assert!(!dir.exists());
}

/// A monthly code series beside a quantity: at instant t (0, 1, 2) `mode`
/// is 1 ("wafers") where x < 0.25 (t + 1), else 2 ("tools"), except 7 (no
/// listed code) where x ≥ 0.9 at t = 2; `level` is 10 x + t.
struct CodedSeries;

impl Model for CodedSeries {
    fn parameters(&self) -> Vec<ParamSpec> {
        Coded.parameters()
    }
    fn run(&self, _seed: u64, p: &[f64]) -> Result<RunResult, ModelError> {
        let x = p[0];
        let mut series = Series::builder();
        for t in 0..3 {
            let date = format!("2030-0{}-01", t + 1);
            let code = if t == 2 && x >= 0.9 {
                7.0
            } else if x < 0.25 * f64::from(t + 1) {
                1.0
            } else {
                2.0
            };
            series.push(f64::from(t) / 12.0, &date, "mode", "national", code);
            series.push(
                f64::from(t) / 12.0,
                &date,
                "level",
                "national",
                10.0 * x + f64::from(t),
            );
        }
        Ok(RunResult {
            scalars: vec![("y".into(), x)],
            series: series.finish().map_err(ModelError)?,
        })
    }
    fn identity(&self) -> Vec<u8> {
        b"coded-series".to_vec()
    }
}

fn series_opts(dir: &Path) -> BatchOptions {
    let mut o = BatchOptions::new(dir, 400, 5);
    o.durable = false;
    o.design = montecarlo::Design::Lhs;
    o.output.categories = Some(Categories(codes));
    o
}

fn tmp(name: &str) -> Scratch {
    Scratch::new(&format!("mc-cat-{name}"))
}

fn bands(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("bands.csv")).unwrap()
}

/// A Latin hypercube of 400 runs puts exactly 100 runs in each quarter of
/// x, and 40 at x ≥ 0.9: `bands.csv` gives the code's share of runs in
/// every listed category (0 included) per instant, `unknown` where it
/// occurs, and no mean, sd or quantile of the code.
#[test]
fn a_categorical_series_gets_shares_of_runs_per_instant_in_bands() {
    let dir = tmp("bands");
    run_batch(&CodedSeries, &series_opts(&dir), &NoProgress).unwrap();
    let text = bands(&dir);
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "metric,entity,category,time_year,date,n,mean,sd,p5,p25,p50,p75,p95,quantile_abs_error_max"
    );
    let mode: Vec<&str> = lines.clone().filter(|l| l.starts_with("mode,")).collect();
    let t = |t: f64| format!("{:?}", t / 12.0);
    let row = |time: f64, date: &str, cat: &str, share: &str| {
        format!(
            "mode,national,{cat},{},2030-0{date}-01,400,{share},,,,,,,",
            t(time)
        )
    };
    assert_eq!(
        mode,
        [
            row(0.0, "1", "none", "0.0"),
            row(0.0, "1", "wafers", "0.25"),
            row(0.0, "1", "tools", "0.75"),
            row(1.0, "2", "none", "0.0"),
            row(1.0, "2", "wafers", "0.5"),
            row(1.0, "2", "tools", "0.5"),
            row(2.0, "3", "none", "0.0"),
            row(2.0, "3", "wafers", "0.75"),
            row(2.0, "3", "tools", "0.15"),
            row(2.0, "3", "unknown", "0.1"),
        ]
    );
    // The quantity beside it keeps its statistics and an empty category.
    let level: Vec<&str> = lines.filter(|l| l.starts_with("level,")).collect();
    assert_eq!(level.len(), 3);
    assert!(
        level.iter().all(|l| l.starts_with("level,national,,")),
        "{level:?}"
    );
    let cells: Vec<&str> = level[0].split(',').collect();
    assert!(cells[6..13].iter().all(|c| !c.is_empty()), "{level:?}");
}

/// Past the memory budget quantities come from sketches; the shares stay
/// exact (counts, not sketches), so the category rows are the same bytes.
#[test]
fn category_shares_are_exact_under_the_quantile_sketch() {
    let (exact, sketched) = (tmp("exact"), tmp("sketched"));
    run_batch(&CodedSeries, &series_opts(&exact), &NoProgress).unwrap();
    let mut o = series_opts(&sketched);
    o.output.memory_budget_bytes = 1_000;
    let r = run_batch(&CodedSeries, &o, &NoProgress).unwrap();
    assert!(!r.bands_exact);
    let mode = |d: &Path| -> Vec<String> {
        bands(d)
            .lines()
            .filter(|l| l.starts_with("mode,"))
            .map(String::from)
            .collect()
    };
    assert_eq!(mode(&exact).len(), 10);
    assert_eq!(mode(&exact), mode(&sketched));
    assert_ne!(
        bands(&exact),
        bands(&sketched),
        "the quantity's rows did use the sketch"
    );
}

/// Three shards merged write the same bands (shares included), summary and
/// time series as one batch; `timeseries.csv` keeps each run's codes.
#[test]
fn merged_shards_give_the_same_category_shares_as_one_batch() {
    let whole = tmp("whole");
    let mut o = series_opts(&whole);
    o.output.keep_timeseries = true;
    run_batch(&CodedSeries, &o, &NoProgress).unwrap();
    let shards_scratch: Vec<Scratch> = (0..3).map(|k| tmp(&format!("shard{k}"))).collect();
    let shards: Vec<PathBuf> = shards_scratch.iter().map(|d| d.to_path_buf()).collect();
    for (k, d) in shards.iter().enumerate() {
        let mut o = series_opts(d);
        o.shard = Some(Shard {
            index: k as u64,
            count: 3,
        });
        run_batch(&CodedSeries, &o, &NoProgress).unwrap();
    }
    let merged = tmp("merged");
    merge(&MergeOptions {
        shard_dirs: shards.clone(),
        out: merged.to_path_buf(),
        output: o.output.clone(),
        command_line: vec![],
        build: Default::default(),
        threads: None,
    })
    .unwrap();
    for f in ["bands.csv", "summary.json", "runs.csv", "timeseries.csv"] {
        assert_eq!(
            std::fs::read(whole.join(f)).unwrap(),
            std::fs::read(merged.join(f)).unwrap(),
            "{f}"
        );
    }
    assert!(bands(&merged).contains("\nmode,national,unknown,"));
    let ts = std::fs::read_to_string(whole.join("timeseries.csv")).unwrap();
    let codes: std::collections::BTreeSet<&str> = ts
        .lines()
        .filter(|l| l.contains(",mode,"))
        .filter_map(|l| l.rsplit(',').next())
        .collect();
    assert_eq!(codes.into_iter().collect::<Vec<_>>(), ["1.0", "2.0", "7.0"]);
}

/// `aistack plot` draws the code series as stacked shares, not as a fan.
#[test]
fn a_categorical_series_is_drawn_as_stacked_shares_not_a_fan() {
    let dir = tmp("plot");
    run_batch(&CodedSeries, &series_opts(&dir), &NoProgress).unwrap();
    let r = plot_batch(&PlotOptions {
        categories: Some(Categories(codes)),
        dir: dir.to_path_buf(),
        out: None,
        max_fan_charts: 12,
    })
    .unwrap();
    let names: Vec<String> = r
        .files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into())
        .collect();
    assert!(
        names.contains(&"fan-level-national.svg".into())
            && names.contains(&"shares-mode-national.svg".into())
            && !names.iter().any(|n| n.starts_with("fan-mode")),
        "{names:?}"
    );
    let svg = std::fs::read_to_string(dir.join("plots/shares-mode-national.svg")).unwrap();
    for label in ["share of runs by category", "wafers", "tools", "unknown"] {
        assert!(svg.contains(label), "{label}");
    }
    // `none` has share 0 at every instant: not in the legend.
    assert!(svg.contains("\nwafers\n") && !svg.contains("\nnone\n"), "{svg}");
    // A bands.csv from before the `category` column gave the code a mean:
    // no fan of it, and a note saying how to rewrite the file.
    std::fs::write(
        dir.join("bands.csv"),
        "metric,entity,time_year,date,n,mean,sd,p5,p25,p50,p75,p95,quantile_abs_error_max\n\
         level,national,0.0,2030-01-01,2,1.0,0.5,0.5,0.7,1.0,1.2,1.5,0.0\n\
         mode,national,0.0,2030-01-01,2,1.5,0.7,1.0,1.2,1.5,1.7,2.0,0.0\n",
    )
    .unwrap();
    let _ = std::fs::remove_dir_all(dir.join("plots"));
    let r = plot_batch(&PlotOptions {
        categories: Some(Categories(codes)),
        dir: dir.to_path_buf(),
        out: None,
        max_fan_charts: 12,
    })
    .unwrap();
    assert!(dir.join("plots/fan-level-national.svg").exists());
    assert!(!dir.join("plots/fan-mode-national.svg").exists());
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("no fan chart for mode") && n.contains("rerun the batch")),
        "{:?}",
        r.notes
    );
}

/// Audit s26 econ F12: the doc's pandas recipe named code 0 "own target"
/// where `summary.json`'s `shares` say "none (the lab's own target)", and
/// no list gave the exact keys. docs/montecarlo.md lists every code with
/// the key `summary.json` uses, and its recipe maps the codes to the same.
#[test]
fn the_docs_list_the_exact_category_keys_summary_json_uses() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/montecarlo.md")).unwrap();
    let minus = |c: i64| {
        if c < 0 {
            format!("−{}", -c)
        } else {
            c.to_string()
        }
    };
    for (outcome, codes) in [
        (
            "`training.largest_run_bound_year_Y`",
            &stack::report::BOUND_CODES[..],
        ),
        (
            "`fab.binding_input_mode`",
            &stack::report::BINDING_INPUT_CODES[..],
        ),
    ] {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| {outcome}")))
            .unwrap_or_else(|| panic!("no table row for {outcome}"));
        for (code, key) in codes {
            assert!(
                row.contains(&format!("{} `{key}`", minus(*code))),
                "{outcome}: {code} `{key}` in {row}"
            );
        }
    }
    let recipe = doc
        .lines()
        .find(|l| l.contains(".value_counts(normalize=True).rename({"))
        .expect("the pandas recipe");
    for (code, key) in &stack::report::BOUND_CODES {
        assert!(
            recipe.contains(&format!("{code}: \"{key}\"")),
            "{code}: \"{key}\" in {recipe}"
        );
    }
}
