//! Which build computed a batch (git revision, uncommitted changes): recorded
//! in the manifest, refused on resume and merge when it is another revision,
//! accepted with a warning when the builds cannot be told apart. And the
//! stopping rule's watched outcomes: refused without the rule, or unknown.

mod common;
use common::Scratch;
use montecarlo::toy::ToyGrowth;
use montecarlo::{
    BatchOptions, Build, BuildSeen, Manifest, McError, MergeOptions, Model, NoProgress, OutputOptions, Shard,
    check_build, merge, run_batch, run_seed,
};
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> Scratch {
    Scratch::new(&format!("mc-prov-{name}"))
}

const A: &str = "1111111111111111111111111111111111111111";
const B: &str = "2222222222222222222222222222222222222222";

fn build(revision: Option<&str>, dirty: Option<bool>) -> Build {
    Build::new(revision.map(str::to_string), dirty)
}

fn opts(out: &Path, runs: u64, b: Build) -> BatchOptions {
    let mut o = BatchOptions::new(out, runs, 7);
    o.threads = Some(1);
    o.durable = false;
    o.build = b;
    o
}

/// A batch of 30 runs interrupted after its first 10: the runs of 10..30
/// deleted and the manifest marked unfinished, as a kill leaves it.
fn interrupted(dir: &Path, b: Build) {
    let model = ToyGrowth::default();
    run_batch(&model, &opts(dir, 30, b), &NoProgress).unwrap();
    for i in 10..30 {
        std::fs::remove_file(dir.join("runs").join(format!("run-{i:012}.txt"))).unwrap();
    }
    let mut m = Manifest::read(dir).unwrap().unwrap();
    m.completed_runs = None;
    m.write(dir).unwrap();
}

fn resume(dir: &Path, b: Build) -> montecarlo::Result<montecarlo::BatchReport> {
    let mut o = opts(dir, 30, b);
    o.resume = true;
    run_batch(&ToyGrowth::default(), &o, &NoProgress)
}

