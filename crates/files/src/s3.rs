//! The file store in an S3-compatible bucket: `<prefix>/files/ab/cd/<sm3hex>`, the same layout
//! as [`crate::LocalFileStore`] under its data directory, through the `object_store` crate.
//!
//! * `put` detects the type and computes the SM3 locally ([`StoredFile::describe`]: a refused
//!   type never reaches the bucket), then sends a conditional `PUT` (`If-None-Match: *`) with
//!   the SM3 in `x-amz-meta-sm3` and a SHA-256 transport checksum (`x-amz-checksum-sha256`:
//!   S3 knows no SM3). An S3-compatible service answers a `PUT` only once the object is
//!   stored durably, so that answer is the acknowledgement. "Already there" (`412`/`304`) is
//!   success after the existing copy is read back and verified; a copy that fails
//!   verification is replaced by the new bytes — a re-upload heals a damaged copy, as on disk.
//! * `get` downloads and checks the SM3; a copy that does not match is an error, never served.
//! * `exists` is a `HEAD`.
//!
//! Configuration ([`S3Config`]): `s3://bucket/prefix` plus the endpoint, region and
//! credentials from the environment (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`). Plain `http://` is refused unless
//! `AWS_ALLOW_HTTP=true` *and* the endpoint is a loopback address (a test server on this
//! machine): credentials and citizens' files never cross a network in clear. Credentials are
//! required: the store never falls back to instance metadata or other ambient credentials.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use object_store::aws::{AmazonS3Builder, Checksum};
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, PutMode,
    PutOptions, PutPayload, RetryConfig,
};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};

use crate::digest::Sm3Hex;
use crate::store::{BoxFuture, FileStore, StoredFile, corrupted};

/// Where and how to reach the bucket. `Debug` never shows the secret key.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Config {
    pub bucket: String,
    /// Key prefix inside the bucket, without leading or trailing `/` (may be empty).
    pub prefix: String,
    /// `https://host[:port]` of an S3-compatible service; `None`: AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// Plain HTTP to a loopback endpoint (tests, a server on this machine).
    pub allow_http: bool,
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

impl fmt::Display for S3Config {
    /// `s3://bucket/prefix` (at endpoint): no credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}", self.bucket)?;
        if !self.prefix.is_empty() {
            write!(f, "/{}", self.prefix)?;
        }
        if let Some(e) = &self.endpoint {
            write!(f, " at {e}")?;
        }
        Ok(())
    }
}

fn bad(field: &str, rule: &str, zh: String, en: String) -> Error {
    Error::field(FieldError::new(field, rule, zh, en))
}

