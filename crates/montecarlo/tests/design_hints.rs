//! What `eval` says about a design a user got slightly wrong (audit s17
//! econ #8): a row index written by pandas or R, a batch's `run` column, a
//! misspelt `seed`, and values outside a parameter's distribution.

mod common;
use common::Scratch;

use common::eval_opts;
use montecarlo::toy::ToyGrowth;
use montecarlo::{NoProgress, eval_design};

const HEADER: &str = "labs.toy.growth_per_month,grid.toy.capacity_mw,fab.toy.yield";

fn refusal(name: &str, design: &str) -> String {
    let dir = Scratch::new(&format!("mc-hints-{name}"));
    let o = eval_opts(&dir, design, 1);
    let e = eval_design(&ToyGrowth::default(), &o, &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(!o.out.exists(), "{name}: {e}");
    let _ = std::fs::remove_dir_all(&dir);
    e
}

#[test]
fn a_row_index_column_is_named_with_the_option_that_leaves_it_out() {
    // pandas' `to_csv` without index=False, R's write.csv, and a frame read
    // back by pandas and written again.
    for (name, header) in [
        ("pandas", format!(",{HEADER}")),
        ("r", format!("\"\",{HEADER}")),
        ("unnamed", format!("Unnamed: 0,{HEADER}")),
    ] {
        let e = refusal(name, &format!("{header}\n0,0.04,1000,0.8\n"));
        assert!(
            e.contains("column 1 has")
                && e.contains("row index")
                && e.contains("index=False")
                && e.contains("row.names = FALSE"),
            "{name}: {e}"
        );
    }
}

/// A design separated by semicolons (Excel where the decimal mark is a
/// comma) or tabs is named so, and a header ending with a comma is not
/// taken for a row index (audit s20-econ, nits: both read as one unknown
/// column, or as "a row index, which pandas writes").
#[test]
fn another_delimiter_and_a_trailing_comma_are_named() {
    for (name, sep, what) in [("semicolon", ";", "semicolons"), ("tab", "\t", "tabs")] {
        let header = HEADER.replace(',', sep);
        let e = refusal(name, &format!("{header}\n0.04{sep}1000{sep}0.8\n"));
        assert!(
            e.contains(&format!("the header is one column holding {what}")) && e.contains("comma-separated"),
            "{name}: {e}"
        );
    }
    let e = refusal("trailing", &format!("{HEADER},\n0.04,1000,0.8,\n"));
    assert!(
        e.contains("column 4, the last, has no name: the header ends with a comma")
            && !e.contains("row index"),
        "{e}"
    );
}

#[test]
fn a_run_column_is_told_to_become_seed_and_seed_is_a_known_column() {
    let e = refusal("run", &format!("run,{HEADER}\n0,0.04,1000,0.8\n"));
    assert!(
        e.contains("column 1 `run` is no parameter") && e.contains("rename its `run` column `seed`"),
        "{e}"
    );
    for misspelt in ["Seed", "SEED", "seeds"] {
        let e = refusal(misspelt, &format!("{misspelt},{HEADER}\n0,0.04,1000,0.8\n"));
        assert!(
            e.contains("(did you mean `seed`?)")
                && e.contains("fab.toy.yield, seed (optional: a row's seed)"),
            "{misspelt}: {e}"
        );
    }
}

#[test]
fn values_outside_a_distribution_are_run_with_a_note_naming_the_cells() {
    let dir = Scratch::new("mc-hints-support");
    // A Beta takes [0, 1], a LogNormal [0, ∞), a Normal anything.
    let design = format!("{HEADER}\n0.04,1000,0.8\n0.3,1000,1.25\n0.04,-5,1.5\n");
    let o = eval_opts(&dir, &design, 1);
    let r = eval_design(&ToyGrowth::default(), &o, &NoProgress).unwrap();
    assert_eq!(r.table.runs.len(), 3);
    let note = r
        .notes
        .iter()
        .find(|n| n.contains("outside"))
        .unwrap_or_else(|| panic!("{:?}", r.notes));
    let csv = o.design_csv.display();
    assert!(
        note.starts_with("3 design cells lie outside their parameter's declared distribution")
            && note.contains(&format!("{csv}:3 `fab.toy.yield` = 1.25 (Beta on [0, 1])"))
            && note.contains(&format!(
                "{csv}:4 `grid.toy.capacity_mw` = -5 (LogNormal on [0, inf])"
            ))
            && note.contains(&format!("{csv}:4 `fab.toy.yield` = 1.5"))
            && !note.contains("growth_per_month"),
        "{note}"
    );
}
