//! The intake half of `yiwang bench routing`: work orders (工单) filed over HTTP by 64
//! concurrent clients through Open311 GeoReport v2 (`POST /open311/v2/requests.json`, form
//! urlencoded, with an api key: the key checked, the form read, the order validated, its
//! contact phone sealed, routed to the point's grid or the category's department, its time limit
//! set from the working-day calendar, written with its events and audit entry in one durable
//! commit, answered from what was written), beside the bare insert of the same rows
//! (`appeal_sequences` upsert, the `appeals` row, its events in one statement as the domain
//! writes them) by plain sqlx in one transaction per order, in the same run on the same SQLite
//! file (WAL, `synchronous=FULL`). Target: intake ≥ 50 % of the bare insert.
//!
//! The other half (points routed through the grid index beside a brute-force scan) is
//! `super::points`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Method, StatusCode};
use sqlx::Row;
use yiwang_appeals::GridKind;
use yiwang_appeals::fixture::Square;
use yiwang_appeals::views::CategoryInput;
use yiwang_identity::{Keys, StaffInput};
use yiwang_kernel::auth::Ctx;
use yiwang_web::{AppState, ServiceSettings, Services, WebConfig};

use crate::http::{Http, Server};
use crate::load::{cores, drive, first_error};
use crate::setup::{Scratch, clock, department, uscc};

/// A number never used twice in a run (bare numbers, tokens, phones).
static NEXT: AtomicU64 = AtomicU64::new(0);

/// The category every order is filed under.
const SERVICE_CODE: &str = "BENCH-LIGHT";

/// The south-west corner of the area orders fall in, the side of one grid and the grids per
/// side (10 × 10 grids of about 1 km).
const WEST: f64 = 110.31;
const SOUTH: f64 = 21.22;
const GRID_SIDE: f64 = 0.01;
const GRIDS_PER_SIDE: u32 = 10;

