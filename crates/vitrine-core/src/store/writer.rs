//! Group commit, for every backend: one writer task per node owns one connection, takes every
//! write that is pending (up to [`MAX_BATCH`]) and commits them as one transaction. Each caller
//! still waits for its own commit, so a write is durable before it is acknowledged, but many
//! writes share one fsync. If any write of a batch fails, the batch is rolled back and each write
//! is retried in a transaction of its own, so one bad write never takes the others down.
//!
//! A write is declared once, where a store implements its trait method: the method hands
//! [`Writer::run`] the write's data and a function that performs it on the writer's connection,
//! and gets back that function's typed result once the batch it ran in has committed. The
//! batching, ordering and failure handling live here. Message inserts, the hot path, are the one
//! write the writer knows by name ([`Writer::insert_message`]): consecutive ones are merged into
//! as few statements as the backend can ([`Transactor::insert_messages`]).

use super::{StoreError, StoreResult};
use crate::telemetry::Telemetry;
use crate::webhook::Outbox;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

pub const MAX_BATCH: usize = 512;
const QUEUE: usize = 8192;

/// The future of one write on the writer's connection.
pub type WriteFuture<'a, R> = Pin<Box<dyn Future<Output = StoreResult<R>> + Send + 'a>>;

/// A message row to insert, its record and its own statuses already packed, with its outbox
/// and each webhook's row (in the outbox's order): the sender's task packs, not the writer.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub wamid: crate::id::Wamid,
    pub phone_number_id: crate::id::PhoneNumberId,
    pub wa_id: crate::id::WaId,
    pub created_at: i64,
    pub packed: super::packed::PackedMessage,
    /// The outbox's statuses of this message, for its row's `statuses` column
    /// ([`packed::pack_own_statuses`](super::packed::pack_own_statuses)).
    pub statuses: Option<String>,
    pub outbox: Outbox,
    pub webhook_rows: Vec<WebhookRow>,
}

/// What a new message's webhook row holds besides its [`NewWebhook`](crate::webhook::NewWebhook):
/// its packed form, and the lease of a webhook this node's dispatcher is handed in memory
/// ([`crate::webhook::handover`]), taken by the insert itself (wall ms).
#[derive(Debug, Clone)]
pub struct WebhookRow {
    pub packed: Vec<u8>,
    pub leased_until: Option<i64>,
}

impl NewMessage {
    /// Packs a message for the writer: its record, its own statuses, and its webhooks' rows
    /// (`leased_until[i]` is the lease of the `i`th webhook, if this node's dispatcher is
    /// handed it).
    pub fn pack(
        record: &crate::message::MessageRecord,
        outbox: &Outbox,
        leased_until: &[Option<i64>],
    ) -> Result<NewMessage, serde_json::Error> {
        use super::packed;
        let webhook_rows = outbox
            .webhooks
            .iter()
            .enumerate()
            .map(|(i, w)| WebhookRow {
                packed: packed::pack_webhook(w),
                leased_until: leased_until.get(i).copied().flatten(),
            })
            .collect();
        Ok(NewMessage {
            wamid: record.wamid.clone(),
            phone_number_id: record.phone_number_id.clone(),
            wa_id: record.wa_id.clone(),
            created_at: record.created_at.0,
            packed: packed::pack_message(record)?,
            statuses: packed::pack_own_statuses(
                outbox.statuses.iter().filter(|e| e.wamid == record.wamid),
            )?,
            outbox: outbox.clone(),
            webhook_rows,
        })
    }

    /// The outbox's statuses of other messages than this one (none is expected), which are
    /// rows of `message_statuses`.
    pub fn other_statuses(&self) -> impl Iterator<Item = &crate::webhook::StatusEvent> + Clone {
        self.outbox
            .statuses
            .iter()
            .filter(move |e| e.wamid != self.wamid)
    }

    /// The product snapshots of a batch, each key once, in key order: a snapshot already kept
    /// is left as it is, since its key is its content.
    pub fn batch_snapshots<'a>(messages: &[&'a NewMessage]) -> Vec<&'a (String, String)> {
        let mut snapshots: Vec<&(String, String)> = messages
            .iter()
            .flat_map(|m| m.packed.snapshots.iter().map(|row| &**row))
            .collect();
        snapshots.sort_by(|a, b| a.0.cmp(&b.0));
        snapshots.dedup_by(|a, b| a.0 == b.0);
        snapshots
    }

    /// The webhooks of a batch with their rows, in the order of the messages and of each
    /// outbox.
    pub fn batch_webhooks<'a>(
        messages: &[&'a NewMessage],
    ) -> Vec<(&'a crate::webhook::NewWebhook, &'a WebhookRow)> {
        messages
            .iter()
            .flat_map(|m| m.outbox.webhooks.iter().zip(&m.webhook_rows))
            .collect()
    }
}

