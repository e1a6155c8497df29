//! The catalog (inventory) API: catalogs, products, batches, the WABA's catalog connection and a
//! number's commerce settings (spec §6, §10). Every write is a directory change, so every node and
//! every later send sees the catalog as it is now.
//!
//! Its length: catalogs, products and batches share one set of checks and one directory key scheme;
//! they are split by resource in the wire types instead.

use crate::auth::Principal;
use crate::catalog::batch::{BatchJob, BatchResult, ItemError};
use crate::catalog::fields::{self, ProductPatch};
use crate::catalog::filter;
use crate::directory::{CatalogIndex, DirectoryChange};
use crate::error::{ApiError, ErrorKind};
use crate::id::{BusinessId, CatalogId, PhoneNumberId, ProductId, RetailerId, WabaId};
use crate::model::{Catalog, Product, Scope, Waba};
use crate::sandbox::{Plan, Sandbox};
use base64::Engine;
use serde_json::{json, Map, Value};
use vitrine_wire::catalog::{
    BatchAccepted, BatchItemError, BatchStatus, CommerceSettings, Message, ValidationStatus,
};
use vitrine_wire::catalog::{
    BatchStatusQuery, CatalogConnection, CatalogWrite, CommerceSettingsWrite, ItemsBatch,
    ListProducts, ProductWrite,
};
use vitrine_wire::graph::{Created, Cursors, List, Paging, Projected, Success, Summary};
use vitrine_wire::params::{Flag, Param};

pub const VERTICALS: &[&str] = &[
    "commerce",
    "hotels",
    "flights",
    "destinations",
    "home_listings",
    "vehicles",
    "offline_commerce",
];
pub const BATCH_MAX: usize = 5_000;
const PAGE_DEFAULT: usize = 25;
const PAGE_MAX: usize = 1_000;

fn graph(e: ApiError) -> ApiError {
    e.graph_scope()
}

fn bad(details: impl Into<String>) -> ApiError {
    ApiError::invalid_param(details).graph_scope()
}

/// A flag parameter: 100 "Param <key> must be true or false." when it is neither.
fn flag(param: &Param, key: &str) -> Result<Option<bool>, ApiError> {
    match param.flag() {
        Flag::Absent => Ok(None),
        Flag::Set(b) => Ok(Some(b)),
        Flag::Invalid => Err(bad(format!("Param {key} must be true or false."))),
    }
}

/// Cursors are opaque to clients: base64 of a position in the catalog.
fn cursor(seq: u64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("vitrine:{seq}"))
}

fn parse_cursor(c: &str) -> Result<u64, ApiError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c.trim_end_matches('='))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("vitrine:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| bad("Invalid cursor."))
}

/// Where list links point: this server's Graph URL of the edge.
pub struct EdgeUrl {
    pub base: String,
}

impl EdgeUrl {
    fn with(&self, params: &[(&str, &str)]) -> String {
        match url::Url::parse_with_params(&self.base, params) {
            Ok(u) => u.to_string(),
            Err(_) => self.base.clone(),
        }
    }
}

fn catalog_view(c: &CatalogIndex, fields: &[String]) -> Result<Projected, ApiError> {
    let mut out = Map::new();
    for f in fields {
        let v = match f.as_str() {
            "id" => json!(c.catalog.id),
            "name" => json!(c.catalog.name),
            "vertical" => json!(c.catalog.vertical),
            "product_count" => json!(c.len()),
            "business" => json!({ "id": c.catalog.business_id }),
            other => {
                return Err(ApiError::new(ErrorKind::InvalidParameter)
                    .with_text(format!(
                        "Tried accessing nonexisting field ({other}) on node type (ProductCatalog)"
                    ))
                    .graph_scope())
            }
        };
        out.insert(f.clone(), v);
    }
    out.entry("id").or_insert_with(|| json!(c.catalog.id));
    Ok(Projected(out))
}

fn field_list(fields: Option<&str>, default: &[&str]) -> Vec<String> {
    match fields {
        Some(f) => f
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect(),
        None => default.iter().map(|s| (*s).to_owned()).collect(),
    }
}

