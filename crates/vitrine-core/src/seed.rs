//! The deterministic demo sandbox seeded on first start (documented in the README).

use crate::directory::DirectoryData;
use crate::model::{
    App, Availability, Business, Catalog, CommerceSettings, Customer, PhoneNumber, Product,
    ReviewStatus, Scope, Throughput, Token, Visibility, Waba, WabaSubscription,
};

pub const BUSINESS_ID: &str = "107215548836021";
pub const BUSINESS_NAME: &str = "Vitrine Demo Store";
pub const WABA_ID: &str = "110457892231604";
pub const PHONE_NUMBER_ID: &str = "113859604417350";
pub const DISPLAY_PHONE_NUMBER: &str = "15550107788";
pub const APP_ID: &str = "1489523075316720";
pub const APP_SECRET: &str = "8a1f3c9e5b7d2046f1e9a3c5b7d90124";
pub const VERIFY_TOKEN: &str = "vitrine-demo-verify-token";
pub const ACCESS_TOKEN: &str = "EAAVitrineDemoSystemUserToken0000000000000000000000000000000000";
pub const CATALOG_ID: &str = "771804362295518";
pub const COMMERCE_SETTINGS_ID: &str = "527759822865714";
/// The demo customer the banner's first curl writes to.
pub const CUSTOMER_WA_ID: &str = "16505550123";
pub const CUSTOMER_NAME: &str = "Alex Rivera";

/// A second business with its own app, WABA, number and token, and no catalog: for trying
/// isolation (100/33) and "no catalog connected" (131009).
pub const OTHER_BUSINESS_ID: &str = "108900412276653";
pub const OTHER_APP_ID: &str = "1532896740218457";
pub const OTHER_APP_SECRET: &str = "3c7e9a1f5b2d8046e1a9c3f5b7d20468";
pub const OTHER_VERIFY_TOKEN: &str = "vitrine-other-verify-token";
pub const OTHER_WABA_ID: &str = "112093557710448";
pub const OTHER_PHONE_NUMBER_ID: &str = "116204339850127";
pub const OTHER_DISPLAY_PHONE_NUMBER: &str = "15550109900";
pub const OTHER_ACCESS_TOKEN: &str =
    "EAAVitrineOtherBusinessToken000000000000000000000000000000000";

struct Item {
    sku: &'static str,
    name: &'static str,
    category: &'static str,
    price: i64,
    sale_price: Option<i64>,
    availability: Availability,
    visibility: Visibility,
    description: &'static str,
}

const fn item(
    sku: &'static str,
    name: &'static str,
    category: &'static str,
    price: i64,
    description: &'static str,
) -> Item {
    Item {
        sku,
        name,
        category,
        price,
        sale_price: None,
        availability: Availability::InStock,
        visibility: Visibility::Published,
        description,
    }
}

const fn out_of_stock(mut i: Item) -> Item {
    i.availability = Availability::OutOfStock;
    i
}

const fn on_sale(mut i: Item, sale: i64) -> Item {
    i.sale_price = Some(sale);
    i
}

const fn hidden(mut i: Item) -> Item {
    i.visibility = Visibility::Staging;
    i
}

