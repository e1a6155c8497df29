//! What else a simulated customer sends (messaging spec §4): photos, videos, voice notes,
//! documents and stickers (stored as media the business downloads through the Graph API),
//! locations, contact cards, reactions, and types the API cannot pass on.

use crate::error::ApiError;
use crate::id::{PhoneNumberId, WaId, Wamid};
use crate::inbound::{InboundContext, InboundLocation, InboundMedia, InboundRecord, Incoming};
use crate::media::{self, MediaKind, MediaOrigin};
use crate::sandbox::Sandbox;
use crate::usecase::media::MediaUpload;
use vitrine_wire::lenient::{Lenient, Object};
use vitrine_wire::messages::contacts::Contact;

/// A customer may react to business messages of the last 30 days.
const REACTION_WINDOW_MS: i64 = 30 * 86_400_000;

/// What a customer's file is sent as.
#[derive(Debug, Clone, Default)]
pub struct CustomerFile {
    /// `image`, `video`, `audio`, `document` or `sticker`; guessed from the type when absent.
    pub kind: Option<String>,
    pub mime_type: String,
    pub filename: Option<String>,
    pub caption: Option<String>,
    /// An audio recorded in WhatsApp (a voice note).
    pub voice: bool,
    /// A business message this replies to.
    pub reply_to: Option<String>,
}

impl Sandbox {
    /// Starts receiving a file a customer sends to a business number; the caller pushes its
    /// bytes, then calls [`Sandbox::customer_sends_file`].
    pub async fn begin_customer_file(
        &self,
        wa_id: &WaId,
        phone_number_id: &PhoneNumberId,
        file: &CustomerFile,
    ) -> Result<MediaUpload, ApiError> {
        self.customer_file_kind(file)?;
        if self.read(|dir| dir.phone_number(phone_number_id).is_none()) {
            return Err(ApiError::invalid_param(format!(
                "Unknown business phone number {phone_number_id}."
            )));
        }
        if crate::validate::send_message::normalize_wa_id(wa_id.as_str()).is_none() {
            return Err(ApiError::invalid_param(format!(
                "'{wa_id}' is not a phone number."
            )));
        }
        self.begin_media(
            phone_number_id,
            MediaOrigin::Inbound,
            Some(&file.mime_type),
            file.filename.as_deref(),
        )
        .await
    }

    fn customer_file_kind(&self, file: &CustomerFile) -> Result<MediaKind, ApiError> {
        let essence = media::essence(&file.mime_type);
        let kind = match file.kind.as_deref() {
            None => MediaKind::for_customer_file(&file.mime_type),
            Some(k) => MediaKind::parse(k).ok_or_else(|| {
                ApiError::invalid_param("type must be image, video, audio, document or sticker.")
            })?,
        };
        let fits = match kind {
            MediaKind::Image => essence.starts_with("image/") && essence != "image/webp",
            MediaKind::Video => essence.starts_with("video/"),
            MediaKind::Audio => essence.starts_with("audio/"),
            MediaKind::Sticker => essence == "image/webp",
            MediaKind::Document => !essence.is_empty(),
        };
        if !fits {
            return Err(ApiError::invalid_param(format!(
                "A file of type '{}' cannot be sent as {}.",
                file.mime_type,
                kind.as_str()
            )));
        }
        if file.caption.is_some() && !kind.has_caption() {
            return Err(ApiError::invalid_param(format!(
                "A {} has no caption.",
                kind.as_str()
            )));
        }
        if file
            .caption
            .as_deref()
            .is_some_and(|c| c.chars().count() > 1024)
        {
            return Err(ApiError::invalid_param(
                "A caption is at most 1024 characters long.",
            ));
        }
        if file.voice && kind != MediaKind::Audio {
            return Err(ApiError::invalid_param("Only audio can be a voice note."));
        }
        Ok(kind)
    }

    /// The customer's file, fully received: a media message webhook whose media id the
    /// business can retrieve and download for 7 days; over 100 MB, a message with error 131052
    /// and no file.
    pub async fn customer_sends_file(
        &self,
        wa_id: &WaId,
        phone_number_id: &PhoneNumberId,
        upload: MediaUpload,
        file: &CustomerFile,
    ) -> Result<InboundRecord, ApiError> {
        let kind = match self.customer_file_kind(file) {
            Ok(k) => k,
            Err(e) => {
                upload.abort().await;
                return Err(e);
            }
        };
        let context = match &file.reply_to {
            Some(id) => match self.quoted(wa_id, phone_number_id, &id.into()).await {
                Ok((c, _)) => Some(c),
                Err(e) => {
                    upload.abort().await;
                    return Err(e);
                }
            },
            None => None,
        };
        if upload.over_limit() {
            upload.abort().await;
            return self
                .customer_sends(
                    wa_id,
                    phone_number_id,
                    Incoming::MediaTooLarge { kind },
                    context,
                )
                .await;
        }
        if upload.size() == 0 {
            upload.abort().await;
            return Err(ApiError::invalid_param("The file is empty."));
        }
        // Voice notes are OGG/OPUS, and say so.
        let essence = media::essence(&file.mime_type);
        let mime = if file.voice && (essence == "audio/ogg" || essence == "audio/opus") {
            "audio/ogg; codecs=opus".to_owned()
        } else {
            file.mime_type.trim().to_owned()
        };
        let stored = self.finish_inbound_media(upload, &mime).await?;
        let url = self.media_url(&stored, stored.expires_at.unix_seconds(), true);
        let content = Incoming::Media(Box::new(InboundMedia {
            kind,
            id: stored.id.to_string(),
            mime_type: stored.mime_type.clone(),
            sha256: stored.sha256.clone(),
            file_size: stored.file_size,
            caption: file.caption.clone().filter(|c| !c.is_empty()),
            filename: match kind {
                MediaKind::Document => {
                    Some(file.filename.clone().unwrap_or_else(|| "file".to_owned()))
                }
                _ => None,
            },
            voice: file.voice,
            animated: stored.animated,
        }));
        self.customer_sends_with(wa_id, phone_number_id, content, context, Some(&url))
            .await
    }

