//! Reproducing a batch elsewhere (audit s23-repro): the maths is the same
//! where glibc's is not (its FMA code masked: the same fingerprint, the same
//! bytes of a run and a batch); the maths fingerprint is printed by
//! `validate` and recorded with every output (F1, F5); `validate` prints the scenario hash as manifests write it
//! (F3); a resume refused over a changed base names that file and suggests
//! nothing that fails the same way (F3, F4); sobol.json and a run's
//! summary.json record the build (F5).

mod common;

use common::{ok, refused, s, tmp, uncertain_minimal};
use std::path::Path;
use std::process::Command;

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The value of `key: value` in `validate`'s output.
fn printed<'a>(stdout: &'a str, key: &str) -> &'a str {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("no {key} in {stdout}"));
    line.split_whitespace().next().unwrap()
}

/// A variant `v.ron` of `base.ron` (minimal with two uncertain parameters) in `root`.
fn variant(root: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(root).unwrap();
    uncertain_minimal(&root.join("base.ron"));
    let v = root.join("v.ron");
    std::fs::write(
        &v,
        "Variant(base: \"base.ron\", name: \"v\", set: { \"horizon_years\": 1 })\n",
    )
    .unwrap();
    v
}

#[test]
fn validate_prints_the_hash_and_fingerprint_a_manifest_records() {
    let root = tmp("repro", "validate");
    let v = variant(&root);
    let bat = root.join("bat");
    ok(&["batch", s(&v), "--runs", "2", "--out", s(&bat)]);
    let m = json(&bat.join("manifest.json"));
    let out = ok(&["validate", s(&v), "--print-math-fingerprint"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(printed(&stdout, "scenario_hash"), m["scenario_hash"], "{stdout}");
    assert_eq!(
        printed(&stdout, "math_fingerprint"),
        m["math_fingerprint"],
        "{stdout}"
    );
    // Each file's own hash, as the manifest's `scenario_files`.
    for f in m["scenario_files"].as_array().unwrap() {
        let line = format!(
            "  {}: {}",
            f["path"].as_str().unwrap(),
            f["hash"].as_str().unwrap()
        );
        assert!(stdout.contains(&line), "{line} in {stdout}");
    }
    assert_eq!(m["scenario_files"][0]["path"], "v.ron");
    assert_eq!(m["scenario_files"][1]["path"], "base.ron");
    // Informational build fields (F8).
    assert!(
        m["rustc_version"].as_str().unwrap().starts_with("rustc "),
        "{}",
        m["rustc_version"]
    );
    // The fingerprint is the same in another process on this machine.
    let again =
        String::from_utf8_lossy(&ok(&["validate", s(&v), "--print-math-fingerprint"]).stdout).into_owned();
    assert_eq!(
        printed(&again, "math_fingerprint"),
        printed(&stdout, "math_fingerprint")
    );
}

/// Runs `f` with `GLIBC_TUNABLES` unset and set to mask FMA (as a CPU
/// without it would: glibc then takes the non-FMA code of its `exp`, `log`,
/// `pow`, `sin`, …), where that changes glibc's maths: x86-64 with glibc, on
/// a CPU with FMA and AVX2. Elsewhere it prints why and skips.
fn with_and_without_fma(f: impl FnOnce(&dyn Fn(Option<&str>) -> Command)) {
    #[cfg(all(target_arch = "x86_64", target_env = "gnu"))]
    {
        if !std::arch::is_x86_feature_detected!("fma") || !std::arch::is_x86_feature_detected!("avx2") {
            println!("skipped: this CPU has no FMA/AVX2, so glibc takes its code without FMA anyway");
            return;
        }
        f(&|tunables| {
            let mut c = Command::new(env!("CARGO_BIN_EXE_aistack"));
            if let Some(t) = tunables {
                c.env("GLIBC_TUNABLES", t);
            }
            c
        });
    }
    #[cfg(not(all(target_arch = "x86_64", target_env = "gnu")))]
    {
        let _ = f;
        println!("skipped: not x86-64 with glibc, whose maths library picks FMA code at run time");
    }
}

/// The model's maths goes through `scheduler::math` (pure-Rust libm), not
/// the platform's library: masking FMA, which changes glibc's last bits
/// (and changed the fingerprint before), leaves the fingerprint as it is.
#[test]
fn the_fingerprint_is_the_same_where_glibc_takes_its_code_without_fma() {
    with_and_without_fma(|aistack| {
        let root = tmp("repro", "fma");
        let v = variant(&root);
        let fingerprint = |tunables: Option<&str>| {
            let o = aistack(tunables)
                .args(["validate", s(&v), "--print-math-fingerprint"])
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            printed(&String::from_utf8_lossy(&o.stdout), "math_fingerprint").to_string()
        };
        let native = fingerprint(None);
        assert_eq!(fingerprint(Some("glibc.cpu.hwcaps=-FMA")), native);
        assert_eq!(fingerprint(Some("glibc.cpu.hwcaps=-AVX512F")), native);
    });
}

/// Every file a real run and a real batch write, byte for byte, natively
/// and with glibc's FMA code masked (audit s23: 9 of 10 china-2025 run
/// files differed when std's maths functions were called): china-2025
/// shortened to 3 years, one run and a batch of 3 with its uncertain
/// parameters. Each writes from its own directory with the same relative
/// arguments, so even the recorded command lines agree.
#[test]
fn a_run_and_a_batch_are_byte_identical_where_glibc_takes_its_code_without_fma() {
    with_and_without_fma(|aistack| {
        let root = tmp("repro", "fma-run");
        let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios/china-2025.ron");
        let base = std::fs::canonicalize(scenario).unwrap();
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(
            root.join("v.ron"),
            format!(
                "Variant(base: {:?}, name: \"short\", set: {{ \"horizon_years\": 3 }})\n",
                base.to_str().unwrap()
            ),
        )
        .unwrap();
        for (dir, tunables) in [("native", None), ("no-fma", Some("glibc.cpu.hwcaps=-FMA"))] {
            let cwd = root.join(dir);
            std::fs::create_dir_all(&cwd).unwrap();
            for args in [
                &["run", "../v.ron", "--out", "run"][..],
                &[
                    "batch",
                    "../v.ron",
                    "--runs",
                    "3",
                    "--seed",
                    "7",
                    "--threads",
                    "1",
                    "--out",
                    "batch",
                ],
            ] {
                let o = aistack(tunables).current_dir(&cwd).args(args).output().unwrap();
                assert!(
                    o.status.success(),
                    "{args:?}: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
            }
        }
        let mut files = Vec::new();
        let mut stack = vec![root.join("native")];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() { stack.push(p) } else { files.push(p) }
            }
        }
        files.sort();
        assert!(files.len() >= 8, "{files:?}");
        let mut differing = Vec::new();
        for native in &files {
            let rel = native.strip_prefix(root.join("native")).unwrap();
            let other = root.join("no-fma").join(rel);
            if std::fs::read(native).unwrap() != std::fs::read(&other).unwrap() {
                differing.push(rel.display().to_string());
            }
        }
        assert!(
            differing.is_empty(),
            "differ without FMA: {differing:?} (of {})",
            files.len()
        );
    });
}

#[test]
fn a_resume_refused_over_a_changed_base_names_it_and_suggests_nothing_that_fails_alike() {
    let root = tmp("repro", "base");
    let v = variant(&root);
    let bat = root.join("bat");
    ok(&["batch", s(&v), "--runs", "3", "--seed", "7", "--out", s(&bat)]);
    let mut base = std::fs::read_to_string(root.join("base.ron")).unwrap();
    base.push_str("// edited\n");
    std::fs::write(root.join("base.ron"), base).unwrap();
    // The file given: refused, offering the batch's own copy.
    let err = refused(&["batch", s(&v), "--runs", "3", "--seed", "7", "--resume", s(&bat)]);
    assert!(
        err.contains("base.ron changed (its hash is now")
            && err.contains("unchanged: v.ron")
            && err.contains("restore it (and its bases)")
            && err.contains(&format!(
                "resume from the batch's own copy of it, `aistack batch {} --resume {}`",
                bat.join("scenario/v.ron").display(),
                bat.display()
            )),
        "{err}"
    );
    assert!(!err.contains("or give only"), "{err}");
    // Without that copy (a batch of an older build), `--resume DIR` alone
    // and a replay are refused too, naming the file.
    let kept = root.join("kept-copy");
    std::fs::rename(bat.join("scenario"), &kept).unwrap();
    let err = refused(&["batch", "--resume", s(&bat)]);
    assert!(
        err.contains("base.ron changed (its hash is now")
            && err.contains("unchanged: v.ron")
            && err.contains("restore it (and its bases)")
            && !err.contains("or give only"),
        "{err}"
    );
    let r = root.join("r");
    let replay = ["run", "--from-batch", s(&bat), "--run", "1", "--out", s(&r)];
    let err = refused(&replay);
    assert!(err.contains("base.ron changed"), "{err}");
    // With it, both go on from the copy.
    std::fs::rename(&kept, bat.join("scenario")).unwrap();
    ok(&["batch", "--resume", s(&bat)]);
    ok(&replay);
}

#[test]
fn sobol_json_and_a_runs_summary_record_the_build() {
    let root = tmp("repro", "records");
    std::fs::create_dir_all(&root).unwrap();
    let scenario = root.join("scenario.ron");
    uncertain_minimal(&scenario);
    let out = root.join("sob");
    let mut records = Vec::new();
    for threads in ["1", "2"] {
        ok(&[
            "sensitivity",
            s(&scenario),
            "--outcome",
            "training.largest_run_flop",
            "--runs",
            "4",
            "--threads",
            threads,
            "--out",
            s(&out),
        ]);
        records.push(std::fs::read(out.join("sobol.json")).unwrap());
        std::fs::remove_dir_all(&out).unwrap();
    }
    assert_eq!(records[0], records[1], "sobol.json differs between thread counts");
    let sobol: serde_json::Value = serde_json::from_slice(&records[0]).unwrap();
    let canonical = std::fs::canonicalize(&scenario).unwrap();
    for (key, record) in [("sobol.json", &sobol)] {
        for field in [
            "git_revision",
            "git_dirty",
            "tool_version",
            "target",
            "crate_versions",
            "math_fingerprint",
            "rustc_version",
            "command_line",
        ] {
            assert!(record.get(field).is_some(), "{key} has no {field}: {record}");
        }
        assert_eq!(record["scenario_path"], canonical.display().to_string().as_str());
        assert!(
            !record["command_line"].to_string().contains("--threads"),
            "{record}"
        );
    }
    // A run's summary.json: the same fields, and the hash in the manifests' form.
    let run = root.join("run");
    ok(&["run", s(&scenario), "--out", s(&run)]);
    let summary = json(&run.join("summary.json"));
    let validated = String::from_utf8_lossy(&ok(&["validate", s(&scenario)]).stdout).into_owned();
    assert_eq!(summary["scenario_hash"], printed(&validated, "scenario_hash"));
    assert_eq!(summary["math_fingerprint"], sobol["math_fingerprint"]);
    assert_eq!(summary["scenario_files"][0]["path"], "scenario.ron");
    for field in [
        "git_revision",
        "target",
        "crate_versions",
        "scenario_path",
        "command_line",
    ] {
        assert!(summary.get(field).is_some(), "summary.json has no {field}");
    }
}
