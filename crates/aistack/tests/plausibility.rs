//! Plausibility warnings through the binary: a likely unit slip is printed
//! on stderr with its file, line, column, field and hint, and the command
//! still succeeds; a scenario without one prints nothing on stderr.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn aistack(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aistack"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn minimal() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios/minimal.ron")
}

/// Writes `variant`'s body (after `Variant(base: <minimal.ron>,`) to
/// `name` in Cargo's per-target scratch folder (the test leaves nothing in
/// /tmp) and runs `aistack validate` on it: the file's path and the output
/// (the file is removed).
fn validate_variant(name: &str, variant: &str) -> (PathBuf, Output) {
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let text = format!(
        "Variant(base: {:?},\n{variant})\n",
        minimal().display().to_string()
    );
    std::fs::write(&file, text).unwrap();
    let o = aistack(&["validate", &file.display().to_string()]);
    let _ = std::fs::remove_file(&file);
    (file, o)
}

#[test]
fn validate_warns_of_a_unit_slip_and_succeeds() {
    let (file, o) = validate_variant("plausibility-kw.ron", "  set: {\"designs.h100.power_w\": 0.7}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(String::from_utf8_lossy(&o.stdout).contains(": ok"));
    let want = format!(
        "warning: {}:2:9: field `designs.h100.power_w`: 0.7 W is below 10 W",
        file.display()
    );
    assert!(err.starts_with(&want), "{err}");
    assert!(
        err.contains("hint: the field is in W; if 0.7 is in kW, write 700"),
        "{err}"
    );
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
}

#[test]
fn a_plausible_scenario_prints_no_warning() {
    let o = aistack(&["validate", &minimal().display().to_string()]);
    assert!(o.status.success());
    assert_eq!(String::from_utf8_lossy(&o.stderr), "");
}

#[test]
fn compare_names_a_slip_shared_by_both_scenarios_once() {
    // Review s18-rev-dom, finding 5: `compare A A`, or two variants of one
    // base, printed every warning twice.
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plausibility-compare.ron");
    let text = format!(
        "Variant(base: {:?},\n  set: {{\"designs.h100.power_w\": 0.7}})\n",
        minimal().display().to_string()
    );
    std::fs::write(&file, text).unwrap();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plausibility-compare-out");
    let _ = std::fs::remove_dir_all(&out);
    let f = file.display().to_string();
    let o = aistack(&[
        "compare",
        &f,
        &f,
        "--runs",
        "2",
        "--out",
        &out.display().to_string(),
    ]);
    let _ = (std::fs::remove_file(&file), std::fs::remove_dir_all(&out));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
}

/// Audit s20-econ #2: `validate` warns of a rank correlation a batch cannot
/// reach, a `Discrete` parameter's (attenuated by its ties, with what the
/// runs reach) and a `Const`'s (void), and still succeeds.
#[test]
fn validate_warns_of_correlations_on_discrete_and_const_parameters() {
    let (file, o) = validate_variant(
        "plausibility-corr.ron",
        "  uncertain: {\"labs.lab.mfu\": Uniform(low: 0.3, high: 0.5),\n    \
         \"designs.h100.hbm_stacks\": Discrete(values: [4, 5, 6], weights: [1, 2, 1]),\n    \
         \"regions.home.demand_avg_mw\": Const(value: 1000)},\n  correlations: [\n    \
         (a: \"labs.lab.mfu\", b: \"designs.h100.hbm_stacks\", rho: 0.8),\n    \
         (a: \"labs.lab.mfu\", b: \"regions.home.demand_avg_mw\", rho: 0.5)]",
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let at = format!("warning: {}: correlations: the rank correlation", file.display());
    assert_eq!(err.matches(&at).count(), 2, "{err}");
    assert!(
        err.contains("labs.lab.mfu ~ designs.h100.hbm_stacks (rho 0.8) will not be reached")
            && err.contains("reach about 0.735"),
        "{err}"
    );
    assert!(
        err.contains("(rho 0.5) is void: `regions.home.demand_avg_mw` is Const"),
        "{err}"
    );
}

/// Audit s33, finding 1: `validate` names a lab without `max_chips_per_run`
/// whose one run would take more chips than any on record, at the lab in
/// the base file (the field to add), with the goodput at that size.
#[test]
fn validate_warns_of_a_lab_whose_one_run_takes_half_a_million_chips() {
    let (_, o) = validate_variant(
        "plausibility-cluster.ron",
        "  set: {\"labs.lab.fleet.h100.count\": 500000}",
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let want = format!(
        "warning: {}:35:19: field `labs.lab.max_chips_per_run`: lab lab sets no `max_chips_per_run`",
        minimal().display()
    );
    assert!(err.starts_with(&want), "{err}");
    assert!(
        err.contains("a run of 500000 chips keeps 0.046 of its time as work")
            && err.contains("hint: set `max_chips_per_run` to the largest cluster"),
        "{err}"
    );
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
}

/// Audit s33, finding 5: `validate` names a region's demand growth written
/// in per cent at the variant's `set`, with the fraction to write.
#[test]
fn validate_warns_of_demand_growth_in_per_cent() {
    let (file, o) = validate_variant(
        "plausibility-growth.ron",
        "  set: {\"regions.home.demand_growth_per_year\": 3}",
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let want = format!(
        "warning: {}:2:9: field `regions.home.demand_growth_per_year`: 3 a year is a growth of 300 % a year",
        file.display()
    );
    assert!(err.starts_with(&want), "{err}");
    assert!(
        err.contains("hint: the field is a fraction a year (0.06 = 6 %); if 3 is in %, write 0.03"),
        "{err}"
    );
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
}
