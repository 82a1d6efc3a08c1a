//! One writer per batch directory: while a process writes into DIR (holding
//! DIR/.lock), every other command that would write there is refused before
//! touching anything; once the holder ends, the directory is usable again.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

mod common;
use common::{aistack, ok, s};

/// Every file under `dir` (relative path → bytes).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

/// Holds DIR/.lock as a running aistack would.
fn hold(dir: &Path) -> File {
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(".lock"))
        .unwrap();
    f.try_lock().expect("the test takes the lock first");
    f
}

/// Releases the test's lock. `flock` locks belong to the open file
/// description, which a child that another test thread is spawning shares
/// between its fork and its exec: closing our descriptor alone would leave
/// the lock held until that child execs, and the next command, refused as
/// busy, failed the test under load. Unlocking releases it whoever else
/// holds the description.
fn release(lock: File) {
    lock.unlock().unwrap();
    drop(lock);
}

/// Refused with exit status 1, naming `dir` and the other process.
fn refused_busy(args: &[&str], dir: &Path) {
    let o = aistack(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains(&format!(
            "{} is being written by another aistack process",
            dir.display()
        )),
        "{args:?}: {err}"
    );
    assert!(err.contains("Wait for that process to end"), "{err}");
}

/// A resume of a directory another process is writing is refused and
/// touches nothing (not even the stale temporary file it would otherwise
/// remove, which may be the other process's); once that process has ended,
/// the same resume finishes the batch.
#[test]
fn a_second_resume_is_refused_until_the_first_ends() {
    let (root, scenario) = common::with_scenario("lock", "resume");
    let dir = root.join("batch");
    ok(&[
        "batch",
        s(&scenario),
        "--runs",
        "4",
        "--seed",
        "2",
        "--out",
        s(&dir),
    ]);
    let runs_csv = std::fs::read(dir.join("runs.csv")).unwrap();
    // Interrupted: run 3 and the final outputs missing, not completed.
    for f in ["runs.csv", "bands.csv", "summary.json", "convergence.csv"] {
        std::fs::remove_file(dir.join(f)).unwrap();
    }
    std::fs::remove_file(dir.join("runs/run-000000000003.txt")).unwrap();
    let path = dir.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    m["completed_runs"] = serde_json::Value::Null;
    std::fs::write(&path, m.to_string()).unwrap();
    // What the running process is writing now.
    std::fs::write(dir.join(".runs.csv.tmp-4000000"), "half").unwrap();
    std::fs::write(dir.join("runs/.run-000000000003.txt.tmp-4000000"), "half").unwrap();

    let lock = hold(&dir);
    let before = snapshot(&dir);
    refused_busy(&["batch", "--resume", s(&dir)], &dir);
    refused_busy(
        &[
            "batch",
            s(&scenario),
            "--runs",
            "4",
            "--seed",
            "2",
            "--resume",
            s(&dir),
        ],
        &dir,
    );
    assert_eq!(snapshot(&dir), before, "a refused resume changed the directory");
    // Audit s26 econ F10: `plot` called it interrupted and showed a resume
    // that would be refused.
    let o = aistack(&["plot", s(&dir)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "{} is being written by another aistack process (it holds {}/.lock): a batch still running",
            dir.display(),
            dir.display()
        )) && !err.contains("interrupted"),
        "{err}"
    );
    assert_eq!(snapshot(&dir), before, "a refused plot changed the directory");

    release(lock);
    // Not held: the interrupted batch is called so, with the resume.
    let o = aistack(&["plot", s(&dir)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("is an interrupted batch") && err.contains("aistack batch --resume"),
        "{err}"
    );
    let o = ok(&["batch", "--resume", s(&dir)]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("4 runs in the outputs (1 run now, 3 reused)"),
        "{out}"
    );
    assert_eq!(std::fs::read(dir.join("runs.csv")).unwrap(), runs_csv);
    assert!(!dir.join(".runs.csv.tmp-4000000").exists());
    // The lock file is no run and no output: a second resume reuses all 4.
    let o = ok(&["batch", "--resume", s(&dir)]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("(0 runs now, 4 reused)"), "{out}");
    // `plot` writes DIR/sensitivity.csv: refused too while DIR is written.
    let lock = hold(&dir);
    let before = snapshot(&dir);
    refused_busy(&["plot", s(&dir)], &dir);
    assert_eq!(snapshot(&dir), before, "a refused plot changed the directory");
    release(lock);
    ok(&["plot", s(&dir)]);
    assert!(dir.join("sensitivity.csv").exists());
}

