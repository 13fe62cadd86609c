//! Running a load: the claim (runner and lease, attempts), the passes (a check pass first in
//! reject-the-file mode, then the load pass from the checkpoint), closing the keys a full load
//! lacks or a push deletes, and the end (status, the resource's load state, the audit entry).

use std::path::PathBuf;

use serde_json::json;
use time::Duration;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::Actor;
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::{Error, ErrorCode, Result};

use super::{Collector, Input, Issue, LEASE, LoadView, MAX_ATTEMPTS, lost_claim, run};
use crate::model::Resource;
use crate::repo::loads::{self, LoadRow};
use crate::repo::{bulk, resources, rows};

impl Collector {
    /// Resumes every unfinished file load, one task each (the server calls this at start-up).
    pub async fn resume_all(&self) -> Result<usize> {
        let mut db = self.svc.db().clone();
        let ids = loads::unfinished(&mut db).await?;
        for &id in &ids {
            let me = self.clone();
            tokio::spawn(async move {
                if let Err(e) = me.drive(id).await {
                    tracing::error!(load = id, error = %e, "exchange load could not be resumed");
                }
            });
        }
        Ok(ids.len())
    }

    /// Runs a load to its end, waiting for another runner's lapsed claim if need be.
    pub async fn drive(&self, id: i64) -> Result<LoadView> {
        loop {
            let (v, claimed) = self.run_once(id).await?;
            if v.finished() || claimed {
                return Ok(v);
            }
            let mut db = self.svc.db().clone();
            let until = loads::lease_until(&mut db, id)
                .await?
                .unwrap_or_else(|| self.now());
            let wait = (until - self.now()).clamp(Duration::milliseconds(200), LEASE);
            tokio::time::sleep(wait.unsigned_abs()).await;
        }
    }

    async fn run_once(&self, id: i64) -> Result<(LoadView, bool)> {
        let runner = {
            let mut b = [0u8; 12];
            getrandom::fill(&mut b).map_err(|e| Error::internal(format!("randomness: {e}")))?;
            hex::encode(b)
        };
        let now = self.now();
        let mut tx = self.svc.db().write().await?;
        let claimed = loads::claim(&mut tx, id, &runner, now + LEASE, now).await?;
        tx.commit().await?;
        let mut db = self.svc.db().clone();
        let Some(job) = loads::get(&mut db, id).await? else {
            return Err(Error::not_found());
        };
        if !claimed {
            return Ok((job.view(), false));
        }
        if job.attempts > MAX_ATTEMPTS {
            let e = Error::new(ErrorCode::Internal).with_detail(
                format!("归集任务已启动{MAX_ATTEMPTS}次仍未完成，已停止，请检查文件后重新归集"),
                format!("The load was started {MAX_ATTEMPTS} times without finishing; it was stopped: check the file and load it again"),
            );
            self.end(&job, &runner, "failed", &e.message(Lang::Zh), None)
                .await?;
            return Ok((self.status(id).await?, true));
        }
        match self.work(job, &runner).await {
            Ok(v) => Ok((v, true)),
            Err(e) if e.code == ErrorCode::Conflict => Ok((self.status(id).await?, false)),
            Err(e) => {
                tracing::error!(load = id, error = %e, internal = ?e.internal, "exchange load failed");
                let mut db = self.svc.db().clone();
                if let Some(job) = loads::get(&mut db, id).await? {
                    let msg = format!("{} / {}", e.message(Lang::Zh), e.message(Lang::En));
                    self.end(&job, &runner, "failed", &msg, None).await?;
                }
                Ok((self.status(id).await?, true))
            }
        }
    }

    async fn input(&self, job: &LoadRow) -> Result<Input> {
        if let Some(p) = &job.file_path {
            return Ok(Input::Path(PathBuf::from(p)));
        }
        let mut db = self.svc.db().clone();
        Ok(Input::Bytes(bytes::Bytes::from(
            loads::file(&mut db, job.id).await?,
        )))
    }

