//! The in-memory directory of the sandbox: every Graph node and the catalog index.
//!
//! Loaded once from the store at start; every write goes to the store first and then here, so no
//! request reads a table to find a token, a phone number or a product.
//!
//! Its length: the directory's indexes and the one `apply` that keeps them consistent belong
//! together.

use crate::id::{
    AppId, BusinessId, CatalogId, PhoneNumberId, ProductId, RetailerId, TemplateId, WaId, WabaId,
};
use crate::model::{App, Business, Catalog, Customer, PhoneNumber, Product, Token, Waba};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The directory's maps hash with foldhash (seeded per process): SipHash, std's default, was a
/// tenth of start-up with 100,000 products, and every send looks up its products by key.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// Everything the directory holds, as the store loads and saves it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DirectoryData {
    pub businesses: Vec<Business>,
    pub apps: Vec<App>,
    pub tokens: Vec<Token>,
    pub wabas: Vec<Waba>,
    pub phone_numbers: Vec<PhoneNumber>,
    pub catalogs: Vec<Catalog>,
    /// In creation order.
    pub products: Vec<Product>,
    pub customers: Vec<Customer>,
    /// When each (business number, customer) pair last heard from the customer (sandbox ms).
    pub windows: Vec<WindowState>,
    pub carts: Vec<crate::cart::Cart>,
    pub templates: Vec<crate::template::Template>,
}

/// The customer service window of a (business number, customer) pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowState {
    pub phone_number_id: PhoneNumberId,
    pub wa_id: WaId,
    pub last_inbound_at: i64,
}

/// One change to the directory, as written to the store's change log. Every node applies the log
/// in order, so all nodes answer alike after another node writes.
// Changes are short-lived and moved rarely; boxing the product would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entity", rename_all = "snake_case")]
pub enum DirectoryChange {
    /// A new token (a duplicate token is refused).
    Token(Token),
    /// An app, as it now is.
    App(App),
    /// A WABA, as it now is.
    Waba(Waba),
    /// A phone number, as it now is.
    PhoneNumber(PhoneNumber),
    /// A catalog, as it now is.
    Catalog(Catalog),
    /// A product, as it now is.
    Product(Product),
    /// A product removed from its catalog.
    ProductDeleted {
        id: ProductId,
        catalog_id: CatalogId,
        retailer_id: RetailerId,
    },
    /// A catalog removed, with its products.
    CatalogDeleted { id: CatalogId },
    /// The sandbox clock's state.
    Clock(crate::clock::ClockState),
    /// A customer, as they now are.
    Customer(Customer),
    /// A customer wrote to a business number: the 24-hour window (re)opens.
    Window(WindowState),
    /// A cart, as it now is.
    Cart(crate::cart::Cart),
    /// A message template, as it now is.
    Template(crate::template::Template),
    /// A message template removed.
    TemplateDeleted { id: TemplateId },
}

impl DirectoryChange {
    /// The entities this change writes, by key: each commit that carries it moves their versions
    /// to its change-log number. Window changes have none: a window only ever widens, so two of
    /// them commute.
    pub fn writes(&self) -> Vec<String> {
        match self {
            DirectoryChange::Token(t) => vec![format!("token:{}", t.token)],
            DirectoryChange::App(a) => vec![format!("app:{}", a.id)],
            DirectoryChange::Waba(w) => vec![format!("waba:{}", w.id)],
            DirectoryChange::PhoneNumber(p) => vec![format!("phone_number:{}", p.id)],
            DirectoryChange::Catalog(c) => vec![catalog_key(&c.id)],
            DirectoryChange::CatalogDeleted { id } => vec![catalog_key(id)],
            DirectoryChange::Product(p) => vec![product_key(&p.catalog_id, &p.retailer_id)],
            DirectoryChange::ProductDeleted {
                catalog_id,
                retailer_id,
                ..
            } => vec![product_key(catalog_id, retailer_id)],
            DirectoryChange::Clock(_) => vec!["clock".to_owned()],
            DirectoryChange::Customer(c) => vec![format!("customer:{}", c.wa_id)],
            DirectoryChange::Window(_) => vec![],
            DirectoryChange::Cart(c) => vec![format!(
                "cart:{}:{}:{}",
                c.key.phone_number_id, c.key.wa_id, c.key.device_id
            )],
            // The name key makes (WABA, name, language) unique across concurrent creations.
            DirectoryChange::Template(t) => vec![
                format!("template:{}", t.id),
                format!("template_name:{}:{}:{}", t.waba_id, t.name, t.language),
            ],
            DirectoryChange::TemplateDeleted { id } => vec![format!("template:{id}")],
        }
    }

