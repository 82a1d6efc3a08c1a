//! A loaded scenario and one run of it: parameters drawn or given, the world
//! assembled, the event loop run, and what it produced.

use crate::dispatch_csv::DispatchRecorder;
use crate::error::{RunError, ScenarioError};
use crate::load::{self, SourceFile};
use crate::output::Samples;
use crate::scenario::ScenarioData;
use crate::units::FabPower;
use crate::wiring::SignalSink;
use crate::world::{self, Observer, Quiet, StackEvent, World};
use scheduler::{Dist, RngStreams, SimTime};
use std::path::{Path, PathBuf};

/// Most entities one list of a scenario may hold.
pub const MAX_ENTITIES_PER_LIST: usize = 10_000;
/// Most regions a scenario may hold. The grid's dispatch is one linear
/// program over all regions with a dense `regions × regions` basis inverse
/// (rebuilt by Gauss–Jordan elimination, `O(n³)`, every 64 pivots), and
/// building it finds the path of least loss between every two regions
/// (Floyd–Warshall, `O(n³)`). Measured (s16-devfix, release build, one
/// region and one gas plant each): `validate` takes 0.24 s at 500 regions,
/// 1.7 s at 1,000, 6.1 s at 1,500 and 26 s at 2,000 (at 10,000, the list
/// limit, it had not finished after about ten minutes, 826 MB, when it was
/// stopped); so the limit keeps loading under two seconds.
pub const MAX_REGIONS: usize = 1_000;
/// Most uncertain parameters a scenario may declare (each is checked at its
/// tails when the scenario loads, which costs a conversion per parameter).
pub const MAX_UNCERTAIN_PARAMETERS: usize = 256;

/// A scenario read from its files and checked: every field in range, every
/// reference resolved, every uncertain parameter path valid.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The scenario tree, with the values written in the files.
    pub data: ScenarioData,
    /// The files read, the named one first.
    pub files: Vec<SourceFile>,
}

/// An uncertain parameter: its path and distribution.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    /// Dotted path, e.g. `labs.deepseek.mfu`.
    pub path: String,
    /// Distribution it is drawn from once per run.
    pub dist: Dist,
}

