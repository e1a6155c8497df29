//! `GET /_vitrine/metrics`: this node's metrics in Prometheus' text exposition format (0.0.4).
//!
//! Each server keeps its own registry ([`Metrics`], held by [`AppState`]), never a process-wide
//! recorder: the tests start many servers in one process, and each must count only its own
//! requests. Recording bumps atomics (and, for a labelled series, takes the family's read lock
//! and a histogram's short lock); gauges that live in the database (webhooks pending, how far
//! this node's directory is behind the change log) are read at scrape time.
//!
//! Core reports what only it sees (messages accepted, limits hit, the store writer's batches,
//! webhook attempts) through [`vitrine_core::telemetry::Telemetry`], which [`Metrics`]
//! implements.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};
use vitrine_core::telemetry::{AttemptOutcome, LimitHit, Telemetry};

/// The `Content-Type` of the exposition format.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Upper bounds of the latency histograms: 0.5 ms to 10 s.
const SECONDS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Upper bounds of the batch-size histogram: 1 to the writer's largest batch (512).
const BATCH_SIZES: [f64; 10] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

/// The route label of a request that matched no route.
pub const UNMATCHED: &str = "unmatched";

fn latency_histogram() -> Histogram {
    Histogram::new(SECONDS)
}

/// A route template: axum's matched path, or one of the Graph templates (a response extension
/// set by [`crate::graph::dispatch`]). Never a raw path: ids would make a series per request.
#[derive(Clone, Debug)]
pub enum Route {
    Static(&'static str),
    Matched(MatchedPath),
}

impl Route {
    pub fn as_str(&self) -> &str {
        match self {
            Route::Static(s) => s,
            Route::Matched(m) => m.as_str(),
        }
    }
}

impl PartialEq for Route {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Route {}

impl Hash for Route {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl EncodeLabelValue for Route {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        EncodeLabelValue::encode(&self.as_str(), encoder)
    }
}

/// The Graph route template a response answered (see [`crate::graph::dispatch`]).
#[derive(Clone, Copy, Debug)]
pub struct GraphRoute(pub &'static str);

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: Route,
    method: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: Route,
    method: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TypeLabels {
    r#type: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabels {
    limit: &'static str,
    code: u32,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NodeLabels {
    node: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// One server's metrics.
pub struct Metrics {
    registry: Registry,
    node: NodeLabels,
    http_requests: Family<RequestLabels, Counter>,
    http_duration: HistogramFamily<RouteLabels>,
    send_duration: HistogramFamily<OutcomeLabels>,
    messages_accepted: Family<TypeLabels, Counter>,
    batch_size: Histogram,
    commit_duration: Histogram,
    webhook_attempts: Family<OutcomeLabels, Counter>,
    webhook_duration: HistogramFamily<OutcomeLabels>,
    webhooks_pending: Gauge,
    webhooks_handed_over: Counter,
    limiter_rejections: Family<LimitLabels, Counter>,
    changelog_lag: Family<NodeLabels, Gauge>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("node", &self.node.node)
            .finish_non_exhaustive()
    }
}

impl Metrics {
    /// A fresh registry for the node `node_id`.
    pub fn new(node_id: &str) -> Metrics {
        let mut registry = Registry::with_prefix("vitrine");
        let http_requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status",
            http_requests.clone(),
        );
        let http_duration = HistogramFamily::<RouteLabels>::new_with_constructor(latency_histogram);
        registry.register_with_unit(
            "http_request_duration",
            "Time from a request's arrival to its response's head, by route template and method",
            Unit::Seconds,
            http_duration.clone(),
        );
        let send_duration =
            HistogramFamily::<OutcomeLabels>::new_with_constructor(latency_histogram);
        registry.register_with_unit(
            "send_duration",
            "Time to accept or refuse a message (POST /{phone-number-id}/messages), durable \
             before it is accepted",
            Unit::Seconds,
            send_duration.clone(),
        );
        let messages_accepted = Family::<TypeLabels, Counter>::default();
        registry.register(
            "messages_accepted",
            "Messages accepted, by type",
            messages_accepted.clone(),
        );
        let batch_size = Histogram::new(BATCH_SIZES);
        registry.register(
            "store_commit_batch_size",
            "Writes the store's group-commit writer committed together",
            batch_size.clone(),
        );
        let commit_duration = latency_histogram();
        registry.register_with_unit(
            "store_commit_duration",
            "Time the group-commit writer took to commit one batch",
            Unit::Seconds,
            commit_duration.clone(),
        );
        let webhook_attempts = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "webhook_attempts",
            "Webhook delivery attempts, by outcome (delivered, failed and to be retried, gave_up)",
            webhook_attempts.clone(),
        );
        let webhook_duration =
            HistogramFamily::<OutcomeLabels>::new_with_constructor(latency_histogram);
        registry.register_with_unit(
            "webhook_attempt_duration",
            "Time from a webhook request's start to its answer (or failure), by outcome",
            Unit::Seconds,
            webhook_duration.clone(),
        );
        let webhooks_pending = Gauge::default();
        registry.register(
            "webhooks_pending",
            "Webhooks waiting to be delivered, due or not, in the whole database (read at scrape \
             time)",
            webhooks_pending.clone(),
        );
        let webhooks_handed_over = Counter::default();
        registry.register(
            "webhooks_handed_over",
            "Webhooks due at once that sends handed to this node's dispatcher in memory, leased \
             by their insert, instead of leaving them to be claimed from the outbox",
            webhooks_handed_over.clone(),
        );
        let limiter_rejections = Family::<LimitLabels, Counter>::default();
        registry.register(
            "limiter_rejections",
            "Sends refused (or failed) by a limit: throughput (130429) or pair (131056)",
            limiter_rejections.clone(),
        );
        let changelog_lag = Family::<NodeLabels, Gauge>::default();
        registry.register(
            "changelog_lag",
            "Directory change-log entries this node has not applied yet (read at scrape time)",
            changelog_lag.clone(),
        );
        // Series of known label values start at 0, so that they are there (and rates work) before
        // the first event; the routes' and the node's appear with their first request or scrape.
        for outcome in ["accepted", "refused"] {
            drop(send_duration.get_or_create(&OutcomeLabels { outcome }));
        }
        for kind in vitrine_core::message::Outgoing::kinds() {
            drop(messages_accepted.get_or_create(&TypeLabels { r#type: kind }));
        }
        for outcome in [
            AttemptOutcome::Delivered,
            AttemptOutcome::Failed,
            AttemptOutcome::GaveUp,
        ] {
            let labels = OutcomeLabels {
                outcome: outcome.as_str(),
            };
            drop(webhook_attempts.get_or_create(&labels));
            drop(webhook_duration.get_or_create(&labels));
        }
        for limit in [LimitHit::Throughput, LimitHit::Pair] {
            drop(limiter_rejections.get_or_create(&LimitLabels {
                limit: limit.as_str(),
                code: limit.code(),
            }));
        }
        let node = NodeLabels {
            node: node_id.to_owned(),
        };
        drop(changelog_lag.get_or_create(&node));
        Metrics {
            registry,
            node,
            http_requests,
            http_duration,
            send_duration,
            messages_accepted,
            batch_size,
            commit_duration,
            webhook_attempts,
            webhook_duration,
            webhooks_pending,
            webhooks_handed_over,
            limiter_rejections,
            changelog_lag,
        }
    }

    fn request(&self, route: Route, method: &'static str, status: u16, elapsed: Duration) {
        self.http_duration
            .get_or_create(&RouteLabels {
                route: route.clone(),
                method,
            })
            .observe(elapsed.as_secs_f64());
        self.http_requests
            .get_or_create(&RequestLabels {
                route,
                method,
                status,
            })
            .inc();
    }

    /// A send was accepted (`true`) or refused, after `elapsed`.
    pub fn send(&self, accepted: bool, elapsed: Duration) {
        let outcome = if accepted { "accepted" } else { "refused" };
        self.send_duration
            .get_or_create(&OutcomeLabels { outcome })
            .observe(elapsed.as_secs_f64());
    }

    /// The text exposition, with the gauges read from the database now.
    pub async fn render(&self, sandbox: &vitrine_core::Sandbox) -> Result<String, std::fmt::Error> {
        match sandbox.pending_webhooks().await {
            Ok(n) => {
                self.webhooks_pending.set(n);
            }
            Err(e) => tracing::warn!(error = %e.message(), "counting pending webhooks failed"),
        }
        match sandbox.change_log_position().await {
            Ok(p) => {
                self.changelog_lag.get_or_create(&self.node).set(p.behind);
            }
            Err(e) => tracing::warn!(error = %e.message(), "reading the change log failed"),
        }
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

impl Telemetry for Metrics {
    fn write_batch(&self, writes: usize, elapsed: Duration) {
        self.batch_size.observe(writes as f64);
        self.commit_duration.observe(elapsed.as_secs_f64());
    }

    fn message_accepted(&self, kind: &'static str) {
        self.messages_accepted
            .get_or_create(&TypeLabels { r#type: kind })
            .inc();
    }

    fn limit_hit(&self, limit: LimitHit) {
        self.limiter_rejections
            .get_or_create(&LimitLabels {
                limit: limit.as_str(),
                code: limit.code(),
            })
            .inc();
    }

    fn webhook_attempt(&self, outcome: AttemptOutcome, elapsed: Duration) {
        let labels = OutcomeLabels {
            outcome: outcome.as_str(),
        };
        self.webhook_duration
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
        self.webhook_attempts.get_or_create(&labels).inc();
    }

    fn webhooks_handed_over(&self, n: usize) {
        self.webhooks_handed_over.inc_by(n as u64);
    }
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts and times every request the router answers, by route template.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(req.method());
    let matched = req
        .extensions()
        .get::<MatchedPath>()
        // A fallback's catch-all is not a route of its own.
        .filter(|m| !m.as_str().contains("__private__"))
        .cloned();
    let resp = next.run(req).await;
    let route = match (resp.extensions().get::<GraphRoute>(), matched) {
        (Some(GraphRoute(graph)), _) => Route::Static(graph),
        (None, Some(m)) => Route::Matched(m),
        (None, None) => Route::Static(UNMATCHED),
    };
    state
        .metrics
        .request(route, method, resp.status().as_u16(), started.elapsed());
    resp
}

/// This node's metrics in Prometheus text format (the README's Metrics section lists them).
#[utoipa::path(get, path = "/metrics", tag = "sandbox",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4",
        content_type = "text/plain; version=0.0.4; charset=utf-8", body = String)))]
pub async fn endpoint(State(state): State<AppState>) -> Response {
    match state.metrics.render(&state.sandbox).await {
        Ok(body) => {
            let mut resp = body.into_response();
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
            resp
        }
        Err(_) => crate::sandbox::OpError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Encoding the metrics failed.",
        )
        .into_response(),
    }
}
