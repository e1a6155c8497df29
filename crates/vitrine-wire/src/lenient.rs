//! What Graph accepts: ids and phone numbers as JSON strings or numbers, booleans as JSON
//! booleans or the strings `"true"`/`"false"` (form and query encodings); fields of any JSON type
//! ([`Lenient`]), and objects written back as they came ([`Object`]).

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::ser::{self, SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// A serde error's message without the position serde_json adds when it reads JSON text
/// (" at line 1 column 7"): where the value sits is said by its path, as when it is read from a
/// `serde_json::Value`.
pub fn without_position(message: String) -> String {
    let Some(at) = message.rfind(" at line ") else {
        return message;
    };
    let tail = &message[at + " at line ".len()..];
    let is_position = tail.split_once(" column ").is_some_and(|(line, column)| {
        !line.is_empty()
            && !column.is_empty()
            && line.bytes().all(|b| b.is_ascii_digit())
            && column.bytes().all(|b| b.is_ascii_digit())
    });
    if is_position {
        let mut message = message;
        message.truncate(at);
        message
    } else {
        message
    }
}

/// A string that may have been sent as a JSON number (`"to": 16505551234`).
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
    }
    d.deserialize_option(V)
}

/// A boolean that may have been sent as the string `"true"` or `"false"`.
pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a boolean or \"true\"/\"false\"")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            match v {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
            }
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            match v {
                0 => Ok(Some(false)),
                1 => Ok(Some(true)),
                _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
            }
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
    }
    d.deserialize_option(V)
}

/// A field as Meta's validator reads it: absent, `null`, a value of the expected type, or a value
/// of another JSON type, kept as it came. Deserializing never fails, so a wrongly typed field
/// reaches the rules (which answer it with Meta's code and details, in Meta's order) instead of
/// failing the whole request in serde; and it is written back exactly as it was read.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Lenient<T> {
    #[default]
    Absent,
    Null,
    Valid(T),
    /// Not a `T`: the value as it came (never `null`).
    Invalid(Value),
}

impl<T> Lenient<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Lenient::Absent)
    }

    /// Absent or `null`: what indexing a JSON object finds when the key is not there.
    pub fn is_missing(&self) -> bool {
        matches!(self, Lenient::Absent | Lenient::Null)
    }

    /// The value, when it has the expected type.
    pub fn get(&self) -> Option<&T> {
        match self {
            Lenient::Valid(v) => Some(v),
            _ => None,
        }
    }

    pub fn get_mut(&mut self) -> Option<&mut T> {
        match self {
            Lenient::Valid(v) => Some(v),
            _ => None,
        }
    }
}

impl Lenient<String> {
    pub fn str(&self) -> Option<&str> {
        self.get().map(String::as_str)
    }
}

impl<T> Lenient<Vec<T>> {
    /// The items of a list; none when the field is not a list.
    pub fn items(&self) -> &[T] {
        self.get().map_or(&[], Vec::as_slice)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Lenient<T>, D::Error> {
        let value = Value::deserialize(d)?;
        if value.is_null() {
            return Ok(Lenient::Null);
        }
        Ok(match T::deserialize(&value) {
            Ok(v) => Lenient::Valid(v),
            Err(_) => Lenient::Invalid(value),
        })
    }
}

impl<T: Serialize> Serialize for Lenient<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Lenient::Absent | Lenient::Null => s.serialize_unit(),
            Lenient::Valid(v) => v.serialize(s),
            Lenient::Invalid(v) => v.serialize(s),
        }
    }
}

/// A JSON object read into `T`, written back with its keys in the order they came (a typed
/// struct alone would write them in its declaration order). `T`'s fields are [`Lenient`] and its
/// unknown keys are kept in a flattened map, so any object loads, and what was read is written
/// back byte for byte: stored JSON (template definitions, the components a send gave) keeps its
/// bytes when it is read and written again.
#[derive(Debug, Clone, Default)]
pub struct Object<T> {
    value: T,
    keys: Vec<String>,
}

impl<T> Object<T> {
    /// A new object, written in `T`'s declaration order.
    pub fn new(value: T) -> Object<T> {
        Object {
            value,
            keys: vec![],
        }
    }
}

impl<T> std::ops::Deref for Object<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> std::ops::DerefMut for Object<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