impl Scenario {
    /// Loads and checks the scenario in `path`.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let (data, files) = load::load_path(path)?;
        Scenario::checked(data, files)
    }

    /// Loads and checks a scenario from text; `name` stands for its file in
    /// errors, and `base:` resolves relative to `name`'s folder.
    pub fn from_text(name: &Path, text: &str) -> Result<Scenario, ScenarioError> {
        let (data, files) = load::load_text(name, text)?;
        Scenario::checked(data, files)
    }

    /// The embedded default scenario (`examples/scenarios/china-2025.ron`).
    pub fn embedded_default() -> Result<Scenario, ScenarioError> {
        Scenario::from_text(Path::new("<embedded:china-2025.ron>"), crate::DEFAULT_SCENARIO)
    }

    fn checked(data: ScenarioData, files: Vec<SourceFile>) -> Result<Scenario, ScenarioError> {
        let s = Scenario { data, files };
        s.check().map_err(|e| s.removed_by(s.locate(e)))?;
        Ok(s)
    }

    /// Says which variant's `remove` made `e` (an entry of a file below it
    /// naming an entity it removed): the error points into the untouched
    /// base file, whose author did not cause it.
    fn removed_by(&self, mut e: ScenarioError) -> ScenarioError {
        for f in &self.files {
            if f.path == e.file || !f.text.contains("remove") {
                continue;
            }
            let Ok(v) = load::parse_ron::<crate::scenario::VariantData>(&f.path, &f.text) else {
                continue;
            };
            for removed in &v.remove {
                let Some((_, name)) = removed.split_once('.') else {
                    continue;
                };
                let named = [format!("`{name}`"), format!("\"{name}\"")];
                // A list the variants' removals emptied (`labs`, `regions`):
                // the base, where the error points, has its entries.
                let emptied = e.message.contains("needs at least one")
                    && removed
                        .strip_prefix(e.path.as_str())
                        .is_some_and(|r| r.starts_with('.'));
                if emptied {
                    let at = load::locate_string(&f.text, removed)
                        .map(|(l, c)| format!(":{l}:{c}"))
                        .unwrap_or_default();
                    e.hint = Some(format!(
                        "the variant {}{at} removed `{removed}`, which left `{}` empty; keep one",
                        f.path.display(),
                        e.path
                    ));
                    return e;
                }
                if named.iter().any(|n| e.message.contains(n.as_str())) {
                    let at = load::locate_string(&f.text, removed)
                        .map(|(l, c)| format!(":{l}:{c}"))
                        .unwrap_or_default();
                    let note = format!(
                        "`{name}` was removed by the variant {}{at} (`remove: [\"{removed}\"]`); \
                         remove what names it too, or keep `{removed}`",
                        f.path.display()
                    );
                    e.hint = Some(match e.hint.take() {
                        Some(h) => format!("{note}; {h}"),
                        None => note,
                    });
                    return e;
                }
            }
        }
        e
    }

    /// The file the scenario was loaded from.
    pub fn file(&self) -> PathBuf {
        self.files
            .first()
            .map_or_else(|| PathBuf::from("<scenario>"), |f| f.path.clone())
    }

    /// The scenario's name.
    pub fn name(&self) -> &str {
        &self.data.name
    }

    /// The scenario's identity: every file's text ([`load::identity_text`]:
    /// a BOM and CRLF line ends do not count, comments and whitespace do),
    /// the named file first, then its bases in the order `base:` names them,
    /// each followed by a NUL byte. What manifests hash (`scenario_hash`),
    /// so that a changed file is never taken for the batch's.
    pub fn identity_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for f in &self.files {
            bytes.extend_from_slice(load::identity_text(&f.text).as_bytes());
            bytes.push(0);
        }
        bytes
    }

    /// [`load::identity_hash`] of [`Scenario::identity_bytes`], as manifests
    /// write it (`fnv1a64:<hex>:<length>`), for `summary.json` and `validate`.
    pub fn identity_hash(&self) -> String {
        load::identity_hash(&self.identity_bytes())
    }

    /// Each file's own hash ([`load::identity_hash`] of its
    /// [`load::identity_text`]), named by its path relative to the named
    /// file's directory (as written, or absolute where a `base:` was), in the
    /// order of [`Scenario::identity_bytes`]: when the scenario hash
    /// changed, these say which file did.
    pub fn file_hashes(&self) -> Vec<(String, String)> {
        let dir = self
            .files
            .first()
            .and_then(|f| f.path.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default();
        self.files
            .iter()
            .map(|f| {
                let rel = f.path.strip_prefix(&dir).unwrap_or(&f.path);
                let hash = load::identity_hash(load::identity_text(&f.text).as_bytes());
                (rel.display().to_string(), hash)
            })
            .collect()
    }

    /// The uncertain parameters, in path order.
    pub fn parameters(&self) -> Vec<Parameter> {
        self.data
            .uncertain
            .iter()
            .map(|(path, dist)| Parameter {
                path: path.clone(),
                dist: dist.clone(),
            })
            .collect()
    }

    /// The scenario with parameter `values` set (same order as
    /// [`parameters`](Self::parameters)).
    pub fn with_values(&self, values: &[f64]) -> Result<ScenarioData, ScenarioError> {
        let params = self.parameters();
        if values.len() != params.len() {
            return Err(ScenarioError::new(
                self.file(),
                "uncertain",
                format!(
                    "{} parameter values given for {} parameters",
                    values.len(),
                    params.len()
                ),
            ));
        }
        if params.is_empty() {
            return Ok(self.data.clone());
        }
        let file = self.file();
        let mut tree = serde_json::to_value(&self.data)
            .map_err(|e| ScenarioError::new(&file, "", format!("internal: {e}")))?;
        for (p, v) in params.iter().zip(values) {
            let number = serde_json::Number::from_f64(*v).ok_or_else(|| {
                ScenarioError::new(
                    &file,
                    format!("uncertain.{}", p.path),
                    format!("drew a non-finite value {v}"),
                )
            })?;
            load::set_path(&mut tree, &p.path, serde_json::Value::Number(number))
                .map_err(|m| ScenarioError::new(&file, format!("uncertain.{}", p.path), m))?;
        }
        let mut data = load::from_tree(&file, "", tree).map_err(|mut e| {
            e.message = format!("with the drawn parameter values: {}", e.message);
            e
        })?;
        self.scale_fab_power(&mut data)?;
        Ok(data)
    }

    /// A fab's `power_mw` is stated at its written capacity: when the
    /// capacity is drawn, the power scales with it, so the MW per wafer
    /// start of the run are those the scenario states (power × drawn ÷
    /// written capacity; a drawn power scales too). A fab written with no
    /// capacity states no intensity and keeps its power, as does one drawn
    /// with none (a `Discrete` 0: the model's fab with no capacity draws its
    /// power at its nameplate, so expansions still draw). Refused, naming the
    /// parameter, when the scaled power leaves the fab range [0, 10,000] MW.
    fn scale_fab_power(&self, data: &mut ScenarioData) -> Result<(), ScenarioError> {
        for fab in &mut data.fabs {
            let Some(written) = self.data.fabs.iter().find(|f| f.name == fab.name) else {
                continue;
            };
            let (drawn_cap, written_cap) = (
                fab.capacity_wafers_per_month.get(),
                written.capacity_wafers_per_month.get(),
            );
            if written_cap <= 0.0 || drawn_cap <= 0.0 || drawn_cap == written_cap {
                continue;
            }
            let power = fab.power_mw.get() * (drawn_cap / written_cap);
            fab.power_mw = FabPower::new(power).map_err(|m| {
                let path = format!("fabs.{}.capacity_wafers_per_month", fab.name);
                let at = if self.data.uncertain.contains_key(&path) {
                    format!("uncertain.{path}")
                } else {
                    path
                };
                ScenarioError::new(
                    self.file(),
                    at,
                    format!(
                        "with the drawn parameter values: the fab's power scales with its drawn capacity \
                         ({} wafers/month, written {}) to {} MW: {m}",
                        scheduler::Num(drawn_cap),
                        scheduler::Num(written_cap),
                        scheduler::Num(power)
                    ),
                )
            })?;
        }
        Ok(())
    }

    /// Draws every uncertain parameter from its own stream of `seed`
    /// (`param/<path>`), so adding one parameter leaves the others' draws
    /// unchanged.
    pub fn draw_values(&self, seed: u64) -> Vec<f64> {
        let streams = RngStreams::new(seed, 0);
        self.parameters()
            .iter()
            .map(|p| p.dist.sample(&mut streams.stream(&format!("param/{}", p.path))))
            .collect()
    }

    /// Every uncertain parameter at its median (its distribution's inverse
    /// CDF at 0.5), in [`Scenario::parameters`] order: the scenario's
    /// central case, which `aistack run --medians` runs instead of one draw.
    /// (A declared rank correlation maps medians to medians, so it needs no
    /// adjustment.)
    pub fn median_values(&self) -> Vec<f64> {
        self.parameters().iter().map(|p| p.dist.quantile(0.5)).collect()
    }

    /// Whether the scenario with parameter `values` (one per
    /// [`Scenario::parameters`], in order) passes every check a run makes
    /// before its first event, the horizon's limits included (the
    /// efficiency multiplier's, the grid programmes' unit limit): what
    /// loading checks at the distributions' tails, for given values, such
    /// as a row of an `eval` design. The error names the field that refused.
    pub fn check_values(&self, values: &[f64]) -> Result<(), ScenarioError> {
        self.probe(&self.file(), values)
    }

    /// Whether the scenario with parameter `values` builds and passes the
    /// domains' checks; the error names the field that refused.
    fn probe(&self, file: &Path, values: &[f64]) -> Result<(), ScenarioError> {
        let data = self.with_values(values)?;
        world::build_configs(file, &data).and_then(|configs| check_domains(file, &data, configs))
    }

    /// Refuses a run that would need more than `settings.max_events`
    /// events, estimated from its dispatch steps, production ticks and
    /// `tool_events` (tool failures and repairs; 0 before the domains'
    /// configurations are built), at the field that makes it large.
    fn check_size(&self, file: &Path, d: &ScenarioData, tool_events: f64) -> Result<(), ScenarioError> {
        // Size: dispatch steps dominate the event count, then production
        // ticks, unless tools fail often (two events a failure: it and its
        // repair).
        let steps = d.horizon_years.get() * 8766.0 / d.grid.dispatch_interval_hours.get();
        let production = d.horizon_years.get() * 365.25 / d.chips.production_step_days.get();
        let ticks = production * (1.0 + d.fabs.len() as f64);
        let estimate = steps + ticks + tool_events;
        if estimate > d.settings.max_events as f64 {
            // The field to point at: the limit if it is written, else the
            // written field that makes the run large (the default limit
            // has no place in the file). Written as a key in its section
            // (`max_events: …`) or as a variant's `set` path
            // (`"settings.max_events": …`).
            let written = |path: &str| {
                let key = path.rsplit('.').next().unwrap_or(path);
                self.files.iter().any(|f| {
                    load::find_key(&f.text, key).is_some() || load::locate_string(&f.text, path).is_some()
                })
            };
            let largest = steps.max(ticks).max(tool_events);
            let limit_written = written("settings.max_events");
            let path = if limit_written {
                "settings.max_events"
            } else if tool_events == largest && written("chips.tools.failures_per_tool_year") {
                "chips.tools.failures_per_tool_year"
            } else if steps == largest && written("grid.dispatch_interval_hours") {
                "grid.dispatch_interval_hours"
            } else if ticks == largest && written("chips.production_step_days") {
                "chips.production_step_days"
            } else {
                "horizon_years"
            };
            let limit = if limit_written {
                format!("settings.max_events = {}", d.settings.max_events)
            } else {
                format!("settings.max_events = {} (the default)", d.settings.max_events)
            };
            let rest = if tool_events > 0.0 {
                format!("{ticks:.0} production ticks, and {tool_events:.0} tool failures and repairs")
            } else {
                format!("and {ticks:.0} production ticks")
            };
            Err(ScenarioError::new(
                file,
                path,
                format!(
                    "the run would need about {estimate:.0} events ({steps:.0} grid dispatch steps of \
                     {} hours over {} years, {rest}), more than {limit}",
                    d.grid.dispatch_interval_hours.get(),
                    d.horizon_years.get()
                ),
            )
            .hint(if tool_events == largest {
                "fewer tool failures a year (chips.tools.failures_per_tool_year), shorten \
                 horizon_years, or raise the limit with `settings: (max_events: N)`"
            } else {
                "dispatch less often (grid.dispatch_interval_hours), shorten horizon_years, or \
                 raise the limit with `settings: (max_events: N)`"
            }))
        } else {
            Ok(())
        }
    }

    fn check(&self) -> Result<(), ScenarioError> {
        let d = &self.data;
        let file = self.file();
        check_name(&file, "name", &d.name)?;
        if d.regions.is_empty() {
            return Err(ScenarioError::new(
                &file,
                "regions",
                "a scenario needs at least one region",
            ));
        }
        if d.labs.is_empty() {
            return Err(ScenarioError::new(
                &file,
                "labs",
                "a scenario needs at least one lab",
            ));
        }
        macro_rules! names {
            ($($list:ident),*) => {$(
                self.unique_names(&file, stringify!($list), d.$list.iter().map(|e| e.name.as_str()))?;
            )*};
        }
        names!(
            regions,
            plants,
            links,
            grid_projects,
            programmes,
            droughts,
            derates,
            designs,
            fabs,
            fab_projects,
            imports,
            die_banks,
            policies,
            labs
        );
        // Other buyers have entity rows of their own (`fab.accelerators_delivered`).
        self.unique_names(
            &file,
            "chips.other_buyers",
            d.chips.other_buyers.iter().map(|b| b.name.as_str()),
        )?;
        check_build_group_names(&file, d)?;
        if let Some(first_over) = d.regions.get(MAX_REGIONS) {
            return Err(ScenarioError::new(
                &file,
                format!("regions.{}", first_over.name),
                format!(
                    "{} regions; a scenario holds at most {MAX_REGIONS} (the grid dispatches them \
                     all in one program whose cost grows with the cube of their number)",
                    d.regions.len()
                ),
            )
            .hint("merge regions into larger grid areas"));
        }
        if d.horizon_years.get() > 100.0 {
            return Err(ScenarioError::new(
                &file,
                "horizon_years",
                "must be at most 100 years",
            ));
        }
        // Every date the outputs write (timeseries.csv's `date`, summary
        // dates) is YYYY-MM-DD: a run ending past 9999-12-31 wrote
        // `+10001-12-31` (review s26-modeler, F7).
        let calendar = scheduler::Calendar::new(d.start);
        if let Some(end) = world::horizon_end(&calendar, d.horizon_years.get())
            && let Some(end_date) = calendar.date(end)
            && end_date > LAST_WRITTEN_DATE
        {
            return Err(ScenarioError::new(
                &file,
                "start",
                format!(
                    "a run of {} would end in the year {}, after {LAST_WRITTEN_DATE}, the last date the \
                     outputs can write as YYYY-MM-DD",
                    crate::report::horizon_text(d),
                    chrono::Datelike::year(&end_date)
                ),
            )
            .hint("start earlier, or shorten `horizon_years`"));
        }
        // Size, first from the dispatch steps and production ticks alone
        // (before a configuration error of a run too large to build), then
        // with the tool failures its configuration implies.
        self.check_size(&file, d, 0.0)?;
        let configs = world::build_configs(&file, d)?;
        let tool_events = tool_failure_events(&configs);
        if tool_events > 0.0 {
            self.check_size(&file, d, tool_events)?;
        }
        // References and ranges across entities, then what the domains
        // themselves check when they are built.
        check_domains(&file, d, configs)?;
        // Every uncertain path names a number, and its distribution's bulk
        // stays within the field's range.
        let params = self.parameters();
        if params.len() > MAX_UNCERTAIN_PARAMETERS {
            return Err(ScenarioError::new(
                &file,
                "uncertain",
                format!(
                    "{} uncertain parameters; a scenario declares at most {MAX_UNCERTAIN_PARAMETERS}",
                    params.len()
                ),
            ));
        }
        let mut probe = serde_json::to_value(d).map_err(|e| ScenarioError::new(&file, "", e.to_string()))?;
        // Each field drawn once: two spellings of one path (an enum's tag
        // written or left out) would draw it twice, one draw doing nothing.
        let mut drawn: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
        let spelt: Vec<&str> = params.iter().map(|p| p.path.as_str()).collect();
        for (p, canonical) in params.iter().zip(load::canonical_paths(&probe, &spelt)) {
            if let Some(canonical) = canonical
                && let Some(first) = drawn.insert(canonical.clone(), &p.path)
            {
                return Err(ScenarioError::new(
                    &file,
                    format!("uncertain.{}", p.path),
                    format!(
                        "`{}` and `{first}` name the same number (`{canonical}`), so it would be \
                         drawn twice and one draw would do nothing",
                        p.path
                    ),
                )
                .hint("keep one of the two paths"));
            }
        }
        for p in &params {
            if let Some(why) = not_a_model_parameter(&p.path) {
                return Err(ScenarioError::new(
                    &file,
                    format!("uncertain.{}", p.path),
                    format!("`{}` cannot be uncertain: {why}", p.path),
                )
                .hint("write one value in the file (a variant may `set` it)"));
            }
            if load::names_whole_number(&probe, &p.path) && !draws_whole_numbers(&p.dist) {
                return Err(ScenarioError::new(
                    &file,
                    format!("uncertain.{}", p.path),
                    format!(
                        "`{}` is a whole-number field, and {} draws fractions",
                        p.path,
                        p.dist.name()
                    ),
                )
                .hint("draw it from whole numbers: `Discrete(values: [4, 5, 6], weights: [1, 2, 1])`"));
            }
            load::set_path(&mut probe, &p.path, serde_json::json!(0.0))
                .map_err(|m| ScenarioError::new(&file, format!("uncertain.{}", p.path), m))?;
        }
        // First every parameter at its median, then each at its extremes
        // with the others at their medians: a range error names the parameter.
        let medians: Vec<f64> = params.iter().map(|p| p.dist.quantile(0.5)).collect();
        if !params.is_empty() {
            let data = self.with_values(&medians).map_err(|mut e| {
                e.message = format!("at the medians of the uncertain parameters: {}", e.message);
                e
            })?;
            check_domains(&file, &data, world::build_configs(&file, &data)?).map_err(|mut e| {
                e.message = format!("at the medians of the uncertain parameters: {}", e.message);
                e
            })?;
        }
        // Each parameter at the most extreme values any design can draw
        // (`Dist::quantile` at 0 and 1, i.e. at probabilities 2⁻⁵⁴ and
        // 1 − 2⁻⁵³), the others at their medians. The rule is zero mass
        // outside the field's range: a run that draws there stops the whole
        // batch, and `--resume` would draw it again, so a distribution that
        // can reach past the range at all is refused (truncate it instead).
        for (i, p) in params.iter().enumerate() {
            let at = |v: f64| {
                let mut values = medians.clone();
                values[i] = v;
                self.probe(&file, &values).err()
            };
            // Each tail that reaches past the range: how much lies outside,
            // the extreme value with the error there, the field's own limit
            // on that side and the distribution's last value inside it.
            // Both tails are checked: a lognormal on a fraction can fall
            // below its least value and pass 1 (review s26-modeler, F6).
            let tails: Vec<OutsideTail> = [(Tail::Lower, 0.0), (Tail::Upper, 1.0)]
                .into_iter()
                .filter_map(|(side, extreme)| {
                    let value = p.dist.quantile(extreme);
                    let error = at(value)?;
                    // Bisect for the probability where the range ends, to
                    // say how much of the distribution lies outside it.
                    let (mut inside, mut outside) = (0.5, extreme);
                    for _ in 0..64 {
                        let mid = 0.5 * (inside + outside);
                        if at(p.dist.quantile(mid)).is_some() {
                            outside = mid;
                        } else {
                            inside = mid;
                        }
                    }
                    let last_in = p.dist.quantile(inside);
                    Some(OutsideTail {
                        side,
                        mass: if extreme == 0.0 { inside } else { 1.0 - inside },
                        value,
                        error,
                        limit: accepted_limit(last_in, value, |v| at(v).is_none()),
                        last_in,
                    })
                })
                .collect();
            if !tails.is_empty() {
                return Err(tails_error(&file, &p.path, &tails));
            }
        }
        for (i, c) in d.correlations.iter().enumerate() {
            for (field, p) in [("a", &c.a), ("b", &c.b)] {
                if !d.uncertain.contains_key(p) {
                    return Err(ScenarioError::new(
                        &file,
                        format!("correlations[{i}].{field}"),
                        format!("`{p}` is not an uncertain parameter"),
                    ));
                }
            }
        }
        // The rule a batch draws by (`stack::correlation::check`), at load.
        let pairs: Vec<(&str, &str, f64)> = d
            .correlations
            .iter()
            .map(|c| (c.a.as_str(), c.b.as_str(), c.rho))
            .collect();
        if let Err(p) = crate::correlation::check(&pairs) {
            return Err(
                ScenarioError::new(&file, format!("correlations[{}].a", p.entry), p.message).hint(p.hint),
            );
        }
        check_storage_and_droughts(&file, d)?;
        check_derates_match(&file, d)
    }

    /// Checks the names of `list` (at `list` in the files, a dotted path
    /// for a nested list such as `chips.other_buyers`): valid, not
    /// reserved, each used once. A name used twice is located at its second
    /// declaration (the duplicate, not the entity it repeats), in the first
    /// file whose `list` declares it twice (a variant's `add` replaces a
    /// base's entity of the same name, so a duplicate is within one file).
    fn unique_names<'a>(
        &self,
        file: &Path,
        list: &str,
        names: impl Iterator<Item = &'a str>,
    ) -> Result<(), ScenarioError> {
        match check_list_names(file, list, names) {
            Ok(()) => Ok(()),
            Err(NameFault::Invalid(e)) => Err(e),
            Err(NameFault::Twice(name)) => {
                let e = ScenarioError::new(
                    file,
                    format!("{list}.{name}"),
                    format!("the name `{name}` is used twice in `{list}`"),
                );
                let second = self
                    .files
                    .iter()
                    .find_map(|f| load::locate_declaration(&f.text, list, &name, 1).map(|at| (f, at)));
                Err(match second {
                    Some((f, (l, c))) => {
                        let mut e = e.at(l, c);
                        e.file = f.path.clone();
                        e
                    }
                    None => e,
                })
            }
        }
    }

    /// Adds a line and column to an error found after parsing, by finding
    /// the named entity's field in the files (the named file first).
    pub fn locate(&self, mut e: ScenarioError) -> ScenarioError {
        if e.line.is_some() {
            return e;
        }
        let parts: Vec<&str> = e.path.split('.').collect();
        for f in &self.files {
            // A value written for exactly this path as a key (a variant's
            // `set`, or an `uncertain` entry): the value came from there,
            // not from the field in a base file.
            if let Some((l, c)) = load::locate_string(&f.text, &e.path) {
                e.file = f.path.clone();
                return e.at(l, c);
            }
            // `drought_processes[1]`: an entry of a list without names.
            let unnamed = |part: &str| {
                let (list, i) = part.strip_suffix(']')?.split_once('[')?;
                Some((list.to_string(), i.parse::<usize>().ok()?))
            };
            // A field `sub` of the numbered entry `entry` of an entity's
            // list, found in that entry: a fleet entry's `installed`, a
            // site's `region`, a product's `design`.
            let entry_field = |entry: &str, sub: &str| unnamed(entry).is_some() && !sub.contains('[');
            // An entry of an entity's fleet is located in that entity (or
            // at a variant's `set` of the fleet), never at another entity's
            // field of the same name (review s25, F3).
            let entity_entry = match parts.as_slice() {
                ["labs", _, entry, _] | ["chips", "other_buyers", _, entry, _] => {
                    entry.starts_with("fleet[") && unnamed(entry).is_some()
                }
                _ => false,
            };
            let found = match parts.as_slice() {
                ["uncertain", rest @ ..] => load::locate_string(&f.text, &rest.join(".")),
                // A field of an entry of an other buyer's or an entity's
                // list (`chips.other_buyers.cloud.fleet[1].installed`,
                // `labs.A.fleet[0].installed`, `labs.A.sites[2].region`,
                // `fabs.f.products[1].design`): that entry's field, so a
                // region written twice is located at the second, not at
                // the list (audits s30, s34).
                ["chips", "other_buyers", name, entry, sub] if entry_field(entry, sub) => unnamed(entry)
                    .and_then(|(list, i)| {
                        load::locate_entity_entry_field(
                            &f.text,
                            ("chips.other_buyers", true),
                            name,
                            (&list, i),
                            sub,
                        )
                    }),
                [list, name, entry, sub] if entry_field(entry, sub) => unnamed(entry).and_then(|(l, i)| {
                    load::locate_entity_entry_field(&f.text, (list, false), name, (&l, i), sub)
                }),
                ["chips", "other_buyers", name, field, ..] => {
                    let field = field.split('[').next().unwrap_or(field);
                    load::locate_nested_entity_field(&f.text, "chips.other_buyers", name, field)
                }
                // An other buyer itself (`chips.other_buyers.cloud`, named
                // like a lab): where its entry declares the name.
                ["chips", "other_buyers", name] => {
                    load::locate_declaration(&f.text, "chips.other_buyers", name, 0)
                }
                // `correlations[2].a`: an entry of a top-level list without names.
                [entry, field] if unnamed(entry).is_some() => unnamed(entry)
                    .and_then(|(list, i)| load::locate_list_entry_field(&f.text, &list, i, field)),
                [_, entry, field, ..] if unnamed(entry).is_some() => unnamed(entry)
                    .and_then(|(list, i)| load::locate_list_entry_field(&f.text, &list, i, field)),
                // An entity's field (`maintenance.days`, `derates.x.regions[1]`):
                // where the entity writes it.
                [list, name, field, rest @ ..] => {
                    // A nested field (`maintenance.days`) is found key by key.
                    let path = if field.contains('[') || rest.is_empty() {
                        field.split('[').next().unwrap_or(field).to_string()
                    } else {
                        format!("{field}.{}", rest.join("."))
                    };
                    load::locate_entity_field(&f.text, list, name, &path)
                }
                [list, name] => load::locate_entity_field(&f.text, list, name, ""),
                _ => None,
            }
            .or_else(|| {
                if entity_entry {
                    return None;
                }
                // A setting or a top-level field: where its key is written.
                let key = parts.last().copied().unwrap_or_default();
                load::find_key(&f.text, key).map(|o| load::position_of(&f.text, o))
            });
            if let Some((l, c)) = found {
                e.file = f.path.clone();
                return e.at(l, c);
            }
        }
        e
    }
}

