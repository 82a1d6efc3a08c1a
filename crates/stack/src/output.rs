//! What a run writes: `timeseries.csv` (tidy long format), `summary.json`,
//! and, on request, `events.jsonl`; and the rule that an output directory is
//! replaced only when the new run succeeded.

use serde::Serialize;
use std::collections::HashMap;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The header of `timeseries.csv`, exactly.
pub const TIMESERIES_HEADER: &str = "run,time_year,date,metric,entity,value";

/// The metrics a domain writes only at the instants where they are defined
/// (for any entity): a period's price (none before the first dispatch) and
/// peak reserve margin (none without demand), and the frontier gap (none
/// before a release, or for a capability the frontier path never reaches).
/// Every other metric of every entity has a row at every sampling instant
/// of a run; `aistack plot` and `explain` rely on that to refuse a
/// `timeseries.csv` with rows missing.
pub const METRICS_WHEN_DEFINED: [&str; 3] = [
    "energy.avg_price_usd_per_mwh",
    "energy.peak_reserve_margin",
    "training.frontier_gap_months",
];

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

/// A run's metric samples as the recorder took them: each (metric, entity)
/// key and each sampling instant is stored once, and each sample is a
/// (key, instant, value) triple, in the order the domains emitted them.
///
/// About 48,000 samples of a few hundred keys over ~120 instants in a
/// ten-year run: keeping three strings per sample (as [`SeriesRow`] does)
/// cost three allocations per sample to record and to drop. [`Samples::iter`]
/// gives the same rows by reference.
#[derive(Clone, Debug, Default)]
pub struct Samples {
    /// (metric, entity) keys, in order of first appearance.
    keys: KeyInterner,
    /// (fractional year, ISO date) of each sampling instant.
    instants: Vec<(f64, String)>,
    /// (key, instant, value) in emission order.
    points: Vec<(u32, u32, f64)>,
}

/// Equal when they hold the same keys and instants (in the same order) and
/// the same samples; the lookup state of the recorder is not compared.
impl PartialEq for Samples {
    fn eq(&self, o: &Samples) -> bool {
        self.keys.keys() == o.keys.keys() && self.instants == o.instants && self.points == o.points
    }
}

/// Numbers (metric, entity) keys in order of first appearance, each key's
/// strings stored once. Shared by [`Samples`] and montecarlo's series builder.
///
/// A recorder emits the same keys in the same order at every instant, so the
/// key after the previous one is tried first (one comparison); any other
/// order falls back to a hash lookup.
#[derive(Clone, Debug, Default)]
pub struct KeyInterner {
    /// (metric, entity), in order of first appearance; a key's id is its index.
    keys: Vec<(String, String)>,
    /// metric → entity → id, for keys that come out of the usual order.
    index: HashMap<String, HashMap<String, u32>>,
    /// The id returned last.
    last: Option<u32>,
}

impl KeyInterner {
    /// The id of (`metric`, `entity`), a new one (the next index) if unseen.
    #[inline]
    pub fn id(&mut self, metric: &str, entity: &str) -> u32 {
        let n = self.keys.len();
        if n > 0 {
            let guess = self.last.map_or(0, |k| (k as usize + 1) % n);
            let (m, e) = &self.keys[guess];
            if m == metric && e == entity {
                self.last = Some(guess as u32);
                return guess as u32;
            }
        }
        let id = match self.index.get(metric).and_then(|m| m.get(entity)) {
            Some(&id) => id,
            None => {
                let id = n as u32;
                self.keys.push((metric.to_string(), entity.to_string()));
                self.index
                    .entry(metric.to_string())
                    .or_default()
                    .insert(entity.to_string(), id);
                id
            }
        };
        self.last = Some(id);
        id
    }

    /// The keys as (metric, entity), indexed by id.
    pub fn keys(&self) -> &[(String, String)] {
        &self.keys
    }

    /// The keys as (metric, entity), indexed by id, without the lookup state.
    pub fn into_keys(self) -> Vec<(String, String)> {
        self.keys
    }
}

/// One sample of a [`Samples`], by reference: the fields of a [`SeriesRow`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample<'a> {
    /// Fractional calendar year of the sampling instant.
    pub time_year: f64,
    /// ISO date of the sampling instant.
    pub date: &'a str,
    /// Dotted metric name with its unit.
    pub metric: &'a str,
    /// Entity name, or `national` for totals.
    pub entity: &'a str,
    /// The value, in the metric's unit.
    pub value: f64,
}

