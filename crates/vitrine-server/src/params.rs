//! Graph parameters: the query string, a form body, a multipart body or a JSON body, merged into
//! one JSON object (spec §1.4). The JSON body wins over the others. Form and query values that
//! hold JSON objects or arrays are parsed (`components=[...]`, `filter={...}`).
//!
//! A JSON body is read once into its top-level keys, each with its JSON text: a request is
//! deserialized from those texts into its typed form ([`Params::deserializer`]) without a
//! `serde_json::Value` tree built and dropped on the way. Scalars are decoded at once (tokens,
//! `fields`); the merged object as a `Value` is built only when a handler asks for it.

use axum::http::HeaderMap;
use indexmap::IndexMap;
use serde::de::value::MapDeserializer;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// One parameter: its JSON text, and its value when it is a string, number, boolean or null.
pub struct Param {
    raw: Box<RawValue>,
    scalar: Option<Value>,
}

impl Param {
    fn from_raw(raw: Box<RawValue>) -> Param {
        let scalar = match raw.get().as_bytes().first() {
            Some(b'{' | b'[') => None,
            _ => serde_json::from_str(raw.get()).ok(),
        };
        Param { raw, scalar }
    }

    fn from_value(value: Value) -> Param {
        // Writing a `Value` as JSON cannot fail (its keys are strings).
        let raw =
            serde_json::value::to_raw_value(&value).unwrap_or_else(|_| RawValue::NULL.to_owned());
        let scalar = (!value.is_object() && !value.is_array()).then_some(value);
        Param { raw, scalar }
    }

    fn value(&self) -> Value {
        match &self.scalar {
            Some(v) => v.clone(),
            None => serde_json::from_str(self.raw.get()).unwrap_or(Value::Null),
        }
    }
}

/// The iterator behind [`ParamsDeserializer`].
pub type Entries<'a> = std::iter::Map<
    indexmap::map::Iter<'a, String, Param>,
    fn((&'a String, &'a Param)) -> (&'a str, &'a RawValue),
>;

/// The merged parameters as a serde map, for typed requests of `vitrine_wire`.
pub type ParamsDeserializer<'a> = MapDeserializer<'a, Entries<'a>, serde_json::Error>;

/// Parameters by name, in the order given (hashed with foldhash: a request is read once).
type ParamMap = IndexMap<String, Param, foldhash::fast::RandomState>;

/// The merged parameters, and the body's parse error if there was one (reported after
/// authentication, as Meta does).
pub struct Params {
    params: ParamMap,
    merged: OnceLock<Map<String, Value>>,
    pub body_error: Option<String>,
}

impl Params {
    /// Parameters already merged into an object (a streamed multipart upload's fields).
    pub fn from_map(map: Map<String, Value>) -> Params {
        Params {
            params: map
                .into_iter()
                .map(|(k, v)| (k, Param::from_value(v)))
                .collect(),
            merged: OnceLock::new(),
            body_error: None,
        }
    }

    fn insert(&mut self, key: String, param: Param) {
        self.params.insert(key, param);
    }

