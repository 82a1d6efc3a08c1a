//! `manifest.json`: everything needed to reproduce a batch, and the record a
//! resume or a merge checks its arguments against.

use crate::design::Design;
use crate::error::io_err;
use crate::model::{ParamSpec, RankCorrelation};
use crate::{McError, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Version of the manifest layout.
pub const MANIFEST_FORMAT: u32 = 1;

/// Crates whose versions change numbers (generators, sampling algorithms
/// and the maths library behind `scheduler::math`), pinned exactly in the
/// workspace manifest; a test checks the two agree.
pub const NUMERIC_CRATES: [(&str, &str); 4] = [
    ("libm", "0.2.16"),
    ("rand", "0.9.2"),
    ("rand_chacha", "0.9.0"),
    ("rand_distr", "0.5.1"),
];

/// The target triple this library was built for.
pub const TARGET_TRIPLE: &str = env!("AISTACK_MC_TARGET");

/// A shard `K/M` of a batch: the runs `i` with `i % M == K` (K counts from 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// K, in 0..M.
    pub index: u64,
    /// M, ≥ 1.
    pub count: u64,
}

impl Shard {
    /// Whether run `run` falls to this shard.
    pub fn contains(&self, run: u64) -> bool {
        run % self.count == self.index
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = McError;
    /// Parses `K/M` with 0 ≤ K < M.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            McError::Invalid(format!(
                "shard `{s}`: expected K/M, two whole numbers in digits only (no spaces or \
                 signs), with 0 <= K < M (K counts from 0), e.g. `0/2`"
            ))
        };
        // Digits only: `u64::from_str` takes a leading `+`, and a space
        // (` 1/2`, trimmed before) was taken too (audit s30).
        let number = |t: &str| {
            (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse::<u64>().ok())
                .flatten()
                .ok_or_else(bad)
        };
        let (k, m) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (number(k)?, number(m)?);
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// The rustc that compiled this library (`rustc --version`, recorded by the
/// build script; empty when it could not be asked): informational, in
/// manifests as `rustc_version`, never compared.
pub const RUSTC_VERSION: &str = env!("AISTACK_MC_RUSTC");

/// The cargo profile this library was compiled in and its optimisation
/// level (`release, opt-level 3`), recorded by the build script:
/// informational, in manifests as `build_profile`, never compared (a debug
/// and a release build give the same numbers: audit s23-repro).
pub const BUILD_PROFILE: &str = env!("AISTACK_MC_PROFILE");

/// The extra compiler flags of the build (`RUSTFLAGS`, or `build.rustflags`
/// of a `.cargo/config.toml`), space-separated, empty for none:
/// informational, in manifests as `rustflags`, never compared. With the
/// profile and [`RUSTC_VERSION`] it says how to rebuild the binary (a
/// `-C target-cpu` or a profile-guided build's `-Cprofile-use` shows here).
pub const RUSTFLAGS: &str = env!("AISTACK_MC_RUSTFLAGS");

/// Hash of a model identity (FNV-1a 64 over the bytes, with their length;
/// detects accidental changes, not tampering), as 16 hex digits plus length:
/// [`stack::load::identity_hash`], so a run's `summary.json` and `aistack
/// validate` write a scenario's hash as manifests do.
pub fn identity_hash(identity: &[u8]) -> String {
    stack::load::identity_hash(identity)
}

/// This process's maths library fingerprint ([`scheduler::math_fingerprint`]),
/// as manifests record it.
pub fn math_fingerprint() -> String {
    scheduler::math_fingerprint().to_string()
}

/// One file of a model's identity, as the manifest's `scenario_files`
/// records it: its path relative to the named scenario's directory, and its
/// own hash ([`identity_hash`] of its text as the identity counts it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioFile {
    /// Path relative to the directory of the named scenario (that file
    /// itself first), or absolute where a `base:` named an absolute path.
    pub path: String,
    /// The file's own hash, `fnv1a64:<hex>:<length>`.
    pub hash: String,
}

