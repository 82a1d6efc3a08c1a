//! `aistack discover`: scenario discovery over a finished batch, end to end
//! (the peeling itself is tested in `montecarlo::discovery`).

mod common;

use common::{aistack, ok, refused, s, with_scenario};
use std::path::Path;

/// The outcome column `name` of DIR/runs.csv, as numbers.
fn column(dir: &Path, name: &str) -> Vec<f64> {
    let mut rd = csv::Reader::from_path(dir.join("runs.csv")).unwrap();
    let k = rd.headers().unwrap().iter().position(|h| h == name).unwrap();
    rd.records().map(|r| r.unwrap()[k].parse().unwrap()).collect()
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = walk(dir);
    names.sort();
    names
}

fn walk(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .flat_map(|e| {
            let p = e.path();
            if p.is_dir() {
                walk(&p)
            } else {
                vec![p.display().to_string()]
            }
        })
        .collect()
}

/// In minimal.ron with an uncertain MFU and an uncertain demand, the lab's
/// largest run scales with its MFU: the runs whose largest run is below the
/// median are those with low MFU, whatever the demand. Discovery's chosen
/// box restricts the MFU alone, from above, and holds almost only such runs;
/// its tables and chart are written under DIR/discover/.
#[test]
fn the_box_names_the_parameter_that_decides() {
    let (root, scenario) = with_scenario("discover", "decides");
    let batch = root.join("batch");
    ok(&[
        "batch",
        s(&scenario),
        "--runs",
        "80",
        "--seed",
        "2",
        "--out",
        s(&batch),
    ]);
    let mut flop = column(&batch, "training.largest_run_flop");
    flop.sort_by(f64::total_cmp);
    let median = format!("{:e}", flop[40]);
    let o = ok(&[
        "discover",
        s(&batch),
        "--outcome",
        "training.largest_run_flop",
        "--below",
        &median,
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("40 of 80 runs (50.0%)"), "{stdout}");
    let out = batch.join("discover").join(format!(
        "training.largest_run_flop-below-{}",
        montecarlo::outputs::num(flop[40])
    ));
    let boxes = std::fs::read_to_string(out.join("box.csv")).unwrap();
    // The limits kept (last cell 0); any dropped as unsupported follow.
    let rows: Vec<&str> = boxes.lines().skip(1).filter(|l| l.ends_with(",0")).collect();
    assert_eq!(rows.len(), 1, "{boxes}");
    let cells: Vec<&str> = rows[0].split(',').collect();
    assert_eq!(cells[0], "labs.lab.mfu");
    // Found again on (almost) every resample of the runs.
    let again: f64 = cells[10].parse().unwrap();
    assert!(again >= 0.8, "{boxes}");
    // Cut from above only: the low limit is the lowest draw.
    assert_eq!(cells[1], cells[3], "{boxes}");
    assert!(cells[2] < cells[4], "{boxes}");
    let trajectory = std::fs::read_to_string(out.join("trajectory.csv")).unwrap();
    let chosen: Vec<&str> = trajectory
        .lines()
        .filter(|l| l.split(',').nth(7) == Some("1"))
        .collect();
    assert_eq!(chosen.len(), 1, "{trajectory}");
    // The box holds almost only runs of interest, and most of them.
    let line = stdout.lines().find(|l| l.starts_with("box ")).unwrap();
    let share = |what: &str| -> f64 {
        let tail = line.rsplit("): ").next().unwrap();
        tail.split(what)
            .nth(1)
            .unwrap()
            .split('%')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (density, coverage) = (share("density "), share("coverage "));
    assert!(density >= 90.0 && coverage >= 50.0, "{stdout}");
    assert!(
        std::fs::read_to_string(out.join("trajectory.svg"))
            .unwrap()
            .contains("<svg")
    );
    // Box 0 has no limit, so no largest quasi-p.
    let first = trajectory.lines().nth(1).unwrap();
    assert!(first.starts_with("0,80,40,1.0,1.0,0.5,,"), "{trajectory}");
    // discover.json: the request, the batch and the chosen box's own numbers.
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("discover.json")).unwrap()).unwrap();
    assert_eq!(record["batch"]["completed_runs"], 80);
    assert_eq!(record["max_quasi_p"], 0.05);
    assert_eq!(record["resamples"], 50);
    assert_eq!(record["chosen"]["limits"][0]["parameter"], "labs.lab.mfu");
    let recorded = record["chosen"]["density"].as_f64().unwrap() * 100.0;
    assert!((recorded - density).abs() < 0.05, "{recorded} {density}");
    assert!(
        std::fs::read_to_string(out.join("limits.csv"))
            .unwrap()
            .starts_with("box,parameter,low,high\n")
    );
    drop(root);
}