    /// A parameter that is a string.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.params
            .get(key)
            .and_then(|p| p.scalar.as_ref())
            .and_then(Value::as_str)
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        let param = self.params.get(key)?;
        match &param.scalar {
            Some(v) => Some(v),
            None => self.map().get(key),
        }
    }

    pub fn contains(&self, key: &str) -> bool {
        self.params.contains_key(key)
    }

    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// The merged parameters as one object.
    pub fn map(&self) -> &Map<String, Value> {
        self.merged.get_or_init(|| {
            self.params
                .iter()
                .map(|(k, p)| (k.clone(), p.value()))
                .collect()
        })
    }

    pub fn into_map(mut self) -> Map<String, Value> {
        self.map();
        self.merged.take().unwrap_or_default()
    }

    pub fn into_value(self) -> Value {
        Value::Object(self.into_map())
    }

    /// The merged parameters as a serde map, each value read from its JSON text.
    pub fn deserializer(&self) -> ParamsDeserializer<'_> {
        fn entry<'a>((k, p): (&'a String, &'a Param)) -> (&'a str, &'a RawValue) {
            (k.as_str(), &p.raw)
        }
        MapDeserializer::new(self.params.iter().map(entry as fn(_) -> _))
    }

    /// The parameters as a typed request of `vitrine_wire` (whose fields are lenient, so this
    /// fails only for a value of a type no encoding could give).
    pub fn typed<T: serde::de::DeserializeOwned>(&self) -> Result<T, vitrine_core::ApiError> {
        T::deserialize(self.deserializer()).map_err(|e| {
            vitrine_core::ApiError::invalid_param(format!(
                "Invalid parameters: {}",
                vitrine_wire::lenient::without_position(e.to_string())
            ))
            .graph_scope()
        })
    }
}

fn decode_scalar(raw: String) -> Value {
    let t = raw.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Value>(&raw) {
            return v;
        }
    }
    Value::String(raw)
}

fn merge_pairs(params: &mut Params, pairs: Vec<(String, String)>) {
    for (k, v) in pairs {
        params.insert(k, Param::from_value(decode_scalar(v)));
    }
}

/// A JSON body's top-level keys into `params`, or why the body is not a JSON object.
fn merge_json(params: &mut Params, body: &[u8]) -> Result<(), String> {
    // Reading a value as JSON text knows no depth limit and checks no number's range: a body
    // that could meet either goes through a whole parse, which refuses past serde_json's 128
    // levels and numbers out of range, as it always did.
    if !needs_whole_parse(body) {
        if let Ok(obj) = serde_json::from_slice::<
            IndexMap<String, Box<RawValue>, foldhash::fast::RandomState>,
        >(body)
        {
            for (k, raw) in obj {
                params.insert(k, Param::from_raw(raw));
            }
            return Ok(());
        }
    }
    // Not an object of JSON texts, or a deep one: as a whole parse reads it.
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(obj)) => {
            for (k, v) in obj {
                params.insert(k, Param::from_value(v));
            }
            Ok(())
        }
        Ok(_) => Err("The request body must be a JSON object.".to_owned()),
        Err(e) => Err(format!("Invalid JSON in the request body: {e}")),
    }
}

/// Nesting below which a body is surely within serde_json's limit of 128.
const SHALLOW: usize = 100;
/// Digits in a row below which a number surely fits an `f64` (a longer one may not).
const SHORT_NUMBER: usize = 300;

/// Whether `json` must be read by a whole parse to be judged as one: nested [`SHALLOW`] deep or
/// more, or holding a number that may be out of range (with an exponent, or very long), which
/// reading a value as JSON text does not check. Counted outside strings; the text need not be
/// valid.
fn needs_whole_parse(json: &[u8]) -> bool {
    let mut outside = Outside::default();
    let mut i = 0;
    while let Some(&b) = json.get(i) {
        if outside.byte(b) {
            return true;
        }
        i += 1;
        if b != b'"' {
            continue;
        }
        // A string, skipped to its closing quote: only its escapes matter.
        loop {
            let Some(found) = json
                .get(i..)
                .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
            else {
                // Unterminated: the parse refuses it either way.
                return false;
            };
            i += found;
            if json[i] == b'"' {
                break;
            }
            // `\uD800`–`\uDFFF`: half of a surrogate pair, which must be checked whole.
            if json.get(i + 1) == Some(&b'u') && is_surrogate_escape(&json[i + 2..]) {
                return true;
            }
            i += 2;
        }
        i += 1;
    }
    false
}

/// What [`needs_whole_parse`] counts outside strings.
#[derive(Default)]
struct Outside {
    depth: usize,
    digits: usize,
    previous: u8,
}

