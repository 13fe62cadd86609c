//! Electronic licence pages: the public verification page the QR code on a licence leads to
//! (验证, also of an annotated copy: `&copy=<code>`), the holder's wallet (一人一企一档) with
//! PDF downloads, annotated copies (加注件), notices and the licence use log (用证记录), and the
//! issuing staff's bulk import (归集): upload form, job list, and a job's progress bar
//! (refreshed by `<meta http-equiv="refresh">` while it runs) with its row errors.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Deserialize;
use yiwang_kernel::auth::{Actor, Permission};
use yiwang_kernel::{Error, ErrorCode, FieldError};
use yiwang_licences::CopyInput;

use super::{FormData, PageCx, flash, ser};
use crate::AppState;
use crate::i18n;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/verify", get(verify_page))
        .route("/my/licences", get(wallet))
        .route("/my/licences/notices/read", post(read_notices))
        .route("/my/licences/copies", post(make_copy))
        .route(
            "/staff/licences/imports",
            get(imports_page)
                .post(import_upload)
                .layer(DefaultBodyLimit::max(
                    crate::api::licences::IMPORT_BODY_LIMIT,
                )),
        )
        .route("/staff/licences/imports/{id}", get(import_page))
}

/// Issuing staff only (others: sign in, or 403).
fn issuing_staff(cx: &PageCx) -> Result<i64, Error> {
    match &cx.ctx.actor {
        Actor::Staff(s) if cx.ctx.actor.has(Permission::LicenceIssue) => Ok(s.department_id),
        Actor::Anonymous => Err(Error::new(ErrorCode::Unauthenticated)),
        _ => Err(Error::forbidden()),
    }
}

fn job_view(j: &yiwang_licences::ImportJob, lang: yiwang_kernel::i18n::Lang) -> serde_json::Value {
    let mut v = serde_json::to_value(j).unwrap_or_default();
    v["status_label"] = i18n::text(&format!("imports.status.{}", j.status), lang).into();
    v["finished"] = j.finished().into();
    v
}

async fn imports_context(
    state: &AppState,
    cx: &PageCx,
    own: i64,
) -> Result<minijinja::Value, Error> {
    let jobs = state.imports.jobs(&cx.ctx).await?;
    let types = state.licences.types().await?;
    // Every department within the caller's `licence.issue` reach, their own first.
    let mut departments = state.licences.issuing_departments(&cx.ctx).await?;
    departments.sort_by_key(|d| d.id != own);
    let jobs: Vec<serde_json::Value> = jobs.iter().map(|j| job_view(j, cx.lang)).collect();
    Ok(context! {
        jobs => ser(&jobs),
        types => ser(&types),
        departments => ser(&departments),
    })
}

/// `/staff/licences/imports`: the upload form and the latest jobs of the caller's reach.
async fn imports_page(State(state): State<AppState>, cx: PageCx) -> Response {
    let own = match issuing_staff(&cx) {
        Ok(d) => d,
        Err(e) => return cx.fail(&e),
    };
    match imports_context(&state, &cx, own).await {
        Ok(c) => cx.render("staff/imports.html", "licences", c),
        Err(e) => cx.fail(&e),
    }
}

/// Accepts the uploaded file (multipart: `type`, `department`, `file`), starts the job and
/// shows its page.
async fn import_upload(
    State(state): State<AppState>,
    cx: PageCx,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let own = match issuing_staff(&cx) {
        Ok(d) => d,
        Err(e) => return cx.fail(&e),
    };
    let result = async {
        let parts = crate::transfer::multipart_parts(&headers, body).await?;
        let text = |n: &str| {
            parts
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| String::from_utf8_lossy(v).trim().to_string())
                .unwrap_or_default()
        };
        let type_code = text("type");
        let department: i64 = match text("department") {
            d if d.is_empty() => own,
            d => d.parse().map_err(|_| {
                Error::field(FieldError::new(
                    "department",
                    "department.unknown",
                    "发证部门不存在",
                    "No such issuing department",
                ))
            })?,
        };
        let file = parts
            .iter()
            .find(|(k, v)| k == "file" && !v.is_empty())
            .map(|(_, v)| v.as_slice())
            .ok_or_else(|| Error::field(FieldError::required("file")))?;
        state
            .imports
            .create(&cx.ctx, &type_code, department, "upload", file)
            .await
    }
    .await;
    match result {
        Ok(job) => {
            crate::api::licences::spawn_import(&state, job.id);
            Redirect::to(&format!("/staff/licences/imports/{}", job.id)).into_response()
        }
        Err(e) => match imports_context(&state, &cx, own).await {
            Ok(c) => cx.render_error("staff/imports.html", "licences", &e, c),
            Err(e2) => cx.fail(&e2),
        },
    }
}

