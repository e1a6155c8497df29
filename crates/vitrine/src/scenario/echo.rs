//! `vitrine scenario echo-bot`: the most trivial bot there is, for measuring Vitrine itself. It
//! subscribes its webhook to the demo app (handshake included), and answers every text a
//! customer writes with `echo: <text>` through the Graph API. What is left of a load run's
//! latency with it is Vitrine's (and the machine's).

use super::client::{Facts, Vitrine};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use clap::Args;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Args)]
pub struct EchoArgs {
    /// The Vitrine(s) to answer through (repeat for several nodes)
    #[arg(
        long = "server",
        value_name = "URL",
        default_value = "http://127.0.0.1:8484"
    )]
    pub servers: Vec<String>,
    /// Where the bot's webhook listens
    #[arg(long, default_value = "127.0.0.1:3001")]
    pub listen: String,
}

const VERIFY_TOKEN: &str = "vitrine-echo-bot";

struct Bot {
    vitrine: Vitrine,
    facts: Facts,
}

async fn handshake(Query(q): Query<HashMap<String, String>>) -> (axum::http::StatusCode, String) {
    match (q.get("hub.verify_token"), q.get("hub.challenge")) {
        (Some(t), Some(c)) if t == VERIFY_TOKEN => (axum::http::StatusCode::OK, c.clone()),
        _ => (axum::http::StatusCode::FORBIDDEN, String::new()),
    }
}

async fn webhook(State(bot): State<Arc<Bot>>, body: Bytes) -> &'static str {
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return "ok";
    };
    for entry in v["entry"].as_array().into_iter().flatten() {
        for change in entry["changes"].as_array().into_iter().flatten() {
            let phone = change["value"]["metadata"]["phone_number_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            for m in change["value"]["messages"].as_array().into_iter().flatten() {
                let Some(text) = m["text"]["body"].as_str() else {
                    continue;
                };
                let body = json!({
                    "messaging_product": "whatsapp",
                    "to": m["from"],
                    "type": "text",
                    "text": { "body": format!("echo: {text}") },
                });
                let (bot, phone) = (bot.clone(), phone.clone());
                tokio::spawn(async move {
                    let r = bot
                        .vitrine
                        .graph(
                            &bot.facts,
                            reqwest::Method::POST,
                            &format!("{phone}/messages"),
                            body,
                        )
                        .await;
                    if let Err(e) = r {
                        eprintln!("echo-bot: send failed: {e}");
                    }
                });
            }
        }
    }
    "ok"
}

pub fn main(args: EchoArgs) -> anyhow::Result<std::process::ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let vitrine = Vitrine::new(args.servers.clone(), None)?;
        let facts = vitrine.facts().await?;
        let listener = tokio::net::TcpListener::bind(&args.listen).await?;
        let url = format!("http://{}/webhook", listener.local_addr()?);
        let bot = Arc::new(Bot { vitrine, facts });
        let app = Router::new()
            .route("/webhook", get(handshake).post(webhook))
            .with_state(bot.clone());
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        // Subscribe as a real bot does: the app's callback, with an app access token.
        let app_id = bot.facts.raw["app_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let app_token = Facts {
            access_token: format!(
                "{app_id}|{}",
                bot.facts.raw["app_secret"].as_str().unwrap_or_default()
            ),
            ..bot.facts.clone()
        };
        bot.vitrine
            .graph(
                &app_token,
                reqwest::Method::POST,
                &format!("{app_id}/subscriptions"),
                json!({
                    "object": "whatsapp_business_account",
                    "callback_url": url,
                    "verify_token": VERIFY_TOKEN,
                    "fields": "messages",
                }),
            )
            .await?;
        eprintln!("echo-bot: subscribed {url}; answering every text with \"echo: <text>\"");
        server.await??;
        Ok(std::process::ExitCode::SUCCESS)
    })
}
