//! Graph parameters: the query string, a form body, a multipart body or a JSON body, merged into
//! one JSON object (spec §1.4). The JSON body wins over the others. Form and query values that
//! hold JSON objects or arrays are parsed (`components=[...]`, `filter={...}`).

use axum::http::HeaderMap;
use serde_json::{Map, Value};

/// The merged parameters, and the body's parse error if there was one (reported after
/// authentication, as Meta does).
pub struct Params {
    pub map: Map<String, Value>,
    pub body_error: Option<String>,
}

impl Params {
    pub fn str(&self, key: &str) -> Option<&str> {
        self.map.get(key).and_then(Value::as_str)
    }

    /// The parameters as a typed request of `vitrine_wire` (whose fields are lenient, so this
    /// fails only for a value of a type no encoding could give).
    pub fn typed<T: serde::de::DeserializeOwned>(&self) -> Result<T, vitrine_core::ApiError> {
        serde_json::from_value(Value::Object(self.map.clone())).map_err(|e| {
            vitrine_core::ApiError::invalid_param(format!("Invalid parameters: {e}")).graph_scope()
        })
    }

    pub fn into_value(self) -> Value {
        Value::Object(self.map)
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

fn merge_pairs(map: &mut Map<String, Value>, pairs: Vec<(String, String)>) {
    for (k, v) in pairs {
        map.insert(k, decode_scalar(v));
    }
}

pub async fn parse(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Params {
    let mut map = Map::new();
    let mut body_error = None;
    if let Some(q) = query {
        match serde_urlencoded::from_str::<Vec<(String, String)>>(q) {
            Ok(pairs) => merge_pairs(&mut map, pairs),
            Err(e) => body_error = Some(format!("Invalid query string: {e}")),
        }
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Params { map, body_error };
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
            Ok(pairs) => merge_pairs(&mut map, pairs),
            Err(e) => body_error = Some(format!("Invalid form body: {e}")),
        }
    } else if content_type.starts_with("multipart/form-data") {
        match multipart_pairs(raw_content_type, body).await {
            Ok(pairs) => merge_pairs(&mut map, pairs),
            Err(e) => body_error = Some(format!("Invalid multipart body: {e}")),
        }
    } else {
        // JSON by content type, and also when the type is missing or unusual: SDKs and curl
        // users send JSON without the header often enough.
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(obj)) => {
                for (k, v) in obj {
                    map.insert(k, v);
                }
            }
            Ok(_) => body_error = Some("The request body must be a JSON object.".to_owned()),
            Err(e) => body_error = Some(format!("Invalid JSON in the request body: {e}")),
        }
    }
    Params { map, body_error }
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
                assert!(!params.map.is_empty(), "{seed}");
            }
        }
    }
}
