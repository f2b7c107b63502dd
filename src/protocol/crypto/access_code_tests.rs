//! Tests of the access code: text form, typo detection, derivations.

use super::*;
use crate::protocol::b64;

/// Code bytes 00 01 .. 0f; expected values from an independent Python reference
/// (`hashlib`/`hmac` HKDF, `cryptography` X25519).
const KAT_DISPLAY: &str = "0004-1061-050R-3GG2-8A1C-60T3-GF6";
const KAT_AUTH_KEY: &str = "-1vZW1OC7zpOGR4lKBFssVDmmnH6Cr9LVKMDfrsgwdM";
const KAT_REPORTER_SK: &str = "W0ynY3Oqkfy1xCC3sC16U66UXqKJs45jHBaNJmjvs_s";
const KAT_REPORTER_PK: &str = "OrdHnFL3CTDuOFHAmg8-lJNFxk0pQEqT9VCbs7TIgjE";
const KAT_RB: &str = "lh63ed9cPVPP9vItpY5l2JtXWrb4t6BIH7rXg2rJT_M";
const KAT_VERIFIER: &str = "ynb3EkXr54WbjLkmzDqQEYQ1XUY7EUlyy3KHtYoRlsk";
const KAT_BINDING: &str = "yTUEQ8P1HyYkijHa3sUQT8bJH9quBcl6_f4e-OYSE9o";

fn kat_code() -> AccessCode {
    AccessCode::from_bytes(core::array::from_fn(|i| i as u8))
}

#[test]
fn known_answer_display_and_derivations() {
    let code = kat_code();
    assert_eq!(code.display().as_str(), KAT_DISPLAY);
    let keys = code.derive_keys();
    assert_eq!(b64::encode(*keys.auth_key), KAT_AUTH_KEY);
    assert_eq!(b64::encode(*keys.reporter_sk), KAT_REPORTER_SK);
    assert_eq!(b64::encode(keys.reporter_pk), KAT_REPORTER_PK);
    assert_eq!(b64::encode(*keys.rb), KAT_RB);
    assert_eq!(b64::encode(keys.verifier()), KAT_VERIFIER);
    assert_eq!(b64::encode(keys.binding()), KAT_BINDING);
}

#[test]
fn derivations_match_plain_hkdf() {
    // Recomputed with ring's HKDF directly, spelling out salt and infos (RFC 5869 with L = 32).
    struct Len32;
    impl ring::hkdf::KeyType for Len32 {
        fn len(&self) -> usize {
            32
        }
    }
    let code = AccessCode::generate();
    let prk = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, b"meldpunt access code v1")
        .extract(code.as_bytes());
    let expand = |info: &[u8]| {
        let mut out = [0u8; 32];
        prk.expand(&[info], Len32).unwrap().fill(&mut out).unwrap();
        out
    };
    let keys = code.derive_keys();
    assert_eq!(*keys.auth_key, expand(b"auth"));
    assert_eq!(*keys.reporter_sk, expand(b"reporter x25519"));
    assert_eq!(*keys.rb, expand(b"receipt binding"));
    assert_eq!(
        keys.reporter_pk,
        hpke_suite::public_key(&keys.reporter_sk).unwrap()
    );
    assert_eq!(keys.verifier(), sha256(&expand(b"auth")));
    assert_eq!(keys.binding(), sha256(&expand(b"receipt binding")));
}

#[test]
fn reporter_key_opens_what_is_sealed_to_reporter_pk() {
    let keys = AccessCode::generate().derive_keys();
    let (enc, ct) = hpke_suite::seal(&keys.reporter_pk, b"i", b"", b"case key").unwrap();
    let pt = hpke_suite::open(&keys.reporter_sk, &enc, b"i", b"", &ct).unwrap();
    assert_eq!(pt.as_slice(), b"case key");
}

