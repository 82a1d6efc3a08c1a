//! Reading scenario files: RON parsing with positions and field paths,
//! `base:` composition, and parameter paths applied to a scenario tree.
//!
//! A file is either a complete scenario or a *variant*: a file that names a
//! `base` (resolved relative to itself) and lists only what differs: `set`
//! (any field's value by path), `uncertain` (distributions by
//! parameter path), `add` (entities that replace the base's entity of the
//! same kind and name, or are appended) and `remove` (entities by
//! `kind.name`). Variants may stack (a variant of a variant); a cycle is an
//! error.

use crate::error::{ScenarioError, did_you_mean};
use crate::scenario::{ScenarioData, VariantData};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Deepest chain of `base:` files followed before giving up.
pub const MAX_BASE_DEPTH: usize = 16;
/// Largest scenario file read, in bytes (a larger one is refused, not read).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// One file that went into a scenario, with its text (kept for error
/// positions and for the scenario's identity hash).
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path as given (or `<embedded:NAME>`).
    pub path: PathBuf,
    /// The file's text.
    pub text: String,
}

/// A file's text as the scenario's identity counts it: CRLF line ends read
/// as LF (a checkout by Git for Windows, a Windows editor), as a UTF-8 BOM is
/// already stripped when the file is read; everything else counts, comments
/// and whitespace included. LF text is returned as it is (borrowed).
pub fn identity_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains("\r\n") {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Hash of an identity (FNV-1a 64 over the bytes, with their length; detects
/// accidental changes, not tampering) as manifests write it:
/// `fnv1a64:<16 hex digits>:<length>`.
pub fn identity_hash(bytes: &[u8]) -> String {
    format!("fnv1a64:{:016x}:{}", scheduler::rng::fnv1a64(bytes), bytes.len())
}

/// Parses `text` as RON into `T`; errors carry the file, line, column,
/// field path and a suggestion for misspelt fields and variants.
///
/// An optional field takes a plain value (`capacity_factor: 0.2`), as
/// docs/scenarios.md says; `Some(0.2)`, which ron takes as well, is refused
/// (audit s30: it was accepted by a field without a default and refused by
/// one with a default, `storage_mw: Some(5)`).
pub fn parse_ron<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T, ScenarioError> {
    let value = parse_ron_value::<T>(file, text)?;
    if let Some(at) = first_some(text) {
        return Err(written_some::<T>(file, text, at));
    }
    Ok(value)
}

/// The options scenario files are read with: optional fields take a plain
/// value, `capacity_factor: 0.2` (a `Some(0.2)` is refused by [`parse_ron`]).
fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

/// [`parse_ron`] without its refusal of `Some(…)` (for a generic value).
fn parse_ron_value<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T, ScenarioError> {
    let mut de = match ron::Deserializer::from_str_with_options(text, &ron_options()) {
        Ok(de) => de,
        Err(e) => return Err(spanned(file, "", e, text)),
    };
    let value = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => v,
        Err(e) => {
            let path = error_path(&e);
            let inner = e.into_inner();
            return Err(spanned(file, &path, de.span_error(inner), text));
        }
    };
    if let Err(e) = de.end() {
        return Err(spanned(file, "", de.span_error(e), text));
    }
    Ok(value)
}

/// The field path of a deserialization error, empty if none is known.
fn error_path(e: &serde_path_to_error::Error<ron::Error>) -> String {
    let path = e.path().to_string();
    // `?` is serde_path_to_error's unknown segment (a syntax error
    // between fields): name the enclosing field if known, else none.
    let path = path.trim_end_matches(".?");
    if path == "." || path == "?" { "" } else { path }.to_string()
}

/// Byte offset of the first `Some(` written in `text` as code (not in a
/// string or comment).
fn first_some(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    code_bytes(text, 0)
        .find(|&(i, b)| {
            b == b'S'
                && text[i..].starts_with("Some")
                && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'))
                && text[i + 4..].trim_start().starts_with('(')
        })
        .map(|(i, _)| i)
}

/// The error for the `Some(…)` written at byte `at` of `text` (which parses
/// as `T`): at its line and column, naming its field, found by reading the
/// text again with that `Some` made unreadable.
fn written_some<T: DeserializeOwned>(file: &Path, text: &str, at: usize) -> ScenarioError {
    let mut probe = text.to_string();
    probe.replace_range(at..at + 1, "@");
    let path = ron::Deserializer::from_str_with_options(&probe, &ron_options())
        .ok()
        .and_then(|mut de| serde_path_to_error::deserialize::<_, T>(&mut de).err())
        .map(|e| error_path(&e))
        .unwrap_or_default();
    let (line, col) = position_of(text, at);
    let message = match some_value(text, line, col) {
        Some(v) => format!("an optional field takes the value itself: write `{v}`, not `Some({v})`"),
        None => "an optional field takes the value itself, without `Some(…)` around it".to_string(),
    };
    ScenarioError::new(file, path, message).at(line, col)
}

fn spanned(file: &Path, path: &str, e: ron::error::SpannedError, text: &str) -> ScenarioError {
    use ron::Error as E;
    let mut message = plain_words(&e.code.to_string());
    // A field written twice or missing: named as every other error names
    // its field, `field `horizon_years`: …`, in plain words (ron's
    // "Unexpected duplicate field named `horizon_years` in `Scenario`";
    // review s26-modeler, F11).
    if let E::DuplicateStructField { field, .. } | E::MissingStructField { field, .. } = &e.code
        && !field.is_empty()
    {
        let field_path = if path.is_empty() || path == *field {
            field.to_string()
        } else if path.ends_with(&format!(".{field}")) {
            path.to_string()
        } else {
            format!("{path}.{field}")
        };
        let (message, hint) = if matches!(e.code, E::DuplicateStructField { .. }) {
            ("written twice; keep one of the two".to_string(), None)
        } else {
            (
                "missing; it has no default, so it must be written".to_string(),
                crate::reference::describe_at(&field_path)
                    .map(|d| format!("write `{field}: …`, which holds {d}")),
            )
        };
        let mut err = ScenarioError::new(file, field_path, message).at(e.span.start.line, e.span.start.col);
        err.hint = hint;
        return err;
    }
    // What the schema says the field at `path` holds, for the arms below
    // (looked up here, since a match guard that binds needs Rust 1.95).
    let (expected, described) = if path.is_empty() {
        (None, None)
    } else {
        (
            crate::reference::expected_at(path),
            crate::reference::describe_at(path),
        )
    };
    // `hbm_stacks: 6.5`: ron reads the whole part, then wants a comma.
    if matches!(e.code, E::ExpectedComma | E::InvalidIntegerDigit { .. })
        && let Some(err) = fraction_in_whole_number(file, path, text, e.span.start.line, e.span.start.col)
    {
        return err;
    }
    // `storage_mw: Some(5)`: what to write instead (review s26-modeler, F11).
    let mut some_hint = None;
    // A path point's value is named by its point (`…_per_year[0]`).
    let mut point_path = None;
    let parameters_form = match &expected {
        Some(crate::reference::Expected::Parameters(f)) => Some(f.as_str()),
        _ => None,
    };
    match &e.code {
        E::Eof if path.is_empty() && is_blank(text) => {
            message.push_str(": the file holds no scenario; expected `Scenario(…)` or `Variant(…)`");
        }
        E::ExpectedDifferentStructName { expected, found }
            if *expected == "Variant" && found == "Scenario" =>
        {
            message = "a file with `base:` is a variant of its base and must be written \
                       `Variant(base: \"…\", …)`, not `Scenario(base: …)`"
                .into();
        }
        E::ExpectedDifferentStructName { expected, found }
            if *expected == "Scenario" && found == "Variant" =>
        {
            message = "a `Variant(…)` names the file it varies: write `Variant(base: \"file.ron\", …)`, \
                       or `Scenario(…)` for a complete scenario"
                .into();
        }
        // A name was expected (a distribution's kind, an enum's variant, a
        // kind's parameter) and the file wrote a number, a string or a map:
        // ron says "invalid std identifier" or "Expected identifier".
        E::SuggestRawIdentifier(_) | E::ExpectedIdentifier if !path.is_empty() => {
            let found = token_at(text, e.span.start.line, e.span.start.col);
            if let Some(x) = &expected {
                message = name_expected(x, &found);
            } else if let Some(wanted) = &described {
                message = format!("expected {wanted}, found {}", found_words(&found));
            }
        }
        // ron's own words advise its library's users (`try increasing
        // ron::Options::recursion_limit`), which a scenario's author is not.
        E::ExceededRecursionLimit => {
            message = "nested too deeply: more than 128 brackets, parentheses or distributions \
                       inside each other, far more than any scenario needs"
                .into();
        }
        // A kind that takes parameters written without them (`Subsidy`).
        E::ExpectedStructLike | E::ExpectedNamedStructLike(_) if parameters_form.is_some() => {
            let form = parameters_form.unwrap_or_default();
            let kind = path.rsplit('.').next().unwrap_or(path);
            message = format!("`{kind}` takes parameters, named in parentheses: `{form}`");
        }
        // `[("2025-01-01", "0.05")]`: a path point's value, written as a
        // string (it gave ron's "Expected float": audit s30).
        E::ExpectedFloat | E::ExpectedInteger if described.is_none() && path_point_value(path).is_some() => {
            let found = token_at(text, e.span.start.line, e.span.start.col);
            let unquoted = found.trim_matches('"');
            let quoted = found.starts_with('"') && unquoted.parse::<f64>().is_ok();
            point_path = path.strip_suffix("[1]");
            message = format!(
                "expected a number as the value of a path point `(\"YYYY-MM-DD\", value)`, found {}{}",
                found_words(&found),
                if quoted {
                    format!(" (without quotes: `{unquoted}`)")
                } else {
                    String::new()
                }
            );
        }
        // A value of the wrong type: what the field holds, and what was found.
        E::ExpectedBoolean
        | E::ExpectedFloat
        | E::ExpectedInteger
        | E::IntegerOutOfBounds
        | E::ExpectedString
        | E::ExpectedArray
        | E::ExpectedStructLike
            if described.is_some() =>
        {
            let wanted = described.unwrap_or_default();
            let mut found = token_at(text, e.span.start.line, e.span.start.col);
            // ron points past the sign of an integer out of range (`-1`).
            if matches!(e.code, E::IntegerOutOfBounds)
                && e.span.start.col > 1
                && token_at(text, e.span.start.line, e.span.start.col - 1).starts_with('-')
            {
                found.insert(0, '-');
            }
            let unquoted = found.trim_matches('"');
            let quoted = found.starts_with('"')
                && (unquoted.parse::<f64>().is_ok() || matches!(unquoted, "true" | "false"));
            message = format!(
                "expected {wanted}, found {}{}",
                found_words(&found),
                if quoted {
                    format!(" (without quotes: `{unquoted}`)")
                } else {
                    String::new()
                }
            );
            some_hint = some_value(text, e.span.start.line, e.span.start.col)
                .map(|v| format!("an optional field takes the value itself: write `{v}`, not `Some({v})`"));
        }
        // `uncertain: [("p", …)]` or `uncertain: {p: …}`: say how a map is written.
        E::ExpectedMap | E::ExpectedMapColon if !path.is_empty() && crate::reference::is_map_at(path) => {
            let example = match path {
                "set" => "`set: { \"labs.lab.mfu\": 0.45 }`",
                _ => "`uncertain: { \"labs.lab.mfu\": Uniform(low: 0.3, high: 0.5) }`",
            };
            let found = token_at(text, e.span.start.line, e.span.start.col);
            message = if matches!(e.code, E::ExpectedMap) {
                format!("`{path}` is a map, written in braces: {example}; found `{found}`")
            } else {
                format!(
                    "`{path}` is a map whose keys are parameter paths in double quotes, each \
                     followed by `:` and its value: {example}"
                )
            };
        }
        _ => {}
    }
    // With no near name, the list of what is expected, unless the message
    // already gives it (the hint repeated ron's list word for word: audit
    // s23-repro, F10).
    let listed = |expected: &[&str]| expected.iter().all(|n| message.contains(&format!("`{n}`")));
    let hint = match &e.code {
        E::NoSuchStructField { expected, found, .. } => did_you_mean(found, expected.iter().copied())
            .map(|s| format!("did you mean `{s}`?"))
            .or_else(|| (!listed(expected)).then(|| format!("expected one of: {}", expected.join(", ")))),
        E::NoSuchEnumVariant { expected, found, .. } => did_you_mean(found, expected.iter().copied())
            .map(|s| format!("did you mean `{s}`?"))
            .or_else(|| (!listed(expected)).then(|| format!("expected one of: {}", expected.join(", ")))),
        _ => None,
    }
    .or(some_hint);
    let (mut line, mut col) = (e.span.start.line, e.span.start.col);
    // A map key given twice: at the second key, as written.
    if message.contains(crate::scenario::DUPLICATE_KEY)
        && let Some(key) = message.split('`').nth(1)
        && let Some(o) = second_map_key(text, path, key)
    {
        (line, col) = position_of(text, o);
    }
    let path = point_path.unwrap_or(path);
    // So deep a value's path (`regions[0][0][0]…`, 128 levels) is cut.
    let shown: String;
    let path = if matches!(e.code, E::ExceededRecursionLimit) && path.chars().count() > 64 {
        shown = format!("{}…", path.chars().take(64).collect::<String>());
        shown.as_str()
    } else {
        path
    };
    let mut err = ScenarioError::new(file, path, message).at(line, col);
    err.hint = hint;
    err
}

/// The field of a path over dates whose point value `path` names
/// (`regions[0].demand_growth_per_year[0][1]`, or `….step[0][1]`), if it
/// names one.
fn path_point_value(path: &str) -> Option<&str> {
    let point = path.strip_suffix("[1]")?;
    let (field, index) = point.strip_suffix(']')?.rsplit_once('[')?;
    if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let field = field
        .strip_suffix(".step")
        .or_else(|| field.strip_suffix(".linear"))
        .unwrap_or(field);
    crate::reference::describe_at(field)
        .is_some_and(|d| d.starts_with("a number or path"))
        .then_some(field)
}

/// Byte offset of the second `"key":` written after the field `map:` (the
/// last segment of `path`) in `text`.
fn second_map_key(text: &str, path: &str, key: &str) -> Option<usize> {
    let from = find_key(text, path.rsplit('.').next()?)?;
    let quoted = format!("\"{key}\"");
    let first = from + find_key(&text[from..], &quoted)?;
    let after = first + quoted.len();
    Some(after + find_key(&text[after..], &quoted)?)
}

/// The error for a number with a fraction or an exponent (`6.5`, `1e3`)
/// written for a whole-number field (`hbm_stacks`, `chip_priority`,
/// `seed`), which ron reports as a missing comma at 1-based `line`, `col`
/// (the `.` or `e` after the whole part) or as an invalid digit (at the
/// number): the field, what it holds, and the
/// number, at the number's place. `None` when the error is no such case.
fn fraction_in_whole_number(
    file: &Path,
    path: &str,
    text: &str,
    line: usize,
    col: usize,
) -> Option<ScenarioError> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let at = line_start
        + text[line_start..]
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(text.len() - line_start, |(i, _)| i);
    // ron points at the `.` (a missing comma) or at the number (an
    // invalid digit): the whole part ends at the first non-digit.
    let at = at + text[at..].len() - text[at..].trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if !text[at..].starts_with(['.', 'e', 'E']) {
        return None;
    }
    let before = &text[..at];
    let digits = before.len() - before.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    let start = before.len() - digits;
    let start = if before[..start].ends_with(['-', '+']) {
        start - 1
    } else {
        start
    };
    let key_end = before[..start].trim_end().strip_suffix(':')?.trim_end();
    let key = &key_end[key_end
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1)..];
    if key.is_empty() {
        return None;
    }
    // Inside the field (an invalid digit) the path already ends with it.
    let field = if path.is_empty() {
        key.to_string()
    } else if path.rsplit('.').next() == Some(key) {
        path.to_string()
    } else {
        format!("{path}.{key}")
    };
    let wanted = crate::reference::describe_at(&field)?;
    if !wanted.starts_with("a whole number") {
        return None;
    }
    let number: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
        .collect();
    let (l, c) = position_of(text, start);
    let (least, most) = crate::reference::whole_number_bounds_at(&field).unwrap_or((0.0, u64::MAX as f64));
    let mut err = ScenarioError::new(
        file,
        field,
        format!("expected {wanted}, found the number `{number}`"),
    )
    .at(l, c);
    if let Ok(v) = number.parse::<f64>()
        && v.is_finite()
    {
        // 2⁶⁴ rounds to `u64::MAX as f64`: a value there does not fit either.
        let fits = |x: f64| x >= least && x <= most && x < 18_446_744_073_709_551_616.0;
        let (lo, hi) = (v.floor(), v.ceil());
        let exponent = number.contains(['e', 'E']);
        err = err.hint(if !fits(lo) && !fits(hi) {
            let most = if most >= u64::MAX as f64 {
                u64::MAX.to_string()
            } else {
                format!("{most:.0}")
            };
            format!(
                "`{number}` is outside the field's range; it takes whole numbers from {least:.0} to {most}"
            )
        } else if lo == hi && exponent {
            format!("the field counts whole units: write it without an exponent, `{lo:.0}`")
        } else if lo == hi {
            format!("the field counts whole units: write it without a fraction, `{lo:.0}`")
        } else if !fits(lo) || !fits(hi) {
            let near = if fits(lo) { lo } else { hi };
            format!("the field counts whole units and takes no fraction: write e.g. `{near:.0}`")
        } else {
            format!("the field counts whole units and takes no fraction: write e.g. `{lo:.0}` or `{hi:.0}`")
        });
    }
    Some(err)
}

