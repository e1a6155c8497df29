//! The compact forms in which both stores keep business messages and webhooks (from migration
//! 0004 on), so that a multi-product message with its statuses and webhooks takes about a
//! quarter of what it used to on disk, with the same data:
//!
//! - a message keeps its record as a [`StoredMessage`]: without the fields its row has in
//!   columns anyway (wamid, number, customer, time), and with each product it showed as the key
//!   of a snapshot kept once per version of that product ([`snapshot_key`]);
//! - the record and a webhook's wamid and body are compressed with zstd and a dictionary that
//!   holds typical records and status webhooks ([`DICTIONARY_1`]), which is what makes small
//!   JSON documents compress at all, and since [`DICTIONARY_2`] the entropy tables for them;
//! - a webhook's signatures are kept as their digests when they have the usual form.
//!
//! Every packed value starts with a format byte, so rows written in one form stay readable when
//! another comes: a dictionary, once released, never changes (a test pins its hash); a better
//! one is a new dictionary under a new format byte, beside the others (values are written with
//! dictionary 2, format byte 2; those of format 1 are still read).

use crate::id::RetailerId;
use crate::message::{MessageRecord, Outgoing, Pricing, ProductSnapshot};
use crate::webhook::{MessageStatus, NewWebhook, StatusEvent};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use vitrine_wire::error::WebhookError;

/// Typical stored records and status webhooks, that zstd refers to instead of repeating them.
pub const DICTIONARY_1: &[u8] = include_bytes!("packed/dictionary-1.txt");
/// Dictionary 1's content with zstd's entropy tables for such documents (zstd's dictionary
/// format, id 2; made by `tools/zdict`). zstd reuses the tables for a small document instead of
/// building its own, which halves the time a value takes to pack and saves a few bytes.
pub const DICTIONARY_2: &[u8] = include_bytes!("packed/dictionary-2.zdict");

/// A packed value that is zstd with [`DICTIONARY_1`] (written until dictionary 2 came).
const FORMAT_ZSTD_1: u8 = 1;
/// A packed value that is zstd with [`DICTIONARY_2`].
const FORMAT_ZSTD_2: u8 = 2;
/// A message record: the keys of its snapshots as bytes (a count, then 16 bytes each), then
/// zstd with [`DICTIONARY_2`] of the rest, whose `products` are left empty. As hex inside the
/// JSON the keys were a quarter of what zstd was given, and nothing it could compress.
const FORMAT_KEYS_ZSTD_2: u8 = 3;
/// The format values are packed in.
const FORMAT_WRITTEN: u8 = FORMAT_ZSTD_2;
/// Compression level: the fastest strategy, since the dictionary does most of the work on small
/// documents (level 3 took 13% more time for 2% smaller records and equal webhooks).
const LEVEL: i32 = 1;
/// Nothing unpacks past this (a corrupt length must not allocate gigabytes).
const MAX_UNPACKED: usize = 64 << 20;

static ENCODER: LazyLock<zstd::dict::EncoderDictionary<'static>> =
    LazyLock::new(|| zstd::dict::EncoderDictionary::copy(DICTIONARY_2, LEVEL));
static DECODER_1: LazyLock<zstd::dict::DecoderDictionary<'static>> =
    LazyLock::new(|| zstd::dict::DecoderDictionary::copy(DICTIONARY_1));
static DECODER_2: LazyLock<zstd::dict::DecoderDictionary<'static>> =
    LazyLock::new(|| zstd::dict::DecoderDictionary::copy(DICTIONARY_2));

thread_local! {
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    /// One per format, made when first needed.
    static DECOMPRESSORS: RefCell<[Option<zstd::bulk::Decompressor<'static>>; 2]> =
        const { RefCell::new([None, None]) };
}

fn compressor() -> std::io::Result<zstd::bulk::Compressor<'static>> {
    let mut c = zstd::bulk::Compressor::with_prepared_dictionary(&ENCODER)?;
    // Every byte counts on rows this small: no checksum (the database has its own), no
    // dictionary id (the format byte says which).
    c.set_parameter(zstd::zstd_safe::CParameter::ChecksumFlag(false))?;
    c.set_parameter(zstd::zstd_safe::CParameter::DictIdFlag(false))?;
    c.set_parameter(zstd::zstd_safe::CParameter::ContentSizeFlag(true))?;
    Ok(c)
}

