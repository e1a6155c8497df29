//! Vitrine as the scenario runner sees it: its HTTP API only (`/_vitrine/…` for customers,
//! the message log and the clock; Graph calls for fixtures), so a run against `--server` and
//! an in-process run take the same path.

use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A failed call: the HTTP status (0 when Vitrine could not be reached) and its message.
#[derive(Debug, Clone, PartialEq)]
pub struct CallError {
    pub status: u16,
    pub message: String,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.status == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{} (HTTP {})", self.message, self.status)
        }
    }
}

impl std::error::Error for CallError {}

/// The facts of the sandbox the runner needs (`GET /_vitrine/sandbox`).
#[derive(Debug, Clone)]
pub struct Facts {
    pub raw: Value,
    pub phone_number_id: String,
    pub access_token: String,
    pub api_version: String,
}

pub struct Vitrine {
    http: reqwest::Client,
    /// Every node's base URL; customer actions are spread over them.
    bases: Vec<String>,
    next: AtomicUsize,
    admin_token: Option<String>,
}

impl Vitrine {
    pub fn new(bases: Vec<String>, admin_token: Option<String>) -> anyhow::Result<Vitrine> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(256)
            .build()?;
        let bases: Vec<String> = bases
            .into_iter()
            .map(|b| b.trim_end_matches('/').to_owned())
            .collect();
        anyhow::ensure!(!bases.is_empty(), "no Vitrine URL");
        Ok(Vitrine {
            http,
            bases,
            next: AtomicUsize::new(0),
            admin_token,
        })
    }

    pub fn bases(&self) -> &[String] {
        &self.bases
    }

    fn base(&self) -> &str {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.bases.len();
        &self.bases[i]
    }

    fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        let req = self.http.request(method, url);
        match &self.admin_token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Value, CallError> {
        let resp = req.send().await.map_err(|e| CallError {
            status: 0,
            message: format!("Vitrine did not answer: {e}"),
        })?;
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            return Ok(body);
        }
        let e = &body["error"];
        let message = match (e["message"].as_str(), e["error_data"]["details"].as_str()) {
            (Some(m), Some(d)) => format!("{m}: {d}"),
            (Some(m), None) => m.to_owned(),
            _ => text.chars().take(200).collect(),
        };
        Err(CallError { status, message })
    }

    /// A `/_vitrine/…` call on one of the nodes (spread round robin).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, CallError> {
        let url = format!("{}/_vitrine{path}", self.base());
        let mut req = self.request(method, &url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.send(req).await
    }

    /// The same call on every node (to add up per-node counters).
    pub async fn call_each(&self, path: &str) -> Vec<Result<Value, CallError>> {
        let mut out = vec![];
        for base in &self.bases {
            let url = format!("{base}/_vitrine{path}");
            out.push(self.send(self.request(reqwest::Method::GET, &url)).await);
        }
        out
    }

    pub async fn get(&self, path: &str) -> Result<Value, CallError> {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Result<Value, CallError> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// A Graph API call with the sandbox's token.
    pub async fn graph(
        &self,
        facts: &Facts,
        method: reqwest::Method,
        path: &str,
        params: Value,
    ) -> Result<Value, CallError> {
        let url = format!("{}/{}/{path}", self.base(), facts.api_version);
        let req = self
            .http
            .request(method, &url)
            .bearer_auth(&facts.access_token)
            .json(&params);
        self.send(req).await
    }

    pub async fn facts(&self) -> Result<Facts, CallError> {
        let raw = self.get("/sandbox").await?;
        let s = |k: &str| raw[k].as_str().unwrap_or_default().to_owned();
        Ok(Facts {
            phone_number_id: s("phone_number_id"),
            access_token: s("access_token"),
            api_version: raw["api_version"].as_str().unwrap_or("v23.0").to_owned(),
            raw,
        })
    }

    /// Sandbox time now (ms).
    pub async fn clock_now(&self) -> Result<i64, CallError> {
        Ok(self.get("/clock").await?["now_ms"].as_i64().unwrap_or(0))
    }

    /// The cursor after the newest business message (where following starts).
    pub async fn newest_message_cursor(&self) -> Result<i64, CallError> {
        let r = self.get("/messages?limit=1").await?;
        Ok(r["paging"]["after"]
            .as_str()
            .and_then(|c| c.parse().ok())
            .unwrap_or(0))
    }

    /// Waits until Vitrine answers its health check.
    pub async fn wait_healthy(&self, for_how_long: Duration) -> Result<(), CallError> {
        let deadline = tokio::time::Instant::now() + for_how_long;
        loop {
            match self.get("/health").await {
                Ok(_) => return Ok(()),
                Err(e) if tokio::time::Instant::now() >= deadline => return Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }
}

/// `{"phone_number_id": …}` added to a body.
pub fn scoped(mut body: Value, phone: &str) -> Value {
    body["phone_number_id"] = json!(phone);
    body
}