/// The token that starts at 1-based `line`, `col` of `text`, as written
/// (`0.4`, `"Uniform"`, `{`), for messages; empty at the end of the text.
fn token_at(text: &str, line: usize, col: usize) -> String {
    let rest: String = text
        .lines()
        .nth(line.saturating_sub(1))
        .unwrap_or("")
        .chars()
        .skip(col.saturating_sub(1))
        .collect();
    let rest = rest.trim_start();
    if let Some(s) = rest.strip_prefix('"') {
        return match s.find('"') {
            Some(end) => format!("\"{}\"", &s[..end]),
            None => rest.to_string(),
        };
    }
    match rest.chars().next() {
        Some(c @ ('{' | '[' | '(')) => c.to_string(),
        _ => rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '+' | '_'))
            .collect(),
    }
}

/// The value `v` of a `Some(v)` written at 1-based `line`, `col` of
/// `text` (on that line, to its matching parenthesis), trimmed; `None` if
/// no `Some(` starts there.
fn some_value(text: &str, line: usize, col: usize) -> Option<String> {
    let rest: String = text
        .lines()
        .nth(line.saturating_sub(1))?
        .chars()
        .skip(col.saturating_sub(1))
        .collect();
    let inner = rest
        .trim_start()
        .strip_prefix("Some")?
        .trim_start()
        .strip_prefix('(')?;
    let mut depth = 0usize;
    for (i, c) in inner.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' if depth == 0 => {
                let v = inner[..i].trim();
                return (!v.is_empty()).then(|| v.to_string());
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// What [`token_at`] found, in words: `the number `0.4``, `a map `{…}``.
fn found_words(found: &str) -> String {
    match found {
        "" => "nothing".to_string(),
        "{" => "a map `{…}`".to_string(),
        "[" => "a list `[…]`".to_string(),
        "(" => "`(…)`".to_string(),
        f if f.starts_with('"') => format!("the string `{f}`"),
        f if f.parse::<f64>().is_ok() => format!("the number `{f}`"),
        f => format!("`{f}`"),
    }
}

/// A scenario author's message for a name expected where the file wrote
/// `found`: what to write instead, with the forms the field takes.
fn name_expected(expected: &crate::reference::Expected, found: &str) -> String {
    use crate::reference::Expected as X;
    let what = found_words(found);
    let unquoted = found.trim_matches('"');
    match expected {
        X::Distribution(forms) => {
            let fixed = if found.parse::<f64>().is_ok() {
                format!("`Const(value: {found})` for a fixed value, or ")
            } else {
                String::new()
            };
            let named = without_quotes(forms, unquoted);
            format!(
                "expected a distribution, found {what}{named}: a distribution is written as its kind \
                 with its parameters named in parentheses, e.g. {fixed}`Uniform(low: 0.3, high: 0.5)`; \
                 the kinds: {}",
                code_list(forms)
            )
        }
        X::Parameters(form) => {
            format!("expected a parameter name, found {what}: parameters are written by name, `{form}`")
        }
        X::OneOf(forms) => {
            let named = without_quotes(forms, unquoted);
            format!("expected one of {}, found {what}{named}", code_list(forms))
        }
    }
}

/// ` (without quotes: `Form(…)`)` when `unquoted` (a quoted name the file
/// wrote) is the kind of one of `forms`; empty otherwise.
fn without_quotes(forms: &[String], unquoted: &str) -> String {
    forms
        .iter()
        .find(|f| f.split('(').next() == Some(unquoted))
        .map(|f| format!(" (without quotes: `{f}`)"))
        .unwrap_or_default()
}

/// `forms` as a list of code spans: `` `A(x: …)`, `B` ``.
fn code_list(forms: &[String]) -> String {
    forms
        .iter()
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `message` with Rust type names (serde's "expected f64", the
/// distribution reader's `DistData`) said in a scenario author's words.
pub fn plain_words(message: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        ("in enum `DistData`", "in a distribution"),
        ("`DistData`", "a distribution"),
        ("enum DistData", "a distribution"),
        ("struct DistData", "a distribution"),
        ("DistData", "a distribution"),
        ("xpected f64", "xpected a number"),
        ("xpected f32", "xpected a number"),
        ("xpected u64", "xpected a whole number"),
        ("xpected u32", "xpected a whole number"),
        ("xpected i64", "xpected a whole number"),
        ("xpected u8", "xpected a whole number"),
    ];
    let mut out = message.to_string();
    for (rust, plain) in WORDS {
        out = out.replace(rust, plain);
    }
    out
}

/// Whether `text` holds nothing but white space and comments.
fn is_blank(text: &str) -> bool {
    let mut rest = text.trim_start();
    loop {
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, r)| r).trim_start();
        } else {
            return rest.is_empty();
        }
    }
}