/// `data` compressed, after its format byte.
fn compress_into(out: &mut Vec<u8>, data: &[u8]) {
    let compressed = COMPRESSOR.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.is_none() {
            *slot = compressor().ok();
        }
        slot.as_mut().and_then(|c| c.compress(data).ok())
    });
    match compressed {
        Some(frame) => out.extend_from_slice(&frame),
        // zstd cannot fail on a buffer in memory; should it, a frame of stored blocks still
        // decompresses with the same code.
        None => out.extend_from_slice(&plain_frame(data)),
    }
}

/// A zstd frame without compression (no dictionary needed to read it back).
fn plain_frame(data: &[u8]) -> Vec<u8> {
    zstd::bulk::compress(data, 0).unwrap_or_default()
}

/// A frame of `format` decompressed with its dictionary.
fn decompress(format: u8, frame: &[u8]) -> Result<Vec<u8>, String> {
    let (slot, dictionary): (usize, &LazyLock<_>) = match format {
        FORMAT_ZSTD_1 => (0, &DECODER_1),
        FORMAT_ZSTD_2 => (1, &DECODER_2),
        other => return Err(format!("unknown packed format {other}")),
    };
    let size = zstd::zstd_safe::get_frame_content_size(frame)
        .map_err(|_| "a packed value is not a zstd frame".to_owned())?
        .unwrap_or(MAX_UNPACKED as u64);
    let capacity = usize::try_from(size)
        .ok()
        .filter(|s| *s <= MAX_UNPACKED)
        .ok_or_else(|| format!("a packed value claims {size} bytes"))?;
    DECOMPRESSORS.with(|slots| {
        let mut slots = slots.borrow_mut();
        let slot = &mut slots[slot];
        if slot.is_none() {
            *slot = Some(
                zstd::bulk::Decompressor::with_prepared_dictionary(dictionary)
                    .map_err(|e| e.to_string())?,
            );
        }
        let Some(d) = slot.as_mut() else {
            return Err("no decompressor".to_owned());
        };
        d.decompress(frame, capacity).map_err(|e| e.to_string())
    })
}

/// Bytes packed: a format byte, then the compressed bytes.
pub fn pack(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 3 + 16);
    out.push(FORMAT_WRITTEN);
    compress_into(&mut out, data);
    out
}

/// What [`pack`] packed, in any format.
pub fn unpack(packed: &[u8]) -> Result<Vec<u8>, String> {
    match packed.split_first() {
        Some((&format, frame)) => decompress(format, frame),
        None => Err("an empty packed value".to_owned()),
    }
}

/// The key of a product snapshot: the first 128 bits of the SHA-256 of its JSON, in hex. Equal
/// snapshots share one row; a product that changes gets a new one, and messages sent before
/// keep showing the one they were sent with.
pub fn snapshot_key(json: &str) -> String {
    hex::encode(snapshot_key_bytes(json))
}

/// [`snapshot_key`] as bytes, as format 3 keeps it.
fn snapshot_key_bytes(json: &str) -> [u8; KEY_BYTES] {
    let mut key = [0u8; KEY_BYTES];
    key.copy_from_slice(&Sha256::digest(json.as_bytes())[..KEY_BYTES]);
    key
}

/// A 64-bit key of a wamid, indexed instead of the wamid itself (a tenth of the size); rows
/// found by it are checked against the wamid they hold. The key of a wamid Vitrine made is its
/// place in the order wamids are made ([`crate::ids::wamid_order`]), so the index takes the
/// webhooks of one send after the other on its last page, as the table takes its rows; hashed
/// keys landed on a random page each, and every group commit wrote (and later checkpointed) one
/// page per webhook: a webhook's insert cost three times what it does in order. Any other wamid
/// keys by its hash ([`hashed_wamid_key`]).
pub fn wamid_key(wamid: &crate::id::Wamid) -> i64 {
    crate::ids::wamid_order(wamid).unwrap_or_else(|| hashed_wamid_key(wamid))
}

/// The keys a row of `wamid` may have: [`wamid_key`], and its hash, which every wamid was keyed
/// by before (the rows written then keep it).
pub fn wamid_lookup_keys(wamid: &crate::id::Wamid) -> [i64; 2] {
    [wamid_key(wamid), hashed_wamid_key(wamid)]
}

