//! Durable storage of finished runs: one small text file per run under
//! `DIR/runs/`, written to a temporary name, flushed (fsync) and renamed, so a
//! file named `run-<index>.txt` is always complete — a batch killed at any
//! moment loses no finished run and leaves no half-written one.
//!
//! The format is line-oriented and exact: numbers are written with Rust's
//! shortest round-trip formatting and parsed back to the same bits.
//!
//! ```text
//! aistack-run 1
//! run 12
//! seed 9034768128372
//! params 2
//! labs.a.cadence_months\t6.5
//! grid.capacity_factor\t0.31
//! scalars 1
//! releases\t14.0
//! series 1
//! 0.0833\t2026-02-01\tenergy.unserved_mwh\tnational\t0.0
//! end
//! ```

use crate::error::io_err;
use crate::model::{RunResult, SeriesPoint};
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
    /// What the model returned.
    pub result: RunResult,
}

const HEADER: &str = "aistack-run 1";

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
    for p in &rec.result.series {
        check_name("metric", &p.metric, rec.run)?;
        check_name("entity", &p.entity, rec.run)?;
        check_name("date", &p.date, rec.run)?;
        check_value("metric", &p.metric, p.value, rec.run)?;
        check_value("time_year of", &p.metric, p.time_year, rec.run)?;
    }
    Ok(())
}

/// Serialises a record to the run-file text.
pub fn encode_run(rec: &RunRecord) -> String {
    let mut s = String::with_capacity(64 + rec.result.series.len() * 48);
    let _ = writeln!(
        s,
        "{HEADER}\nrun {}\nseed {}\nparams {}",
        rec.run,
        rec.seed,
        rec.params.len()
    );
    for (p, v) in &rec.params {
        let _ = writeln!(s, "{p}\t{v:?}");
    }
    let _ = writeln!(s, "scalars {}", rec.result.scalars.len());
    for (n, v) in &rec.result.scalars {
        let _ = writeln!(s, "{n}\t{v:?}");
    }
    let _ = writeln!(s, "series {}", rec.result.series.len());
    for p in &rec.result.series {
        let _ = writeln!(
            s,
            "{:?}\t{}\t{}\t{}\t{:?}",
            p.time_year, p.date, p.metric, p.entity, p.value
        );
    }
    s.push_str("end\n");
    s
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
    write_atomic(&run_file_path(dir, rec.run), encode_run(rec).as_bytes(), durable)
}

/// Line cursor over a run file, for error messages with line numbers.
struct Lines<'a> {
    it: std::iter::Enumerate<std::str::Lines<'a>>,
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
        match self.it.next() {
            Some((i, l)) => Ok((i + 1, l)),
            None => Err(self.bad(0, format!("truncated before {what}"))),
        }
    }
    fn keyed(&mut self, key: &str) -> Result<u64> {
        let (ln, l) = self.next(key)?;
        let v = l
            .strip_prefix(key)
            .and_then(|r| r.strip_prefix(' '))
            .and_then(|r| r.parse().ok());
        v.ok_or_else(|| self.bad(ln, format!("expected `{key} <integer>`")))
    }
    fn num(&self, ln: usize, s: &str) -> Result<f64> {
        s.parse::<f64>()
            .map_err(|_| self.bad(ln, format!("`{s}` is not a number")))
    }
    fn pairs(&mut self, key: &str) -> Result<Vec<(String, f64)>> {
        let n = self.keyed(key)?;
        let mut out = Vec::with_capacity(n.min(1 << 20) as usize);
        for _ in 0..n {
            let (ln, l) = self.next(key)?;
            let (name, v) = l
                .split_once('\t')
                .ok_or_else(|| self.bad(ln, "expected `name<TAB>value`".into()))?;
            out.push((name.to_string(), self.num(ln, v)?));
        }
        Ok(out)
    }
}

