//! Service requests: the filtered list, one request, a token's request, and filing one (POST
//! with an api key).
//!
//! A request is a work order (工单): `service_request_id` is its number (工单编号), its twelve
//! statuses map to `open`/`closed` with the detailed status in `status_notes`, the undertaking
//! unit (承办单位) is `agency_responsible` and the promised time (承诺时限) `expected_datetime`.
//! Confidential orders show no description (the service's public view takes care of it).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, UtcOffset};
use yiwang_appeals::views::{NewAppeal, PublicQuery, PublicRequest, Received};
use yiwang_appeals::{AppealType, Channel, LonLat};

use super::doc::{Doc, Node};
use super::{Args, Format, Open311Error, check_jurisdiction, respond, split_format};
use crate::AppState;
use crate::extract::Caller;

/// At most this many requests in one answer (STANDARDS §9.3).
pub const MAX_REQUESTS: i64 = 1000;
/// The widest date range of one query, and the default range (the last 90 days).
pub const MAX_SPAN_DAYS: i64 = 90;
/// The longest description (no HTML).
pub const MAX_DESCRIPTION: usize = 4000;

/// `GET /open311/v2/{services|requests}.{fmt}`.
pub async fn top_get(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let args = Args::parse(q.unwrap_or_default().as_bytes());
    match split_format(&file) {
        Some(("services", format)) => super::services::list(&state, &args, format).await,
        Some(("requests", format)) => list(&state, &args, format).await,
        _ => Open311Error::not_found("path", &file).response(Format::of_path(&file)),
    }
}

async fn list(state: &AppState, args: &Args, format: Format) -> Response {
    let run = async {
        check_jurisdiction(state, args)?;
        let q = query_of(args, state.clock.now())?;
        let found = state.appeals.public_requests(q).await?;
        Ok::<_, Open311Error>(found)
    };
    match run.await {
        Ok(found) => respond(
            format,
            StatusCode::OK,
            &Doc::list(
                "service_requests",
                "request",
                found.iter().map(request_node).collect(),
            ),
        ),
        Err(e) => e.response(format),
    }
}

/// The query of a GET: `service_request_id` (a comma list) overrides every other argument;
/// otherwise `service_code` (comma list), `start_date`/`end_date` (W3C with a timezone, at most
/// 90 days apart, by default the last 90 days) and `status` (`open`, `closed`, comma list).
pub fn query_of(args: &Args, now: OffsetDateTime) -> Result<PublicQuery, Open311Error> {
    let ids = args.list("service_request_id");
    if !ids.is_empty() {
        if ids.len() > MAX_REQUESTS as usize {
            return Err(Open311Error::bad_arg(
                "service_request_id",
                "一次最多查询1000个",
                "at most 1000 ids at once",
            ));
        }
        return Ok(PublicQuery {
            ids,
            service_codes: Vec::new(),
            start: None,
            end: None,
            statuses: Vec::new(),
            limit: MAX_REQUESTS,
        });
    }
    let date = |name: &str| -> Result<Option<OffsetDateTime>, Open311Error> {
        args.get(name)
            .map(|v| {
                OffsetDateTime::parse(v, &Rfc3339).map_err(|_| {
                    Open311Error::bad_arg(
                        name,
                        "须为带时区的W3C日期时间，如 2026-12-01T00:00:00+08:00",
                        "must be a W3C date-time with a timezone, e.g. 2026-12-01T00:00:00Z",
                    )
                })
            })
            .transpose()
    };
    let span = Duration::days(MAX_SPAN_DAYS);
    let (start, end) = match (date("start_date")?, date("end_date")?) {
        (Some(s), Some(e)) => (s, e),
        (Some(s), None) => (s, s + span),
        (None, Some(e)) => (e - span, e),
        (None, None) => (now - span, now),
    };
    if end < start {
        return Err(Open311Error::bad_arg(
            "end_date",
            "不能早于 start_date",
            "must not be before start_date",
        ));
    }
    if end - start > span {
        return Err(Open311Error::bad_arg(
            "end_date",
            "与 start_date 相距不能超过90天",
            "may not be more than 90 days after start_date",
        ));
    }
    let statuses = args.list("status");
    if let Some(bad) = statuses.iter().find(|s| *s != "open" && *s != "closed") {
        return Err(Open311Error::bad_arg(
            "status",
            &format!("“{bad}”无效，只能是 open 或 closed"),
            &format!("“{bad}” is invalid; only open or closed"),
        ));
    }
    Ok(PublicQuery {
        ids: Vec::new(),
        service_codes: args.list("service_code"),
        start: Some(start),
        end: Some(end),
        statuses,
        limit: MAX_REQUESTS,
    })
}

