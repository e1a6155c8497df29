//! Ids that look like Meta's: numeric Graph node ids, `wamid.` message ids, fbtrace ids.

use crate::id::{WaId, Wamid};
use base64::Engine;
use rand::{rngs::StdRng, Rng, RngCore, SeedableRng};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Hex digits of a wamid's inner id that come from [`IdGen`]'s ordered head; the other 20 are
/// random.
const WAMID_HEAD_DIGITS: usize = 12;
pub struct IdGen {
    rng: Mutex<StdRng>,
    /// The ordered head of the next wamid's inner id (see [`IdGen::wamid`]).
    next_head: AtomicU64,
}

/// Which side wrote a message; Meta's wamids carry it in one byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Business to customer.
    Outbound,
    /// Customer to business.
    Inbound,
}

const TRACE_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

impl IdGen {
    pub fn from_entropy() -> Self {
        let mut rng = StdRng::from_entropy();
        // Where a process starts does not matter, only that it goes on from there.
        let first_head = rng.gen::<u64>();
        IdGen {
            rng: Mutex::new(rng),
            next_head: AtomicU64::new(first_head),
        }
    }

    /// Deterministic ids for tests.
    pub fn seeded(seed: u64) -> Self {
        IdGen {
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            next_head: AtomicU64::new(0),
        }
    }