/// Which files differ between the files a manifest recorded (`recorded`)
/// and those read now (`now`), as a clause for a refusal, e.g. `base.ron
/// changed (its hash is now …, it was …); unchanged: v.ron`; `None` when the
/// manifest recorded none (written before `scenario_files` existed, or a
/// model without files) or no file differs by path and hash (the list
/// itself changed: a file read in another order).
///
/// Files are matched by path, then by content: a file read now under
/// another name (`china-2025.ron` for the recorded
/// `/work/…/china-2025.ron`, the same base named relatively) with the hash
/// of a recorded file is reported as having its content, not as one file
/// "read now but not then" and another "read then but not now" (audit
/// s26-econ F4), so the clauses that come first name the files whose
/// content differs: those changed, the named scenario where it is another
/// file now, and files read only now or only then.
pub fn changed_files(recorded: &[ScenarioFile], now: &[ScenarioFile]) -> Option<String> {
    if recorded.is_empty() {
        return None;
    }
    // Recorded files no file read now has the path of, each matched by
    // content at most once.
    let unmatched: Vec<&ScenarioFile> = recorded
        .iter()
        .filter(|r| !now.iter().any(|f| f.path == r.path))
        .collect();
    let mut used = vec![false; unmatched.len()];
    let (mut differ, mut same_content, mut unchanged, mut new) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for f in now {
        match recorded.iter().find(|r| r.path == f.path) {
            Some(r) if r.hash != f.hash => differ.push(format!(
                "{} changed (its hash is now {}, it was {})",
                f.path, f.hash, r.hash
            )),
            Some(_) => unchanged.push(f.path.as_str()),
            None => match (0..unmatched.len()).find(|&k| !used[k] && unmatched[k].hash == f.hash) {
                Some(k) => {
                    used[k] = true;
                    same_content.push(format!(
                        "{} has the same content as the recorded {}",
                        f.path, unmatched[k].path
                    ));
                }
                None => new.push(f),
            },
        }
    }
    let mut gone: Vec<&ScenarioFile> = (0..unmatched.len())
        .filter(|&k| !used[k])
        .map(|k| unmatched[k])
        .collect();
    // The named scenario (each list's first file) is another file now,
    // with other content: one clause for the pair.
    if let (Some(f), Some(r)) = (now.first(), recorded.first())
        && let (Some(i), Some(j)) = (
            new.iter().position(|n| std::ptr::eq(*n, f)),
            gone.iter().position(|g| std::ptr::eq(*g, r)),
        )
    {
        differ.push(format!(
            "the scenario named is {} now and was {} then, with other content (its hash is now {}, \
             it was {})",
            f.path, r.path, f.hash, r.hash
        ));
        new.remove(i);
        gone.remove(j);
    }
    differ.extend(
        new.iter()
            .map(|f| format!("{} is read now but was not then", f.path)),
    );
    differ.extend(
        gone.iter()
            .map(|r| format!("{} was read then but is not now", r.path)),
    );
    if differ.is_empty() {
        return None;
    }
    if !same_content.is_empty() {
        // Why a file whose bases are unchanged can differ: its `base:`
        // names the same file by another path, which changes its text.
        differ.push(format!(
            "{} (a `base:` naming the same file by another path, relative or absolute, changes the \
             text of the file that names it)",
            same_content.join(", ")
        ));
    }
    if !unchanged.is_empty() {
        differ.push(format!("unchanged: {}", unchanged.join(", ")));
    }
    Some(differ.join("; "))
}

/// What a tool run was, beyond its model and design: the tool, its build,
/// the command, as the caller (the `aistack` binary) knows them. Recorded in
/// manifests and in the sensitivity records ([`Provenance`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    /// Version of the tool (the `aistack` binary's).
    pub tool_version: String,
    /// The tool's build ([`Build`]).
    pub build: Build,
    /// The command line (informational).
    pub command_line: Vec<String>,
}

impl Default for Invocation {
    /// This library's version, an unknown build, no command line.
    fn default() -> Invocation {
        Invocation {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            build: Build::default(),
            command_line: Vec::new(),
        }
    }
}

