//! SQL of ratings (好差评) and their follow-ups.

use time::{Date, OffsetDateTime};
use yiwang_kernel::Result;
use yiwang_kernel::auth::Scope;
use yiwang_store::{Conn, Sql, args, like_prefix};

use crate::rating::Followup;

#[derive(Debug, sqlx::FromRow)]
pub struct RatingRow {
    pub id: i64,
    pub service: String,
    pub assess_number: i64,
    pub level: i64,
    pub indicators: String,
    pub comment: String,
    pub channel: String,
    pub rated_at: OffsetDateTime,
    pub excluded: bool,
}

/// A new rating.
#[derive(Debug)]
pub struct NewRating<'a> {
    pub case_id: i64,
    pub service: &'a str,
    pub assess_number: i64,
    pub level: i64,
    pub indicators: String,
    pub comment: &'a str,
    pub channel: &'a str,
    pub person_id: Option<i64>,
    pub rated_at: OffsetDateTime,
}

/// A follow-up in the department's list, with its case and rating.
#[derive(Debug, sqlx::FromRow)]
pub struct FollowupListRow {
    pub id: i64,
    pub rating_id: i64,
    pub department_id: i64,
    pub status: String,
    pub due_date: Date,
    pub verification: String,
    pub rectification: String,
    pub reply: String,
    pub appeal_reason: String,
    pub appeal_note: String,
    pub revision: i64,
    pub case_no: String,
    pub item_name: String,
    pub level: i64,
    pub comment: String,
}

const FOLLOWUP_COLS: &str = "f.id, f.rating_id, f.department_id, f.status, f.due_date, f.verification, f.rectification, f.reply, f.appeal_reason, f.appeal_note, f.revision";

/// How many ratings (first and follow-up) a service of a case has.
pub async fn count(c: &mut impl Conn, case_id: i64, service: &str) -> Result<i64> {
    let (n,): (i64,) = c
        .fetch_one(
            "SELECT COUNT(*) FROM ratings WHERE case_id = $1 AND service = $2",
            args![case_id, service],
        )
        .await?;
    Ok(n)
}

pub async fn insert(c: &mut impl Conn, r: &NewRating<'_>) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO ratings (case_id, service, assess_number, level, indicators, comment, channel, person_id, rated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            args![
                r.case_id,
                r.service,
                r.assess_number,
                r.level,
                r.indicators.as_str(),
                r.comment,
                r.channel,
                r.person_id,
                r.rated_at
            ],
        )
        .await?;
    Ok(id)
}

/// Opens the follow-up of a bad rating.
pub async fn open_followup(
    c: &mut impl Conn,
    rating_id: i64,
    case_id: i64,
    department_id: i64,
    due: Date,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "INSERT INTO rating_followups (rating_id, case_id, department_id, status, due_date, revision, updated_at) \
         VALUES ($1, $2, $3, 'open', $4, 1, $5)",
        args![rating_id, case_id, department_id, due, now],
    )
    .await?;
    Ok(())
}

pub async fn of_case(c: &mut impl Conn, case_id: i64) -> Result<Vec<RatingRow>> {
    c.fetch_all(
        "SELECT id, service, assess_number, level, indicators, comment, channel, rated_at, excluded \
         FROM ratings WHERE case_id = $1 ORDER BY id",
        args![case_id],
    )
    .await
}

pub async fn followup_of(c: &mut impl Conn, rating_id: i64) -> Result<Option<Followup>> {
    c.fetch_optional(
        &format!("SELECT {FOLLOWUP_COLS} FROM rating_followups f WHERE f.rating_id = $1"),
        args![rating_id],
    )
    .await
}

/// Follow-ups within `scope` (department or division; anything else: all), by due date.
pub async fn followups(
    c: &mut impl Conn,
    scope: &Scope,
    open_only: bool,
) -> Result<Vec<FollowupListRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {FOLLOWUP_COLS}, c.case_no, c.item_name, r.level, r.comment FROM rating_followups f \
         JOIN ratings r ON r.id = f.rating_id JOIN cases c ON c.id = f.case_id WHERE "
    ));
    match scope {
        Scope::Department(d) => {
            sql.cond("f.department_id = ?", [*d]);
        }
        Scope::Division(d) => {
            sql.cond(
                "c.division_code LIKE ? ESCAPE '\\'",
                [like_prefix(d.prefix())],
            );
        }
        _ => {
            sql.push("1 = 1");
        }
    }
    if open_only {
        sql.push(" AND f.status NOT IN ('closed', 'excluded')");
    }
    sql.push(" ORDER BY f.due_date, f.id LIMIT 500");
    c.fetch_all(&sql.text, &sql.args).await
}

/// A follow-up with its case's division and the status an appeal came from.
pub async fn followup(c: &mut impl Conn, id: i64) -> Result<Option<(Followup, String, String)>> {
    let row: Option<(i64, String, String)> = c
        .fetch_optional(
            "SELECT f.id, c.division_code, f.appeal_from FROM rating_followups f JOIN cases c ON c.id = f.case_id WHERE f.id = $1",
            args![id],
        )
        .await?;
    let Some((_, division, from)) = row else {
        return Ok(None);
    };
    let f: Followup = c
        .fetch_one(
            &format!("SELECT {FOLLOWUP_COLS} FROM rating_followups f WHERE f.id = $1"),
            args![id],
        )
        .await?;
    Ok(Some((f, division, from)))
}

/// The follow-up's steps: verify, rectify, reply (closes it), appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Verify,
    Rectify,
    Reply,
    Appeal,
}

/// Takes a step with its text if the follow-up is still at `revision` (compare-and-set);
/// `false` when someone changed it meanwhile.
pub async fn take_step(
    c: &mut impl Conn,
    id: i64,
    revision: i64,
    step: Step,
    text: &str,
    now: OffsetDateTime,
) -> Result<bool> {
    let set = match step {
        Step::Verify => "verification = $1, verified_at = $2, status = 'verified'",
        Step::Rectify => "rectification = $1, rectified_at = $2, status = 'rectified'",
        Step::Reply => "reply = $1, replied_at = $2, status = 'closed'",
        Step::Appeal => {
            "appeal_reason = $1, appealed_at = $2, appeal_from = status, status = 'appealed'"
        }
    };
    let n = c
        .execute(
            &format!(
                "UPDATE rating_followups SET {set}, revision = revision + 1, updated_at = $2 WHERE id = $3 AND revision = $4"
            ),
            args![text, now, id, revision],
        )
        .await?;
    Ok(n == 1)
}

/// Records a supervisor's decision on an appeal; an upheld appeal excludes the rating.
#[allow(clippy::too_many_arguments)]
pub async fn decide_appeal(
    c: &mut impl Conn,
    id: i64,
    rating_id: i64,
    next: &str,
    note: &str,
    by: &str,
    now: OffsetDateTime,
    uphold: bool,
) -> Result<()> {
    c.execute(
        "UPDATE rating_followups SET status = $1, appeal_note = $2, decided_by = $3, decided_at = $4, revision = revision + 1, updated_at = $4 WHERE id = $5",
        args![next, note, by, now, id],
    )
    .await?;
    if uphold {
        c.execute(
            "UPDATE ratings SET excluded = TRUE WHERE id = $1",
            args![rating_id],
        )
        .await?;
    }
    Ok(())
}
