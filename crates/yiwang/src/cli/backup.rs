//! `yiwang backup --to DIR`: a consistent online backup of an SQLite node while it runs and
//! writes.
//!
//! What goes into `DIR`:
//! - `yiwang.db`: the database through SQLite's `VACUUM INTO`, which reads one snapshot (a
//!   read transaction of WAL mode: writers go on, the copy is one committed state);
//! - `files/ab/cd/<sm3>`: every file of the local file store, each read, checked against its
//!   SM3 name and written with `fsync`. The files are copied *after* the snapshot: a file is
//!   stored before the row that names it commits, and the store never removes a file, so every
//!   file the snapshot refers to is there (later files come along harmlessly);
//! - `keys.sealed`: the key ring sealed under the operator's passphrase (argon2id, SM4-GCM,
//!   [`yiwang_vault::seal_with_passphrase`]) — without it the personal data in the database
//!   cannot be read, and with it anyone could, so it never leaves the node in the clear;
//! - `manifest.json` ([`Manifest`]): versions, migration level, rows per table, the database's
//!   and every file's digest, and an SM3 over the manifest itself.
//!
//! The backup is written into `DIR.partial-<pid>` and renamed to `DIR` at the end, so a
//! directory named `DIR` is always a complete backup. PostgreSQL nodes are backed up with
//! PostgreSQL's own tools (README, "PostgreSQL backups"); the command says so and exits 2.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};
use yiwang_files::Sm3Hex;
use yiwang_vault::{KeyRing, Zeroizing};

use crate::config::DbArgs;

/// The format tag of the manifest this version writes and reads.
pub const FORMAT: &str = "yiwang-backup/1";
/// The associated data under which the key ring is sealed.
pub const KEYS_CONTEXT: &str = "yiwang.backup.keys";
pub const MANIFEST: &str = "manifest.json";
pub const DATABASE: &str = "yiwang.db";
pub const KEYS: &str = "keys.sealed";
/// The environment variable a passphrase may come from.
pub const PASSPHRASE_ENV: &str = "YIWANG_BACKUP_PASSPHRASE";
/// The shortest passphrase accepted (characters).
pub const MIN_PASSPHRASE: usize = 10;

/// Where the passphrase comes from: `--passphrase-file`, else `YIWANG_BACKUP_PASSPHRASE`,
/// else a prompt on the terminal.
#[derive(clap::Args, Debug, Clone)]
pub struct PassphraseArgs {
    /// A file whose first line is the passphrase (else `YIWANG_BACKUP_PASSPHRASE`, else a
    /// prompt).
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
}

/// One file of the backup: its path inside the backup, size and SM3.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub size: u64,
    pub sm3: String,
}

/// One stored file: its digest (also its name) and size.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct StoredEntry {
    pub sm3: String,
    pub size: u64,
}

/// `manifest.json`.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Manifest {
    pub format: String,
    pub yiwang_version: String,
    pub sqlite_version: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// The highest migration applied in the snapshot.
    pub migration_level: i64,
    pub database: Entry,
    pub keys: Entry,
    /// Rows per table in the snapshot.
    pub tables: BTreeMap<String, i64>,
    /// Every stored file, ordered by digest.
    pub files: Vec<StoredEntry>,
    /// SM3 over this manifest serialised with this field empty (detects a damaged or edited
    /// manifest; the key ring inside is authenticated by its own seal).
    #[serde(default)]
    pub manifest_sm3: String,
}

impl Manifest {
    /// The SM3 of the manifest with `manifest_sm3` empty.
    pub fn digest(&self) -> anyhow::Result<String> {
        let mut m = self.clone();
        m.manifest_sm3 = String::new();
        Ok(Sm3Hex::of(&serde_json::to_vec(&m)?).to_string())
    }
}