/// The build fields a manifest has, for the outputs that have no manifest:
/// `sobol.json`, `morris.json` (flattened into them) and a run's
/// `summary.json`, so that a published table can be tied to a build, a
/// machine's maths library and a scenario file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// Version of the tool.
    pub tool_version: String,
    /// Its git revision and whether it had uncommitted changes ([`Build`]).
    #[serde(flatten)]
    pub build: Build,
    /// Target triple ([`TARGET_TRIPLE`]).
    pub target: String,
    /// Versions of crates that affect numbers ([`crate_versions`]).
    pub crate_versions: BTreeMap<String, String>,
    /// The rustc that built it ([`RUSTC_VERSION`]; informational).
    pub rustc_version: Option<String>,
    /// The build's profile ([`BUILD_PROFILE`]; informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_profile: Option<String>,
    /// The build's extra compiler flags ([`RUSTFLAGS`]; informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rustflags: Option<String>,
    /// The maths library's fingerprint ([`math_fingerprint`]).
    pub math_fingerprint: Option<String>,
    /// The scenario file (absolute), as a manifest's `scenario_path`.
    pub scenario_path: Option<String>,
    /// Each file of the scenario with its hash, as a manifest's `scenario_files`.
    #[serde(default)]
    pub scenario_files: Vec<ScenarioFile>,
    /// The command line.
    pub command_line: Vec<String>,
}

impl Provenance {
    /// The record of running `inv` on this build and machine over the model
    /// read from `scenario_path` with `scenario_files`.
    pub fn new(
        inv: &Invocation,
        scenario_path: Option<String>,
        scenario_files: Vec<ScenarioFile>,
    ) -> Provenance {
        Provenance {
            tool_version: inv.tool_version.clone(),
            build: inv.build.clone(),
            target: TARGET_TRIPLE.to_string(),
            crate_versions: crate_versions(),
            rustc_version: rustc_version(),
            build_profile: build_profile(),
            rustflags: rustflags(),
            math_fingerprint: Some(math_fingerprint()),
            scenario_path,
            scenario_files,
            command_line: inv.command_line.clone(),
        }
    }

    /// [`Provenance::new`] for a model ([`crate::Model::source`] and [`crate::Model::files`]).
    pub fn of<M: crate::Model + ?Sized>(inv: &Invocation, model: &M) -> Provenance {
        Provenance::new(inv, model.source(), model.files())
    }
}

/// [`RUSTC_VERSION`], `None` when the build script could not ask rustc.
pub fn rustc_version() -> Option<String> {
    (!RUSTC_VERSION.is_empty()).then(|| RUSTC_VERSION.to_string())
}

/// [`BUILD_PROFILE`], as manifests record it.
pub fn build_profile() -> Option<String> {
    Some(BUILD_PROFILE.to_string())
}

/// [`RUSTFLAGS`], as manifests record it (empty: no extra flags).
pub fn rustflags() -> Option<String> {
    Some(RUSTFLAGS.to_string())
}

/// When a value recorded in a batch differs from the one its design gives
/// here and the batch's maths library fingerprint (`recorded`) is not this
/// process's: the cause to name instead of "edited or copied" (a draw's
/// `exp` gives other last bits here), with what to do. `None` when the
/// fingerprints agree or the manifest has none.
pub fn math_cause(recorded: Option<&str>) -> Option<String> {
    let running = scheduler::math_fingerprint();
    recorded.filter(|r| *r != running).map(|r| {
        format!(
            "this build's maths library gives different last bits than the one that ran the \
             batch (manifest.json `math_fingerprint` {r}, this build's {running}: a build from \
             before aistack computed its own maths, when glibc picked its exp/log/pow code by CPU \
             feature, another libm version, or a miscompile), so the design's draw differs here \
             and the file is most likely intact; do this with a build whose fingerprint is {r} \
             (`aistack validate SCENARIO --print-math-fingerprint` prints a build's)"
        )
    })
}

/// Refuses to add runs computed here to those of `dir`, or to check them
/// here, when the maths library's fingerprint recorded in its manifest
/// (`recorded`) is not this process's: the same binary gives other last
/// bits there, so the runs would not be byte-identical (and a drawn value
/// compared bit for bit would be taken for an edited file). A manifest
/// without the field (written by an older build) is not checked.
/// `refused` words the message.
pub fn check_math(recorded: Option<&str>, dir: &Path, refused: crate::error::MathRefused) -> Result<()> {
    let running = scheduler::math_fingerprint();
    match recorded {
        Some(r) if r != running => Err(McError::MathMismatch {
            refused,
            dir: dir.to_path_buf(),
            recorded: r.to_string(),
            running: running.to_string(),
        }),
        _ => Ok(()),
    }
}

