//! The scenario format described from the code: a JSON Schema (for editor
//! completion, printed by `aistack schema`) and `docs/scenarios.md`, the
//! field reference generated from that schema, so that neither can drift
//! from the types that read scenario files.
//!
//! The schema comes from `schemars` derives on every `…Data` type (doc
//! comments become descriptions, `#[serde(default)]` values become
//! defaults); the checked numbers ([`crate::units`]), [`Series`] and
//! [`scheduler::Dist`] have hand-written schemas here.

use crate::scenario::{CorrelationData, ScenarioData, SettingsData, VariantData};
use crate::schema::chips::{
    ChipsData, DesignData, DieBankData, FabData, FabProjectData, HbmData, ImportData, OtherBuyerData,
    PolicyData, ProductData, ToolsData,
};
use crate::schema::grid::{
    DerateData, DroughtData, DroughtProcessData, GridData, GridProjectData, LinkData, MaintenanceData,
    PlantData, ProgrammeData, RegionData,
};
use crate::schema::training::{EcosystemData, FleetData, LabData, SiteData};
use crate::series::Series;
use crate::units::{
    ApprovalRate, DayOfYear, FabPower, Finite, Fraction, Growth, HourOfDay, LossFraction, MarginalCost,
    NonNeg, Positive, RoundTrip,
};
use scheduler::math;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde_json::{Map, Value, json};
use std::borrow::Cow;
use std::fmt::Write as _;

/// The JSON Schema of a complete scenario file (`Scenario(...)`).
pub fn scenario_schema() -> Value {
    generator().into_root_schema_for::<ScenarioData>().to_value()
}

/// The JSON Schema of a variant file (`Variant(base: ..., ...)`).
pub fn variant_schema() -> Value {
    generator().into_root_schema_for::<VariantData>().to_value()
}

fn generator() -> SchemaGenerator {
    schemars::generate::SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator()
}

// ---------------------------------------------------------------------------
// Hand-written schemas of the types that deserialize by hand.

macro_rules! number_schema {
    ($ty:ident, $desc:literal, { $($k:literal : $v:expr),* }) => {
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($ty))
            }
            fn schema_id() -> Cow<'static, str> {
                Cow::Borrowed(concat!("aistack::units::", stringify!($ty)))
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "number",
                    "description": $desc,
                    $($k: $v,)*
                })
            }
        }
    };
}

number_schema!(Finite, "Any finite number (NaN and infinities are refused).", {});
number_schema!(NonNeg, "A finite number ≥ 0.", { "minimum": 0 });
number_schema!(Positive, "A finite number > 0.", { "exclusiveMinimum": 0 });
number_schema!(Fraction, "A fraction or probability in [0, 1].", { "minimum": 0, "maximum": 1 });
number_schema!(Growth, "A growth rate per year in [-1, 10] (−100 % to +1000 %).", { "minimum": -1, "maximum": 10 });
number_schema!(HourOfDay, "An hour of the day in [0, 24].", { "minimum": 0, "maximum": 24 });
number_schema!(DayOfYear, "A day of the year in [0, 366].", { "minimum": 0, "maximum": 366 });
number_schema!(RoundTrip, "A round-trip efficiency in [0.01, 1].", { "minimum": 0.01, "maximum": 1 });
number_schema!(ApprovalRate, "An approval rate in [0.001, 1e7] MW/yr.", { "minimum": 0.001, "maximum": 1e7 });
number_schema!(MarginalCost, "A marginal cost in [0, 1e5] USD/MWh.", { "minimum": 0, "maximum": 1e5 });
number_schema!(LossFraction, "A loss fraction in [0, 0.5].", { "minimum": 0, "maximum": 0.5 });
number_schema!(FabPower, "A fab power in [0, 1e4] MW.", { "minimum": 0, "maximum": 1e4 });

