//! RON text of one value → the JSON tree a scenario is edited in, keeping the
//! names that `ron::Value` drops.
//!
//! A variant's `set` may give any value (`Datacenters`, `true`,
//! `Exp(mean: 6)`, `[Households, Industry]`), but it is parsed before the
//! type at its path is known. `ron::Value` turns a bare identifier such as
//! `Households` into `()`, losing the variant's name, so `set` keeps the raw
//! text and this module converts it into the form `serde_json::to_value`
//! gives the typed value, which the final typed read then checks:
//!
//! | RON | JSON |
//! | --- | --- |
//! | `Households` (unit variant) | `"Households"` |
//! | `Exp(mean: 6)` (struct variant) | `{"Exp": {"mean": 6}}` |
//! | `Quota(3)` (newtype variant) | `{"Quota": 3}` |
//! | `(a: 1, b: 2)` (struct) | `{"a": 1, "b": 2}` |
//! | `("2025-01-01", 3)` (tuple) | `["2025-01-01", 3]` |
//! | `Some(x)` / `None` | `x` / `null` |
//! | `{"k": v}` (map) | `{"k": v}` |
//!
//! Integers stay integers; other numbers are read as `f64` from their text
//! (never through `f32`). Non-finite numbers are refused.

use serde_json::{Map, Number, Value};

/// Converts the RON text of one value (see the module docs).
pub fn to_json(text: &str) -> Result<Value, String> {
    let mut p = Parser { text, pos: 0 };
    let v = p.value(0)?;
    p.skip_ws()?;
    if p.pos < text.len() {
        return Err(p.error("unexpected text after the value"));
    }
    Ok(v)
}

