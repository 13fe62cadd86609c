//! Open311 GeoReport v2 (STANDARDS §9.3, followed exactly; docs/open311.md): outside apps
//! list the services (事项分类), read a service's definition, file a work order (工单) with an
//! api key issued by the security administrator, and follow orders by id or token.
//!
//! - `/open311/discovery.{xml,json}`: the discovery document;
//! - `/open311/v2/services.{xml,json}`, `/open311/v2/services/{code}.{xml,json}`;
//! - `/open311/v2/requests.{xml,json}` GET (filters) and POST (form-urlencoded, `api_key`);
//! - `/open311/v2/requests/{id}.{xml,json}`, `/open311/v2/tokens/{token}.{xml,json}`.
//!
//! The format is the path's suffix (`.xml` or `.json`). `jurisdiction_id` is optional; when
//! given it must be the home division's code (e.g. `440800`). Not part of `/api/v1` nor of its
//! OpenAPI document: the specification is the contract. No session is resolved on these paths
//! (see `crate::session`): a POST carries its api key, not a cookie, so it needs no anti-forgery
//! token.

pub mod doc;
pub mod errors;
mod requests;
mod services;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use doc::Doc;
pub use errors::Open311Error;

/// Where the Open311 paths start.
pub const PREFIX: &str = "/open311/";

/// The answer format, from the path's suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
}

impl Format {
    /// The format an answer to `path` is given in when the path names none: XML, the
    /// specification's required format.
    pub fn of_path(path: &str) -> Format {
        if path.ends_with(".json") {
            Format::Json
        } else {
            Format::Xml
        }
    }
}

/// Splits `name.xml` / `name.json` into the name and the format.
pub fn split_format(file: &str) -> Option<(&str, Format)> {
    if let Some(stem) = file.strip_suffix(".xml") {
        Some((stem, Format::Xml))
    } else {
        file.strip_suffix(".json").map(|stem| (stem, Format::Json))
    }
}

/// The answer of `doc` in `format` with `status`.
pub fn respond(format: Format, status: StatusCode, doc: &Doc) -> Response {
    let (body, ct) = match format {
        Format::Xml => (doc.xml(), "text/xml; charset=utf-8"),
        Format::Json => (doc.json(), "application/json; charset=utf-8"),
    };
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    r
}

/// A refusal made before a handler ran (a NUL in the input), in the specification's format.
pub fn refusal(path: &str, e: yiwang_kernel::Error) -> Response {
    Open311Error::from(e).response(Format::of_path(path))
}

/// The arguments of a request (query string or form body). Empty values are absent
/// (STANDARDS §9.3: "empty ≡ absent").
#[derive(Debug, Default, Clone)]
pub struct Args(Vec<(String, String)>);

impl Args {
    pub fn parse(bytes: &[u8]) -> Args {
        Args(
            form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.trim().to_string()))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name` (a repeated argument).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The values of a comma list, trimmed, empties dropped.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.all(name)
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    /// Adds the pairs of `other` after these (a POST's query string and its body).
    pub fn extend(&mut self, other: Args) {
        self.0.extend(other.0);
    }
}

/// Checks `jurisdiction_id`: absent, or the home division's code; anything else is 404.
pub fn check_jurisdiction(state: &AppState, args: &Args) -> Result<(), Open311Error> {
    match args.get("jurisdiction_id") {
        None => Ok(()),
        Some(j) if j == state.config.home_division.to_string() => Ok(()),
        Some(j) => Err(Open311Error::not_found("jurisdiction_id", j)),
    }
}

/// The Open311 routes (no session, no anti-forgery token: see the module's documentation).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/open311/{file}", get(services::discovery))
        .route(
            "/open311/v2/{file}",
            get(requests::top_get).post(requests::post),
        )
        .route("/open311/v2/services/{file}", get(services::definition))
        .route("/open311/v2/requests/{file}", get(requests::one))
        .route("/open311/v2/tokens/{file}", get(requests::token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_arguments() {
        assert_eq!(
            split_format("services.xml"),
            Some(("services", Format::Xml))
        );
        assert_eq!(split_format("a.b.json"), Some(("a.b", Format::Json)));
        assert_eq!(split_format("services.html"), None);
        let a = Args::parse(b"service_code=A,%20B,&service_code=C&status=&x=1");
        assert_eq!(a.list("service_code"), vec!["A", "B", "C"]);
        assert_eq!(a.get("status"), None);
        assert_eq!(a.get("x"), Some("1"));
    }
}
