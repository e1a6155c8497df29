//! The Media API (messaging spec §1): uploads streamed to the store, `GET /{media-id}` with a
//! signed download URL, the download itself, `DELETE /{media-id}`, and the purge of expired media.

use crate::auth::Principal;
use crate::directory::Node;
use crate::error::{ApiError, ErrorKind};
use crate::id::{MediaId, PhoneNumberId};
use crate::media::{self, MediaOrigin, MediaRecord, MimeSource, CHUNK_BYTES, UPLOAD_MIME_TYPES};
use crate::model::Scope;
use crate::sandbox::Sandbox;
use crate::store::Store;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use vitrine_wire::media::{MediaInfo, UploadMedia};

/// How long an upload may stay unfinished (wall time) before the purge removes it.
const STALE_UPLOAD_MS: i64 = 3_600_000;

/// A media being written: bytes go to the store in chunks of [`CHUNK_BYTES`] as they arrive, so
/// at most one chunk is held in memory. Past its size limit it stops storing (and keeps counting,
/// for the error). Dropped unfinished, it removes what it stored.
pub struct MediaUpload {
    store: Arc<dyn Store>,
    record: MediaRecord,
    hasher: Sha256,
    buf: Vec<u8>,
    head: Vec<u8>,
    seq: i64,
    size: u64,
    limit: u64,
    done: bool,
}

impl MediaUpload {
    /// The bytes received so far, stored or not.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Whether more bytes arrived than the limit allows (nothing past it is stored).
    pub fn over_limit(&self) -> bool {
        self.size > self.limit
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Takes the next bytes of the file.
    pub async fn push(&mut self, mut data: &[u8]) -> Result<(), ApiError> {
        if self.head.len() < 32 {
            let n = (32 - self.head.len()).min(data.len());
            self.head.extend_from_slice(&data[..n]);
        }
        self.size += data.len() as u64;
        if self.size > self.limit {
            // Nothing more is kept: the upload will be refused.
            self.buf = Vec::new();
            return Ok(());
        }
        self.hasher.update(data);
        while !data.is_empty() {
            let room = CHUNK_BYTES - self.buf.len();
            let n = room.min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.buf.len() == CHUNK_BYTES {
                self.flush().await?;
            }
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), ApiError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK_BYTES));
        self.store
            .put_media_chunk(&self.record.id, self.seq, chunk)
            .await?;
        self.seq += 1;
        Ok(())
    }

    /// Stores what is left and makes the media visible.
    async fn finish(mut self) -> Result<MediaRecord, ApiError> {
        self.flush().await?;
        let digest = std::mem::take(&mut self.hasher).finalize();
        self.record.sha256 = hex::encode(digest);
        self.record.file_size = i64::try_from(self.size).unwrap_or(i64::MAX);
        self.store.finish_media(&self.record).await?;
        self.done = true;
        Ok(self.record.clone())
    }

    /// Removes what was stored.
    pub async fn abort(mut self) {
        self.done = true;
        if let Err(e) = self.store.delete_media(&self.record.id).await {
            tracing::warn!(error = %e, media = %self.record.id, "removing an aborted upload failed");
        }
    }
}

impl Drop for MediaUpload {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        // The request went away mid-upload: remove what was stored (the purge would, later).
        let store = self.store.clone();
        let id = self.record.id.clone();
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                let _ = store.delete_media(&id).await;
            });
        }
    }
}

/// What the multipart body said besides the file, and what the file part said about itself.
#[derive(Debug, Clone, Default)]
pub struct UploadFields {
    /// The file part's `Content-Type`.
    pub part_type: Option<String>,
    /// The file part's file name.
    pub filename: Option<String>,
}

fn too_large(limit: u64, mime: &str, size: u64) -> ApiError {
    ApiError::new(ErrorKind::InvalidParameter)
        .with_text("File Too Large")
        .with_details(format!(
            "Param file must be at most {limit} bytes for type '{mime}'; it has at least {size} bytes."
        ))
}

fn wrong_type(mime: &str) -> ApiError {
    ApiError::new(ErrorKind::InvalidParameter).with_text(format!(
        "Param file must be a file with one of the following types: {}. Received file of type '{mime}'.",
        UPLOAD_MIME_TYPES.join(", ")
    ))
}

impl Sandbox {
    /// The business that owns a number (through its WABA).
    fn number_owner(&self, phone_number_id: &PhoneNumberId) -> Option<crate::id::BusinessId> {
        self.read(|dir| {
            let phone = dir.phone_number(phone_number_id)?;
            dir.owner_of(Node::PhoneNumber(phone)).cloned()
        })
    }

