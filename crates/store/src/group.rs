//! Group commit for SQLite: many commits share one `fsync` of the write-ahead log, and none is
//! acknowledged before it is on disk.
//!
//! The connections run in WAL mode with `synchronous=NORMAL`: a commit appends its frames to
//! `<db>-wal` and returns without syncing (SQLite still syncs the log before every checkpoint,
//! and the database file after a checkpoint that copied the whole log, and it only starts the
//! log over once such a checkpoint is done). [`crate::Tx::commit`] then releases the write turn
//! — the next writer proceeds at once — takes a number (`finished`), and waits here until a
//! sync that *started after* its commit returned has completed. One task at a time syncs (the
//! leader, behind an async mutex); the commits that finish while it syncs queue behind it and
//! the next of them syncs for all. So:
//!
//! * a commit whose frames are in the log when a sync starts is on disk when it ends: Linux
//!   syncs an inode, whichever descriptor asks, and `fdatasync` on the log flushes SQLite's
//!   writes and the file's length;
//! * a commit whose frames were copied to the database file and whose log was started over or
//!   deleted (the last connection closing) was synced there by that checkpoint; if there is no
//!   log at all, the database file is synced instead;
//! * a log file this process has not seen before gets its directory synced too (its name);
//! * an `fsync` that fails may have dropped the dirty pages it could not write (Linux marks them
//!   clean), so a later successful one proves nothing: the first failure is kept and every
//!   commit after it — and every commit it covered — is reported `unavailable`, never Ok,
//!   until the process restarts and SQLite recovers from what is on disk. A log that cannot be
//!   opened (no sync was tried) fails only the commits that asked; the next one tries again.
//!
//! What others see: SQLite shows a commit to readers as soon as it returns, a few milliseconds
//! before the shared sync. A later write that read it is acknowledged only after a sync that
//! covers both (the log is written in order), but code that answers a request from data it did
//! not write itself — an idempotent replay — calls [`crate::Db::durable`] first.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use yiwang_kernel::Error;

/// The histogram of the seconds one group sync of the SQLite log takes.
pub const GROUP_SYNC_SECONDS: &str = "yiwang_db_group_sync_seconds";
/// The histogram of the commits one group sync made durable.
pub const GROUP_SYNC_COMMITS: &str = "yiwang_db_group_sync_commits";

/// How one sync is done: [`sync_files`], or a stand-in in this module's tests.
type SyncFn = fn(&mut Files) -> Result<(), SyncError>;

/// Why a sync did not happen or failed.
#[derive(Debug)]
pub(crate) enum SyncError {
    /// The files could not be found or opened: nothing was synced, nothing was lost.
    Open(String),
    /// `fsync` itself failed: pages may have been dropped.
    Sync(String),
}

/// The files of one database and the open log.
pub(crate) struct Files {
    db: PathBuf,
    wal: PathBuf,
    dir: PathBuf,
    /// The log as last opened, with its identity (device, inode).
    open: Option<(std::fs::File, Option<(u64, u64)>)>,
}

/// The group commit of one SQLite database in this process.
pub(crate) struct GroupSync {
    /// Commits finished so far; each takes the next number once its `COMMIT` returned.
    finished: AtomicU64,
    /// Every commit numbered up to this is durable.
    durable: AtomicU64,
    /// Syncs done (for [`crate::Db::group_stats`]).
    syncs: AtomicU64,
    /// Held by the task that syncs; the others wait behind it.
    leader: tokio::sync::Mutex<()>,
    files: Arc<Mutex<Files>>,
    /// The first failed `fsync`: every commit fails from then on.
    failed: OnceLock<String>,
    sync: SyncFn,
}

impl std::fmt::Debug for GroupSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupSync")
            .field("finished", &self.finished)
            .field("durable", &self.durable)
            .field("syncs", &self.syncs)
            .field("failed", &self.failed.get())
            .finish()
    }
}

fn unavailable(why: &str) -> Error {
    Error::unavailable(format!("group commit: {why}")).with_detail(
        "数据未能确认写入磁盘，本次提交不予确认；请稍后重试",
        "The data could not be confirmed on disk, so this commit is not acknowledged; please retry later",
    )
}

impl GroupSync {
    /// The group commit of the database file at `db` (an existing file).
    pub(crate) fn new(db: &Path) -> Result<GroupSync, Error> {
        Self::with(db, sync_files)
    }

