//! SQL of bundle applications (一件事): `bundle_cases`, `bundle_parts`, `bundle_ratings`, and
//! the bundle number on `cases`.

use time::{Date, OffsetDateTime};
use yiwang_kernel::Result;
use yiwang_kernel::paging::{Page, Paged};
use yiwang_store::{Conn, Sql, args};

/// Every column of `bundle_cases`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BundleCaseRow {
    pub id: i64,
    pub bundle_no: String,
    pub bundle_id: i64,
    pub bundle_code: String,
    pub bundle_version: i64,
    pub bundle_name: String,
    pub applicant_type: String,
    pub applicant_name: String,
    pub applicant_cert_type: String,
    pub applicant_cert_enc: String,
    pub applicant_cert_idx: String,
    pub applicant_cert_mask: String,
    pub contact_name: String,
    pub contact_phone_enc: String,
    pub person_id: Option<i64>,
    pub org_id: Option<i64>,
    pub submitted_by: String,
    pub channel: String,
    pub answers: String,
    pub form_enc: String,
    pub savings: String,
    pub status: String,
    pub outcome: Option<String>,
    pub promised_days: i64,
    pub promised_due: Option<Date>,
    pub submitted_at: OffsetDateTime,
    pub concluded_at: Option<OffsetDateTime>,
    pub idem_key: Option<String>,
    pub revision: i64,
    pub updated_at: OffsetDateTime,
}

const COLS: &str = "id, bundle_no, bundle_id, bundle_code, bundle_version, bundle_name, applicant_type, applicant_name, \
    applicant_cert_type, applicant_cert_enc, applicant_cert_idx, applicant_cert_mask, contact_name, contact_phone_enc, \
    person_id, org_id, submitted_by, channel, answers, form_enc, savings, status, outcome, promised_days, promised_due, \
    submitted_at, concluded_at, idem_key, revision, updated_at";

/// Every column of `bundle_parts`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PartRow {
    pub id: i64,
    pub bundle_case_id: i64,
    pub seq: i64,
    pub part_key: String,
    pub item_code: String,
    pub department_id: i64,
    pub state: String,
    pub case_no: Option<String>,
    pub after_parts: String,
    pub pending: String,
    pub reason_zh: String,
    pub reason_en: String,
    pub decision: Option<String>,
    pub result_identifier: Option<String>,
    pub result_type: String,
    pub result_enc: String,
    pub started_at: Option<OffsetDateTime>,
    pub ended_at: Option<OffsetDateTime>,
}

const PART_COLS: &str = "id, bundle_case_id, seq, part_key, item_code, department_id, state, case_no, after_parts, pending, \
    reason_zh, reason_en, decision, result_identifier, result_type, result_enc, started_at, ended_at";

pub async fn by_no(c: &mut impl Conn, bundle_no: &str) -> Result<Option<BundleCaseRow>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM bundle_cases WHERE bundle_no = $1"),
        args![bundle_no],
    )
    .await
}

#[derive(sqlx::FromRow)]
struct IdemRow {
    #[sqlx(flatten)]
    row: BundleCaseRow,
    idem_digest: String,
}

/// The application filed with an idempotency key, and the digest of what it asked for.
pub async fn by_idem(c: &mut impl Conn, key: &str) -> Result<Option<(BundleCaseRow, String)>> {
    let r: Option<IdemRow> = c
        .fetch_optional(
            &format!("SELECT {COLS}, idem_digest FROM bundle_cases WHERE idem_key = $1"),
            args![key],
        )
        .await?;
    Ok(r.map(|r| (r.row, r.idem_digest)))
}