/// `/staff/licences/imports/{id}`: status, a progress bar (the page refreshes itself every
/// 2 s while the job runs) and the row problems.
async fn import_page(
    State(state): State<AppState>,
    cx: PageCx,
    Path(id): Path<String>,
) -> Response {
    if let Err(e) = issuing_staff(&cx) {
        return cx.fail(&e);
    }
    let id = match super::id_of(&id) {
        Ok(id) => id,
        Err(e) => return cx.fail(&e),
    };
    let (job, problems) = match state.imports.problems(&cx.ctx, id, 500).await {
        Ok(x) => x,
        Err(e) => return cx.fail(&e),
    };
    let more = job.error_count + job.warning_count > i64::try_from(problems.len()).unwrap_or(0);
    // Each problem names the column of the file by its title, not the field's internal name.
    let types = match state.licences.types().await {
        Ok(t) => t,
        Err(e) => return cx.fail(&e),
    };
    let ltype = types.iter().find(|t| t.code == job.type_code);
    let problems: Vec<Value> = problems
        .iter()
        .map(|p| {
            let column = match ltype {
                Some(t) => yiwang_licences::import::column_title(t, &p.field),
                None => p.field.clone(),
            };
            context! { column, ..ser(p) }
        })
        .collect();
    let view =
        match super::names::actor_names(&state, &cx, &[job_view(&job, cx.lang)], &["created_by"])
            .await
        {
            Ok(v) => v,
            Err(e) => return cx.fail(&e),
        };
    cx.render(
        "staff/import.html",
        "licences",
        context! {
            job => ser(&view.first()),
            finished => job.finished(),
            problems => ser(&problems),
            more => more,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
struct VerifyQuery {
    id: Option<String>,
    copy: Option<String>,
}

/// A licence for a page, with its status label as shown on `today` (expired when past its date).
pub(super) fn licence_view(
    lang: yiwang_kernel::i18n::Lang,
    today: time::Date,
    l: &yiwang_licences::Licence,
) -> serde_json::Value {
    let mut v = serde_json::to_value(l).unwrap_or_default();
    v["status_label"] =
        i18n::text(&format!("wallet.status.{}", l.shown_status(today)), lang).into();
    v["shown_status"] = l.shown_status(today).into();
    v
}

/// `/verify?id=<证照标识>`: public; answers valid, suspended, revoked, expired, tampered or
/// unknown, with who sealed it and when.
async fn verify_page(State(state): State<AppState>, cx: PageCx) -> Response {
    let q: VerifyQuery = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    let id = q.id.unwrap_or_default();
    let copy = q.copy.unwrap_or_default();
    let result = if id.trim().is_empty() {
        None
    } else {
        let v = if copy.trim().is_empty() {
            state.licences.verify(&id).await
        } else {
            state.licences.verify_copy(&id, &copy).await
        };
        match v {
            Ok(v) => Some(v),
            Err(e) => return cx.fail(&e),
        }
    };
    let verdict = result
        .as_ref()
        .map(|r| i18n::text(&format!("verify.verdict.{}", r.verdict), cx.lang))
        .unwrap_or_default();
    let copy_verdict = result
        .as_ref()
        .and_then(|r| r.copy.as_ref())
        .map(|c| i18n::text(&format!("verify.copy.verdict.{}", c.verdict), cx.lang))
        .unwrap_or_default();
    cx.render(
        "verify.html",
        "verify",
        context! {
            id => id.trim(),
            copy => copy.trim(),
            result => result.map(|r| ser(&r)),
            verdict => verdict,
            copy_verdict => copy_verdict,
        },
    )
}

/// The signed-in person's licences (or the enterprise's they act for), their annotated
/// copies and their use log.
async fn wallet(State(state): State<AppState>, cx: PageCx) -> Response {
    wallet_page(&state, &cx, None).await
}

/// Makes an annotated copy (加注件) from the wallet's form; a refused form shows the wallet
/// again with the problem next to its input and what was typed.
async fn make_copy(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let identifier = form.get("identifier").trim().to_string();
    let input = CopyInput {
        purpose: form.get("purpose").trim().to_string(),
        recipient: form.get("recipient").trim().to_string(),
        valid_until: form.get("valid_until").trim().to_string(),
    };
    match state.licences.make_copy(&cx.ctx, &identifier, &input).await {
        Ok(_) => Redirect::to("/my/licences?done=copy_made#copies").into_response(),
        Err(e) => wallet_page(&state, &cx, Some((&e, identifier, input))).await,
    }
}

async fn wallet_page(
    state: &AppState,
    cx: &PageCx,
    refused: Option<(&Error, String, CopyInput)>,
) -> Response {
    match &cx.ctx.actor {
        Actor::Person(_) => {}
        Actor::Anonymous => {
            return axum::response::IntoResponse::into_response(axum::response::Redirect::to(
                "/signin?next=%2Fmy%2Flicences",
            ));
        }
        _ => return cx.fail(&yiwang_kernel::Error::forbidden()),
    }
    let licences = match state.licences.wallet(&cx.ctx).await {
        Ok(l) => l,
        Err(e) => return cx.fail(&e),
    };
    let uses = match state.licences.uses(&cx.ctx).await {
        Ok(u) => u,
        Err(e) => return cx.fail(&e),
    };
    let (unread, notices) = match state.licences.notices(&cx.ctx).await {
        Ok(n) => (n.unread, n),
        Err(e) => return cx.fail(&e),
    };
    let notices: Vec<serde_json::Value> = notices
        .items
        .iter()
        .map(|n| {
            let mut v = serde_json::to_value(n).unwrap_or_default();
            v["text"] = match cx.lang {
                yiwang_kernel::i18n::Lang::En => n.text_en.clone(),
                _ => n.text_zh.clone(),
            }
            .into();
            v
        })
        .collect();
    let copies = match state.licences.copies(&cx.ctx).await {
        Ok(c) => c,
        Err(e) => return cx.fail(&e),
    };
    let label = |k: String| i18n::text(&k, cx.lang);
    let today = state.clock.today();
    let licences: Vec<serde_json::Value> = licences
        .iter()
        .map(|l| licence_view(cx.lang, today, l))
        .collect();
    let uses: Vec<serde_json::Value> = uses
        .iter()
        .map(|u| {
            let mut v = serde_json::to_value(u).unwrap_or_default();
            v["action_label"] = label(format!("wallet.use.{}", u.action)).into();
            v
        })
        .collect();
    let copies: Vec<serde_json::Value> = copies
        .iter()
        .map(|c| {
            let mut v = serde_json::to_value(c).unwrap_or_default();
            v["until_label"] = super::china_time(c.valid_until).into();
            v["expired"] = (c.valid_until <= state.clock.now()).into();
            v
        })
        .collect();
    // The latest date a copy may run to (the form's `max`) and a default a week ahead.
    let day = yiwang_kernel::clock::ymd;
    let copy_max = day(today + time::Duration::days(yiwang_licences::COPY_MAX_DAYS));
    let copy_default = day(today + time::Duration::days(7));
    let extra = context! {
        licences => ser(&licences),
        uses => ser(&uses),
        copies => ser(&copies),
        unread => unread,
        notices => ser(&notices),
        copy_max => copy_max,
        copy_default => copy_default,
        flash => flash(cx),
    };
    match refused {
        None => cx.render("wallet.html", "wallet", extra),
        Some((e, identifier, input)) => cx.render_error(
            "wallet.html",
            "wallet",
            e,
            context! {
                which => identifier,
                copy_form => context! {
                    purpose => input.purpose,
                    recipient => input.recipient,
                    valid_until => input.valid_until,
                },
                ..extra
            },
        ),
    }
}

/// Marks the holder's licence notices read and goes back to the wallet.
async fn read_notices(State(state): State<AppState>, cx: PageCx, _form: FormData) -> Response {
    if !matches!(cx.ctx.actor, Actor::Person(_)) {
        return cx.fail(&yiwang_kernel::Error::forbidden());
    }
    match state.licences.mark_notices_read(&cx.ctx).await {
        Ok(_) => Redirect::to("/my/licences").into_response(),
        Err(e) => cx.fail(&e),
    }
}