    /// Entities this change depends on without writing them: a product lives in its catalog, so
    /// it must not be written into a catalog deleted meanwhile.
    pub fn reads(&self) -> Vec<String> {
        match self {
            DirectoryChange::Product(p) => vec![catalog_key(&p.catalog_id)],
            _ => vec![],
        }
    }
}

fn catalog_key(id: &CatalogId) -> String {
    format!("catalog:{id}")
}

fn product_key(catalog_id: &CatalogId, retailer_id: &RetailerId) -> String {
    format!("product:{catalog_id}:{retailer_id}")
}

/// The directory as a store loads it: the data, the clock, and the last change it includes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadedDirectory {
    pub data: DirectoryData,
    pub clock: Option<crate::clock::ClockState>,
    pub last_change: i64,
    /// The version of every entity changed since the seed (see [`DirectoryChange::writes`]).
    pub versions: Vec<(String, i64)>,
}

/// A catalog and its products, indexed by retailer id and by creation order.
#[derive(Debug, Clone)]
pub struct CatalogIndex {
    pub catalog: Catalog,
    by_retailer: HashMap<RetailerId, (u64, Product)>,
    order: BTreeMap<u64, RetailerId>,
    next_seq: u64,
}

impl CatalogIndex {
    fn new(catalog: Catalog) -> Self {
        CatalogIndex {
            catalog,
            by_retailer: HashMap::default(),
            order: BTreeMap::new(),
            next_seq: 0,
        }
    }

    pub fn product(&self, retailer_id: &RetailerId) -> Option<&Product> {
        self.by_retailer.get(retailer_id).map(|(_, p)| p)
    }

    /// Inserts or replaces (keeping the original position).
    pub fn upsert(&mut self, product: Product) {
        match self.by_retailer.get_mut(&product.retailer_id) {
            Some((_, existing)) => *existing = product,
            None => {
                let seq = self.next_seq;
                self.next_seq += 1;
                self.order.insert(seq, product.retailer_id.clone());
                self.by_retailer
                    .insert(product.retailer_id.clone(), (seq, product));
            }
        }
    }

    pub fn remove(&mut self, retailer_id: &RetailerId) -> Option<Product> {
        let (seq, product) = self.by_retailer.remove(retailer_id)?;
        self.order.remove(&seq);
        Some(product)
    }

    pub fn len(&self) -> usize {
        self.by_retailer.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_retailer.is_empty()
    }

    /// Products in creation order.
    pub fn products(&self) -> impl Iterator<Item = &Product> + '_ {
        self.order.values().filter_map(|rid| self.product(rid))
    }

    /// Products after (exclusive) position `after`, in creation order, with their positions.
    pub fn page_after(&self, after: Option<u64>) -> impl Iterator<Item = (u64, &Product)> + '_ {
        let start = after.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
        self.order
            .range((start, std::ops::Bound::Unbounded))
            .filter_map(|(seq, rid)| self.product(rid).map(|p| (*seq, p)))
    }

    /// Products before (exclusive) position `before`, newest position first.
    pub fn page_before(&self, before: u64) -> impl Iterator<Item = (u64, &Product)> + '_ {
        self.order
            .range(..before)
            .rev()
            .filter_map(|(seq, rid)| self.product(rid).map(|p| (*seq, p)))
    }

    /// The position of a product in creation order.
    pub fn position(&self, retailer_id: &RetailerId) -> Option<u64> {
        self.by_retailer.get(retailer_id).map(|(seq, _)| *seq)
    }

    /// The first product, in catalog order, that can be shown in a message.
    pub fn first_sendable(&self) -> Option<&Product> {
        self.products().find(|p| p.is_sendable())
    }
}

/// One destination of a webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookTarget {
    pub app_id: AppId,
    pub url: String,
    /// Signs the body.
    pub secret: String,
    /// The app's webhook version, when it has a subscription.
    pub version: Option<String>,
}

