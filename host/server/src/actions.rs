//! The action-link pages: plain HTML forms that work without JavaScript. A notification's
//! link opens a confirmation page (GET changes nothing); the form's POST uses the token, once.
//! A token is refused when it expired, was used, belongs to another draft, or the draft's text
//! changed since the notification was sent.

use crate::auth::ClientIp;
use crate::error::ApiError;
use crate::review::{self, Actor};
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dailyx_store::{ActionToken, Draft};
use serde::Deserialize;
use std::collections::HashMap;

/// `?draft=<id>` on an action link.
#[derive(Debug, Deserialize)]
pub struct DraftParam {
    draft: Option<String>,
}

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} · Daily X Agent</title><style>\
         body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#111}}\
         .tweet{{border:1px solid #ccc;border-radius:.5rem;padding:.75rem;margin:.5rem 0;white-space:pre-wrap}}\
         textarea{{width:100%;min-height:6rem;font:inherit}}\
         button{{font:inherit;padding:.5rem 1.25rem;margin-top:1rem}}\
         .error{{color:#a00}}</style></head><body><h1>{t}</h1>{body}</body></html>",
        t = esc(title)
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // The token is in the URL: never send it anywhere else.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn refused(status: StatusCode, message: &str) -> Response {
    page(
        status,
        "This link cannot be used",
        &format!(
            "<p class=\"error\">{}</p><p>Open the review console to act on the draft.</p>",
            esc(message)
        ),
    )
}

fn tweets_html(draft: &Draft) -> String {
    draft
        .tweets
        .iter()
        .map(|t| format!("<div class=\"tweet\">{}</div>", esc(&t.text)))
        .collect()
}

/// Checks a token against the draft it is used on; why it does not fit, if it does not.
fn check(
    token: &ActionToken,
    draft_param: Option<&str>,
    draft: &Draft,
) -> Result<(), (StatusCode, &'static str)> {
    if draft_param.is_some_and(|d| d != token.draft_id) {
        return Err((
            StatusCode::BAD_REQUEST,
            "This link belongs to another draft.",
        ));
    }
    if token.content_hash != draft.content_hash {
        return Err((
            StatusCode::CONFLICT,
            "The draft was changed after this link was sent, so the link no longer applies.",
        ));
    }
    Ok(())
}

/// GET: the confirmation page. Changes nothing.
pub async fn confirm(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<DraftParam>,
) -> Response {
    let Ok(Some(t)) = state.store.peek_action_token(&token).await else {
        return refused(
            StatusCode::GONE,
            "This link has expired or was already used.",
        );
    };
    let draft = match state.store.draft(&t.draft_id).await {
        Ok(d) => d,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if let Err((status, why)) = check(&t, q.draft.as_deref(), &draft) {
        return refused(status, why);
    }
    let action_url = format!("/actions/{}", esc(&token));
    let hidden = format!(
        "<input type=\"hidden\" name=\"draft\" value=\"{}\">",
        esc(&draft.id)
    );
    let body = match t.action.as_str() {
        "approve" => format!(
            "<p>Approve this draft for publishing? The policy check runs again on the final text first.</p>{}\
             <form method=\"post\" action=\"{action_url}\">{hidden}<button type=\"submit\">Approve and publish</button></form>",
            tweets_html(&draft)
        ),
        "skip" => format!(
            "<p>Skip this draft? It will not be published.</p>{}\
             <form method=\"post\" action=\"{action_url}\">{hidden}<button type=\"submit\">Skip</button></form>",
            tweets_html(&draft)
        ),
        // Links minted before editing needed a login still reach here.
        "edit" => return edit_needs_login(&state, &draft.id),
        other => {
            return refused(
                StatusCode::BAD_REQUEST,
                &format!("Unknown action `{other}`."),
            );
        }
    };
    page(
        StatusCode::OK,
        &format!("{} draft", capitalise(&t.action)),
        &body,
    )
}

/// Editing changes what gets published to any text at all, so it is never done with a link
/// token (which anyone holding the message has, and which names nobody): the reviewer edits in
/// the console, logged in, and sees the final text before approving it. The token is not spent.
fn edit_needs_login(state: &AppState, draft_id: &str) -> Response {
    let url = dailyx_store::console_edit_url(&state.settings.public_url, draft_id);
    page(
        StatusCode::FORBIDDEN,
        "Edit in the console",
        &format!(
            "<p>Editing a draft needs you to log in: it can change the text to anything, so a \
             link alone cannot do it.</p><p><a href=\"{}\">Open the draft in the console</a></p>",
            esc(&url)
        ),
    )
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// POST: uses the token (once) and acts.
pub async fn act(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    // Read before use, so a link for a changed draft is refused without being spent.
    let Ok(Some(peeked)) = state.store.peek_action_token(&token).await else {
        return refused(
            StatusCode::GONE,
            "This link has expired or was already used.",
        );
    };
    let draft = match state.store.draft(&peeked.draft_id).await {
        Ok(d) => d,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if let Err((status, why)) = check(&peeked, form.get("draft").map(String::as_str), &draft) {
        return refused(status, why);
    }
    if peeked.action == "edit" {
        return edit_needs_login(&state, &draft.id);
    }
    // Single use: of two concurrent posts, one gets the token.
    let t = match state.store.use_action_token(&token).await {
        Ok(Some(t)) => t,
        Ok(None) => {
            return refused(
                StatusCode::GONE,
                "This link has expired or was already used.",
            );
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    let actor = Actor {
        user_id: None,
        ip: ip.to_string(),
        via: "action_link",
    };
    let result = match t.action.as_str() {
        "approve" => review::approve(&state, &actor, &t.draft_id, &t.content_hash, None)
            .await
            .map(|_| "The draft is approved and being published."),
        "skip" => review::skip(&state, &actor, &t.draft_id)
            .await
            .map(|_| "The draft is skipped."),
        other => {
            return refused(
                StatusCode::BAD_REQUEST,
                &format!("Unknown action `{other}`."),
            );
        }
    };
    match result {
        Ok(message) => page(StatusCode::OK, "Done", &format!("<p>{}</p>", esc(message))),
        Err(e) => page(
            e.status,
            "Not done",
            &format!(
                "<p class=\"error\">{}</p><p>Open the review console to continue.</p>",
                esc(&e.message)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<b>\"a\" & 'b'</b>"),
            "&lt;b&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/b&gt;"
        );
    }
}
