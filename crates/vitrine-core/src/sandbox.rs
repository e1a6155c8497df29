//! The sandbox: one value that holds the store, the in-memory directory, the clock, the id
//! generator and the behaviour settings. Every caller (Graph routes, the `/_vitrine/` API, the CLI)
//! goes through its use-cases (`crate::usecase`); there is no second path into the database.

use crate::auth::{self, Credentials, NodeKind, Principal};
use crate::clock::SandboxClock;
use crate::directory::Directory;
use crate::directory::{DirectoryChange, LoadedDirectory};
use crate::error::ApiError;
use crate::error::ErrorKind;
use crate::ids::IdGen;
use crate::inbound::InboundRecord;
use crate::seed;
use crate::settings::Behaviour;
use crate::store::{Commit, CommitOutcome, StoreError};
use crate::store::{Store, StoreResult};
use crate::webhook::Outbox;
use rand::{rngs::StdRng, SeedableRng};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

pub struct Sandbox {
    pub(crate) store: Arc<dyn Store>,
    directory: RwLock<Directory>,
    pub clock: Arc<SandboxClock>,
    pub ids: Arc<IdGen>,
    pub behaviour: Behaviour,
    /// Where this Vitrine answers (download URLs of media point here).
    pub public_url: String,
    /// The fidelity knobs' random choices (seeded: the same seed gives the same run).
    fidelity_rng: Mutex<StdRng>,
    /// Woken whenever webhooks are enqueued, so dispatchers need not poll hard.
    pub webhook_wakeup: tokio::sync::Notify,
    /// Webhooks due as their message is accepted go to this node's dispatcher in memory.
    pub webhook_handover: crate::webhook::handover::Handover,
    /// Which changes of the store's change log are applied here.
    follow: Mutex<Follow>,
    /// This process's id among the nodes sharing the database.
    pub node_id: String,
    /// Nodes alive at the last heartbeat (1 when alone); limits are shared among them.
    live_nodes: AtomicUsize,
    /// Throughput and pair-rate budgets of this node.
    pub(crate) limiter: crate::limits::Limiter,
    /// Bumped on every change applied here (made here or followed from the log), so that
    /// watchers (the web UI's event stream) notice directory and clock changes cheaply.
    revision: AtomicU64,
    /// What became of the sends this node answered (for load reports).
    pub sends: crate::usecase::messages::SendCounters,
    /// Webhook attempts this node made, and how long due webhooks waited for them.
    pub webhook_counters: crate::usecase::webhooks::WebhookCounters,
    /// Updates of the same entities on this node take turns once they have collided.
    key_locks: KeyLocks,
    /// Where this node's metrics go, once a server attached them.
    telemetry: std::sync::OnceLock<Arc<dyn crate::telemetry::Telemetry>>,
}

/// What a use-case wants written, planned from the directory as it was read (see
/// [`Sandbox::update`]).
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub changes: Vec<DirectoryChange>,
    pub outbox: Outbox,
    /// What a customer did, stored with the changes it makes.
    pub inbound: Option<InboundRecord>,
}

impl Plan {
    /// Nothing to write.
    pub fn none() -> Plan {
        Plan::default()
    }

    pub fn change(change: DirectoryChange) -> Plan {
        Plan::changes(vec![change])
    }

    /// Several changes, committed as one (one transaction, one change-log entry).
    pub fn changes(changes: Vec<DirectoryChange>) -> Plan {
        Plan {
            changes,
            ..Plan::default()
        }
    }
}

/// How many times an update is planned again after colliding with another before it gives up.
const MAX_ATTEMPTS: u32 = 64;

/// Striped locks over entity keys.
struct KeyLocks(Vec<Arc<tokio::sync::Mutex<()>>>);

impl KeyLocks {
    const STRIPES: usize = 64;

    fn new() -> KeyLocks {
        KeyLocks(
            (0..Self::STRIPES)
                .map(|_| Arc::new(tokio::sync::Mutex::new(())))
                .collect(),
        )
    }

    /// Locks the stripes of `keys`, always in stripe order, so two holders never wait on each
    /// other.
    async fn lock<'a>(
        &self,
        keys: impl Iterator<Item = &'a str>,
    ) -> Vec<tokio::sync::OwnedMutexGuard<()>> {
        use std::hash::{Hash, Hasher};
        let mut stripes: Vec<usize> = keys
            .map(|k| {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                k.hash(&mut h);
                (h.finish() % Self::STRIPES as u64) as usize
            })
            .collect();
        stripes.sort_unstable();
        stripes.dedup();
        let mut held = Vec::with_capacity(stripes.len());
        for i in stripes {
            held.push(self.0[i].clone().lock_owned().await);
        }
        held
    }
}