    async fn work(&self, job: LoadRow, runner: &str) -> Result<LoadView> {
        let mut db = self.svc.db().clone();
        let Some(r) = resources::version(&mut db, job.resource_id, job.resource_version).await?
        else {
            return Err(Error::not_found());
        };
        let input = self.input(&job).await?;
        let mut job = job;
        if job.status == "checking" {
            let mut t = self.svc.db().write().await?;
            loads::clear_issues(&mut t, job.id).await?;
            if !loads::restart(&mut t, job.id, runner, "checking").await? {
                return Err(lost_claim());
            }
            t.commit().await?;
            job = self.reread(job.id).await?;
            let mut tally = run::Tally::default();
            let end = self
                .pass(&job, &r, &input, runner, false)
                .run(&mut tally, 0)
                .await?;
            if end.interrupted {
                return self.status(job.id).await;
            }
            let job2 = self.reread(job.id).await?;
            if !end.file_issues.is_empty() || job2.bad_rows > 0 {
                return self
                    .reject(&job2, runner, end.file_issues, &mut tally, end.encoding)
                    .await;
            }
            let mut t = self.svc.db().write().await?;
            if !loads::restart(&mut t, job.id, runner, "loading").await? {
                return Err(lost_claim());
            }
            t.commit().await?;
            job = self.reread(job.id).await?;
        }
        let mut tally = run::Tally::from_json(&job.counts);
        let seq = {
            let mut db = self.svc.db().clone();
            loads::issue_count(&mut db, job.id).await?
        };
        let end = self
            .pass(&job, &r, &input, runner, true)
            .run(&mut tally, seq)
            .await?;
        if end.interrupted {
            return self.status(job.id).await;
        }
        let job = self.reread(job.id).await?;
        if !end.file_issues.is_empty() {
            let written = job.inserted_rows + job.changed_rows > 0;
            if !written {
                return self
                    .reject(&job, runner, end.file_issues, &mut tally, end.encoding)
                    .await;
            }
            let msg = end
                .file_issues
                .first()
                .map(|i| format!("{} / {}", i.message_zh, i.message_en))
                .unwrap_or_default();
            let seq = {
                let mut db = self.svc.db().clone();
                loads::issue_count(&mut db, job.id).await?
            };
            let kept = tally.add(end.file_issues);
            let mut t = self.svc.db().write().await?;
            loads::insert_issues(&mut t, job.id, seq, &kept).await?;
            t.commit().await?;
            self.end(&job, runner, "failed", &msg, end.encoding).await?;
            return self.status(job.id).await;
        }
        // Keys to close (blind indexes): those a full load's file lacks, and a push's deletions.
        let mut close: Vec<String> = serde_json::from_str(&job.delete_keys).map_err(|e| {
            Error::internal(format!("exchange load {}: stored deletions: {e}", job.id))
        })?;
        if job.full_load
            && let Some(checker) = &end.checker
        {
            let mut db = self.svc.db().clone();
            let mut after: Option<String> = None;
            loop {
                let page =
                    bulk::current_keys(&mut db, job.resource_id, after.as_deref(), 5000).await?;
                let Some(last) = page.last() else { break };
                after = Some(last.clone());
                close.extend(page.into_iter().filter(|k| !checker.has_key(k)));
            }
        }
        let mut closed = 0u64;
        for chunk in close.chunks(5000) {
            let mut t = self.svc.db().write().await?;
            let keys: Vec<&str> = chunk.iter().map(String::as_str).collect();
            closed += bulk::close_many(&mut t, job.resource_id, &keys, job.load_at).await?;
            let p = loads::Progress {
                closed: i64::try_from(closed).unwrap_or(0),
                ..Default::default()
            };
            if !loads::advance(
                &mut t,
                job.id,
                runner,
                &p,
                &tally.json(),
                job.total_rows,
                self.now() + LEASE,
            )
            .await?
            {
                return Err(lost_claim());
            }
            t.commit().await?;
            closed = 0;
        }
        self.end(&job, runner, "done", "", end.encoding).await?;
        self.status(job.id).await
    }

    fn pass<'a>(
        &'a self,
        job: &'a LoadRow,
        r: &'a Resource,
        input: &Input,
        runner: &'a str,
        write: bool,
    ) -> run::Pass<'a> {
        run::Pass {
            db: self.svc.db(),
            seal: self.svc.seal(),
            job,
            meta: &r.meta,
            input: input.clone(),
            runner,
            write,
            batch_rows: self.batch_rows,
            interrupt_after: self.interrupt_after,
            clock: self.svc.clock().as_ref(),
        }
    }

    async fn reread(&self, id: i64) -> Result<LoadRow> {
        let mut db = self.svc.db().clone();
        loads::get(&mut db, id).await?.ok_or_else(Error::not_found)
    }

    async fn reject(
        &self,
        job: &LoadRow,
        runner: &str,
        file_issues: Vec<Issue>,
        tally: &mut run::Tally,
        encoding: Option<&str>,
    ) -> Result<LoadView> {
        let mut db = self.svc.db().clone();
        let seq = loads::issue_count(&mut db, job.id).await?;
        let kept = tally.add(file_issues);
        let mut t = self.svc.db().write().await?;
        loads::insert_issues(&mut t, job.id, seq, &kept).await?;
        let p = loads::Progress::default();
        if !loads::advance(
            &mut t,
            job.id,
            runner,
            &p,
            &tally.json(),
            job.total_rows,
            self.now() + LEASE,
        )
        .await?
        {
            return Err(lost_claim());
        }
        t.commit().await?;
        self.end(job, runner, "rejected", "", encoding).await?;
        self.status(job.id).await
    }

    /// Ends a load: status, the resource's load state when rows were written, the audit entry.
    async fn end(
        &self,
        job: &LoadRow,
        runner: &str,
        status: &str,
        message: &str,
        encoding: Option<&str>,
    ) -> Result<()> {
        let now = self.now();
        let mut t = self.svc.db().write().await?;
        if !loads::set_status(
            &mut t,
            job.id,
            Some(runner),
            status,
            message,
            encoding,
            Some(now),
        )
        .await?
        {
            return Err(lost_claim());
        }
        loads::drop_chunks(&mut t, job.id).await?;
        let job = loads::get(&mut t, job.id)
            .await?
            .ok_or_else(Error::not_found)?;
        if status == "done" {
            let n = rows::count_current(&mut t, job.resource_id).await?;
            resources::mark_loaded(&mut t, job.resource_id, job.load_at, n).await?;
        }
        let actor = Actor::system("exchange-load");
        record(
            &mut t,
            &Entry::success(
                &actor,
                "exchange.load.end",
                format!("exchange_load:{}", job.id),
            )
            .data(json!({
                "status": status,
                "resource_id": job.resource_id,
                "created_by": job.created_by,
                "good": job.good_rows,
                "bad": job.bad_rows,
                "inserted": job.inserted_rows,
                "changed": job.changed_rows,
                "unchanged": job.unchanged_rows,
                "closed": job.closed_rows,
            })),
            now,
        )
        .await?;
        t.commit().await
    }
}