    /// Starts storing a file for `phone_number_id`: an upload of the business (`origin`
    /// `Upload`) or a file a customer sends it (`Inbound`). `mime` is what is known so far (the
    /// file part's type); the size limit follows from it, or is the largest one.
    pub async fn begin_media(
        &self,
        phone_number_id: &PhoneNumberId,
        origin: MediaOrigin,
        mime: Option<&str>,
        filename: Option<&str>,
    ) -> Result<MediaUpload, ApiError> {
        let settings = &self.behaviour.media;
        let limit = match (origin, mime) {
            (MediaOrigin::Inbound, _) => settings.inbound_max(),
            (MediaOrigin::Upload, Some(m))
                if UPLOAD_MIME_TYPES.contains(&media::essence(m).as_str()) =>
            {
                settings.limit(m)
            }
            (MediaOrigin::Upload, _) => settings.max_upload(),
        };
        let now = self.clock.now();
        let record = MediaRecord {
            id: self.ids.node_id().into(),
            phone_number_id: phone_number_id.to_owned(),
            mime_type: mime.unwrap_or("application/octet-stream").to_owned(),
            sha256: String::new(),
            file_size: 0,
            filename: filename.map(str::to_owned),
            animated: false,
            origin,
            created_at: now,
            expires_at: now.plus_ms(origin.lifetime_ms()),
            url_secret: self.ids.hex(16),
        };
        self.store
            .begin_media(&record, self.clock.wall_ms())
            .await?;
        Ok(MediaUpload {
            store: self.store.clone(),
            record,
            hasher: Sha256::new(),
            buf: Vec::with_capacity(CHUNK_BYTES),
            head: Vec::with_capacity(32),
            seq: 0,
            size: 0,
            limit,
            done: false,
        })
    }

    /// POST /{phone-number-id}/media, before the body is read: the caller may upload here.
    pub fn may_upload_media(
        &self,
        principal: &Principal,
        phone_number_id: &PhoneNumberId,
    ) -> Result<(), ApiError> {
        principal.require(Scope::WhatsappBusinessMessaging)?;
        match self.number_owner(phone_number_id) {
            Some(owner) if owner == principal.token.business_id => Ok(()),
            _ => Err(ApiError::unsupported("post", phone_number_id)),
        }
    }

    /// POST /{phone-number-id}/media, once the body is read: checks the fields in Meta's order
    /// and makes the media visible, or removes what was stored.
    pub async fn finish_media_upload(
        &self,
        upload: Option<MediaUpload>,
        fields: &UploadFields,
        params: &UploadMedia,
    ) -> Result<vitrine_wire::graph::Created, ApiError> {
        match self.check_upload(upload.as_ref(), fields, params) {
            Ok(()) => {}
            Err(e) => {
                if let Some(u) = upload {
                    u.abort().await;
                }
                return Err(e);
            }
        }
        let Some(mut upload) = upload else {
            return Err(ApiError::param_required("file"));
        };
        upload.record.mime_type = self.upload_mime(fields, params).unwrap_or_default();
        upload.record.animated = media::essence(&upload.record.mime_type) == "image/webp"
            && media::webp_is_animated(&upload.head);
        let record = upload.finish().await?;
        Ok(vitrine_wire::graph::Created {
            id: record.id.into(),
        })
    }

    /// The upload's MIME type: the file part's `Content-Type` or the `type` field, by setting.
    fn upload_mime(&self, fields: &UploadFields, params: &UploadMedia) -> Option<String> {
        let part = fields
            .part_type
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let field = params.mime_type.text();
        match self.behaviour.media.mime_source {
            MimeSource::FilePart => part.or(field),
            MimeSource::TypeField => field.or(part),
        }
        .map(str::to_owned)
    }