/// Which code a tool was built from, as far as its build knew: recorded in
/// the manifest, and compared by resume and merge ([`check_build`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Build {
    /// Git commit (40 hex digits); `None` when unknown (built outside a git
    /// checkout, e.g. from a source tarball; manifests written before it was recorded).
    pub git_revision: Option<String>,
    /// Whether the sources of the binary had uncommitted changes (or, in a
    /// resumed or merged batch, whether any of its builds had); `None` when unknown.
    #[serde(default)]
    pub git_dirty: Option<bool>,
    /// Every build that wrote runs or outputs into the directory, in the
    /// order met (a resume's build after the one it found; a merge's after
    /// the shards'), when there was more than one (a build being its
    /// revision and dirtiness: not its profile or flags); empty otherwise (the two fields above then
    /// say it) and then not written. It keeps what [`Build::combine`] folds
    /// away: a directory resumed by a build of unknown revision records
    /// `git_revision: null`, and this list still names the revision that
    /// computed its first runs. Empty in manifests written before it was
    /// recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub builds: Vec<BuildSeen>,
}

/// One build among [`Build::builds`]: its git revision and whether its
/// sources had uncommitted changes (`None`: unknown), as [`Build`] has them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildSeen {
    /// Git commit (40 hex digits), `None` when the build did not know it.
    pub git_revision: Option<String>,
    /// Whether the build's sources had uncommitted changes; `None` when unknown.
    pub git_dirty: Option<bool>,
}

impl Build {
    /// The build of a binary (no other build seen): `git_revision` and
    /// `git_dirty` as its build script recorded them.
    pub fn new(git_revision: Option<String>, git_dirty: Option<bool>) -> Build {
        Build {
            git_revision,
            git_dirty,
            builds: Vec::new(),
        }
    }

    /// The builds this record stands for: [`Build::builds`], or, when that is
    /// empty, the one build its two fields describe.
    fn seen(&self) -> Vec<BuildSeen> {
        if self.builds.is_empty() {
            vec![BuildSeen {
                git_revision: self.git_revision.clone(),
                git_dirty: self.git_dirty,
            }]
        } else {
            self.builds.clone()
        }
    }

    /// `<revision>`, `<revision> with uncommitted changes`, or `an unknown revision`.
    pub fn describe(&self) -> String {
        match (&self.git_revision, self.git_dirty) {
            (None, _) => "an unknown revision".into(),
            (Some(r), Some(true)) => format!("revision {r} with uncommitted changes"),
            (Some(r), Some(false)) => format!("revision {r}"),
            (Some(r), None) => format!("revision {r} (clean or not: unknown)"),
        }
    }

    /// What a directory holding runs of both `self` and `other` records: the
    /// revision if both know the same one, else unknown; dirty if either was;
    /// and, when they are not one build, every build of both in
    /// [`Build::builds`] (each once, in the order met).
    pub fn combine(&self, other: &Build) -> Build {
        let git_revision = match (&self.git_revision, &other.git_revision) {
            (Some(a), Some(b)) if a == b => Some(a.clone()),
            _ => None,
        };
        let git_dirty = match (self.git_dirty, other.git_dirty) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        };
        let mut builds = self.seen();
        for b in other.seen() {
            if !builds.contains(&b) {
                builds.push(b);
            }
        }
        if builds.len() == 1 {
            builds.clear();
        }
        Build {
            git_revision,
            git_dirty,
            builds,
        }
    }
}

/// Compares the build that wrote the runs in `dir` (`recorded`) with the
/// build about to add to them or merge them (`running`).
///
/// Both revisions known and different: refused ([`McError::BuildMismatch`]),
/// since a batch must not mix the runs of two models. Otherwise accepted; a
/// warning is returned when the two cannot be told apart: a revision is
/// unknown, or a build had uncommitted changes (a modeler iterating on local
/// changes can still resume, and the manifest then records the mix).
pub fn check_build(recorded: &Build, running: &Build, dir: &Path) -> Result<Option<String>> {
    let dir_name = dir.display();
    match (&recorded.git_revision, &running.git_revision) {
        (Some(a), Some(b)) if a != b => Err(McError::BuildMismatch {
            dir: dir.to_path_buf(),
            recorded: recorded.describe(),
            running: running.describe(),
        }),
        (Some(_), Some(_)) => Ok(
            (recorded.git_dirty != Some(false) || running.git_dirty != Some(false)).then(|| {
                format!(
                    "{dir_name} was written by {}, this binary is {}: the same commit, but the \
                     code may differ; continuing, and the manifest records `git_dirty: true` and both builds \
                     under `builds`",
                    recorded.describe(),
                    running.describe()
                )
            }),
        ),
        _ => Ok(Some(format!(
            "cannot check that {dir_name} (written by {}) and this binary ({}) run the same code; \
             continuing, and the manifest records the revision as unknown (null) and both builds \
             under `builds`",
            recorded.describe(),
            running.describe()
        ))),
    }
}