/// Equal when the values are: the order of keys is not part of the meaning.
impl<T: PartialEq> PartialEq for Object<T> {
    fn eq(&self, other: &Object<T>) -> bool {
        self.value == other.value
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Object<T>, D::Error> {
        let map = Map::<String, Value>::deserialize(d)?;
        let keys = map.keys().cloned().collect();
        let value = T::deserialize(Value::Object(map)).map_err(de::Error::custom)?;
        Ok(Object { value, keys })
    }
}

impl<T: Serialize> Serialize for Object<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Value::Object(fields) =
            serde_json::to_value(&self.value).map_err(ser::Error::custom)?
        else {
            return Err(ser::Error::custom(
                "a wire object must serialize as a JSON object",
            ));
        };
        let mut out = s.serialize_map(Some(fields.len()))?;
        for key in &self.keys {
            if let Some(v) = fields.get(key) {
                out.serialize_entry(key, v)?;
            }
        }
        for (key, v) in &fields {
            if !self.keys.contains(key) {
                out.serialize_entry(key, v)?;
            }
        }
        out.end()
    }
}

/// A JSON number or a string, as Graph clients send indexes, timestamps and coordinates; the
/// number is kept as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NumberOrText {
    Number(serde_json::Number),
    Text(String),
}

impl NumberOrText {
    /// A non-negative whole number, or its decimal text.
    pub fn index(&self) -> Option<usize> {
        match self {
            NumberOrText::Number(n) => n.as_u64().map(|n| n as usize),
            NumberOrText::Text(s) => s.parse().ok(),
        }
    }

    /// A whole number, or its decimal text.
    pub fn integer(&self) -> Option<i64> {
        match self {
            NumberOrText::Number(n) => n.as_i64(),
            NumberOrText::Text(s) => s.parse().ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(default)]
    struct Thing {
        #[serde(skip_serializing_if = "Lenient::is_absent")]
        name: Lenient<String>,
        #[serde(skip_serializing_if = "Lenient::is_absent")]
        index: Lenient<NumberOrText>,
        #[serde(skip_serializing_if = "Lenient::is_absent")]
        parts: Lenient<Vec<Lenient<Object<Thing>>>>,
        #[serde(flatten)]
        other: Map<String, Value>,
    }

    #[test]
    fn any_json_loads_and_is_written_back_alike() {
        let texts = [
            r#"{"z":1,"name":"a","index":"2","parts":[{"index":1.5,"name":7},null,3,"x"]}"#,
            r#"{"parts":{"k":[]},"name":null,"other":{"b":1,"a":2},"index":true}"#,
            r#"{"index":-3,"name":"é\"\u0001","parts":[{"parts":[{}],"q":null}]}"#,
        ];
        for text in texts {
            let thing: Object<Thing> = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&thing).unwrap(), text);
        }
        let thing: Object<Thing> = serde_json::from_str(texts[0]).unwrap();
        assert_eq!(thing.name.str(), Some("a"));
        assert_eq!(thing.index.get().and_then(NumberOrText::index), Some(2));
        let parts = thing.parts.items();
        assert_eq!(parts.len(), 4);
        assert_eq!(
            parts[0].get().unwrap().name,
            Lenient::Invalid(Value::from(7))
        );
        assert_eq!(parts[0].get().unwrap().index.get().unwrap().index(), None);
        assert_eq!(parts[1], Lenient::Null);
        assert!(parts[2].get().is_none());
        let other: Object<Thing> = serde_json::from_str(texts[1]).unwrap();
        assert!(other.name.is_missing() && !other.name.is_absent());
        assert!(other.parts.items().is_empty());
        assert!(serde_json::from_str::<Object<Thing>>("[1]").is_err());
        assert_eq!(
            serde_json::from_str::<Lenient<Object<Thing>>>("[1]").unwrap(),
            Lenient::Invalid(serde_json::json!([1]))
        );
    }

    #[test]
    fn a_new_object_is_written_in_declaration_order() {
        let mut thing = Object::new(Thing::default());
        thing.index = Lenient::Valid(NumberOrText::Text("1".into()));
        thing.name = Lenient::Valid("n".into());
        assert_eq!(
            serde_json::to_string(&thing).unwrap(),
            r#"{"name":"n","index":"1"}"#
        );
    }
}
