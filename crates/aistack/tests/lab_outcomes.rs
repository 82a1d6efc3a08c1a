//! Every lab's own scalar outcomes (`training.lab.<lab>.<outcome>`) through
//! the batch tools, as an economist asks "how far behind does the follower
//! end, and what drives it?": runs.csv columns after the national ones,
//! empty where the lab released nothing, summary.json over the runs that
//! have them, compare B − A per lab, sensitivity of one lab's outcome, and
//! the per-lab charts of `plot` in `plots/labs/`, apart from the national.

mod common;

use common::{ok, refused, s, tmp};
use std::collections::BTreeMap;
use std::path::Path;

/// A leader (2,000 H100s) and a follower (500) whose target run is drawn:
/// 1e22 FLOP (it releases) or 1e28 (it cannot run it and runs nothing
/// smaller: it never releases); a world frontier path.
fn two_labs(leader_count: u32) -> String {
    format!(
        r#"Scenario(
    name: "two",
    start: "2025-01-01",
    horizon_years: 2,
    regions: [ (name: "home", demand_avg_mw: 1000) ],
    plants: [ (name: "home-gas", region: "home", technology: Gas, installed_mw: 1600) ],
    designs: [ (name: "h100", die_area_mm2: 814, peak_flop_s: 989e12, power_w: 700, hbm_stacks: 5, node: "4nm", unit_price_usd: 25000) ],
    labs: [
        (name: "leader", sites: [(region: "home", connected_mw: 10)], fleet: [(design: "h100", count: {leader_count})]),
        (name: "follower", allow_smaller_runs: false, sites: [(region: "home", connected_mw: 10)], fleet: [(design: "h100", count: 500)]),
    ],
    ecosystem: ( frontier_log10_effective_flop: [("2025-01-01", 25), ("2027-01-01", 27)] ),
    uncertain: {{
        "labs.leader.mfu": Uniform(low: 0.2, high: 0.5),
        "labs.follower.initial_target_run_flop": Discrete(values: [1e22, 1e28], weights: [1, 1]),
    }},
)
"#
    )
}

/// runs.csv: its header and each row by column name (`None`: empty cell).
fn runs_csv(dir: &Path) -> (Vec<String>, Vec<BTreeMap<String, Option<f64>>>) {
    let text = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_string).collect();
    let rows = lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(|c| c.parse::<f64>().ok()))
                .collect()
        })
        .collect();
    (header, rows)
}

const GAP: &str = "training.lab.follower.frontier_gap_months_end";

