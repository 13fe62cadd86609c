//! `yiwang restore --from DIR`: brings a backup made by `yiwang backup` back into a fresh data
//! directory.
//!
//! Refuses a data directory that holds anything. Checks, before anything is kept: the
//! manifest's own SM3 and format, the database file's SM3 and its rows per table against the
//! manifest, every stored file's SM3, and the passphrase (the sealed key ring must open and
//! parse). Everything is written into a sibling directory `.<name>.restore-<pid>` and renamed
//! to the data directory only when all checks passed; on any failure that directory is removed,
//! so a failed restore leaves nothing behind.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use yiwang_files::Sm3Hex;
use yiwang_vault::KeyRing;

use super::backup::{
    DATABASE, FORMAT, KEYS, KEYS_CONTEXT, MANIFEST, Manifest, PassphraseArgs, absent_or_empty,
    digest_file, postgres_refusal, staging_dir, sync_dir, write_synced,
};
use crate::config::DbArgs;

/// Reads and checks `manifest.json` of the backup in `from`.
pub fn read_manifest(from: &Path) -> anyhow::Result<Manifest> {
    let path = from.join(MANIFEST);
    let text = fs::read(&path).map_err(|e| {
        anyhow::anyhow!(
            "不是备份目录（缺少 manifest.json）/ not a backup (no manifest.json) {}: {e}",
            path.display()
        )
    })?;
    let m: Manifest = serde_json::from_slice(&text).map_err(|e| {
        anyhow::anyhow!("备份清单无法解析 / the manifest does not parse: {e} [manifest.format]")
    })?;
    if m.format != FORMAT {
        anyhow::bail!(
            "备份格式 {} 不受支持（应为 {FORMAT}）/ backup format {} is not supported (expected \
             {FORMAT}) [manifest.format]",
            m.format,
            m.format
        );
    }
    if m.digest()? != m.manifest_sm3 {
        anyhow::bail!(
            "备份清单已损坏或被改动（SM3 不符）/ the manifest is damaged or was edited (its SM3 \
             does not match) [manifest.sm3]"
        );
    }
    let newest = yiwang_store::migrator(yiwang_store::Backend::Sqlite)
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0);
    if m.migration_level > newest {
        anyhow::bail!(
            "备份来自更新的版本（迁移 {}，本程序最高 {newest}）/ the backup comes from a newer \
             version (migration {}, this binary knows up to {newest}) [manifest.migration]",
            m.migration_level,
            m.migration_level
        );
    }
    Ok(m)
}