/// Why the number at parameter path `path` is no model parameter that a
/// run could draw, or `None` for one that is. A drawn `seed` would change
/// nothing (a run's streams are seeded before its parameters are drawn:
/// from `--seed`, the file's `seed` or a batch's run seed), yet be recorded
/// as a parameter, in a second `seed` column of `runs.csv`, and an `eval`
/// design could give it no column (`seed` there is the row's seed); a
/// drawn `settings.sample_every_months` would sample runs at different
/// instants, so that a band mixed one run's monthly totals with another's
/// quarterly ones (review s30-modeler).
fn not_a_model_parameter(path: &str) -> Option<&'static str> {
    match path {
        "seed" => Some(
            "it is the seed of a single run's random streams, which are seeded before the \
             parameters are drawn (`--seed`, or a batch's own seed for each run), so a draw would \
             change nothing",
        ),
        "settings.sample_every_months" => Some(
            "it sets when a run records its series, not the model, and the runs of a batch must \
             share it: a band would otherwise mix one run's monthly totals (MWh, wafers, spend) \
             with another's over several months",
        ),
        _ => None,
    }
}

/// Whether every value `dist` can draw is a whole number (a whole-number
/// field, e.g. a design's `hbm_stacks`, takes only these).
fn draws_whole_numbers(dist: &Dist) -> bool {
    let whole = |v: &f64| v.fract() == 0.0;
    match dist {
        Dist::Const { value } => whole(value),
        Dist::Discrete { values, .. } => values.iter().all(whole),
        _ => false,
    }
}