/// The reproducibility record of a batch directory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Layout version ([`MANIFEST_FORMAT`]).
    pub format: u32,
    /// Version of the tool that ran the batch (the `aistack` binary's, given by the caller).
    pub tool_version: String,
    /// Version of this library.
    pub montecarlo_version: String,
    /// The build of the tool: `git_revision` and `git_dirty` (see [`Build`]).
    #[serde(flatten)]
    pub build: Build,
    /// [`identity_hash`] of the model (scenario text with its bases).
    pub scenario_hash: String,
    /// The scenario file the batch ran ([`crate::Model::source`], absolute
    /// when it could be resolved; not compared on resume, the hash is):
    /// the default scenario of `aistack run --from-batch` and of `aistack
    /// batch --resume DIR`. `None` for a model
    /// without a file and in manifests written before it was recorded.
    #[serde(default)]
    pub scenario_path: Option<String>,
    /// Each file of the scenario, relative to `scenario_path`'s directory,
    /// with its own hash ([`ScenarioFile`]): names the file that changed
    /// when `scenario_hash` differs. Not compared (the hash is); empty in
    /// manifests written before it was recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenario_files: Vec<ScenarioFile>,
    /// Where the directory keeps its verbatim copy of those files
    /// (`scenario/`, [`crate::scenario_copy`]): `aistack batch` of its
    /// `scenario` with the same arguments runs the batch again. Not
    /// compared (the hash is); `None` for a model without files, in
    /// manifests written before copies were kept, and where a resumed
    /// batch's directory held a `scenario/` of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_copy: Option<crate::scenario_copy::ScenarioCopy>,
    /// Master seed.
    pub master_seed: u64,
    /// Sampling design.
    pub design: Design,
    /// Replicates R of a replicated Latin hypercube (`--replicates`):
    /// the runs are R independent Latin hypercubes of N/R runs. 1 (one
    /// sample) is not written, and is what a manifest without the field
    /// (written before it existed) means, so such batches resume and merge
    /// as before.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub replicates: u64,
    /// Runs requested (N).
    pub runs: u64,
    /// The shard this directory holds, if any.
    pub shard: Option<Shard>,
    /// Stopping rule: relative 95% half-width target (plain MC only).
    pub until_rel_halfwidth: Option<f64>,
    /// Outcomes the stopping rule watches (empty: every scalar outcome).
    pub stop_outcomes: Vec<String>,
    /// Uncertain parameters.
    pub parameters: Vec<ParamSpec>,
    /// Declared rank correlations.
    pub correlations: Vec<RankCorrelation>,
    /// Versions of crates that affect numbers.
    pub crate_versions: BTreeMap<String, String>,
    /// Target triple.
    pub target: String,
    /// The rustc that built the tool ([`RUSTC_VERSION`]; informational, not
    /// compared); `None` in manifests written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rustc_version: Option<String>,
    /// The cargo profile of the build that wrote the manifest
    /// ([`BUILD_PROFILE`]; informational, not compared); `None` in manifests
    /// written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_profile: Option<String>,
    /// The extra compiler flags of that build ([`RUSTFLAGS`]; empty for
    /// none; informational, not compared); `None` in manifests written
    /// before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rustflags: Option<String>,
    /// The maths library's fingerprint where the runs were computed
    /// ([`scheduler::math_fingerprint`]): resume and merge refuse another
    /// ([`check_math`]). `None` in manifests written before it was recorded
    /// (not checked), and kept so when such a batch is resumed (its old runs'
    /// maths is unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub math_fingerprint: Option<String>,
    /// The command line of the latest invocation (informational; not checked on resume).
    pub command_line: Vec<String>,
    /// Shard directories a merged batch came from (informational).
    #[serde(default)]
    pub merged_from: Vec<String>,
    /// Set once the batch finished: number of runs in the outputs.
    pub completed_runs: Option<u64>,
    /// Set when the stopping rule ended the batch early: the run count it stopped at.
    pub stopped_at: Option<u64>,
    /// The output options the outputs were last written with: what `aistack
    /// batch --resume DIR` writes again when they are not given. `None` in
    /// manifests written before they were recorded. Not an identity field:
    /// they change which files are written and how bands are summarised,
    /// never a run.
    #[serde(default)]
    pub outputs: Option<OutputsRecord>,
    /// How an `aistack eval` set its runs' parameter values (`None` for a batch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval: Option<crate::eval::EvalRecord>,
}

