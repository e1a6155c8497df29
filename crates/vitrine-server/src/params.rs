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

/// The merged parameters, and the body's parse error if there was one (reported after
/// authentication, as Meta does).
pub struct Params {
    params: IndexMap<String, Param>,
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
    // Reading a value as JSON text knows no depth limit: a body deeper than the shallowest
    // limit goes through a whole parse, which refuses past serde_json's 128 levels.
    if nesting_depth(body) < SHALLOW {
        if let Ok(obj) = serde_json::from_slice::<IndexMap<String, Box<RawValue>>>(body) {
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

/// How deep `{` and `[` nest in `json`, outside strings (the text need not be valid).
fn nesting_depth(json: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &b in json {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

pub async fn parse(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Params {
    let mut params = Params {
        params: IndexMap::new(),
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

    proptest! {
        #[test]
        fn any_body_under_any_type(
            input in mutated(env!("CARGO_MANIFEST_DIR"), "params", 12),
            query in mutated(env!("CARGO_MANIFEST_DIR"), "params", 4),
        ) {
            let params = run(&query, &input);
            if let Some(e) = &params.body_error {
                prop_assert!(!e.is_empty());
            }
            let _ = access_token(&HeaderMap::new(), &params);
        }
    }

    #[test]
    fn nesting_is_counted_outside_strings() {
        assert_eq!(nesting_depth(br#"{"a":[1,{"b":"[[{{"}]}"#), 3);
        assert_eq!(nesting_depth(br#"{"a":"\"[["}"#), 1);
        assert_eq!(nesting_depth(b"not json"), 0);
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
