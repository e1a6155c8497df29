//! A conversation played by hand (in the web UI's phone, or through the API) as a scenario
//! file: what the customer did becomes steps, what the bot sent becomes expectations, loose
//! where values change from run to run (wamids, long numbers, dates and times, the customer's
//! own number).

use crate::*;
use regex::Regex;
use serde_json::Value;
use std::sync::OnceLock;

/// Parts of a bot's text that differ between runs, as patterns that match any run's value.
fn volatile() -> &'static [(Regex, &'static str)] {
    static V: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    V.get_or_init(|| {
        [
            (r"wamid\\\.[A-Za-z0-9+/=_\\-]+", r"wamid\.\S+"),
            (r"\d{4}\\-\d{2}\\-\d{2}", r"\d{4}-\d{2}-\d{2}"),
            (r"\b\d{1,2}:\d{2}(:\d{2})?\b", r"\d{1,2}:\d{2}(:\d{2})?"),
            (r"\d{6,}", r"\d+"),
        ]
        .into_iter()
        .filter_map(|(re, with)| Regex::new(re).ok().map(|r| (r, with)))
        .collect()
    })
}

/// An exact expectation of `text`, or a regular expression when parts of it change per run.
fn loose_text(text: &str, wa_id: &str) -> TextMatch {
    // Escaped, a text holds no `${` (it would read `\$\{`), so nothing in it is a reference.
    let escaped = regex::escape(text);
    let mut pattern = escaped.clone();
    if !wa_id.is_empty() {
        pattern = pattern.replace(wa_id, "${customer.wa_id}");
    }
    for (re, with) in volatile() {
        pattern = re.replace_all(&pattern, *with).into_owned();
    }
    if pattern == escaped {
        let literal = text.replace("${", "\\${");
        if literal.contains(wa_id) && !wa_id.is_empty() {
            return TextMatch::Exact(literal.replace(wa_id, "${customer.wa_id}"));
        }
        return TextMatch::Exact(literal);
    }
    TextMatch::Rule(TextRule {
        matches: Some(format!("^{pattern}$")),
        ..TextRule::default()
    })
}

fn s(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn strings(v: Option<&Value>, key: &str) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|x| s(x, key)).collect())
        .unwrap_or_default()
}

/// The expectation that `message` (a business entry of a thread) satisfies.
fn expectation(message: &Value, wa_id: &str) -> Expect {
    let content = &message["content"];
    let kind = MessageType::ALL
        .into_iter()
        .find(|k| Some(k.as_str()) == message["type"].as_str());
    let mut e = Expect {
        kind,
        ..Expect::default()
    };
    if let Some(body) = s(content, "body").filter(|b| !b.is_empty()) {
        e.text = Some(loose_text(&body, wa_id));
    }
    match kind {
        Some(MessageType::ProductList) => {
            e.header = s(content, "header").map(|h| loose_text(&h, wa_id));
            e.products = Some(ProductMatch::Exactly(strings(
                message.get("products"),
                "product_retailer_id",
            )));
        }
        Some(MessageType::Product) => {
            e.products = Some(ProductMatch::Exactly(
                s(content, "product_retailer_id").into_iter().collect(),
            ));
        }
        Some(MessageType::Button) => {
            e.buttons = Some(strings(content.get("buttons"), "title"));
        }
        Some(MessageType::List) => {
            let rows = content["sections"]
                .as_array()
                .map(|sections| {
                    sections
                        .iter()
                        .flat_map(|s| strings(s.get("rows"), "title"))
                        .collect()
                })
                .unwrap_or_default();
            e.rows = Some(rows);
        }
        Some(MessageType::Template) => {
            e.template = s(content, "name");
            let buttons = strings(content.get("buttons"), "text");
            if !buttons.is_empty() {
                e.buttons = Some(buttons);
            }
            let products = strings(message.get("products"), "product_retailer_id");
            if !products.is_empty() {
                e.products = Some(ProductMatch::Exactly(products));
            }
        }
        _ => {}
    }
    e
}

