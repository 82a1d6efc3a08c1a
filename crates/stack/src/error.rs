//! Errors of loading a scenario and of running it, each naming where it came
//! from: the file, the line and column, and the field path.

use std::fmt;
use std::path::PathBuf;

/// A scenario that cannot be loaded: the file, the position in it (when
/// known), the field path, what is wrong, and a hint to fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    /// The file the error is in (for the embedded default, `<embedded:NAME>`).
    pub file: PathBuf,
    /// 1-based line, when the position is known.
    pub line: Option<u32>,
    /// 1-based column, when the position is known.
    pub column: Option<u32>,
    /// Dotted field path, e.g. `labs[2].sites[0]` or `labs.deepseek.mfu`;
    /// empty for file-level errors.
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
    /// A suggested fix, e.g. "did you mean `capacity_mw`?".
    pub hint: Option<String>,
}

impl ScenarioError {
    /// An error in `file` with no position yet.
    pub fn new(file: impl Into<PathBuf>, path: impl Into<String>, message: impl Into<String>) -> Self {
        ScenarioError {
            file: file.into(),
            line: None,
            column: None,
            path: path.into(),
            message: message.into(),
            hint: None,
        }
    }
    /// Sets the position.
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(u32::try_from(line).unwrap_or(u32::MAX));
        self.column = Some(u32::try_from(column).unwrap_or(u32::MAX));
        self
    }
    /// Sets the hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, ":{l}:{c}")?;
        }
        if !self.path.is_empty() {
            write!(f, ": field `{}`", self.path)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// A run that failed after the scenario loaded: which domain, and why. Fatal
/// to the run; a batch records it against the run's index.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The scenario's parameters could not be applied or converted.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The energy grid refused its configuration or failed during the run.
    /// (No `#[source]`: the message already holds the cause, and a source
    /// would print it twice in an error chain.)
    #[error("energy grid: {0}")]
    Grid(energy_grid::GridError),
    /// The supply chain refused its configuration or failed during the run.
    #[error("fab supply chain: {0}")]
    Fab(fab_supply_chain::FabError),
    /// The training domain refused its configuration or failed during the run.
    #[error("model training: {0}")]
    Training(model_training::TrainingError),
    /// The scheduler refused an event (scheduling in the past, overflow).
    #[error("scheduler: {0}")]
    Schedule(scheduler::ScheduleError),
    /// The run hit its event budget (outside a [`crate::world::World`] run,
    /// which reports [`RunError::EventBudget`]).
    #[error("scheduler: {0}")]
    Budget(scheduler::RunError),
    /// The run hit `settings.max_events`: which date, and how many events
    /// each domain had made, so that the runaway process can be found.
    #[error(
        "the run reached its event budget, `settings.max_events` = {budget}, on {date} \
         (events so far: {by_domain}): a runaway scenario (the domain with the most events is \
         the place to look), or raise the budget with `settings: (max_events: N)`"
    )]
    EventBudget {
        /// The budget, events.
        budget: u64,
        /// The simulated date it ran out.
        date: String,
        /// Events handled per domain, e.g. `grid 1200, supply chain 90, training 40, month starts 3`.
        by_domain: String,
    },
    /// The window of dates asked for a per-step trace (`dispatch.csv`)
    /// lies outside the run or holds no dispatch step: why, with the run's dates.
    #[error("dispatch window {0}")]
    DispatchWindow(String),
    /// A domain or the scheduler failed during the run (one of the variants
    /// above): the simulated date it happened, before what happened (the
    /// domains count time in seconds from the start).
    #[error("on {date}, {error}")]
    During {
        /// The simulated date and time, `YYYY-MM-DD HH:MM:SS`.
        date: String,
        /// What failed.
        error: Box<RunError>,
    },
    /// A metric came out as NaN or infinite.
    #[error("metric `{metric}` of `{entity}` is not finite ({value}) at {date}")]
    NotFinite {
        /// Metric name.
        metric: String,
        /// Entity name.
        entity: String,
        /// The value.
        value: f64,
        /// When.
        date: String,
    },
}

macro_rules! run_error_from {
    ($($variant:ident($ty:ty)),*) => {$(
        impl From<$ty> for RunError {
            fn from(e: $ty) -> RunError {
                RunError::$variant(e)
            }
        }
    )*};
}
run_error_from!(
    Grid(energy_grid::GridError),
    Fab(fab_supply_chain::FabError),
    Training(model_training::TrainingError),
    Schedule(scheduler::ScheduleError),
    Budget(scheduler::RunError)
);

impl RunError {
    /// This error as it happened at `t` of a run on `calendar`: a domain's
    /// or the scheduler's with its date ([`RunError::During`]); the others
    /// already say when, or happen before the run.
    pub fn during(self, calendar: &scheduler::Calendar, t: scheduler::SimTime) -> RunError {
        match self {
            RunError::Grid(_) | RunError::Fab(_) | RunError::Training(_) | RunError::Schedule(_) => {
                RunError::During {
                    date: calendar
                        .datetime(t)
                        .map_or_else(|| format!("{t}"), |d| d.to_string()),
                    error: Box::new(self),
                }
            }
            other => other,
        }
    }
}

