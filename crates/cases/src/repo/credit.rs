//! SQL of the credit checks recorded on cases (`case_credit_checks`, migration 0033).

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CreditCheckRow {
    pub id: i64,
    pub case_id: i64,
    pub stage: String,
    pub result: String,
    pub entries: String,
    pub checked_by: String,
    pub checked_at: OffsetDateTime,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<OffsetDateTime>,
    pub supplements_due: String,
}

const COLS: &str = "id, case_id, stage, result, entries, checked_by, checked_at, acknowledged_by, \
                    acknowledged_at, supplements_due";

/// A check to record.
#[derive(Debug)]
pub struct NewCheck<'a> {
    pub case_id: i64,
    pub stage: &'a str,
    pub result: &'a str,
    pub entries: String,
    pub checked_by: &'a str,
    pub checked_at: OffsetDateTime,
    pub acknowledged_by: Option<&'a str>,
    pub acknowledged_at: Option<OffsetDateTime>,
    pub supplements_due: String,
}

pub async fn insert(c: &mut impl Conn, n: &NewCheck<'_>) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
        "INSERT INTO case_credit_checks (case_id, stage, result, entries, checked_by, checked_at, \
         acknowledged_by, acknowledged_at, supplements_due) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        args![
            n.case_id,
            n.stage,
            n.result,
            &n.entries,
            n.checked_by,
            n.checked_at,
            n.acknowledged_by,
            n.acknowledged_at,
            &n.supplements_due
        ],
    )
    .await?;
    Ok(id)
}

/// The checks of a case, oldest first.
pub async fn of_case(c: &mut impl Conn, case_id: i64) -> Result<Vec<CreditCheckRow>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM case_credit_checks WHERE case_id = $1 ORDER BY id"),
        args![case_id],
    )
    .await
}

/// Records that `by` saw the black-list hit of check `id`.
pub async fn acknowledge(c: &mut impl Conn, id: i64, by: &str, at: OffsetDateTime) -> Result<u64> {
    c.execute(
        "UPDATE case_credit_checks SET acknowledged_by = $1, acknowledged_at = $2 \
         WHERE id = $3 AND acknowledged_at IS NULL",
        args![by, at, id],
    )
    .await
}

/// Cases whose applicant was checked in `[from, to)`, of departments `departments` (all when
/// `None`): `(checked, flagged black, flagged red, unavailable)`, each case counted once per
/// result.
pub async fn period_counts(
    c: &mut impl Conn,
    departments: Option<&[i64]>,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Result<(i64, i64, i64, i64)> {
    let mut q = yiwang_store::Sql::new(
        "SELECT COUNT(DISTINCT k.case_id), \
         COUNT(DISTINCT CASE WHEN k.result = 'black' THEN k.case_id END), \
         COUNT(DISTINCT CASE WHEN k.result = 'red' THEN k.case_id END), \
         COUNT(DISTINCT CASE WHEN k.result = 'unavailable' THEN k.case_id END) \
         FROM case_credit_checks k JOIN cases c ON c.id = k.case_id WHERE ",
    );
    q.cond("k.checked_at >= ? AND k.checked_at < ?", [from, to]);
    if let Some(d) = departments {
        q.push(" AND c.department_id IN ");
        q.list(d.iter().copied());
    }
    c.fetch_one(&q.text, &q.args).await
}