/// One connection that can run writes in a transaction.
#[async_trait::async_trait]
pub trait Transactor: Send + 'static {
    /// What a write function is given.
    type Conn: Send;
    fn conn(&mut self) -> &mut Self::Conn;
    async fn begin(&mut self) -> StoreResult<()>;
    /// Inserts consecutive messages of one batch, in order, with as few statements as the
    /// backend can, and returns the ids of their webhooks in [`NewMessage::batch_webhooks`]'
    /// order.
    async fn insert_messages(&mut self, messages: &[&NewMessage]) -> StoreResult<Vec<i64>>;
    /// Inserts a batch of nothing but new messages and commits it. By default in a transaction
    /// of its own ([`messages_in_transaction`]); a backend that inserts them in one statement
    /// may run that statement outside a transaction block, where it is its own transaction,
    /// durable when answered, without the round trips of `BEGIN` and `COMMIT`.
    async fn insert_messages_committed(
        &mut self,
        messages: &[&NewMessage],
    ) -> StoreResult<Vec<i64>> {
        messages_in_transaction(self, messages).await
    }
    async fn commit(&mut self) -> StoreResult<()>;
    async fn rollback(&mut self);
    async fn close(self);
}

/// A write waiting in a batch. It may run twice (in its batch, then alone if the batch failed);
/// its caller hears once, after the transaction of its last run ended.
trait Pending<T: Transactor>: Send {
    fn run<'a>(&'a mut self, conn: &'a mut T::Conn) -> WriteFuture<'a, ()>;
    /// Answers the caller: the result of the last run if its transaction committed (`ended`
    /// is `Ok`), the error otherwise.
    fn answer(self: Box<Self>, ended: StoreResult<()>);
}

/// A write function with its data, and its result kept until its transaction commits.
struct Op<D, R, F> {
    data: D,
    write: F,
    result: Option<R>,
    done: oneshot::Sender<StoreResult<R>>,
}

impl<T, D, R, F> Pending<T> for Op<D, R, F>
where
    T: Transactor,
    D: Send + Sync + 'static,
    R: Send + 'static,
    F: for<'a> Fn(&'a mut T::Conn, &'a D) -> WriteFuture<'a, R> + Send + Sync + 'static,
{
    fn run<'a>(&'a mut self, conn: &'a mut T::Conn) -> WriteFuture<'a, ()> {
        Box::pin(async move {
            self.result = None;
            self.result = Some((self.write)(conn, &self.data).await?);
            Ok(())
        })
    }

    fn answer(self: Box<Self>, ended: StoreResult<()>) {
        let Op { result, done, .. } = *self;
        let answer = ended.and_then(|()| {
            result.ok_or_else(|| StoreError::Database("a write was answered before it ran".into()))
        });
        let _ = done.send(answer);
    }
}

/// What the writer's queue holds.
enum Job<T: Transactor> {
    /// Answered once everything queued before it is committed; stops the writer.
    Shutdown(oneshot::Sender<()>),
    Message(Box<MessageJob>),
    Write(Box<dyn Pending<T>>),
}

/// A message insert waiting in a batch, with the ids its webhooks took, kept until its
/// transaction commits.
struct MessageJob {
    message: NewMessage,
    webhook_ids: Vec<i64>,
    done: oneshot::Sender<StoreResult<Vec<i64>>>,
}

impl<T: Transactor> Job<T> {
    fn answer(self, ended: StoreResult<()>) {
        match self {
            Job::Shutdown(done) => {
                let _ = done.send(());
            }
            Job::Message(job) => {
                let MessageJob {
                    webhook_ids, done, ..
                } = *job;
                let _ = done.send(ended.map(|()| webhook_ids));
            }
            Job::Write(op) => op.answer(ended),
        }
    }
}

/// Where the writer reports its batches, once someone attached it.
type TelemetrySlot = Arc<OnceLock<Arc<dyn Telemetry>>>;

