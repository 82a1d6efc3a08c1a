//! This example demonstrates the library API behind `aistack batch|merge|plot`
//! on the toy growth model. Its command line is a subset of `aistack`'s, not
//! the same: the commands and options below, spelt as `aistack` spells them.
//! SCENARIO (and `compare`'s A and B) is accepted and ignored, so is any
//! option not listed below; `batch --resume DIR` does not read the batch's
//! arguments from its manifest, so it needs `--runs` and the others again;
//! `plot` draws a batch only; `sensitivity` is Sobol' only (200 bootstrap
//! resamples); `demo-charts` is its own. `scripts/slurm-test.sh` uses it as
//! a stand-in for the `aistack` binary (`AISTACK=.../toy_aistack`), with
//! only the `batch`, `merge` and `plot` arguments listed here.
//!
//! ```text
//! toy_aistack batch SCENARIO --runs N [--seed S] [--threads T] [--design mc|lhs] [--shard K/M] [--out DIR] [--resume DIR] [--keep-timeseries]
//! toy_aistack merge SHARD_DIR... --out DIR
//! toy_aistack plot DIR
//! toy_aistack compare A B --runs N [--seed S] [--threads T] [--out DIR]   (B = A with a growth boost)
//! toy_aistack sensitivity SCENARIO --outcome NAME --runs N [--sampler sobol|random] [--seed S] [--threads T] [--out DIR]
//! toy_aistack demo-charts DIR
//! ```

