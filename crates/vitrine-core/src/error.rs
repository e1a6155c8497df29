//! The one error catalogue: every Meta error Vitrine can produce.
//!
//! [`ErrorKind`] is fieldless; exhaustive `match`es give each kind its code, subcode, HTTP status,
//! Graph `type` and title, so a new kind cannot silently become a 500. [`ApiError`] carries a kind
//! plus what varies per occurrence (the sentence of a code-100 error, `error_data.details`).
//! [`ApiError::to_wire`] is the only place that renders Meta's envelope.
//!
//! Its length: the catalogue is one exhaustive match per attribute; one file keeps every kind's
//! code, title and status side by side.

use vitrine_wire::error::{ErrorData, ErrorEnvelope, GraphError, WebhookError, WebhookErrorData};

pub const ERROR_CODES_HREF: &str =
    "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, strum::VariantArray)]
pub enum ErrorKind {
    /// 1: an unexpected failure inside Vitrine (for example the database is unreachable).
    Unknown,
    /// 2: temporarily unable to serve (shutting down, overloaded).
    ServiceUnavailable,
    /// 1: the request's header fields are over Vitrine's documented limits (HTTP 431).
    HeadersTooLarge,
    /// 2: an update collided with others on the same object too many times in a row; retry.
    /// Vitrine's own API answers it as 409 `conflict`.
    ConcurrentUpdate,
    /// 1: `GET /oauth/access_token` with the wrong `client_secret`.
    InvalidClientSecret,
    /// 101: `GET /oauth/access_token` with an unknown `client_id`.
    InvalidApplication,
    /// 10: the token lacks the permission the call needs.
    PermissionDenied,
    /// 15: an app node's edge (`/{app-id}/subscriptions`) called with another kind of token
    /// than that app's access token.
    AppAccessTokenRequired,
    /// 100: generic Graph parameter validation.
    InvalidParameter,
    /// 100/2388019: template creation, "Message Template Limit Reached" (`error_user_title`).
    TemplateLimitReached,
    /// 100/2388024: template creation, "Content in This Language Already Exists" (`error_user_title`).
    TemplateLanguageExists,
    /// 100/2388040: template creation, "Message Template Character Limit Exceeded" (`error_user_title`).
    TemplateCharacterLimit,
    /// 100/2388047: template creation, "Header Format Incorrect" (`error_user_title`).
    TemplateHeaderFormat,
    /// 100/2388047: template creation, "Sample Values Missing" (`error_user_title`).
    TemplateSamplesMissing,
    /// 100/2388072: template creation, "Body Missing" (`error_user_title`).
    TemplateBodyMissing,
    /// 100/2388073: template creation, "Footer Format Incorrect" (`error_user_title`).
    TemplateFooterFormat,
    /// 100/2388299: template creation, "Variables Can't Be at the Start or End of the Template" (`error_user_title`).
    TemplateVariableAtEdge,
    /// 100/33: unknown node, a node the token cannot see, or an operation the node does not support.
    UnsupportedRequest,
    /// 100: `appsecret_proof` required by the app but not given.
    AppsecretProofMissing,
    /// 100: `appsecret_proof` given but wrong.
    AppsecretProofInvalid,
    /// 104: no access token.
    AccessTokenRequired,
    /// 190: the access token is unknown or malformed.
    InvalidAccessToken,
    /// 190/463: the access token has expired.
    AccessTokenExpired,
    /// 2200: saving a webhook callback failed its verification handshake.
    CallbackVerificationFailed,
    /// 2500: an unknown path component.
    UnknownPath,
    /// 10800: a product with this retailer id already exists in the catalog (UNCONFIRMED code).
    DuplicateRetailerId,
    /// 130429: over the number's messages-per-second limit.
    RateLimitHit,
    /// 131000 (normally in a failed status webhook)
    SomethingWentWrong,
    /// 131008
    RequiredParameterMissing,
    /// 131009
    ParameterValueInvalid,
    /// 131021
    RecipientCannotBeSender,
    /// 131026 (normally in a failed status webhook)
    MessageUndeliverable,
    /// 131047 (normally in a failed status webhook)
    ReEngagementMessage,
    /// 131051
    UnsupportedMessageType,
    /// 131051 in an inbound webhook: a customer sent a type the API cannot represent.
    MessageTypeUnknown,
    /// 131052 in an inbound webhook: a customer's file is over 100 MB.
    InboundMediaTooLarge,
    /// 131053: media could not be fetched from a link or is not of the message's kind.
    MediaUploadError,
    /// 131056: too many messages to one customer in a short time.
    PairRateLimitHit,
    /// 132000
    TemplateParamCount,
    /// 132001
    TemplateNotFound,
    /// 132005
    TemplateTextTooLong,
    /// 132007: a value breaks the format character policy (new lines, tabs, 5+ spaces).
    TemplateFormatPolicy,
    /// 132012
    TemplateParamFormat,
    /// 132015
    TemplatePaused,
    /// 132016
    TemplateDisabled,
}

