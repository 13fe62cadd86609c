//! The public pages of random inspection (双随机、一公开的“一公开”), no sign-in:
//! `/public/inspections` (the item list and the drawn plans) and `/public/inspections/{no}`
//! (a draw: its public entropy, seed, hashes, the list of entities and teams, the inputs to
//! download and re-run, the results once published).

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use minijinja::context;

use super::{PageCx, ser};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/public/inspections", get(list))
        .route("/public/inspections/{no}", get(plan))
}

async fn list(State(state): State<AppState>, cx: PageCx) -> Response {
    let r = async {
        let plans = state.supervision.public_inspection_plans().await?;
        let items = state.supervision.inspection_items().await?;
        Ok::<_, yiwang_kernel::Error>(context! { plans => ser(&plans), items => ser(&items) })
    }
    .await;
    match r {
        Ok(c) => cx.render("inspections_public.html", "home", c),
        Err(e) => cx.fail(&e),
    }
}

async fn plan(State(state): State<AppState>, cx: PageCx, Path(no): Path<String>) -> Response {
    match state.supervision.public_inspection_plan(&no).await {
        Ok(d) => cx.render(
            "inspection_public.html",
            "home",
            context! { plan => ser(&d.plan), draw => ser(&d.draw) },
        ),
        Err(e) => cx.fail(&e),
    }
}
