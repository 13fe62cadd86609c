//! The discovery document, the service list and the service definitions.
//!
//! A service is an active category (事项分类) that no other active category hangs under; its
//! `group` is its parent's name. Every service takes the same two attributes, so each says
//! `metadata=true`: `appeal_type` (诉求类型, default 求助) and `confidential` (保密, default no).

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use yiwang_appeals::AppealType;

use super::doc::{Doc, Node};
use super::{Args, Format, Open311Error, check_jurisdiction, respond, split_format};
use crate::AppState;

/// When the discovery document (or the service it describes) last changed.
const CHANGESET: &str = "2026-12-07T00:00:00+08:00";
const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";

/// The appeal types offered to outside apps, in the order shown.
pub const OFFERED_TYPES: &[AppealType] = &[
    AppealType::Help,
    AppealType::Complaint,
    AppealType::Report,
    AppealType::Consult,
    AppealType::Suggestion,
    AppealType::Praise,
    AppealType::Other,
];

/// `GET /open311/discovery.{xml,json}`.
pub async fn discovery(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(("discovery", format)) = split_format(&file) else {
        return Open311Error::not_found("path", &file).response(Format::of_path(&file));
    };
    let base = state.config.public_url.trim_end_matches('/');
    let doc = Doc::object(
        "discovery",
        vec![
            ("changeset", Node::text(CHANGESET)),
            (
                "contact",
                Node::text(
                    "12345政务服务便民热线（拨打12345）；接口问题请联系平台安全管理员 / \
                     The 12345 government service hotline (call 12345); for the API, contact \
                     the platform's security administrator",
                ),
            ),
            (
                "key_service",
                Node::text(format!(
                    "api_key 由平台安全管理员在“Open311接口密钥”页面签发（{base}/admin/open311-keys）；\
                     请以单位公函申请 / api keys are issued by the platform's security \
                     administrator on the Open311 keys page ({base}/admin/open311-keys); apply \
                     by official letter"
                )),
            ),
            (
                "endpoints",
                Node::List {
                    item: "endpoint",
                    entries: vec![Node::Object(vec![
                        ("specification", Node::text(SPECIFICATION)),
                        ("url", Node::text(format!("{base}/open311/v2"))),
                        ("changeset", Node::text(CHANGESET)),
                        ("type", Node::text("production")),
                        (
                            "formats",
                            Node::List {
                                item: "format",
                                entries: vec![
                                    Node::text("text/xml"),
                                    Node::text("application/json"),
                                ],
                            },
                        ),
                    ])],
                },
            ),
        ],
    );
    respond(format, StatusCode::OK, &doc)
}

/// `GET /open311/v2/services.{xml,json}`.
pub async fn list(state: &AppState, args: &Args, format: Format) -> Response {
    if let Err(e) = check_jurisdiction(state, args) {
        return e.response(format);
    }
    let cats = match state.appeals.categories(true).await {
        Ok(c) => c,
        Err(e) => return Open311Error::from(e).response(format),
    };
    let entries = cats
        .iter()
        .filter(|c| {
            !cats
                .iter()
                .any(|o| o.parent_code.as_deref() == Some(c.code.as_str()))
        })
        .map(|c| {
            Node::Object(vec![
                ("service_code", Node::text(c.code.clone())),
                ("service_name", Node::text(c.name.clone())),
                ("description", Node::text(c.description.clone())),
                ("metadata", Node::Bool(true)),
                ("type", Node::text("realtime")),
                ("keywords", Node::text(keywords(&c.keywords))),
                ("group", Node::opt(c.group_name.clone())),
            ])
        })
        .collect();
    respond(
        format,
        StatusCode::OK,
        &Doc::list("services", "service", entries),
    )
}

/// Keywords as the specification writes them: comma-separated, no blanks.
fn keywords(k: &str) -> String {
    k.split([',', '，', '、', ';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

/// `GET /open311/v2/services/{service_code}.{xml,json}`.
pub async fn definition(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let Some((code, format)) = split_format(&file) else {
        return Open311Error::not_found("path", &file).response(Format::of_path(&file));
    };
    let args = Args::parse(q.unwrap_or_default().as_bytes());
    if let Err(e) = check_jurisdiction(&state, &args) {
        return e.response(format);
    }
    match state.appeals.category(code).await {
        Ok(Some(c)) if c.active => {}
        Ok(_) => return Open311Error::not_found("service_code", code).response(format),
        Err(e) => return Open311Error::from(e).response(format),
    }
    let doc = Doc::object(
        "service_definition",
        vec![
            ("service_code", Node::text(code)),
            (
                "attributes",
                Node::List {
                    item: "attribute",
                    entries: attributes(),
                },
            ),
        ],
    );
    respond(format, StatusCode::OK, &doc)
}

/// The two attributes every service takes.
fn attributes() -> Vec<Node> {
    let value = |key: &str, name: String| {
        Node::Object(vec![("key", Node::text(key)), ("name", Node::text(name))])
    };
    vec![
        Node::Object(vec![
            ("variable", Node::Bool(true)),
            ("code", Node::text("appeal_type")),
            ("datatype", Node::text("singlevaluelist")),
            ("required", Node::Bool(false)),
            (
                "datatype_description",
                Node::text("诉求类型，默认“求助” / the kind of appeal; default help"),
            ),
            ("order", Node::number(1)),
            ("description", Node::text("诉求类型 / appeal type")),
            (
                "values",
                Node::List {
                    item: "value",
                    entries: OFFERED_TYPES
                        .iter()
                        .map(|t| value(t.as_str(), format!("{} / {}", t.zh(), t.en())))
                        .collect(),
                },
            ),
        ]),
        Node::Object(vec![
            ("variable", Node::Bool(true)),
            ("code", Node::text("confidential")),
            ("datatype", Node::text("singlevaluelist")),
            ("required", Node::Bool(false)),
            (
                "datatype_description",
                Node::text(
                    "保密：承办人看不到诉求人信息，公开查询不显示内容；默认否 / confidential: \
                     handlers do not see who appealed and public reads hide the text; default no",
                ),
            ),
            ("order", Node::number(2)),
            ("description", Node::text("是否保密 / confidential")),
            (
                "values",
                Node::List {
                    item: "value",
                    entries: vec![
                        value("false", "否 / no".into()),
                        value("true", "是（保密） / yes (confidential)".into()),
                    ],
                },
            ),
        ]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_comma_separated() {
        assert_eq!(keywords("路灯， 照明、夜间;;"), "路灯,照明,夜间");
    }

    #[test]
    fn attribute_orders_are_unique_and_positive() {
        let orders: Vec<String> = attributes()
            .iter()
            .filter_map(|a| match a {
                Node::Object(f) => f
                    .iter()
                    .find(|(k, _)| *k == "order")
                    .map(|(_, v)| format!("{v:?}")),
                _ => None,
            })
            .collect();
        assert_eq!(orders.len(), 2);
        assert_ne!(orders[0], orders[1]);
    }
}
