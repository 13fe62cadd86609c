//! Request extractors: the caller, JSON bodies and query strings with bilingual field errors.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use yiwang_kernel::auth::{Actor, Ctx};
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::{Error, ErrorCode, FieldError};

use crate::error::ApiError;
use crate::session::{CurrentClient, CurrentSession};

/// Who is calling and from where, resolved by the session layer. Never fails: an unknown caller
/// is anonymous, and the domain decides what anonymous callers may do.
pub struct Caller(pub Ctx);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let actor = match parts.extensions.get::<CurrentClient>() {
            Some(c) => Actor::Client(c.0.clone()),
            None => parts
                .extensions
                .get::<CurrentSession>()
                .and_then(|s| s.0.as_ref())
                .map(|s| s.actor.clone())
                .unwrap_or(Actor::Anonymous),
        };
        let source = crate::proxy::source_of(&parts.extensions);
        Ok(Caller(Ctx::new(actor, source)))
    }
}

fn bad_body(field: String, rule: &str, zh: String, en: String) -> ApiError {
    ApiError(Error::validation(vec![FieldError::new(
        field, rule, zh, en,
    )]))
}

/// The largest JSON body a route takes unless it says less (files go as multipart or raw
/// bodies, with limits of their own).
pub const JSON_MAX: usize = 1024 * 1024;
/// The largest body of sign-in and registration: a few names and a password.
pub const SMALL_JSON: usize = 16 * 1024;

/// A JSON body of at most `MAX` bytes (413 beyond). Malformed JSON is a 400; a value of the
/// wrong type is a 422 naming the field.
pub struct ApiJson<T, const MAX: usize = JSON_MAX>(pub T);

impl<S: Send + Sync, T: DeserializeOwned, const MAX: usize> FromRequest<S> for ApiJson<T, MAX> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.starts_with("application/json"))
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError(
                Error::new(ErrorCode::UnsupportedMedia).with_detail(
                    "请求体须为JSON（Content-Type: application/json）",
                    "The body must be JSON (Content-Type: application/json)",
                ),
            ));
        }
        let (parts, body) = req.into_parts();
        let req = Request::from_parts(
            parts,
            axum::body::Body::new(http_body_util::Limited::new(body, MAX)),
        );
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError(Error::new(ErrorCode::PayloadTooLarge))
                } else {
                    ApiError(Error::new(ErrorCode::BadRequest))
                }
            })?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(v) => Ok(ApiJson(v)),
            Err(e) => {
                let path = e.path().to_string();
                let inner = e.into_inner();
                if inner.is_syntax() || inner.is_eof() {
                    Err(ApiError(Error::new(ErrorCode::BadRequest).with_detail(
                        format!("JSON格式错误（第{}行第{}列）", inner.line(), inner.column()),
                        format!(
                            "Malformed JSON (line {}, column {})",
                            inner.line(),
                            inner.column()
                        ),
                    )))
                } else {
                    let field = if path == "." { String::new() } else { path };
                    Err(bad_body(
                        field,
                        "json.type",
                        format!("取值类型不正确：{inner}"),
                        format!("Wrong value type: {inner}"),
                    ))
                }
            }
        }
    }
}

/// A query string. A value of the wrong type is a 422 naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        parse_query(q).map(ApiQuery)
    }
}

/// Parses a query string or urlencoded form; empty values count as absent (`?division=`).
/// A value of the wrong type is a 422 naming the parameter (the API's rule; pages answer 400,
/// see [`query_field`]).
pub fn parse_query<T: DeserializeOwned>(q: &str) -> Result<T, ApiError> {
    query_field(q).map_err(|f| ApiError(Error::field(f)))
}

/// Parses a query string or urlencoded form; empty values count as absent. The problem names
/// the parameter and the rule `query.type`.
pub fn query_field<T: DeserializeOwned>(q: &str) -> Result<T, FieldError> {
    let cleaned: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form_urlencoded::parse(q.as_bytes()).filter(|(_, v)| !v.trim().is_empty()))
        .finish();
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(cleaned.as_bytes()));
    serde_path_to_error::deserialize::<_, T>(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        FieldError::new(
            if path == "." { String::new() } else { path },
            "query.type",
            format!("参数不正确：{inner}"),
            format!("Invalid parameter: {inner}"),
        )
    })
}

