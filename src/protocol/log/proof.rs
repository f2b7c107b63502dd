//! Hashing and proof verification, written straight from RFC 9162 §2.1 and deliberately sharing
//! no code with the tree that produces the proofs (`server::store::log_tree`), so a bug in one
//! does not hide in the other. The verifiers are the algorithms of §2.1.3.2 (inclusion) and
//! §2.1.4.2 (consistency), with `fn`/`sn` bit shifting, plus the edge cases the RFC leaves out
//! (see [`verify_consistency`]). Everything here is public data: no constant-time needs.

use ring::digest::{Context, SHA256};

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = Context::new(&SHA256);
    for part in parts {
        ctx.update(part);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// The Merkle tree hash of the empty tree, `SHA-256("")`.
pub fn empty_root() -> [u8; 32] {
    sha256(&[])
}

/// `SHA-256(0x00 || leaf)`.
pub fn leaf_hash(leaf: &[u8]) -> [u8; 32] {
    sha256(&[&[0x00], leaf])
}

/// `SHA-256(0x01 || l || r)`.
pub fn node_hash(l: &[u8; 32], r: &[u8; 32]) -> [u8; 32] {
    sha256(&[&[0x01], l, r])
}

/// RFC 9162 §2.1.3.2: whether `path` proves the leaf with hash `leaf_hash` sits at `index` in
/// the tree of `size` leaves whose root is `root`.
pub fn verify_inclusion(
    leaf_hash: &[u8; 32],
    index: u64,
    size: u64,
    path: &[[u8; 32]],
    root: &[u8; 32],
) -> bool {
    // Step 1.
    if index >= size {
        return false;
    }
    // Steps 2, 3.
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf_hash;
    // Step 4.
    for p in path {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            // Step 4.2: a no-op when LSB(fn) is set.
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 5.
    sn == 0 && r == *root
}

/// RFC 9162 §2.1.4.2: whether `path` proves the tree of `new` leaves with root `new_root`
/// extends the tree of `old` leaves with root `old_root`.
///
/// The RFC's algorithm covers `0 < old < new`. The rest, as most logs do it: `old == new` needs
/// an empty path and equal roots; `old == 0` needs an empty path and `old_root` equal to the
/// empty tree's hash (every tree extends the empty tree); `old > new` always fails.
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &[u8; 32],
    new_root: &[u8; 32],
    path: &[[u8; 32]],
) -> bool {
    if old > new {
        return false;
    }
    if old == 0 {
        return path.is_empty() && *old_root == empty_root();
    }
    if old == new {
        return path.is_empty() && old_root == new_root;
    }
    // Step 1.
    if path.is_empty() {
        return false;
    }
    // Step 2: a power-of-two old tree is itself a node of the new tree, so the proof omits it.
    let mut full: Vec<[u8; 32]> = Vec::with_capacity(path.len() + 1);
    if old.is_power_of_two() {
        full.push(*old_root);
    }
    full.extend_from_slice(path);
    // Step 3.
    let (mut fn_, mut sn) = (old - 1, new - 1);
    // Step 4.
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 5.
    let (mut fr, mut sr) = (full[0], full[0]);
    // Step 6.
    for c in &full[1..] {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            // Step 6.3: a no-op when LSB(fn) is set.
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 7.
    fr == *old_root && sr == *new_root && sn == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(hex: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    // Roots and proofs of the RFC 6962 test tree (the eight leaves of tests/log_tree.rs), as in
    // the Certificate Transparency and transparency-dev test suites.
    const ROOT3: &str = "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77";
    const ROOT7: &str = "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c";
    const ROOT8: &str = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328";
    const ROOT2: &str = "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125";
    const ROOT5: &str = "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4";
    const ROOT6: &str = "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef";
    const P96: &str = "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7";
    const P5F: &str = "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e";
    const P6B: &str = "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4";
    const P0E: &str = "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a";
    const PCA: &str = "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0";
    const PD3: &str = "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7";
    const PBC: &str = "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b";

    #[test]
    fn hashes_are_domain_separated_sha256() {
        assert_eq!(
            empty_root(),
            h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert_eq!(
            leaf_hash(b""),
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
        );
        assert_eq!(node_hash(&leaf_hash(b""), &leaf_hash(&[0x00])), h(ROOT2));
    }

    #[test]
    fn rfc6962_inclusion_vectors() {
        let leaf0 = leaf_hash(b"");
        let path = [h(P96), h(P5F), h(P6B)];
        assert!(verify_inclusion(&leaf0, 0, 8, &path, &h(ROOT8)));
        assert!(!verify_inclusion(&leaf0, 1, 8, &path, &h(ROOT8)));
        // The path alone does not bind the size (0 of 7 has the same shape as 0 of 8); the
        // root of the claimed size does.
        assert!(!verify_inclusion(&leaf0, 0, 7, &path, &h(ROOT7)));
        assert!(!verify_inclusion(&leaf0, 0, 9, &path, &h(ROOT8)));
        assert!(!verify_inclusion(&leaf0, 0, 8, &path[..2], &h(ROOT8)));
        assert!(!verify_inclusion(&leaf0, 8, 8, &path, &h(ROOT8)));

        let leaf5 = leaf_hash(&[0x40, 0x41, 0x42, 0x43]);
        let path = [h(PBC), h(PCA), h(PD3)];
        assert!(verify_inclusion(&leaf5, 5, 8, &path, &h(ROOT8)));

        let leaf2 = leaf_hash(&[0x10]);
        assert!(verify_inclusion(&leaf2, 2, 3, &[h(ROOT2)], &h(ROOT3)));
        // A one-leaf tree: the root is the leaf hash and the path is empty.
        assert!(verify_inclusion(&leaf0, 0, 1, &[], &leaf0));
        assert!(!verify_inclusion(&leaf0, 0, 1, &[leaf0], &leaf0));
    }

    #[test]
    fn rfc6962_consistency_vectors() {
        let root1 = leaf_hash(b"");
        let p1 = [h(P96), h(P5F), h(P6B)];
        assert!(verify_consistency(1, 8, &root1, &h(ROOT8), &p1));
        let p6 = [h(P0E), h(PCA), h(PD3)];
        assert!(verify_consistency(6, 8, &h(ROOT6), &h(ROOT8), &p6));
        let p2 = [h(P5F), h(PBC)];
        assert!(verify_consistency(2, 5, &h(ROOT2), &h(ROOT5), &p2));
        assert!(!verify_consistency(2, 6, &h(ROOT2), &h(ROOT6), &p2));
        assert!(!verify_consistency(2, 4, &h(ROOT2), &h(ROOT5), &p2));
        assert!(!verify_consistency(3, 5, &h(ROOT2), &h(ROOT5), &p2));
        assert!(!verify_consistency(2, 5, &h(ROOT3), &h(ROOT5), &p2));
        assert!(!verify_consistency(2, 5, &h(ROOT2), &h(ROOT5), &p2[..1]));
        assert!(!verify_consistency(2, 5, &h(ROOT2), &h(ROOT5), &[]));
    }

    #[test]
    fn consistency_edge_cases() {
        let r = h(ROOT5);
        assert!(verify_consistency(5, 5, &r, &r, &[]));
        assert!(!verify_consistency(5, 5, &r, &h(ROOT6), &[]));
        assert!(!verify_consistency(5, 5, &r, &r, &[r]));
        assert!(verify_consistency(0, 5, &empty_root(), &r, &[]));
        assert!(!verify_consistency(0, 5, &r, &r, &[]));
        assert!(!verify_consistency(0, 5, &empty_root(), &r, &[r]));
        assert!(!verify_consistency(6, 5, &r, &r, &[]));
    }
}
