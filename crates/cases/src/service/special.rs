//! Special procedures (特别程序): extensions and clock-stopping procedures, and who may run them.

use serde_json::json;
use yiwang_kernel::auth::Ctx;

use yiwang_kernel::error::Problems;
use yiwang_kernel::{Error, FieldError, Result, text};

use super::{CaseService, ClosePause, NewPause, invalid_state, optional_text, required_text};
use crate::flow;
use crate::model::{CaseView, Status};
use crate::repo::{self};
use crate::transitions::Transition;

impl CaseService {
    /// 特别程序: type `1` extends the time limit by `days` working days; type `2` (hearing,
    /// inspection, testing, expert review …) stops the clock until it ends.
    #[allow(clippy::too_many_arguments)]
    pub async fn start_special(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
        special_type: &str,
        name: &str,
        reason: &str,
        days: i64,
    ) -> Result<CaseView> {
        let mut p = Problems::new();
        if special_type != "1" && special_type != "2" {
            p.push(FieldError::one_of("special_type", &["1", "2"]));
        }
        let name = p
            .take(text::optional("name", name, 100))
            .unwrap_or_default();
        let reason = p.take(text::required("reason", reason, 1000));
        if !(1..=60).contains(&days) {
            p.push(FieldError::range("days", 1, 60));
        }
        p.into_result()?;
        let reason = reason.unwrap_or_default();
        let c = self
            .begin(ctx, case_no, expected, Transition::StartSpecial)
            .await?;
        let mut c = self.permit(ctx, c, Transition::StartSpecial).await?;
        let pauses = repo::pauses(&mut c.tx, c.row.id).await?;
        if pauses.iter().any(|p| p.ended_at.is_none()) {
            return Err(invalid_state(
                "已有进行中的特别程序或补正",
                "A special procedure or a wait for supplements is already running",
            ));
        }
        let name = if name.is_empty() {
            if special_type == "1" {
                "延长审批"
            } else {
                "特别程序"
            }
            .to_string()
        } else {
            name
        };
        let data = json!({ "special_type": special_type, "name": name, "days": days });
        if special_type == "1" {
            c.row.extension_days += days;
            Self::step(&mut c, "extended", Status::Handling, &reason, data);
            Self::milestone(
                &mut c,
                format!("延长审批 {days} 个工作日"),
                format!("extended by {days} working days"),
            );
            // Recorded as a special procedure that started and ended at once (表7).
            repo::open_pause(
                &mut c.tx, c.row.id, "special", "1", &name, &reason, days, c.now, c.today, &c.actor,
            )
            .await?;
            let open = repo::pauses(&mut c.tx, c.row.id).await?;
            if let Some(last) = open.iter().rev().find(|p| p.ended_at.is_none()) {
                repo::close_pause(
                    &mut c.tx,
                    last.id,
                    c.now,
                    c.today,
                    &c.actor,
                    &format!("延长 {days} 个工作日"),
                    "",
                )
                .await?;
            }
        } else {
            Self::step(&mut c, "special_started", Status::Special, &reason, data);
            Self::milestone(
                &mut c,
                format!("{name}（计时暂停）"),
                "special procedure (clock stopped)",
            );
            c.open_pause = Some(NewPause {
                kind: "special",
                special_type: special_type.to_string(),
                name,
                reason: reason.clone(),
                expected_days: days,
            });
            c.tasks = Some(Vec::new());
        }
        c.audit = Some(("case.special", json!({ "special_type": special_type })));
        self.finish(ctx, c).await
    }

    /// Ends the running special procedure with its result; the workflow continues.
    pub async fn end_special(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
        result: &str,
        opinion: &str,
    ) -> Result<CaseView> {
        let result = required_text("result", result, 1000)?;
        let opinion = optional_text("opinion", opinion, 1000)?;
        let c = self
            .begin(ctx, case_no, expected, Transition::EndSpecial)
            .await?;
        let mut c = self.permit(ctx, c, Transition::EndSpecial).await?;
        let pauses = repo::pauses(&mut c.tx, c.row.id).await?;
        let Some(open) = pauses
            .iter()
            .find(|p| p.kind == "special" && p.ended_at.is_none())
        else {
            return Err(Error::internal("special status without an open procedure"));
        };
        c.close_pause = Some(ClosePause {
            id: Some(open.id),
            result: result.clone(),
            opinion: opinion.clone(),
        });
        Self::step(
            &mut c,
            "special_ended",
            Status::Handling,
            &opinion,
            json!({ "result": result }),
        );
        Self::milestone(&mut c, "特别程序结束，继续办理", "special procedure ended");
        let inst = self.instance(&c.row)?;
        c.tasks = Some(flow::tasks(&c.info.definition, &inst));
        self.finish(ctx, c).await
    }
}