#[test]
fn extreme_values_display() {
    let zero = AccessCode::from_bytes([0; 16]);
    assert_eq!(zero.display().as_str(), "0000-0000-0000-0000-0000-0000-000");
    let max = AccessCode::from_bytes([0xff; 16]);
    // 2^128 - 1 ≡ 32 (mod 37): the check symbol is '*'.
    assert_eq!(max.display().as_str(), "7ZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZ*");
    assert_eq!(
        AccessCode::parse("7zzz zzzz zzzz zzzz zzzz zzzz zz*").unwrap(),
        max
    );
    assert_eq!(
        AccessCode::parse("oooooooooooooooooooooooooo0").unwrap(),
        zero
    );
}

#[test]
fn round_trip_random_codes() {
    for _ in 0..500 {
        let code = AccessCode::generate();
        let text = code.display();
        assert_eq!(text.len(), 33);
        assert!(
            text.chars()
                .all(|c| c == '-' || ALPHABET.contains(&(c as u8)))
        );
        assert_eq!(AccessCode::parse(&text).unwrap(), code);
    }
}

#[test]
fn parse_is_forgiving_about_case_spacing_and_aliases() {
    let code = kat_code();
    let canonical = code.display();
    let ok = |t: &str| assert_eq!(AccessCode::parse(t).unwrap(), code, "{t}");
    ok(&canonical.to_lowercase());
    ok(&canonical.replace('-', ""));
    ok(&canonical.replace('-', " "));
    ok(&format!("  {}\n", canonical.replace('-', " - ")));
    // 0/1 typed as O/o and I/i/L/l.
    ok(&canonical.replace('0', "O"));
    ok(&canonical.replace('0', "o").replace('1', "l"));
    ok(&canonical.replace('1', "I"));
    ok(&canonical.replace('1', "i"));
    ok(&canonical.replace('1', "L"));
}

#[test]
fn parse_errors() {
    use AccessCodeError::*;
    let text = kat_code().display().replace('-', "");
    assert_eq!(AccessCode::parse(""), Err(Length));
    assert_eq!(AccessCode::parse(&text[..26]), Err(Length));
    assert_eq!(AccessCode::parse(&format!("{text}0")), Err(Length));
    assert_eq!(AccessCode::parse(&format!("{}#", &text[..26])), Err(Symbol));
    assert_eq!(AccessCode::parse(&format!("{}é", &text[..26])), Err(Symbol));
    assert_eq!(AccessCode::parse(&format!("U{}", &text[1..])), Err(Symbol));
    assert_eq!(
        AccessCode::parse(&format!("8{}", &text[1..])),
        Err(Overflow)
    );
    assert_eq!(AccessCode::parse(&format!("{}0", &text[..26])), Err(Typo));
}

#[test]
fn every_single_symbol_substitution_is_rejected() {
    let mut codes = vec![
        kat_code(),
        AccessCode::from_bytes([0; 16]),
        AccessCode::from_bytes([0xff; 16]),
    ];
    codes.extend((0..20).map(|_| AccessCode::generate()));
    for code in codes {
        let symbols: Vec<u8> = code.display().bytes().filter(|&b| b != b'-').collect();
        assert_eq!(symbols.len(), CODE_SYMBOLS);
        for pos in 0..CODE_SYMBOLS {
            for &other in ALPHABET.iter().filter(|&&s| s != symbols[pos]) {
                let mut typo = symbols.clone();
                typo[pos] = other;
                let text = String::from_utf8(typo).unwrap();
                let err = AccessCode::parse(&text).expect_err(&text);
                let expected_kinds: &[AccessCodeError] = if pos == DATA_SYMBOLS {
                    &[AccessCodeError::Typo]
                } else {
                    &[
                        AccessCodeError::Typo,
                        AccessCodeError::Overflow,
                        AccessCodeError::Symbol,
                    ]
                };
                assert!(expected_kinds.contains(&err), "{text}: {err:?}");
            }
        }
    }
}

#[test]
fn debug_never_shows_the_secret() {
    let code = kat_code();
    assert_eq!(format!("{code:?}"), "AccessCode(..)");
    let keys = code.derive_keys();
    let debug = format!("{keys:?}");
    assert!(
        !debug.contains(KAT_AUTH_KEY)
            && !debug.contains(KAT_RB)
            && !debug.contains(KAT_REPORTER_SK)
    );
    assert!(debug.contains(KAT_REPORTER_PK));
}
