//! Looking into one run of a batch ([`plan_replay`]) on the toy model: the
//! seed and values it finds are the ones the batch ran (checked against
//! runs.csv), in both designs and with correlations; running the model with
//! them gives the batch's outcomes and series; directories and indices it
//! cannot replay are refused with what they are.

mod common;
use common::Scratch;

use common::eval_opts;
use montecarlo::outputs::{num, read_runs_csv};
use montecarlo::toy::ToyGrowth;
use montecarlo::{
    BatchOptions, CompareOptions, Design, EvalOptions, Manifest, Model, NoProgress, Shard, compare,
    eval_design, plan_replay, run_batch,
};
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> Scratch {
    Scratch::new(&format!("mc-replay-{name}"))
}

fn batch(dir: &Path, runs: u64, design: Design) -> BatchOptions {
    let mut o = BatchOptions::new(dir, runs, 2026);
    o.threads = Some(2);
    o.durable = false;
    o.design = design;
    o.output.keep_timeseries = true;
    o
}

fn err(r: montecarlo::Result<montecarlo::ReplayPlan>) -> String {
    r.map(|p| format!("unexpectedly replayable: {p:?}"))
        .unwrap_or_else(|e| e.to_string())
}

/// Every run of an MC and an LHS batch (with the toy's rank correlation):
/// the plan's seed and values are runs.csv's row, bit for bit, and the
/// model run with them gives the row's outcomes. Another run's plan gives
/// other outcomes, so the check would see a wrong seed or wrong values.
#[test]
fn each_run_of_mc_and_lhs_batches_is_found_again_and_reproduces() {
    let model = ToyGrowth::default();
    for design in [Design::Mc, Design::Lhs] {
        let dir = tmp(&format!("designs-{design}"));
        run_batch(&model, &batch(&dir, 12, design), &NoProgress).unwrap();
        let t = read_runs_csv(&dir.join("runs.csv"), 3).unwrap();
        for i in 0..12u64 {
            let plan = plan_replay(&dir, i).unwrap();
            let r = i as usize;
            assert_eq!(plan.seed, t.seeds[r]);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&plan.values()), bits(&t.params[r]), "{design} run {i}");
            assert_eq!(
                plan.checked_against,
                vec![
                    format!("runs.csv line {}", r + 2),
                    format!("runs/run-{i:012}.txt")
                ]
            );
            plan.check_model(&model, "toy").unwrap();
            let result = model.run(plan.seed, &plan.values()).unwrap();
            assert!(
                plan.outcome_differences(&result.scalars).is_empty(),
                "{design} run {i}"
            );
            for (k, name) in t.outcome_names.iter().enumerate() {
                let replayed = result
                    .scalars
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| num(*v));
                assert_eq!(replayed, t.outcomes[r][k].map(num), "{design} run {i} {name}");
            }
        }
        // A neighbour's seed or values give other outcomes: the comparison has teeth.
        let (p2, p3) = (plan_replay(&dir, 2).unwrap(), plan_replay(&dir, 3).unwrap());
        let wrong_seed = model.run(p3.seed, &p2.values()).unwrap();
        let wrong_values = model.run(p2.seed, &p3.values()).unwrap();
        assert!(!p2.outcome_differences(&wrong_seed.scalars).is_empty());
        assert!(!p2.outcome_differences(&wrong_values.scalars).is_empty());
        let record = p2.record();
        assert_eq!(record["run"], 2);
        assert_eq!(record["seed"], p2.seed);
        assert_eq!(record["design"], design.to_string());
        assert_eq!(
            record["parameters"]["fab.toy.yield"].as_f64().unwrap().to_bits(),
            p2.params[2].1.to_bits()
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// LHS values depend on N: the plan uses the manifest's N, so a batch of 12
/// and one of 13 give run 2 different values, each its own batch's.
#[test]
fn lhs_plans_use_the_batch_size_of_the_manifest() {
    let model = ToyGrowth::default();
    let (a, b) = (tmp("lhs-12"), tmp("lhs-13"));
    run_batch(&model, &batch(&a, 12, Design::Lhs), &NoProgress).unwrap();
    run_batch(&model, &batch(&b, 13, Design::Lhs), &NoProgress).unwrap();
    let (pa, pb) = (plan_replay(&a, 2).unwrap(), plan_replay(&b, 2).unwrap());
    assert_eq!(pa.seed, pb.seed);
    assert_ne!(pa.values(), pb.values());
}

/// A runs.csv whose row does not match the design (an edited value, another
/// seed) is refused naming the file, line and column; without runs.csv and
/// run files the design alone decides.
#[test]
fn a_runs_csv_that_disagrees_with_the_manifest_is_refused() {
    let model = ToyGrowth::default();
    let dir = tmp("tampered");
    run_batch(&model, &batch(&dir, 4, Design::Mc), &NoProgress).unwrap();
    let plan = plan_replay(&dir, 2).unwrap();
    let text = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut cells: Vec<String> = lines[3].split(',').map(String::from).collect();
    // The last bit of the yield (column 5) flipped: still refused.
    let y: f64 = cells[4].parse().unwrap();
    cells[4] = num(f64::from_bits(y.to_bits() ^ 1));
    lines[3] = cells.join(",");
    std::fs::write(dir.join("runs.csv"), lines.join("\n") + "\n").unwrap();
    let e = err(plan_replay(&dir, 2));
    assert!(e.contains("runs.csv:4") && e.contains("`fab.toy.yield`"), "{e}");
    // Runs 0, 1 and 3 are untouched and still replay.
    plan_replay(&dir, 3).unwrap();
    cells[4] = num(y);
    cells[1] = "12345".into();
    lines[3] = cells.join(",");
    std::fs::write(dir.join("runs.csv"), lines.join("\n") + "\n").unwrap();
    let e = err(plan_replay(&dir, 2));
    assert!(e.contains("runs.csv:4") && e.contains("seed is 12345"), "{e}");
    // Without runs.csv and the run files: the manifest alone, same plan.
    std::fs::remove_file(dir.join("runs.csv")).unwrap();
    std::fs::remove_dir_all(dir.join("runs")).unwrap();
    let alone = plan_replay(&dir, 2).unwrap();
    assert_eq!((alone.seed, alone.values()), (plan.seed, plan.values()));
    assert!(alone.checked_against.is_empty() && alone.recorded_outcomes.is_none());
}

/// Indices a directory does not hold, another model, an unfinished run of an
/// interrupted batch and a shard's foreign runs are refused with what to do.
#[test]
fn indices_models_unfinished_runs_and_foreign_shard_runs_are_refused() {
    let model = ToyGrowth::default();
    let dir = tmp("refusals");
    run_batch(&model, &batch(&dir, 4, Design::Lhs), &NoProgress).unwrap();
    let e = err(plan_replay(&dir, 4));
    assert!(
        e.contains("run 4 is out of range") && e.contains("indices 0 to 3"),
        "{e}"
    );
    let other = ToyGrowth {
        years: 6,
        ..ToyGrowth::default()
    };
    let e = plan_replay(&dir, 1)
        .unwrap()
        .check_model(&other, "toy6")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("toy6 has hash") && e.contains("changed since the batch"),
        "{e}"
    );
    assert!(
        e.contains(&Manifest::read(&dir).unwrap().unwrap().scenario_hash),
        "{e}"
    );

    // Interrupted: runs 2 and 3 never written, no runs.csv yet.
    for i in [2, 3] {
        std::fs::remove_file(dir.join("runs").join(format!("run-{i:012}.txt"))).unwrap();
    }
    std::fs::remove_file(dir.join("runs.csv")).unwrap();
    let mut m = Manifest::read(&dir).unwrap().unwrap();
    m.completed_runs = None;
    m.write(&dir).unwrap();
    let e = err(plan_replay(&dir, 3));
    assert!(e.contains("has not finished") && e.contains("--resume"), "{e}");
    assert_eq!(plan_replay(&dir, 1).unwrap().checked_against.len(), 1);

    let shard = tmp("shard");
    let mut o = batch(&shard, 6, Design::Mc);
    o.shard = Some(Shard { index: 1, count: 3 });
    run_batch(&model, &o, &NoProgress).unwrap();
    plan_replay(&shard, 4).unwrap();
    let e = err(plan_replay(&shard, 3));
    assert!(
        e.contains("shard 1/3") && e.contains("run 3 is in shard 0/3"),
        "{e}"
    );
}

