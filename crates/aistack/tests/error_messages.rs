//! Refusals as an economist's audit read them (finding 7): the suggestion
//! and the way on are said, in the one `error:` form every command uses.

mod common;

use common::{refused, s, with_scenario};

/// A misspelt sensitivity outcome gets its suggestion, then how many
/// outcomes the run reports and where all are described, not every name
/// on one line (it printed ~160 after the suggestion): Morris and Sobol alike.
#[test]
fn a_misspelt_sensitivity_outcome_is_suggested_and_the_outcomes_counted() {
    let (root, scenario) = with_scenario("errors", "sens-outcome");
    let out = root.join("sens");
    for method in [
        &["--method", "morris", "--trajectories", "2"][..],
        &["--method", "sobol", "--runs", "2"][..],
    ] {
        let mut args = vec![
            "sensitivity",
            s(&scenario),
            "--outcome",
            "training.largest_run_flp",
            "--out",
            s(&out),
        ];
        args.extend_from_slice(method);
        let err = refused(&args);
        assert!(
            err.contains(
                "nothing else was run. Did you mean `training.largest_run_flop`? The first run \
                 reports "
            ) && err.contains(" outcomes, from `energy.")
                && err.contains("docs/model.md, \"Scalar outcomes\""),
            "{method:?}: {err}"
        );
        // A name far down the list is not printed.
        assert!(!err.contains("training.lab.lab.releases_total"), "{method:?}: {err}");
        assert!(!out.exists(), "nothing written");
    }
}
