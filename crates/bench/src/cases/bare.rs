//! The bare limits of `bench cases`: what a submission writes, without Yiwang — three files
//! written as durably as the file store writes them, the case's rows by plain sqlx in one
//! transaction — and the row the progress query reads, by plain sqlx.

use std::sync::Arc;

use yiwang_kernel::clock::{Clock, SystemClock};

use super::pdf;

/// Three files written as durably as the file store writes them, without its checks: a
/// temporary file in a two-level directory, `fsync`, rename, `fsync` of the directory (the
/// directories are created on first use and synced then).
pub(super) async fn write_files(
    root: Arc<std::path::PathBuf>,
    client: usize,
    n: u64,
    size: usize,
) -> std::io::Result<()> {
    use std::io::Write;
    tokio::task::spawn_blocking(move || {
        for f in 0..3 {
            let bytes = pdf(client, n, f, size);
            let h = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (f as u64);
            let leaf = root
                .join(format!("{:02x}", h >> 56))
                .join(format!("{:02x}", (h >> 48) & 0xff));
            if !leaf.exists() {
                std::fs::create_dir_all(&leaf)?;
                for d in [leaf.parent().unwrap_or(&leaf), root.as_path()] {
                    std::fs::File::open(d)?.sync_all()?;
                }
            }
            let path = leaf.join(format!("{client}-{n}-{f}"));
            let tmp = leaf.join(format!(".{client}-{n}-{f}.tmp"));
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            std::fs::File::open(&leaf)?.sync_all()?;
        }
        Ok(())
    })
    .await
    .map_err(std::io::Error::other)?
}