/// Nesting deeper than this is refused (no scenario value comes close; it
/// keeps hostile input from exhausting the stack).
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        let near: String = self.text[self.pos..].chars().take(12).collect();
        if near.is_empty() {
            format!("{what} (at the end of the value)")
        } else {
            format!("{what} (near `{near}`)")
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) -> Result<(), String> {
        loop {
            let rest = &self.text[self.pos..];
            let trimmed = rest.trim_start();
            self.pos += rest.len() - trimmed.len();
            if trimmed.starts_with("//") {
                self.pos += trimmed.find('\n').unwrap_or(trimmed.len());
            } else if trimmed.starts_with("/*") {
                let end = trimmed
                    .find("*/")
                    .ok_or_else(|| self.error("unterminated comment"))?;
                self.pos += end + 2;
            } else {
                return Ok(());
            }
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        self.skip_ws()?;
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected `{}`", c as char)))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(self.error("value nested too deeply"));
        }
        self.skip_ws()?;
        match self.peek() {
            None => Err(self.error("expected a value")),
            Some(b'"') => self.string().map(Value::String),
            Some(b'\'') => self.char_literal().map(Value::String),
            Some(b'[') => {
                self.pos += 1;
                let items = self.items(b']', depth)?;
                Ok(Value::Array(items))
            }
            Some(b'{') => self.map(depth),
            Some(b'(') => self.parens(depth),
            Some(c) if c == b'-' || c == b'+' || c == b'.' || c.is_ascii_digit() => self.number(),
            Some(c) if c == b'_' || c.is_ascii_alphabetic() => self.identified(depth),
            Some(_) => Err(self.error("expected a value")),
        }
    }

    /// Comma-separated values up to `close` (a trailing comma is allowed).
    fn items(&mut self, close: u8, depth: usize) -> Result<Vec<Value>, String> {
        let mut items = Vec::new();
        loop {
            self.skip_ws()?;
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(items);
            }
            items.push(self.value(depth + 1)?);
            self.skip_ws()?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(c) if c == close => {}
                _ => return Err(self.error(&format!("expected `,` or `{}`", close as char))),
            }
        }
    }

    fn map(&mut self, depth: usize) -> Result<Value, String> {
        self.pos += 1; // '{'
        let mut m = Map::new();
        loop {
            self.skip_ws()?;
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return Ok(Value::Object(m));
            }
            let key = match self.value(depth + 1)? {
                Value::String(s) => s,
                _ => return Err(self.error("map keys must be strings")),
            };
            self.expect(b':')?;
            let v = self.value(depth + 1)?;
            m.insert(key, v);
            self.skip_ws()?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {}
                _ => return Err(self.error("expected `,` or `}`")),
            }
        }
    }

    /// `( … )`: a struct if it starts with `field:`, else a tuple; `()` is unit.
    fn parens(&mut self, depth: usize) -> Result<Value, String> {
        self.pos += 1; // '('
        self.skip_ws()?;
        if self.peek() == Some(b')') {
            self.pos += 1;
            return Ok(Value::Null);
        }
        if self.field_ahead() {
            let mut m = Map::new();
            loop {
                self.skip_ws()?;
                if self.peek() == Some(b')') {
                    self.pos += 1;
                    return Ok(Value::Object(m));
                }
                let Some(key) = self.ident() else {
                    return Err(self.error("expected a field name"));
                };
                self.expect(b':')?;
                let v = self.value(depth + 1)?;
                if m.insert(key.clone(), v).is_some() {
                    return Err(format!("field `{key}` given twice"));
                }
                self.skip_ws()?;
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b')') => {}
                    _ => return Err(self.error("expected `,` or `)`")),
                }
            }
        }
        let items = self.items(b')', depth)?;
        Ok(Value::Array(items))
    }

    /// Whether the text ahead is `identifier :` (but not `::`).
    fn field_ahead(&self) -> bool {
        let rest = &self.text[self.pos..];
        let n = ident_len(rest);
        if n == 0 {
            return false;
        }
        let after = rest[n..].trim_start();
        after.starts_with(':') && !after.starts_with("::")
    }

    fn ident(&mut self) -> Option<String> {
        let n = ident_len(&self.text[self.pos..]);
        if n == 0 {
            return None;
        }
        let s = self.text[self.pos..self.pos + n].to_string();
        self.pos += n;
        Some(s)
    }

    /// A keyword, an enum variant (`Name`, `Name(…)`) or `Some(…)`.
    fn identified(&mut self, depth: usize) -> Result<Value, String> {
        let start = self.pos;
        let Some(name) = self.ident() else {
            return Err(self.error("expected a value"));
        };
        if name == "r" && matches!(self.peek(), Some(b'"' | b'#')) {
            self.pos = start;
            return Err(self.error("raw strings are not supported here; use a \"quoted\" string"));
        }
        match name.as_str() {
            "true" => return Ok(Value::Bool(true)),
            "false" => return Ok(Value::Bool(false)),
            "None" => return Ok(Value::Null),
            "inf" | "NaN" => return Err(format!("`{name}` is not a finite number")),
            _ => {}
        }
        self.skip_ws()?;
        if self.peek() != Some(b'(') {
            return Ok(Value::String(name));
        }
        let inner = self.parens(depth + 1)?;
        if name == "Some" {
            return match inner {
                Value::Array(mut items) if items.len() == 1 => Ok(items.remove(0)),
                _ => Err("`Some(…)` takes exactly one value".to_string()),
            };
        }
        let payload = match inner {
            Value::Array(mut items) if items.len() == 1 => items.remove(0),
            other => other,
        };
        let mut m = Map::new();
        m.insert(name, payload);
        Ok(Value::Object(m))
    }

    fn number(&mut self) -> Result<Value, String> {
        let rest = &self.text[self.pos..];
        let n = rest
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-' | b'_'))
            .count();
        let raw = &rest[..n];
        self.pos += n;
        let lit: String = raw.chars().filter(|&c| c != '_').collect();
        let integral = !lit.contains(['.', 'e', 'E']) && !lit.contains("inf") && !lit.contains("NaN");
        if integral {
            if let Ok(u) = lit.trim_start_matches('+').parse::<u64>() {
                return Ok(Value::Number(u.into()));
            }
            if let Ok(i) = lit.parse::<i64>() {
                return Ok(Value::Number(i.into()));
            }
        }
        let x: f64 = lit.parse().map_err(|_| format!("`{raw}` is not a number"))?;
        Number::from_f64(x)
            .map(Value::Number)
            .ok_or_else(|| format!("`{raw}` is not a finite number"))
    }

    fn string(&mut self) -> Result<String, String> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let mut i = start + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => {
                    self.pos = i + 1;
                    // RON's own reader does the unescaping.
                    return ron::from_str::<String>(&self.text[start..=i])
                        .map_err(|e| format!("bad string {}: {}", &self.text[start..=i], e.code));
                }
                _ => i += 1,
            }
        }
        Err(self.error("unterminated string"))
    }

    fn char_literal(&mut self) -> Result<String, String> {
        let rest = &self.text[self.pos..];
        let end = rest[1..]
            .find('\'')
            .map(|e| e + 2)
            .ok_or_else(|| self.error("unterminated character"))?;
        let c = ron::from_str::<char>(&rest[..end]).map_err(|e| format!("bad character: {}", e.code))?;
        self.pos += end;
        Ok(c.to_string())
    }
}

