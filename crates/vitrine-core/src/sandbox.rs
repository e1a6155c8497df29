//! The sandbox: one value that holds the store, the in-memory directory, the clock, the id
//! generator and the behaviour settings. Every caller (Graph routes, the `/_vitrine/` API, the CLI)
//! goes through its use-cases (`crate::usecase`); there is no second path into the database.

use crate::auth::{self, Credentials, NodeKind, Principal};
use crate::clock::ClockState;
use crate::clock::SandboxClock;
use crate::directory::Directory;
use crate::directory::{DirectoryChange, LoadedDirectory};
use crate::error::ApiError;
use crate::ids::IdGen;
use crate::seed;
use crate::settings::Behaviour;
use crate::store::StoreError;
use crate::store::{Store, StoreResult};
use rand::{rngs::StdRng, SeedableRng};
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

pub struct Sandbox {
    pub(crate) store: Arc<dyn Store>,
    directory: RwLock<Directory>,
    pub clock: Arc<SandboxClock>,
    pub ids: Arc<IdGen>,
    pub behaviour: Behaviour,
    /// The fidelity knobs' random choices (seeded: the same seed gives the same run).
    fidelity_rng: Mutex<StdRng>,
    /// Woken whenever webhooks are enqueued, so dispatchers need not poll hard.
    pub webhook_wakeup: tokio::sync::Notify,
    /// The last change of the store's change log applied here.
    applied: AtomicI64,
    /// This process's id among the nodes sharing the database.
    pub node_id: String,
    /// Nodes alive at the last heartbeat (1 when alone); limits are shared among them.
    live_nodes: AtomicUsize,
    /// Throughput and pair-rate budgets of this node.
    pub(crate) limiter: crate::limits::Limiter,
    /// Bumped on every change applied here (made here or followed from the log), so that
    /// watchers (the web UI's event stream) notice directory and clock changes cheaply.
    revision: AtomicU64,
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
            directory: RwLock::new(Directory::from_data(loaded.data)),
            applied: AtomicI64::new(loaded.last_change),
            node_id: ids.hex(8),
            live_nodes: AtomicUsize::new(1),
            limiter: Default::default(),
            clock,
            ids,
            fidelity_rng: Mutex::new(StdRng::seed_from_u64(
                options.behaviour.webhooks.fidelity_seed,
            )),
            behaviour: options.behaviour,
            webhook_wakeup: tokio::sync::Notify::new(),
            revision: AtomicU64::new(0),
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

    /// Writes a change to the store (entity and change log, one transaction) and applies it
    /// here. Other nodes apply it when they follow the log ([`Sandbox::sync_directory`]).
    pub(crate) async fn commit_change(&self, change: DirectoryChange) -> Result<(), ApiError> {
        self.store.apply_change(&change).await?;
        self.apply_local(&change);
        Ok(())
    }

    fn apply_local(&self, change: &DirectoryChange) {
        match change {
            DirectoryChange::Clock(state) => {
                self.clock.restore(*state);
                self.revision.fetch_add(1, Ordering::SeqCst);
            }
            other => self.write(|dir| dir.apply(other)),
        }
    }

    /// Applies every change other nodes logged since the last call; returns how many.
    pub async fn sync_directory(&self) -> Result<usize, ApiError> {
        let mut total = 0;
        loop {
            let after = self.applied.load(Ordering::SeqCst);
            let changes = self.store.changes_since(after, 1000).await?;
            if changes.is_empty() {
                return Ok(total);
            }
            for (seq, change) in &changes {
                self.apply_local(change);
                self.applied.fetch_max(*seq, Ordering::SeqCst);
            }
            total += changes.len();
        }
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

    /// Sets the shared sandbox clock (operator API): every node follows.
    pub async fn set_clock(&self, state: ClockState) -> Result<(), ApiError> {
        self.commit_change(DirectoryChange::Clock(state)).await
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
            Some(node) if principal.can_see(dir, node) => Ok(NodeKind::of(node)),
            _ => Err(ApiError::unsupported(method, id)),
        })
    }

    pub fn new_trace_id(&self) -> String {
        self.ids.trace_id()
    }
}