    fn with_rng<R>(&self, f: impl FnOnce(&mut StdRng) -> R) -> R {
        let mut guard = match self.rng.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// A 16-digit Graph node id.
    pub fn node_id(&self) -> String {
        self.with_rng(|r| {
            r.gen_range(1_000_000_000_000_000u64..10_000_000_000_000_000)
                .to_string()
        })
    }

    /// `wamid.` + base64 of Meta's framing around the peer's wa_id and a 32-digit hex inner id:
    /// a 12-digit head that grows by one with every wamid this generator makes (from a random
    /// start), then 80 random bits. Never reused in practice, and the store's
    /// unique key makes sure.
    ///
    /// The head is for the database, not for clients (to them the id stays opaque): wamids made
    /// one after the other share a long prefix, so the unique index on them takes each new one
    /// on the same few pages. Fully random ids land on a different page each, and every group
    /// commit then writes (and later checkpoints) one page per message.
    pub fn wamid(&self, peer_wa_id: &WaId, direction: Direction) -> Wamid {
        let head = self.next_head.fetch_add(1, Ordering::Relaxed);
        let mut random = [0u8; 10];
        self.with_rng(|r| r.fill_bytes(&mut random));
        let inner = format!(
            "{:0width$X}{}",
            head & ((1u64 << (4 * WAMID_HEAD_DIGITS)) - 1),
            hex::encode_upper(random),
            width = WAMID_HEAD_DIGITS
        );
        wamid_of(peer_wa_id, direction, &inner)
    }

    /// The `context.id` of a product inquiry that names no delivered message: Meta's own sample
    /// decodes to a business wamid whose inner id is the literal `product_inquiry`.
    pub fn product_inquiry_wamid(&self, peer_wa_id: &WaId) -> Wamid {
        wamid_of(peer_wa_id, Direction::Outbound, "product_inquiry")
    }
}

/// `wamid.` + base64 of Meta's framing around the peer's wa_id and an inner id.
fn wamid_of(peer_wa_id: &WaId, direction: Direction, inner: &str) -> Wamid {
    let peer = peer_wa_id.as_str().as_bytes();
    let mut raw = Vec::with_capacity(peer.len() + inner.len() + 12);
    raw.extend_from_slice(&[0x1c, 0x18, peer.len().min(255) as u8]);
    raw.extend_from_slice(&peer[..peer.len().min(255)]);
    let dir = match direction {
        Direction::Outbound => 0x11,
        Direction::Inbound => 0x12,
    };
    raw.extend_from_slice(&[0x15, 0x02, 0x00, dir, 0x18, inner.len().min(255) as u8]);
    raw.extend_from_slice(inner.as_bytes());
    raw.push(0x00);
    Wamid::from(format!(
        "wamid.{}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    ))
}

/// Where a wamid [`IdGen::wamid`] made stands in the order they were made: the 48-bit head of
/// its inner id, then the 15 bits after it, as one non-negative number. Wamids made one after
/// the other have ascending orders (until the head wraps, every 2^48 wamids). `None` for a wamid
/// of another shape.
pub fn wamid_order(wamid: &Wamid) -> Option<i64> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(wamid.as_str().strip_prefix("wamid.")?)
        .ok()?;
    // A 32-digit inner id after its length byte, then the closing zero.
    let start = raw.len().checked_sub(33)?;
    if start == 0 || raw[start - 1] != 32 || raw[raw.len() - 1] != 0 {
        return None;
    }
    let digits = &raw[start..start + 16];
    if !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let bits = u64::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()?;
    Some((bits >> 1) as i64)
}

impl IdGen {
    /// An opaque trace id, 23 characters of `[A-Za-z0-9_-]`.
    pub fn trace_id(&self) -> String {
        self.with_rng(|r| {
            (0..23)
                .map(|_| TRACE_ALPHABET[r.gen_range(0..TRACE_ALPHABET.len())] as char)
                .collect()
        })
    }

    /// A random lowercase hex string of `bytes` bytes (secrets, tokens).
    pub fn hex(&self, bytes: usize) -> String {
        let mut buf = vec![0u8; bytes];
        self.with_rng(|r| r.fill_bytes(&mut buf));
        hex::encode(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wamid_embeds_peer_and_is_unique() {
        let ids = IdGen::seeded(7);
        let peer = WaId::from("16505551234");
        let a = ids.wamid(&peer, Direction::Outbound);
        let b = ids.wamid(&peer, Direction::Outbound);
        assert_ne!(a, b);
        assert!(
            a.as_str().starts_with("wamid.HBgLMTY1MDU1NTEyMzQVAgARGC"),
            "{a}"
        );
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&a.as_str()[6..])
            .unwrap();
        assert_eq!(&raw[3..14], b"16505551234");
    }

    fn inner_id(w: &Wamid) -> String {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&w.as_str()[6..])
            .unwrap();
        // the inner id sits between its length byte and the closing zero
        String::from_utf8(raw[raw.len() - 33..raw.len() - 1].to_vec()).unwrap()
    }

    #[test]
    fn consecutive_wamids_share_their_head_and_differ_in_random_bits() {
        let ids = IdGen::from_entropy();
        let peer = WaId::from("16505551234");
        let made: Vec<Wamid> = (0..1000)
            .map(|_| ids.wamid(&peer, Direction::Outbound))
            .collect();
        let heads: Vec<u64> = made
            .iter()
            .map(|w| {
                let inner = inner_id(w);
                assert_eq!(inner.len(), 32, "{w}");
                assert!(inner
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase()));
                u64::from_str_radix(&inner[..WAMID_HEAD_DIGITS], 16).unwrap()
            })
            .collect();
        let wrap = 1u64 << (4 * WAMID_HEAD_DIGITS);
        assert!(
            heads.windows(2).all(|w| w[1] == (w[0] + 1) % wrap),
            "{heads:?}"
        );
        // What the index sees: a thousand wamids in a row agree on all but their last
        // characters, so they are stored side by side.
        let common = made
            .iter()
            .map(|w| {
                w.as_str()
                    .bytes()
                    .zip(made[0].as_str().bytes())
                    .take_while(|(a, b)| a == b)
                    .count()
            })
            .min()
            .unwrap();
        assert!(
            common >= made[0].as_str().len() - 40,
            "{common} of {}",
            made[0]
        );
        let unique: std::collections::HashSet<_> = made.iter().collect();
        assert_eq!(unique.len(), made.len());
    }

    #[test]
    fn wamids_made_one_after_the_other_have_ascending_orders() {
        let ids = IdGen::from_entropy();
        let customers = [WaId::from("16505551234"), WaId::from("447700900123")];
        let orders: Vec<i64> = (0..1000)
            .map(|i| {
                let w = ids.wamid(&customers[i % 2], Direction::Outbound);
                let order = wamid_order(&w).unwrap();
                // The head, whatever the customer or the random bits after it.
                assert_eq!(
                    order >> 15,
                    u64::from_str_radix(&inner_id(&w)[..WAMID_HEAD_DIGITS], 16).unwrap() as i64
                );
                order
            })
            .collect();
        let wrapped = orders.windows(2).filter(|w| w[1] <= w[0]).count();
        assert!(wrapped <= 1, "{wrapped} steps down");
        assert!(orders.iter().all(|o| *o >= 0));
        for other in [
            "wamid.OLD",
            "not a wamid",
            "wamid.!!!",
            "wamid.",
            IdGen::seeded(1)
                .product_inquiry_wamid(&customers[0])
                .as_str(),
        ] {
            assert_eq!(wamid_order(&Wamid::from(other)), None, "{other}");
        }
    }

    #[test]
    fn product_inquiry_wamids_frame_the_literal_inner_id() {
        let w = IdGen::seeded(1).product_inquiry_wamid(&WaId::from("16505550123"));
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&w.as_str()[6..])
            .unwrap();
        assert!(raw.ends_with(b"\x11\x18\x0fproduct_inquiry\x00"), "{w}");
    }

    #[test]
    fn node_ids_look_like_meta() {
        let ids = IdGen::seeded(1);
        let id = ids.node_id();
        assert_eq!(id.len(), 16);
        assert!(id.bytes().all(|b| b.is_ascii_digit()));
        let t = ids.trace_id();
        assert_eq!(t.len(), 23);
    }
}