/// The first 64 bits of the SHA-256 of a wamid.
pub fn hashed_wamid_key(wamid: &crate::id::Wamid) -> i64 {
    let digest = Sha256::digest(wamid.as_str().as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_le_bytes(first)
}

/// A business message as its row keeps it: the record less what the row has in columns, with
/// the key of each product's snapshot in place of the snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMessage<'a> {
    pub waba_id: Cow<'a, str>,
    pub to_input: Cow<'a, str>,
    pub content: Cow<'a, Outgoing>,
    /// [`snapshot_key`]s, in the order the message shows the products (empty in the JSON of
    /// format 3, which keeps them before it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<Cow<'a, str>>,
    pub dropped_retailer_ids: Cow<'a, [RetailerId]>,
    pub context_message_id: Option<Cow<'a, str>>,
    pub biz_opaque_callback_data: Option<Cow<'a, str>>,
    pub api_version: Cow<'a, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing: Option<Cow<'a, Pricing>>,
}

/// A product snapshot as its row keeps it: `(key, JSON)`.
pub type SnapshotRow = Arc<(String, String)>;

/// A message ready to be written: its packed record, and the snapshots it refers to.
#[derive(Debug, Clone, PartialEq)]
pub struct PackedMessage {
    pub record: Vec<u8>,
    /// Each key once.
    pub snapshots: Vec<SnapshotRow>,
}

/// A snapshot's row, and its key as bytes.
#[derive(Debug, Clone)]
struct Snapshot {
    row: SnapshotRow,
    key: [u8; KEY_BYTES],
}

/// Snapshots already serialized and keyed, by content: a product is sent many times between
/// two changes, and its JSON and SHA-256 were most of what packing a message cost.
static SNAPSHOT_ROWS: LazyLock<Mutex<SnapshotMemo>> = LazyLock::new(Mutex::default);
/// Hashed with foldhash: SipHash over a snapshot's strings was a fifth of packing a message.
type SnapshotMemo = HashMap<ProductSnapshot, Snapshot, foldhash::fast::RandomState>;
/// The memo is emptied when it holds this many (products that changed leave old entries).
const SNAPSHOT_ROWS_KEPT: usize = 8192;

fn snapshot_memo() -> std::sync::MutexGuard<'static, SnapshotMemo> {
    // A poisoned lock only means another thread panicked between two statements: the map is
    // still whole.
    SNAPSHOT_ROWS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `p`'s row and key, from the memo or made (and remembered).
fn snapshot(p: &ProductSnapshot) -> Result<Snapshot, serde_json::Error> {
    if let Some(known) = snapshot_memo().get(p) {
        return Ok(known.clone());
    }
    let json = serde_json::to_string(p)?;
    let key = snapshot_key_bytes(&json);
    let made = Snapshot {
        row: Arc::new((hex::encode(key), json)),
        key,
    };
    let mut memo = snapshot_memo();
    if memo.len() >= SNAPSHOT_ROWS_KEPT {
        memo.clear();
    }
    memo.insert(p.clone(), made.clone());
    Ok(made)
}

/// Packs a record (see [`StoredMessage`]).
pub fn pack_message(record: &MessageRecord) -> Result<PackedMessage, serde_json::Error> {
    let shown = record
        .products
        .iter()
        .map(snapshot)
        .collect::<Result<Vec<Snapshot>, _>>()?;
    let mut snapshots: Vec<SnapshotRow> = Vec::with_capacity(shown.len());
    for s in &shown {
        if !snapshots.iter().any(|r| r.0 == s.row.0) {
            snapshots.push(s.row.clone());
        }
    }
    let mut stored = StoredMessage {
        waba_id: Cow::Borrowed(record.waba_id.as_str()),
        to_input: Cow::Borrowed(&record.to_input),
        content: Cow::Borrowed(&record.content),
        products: Vec::new(),
        dropped_retailer_ids: Cow::Borrowed(&record.dropped_retailer_ids),
        context_message_id: record.context_message_id.as_deref().map(Cow::Borrowed),
        biz_opaque_callback_data: record
            .biz_opaque_callback_data
            .as_deref()
            .map(Cow::Borrowed),
        api_version: Cow::Borrowed(&record.api_version),
        pricing: record.pricing.as_ref().map(Cow::Borrowed),
    };
    let record = match u8::try_from(shown.len()) {
        Ok(count) => {
            let json = serde_json::to_vec(&stored)?;
            let mut out = Vec::with_capacity(2 + shown.len() * KEY_BYTES + json.len() / 3 + 16);
            out.push(FORMAT_KEYS_ZSTD_2);
            // The count of `shown`, then each one's key.
            out.push(count);
            for s in &shown {
                out.extend_from_slice(&s.key);
            }
            compress_into(&mut out, &json);
            out
        }
        // Too many keys to count in a byte: inside the JSON, as format 2.
        Err(_) => {
            stored.products = shown
                .iter()
                .map(|s| Cow::Borrowed(s.row.0.as_str()))
                .collect();
            pack(&serde_json::to_vec(&stored)?)
        }
    };
    Ok(PackedMessage { record, snapshots })
}