/// Graph's error `type` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphType {
    OAuthException,
    GraphMethodException,
}

impl GraphType {
    pub fn as_str(self) -> &'static str {
        match self {
            GraphType::OAuthException => "OAuthException",
            GraphType::GraphMethodException => "GraphMethodException",
        }
    }
}

impl ErrorKind {
    /// Every kind, in catalogue order (for the snapshot test and the docs), derived from the
    /// enum itself so that no kind can be missing.
    pub const ALL: &'static [ErrorKind] = <ErrorKind as strum::VariantArray>::VARIANTS;

    pub fn code(self) -> u32 {
        match self {
            ErrorKind::Unknown | ErrorKind::InvalidClientSecret | ErrorKind::HeadersTooLarge => 1,
            ErrorKind::ServiceUnavailable | ErrorKind::ConcurrentUpdate => 2,
            ErrorKind::InvalidApplication => 101,
            ErrorKind::PermissionDenied => 10,
            ErrorKind::AppAccessTokenRequired => 15,
            ErrorKind::InvalidParameter
            | ErrorKind::TemplateLimitReached
            | ErrorKind::TemplateLanguageExists
            | ErrorKind::TemplateCharacterLimit
            | ErrorKind::TemplateHeaderFormat
            | ErrorKind::TemplateSamplesMissing
            | ErrorKind::TemplateBodyMissing
            | ErrorKind::TemplateFooterFormat
            | ErrorKind::TemplateVariableAtEdge
            | ErrorKind::UnsupportedRequest
            | ErrorKind::AppsecretProofMissing
            | ErrorKind::AppsecretProofInvalid => 100,
            ErrorKind::AccessTokenRequired => 104,
            ErrorKind::InvalidAccessToken | ErrorKind::AccessTokenExpired => 190,
            ErrorKind::CallbackVerificationFailed => 2200,
            ErrorKind::UnknownPath => 2500,
            ErrorKind::DuplicateRetailerId => 10800,
            ErrorKind::RateLimitHit => 130429,
            ErrorKind::SomethingWentWrong => 131000,
            ErrorKind::RequiredParameterMissing => 131008,
            ErrorKind::ParameterValueInvalid => 131009,
            ErrorKind::RecipientCannotBeSender => 131021,
            ErrorKind::MessageUndeliverable => 131026,
            ErrorKind::ReEngagementMessage => 131047,
            ErrorKind::UnsupportedMessageType | ErrorKind::MessageTypeUnknown => 131051,
            ErrorKind::InboundMediaTooLarge => 131052,
            ErrorKind::MediaUploadError => 131053,
            ErrorKind::PairRateLimitHit => 131056,
            ErrorKind::TemplateParamCount => 132000,
            ErrorKind::TemplateNotFound => 132001,
            ErrorKind::TemplateTextTooLong => 132005,
            ErrorKind::TemplateFormatPolicy => 132007,
            ErrorKind::TemplateParamFormat => 132012,
            ErrorKind::TemplatePaused => 132015,
            ErrorKind::TemplateDisabled => 132016,
        }
    }