#[test]
fn check_build_refuses_two_known_revisions_and_warns_when_it_cannot_tell() {
    let d = Path::new("out/batch");
    let clean_a = build(Some(A), Some(false));
    assert_eq!(check_build(&clean_a, &clean_a, d).unwrap(), None);
    let e = check_build(&clean_a, &build(Some(B), Some(false)), d).unwrap_err();
    assert!(matches!(e, McError::BuildMismatch { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains(A) && msg.contains(B) && msg.contains("out/batch"),
        "{msg}"
    );
    // Dirty on either side, same commit: accepted, with a warning.
    let dirty_a = build(Some(A), Some(true));
    for (rec, run) in [(&clean_a, &dirty_a), (&dirty_a, &clean_a), (&dirty_a, &dirty_a)] {
        let w = check_build(rec, run, d).unwrap().expect("a warning");
        assert!(w.contains("uncommitted"), "{w}");
    }
    // Another commit is refused even when dirty.
    assert!(check_build(&dirty_a, &build(Some(B), Some(true)), d).is_err());
    // Unknown on either side: accepted, with a warning.
    for (rec, run) in [
        (build(None, None), clean_a.clone()),
        (clean_a.clone(), build(None, None)),
    ] {
        let w = check_build(&rec, &run, d).unwrap().expect("a warning");
        assert!(w.contains("unknown"), "{w}");
    }
    // What a mixed directory records: one build says itself; two or more
    // are each kept once, in the order met (audit s23-repro, F7).
    assert_eq!(clean_a.combine(&clean_a), clean_a);
    let seen = |b: &Build| BuildSeen {
        git_revision: b.git_revision.clone(),
        git_dirty: b.git_dirty,
    };
    let mixed = clean_a.combine(&dirty_a);
    assert_eq!(
        (mixed.git_revision.as_deref(), mixed.git_dirty),
        (Some(A), Some(true))
    );
    assert_eq!(mixed.builds, vec![seen(&clean_a), seen(&dirty_a)]);
    let unknown = build(None, None);
    let lost = clean_a.combine(&unknown);
    assert_eq!((lost.git_revision.as_ref(), lost.git_dirty), (None, None));
    assert_eq!(lost.builds, vec![seen(&clean_a), seen(&unknown)]);
    // Folding on keeps the list: the unknown build again adds nothing, a
    // third build joins at the end, and a list folds into another.
    assert_eq!(lost.combine(&unknown), lost);
    let three = lost.combine(&dirty_a);
    assert_eq!(three.builds, vec![seen(&clean_a), seen(&unknown), seen(&dirty_a)]);
    assert_eq!(
        dirty_a.combine(&lost).builds,
        vec![seen(&dirty_a), seen(&clean_a), seen(&unknown)]
    );
}

#[test]
fn the_manifest_records_the_build_and_reads_manifests_without_it() {
    let dir = tmp("record");
    run_batch(
        &ToyGrowth::default(),
        &opts(&dir, 5, build(Some(A), Some(false))),
        &NoProgress,
    )
    .unwrap();
    let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["git_revision"], A);
    assert_eq!(json["git_dirty"], false);
    // A manifest written before `git_dirty` existed still reads.
    let old = text.replace("  \"git_dirty\": false,\n", "");
    assert_ne!(old, text);
    std::fs::write(dir.join("manifest.json"), old).unwrap();
    let m = Manifest::read(&dir).unwrap().unwrap();
    assert_eq!(m.build, build(Some(A), None));
}

#[test]
fn resume_refuses_runs_of_another_revision_and_accepts_a_dirty_or_unknown_one() {
    // Another revision: refused, nothing run, the manifest unchanged.
    let dir = tmp("resume-other");
    interrupted(&dir, build(Some(A), Some(false)));
    let before = std::fs::read(dir.join("manifest.json")).unwrap();
    let e = resume(&dir, build(Some(B), Some(false))).unwrap_err();
    assert!(matches!(e, McError::BuildMismatch { .. }), "{e}");
    assert_eq!(std::fs::read(dir.join("manifest.json")).unwrap(), before);
    assert!(!dir.join("runs/run-000000000010.txt").exists());
    // The same revision with local changes: resumed, marked dirty.
    let r = resume(&dir, build(Some(A), Some(true))).unwrap();
    assert_eq!((r.runs_executed, r.runs_reused), (20, 10));
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    let m = Manifest::read(&dir).unwrap().unwrap();
    assert_eq!(
        (m.build.git_revision.as_deref(), m.build.git_dirty),
        (Some(A), Some(true))
    );
    assert_eq!(m.build.builds.len(), 2, "{:?}", m.build);
    assert_eq!(m.completed_runs, Some(30));
    // A batch from a build of unknown revision (or an older manifest):
    // resumed with a warning, and the revision stays unknown.
    let dir2 = tmp("resume-unknown");
    interrupted(&dir2, build(None, None));
    let r = resume(&dir2, build(Some(A), Some(false))).unwrap();
    assert_eq!(r.warnings.len(), 1);
    assert!(r.warnings[0].contains("under `builds`"), "{:?}", r.warnings);
    let m = Manifest::read(&dir2).unwrap().unwrap();
    assert_eq!(m.build.git_revision, None);
    // ... and the manifest still names the revision that computed the
    // later runs (F7: it used to erase it), written as a list.
    assert_eq!(
        m.build
            .builds
            .iter()
            .map(|b| b.git_revision.as_deref())
            .collect::<Vec<_>>(),
        [None, Some(A)]
    );
    let text = std::fs::read_to_string(dir2.join("manifest.json")).unwrap();
    assert!(text.contains("\"builds\": ["), "{text}");
    // The same clean revision: no warning, and one build writes no list
    // (the manifest of an uninterrupted batch, byte for byte).
    let dir3 = tmp("resume-same");
    interrupted(&dir3, build(Some(A), Some(false)));
    assert!(
        resume(&dir3, build(Some(A), Some(false)))
            .unwrap()
            .warnings
            .is_empty()
    );
    let text = std::fs::read_to_string(dir3.join("manifest.json")).unwrap();
    assert!(!text.contains("\"builds\""), "{text}");
}

#[test]
fn merge_refuses_shards_of_another_revision() {
    let model = ToyGrowth::default();
    let dirs_scratch: Vec<Scratch> = (0..2).map(|k| tmp(&format!("shard-{k}"))).collect();
    let dirs: Vec<PathBuf> = dirs_scratch.iter().map(|d| d.to_path_buf()).collect();
    for (k, (d, rev)) in dirs.iter().zip([A, B]).enumerate() {
        let mut o = opts(d, 20, build(Some(rev), Some(false)));
        o.shard = Some(Shard {
            index: k as u64,
            count: 2,
        });
        run_batch(&model, &o, &NoProgress).unwrap();
    }
    let mo = |out: PathBuf, b: Build| MergeOptions {
        shard_dirs: dirs.clone(),
        out,
        output: OutputOptions::default(),
        command_line: vec![],
        build: b,
        threads: None,
    };
    // Shards of two revisions, whatever the merging binary.
    for b in [build(Some(A), Some(false)), build(None, None)] {
        let out = tmp("merged-mixed");
        let e = merge(&mo(out.to_path_buf(), b)).unwrap_err();
        assert!(
            e.to_string().contains("git_revision") || e.to_string().contains(B),
            "{e}"
        );
        assert!(!out.join("manifest.json").exists());
    }
    // Shards of one revision, merged by a binary of another: refused.
    let mut o = opts(&dirs[1], 20, build(Some(A), Some(false)));
    let _ = std::fs::remove_dir_all(&dirs[1]);
    o.shard = Some(Shard { index: 1, count: 2 });
    run_batch(&model, &o, &NoProgress).unwrap();
    let e = merge(&mo(
        tmp("merged-other").to_path_buf(),
        build(Some(B), Some(false)),
    ))
    .unwrap_err();
    assert!(matches!(e, McError::BuildMismatch { .. }), "{e}");
    // By a binary of the same revision: merged, recorded.
    let out = tmp("merged-ok");
    let r = merge(&mo(out.to_path_buf(), build(Some(A), Some(false)))).unwrap();
    assert!(r.warnings.is_empty());
    assert_eq!(r.manifest.build, build(Some(A), Some(false)));
    // By a build of unknown revision: merged with a warning; `builds` names
    // the shards' build first, then the merging one (review s24 F5).
    let out = tmp("merged-unknown");
    let r = merge(&mo(out.to_path_buf(), build(None, None))).unwrap();
    assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
    assert_eq!(r.manifest.build.git_revision, None);
    assert_eq!(
        r.manifest
            .build
            .builds
            .iter()
            .map(|b| b.git_revision.as_deref())
            .collect::<Vec<_>>(),
        [Some(A), None]
    );
}

#[test]
fn stop_outcomes_need_the_rule_and_known_names() {
    let model = ToyGrowth::default();
    let dir = tmp("stop-no-rule");
    let mut o = opts(&dir, 50, Build::default());
    o.stop_outcomes = vec!["energy.peak_load_mw".into()];
    let e = run_batch(&model, &o, &NoProgress).unwrap_err();
    assert!(e.to_string().contains("--until-rel-halfwidth"), "{e}");
    // A misspelt name: refused after the batch's first run alone (s8
    // leftover: before, after the first block of 100 runs, leaving an
    // unfinished batch), with the closest name and the outcomes it reports;
    // no directory is created.
    let dir = tmp("stop-unknown");
    let mut o = opts(&dir, 300, Build::default());
    o.until_rel_halfwidth = Some(0.05);
    o.stop_outcomes = vec!["energy.peak_load_mw".into(), "energy.peak_lod_mw".into()];
    let counted = Counted::new(false);
    let e = run_batch(&counted, &o, &NoProgress).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("`energy.peak_lod_mw` (did you mean `energy.peak_load_mw`?)")
            && msg.contains("training.final_flop")
            && msg.contains("nothing else was run"),
        "{msg}"
    );
    assert!(!msg.contains("`energy.peak_load_mw`,"), "{msg}");
    assert_eq!(counted.runs(), 1);
    assert!(!dir.exists(), "no directory is created");
    // Known names: recorded in the manifest.
    let dir2 = tmp("stop-known");
    let mut o = opts(&dir2, 300, Build::default());
    o.until_rel_halfwidth = Some(0.05);
    o.stop_outcomes = vec!["energy.peak_load_mw".into()];
    let r = run_batch(&model, &o, &NoProgress).unwrap();
    assert_eq!(r.manifest.stop_outcomes, vec!["energy.peak_load_mw".to_string()]);
    for d in [dir, dir2] {
        let _ = std::fs::remove_dir_all(d);
    }
    // An outcome the first run lacks is refused at once unless the model
    // declares it conditional; then the first block decides (here every
    // other run reports it, so the batch runs: 1 probe + 300 runs).
    for conditional in [false, true] {
        let dir = tmp(&format!("stop-conditional-{conditional}"));
        let mut o = opts(&dir, 300, Build::default());
        o.until_rel_halfwidth = Some(1e-9);
        o.stop_outcomes = vec!["rare".into()];
        let counted = Counted::new(conditional);
        let r = run_batch(&counted, &o, &NoProgress);
        if conditional {
            let r = r.unwrap();
            assert_eq!(r.runs_in_outputs, 300);
            assert_eq!(counted.runs(), 301);
        } else {
            let e = r.unwrap_err().to_string();
            assert!(e.contains("reports no `rare`"), "{e}");
            assert_eq!(counted.runs(), 1);
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// The toy model, counting its runs, with one more outcome `rare` that every
/// run but the batch's first (master seed 7) reports; declared conditional
/// or not.
struct Counted {
    inner: ToyGrowth,
    conditional: bool,
    runs: std::sync::atomic::AtomicUsize,
}

impl Counted {
    fn new(conditional: bool) -> Counted {
        Counted {
            inner: ToyGrowth::default(),
            conditional,
            runs: std::sync::atomic::AtomicUsize::new(0),
        }
    }
    fn runs(&self) -> usize {
        self.runs.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Model for Counted {
    fn parameters(&self) -> Vec<montecarlo::ParamSpec> {
        self.inner.parameters()
    }
    fn run(&self, seed: u64, params: &[f64]) -> Result<montecarlo::RunResult, montecarlo::ModelError> {
        self.runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut r = self.inner.run(seed, params)?;
        if seed != run_seed(7, 0) {
            r.scalars.push(("rare".into(), (seed % 1000) as f64));
        }
        Ok(r)
    }
    fn conditional_outcome(&self, outcome: &str) -> Option<String> {
        (self.conditional && outcome == "rare").then(|| "only some runs".into())
    }
    fn identity(&self) -> Vec<u8> {
        self.inner.identity()
    }
}