use montecarlo::toy::ToyGrowth;
use montecarlo::{
    BatchOptions, MergeOptions, NoProgress, OutputOptions, PlotOptions, merge, plot_batch, run_batch,
};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let model = ToyGrowth::default();
    match args.get(1).map(String::as_str) {
        Some("batch") => {
            let runs: u64 = flag("--runs").ok_or("--runs N is required")?.parse()?;
            let resume = flag("--resume");
            let out = resume
                .clone()
                .or(flag("--out"))
                .unwrap_or_else(|| "aistack-out/toy-batch".into());
            let mut o = BatchOptions::new(out, runs, flag("--seed").map_or(Ok(0), |s| s.parse())?);
            o.threads = flag("--threads").map(|t| t.parse()).transpose()?;
            o.design = flag("--design").map_or(Ok(montecarlo::Design::Mc), |d| d.parse())?;
            o.shard = flag("--shard").map(|s| s.parse()).transpose()?;
            o.resume = resume.is_some();
            o.output.keep_timeseries = args.iter().any(|a| a == "--keep-timeseries");
            o.command_line = args.clone();
            let r = run_batch(&model, &o, &NoProgress)?;
            println!(
                "{}: {} runs ({} executed, {} reused)",
                r.dir.display(),
                r.runs_in_outputs,
                r.runs_executed,
                r.runs_reused
            );
        }
        Some("merge") => {
            let out = PathBuf::from(flag("--out").ok_or("--out DIR is required")?);
            let mut dirs = Vec::new();
            let mut i = 2;
            while i < args.len() {
                if args[i] == "--out" {
                    i += 2;
                    continue;
                }
                dirs.push(PathBuf::from(&args[i]));
                i += 1;
            }
            let keep = dirs.iter().any(|d| d.as_os_str() == "--keep-timeseries");
            dirs.retain(|d| d.as_os_str() != "--keep-timeseries");
            let output = OutputOptions {
                keep_timeseries: keep,
                ..OutputOptions::default()
            };
            let r = merge(&MergeOptions {
                shard_dirs: dirs,
                out,
                output,
                command_line: args.clone(),
                build: Default::default(),
                threads: None,
            })?;
            println!("{}: merged {} runs", r.dir.display(), r.runs_in_outputs);
        }
        Some("plot") => {
            let dir = PathBuf::from(args.get(2).ok_or("plot DIR")?);
            let r = plot_batch(&PlotOptions {
                categories: None,
                dir,
                out: None,
                max_fan_charts: 12,
            })?;
            r.files.iter().for_each(|f| println!("{}", f.display()));
        }
        Some("compare") => {
            let runs: u64 = flag("--runs").ok_or("--runs N is required")?.parse()?;
            let out = PathBuf::from(flag("--out").unwrap_or_else(|| "aistack-out/toy-compare".into()));
            let mut batch = BatchOptions::new(&out, runs, flag("--seed").map_or(Ok(0), |s| s.parse())?);
            batch.threads = flag("--threads").map(|t| t.parse()).transpose()?;
            let b = ToyGrowth {
                policy_boost: 0.002,
                ..ToyGrowth::default()
            };
            let r = montecarlo::compare(
                &model,
                &b,
                &montecarlo::CompareOptions {
                    out,
                    batch,
                    warnings: Vec::new(),
                },
                &NoProgress,
            )?;
            for d in &r.differences {
                println!(
                    "{}: B - A = {:.4e} [{:.4e}, {:.4e}], CRN narrowed the 95% interval by {:.0}%",
                    d.outcome,
                    d.mean_diff,
                    d.ci95_low,
                    d.ci95_high,
                    100.0 * d.narrowing
                );
            }
        }
        Some("sensitivity") => {
            let o = montecarlo::SobolOptions {
                invocation: Default::default(),
                outcome: flag("--outcome").ok_or("--outcome NAME is required")?,
                base_samples: flag("--runs").ok_or("--runs N is required")?.parse()?,
                sampler: flag("--sampler").map_or(Ok(Default::default()), |s| s.parse())?,
                master_seed: flag("--seed").map_or(Ok(0), |s| s.parse())?,
                threads: flag("--threads").map(|t| t.parse()).transpose()?,
                bootstrap: 200,
                out: Some(PathBuf::from(
                    flag("--out").unwrap_or_else(|| "aistack-out/toy-sensitivity".into()),
                )),
            };
            let r = montecarlo::sobol_sensitivity(&model, &o, &NoProgress)?;
            println!("{} model runs; variance {:.4e}", r.runs_evaluated, r.variance);
            for n in &r.notes {
                eprintln!("note: {n}");
            }
            for row in &r.rows {
                println!(
                    "{:28} S1 {:.3} [{:.3}, {:.3}]  ST {:.3} [{:.3}, {:.3}]",
                    row.parameter, row.s1, row.s1_low, row.s1_high, row.st, row.st_low, row.st_high
                );
            }
        }
        Some("demo-charts") => {
            use montecarlo::charts::{LineSeries, Marker, TimelineEvent, line_chart, timeline_chart};
            let dir = PathBuf::from(args.get(2).ok_or("demo-charts DIR")?);
            std::fs::create_dir_all(&dir)?;
            let month = |m: u32| f64::from(m) / 12.0;
            let lines = [
                LineSeries {
                    label: "datacenter demand".into(),
                    points: (0..36).map(|m| (month(m), 800.0 + 40.0 * f64::from(m))).collect(),
                },
                LineSeries {
                    label: "available generation".into(),
                    points: (0..36)
                        .map(|m| (month(m), 1500.0 + 10.0 * f64::from(m)))
                        .collect(),
                },
            ];
            let marks = [Marker {
                from: 1.0,
                to: 1.5,
                label: "export controls tighten".into(),
            }];
            line_chart(
                &dir.join("line.svg"),
                "Power balance (one run)",
                "time since start [years]",
                "power [MW]",
                &lines,
                &marks,
            )?;
            let ev = |t: f64, lane: &str, size: f64, label: &str| TimelineEvent {
                time: t,
                lane: lane.into(),
                size,
                label: label.into(),
                hollow: false,
            };
            let events = [
                ev(0.2, "lab-a", 3e24, "A-1"),
                ev(0.9, "lab-b", 8e24, "B-1"),
                ev(1.4, "lab-a", 2e25, "A-2"),
                ev(2.3, "lab-b", 6e25, "B-2"),
                ev(2.8, "lab-a", 1.5e26, "A-3"),
            ];
            timeline_chart(
                &dir.join("timeline.svg"),
                "Model releases (one run)",
                "time since start [years]",
                "training compute [FLOP]",
                &events,
                true,
                None,
            )?;
        }
        _ => return Err("usage: toy_aistack batch|merge|plot ...".into()),
    }
    Ok(())
}
