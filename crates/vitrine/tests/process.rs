//! The real binary: start-up banner, and `kill -9` in the middle of webhook deliveries loses
//! nothing (every webhook arrives after a restart).
//!
//! Its length: each test starts the real binary; they share the process helpers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "EAAVitrineDemoSystemUserToken0000000000000000000000000000000000";
const PHONE: &str = "113859604417350";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Vitrine {
    child: Child,
    base: String,
    /// Where its local CA goes (not the working directory, for a database that is no file).
    _ca: tempfile::TempDir,
}

impl Vitrine {
    async fn start(args: &[&str]) -> Vitrine {
        let port = free_port();
        let ca = tempfile::tempdir().unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_vitrine"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(args)
            .env("VITRINE_CA_DIR", ca.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while client
            .get(format!("{base}/_vitrine/health"))
            .send()
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "vitrine did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Vitrine {
            child,
            base,
            _ca: ca,
        }
    }

    fn kill9(mut self) {
        // SIGKILL: no graceful shutdown, no flush.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Vitrine {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Default)]
struct Rx {
    /// While true, POSTs are received but never answered.
    hang: AtomicBool,
    bodies: Mutex<Vec<Vec<u8>>>,
}

async fn receive(State(rx): State<Arc<Rx>>, body: Bytes) -> StatusCode {
    rx.bodies.lock().unwrap().push(body.to_vec());
    if rx.hang.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    StatusCode::OK
}

#[tokio::test]
async fn kill_9_mid_delivery_loses_no_webhook() {
    let rx = Arc::new(Rx::default());
    rx.hang.store(true, Ordering::SeqCst);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(rx.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("vitrine.toml");
    std::fs::write(
        &config,
        "[behaviour.webhooks]\nsent_after_ms = 0\ndelivered_after_ms = 0\ntimeout_ms = 1000\nretry_schedule_s = [1]\n",
    )
    .unwrap();
    let db = format!("sqlite://{}", dir.path().join("v.db").display());
    let args = [
        "--database",
        db.as_str(),
        "--webhook-url",
        hook.as_str(),
        "--config",
        config.to_str().unwrap(),
    ];

    let vitrine = Vitrine::start(&args).await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut wamids = HashSet::new();
    for i in 0..5 {
        let r: serde_json::Value = client
            .post(format!("{}/v23.0/{PHONE}/messages", vitrine.base))
            .bearer_auth(TOKEN)
            .json(&serde_json::json!({ "messaging_product": "whatsapp", "to": "16505550123", "text": { "body": format!("m{i}") } }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        wamids.insert(r["messages"][0]["id"].as_str().unwrap().to_owned());
    }
    // Deliveries are in flight (the endpoint holds them): kill the process.
    let deadline = Instant::now() + Duration::from_secs(10);
    while rx.bodies.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no delivery started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    vitrine.kill9();
    // What reached the endpoint before the kill was never acknowledged: forget it.
    rx.hang.store(false, Ordering::SeqCst);
    rx.bodies.lock().unwrap().clear();
    let vitrine = Vitrine::start(&args).await;
    // Every (wamid, status) pair arrives: 5 messages x sent + delivered.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let seen: HashSet<(String, String)> = rx
            .bodies
            .lock()
            .unwrap()
            .iter()
            .filter_map(|b| {
                let v: serde_json::Value = serde_json::from_slice(b).unwrap();
                // Status webhooks only (the demo customer's "Hi" also arrives).
                let s = &v["entry"][0]["changes"][0]["value"]["statuses"][0];
                Some((
                    s["id"].as_str()?.to_owned(),
                    s["status"].as_str()?.to_owned(),
                ))
            })
            .collect();
        if seen.len() == 10 {
            assert!(seen.iter().all(|(w, _)| wamids.contains(w)));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {} of 10 webhooks after the restart",
            seen.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // And every message that got a 200 is still there.
    for w in &wamids {
        let r = client
            .get(format!("{}/_vitrine/messages/{w}", vitrine.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
}

#[tokio::test]
async fn banner_prints_what_a_first_message_needs() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database",
            "sqlite::memory:",
        ])
        .current_dir(dir.path())
        .env_remove("VITRINE_CA_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let text = tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut buf = vec![0u8; 8192];
        let mut text = String::new();
        while !text.contains("-d '") {
            let n = out.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            text.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        text
    })
    .await
    .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let graph = format!("http://127.0.0.1:{port}/v23.0");
    for needle in [
        graph.as_str(),
        PHONE,
        TOKEN,
        "110457892231604",
        "771804362295518",
        "curl -sS",
        "product_list",
    ] {
        assert!(text.contains(needle), "banner lacks {needle}:\n{text}");
    }
}

/// Every (wamid, status) the receiver got, with how many times.
fn received_statuses(rx: &Rx) -> std::collections::HashMap<(String, String), usize> {
    let mut seen = std::collections::HashMap::new();
    for b in rx.bodies.lock().unwrap().iter() {
        let v: serde_json::Value = serde_json::from_slice(b).unwrap();
        let Some(statuses) = v["entry"][0]["changes"][0]["value"]["statuses"].as_array() else {
            continue; // a customer's message
        };
        for s in statuses {
            let key = (
                s["id"].as_str().unwrap().to_owned(),
                s["status"].as_str().unwrap().to_owned(),
            );
            *seen.entry(key).or_insert(0) += 1;
        }
    }
    seen
}

async fn send(client: &reqwest::Client, base: &str, i: usize) -> Option<String> {
    // The customer writes first, so that the 24-hour window is open.
    let hi = client
        .post(format!("{base}/_vitrine/customers/1650555{i:04}/messages"))
        .json(&serde_json::json!({ "text": "Hi" }))
        .send()
        .await
        .ok()?;
    if hi.status().as_u16() != 200 {
        return None;
    }
    let r = client
        .post(format!("{base}/v23.0/{PHONE}/messages"))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({ "messaging_product": "whatsapp", "to": format!("1650555{i:04}"), "text": { "body": format!("m{i}") } }))
        .send()
        .await
        .ok()?;
    if r.status().as_u16() != 200 {
        return None;
    }
    let v: serde_json::Value = r.json().await.ok()?;
    v["messages"][0]["id"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn two_nodes_on_one_postgres_database() {
    let admin = std::env::var("VITRINE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let db = vitrine_store_postgres::ScratchDatabase::create(&admin)
        .await
        .expect("PostgreSQL must be reachable for the two-node test");

    let rx = Arc::new(Rx::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(rx.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("vitrine.toml");
    std::fs::write(
        &config,
        "[behaviour.webhooks]\nsent_after_ms = 0\ndelivered_after_ms = 0\ntimeout_ms = 1000\nretry_schedule_s = [1]\n",
    )
    .unwrap();
    let args = [
        "--database",
        db.url.as_str(),
        "--webhook-url",
        hook.as_str(),
        "--config",
        config.to_str().unwrap(),
    ];
    let a = Vitrine::start(&args).await;
    let b = Vitrine::start(&args).await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();

    // A change made on one node reaches the other: lift the throughput limit on A, see it on B.
    let r = client
        .post(format!(
            "{}/_vitrine/phone_numbers/{PHONE}/throughput",
            a.base
        ))
        .json(&serde_json::json!({ "level": "HIGH", "unlimited": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let minted: serde_json::Value = client
        .post(format!("{}/_vitrine/tokens", a.base))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = minted["access_token"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r: serde_json::Value = client
            .get(format!("{}/v23.0/{PHONE}?fields=throughput", b.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if r["throughput"]["level"] == "HIGH" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "node B never saw node A's changes: {r}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Messages sent to both nodes: every status webhook exactly once.
    let mut wamids = vec![];
    for i in 0..60 {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        wamids.push(send(&client, base, i).await.expect("send accepted"));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while received_statuses(&rx).len() < 120 {
        assert!(
            Instant::now() < deadline,
            "only {} of 120 webhooks",
            received_statuses(&rx).len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seen = received_statuses(&rx);
    assert!(
        seen.values().all(|n| *n == 1),
        "a webhook was delivered twice by the two nodes"
    );
    assert!(wamids
        .iter()
        .all(|w| seen.contains_key(&(w.clone(), "sent".into()))
            && seen.contains_key(&(w.clone(), "delivered".into()))));

    // Kill node B in the middle of a load: nothing that got a 200 is lost.
    let mut accepted = vec![];
    let mut b = Some(b);
    for i in 100..260 {
        if i == 160 {
            b.take().unwrap().kill9();
        }
        let base = match (&b, i % 2) {
            (Some(b), 1) => b.base.clone(),
            _ => a.base.clone(),
        };
        if let Some(w) = send(&client, &base, i).await {
            accepted.push(w);
        }
    }
    assert!(
        accepted.len() >= 150,
        "node A kept accepting: {}",
        accepted.len()
    );
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let seen = received_statuses(&rx);
        let missing = accepted
            .iter()
            .filter(|w| {
                !seen.contains_key(&((*w).clone(), "delivered".into()))
                    || !seen.contains_key(&((*w).clone(), "sent".into()))
            })
            .count();
        if missing == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{missing} accepted messages still lack webhooks"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for w in &accepted {
        let r = client
            .get(format!("{}/_vitrine/messages/{w}", a.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "message {w} lost");
    }
    drop(a);
    db.drop_now().await.unwrap();
}

#[tokio::test]
async fn catalog_import_command() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed.csv");
    let mut text =
        String::from("id,title,description,availability,condition,price,link,image_link\n");
    for i in 0..500 {
        text.push_str(&format!(
            "cli-{i},Item {i},Desc,in stock,new,{i}.50 USD,https://x/p/{i},https://x/{i}.jpg\n"
        ));
    }
    std::fs::write(&feed, &text).unwrap();
    let db = format!("sqlite://{}", dir.path().join("v.db").display());
    let run = |file: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_vitrine"))
            .args([
                "catalog",
                "import",
                file.to_str().unwrap(),
                "--catalog",
                "771804362295518",
                "--database",
                &db,
            ])
            .stderr(Stdio::null())
            .output()
            .unwrap()
    };
    let out = run(&feed);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("500 rows, 500 imported, 0 failed"));
    // Bad rows, non-ASCII prices among them: each reported with its line, the rows after them
    // imported, and the exit status says so (1, not a panic's 101).
    text.push_str("cli-bad,Bad,Desc,in stock,new,free,https://x/p,https://x/i.jpg\n");
    text.push_str("cli-euro,Euro,Desc,in stock,new,€12,https://x/p,https://x/i.jpg\n");
    text.push_str("cli-mid,Mid,Desc,in stock,new,1€2,https://x/p,https://x/i.jpg\n");
    text.push_str("cli-after,After,Desc,in stock,new,2.00 USD,https://x/p,https://x/i.jpg\n");
    std::fs::write(&feed, &text).unwrap();
    let out = run(&feed);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("504 rows, 501 imported, 3 failed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 502: price: invalid value 'free'"),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 503: price: invalid value '€12'"),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 504: price: invalid value '1€2'"),
        "{stdout}"
    );
    // A server on that database sees the products.
    let vitrine = Vitrine::start(&["--database", &db]).await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let r: serde_json::Value = client
        .get(format!(
            "{}/v23.0/771804362295518?fields=product_count",
            vitrine.base
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        r["product_count"], 528,
        "27 demo products, 500 imported, and the row after the bad ones"
    );
}

#[tokio::test]
async fn customer_command_fills_a_cart_and_orders() {
    let vitrine = Vitrine::start(&["--database", "sqlite::memory:"]).await;
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_vitrine"))
            .arg("customer")
            .args(args)
            .args(["--url", &vitrine.base])
            .stderr(Stdio::null())
            .output()
            .unwrap()
    };
    let out = run(&["add", "16505550123", "gift-card-25", "--quantity", "3"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"total\": 7500"));
    let out = run(&["send-cart", "16505550123", "--note", "gift wrap"]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("\"type\": \"order\"") && stdout.contains("gift wrap"),
        "{stdout}"
    );
    let out = run(&["add", "16505550123", "gift-card-25", "--quantity", "100"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("quantity_out_of_range"));
    let out = run(&["say", "15550001234", "Hello there"]);
    assert!(out.status.success());
}

#[tokio::test]
async fn customer_commands_send_files_places_contacts_reactions_and_forwards() {
    let vitrine = Vitrine::start(&["--database", "sqlite::memory:"]).await;
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_vitrine"))
            .arg("customer")
            .args(args)
            .args(["--url", &vitrine.base])
            .stderr(Stdio::null())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.status.success(), stdout)
    };
    let json = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("mug.png");
    std::fs::write(&photo, b"\x89PNG not really").unwrap();
    let (ok, out) = run(&[
        "send-file",
        "16505550123",
        photo.to_str().unwrap(),
        "--caption",
        "This one?",
    ]);
    assert!(ok, "{out}");
    let sent = json(&out);
    assert_eq!(sent["content"]["kind"], "image");
    assert_eq!(sent["content"]["mime_type"], "image/png");
    assert_eq!(sent["content"]["caption"], "This one?");
    let (ok, out) = run(&[
        "send-file",
        "16505550123",
        photo.to_str().unwrap(),
        "--as",
        "sticker",
    ]);
    assert!(!ok, "a PNG is no sticker: {out}");
    let (ok, out) = run(&[
        "location",
        "16505550123",
        "38.7223",
        "-9.1393",
        "--name",
        "Home",
    ]);
    assert!(ok, "{out}");
    assert_eq!(json(&out)["content"]["longitude"], -9.1393);
    let (ok, out) = run(&[
        "contact",
        "16505550123",
        "Dana Store",
        "--tel",
        "+16505550199",
    ]);
    assert!(ok, "{out}");
    assert_eq!(
        json(&out)["content"]["contacts"][0]["phones"][0]["phone"],
        "+16505550199"
    );
    let (ok, out) = run(&["unsupported", "16505550123", "--as", "edit"]);
    assert!(ok, "{out}");
    assert_eq!(json(&out)["content"]["kind"], "edit");
    let (ok, out) = run(&["react", "16505550123", "wamid.nope", "x"]);
    assert!(!ok, "{out}");
    // Forward the customer's own photo to a friend, who sees it.
    let id = sent["wamid"].as_str().unwrap().to_owned();
    let (ok, out) = run(&["forward", "16505550123", &id, "--to", "16505550999"]);
    assert!(ok, "{out}");
    assert_eq!(json(&out)["customers"][0]["to"], "16505550999");
    let (ok, out) = run(&["peers", "16505550999", "16505550123"]);
    assert!(ok, "{out}");
    let chat = json(&out);
    assert_eq!(chat["messages"][0]["forwarded"], true);
    assert_eq!(chat["messages"][0]["type"], "image");
}

fn vitrine(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .args(args)
        .env_remove("VITRINE_CA_DIR")
        .env_remove("VITRINE_LISTEN")
        .env_remove("VITRINE_DATABASE_URL")
        .output()
        .unwrap()
}

#[test]
fn ca_init_prints_how_to_trust_it_and_export_prints_only_the_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("v.db").display());
    let ca_dir = dir.path().join("vitrine-ca");
    let cert = ca_dir.join("ca.pem").display().to_string();

    let out = vitrine(&["ca", "init", "--database", &db]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    for needle in [
        "Created the local CA:".to_owned(),
        format!("certificate   {cert}"),
        format!("private key   {}", ca_dir.join("ca-key.pem").display()),
        "graph.facebook.com and lookaside.fbsbx.com only".to_owned(),
        "Run your bot with these two variables".to_owned(),
        "HTTPS_PROXY=http://127.0.0.1:8484".to_owned(),
        format!("SSL_CERT_FILE={cert}"),
        format!("REQUESTS_CA_BUNDLE={cert}"),
        format!("NODE_EXTRA_CA_CERTS={cert}"),
        format!("CURL_CA_BUNDLE={cert}"),
        format!("keytool -importcert -noprompt -alias vitrine-local-ca -file {cert}"),
        "-Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort=8484".to_owned(),
        "--tls-listen 127.0.0.1:443".to_owned(),
        "127.0.0.1 graph.facebook.com lookaside.fbsbx.com".to_owned(),
    ] {
        assert!(text.contains(&needle), "ca init lacks {needle}:\n{text}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(ca_dir.join("ca-key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let pem = std::fs::read_to_string(&cert).unwrap();

    // Once only: a second init keeps the CA, and says so.
    let out = vitrine(&["ca", "init", "--database", &db, "--listen", "0.0.0.0:9000"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("The local CA already exists"), "{text}");
    assert!(text.contains("HTTPS_PROXY=http://127.0.0.1:9000"), "{text}");
    assert_eq!(std::fs::read_to_string(&cert).unwrap(), pem);

    // export prints the certificate, and never the key.
    let out = vitrine(&["ca", "export", "--database", &db]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), pem);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("PRIVATE KEY"));
    let out = vitrine(&["ca", "export", "--ca-dir", ca_dir.to_str().unwrap()]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), pem);

    // No CA there: a clear error.
    let empty = dir.path().join("none");
    let out = vitrine(&["ca", "export", "--ca-dir", empty.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no local CA in") && err.contains("vitrine ca init"),
        "{err}"
    );

    // --force replaces it.
    let out = vitrine(&["ca", "init", "--database", &db, "--force"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Created a new local CA"));
    assert_ne!(std::fs::read_to_string(&cert).unwrap(), pem);
}

#[tokio::test]
async fn serve_leads_with_the_two_variables_and_serves_the_graph_through_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("v.db").display());
    assert!(vitrine(&["ca", "init", "--database", &db]).status.success());
    let pem = String::from_utf8(vitrine(&["ca", "export", "--database", &db]).stdout).unwrap();
    let cert = dir.path().join("vitrine-ca").join("ca.pem");

    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database",
            &db,
            "--tls-listen",
            "127.0.0.1:0",
        ])
        .env_remove("VITRINE_CA_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    // The pipe stays open (`_out`) while the server runs: a closed one would fail its next write.
    let (text, _out) = tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut buf = vec![0u8; 8192];
        let mut text = String::new();
        while !text.contains("-d '") {
            let n = out.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            text.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        (text, out)
    })
    .await
    .unwrap();
    let intro = text.split("Web UI").next().unwrap();
    assert!(
        intro.contains("Run your bot unchanged with these two variables"),
        "{text}"
    );
    let proxy = format!("HTTPS_PROXY=http://127.0.0.1:{port}");
    let trust = format!("SSL_CERT_FILE={}", cert.display());
    for needle in [
        proxy.as_str(),
        trust.as_str(),
        "Hosts-file mode: TLS on 127.0.0.1:",
    ] {
        assert!(intro.contains(needle), "banner lacks {needle}:\n{text}");
    }
    let tls_port: u16 = intro
        .split("TLS on 127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(intro.contains("add to /etc/hosts: 127.0.0.1 graph.facebook.com lookaside.fbsbx.com"));

    // The two variables, as a bot's HTTP client takes them.
    let ca = reqwest::Certificate::from_pem(pem.as_bytes()).unwrap();
    let bot = reqwest::Client::builder()
        .proxy(reqwest::Proxy::https(format!("http://127.0.0.1:{port}")).unwrap())
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca.clone())
        .build()
        .unwrap();
    let r = bot
        .get(format!("https://graph.facebook.com/v23.0/{PHONE}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // And the hosts-file way.
    let direct = reqwest::Client::builder()
        .no_proxy()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca)
        .resolve("graph.facebook.com", ([127, 0, 0, 1], tls_port).into())
        .build()
        .unwrap();
    let r = direct
        .get(format!(
            "https://graph.facebook.com:{tls_port}/v23.0/{PHONE}"
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn tls_listen_that_cannot_bind_stops_the_start_with_the_reason() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("v.db").display());
    let out = vitrine(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--database",
        &db,
        "--tls-listen",
        &taken,
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("listening on {taken} for --tls-listen")),
        "{err}"
    );
}

/// A bad scenario file is refused before anything runs (no Vitrine is even reached), naming the
/// file, line and column; `scenario schema` prints the JSON Schema; `scenario check` passes the
/// examples.
#[test]
fn scenario_files_are_checked_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "scenarios:\n  - name: greet\n    steps:\n      - say: hi\n      - expect: {type: product_list, within: soon}\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .args(["scenario", "run"])
        .arg(&bad)
        .args(["--server", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "{}:5:17: scenarios[0].steps[1].expect: within takes a duration such as 2s (wall clock), or {{sandbox: 2s}} or {{wall: 2s}}\n",
            bad.display()
        )
    );
    let out = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .args(["scenario", "schema"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["title"], "Vitrine scenario file");
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let out = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .args(["scenario", "check"])
        .arg(format!("{examples}/shop-bot/scenarios/shopping.yaml"))
        .arg(format!("{examples}/echo/chat.yaml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `vitrine bench --json`: the results as one JSON document on standard output, the summary on
/// standard error. (A tiny run: the shape is tested here, never the speed.)
#[test]
fn bench_json_prints_one_report_on_stdout() {
    let out = vitrine(&[
        "bench",
        "--json",
        "--messages",
        "20",
        "--concurrency",
        "2",
        "--warmup",
        "6",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("POST /messages"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stdout));
    });
    assert_eq!(report["format"], 1);
    assert_eq!(report["setup"]["messages"], 20);
    assert_eq!(report["setup"]["concurrency"], 2);
    assert_eq!(report["setup"]["warmup"], 6);
    assert_eq!(report["setup"]["kind"], "mpm");
    assert_eq!(report["setup"]["database"], "sqlite");
    assert_eq!(report["catalog_import"], serde_json::Value::Null);
    assert_eq!(report["sends"]["accepted"], 20);
    assert_eq!(report["sends"]["failed"], 0);
    for key in ["p50", "p99", "max"] {
        assert!(report["sends"]["latency_ms"][key].is_number(), "{report}");
    }
    // The warm-up's messages and their webhooks are not counted.
    assert_eq!(report["webhooks"]["expected"], 40);
    assert_eq!(report["webhooks"]["delivered"], 40);
}

/// `vitrine bench --customers N`: the messages go to N customers in turn, each of whom opened
/// their customer service window first (else their messages would fail, not be delivered).
#[test]
fn bench_spreads_messages_over_customers() {
    let out = vitrine(&[
        "bench",
        "--json",
        "--messages",
        "20",
        "--concurrency",
        "2",
        "--customers",
        "5",
        "--warmup",
        "0",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("to 5 customer(s)"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["setup"]["customers"], 5);
    assert_eq!(report["sends"]["accepted"], 20);
    assert_eq!(report["webhooks"]["delivered"], 40);
}
