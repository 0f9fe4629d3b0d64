//! Console login: HTTP Basic (as StarRocks's HTTP API) against the MySQL accounts. The plain
//! password is turned into the token a MySQL client would send for a fresh scramble and
//! checked by `PrivilegeMgr::authenticate`, the MySQL login's own path, so user@host
//! matching, password hashes and login roles are the same as over MySQL.

use crate::context::FeContext;
use crate::error::SqlError;
use crate::privilege::password;
use crate::session::Session;
use crate::variables::SessionVariables;
use axum::http::HeaderMap;
use rand::Rng;
use starload_proto::error_code;
use std::net::SocketAddr;

/// The realm the browser shows in its login prompt.
pub const REALM: &str = "starload";

/// Why a request has no session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginError {
    /// No (or an unreadable) `Authorization: Basic` header: the browser is asked to log in.
    NoCredentials,
    /// Wrong user or password: MySQL's ERR_AUTHENTICATION_FAIL text.
    Denied(SqlError),
}

/// Standard base64 (RFC 4648, padding optional) to bytes; None on any other character.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// `(user, password)` of an `Authorization: Basic` header.
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64_decode(encoded.trim())?).ok()?;
    let (user, pass) = decoded.split_once(':')?;
    Some((user.to_string(), pass.to_string()))
}

/// A session for the request's user, logged in as the MySQL protocol would log them in from
/// `peer`'s address.
pub fn login(
    ctx: &FeContext,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
) -> Result<Session, LoginError> {
    let (user, pass) = basic_credentials(headers).ok_or(LoginError::NoCredentials)?;
    if user.is_empty() {
        return Err(LoginError::NoCredentials);
    }
    let ip = peer
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "127.0.0.1".to_string());
    let mut scramble = [0u8; 20];
    rand::rng().fill(&mut scramble);
    // An empty password is sent as an empty auth response, as MySQL clients do.
    let token = if pass.is_empty() {
        Vec::new()
    } else {
        password::client_token(pass.as_bytes(), &scramble)
    };
    let config = ctx.config.get();
    let vars = SessionVariables::new(ctx.variables.clone(), config.clone());
    let host = peer
        .map(|a| a.to_string())
        .unwrap_or_else(|| format!("{ip}:0"));
    let mut session = Session::new(0, user.clone(), host, vars);
    let activate_all = session.vars.get_bool("activate_all_roles_on_login");
    let principal = ctx
        .privilege
        .authenticate(&user, &ip, &token, &scramble, activate_all)
        .map_err(LoginError::Denied)?;
    session.user = principal.user.clone();
    session.principal = principal;
    Ok(session)
}

/// The error a failed login answers with, for a user name that could not be read.
pub fn no_credentials_error() -> SqlError {
    SqlError::code(error_code::ERR_AUTHENTICATION_FAIL, &["", "NO"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(axum::http::header::AUTHORIZATION, v);
        }
        h
    }

    #[test]
    fn reads_basic_credentials() {
        // "root:" and "alice:p:w" (a colon in the password is the password's).
        assert_eq!(
            basic_credentials(&headers("Basic cm9vdDo=")),
            Some(("root".into(), String::new()))
        );
        assert_eq!(
            basic_credentials(&headers("basic YWxpY2U6cDp3")),
            Some(("alice".into(), "p:w".into()))
        );
        assert_eq!(basic_credentials(&headers("Bearer abc")), None);
        assert_eq!(basic_credentials(&headers("Basic !!!")), None);
        assert_eq!(basic_credentials(&HeaderMap::new()), None);
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(
                base64_decode(enc).as_deref(),
                Some(plain.as_bytes()),
                "{enc}"
            );
        }
    }
}