    pub fn subcode(self) -> Option<u32> {
        match self {
            ErrorKind::UnsupportedRequest => Some(33),
            ErrorKind::AccessTokenExpired => Some(463),
            ErrorKind::RateLimitHit => Some(2494055),
            ErrorKind::TemplateLimitReached => Some(2_388_019),
            ErrorKind::TemplateLanguageExists => Some(2_388_024),
            ErrorKind::TemplateCharacterLimit => Some(2_388_040),
            ErrorKind::TemplateHeaderFormat => Some(2_388_047),
            ErrorKind::TemplateSamplesMissing => Some(2_388_047),
            ErrorKind::TemplateBodyMissing => Some(2_388_072),
            ErrorKind::TemplateFooterFormat => Some(2_388_073),
            ErrorKind::TemplateVariableAtEdge => Some(2_388_299),
            ErrorKind::Unknown
            | ErrorKind::ServiceUnavailable
            | ErrorKind::HeadersTooLarge
            | ErrorKind::ConcurrentUpdate
            | ErrorKind::InvalidClientSecret
            | ErrorKind::InvalidApplication
            | ErrorKind::PermissionDenied
            | ErrorKind::AppAccessTokenRequired
            | ErrorKind::InvalidParameter
            | ErrorKind::AppsecretProofMissing
            | ErrorKind::AppsecretProofInvalid
            | ErrorKind::AccessTokenRequired
            | ErrorKind::InvalidAccessToken
            | ErrorKind::UnknownPath
            | ErrorKind::CallbackVerificationFailed
            | ErrorKind::DuplicateRetailerId
            | ErrorKind::RequiredParameterMissing
            | ErrorKind::SomethingWentWrong
            | ErrorKind::ParameterValueInvalid
            | ErrorKind::RecipientCannotBeSender
            | ErrorKind::MessageUndeliverable
            | ErrorKind::ReEngagementMessage
            | ErrorKind::UnsupportedMessageType
            | ErrorKind::MessageTypeUnknown
            | ErrorKind::InboundMediaTooLarge
            | ErrorKind::MediaUploadError
            | ErrorKind::PairRateLimitHit
            | ErrorKind::TemplateParamCount
            | ErrorKind::TemplateNotFound
            | ErrorKind::TemplateTextTooLong
            | ErrorKind::TemplateFormatPolicy
            | ErrorKind::TemplateParamFormat
            | ErrorKind::TemplatePaused
            | ErrorKind::TemplateDisabled => None,
        }
    }