    /// The customer shares a location; as the answer to a location request, `reply_to` is the
    /// request (spec §2.7).
    pub async fn customer_sends_location(
        &self,
        wa_id: &WaId,
        phone_number_id: &PhoneNumberId,
        location: InboundLocation,
        reply_to: Option<&str>,
    ) -> Result<InboundRecord, ApiError> {
        let inside = location.latitude.is_finite()
            && location.latitude.abs() <= 90.0
            && location.longitude.is_finite()
            && location.longitude.abs() <= 180.0;
        if !inside {
            return Err(ApiError::invalid_param(
                "latitude must be within ±90 and longitude within ±180.",
            ));
        }
        let context = self.reply_context(wa_id, phone_number_id, reply_to).await?;
        self.customer_sends(
            wa_id,
            phone_number_id,
            Incoming::Location(location),
            context,
        )
        .await
    }

    /// The customer shares contact cards (each needs `name.formatted_name`).
    pub async fn customer_sends_contacts(
        &self,
        wa_id: &WaId,
        phone_number_id: &PhoneNumberId,
        contacts: Vec<Lenient<Object<Contact>>>,
        reply_to: Option<&str>,
    ) -> Result<InboundRecord, ApiError> {
        if contacts.is_empty() {
            return Err(ApiError::invalid_param("Share at least one contact."));
        }
        let mut cards = Vec::with_capacity(contacts.len());
        for (i, c) in contacts.into_iter().enumerate() {
            let named = c
                .get()
                .and_then(|c| c.name.get())
                .and_then(|n| n.formatted_name.str())
                .is_some_and(|n| !n.trim().is_empty());
            match c {
                Lenient::Valid(card) if named => cards.push(card),
                _ => {
                    return Err(ApiError::invalid_param(format!(
                        "contacts[{i}] needs name.formatted_name."
                    )))
                }
            }
        }
        let context = self.reply_context(wa_id, phone_number_id, reply_to).await?;
        self.customer_sends(
            wa_id,
            phone_number_id,
            Incoming::Contacts { contacts: cards },
            context,
        )
        .await
    }

    /// The customer reacts to business message `wamid` (of the last 30 days) with `emoji`, or
    /// removes their reaction (`None` or empty): the removal's webhook has no `emoji` key.
    pub async fn customer_reacts(
        &self,
        wa_id: &WaId,
        phone_number_id: &PhoneNumberId,
        wamid: &Wamid,
        emoji: Option<&str>,
    ) -> Result<InboundRecord, ApiError> {
        let (_, message) = self.quoted(wa_id, phone_number_id, wamid).await?;
        if self.clock.now().0 - message.created_at.0 >= REACTION_WINDOW_MS {
            return Err(ApiError::invalid_param(
                "Messages older than 30 days cannot be reacted to.",
            ));
        }
        if matches!(message.content, crate::message::Outgoing::Reaction { .. }) {
            return Err(ApiError::invalid_param("A reaction cannot be reacted to."));
        }
        let emoji = emoji.map(str::trim).filter(|e| !e.is_empty());
        if emoji
            .is_some_and(|e| e.chars().count() > 16 || e.chars().any(|c| c.is_ascii_alphabetic()))
        {
            return Err(ApiError::invalid_param("A reaction is one emoji."));
        }
        self.customer_sends(
            wa_id,
            phone_number_id,
            Incoming::Reaction {
                message_id: wamid.to_string(),
                emoji: emoji.map(str::to_owned),
            },
            None,
        )
        .await
    }

    /// The customer sends something the API cannot represent (a poll, an edit, …): an
    /// `unsupported` webhook with error 131051.
    pub async fn customer_sends_unsupported(
        &self,
        wa_id: &WaId,
        phone_number_id: &PhoneNumberId,
        kind: &str,
    ) -> Result<InboundRecord, ApiError> {
        let kind = kind.trim();
        if kind.is_empty() || kind.len() > 40 {
            return Err(ApiError::invalid_param(
                "Name what was sent (poll, edit, …) in at most 40 characters.",
            ));
        }
        self.customer_sends(
            wa_id,
            phone_number_id,
            Incoming::Unsupported {
                kind: kind.to_owned(),
            },
            None,
        )
        .await
    }

    async fn reply_context(
        &self,
        wa_id: &WaId,
        phone_number_id: &PhoneNumberId,
        reply_to: Option<&str>,
    ) -> Result<Option<InboundContext>, ApiError> {
        Ok(match reply_to {
            Some(id) => Some(self.quoted(wa_id, phone_number_id, &id.into()).await?.0),
            None => None,
        })
    }
}
