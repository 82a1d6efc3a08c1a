//! `aistack run` and `aistack validate`.

use anyhow::{Context, Result};
use stack::dispatch_csv::{DateWindow, write_dispatch};
use stack::output::{StagedDir, write_timeseries};
use stack::{RunOptions, Scenario};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Loads a scenario file, or the embedded default, and prints its
/// plausibility warnings (`Scenario::warnings`) to stderr.
pub fn load(path: Option<&Path>) -> Result<Scenario> {
    let s = match path {
        Some(p) => Scenario::load(p)?,
        None => Scenario::embedded_default()?,
    };
    warn(&s);
    Ok(s)
}

/// Loads the scenario file `path` and prints its plausibility warnings to
/// stderr: every command that reads a scenario goes through here.
pub fn load_file(path: &Path) -> Result<Scenario> {
    load(Some(path))
}

/// Prints each plausibility warning of `s` (a likely unit slip, with the
/// file, line, column, field and a hint) on stderr, once per process: the
/// two scenarios of `compare` often share a base, or are one file.
fn warn(s: &Scenario) {
    static SHOWN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut shown = SHOWN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let lines = s
        .warnings()
        .into_iter()
        .map(|w| w.to_string())
        .chain(correlation_warnings(s))
        .map(|w| format!("warning: {w}"));
    for line in lines {
        if !shown.contains(&line) {
            eprintln!("{line}");
            shown.push(line);
        }
    }
}

/// Warnings for the scenario's declared rank correlations that its batches
/// cannot reach ([`montecarlo::design::correlation_warnings`]: one on a
/// `Const`, attenuated on a `Discrete`), prefixed with the file: printed
/// by `validate` and by every command that reads the scenario.
fn correlation_warnings(s: &Scenario) -> Vec<String> {
    let params: Vec<montecarlo::ParamSpec> = s
        .parameters()
        .into_iter()
        .map(|p| montecarlo::ParamSpec {
            path: p.path,
            dist: p.dist,
        })
        .collect();
    let corrs: Vec<montecarlo::RankCorrelation> = s
        .data
        .correlations
        .iter()
        .map(|c| montecarlo::RankCorrelation {
            a: c.a.clone(),
            b: c.b.clone(),
            rho: c.rho,
        })
        .collect();
    montecarlo::design::correlation_warnings(&params, &corrs)
        .into_iter()
        .map(|w| format!("{}: correlations: {w}", s.file().display()))
        .collect()
}

/// `aistack validate FILE [--print-math-fingerprint]`: checks the scenario and
/// prints its hash as manifests record it (each file's where there are
/// several), and with the flag this build's maths fingerprint.
pub fn validate(path: &Path, print_math_fingerprint: bool) -> Result<()> {
    let s = load_file(path)?;
    let count = |n: usize, what: &str| crate::batch_cmd::count(n as u64, what);
    println!(
        "{}: ok — scenario `{}`, {}, {}, {}, {}, {}, {}",
        path.display(),
        s.name(),
        count(s.data.regions.len(), "region"),
        count(s.data.plants.len(), "plant"),
        count(s.data.fabs.len(), "fab"),
        count(s.data.labs.len(), "lab"),
        count(s.data.uncertain.len(), "uncertain parameter"),
        stack::report::horizon_text(&s.data),
    );
    // As a manifest records them, to check a file against a batch's
    // manifest and a machine against its `math_fingerprint` (audit
    // s23-repro, F1, F3); each file's own hash where there are several.
    println!("scenario_hash: {}", s.identity_hash());
    let files = s.file_hashes();
    if files.len() > 1 {
        for (file, hash) in files {
            println!("  {file}: {hash}");
        }
    }
    if print_math_fingerprint {
        println!(
            "math_fingerprint: {} (this build's maths: the same on every machine)",
            montecarlo::manifest::math_fingerprint()
        );
    }
    Ok(())
}

/// Every file `aistack run` (and `aistack plot` of its directory) writes
/// there: the only files a re-run may replace.
pub const RUN_FILES: [&str; 8] = [
    "timeseries.csv",
    "summary.json",
    "events.jsonl",
    "dispatch.csv",
    crate::explain_cmd::RUN_CHARTS[0],
    crate::explain_cmd::RUN_CHARTS[1],
    crate::explain_cmd::RUN_CHARTS[2],
    crate::explain_cmd::RUN_CHARTS[3],
];

