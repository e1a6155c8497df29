//! Makes dictionary 2 of Vitrine's packed rows: dictionary 1's content, unchanged, with zstd's
//! entropy tables (Huffman for literals, FSE for sequences) taken from typical documents, in
//! zstd's dictionary format with id 2.
//!
//! With the tables in the dictionary, zstd reuses them for a small document instead of building
//! its own for each one, which was half of what packing a row cost.
//!
//!     cargo run --release --manifest-path tools/zdict/Cargo.toml
//!
//! reads `tools/zdict/samples.jsonl` (one document per line: dictionary 1's own documents, and
//! records and status webhooks as `vitrine bench` stores them) and writes
//! `crates/vitrine-core/src/store/packed/dictionary-2.zdict`. A released dictionary never
//! changes (a test in `packed.rs` pins its hash): a better one is dictionary 3, beside it.

use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let packed = root.join("crates/vitrine-core/src/store/packed");
    let content = std::fs::read(packed.join("dictionary-1.txt")).expect("dictionary 1");
    let samples = std::fs::read_to_string(root.join("tools/zdict/samples.jsonl")).expect("samples");
    let docs: Vec<&str> = samples.lines().filter(|l| !l.is_empty()).collect();
    let buffer: Vec<u8> = docs.iter().flat_map(|d| d.bytes()).collect();
    let sizes: Vec<usize> = docs.iter().map(|d| d.len()).collect();
    let mut out = vec![0u8; content.len() + 8192];
    let params = zstd_sys::ZDICT_params_t {
        compressionLevel: 3,
        notificationLevel: 0,
        dictID: 2,
    };
    // SAFETY: every pointer is to a live buffer of the length passed beside it.
    let written = unsafe {
        zstd_sys::ZDICT_finalizeDictionary(
            out.as_mut_ptr().cast(),
            out.len(),
            content.as_ptr().cast(),
            content.len(),
            buffer.as_ptr().cast(),
            sizes.as_ptr(),
            u32::try_from(sizes.len()).expect("samples"),
            params,
        )
    };
    // SAFETY: a plain function of a number.
    if unsafe { zstd_sys::ZDICT_isError(written) } != 0 {
        panic!("ZDICT_finalizeDictionary failed on {} samples", docs.len());
    }
    out.truncate(written);
    std::fs::write(packed.join("dictionary-2.zdict"), &out).expect("write");
    println!(
        "dictionary-2.zdict: {} bytes from {} samples",
        out.len(),
        docs.len()
    );
}
