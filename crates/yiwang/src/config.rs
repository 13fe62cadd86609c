//! Database settings shared by every command. Secrets in the URL never reach logs (`Debug`
//! and [`DbArgs::describe`] redact the password).

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use yiwang_demo::progress::Phase;
use yiwang_kernel::codes::DivisionCode;
use yiwang_store::{Db, DbOptions, redact_url};
use yiwang_web::IpNet;

#[derive(Args, Clone)]
pub struct DbArgs {
    /// Directory for the embedded database and files.
    #[arg(long, env = "YIWANG_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Database URL: `sqlite://path/to/file.db` or `postgres://user@host/db`. Defaults to
    /// `yiwang.db` in the data directory.
    #[arg(long, env = "YIWANG_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Where material files live: `s3://bucket/prefix` on S3-compatible storage (endpoint,
    /// region and credentials from `AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`; `AWS_ALLOW_HTTP=true` for a loopback endpoint only). Default:
    /// `files/` in the data directory.
    #[arg(long = "files", env = "YIWANG_FILES")]
    pub files: Option<String>,
}

impl std::fmt::Debug for DbArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbArgs")
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("files", &self.files)
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
        self.open_with(false).await
    }

    /// [`DbArgs::open`] logging a start-up phase line for the connection and one for the
    /// migrations (`yiwang serve`).
    pub async fn open_logged(&self) -> anyhow::Result<Db> {
        self.open_with(true).await
    }

    async fn open_with(&self, log: bool) -> anyhow::Result<Db> {
        let phase = Phase::start("database: connect");
        std::fs::create_dir_all(&self.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "无法创建数据目录 cannot create data dir {}: {e}",
                self.data_dir.display()
            )
        })?;
        let db = Db::connect(&self.url(), DbOptions::default())
            .await
            .map_err(crate::kernel_err)?;
        let phase = if log {
            phase.next("database: migrations")
        } else {
            phase
        };
        yiwang_store::migrate(&db)
            .await
            .map_err(crate::kernel_err)?;
        if log {
            phase.done();
        }
        Ok(db)
    }

    /// The material file store (`--files`), opened and, for a bucket, checked.
    pub async fn file_store(&self) -> anyhow::Result<Arc<dyn yiwang_files::FileStore>> {
        let location = yiwang_files::Location::from_setting(self.files.as_deref(), &self.data_dir)
            .map_err(crate::kernel_err)?;
        let store = location.open().await.map_err(|e| files_err(&location, e))?;
        tracing::info!(files = %location.describe(), "file store ready");
        Ok(store)
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

/// A file-store error with its cause (an unreachable bucket's answer is what the operator
/// needs to see).
pub fn files_err(location: &yiwang_files::Location, e: yiwang_kernel::Error) -> anyhow::Error {
    let cause = e.internal.as_deref().map(str::to_string);
    let base = crate::kernel_err(e);
    match cause {
        Some(c) => anyhow::anyhow!("{base}\n  {}: {c}", location.describe()),
        None => base,
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

/// Checks the home division (`--home-division`, `YIWANG_HOME_DIVISION`): a division of the
/// embedded registry (not a statistical-only pseudo-county), county level or above. The
/// error names the setting and the rule, in Chinese and English.
pub fn home_division(s: &str) -> Result<DivisionCode, String> {
    let name = "本地行政区划 home division (--home-division, YIWANG_HOME_DIVISION)";
    let code = yiwang_org::registry()
        .existing(s, false)
        .map_err(|e| format!("{name}: {} / {} [{}]", e.zh, e.en, e.rule))?;
    if code.as_str().len() != 6 {
        return Err(format!(
            "{name}: 须为县级及以上行政区划（6位代码），“{0}”是乡镇或村级 / must be a county or \
             above (a 6-digit code), \"{0}\" is a town or village [division.level]",
            code.as_str()
        ));
    }
    Ok(code)
}

/// Checks one trusted proxy (`--trusted-proxy`, `YIWANG_TRUSTED_PROXIES`): an IP address or
/// a CIDR block.
pub fn trusted_proxy(s: &str) -> Result<IpNet, String> {
    s.parse::<IpNet>().map_err(|e| {
        format!(
            "受信任的反向代理 trusted proxy (--trusted-proxy, YIWANG_TRUSTED_PROXIES): {} / {} \
             [proxy.format]",
            e.zh, e.en
        )
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn home_divisions() {
        assert_eq!(super::home_division("440800").unwrap().as_str(), "440800");
        assert_eq!(super::home_division(" 440100 ").unwrap().as_str(), "440100");
        assert_eq!(super::home_division("440000").unwrap().as_str(), "440000");
        assert_eq!(super::home_division("440802").unwrap().as_str(), "440802");
        for (bad, rule, zh) in [
            ("449999", "[division.unknown]", "不存在"),
            ("4408", "[division.format]", "行政区划代码应为"),
            ("130171", "[division.statistical_only]", "统计用区划"),
            ("440802001", "[division.level]", "县级及以上"),
        ] {
            let e = super::home_division(bad).unwrap_err();
            assert!(e.contains("--home-division"), "{e}");
            assert!(e.contains(rule), "{bad}: {e}");
            assert!(e.contains(zh), "{bad}: {e}");
        }
    }

    #[test]
    fn trusted_proxies() {
        assert_eq!(
            super::trusted_proxy("10.0.0.0/8").unwrap().to_string(),
            "10.0.0.0/8"
        );
        let e = super::trusted_proxy("proxy.example").unwrap_err();
        assert!(e.contains("--trusted-proxy"), "{e}");
        assert!(
            e.contains("不是IP地址") && e.contains("not an IP address"),
            "{e}"
        );
    }

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