pub struct Writer<T: Transactor> {
    tx: mpsc::Sender<Job<T>>,
    task: tokio::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    telemetry: TelemetrySlot,
}

impl<T: Transactor> Writer<T> {
    pub fn spawn(conn: T) -> Writer<T> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let telemetry = TelemetrySlot::default();
        let task = tokio::spawn(run(conn, rx, telemetry.clone()));
        Writer {
            tx,
            task: tokio::sync::Mutex::new(Some(task)),
            telemetry,
        }
    }

    /// Reports every batch committed from now on (size, time from `BEGIN` to `COMMIT`) to
    /// `telemetry`. Only the first call takes effect.
    pub fn attach_telemetry(&self, telemetry: Arc<dyn Telemetry>) {
        let _ = self.telemetry.set(telemetry);
    }

    /// Runs `write` on `data` inside the next group commit and returns its result once that
    /// commit is durable. `write` may run twice (see the module's documentation): it must only
    /// touch the database.
    pub async fn run<D, R, F>(&self, data: D, write: F) -> StoreResult<R>
    where
        D: Send + Sync + 'static,
        R: Send + 'static,
        F: for<'a> Fn(&'a mut T::Conn, &'a D) -> WriteFuture<'a, R> + Send + Sync + 'static,
    {
        let (done, wait) = oneshot::channel();
        let op: Box<dyn Pending<T>> = Box::new(Op {
            data,
            write,
            result: None,
            done,
        });
        self.queue(Job::Write(op)).await?;
        wait.await.map_err(|_| StoreError::Closed)?
    }

    /// Inserts a message with its outbox inside the next group commit; returns its webhooks'
    /// ids, in the outbox's order.
    pub async fn insert_message(&self, message: NewMessage) -> StoreResult<Vec<i64>> {
        let (done, wait) = oneshot::channel();
        let job = MessageJob {
            message,
            webhook_ids: Vec::new(),
            done,
        };
        self.queue(Job::Message(Box::new(job))).await?;
        wait.await.map_err(|_| StoreError::Closed)?
    }

    async fn queue(&self, job: Job<T>) -> StoreResult<()> {
        self.tx.send(job).await.map_err(|_| StoreError::Closed)
    }

    /// Waits for everything queued so far to be committed, then stops the writer.
    pub async fn close(&self) {
        let (done, wait) = oneshot::channel();
        if self.queue(Job::Shutdown(done)).await.is_ok() {
            let _ = wait.await;
        }
        if let Some(task) = self.task.lock().await.take() {
            let _ = task.await;
        }
    }
}

async fn run<T: Transactor>(mut conn: T, mut rx: mpsc::Receiver<Job<T>>, telemetry: TelemetrySlot) {
    let mut batch: Vec<Job<T>> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        gather(&mut rx, &mut batch).await;
        let shutdown = batch.iter().any(|j| matches!(j, Job::Shutdown(_)));
        commit_batch(&mut conn, &mut batch, telemetry.get()).await;
        if shutdown {
            rx.close();
            break;
        }
    }
    conn.close().await;
}

/// At most this many times the writer lets ready tasks run before it closes a batch.
const MAX_GATHER_YIELDS: usize = 8;

/// Adds what is queued to `batch`, and more while it keeps coming: as long as letting the tasks
/// that are ready run (request handlers, most likely about to queue their own write) brings new
/// writes, the batch waits for them. Without this, the writes that arrive while a large batch
/// commits make a batch of one or two right after it, and that batch pays a whole transaction,
/// its pages and its fsync alone (under a steady load half the commits were of one write). A
/// yield costs nothing when nothing else is ready, so a lone write is not delayed.
async fn gather<T: Transactor>(rx: &mut mpsc::Receiver<Job<T>>, batch: &mut Vec<Job<T>>) {
    let mut before_yield = None;
    for _ in 0..=MAX_GATHER_YIELDS {
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if batch.len() >= MAX_BATCH || before_yield == Some(batch.len()) {
            break;
        }
        before_yield = Some(batch.len());
        tokio::task::yield_now().await;
    }
}

