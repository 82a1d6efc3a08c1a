//! Batch runner end to end on the toy model: determinism across threads,
//! resume after interruption (including SIGKILL), shards and merge, the
//! stopping rule, the memory budget, eval and compare.

mod common;
use common::Scratch;

use common::eval_opts;
use montecarlo::toy::ToyGrowth;
use montecarlo::{
    BatchOptions, CompareOptions, Design, EvalOptions, McError, MergeOptions, Model, NoProgress, Others,
    OutputOptions, Shard, compare, eval_design, merge, run_batch,
};
use scheduler::math;
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> Scratch {
    Scratch::new(&format!("mc-it-{name}"))
}

const FINALS: [&str; 5] = [
    "runs.csv",
    "runs.do",
    "bands.csv",
    "summary.json",
    "convergence.csv",
];

fn read(dir: &Path, f: &str) -> Vec<u8> {
    std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(f).display()))
}

fn assert_same_outputs(a: &Path, b: &Path, files: &[&str]) {
    for f in files {
        assert!(
            read(a, f) == read(b, f),
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

fn opts(out: &Path, runs: u64, threads: usize) -> BatchOptions {
    let mut o = BatchOptions::new(out, runs, 2026);
    o.threads = Some(threads);
    o.durable = false;
    o
}

#[test]
fn outputs_identical_across_thread_counts_and_designs_differ() {
    let model = ToyGrowth::default();
    // Latin hypercube in 4 replicates of 30 (issue 7) too.
    let mut thr1 = Vec::new();
    for (design, replicates) in [(Design::Mc, 1), (Design::Lhs, 1), (Design::Lhs, 4)] {
        let name = |t: u32| match replicates {
            1 => format!("thr{t}-{design}"),
            r => format!("thr{t}-{design}-r{r}"),
        };
        let (a, b) = (tmp(&name(1)), tmp(&name(3)));
        let mut oa = opts(&a, 120, 1);
        oa.design = design;
        oa.replicates = replicates;
        oa.output.keep_timeseries = true;
        let mut ob = opts(&b, 120, 3);
        ob.design = design;
        ob.replicates = replicates;
        ob.output.keep_timeseries = true;
        let ra = run_batch(&model, &oa, &NoProgress).unwrap();
        run_batch(&model, &ob, &NoProgress).unwrap();
        assert_same_outputs(&a, &b, &[&FINALS[..], &["timeseries.csv"]].concat());
        assert_eq!(ra.runs_in_outputs, 120);
        let runs_csv = String::from_utf8(read(&a, "runs.csv")).unwrap();
        let header = runs_csv.lines().next().unwrap();
        assert!(header.starts_with(
            "run,seed,labs.toy.growth_per_month,grid.toy.capacity_mw,fab.toy.yield,training.final_flop"
        ));
        assert_eq!(runs_csv.lines().count(), 121);
        let bands = String::from_utf8(read(&a, "bands.csv")).unwrap();
        assert!(bands.starts_with(
            "metric,entity,category,time_year,date,n,mean,sd,p5,p25,p50,p75,p95,quantile_abs_error_max\n"
        ));
        assert_eq!(bands.lines().count(), 1 + 2 * 60);
        let ts = String::from_utf8(read(&a, "timeseries.csv")).unwrap();
        assert!(ts.starts_with("run,time_year,date,metric,entity,value\n0,"));
        assert_eq!(ts.lines().count(), 1 + 120 * 120);
        thr1.push(a);
    }
    let (mc, lhs, lhs4) = (&thr1[0], &thr1[1], &thr1[2]);
    assert_ne!(read(mc, "runs.csv"), read(lhs, "runs.csv"));
    assert_ne!(read(lhs, "runs.csv"), read(lhs4, "runs.csv"));
    // Only the replicated batch reports replicates, and a convergence row
    // per replicate (30 runs each) instead of every 100 runs.
    let conv = |d: &Path| {
        let text = String::from_utf8(read(d, "convergence.csv")).unwrap();
        let runs: Vec<String> = text
            .lines()
            .skip(1)
            .filter(|l| l.starts_with("training.final_flop,"))
            .map(|l| l.split(',').nth(1).unwrap().to_string())
            .collect();
        runs.join(" ")
    };
    assert_eq!(conv(lhs), "100 120");
    assert_eq!(conv(lhs4), "30 60 90 120");
    let summary =
        |d: &Path| -> serde_json::Value { serde_json::from_slice(&read(d, "summary.json")).unwrap() };
    assert!(summary(lhs).get("replicates").is_none());
    assert_eq!(summary(lhs4)["replicates"], 4);
}

#[test]
fn resume_after_lost_runs_is_byte_identical() {
    // Plain MC, and a Latin hypercube in 5 replicates of 30 (issue 7).
    for (design, replicates) in [(Design::Mc, 1), (Design::Lhs, 5)] {
        resume_after_lost_runs(design, replicates);
    }
}

fn resume_after_lost_runs(design: Design, replicates: u64) {
    let model = ToyGrowth::default();
    let (full, cut) = (
        tmp(&format!("full-{design}-{replicates}")),
        tmp(&format!("cut-{design}-{replicates}")),
    );
    let opts = |out: &Path, runs, threads| {
        let mut o = opts(out, runs, threads);
        o.design = design;
        o.replicates = replicates;
        o
    };
    run_batch(&model, &opts(&full, 150, 2), &NoProgress).unwrap();
    run_batch(&model, &opts(&cut, 150, 2), &NoProgress).unwrap();
    // Simulate an interruption: drop final outputs, some runs, leave a half-written temp file.
    for f in FINALS {
        std::fs::remove_file(cut.join(f)).unwrap();
    }
    for i in (3..150).step_by(4) {
        std::fs::remove_file(montecarlo::store::run_file_path(&cut, i)).unwrap();
    }
    std::fs::write(
        cut.join("runs/.run-000000000003.txt.tmp-9"),
        "aistack-run 1\nrun 3",
    )
    .unwrap();
    let mut o = opts(&cut, 150, 3);
    o.resume = true;
    let r = run_batch(&model, &o, &NoProgress).unwrap();
    assert_eq!((r.runs_executed, r.runs_reused), (37, 113));
    assert_same_outputs(&full, &cut, &FINALS);
    // A second resume of a finished batch runs nothing and changes nothing.
    assert_eq!(run_batch(&model, &o, &NoProgress).unwrap().runs_executed, 0);
    assert_same_outputs(&full, &cut, &FINALS);
}

#[test]
fn resume_refuses_different_arguments_naming_the_field() {
    let model = ToyGrowth::default();
    let d = tmp("mismatch");
    let mut first = opts(&d, 20, 1);
    first.command_line = [
        "aistack", "batch", "toy.ron", "--runs", "20", "--seed", "1", "--out", "my dir",
    ]
    .map(String::from)
    .to_vec();
    run_batch(&model, &first, &NoProgress).unwrap();
    let mut o = opts(&d, 20, 1);
    assert!(matches!(
        run_batch(&model, &o, &NoProgress),
        Err(McError::AlreadyExists(_))
    ));
    o.resume = true;
    o.master_seed = 7;
    match run_batch(&model, &o, &NoProgress) {
        Err(e @ McError::ResumeMismatch { .. }) => {
            let McError::ResumeMismatch { field, .. } = &e else {
                unreachable!()
            };
            assert_eq!(field, "master_seed");
            // The message shows the batch's arguments as the command that
            // resumes it: `--resume DIR` in place of the recorded `--out`.
            assert!(
                e.to_string().contains(&format!(
                    "as its manifest records them: `aistack batch toy.ron --runs 20 --seed {} \
                     --design mc --resume {}`",
                    first.master_seed,
                    d.display()
                )),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
    // Another N is refused where runs depend on N (Latin hypercube); a
    // plain Monte Carlo batch may be extended or cut (test below).
    let lhs = tmp("mismatch-lhs");
    let mut o = opts(&lhs, 20, 1);
    o.design = Design::Lhs;
    run_batch(&model, &o, &NoProgress).unwrap();
    o.runs = 21;
    o.resume = true;
    let e = run_batch(&model, &o, &NoProgress).unwrap_err();
    // With the reason (audit s30 econ: a plain batch may change N, so a
    // refusal without one read as arbitrary); a stopping rule's too.
    assert!(
        e.to_string().contains("`runs` differs")
            && e.to_string().contains("lays out its strata for all its runs"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&lhs);
    let mut o = opts(&lhs, 20, 1);
    o.until_rel_halfwidth = Some(0.5);
    run_batch(&model, &o, &NoProgress).unwrap();
    o.runs = 21;
    o.resume = true;
    let e = run_batch(&model, &o, &NoProgress).unwrap_err().to_string();
    assert!(
        e.contains("`runs` differs") && e.contains("--runs caps a batch with a stopping rule"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&lhs);
    // Another replicate count too (issue 7), and the resume command says
    // the batch's; one replicate is what a manifest without the field means.
    let mut o = opts(&lhs, 20, 1);
    o.design = Design::Lhs;
    o.replicates = 2;
    run_batch(&model, &o, &NoProgress).unwrap();
    let m = std::fs::read_to_string(lhs.join("manifest.json")).unwrap();
    assert!(m.contains("\"replicates\": 2"), "{m}");
    o.resume = true;
    for other in [1, 4] {
        o.replicates = other;
        let e = run_batch(&model, &o, &NoProgress).unwrap_err().to_string();
        assert!(
            e.contains(&format!(
                "`replicates` differs (manifest has 2, this command gives {other})"
            )) && e.contains("--design lhs --replicates 2 --resume"),
            "{e}"
        );
    }
    // Another design or N is named as such, not judged as a bad replicate
    // count for it (review s18-rev-mc, finding 4: `--design mc` read as
    // "--replicates 2 works with --design lhs only", and `--runs 21` got a
    // suggestion of N the batch would then refuse).
    o.replicates = 2;
    let e = run_batch(
        &model,
        &BatchOptions {
            design: Design::Mc,
            ..o.clone()
        },
        &NoProgress,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("`design` differs"), "{e}");
    let e = run_batch(
        &model,
        &BatchOptions {
            runs: 21,
            ..o.clone()
        },
        &NoProgress,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("`runs` differs"), "{e}");
    let _ = std::fs::remove_dir_all(&lhs);
    let mut o = opts(&lhs, 20, 1);
    o.design = Design::Lhs;
    run_batch(&model, &o, &NoProgress).unwrap();
    let m = std::fs::read_to_string(lhs.join("manifest.json")).unwrap();
    assert!(!m.contains("replicates"), "{m}");
    let _ = std::fs::remove_dir_all(lhs);
    let other = ToyGrowth {
        policy_boost: 0.01,
        ..ToyGrowth::default()
    };
    let mut o = opts(&d, 20, 1);
    o.resume = true;
    let e = run_batch(&other, &o, &NoProgress).unwrap_err();
    assert!(e.to_string().contains("scenario_hash"), "{e}");
}

/// Child side of the SIGKILL test: runs a slow batch into `MC_KILL_DIR`. Ignored unless spawned by the test below.
#[test]
#[ignore]
fn child_slow_batch() {
    let Ok(dir) = std::env::var("MC_KILL_DIR") else {
        return;
    };
    let model = ToyGrowth {
        work_micros: 20_000,
        ..ToyGrowth::default()
    };
    let mut o = opts(Path::new(&dir), 200, 2);
    o.durable = true;
    run_batch(&model, &o, &NoProgress).unwrap();
}

#[test]
fn sigkill_mid_batch_then_resume_matches_uninterrupted() {
    let dir = tmp("killed");
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_slow_batch", "--ignored", "--test-threads=1"])
        .env("MC_KILL_DIR", &*dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while montecarlo::store::list_runs(&dir).map_or(0, |r| r.len()) < 20 {
        assert!(start.elapsed().as_secs() < 30, "child made no progress");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // While the child writes, a resume in this process is refused (the
    // child holds the directory's lock); after the SIGKILL below the OS has
    // dropped it and the same resume runs.
    let mut busy = opts(&dir, 200, 2);
    busy.resume = true;
    let e = run_batch(&ToyGrowth::default(), &busy, &NoProgress).unwrap_err();
    assert!(matches!(&e, montecarlo::McError::Busy(d) if d == &*dir), "{e}");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let done = montecarlo::store::list_runs(&dir).unwrap().len() as u64;
    assert!(done < 200, "child finished before the kill");
    assert!(
        !dir.join("runs.csv").exists(),
        "partial outputs must not be presented as complete"
    );
    let fast = ToyGrowth::default(); // same identity as the child's: work_micros does not change results
    let mut o = opts(&dir, 200, 2);
    o.resume = true;
    let r = run_batch(&fast, &o, &NoProgress).unwrap();
    assert_eq!(r.runs_reused + r.runs_executed, 200);
    assert_eq!(r.runs_reused, done);
    let full = tmp("unkilled");
    run_batch(&fast, &opts(&full, 200, 2), &NoProgress).unwrap();
    assert_same_outputs(&full, &dir, &FINALS);
}

#[test]
fn merged_shards_equal_unsharded_batch() {
    // One Latin hypercube, and 3 replicates of 34 (issue 7).
    merged_shards_equal_unsharded(103, 1);
    merged_shards_equal_unsharded(102, 3);
}

fn merged_shards_equal_unsharded(runs: u64, replicates: u64) {
    let model = ToyGrowth::default();
    let tmp = |name: &str| tmp(&format!("{name}-r{replicates}"));
    let opts = |out: &Path, runs, threads| {
        let mut o = opts(out, runs, threads);
        o.replicates = replicates;
        o
    };
    let whole = tmp("whole");
    let mut ow = opts(&whole, runs, 2);
    ow.design = Design::Lhs;
    ow.output.keep_timeseries = true;
    run_batch(&model, &ow, &NoProgress).unwrap();
    let shard_dirs_scratch: Vec<Scratch> = (0..3).map(|k| tmp(&format!("shard{k}"))).collect();
    let shard_dirs: Vec<PathBuf> = shard_dirs_scratch.iter().map(|d| d.to_path_buf()).collect();
    for (k, d) in shard_dirs.iter().enumerate() {
        let mut o = opts(d, runs, 1);
        o.design = Design::Lhs;
        o.shard = Some(Shard {
            index: k as u64,
            count: 3,
        });
        let r = run_batch(&model, &o, &NoProgress).unwrap();
        assert_eq!(r.runs_in_outputs, (runs - k as u64).div_ceil(3));
    }
    let merged = tmp("merged");
    let mo = |dirs: Vec<PathBuf>| MergeOptions {
        shard_dirs: dirs,
        out: merged.to_path_buf(),
        output: OutputOptions {
            keep_timeseries: true,
            ..OutputOptions::default()
        },
        command_line: vec![],
        build: Default::default(),
        threads: None,
    };
    let e = merge(&mo(shard_dirs[..2].to_vec())).unwrap_err();
    assert!(e.to_string().contains("missing shard(s) 2/3"), "{e}");
    merge(&mo(shard_dirs.clone())).unwrap();
    assert_same_outputs(&whole, &merged, &[&FINALS[..], &["timeseries.csv"]].concat());
    // The run files are linked, not copied, on one file system: the merged
    // batch takes no second copy of its runs on disk (audit s23-scale, F5).
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let (src, dst) = (
            montecarlo::store::run_file_path(&shard_dirs[1], 1),
            montecarlo::store::run_file_path(&merged, 1),
        );
        let (a, b) = (std::fs::metadata(&src).unwrap(), std::fs::metadata(&dst).unwrap());
        assert_eq!(
            (a.dev(), a.ino()),
            (b.dev(), b.ino()),
            "{} is a copy",
            dst.display()
        );
    }
    // A shard of another seed is refused, naming the field.
    let stranger = tmp("stranger");
    let mut o = opts(&stranger, runs, 1);
    o.design = Design::Lhs;
    o.master_seed = 1;
    o.shard = Some(Shard { index: 2, count: 3 });
    run_batch(&model, &o, &NoProgress).unwrap();
    let e = merge(&MergeOptions {
        out: tmp("merged2").to_path_buf(),
        ..mo(vec![
            shard_dirs[0].clone(),
            shard_dirs[1].clone(),
            stranger.to_path_buf(),
        ])
    })
    .unwrap_err();
    assert!(e.to_string().contains("master_seed"), "{e}");
    // A shard of one Latin hypercube among those of replicates is refused
    // too, naming the field.
    let other_r = tmp("other-r");
    if replicates > 1 {
        let mut o = opts(&other_r, runs, 1);
        o.design = Design::Lhs;
        o.replicates = 1;
        o.shard = Some(Shard { index: 2, count: 3 });
        run_batch(&model, &o, &NoProgress).unwrap();
        let merged3 = tmp("merged3");
        let e = merge(&MergeOptions {
            out: merged3.to_path_buf(),
            ..mo(vec![
                shard_dirs[0].clone(),
                shard_dirs[1].clone(),
                other_r.to_path_buf(),
            ])
        })
        .unwrap_err();
        assert!(
            e.to_string().contains("`replicates` differs") && e.to_string().contains("has 1"),
            "{e}"
        );
        assert!(!merged3.exists());
    }
}

#[test]
fn stopping_rule_stops_at_a_deterministic_checkpoint() {
    let model = ToyGrowth::default();
    let (a, b) = (tmp("until-a"), tmp("until-b"));
    let mut o = opts(&a, 5000, 1);
    o.until_rel_halfwidth = Some(0.05);
    o.stop_outcomes = vec!["energy.peak_load_mw".into()];
    let ra = run_batch(&model, &o, &NoProgress).unwrap();
    let k = ra.stopped_at.expect("stops early");
    assert!(k % 100 == 0 && k < 5000, "{k}");
    assert_eq!(ra.runs_in_outputs, k);
    // The rule holds at k and not at k − 100 (checked on the written table).
    let vals: Vec<f64> = ra
        .table
        .outcome("energy.peak_load_mw")
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    let rel = |n: usize| {
        let mut w = montecarlo::stats::Welford::new();
        vals[..n].iter().for_each(|&v| w.push(v));
        montecarlo::convergence::rel_half_width(&w)
    };
    assert!(rel(k as usize) <= 0.05 && (k == 100 || rel(k as usize - 100) > 0.05));
    o.out = b.to_path_buf();
    o.threads = Some(3);
    assert_eq!(run_batch(&model, &o, &NoProgress).unwrap().stopped_at, Some(k));
    assert_same_outputs(&a, &b, &FINALS);
    o.design = Design::Lhs;
    assert!(matches!(
        run_batch(&model, &o, &NoProgress),
        Err(McError::Invalid(_))
    ));
}

#[test]
fn bands_past_memory_budget_use_sketch_within_stated_bound() {
    let model = ToyGrowth::default();
    let (exact, sketched) = (tmp("exact"), tmp("sketched"));
    run_batch(&model, &opts(&exact, 300, 2), &NoProgress).unwrap();
    let mut o = opts(&sketched, 300, 2);
    o.output.memory_budget_bytes = 10_000;
    o.output.sketch_bins = 512;
    let r = run_batch(&model, &o, &NoProgress).unwrap();
    assert!(!r.bands_exact);
    let parse = |d: &Path| -> Vec<Vec<String>> {
        String::from_utf8(read(d, "bands.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').map(String::from).collect())
            .collect()
    };
    let (e, s) = (parse(&exact), parse(&sketched));
    assert_eq!(e.len(), s.len());
    for (re, rs) in e.iter().zip(&s) {
        assert_eq!(re[..8], rs[..8], "identity, n, mean and sd are exact in both");
        assert_eq!(re[13], "0.0");
        let bound: f64 = rs[13].parse().unwrap();
        assert!(bound > 0.0);
        for c in 8..13 {
            let (x, y): (f64, f64) = (re[c].parse().unwrap(), rs[c].parse().unwrap());
            assert!(
                (x - y).abs() <= bound * (1.0 + 1e-9),
                "{}: {x} vs {y} > {bound}",
                re[0]
            );
        }
    }
    assert_eq!(read(&exact, "runs.csv"), read(&sketched, "runs.csv"));
}

/// A series that is 0 in 90 % of runs and lognormal(0, 3) otherwise (as
/// spilled energy or emissions in a region), plus an integer count 0…4.
struct ZeroInflated;
impl Model for ZeroInflated {
    fn parameters(&self) -> Vec<montecarlo::ParamSpec> {
        vec![montecarlo::ParamSpec {
            path: "u".into(),
            dist: scheduler::Dist::Uniform { low: 0.0, high: 1.0 },
        }]
    }
    fn run(&self, _seed: u64, p: &[f64]) -> Result<montecarlo::RunResult, montecarlo::ModelError> {
        let u = p[0];
        let spill = if u < 0.9 {
            0.0
        } else {
            math::exp(3.0 * scheduler::rng::std_normal_quantile((u - 0.9) / 0.1))
        };
        let mut series = montecarlo::Series::builder();
        series.push(0.5, "2026-07-01", "energy.spill_mwh", "national", spill);
        series.push(
            0.5,
            "2026-07-01",
            "fab.tool_failures",
            "national",
            (u * 5.0).floor(),
        );
        Ok(montecarlo::RunResult {
            scalars: vec![("y".into(), u)],
            series: series.finish().map_err(montecarlo::ModelError)?,
        })
    }
    fn identity(&self) -> Vec<u8> {
        b"zero-inflated".to_vec()
    }
}

/// Audit s23 F4: past the memory budget, a zero-inflated cell's p5…p75
/// and an integer count's quantiles are the exact ones (each bin the
/// quantiles read keeps its min and max), not values no run had.
#[test]
fn sketched_bands_return_a_bins_one_value_exactly() {
    let (exact, sketched) = (tmp("zi-exact"), tmp("zi-sketched"));
    run_batch(&ZeroInflated, &opts(&exact, 400, 2), &NoProgress).unwrap();
    let mut o = opts(&sketched, 400, 2);
    o.output.memory_budget_bytes = 1_000;
    let r = run_batch(&ZeroInflated, &o, &NoProgress).unwrap();
    assert!(!r.bands_exact);
    let rows = |d: &Path| -> Vec<Vec<String>> {
        String::from_utf8(read(d, "bands.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').map(String::from).collect())
            .collect()
    };
    let (e, s) = (rows(&exact), rows(&sketched));
    assert_eq!(e.len(), 2);
    let spill = e.iter().position(|r| r[0] == "energy.spill_mwh").unwrap();
    assert_eq!(&s[spill][8..12], ["0.0", "0.0", "0.0", "0.0"], "{:?}", s[spill]);
    let count = 1 - spill;
    assert_eq!(s[count][8..13], e[count][8..13], "{:?}", s[count]);
    assert!(
        s[count][13].parse::<f64>().unwrap() > 0.0,
        "the sketch's bound is still given"
    );
}

#[test]
fn eval_runs_design_rows_in_order_and_refuses_unknown_columns() {
    let model = ToyGrowth::default();
    let dir = tmp("eval");
    let o = eval_opts(
        &dir,
        "fab.toy.yield,labs.toy.growth_per_month,grid.toy.capacity_mw\n0.9,0.05,1000\n0.5,0.01,2000\n0.9,0.05,1000\n",
        4,
    );
    let design = o.design_csv.clone();
    let t = eval_design(&model, &o, &NoProgress).unwrap().table;
    assert_eq!(
        t.params,
        vec![
            vec![0.05, 1000.0, 0.9],
            vec![0.01, 2000.0, 0.5],
            vec![0.05, 1000.0, 0.9]
        ]
    );
    let f = t.outcome("training.final_flop").unwrap();
    assert!(f[0].unwrap() > f[1].unwrap(), "higher growth, more compute");
    assert_ne!(
        f[0], f[2],
        "rows 0 and 2 differ only by run seed, which drives the noise"
    );
    std::fs::write(&design, "fab.toy.yield,nope\n0.9,1\n").unwrap();
    let e = eval_design(
        &model,
        &EvalOptions {
            out: dir.join("out2"),
            ..o
        },
        &NoProgress,
    )
    .unwrap_err();
    assert!(e.to_string().contains("`nope`"), "{e}");
}

#[test]
fn compare_uses_common_random_numbers_and_narrows_the_interval() {
    let a = ToyGrowth::default();
    let b = ToyGrowth {
        policy_boost: 0.002,
        ..ToyGrowth::default()
    };
    let dir = tmp("compare");
    let o = CompareOptions {
        out: dir.to_path_buf(),
        batch: opts(&dir, 200, 2),
        warnings: Vec::new(),
    };
    let r = compare(&a, &b, &o, &NoProgress).unwrap();
    assert_eq!(r.a.table.seeds, r.b.table.seeds);
    assert_eq!(
        r.a.table.params, r.b.table.params,
        "shared paths draw the same values"
    );
    let d = r
        .differences
        .iter()
        .find(|d| d.outcome == "training.final_flop")
        .unwrap();
    assert!(d.ci95_low > 0.0, "the boost raises compute: {d:?}");
    assert!(d.narrowing > 0.5, "CRN should narrow the interval a lot: {d:?}");
    assert!((d.mean_diff - (d.mean_b - d.mean_a)).abs() <= 1e-9 * d.mean_a.abs());
    let csv = String::from_utf8(read(&dir, "compare.csv")).unwrap();
    assert!(csv.starts_with(
        "outcome,n,mean_a,mean_b,mean_diff,ci95_low,ci95_high,half_width_crn,half_width_independent,narrowing,runs_differing,n_a,n_b,reported_share_diff,reported_share_ci95_low,reported_share_ci95_high,runs_up,runs_down\n"
    ));
}

/// Audit s26-econ F13: comparing a model with itself (the same scenario
/// hash) says so in a note; two different models get no such note.
#[test]
fn compare_of_a_scenario_with_itself_says_so() {
    let a = ToyGrowth::default();
    let same = tmp("compare-same");
    let o = CompareOptions {
        out: same.to_path_buf(),
        batch: opts(&same, 3, 1),
        warnings: Vec::new(),
    };
    let r = compare(&a, &ToyGrowth::default(), &o, &NoProgress).unwrap();
    assert!(
        r.notes.iter().any(
            |n| n.starts_with("A and B are identical (the same scenario hash, fnv1a64:")
                && n.contains("every difference is 0")
        ),
        "{:?}",
        r.notes
    );
    let other = tmp("compare-other");
    let o = CompareOptions {
        out: other.to_path_buf(),
        batch: opts(&other, 3, 1),
        warnings: Vec::new(),
    };
    let b = ToyGrowth {
        policy_boost: 0.002,
        ..ToyGrowth::default()
    };
    let r = compare(&a, &b, &o, &NoProgress).unwrap();
    assert!(!r.notes.iter().any(|n| n.contains("identical")), "{:?}", r.notes);
}

/// y = u, u ~ U(0, 1); with `rare` set, y gains 1 where u < 0.005: a
/// policy that moves the outcome in one run in 200.
struct RareEffect {
    rare: bool,
}
impl Model for RareEffect {
    fn parameters(&self) -> Vec<montecarlo::ParamSpec> {
        vec![montecarlo::ParamSpec {
            path: "u".into(),
            dist: scheduler::Dist::Uniform { low: 0.0, high: 1.0 },
        }]
    }
    fn run(&self, _seed: u64, p: &[f64]) -> Result<montecarlo::RunResult, montecarlo::ModelError> {
        let y = p[0] + if self.rare && p[0] < 0.005 { 1.0 } else { 0.0 };
        Ok(montecarlo::RunResult {
            scalars: vec![("y".into(), y)],
            series: montecarlo::Series::default(),
        })
    }
    fn identity(&self) -> Vec<u8> {
        format!("rare-effect {}", self.rare).into_bytes()
    }
}

/// Audit s23 F1: a policy that moves an outcome in a rare run only leaves
/// every difference of a small compare at 0. Its row is not "[0, 0], 100 %
/// narrowed" presented as knowledge: narrowing n/a (an empty cell), 0 runs
/// differing, and a note with the rule of three's bound. At many runs the
/// effect is seen: runs differing counted, an interval above 0.
#[test]
fn a_rare_effect_unseen_at_small_n_gets_the_rule_of_three_and_is_seen_at_large_n() {
    let (a, b) = (RareEffect { rare: false }, RareEffect { rare: true });
    let small = tmp("compare-rare-20");
    let o = CompareOptions {
        out: small.to_path_buf(),
        batch: opts(&small, 20, 1),
        warnings: Vec::new(),
    };
    let r = compare(&a, &b, &o, &NoProgress).unwrap();
    let d = &r.differences[0];
    assert_eq!(
        (d.n, d.runs_differing, d.ci95_low, d.ci95_high),
        (20, 0, 0.0, 0.0),
        "{d:?}"
    );
    assert!(d.narrowing.is_nan(), "{d:?}");
    let notes = montecarlo::zero_difference_notes(&r.differences);
    assert!(
        notes.len() == 1 && notes[0].contains("0 in all 20 paired runs") && notes[0].contains("13.91 %"),
        "{notes:?}"
    );
    let csv = String::from_utf8(read(&small, "compare.csv")).unwrap();
    // mean_diff, ci95_low, ci95_high, half_width_crn 0; narrowing empty; 0 runs differing.
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(
        (row[0], row[1], &row[4..8], row[9], row[10]),
        ("y", "20", &["0.0"; 4][..], "", "0"),
        "{csv}"
    );

    let large = tmp("compare-rare-4000");
    let o = CompareOptions {
        out: large.to_path_buf(),
        batch: opts(&large, 4000, 2),
        warnings: Vec::new(),
    };
    let r = compare(&a, &b, &o, &NoProgress).unwrap();
    let d = &r.differences[0];
    let expected =
        r.a.table
            .param("u")
            .unwrap()
            .iter()
            .filter(|&&u| u < 0.005)
            .count() as u64;
    assert!(expected >= 10, "{expected}");
    assert_eq!(d.runs_differing, expected, "{d:?}");
    assert!(d.ci95_low > 0.0 && d.narrowing.is_finite(), "{d:?}");
    assert!(montecarlo::zero_difference_notes(&r.differences).is_empty());
}

/// An outcome one side never reports (a policy that makes it vanish) gets
/// a compare.csv row: `n` 0, the mean and interval cells empty, the counts
/// and the share difference filled (it was missing from compare.csv).
#[test]
fn compare_gives_a_row_to_an_outcome_only_one_side_reports() {
    let (a, b) = (Conditional { cut: 0.5 }, Conditional { cut: 0.0 });
    let dir = tmp("compare-vanished");
    let o = CompareOptions {
        out: dir.to_path_buf(),
        batch: opts(&dir, 30, 4),
        warnings: Vec::new(),
    };
    let r = compare(&a, &b, &o, &NoProgress).unwrap();
    assert_eq!(r.only_in_a, ["y"]);
    let n_a = r.a.table.param("u").unwrap().iter().filter(|&&u| u < 0.5).count();
    assert!(n_a >= 5, "{n_a}");
    let csv = String::from_utf8(read(&dir, "compare.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = csv
        .lines()
        .find(|l| l.starts_with("y,"))
        .unwrap_or_else(|| panic!("no row for y: {csv}"))
        .split(',')
        .collect();
    let col = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!((col("n"), col("n_b")), ("0", "0"), "{csv}");
    assert_eq!(col("n_a"), n_a.to_string(), "{csv}");
    for empty in [
        "mean_a",
        "mean_b",
        "mean_diff",
        "ci95_low",
        "ci95_high",
        "narrowing",
    ] {
        assert_eq!(col(empty), "", "{empty}: {csv}");
    }
    let share: f64 = col("reported_share_diff").parse().unwrap();
    assert!((share + n_a as f64 / 30.0).abs() < 1e-12, "{csv}");
    let hi: f64 = col("reported_share_ci95_high").parse().unwrap();
    assert!(hi < 0.0, "the vanished outcome is seen: {csv}");
    // The other way round: the row is B's, after A's outcomes.
    let dir2 = tmp("compare-appeared");
    let r = compare(
        &b,
        &a,
        &CompareOptions {
            out: dir2.to_path_buf(),
            batch: opts(&dir2, 30, 4),
            warnings: Vec::new(),
        },
        &NoProgress,
    )
    .unwrap();
    let last = r.differences.last().unwrap();
    assert_eq!((last.outcome.as_str(), last.n, last.n_a), ("y", 0, 0), "{last:?}");
    assert_eq!(last.n_b, n_a as u64);
    assert!(last.reported_share_ci95_low > 0.0, "{last:?}");
}

/// y = u, u ~ U(0, 1), reported only where u < `cut` (an outcome only
/// some runs have, as a threshold year); `always` = u in every run.
struct Conditional {
    cut: f64,
}
impl Model for Conditional {
    fn parameters(&self) -> Vec<montecarlo::ParamSpec> {
        vec![montecarlo::ParamSpec {
            path: "u".into(),
            dist: scheduler::Dist::Uniform { low: 0.0, high: 1.0 },
        }]
    }
    fn run(&self, _seed: u64, p: &[f64]) -> Result<montecarlo::RunResult, montecarlo::ModelError> {
        let mut scalars = vec![("always".to_string(), p[0])];
        if p[0] < self.cut {
            scalars.push(("y".into(), p[0]));
        }
        Ok(montecarlo::RunResult {
            scalars,
            series: montecarlo::Series::default(),
        })
    }
    fn identity(&self) -> Vec<u8> {
        format!("conditional {}", self.cut).into_bytes()
    }
}

/// Audit s26-econ F2: compare.csv counts the runs reporting an outcome
/// under each side (`n_a` = A's `n` in a/summary.json) and gives the
/// paired difference of those shares, so a policy that makes an outcome
/// rarer is seen, not hidden behind the pairs where both report it.
#[test]
fn compare_counts_the_runs_reporting_an_outcome_under_each_side() {
    let (a, b) = (Conditional { cut: 0.6 }, Conditional { cut: 0.3 });
    let dir = tmp("compare-conditional");
    let o = CompareOptions {
        out: dir.to_path_buf(),
        batch: opts(&dir, 40, 1),
        warnings: Vec::new(),
    };
    let r = compare(&a, &b, &o, &NoProgress).unwrap();
    let u = r.a.table.param("u").unwrap();
    let (n_a, n_b) = (
        u.iter().filter(|&&x| x < 0.6).count(),
        u.iter().filter(|&&x| x < 0.3).count(),
    );
    assert!(n_b >= 2 && n_a > n_b, "{n_a} {n_b}");
    let summary: serde_json::Value = serde_json::from_slice(&read(&dir.join("a"), "summary.json")).unwrap();
    assert_eq!(summary["outcomes"]["y"]["n"], n_a as u64);
    let csv = String::from_utf8(read(&dir, "compare.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = csv
        .lines()
        .find(|l| l.starts_with("y,"))
        .unwrap()
        .split(',')
        .collect();
    let col = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(
        (col("n"), col("n_a"), col("n_b")),
        (
            n_b.to_string().as_str(),
            n_a.to_string().as_str(),
            n_b.to_string().as_str()
        ),
        "{csv}"
    );
    let share: f64 = col("reported_share_diff").parse().unwrap();
    assert!((share - (n_b as f64 - n_a as f64) / 40.0).abs() < 1e-12, "{csv}");
    let (lo, hi): (f64, f64) = (
        col("reported_share_ci95_low").parse().unwrap(),
        col("reported_share_ci95_high").parse().unwrap(),
    );
    assert!(
        lo < share && share < hi && hi < 0.0,
        "a cut from 60 % to 30 % of runs is seen: {csv}"
    );
    let always: Vec<&str> = csv
        .lines()
        .find(|l| l.starts_with("always,"))
        .unwrap()
        .split(',')
        .collect();
    assert_eq!((always[11], always[12], always[13]), ("40", "40", "0.0"), "{csv}");
}

/// x ~ U(0, 1); refuses x > 1 at its check (like a fraction field) and fails
/// at run time when x is exactly 0.25; counts its runs.
struct Checked {
    runs: std::sync::atomic::AtomicUsize,
}
impl montecarlo::Model for Checked {
    fn parameters(&self) -> Vec<montecarlo::ParamSpec> {
        ["a", "x"]
            .map(|p| montecarlo::ParamSpec {
                path: p.into(),
                dist: scheduler::Dist::Uniform { low: 0.0, high: 1.0 },
            })
            .to_vec()
    }
    fn check(&self, p: &[f64]) -> Result<(), montecarlo::ModelError> {
        if p[1] > 1.0 {
            return Err(montecarlo::ModelError(format!(
                "field `labs[0].x`: expected a fraction in [0, 1], got {}",
                p[1]
            )));
        }
        Ok(())
    }
    fn run(&self, _seed: u64, p: &[f64]) -> Result<montecarlo::RunResult, montecarlo::ModelError> {
        self.runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if p[1] == 0.25 {
            return Err(montecarlo::ModelError("failed mid-run".into()));
        }
        Ok(montecarlo::RunResult {
            scalars: vec![("y".into(), p[0] + p[1])],
            series: Default::default(),
        })
    }
    fn identity(&self) -> Vec<u8> {
        b"checked".to_vec()
    }
}

/// Refusals of `eval` (audit s7 #14): a repeated column, an empty design, a
/// row with another number of fields than the header, a row the model refuses (named by design file:line and column, before any
/// run), an `--out` holding runs; a run that fails leaves no run files.
#[test]
fn eval_refuses_bad_designs_before_any_run() {
    let dir = tmp("eval-refusals");
    let m = Checked {
        runs: std::sync::atomic::AtomicUsize::new(0),
    };
    let err = |design: &str| {
        let o = eval_opts(&dir, design, 1);
        let e = eval_design(&m, &o, &NoProgress).unwrap_err().to_string();
        assert!(!o.out.exists(), "{e}: nothing written");
        e
    };
    let e = err("x,a,x\n0.4,0.5,0.9\n");
    assert!(
        e.contains("design.csv:1: column `x` appears twice (columns 1 and 3)"),
        "{e}"
    );
    let e = err("a,x\n");
    assert!(e.contains("the design has no rows"), "{e}");
    // A row with too few or too many fields: its file:line and both counts,
    // not the csv crate's record and byte offsets.
    let e = err("a,x\n0.1,0.5\n0.2\n");
    assert!(
        e.contains("design.csv:3: row has 1 field, the header has 2 (a, x)") && !e.contains("byte"),
        "{e}"
    );
    let e = err("a,x\n0.1,0.5,\n");
    assert!(
        e.contains("design.csv:2: row has 3 fields, the header has 2"),
        "{e}"
    );
    // An empty file (0 bytes, or blank lines) has no header either.
    for empty in ["", "\n \n"] {
        let e = err(empty);
        assert!(
            e.contains("design.csv: the design file is empty") && !e.contains("only a header"),
            "{e}"
        );
    }
    let e = err("a,x\n0.1,0.5\n0.2,1.5\n0.3,0.5\n");
    assert!(
        e.contains("design.csv:3: column `x` = 1.5: the scenario refuses it: field `labs[0].x`: expected a fraction in [0, 1], got 1.5"),
        "{e}"
    );
    assert!(!e.contains("drawn"), "{e}");
    assert_eq!(
        m.runs.load(std::sync::atomic::Ordering::Relaxed),
        0,
        "no run made"
    );
    // A run that fails after others ran leaves no run files behind.
    let e = err("a,x\n0.1,0.5\n0.2,0.25\n0.3,0.5\n");
    assert!(e.contains("failed mid-run"), "{e}");
    // An --out holding a finished eval gets eval's own message (no
    // --resume hint: there is nothing to finish).
    let o = eval_opts(&dir, "a,x\n0.1,0.5\n", 1);
    eval_design(&m, &o, &NoProgress).unwrap();
    let e = eval_design(&m, &o, &NoProgress).unwrap_err().to_string();
    assert!(
        e.contains("holds a finished batch or eval") && !e.contains("--resume"),
        "{e}"
    );
}

/// A refused design row is named by its true line in the file with CRLF
/// line ends (Excel and R on Windows write them) and after blank lines
/// (audit s15 econ #1: the csv crate's record line was one short for CRLF,
/// and short by the blank lines before the row).
#[test]
fn eval_names_the_true_line_with_crlf_and_blank_lines() {
    let dir = tmp("eval-lines");
    let m = Checked {
        runs: std::sync::atomic::AtomicUsize::new(0),
    };
    let err = |design: &str| {
        let o = eval_opts(&dir, design, 1);
        let e = eval_design(&m, &o, &NoProgress).unwrap_err().to_string();
        assert!(!o.out.exists(), "{e}: nothing written");
        e
    };
    let refused = "column `x` = 1.5: the scenario refuses it";
    for (design, line) in [
        // CRLF: the bad row is on line 3.
        ("a,x\r\n0.1,0.5\r\n0.2,1.5\r\n", 3),
        // LF, two blank lines before the bad row on line 5.
        ("a,x\n0.1,0.5\n\n\n0.2,1.5\n", 5),
        // CRLF and blank lines, blank lines before the header too.
        (
            "\r\na,x\r\n0.1,0.5\r\n\r\n0.3,0.5\r\n\r\n\r\n0.2,1.5\r\n0.3,0.5\r\n",
            8,
        ),
        // A quoted cell spanning two lines before the bad row.
        ("a,x\r\n\"0.1\n\",0.5\r\n0.2,1.5\r\n", 4),
    ] {
        let e = err(design);
        assert!(
            e.contains(&format!("design.csv:{line}: {refused}")),
            "{design:?}: {e}"
        );
    }
    // Row-shape and cell errors name the same line.
    let e = err("a,x\r\n0.1,0.5\r\n0.2\r\n");
    assert!(e.contains("design.csv:3: row has 1 field"), "{e}");
    let e = err("a,x\n0.1,0.5\n\n0.2,1.5x\n");
    assert!(
        e.contains("design.csv:4: column `x` = `1.5x` is not a finite number"),
        "{e}"
    );
    let e = err("a,x,seed\r\n0.1,0.5,0\r\n\r\n0.2,0.5,-1\r\n");
    assert!(e.contains("design.csv:4: column `seed` = `-1`"), "{e}");
}

/// A blank cell of a parameter column is called empty, at its line and
/// column (it read "column `x` = `` is not a finite number": audit s30).
#[test]
fn eval_calls_a_blank_cell_empty() {
    let dir = tmp("eval-blank");
    let m = Checked {
        runs: std::sync::atomic::AtomicUsize::new(0),
    };
    for design in [
        "a,x\n0.1,0.5\n0.2,\n",
        "a,x\n0.1,0.5\n0.2, \n",
        "x,a\n0.5,0.1\n,0.2\n",
    ] {
        let o = eval_opts(&dir, design, 1);
        let e = eval_design(&m, &o, &NoProgress).unwrap_err().to_string();
        let col = if design.starts_with('x') { 1 } else { 2 };
        assert!(
            e.contains(&format!(
                "design.csv:3: column `x` (column {col} of the header) is empty"
            )),
            "{design:?}: {e}"
        );
        assert!(!e.contains("finite"), "{e}");
        assert!(!o.out.exists(), "{e}: nothing written");
    }
    let o = eval_opts(&dir, "a,x,seed\n0.1,0.5,0\n0.2,0.5,\n", 1);
    let e = eval_design(&m, &o, &NoProgress).unwrap_err().to_string();
    assert!(
        e.contains("design.csv:3: column `seed` (column 3 of the header) is empty"),
        "{e}"
    );
}

/// `eval --others`: a design that varies a subset of the parameters is
/// refused without it (naming the missing parameters and both choices);
/// `median` holds each missing parameter at its distribution's median,
/// `drawn` gives row r what run r of a plain Monte Carlo batch with the
/// same seed draws. runs.csv and the manifest record what was used.
#[test]
fn eval_sets_parameters_without_a_column_to_the_median_or_the_batch_draw() {
    let model = ToyGrowth::default();
    let dir = tmp("eval-others");
    let mut o = eval_opts(&dir, "grid.toy.capacity_mw\n1000\n2000\n3000\n1000\n", 1);
    let e = eval_design(&model, &o, &NoProgress).unwrap_err().to_string();
    assert!(
        e.contains(
            "design.csv:1: no column for 2 of the scenario's 3 uncertain parameters: \
             `labs.toy.growth_per_month`, `fab.toy.yield` (the design gives grid.toy.capacity_mw)"
        ) && e.contains("`--others median`")
            && e.contains("`--others drawn`"),
        "{e}"
    );
    assert!(!o.out.exists(), "refused before anything is written");
    let params = model.parameters();
    let (growth, capacity, yld) = (&params[0].path, &params[1].path, &params[2].path);
    let manifest =
        |out: &Path| -> serde_json::Value { serde_json::from_slice(&read(out, "manifest.json")).unwrap() };

    o.others = Some(Others::Median);
    let t = eval_design(&model, &o, &NoProgress).unwrap().table;
    assert_eq!(t.param(capacity).unwrap(), vec![1000.0, 2000.0, 3000.0, 1000.0]);
    for p in [&params[0], &params[2]] {
        let median = p.dist.quantile(0.5);
        assert_eq!(t.param(&p.path).unwrap(), vec![median; 4], "{}", p.path);
    }
    // runs.csv holds the values used, so the row is reproducible from it.
    let csv = montecarlo::outputs::read_runs_csv(&o.out.join("runs.csv"), 3).unwrap();
    assert_eq!(csv.params, t.params);
    let m = manifest(&o.out);
    assert_eq!(m["eval"]["others"], "median");
    assert_eq!(m["eval"]["others_parameters"], serde_json::json!([growth, yld]));

    o.out = dir.join("drawn");
    o.others = Some(Others::Drawn);
    let r = eval_design(&model, &o, &NoProgress).unwrap();
    assert!(
        r.notes.is_empty(),
        "both correlated parameters drawn: {:?}",
        r.notes
    );
    let mut b = BatchOptions::new(dir.join("batch"), 4, o.master_seed);
    b.durable = false;
    let batch = run_batch(&model, &b, &NoProgress).unwrap().table;
    assert_eq!(r.table.seeds, batch.seeds, "row r has run r's seed");
    for p in [growth, yld] {
        let (e, b) = (r.table.param(p).unwrap(), batch.param(p).unwrap());
        assert_eq!(
            e.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            b.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "{p}: the batch's draws"
        );
        assert_ne!(e[0], e[1], "{p}: drawn per row");
    }
    assert_eq!(
        r.table.param(capacity).unwrap(),
        vec![1000.0, 2000.0, 3000.0, 1000.0]
    );
    assert_eq!(manifest(&o.out)["eval"]["others"], "drawn");
    // A replay of a row finds the drawn values in runs.csv.
    let plan = montecarlo::plan_replay(&o.out, 2).unwrap();
    assert_eq!(plan.values(), r.table.params[2]);

    // Drawn beside a design column it is correlated with: said so.
    let mut o = eval_opts(&dir.join("note"), "fab.toy.yield\n0.7\n0.9\n", 1);
    o.others = Some(Others::Drawn);
    let r = eval_design(&model, &o, &NoProgress).unwrap();
    assert!(
        r.notes.len() == 1 && r.notes[0].contains("labs.toy.growth_per_month ~ fab.toy.yield (ρ = 0.5)"),
        "{:?}",
        r.notes
    );
}

/// `compare` refuses fewer than 2 runs before creating anything, and its
/// intervals use Student's t with n − 1 degrees of freedom (t₄ = 2.776 at 5 runs).
#[test]
fn compare_refuses_one_run_and_uses_student_t() {
    let a = ToyGrowth::default();
    let b = ToyGrowth {
        policy_boost: 0.002,
        ..ToyGrowth::default()
    };
    let dir = tmp("compare-t");
    for runs in [0, 1] {
        let o = CompareOptions {
            out: dir.to_path_buf(),
            batch: opts(&dir, runs, 1),
            warnings: Vec::new(),
        };
        let e = compare(&a, &b, &o, &NoProgress).unwrap_err().to_string();
        assert!(e.contains("compare needs at least 2 runs"), "{e}");
        assert!(!dir.exists(), "no empty --out left behind");
    }
    let o = CompareOptions {
        out: dir.to_path_buf(),
        batch: opts(&dir, 5, 1),
        warnings: Vec::new(),
    };
    let r = compare(&a, &b, &o, &NoProgress).unwrap();
    let d = r
        .differences
        .iter()
        .find(|d| d.outcome == "training.final_flop")
        .unwrap();
    let fa = r.a.table.outcome("training.final_flop").unwrap();
    let fb = r.b.table.outcome("training.final_flop").unwrap();
    let diffs: Vec<f64> = fa.iter().zip(&fb).map(|(x, y)| y.unwrap() - x.unwrap()).collect();
    let mean = diffs.iter().sum::<f64>() / 5.0;
    let sd = (diffs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 4.0).sqrt();
    let want = 2.776_445_105 * sd / 5f64.sqrt();
    assert!(
        (d.half_width_crn - want).abs() < 1e-6 * want,
        "{} vs {want}",
        d.half_width_crn
    );
}

/// A one-run batch reports no spread: sd and mcse are null in summary.json
/// and the half-width cells of convergence.csv are empty (before: 0.0).
#[test]
fn one_run_batch_reports_no_interval() {
    let dir = tmp("one-run");
    run_batch(&ToyGrowth::default(), &opts(&dir, 1, 1), &NoProgress).unwrap();
    let summary = String::from_utf8(read(&dir, "summary.json")).unwrap();
    assert!(
        summary.contains("\"sd\": null") && summary.contains("\"mcse\": null"),
        "{summary}"
    );
    let conv = String::from_utf8(read(&dir, "convergence.csv")).unwrap();
    for line in conv.lines().skip(1) {
        assert!(line.contains(",1,") && line.ends_with(",,"), "{line}");
    }
}

/// A cell that one run reports has no known spread: `bands.csv` leaves its
/// `sd` empty, as `summary.json` writes null and `convergence.csv` leaves
/// the half-width empty (it wrote 0.0).
#[test]
fn a_band_cell_of_one_run_has_an_empty_sd() {
    let model = ToyGrowth::default();
    let dir = tmp("one-run-sd");
    run_batch(&model, &opts(&dir, 1, 1), &NoProgress).unwrap();
    let bands = String::from_utf8(read(&dir, "bands.csv")).unwrap();
    for line in bands.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[5], "1", "{line}");
        assert_eq!(cells[7], "", "sd of one run must be empty: {line}");
        assert!(!cells[6].is_empty() && !cells[8].is_empty(), "{line}");
    }
    let summary = String::from_utf8(read(&dir, "summary.json")).unwrap();
    assert!(summary.contains("\"sd\": null"), "{summary}");
    // Two runs: every cell has an sd.
    let two = tmp("two-run-sd");
    run_batch(&model, &opts(&two, 2, 1), &NoProgress).unwrap();
    let bands = String::from_utf8(read(&two, "bands.csv")).unwrap();
    assert!(
        bands
            .lines()
            .skip(1)
            .all(|l| !l.split(',').nth(7).unwrap().is_empty())
    );
}

/// What an interrupted batch or compare side leaves: its run files but
/// `lost`, a manifest without `completed_runs`, no final outputs.
fn interrupt(dir: &Path, lost: impl IntoIterator<Item = u64>) {
    for f in FINALS.iter().chain(&["timeseries.csv"]) {
        let _ = std::fs::remove_file(dir.join(f));
    }
    for i in lost {
        std::fs::remove_file(montecarlo::store::run_file_path(dir, i)).unwrap();
    }
    let mut m = montecarlo::Manifest::read(dir).unwrap().unwrap();
    m.completed_runs = None;
    m.write(dir).unwrap();
}

/// A batch killed while rebuilding its outputs leaves `.<output>.tmp-<pid>`
/// files in DIR itself (a timeseries.csv being written can be tens of GB):
/// resume removes them, and only them — a user's file that merely looks
/// alike stays.
#[test]
fn resume_removes_stale_output_temps_and_no_other_file() {
    let model = ToyGrowth::default();
    let (full, cut) = (tmp("temps-full"), tmp("temps-cut"));
    let mut o = opts(&full, 30, 2);
    o.output.keep_timeseries = true;
    run_batch(&model, &o, &NoProgress).unwrap();
    o.out = cut.to_path_buf();
    run_batch(&model, &o, &NoProgress).unwrap();
    interrupt(&cut, [4, 17]);
    let stale = [
        ".bands.csv.tmp-26316",
        ".timeseries.csv.tmp-26316",
        ".runs.csv.tmp-1",
        ".summary.json.tmp-99",
        ".convergence.csv.tmp-7",
        ".manifest.json.tmp-3",
        ".runs.parquet.tmp-12",
        ".timeseries.parquet.tmp-12",
    ];
    let users = [
        ".bands.csv.tmp-mine",
        "notes.tmp-1",
        ".notes.csv.tmp-1",
        "bands.csv.tmp-5",
    ];
    for f in stale.iter().chain(&users) {
        std::fs::write(cut.join(f), "half").unwrap();
    }
    o.resume = true;
    run_batch(&model, &o, &NoProgress).unwrap();
    for f in stale {
        assert!(!cut.join(f).exists(), "{f} was left in {}", cut.display());
    }
    for f in users {
        assert!(cut.join(f).exists(), "{f} is not aistack's and was removed");
    }
    assert_same_outputs(&full, &cut, &[&FINALS[..], &["timeseries.csv"]].concat());
}

/// Outputs a resume does not rebuild are removed, so none disagrees with the
/// new runs.csv: timeseries.csv when the series are no longer kept, the
/// Parquet files when Parquet is not written.
#[test]
fn resume_removes_outputs_it_does_not_rebuild() {
    let model = ToyGrowth::default();
    let dir = tmp("unwritten");
    let mut o = opts(&dir, 12, 1);
    o.output.keep_timeseries = true;
    run_batch(&model, &o, &NoProgress).unwrap();
    assert!(dir.join("timeseries.csv").exists());
    // As a build with the parquet feature leaves them.
    for f in ["runs.parquet", "bands.parquet", "timeseries.parquet"] {
        std::fs::write(dir.join(f), "PAR1").unwrap();
    }
    o.resume = true;
    o.output.keep_timeseries = false;
    run_batch(&model, &o, &NoProgress).unwrap();
    for f in [
        "timeseries.csv",
        "runs.parquet",
        "bands.parquet",
        "timeseries.parquet",
    ] {
        assert!(!dir.join(f).exists(), "{f} remains beside the rebuilt outputs");
    }
    let m = montecarlo::Manifest::read(&dir).unwrap().unwrap();
    let rec = m.outputs.unwrap();
    assert!(!rec.keep_timeseries && !rec.parquet);
}

/// A run file that is not the batch's (copied from a batch with another
/// seed, or with edited inputs) is refused by resume and by merge, naming
/// the file, instead of silently changing every output.
#[test]
fn resume_and_merge_refuse_a_run_file_of_another_batch() {
    use montecarlo::store::{read_run, run_file_path, write_run};
    let model = ToyGrowth::default();
    let (dir, other) = (tmp("foreign"), tmp("foreign-other"));
    run_batch(&model, &opts(&dir, 20, 2), &NoProgress).unwrap();
    let mut o = opts(&other, 20, 2);
    o.master_seed = 4;
    run_batch(&model, &o, &NoProgress).unwrap();
    let run5 = run_file_path(&dir, 5);
    let own5 = read_run(&run5).unwrap();
    let own5_bytes = std::fs::read(&run5).unwrap();
    interrupt(&dir, [5, 6]);
    std::fs::copy(run_file_path(&other, 5), &run5).unwrap();
    let mut o = opts(&dir, 20, 2);
    o.resume = true;
    let e = run_batch(&model, &o, &NoProgress).unwrap_err().to_string();
    assert!(
        e.contains(&run5.display().to_string()) && e.contains("seed") && e.contains("not this batch's run 5"),
        "{e}"
    );
    assert!(!dir.join("runs.csv").exists(), "nothing rebuilt");
    // The batch's seed, a parameter value edited.
    let mut rec = own5;
    let path = rec.params[0].0.clone();
    rec.params[0].1 *= 1.000_001;
    write_run(&dir, &rec, false).unwrap();
    let e = run_batch(&model, &o, &NoProgress).unwrap_err().to_string();
    assert!(
        e.contains(&run5.display().to_string()) && e.contains(&format!("`{path}`")),
        "{e}"
    );
    // Another scenario's run 5 (a compare's other side: the same seeds and
    // draws, another policy) is refused by the scenario it records (audit
    // s15-econ, finding 3: it was reused silently).
    let boosted = ToyGrowth {
        policy_boost: 0.01,
        ..ToyGrowth::default()
    };
    let policy = tmp("foreign-policy");
    run_batch(&boosted, &opts(&policy, 20, 2), &NoProgress).unwrap();
    std::fs::copy(run_file_path(&policy, 5), &run5).unwrap();
    let e = run_batch(&model, &o, &NoProgress).unwrap_err().to_string();
    assert!(
        e.contains(&run5.display().to_string()) && e.contains("made with the scenario"),
        "{e}"
    );
    // The batch's own run 5 with one value's bits flipped (no header
    // change): its checksum refuses it before anything is run.
    let mut bytes = own5_bytes;
    let at = bytes.len() - 40;
    bytes[at] ^= 1;
    std::fs::write(&run5, &bytes).unwrap();
    let e = run_batch(&model, &o, &NoProgress).unwrap_err().to_string();
    assert!(
        e.contains(&run5.display().to_string()) && e.contains("checksum") && e.contains("move it out of"),
        "{e}"
    );
    assert!(!dir.join("runs.csv").exists(), "nothing rebuilt");
    let _ = std::fs::remove_dir_all(policy);
    // Removed, the run is computed anew and the batch is its uninterrupted self.
    std::fs::remove_file(&run5).unwrap();
    run_batch(&model, &o, &NoProgress).unwrap();
    let full = tmp("foreign-full");
    run_batch(&model, &opts(&full, 20, 2), &NoProgress).unwrap();
    assert_same_outputs(&full, &dir, &FINALS);

    // Merge: shard 1/2 holds run 3 of the seed-4 batch.
    let shards_scratch: Vec<Scratch> = (0..2).map(|k| tmp(&format!("foreign-shard{k}"))).collect();
    let shards: Vec<PathBuf> = shards_scratch.iter().map(|d| d.to_path_buf()).collect();
    for (k, d) in shards.iter().enumerate() {
        let mut o = opts(d, 20, 1);
        o.shard = Some(Shard {
            index: k as u64,
            count: 2,
        });
        run_batch(&model, &o, &NoProgress).unwrap();
    }
    let bad = run_file_path(&shards[1], 3);
    std::fs::copy(run_file_path(&other, 3), &bad).unwrap();
    let merged = tmp("foreign-merged");
    let e = merge(&MergeOptions {
        shard_dirs: shards.clone(),
        out: merged.to_path_buf(),
        output: OutputOptions::default(),
        command_line: vec![],
        build: Default::default(),
        threads: None,
    })
    .unwrap_err()
    .to_string();
    assert!(
        e.contains(&bad.display().to_string()) && e.contains("seed"),
        "{e}"
    );
    assert!(!merged.join("runs.csv").exists());
}

/// An interrupted compare is finished by running the same command again:
/// its a/ and b/ batches are resumed (reusing their runs), and compare.csv
/// is byte-identical to an uninterrupted compare's. Other arguments are
/// refused, naming the field.
#[test]
fn an_interrupted_compare_finishes_when_run_again() {
    let a = ToyGrowth::default();
    let b = ToyGrowth {
        policy_boost: 0.002,
        ..ToyGrowth::default()
    };
    let (full, cut) = (tmp("cmp-full"), tmp("cmp-cut"));
    let run = |dir: &Path, runs: u64| {
        compare(
            &a,
            &b,
            &CompareOptions {
                out: dir.to_path_buf(),
                batch: opts(dir, runs, 2),
                warnings: Vec::new(),
            },
            &NoProgress,
        )
    };
    run(&full, 40).unwrap();
    // Killed while b/ ran: a/ finished, b/ half done, no compare.csv.
    run(&cut, 40).unwrap();
    std::fs::remove_file(cut.join("compare.csv")).unwrap();
    interrupt(&cut.join("b"), 20..40);
    std::fs::write(cut.join(".compare.csv.tmp-123"), "half").unwrap();
    let r = run(&cut, 40).unwrap();
    assert_eq!((r.a.runs_executed, r.b.runs_executed), (0, 20));
    assert!(!cut.join(".compare.csv.tmp-123").exists());
    assert_same_outputs(&full, &cut, &["compare.csv"]);
    // Killed while a/ ran: no b/ yet.
    std::fs::remove_file(cut.join("compare.csv")).unwrap();
    std::fs::remove_dir_all(cut.join("b")).unwrap();
    interrupt(&cut.join("a"), (0..40).step_by(3));
    run(&cut, 40).unwrap();
    assert_same_outputs(&full, &cut, &["compare.csv"]);
    for side in ["a", "b"] {
        assert_same_outputs(&full.join(side), &cut.join(side), &FINALS);
    }
    // Another compare into the same --out is refused, naming the field.
    let e = run(&cut, 41).unwrap_err().to_string();
    assert!(
        e.contains("holds the a side of another compare") && e.contains("`runs`"),
        "{e}"
    );
}

/// A refused resume leaves the directory as it was (audit s15 econ #2:
/// the manifest was rewritten without `completed_runs` before the run files
/// were checked, so a finished batch holding one foreign or truncated run
/// file became an interrupted one that `plot` refused).
#[test]
fn a_refused_resume_of_a_finished_batch_changes_nothing() {
    use montecarlo::store::run_file_path;
    let model = ToyGrowth::default();
    let (dir, other) = (tmp("refused-finished"), tmp("refused-finished-other"));
    run_batch(&model, &opts(&dir, 12, 2), &NoProgress).unwrap();
    let mut o = opts(&other, 12, 2);
    o.master_seed = 4;
    run_batch(&model, &o, &NoProgress).unwrap();
    let snapshot = |d: &Path| -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().unwrap().is_file() && e.file_name() != ".lock")
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let run3 = run_file_path(&dir, 3);
    let own3 = std::fs::read(&run3).unwrap();
    let mut o = opts(&dir, 12, 2);
    o.resume = true;
    // A run file of another seed, then one cut short in its header.
    let foreign = std::fs::read(run_file_path(&other, 3)).unwrap();
    for (what, bytes) in [("foreign", foreign), ("truncated", own3[..40].to_vec())] {
        std::fs::write(&run3, &bytes).unwrap();
        let before = snapshot(&dir);
        assert!(before.iter().any(|(f, _)| f == "manifest.json"));
        let e = run_batch(&model, &o, &NoProgress).unwrap_err().to_string();
        assert!(e.contains(&run3.display().to_string()), "{what}: {e}");
        assert!(
            snapshot(&dir) == before,
            "{what}: the refusal changed {}",
            dir.display()
        );
    }
    // Put back, the batch resumes as finished.
    std::fs::write(&run3, &own3).unwrap();
    assert_eq!(run_batch(&model, &o, &NoProgress).unwrap().runs_executed, 0);
}

/// A directory with run files but no manifest, or a manifest cut short, is
/// named as what it is by `batch`, `--resume` and `merge --out`, each with a
/// way out (audit s15 econ #6: `batch` said it held a manifest.json and
/// pointed to `--resume`, which said there was nothing to resume).
#[test]
fn run_files_without_a_readable_manifest_are_named_with_a_way_out() {
    let model = ToyGrowth::default();
    let dir = tmp("no-manifest");
    run_batch(&model, &opts(&dir, 6, 1), &NoProgress).unwrap();
    let manifest = dir.join("manifest.json");
    let text = std::fs::read(&manifest).unwrap();
    std::fs::remove_file(&manifest).unwrap();
    let mut o = opts(&dir, 6, 1);
    let way_out = "move that directory away (or remove it)";
    for resume in [false, true] {
        o.resume = resume;
        let e = run_batch(&model, &o, &NoProgress).unwrap_err();
        assert!(matches!(e, McError::RunsWithoutManifest(_)), "{e}");
        let e = e.to_string();
        assert!(
            e.contains("holds run files (runs/) but no manifest.json")
                && e.contains(way_out)
                // Audit s30 econ: the directory of an interrupted eval
                // (run files, no manifest yet) was only told to be moved
                // away, losing its runs.
                && e.contains("If it is an interrupted `aistack eval`")
                && e.contains("the same eval command with --resume finishes it")
                && !e.contains("already holds a batch")
                && !e.contains("nothing to resume"),
            "resume {resume}: {e}"
        );
    }
    let shard = tmp("no-manifest-shard");
    run_batch(&model, &opts(&shard, 6, 1), &NoProgress).unwrap();
    let e = merge(&MergeOptions {
        shard_dirs: vec![shard.to_path_buf()],
        out: dir.to_path_buf(),
        output: OutputOptions::default(),
        command_line: vec![],
        build: Default::default(),
        threads: None,
    })
    .unwrap_err();
    assert!(matches!(e, McError::RunsWithoutManifest(_)), "{e}");
    // A manifest cut short: its file, the reader's complaint and the way out.
    std::fs::write(&manifest, &text[..text.len() / 2]).unwrap();
    for resume in [false, true] {
        o.resume = resume;
        let e = run_batch(&model, &o, &NoProgress).unwrap_err().to_string();
        assert!(
            e.contains(&format!(
                "{}: cannot be read as a batch manifest (EOF",
                manifest.display()
            )) && e.contains(way_out),
            "resume {resume}: {e}"
        );
    }
}

/// `merge --out` naming one of its shards is refused as such, however the
/// path is spelt (audit s15 econ #7: merge locked the shard, then failed to
/// lock it again as --out and blamed "another aistack process").
#[test]
fn merge_refuses_an_out_that_is_one_of_its_shards() {
    let model = ToyGrowth::default();
    let shards_scratch: Vec<Scratch> = (0..2).map(|k| tmp(&format!("out-is-shard{k}"))).collect();
    let shards: Vec<PathBuf> = shards_scratch.iter().map(|d| d.to_path_buf()).collect();
    for (k, d) in shards.iter().enumerate() {
        let mut o = opts(d, 10, 1);
        o.shard = Some(Shard {
            index: k as u64,
            count: 2,
        });
        run_batch(&model, &o, &NoProgress).unwrap();
    }
    let manifest = std::fs::read(shards[0].join("manifest.json")).unwrap();
    for out in [shards[0].clone(), shards[0].join(".")] {
        let e = merge(&MergeOptions {
            shard_dirs: shards.clone(),
            out: out.clone(),
            output: OutputOptions::default(),
            command_line: vec![],
            build: Default::default(),
            threads: None,
        })
        .unwrap_err();
        assert!(!matches!(e, McError::Busy(_)), "{e}");
        assert!(
            e.to_string().contains(&format!(
                "--out {} is one of the shards being merged ({})",
                out.display(),
                shards[0].display()
            )) && e.to_string().contains("choose another --out"),
            "{e}"
        );
    }
    assert_eq!(std::fs::read(shards[0].join("manifest.json")).unwrap(), manifest);
}

/// Audit s30 econ: `--shard K/1` is the whole batch, as no shard is, so
/// the stopping rule takes it (it was refused, with the reason for a Latin
/// hypercube); a real shard is refused with its own reason.
#[test]
fn the_stopping_rule_takes_shard_k_of_1_and_refuses_a_real_shard_saying_why() {
    let model = ToyGrowth::default();
    let whole = tmp("stop-whole");
    let mut o = opts(&whole, 300, 1);
    o.until_rel_halfwidth = Some(0.5);
    let a = run_batch(&model, &o, &NoProgress).unwrap();
    let one = tmp("stop-0-of-1");
    let mut o1 = opts(&one, 300, 1);
    o1.until_rel_halfwidth = Some(0.5);
    o1.shard = Some(Shard { index: 0, count: 1 });
    let b = run_batch(&model, &o1, &NoProgress).unwrap();
    assert_eq!(a.stopped_at, b.stopped_at);
    assert_same_outputs(&whole, &one, &FINALS);
    let two = tmp("stop-0-of-2");
    let mut o2 = opts(&two, 300, 1);
    o2.until_rel_halfwidth = Some(0.5);
    o2.shard = Some(Shard { index: 0, count: 2 });
    let e = run_batch(&model, &o2, &NoProgress).unwrap_err().to_string();
    assert!(
        e.contains("shard 0/2 would stop on its own runs") && !e.contains("Latin hypercube"),
        "{e}"
    );
    assert!(!two.exists());
}

/// Audit s30 econ: a shard directory that does not exist (a typo, a task
/// that never ran) was refused as "has no manifest.json", and a file as
/// much; both are now named for what they are, and nothing is written.
#[test]
fn merge_names_a_shard_directory_that_does_not_exist() {
    let model = ToyGrowth::default();
    let shard = tmp("missing-shard0");
    let mut o = opts(&shard, 10, 1);
    o.shard = Some(Shard { index: 0, count: 2 });
    run_batch(&model, &o, &NoProgress).unwrap();
    let out = tmp("missing-shard-out");
    let file = shard.join("manifest.json");
    for (other, said) in [
        (shard.join("no-such-shard"), "does not exist"),
        (file, "is not a directory"),
    ] {
        let e = merge(&MergeOptions {
            shard_dirs: vec![shard.to_path_buf(), other.clone()],
            out: out.to_path_buf(),
            output: OutputOptions::default(),
            command_line: vec![],
            build: Default::default(),
            threads: None,
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains(&format!("{} {said}", other.display())) && !e.contains("no manifest.json"),
            "{e}"
        );
        assert!(!out.exists(), "nothing written");
    }
}

/// Audit s20-econ #9: the same merge run again finishes an interrupted
/// one (a manifest without `completed_runs`, some run files not yet
/// copied, a stale temporary file, no outputs) with the outputs of an
/// uninterrupted merge; before, it was refused as "an interrupted
/// `aistack batch`". A finished merge, and an interrupted one of other
/// shards, are refused saying what they are.
#[test]
fn a_merge_run_again_finishes_an_interrupted_one() {
    let model = ToyGrowth::default();
    let shards_scratch: Vec<Scratch> = (0..2).map(|k| tmp(&format!("remerge-shard{k}"))).collect();
    let shards: Vec<PathBuf> = shards_scratch.iter().map(|d| d.to_path_buf()).collect();
    for (k, d) in shards.iter().enumerate() {
        let mut o = opts(d, 12, 1);
        o.shard = Some(Shard {
            index: k as u64,
            count: 2,
        });
        run_batch(&model, &o, &NoProgress).unwrap();
    }
    let (whole, merged) = (tmp("remerge-whole"), tmp("remerge-out"));
    let mo = |out: &Path, shard_dirs: Vec<PathBuf>| MergeOptions {
        shard_dirs,
        out: out.to_path_buf(),
        output: OutputOptions::default(),
        command_line: vec!["merge".into()],
        build: Default::default(),
        threads: None,
    };
    merge(&mo(&whole, shards.clone())).unwrap();
    merge(&mo(&merged, shards.clone())).unwrap();
    // Interrupted while copying: the manifest has no `completed_runs`,
    // runs 5 and 7 are not copied yet, a copy is half-written, and no
    // output is written.
    let path = merged.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    m.as_object_mut().unwrap().remove("completed_runs");
    std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    for i in [5, 7] {
        std::fs::remove_file(merged.join(format!("runs/run-{i:012}.txt"))).unwrap();
    }
    std::fs::write(merged.join("runs/.merge-5.tmp-1"), "half").unwrap();
    for f in FINALS {
        let _ = std::fs::remove_file(merged.join(f));
    }
    let r = merge(&mo(&merged, shards.clone())).unwrap();
    assert_eq!(r.runs_in_outputs, 12);
    assert_same_outputs(&whole, &merged, &FINALS);
    assert!(!merged.join("runs/.merge-5.tmp-1").exists());
    // The runs linked before the interruption are linked again onto
    // themselves, which leaves no temporary name behind (review s23, F7).
    let left: Vec<String> = std::fs::read_dir(merged.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // Finished now: run again, it is refused as a finished batch.
    let e = merge(&mo(&merged, shards.clone())).unwrap_err().to_string();
    assert!(
        e.contains("already holds a finished batch (manifest.json): choose another --out"),
        "{e}"
    );
    // Interrupted, but given other shard directories (a copy of shard 0
    // elsewhere: `shards[0].join(".")` is the same directory, which finishes
    // the merge, audit s23-repro F6): refused, naming the shards it was
    // merging and the command that finishes it.
    std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    let copy = shards[0].with_file_name("shard-0-copy");
    std::fs::create_dir_all(copy.join("runs")).unwrap();
    for entry in ["manifest.json", "runs"] {
        let from = shards[0].join(entry);
        if from.is_dir() {
            for f in std::fs::read_dir(&from).unwrap() {
                let f = f.unwrap().path();
                std::fs::copy(&f, copy.join("runs").join(f.file_name().unwrap())).unwrap();
            }
        } else {
            std::fs::copy(&from, copy.join(entry)).unwrap();
        }
    }
    let other: Vec<PathBuf> = vec![copy, shards[1].clone()];
    let e = merge(&mo(&merged, other)).unwrap_err().to_string();
    assert!(
        e.contains("holds an interrupted merge of other shards")
            && e.contains(&std::fs::canonicalize(&shards[0]).unwrap().display().to_string())
            && e.contains(&format!("aistack batch --resume {}", merged.display())),
        "{e}"
    );
}

/// Shards that all kept their series say so (`shards_kept_series`, which
/// `aistack merge` takes as its default), and merged with it they give
/// what one unsharded batch with `--keep-timeseries` writes, series
/// included (audit s15-econ: merge dropped them unless given the flag
/// again; `--resume` keeps a batch's own output options).
#[test]
fn merge_keeps_the_series_every_shard_kept() {
    let model = ToyGrowth::default();
    let whole = tmp("kept-whole");
    let mut ow = opts(&whole, 12, 1);
    ow.output.keep_timeseries = true;
    run_batch(&model, &ow, &NoProgress).unwrap();
    let shards_scratch: Vec<Scratch> = (0..2).map(|k| tmp(&format!("kept-shard{k}"))).collect();
    let shards: Vec<PathBuf> = shards_scratch.iter().map(|d| d.to_path_buf()).collect();
    for (k, d) in shards.iter().enumerate() {
        let mut o = opts(d, 12, 1);
        o.output.keep_timeseries = true;
        o.shard = Some(Shard {
            index: k as u64,
            count: 2,
        });
        run_batch(&model, &o, &NoProgress).unwrap();
    }
    let merged = tmp("kept-merged");
    assert!(montecarlo::shards_kept_series(&shards).unwrap());
    assert!(!montecarlo::shards_kept_series(&[shards[0].clone(), whole.join("nowhere")]).unwrap());
    merge(&MergeOptions {
        shard_dirs: shards.clone(),
        out: merged.to_path_buf(),
        output: OutputOptions {
            keep_timeseries: montecarlo::shards_kept_series(&shards).unwrap(),
            ..OutputOptions::default()
        },
        command_line: vec![],
        build: Default::default(),
        threads: None,
    })
    .unwrap();
    assert_same_outputs(&whole, &merged, &[&FINALS[..], &["timeseries.csv"]].concat());
}

/// Audit s26 econ F5: a design edited after its eval was interrupted was
/// reported on `--resume` as a corrupt run file, in a batch's words ("the
/// batch's design gives run 1"). The row that changed is named by its
/// design line, with what changed; nothing runs. (Audit s26 econ F13: a
/// value of 1e300 reads as such, not as 301 digits.)
#[test]
fn a_design_edited_since_the_eval_was_interrupted_is_named_by_its_row() {
    let model = ToyGrowth::default();
    let design = "fab.toy.yield,labs.toy.growth_per_month,grid.toy.capacity_mw\n\
                  0.9,0.05,1000\n0.5,0.01,2000\n0.7,0.03,1500\n";
    let dir = tmp("eval-edited");
    let whole = eval_opts(&dir.join("whole"), design, 3);
    eval_design(&model, &whole, &NoProgress).unwrap();
    let part = EvalOptions {
        resume: true,
        ..eval_opts(&dir.join("part"), design, 3)
    };
    std::fs::create_dir_all(montecarlo::store::runs_dir(&part.out)).unwrap();
    std::fs::copy(
        montecarlo::store::run_file_path(&whole.out, 1),
        montecarlo::store::run_file_path(&part.out, 1),
    )
    .unwrap();
    // Row 1 (line 3) edited: its growth and capacity.
    std::fs::write(
        &part.design_csv,
        "fab.toy.yield,labs.toy.growth_per_month,grid.toy.capacity_mw\n\
         0.9,0.05,1000\n0.5,0.02,1e300\n0.7,0.03,1500\n",
    )
    .unwrap();
    let e = eval_design(&model, &part, &NoProgress).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!(
            "{}:3: design row 1 differs from the row its run was made with \
             (`labs.toy.growth_per_month` is 0.02 now, 0.01 then, `grid.toy.capacity_mw` is 1e300 \
             now, 2000 then): the design file changed since the eval was interrupted",
            part.design_csv.display()
        )) && !e.contains("batch"),
        "{e}"
    );
    assert_eq!(
        montecarlo::store::list_runs(&part.out).unwrap().len(),
        1,
        "nothing ran"
    );
}

/// [`ToyGrowth`] drawing one more parameter, which it does not use.
struct WithExtraParameter;

impl Model for WithExtraParameter {
    fn parameters(&self) -> Vec<montecarlo::ParamSpec> {
        let mut p = ToyGrowth::default().parameters();
        p.push(montecarlo::ParamSpec {
            path: "labs.toy.extra".into(),
            dist: scheduler::Dist::Uniform { low: 0.0, high: 1.0 },
        });
        p
    }
    fn run(&self, seed: u64, p: &[f64]) -> Result<montecarlo::RunResult, montecarlo::ModelError> {
        ToyGrowth::default().run(seed, &p[..3])
    }
    fn identity(&self) -> Vec<u8> {
        b"toy-growth with an extra parameter".to_vec()
    }
}

/// Audit s30 econ: an interrupted eval resumed with another `--seed`,
/// `--others` or scenario than it was started with was refused as holding
/// a run file "copied from another batch, or edited" (naming a
/// `manifest.json` the directory does not have yet), with the advice to
/// move the file away, which only moved the refusal to the next row. The
/// refusal now names the argument, in an eval's words; nothing runs.
#[test]
fn an_interrupted_eval_resumed_with_other_arguments_names_the_argument() {
    let full = "fab.toy.yield,labs.toy.growth_per_month,grid.toy.capacity_mw\n\
                0.9,0.05,1000\n0.5,0.01,2000\n0.7,0.03,1500\n";
    let partial = "fab.toy.yield,labs.toy.growth_per_month\n0.9,0.05\n0.5,0.01\n0.7,0.03\n";
    let dir = tmp("eval-other-args");
    // An eval interrupted after row 1: its run file, nothing else.
    let interrupted = |name: &str, design: &str, others: Option<Others>| {
        let whole = EvalOptions {
            others,
            ..eval_opts(&dir.join(name).join("whole"), design, 3)
        };
        eval_design(&ToyGrowth::default(), &whole, &NoProgress).unwrap();
        let part = EvalOptions {
            others,
            resume: true,
            ..eval_opts(&dir.join(name).join("part"), design, 3)
        };
        std::fs::create_dir_all(montecarlo::store::runs_dir(&part.out)).unwrap();
        std::fs::copy(
            montecarlo::store::run_file_path(&whole.out, 1),
            montecarlo::store::run_file_path(&part.out, 1),
        )
        .unwrap();
        part
    };
    let refused = |model: &dyn Model, o: &EvalOptions| {
        let e = eval_design(model, o, &NoProgress).unwrap_err().to_string();
        assert_eq!(
            montecarlo::store::list_runs(&o.out)
                .unwrap()
                .into_iter()
                .collect::<Vec<_>>(),
            [1],
            "nothing ran: {e}"
        );
        assert!(
            !e.contains("batch") && !e.contains("manifest.json") && e.contains("another --out"),
            "{e}"
        );
        e
    };
    let part = interrupted("seed", full, None);
    let e = refused(
        &ToyGrowth::default(),
        &EvalOptions {
            master_seed: 4,
            ..part.clone()
        },
    );
    assert!(
        e.contains("row 1 was run with the seed") && e.contains("another --seed than 4"),
        "{e}"
    );
    let part = interrupted("others", partial, Some(Others::Median));
    let e = refused(
        &ToyGrowth::default(),
        &EvalOptions {
            others: Some(Others::Drawn),
            ..part.clone()
        },
    );
    assert!(
        e.contains("`grid.toy.capacity_mw` was ")
            && e.contains("--others drawn")
            && e.contains("another --others"),
        "{e}"
    );
    let part = interrupted("scenario", full, None);
    let other = ToyGrowth {
        years: 6,
        ..ToyGrowth::default()
    };
    let e = refused(&other, &part);
    assert!(e.contains("interrupted eval of another scenario"), "{e}");
    // Another scenario that draws one more parameter (a variant that
    // draws what its base fixes), set by --others.
    let e = refused(
        &WithExtraParameter,
        &EvalOptions {
            others: Some(Others::Median),
            ..part.clone()
        },
    );
    assert!(e.contains("interrupted eval of another scenario"), "{e}");
    // With the arguments it was started with, it finishes.
    eval_design(&ToyGrowth::default(), &part, &NoProgress).unwrap();
}

/// An interrupted eval (run files of some rows, no manifest) is finished by
/// the same command with `resume`: the rows found are checked against the
/// design and reused, the rest run, and the outputs are those of an
/// uninterrupted eval. Without `resume` such a directory is refused with
/// the way to finish it; a run file that is not its row's is refused before
/// anything runs (audit s15-econ: an interrupted eval could not be
/// finished, and a long design had to start over).
#[test]
fn an_interrupted_eval_is_finished_by_resume() {
    let model = ToyGrowth::default();
    let design = "fab.toy.yield,labs.toy.growth_per_month,grid.toy.capacity_mw\n\
                  0.9,0.05,1000\n0.5,0.01,2000\n0.7,0.03,1500\n0.6,0.02,1200\n0.8,0.04,1800\n";
    let dir = tmp("eval-resume");
    let whole = eval_opts(&dir.join("whole"), design, 3);
    eval_design(&model, &whole, &NoProgress).unwrap();
    // Interrupted after rows 0, 2 and 4: their run files, nothing else.
    let part = eval_opts(&dir.join("part"), design, 3);
    std::fs::create_dir_all(montecarlo::store::runs_dir(&part.out)).unwrap();
    for r in [0, 2, 4] {
        std::fs::copy(
            montecarlo::store::run_file_path(&whole.out, r),
            montecarlo::store::run_file_path(&part.out, r),
        )
        .unwrap();
    }
    let e = eval_design(&model, &part, &NoProgress).unwrap_err().to_string();
    assert!(e.contains("unfinished eval") && e.contains("--resume"), "{e}");
    // Row 2's file holds row 0's run: refused, naming it, before any run.
    std::fs::copy(
        montecarlo::store::run_file_path(&whole.out, 0),
        montecarlo::store::run_file_path(&part.out, 2),
    )
    .unwrap();
    let resume = EvalOptions {
        resume: true,
        ..part.clone()
    };
    let e = eval_design(&model, &resume, &NoProgress).unwrap_err().to_string();
    assert!(
        e.contains("run-000000000002.txt") && e.contains("not this batch's run 2"),
        "{e}"
    );
    assert_eq!(
        montecarlo::store::list_runs(&part.out).unwrap().len(),
        3,
        "nothing ran"
    );
    std::fs::copy(
        montecarlo::store::run_file_path(&whole.out, 2),
        montecarlo::store::run_file_path(&part.out, 2),
    )
    .unwrap();
    let r = eval_design(&model, &resume, &NoProgress).unwrap();
    assert_eq!(r.table.runs, vec![0, 1, 2, 3, 4]);
    assert_same_outputs(&whole.out, &part.out, &FINALS);
    // Finished, the same command with `resume` leaves it as it is, so a
    // requeued array task whose shard had finished succeeds: nothing runs,
    // every file keeps its bytes.
    let manifest = read(&part.out, "manifest.json");
    let r = eval_design(&model, &resume, &NoProgress).unwrap();
    assert_eq!((r.ran_now, r.table.runs.len()), (0, 5));
    assert_same_outputs(&whole.out, &part.out, &FINALS);
    assert_eq!(read(&part.out, "manifest.json"), manifest);
    // Other arguments are refused, naming the field, and change nothing.
    let other_seed = EvalOptions {
        master_seed: 4,
        ..resume.clone()
    };
    let e = eval_design(&model, &other_seed, &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("finished eval whose master_seed was 3, this command's is 4"),
        "{e}"
    );
    let mut other_outputs = resume.clone();
    other_outputs.output.keep_timeseries = true;
    let e = eval_design(&model, &other_outputs, &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("finished eval whose outputs was"), "{e}");
    assert_eq!(read(&part.out, "manifest.json"), manifest);
    // Without `resume`, a finished eval is refused.
    let e = eval_design(&model, &part, &NoProgress).unwrap_err().to_string();
    assert!(e.contains("holds a finished batch or eval"), "{e}");
    // Another build may not add to a finished eval's rows, as to a batch's
    // (review s18-rev-mc, finding 1): a lost row run again by it would mix
    // two models under the old manifest.
    let built = |rev: &str| montecarlo::Build::new(Some(rev.repeat(40)), Some(false));
    let mine = EvalOptions {
        out: dir.join("built"),
        build: built("a"),
        ..whole.clone()
    };
    eval_design(&model, &mine, &NoProgress).unwrap();
    std::fs::remove_file(montecarlo::store::run_file_path(&mine.out, 3)).unwrap();
    let other_build = EvalOptions {
        resume: true,
        build: built("b"),
        ..mine.clone()
    };
    let e = eval_design(&model, &other_build, &NoProgress).unwrap_err();
    assert!(matches!(e, McError::BuildMismatch { .. }), "{e}");
    assert_eq!(
        montecarlo::store::list_runs(&mine.out).unwrap().len(),
        4,
        "nothing ran"
    );
    // The same build runs the lost row again: the outputs of the whole eval.
    let r = eval_design(
        &model,
        &EvalOptions {
            resume: true,
            ..mine.clone()
        },
        &NoProgress,
    )
    .unwrap();
    assert_eq!(r.ran_now, 1);
    assert_same_outputs(&whole.out, &mine.out, &FINALS);
}

/// A finished plain Monte Carlo batch resumed with another `--runs` is
/// extended (or cut): run i depends only on the master seed and i, so the
/// outputs are byte-identical to a fresh batch of the new N, and only the
/// new runs are computed (audit s15-econ: a batch could not be extended
/// once the convergence table showed N was not enough).
#[test]
fn a_plain_monte_carlo_batch_is_extended_or_cut_by_resume() {
    let model = ToyGrowth::default();
    let (dir, fresh) = (tmp("extend"), tmp("extend-fresh"));
    run_batch(&model, &opts(&dir, 12, 2), &NoProgress).unwrap();
    let mut o = opts(&dir, 20, 2);
    o.resume = true;
    let r = run_batch(&model, &o, &NoProgress).unwrap();
    assert_eq!((r.runs_executed, r.runs_reused), (8, 12));
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("had 12 runs, it now has 20")),
        "{:?}",
        r.warnings
    );
    run_batch(&model, &opts(&fresh, 20, 2), &NoProgress).unwrap();
    assert_same_outputs(&fresh, &dir, &FINALS);
    // Cut back to 10: the outputs of a 10-run batch; no run computed.
    let mut o = opts(&dir, 10, 2);
    o.resume = true;
    let r = run_batch(&model, &o, &NoProgress).unwrap();
    assert_eq!(r.runs_executed, 0);
    let ten = tmp("extend-ten");
    run_batch(&model, &opts(&ten, 10, 2), &NoProgress).unwrap();
    assert_same_outputs(&ten, &dir, &FINALS);
}

/// `eval` with a shard runs the rows r with `r % M == K` only (r the run
/// index in the whole design), and `merge` of the M shard directories
/// writes byte for byte what one unsharded eval of the design writes, a
/// design `seed` column and `--others drawn` included (an economist's
/// 100,000-row SALib design split over a Slurm array, as a batch is).
#[test]
fn sharded_eval_merges_into_the_unsharded_eval() {
    let model = ToyGrowth::default();
    let dir = tmp("eval-shards");
    // Rows of one base sample share a seed; the yield is drawn per row.
    let design = "seed,labs.toy.growth_per_month,grid.toy.capacity_mw\n\
                  0,0.05,1000\n0,0.01,1000\n0,0.05,2000\n1,0.03,1500\n1,0.02,1500\n\
                  1,0.03,1200\n2,0.04,1800\n";
    let mut whole = eval_opts(&dir.join("whole"), design, 3);
    whole.others = Some(Others::Drawn);
    eval_design(&model, &whole, &NoProgress).unwrap();
    let shard_opts = |k: u64| EvalOptions {
        out: dir.join(format!("shard{k}")),
        shard: Some(Shard { index: k, count: 3 }),
        ..whole.clone()
    };
    let shards: Vec<PathBuf> = (0..3).map(|k| shard_opts(k).out).collect();
    for k in 0..3 {
        let r = eval_design(&model, &shard_opts(k), &NoProgress).unwrap();
        assert_eq!(r.table.runs, [vec![0, 3, 6], vec![1, 4], vec![2, 5]][k as usize]);
    }
    let m: serde_json::Value = serde_json::from_slice(&read(&shards[1], "manifest.json")).unwrap();
    assert_eq!(
        (&m["shard"], &m["runs"], &m["completed_runs"]),
        (
            &serde_json::json!({"index": 1, "count": 3}),
            &serde_json::json!(7),
            &serde_json::json!(2)
        )
    );
    assert!(
        m["eval"]["design_hash"].as_str().unwrap().starts_with("fnv1a64:"),
        "{m}"
    );
    let mo = |dirs: &[&PathBuf], out: &str| MergeOptions {
        shard_dirs: dirs.iter().map(|d| d.to_path_buf()).collect(),
        out: dir.join(out),
        output: OutputOptions::default(),
        command_line: vec![],
        build: Default::default(),
        threads: None,
    };
    let e = merge(&mo(&[&shards[0], &shards[2]], "m-missing")).unwrap_err();
    assert!(e.to_string().contains("missing shard(s) 1/3"), "{e}");
    let r = merge(&mo(&[&shards[2], &shards[0], &shards[1]], "merged")).unwrap();
    assert_eq!(r.table.runs, (0..7).collect::<Vec<u64>>());
    let merged = dir.join("merged");
    assert_same_outputs(&whole.out, &merged, &FINALS);
    let m: serde_json::Value = serde_json::from_slice(&read(&merged, "manifest.json")).unwrap();
    assert_eq!(
        (&m["design"], &m["shard"]),
        (&serde_json::json!("external"), &serde_json::Value::Null)
    );
    assert_eq!(m["eval"]["seed_column"], true);
    // A row of the merged eval replays as the unsharded eval's row.
    let (a, b) = (
        montecarlo::plan_replay(&merged, 4).unwrap(),
        montecarlo::plan_replay(&whole.out, 4).unwrap(),
    );
    assert_eq!((a.seed, a.values()), (b.seed, b.values()));

    // A shard interrupted after row 4's run: finished by the same options
    // with `resume`; resumed as another shard, refused naming the row.
    let part = EvalOptions {
        out: dir.join("part1"),
        resume: true,
        ..shard_opts(1)
    };
    std::fs::create_dir_all(montecarlo::store::runs_dir(&part.out)).unwrap();
    std::fs::copy(
        montecarlo::store::run_file_path(&shards[1], 4),
        montecarlo::store::run_file_path(&part.out, 4),
    )
    .unwrap();
    let other = EvalOptions {
        shard: Some(Shard { index: 0, count: 3 }),
        ..part.clone()
    };
    let e = eval_design(&model, &other, &NoProgress).unwrap_err().to_string();
    assert!(e.contains("row 4 is not in shard 0/3"), "{e}");
    let r = eval_design(&model, &part, &NoProgress).unwrap();
    assert_eq!(r.table.runs, vec![1, 4]);
    assert_same_outputs(&shards[1], &part.out, &FINALS);
}

/// `merge` refuses eval shards that are not of one eval, naming what
/// differs: another design file (its hash and rows), another scenario,
/// seed or `--others`; and an eval shard mixed with a batch shard.
#[test]
fn merge_refuses_eval_shards_of_another_design_or_a_batch_shard() {
    let model = ToyGrowth::default();
    let dir = tmp("eval-shards-refused");
    let design = "fab.toy.yield,labs.toy.growth_per_month,grid.toy.capacity_mw\n\
                  0.9,0.05,1000\n0.5,0.01,2000\n0.7,0.03,1500\n0.6,0.02,1200\n";
    let base = eval_opts(&dir, design, 3);
    let shard = |k: u64, name: &str, o: &EvalOptions| {
        let o = EvalOptions {
            out: dir.join(name),
            shard: Some(Shard { index: k, count: 2 }),
            ..o.clone()
        };
        eval_design(&model, &o, &NoProgress).unwrap();
        o.out
    };
    let s0 = shard(0, "s0", &base);
    let mo = |other: &Path, out: &str| MergeOptions {
        shard_dirs: vec![s0.clone(), other.to_path_buf()],
        out: dir.join(out),
        output: OutputOptions::default(),
        command_line: vec![],
        build: Default::default(),
        threads: None,
    };
    let refusal = |other: &Path, out: &str| {
        let e = merge(&mo(other, out)).unwrap_err();
        assert!(matches!(e, McError::Merge(_)), "{e}");
        assert!(!dir.join(out).exists(), "{out}: refused before --out is made");
        e.to_string()
    };
    // Another design: one value changed, the same number of rows.
    let other_csv = dir.join("other.csv");
    std::fs::write(&other_csv, design.replace("0.5,0.01", "0.5,0.02")).unwrap();
    let other_design = EvalOptions {
        design_csv: other_csv.clone(),
        ..base.clone()
    };
    let e = refusal(&shard(1, "s1-design", &other_design), "m-design");
    assert!(
        e.contains("the design differs")
            && e.contains(&format!(
                "evaluated {} (4 rows, fnv1a64:",
                base.design_csv.display()
            ))
            && e.contains(&format!("evaluated {} (4 rows, fnv1a64:", other_csv.display())),
        "{e}"
    );
    // A design of more rows.
    std::fs::write(&other_csv, format!("{design}0.8,0.04,1800\n")).unwrap();
    let e = refusal(&shard(1, "s1-rows", &other_design), "m-rows");
    assert!(e.contains("the design differs") && e.contains("(5 rows, "), "{e}");
    // Another scenario, seed or --others.
    let policy = ToyGrowth {
        policy_boost: 0.01,
        ..ToyGrowth::default()
    };
    let s1_scenario = dir.join("s1-scenario");
    eval_design(
        &policy,
        &EvalOptions {
            out: s1_scenario.clone(),
            shard: Some(Shard { index: 1, count: 2 }),
            ..base.clone()
        },
        &NoProgress,
    )
    .unwrap();
    let e = refusal(&s1_scenario, "m-scenario");
    assert!(e.contains("`scenario_hash` differs"), "{e}");
    let seeded = EvalOptions {
        master_seed: 4,
        ..base.clone()
    };
    let e = refusal(&shard(1, "s1-seed", &seeded), "m-seed");
    assert!(e.contains("`master_seed` differs"), "{e}");
    // `--others` where the design gives every parameter a column sets
    // nothing: such shards merge (s16 review: they were refused).
    let median = EvalOptions {
        others: Some(Others::Median),
        ..base.clone()
    };
    merge(&mo(&shard(1, "s1-others", &median), "m-others")).unwrap();
    // Where a parameter has no column, another `--others` is refused.
    let partial_csv = dir.join("partial.csv");
    let partial: String = design
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n")
        .collect();
    std::fs::write(&partial_csv, partial).unwrap();
    let drawn = EvalOptions {
        design_csv: partial_csv.clone(),
        others: Some(Others::Drawn),
        ..base.clone()
    };
    let p0 = shard(0, "p0", &drawn);
    let p1 = shard(
        1,
        "p1",
        &EvalOptions {
            others: Some(Others::Median),
            ..drawn.clone()
        },
    );
    let e = merge(&MergeOptions {
        shard_dirs: vec![p0, p1],
        out: dir.join("m-partial"),
        output: OutputOptions::default(),
        command_line: vec![],
        build: Default::default(),
        threads: None,
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("`--others` differs") && e.contains("by median"), "{e}");
    // A batch's shard 1/2 of as many runs: refused as a batch's, either order.
    let batch = dir.join("batch1");
    let mut b = BatchOptions::new(&batch, 4, 3);
    b.durable = false;
    b.shard = Some(Shard { index: 1, count: 2 });
    run_batch(&model, &b, &NoProgress).unwrap();
    let e = refusal(&batch, "m-batch");
    assert!(
        e.contains("is a shard of an `aistack eval` of the design")
            && e.contains("of an `aistack batch` (design mc)")
            && e.contains("of one batch, or of one eval"),
        "{e}"
    );
    let e = merge(&MergeOptions {
        shard_dirs: vec![batch.clone(), s0.clone()],
        ..mo(&batch, "m-batch2")
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("is a shard of an `aistack batch`"), "{e}");
    // An interrupted eval shard (run files, no manifest yet) is named as such.
    let part = dir.join("s1-part");
    std::fs::create_dir_all(montecarlo::store::runs_dir(&part)).unwrap();
    std::fs::copy(
        montecarlo::store::run_file_path(&s0, 0),
        montecarlo::store::run_file_path(&part, 0),
    )
    .unwrap();
    let e = refusal(&part, "m-part");
    assert!(
        e.contains("an unfinished `aistack eval`") && e.contains("--resume"),
        "{e}"
    );
    // The right shard 1/2 merges.
    let s1 = shard(1, "s1", &base);
    merge(&mo(&s1, "merged")).unwrap();
}

/// A shard of a huge recorded shard count: `merge` names the first missing
/// shards and how many more, with memory that follows the directories
/// given (s16 review: it sized a table by the count and aborted on a
/// petabyte allocation).
#[test]
fn merge_of_a_huge_shard_count_names_the_missing_without_allocating_them() {
    let model = ToyGrowth::default();
    let dir = tmp("huge-shard-count");
    let count = 99_999_999_999_999;
    let mut o = opts(&dir.join("s0"), 3, 1);
    o.shard = Some(Shard { index: 0, count });
    run_batch(&model, &o, &NoProgress).unwrap();
    let e = merge(&MergeOptions {
        shard_dirs: vec![dir.join("s0")],
        out: dir.join("merged"),
        output: OutputOptions::default(),
        command_line: vec![],
        build: Default::default(),
        threads: None,
    })
    .unwrap_err()
    .to_string();
    assert!(
        e.contains(&format!("missing shard(s) 1/{count}, 2/{count}"))
            && e.contains(&format!("10/{count} and {} more", count - 11)),
        "{e}"
    );
}

/// Audit s17 #2: `mcse = sd/√n` is the standard error of the mean only for
/// independent runs. `summary.json` records the design next to it and says
/// what mcse is under that design: for a Latin hypercube (also merged from
/// shards) a conservative upper bound, with the replicate-across-seeds way
/// to a standard error; for an `eval` no standard error at all. Before,
/// every summary said `mcse = sd/sqrt(n)` as if it were one.
#[test]
fn summary_records_the_design_and_what_mcse_means_under_it() {
    let model = ToyGrowth::default();
    let summary =
        |dir: &Path| -> serde_json::Value { serde_json::from_slice(&read(dir, "summary.json")).unwrap() };
    let (mc, lhs) = (tmp("mcse-mc"), tmp("mcse-lhs"));
    run_batch(&model, &opts(&mc, 20, 1), &NoProgress).unwrap();
    let mut o = opts(&lhs, 20, 1);
    o.design = Design::Lhs;
    run_batch(&model, &o, &NoProgress).unwrap();
    let s = summary(&mc);
    assert_eq!(s["design"], "mc", "{s}");
    let def = s["mcse_definition"].as_str().unwrap();
    assert!(
        def.contains("standard error of the mean of n independent runs"),
        "{def}"
    );
    assert_eq!(
        s["quantile_definition"],
        "Hyndman-Fan type 7 (R and NumPy default)"
    );
    let s = summary(&lhs);
    assert_eq!(s["design"], "lhs", "{s}");
    let def = s["mcse_definition"].as_str().unwrap();
    for want in [
        "conservative upper bound",
        "Owen 1997",
        "several --seed values",
        "convergence.csv",
    ] {
        assert!(def.contains(want), "{want}: {def}");
    }
    // A merge of LHS shards is the same Latin hypercube, and says so.
    let shard_dirs_scratch: Vec<Scratch> = (0..2).map(|k| tmp(&format!("mcse-shard{k}"))).collect();
    let shard_dirs: Vec<PathBuf> = shard_dirs_scratch.iter().map(|d| d.to_path_buf()).collect();
    for (k, d) in shard_dirs.iter().enumerate() {
        let mut o = opts(d, 20, 1);
        o.design = Design::Lhs;
        o.shard = Some(Shard {
            index: k as u64,
            count: 2,
        });
        run_batch(&model, &o, &NoProgress).unwrap();
    }
    let merged = tmp("mcse-merged");
    merge(&MergeOptions {
        shard_dirs: shard_dirs.clone(),
        out: merged.to_path_buf(),
        output: OutputOptions::default(),
        command_line: vec![],
        build: Default::default(),
        threads: None,
    })
    .unwrap();
    assert_eq!(read(&merged, "summary.json"), read(&lhs, "summary.json"));
    let dir = tmp("mcse-eval");
    let eo = eval_opts(
        &dir,
        "fab.toy.yield,labs.toy.growth_per_month,grid.toy.capacity_mw\n0.9,0.05,1000\n0.5,0.01,2000\n",
        4,
    );
    eval_design(&model, &eo, &NoProgress).unwrap();
    let s = summary(&eo.out);
    assert_eq!(s["design"], "external", "{s}");
    let def = s["mcse_definition"].as_str().unwrap();
    assert!(def.contains("only if the rows are independent draws"), "{def}");
}

/// Audit s17 #3: Stata names have at most 32 characters, so `import
/// delimited …, varnames(1)` cannot name half of a china-2025 runs.csv's
/// columns. Every batch writes `runs.do` beside runs.csv, which imports it
/// without names and renames and labels every column by position (the
/// names are checked in `stata::tests`); it is rewritten with runs.csv.
#[test]
fn a_batch_writes_a_do_file_that_names_every_runs_csv_column() {
    let dir = tmp("stata");
    run_batch(&ToyGrowth::default(), &opts(&dir, 3, 1), &NoProgress).unwrap();
    let csv = String::from_utf8(read(&dir, "runs.csv")).unwrap();
    let columns: Vec<String> = csv.lines().next().unwrap().split(',').map(String::from).collect();
    let text = String::from_utf8(read(&dir, "runs.do")).unwrap();
    assert_eq!(text, montecarlo::stata::runs_do(&columns));
    assert!(text.contains("varnames(nonames) stringcols(_all)"), "{text}");
    for (i, c) in columns.iter().enumerate() {
        let name = c.replace('.', "_");
        assert!(
            text.contains(&format!("rename v{} {name}\n", i + 1)),
            "{c}: {text}"
        );
        assert!(
            text.contains(&format!("label variable {name} \"{c}\"\n")),
            "{c}: {text}"
        );
    }
}

/// y = x₀ + 2·x₁ + 3·x₂ with xⱼ ~ U(0, 1): additive, so a Latin hypercube
/// removes nearly all of the variance of its mean.
struct Additive;

impl Model for Additive {
    fn parameters(&self) -> Vec<montecarlo::ParamSpec> {
        (0..3)
            .map(|j| montecarlo::ParamSpec {
                path: format!("x{j}"),
                dist: scheduler::Dist::Uniform { low: 0.0, high: 1.0 },
            })
            .collect()
    }
    fn run(&self, _seed: u64, p: &[f64]) -> Result<montecarlo::RunResult, montecarlo::ModelError> {
        Ok(montecarlo::RunResult {
            scalars: vec![("y".into(), p[0] + 2.0 * p[1] + 3.0 * p[2])],
            series: montecarlo::Series::default(),
        })
    }
    fn identity(&self) -> Vec<u8> {
        b"additive".to_vec()
    }
}

/// Issue 7: a replicated Latin hypercube (`--replicates R`) reports in
/// `summary.json` the standard error of the pooled mean from the spread of
/// its R replicate means, and `convergence.csv` a row per replicate with
/// Student's t at k − 1 degrees of freedom: checked against the same
/// statistics computed here from `runs.csv` (replicate k = run / (N/R)),
/// for an outcome every run reports and for a conditional one (the ratio
/// estimator's form). For an additive outcome that standard error is far
/// below sd/√n, the bound one Latin hypercube reports.
#[test]
fn replicated_lhs_reports_the_between_replicate_standard_error() {
    let dir = tmp("replicated");
    let (n, r) = (60u64, 6u64);
    let m = n / r;
    let mut o = opts(&dir, n, 2);
    o.design = Design::Lhs;
    o.replicates = r;
    // Ten years: some runs, not all, pass 1e26 FLOP (a conditional outcome).
    let model = ToyGrowth {
        years: 10,
        ..ToyGrowth::default()
    };
    run_batch(&model, &o, &NoProgress).unwrap();
    let s: serde_json::Value = serde_json::from_slice(&read(&dir, "summary.json")).unwrap();
    assert_eq!(
        (s["design"].as_str(), s["replicates"].as_u64()),
        (Some("lhs"), Some(r))
    );
    let def = s["mcse_definition"].as_str().unwrap();
    assert!(
        def.starts_with("mcse = sd(replicate means)/sqrt(R)") && def.contains("R-1 degrees"),
        "{def}"
    );
    let t = montecarlo::outputs::read_runs_csv(&dir.join("runs.csv"), 3).unwrap();
    // R's qt(0.975, df) for df = 1..5.
    let t975 = [
        12.706_204_736_174_7,
        4.302_652_729_749_464,
        3.182_446_305_284_263,
        2.776_445_105_197_793,
        2.570_581_835_636_314,
    ];
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1e-300);
    let conv = String::from_utf8(read(&dir, "convergence.csv")).unwrap();
    let mut conditional_seen = false;
    for name in [
        "training.final_flop",
        "energy.peak_load_mw",
        "training.year_1e26_flop",
    ] {
        let vals = t.outcome(name).unwrap();
        // (sum, count) of each replicate's values, from runs.csv alone.
        let sums: Vec<(f64, f64)> = (0..r)
            .map(|k| {
                let g: Vec<f64> = (0..n)
                    .filter(|i| i / m == k)
                    .filter_map(|i| vals[i as usize])
                    .collect();
                (g.iter().sum(), g.len() as f64)
            })
            .collect();
        let se_of = |k: usize| -> f64 {
            let g = &sums[..k];
            let total: f64 = g.iter().map(|x| x.1).sum();
            let mean = g.iter().map(|x| x.0).sum::<f64>() / total;
            let nbar = total / k as f64;
            let ss: f64 = g.iter().map(|(s, c)| ((s - mean * c) / nbar).powi(2)).sum();
            (ss / (k * (k - 1)) as f64).sqrt()
        };
        if sums.iter().all(|x| x.1 == m as f64) {
            // Every run reports it: the sd of the replicate means over √R.
            let means: Vec<f64> = sums.iter().map(|x| x.0 / x.1).collect();
            let mean = means.iter().sum::<f64>() / r as f64;
            let sd = (means.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (r - 1) as f64).sqrt();
            assert!(close(se_of(r as usize), sd / (r as f64).sqrt()));
        } else {
            conditional_seen = true;
        }
        let e = &s["outcomes"][name];
        let mcse = e["mcse"].as_f64().unwrap();
        assert!(
            close(mcse, se_of(r as usize)),
            "{name}: {mcse} vs {}",
            se_of(r as usize)
        );
        assert!(
            close(e["half_width_95"].as_f64().unwrap(), t975[4] * mcse),
            "{name}"
        );
        assert_eq!(e["replicates"].as_u64(), Some(r));
        let pooled: Vec<f64> = vals.iter().flatten().copied().collect();
        assert!(close(
            e["mean"].as_f64().unwrap(),
            pooled.iter().sum::<f64>() / pooled.len() as f64
        ));
        // A convergence row at the end of each replicate, none between.
        let rows: Vec<Vec<&str>> = conv
            .lines()
            .filter(|l| l.starts_with(&format!("{name},")))
            .map(|l| l.split(',').collect())
            .collect();
        assert_eq!(rows.len(), r as usize, "{name}: {rows:?}");
        let mut count = 0.0;
        for (k, row) in rows.iter().enumerate() {
            count += sums[k].1;
            assert_eq!(row[1], (count as u64).to_string());
            if k == 0 {
                assert_eq!(row[3], "", "no interval from one replicate");
            } else {
                let hw: f64 = row[3].parse().unwrap();
                assert!(close(hw, t975[k - 1] * se_of(k + 1)), "{name} row {k}: {hw}");
            }
        }
    }
    assert!(
        conditional_seen,
        "training.year_1e26_flop should be missing in some runs"
    );
    // The point of the feature: for an additive outcome the standard error
    // is far below the bound sd/√n (here about 20 times).
    let add = tmp("replicated-additive");
    let mut o = opts(&add, 100, 1);
    o.design = Design::Lhs;
    o.replicates = 10;
    run_batch(&Additive, &o, &NoProgress).unwrap();
    let s: serde_json::Value = serde_json::from_slice(&read(&add, "summary.json")).unwrap();
    let y = &s["outcomes"]["y"];
    let (mcse, sd) = (y["mcse"].as_f64().unwrap(), y["sd"].as_f64().unwrap());
    assert!(mcse < 0.2 * sd / 10.0, "mcse {mcse} vs sd/√n {}", sd / 10.0);
    assert!((y["mean"].as_f64().unwrap() - 3.0).abs() < 6.0 * mcse, "{y}");
    let _ = (std::fs::remove_dir_all(dir), std::fs::remove_dir_all(add));
}

/// Issue 7: replicate counts a batch cannot have are refused before
/// anything is written (R = 0, R with plain MC, R not dividing N, fewer
/// than 2 runs a replicate), as is a compare with replicates.
#[test]
fn impossible_replicates_are_refused_before_anything_is_written() {
    let model = ToyGrowth::default();
    let dir = tmp("bad-replicates");
    for (design, runs, r, want) in [
        (Design::Lhs, 40, 0, "--replicates must be at least 1"),
        (Design::Mc, 40, 4, "works with --design lhs only"),
        (Design::Lhs, 40, 3, "--replicates 3 does not divide --runs 40"),
        (Design::Lhs, 40, 40, "leaves 1 run per replicate"),
    ] {
        let mut o = opts(&dir, runs, 1);
        o.design = design;
        o.replicates = r;
        let e = run_batch(&model, &o, &NoProgress).unwrap_err().to_string();
        assert!(e.contains(want), "{e}");
        assert!(!dir.exists(), "{want}: {} was created", dir.display());
    }
    // Too few runs a replicate for the toy's rank correlation (2 parameters).
    let mut o = opts(&dir, 12, 1);
    o.design = Design::Lhs;
    o.replicates = 4;
    let e = run_batch(&model, &o, &NoProgress).unwrap_err().to_string();
    // With the count and the --runs that would do (audit s30 econ).
    assert!(
        e.contains(
            "needs more runs than the 2 correlated parameters + 1, i.e. at least 4 runs per \
             replicate, got 3 (--runs 12 / --replicates 4): give --runs 16 or more, or fewer \
             replicates"
        ),
        "{e}"
    );
    assert!(!dir.exists());
    let mut batch = opts(&dir, 20, 1);
    batch.design = Design::Lhs;
    batch.replicates = 2;
    let e = compare(
        &model,
        &model,
        &CompareOptions {
            out: dir.to_path_buf(),
            batch,
            warnings: Vec::new(),
        },
        &NoProgress,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("compare does not take replicates"), "{e}");
    assert!(!dir.exists());
}

/// Records what a batch tells its progress display, in order.
#[derive(Default)]
struct Recorder(std::sync::Mutex<Vec<String>>);

impl montecarlo::Progress for Recorder {
    fn start(&self, total: u64, already_done: u64) {
        self.0
            .lock()
            .unwrap()
            .push(format!("start {total} {already_done}"));
    }
    fn finish(&self) {
        self.0.lock().unwrap().push("finish".into());
    }
    fn phase(&self, what: &str) {
        self.0.lock().unwrap().push(what.into());
    }
}

/// The silent phases of a batch are announced (audit s23-scale, F3: a
/// resume checked its run files, and every batch wrote its outputs, for
/// tens of seconds at 10,000 runs with nothing on the terminal): the check
/// of the reused run files before the bar starts, the writing of the
/// outputs after it.
#[test]
fn a_batch_announces_its_phases_without_runs_to_count() {
    let model = ToyGrowth::default();
    let dir = tmp("phases");
    let said = |o: &BatchOptions| {
        let rec = Recorder::default();
        run_batch(&model, o, &rec).unwrap();
        rec.0.into_inner().unwrap()
    };
    let first = said(&opts(&dir, 20, 1));
    assert_eq!(
        first,
        [
            "start 20 0",
            "finish",
            "writing runs.csv, bands.csv and summary.json from 20 run files"
        ]
    );
    std::fs::remove_file(montecarlo::store::run_file_path(&dir, 7)).unwrap();
    let mut o = opts(&dir, 20, 1);
    o.resume = true;
    let again = said(&o);
    assert_eq!(
        again,
        [
            format!("checking the 19 run files already in {}", dir.display()),
            "start 20 19".into(),
            "finish".into(),
            "writing runs.csv, bands.csv and summary.json from 20 run files".into(),
        ]
    );
}
