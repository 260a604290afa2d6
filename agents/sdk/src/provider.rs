//! Helpers for `provider` components: one HTTP exchange sorted into what it says about the
//! post (certainly not created, maybe created, rate limited, refused), so every provider
//! reports failures the same way and the host can decide about retries and reconciliation.
//!
//! Credentials are never handled here: the host attaches them to requests the grant allows.

use crate::http;
use crate::model::ProviderError;
use serde::de::DeserializeOwned;

/// A request a provider sends.
pub struct Call<'a> {
    /// The method.
    pub method: http::Method,
    /// Absolute URL.
    pub url: &'a str,
    /// Extra headers (content type, idempotency key); never credentials.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Option<Vec<u8>>,
    /// Timeout for the whole exchange (capped by the grant); the grant's when `None`.
    pub timeout_ms: Option<u32>,
}

impl<'a> Call<'a> {
    /// A POST of `body` as JSON.
    pub fn post_json(url: &'a str, body: &serde_json::Value) -> Call<'a> {
        Call {
            method: http::Method::Post,
            url,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Some(body.to_string().into_bytes()),
            timeout_ms: None,
        }
    }

    /// A GET.
    pub fn get(url: &'a str) -> Call<'a> {
        Call {
            method: http::Method::Get,
            url,
            headers: Vec::new(),
            body: None,
            timeout_ms: None,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Call<'a> {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends it; a non-2xx answer becomes the [`ProviderError`] it means.
    pub fn send(self) -> Result<http::Response, ProviderError> {
        let request = http::Request {
            method: self.method,
            url: self.url.to_owned(),
            headers: self.headers,
            body: self.body,
            timeout_ms: self.timeout_ms,
        };
        let response = http::fetch(&request).map_err(from_http_error)?;
        check_status(response)
    }

    /// Sends it and parses a 2xx body as JSON.
    pub fn send_json<T: DeserializeOwned>(self) -> Result<T, ProviderError> {
        let url = self.url.to_owned();
        let response = self.send()?;
        serde_json::from_slice(&response.body).map_err(|e| {
            // The network answered 2xx, so the post may exist even though we cannot read
            // its id: the host reconciles.
            ProviderError::Unknown(format!("{url}: answer is not the expected JSON: {e}"))
        })
    }
}

/// What a failed exchange says about the post.
pub fn from_http_error(e: http::HttpError) -> ProviderError {
    match e {
        http::HttpError::Denied(m) => ProviderError::NotSent(format!("denied by the host: {m}")),
        http::HttpError::InvalidRequest(m) => {
            ProviderError::Rejected(format!("invalid request: {m}"))
        }
        // The request may have reached the network and been acted on.
        http::HttpError::Timeout => ProviderError::Unknown("no answer within the timeout".into()),
        http::HttpError::TooLarge(m) => ProviderError::Unknown(format!("too large: {m}")),
        http::HttpError::Transport(m) => ProviderError::Unknown(format!("transport: {m}")),
    }
}

/// A 2xx response, or the error its status means.
pub fn check_status(response: http::Response) -> Result<http::Response, ProviderError> {
    let status = response.status;
    if (200..300).contains(&status) {
        return Ok(response);
    }
    let detail = format!("status {status}: {}", snippet(&response.body));
    Err(match status {
        429 => ProviderError::RateLimited(reset_at(&response.headers)),
        401 | 403 if mentions_duplicate(&response.body) => ProviderError::Duplicate(detail),
        401 | 403 => ProviderError::Unauthorized(detail),
        409 => ProviderError::Duplicate(detail),
        408 | 500..=599 => ProviderError::Unknown(detail),
        _ => ProviderError::Rejected(detail),
    })
}

/// The Unix second a rate limit resets at, from the headers networks use for it: X's
/// `x-rate-limit-reset` and Bluesky's `ratelimit-reset` (Unix seconds), Mastodon's
/// `x-ratelimit-reset` (an ISO 8601 time), or `retry-after` (seconds from now).
pub fn reset_at(headers: &[(String, String)]) -> Option<i64> {
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
    };
    for name in ["x-rate-limit-reset", "ratelimit-reset", "x-ratelimit-reset"] {
        if let Some(v) = get(name) {
            if let Ok(secs) = v.parse::<i64>() {
                return Some(secs);
            }
            if let Some(secs) = parse_iso_utc(&v) {
                return Some(secs);
            }
        }
    }
    let after = get("retry-after")?.parse::<i64>().ok()?;
    Some(crate::clock::now_ms() / 1000 + after)
}

/// Unix seconds of `YYYY-MM-DDTHH:MM:SS[.fff]Z` (UTC only; anything else is `None`).
pub fn parse_iso_utc(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || !text.ends_with('Z') || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    let num = |from: usize, to: usize| text.get(from..to)?.parse::<i64>().ok();
    let (y, m, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hh, mm, ss) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

fn mentions_duplicate(body: &[u8]) -> bool {
    String::from_utf8_lossy(body)
        .to_ascii_lowercase()
        .contains("duplicate")
}

/// The start of a body, for error messages.
pub fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(200).collect();
    if text.chars().count() > 200 {
        out.push('…');
    }
    out
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for Unix ms (what AT Protocol records carry as `createdAt`).
pub fn format_iso_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// One `multipart/form-data` field: name, `(filename, content type)` for a file, the bytes.
pub type FormField<'a> = (&'a str, Option<(&'a str, &'a str)>, &'a [u8]);

/// A `multipart/form-data` body: the boundary and the bytes.
pub fn multipart(fields: &[FormField<'_>]) -> (String, Vec<u8>) {
    let boundary = format!("dailyx-{:x}", crate::clock::monotonic_ns());
    let mut body = Vec::new();
    for (name, file, data) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some((filename, mime)) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {mime}\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (boundary, body)
}

/// A required config value, or a `rejected` error naming the key.
pub fn required_config(key: &str) -> Result<String, ProviderError> {
    match crate::config::get(key) {
        Ok(Some(v)) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
        Ok(_) => Err(ProviderError::Rejected(format!(
            "config key `{key}` is not set for this provider"
        ))),
        Err(e) => Err(ProviderError::Rejected(format!(
            "config key `{key}`: {e:?}"
        ))),
    }
}

/// An optional config value with a default.
pub fn config_or(key: &str, default: &str) -> String {
    match crate::config::get(key) {
        Ok(Some(v)) if !v.trim().is_empty() => v.trim().trim_end_matches('/').to_owned(),
        _ => default.to_owned(),
    }
}

/// Text with HTML tags removed and the common entities decoded (Mastodon stores posts as HTML).
pub fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html
        .replace("<br>", "\n")
        .replace("<br />", "\n")
        .replace("</p><p>", "\n\n")
        .chars()
    {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times_format_and_parse_back() {
        assert_eq!(format_iso_utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_iso_utc(1_709_208_000_123),
            "2024-02-29T12:00:00.123Z"
        );
        assert_eq!(
            parse_iso_utc(&format_iso_utc(1_795_359_600_000)),
            Some(1_795_359_600)
        );
    }

    #[test]
    fn html_is_stripped_to_text() {
        assert_eq!(strip_html("<p>a &amp; b</p><p>c<br>d</p>"), "a & b\n\nc\nd");
    }

    #[test]
    fn iso_times_parse_to_unix_seconds() {
        assert_eq!(parse_iso_utc("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_iso_utc("2026-11-22T15:00:00.000Z"),
            Some(1_795_359_600)
        );
        assert_eq!(parse_iso_utc("2024-02-29T12:00:00Z"), Some(1_709_208_000));
        assert_eq!(parse_iso_utc("2026-11-22 15:00:00"), None);
        assert_eq!(parse_iso_utc("2026-13-22T15:00:00Z"), None);
    }

    #[test]
    fn statuses_sort_into_what_they_say_about_the_post() {
        let r = |status, body: &str, headers: Vec<(String, String)>| http::Response {
            status,
            headers,
            body: body.as_bytes().to_vec(),
        };
        assert!(check_status(r(201, "{}", vec![])).is_ok());
        assert!(matches!(
            check_status(r(
                429,
                "",
                vec![("X-Rate-Limit-Reset".into(), "1700000000".into())]
            )),
            Err(ProviderError::RateLimited(Some(1_700_000_000)))
        ));
        assert!(matches!(
            check_status(r(401, "bad token", vec![])),
            Err(ProviderError::Unauthorized(_))
        ));
        assert!(matches!(
            check_status(r(
                403,
                "You are not allowed to create a Tweet with duplicate content.",
                vec![]
            )),
            Err(ProviderError::Duplicate(_))
        ));
        assert!(matches!(
            check_status(r(503, "", vec![])),
            Err(ProviderError::Unknown(_))
        ));
        assert!(matches!(
            check_status(r(422, "too long", vec![])),
            Err(ProviderError::Rejected(_))
        ));
    }
}