    /// The default HTTP status (spec §4.3).
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::InvalidParameter
            | ErrorKind::TemplateLimitReached
            | ErrorKind::TemplateLanguageExists
            | ErrorKind::TemplateCharacterLimit
            | ErrorKind::TemplateHeaderFormat
            | ErrorKind::TemplateSamplesMissing
            | ErrorKind::TemplateBodyMissing
            | ErrorKind::TemplateFooterFormat
            | ErrorKind::TemplateVariableAtEdge
            | ErrorKind::InvalidClientSecret
            | ErrorKind::InvalidApplication
            | ErrorKind::UnsupportedRequest
            | ErrorKind::AppsecretProofMissing
            | ErrorKind::AppsecretProofInvalid
            | ErrorKind::UnknownPath
            | ErrorKind::CallbackVerificationFailed
            | ErrorKind::DuplicateRetailerId
            | ErrorKind::RequiredParameterMissing
            | ErrorKind::SomethingWentWrong
            | ErrorKind::ParameterValueInvalid
            | ErrorKind::RecipientCannotBeSender
            | ErrorKind::MessageUndeliverable
            | ErrorKind::ReEngagementMessage
            | ErrorKind::UnsupportedMessageType
            | ErrorKind::MessageTypeUnknown
            | ErrorKind::InboundMediaTooLarge
            | ErrorKind::MediaUploadError => 400,
            ErrorKind::AccessTokenRequired
            | ErrorKind::InvalidAccessToken
            | ErrorKind::AccessTokenExpired => 401,
            ErrorKind::PermissionDenied => 403,
            ErrorKind::AppAccessTokenRequired => 400,
            ErrorKind::RateLimitHit | ErrorKind::PairRateLimitHit => 429,
            ErrorKind::TemplateNotFound => 404,
            ErrorKind::TemplateParamCount
            | ErrorKind::TemplateTextTooLong
            | ErrorKind::TemplateFormatPolicy
            | ErrorKind::TemplateParamFormat
            | ErrorKind::TemplatePaused
            | ErrorKind::TemplateDisabled => 400,
            ErrorKind::Unknown => 500,
            ErrorKind::ServiceUnavailable | ErrorKind::ConcurrentUpdate => 503,
            ErrorKind::HeadersTooLarge => 431,
        }
    }

    pub fn graph_type(self) -> GraphType {
        match self {
            ErrorKind::UnsupportedRequest
            | ErrorKind::AppsecretProofMissing
            | ErrorKind::AppsecretProofInvalid => GraphType::GraphMethodException,
            ErrorKind::Unknown
            | ErrorKind::ServiceUnavailable
            | ErrorKind::HeadersTooLarge
            | ErrorKind::ConcurrentUpdate
            | ErrorKind::InvalidClientSecret
            | ErrorKind::InvalidApplication
            | ErrorKind::PermissionDenied
            | ErrorKind::AppAccessTokenRequired
            | ErrorKind::InvalidParameter
            | ErrorKind::TemplateLimitReached
            | ErrorKind::TemplateLanguageExists
            | ErrorKind::TemplateCharacterLimit
            | ErrorKind::TemplateHeaderFormat
            | ErrorKind::TemplateSamplesMissing
            | ErrorKind::TemplateBodyMissing
            | ErrorKind::TemplateFooterFormat
            | ErrorKind::TemplateVariableAtEdge
            | ErrorKind::AccessTokenRequired
            | ErrorKind::InvalidAccessToken
            | ErrorKind::AccessTokenExpired
            | ErrorKind::UnknownPath
            | ErrorKind::CallbackVerificationFailed
            | ErrorKind::DuplicateRetailerId
            | ErrorKind::RequiredParameterMissing
            | ErrorKind::SomethingWentWrong
            | ErrorKind::ParameterValueInvalid
            | ErrorKind::RecipientCannotBeSender
            | ErrorKind::MessageUndeliverable
            | ErrorKind::ReEngagementMessage
            | ErrorKind::UnsupportedMessageType
            | ErrorKind::MessageTypeUnknown
            | ErrorKind::InboundMediaTooLarge
            | ErrorKind::MediaUploadError
            | ErrorKind::RateLimitHit
            | ErrorKind::PairRateLimitHit
            | ErrorKind::TemplateParamCount
            | ErrorKind::TemplateNotFound
            | ErrorKind::TemplateTextTooLong
            | ErrorKind::TemplateFormatPolicy
            | ErrorKind::TemplateParamFormat
            | ErrorKind::TemplatePaused
            | ErrorKind::TemplateDisabled => GraphType::OAuthException,
        }
    }

    /// Meta's title for the code (used in `message` and in webhook error objects).
    pub fn title(self) -> &'static str {
        match self {
            ErrorKind::Unknown => "An unknown error occurred",
            ErrorKind::ServiceUnavailable | ErrorKind::ConcurrentUpdate => {
                "Service temporarily unavailable"
            }
            ErrorKind::HeadersTooLarge => "Request header fields too large",
            ErrorKind::InvalidClientSecret => "Error validating client secret.",
            ErrorKind::InvalidApplication => {
                "Error validating application. Invalid application ID."
            }
            ErrorKind::PermissionDenied => "Application does not have permission for this action",
            ErrorKind::AppAccessTokenRequired => {
                "This method must be called with an app access_token."
            }
            ErrorKind::InvalidParameter
            | ErrorKind::TemplateLimitReached
            | ErrorKind::TemplateLanguageExists
            | ErrorKind::TemplateCharacterLimit
            | ErrorKind::TemplateHeaderFormat
            | ErrorKind::TemplateSamplesMissing
            | ErrorKind::TemplateBodyMissing
            | ErrorKind::TemplateFooterFormat
            | ErrorKind::TemplateVariableAtEdge => "Invalid parameter",
            ErrorKind::UnsupportedRequest => "Unsupported request",
            ErrorKind::AppsecretProofMissing => {
                "API calls from the server require an appsecret_proof argument"
            }
            ErrorKind::AppsecretProofInvalid => {
                "Invalid appsecret_proof provided in the API argument"
            }
            ErrorKind::AccessTokenRequired => {
                "An access token is required to request this resource."
            }
            ErrorKind::InvalidAccessToken => {
                "Invalid OAuth access token - Cannot parse access token"
            }
            ErrorKind::AccessTokenExpired => "Error validating access token: Session has expired",
            ErrorKind::UnknownPath => "Unknown path components",
            ErrorKind::CallbackVerificationFailed => "Callback verification failed",
            ErrorKind::DuplicateRetailerId => "Duplicate retailer_id",
            ErrorKind::SomethingWentWrong => "Something went wrong",
            ErrorKind::RequiredParameterMissing => "Required parameter is missing",
            ErrorKind::ParameterValueInvalid => "Parameter value is not valid",
            ErrorKind::RecipientCannotBeSender => "Recipient cannot be sender",
            ErrorKind::MessageUndeliverable => "Message undeliverable",
            ErrorKind::ReEngagementMessage => "Re-engagement message",
            ErrorKind::UnsupportedMessageType => "Unsupported message type",
            ErrorKind::MessageTypeUnknown => "Message type unknown",
            ErrorKind::InboundMediaTooLarge => "Media file size too big. Max file size we currently support: 100MB. Please communicate with your customer to send a media file that is smaller than 100MB",
            ErrorKind::MediaUploadError => "Media upload error",
            ErrorKind::RateLimitHit => "Rate limit hit",
            ErrorKind::PairRateLimitHit => {
                "(Business Account, Consumer Account) pair rate limit hit"
            }
            ErrorKind::TemplateParamCount => {
                "Number of parameters does not match the expected number of params"
            }
            ErrorKind::TemplateNotFound => "Template name does not exist in the translation",
            ErrorKind::TemplateTextTooLong => "Translated text too long",
            ErrorKind::TemplateFormatPolicy => "Format character policy violated",
            ErrorKind::TemplateParamFormat => {
                "Parameter format does not match format in the created template"
            }
            ErrorKind::TemplatePaused => "Template is paused",
            ErrorKind::TemplateDisabled => "Template is disabled",
        }
    }

    /// `error_user_title` of the template-creation kinds (Meta's 2388xxx subcodes).
    pub fn user_title(self) -> Option<&'static str> {
        Some(match self {
            ErrorKind::TemplateLimitReached => "Message Template Limit Reached",
            ErrorKind::TemplateLanguageExists => "Content in This Language Already Exists",
            ErrorKind::TemplateCharacterLimit => "Message Template Character Limit Exceeded",
            ErrorKind::TemplateHeaderFormat => "Header Format Incorrect",
            ErrorKind::TemplateSamplesMissing => "Sample Values Missing",
            ErrorKind::TemplateBodyMissing => "Body Missing",
            ErrorKind::TemplateFooterFormat => "Footer Format Incorrect",
            ErrorKind::TemplateVariableAtEdge => {
                "Variables Can't Be at the Start or End of the Template"
            }
            _ => return None,
        })
    }

    /// How `message` is built from the title.
    fn message_style(self) -> MessageStyle {
        match self {
            ErrorKind::AccessTokenRequired
            | ErrorKind::InvalidAccessToken
            | ErrorKind::AccessTokenExpired
            | ErrorKind::InvalidClientSecret
            | ErrorKind::InvalidApplication
            | ErrorKind::AppsecretProofMissing
            | ErrorKind::AppsecretProofInvalid
            | ErrorKind::UnsupportedRequest
            | ErrorKind::UnknownPath => MessageStyle::Bare,
            ErrorKind::Unknown
            | ErrorKind::ServiceUnavailable
            | ErrorKind::HeadersTooLarge
            | ErrorKind::ConcurrentUpdate
            | ErrorKind::PermissionDenied
            | ErrorKind::AppAccessTokenRequired
            | ErrorKind::InvalidParameter
            | ErrorKind::TemplateLimitReached
            | ErrorKind::TemplateLanguageExists
            | ErrorKind::TemplateCharacterLimit
            | ErrorKind::TemplateHeaderFormat
            | ErrorKind::TemplateSamplesMissing
            | ErrorKind::TemplateBodyMissing
            | ErrorKind::TemplateFooterFormat
            | ErrorKind::TemplateVariableAtEdge
            | ErrorKind::RequiredParameterMissing
            | ErrorKind::SomethingWentWrong
            | ErrorKind::ParameterValueInvalid
            | ErrorKind::RecipientCannotBeSender
            | ErrorKind::MessageUndeliverable
            | ErrorKind::ReEngagementMessage
            | ErrorKind::UnsupportedMessageType
            | ErrorKind::MessageTypeUnknown
            | ErrorKind::InboundMediaTooLarge
            | ErrorKind::MediaUploadError
            | ErrorKind::CallbackVerificationFailed
            | ErrorKind::RateLimitHit
            | ErrorKind::PairRateLimitHit
            | ErrorKind::DuplicateRetailerId
            | ErrorKind::TemplateParamCount
            | ErrorKind::TemplateNotFound
            | ErrorKind::TemplateTextTooLong
            | ErrorKind::TemplateFormatPolicy
            | ErrorKind::TemplateParamFormat
            | ErrorKind::TemplatePaused
            | ErrorKind::TemplateDisabled => MessageStyle::Numbered,
        }
    }

    /// Errors of customers' messages (`messages[].errors[]`): Meta's samples have no `href`.
    fn inbound_only(self) -> bool {
        matches!(
            self,
            ErrorKind::MessageTypeUnknown | ErrorKind::InboundMediaTooLarge
        )
    }

    /// WhatsApp codes carry `error_data.messaging_product`.
    fn is_whatsapp(self) -> bool {
        self.code() >= 130_000
    }

    pub fn is_transient(self) -> Option<bool> {
        match self {
            ErrorKind::Unknown | ErrorKind::ServiceUnavailable | ErrorKind::ConcurrentUpdate => {
                Some(true)
            }
            ErrorKind::InvalidClientSecret
            | ErrorKind::HeadersTooLarge
            | ErrorKind::InvalidApplication
            | ErrorKind::PermissionDenied
            | ErrorKind::AppAccessTokenRequired
            | ErrorKind::InvalidParameter
            | ErrorKind::TemplateLimitReached
            | ErrorKind::TemplateLanguageExists
            | ErrorKind::TemplateCharacterLimit
            | ErrorKind::TemplateHeaderFormat
            | ErrorKind::TemplateSamplesMissing
            | ErrorKind::TemplateBodyMissing
            | ErrorKind::TemplateFooterFormat
            | ErrorKind::TemplateVariableAtEdge
            | ErrorKind::UnsupportedRequest
            | ErrorKind::AppsecretProofMissing
            | ErrorKind::AppsecretProofInvalid
            | ErrorKind::AccessTokenRequired
            | ErrorKind::InvalidAccessToken
            | ErrorKind::AccessTokenExpired
            | ErrorKind::UnknownPath
            | ErrorKind::CallbackVerificationFailed
            | ErrorKind::DuplicateRetailerId
            | ErrorKind::RequiredParameterMissing
            | ErrorKind::SomethingWentWrong
            | ErrorKind::ParameterValueInvalid
            | ErrorKind::RecipientCannotBeSender
            | ErrorKind::MessageUndeliverable
            | ErrorKind::ReEngagementMessage
            | ErrorKind::UnsupportedMessageType
            | ErrorKind::MessageTypeUnknown
            | ErrorKind::InboundMediaTooLarge
            | ErrorKind::MediaUploadError
            | ErrorKind::RateLimitHit
            | ErrorKind::PairRateLimitHit
            | ErrorKind::TemplateParamCount
            | ErrorKind::TemplateNotFound
            | ErrorKind::TemplateTextTooLong
            | ErrorKind::TemplateFormatPolicy
            | ErrorKind::TemplateParamFormat
            | ErrorKind::TemplatePaused
            | ErrorKind::TemplateDisabled => None,
        }
    }
}

