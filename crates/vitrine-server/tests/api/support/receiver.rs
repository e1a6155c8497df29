//! A fake business endpoint: records every request with its headers and raw bytes, answers the
//! verification handshake, and fails or hangs on demand.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Default)]
pub struct Behaviour {
    /// Answer 500 to this many POSTs first.
    pub fail_first: usize,
    /// Answer this many POSTs first with a 307 to `/moved` (which records and answers 200).
    pub redirect_first: usize,
    /// Never answer POSTs (until the client times out).
    pub hang: bool,
    /// Echo the handshake challenge only for this token (`None`: refuse every handshake).
    pub verify_token: Option<String>,
}

struct Inner {
    behaviour: Behaviour,
    posts: AtomicUsize,
    received: Mutex<Vec<Received>>,
    moved: Mutex<Vec<Received>>,
    handshakes: Mutex<Vec<HashMap<String, String>>>,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    inner: Arc<Inner>,
}

impl Receiver {
    pub async fn start(behaviour: Behaviour) -> Receiver {
        Self::start_on("127.0.0.1:0", behaviour).await
    }

    pub async fn start_on(addr: &str, behaviour: Behaviour) -> Receiver {
        let inner = Arc::new(Inner {
            behaviour,
            posts: AtomicUsize::new(0),
            received: Mutex::new(vec![]),
            moved: Mutex::new(vec![]),
            handshakes: Mutex::new(vec![]),
        });
        let app = Router::new()
            .route("/hook", get(handshake).post(receive))
            .route("/moved", axum::routing::any(moved))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { url, inner }
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.received.lock().unwrap().clone()
    }

    /// What reached `/moved`, where redirects point.
    pub fn moved(&self) -> Vec<Received> {
        self.inner.moved.lock().unwrap().clone()
    }

    pub fn handshakes(&self) -> Vec<HashMap<String, String>> {
        self.inner.handshakes.lock().unwrap().clone()
    }

    /// Live apps: waits until at least `n` POSTs were received, with a deadline (manual apps
    /// run what is due instead: `TestApp::received`).
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let r = self.received();
            if r.len() >= n {
                return r;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "only {} of {n} webhooks arrived",
                r.len()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

async fn handshake(
    State(inner): State<Arc<Inner>>,
    Query(q): Query<HashMap<String, String>>,
) -> (StatusCode, String) {
    inner.handshakes.lock().unwrap().push(q.clone());
    let ok = q.get("hub.mode").map(String::as_str) == Some("subscribe")
        && inner.behaviour.verify_token.is_some()
        && q.get("hub.verify_token") == inner.behaviour.verify_token.as_ref();
    match (ok, q.get("hub.challenge")) {
        (true, Some(c)) => (StatusCode::OK, c.clone()),
        _ => (StatusCode::FORBIDDEN, "nope".into()),
    }
}

fn record(headers: &HeaderMap, body: &Bytes) -> Received {
    Received {
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: body.to_vec(),
    }
}

async fn receive(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, HeaderMap) {
    let n = inner.posts.fetch_add(1, Ordering::SeqCst);
    inner.received.lock().unwrap().push(record(&headers, &body));
    if inner.behaviour.hang {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    let mut answer = HeaderMap::new();
    let status = if n < inner.behaviour.redirect_first {
        answer.insert(axum::http::header::LOCATION, "/moved".parse().unwrap());
        StatusCode::TEMPORARY_REDIRECT
    } else if n < inner.behaviour.fail_first {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    };
    (status, answer)
}

async fn moved(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    inner.moved.lock().unwrap().push(record(&headers, &body));
    StatusCode::OK
}
