//! `docs/scenarios.md` and the JSON Schema are generated from the code; these
//! tests fail when the committed reference is stale, when a field has no
//! description, or when a description states a default the code does not
//! apply. Regenerate the reference with
//! `AISTACK_BLESS=1 cargo test -p aistack-stack --test reference`.

use serde_json::Value;
use stack::reference;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn docs_scenarios_md_is_generated_from_the_code() {
    let path = repo().join("docs/scenarios.md");
    let fresh = reference::scenarios_markdown();
    if std::env::var_os("AISTACK_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != fresh {
        let line = committed
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || committed.lines().count().min(fresh.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "docs/scenarios.md is out of date with the scenario types (first difference at line {line}).\n\
             Regenerate it with:\n\n    AISTACK_BLESS=1 cargo test -p aistack-stack --test reference\n"
        );
    }
}

#[test]
fn every_field_is_documented() {
    let missing = reference::undocumented();
    assert!(
        missing.is_empty(),
        "these fields, types or variants of the scenario format have no doc comment \
         (add a `///` line in crates/stack/src/scenario.rs or schema/*.rs):\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn stated_defaults_match_the_code() {
    let wrong = reference::stated_default_mismatches();
    assert!(
        wrong.is_empty(),
        "these doc comments state a default the code does not apply:\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn every_struct_has_a_declared_field_order() {
    let orders = reference::field_orders();
    let mut missing = Vec::new();
    for root in [reference::scenario_schema(), reference::variant_schema()] {
        for (name, def) in root["$defs"].as_object().unwrap() {
            if def.get("properties").is_some() && !orders.iter().any(|(n, _)| n == name) {
                missing.push(name.clone());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "add `fields_of::<…Data>()` for these structs to `field_orders` in crates/stack/src/reference.rs: {missing:?}"
    );
    // And the declared fields are the schema's fields.
    let scenario = reference::scenario_schema();
    for (name, fields) in orders {
        let def = if name == "Scenario" {
            &scenario
        } else if name == "Variant" {
            continue;
        } else {
            &scenario["$defs"][name]
        };
        let mut declared: Vec<&str> = fields.to_vec();
        let mut in_schema: Vec<&str> = def["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{name} is not in the schema"))
            .keys()
            .map(String::as_str)
            .collect();
        declared.sort_unstable();
        in_schema.sort_unstable();
        assert_eq!(declared, in_schema, "{name}");
    }
}

#[test]
fn every_reference_in_the_schema_resolves() {
    for root in [reference::scenario_schema(), reference::variant_schema()] {
        let text = root.to_string();
        for part in text.split("\"$ref\":\"#/$defs/").skip(1) {
            let name = part.split('"').next().unwrap();
            assert!(root["$defs"].get(name).is_some(), "dangling $ref {name}");
        }
        assert_eq!(root["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert_eq!(root["additionalProperties"], false);
    }
}

/// The hand-written schema of `Dist` lists exactly `Dist`'s variants and
/// each variant's fields (read from the loader's own error messages).
#[test]
fn dist_schema_matches_dist() {
    let schema = reference::scenario_schema();
    let variants = schema["$defs"]["Dist"]["oneOf"].as_array().unwrap();
    let in_schema: Vec<(String, Vec<String>)> = variants
        .iter()
        .map(|v| {
            let (tag, inner) = v["properties"].as_object().unwrap().iter().next().unwrap();
            let mut fields: Vec<String> = inner["properties"].as_object().unwrap().keys().cloned().collect();
            fields.sort();
            (tag.clone(), fields)
        })
        .collect();
    let expected_list = |e: ron::error::SpannedError| -> Vec<String> {
        match e.code {
            ron::Error::NoSuchEnumVariant { expected, .. }
            | ron::Error::NoSuchStructField { expected, .. } => {
                expected.iter().map(|s| s.to_string()).collect()
            }
            other => panic!("unexpected error {other:?}"),
        }
    };
    let tags = expected_list(ron::from_str::<scheduler::Dist>("NoSuchDistribution(x: 0)").unwrap_err());
    let schema_tags: Vec<String> = in_schema.iter().map(|(t, _)| t.clone()).collect();
    assert_eq!(tags, schema_tags, "Dist variants vs DistSchema in reference.rs");
    for (tag, fields) in &in_schema {
        let mut real =
            expected_list(ron::from_str::<scheduler::Dist>(&format!("{tag}(no_such_field: 0)")).unwrap_err());
        real.sort();
        assert_eq!(
            &real, fields,
            "fields of Dist::{tag} vs DistSchema in reference.rs"
        );
    }
}

/// The variant example in the reference loads against the real baseline.
#[test]
fn the_reference_examples_load() {
    let md = reference::scenarios_markdown();
    let mut checked = 0;
    for block in md.split("```ron\n").skip(1) {
        let code = block.split("```").next().unwrap();
        if code.starts_with("Variant(") {
            let name = repo().join("examples/scenarios/reference-example.ron");
            if let Err(e) = stack::Scenario::from_text(&name, code) {
                panic!("the variant example in docs/scenarios.md does not load: {e}\n{code}");
            }
            checked += 1;
        }
        if code.starts_with("uncertain:") {
            let base = repo().join("examples/scenarios/china-2025.ron");
            let text = format!("Variant(base: {:?}, {code})", base.display().to_string());
            if let Err(e) = stack::Scenario::from_text(&base.with_file_name("x.ron"), &text) {
                panic!("the `uncertain` example in docs/scenarios.md does not load: {e}\n{code}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 2);
}

#[test]
fn units_are_read_from_field_names() {
    assert_eq!(reference::unit_of("installed_mw"), "MW");
    assert_eq!(reference::unit_of("storage_mwh"), "MWh");
    assert_eq!(reference::unit_of("marginal_cost_usd_per_mwh"), "USD/MWh");
    assert_eq!(reference::unit_of("peak_flop_s"), "FLOP/s");
    assert_eq!(reference::unit_of("power_w"), "W");
    assert_eq!(reference::unit_of("days"), "days");
    assert_eq!(reference::unit_of("name"), "");
    assert_eq!(reference::unit_of("overhead_w_per_chip"), "W/chip");
    // A multiplier, not a fraction like a region's demand growth (training
    // audit s34, F5): 3 is ×3 a year.
    assert_eq!(reference::unit_of("compute_growth_per_year"), "×/yr");
    assert_eq!(
        reference::unit_of("labs.bytedance.compute_growth_per_year"),
        "×/yr"
    );
    assert_eq!(reference::unit_of("demand_growth_per_year"), "fraction/yr");
    assert_eq!(
        reference::unit_of("regions.north.demand_growth_per_year"),
        "fraction/yr"
    );
}

#[test]
fn schema_describes_defaults_and_ranges() {
    let s = reference::scenario_schema();
    let region = &s["$defs"]["Region"]["properties"];
    assert_eq!(region["household_share"]["default"], Value::from(0.3));
    assert_eq!(s["$defs"]["Fraction"]["maximum"], Value::from(1));
    assert_eq!(s["properties"]["seed"]["default"], Value::from(1));
    let v = reference::variant_schema();
    assert!(v["required"].as_array().unwrap().contains(&Value::from("base")));
}

/// The Markdown files whose links [`doc_links_and_paths_resolve`] checks:
/// README.md, benches/README.md and every `.md` under docs/.
fn markdown_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "md") {
                out.push(p);
            }
        }
    }
    let mut files = vec![repo().join("README.md"), repo().join("benches/README.md")];
    walk(&repo().join("docs"), &mut files);
    files
}

/// The lines of a Markdown text outside fenced code blocks, with their
/// 1-based numbers.
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            fenced = !fenced;
        } else if !fenced {
            out.push((i + 1, line));
        }
    }
    out
}

/// The anchors GitHub gives a Markdown file's headings: lower case, every
/// character but letters, digits, `_`, `-` and spaces dropped, spaces as
/// `-`, and `-1`, `-2`, … after a repeated heading.
fn heading_anchors(text: &str) -> std::collections::HashSet<String> {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    let mut anchors = std::collections::HashSet::new();
    for (_, line) in prose_lines(text) {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        let Some(title) = line[hashes..].strip_prefix(' ') else {
            continue;
        };
        if !(1..=6).contains(&hashes) {
            continue;
        }
        let slug: String = title
            .trim()
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '_' || c == '-' => Some(c),
                _ => None,
            })
            .collect();
        let n = seen.entry(slug.clone()).or_insert(0);
        anchors.insert(if *n == 0 {
            slug.clone()
        } else {
            format!("{slug}-{n}")
        });
        *n += 1;
    }
    anchors
}