/// The 1-based (line, column) of byte offset `offset` in `text`.
pub fn position_of(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Where, in `text`, entity `name` of `list` declares `field` (a dotted
/// path, or empty), or the entity itself if the field is not written
/// there. The entity is looked for after the list's key first, so that a
/// lab and a region of one name are told apart; then anywhere (a variant
/// may add entities under another key).
pub fn locate_entity_field(text: &str, list: &str, name: &str, field: &str) -> Option<(usize, usize)> {
    let entity = entity_span(text, (list, false), name)?;
    Some(position_of(text, entity.field(text, field)))
}

/// Where, in `text`, entry `index` (from 0) of the list written under
/// `list:` declares `field`, or the entry itself if the field is not
/// written there: for lists whose entries have no names
/// (`grid.drought_processes[1].days`). Strings and comments are skipped.
pub fn locate_list_entry_field(text: &str, list: &str, index: usize, field: &str) -> Option<(usize, usize)> {
    let start = find_key(text, list)?;
    entry_field_offset(text, start, index, field).map(|o| position_of(text, o))
}

/// Where, in `text`, entity `name` of `list` (a nested list such as
/// `chips.other_buyers` when `nested`) writes `field` of entry `index` of
/// its list `entries` (`labs.A.fleet[1].installed`): the field, or the
/// entry if the field is not written there, or the entity's declaration if
/// the entry is not found in it. A file that does not declare the entity
/// but sets its list as a variant does (`"labs.A.fleet": [...]`) is
/// located at that entry. `None` if the file does neither: never some
/// other entity's field of the same name.
pub fn locate_entity_entry_field(
    text: &str,
    (list, nested): (&str, bool),
    name: &str,
    (entries, index): (&str, usize),
    field: &str,
) -> Option<(usize, usize)> {
    let offset = match entity_span(text, (list, nested), name) {
        Some(entity) => entity
            .key(text, entries)
            .and_then(|at| entry_field_offset(text, at, index, field))
            .unwrap_or(entity.declared),
        None => {
            let set = text.find(&format!("\"{list}.{name}.{entries}\""))?;
            entry_field_offset(text, set, index, field)?
        }
    };
    Some(position_of(text, offset))
}

/// An entity written in a scenario file: where it declares its name and
/// the brackets that enclose it.
struct EntitySpan {
    /// Byte offset of the name's string in its `name: "…"` declaration.
    declared: usize,
    /// Byte offset of the entity's opening bracket (0 if none encloses it).
    open: usize,
    /// Byte offset just past its closing bracket (the text's length if none).
    close: usize,
    /// Bracket depth of the entity's own fields counted from `open`: 1
    /// inside its brackets, 0 for a declaration no bracket encloses.
    level: usize,
}

impl EntitySpan {
    /// Byte offset of the entity's own field `key:` (not a field of the
    /// same name inside one of its fields), else of the first `key:` in it.
    fn key(&self, text: &str, key: &str) -> Option<usize> {
        key_at_level(text, (self.open, self.close), self.level, key)
            .or_else(|| find_key(&text[self.open..self.close], key).map(|o| self.open + o))
    }

    /// Byte offset of `field` (a dotted path: its first key is the entity's
    /// own field, each next one the first after it) in the entity, or of
    /// its declaration if the first key is not written.
    fn field(&self, text: &str, field: &str) -> usize {
        let mut keys = field.split('.');
        let Some(mut at) = keys.next().and_then(|k| self.key(text, k)) else {
            return self.declared;
        };
        for key in keys {
            match find_key(&text[at..self.close], key) {
                Some(rel) => at += rel,
                None => break,
            }
        }
        at
    }
}

/// Entity `name` of `list` (a nested list such as `chips.other_buyers`
/// when `nested`, found as [`locate_declaration`] finds it; else after the
/// list's key, then anywhere) in `text`: its first declaration, bounded by
/// the brackets that enclose it, so that fields written before or after
/// `name:` are its own and no other entity's. The one place the locators
/// find an entity.
fn entity_span(text: &str, (list, nested): (&str, bool), name: &str) -> Option<EntitySpan> {
    let declared = if nested {
        declaration_offset(text, list, name, 0)?
    } else {
        find_key(text, list)
            .and_then(|start| nth_name_declaration(text, start, name, 0))
            .or_else(|| nth_name_declaration(text, 0, name, 0))?
    };
    let (open, close, level) = match enclosing_brackets(text, declared) {
        Some((open, close)) => (open, close, 1),
        None => (0, text.len(), 0),
    };
    Some(EntitySpan {
        declared,
        open,
        close,
        level,
    })
}

/// The innermost brackets that enclose byte `at` of `text` (a code byte):
/// the offset of the opening one and just past its closing one (the
/// text's end if it is not closed); `None` if no bracket encloses `at` or
/// `at` is in a string or comment.
fn enclosing_brackets(text: &str, at: usize) -> Option<(usize, usize)> {
    let mut opens = Vec::new();
    let mut code = code_bytes(text, 0);
    loop {
        let (i, b) = code.next()?;
        if i > at {
            return None;
        }
        if i == at {
            break;
        }
        match b {
            b'(' | b'[' | b'{' => opens.push(i),
            b')' | b']' | b'}' => {
                opens.pop();
            }
            _ => {}
        }
    }
    let open = *opens.last()?;
    let mut depth = 0usize;
    for (i, b) in code {
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                if depth == 0 {
                    return Some((open, i + 1));
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    Some((open, text.len()))
}

/// Byte offset of `key:` written as a field at bracket depth `level` of
/// `text[start..end]` (depth 0 at `start`; 1 inside the bracket at
/// `start`). Strings and comments are skipped.
fn key_at_level(text: &str, (start, end): (usize, usize), level: usize, key: &str) -> Option<usize> {
    if key.is_empty() {
        return None;
    }
    let bytes = text.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut depth = 0usize;
    let mut prev = None;
    for (i, b) in code_bytes(text, start) {
        if i >= end {
            break;
        }
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ if depth == level
                && bytes[i..end].starts_with(key.as_bytes())
                && !prev.is_some_and(|p: usize| p + 1 == i && ident(bytes[p]))
                && bytes[i + key.len()..end]
                    .iter()
                    .find(|c| !c.is_ascii_whitespace())
                    == Some(&b':') =>
            {
                return Some(i);
            }
            _ => {}
        }
        prev = Some(i);
    }
    None
}

/// The bytes of `text` from byte `from` that are code, with their offsets:
/// outside strings, character literals and comments (line comments and
/// nested block comments). A string's or character's opening quote is
/// yielded (its offset is where the literal is written), its content is
/// not; a raw string (`r#"…"#`) is yielded as its `r`.
fn code_bytes(text: &str, from: usize) -> impl Iterator<Item = (usize, u8)> + '_ {
    let bytes = text.as_bytes();
    let mut i = from;
    std::iter::from_fn(move || {
        loop {
            let at = i;
            let b = *bytes.get(i)?;
            let raw_hashes = (b == b'r'
                && (at == 0 || !bytes[at - 1].is_ascii_alphanumeric() && bytes[at - 1] != b'_'))
                .then(|| {
                    let hashes = bytes[at + 1..].iter().take_while(|&&c| c == b'#').count();
                    (bytes.get(at + 1 + hashes) == Some(&b'"')).then_some(hashes)
                })
                .flatten();
            if let Some(hashes) = raw_hashes {
                let close = format!("\"{}", "#".repeat(hashes));
                let body = at + hashes + 2;
                i = text[body..]
                    .find(&close)
                    .map_or(text.len(), |e| body + e + close.len());
                return Some((at, b));
            }
            match b {
                b'"' | b'\'' => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i = (i + 1).min(bytes.len());
                    return Some((at, b));
                }
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    i += text[i..].find('\n').unwrap_or(text.len() - i);
                }
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    let mut depth = 0usize;
                    while i < bytes.len() {
                        // Bytes, not `str` slices: a comment may hold
                        // characters of several bytes.
                        if bytes[i..].starts_with(b"/*") {
                            depth += 1;
                            i += 2;
                        } else if bytes[i..].starts_with(b"*/") {
                            depth -= 1;
                            i += 2;
                            if depth == 0 {
                                break;
                            }
                        } else {
                            i += 1;
                        }
                    }
                }
                _ => {
                    i += 1;
                    return Some((at, b));
                }
            }
        }
    })
}

/// Byte offset of `field` in entry `index` of the list that opens after
/// byte `start` (at its first `[`), or of the entry if the field is not
/// written there. Strings and comments are skipped.
fn entry_field_offset(text: &str, start: usize, index: usize, field: &str) -> Option<usize> {
    let open = start + text[start..].find('[')?;
    let (mut depth, mut entry, mut entry_start) = (0usize, 0usize, None);
    for (i, b) in code_bytes(text, open + 1) {
        match b {
            b'(' | b'[' | b'{' => {
                if depth == 0 {
                    if entry == index {
                        entry_start = Some(i);
                    }
                    entry += 1;
                }
                depth += 1;
            }
            b')' | b']' | b'}' => {
                if depth == 0 {
                    return None;
                }
                depth -= 1;
                if depth == 0
                    && let Some(from) = entry_start
                {
                    let own = key_at_level(text, (from, i + 1), 1, field);
                    return Some(
                        own.or_else(|| find_key(&text[from..=i], field).map(|f| from + f))
                            .unwrap_or(from),
                    );
                }
            }
            _ => {}
        }
    }
    None
}