const ITEMS: &[Item] = &[
    item(
        "tee-classic-white",
        "Classic Cotton Tee, White",
        "Apparel",
        1900,
        "Heavyweight organic cotton tee with a relaxed fit.",
    ),
    item(
        "tee-classic-black",
        "Classic Cotton Tee, Black",
        "Apparel",
        1900,
        "Heavyweight organic cotton tee with a relaxed fit.",
    ),
    item(
        "hoodie-heather-grey",
        "Fleece Hoodie, Heather Grey",
        "Apparel",
        4900,
        "Brushed-back fleece hoodie with a kangaroo pocket.",
    ),
    item(
        "cap-canvas-navy",
        "Canvas Cap, Navy",
        "Apparel",
        2200,
        "Six-panel washed canvas cap with a brass buckle.",
    ),
    item(
        "socks-merino-3pk",
        "Merino Socks, 3 Pack",
        "Apparel",
        1400,
        "Soft merino wool crew socks in three colours.",
    ),
    on_sale(
        item(
            "jacket-rain-olive",
            "Packable Rain Jacket, Olive",
            "Apparel",
            8900,
            "Waterproof, breathable shell that packs into its own pocket.",
        ),
        6900,
    ),
    item(
        "beans-house-blend-250g",
        "House Blend Coffee Beans, 250 g",
        "Coffee",
        1250,
        "Chocolate and hazelnut notes; medium roast.",
    ),
    out_of_stock(item(
        "beans-ethiopia-250g",
        "Ethiopia Yirgacheffe Beans, 250 g",
        "Coffee",
        1600,
        "Floral, citrus and bergamot; light roast.",
    )),
    item(
        "beans-decaf-250g",
        "Swiss Water Decaf Beans, 250 g",
        "Coffee",
        1350,
        "Caramel sweetness without the caffeine.",
    ),
    item(
        "grinder-hand-steel",
        "Hand Grinder, Steel Burrs",
        "Coffee",
        4500,
        "Consistent grind from espresso to French press.",
    ),
    item(
        "pourover-kit",
        "Pour-Over Starter Kit",
        "Coffee",
        3900,
        "Ceramic dripper, 40 filters and a glass server.",
    ),
    item(
        "mug-stoneware-350ml",
        "Stoneware Mug, 350 ml",
        "Coffee",
        1800,
        "Hand-glazed stoneware mug; dishwasher safe.",
    ),
    item(
        "candle-cedar-200g",
        "Cedar & Smoke Candle",
        "Home",
        2400,
        "Soy wax candle with a cotton wick; 45-hour burn.",
    ),
    item(
        "throw-wool-charcoal",
        "Wool Throw, Charcoal",
        "Home",
        7500,
        "Woven lambswool throw, 130 x 180 cm.",
    ),
    item(
        "planter-ceramic-m",
        "Ceramic Planter, Medium",
        "Home",
        2900,
        "Matte ceramic planter with a drainage saucer.",
    ),
    out_of_stock(item(
        "lamp-desk-brass",
        "Brass Desk Lamp",
        "Home",
        6900,
        "Adjustable arm, warm LED bulb included.",
    )),
    item(
        "towels-linen-set",
        "Linen Towel Set",
        "Home",
        3400,
        "Two bath towels and two hand towels in stone-washed linen.",
    ),
    item(
        "vase-glass-amber",
        "Amber Glass Vase",
        "Home",
        2600,
        "Mouth-blown recycled glass, 25 cm tall.",
    ),
    item(
        "tote-canvas-natural",
        "Canvas Tote, Natural",
        "Accessories",
        1600,
        "Heavy canvas tote with an inner pocket.",
    ),
    item(
        "wallet-leather-tan",
        "Leather Card Wallet, Tan",
        "Accessories",
        4200,
        "Vegetable-tanned leather, holds six cards.",
    ),
    item(
        "bottle-steel-750ml",
        "Insulated Bottle, 750 ml",
        "Accessories",
        2800,
        "Keeps drinks cold for 24 hours, hot for 12.",
    ),
    item(
        "sunglasses-round-tortoise",
        "Round Sunglasses, Tortoise",
        "Accessories",
        5900,
        "Acetate frames with polarised lenses.",
    ),
    item(
        "notebook-dotted-a5",
        "Dotted Notebook, A5",
        "Accessories",
        1200,
        "192 pages of 100 gsm paper with a lay-flat binding.",
    ),
    item(
        "umbrella-compact-black",
        "Compact Umbrella, Black",
        "Accessories",
        2300,
        "Wind-resistant frame; opens and closes with one button.",
    ),
    item(
        "gift-card-25",
        "Gift Card, $25",
        "Gifts",
        2500,
        "Delivered by WhatsApp message; never expires.",
    ),
    on_sale(
        item(
            "bundle-coffee-lovers",
            "Coffee Lovers Bundle",
            "Gifts",
            6500,
            "House blend, stoneware mug and pour-over kit.",
        ),
        5500,
    ),
    hidden(item(
        "scarf-wool-preview",
        "Wool Scarf (coming soon)",
        "Apparel",
        3900,
        "Not yet published: hidden from customers.",
    )),
];