/// Refuses an entity name that is not 1–64 ASCII letters, digits, `-` or
/// `_`: names become output columns, file names and random streams' names,
/// which stay plain ASCII so every tool reading them agrees.
fn check_name(file: &Path, path: &str, name: &str) -> Result<(), ScenarioError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(
            ScenarioError::new(file, path, format!("`{name}` is not a valid name"))
                .hint("use 1–64 ASCII letters (a–z, A–Z), digits, `-` or `_`"),
        )
    }
}

/// Refuses what the grid would run without effect, silently: a region's
/// battery with power but no energy (or energy but no power), and a drought
/// (dated or recurring) in a region where no hydro runs or is built.
fn check_storage_and_droughts(file: &Path, d: &ScenarioData) -> Result<(), ScenarioError> {
    use crate::schema::grid::TechnologyData;
    for r in &d.regions {
        let (mw, mwh) = (r.storage_mw.get(), r.storage_mwh.get());
        let empty = match (mw > 0.0, mwh > 0.0) {
            (true, false) => Some(("storage_mwh", "power but no energy")),
            (false, true) => Some(("storage_mw", "energy but no power")),
            _ => None,
        };
        if let Some((field, what)) = empty {
            return Err(ScenarioError::new(
                file,
                format!("regions.{}.{field}", r.name),
                format!(
                    "the region's battery has {what} ({mw} MW, {mwh} MWh), so it can neither \
                     store nor deliver anything"
                ),
            )
            .hint("give both `storage_mw` and `storage_mwh`, or set both to 0 for no battery"));
        }
    }
    let has_hydro = |region: &str| {
        let hydro = TechnologyData::Hydro;
        d.plants
            .iter()
            .any(|p| p.region == region && p.technology == hydro)
            || d.grid_projects
                .iter()
                .any(|p| p.region == region && p.technology == hydro)
            || d.programmes
                .iter()
                .any(|p| p.region == region && p.technology == hydro)
    };
    let why = |region: &str| {
        format!(
            "region `{region}` has no hydro plant group and none is built there, so a drought, \
             which cuts hydro output, changes nothing"
        )
    };
    let hint = "name a region with hydro, or add a `Hydro` plant group to this one";
    for dr in &d.droughts {
        if !has_hydro(&dr.region) {
            return Err(
                ScenarioError::new(file, format!("droughts.{}.region", dr.name), why(&dr.region)).hint(hint),
            );
        }
    }
    for (i, p) in d.grid.drought_processes.iter().enumerate() {
        if !has_hydro(&p.region) {
            return Err(ScenarioError::new(
                file,
                format!("grid.drought_processes[{i}].region"),
                why(&p.region),
            )
            .hint(hint));
        }
    }
    Ok(())
}

/// Refuses a derate that would take nothing: none of its regions has (or
/// builds) a plant group of any of its technologies.
fn check_derates_match(file: &Path, d: &ScenarioData) -> Result<(), ScenarioError> {
    for x in &d.derates {
        let in_regions = |region: &str| x.regions.as_ref().is_none_or(|rs| rs.iter().any(|r| r == region));
        let hit = |region: &str, t: &crate::schema::grid::TechnologyData| {
            in_regions(region) && x.technologies.contains(t)
        };
        let any = d.plants.iter().any(|p| hit(&p.region, &p.technology))
            || d.grid_projects.iter().any(|p| hit(&p.region, &p.technology))
            || d.programmes.iter().any(|p| hit(&p.region, &p.technology))
            || d.adequacy.iter().any(|a| {
                d.regions.iter().any(|r| {
                    a.regions.as_ref().is_none_or(|rs| rs.contains(&r.name)) && hit(&r.name, &a.technology)
                })
            });
        if !any && !x.technologies.is_empty() {
            let techs: Vec<String> = x.technologies.iter().map(|t| format!("{t:?}")).collect();
            let place = match &x.regions {
                None => "any region".to_string(),
                Some(rs) => format!(
                    "region{} {}",
                    if rs.len() == 1 { "" } else { "s" },
                    rs.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
                ),
            };
            return Err(ScenarioError::new(
                file,
                format!("derates.{}.technologies", x.name),
                format!(
                    "no plant group of {} is in or built in {place}, so the derate takes nothing",
                    techs.join(", ")
                ),
            )
            .hint("name a technology these regions have, or other regions"));
        }
    }
    Ok(())
}

/// Refuses a plant group named as the group the grid creates for a grid
/// project or programme that builds a technology in a region with no group
/// of it ([`energy_grid::build_group_name`], `<region>-<tech>-build`): the
/// two would clash, and the grid's error could not say where. The name
/// stays the grid's (it keys the group's random streams, so renaming it
/// would change every run that builds such a group).
fn check_build_group_names(file: &Path, d: &ScenarioData) -> Result<(), ScenarioError> {
    use crate::schema::grid::TechnologyData;
    let targets = d
        .grid_projects
        .iter()
        .map(|p| ("grid project", &p.name, &p.region, p.technology))
        .chain(
            d.programmes
                .iter()
                .map(|p| ("programme", &p.name, &p.region, p.technology)),
        )
        .chain(d.adequacy.iter().flat_map(|a| {
            let regions: Vec<&String> = match &a.regions {
                Some(rs) => rs.iter().collect(),
                None => d.regions.iter().map(|r| &r.name).collect(),
            };
            regions
                .into_iter()
                .map(move |r| ("adequacy response", &a.name, r, a.technology))
        }));
    for (kind, builder, region, tech) in targets {
        if tech == TechnologyData::Battery
            || d.plants
                .iter()
                .any(|g| &g.region == region && g.technology == tech)
        {
            continue;
        }
        let generated = energy_grid::build_group_name(region, tech.into());
        if let Some(g) = d.plants.iter().find(|g| g.name == generated) {
            return Err(ScenarioError::new(
                file,
                format!("plants.{}", g.name),
                format!(
                    "the name `{generated}` is the one the grid gives the plant group it creates for \
                     {kind} `{builder}`: region `{region}` has no {tech:?} group, so what it builds \
                     goes to a new group of that name"
                ),
            )
            .hint(format!(
                "rename this group; `<region>-<technology>-build` names are the grid's (or add a {tech:?} \
                 group in `{region}` for the {kind} to build into)"
            )));
        }
    }
    Ok(())
}

/// Entity names the outputs use for totals (`national` for a domain's
/// national rows, `world` for the frontier across all labs), so no entity
/// may take them: its rows would be indistinguishable from the totals.
pub const RESERVED_NAMES: [&str; 2] = ["national", "world"];

/// Why [`check_list_names`] refused a list.
enum NameFault {
    /// This name is used twice: [`Scenario::unique_names`] says so at its
    /// second declaration.
    Twice(String),
    /// Any other fault: too many entities, an invalid or reserved name.
    Invalid(ScenarioError),
}

/// Checks the names of `list`: valid, not reserved, each used once.
fn check_list_names<'a>(
    file: &Path,
    list: &str,
    names: impl Iterator<Item = &'a str>,
) -> Result<(), NameFault> {
    let names: Vec<&str> = names.collect();
    if names.len() > MAX_ENTITIES_PER_LIST {
        return Err(NameFault::Invalid(ScenarioError::new(
            file,
            list,
            format!(
                "{} entities; a list holds at most {MAX_ENTITIES_PER_LIST}",
                names.len()
            ),
        )));
    }
    let mut seen = std::collections::BTreeSet::new();
    for n in &names {
        check_name(file, &format!("{list}.{n}"), n).map_err(NameFault::Invalid)?;
        if RESERVED_NAMES.contains(n) {
            return Err(NameFault::Invalid(
                ScenarioError::new(
                    file,
                    format!("{list}.{n}"),
                    format!("the name `{n}` is reserved: output rows of that `entity` are totals"),
                )
                .hint("choose another name"),
            ));
        }
        if !seen.insert(*n) {
            return Err(NameFault::Twice((*n).to_string()));
        }
    }
    Ok(())
}

/// Tool failures and repairs a run can be expected to hold at least: two
/// events a failure, at `failures_per_tool_year` for each tool a fab has
/// when it opens, over the years it is open in the run (tools installed
/// later, and fabs a project opens, are not counted: a lower bound).
fn tool_failure_events(configs: &world::Configs) -> f64 {
    let fab = &configs.fab;
    let end = configs.end.ticks() as f64;
    let years = |from: f64| (end - from).max(0.0) / scheduler::SECS_PER_YEAR as f64;
    let tool_years: f64 = fab
        .fabs
        .iter()
        .map(|f| {
            let open_years = match f.opens {
                fab_supply_chain::FabOpening::Operating
                | fab_supply_chain::FabOpening::OpenedBefore { .. } => years(0.0),
                fab_supply_chain::FabOpening::At(t) => years(t.ticks() as f64),
                fab_supply_chain::FabOpening::ByProject => 0.0,
            };
            f.tools_at_opening as f64 * open_years
        })
        .sum();
    2.0 * fab.tools.failures_per_tool_year * tool_years
}

