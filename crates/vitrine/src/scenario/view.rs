//! What a scenario sees of a bot's message (`${last…}`, saved values, transcripts), and whether
//! it is what an `expect` step asked for.

use serde_json::{json, Value};
use vitrine_scenario::expr;
use vitrine_scenario::{Expect, ProductMatch, TextMatch};

fn strs(v: &Value, key: &str) -> Vec<Value> {
    v.as_array()
        .map(|a| a.iter().filter_map(|x| x.get(key).cloned()).collect())
        .unwrap_or_default()
}

/// A bot message (as `GET /_vitrine/messages` gives it) as scenarios see it: `wamid`, `type`,
/// `text`, `header`, `footer`, `products` (retailer ids), `buttons` and `rows` (titles),
/// `template`, `order` (`reference_id`, `total` in minor units, `currency`), `reply_to`, `at`.
pub fn of(record: &Value) -> Value {
    let c = &record["content"];
    // Media messages are stored as `media` with their kind beside.
    let kind = match c["type"].as_str().unwrap_or_default() {
        "media" => c["kind"].as_str().unwrap_or("media"),
        other => other,
    };
    let text = [&c["body"], &c["caption"], &c["emoji"]]
        .into_iter()
        .find(|v| v.is_string())
        .cloned()
        .unwrap_or(Value::Null);
    let header = match &c["header"] {
        Value::String(s) => json!(s),
        h if h["type"] == "text" => h["text"].clone(),
        _ => Value::Null,
    };
    let mut choices: Vec<Value> = vec![];
    let mut buttons: Vec<Value> = vec![];
    let mut rows: Vec<Value> = vec![];
    match kind {
        "button" => {
            for b in c["buttons"].as_array().into_iter().flatten() {
                buttons.push(b["title"].clone());
                choices.push(json!({ "title": b["title"], "choice": b["id"] }));
            }
        }
        "list" => {
            for s in c["sections"].as_array().into_iter().flatten() {
                for r in s["rows"].as_array().into_iter().flatten() {
                    rows.push(r["title"].clone());
                    choices.push(json!({ "title": r["title"], "choice": r["id"] }));
                }
            }
        }
        "template" => {
            for b in c["buttons"].as_array().into_iter().flatten() {
                buttons.push(b["text"].clone());
                if b["type"] == "quick_reply" {
                    choices.push(json!({ "title": b["text"], "choice": b["text"] }));
                }
            }
            for card in c["cards"].as_array().into_iter().flatten() {
                for b in card["buttons"].as_array().into_iter().flatten() {
                    if !buttons.contains(&b["text"]) {
                        buttons.push(b["text"].clone());
                    }
                    if b["type"] == "quick_reply" {
                        choices.push(json!({ "title": b["text"], "choice": b["text"], "card": card["card_index"] }));
                    }
                }
            }
        }
        _ => {}
    }
    let order = c
        .get("order_details")
        .filter(|o| !o.is_null())
        .or_else(|| c.get("order").filter(|o| !o.is_null()));
    let mut v = json!({
        "wamid": record["wamid"],
        "type": kind,
        "text": text,
        "header": header,
        "footer": c["footer"],
        "products": strs(&record["products"], "retailer_id"),
        "buttons": buttons,
        "rows": rows,
        "choices": choices,
        "template": if kind == "template" { c["name"].clone() } else { Value::Null },
        "reply_to": record["context_message_id"],
        "at": record["created_at"],
    });
    if let Some(o) = order {
        v["order"] = json!({
            "reference_id": o["reference_id"],
            "total": o["total_amount"]["value"],
            "currency": o["currency"],
        });
    }
    if kind == "order_status" {
        v["order"] = json!({ "reference_id": c["reference_id"], "status": c["status"] });
    }
    v
}

/// What a customer action answered, as `save_as` keeps it: `wamid`, `at`, and for an order
/// `total` (minor units), `amount` (major units, two decimals), `currency` and `items`.
pub fn of_action(response: &Value) -> Value {
    let mut v = json!({ "wamid": response["wamid"], "at": response["at"] });
    if let Some(items) = response["order"]["product_items"].as_array() {
        let total: i64 = items
            .iter()
            .map(|i| i["item_price"].as_i64().unwrap_or(0) * i["quantity"].as_i64().unwrap_or(0))
            .sum();
        v["total"] = json!(total);
        v["amount"] = json!(format!("{}.{:02}", total / 100, total % 100));
        v["currency"] = items.first().map_or(Value::Null, |i| i["currency"].clone());
        v["items"] = json!(items
            .iter()
            .map(|i| json!({ "product": i["product_retailer_id"], "quantity": i["quantity"], "price": i["item_price"] }))
            .collect::<Vec<_>>());
    }
    v
}