/// A new application; answers its id.
pub async fn insert(c: &mut impl Conn, r: &BundleCaseRow, idem_digest: &str) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO bundle_cases (bundle_no, bundle_id, bundle_code, bundle_version, bundle_name, applicant_type, \
             applicant_name, applicant_cert_type, applicant_cert_enc, applicant_cert_idx, applicant_cert_mask, contact_name, \
             contact_phone_enc, person_id, org_id, submitted_by, channel, answers, form_enc, savings, status, promised_days, \
             promised_due, submitted_at, idem_key, idem_digest, revision, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, \
             $23, $24, $25, $26, $27, $28) RETURNING id",
            args![
                r.bundle_no.as_str(),
                r.bundle_id,
                r.bundle_code.as_str(),
                r.bundle_version,
                r.bundle_name.as_str(),
                r.applicant_type.as_str(),
                r.applicant_name.as_str(),
                r.applicant_cert_type.as_str(),
                r.applicant_cert_enc.as_str(),
                r.applicant_cert_idx.as_str(),
                r.applicant_cert_mask.as_str(),
                r.contact_name.as_str(),
                r.contact_phone_enc.as_str(),
                r.person_id,
                r.org_id,
                r.submitted_by.as_str(),
                r.channel.as_str(),
                r.answers.as_str(),
                r.form_enc.as_str(),
                r.savings.as_str(),
                r.status.as_str(),
                r.promised_days,
                r.promised_due,
                r.submitted_at,
                r.idem_key.clone(),
                idem_digest,
                r.revision,
                r.updated_at
            ],
        )
        .await?;
    Ok(id)
}

/// Takes the application's row lock for the rest of the transaction (PostgreSQL: two parts
/// ending at once queue here instead of one failing the compare-and-set; SQLite writes one at
/// a time anyway).
pub async fn lock(c: &mut impl Conn, bundle_no: &str) -> Result<()> {
    c.execute(
        "UPDATE bundle_cases SET revision = revision WHERE bundle_no = $1",
        args![bundle_no],
    )
    .await?;
    Ok(())
}

/// Saves the state of an application if its revision is still `expected`.
pub async fn save(c: &mut impl Conn, r: &BundleCaseRow, expected: i64) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE bundle_cases SET status = $1, outcome = $2, concluded_at = $3, revision = $4, updated_at = $5 \
             WHERE id = $6 AND revision = $7",
            args![
                r.status.as_str(),
                r.outcome.clone(),
                r.concluded_at,
                r.revision,
                r.updated_at,
                r.id,
                expected
            ],
        )
        .await?;
    Ok(n == 1)
}

pub async fn insert_part(c: &mut impl Conn, p: &PartRow) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO bundle_parts (bundle_case_id, seq, part_key, item_code, department_id, state, case_no, after_parts, \
             pending, reason_zh, reason_en, result_type, result_enc, started_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
            args![
                p.bundle_case_id,
                p.seq,
                p.part_key.as_str(),
                p.item_code.as_str(),
                p.department_id,
                p.state.as_str(),
                p.case_no.clone(),
                p.after_parts.as_str(),
                p.pending.as_str(),
                p.reason_zh.as_str(),
                p.reason_en.as_str(),
                p.result_type.as_str(),
                p.result_enc.as_str(),
                p.started_at
            ],
        )
        .await?;
    Ok(id)
}

/// Saves a part's changeable columns.
pub async fn save_part(c: &mut impl Conn, p: &PartRow) -> Result<()> {
    c.execute(
        "UPDATE bundle_parts SET state = $1, case_no = $2, reason_zh = $3, reason_en = $4, decision = $5, \
         result_identifier = $6, result_type = $7, result_enc = $8, started_at = $9, ended_at = $10 WHERE id = $11",
        args![
            p.state.as_str(),
            p.case_no.clone(),
            p.reason_zh.as_str(),
            p.reason_en.as_str(),
            p.decision.clone(),
            p.result_identifier.clone(),
            p.result_type.as_str(),
            p.result_enc.as_str(),
            p.started_at,
            p.ended_at,
            p.id
        ],
    )
    .await?;
    Ok(())
}

/// The parts of an application, in order.
pub async fn parts(c: &mut impl Conn, bundle_case_id: i64) -> Result<Vec<PartRow>> {
    c.fetch_all(
        &format!("SELECT {PART_COLS} FROM bundle_parts WHERE bundle_case_id = $1 ORDER BY seq"),
        args![bundle_case_id],
    )
    .await
}

