//! The holder's side: the wallet (一人一企一档), use grants for one case (用证授权, 免证办),
//! the view a case's clerk gets, and the use log (用证记录).

use super::{HOLDER_CONTEXT, Licence, LicenceService, Row};

use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_store::Tx;

use crate::repo;

/// One entry of a holder's licence use log (用证记录).
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct UseRecord {
    pub identifier: String,
    pub type_code: String,
    /// `authorised` (用证授权 with the application), `viewed` (a clerk looked at it) or
    /// `copied` (the holder made an annotated copy, 加注件).
    pub action: String,
    /// What for: the stated use of an annotated copy ('' otherwise).
    pub reason: String,
    pub actor: String,
    pub case_no: Option<String>,
    pub department_id: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// How long a use grant (用证授权) lasts.
pub const GRANT_DAYS: i64 = 90;

impl LicenceService {
    /// The wallet (一人一企一档): the signed-in person's licences, or the enterprise's they act
    /// for (administrator, or an agent with `licences`).
    pub async fn wallet(&self, ctx: &Ctx) -> Result<Vec<Licence>> {
        let idx = self.holder_index(ctx).await?;
        let mut db = self.db.clone();
        let rows: Vec<Row> = repo::licences::of_holder(&mut db, &idx).await?;
        let mut out = Vec::new();
        for r in rows {
            out.push(self.view(&mut db, r).await?);
        }
        Ok(out)
    }

    /// The blind index of the signed-in holder: the person, or the enterprise they act for
    /// (its administrator, or an agent with `licences`).
    pub(crate) async fn holder_index(&self, ctx: &Ctx) -> Result<String> {
        let who = self
            .identity
            .applicant_for(ctx, yiwang_kernel::auth::AgentScope::Licences)
            .await?;
        let holder_code = match &who.org {
            Some(o) => o.uscc.clone(),
            None => who.id_number.clone(),
        };
        self.keys.blind_index(HOLDER_CONTEXT, &holder_code)
    }
    /// 用证授权: the applicant lets the case's department use their licence for this case
    /// instead of a paper copy. The licence must be the applicant's, of the type the checklist
    /// entry accepts, valid and intact. Written in the case's transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn authorise_in(
        &self,
        tx: &mut Tx,
        identifier: &str,
        holder_code: &str,
        type_code: &str,
        case_no: &str,
        department_id: i64,
        entry: &str,
        by: &str,
        field: &str,
    ) -> Result<String> {
        let bad =
            |zh: &str, en: &str| Error::field(FieldError::new(field, "licence.not_usable", zh, en));
        let Some(r) = self.row(tx, identifier).await? else {
            return Err(bad("未找到该电子证照", "No such licence"));
        };
        let idx = self.keys.blind_index(HOLDER_CONTEXT, holder_code)?;
        if !repo::licences::is_held_by(tx, r.id, &idx).await? {
            return Err(bad(
                "该电子证照不属于申请人",
                "The licence is not the applicant's",
            ));
        }
        if r.type_code != type_code {
            return Err(bad(
                "该电子证照的类型不能替代此项材料",
                "This licence type cannot replace this material",
            ));
        }
        if r.status != "valid" || r.valid_to.is_some_and(|d| d < self.today()) {
            return Err(bad(
                "该电子证照已暂停、注销或过期",
                "The licence is suspended, revoked or expired",
            ));
        }
        if !self.seal_holds(tx, &r).await? {
            return Err(bad(
                "该电子证照未通过签章验证",
                "The licence fails its seal check",
            ));
        }
        let now = self.clock.now();
        repo::licences::insert_grant(
            tx,
            repo::licences::Grant {
                licence_id: r.id,
                case_no,
                department_id,
                entry,
                by,
                at: now,
                expires_at: now + time::Duration::days(GRANT_DAYS),
                data: json!({ "entry": entry }).to_string(),
            },
        )
        .await?;
        let name = self.type_name(tx, &r.type_code).await?;
        Ok(name)
    }

    /// A clerk views a licence authorised for a case (the caller has checked that they may
    /// read the case). Logged (用证记录) and audited; refused once the grant expired.
    pub async fn view_for_case(
        &self,
        ctx: &Ctx,
        case_no: &str,
        identifier: &str,
    ) -> Result<Licence> {
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let Some(r) = self.row(&mut tx, identifier).await? else {
            return Err(Error::not_found());
        };
        let Some(dept) = repo::licences::live_grant(&mut tx, r.id, case_no, now).await? else {
            return Err(Error::new(ErrorCode::Forbidden).with_detail(
                "没有该办件的有效用证授权",
                "No valid authorisation to use this licence for this case",
            ));
        };
        repo::licences::insert_viewed(&mut tx, r.id, now, &ctx.actor.label(), case_no, dept)
            .await?;
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "licence.use",
                format!("licence:{}", r.identifier),
            )
            .source(&ctx.source)
            .data(json!({ "case": case_no })),
            now,
        )
        .await?;
        tx.commit().await?;
        let mut db = self.db.clone();
        self.view(&mut db, r).await
    }

    /// The holder's use log: every authorisation, every view and every annotated copy of their
    /// licences.
    pub async fn uses(&self, ctx: &Ctx) -> Result<Vec<UseRecord>> {
        let idx = self.holder_index(ctx).await?;
        let mut db = self.db.clone();
        repo::licences::uses(&mut db, &idx).await
    }
}