/// The message for a PostgreSQL node (exit code 2).
pub fn postgres_refusal(what: &str) -> ExitCode {
    eprintln!(
        "{what}：PostgreSQL 数据库请按 README「PostgreSQL 备份」一节用 pg_dump / pg_basebackup \
         与 WAL 归档（时间点恢复）备份，文件桶请开启版本控制。\n{what}: for a PostgreSQL \
         database follow the README section \"PostgreSQL backups\": pg_dump / pg_basebackup with \
         WAL archiving (point-in-time recovery), and versioning on the file bucket."
    );
    ExitCode::from(2)
}

/// The SQLite file of these settings, if they name SQLite.
pub fn sqlite_path(db: &DbArgs) -> Option<PathBuf> {
    let url = db.url();
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    Some(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}

/// Reads the passphrase (see [`PassphraseArgs`]); `confirm` asks twice on a terminal.
pub fn passphrase(args: &PassphraseArgs, confirm: bool) -> anyhow::Result<Zeroizing<String>> {
    let p = if let Some(path) = &args.passphrase_file {
        let text = Zeroizing::new(fs::read_to_string(path).map_err(|e| {
            anyhow::anyhow!(
                "--passphrase-file：无法读取 cannot read {}: {e}",
                path.display()
            )
        })?);
        Zeroizing::new(text.lines().next().unwrap_or("").to_string())
    } else if let Ok(v) = std::env::var(PASSPHRASE_ENV) {
        Zeroizing::new(v)
    } else if std::io::stdin().is_terminal() {
        let p = Zeroizing::new(rpassword::prompt_password("备份口令 backup passphrase: ")?);
        if confirm {
            let again = Zeroizing::new(rpassword::prompt_password(
                "再输入一次 the passphrase again: ",
            )?);
            if *again != *p {
                anyhow::bail!("两次输入的口令不一致 / the two passphrases differ");
            }
        }
        p
    } else {
        anyhow::bail!(
            "需要备份口令：--passphrase-file、环境变量 {PASSPHRASE_ENV} 或在终端输入 / a \
             passphrase is needed: --passphrase-file, {PASSPHRASE_ENV}, or a terminal prompt"
        );
    };
    if p.chars().count() < MIN_PASSPHRASE {
        anyhow::bail!(
            "备份口令 passphrase: 至少 {MIN_PASSPHRASE} 个字符 / must be at least \
             {MIN_PASSPHRASE} characters [passphrase.length]"
        );
    }
    Ok(p)
}

/// Whether `dir` is missing or an empty directory.
pub fn absent_or_empty(dir: &Path) -> anyhow::Result<bool> {
    match fs::read_dir(dir) {
        Ok(mut it) => Ok(it.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(anyhow::anyhow!(
            "无法读取目录 cannot read {}: {e}",
            dir.display()
        )),
    }
}

/// A sibling of `dir` to build into before the final rename.
pub fn staging_dir(dir: &Path, what: &str) -> anyhow::Result<PathBuf> {
    let name = dir
        .file_name()
        .ok_or_else(|| anyhow::anyhow!("目录名无效 not a directory name: {}", dir.display()))?
        .to_string_lossy()
        .to_string();
    Ok(dir.with_file_name(format!(".{name}.{what}-{}", std::process::id())))
}

/// SM3 and size of a file, read in pieces.
pub fn digest_file(path: &Path) -> anyhow::Result<(String, u64)> {
    let mut f = File::open(path)
        .map_err(|e| anyhow::anyhow!("无法读取 cannot read {}: {e}", path.display()))?;
    let mut h = Sm3::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| anyhow::anyhow!("无法读取 cannot read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(h.finalize()), size))
}

/// Writes `bytes` to `path` (creating its directory) and syncs the file.
pub fn write_synced(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| anyhow::anyhow!("无法创建 cannot create {}: {e}", parent.display()))?;
    }
    let mut f = File::create(path)
        .map_err(|e| anyhow::anyhow!("无法写入 cannot write {}: {e}", path.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| anyhow::anyhow!("无法写入 cannot write {}: {e}", path.display()))
}

/// Syncs a directory (its entries become durable).
pub fn sync_dir(path: &Path) -> anyhow::Result<()> {
    File::open(path)
        .and_then(|d| d.sync_all())
        .map_err(|e| anyhow::anyhow!("无法同步 cannot sync {}: {e}", path.display()))
}

/// The stored files under `root` (`ab/cd/<sm3>`), each checked against its name; unfinished
/// uploads (`.put-*.tmp`) are left out. `copy_to` also writes each one (synced) under it.
pub fn walk_files(root: &Path, copy_to: Option<&Path>) -> anyhow::Result<Vec<StoredEntry>> {
    let mut out = Vec::new();
    if !root.exists() {
        return Ok(out);
    }
    let list = |dir: &Path| -> anyhow::Result<Vec<PathBuf>> {
        let mut v = Vec::new();
        for e in fs::read_dir(dir)
            .map_err(|e| anyhow::anyhow!("无法读取目录 cannot read {}: {e}", dir.display()))?
        {
            v.push(
                e.map_err(|e| anyhow::anyhow!("无法读取目录 cannot read {}: {e}", dir.display()))?
                    .path(),
            );
        }
        v.sort();
        Ok(v)
    };
    for a in list(root)? {
        if !a.is_dir() {
            continue;
        }
        for b in list(&a)? {
            if !b.is_dir() {
                continue;
            }
            for f in list(&b)? {
                let name = f
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                if name.starts_with('.') {
                    continue;
                }
                let Ok(digest) = Sm3Hex::parse(&name) else {
                    tracing::warn!(path = %f.display(), "not a stored file; left out");
                    continue;
                };
                let bytes = fs::read(&f)
                    .map_err(|e| anyhow::anyhow!("无法读取 cannot read {}: {e}", f.display()))?;
                if !digest.matches(&bytes) {
                    anyhow::bail!(
                        "文件已损坏（内容与 SM3 名称不符）/ damaged file (content does not match \
                         its SM3 name): {}",
                        f.display()
                    );
                }
                if let Some(dst) = copy_to {
                    let d = digest.as_str();
                    write_synced(&dst.join(&d[0..2]).join(&d[2..4]).join(d), &bytes)?;
                }
                out.push(StoredEntry {
                    sm3: name,
                    size: bytes.len() as u64,
                });
            }
        }
    }
    out.sort_by(|x, y| x.sm3.cmp(&y.sm3));
    Ok(out)
}

/// The node's key ring: `YIWANG_MASTER_KEYS` if set, else the existing `keys.json`.
fn key_ring(data_dir: &Path) -> anyhow::Result<KeyRing> {
    if let Some(ring) = KeyRing::from_env(yiwang_vault::ENV_VAR)
        .map_err(|e| anyhow::anyhow!("密钥 key ring ({}): {e}", yiwang_vault::ENV_VAR))?
    {
        return Ok(ring);
    }
    let path = data_dir.join("keys.json");
    KeyRing::load(&path)
        .map_err(|e| anyhow::anyhow!("无法读取密钥文件 cannot read the key file: {e}"))
}

/// `yiwang backup`.
pub async fn backup(db: DbArgs, to: PathBuf, pass: PassphraseArgs) -> anyhow::Result<ExitCode> {
    let Some(source) = sqlite_path(&db) else {
        return Ok(postgres_refusal("备份 backup"));
    };
    if !source.is_file() {
        anyhow::bail!(
            "数据库文件不存在 no database file at {} (--data-dir / --database-url)",
            source.display()
        );
    }
    if !absent_or_empty(&to)? {
        anyhow::bail!(
            "--to {}：目录已存在且不为空，不会覆盖 / exists and is not empty; nothing is \
             overwritten",
            to.display()
        );
    }
    let passphrase = passphrase(&pass, true)?;
    let ring = key_ring(&db.data_dir)?;
    let staging = staging_dir(&to, "partial")?;
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging)
        .map_err(|e| anyhow::anyhow!("无法创建 cannot create {}: {e}", staging.display()))?;
    let made = make(&db, &source, &staging, &ring, &passphrase).await;
    let manifest = match made {
        Ok(m) => m,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    if to.exists() {
        fs::remove_dir(&to)
            .map_err(|e| anyhow::anyhow!("无法替换空目录 cannot replace {}: {e}", to.display()))?;
    }
    fs::rename(&staging, &to).map_err(|e| {
        let _ = fs::remove_dir_all(&staging);
        anyhow::anyhow!("无法改名 cannot rename to {}: {e}", to.display())
    })?;
    if let Some(parent) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        sync_dir(parent)?;
    }
    let rows: i64 = manifest.tables.values().sum();
    println!(
        "备份完成 backup written to {}: {} tables, {rows} rows, {} files, migration level {}, \
         manifest SM3 {}",
        to.display(),
        manifest.tables.len(),
        manifest.files.len(),
        manifest.migration_level,
        manifest.manifest_sm3
    );
    Ok(ExitCode::SUCCESS)
}

async fn make(
    db: &DbArgs,
    source: &Path,
    staging: &Path,
    ring: &KeyRing,
    passphrase: &str,
) -> anyhow::Result<Manifest> {
    // 1. The database: one consistent snapshot while others write.
    let snapshot = staging.join(DATABASE);
    super::repo::vacuum_into(source, &snapshot).await?;
    File::open(&snapshot)
        .and_then(|f| f.sync_all())
        .map_err(|e| anyhow::anyhow!("无法同步 cannot sync {}: {e}", snapshot.display()))?;
    let (sqlite_version, migration_level, tables) =
        super::repo::inspect_snapshot(&snapshot).await?;
    let (db_sm3, db_size) = digest_file(&snapshot)?;
    // 2. The files, after the snapshot (see the module documentation). A node whose files
    // live in a bucket keeps them there: the bucket's versioning is their backup (README,
    // "Object storage for files"); files never change and are never deleted.
    let files = match yiwang_files::Location::from_setting(db.files.as_deref(), &db.data_dir)
        .map_err(crate::kernel_err)?
    {
        yiwang_files::Location::S3(cfg) => {
            println!(
                "文件在存储桶中，不复制 files stay in the bucket {cfg}: keep its versioning on \
                 (README, \"Object storage for files\")"
            );
            Vec::new()
        }
        yiwang_files::Location::Local(_) => {
            let src_files = db.data_dir.join("files");
            let dst_files = staging.join("files");
            tokio::task::spawn_blocking(move || walk_files(&src_files, Some(&dst_files))).await??
        }
    };
    // 3. The key ring, sealed under the passphrase.
    let plain = ring
        .to_env_value()
        .map_err(|e| anyhow::anyhow!("密钥 key ring: {e}"))?;
    let sealed = yiwang_vault::seal_with_passphrase(passphrase, KEYS_CONTEXT, plain.as_bytes())
        .map_err(|e| anyhow::anyhow!("无法加密密钥 cannot seal the key ring: {e}"))?;
    write_synced(&staging.join(KEYS), sealed.as_bytes())?;
    // 4. The manifest, last.
    let mut manifest = Manifest {
        format: FORMAT.to_string(),
        yiwang_version: env!("CARGO_PKG_VERSION").to_string(),
        sqlite_version,
        created_at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)?,
        migration_level,
        database: Entry {
            path: DATABASE.to_string(),
            size: db_size,
            sm3: db_sm3,
        },
        keys: Entry {
            path: KEYS.to_string(),
            size: sealed.len() as u64,
            sm3: Sm3Hex::of(sealed.as_bytes()).to_string(),
        },
        tables,
        files,
        manifest_sm3: String::new(),
    };
    manifest.manifest_sm3 = manifest.digest()?;
    write_synced(
        &staging.join(MANIFEST),
        &serde_json::to_vec_pretty(&manifest)?,
    )?;
    if staging.join("files").exists() {
        sync_dir(&staging.join("files"))?;
    }
    sync_dir(staging)?;
    Ok(manifest)
}
