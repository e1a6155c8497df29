//! `spawn_app()`: the real router on port 0 with a fresh database per test, and a fake business
//! endpoint (`receiver`) that records every webhook.
//!
//! Manual by default: no webhook dispatcher or cluster task, and a wall clock that stands still
//! at a fixed instant. The test moves time (`tick`, or `advance` on a frozen sandbox clock) by
//! the amounts the behaviour settings say (`sent_ms`, `delivered_ms`, `review_ms`, `batch_ms`)
//! and runs what is due (`run_due`, `deliver_due`), so what it sees does not depend on how fast
//! the machine is, and it can prove that nothing more happens without sleeping. The waiting
//! helpers (`wait_webhooks`, `inbound_webhook`, `received`) run what is due and look once.
//!
//! `spawn_live()` / `Options { live: true, .. }`: the dispatcher and the cluster task run on the
//! system clock and the helpers poll with a deadline. A few tests do so on purpose (the running
//! dispatcher's retries, a restart, nodes following each other, the event stream, graceful
//! shutdown), each saying why.
//!
//! Its length: the whole harness in one place, so tests have one import.

#![allow(dead_code)]

pub mod receiver;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use vitrine_core::clock::SandboxClock;
use vitrine_core::directory::DirectoryData;
use vitrine_core::ids::IdGen;
use vitrine_core::settings::Behaviour;
use vitrine_core::store::Store;
use vitrine_core::{seed, Sandbox, SandboxOptions};
use vitrine_server::AppState;
use vitrine_store_postgres::{PgStore, ScratchDatabase};
use vitrine_store_sqlite::SqliteStore;

/// Which backend the API tests run on: `VITRINE_TEST_DATABASE=sqlite` (default) or `postgres`
/// (a fresh database per test on `VITRINE_TEST_POSTGRES_URL`, default
/// postgres://postgres@127.0.0.1:5432/test).
pub fn backend_is_postgres() -> bool {
    match std::env::var("VITRINE_TEST_DATABASE").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("VITRINE_TEST_DATABASE must be sqlite or postgres, not {other}"),
    }
}

/// A database for one test, removed when dropped.
pub struct TestDb {
    pub url: String,
    _sqlite_dir: Option<tempfile::TempDir>,
    pg: Option<ScratchDatabase>,
}

pub async fn fresh_database() -> TestDb {
    if backend_is_postgres() {
        let admin = std::env::var("VITRINE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let db = ScratchDatabase::create(&admin)
            .await
            .expect("VITRINE_TEST_DATABASE=postgres but PostgreSQL is not reachable");
        TestDb {
            url: db.url.clone(),
            _sqlite_dir: None,
            pg: Some(db),
        }
    } else {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("vitrine.db").display());
        TestDb {
            url,
            _sqlite_dir: Some(dir),
            pg: None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(db) = self.pg.take() {
            // Drop is not async: drop the database from a thread with its own runtime.
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    let _ = rt.block_on(db.drop_now());
                }
            })
            .join();
        }
    }
}

pub async fn open_store(url: &str) -> Arc<dyn Store> {
    if url.starts_with("postgres") {
        Arc::new(PgStore::open(url).await.unwrap())
    } else {
        Arc::new(SqliteStore::open(url).await.unwrap())
    }
}

pub const TOKEN: &str = seed::ACCESS_TOKEN;
pub const PHONE: &str = seed::PHONE_NUMBER_ID;
pub const CATALOG: &str = seed::CATALOG_ID;
pub const CUSTOMER: &str = seed::CUSTOMER_WA_ID;
/// The demo customer's business-scoped user id in the demo business's webhooks.
pub const CUSTOMER_BSUID: &str = "US.19683022095629746461";

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub sandbox: Arc<Sandbox>,
    pub store: Arc<dyn Store>,
    /// The database this app owns (none when the test passed its own URL).
    _db: Option<TestDb>,
    dispatcher: Option<vitrine_server::dispatcher::Dispatcher>,
    cluster: Option<vitrine_server::cluster::Cluster>,
    /// The manual wall clock (milliseconds), when the test drives time.
    time: Option<Arc<std::sync::atomic::AtomicI64>>,
    /// What webhooks are sent with.
    hooks: vitrine_server::webhook_client::WebhookClient,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    /// Transparent mode, when the test asked for it.
    pub transparent: Option<Transparent>,
}