/// Builds the three domains from `configs` as a run would (grid, supply
/// chain, training, and every site and fab as a grid load), so that a value
/// the scenario schema accepts but a domain refuses is refused at load; then
/// checks the limits only the horizon decides (grid build programmes against
/// the unit limit, [`energy_grid::GridConfig::check_horizon`]). The domain's
/// complaint is mapped back to the scenario's field path (located by
/// [`Scenario::locate`]).
fn check_domains(file: &Path, data: &ScenarioData, configs: world::Configs) -> Result<(), ScenarioError> {
    let end = configs.end;
    let grid = (!configs.grid.programmes.is_empty()).then(|| configs.grid.clone());
    let training = configs.training.clone();
    World::assemble(configs, data.seed, data).map_err(|e| domain_error(file, data, e))?;
    training
        .check_horizon(end)
        .map_err(|e| domain_error(file, data, RunError::Training(e)))?;
    if let Some(grid) = grid {
        grid.check_horizon(end).map_err(|e| {
            domain_error(file, data, RunError::Grid(e)).hint(
                "raise the plant group's `unit_size_mw` (units of 10 MW or more never reach the \
                 limit), shorten `horizon_years`, or lower this programme's `mw_per_year`",
            )
        })?;
    }
    Ok(())
}

/// A domain's refusal of its configuration, as a scenario error on the field
/// it came from.
fn domain_error(file: &Path, data: &ScenarioData, e: RunError) -> ScenarioError {
    use energy_grid::GridError as G;
    use fab_supply_chain::FabError as F;
    use model_training::TrainingError as T;
    let (domain, entity, field, reason) = match e {
        RunError::Scenario(mut e) => {
            e.file = file.to_path_buf();
            return e;
        }
        RunError::Grid(G::InvalidConfig {
            entity,
            field,
            reason,
        }) => ("energy grid", entity, field.to_string(), reason),
        RunError::Grid(G::UnknownRegion { entity, field, name }) => (
            "energy grid",
            entity,
            field.to_string(),
            format!("names region `{name}`, which does not exist"),
        ),
        RunError::Fab(F::InvalidField {
            entity,
            field,
            reason,
        }) => ("fab supply chain", entity, field, reason),
        RunError::Fab(F::UnknownReference {
            entity,
            field,
            kind,
            name,
        }) => (
            "fab supply chain",
            entity,
            field,
            format!("refers to unknown {kind} \"{name}\""),
        ),
        RunError::Training(T::InvalidConfig {
            entity,
            field,
            reason,
        }) => ("model training", entity, field.to_string(), reason),
        other => return ScenarioError::new(file, "", format!("the scenario cannot be built: {other}")),
    };
    let (path, list, reason) = match from_world_rate(data, &entity, &field) {
        Some((path, list, Some(what))) => (path, list, format!("({what}) {reason}")),
        Some((path, list, None)) => (path, list, reason),
        None => {
            let (path, list) = domain_path(data, &entity, &field, &reason);
            (path, list, reason)
        }
    };
    // Say the field as the scenario writes it (`yield_ceiling`, not the
    // domain's `yield_curve.ceiling`; `peak_flop_s`, not `peak_flop_s_bf16`),
    // and so the fields the reason names, and a duration in the field's own
    // unit (`cycle_time_weeks`: weeks, not the domain's seconds).
    let shown = match scenario_field_of(&path) {
        Some(shown) => shown,
        // A drought's field by its own name (`days`), as its entry is no
        // named entity; a domain-wide setting by its path (`grid.curtailment_order`).
        None if !path.is_empty() && !list.contains("drought") => path.clone(),
        None => written_field(list, &field).to_string(),
    };
    let reason = scenario_words(list, &field, reason);
    // The training domain's fleet is what the scenario calls an other buyer.
    let entity = match entity.strip_prefix("fleet ") {
        Some(buyer) => format!("other buyer {buyer}"),
        None => entity,
    };
    ScenarioError::new(file, path, format!("{domain}: {entity}: `{shown}` {reason}"))
}

/// The scenario field a training-domain value was derived from, when it
/// was not written itself: a lab's halving time that no
/// `efficiency_halving_months` gives comes from
/// `ecosystem.algorithmic_halving_months` (or, if the lab writes one, its
/// `efficiency_rate_ratio`), and the effective frontier of a scenario that
/// writes `frontier_log10_physical_flop` from that path (the domain checks
/// the path less the world's progress: the physical path's own values).
/// The path, its list (for the field names) and, where the domain's value
/// is not the field's, what it is.
fn from_world_rate(
    data: &ScenarioData,
    entity: &str,
    field: &str,
) -> Option<(String, &'static str, Option<String>)> {
    let eco = &data.ecosystem;
    if entity == "training" && field == "frontier_log10_effective_flop" {
        eco.frontier_log10_physical_flop.as_ref()?;
        return Some((
            "ecosystem.frontier_log10_physical_flop".to_string(),
            "training",
            None,
        ));
    }
    let lab = entity.strip_prefix("lab ")?;
    if field != "efficiency_halving_months" || lab.contains(' ') {
        return None;
    }
    let l = data.labs.iter().find(|l| l.name == lab)?;
    if l.efficiency_halving_months.is_some() {
        return None;
    }
    let what = "the lab's halving time, `ecosystem.algorithmic_halving_months` ÷ its `efficiency_rate_ratio`";
    Some(match l.efficiency_rate_ratio {
        Some(_) => (
            format!("labs.{lab}.efficiency_rate_ratio"),
            "labs",
            Some(what.to_string()),
        ),
        None => (
            "ecosystem.algorithmic_halving_months".to_string(),
            "training",
            Some(what.to_string()),
        ),
    })
}

/// A domain's `reason` about `field` of an entity of `list`, in the
/// scenario's words: the domain-internal names it quotes replaced by the
/// fields written (see [`FIELD_NAMES`]), and a duration the domain gives
/// in seconds (`got 60480 s`) in the written field's unit (`got 0.1 weeks`).
fn scenario_words(list: &str, field: &str, reason: String) -> String {
    let mut reason = reason;
    for (l, internal, written, _) in FIELD_NAMES {
        if *l == list {
            reason = reason.replace(&format!("`{internal}`"), &format!("`{written}`"));
            if internal.contains('.') {
                reason = reason.replace(internal, written);
            }
        }
    }
    let unit = FIELD_NAMES
        .iter()
        .find(|(l, internal, _, _)| *l == list && *internal == field)
        .map_or("", |row| row.3);
    let Some(per) = seconds_per(unit) else {
        return reason;
    };
    // `got 60480 s` → `got 0.1 weeks`.
    let Some(at) = reason.rfind("got ") else {
        return reason;
    };
    let rest = &reason[at + 4..];
    let Some((n, tail)) = rest.split_once(" s") else {
        return reason;
    };
    if tail.chars().next().is_some_and(char::is_alphanumeric) {
        return reason;
    }
    let Ok(secs) = n.parse::<f64>() else {
        return reason;
    };
    // Round away the seconds the domain rounded the written value to.
    let value = (secs / per * 1e6).round() / 1e6;
    format!("{}got {} {unit}{tail}", &reason[..at], scheduler::Num(value))
}

/// Seconds in one `unit` of a duration field (`hours`, `days`, `weeks`,
/// `months` as the scenario counts them: a month is 1/12 of 365.25 days).
fn seconds_per(unit: &str) -> Option<f64> {
    match unit {
        "hours" => Some(3_600.0),
        "days" => Some(86_400.0),
        "weeks" => Some(604_800.0),
        "months" => Some(2_629_800.0),
        _ => None,
    }
}

/// The field part of a scenario path `list.name.field…` that
/// [`domain_path`] made (`products[0].design`), if it has one.
fn scenario_field_of(path: &str) -> Option<String> {
    let mut parts = path.splitn(3, '.');
    let (list, _name, field) = (parts.next()?, parts.next()?, parts.next()?);
    (!field.is_empty() && !matches!(list, "grid" | "chips" | "ecosystem" | "settings"))
        .then(|| field.to_string())
}

/// Domain field names (as the domains' errors name them) and the scenario
/// fields they are read from, by entity list (`grid`, `chips`, `hbm`,
/// `tools`, `training` and `inference` for the settings of a whole domain),
/// with the unit of a duration field the domain holds in seconds: an error
/// names what the scenario's author wrote, in its unit, never a
/// domain-internal name. A field absent here is written as its last
/// segment (so a nested scenario field, `maintenance.days`, is listed).
pub(crate) const FIELD_NAMES: &[(&str, &str, &str, &str)] = &[
    ("regions", "demand.average_mw", "demand_avg_mw", ""),
    ("regions", "demand.growth_per_year", "demand_growth_per_year", ""),
    ("regions", "storage.power_mw", "storage_mw", ""),
    ("regions", "storage.energy_mwh", "storage_mwh", ""),
    (
        "regions",
        "storage.round_trip_efficiency",
        "storage_round_trip_efficiency",
        "",
    ),
    ("regions", "storage.reserve_fraction", "storage_reserve_share", ""),
    ("regions", "storage.build_hours", "storage_build_hours", ""),
    (
        "regions",
        "storage.wear_cost_usd_per_mwh",
        "storage_wear_cost_usd_per_mwh",
        "",
    ),
    (
        "regions",
        "interconnection_approval_mw_per_year",
        "interconnection_mw_per_year",
        "",
    ),
    ("plants", "failure_rate_per_year", "failures_per_unit_year", ""),
    ("plants", "repair_time_days", "repair_days", ""),
    ("plants", "mw", "retire_mw", ""),
    ("plants", "availability.capacity_factor", "capacity_factor", ""),
    ("plants", "availability.hold_hours", "weather_hold_hours", ""),
    ("plants", "maintenance.days", "maintenance.days", ""),
    (
        "plants",
        "maintenance.every_months",
        "maintenance.every_months",
        "",
    ),
    ("plants", "maintenance.months", "maintenance.months", ""),
    (
        "grid_projects",
        "cancellation_probability",
        "cancel_probability",
        "",
    ),
    ("grid_projects", "years_spent_at_start", "start", ""),
    ("fab_projects", "years_spent_at_start", "start", ""),
    ("designs", "peak_flop_s_bf16", "peak_flop_s", ""),
    ("designs", "peak_flop_s_fp8", "fp8_flop_s", ""),
    ("designs", "hbm_stacks_per_chip", "hbm_stacks", ""),
    ("fabs", "power_mw_at_full_starts", "power_mw", ""),
    ("fabs", "ramp", "ramp_months", "months"),
    ("fabs", "cycle_time", "cycle_time_weeks", "weeks"),
    ("fabs", "yield_curve.initial", "yield_initial", ""),
    ("fabs", "yield_curve.ceiling", "yield_ceiling", ""),
    ("fabs", "yield_curve.learning_wafers", "yield_learning_wafers", ""),
    (
        "fabs",
        "power_shortfall.scrap_below_served_fraction",
        "scrap_below_served_fraction",
        "",
    ),
    (
        "fabs",
        "power_shortfall.scrap_share_of_in_process",
        "scrap_share_of_in_process",
        "",
    ),
    ("fabs", "product_mix", "products", ""),
    (
        "policies",
        "action.control.licence_delay",
        "action.control",
        "days",
    ),
    ("policies", "action.control.quota_per_month", "action.control", ""),
    ("policies", "action.item.design", "action.item", ""),
    ("grid", "dispatch_interval", "dispatch_interval_hours", "hours"),
    ("grid.drought_processes", "duration_days", "days", ""),
    ("grid.drought_processes", "depth_fraction", "depth", ""),
    ("droughts", "duration", "days", ""),
    ("droughts", "depth_fraction", "depth", ""),
    ("derates", "duration", "days", ""),
    ("adequacy", "cancellation_probability", "cancel_probability", ""),
    ("chips", "production_step", "production_step_days", "days"),
    ("chips", "projects", "fab_projects", ""),
    ("chips", "accelerator_imports", "imports", ""),
    ("chips", "buyers", "labs", ""),
    ("hbm", "stockpile_stacks_at_start", "stockpile_stacks", ""),
    ("sites", "initial_connection_mw", "connected_mw", ""),
    (
        "training",
        "frontier_world_halving_months",
        "algorithmic_halving_months",
        "",
    ),
    (
        "inference",
        "max_share_of_chips",
        "inference_max_share_of_chips",
        "",
    ),
    (
        "inference",
        "adoption_time_months",
        "inference_adoption_months",
        "",
    ),
];