/// Where `target` (a link's destination, without its `#anchor`) breaks, if
/// it does: a missing file, or an anchor that is no heading of the file.
fn broken_link(from: &Path, target: &str) -> Option<String> {
    let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
    let file = if path.is_empty() {
        from.to_path_buf()
    } else {
        from.parent().unwrap().join(path)
    };
    if !file.exists() {
        let shown = file.strip_prefix(repo()).unwrap_or(&file).display().to_string();
        return Some(format!("`{target}`: no file {shown}"));
    }
    let is_markdown = file.extension().is_some_and(|x| x == "md");
    if anchor.is_empty() || !is_markdown {
        return None;
    }
    let text = std::fs::read_to_string(&file).unwrap();
    let shown = file.strip_prefix(repo()).unwrap_or(&file).display().to_string();
    (!heading_anchors(&text).contains(anchor))
        .then(|| format!("`{target}`: no heading with anchor #{anchor} in {shown}"))
}

/// Every relative link (`](path)`, `](path#anchor)`, `](#anchor)`) in the
/// README files and docs/ resolves to a file, and its anchor to a heading of
/// that file; every repository path the prose names (`docs/…`, `crates/…`,
/// `scripts/…`, `examples/…`, `benches/…`) exists. Reordering a document
/// renames its headings, and these references would break without a word.
#[test]
fn doc_links_and_paths_resolve() {
    const ROOTS: [&str; 5] = ["docs/", "crates/", "scripts/", "examples/", "benches/"];
    let mut broken = Vec::new();
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.strip_prefix(repo()).unwrap_or(&file).display().to_string();
        for (n, line) in prose_lines(&text) {
            // Links: `](` up to the closing parenthesis (a title after a space is dropped).
            let mut rest = line;
            while let Some(i) = rest.find("](") {
                rest = &rest[i + 2..];
                let end = rest.find(')').unwrap_or(rest.len());
                let target = rest[..end].split(' ').next().unwrap_or("");
                let external = target.contains("://") || target.starts_with("mailto:");
                if !target.is_empty()
                    && !external
                    && let Some(why) = broken_link(&file, target)
                {
                    broken.push(format!("{name}:{n}: {why}"));
                }
                rest = &rest[end..];
            }
            // Repository paths named in the prose, e.g. `crates/stack/src/world.rs`.
            for root in ROOTS {
                for (i, _) in line.match_indices(root) {
                    let before = line[..i].chars().next_back();
                    if before.is_some_and(|c| c.is_alphanumeric() || "/._-".contains(c)) {
                        continue;
                    }
                    let len = line[i..]
                        .find(|c: char| !(c.is_alphanumeric() || "._/-".contains(c)))
                        .unwrap_or(line.len() - i);
                    let path = line[i..i + len].trim_end_matches(['.', '/', '-']);
                    if !repo().join(path).exists() {
                        broken.push(format!("{name}:{n}: `{path}` does not exist"));
                    }
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "broken references in the docs:\n  {}",
        broken.join("\n  ")
    );
}

#[test]
fn heading_anchors_follow_github() {
    let anchors = heading_anchors(
        "# Monte Carlo batches\n## A design of your own (`eval`)\n### 1,000 runs: 157.8 s → 60 s?\n\
         ```\n# not a heading\n```\n## Notes\n## Notes\n",
    );
    let mut got: Vec<_> = anchors.into_iter().collect();
    got.sort();
    assert_eq!(
        got,
        [
            "1000-runs-1578-s--60-s",
            "a-design-of-your-own-eval",
            "monte-carlo-batches",
            "notes",
            "notes-1"
        ]
    );
}

/// The variant example in the reference changes the run it describes (audit
/// s13-thesis F6: the example banned HBM imports that china-2025 does not
/// have, and changed nothing by it): at the scenario's seed the earlier H20
/// ban leaves no H20 imported, and the stockpile's low end (HBM binds)
/// leaves fewer accelerators assembled at home.
#[test]
fn the_reference_variant_example_changes_the_run() {
    use stack::{RunOptions, Scenario, run};
    let md = reference::scenarios_markdown();
    let code = md
        .split("```ron\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .find(|c| c.starts_with("Variant("))
        .expect("a variant example");
    let dir = repo().join("examples/scenarios");
    let example = Scenario::from_text(&dir.join("reference-example.ron"), code).expect("the example loads");
    let base = Scenario::load(&dir.join("china-2025.ron")).expect("the base loads");
    let (base, example) = (
        run(&base, &RunOptions::default()).expect("the base runs"),
        run(&example, &RunOptions::default()).expect("the example runs"),
    );
    let scalar = |out: &stack::RunOutput, key: &str| {
        out.scalars
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("no {key}"))
    };
    let imported = scalar(&base, "fab.accelerators_imported_total");
    assert!(imported > 1e5, "the base imports {imported} H20");
    assert_eq!(scalar(&example, "fab.accelerators_imported_total"), 0.0);
    let (b, e) = (
        scalar(&base, "fab.accelerators_built_total"),
        scalar(&example, "fab.accelerators_built_total"),
    );
    assert!(e < b - 1e4, "built at home: example {e}, base {b}");
}

/// A whole-number default is shown as it must be written: `max_events`
/// read `2e8`, which the field refuses (s17 audit #7).
#[test]
fn a_whole_number_default_is_shown_as_a_whole_number() {
    let md = reference::scenarios_markdown();
    let row = md
        .lines()
        .find(|l| l.starts_with("| `max_events` |"))
        .expect("a `max_events` row");
    assert!(row.contains("| `200000000` |"), "{row}");
}
