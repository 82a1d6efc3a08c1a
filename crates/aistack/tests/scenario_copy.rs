//! A batch directory keeps a verbatim copy of its scenario files
//! (`scenario/`), laid out so the copied file's `base:` lines resolve to
//! the copies: the directory alone runs the batch again.

mod common;
use common::{ok, refused, s};
use std::path::Path;

/// A variant in `root/scen/v.ron` of a base in the sibling directory
/// `root/common/base.ron` (minimal.ron with two uncertain parameters).
fn sibling_variant(root: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(root.join("scen")).unwrap();
    std::fs::create_dir_all(root.join("common")).unwrap();
    common::uncertain_minimal(&root.join("common/base.ron"));
    let v = root.join("scen/v.ron");
    std::fs::write(
        &v,
        "// a variant whose base is in a sibling directory\nVariant(base: \"../common/base.ron\", name: \"v\", uncertain: { \"labs.lab.mfu\": Uniform(low: 0.25, high: 0.45) })\n",
    )
    .unwrap();
    v
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

/// The brief's test: a batch, then `aistack batch DIR/scenario/<name>.ron`
/// with the same arguments into a second directory gives byte-identical
/// runs.csv, bands.csv and summary.json and the same scenario hash, for a
/// variant whose base is in a sibling directory; the copies are the files'
/// bytes and the manifest records where they are.
#[test]
fn a_batch_runs_again_from_its_own_copy_of_the_scenario() {
    let root = common::tmp("copy", "again");
    let v = sibling_variant(&root);
    let (a, b) = (root.join("a"), root.join("b"));
    let args = ["--runs", "5", "--seed", "11", "--design", "lhs"];
    let mut first = vec!["batch", s(&v), "--out", s(&a)];
    first.extend_from_slice(&args);
    ok(&first);
    assert_eq!(
        std::fs::read(a.join("scenario/scen/v.ron")).unwrap(),
        std::fs::read(&v).unwrap()
    );
    assert_eq!(
        std::fs::read(a.join("scenario/common/base.ron")).unwrap(),
        std::fs::read(root.join("common/base.ron")).unwrap()
    );
    let m = manifest(&a);
    let copy = &m["scenario_copy"];
    assert_eq!(copy["scenario"], "scenario/scen/v.ron", "{m}");
    let files: Vec<(&str, &str)> = copy["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["hash"].as_str().unwrap()))
        .collect();
    let recorded: Vec<&str> = m["scenario_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["hash"].as_str().unwrap())
        .collect();
    assert_eq!(
        files.iter().map(|f| f.0).collect::<Vec<_>>(),
        ["scenario/scen/v.ron", "scenario/common/base.ron"]
    );
    assert_eq!(files.iter().map(|f| f.1).collect::<Vec<_>>(), recorded);
    // The original files moved away: the copy alone runs the batch again.
    std::fs::rename(root.join("common"), root.join("common-moved")).unwrap();
    let from_copy = a.join("scenario/scen/v.ron");
    let mut again = vec!["batch", s(&from_copy), "--out", s(&b)];
    again.extend_from_slice(&args);
    ok(&again);
    for f in ["runs.csv", "bands.csv", "summary.json"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs"
        );
    }
    assert_eq!(manifest(&b)["scenario_hash"], m["scenario_hash"]);
    // And the second directory's copy is laid out the same way.
    assert_eq!(manifest(&b)["scenario_copy"], m["scenario_copy"]);
}

/// A merge writes the shards' copy once, and refuses shards whose copies
/// differ; an `--out` holding a `scenario/` of the user's is refused before
/// anything is written.
#[test]
fn merge_copies_the_scenario_once_and_a_foreign_scenario_dir_is_refused() {
    let (root, scenario) = common::with_scenario("copy", "merge");
    let shards = common::two_shards(&root, &scenario);
    let merged = root.join("merged");
    ok(&["merge", s(&shards[0]), s(&shards[1]), "--out", s(&merged)]);
    assert_eq!(
        std::fs::read(merged.join("scenario/scenario.ron")).unwrap(),
        std::fs::read(&scenario).unwrap()
    );
    assert_eq!(
        manifest(&merged)["scenario_copy"],
        manifest(&shards[0])["scenario_copy"]
    );
    // A shard whose copy was changed is refused, naming the file.
    let edited = shards[0].join("scenario/scenario.ron");
    let text = std::fs::read_to_string(&edited).unwrap();
    std::fs::write(&edited, format!("{text}// edited\n")).unwrap();
    let err = refused(&[
        "merge",
        s(&shards[0]),
        s(&shards[1]),
        "--out",
        s(&root.join("m2")),
    ]);
    assert!(err.contains("was changed") && err.contains(s(&edited)), "{err}");
    std::fs::write(&edited, text).unwrap();
    // Shards that keep different copies (one started from a renamed file).
    let renamed = root.join("renamed.ron");
    std::fs::copy(&scenario, &renamed).unwrap();
    let odd = root.join("odd1");
    ok(&[
        "batch",
        s(&renamed),
        "--runs",
        "4",
        "--seed",
        "3",
        "--shard",
        "1/2",
        "--out",
        s(&odd),
    ]);
    let err = refused(&["merge", s(&shards[0]), s(&odd), "--out", s(&root.join("m3"))]);
    assert!(err.contains("`scenario_copy` differs"), "{err}");
    // The user's own scenario/ in --out.
    let out = root.join("mine");
    std::fs::create_dir_all(out.join("scenario")).unwrap();
    std::fs::write(out.join("scenario/notes.ron"), "mine").unwrap();
    let err = refused(&["batch", s(&scenario), "--runs", "2", "--out", s(&out)]);
    assert!(err.contains("holds scenario/ but no manifest.json"), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("scenario/notes.ron")).unwrap(),
        "mine"
    );
    assert!(!out.join("manifest.json").exists());
}

/// An eval keeps the copy too, and an absolute `base:` is copied with a
/// note in the manifest (a copy cannot make it resolve without changing
/// the file's hash).
#[test]
fn eval_keeps_the_copy_and_an_absolute_base_is_noted() {
    let (root, scenario) = common::with_scenario("copy", "eval");
    let v = root.join("abs.ron");
    std::fs::write(
        &v,
        format!("Variant(base: \"{}\", name: \"abs\")\n", scenario.display()),
    )
    .unwrap();
    let design = root.join("design.csv");
    std::fs::write(
        &design,
        "labs.lab.mfu,regions.home.demand_avg_mw\n0.3,1000\n0.4,950\n",
    )
    .unwrap();
    let out = root.join("e");
    ok(&["eval", s(&v), "--design", s(&design), "--out", s(&out)]);
    let m = manifest(&out);
    let files = m["scenario_copy"]["files"].as_array().unwrap().clone();
    assert_eq!(files[0]["path"], "scenario/abs.ron", "{m}");
    let abs_copy = format!("scenario/absolute{}", scenario.display());
    assert_eq!(files[1]["path"].as_str().unwrap(), abs_copy);
    assert!(files[0].get("note").is_none());
    assert!(
        files[1]["note"].as_str().unwrap().contains("absolute path"),
        "{m}"
    );
    assert_eq!(
        std::fs::read(out.join(&abs_copy)).unwrap(),
        std::fs::read(&scenario).unwrap()
    );
}

/// A batch whose scenario file was edited since: given that file again,
/// the refusal offers the batch's own copy, and resuming from the copy
/// keeps the manifest's `scenario_path` (the file the batch was started
/// from) and copy.
#[test]
fn an_edited_scenario_points_to_the_batch_s_own_copy() {
    let (root, scenario) = common::with_scenario("copy", "edited");
    let dir = root.join("b");
    ok(&[
        "batch",
        s(&scenario),
        "--runs",
        "3",
        "--seed",
        "2",
        "--out",
        s(&dir),
    ]);
    let before = manifest(&dir);
    std::fs::remove_file(dir.join("runs/run-000000000001.txt")).unwrap();
    let text = std::fs::read_to_string(&scenario).unwrap();
    std::fs::write(&scenario, format!("{text}// edited\n")).unwrap();
    let err = refused(&["batch", s(&scenario), "--resume", s(&dir)]);
    let copy = dir.join("scenario/scenario.ron");
    assert!(
        err.contains(&format!(
            "resume from the batch's own copy of it, `aistack batch {} --resume {}`",
            copy.display(),
            dir.display()
        )),
        "{err}"
    );
    ok(&["batch", s(&copy), "--resume", s(&dir)]);
    let after = manifest(&dir);
    for field in [
        "scenario_path",
        "scenario_files",
        "scenario_copy",
        "scenario_hash",
    ] {
        assert_eq!(after[field], before[field], "{field}");
    }
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), text);
}