/// Refuses `out` before a run rather than after it: the run's output
/// replaces the directory whole, so it may hold only files a run writes.
fn check_out(out: &Path) -> Result<()> {
    stack::output::normalise_dir(out)
        .and_then(|dir| stack::output::check_replaceable(&dir, &RUN_FILES))
        .with_context(|| format!("cannot write the run's output to {}", out.display()))
}

/// What `aistack run` writes beside timeseries.csv and summary.json.
#[derive(Clone, Copy, Debug, Default)]
pub struct Extras {
    /// `--trace`: events.jsonl.
    pub trace: bool,
    /// `--plot`: the run's charts.
    pub plot: bool,
    /// `--dispatch-window FROM..TO`: dispatch.csv, every dispatch step in the window.
    pub dispatch_window: Option<DateWindow>,
}

/// `aistack run [FILE] [--out DIR] [--seed N] [--medians] [--trace] [--plot] [--dispatch-window FROM..TO]`;
/// `medians`: every uncertain parameter at its median instead of drawn.
pub fn run(
    path: Option<&Path>,
    out: Option<PathBuf>,
    seed: Option<u64>,
    medians: bool,
    extras: Extras,
) -> Result<()> {
    let scenario = load(path)?;
    let out = out.unwrap_or_else(|| PathBuf::from("aistack-out").join(scenario.name()));
    check_out(&out)?;
    let started = std::time::Instant::now();
    let output = stack::run(
        &scenario,
        &RunOptions {
            seed,
            param_values: medians.then(|| scenario.median_values()),
            trace: extras.trace,
            dispatch_window: extras.dispatch_window,
        },
    )?;
    write_run(&scenario, &output, started.elapsed(), &out, extras, None)
}