impl Samples {
    /// Starts a new sampling instant; the samples pushed next belong to it.
    pub fn begin_instant(&mut self, time_year: f64, date: String) {
        self.instants.push((time_year, date));
    }

    /// Records `value` of `metric` for `entity` at the current instant
    /// (one is started at time 0 with an empty date if none was).
    pub fn push(&mut self, metric: &str, entity: &str, value: f64) {
        if self.instants.is_empty() {
            self.begin_instant(0.0, String::new());
        }
        let key = self.keys.id(metric, entity);
        self.points.push((key, self.instants.len() as u32 - 1, value));
    }

    /// The (metric, entity) keys, in order of first appearance.
    pub fn keys(&self) -> &[(String, String)] {
        self.keys.keys()
    }

    /// The sampling instants as (fractional year, ISO date), in order.
    pub fn instants(&self) -> &[(f64, String)] {
        &self.instants
    }

    /// The samples as (key index, instant index, value), in emission order.
    pub fn points(&self) -> &[(u32, u32, f64)] {
        &self.points
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether there is no sample.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The samples in the order they were recorded.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Sample<'_>> + ExactSizeIterator + '_ {
        self.points.iter().map(move |&(k, i, value)| {
            let (metric, entity) = &self.keys.keys()[k as usize];
            let (time_year, date) = &self.instants[i as usize];
            Sample {
                time_year: *time_year,
                date,
                metric,
                entity,
                value,
            }
        })
    }

    /// The samples as owned rows.
    pub fn to_rows(&self) -> Vec<SeriesRow> {
        self.iter()
            .map(|r| SeriesRow {
                time_year: r.time_year,
                date: r.date.to_string(),
                metric: r.metric.to_string(),
                entity: r.entity.to_string(),
                value: r.value,
            })
            .collect()
    }
}

impl<'a> FromIterator<&'a SeriesRow> for Samples {
    /// Samples from owned rows; a new instant starts wherever the time or
    /// date changes from the previous row.
    fn from_iter<I: IntoIterator<Item = &'a SeriesRow>>(rows: I) -> Samples {
        let mut s = Samples::default();
        for r in rows {
            let same = s
                .instants
                .last()
                .is_some_and(|(t, d)| t.to_bits() == r.time_year.to_bits() && *d == r.date);
            if !same {
                s.begin_instant(r.time_year, r.date.clone());
            }
            s.push(&r.metric, &r.entity, r.value);
        }
        s
    }
}

/// Formats a float for CSV: shortest representation that round-trips, so
/// the same run always writes the same bytes.
pub fn fmt_f64(v: f64) -> String {
    let mut s = String::new();
    push_f64(&mut s, v);
    s
}

/// Appends [`fmt_f64`]'s text of `v` to `s`.
pub(crate) fn push_f64(s: &mut String, v: f64) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = if v == v.trunc() && v.abs() < 1e15 {
        write!(s, "{}", v as i64)
    } else {
        write!(s, "{v:?}")
    };
}