/// Every command that writes into a directory refuses one being written:
/// batch, merge --out, eval --out, compare (its directory, and its a/),
/// sensitivity --out. Nothing is written there but the lock file.
#[test]
fn every_writing_command_refuses_a_locked_directory() {
    let (root, scenario) = common::with_scenario("lock", "all");
    let batch = root.join("batch");
    ok(&[
        "batch",
        s(&scenario),
        "--runs",
        "3",
        "--seed",
        "2",
        "--out",
        s(&batch),
    ]);
    let design = root.join("design.csv");
    std::fs::write(&design, "labs.lab.mfu,regions.home.demand_avg_mw\n0.3,1000\n").unwrap();
    let busy = root.join("busy");
    std::fs::create_dir_all(&busy).unwrap();
    let lock = hold(&busy);
    let seed = ["--runs", "3", "--seed", "2", "--out", s(&busy)];
    refused_busy(&[&["batch", s(&scenario)][..], &seed].concat(), &busy);
    refused_busy(&["merge", s(&batch), "--out", s(&busy)], &busy);
    refused_busy(
        &["eval", s(&scenario), "--design", s(&design), "--out", s(&busy)],
        &busy,
    );
    refused_busy(
        &[&["compare", s(&scenario), s(&scenario)][..], &seed].concat(),
        &busy,
    );
    refused_busy(
        &[
            "sensitivity",
            s(&scenario),
            "--method",
            "morris",
            "--outcome",
            "training.largest_run_flop",
            "--trajectories",
            "2",
            "--out",
            s(&busy),
        ],
        &busy,
    );
    let names: Vec<_> = std::fs::read_dir(&busy)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, [".lock"], "only the lock file");
    release(lock);

    // compare's a/ locked (a batch writing it): the compare is refused naming it.
    let cmp = root.join("cmp");
    std::fs::create_dir_all(cmp.join("a")).unwrap();
    let lock = hold(&cmp.join("a"));
    refused_busy(
        &[
            "compare",
            s(&scenario),
            s(&scenario),
            "--runs",
            "3",
            "--seed",
            "2",
            "--out",
            s(&cmp),
        ],
        &cmp.join("a"),
    );
    release(lock);
    ok(&[
        "compare",
        s(&scenario),
        s(&scenario),
        "--runs",
        "3",
        "--seed",
        "2",
        "--out",
        s(&cmp),
    ]);
}

/// merge locks each shard it reads: a shard another process is writing (a
/// resume of it, say) is refused, naming it, and nothing is merged; once
/// that process has ended, the same merge succeeds.
#[test]
fn merge_refuses_a_shard_being_written() {
    let (root, scenario) = common::with_scenario("lock", "merge-shard");
    let shards = common::two_shards(&root, &scenario);
    let merged = root.join("merged");
    let args = ["merge", s(&shards[0]), s(&shards[1]), "--out", s(&merged)];
    let lock = hold(&shards[1]);
    refused_busy(&args, &shards[1]);
    assert!(
        !merged.join("manifest.json").exists() && !merged.join("runs").exists(),
        "nothing merged"
    );
    release(lock);
    ok(&args);
    assert!(merged.join("runs.csv").exists());
    // The same directory twice is one shard given twice, not a busy one.
    let err = common::refused(&[
        "merge",
        s(&shards[0]),
        s(&shards[0]),
        "--out",
        s(&root.join("m2")),
    ]);
    assert!(err.contains("given twice"), "{err}");
}