/// Byte offset of `key:` written as a field name in `text`: the first
/// place where `key`, not part of a longer name, begins in code (outside
/// strings, character literals and line or block comments, as
/// `code_bytes` reads them) and is followed by `:`. A key written as a
/// string (a variant's `set` path, `"grid.dispatch_interval_hours": 3`) is
/// found by passing it with its quotes; it matches at the opening quote.
pub fn find_key(text: &str, key: &str) -> Option<usize> {
    let (bytes, k) = (text.as_bytes(), key.as_bytes());
    let first = *k.first()?;
    code_bytes(text, 0).map(|(at, _)| at).find(|&at| {
        bytes[at] == first
            && bytes[at..].starts_with(k)
            && (at == 0 || !bytes[at - 1].is_ascii_alphanumeric() && bytes[at - 1] != b'_')
            && bytes[at + k.len()..]
                .iter()
                .find(|b| !b.is_ascii_whitespace())
                .is_some_and(|&b| b == b':')
    })
}

/// Where, in `text`, the list written under `list:` declares `name` for
/// the `n`-th time, from 0: line and column (1 for a duplicate). A nested
/// list (`chips.other_buyers`) is found by its keys in turn, every one of
/// which must be written, or as a variant's `set` key `"chips.other_buyers":`.
pub fn locate_declaration(text: &str, list: &str, name: &str, n: usize) -> Option<(usize, usize)> {
    declaration_offset(text, list, name, n).map(|o| position_of(text, o))
}

/// Byte offset of what [`locate_declaration`] locates.
fn declaration_offset(text: &str, list: &str, name: &str, n: usize) -> Option<usize> {
    let nested = || {
        let mut keys = list.split('.');
        let mut from = find_key(text, keys.next()?)?;
        for key in keys {
            from += find_key(&text[from..], key)?;
        }
        Some(from)
    };
    let from = nested().or_else(|| text.find(&format!("\"{list}\"")))?;
    nth_name_declaration(text, from, name, n)
}

/// Where, in `text`, the entity `name` of the nested list `list`
/// (`chips.other_buyers`, found as [`locate_declaration`] finds it) writes
/// `field` (a dotted path, or empty), else where it declares its name.
pub fn locate_nested_entity_field(text: &str, list: &str, name: &str, field: &str) -> Option<(usize, usize)> {
    let entity = entity_span(text, (list, true), name)?;
    Some(position_of(text, entity.field(text, field)))
}

/// Byte offset of the `n`-th (from 0) declaration `name: "name"` at or
/// after byte `from` of `text` (a reference to the name from another
/// entity, or a declaration in a comment, does not count).
fn nth_name_declaration(text: &str, mut from: usize, name: &str, n: usize) -> Option<usize> {
    let needle = format!("\"{name}\"");
    let mut count = 0;
    while let Some(rel) = text[from..].find(&needle) {
        let at = from + rel;
        let head = text[..at].trim_end();
        if head.ends_with(':') && head[..head.len() - 1].trim_end().ends_with("name") && is_code(text, at) {
            if count == n {
                return Some(at);
            }
            count += 1;
        }
        from = at + needle.len();
    }
    None
}

/// Whether byte `at` of `text` is code, not in a string or comment (a
/// declaration commented out is no declaration).
fn is_code(text: &str, at: usize) -> bool {
    code_bytes(text, 0)
        .find(|&(i, _)| i >= at)
        .is_some_and(|(i, _)| i == at)
}

/// Where `"literal"` first appears in `text` (for `set:` and `uncertain:` keys).
pub fn locate_string(text: &str, literal: &str) -> Option<(usize, usize)> {
    text.find(&format!("\"{literal}\"")).map(|o| position_of(text, o))
}

