//! `mysql_native_password` (StarRocks `MysqlPassword`): what is stored and how a login is
//! checked. Only `SHA1(SHA1(password))` is ever stored, printed as `*` + 40 upper-case hex
//! digits (what `PASSWORD('x')` returns); the plain password never reaches the store.

use sha1::{Digest, Sha1};

/// Length of a printed hash: `*` + 40 hex digits.
pub const HASH_TEXT_LEN: usize = 41;

/// `*HEX` of `SHA1(SHA1(password))`; the empty password stays empty (no password).
pub fn scrambled(password: &str) -> String {
    if password.is_empty() {
        return String::new();
    }
    let stage2 = Sha1::digest(Sha1::digest(password.as_bytes()));
    let mut s = String::with_capacity(HASH_TEXT_LEN);
    s.push('*');
    for b in stage2 {
        s.push_str(&format!("{b:02X}"));
    }
    s
}

/// True when `text` is a printed hash (`*` + 40 hex digits) or empty.
pub fn is_valid_hash(text: &str) -> bool {
    text.is_empty()
        || (text.len() == HASH_TEXT_LEN
            && text.starts_with('*')
            && text[1..].bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The 20 stored bytes of a printed hash (None for the empty password or a bad hash).
fn stage2_of(hash: &str) -> Option<[u8; 20]> {
    if hash.len() != HASH_TEXT_LEN || !hash.starts_with('*') {
        return None;
    }
    let mut out = [0u8; 20];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(hash.get(1 + 2 * i..3 + 2 * i)?, 16).ok()?;
    }
    Some(out)
}

/// `SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password)))`: what a client sends.
pub fn client_token(password: &[u8], scramble: &[u8]) -> Vec<u8> {
    let stage1 = Sha1::digest(password);
    let stage2 = Sha1::digest(stage1);
    let mut h = Sha1::new();
    h.update(scramble);
    h.update(stage2);
    let mix = h.finalize();
    stage1.iter().zip(mix.iter()).map(|(a, b)| a ^ b).collect()
}

/// Checks a client's auth response against a stored hash (`MysqlPassword.checkScramble`):
/// an empty hash accepts only an empty response, a set one only the matching token.
pub fn check(auth_response: &[u8], scramble: &[u8], stored_hash: &str) -> bool {
    if stored_hash.is_empty() {
        return auth_response.is_empty();
    }
    let Some(stage2) = stage2_of(stored_hash) else {
        return false;
    };
    if auth_response.len() != 20 {
        return false;
    }
    let mut h = Sha1::new();
    h.update(scramble);
    h.update(stage2);
    let mix = h.finalize();
    let stage1: Vec<u8> = auth_response
        .iter()
        .zip(mix.iter())
        .map(|(a, b)| a ^ b)
        .collect();
    Sha1::digest(&stage1).as_slice() == stage2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_function_matches_mysql() {
        // MySQL: SELECT PASSWORD('secret') = '*14E65567ABDB5135D0CFD9A70B3032C179A49EE7'.
        assert_eq!(
            scrambled("secret"),
            "*14E65567ABDB5135D0CFD9A70B3032C179A49EE7"
        );
        assert_eq!(scrambled(""), "");
        assert!(is_valid_hash(&scrambled("x")));
        assert!(!is_valid_hash("*12"));
        assert!(!is_valid_hash("secret"));
    }

    #[test]
    fn login_check_accepts_only_the_right_token() {
        let scramble = b"abcdefghijklmnopqrst";
        let stored = scrambled("pw1");
        assert!(check(&client_token(b"pw1", scramble), scramble, &stored));
        assert!(!check(&client_token(b"pw2", scramble), scramble, &stored));
        assert!(!check(b"", scramble, &stored));
        assert!(!check(&[0u8; 7], scramble, &stored));
        assert!(check(b"", scramble, ""));
        assert!(!check(&client_token(b"pw1", scramble), scramble, ""));
    }
}
