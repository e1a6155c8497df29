//! Minting access tokens (operator API): to try scopes, expiry and isolation.

use crate::directory::DirectoryChange;
use crate::error::ApiError;
use crate::id::BusinessId;
use crate::model::{Scope, Token};
use crate::sandbox::{Plan, Sandbox};
use std::collections::BTreeSet;

impl Sandbox {
    /// A new token for `business_id` with `scopes`, expiring `expires_in_s` sandbox seconds from now.
    pub async fn mint_token(
        &self,
        business_id: &BusinessId,
        scopes: BTreeSet<Scope>,
        expires_in_s: Option<i64>,
    ) -> Result<Token, ApiError> {
        let app_id = self.read(|dir| {
            dir.business(business_id).map(|_| ()).ok_or_else(|| {
                ApiError::invalid_param(format!("Unknown business_id '{business_id}'."))
            })?;
            // Tokens belong to the business's app; the sandbox has one app.
            dir.token_app_for(business_id).ok_or_else(|| {
                ApiError::invalid_param("The sandbox has no app to issue the token from.")
            })
        })?;
        let token = Token {
            token: format!("EAAV{}", self.ids.hex(40)),
            business_id: business_id.to_owned(),
            app_id,
            scopes,
            expires_at: expires_in_s.map(|s| self.clock.now().plus_ms(s.saturating_mul(1000)).0),
        };
        self.commit_plan(Plan::change(DirectoryChange::Token(token.clone())))
            .await?;
        Ok(token)
    }
}
