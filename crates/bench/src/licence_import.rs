//! `yiwang bench licence-import --rows N`: a bulk import of N licences of a person licence type
//! through the real domain path (`LicenceImports::create` + `drive`: stored chunks, check
//! pass, parallel SM2 seals, batched inserts), into a fresh temporary SQLite database (or the
//! PostgreSQL database given with `--database-url`), beside the bare `sm2` signing rate
//! measured in the same run with the same number of threads (before and after the import; the
//! mean is the reference, the machine being shared).

use std::time::Instant;

use serde_json::json;
use sm2::dsa::signature::Signer;
use yiwang_kernel::auth::Ctx;
use yiwang_licences::{DEFAULT_ID, LicenceImports, LicenceService, LicenceType, SealKey};
use yiwang_store::{Conn, args};

use crate::load::{Phase, bare, cores};
use crate::setup::{Scratch, clock, department, id_number, uscc};

const TYPE: &str = "11100000000013338W011";

/// The CSV of `rows` teacher qualification certificates: every other row carries its
/// (foreign) identifier, the others get one from Yiwang.
fn file(rows: usize) -> anyhow::Result<Vec<u8>> {
    use std::fmt::Write;
    let foreign_issuer = uscc("11440000MB0C00000")?;
    let mut s = String::with_capacity(rows * 190 + 200);
    s.push_str("证照标识,证照编号,持证人姓名,身份证号码,发证日期,有效期起始日期,有效期截止日期,任教学科,资格种类,培训学时\n");
    for i in 0..rows {
        let ident = if i % 2 == 0 {
            yiwang_licences::Identifier::new(TYPE, &foreign_issuer, &format!("2019{i:010}"), 1)
                .map_err(|e| anyhow::anyhow!(e.en))?
                .to_string()
        } else {
            String::new()
        };
        writeln!(
            s,
            "{ident},JS2019{i:010},张三{},{},2019-07-{:02},2019-07-01,,{},{},{}",
            i % 97,
            id_number(i),
            1 + i % 28,
            ["语文", "数学", "英语", "物理"][i % 4],
            if i % 3 == 0 { "小学" } else { "初级中学" },
            i % 200
        )?;
    }
    Ok(s.into_bytes())
}

