//! Durable storage of finished runs: one small file per run under
//! `DIR/runs/`, written to a temporary name, flushed (fsync) and renamed, so a
//! file named `run-<index>.txt` is always complete — a batch killed at any
//! moment loses no finished run and leaves no half-written one.
//!
//! Format 3 (written now): a text header, the series' keys and instants once
//! each, then the instants × keys grid of values as raw little-endian IEEE-754
//! doubles (`NaN` where the run reported nothing), then a checksum line and
//! `end`. Text numbers are Rust's shortest round-trip form; the grid is the
//! bits themselves, so everything reads back exactly. A ten-year scenario's
//! run is ~0.4 MB (format 1 wrote one text line per point: ~3.3 MB and ~20 ms
//! of formatting and parsing per run). The header records the scenario's
//! identity hash (the manifest's `scenario_hash`) and `check` the FNV-1a
//! hash of every byte before it, so a file copied from another scenario's
//! batch (a `compare`'s other side shares seeds and draws) or edited is
//! refused, not reused. Formats 2 (no `scenario`, no `check`) and 1 are still
//! read, so a batch started by an older build merges.
//!
//! ```text
//! aistack-run 3
//! run 12
//! seed 9034768128372
//! scenario fnv1a64:6c2f0e1d9a3b4c5d:18234
//! params 2
//! labs.a.cadence_months\t6.5
//! grid.capacity_factor\t0.31
//! scalars 1
//! releases\t14.0
//! keys 2
//! energy.unserved_mwh\tnational
//! training.largest_run_flop\tnational
//! instants 1
//! 0.0833\t2026-02-01
//! values 2
//! <16 bytes: 2 doubles, little-endian, instant-major>
//! check 8f3a2b1c0d9e8f7a
//! end
//! ```

use crate::error::io_err;
use crate::model::{RunResult, SeriesPoint};
use crate::series::{Instant, Series, SeriesKey};
use crate::{McError, Result};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// One finished run as stored: index, seed, parameter values and the model's result.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRecord {
    /// Run index within the batch (0-based).
    pub run: u64,
    /// The seed the model was run with.
    pub seed: u64,
    /// Parameter values `(path, value)` in model order.
    pub params: Vec<(String, f64)>,
    /// Identity hash of the scenario the run was made with (the manifest's
    /// `scenario_hash`); empty when read from a file of format 1 or 2,
    /// which did not record it.
    pub scenario: String,
    /// What the model returned.
    pub result: RunResult,
}

const HEADER: &str = "aistack-run 3";
const HEADER_V2: &str = "aistack-run 2";
const HEADER_V1: &str = "aistack-run 1";
/// Length of a format-3 file's tail: `check ` + 16 hex digits + `\n` + `end\n`.
const TAIL_LEN: usize = 6 + 16 + 1 + 4;

/// Checks a format-3 file's `check` line against the FNV-1a hash of every
/// byte before it; `Ok` for other formats (they have none).
fn verify_checksum(bytes: &[u8], path: &Path) -> Result<()> {
    if !bytes.starts_with(HEADER.as_bytes()) {
        return Ok(());
    }
    // The line of the `check` line (or, cut short, the line after the last).
    let line_of = |end: usize| bytes[..end].iter().filter(|&&b| b == b'\n').count() + 1;
    let bad = |line: usize, message: String| McError::RunFile {
        path: path.to_path_buf(),
        line,
        message,
    };
    match bytes.get(HEADER.len()) {
        Some(b'\n') => {}
        // `aistack-run 3\r\n`: its line ends were converted (a text-mode
        // copy), which also changes the values' bytes.
        Some(b'\r') => {
            return Err(bad(
                1,
                "its line ends were changed (a format-3 run file has LF line ends and binary \
                 values): the file was converted or damaged"
                    .into(),
            ));
        }
        None => return Err(bad(1, "truncated after its header".into())),
        // Another header (`aistack-run 30`): the parser names it.
        Some(_) => return Ok(()),
    }
    let Some(body_len) = bytes.len().checked_sub(TAIL_LEN) else {
        return Err(bad(line_of(bytes.len()), "truncated: no `check` line".into()));
    };
    let bad = |message: String| bad(line_of(body_len), message);
    let tail = &bytes[body_len..];
    let recorded = std::str::from_utf8(tail)
        .ok()
        .and_then(|t| t.strip_prefix("check "))
        .and_then(|t| t.strip_suffix("\nend\n"))
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .ok_or_else(|| bad("expected `check <16 hex digits>` and `end` at the end of the file".into()))?;
    let actual = scheduler::rng::fnv1a64(&bytes[..body_len]);
    if recorded != actual {
        return Err(bad(format!(
            "its contents do not match its checksum (recorded {recorded:016x}, contents \
             {actual:016x}): the file was edited or damaged"
        )));
    }
    Ok(())
}