#[derive(Clone, Copy)]
enum MessageStyle {
    /// `(#<code>) <text>`
    Numbered,
    /// `<text>`
    Bare,
}

/// One occurrence of a catalogued error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.message())]
pub struct ApiError {
    pub kind: ErrorKind,
    /// Replaces the title in `message` (for example "The parameter to is required.").
    pub text: Option<String>,
    /// `error_data.details`.
    pub details: Option<String>,
    /// Whether `error_data` names `messaging_product` (true on WhatsApp endpoints).
    pub whatsapp_scope: bool,
    /// For throttling errors: whose usage the `x-business-use-case-usage` header reports.
    pub usage_of: Option<String>,
    /// A subcode of this occurrence (template creation: 2388xxx under code 100).
    /// `error_user_title` and `error_user_msg`.
    pub user: Option<Box<(String, String)>>,
}

impl ApiError {
    pub fn new(kind: ErrorKind) -> Self {
        ApiError {
            kind,
            text: None,
            details: None,
            whatsapp_scope: true,
            usage_of: None,
            user: None,
        }
    }

    /// A template-creation error (code 100 with Meta's 2388xxx subcode), with its
    /// `error_user_title` and `msg` as `error_user_msg`.
    pub fn template(kind: ErrorKind, msg: impl Into<String>) -> Self {
        let mut e = ApiError::new(kind).graph_scope();
        e.user = kind
            .user_title()
            .map(|title| Box::new((title.to_owned(), msg.into())));
        e
    }

