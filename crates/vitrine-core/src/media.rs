//! Media (messaging spec §1): what the upload endpoint accepts, per-kind size limits, the stored
//! record, lifetimes, and the signed download URLs Vitrine hands out in place of Meta's
//! `lookaside.fbsbx.com` ones.

use crate::clock::Millis;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// Uploaded media live 30 days unless deleted (spec §1.6).
pub const UPLOAD_LIFETIME_MS: i64 = 30 * 86_400_000;
/// Media a customer sent are downloadable for 7 days.
pub const INBOUND_LIFETIME_MS: i64 = 7 * 86_400_000;
/// A download URL from `GET /{media-id}` works for 5 minutes.
pub const URL_LIFETIME_S: i64 = 300;
/// The largest file a customer can send (spec §4.2); larger ones arrive as error 131052.
pub const INBOUND_MAX_MB: u64 = 100;
/// The path of download URLs, as on Meta's lookaside host.
pub const ATTACHMENTS_PATH: &str = "/whatsapp_business/attachments/";

/// The upload endpoint's whitelist, in the order its error message lists it (spec §1.7).
pub const UPLOAD_MIME_TYPES: &[&str] = &[
    "text/plain",
    "video/mp4",
    "video/3gpp",
    "image/jpeg",
    "image/png",
    "image/webp",
    "audio/aac",
    "audio/mp4",
    "audio/mpeg",
    "audio/amr",
    "audio/ogg",
    "audio/opus",
    "application/vnd.ms-powerpoint",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/pdf",
    "application/vnd.ms-excel",
];

/// The message types that carry media.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Image,
    Video,
    Audio,
    Document,
    Sticker,
}

impl MediaKind {
    pub const ALL: [MediaKind; 5] = [
        MediaKind::Image,
        MediaKind::Video,
        MediaKind::Audio,
        MediaKind::Document,
        MediaKind::Sticker,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
            MediaKind::Document => "document",
            MediaKind::Sticker => "sticker",
        }
    }

    pub fn parse(s: &str) -> Option<MediaKind> {
        MediaKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The MIME types a message of this kind can carry (spec §1.2). `video/3gp` is the older
    /// spelling of `video/3gpp`; both are accepted.
    pub fn mime_types(self) -> &'static [&'static str] {
        match self {
            MediaKind::Audio => &[
                "audio/aac",
                "audio/amr",
                "audio/mpeg",
                "audio/mp4",
                "audio/ogg",
                "audio/opus",
            ],
            MediaKind::Document => &[
                "text/plain",
                "application/pdf",
                "application/msword",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/vnd.ms-excel",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/vnd.ms-powerpoint",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ],
            MediaKind::Image => &["image/jpeg", "image/png"],
            MediaKind::Sticker => &["image/webp"],
            MediaKind::Video => &["video/mp4", "video/3gpp", "video/3gp"],
        }
    }

    /// Whether a message of this kind can carry media of `mime`.
    pub fn accepts(self, mime: &str) -> bool {
        self.mime_types().contains(&essence(mime).as_str())
    }

    /// The kind an uploaded MIME type belongs to (its size family).
    pub fn of_mime(mime: &str) -> Option<MediaKind> {
        let m = essence(mime);
        MediaKind::ALL
            .into_iter()
            .find(|k| k.mime_types().contains(&m.as_str()))
    }

    /// The kind a customer's file is sent as when they do not say: images and videos as such,
    /// WebP as a sticker, audio as audio, anything else as a document.
    pub fn for_customer_file(mime: &str) -> MediaKind {
        let m = essence(mime);
        if m == "image/webp" {
            MediaKind::Sticker
        } else if m.starts_with("image/") {
            MediaKind::Image
        } else if m.starts_with("video/") {
            MediaKind::Video
        } else if m.starts_with("audio/") {
            MediaKind::Audio
        } else {
            MediaKind::Document
        }
    }

    /// Whether `caption` is allowed.
    pub fn has_caption(self) -> bool {
        matches!(
            self,
            MediaKind::Image | MediaKind::Video | MediaKind::Document
        )
    }
}

/// `Audio/OGG; codecs=opus` → `audio/ogg`.
pub fn essence(mime: &str) -> String {
    mime.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether megabytes in Meta's limits are 1,000,000 or 1,048,576 bytes (spec §1.2, UNCONFIRMED).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeUnit {
    /// 1 MB = 1,048,576 bytes (default).
    #[default]
    Mib,
    /// 1 MB = 1,000,000 bytes, as whatsapp-api-js checks before uploading.
    Mb,
}

