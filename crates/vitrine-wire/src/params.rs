//! Graph request parameters as they arrive: merged from the query string, a form, a multipart or
//! a JSON body, so any of them may be text where JSON would have a number or a boolean. A
//! [`Param`] never fails to deserialize: the rules (in `vitrine-core`) decide what a value means
//! and which error to report first, in Meta's order.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// One parameter: absent, or the value as it came (`null` included: given, but empty).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Param {
    #[default]
    Absent,
    Given(Value),
}

impl<'de> Deserialize<'de> for Param {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Param, D::Error> {
        Value::deserialize(d).map(Param::Given)
    }
}

/// What a flag parameter held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Absent,
    Set(bool),
    /// Neither a boolean nor `"true"`/`"false"`/`"1"`/`"0"`.
    Invalid,
}

impl Param {
    pub fn is_given(&self) -> bool {
        matches!(self, Param::Given(_))
    }

    pub fn value(&self) -> Option<&Value> {
        match self {
            Param::Absent => None,
            Param::Given(v) => Some(v),
        }
    }

    /// The parameter as text, trimmed; absent, empty or not a string counts as none.
    pub fn text(&self) -> Option<&str> {
        self.value()
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// A boolean, or the strings `"true"`/`"false"`/`"1"`/`"0"` of form and query encodings.
    pub fn flag(&self) -> Flag {
        match self.value() {
            None | Some(Value::Null) => Flag::Absent,
            Some(Value::Bool(b)) => Flag::Set(*b),
            Some(Value::String(s)) if s == "true" || s == "1" => Flag::Set(true),
            Some(Value::String(s)) if s == "false" || s == "0" => Flag::Set(false),
            Some(_) => Flag::Invalid,
        }
    }

    /// A non-negative integer, or its decimal text.
    pub fn count(&self) -> Option<u64> {
        self.value().and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct Req {
        #[serde(default)]
        a: Param,
        #[serde(default)]
        b: Param,
    }

    #[test]
    fn anything_deserializes_and_means_what_graph_means() {
        let r: Req = serde_json::from_value(json!({ "a": " x ", "b": {"k": 1} })).unwrap();
        assert_eq!(r.a.text(), Some("x"));
        assert_eq!(r.b.text(), None);
        assert!(r.b.is_given());
        let r: Req = serde_json::from_value(json!({ "a": "1", "b": null })).unwrap();
        assert_eq!(r.a.flag(), Flag::Set(true));
        assert_eq!(r.a.count(), Some(1));
        assert_eq!(r.b, Param::Given(Value::Null));
        assert_eq!(r.b.flag(), Flag::Absent);
        assert_eq!(Param::Given(json!("yes")).flag(), Flag::Invalid);
        assert_eq!(Param::Given(json!(false)).flag(), Flag::Set(false));
        assert_eq!(Param::Given(json!("   ")).text(), None);
    }
}