/// The default of [`Manifest::replicates`].
fn one() -> u64 {
    1
}

/// Whether `r` is 1, the replicate count [`Manifest`] leaves out.
fn is_one(r: &u64) -> bool {
    *r == 1
}

/// The output options of a batch directory, as recorded in its manifest
/// (`--keep-timeseries`, `--parquet`, `--memory-budget-mib`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputsRecord {
    /// Whether `timeseries.csv` (every run's series) is written.
    pub keep_timeseries: bool,
    /// Whether the Parquet copies of the tables are written.
    pub parquet: bool,
    /// Bytes of series values the bands may hold for exact quantiles.
    pub memory_budget_bytes: u64,
}

impl OutputsRecord {
    /// The record of `o`.
    pub fn of(o: &crate::OutputOptions) -> OutputsRecord {
        OutputsRecord {
            keep_timeseries: o.keep_timeseries,
            parquet: o.parquet,
            memory_budget_bytes: o.memory_budget_bytes,
        }
    }
}

impl Manifest {
    /// The path of the manifest in batch directory `dir`.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join("manifest.json")
    }

    /// Reads `dir/manifest.json`, or `None` if there is none.
    pub fn read(dir: &Path) -> Result<Option<Manifest>> {
        let path = Manifest::path(dir);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|cause| McError::BadManifest {
                    path,
                    dir: dir.to_path_buf(),
                    cause,
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(path)(e)),
        }
    }

    /// Writes `dir/manifest.json` atomically.
    pub fn write(&self, dir: &Path) -> Result<()> {
        crate::store::write_json_record(&Manifest::path(dir), self)
    }

    /// The fields that define which runs a directory holds and how they were
    /// computed, as (name, rendered value); resume and merge compare them.
    pub fn identity_fields(&self, with_shard: bool) -> Vec<(&'static str, String)> {
        let json = |v: &dyn erased::Render| v.render();
        let mut f = vec![
            ("scenario_hash", self.scenario_hash.clone()),
            ("master_seed", self.master_seed.to_string()),
            ("design", self.design.to_string()),
            ("replicates", self.replicates.to_string()),
            ("runs", self.runs.to_string()),
            (
                "until_rel_halfwidth",
                self.until_rel_halfwidth
                    .map_or_else(|| NOT_GIVEN.to_string(), |v| v.to_string()),
            ),
            ("stop_outcomes", words(&self.stop_outcomes)),
            ("parameters", json(&self.parameters)),
            ("correlations", json(&self.correlations)),
            ("tool_version", self.tool_version.clone()),
            ("montecarlo_version", self.montecarlo_version.clone()),
            (
                "crate_versions",
                words(self.crate_versions.iter().map(|(n, v)| format!("{n} {v}"))),
            ),
            ("target", self.target.clone()),
        ];
        if with_shard {
            f.push(("shard", self.shard.map_or("none".into(), |s| s.to_string())));
        }
        f
    }

    /// Whether `given` may resume this batch with another number of runs:
    /// plain Monte Carlo without a stopping rule, where run i depends only on
    /// the master seed and i, so the batch of any N is the first N runs of a
    /// larger one (Latin hypercube strata and the stopping rule's
    /// checkpoints depend on N).
    pub fn may_change_runs(&self, given: &Manifest) -> bool {
        self.design == Design::Mc
            && given.design == Design::Mc
            && self.until_rel_halfwidth.is_none()
            && given.until_rel_halfwidth.is_none()
    }

    /// Why this batch's `--runs` cannot change on resume, where
    /// [`Manifest::may_change_runs`] does not allow it (a message's clause).
    fn why_runs_are_fixed(&self) -> &'static str {
        if self.design != Design::Mc {
            ": a Latin hypercube lays out its strata for all its runs, so another --runs is \
             another design, not more or fewer of this one's runs (start a new batch in another \
             --out)"
        } else if self.until_rel_halfwidth.is_some() {
            ": --runs caps a batch with a stopping rule, which is checked at its 100-run \
             blocks, so the batch keeps its cap (for more runs, start a new batch in another --out)"
        } else {
            ""
        }
    }

    /// Refuses to resume `dir` (recorded in `self`) with `given` when any
    /// identity field differs; `runs` may differ where
    /// [`Manifest::may_change_runs`] allows (a batch extended or cut).
    pub fn check_resume(&self, given: &Manifest, dir: &Path) -> Result<()> {
        for ((field, recorded), (_, now)) in self
            .identity_fields(true)
            .into_iter()
            .zip(given.identity_fields(true))
        {
            if field == "runs" && self.may_change_runs(given) {
                continue;
            }
            if recorded != now {
                let started_with = format!(
                    "; the batch's arguments, as its manifest records them: `{}`",
                    self.resume_command(dir)
                );
                let changed = if field == "scenario_hash" {
                    changed_files(&self.scenario_files, &given.scenario_files)
                        .map(|c| format!(": {c}"))
                        .unwrap_or_default()
                } else if field == "runs" {
                    // Audit s30 econ: an LHS batch given another --runs was
                    // refused without the reason a plain one is not.
                    self.why_runs_are_fixed().to_string()
                } else {
                    String::new()
                };
                return Err(McError::ResumeMismatch {
                    dir: dir.to_path_buf(),
                    field: field.into(),
                    recorded,
                    given: now,
                    started_with: format!("{changed}{started_with}"),
                });
            }
        }
        check_math(
            self.math_fingerprint.as_deref(),
            dir,
            crate::error::MathRefused::ResumeBatch,
        )
    }
}

