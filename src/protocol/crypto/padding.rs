//! Length hiding for item plaintexts, DESIGN.md §3.5: Padmé lengths (PURBs paper), at least
//! 1 KiB, with ISO/IEC 7816-4 padding (`0x80` then zeros).
//!
//! Contract: `pad` output is `padme_len(pt.len())` bytes and `unpad(pad(x)) == x`. Above 1 KiB a
//! padded length exceeds the plaintext by at most 12 %. `unpad` strips trailing zeros and one
//! `0x80` and rejects anything else; it does not check that the length is a Padmé length (a
//! sender's padding choice is not an integrity property: the AEAD already authenticated it).
//! The server can refuse non-Padmé ciphertext lengths with [`is_padme_len`].

use zeroize::Zeroizing;

use super::CryptoError;

/// Smallest padded length.
pub const MIN_PADDED_LEN: usize = 1024;

/// Padded length for a plaintext of `plaintext_len` bytes (the `0x80` marker included).
///
/// `L = len + 1`, `E = ⌊log2 L⌋`, `S = ⌊log2 E⌋ + 1`, `mask = 2^(E−S) − 1`,
/// `P = max(1024, (L + mask) & !mask)`. For lengths within a few bits of `usize::MAX` (never a
/// real buffer) the result saturates.
pub fn padme_len(plaintext_len: usize) -> usize {
    let l = plaintext_len.saturating_add(1);
    // Padmé never rounds past the next power of two, so every L ≤ 1024 lands at or below 1024.
    if l <= MIN_PADDED_LEN {
        return MIN_PADDED_LEN;
    }
    let e = l.ilog2();
    let s = e.ilog2() + 1;
    let mask = (1usize << (e - s)) - 1;
    l.saturating_add(mask) & !mask
}

/// Whether `padded_len` is a length [`pad`] can produce.
pub fn is_padme_len(padded_len: usize) -> bool {
    padded_len >= MIN_PADDED_LEN && padme_len(padded_len - 1) == padded_len
}

/// `pt || 0x80 || 0x00…` to `padme_len(pt.len())` bytes.
pub fn pad(pt: &[u8]) -> Zeroizing<Vec<u8>> {
    let len = padme_len(pt.len());
    // One allocation of the final size (plus room for an AEAD tag) so no copy of the plaintext
    // is left behind by a reallocation.
    let mut out = Zeroizing::new(Vec::with_capacity(len + 16));
    out.extend_from_slice(pt);
    out.push(0x80);
    out.resize(len, 0);
    out
}

/// The plaintext inside ISO/IEC 7816-4 padding.
pub fn unpad(padded: &[u8]) -> Result<&[u8], CryptoError> {
    let marker = padded
        .iter()
        .rposition(|&b| b != 0)
        .ok_or(CryptoError::Padding)?;
    if padded[marker] != 0x80 {
        return Err(CryptoError::Padding);
    }
    Ok(&padded[..marker])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_lengths() {
        // From the formula, computed independently in Python.
        let cases = [
            (0, 1024),
            (1022, 1024),
            (1023, 1024),
            (1024, 1088),
            (1100, 1152),
            (2000, 2048),
            (5000, 5120),
            (65536, 67584),
            (100_000, 100_352),
        ];
        for (n, p) in cases {
            assert_eq!(padme_len(n), p, "padme_len({n})");
        }
    }

    #[test]
    fn overhead_at_most_12_percent_above_1kib() {
        let check = |n: usize| {
            let p = padme_len(n);
            assert!(p > n, "padme_len({n}) = {p}");
            assert!((p - n) as f64 <= 0.12 * n as f64, "padme_len({n}) = {p}");
            assert!(is_padme_len(p), "padme_len({n}) = {p} is not a fixed point");
        };
        (1024..300_000).for_each(check);
        // The worst cases sit just past a power of two; probe around each up to 2^40.
        for k in 10..40 {
            for d in 0..64 {
                check((1usize << k) + d);
                check((1usize << k) - 1 - d);
            }
        }
        for n in 0..1024 {
            assert_eq!(padme_len(n), 1024);
        }
    }

    #[test]
    fn padded_lengths_are_fixed_points() {
        assert!(is_padme_len(1024) && is_padme_len(1088) && is_padme_len(67584));
        assert!(
            !is_padme_len(1023) && !is_padme_len(1025) && !is_padme_len(1087) && !is_padme_len(0)
        );
    }

    #[test]
    fn round_trips() {
        let lengths = (0..2100).chain([4095, 4096, 4097, 65535, 65536, 65537, 300_000]);
        for n in lengths {
            let pt: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
            let padded = pad(&pt);
            assert_eq!(padded.len(), padme_len(n));
            assert_eq!(padded[n], 0x80);
            assert_eq!(unpad(&padded).unwrap(), pt.as_slice());
        }
        // Plaintexts that themselves end in 0x80 or zeros survive.
        for pt in [&b"\x80"[..], b"\x00\x00", b"a\x80\x00"] {
            assert_eq!(unpad(&pad(pt)).unwrap(), pt);
        }
    }

    #[test]
    fn unpad_rejects_bad_padding() {
        assert_eq!(unpad(&[]), Err(CryptoError::Padding));
        assert_eq!(unpad(&[0; 1024]), Err(CryptoError::Padding));
        let mut p = pad(b"hello").to_vec();
        p[5] = 0x81;
        assert_eq!(unpad(&p), Err(CryptoError::Padding));
        let mut p = pad(b"hello").to_vec();
        p[1023] = 1;
        assert_eq!(unpad(&p), Err(CryptoError::Padding));
        assert_eq!(unpad(b"hello"), Err(CryptoError::Padding));
    }
}