/// An eval directory replays its rows (values from the row, seed from the
/// master seed); a compare directory points at its two batches, which
/// replay; other directories say what they are.
#[test]
fn eval_rows_and_compare_batches_replay_and_other_directories_are_named() {
    let model = ToyGrowth::default();
    let dir = tmp("eval");
    let o = eval_opts(
        &dir,
        "fab.toy.yield,labs.toy.growth_per_month,grid.toy.capacity_mw\n0.9,0.05,1000\n0.5,0.01,2000\n",
        4,
    );
    eval_design(&model, &o, &NoProgress).unwrap();
    let plan = plan_replay(&o.out, 1).unwrap();
    assert_eq!(plan.values(), vec![0.01, 2000.0, 0.5]);
    assert_eq!(plan.seed, montecarlo::run_seed(4, 1));
    let result = model.run(plan.seed, &plan.values()).unwrap();
    assert!(plan.outcome_differences(&result.scalars).is_empty());
    assert!(
        plan.describe().starts_with("Replay of row 1 of the eval"),
        "{}",
        plan.describe()
    );
    let e = err(plan_replay(&o.out, 2));
    assert!(
        e.contains("out of range") && e.contains("rows of the design"),
        "{e}"
    );

    let cmp = tmp("compare");
    let mut b = batch(&cmp, 3, Design::Mc);
    b.output.keep_timeseries = false;
    let other = ToyGrowth {
        policy_boost: 0.01,
        ..ToyGrowth::default()
    };
    compare(
        &model,
        &other,
        &CompareOptions {
            out: cmp.to_path_buf(),
            batch: b,
            warnings: Vec::new(),
        },
        &NoProgress,
    )
    .unwrap();
    let e = err(plan_replay(&cmp, 1));
    assert!(e.contains("`aistack compare`") && e.contains("/a"), "{e}");
    let pb = plan_replay(&cmp.join("b"), 1).unwrap();
    pb.check_model(&other, "b").unwrap();
    assert!(pb.check_model(&model, "a").is_err());

    for (files, says) in [
        (&["sobol.json", "sobol.csv"][..], "`aistack sensitivity`"),
        (&["morris.csv"][..], "`aistack sensitivity`"),
        (&["summary.json", "timeseries.csv"][..], "single `aistack run`"),
        (&["runs.csv"][..], "no manifest.json"),
        (&[][..], "not a batch directory"),
    ] {
        let d = tmp("kind");
        std::fs::create_dir_all(&d).unwrap();
        for f in files {
            std::fs::write(d.join(f), "").unwrap();
        }
        let e = err(plan_replay(&d, 0));
        assert!(e.contains(says), "{files:?}: {e}");
        let _ = std::fs::remove_dir_all(d);
    }
    let e = err(plan_replay(&tmp("missing"), 0));
    assert!(e.contains("does not exist"), "{e}");
}

