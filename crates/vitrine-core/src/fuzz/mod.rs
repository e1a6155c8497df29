//! Fuzz targets for every parser of user text, run as property tests on stable Rust (cargo-fuzz
//! needs nightly): each target takes the seed inputs of its corpus (`fuzz-corpus/<target>/` in
//! its crate, kept in the repository), mutates them (inserted, replaced, deleted and duplicated
//! characters, multi-byte ones among them, truncation) and checks what the parser must never do.
//!
//! CI runs the default number of cases; a longer run is `PROPTEST_CASES=100000 cargo test
//! --workspace fuzz`. A failure is kept by proptest in `proptest-regressions/` and replayed first
//! on every later run: commit that file with the fix.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(test)]
mod targets;

use proptest::prelude::*;

/// The seed inputs of `target` in the corpus of the crate at `manifest_dir`.
pub fn corpus(manifest_dir: &str, target: &str) -> Vec<String> {
    let dir = std::path::Path::new(manifest_dir)
        .join("fuzz-corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let seeds: Vec<String> = files
        .iter()
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
        .collect();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

/// Characters mutations insert: the ones parsers split on, quotes, multi-byte and odd ones.
const ALPHABET: &[char] = &[
    '0', '1', '9', '.', ',', ' ', '\t', '\n', '\r', '"', '\'', '\\', '{', '}', '[', ']', ':', '-',
    '+', '(', ')', '/', '|', 'A', 'z', 'U', 'S', 'D', '€', '£', '₹', 'é', '\u{feff}', '\u{0}',
    '\u{200b}', '𝟙', '١', '%', '$', '#', '_',
];

#[derive(Debug, Clone)]
pub enum Mutation {
    Insert(usize, char),
    Replace(usize, char),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let ch = prop_oneof![
        4 => proptest::sample::select(ALPHABET),
        1 => any::<char>(),
    ];
    prop_oneof![
        (any::<usize>(), ch.clone()).prop_map(|(i, c)| Mutation::Insert(i, c)),
        (any::<usize>(), ch).prop_map(|(i, c)| Mutation::Replace(i, c)),
        (any::<usize>(), 1usize..8).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), 1usize..16).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

/// Applies mutations on character boundaries (the input stays valid UTF-8, as the server
/// hands parsers strings).
pub fn mutate(seed: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = seed.chars().collect();
    for m in mutations {
        let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
        match *m {
            Mutation::Insert(i, c) => {
                let i = at(i, chars.len());
                chars.insert(i, c);
            }
            Mutation::Replace(i, c) if !chars.is_empty() => {
                let i = i % chars.len();
                chars[i] = c;
            }
            Mutation::Delete(i, n) if !chars.is_empty() => {
                let i = i % chars.len();
                let end = (i + n).min(chars.len());
                chars.drain(i..end);
            }
            Mutation::Duplicate(i, n) if !chars.is_empty() => {
                let i = i % chars.len();
                let end = (i + n).min(chars.len());
                let copy: Vec<char> = chars[i..end].to_vec();
                chars.splice(end..end, copy);
            }
            Mutation::Truncate(i) => {
                let i = at(i, chars.len());
                chars.truncate(i);
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

/// A seed of `target` (in the corpus of the crate at `manifest_dir`) with up to `max` mutations.
pub fn mutated(manifest_dir: &str, target: &str, max: usize) -> impl Strategy<Value = String> {
    (
        proptest::sample::select(corpus(manifest_dir, target)),
        proptest::collection::vec(mutation(), 0..=max),
    )
        .prop_map(|(seed, ms)| mutate(&seed, &ms))
}