    /// Reports `id`'s usage in `x-business-use-case-usage` (throttling errors).
    pub fn with_usage_of(mut self, id: impl Into<String>) -> Self {
        self.usage_of = Some(id.into());
        self
    }

    pub fn with_details(mut self, details: impl Into<String>) -> Self {
        self.details = Some(details.into());
        self
    }

    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// Renders `error_data` without `messaging_product` (plain Graph endpoints such as catalogs).
    pub fn graph_scope(mut self) -> Self {
        self.whatsapp_scope = false;
        self
    }

    /// 100, "(#100) The parameter <name> is required."
    pub fn param_required(name: &str) -> Self {
        ApiError::new(ErrorKind::InvalidParameter)
            .with_text(format!("The parameter {name} is required."))
    }

    /// 100, "(#100) Invalid parameter" with details.
    pub fn invalid_param(details: impl Into<String>) -> Self {
        ApiError::new(ErrorKind::InvalidParameter).with_details(details)
    }

    /// 131008 naming the missing parameter.
    pub fn missing(param: &str) -> Self {
        ApiError::new(ErrorKind::RequiredParameterMissing)
            .with_details(format!("The parameter {param} is required."))
    }

    /// 131009 with details.
    pub fn invalid_value(details: impl Into<String>) -> Self {
        ApiError::new(ErrorKind::ParameterValueInvalid).with_details(details)
    }