/// The scenario of a batch: the manifest's `scenario_path` (the model's
/// source), or for a manifest written before it was recorded, the one
/// `.ron` argument of its command line; none when that is ambiguous.
#[test]
fn the_recorded_scenario_comes_from_the_manifest_or_an_older_command_line() {
    use montecarlo::replay::recorded_scenario;
    let dir = tmp("recorded");
    run_batch(&ToyGrowth::default(), &batch(&dir, 2, Design::Mc), &NoProgress).unwrap();
    let mut m = Manifest::read(&dir).unwrap().unwrap();
    // The toy model has no file.
    assert_eq!(m.scenario_path, None);
    m.command_line = ["aistack", "batch", "--runs", "2", "s/x.ron", "--out", "o"]
        .map(String::from)
        .to_vec();
    assert_eq!(recorded_scenario(&m), Some(PathBuf::from("s/x.ron")));
    m.command_line.push("y.ron".into());
    assert_eq!(recorded_scenario(&m), None);
    m.scenario_path = Some("/abs/z.ron".into());
    assert_eq!(recorded_scenario(&m), Some(PathBuf::from("/abs/z.ron")));
}

/// A run file that is not the batch's run (another run's file copied over
/// it) is refused naming the file and what it records, before its series
/// could be taken for the run's.
#[test]
fn a_run_file_of_another_run_is_refused() {
    let model = ToyGrowth::default();
    let dir = tmp("swapped");
    run_batch(&model, &batch(&dir, 4, Design::Mc), &NoProgress).unwrap();
    let file = |i: u64| dir.join("runs").join(format!("run-{i:012}.txt"));
    std::fs::copy(file(1), file(2)).unwrap();
    let e = err(plan_replay(&dir, 2));
    assert!(
        e.contains("run-000000000002.txt") && e.contains("it records run 1") && e.contains("replay"),
        "{e}"
    );
    plan_replay(&dir, 3).unwrap();
}

