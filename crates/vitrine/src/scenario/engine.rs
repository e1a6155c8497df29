//! Plays one scenario: creates its shoppers, applies its fixtures, performs each customer
//! action through `/_vitrine/customers/…` and checks each expectation against the messages the
//! bot sends (from the run's [`Feed`]), keeping a transcript for when something fails.
//!
//! Its length: one step kind per match arm, each a few lines; the arms share the transcript and the
//! feed.

use super::client::{scoped, CallError, Facts, Vitrine};
use super::feed::{BotMessage, Feed};
use super::view;
use reqwest::Method;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use vitrine_scenario::expr;
use vitrine_scenario::*;

/// The default time the bot has for an expected message.
pub const DEFAULT_WITHIN: Duration = Duration::from_secs(10);
/// The default time watched for unexpected messages at the end of a scenario.
pub const DEFAULT_SETTLE: Duration = Duration::from_millis(300);

/// What every scenario of a run shares.
pub struct RunEnv {
    pub vitrine: Arc<Vitrine>,
    pub feed: Arc<Feed>,
    pub facts: Facts,
    /// The longest any single wait may last (wall clock), whatever the limits say.
    pub step_timeout: Duration,
    /// Digits that make this run's customers' numbers differ from other runs'.
    pub run_id: String,
    pub counter: AtomicU64,
    /// Where progress lines go (`None`: nowhere, as in load runs).
    pub printer: Option<Arc<dyn Fn(String) + Send + Sync>>,
}

impl RunEnv {
    /// A fresh customer number: `19`, six digits of the run, five of the shopper.
    fn fresh_wa_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("19{}{:05}", self.run_id, n % 100_000)
    }

    fn print(&self, line: String) {
        if let Some(p) = &self.printer {
            p(line);
        }
    }
}

/// Why a scenario failed.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// 1-based; 0 for the set-up (customers, fixtures), `steps + 1` for the end.
    pub step: usize,
    /// `say`, `expect`, … (`setup`, `end`).
    pub keyword: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub file: String,
    pub scenario: String,
    pub failure: Option<Failure>,
    pub steps_total: usize,
    pub duration: Duration,
    pub transcript: Vec<String>,
    /// Customer action → the bot's next message, for each expected message (ms).
    pub latencies_ms: Vec<i64>,
    /// Customer actions that reached the bot (messages, taps, orders, payments).
    pub actions: usize,
    /// Bot messages seen.
    pub received: usize,
}

/// The last customer action the bot may answer: when it happened, on both clocks.
#[derive(Debug, Clone)]
struct Mark {
    wall: Instant,
    /// Sandbox ms.
    at: i64,
}

struct Shopper {
    id: String,
    wa_id: String,
    name: String,
    rx: mpsc::UnboundedReceiver<BotMessage>,
    /// Arrived, not yet expected.
    pending: VecDeque<BotMessage>,
    /// The last expected message, and the last of each type (for `last`, `last_<type>`).
    last: Option<Value>,
    last_by_type: BTreeMap<String, Value>,
    /// Expected messages, newest last (for taps, questions and payments on older ones).
    seen: Vec<Value>,
    mark: Option<Mark>,
    last_inbound: Option<String>,
}

impl Shopper {
    /// Moves what arrived into `pending`; messages from another business number are not this
    /// scenario's business.
    fn drain(&mut self, phone: &str) {
        while let Ok(m) = self.rx.try_recv() {
            if m.phone_number_id == phone {
                self.pending.push_back(m);
            }
        }
    }
}

struct Run<'a> {
    env: &'a RunEnv,
    file: &'a ScenarioFile,
    scenario: &'a Scenario,
    phone: String,
    shoppers: Vec<Shopper>,
    vars: Map<String, Value>,
    started: Instant,
    transcript: Vec<String>,
    latencies: Vec<i64>,
    actions: usize,
    received: usize,
    /// Compare sandbox timestamps for wall limits (the clock runs and this scenario did not
    /// move it).
    sandbox_times: bool,
    label: String,
}

type StepResult = Result<(), String>;