fn read_file(path: &Path) -> Result<String, ScenarioError> {
    let meta = std::fs::metadata(path).map_err(|e| {
        let err = ScenarioError::new(path, "", format!("cannot read the scenario file: {e}"));
        // A misspelt file name: the file of that directory it was likely
        // meant to be (audit finding 7: `compare` of a typo said only "No
        // such file or directory").
        if e.kind() == std::io::ErrorKind::NotFound
            && let Some(near) = near_file(path)
        {
            err.hint(format!("did you mean `{}`?", near.display()))
        } else {
            err
        }
    })?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(ScenarioError::new(
            path,
            "",
            format!(
                "the file is {} bytes; scenario files are limited to {MAX_FILE_BYTES} bytes",
                meta.len()
            ),
        ));
    }
    // Read at most one byte past the limit: a device such as /dev/zero
    // reports a size of 0 and would otherwise be read until memory runs out.
    use std::io::Read;
    let file = std::fs::File::open(path)
        .map_err(|e| ScenarioError::new(path, "", format!("cannot read the scenario file: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ScenarioError::new(path, "", format!("cannot read the scenario file: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ScenarioError::new(
            path,
            "",
            format!("scenario files are limited to {MAX_FILE_BYTES} bytes"),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        // Say where the first byte that is not UTF-8 lies, as an editor
        // counts lines and columns (the text before it is valid UTF-8).
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let valid = std::str::from_utf8(valid).unwrap_or_default();
        let line = valid.matches('\n').count() + 1;
        let column = valid.rsplit('\n').next().unwrap_or_default().chars().count() + 1;
        let byte = e.as_bytes()[valid.len()];
        ScenarioError::new(
            path,
            "",
            format!("the scenario file is not UTF-8 text: byte 0x{byte:02x} here is not UTF-8"),
        )
        .at(line, column)
        .hint("save the file as UTF-8 (a file in Latin-1 or UTF-16 must be converted)")
    })
}

/// The file beside `path`, which does not exist, whose name is near
/// `path`'s ([`did_you_mean`]), as `path` is written (same directory part):
/// `None` when the directory cannot be read or holds no such file.
/// Directories are no candidates: a scenario is a file.
fn near_file(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    // In one order whatever the directory's, so that a tie is broken alike.
    names.sort_unstable();
    let near = did_you_mean(name, names.iter().map(String::as_str))?;
    Some(path.with_file_name(near))
}

/// The `base:` a file names, if it is a variant. The file is first read as
/// a generic RON value, so a syntax error is reported here with its position.
fn probe_base(path: &Path, text: &str) -> Result<Option<String>, ScenarioError> {
    // A `Some(…)` is refused by the typed read, which names its field.
    let value: ron::Value = parse_ron_value(path, text)?;
    let ron::Value::Map(map) = value else {
        return Err(ScenarioError::new(
            path,
            "",
            "a scenario file holds one `Scenario(...)` or `Variant(...)`",
        ));
    };
    match map.get(&ron::Value::String("base".into())) {
        Some(ron::Value::String(b)) => Ok(Some(b.clone())),
        Some(_) => Err(ScenarioError::new(
            path,
            "base",
            "`base` must be a file name in quotes",
        )),
        None => Ok(None),
    }
}

/// The `base:` string a scenario file's `text` names, as written (`None`
/// for a file that is no variant, or one that does not parse): how the file
/// reaches its base, which a verbatim copy of the files must keep resolving
/// (montecarlo's `scenario/` copy of a batch).
pub fn named_base(text: &str) -> Option<String> {
    probe_base(Path::new("<scenario>"), text).ok().flatten()
}

/// Loads the scenario in `path`, following `base:` chains. Returns the
/// scenario tree and every file read (the named file first).
pub fn load_path(path: &Path) -> Result<(ScenarioData, Vec<SourceFile>), ScenarioError> {
    let mut files = Vec::new();
    let mut chain = Vec::new();
    let data = load_rec(path, None, &mut chain, &mut files)?;
    Ok((data, files))
}

/// Loads a scenario from text (the embedded default, or tests). A `base:` is
/// resolved relative to the current directory.
pub fn load_text(name: &Path, text: &str) -> Result<(ScenarioData, Vec<SourceFile>), ScenarioError> {
    let mut files = Vec::new();
    let mut chain = Vec::new();
    let data = load_rec(name, Some(text.to_owned()), &mut chain, &mut files)?;
    Ok((data, files))
}

fn load_rec(
    path: &Path,
    text: Option<String>,
    chain: &mut Vec<PathBuf>,
    files: &mut Vec<SourceFile>,
) -> Result<ScenarioData, ScenarioError> {
    let text = match text {
        Some(t) => t,
        None => read_file(path)?,
    };
    // A UTF-8 byte-order mark (as Windows editors write) is not part of the
    // scenario; without it, line 1's columns are as an editor shows them.
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    chain.push(canonical);
    files.push(SourceFile {
        path: path.to_path_buf(),
        text: text.clone(),
    });
    let result = match probe_base(path, &text)? {
        None => parse_ron::<ScenarioData>(path, &text),
        Some(base) => {
            let variant: VariantData = parse_ron(path, &text)?;
            let base_path = path.parent().unwrap_or(Path::new(".")).join(&base);
            // Errors about the base file itself are told at this file's
            // `base:`, which named it.
            let (l, c) = locate_string(&text, &base).unwrap_or((1, 1));
            if !base_path.exists() {
                return Err(ScenarioError::new(
                    path,
                    "base",
                    format!("the base file `{}` does not exist", base_path.display()),
                )
                .at(l, c)
                .hint("`base:` is resolved relative to the file that names it"));
            }
            let base_canonical = std::fs::canonicalize(&base_path).unwrap_or_else(|_| base_path.clone());
            if chain.contains(&base_canonical) {
                let names: Vec<String> = chain.iter().map(|p| p.display().to_string()).collect();
                return Err(ScenarioError::new(
                    path,
                    "base",
                    format!(
                        "`base:` files include each other: {} -> {}",
                        names.join(" -> "),
                        base_canonical.display()
                    ),
                )
                .at(l, c)
                .hint("a variant's base is a scenario or a variant of one, never the variant itself"));
            }
            // A chain too deep is told at the `base:` that would pass the
            // limit, as a cycle is (above): the base it names holds no
            // `base:` to point at, and may be no variant at all.
            if chain.len() >= MAX_BASE_DEPTH {
                return Err(ScenarioError::new(
                    path,
                    "base",
                    format!(
                        "more than {MAX_BASE_DEPTH} nested `base:` files: this file is the \
                         {MAX_BASE_DEPTH}th of the chain from {}, and its base would be one more",
                        chain[0].display()
                    ),
                )
                .at(l, c)
                .hint(format!(
                    "variants may stack at most {MAX_BASE_DEPTH} files deep: write the base of this \
                     file as a complete `Scenario(...)`, or merge some of the variants"
                )));
            }
            let base_text = read_file(&base_path).map_err(|e| {
                let place = match (e.line, e.column) {
                    (Some(bl), Some(bc)) => format!(":{bl}:{bc}"),
                    _ => String::new(),
                };
                let named = ScenarioError::new(
                    path,
                    "base",
                    format!("the base file `{}`{place}: {}", base_path.display(), e.message),
                )
                .at(l, c);
                match e.hint {
                    Some(h) => named.hint(h),
                    None => named,
                }
            })?;
            let base_data = load_rec(&base_path, Some(base_text), chain, files)?;
            apply_variant(path, &text, base_data, &variant)
        }
    };
    chain.pop();
    result
}

/// Applies a variant (`set`, `uncertain`, `add`, `remove`) to `base`.
fn apply_variant(
    file: &Path,
    text: &str,
    base: ScenarioData,
    variant: &VariantData,
) -> Result<ScenarioData, ScenarioError> {
    let mut tree = serde_json::to_value(&base)
        .map_err(|e| ScenarioError::new(file, "", format!("internal: cannot serialize the base: {e}")))?;
    let at_key = |key: &str, e: ScenarioError| match locate_string(text, key) {
        Some((l, c)) => e.at(l, c),
        None => e,
    };
    if let Some(name) = &variant.name {
        tree["name"] = Value::String(name.clone());
    }
    if let Some(d) = &variant.description {
        tree["description"] = Value::String(d.clone());
    }
    // The base's uncertain parameters this file stops drawing, each with the
    // entry that stopped it (for the error when a correlation names one).
    let mut dropped: Vec<(String, String)> = Vec::new();
    for (i, removed) in variant.remove.iter().enumerate() {
        // The second of two equal entries found nothing left to remove,
        // and was told as `no entity` at the first (review s30-modeler).
        if variant.remove[..i].contains(removed) {
            let quoted = format!("\"{removed}\"");
            let second = find_key(text, "remove").and_then(|from| {
                let first = from + text[from..].find(&quoted)?;
                let after = first + quoted.len();
                Some(after + text[after..].find(&quoted)?)
            });
            let e = ScenarioError::new(
                file,
                format!("remove.{removed}"),
                format!("`{removed}` is removed twice in this file's `remove`"),
            )
            .hint("keep one of the two");
            return Err(match second {
                Some(o) => {
                    let (l, c) = position_of(text, o);
                    e.at(l, c)
                }
                None => e,
            });
        }
        remove_entity(&mut tree, removed)
            .map_err(|m| at_key(removed, ScenarioError::new(file, format!("remove.{removed}"), m)))?;
        for p in drop_parameters_of(&mut tree, removed) {
            dropped.push((p, format!("its `remove` of `{removed}` dropped that entity")));
        }
    }
    // Each entry's list and name, to refuse a second entry of one list and
    // name: it would replace the first (as `add` replaces the base's).
    let mut added: Vec<(&str, Option<String>)> = Vec::new();
    for (i, entity) in variant.add.iter().enumerate() {
        let (list, value) = entity
            .to_list_entry()
            .map_err(|m| ScenarioError::new(file, format!("add[{i}]"), m))?;
        let name = value.get("name").and_then(Value::as_str).map(str::to_string);
        if let Some(n) = &name
            && let Some(j) = added
                .iter()
                .position(|(l, m)| *l == list && m.as_ref() == Some(n))
        {
            let e = ScenarioError::new(
                file,
                format!("add[{i}]"),
                format!(
                    "the name `{n}` is used twice in `{list}` in this file's `add` (entries {j} and {i}); \
                     the second would replace the first"
                ),
            )
            .hint("names are unique within a list: give each its own name, or keep one");
            let earlier = added.iter().filter(|(_, m)| m.as_ref() == Some(n)).count();
            let located = find_key(text, "add")
                .and_then(|from| nth_name_declaration(text, from, n, earlier))
                .map(|o| position_of(text, o));
            return Err(match located {
                Some((l, c)) => e.at(l, c),
                None => e,
            });
        }
        added.push((list, name));
        // An entity that replaces the base's is written out in full, like a
        // `set`: the base's draws for its fields no longer apply (else a
        // draw would override the value written here). This file's own
        // `uncertain` may draw them again.
        if let Some(name) = upsert_entity(&mut tree, list, value) {
            let entity = format!("{list}.{name}");
            for p in drop_parameters_of(&mut tree, &entity) {
                dropped.push((
                    p,
                    format!(
                        "its `add` of `{entity}` replaced the base's entity, whose draws no longer apply"
                    ),
                ));
            }
        }
    }
    // Each fab whose capacity this file sets, with the capacity it has
    // before the `set` (the base's, or this file's `add`'s): what its power
    // is stated at.
    let written_caps = written_fab_capacities(&tree, variant);
    // Where each `set` landed, as the typed reader names fields
    // (`labs[2].mfu`), so a type error there is reported against the entry.
    let mut set_at: Vec<(String, &str)> = Vec::new();
    // Every path this `set` cannot apply is reported, not only the first: an
    // old variant whose base renamed several fields is fixed in one pass
    // (audit s23-repro, F10).
    let mut refused: Vec<ScenarioError> = Vec::new();
    // The tree as the sets find it: where each path leads, whichever way
    // it is spelt (`canonical_path`).
    let before_set = tree.clone();
    for (path, value) in &variant.set {
        match set_value(&mut tree, path, value.0.clone()) {
            Ok(at) => set_at.push((at, path)),
            Err(m) => refused.push(at_key(path, ScenarioError::new(file, format!("set.{path}"), m))),
        }
    }
    if !refused.is_empty() {
        let mut first = refused.remove(0);
        if !refused.is_empty() {
            let others: Vec<String> = refused
                .iter()
                .map(|e| {
                    let at = match (e.line, e.column) {
                        (Some(l), Some(c)) => format!(" ({l}:{c})"),
                        _ => String::new(),
                    };
                    format!("`{}`{at}: {}", e.path, e.message)
                })
                .collect();
            let note = format!(
                "this `set` has {} more path(s) it cannot apply: {}",
                others.len(),
                others.join("; ")
            );
            first.hint = Some(match first.hint.take() {
                Some(h) => format!("{h}\n  {note}"),
                None => note,
            });
        }
        return Err(first);
    }
    // A `set` fixes what it names: the base's uncertain parameters at or
    // below a set path stop being drawn (else every run would overwrite the
    // set value with the base's draw). The other parameters keep their
    // streams, which are keyed by path.
    // A `set` fixes the path itself and every path below it (a set
    // distribution's `…mean`, a set path over dates' `…scale`).
    // A path is at or below a set path when it is textually, or when both
    // resolve and their canonical spellings are (an enum's tag written in
    // one and left out in the other: audit s33-modeler F6).
    let mut spelt: Vec<&str> = variant.set.keys().map(String::as_str).collect();
    spelt.extend(variant.uncertain.keys().map(String::as_str));
    let base_uncertain: Vec<String> = tree
        .get("uncertain")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    spelt.extend(base_uncertain.iter().map(String::as_str));
    let canonical_of: std::collections::HashMap<&str, Option<String>> = spelt
        .iter()
        .copied()
        .zip(canonical_paths(&before_set, &spelt))
        .collect();
    let canonical = |p: &str| -> Option<String> {
        match canonical_of.get(p) {
            Some(c) => c.clone(),
            None => canonical_path(&before_set, p),
        }
    };
    let at_or_below = |p: &str, set: &str, set_canon: &Option<String>| {
        p == set
            || p.starts_with(&format!("{set}."))
            || set_canon
                .as_ref()
                .is_some_and(|c| canonical(p).is_some_and(|q| q == *c || q.starts_with(&format!("{c}."))))
    };
    for path in variant.set.keys() {
        let set_canon = canonical(path);
        if let Some(u) = variant
            .uncertain
            .keys()
            .find(|u| *u == path || (set_canon.is_some() && canonical(u) == set_canon))
        {
            let also = if u == path {
                String::new()
            } else {
                format!(" (as `{u}`, the same field)")
            };
            return Err(at_key(
                u,
                ScenarioError::new(
                    file,
                    format!("uncertain.{u}"),
                    format!("`{path}` is both set and made uncertain in this file{also}"),
                )
                .hint("keep one: `set` fixes the value in every run, `uncertain` draws it in each run"),
            ));
        }
        for p in drop_parameters_where(&mut tree, |p| at_or_below(p, path, &set_canon)) {
            dropped.push((p, format!("its `set` of `{path}` fixes it in every run")));
        }
    }
    scale_set_fab_power(file, text, &written_caps, variant, &mut tree)?;
    let uncertain = tree.get_mut("uncertain").and_then(Value::as_object_mut);
    match uncertain {
        Some(map) => {
            for (path, dist) in &variant.uncertain {
                let v =
                    serde_json::to_value(dist).map_err(|e| ScenarioError::new(file, "", e.to_string()))?;
                map.insert(path.clone(), v);
            }
        }
        None => {
            return Err(ScenarioError::new(
                file,
                "uncertain",
                "internal: the base has no `uncertain` table",
            ));
        }
    }
    // A correlation of this file that names a parameter this file stopped
    // drawing (and did not draw again) is refused with the reason: the
    // generic check would only say it is not uncertain.
    for (i, c) in variant.correlations.iter().enumerate() {
        for p in [&c.a, &c.b] {
            if variant.uncertain.contains_key(p) {
                continue;
            }
            if let Some((_, why)) = dropped.iter().find(|(d, _)| d == p) {
                let e = ScenarioError::new(
                    file,
                    format!("correlations[{i}]"),
                    format!("`{p}` is drawn in the base but not in this variant: {why}, so it has no draws to correlate"),
                )
                .hint(format!(
                    "drop this correlation, or draw `{p}` in this file's `uncertain` (instead of a `set` of it)"
                ));
                return Err(match locate_correlation(text, p) {
                    Some((l, c)) => e.at(l, c),
                    None => e,
                });
            }
        }
    }
    if !variant.correlations.is_empty() {
        let v = serde_json::to_value(&variant.correlations)
            .map_err(|e| ScenarioError::new(file, "", e.to_string()))?;
        tree["correlations"] = v;
    }
    from_tree(file, text, tree).map_err(|e| {
        let lands_in = |at: &str| {
            e.path
                .strip_prefix(at)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        };
        match set_at.iter().find(|(at, _)| lands_in(at)) {
            Some((_, path)) => {
                let msg = format!("the value set here does not fit `{path}`: {}", e.message);
                at_key(path, ScenarioError::new(file, format!("set.{path}"), msg))
            }
            None => e,
        }
    })
}

/// The `capacity_wafers_per_month` of each fab a variant's `set` names,
/// read from `tree` before the set is applied (after the file's `remove`
/// and `add`, so a fab this file adds or replaces is judged by what it
/// writes here): `(set path, capacity)`; paths of fabs that do not exist
/// are left out (the set itself refuses them).
fn written_fab_capacities<'a>(tree: &Value, variant: &'a VariantData) -> Vec<(&'a str, f64)> {
    variant
        .set
        .keys()
        .filter(|p| p.starts_with("fabs.") && p.ends_with(".capacity_wafers_per_month"))
        .filter_map(|p| Some((p.as_str(), get_path(tree, p).ok()?)))
        .collect()
}