    fn with(db: &Path, sync: SyncFn) -> Result<GroupSync, Error> {
        let db = std::fs::canonicalize(db).map_err(|e| {
            Error::unavailable(format!("cannot resolve SQLite file {}: {e}", db.display()))
        })?;
        let mut wal = db.clone().into_os_string();
        wal.push("-wal");
        let dir = db
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(GroupSync {
            finished: AtomicU64::new(0),
            durable: AtomicU64::new(0),
            syncs: AtomicU64::new(0),
            leader: tokio::sync::Mutex::new(()),
            files: Arc::new(Mutex::new(Files {
                db,
                wal: PathBuf::from(wal),
                dir,
                open: None,
            })),
            failed: OnceLock::new(),
            sync,
        })
    }

    /// Waits for a sync that starts after this call: called when a commit has returned, it
    /// returns once that commit is durable; called any time, once everything in the files at
    /// that time is (commits of other connections and processes too).
    pub(crate) async fn committed(&self) -> Result<(), Error> {
        let ticket = self.finished.fetch_add(1, Ordering::SeqCst) + 1;
        self.wait(ticket).await
    }

    /// (calls of [`GroupSync::committed`], syncs) so far.
    pub(crate) fn stats(&self) -> (u64, u64) {
        (
            self.finished.load(Ordering::SeqCst),
            self.syncs.load(Ordering::SeqCst),
        )
    }

    async fn wait(&self, ticket: u64) -> Result<(), Error> {
        loop {
            if let Some(why) = self.failed.get() {
                return Err(unavailable(why));
            }
            if self.durable.load(Ordering::SeqCst) >= ticket {
                return Ok(());
            }
            let _leader = self.leader.lock().await;
            if let Some(why) = self.failed.get() {
                return Err(unavailable(why));
            }
            if self.durable.load(Ordering::SeqCst) >= ticket {
                return Ok(());
            }
            // Every commit numbered up to `covers` has returned, so its frames are in the log
            // (or already in the synced database file) before the sync below starts.
            let covers = self.finished.load(Ordering::SeqCst);
            let before = self.durable.load(Ordering::SeqCst);
            let (files, sync) = (self.files.clone(), self.sync);
            let started = Instant::now();
            let r = tokio::task::spawn_blocking(move || match files.lock() {
                Ok(mut f) => sync(&mut f),
                Err(_) => Err(SyncError::Open("the log's state was poisoned".into())),
            })
            .await
            .unwrap_or_else(|e| Err(SyncError::Open(format!("sync task: {e}"))));
            match r {
                Ok(()) => {
                    self.durable.fetch_max(covers, Ordering::SeqCst);
                    self.syncs.fetch_add(1, Ordering::Relaxed);
                    metrics::histogram!(GROUP_SYNC_SECONDS).record(started.elapsed().as_secs_f64());
                    metrics::histogram!(GROUP_SYNC_COMMITS)
                        .record(covers.saturating_sub(before) as f64);
                }
                Err(SyncError::Open(why)) => {
                    tracing::error!(error = %why, "SQLite group commit: cannot open the log to sync it");
                    return Err(unavailable(&why));
                }
                Err(SyncError::Sync(why)) => {
                    tracing::error!(error = %why, "SQLite group commit: fsync failed; no commit is acknowledged until the process restarts");
                    let why = self.failed.get_or_init(|| why).clone();
                    return Err(unavailable(&why));
                }
            }
        }
    }
}