/// `GET /open311/v2/requests/{service_request_id}.{fmt}`.
pub async fn one(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let Some((id, format)) = split_format(&file) else {
        return Open311Error::not_found("path", &file).response(Format::of_path(&file));
    };
    let args = Args::parse(q.unwrap_or_default().as_bytes());
    let run = async {
        check_jurisdiction(&state, &args)?;
        match state.appeals.public_request(id).await? {
            Some(r) => Ok(r),
            None => Err(Open311Error::not_found("service_request_id", id)),
        }
    };
    match run.await {
        Ok(r) => respond(
            format,
            StatusCode::OK,
            &Doc::list("service_requests", "request", vec![request_node(&r)]),
        ),
        Err(e) => e.response(format),
    }
}

/// `GET /open311/v2/tokens/{token}.{fmt}`.
pub async fn token(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let Some((token, format)) = split_format(&file) else {
        return Open311Error::not_found("path", &file).response(Format::of_path(&file));
    };
    let args = Args::parse(q.unwrap_or_default().as_bytes());
    let run = async {
        check_jurisdiction(&state, &args)?;
        match state.appeals.request_by_token(token).await? {
            Some(found) => Ok(found),
            None => Err(Open311Error::not_found("token", token)),
        }
    };
    match run.await {
        Ok((no, token)) => respond(
            format,
            StatusCode::OK,
            &Doc::list(
                "service_requests",
                "request",
                vec![Node::Object(vec![
                    ("service_request_id", Node::text(no)),
                    ("token", Node::text(token)),
                ])],
            ),
        ),
        Err(e) => e.response(format),
    }
}

/// `POST /open311/v2/requests.{fmt}` (`application/x-www-form-urlencoded`).
pub async fn post(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let format = match split_format(&file) {
        Some(("requests", f)) => f,
        _ => return Open311Error::not_found("path", &file).response(Format::of_path(&file)),
    };
    let run = async {
        let form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';').next().is_some_and(|m| {
                    m.trim()
                        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                })
            });
        // The api key first: without one nothing else is looked at.
        let mut args = Args::parse(q.unwrap_or_default().as_bytes());
        if form {
            args.extend(Args::parse(&body));
        }
        let Some(api_key) = args.get("api_key").map(str::to_string) else {
            return Err(Open311Error::api_key());
        };
        if !form {
            return Err(Open311Error::bad_arg(
                "Content-Type",
                "须为 application/x-www-form-urlencoded",
                "must be application/x-www-form-urlencoded",
            ));
        }
        // The api key comes first: a request refused at the edge (a bad argument, an unknown
        // service) is answered 403 all the same when its key is not a live one.
        let checked = async {
            check_jurisdiction(&state, &args)?;
            let Some(code) = args.get("service_code") else {
                return Err(Open311Error::missing("service_code"));
            };
            match state.appeals.open311_service(code).await? {
                Some(service) => Ok((new_appeal(&args, &service.name)?, service)),
                None => Err(Open311Error::not_found("service_code", code)),
            }
        };
        let (input, service) = match checked.await {
            Ok(found) => found,
            Err(e) => return Err(key_first(&state, &ctx, &api_key, e).await),
        };
        let received = state
            .appeals
            .post_open311(&ctx, &api_key, service, input)
            .await?;
        Ok::<_, Open311Error>((received, args.get("account_id").map(str::to_string)))
    };
    match run.await {
        Ok((r, account_id)) => respond(
            format,
            StatusCode::OK,
            &Doc::list(
                "service_requests",
                "request",
                vec![Node::Object(vec![
                    ("service_request_id", Node::text(r.appeal_no.clone())),
                    ("service_notice", Node::text(notice(&r))),
                    ("account_id", Node::opt(account_id)),
                ])],
            ),
        ),
        Err(e) => e.response(format),
    }
}