impl Sandbox {
    // ---- Catalogs ----

    /// POST /{business-id}/owned_product_catalogs
    pub async fn create_catalog(
        &self,
        principal: &Principal,
        business_id: &BusinessId,
        req: &CatalogWrite,
    ) -> Result<Created, ApiError> {
        principal
            .require(Scope::BusinessManagement)
            .map_err(graph)?;
        let name = req
            .name
            .text()
            .ok_or_else(|| graph(ApiError::param_required("name")))?;
        if name.chars().count() > 200 {
            return Err(bad("Param name must be at most 200 characters long."));
        }
        let vertical = req.vertical.text().unwrap_or("commerce");
        if !VERTICALS.contains(&vertical) {
            return Err(bad(format!(
                "Param vertical must be one of {{{}}}.",
                VERTICALS.join(", ")
            )));
        }
        let catalog = Catalog {
            id: self.ids.node_id().into(),
            business_id: business_id.to_owned(),
            name: name.to_owned(),
            vertical: vertical.to_owned(),
        };
        let id = catalog.id.clone();
        self.commit_plan(Plan::change(DirectoryChange::Catalog(catalog)))
            .await?;
        Ok(Created { id: id.into() })
    }

    /// GET /{business-id}/owned_product_catalogs
    pub fn list_catalogs(
        &self,
        principal: &Principal,
        business_id: &BusinessId,
        fields: Option<&str>,
    ) -> Result<List<Projected>, ApiError> {
        principal.require(Scope::CatalogManagement).map_err(graph)?;
        let fields = field_list(fields, &["id", "name"]);
        self.read(|dir| {
            let data = dir
                .catalogs_of(business_id)
                .into_iter()
                .map(|c| catalog_view(c, &fields))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(List::of(data))
        })
    }

    /// GET /{catalog-id}
    pub fn get_catalog(
        &self,
        principal: &Principal,
        id: &CatalogId,
        fields: Option<&str>,
    ) -> Result<Projected, ApiError> {
        principal.require(Scope::CatalogManagement).map_err(graph)?;
        let fields = field_list(fields, &["id", "name"]);
        self.read(|dir| {
            catalog_view(
                dir.catalog(id)
                    .ok_or_else(|| ApiError::unsupported("get", id))?,
                &fields,
            )
        })
    }

    /// POST /{catalog-id} (`name`)
    pub async fn update_catalog(
        &self,
        principal: &Principal,
        id: &CatalogId,
        req: &CatalogWrite,
    ) -> Result<Success, ApiError> {
        principal.require(Scope::CatalogManagement).map_err(graph)?;
        self.update(|dir| {
            let mut catalog = dir
                .catalog(id)
                .map(|c| c.catalog.clone())
                .ok_or_else(|| ApiError::unsupported("post", id))?;
            if let Some(name) = req.name.text() {
                catalog.name = name.to_owned();
            }
            Ok::<_, ApiError>((Plan::change(DirectoryChange::Catalog(catalog)), ()))
        })
        .await?;
        Ok(Success::TRUE)
    }

    /// DELETE /{catalog-id}: the catalog and its products; WABAs it was connected to lose it.
    pub async fn delete_catalog(
        &self,
        principal: &Principal,
        id: &CatalogId,
    ) -> Result<Success, ApiError> {
        principal.require(Scope::CatalogManagement).map_err(graph)?;
        // One commit: the WABAs let go of it and it goes, with its products.
        self.update(|dir| {
            let mut changes: Vec<DirectoryChange> = dir
                .wabas_with_catalog(id)
                .into_iter()
                .map(|w| {
                    DirectoryChange::Waba(Waba {
                        catalog_id: None,
                        ..w.clone()
                    })
                })
                .collect();
            changes.push(DirectoryChange::CatalogDeleted { id: id.to_owned() });
            Ok::<_, ApiError>((Plan::changes(changes), ()))
        })
        .await?;
        Ok(Success::TRUE)
    }