/// Bad requests are refused with the reason and the way on, and write
/// nothing; `--out` elsewhere leaves the batch's directory as it was.
#[test]
fn bad_requests_are_refused_and_write_nothing() {
    let (root, scenario) = with_scenario("discover", "refused");
    let batch = root.join("batch");
    ok(&[
        "batch",
        s(&scenario),
        "--runs",
        "20",
        "--seed",
        "1",
        "--out",
        s(&batch),
    ]);
    let before = listing(&batch);
    let b = s(&batch);
    let flop = "training.largest_run_flop";
    let bound = "training.largest_run_bound_year_2025";
    // (outcome, further arguments, what the refusal says)
    let runs_dir = batch.join("runs").join("tables");
    let runs_dir = s(&runs_dir);
    let cases: [(&str, &[&str], &[&str]); 14] = [
        (
            "training.largest_run_flops",
            &["--below", "1"],
            &["did you mean `training.largest_run_flop`?"],
        ),
        // Without its `training.` (audit finding 7: no suggestion), though
        // the lab's `training.lab.lab.largest_run_flop` ends so too.
        (
            "largest_run_flop",
            &["--below", "1"],
            &["no outcome `largest_run_flop` (did you mean `training.largest_run_flop`?)"],
        ),
        (
            flop,
            &["--below", "1"],
            &["none of the 20 runs", "nothing to separate"],
        ),
        (flop, &["--above", "1"], &["all of the 20 runs"]),
        (bound, &["--above", "1"], &["is a category", "--equals"]),
        (
            bound,
            &["--equals", "sunshine"],
            &["not a category", "power, chips"],
        ),
        (flop, &["--equals", "many"], &["finite number"]),
        (
            flop,
            &["--below", "5e24", "--box", "999"],
            &["--box 999: the trajectory has boxes 0 to"],
        ),
        (
            flop,
            &["--below", "5e24", "--peel", "0.6"],
            &["between 0 and 0.5"],
        ),
        (
            flop,
            &["--below", "5e24", "--min-coverage", "2"],
            &["--min-coverage"],
        ),
        (
            flop,
            &["--below", "5e24", "--out", b],
            &["holds a batch's outputs"],
        ),
        (
            flop,
            &["--below", "5e24", "--out", runs_dir],
            &["inside the batch's runs/"],
        ),
        // A negative number is a value, refused for its range (not a flag).
        (
            flop,
            &["--below", "5e24", "--peel", "-0.1"],
            &["between 0 and 0.5"],
        ),
        (
            "labs.lab.mfu",
            &["--below", "0.3"],
            &["sampled parameters, not an outcome"],
        ),
    ];
    for (outcome, more, says) in cases {
        let mut args = vec!["discover", b, "--outcome", outcome];
        args.extend_from_slice(more);
        let err = refused(&args);
        assert!(says.iter().all(|w| err.contains(w)), "{args:?}: {err}");
    }
    // clap: exactly one condition.
    let o = aistack(&["discover", b, "--outcome", "x"]);
    assert_eq!(o.status.code(), Some(2));
    let o = aistack(&["discover", b, "--outcome", "x", "--above", "1", "--below", "2"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(listing(&batch), before, "a refusal wrote nothing");
    // One run's directory, and a directory that is not there.
    let run = root.join("run");
    ok(&["run", s(&scenario), "--out", s(&run)]);
    let err = refused(&[
        "discover",
        s(&run),
        "--outcome",
        "training.largest_run_flop",
        "--below",
        "1",
    ]);
    assert!(
        err.contains("one run's output") && err.contains("aistack batch"),
        "{err}"
    );
    let err = refused(&[
        "discover",
        s(&root.join("nowhere")),
        "--outcome",
        "x",
        "--below",
        "1",
    ]);
    assert!(err.contains("does not exist"), "{err}");
    let err = refused(&["discover", s(&scenario), "--outcome", "x", "--below", "1"]);
    assert!(err.contains("aistack batch") && err.contains("--runs N"), "{err}");
    // A directory that holds no batch is refused without a lock file left in it.
    let empty = root.join("empty");
    std::fs::create_dir(&empty).unwrap();
    let err = refused(&["discover", s(&empty), "--outcome", "x", "--below", "1"]);
    assert!(err.contains("not a batch directory"), "{err}");
    assert_eq!(
        std::fs::read_dir(&empty).unwrap().count(),
        0,
        "a refusal left a file"
    );
    // A category, by its label; the tables elsewhere, the batch untouched.
    let elsewhere = root.join("elsewhere");
    let codes = column(&batch, bound);
    // Some of these runs' 2025 largest run is bound by chips, some not.
    assert!(
        codes.contains(&2.0) && codes.iter().any(|&c| c != 2.0),
        "{codes:?}"
    );
    let o = ok(&[
        "discover",
        b,
        "--outcome",
        bound,
        "--equals",
        "chips",
        "--out",
        s(&elsewhere),
    ]);
    assert!(String::from_utf8_lossy(&o.stdout).contains(&format!("{bound} = chips")));
    assert!(elsewhere.join("box.csv").exists());
    assert_eq!(
        listing(&batch),
        before,
        "--out elsewhere wrote nothing in the batch"
    );
    // One condition written two ways (a category's code, its label) gets
    // one default directory.
    ok(&["discover", b, "--outcome", bound, "--equals", "2"]);
    ok(&["discover", b, "--outcome", bound, "--equals", "chips"]);
    let written: Vec<String> = std::fs::read_dir(batch.join("discover"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written, [format!("{bound}-equals-chips")]);
    drop(root);
}

/// A discovery that fails half-way (its chart cannot be written) leaves
/// none of an earlier discovery's files beside its own: the earlier chart
/// is gone, not kept next to the new tables.
#[test]
fn a_failed_discovery_leaves_no_earlier_files_beside_its_own() {
    let (root, scenario) = with_scenario("discover", "half-way");
    let batch = root.join("batch");
    ok(&[
        "batch",
        s(&scenario),
        "--runs",
        "40",
        "--seed",
        "1",
        "--out",
        s(&batch),
    ]);
    let out = root.join("tables");
    let flop = "training.largest_run_flop";
    ok(&[
        "discover",
        s(&batch),
        "--outcome",
        flop,
        "--below",
        "5e24",
        "--out",
        s(&out),
    ]);
    assert!(out.join("trajectory.svg").exists());
    // The chart is drawn through `trajectory.svg.tmp`: a directory there
    // makes the next drawing fail.
    std::fs::create_dir(out.join("trajectory.svg.tmp")).unwrap();
    let err = refused(&[
        "discover",
        s(&batch),
        "--outcome",
        flop,
        "--above",
        "4e24",
        "--out",
        s(&out),
    ]);
    assert!(err.contains("trajectory.svg"), "{err}");
    assert!(!out.join("trajectory.svg").exists(), "the earlier chart was kept");
    drop(root);
}

/// An eval's rows are a design of the user's: discovery runs on them and
/// says that coverage and density are shares of those rows. Here the
/// design is a grid of MFU values, so the box is a cut of MFU again.
#[test]
fn an_eval_is_discovered_with_a_note_on_its_design() {
    let (root, scenario) = with_scenario("discover", "eval");
    let design = root.join("design.csv");
    let mut rows = String::from("labs.lab.mfu,regions.home.demand_avg_mw\n");
    for i in 0..24 {
        rows.push_str(&format!("{},{}\n", 0.2 + 0.0125 * i as f64, 900 + 10 * (i % 5)));
    }
    std::fs::write(&design, rows).unwrap();
    let eval = root.join("eval");
    ok(&["eval", s(&scenario), "--design", s(&design), "--out", s(&eval)]);
    let mut flop = column(&eval, "training.largest_run_flop");
    flop.sort_by(f64::total_cmp);
    let median = format!("{:e}", flop[12]);
    let o = ok(&[
        "discover",
        s(&eval),
        "--outcome",
        "training.largest_run_flop",
        "--below",
        &median,
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("an eval's runs are its design's rows"),
        "{stderr}"
    );
    assert!(stdout.contains("  labs.lab.mfu <= "), "{stdout}");
    drop(root);
}

/// Over a compare, runs are marked by the outcome's difference B − A. B
/// doubles the lab's fleet, so B − A of the largest run is about A's
/// largest run, which scales with the MFU: the runs where doubling adds
/// most are those of high MFU, and the box limits the MFU from below. B
/// does not draw the demand, so A's draws are a column of their own, `…
/// (A)`, named in a note and in discover.json. A category, an outcome only
/// one side reports, an output inside a side's batch or over the compare's
/// files and an unfinished compare are refused, writing nothing.
#[test]
fn a_compare_is_discovered_by_its_difference() {
    let (root, a) = with_scenario("discover", "compare");
    let text = std::fs::read_to_string(&a).unwrap();
    let demand = "        \"regions.home.demand_avg_mw\": Uniform(low: 900, high: 1100),\n";
    assert!(text.contains(demand) && text.contains("count: 2000"));
    let b = root.join("doubled.ron");
    std::fs::write(&b, text.replace(demand, "").replace("count: 2000", "count: 4000")).unwrap();
    let cmp = root.join("cmp");
    ok(&[
        "compare",
        s(&a),
        s(&b),
        "--runs",
        "60",
        "--seed",
        "2",
        "--out",
        s(&cmp),
    ]);
    let flop = "training.largest_run_flop";
    let (fa, fb) = (column(&cmp.join("a"), flop), column(&cmp.join("b"), flop));
    let mut gain: Vec<f64> = fa.iter().zip(&fb).map(|(x, y)| y - x).collect();
    gain.sort_by(f64::total_cmp);
    let median = format!("{:e}", gain[30]);
    let o = ok(&["discover", s(&cmp), "--outcome", flop, "--above", &median]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stdout.contains(&format!("{flop} (B − A) > ")) && stdout.contains("29 of 60 runs"),
        "{stdout}"
    );
    assert!(
        stderr.contains("the compare's difference B − A")
            && stderr.contains("only A draws a parameter (B sets it): `regions.home.demand_avg_mw (A)`"),
        "{stderr}"
    );
    let out = cmp.join("discover").join(format!(
        "{flop}-difference-above-{}",
        montecarlo::outputs::num(gain[30])
    ));
    let boxes = std::fs::read_to_string(out.join("box.csv")).unwrap();
    let kept: Vec<&str> = boxes.lines().skip(1).filter(|l| l.ends_with(",0")).collect();
    assert_eq!(kept.len(), 1, "{boxes}");
    let cells: Vec<&str> = kept[0].split(',').collect();
    assert_eq!(cells[0], "labs.lab.mfu", "{boxes}");
    // Cut from below only: the high limit is the highest draw.
    assert!(cells[1] > cells[3] && cells[2] == cells[4], "{boxes}");
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("discover.json")).unwrap()).unwrap();
    assert!(record.get("batch").is_none(), "{record}");
    assert_eq!(record["compare"]["paired_runs"], 60);
    assert_eq!(record["compare"]["b"]["completed_runs"], 60);
    assert_eq!(
        record["compare"]["parameters_only_a"],
        serde_json::json!(["regions.home.demand_avg_mw"])
    );
    assert_eq!(
        record["rule"],
        format!("{flop} (B − A) > {}", montecarlo::outputs::num(gain[30]))
    );

    // --relative marks runs by (B − A)/|A|, into its own directory.
    let mut share: Vec<f64> = fa.iter().zip(&fb).map(|(x, y)| (y - x) / x.abs()).collect();
    share.sort_by(f64::total_cmp);
    let cut = format!("{:e}", share[20]);
    let o = ok(&[
        "discover",
        s(&cmp),
        "--outcome",
        flop,
        "--relative",
        "--below",
        &cut,
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains(&format!("{flop} (B − A)/|A| < ")) && stdout.contains("20 of 60 runs"),
        "{stdout}"
    );
    let relative = cmp.join("discover").join(format!(
        "{flop}-relative-difference-below-{}",
        montecarlo::outputs::num(share[20])
    ));
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(relative.join("discover.json")).unwrap()).unwrap();
    assert_eq!(record["relative"], true);
    // Not for a batch.
    let err = refused(&[
        "discover",
        s(&cmp.join("a")),
        "--outcome",
        flop,
        "--relative",
        "--below",
        "0",
    ]);
    assert!(err.contains("--relative marks runs by a compare's"), "{err}");

    // --changed: the runs where the policy changes a category's label (here
    // what bound 2026's largest run), into `…-difference-changed`.
    let bound = "training.largest_run_bound_year_2026";
    let (ba, bb) = (column(&cmp.join("a"), bound), column(&cmp.join("b"), bound));
    let moved = ba.iter().zip(&bb).filter(|(x, y)| x != y).count();
    assert!(moved > 0 && moved < 60, "{moved} runs changed what bound 2026");
    let o = ok(&["discover", s(&cmp), "--outcome", bound, "--changed"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains(&format!("{bound} changed (B ≠ A), {moved} of 60 runs")),
        "{stdout}"
    );
    assert!(
        cmp.join("discover")
            .join(format!("{bound}-difference-changed"))
            .join("box.csv")
            .exists()
    );
    let err = refused(&["discover", s(&cmp), "--outcome", flop, "--changed", "--relative"]);
    assert!(err.contains("give it without --relative"), "{err}");
    let o = aistack(&[
        "discover",
        s(&cmp),
        "--outcome",
        flop,
        "--above",
        "0",
        "--changed",
    ]);
    assert_eq!(o.status.code(), Some(2), "clap: one condition only");
    let err = refused(&["discover", s(&cmp.join("a")), "--outcome", bound, "--changed"]);
    assert!(err.contains("--changed marks a compare's runs"), "{err}");

    let before = listing(&cmp);
    let c = s(&cmp);
    let inside = cmp.join("a").join("tables");
    let cases: [(&str, &[&str], &[&str]); 3] = [
        (
            "training.largest_run_bound_year_2025",
            &["--equals", "chips"],
            &[
                "is a category",
                "B − A of its codes means nothing",
                "--changed",
                "/b --outcome",
            ],
        ),
        (
            flop,
            &["--above", &median, "--out", s(&inside)],
            &["inside the compare's batch a/"],
        ),
        (
            flop,
            &["--above", &median, "--out", c],
            &["holds a compare's outputs (compare.csv)"],
        ),
    ];
    for (outcome, more, says) in cases {
        let mut args = vec!["discover", c, "--outcome", outcome];
        args.extend_from_slice(more);
        let err = refused(&args);
        assert!(says.iter().all(|w| err.contains(w)), "{args:?}: {err}");
    }
    // An unfinished compare (no compare.json yet).
    let record = cmp.join("compare.json");
    std::fs::rename(&record, root.join("kept.json")).unwrap();
    let err = refused(&["discover", c, "--outcome", flop, "--above", "0"]);
    assert!(err.contains("the compare is not finished"), "{err}");
    std::fs::rename(root.join("kept.json"), &record).unwrap();
    assert_eq!(listing(&cmp), before, "a refusal wrote nothing");

    // An outcome only B's runs report: B's horizon is a year longer.
    let longer = root.join("longer.ron");
    std::fs::write(&longer, text.replace("horizon_years: 2", "horizon_years: 3")).unwrap();
    let cmp2 = root.join("cmp2");
    ok(&["compare", s(&a), s(&longer), "--runs", "4", "--out", s(&cmp2)]);
    let err = refused(&[
        "discover",
        s(&cmp2),
        "--outcome",
        "training.largest_run_flop_year_2027",
        "--above",
        "0",
    ]);
    assert!(
        err.contains("only B's runs report") && err.contains("/b`"),
        "{err}"
    );
    drop(root);
}