/// The notice of a filed request: its number and due time, and the likely duplicates filed
/// before it, if any.
fn notice(r: &Received) -> String {
    let due = w3c(r.due_at);
    let no = &r.appeal_no;
    let mut zh = format!("已受理，工单编号 {no}，承诺于 {due} 前办结");
    let mut en = format!("received as {no}; due by {due}");
    if !r.duplicates.is_empty() {
        zh.push_str(&format!(
            "；附近近期已有同类诉求（可能重复）：{}",
            r.duplicates.join("、")
        ));
        en.push_str(&format!(
            "; likely duplicates nearby: {}",
            r.duplicates.join(", ")
        ));
    }
    format!("{zh} / {en}")
}

/// `refusal`, unless `api_key` is not a live key: then the specification's 403 (the service
/// audits the refusal).
async fn key_first(
    state: &AppState,
    ctx: &yiwang_kernel::auth::Ctx,
    api_key: &str,
    refusal: Open311Error,
) -> Open311Error {
    match state.appeals.check_open311_key(ctx, api_key).await {
        Err(e) if e.code == yiwang_kernel::ErrorCode::Open311ApiKey => Open311Error::api_key(),
        _ => refusal,
    }
}

/// The work order a POST describes. `category_name` stands in for a missing description.
pub fn new_appeal(args: &Args, category_name: &str) -> Result<NewAppeal, Open311Error> {
    let mut appeal_type = AppealType::Help;
    let mut confidential = false;
    for name in args.names() {
        let Some(rest) = name.strip_prefix("attribute[") else {
            continue;
        };
        let (code, multi) = match rest.strip_suffix("][]") {
            Some(c) => (c, true),
            None => (rest.strip_suffix(']').unwrap_or(rest), false),
        };
        let arg = format!("attribute[{code}]");
        if multi {
            return Err(Open311Error::bad_arg(
                &arg,
                "是单选列表（singlevaluelist），只能有一个值",
                "is a singlevaluelist and takes one value",
            ));
        }
        let v = args.get(name).unwrap_or("");
        match code {
            "appeal_type" => {
                appeal_type = AppealType::parse(v)
                    .filter(|t| super::services::OFFERED_TYPES.contains(t))
                    .ok_or_else(|| {
                        Open311Error::bad_arg(
                            &arg,
                            &format!("“{v}”不在取值列表中（见服务定义）"),
                            &format!("“{v}” is not one of the values (see the service definition)"),
                        )
                    })?;
            }
            "confidential" => {
                confidential = match v {
                    "true" | "1" | "是" => true,
                    "false" | "0" | "否" => false,
                    _ => {
                        return Err(Open311Error::bad_arg(
                            &arg,
                            "只能是 true 或 false",
                            "must be true or false",
                        ));
                    }
                }
            }
            _ => {
                return Err(Open311Error::bad_arg(
                    &arg,
                    "服务定义中没有该属性",
                    "the service definition has no such attribute",
                ));
            }
        }
    }
    let point = match (args.get("lat"), args.get("long")) {
        (None, None) => None,
        (Some(_), None) => return Err(Open311Error::missing("long")),
        (None, Some(_)) => return Err(Open311Error::missing("lat")),
        (Some(lat), Some(lon)) => {
            let bad = |arg: &str| {
                Open311Error::bad_arg(
                    arg,
                    "须为WGS84十进制度数（纬度−90～90，经度−180～180）",
                    "must be WGS84 decimal degrees (latitude −90..90, longitude −180..180)",
                )
            };
            let lat: f64 = lat.parse().map_err(|_| bad("lat"))?;
            let lon: f64 = lon.parse().map_err(|_| bad("long"))?;
            Some(LonLat::new(lon, lat).ok_or_else(|| bad("lat/long"))?)
        }
    };
    let address = match (args.get("address_string"), args.get("address_id")) {
        (Some(a), _) => a.to_string(),
        (None, Some(id)) => format!("地址编号 address_id {id}"),
        (None, None) => String::new(),
    };
    if point.is_none() && address.is_empty() {
        return Err(Open311Error::bad_arg(
            "lat/long",
            "须提供位置：lat 和 long，或 address_string，或 address_id",
            "a location is required: lat and long, or address_string, or address_id",
        ));
    }
    let description = args.get("description").unwrap_or("");
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(Open311Error::bad_arg(
            "description",
            "不能超过4000个字符",
            "must be at most 4000 characters",
        ));
    }
    if has_html(description) {
        return Err(Open311Error::bad_arg(
            "description",
            "不能包含HTML标签",
            "must not contain HTML",
        ));
    }
    let content = if description.is_empty() {
        category_name.to_string()
    } else {
        description.to_string()
    };
    // Chinese order: family name first.
    let contact_name = format!(
        "{}{}",
        args.get("last_name").unwrap_or(""),
        args.get("first_name").unwrap_or("")
    );
    let contact_phone = args.get("phone").unwrap_or("").to_string();
    Ok(NewAppeal {
        channel: Channel::Open311,
        appeal_type,
        category: args.get("service_code").unwrap_or("").to_string(),
        title: String::new(),
        content,
        address,
        division: None,
        point,
        contact_name,
        anonymous: contact_phone.is_empty(),
        contact_phone,
        contact_email: args.get("email").unwrap_or("").to_string(),
        confidential,
        complained_unit: String::new(),
        media_url: args.get("media_url").unwrap_or("").to_string(),
        photos: Vec::new(),
    })
}

