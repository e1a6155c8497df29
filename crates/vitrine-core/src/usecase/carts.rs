//! The customer's side of shopping: devices, carts, and sending a cart as an order.

use crate::cart::{Cart, CartCommand, CartError, CartKey, UPDATED_NOTICE};
use crate::directory::{Directory, DirectoryChange};
use crate::error::ApiError;
use crate::id::{PhoneNumberId, RetailerId, WaId};
use crate::ids::Direction;
use crate::inbound::{InboundRecord, Incoming, OrderItem};
use crate::model::{Customer, Device, Product};
use crate::sandbox::{Plan, Sandbox};
use crate::usecase::customers::inbound_plan;
use serde::Serialize;

/// Why a customer action failed.
#[derive(Debug)]
pub enum CustomerError {
    /// A cart rule (Vitrine's own error codes).
    Rule(CartError),
    /// No such customer, device or business number.
    NotFound(String),
    /// What WhatsApp shows instead (for example "Invalid catalog link").
    Refused {
        refusal: Refusal,
        message: String,
    },
    Api(ApiError),
}

/// Why the phone refuses a customer's action; its code is Vitrine's (`/_vitrine/` answers 409
/// with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Refusal {
    InvalidCatalogLink,
    ProductUnavailable,
    NotDelivered,
    OrderExpired,
    OrderPaid,
    CannotForward,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        self.into()
    }
}

impl From<ApiError> for CustomerError {
    fn from(e: ApiError) -> Self {
        CustomerError::Api(e)
    }
}

impl From<CartError> for CustomerError {
    fn from(e: CartError) -> Self {
        CustomerError::Rule(e)
    }
}

/// A cart as the customer sees it, with the products as they are now.
#[derive(Debug, Clone, Serialize)]
pub struct CartView {
    pub phone_number_id: PhoneNumberId,
    pub device_id: String,
    pub catalog_id: Option<crate::id::CatalogId>,
    pub items: Vec<CartLine>,
    /// "One or more items in your cart have been updated", once, after an update.
    pub notice: Option<&'static str>,
    /// Minor units, per currency of the items (one currency in practice).
    pub total: i64,
    pub currency: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CartLine {
    pub product_retailer_id: RetailerId,
    pub quantity: u32,
    pub name: String,
    /// The unit price the customer pays now (the sale price while active), minor units.
    pub price: i64,
    pub currency: String,
    pub image_url: String,
    pub availability: &'static str,
}

fn view(dir: &Directory, cart: &Cart, notice: bool, now_ms: i64) -> CartView {
    let catalog = cart.catalog_id.as_ref().and_then(|id| dir.catalog(id));
    let items: Vec<CartLine> = cart
        .items
        .iter()
        .filter_map(|i| {
            let p = catalog?.product(&i.product_retailer_id)?;
            Some(CartLine {
                product_retailer_id: p.retailer_id.clone(),
                quantity: i.quantity,
                name: p.name.clone(),
                price: p.current_price(now_ms),
                currency: p.currency.clone(),
                image_url: p.image_url.clone(),
                availability: p.availability.as_str(),
            })
        })
        .collect();
    CartView {
        phone_number_id: cart.key.phone_number_id.clone(),
        device_id: cart.key.device_id.clone(),
        catalog_id: cart.catalog_id.clone(),
        total: items.iter().map(|l| l.price * i64::from(l.quantity)).sum(),
        currency: items.first().map(|l| l.currency.clone()),
        items,
        notice: notice.then_some(UPDATED_NOTICE),
    }
}

/// The cart of (number, customer, device) as stored, whether the number's cart is enabled, and
/// the catalog connected to the number (when visible).
fn cart_context(
    dir: &Directory,
    wa_id: &WaId,
    phone_number_id: &PhoneNumberId,
    device: Option<&str>,
) -> Result<(Cart, bool, Option<crate::id::CatalogId>), CustomerError> {
    let customer = dir
        .customer(wa_id)
        .ok_or_else(|| CustomerError::NotFound(format!("No customer {wa_id}.")))?;
    let device_id = match device {
        Some(d) => customer
            .devices
            .iter()
            .find(|x| x.id == d)
            .map(|x| x.id.clone()),
        None => customer.devices.first().map(|x| x.id.clone()),
    }
    .ok_or_else(|| {
        CustomerError::NotFound(format!(
            "Customer {wa_id} has no device {}.",
            device.unwrap_or("(any)")
        ))
    })?;
    let phone = dir.phone_number(phone_number_id).ok_or_else(|| {
        CustomerError::NotFound(format!("No business phone number {phone_number_id}."))
    })?;
    let connected = dir
        .waba(&phone.waba_id)
        .and_then(|w| w.catalog_id.clone())
        .filter(|_| phone.commerce.is_catalog_visible);
    let key = CartKey {
        phone_number_id: phone.id.clone(),
        wa_id: customer.wa_id.clone(),
        device_id,
    };
    let cart = dir.cart(&key).cloned().unwrap_or_else(|| Cart::new(key));
    Ok((cart, phone.commerce.is_cart_enabled, connected))
}

impl Sandbox {
    /// Adds (or replaces) a device of a customer: carts are per device.
    pub async fn add_device(
        &self,
        wa_id: &WaId,
        device: Device,
    ) -> Result<Customer, CustomerError> {
        if device.id.trim().is_empty() {
            return Err(CustomerError::Api(ApiError::invalid_param(
                "A device needs an id.",
            )));
        }
        self.update(|dir| {
            let mut customer = dir
                .customer(wa_id)
                .cloned()
                .ok_or_else(|| CustomerError::NotFound(format!("No customer {wa_id}.")))?;
            customer.devices.retain(|d| d.id != device.id);
            customer.devices.push(device.clone());
            Ok((
                Plan::change(DirectoryChange::Customer(customer.clone())),
                customer,
            ))
        })
        .await
    }