    // ---- Products ----

    /// POST /{catalog-id}/products: create, or with `allow_upsert=true` update the product with
    /// the same retailer id.
    pub async fn create_product(
        &self,
        principal: &Principal,
        catalog_id: &CatalogId,
        req: &ProductWrite,
    ) -> Result<Created, ApiError> {
        principal.require(Scope::CatalogManagement).map_err(graph)?;
        let allow_upsert = flag(&req.allow_upsert, "allow_upsert")?.unwrap_or(false);
        let patch = ProductPatch::from_api(&req.fields)?;
        let retailer_id = patch
            .retailer_id
            .clone()
            .ok_or_else(|| graph(ApiError::param_required("retailer_id")))?;
        let now = self.clock.now().0;
        let id = self
            .update(|dir| {
                let existing = dir
                    .catalog(catalog_id)
                    .and_then(|c| c.product(&retailer_id))
                    .cloned();
                let product = match existing {
                    Some(_) if !allow_upsert => {
                        return Err(ApiError::new(ErrorKind::DuplicateRetailerId)
                            .with_details(format!(
                                "A product with retailer_id '{retailer_id}' already exists in catalog {catalog_id}; send allow_upsert=true to update it."
                            ))
                            .graph_scope())
                    }
                    Some(mut p) => {
                        patch.clone().apply(&mut p, now);
                        p
                    }
                    None => patch.clone().create(self.ids.node_id(), catalog_id, now)?,
                };
                let id = product.id.clone();
                Ok((Plan::change(DirectoryChange::Product(product)), id))
            })
            .await?;
        Ok(Created { id: id.into() })
    }

