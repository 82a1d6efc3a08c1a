//! The tutorial's first three console blocks (`docs/tutorial.md`, sections
//! 1–3: validate and run `minimal.ron`, `explain` it, a typo) are the
//! binary's real output: each `$ aistack …` line is run in a scratch copy
//! of the paths it names and its output compared with the lines pasted
//! under it, the run's wall time aside. A change of the model that moves
//! them fails here until the tutorial is updated. (The later blocks run
//! china-2025 batches, too slow for a debug build; `scripts/worked-example.sh`
//! regenerates docs/montecarlo.md's.)

mod common;
use common::{aistack_in, tmp};

const TUTORIAL: &str = include_str!("../../../docs/tutorial.md");
const MINIMAL: &str = include_str!("../../../examples/scenarios/minimal.ron");

/// The fenced blocks of `lang` in `text`, in order.
fn blocks<'a>(text: &'a str, lang: &str) -> Vec<Vec<&'a str>> {
    let mut out = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in text.lines() {
        match current.as_mut() {
            None if line.trim() == format!("```{lang}") => current = Some(Vec::new()),
            Some(_) if line.trim() == "```" => out.push(current.take().unwrap()),
            Some(b) => b.push(line),
            None => {}
        }
    }
    out
}

/// `N.NN s` (a wall time) as `X s`.
fn without_wall_time(text: &str) -> String {
    text.lines()
        .map(|l| match l.find(" events in ") {
            Some(i) => {
                let rest = &l[i + " events in ".len()..];
                let after = rest.find(" s.").map_or(rest, |j| &rest[j..]);
                format!("{} events in X{after}", &l[..i])
            }
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_first_three_console_blocks_are_what_the_binary_prints() {
    let dir = tmp("tutorial", "blocks");
    std::fs::create_dir_all(dir.join("examples/scenarios")).unwrap();
    std::fs::write(dir.join("examples/scenarios/minimal.ron"), MINIMAL).unwrap();
    // Section 3's `typo.ron` is the first RON block after its heading.
    let typo_at = TUTORIAL.find("## 3.").expect("section 3");
    let typo = blocks(&TUTORIAL[typo_at..], "ron")
        .into_iter()
        .next()
        .expect("typo.ron")
        .join("\n");
    std::fs::write(dir.join("typo.ron"), typo + "\n").unwrap();

    let consoles = blocks(TUTORIAL, "console");
    assert!(consoles.len() >= 3, "{} console blocks", consoles.len());
    let mut checked = 0;
    for block in &consoles[..3] {
        let mut i = 0;
        while i < block.len() {
            let command = block[i].strip_prefix("$ aistack ").expect("a command line");
            let mut j = i + 1;
            while j < block.len() && !block[j].starts_with("$ ") {
                j += 1;
            }
            let want = without_wall_time(&block[i + 1..j].join("\n"));
            let args: Vec<&str> = command.split_whitespace().collect();
            let o = aistack_in(&dir, &args);
            let printed = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            let got = without_wall_time(printed.trim_end());
            assert_eq!(
                got, want,
                "`aistack {command}` no longer prints what docs/tutorial.md shows"
            );
            checked += 1;
            i = j;
        }
    }
    assert_eq!(checked, 4, "validate, run, explain, validate typo.ron");
}

/// The count of china-2025's uncertain parameters the tutorial gives is
/// what `validate` counts (review s30-modeler: it said 13 after the
/// fourteenth, the world's algorithmic rate, was added).
#[test]
fn the_tutorial_counts_china_2025s_uncertain_parameters_right() {
    let said = TUTORIAL
        .split("china-2025 has ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .expect("the tutorial says how many uncertain parameters china-2025 has");
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/scenarios/china-2025.ron"
    );
    let o = common::ok(&["validate", scenario]);
    let out = String::from_utf8_lossy(&o.stdout);
    let counted = out
        .split(", ")
        .find_map(|part| part.strip_suffix(" uncertain parameters"))
        .unwrap_or_else(|| panic!("no count in {out}"));
    assert_eq!(
        said, counted,
        "docs/tutorial.md says china-2025 has {said}; validate: {out}"
    );
}