/// A design's `seed` column (session 12, audit F3): rows with the same
/// seed and values give the same outcomes (common random numbers, as
/// `sensitivity` gives a Saltelli row), the seed is run s's, the manifest
/// says the design had the column, and each row replays with its own seed.
/// `--others drawn` draws a row's other parameters as run s too. A seed
/// that is no non-negative integer is refused with file:line.
#[test]
fn eval_seed_column_shares_noise_and_replays() {
    let model = ToyGrowth::default();
    let dir = tmp("eval-seed");
    let o = eval_opts(
        &dir,
        "fab.toy.yield,seed,labs.toy.growth_per_month,grid.toy.capacity_mw\n\
         0.9,7,0.05,1000\n0.5,7,0.01,2000\n0.9,7,0.05,1000\n0.9,8,0.05,1000\n",
        4,
    );
    let design = o.design_csv.clone();
    let t = eval_design(&model, &o, &NoProgress).unwrap().table;
    let s7 = montecarlo::run_seed(4, 7);
    assert_eq!(t.seeds, vec![s7, s7, s7, montecarlo::run_seed(4, 8)]);
    assert_eq!(t.params[0], vec![0.05, 1000.0, 0.9]);
    assert_eq!(t.outcomes[0], t.outcomes[2], "same seed and values");
    assert_ne!(t.outcomes[0], t.outcomes[3], "another seed, other noise");
    let m = Manifest::read(&o.out).unwrap().unwrap();
    assert!(m.eval.as_ref().unwrap().seed_column, "{:?}", m.eval);
    for run in 0..4 {
        let plan = plan_replay(&o.out, run).unwrap();
        assert_eq!(plan.seed, t.seeds[run as usize]);
        let result = model.run(plan.seed, &plan.values()).unwrap();
        assert!(plan.outcome_differences(&result.scalars).is_empty(), "row {run}");
    }
    // runs.csv alone (no run file) gives the seed too.
    std::fs::remove_file(montecarlo::store::run_file_path(&o.out, 3)).unwrap();
    assert_eq!(plan_replay(&o.out, 3).unwrap().seed, montecarlo::run_seed(4, 8));

    // Drawn others: rows with seed 5 get run 5's draw of the missing column.
    let drawn = dir.join("drawn.csv");
    std::fs::write(
        &drawn,
        "seed,fab.toy.yield,labs.toy.growth_per_month\n5,0.9,0.05\n5,0.5,0.01\n6,0.9,0.05\n",
    )
    .unwrap();
    let od = EvalOptions {
        design_csv: drawn,
        out: dir.join("drawn"),
        others: Some(montecarlo::Others::Drawn),
        ..o.clone()
    };
    let t = eval_design(&model, &od, &NoProgress).unwrap().table;
    let mut b = batch(&dir.join("b"), 7, Design::Mc);
    b.master_seed = 4;
    let bt = run_batch(&model, &b, &NoProgress).unwrap().table;
    let cap = |t: &montecarlo::RunsTable, r: usize| t.params[r][1];
    assert_eq!(
        (cap(&t, 0), cap(&t, 1), cap(&t, 2)),
        (cap(&bt, 5), cap(&bt, 5), cap(&bt, 6))
    );

    std::fs::write(&design, "seed,fab.toy.yield,labs.toy.growth_per_month,grid.toy.capacity_mw\n1,0.9,0.05,1000\n-2,0.9,0.05,1000\n").unwrap();
    let e = eval_design(
        &model,
        &EvalOptions {
            out: dir.join("bad"),
            ..o.clone()
        },
        &NoProgress,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("design.csv:3") && e.contains("`seed` = `-2`"), "{e}");
    // Written as floats (numpy.savetxt, pandas): 7.0 and 7e0 are run 7; a
    // fraction is refused (audit s15-econ: `3.0` was refused).
    std::fs::write(
        &design,
        "seed,fab.toy.yield,labs.toy.growth_per_month,grid.toy.capacity_mw
7.0,0.9,0.05,1000
7e0,0.9,0.05,1000
",
    )
    .unwrap();
    let t = eval_design(
        &model,
        &EvalOptions {
            out: dir.join("floats"),
            ..o.clone()
        },
        &NoProgress,
    )
    .unwrap()
    .table;
    assert_eq!(t.seeds, vec![s7, s7]);
    std::fs::write(
        &design,
        "seed,fab.toy.yield,labs.toy.growth_per_month,grid.toy.capacity_mw
7.5,0.9,0.05,1000
",
    )
    .unwrap();
    let e = eval_design(
        &model,
        &EvalOptions {
            out: dir.join("fraction"),
            ..o.clone()
        },
        &NoProgress,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("design.csv:2") && e.contains("`seed` = `7.5`"), "{e}");
    // From 2^53 on a float skips integers: refused as a float, taken as an
    // integer (review s15 b: 9007199254740993.0 ran as ...992).
    for (cell, ok) in [
        ("9007199254740993.0", false),
        ("9007199254740993", true),
        ("-0.0", true),
    ] {
        std::fs::write(
            &design,
            format!(
                "seed,fab.toy.yield,labs.toy.growth_per_month,grid.toy.capacity_mw\n{cell},0.9,0.05,1000\n"
            ),
        )
        .unwrap();
        let r = eval_design(
            &model,
            &EvalOptions {
                out: dir.join(format!("big-{ok}-{}", cell.len())),
                ..o.clone()
            },
            &NoProgress,
        );
        assert_eq!(r.is_ok(), ok, "{cell}: {:?}", r.err().map(|e| e.to_string()));
    }
}
