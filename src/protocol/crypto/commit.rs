//! Key commitment (DESIGN.md §3.6) and the submission commitment `cmt` of receipts (§4).
//!
//! Contract: `kc = HMAC-SHA256(thread_key, "meldpunt key commitment v1")` binds a submission to
//! one thread key, which AES-GCM alone does not. `cmt = SHA-256("meldpunt submission v1" || 0x00
//! || case_id || kc || for each item sorted by id bytes: u32be(len(item_bytes)) || item_bytes)`
//! is independent of the order items arrive in and changes with any byte of any item, the case
//! id or `kc`. The receipt carries `b64u(cmt)`.
//!
//! Version 2 (DESIGN §11) binds, besides those, the labels the case was filed under, the
//! recipient directory the report was wrapped from, and the set of wrap holders:
//! `cmt = SHA-256("meldpunt submission v2" || 0x00 || case_id || kc || directory hash ||
//! str(theme) || str(unit) || str(relation or "") || u32be(n) || each wrap holder (`to`) sorted
//! by bytes, each once: str(to) || the items as in version 1)` with `str(x) = u32be(len(x)) ||
//! UTF-8 bytes of x`. So a receipt proves to whom a report was encrypted and under which
//! labels; revealing the labels, the directory and the holders lets anyone recompute it.
//!
//! The caller must bound item sizes (request limits are far below 4 GiB) and reject duplicate
//! item ids: with two equal ids the sort order, and so the value, is that of the input order.

use super::{CaseId, item::Item};

const KC_LABEL: &[u8] = b"meldpunt key commitment v1";
const CMT_PREFIX: &[u8] = b"meldpunt submission v1\x00";
const CMT_V2_PREFIX: &[u8] = b"meldpunt submission v2\x00";

/// What a version-2 commitment binds besides the case, `kc` and the items.
#[derive(Clone, Copy, Debug)]
pub struct Filing<'a> {
    pub theme: &'a str,
    pub unit: &'a str,
    pub relation: Option<&'a str>,
    /// The hash of the recipient directory the wraps were made from.
    pub directory: &'a [u8; 32],
    /// The `to` of every wrap (the reporter's included); order and repeats do not matter.
    pub holders: &'a [&'a str],
}

fn update_str(ctx: &mut ring::digest::Context, text: &str) {
    // Saturation is unreachable for bounded requests; see the module contract.
    let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
    ctx.update(&len.to_be_bytes());
    ctx.update(text.as_bytes());
}

fn update_items(ctx: &mut ring::digest::Context, items: &[Item]) {
    let mut sorted: Vec<&Item> = items.iter().collect();
    sorted.sort_by_key(|item| item.id);
    for item in sorted {
        let bytes = item.bytes();
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        ctx.update(&len.to_be_bytes());
        ctx.update(&bytes);
    }
}

/// The version-2 submission commitment (see the module doc).
pub fn submission_commitment_v2(
    case_id: &CaseId,
    kc: &[u8; 32],
    filing: &Filing<'_>,
    items: &[Item],
) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(CMT_V2_PREFIX);
    ctx.update(case_id);
    ctx.update(kc);
    ctx.update(filing.directory);
    update_str(&mut ctx, filing.theme);
    update_str(&mut ctx, filing.unit);
    update_str(&mut ctx, filing.relation.unwrap_or(""));
    let holders: std::collections::BTreeSet<&str> = filing.holders.iter().copied().collect();
    let n = u32::try_from(holders.len()).unwrap_or(u32::MAX);
    ctx.update(&n.to_be_bytes());
    for holder in holders {
        update_str(&mut ctx, holder);
    }
    update_items(&mut ctx, items);
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// `HMAC-SHA256(thread_key, "meldpunt key commitment v1")`.
pub fn key_commitment(thread_key: &[u8; 32]) -> [u8; 32] {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, thread_key);
    let tag = ring::hmac::sign(&key, KC_LABEL);
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