impl Outside {
    /// Counts one byte outside a string (a `"` that opens one included): whether the body must
    /// be parsed whole.
    fn byte(&mut self, b: u8) -> bool {
        match b {
            b'{' | b'[' => {
                self.depth += 1;
                if self.depth >= SHALLOW {
                    return true;
                }
            }
            b'}' | b']' => self.depth = self.depth.saturating_sub(1),
            b'e' | b'E' if self.previous.is_ascii_digit() || self.previous == b'.' => return true,
            _ => {}
        }
        self.digits = if b.is_ascii_digit() {
            self.digits + 1
        } else {
            0
        };
        self.previous = b;
        self.digits >= SHORT_NUMBER
    }
}

/// Whether hex digits start with `D8`–`DF` (a UTF-16 surrogate).
fn is_surrogate_escape(hex: &[u8]) -> bool {
    matches!(
        hex,
        [b'd' | b'D', b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F', ..]
    )
}

pub async fn parse(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Params {
    let mut params = Params {
        params: ParamMap::default(),
        merged: OnceLock::new(),
        body_error: None,
    };
    if let Some(q) = query {
        match serde_urlencoded::from_str::<Vec<(String, String)>>(q) {
            Ok(pairs) => merge_pairs(&mut params, pairs),
            Err(e) => params.body_error = Some(format!("Invalid query string: {e}")),
        }
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return params;
    }
    let raw_content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let content_type = raw_content_type.to_ascii_lowercase();
    let looks_like_json = matches!(
        body.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    );
    // `curl -d '{...}'` labels JSON as a form: a body that starts like JSON is read as JSON.
    if content_type.starts_with("application/x-www-form-urlencoded") && !looks_like_json {
        match serde_urlencoded::from_bytes::<Vec<(String, String)>>(body) {
            Ok(pairs) => merge_pairs(&mut params, pairs),
            Err(e) => params.body_error = Some(format!("Invalid form body: {e}")),
        }
    } else if content_type.starts_with("multipart/form-data") {
        match multipart_pairs(raw_content_type, body).await {
            Ok(pairs) => merge_pairs(&mut params, pairs),
            Err(e) => params.body_error = Some(format!("Invalid multipart body: {e}")),
        }
    } else {
        // JSON by content type, and also when the type is missing or unusual: SDKs and curl
        // users send JSON without the header often enough.
        if let Err(e) = merge_json(&mut params, body) {
            params.body_error = Some(e);
        }
    }
    params
}

async fn multipart_pairs(content_type: &str, body: &[u8]) -> Result<Vec<(String, String)>, String> {
    let boundary = multer::parse_boundary(content_type).map_err(|e| e.to_string())?;
    let chunk = bytes::Bytes::copy_from_slice(body);
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(chunk) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut pairs = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|e| e.to_string())? {
        let name = field.name().unwrap_or_default().to_owned();
        let text = field.text().await.map_err(|e| e.to_string())?;
        pairs.push((name, text));
    }
    Ok(pairs)
}

/// The access token: the `access_token` parameter when there is one (it wins over the header,
/// as on Graph: pywa subscribes an app's webhook with the app token in the query string while
/// its session sends a system-user token in the header), else `Authorization: Bearer …` (or
/// `OAuth …`).
pub fn access_token<'a>(headers: &'a HeaderMap, params: &'a Params) -> Option<&'a str> {
    let from_header = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth"))
                .then(|| rest.trim())
        });
    params.str("access_token").or(from_header)
}

#[cfg(test)]
mod fuzz {
    //! The parameter merger never panics on any body under any content type, and whatever it
    //! cannot read becomes `body_error` (Meta's envelope, reported after authentication).
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use proptest::prelude::*;
    use vitrine_core::fuzz::mutated;
    use vitrine_wire::messages::{SendBody, SendMessage};