/// The directory holding per-run files of batch directory `dir`.
pub fn runs_dir(dir: &Path) -> PathBuf {
    dir.join("runs")
}

/// The file of run `run` in batch directory `dir`.
pub fn run_file_path(dir: &Path, run: u64) -> PathBuf {
    runs_dir(dir).join(format!("run-{run:012}.txt"))
}

fn check_name(kind: &str, name: &str, run: u64) -> Result<()> {
    if name.is_empty() || name.contains(['\t', '\n', '\r', ',', '"']) {
        return Err(McError::Invalid(format!(
            "run {run}: {kind} name `{name}` must be non-empty without tabs, newlines, commas or quotes"
        )));
    }
    Ok(())
}

fn check_value(kind: &str, name: &str, v: f64, run: u64) -> Result<()> {
    if !v.is_finite() {
        return Err(McError::Invalid(format!(
            "run {run}: {kind} `{name}` is {v}, not a finite number"
        )));
    }
    Ok(())
}

/// Checks a record is storable: names without separators, finite values,
/// scalar names unique.
pub fn validate_record(rec: &RunRecord) -> Result<()> {
    let mut seen = BTreeSet::new();
    for (name, v) in &rec.result.scalars {
        check_name("scalar", name, rec.run)?;
        check_value("scalar", name, *v, rec.run)?;
        if !seen.insert(name.as_str()) {
            return Err(McError::Invalid(format!(
                "run {}: scalar `{name}` returned twice",
                rec.run
            )));
        }
    }
    for k in rec.result.series.keys() {
        check_name("metric", &k.metric, rec.run)?;
        check_name("entity", &k.entity, rec.run)?;
    }
    for i in rec.result.series.instants() {
        check_name("date", &i.date, rec.run)?;
    }
    Ok(())
}

/// Serialises a record to the run-file bytes (format 2, see the module docs).
pub fn encode_run(rec: &RunRecord) -> Vec<u8> {
    let series = &rec.result.series;
    let mut s = String::with_capacity(4096);
    let _ = writeln!(
        s,
        "{HEADER}\nrun {}\nseed {}\nscenario {}\nparams {}",
        rec.run,
        rec.seed,
        rec.scenario,
        rec.params.len()
    );
    for (p, v) in &rec.params {
        let _ = writeln!(s, "{p}\t{v:?}");
    }
    let _ = writeln!(s, "scalars {}", rec.result.scalars.len());
    for (n, v) in &rec.result.scalars {
        let _ = writeln!(s, "{n}\t{v:?}");
    }
    let _ = writeln!(s, "keys {}", series.keys().len());
    for k in series.keys() {
        let _ = writeln!(s, "{}\t{}", k.metric, k.entity);
    }
    let _ = writeln!(s, "instants {}", series.instants().len());
    for i in series.instants() {
        let _ = writeln!(s, "{:?}\t{}", i.time_year, i.date);
    }
    let _ = writeln!(s, "values {}", series.values().len());
    let mut bytes = s.into_bytes();
    bytes.reserve(series.values().len() * 8 + 4);
    for v in series.values() {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    let check = scheduler::rng::fnv1a64(&bytes);
    let _ = writeln!(bytes, "check {check:016x}");
    bytes.extend_from_slice(b"end\n");
    bytes
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, fsync
/// when `durable`, then rename over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8], durable: bool) -> Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let mut f = std::fs::File::create(&tmp).map_err(io_err(&tmp))?;
    f.write_all(bytes).map_err(io_err(&tmp))?;
    if durable {
        f.sync_all().map_err(io_err(&tmp))?;
    }
    drop(f);
    std::fs::rename(&tmp, path).map_err(io_err(path))
}

/// Flushes a directory's entries (renames) to disk; a no-op where unsupported.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Writes one run's file durably (see the module docs).
pub fn write_run(dir: &Path, rec: &RunRecord, durable: bool) -> Result<()> {
    validate_record(rec)?;
    write_atomic(&run_file_path(dir, rec.run), &encode_run(rec), durable)
}

/// Line cursor over the text part of a run file, for error messages with line numbers.
struct Lines<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    path: &'a Path,
}

