//! The shopping cart of one chat on one device (spec §9.1): any number of distinct products, at
//! most 99 units of each, only products that can be ordered, nothing at all when the number's
//! cart is disabled. Sending it turns it into an order and empties it.
//!
//! Product updates reach carts lazily and without scanning: whenever a cart is looked at (viewed
//! or sent), each of its items is checked against the catalog as it is now; items that went out
//! of stock, were deleted or hidden are removed, and any change since the customer last looked
//! raises the "items in your cart have been updated" notice.
//!
//! "Since the customer last looked" is a product revision, not a time: each item remembers the
//! revision of its product the customer last saw ([`Directory::product_revision`], a change-log
//! number, the same on every node), so a change in the very millisecond of a look, with the
//! sandbox clock frozen, is still seen.
//!
//! [`Directory::product_revision`]: crate::directory::Directory::product_revision

use crate::clock::Millis;
use crate::directory::CatalogIndex;
use crate::id::RetailerId;
use crate::model::Product;
use serde::{Deserialize, Serialize};

pub const MAX_QUANTITY: u32 = 99;
pub const UPDATED_NOTICE: &str = "One or more items in your cart have been updated";

/// Which cart: one per (business number, customer, device).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CartKey {
    pub phone_number_id: crate::id::PhoneNumberId,
    pub wa_id: crate::id::WaId,
    pub device_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartItem {
    pub product_retailer_id: RetailerId,
    pub quantity: u32,
    /// The revision of the product the customer last saw in the cart; `None` in carts stored
    /// before revisions were kept (those compare [`Cart::seen_at`] with the product's time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen_revision: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub key: CartKey,
    /// The catalog the items come from (the number's connected catalog when they were added).
    pub catalog_id: Option<crate::id::CatalogId>,
    pub items: Vec<CartItem>,
    /// Set when an update reached the cart; cleared once the customer has seen it.
    pub notice: bool,
    /// When the customer last looked at the cart (sandbox ms). Only items stored without a
    /// [`CartItem::seen_revision`] are compared by it.
    pub seen_at: i64,
}

/// What a customer does with a cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CartCommand {
    Add {
        product_retailer_id: RetailerId,
        quantity: u32,
    },
    SetQuantity {
        product_retailer_id: RetailerId,
        quantity: u32,
    },
    Remove {
        product_retailer_id: RetailerId,
    },
}

/// A rule the customer broke; never silently clamped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CartError {
    CartDisabled,
    NoCatalog,
    QuantityOutOfRange(u32),
    OverLimit { in_cart: u32, adding: u32 },
    Unavailable(RetailerId),
    NotInCart(RetailerId),
    Empty,
}

impl CartError {
    /// Vitrine's own error code.
    pub fn code(&self) -> &'static str {
        match self {
            CartError::CartDisabled => "cart_disabled",
            CartError::NoCatalog => "no_catalog",
            CartError::QuantityOutOfRange(_) => "quantity_out_of_range",
            CartError::OverLimit { .. } => "quantity_over_limit",
            CartError::Unavailable(_) => "product_unavailable",
            CartError::NotInCart(_) => "not_in_cart",
            CartError::Empty => "cart_empty",
        }
    }

    pub fn message(&self) -> String {
        match self {
            CartError::CartDisabled => "The cart is disabled for this business number (is_cart_enabled=false).".into(),
            CartError::NoCatalog => "The business number has no visible catalog.".into(),
            CartError::QuantityOutOfRange(q) => format!("Quantity {q} is out of range: 1 to {MAX_QUANTITY} units of an item."),
            CartError::OverLimit { in_cart, adding } => format!(
                "The cart already holds {in_cart} of this item; adding {adding} would exceed {MAX_QUANTITY}."
            ),
            CartError::Unavailable(rid) => format!("Product {rid} is unavailable and cannot be added to the cart."),
            CartError::NotInCart(rid) => format!("Product {rid} is not in the cart."),
            CartError::Empty => "The cart is empty.".into(),
        }
    }
}

impl Cart {
    pub fn new(key: CartKey) -> Cart {
        Cart {
            key,
            catalog_id: None,
            items: vec![],
            notice: false,
            seen_at: 0,
        }
    }

