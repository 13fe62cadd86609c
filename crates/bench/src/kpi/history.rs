//! The generated history of `bench kpi`: N cases over the three years before today, filed for
//! the demo city's published items, by set-based SQL (no domain path: this is the data, not the
//! figure under test), with first ratings for a third of the concluded ones and a follow-up for
//! every bad rating.
//!
//! Three small scratch tables are filled from Rust first: the items (`bench_kpi_items`, with
//! what the catalog says about each: 即办件 or not, whether it is applied for online, its time
//! limits), the applicants (`bench_kpi_people`, sealed and blind-indexed under the run's keys
//! as the cases domain seals them) and the instants (`bench_kpi_slots`: 32 quarter-hours of
//! every Asia/Shanghai working day from 08:30, with the day and its `YYYYMMDD`). Then each
//! batch is one `INSERT … SELECT` over a recursive counter (the same text on SQLite and
//! PostgreSQL): case `i` of N falls on day `i × days / N` (so ids follow time, as in a live
//! system), and a hash of `i` picks the item, the applicant, the channel, the hour, how long it
//! took and how it ended. The scratch tables are dropped at the end.
//!
//! Every row satisfies what the domain relies on: 办件编号 is the item's code, the day and a
//! 6-digit daily sequence (unique, and never today's, so a case filed live starts its own
//! sequence); personal data opens under the run's keys; a 即办件 concludes the day it is
//! accepted, any other case has promised and statutory limits and due dates (working days
//! approximated as 7/5 calendar days) and concludes within them nine times in ten; a case
//! still waiting (submitted in the last two days) is not accepted yet (an accepted case needs
//! a workflow instance); 1 % are not accepted (不予受理), 2 % withdrawn (作废, result 2), 4 %
//! refused (result 7), the rest granted (result 6) and delivered.

use time::{Date, Duration, OffsetDateTime, Time, UtcOffset};
use yiwang_catalog::model::Elements;
use yiwang_identity::Keys;
use yiwang_store::{Backend, Conn, Db, Sql, Value, args};

/// An item cases are filed for.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    pub id: i64,
    pub code: String,
    pub version: i64,
    pub name: String,
    pub department_id: i64,
    pub division_code: String,
    pub elements: String,
}