/// Bytes of a key ([`snapshot_key`] is their hex).
const KEY_BYTES: usize = 16;

/// A packed record's JSON, and the keys of its snapshots when they are kept before it
/// (format 3; in the JSON's `products` otherwise).
pub(crate) fn open_message(packed: &[u8]) -> Result<(Option<Vec<String>>, Vec<u8>), String> {
    match packed.split_first() {
        Some((&FORMAT_KEYS_ZSTD_2, rest)) => {
            let (keys, frame) = split_keys(rest)?;
            let keys = keys.chunks_exact(KEY_BYTES).map(hex::encode).collect();
            Ok((Some(keys), decompress(FORMAT_ZSTD_2, frame)?))
        }
        _ => Ok((None, unpack(packed)?)),
    }
}

/// Format 3's keys (16 bytes each) and the frame after them.
fn split_keys(rest: &[u8]) -> Result<(&[u8], &[u8]), String> {
    let (&count, rest) = rest
        .split_first()
        .ok_or_else(|| "a packed record without its key count".to_owned())?;
    let len = usize::from(count) * KEY_BYTES;
    if rest.len() < len {
        return Err(format!("a packed record claims {count} keys"));
    }
    Ok(rest.split_at(len))
}

/// The columns of a message row that [`StoredMessage`] leaves out.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageColumns {
    pub wamid: crate::id::Wamid,
    pub phone_number_id: crate::id::PhoneNumberId,
    pub wa_id: crate::id::WaId,
    pub created_at: i64,
}

