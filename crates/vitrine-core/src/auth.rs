//! Who is calling: access tokens, `appsecret_proof`, scopes and which nodes a token can see
//! (spec §1.3, §11 step 1).

use crate::directory::{Directory, Node};
use crate::error::{ApiError, ErrorKind};
use crate::model::{Scope, Token};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What the request carried.
#[derive(Debug, Clone, Copy, Default)]
pub struct Credentials<'a> {
    pub access_token: Option<&'a str>,
    pub appsecret_proof: Proof<'a>,
}

/// The `appsecret_proof` parameter as it arrived.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Proof<'a> {
    #[default]
    Absent,
    Given(&'a str),
    /// Present but not a string (`"appsecret_proof": 12345` in a JSON body): a wrong proof.
    NotAString,
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub token: Token,
}

/// What a node id names, without borrowing the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Business,
    App,
    Waba,
    PhoneNumber,
    Catalog,
    Product,
    Template,
}

impl NodeKind {
    pub fn of(node: Node<'_>) -> NodeKind {
        match node {
            Node::Business(_) => NodeKind::Business,
            Node::App(_) => NodeKind::App,
            Node::Waba(_) => NodeKind::Waba,
            Node::PhoneNumber(_) => NodeKind::PhoneNumber,
            Node::Catalog(_) => NodeKind::Catalog,
            Node::Product(_) => NodeKind::Product,
            Node::Template(_) => NodeKind::Template,
        }
    }
}

/// Lowercase hex HMAC-SHA256 of `message` keyed by `key`.
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

pub fn authenticate(
    dir: &Directory,
    creds: Credentials<'_>,
    now_ms: i64,
) -> Result<Principal, ApiError> {
    let Some(raw) = creds.access_token.map(str::trim).filter(|t| !t.is_empty()) else {
        return Err(ApiError::new(ErrorKind::AccessTokenRequired));
    };
    let Some(token) = dir.token(raw) else {
        return app_access_token(dir, raw)
            .ok_or_else(|| ApiError::new(ErrorKind::InvalidAccessToken));
    };
    if token.expires_at.is_some_and(|at| at <= now_ms) {
        return Err(ApiError::new(ErrorKind::AccessTokenExpired));
    }
    if let Some(app) = dir.app(&token.app_id) {
        match creds.appsecret_proof {
            Proof::NotAString => return Err(ApiError::new(ErrorKind::AppsecretProofInvalid)),
            Proof::Given(proof) => {
                let expected = hmac_sha256_hex(app.secret.as_bytes(), raw.as_bytes());
                if !constant_time_eq(
                    proof.trim().to_ascii_lowercase().as_bytes(),
                    expected.as_bytes(),
                ) {
                    return Err(ApiError::new(ErrorKind::AppsecretProofInvalid));
                }
            }
            Proof::Absent if app.require_appsecret_proof => {
                return Err(ApiError::new(ErrorKind::AppsecretProofMissing));
            }
            Proof::Absent => {}
        }
    }
    Ok(Principal {
        token: token.clone(),
    })
}

/// An app access token, `{app-id}|{app-secret}`: it may manage the app's own webhook
/// subscription and nothing else.
fn app_access_token(dir: &Directory, raw: &str) -> Option<Principal> {
    let (app_id, secret) = raw.split_once('|')?;
    let app = dir.app(&app_id.into())?;
    constant_time_eq(app.secret.as_bytes(), secret.as_bytes()).then(|| Principal {
        token: Token {
            token: raw.to_owned(),
            business_id: crate::id::BusinessId::default(),
            app_id: app.id.clone(),
            scopes: Default::default(),
            expires_at: None,
        },
    })
}

/// `GET /oauth/access_token?grant_type=client_credentials&client_id=&client_secret=`: the app
/// access token Meta issues, `{app-id}|{app-secret}` (what pywa asks for before subscribing
/// an app's webhook). Asking needs no access token.
pub fn issue_app_access_token(
    dir: &Directory,
    grant_type: Option<&str>,
    client_id: Option<&str>,
    client_secret: Option<&str>,
) -> Result<String, ApiError> {
    if grant_type != Some("client_credentials") {
        return Err(ApiError::new(ErrorKind::InvalidParameter)
            .graph_scope()
            .with_text(format!(
                "Invalid grant_type: '{}'. Supported types: authorization_code, client_credentials",
                grant_type.unwrap_or_default()
            )));
    }
    let app = client_id
        .and_then(|id| dir.app(&id.into()))
        .ok_or_else(|| ApiError::new(ErrorKind::InvalidApplication).graph_scope())?;
    let secret = client_secret.unwrap_or_default();
    if !constant_time_eq(app.secret.as_bytes(), secret.as_bytes()) {
        return Err(ApiError::new(ErrorKind::InvalidClientSecret).graph_scope());
    }
    Ok(format!("{}|{}", app.id, app.secret))
}

/// Compares secrets in constant time (for equal lengths), so timing does not leak them.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

impl Principal {
    /// Code 10 when the token lacks `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.token.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(
                ApiError::new(ErrorKind::PermissionDenied).with_details(format!(
                    "The access token needs the {} permission.",
                    scope.as_str()
                )),
            )
        }
    }

    /// An app access token (`{app-id}|{app-secret}`, or one from `/oauth/access_token`): it
    /// speaks for the app, not for a business.
    pub fn is_app_token(&self) -> bool {
        self.token.business_id.as_str().is_empty()
    }

    /// Whether the token may touch `node`: a system-user token reaches the nodes of its own
    /// business; an app's nodes answer that app's access token only. `Err` is Meta's code 15
    /// when a system-user token of the app itself calls an app node.
    pub fn can_see(&self, dir: &Directory, node: Node<'_>) -> Result<bool, ApiError> {
        Ok(match node {
            Node::App(app) if app.id != self.token.app_id => false,
            Node::App(_) if self.is_app_token() => true,
            Node::App(_) => return Err(ApiError::new(ErrorKind::AppAccessTokenRequired)),
            _ if self.is_app_token() => false,
            other => dir.owner_of(other) == Some(&self.token.business_id),
        })
    }
}