/// Writes samples in the tidy long format under `run` to `w`, header first
/// if `header` is set.
pub fn write_timeseries<W: Write>(mut w: W, run: u64, samples: &Samples, header: bool) -> io::Result<()> {
    use std::fmt::Write as _;
    if header {
        writeln!(w, "{TIMESERIES_HEADER}")?;
    }
    // Each instant's `run,time_year,date,` and each key's `metric,entity,`
    // are formatted once (fixed-precision float formatting is slow: exact
    // decimal expansion); a line is assembled in one buffer and written whole.
    let keys: Vec<String> = samples
        .keys()
        .iter()
        .map(|(m, e)| format!("{},{},", csv_field(m), csv_field(e)))
        .collect();
    let mut instant = (u32::MAX, String::new());
    let mut line = String::with_capacity(160);
    for &(k, i, value) in &samples.points {
        if i != instant.0 {
            let (t, date) = &samples.instants[i as usize];
            instant.0 = i;
            instant.1.clear();
            // Full precision (as a batch writes it): two instants can be minutes apart.
            let _ = write!(instant.1, "{run},{t:?},{date},");
        }
        line.clear();
        line.push_str(&instant.1);
        line.push_str(&keys[k as usize]);
        push_f64(&mut line, value);
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

pub(crate) fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// An output directory written beside its final place and moved there only
/// when complete: a failed run never leaves a mix of old and new files.
///
/// Replacing the target replaces the whole directory, so a target that
/// holds anything the writer does not own (its `owned` file names) is
/// refused: `--out` pointed at a project folder must not delete the folder.
#[derive(Debug)]
pub struct StagedDir {
    staging: PathBuf,
    target: PathBuf,
    owned: Vec<String>,
}

/// A buffered file of a [`StagedDir`]. An error writing or flushing it
/// names the file at its final place: a full disk or a file size limit
/// said only "File too large (os error 27)" (review s26-modeler, F9).
#[derive(Debug)]
pub struct StagedFile {
    inner: BufWriter<fs::File>,
    /// Where the file will be once the directory is committed.
    path: PathBuf,
}

impl Write for StagedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).map_err(|e| named(&self.path, "write", e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(|e| named(&self.path, "write", e))
    }
}

/// `e` with the file it happened to and what was being done: "cannot
/// write out/timeseries.csv: File too large (os error 27)". Its kind is
/// kept, so `write_all` still retries an interrupted write.
fn named(path: &Path, doing: &str, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("cannot {doing} {}: {e}", path.display()))
}

/// Checks that `target` is absent, or a directory holding only files named
/// in `owned` (and their `.tmp` leftovers): what replacing it may delete.
/// The error names the first entries it would have deleted.
pub fn check_replaceable(target: &Path, owned: &[&str]) -> io::Result<()> {
    let meta = match fs::symlink_metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if !meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} exists and is not a directory; --out must name a directory",
                target.display()
            ),
        ));
    }
    let mut foreign = Vec::new();
    for entry in fs::read_dir(target)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_dir = entry.file_type()?.is_dir();
        let base = name.strip_suffix(".tmp").unwrap_or(&name);
        if is_dir || !owned.contains(&base) {
            foreign.push(if is_dir { format!("{name}/") } else { name });
        }
    }
    if foreign.is_empty() {
        return Ok(());
    }
    foreign.sort();
    let more = foreign.len().saturating_sub(5);
    foreign.truncate(5);
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!(
            "{} holds files this command did not write ({}{}); it replaces the whole \
             directory, so nothing was written: choose another --out, or empty that directory",
            target.display(),
            foreign.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ),
    ))
}

/// `path` without `.` components and with each `..` cancelling the name
/// before it, worked out on the text alone (nothing need exist, symbolic
/// links are not followed), so that the result ends in the directory's own
/// name: `out/.` is `out`, `out/x/..` is `out`. A path with no name left
/// (`.`, `..`, `a/../..`) is resolved against the current directory first
/// (`.` in `/home/me/runs` is `/home/me/runs`). Writing beside a target
/// needs its name and parent: `.` has neither, and a rename onto `out/.`
/// fails.
pub fn normalise_dir(path: &Path) -> io::Result<PathBuf> {
    use std::path::Component;
    fn lexical(path: &Path) -> PathBuf {
        let mut out = PathBuf::new();
        for c in path.components() {
            match c {
                Component::CurDir => {}
                Component::ParentDir => {
                    if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                        out.pop();
                    } else if !out.has_root() {
                        out.push("..");
                    } // `/..` is `/`
                }
                other => out.push(other),
            }
        }
        out
    }
    let out = lexical(path);
    if out.file_name().is_some() {
        return Ok(out);
    }
    let abs = lexical(&std::env::current_dir()?.join(path));
    if abs.file_name().is_none() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} names the root directory, which cannot be replaced",
                path.display()
            ),
        ));
    }
    Ok(abs)
}

