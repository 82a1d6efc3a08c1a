//! Categorical outcomes (a code per run, such as which input bound): shares
//! of runs in `summary.json` and in the charts, no convergence row, no
//! tornado, and not watched by the default stopping rule.

use montecarlo::{
    BatchOptions, Categories, Model, ModelError, NoProgress, ParamSpec, PlotOptions, RunResult, plot_batch,
    run_batch,
};
use scheduler::Dist;

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
    let dir = std::env::temp_dir().join(format!("mc-categories-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
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
        dir: dir.clone(),
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
    let _ = std::fs::remove_dir_all(&dir);
}

/// `y`'s relative half-width is tiny after 100 runs; the code's is not
/// (mean 1.75, sd 0.43: within 1 % only after ≈ 2,400 runs), so a rule
/// that watched it would run all 1,000. By
/// default it watches quantities only, and refuses to watch a category.
#[test]
fn the_default_stopping_rule_watches_quantities_only() {
    let dir = std::env::temp_dir().join(format!("mc-categories-stop-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
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