/// The scenario field path of a domain's `field` of `entity` (as the domains
/// name them: ``region `north` / plant group `north-coal` ``, `fab "x"`,
/// `lab deepseek`, `link 2 (…)`, `grid`, `supply chain`, `inference`), and
/// the list of [`FIELD_NAMES`] its field is looked up in. Falls back to the
/// entity (which [`Scenario::locate`] finds by name) when the field has no
/// scenario counterpart.
fn domain_path(data: &ScenarioData, entity: &str, field: &str, reason: &str) -> (String, &'static str) {
    let last = entity.rsplit(" / ").next().unwrap_or(entity);
    // The settings of a whole domain: a section of the scenario, or a list
    // (a list's size).
    let section = |list: &'static str, at: &str| {
        let written = written_field(list, field);
        let top = [
            "regions",
            "plants",
            "links",
            "designs",
            "fabs",
            "fab_projects",
            "imports",
            "die_banks",
            "policies",
            "labs",
        ];
        if top.contains(&written) {
            (written.to_string(), list)
        } else {
            (format!("{at}.{written}"), list)
        }
    };
    match last {
        "grid" => return section("grid", "grid"),
        "supply chain" => return section("chips", "chips"),
        "tool supply" => return section("tools", "chips.tools"),
        "hbm" => return section("hbm", "chips.hbm"),
        "training" => return section("training", "ecosystem"),
        "inference" => return section("inference", "ecosystem"),
        _ => {}
    }
    // The entry of a site list that holds `region`: its second where the
    // region is written twice (audit s30: it was named at the first).
    let nth = usize::from(reason.contains("appears twice"));
    let nth_site = |regions: &mut dyn Iterator<Item = &str>, region: &str| {
        regions
            .enumerate()
            .filter(|&(_, r)| r == region)
            .nth(nth)
            .map(|(i, _)| i)
    };
    // A fleet's site (`fleet cloud site east`): its entry of the other
    // buyer's `sites`.
    if let Some((buyer, region)) = last.strip_prefix("fleet ").and_then(|r| r.split_once(" site ")) {
        let field = written_field("sites", field);
        let i = data
            .chips
            .other_buyers
            .iter()
            .find(|b| b.name == buyer)
            .and_then(|b| nth_site(&mut b.sites.iter().map(|s| s.region.as_str()), region));
        return match i {
            Some(i) => (format!("chips.other_buyers.{buyer}.sites[{i}].{field}"), "sites"),
            None => (format!("chips.other_buyers.{buyer}.sites"), "sites"),
        };
    }
    // A lab's site (`lab deepseek site east`): its entry of the lab's `sites`.
    if let Some((lab, region)) = last.strip_prefix("lab ").and_then(|r| r.split_once(" site ")) {
        let field = written_field("sites", field);
        let i = data
            .labs
            .iter()
            .find(|l| l.name == lab)
            .and_then(|l| nth_site(&mut l.sites.as_ref()?.iter().map(|s| s.region.as_str()), region));
        return match i {
            Some(i) => (format!("labs.{lab}.sites[{i}].{field}"), "sites"),
            None => (format!("labs.{lab}.sites"), "sites"),
        };
    }
    let quoted = |q: char| {
        let mut parts = last.split(q);
        let kind = parts.next()?.trim();
        let name = parts.next()?;
        Some((kind, name))
    };
    let (kind, name) = match quoted('`').or_else(|| quoted('"')) {
        Some(kn) => kn,
        // `lab deepseek`, `lab deepseek site east`.
        None => match last.split_once(' ') {
            Some((k, n)) => (k, n.split(' ').next().unwrap_or(n)),
            None => return (String::new(), ""),
        },
    };
    let link_name = |k: &str| {
        let i: usize = k.strip_prefix("link ")?.split(' ').next()?.parse().ok()?;
        Some(data.links.get(i)?.name.clone())
    };
    // Imports and die banks: the domain names them by their design.
    let by_design = |names: Vec<(&str, &str)>| {
        names
            .into_iter()
            .find(|(_, design)| *design == name)
            .map_or_else(|| name.to_string(), |(n, _)| n.to_string())
    };
    let (list, name): (&'static str, String) = match kind {
        "region" => ("regions", name.to_string()),
        "plant group" | "retirement" => ("plants", name.to_string()),
        "programme" => ("programmes", name.to_string()),
        "project" if data.grid_projects.iter().any(|p| p.name == name) => ("grid_projects", name.to_string()),
        "project" => ("fab_projects", name.to_string()),
        "fab" => ("fabs", name.to_string()),
        "design" => ("designs", name.to_string()),
        "policy" => ("policies", name.to_string()),
        "derate" => ("derates", name.to_string()),
        "adequacy" => ("adequacy", name.to_string()),
        "lab" => ("labs", name.to_string()),
        "accelerator import" => (
            "imports",
            by_design(
                data.imports
                    .iter()
                    .map(|i| (i.name.as_str(), i.design.as_str()))
                    .collect(),
            ),
        ),
        "die bank" => (
            "die_banks",
            by_design(
                data.die_banks
                    .iter()
                    .map(|b| (b.name.as_str(), b.design.as_str()))
                    .collect(),
            ),
        ),
        k if k.starts_with("link ") => match link_name(k) {
            Some(n) => ("links", n),
            None => return ("links".into(), "links"),
        },
        k if k.starts_with("drought process") => {
            // One process per region: its place in the list, its field as written.
            let list = "grid.drought_processes";
            let field = written_field(list, field);
            return match data.grid.drought_processes.iter().position(|p| p.region == name) {
                Some(i) => (format!("grid.drought_processes[{i}].{field}"), list),
                None => ("grid.drought_processes".into(), list),
            };
        }
        k if k.starts_with("drought") => return ("droughts".into(), "droughts"),
        _ => return (String::new(), ""),
    };
    // A fab's product (`product_mix.design`): the entry of `products` the
    // reason names (`design "x"`), else the first.
    if list == "fabs" && field.starts_with("product_mix.") {
        let sub = &field["product_mix.".len()..];
        let named = reason.split('"').nth(1).unwrap_or_default();
        let i = data
            .fabs
            .iter()
            .find(|f| f.name == name)
            .and_then(|f| f.products.iter().position(|p| p.design == named))
            .unwrap_or(0);
        return (format!("{list}.{name}.products[{i}].{sub}"), list);
    }
    (format!("{list}.{name}.{}", written_field(list, field)), list)
}

/// The scenario's name of a domain's `field` of an entity of `list` (see
/// [`FIELD_NAMES`]); else the field's last segment.
fn written_field<'a>(list: &str, field: &'a str) -> &'a str {
    FIELD_NAMES
        .iter()
        .find(|(l, internal, _, _)| *l == list && *internal == field)
        .map_or(field.rsplit('.').next().unwrap_or(field), |(_, _, written, _)| {
            *written
        })
}

/// How to run a scenario once.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Seed of the run's random streams; `None`: the scenario's `seed`.
    pub seed: Option<u64>,
    /// Values of the uncertain parameters (in [`Scenario::parameters`]
    /// order); `None`: drawn from the run's seed.
    pub param_values: Option<Vec<f64>>,
    /// Keep the event trace (`events.jsonl` lines).
    pub trace: bool,
    /// Record every dispatch step starting in this window of dates
    /// (`dispatch.csv`, [`RunOutput::dispatch`]); `None`: record nothing.
    /// A window outside the run, or holding no step, is refused before the
    /// run starts ([`RunError::DispatchWindow`]).
    pub dispatch_window: Option<crate::dispatch_csv::DateWindow>,
}