/// The demo city's published items.
pub async fn items(db: &Db) -> anyhow::Result<Vec<ItemRow>> {
    let mut c = db.clone();
    let rows: Vec<ItemRow> = c
        .fetch_all(
            "SELECT i.id, i.code, i.published_version AS version, v.name, i.department_id, \
             i.division_code, v.elements FROM items i JOIN item_versions v ON v.item_id = i.id \
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

/// Instants per day (quarter-hours from 08:30 Asia/Shanghai).
const SLOTS: i64 = 32;

/// Applicants in the pool.
const PEOPLE: usize = 64;

/// Cases per `INSERT … SELECT` (one transaction each).
const BATCH: u64 = 200_000;

/// Days of history (three years).
pub const DAYS: i64 = 1095;

/// The most calendar days a due date lies after acceptance (statutory limits are capped here).
const MAX_SPAN: i64 = 120;

/// Calendar days for `n` working days (7/5, rounded up).
fn span(n: i64) -> i64 {
    ((n.max(0) * 7 + 4) / 5).min(MAX_SPAN)
}

/// The first day of the history (`DAYS` days ending yesterday).
pub fn first_day(today: Date) -> Date {
    today - Duration::days(DAYS)
}

fn ddl(backend: Backend) -> [&'static str; 3] {
    let slots = match backend {
        Backend::Sqlite => {
            "CREATE TABLE bench_kpi_slots (k INTEGER PRIMARY KEY, day TEXT NOT NULL, \
             ymd TEXT NOT NULL, at TEXT NOT NULL)"
        }
        Backend::Postgres => {
            "CREATE TABLE bench_kpi_slots (k BIGINT PRIMARY KEY, day DATE NOT NULL, \
             ymd TEXT NOT NULL, at TIMESTAMPTZ NOT NULL)"
        }
    };
    [
        "CREATE TABLE bench_kpi_items (ik BIGINT PRIMARY KEY, iid BIGINT NOT NULL, \
         icode TEXT NOT NULL, iprefix TEXT NOT NULL, iversion BIGINT NOT NULL, \
         iname TEXT NOT NULL, idept BIGINT NOT NULL, idiv TEXT NOT NULL, \
         instant BIGINT NOT NULL, online BIGINT NOT NULL, pdays BIGINT NOT NULL, \
         sdays BIGINT NOT NULL, pspan BIGINT NOT NULL, sspan BIGINT NOT NULL)",
        "CREATE TABLE bench_kpi_people (pk BIGINT PRIMARY KEY, pname TEXT NOT NULL, \
         cert_enc TEXT NOT NULL, cert_idx TEXT NOT NULL, cert_mask TEXT NOT NULL, \
         phone_enc TEXT NOT NULL, phone_idx TEXT NOT NULL, phone_mask TEXT NOT NULL, \
         form_enc TEXT NOT NULL)",
        slots,
    ]
}

const DROP: [&str; 3] = [
    "DROP TABLE IF EXISTS bench_kpi_items",
    "DROP TABLE IF EXISTS bench_kpi_people",
    "DROP TABLE IF EXISTS bench_kpi_slots",
];

/// Inserts `rows` into `table (cols)`, a few hundred rows per statement.
async fn insert_rows(
    c: &mut impl Conn,
    table: &str,
    cols: &str,
    rows: Vec<Vec<Value>>,
) -> anyhow::Result<()> {
    for chunk in rows.chunks(500) {
        let mut q = Sql::new(&format!("INSERT INTO {table} ({cols}) VALUES "));
        for (i, r) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            let marks = vec!["?"; r.len()].join(", ");
            q.cond(&format!("({marks})"), r.iter().cloned());
        }
        c.execute(&q.text, &q.args).await?;
    }
    Ok(())
}

fn item_rows(items: &[ItemRow]) -> anyhow::Result<Vec<Vec<Value>>> {
    let mut out = Vec::with_capacity(items.len());
    for (k, it) in items.iter().enumerate() {
        let e: Elements = serde_json::from_str(&it.elements)?;
        let prefix: String = it
            .code
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .take(36)
            .collect();
        let instant = e.is_instant() || e.promised_limit <= 0;
        let promised = e.promised_limit.max(1);
        let statutory = e.statutory_limit.max(promised);
        out.push(vec![
            Value::from(k as i64),
            Value::from(it.id),
            Value::from(it.code.as_str()),
            Value::from(prefix),
            Value::from(it.version),
            Value::from(it.name.as_str()),
            Value::from(it.department_id),
            Value::from(it.division_code.as_str()),
            Value::from(i64::from(instant)),
            Value::from(i64::from(e.applies_online())),
            Value::from(promised),
            Value::from(statutory),
            Value::from(span(promised)),
            Value::from(span(statutory)),
        ]);
    }
    Ok(out)
}

const SURNAMES: [&str; 8] = ["陈", "李", "黄", "梁", "林", "吴", "何", "王"];
const GIVEN: [&str; 8] = ["伟", "芳", "敏", "静", "强", "磊", "洋", "婷"];

fn people_rows(keys: &Keys) -> anyhow::Result<Vec<Vec<Value>>> {
    use yiwang_cases::service::context;
    let mut out = Vec::with_capacity(PEOPLE);
    for k in 0..PEOPLE {
        let id = crate::setup::id_number(7_000_000 + k);
        let phone = format!("138{:08}", 20_260_000 + k);
        let name = format!("{}{}", SURNAMES[k % 8], GIVEN[k / 8 % 8]);
        let cert_mask = format!(
            "{}********{}",
            id.get(..6).unwrap_or_default(),
            id.get(14..).unwrap_or_default()
        );
        let phone_mask = format!(
            "{}****{}",
            phone.get(..3).unwrap_or_default(),
            phone.get(7..).unwrap_or_default()
        );
        let form = serde_json::json!({ "name": name }).to_string();
        out.push(vec![
            Value::from(k as i64),
            Value::from(name.as_str()),
            Value::from(keys.seal(context::CERT, &id)?),
            Value::from(keys.blind_index(context::CERT, &id)?),
            Value::from(cert_mask),
            Value::from(keys.seal(context::PHONE, &phone)?),
            Value::from(keys.blind_index(context::PHONE, &phone)?),
            Value::from(phone_mask),
            Value::from(keys.seal(context::FORM, &form)?),
        ]);
    }
    Ok(out)
}

/// Asia/Shanghai (no daylight saving since 1991).
const SHANGHAI: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

fn slot_rows(first: Date) -> Vec<Vec<Value>> {
    let days = DAYS + MAX_SPAN + 1;
    let mut out = Vec::with_capacity((days * SLOTS) as usize);
    for d in 0..days {
        let day = first + Duration::days(d);
        let ymd = format!(
            "{:04}{:02}{:02}",
            day.year(),
            u8::from(day.month()),
            day.day()
        );
        let opening = day
            .with_time(Time::MIDNIGHT)
            .assume_offset(SHANGHAI)
            .to_offset(UtcOffset::UTC)
            + Duration::minutes(8 * 60 + 30);
        for s in 0..SLOTS {
            let at: OffsetDateTime = opening + Duration::minutes(15 * s + (d * 7 + s * 3) % 15);
            out.push(vec![
                Value::from(d * SLOTS + s),
                Value::from(day),
                Value::from(ymd.as_str()),
                Value::from(at),
            ]);
        }
    }
    out
}

/// The cases of `[lo, hi)` out of `count`, in one statement (see the module's documentation).
/// Binds: $1 lo, $2 hi, $3 days, $4 count, $5 items, $6 people.
const CASES: &str = "WITH RECURSIVE n(i) AS (\
       SELECT CAST($1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $2), \
     g AS (SELECT i, d, h % $5 AS k, (h / 7) % 28 AS a, (h / 211) % 100 AS x, \
       (h / 13) % $6 AS p, (h / 3) % 10 AS ch, (h / 1009) % 1000 AS r \
       FROM (SELECT i, (i * 2654435761 + 12345) % 4294967291 AS h, i * $3 / $4 AS d FROM n) z), \
     u AS (SELECT g.*, it.*, CASE WHEN it.instant = 1 THEN 0 \
         WHEN g.r < 900 THEN g.r % (it.pspan + 1) ELSE g.r % (it.pspan + 15) END AS took0, \
       CASE WHEN g.d >= $3 - 2 AND g.x < 30 THEN 0 WHEN g.x = 30 THEN 1 WHEN g.x < 33 THEN 2 \
         WHEN g.x < 37 THEN 3 ELSE 4 END AS f \
       FROM g JOIN bench_kpi_items it ON it.ik = g.k), \
     v AS (SELECT u.*, CASE WHEN u.took0 > $3 - 1 - u.d THEN $3 - 1 - u.d ELSE u.took0 END AS took, \
       CASE WHEN u.online = 0 OR u.ch < 4 THEN '1' WHEN u.ch < 8 THEN '2' ELSE '3' END AS channel \
       FROM u) \
     INSERT INTO cases (case_no, item_id, item_code, item_version, item_name, department_id, \
       division_code, case_type, channel, applicant_type, applicant_name, applicant_cert_type, \
       applicant_cert_enc, applicant_cert_idx, applicant_cert_mask, contact_name, \
       contact_phone_enc, contact_phone_idx, contact_phone_mask, submitted_by, form_enc, status, \
       submitted_at, accepted_at, accept_date, promised_days, statutory_days, promised_due, \
       statutory_due, decision, decided_at, result_code, concluded_at, delivery_method, \
       delivered_at, revision, updated_at) \
     SELECT v.iprefix || s.ymd || substr(CAST(1000000 + v.i - (v.d * $4 + $3 - 1) / $3 + 1 AS TEXT), 2), \
       v.iid, v.icode, v.iversion, v.iname, v.idept, v.idiv, \
       CASE WHEN v.instant = 1 THEN '1' ELSE '2' END, v.channel, '1', pp.pname, '111', \
       pp.cert_enc, pp.cert_idx, pp.cert_mask, pp.pname, pp.phone_enc, pp.phone_idx, pp.phone_mask, \
       CASE WHEN v.channel = '1' THEN 'staff:bench_clerk' ELSE 'person:bench' END, pp.form_enc, \
       CASE v.f WHEN 0 THEN 'submitted' WHEN 1 THEN 'not_accepted' WHEN 2 THEN 'withdrawn' \
         ELSE 'delivered' END, \
       s.at, \
       CASE WHEN v.f >= 2 THEN ac.at END, \
       CASE WHEN v.f >= 2 THEN s.day END, \
       CASE WHEN v.f >= 2 AND v.instant = 0 THEN v.pdays END, \
       CASE WHEN v.f >= 2 AND v.instant = 0 THEN v.sdays END, \
       CASE WHEN v.f >= 2 AND v.instant = 0 THEN pd.day END, \
       CASE WHEN v.f >= 2 AND v.instant = 0 THEN sd.day END, \
       CASE v.f WHEN 3 THEN 'refuse' WHEN 4 THEN 'grant' END, \
       CASE WHEN v.f >= 3 THEN cn.at END, \
       CASE v.f WHEN 2 THEN '2' WHEN 3 THEN '7' WHEN 4 THEN '6' END, \
       CASE WHEN v.f >= 2 THEN cn.at END, \
       CASE WHEN v.f >= 3 THEN CASE WHEN v.channel = '1' THEN 'window' ELSE 'electronic' END END, \
       CASE WHEN v.f >= 3 THEN cn.at END, \
       1, \
       CASE WHEN v.f >= 2 THEN cn.at WHEN v.f = 1 THEN ac.at ELSE s.at END \
     FROM v \
     JOIN bench_kpi_people pp ON pp.pk = v.p \
     JOIN bench_kpi_slots s ON s.k = v.d * 32 + v.a \
     JOIN bench_kpi_slots ac ON ac.k = v.d * 32 + v.a + 1 \
     JOIN bench_kpi_slots cn ON cn.k = (v.d + v.took) * 32 + \
       CASE WHEN v.took = 0 THEN v.a + 2 + v.r % (30 - v.a) ELSE v.r % 32 END \
     JOIN bench_kpi_slots pd ON pd.k = (v.d + v.pspan) * 32 \
     JOIN bench_kpi_slots sd ON sd.k = (v.d + v.sspan) * 32 \
     ORDER BY v.i";

/// First ratings (评价 of the conclusion) for a third of the batch's concluded cases; bad ones
/// carry the comment and indicator the rating form requires.
const RATINGS: &str = "INSERT INTO ratings (case_id, service, assess_number, level, indicators, \
       comment, channel, rated_at, excluded) \
     SELECT id, 'conclude', 1, \
       CASE WHEN id % 60 = 0 THEN 1 WHEN id % 60 = 3 THEN 2 WHEN id % 60 IN (6, 9) THEN 3 \
         WHEN id % 60 < 24 THEN 4 ELSE 5 END, \
       CASE WHEN id % 60 IN (0, 3) THEN '502' ELSE '' END, \
       CASE WHEN id % 60 IN (0, 3) THEN '等待时间太长' ELSE '' END, \
       CASE WHEN channel = '1' THEN '3' ELSE '1' END, delivered_at, FALSE \
     FROM cases WHERE id > $1 AND id <= $2 AND id % 3 = 0 AND result_code IN ('6', '7')";

/// The follow-up of each bad rating of the batch: most rectified and replied (closed), a few
/// rectified, one in ten still open.
const FOLLOWUPS: &str = "INSERT INTO rating_followups (rating_id, case_id, department_id, \
       status, due_date, rectification, revision, updated_at) \
     SELECT r.id, r.case_id, c.department_id, \
       CASE WHEN r.id % 10 < 7 THEN 'closed' WHEN r.id % 10 < 9 THEN 'rectified' ELSE 'open' END, \
       COALESCE(c.promised_due, c.accept_date), \
       CASE WHEN r.id % 10 < 9 THEN '已约谈窗口人员并优化流程' ELSE '' END, 1, r.rated_at \
     FROM ratings r JOIN cases c ON c.id = r.case_id \
     WHERE r.id > $1 AND r.id <= $2 AND r.level <= 2";

#[derive(sqlx::FromRow)]
struct MaxId {
    n: i64,
}

async fn max_id(c: &mut impl Conn, table: &str) -> anyhow::Result<i64> {
    let row: MaxId = c
        .fetch_one(
            &format!("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) AS n FROM {table}"),
            &[],
        )
        .await?;
    Ok(row.n)
}

/// What [`write`] wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct Written {
    pub cases: u64,
    pub ratings: u64,
    pub followups: u64,
}