    /// 100/33: unknown node, invisible node, or unsupported operation on it.
    pub fn unsupported(method: &str, node_id: &(impl AsRef<str> + ?Sized)) -> Self {
        ApiError::new(ErrorKind::UnsupportedRequest).with_text(format!(
            "Unsupported {} request. Object with ID '{}' does not exist, cannot be loaded due to \
             missing permissions, or does not support this operation. Please read the Graph API \
             documentation at https://developers.facebook.com/docs/graph-api",
            method.to_ascii_lowercase(),
            node_id.as_ref()
        ))
    }

    /// 2500 "Unknown path components: /a/b".
    pub fn unknown_path(components: &str) -> Self {
        ApiError::new(ErrorKind::UnknownPath)
            .with_text(format!("Unknown path components: {components}"))
    }

    /// 1, for failures inside Vitrine; the cause goes to the log, not to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        ApiError::new(ErrorKind::Unknown)
    }

    pub fn code(&self) -> u32 {
        self.kind.code()
    }

    pub fn http_status(&self) -> u16 {
        self.kind.http_status()
    }

    /// The envelope's `message`.
    pub fn message(&self) -> String {
        let text = self.text.as_deref().unwrap_or(self.kind.title());
        match self.kind.message_style() {
            MessageStyle::Numbered => format!("(#{}) {}", self.kind.code(), text),
            MessageStyle::Bare => text.to_owned(),
        }
    }

    /// Meta's synchronous envelope.
    pub fn to_wire(&self, fbtrace_id: &str) -> ErrorEnvelope {
        let error_data = match (&self.details, self.kind.is_whatsapp()) {
            (Some(details), _) => Some(ErrorData {
                messaging_product: self.whatsapp_scope.then(|| "whatsapp".to_owned()),
                details: details.clone(),
            }),
            (None, true) => Some(ErrorData {
                messaging_product: Some("whatsapp".to_owned()),
                details: self.kind.title().to_owned(),
            }),
            (None, false) => None,
        };
        ErrorEnvelope {
            error: GraphError {
                message: self.message(),
                kind: self.kind.graph_type().as_str().to_owned(),
                code: self.kind.code(),
                error_subcode: self.kind.subcode(),
                is_transient: if self.user.is_some() {
                    Some(false)
                } else {
                    self.kind.is_transient()
                },
                error_user_title: self.user.as_ref().map(|u| u.0.clone()),
                error_user_msg: self.user.as_ref().map(|u| u.1.clone()),
                error_data,
                fbtrace_id: fbtrace_id.to_owned(),
            },
        }
    }

    /// The error object of webhook payloads (spec §4.2).
    pub fn to_webhook(&self) -> WebhookError {
        WebhookError {
            code: self.kind.code(),
            title: self.kind.title().to_owned(),
            message: self.kind.title().to_owned(),
            error_data: WebhookErrorData {
                details: self
                    .details
                    .clone()
                    .unwrap_or_else(|| self.kind.title().to_owned()),
            },
            href: (!self.kind.inbound_only()).then(|| ERROR_CODES_HREF.to_owned()),
        }
    }
}

