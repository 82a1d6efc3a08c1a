//! Every outcome docs/montecarlo.md lists under "Outcomes that only some
//! runs have" is one the simulator names as conditional
//! (`stack::run::conditional_outcome`), so that a batch says why runs lack
//! it and a `--stop-outcome` naming it is accepted (review s20-thr: the
//! table listed `training.best_inherited_share`, the code did not).

use std::path::Path;

#[test]
fn every_outcome_documented_as_conditional_is_named_so_by_the_simulator() {
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/montecarlo.md"))
            .expect("docs/montecarlo.md");
    let section = docs
        .split("### Outcomes that only some runs have")
        .nth(1)
        .and_then(|s| s.split("\n### ").next())
        .expect("the section");
    let mut names = Vec::new();
    for row in section
        .lines()
        .filter(|l| l.starts_with("| `training.") || l.starts_with("| `fab."))
    {
        let first = row.split('|').nth(1).unwrap_or_default();
        // Every backticked outcome name in the first column, with its
        // placeholders given a value.
        for name in first.split('`').skip(1).step_by(2) {
            if name.starts_with("training.") || name.starts_with("fab.") {
                names.push(
                    name.replace("<T>", "1e25")
                        .replace("_Y", "_2030")
                        .replace("<lab>", "deepseek"),
                );
            }
        }
    }
    assert!(names.len() >= 10, "only {names:?} found");
    for n in &names {
        assert!(
            stack::run::conditional_outcome(n).is_some(),
            "{n} is documented as present in only some runs, but conditional_outcome does not name it"
        );
    }
}