    /// The cart of (number, customer, device), brought up to date with the catalog; the customer
    /// sees the update notice once.
    pub async fn view_cart(
        &self,
        wa_id: &WaId,
        phone_number_id: &PhoneNumberId,
        device: Option<&str>,
    ) -> Result<CartView, CustomerError> {
        self.update(|dir| {
            let (mut cart, _, _) = cart_context(dir, wa_id, phone_number_id, device)?;
            let catalog = cart.catalog_id.as_ref().and_then(|id| dir.catalog(id));
            let revision = |p: &Product| dir.product_revision(p);
            cart.refresh(catalog, revision);
            let now = self.clock.now();
            let notice = cart.notice;
            let shown = view(dir, &cart, notice, now.0);
            // Only a shown notice (every update or removal raises one) needs remembering: a look
            // that changes nothing writes nothing, so watchers of the change log stay quiet. A
            // cart stored before revisions were kept records them once.
            let plan = if notice || cart.lacks_revisions() {
                cart.seen(now, catalog, revision);
                Plan::change(DirectoryChange::Cart(cart))
            } else {
                Plan::none()
            };
            Ok((plan, shown))
        })
        .await
    }

    /// Adds, changes or removes an item.
    pub async fn change_cart(
        &self,
        wa_id: &WaId,
        phone_number_id: &PhoneNumberId,
        device: Option<&str>,
        cmd: CartCommand,
    ) -> Result<CartView, CustomerError> {
        self.update(|dir| {
            let (mut cart, enabled, connected) = cart_context(dir, wa_id, phone_number_id, device)?;
            let catalog_id = cart.catalog_id.clone().or(connected);
            let catalog = catalog_id.as_ref().and_then(|id| dir.catalog(id));
            let revision = |p: &Product| dir.product_revision(p);
            cart.refresh(catalog, revision);
            let mut next = cart.apply(&cmd, catalog, enabled)?;
            // The customer is looking at the products as they are now; a pending notice stays.
            let now = self.clock.now();
            next.looked(now, catalog, revision);
            let shown = view(dir, &next, next.notice, now.0);
            Ok((Plan::change(DirectoryChange::Cart(next)), shown))
        })
        .await
    }