/// `aistack run [SCENARIO] --from-batch DIR --run I [--out OUT] [--trace] [--plot] [--dispatch-window FROM..TO]`:
/// run I of the batch in DIR again, alone, with the seed and parameter
/// values the batch gave it ([`montecarlo::plan_replay`]), and write what
/// `aistack run` writes, so `explain` and `plot` work on it.
pub fn replay(path: Option<&Path>, dir: &Path, run: u64, out: Option<PathBuf>, extras: Extras) -> Result<()> {
    let plan = montecarlo::plan_replay(dir, run)?;
    let path = match path {
        Some(p) => p.to_path_buf(),
        None => crate::batch_cmd::recorded_scenario(
            &plan.manifest,
            dir,
            &format!("aistack run SCENARIO --from-batch {} --run {run}", dir.display()),
        )?,
    };
    let scenario = load_file(&path)?;
    plan.check_model(
        &montecarlo::ScenarioModel::new(scenario.clone()),
        &path.display().to_string(),
    )?;
    if let Some(w) = plan.build_warning(&crate::batch_cmd::this_build()) {
        eprintln!("warning: {w}");
    }
    let math = plan.math_warning();
    if let Some(w) = &math {
        eprintln!("warning: {w}");
    }
    let out =
        out.unwrap_or_else(|| PathBuf::from("aistack-out").join(format!("{}-run-{run}", scenario.name())));
    check_out(&out)?;
    let started = std::time::Instant::now();
    let output = stack::run(
        &scenario,
        &RunOptions {
            seed: Some(plan.seed),
            param_values: Some(plan.values()),
            trace: extras.trace,
            dispatch_window: extras.dispatch_window,
        },
    )?;
    write_run(&scenario, &output, started.elapsed(), &out, extras, Some(&plan))?;
    let differences = plan.outcome_differences(&output.scalars);
    if !differences.is_empty() {
        eprintln!(
            "warning: the replay's outcomes differ from the batch's record of run {run} ({}): {}{}",
            plan.checked_against
                .first()
                .map_or("its run file", String::as_str),
            differences.join("; "),
            if math.is_some() {
                " (this build's maths library is not the batch's: see the warning above)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

/// What made a run, as a batch manifest records it: this binary and its
/// build, the machine's maths library, the scenario file (absolute) with
/// each file's hash, and the command line.
fn run_provenance(scenario: &Scenario) -> montecarlo::Provenance {
    let file = scenario.file();
    let path = std::fs::canonicalize(&file).unwrap_or(file);
    let files = scenario
        .file_hashes()
        .into_iter()
        .map(|(path, hash)| montecarlo::ScenarioFile { path, hash })
        .collect();
    montecarlo::Provenance::new(
        &crate::batch_cmd::record_invocation(),
        Some(path.display().to_string()),
        files,
    )
}

/// Writes a run's directory (timeseries.csv, summary.json, events.jsonl
/// with `trace`, dispatch.csv with a dispatch window, charts with `plot`)
/// through a staged directory, then prints its summary. A replay writes its batch run index in the `run` column and
/// records its origin in summary.json (`replayed_from`).
fn write_run(
    scenario: &Scenario,
    output: &stack::RunOutput,
    wall: std::time::Duration,
    out: &Path,
    extras: Extras,
    replay: Option<&montecarlo::ReplayPlan>,
) -> Result<()> {
    let Extras { trace, plot, .. } = extras;
    // Write beside the target; replace it only when everything is written.
    let staged =
        StagedDir::new(out, &RUN_FILES).with_context(|| format!("cannot create {}", out.display()))?;
    let mut w = staged.create("timeseries.csv")?;
    write_timeseries(&mut w, replay.map_or(0, |p| p.run), &output.series, true)?;
    w.flush()?;
    let mut summary = stack::report::summary_json(scenario, output);
    if let Some(map) = summary.as_object_mut() {
        if let Some(plan) = replay {
            map.insert("replayed_from".into(), plan.record());
        }
        // The build fields a batch manifest has (audit s23-repro, F5).
        if let serde_json::Value::Object(p) = serde_json::to_value(run_provenance(scenario))? {
            map.extend(p);
        }
    }
    let mut w = staged.create("summary.json")?;
    serde_json::to_writer_pretty(&mut w, &summary)?;
    writeln!(w)?;
    w.flush()?;
    if trace {
        let mut w = staged.create("events.jsonl")?;
        for line in &output.trace {
            writeln!(w, "{line}")?;
        }
        w.flush()?;
    }
    if let Some(dispatch) = &output.dispatch {
        let mut w = staged.create("dispatch.csv")?;
        write_dispatch(&mut w, replay.map_or(0, |p| p.run), dispatch, &output.calendar)?;
        w.flush()?;
    }
    let dir = staged
        .commit()
        .with_context(|| format!("cannot replace {}", out.display()))?;
    if plot {
        for f in crate::explain_cmd::plot_run(&dir, &dir)? {
            println!("chart: {}", f.display());
        }
    }
    if let Some(plan) = replay {
        println!("{}", plan.describe());
    }
    print!("{}", stack::report::summary_text(scenario, output));
    println!(
        "\n{} events in {:.2} s. Wrote {}/timeseries.csv and summary.json{}{}.",
        output.events,
        wall.as_secs_f64(),
        dir.display(),
        if trace { " and events.jsonl" } else { "" },
        output.dispatch.as_ref().map_or_else(String::new, |d| format!(
            " and dispatch.csv ({} dispatch steps)",
            d.steps.len()
        ))
    );
    Ok(())
}

/// The error for a `dir` given to `aistack COMMAND` (`explain`, `plot`,
/// `discover`) that is no directory: it does not exist, or it is a file. A
/// scenario file (`.ron`) is what one runs first, so the error says how
/// (review s26-modeler, F8: explain said "cannot read
/// minimal.ron/summary.json"): with `make`, the subcommand and its options
/// that write what COMMAND reads (`["run"]`, `["batch", "--runs", "N"]`).
/// `writers` names the commands whose `--out` COMMAND reads.
pub fn not_an_output_dir(dir: &Path, command: &str, writers: &str, make: &[&str]) -> anyhow::Error {
    let d = dir.display();
    if dir.is_file() && dir.extension().is_some_and(|e| e == "ron") {
        // Quoted as a shell needs it (review s26-2, F9: a path with a
        // space could not be pasted).
        let mut line = vec![
            "aistack".to_string(),
            make[0].to_string(),
            dir.to_string_lossy().into_owned(),
        ];
        line.extend(make[1..].iter().map(|a| a.to_string()));
        line.extend(["--out".to_string(), "DIR".to_string()]);
        let first = montecarlo::command_to_type(&line);
        anyhow::anyhow!(
            "{d} is a scenario file, not an output directory: run it first, \
             `{first}`, then `aistack {command} DIR`"
        )
    } else {
        anyhow::anyhow!("{d} does not exist or is not a directory: give the --out directory of {writers}")
    }
}

/// Whether `dir` is the output of `aistack compare`: `compare.csv` beside
/// the batches `a/` and `b/`.
pub fn is_compare_dir(dir: &Path) -> bool {
    dir.join("compare.csv").exists() && dir.join("a").is_dir() && dir.join("b").is_dir()
}

/// `aistack plot DIR`: single-run charts for a run's directory, batch charts
/// (fan charts, histograms, tornado) for a batch's; a compare's directory is
/// refused with the paths of its two batches. With `out` (`--out`), the
/// charts (and a batch's `sensitivity.csv`) go there and nothing is written
/// in `dir`.
pub fn plot(dir: &Path, out: Option<&Path>) -> Result<()> {
    // A file given as --out is named as every writer names it (audit s26
    // econ F10), before anything is read.
    if let Some(out) = out {
        montecarlo::runner::check_out_dir(out)?;
    }
    if dir.join("timeseries.csv").exists()
        && dir.join("summary.json").exists()
        && !dir.join("runs.csv").exists()
    {
        // Not among another command's outputs, nor over another run's
        // charts (review s26-2, F3: the run branch had no guard).
        if let Some(out) = out {
            montecarlo::refuse_foreign_plot_out(
                dir,
                out,
                montecarlo::PlotKind::Run(&crate::explain_cmd::RUN_CHARTS),
            )?;
        }
        for f in crate::explain_cmd::plot_run(dir, out.unwrap_or(dir))? {
            println!("{}", f.display());
        }
        return Ok(());
    }
    if dir.join("runs.csv").exists() {
        return crate::batch_cmd::plot_batch(dir, out);
    }
    if is_compare_dir(dir) {
        let d = dir.display();
        anyhow::bail!(
            "{d} is a compare directory (the output of `aistack compare`: compare.csv and the two \
             batches {d}/a, scenario A, and {d}/b, scenario B): plot one of its batches, \
             `aistack plot {d}/a` or `aistack plot {d}/b`"
        );
    }
    // A batch writes runs.csv only once every run has finished: its
    // manifest and run files alone are a batch that was interrupted, or
    // one another process is still writing (audit s26 econ F10: it was
    // called interrupted, and the `--resume` shown would be refused).
    if dir.join("runs").is_dir()
        && let Ok(Some(m)) = montecarlo::Manifest::read(dir)
        && m.completed_runs.is_none()
    {
        let d = dir.display();
        if montecarlo::lock::is_being_written(dir) {
            let what = if m.design == montecarlo::Design::External {
                "an `aistack eval`"
            } else {
                "a batch"
            };
            anyhow::bail!(
                "{d} is being written by another aistack process (it holds {d}/.lock): {what} \
                 still running, whose outputs are written once every run has finished; plot it \
                 once that process has ended"
            );
        }
        if m.design == montecarlo::Design::External {
            anyhow::bail!(
                "{d} is an interrupted `aistack eval` (manifest.json and runs/, but no runs.csv, \
                 which is written once every row has run): finish it with the eval's own command \
                 and `--resume` (`aistack eval SCENARIO --design DESIGN.csv --out {d} --resume`), \
                 then plot it"
            );
        }
        anyhow::bail!(
            "{d} is an interrupted batch (manifest.json and runs/, but no runs.csv, which is \
             written once every run has finished): finish it with `aistack batch --resume {d}`, \
             then plot it"
        );
    }
    // Run files but no manifest: an eval writes its manifest only once it
    // finishes (a batch, first), so this is an interrupted eval (audit
    // s30: it said the directory "holds no run or batch output").
    if dir.join("runs").is_dir() && !dir.join("manifest.json").exists() {
        let d = dir.display();
        if montecarlo::lock::is_being_written(dir) {
            anyhow::bail!(
                "{d} is being written by another aistack process (it holds {d}/.lock): an \
                 `aistack eval` still running, whose outputs are written once every row has run; \
                 plot it once that process has ended"
            );
        }
        anyhow::bail!(
            "{d} holds run files (runs/) but no manifest.json: an interrupted `aistack eval` (an \
             eval writes its manifest only once it finishes); the same eval command with --resume \
             finishes it (`aistack eval SCENARIO --design DESIGN.csv --out {d} --resume`), then \
             plot it"
        );
    }
    if !dir.is_dir() {
        return Err(not_an_output_dir(
            dir,
            "plot",
            "`aistack run` or `aistack batch`",
            &["run"],
        ));
    }
    // A batch's runs/, plots/ or any directory within it: the batch to give.
    if let Some(e) = montecarlo::charts::inside_a_batch(dir, montecarlo::charts::Reader::Plot) {
        return Err(e.into());
    }
    anyhow::bail!(
        "{} holds no run or batch output (timeseries.csv and summary.json, or runs.csv)",
        dir.display()
    )
}