/// Parses a run file's text; `path` is only for error messages.
pub fn decode_run(text: &str, path: &Path) -> Result<RunRecord> {
    let mut c = Lines {
        it: text.lines().enumerate(),
        path,
    };
    let (ln, h) = c.next("header")?;
    if h != HEADER {
        return Err(c.bad(ln, format!("expected `{HEADER}`")));
    }
    let run = c.keyed("run")?;
    let seed = c.keyed("seed")?;
    let params = c.pairs("params")?;
    let scalars = c.pairs("scalars")?;
    let n = c.keyed("series")?;
    let mut series = Vec::with_capacity(n.min(1 << 24) as usize);
    for _ in 0..n {
        let (ln, l) = c.next("series")?;
        let f: Vec<&str> = l.split('\t').collect();
        if f.len() != 5 {
            return Err(c.bad(ln, "expected 5 tab-separated series fields".into()));
        }
        series.push(SeriesPoint {
            time_year: c.num(ln, f[0])?,
            date: f[1].to_string(),
            metric: f[2].to_string(),
            entity: f[3].to_string(),
            value: c.num(ln, f[4])?,
        });
    }
    let (ln, end) = c.next("end")?;
    if end != "end" {
        return Err(c.bad(ln, "expected `end`".into()));
    }
    Ok(RunRecord {
        run,
        seed,
        params,
        result: RunResult { scalars, series },
    })
}

/// Reads one run file.
pub fn read_run(path: &Path) -> Result<RunRecord> {
    let text = std::fs::read_to_string(path).map_err(io_err(path))?;
    decode_run(&text, path)
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
        if let Some(idx) = name.strip_prefix("run-").and_then(|r| r.strip_suffix(".txt")) {
            if let Ok(i) = idx.parse::<u64>() {
                out.insert(i);
            }
        }
    }
    Ok(out)
}

/// Removes temporary files left by an interrupted writer in `runs/`.
pub fn remove_stale_temps(dir: &Path) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> RunRecord {
        RunRecord {
            run: 42,
            seed: u64::MAX - 3,
            params: vec![("a.b".into(), 0.1 + 0.2), ("c".into(), -1.0e-300)],
            result: RunResult {
                scalars: vec![("x_flop".into(), 3.0e25), ("y".into(), std::f64::consts::PI)],
                series: vec![SeriesPoint {
                    time_year: 1.0 / 12.0,
                    date: "2026-02-01".into(),
                    metric: "energy.unserved_mwh".into(),
                    entity: "national".into(),
                    value: 123.456_789_012_345_68,
                }],
            },
        }
    }

    #[test]
    fn run_file_round_trips_bit_exactly() {
        let rec = record();
        let back = decode_run(&encode_run(&rec), Path::new("x")).unwrap();
        assert_eq!(back, rec);
        assert_eq!(back.params[0].1.to_bits(), (0.1f64 + 0.2).to_bits());
    }

    #[test]
    fn truncated_or_nonfinite_records_are_refused() {
        let text = encode_run(&record());
        let cut = &text[..text.len() - 4];
        assert!(matches!(
            decode_run(cut, Path::new("x")),
            Err(McError::RunFile { .. })
        ));
        let mut rec = record();
        rec.result.scalars[0].1 = f64::NAN;
        assert!(validate_record(&rec).unwrap_err().to_string().contains("x_flop"));
    }

    #[test]
    fn listing_ignores_temp_files_and_cleanup_removes_them() {
        let dir = std::env::temp_dir().join(format!("mc-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(runs_dir(&dir)).unwrap();
        write_run(&dir, &record(), true).unwrap();
        std::fs::write(runs_dir(&dir).join(".run-000000000007.txt.tmp-1"), "half").unwrap();
        assert_eq!(list_runs(&dir).unwrap().into_iter().collect::<Vec<_>>(), vec![42]);
        remove_stale_temps(&dir).unwrap();
        assert_eq!(std::fs::read_dir(runs_dir(&dir)).unwrap().count(), 1);
        assert_eq!(read_run(&run_file_path(&dir, 42)).unwrap(), record());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