/// The rows of one submission, as the cases domain writes them, in one durable transaction.
pub(super) async fn insert_rows(
    pool: &sqlx::SqlitePool,
    r: &yiwang_cases::repo::CaseRow,
    client: usize,
    n: u64,
) -> Result<(), sqlx::Error> {
    let now = SystemClock.now();
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let prefix = format!("BARE{}", &r.case_no[..r.case_no.len().saturating_sub(6)]);
    let (seq,): (i64,) = sqlx::query_as(
        "INSERT INTO case_sequences (prefix, last_value) VALUES ($1, 1) \
         ON CONFLICT (prefix) DO UPDATE SET last_value = case_sequences.last_value + 1 RETURNING last_value",
    )
    .bind(&prefix)
    .fetch_one(&mut *tx)
    .await?;
    let case_no = format!("{prefix}{seq:06}");
    let idem = format!("bare|{client}-{n}");
    let at = yiwang_store::Value::sqlite_time(now);
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO cases (case_no, item_id, item_code, item_version, item_name, department_id, division_code, case_type, channel, \
         applicant_type, applicant_name, applicant_cert_type, applicant_cert_enc, applicant_cert_idx, applicant_cert_mask, \
         contact_name, contact_phone_enc, contact_phone_idx, contact_phone_mask, person_id, org_id, submitted_by, form_enc, \
         status, notice_given, submitted_at, extension_days, warning, decision_opinion, delivery_ref, milestones, idem_key, revision, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34) \
         RETURNING id",
    )
    .bind(&case_no)
    .bind(r.item_id)
    .bind(&r.item_code)
    .bind(r.item_version)
    .bind(&r.item_name)
    .bind(r.department_id)
    .bind(&r.division_code)
    .bind(&r.case_type)
    .bind(&r.channel)
    .bind(&r.applicant_type)
    .bind(&r.applicant_name)
    .bind(&r.applicant_cert_type)
    .bind(&r.applicant_cert_enc)
    .bind(&r.applicant_cert_idx)
    .bind(&r.applicant_cert_mask)
    .bind(&r.contact_name)
    .bind(&r.contact_phone_enc)
    .bind(&r.contact_phone_idx)
    .bind(&r.contact_phone_mask)
    .bind(r.person_id)
    .bind(r.org_id)
    .bind(&r.submitted_by)
    .bind(&r.form_enc)
    .bind(&r.status)
    .bind(r.notice_given)
    .bind(&at)
    .bind(r.extension_days)
    .bind(&r.warning)
    .bind(&r.decision_opinion)
    .bind(&r.delivery_ref)
    .bind(&r.milestones)
    .bind(&idem)
    .bind(r.revision)
    .bind(&at)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO case_events (case_id, seq, at, actor, actor_name, department_id, action, from_status, to_status, step_code, step_name, opinion, data) \
         VALUES ($1, 1, $2, $3, $4, NULL, 'submitted', '', 'submitted', '', '', '', $5)",
    )
    .bind(id)
    .bind(&at)
    .bind(&r.submitted_by)
    .bind("测**")
    .bind(r#"{"channel":"2","materials":[{"entry":"M01","sha":"0000000000000000000000000000000000000000000000000000000000000000"},{"entry":"M03","sha":"0000000000000000000000000000000000000000000000000000000000000000"},{"entry":"M04","sha":"0000000000000000000000000000000000000000000000000000000000000000"}]}"#)
    .execute(&mut *tx)
    .await?;
    for (entry, name) in [
        ("M01", "申请人居民身份证"),
        ("M03", "户口迁移申请表"),
        ("M04", "不动产权证书"),
    ] {
        sqlx::query(
            "INSERT INTO case_materials (case_id, entry_key, entry_name, file_name, sha, media_type, size, source, added_at, added_by) \
             VALUES ($1, $2, $3, $4, $5, 'pdf', 1024, 'application', $6, $7)",
        )
        .bind(id)
        .bind(entry)
        .bind(name)
        .bind(format!("{name}.pdf"))
        .bind(format!("{:064x}", (client as u128) << 64 | u128::from(n)))
        .bind(&at)
        .bind(&r.submitted_by)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

type ProgressRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
);

/// The row the progress query reads, by plain sqlx.
pub(super) async fn bare_read(
    pool: &sqlx::SqlitePool,
    case_no: &str,
) -> Result<ProgressRow, sqlx::Error> {
    sqlx::query_as(
        "SELECT case_no, item_name, status, submitted_at, promised_due, result_code, milestones, applicant_cert_idx, contact_phone_idx \
         FROM cases WHERE case_no = $1",
    )
    .bind(case_no)
    .fetch_one(pool)
    .await
}

/// The same rows as [`insert_rows`] through Yiwang's store: `Db::write` (the write gate),
/// the statements on the `Tx`, and `Tx::commit` with the group commit — only the way the
/// commit is made durable differs from the bare insert queued in process.
pub(super) async fn insert_rows_store(
    db: &yiwang_store::Db,
    r: &yiwang_cases::repo::CaseRow,
    client: usize,
    n: u64,
) -> Result<(), yiwang_kernel::Error> {
    use yiwang_store::{Conn, Value, args};
    let now = SystemClock.now();
    let mut tx = db.write().await?;
    let prefix = format!("STORE{}", &r.case_no[..r.case_no.len().saturating_sub(6)]);
    let (seq,): (i64,) = tx
        .fetch_one(
            "INSERT INTO case_sequences (prefix, last_value) VALUES ($1, 1) \
             ON CONFLICT (prefix) DO UPDATE SET last_value = case_sequences.last_value + 1 RETURNING last_value",
            args![prefix.clone()],
        )
        .await?;
    let at = Value::Time(now);
    let opt_i = |v: Option<i64>| v.map_or(Value::Null, Value::I64);
    let values: Vec<Value> = vec![
        Value::Text(format!("{prefix}{seq:06}")),
        Value::I64(r.item_id),
        Value::Text(r.item_code.clone()),
        Value::I64(r.item_version),
        Value::Text(r.item_name.clone()),
        Value::I64(r.department_id),
        Value::Text(r.division_code.clone()),
        Value::Text(r.case_type.clone()),
        Value::Text(r.channel.clone()),
        Value::Text(r.applicant_type.clone()),
        Value::Text(r.applicant_name.clone()),
        Value::Text(r.applicant_cert_type.clone()),
        Value::Text(r.applicant_cert_enc.clone()),
        Value::Text(r.applicant_cert_idx.clone()),
        Value::Text(r.applicant_cert_mask.clone()),
        Value::Text(r.contact_name.clone()),
        Value::Text(r.contact_phone_enc.clone()),
        Value::Text(r.contact_phone_idx.clone()),
        Value::Text(r.contact_phone_mask.clone()),
        opt_i(r.person_id),
        opt_i(r.org_id),
        Value::Text(r.submitted_by.clone()),
        Value::Text(r.form_enc.clone()),
        Value::Text(r.status.clone()),
        Value::Bool(r.notice_given),
        at.clone(),
        Value::I64(r.extension_days),
        Value::Text(r.warning.clone()),
        Value::Text(r.decision_opinion.clone()),
        Value::Text(r.delivery_ref.clone()),
        Value::Text(r.milestones.clone()),
        Value::Text(format!("store|{client}-{n}")),
        Value::I64(r.revision),
        at.clone(),
    ];
    let (id,): (i64,) = tx
        .fetch_one(
            "INSERT INTO cases (case_no, item_id, item_code, item_version, item_name, department_id, division_code, case_type, channel, \
             applicant_type, applicant_name, applicant_cert_type, applicant_cert_enc, applicant_cert_idx, applicant_cert_mask, \
             contact_name, contact_phone_enc, contact_phone_idx, contact_phone_mask, person_id, org_id, submitted_by, form_enc, \
             status, notice_given, submitted_at, extension_days, warning, decision_opinion, delivery_ref, milestones, idem_key, revision, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34) \
             RETURNING id",
            &values,
        )
        .await?;
    tx.execute(
        "INSERT INTO case_events (case_id, seq, at, actor, actor_name, department_id, action, from_status, to_status, step_code, step_name, opinion, data) \
         VALUES ($1, 1, $2, $3, $4, NULL, 'submitted', '', 'submitted', '', '', '', $5)",
        args![
            id,
            now,
            r.submitted_by.clone(),
            "测**",
            r#"{"channel":"2","materials":[{"entry":"M01","sha":"0000000000000000000000000000000000000000000000000000000000000000"},{"entry":"M03","sha":"0000000000000000000000000000000000000000000000000000000000000000"},{"entry":"M04","sha":"0000000000000000000000000000000000000000000000000000000000000000"}]}"#
        ],
    )
    .await?;
    for (entry, name) in [
        ("M01", "申请人居民身份证"),
        ("M03", "户口迁移申请表"),
        ("M04", "不动产权证书"),
    ] {
        tx.execute(
            "INSERT INTO case_materials (case_id, entry_key, entry_name, file_name, sha, media_type, size, source, added_at, added_by) \
             VALUES ($1, $2, $3, $4, $5, 'pdf', 1024, 'application', $6, $7)",
            args![
                id,
                entry,
                name,
                format!("{name}.pdf"),
                format!("{:064x}", (client as u128) << 64 | u128::from(n)),
                now,
                r.submitted_by.clone()
            ],
        )
        .await?;
    }
    tx.commit().await
}