/// The name of the bundle a case is a part of.
pub async fn name_of(c: &mut impl Conn, bundle_no: &str) -> Result<Option<String>> {
    let r: Option<(String,)> = c
        .fetch_optional(
            "SELECT bundle_name FROM bundle_cases WHERE bundle_no = $1",
            args![bundle_no],
        )
        .await?;
    Ok(r.map(|r| r.0))
}

/// The one rating: score, comment, time.
pub async fn rating(
    c: &mut impl Conn,
    bundle_case_id: i64,
) -> Result<Option<(i64, String, OffsetDateTime)>> {
    c.fetch_optional(
        "SELECT score, comment, rated_at FROM bundle_ratings WHERE bundle_case_id = $1",
        args![bundle_case_id],
    )
    .await
}

pub async fn insert_rating(
    c: &mut impl Conn,
    bundle_case_id: i64,
    score: i64,
    comment: &str,
    by: &str,
    at: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "INSERT INTO bundle_ratings (bundle_case_id, score, comment, rated_by, rated_at) VALUES ($1, $2, $3, $4, $5)",
        args![bundle_case_id, score, comment, by, at],
    )
    .await?;
    Ok(())
}

/// A line of a list of applications.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SummaryRow {
    pub bundle_no: String,
    pub bundle_code: String,
    pub bundle_name: String,
    pub applicant_name: String,
    pub status: String,
    pub outcome: Option<String>,
    pub parts: i64,
    pub parts_concluded: i64,
    pub submitted_at: OffsetDateTime,
    pub promised_due: Option<Date>,
}

/// Whose applications, or which ones staff list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub person_id: Option<i64>,
    pub org_id: Option<i64>,
    pub status: Option<String>,
    pub bundle_code: Option<String>,
}

/// A page of applications, newest first.
pub async fn list(c: &mut impl Conn, f: &ListFilter, page: Page) -> Result<Paged<SummaryRow>> {
    let mut w = Sql::new("1 = 1");
    match (f.person_id, f.org_id) {
        (_, Some(o)) => {
            w.cond(" AND b.org_id = ?", [o]);
        }
        (Some(p), None) => {
            w.cond(" AND b.person_id = ? AND b.org_id IS NULL", [p]);
        }
        (None, None) => {}
    }
    if let Some(s) = &f.status {
        w.cond(" AND b.status = ?", [s.clone()]);
    }
    if let Some(s) = &f.bundle_code {
        w.cond(" AND b.bundle_code = ?", [s.clone()]);
    }
    let mut count = Sql::new("SELECT COUNT(*) FROM bundle_cases b WHERE ");
    count.args = w.args.clone();
    count.push(&w.text);
    let (total,): (i64,) = c.fetch_one(&count.text, &count.args).await?;
    let mut q = Sql::new(
        "SELECT b.bundle_no, b.bundle_code, b.bundle_name, b.applicant_name, b.status, b.outcome, \
         (SELECT COUNT(*) FROM bundle_parts p WHERE p.bundle_case_id = b.id) AS parts, \
         (SELECT COUNT(*) FROM bundle_parts p WHERE p.bundle_case_id = b.id AND p.state <> 'waiting' AND p.state <> 'started') AS parts_concluded, \
         b.submitted_at, b.promised_due FROM bundle_cases b WHERE ",
    );
    q.args = w.args;
    q.push(&w.text);
    q.push(" ORDER BY b.submitted_at DESC, b.id DESC LIMIT ");
    q.bind(page.limit());
    q.push(" OFFSET ");
    q.bind(page.offset());
    let items: Vec<SummaryRow> = c.fetch_all(&q.text, &q.args).await?;
    Ok(Paged {
        items,
        total,
        page: page.page,
        size: page.size,
    })
}

/// Applications submitted in `[from, before)`, for the statistics.
pub async fn submitted_between(
    c: &mut impl Conn,
    from: OffsetDateTime,
    before: OffsetDateTime,
) -> Result<Vec<BundleCaseRow>> {
    c.fetch_all(
        &format!(
            "SELECT {COLS} FROM bundle_cases WHERE submitted_at >= $1 AND submitted_at < $2 ORDER BY id"
        ),
        args![from, before],
    )
    .await
}