impl Manifest {
    /// The `aistack batch` command that resumes the batch in `dir` with the
    /// arguments it was started with, as this manifest records them (the
    /// scenario, `--runs`, `--seed`, `--design`, `--replicates` (when not 1), `--shard`, the stopping
    /// rule) and `--resume DIR`, quoted for a POSIX shell. Unlike the
    /// recorded `command_line`, it is the same after a resume, and it has no
    /// `--out` (which `--resume` replaces).
    pub fn resume_command(&self, dir: &Path) -> String {
        let scenario = crate::replay::recorded_scenario(self)
            .map_or_else(|| "SCENARIO".to_string(), |p| p.display().to_string());
        let mut args = vec![
            "aistack".to_string(),
            "batch".to_string(),
            scenario,
            "--runs".to_string(),
            self.runs.to_string(),
            "--seed".to_string(),
            self.master_seed.to_string(),
            "--design".to_string(),
            self.design.to_string(),
        ];
        if self.replicates != 1 {
            args.extend(["--replicates".to_string(), self.replicates.to_string()]);
        }
        if let Some(s) = self.shard {
            args.extend(["--shard".to_string(), s.to_string()]);
        }
        if let Some(h) = self.until_rel_halfwidth {
            args.extend(["--until-rel-halfwidth".to_string(), h.to_string()]);
        }
        for o in &self.stop_outcomes {
            args.extend(["--stop-outcome".to_string(), o.clone()]);
        }
        args.extend(["--resume".to_string(), dir.display().to_string()]);
        args.iter().map(|a| shell_quoted(a)).collect::<Vec<_>>().join(" ")
    }
}

/// How an identity field with no value reads in a message (no stopping rule,
/// no watched outcome), as `shard` reads without one.
const NOT_GIVEN: &str = "none";

/// A list as words for a message: `a, b`, or [`NOT_GIVEN`] when empty.
fn words<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let items: Vec<String> = items.into_iter().map(|s| s.as_ref().to_string()).collect();
    if items.is_empty() {
        NOT_GIVEN.to_string()
    } else {
        items.join(", ")
    }
}