/// The demo sandbox. `public_url` is where this Vitrine answers; product images are served by
/// Vitrine itself under `/assets/demo/`.
pub fn demo(public_url: &str) -> DirectoryData {
    let base = public_url.trim_end_matches('/');
    let products = ITEMS
        .iter()
        .enumerate()
        .map(|(i, it)| Product {
            id: format!("{}", 7_337_219_806_314_500u64 + i as u64).into(),
            catalog_id: CATALOG_ID.into(),
            retailer_id: it.sku.into(),
            name: it.name.to_owned(),
            description: it.description.to_owned(),
            price: it.price,
            currency: "USD".to_owned(),
            sale_price: it.sale_price,
            image_url: format!("{base}/assets/demo/{}.svg", it.sku),
            url: Some(format!("https://shop.vitrine.example/p/{}", it.sku)),
            availability: it.availability,
            condition: "new".to_owned(),
            brand: Some("Vitrine Goods".to_owned()),
            category: Some(it.category.to_owned()),
            visibility: it.visibility,
            review_status: ReviewStatus::Approved,
            inventory: Some(if it.availability == Availability::OutOfStock {
                0
            } else {
                100
            }),
            additional_image_urls: vec![],
            sale_price_start_date: None,
            sale_price_end_date: None,
            extra: Default::default(),
            updated_at: 0,
        })
        .collect();
    DirectoryData {
        businesses: vec![
            Business {
                id: BUSINESS_ID.into(),
                name: BUSINESS_NAME.into(),
            },
            Business {
                id: OTHER_BUSINESS_ID.into(),
                name: "Other Business".into(),
            },
        ],
        apps: vec![
            App {
                id: APP_ID.into(),
                name: "Vitrine Demo App".into(),
                secret: APP_SECRET.into(),
                verify_token: VERIFY_TOKEN.into(),
                require_appsecret_proof: false,
                subscription: None,
            },
            App {
                id: OTHER_APP_ID.into(),
                name: "Other Business App".into(),
                secret: OTHER_APP_SECRET.into(),
                verify_token: OTHER_VERIFY_TOKEN.into(),
                require_appsecret_proof: false,
                subscription: None,
            },
        ],
        tokens: vec![
            Token {
                token: ACCESS_TOKEN.into(),
                business_id: BUSINESS_ID.into(),
                app_id: APP_ID.into(),
                scopes: Scope::ALL.into_iter().collect(),
                expires_at: None,
            },
            Token {
                token: OTHER_ACCESS_TOKEN.into(),
                business_id: OTHER_BUSINESS_ID.into(),
                app_id: OTHER_APP_ID.into(),
                scopes: Scope::ALL.into_iter().collect(),
                expires_at: None,
            },
        ],
        wabas: vec![
            Waba {
                id: WABA_ID.into(),
                business_id: BUSINESS_ID.into(),
                name: "Vitrine Demo WABA".into(),
                catalog_id: Some(CATALOG_ID.into()),
                subscribed_apps: vec![WabaSubscription {
                    app_id: APP_ID.into(),
                    override_callback_uri: None,
                    verify_token: None,
                }],
            },
            Waba {
                id: OTHER_WABA_ID.into(),
                business_id: OTHER_BUSINESS_ID.into(),
                name: "Other WABA".into(),
                catalog_id: None,
                subscribed_apps: vec![WabaSubscription {
                    app_id: OTHER_APP_ID.into(),
                    override_callback_uri: None,
                    verify_token: None,
                }],
            },
        ],
        phone_numbers: vec![
            PhoneNumber {
                id: PHONE_NUMBER_ID.into(),
                waba_id: WABA_ID.into(),
                display_phone_number: DISPLAY_PHONE_NUMBER.into(),
                verified_name: BUSINESS_NAME.into(),
                commerce: CommerceSettings {
                    id: COMMERCE_SETTINGS_ID.into(),
                    is_cart_enabled: true,
                    is_catalog_visible: true,
                    saved: true,
                },
                throughput: Throughput::default(),
            },
            PhoneNumber {
                id: OTHER_PHONE_NUMBER_ID.into(),
                waba_id: OTHER_WABA_ID.into(),
                display_phone_number: OTHER_DISPLAY_PHONE_NUMBER.into(),
                verified_name: "Other Business".into(),
                commerce: CommerceSettings {
                    id: "527759822865715".into(),
                    is_cart_enabled: true,
                    is_catalog_visible: false,
                    saved: false,
                },
                throughput: Throughput::default(),
            },
        ],
        catalogs: vec![Catalog {
            id: CATALOG_ID.into(),
            business_id: BUSINESS_ID.into(),
            name: "Vitrine Demo Catalog".into(),
            vertical: "commerce".into(),
        }],
        products,
        customers: vec![Customer::new(&CUSTOMER_WA_ID.into(), Some(CUSTOMER_NAME))],
        windows: vec![],
        carts: vec![],
        templates: vec![],
    }
}

/// Retailer ids the README and the banner use.
pub const SAMPLE_RETAILER_IDS: [&str; 4] = [
    "tee-classic-white",
    "beans-house-blend-250g",
    "mug-stoneware-350ml",
    "candle-cedar-200g",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_rich_enough() {
        let d = demo("http://127.0.0.1:8484");
        let visible = d
            .products
            .iter()
            .filter(|p| p.visibility == Visibility::Published)
            .count();
        assert!(visible >= 24);
        assert!(d
            .products
            .iter()
            .any(|p| p.availability == Availability::OutOfStock));
        let categories: std::collections::BTreeSet<_> = d
            .products
            .iter()
            .filter_map(|p| p.category.clone())
            .collect();
        assert!(categories.len() >= 3);
        for id in [
            BUSINESS_ID,
            WABA_ID,
            PHONE_NUMBER_ID,
            APP_ID,
            CATALOG_ID,
            OTHER_APP_ID,
        ] {
            assert!((15..=17).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit()));
        }
        for sku in SAMPLE_RETAILER_IDS {
            assert!(d.products.iter().any(|p| p.retailer_id == sku));
        }
    }
}
