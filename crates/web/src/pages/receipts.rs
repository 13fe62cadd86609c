//! The acceptance receipt (受理回执) the window prints, as a PDF: from the case page
//! (`/staff/cases/{no}/receipt.pdf`) and from the window page's box
//! (`/staff/window/receipt?no=`). Reach, state, drawing and audit are
//! `CaseService::receipt`'s.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use yiwang_kernel::{Error, FieldError};

use super::PageCx;
use super::casework::need_staff;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/cases/{no}/receipt.pdf", get(receipt))
        .route("/staff/window/receipt", get(window_receipt))
}

/// The acceptance receipt (受理回执) as a PDF: reach, state and audit in
/// `CaseService::receipt`.
async fn receipt(State(state): State<AppState>, cx: PageCx, Path(no): Path<String>) -> Response {
    receipt_pdf(&state, &cx, &no).await
}

/// The receipt from the window page's "print a receipt" box (`?no=` the case number).
async fn window_receipt(State(state): State<AppState>, cx: PageCx) -> Response {
    let q: BTreeMap<String, String> = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    let no = q.get("no").map(|s| s.trim()).unwrap_or_default();
    if no.is_empty() {
        return cx.fail(&Error::field(FieldError::required("no")));
    }
    receipt_pdf(&state, &cx, no).await
}

async fn receipt_pdf(state: &AppState, cx: &PageCx, no: &str) -> Response {
    if let Err(e) = need_staff(cx) {
        return cx.fail(&e);
    }
    let site = yiwang_cases::Site {
        platform: crate::i18n::text("site.subtitle", yiwang_kernel::i18n::Lang::Zh),
        public_url: state.config.public_url.clone(),
    };
    match state.cases.receipt(&cx.ctx, no, &site).await {
        Ok(pdf) => crate::transfer::pdf_response(&format!("receipt-{no}.pdf"), pdf),
        Err(e) => cx.fail(&e),
    }
}