fn quote(s: &str) -> String {
    let short: String = s.chars().take(80).collect();
    if short.len() < s.len() {
        format!("{short:?}…")
    } else {
        format!("{short:?}")
    }
}

fn list(v: &Value) -> String {
    let items: Vec<String> = v
        .as_array()
        .into_iter()
        .flatten()
        .map(expr::to_text)
        .collect();
    format!("[{}]", items.join(", "))
}

/// One line about a bot message, for transcripts and failures.
pub fn describe(v: &Value) -> String {
    let mut out = v["type"].as_str().unwrap_or("message").to_owned();
    if let Some(t) = v["template"].as_str() {
        out.push_str(&format!(" {t}"));
    }
    if let Some(h) = v["header"].as_str() {
        out.push_str(&format!(" [{h}]"));
    }
    if let Some(t) = v["text"].as_str() {
        out.push_str(&format!(" {}", quote(t)));
    }
    if v["products"].as_array().is_some_and(|p| !p.is_empty()) {
        out.push_str(&format!(" products {}", list(&v["products"])));
    }
    if v["buttons"].as_array().is_some_and(|p| !p.is_empty()) {
        out.push_str(&format!(" buttons {}", list(&v["buttons"])));
    }
    if v["rows"].as_array().is_some_and(|p| !p.is_empty()) {
        out.push_str(&format!(" rows {}", list(&v["rows"])));
    }
    out
}

fn describe_text(m: &TextMatch) -> String {
    match m {
        TextMatch::Exact(s) => quote(s),
        TextMatch::Rule(r) => {
            let mut parts = vec![];
            if let Some(s) = &r.equals {
                parts.push(quote(s));
            }
            if let Some(s) = &r.contains {
                parts.push(format!("containing {}", quote(s)));
            }
            if let Some(s) = &r.starts_with {
                parts.push(format!("starting with {}", quote(s)));
            }
            if let Some(s) = &r.matches {
                parts.push(format!("matching /{s}/"));
            }
            parts.join(" and ")
        }
    }
}

/// One line about what an `expect` step wants.
pub fn describe_expect(e: &Expect) -> String {
    let mut parts = vec![e.kind.map_or("a message", |k| k.as_str()).to_owned()];
    if let Some(t) = &e.template {
        parts.push(format!("template {t}"));
    }
    if let Some(t) = &e.text {
        parts.push(format!("text {}", describe_text(t)));
    }
    if let Some(p) = &e.products {
        match p {
            ProductMatch::Exactly(ids) => parts.push(format!("products {}", list(&json!(ids)))),
            ProductMatch::Rule(r) => {
                if let Some(a) = &r.all {
                    parts.push(format!("products all of {}", list(&json!(a))));
                }
                if let Some(a) = &r.any {
                    parts.push(format!("products any of {}", list(&json!(a))));
                }
                if let Some(a) = &r.none {
                    parts.push(format!("products none of {}", list(&json!(a))));
                }
                if let Some(n) = r.count {
                    parts.push(format!("{n} products"));
                }
            }
        }
    }
    if let Some(b) = &e.buttons {
        parts.push(format!("buttons {}", list(&json!(b))));
    }
    if let Some(r) = &e.rows {
        parts.push(format!("rows {}", list(&json!(r))));
    }
    parts.join(", ")
}

/// The choice (button or row id, or a template button's text) and card for a title.
pub fn choice_for(v: &Value, title: &str, card: Option<usize>) -> Option<(String, Option<usize>)> {
    v["choices"].as_array()?.iter().find_map(|c| {
        let card_of = c["card"].as_u64().and_then(|n| usize::try_from(n).ok());
        (c["title"] == json!(title) && (card.is_none() || card == card_of))
            .then(|| (expr::to_text(&c["choice"]), card.or(card_of)))
    })
}

/// The titles a customer can tap, for error messages.
pub fn choices(v: &Value) -> String {
    let titles = strs(&v["choices"], "title");
    if titles.is_empty() {
        "none".to_owned()
    } else {
        list(&json!(titles))
    }
}

fn text_of<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field].as_str().unwrap_or("")
}