impl SizeUnit {
    fn kilo(self) -> u64 {
        match self {
            SizeUnit::Mib => 1024,
            SizeUnit::Mb => 1000,
        }
    }

    pub fn megabytes(self, n: u64) -> u64 {
        n * self.kilo() * self.kilo()
    }

    pub fn kilobytes(self, n: u64) -> u64 {
        n * self.kilo()
    }
}

/// Which MIME type an upload has when the file part's `Content-Type` and the `type` field
/// disagree (spec §1.1, UNCONFIRMED).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MimeSource {
    /// The file part's `Content-Type` (default; what Meta was seen to check).
    #[default]
    FilePart,
    /// The `type` field.
    TypeField,
}

/// How `GET /{media-id}` writes `file_size` and `sha256` (spec §1.3, both UNCONFIRMED).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaSettings {
    /// MB or MiB in the size limits.
    pub size_unit: SizeUnit,
    /// Which MIME type wins when the file part and `type` disagree.
    pub mime_source: MimeSource,
    /// `file_size` as a JSON string (Meta's page and OpenAPI example) instead of a number.
    pub file_size_as_string: bool,
    /// `sha256` as base64 (as in webhooks) instead of lowercase hex.
    pub sha256_base64: bool,
    /// Media-message webhooks carry `url` from this major version on (spec §4.1: v24).
    pub webhook_url_from_version: u32,
    /// A send may use a media id uploaded by another number of the same business (default: only
    /// the sending number's own media, as pywa's re-upload suggests; UNCONFIRMED).
    pub shared_across_numbers: bool,
    /// The largest file a customer can send, in MB (Meta: 100); larger ones arrive as 131052.
    pub inbound_max_mb: u64,
}

impl Default for MediaSettings {
    fn default() -> Self {
        MediaSettings {
            size_unit: SizeUnit::Mib,
            mime_source: MimeSource::FilePart,
            file_size_as_string: false,
            sha256_base64: false,
            webhook_url_from_version: 24,
            shared_across_numbers: false,
            inbound_max_mb: INBOUND_MAX_MB,
        }
    }
}

impl MediaSettings {
    /// The largest upload of `mime` (for WebP, the animated limit; see [`Self::sticker_limit`]).
    pub fn limit(&self, mime: &str) -> u64 {
        let u = self.size_unit;
        match MediaKind::of_mime(mime) {
            Some(MediaKind::Audio) | Some(MediaKind::Video) => u.megabytes(16),
            Some(MediaKind::Image) => u.megabytes(5),
            Some(MediaKind::Sticker) => u.kilobytes(500),
            Some(MediaKind::Document) | None => u.megabytes(100),
        }
    }

    /// Stickers: 100 KB static, 500 KB animated.
    pub fn sticker_limit(&self, animated: bool) -> u64 {
        self.size_unit.kilobytes(if animated { 500 } else { 100 })
    }

    /// The largest file anyone can upload (documents).
    pub fn max_upload(&self) -> u64 {
        self.size_unit.megabytes(100)
    }

    /// The largest file a customer can send.
    pub fn inbound_max(&self) -> u64 {
        self.size_unit.megabytes(self.inbound_max_mb)
    }
}

/// Where a media came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaOrigin {
    /// `POST /{phone-number-id}/media`.
    Upload,
    /// A file a customer sent to the number.
    Inbound,
}

impl MediaOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaOrigin::Upload => "upload",
            MediaOrigin::Inbound => "inbound",
        }
    }

    pub fn parse(s: &str) -> Option<MediaOrigin> {
        match s {
            "upload" => Some(MediaOrigin::Upload),
            "inbound" => Some(MediaOrigin::Inbound),
            _ => None,
        }
    }

    pub fn lifetime_ms(self) -> i64 {
        match self {
            MediaOrigin::Upload => UPLOAD_LIFETIME_MS,
            MediaOrigin::Inbound => INBOUND_LIFETIME_MS,
        }
    }
}