/// The closest of `candidates` to `word`, if close enough to suggest.
///
/// A `word` that is the dotted-path tail of candidates (`largest_run_flop`
/// of `training.largest_run_flop`: the name without its leading segments)
/// suggests the one of them that adds the fewest segments, as a misspelling
/// would be suggested: `training.largest_run_flop` rather than a lab's
/// `training.lab.a.largest_run_flop`. When several add as few, none is
/// suggested (`mfu` of `labs.a.mfu` and `labs.b.mfu`): any would be a guess,
/// and the caller's list of names is then the help. Otherwise the candidate
/// most similar to `word` (Jaro–Winkler above 0.8), if any.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    if let Some(same) = candidates.iter().find(|c| **c == word) {
        return Some(same);
    }
    let tail = format!(".{word}");
    let mut longer: Vec<&'a str> = candidates
        .iter()
        .copied()
        .filter(|c| c.ends_with(&tail))
        .collect();
    if !longer.is_empty() {
        let segments = |c: &str| c.matches('.').count();
        let fewest = longer.iter().map(|c| segments(c)).min().unwrap_or(0);
        longer.retain(|c| segments(c) == fewest);
        longer.sort_unstable();
        longer.dedup();
        return match longer[..] {
            [one] => Some(one),
            _ => None,
        };
    }
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestion_and_display() {
        assert_eq!(
            did_you_mean("capcity_mw", ["capacity_mw", "name", "region"]),
            Some("capacity_mw")
        );
        assert_eq!(did_you_mean("zzz", ["capacity_mw"]), None);
        let e = ScenarioError::new("a.ron", "labs[0].mfu", "expected a fraction")
            .at(3, 7)
            .hint("use 0.4");
        assert_eq!(
            e.to_string(),
            "a.ron:3:7: field `labs[0].mfu`: expected a fraction\n  hint: use 0.4"
        );
    }

    /// A name given without its leading segments is suggested whole (audit
    /// finding 7: `--outcome largest_run_flop` got no suggestion, as no
    /// spelling of it is close to `training.largest_run_flop`).
    #[test]
    fn a_name_missing_its_dotted_prefix_is_suggested_whole() {
        let outcomes = [
            "energy.unserved_fraction",
            "training.largest_run_flop",
            "training.largest_run_bound_year_2025",
        ];
        assert_eq!(
            did_you_mean("largest_run_flop", outcomes),
            Some("training.largest_run_flop")
        );
        // Tails of several segments, and whole segments only.
        assert_eq!(
            did_you_mean("lab.a.mfu", ["labs.lab.a.mfu", "labs.lab.b.mfu"]),
            Some("labs.lab.a.mfu")
        );
        assert_eq!(did_you_mean("run_flop", outcomes), None);
        // A lab's outcome of the same name adds more segments than the
        // national one: the national one is suggested, in any order.
        let with_labs = [
            "training.lab.a.largest_run_flop",
            "training.largest_run_flop",
            "training.lab.b.largest_run_flop",
        ];
        assert_eq!(
            did_you_mean("largest_run_flop", with_labs),
            Some("training.largest_run_flop")
        );
        let mut reversed = with_labs;
        reversed.reverse();
        assert_eq!(
            did_you_mean("largest_run_flop", reversed),
            Some("training.largest_run_flop")
        );
        assert_eq!(
            did_you_mean("a.largest_run_flop", with_labs),
            Some("training.lab.a.largest_run_flop")
        );
        // Several as near: none is guessed, not even a similar spelling.
        assert_eq!(did_you_mean("mfu", ["labs.a.mfu", "labs.b.mfu", "mfv"]), None);
        // A candidate given twice is one candidate.
        assert_eq!(
            did_you_mean("mfu", ["labs.a.mfu", "labs.a.mfu"]),
            Some("labs.a.mfu")
        );
        // The name itself, when a candidate, over any longer one.
        assert_eq!(did_you_mean("mfu", ["labs.a.mfu", "mfu"]), Some("mfu"));
        // Misspellings are as before.
        assert_eq!(
            did_you_mean("training.largest_run_flops", outcomes),
            Some("training.largest_run_flop")
        );
        assert_eq!(did_you_mean("tsxas", ["texas", "east"]), Some("texas"));
    }

    #[test]
    fn a_domain_error_is_told_once() {
        // Its text is in the message; a source as well would print it twice
        // in an error chain (`{:#}`), as `aistack run` did.
        let e = RunError::from(energy_grid::GridError::InvalidConfig {
            entity: "region `home`".into(),
            field: "demand.peak_hour",
            reason: "must be in [0, 24], got 30".into(),
        });
        assert!(std::error::Error::source(&e).is_none());
        assert_eq!(
            e.to_string(),
            "energy grid: region `home`: `demand.peak_hour` must be in [0, 24], got 30"
        );
        let e = RunError::from(scheduler::ScheduleError::Overflow {
            now: scheduler::SimTime::ZERO,
            delay: scheduler::Duration::ZERO,
        });
        assert!(std::error::Error::source(&e).is_none());
    }
}
