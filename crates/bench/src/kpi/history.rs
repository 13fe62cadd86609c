//! The generated history of `bench kpi`: N cases over three years of the demo city's published
//! items, written by bare multi-row INSERTs (no domain path: this is the data, not the figure
//! under test), and a first rating for about a third of the concluded ones.

use time::{Date, Duration, OffsetDateTime, Time};
use yiwang_store::{Conn, Db, Sql, Value};

/// An item cases are filed for.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    pub id: i64,
    pub code: String,
    pub version: i64,
    pub name: String,
    pub department_id: i64,
    pub division_code: String,
}

/// The demo city's published items.
pub async fn items(db: &Db) -> anyhow::Result<Vec<ItemRow>> {
    let mut c = db.clone();
    let rows: Vec<ItemRow> = c
        .fetch_all(
            "SELECT i.id, i.code, i.published_version AS version, v.name, i.department_id, \
             i.division_code FROM items i JOIN item_versions v ON v.item_id = i.id \
             AND v.version_no = i.published_version WHERE i.published_version IS NOT NULL \
             ORDER BY i.id",
            &[],
        )
        .await?;
    if rows.is_empty() {
        anyhow::bail!("the demo city has no published items");
    }
    Ok(rows)
}

/// A cheap deterministic mix (splitmix64).
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const COLUMNS: &str = "case_no, item_id, item_code, item_version, item_name, department_id, \
     division_code, case_type, channel, applicant_type, applicant_name, applicant_cert_type, \
     applicant_cert_enc, applicant_cert_idx, applicant_cert_mask, contact_name, \
     contact_phone_enc, contact_phone_idx, contact_phone_mask, submitted_by, form_enc, status, \
     submitted_at, accepted_at, accept_date, promised_days, statutory_days, promised_due, \
     statutory_due, decided_at, result_code, concluded_at, revision, updated_at";

/// One case's values, in the order of [`COLUMNS`]: submitted on a day of the three years
/// before `today`; most accepted and concluded within a few days, a few late, some open.
fn case_values(n: u64, item: &ItemRow, today: Date) -> Vec<Value> {
    let h = mix(n);
    let day = today - Duration::days((h % 1095) as i64);
    let secs = (h >> 20) % 36_000 + 1;
    let submitted = OffsetDateTime::new_utc(day, Time::MIDNIGHT) + Duration::seconds(secs as i64);
    let instant = (h >> 11).is_multiple_of(10);
    let channel = ["1", "2", "3", "2", "1"][((h >> 13) % 5) as usize];
    let open = (h >> 17).is_multiple_of(20) || day > today - Duration::days(3);
    let took = Duration::days(((h >> 23) % 25) as i64);
    let promised = 15i64;
    let accept_date = day;
    let promised_due = day + Duration::days(promised + 6);
    let statutory_due = day + Duration::days(35);
    let concluded = submitted + took + Duration::hours(2);
    let (status, result, decided, concluded_at): (
        &str,
        Option<&str>,
        Option<OffsetDateTime>,
        Option<OffsetDateTime>,
    ) = if open {
        ("accepted", None, None, None)
    } else {
        ("concluded", Some("1"), Some(concluded), Some(concluded))
    };
    vec![
        Value::from(format!("KPIB{n:012}")),
        Value::from(item.id),
        Value::from(item.code.as_str()),
        Value::from(item.version),
        Value::from(item.name.as_str()),
        Value::from(item.department_id),
        Value::from(item.division_code.as_str()),
        Value::from(if instant { "1" } else { "2" }),
        Value::from(channel),
        Value::from("1"),
        Value::from("压测申请人"),
        Value::from("111"),
        Value::from(""),
        Value::from(format!("bench-{n}")),
        Value::from("4408**********123X"),
        Value::from("压测申请人"),
        Value::from(""),
        Value::from(format!("bench-phone-{n}")),
        Value::from("138****0000"),
        Value::from("bench"),
        Value::from(""),
        Value::from(status),
        Value::from(submitted),
        Value::from(submitted + Duration::minutes(30)),
        Value::from(accept_date),
        Value::from(if instant { None } else { Some(promised) }),
        Value::from(if instant { None } else { Some(35i64) }),
        Value::from(if instant { None } else { Some(promised_due) }),
        Value::from(if instant { None } else { Some(statutory_due) }),
        Value::from(decided),
        Value::from(result),
        Value::from(concluded_at),
        Value::from(1i64),
        Value::from(concluded_at.unwrap_or(submitted)),
    ]
}

/// Writes `count` cases (numbers `KPIB…`), `per_statement` rows per INSERT, one transaction per
/// statement; then first ratings for a third of the concluded ones. Returns the ratings.
pub async fn write(
    db: &Db,
    items: &[ItemRow],
    count: u64,
    today: Date,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<u64> {
    let per_statement: u64 = 400;
    let mut n = 0u64;
    while n < count {
        let end = (n + per_statement).min(count);
        let mut q = Sql::new(&format!("INSERT INTO cases ({COLUMNS}) VALUES "));
        for i in n..end {
            if i > n {
                q.push(", ");
            }
            let item = &items[(mix(i ^ 0x5555) % items.len() as u64) as usize];
            let vals = case_values(i, item, today);
            let marks = vec!["?"; vals.len()].join(", ");
            q.cond(&format!("({marks})"), vals);
        }
        let mut tx = db.write().await?;
        tx.execute(&q.text, &q.args).await?;
        tx.commit().await?;
        n = end;
        progress(n);
    }
    let mut tx = db.write().await?;
    let ratings = tx
        .execute(
            "INSERT INTO ratings (case_id, service, assess_number, level, channel, rated_at, excluded) \
             SELECT id, 'conclude', 1, CASE WHEN id % 10 = 0 THEN 1 WHEN id % 10 = 1 THEN 3 ELSE 5 END, \
             'pc', concluded_at, FALSE FROM cases \
             WHERE case_no LIKE 'KPIB%' AND concluded_at IS NOT NULL AND id % 3 = 0",
            &[],
        )
        .await?;
    tx.commit().await?;
    Ok(ratings)
}