#[test]
fn a_labs_outcomes_through_batch_summary_and_plot() {
    let root = tmp("labs", "batch");
    std::fs::create_dir_all(&root).unwrap();
    let scenario = root.join("two.ron");
    std::fs::write(&scenario, two_labs(2000)).unwrap();
    let dir = root.join("b");
    let out = ok(&[
        "batch",
        s(&scenario),
        "--runs",
        "8",
        "--seed",
        "1",
        "--out",
        s(&dir),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);

    let (header, rows) = runs_csv(&dir);
    // The national columns come first: the first run's per-lab ones follow
    // them all (a column the first run lacks is appended at the end: here
    // the median lab's gap, which needs the follower's release).
    const MEDIAN: &str = "training.median_lab_frontier_gap_months_end";
    let first_lab = header
        .iter()
        .position(|c| c.starts_with("training.lab."))
        .unwrap();
    assert_eq!(header[first_lab - 1], "stack.events", "{header:?}");
    assert!(
        header[first_lab..]
            .iter()
            .all(|c| c.starts_with("training.lab.") || c == MEDIAN),
        "{header:?}"
    );
    // Of two labs the median is the mean of both gaps, and absent where the
    // follower released nothing (it counts as furthest behind).
    let leader_gap = "training.lab.leader.frontier_gap_months_end";
    for r in &rows {
        let median = r.get(MEDIAN).copied().flatten();
        match (r[leader_gap], r[GAP]) {
            (Some(a), Some(b)) => {
                let m = median.expect("a median where both labs released");
                assert!((m - 0.5 * (a + b)).abs() <= 1e-9 * m.abs(), "{m} vs {a}, {b}");
            }
            _ => assert_eq!(median, None, "{r:?}"),
        }
    }
    assert!(rows.iter().any(|r| r.get(MEDIAN).copied().flatten().is_some()));
    for lab in ["leader", "follower"] {
        for o in [
            "largest_run_flop",
            "releases_total",
            "open_releases_total",
            "best_effective_flop",
            "spend_usd_total",
            "share_lost_power_total",
        ] {
            let col = format!("training.lab.{lab}.{o}");
            assert!(rows.iter().all(|r| r[&col].is_some()), "{col} in every run");
        }
    }
    // The follower's gap exactly in the runs where it released; both kinds occur.
    let released: Vec<bool> = rows
        .iter()
        .map(|r| r["training.lab.follower.releases_total"].unwrap() > 0.0)
        .collect();
    assert!(
        released.contains(&true) && released.contains(&false),
        "{released:?}"
    );
    for (r, rel) in rows.iter().zip(&released) {
        assert_eq!(r[GAP].is_some(), *rel, "{r:?}");
        // The leader holds the nation's best model: its gap is the nation's,
        // the follower's is larger.
        let leader = r["training.lab.leader.frontier_gap_months_end"].unwrap();
        assert_eq!(Some(leader), r["training.frontier_gap_months_end"]);
        assert!(r[GAP].is_none_or(|g| g > leader), "{r:?}");
        // National = the labs' largest, and their sum.
        let l = |o: &str| r[&format!("training.lab.leader.{o}")].unwrap();
        let f = |o: &str| r[&format!("training.lab.follower.{o}")].unwrap();
        assert_eq!(
            r["training.largest_run_flop"],
            Some(l("largest_run_flop").max(f("largest_run_flop")))
        );
        assert_eq!(
            r["training.releases_total"],
            Some(l("releases_total") + f("releases_total"))
        );
    }
    // summary.json: over the runs that report it, and the batch says why.
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    let n = released.iter().filter(|&&r| r).count();
    assert_eq!(summary["outcomes"][GAP]["n"], n as u64);
    assert!(
        stdout.contains(&format!(
            "note: {GAP} is reported by {n} of 8 runs; its statistics are over those {n} only (it exists \
             only in runs where lab follower released a model by the end and there is a world frontier \
             path; training.lab.follower.releases_total is in every run)"
        )),
        "{stdout}"
    );

    // plot: the per-lab charts in plots/labs/, none beside the national ones.
    ok(&["plot", s(&dir)]);
    let plots = dir.join("plots");
    assert!(plots.join("hist-training_largest_run_flop.svg").is_file());
    assert!(
        plots
            .join("labs/hist-training_lab_follower_frontier_gap_months_end.svg")
            .is_file()
    );
    assert!(
        plots
            .join("labs/hist-training_lab_leader_largest_run_flop.svg")
            .is_file()
    );
    let beside: Vec<String> = std::fs::read_dir(&plots)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("training_lab_"))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");
    // sensitivity.csv still lists every outcome, the labs' too.
    let sens = std::fs::read_to_string(dir.join("sensitivity.csv")).unwrap();
    assert!(
        sens.contains("\ntraining.lab.leader.largest_run_flop,labs.leader.mfu,"),
        "{sens}"
    );
}

#[test]
fn compare_and_sensitivity_of_one_labs_outcome() {
    let root = tmp("labs", "compare");
    std::fs::create_dir_all(&root).unwrap();
    let (a, b) = (root.join("a.ron"), root.join("b.ron"));
    std::fs::write(&a, two_labs(2000)).unwrap();
    std::fs::write(&b, two_labs(1000)).unwrap();
    let out = root.join("cmp");
    ok(&[
        "compare",
        s(&a),
        s(&b),
        "--runs",
        "6",
        "--seed",
        "2",
        "--out",
        s(&out),
    ]);
    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    let row = |name: &str| -> Vec<String> {
        csv.lines()
            .find(|l| l.starts_with(&format!("{name},")))
            .unwrap_or_else(|| panic!("no {name} in {csv}"))
            .split(',')
            .map(str::to_string)
            .collect()
    };
    // outcome,n,mean_a,mean_b,mean_diff,…: half the leader's chips, a
    // smaller largest run; the follower's chips are the same.
    let leader = row("training.lab.leader.largest_run_flop");
    assert!(leader[4].parse::<f64>().unwrap() < 0.0, "{leader:?}");
    let national = row("training.largest_run_flop");
    assert_eq!(national[4], leader[4], "the leader's is the nation's largest run");
    let follower = row("training.lab.follower.releases_total");
    assert_eq!(follower[4].parse::<f64>().unwrap(), 0.0, "{follower:?}");

    let sens = root.join("sens");
    ok(&[
        "sensitivity",
        s(&a),
        "--outcome",
        "training.lab.leader.frontier_gap_months_end",
        "--runs",
        "8",
        "--out",
        s(&sens),
    ]);
    let sobol = std::fs::read_to_string(sens.join("sobol.csv")).unwrap();
    assert!(
        sobol.contains("\ntraining.lab.leader.frontier_gap_months_end,labs.leader.mfu,"),
        "{sobol}"
    );
    // A misspelt lab is named as such, not explained as a condition of a
    // lab the scenario does not have.
    let err = refused(&[
        "sensitivity",
        s(&a),
        "--outcome",
        "training.lab.leadr.frontier_gap_months_end",
        "--runs",
        "8",
        "--out",
        s(&root.join("sens2")),
    ]);
    assert!(
        err.contains("Did you mean `training.lab.leader.frontier_gap_months_end`?"),
        "{err}"
    );
    assert!(!err.contains("lab leadr"), "{err}");
}
