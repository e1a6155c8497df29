//! Webhook subscriptions (spec §5.1): `/{app-id}/subscriptions`, `/{waba-id}/subscribed_apps`,
//! and the app access token.

use crate::params::Param;
use serde::{Deserialize, Serialize};

/// One entry of `GET /{app-id}/subscriptions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppSubscription {
    pub object: String,
    pub callback_url: String,
    pub active: bool,
    pub fields: Vec<SubscribedField>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscribedField {
    pub name: String,
    pub version: String,
}

/// One entry of `GET /{waba-id}/subscribed_apps`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscribedApp {
    pub whatsapp_business_api_data: AppData,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_callback_uri: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppData {
    pub id: String,
    pub link: String,
    pub name: String,
}

/// `GET /oauth/access_token` (client credentials).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessToken {
    pub access_token: String,
    pub token_type: String,
}

/// `POST /{app-id}/subscriptions`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SubscribeApp {
    /// `whatsapp_business_account`.
    pub object: Param,
    pub callback_url: Param,
    pub verify_token: Param,
    /// Field names: a JSON array or a comma-separated string (`messages` when absent).
    pub fields: Param,
}

/// `POST /{waba-id}/subscribed_apps`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SubscribeWaba {
    pub override_callback_uri: Param,
    pub verify_token: Param,
}