/// `s3://bucket[/prefix]` → (bucket, prefix). The field named in errors is `files`.
pub fn parse_s3_url(url: &str) -> Result<(String, String)> {
    let url = url.trim();
    let Some(rest) = url.strip_prefix("s3://") else {
        return Err(bad(
            "files",
            "files.url",
            format!("文件存储地址“{url}”应为 s3://存储桶/前缀"),
            format!("The file store address “{url}” must be s3://bucket/prefix"),
        ));
    };
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    // S3 bucket naming: 3 to 63 lower-case letters, digits, dots and hyphens.
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|c| matches!(c, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-'))
        && !bucket.starts_with(['.', '-'])
        && !bucket.ends_with(['.', '-']);
    if !bucket_ok {
        return Err(bad(
            "files",
            "files.bucket",
            format!("存储桶名“{bucket}”无效：应为 3–63 个小写字母、数字、点或连字符"),
            format!(
                "The bucket name “{bucket}” is not valid: 3–63 lower-case letters, digits, dots or hyphens"
            ),
        ));
    }
    let prefix = prefix.trim_matches('/');
    let prefix_ok = prefix.split('/').all(|seg| {
        prefix.is_empty()
            || (!seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')))
    });
    if !prefix_ok {
        return Err(bad(
            "files",
            "files.prefix",
            format!("前缀“{prefix}”无效：各段只能含字母、数字、- _ .，不得为空或“..”"),
            format!(
                "The prefix “{prefix}” is not valid: each segment of letters, digits, - _ . only, neither empty nor “..”"
            ),
        ));
    }
    Ok((bucket.to_string(), prefix.to_string()))
}

impl S3Config {
    /// The bucket from `url` and the rest from the process environment.
    pub fn from_env(url: &str) -> Result<S3Config> {
        S3Config::from_vars(url, |k| std::env::var(k).ok())
    }

    /// The bucket from `url` and the rest from `var` (the environment, or a map in tests).
    pub fn from_vars(url: &str, var: impl Fn(&str) -> Option<String>) -> Result<S3Config> {
        let (bucket, prefix) = parse_s3_url(url)?;
        let get = |k: &str| {
            var(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let required = |k: &str| {
            get(k).ok_or_else(|| {
                bad(
                    k,
                    "required",
                    format!("使用 S3 文件存储须设置环境变量 {k}"),
                    format!("The S3 file store needs the environment variable {k}"),
                )
            })
        };
        let access_key_id = required("AWS_ACCESS_KEY_ID")?;
        let secret_access_key = required("AWS_SECRET_ACCESS_KEY")?;
        let allow_http = match get("AWS_ALLOW_HTTP").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(bad(
                    "AWS_ALLOW_HTTP",
                    "boolean",
                    format!("AWS_ALLOW_HTTP 应为 true 或 false，而不是“{other}”"),
                    format!("AWS_ALLOW_HTTP must be true or false, not “{other}”"),
                ));
            }
        };
        let endpoint = get("AWS_ENDPOINT_URL")
            .map(|e| check_endpoint(&e, allow_http))
            .transpose()?;
        Ok(S3Config {
            bucket,
            prefix,
            endpoint,
            region: get("AWS_REGION").unwrap_or_else(|| "us-east-1".to_string()),
            access_key_id,
            secret_access_key,
            session_token: get("AWS_SESSION_TOKEN"),
            allow_http,
        })
    }
}

/// `https://host[:port]`, or `http://` to a loopback address when `allow_http`.
fn check_endpoint(endpoint: &str, allow_http: bool) -> Result<String> {
    let e = endpoint.trim_end_matches('/');
    let field = "AWS_ENDPOINT_URL";
    if let Some(rest) = e.strip_prefix("http://") {
        let authority = rest.split('/').next().unwrap_or("");
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => authority.split(':').next().unwrap_or(""),
        };
        let loopback =
            host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if !loopback {
            return Err(bad(
                field,
                "https",
                format!("S3 端点“{e}”须使用 https（仅本机回环地址可用 http）"),
                format!("The S3 endpoint “{e}” must use https (http only for a loopback address)"),
            ));
        }
        if !allow_http {
            return Err(bad(
                field,
                "allow_http",
                format!("S3 端点“{e}”使用 http：仅在 AWS_ALLOW_HTTP=true 时允许（本机测试）"),
                format!(
                    "The S3 endpoint “{e}” uses http: allowed only with AWS_ALLOW_HTTP=true (a local test)"
                ),
            ));
        }
    } else if !e.starts_with("https://") || e.len() <= "https://".len() {
        return Err(bad(
            field,
            "url",
            format!("S3 端点“{e}”应为 https://主机[:端口]"),
            format!("The S3 endpoint “{e}” must be https://host[:port]"),
        ));
    }
    Ok(e.to_string())
}

/// Material files in a bucket. Cheap to clone (the client is shared).
#[derive(Debug, Clone)]
pub struct S3FileStore {
    store: Arc<dyn ObjectStore>,
    /// `<prefix>/files` (or `files`).
    root: String,
    description: String,
}

impl S3FileStore {
    /// A client for the bucket (no request is sent: see [`S3FileStore::check`]).
    pub fn open(cfg: &S3Config) -> Result<S3FileStore> {
        let mut b = AmazonS3Builder::new()
            .with_bucket_name(&cfg.bucket)
            .with_region(&cfg.region)
            .with_access_key_id(&cfg.access_key_id)
            .with_secret_access_key(&cfg.secret_access_key)
            .with_allow_http(cfg.allow_http)
            .with_checksum_algorithm(Checksum::SHA256)
            .with_client_options(
                ClientOptions::new()
                    .with_allow_http(cfg.allow_http)
                    .with_connect_timeout(Duration::from_secs(5))
                    .with_timeout(Duration::from_secs(60)),
            )
            .with_retry(RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: 4,
                retry_timeout: Duration::from_secs(30),
            });
        if let Some(e) = &cfg.endpoint {
            b = b.with_endpoint(e);
        }
        if let Some(t) = &cfg.session_token {
            b = b.with_token(t);
        }
        let store = b.build().map_err(|e| {
            Error::unavailable(format!("file store: cannot configure {cfg}: {e}")).with_detail(
                format!("无法配置 S3 文件存储 {cfg}：{e}"),
                format!("Cannot configure the S3 file store {cfg}: {e}"),
            )
        })?;
        Ok(S3FileStore::with_object_store(
            Arc::new(store),
            &cfg.prefix,
            cfg.to_string(),
        ))
    }

    /// A store on any `object_store` backend (tests reach the objects through it).
    pub fn with_object_store(
        store: Arc<dyn ObjectStore>,
        prefix: &str,
        description: String,
    ) -> S3FileStore {
        let prefix = prefix.trim_matches('/');
        let root = if prefix.is_empty() {
            "files".to_string()
        } else {
            format!("{prefix}/files")
        };
        S3FileStore {
            store,
            root,
            description,
        }
    }

    /// The client underneath (to inspect or damage objects in tests).
    pub fn object_store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The object key of the file with this digest: `<prefix>/files/ab/cd/<sm3hex>`.
    pub fn key_of(&self, digest: &Sm3Hex) -> Path {
        let d = digest.as_str();
        Path::from(format!("{}/{}/{}/{d}", self.root, &d[0..2], &d[2..4]))
    }

    /// Checks that the bucket answers with these credentials: a `HEAD` of a key that is never
    /// written (not found is the good answer).
    pub async fn check(&self) -> Result<()> {
        let probe = Path::from(format!("{}/.probe", self.root));
        match self.store.head(&probe).await {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.failed("reach", &probe, e)),
        }
    }

    fn failed(&self, what: &str, key: &Path, e: object_store::Error) -> Error {
        Error::unavailable(format!(
            "file store {}: cannot {what} {key}: {e}",
            self.description
        ))
        .with_detail(
            format!("文件存储 {} 暂不可用（{key}）", self.description),
            format!(
                "The file store {} is unavailable ({what} {key})",
                self.description
            ),
        )
    }

    async fn read_verified(&self, digest: &Sm3Hex) -> Result<Option<Bytes>> {
        let key = self.key_of(digest);
        let got = match self.store.get(&key).await {
            Ok(r) => r.bytes().await,
            Err(e) => Err(e),
        };
        match got {
            Ok(bytes) if digest.matches(&bytes) => Ok(Some(bytes)),
            Ok(_) => Err(corrupted(digest)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.failed("read", &key, e)),
        }
    }

    async fn put_verified(&self, bytes: Bytes) -> Result<StoredFile> {
        let file = StoredFile::describe(&bytes)?;
        let key = self.key_of(&file.digest_sm3_hex);
        let mut attributes = Attributes::new();
        attributes.insert(
            Attribute::ContentType,
            file.media_type.mime().to_string().into(),
        );
        attributes.insert(
            Attribute::Metadata("sm3".into()),
            file.digest_sm3_hex.to_string().into(),
        );
        let opts = |mode| PutOptions {
            mode,
            attributes: attributes.clone(),
            ..PutOptions::default()
        };
        let payload = PutPayload::from_bytes(bytes);
        match self
            .store
            .put_opts(&key, payload.clone(), opts(PutMode::Create))
            .await
        {
            Ok(_) => Ok(file),
            Err(object_store::Error::AlreadyExists { .. }) => {
                match self.read_verified(&file.digest_sm3_hex).await {
                    Ok(Some(_)) => Ok(file),
                    Err(e) if e.code == ErrorCode::Unavailable => Err(e),
                    // Damaged (or removed meanwhile): the new bytes take its place.
                    Err(_) | Ok(None) => {
                        tracing::warn!(digest = %file.digest_sm3_hex, key = %key,
                            "stored copy does not verify: replacing it with the new upload");
                        self.store
                            .put_opts(&key, payload, opts(PutMode::Overwrite))
                            .await
                            .map_err(|e| self.failed("write", &key, e))?;
                        Ok(file)
                    }
                }
            }
            Err(e) => Err(self.failed("write", &key, e)),
        }
    }
}

