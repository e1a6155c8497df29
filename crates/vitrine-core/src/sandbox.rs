//! The sandbox: one value that holds the store, the in-memory directory, the clock, the id
//! generator and the behaviour settings. Every caller (Graph routes, the `/_vitrine/` API, the CLI)
//! goes through its use-cases (`crate::usecase`); there is no second path into the database.

use crate::auth::{self, Credentials, NodeKind, Principal};
use crate::clock::SandboxClock;
use crate::directory::Directory;
use crate::error::ApiError;
use crate::ids::IdGen;
use crate::seed;
use crate::settings::Behaviour;
use crate::store::{Store, StoreResult};
use rand::{rngs::StdRng, SeedableRng};
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
        let data = match store.load_directory().await? {
            Some(data) => data,
            None if options.seed_demo => {
                let data = seed::demo(&options.public_url);
                store.seed(&data).await?;
                tracing::info!("seeded the demo sandbox");
                data
            }
            None => Default::default(),
        };
        Ok(Sandbox {
            store,
            directory: RwLock::new(Directory::from_data(data)),
            clock,
            ids,
            fidelity_rng: Mutex::new(StdRng::seed_from_u64(
                options.behaviour.webhooks.fidelity_seed,
            )),
            behaviour: options.behaviour,
            webhook_wakeup: tokio::sync::Notify::new(),
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
        f(&mut guard)
    }

    pub(crate) fn with_fidelity_rng<R>(&self, f: impl FnOnce(&mut StdRng) -> R) -> R {
        let mut guard = match self.fidelity_rng.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
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
