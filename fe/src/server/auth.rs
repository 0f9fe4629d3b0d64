//! The per-connection random scramble of the handshake. The password check itself
//! (mysql_native_password against the stored hash) lives in `privilege::password`.

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
}
