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
        /// The message is a product message a friend forwarded (its id in your chat with them):
        /// the question goes from your own chat with the business
        #[arg(long)]
        forwarded: bool,
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
    /// Send a photo, video, voice note, document or sticker (a media webhook whose id the
    /// business downloads through the Graph API)
    SendFile {
        wa_id: String,
        /// The file to send
        file: std::path::PathBuf,
        /// image, video, audio, document or sticker [default: from the file's type]
        #[arg(long = "as")]
        kind: Option<String>,
        /// The file's MIME type [default: from its extension]
        #[arg(long)]
        mime: Option<String>,
        #[arg(long)]
        caption: Option<String>,
        /// Send audio as a voice note recorded in WhatsApp
        #[arg(long)]
        voice: bool,
        /// Quote this business message
        #[arg(long)]
        reply_to: Option<String>,
    },
    /// Share a location (with --reply-to, the answer to a location request)
    Location {
        wa_id: String,
        #[arg(allow_hyphen_values = true)]
        latitude: f64,
        #[arg(allow_hyphen_values = true)]
        longitude: f64,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        address: Option<String>,
        #[arg(long)]
        reply_to: Option<String>,
    },
    /// Share a contact card
    Contact {
        wa_id: String,
        /// The name shown on the card
        formatted_name: String,
        /// A phone number on the card (repeatable)
        #[arg(long)]
        tel: Vec<String>,
        /// An email address on the card (repeatable)
        #[arg(long)]
        email: Vec<String>,
    },
    /// React to a business message with an emoji (an empty emoji removes the reaction)
    React {
        wa_id: String,
        wamid: String,
        emoji: String,
    },
    /// Forward a message (a business's, your own, or one forwarded to you) to other customers
    /// and/or to businesses
    Forward {
        wa_id: String,
        /// The message's id (wamid)
        id: String,
        /// A customer to forward to (repeatable)
        #[arg(long)]
        to: Vec<String>,
        /// A business phone number id to forward to (repeatable)
        #[arg(long)]
        to_business: Vec<String>,
    },
    /// The customers this one exchanged forwards with, or the chat with one of them
    Peers {
        wa_id: String,
        /// Show the chat with this customer
        other: Option<String>,
    },
    /// Send something the API cannot pass on (an `unsupported` webhook with 131051)
    Unsupported {
        wa_id: String,
        /// What was sent: poll, edit, …
        #[arg(long = "as", default_value = "poll")]
        kind: String,
    },
}

/// The MIME type of a file by its extension (the types WhatsApp users send most).
fn mime_of(path: &std::path::Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "mp4" => "video/mp4",
        "3gp" => "video/3gpp",
        "ogg" | "opus" => "audio/ogg",
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "aac" => "audio/aac",
        "amr" => "audio/amr",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => "application/octet-stream",
    }
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
    // A file goes as the body, its type as Content-Type, the rest in the query string.
    let mut raw: Option<(Vec<u8>, String)> = None;
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
            forwarded,
        } => {
            let key = if *forwarded { "forwarded" } else { "wamid" };
            (
                "POST",
                format!("/_vitrine/customers/{wa_id}/messages"),
                Some(scope(
                    json!({ "text": text, "about": { key: wamid, "product_retailer_id": product_retailer_id } }),
                )),
            )
        }
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
        Action::SendFile {
            wa_id,
            file,
            kind,
            mime,
            caption,
            voice,
            reply_to,
        } => {
            let bytes = std::fs::read(file)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
            let mime = mime.clone().unwrap_or_else(|| mime_of(file).to_owned());
            if let Some(name) = file.file_name().and_then(|n| n.to_str()) {
                query.push(("filename", name.to_owned()));
            }
            for (key, value) in [("type", kind), ("caption", caption), ("reply_to", reply_to)] {
                if let Some(v) = value {
                    query.push((key, v.clone()));
                }
            }
            if *voice {
                query.push(("voice", "true".to_owned()));
            }
            raw = Some((bytes, mime));
            ("POST", format!("/_vitrine/customers/{wa_id}/media"), None)
        }
        Action::Location {
            wa_id,
            latitude,
            longitude,
            name,
            address,
            reply_to,
        } => (
            "POST",
            format!("/_vitrine/customers/{wa_id}/locations"),
            Some(scope(json!({
                "latitude": latitude, "longitude": longitude, "name": name,
                "address": address, "reply_to": reply_to,
            }))),
        ),
        Action::Contact {
            wa_id,
            formatted_name,
            tel,
            email,
        } => {
            let card = json!({
                "name": { "formatted_name": formatted_name },
                "phones": tel.iter().map(|p| json!({ "phone": p, "type": "CELL" })).collect::<Vec<_>>(),
                "emails": email.iter().map(|e| json!({ "email": e, "type": "HOME" })).collect::<Vec<_>>(),
            });
            (
                "POST",
                format!("/_vitrine/customers/{wa_id}/contacts"),
                Some(scope(json!({ "contacts": [card] }))),
            )
        }
        Action::React {
            wa_id,
            wamid,
            emoji,
        } => (
            "POST",
            format!("/_vitrine/customers/{wa_id}/reactions"),
            Some(scope(json!({ "wamid": wamid, "emoji": emoji }))),
        ),
        Action::Forward {
            wa_id,
            id,
            to,
            to_business,
        } => (
            "POST",
            format!("/_vitrine/customers/{wa_id}/forwards"),
            Some(json!({ "id": id, "to": to, "to_business": to_business })),
        ),
        Action::Peers { wa_id, other } => (
            "GET",
            match other {
                Some(o) => format!("/_vitrine/customers/{wa_id}/peers/{o}"),
                None => format!("/_vitrine/customers/{wa_id}/peers"),
            },
            None,
        ),
        Action::Unsupported { wa_id, kind } => (
            "POST",
            format!("/_vitrine/customers/{wa_id}/unsupported"),
            Some(scope(json!({ "type": kind }))),
        ),
    };
    let url = format!("{base}{path}");
    let mut req = match method {
        "GET" => client.get(&url).query(&query),
        "DELETE" => client.delete(&url).query(&query),
        _ if raw.is_some() => client.post(&url).query(&query),
        _ => client.post(&url),
    };
    if let Some(b) = body {
        req = req.json(&b);
    }
    if let Some((bytes, mime)) = raw {
        req = req.header("content-type", mime).body(bytes);
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
