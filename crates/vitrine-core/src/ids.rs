//! Ids that look like Meta's: numeric Graph node ids, `wamid.` message ids, fbtrace ids.

use crate::id::{WaId, Wamid};
use base64::Engine;
use rand::{rngs::StdRng, Rng, RngCore, SeedableRng};
use std::sync::Mutex;

pub struct IdGen {
    rng: Mutex<StdRng>,
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
        IdGen {
            rng: Mutex::new(StdRng::from_entropy()),
        }
    }

    /// Deterministic ids for tests.
    pub fn seeded(seed: u64) -> Self {
        IdGen {
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
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

    /// `wamid.` + base64 of Meta's framing around the peer's wa_id and 16 random bytes in hex.
    /// 128 random bits: never reused in practice, and the store's unique key makes sure.
    pub fn wamid(&self, peer_wa_id: &WaId, direction: Direction) -> Wamid {
        let mut random = [0u8; 16];
        self.with_rng(|r| r.fill_bytes(&mut random));
        wamid_of(peer_wa_id, direction, &hex::encode_upper(random))
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