/// Whether `text` is what `m` asks; named groups of a regular expression are returned.
fn check_text(
    field: &str,
    m: &TextMatch,
    text: &str,
    scope: &Value,
    captures: &mut Vec<(String, String)>,
) -> Result<(), String> {
    let render = |s: &str| expr::render(s, scope);
    let fail = |wanted: String| Err(format!("expected {field} {wanted}, got {}", quote(text)));
    match m {
        TextMatch::Exact(s) => {
            let want = render(s)?;
            if text != want {
                return fail(quote(&want));
            }
        }
        TextMatch::Rule(r) => {
            if let Some(s) = &r.equals {
                let want = render(s)?;
                if text != want {
                    return fail(quote(&want));
                }
            }
            if let Some(s) = &r.contains {
                let want = render(s)?;
                if !text.contains(&want) {
                    return fail(format!("containing {}", quote(&want)));
                }
            }
            if let Some(s) = &r.starts_with {
                let want = render(s)?;
                if !text.starts_with(&want) {
                    return fail(format!("starting with {}", quote(&want)));
                }
            }
            if let Some(s) = &r.matches {
                let pattern = render(s)?;
                let re = regex::Regex::new(&pattern)
                    .map_err(|e| format!("/{pattern}/ is not a valid regular expression: {e}"))?;
                let Some(found) = re.captures(text) else {
                    return fail(format!("matching /{pattern}/"));
                };
                for name in re.capture_names().flatten() {
                    if let Some(g) = found.name(name) {
                        captures.push((name.to_owned(), g.as_str().to_owned()));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Whether the message `v` is what `e` asks, `${…}` filled from `scope`: the values captured,
/// or why not.
pub fn check(e: &Expect, v: &Value, scope: &Value) -> Result<Vec<(String, String)>, String> {
    let render = |s: &str| expr::render(s, scope);
    let got = describe(v);
    let mut captures = vec![];
    if let Some(kind) = e.kind {
        if v["type"] != json!(kind.as_str()) {
            return Err(format!("expected a {} message, got {got}", kind.as_str()));
        }
    }
    if let Some(name) = &e.template {
        let want = render(name)?;
        if v["template"] != json!(want) {
            return Err(format!("expected template {want}, got {got}"));
        }
    }
    for (field, m) in [
        ("text", &e.text),
        ("header", &e.header),
        ("footer", &e.footer),
    ] {
        if let Some(m) = m {
            check_text(field, m, text_of(v, field), scope, &mut captures)?;
        }
    }
    if let Some(p) = &e.products {
        let shown: Vec<String> = v["products"]
            .as_array()
            .into_iter()
            .flatten()
            .map(expr::to_text)
            .collect();
        let render_all =
            |ids: &Vec<String>| ids.iter().map(|s| render(s)).collect::<Result<Vec<_>, _>>();
        let shows = format!("the message shows {}", list(&json!(shown)));
        match p {
            ProductMatch::Exactly(ids) => {
                let want = render_all(ids)?;
                let mut a = want.clone();
                let mut b = shown.clone();
                a.sort();
                b.sort();
                if a != b {
                    return Err(format!("expected products {}; {shows}", list(&json!(want))));
                }
            }
            ProductMatch::Rule(r) => {
                if let Some(all) = &r.all {
                    let want = render_all(all)?;
                    let missing: Vec<&String> =
                        want.iter().filter(|w| !shown.contains(w)).collect();
                    if !missing.is_empty() {
                        return Err(format!(
                            "expected products to include all of {}; missing {} ({shows})",
                            list(&json!(want)),
                            list(&json!(missing))
                        ));
                    }
                }
                if let Some(any) = &r.any {
                    let want = render_all(any)?;
                    if !want.iter().any(|w| shown.contains(w)) {
                        return Err(format!(
                            "expected at least one of the products {}; {shows}",
                            list(&json!(want))
                        ));
                    }
                }
                if let Some(none) = &r.none {
                    let want = render_all(none)?;
                    let present: Vec<&String> = want.iter().filter(|w| shown.contains(w)).collect();
                    if !present.is_empty() {
                        return Err(format!(
                            "expected none of the products {}; {shows}",
                            list(&json!(present))
                        ));
                    }
                }
                if let Some(n) = r.count {
                    if shown.len() != n {
                        return Err(format!("expected {n} products; {shows}"));
                    }
                }
            }
        }
    }
    for (what, field, wanted) in [
        ("buttons", "buttons", &e.buttons),
        ("rows", "rows", &e.rows),
    ] {
        if let Some(wanted) = wanted {
            let want = wanted
                .iter()
                .map(|s| render(s))
                .collect::<Result<Vec<_>, _>>()?;
            let has = &v[field];
            let missing: Vec<&String> = want
                .iter()
                .filter(|w| !has.as_array().is_some_and(|a| a.contains(&json!(w))))
                .collect();
            if !missing.is_empty() {
                return Err(format!(
                    "expected {what} {}; the message has {} (missing {})",
                    list(&json!(want)),
                    list(has),
                    list(&json!(missing))
                ));
            }
        }
    }
    if let Some(r) = &e.reply_to {
        let want = render(r)?;
        if v["reply_to"] != json!(want) {
            return Err(format!(
                "expected a reply to {want}; the message quotes {}",
                v["reply_to"].as_str().unwrap_or("nothing")
            ));
        }
    }
    Ok(captures)
}