/// A finished eval of an older build (its manifest records no copy) whose
/// directory holds a `scenario/` of the user's: resumed to run a lost row,
/// the folder is left as it is, no copy is written or recorded, and the
/// notes say so (as a batch's resume does).
#[test]
fn an_eval_resumed_over_a_users_scenario_folder_leaves_it_alone() {
    let (root, scenario) = common::with_scenario("copy", "eval-old");
    let design = root.join("design.csv");
    std::fs::write(
        &design,
        "labs.lab.mfu,regions.home.demand_avg_mw\n0.3,1000\n0.4,950\n",
    )
    .unwrap();
    let out = root.join("e");
    let args = ["eval", s(&scenario), "--design", s(&design), "--out", s(&out)];
    ok(&args);
    // As an older build left it: no record of a copy, and a folder of the
    // user's where the copy would go; a row lost.
    let mut m = manifest(&out);
    m.as_object_mut().unwrap().remove("scenario_copy");
    std::fs::write(out.join("manifest.json"), serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    std::fs::remove_dir_all(out.join("scenario")).unwrap();
    std::fs::create_dir_all(out.join("scenario")).unwrap();
    std::fs::write(out.join("scenario/mine.txt"), "my notes\n").unwrap();
    std::fs::remove_file(out.join("runs/run-000000000001.txt")).unwrap();
    let mut resume = args.to_vec();
    resume.push("--resume");
    let o = ok(&resume);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        said.contains("that its manifest does not record as the eval's copy of its scenario"),
        "{said}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("scenario/mine.txt")).unwrap(),
        "my notes\n"
    );
    assert!(!out.join("scenario/scenario.ron").exists());
    assert!(manifest(&out).get("scenario_copy").is_none());
    assert!(out.join("runs/run-000000000001.txt").exists());
}

