//! The errors of this crate: one enum, each variant saying what went wrong and where.

use std::path::PathBuf;

/// Everything that can stop a batch, a merge or an analysis. All are fatal to
/// the operation that returns them; finished runs already written under
/// `DIR/runs/` stay valid and a resume picks them up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum McError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A CSV file could not be read or written.
    #[error("{path}: {source}")]
    Csv {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: csv::Error,
    },
    /// A JSON file (manifest) could not be read or written.
    #[error("{path}: {source}")]
    Json {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },
    /// A per-run file is malformed (truncated files are never renamed into place, so this means tampering).
    #[error("{path}:{line}: {message}")]
    RunFile {
        /// The run file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The model failed on one run.
    #[error("run {run} (seed {seed}): {source}")]
    Model {
        /// Run index.
        run: u64,
        /// The run's seed.
        seed: u64,
        /// The model's error.
        source: crate::ModelError,
    },
    /// The options or the model's declarations are invalid (message says which and why).
    #[error("{0}")]
    Invalid(String),
    /// `--resume` with arguments that differ from the interrupted batch's manifest.
    #[error(
        "cannot resume {dir}: `{field}` differs (manifest has {recorded}, this command gives {given}){started_with}"
    )]
    ResumeMismatch {
        /// The batch directory.
        dir: PathBuf,
        /// The manifest field that differs.
        field: String,
        /// Its value in the manifest.
        recorded: String,
        /// Its value now.
        given: String,
        /// A hint: for `scenario_hash`, which files changed
        /// ([`crate::manifest::changed_files`]); then the batch's arguments
        /// as the manifest records them, as the command that resumes it
        /// ([`crate::Manifest::resume_command`]).
        started_with: String,
    },
    /// The runs in a batch directory were computed by a build of another git
    /// revision than the binary resuming or merging it.
    #[error(
        "{dir} holds runs computed by aistack built from {recorded}, but this binary was built from {running}: \
         a batch must not mix the runs of two builds (either may change numbers). Finish it with a build of \
         the recorded revision, or start a new batch in another directory"
    )]
    BuildMismatch {
        /// The batch or shard directory.
        dir: PathBuf,
        /// The build recorded in its manifest ([`crate::Build::describe`]).
        recorded: String,
        /// The running binary's build.
        running: String,
    },
    /// The runs of a directory were computed where the maths library gives
    /// other last bits than here ([`crate::manifest::check_math`]).
    #[error(
        "cannot {} {dir}: this build's maths library gives different last bits than the one \
         that {} (manifest.json `math_fingerprint` {recorded}, this build's {running}: a build \
         from before aistack computed its own maths, when glibc picked its exp/log/pow code by \
         CPU feature, another libm version, or a miscompile), so runs computed or checked here \
         would not be byte-identical to its runs; {}",
        .refused.verb(), .refused.action(), .refused.fix(recorded)
    )]
    MathMismatch {
        /// What was refused.
        refused: MathRefused,
        /// The batch, eval or shard directory.
        dir: PathBuf,
        /// The fingerprint in its manifest.
        recorded: String,
        /// This process's.
        running: String,
    },
    /// Shard directories that do not belong to one batch, or do not cover it.
    #[error("cannot merge: {0}")]
    Merge(String),
    /// The output directory already holds a batch and resume was not asked for.
    #[error(
        "{0} already holds a batch (manifest.json): choose another --out (an interrupted \
         `aistack batch` is finished there by `aistack batch --resume DIR`)"
    )]
    AlreadyExists(PathBuf),
    /// The output directory holds run files (`runs/`) but no `manifest.json`:
    /// no batch `--resume` can finish (the manifest records the scenario,
    /// seed and design its runs were made with), and no empty directory to
    /// write new runs into.
    #[error(
        "{0} holds run files (runs/) but no manifest.json, so it is no batch that \
         `aistack batch --resume` can finish (the manifest records the scenario, seed and design \
         its runs were made with). If it is an interrupted `aistack eval` (an eval writes its \
         manifest only once it finishes), the same eval command with --resume finishes it; \
         otherwise move that directory away (or remove it), or choose another --out"
    )]
    RunsWithoutManifest(PathBuf),
    /// The output directory holds no `manifest.json` (no batch, eval or
    /// compare of aistack's own), but files the command would replace or
    /// remove (`files`): another command's output (`aistack run` writes
    /// `summary.json` and `timeseries.csv` too) or the user's own. Refused
    /// before anything is written ([`crate::store::refuse_foreign_outputs`]).
    #[error(
        "{} holds {} but no manifest.json, so {} not the output of an `aistack {command}` (an \
         `aistack run`'s output, or files of your own?); {command} would replace or remove {}, so \
         nothing was written: choose another --out, or move {} away",
        .dir.display(),
        .files.join(", "),
        if .files.len() == 1 { "it is" } else { "they are" },
        if .files.len() == 1 { "it" } else { "them" },
        if .files.len() == 1 { "it" } else { "them" }
    )]
    ForeignOutputs {
        /// The output directory.
        dir: PathBuf,
        /// The files in it the command would replace or remove.
        files: Vec<String>,
        /// The command (`batch`, `eval`, `merge`, `compare`).
        command: &'static str,
    },
    /// A `manifest.json` that cannot be read as one (cut short, edited, or
    /// not written by aistack).
    #[error(
        "{path}: cannot be read as a batch manifest ({cause}); without it the runs in {dir} \
         cannot be resumed, merged, plotted or replayed: move that directory away (or remove it), \
         or make the batch again in another directory (another --out)"
    )]
    BadManifest {
        /// The manifest file.
        path: PathBuf,
        /// The directory holding it.
        dir: PathBuf,
        /// What the JSON reader found wrong (in the message, so not a
        /// `source` that would print it a second time).
        cause: serde_json::Error,
    },
    /// Another process holds the directory's lock ([`crate::lock`]): it is
    /// writing there now (a directory to write into, or a shard `merge`
    /// would read).
    #[error(
        "{0} is being written by another aistack process (it holds {0}/.lock): two commands on \
         one directory would delete each other's temporary files and compute the same runs \
         twice, and a merge would read its runs half-written. Wait for that process to end (or \
         stop it), then run this command again; to write at the same time, give this one \
         another --out"
    )]
    Busy(PathBuf),
    /// Drawing a chart failed.
    #[error("chart {path}: {message}")]
    Chart {
        /// The SVG being drawn.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = McError> = std::result::Result<T, E>;

/// Wraps an I/O error with its path.
pub(crate) fn io_err(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> McError {
    let path = path.into();
    move |source| McError::Io { path, source }
}

/// How many outcome names a refusal lists in full; more are counted.
const LISTED_OUTCOMES: usize = 5;

/// The outcomes a run reports, `names`, as a refusal gives them after
/// "reports": a few in full (`: a, b`); more (a scenario's run reports
/// over 150) as how many, the first, and where all are described, as
/// `aistack discover` counts them, since a line of every name hid the
/// suggestion before it (audit finding 7). Shared by `sensitivity`'s and
/// `--stop-outcome`'s refusals.
pub(crate) fn reported_outcomes(names: &[&str]) -> String {
    match names {
        [] => " no outcome".to_string(),
        few if few.len() <= LISTED_OUTCOMES => format!(": {}", few.join(", ")),
        [first, ..] => format!(
            " {} outcomes, from `{first}` (docs/model.md, \"Scalar outcomes\", lists and explains \
             them; a run's summary.json, `outcomes`, holds its own)",
            names.len()
        ),
    }
}

/// A command line (the program, then its arguments, as
/// `std::env::args` gives them) as a user types it again in a POSIX
/// shell: `aistack` and the arguments, each in single quotes when a shell
/// would split or expand it. For the way on of an error (audit s26 econ
/// F9: placeholders such as `the same compare command` were printed as
/// if they were commands).
pub fn command_to_type(command_line: &[String]) -> String {
    std::iter::once("aistack".to_string())
        .chain(
            command_line
                .iter()
                .skip(1)
                .map(|a| crate::manifest::shell_quoted(a)),
        )
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a [`McError::MathMismatch`] refused, which words its message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathRefused {
    /// Resuming a batch.
    ResumeBatch,
    /// Resuming a finished eval whose rows were lost.
    ResumeEval,
    /// Merging shards computed elsewhere.
    Merge,
}

impl MathRefused {
    /// The command refused: `resume`, `merge`.
    fn verb(self) -> &'static str {
        match self {
            MathRefused::ResumeBatch | MathRefused::ResumeEval => "resume",
            MathRefused::Merge => "merge",
        }
    }

    /// What the machine of the recorded fingerprint did.
    fn action(self) -> &'static str {
        match self {
            MathRefused::ResumeBatch => "ran the batch",
            MathRefused::ResumeEval => "ran the eval",
            MathRefused::Merge => "ran the shards",
        }
    }

    /// What to do instead, given the recorded fingerprint.
    fn fix(self, recorded: &str) -> String {
        let there = format!(
            "with a build whose fingerprint is {recorded} (`aistack validate SCENARIO \
             --print-math-fingerprint` prints a build's)"
        );
        match self {
            MathRefused::ResumeBatch => {
                format!("resume it {there}, or start the batch again here in another directory")
            }
            MathRefused::ResumeEval => {
                format!("resume it {there}, or evaluate the design again here in another directory")
            }
            MathRefused::Merge => format!("merge {there}, or run the shards again here"),
        }
    }
}
