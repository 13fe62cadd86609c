//! The specification's error answer: HTTP 400 (a missing argument or a bad value), 403 (the
//! `api_key`), 404 (an unknown jurisdiction, service code, token or request), with a body that
//! is an array of `{code, description}` (`<errors><error>…</error></errors>` in XML).
//!
//! `code` is the HTTP status; `description` names the argument and the rule in Chinese and in
//! English, as every input error of the platform does.

use axum::http::StatusCode;
use axum::response::Response;
use yiwang_kernel::{Error, ErrorCode};

use super::Format;
use super::doc::{Doc, Node};

/// One Open311 error answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Open311Error {
    pub status: u16,
    pub description: String,
}

impl Open311Error {
    /// 400 naming `arg`: what is wrong with it in both languages.
    pub fn bad_arg(arg: &str, zh: &str, en: &str) -> Open311Error {
        Open311Error {
            status: 400,
            description: format!("{arg}：{zh} / {arg}: {en}"),
        }
    }

    /// 400: a required argument is missing.
    pub fn missing(arg: &str) -> Open311Error {
        Open311Error::bad_arg(arg, "缺少必填参数", "required argument is missing")
    }

    /// 404 for `what` (`jurisdiction_id`, `service_code`, `token`, `service_request_id`).
    pub fn not_found(what: &str, value: &str) -> Open311Error {
        Open311Error {
            status: 404,
            description: format!("{what}={value}：不存在 / {what}={value}: not found"),
        }
    }

    /// 403: the api key is missing, unknown or revoked.
    pub fn api_key() -> Open311Error {
        Open311Error {
            status: 403,
            description: "api_key：缺少或无效（向安全管理员申请） / api_key: missing or invalid \
                          (ask the security administrator for one)"
                .into(),
        }
    }

    /// The answer in `format`.
    pub fn response(&self, format: Format) -> Response {
        let doc = Doc::list(
            "errors",
            "error",
            vec![Node::Object(vec![
                ("code", Node::number(self.status)),
                ("description", Node::text(self.description.clone())),
            ])],
        );
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        super::respond(format, status, &doc)
    }
}

impl From<Error> for Open311Error {
    /// A domain error in the specification's terms: the api key's refusal is 403, a missing
    /// record 404, an input error 400 naming each field, a failure of ours 500 (logged, never
    /// described).
    fn from(e: Error) -> Open311Error {
        if e.code.as_str() == "open311.api_key" || matches!(e.status(), 401 | 403) {
            return Open311Error::api_key();
        }
        match e.status() {
            404 => Open311Error {
                status: 404,
                description: "未找到 / not found".into(),
            },
            s if s >= 500 => {
                crate::error::log(&e);
                Open311Error {
                    status: 500,
                    description: "服务暂时不可用 / the service failed; try again later".into(),
                }
            }
            s => {
                let mut parts: Vec<String> = e
                    .fields
                    .iter()
                    .map(|f| {
                        format!(
                            "{}：{} / {}: {}",
                            arg_of(&f.field),
                            f.zh,
                            arg_of(&f.field),
                            f.en
                        )
                    })
                    .collect();
                if parts.is_empty() {
                    let (zh, en) = match &e.detail {
                        Some(t) => (t.zh.clone(), t.en.clone()),
                        None => (e.code.zh().to_string(), e.code.en().to_string()),
                    };
                    parts.push(format!("{zh} / {en}"));
                }
                Open311Error {
                    status: if s == ErrorCode::RateLimited.status() {
                        s
                    } else {
                        400
                    },
                    description: parts.join("; "),
                }
            }
        }
    }
}

/// The Open311 argument behind a field of the work order (`content` is `description`…).
fn arg_of(field: &str) -> &str {
    match field {
        "content" => "description",
        "category" => "service_code",
        "point" | "lon" | "lat" => "lat/long",
        "address" => "address_string",
        "contact_phone" => "phone",
        "contact_email" => "email",
        "contact_name" => "first_name/last_name",
        "appeal_type" => "attribute[appeal_type]",
        "confidential" => "attribute[confidential]",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yiwang_kernel::FieldError;

    #[test]
    fn field_errors_name_the_open311_argument() {
        let e = Error::validation(vec![FieldError::new(
            "content",
            "max_chars",
            "不能超过4000个字符",
            "at most 4000 characters",
        )]);
        let o = Open311Error::from(e);
        assert_eq!(o.status, 400);
        assert!(o.description.contains("description：不能超过4000个字符"));
        assert!(
            o.description
                .contains("description: at most 4000 characters")
        );
        assert_eq!(Open311Error::from(Error::not_found()).status, 404);
        assert_eq!(
            Open311Error::from(Error::new(ErrorCode::Forbidden)).status,
            403
        );
    }
}