/// A fab's `power_mw` is stated at the capacity written beside it: a
/// variant's `set` of a fab's `capacity_wafers_per_month` that does not
/// set its `power_mw` too scales the power with it (power × set ÷ written
/// capacity, `written_caps` from [`written_fab_capacities`]), as a drawn
/// capacity does (`Scenario::with_values`), so the MW per wafer start stay
/// those written. A fab written with no capacity states no intensity, and
/// one set to none keeps no intensity either (the model's fab with `C = 0`
/// draws its written power at its nameplate, so expansions still draw): both
/// keep their power. Refused, naming the `set` entry, when
/// the scaled power leaves the fab range [0, 10,000] MW. (Until the
/// nineteenth session a `set` kept the written power, so a variant that
/// doubled a fab's capacity halved its MW per wafer start while a draw of
/// the same capacity kept them: audit s19-chips, finding 3.)
fn scale_set_fab_power(
    file: &Path,
    text: &str,
    written_caps: &[(&str, f64)],
    variant: &VariantData,
    tree: &mut Value,
) -> Result<(), ScenarioError> {
    for &(path, base_cap) in written_caps {
        let Some(name) = path
            .strip_prefix("fabs.")
            .and_then(|rest| rest.strip_suffix(".capacity_wafers_per_month"))
        else {
            continue;
        };
        let power_path = format!("fabs.{name}.power_mw");
        if variant.set.contains_key(&power_path) {
            continue;
        }
        // A value that is no number is refused by the typed reader, at the
        // `set` entry.
        let (Ok(set_cap), Ok(power)) = (get_path(tree, path), get_path(tree, &power_path)) else {
            continue;
        };
        if base_cap <= 0.0 || set_cap <= 0.0 || set_cap == base_cap {
            continue;
        }
        let scaled = power * (set_cap / base_cap);
        let refused = |m: String| {
            let e = ScenarioError::new(file, format!("set.{path}"), m);
            match locate_string(text, path) {
                Some((l, c)) => e.at(l, c),
                None => e,
            }
        };
        crate::units::FabPower::new(scaled).map_err(|m| {
            refused(format!(
                "the fab's power scales with its set capacity ({set_cap} wafers/month, written \
                 {base_cap}) to {scaled} MW: {m}"
            ))
        })?;
        let number = serde_json::Number::from_f64(scaled)
            .ok_or_else(|| refused(format!("the fab's power scales to {scaled} MW")))?;
        set_path(tree, &power_path, Value::Number(number)).map_err(refused)?;
    }
    Ok(())
}

/// Drops the uncertain parameters (and their correlations) of an entity
/// `list.name` that a variant removes (they would name a parameter that no
/// longer exists) or replaces (the new entity's written values hold).
/// Returns the dropped paths.
fn drop_parameters_of(tree: &mut Value, entity: &str) -> Vec<String> {
    let prefix = format!("{entity}.");
    drop_parameters_where(tree, |p| p.starts_with(&prefix))
}

/// Drops the uncertain parameters whose path satisfies `gone`, and the
/// correlations that name one of them. Returns the dropped paths.
fn drop_parameters_where(tree: &mut Value, gone: impl Fn(&str) -> bool) -> Vec<String> {
    let mut dropped = Vec::new();
    if let Some(map) = tree.get_mut("uncertain").and_then(Value::as_object_mut) {
        dropped = map.keys().filter(|k| gone(k)).cloned().collect();
        map.retain(|k, _| !gone(k));
    }
    if let Some(list) = tree.get_mut("correlations").and_then(Value::as_array_mut) {
        list.retain(|c| {
            let names = |f: &str| c.get(f).and_then(Value::as_str).is_some_and(&gone);
            !names("a") && !names("b")
        });
    }
    dropped
}

/// Where `"literal"` first appears after the `correlations` key of `text`.
fn locate_correlation(text: &str, literal: &str) -> Option<(usize, usize)> {
    let from = find_key(text, "correlations")?;
    text[from..]
        .find(&format!("\"{literal}\""))
        .map(|o| position_of(text, from + o))
}

/// Sets any field's value at a dotted path (a variant's `set`). Returns where
/// it landed as the typed reader names fields (`labs[2].mfu`). A whole
/// entity, or an entity's `name`, cannot be set (`add` and `remove` do
/// that); the value's type is checked when the tree is read back.
pub fn set_value(tree: &mut Value, path: &str, value: Value) -> Result<String, String> {
    let segments: Vec<&str> = path.split('.').collect();
    if path.is_empty() || segments.iter().any(|s| s.is_empty()) {
        return Err(format!(
            "`{path}` is not a parameter path (`list.name.field` or `section.field`)"
        ));
    }
    let mut node = tree;
    let mut at = String::new();
    let mut last_was_entity = false;
    for (k, seg) in segments.iter().enumerate() {
        let before = segments[..k].join(".");
        if *seg == SCALE && k + 1 == segments.len() && !node.is_object() && !node.is_array() {
            let what = if node.is_null() {
                "a field left at its default"
            } else {
                "a number"
            };
            return Err(format!(
                "`{path}`: `.{SCALE}` is for `uncertain` only, where it draws a factor that multiplies \
                 every point of a path over dates; `{before}` is {what}, and `set` gives it its value: \
                 write `\"{before}\": …` (a number, or a path `[(\"2025-01-01\", …), …]`)"
            ));
        }
        if *seg == SCALE && k + 1 == segments.len() && is_dated_path(node) {
            return Err(format!(
                "`{path}`: `.{SCALE}` is for `uncertain` only, where it draws a factor that multiplies \
                 every point of a path over dates; `set` gives `{before}` its points: write \
                 `\"{before}\": [(\"2025-01-01\", …), …]`"
            ));
        }
        last_was_entity = false;
        match &*node {
            Value::Array(items) => {
                if let Some(i) = entry_position(items, seg) {
                    at.push_str(&format!("[{i}]"));
                }
                last_was_entity = true;
            }
            Value::Object(m) if m.contains_key(*seg) => {
                if !at.is_empty() {
                    at.push('.');
                }
                at.push_str(seg);
            }
            _ => {}
        }
        // A list a path cannot pick from may be set whole.
        let unpickable = node.as_array().is_some_and(|items| entry_key(items).is_none());
        node = descend(node, seg, &before).map_err(|m| {
            let whole = if unpickable {
                format!("; set the whole list instead: `\"{before}\": [ … ]`")
            } else {
                String::new()
            };
            format!("in path `{path}`: {m}{whole}")
        })?;
    }
    if last_was_entity || segments.len() == 1 && node.is_array() {
        return Err(format!(
            "`{path}` names a whole entity or list; use `add` to replace an entity and `remove` to drop one"
        ));
    }
    if segments.last() == Some(&"name") {
        return Err(format!(
            "`{path}` is an entity's name, which other entities refer to; `remove` it and `add` it under the new name"
        ));
    }
    *node = value;
    Ok(at)
}

/// Converts a scenario tree back into typed data; an error names the field
/// path and, where it can be found, the position in `text`.
pub fn from_tree(file: &Path, text: &str, tree: Value) -> Result<ScenarioData, ScenarioError> {
    serde_path_to_error::deserialize::<_, ScenarioData>(tree).map_err(|e| {
        let path = e.path().to_string();
        let mut err = ScenarioError::new(file, path.clone(), plain_words(&e.inner().to_string()));
        let last = path.rsplit('.').next().unwrap_or("");
        let last = last.split('[').next().unwrap_or(last);
        if let Some(o) = find_key(text, last) {
            let (l, c) = position_of(text, o);
            err = err.at(l, c);
        }
        err
    })
}

/// Sets the number at a dotted parameter path (`labs.deepseek.mfu`) in a
/// scenario tree. Lists of named entities are indexed by name; a
/// distribution's parameters are reached through it
/// (`labs.deepseek.release_cadence_months.mean`).
///
/// A field written as a path over dates is never replaced by one number:
/// `field.scale` multiplies every point of the path by `value` (so the
/// path keeps its shape), and naming the field itself is refused. A
/// whole-number field (`designs.h100.hbm_stacks`) takes only a whole
/// `value`, written as an integer; any other value is refused.
pub fn set_path(tree: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let mut node = tree;
    let segments: Vec<&str> = path.split('.').collect();
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        if *seg == SCALE && last && is_dated_path(node) {
            return scale_dated_path(node, path, &value);
        }
        if *seg == SCALE && last && node.is_number() {
            let field = &path[..path.len() - SCALE.len() - 1];
            return Err(format!(
                "`{field}` is written as a number, not as a path over dates; `.{SCALE}` applies \
                 only to a path over dates: to draw the number itself, name `{field}`"
            ));
        }
        if *seg == SCALE && last && node.is_null() {
            let field = &path[..path.len() - SCALE.len() - 1];
            return Err(format!(
                "`{field}` is not written in the scenario (it takes its default), so there is no \
                 path over dates to scale: write it as a path over dates first, or draw a number \
                 for it by naming `{field}`"
            ));
        }
        node = descend(node, seg, &segments[..i].join("."))
            .map_err(|m| format!("in parameter path `{path}`: {m}"))?;
        if last {
            if is_dated_path(node) {
                return Err(format!(
                    "`{path}` is written as a path over dates, which one drawn number would replace \
                     as a whole; to draw a factor that multiplies every point, name `{path}.{SCALE}` \
                     (e.g. `\"{path}.{SCALE}\": Uniform(low: 0.8, high: 1.2)`)"
                ));
            }
            if !(node.is_number() || node.is_null()) {
                return Err(not_a_number(path, node));
            }
            *node = if node.is_u64() || node.is_i64() {
                whole_number(path, &value)?
            } else {
                value
            };
            return Ok(());
        }
    }
    Err(format!("empty parameter path `{path}`"))
}

/// The last segment of a parameter path that scales a path over dates
/// (`labs.openai.budget_usd_per_year.scale`): its value multiplies every
/// point.
pub const SCALE: &str = "scale";

/// Whether `node` is a path over dates as a scenario tree holds it
/// (`{"linear": [[date, value], …]}` or `{"step": …}`).
fn is_dated_path(node: &Value) -> bool {
    node.as_object()
        .is_some_and(|m| m.len() == 1 && (m.contains_key("linear") || m.contains_key("step")))
}