fn ident_len(s: &str) -> usize {
    let b = s.as_bytes();
    if b.first().is_none_or(|c| !(c.is_ascii_alphabetic() || *c == b'_')) {
        return 0;
    }
    b.iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn forms_match_serde_json_of_the_typed_value() {
        let cases = [
            ("Households", json!("Households")),
            ("[Households, Industry,]", json!(["Households", "Industry"])),
            ("true", json!(true)),
            ("\"a\\\"b\"", json!("a\"b")),
            ("42", json!(42)),
            ("-3", json!(-3)),
            ("2.5", json!(2.5)),
            ("0.1", json!(0.1)),
            ("1e25", json!(1e25)),
            ("1_000", json!(1000)),
            ("Some(3)", json!(3)),
            ("None", json!(null)),
            ("Exp(mean: 6)", json!({"Exp": {"mean": 6}})),
            ("Quota(3)", json!({"Quota": 3})),
            ("(a: 1, b: [2, 3])", json!({"a": 1, "b": [2, 3]})),
            ("(\"2025-01-01\", 3)", json!(["2025-01-01", 3])),
            (
                "(step: [(\"2025-01-01\", 3.5)])",
                json!({"step": [["2025-01-01", 3.5]]}),
            ),
            ("{\"k\": Ban} // note", json!({"k": "Ban"})),
            ("/* c */ ()", json!(null)),
        ];
        for (text, want) in cases {
            assert_eq!(to_json(text).unwrap(), want, "{text}");
        }
    }

    #[test]
    fn floats_are_read_as_f64_not_f32() {
        // ron::Value reads `0.1` as an f32; 0.1f32 as f64 is 0.10000000149.
        assert_eq!(to_json("0.1").unwrap().as_f64(), Some(0.1));
    }

    #[test]
    fn bad_values_are_refused_with_a_reason() {
        for (text, want) in [
            ("", "expected a value"),
            ("[1, 2", "expected `,` or `]`"),
            ("inf", "not a finite number"),
            ("1e999", "not a finite number"),
            ("\"abc", "unterminated string"),
            ("(a: 1, a: 2)", "given twice"),
            ("{1: 2}", "map keys must be strings"),
            ("1 2", "unexpected text"),
            ("r\"x\"", "raw strings"),
            ("Some(1, 2)", "exactly one value"),
            ("#", "expected a value"),
        ] {
            let e = to_json(text).unwrap_err();
            assert!(e.contains(want), "{text}: {e}");
        }
        let deep = "[".repeat(1000);
        assert!(to_json(&deep).unwrap_err().contains("nested too deeply"));
    }
}