/// What one run produced.
#[derive(Clone, Debug)]
pub struct RunOutput {
    /// Seed the run used.
    pub seed: u64,
    /// Uncertain parameters and the values used, in path order.
    pub params: Vec<(String, f64)>,
    /// Whether those values were given ([`RunOptions::param_values`], as a
    /// batch gives them) rather than drawn from the seed.
    pub params_given: bool,
    /// Whole-run scalar outcomes.
    pub scalars: Vec<(String, f64)>,
    /// Metric samples in time order (rows by reference through
    /// [`Samples::iter`]).
    pub series: Samples,
    /// Releases in date order: (lab, date, open, effective FLOP, capability).
    pub releases: Vec<model_training::Release>,
    /// Lab names, by lab index (for releases).
    pub lab_names: Vec<String>,
    /// The run's calendar.
    pub calendar: scheduler::Calendar,
    /// Event trace as JSON lines, if asked for.
    pub trace: Vec<String>,
    /// The dispatch steps of [`RunOptions::dispatch_window`], if one was given.
    pub dispatch: Option<crate::dispatch_csv::DispatchTrace>,
    /// Events handled.
    pub events: u64,
}

impl RunOutput {
    /// The scalar outcome `key` (`training.largest_run_flop`, …; names and
    /// units in docs/model.md), if the run reported it: outcomes defined
    /// only under a condition (a release, a frontier path) are absent, never
    /// a sentinel.
    pub fn scalar(&self, key: &str) -> Option<f64> {
        self.scalars.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// The value of `metric` for `entity` (a region, lab, fab, design or
    /// `national`) at the sampling instant `date` (`YYYY-MM-DD`), if the run
    /// recorded it: one row of `timeseries.csv`.
    pub fn sample(&self, date: &str, metric: &str, entity: &str) -> Option<f64> {
        self.series
            .iter()
            .find(|r| r.date == date && r.metric == metric && r.entity == entity)
            .map(|r| r.value)
    }
}

struct Tracer {
    calendar: scheduler::Calendar,
    now: SimTime,
    lines: Vec<String>,
}

impl Tracer {
    /// One line of `events.jsonl` at the current instant: `kind` is `event`
    /// or `signal`; `at_start` marks an event a domain applied as it started
    /// ([`Observer::applied_at_start`]), the only lines with that key.
    fn line(&mut self, kind: &str, what: &dyn std::fmt::Debug, at_start: bool) {
        let date = self
            .calendar
            .datetime(self.now)
            .map(|d| d.to_string())
            .unwrap_or_default();
        let mut line = serde_json::json!({"t_s": self.now.ticks(), "time": date, "kind": kind, "what": format!("{what:?}")});
        if at_start {
            line["at_start"] = true.into();
        }
        self.lines.push(line.to_string());
    }
}

impl SignalSink for Tracer {
    fn signal(&mut self, what: &dyn std::fmt::Debug) {
        self.line("signal", what, false);
    }
}

impl Observer for Tracer {
    fn event(&mut self, t: SimTime, event: &StackEvent) {
        self.now = t;
        self.line("event", event, false);
    }

    fn applied_at_start(&mut self, t: SimTime, event: &StackEvent) {
        self.now = t;
        self.line("event", event, true);
    }
}

/// An observer that also records the dispatch steps of a window
/// (`dispatch.csv`), passing everything else on to the observer it wraps.
struct WithDispatch<'a, O: Observer>(&'a mut O, &'a mut DispatchRecorder);

impl<O: Observer> SignalSink for WithDispatch<'_, O> {
    fn signal(&mut self, what: &dyn std::fmt::Debug) {
        self.0.signal(what);
    }
}

impl<O: Observer> Observer for WithDispatch<'_, O> {
    fn event(&mut self, t: SimTime, event: &StackEvent) {
        self.0.event(t, event);
    }

    fn applied_at_start(&mut self, t: SimTime, event: &StackEvent) {
        self.0.applied_at_start(t, event);
    }

    fn sampled(&mut self, t: SimTime, domains: &world::Domains) {
        self.0.sampled(t, domains);
    }

    fn dispatched(&mut self, t: SimTime, grid: &energy_grid::Grid) {
        self.0.dispatched(t, grid);
        self.1.record(t, grid);
    }
}

/// Runs `scenario` once.
pub fn run(scenario: &Scenario, opts: &RunOptions) -> Result<RunOutput, RunError> {
    let seed = opts.seed.unwrap_or(scenario.data.seed);
    let values = match &opts.param_values {
        Some(v) => v.clone(),
        None => scenario.draw_values(seed),
    };
    let data = scenario.with_values(&values).map_err(|e| scenario.locate(e))?;
    let file = scenario.file();
    let configs = world::build_configs(&file, &data).map_err(|e| scenario.locate(e))?;
    let calendar = configs.calendar;
    let end = configs.end;
    // A draw beyond the tails checked at load may still break a domain's
    // range: name the field, as at load.
    let mut world = World::assemble(configs, seed, &data).map_err(|e| {
        let mut e = domain_error(&file, &data, e);
        if !values.is_empty() {
            e.message = format!("with the drawn parameter values: {}", e.message);
        }
        scenario.locate(e)
    })?;
    let mut tracer = Tracer {
        calendar,
        now: SimTime::ZERO,
        lines: Vec::new(),
    };
    // The window is checked against this run's own horizon (a drawn
    // horizon may differ from the file's) before any event runs.
    let mut recorder = match &opts.dispatch_window {
        Some(w) => {
            let (from, to) = w.ticks(&calendar, end).map_err(RunError::DispatchWindow)?;
            let links = data.links.iter().map(|l| l.name.clone()).collect();
            Some(DispatchRecorder::new(from, to, links))
        }
        None => None,
    };
    let ran = match (opts.trace, recorder.as_mut()) {
        (true, None) => world.run(&mut tracer),
        (false, None) => world.run(&mut Quiet),
        (true, Some(r)) => world.run(&mut WithDispatch(&mut tracer, r)),
        (false, Some(r)) => world.run(&mut WithDispatch(&mut Quiet, r)),
    };
    ran.map_err(|e| e.during(&calendar, world.now()))?;
    let params = scenario
        .parameters()
        .into_iter()
        .map(|p| p.path)
        .zip(values)
        .collect();
    let mut scalars = world.summary_scalars();
    frontier_gap_outcomes(&mut scalars, &world.domains.training, &calendar, end);
    fill_year_outcomes(&mut scalars, &calendar, end);
    scalars.push(("stack.events".into(), world.events_processed() as f64));
    // Every lab's own outcomes after all the national ones (a stable sort:
    // each part keeps its order), so that a run's scalars list them apart
    // (a batch appends an outcome its first run lacks where a later run
    // first has it, national or not).
    scalars.sort_by_key(|(k, _)| k.starts_with(model_training::LAB_OUTCOME_PREFIX));
    Ok(RunOutput {
        seed,
        params,
        params_given: opts.param_values.is_some(),
        scalars,
        releases: world.domains.training.releases().to_vec(),
        lab_names: world
            .domains
            .training
            .labs()
            .map(|(_, n)| n.to_string())
            .collect(),
        calendar,
        series: std::mem::take(&mut world.samples),
        trace: tracer.lines,
        dispatch: recorder.map(|r| r.trace),
        events: world.events_processed(),
    })
}

/// The last date a run may reach: every date the outputs write has a
/// 4-digit year (YYYY-MM-DD).
pub(crate) const LAST_WRITTEN_DATE: chrono::NaiveDate = match chrono::NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => panic!("9999-12-31 is a date"),
};

/// A tail of an uncertain parameter's distribution.
#[derive(Clone, Copy, PartialEq)]
enum Tail {
    Lower,
    Upper,
}

/// A tail of an uncertain parameter's distribution that reaches past what
/// its field accepts ([`Scenario::check`]).
struct OutsideTail {
    side: Tail,
    /// Probability beyond the field's limit.
    mass: f64,
    /// The most extreme value a draw can take on this side (`quantile` at 0 or 1).
    value: f64,
    /// Why that value is refused.
    error: ScenarioError,
    /// The field's limit on this side: the last value it accepts between
    /// `last_in` and `value` (`None` if `value` is NaN).
    limit: Option<f64>,
    /// The distribution's last value inside the field's range on this side.
    last_in: f64,
}

/// The value the field accepts nearest `refused` on the way from
/// `accepted` (accepted): a bisection on the order of the doubles between
/// them, so exact in at most 64 probes at any scale, an infinite `refused`
/// included. This is the field's own limit on that side (its range, or a
/// domain's check), not a quantile of the distribution (review
/// s26-modeler, F6: "the field accepts values up to about 1.0000e3" for a
/// field whose range ends at 1e7). `None` if either is NaN.
fn accepted_limit(accepted: f64, refused: f64, accepts: impl Fn(f64) -> bool) -> Option<f64> {
    if accepted.is_nan() || refused.is_nan() {
        return None;
    }
    // Doubles ordered as integers: negatives below positives, -0 = +0.
    let key = |x: f64| {
        let b = x.to_bits() as i64;
        if b < 0 { -(b & i64::MAX) } else { b }
    };
    let value = |k: i64| {
        if k < 0 {
            -f64::from_bits((-k) as u64)
        } else {
            f64::from_bits(k as u64)
        }
    };
    let (mut ok, mut bad) = (key(accepted), key(refused));
    while (ok - bad).abs() > 1 {
        let mid = ok + (bad - ok) / 2;
        if accepts(value(mid)) {
            ok = mid;
        } else {
            bad = mid;
        }
    }
    Some(value(ok))
}