/// Path parameters as `T` (`ApiPath<i64>`, `ApiPath<(String, i64)>`). A segment that does not
/// fit its type — letters for a number, an id beyond `i64` — is a 400 in the error format naming
/// the parameter (its name in the route, `{id}` → `id`) and the rule `path.type`; axum's own
/// `Path` answers a plain-text 400 that names neither.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(rejection) => {
                let params: Vec<(String, String)> =
                    match axum::extract::RawPathParams::from_request_parts(parts, state).await {
                        Ok(raw) => raw
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect(),
                        Err(_) => Vec::new(),
                    };
                Err(ApiError(path_problem(&rejection, &params)))
            }
        }
    }
}

/// The error of a path that does not fit its type; `params` are the route's parameters in
/// order (name, value).
fn path_problem(
    rejection: &axum::extract::rejection::PathRejection,
    params: &[(String, String)],
) -> Error {
    use axum::extract::path::ErrorKind;
    use axum::extract::rejection::PathRejection;
    let PathRejection::FailedToDeserializePathParams(e) = rejection else {
        return Error::internal(format!("path parameters: {rejection}"));
    };
    let by_value = |value: &str| {
        match params {
            [(name, _)] => Some(name.clone()),
            _ => params
                .iter()
                .find(|(_, v)| v == value)
                .map(|(name, _)| name.clone()),
        }
        .unwrap_or_else(|| "(path)".to_string())
    };
    let (field, expected) = match e.kind() {
        ErrorKind::ParseErrorAtKey {
            key, expected_type, ..
        } => (key.clone(), *expected_type),
        ErrorKind::ParseErrorAtIndex {
            index,
            value,
            expected_type,
        } => (
            params
                .get(*index)
                .map(|(name, _)| name.clone())
                .unwrap_or_else(|| by_value(value)),
            *expected_type,
        ),
        ErrorKind::ParseError {
            value,
            expected_type,
        } => (by_value(value), *expected_type),
        ErrorKind::InvalidUtf8InPathParam { key } => {
            return path_refusal(FieldError::new(
                key.clone(),
                "path.utf8",
                "不是有效的UTF-8文本",
                "is not valid UTF-8 text",
            ));
        }
        ErrorKind::DeserializeError { key, message, .. } => {
            return path_refusal(FieldError::new(
                key.clone(),
                "path.type",
                format!("取值不正确：{message}"),
                format!("has an invalid value: {message}"),
            ));
        }
        other => return Error::internal(format!("path parameters: {other}")),
    };
    let f = match integer_range(expected) {
        Some((min, max)) => FieldError::new(
            field,
            "path.type",
            format!("应为 {min} 到 {max} 之间的整数"),
            format!("must be a whole number from {min} to {max}"),
        ),
        None => FieldError::new(
            field,
            "path.type",
            format!("取值不正确（应为 {expected}）"),
            format!("has an invalid value (expected {expected})"),
        ),
    };
    path_refusal(f)
}

/// The range of an integer type by its name (`i64`, `u32` …).
fn integer_range(ty: &str) -> Option<(i128, i128)> {
    Some(match ty {
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" => (i64::MIN.into(), i64::MAX.into()),
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" => (0, u64::MAX.into()),
        _ => return None,
    })
}

/// A 400 naming one path parameter and its rule.
fn path_refusal(f: FieldError) -> Error {
    let e = Error::new(ErrorCode::BadRequest).with_detail(
        format!("路径参数“{}”{}（规则 {}）", f.field, f.zh, f.rule),
        format!("Path parameter “{}” {} (rule {})", f.field, f.en, f.rule),
    );
    Error {
        fields: vec![f],
        ..e
    }
}

/// The language of a page: `?lang=`, then the `yiwang_lang` cookie, then `Accept-Language`.
pub fn lang_of(parts: &Parts) -> Lang {
    if let Some(l) = parts.uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "lang")
            .and_then(|(_, v)| Lang::parse(v))
    }) {
        return l;
    }
    if let Some(l) =
        crate::session::cookie(&parts.headers, "yiwang_lang").and_then(|v| Lang::parse(&v))
    {
        return l;
    }
    parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .and_then(Lang::parse)
        .unwrap_or(Lang::Zh)
}