impl From<ErrorKind> for ApiError {
    fn from(kind: ErrorKind) -> Self {
        ApiError::new(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole catalogue, as clients see it; any change shows up in review.
    #[test]
    fn catalogue_snapshot() {
        let rendered: Vec<serde_json::Value> = ErrorKind::ALL
            .iter()
            .map(|kind| {
                let err = match kind.user_title() {
                    Some(_) => ApiError::template(*kind, "<error_user_msg>"),
                    None => ApiError::new(*kind),
                };
                serde_json::json!({
                    "kind": format!("{kind:?}"),
                    "http_status": kind.http_status(),
                    "envelope": err.to_wire("TRACE"),
                })
            })
            .collect();
        insta::assert_json_snapshot!(rendered);
    }

    #[test]
    fn all_lists_every_kind_once_in_order() {
        // ALL is derived from the enum: a new kind is in it, and in the snapshot, at once.
        assert!(ErrorKind::ALL.windows(2).all(|w| w[0] < w[1]));
        assert!(ErrorKind::ALL.contains(&ErrorKind::ConcurrentUpdate));
    }

    #[test]
    fn messages_follow_meta() {
        assert_eq!(
            ApiError::param_required("messaging_product").message(),
            "(#100) The parameter messaging_product is required."
        );
        assert_eq!(
            ApiError::new(ErrorKind::ParameterValueInvalid).message(),
            "(#131009) Parameter value is not valid"
        );
        assert!(ApiError::unsupported("POST", "123")
            .message()
            .starts_with("Unsupported post request. Object with ID '123' does not exist"));
    }
}