    pub fn quantity_of(&self, rid: &RetailerId) -> u32 {
        self.items
            .iter()
            .find(|i| i.product_retailer_id == *rid)
            .map_or(0, |i| i.quantity)
    }

    /// Applies a command; `catalog` is the number's connected catalog as it is now.
    pub fn apply(
        &self,
        cmd: &CartCommand,
        catalog: Option<&CatalogIndex>,
        cart_enabled: bool,
    ) -> Result<Cart, CartError> {
        if !cart_enabled {
            return Err(CartError::CartDisabled);
        }
        let mut next = self.clone();
        match cmd {
            CartCommand::Add {
                product_retailer_id: rid,
                quantity,
            } => {
                if !(1..=MAX_QUANTITY).contains(quantity) {
                    return Err(CartError::QuantityOutOfRange(*quantity));
                }
                let catalog = catalog.ok_or(CartError::NoCatalog)?;
                let orderable = catalog
                    .product(rid)
                    .is_some_and(|p| p.is_sendable() && p.availability.can_be_ordered());
                if !orderable {
                    return Err(CartError::Unavailable(rid.clone()));
                }
                let in_cart = self.quantity_of(rid);
                if in_cart + quantity > MAX_QUANTITY {
                    return Err(CartError::OverLimit {
                        in_cart,
                        adding: *quantity,
                    });
                }
                next.catalog_id = Some(catalog.catalog.id.clone());
                match next
                    .items
                    .iter_mut()
                    .find(|i| i.product_retailer_id == *rid)
                {
                    Some(item) => item.quantity += quantity,
                    None => next.items.push(CartItem {
                        product_retailer_id: rid.clone(),
                        quantity: *quantity,
                        seen_revision: None,
                    }),
                }
            }
            CartCommand::SetQuantity {
                product_retailer_id: rid,
                quantity,
            } => {
                if !(1..=MAX_QUANTITY).contains(quantity) {
                    return Err(CartError::QuantityOutOfRange(*quantity));
                }
                let item = next
                    .items
                    .iter_mut()
                    .find(|i| i.product_retailer_id == *rid)
                    .ok_or_else(|| CartError::NotInCart(rid.clone()))?;
                item.quantity = *quantity;
            }
            CartCommand::Remove {
                product_retailer_id: rid,
            } => {
                let before = next.items.len();
                next.items.retain(|i| i.product_retailer_id != *rid);
                if next.items.len() == before {
                    return Err(CartError::NotInCart(rid.clone()));
                }
            }
        }
        Ok(next)
    }

    /// The cart against the catalog as it is now: unorderable items removed, the notice raised
    /// for any change the customer has not seen (a product at a newer `revision` than the one
    /// its item last showed). Returns whether anything changed.
    pub fn refresh(
        &mut self,
        catalog: Option<&CatalogIndex>,
        revision: impl Fn(&Product) -> i64,
    ) -> bool {
        let mut changed = false;
        let seen_at = self.seen_at;
        let before = self.items.len();
        self.items.retain(|i| {
            catalog
                .and_then(|c| c.product(&i.product_retailer_id))
                .is_some_and(|p| p.is_sendable() && p.availability.can_be_ordered())
        });
        if self.items.len() != before {
            self.notice = true;
            changed = true;
        }
        let updated = self.items.iter().any(|i| {
            catalog
                .and_then(|c| c.product(&i.product_retailer_id))
                .is_some_and(|p| match i.seen_revision {
                    Some(seen) => revision(p) > seen,
                    None => p.updated_at > seen_at,
                })
        });
        if updated && !self.notice {
            self.notice = true;
            changed = true;
        }
        changed
    }

    /// The customer has seen the cart (and its notice) at `now`, its products as they are in
    /// `catalog`.
    pub fn seen(
        &mut self,
        now: Millis,
        catalog: Option<&CatalogIndex>,
        revision: impl Fn(&Product) -> i64,
    ) {
        self.notice = false;
        self.looked(now, catalog, revision);
    }

