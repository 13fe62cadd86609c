//! The seal pass: a reader (on the blocking pool) validates the rows after the committed ones
//! into batches, the worker pool signs them, and this task inserts each batch in file order in
//! one write transaction that also advances `processed_rows` (compare-and-set on the runner).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;
use time::OffsetDateTime;
use yiwang_kernel::{Error, Result};
use yiwang_org::service::department_in;
use yiwang_sheets::Encoding;

use super::check::Checker;
use super::chunks::open_rows;
use super::pipeline::{Sealed, SignCtx, par_seal};
use super::repo::{self, JobRow};
use super::{LEASE, LicenceImports, lost_claim};
use crate::service::LicenceType;

impl LicenceImports {
    /// The seal pass; `None` when interrupted on purpose.
    pub(super) async fn seal(
        &self,
        job: &JobRow,
        t: &LicenceType,
        runner: &str,
    ) -> Result<Option<JobRow>> {
        let mut db = self.db();
        let department = department_in(&mut db, job.department_id)
            .await?
            .ok_or_else(|| Error::internal("import job without its issuing department"))?;
        let (dept_name, dept_uscc) = (department.name, department.uscc.as_str().to_string());
        let (kid, key) = {
            let mut tx = self.svc.db.write().await?;
            let k = self.svc.seal_key(&mut tx, job.department_id).await?;
            tx.commit().await?;
            k
        };
        let key = Arc::new(key);
        let skip = u64::try_from(job.processed_rows).unwrap_or(0);
        let threads = self.threads;
        let (res_tx, mut res_rx) =
            tokio::sync::mpsc::channel::<Result<(u64, Vec<Sealed>)>>(threads * 2);
        let rt = tokio::runtime::Handle::current();
        let producer = {
            let me = self.clone();
            let job = job.clone();
            let t = t.clone();
            let ctx = SignCtx {
                type_code: t.code.clone(),
                holder_type: t.holder_type.clone(),
                issuer_name: dept_name.clone(),
                issuer_uscc: dept_uscc.clone(),
                serial_year: job.serial_year.unwrap_or(0),
                serial_first: job.serial_first.unwrap_or(0),
                key: key.clone(),
                keys: self.svc.keys.clone(),
            };
            tokio::task::spawn_blocking(move || me.produce(&rt, &job, &t, skip, &ctx, res_tx))
        };
        let now = self.now();
        let mut next: u64 = 0;
        let mut waiting: BTreeMap<u64, Vec<Sealed>> = BTreeMap::new();
        let mut processed = job.processed_rows;
        let mut imported = job.imported_rows;
        let mut committed_batches = 0usize;
        let mut failure: Option<Error> = None;
        'recv: while let Some(msg) = res_rx.recv().await {
            let (k, batch) = match msg {
                Ok(x) => x,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            };
            waiting.insert(k, batch);
            while let Some(batch) = waiting.remove(&next) {
                next += 1;
                if let Err(e) = self
                    .insert_batch(
                        job,
                        t,
                        runner,
                        &kid,
                        &dept_name,
                        &dept_uscc,
                        batch,
                        &mut processed,
                        &mut imported,
                        now,
                    )
                    .await
                {
                    failure = Some(e);
                    break 'recv;
                }
                committed_batches += 1;
                if self.interrupt_after.is_some_and(|n| committed_batches >= n) {
                    drop(res_rx);
                    let _ = producer.await;
                    return Ok(None);
                }
            }
        }
        drop(res_rx);
        let produced = producer
            .await
            .map_err(|e| Error::internal(format!("seal task: {e}")))?;
        if let Some(e) = failure {
            return Err(e);
        }
        produced?;
        if !waiting.is_empty() {
            return Err(Error::internal("sealed batches left unwritten"));
        }
        // Done.
        let now = self.now();
        let mut tx = self.svc.db.write().await?;
        let n = repo::finish(&mut tx, job.id, runner, now).await?;
        if n != 1 {
            return Err(lost_claim());
        }
        repo::drop_chunks(&mut tx, job.id).await?;
        self.end_entry(
            &mut tx,
            job,
            "done",
            json!({ "rows": job.total_rows, "imported": imported, "warnings": job.warning_count, "seal_key": kid }),
            now,
        )
        .await?;
        tx.commit().await?;
        let mut db = self.db();
        Ok(Some(
            repo::job(&mut db, job.id)
                .await?
                .ok_or_else(Error::not_found)?,
        ))
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_batch(
        &self,
        job: &JobRow,
        t: &LicenceType,
        runner: &str,
        kid: &str,
        dept_name: &str,
        dept_uscc: &str,
        batch: Vec<Sealed>,
        processed: &mut i64,
        imported: &mut i64,
        sealed_at: OffsetDateTime,
    ) -> Result<()> {
        let Some(last) = batch.last() else {
            return Ok(());
        };
        let new_processed = i64::try_from(last.ordinal + 1).unwrap_or(i64::MAX);
        let count = batch.len();
        let new_imported = *imported + i64::try_from(count).unwrap_or(0);
        let mut tx = self.svc.db.write().await?;
        repo::larger_cache(&mut tx).await?;
        let common = repo::BatchCommon {
            sealed_at,
            type_code: &t.code,
            holder_type: &t.holder_type,
            department_id: job.department_id,
            issuer_name: dept_name,
            issuer_uscc: dept_uscc,
            seal_key_id: kid,
            import_id: job.id,
        };
        repo::insert_licences(&mut tx, &common, batch.into_iter().map(|s| s.row)).await?;
        let n = repo::advance(
            &mut tx,
            job.id,
            runner,
            *processed,
            new_processed,
            new_imported,
            self.now() + LEASE,
        )
        .await?;
        if n != 1 {
            return Err(lost_claim());
        }
        tx.commit().await?;
        *processed = new_processed;
        *imported = new_imported;
        Ok(())
    }

    /// Reads, validates and signs the rows after `skip` (blocking; `threads` signing workers).
    fn produce(
        &self,
        rt: &tokio::runtime::Handle,
        job: &JobRow,
        t: &LicenceType,
        skip: u64,
        ctx: &SignCtx,
        out: tokio::sync::mpsc::Sender<Result<(u64, Vec<Sealed>)>>,
    ) -> Result<()> {
        let db = self.db();
        let encoding = match job.encoding.as_deref() {
            Some("gb18030") => Encoding::Gb18030,
            _ => Encoding::Utf8,
        };
        let (headers, rows) = open_rows(&db, rt, job, encoding)?;
        let checker = Checker::new(t, &headers, self.svc.today())
            .map_err(|_| Error::internal("the file's header no longer resolves"))?;
        par_seal(
            self.threads,
            self.batch_rows,
            &checker,
            rows,
            skip,
            ctx,
            out,
        )
    }
}