impl JsonSchema for Series {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("Series")
    }
    fn schema_id() -> Cow<'static, str> {
        Cow::Borrowed("aistack::series::Series")
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let point = json!({
            "type": "array",
            "description": "A (date, value) point: `(\"2030-01-01\", 0.05)`.",
            "prefixItems": [
                { "type": "string", "format": "date" },
                { "type": "number" }
            ],
            "minItems": 2,
            "maxItems": 2
        });
        let points = json!({
            "type": "array",
            "items": point,
            "minItems": 1,
            "description": "(date, value) points in increasing date order."
        });
        json_schema!({
            "description": "A number (constant over the horizon), or a path of values over dates: a list of (date, value) points joined by straight lines, or `(step: [...])` / `(linear: [...])`. Before the first date the first value holds; after the last, the last (one exception, the world frontier: see Long horizons).",
            "oneOf": [
                { "type": "number", "description": "Constant over the horizon." },
                {
                    "type": "array",
                    "description": "Points joined by straight lines.",
                    "items": points["items"].clone(),
                    "minItems": 1
                },
                {
                    "type": "object",
                    "description": "Each value held until the next date.",
                    "properties": { "step": points.clone() },
                    "required": ["step"],
                    "additionalProperties": false
                },
                {
                    "type": "object",
                    "description": "Points joined by straight lines.",
                    "properties": { "linear": points },
                    "required": ["linear"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// The schema of [`scheduler::Dist`], written by hand (the scheduler crate
/// knows nothing of schemas); a test checks it against `Dist`'s variants and
/// fields. Used through `#[schemars(with = "DistSchema")]`.
#[derive(JsonSchema)]
#[schemars(
    rename = "Dist",
    deny_unknown_fields,
    description = "A probability distribution, written as its kind with named parameters: `Normal(mean: 0.4, sd: 0.05)`. Parameters are checked when the file is read."
)]
#[allow(dead_code)]
pub enum DistSchema {
    /// Always `value`.
    Const {
        /// The value.
        value: f64,
    },
    /// Normal with `mean` and standard deviation `sd`.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation, ≥ 0.
        #[schemars(range(min = 0))]
        sd: f64,
    },
    /// Log-normal: `exp(N(mu, sigma))`; the median is `exp(mu)`.
    LogNormal {
        /// Mean of the logarithm.
        mu: f64,
        /// Standard deviation of the logarithm, ≥ 0.
        #[schemars(range(min = 0))]
        sigma: f64,
    },
    /// Uniform on `[low, high)` (`low ≤ high`).
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound, ≥ `low`.
        high: f64,
    },
    /// Triangular on `[low, high]` with peak at `mode` (`low ≤ mode ≤ high`, `low < high`).
    Triangular {
        /// Lower bound.
        low: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        high: f64,
    },
    /// Beta(`alpha`, `beta`) on `[0, 1]`.
    Beta {
        /// First shape parameter, > 0.
        #[schemars(extend("exclusiveMinimum" = 0))]
        alpha: f64,
        /// Second shape parameter, > 0.
        #[schemars(extend("exclusiveMinimum" = 0))]
        beta: f64,
    },
    /// PERT on `[low, high]` with peak at `mode` (shape 4; `low ≤ mode ≤ high`, `low < high`).
    Pert {
        /// Lower bound.
        low: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        high: f64,
    },
    /// Exponential with the given `mean`.
    Exp {
        /// Mean, > 0.
        #[schemars(extend("exclusiveMinimum" = 0))]
        mean: f64,
    },
    /// Weibull with `scale` and `shape`.
    Weibull {
        /// Scale parameter, > 0.
        #[schemars(extend("exclusiveMinimum" = 0))]
        scale: f64,
        /// Shape parameter, > 0.
        #[schemars(extend("exclusiveMinimum" = 0))]
        shape: f64,
    },
    /// One of `values`, with probabilities proportional to `weights`.
    Discrete {
        /// The possible values (at least one).
        values: Vec<f64>,
        /// Non-negative weights, one per value, not all zero.
        weights: Vec<f64>,
    },
    /// `dist` restricted to `[low, high]` and renormalised, drawn by inverse CDF (stratified designs stay stratified); `dist` is continuous (not `Const`, `Discrete` or `Truncated`) and keeps at least 1e-6 of its probability in `[low, high]`. Use it to keep a Normal (or any unbounded tail) inside a field's range.
    Truncated {
        /// The distribution before truncation.
        dist: Box<DistSchema>,
        /// Lower bound.
        low: f64,
        /// Upper bound, > `low`.
        high: f64,
    },
}

// ---------------------------------------------------------------------------
// Field order. A JSON object has no order, so the schema lists properties
// alphabetically; the reference lists them as the structs declare them,
// which serde knows: each struct's `Deserialize` hands its field names to
// the deserializer, and `Capture` keeps them.

struct Capture<'a>(&'a mut Option<(&'static str, &'static [&'static str])>);

impl<'de> Deserializer<'de> for Capture<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = Some((name, fields));
        Err(de::Error::custom("captured"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// The schema name and declared field order of the struct `T`.
fn fields_of<'de, T: Deserialize<'de>>() -> Option<(&'static str, &'static [&'static str])> {
    let mut out = None;
    let _ = T::deserialize(Capture(&mut out));
    out
}

/// Declared field order of every struct of the format, by schema name.
/// A struct missing here is listed required fields first, then the rest
/// alphabetically (and a test asks for it to be added).
pub fn field_orders() -> Vec<(&'static str, &'static [&'static str])> {
    [
        fields_of::<ScenarioData>(),
        fields_of::<SettingsData>(),
        fields_of::<CorrelationData>(),
        fields_of::<VariantData>(),
        fields_of::<GridData>(),
        fields_of::<RegionData>(),
        fields_of::<PlantData>(),
        fields_of::<MaintenanceData>(),
        fields_of::<LinkData>(),
        fields_of::<GridProjectData>(),
        fields_of::<ProgrammeData>(),
        fields_of::<DroughtData>(),
        fields_of::<DroughtProcessData>(),
        fields_of::<DerateData>(),
        fields_of::<crate::schema::adequacy::AdequacyData>(),
        fields_of::<crate::schema::adequacy::CapacityCreditData>(),
        fields_of::<ChipsData>(),
        fields_of::<ToolsData>(),
        fields_of::<HbmData>(),
        fields_of::<OtherBuyerData>(),
        fields_of::<DesignData>(),
        fields_of::<ProductData>(),
        fields_of::<FabData>(),
        fields_of::<FabProjectData>(),
        fields_of::<ImportData>(),
        fields_of::<DieBankData>(),
        fields_of::<PolicyData>(),
        fields_of::<SiteData>(),
        fields_of::<FleetData>(),
        fields_of::<LabData>(),
        fields_of::<EcosystemData>(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The properties of an object schema in declared order (see
/// [`field_orders`]); `name` is its schema name, if it is a definition.
fn ordered_properties<'a>(schema: &'a Value, name: Option<&str>) -> Vec<(&'a str, &'a Value)> {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let declared = name.and_then(|n| field_orders().into_iter().find(|(s, _)| *s == n).map(|(_, f)| f));
    let mut keys: Vec<&str> = match declared {
        Some(fields) => fields.to_vec(),
        None => required(schema),
    };
    keys.retain(|k| props.contains_key(*k));
    let mut rest: Vec<&str> = props
        .keys()
        .map(String::as_str)
        .filter(|k| !keys.contains(k))
        .collect();
    rest.sort_unstable();
    keys.extend(rest);
    keys.into_iter()
        .filter_map(|k| props.get_key_value(k).map(|(k, v)| (k.as_str(), v)))
        .collect()
}

fn required(schema: &Value) -> Vec<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Checks the reference test runs.

/// Every field, definition and enum variant of the format that has no
/// description, as a path (`Region.storage_mw`). Empty when all are
/// documented.
pub fn undocumented() -> Vec<String> {
    let mut out = Vec::new();
    for root in [scenario_schema(), variant_schema()] {
        let title = root
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or("root")
            .to_owned();
        check_docs(&title, &root, &root, &mut out);
        for (name, def) in defs(&root) {
            check_docs(name, def, &root, &mut out);
        }
    }
    out.sort();
    out.dedup();
    out
}

fn check_docs(at: &str, schema: &Value, root: &Value, out: &mut Vec<String>) {
    if schema.get("description").is_none() {
        out.push(at.to_owned());
    }
    for (field, s) in ordered_properties(schema, None) {
        if s.get("description").is_none() {
            out.push(format!("{at}.{field}"));
        }
    }
    for variant in schema
        .get("oneOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some((tag, inner)) = variant_parts(variant) else {
            continue;
        };
        // A newtype variant holding a documented definition (`Lab(Lab)`)
        // is documented by it.
        let by_def = inner
            .and_then(|i| i.get("$ref"))
            .and_then(Value::as_str)
            .and_then(|r| def_of(root, r))
            .is_some_and(|d| d.get("description").is_some());
        if variant.get("description").is_none() && !by_def {
            out.push(format!("{at}::{tag}"));
        }
        if let Some(inner) = inner {
            for (field, s) in ordered_properties(inner, None) {
                if s.get("description").is_none() {
                    out.push(format!("{at}::{tag}.{field}"));
                }
            }
        }
    }
}

/// Fields whose description states a default (`Default: 0.85.`) that differs
/// from the default the code applies, as `path: says X, code has Y`.
/// Only plain numbers, booleans and `` `code` `` forms are compared.
pub fn stated_default_mismatches() -> Vec<String> {
    let mut out = Vec::new();
    for root in [scenario_schema(), variant_schema()] {
        let mut objects: Vec<(String, &Value)> = vec![("root".to_owned(), &root)];
        objects.extend(defs(&root).map(|(n, d)| (n.to_owned(), d)));
        for (name, obj) in objects {
            for (field, s) in ordered_properties(obj, None) {
                let Some(desc) = s.get("description").and_then(Value::as_str) else {
                    continue;
                };
                let Some(stated) = stated_default(desc) else {
                    continue;
                };
                let Some(actual) = s.get("default") else {
                    out.push(format!(
                        "{name}.{field}: says `{stated}`, but the field is required"
                    ));
                    continue;
                };
                if let Some(false) = same_default(&stated, actual) {
                    out.push(format!(
                        "{name}.{field}: says `{stated}`, code has `{}`",
                        ron_of(actual)
                    ));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn stated_default(desc: &str) -> Option<String> {
    let at = desc.find("Default: ")? + "Default: ".len();
    let rest = &desc[at..];
    let text = if let Some(code) = rest.strip_prefix('`') {
        code.split('`').next()?.to_owned()
    } else {
        let end = rest.find(['(', '\n']).unwrap_or(rest.len());
        rest[..end].trim().trim_end_matches('.').trim().to_owned()
    };
    Some(text)
}

/// Whether `stated` matches `actual`; `None` when it cannot be compared
/// (words such as "the start" or "none").
fn same_default(stated: &str, actual: &Value) -> Option<bool> {
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    match actual {
        Value::Number(n) => {
            let a = n.as_f64()?;
            let s: f64 = stated.replace(',', "").parse().ok()?;
            Some((a - s).abs() <= 1e-9 * a.abs().max(s.abs()))
        }
        Value::Bool(b) => match stated {
            "true" => Some(*b),
            "false" => Some(!*b),
            _ => None,
        },
        Value::Object(_) | Value::Array(_) => Some(squash(stated) == squash(&ron_of(actual))),
        Value::String(s) if s.starts_with(|c: char| c.is_ascii_uppercase()) => Some(stated == s),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// What a field expects, for reading errors.

/// What the field at a reading error's path holds, when it is written as a
/// name (an identifier) and the file wrote something else there.
#[derive(Clone, Debug, PartialEq)]
pub enum Expected {
    /// A distribution: the forms of its kinds (`Uniform(low: …, high: …)`).
    Distribution(Vec<String>),
    /// One of a list of names (`Gas`, `Coal`, …), each with its form when
    /// it takes parameters.
    OneOf(Vec<String>),
    /// The parameters of a kind already named (`lead_time_years.Uniform`):
    /// its form.
    Parameters(String),
}

/// What the field at `path` expects (as a reading error names it:
/// `grid_projects[0].lead_time_years`, `uncertain.labs.lab.mfu`, whose map
/// key holds dots), read from the scenario or variant schema; `None` when
/// the path leads to no field of either, or to a field that is no name.
pub fn expected_at(path: &str) -> Option<Expected> {
    let segs: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
    [scenario_schema(), variant_schema()]
        .iter()
        .find_map(|root| expected_in(root, &segs))
}

/// The least and greatest values of the whole-number field at `path`
/// (its declared range, else its integer type's); `None` when the path
/// leads to no whole-number field.
pub fn whole_number_bounds_at(path: &str) -> Option<(f64, f64)> {
    let segs: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
    [scenario_schema(), variant_schema()].iter().find_map(|root| {
        let node = schema_at(root, root, &segs)?;
        let node = alternatives(root, node)
            .into_iter()
            .find(|a| a.get("type").and_then(Value::as_str) == Some("integer"))?;
        let (lo, hi) = match node.get("format").and_then(Value::as_str) {
            Some("uint32") => (0.0, f64::from(u32::MAX)),
            Some("uint64") => (0.0, u64::MAX as f64),
            _ => (i64::MIN as f64, i64::MAX as f64),
        };
        let lo = node.get("minimum").and_then(Value::as_f64).unwrap_or(lo);
        let hi = node.get("maximum").and_then(Value::as_f64).unwrap_or(hi);
        Some((lo, hi))
    })
}

/// What the field at `path` holds, in words (`a number (≥ 0)`, `true or
/// false`, `a whole number (0 – 2⁶⁴−1)`), for a reading error; `None` when
/// the path leads to no field of the scenario or variant schema.
pub fn describe_at(path: &str) -> Option<String> {
    let segs: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
    [scenario_schema(), variant_schema()].iter().find_map(|root| {
        let node = schema_at(root, root, &segs)?;
        // An entity or section: its fields by name.
        let def = ref_name(node).unwrap_or_default();
        let fields = ordered_properties(deref(root, node), Some(def));
        if !fields.is_empty() {
            let names: Vec<String> = fields.iter().map(|(f, _)| format!("{f}: …")).collect();
            return Some(format!("its fields by name, `({})`", names.join(", ")));
        }
        let (ty, range) = type_of(node, root);
        // `[distribution](#distributions)` → `distribution`.
        let mut plain = String::new();
        let mut rest = ty.as_str();
        while let Some(open) = rest.find('[') {
            plain.push_str(&rest[..open]);
            let Some(close) = rest[open..].find("](") else {
                break;
            };
            plain.push_str(&rest[open + 1..open + close]);
            rest = rest[open + close..].split_once(')').map_or("", |(_, r)| r);
        }
        plain.push_str(rest);
        let words = match plain.as_str() {
            "bool" => "`true` or `false`".to_string(),
            "integer" => "a whole number".to_string(),
            "number" => "a number".to_string(),
            "string" => "a string in double quotes".to_string(),
            "date" => "a date in double quotes, \"YYYY-MM-DD\"".to_string(),
            t if t.starts_with("list of") => format!("a {t}, in `[…]`"),
            "value" => return None,
            t => format!("a {t}"),
        };
        Some(if range.is_empty() || range == "finite" {
            words
        } else if range.starts_with(['[', '(']) {
            format!("{words} in {range}")
        } else if range.starts_with(['≥', '≤', '>']) {
            format!("{words} {range}")
        } else {
            format!("{words} ({range})")
        })
    })
}

/// Whether the field at `path` is a map (`uncertain`, a variant's `set`:
/// quoted keys in `{…}`), in the scenario or variant schema.
pub fn is_map_at(path: &str) -> bool {
    let segs: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
    [scenario_schema(), variant_schema()].iter().any(|root| {
        schema_at(root, root, &segs).is_some_and(|node| {
            alternatives(root, node).iter().any(|a| {
                a.get("additionalProperties")
                    .is_some_and(|v| v != &Value::Bool(false))
            })
        })
    })
}

fn expected_in(root: &Value, segs: &[&str]) -> Option<Expected> {
    let node = schema_at(root, root, segs)?;
    // Inside a kind with parameters: the last step was its tag.
    if let Some((last, parent)) = segs.split_last()
        && let Some(parent) = schema_at(root, root, parent)
        && let Some(form) = kinds(root, parent).into_iter().find(|(tag, _)| tag == last)
    {
        return Some(Expected::Parameters(form.1));
    }
    let forms: Vec<String> = kinds(root, node).into_iter().map(|(_, f)| f).collect();
    if forms.is_empty() {
        None
    } else if is_dist(node) {
        Some(Expected::Distribution(forms))
    } else {
        Some(Expected::OneOf(forms))
    }
}

/// `node` with its `$ref`s followed.
fn deref<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| def_of(root, r))
        {
            Some(d) => node = d,
            None => break,
        }
    }
    node
}

/// `node` and its `anyOf` / `oneOf` alternatives (an optional field, an
/// enum's variants), each dereferenced.
fn alternatives<'a>(root: &'a Value, node: &'a Value) -> Vec<&'a Value> {
    let n = deref(root, node);
    let mut out = vec![n];
    for key in ["anyOf", "oneOf"] {
        if let Some(alts) = n.get(key).and_then(Value::as_array) {
            out.extend(alts.iter().map(|a| deref(root, a)));
        }
    }
    out
}

/// The schema `segs` lead to from `node`: a property per segment, `[i]`
/// into a list's items, a map key (which may hold dots) into its values.
fn schema_at<'a>(root: &'a Value, node: &'a Value, segs: &[&str]) -> Option<&'a Value> {
    let Some((first, rest)) = segs.split_first() else {
        return Some(node);
    };
    let (name, indices) = match first.find('[') {
        Some(i) => (&first[..i], first[i..].matches('[').count()),
        None => (*first, 0),
    };
    let alts = alternatives(root, node);
    if let Some(mut child) = alts
        .iter()
        .find_map(|a| a.get("properties").and_then(|p| p.get(name)))
    {
        for _ in 0..indices {
            child = alternatives(root, child)
                .into_iter()
                .find_map(|a| a.get("items"))?;
        }
        return schema_at(root, child, rest);
    }
    // A map: its key is one or more segments (`labs.lab.mfu`).
    let values = alts
        .iter()
        .find_map(|a| a.get("additionalProperties").filter(|v| v.is_object()))?;
    (0..segs.len()).find_map(|k| schema_at(root, values, &segs[k + 1..]))
}

/// Whether `node` is a distribution (or an optional one).
fn is_dist(node: &Value) -> bool {
    ref_name(node) == Some("Dist")
        || ["anyOf", "oneOf"].iter().any(|k| {
            node.get(*k)
                .and_then(Value::as_array)
                .is_some_and(|alts| alts.iter().any(|a| ref_name(a) == Some("Dist")))
        })
}

/// The names an enum field takes, with their forms as written
/// (`Uniform(low: …, high: …)`, `Gas`); empty for a field that is no enum.
fn kinds(root: &Value, node: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for alt in alternatives(root, node) {
        if let Some(names) = alt.get("enum").and_then(Value::as_array) {
            out.extend(
                names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|n| (n.to_string(), n.to_string())),
            );
        }
        let Some(variants) = alt.get("oneOf").and_then(Value::as_array) else {
            continue;
        };
        for v in variants {
            let v = deref(root, v);
            if let Some(names) = v.get("enum").and_then(Value::as_array) {
                out.extend(
                    names
                        .iter()
                        .filter_map(Value::as_str)
                        .map(|n| (n.to_string(), n.to_string())),
                );
                continue;
            }
            let Some((tag, inner)) = variant_parts(v) else {
                continue;
            };
            let form = match inner {
                Some(inner) if inner.get("properties").is_some() => {
                    let names: Vec<String> = ordered_properties(inner, None)
                        .iter()
                        .map(|(f, _)| format!("{f}: …"))
                        .collect();
                    format!("{tag}({})", names.join(", "))
                }
                Some(_) => format!("{tag}(…)"),
                None => tag.to_string(),
            };
            out.push((tag.to_string(), form));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Schema walking.

fn defs(root: &Value) -> impl Iterator<Item = (&str, &Value)> {
    root.get("$defs")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.iter().map(|(k, v)| (k.as_str(), v)))
}

fn def_of<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let name = reference.strip_prefix("#/$defs/")?;
    root.get("$defs")?.get(name)
}

fn ref_name(schema: &Value) -> Option<&str> {
    schema.get("$ref")?.as_str()?.strip_prefix("#/$defs/")
}

/// An externally tagged variant: its tag and, unless it is a unit variant,
/// the schema of its content.
fn variant_parts(variant: &Value) -> Option<(&str, Option<&Value>)> {
    if let Some(c) = variant.get("const").and_then(Value::as_str) {
        return Some((c, None));
    }
    let props = variant.get("properties")?.as_object()?;
    let (tag, inner) = props.iter().next()?;
    Some((tag.as_str(), Some(inner)))
}

/// The kinds of number the format checks, and what each accepts.
const NUMBER_KINDS: [&str; 12] = [
    "Finite",
    "NonNeg",
    "Positive",
    "Fraction",
    "Growth",
    "HourOfDay",
    "DayOfYear",
    "RoundTrip",
    "ApprovalRate",
    "MarginalCost",
    "LossFraction",
    "FabPower",
];

fn range_of(schema: &Value) -> String {
    let num = |k: &str| schema.get(k).and_then(Value::as_f64).map(short_number);
    let lo = num("minimum")
        .map(|v| ("[", "≥", v))
        .or_else(|| num("exclusiveMinimum").map(|v| ("(", ">", v)));
    let hi = num("maximum")
        .map(|v| ("]", "≤", v))
        .or_else(|| num("exclusiveMaximum").map(|v| (")", "<", v)));
    match (lo, hi) {
        (Some((open, _, lo)), Some((close, _, hi))) => format!("{open}{lo}, {hi}{close}"),
        (Some((_, op, lo)), None) => format!("{op} {lo}"),
        (None, Some((_, op, hi))) => format!("{op} {hi}"),
        (None, None) => String::new(),
    }
}

/// A limit as the reference writes it: a fraction to 6 significant digits
/// (`104.357` weeks for two years), anything else as is.
fn short_number(v: f64) -> String {
    if v.fract() == 0.0 || v.abs() < 1e-3 {
        return format!("{v}");
    }
    let scale = math::powi(10.0, 5 - math::log10(v.abs()).floor() as i32);
    format!("{}", (v * scale).round() / scale)
}

/// The type of a field as the reference writes it, and its range.
fn type_of(schema: &Value, root: &Value) -> (String, String) {
    if let Some(name) = ref_name(schema) {
        let def = root
            .get("$defs")
            .and_then(|d| d.get(name))
            .unwrap_or(&Value::Null);
        return match name {
            n if NUMBER_KINDS.contains(&n) => {
                let r = range_of(def);
                ("number".into(), if r.is_empty() { "finite".into() } else { r })
            }
            "Series" => ("number or [path](#paths-over-dates)".into(), String::new()),
            "Dist" => ("[distribution](#distributions)".into(), String::new()),
            n => (format!("[{n}](#{})", n.to_lowercase()), String::new()),
        };
    }
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
        let non_null: Vec<&Value> = any
            .iter()
            .filter(|s| s.get("type").and_then(Value::as_str) != Some("null"))
            .collect();
        if let [only] = non_null.as_slice() {
            return type_of(only, root);
        }
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect(),
        _ => Vec::new(),
    };
    match types.as_slice() {
        ["array"] => {
            let (t, r) = schema
                .get("items")
                .map_or_else(|| ("value".into(), String::new()), |i| type_of(i, root));
            (format!("list of {t}"), r)
        }
        ["object"] => {
            let (t, r) = schema
                .get("additionalProperties")
                .map_or_else(|| ("value".into(), String::new()), |i| type_of(i, root));
            (format!("map: parameter path → {t}"), r)
        }
        ["string"] if schema.get("format").and_then(Value::as_str) == Some("date") => {
            ("date".into(), String::new())
        }
        ["string"] => ("string".into(), String::new()),
        ["integer"] => {
            let declared = range_of(schema);
            let r = match schema.get("format").and_then(Value::as_str) {
                _ if !declared.is_empty() && declared != "≥ 0" => declared,
                Some("uint32") => "0 – 4294967295".into(),
                Some("uint64") => "0 – 2⁶⁴−1".into(),
                _ => declared,
            };
            ("integer".into(), r)
        }
        ["number"] => {
            let r = range_of(schema);
            ("number".into(), if r.is_empty() { "finite".into() } else { r })
        }
        ["boolean"] => ("bool".into(), String::new()),
        _ => ("value".into(), String::new()),
    }
}

/// The unit of a field, read from its name (the format puts units in
/// names); empty when the name carries none. A parameter path
/// (`labs.bytedance.compute_growth_per_year`) is read by its last field.
pub fn unit_of(field: &str) -> &'static str {
    const SUFFIXES: [(&str, &str); 35] = [
        ("usd_per_mwh", "USD/MWh"),
        ("usd_per_year", "USD/yr"),
        ("t_per_mwh", "t CO₂/MWh"),
        ("mw_per_year", "MW/yr"),
        ("wafers_per_month", "wafers/month"),
        ("stacks_per_month", "stacks/month"),
        ("units_per_month", "units/month"),
        ("per_tool_year", "per tool per yr"),
        ("per_unit_year", "per unit per yr"),
        // A lab's target grows by a multiplier (3 = ×3 a year); a region's
        // demand by a fraction (0.05 = +5 % a year).
        ("compute_growth_per_year", "×/yr"),
        ("growth_per_year", "fraction/yr"),
        ("per_hour", "per h"),
        ("per_year", "per yr"),
        ("per_month", "per month"),
        ("w_per_chip", "W/chip"),
        ("log10_effective_flop", "log₁₀ FLOP"),
        ("log10_physical_flop", "log₁₀ FLOP"),
        ("flop_s", "FLOP/s"),
        ("flop", "FLOP"),
        ("mwh", "MWh"),
        ("mw", "MW"),
        ("usd", "USD"),
        ("mm2", "mm²"),
        ("mm", "mm"),
        ("power_w", "W"),
        ("days", "days"),
        ("hours", "h"),
        ("months", "months"),
        ("weeks", "weeks"),
        ("years", "years"),
        ("kwpm", "per 1,000 wafers/month"),
        ("stacks", "stacks"),
        ("peak_hour", "hour of day"),
        ("day_of_year", "day of year"),
        ("wafers", "wafers"),
    ];
    SUFFIXES
        .iter()
        .find(|(suffix, _)| {
            field == *suffix
                || field
                    .strip_suffix(suffix)
                    .is_some_and(|head| head.ends_with('_') || head.ends_with('.'))
        })
        .map_or("", |(_, unit)| *unit)
}

/// A default value as it would be written in a scenario file.
fn ron_of(v: &Value) -> String {
    match v {
        Value::Null => "none".into(),
        Value::Bool(b) => b.to_string(),
        // A whole number as it must be written: `200000000`, not `2e8`
        // (which a whole-number field refuses).
        Value::Number(n) if n.is_u64() || n.is_i64() => n.to_string(),
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), number),
        Value::String(s)
            if !s.is_empty()
                && s.chars().all(|c| c.is_ascii_alphanumeric())
                && s.starts_with(|c: char| c.is_ascii_uppercase()) =>
        {
            s.clone()
        }
        Value::String(s) => format!("{s:?}"),
        Value::Array(items) => format!("[{}]", items.iter().map(ron_of).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => {
            if m.is_empty() {
                return "{}".into();
            }
            let fields = |m: &Map<String, Value>| {
                m.iter()
                    .map(|(k, v)| format!("{k}: {}", ron_of(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            match m.iter().next() {
                Some((tag, Value::Object(inner)))
                    if m.len() == 1 && tag.starts_with(|c: char| c.is_ascii_uppercase()) =>
                {
                    // A distribution: parameters in their usual order.
                    const ORDER: [&str; 14] = [
                        "value", "mean", "sd", "mu", "sigma", "low", "mode", "high", "alpha", "beta",
                        "scale", "shape", "values", "weights",
                    ];
                    let mut sorted: Vec<(&String, &Value)> = inner.iter().collect();
                    sorted.sort_by_key(|(k, _)| ORDER.iter().position(|o| o == k).unwrap_or(ORDER.len()));
                    let params: Vec<String> = sorted
                        .iter()
                        .map(|(k, v)| format!("{k}: {}", ron_of(v)))
                        .collect();
                    format!("{tag}({})", params.join(", "))
                }
                _ => format!("({})", fields(m)),
            }
        }
    }
}

/// A number for the reference and for warnings: scientific from 1e7 up and
/// below 1e-3, else plain (at most six decimals).
pub(crate) fn number(x: f64) -> String {
    if x != 0.0 && (x.abs() >= 1e7 || x.abs() < 1e-3) {
        format!("{x:e}")
    } else {
        let plain = format!("{x}");
        if plain.len() > 10 {
            let short = format!("{x:.6}");
            short.trim_end_matches('0').to_owned()
        } else {
            plain
        }
    }
}

fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

// ---------------------------------------------------------------------------
// The reference.

/// The complete text of `docs/scenarios.md`: the introduction below, then
/// every struct and enum of the format with each field's type, unit, range,
/// default and description, all read from the schema.
pub fn scenarios_markdown() -> String {
    let scenario = scenario_schema();
    let variant = variant_schema();
    let mut md = intro();
    // Sections in the order a reader meets them: depth first from
    // `Scenario`, fields in declared order, then `Variant` and what only it
    // uses. Numbers, paths and distributions have their own sections above.
    let mut order: Vec<String> = Vec::new();
    let special = |n: &str| NUMBER_KINDS.contains(&n) || n == "Series" || n == "Dist";
    fn visit(schema: &Value, root: &Value, order: &mut Vec<String>, special: &dyn Fn(&str) -> bool) {
        match schema {
            Value::Object(m) => {
                if let Some(n) = ref_name(schema)
                    && !special(n)
                    && !order.iter().any(|o| o == n)
                {
                    order.push(n.to_owned());
                    if let Some(d) = root.get("$defs").and_then(|d| d.get(n)) {
                        for (_, p) in ordered_properties(d, Some(n)) {
                            visit(p, root, order, special);
                        }
                        for (k, v) in d.as_object().into_iter().flatten() {
                            if k != "properties" {
                                visit(v, root, order, special);
                            }
                        }
                    }
                }
                if m.contains_key("properties") {
                    for (_, p) in ordered_properties(schema, None) {
                        visit(p, root, order, special);
                    }
                }
                for (k, v) in m {
                    if k != "properties" && k != "$defs" {
                        visit(v, root, order, special);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| visit(i, root, order, special)),
            _ => {}
        }
    }
    numbers_paths_distributions(&mut md, &scenario);
    let _ = writeln!(md, "## Scenario\n");
    section_body(&mut md, "Scenario", &scenario, &scenario);
    for (_, p) in ordered_properties(&scenario, Some("Scenario")) {
        visit(p, &scenario, &mut order, &special);
    }
    for name in &order {
        if let Some(def) = scenario.get("$defs").and_then(|d| d.get(name)) {
            let _ = writeln!(md, "### {name}\n");
            section_body(&mut md, name, def, &scenario);
        }
    }
    let _ = writeln!(md, "## Variant\n");
    section_body(&mut md, "Variant", &variant, &variant);
    let mut vorder = Vec::new();
    for (_, p) in ordered_properties(&variant, Some("Variant")) {
        visit(p, &variant, &mut vorder, &special);
    }
    for name in vorder.iter().filter(|n| !order.contains(n)) {
        if let Some(def) = variant.get("$defs").and_then(|d| d.get(name)) {
            let _ = writeln!(md, "### {name}\n");
            section_body(&mut md, name, def, &variant);
        }
    }
    md.truncate(md.trim_end().len());
    md.push('\n');
    md
}

fn section_body(md: &mut String, name: &str, schema: &Value, root: &Value) {
    if let Some(d) = schema.get("description").and_then(Value::as_str) {
        let _ = writeln!(md, "{}\n", cell(d));
    }
    if schema.get("properties").is_some() {
        fields_table(md, name, schema, root);
    } else if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let names: Vec<String> = values.iter().map(|v| format!("`{}`", ron_of(v))).collect();
        let _ = writeln!(md, "One of: {}.\n", names.join(", "));
    } else if let Some(variants) = schema.get("oneOf").and_then(Value::as_array) {
        variants_table(md, variants, root);
    }
}

fn fields_table(md: &mut String, name: &str, schema: &Value, root: &Value) {
    let req = required(schema);
    let _ = writeln!(md, "| field | type | unit | range | default | description |");
    let _ = writeln!(md, "| --- | --- | --- | --- | --- | --- |");
    for (field, s) in ordered_properties(schema, Some(name)) {
        let (ty, range) = type_of(s, root);
        let default = match s.get("default") {
            None if req.contains(&field) => "**required**".to_owned(),
            None | Some(Value::Null) => "none".to_owned(),
            Some(v) if v.is_object() && ref_name(s).is_some_and(|n| n != "Dist" && n != "Series") => {
                "every field at its default".to_owned()
            }
            Some(v) => format!("`{}`", ron_of(v)),
        };
        let desc = s.get("description").and_then(Value::as_str).unwrap_or("");
        let mut unit = unit_of(field);
        if unit.is_empty() && range == "[0, 1]" {
            unit = "fraction";
        }
        let _ = writeln!(
            md,
            "| `{field}` | {ty} | {unit} | {} | {default} | {} |",
            range,
            cell(desc)
        );
    }
    md.push('\n');
}

fn variants_table(md: &mut String, variants: &[Value], root: &Value) {
    let _ = writeln!(md, "| form | description |");
    let _ = writeln!(md, "| --- | --- |");
    for v in variants {
        let Some((tag, inner)) = variant_parts(v) else {
            continue;
        };
        let mut desc = v
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let form = match inner {
            None => format!("`{tag}`"),
            Some(inner) if inner.get("properties").is_some() => {
                let fields = ordered_properties(inner, None);
                let names: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
                let details: Vec<String> = fields
                    .iter()
                    .map(|(f, s)| {
                        let (ty, range) = type_of(s, root);
                        let r = if range.is_empty() {
                            String::new()
                        } else {
                            format!(", {range}")
                        };
                        let d = s.get("description").and_then(Value::as_str).unwrap_or("");
                        format!("`{f}` ({ty}{r}): {d}")
                    })
                    .collect();
                desc = format!("{desc}<br>{}", details.join("<br>"));
                format!(
                    "`{tag}({})`",
                    names
                        .iter()
                        .map(|n| format!("{n}: …"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
            Some(inner) => {
                let (ty, range) = type_of(inner, root);
                if desc.is_empty()
                    && let Some(d) =
                        ref_name(inner).and_then(|n| root.get("$defs")?.get(n)?.get("description"))
                {
                    desc = d.as_str().unwrap_or("").to_owned();
                }
                let r = if range.is_empty() {
                    String::new()
                } else {
                    format!(" ({range})")
                };
                format!("`{tag}(…)`: {ty}{r}")
            }
        };
        let _ = writeln!(md, "| {form} | {} |", cell(&desc));
    }
    md.push('\n');
}

fn numbers_paths_distributions(md: &mut String, root: &Value) {
    let _ = writeln!(md, "## Numbers\n");
    let _ = writeln!(
        md,
        "Every number is checked while the file is read; NaN and infinities are always refused. \
         The reference's *range* column says which of these a field takes.\n"
    );
    let _ = writeln!(md, "| kind | range | meaning |");
    let _ = writeln!(md, "| --- | --- | --- |");
    for kind in NUMBER_KINDS {
        if let Some(def) = root.get("$defs").and_then(|d| d.get(kind)) {
            let r = range_of(def);
            let desc = def.get("description").and_then(Value::as_str).unwrap_or("");
            let _ = writeln!(
                md,
                "| `{kind}` | {} | {} |",
                if r.is_empty() { "finite" } else { &r },
                cell(desc)
            );
        }
    }
    md.push('\n');
    if let Some(series) = root.get("$defs").and_then(|d| d.get("Series")) {
        let _ = writeln!(md, "## Paths over dates\n");
        let desc = series.get("description").and_then(Value::as_str).unwrap_or("");
        let _ = writeln!(md, "{}\n", cell(desc));
        let _ = writeln!(
            md,
            "```ron\ndemand_growth_per_year: 0.05,                                          // constant\n\
             demand_growth_per_year: [(\"2025-01-01\", 0.05), (\"2030-01-01\", 0.03)],   // straight lines\n\
             units_per_month: (step: [(\"2025-01-01\", 4000), (\"2026-07-01\", 0)]),       // held until the next date\n```\n"
        );
        let _ = writeln!(
            md,
            "Dates are ISO `YYYY-MM-DD` and must increase. Fields that take a path say *number or path* in their type.\n"
        );
    }
    if let Some(dist) = root.get("$defs").and_then(|d| d.get("Dist")) {
        let _ = writeln!(md, "## Distributions\n");
        section_body(md, "Dist", dist, root);
    }
}

fn intro() -> String {
    use crate::load::{MAX_BASE_DEPTH, MAX_FILE_BYTES};
    use crate::run::{MAX_ENTITIES_PER_LIST, MAX_REGIONS};
    format!(
        r#"# Scenario reference

<!-- Generated from the code by `stack::reference::scenarios_markdown`; do not edit.
     Regenerate: AISTACK_BLESS=1 cargo test -p aistack-stack --test reference -->

A scenario is one [RON](https://github.com/ron-rs/ron) file: either a complete
`Scenario(...)` or a `Variant(...)` that starts from another file and lists
what differs. Check one with `aistack validate FILE`; an error names the file,
line, column and field path, and suggests a fix where it can. For editor
completion, `aistack schema > scenario.schema.json` prints a JSON Schema of
`Scenario` (`aistack schema --variant` of `Variant`).

This file is generated from the types that read scenarios, so it lists every
field the loader accepts and nothing else; a test fails when they differ or
when a field has no description.

## Writing RON

- A struct is `( field: value, ... )`, optionally named: `Scenario( ... )`.
  Fields may come in any order; unknown fields are refused.
- Lists are `[a, b]`, maps `{{ "key": value }}`, strings `"..."`, dates are
  strings written YYYY-MM-DD (`"2025-01-01"`: a 4-digit year without a sign,
  a 2-digit month and day; a run must end by 9999-12-31, so that every date
  the outputs write has that form too), comments `// ...` and `/* ... */`.
- A file is UTF-8 text; a byte-order mark at its start (as some Windows
  editors write) is ignored.
- An enum value is its name, with its content in parentheses where it has
  one: `Gas`, `Exp(mean: 3)`, `QuotaPerMonth(500)`.
- An optional field takes a plain value (`capacity_factor: 0.2`, not
  `Some(0.2)`); leaving it out gives its default.

## Numbers, paths and distributions

A field's *type* column says what it accepts:

- **number**: a plain number, checked against the field's range (see
  [Numbers](#numbers)). Units are in field names (`_mw`, `_usd`,
  `_per_year`, …) and in the *unit* column.
- **number or path**: a number, or values over dates (see
  [Paths over dates](#paths-over-dates)), for parameters that change over
  the horizon (demand growth, additions per year, import quotas).
- **distribution**: a *stochastic process*, drawn many times during a run
  (repair times, construction lead times, months between releases); see
  [Distributions](#distributions). Repair and lead times of the grid and
  the supply chain, and the drought lengths of a drought process, are
  durations: a distribution that can draw below zero (a `Normal` with
  `sd > 0`) is refused at load, rather than its negative draws being cut
  to zero; use one bounded below by 0 (`LogNormal`, `Triangular`, `Pert`,
  `Uniform` with `low ≥ 0`). A lab's months between releases count a draw
  below one day as one day.

## Uncertain parameters

A number reachable by a parameter path can be made uncertain: list it in
`uncertain`, mapping its path to a distribution. It is drawn **once per
run**, from its own random stream of the run's seed (so adding a parameter
leaves the others' draws unchanged), and the draw replaces the value written
in the file. A single `aistack run` draws them too, so its headline is one
draw (its summary says so); `aistack run --medians` runs each at its
median (its distribution's inverse CDF at 0.5), the scenario's central
case, and a batch gives the spread. Two kinds of field take a draw differently:

- a field written as a **path over dates** is never replaced by one number
  (that would flatten the path): naming the field itself is refused.
  `<field>.scale` draws a factor that multiplies every point of the path,
  which keeps its dates and shape, e.g.
  `"labs.openai.budget_usd_per_year.scale": Uniform(low: 0.8, high: 1.2)`
  (its `runs.csv` column holds the factor). A field written as a number
  has no `.scale`; a `Weibull`'s `scale` is its own parameter;
- a **whole-number** field (a design's `hbm_stacks`, `dies_per_chip`, a
  lab's `chip_priority`) takes only whole draws: a `Discrete` distribution
  of whole numbers (or a `Const`); any other distribution is refused at
  load, and a fraction given for it (e.g. by an `eval` design file) is
  refused, never rounded.

Two numbers are no model parameter and cannot be uncertain: `seed` (the
run's streams are seeded before the parameters are drawn: give it with
`--seed`; a batch seeds each run itself) and `settings.sample_every_months`
(when a run records its series: the runs of a batch share it, so that a
band compares totals over the same months).

Each uncertain parameter is checked at load at the most
extreme values a draw can take (its quantiles at probabilities 2⁻⁵⁴ and
1 − 2⁻⁵³; the others at their medians), against its field's range and
against what the grid, the supply chain and training accept when they are
built from those values (as for the values written in the file). The rule
is zero probability outside the range: a run that drew out of range would
stop a whole batch, and resuming would draw it again, so a distribution
that can stray out of range at all is refused at load, with the parameter,
the field and the share of its probability outside the range named. Keep a
Normal (or any unbounded tail) on a bounded field with `Truncated`, e.g.
`"labs.deepseek.mfu": Truncated(dist: Normal(mean: 0.38, sd: 0.05), low: 0.01, high: 1.0)`.
The check moves one parameter at a time: a constraint between two
uncertain parameters (one must stay below the other) can still fail the
run that draws both past it, with the field named.
`correlations` sets rank correlations between uncertain parameters for
Monte Carlo batches: two different parameters per entry, each pair once, a
pair not declared counting as uncorrelated; a set no joint distribution can
have (a matrix that is not positive definite) is refused at load, at the
entry that makes it so.

```ron
uncertain: {{
    "labs.deepseek.mfu": Triangular(low: 0.30, mode: 0.38, high: 0.45),
    "plants.southwest-hydro.capacity_factor": Beta(alpha: 8, beta: 12),
}},
```

## Dates before the start

Dates may lie before the scenario's `start`; each then means what it would
in a scenario that started on it:

- a path over dates starts at its own value on the start date
  (interpolated between the points either side for `linear`, the last
  earlier value for `step`); later points are used as written;
- a grid or fab project begun earlier completes on its real date (start +
  lead time); its lead time may be any distribution. The project is
  taken to be still under construction at the start (a finished one would
  be a plant or a fab's capacity): its lead time is drawn conditioned on
  outlasting the years already spent (at least 10⁻⁶ of its probability
  must lie beyond them, else it is refused as surely finished), a fixed
  one that has run out completes at the start (a fab it opens or expands
  then ramps from its real date, as if the run had started earlier), and a
  cancelled grid
  project is abandoned at a uniform point of what is left, with
  `cancel_probability` as written;
- a dated drought or capacity derate runs for the days it has left (none
  if it is over), from the first dispatch on;
- policies dated before the start all take effect at the start, in the
  order of their dates (a ban lifted before the start is lifted);
- a `Subsidy` dated before the start began its projects on its date: each
  is treated as a project with that `start` (above);
- a fab's `opens` is its real opening: it operates at full capacity from
  the start if its ramp is over by then, else part-way through its ramp,
  which goes on from that date (as for a `NewFab` project finished before
  the start; until the nineteenth session such a fab was refused);
- a retirement, a policy or a design's `available_from` is in force from
  the start.

## Parameter paths

A parameter path names one number of a scenario with dots:

- a top-level or settings field: `horizon_years`, `settings.install_delay_days`,
  `chips.hbm.imports_stacks_per_month`;
- a field of a named entity: the list, the entity's `name`, the field:
  `labs.deepseek.mfu`, `regions.east.demand_avg_mw`;
- an entry of a list of unnamed entries, by the region or design it
  names: a lab's (or an other buyer's) `sites` by region and `fleet` by
  design, a fab's `products` by design, the grid's `drought_processes` by
  region:
  `labs.deepseek.sites.east.connected_mw`, `labs.deepseek.fleet.h800.count`,
  `fabs.smic-ascend.products.ascend-910c.share` (a list with two entries
  for one design, such as two batches of a fleet installed on different
  dates, cannot be picked from: set it whole);
- a parameter of a distribution: `labs.deepseek.release_cadence_months.mean`;
- the number of a value written as a kind with one number, by naming the
  kind: a policy's quota `QuotaPerMonth(40000)` is
  `policies.licence-cap.action.control.QuotaPerMonth`;
- the scale factor of a path over dates (`uncertain` only):
  `labs.openai.budget_usd_per_year.scale`.

A path may leave out the kind of a value it passes through
(`release_cadence_months.mean` for `Exp(mean: 6)`; the policy's
`action.control` for `ExportControl(…, control: …)`) or write it
(`release_cadence_months.Exp.mean`, `action.ExportControl.control`): both
spellings name one number, and a scenario that draws one number under
both is refused, as a variant that sets it under one spelling and draws
it under the other is; a `set` under either spelling fixes the base's draw
under the other. Other lists cannot be indexed. A misspelt segment is
refused with a suggestion.

## Variants

A variant names a `base` (resolved relative to the variant's own file) and
lists only what differs, so a policy variant is a few lines:

```ron
Variant(
    base: "china-2025.ron",
    name: "h20-ban-earlier",
    description: "china-2025 with the H20 banned from 1 January 2025, the HBM stockpile at its low end and no TSMC die bank.",
    set: {{ "chips.hbm.stockpile_stacks": 11400000 }},
    add: [ Policy((name: "h20-licence", date: "2025-01-01", action: ExportControl(item: Design("h20"), control: Ban))) ],
    remove: [ "die_banks.tsmc-die-bank" ],
)
```

Each line changes the run (`aistack run`, the scenario's seed 2025): the
`add` replaces the base's policy of the same name, so the H20 ban starts on
1 January instead of 14 April 2025 and no H20 is imported (382,915 in the
base); the `set` holds the HBM stockpile at the low end of the base's draw
(12.3 M stacks at that seed), and domestic assembly, bound by HBM, falls by
110,000 accelerators; the `remove` takes away the 2.9 M banked TSMC dies,
which moves Ascend deliveries later (2025's fall by about 154,000, 2027's
rise by as many, 2026's stay as they were; SMIC starts the wafers the bank
no longer holds, its utilisation 8.6 → 11.9 %), not fewer: HBM, not dies,
caps the total. (A control on
something the base does not have, such as HBM imports, which china-2025
sets to 0, would change nothing: check a variant against its base with
`aistack compare`.)

It is applied to the base in this order: `remove` (entities as
`list.name`), `add` (an entity replaces the base's entity of the same kind
and name, or is appended), `set` (any field's value by path), `uncertain`
(added or replaced by path; `remove` also drops the removed entity's own
uncertain parameters and their correlations), `correlations` (replace the
base's when not empty); `name` and `description` replace the base's. The
result is checked like a complete scenario.

A `set` fixes what it names: where the base draws that path (or a path
below it, such as `….mean` of a distribution the variant replaces), the
variant no longer draws it, and every run uses the set value. The path is
then no parameter of the variant (no `runs.csv` column, no `summary.json`
parameter), and the base's correlations that name it are dropped. The
other parameters keep their draws (streams are keyed by path), so
`aistack compare base variant` pairs them with common random numbers and
shows the effect of the set value. (A parameter the base correlates with
the fixed one keeps its distribution, but its draws, and under a Latin
hypercube those of the other correlated parameters, may differ from the
base's.) A file that
both sets a path and makes the same path uncertain is refused (keep one:
`set` fixes it, `uncertain` draws it); a variant may set a field and make
a path below it uncertain (a new distribution with an uncertain `mean`).

An `add` that replaces a base entity works the same way: the entity is
written out in full, so it is fixed as written. The base's uncertain
parameters of that entity (paths `list.name.…`) and their correlations are
dropped, and the other parameters keep their draws. To keep a field of the
replaced entity uncertain, declare it again in the variant's `uncertain`
(with the same distribution it draws what the base draws, streams being
keyed by path, unless the base correlated it); to change
one field and keep the base's draws of the others, `set` that field
instead of replacing the entity. An `add` with a new name replaces nothing
and drops nothing.

A variant's own `correlations` may not name a path that the variant
stopped drawing (by a `set`, a replacing `add` or a `remove`) unless its
`uncertain` draws it again; the error says which entry fixed it.

`set` takes numbers and paths over dates, and any other field's value
written as in a scenario: `"grid.curtailment_order": [Datacenter, Fab,
Industry, Household]`, `"ecosystem.spillovers": false`,
`"labs.deepseek.sites": [(region: "east", connected_mw: 500)]`. A whole
entity, a whole list and an entity's `name` cannot be set (use `add` and
`remove`); a value of the wrong type is reported at its `set` entry. A
`set` of a fab's `capacity_wafers_per_month` that does not set its
`power_mw` too scales the power with it, as a drawn capacity does (see
the fab's `power_mw`). Variants may stack (a variant of a
variant, at most {MAX_BASE_DEPTH} deep); a file that includes itself is refused.

## Defaults and limits

The *default* column gives the value a field takes when it is left out;
**required** fields have none. A valid scenario declares at least `name`,
`start`, `horizon_years`, one region and one lab; everything else has a
default (no `designs`: a world without accelerators; a lab without
`sites`: one site in the first region). Names are unique within a list,
1–64 ASCII letters (a–z, A–Z: no accents), digits, `-` or `_`, and `national` and `world` are reserved
(output rows of those entities are totals). A file may be at most {} MiB, a list at most
{MAX_ENTITIES_PER_LIST} entities, `regions` at most {MAX_REGIONS} (the grid dispatches every
region in one program whose cost grows with the cube of their number: loading
1,000 regions takes about 2 s, 2,000 about 30 s; see `docs/model/energy-grid.md`,
"Performance"), and a run is refused when it would need
more than `settings.max_events` events (estimated at load from its dispatch
steps, production ticks, and the failures and repairs of the tools its fabs
open with; a run whose other events, such as failures of tools installed
later, take it past the limit stops there with the date and each
domain's count of events).

## Plausibility warnings

Some valid numbers are almost surely a unit slip: `peak_flop_s: 989` (TFLOP/s
written where the field is in FLOP/s) runs, with an accelerator 10¹² times
too slow. `validate`, `run`, `batch`, `compare`, `sensitivity` and `eval`
print a warning for such a value on stderr, with the file, line, column,
field and the value in the likely unit, and go on (a toy scenario may mean
it):

```text
warning: my.ron:25:13: field `designs.h100.peak_flop_s`: 989 FLOP/s is below 1e12 FLOP/s, slower than any datacenter accelerator since 2012
  hint: the field is in FLOP/s; if 989 is in TFLOP/s, write 9.89e14
```

| field | warned below | likely slip |
| --- | --- | --- |
| a design's `peak_flop_s`, `fp8_flop_s` | {flop:e} FLOP/s | TFLOP/s |
| a design's `power_w` | {w} W | kW |
| a design's `unit_price_usd` | {usd} USD | thousands of USD |
| a fab's `power_mw` per wafer a month of `capacity_wafers_per_month` | {fab} kW | GW |
| a lab's `initial_target_run_flop` | {run:e} FLOP | an exponent (`25` for `1e25`) |
| `chips.packaging_units_per_month` | 0 at every date, in a scenario with fabs or die banks | left at its default: no die becomes a chip |
| `chips.hbm` | no stockpile, domestic stacks or imports at any date, in a scenario with fabs or die banks of designs with `hbm_stacks` above 0 | left at its defaults: no die becomes a chip |
| a policy's `action`, an `ExportControl` on `Hbm`, `Tools`, a `Design` or `Accelerators` | the item's imports (`chips.hbm.imports_stacks_per_month`, `chips.tools.imports_per_year`, the licensed `imports` flows' `units_per_month`) 0 at every date and not drawn | a control with nothing to cut: the run is the same without it; the scenario's domestic paths (HBM stockpile and domestic stacks, tool inventory and domestic tools) are where such a policy would act |
| `ecosystem.frontier_log10_physical_flop` or `ecosystem.frontier_log10_effective_flop` | a rising path whose last date is more than a month before the horizon's end, or at or before the start | the horizon lengthened without the frontier; a path written only for the past (below) |
| `ecosystem.algorithmic_halving_months` | drawn (`uncertain`) or changed from its default while the frontier is written as `frontier_log10_effective_flop` | the labs move with the world's rate and the frontier, whose path holds its own, does not: write it as `frontier_log10_physical_flop` |
| an other buyer's `sites` after the first | `connected_mw` 0 | the site never gets an accelerator: deliveries fill the sites' unused connections in order and the rest go to the first site, the only one that asks the grid for more |
| a lab's or other buyer's `fleet` entry's `installed` | at least `ecosystem.chip_service_life_years` before the start (if the life is drawn: its largest draw) | a slip in the year (`2002` for `2022`): the entry is retired at the start and never in service |
| a policy's `date`, a grid or fab project's `start`, a drought's or derate's `start`, an adequacy response's `first_check`, a plant group's `retire_date`, a fab's `opens`, a design's `available_from` | at or after the horizon's end | a slip in the year (`2099`), or a horizon shortened below it: the run never reaches the item |
| a region's `demand_growth_per_year` | beyond ±{growth} a year at some date | per cent where the field is a fraction (`3` for `0.03`) |
| a region's `demand_avg_mw` | above 0, with no plant group with installed MW in the region, no link to it and no grid project, programme or adequacy response that builds there | a region left without supply: all its demand is unserved for the whole run |
| a plant group's `installed_mw` | below {plant:e} of its region's average non-AI demand | GW |
| `plants` (or the one group with capacity) | all groups' installed MW at the start below {fleet} of all regions' average non-AI demand | GW (named unless every group, or every region without supply, is named already) |
| a lab's `max_chips_per_run` | not set, while the lab holds more than {chips} accelerators at the start: its `fleet`, or what its sites' `connected_mw` power at the scenario's most power-hungry design, if more | left at its default: one run takes every training chip, and at the lab's failure rate it keeps little of its time as work (0.05 at 500000 chips at the defaults; the warning gives the lab's own figure), so more chips can give smaller runs |

A value drawn per run (`uncertain`) is judged by its distribution's median,
at its `uncertain` entry (a drawn service life by its largest draw, at the
fleet entry). Each floor is an order of magnitude or more below
every real value of its field, the ceiling on demand growth twice the
fastest national growth on record, and the ceiling on one run's chips the
largest synchronous runs on record (sources in `docs/calibration/scenarios.md`,
"Plausibility floors"); no example scenario trips one. A lab's chips
bought or imported during the run are not known before it, so a lab that
grows past the ceiling without a cap is not named: set
`max_chips_per_run` for every lab that may.

## Long horizons

A path holds its last value after its last date, with one exception: the
world frontier (`ecosystem.frontier_log10_physical_flop`, or
`ecosystem.frontier_log10_effective_flop`) is extended beyond its ends at
its average slope, from its value at the start (or its first point, if
later) to its last point, so that a release above or below every point
still has a gap (the physical form's effective frontier adds the world's
algorithmic progress, a straight line, at every date); the `world` series
(`training.frontier_effective_flop`) shows the same extended frontier. A
path written only before the start is held at its value there (a warning
says so), and one whose extension would pass 10^100 within the horizon
is refused at load. The example scenarios are written for 2025–2035: their inputs
end there or earlier. Lengthening `horizon_years` (`set: {{ "horizon_years":
30 }}`) runs, but past those dates the model holds or extends what was
written for the first decade, and the answers say more about that than
about the world (china-2025 run for 30 years, its default seed):

- the frontier grows at its 2025–2035 average for ever (physical compute
  0.65 orders of magnitude a year, plus the world's algorithmic progress:
  1.1 orders of effective FLOP a year at an 8-month halving time), and
  every gap is measured against that (a warning says so);
- hardware progress is only the designs a scenario lists, at fixed prices,
  and their import, HBM, packaging and fab paths: once the last design and
  fab project are in, the largest run stops growing while the frontier's
  physical compute keeps growing, and each lab's algorithmic efficiency
  keeps compounding at the world's halving time, as the frontier's does;
- budgets, compute growth and the grid's build programmes hold their last
  value, while non-AI demand keeps growing at its rate: china-2025's demand
  compounds at 6 % a year against fixed yearly additions, and by 2054 it
  leaves 17.5 % of demand unserved (AI loads, cut last, lose none);
- listed projects and approvals (nuclear, fabs) stop where their lists
  stop; no plant retires by age; buyers keep ordering their budgets and
  unfilled orders never lapse, so the chip order backlog grows with the
  horizon (0.98 trillion USD by 2055).

So extend, for the horizon you want, the frontier path, the designs, the
supply paths (imports, HBM, packaging, fab projects), the budgets and
growth rates, the build programmes and demand growth: each is a path or a
list the variant's `set` or `add` can replace.

"#,
        MAX_FILE_BYTES / (1024 * 1024),
        flop = crate::lint::FLOOR_PEAK_FLOP_S,
        w = crate::lint::FLOOR_POWER_W,
        usd = crate::lint::FLOOR_UNIT_PRICE_USD,
        fab = crate::lint::FLOOR_FAB_KW_PER_WPM,
        run = crate::lint::FLOOR_TARGET_RUN_FLOP,
        chips = crate::lint::CEILING_CHIPS_ONE_RUN,
        growth = crate::lint::CEILING_DEMAND_GROWTH,
        plant = crate::lint::FLOOR_PLANT_PER_REGION_DEMAND,
        fleet = crate::lint::FLOOR_INSTALLED_PER_DEMAND,
    )
}