    /// The customer looked at the products of the cart at `now`, as they are in `catalog`: each
    /// item remembers the revision it showed. A pending notice stays.
    pub fn looked(
        &mut self,
        now: Millis,
        catalog: Option<&CatalogIndex>,
        revision: impl Fn(&Product) -> i64,
    ) {
        self.seen_at = now.0;
        for item in &mut self.items {
            if let Some(p) = catalog.and_then(|c| c.product(&item.product_retailer_id)) {
                item.seen_revision = Some(revision(p));
            }
        }
    }

    /// Whether an item was stored before revisions were kept: looking at the cart records them.
    pub fn lacks_revisions(&self) -> bool {
        self.items.iter().any(|i| i.seen_revision.is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::Directory;
    use crate::seed;
    use proptest::prelude::*;

    fn catalog() -> Directory {
        Directory::from_data(seed::demo("http://x"))
    }

    fn key() -> CartKey {
        CartKey {
            phone_number_id: "p".into(),
            wa_id: "w".into(),
            device_id: "d".into(),
        }
    }

    #[test]
    fn rules() {
        let dir = catalog();
        let c = dir.catalog(&seed::CATALOG_ID.into());
        let cart = Cart::new(key());
        let add = |rid: &str, q| CartCommand::Add {
            product_retailer_id: rid.into(),
            quantity: q,
        };
        let cart = cart.apply(&add("gift-card-25", 98), c, true).unwrap();
        assert_eq!(
            cart.apply(&add("gift-card-25", 2), c, true),
            Err(CartError::OverLimit {
                in_cart: 98,
                adding: 2
            })
        );
        let cart = cart.apply(&add("gift-card-25", 1), c, true).unwrap();
        assert_eq!(cart.quantity_of(&"gift-card-25".into()), 99);
        assert_eq!(
            cart.apply(&add("beans-ethiopia-250g", 1), c, true),
            Err(CartError::Unavailable("beans-ethiopia-250g".into()))
        );
        assert_eq!(
            cart.apply(&add("scarf-wool-preview", 1), c, true),
            Err(CartError::Unavailable("scarf-wool-preview".into()))
        );
        assert_eq!(
            cart.apply(&add("tote-canvas-natural", 0), c, true),
            Err(CartError::QuantityOutOfRange(0))
        );
        assert_eq!(
            cart.apply(&add("tote-canvas-natural", 1), c, false),
            Err(CartError::CartDisabled)
        );
        let cart = cart
            .apply(
                &CartCommand::SetQuantity {
                    product_retailer_id: "gift-card-25".into(),
                    quantity: 3,
                },
                c,
                true,
            )
            .unwrap();
        assert_eq!(cart.quantity_of(&"gift-card-25".into()), 3);
        let cart = cart
            .apply(
                &CartCommand::Remove {
                    product_retailer_id: "gift-card-25".into(),
                },
                c,
                true,
            )
            .unwrap();
        assert!(cart.items.is_empty());
    }

    #[derive(Debug, Clone)]
    enum Op {
        Add(usize, u32),
        Set(usize, u32),
        Remove(usize),
    }

    const SKUS: [&str; 4] = [
        "gift-card-25",
        "tote-canvas-natural",
        "beans-ethiopia-250g",
        "cap-canvas-navy",
    ];

    proptest! {
        /// Against a simple model (a map of quantities): every line stays within 1..=99, errors
        /// leave the cart unchanged, and unavailable items never get in.
        #[test]
        fn cart_matches_a_simple_model(ops in prop::collection::vec(
            prop_oneof![
                (0usize..4, 0u32..120).prop_map(|(s, q)| Op::Add(s, q)),
                (0usize..4, 0u32..120).prop_map(|(s, q)| Op::Set(s, q)),
                (0usize..4).prop_map(Op::Remove),
            ], 0..60)) {
            let dir = catalog();
            let c = dir.catalog(&seed::CATALOG_ID.into());
            let mut cart = Cart::new(key());
            let mut model: std::collections::BTreeMap<&str, u32> = Default::default();
            for op in ops {
                let (cmd, expected) = match op {
                    Op::Add(s, q) => {
                        let rid = SKUS[s];
                        let current = model.get(rid).copied().unwrap_or(0);
                        let ok = (1..=99).contains(&q) && rid != "beans-ethiopia-250g" && current + q <= 99;
                        (CartCommand::Add { product_retailer_id: rid.into(), quantity: q }, ok.then(|| (rid, current + q)))
                    }
                    Op::Set(s, q) => {
                        let rid = SKUS[s];
                        let ok = (1..=99).contains(&q) && model.contains_key(rid);
                        (CartCommand::SetQuantity { product_retailer_id: rid.into(), quantity: q }, ok.then_some((rid, q)))
                    }
                    Op::Remove(s) => {
                        let rid = SKUS[s];
                        let ok = model.contains_key(rid);
                        (CartCommand::Remove { product_retailer_id: rid.into() }, ok.then_some((rid, 0)))
                    }
                };
                match (cart.apply(&cmd, c, true), expected) {
                    (Ok(next), Some((rid, q))) => {
                        if q == 0 { model.remove(rid); } else { model.insert(rid, q); }
                        cart = next;
                    }
                    (Err(_), None) => {}
                    (got, want) => prop_assert!(false, "{cmd:?}: got {got:?}, model wanted {want:?}"),
                }
                for item in &cart.items {
                    prop_assert!((1..=99).contains(&item.quantity));
                    prop_assert_eq!(model.get(item.product_retailer_id.as_str()).copied(), Some(item.quantity));
                }
                prop_assert_eq!(cart.items.len(), model.len());
            }
        }

        /// Against a model of product revisions, with the clock standing still: a look shows
        /// the notice exactly when a product in the cart changed since the cart last showed it,
        /// and only once.
        #[test]
        fn every_change_since_the_last_look_is_noticed_once(ops in prop::collection::vec(
            prop_oneof![
                (0usize..3).prop_map(RevisionOp::Add),
                (0usize..3).prop_map(RevisionOp::Change),
                Just(RevisionOp::Look),
            ], 0..60)) {
            const ORDERABLE: [&str; 3] = ["gift-card-25", "tote-canvas-natural", "cap-canvas-navy"];
            let dir = catalog();
            let c = dir.catalog(&seed::CATALOG_ID.into());
            let now = Millis(1_000);
            let mut revisions: std::collections::BTreeMap<&str, i64> = Default::default();
            let mut last = 0;
            let mut cart = Cart::new(key());
            let mut unseen = false;
            for op in ops {
                match op {
                    RevisionOp::Add(s) => {
                        // As a change of the cart does: refreshed, changed, looked at.
                        let rev = |p: &Product| revisions.get(p.retailer_id.as_str()).copied().unwrap_or(0);
                        cart.refresh(c, rev);
                        let add = CartCommand::Add { product_retailer_id: ORDERABLE[s].into(), quantity: 1 };
                        let mut next = cart.apply(&add, c, true).unwrap();
                        next.looked(now, c, rev);
                        cart = next;
                    }
                    RevisionOp::Change(s) => {
                        last += 1;
                        revisions.insert(ORDERABLE[s], last);
                        unseen |= cart.quantity_of(&ORDERABLE[s].into()) > 0;
                    }
                    RevisionOp::Look => {
                        let rev = |p: &Product| revisions.get(p.retailer_id.as_str()).copied().unwrap_or(0);
                        cart.refresh(c, rev);
                        prop_assert_eq!(cart.notice, unseen);
                        if cart.notice {
                            cart.seen(now, c, rev);
                        }
                        unseen = false;
                    }
                }
            }
        }
    }

    #[derive(Debug, Clone)]
    enum RevisionOp {
        Add(usize),
        Change(usize),
        Look,
    }

    #[test]
    fn an_item_stored_without_a_revision_compares_times_until_looked_at() {
        let dir = catalog();
        let c = dir.catalog(&seed::CATALOG_ID.into());
        let mut cart = Cart::new(key());
        cart.items.push(CartItem {
            product_retailer_id: "gift-card-25".into(),
            quantity: 1,
            seen_revision: None,
        });
        cart.seen_at = 5;
        // The seed's products changed at 0, before the look at 5: nothing new.
        assert!(!cart.refresh(c, |_| 7));
        assert!(cart.lacks_revisions());
        cart.looked(Millis(5), c, |_| 7);
        assert!(!cart.lacks_revisions());
        assert!(!cart.refresh(c, |_| 7));
        assert!(cart.refresh(c, |_| 8), "a newer revision, at the same time");
        assert!(cart.notice);
    }
}