/// Turns a thread (`GET /_vitrine/conversations/{phone_number_id}/{wa_id}`) and the customer
/// (`GET /_vitrine/customers/{wa_id}`, for their devices) into a scenario file.
pub fn record(thread: &Value, customer: Option<&Value>) -> ScenarioFile {
    let wa_id = s(thread, "wa_id").unwrap_or_default();
    let messages: Vec<Value> = thread["messages"].as_array().cloned().unwrap_or_default();
    let mut steps: Vec<Step> = vec![];
    // (wamid → index of its expect step), for actions that name an older message.
    let mut expects: Vec<(String, usize)> = vec![];
    let mut last_business: Option<String> = None;
    let mut saved = 0usize;
    // Customer messages no step plays yet (media, locations, reactions…), by type.
    let mut skipped: Vec<String> = vec![];
    // A reference to business message `wamid`: None when it is the bot's latest (the default),
    // else `${mN.wamid}`, saving it under that name.
    let mut refer = |steps: &mut Vec<Step>,
                     expects: &Vec<(String, usize)>,
                     last: &Option<String>,
                     wamid: &str,
                     latest_ok: bool|
     -> Option<String> {
        if latest_ok && last.as_deref() == Some(wamid) {
            return None;
        }
        let (_, at) = expects.iter().find(|(w, _)| w == wamid)?;
        if let Step::Expect(e) = &mut steps[*at] {
            if e.save_as.is_none() {
                saved += 1;
                e.save_as = Some(format!("m{saved}"));
            }
            return e.save_as.as_ref().map(|n| format!("${{{n}.wamid}}"));
        }
        None
    };
    for m in &messages {
        if m["from"] == "business" {
            let wamid = s(m, "wamid").unwrap_or_default();
            steps.push(Step::Expect(Box::new(expectation(m, &wa_id))));
            expects.push((wamid.clone(), steps.len() - 1));
            last_business = Some(wamid);
            continue;
        }
        let content = &m["content"];
        let quoted = m["context"]["id"].as_str().map(str::to_owned);
        match content["type"].as_str() {
            Some("text") => {
                let text = s(content, "body").unwrap_or_default().replace("${", "\\${");
                if let Some(product) =
                    m["context"]["referred_product"]["product_retailer_id"].as_str()
                {
                    let message = quoted
                        .as_deref()
                        .and_then(|q| refer(&mut steps, &expects, &last_business, q, true));
                    steps.push(Step::Ask(Ask {
                        product: product.to_owned(),
                        text,
                        message,
                        customer: None,
                        save_as: None,
                    }));
                } else if let Some(q) = quoted {
                    let reply_to = refer(&mut steps, &expects, &last_business, &q, false)
                        .or_else(|| Some("${last.wamid}".to_owned()));
                    steps.push(Step::Say(Say::Full(SayFull {
                        text,
                        reply_to,
                        customer: None,
                        save_as: None,
                    })));
                } else {
                    steps.push(Step::Say(Say::Text(text)));
                }
            }
            Some("button_reply") | Some("list_reply") | Some("button") => {
                let title = s(content, "title")
                    .or_else(|| s(content, "text"))
                    .unwrap_or_default();
                let message = quoted
                    .as_deref()
                    .and_then(|q| refer(&mut steps, &expects, &last_business, q, true));
                steps.push(match message {
                    None => Step::Tap(Tap::Title(title)),
                    Some(message) => Step::Tap(Tap::Full(TapFull {
                        title: Some(title),
                        id: None,
                        message: Some(message),
                        card: None,
                        customer: None,
                        save_as: None,
                    })),
                });
            }
            Some("order") => {
                for item in content["product_items"].as_array().into_iter().flatten() {
                    let product = s(item, "product_retailer_id").unwrap_or_default();
                    let quantity = item["quantity"]
                        .as_u64()
                        .and_then(|q| u32::try_from(q).ok());
                    steps.push(Step::Add(match quantity {
                        Some(1) | None => CartAdd::Product(product),
                        Some(q) => CartAdd::Full(CartQuantity {
                            product,
                            quantity: Some(q),
                            customer: None,
                            device: None,
                        }),
                    }));
                }
                let note = s(content, "text").filter(|t| !t.is_empty());
                steps.push(Step::SendCart(note.map(|n| SendCart {
                    note: Some(n.replace("${", "\\${")),
                    ..SendCart::default()
                })));
            }
            Some("location") => {
                let location = &content["location"];
                let text = |k: &str| {
                    location
                        .get(k)
                        .or_else(|| content.get(k))
                        .and_then(Value::as_str)
                        .map(|s| s.replace("${", "\\${"))
                };
                let coordinate = |k: &str| {
                    location
                        .get(k)
                        .or_else(|| content.get(k))
                        .and_then(Value::as_f64)
                        .unwrap_or(0.0)
                };
                let reply_to = quoted
                    .as_deref()
                    .and_then(|q| refer(&mut steps, &expects, &last_business, q, false));
                steps.push(Step::Location(ShareLocation {
                    latitude: coordinate("latitude"),
                    longitude: coordinate("longitude"),
                    name: text("name"),
                    address: text("address"),
                    reply_to,
                    customer: None,
                    save_as: None,
                }));
            }
            Some("reaction") => {
                let target = content["message_id"].as_str().map(str::to_owned);
                let message = target
                    .as_deref()
                    .and_then(|t| refer(&mut steps, &expects, &last_business, t, true));
                steps.push(Step::React(React {
                    emoji: s(content, "emoji").unwrap_or_default(),
                    message,
                    customer: None,
                }));
            }
            Some("payment") => {
                let order = s(content, "order_wamid").unwrap_or_default();
                let message = refer(&mut steps, &expects, &last_business, &order, true);
                let failed = content["status"] == "failed";
                let method = s(content, "method").filter(|m| m != "upi");
                let pay = Pay {
                    message,
                    status: failed.then_some(PaymentOutcome::Failed),
                    method,
                    customer: None,
                    save_as: None,
                };
                steps.push(Step::Pay((pay != Pay::default()).then_some(pay)));
            }
            other => {
                let kind = other.unwrap_or("unknown").to_owned();
                if !skipped.contains(&kind) {
                    skipped.push(kind);
                }
            }
        }
    }
    if steps.is_empty() {
        steps.push(Step::ExpectNothing(Quiet::For(Duration::from_millis(1000))));
    }
    let devices = customer
        .and_then(|c| c["devices"].as_array())
        .map(|ds| {
            ds.iter()
                .map(|d| DeviceSpec {
                    id: s(d, "id").filter(|id| id != "phone"),
                    platform: match d["platform"].as_str() {
                        Some("ios") => Some(Platform::Ios),
                        Some("web") => Some(Platform::Web),
                        _ => None,
                    },
                    app_version: s(d, "app_version").unwrap_or_default(),
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    // The default phone needs no line.
    let devices = if devices.len() == 1
        && devices[0].id.is_none()
        && devices[0].platform.is_none()
        && devices[0].app_version == "2.26.1.0"
    {
        vec![]
    } else {
        devices
    };
    let name = s(thread, "name");
    ScenarioFile {
        vars: Default::default(),
        defaults: Defaults {
            phone_number_id: s(thread, "phone_number_id"),
            ..Defaults::default()
        },
        fixtures: vec![],
        scenarios: vec![Scenario {
            name: format!(
                "conversation with {}",
                name.clone().unwrap_or_else(|| wa_id.clone())
            ),
            description: Some(format!(
                "Recorded from the conversation of {} with {}.{}",
                wa_id,
                s(thread, "phone_number_id").unwrap_or_default(),
                if skipped.is_empty() {
                    String::new()
                } else {
                    format!(
                        " Not played again (no scenario step for them yet): the customer's {} messages.",
                        skipped.join(", ")
                    )
                }
            )),
            customers: vec![CustomerSpec {
                id: "customer".to_owned(),
                name,
                wa_id: None,
                read_receipts: customer
                    .and_then(|c| c["read_receipts"].as_bool())
                    .filter(|r| !r),
                devices,
            }],
            vars: Default::default(),
            fixtures: vec![],
            steps,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn loosens_what_changes_between_runs() {
        assert_eq!(
            loose_text("Your total is $25.50", "155"),
            TextMatch::Exact("Your total is $25.50".to_owned())
        );
        assert_eq!(
            loose_text("Order 12345678 for 15550001 at 10:42", "15550001"),
            TextMatch::Rule(TextRule {
                matches: Some(
                    r"^Order \d+ for ${customer.wa_id} at \d{1,2}:\d{2}(:\d{2})?$".to_owned()
                ),
                ..TextRule::default()
            })
        );
    }

    #[test]
    fn turns_a_thread_into_steps_and_expectations() {
        let thread = json!({
            "phone_number_id": "113859604417350", "wa_id": "15550001", "name": "Alex",
            "messages": [
                { "from": "customer", "wamid": "wamid.c1", "content": { "type": "text", "body": "Hi" } },
                { "from": "customer", "wamid": "wamid.c0", "content": { "type": "contacts", "contacts": [] } },
                { "from": "business", "wamid": "wamid.b1", "type": "product_list",
                  "content": { "type": "product_list", "header": "Summer", "body": "Pick", "sections": [] },
                  "products": [ { "product_retailer_id": "tee" }, { "product_retailer_id": "mug" } ] },
                { "from": "business", "wamid": "wamid.b2", "type": "button",
                  "content": { "type": "button", "body": "Need help?", "buttons": [ { "id": "y", "title": "Yes" } ] } },
                { "from": "customer", "wamid": "wamid.c2", "content": { "type": "text", "body": "Cotton?" },
                  "context": { "id": "wamid.b1", "referred_product": { "product_retailer_id": "tee" } } },
                { "from": "customer", "wamid": "wamid.c3", "content": { "type": "button_reply", "id": "y", "title": "Yes" },
                  "context": { "id": "wamid.b2" } },
                { "from": "customer", "wamid": "wamid.c4", "content": { "type": "order", "text": "",
                  "product_items": [ { "product_retailer_id": "tee", "quantity": 2 } ] } },
                { "from": "business", "wamid": "wamid.b3", "type": "text",
                  "content": { "type": "text", "body": "Thanks Alex, order 98765432 total $25.00" } },
            ]
        });
        let file = record(&thread, None);
        let yaml = to_yaml(&file).unwrap();
        assert_eq!(
            yaml,
            r#"defaults:
  phone_number_id: '113859604417350'
scenarios:
- name: conversation with Alex
  description: 'Recorded from the conversation of 15550001 with 113859604417350. Not played again (no scenario step for them yet): the customer''s contacts messages.'
  customers:
  - id: customer
    name: Alex
  steps:
  - say: Hi
  - expect:
      type: product_list
      text: Pick
      header: Summer
      products:
      - tee
      - mug
      save_as: m1
  - expect:
      type: button
      text: Need help?
      buttons:
      - Yes
  - ask:
      product: tee
      text: Cotton?
      message: ${m1.wamid}
  - tap: Yes
  - add:
      product: tee
      quantity: 2
  - send_cart: null
  - expect:
      type: text
      text:
        matches: ^Thanks Alex, order \d+ total \$25\.00$
"#
        );
        assert_eq!(crate::parse("recorded.yaml", &yaml).unwrap(), file);
    }
}
