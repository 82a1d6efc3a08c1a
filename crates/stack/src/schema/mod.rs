//! The scenario's entity types, one file per domain, each with its
//! conversion into that domain's validated configuration.

pub mod adequacy;
pub mod chips;
pub mod grid;
pub mod training;

use crate::error::ScenarioError;
use chrono::NaiveDate;
use scheduler::{Calendar, SimTime};
use std::path::PathBuf;

/// What a conversion needs: the calendar, and the file to blame.
pub struct Ctx {
    /// The scenario's calendar.
    pub calendar: Calendar,
    /// The file the scenario came from (for errors).
    pub file: PathBuf,
}

impl Ctx {
    /// An error about `field` of entity `name` in list `list`.
    pub fn err(&self, list: &str, name: &str, field: &str, message: impl Into<String>) -> ScenarioError {
        let path = if field.is_empty() {
            format!("{list}.{name}")
        } else {
            format!("{list}.{name}.{field}")
        };
        ScenarioError::new(&self.file, path, message)
    }
    /// Simulated time of `date`; dates before the start count as the start.
    /// Only for events whose effect simply holds from their date on (a
    /// retirement, a policy, a design's availability): one dated earlier is
    /// in force at the start. Events with a duration use
    /// [`before_start`](Self::before_start) to carry the time already elapsed.
    pub fn at(&self, date: NaiveDate) -> SimTime {
        self.calendar.at_date(date).unwrap_or(SimTime::ZERO)
    }
    /// Seconds from `date` (midnight) to the scenario start, when `date` is
    /// before the start; `None` when it is on or after it.
    pub fn before_start(&self, date: NaiveDate) -> Option<f64> {
        let start = self.calendar.start_date();
        (date < start).then(|| (start - date).num_seconds() as f64)
    }
    /// Years of a construction project's work already done at the scenario
    /// start, for a project begun on `start` (0 for one that starts on or
    /// after it, or that has no date): the grid and the supply chain both
    /// take it as still being built at the start, draw its lead time
    /// conditioned on outlasting these years (`Dist::still_to_run`) and
    /// complete it after what is left; a fixed lead time that has run out
    /// completes at the start.
    pub fn project_years_spent(&self, start: Option<NaiveDate>) -> f64 {
        start
            .and_then(|d| self.before_start(d))
            .map_or(0.0, |secs| secs / scheduler::SECS_PER_YEAR as f64)
    }
    /// Checks that `reference` names one of `names`.
    pub fn check_ref<'a>(
        &self,
        (list, name, field): (&str, &str, &str),
        reference: &str,
        kind: &str,
        names: impl IntoIterator<Item = &'a str> + Clone,
    ) -> Result<(), ScenarioError> {
        if names.clone().into_iter().any(|n| n == reference) {
            return Ok(());
        }
        let mut e = self.err(list, name, field, format!("{kind} `{reference}` does not exist"));
        if let Some(s) = crate::error::did_you_mean(reference, names) {
            e = e.hint(format!("did you mean `{s}`?"));
        }
        Err(e)
    }
}