impl StagedDir {
    /// Starts writing a new version of `target` in a sibling directory.
    /// Refused (see [`check_replaceable`]) when `target` holds anything but
    /// files named in `owned`, which replacing it would delete.
    ///
    /// `target` is first normalised lexically ([`normalise_dir`]): `.`,
    /// `DIR/.` and `DIR/sub/..` name their directory, which is staged beside
    /// it like any other (the directory need not exist).
    pub fn new(target: &Path, owned: &[&str]) -> io::Result<StagedDir> {
        let target = &normalise_dir(target)?;
        check_replaceable(target, owned)?;
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent)?;
        let name = target
            .file_name()
            .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
        remove_abandoned(&parent, &name, target.exists());
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging)?;
        }
        fs::create_dir_all(&staging)?;
        Ok(StagedDir {
            staging,
            target: target.to_path_buf(),
            owned: owned.iter().map(|s| s.to_string()).collect(),
        })
    }

    /// The directory to write into.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Creates a buffered file in the staging directory. Its errors, and
    /// this one's, name the file at its final place (`out/timeseries.csv`).
    pub fn create(&self, name: &str) -> io::Result<StagedFile> {
        let path = self.target.join(name);
        let file = fs::File::create(self.staging.join(name)).map_err(|e| named(&path, "create", e))?;
        Ok(StagedFile {
            inner: BufWriter::new(file),
            path,
        })
    }

    /// Replaces the target with the staged directory. The old target is moved
    /// aside first and removed only after the new one is in place.
    pub fn commit(self) -> io::Result<PathBuf> {
        let target = self.target.clone();
        // Checked again: something may have been put there while it ran.
        let owned: Vec<&str> = self.owned.iter().map(String::as_str).collect();
        check_replaceable(&target, &owned)?;
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

/// Removes what writers of `parent/name` that were killed (a signal, which
/// runs no `Drop`) left beside it: their staging directories
/// (`.NAME.partial-PID`) and, when `target_exists` (the new output was
/// renamed into place before the kill), the old output moved aside
/// (`.NAME.old-PID`). Only entries whose process no longer runs are
/// touched, so a writer still running keeps its own. Where a process cannot
/// be looked up (no `/proc`: not Linux) nothing is removed. Failures are
/// ignored: this only tidies.
fn remove_abandoned(parent: &Path, name: &str, target_exists: bool) {
    let Ok(entries) = fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(rest) = file.to_str().and_then(|f| f.strip_prefix(&format!(".{name}."))) else {
            continue;
        };
        let pid = match rest.split_once('-') {
            Some(("partial", pid)) => pid,
            Some(("old", pid)) if target_exists => pid,
            _ => continue,
        };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if pid != std::process::id() && process_gone(pid) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether process `pid` has certainly ended (Linux: no `/proc/PID`);
/// false where that cannot be told.
fn process_gone(pid: u32) -> bool {
    cfg!(target_os = "linux")
        && Path::new("/proc/self").exists()
        && !Path::new("/proc").join(pid.to_string()).exists()
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

    /// A write that fails (here /dev/full: no space left, whatever the
    /// user's rights, root's included) names the output file at its final
    /// place; it said only "File too large (os error 27)" (review
    /// s26-modeler, F9).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_failed_write_names_the_file() {
        let path = PathBuf::from("out/run/timeseries.csv");
        let mut f = StagedFile {
            inner: BufWriter::new(fs::OpenOptions::new().write(true).open("/dev/full").unwrap()),
            path,
        };
        let e = f
            .write_all(&[b'x'; 64])
            .and_then(|()| f.flush())
            .expect_err("/dev/full takes no byte");
        assert_eq!(e.kind(), io::ErrorKind::StorageFull);
        assert!(
            e.to_string().starts_with("cannot write out/run/timeseries.csv: "),
            "{e}"
        );
    }

    /// A file that cannot be created in the staging directory is named too.
    #[test]
    fn a_file_that_cannot_be_created_is_named() {
        let root = std::env::temp_dir().join(format!("aistack-staged-create-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let staged = StagedDir::new(&root.join("out"), &["timeseries.csv"]).unwrap();
        // A name under a file that does not exist as a directory.
        let e = staged
            .create("missing/timeseries.csv")
            .expect_err("no such directory");
        assert!(
            e.to_string().starts_with(&format!(
                "cannot create {}: ",
                root.join("out").join("missing/timeseries.csv").display()
            )),
            "{e}"
        );
        drop(staged);
        let _ = fs::remove_dir_all(&root);
    }

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
        write_timeseries(&mut out, 7, &rows.iter().collect(), true).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "run,time_year,date,metric,entity,value\n\
             7,2025.08493,2025-02-01,x,\"a,b\",1\n\
             7,2025.08493,2025-02-01,y,\"a,b\",0.5\n\
             7,2025.16712,2025-02-01,x,\"a,b\",2\n"
        );
    }

    #[test]
    fn interned_keys_are_numbered_in_order_of_first_appearance() {
        let mut k = KeyInterner::default();
        let ids: Vec<u32> = [
            ("a", "x"),
            ("b", "x"),
            ("a", "x"),
            ("b", "x"),
            ("a", "y"),
            ("b", "x"),
            ("a", "x"),
        ]
        .iter()
        .map(|(m, e)| k.id(m, e))
        .collect();
        assert_eq!(ids, [0, 1, 0, 1, 2, 1, 0]);
        let want = [("a", "x"), ("b", "x"), ("a", "y")].map(|(m, e)| (m.to_string(), e.to_string()));
        assert_eq!(k.keys(), want);
        assert_eq!(k.into_keys(), want);
    }

    #[test]
    fn samples_keep_every_row_in_order_whatever_the_key_order() {
        let mut s = Samples::default();
        s.begin_instant(2025.0, "2025-01-01".into());
        s.push("a", "x", 1.0);
        s.push("b", "x", 2.0);
        s.begin_instant(2025.5, "2025-07-01".into());
        s.push("a", "x", 3.0);
        s.push("c", "y", 4.0); // a new key mid-run
        s.push("b", "x", 5.0); // out of the usual order
        s.push("a", "x", 6.0); // a repeat: kept as a row like any other
        let got: Vec<(f64, &str, &str, &str, f64)> = s
            .iter()
            .map(|r| (r.time_year, r.date, r.metric, r.entity, r.value))
            .collect();
        assert_eq!(
            got,
            vec![
                (2025.0, "2025-01-01", "a", "x", 1.0),
                (2025.0, "2025-01-01", "b", "x", 2.0),
                (2025.5, "2025-07-01", "a", "x", 3.0),
                (2025.5, "2025-07-01", "c", "y", 4.0),
                (2025.5, "2025-07-01", "b", "x", 5.0),
                (2025.5, "2025-07-01", "a", "x", 6.0),
            ]
        );
        assert_eq!(s.len(), 6);
        assert_eq!(s.keys().len(), 3);
        let back: Samples = s.to_rows().iter().collect();
        assert!(back.iter().eq(s.iter()));
        assert_eq!(back, s);
    }

    #[test]
    fn staged_dir_replaces_only_on_commit() {
        let scratch = tempfile::Builder::new()
            .prefix("aistack-staged-")
            .tempdir()
            .unwrap();
        let root = scratch.path();
        let target = root.join("out");
        fs::create_dir_all(&target).unwrap();
        fs::write(target.join("old.txt"), "old").unwrap();
        const OWNED: &[&str] = &["old.txt", "new.txt"];
        {
            let s = StagedDir::new(&target, OWNED).unwrap();
            fs::write(s.path().join("new.txt"), "new").unwrap();
            // dropped without commit: a failed run
        }
        assert!(target.join("old.txt").exists());
        assert!(!target.join("new.txt").exists());
        let s = StagedDir::new(&target, OWNED).unwrap();
        fs::write(s.path().join("new.txt"), "new").unwrap();
        s.commit().unwrap();
        assert!(!target.join("old.txt").exists());
        assert!(target.join("new.txt").exists());
        assert_eq!(
            fs::read_dir(root).unwrap().count(),
            1,
            "no staging or old dirs left behind"
        );
    }

    /// A run killed by a signal (no `Drop`) leaves its staging directory;
    /// the next run into the same target removes it, and an old output
    /// moved aside, once their process has ended, and nothing else.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_killed_writers_staging_is_removed_by_the_next() {
        let scratch = tempfile::Builder::new()
            .prefix("aistack-abandoned-")
            .tempdir()
            .unwrap();
        let root = scratch.path();
        let target = root.join("out");
        fs::create_dir_all(&target).unwrap();
        // Above any Linux pid_max (2^22): no such process.
        let dead = 4_000_000_000u32;
        let keep = [
            ".out.partial-1".to_string(), // a process that runs (init)
            format!(".other.partial-{dead}"),
            format!(".out.tmp-{dead}"),
        ];
        for d in keep
            .iter()
            .chain(&[format!(".out.partial-{dead}"), format!(".out.old-{dead}")])
        {
            fs::create_dir_all(root.join(d).join("x")).unwrap();
        }
        let s = StagedDir::new(&target, &[]).unwrap();
        let mut left: Vec<String> = fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| !n.starts_with(&format!(".out.partial-{}", std::process::id())))
            .collect();
        left.sort();
        let mut want: Vec<String> = keep.iter().cloned().chain(["out".to_string()]).collect();
        want.sort();
        assert_eq!(left, want);
        drop(s);
        // Without the new output in place, an old one moved aside is the
        // only copy: it stays.
        fs::remove_dir_all(&target).unwrap();
        fs::create_dir_all(root.join(format!(".out.old-{dead}"))).unwrap();
        drop(StagedDir::new(&target, &[]).unwrap());
        assert!(root.join(format!(".out.old-{dead}")).exists());
    }

    /// `DIR/.` and `DIR/x/..` stage beside `DIR`, which they name; a path
    /// with no name left resolves against the current directory.
    #[test]
    fn a_target_ending_in_dot_is_that_directory() {
        let p = |s: &str| normalise_dir(Path::new(s)).unwrap();
        assert_eq!(p("out/."), Path::new("out"));
        assert_eq!(p("./out/x/.."), Path::new("out"));
        assert_eq!(p("/a/b/./c/../"), Path::new("/a/b"));
        assert_eq!(p("../out"), Path::new("../out"));
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(p("."), cwd);
        assert_eq!(p(".."), cwd.parent().unwrap());
        assert!(normalise_dir(Path::new("/..")).is_err());

        let scratch = tempfile::Builder::new().prefix("aistack-dot-").tempdir().unwrap();
        let root = scratch.path();
        let target = root.join("out");
        const OWNED: &[&str] = &["new.txt"];
        for _ in 0..2 {
            // Absent, then holding the first commit's file.
            let s = StagedDir::new(&target.join("."), OWNED).unwrap();
            fs::write(s.path().join("new.txt"), "new").unwrap();
            assert_eq!(s.commit().unwrap(), target);
            assert!(target.join("new.txt").is_file());
        }
        assert_eq!(fs::read_dir(root).unwrap().count(), 1, "nothing left beside it");
    }

    /// `--out` pointed at a folder with the user's own files (a project
    /// folder, the scenario's own folder) is refused before anything is
    /// written, and every file in it is kept; so is a plain file, and a
    /// file put there while the run ran.
    #[test]
    fn a_directory_with_files_the_writer_does_not_own_is_never_replaced() {
        let scratch = tempfile::Builder::new()
            .prefix("aistack-foreign-")
            .tempdir()
            .unwrap();
        let root = scratch.path();
        let target = root.join("proj");
        fs::create_dir_all(target.join("data")).unwrap();
        fs::write(target.join("paper.md"), "mine").unwrap();
        fs::write(target.join("summary.json"), "{}").unwrap();
        const OWNED: &[&str] = &["summary.json", "timeseries.csv"];
        let e = StagedDir::new(&target, OWNED).unwrap_err().to_string();
        assert!(
            e.contains("data/, paper.md") && e.contains("nothing was written"),
            "{e}"
        );
        assert_eq!(fs::read_to_string(target.join("paper.md")).unwrap(), "mine");
        assert!(target.join("data").is_dir());

        let file = root.join("afile");
        fs::write(&file, "x").unwrap();
        let e = StagedDir::new(&file, OWNED).unwrap_err().to_string();
        assert!(e.contains("not a directory"), "{e}");

        let run = root.join("run");
        fs::create_dir_all(&run).unwrap();
        fs::write(run.join("summary.json"), "old").unwrap();
        fs::write(run.join("timeseries.csv.tmp"), "left by a killed run").unwrap();
        let s = StagedDir::new(&run, OWNED).unwrap();
        fs::write(s.path().join("summary.json"), "new").unwrap();
        fs::write(run.join("notes.txt"), "written meanwhile").unwrap();
        assert!(s.commit().is_err());
        assert_eq!(
            fs::read_to_string(run.join("notes.txt")).unwrap(),
            "written meanwhile"
        );
        fs::remove_file(run.join("notes.txt")).unwrap();
        let s = StagedDir::new(&run, OWNED).unwrap();
        fs::write(s.path().join("summary.json"), "new").unwrap();
        s.commit().unwrap();
        assert_eq!(fs::read_to_string(run.join("summary.json")).unwrap(), "new");
    }
}