    fn run(query: &str, input: &str) -> Params {
        let (content_type, body) = input.split_once('\n').unwrap_or(("", input));
        let mut headers = HeaderMap::new();
        if let Ok(v) = axum::http::HeaderValue::from_str(content_type) {
            headers.insert(axum::http::header::CONTENT_TYPE, v);
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(parse(Some(query), &headers, body.as_bytes()))
    }

    /// A query and a content type with its body, from the seeds, mutated.
    fn requests() -> impl Strategy<Value = (String, String)> {
        (
            mutated(env!("CARGO_MANIFEST_DIR"), "params", 4),
            mutated(env!("CARGO_MANIFEST_DIR"), "params", 12),
        )
    }

    proptest! {
        #[test]
        fn any_body_under_any_type((query, input) in requests()) {
            let params = run(&query, &input);
            if let Some(e) = &params.body_error {
                prop_assert!(!e.is_empty());
            }
            let _ = access_token(&HeaderMap::new(), &params);
        }
    }

    /// A send read from the JSON texts is what it is read from the merged object, error
    /// details included.
    fn read_both_ways(params: &Params) -> (SendBody, SendBody) {
        (
            SendMessage::read_from(params.deserializer()),
            SendMessage::read(&Value::Object(params.map().clone())),
        )
    }

    proptest! {
        #[test]
        fn sends_read_alike_from_texts_and_from_the_object((query, input) in requests()) {
            let params = run(&query, &input);
            let (texts, object) = read_both_ways(&params);
            prop_assert_eq!(texts, object);
        }
    }

    #[test]
    fn sends_of_every_shape_read_alike_from_texts_and_from_the_object() {
        let bodies = [
            r#"{"messaging_product":"whatsapp","to":16505550123,"type":"text","text":{"body":5,"preview_url":"true"}}"#,
            r#"{"to":"1","type":"interactive","interactive":{"type":"product_list","action":{"sections":"nope"}}}"#,
            r#"{"to":"1","type":"interactive","interactive":{"type":"product_list","action":{"sections":[{"product_items":[{"product_retailer_id":7}]},null]}}}"#,
            r#"{"to":"1","type":"interactive","interactive":[1,2]}"#,
            r#"{"to":1.5,"type":["text"],"text":"hi","context":{"message_id":{}}}"#,
            r#"{"to":"1","type":"image","image":{"link":"https://x/a.png","voice":"maybe","extra":[1]}}"#,
            r#"{"to":"1","type":"location","location":{"latitude":"1.5","longitude":-2.25}}"#,
            r#"{"to":"1","type":"template","template":{"name":"t","language":{"code":"en"},"components":"x"}}"#,
            r#"{"to":"1","type":"contacts","contacts":[{"name":{"formatted_name":3}}],"biz_opaque_callback_data":{"a":1}}"#,
            r#"{"to":"1","type":"reaction","reaction":{"message_id":"wamid.x","emoji":"\ud83d\udc4d"},"to":"2"}"#,
        ];
        for body in bodies {
            let params = run("", &format!("application/json\n{body}"));
            assert_eq!(params.body_error, None, "{body}");
            let (texts, object) = read_both_ways(&params);
            assert_eq!(texts, object, "{body}");
        }
        // The query's values too (form encodings hold JSON in strings).
        let params = run(
            "to=16505550123&type=text&text=%7B%22body%22%3A%22hi%22%7D",
            "application/json\n{\"messaging_product\":\"whatsapp\"}",
        );
        let (texts, object) = read_both_ways(&params);
        assert!(texts.is_ok());
        assert_eq!(texts, object);
    }

    #[test]
    fn bodies_a_text_reading_cannot_judge_are_parsed_whole() {
        assert!(!needs_whole_parse(
            br#"{"a":[1,{"b":"[[{{1e5"}],"t":true,"f":false,"n":-0.5}"#
        ));
        assert!(needs_whole_parse(br#"{"a":1e400}"#));
        assert!(needs_whole_parse(br#"{"a":1.E3}"#));
        assert!(!needs_whole_parse(br#"{"a":"\"[[1e9"}"#));
        assert!(needs_whole_parse(
            format!("{{\"a\":{}}}", "9".repeat(400)).as_bytes()
        ));
        assert!(needs_whole_parse(
            format!("{}{}", "[".repeat(120), "]".repeat(120)).as_bytes()
        ));
        assert!(!needs_whole_parse(b"not json"));
        assert!(!needs_whole_parse(br#"{"a":"\u00e9\\ud83d"}"#));
        assert!(needs_whole_parse(br#"{"a":"x\uD83D\udc4d"}"#));
    }

    /// The scan read byte by byte, strings included, as it first was: what the skipping scan
    /// must agree with.
    fn needs_whole_parse_bytewise(json: &[u8]) -> bool {
        let mut outside = Outside::default();
        let (mut in_string, mut escaped) = (false, false);
        for (i, &b) in json.iter().enumerate() {
            if in_string {
                match b {
                    b'u' if escaped && is_surrogate_escape(&json[i + 1..]) => return true,
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            in_string = b == b'"';
            if outside.byte(b) {
                return true;
            }
        }
        false
    }

    proptest! {
        #[test]
        fn the_scan_skipping_strings_agrees_with_the_bytewise_one(
            text in "[\"\\\\{}\\[\\]eE0-9.:,udD8a ]{0,80}",
            nested in 95usize..105,
        ) {
            prop_assert_eq!(needs_whole_parse(text.as_bytes()), needs_whole_parse_bytewise(text.as_bytes()));
            let deep = format!("{}{text}", "[".repeat(nested));
            prop_assert_eq!(needs_whole_parse(deep.as_bytes()), needs_whole_parse_bytewise(deep.as_bytes()));
            let long = format!("{text}{}", "7".repeat(300));
            prop_assert_eq!(needs_whole_parse(long.as_bytes()), needs_whole_parse_bytewise(long.as_bytes()));
        }
    }

    #[test]
    fn a_body_is_refused_exactly_when_a_whole_parse_refuses_it() {
        let bodies = [
            r#"{"a":1e400}"#.to_owned(),
            r#"{"a":-1e400,"b":1}"#.to_owned(),
            r#"{"a":"\ud83d"}"#.to_owned(),
            r#"{"a":{"b":"\ud83d x"}}"#.to_owned(),
            r#"{"a":{"b":"\x"}}"#.to_owned(),
            "{\"a\":{\"b\":\"tab\tinside\"}}".to_owned(),
            r#"{"a":{"b":01}}"#.to_owned(),
            r#"{"a":{"b":1.}}"#.to_owned(),
            r#"{"a":{"b":[1,]}}"#.to_owned(),
            r#"{"a":{"b":NaN}}"#.to_owned(),
            r#"{"a":1} x"#.to_owned(),
            format!("{{\"a\":{}}}", "9".repeat(400)),
            format!("{{\"a\":{}1{}}}", "[".repeat(130), "]".repeat(130)),
            r#"{"a":{"b":18446744073709551616}}"#.to_owned(),
        ];
        for body in bodies {
            let whole = serde_json::from_str::<Value>(&body);
            let params = run("", &format!("application/json\n{body}"));
            assert_eq!(
                params.body_error.is_none(),
                whole.is_ok(),
                "{body}: {:?}",
                params.body_error
            );
        }
    }

    #[test]
    fn the_seeds_parse() {
        for seed in vitrine_core::fuzz::corpus(env!("CARGO_MANIFEST_DIR"), "params") {
            let params = run("", &seed);
            let (content_type, _) = seed.split_once('\n').unwrap();
            if content_type.is_empty() {
                assert!(
                    params.body_error.is_some(),
                    "an array is not an object: {seed}"
                );
            } else {
                assert_eq!(params.body_error, None, "{seed}");
                assert!(!params.is_empty(), "{seed}");
            }
        }
    }
}