/// Transparent mode of a test app: its CA and `--tls-listen` address.
pub struct Transparent {
    pub ca_pem: String,
    pub ca_dir: tempfile::TempDir,
    pub tls_addr: SocketAddr,
}

/// Changes the demo data before it is seeded.
pub type Customize = Box<dyn FnOnce(&mut DirectoryData) + Send>;

#[derive(Default)]
pub struct Options {
    pub behaviour: Behaviour,
    pub admin_token: Option<String>,
    pub database: Option<String>,
    pub customize: Option<Customize>,
    /// Transparent mode on, with a fresh CA and a `--tls-listen` on a free port.
    pub transparent: bool,
    /// The dispatcher and the cluster task run on the system clock (see the module's
    /// documentation); off: the test drives time and the background work itself.
    pub live: bool,
}

/// A wall clock that moves only when the test says.
struct ManualTime(Arc<std::sync::atomic::AtomicI64>);

impl vitrine_core::clock::TimeSource for ManualTime {
    fn wall_ms(&self) -> i64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A manual app with the default settings.
pub async fn spawn_app() -> TestApp {
    spawn_with(Options::default()).await
}

/// A live app with the default settings: for the few tests about the background tasks
/// themselves; each says why it needs them.
pub async fn spawn_live() -> TestApp {
    spawn_with(Options {
        live: true,
        ..Default::default()
    })
    .await
}

pub async fn spawn_with(options: Options) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let (url, db) = match options.database {
        Some(url) => (url, None),
        None => {
            let db = fresh_database().await;
            (db.url.clone(), Some(db))
        }
    };
    let store = open_store(&url).await;
    if let Some(customize) = options.customize {
        let mut data = seed::demo(&base);
        customize(&mut data);
        store.seed(&data).await.unwrap();
    }
    // A manual clock starts at a fixed instant (2026-06-01T12:00:00Z): runs are alike.
    let time =
        (!options.live).then(|| Arc::new(std::sync::atomic::AtomicI64::new(1_780_315_200_000)));
    let clock = match &time {
        Some(t) => SandboxClock::new(ManualTime(t.clone())),
        None => SandboxClock::system(),
    };
    let sandbox = Arc::new(
        Sandbox::open(
            store.clone(),
            Arc::new(clock),
            Arc::new(IdGen::from_entropy()),
            SandboxOptions {
                behaviour: options.behaviour,
                public_url: base.clone(),
                seed_demo: true,
            },
        )
        .await
        .unwrap(),
    );
    sandbox.greet_demo_customer().await.unwrap();
    if let Some(t) = &time {
        // The test starts 1 ms after the demo customer's greeting (a live app starts a few ms
        // after it): what the test does is newer than the greeting.
        t.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    let client = vitrine_server::webhook_client::WebhookClient::new(
        std::time::Duration::from_millis(sandbox.behaviour.webhooks.timeout_ms),
    );
    let (dispatcher, cluster) = if options.live {
        (
            Some(vitrine_server::dispatcher::Dispatcher::spawn(
                sandbox.clone(),
                client.clone(),
            )),
            Some(vitrine_server::cluster::Cluster::spawn(sandbox.clone())),
        )
    } else {
        (None, None)
    };
    let hooks = client.clone();
    let state = AppState::new(
        sandbox.clone(),
        options.admin_token.as_deref(),
        &base,
        client,
    );
    let (https, transparent) = if options.transparent {
        let ca_dir = tempfile::tempdir().unwrap();
        let ca = vitrine_server::tls::LocalCa::create(ca_dir.path(), false).unwrap();
        let tls_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let facts = Transparent {
            ca_pem: ca.cert_pem().to_owned(),
            tls_addr: tls_listener.local_addr().unwrap(),
            ca_dir,
        };
        let https = vitrine_server::proxy::Transparent {
            tls: Arc::new(ca.tls().unwrap()),
            tls_listener: Some(tls_listener),
        };
        (Ok(https), Some(facts))
    } else {
        (Err("off in this test".into()), None)
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        vitrine_server::serve(listener, state, https, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    TestApp {
        base,
        client,
        sandbox,
        store,
        _db: db,
        dispatcher,
        cluster,
        time,
        hooks,
        shutdown: Some(tx),
        server: Some(server),
        transparent,
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    async fn read(r: reqwest::Response) -> Resp {
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a Graph error: exact status and exact body, `fbtrace_id` aside (it must match the
    /// `x-fb-trace-id` header).
    #[track_caller]
    pub fn assert_error(&self, status: u16, expected_error: Value) {
        assert_eq!(self.status.as_u16(), status, "status; body: {}", self.text);
        let trace = self
            .header("x-fb-trace-id")
            .expect("x-fb-trace-id header")
            .to_owned();
        let mut expected = json!({ "error": expected_error });
        expected["error"]["fbtrace_id"] = json!(trace);
        assert_eq!(self.body, expected, "body: {}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/json; charset=UTF-8")
        );
    }

    /// Asserts a WhatsApp 131009 with the given details.
    #[track_caller]
    pub fn assert_131009(&self, details: &str) {
        self.assert_error(
            400,
            json!({
                "message": "(#131009) Parameter value is not valid",
                "type": "OAuthException",
                "code": 131009,
                "error_data": { "messaging_product": "whatsapp", "details": details },
            }),
        );
    }

    /// Asserts a WhatsApp 131008 naming the missing parameter.
    #[track_caller]
    pub fn assert_131008(&self, param: &str) {
        self.assert_error(400, json!({
            "message": "(#131008) Required parameter is missing",
            "type": "OAuthException",
            "code": 131008,
            "error_data": { "messaging_product": "whatsapp", "details": format!("The parameter {param} is required.") },
        }));
    }

    /// Asserts a code-100 error with the given sentence and optional details.
    #[track_caller]
    pub fn assert_100(&self, sentence: &str, details: Option<&str>) {
        let mut e = json!({ "message": format!("(#100) {sentence}"), "type": "OAuthException", "code": 100 });
        if let Some(d) = details {
            e["error_data"] = json!({ "messaging_product": "whatsapp", "details": d });
        }
        self.assert_error(400, e);
    }

    /// The wamid of a 200 send.
    #[track_caller]
    pub fn wamid(&self) -> String {
        assert_eq!(self.status, StatusCode::OK, "body: {}", self.text);
        self.body["messages"][0]["id"].as_str().unwrap().to_owned()
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Resp {
        Resp::read(req.send().await.unwrap()).await
    }

    /// POST /v23.0/{phone}/messages with the demo token and a JSON body.
    pub async fn post_message(&self, body: Value) -> Resp {
        self.post_message_as(PHONE, TOKEN, body).await
    }

    pub async fn post_message_as(&self, phone: &str, token: &str, body: Value) -> Resp {
        self.send(
            self.client
                .post(self.url(&format!("/v23.0/{phone}/messages")))
                .bearer_auth(token)
                .json(&body),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.client.get(self.url(path))).await
    }

    pub async fn post_json(&self, path: &str, body: Value) -> Resp {
        self.send(self.client.post(self.url(path)).json(&body))
            .await
    }

    /// Points the demo app's webhook at `url` (no handshake).
    pub async fn set_webhook(&self, url: &str) {
        self.sandbox
            .set_app_callback(&seed::APP_ID.into(), url)
            .await
            .unwrap();
    }

    /// Moves sandbox time forward (the operator's clock: works on live apps, and on a frozen
    /// sandbox clock, which [`TestApp::tick`] does not move).
    pub fn advance(&self, ms: i64) {
        self.sandbox.clock.advance_ms(ms);
    }

    /// Whether the test drives time and the background work (the default).
    pub fn is_manual(&self) -> bool {
        self.time.is_some()
    }

    /// Manual apps: moves the wall clock (and so sandbox time, unless it is frozen) forward by
    /// `ms`.
    pub fn tick(&self, ms: i64) {
        let time = self
            .time
            .as_ref()
            .expect("tick is for manual apps (spawn_app, not spawn_live)");
        time.fetch_add(ms, std::sync::atomic::Ordering::SeqCst);
    }

    /// How long after a send is accepted its `sent` status is due, by the webhook settings.
    pub fn sent_ms(&self) -> i64 {
        self.sandbox.behaviour.webhooks.sent_after_ms
    }

    /// How long after a send is accepted its `delivered` status is due, by the webhook settings
    /// (`sent`, then `delivered` after it).
    pub fn delivered_ms(&self) -> i64 {
        let w = &self.sandbox.behaviour.webhooks;
        w.sent_after_ms + w.delivered_after_ms
    }

    /// How long after its creation a template's review ends, by the behaviour settings.
    pub fn review_ms(&self) -> i64 {
        self.sandbox.behaviour.template_review_ms
    }

    /// How long after it is accepted an `items_batch` request is applied, by the behaviour
    /// settings.
    pub fn batch_ms(&self) -> i64 {
        self.sandbox.behaviour.batch_delay_ms
    }

    /// Manual apps: does what the background tasks would have done by now, and waits for it:
    /// follows the change log, ends due reviews and batches, removes expired media, and sends
    /// every due webhook (returns how many were sent).
    pub async fn run_due(&self) -> usize {
        assert!(
            self.is_manual(),
            "run_due is for manual apps (spawn_app, not spawn_live)"
        );
        self.sandbox.sync_directory().await.unwrap();
        // The background tick takes a few batches and media at a time; here, all that is due.
        while self.sandbox.process_due_batches().await.unwrap() > 0 {}
        self.sandbox.process_due_reviews().await.unwrap();
        while self.sandbox.purge_media().await.unwrap() > 0 {}
        self.sandbox.prune_logs().await.unwrap();
        vitrine_server::dispatcher::deliver_due(&self.sandbox, &self.hooks)
            .await
            .unwrap()
    }

    /// Manual apps: sends every due webhook and nothing else (no catching up with the change
    /// log first, as [`TestApp::run_due`] does); returns how many were sent.
    pub async fn deliver_due(&self) -> usize {
        assert!(
            self.is_manual(),
            "deliver_due is for manual apps (spawn_app, not spawn_live)"
        );
        vitrine_server::dispatcher::deliver_due(&self.sandbox, &self.hooks)
            .await
            .unwrap()
    }

    /// Manual apps: moves time by `ms`, then [`TestApp::run_due`].
    pub async fn tick_and_run(&self, ms: i64) -> usize {
        self.tick(ms);
        self.run_due().await
    }

    /// The webhooks `rx` has received, once there are `n`. Manual apps run what is due first
    /// and then there must be exactly `n` (time does not move here: tick first for what is
    /// due later); live apps wait for at least `n`, with a deadline.
    pub async fn received(&self, rx: &receiver::Receiver, n: usize) -> Vec<receiver::Received> {
        if !self.is_manual() {
            return rx.wait_for(n).await;
        }
        self.run_due().await;
        let got = rx.received();
        assert_eq!(
            got.len(),
            n,
            "webhooks received after running what is due: {:?}",
            got.iter()
                .map(|r| String::from_utf8_lossy(&r.body).into_owned())
                .collect::<Vec<_>>()
        );
        got
    }

    /// The delivery log filtered by `query` once `pred` holds. Manual apps run what is due
    /// first and then `pred` must hold (time does not move here); live apps poll until it does,
    /// with a deadline.
    pub async fn wait_webhooks(&self, query: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let manual = self.is_manual();
        if manual {
            self.run_due().await;
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let r = self
                .get(&format!("/_vitrine/webhooks?limit=500&{query}"))
                .await;
            let rows = r.body["data"].as_array().cloned().unwrap_or_default();
            if pred(&rows) {
                return rows;
            }
            assert!(
                !manual && std::time::Instant::now() < deadline,
                "webhooks never matched; last: {rows:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// `messages[0]` of the first webhook logged for the customer's message `wamid`.
    pub async fn inbound_webhook(&self, wamid: &Value) -> Value {
        let wamid = wamid.as_str().expect("a wamid string");
        let rows = self
            .wait_webhooks(&format!("wamid={wamid}"), |w| !w.is_empty())
            .await;
        let body: Value =
            serde_json::from_str(rows[0]["body"].as_str().expect("a body")).expect("JSON");
        body["entry"][0]["changes"][0]["value"]["messages"][0].clone()
    }

    pub async fn stored(&self, wamid: &str) -> Value {
        let r = self.get(&format!("/_vitrine/messages/{wamid}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body
    }

    pub async fn stop(mut self) {
        if let Some(d) = self.dispatcher.take() {
            d.stop().await;
        }
        if let Some(c) = self.cluster.take() {
            c.stop().await;
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        self.store.close().await;
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A minimal valid body of each kind.
pub fn text(body: &str) -> Value {
    json!({ "messaging_product": "whatsapp", "to": CUSTOMER, "type": "text", "text": { "body": body } })
}

pub fn interactive(i: Value) -> Value {
    json!({ "messaging_product": "whatsapp", "to": CUSTOMER, "type": "interactive", "interactive": i })
}

pub fn spm(rid: &str) -> Value {
    interactive(json!({
        "type": "product",
        "body": { "text": "Back in stock" },
        "action": { "catalog_id": CATALOG, "product_retailer_id": rid }
    }))
}

pub fn mpm(sections: Value) -> Value {
    interactive(json!({
        "type": "product_list",
        "header": { "type": "text", "text": "Our picks" },
        "body": { "text": "Tap to see more" },
        "action": { "catalog_id": CATALOG, "sections": sections }
    }))
}

pub fn items(rids: &[&str]) -> Value {
    Value::Array(
        rids.iter()
            .map(|r| json!({ "product_retailer_id": r }))
            .collect(),
    )
}

pub fn catalog_message(params: Option<Value>) -> Value {
    let mut action = json!({ "name": "catalog_message" });
    if let Some(p) = params {
        action["parameters"] = p;
    }
    interactive(
        json!({ "type": "catalog_message", "body": { "text": "Browse our catalog" }, "action": action }),
    )
}

/// One part of a multipart body.
pub enum Part<'a> {
    Text(&'a str, &'a str),
    /// name, file name, content type (None: no Content-Type header), bytes.
    File(&'a str, &'a str, Option<&'a str>, &'a [u8]),
}

/// A `multipart/form-data` body and its content type.
pub fn multipart(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = "vitrine-test-boundary-7d1f";
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match p {
            Part::Text(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                        .as_bytes(),
                );
            }
            Part::File(name, filename, ct, bytes) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
                    )
                    .as_bytes(),
                );
                if let Some(ct) = ct {
                    body.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
                }
                body.extend_from_slice(b"\r\n");
                body.extend_from_slice(bytes);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Deterministic bytes that look like nothing in particular.
pub fn noise(len: usize, seed: u8) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9 ^ u32::from(seed);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x & 0xff) as u8
        })
        .collect()
}

impl TestApp {
    /// POST /v23.0/{phone}/media with a multipart body (query string optional).
    pub async fn upload_as(
        &self,
        phone: &str,
        token: &str,
        query: &str,
        parts: &[Part<'_>],
    ) -> Resp {
        let (ct, body) = multipart(parts);
        self.send(
            self.client
                .post(self.url(&format!("/v23.0/{phone}/media{query}")))
                .bearer_auth(token)
                .header("content-type", ct)
                .body(body),
        )
        .await
    }

    /// Uploads `bytes` as pywa does (file with its type, messaging_product, type); the media id.
    pub async fn upload(&self, bytes: &[u8], mime: &str, filename: &str) -> String {
        let r = self
            .upload_as(
                PHONE,
                TOKEN,
                "",
                &[
                    Part::File("file", filename, Some(mime), bytes),
                    Part::Text("messaging_product", "whatsapp"),
                    Part::Text("type", mime),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body["id"].as_str().unwrap().to_owned()
    }

    /// GET /v23.0/{path} with a token.
    pub async fn get_as(&self, path: &str, token: &str) -> Resp {
        self.send(
            self.client
                .get(self.url(&format!("/v23.0/{path}")))
                .bearer_auth(token),
        )
        .await
    }

    /// GET a download URL with a token: status, content type and bytes.
    pub async fn download(
        &self,
        url: &str,
        token: Option<&str>,
    ) -> (StatusCode, Option<String>, Vec<u8>) {
        let mut req = self.client.get(url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let ct = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        (status, ct, r.bytes().await.unwrap().to_vec())
    }
}

/// The 100/33 Meta answers for an unknown or invisible node.
pub fn unsupported(method: &str, id: &str) -> Value {
    json!({
        "message": format!("Unsupported {method} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"),
        "type": "GraphMethodException",
        "code": 100,
        "error_subcode": 33,
    })
}