    /// Sends the cart with an optional note: an `order` webhook priced as the catalog is now, the
    /// cart emptied, the window opened, all in one transaction. Two sends of one cart at once,
    /// on one node or two, make one order: the second finds the cart empty.
    pub async fn send_cart(
        &self,
        wa_id: &WaId,
        phone_number_id: &PhoneNumberId,
        device: Option<&str>,
        note: Option<&str>,
    ) -> Result<InboundRecord, CustomerError> {
        self.update(|dir| {
            let (mut cart, enabled, _) = cart_context(dir, wa_id, phone_number_id, device)?;
            if !enabled {
                return Err(CartError::CartDisabled.into());
            }
            let now = self.clock.now();
            let catalog = cart.catalog_id.as_ref().and_then(|id| dir.catalog(id));
            let revision = |p: &Product| dir.product_revision(p);
            cart.refresh(catalog, revision);
            let catalog = catalog.ok_or(CartError::Empty)?;
            if cart.items.is_empty() {
                return Err(CustomerError::Rule(CartError::Empty));
            }
            let product_items = cart
                .items
                .iter()
                .filter_map(|i| {
                    let p = catalog.product(&i.product_retailer_id)?;
                    Some(OrderItem {
                        product_retailer_id: p.retailer_id.clone(),
                        quantity: i.quantity,
                        item_price: p.current_price(now.0),
                        currency: p.currency.clone(),
                    })
                })
                .collect();
            let phone = dir
                .phone_number(phone_number_id)
                .ok_or_else(|| CustomerError::NotFound(phone_number_id.to_string()))?;
            let record = InboundRecord {
                wamid: self.ids.wamid(wa_id, Direction::Inbound),
                phone_number_id: phone.id.clone(),
                waba_id: phone.waba_id.clone(),
                wa_id: cart.key.wa_id.clone(),
                content: Incoming::Order {
                    catalog_id: catalog.catalog.id.clone(),
                    text: note.unwrap_or("").to_owned(),
                    product_items,
                },
                context: None,
                created_at: now,
            };
            let webhooks = self.inbound_webhooks(dir, &record, None);
            cart.items.clear();
            cart.seen(now, Some(catalog), revision);
            Ok((
                inbound_plan(record.clone(), webhooks, vec![DirectoryChange::Cart(cart)]),
                record,
            ))
        })
        .await
    }
}

/// A product as the customer sees it now.
#[derive(Debug, Clone, Serialize)]
pub struct ProductView {
    pub product_retailer_id: RetailerId,
    pub name: String,
    pub description: String,
    pub price: i64,
    pub sale_price: Option<i64>,
    pub currency: String,
    pub image_url: String,
    pub availability: &'static str,
    /// Whether it can go in the cart.
    pub orderable: bool,
}

impl ProductView {
    pub fn of(p: &crate::model::Product) -> ProductView {
        ProductView {
            product_retailer_id: p.retailer_id.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            price: p.price,
            sale_price: p.sale_price,
            currency: p.currency.clone(),
            image_url: p.image_url.clone(),
            availability: p.availability.as_str(),
            orderable: p.is_sendable() && p.availability.can_be_ordered(),
        }
    }
}

impl Sandbox {
    /// The catalog as the customer browses it (from a catalog message, a `wa.me/c/` link or the
    /// business profile): the visible products, in catalog order, paged by retailer id.
    pub fn browse_catalog(
        &self,
        wa_id: &WaId,
        phone_number_id: &PhoneNumberId,
        after: Option<&RetailerId>,
        limit: usize,
    ) -> Result<serde_json::Value, CustomerError> {
        self.read(|dir| {
            dir.customer(wa_id).ok_or_else(|| CustomerError::NotFound(format!("No customer {wa_id}.")))?;
            let phone = dir
                .phone_number(phone_number_id)
                .ok_or_else(|| CustomerError::NotFound(format!("No business phone number {phone_number_id}.")))?;
            let catalog = dir.connected_catalog(&phone.waba_id)
                .filter(|_| phone.commerce.is_catalog_visible)
                .ok_or(CustomerError::Refused { refusal: Refusal::InvalidCatalogLink, message: "Invalid catalog link".to_owned() })?;
            let start = after.and_then(|rid| catalog.position(rid));
            let limit = limit.clamp(1, 100);
            let mut page: Vec<ProductView> = catalog
                .page_after(start)
                .filter(|(_, p)| p.is_sendable())
                .take(limit + 1)
                .map(|(_, p)| ProductView::of(p))
                .collect();
            let more = page.len() > limit;
            page.truncate(limit);
            Ok(serde_json::json!({
                "catalog_id": catalog.catalog.id,
                "business": phone.verified_name,
                "cart_enabled": phone.commerce.is_cart_enabled,
                "products": page,
                "next": if more { page.last().map(|p| p.product_retailer_id.clone()) } else { None },
            }))
        })
    }

    /// One product page, as the customer sees it now.
    pub fn product_page(
        &self,
        phone_number_id: &PhoneNumberId,
        product_retailer_id: &RetailerId,
    ) -> Result<ProductView, CustomerError> {
        self.read(|dir| {
            let phone = dir.phone_number(phone_number_id).ok_or_else(|| {
                CustomerError::NotFound(format!("No business phone number {phone_number_id}."))
            })?;
            dir.connected_catalog(&phone.waba_id)
                .and_then(|c| c.product(product_retailer_id))
                .filter(|p| p.is_sendable())
                .map(ProductView::of)
                .ok_or_else(|| CustomerError::Refused {
                    refusal: Refusal::ProductUnavailable,
                    message: format!("Product {product_retailer_id} is not available."),
                })
        })
    }
}
