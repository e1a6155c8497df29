//! One follower of the business message log for a whole run (`GET /_vitrine/messages?after=`),
//! handing each message to the shopper it went to. One poller serves thousands of shoppers.
//!
//! On PostgreSQL with several nodes, a message can be committed after one with a higher cursor
//! (two nodes commit at once): a gap in the cursors is read again for a few seconds until it
//! fills, and cursors already handed on are not handed on twice.

use super::client::Vitrine;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How long a gap in the cursors is read again before it counts as a rolled-back insert.
const GAP_PATIENCE: Duration = Duration::from_secs(3);
/// Pause between polls when nothing new came.
const IDLE: Duration = Duration::from_millis(15);

/// A message the bot sent.
#[derive(Debug, Clone)]
pub struct BotMessage {
    pub wa_id: String,
    pub phone_number_id: String,
    /// As `GET /_vitrine/messages` gives it.
    pub record: Value,
    /// Sandbox time of the send (ms).
    pub at: i64,
    /// When the runner saw it.
    pub seen: Instant,
}

#[derive(Default)]
struct Routes {
    by_wa_id: HashMap<String, mpsc::UnboundedSender<BotMessage>>,
}

pub struct Feed {
    routes: Mutex<Routes>,
    stop: tokio::sync::watch::Sender<bool>,
    /// Messages to numbers no shopper of this run has (the bot writing to someone else).
    pub others: std::sync::atomic::AtomicU64,
    pub total: std::sync::atomic::AtomicU64,
}

impl Feed {
    /// Starts following after `cursor`.
    pub fn start(vitrine: Arc<Vitrine>, cursor: i64) -> Arc<Feed> {
        let feed = Arc::new(Feed {
            routes: Mutex::new(Routes::default()),
            stop: tokio::sync::watch::channel(false).0,
            others: Default::default(),
            total: Default::default(),
        });
        tokio::spawn(follow(feed.clone(), vitrine, cursor));
        feed
    }

    fn routes(&self) -> std::sync::MutexGuard<'_, Routes> {
        match self.routes.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Messages to `wa_id` from now on.
    pub fn subscribe(&self, wa_id: &str) -> mpsc::UnboundedReceiver<BotMessage> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.routes().by_wa_id.insert(wa_id.to_owned(), tx);
        rx
    }

    pub fn unsubscribe(&self, wa_id: &str) {
        self.routes().by_wa_id.remove(wa_id);
    }

    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    fn deliver(&self, record: Value) {
        use std::sync::atomic::Ordering::Relaxed;
        self.total.fetch_add(1, Relaxed);
        let wa_id = record["wa_id"].as_str().unwrap_or_default().to_owned();
        let message = BotMessage {
            phone_number_id: record["phone_number_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            at: record["created_at"].as_i64().unwrap_or(0),
            seen: Instant::now(),
            wa_id,
            record,
        };
        let routes = self.routes();
        match routes.by_wa_id.get(&message.wa_id) {
            Some(tx) => {
                let _ = tx.send(message);
            }
            None => {
                self.others.fetch_add(1, Relaxed);
            }
        }
    }
}

async fn follow(feed: Arc<Feed>, vitrine: Arc<Vitrine>, start: i64) {
    let mut stop = feed.stop.subscribe();
    // Everything at or below `floor` was handed on; `seen` holds cursors above it handed on.
    let mut floor = start;
    let mut seen: BTreeSet<i64> = BTreeSet::new();
    let mut gaps: BTreeMap<i64, Instant> = BTreeMap::new();
    loop {
        if *stop.borrow() {
            return;
        }
        let from = gaps.keys().next().map_or(floor, |g| g - 1);
        let page = vitrine
            .get(&format!("/messages?after={from}&limit=500"))
            .await;
        let mut more = false;
        match page {
            Ok(page) => {
                more = page["paging"]["more"].as_bool().unwrap_or(false);
                let cursors: Vec<i64> = page["paging"]["cursors"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|c| c.as_str().and_then(|c| c.parse().ok()))
                            .collect()
                    })
                    .unwrap_or_default();
                let records = page["data"].as_array().cloned().unwrap_or_default();
                let mut expected = from + 1;
                for (cursor, record) in cursors.into_iter().zip(records) {
                    // Cursors skipped over are gaps, unless they were handed on already.
                    while expected < cursor {
                        if expected > floor && !seen.contains(&expected) {
                            gaps.entry(expected).or_insert_with(Instant::now);
                        }
                        expected += 1;
                    }
                    expected = cursor + 1;
                    gaps.remove(&cursor);
                    if cursor > floor && seen.insert(cursor) {
                        feed.deliver(record);
                    }
                }
            }
            Err(e) => tracing::debug!(error = %e, "following the message log"),
        }
        // Gaps that never filled were inserts rolled back.
        gaps.retain(|_, since| since.elapsed() < GAP_PATIENCE);
        // Everything below the first gap was handed on.
        match gaps.keys().next() {
            None => {
                if let Some(&max) = seen.iter().next_back() {
                    floor = floor.max(max);
                }
                seen.clear();
            }
            Some(&gap) => {
                floor = floor.max(gap - 1);
                seen = seen.split_off(&(floor + 1));
            }
        }
        if !more {
            tokio::select! {
                _ = tokio::time::sleep(IDLE) => {}
                _ = stop.changed() => return,
            }
        }
    }
}
