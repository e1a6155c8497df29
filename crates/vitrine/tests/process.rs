//! The real binary: start-up banner, and `kill -9` in the middle of webhook deliveries loses
//! nothing (every webhook arrives after a restart).

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
}

impl Vitrine {
    async fn start(args: &[&str]) -> Vitrine {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_vitrine"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(args)
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
        Vitrine { child, base }
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
            .map(|b| {
                let v: serde_json::Value = serde_json::from_slice(b).unwrap();
                let s = &v["entry"][0]["changes"][0]["value"]["statuses"][0];
                (
                    s["id"].as_str().unwrap().to_owned(),
                    s["status"].as_str().unwrap().to_owned(),
                )
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
