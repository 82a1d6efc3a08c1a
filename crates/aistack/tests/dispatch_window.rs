//! `aistack run --dispatch-window FROM..TO`: dispatch.csv beside the run's
//! other files (also for a replayed batch run), nothing more without it,
//! bad windows refused before anything is written, and a failed write
//! leaving no dispatch.csv.

mod common;
use common::{Scratch, aistack, ok, refused, s, tmp, with_scenario};
use std::path::Path;

fn minimal() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/scenarios/minimal.ron")
        .display()
        .to_string()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// summary.json without the command line (the one field the flag changes).
fn summary_but_command(dir: &Path) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(&read(&dir.join("summary.json"))).unwrap();
    v.as_object_mut().unwrap().remove("command_line");
    v
}

#[test]
fn a_week_is_written_and_the_rest_of_the_output_is_unchanged() {
    let (with, without) = (tmp("dispatch", "with"), tmp("dispatch", "without"));
    let stdout = ok(&[
        "run",
        &minimal(),
        "--out",
        s(&with),
        "--dispatch-window",
        "2025-07-01..2025-07-08",
    ]);
    let stdout = String::from_utf8_lossy(&stdout.stdout);
    assert!(
        stdout.contains("and dispatch.csv (168 dispatch steps)"),
        "{stdout}"
    );
    ok(&["run", &minimal(), "--out", s(&without)]);
    assert!(!without.join("dispatch.csv").exists());
    assert_eq!(
        read(&with.join("timeseries.csv")),
        read(&without.join("timeseries.csv")),
        "the window changed timeseries.csv"
    );
    assert_eq!(summary_but_command(&with), summary_but_command(&without));

    let csv = read(&with.join("dispatch.csv"));
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("run,time_year,time,metric,entity,value"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == 6 && r[0] == "0"));
    let times: Vec<&str> = rows.iter().map(|r| r[2]).collect();
    assert_eq!(times.first(), Some(&"2025-07-01T00:00"));
    assert_eq!(times.last(), Some(&"2025-07-07T23:00"));
    let mut distinct = times.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), 168);
    // One region: each step has the same metrics for `home`.
    let price: Vec<f64> = rows
        .iter()
        .filter(|r| r[3] == "energy.price_usd_per_mwh" && r[4] == "home")
        .map(|r| r[5].parse().unwrap())
        .collect();
    assert_eq!(price.len(), 168);
    assert!(
        price.iter().all(|p| *p > 0.0),
        "minimal's gas sets a price every hour"
    );
    for metric in [
        "energy.served_datacenter_mw",
        "energy.generation_gas_mw",
        "energy.storage_soc_mwh",
        "energy.unserved_household_mw",
    ] {
        assert_eq!(rows.iter().filter(|r| r[3] == metric).count(), 168, "{metric}");
    }

    // Run again without the flag into the same directory: dispatch.csv goes.
    ok(&["run", &minimal(), "--out", s(&with)]);
    assert!(
        !with.join("dispatch.csv").exists(),
        "a stale dispatch.csv was left"
    );
}

#[test]
fn bad_windows_are_refused_before_anything_is_written() {
    let out = tmp("dispatch", "bad");
    // Malformed, empty or reversed: refused as the command line is read
    // (exit status 2, as for any malformed option value).
    for (window, says) in [
        (
            "2025-07-01",
            "is not a window of dates: a window is written FROM..TO",
        ),
        ("2025-07-08..2025-07-01", "is reversed"),
        ("2025-07-01..2025-07-01", "is empty"),
        ("2025-07-01..2025-13-01", "month 13 is out of range"),
    ] {
        let o = aistack(&["run", &minimal(), "--out", s(&out), "--dispatch-window", window]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{window}: {err}");
        assert!(
            err.contains("--dispatch-window") && err.contains(says),
            "{window}: {err}"
        );
        assert!(!out.exists());
    }
    // Outside the run (minimal runs 2025-01-01 to 2027-01-01): refused
    // once the scenario is read, before the run (exit status 1).
    for (window, says, bound) in [
        (
            "2024-12-25..2025-01-08",
            "starts before the run",
            "so FROM is 2025-01-01 or later",
        ),
        (
            "2026-12-25..2027-01-08",
            "ends after the run",
            "so TO is 2027-01-01 or earlier",
        ),
    ] {
        let err = refused(&["run", &minimal(), "--out", s(&out), "--dispatch-window", window]);
        assert!(
            err.contains(&format!("dispatch window {window} {says}"))
                && err.contains("the run covers 2025-01-01 00:00 up to 2027-01-01 00:00")
                && err.contains(bound),
            "{window}: {err}"
        );
        assert!(!out.exists());
    }
}

/// A run whose dispatch.csv cannot be written (a file size limit, as a
/// full disk would) names it and leaves the earlier output as it was: no
/// dispatch.csv that looks complete.
#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_leaves_no_dispatch_csv() {
    let out = tmp("dispatch", "write-limit");
    ok(&["run", &minimal(), "--out", s(&out)]);
    let before = read(&out.join("timeseries.csv"));
    // timeseries.csv (270 kB) fits in the limit; a whole run's trace does not.
    let o = std::process::Command::new("sh")
        .args(["-c", "trap '' XFSZ; ulimit -f 2000 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_aistack"))
        .args([
            "run",
            &minimal(),
            "--dispatch-window",
            "2025-01-01..2027-01-01",
            "--out",
        ])
        .arg(&*out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains(&format!("cannot write {}: ", out.join("dispatch.csv").display())),
        "{err}"
    );
    assert!(
        !out.join("dispatch.csv").exists(),
        "a failed run left dispatch.csv"
    );
    assert_eq!(read(&out.join("timeseries.csv")), before);
}

#[test]
fn a_replayed_batch_run_writes_its_window_under_its_run_index() {
    let (dir, scenario) = with_scenario("dispatch", "replay");
    let batch = dir.join("batch");
    ok(&[
        "batch",
        s(&scenario),
        "--runs",
        "3",
        "--seed",
        "5",
        "--out",
        s(&batch),
    ]);
    let out: Scratch = tmp("dispatch", "replay-out");
    let stdout = ok(&[
        "run",
        "--from-batch",
        s(&batch),
        "--run",
        "2",
        "--out",
        s(&out),
        "--dispatch-window",
        "2026-01-01..2026-01-02",
    ]);
    let stdout = String::from_utf8_lossy(&stdout.stdout);
    assert!(
        stdout.contains("and dispatch.csv (24 dispatch steps)"),
        "{stdout}"
    );
    let csv = read(&out.join("dispatch.csv"));
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.starts_with("2,")), "rows under run 2");
    assert!(
        rows[0].contains(",2026-01-01T00:00,energy.demand_mw,home,"),
        "{}",
        rows[0]
    );
    assert!(rows.last().unwrap().contains(",2026-01-01T23:00,"));
}
