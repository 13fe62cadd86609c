//! Recomputing due times that were estimated (暂定) once the calendar covers their year.
//!
//! An order filed near the end of a year whose successor's holiday arrangement is not loaded
//! gets an estimated due time (`super::due_after`). When an administrator imports that year, the
//! import calls [`AppealService::redate`], which recomputes the due time of every open order due
//! in or after that year exactly: the working-day limit plus the approved extensions, counted
//! from the day the order was received — or last reopened, since a reopened order's limit
//! starts again (`flow`). Adding the extension to the due date, as the flow does, gives the same
//! day as counting limit + extension from the start, so an order whose due time was exact is left
//! unchanged; only estimates move, each with a `redate` event in its flow record.

use serde_json::json;
use time::{Date, Month, OffsetDateTime};
use yiwang_audit::{Entry, record};
use yiwang_kernel::Result;
use yiwang_kernel::auth::{Ctx, Permission};

use super::{AppealService, day_of, end_of_day, start_of_day};
use crate::model::TimeLimits;
use crate::repo::{self, events::NewEvent};

/// What a recomputation changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RedateReport {
    /// Open orders due in or after the year.
    pub checked: usize,
    /// Orders whose due time moved.
    pub moved: usize,
    /// Orders still estimated (a later year is not loaded either).
    pub still_estimated: usize,
}

impl AppealService {
    /// Recomputes the due times of open orders due in or after `year` (after that year's holiday
    /// arrangement was imported). Needs the calendar administrator's permission.
    pub async fn redate(&self, ctx: &Ctx, year: i32) -> Result<RedateReport> {
        let object = format!("appeals:due:{year}");
        if let Err(e) = ctx.actor.require(Permission::CalendarManage) {
            return Err(self.refuse(ctx, object, "appeal.redate", e).await);
        }
        let Ok(jan1) = Date::from_calendar_date(year, Month::January, 1) else {
            return Ok(RedateReport::default());
        };
        // The import may have gone through another process or service: read it afresh.
        let cal = self.calendar.reload().await?;
        let now = self.now();
        let mut report = RedateReport::default();
        let mut tx = self.db.write().await?;
        let rows = repo::appeals::open_due_from(&mut tx, start_of_day(jan1)).await?;
        for mut row in rows {
            report.checked += 1;
            let start = if row.reopen_count > 0 {
                repo::events::last_at(&mut tx, row.id, "reopen")
                    .await?
                    .unwrap_or(row.received_at)
            } else {
                row.received_at
            };
            let days = u32::try_from(row.limit_days.saturating_add(row.extended_days))
                .unwrap_or(TimeLimits::MAX_DAYS);
            let due = cal.add_working_days_estimate(day_of(start), days)?;
            if due.is_estimate() {
                report.still_estimated += 1;
            }
            let due_at = end_of_day(due.value);
            if due_at == row.due_at {
                continue;
            }
            let old = row.due_at;
            row.due_at = due_at;
            row.updated_at = now;
            if !repo::appeals::save(&mut tx, &row).await? {
                // Acted on since it was read: the flow wrote a fresh due time itself.
                continue;
            }
            let data = json!({ "from": rfc3339(old), "to": rfc3339(due_at), "year": year });
            repo::events::insert(
                &mut tx,
                row.id,
                &NewEvent {
                    kind: "redate",
                    actor: &ctx.actor.label(),
                    text: "节假日安排已载入，办理时限按正式日历重算 \
                           The holiday arrangement was imported; the due date was recomputed",
                    data: data.to_string(),
                    ..NewEvent::default()
                },
                now,
            )
            .await?;
            report.moved += 1;
        }
        if report.moved == 0 {
            // Nothing changed (the usual answer of `serve`'s check at start-up): no entry.
            return Ok(report);
        }
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "appeal.redate", object)
                .source(&ctx.source)
                .data(json!({
                    "checked": report.checked,
                    "moved": report.moved,
                    "still_estimated": report.still_estimated,
                })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