/// Commits a batch and answers its writers, after reporting it: whoever sees a write acknowledged
/// sees its batch counted.
async fn commit_batch<T: Transactor>(
    conn: &mut T,
    batch: &mut Vec<Job<T>>,
    telemetry: Option<&Arc<dyn Telemetry>>,
) {
    let started = Instant::now();
    let ended = run_in_transaction(conn, batch).await;
    let size = batch.len();
    match ended {
        Err(_) if size > 1 => {
            let mut alone = Vec::with_capacity(size);
            for mut job in batch.drain(..) {
                let ended = run_in_transaction(conn, std::slice::from_mut(&mut job)).await;
                alone.push((job, ended));
            }
            report(telemetry, size, started);
            for (job, ended) in alone {
                job.answer(ended);
            }
        }
        ended => {
            report(telemetry, size, started);
            for job in batch.drain(..) {
                job.answer(ended.clone());
            }
        }
    }
}

fn report(telemetry: Option<&Arc<dyn Telemetry>>, size: usize, started: Instant) {
    if let Some(t) = telemetry {
        t.write_batch(size, started.elapsed());
    }
}

/// Every job in one transaction: `Ok` when everything succeeded and committed, `Err` (rolled
/// back) when any job or the commit failed.
async fn run_in_transaction<T: Transactor>(conn: &mut T, jobs: &mut [Job<T>]) -> StoreResult<()> {
    // Under load most batches are new messages alone: the backend commits those its own way.
    if !jobs.iter().any(|j| matches!(j, Job::Write(_))) {
        if !jobs.iter().any(|j| matches!(j, Job::Message(_))) {
            return Ok(());
        }
        let messages = message_run(jobs);
        let ids = conn.insert_messages_committed(&messages).await?;
        return hand_out_ids(jobs, ids);
    }
    conn.begin().await?;
    if let Err(e) = run_all(conn, jobs).await {
        conn.rollback().await;
        return Err(e);
    }
    commit_or_roll_back(conn).await
}

async fn commit_or_roll_back<T: Transactor + ?Sized>(conn: &mut T) -> StoreResult<()> {
    if let Err(e) = conn.commit().await {
        tracing::error!(error = %e, "commit failed");
        conn.rollback().await;
        return Err(e);
    }
    Ok(())
}

/// New messages inserted and committed in a transaction of their own: what
/// [`Transactor::insert_messages_committed`] does unless a backend does better.
pub async fn messages_in_transaction<T: Transactor + ?Sized>(
    conn: &mut T,
    messages: &[&NewMessage],
) -> StoreResult<Vec<i64>> {
    conn.begin().await?;
    match conn.insert_messages(messages).await {
        Ok(ids) => commit_or_roll_back(conn).await.map(|()| ids),
        Err(e) => {
            conn.rollback().await;
            Err(e)
        }
    }
}

/// The messages of `jobs` (the other jobs left out), in order.
fn message_run<T: Transactor>(jobs: &[Job<T>]) -> Vec<&NewMessage> {
    jobs.iter()
        .filter_map(|j| match j {
            Job::Message(m) => Some(&m.message),
            _ => None,
        })
        .collect()
}

/// Gives each message of `jobs` its webhooks' ids, taken in order from `ids` (a backend's
/// answer for those messages, in the same order).
fn hand_out_ids<T: Transactor>(jobs: &mut [Job<T>], ids: Vec<i64>) -> StoreResult<()> {
    let mut ids = ids.into_iter();
    for job in jobs {
        if let Job::Message(m) = job {
            let n = m.message.outbox.webhooks.len();
            m.webhook_ids = ids.by_ref().take(n).collect();
            if m.webhook_ids.len() != n {
                return Err(StoreError::Corrupt(
                    "a message insert returned fewer webhook ids than it was given".into(),
                ));
            }
        }
    }
    Ok(())
}

async fn run_all<T: Transactor>(conn: &mut T, jobs: &mut [Job<T>]) -> StoreResult<()> {
    let mut i = 0;
    while i < jobs.len() {
        match &mut jobs[i] {
            Job::Message(..) => {
                // A run of message inserts goes to the backend at once.
                let start = i;
                while let Some(Job::Message(_)) = jobs.get(i) {
                    i += 1;
                }
                let ids = conn.insert_messages(&message_run(&jobs[start..i])).await?;
                hand_out_ids(&mut jobs[start..i], ids)?;
            }
            Job::Write(op) => {
                op.run(conn.conn()).await?;
                i += 1;
            }
            Job::Shutdown(_) => i += 1,
        }
    }
    Ok(())
}