/// Multiplies every point of the path over dates `node` by `factor`.
fn scale_dated_path(node: &mut Value, path: &str, factor: &Value) -> Result<(), String> {
    let f = factor
        .as_f64()
        .ok_or_else(|| format!("`{path}` takes a number (a factor), got {factor}"))?;
    let points = node
        .as_object_mut()
        .and_then(|m| m.values_mut().next())
        .and_then(Value::as_array_mut)
        .ok_or_else(|| format!("internal: `{path}` is not a list of points"))?;
    for point in points {
        let Some(v) = point.get_mut(1) else { continue };
        let scaled = v.as_f64().unwrap_or(f64::NAN) * f;
        *v = serde_json::Number::from_f64(scaled)
            .map(Value::Number)
            .ok_or_else(|| format!("`{path}`: the factor {f} makes a point {scaled}, not a finite number"))?;
    }
    Ok(())
}

/// `value` as an integer for a whole-number field at `path`, or why not.
fn whole_number(path: &str, value: &Value) -> Result<Value, String> {
    if value.is_u64() || value.is_i64() {
        return Ok(value.clone());
    }
    let v = value.as_f64().unwrap_or(f64::NAN);
    // 2^53: every integer up to it is exact in an f64.
    if v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_992.0 {
        return Ok(Value::from(v as i64));
    }
    Err(format!(
        "`{path}` is a whole-number field and cannot take {v}; draw it from a distribution of \
         whole numbers: `Discrete(values: [...], weights: [...])` or `Const(value: ...)`"
    ))
}

/// Whether the parameter path `path` names a whole-number field of `tree`
/// (which must then be drawn from whole numbers). `false` when the path
/// does not resolve ([`set_path`] reports that).
pub fn names_whole_number(tree: &Value, path: &str) -> bool {
    let mut copy = tree.clone();
    let mut node = &mut copy;
    for seg in path.split('.') {
        match descend(node, seg, "") {
            Ok(n) => node = n,
            Err(_) => return false,
        }
    }
    node.is_u64() || node.is_i64()
}

/// Reads the number at a dotted parameter path (see [`set_path`]).
pub fn get_path(tree: &Value, path: &str) -> Result<f64, String> {
    // `descend` walks a mutable tree; one copy serves the whole walk.
    let mut copy = tree.clone();
    let mut node = &mut copy;
    let segments: Vec<&str> = path.split('.').collect();
    for (i, seg) in segments.iter().enumerate() {
        node = descend(node, seg, &segments[..i].join("."))
            .map_err(|m| format!("in parameter path `{path}`: {m}"))?;
    }
    node.as_f64().ok_or_else(|| not_a_number(path, node))
}

/// Why `path`, which leads to `node`, names no number, with the path that
/// would where there is one: an enum written with its kind
/// (`QuotaPerMonth(40000)`) is reached by naming the kind
/// (`….control.QuotaPerMonth`; audit s33-modeler F7, where the message
/// gave no way on).
fn not_a_number(path: &str, node: &Value) -> String {
    let numbers = |m: &serde_json::Map<String, Value>| -> Vec<String> {
        m.iter()
            .filter(|(_, v)| v.is_number())
            .map(|(k, _)| format!("`{path}.{k}`"))
            .collect()
    };
    match node {
        Value::Object(m) if m.len() == 1 && m.values().all(Value::is_number) => {
            let kind = m.keys().next().cloned().unwrap_or_default();
            format!(
                "parameter path `{path}` names `{kind}(…)`, one kind of its field's values, not a \
                 number: its number is `{path}.{kind}`"
            )
        }
        Value::Object(m) if !numbers(m).is_empty() => format!(
            "parameter path `{path}` does not name a number; the numbers under it: {}",
            numbers(m).join(", ")
        ),
        _ => format!("parameter path `{path}` does not name a number"),
    }
}

/// The tag of the externally tagged enum `node` (`{"Exp": {"mean": 6}}`:
/// `Exp`) that a path segment `seg` other than the tag steps through
/// unwritten; `None` when `node` is no such enum or `seg` is its tag.
fn implicit_tag(node: &Value, seg: &str) -> Option<String> {
    match node {
        Value::Object(m)
            if m.len() == 1
                && !m.contains_key(seg)
                && m.keys()
                    .next()
                    .is_some_and(|k| k.starts_with(|c: char| c.is_ascii_uppercase())) =>
        {
            m.keys().next().cloned()
        }
        _ => None,
    }
}

/// `path` with every enum tag it steps through unwritten written out
/// (`policies.cap.action.control.QuotaPerMonth` in a tree whose `action`
/// is `{"ExportControl": {"control": {"QuotaPerMonth": …}}}` →
/// `policies.cap.action.ExportControl.control.QuotaPerMonth`): two paths
/// name the same field exactly when these spellings are equal (audit
/// s33-modeler F6: both spellings of one quota were drawn, each in its own
/// column, and one draw did nothing). `None` when `path` does not resolve
/// in `tree`.
pub fn canonical_path(tree: &Value, path: &str) -> Option<String> {
    canonical_paths(tree, &[path]).pop().flatten()
}

/// [`canonical_path`] of each of `paths`, walking one copy of `tree` (a
/// scenario's tree is large: a copy for each path cost 1 % of a china-2025
/// run's instructions).
pub fn canonical_paths(tree: &Value, paths: &[&str]) -> Vec<Option<String>> {
    // `descend` walks a mutable tree without changing it.
    let mut copy = tree.clone();
    paths.iter().map(|p| canonical_in(&mut copy, p)).collect()
}

/// [`canonical_path`] in a tree the caller may walk mutably.
fn canonical_in(tree: &mut Value, path: &str) -> Option<String> {
    let mut node = tree;
    let segments: Vec<&str> = path.split('.').collect();
    let mut out: Vec<String> = Vec::with_capacity(segments.len());
    for (i, seg) in segments.iter().enumerate() {
        if *seg == SCALE && i + 1 == segments.len() && is_dated_path(node) {
            out.push(SCALE.to_string());
            break;
        }
        while let Some(tag) = implicit_tag(node, seg) {
            node = node.get_mut(&tag)?;
            out.push(tag);
        }
        node = descend(node, seg, "").ok()?;
        out.push((*seg).to_string());
    }
    Some(out.join("."))
}

/// The child `seg` of `node`, which path `at` (empty: the top level)
/// reached; or why there is none, in the words of a scenario's author.
fn descend<'a>(node: &'a mut Value, seg: &str, at: &str) -> Result<&'a mut Value, String> {
    // Step through an externally tagged enum (`{"Exp": {"mean": 6}}`).
    if let Some(key) = implicit_tag(node, seg) {
        // Messages below name the tag's node by its full spelling.
        let at = if at.is_empty() {
            key.clone()
        } else {
            format!("{at}.{key}")
        };
        return descend(node.get_mut(&key).ok_or("internal")?, seg, &at);
    }
    let in_at = if at.is_empty() {
        " at the top level of a scenario".to_string()
    } else {
        format!(" in `{at}`")
    };
    match node {
        Value::Object(m) => {
            if m.contains_key(seg) {
                Ok(m.get_mut(seg).ok_or("internal")?)
            } else {
                let keys: Vec<&str> = m.keys().map(String::as_str).collect();
                Err(match did_you_mean(seg, keys.iter().copied()) {
                    Some(s) => format!("no field `{seg}`{in_at} (did you mean `{s}`?)"),
                    None => format!("no field `{seg}`{in_at}; its fields: {}", keys.join(", ")),
                })
            }
        }
        Value::Array(items) => {
            let Some(key) = entry_key(items) else {
                return Err(format!(
                    "`{at}` is a list whose entries have no names, so a path cannot pick one of them \
                     (lists of named entities, such as `labs` or `regions`, are indexed by name, and \
                     lists of entries for a region or a design, such as a lab's `sites` or `fleet`, \
                     by the region or design)"
                ));
            };
            let keys: Vec<String> = items
                .iter()
                .filter_map(|v| v.get(key).and_then(Value::as_str).map(str::to_owned))
                .collect();
            let n = keys.iter().filter(|k| *k == seg).count();
            if n > 1 && key != "name" {
                return Err(format!(
                    "`{at}` has {n} entries for {key} `{seg}`, so a path cannot pick one of them; set \
                     the whole list instead"
                ));
            }
            // Every entry holds the key (`entry_key`), so `keys` is in step with `items`.
            match keys.iter().position(|k| k == seg) {
                Some(i) => Ok(&mut items[i]),
                None => {
                    let hint = did_you_mean(seg, keys.iter().map(String::as_str))
                        .map(|s| format!(" (did you mean `{s}`?)"));
                    let (what, listed) = if key == "name" {
                        ("entity named".to_string(), "entities")
                    } else {
                        (format!("entry for {key}"), "entries")
                    };
                    let known = if keys.is_empty() {
                        format!("; `{at}` is empty")
                    } else if hint.is_none() {
                        format!("; its {listed}: {}", keys.join(", "))
                    } else {
                        String::new()
                    };
                    Err(format!(
                        "no {what} `{seg}`{in_at}{}{known}",
                        hint.unwrap_or_default()
                    ))
                }
            }
        }
        Value::Null => Err(format!(
            "`{at}` is not written in the scenario (it takes its default), so it has no field `{seg}`"
        )),
        Value::Number(_) => Err(format!("`{at}` is a number, which has no field `{seg}`")),
        _ => Err(format!("`{at}` is a single value, which has no field `{seg}`")),
    }
}

/// The field a path segment picks an entry of the list `items` by: `name`
/// for a list of named entities; for a list of unnamed entries, the
/// region or design every entry names (a lab's `sites` by region, its
/// `fleet` and a fab's `products` by design); `None` for any other list.
/// (An empty list has nothing to pick: `name`.)
fn entry_key(items: &[Value]) -> Option<&'static str> {
    ["name", "region", "design"]
        .into_iter()
        .find(|k| items.iter().all(|v| v.get(*k).is_some_and(Value::is_string)))
}

/// The position of the entry of `items` that path segment `seg` picks (see
/// [`entry_key`]), if any.
fn entry_position(items: &[Value], seg: &str) -> Option<usize> {
    let key = entry_key(items)?;
    items
        .iter()
        .position(|v| v.get(key).and_then(Value::as_str) == Some(seg))
}

/// Puts `value` into the entity list `list`, replacing the entity of the
/// same name. Returns that name when an entity was replaced.
fn upsert_entity(tree: &mut Value, list: &str, value: Value) -> Option<String> {
    let name = value.get("name").cloned();
    let Some(items) = tree.get_mut(list).and_then(Value::as_array_mut) else {
        tree[list] = Value::Array(vec![value]);
        return None;
    };
    match items.iter_mut().find(|v| v.get("name") == name.as_ref()) {
        Some(slot) => {
            *slot = value;
            name.as_ref().and_then(Value::as_str).map(str::to_string)
        }
        None => {
            items.push(value);
            None
        }
    }
}

