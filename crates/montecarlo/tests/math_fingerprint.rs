//! The maths library is part of a batch's identity (audit s23-repro, F1):
//! the manifest records this build's `math_fingerprint`, and resume and
//! merge refuse runs computed where it was another, saying so (not "the
//! file is not this batch's run"). A manifest without the field (an older
//! build) is not checked. And an interrupted merge is finished whatever the
//! spelling of its shard directories (F6).

mod common;
use common::Scratch;
use montecarlo::toy::ToyGrowth;
use montecarlo::{
    BatchOptions, Manifest, McError, MergeOptions, NoProgress, OutputOptions, Shard, merge, run_batch,
};
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> Scratch {
    Scratch::new(&format!("mc-math-{name}"))
}

/// A fingerprint no machine has: what a manifest written elsewhere records.
const ELSEWHERE: &str = "fnv1a64:0123456789abcdef";

fn opts(out: &Path, runs: u64) -> BatchOptions {
    let mut o = BatchOptions::new(out, runs, 7);
    o.threads = Some(1);
    o.durable = false;
    o
}

fn set_math(dir: &Path, math: Option<&str>, finished: bool) {
    let mut m = Manifest::read(dir).unwrap().unwrap();
    m.math_fingerprint = math.map(str::to_string);
    if !finished {
        m.completed_runs = None;
    }
    m.write(dir).unwrap();
}

#[test]
fn the_manifest_records_this_machines_fingerprint() {
    let dir = tmp("record");
    let r = run_batch(&ToyGrowth::default(), &opts(&dir, 4), &NoProgress).unwrap();
    let fp = montecarlo::manifest::math_fingerprint();
    assert!(fp.starts_with("fnv1a64:"), "{fp}");
    assert_eq!(r.manifest.math_fingerprint.as_deref(), Some(fp.as_str()));
    assert_eq!(Manifest::read(&dir).unwrap().unwrap(), r.manifest);
    // Stable within a process.
    assert_eq!(montecarlo::manifest::math_fingerprint(), fp);
}

#[test]
fn resume_refuses_runs_of_another_maths_library_and_says_so() {
    let dir = tmp("resume");
    run_batch(&ToyGrowth::default(), &opts(&dir, 10), &NoProgress).unwrap();
    std::fs::remove_file(dir.join("runs/run-000000000009.txt")).unwrap();
    set_math(&dir, Some(ELSEWHERE), false);
    let mut o = opts(&dir, 10);
    o.resume = true;
    let e = run_batch(&ToyGrowth::default(), &o, &NoProgress).unwrap_err();
    assert!(matches!(e, McError::MathMismatch { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("maths library gives different last bits")
            && msg.contains(ELSEWHERE)
            && msg.contains(&montecarlo::manifest::math_fingerprint())
            && msg.contains("would not be byte-identical")
            && msg.contains(&format!(
                "resume it with a build whose fingerprint is {ELSEWHERE}"
            ))
            && !msg.contains("copied"),
        "{msg}"
    );
    assert!(!dir.join("runs/run-000000000009.txt").exists(), "nothing is run");
    // Written by an older build (no fingerprint): not checked, and the
    // batch keeps it unknown.
    set_math(&dir, None, false);
    let r = run_batch(&ToyGrowth::default(), &o, &NoProgress).unwrap();
    assert_eq!(r.runs_executed, 1);
    assert_eq!(Manifest::read(&dir).unwrap().unwrap().math_fingerprint, None);
}

fn shards(name: &str) -> (Vec<Scratch>, Vec<PathBuf>) {
    let scratch: Vec<Scratch> = (0..2).map(|k| tmp(&format!("{name}-{k}"))).collect();
    let dirs: Vec<PathBuf> = scratch.iter().map(|d| d.to_path_buf()).collect();
    for (k, d) in dirs.iter().enumerate() {
        let mut o = opts(d, 12);
        o.shard = Some(Shard {
            index: k as u64,
            count: 2,
        });
        run_batch(&ToyGrowth::default(), &o, &NoProgress).unwrap();
    }
    (scratch, dirs)
}

fn merge_opts(shard_dirs: Vec<PathBuf>, out: &Path) -> MergeOptions {
    MergeOptions {
        shard_dirs,
        out: out.to_path_buf(),
        output: OutputOptions::default(),
        command_line: vec![],
        build: Default::default(),
        threads: None,
    }
}

#[test]
fn merge_refuses_shards_of_two_maths_libraries_or_of_another_than_this_machines() {
    let (_s, dirs) = shards("merge");
    // Shard 1 ran elsewhere: the two shards differ.
    set_math(&dirs[1], Some(ELSEWHERE), true);
    let out = tmp("merge-out");
    let msg = merge(&merge_opts(dirs.clone(), &out)).unwrap_err().to_string();
    assert!(
        msg.contains("`math_fingerprint` differs")
            && msg.contains(ELSEWHERE)
            && msg.contains("run shard 1/2 again with a build whose fingerprint is")
            && !msg.contains("copied"),
        "{msg}"
    );
    // Both ran elsewhere: merging here is refused (the run files' draws
    // are checked with this machine's maths).
    set_math(&dirs[0], Some(ELSEWHERE), true);
    let e = merge(&merge_opts(dirs.clone(), &out)).unwrap_err();
    assert!(matches!(e, McError::MathMismatch { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("cannot merge")
            && msg.contains(&format!("merge with a build whose fingerprint is {ELSEWHERE}")),
        "{msg}"
    );
    // Older shards without the field: merged, and the merge records none.
    set_math(&dirs[0], None, true);
    set_math(&dirs[1], None, true);
    let r = merge(&merge_opts(dirs, &out)).unwrap();
    assert_eq!(r.manifest.math_fingerprint, None);
}

/// Audit s23-repro F6: the same shards given in another order, with a
/// trailing slash or by another path finish an interrupted merge; the
/// manifest records them canonicalised.
#[test]
fn an_interrupted_merge_is_finished_whatever_the_spelling_of_its_shards() {
    let (_s, dirs) = shards("spell");
    let out = tmp("spell-out");
    let done = merge(&merge_opts(dirs.clone(), &out)).unwrap();
    let canonical: Vec<String> = dirs
        .iter()
        .map(|d| std::fs::canonicalize(d).unwrap().display().to_string())
        .collect();
    assert_eq!(done.manifest.merged_from, canonical);
    let runs_csv = std::fs::read(out.join("runs.csv")).unwrap();
    let slash = PathBuf::from(format!("{}/", dirs[0].display()));
    let dotted = dirs[1].join("..").join(dirs[1].file_name().unwrap());
    for spelling in [vec![dirs[1].clone(), dirs[0].clone()], vec![slash, dotted]] {
        set_math(&out, Some(&montecarlo::manifest::math_fingerprint()), false);
        std::fs::remove_file(out.join("runs.csv")).unwrap();
        merge(&merge_opts(spelling.clone(), &out)).unwrap_or_else(|e| panic!("{spelling:?}: {e}"));
        assert_eq!(std::fs::read(out.join("runs.csv")).unwrap(), runs_csv);
    }
}