impl FileStore for S3FileStore {
    fn put(&self, bytes: Bytes) -> BoxFuture<'_, Result<StoredFile>> {
        Box::pin(self.put_verified(bytes))
    }

    fn get<'a>(&'a self, digest: &'a Sm3Hex) -> BoxFuture<'a, Result<Option<Bytes>>> {
        Box::pin(self.read_verified(digest))
    }

    fn exists<'a>(&'a self, digest: &'a Sm3Hex) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move {
            let key = self.key_of(digest);
            match self.store.head(&key).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(self.failed("look at", &key, e)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    const KEYS: [(&str, &str); 2] = [
        ("AWS_ACCESS_KEY_ID", "id"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
    ];

    #[test]
    fn urls() {
        assert_eq!(
            parse_s3_url("s3://yiwang-files/city/zj/").unwrap(),
            ("yiwang-files".into(), "city/zj".into())
        );
        assert_eq!(
            parse_s3_url("s3://bkt").unwrap(),
            ("bkt".into(), String::new())
        );
        for (bad, rule) in [
            ("/var/lib/yiwang", "files.url"),
            ("https://bucket/x", "files.url"),
            ("s3://", "files.bucket"),
            ("s3://Bucket/x", "files.bucket"),
            ("s3://b_c/x", "files.bucket"),
            ("s3://bkt/a/../b", "files.prefix"),
            ("s3://bkt/a//b", "files.prefix"),
            ("s3://bkt/a b", "files.prefix"),
        ] {
            let e = parse_s3_url(bad).unwrap_err();
            assert_eq!(e.fields[0].field, "files", "{bad}");
            assert_eq!(e.fields[0].rule, rule, "{bad}");
            assert!(!e.fields[0].zh.is_empty() && !e.fields[0].en.is_empty());
        }
    }

    #[test]
    fn credentials_are_required_and_never_shown() {
        let e = S3Config::from_vars("s3://bkt", vars(&[])).unwrap_err();
        assert_eq!(e.fields[0].field, "AWS_ACCESS_KEY_ID");
        let e = S3Config::from_vars("s3://bkt", vars(&KEYS[..1])).unwrap_err();
        assert_eq!(e.fields[0].field, "AWS_SECRET_ACCESS_KEY");
        let c = S3Config::from_vars("s3://bkt/p", vars(&KEYS)).unwrap();
        assert_eq!(c.region, "us-east-1");
        assert_eq!(c.endpoint, None);
        assert!(!format!("{c:?}").contains("secret\""));
        assert!(!format!("{c:?} {c}").contains("\"secret"));
        assert_eq!(c.to_string(), "s3://bkt/p");
    }

    #[test]
    fn plain_http_only_to_loopback_and_only_when_allowed() {
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut all = KEYS.to_vec();
            all.extend_from_slice(extra);
            S3Config::from_vars("s3://bkt", vars(&all))
        };
        let ok = with(&[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:8333/"),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_REGION", "cn-south-1"),
        ])
        .unwrap();
        assert_eq!(ok.endpoint.as_deref(), Some("http://127.0.0.1:8333"));
        assert!(ok.allow_http);
        assert_eq!(ok.region, "cn-south-1");
        assert!(
            with(&[
                ("AWS_ENDPOINT_URL", "http://[::1]:8333"),
                ("AWS_ALLOW_HTTP", "true")
            ])
            .is_ok()
        );
        assert!(
            with(&[
                ("AWS_ENDPOINT_URL", "https://oss.example.gov.cn"),
                ("AWS_ALLOW_HTTP", "false")
            ])
            .is_ok()
        );
        for (extra, field, rule) in [
            (
                [
                    ("AWS_ENDPOINT_URL", "http://127.0.0.1:8333"),
                    ("AWS_REGION", "x"),
                ],
                "AWS_ENDPOINT_URL",
                "allow_http",
            ),
            (
                [
                    ("AWS_ENDPOINT_URL", "http://10.0.0.5:8333"),
                    ("AWS_ALLOW_HTTP", "true"),
                ],
                "AWS_ENDPOINT_URL",
                "https",
            ),
            (
                [
                    ("AWS_ENDPOINT_URL", "http://127.0.0.1.evil.example"),
                    ("AWS_ALLOW_HTTP", "true"),
                ],
                "AWS_ENDPOINT_URL",
                "https",
            ),
            (
                [("AWS_ENDPOINT_URL", "ftp://127.0.0.1"), ("AWS_REGION", "x")],
                "AWS_ENDPOINT_URL",
                "url",
            ),
            (
                [("AWS_ENDPOINT_URL", "https://h"), ("AWS_ALLOW_HTTP", "yes")],
                "AWS_ALLOW_HTTP",
                "boolean",
            ),
        ] {
            let e = with(&extra).unwrap_err();
            assert_eq!(
                (e.fields[0].field.as_str(), e.fields[0].rule.as_str()),
                (field, rule),
                "{extra:?}"
            );
        }
    }
}