#[cfg(unix)]
fn identity(m: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Syncs the log (opened again when it is a new file, whose directory is synced then too), or
/// the database file when there is no log.
fn sync_files(f: &mut Files) -> Result<(), SyncError> {
    let open = |p: &Path| {
        std::fs::File::open(p).map_err(|e| SyncError::Open(format!("open {}: {e}", p.display())))
    };
    let synced = |p: &Path, r: std::io::Result<()>| {
        r.map_err(|e| SyncError::Sync(format!("fsync {}: {e}", p.display())))
    };
    match std::fs::metadata(&f.wal) {
        Ok(m) => {
            let id = identity(&m);
            let known = matches!(&f.open, Some((_, Some(have))) if Some(*have) == id);
            if !known {
                f.open = None;
                let file = open(&f.wal)?;
                let id = file
                    .metadata()
                    .map_err(|e| SyncError::Open(format!("stat {}: {e}", f.wal.display())))?;
                synced(&f.dir, open(&f.dir)?.sync_all())?;
                f.open = Some((file, identity(&id)));
            }
            match &f.open {
                Some((file, _)) => synced(&f.wal, file.sync_data()),
                None => Err(SyncError::Open(format!("{} not open", f.wal.display()))),
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // No log: SQLite checkpointed it into the database file (synced then) and deleted
            // it when its last connection closed. Sync the database file all the same.
            f.open = None;
            synced(&f.db, open(&f.db)?.sync_data())
        }
        Err(e) => Err(SyncError::Open(format!("stat {}: {e}", f.wal.display()))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    static SLOW_SYNCS: AtomicUsize = AtomicUsize::new(0);

    fn slow(_: &mut Files) -> Result<(), SyncError> {
        SLOW_SYNCS.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(20));
        Ok(())
    }

    fn failing(_: &mut Files) -> Result<(), SyncError> {
        Err(SyncError::Sync(
            "fsync: Input/output error (os error 5)".into(),
        ))
    }

    fn unopenable(_: &mut Files) -> Result<(), SyncError> {
        Err(SyncError::Open(
            "open: Too many open files (os error 24)".into(),
        ))
    }

    fn db_file() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.db");
        std::fs::write(&p, b"").unwrap();
        (dir, p)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_commits_share_syncs_and_each_waits_for_one_after_it() {
        let (_dir, p) = db_file();
        let g = Arc::new(GroupSync::with(&p, slow).unwrap());
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let g = g.clone();
                tokio::spawn(async move { g.committed().await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let (commits, syncs) = g.stats();
        assert_eq!(commits, 64);
        assert_eq!(syncs as usize, SLOW_SYNCS.load(Ordering::SeqCst));
        assert!((1..=8).contains(&syncs), "64 commits took {syncs} syncs");
        assert_eq!(g.durable.load(Ordering::SeqCst), 64);
        // A commit after all that gets a sync of its own.
        g.committed().await.unwrap();
        assert_eq!(g.stats().1, syncs + 1);
    }

    #[tokio::test]
    async fn a_failed_fsync_fails_its_commits_and_every_later_one() {
        let (_dir, p) = db_file();
        let g = GroupSync::with(&p, failing).unwrap();
        let e = g.committed().await.unwrap_err();
        assert_eq!(e.code, yiwang_kernel::ErrorCode::Unavailable);
        assert!(format!("{e:?}").contains("Input/output error"), "{e:?}");
        // Later commits fail without trying again: the lost pages cannot be proven written.
        assert!(g.committed().await.is_err());
        assert_eq!(g.stats().1, 0);
    }

    #[tokio::test]
    async fn a_log_that_cannot_be_opened_fails_the_commit_but_not_the_next_sync() {
        let (_dir, p) = db_file();
        let mut g = GroupSync::with(&p, unopenable).unwrap();
        let e = g.committed().await.unwrap_err();
        assert_eq!(e.code, yiwang_kernel::ErrorCode::Unavailable);
        assert!(g.failed.get().is_none());
        g.sync = sync_files;
        g.committed().await.unwrap();
        assert_eq!(g.stats(), (2, 1));
    }

    #[test]
    fn the_real_sync_follows_the_log_and_falls_back_to_the_database_file() {
        let (dir, p) = db_file();
        let g = GroupSync::new(&p).unwrap();
        let mut f = g.files.lock().unwrap();
        // No log yet: the database file.
        sync_files(&mut f).unwrap();
        assert!(f.open.is_none());
        // A log appears: opened once, then reused.
        std::fs::write(dir.path().join("t.db-wal"), b"frames").unwrap();
        sync_files(&mut f).unwrap();
        let first = f.open.as_ref().unwrap().1;
        assert!(first.is_some());
        sync_files(&mut f).unwrap();
        assert_eq!(f.open.as_ref().unwrap().1, first);
        // Started over as a new file: opened again.
        std::fs::remove_file(dir.path().join("t.db-wal")).unwrap();
        std::fs::write(dir.path().join("t.db-wal"), b"new").unwrap();
        sync_files(&mut f).unwrap();
        assert_ne!(f.open.as_ref().unwrap().1, first);
        // Both gone: an error, not a silent Ok.
        std::fs::remove_file(dir.path().join("t.db-wal")).unwrap();
        std::fs::remove_file(&p).unwrap();
        assert!(matches!(sync_files(&mut f), Err(SyncError::Open(_))));
    }
}
