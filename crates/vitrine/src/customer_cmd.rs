//! `vitrine customer …`: play a simulated customer against a running Vitrine (the same calls as
//! `/_vitrine/customers/…`).

use clap::{Args, Subcommand};
use serde_json::{json, Value};

#[derive(Debug, Args)]
pub struct CustomerArgs {
    /// Base URL of the running Vitrine
    #[arg(
        long,
        env = "VITRINE_URL",
        default_value = "http://127.0.0.1:8484",
        global = true
    )]
    url: String,
    /// Admin token, when the server has one
    #[arg(
        long,
        env = "VITRINE_ADMIN_TOKEN",
        hide_env_values = true,
        global = true
    )]
    admin_token: Option<String>,
    /// The business number [default: the demo number]
    #[arg(long, global = true)]
    phone: Option<String>,
    /// The customer's device [default: their first]
    #[arg(long, global = true)]
    device: Option<String>,
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Write a text to the business (opens the 24-hour window)
    Say {
        wa_id: String,
        text: String,
        /// Quote this business message
        #[arg(long)]
        reply_to: Option<String>,
    },
    /// Ask about a product shown in a business message (a text with `referred_product`)
    Ask {
        wa_id: String,
        wamid: String,
        product_retailer_id: String,
        text: String,
    },
    /// Tap a reply button or pick a list row of a business message
    Reply {
        wa_id: String,
        wamid: String,
        choice: String,
        /// The carousel card whose button is tapped
        #[arg(long)]
        card: Option<usize>,
    },
    /// Pay the order of a checkout message (a `payment` status webhook)
    Pay {
        wa_id: String,
        wamid: String,
        /// Make the payment fail instead
        #[arg(long)]
        fail: bool,
        /// upi, card, wallet or netbanking
        #[arg(long, default_value = "upi")]
        method: String,
    },
    /// The chat as the device shows it (reading it sends `read` statuses)
    Chat { wa_id: String },
    /// Browse the business's catalog
    Catalog {
        wa_id: String,
        #[arg(long)]
        after: Option<String>,
    },
    /// Show the cart
    Cart { wa_id: String },
    /// Add a product to the cart
    Add {
        wa_id: String,
        product_retailer_id: String,
        #[arg(long, default_value_t = 1)]
        quantity: u32,
    },
    /// Remove a product from the cart
    Remove {
        wa_id: String,
        product_retailer_id: String,
    },
    /// Send the cart to the business (an `order` webhook)
    SendCart {
        wa_id: String,
        #[arg(long)]
        note: Option<String>,
    },
}

pub fn run(args: CustomerArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(call(args))
}

async fn call(args: CustomerArgs) -> anyhow::Result<()> {
    let client = reqwest::Client::builder().no_proxy().build()?;
    let base = args.url.trim_end_matches('/').to_owned();
    let mut query: Vec<(&str, String)> = vec![];
    if let Some(p) = &args.phone {
        query.push(("phone_number_id", p.clone()));
    }
    if let Some(d) = &args.device {
        query.push(("device", d.clone()));
    }
    let scope = |mut body: Value| {
        if let Some(p) = &args.phone {
            body["phone_number_id"] = json!(p);
        }
        body
    };
    let device_scope = |mut body: Value| {
        body = scope(body);
        if let Some(d) = &args.device {
            body["device"] = json!(d);
        }
        body
    };
    let (method, path, body) = match &args.action {
        Action::Say {
            wa_id,
            text,
            reply_to,
        } => {
            let mut b = scope(json!({ "text": text }));
            if let Some(r) = reply_to {
                b["reply_to"] = json!(r);
            }
            (
                "POST",
                format!("/_vitrine/customers/{wa_id}/messages"),
                Some(b),
            )
        }
        Action::Ask {
            wa_id,
            wamid,
            product_retailer_id,
            text,
        } => (
            "POST",
            format!("/_vitrine/customers/{wa_id}/messages"),
            Some(scope(
                json!({ "text": text, "about": { "wamid": wamid, "product_retailer_id": product_retailer_id } }),
            )),
        ),
        Action::Reply {
            wa_id,
            wamid,
            choice,
            card,
        } => {
            let mut b = scope(json!({ "wamid": wamid, "choice": choice }));
            if let Some(c) = card {
                b["card"] = json!(c);
            }
            (
                "POST",
                format!("/_vitrine/customers/{wa_id}/replies"),
                Some(b),
            )
        }
        Action::Pay {
            wa_id,
            wamid,
            fail,
            method,
        } => (
            "POST",
            format!("/_vitrine/customers/{wa_id}/payments"),
            Some(scope(json!({
                "wamid": wamid,
                "status": if *fail { "failed" } else { "captured" },
                "method": method,
            }))),
        ),
        Action::Chat { wa_id } => ("GET", format!("/_vitrine/customers/{wa_id}/chat"), None),
        Action::Catalog { wa_id, after } => {
            if let Some(a) = after {
                query.push(("after", a.clone()));
            }
            ("GET", format!("/_vitrine/customers/{wa_id}/catalog"), None)
        }
        Action::Cart { wa_id } => ("GET", format!("/_vitrine/customers/{wa_id}/cart"), None),
        Action::Add {
            wa_id,
            product_retailer_id,
            quantity,
        } => (
            "POST",
            format!("/_vitrine/customers/{wa_id}/cart/items"),
            Some(device_scope(
                json!({ "product_retailer_id": product_retailer_id, "quantity": quantity }),
            )),
        ),
        Action::Remove {
            wa_id,
            product_retailer_id,
        } => (
            "DELETE",
            format!("/_vitrine/customers/{wa_id}/cart/items/{product_retailer_id}"),
            None,
        ),
        Action::SendCart { wa_id, note } => {
            let mut b = device_scope(json!({}));
            if let Some(n) = note {
                b["text"] = json!(n);
            }
            (
                "POST",
                format!("/_vitrine/customers/{wa_id}/cart/send"),
                Some(b),
            )
        }
    };
    let url = format!("{base}{path}");
    let mut req = match method {
        "GET" => client.get(&url).query(&query),
        "DELETE" => client.delete(&url).query(&query),
        _ => client.post(&url),
    };
    if let Some(b) = body {
        req = req.json(&b);
    }
    if let Some(t) = &args.admin_token {
        req = req.bearer_auth(t);
    }
    let resp = req
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("reaching {base}: {e}"))?;
    let ok = resp.status().is_success();
    let value: Value = resp.json().await.unwrap_or(Value::Null);
    println!("{}", serde_json::to_string_pretty(&value)?);
    if !ok {
        anyhow::bail!(
            "{}",
            value["error"]["message"]
                .as_str()
                .unwrap_or("the call failed")
        );
    }
    Ok(())
}