    fn check_upload(
        &self,
        upload: Option<&MediaUpload>,
        fields: &UploadFields,
        params: &UploadMedia,
    ) -> Result<(), ApiError> {
        match params.messaging_product.text() {
            None => return Err(ApiError::param_required("messaging_product")),
            Some("whatsapp") => {}
            Some(_) => {
                return Err(ApiError::invalid_param(
                    "The parameter messaging_product must be set to whatsapp.",
                ))
            }
        }
        let Some(upload) = upload else {
            return Err(ApiError::param_required("file"));
        };
        let mime = self
            .upload_mime(fields, params)
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        let essence = media::essence(&mime);
        if !UPLOAD_MIME_TYPES.contains(&essence.as_str()) {
            return Err(wrong_type(&mime));
        }
        let settings = &self.behaviour.media;
        let limit = if essence == "image/webp" {
            settings.sticker_limit(media::webp_is_animated(&upload.head))
        } else {
            settings.limit(&essence)
        };
        if upload.size > limit || upload.over_limit() {
            return Err(too_large(limit, &essence, upload.size));
        }
        if upload.size == 0 {
            return Err(ApiError::invalid_param("Param file must not be empty."));
        }
        if let Some(ttl) = params.ttl_minutes.value() {
            let minutes = match ttl {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            if !minutes.is_some_and(|m| (60..=43_200).contains(&m)) {
                return Err(ApiError::invalid_param(
                    "Param ttl_minutes must be an integer between 60 and 43200.",
                ));
            }
        }
        Ok(())
    }

    /// A finished media a customer sent (the store's copy), made visible.
    pub async fn finish_inbound_media(
        &self,
        mut upload: MediaUpload,
        mime: &str,
    ) -> Result<MediaRecord, ApiError> {
        upload.record.mime_type = mime.to_owned();
        upload.record.animated =
            media::essence(mime) == "image/webp" && media::webp_is_animated(&upload.head);
        upload.finish().await
    }

    /// The media `id`, if the principal's business owns it, it has not expired, and (when the
    /// call names one) it belongs to `phone_number_id`; Meta's 100/33 for `method` otherwise.
    pub async fn media_node(
        &self,
        principal: &Principal,
        method: &str,
        id: &MediaId,
        phone_number_id: Option<&PhoneNumberId>,
    ) -> Result<MediaRecord, ApiError> {
        let unsupported = || ApiError::unsupported(method, id);
        if id.as_str().is_empty() || !id.as_str().bytes().all(|b| b.is_ascii_digit()) {
            return Err(unsupported());
        }
        let record = self
            .store
            .get_media(id)
            .await?
            .filter(|m| !m.is_expired(self.clock.now()))
            .ok_or_else(unsupported)?;
        let owner = self.number_owner(&record.phone_number_id);
        if owner.as_ref() != Some(&principal.token.business_id) {
            return Err(unsupported());
        }
        if phone_number_id.is_some_and(|p| p != record.phone_number_id) {
            return Err(unsupported());
        }
        Ok(record)
    }

    /// The absolute download URL of a media, valid until `ext_s` (Unix seconds, sandbox time).
    pub fn media_url(&self, record: &MediaRecord, ext_s: i64, from_webhook: bool) -> String {
        format!(
            "{}{}?{}",
            self.public_url,
            media::ATTACHMENTS_PATH,
            record.url_query(ext_s, from_webhook)
        )
    }

    /// GET /{media-id}
    pub fn media_info(
        &self,
        principal: &Principal,
        record: &MediaRecord,
    ) -> Result<MediaInfo, ApiError> {
        principal.require(Scope::WhatsappBusinessMessaging)?;
        let settings = &self.behaviour.media;
        let ext = self.clock.now().unix_seconds() + media::URL_LIFETIME_S;
        Ok(MediaInfo {
            messaging_product: "whatsapp".to_owned(),
            url: self.media_url(record, ext, false),
            mime_type: record.mime_type.clone(),
            sha256: if settings.sha256_base64 {
                record.sha256_base64()
            } else {
                record.sha256.clone()
            },
            file_size: if settings.file_size_as_string {
                Value::String(record.file_size.to_string())
            } else {
                Value::from(record.file_size)
            },
            id: record.id.to_string(),
        })
    }

    /// DELETE /{media-id}
    pub async fn delete_media(
        &self,
        principal: &Principal,
        record: &MediaRecord,
    ) -> Result<vitrine_wire::graph::Success, ApiError> {
        principal.require(Scope::WhatsappBusinessMessaging)?;
        if !self.store.delete_media(&record.id).await? {
            return Err(ApiError::unsupported("delete", &record.id));
        }
        Ok(vitrine_wire::graph::Success::TRUE)
    }

    /// GET <download URL> with `Authorization: Bearer <token>`: the media, when the URL is
    /// genuine and unexpired, the token is valid and its business owns the media. `None` on any
    /// failure (the server answers 404, as Meta does).
    pub async fn media_for_download(
        &self,
        token: Option<&str>,
        mid: &str,
        ext: &str,
        hash: &str,
    ) -> Result<Option<MediaRecord>, ApiError> {
        let now = self.clock.now();
        let Ok(ext_s) = ext.parse::<i64>() else {
            return Ok(None);
        };
        if ext_s < now.unix_seconds() {
            return Ok(None);
        }
        let business = self.read(|dir| {
            let t = dir.token(token?.trim())?;
            t.expires_at
                .is_none_or(|at| at > now.0)
                .then(|| t.business_id.clone())
        });
        let Some(business) = business else {
            return Ok(None);
        };
        let Some(record) = self.store.get_media(&mid.into()).await? else {
            return Ok(None);
        };
        let genuine = media::url_hash(&record.url_secret, mid, ext_s) == hash;
        let owned = self.number_owner(&record.phone_number_id).as_ref() == Some(&business);
        Ok((genuine && owned && !record.is_expired(now)).then_some(record))
    }

    /// A visible, unexpired media, whoever owns it (the web UI shows media of every chat).
    pub async fn media_record(&self, id: &MediaId) -> Result<Option<MediaRecord>, ApiError> {
        let now = self.clock.now();
        Ok(self
            .store
            .get_media(id)
            .await?
            .filter(|m| !m.is_expired(now)))
    }

    /// Chunk `seq` of a media's bytes.
    pub async fn media_chunk(&self, id: &MediaId, seq: i64) -> Result<Option<Vec<u8>>, ApiError> {
        Ok(self.store.media_chunk(id, seq).await?)
    }

    /// Removes expired media and abandoned uploads, a batch at a time; returns how many.
    pub async fn purge_media(&self) -> Result<i64, ApiError> {
        let stale = self.clock.wall_ms() - STALE_UPLOAD_MS;
        Ok(self.store.purge_media(self.clock.now(), stale, 100).await?)
    }
}