/// A place in 赤坎区 for order `n`: spread over about 10 km × 10 km, so that few orders are
/// likely duplicates of each other (the duplicate check runs on every intake).
fn place(n: u64) -> (f64, f64) {
    let x = (n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as f64 / (1u64 << 24) as f64;
    let y = (n.wrapping_mul(0xC2B2_AE3D_27D4_EB4F) >> 40) as f64 / (1u64 << 24) as f64;
    let span = GRID_SIDE * f64::from(GRIDS_PER_SIDE);
    (WEST + span * x, SOUTH + span * y)
}

/// The form of one Open311 POST.
fn form(key: &str, client: usize, n: u64) -> String {
    let (lon, lat) = place(n);
    form_urlencoded::Serializer::new(String::new())
        .append_pair("api_key", key)
        .append_pair("jurisdiction_id", "440800")
        .append_pair("service_code", SERVICE_CODE)
        .append_pair("lat", &format!("{lat:.6}"))
        .append_pair("long", &format!("{lon:.6}"))
        .append_pair(
            "address_string",
            &format!("湛江市赤坎区人民大道北{}号", n % 500 + 1),
        )
        .append_pair(
            "description",
            &format!("路灯不亮，已经好几天了，晚上出行不便。（客户端 {client}，第 {n} 单）"),
        )
        .append_pair("attribute[appeal_type]", "help")
        .append_pair("first_name", "明")
        .append_pair("last_name", "李")
        .append_pair("phone", &format!("138{:08}", n % 100_000_000))
        .finish()
}

/// One order over HTTP; whether it was filed (200 with a `service_request_id`).
async fn post(client: &Http, body: String) -> bool {
    let Ok(req) = client
        .request(Method::POST, "/open311/v2/requests.json")
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(Full::new(Bytes::from(body)))
    else {
        return false;
    };
    match client.send(req).await {
        Some(a)
            if a.status == StatusCode::OK
                && a.body.starts_with(b"[{")
                && a.body
                    .windows(22)
                    .any(|w| w == b"\"service_request_id\":\"") =>
        {
            true
        }
        Some(a) => {
            first_error(
                "open311 post",
                &format!("{} {}", a.status, String::from_utf8_lossy(&a.body)),
            );
            false
        }
        None => {
            first_error("open311 post", "no answer");
            false
        }
    }
}

/// The columns of an order the bare insert writes again (all but its id, number and token).
const APPEAL_COLUMNS: &[&str] = &[
    "channel",
    "appeal_type",
    "category_code",
    "title",
    "content",
    "address",
    "division",
    "contact_name",
    "contact_phone_enc",
    "contact_phone_idx",
    "contact_phone_mask",
    "contact_email",
    "media_url",
    "complained_unit",
    "status",
    "received_by",
    "received_at",
    "due_at",
    "updated_at",
];

/// A filed order's row and events, read back to be inserted again.
struct Sample {
    texts: Vec<Option<String>>,
    lon: Option<f64>,
    lat: Option<f64>,
    anonymous: bool,
    confidential: bool,
    ids: [Option<i64>; 4],
    dispatched_at: Option<String>,
    received_at: String,
    limit_days: i64,
    events: Vec<SampleEvent>,
}

struct SampleEvent {
    texts: [Option<String>; 6],
    ids: [Option<i64>; 3],
}

const ID_COLUMNS: [&str; 4] = ["open311_key_id", "grid_id", "department_id", "assignee_id"];
const EVENT_TEXTS: [&str; 6] = ["kind", "actor", "from_status", "to_status", "text", "data"];
const EVENT_IDS: [&str; 3] = ["to_grid_id", "to_department_id", "to_user_id"];

async fn sample(pool: &sqlx::SqlitePool, appeal_no: &str) -> Result<Sample, sqlx::Error> {
    let row = sqlx::query("SELECT * FROM appeals WHERE appeal_no = $1")
        .bind(appeal_no)
        .fetch_one(pool)
        .await?;
    let mut texts = Vec::new();
    for c in APPEAL_COLUMNS {
        texts.push(row.try_get::<Option<String>, _>(*c)?);
    }
    let mut ids = [None; 4];
    for (slot, c) in ids.iter_mut().zip(ID_COLUMNS) {
        *slot = row.try_get::<Option<i64>, _>(c)?;
    }
    let id: i64 = row.try_get("id")?;
    let mut events = Vec::new();
    for e in sqlx::query("SELECT * FROM appeal_events WHERE appeal_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(pool)
        .await?
    {
        let mut t: [Option<String>; 6] = Default::default();
        for (slot, c) in t.iter_mut().zip(EVENT_TEXTS) {
            *slot = e.try_get(c)?;
        }
        let mut i = [None; 3];
        for (slot, c) in i.iter_mut().zip(EVENT_IDS) {
            *slot = e.try_get(c)?;
        }
        events.push(SampleEvent { texts: t, ids: i });
    }
    Ok(Sample {
        texts,
        lon: row.try_get("lon")?,
        lat: row.try_get("lat")?,
        anonymous: row.try_get("anonymous")?,
        confidential: row.try_get("confidential")?,
        ids,
        dispatched_at: row.try_get("dispatched_at")?,
        received_at: row.try_get("received_at")?,
        limit_days: row.try_get("limit_days")?,
        events,
    })
}

/// The rows of one order, as the appeals domain writes them, in one durable transaction.
async fn insert_rows(pool: &sqlx::SqlitePool, s: &Sample, n: u64) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let (seq,): (i64,) = sqlx::query_as(
        "INSERT INTO appeal_sequences (division, day, last) VALUES ('BARE', '20261207', 1) \
         ON CONFLICT (division, day) DO UPDATE SET last = appeal_sequences.last + 1 RETURNING last",
    )
    .fetch_one(&mut *tx)
    .await?;
    let no = format!("BARE20261207{seq:08}");
    let token = format!("bare-token-{n:016x}");
    // The columns in the order of APPEAL_COLUMNS and ID_COLUMNS.
    const INSERT: &str = "INSERT INTO appeals (appeal_no, token, channel, appeal_type, category_code, title, content, address, division, contact_name, contact_phone_enc, contact_phone_idx, contact_phone_mask, contact_email, media_url, complained_unit, status, received_by, received_at, due_at, updated_at, open311_key_id, grid_id, department_id, assignee_id, lon, lat, anonymous, confidential, dispatched_at, limit_days) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31) RETURNING id";
    let mut q = sqlx::query_as::<_, (i64,)>(INSERT).bind(&no).bind(&token);
    for t in &s.texts {
        q = q.bind(t);
    }
    for i in s.ids {
        q = q.bind(i);
    }
    let (id,) = q
        .bind(s.lon)
        .bind(s.lat)
        .bind(s.anonymous)
        .bind(s.confidential)
        .bind(&s.dispatched_at)
        .bind(s.limit_days)
        .fetch_one(&mut *tx)
        .await?;
    // The events in one statement, as the domain writes them.
    let mut sql = String::from(
        "INSERT INTO appeal_events (appeal_id, kind, actor, from_status, to_status, text, data, \
         to_grid_id, to_department_id, to_user_id, at) VALUES ",
    );
    for i in 0..s.events.len() {
        let b = i * 11;
        if i > 0 {
            sql.push_str(", ");
        }
        let marks: Vec<String> = (1..=11).map(|k| format!("${}", b + k)).collect();
        sql.push_str(&format!("({})", marks.join(", ")));
    }
    if !s.events.is_empty() {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for e in &s.events {
            q = q.bind(id);
            for t in &e.texts {
                q = q.bind(t);
            }
            for i in e.ids {
                q = q.bind(i);
            }
            q = q.bind(&s.received_at);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// Runs the intake benchmark: `clients` concurrent clients, `seconds` per phase.
pub async fn run(clients: usize, seconds: u64) -> anyhow::Result<()> {
    let scratch = Scratch::open(None, 16).await?;
    let db = scratch.db.clone();
    let clock = clock();
    let keys = Keys::ephemeral()?;
    let t0 = Instant::now();
    let config = WebConfig::default();
    let settings = ServiceSettings::new(db.clone(), clock.clone(), keys);
    let state = AppState::new(config.clone(), Services::build(&config, settings))?;
    let sys = Ctx::system("bench");
    let dept = department(
        &db,
        clock.clone(),
        &uscc("11440800MB2C12345")?,
        "湛江市城市管理和综合执法局",
        "0759-3100012",
    )
    .await?;
    state
        .appeals
        .save_category(
            &sys,
            CategoryInput {
                code: SERVICE_CODE.into(),
                name: "路灯不亮".into(),
                parent_code: None,
                department_id: Some(dept),
                specialty: None,
                description: "道路照明设施故障".into(),
                keywords: "路灯,照明".into(),
                active: true,
            },
        )
        .await?;
    // 100 unit grids of 0.01° over the area the orders fall in, one grid worker answering
    // for them: every order is routed through the grid index to a grid and its worker.
    let worker = state
        .identity
        .create_staff(
            &sys,
            &StaffInput {
                username: "bench_grid_worker".into(),
                name: "压测网格员".into(),
                department_id: dept,
                roles: vec!["grid_worker".into()],
                password: crate::setup::PASSWORD.into(),
            },
        )
        .await?
        .id;
    for i in 0..GRIDS_PER_SIDE {
        for j in 0..GRIDS_PER_SIDE {
            let code = format!("BENCH-{i:02}{j:02}");
            let name = format!("压测网格{i:02}{j:02}");
            yiwang_appeals::fixture::add_square(
                &db,
                &state.appeals,
                &Square {
                    code: &code,
                    name: &name,
                    kind: GridKind::Unit,
                    specialty: None,
                    division: "440802",
                    department_id: Some(dept),
                    lon: WEST + GRID_SIDE * f64::from(i),
                    lat: SOUTH + GRID_SIDE * f64::from(j),
                    size: GRID_SIDE,
                },
                &[worker],
            )
            .await?;
        }
    }
    let (_, key) = state.appeals.issue_key(&sys, "压测客户端", "bench").await?;
    println!(
        "routing intake: category {SERVICE_CODE} of department {dept}, {} unit grids with a worker and an api key ready in {:.1} s on {}",
        GRIDS_PER_SIDE * GRIDS_PER_SIDE,
        t0.elapsed().as_secs_f64(),
        scratch.describe()
    );
    println!(
        "machine: {} logical CPUs; {clients} concurrent clients; {seconds} s per phase after 2 s warm-up",
        cores()
    );

    let server = Server::start(state.clone()).await?;
    let client = Http::new(&server.base, clients);
    let first = form(&key, 0, NEXT.fetch_add(1, Ordering::Relaxed));
    if !post(&client, first).await {
        anyhow::bail!("an Open311 POST failed");
    }

    // 1. Intake over HTTP (Open311 POST).
    let intake = {
        let (client, key) = (client.clone(), Arc::new(key.clone()));
        drive(clients, seconds, move |c, _| {
            let (client, key) = (client.clone(), key.clone());
            async move {
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                post(&client, form(&key, c, n)).await
            }
        })
        .await?
    };
    server.stop();

    // 2. The bare insert of the same rows (a filed order's row and events read back).
    // Durable the plain way: its own pool on the same file with `synchronous=FULL`.
    if db.backend() != yiwang_store::Backend::Sqlite {
        anyhow::bail!("the bench runs on SQLite");
    }
    let pool = crate::setup::full_sync_pool(&scratch.url).await?;
    let (sample_no,): (String,) =
        sqlx::query_as("SELECT appeal_no FROM appeals ORDER BY id DESC LIMIT 1")
            .fetch_one(&pool)
            .await?;
    let s = Arc::new(sample(&pool, &sample_no).await?);
    let bare = {
        let (pool, s) = (pool.clone(), s.clone());
        drive(clients, seconds, move |_, _| {
            let (pool, s) = (pool.clone(), s.clone());
            async move {
                match insert_rows(&pool, &s, NEXT.fetch_add(1, Ordering::Relaxed)).await {
                    Ok(()) => true,
                    Err(e) => {
                        first_error("bare insert", &e.to_string());
                        false
                    }
                }
            }
        })
        .await?
    };

    println!();
    println!("{}", intake.line("intake over HTTP (Open311 POST)"));
    println!(
        "{}",
        bare.line(&format!(
            "bare insert of the same rows ({} events)",
            s.events.len()
        ))
    );
    let pct = intake.percent_of(&bare);
    println!(
        "intake: {:.0} orders/s, bare insert {:.0} orders/s: {pct:.0}% (target ≥ 50 %: {})",
        intake.rate(),
        bare.rate(),
        if pct >= 50.0 { "met" } else { "NOT met" }
    );
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM appeals")
        .fetch_one(&pool)
        .await?;
    println!("{n} work orders in the database after the run");
    db.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_spread_over_chikan() {
        let mut seen = std::collections::HashSet::new();
        for n in 0..1000 {
            let (lon, lat) = place(n);
            assert!((110.31..=110.41).contains(&lon) && (21.22..=21.32).contains(&lat));
            seen.insert(((lon * 1e4) as i64, (lat * 1e4) as i64));
        }
        assert!(seen.len() > 990);
    }

    #[test]
    fn the_form_names_every_argument() {
        let f = form("k", 3, 7);
        let args: std::collections::HashMap<String, String> =
            form_urlencoded::parse(f.as_bytes()).into_owned().collect();
        assert_eq!(args["api_key"], "k");
        assert_eq!(args["service_code"], SERVICE_CODE);
        assert_eq!(args["attribute[appeal_type]"], "help");
        assert!(args["description"].contains("第 7 单"));
    }
}