/// How to open a sandbox.
pub struct SandboxOptions {
    pub behaviour: Behaviour,
    /// Where this Vitrine answers; used for the demo's image URLs when seeding.
    pub public_url: String,
    /// Seed the demo sandbox when the store is empty.
    pub seed_demo: bool,
}

impl Sandbox {
    /// Loads the directory, seeding the demo sandbox first if the store is new.
    pub async fn open(
        store: Arc<dyn Store>,
        clock: Arc<SandboxClock>,
        ids: Arc<IdGen>,
        options: SandboxOptions,
    ) -> StoreResult<Sandbox> {
        let loaded = match store.load_directory().await? {
            Some(loaded) => loaded,
            None if options.seed_demo => {
                match store.seed(&seed::demo(&options.public_url)).await {
                    Ok(()) => tracing::info!("seeded the demo sandbox"),
                    // Another node seeded it first.
                    Err(StoreError::Conflict(_)) => {}
                    Err(e) => return Err(e),
                }
                store.load_directory().await?.unwrap_or_default()
            }
            None => LoadedDirectory::default(),
        };
        if let Some(state) = loaded.clock {
            clock.restore(state);
        }
        Ok(Sandbox {
            store,
            directory: RwLock::new(Directory::loaded(loaded.data, loaded.versions)),
            follow: Mutex::new(Follow::new(loaded.last_change)),
            node_id: ids.hex(8),
            live_nodes: AtomicUsize::new(1),
            limiter: Default::default(),
            clock,
            ids,
            fidelity_rng: Mutex::new(StdRng::seed_from_u64(
                options.behaviour.webhooks.fidelity_seed,
            )),
            behaviour: options.behaviour,
            public_url: options.public_url.trim_end_matches('/').to_owned(),
            webhook_wakeup: tokio::sync::Notify::new(),
            webhook_handover: Default::default(),
            revision: AtomicU64::new(0),
            sends: Default::default(),
            webhook_counters: Default::default(),
            key_locks: KeyLocks::new(),
            telemetry: std::sync::OnceLock::new(),
        })
    }

