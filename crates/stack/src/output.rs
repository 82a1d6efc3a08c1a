//! What a run writes: `timeseries.csv` (tidy long format), `summary.json`,
//! and, on request, `events.jsonl`; and the rule that an output directory is
//! replaced only when the new run succeeded.

use serde::Serialize;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The header of `timeseries.csv`, exactly.
pub const TIMESERIES_HEADER: &str = "run,time_year,date,metric,entity,value";

/// One sample of one metric of one entity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeriesRow {
    /// Fractional calendar year of the sampling instant (2026.5 ≈ 2 July 2026).
    pub time_year: f64,
    /// ISO date of the sampling instant.
    pub date: String,
    /// Dotted metric name with its unit, e.g. `energy.unserved_mwh`.
    pub metric: String,
    /// Entity name, or `national` for totals.
    pub entity: String,
    /// The value, in the metric's unit.
    pub value: f64,
}

/// Formats a float for CSV: shortest representation that round-trips, so
/// the same run always writes the same bytes.
pub fn fmt_f64(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:?}")
    }
}

/// Writes rows in the tidy long format under `run` to `w`, header first if
/// `header` is set.
pub fn write_timeseries<W: Write>(mut w: W, run: u64, rows: &[SeriesRow], header: bool) -> io::Result<()> {
    if header {
        writeln!(w, "{TIMESERIES_HEADER}")?;
    }
    // Every metric of a sampling instant shares its time; fixed-precision
    // float formatting is slow (exact decimal expansion), so format each
    // instant once.
    let mut time = (f64::NAN, String::new());
    for r in rows {
        if r.time_year.to_bits() != time.0.to_bits() {
            time = (r.time_year, format!("{:.4}", r.time_year));
        }
        writeln!(
            w,
            "{run},{},{},{},{},{}",
            time.1,
            r.date,
            csv_field(&r.metric),
            csv_field(&r.entity),
            fmt_f64(r.value)
        )?;
    }
    Ok(())
}

fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// An output directory written beside its final place and moved there only
/// when complete: a failed run never leaves a mix of old and new files.
#[derive(Debug)]
pub struct StagedDir {
    staging: PathBuf,
    target: PathBuf,
}

impl StagedDir {
    /// Starts writing a new version of `target` in a sibling directory.
    pub fn new(target: &Path) -> io::Result<StagedDir> {
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent)?;
        let name = target
            .file_name()
            .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging)?;
        }
        fs::create_dir_all(&staging)?;
        Ok(StagedDir {
            staging,
            target: target.to_path_buf(),
        })
    }

    /// The directory to write into.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Creates a buffered file in the staging directory.
    pub fn create(&self, name: &str) -> io::Result<BufWriter<fs::File>> {
        Ok(BufWriter::new(fs::File::create(self.staging.join(name))?))
    }

    /// Replaces the target with the staged directory. The old target is moved
    /// aside first and removed only after the new one is in place.
    pub fn commit(self) -> io::Result<PathBuf> {
        let target = self.target.clone();
        let old = target.with_file_name(format!(
            ".{}.old-{}",
            target
                .file_name()
                .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned()),
            std::process::id()
        ));
        let had_old = target.exists();
        if had_old {
            fs::rename(&target, &old)?;
        }
        if let Err(e) = fs::rename(&self.staging, &target) {
            if had_old {
                let _ = fs::rename(&old, &target);
            }
            return Err(e);
        }
        if had_old {
            fs::remove_dir_all(&old)?;
        }
        // Nothing left to clean up on drop.
        std::mem::forget(self);
        Ok(target)
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        // Not committed: the partial output is removed, the old one untouched.
        let _ = fs::remove_dir_all(&self.staging);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_round_trip() {
        assert_eq!(fmt_f64(3.0), "3");
        assert_eq!(fmt_f64(0.1), "0.1");
        assert_eq!(fmt_f64(1e20), "1e20");
        assert_eq!(fmt_f64(-2.5e-7), "-2.5e-7");
    }

    #[test]
    fn timeseries_rows_are_written_exactly() {
        let row = |t: f64, metric: &str, v: f64| SeriesRow {
            time_year: t,
            date: "2025-02-01".into(),
            metric: metric.into(),
            entity: "a,b".into(),
            value: v,
        };
        let rows = [
            row(2025.08493, "x", 1.0),
            row(2025.08493, "y", 0.5),
            row(2025.16712, "x", 2.0),
        ];
        let mut out = Vec::new();
        write_timeseries(&mut out, 7, &rows, true).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "run,time_year,date,metric,entity,value\n\
             7,2025.0849,2025-02-01,x,\"a,b\",1\n\
             7,2025.0849,2025-02-01,y,\"a,b\",0.5\n\
             7,2025.1671,2025-02-01,x,\"a,b\",2\n"
        );
    }

    #[test]
    fn staged_dir_replaces_only_on_commit() {
        let root = std::env::temp_dir().join(format!("aistack-staged-{}", std::process::id()));
        let target = root.join("out");
        fs::create_dir_all(&target).unwrap();
        fs::write(target.join("old.txt"), "old").unwrap();
        {
            let s = StagedDir::new(&target).unwrap();
            fs::write(s.path().join("new.txt"), "new").unwrap();
            // dropped without commit: a failed run
        }
        assert!(target.join("old.txt").exists());
        assert!(!target.join("new.txt").exists());
        let s = StagedDir::new(&target).unwrap();
        fs::write(s.path().join("new.txt"), "new").unwrap();
        s.commit().unwrap();
        assert!(!target.join("old.txt").exists());
        assert!(target.join("new.txt").exists());
        assert_eq!(
            fs::read_dir(&root).unwrap().count(),
            1,
            "no staging or old dirs left behind"
        );
        fs::remove_dir_all(&root).unwrap();
    }
}