/// CPU seconds (user + system) this process has used so far (`/proc/self/stat`, 100 Hz ticks).
fn cpu_seconds() -> f64 {
    let Ok(s) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // The fields after the command name (which may hold spaces) start after the last ')'.
    let rest = s.rsplit_once(')').map(|r| r.1).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

/// Runs the benchmark: a file of `rows` rows, `seconds` of bare signing before and after,
/// `threads` signing threads (default: every core), on a fresh SQLite file or the database at
/// `database_url`.
pub async fn run(
    rows: usize,
    seconds: u64,
    threads: Option<usize>,
    database_url: Option<String>,
) -> anyhow::Result<()> {
    let threads = threads.unwrap_or_else(cores);
    let scratch = Scratch::open(database_url, 8).await?;
    let db = scratch.db.clone();
    let clock = clock();
    let keys = yiwang_identity::Keys::ephemeral()?;
    let identity = yiwang_identity::IdentityService::new(
        db.clone(),
        clock.clone(),
        Default::default(),
        keys.clone(),
    );
    let sys = Ctx::system("bench");
    let dept_uscc = uscc("11440800MB2C12509")?;
    let dept = department(
        &db,
        clock.clone(),
        &dept_uscc,
        "湛江市教育局",
        "0759-3100001",
    )
    .await?;
    let svc = LicenceService::new(db.clone(), clock.clone(), keys, identity);
    svc.define_type(
        &sys,
        &LicenceType {
            code: TYPE.into(),
            name: "教师资格证".into(),
            definer_name: "教育部".into(),
            holder_type: "person".into(),
            face_schema: json!([
                {"key": "subject", "label": "任教学科", "kind": "text", "required": true},
                {"key": "level", "label": "资格种类", "kind": "choice", "required": true,
                 "options": [{"code": "primary", "label": "小学"}, {"code": "middle", "label": "初级中学"}]},
                {"key": "hours", "label": "培训学时", "kind": "number", "decimals": 0}
            ])
            .to_string(),
            validity_years: 0,
        },
    )
    .await?;

    // The bare signing reference: the canonical form of a licence like the imported ones.
    let key = SealKey::generate().map_err(|_| anyhow::anyhow!("cannot generate a seal key"))?;
    let secret = sm2::SecretKey::from_slice(&key.to_bytes())?;
    let bare_key = sm2::dsa::SigningKey::new(DEFAULT_ID, &secret)?;
    let doc = yiwang_licences::canonical(&json!({
        "v": 1, "identifier": format!("1.2.156.3005.2.{TYPE}.{dept_uscc}.20260000000001.001.0"),
        "type_code": TYPE, "number": "JS20190000000001", "holder_type": "person", "holder_name": "张三1",
        "holder_code_type": "111", "holder_code": id_number(1), "issuer_name": "湛江市教育局",
        "issuer_uscc": dept_uscc, "issue_date": "2019-07-02", "valid_from": "2019-07-01", "valid_to": null,
        "face": {"subject": "数学", "level": "middle", "hours": "1"}, "previous_identifier": null,
    }))
    .map_err(|e| anyhow::anyhow!(e.0))?;
    // Each bare phase also reports the CPU seconds it used: CPU time per signature is the
    // figure a shared machine (other builders, steal) disturbs least.
    let measure_bare = |label: &'static str| -> anyhow::Result<(Phase, f64)> {
        let (bk, doc) = (bare_key.clone(), doc.clone());
        let c0 = cpu_seconds();
        let p = bare(threads, seconds, move |_| {
            let s: sm2::dsa::Signature = bk.sign(&doc);
            s.to_bytes().len() == 64
        })?;
        let cpu = cpu_seconds() - c0;
        println!(
            "{}   cpu {:.1} µs/signature",
            p.line(label),
            1e6 * cpu / p.requests.max(1) as f64
        );
        Ok((p, cpu))
    };
    println!(
        "licence import: {rows} rows, {threads} signing threads, {} logical CPUs, database {}",
        cores(),
        scratch.describe()
    );
    let (before, before_cpu) = measure_bare("bare sm2 sign (before)")?;

    let t0 = Instant::now();
    let bytes = file(rows)?;
    println!(
        "file: {:.1} MiB generated in {:.1} s",
        bytes.len() as f64 / 1048576.0,
        t0.elapsed().as_secs_f64()
    );
    let imports = LicenceImports::new(svc.clone()).with_threads(threads);
    let c_start = cpu_seconds();
    let t_start = Instant::now();
    let job = imports
        .create(&sys, TYPE, dept, "bench.csv", &bytes)
        .await?;
    drop(bytes);
    let t_stored = t_start.elapsed();
    // Watch the phases (the check ends when the job turns to sealing).
    let watcher = {
        let imports = imports.clone();
        let id = job.id;
        tokio::spawn(async move {
            let mut check_done = None;
            let mut last_print = Instant::now();
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                let Ok(j) = imports.job_status(id).await else {
                    continue;
                };
                if check_done.is_none() && j.status != "checking" && j.status != "queued" {
                    check_done = Some(Instant::now());
                }
                if last_print.elapsed().as_secs() >= 10 {
                    last_print = Instant::now();
                    println!(
                        "  … {} {}/{} ({:.1} %)",
                        j.status, j.processed_rows, j.total_rows, j.percent
                    );
                }
                if j.finished() {
                    return check_done;
                }
            }
        })
    };
    let done = imports.drive(job.id).await?;
    let total = t_start.elapsed();
    let import_cpu = cpu_seconds() - c_start;
    let check_end = watcher.await?.unwrap_or_else(Instant::now);
    if done.status != "done" {
        anyhow::bail!(
            "the import ended {} ({} errors): {}",
            done.status,
            done.error_count,
            done.message
        );
    }
    let t_check = check_end.duration_since(t_start) - t_stored;
    let t_seal = total.saturating_sub(t_stored + t_check);
    let (after, after_cpu) = measure_bare("bare sm2 sign (after)")?;
    let bare_rate = (before.rate() + after.rate()) / 2.0;
    let bare_cpu_per_sig =
        (before_cpu + after_cpu) / (before.requests + after.requests).max(1) as f64;
    let import_cpu_per_row = import_cpu / (done.imported_rows.max(1) as f64);

    // A sample verifies.
    let mut c = db.clone();
    let sample: Vec<(String,)> = c
        .fetch_all(
            "SELECT identifier FROM licences WHERE import_id = $1 ORDER BY import_line LIMIT 50",
            args![done.id],
        )
        .await?;
    let mut valid = 0;
    for (id,) in &sample {
        if svc.verify(id).await?.verdict == "valid" {
            valid += 1;
        }
    }
    let overall = done.imported_rows as f64 / total.as_secs_f64();
    let sealing = done.imported_rows as f64 / t_seal.as_secs_f64().max(1e-9);
    println!(
        "stored the file in {:.1} s; check pass {:.1} s ({:.0} rows/s); sealing {:.1} s ({:.0} rows/s)",
        t_stored.as_secs_f64(),
        t_check.as_secs_f64(),
        rows as f64 / t_check.as_secs_f64().max(1e-9),
        t_seal.as_secs_f64(),
        sealing
    );
    println!(
        "imported {} licences in {:.1} s: {overall:.0} rows/s end to end = {:.1} % of bare signing ({bare_rate:.0}/s, mean of before/after); sealing phase alone {:.1} %",
        done.imported_rows,
        total.as_secs_f64(),
        100.0 * overall / bare_rate.max(1e-9),
        100.0 * sealing / bare_rate.max(1e-9)
    );
    println!(
        "cpu: {:.1} µs per imported licence vs {:.1} µs per bare signature: bare/import = {:.1} %",
        1e6 * import_cpu_per_row,
        1e6 * bare_cpu_per_sig,
        100.0 * bare_cpu_per_sig / import_cpu_per_row.max(1e-12)
    );
    println!(
        "sample verification: {valid}/{} valid; peak RSS {} MiB",
        sample.len(),
        peak_rss_kib().map(|k| k / 1024).unwrap_or(0)
    );
    db.close().await;
    Ok(())
}