/// Applies the fixtures of `file` and `scenario` once (load runs set them up once for every
/// shopper).
pub async fn apply_fixtures(
    env: &RunEnv,
    file: &ScenarioFile,
    scenario: &Scenario,
) -> Result<(), String> {
    let mut run = Run {
        env,
        file,
        scenario,
        phone: file
            .defaults
            .phone_number_id
            .clone()
            .unwrap_or_else(|| env.facts.phone_number_id.clone()),
        shoppers: vec![],
        vars: Map::new(),
        started: Instant::now(),
        transcript: vec![],
        latencies: vec![],
        actions: 0,
        received: 0,
        sandbox_times: true,
        label: String::new(),
    };
    for (k, v) in file.vars.iter().chain(&scenario.vars) {
        run.vars.insert(k.clone(), json!(v));
    }
    for (i, f) in file.fixtures.iter().chain(&scenario.fixtures).enumerate() {
        run.fixture(f)
            .await
            .map_err(|m| format!("fixture {}: {m}", i + 1))?;
    }
    Ok(())
}

/// Plays `scenario` of `file` (named `file_name`).
pub async fn run_scenario(
    env: &RunEnv,
    file_name: &str,
    file: &ScenarioFile,
    scenario: &Scenario,
) -> Outcome {
    let mut run = Run {
        env,
        file,
        scenario,
        phone: file
            .defaults
            .phone_number_id
            .clone()
            .unwrap_or_else(|| env.facts.phone_number_id.clone()),
        shoppers: vec![],
        vars: Map::new(),
        started: Instant::now(),
        transcript: vec![],
        latencies: vec![],
        actions: 0,
        received: 0,
        sandbox_times: true,
        label: format!("{file_name} › {}", scenario.name),
    };
    for (k, v) in file.vars.iter().chain(&scenario.vars) {
        run.vars.insert(k.clone(), json!(v));
    }
    let failure = run.play().await;
    for s in &run.shoppers {
        env.feed.unsubscribe(&s.wa_id);
    }
    Outcome {
        file: file_name.to_owned(),
        scenario: scenario.name.clone(),
        failure,
        steps_total: scenario.steps.len(),
        duration: run.started.elapsed(),
        transcript: run.transcript,
        latencies_ms: run.latencies,
        actions: run.actions,
        received: run.received,
    }
}

