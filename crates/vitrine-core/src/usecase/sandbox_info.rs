//! The facts a user needs to send a first message: printed in the start-up banner and served by
//! `GET /_vitrine/sandbox`.

use crate::sandbox::Sandbox;
use crate::seed;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct SandboxFacts {
    pub base_url: String,
    pub graph_url: String,
    pub api_version: String,
    pub business_id: String,
    pub waba_id: String,
    pub phone_number_id: String,
    pub display_phone_number: String,
    pub app_id: String,
    pub app_secret: String,
    pub verify_token: String,
    /// The demo app's webhook callback, once set.
    pub webhook_url: Option<String>,
    pub access_token: String,
    pub catalog_id: Option<String>,
    pub catalog_link: String,
    pub customer: Customer,
    pub retailer_ids: Vec<String>,
    pub other_business: OtherBusiness,
}

#[derive(Debug, Clone, Serialize)]
pub struct Customer {
    pub wa_id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OtherBusiness {
    pub business_id: String,
    /// The second business's own app (its webhooks go to this app's callback).
    pub app_id: String,
    pub app_secret: String,
    pub waba_id: String,
    pub phone_number_id: String,
    pub access_token: String,
}

impl Sandbox {
    pub fn facts(&self, base_url: &str) -> SandboxFacts {
        let base_url = base_url.trim_end_matches('/').to_owned();
        let version = self.behaviour.default_api_version.clone();
        self.read(|dir| {
            let phone = dir.phone_number(&seed::PHONE_NUMBER_ID.into());
            let display = phone
                .map(|p| p.display_phone_number.clone())
                .unwrap_or_else(|| seed::DISPLAY_PHONE_NUMBER.to_owned());
            let catalog_id = dir
                .waba(&seed::WABA_ID.into())
                .and_then(|w| w.catalog_id.clone());
            let app = dir.app(&seed::APP_ID.into());
            let retailer_ids = catalog_id
                .as_ref()
                .and_then(|id| dir.catalog(id))
                .map(|c| {
                    c.products()
                        .filter(|p| p.is_sendable())
                        .take(6)
                        .map(|p| p.retailer_id.to_string())
                        .collect()
                })
                .unwrap_or_default();
            SandboxFacts {
                graph_url: format!("{base_url}/{version}"),
                base_url,
                api_version: version,
                business_id: seed::BUSINESS_ID.to_owned(),
                waba_id: seed::WABA_ID.to_owned(),
                phone_number_id: seed::PHONE_NUMBER_ID.to_owned(),
                catalog_link: format!("https://wa.me/c/{display}"),
                display_phone_number: display,
                app_id: seed::APP_ID.to_owned(),
                app_secret: app.map(|a| a.secret.clone()).unwrap_or_default(),
                verify_token: app.map(|a| a.verify_token.clone()).unwrap_or_default(),
                webhook_url: app
                    .and_then(|a| a.subscription.as_ref())
                    .map(|s| s.callback_url.clone()),
                access_token: seed::ACCESS_TOKEN.to_owned(),
                catalog_id: catalog_id.map(String::from),
                customer: Customer {
                    wa_id: seed::CUSTOMER_WA_ID.to_owned(),
                    name: seed::CUSTOMER_NAME.to_owned(),
                },
                retailer_ids,
                other_business: OtherBusiness {
                    business_id: seed::OTHER_BUSINESS_ID.to_owned(),
                    app_id: seed::OTHER_APP_ID.to_owned(),
                    app_secret: seed::OTHER_APP_SECRET.to_owned(),
                    waba_id: seed::OTHER_WABA_ID.to_owned(),
                    phone_number_id: seed::OTHER_PHONE_NUMBER_ID.to_owned(),
                    access_token: seed::OTHER_ACCESS_TOKEN.to_owned(),
                },
            }
        })
    }
}
