//! `aistack run`'s console summary and `aistack explain` answer "does the
//! grid hold the datacenters, and is power or chips the binding
//! constraint?" from what the model already knows (audit s33-headline):
//! who the grid shed, the compute the labs' electricity budgets withheld,
//! grid cuts apart from waiting for a connection, and an import quota that
//! binds.

mod common;
use common::{Scratch, ok, s};
use std::path::Path;

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/scenarios")
        .join(name)
        .display()
        .to_string()
}

/// A variant of minimal.ron named `name` that sets `set` (the body of a
/// `set: { … }` map) and adds `add` (the body of an `add: [ … ]` list),
/// written to a scratch file.
fn minimal_variant(name: &str, set: &str, add: &str) -> Scratch {
    let file = Scratch::new(&format!("aistack-headline-{name}.ron"));
    std::fs::write(
        &file,
        format!(
            "Variant(base: \"{}\", name: \"{name}\", set: {{ {set} }}, add: [ {add} ])\n",
            example("minimal.ron")
        ),
    )
    .unwrap();
    file
}

/// Runs `scenario` into a scratch directory: (its directory, `run`'s
/// standard output, `explain`'s).
fn run_and_explain(scenario: &str, name: &str) -> (Scratch, String, String) {
    let out = Scratch::new(&format!("aistack-headline-{name}-out"));
    let run = ok(&["run", scenario, "--out", s(&out)]);
    let explain = ok(&["explain", s(&out)]);
    (
        out,
        String::from_utf8_lossy(&run.stdout).into_owned(),
        String::from_utf8_lossy(&explain.stdout).into_owned(),
    )
}

/// The line of `text` that starts (after its indent) with `label`, without its indent.
fn line<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .map(str::trim_start)
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no `{label}` line in\n{text}"))
}

/// The outcomes of the run in `dir` (`summary.json`).
fn outcomes(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&text).unwrap();
    summary["outcomes"].clone()
}

/// Finding 8: minimal.ron leaves 5.6e4 MWh unserved and cuts nothing from
/// AI loads because its (default) curtailment order sheds households, then
/// industry, before datacenters; the summary says who was shed and in
/// which order, and reversing the order moves the cut to the datacenter.
#[test]
fn the_summary_says_who_the_grid_shed_and_in_which_order() {
    let (dir, run, explain) = run_and_explain(&example("minimal.ron"), "shed");
    let o = outcomes(&dir);
    let get = |k: &str| o[k].as_f64().unwrap_or_else(|| panic!("no {k}"));
    let households = get("energy.unserved_household_mwh_total");
    assert!(households > 0.0, "{o}");
    assert_eq!(get("energy.unserved_datacenter_mwh_total"), 0.0);
    let shed = line(&run, "shed by load class");
    assert!(
        shed.contains(&format!("households {households:.2e} MWh, industry "))
            && shed.ends_with(
                "fabs 0 MWh, datacenters 0 MWh (the scenario's curtailment order: households first, \
                 datacenters last)"
            ),
        "{shed}"
    );
    assert!(
        explain.contains("Energy unserved, whole run: ")
            && explain.contains(&format!("of it households {households:.3e}, industry ")),
        "{explain}"
    );

    let first = minimal_variant(
        "dc-first",
        "\"plants.home-gas.installed_mw\": 1000, \"grid.curtailment_order\": [Datacenter, Fab, Industry, Household]",
        "",
    );
    let (dir, run, _) = run_and_explain(s(&first), "dc-first");
    let o = outcomes(&dir);
    let datacenters = o["energy.unserved_datacenter_mwh_total"].as_f64().unwrap();
    assert!(datacenters > 0.0, "{o}");
    let shed = line(&run, "shed by load class");
    assert!(
        shed.starts_with(&format!(
            "shed by load class     datacenters {datacenters:.2e} MWh, fabs 0 MWh, industry "
        )) && shed.ends_with("(the scenario's curtailment order: datacenters first, households last)"),
        "{shed}"
    );
}