impl<'a> Lines<'a> {
    fn bad(&self, line: usize, message: String) -> McError {
        McError::RunFile {
            path: self.path.to_path_buf(),
            line,
            message,
        }
    }
    fn next(&mut self, what: &str) -> Result<(usize, &'a str)> {
        let rest = &self.bytes[self.pos..];
        let Some(len) = rest.iter().position(|&b| b == b'\n') else {
            return Err(self.bad(0, format!("truncated before {what}")));
        };
        self.pos += len + 1;
        self.line += 1;
        let text = std::str::from_utf8(&rest[..len]).map_err(|_| self.bad(self.line, "not UTF-8".into()))?;
        Ok((self.line, text.strip_suffix('\r').unwrap_or(text)))
    }
    fn keyed(&mut self, key: &str) -> Result<u64> {
        let (ln, l) = self.next(key)?;
        let v = l
            .strip_prefix(key)
            .and_then(|r| r.strip_prefix(' '))
            .and_then(|r| r.parse().ok());
        v.ok_or_else(|| self.bad(ln, format!("expected `{key} <integer>`")))
    }
    /// A line `key <text>`: the text.
    fn text(&mut self, key: &str) -> Result<&'a str> {
        let (ln, l) = self.next(key)?;
        l.strip_prefix(key)
            .and_then(|r| r.strip_prefix(' '))
            .ok_or_else(|| self.bad(ln, format!("expected `{key} <text>`")))
    }
    fn num(&self, ln: usize, s: &str) -> Result<f64> {
        s.parse::<f64>()
            .map_err(|_| self.bad(ln, format!("`{s}` is not a number")))
    }
    /// `key n` then n lines `a<TAB>b`.
    fn tab_pairs(&mut self, key: &str) -> Result<Vec<(usize, &'a str, &'a str)>> {
        let n = self.keyed(key)?;
        let mut out = Vec::with_capacity(n.min(1 << 20) as usize);
        for _ in 0..n {
            let (ln, l) = self.next(key)?;
            let (a, b) = l
                .split_once('\t')
                .ok_or_else(|| self.bad(ln, "expected `name<TAB>value`".into()))?;
            out.push((ln, a, b));
        }
        Ok(out)
    }
    fn pairs(&mut self, key: &str) -> Result<Vec<(String, f64)>> {
        self.tab_pairs(key)?
            .into_iter()
            .map(|(ln, name, v)| Ok((name.to_string(), self.num(ln, v)?)))
            .collect()
    }
}

/// Parses a run file's bytes (format 2, or format 1); `path` is only for error messages.
pub fn decode_run(bytes: &[u8], path: &Path) -> Result<RunRecord> {
    verify_checksum(bytes, path)?;
    let mut c = Lines {
        bytes,
        pos: 0,
        line: 0,
        path,
    };
    let (version, inputs) = decode_inputs(&mut c)?;
    let scalars = c.pairs("scalars")?;
    let series = if version == 1 {
        decode_series_v1(&mut c)?
    } else {
        decode_series(&mut c)?
    };
    if version == 3 {
        c.text("check")?;
    }
    let (ln, end) = c.next("end")?;
    if end != "end" || c.pos != bytes.len() {
        return Err(c.bad(ln, "expected `end` at the end of the file".into()));
    }
    let RunInputs {
        run,
        seed,
        params,
        scenario,
    } = inputs;
    Ok(RunRecord {
        run,
        seed,
        params,
        scenario,
        result: RunResult { scalars, series },
    })
}

/// The format version and the inputs of a run file's header: the header
/// line, `run`, `seed`, `scenario` (format 3) and the parameters.
fn decode_inputs(c: &mut Lines<'_>) -> Result<(u8, RunInputs)> {
    let (ln, h) = c.next("header")?;
    let version = match h {
        HEADER => 3,
        HEADER_V2 => 2,
        HEADER_V1 => 1,
        _ => return Err(c.bad(ln, format!("expected `{HEADER}`"))),
    };
    let run = c.keyed("run")?;
    let seed = c.keyed("seed")?;
    let scenario = if version == 3 {
        c.text("scenario")?.to_string()
    } else {
        String::new()
    };
    let params = c.pairs("params")?;
    Ok((
        version,
        RunInputs {
            run,
            seed,
            params,
            scenario,
        },
    ))
}