/// The submission commitment over the case, its key commitment and its items.
pub fn submission_commitment(case_id: &CaseId, kc: &[u8; 32], items: &[Item]) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(CMT_PREFIX);
    ctx.update(case_id);
    ctx.update(kc);
    update_items(&mut ctx, items);
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::b64;
    use crate::protocol::crypto::{item::ItemKind, random_bytes};

    /// The items whose `kc` and `cmt` were computed independently in Python (hashlib, hmac).
    fn python_items() -> (CaseId, [u8; 32], Vec<Item>) {
        let key: [u8; 32] = core::array::from_fn(|i| i as u8);
        let case_id = [0xca; 16];
        let message = Item::seal_with_nonce(
            &key,
            &case_id,
            [0x11; 16],
            ItemKind::Message,
            [0x22; 12],
            br#"{"text":"hallo"}"#,
        )
        .unwrap();
        let report = Item {
            id: [0x01; 16],
            kind: ItemKind::Report,
            nonce: [0x22; 12],
            ct: vec![0; 1040],
        };
        (case_id, key, vec![message, report])
    }

    #[test]
    fn known_answers_from_python() {
        let (case_id, key, items) = python_items();
        let kc = key_commitment(&key);
        assert_eq!(
            b64::encode(kc),
            "sQozEwrfhHNKJWlfMKZG2jK8gZ2-j6LTKhOGRT2-7vY"
        );
        assert_eq!(
            b64::encode(submission_commitment(&case_id, &kc, &items)),
            "8zgqri0bQt9mSp1ZGBtuDGhSU7AdS1EEhjNsWJEJL9g"
        );
    }

    #[test]
    fn layout_spelled_out() {
        let (case_id, key, items) = python_items();
        let kc = key_commitment(&key);
        let mut input = b"meldpunt submission v1\x00".to_vec();
        input.extend_from_slice(&case_id);
        input.extend_from_slice(&kc);
        for item in [&items[1], &items[0]] {
            input.extend_from_slice(&(item.bytes().len() as u32).to_be_bytes());
            input.extend_from_slice(&item.bytes());
        }
        assert_eq!(
            submission_commitment(&case_id, &kc, &items),
            crate::protocol::crypto::sha256(&input)
        );
    }

    fn random_items(n: usize) -> Vec<Item> {
        let key = random_bytes::<32>();
        (0..n)
            .map(|i| {
                Item::seal(
                    &key,
                    &[7; 16],
                    random_bytes::<16>(),
                    ItemKind::Attachment,
                    &vec![i as u8; i * 300],
                )
                .unwrap()
            })
            .collect()
    }

    #[test]
    fn independent_of_item_order() {
        let items = random_items(5);
        let kc = random_bytes::<32>();
        let expected = submission_commitment(&[7; 16], &kc, &items);
        let mut reversed = items.clone();
        reversed.reverse();
        assert_eq!(submission_commitment(&[7; 16], &kc, &reversed), expected);
        let mut rotated = items;
        rotated.rotate_left(2);
        assert_eq!(submission_commitment(&[7; 16], &kc, &rotated), expected);
    }

    #[test]
    fn changes_with_any_input_byte() {
        let items = random_items(2);
        let kc = random_bytes::<32>();
        let case_id = [7; 16];
        let base = submission_commitment(&case_id, &kc, &items);
        for which in 0..items.len() {
            let len = items[which].bytes().len();
            for pos in (0..len).step_by(7).chain([len - 1]) {
                let mut changed = items.clone();
                let item = &mut changed[which];
                match pos {
                    0..16 => item.id[pos] ^= 1,
                    16 => {
                        item.kind = if item.kind == ItemKind::Note {
                            ItemKind::Report
                        } else {
                            ItemKind::Note
                        }
                    }
                    17..29 => item.nonce[pos - 17] ^= 1,
                    _ => item.ct[pos - 29] ^= 1,
                }
                assert_ne!(
                    submission_commitment(&case_id, &kc, &changed),
                    base,
                    "item {which} byte {pos}"
                );
            }
        }
        for i in 0..32 {
            let mut other = kc;
            other[i] ^= 1;
            assert_ne!(submission_commitment(&case_id, &other, &items), base);
        }
        for i in 0..16 {
            let mut other = case_id;
            other[i] ^= 1;
            assert_ne!(submission_commitment(&other, &kc, &items), base);
        }
        assert_ne!(submission_commitment(&case_id, &kc, &items[..1]), base);
        // Moving a byte across the item boundary changes the length prefixes, hence the value.
        let mut shifted = items.clone();
        let moved = shifted[0].ct.pop().unwrap();
        shifted[1].ct.insert(0, moved);
        assert_ne!(submission_commitment(&case_id, &kc, &shifted), base);
    }

    /// Version 2 spelled out byte by byte, and each bound value changes it.
    #[test]
    fn version_2_binds_labels_directory_and_holders() {
        let (case_id, key, items) = python_items();
        let kc = key_commitment(&key);
        let directory = [0xd1; 32];
        let filing = Filing {
            theme: "racism",
            unit: "amsterdam",
            relation: None,
            directory: &directory,
            holders: &["reporter", "kid-b", "kid-a", "kid-b"],
        };
        let mut input = b"meldpunt submission v2\x00".to_vec();
        input.extend_from_slice(&case_id);
        input.extend_from_slice(&kc);
        input.extend_from_slice(&directory);
        for text in ["racism", "amsterdam", ""] {
            input.extend_from_slice(&(text.len() as u32).to_be_bytes());
            input.extend_from_slice(text.as_bytes());
        }
        input.extend_from_slice(&3u32.to_be_bytes());
        for text in ["kid-a", "kid-b", "reporter"] {
            input.extend_from_slice(&(text.len() as u32).to_be_bytes());
            input.extend_from_slice(text.as_bytes());
        }
        for item in [&items[1], &items[0]] {
            input.extend_from_slice(&(item.bytes().len() as u32).to_be_bytes());
            input.extend_from_slice(&item.bytes());
        }
        let base = submission_commitment_v2(&case_id, &kc, &filing, &items);
        assert_eq!(base, crate::protocol::crypto::sha256(&input));
        let other_dir = [0xd2; 32];
        let variants = [
            Filing {
                theme: "exclusion",
                ..filing
            },
            Filing {
                unit: "zwolle",
                ..filing
            },
            Filing {
                relation: Some("colleague"),
                ..filing
            },
            Filing {
                directory: &other_dir,
                ..filing
            },
            Filing {
                holders: &["reporter", "kid-a"],
                ..filing
            },
            // The boundary between two labels is part of the value.
            Filing {
                theme: "racismamsterdam",
                unit: "",
                ..filing
            },
        ];
        for variant in variants {
            assert_ne!(
                submission_commitment_v2(&case_id, &kc, &variant, &items),
                base,
                "{variant:?}"
            );
        }
        assert_ne!(submission_commitment(&case_id, &kc, &items), base);
    }

    #[test]
    fn kc_depends_on_the_key() {
        let key = random_bytes::<32>();
        let mut other = key;
        other[31] ^= 1;
        assert_ne!(key_commitment(&key), key_commitment(&other));
    }
}
