//! The real simulator as a [`Model`]: a loaded scenario, run once per
//! Monte Carlo run with the run's seed and parameter values.

use crate::model::{Model, ModelError, ParamSpec, RankCorrelation, RunResult};
use crate::series::{Instant, Series, SeriesKey};
use stack::{RunOptions, Scenario};

/// A scenario (with its bases) that the batch runner drives.
pub struct ScenarioModel {
    scenario: Scenario,
}

impl ScenarioModel {
    /// Wraps a loaded, checked scenario.
    pub fn new(scenario: Scenario) -> ScenarioModel {
        ScenarioModel { scenario }
    }
    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
}

impl Model for ScenarioModel {
    fn parameters(&self) -> Vec<ParamSpec> {
        self.scenario
            .parameters()
            .into_iter()
            .map(|p| ParamSpec {
                path: p.path,
                dist: p.dist,
            })
            .collect()
    }

    fn correlations(&self) -> Vec<RankCorrelation> {
        self.scenario
            .data
            .correlations
            .iter()
            .map(|c| RankCorrelation {
                a: c.a.clone(),
                b: c.b.clone(),
                rho: c.rho,
            })
            .collect()
    }

    fn run(&self, seed: u64, params: &[f64]) -> Result<RunResult, ModelError> {
        let opts = RunOptions {
            seed: Some(seed),
            param_values: Some(params.to_vec()),
            trace: false,
            dispatch_window: None,
        };
        let out = stack::run(&self.scenario, &opts).map_err(|e| ModelError(e.to_string()))?;
        // The recorder has interned keys and instants already: take them as they are.
        let samples = &out.series;
        let keys = samples
            .keys()
            .iter()
            .map(|(metric, entity)| SeriesKey {
                metric: metric.clone(),
                entity: entity.clone(),
            })
            .collect();
        let instants = samples
            .instants()
            .iter()
            .map(|(time_year, date)| Instant {
                time_year: *time_year,
                date: date.clone(),
            })
            .collect();
        let series = Series::from_indexed(keys, instants, samples.points()).map_err(ModelError)?;
        Ok(RunResult {
            scalars: out.scalars,
            series,
        })
    }

    /// The simulator's conditional outcomes ([`stack::run::conditional_outcome`]);
    /// a lab's own (`training.lab.<lab>.…`) only for a lab of the scenario,
    /// so that a misspelt lab in `--stop-outcome` is refused.
    fn conditional_outcome(&self, outcome: &str) -> Option<String> {
        if let Some((lab, _)) = stack::run::lab_of_outcome(outcome)
            && !self.scenario.data.labs.iter().any(|l| l.name == lab)
        {
            return None;
        }
        stack::run::conditional_outcome(outcome)
    }

    /// Applies the values and builds the domains (no event runs): the checks
    /// [`stack::run()`] makes before its first event, and those of the
    /// horizon loading makes ([`stack::Scenario::check_values`]). The
    /// message names the scenario field, not the file (the values are not
    /// the file's).
    fn check(&self, params: &[f64]) -> Result<(), ModelError> {
        let scenario_error = |e: stack::ScenarioError| {
            // `with_values` words its refusals for drawn values; these are given.
            let message = e
                .message
                .strip_prefix("with the drawn parameter values: ")
                .unwrap_or(&e.message);
            ModelError(if e.path.is_empty() {
                message.to_string()
            } else {
                format!("field `{}`: {message}", e.path)
            })
        };
        self.scenario.check_values(params).map_err(scenario_error)
    }

    /// The scenario file's absolute path (as given if it cannot be resolved),
    /// so a replay finds it from any working directory.
    fn source(&self) -> Option<String> {
        let file = self.scenario.files.first()?.path.clone();
        let path = std::fs::canonicalize(&file).unwrap_or(file);
        Some(path.display().to_string())
    }

    /// [`stack::Scenario::identity_bytes`]: CRLF and a BOM do not count.
    fn identity(&self) -> Vec<u8> {
        self.scenario.identity_bytes()
    }

    /// The scenario's files as read, each with its `base:` as written
    /// ([`stack::load::named_base`]).
    fn sources(&self) -> Vec<crate::scenario_copy::SourceText> {
        self.scenario
            .files
            .iter()
            .map(|f| crate::scenario_copy::SourceText {
                path: f.path.clone(),
                text: f.text.clone(),
                base: stack::load::named_base(&f.text),
            })
            .collect()
    }

    fn files(&self) -> Vec<crate::manifest::ScenarioFile> {
        self.scenario
            .file_hashes()
            .into_iter()
            .map(|(path, hash)| crate::manifest::ScenarioFile { path, hash })
            .collect()
    }
}