    /// Runs `f` with the directory. Never hold the result across an await.
    pub fn read<R>(&self, f: impl FnOnce(&Directory) -> R) -> R {
        let guard = match self.directory.read() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&guard)
    }

    pub(crate) fn write<R>(&self, f: impl FnOnce(&mut Directory) -> R) -> R {
        let mut guard = match self.directory.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let out = f(&mut guard);
        self.revision.fetch_add(1, Ordering::SeqCst);
        out
    }

    /// Changes applied to this node's directory and clock so far (see [`Sandbox::activity`]).
    pub fn revision(&self) -> u64 {
        self.revision.load(Ordering::SeqCst)
    }

    pub(crate) fn with_fidelity_rng<R>(&self, f: impl FnOnce(&mut StdRng) -> R) -> R {
        let mut guard = match self.fidelity_rng.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// Reads the directory, plans a write from what it read, and commits it unless something it
    /// read (every entity the plan's changes write or depend on) changed meanwhile, on this node
    /// or another; then it follows the log and plans again. The committed changes are applied
    /// here at once; other nodes apply them when they follow the log. This is the one way a
    /// use-case changes the directory: a read-modify-write never loses an update.
    ///
    /// Plans of the same entities on this node take turns after a first collision, so many
    /// concurrent updates of one cart converge without a retry storm; collisions with other
    /// nodes are retried with a short random pause. After [`MAX_ATTEMPTS`] the caller gets
    /// code 2 (temporarily unavailable; retry).
    pub(crate) async fn update<T, E: From<ApiError>>(
        &self,
        mut plan: impl FnMut(&Directory) -> Result<(Plan, T), E>,
    ) -> Result<T, E> {
        let mut held = vec![];
        for attempt in 0..MAX_ATTEMPTS {
            let (commit, value) = self.read(|dir| {
                let (plan, value) = plan(dir)?;
                let expect = plan
                    .changes
                    .iter()
                    .flat_map(|c| c.writes().into_iter().chain(c.reads()))
                    .map(|key| {
                        let version = dir.version(&key);
                        (key, version)
                    })
                    .collect();
                Ok::<_, E>((
                    Commit {
                        changes: plan.changes,
                        expect,
                        outbox: plan.outbox,
                        inbound: plan.inbound,
                    },
                    value,
                ))
            })?;
            if commit.is_empty() {
                return Ok(value);
            }
            match self.store.commit(&commit).await.map_err(ApiError::from)? {
                CommitOutcome::Committed(seq) => {
                    if let Some(seq) = seq {
                        self.apply_once(seq, &commit.changes);
                    }
                    if !commit.outbox.webhooks.is_empty() {
                        self.webhook_wakeup.notify_waiters();
                    }
                    return Ok(value);
                }
                CommitOutcome::Stale => {
                    self.sync_directory().await?;
                    if held.is_empty() {
                        held = self
                            .key_locks
                            .lock(commit.expect.iter().map(|(k, _)| k.as_str()))
                            .await;
                    } else {
                        // Only another node can have moved it: let it finish.
                        let pause = self.with_fidelity_rng(|rng| {
                            rand::Rng::gen_range(rng, 1..=(2u64 << attempt.min(5)))
                        });
                        tokio::time::sleep(Duration::from_millis(pause)).await;
                    }
                }
            }
        }
        drop(held);
        Err(ApiError::new(ErrorKind::ConcurrentUpdate)
            .with_details("Too many concurrent changes to the same object; retry the request.")
            .into())
    }

    /// Commits a plan that depends on nothing read (a new token, a window): see [`Sandbox::update`].
    pub(crate) async fn commit_plan(&self, plan: Plan) -> Result<(), ApiError> {
        let mut plan = Some(plan);
        self.update(|_| Ok::<_, ApiError>((plan.take().unwrap_or_default(), ())))
            .await
    }

    fn apply_local(&self, seq: i64, change: &DirectoryChange) {
        if let DirectoryChange::Clock(state) = change {
            self.clock.restore(*state);
        }
        self.write(|dir| dir.apply_logged(seq, change));
    }

    /// Applies entry `seq` of the log unless it already was: a change this node made is applied
    /// when it is made, and must not be applied again when the log is followed, possibly after a
    /// newer change to the same thing.
    /// The bookkeeping stays locked while the changes are applied, so that two entries are never
    /// applied here in the opposite order to the one they were taken in. True when applied now.
    fn apply_once(&self, seq: i64, changes: &[DirectoryChange]) -> bool {
        let mut follow = self.lock_follow();
        let new = follow.take(seq);
        if new {
            for change in changes {
                self.apply_local(seq, change);
            }
        }
        drop(follow);
        new
    }

    /// Applies every change logged since the last call, by this node or others, in log order,
    /// each once; returns how many were new here. Writes whose change-log entries are not
    /// known by number (messages from customers, template reviews) are applied through this.
    pub async fn sync_directory(&self) -> Result<usize, ApiError> {
        let mut total = 0;
        loop {
            let floor = self.lock_follow().floor;
            let changes = self.store.changes_since(floor, 1000).await?;
            for (seq, entry) in &changes {
                if self.apply_once(*seq, entry) {
                    total += 1;
                }
            }
            let more = changes.len() == 1000;
            self.lock_follow().settle(Instant::now());
            if !more {
                return Ok(total);
            }
        }
    }

    fn lock_follow(&self) -> std::sync::MutexGuard<'_, Follow> {
        match self.follow.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Sends this node's telemetry (and its store writer's) to `telemetry` from now on. Only the
    /// first call takes effect (one server per sandbox); false for the others.
    pub fn attach_telemetry(&self, telemetry: Arc<dyn crate::telemetry::Telemetry>) -> bool {
        if self.telemetry.set(telemetry.clone()).is_err() {
            return false;
        }
        self.store.attach_telemetry(telemetry);
        true
    }

    /// The attached telemetry, if any.
    pub fn telemetry(&self) -> Option<&dyn crate::telemetry::Telemetry> {
        self.telemetry.get().map(|t| t.as_ref())
    }

    /// Where this node is in the store's directory change log, for its metrics.
    pub async fn change_log_position(&self) -> Result<ChangeLogPosition, ApiError> {
        let latest = self.store.latest_change().await?;
        let follow = self.lock_follow();
        let applied_above = follow.above.range(..=latest).count() as i64;
        Ok(ChangeLogPosition {
            latest,
            behind: (latest - follow.floor - applied_above).max(0),
        })
    }

    /// Webhooks waiting to be delivered (due or not), in the whole store.
    pub async fn pending_webhooks(&self) -> Result<i64, ApiError> {
        Ok(self.store.pending_webhooks().await?)
    }

    /// Woken when another node may have changed the directory.
    pub fn change_signal(&self) -> Option<Arc<tokio::sync::Notify>> {
        self.store.change_signal()
    }

    /// Tells the store this node is alive and learns how many are.
    pub async fn heartbeat(&self, ttl_ms: i64) -> Result<usize, ApiError> {
        let live = self
            .store
            .heartbeat(&self.node_id, self.clock.wall_ms(), ttl_ms)
            .await?
            .max(1);
        self.live_nodes.store(live, Ordering::SeqCst);
        Ok(live)
    }

    /// Nodes sharing the database (1 when alone).
    pub fn live_nodes(&self) -> usize {
        self.live_nodes.load(Ordering::SeqCst).max(1)
    }

    pub fn authenticate(&self, creds: Credentials<'_>) -> Result<Principal, ApiError> {
        let now = self.clock.now().0;
        self.read(|dir| auth::authenticate(dir, creds, now))
    }

    /// The kind of node `id` names, if the principal may see it; otherwise Meta's 100/33 for
    /// `method`.
    pub fn resolve_node(
        &self,
        principal: &Principal,
        method: &str,
        id: &str,
    ) -> Result<NodeKind, ApiError> {
        self.read(|dir| match dir.node(id) {
            Some(node) if principal.can_see(dir, node)? => Ok(NodeKind::of(node)),
            _ => Err(ApiError::unsupported(method, id)),
        })
    }

    pub fn new_trace_id(&self) -> String {
        self.ids.trace_id()
    }
}

