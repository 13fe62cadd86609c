//! Input refused at the door, whatever the route: text with a NUL character.
//!
//! No text Yiwang keeps or looks up may contain U+0000: PostgreSQL cannot store it in `TEXT`
//! (the statement fails, which used to surface as a 500 on PostgreSQL only), and no form a
//! person fills in can produce it. One layer checks every request before any handler sees it:
//! the path and the query string (`%00`), and the bodies that carry text fields —
//! `application/json` (`"\u0000"`) and `application/x-www-form-urlencoded` (`%00`). Uploaded
//! files (multipart) are data, not text, and pass unchanged. The answer is a 400 `bad_request`
//! naming the field and the rule `text.nul` (JSON for the API and the machine endpoints of the
//! OpenID provider, an error page elsewhere), the same on SQLite and PostgreSQL.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;
use yiwang_kernel::{Error, ErrorCode, FieldError};

use crate::AppState;

/// The rule named in the field error.
pub const RULE: &str = "text.nul";

/// The layer: refuses a request with a NUL in its path, query or text body.
pub async fn refuse_nul(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if let Some(field) = nul_in_uri(&path, req.uri().query()) {
        return answer(&path, refusal(&field));
    }
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let form = ct == "application/x-www-form-urlencoded";
    let json = ct == "application/json" || ct.ends_with("+json");
    if !form && !json {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, state.config.max_upload).await {
        Ok(b) => b,
        Err(_) => return answer(&path, Error::new(ErrorCode::PayloadTooLarge)),
    };
    let found = if form {
        nul_in_pairs(&bytes)
    } else {
        nul_in_json(&bytes)
    };
    if let Some(field) = found {
        return answer(&path, refusal(&field));
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The refusal naming `field`.
pub fn refusal(field: &str) -> Error {
    let field = if field.is_empty() { "(body)" } else { field };
    Error {
        fields: vec![FieldError::new(
            field,
            RULE,
            "不能包含空字符（NUL，U+0000）",
            "must not contain a NUL character (U+0000)",
        )],
        ..Error::new(ErrorCode::BadRequest).with_detail(
            format!("“{field}”含有空字符（NUL），请求无法处理"),
            format!("“{field}” contains a NUL character; the request cannot be processed"),
        )
    }
}

fn answer(path: &str, e: Error) -> Response {
    if path.starts_with("/api/") {
        crate::error::json_response(&e)
    } else if path.starts_with(crate::open311::PREFIX) {
        crate::open311::refusal(path, e)
    } else if crate::session::SESSIONLESS_PATHS.contains(&path) {
        crate::oidc::protocol_error(&e, "")
    } else {
        crate::pages::error_page(&e)
    }
}

/// The first parameter with a NUL (`path` for the path itself).
fn nul_in_uri(path: &str, query: Option<&str>) -> Option<String> {
    if has_encoded_nul(path) {
        return Some("path".into());
    }
    nul_in_pairs(query?.as_bytes())
}

fn has_encoded_nul(s: &str) -> bool {
    s.as_bytes().windows(3).any(|w| w == b"%00")
}

/// The first name or value of urlencoded pairs that decodes to text with a NUL.
fn nul_in_pairs(bytes: &[u8]) -> Option<String> {
    if !bytes.contains(&0) && !has_encoded_nul(&String::from_utf8_lossy(bytes)) {
        return None;
    }
    form_urlencoded::parse(bytes)
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| k.replace('\0', ""))
}

/// The path (`a.b[0]`) of the first JSON string or key with a NUL. Malformed JSON is left to
/// the handler to refuse.
fn nul_in_json(bytes: &[u8]) -> Option<String> {
    if !bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return None;
    }
    let v: Value = serde_json::from_slice(bytes).ok()?;
    find_nul(&v, String::new())
}

fn find_nul(v: &Value, at: String) -> Option<String> {
    match v {
        Value::String(s) if s.contains('\0') => Some(at),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| find_nul(x, format!("{at}[{i}]"))),
        Value::Object(m) => m.iter().find_map(|(k, x)| {
            let here = if at.is_empty() {
                k.replace('\0', "")
            } else {
                format!("{at}.{}", k.replace('\0', ""))
            };
            if k.contains('\0') {
                Some(here)
            } else {
                find_nul(x, here)
            }
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_where_it_hides() {
        assert_eq!(nul_in_uri("/api/v1/items/a%00", None), Some("path".into()));
        assert_eq!(
            nul_in_uri("/api/v1/progress", Some("case_no=a%00&credential=1")),
            Some("case_no".into())
        );
        assert_eq!(nul_in_uri("/api/v1/progress", Some("q=%2500")), None);
        assert_eq!(
            nul_in_pairs(b"username=ab%00c&password=x"),
            Some("username".into())
        );
        assert_eq!(nul_in_pairs(b"a=1&b%00=2"), Some("b".into()));
        assert_eq!(nul_in_pairs(b"a=1&b=2"), None);
        assert_eq!(
            nul_in_json(br#"{"items":[{"name":"x\u0000"}]}"#),
            Some("items[0].name".into())
        );
        assert_eq!(nul_in_json(br#"{"a":"\\u0000"}"#), None);
        assert_eq!(nul_in_json(br#"{"a":"x\u0000"#), None);
        assert_eq!(nul_in_json(br#""\u0000""#), Some(String::new()));
    }
}