/// `sensitivity` keeps its scenario's copy as a batch does: Sobol' and
/// Morris of one scenario share one `scenario/`, which each record names
/// and which runs again with the originals moved away; a Morris of another
/// scenario into the same directory leaves the copy Sobol' records alone,
/// keeps none and says so; a user's own `scenario/` is never replaced.
#[test]
fn sensitivity_keeps_a_copy_its_record_names_and_never_takes_another_s() {
    let root = common::tmp("copy", "sensitivity");
    let v = sibling_variant(&root);
    let out = root.join("sens");
    let sobol = [
        "sensitivity",
        s(&v),
        "--outcome",
        "training.largest_run_flop",
        "--runs",
        "8",
        "--seed",
        "3",
        "--out",
        s(&out),
    ];
    ok(&sobol);
    let record = |name: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(out.join(name)).unwrap()).unwrap()
    };
    assert_eq!(
        record("sobol.json")["scenario_copy"]["scenario"],
        "scenario/scen/v.ron"
    );
    assert_eq!(
        std::fs::read(out.join("scenario/common/base.ron")).unwrap(),
        std::fs::read(root.join("common/base.ron")).unwrap()
    );
    let morris = |scenario: &Path| {
        ok(&[
            "sensitivity",
            s(scenario),
            "--method",
            "morris",
            "--outcome",
            "training.largest_run_flop",
            "--trajectories",
            "2",
            "--out",
            s(&out),
        ])
    };
    // The same scenario: Morris shares the copy.
    morris(&v);
    assert_eq!(
        record("morris.json")["scenario_copy"],
        record("sobol.json")["scenario_copy"]
    );
    // Run again from the copy, the originals moved away: the same table.
    std::fs::rename(root.join("common"), root.join("common-moved")).unwrap();
    let again = root.join("again");
    let mut from_copy = sobol;
    let copied = out.join("scenario/scen/v.ron");
    from_copy[1] = s(&copied);
    from_copy[9] = s(&again);
    ok(&from_copy);
    assert_eq!(
        std::fs::read(out.join("sobol.csv")).unwrap(),
        std::fs::read(again.join("sobol.csv")).unwrap()
    );
    // Another scenario: the copy sobol.json records stays, morris.json keeps none.
    let before = std::fs::read(out.join("scenario/scen/v.ron")).unwrap();
    let other = root.join("other.ron");
    common::uncertain_minimal(&other);
    let o = morris(&other);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("keeps no copy") && err.contains("sobol.json"),
        "{err}"
    );
    assert!(record("morris.json").get("scenario_copy").is_none());
    assert_eq!(std::fs::read(out.join("scenario/scen/v.ron")).unwrap(), before);
    // A user's own folder in a fresh directory is left alone.
    let mine = root.join("mine");
    std::fs::create_dir_all(mine.join("scenario")).unwrap();
    std::fs::write(mine.join("scenario/notes.txt"), "mine").unwrap();
    let o = ok(&[
        "sensitivity",
        s(&other),
        "--outcome",
        "training.largest_run_flop",
        "--runs",
        "8",
        "--out",
        s(&mine),
    ]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("keeps no copy"));
    assert_eq!(std::fs::read(mine.join("scenario/notes.txt")).unwrap(), b"mine");
    assert!(!mine.join("scenario/other.ron").exists());
}