/// What a Graph node id names.
#[derive(Debug, Clone, Copy)]
pub enum Node<'a> {
    Business(&'a Business),
    App(&'a App),
    Waba(&'a Waba),
    PhoneNumber(&'a PhoneNumber),
    Catalog(&'a CatalogIndex),
    Product(&'a Product),
    Template(&'a crate::template::Template),
}

#[derive(Debug, Default)]
pub struct Directory {
    businesses: HashMap<BusinessId, Business>,
    apps: HashMap<AppId, App>,
    tokens: HashMap<String, Token>,
    wabas: HashMap<WabaId, Waba>,
    phone_numbers: HashMap<PhoneNumberId, PhoneNumber>,
    catalogs: HashMap<CatalogId, CatalogIndex>,
    /// Product item id → (catalog id, retailer id).
    product_ids: HashMap<ProductId, (CatalogId, RetailerId)>,
    customers: HashMap<WaId, Customer>,
    /// (phone number id, wa_id) → last inbound message (sandbox ms).
    windows: HashMap<(PhoneNumberId, WaId), i64>,
    carts: HashMap<crate::cart::CartKey, crate::cart::Cart>,
    templates: HashMap<TemplateId, crate::template::Template>,
    /// (WABA id, name, language) → template id.
    template_names: HashMap<(WabaId, String, String), TemplateId>,
    /// Entity key → the change-log number of its last change; absent means 0 (the seed's).
    /// Kept after an entity is deleted, so that re-creating it is checked like any change.
    versions: HashMap<String, i64>,
}

impl Directory {
    pub fn from_data(data: DirectoryData) -> Self {
        Directory::loaded(data, vec![])
    }

    /// The directory as loaded, with the versions of the entities changed since the seed.
    pub fn loaded(data: DirectoryData, versions: Vec<(String, i64)>) -> Self {
        let mut dir = Directory {
            versions: versions.into_iter().collect(),
            ..Directory::default()
        };
        for b in data.businesses {
            dir.businesses.insert(b.id.clone(), b);
        }
        for a in data.apps {
            dir.apps.insert(a.id.clone(), a);
        }
        for t in data.tokens {
            dir.tokens.insert(t.token.clone(), t);
        }
        for w in data.wabas {
            dir.wabas.insert(w.id.clone(), w);
        }
        for p in data.phone_numbers {
            dir.phone_numbers.insert(p.id.clone(), p);
        }
        for c in data.catalogs {
            dir.catalogs.insert(c.id.clone(), CatalogIndex::new(c));
        }
        for p in data.products {
            dir.upsert_product(p);
        }
        for c in data.customers {
            dir.customers.insert(c.wa_id.clone(), c);
        }
        for w in data.windows {
            dir.windows
                .insert((w.phone_number_id, w.wa_id), w.last_inbound_at);
        }
        for c in data.carts {
            dir.carts.insert(c.key.clone(), c);
        }
        for t in data.templates {
            dir.apply(&DirectoryChange::Template(t));
        }
        dir
    }

    /// The version of an entity: the change-log number of its last change, 0 for none since the
    /// seed. A commit computed from what was read carries these, and is refused if any moved.
    pub fn version(&self, key: &str) -> i64 {
        self.versions.get(key).copied().unwrap_or(0)
    }

    /// The revision of a product: the change-log number of its last change (0 for none since
    /// the seed). It only grows, survives the product's deletion, and is the same on every node,
    /// whatever their clocks say: what a cart compares to find the updates its customer has not
    /// seen.
    pub fn product_revision(&self, product: &Product) -> i64 {
        self.version(&product_key(&product.catalog_id, &product.retailer_id))
    }

    /// Applies change-log entry `seq`: the change, and the versions of what it writes.
    pub fn apply_logged(&mut self, seq: i64, change: &DirectoryChange) {
        for key in change.writes() {
            let v = self.versions.entry(key).or_insert(0);
            *v = (*v).max(seq);
        }
        self.apply(change);
    }

    pub fn token(&self, token: &str) -> Option<&Token> {
        self.tokens.get(token)
    }

    /// Applies a change from the log (or made here). The clock is not part of the directory:
    /// the caller applies `Clock` changes to the sandbox clock.
    pub fn apply(&mut self, change: &DirectoryChange) {
        match change {
            DirectoryChange::Token(t) => {
                self.tokens.insert(t.token.clone(), t.clone());
            }
            DirectoryChange::App(a) => {
                self.apps.insert(a.id.clone(), a.clone());
            }
            DirectoryChange::Waba(w) => {
                self.wabas.insert(w.id.clone(), w.clone());
            }
            DirectoryChange::PhoneNumber(p) => {
                self.phone_numbers.insert(p.id.clone(), p.clone());
            }
            DirectoryChange::Catalog(c) => match self.catalogs.get_mut(&c.id) {
                Some(index) => index.catalog = c.clone(),
                None => {
                    self.catalogs
                        .insert(c.id.clone(), CatalogIndex::new(c.clone()));
                }
            },
            DirectoryChange::Product(p) => self.upsert_product(p.clone()),
            DirectoryChange::ProductDeleted {
                id,
                catalog_id,
                retailer_id,
            } => {
                self.product_ids.remove(id);
                if let Some(index) = self.catalogs.get_mut(catalog_id) {
                    index.remove(retailer_id);
                }
            }
            DirectoryChange::CatalogDeleted { id } => {
                if let Some(index) = self.catalogs.remove(id) {
                    for p in index.products() {
                        self.product_ids.remove(&p.id);
                    }
                }
            }
            DirectoryChange::Clock(_) => {}
            DirectoryChange::Customer(c) => {
                self.customers.insert(c.wa_id.clone(), c.clone());
            }
            DirectoryChange::Cart(c) => {
                self.carts.insert(c.key.clone(), c.clone());
            }
            DirectoryChange::Template(t) => {
                self.template_names.insert(
                    (t.waba_id.clone(), t.name.clone(), t.language.clone()),
                    t.id.clone(),
                );
                self.templates.insert(t.id.clone(), t.clone());
            }
            DirectoryChange::TemplateDeleted { id } => {
                if let Some(t) = self.templates.remove(id) {
                    let key = (t.waba_id, t.name, t.language);
                    if self.template_names.get(&key) == Some(id) {
                        self.template_names.remove(&key);
                    }
                }
            }
            DirectoryChange::Window(w) => {
                let at = self
                    .windows
                    .entry((w.phone_number_id.clone(), w.wa_id.clone()))
                    .or_insert(0);
                *at = (*at).max(w.last_inbound_at);
            }
        }
    }

    pub fn app(&self, id: &AppId) -> Option<&App> {
        self.apps.get(id)
    }

    pub fn business(&self, id: &BusinessId) -> Option<&Business> {
        self.businesses.get(id)
    }

    pub fn waba(&self, id: &WabaId) -> Option<&Waba> {
        self.wabas.get(id)
    }

    pub fn phone_number(&self, id: &PhoneNumberId) -> Option<&PhoneNumber> {
        self.phone_numbers.get(id)
    }

    pub fn catalog(&self, id: &CatalogId) -> Option<&CatalogIndex> {
        self.catalogs.get(id)
    }

    /// The catalog connected to WABA `waba_id`, if any.
    pub fn connected_catalog(&self, waba_id: &WabaId) -> Option<&CatalogIndex> {
        self.waba(waba_id)
            .and_then(|w| w.catalog_id.as_ref())
            .and_then(|id| self.catalog(id))
    }

    pub fn product_by_id(&self, id: &ProductId) -> Option<&Product> {
        let (catalog, retailer) = self.product_ids.get(id)?;
        self.catalogs.get(catalog)?.product(retailer)
    }

    pub fn upsert_product(&mut self, product: Product) {
        if let Some(index) = self.catalogs.get_mut(&product.catalog_id) {
            self.product_ids.insert(
                product.id.clone(),
                (product.catalog_id.clone(), product.retailer_id.clone()),
            );
            index.upsert(product);
        }
    }

    pub fn template(&self, id: &TemplateId) -> Option<&crate::template::Template> {
        self.templates.get(id)
    }

    /// The WABA's template `name` in `language`, whatever its status.
    pub fn template_by_name(
        &self,
        waba_id: &WabaId,
        name: &str,
        language: &str,
    ) -> Option<&crate::template::Template> {
        let key = (waba_id.clone(), name.to_owned(), language.to_owned());
        self.templates.get(self.template_names.get(&key)?)
    }

    /// A WABA's templates, by id (creation order: ids grow).
    pub fn templates_of(&self, waba_id: &WabaId) -> Vec<&crate::template::Template> {
        let mut v: Vec<_> = self
            .templates
            .values()
            .filter(|t| t.waba_id == waba_id)
            .collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }

    /// Templates waiting for review, due at `now`.
    pub fn templates_due(&self, now: i64) -> Vec<crate::template::Template> {
        self.templates
            .values()
            .filter(|t| {
                t.status == crate::template::TemplateStatus::Pending
                    && t.review_due_at.is_some_and(|d| d <= now)
            })
            .cloned()
            .collect()
    }

    pub fn cart(&self, key: &crate::cart::CartKey) -> Option<&crate::cart::Cart> {
        self.carts.get(key)
    }

    pub fn customer(&self, wa_id: &WaId) -> Option<&Customer> {
        self.customers.get(wa_id)
    }

    /// Every customer, in no particular order.
    pub fn customers(&self) -> impl Iterator<Item = &Customer> {
        self.customers.values()
    }

    /// Every (business number, customer) pair that heard from the customer, with when it last
    /// did (sandbox ms).
    pub fn windows(&self) -> impl Iterator<Item = (&PhoneNumberId, &WaId, i64)> {
        self.windows
            .iter()
            .map(|((phone, wa_id), at)| (phone, wa_id, *at))
    }

    /// When `wa_id` last wrote to the number (sandbox ms), if ever.
    pub fn last_inbound(&self, phone_number_id: &PhoneNumberId, wa_id: &WaId) -> Option<i64> {
        self.windows
            .get(&(phone_number_id.clone(), wa_id.clone()))
            .copied()
    }

    /// What `id` names, if anything. A plain `&str`: until it is resolved, a Graph node id may be
    /// of any kind.
    pub fn node(&self, id: &str) -> Option<Node<'_>> {
        if let Some(p) = self.phone_numbers.get(id) {
            return Some(Node::PhoneNumber(p));
        }
        if let Some(w) = self.wabas.get(id) {
            return Some(Node::Waba(w));
        }
        if let Some(c) = self.catalogs.get(id) {
            return Some(Node::Catalog(c));
        }
        if let Some(p) = self
            .product_ids
            .get(id)
            .and_then(|(catalog, retailer)| self.catalogs.get(catalog)?.product(retailer))
        {
            return Some(Node::Product(p));
        }
        if let Some(b) = self.businesses.get(id) {
            return Some(Node::Business(b));
        }
        if let Some(t) = self.templates.get(id) {
            return Some(Node::Template(t));
        }
        self.apps.get(id).map(Node::App)
    }

    /// The business that owns a node (apps belong to no business: `None`).
    pub fn owner_of<'a>(&'a self, node: Node<'a>) -> Option<&'a BusinessId> {
        match node {
            Node::Business(b) => Some(&b.id),
            Node::App(_) => None,
            Node::Waba(w) => Some(&w.business_id),
            Node::PhoneNumber(p) => self.wabas.get(&p.waba_id).map(|w| &w.business_id),
            Node::Catalog(c) => Some(&c.catalog.business_id),
            Node::Template(t) => self.wabas.get(&t.waba_id).map(|w| &w.business_id),
            Node::Product(p) => self
                .catalogs
                .get(&p.catalog_id)
                .map(|c| &c.catalog.business_id),
        }
    }

    /// Where a WABA's webhooks for `field` go: every app subscribed to the WABA whose webhook
    /// subscribes the field, at the WABA's override URL or else the app's callback. As on Meta,
    /// only `messages` follows the override: template webhooks always go to the app's callback.
    pub fn webhook_targets(&self, waba_id: &WabaId, field: &str) -> Vec<WebhookTarget> {
        let Some(waba) = self.wabas.get(waba_id) else {
            return vec![];
        };
        waba.subscribed_apps
            .iter()
            .filter_map(|sub| {
                let app = self.apps.get(&sub.app_id)?;
                let app_sub = app.subscription.as_ref().filter(|s| s.has_field(field));
                let override_url = sub
                    .override_callback_uri
                    .as_ref()
                    .filter(|_| field == "messages");
                let url = match (override_url, app_sub) {
                    (Some(url), _) => url.clone(),
                    (None, Some(s)) => s.callback_url.clone(),
                    (None, None) => return None,
                };
                Some(WebhookTarget {
                    app_id: app.id.clone(),
                    url,
                    secret: app.secret.clone(),
                    version: app_sub.map(|s| s.version.clone()),
                })
            })
            .collect()
    }

    /// The app a new token of `business_id` is issued from (operator API; not a hot path).
    pub fn token_app_for(&self, business_id: &BusinessId) -> Option<AppId> {
        self.tokens
            .values()
            .find(|t| t.business_id == business_id)
            .map(|t| t.app_id.clone())
            .or_else(|| self.apps.keys().min().cloned())
    }

    pub fn phone_numbers(&self) -> impl Iterator<Item = &PhoneNumber> {
        self.phone_numbers.values()
    }

    /// Catalogs a business owns, by id.
    pub fn catalogs_of(&self, business_id: &BusinessId) -> Vec<&CatalogIndex> {
        let mut v: Vec<&CatalogIndex> = self
            .catalogs
            .values()
            .filter(|c| c.catalog.business_id == business_id)
            .collect();
        v.sort_by(|a, b| a.catalog.id.cmp(&b.catalog.id));
        v
    }

    /// WABAs with `catalog_id` connected.
    pub fn wabas_with_catalog(&self, catalog_id: &CatalogId) -> Vec<&Waba> {
        self.wabas
            .values()
            .filter(|w| w.catalog_id.as_ref() == Some(catalog_id))
            .collect()
    }
}