/// `yiwang restore`.
pub async fn restore(db: DbArgs, from: PathBuf, pass: PassphraseArgs) -> anyhow::Result<ExitCode> {
    if let Some(url) = db.database_url.as_deref().filter(|u| !u.trim().is_empty()) {
        if url.starts_with("postgres") {
            return Ok(postgres_refusal("恢复 restore"));
        }
        anyhow::bail!(
            "恢复总是写入 --data-dir 下的 yiwang.db，请勿设置 --database-url / YIWANG_DATABASE_URL \
             / restore always writes yiwang.db into --data-dir; unset --database-url"
        );
    }
    let target = db.data_dir.clone();
    if !absent_or_empty(&target)? {
        anyhow::bail!(
            "--data-dir {}：目录已存在且不为空，恢复不会覆盖 / exists and is not empty; restore \
             never overwrites a node",
            target.display()
        );
    }
    let manifest = read_manifest(&from)?;
    let passphrase = super::backup::passphrase(&pass, false)?;
    let staging = staging_dir(&target, "restore")?;
    let _ = fs::remove_dir_all(&staging);
    if let Some(parent) = staging.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)
            .map_err(|e| anyhow::anyhow!("无法创建 cannot create {}: {e}", parent.display()))?;
    }
    fs::create_dir(&staging)
        .map_err(|e| anyhow::anyhow!("无法创建 cannot create {}: {e}", staging.display()))?;
    let done = fill(&from, &staging, &manifest, &passphrase).await;
    if let Err(e) = done {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    let _ = fs::remove_dir(&target);
    if let Err(e) = fs::rename(&staging, &target) {
        let _ = fs::remove_dir_all(&staging);
        anyhow::bail!("无法改名 cannot rename to {}: {e}", target.display());
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        sync_dir(parent)?;
    }
    let rows: i64 = manifest.tables.values().sum();
    println!(
        "恢复完成 restored into {}: backup of {}, {} tables, {rows} rows, {} files, all digests \
         verified; 请运行 run `yiwang audit verify --data-dir {}`",
        target.display(),
        manifest.created_at,
        manifest.tables.len(),
        manifest.files.len(),
        target.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Copies and checks everything into `staging`.
async fn fill(
    from: &Path,
    staging: &Path,
    manifest: &Manifest,
    passphrase: &str,
) -> anyhow::Result<()> {
    // The key ring first: a wrong passphrase fails before anything is copied.
    let sealed = fs::read_to_string(from.join(KEYS))
        .map_err(|e| anyhow::anyhow!("缺少 missing {KEYS}: {e}"))?;
    if Sm3Hex::of(sealed.as_bytes()).as_str() != manifest.keys.sm3 {
        anyhow::bail!("{KEYS}：SM3 与清单不符 / SM3 does not match the manifest [backup.digest]");
    }
    let plain =
        yiwang_vault::open_with_passphrase(passphrase, KEYS_CONTEXT, &sealed).map_err(|_| {
            anyhow::anyhow!(
                "口令错误或密钥文件已损坏 / wrong passphrase, or the sealed key ring is damaged \
             [passphrase.wrong]"
            )
        })?;
    let text = std::str::from_utf8(&plain)
        .map_err(|_| anyhow::anyhow!("密钥文件无效 / the sealed key ring is not text"))?;
    let ring = KeyRing::from_env_value(text)
        .map_err(|e| anyhow::anyhow!("密钥文件无效 / the key ring does not parse: {e}"))?;
    // The database: copy, then check the digest and the rows against the manifest.
    let db = staging.join(DATABASE);
    fs::copy(from.join(&manifest.database.path), &db)
        .map_err(|e| anyhow::anyhow!("无法复制数据库 cannot copy the database: {e}"))?;
    fs::File::open(&db)
        .and_then(|f| f.sync_all())
        .map_err(|e| anyhow::anyhow!("无法同步 cannot sync {}: {e}", db.display()))?;
    let (sm3, size) = digest_file(&db)?;
    if sm3 != manifest.database.sm3 || size != manifest.database.size {
        anyhow::bail!(
            "{DATABASE}：SM3 或大小与清单不符 / SM3 or size does not match the manifest \
             [backup.digest]"
        );
    }
    let (_, level, tables) = super::repo::inspect_snapshot(&db).await?;
    if level != manifest.migration_level || tables != manifest.tables {
        let differ: Vec<String> = manifest
            .tables
            .iter()
            .filter(|(t, n)| tables.get(*t) != Some(n))
            .map(|(t, n)| format!("{t}: {n} / {:?}", tables.get(t)))
            .collect();
        anyhow::bail!(
            "数据库行数与清单不符 / row counts do not match the manifest: {} [backup.rows]",
            differ.join(", ")
        );
    }
    // The files, each checked.
    let files = manifest.files.clone();
    let (src, dst) = (from.join("files"), staging.join("files"));
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        for f in &files {
            let digest = Sm3Hex::parse(&f.sm3).map_err(crate::kernel_err)?;
            let d = digest.as_str();
            let rel = Path::new(&d[0..2]).join(&d[2..4]).join(d);
            let bytes = fs::read(src.join(&rel)).map_err(|e| {
                anyhow::anyhow!("备份缺少文件 / the backup lacks file {d}: {e} [backup.files]")
            })?;
            if !digest.matches(&bytes) {
                anyhow::bail!(
                    "文件 {d} 内容与 SM3 不符 / file {d} does not match its SM3 [backup.digest]"
                );
            }
            write_synced(&dst.join(&rel), &bytes)?;
        }
        if dst.exists() {
            sync_dir(&dst)?;
        }
        Ok(())
    })
    .await??;
    // The key file, mode 0600, written last.
    ring.save(&staging.join("keys.json"))
        .map_err(|e| anyhow::anyhow!("无法写入密钥文件 cannot write the key file: {e}"))?;
    sync_dir(staging)
}