/// The error for an uncertain parameter whose tails (one or both) leave
/// its field's range: how much lies outside each, the field's limits, and
/// a hint to truncate there.
fn tails_error(file: &Path, param: &str, tails: &[OutsideTail]) -> ScenarioError {
    let num = |v: f64| crate::reference::number(v);
    let limit_said = |t: &OutsideTail| match (t.side, t.limit) {
        (Tail::Lower, Some(l)) => format!("below {}, the least value the field accepts", num(l)),
        (Tail::Upper, Some(l)) => format!("above {}, the largest value the field accepts", num(l)),
        (Tail::Lower, None) => "below the field's range".to_string(),
        (Tail::Upper, None) => "above the field's range".to_string(),
    };
    let why = |t: &OutsideTail| {
        let field = if t.error.path.is_empty() {
            String::new()
        } else {
            format!("`{}` ", t.error.path)
        };
        format!("at {}: {field}{}", scheduler::Num(t.value), t.error.message)
    };
    let lead = match tails {
        [t] => format!(
            "its {} tail leaves the field's range: about {:.2e} of its probability lies {} ({})",
            if t.side == Tail::Lower { "lower" } else { "upper" },
            t.mass,
            limit_said(t),
            why(t)
        ),
        _ => {
            let each: Vec<String> = tails
                .iter()
                .map(|t| format!("about {:.2e} lies {} ({})", t.mass, limit_said(t), why(t)))
                .collect();
            format!(
                "both its tails leave the field's range: of its probability, {}",
                each.join(", and ")
            )
        }
    };
    let bound = |side: Tail| {
        tails
            .iter()
            .find(|t| t.side == side)
            .and_then(|t| t.limit)
            .map_or_else(|| "…".to_string(), num)
    };
    // Where the distribution itself stops short of the limit (a
    // degenerate one jumps from 1000 to infinity), how far it reaches.
    let short: Vec<String> = tails
        .iter()
        .filter(|t| {
            t.limit
                .is_some_and(|l| (l - t.last_in).abs() > 1e-3 * l.abs().max(t.last_in.abs()))
        })
        .map(|t| {
            let last: f64 = format!("{:.3e}", t.last_in).parse().unwrap_or(t.last_in);
            format!(
                "{} {}",
                if t.side == Tail::Lower { "down to" } else { "up to" },
                num(last)
            )
        })
        .collect();
    let reach = if short.is_empty() {
        String::new()
    } else {
        format!(
            "; inside the range, this distribution reaches only {}",
            short.join(" and ")
        )
    };
    ScenarioError::new(
        file,
        format!("uncertain.{param}"),
        format!("{lead}, and a batch stops at the first run that draws there"),
    )
    .hint(format!(
        "truncate it to the field's range, e.g. `Truncated(dist: …, low: {}, high: {})`, or use a \
         bounded distribution{reach}",
        bound(Tail::Lower),
        bound(Tail::Upper),
    ))
}

/// The calendar years a run reaches: from the start's through the year of
/// its last simulated second (`end` − 1 s: no event runs at `end`). A date
/// past the calendar's range cannot occur: the horizon is at most 100 years.
fn horizon_years(calendar: &scheduler::Calendar, end: SimTime) -> std::ops::RangeInclusive<i32> {
    use chrono::Datelike;
    let first = calendar.start_date().year();
    let last_second = SimTime(end.ticks().saturating_sub(1));
    first..=calendar.date(last_second).map_or(first, |d| d.year())
}

/// A lab's own scalar outcomes are named `training.lab.<lab>.<outcome>`
/// (re-exported from the training domain for the batch tools).
pub use model_training::{lab_of_outcome, lab_outcome};

/// Why a scalar outcome of a run may be missing in some runs of a batch, and
/// what every run reports instead; `None` for the outcomes every run
/// reports. These exist only under a condition a draw decides:
/// `training.best_capability` (a release), `training.min_frontier_gap_months`
/// and `training.frontier_gap_months_*` (a release and a world frontier
/// path), and `training.year_reached_<T>_flop` (a finished run of at least
/// `T` FLOP, one of `settings.compute_thresholds_flop`), and a lab's own
/// `training.lab.<lab>.min_frontier_gap_months`, `…frontier_gap_months_end`
/// and `…year_reached_<T>_flop` (the same conditions, on the lab's own
/// releases and runs), and `fab.avg_electricity_price_usd_per_mwh` (energy
/// drawn by the fabs). A batch reports their statistics over the runs that
/// have them.
pub fn conditional_outcome(outcome: &str) -> Option<String> {
    if let Some((lab, national)) = model_training::lab_of_outcome(outcome) {
        let every = |o: &str| model_training::lab_outcome(lab, o);
        return match national.as_str() {
            "training.min_frontier_gap_months" => Some(format!(
                "it exists only in runs where lab {lab} released a model the world frontier path reaches; {} is in every run",
                every("training.releases_total")
            )),
            "training.frontier_gap_months_end" => Some(format!(
                "it exists only in runs where lab {lab} released a model by the end and there is a world frontier path; {} is in every run",
                every("training.releases_total")
            )),
            o if o.starts_with("training.year_reached_") && o.ends_with("_flop") => Some(format!(
                "it exists only in runs where a finished run of lab {lab} reached the threshold; {} is in every run",
                every("training.largest_run_flop")
            )),
            _ => None,
        };
    }
    national_conditional_outcome(outcome).map(str::to_string)
}

/// [`conditional_outcome`] of the national outcomes.
fn national_conditional_outcome(outcome: &str) -> Option<&'static str> {
    match outcome {
        "training.best_capability" => Some(
            "it exists only in runs with a release; training.best_effective_flop, 0 without one, is in every run",
        ),
        "training.min_frontier_gap_months" => Some(
            "it exists only in runs whose releases have a frontier gap; training.releases_total is in every run",
        ),
        "training.best_inherited_share" => Some(
            "it exists only in runs where some lab builds on open weights and a model was released; training.best_effective_flop is in every run",
        ),
        o if o.starts_with("training.year_reached_") && o.ends_with("_flop") => Some(
            "it exists only in runs whose largest finished run reached the threshold; training.largest_run_flop is in every run",
        ),
        "training.median_lab_frontier_gap_months_end" => Some(
            "it exists only in runs where at least half the labs released a model by the end and there is a world frontier path; training.releases_total is in every run",
        ),
        o if o.starts_with("training.frontier_gap_months_") => Some(
            "it exists only in runs with a release by then and a world frontier path; training.releases_total is in every run",
        ),
        "fab.avg_electricity_price_usd_per_mwh" => Some(
            "it exists only in runs whose fabs drew energy; fab.electricity_usd_total and fab.energy_mwh_total are in every run",
        ),
        _ => None,
    }
}

/// How far the nation's best model stands behind the world frontier
/// (`Training::frontier_gap_months_at`), months: at the end of each calendar
/// year of the horizon (`training.frontier_gap_months_year_Y`, at the horizon's
/// end for a year that ends after it) and at the horizon's end
/// (`training.frontier_gap_months_end`); and each lab's own gap at the
/// horizon's end (`training.lab.<lab>.frontier_gap_months_end`,
/// `Training::frontier_gap_months_by_lab`), per-year per-lab gaps being
/// left out (too many columns). Absent where there is no gap (no
/// frontier path, or no release yet): a batch then reports the outcome over
/// the runs that have it, with their count, and never a sentinel.
fn frontier_gap_outcomes(
    scalars: &mut Vec<(String, f64)>,
    training: &model_training::Training,
    calendar: &scheduler::Calendar,
    end: SimTime,
) {
    for y in horizon_years(calendar, end) {
        let year_end = chrono::NaiveDate::from_ymd_opt(y + 1, 1, 1)
            .and_then(|d| calendar.at_date(d))
            .map_or(end, |t| t.min(end));
        if let Some(gap) = training.frontier_gap_months_at(year_end) {
            scalars.push((format!("training.frontier_gap_months_year_{y}"), gap));
        }
    }
    if let Some(gap) = training.frontier_gap_months_at(end) {
        scalars.push(("training.frontier_gap_months_end".into(), gap));
    }
    let by_lab = training.frontier_gap_months_by_lab(end);
    for ((_, lab), gap) in training.labs().zip(&by_lab) {
        if let Some(gap) = *gap {
            scalars.push((
                model_training::lab_outcome(lab, "training.frontier_gap_months_end"),
                gap,
            ));
        }
    }
    if let Some(gap) = median_lab_gap(&by_lab) {
        scalars.push(("training.median_lab_frontier_gap_months_end".into(), gap));
    }
}

/// The median of the labs' own gaps behind the frontier, months: how far
/// the typical lab stands behind, where the national gap is the best lab's
/// (what open weights that followers build on move, and the national gap
/// does not). A lab without a gap (no release yet) counts as behind every
/// lab with one; `None` when the median falls on such a lab, or with no
/// lab. An even count takes the mean of the middle two.
fn median_lab_gap(by_lab: &[Option<f64>]) -> Option<f64> {
    let mut gaps: Vec<f64> = by_lab.iter().map(|g| g.unwrap_or(f64::INFINITY)).collect();
    gaps.sort_by(f64::total_cmp);
    let n = gaps.len();
    let median = match n {
        0 => return None,
        _ if n % 2 == 1 => gaps[n / 2],
        _ => 0.5 * (gaps[n / 2 - 1] + gaps[n / 2]),
    };
    median.is_finite().then_some(median)
}

/// Every calendar year of the horizon, from the start's through the year of
/// its last simulated second (`end` − 1 s: no event runs at `end`), gets
/// `training.largest_run_flop_year_Y` (0 when no run finished that year),
/// `training.largest_run_bound_year_Y` (−1 when no run),
/// `training.largest_run_energy_mwh_year_Y` and
/// `training.largest_run_electricity_usd_year_Y` (0 when no run) and
/// `training.share_lost_power_year_Y` (0 when no lab had accelerators), so
/// every run of a batch has the same outcome columns; then sorts the
/// outcomes by name.
fn fill_year_outcomes(scalars: &mut Vec<(String, f64)>, calendar: &scheduler::Calendar, end: SimTime) {
    for y in horizon_years(calendar, end) {
        for (key, missing) in [
            (format!("training.largest_run_flop_year_{y}"), 0.0),
            (format!("training.largest_run_bound_year_{y}"), -1.0),
            (format!("training.largest_run_energy_mwh_year_{y}"), 0.0),
            (format!("training.largest_run_electricity_usd_year_{y}"), 0.0),
            (format!("training.share_lost_power_year_{y}"), 0.0),
        ] {
            if !scalars.iter().any(|(k, _)| *k == key) {
                scalars.push((key, missing));
            }
        }
    }
    scalars.sort_by(|a, b| a.0.cmp(&b.0));
}
