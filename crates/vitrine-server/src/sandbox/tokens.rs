//! POST /_vitrine/tokens: mint an access token with chosen scopes and expiry.

use super::api::MintedToken;
use super::{json_body, OpError};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use std::collections::BTreeSet;
use utoipa::ToSchema;
use vitrine_core::model::Scope;
use vitrine_core::seed;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MintRequest {
    /// Defaults to the demo business.
    business_id: Option<String>,
    /// Scope names; defaults to all of them.
    scopes: Option<Vec<String>>,
    /// Seconds of sandbox time until the token expires; never when absent.
    expires_in: Option<i64>,
}

/// Mints an access token of a business with chosen scopes and expiry.
#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = MintRequest,
    responses((status = 200, description = "The new token", body = MintedToken)))]
pub async fn mint(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<MintedToken>, OpError> {
    let req: MintRequest = json_body(&body)?;
    let scopes: BTreeSet<Scope> = match req.scopes {
        None => Scope::ALL.into_iter().collect(),
        Some(names) => names
            .iter()
            .map(|n| {
                Scope::parse(n).ok_or_else(|| OpError::bad_request(format!("Unknown scope '{n}'.")))
            })
            .collect::<Result<_, _>>()?,
    };
    let business = req
        .business_id
        .unwrap_or_else(|| seed::BUSINESS_ID.to_owned());
    let token = state
        .sandbox
        .mint_token(&business.into(), scopes, req.expires_in)
        .await?;
    Ok(Json(MintedToken {
        access_token: token.token,
        business_id: token.business_id.into(),
        scopes: token.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
        expires_at: token.expires_at,
    }))
}