fn ms(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 10_000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

impl Run<'_> {
    async fn play(&mut self) -> Option<Failure> {
        let fail = |step: usize, keyword: &str, message: String| Failure {
            step,
            keyword: keyword.to_owned(),
            message,
        };
        if let Err(m) = self.setup().await {
            self.env.print(format!("  ✗ {} › setup: {m}", self.label));
            return Some(fail(0, "setup", m));
        }
        let steps = &self.scenario.steps;
        for (i, step) in steps.iter().enumerate() {
            let began = Instant::now();
            let result = self.step(step).await;
            match result {
                Ok(()) => self.env.print(format!(
                    "  ✓ {} › {} {} ({})",
                    self.label,
                    i + 1,
                    step.keyword(),
                    ms(began.elapsed())
                )),
                Err(m) => {
                    self.env.print(format!(
                        "  ✗ {} › {} {}: {m}",
                        self.label,
                        i + 1,
                        step.keyword()
                    ));
                    self.note(format!("✗ step {} ({}): {m}", i + 1, step.keyword()));
                    return Some(fail(i + 1, step.keyword(), m));
                }
            }
        }
        // Anything the bot sent that no step expected.
        let settle = self.file.defaults.settle.map_or(DEFAULT_SETTLE, |d| d.0);
        tokio::time::sleep(settle).await;
        if let Err(m) = self.no_unexpected("the end of the scenario") {
            self.env.print(format!("  ✗ {} › end: {m}", self.label));
            self.note(format!("✗ end: {m}"));
            return Some(fail(steps.len() + 1, "end", m));
        }
        None
    }

    fn note(&mut self, line: String) {
        let t = self.started.elapsed();
        self.transcript
            .push(format!("{:>8.3}s  {line}", t.as_secs_f64()));
    }

    /// Customers and fixtures.
    async fn setup(&mut self) -> StepResult {
        let default = [CustomerSpec {
            id: "customer".to_owned(),
            name: None,
            wa_id: None,
            read_receipts: None,
            devices: vec![],
        }];
        let specs: &[CustomerSpec] = if self.scenario.customers.is_empty() {
            &default
        } else {
            &self.scenario.customers
        };
        let clock = self.env.vitrine.get("/clock").await.map_err(call)?;
        self.sandbox_times = clock["frozen"] != json!(true);
        for spec in specs {
            let wa_id = spec.wa_id.clone().unwrap_or_else(|| self.env.fresh_wa_id());
            let mut body = json!({ "wa_id": wa_id });
            if let Some(n) = &spec.name {
                body["name"] = json!(n);
            }
            if let Some(r) = spec.read_receipts {
                body["read_receipts"] = json!(r);
            }
            let created = self
                .env
                .vitrine
                .post("/customers", body)
                .await
                .map_err(|e| format!("creating customer {}: {e}", spec.id))?;
            for (i, d) in spec.devices.iter().enumerate() {
                let id = d.id.clone().unwrap_or_else(|| {
                    if i == 0 {
                        "phone".to_owned()
                    } else {
                        format!("device-{}", i + 1)
                    }
                });
                self.env
                    .vitrine
                    .post(
                        &format!("/customers/{wa_id}/devices"),
                        json!({
                            "id": id,
                            "platform": d.platform.map_or("android", Platform::as_str),
                            "app_version": d.app_version,
                        }),
                    )
                    .await
                    .map_err(|e| format!("adding device {id} of {}: {e}", spec.id))?;
            }
            let rx = self.env.feed.subscribe(&wa_id);
            self.shoppers.push(Shopper {
                id: spec.id.clone(),
                name: created["name"].as_str().unwrap_or_default().to_owned(),
                wa_id,
                rx,
                pending: VecDeque::new(),
                last: None,
                last_by_type: BTreeMap::new(),
                seen: vec![],
                mark: None,
                last_inbound: None,
            });
        }
        let fixtures: Vec<Fixture> = self
            .file
            .fixtures
            .iter()
            .chain(&self.scenario.fixtures)
            .cloned()
            .collect();
        for (i, f) in fixtures.iter().enumerate() {
            self.fixture(f)
                .await
                .map_err(|m| format!("fixture {}: {m}", i + 1))?;
        }
        Ok(())
    }

    async fn fixture(&mut self, f: &Fixture) -> StepResult {
        let v = &self.env.vitrine;
        let facts = &self.env.facts;
        match f {
            Fixture::Clock(c) => return self.clock(c).await,
            Fixture::Product(p) => {
                let scope = self.scope(0);
                let rid = expr::render(&p.retailer_id, &scope)?;
                let catalog = p
                    .catalog_id
                    .clone()
                    .or_else(|| facts.raw["catalog_id"].as_str().map(str::to_owned))
                    .ok_or("no catalog_id, and the sandbox has no demo catalog")?;
                if p.delete {
                    let found = v
                        .graph(
                            facts,
                            Method::GET,
                            &format!("{catalog}/products"),
                            json!({ "filter": json!({ "retailer_id": { "eq": rid } }).to_string(), "fields": "id" }),
                        )
                        .await
                        .map_err(call)?;
                    let id = found["data"][0]["id"]
                        .as_str()
                        .ok_or_else(|| format!("no product {rid} to delete"))?
                        .to_owned();
                    v.graph(facts, Method::DELETE, &id, json!({}))
                        .await
                        .map_err(call)?;
                } else {
                    let mut body = json!({ "retailer_id": rid, "allow_upsert": true });
                    let fields = [
                        ("name", p.name.clone().map(Value::from)),
                        ("description", p.description.clone().map(Value::from)),
                        ("price", p.price.map(Value::from)),
                        ("sale_price", p.sale_price.map(Value::from)),
                        ("currency", p.currency.clone().map(Value::from)),
                        ("availability", p.availability.clone().map(Value::from)),
                        ("visibility", p.visibility.clone().map(Value::from)),
                        ("image_url", p.image_url.clone().map(Value::from)),
                        ("url", p.url.clone().map(Value::from)),
                    ];
                    for (k, val) in fields {
                        if let Some(val) = val {
                            body[k] = val;
                        }
                    }
                    v.graph(facts, Method::POST, &format!("{catalog}/products"), body)
                        .await
                        .map_err(call)?;
                }
            }
            Fixture::CommerceSettings(c) => {
                let mut body = json!({});
                if let Some(b) = c.is_cart_enabled {
                    body["is_cart_enabled"] = json!(b.to_string());
                }
                if let Some(b) = c.is_catalog_visible {
                    body["is_catalog_visible"] = json!(b.to_string());
                }
                v.graph(
                    facts,
                    Method::POST,
                    &format!("{}/whatsapp_commerce_settings", self.phone),
                    body,
                )
                .await
                .map_err(call)?;
            }
            Fixture::Throughput(t) => {
                let body = match (&t.level, t.mps, t.unlimited) {
                    (Some(l), _, _) => json!({ "level": l }),
                    (_, Some(m), _) => json!({ "mps": m }),
                    (_, _, Some(u)) => json!({ "unlimited": u }),
                    _ => json!({}),
                };
                v.post(&format!("/phone_numbers/{}/throughput", self.phone), body)
                    .await
                    .map_err(call)?;
            }
        }
        Ok(())
    }

    async fn clock(&mut self, c: &ClockMove) -> StepResult {
        self.sandbox_times = false;
        let v = &self.env.vitrine;
        let r = match c {
            ClockMove::Advance(d) => {
                v.post("/clock/advance", json!({ "ms": d.as_millis() }))
                    .await
            }
            ClockMove::SetUnix(u) => v.post("/clock/set", json!({ "unix": u })).await,
            ClockMove::Freeze => v.post("/clock/freeze", json!({})).await,
            ClockMove::Unfreeze => v.post("/clock/unfreeze", json!({})).await,
        };
        r.map(|_| ()).map_err(call)
    }

    /// The values `${…}` can name, as customer `who` sees them.
    fn scope(&self, who: usize) -> Value {
        let mut scope = self.vars.clone();
        let customers: Map<String, Value> = self
            .shoppers
            .iter()
            .map(|s| {
                (
                    s.id.clone(),
                    json!({ "id": s.id, "wa_id": s.wa_id, "name": s.name }),
                )
            })
            .collect();
        if let Some(s) = self.shoppers.get(who) {
            scope.insert(
                "customer".into(),
                json!({ "id": s.id, "wa_id": s.wa_id, "name": s.name }),
            );
            if let Some(last) = &s.last {
                scope.insert("last".into(), last.clone());
            }
            for (k, v) in &s.last_by_type {
                scope.insert(format!("last_{k}"), v.clone());
            }
        }
        scope.insert("customers".into(), Value::Object(customers));
        scope.insert("sandbox".into(), self.env.facts.raw.clone());
        scope.insert("run".into(), json!({ "id": self.env.run_id }));
        Value::Object(scope)
    }

    fn who(&self, alias: &Option<String>) -> Result<usize, String> {
        match alias {
            None => Ok(0),
            Some(a) => self
                .shoppers
                .iter()
                .position(|s| &s.id == a)
                .ok_or_else(|| format!("no customer '{a}'")),
        }
    }

    fn render(&self, who: usize, s: &str) -> Result<String, String> {
        expr::render(s, &self.scope(who))
    }

    fn render_opt(&self, who: usize, s: &Option<String>) -> Result<Option<String>, String> {
        s.as_deref().map(|s| self.render(who, s)).transpose()
    }

    /// Fails on any message the bot sent that no step expected yet.
    fn no_unexpected(&mut self, before: &str) -> StepResult {
        for i in 0..self.shoppers.len() {
            let phone = self.phone.clone();
            self.shoppers[i].drain(&phone);
            if let Some(m) = self.shoppers[i].pending.pop_front() {
                let desc = view::describe(&view::of(&m.record));
                let id = self.shoppers[i].id.clone();
                self.received += 1;
                self.note(format!("← bot to {id}: {desc}"));
                return Err(format!(
                    "unexpected message from the bot to {id} before {before}: {desc}"
                ));
            }
        }
        Ok(())
    }

    async fn step(&mut self, step: &Step) -> StepResult {
        if step.is_action() {
            self.no_unexpected(&format!("`{}`", step.keyword()))?;
        }
        match step {
            Step::Say(say) => {
                let (text, reply_to, who, save) = match say {
                    Say::Text(t) => (t.clone(), None, 0, None),
                    Say::Full(f) => (
                        f.text.clone(),
                        f.reply_to.clone(),
                        self.who(&f.customer)?,
                        f.save_as.clone(),
                    ),
                };
                let text = self.render(who, &text)?;
                let mut body = json!({ "text": text });
                if let Some(r) = self.render_opt(who, &reply_to)? {
                    body["reply_to"] = json!(r);
                }
                self.act(who, "messages", body, format!("says {text:?}"), save)
                    .await
            }
            Step::Ask(a) => {
                let who = self.who(&a.customer)?;
                let product = self.render(who, &a.product)?;
                let text = self.render(who, &a.text)?;
                let wamid = match self.render_opt(who, &a.message)? {
                    Some(w) => w,
                    None => self.find(who, "a message showing that product", |v| {
                        v["type"] == "catalog_message"
                            || v["products"]
                                .as_array()
                                .is_some_and(|p| p.iter().any(|x| x == &json!(product)))
                    })?,
                };
                let body = json!({ "text": text, "about": { "wamid": wamid, "product_retailer_id": product } });
                self.act(
                    who,
                    "messages",
                    body,
                    format!("asks about {product}: {text:?}"),
                    a.save_as.clone(),
                )
                .await
            }
            Step::Tap(t) => {
                let (title, id, message, card, who, save) = match t {
                    Tap::Title(t) => (Some(t.clone()), None, None, None, 0, None),
                    Tap::Full(f) => (
                        f.title.clone(),
                        f.id.clone(),
                        f.message.clone(),
                        f.card,
                        self.who(&f.customer)?,
                        f.save_as.clone(),
                    ),
                };
                let title = self.render_opt(who, &title)?;
                let id = self.render_opt(who, &id)?;
                let wamid = match self.render_opt(who, &message)? {
                    Some(w) => w,
                    None => self.find(who, "a message with buttons or a list", |v| {
                        v["buttons"].as_array().is_some_and(|b| !b.is_empty())
                            || v["rows"].as_array().is_some_and(|r| !r.is_empty())
                    })?,
                };
                let shown = self.shoppers[who]
                    .seen
                    .iter()
                    .rev()
                    .find(|v| v["wamid"] == json!(wamid))
                    .cloned()
                    .unwrap_or(Value::Null);
                let (choice, card) = match (title, id) {
                    (_, Some(id)) => (id, card),
                    (Some(title), None) => {
                        view::choice_for(&shown, &title, card).ok_or_else(|| {
                            format!(
                                "the message has no button or row titled {title:?} (it has {})",
                                view::choices(&shown)
                            )
                        })?
                    }
                    (None, None) => return Err("tap needs a title or an id".to_owned()),
                };
                let mut body = json!({ "wamid": wamid, "choice": choice });
                if let Some(c) = card {
                    body["card"] = json!(c);
                }
                self.act(who, "replies", body, format!("taps {choice:?}"), save)
                    .await
            }
            Step::Open(o) => {
                let (product, who, save) = match o {
                    Open::Product(p) => (p.clone(), 0, None),
                    Open::Full(f) => (f.product.clone(), self.who(&f.customer)?, f.save_as.clone()),
                };
                let product = self.render(who, &product)?;
                let wa = self.shoppers[who].wa_id.clone();
                let page = self
                    .env
                    .vitrine
                    .get(&format!(
                        "/customers/{wa}/products/{product}?phone_number_id={}",
                        self.phone
                    ))
                    .await
                    .map_err(call)?;
                let id = self.shoppers[who].id.clone();
                self.note(format!("→ {id} opens {product}"));
                if let Some(name) = save {
                    self.vars.insert(name, page);
                }
                Ok(())
            }
            Step::Browse(v) | Step::ViewCart(v) => {
                let v = v.clone().unwrap_or_default();
                let who = self.who(&v.customer)?;
                let wa = self.shoppers[who].wa_id.clone();
                let (what, mut path) = match step {
                    Step::Browse(_) => ("browses the catalog", format!("/customers/{wa}/catalog")),
                    _ => ("looks at the cart", format!("/customers/{wa}/cart")),
                };
                path.push_str(&format!("?phone_number_id={}", self.phone));
                if let Some(d) = &v.device {
                    path.push_str(&format!("&device={d}"));
                }
                let seen = self.env.vitrine.get(&path).await.map_err(call)?;
                let id = self.shoppers[who].id.clone();
                self.note(format!("→ {id} {what}"));
                if let Some(name) = v.save_as {
                    self.vars.insert(name, seen);
                }
                Ok(())
            }
            Step::Add(add) => {
                let q = match add {
                    CartAdd::Product(p) => CartQuantity {
                        product: p.clone(),
                        quantity: None,
                        customer: None,
                        device: None,
                    },
                    CartAdd::Full(q) => q.clone(),
                };
                let who = self.who(&q.customer)?;
                let product = self.render(who, &q.product)?;
                let quantity = q.quantity.unwrap_or(1);
                let mut body = json!({ "product_retailer_id": product, "quantity": quantity });
                if let Some(d) = &q.device {
                    body["device"] = json!(d);
                }
                self.cart(
                    who,
                    Method::POST,
                    "cart/items".to_owned(),
                    body,
                    format!("adds {quantity} × {product}"),
                )
                .await
            }
            Step::SetQuantity(q) => {
                let who = self.who(&q.customer)?;
                let product = self.render(who, &q.product)?;
                let quantity = q.quantity.unwrap_or(1);
                let mut body = json!({ "quantity": quantity });
                if let Some(d) = &q.device {
                    body["device"] = json!(d);
                }
                self.cart(
                    who,
                    Method::PUT,
                    format!("cart/items/{product}"),
                    body,
                    format!("sets {product} to {quantity}"),
                )
                .await
            }
            Step::Remove(item) => {
                let (product, who, device) = match item {
                    CartItem::Product(p) => (p.clone(), 0, None),
                    CartItem::Full(f) => {
                        (f.product.clone(), self.who(&f.customer)?, f.device.clone())
                    }
                };
                let product = self.render(who, &product)?;
                let mut path = format!("cart/items/{product}?phone_number_id={}", self.phone);
                if let Some(d) = device {
                    path.push_str(&format!("&device={d}"));
                }
                self.cart(
                    who,
                    Method::DELETE,
                    path,
                    Value::Null,
                    format!("removes {product}"),
                )
                .await
            }
            Step::SendCart(s) => {
                let s = s.clone().unwrap_or_default();
                let who = self.who(&s.customer)?;
                let mut body = json!({});
                if let Some(n) = self.render_opt(who, &s.note)? {
                    body["text"] = json!(n);
                }
                if let Some(d) = &s.device {
                    body["device"] = json!(d);
                }
                self.act(
                    who,
                    "cart/send",
                    body,
                    "sends the cart".to_owned(),
                    s.save_as.clone(),
                )
                .await
            }
            Step::Pay(p) => {
                let p = p.clone().unwrap_or_default();
                let who = self.who(&p.customer)?;
                let wamid = match self.render_opt(who, &p.message)? {
                    Some(w) => w,
                    None => self.find(who, "a message with an order to pay", |v| {
                        v["order"]["total"].is_number()
                    })?,
                };
                let status = match p.status {
                    Some(PaymentOutcome::Failed) => "failed",
                    _ => "captured",
                };
                let body = json!({
                    "wamid": wamid,
                    "status": status,
                    "method": p.method.clone().unwrap_or_else(|| "upi".to_owned()),
                });
                self.act(
                    who,
                    "payments",
                    body,
                    format!("pays ({status})"),
                    p.save_as.clone(),
                )
                .await
            }
            Step::Location(l) => {
                let who = self.who(&l.customer)?;
                let mut body = json!({ "latitude": l.latitude, "longitude": l.longitude });
                for (k, v) in [
                    ("name", &l.name),
                    ("address", &l.address),
                    ("reply_to", &l.reply_to),
                ] {
                    if let Some(v) = self.render_opt(who, v)? {
                        body[k] = json!(v);
                    }
                }
                let what = format!("shares a location ({}, {})", l.latitude, l.longitude);
                self.act(who, "locations", body, what, l.save_as.clone())
                    .await
            }
            Step::React(r) => {
                let who = self.who(&r.customer)?;
                let emoji = self.render(who, &r.emoji)?;
                let wamid = match self.render_opt(who, &r.message)? {
                    Some(w) => w,
                    None => self.find(who, "message to react to", |_| true)?,
                };
                let body = json!({ "wamid": wamid, "emoji": emoji });
                self.act(who, "reactions", body, format!("reacts {emoji}"), None)
                    .await
            }
            Step::Read(a) => {
                let a = a.clone().unwrap_or_default();
                let who = self.who(&a.customer)?;
                let wa = self.shoppers[who].wa_id.clone();
                let mut path = format!("/customers/{wa}/chat?phone_number_id={}", self.phone);
                if let Some(d) = &a.device {
                    path.push_str(&format!("&device={d}"));
                }
                self.env.vitrine.get(&path).await.map_err(call)?;
                let id = self.shoppers[who].id.clone();
                self.note(format!("→ {id} opens the chat (reads it)"));
                Ok(())
            }
            Step::Expect(e) => self.expect(e).await,
            Step::ExpectRead(r) => {
                let r = r.clone().unwrap_or_default();
                self.expect_read(&r).await
            }
            Step::ExpectNothing(q) => {
                let (d, who) = match q {
                    Quiet::For(d) => (*d, 0),
                    Quiet::Full(f) => (f.duration, self.who(&f.customer)?),
                };
                self.expect_nothing(who, d.0).await
            }
            Step::Wait(d) => {
                tokio::time::sleep(d.0).await;
                Ok(())
            }
            Step::Clock(c) => {
                self.clock(c).await?;
                self.note(format!(
                    "· clock: {}",
                    serde_json::to_string(c).unwrap_or_default()
                ));
                Ok(())
            }
            Step::Set(vars) => {
                for (k, v) in vars {
                    let value = self.render(0, v)?;
                    self.vars.insert(k.clone(), json!(value));
                }
                Ok(())
            }
        }
    }

    /// The newest expected message of `who` that `pred` accepts.
    fn find(
        &self,
        who: usize,
        what: &str,
        pred: impl Fn(&Value) -> bool,
    ) -> Result<String, String> {
        self.shoppers[who]
            .seen
            .iter()
            .rev()
            .find(|v| pred(v))
            .and_then(|v| v["wamid"].as_str().map(str::to_owned))
            .ok_or_else(|| format!("the bot has sent {} no {what} yet", self.shoppers[who].id))
    }

    /// A customer action that reaches the bot: `POST /_vitrine/customers/{wa_id}/{path}`.
    async fn act(
        &mut self,
        who: usize,
        path: &str,
        body: Value,
        what: String,
        save_as: Option<String>,
    ) -> StepResult {
        let wa = self.shoppers[who].wa_id.clone();
        let wall = Instant::now();
        let r = self
            .env
            .vitrine
            .post(
                &format!("/customers/{wa}/{path}"),
                scoped(body, &self.phone),
            )
            .await
            .map_err(call)?;
        let at = r["at"].as_i64().unwrap_or(0);
        let id = self.shoppers[who].id.clone();
        self.note(format!("→ {id} {what}"));
        let s = &mut self.shoppers[who];
        s.mark = Some(Mark { wall, at });
        s.last_inbound = r["wamid"].as_str().map(str::to_owned);
        self.actions += 1;
        if let Some(name) = save_as {
            self.vars.insert(name, view::of_action(&r));
        }
        Ok(())
    }

    async fn cart(
        &mut self,
        who: usize,
        method: Method,
        path: String,
        body: Value,
        what: String,
    ) -> StepResult {
        let wa = self.shoppers[who].wa_id.clone();
        let path = format!("/customers/{wa}/{path}");
        let body = if body.is_null() {
            None
        } else {
            Some(scoped(body, &self.phone))
        };
        self.env
            .vitrine
            .call(method, &path, body)
            .await
            .map_err(call)?;
        let id = self.shoppers[who].id.clone();
        self.note(format!("→ {id} {what}"));
        Ok(())
    }

    fn limit(&self, within: &Option<Within>) -> Within {
        within
            .or(self.file.defaults.within)
            .unwrap_or(Within::Wall(vitrine_scenario::Duration(DEFAULT_WITHIN)))
    }

    async fn expect(&mut self, e: &Expect) -> StepResult {
        let who = self.who(&e.customer)?;
        let limit = self.limit(&e.within);
        let wanted = view::describe_expect(e);
        let mark = self.shoppers[who].mark.clone().unwrap_or(Mark {
            wall: self.started,
            at: 0,
        });
        let (message, late) = self.wait_message(who, &mark, limit).await?;
        let Some(message) = message else {
            let limit_text = limit_text(limit);
            self.note(format!("  expected: {wanted}"));
            self.note("  arrived:  nothing".to_owned());
            return Err(format!(
                "no message from the bot within {limit_text} (expected {wanted})"
            ));
        };
        self.received += 1;
        let v = view::of(&message.record);
        let desc = view::describe(&v);
        let id = self.shoppers[who].id.clone();
        let took = self.latency(&mark, &message);
        self.note(format!("← bot to {id}: {desc} (after {took} ms)"));
        if let Some(over) = late {
            self.note(format!(
                "  expected: {wanted}, within {}",
                limit_text(limit)
            ));
            return Err(format!(
                "the bot's message came late: after {over}, over the limit of {} ({desc})",
                limit_text(limit)
            ));
        }
        let scope = self.scope(who);
        let captures = match view::check(e, &v, &scope) {
            Ok(c) => c,
            Err(why) => {
                self.note(format!("  expected: {wanted}"));
                self.note(format!("  arrived:  {desc}"));
                return Err(why);
            }
        };
        self.latencies.push(took);
        for (k, val) in captures {
            self.vars.insert(k, json!(val));
        }
        if let Some(name) = &e.save_as {
            self.vars.insert(name.clone(), v.clone());
        }
        let s = &mut self.shoppers[who];
        if let Some(t) = v["type"].as_str() {
            s.last_by_type.insert(t.to_owned(), v.clone());
        }
        s.last = Some(v.clone());
        s.seen.push(v);
        Ok(())
    }

    /// How long after the action the message came (ms): on the sandbox clock when it runs
    /// untouched (exact, whatever the polling), else as the runner saw it.
    fn latency(&self, mark: &Mark, m: &BotMessage) -> i64 {
        if self.sandbox_times && mark.at > 0 {
            (m.at - mark.at).max(0)
        } else {
            i64::try_from(m.seen.saturating_duration_since(mark.wall).as_millis())
                .unwrap_or(i64::MAX)
        }
    }

    /// The next message to `who`, within `limit` of `mark`: `(None, _)` when none came, and
    /// `Some(how late)` when it came after the limit (but within a grace period after it).
    async fn wait_message(
        &mut self,
        who: usize,
        mark: &Mark,
        limit: Within,
    ) -> Result<(Option<BotMessage>, Option<String>), String> {
        let cap = Instant::now() + self.env.step_timeout;
        match limit {
            Within::Wall(d) | Within::Clock(ClockLimit { wall: Some(d), .. }) => {
                let d = d.0;
                let grace = d.clamp(Duration::from_secs(1), Duration::from_secs(5));
                let until = (mark.wall + d + grace).min(cap.max(mark.wall + d));
                let m = self.next_message(who, until).await;
                Ok(match m {
                    None => (None, None),
                    Some(m) => {
                        let took = Duration::from_millis(
                            u64::try_from(self.latency(mark, &m)).unwrap_or(0),
                        );
                        let late = (took > d).then(|| ms(took));
                        (Some(m), late)
                    }
                })
            }
            Within::Clock(ClockLimit { sandbox, .. }) => {
                let d = sandbox.map_or(DEFAULT_WITHIN, |d| d.0);
                let limit_ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
                loop {
                    let slice = (Instant::now() + Duration::from_millis(250)).min(cap);
                    if let Some(m) = self.next_message(who, slice).await {
                        let over = m.at - mark.at;
                        let late =
                            (over > limit_ms).then(|| format!("{over} ms on the sandbox clock"));
                        return Ok((Some(m), late));
                    }
                    if Instant::now() >= cap {
                        return Ok((None, None));
                    }
                    let now = self.env.vitrine.clock_now().await.map_err(call)?;
                    if now > mark.at + limit_ms + 1000 {
                        return Ok((None, None));
                    }
                }
            }
        }
    }

    async fn next_message(&mut self, who: usize, until: Instant) -> Option<BotMessage> {
        let phone = self.phone.clone();
        let s = &mut self.shoppers[who];
        s.drain(&phone);
        if let Some(m) = s.pending.pop_front() {
            return Some(m);
        }
        loop {
            let m = tokio::time::timeout_at(until.into(), s.rx.recv())
                .await
                .ok()
                .flatten()?;
            if m.phone_number_id == phone {
                return Some(m);
            }
        }
    }

    async fn expect_nothing(&mut self, who: usize, d: Duration) -> StepResult {
        let until = Instant::now() + d;
        if let Some(m) = self.next_message(who, until).await {
            self.received += 1;
            let desc = view::describe(&view::of(&m.record));
            let id = self.shoppers[who].id.clone();
            self.note(format!("← bot to {id}: {desc}"));
            return Err(format!(
                "expected no message for {}, but the bot sent {desc}",
                ms(d)
            ));
        }
        Ok(())
    }

    async fn expect_read(&mut self, r: &ExpectRead) -> StepResult {
        let who = self.who(&r.customer)?;
        let s = &self.shoppers[who];
        let wamid = s
            .last_inbound
            .clone()
            .ok_or("the customer has sent nothing the bot could read")?;
        let d = match self.limit(&r.within) {
            Within::Wall(d) => d.0,
            Within::Clock(c) => c.wall.or(c.sandbox).map_or(DEFAULT_WITHIN, |d| d.0),
        };
        let mark = s.mark.clone().map_or(self.started, |m| m.wall);
        let path = format!("/conversations/{}/{}", self.phone, s.wa_id);
        let id = s.id.clone();
        loop {
            let thread = self.env.vitrine.get(&path).await.map_err(call)?;
            let read = thread["messages"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|m| m["wamid"] == json!(wamid) && m["read"] == json!(true));
            if read {
                self.note(format!("← bot read {id}'s message"));
                return Ok(());
            }
            if mark.elapsed() > d {
                return Err(format!(
                    "the bot did not mark {id}'s last message as read within {}",
                    ms(d)
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn call(e: CallError) -> String {
    e.to_string()
}

fn limit_text(w: Within) -> String {
    match w {
        Within::Wall(d) | Within::Clock(ClockLimit { wall: Some(d), .. }) => d.to_string(),
        Within::Clock(ClockLimit { sandbox, .. }) => format!(
            "{} on the sandbox clock",
            sandbox.map_or_else(|| "10s".to_owned(), |d| d.to_string())
        ),
    }
}