/// See [`Sandbox::change_log_position`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeLogPosition {
    /// The newest entry in the store's change log (0 when there is none).
    pub latest: i64,
    /// Entries up to `latest` this node has not applied yet.
    pub behind: i64,
}

/// How long a hole in the change log may stay open: a change numbered below one already applied
/// whose transaction has not committed yet (PostgreSQL hands out numbers before commit), or
/// never will (a rolled-back transaction).
const GAP_PATIENCE: Duration = Duration::from_secs(5);

/// The part of the change log applied here: everything up to `floor`, and `above` it.
#[derive(Debug)]
struct Follow {
    floor: i64,
    above: BTreeSet<i64>,
    /// Since when the change after `floor` has been missing while later ones were applied.
    gap_since: Option<Instant>,
}

impl Follow {
    fn new(floor: i64) -> Follow {
        Follow {
            floor,
            above: BTreeSet::new(),
            gap_since: None,
        }
    }

    /// Marks `seq` applied; false when it already was.
    fn take(&mut self, seq: i64) -> bool {
        if seq <= self.floor || !self.above.insert(seq) {
            return false;
        }
        while self.above.remove(&(self.floor + 1)) {
            self.floor += 1;
        }
        true
    }

    /// After a pass over the log: a hole that has stayed open too long is given up, so that the
    /// log is not read from below it for ever.
    fn settle(&mut self, now: Instant) {
        let Some(&lowest) = self.above.first() else {
            self.gap_since = None;
            return;
        };
        match self.gap_since {
            None => self.gap_since = Some(now),
            Some(since) if now.duration_since(since) >= GAP_PATIENCE => {
                self.floor = lowest - 1;
                while self.above.remove(&(self.floor + 1)) {
                    self.floor += 1;
                }
                self.gap_since = (!self.above.is_empty()).then_some(now);
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod follow_tests {
    use super::*;

    #[test]
    fn each_change_is_applied_once_in_any_order() {
        let mut f = Follow::new(10);
        assert!(!f.take(10), "already loaded");
        assert!(f.take(12), "made here before 11 committed");
        assert!(!f.take(12), "followed from the log later: not again");
        assert_eq!(f.floor, 10);
        assert!(f.take(11));
        assert_eq!(f.floor, 12);
        assert!(f.above.is_empty());
    }

    #[test]
    fn a_hole_is_given_up_after_a_while() {
        let t0 = Instant::now();
        let mut f = Follow::new(0);
        assert!(f.take(2));
        f.settle(t0);
        assert_eq!(f.floor, 0, "1 may still commit");
        f.settle(t0 + GAP_PATIENCE / 2);
        assert_eq!(f.floor, 0);
        f.settle(t0 + GAP_PATIENCE);
        assert_eq!(f.floor, 2);
        assert_eq!(f.gap_since, None);
        assert!(!f.take(1), "too late: given up");
    }
}