    /// GET /{catalog-id}/products (`fields`, `limit`, `after`/`before`, `filter`, `summary`)
    pub fn list_products(
        &self,
        principal: &Principal,
        catalog_id: &CatalogId,
        req: &ListProducts,
        edge: &EdgeUrl,
    ) -> Result<List<Projected>, ApiError> {
        principal.require(Scope::CatalogManagement).map_err(graph)?;
        let fields = fields::parse_read_fields(req.fields.text())?;
        let limit = match req.limit.value() {
            None => PAGE_DEFAULT,
            Some(v) => v
                .as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                .filter(|l| *l >= 1)
                .map(|l| (l as usize).min(PAGE_MAX))
                .ok_or_else(|| bad("Param limit must be a positive integer."))?,
        };
        let rule = req.filter.value().map(filter::parse).transpose()?;
        let summary = flag(&req.summary, "summary")?.unwrap_or(false);
        let after = req.after.text().map(parse_cursor).transpose()?;
        let before = req.before.text().map(parse_cursor).transpose()?;
        self.read(|dir| {
            let catalog = dir
                .catalog(catalog_id)
                .ok_or_else(|| ApiError::unsupported("get", catalog_id))?;
            let matches = |p: &Product| rule.as_ref().is_none_or(|r| r.matches(p));
            let page: Vec<(u64, &Product)> = match before {
                Some(b) => {
                    let mut v: Vec<_> = catalog
                        .page_before(b)
                        .filter(|(_, p)| matches(p))
                        .take(limit)
                        .collect();
                    v.reverse();
                    v
                }
                None => catalog
                    .page_after(after)
                    .filter(|(_, p)| matches(p))
                    .take(limit)
                    .collect(),
            };
            let data = page
                .iter()
                .map(|(_, p)| fields::render(p, &fields))
                .collect::<Result<Vec<_>, _>>()?;
            let mut out = List::of(data);
            if let (Some((first, _)), Some((last, _))) = (page.first(), page.last()) {
                let (before_c, after_c) = (cursor(*first), cursor(*last));
                let limit_s = limit.to_string();
                let mut carry: Vec<(&str, &str)> = vec![("limit", limit_s.as_str())];
                if let Some(f) = req.fields.text() {
                    carry.push(("fields", f));
                }
                let filter_s = req.filter.value().map(|f| match f {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
                if let Some(f) = filter_s.as_deref() {
                    carry.push(("filter", f));
                }
                let link = |cursor: (&str, &str)| {
                    let mut q = carry.clone();
                    q.push(cursor);
                    edge.with(&q)
                };
                out.paging = Some(Paging {
                    next: catalog
                        .page_after(Some(*last))
                        .any(|(_, p)| matches(p))
                        .then(|| link(("after", after_c.as_str()))),
                    previous: catalog
                        .page_before(*first)
                        .any(|(_, p)| matches(p))
                        .then(|| link(("before", before_c.as_str()))),
                    cursors: Cursors {
                        before: before_c.clone(),
                        after: after_c.clone(),
                    },
                });
            }
            if summary {
                out.summary = Some(Summary {
                    total_count: catalog.products().filter(|p| matches(p)).count(),
                });
            }
            Ok(out)
        })
    }

    /// GET /{product-item-id}
    pub fn get_product(
        &self,
        principal: &Principal,
        id: &ProductId,
        fields: Option<&str>,
    ) -> Result<Projected, ApiError> {
        principal.require(Scope::CatalogManagement).map_err(graph)?;
        let fields = fields::parse_read_fields(fields)?;
        self.read(|dir| {
            fields::render(
                dir.product_by_id(id)
                    .ok_or_else(|| ApiError::unsupported("get", id))?,
                &fields,
            )
        })
    }

    /// POST /{product-item-id}: the fields given.
    pub async fn update_product(
        &self,
        principal: &Principal,
        id: &ProductId,
        req: &ProductWrite,
    ) -> Result<Success, ApiError> {
        principal.require(Scope::CatalogManagement).map_err(graph)?;
        let patch = ProductPatch::from_api(&req.fields)?;
        self.update(|dir| {
            let mut product = dir
                .product_by_id(id)
                .cloned()
                .ok_or_else(|| ApiError::unsupported("post", id))?;
            let mut changes = vec![];
            if let Some(rid) = &patch.retailer_id {
                let taken = dir
                    .catalog(&product.catalog_id)
                    .and_then(|c| c.product(rid))
                    .is_some_and(|p| p.id != product.id);
                if taken {
                    return Err(ApiError::new(ErrorKind::DuplicateRetailerId)
                        .with_details(format!(
                            "A product with retailer_id '{rid}' already exists in this catalog."
                        ))
                        .graph_scope());
                }
                if *rid != product.retailer_id {
                    // The retailer id is the catalog's key: the product moves, in one commit.
                    changes.push(DirectoryChange::ProductDeleted {
                        id: product.id.clone(),
                        catalog_id: product.catalog_id.clone(),
                        retailer_id: product.retailer_id.clone(),
                    });
                }
            }
            patch.clone().apply(&mut product, self.clock.now().0);
            changes.push(DirectoryChange::Product(product));
            Ok((Plan::changes(changes), ()))
        })
        .await?;
        Ok(Success::TRUE)
    }

    /// DELETE /{product-item-id}
    pub async fn delete_product(
        &self,
        principal: &Principal,
        id: &ProductId,
    ) -> Result<Success, ApiError> {
        principal.require(Scope::CatalogManagement).map_err(graph)?;
        self.update(|dir| {
            let product = dir
                .product_by_id(id)
                .ok_or_else(|| ApiError::unsupported("delete", id))?;
            Ok::<_, ApiError>((Plan::change(deleted(product)), ()))
        })
        .await?;
        Ok(Success::TRUE)
    }

    /// Creates or updates one product from feed-spec fields (feed import, batches).
    pub async fn upsert_feed_item(
        &self,
        catalog_id: &CatalogId,
        data: &Map<String, Value>,
    ) -> Result<(), ApiError> {
        self.write_feed_item(catalog_id, data, Presence::Any).await
    }

    /// Writes one product from feed-spec fields, if it is `present` as required when written.
    async fn write_feed_item(
        &self,
        catalog_id: &CatalogId,
        data: &Map<String, Value>,
        present: Presence,
    ) -> Result<(), ApiError> {
        let patch = ProductPatch::from_feed(data)?;
        let rid = patch
            .retailer_id
            .clone()
            .ok_or_else(|| graph(ApiError::param_required("id")))?;
        let now = self.clock.now().0;
        self.update(|dir| {
            let existing = dir
                .catalog(catalog_id)
                .map(|c| c.product(&rid).cloned())
                .ok_or_else(|| bad(format!("Unknown catalog {catalog_id}.")))?;
            let product = match (existing, present) {
                (Some(_), Presence::Absent) => {
                    return Err(bad(format!("A product with id {rid} already exists.")))
                }
                (None, Presence::Present) => {
                    return Err(bad(format!("No product with id {rid} to update.")))
                }
                (Some(mut p), _) => {
                    patch.clone().apply(&mut p, now);
                    p
                }
                (None, _) => patch.clone().create(self.ids.node_id(), catalog_id, now)?,
            };
            Ok((Plan::change(DirectoryChange::Product(product)), ()))
        })
        .await
    }

    // ---- Batches ----

    /// POST /{catalog-id}/items_batch
    pub async fn items_batch(
        &self,
        principal: &Principal,
        catalog_id: &CatalogId,
        req: &ItemsBatch,
    ) -> Result<BatchAccepted, ApiError> {
        principal.require(Scope::CatalogManagement).map_err(graph)?;
        match req.item_type.text() {
            None => return Err(graph(ApiError::param_required("item_type"))),
            Some("PRODUCT_ITEM") => {}
            Some(other) => {
                return Err(bad(format!(
                    "Vitrine supports item_type PRODUCT_ITEM only, not {other}."
                )))
            }
        }
        let requests = match req.requests.value() {
            None => return Err(graph(ApiError::param_required("requests"))),
            Some(Value::String(s)) => serde_json::from_str::<Value>(s)
                .map_err(|e| bad(format!("Param requests must be a JSON array: {e}")))?,
            Some(v) => v.clone(),
        };
        let Value::Array(items) = &requests else {
            return Err(bad("Param requests must be a JSON array."));
        };
        if items.is_empty() {
            return Err(bad("Param requests must not be empty."));
        }
        if items.len() > BATCH_MAX {
            return Err(ApiError::new(ErrorKind::Unknown)
                .with_text(
                    "Please reduce the amount of data you're asking for, then retry your request",
                )
                .with_details(format!(
                    "At most {BATCH_MAX} requests per batch, {} were given.",
                    items.len()
                ))
                .graph_scope());
        }
        let allow_upsert = flag(&req.allow_upsert, "allow_upsert")?.unwrap_or(true);
        let mut validation = vec![];
        for item in items {
            let (method, data) = match (
                item.get("method").and_then(Value::as_str),
                item.get("data").and_then(Value::as_object),
            ) {
                (Some(m), Some(d)) => (m, d),
                _ => return Err(bad("Each request needs a method and a data object.")),
            };
            let rid = data.get("id").map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string())
            });
            let Some(rid) = rid else {
                return Err(bad("Each request's data needs an id (the retailer id)."));
            };
            match method {
                "CREATE" | "UPDATE" => {
                    if let Err(e) = ProductPatch::from_feed(data) {
                        validation.push(ValidationStatus {
                            retailer_id: rid,
                            errors: vec![Message {
                                message: e.details.clone().unwrap_or_else(|| e.message()),
                            }],
                        });
                    }
                }
                "DELETE" => {}
                other => {
                    return Err(bad(format!(
                        "Invalid method {other}: must be CREATE, UPDATE or DELETE."
                    )))
                }
            }
        }
        let handle = format!("AcVitrine{}", self.ids.hex(16));
        let job = BatchJob {
            handle: handle.clone(),
            catalog_id: catalog_id.clone(),
            requests,
            allow_upsert,
            due_at: self
                .clock
                .now()
                .plus_ms(self.behaviour.batch_delay_ms.max(0)),
            finished: false,
            result: None,
        };
        self.store.insert_batch(&job).await?;
        Ok(BatchAccepted {
            handles: vec![handle],
            validation_status: validation,
        })
    }

    /// GET /{catalog-id}/check_batch_request_status?handle=…
    pub async fn batch_status(
        &self,
        principal: &Principal,
        catalog_id: &CatalogId,
        req: &BatchStatusQuery,
    ) -> Result<List<BatchStatus>, ApiError> {
        principal.require(Scope::CatalogManagement).map_err(graph)?;
        let handle = req
            .handle
            .text()
            .ok_or_else(|| graph(ApiError::param_required("handle")))?;
        // Due jobs are processed here too, so a caller never waits on the background tick.
        self.process_due_batches().await?;
        let job = self
            .store
            .get_batch(handle)
            .await?
            .filter(|j| j.catalog_id == catalog_id)
            .ok_or_else(|| bad(format!("Unknown handle {handle}.")))?;
        // A due job that another worker (or node) is applying at this very moment answers
        // `started`, as a job still processing does on Meta; the next look sees it finished.
        let result = job.result.clone().unwrap_or_default();
        let item = |e: &ItemError| BatchItemError {
            line: e.line,
            id: e.id.clone(),
            message: e.message.clone(),
        };
        Ok(List::of(vec![BatchStatus {
            handle: job.handle,
            status: if job.finished { "finished" } else { "started" }.to_owned(),
            errors_total_count: result.errors.len(),
            errors: result.errors.iter().map(item).collect(),
            warnings_total_count: result.warnings.len(),
            warnings: result.warnings.iter().map(item).collect(),
            ids_of_invalid_requests: result.errors.iter().map(|e| e.id.clone()).collect(),
        }]))
    }

    /// Applies due batches item by item: good items land, bad ones are reported. Returns how many
    /// batches finished.
    pub async fn process_due_batches(&self) -> Result<usize, ApiError> {
        let wall = self.clock.wall_ms();
        let jobs = self
            .store
            .claim_batches(self.clock.now(), wall, wall + 60_000, 4)
            .await?;
        let n = jobs.len();
        for job in jobs {
            let result = self.apply_batch(&job).await;
            self.store.finish_batch(&job.handle, &result).await?;
        }
        Ok(n)
    }

    async fn apply_batch(&self, job: &BatchJob) -> BatchResult {
        let mut result = BatchResult::default();
        let items = job.requests.as_array().cloned().unwrap_or_default();
        for (i, item) in items.iter().enumerate() {
            let method = item.get("method").and_then(Value::as_str).unwrap_or("");
            let data = item
                .get("data")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let rid = data
                .get("id")
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string())
                })
                .map(RetailerId::from)
                .unwrap_or_default();
            // Each check is made where the write is, so two batches at once cannot both create.
            let upsert = job.allow_upsert;
            let outcome = match method {
                "DELETE" => {
                    self.update(|dir| {
                        let p = dir
                            .catalog(&job.catalog_id)
                            .and_then(|c| c.product(&rid))
                            .ok_or_else(|| bad(format!("No product with id {rid} to delete.")))?;
                        Ok((Plan::change(deleted(p)), ()))
                    })
                    .await
                }
                "CREATE" if !upsert => {
                    self.write_feed_item(&job.catalog_id, &data, Presence::Absent)
                        .await
                }
                "UPDATE" if !upsert => {
                    self.write_feed_item(&job.catalog_id, &data, Presence::Present)
                        .await
                }
                _ => self.upsert_feed_item(&job.catalog_id, &data).await,
            }
            .map_err(|e| e.details.clone().unwrap_or_else(|| e.message()));
            if let Err(message) = outcome {
                result.errors.push(ItemError {
                    line: i + 1,
                    id: rid.into_string(),
                    message,
                });
            }
        }
        result
    }

    // ---- The WABA's catalog ----

    /// GET /{waba-id}/product_catalogs
    pub fn waba_catalogs(
        &self,
        principal: &Principal,
        waba_id: &WabaId,
        fields: Option<&str>,
    ) -> Result<List<Projected>, ApiError> {
        principal
            .require(Scope::WhatsappBusinessManagement)
            .map_err(graph)?;
        let fields = field_list(fields, &["id", "name"]);
        self.read(|dir| {
            let data = dir
                .connected_catalog(waba_id)
                .map(|c| catalog_view(c, &fields))
                .transpose()?
                .into_iter()
                .collect::<Vec<_>>();
            Ok(List::of(data))
        })
    }

    /// POST /{waba-id}/product_catalogs (`catalog_id`): one catalog per WABA.
    pub async fn connect_catalog(
        &self,
        principal: &Principal,
        waba_id: &WabaId,
        req: &CatalogConnection,
    ) -> Result<Success, ApiError> {
        principal
            .require(Scope::WhatsappBusinessManagement)
            .map_err(graph)?;
        let catalog_id = req
            .catalog_id
            .text()
            .ok_or_else(|| graph(ApiError::param_required("catalog_id")))?;
        // Read and written as one step: two connections at once leave one catalog connected.
        self.update(|dir| {
            let mut waba = dir
                .waba(waba_id)
                .cloned()
                .ok_or_else(|| ApiError::unsupported("post", waba_id))?;
            let catalog = dir.catalog(&catalog_id.into()).map(|c| &c.catalog).filter(|c| {
                c.business_id == waba.business_id || principal.token.business_id == c.business_id
            });
            let Some(catalog) = catalog else {
                return Err(bad(format!("Catalog {catalog_id} does not exist or cannot be used by this WhatsApp Business Account.")));
            };
            if catalog.vertical != "commerce" {
                return Err(bad("Only catalogs of vertical commerce can be connected to a WhatsApp Business Account."));
            }
            match waba.catalog_id.as_ref().map(|c| c.as_str()) {
                Some(current) if current == catalog_id => return Ok((Plan::none(), ())),
                Some(current) => {
                    return Err(bad(format!(
                        "This WhatsApp Business Account already has catalog {current} connected; disconnect it first."
                    )))
                }
                None => {}
            }
            waba.catalog_id = Some(catalog_id.into());
            Ok((Plan::change(DirectoryChange::Waba(waba)), ()))
        })
        .await?;
        Ok(Success::TRUE)
    }

    /// DELETE /{waba-id}/product_catalogs?catalog_id=…
    pub async fn disconnect_catalog(
        &self,
        principal: &Principal,
        waba_id: &WabaId,
        req: &CatalogConnection,
    ) -> Result<Success, ApiError> {
        principal
            .require(Scope::WhatsappBusinessManagement)
            .map_err(graph)?;
        let catalog_id = req
            .catalog_id
            .text()
            .ok_or_else(|| graph(ApiError::param_required("catalog_id")))?;
        self.update(|dir| {
            let mut waba = dir
                .waba(waba_id)
                .cloned()
                .ok_or_else(|| ApiError::unsupported("delete", waba_id))?;
            if waba.catalog_id.as_ref().map(|c| c.as_str()) != Some(catalog_id) {
                return Err(bad(format!(
                    "Catalog {catalog_id} is not connected to this WhatsApp Business Account."
                )));
            }
            waba.catalog_id = None;
            Ok((Plan::change(DirectoryChange::Waba(waba)), ()))
        })
        .await?;
        Ok(Success::TRUE)
    }

    // ---- Commerce settings ----

    /// GET /{phone-number-id}/whatsapp_commerce_settings
    pub fn commerce_settings(
        &self,
        principal: &Principal,
        phone_id: &PhoneNumberId,
    ) -> Result<List<CommerceSettings>, ApiError> {
        principal.require(Scope::WhatsappBusinessManagement)?;
        let phone = self
            .read(|dir| dir.phone_number(phone_id).cloned())
            .ok_or_else(|| ApiError::unsupported("get", phone_id))?;
        let c = &phone.commerce;
        let saved = c.saved.then(|| CommerceSettings {
            is_cart_enabled: c.is_cart_enabled,
            is_catalog_visible: c.is_catalog_visible,
            id: c.id.clone(),
        });
        Ok(List::of(saved.into_iter().collect()))
    }

    /// POST /{phone-number-id}/whatsapp_commerce_settings (`is_cart_enabled`, `is_catalog_visible`)
    pub async fn set_commerce_settings(
        &self,
        principal: &Principal,
        phone_id: &PhoneNumberId,
        req: &CommerceSettingsWrite,
    ) -> Result<Success, ApiError> {
        principal.require(Scope::WhatsappBusinessManagement)?;
        let cart = flag(&req.is_cart_enabled, "is_cart_enabled")
            .map_err(|e| e.with_details("Param is_cart_enabled must be true or false."))?;
        let visible = flag(&req.is_catalog_visible, "is_catalog_visible")
            .map_err(|e| e.with_details("Param is_catalog_visible must be true or false."))?;
        if cart.is_none() && visible.is_none() {
            return Err(ApiError::new(ErrorKind::InvalidParameter)
                .with_text("One feature setting must be specified"));
        }
        self.update(|dir| {
            let mut phone = dir
                .phone_number(phone_id)
                .cloned()
                .ok_or_else(|| ApiError::unsupported("post", phone_id))?;
            if let Some(c) = cart {
                phone.commerce.is_cart_enabled = c;
            }
            if let Some(v) = visible {
                phone.commerce.is_catalog_visible = v;
            }
            phone.commerce.saved = true;
            Ok::<_, ApiError>((Plan::change(DirectoryChange::PhoneNumber(phone)), ()))
        })
        .await?;
        Ok(Success::TRUE)
    }
}