/// A stored media: whose it is, what it is, and until when it lives. The bytes are stored beside
/// it in chunks of [`CHUNK_BYTES`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaRecord {
    pub id: crate::id::MediaId,
    /// The business number that uploaded or received it.
    pub phone_number_id: crate::id::PhoneNumberId,
    pub mime_type: String,
    /// Lowercase hex SHA-256 of the bytes (empty while uploading).
    pub sha256: String,
    pub file_size: i64,
    pub filename: Option<String>,
    /// An animated WebP.
    pub animated: bool,
    pub origin: MediaOrigin,
    pub created_at: Millis,
    pub expires_at: Millis,
    /// Signs download URLs of this media.
    pub url_secret: String,
}

/// Bytes per stored chunk: an upload holds at most this much in memory at a time.
pub const CHUNK_BYTES: usize = 1024 * 1024;

impl MediaRecord {
    pub fn is_expired(&self, now: Millis) -> bool {
        now >= self.expires_at
    }

    /// The SHA-256 as base64, as webhooks write it.
    pub fn sha256_base64(&self) -> String {
        hex::decode(&self.sha256)
            .map(|d| base64::engine::general_purpose::STANDARD.encode(d))
            .unwrap_or_default()
    }

    /// The download URL's query, `mid=…&ext=…&hash=AT…`; webhooks add `source=webhook`.
    pub fn url_query(&self, ext_s: i64, from_webhook: bool) -> String {
        let source = if from_webhook { "&source=webhook" } else { "" };
        format!(
            "mid={}{source}&ext={ext_s}&hash={}",
            self.id,
            url_hash(&self.url_secret, self.id.as_str(), ext_s)
        )
    }
}

/// The `hash` of a download URL: `AT` + base64url of an HMAC over the media id and expiry.
pub fn url_hash(secret: &str, mid: &str, ext_s: i64) -> String {
    let mac = crate::auth::hmac_sha256_hex(secret.as_bytes(), format!("{mid}|{ext_s}").as_bytes());
    let raw = hex::decode(mac).unwrap_or_default();
    format!(
        "AT{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw[..raw.len().min(24)])
    )
}

/// Whether the start of a WebP file says it is animated (a `VP8X` header with the animation flag).
pub fn webp_is_animated(head: &[u8]) -> bool {
    head.len() >= 21
        && &head[0..4] == b"RIFF"
        && &head[8..12] == b"WEBP"
        && &head[12..16] == b"VP8X"
        && head[20] & 0x02 != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_limits() {
        assert_eq!(MediaKind::of_mime("image/JPEG"), Some(MediaKind::Image));
        assert_eq!(
            MediaKind::of_mime("audio/ogg; codecs=opus"),
            Some(MediaKind::Audio)
        );
        assert_eq!(MediaKind::of_mime("video/3gp"), Some(MediaKind::Video));
        assert_eq!(MediaKind::of_mime("text/csv"), None);
        let s = MediaSettings::default();
        assert_eq!(s.limit("image/png"), 5 * 1024 * 1024);
        assert_eq!(s.limit("video/mp4"), 16 * 1024 * 1024);
        assert_eq!(s.limit("application/pdf"), 100 * 1024 * 1024);
        assert_eq!(s.sticker_limit(false), 100 * 1024);
        let mb = MediaSettings {
            size_unit: SizeUnit::Mb,
            ..Default::default()
        };
        assert_eq!(mb.limit("image/png"), 5_000_000);
        assert!(MediaKind::Image.accepts("image/png"));
        assert!(!MediaKind::Image.accepts("image/webp"));
        assert_eq!(
            MediaKind::for_customer_file("application/zip"),
            MediaKind::Document
        );
    }

    #[test]
    fn every_upload_type_has_a_kind() {
        for m in UPLOAD_MIME_TYPES {
            assert!(MediaKind::of_mime(m).is_some(), "{m}");
        }
    }

    #[test]
    fn animated_webp() {
        let mut head = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0".to_vec();
        head.push(0x02);
        assert!(webp_is_animated(&head));
        head[20] = 0;
        assert!(!webp_is_animated(&head));
        assert!(!webp_is_animated(b"RIFF"));
    }

    #[test]
    fn url_hashes_depend_on_secret_id_and_expiry() {
        let a = url_hash("s", "1", 10);
        assert!(a.starts_with("AT"));
        assert_eq!(a, url_hash("s", "1", 10));
        assert_ne!(a, url_hash("s", "1", 11));
        assert_ne!(a, url_hash("t", "1", 10));
    }
}