/// Writes `count` cases over the [`DAYS`] days before `today` (see the module's
/// documentation), [`BATCH`] cases a transaction, with their ratings and follow-ups.
pub async fn write(
    db: &Db,
    keys: &Keys,
    items: &[ItemRow],
    count: u64,
    today: Date,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<Written> {
    let first = first_day(today);
    let mut c = db.clone();
    for q in DROP {
        c.execute(q, &[]).await?;
    }
    for q in ddl(db.backend()) {
        c.execute(q, &[]).await?;
    }
    {
        let mut tx = db.write().await?;
        insert_rows(
            &mut tx,
            "bench_kpi_items",
            "ik, iid, icode, iprefix, iversion, iname, idept, idiv, instant, online, pdays, \
             sdays, pspan, sspan",
            item_rows(items)?,
        )
        .await?;
        insert_rows(
            &mut tx,
            "bench_kpi_people",
            "pk, pname, cert_enc, cert_idx, cert_mask, phone_enc, phone_idx, phone_mask, form_enc",
            people_rows(keys)?,
        )
        .await?;
        insert_rows(
            &mut tx,
            "bench_kpi_slots",
            "k, day, ymd, at",
            slot_rows(first),
        )
        .await?;
        tx.commit().await?;
    }
    if db.backend() == Backend::Postgres {
        for t in ["bench_kpi_items", "bench_kpi_people", "bench_kpi_slots"] {
            c.execute(&format!("ANALYZE {t}"), &[]).await?;
        }
    }
    let mut out = Written::default();
    let mut n = 0u64;
    let items_n = items.len() as i64;
    let count_i = i64::try_from(count)?;
    while n < count {
        let end = (n + BATCH).min(count);
        let mut tx = db.write().await?;
        let (case0, rating0) = (
            max_id(&mut tx, "cases").await?,
            max_id(&mut tx, "ratings").await?,
        );
        out.cases += tx
            .execute(
                CASES,
                args![
                    i64::try_from(n)?,
                    i64::try_from(end)?,
                    DAYS,
                    count_i,
                    items_n,
                    PEOPLE as i64
                ],
            )
            .await?;
        let case1 = max_id(&mut tx, "cases").await?;
        out.ratings += tx.execute(RATINGS, args![case0, case1]).await?;
        let rating1 = max_id(&mut tx, "ratings").await?;
        out.followups += tx.execute(FOLLOWUPS, args![rating0, rating1]).await?;
        tx.commit().await?;
        n = end;
        progress(n);
    }
    for q in DROP {
        c.execute(q, &[]).await?;
    }
    if db.backend() == Backend::Postgres {
        // What autovacuum would do after a load this size (the refresh's plans depend on it).
        for t in ["cases", "ratings", "rating_followups"] {
            c.execute(&format!("ANALYZE {t}"), &[]).await?;
        }
    }
    Ok(out)
}
