//! Authentication: `mysql_native_password` against `root` and config `root_password`
//! (StarRocks AuthenticationHandler / MysqlPassword), and the random scramble.

use crate::error::SqlError;
use sha1::{Digest, Sha1};
use starload_proto::error_code;

/// Length of the scramble (`SCRAMBLE_LENGTH`).
pub const SCRAMBLE_LEN: usize = 20;

/// A fresh scramble: printable ASCII without `$` (MySQL's generate_user_salt range), so the
/// NUL-terminated second part of the handshake stays intact.
pub fn new_scramble() -> [u8; SCRAMBLE_LEN] {
    use rand::Rng;
    let mut rng = rand::rng();
    let mut s = [0u8; SCRAMBLE_LEN];
    for b in s.iter_mut() {
        let mut c = rng.random_range(33u8..=126);
        if c == b'$' {
            c = b'%';
        }
        *b = c;
    }
    s
}

/// `SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password)))`: what a client sends.
pub fn native_password_token(password: &[u8], scramble: &[u8]) -> Vec<u8> {
    let stage1 = Sha1::digest(password);
    let stage2 = Sha1::digest(stage1);
    let mut h = Sha1::new();
    h.update(scramble);
    h.update(stage2);
    let mix = h.finalize();
    stage1.iter().zip(mix.iter()).map(|(a, b)| a ^ b).collect()
}

/// Checks a login. `Err` carries the 1045 error StarRocks sends.
pub fn check_login(
    user: &str,
    auth_response: &[u8],
    scramble: &[u8],
    root_password: &str,
) -> Result<(), SqlError> {
    let using = if auth_response.is_empty() {
        "NO"
    } else {
        "YES"
    };
    let denied = || SqlError::code(error_code::ERR_AUTHENTICATION_FAIL, &[user, using]);
    if user != "root" {
        return Err(denied());
    }
    let ok = if root_password.is_empty() {
        auth_response.is_empty()
    } else {
        !auth_response.is_empty()
            && native_password_token(root_password.as_bytes(), scramble) == auth_response
    };
    if ok {
        Ok(())
    } else {
        Err(denied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scramble_is_printable_and_random() {
        let a = new_scramble();
        let b = new_scramble();
        assert_ne!(a, b);
        assert!(a.iter().all(|c| (33..=126).contains(c) && *c != b'$'));
    }

    #[test]
    fn native_password_round_trip() {
        let s = new_scramble();
        let token = native_password_token(b"secret", &s);
        assert!(check_login("root", &token, &s, "secret").is_ok());
        let e = check_login("root", &token, &s, "other").unwrap_err();
        assert_eq!(
            (e.errno, e.sqlstate.as_str(), e.message.as_str()),
            (
                1045,
                "28000",
                "Access denied for user 'root' (using password: YES)"
            )
        );
        assert!(check_login("root", b"", &s, "").is_ok());
        assert_eq!(
            check_login("bob", b"", &s, "").unwrap_err().message,
            "Access denied for user 'bob' (using password: NO)"
        );
        assert!(check_login("root", b"", &s, "secret").is_err());
    }
}