fn remove_entity(tree: &mut Value, what: &str) -> Result<(), String> {
    let (list, name) = what
        .split_once('.')
        .ok_or_else(|| format!("`{what}` should be `list.name`, e.g. `labs.moonshot`"))?;
    let items = tree
        .get_mut(list)
        .and_then(Value::as_array_mut)
        .ok_or_else(|| format!("no entity list `{list}`"))?;
    let before = items.len();
    items.retain(|v| v.get("name").and_then(Value::as_str) != Some(name));
    if items.len() == before {
        return Err(format!("no entity `{name}` in `{list}`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_locators() {
        let text = "(\n  labs: [\n    (name: \"a\", mfu: 0.4),\n    (name: \"b\",\n     mfu: 2),\n  ],\n)";
        assert_eq!(position_of(text, 0), (1, 1));
        assert_eq!(locate_entity_field(text, "labs", "b", "mfu"), Some((5, 6)));
        assert_eq!(locate_entity_field(text, "labs", "a", "mfu"), Some((3, 17)));
        assert_eq!(locate_string(text, "b"), Some((4, 12)));
        // A region and a lab of one name: each is found in its own list.
        let two =
            "(\n  regions: [(name: \"home\", demand_avg_mw: 1)],\n  labs: [(name: \"home\", sites: [])],\n)";
        assert_eq!(locate_entity_field(two, "labs", "home", "sites"), Some((3, 25)));
        assert_eq!(locate_entity_field(two, "labs", "home", ""), Some((3, 17)));
        assert_eq!(
            locate_entity_field(two, "regions", "home", "demand_avg_mw"),
            Some((2, 28))
        );
        // A nested field: its own key, not an earlier one of the same name.
        let nested = "plants: [\n (name: \"n\", days: 1, maintenance: (every_months: 18, days: 35)),\n]";
        assert_eq!(
            locate_entity_field(nested, "plants", "n", "maintenance.days"),
            Some((2, 55))
        );
        assert_eq!(
            locate_entity_field(nested, "plants", "n", "maintenance.hours"),
            Some((2, 23))
        );
    }

    /// A scenario file that does not exist is told with the file beside it
    /// whose name is near, as the path was given (audit finding 7).
    #[test]
    fn a_missing_file_suggests_a_near_one_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "export-controls-tighten.ron",
            "export-controls-loosen.ron",
            "china-2025.ron",
        ] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        // A directory of a near name is no scenario file.
        std::fs::create_dir(dir.path().join("export-control-tighten")).unwrap();
        let missing = dir.path().join("export-control-tighten.ron");
        let e = read_file(&missing).unwrap_err();
        assert!(e.message.starts_with("cannot read the scenario file: "), "{e}");
        assert_eq!(
            e.hint.as_deref(),
            Some(
                format!(
                    "did you mean `{}`?",
                    dir.path().join("export-controls-tighten.ron").display()
                )
                .as_str()
            )
        );
        assert_eq!(e.file, missing);
        // Nothing near, or no such directory: no hint.
        assert_eq!(read_file(&dir.path().join("zzz.ron")).unwrap_err().hint, None);
        assert_eq!(
            read_file(&dir.path().join("nowhere").join("china-2025.ron"))
                .unwrap_err()
                .hint,
            None
        );
    }

    #[test]
    fn a_key_is_found_only_in_code() {
        // Not in a line or block comment, not in a string, not as the end
        // of a longer name, not without its colon; a multibyte character
        // before it does not throw the offsets.
        let text =
            "// seed: 1\n/* seed: 2 /* seed: 3 */ */ note: \"seed: 4\", my_seed: 5, seed 6, «é» seed : 7";
        assert_eq!(find_key(text, "seed"), text.rfind("seed"));
        assert_eq!(find_key(text, "note"), text.find("note"));
        assert_eq!(find_key(text, "nothing"), None);
        assert_eq!(find_key(text, ""), None);
        // A key written as a string, found with its quotes.
        let set = "set: { \"grid.dispatch_interval_hours\": 3 }";
        assert_eq!(find_key(set, "\"grid.dispatch_interval_hours\""), Some(7));
        assert_eq!(find_key(set, "dispatch_interval_hours"), None);
    }

    #[test]
    fn an_entity_is_bounded_by_its_brackets() {
        // Fields written before `name:` are the entity's own; a field of the
        // same name inside one of its fields, in a string or in a comment is
        // not; the next entity's fields are not either.
        let text = "labs: [\n  (mfu: 0.3, name: \"a\"),\n  (sites: [(mfu: 9)], /* mfu: 8 ) — */ note: \"mfu: (\",\n   // name: \"b\", mfu: 7\n   mfu: 0.4, name: \"b\"),\n]";
        assert_eq!(locate_entity_field(text, "labs", "a", "mfu"), Some((2, 4)));
        assert_eq!(locate_entity_field(text, "labs", "b", "mfu"), Some((5, 4)));
        assert_eq!(locate_entity_field(text, "labs", "b", "sites"), Some((3, 4)));
        // Not written: the entity's own declaration (not the comment's).
        assert_eq!(locate_entity_field(text, "labs", "a", "sites"), Some((2, 20)));
        assert_eq!(locate_entity_field(text, "labs", "b", "budget"), Some((5, 20)));
        // An entry of a list the entity writes before its name; an entry it
        // does not have is located at the entity.
        let fleets = "labs: [\n  (fleet: [(count: 1),\n    (count: 2, installed: \"x\")], name: \"a\"),\n  (name: \"b\", fleet: [(installed: \"y\")]),\n]";
        let entry =
            |name, i| locate_entity_entry_field(fleets, ("labs", false), name, ("fleet", i), "installed");
        assert_eq!(entry("a", 1), Some((3, 16)));
        assert_eq!(entry("a", 0), Some((2, 12)));
        assert_eq!(entry("a", 2), Some((3, 40)));
        assert_eq!(entry("b", 0), Some((4, 24)));
        assert_eq!(entry("c", 0), None);
        // A variant's `set` of the list.
        let set = "set: {\n  \"labs.a.fleet\": [(count: 1), (installed: \"z\")],\n}";
        assert_eq!(
            locate_entity_entry_field(set, ("labs", false), "a", ("fleet", 1), "installed"),
            Some((2, 33))
        );
    }

    #[test]
    fn set_and_get_paths() {
        let mut tree = serde_json::json!({
            "labs": [{"name": "a", "mfu": 0.4, "cadence": {"Exp": {"mean": 6.0}}}],
            "horizon_years": 10.0
        });
        set_path(&mut tree, "labs.a.mfu", serde_json::json!(0.5)).unwrap();
        set_path(&mut tree, "labs.a.cadence.mean", serde_json::json!(3.0)).unwrap();
        assert_eq!(get_path(&tree, "labs.a.mfu").unwrap(), 0.5);
        assert_eq!(get_path(&tree, "labs.a.cadence.mean").unwrap(), 3.0);
        let e = set_path(&mut tree, "labs.b.mfu", serde_json::json!(1)).unwrap_err();
        assert!(e.contains("no entity named `b`"), "{e}");
        let e = set_path(&mut tree, "labs.a.mfuu", serde_json::json!(1)).unwrap_err();
        assert!(e.contains("did you mean `mfu`"), "{e}");
        let e = set_path(&mut tree, "labs.a.name", serde_json::json!(1)).unwrap_err();
        assert!(e.contains("does not name a number"), "{e}");
        // An enum's kind is named to reach its number (audit s33-modeler F7).
        let mut quota = serde_json::json!({
            "policies": [{"name": "cap", "action": {"ExportControl": {"control": {"QuotaPerMonth": 40000}}}}]
        });
        let e = set_path(&mut quota, "policies.cap.action.control", serde_json::json!(1)).unwrap_err();
        assert!(
            e.contains("names `QuotaPerMonth(…)`")
                && e.contains("`policies.cap.action.control.QuotaPerMonth`"),
            "{e}"
        );
        let e = set_path(&mut quota, "policies.cap.action.control.0", serde_json::json!(1)).unwrap_err();
        assert!(
            e.contains("`policies.cap.action.control.QuotaPerMonth` is a number, which has no field `0`"),
            "{e}"
        );
        set_path(
            &mut quota,
            "policies.cap.action.control.QuotaPerMonth",
            serde_json::json!(9),
        )
        .unwrap();
        assert_eq!(
            canonical_path(&quota, "policies.cap.action.control.QuotaPerMonth").as_deref(),
            Some("policies.cap.action.ExportControl.control.QuotaPerMonth")
        );
        assert_eq!(
            canonical_path(&quota, "policies.cap.action.ExportControl.control.QuotaPerMonth"),
            canonical_path(&quota, "policies.cap.action.control.QuotaPerMonth")
        );
        assert_eq!(canonical_path(&quota, "policies.cap.nothing"), None);
    }

    #[test]
    fn paths_over_dates_are_scaled_and_whole_numbers_stay_whole() {
        let mut tree = serde_json::json!({
            "labs": [{"name": "a", "budget": {"step": [["2025-01-01", 2.0], ["2026-01-01", 4.0]]}}],
            "designs": [{"name": "d", "hbm_stacks": 6}]
        });
        let e = set_path(&mut tree, "labs.a.budget", serde_json::json!(3.0)).unwrap_err();
        assert!(
            e.contains("path over dates") && e.contains("`labs.a.budget.scale`"),
            "{e}"
        );
        set_path(&mut tree, "labs.a.budget.scale", serde_json::json!(1.5)).unwrap();
        assert_eq!(
            tree["labs"][0]["budget"],
            serde_json::json!({"step": [["2025-01-01", 3.0], ["2026-01-01", 6.0]]})
        );
        assert!(names_whole_number(&tree, "designs.d.hbm_stacks"));
        assert!(!names_whole_number(&tree, "labs.a.budget"));
        set_path(&mut tree, "designs.d.hbm_stacks", serde_json::json!(5.0)).unwrap();
        assert!(
            tree["designs"][0]["hbm_stacks"].is_i64(),
            "{}",
            tree["designs"][0]
        );
        let e = set_path(&mut tree, "designs.d.hbm_stacks.scale", serde_json::json!(2.0)).unwrap_err();
        assert!(
            e.contains("`designs.d.hbm_stacks` is written as a number")
                && e.contains("only to a path over dates")
                && e.contains("name `designs.d.hbm_stacks`"),
            "{e}"
        );
        let e = set_path(&mut tree, "designs.d.hbm_stacks", serde_json::json!(5.5)).unwrap_err();
        assert!(e.contains("whole-number field"), "{e}");
    }
}