fn decode_series(c: &mut Lines<'_>) -> Result<Series> {
    let keys: Vec<SeriesKey> = c
        .tab_pairs("keys")?
        .into_iter()
        .map(|(_, m, e)| SeriesKey {
            metric: m.to_string(),
            entity: e.to_string(),
        })
        .collect();
    let instants = c
        .tab_pairs("instants")?
        .into_iter()
        .map(|(ln, t, d)| {
            Ok(Instant {
                time_year: c.num(ln, t)?,
                date: d.to_string(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let n = c.keyed("values")? as usize;
    let ln = c.line;
    let end = n
        .checked_mul(8)
        .and_then(|b| c.pos.checked_add(b))
        .filter(|&e| e <= c.bytes.len())
        .ok_or_else(|| c.bad(ln, format!("truncated inside the {n} values")))?;
    let values = c.bytes[c.pos..end]
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
        .collect();
    c.pos = end;
    Series::from_parts(keys, instants, values).map_err(|m| c.bad(ln, m))
}

/// Format 1: `series N`, then N lines `time_year<TAB>date<TAB>metric<TAB>entity<TAB>value`.
fn decode_series_v1(c: &mut Lines<'_>) -> Result<Series> {
    let n = c.keyed("series")?;
    let mut points = Vec::with_capacity(n.min(1 << 24) as usize);
    for _ in 0..n {
        let (ln, l) = c.next("series")?;
        let f: Vec<&str> = l.split('\t').collect();
        if f.len() != 5 {
            return Err(c.bad(ln, "expected 5 tab-separated series fields".into()));
        }
        points.push(SeriesPoint {
            time_year: c.num(ln, f[0])?,
            date: f[1].to_string(),
            metric: f[2].to_string(),
            entity: f[3].to_string(),
            value: c.num(ln, f[4])?,
        });
    }
    let ln = c.line;
    Series::from_points(points).map_err(|m| c.bad(ln, m))
}

/// Reads one run file.
pub fn read_run(path: &Path) -> Result<RunRecord> {
    let bytes = std::fs::read(path).map_err(io_err(path))?;
    decode_run(&bytes, path)
}

/// The indices of finished runs in batch directory `dir` (temporary files of
/// an interrupted write are ignored); empty when `runs/` does not exist.
pub fn list_runs(dir: &Path) -> Result<BTreeSet<u64>> {
    let rd = runs_dir(dir);
    let mut out = BTreeSet::new();
    let entries = match std::fs::read_dir(&rd) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(McError::Io { path: rd, source: e }),
    };
    for entry in entries {
        let entry = entry.map_err(io_err(&rd))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if let Some(i) = run_file_index(&name) {
            out.insert(i);
        }
    }
    Ok(out)
}

/// The run index of a run file's name (`run-000000000007.txt` is run 7), or
/// `None` for any other name.
pub(crate) fn run_file_index(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("run-")?.strip_suffix(".txt")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// What of a batch's outputs `dir` holds: the [`BATCH_FILES`] there, and
/// `runs/` if it is a directory. For the `--out` checks of commands that
/// must not write among them (`plot`, `sensitivity`).
pub(crate) fn batch_outputs_in(dir: &Path) -> Vec<String> {
    let mut found: Vec<String> = BATCH_FILES
        .iter()
        .filter(|f| dir.join(f).exists())
        .map(|f| f.to_string())
        .collect();
    if dir.join("runs").is_dir() {
        found.push("runs/".into());
    }
    found
}

/// The files a batch writes in its directory (beside `runs/`): the manifest
/// and every output [`crate::outputs::rebuild_outputs`] may write. Each is
/// written through a temporary `.<name>.tmp-<pid>` beside it
/// ([`write_atomic`], [`crate::outputs::AtomicFile`]).
pub const BATCH_FILES: [&str; 10] = [
    "manifest.json",
    "runs.csv",
    "runs.do",
    "bands.csv",
    "summary.json",
    "convergence.csv",
    "timeseries.csv",
    "runs.parquet",
    "bands.parquet",
    "timeseries.parquet",
];

/// Refuses an output directory `dir` that holds no `manifest.json` but some
/// of [`BATCH_FILES`] (in the order listed there), or a `scenario/` (where
/// the scenario's copy would replace it, [`crate::scenario_copy`]), with
/// [`McError::ForeignOutputs`]: a batch, eval or merge writing there
/// would replace them and remove `timeseries.csv` and the Parquet files it
/// does not write, and they are not its own (a directory of its own has a
/// manifest from before its first run). `aistack run` writes `summary.json`
/// and `timeseries.csv` too: its output must not be lost to a batch given
/// the same `--out`. A directory that does not exist, or holds a manifest
/// (refused or resumed by the caller) or run files (`runs/`: the caller
/// names them) passes. `command` names the writer in the message.
pub fn refuse_foreign_outputs(dir: &Path, command: &'static str) -> Result<()> {
    if !dir.is_dir() || dir.join("manifest.json").exists() || !list_runs(dir)?.is_empty() {
        return Ok(());
    }
    let mut files: Vec<String> = BATCH_FILES
        .iter()
        .filter(|f| dir.join(f).exists())
        .map(|f| f.to_string())
        .collect();
    // The copy of the scenario goes in `scenario/`, replacing what is there.
    let copy = crate::scenario_copy::SCENARIO_DIR;
    if dir.join(copy).exists() {
        files.push(format!("{copy}/"));
    }
    if files.is_empty() {
        return Ok(());
    }
    Err(McError::ForeignOutputs {
        dir: dir.to_path_buf(),
        files,
        command,
    })
}

/// Whether `file_name` is a temporary file aistack writes for one of
/// `outputs`: `.<output>.tmp-<pid>`, a process id in decimal digits.
pub fn is_temp_of(file_name: &str, outputs: &[&str]) -> bool {
    outputs.iter().any(|o| {
        file_name
            .strip_prefix('.')
            .and_then(|r| r.strip_prefix(*o))
            .and_then(|r| r.strip_prefix(".tmp-"))
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// Removes the temporary files of `outputs` ([`is_temp_of`]) that an
/// interrupted writer left in `dir` itself (a `timeseries.csv` being
/// rebuilt can be tens of GB); other files are never touched. Any process's
/// temporary files count as stale: callers hold the directory's lock
/// ([`crate::lock`]), so no other process is writing there.
pub fn remove_stale_output_temps(dir: &Path, outputs: &[&str]) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        if is_temp_of(&entry.file_name().to_string_lossy(), outputs) {
            std::fs::remove_file(entry.path()).map_err(io_err(entry.path()))?;
        }
    }
    Ok(())
}

/// Removes temporary files left by an interrupted writer: every dot file in
/// `runs/` (half-written runs, merge copies), the temporary files of
/// [`BATCH_FILES`] in `dir` itself and those of the scenario's copy
/// ([`crate::scenario_copy::remove_stale`]). Callers hold the directory's lock
/// ([`crate::lock`]), so these are no other process's files in flight.
pub fn remove_stale_temps(dir: &Path) -> Result<()> {
    remove_stale_output_temps(dir, &BATCH_FILES)?;
    crate::scenario_copy::remove_stale(dir)?;
    let rd = runs_dir(dir);
    let Ok(entries) = std::fs::read_dir(&rd) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with('.') {
            std::fs::remove_file(entry.path()).map_err(io_err(entry.path()))?;
        }
    }
    Ok(())
}

/// The inputs a run file records ([`read_run_inputs`]).
#[derive(Clone, Debug, PartialEq)]
pub struct RunInputs {
    /// Run index within its batch.
    pub run: u64,
    /// The seed the run was made with.
    pub seed: u64,
    /// Parameter values `(path, value)` in model order.
    pub params: Vec<(String, f64)>,
    /// The scenario's identity hash (empty for formats 1 and 2).
    pub scenario: String,
}

/// The inputs a run file records: run index, seed, scenario and parameter
/// values by path. Reads the whole file, to check a format-3 file's
/// checksum (an edited value would otherwise be reused), then parses only
/// the header.
pub fn read_run_inputs(path: &Path) -> Result<RunInputs> {
    let bytes = std::fs::read(path).map_err(io_err(path))?;
    verify_checksum(&bytes, path)?;
    let mut c = Lines {
        bytes: &bytes,
        pos: 0,
        line: 0,
        path,
    };
    Ok(decode_inputs(&mut c)?.1)
}

/// What a batch's manifest says its runs were made with: the scenario's
/// identity hash (`scenario_hash`) and, where recorded, the maths
/// library's fingerprint (`math_fingerprint`, which names the cause when a
/// drawn value differs only in its last bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MadeWith<'a> {
    /// The manifest's `scenario_hash`.
    pub scenario: &'a str,
    /// The manifest's `math_fingerprint` (`None`: not recorded).
    pub math: Option<&'a str>,
}

/// Refuses a run file whose recorded inputs are not those the batch gives
/// run `run`: its checksum (format 3), its index, its seed
/// (`expected_seed`, from the master seed), its scenario
/// (`batch.scenario`, the manifest's `scenario_hash`; files of formats 1
/// and 2 recorded none) and — where the design draws them (`expected`:
/// `(path, value)` in model order) — its parameter paths and values, bit
/// for bit. `what_to_do` ends the message, except where a value differs and
/// the batch's maths library fingerprint (`batch.math`) is not this
/// machine's: then that is named as the cause ([`crate::manifest::math_cause`]). A file copied from a batch with
/// another seed or scenario, or edited, would otherwise be reused silently
/// and change every output.
pub fn check_run_inputs(
    path: &Path,
    run: u64,
    expected_seed: u64,
    batch: MadeWith<'_>,
    expected: Option<&[(String, f64)]>,
    what_to_do: &str,
) -> Result<()> {
    let recorded = read_run_inputs(path).map_err(|e| McError::Invalid(format!("{e}; {what_to_do}")))?;
    check_recorded_inputs(path, &recorded, run, expected_seed, batch, expected, what_to_do)
}

/// [`check_run_inputs`] on inputs already read from the run file at `path`
/// (a replay reads the whole record).
pub fn check_recorded_inputs(
    path: &Path,
    recorded: &RunInputs,
    run: u64,
    expected_seed: u64,
    batch: MadeWith<'_>,
    expected: Option<&[(String, f64)]>,
    what_to_do: &str,
) -> Result<()> {
    let RunInputs {
        run: rec_run,
        seed,
        ref params,
        ref scenario,
    } = *recorded;
    let refuse = |what: String| {
        Err(McError::Invalid(format!(
            "{}: {what}: the file is not this batch's run {run} (copied from another batch, or \
             edited); {what_to_do}",
            path.display()
        )))
    };
    if rec_run != run {
        return refuse(format!("it records run {rec_run}"));
    }
    if seed != expected_seed {
        return refuse(format!(
            "its seed is {seed}, but the batch's master seed gives run {run} the seed {expected_seed}"
        ));
    }
    let expected_scenario = batch.scenario;
    if !scenario.is_empty() && scenario != expected_scenario {
        return refuse(format!(
            "it was made with the scenario {scenario}, the batch's is {expected_scenario} \
             (manifest.json `scenario_hash`)"
        ));
    }
    let Some(expected) = expected else {
        return Ok(());
    };
    let paths = |v: &[(String, f64)]| v.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>().join(", ");
    if params.len() != expected.len() || params.iter().zip(expected).any(|((a, _), (b, _))| a != b) {
        return refuse(format!(
            "its parameters are [{}], the batch's [{}]",
            paths(params),
            paths(expected)
        ));
    }
    for ((p, a), (_, b)) in params.iter().zip(expected) {
        if a.to_bits() != b.to_bits() {
            if let Some(cause) = crate::manifest::math_cause(batch.math) {
                return Err(McError::Invalid(format!(
                    "{}: its `{p}` is {a:?}, but the batch's design computed here gives run {run} \
                     {b:?}: {cause}",
                    path.display()
                )));
            }
            return refuse(format!(
                "its `{p}` is {a:?}, but the batch's design gives run {run} {b:?}"
            ));
        }
    }
    Ok(())
}

/// Writes `record` to `path` as pretty JSON with a final newline,
/// atomically ([`write_atomic`]): summary.json, manifest.json and the
/// sensitivity records.
pub(crate) fn write_json_record<T: serde::Serialize>(path: &Path, record: &T) -> Result<()> {
    write_atomic(path, &json_record_text(path, record)?, true)
}

/// `record` as pretty JSON with a final newline (`path` names the file in an error).
pub(crate) fn json_record_text<T: serde::Serialize>(path: &Path, record: &T) -> Result<Vec<u8>> {
    let mut text = serde_json::to_string_pretty(record).map_err(|source| McError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    text.push('\n');
    Ok(text.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> RunRecord {
        RunRecord {
            run: 42,
            seed: u64::MAX - 3,
            params: vec![("a.b".into(), 0.1 + 0.2), ("c".into(), -1.0e-300)],
            scenario: "fnv1a64:0123456789abcdef:99".into(),
            result: RunResult {
                scalars: vec![("x_flop".into(), 3.0e25), ("y".into(), std::f64::consts::PI)],
                series: Series::from_points([
                    point(1.0 / 12.0, "energy.unserved_mwh", 123.456_789_012_345_68),
                    point(1.0 / 12.0, "fab.out", -0.0),
                    point(2.0 / 12.0, "fab.out", 1e-310), // energy.unserved_mwh absent here
                ])
                .unwrap(),
            },
        }
    }

    fn point(t: f64, metric: &str, value: f64) -> SeriesPoint {
        SeriesPoint {
            time_year: t,
            date: format!("2026-{:02}-01", (t * 12.0).round() as u32 + 1),
            metric: metric.into(),
            entity: "national".into(),
            value,
        }
    }

    #[test]
    fn format_1_files_still_read() {
        let rec = record();
        let mut text = format!(
            "aistack-run 1\nrun 42\nseed {}\nparams 2\na.b\t{:?}\nc\t{:?}\nscalars 2\nx_flop\t3e25\ny\t{:?}\nseries 3\n",
            rec.seed,
            0.1 + 0.2,
            -1.0e-300,
            std::f64::consts::PI
        );
        for p in rec.result.series.points() {
            text += &format!(
                "{:?}\t{}\t{}\t{}\t{:?}\n",
                p.instant.time_year, p.instant.date, p.key.metric, p.key.entity, p.value
            );
        }
        text += "end\n";
        // Format 1 recorded no scenario.
        let rec = RunRecord {
            scenario: String::new(),
            ..rec
        };
        assert_eq!(decode_run(text.as_bytes(), Path::new("x")).unwrap(), rec);
    }

    /// Format 2 is format 3 without the `scenario` and `check` lines.
    fn as_format_2(v3: &[u8]) -> Vec<u8> {
        let text_end = v3.iter().position(|&b| b == b'\n').unwrap() + 1;
        let mut out = b"aistack-run 2\n".to_vec();
        let mut rest = &v3[text_end..];
        for _ in 0..2 {
            let n = rest.iter().position(|&b| b == b'\n').unwrap() + 1;
            out.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
        }
        let n = rest.iter().position(|&b| b == b'\n').unwrap() + 1;
        assert!(rest.starts_with(b"scenario "));
        rest = &rest[n..];
        out.extend_from_slice(&rest[..rest.len() - TAIL_LEN]);
        out.extend_from_slice(b"end\n");
        out
    }

    #[test]
    fn format_2_files_still_read_without_a_scenario() {
        let v2 = as_format_2(&encode_run(&record()));
        let back = decode_run(&v2, Path::new("x")).unwrap();
        assert_eq!(
            back,
            RunRecord {
                scenario: String::new(),
                ..record()
            }
        );
    }

    #[test]
    fn an_edited_file_fails_its_checksum() {
        let bytes = encode_run(&record());
        // Every byte before the checksum line is covered: the header's
        // numbers, a scalar's text, a value's bits.
        for at in [15, bytes.len() / 2, bytes.len() - TAIL_LEN - 3] {
            let mut edited = bytes.clone();
            edited[at] ^= 1;
            let err = decode_run(&edited, Path::new("x")).unwrap_err().to_string();
            assert!(err.contains("do not match its checksum"), "byte {at}: {err}");
            // Named at the `check` line (1-based), not line 0.
            let check_line = bytes[..bytes.len() - TAIL_LEN]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            assert!(err.starts_with(&format!("x:{check_line}: ")), "{err}");
        }
        // Its text lines converted to CRLF (the binary values left alone):
        // refused, not read as an unchecked file (review s15, finding 1).
        let text_end = bytes.iter().position(|&b| b == b'\n').unwrap();
        let mut crlf = bytes[..text_end].to_vec();
        crlf.extend_from_slice(b"\r");
        crlf.extend_from_slice(&bytes[text_end..]);
        let err = decode_run(&crlf, Path::new("x")).unwrap_err().to_string();
        assert!(err.contains("line ends were changed"), "{err}");
        let dir = tempfile::Builder::new()
            .prefix("mc-store-crlf-")
            .tempdir()
            .unwrap();
        let file = dir.path().join("run.txt");
        std::fs::write(&file, &crlf).unwrap();
        let err = read_run_inputs(&file).unwrap_err().to_string();
        assert!(err.contains("line ends were changed"), "{err}");
    }

    /// Audit s23-repro F1: a drawn value that differs in its last bits where
    /// the batch's maths library was another is not called an edited or
    /// copied file, and no advice to recompute it (which would mix the two
    /// maths libraries) follows.
    #[test]
    fn a_value_drawn_by_another_maths_library_is_named_as_such() {
        let rec = record();
        let inputs = RunInputs {
            run: rec.run,
            seed: rec.seed,
            params: rec.params.clone(),
            scenario: rec.scenario.clone(),
        };
        let mut design = rec.params.clone();
        design[0].1 = f64::from_bits(design[0].1.to_bits() + 1);
        let check = |math: Option<&str>| {
            check_recorded_inputs(
                Path::new("x"),
                &inputs,
                42,
                rec.seed,
                MadeWith {
                    scenario: &rec.scenario,
                    math,
                },
                Some(&design),
                "move it out",
            )
            .unwrap_err()
            .to_string()
        };
        let other = "fnv1a64:0000000000000000";
        assert_ne!(other, scheduler::math_fingerprint());
        let err = check(Some(other));
        assert!(
            err.contains("maths library gives different last bits")
                && err.contains(other)
                && err.contains(scheduler::math_fingerprint())
                && !err.contains("copied")
                && !err.contains("move it out"),
            "{err}"
        );
        // The same fingerprint, or none recorded: the file is in doubt.
        for math in [Some(scheduler::math_fingerprint()), None] {
            let err = check(math);
            assert!(
                err.contains("copied from another batch") && err.ends_with("move it out"),
                "{err}"
            );
        }
    }

    #[test]
    fn a_run_of_another_scenario_is_refused() {
        let rec = record();
        let inputs = RunInputs {
            run: rec.run,
            seed: rec.seed,
            params: rec.params.clone(),
            scenario: rec.scenario.clone(),
        };
        let check = |scenario: &str| {
            check_recorded_inputs(
                Path::new("x"),
                &inputs,
                42,
                rec.seed,
                MadeWith { scenario, math: None },
                Some(&rec.params),
                "do this",
            )
        };
        assert!(check(&rec.scenario).is_ok());
        let err = check("fnv1a64:fedcba9876543210:99").unwrap_err().to_string();
        assert!(
            err.contains("made with the scenario fnv1a64:0123456789abcdef:99"),
            "{err}"
        );
        assert!(err.ends_with("do this"), "{err}");
        // A file of format 1 or 2 recorded none: nothing to compare.
        let old = RunInputs {
            scenario: String::new(),
            ..inputs.clone()
        };
        assert!(
            check_recorded_inputs(
                Path::new("x"),
                &old,
                42,
                rec.seed,
                MadeWith {
                    scenario: "any",
                    math: None
                },
                Some(&rec.params),
                ""
            )
            .is_ok()
        );
    }

    #[test]
    fn run_file_round_trips_bit_exactly() {
        let rec = record();
        let back = decode_run(&encode_run(&rec), Path::new("x")).unwrap();
        assert_eq!(back, rec);
        assert_eq!(back.params[0].1.to_bits(), (0.1f64 + 0.2).to_bits());
        assert_eq!(
            back.result.series.value(0, 1).map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(back.result.series.value(1, 0), None);
    }

    #[test]
    fn truncated_or_nonfinite_records_are_refused() {
        let bytes = encode_run(&record());
        for cut in [bytes.len() - 4, bytes.len() - 9, bytes.len() / 2, 20] {
            assert!(
                matches!(
                    decode_run(&bytes[..cut], Path::new("x")),
                    Err(McError::RunFile { .. })
                ),
                "a file cut at {cut} bytes was accepted"
            );
        }
        // Cut right after the header: truncated, not converted.
        let err = decode_run(&bytes[..HEADER.len()], Path::new("x"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("truncated after its header"), "{err}");
        let mut longer = bytes.clone();
        longer.extend_from_slice(b"x");
        assert!(decode_run(&longer, Path::new("x")).is_err());
        let mut rec = record();
        rec.result.scalars[0].1 = f64::NAN;
        assert!(validate_record(&rec).unwrap_err().to_string().contains("x_flop"));
    }

    #[test]
    fn listing_ignores_temp_files_and_cleanup_removes_them() {
        let scratch = tempfile::Builder::new().prefix("mc-store-").tempdir().unwrap();
        let dir = scratch.path().join("d");
        std::fs::create_dir_all(runs_dir(&dir)).unwrap();
        write_run(&dir, &record(), true).unwrap();
        std::fs::write(runs_dir(&dir).join(".run-000000000007.txt.tmp-1"), "half").unwrap();
        assert_eq!(list_runs(&dir).unwrap().into_iter().collect::<Vec<_>>(), vec![42]);
        remove_stale_temps(&dir).unwrap();
        assert_eq!(std::fs::read_dir(runs_dir(&dir)).unwrap().count(), 1);
        assert_eq!(read_run(&run_file_path(&dir, 42)).unwrap(), record());
    }
}