/// What a feed import did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ImportReport {
    pub rows: u64,
    pub imported: u64,
    pub failed: u64,
    /// The first failures, with their line numbers.
    pub errors: Vec<ImportError>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ImportError {
    pub line: u64,
    pub reason: String,
}

const IMPORT_CONCURRENCY: usize = 256;
const IMPORT_ERRORS_KEPT: usize = 1_000;

impl Sandbox {
    /// Upserts every row of a feed (re-importing a file changes nothing new): good rows land,
    /// bad rows are reported with their line. Rows are applied concurrently so that the
    /// group-commit writer batches them; `progress` hears the rows done.
    pub async fn import_feed<S>(
        &self,
        catalog_id: &CatalogId,
        rows: S,
        mut progress: impl FnMut(u64),
    ) -> Result<ImportReport, ApiError>
    where
        S: futures_util::Stream<Item = crate::catalog::feed::FeedRow>,
    {
        use futures_util::StreamExt;
        if self.read(|dir| dir.catalog(catalog_id).is_none()) {
            return Err(bad(format!("Unknown catalog {catalog_id}.")));
        }
        let mut report = ImportReport::default();
        let results = rows
            .map(|(line, row)| async move {
                let outcome = match row {
                    Ok(data) => self
                        .upsert_feed_item(catalog_id, &data)
                        .await
                        .map_err(|e| e.details.clone().unwrap_or_else(|| e.message())),
                    Err(reason) => Err(reason),
                };
                (line, outcome)
            })
            .buffered(IMPORT_CONCURRENCY);
        let mut results = std::pin::pin!(results);
        while let Some((line, outcome)) = results.next().await {
            report.rows += 1;
            match outcome {
                Ok(()) => report.imported += 1,
                Err(reason) => {
                    report.failed += 1;
                    if report.errors.len() < IMPORT_ERRORS_KEPT {
                        report.errors.push(ImportError { line, reason });
                    }
                }
            }
            progress(report.rows);
        }
        Ok(report)
    }
}

/// The change that removes `p` from its catalog.
fn deleted(p: &crate::model::Product) -> DirectoryChange {
    DirectoryChange::ProductDeleted {
        id: p.id.clone(),
        catalog_id: p.catalog_id.clone(),
        retailer_id: p.retailer_id.clone(),
    }
}

/// Whether a product must exist (or must not) when it is written.
#[derive(Debug, Clone, Copy)]
enum Presence {
    Any,
    Present,
    Absent,
}
