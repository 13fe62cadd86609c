//! Database settings shared by every command. Secrets in the URL never reach logs (`Debug`
//! and [`DbArgs::describe`] redact the password).

use std::path::PathBuf;

use clap::Args;
use yiwang_store::{Db, DbOptions, redact_url};

#[derive(Args, Clone)]
pub struct DbArgs {
    /// Directory for the embedded database and files.
    #[arg(long, env = "YIWANG_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Database URL: `sqlite://path/to/file.db` or `postgres://user@host/db`. Defaults to
    /// `yiwang.db` in the data directory.
    #[arg(long, env = "YIWANG_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl std::fmt::Debug for DbArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbArgs")
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .finish()
    }
}

impl DbArgs {
    pub fn url(&self) -> String {
        match &self.database_url {
            Some(u) if !u.trim().is_empty() => u.trim().to_string(),
            _ => format!("sqlite://{}", self.data_dir.join("yiwang.db").display()),
        }
    }

    pub fn describe(&self) -> String {
        redact_url(&self.url())
    }

    /// Opens the database and applies pending migrations.
    pub async fn open(&self) -> anyhow::Result<Db> {
        std::fs::create_dir_all(&self.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "无法创建数据目录 cannot create data dir {}: {e}",
                self.data_dir.display()
            )
        })?;
        let db = Db::connect(&self.url(), DbOptions::default())
            .await
            .map_err(crate::kernel_err)?;
        yiwang_store::migrate(&db)
            .await
            .map_err(crate::kernel_err)?;
        Ok(db)
    }

    /// The node's key ring: `YIWANG_MASTER_KEYS` if set, else `keys.json` in the data
    /// directory (created with mode 0600 on first start). Keep it out of database backups.
    pub fn keys(&self) -> anyhow::Result<yiwang_identity::Keys> {
        std::fs::create_dir_all(&self.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "无法创建数据目录 cannot create data dir {}: {e}",
                self.data_dir.display()
            )
        })?;
        yiwang_identity::Keys::load(&self.data_dir).map_err(crate::kernel_err)
    }
}

/// Checks the public base address (`--public-url`): `http://` or `https://`, a host, no query,
/// fragment or white space; a trailing `/` is dropped. It becomes the OpenID Connect issuer,
/// which department systems compare byte for byte.
pub fn public_url(s: &str) -> anyhow::Result<String> {
    let s = s.trim().trim_end_matches('/');
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or("");
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty()
        || host.contains('@')
        || s.contains(['?', '#'])
        || s.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        anyhow::bail!(
            "--public-url 须为 http(s)://主机[:端口] / must be http(s)://host[:port], got `{s}`"
        );
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn public_urls() {
        assert_eq!(
            super::public_url("https://zwfw.zhanjiang.gov.cn/").unwrap(),
            "https://zwfw.zhanjiang.gov.cn"
        );
        assert_eq!(
            super::public_url("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        for bad in [
            "",
            "zwfw.gov.cn",
            "ftp://a",
            "https://",
            "https://a/?x",
            "https://u@a",
        ] {
            assert!(super::public_url(bad).is_err(), "{bad}");
        }
    }
}