/// A packed record back as the record it was, its snapshots found by `snapshot`.
pub fn unpack_message(
    columns: MessageColumns,
    packed: &[u8],
    snapshot: impl Fn(&str) -> Option<ProductSnapshot>,
) -> Result<MessageRecord, String> {
    let (keys, json) = open_message(packed)?;
    let stored: StoredMessage<'static> =
        serde_json::from_slice(&json).map_err(|e| e.to_string())?;
    let keys = keys.unwrap_or_else(|| stored.products.iter().map(|k| k.to_string()).collect());
    let products = keys
        .iter()
        .map(|key| snapshot(key).ok_or_else(|| format!("product snapshot {key} is missing")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(MessageRecord {
        wamid: columns.wamid,
        phone_number_id: columns.phone_number_id,
        waba_id: stored.waba_id.into_owned().into(),
        wa_id: columns.wa_id,
        to_input: stored.to_input.into_owned(),
        content: stored.content.into_owned(),
        products,
        dropped_retailer_ids: stored.dropped_retailer_ids.into_owned(),
        context_message_id: stored.context_message_id.map(Cow::into_owned),
        biz_opaque_callback_data: stored.biz_opaque_callback_data.map(Cow::into_owned),
        api_version: stored.api_version.into_owned(),
        created_at: crate::clock::Millis(columns.created_at),
        pricing: stored.pricing.map(Cow::into_owned),
    })
}

/// The keys of the snapshots a packed record refers to.
pub fn message_snapshot_keys(packed: &[u8]) -> Result<Vec<String>, String> {
    #[derive(Deserialize)]
    struct Keys {
        #[serde(default)]
        products: Vec<String>,
    }
    if let Some((&FORMAT_KEYS_ZSTD_2, rest)) = packed.split_first() {
        let (keys, _) = split_keys(rest)?;
        return Ok(keys.chunks_exact(KEY_BYTES).map(hex::encode).collect());
    }
    let json = unpack(packed)?;
    serde_json::from_slice::<Keys>(&json)
        .map(|k| k.products)
        .map_err(|e| e.to_string())
}

/// What a webhook row keeps packed: its wamid, signatures and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookParts {
    pub wamid: Option<crate::id::Wamid>,
    pub signature_256: String,
    pub signature_1: String,
    pub body: Vec<u8>,
}

const HAS_WAMID: u8 = 1;
const SHA256_DIGEST: u8 = 2;
const SHA1_DIGEST: u8 = 4;

/// A signature header as its digest (`prefix` then lowercase hex of `len` bytes), if it has
/// that form exactly.
fn digest_of<const LEN: usize>(header: &str, prefix: &str) -> Option<[u8; LEN]> {
    let hex_part = header.strip_prefix(prefix)?;
    if hex_part.len() != 2 * LEN || hex_part.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let mut digest = [0; LEN];
    hex::decode_to_slice(hex_part, &mut digest).ok()?;
    Some(digest)
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    // Header values and wamids are short; anything longer is cut at the format's limit, which
    // no real value reaches.
    let len = u16::try_from(text.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&text.as_bytes()[..usize::from(len)]);
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Result<&'a [u8], String> {
    if bytes.len() < n {
        return Err("a packed webhook is cut short".to_owned());
    }
    let (head, tail) = bytes.split_at(n);
    *bytes = tail;
    Ok(head)
}

fn take_text(bytes: &mut &[u8]) -> Result<String, String> {
    let len = take(bytes, 2)?;
    let len = usize::from(u16::from_le_bytes([len[0], len[1]]));
    String::from_utf8(take(bytes, len)?.to_vec()).map_err(|e| e.to_string())
}

/// Packs a webhook's wamid, signatures and body:
/// format byte, flags, each signature as its digest or as text, then zstd of the wamid and the
/// body (the body holds the wamid again, which costs nothing once compressed).
pub fn pack_webhook(w: &NewWebhook) -> Vec<u8> {
    let sha256 = digest_of::<32>(&w.signature_256, "sha256=");
    let sha1 = digest_of::<20>(&w.signature_1, "sha1=");
    let flags = w.wamid.as_ref().map_or(0, |_| HAS_WAMID)
        | sha256.as_ref().map_or(0, |_| SHA256_DIGEST)
        | sha1.as_ref().map_or(0, |_| SHA1_DIGEST);
    let mut out = Vec::with_capacity(w.body.len() / 4 + 96);
    out.push(FORMAT_WRITTEN);
    out.push(flags);
    match &sha256 {
        Some(d) => out.extend_from_slice(d),
        None => put_text(&mut out, &w.signature_256),
    }
    match &sha1 {
        Some(d) => out.extend_from_slice(d),
        None => put_text(&mut out, &w.signature_1),
    }
    let mut plain = Vec::with_capacity(w.body.len() + 96);
    if let Some(wamid) = &w.wamid {
        put_text(&mut plain, wamid.as_str());
    }
    plain.extend_from_slice(&w.body);
    compress_into(&mut out, &plain);
    out
}

/// What [`pack_webhook`] packed.
pub fn unpack_webhook(packed: &[u8]) -> Result<WebhookParts, String> {
    let mut rest = packed;
    let head = take(&mut rest, 2)?;
    // `decompress` refuses a format it does not know.
    let (format, flags) = (head[0], head[1]);
    let signature_256 = if flags & SHA256_DIGEST != 0 {
        format!("sha256={}", hex::encode(take(&mut rest, 32)?))
    } else {
        take_text(&mut rest)?
    };
    let signature_1 = if flags & SHA1_DIGEST != 0 {
        format!("sha1={}", hex::encode(take(&mut rest, 20)?))
    } else {
        take_text(&mut rest)?
    };
    let plain = decompress(format, rest)?;
    let mut plain = plain.as_slice();
    let wamid = if flags & HAS_WAMID != 0 {
        Some(take_text(&mut plain)?)
    } else {
        None
    };
    Ok(WebhookParts {
        wamid: wamid.map(Into::into),
        signature_256,
        signature_1,
        body: plain.to_vec(),
    })
}

/// A status a message reached, as its row keeps it among the statuses it had when it was
/// accepted (the message's wamid is the row's).
#[derive(Debug, Serialize, Deserialize)]
struct OwnStatus<'a> {
    status: MessageStatus,
    at: i64,
    #[serde(default, skip_serializing_if = "<[_]>::is_empty")]
    errors: Cow<'a, [WebhookError]>,
}

