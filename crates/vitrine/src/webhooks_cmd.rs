//! `vitrine webhooks tail` and `vitrine webhooks listen`.

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use clap::{Args, Subcommand};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use vitrine_core::seed;
use vitrine_core::webhook::signature;

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Print webhook deliveries as they happen, from a running Vitrine's delivery log.
    Tail(TailArgs),
    /// A tiny webhook receiver: answers Meta's verification handshake, checks
    /// X-Hub-Signature-256 on every POST and prints each event.
    Listen(ListenArgs),
}

#[derive(Debug, Args)]
pub struct TailArgs {
    /// Base URL of the running Vitrine
    #[arg(long, env = "VITRINE_URL", default_value = "http://127.0.0.1:8484")]
    url: String,
    /// Admin token, when the server has one
    #[arg(long, env = "VITRINE_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Print the body of each webhook too
    #[arg(long)]
    body: bool,
}

#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Port to listen on (127.0.0.1)
    #[arg(long, default_value_t = 8485)]
    port: u16,
    /// App secret that signs the webhooks [default: the demo app's]
    #[arg(long, env = "VITRINE_APP_SECRET", hide_env_values = true)]
    app_secret: Option<String>,
    /// Verify token expected in the handshake [default: the demo app's]
    #[arg(long)]
    verify_token: Option<String>,
}

pub fn run(cmd: WebhooksCommand) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cmd {
        WebhooksCommand::Tail(args) => runtime.block_on(tail(args)),
        WebhooksCommand::Listen(args) => runtime.block_on(listen(args)),
    }
}

async fn tail(args: TailArgs) -> anyhow::Result<()> {
    let client = reqwest::Client::builder().no_proxy().build()?;
    let base = args.url.trim_end_matches('/');
    let get = |path: String| {
        let mut req = client.get(format!("{base}{path}"));
        if let Some(t) = &args.admin_token {
            req = req.bearer_auth(t);
        }
        req
    };
    // Start after the newest webhook that exists now.
    let first: serde_json::Value = get("/_vitrine/webhooks?limit=1".into())
        .send()
        .await
        .with_context(|| format!("reaching {base}"))?
        .error_for_status()?
        .json()
        .await?;
    let mut cursor: i64 = first["data"][0]["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    // Webhooks seen but not yet delivered or dead, with the state last printed.
    let mut open: HashMap<i64, String> = HashMap::new();
    println!("following {base}/_vitrine/webhooks (Ctrl-C to stop)");
    loop {
        let page: serde_json::Value = get(format!("/_vitrine/webhooks?after={cursor}&limit=200"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let mut rows: Vec<serde_json::Value> = page["data"].as_array().cloned().unwrap_or_default();
        for id in open.keys().copied().collect::<Vec<_>>() {
            let w: serde_json::Value = get(format!("/_vitrine/webhooks/{id}"))
                .send()
                .await?
                .json()
                .await?;
            rows.push(w);
        }
        for w in rows {
            let id: i64 = w["id"].as_str().and_then(|s| s.parse().ok()).unwrap_or(0);
            cursor = cursor.max(id);
            let state = w["state"].as_str().unwrap_or("").to_owned();
            if open.get(&id) == Some(&state) {
                continue;
            }
            let what = format!(
                "{} {}",
                w["event"].as_str().unwrap_or(""),
                w["message_status"].as_str().unwrap_or("")
            );
            println!(
                "#{id:<6} {what:<18} {state:<9} attempts={} {} {}",
                w["attempt_count"],
                w["wamid"].as_str().unwrap_or(""),
                w["url"].as_str().unwrap_or("")
            );
            if args.body && state != "pending" {
                println!("        {}", w["body"].as_str().unwrap_or(""));
            }
            if state == "pending" {
                open.insert(id, state);
            } else {
                open.remove(&id);
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

struct Listener {
    secret: String,
    verify_token: String,
}

async fn listen(args: ListenArgs) -> anyhow::Result<()> {
    let state = Arc::new(Listener {
        secret: args
            .app_secret
            .unwrap_or_else(|| seed::APP_SECRET.to_owned()),
        verify_token: args
            .verify_token
            .unwrap_or_else(|| seed::VERIFY_TOKEN.to_owned()),
    });
    let app = Router::new()
        .route("/", get(handshake).post(receive))
        .fallback(get(handshake).post(receive))
        .with_state(state);
    let addr = format!("127.0.0.1:{}", args.port);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    println!("receiving webhooks at http://{addr}/ (Ctrl-C to stop)");
    println!("start Vitrine with --webhook-url http://{addr}/ to send them here");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

async fn handshake(
    State(st): State<Arc<Listener>>,
    Query(q): Query<HashMap<String, String>>,
) -> (StatusCode, String) {
    let ok = q.get("hub.mode").map(String::as_str) == Some("subscribe")
        && q.get("hub.verify_token") == Some(&st.verify_token);
    match (ok, q.get("hub.challenge")) {
        (true, Some(challenge)) => {
            println!("handshake: verified, answered the challenge");
            (StatusCode::OK, challenge.clone())
        }
        _ => {
            println!("handshake: refused (wrong mode or verify token)");
            (StatusCode::FORBIDDEN, "forbidden".into())
        }
    }
}

async fn receive(State(st): State<Arc<Listener>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let sig = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let valid = signature::verify_sha256(&st.secret, &body, sig);
    let parsed: serde_json::Value =
        serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    let mut lines = vec![];
    for entry in parsed["entry"].as_array().into_iter().flatten() {
        for change in entry["changes"].as_array().into_iter().flatten() {
            let value = &change["value"];
            for s in value["statuses"].as_array().into_iter().flatten() {
                let err = s["errors"][0]["code"]
                    .as_u64()
                    .map(|c| format!(" error {c}"))
                    .unwrap_or_default();
                lines.push(format!(
                    "status {} {} -> {}{err}",
                    s["status"].as_str().unwrap_or(""),
                    s["id"].as_str().unwrap_or(""),
                    s["recipient_id"].as_str().unwrap_or("")
                ));
            }
            for m in value["messages"].as_array().into_iter().flatten() {
                let err = m["errors"][0]["code"]
                    .as_u64()
                    .map(|c| format!(" error {c}"))
                    .unwrap_or_default();
                let forwarded = if m["context"]["frequently_forwarded"] == true {
                    " (frequently forwarded)"
                } else if m["context"]["forwarded"] == true {
                    " (forwarded)"
                } else {
                    ""
                };
                lines.push(format!(
                    "message {} from {}{forwarded}{err}: {}",
                    m["type"].as_str().unwrap_or(""),
                    m["from"].as_str().unwrap_or(""),
                    m[m["type"].as_str().unwrap_or("")]
                ));
            }
            if value["statuses"].is_null() && value["messages"].is_null() {
                lines.push(format!(
                    "{} {}",
                    change["field"].as_str().unwrap_or(""),
                    value
                ));
            }
        }
    }
    let mark = if valid {
        "signature ok"
    } else {
        "BAD SIGNATURE"
    };
    for l in lines {
        println!("[{mark}] {l}");
    }
    if valid {
        StatusCode::OK
    } else {
        StatusCode::FORBIDDEN
    }
}
