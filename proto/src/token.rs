//! Proof that a backend holds the cluster token, without sending it back.
//!
//! The FE's heartbeat carries its token (checked by a BE that has one) and a fresh nonce; a BE
//! with a token answers `proof(token, nonce)`. A BE configured without a token accepts any FE,
//! so without the proof an FE could not tell it from a BE of its own cluster.

use sha1::{Digest, Sha1};

const BLOCK: usize = 64;

/// HMAC-SHA1 (RFC 2104) of `nonce` keyed by `token`.
pub fn proof(token: &str, nonce: &[u8]) -> Vec<u8> {
    let mut key = [0u8; BLOCK];
    if token.len() > BLOCK {
        key[..20].copy_from_slice(&Sha1::digest(token.as_bytes()));
    } else {
        key[..token.len()].copy_from_slice(token.as_bytes());
    }
    let pad = |b: u8| key.map(|k| k ^ b);
    let inner = Sha1::new()
        .chain_update(pad(0x36))
        .chain_update(nonce)
        .finalize();
    Sha1::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// RFC 2202 test cases 1 and 2; a key longer than a block is hashed first.
    #[test]
    fn rfc2202_vectors() {
        assert_eq!(
            hex(&proof(&"\x0b".repeat(20), b"Hi There")),
            "b617318655057264e28bc0b6fb378c8ef146be00"
        );
        assert_eq!(
            hex(&proof("Jefe", b"what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        let k = "k".repeat(80);
        assert_ne!(proof(&k, b"n"), proof(&k[..79], b"n"));
        assert_ne!(proof(&k, b"n"), proof(&k, b"m"));
    }
}