/// `a` as one word of a POSIX shell command: as it is when it holds only
/// characters a shell leaves alone, else in single quotes.
pub(crate) fn shell_quoted(a: &str) -> String {
    let plain = !a.is_empty()
        && a.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c));
    if plain {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

mod erased {
    /// Renders a serialisable value as compact JSON for comparisons.
    pub trait Render {
        fn render(&self) -> String;
    }
    impl<T: serde::Serialize> Render for T {
        fn render(&self) -> String {
            serde_json::to_string(self).unwrap_or_default()
        }
    }
}

/// The crate versions recorded in manifests.
pub fn crate_versions() -> BTreeMap<String, String> {
    NUMERIC_CRATES
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_crate_versions_match_workspace_pins() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
        let text = std::fs::read_to_string(root).unwrap();
        for (name, version) in NUMERIC_CRATES {
            let line = text
                .lines()
                .find(|l| l.starts_with(&format!("{name} =")))
                .unwrap();
            assert!(
                line.contains(&format!("\"={version}\"")),
                "{name}: manifest says {version}, workspace: {line}"
            );
        }
    }

    #[test]
    fn shard_parses_and_partitions_runs() {
        let s: Shard = "2/5".parse().unwrap();
        assert_eq!((s.index, s.count), (2, 5));
        assert!(s.contains(7) && !s.contains(8));
        for bad in ["5/5", "1", "a/2", "0/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    /// ` 1/2` and `+1/2` were taken (trimmed, and `u64`'s parser takes a
    /// sign: audit s30); K and M are digits only.
    #[test]
    fn shard_is_digits_only() {
        for bad in [
            " 1/2", "+1/2", "1/ 2", "1/+2", "1 /2", "1/2 ", "/2", "1/", "-0/2", "1/2/3",
        ] {
            let e = bad.parse::<Shard>().unwrap_err().to_string();
            assert!(
                e.contains(&format!(
                    "shard `{bad}`: expected K/M, two whole numbers in digits only"
                )),
                "{bad}: {e}"
            );
        }
        assert_eq!("1/2".parse::<Shard>().unwrap(), Shard { index: 1, count: 2 });
        let shards: Vec<Shard> = (0..3).map(|k| Shard { index: k, count: 3 }).collect();
        assert!((0..100).all(|i| shards.iter().filter(|s| s.contains(i)).count() == 1));
    }

    fn files(list: &[(&str, &str)]) -> Vec<ScenarioFile> {
        list.iter()
            .map(|(path, hash)| ScenarioFile {
                path: path.to_string(),
                hash: hash.to_string(),
            })
            .collect()
    }

    /// Audit s26-econ F4: a base named by another path (absolute then,
    /// relative now) with the same content is not listed as one file read
    /// now and another read then: it is said to have the recorded file's
    /// content, and the clauses first name the files whose content differs
    /// (the variant, whose `base:` line changed). A change by path is
    /// reported as before.
    #[test]
    fn changed_files_match_a_renamed_file_by_its_content() {
        let abs = "/work/main/examples/scenarios/china-2025.ron";
        // A batch of the variant with an absolute base; now a copy of the
        // variant naming a copy of the base relatively.
        let c = changed_files(
            &files(&[("cheap.ron", "h1"), (abs, "h0")]),
            &files(&[("cheap_rel.ron", "h2"), ("china-2025.ron", "h0")]),
        )
        .unwrap();
        assert_eq!(
            c,
            "the scenario named is cheap_rel.ron now and was cheap.ron then, with other content (its \
             hash is now h2, it was h1); china-2025.ron has the same content as the recorded \
             /work/main/examples/scenarios/china-2025.ron (a `base:` naming the same file by another \
             path, relative or absolute, changes the text of the file that names it)"
        );
        // A batch of the base itself, resumed with the variant naming it absolutely.
        let c = changed_files(
            &files(&[("china-2025.ron", "h0")]),
            &files(&[("cheap.ron", "h1"), (abs, "h0")]),
        )
        .unwrap();
        assert!(
            c.starts_with(&format!(
                "cheap.ron is read now but was not then; {abs} has the same content as the recorded \
                 china-2025.ron"
            )) && !c.contains("read then"),
            "{c}"
        );
        // By path: a changed base, an unchanged variant.
        let c = changed_files(
            &files(&[("v.ron", "h1"), ("base.ron", "h0")]),
            &files(&[("v.ron", "h1"), ("base.ron", "h3")]),
        )
        .unwrap();
        assert_eq!(
            c,
            "base.ron changed (its hash is now h3, it was h0); unchanged: v.ron"
        );
        // A file dropped and one added, with other content: both named.
        let c = changed_files(
            &files(&[("v.ron", "h1"), ("a.ron", "h0")]),
            &files(&[("v.ron", "h1"), ("b.ron", "h4")]),
        )
        .unwrap();
        assert_eq!(
            c,
            "b.ron is read now but was not then; a.ron was read then but is not now; unchanged: v.ron"
        );
        assert_eq!(changed_files(&[], &files(&[("v.ron", "h1")])), None);
    }
}