/// Whether `s` holds something that reads as an HTML tag, comment or entity-free markup:
/// `<` followed by a letter, `/`, `!` or `?`, closed later by `>`.
pub fn has_html(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'<'
            && b.get(i + 1)
                .is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, b'/' | b'!' | b'?'))
            && b[i + 1..].contains(&b'>')
    })
}

/// A date-time as the specification writes it: W3C, with the +08:00 offset, whole seconds.
pub fn w3c(t: OffsetDateTime) -> String {
    let beijing = UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC);
    t.to_offset(beijing)
        .replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

fn opt_number(n: Option<f64>) -> Node {
    match n {
        Some(v) => Node::number(v),
        None => Node::text(""),
    }
}

/// One request in the specification's order of fields.
fn request_node(r: &PublicRequest) -> Node {
    Node::Object(vec![
        ("service_request_id", Node::text(r.appeal_no.clone())),
        ("status", Node::text(r.status.clone())),
        ("status_notes", Node::text(r.status_notes.clone())),
        ("service_name", Node::text(r.service_name.clone())),
        ("service_code", Node::text(r.service_code.clone())),
        ("description", Node::text(r.description.clone())),
        (
            "agency_responsible",
            Node::text(r.agency_responsible.clone()),
        ),
        ("service_notice", Node::text(r.service_notice.clone())),
        ("requested_datetime", Node::text(w3c(r.requested_at))),
        ("updated_datetime", Node::text(w3c(r.updated_at))),
        ("expected_datetime", Node::text(w3c(r.expected_at))),
        ("address", Node::text(r.address.clone())),
        ("address_id", Node::text("")),
        ("zipcode", Node::text("")),
        ("lat", opt_number(r.lat)),
        ("long", opt_number(r.lon)),
        ("media_url", Node::text(r.media_url.clone())),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn dates_default_to_the_last_90_days_and_span_at_most_90() {
        let now = datetime!(2026-12-07 03:00 UTC);
        let q = query_of(&Args::default(), now).unwrap();
        assert_eq!(q.end, Some(now));
        assert_eq!(q.start, Some(now - Duration::days(90)));
        let wide = Args::parse(b"start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z");
        assert_eq!(query_of(&wide, now).unwrap_err().status, 400);
        let no_tz = Args::parse(b"start_date=2026-11-01T00:00:00");
        let e = query_of(&no_tz, now).unwrap_err();
        assert!(e.description.starts_with("start_date"), "{}", e.description);
        let ids = Args::parse(b"service_request_id=A,B&status=bogus&start_date=x");
        assert_eq!(query_of(&ids, now).unwrap().ids, vec!["A", "B"]);
        let bad = Args::parse(b"status=open,pending");
        assert!(
            query_of(&bad, now)
                .unwrap_err()
                .description
                .contains("pending")
        );
    }

    #[test]
    fn html_is_recognised() {
        assert!(has_html("路灯<script>alert(1)</script>"));
        assert!(has_html("<b>x</b>"));
        assert!(!has_html("温度 < 5 度，> 0 度"));
        assert!(!has_html("a<5"));
    }

    #[test]
    fn times_are_written_at_plus_eight() {
        assert_eq!(
            w3c(datetime!(2026-12-07 03:00:01.5 UTC)),
            "2026-12-07T11:00:01+08:00"
        );
    }
}
