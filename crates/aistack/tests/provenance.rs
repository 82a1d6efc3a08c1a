//! `aistack batch` records the git revision it was built from and refuses to
//! resume runs of another one; `--stop-outcome` chooses what the stopping
//! rule watches and refuses names no run reports.

mod common;
use common::Scratch;
use std::path::Path;
use std::process::{Command, Output};

fn aistack(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aistack"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn minimal() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/scenarios/minimal.ron")
        .display()
        .to_string()
}

fn tmp(name: &str) -> Scratch {
    Scratch::new(&format!("aistack-prov-{name}"))
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn batch_records_the_build_revision_and_resume_refuses_another() {
    let dir = tmp("rev");
    let d = dir.to_str().unwrap();
    let base = ["batch", &minimal(), "--runs", "2", "--seed", "5"];
    let o = aistack(&[&base[..], &["--out", d]].concat());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m = manifest(&dir);
    // Built inside this git checkout: the revision is HEAD's (the build
    // script reruns when HEAD moves). Without git it is null.
    let head = Command::new("git")
        .args(["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        Some(h) => {
            assert_eq!(m["git_revision"], h.as_str());
            assert!(m["git_dirty"].is_boolean(), "{}", m["git_dirty"]);
        }
        None => assert!(m["git_revision"].is_null()),
    }
    // How it was compiled (audit s23-repro, F8): the profile and level this
    // test binary's build used (the test profile builds at opt-level 2
    // in the `debug` family; `cargo test --release` at 3), and the extra
    // compiler flags, "" for none.
    let profile = m["build_profile"].as_str().unwrap();
    assert!(
        ["debug, opt-level ", "release, opt-level "]
            .iter()
            .any(|p| profile
                .strip_prefix(p)
                .is_some_and(|l| ["0", "1", "2", "3", "s", "z"].contains(&l))),
        "{profile}"
    );
    assert!(m["rustflags"].is_string(), "{}", m["rustflags"]);
    // The batch as if another build had run it: resume is refused.
    let mut other = m.clone();
    other["git_revision"] = "0123456789abcdef0123456789abcdef01234567".into();
    other["completed_runs"] = serde_json::Value::Null;
    std::fs::write(dir.join("manifest.json"), other.to_string()).unwrap();
    let o = aistack(&[&base[..], &["--resume", d]].concat());
    if m["git_revision"].is_string() {
        assert!(!o.status.success(), "resumed runs of another revision");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("0123456789abcdef0123456789abcdef01234567") && err.contains("must not mix"),
            "{err}"
        );
    }
    // Recorded as unknown (a manifest from before revisions were recorded):
    // resumed, with a warning.
    other["git_revision"] = serde_json::Value::Null;
    std::fs::write(dir.join("manifest.json"), other.to_string()).unwrap();
    let o = aistack(&[&base[..], &["--resume", d]].concat());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("warning: cannot check"));
}

#[test]
fn stop_outcome_is_recorded_and_an_unknown_name_is_refused() {
    let dir = tmp("stop");
    let d = dir.to_str().unwrap();
    let scenario = minimal();
    // A 2-run batch with the stopping rule on `names`, into `d`.
    let batch = |names: &[&str]| {
        let mut args = vec![
            "batch",
            scenario.as_str(),
            "--runs",
            "2",
            "--until-rel-halfwidth",
            "0.1",
        ];
        for name in names {
            args.extend(["--stop-outcome", name]);
        }
        args.extend(["--out", d]);
        aistack(&args)
    };
    let o = batch(&["training.largest_run_flop", "energy.demand_mwh_total"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        manifest(&dir)["stop_outcomes"],
        serde_json::json!(["energy.demand_mwh_total", "training.largest_run_flop"])
    );
    let _ = std::fs::remove_dir_all(&dir);
    // The refusal of a batch stopped on `name`.
    let refused = |name: &str| {
        let o = batch(&[name]);
        assert!(!o.status.success());
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let err = refused("training.largest_run_flops");
    assert!(
        err.contains("`training.largest_run_flops` (did you mean `training.largest_run_flop`?)")
            && err.contains("nothing else was run"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    // Refused after one run, before the output directory is created.
    assert!(!dir.exists());
    // A name near a category (which --stop-outcome refuses) is not offered
    // it, and the categories are not among the candidates listed.
    let err = refused("fab.binding_input_mod");
    assert!(
        err.contains("Besides its categories, which have no mean to watch, the first run reports ")
            && err.contains(" outcomes, from `")
            && !err.contains("fab.binding_input_mode"),
        "{err}"
    );
    assert!(!dir.exists());
    // Without the rule it chooses nothing: refused before any run (on
    // resume the manifest's rule counts, see tests/resume.rs).
    let o = aistack(&[
        "batch",
        &minimal(),
        "--runs",
        "2",
        "--stop-outcome",
        "x",
        "--out",
        d,
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--until-rel-halfwidth"));
    assert!(!dir.exists());
}
