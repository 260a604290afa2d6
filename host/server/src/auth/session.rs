//! Session ids, CSRF tokens and their cookies.
//!
//! A session id is 32 random bytes (hex) in an HttpOnly, SameSite=Strict cookie; the database
//! keeps only its sha256. The session's CSRF token is derived from the id
//! (HMAC-SHA256(id, "dailyx-csrf")), so it can be handed out again at any time without being
//! stored, and cannot be computed by anyone who cannot read the cookie. Before login, a
//! random `dailyx_csrf` cookie is the double-submit token for the login form.

use cookie::{Cookie, SameSite};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "dailyx_session";
/// The pre-login CSRF cookie's name.
pub const LOGIN_CSRF_COOKIE: &str = "dailyx_csrf";
/// The header carrying the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// 32 random bytes, hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The CSRF token of session `session_id`.
pub fn csrf_for(session_id: &str) -> String {
    // HMAC accepts keys of any length: this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(session_id.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(b"dailyx-csrf");
    hex::encode(mac.finalize().into_bytes())
}

/// Compares two tokens in time independent of where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A `Set-Cookie` value.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
        .to_string()
}

/// A `Set-Cookie` value that deletes cookie `name`.
pub fn clear_cookie(name: &str, secure: bool) -> String {
    set_cookie(name, "", 0, secure)
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn read_cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_is_bound_to_the_session() {
        let a = random_token();
        let b = random_token();
        assert_eq!(csrf_for(&a), csrf_for(&a));
        assert_ne!(csrf_for(&a), csrf_for(&b));
        assert!(same_token(&csrf_for(&a), &csrf_for(&a)));
        assert!(!same_token(&csrf_for(&a), &csrf_for(&b)));
        assert!(!same_token("ab", "abc"));
    }

    #[test]
    fn cookies_are_http_only_and_strict() {
        let c = set_cookie(SESSION_COOKIE, "v", 60, true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"));
        let c = set_cookie(SESSION_COOKIE, "v", 60, false);
        assert!(!c.contains("Secure"));
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            axum::http::header::COOKIE,
            "a=1; dailyx_session=xyz".parse().unwrap(),
        );
        assert_eq!(
            read_cookie(&headers, SESSION_COOKIE).as_deref(),
            Some("xyz")
        );
        assert_eq!(read_cookie(&headers, "missing"), None);
    }
}
