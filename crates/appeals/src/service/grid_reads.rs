//! The grids for the JSON API: a filtered page (without geometry) and one grid with its
//! GeoJSON geometry and workers. Staff only — the rule of the grids page (`/staff/grids`):
//! anonymous callers are asked to sign in, citizens and outside clients are refused (audited).

use std::collections::HashMap;

use yiwang_kernel::auth::{Actor, Ctx};
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};

use super::AppealService;
use crate::repo::grids as repo;
use crate::views::{GridFilter, GridSummary, GridView};

/// Staff may read the grids; anyone else is refused (the refusal audited).
fn staff_only(ctx: &Ctx) -> Result<()> {
    match &ctx.actor {
        Actor::Staff(_) => Ok(()),
        Actor::Anonymous => Err(Error::new(ErrorCode::Unauthenticated)),
        _ => Err(Error::forbidden()),
    }
}

/// The division filter: 2–12 digits (a province, city, county or statistical code).
fn division_prefix(d: Option<&str>) -> Result<Option<String>> {
    let Some(d) = d.map(str::trim).filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    if (2..=12).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) {
        Ok(Some(d.to_string()))
    } else {
        Err(Error::field(FieldError::new(
            "division",
            "division.format",
            format!("行政区划代码“{d}”无效，应为 2～12 位数字"),
            format!("Invalid division code \"{d}\": 2 to 12 digits"),
        )))
    }
}

impl AppealService {
    /// Active grids of `filter`'s kind in or under its division, unit grids first, by code.
    pub async fn grid_page(
        &self,
        ctx: &Ctx,
        filter: GridFilter,
        page: Page,
    ) -> Result<Paged<GridSummary>> {
        if let Err(e) = staff_only(ctx) {
            return Err(self
                .refused_grids(ctx, "grids", "appeal.grids.list", e)
                .await);
        }
        let division = division_prefix(filter.division.as_deref())?;
        let mut c = self.db.clone();
        let (rows, total) = repo::page(
            &mut c,
            filter.kind.map(|k| k.as_str()),
            division.as_deref(),
            page.limit(),
            page.offset(),
        )
        .await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut workers: HashMap<i64, Vec<i64>> = HashMap::new();
        for (grid, user) in repo::workers_of_grids(&mut c, &ids).await? {
            workers.entry(grid).or_default().push(user);
        }
        let items = self
            .views(&mut c, rows, &workers)
            .await?
            .into_iter()
            .map(GridSummary::from)
            .collect();
        Ok(Paged {
            items,
            total,
            page: page.page,
            size: page.size,
        })
    }

    /// One active grid with its geometry and workers (404 when none has `code`).
    pub async fn grid_as(&self, ctx: &Ctx, code: &str) -> Result<GridView> {
        let object = format!("grid:{}", code.trim());
        if let Err(e) = staff_only(ctx) {
            return Err(self
                .refused_grids(ctx, &object, "appeal.grids.read", e)
                .await);
        }
        self.grid(code.trim()).await?.ok_or_else(Error::not_found)
    }
}