/// The statuses a message has when it is accepted (normally `sent` and `delivered`, scheduled;
/// or `failed`), as the message row's `statuses` column keeps them (from migration 0007 on): a
/// JSON array of `{"status", "at", "errors"?}` in their order, `None` for none. Kept in the row
/// they cost one column instead of a row and an index entry each, on the send path; statuses
/// that come later (`read`, a later `failed`) are rows of `message_statuses`.
pub fn pack_own_statuses<'a>(
    statuses: impl Iterator<Item = &'a StatusEvent>,
) -> Result<Option<String>, serde_json::Error> {
    let own: Vec<OwnStatus> = statuses
        .map(|e| OwnStatus {
            status: e.status,
            at: e.at.0,
            errors: Cow::Borrowed(&e.errors),
        })
        .collect();
    if own.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(&own).map(Some)
}

/// The statuses [`pack_own_statuses`] kept for message `wamid`.
pub fn unpack_own_statuses(
    wamid: &crate::id::Wamid,
    packed: &str,
) -> Result<Vec<StatusEvent>, serde_json::Error> {
    let own: Vec<OwnStatus> = serde_json::from_str(packed)?;
    Ok(own
        .into_iter()
        .map(|s| StatusEvent {
            wamid: wamid.clone(),
            status: s.status,
            at: crate::clock::Millis(s.at),
            errors: s.errors.into_owned(),
        })
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::clock::Millis;
    use crate::webhook::{EventType, MessageStatus};

    #[test]
    fn the_released_dictionaries_never_change() {
        // Rows written with them can only be read with these exact bytes.
        assert_eq!(
            hex::encode(Sha256::digest(DICTIONARY_1)),
            "00e09b61f4110bdb70620f430a084c1fcd40a75cdf8fb3096645aef3747d8222"
        );
        assert_eq!(
            hex::encode(Sha256::digest(DICTIONARY_2)),
            "f1b662f3d994a391adbcb6650b0d116c1ea6df88d043b872b3f6f01ee31a2c21"
        );
    }

    #[test]
    fn a_made_wamid_keys_by_its_order_and_any_other_by_its_hash() {
        let ids = crate::ids::IdGen::seeded(3);
        let customer = crate::id::WaId::from("16505550123");
        let first = ids.wamid(&customer, crate::ids::Direction::Outbound);
        let second = ids.wamid(&customer, crate::ids::Direction::Outbound);
        assert!(wamid_key(&first) < wamid_key(&second));
        assert_eq!(
            wamid_lookup_keys(&first),
            [wamid_key(&first), hashed_wamid_key(&first)]
        );
        let foreign = crate::id::Wamid::from("wamid.OLD");
        assert_eq!(wamid_key(&foreign), hashed_wamid_key(&foreign));
    }

    /// `data` as format 1 wrote it (zstd with dictionary 1).
    fn packed_with_dictionary_1(data: &[u8]) -> Vec<u8> {
        let mut c = zstd::bulk::Compressor::with_dictionary(LEVEL, DICTIONARY_1).unwrap();
        c.set_parameter(zstd::zstd_safe::CParameter::DictIdFlag(false))
            .unwrap();
        let mut out = vec![FORMAT_ZSTD_1];
        out.extend_from_slice(&c.compress(data).unwrap());
        out
    }

    #[test]
    fn values_of_format_1_still_unpack() {
        let record = br#"{"waba_id":"110457892231604","to_input":"16505550123","content":{"type":"text","body":"Hi","preview_url":false,"catalog_link":null},"products":[],"dropped_retailer_ids":[],"context_message_id":null,"biz_opaque_callback_data":null,"api_version":"v23.0"}"#;
        let old = packed_with_dictionary_1(record);
        assert_eq!(unpack(&old).unwrap(), record);
        assert_eq!(
            pack(record)[0],
            FORMAT_ZSTD_2,
            "new values are written with dictionary 2"
        );
        // A webhook of format 1: the same head, the frame with dictionary 1.
        let w = webhook(Some("wamid.A"), &format!("sha256={}", "ab".repeat(32)), "x");
        let new = pack_webhook(&w);
        assert_eq!(new[0], FORMAT_ZSTD_2);
        let mut plain = Vec::new();
        put_text(&mut plain, "wamid.A");
        plain.extend_from_slice(&w.body);
        let head_len = 2 + 32 + 2 + 1;
        let mut old = new[..head_len].to_vec();
        old[0] = FORMAT_ZSTD_1;
        old.extend_from_slice(&packed_with_dictionary_1(&plain)[1..]);
        let parts = unpack_webhook(&old).unwrap();
        assert_eq!(parts.body, w.body);
        assert_eq!(parts.wamid, w.wamid);
        assert_eq!(parts.signature_1, "x");
    }

    #[test]
    fn bytes_round_trip_and_unknown_formats_are_refused() {
        for data in [&b""[..], b"x", &[7u8; 100_000]] {
            assert_eq!(unpack(&pack(data)).unwrap(), data);
        }
        assert!(unpack(&[]).is_err());
        assert!(unpack(&[9, 1, 2]).is_err());
        assert!(unpack(&[FORMAT_ZSTD_1, 1, 2]).is_err());
    }

    fn webhook(wamid: Option<&str>, s256: &str, s1: &str) -> NewWebhook {
        NewWebhook {
            app_id: "1".into(),
            waba_id: "2".into(),
            url: "http://h/".into(),
            event_type: EventType::Status,
            wamid: wamid.map(Into::into),
            status: Some(MessageStatus::Sent),
            body: b"{\"object\":\"whatsapp_business_account\"}".to_vec(),
            signature_256: s256.into(),
            signature_1: s1.into(),
            due_at: Millis(0),
        }
    }

    #[test]
    fn webhooks_round_trip_whatever_their_signatures_look_like() {
        let real = webhook(
            Some("wamid.HBgL"),
            &format!("sha256={}", "ab".repeat(32)),
            &format!("sha1={}", "0f".repeat(20)),
        );
        let packed = pack_webhook(&real);
        assert_eq!(packed[1], HAS_WAMID | SHA256_DIGEST | SHA1_DIGEST);
        for w in [
            real,
            webhook(None, "sha256=a", "sha1=b"),
            webhook(Some(""), &format!("sha256={}", "AB".repeat(32)), ""),
        ] {
            let parts = unpack_webhook(&pack_webhook(&w)).unwrap();
            assert_eq!(
                parts,
                WebhookParts {
                    wamid: w.wamid.clone(),
                    signature_256: w.signature_256.clone(),
                    signature_1: w.signature_1.clone(),
                    body: w.body.clone(),
                }
            );
        }
        assert!(unpack_webhook(&[FORMAT_ZSTD_1]).is_err());
    }

    #[test]
    fn snapshot_rows_are_right_whoever_makes_them_first() {
        // Threads pack the same products and, between them, a changed version of one: the memo
        // hands each the row its content gives, never another version's.
        let demo = crate::seed::demo("http://x");
        let base = ProductSnapshot::from(&demo.products[2]);
        let mut changed = base.clone();
        changed.price += 1;
        let expected = |p: &ProductSnapshot| {
            let json = serde_json::to_string(p).unwrap();
            (snapshot_key(&json), json)
        };
        let rows: Vec<(Snapshot, Snapshot)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    scope.spawn(|| {
                        let mut rows = Vec::with_capacity(200);
                        for _ in 0..200 {
                            rows.push((snapshot(&base).unwrap(), snapshot(&changed).unwrap()));
                        }
                        rows
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        for (b, c) in rows {
            assert_eq!(*b.row, expected(&base));
            assert_eq!(*c.row, expected(&changed));
            assert_ne!(b.row.0, c.row.0);
            assert_eq!(hex::encode(b.key), b.row.0);
            assert_eq!(hex::encode(c.key), c.row.0);
        }
    }

    /// A text message with no products, and with every optional field but one set.
    fn text_record() -> MessageRecord {
        MessageRecord {
            wamid: "w1".into(),
            phone_number_id: "1".into(),
            waba_id: "2".into(),
            wa_id: "111".into(),
            to_input: "+111".into(),
            content: Outgoing::Text {
                body: "hé".into(),
                preview_url: false,
                catalog_link: None,
            },
            products: vec![],
            dropped_retailer_ids: vec!["gone".into()],
            context_message_id: Some("wamid.ctx".into()),
            biz_opaque_callback_data: None,
            api_version: "v23.0".into(),
            created_at: Millis(5),
            pricing: Some(Pricing::service()),
        }
    }

    #[test]
    fn a_message_round_trips_with_its_snapshots_kept_apart() {
        let demo = crate::seed::demo("http://x");
        let mut record = text_record();
        record.products = vec![
            ProductSnapshot::from(&demo.products[0]),
            ProductSnapshot::from(&demo.products[1]),
            ProductSnapshot::from(&demo.products[0]),
        ];
        let packed = pack_message(&record).unwrap();
        assert_eq!(packed.snapshots.len(), 2, "each snapshot once");
        let keys = message_snapshot_keys(&packed.record).unwrap();
        assert_eq!(keys.len(), 3);
        assert_eq!(keys[0], keys[2]);
        let columns = MessageColumns {
            wamid: record.wamid.clone(),
            phone_number_id: record.phone_number_id.clone(),
            wa_id: record.wa_id.clone(),
            created_at: record.created_at.0,
        };
        let snapshot = |key: &str| {
            packed
                .snapshots
                .iter()
                .find(|row| row.0 == key)
                .map(|row| serde_json::from_str(&row.1).unwrap())
        };
        assert_eq!(
            unpack_message(columns.clone(), &packed.record, snapshot).unwrap(),
            record
        );
        assert!(unpack_message(columns.clone(), &packed.record, |_| None).is_err());
        assert_eq!(packed.record[0], FORMAT_KEYS_ZSTD_2);

        // Format 2 (the keys inside the JSON), as records were written before format 3.
        let mut json: serde_json::Value =
            serde_json::from_slice(&open_message(&packed.record).unwrap().1).unwrap();
        json["products"] = serde_json::json!(keys);
        let format_2 = pack(&serde_json::to_vec(&json).unwrap());
        assert_eq!(format_2[0], FORMAT_ZSTD_2);
        assert_eq!(message_snapshot_keys(&format_2).unwrap(), keys);
        assert_eq!(
            unpack_message(columns.clone(), &format_2, snapshot).unwrap(),
            record
        );

        // A key section cut short is refused, not read past.
        assert!(message_snapshot_keys(&packed.record[..20]).is_err());
        assert!(unpack_message(columns, &packed.record[..20], snapshot).is_err());
    }

    #[test]
    fn keys_that_do_not_fit_a_byte_stay_in_the_json() {
        let demo = crate::seed::demo("http://x");
        let mut record = text_record();
        record.products = vec![ProductSnapshot::from(&demo.products[0]); 255];
        assert_eq!(pack_message(&record).unwrap().record[0], FORMAT_KEYS_ZSTD_2);
        record
            .products
            .push(ProductSnapshot::from(&demo.products[1]));
        let packed = pack_message(&record).unwrap();
        assert_eq!(packed.record[0], FORMAT_ZSTD_2);
        let keys = message_snapshot_keys(&packed.record).unwrap();
        assert_eq!(keys.len(), 256);
        assert_eq!(keys[255], packed.snapshots[1].0);
    }

    #[test]
    fn a_message_s_own_statuses_round_trip_in_a_fixed_form() {
        let wamid: crate::id::Wamid = "wamid.X".into();
        let at = |status, ms| StatusEvent {
            wamid: wamid.clone(),
            status,
            at: Millis(ms),
            errors: vec![],
        };
        let statuses = vec![
            at(MessageStatus::Sent, 1_000),
            at(MessageStatus::Delivered, 1_250),
        ];
        let packed = pack_own_statuses(statuses.iter()).unwrap().unwrap();
        assert_eq!(
            packed,
            r#"[{"status":"sent","at":1000},{"status":"delivered","at":1250}]"#
        );
        assert_eq!(unpack_own_statuses(&wamid, &packed).unwrap(), statuses);

        let failed = StatusEvent::failed(
            &wamid,
            Millis(7),
            &crate::error::ApiError::new(crate::error::ErrorKind::MessageUndeliverable),
        );
        let packed = pack_own_statuses(std::iter::once(&failed))
            .unwrap()
            .unwrap();
        assert_eq!(unpack_own_statuses(&wamid, &packed).unwrap(), vec![failed]);

        assert_eq!(pack_own_statuses(std::iter::empty()).unwrap(), None);
        assert!(unpack_own_statuses(&wamid, "[{\"status\":\"lost\",\"at\":1}]").is_err());
    }
}
