//! The package container: a zip archive (stored, not compressed) of named parts.
//!
//! ```text
//! manifest.json   the Manifest (resource, version, metadata, counts, as-of, filter, parts)
//! manifest.sm3    SM3 (hex) of manifest.json's bytes
//! rows.jsonl      one PackRow per line: every row version with its validity
//! ```
//!
//! Reading verifies the manifest's digest, then every part the manifest lists (its length and
//! SM3), and refuses parts the manifest does not list: one changed byte anywhere in a part is
//! refused naming that part (`package.digest`). Damage to the archive's own structure is
//! `package.unreadable`.

use std::io::{Cursor, Read, Write};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use yiwang_kernel::{Error, FieldError, Result};

use crate::model::ResourceMeta;

pub const FORMAT: &str = "yiwang-exchange-package/1";
pub const MANIFEST: &str = "manifest.json";
pub const MANIFEST_DIGEST: &str = "manifest.sm3";
pub const ROWS: &str = "rows.jsonl";
/// The largest package read (parts inflated in memory).
pub const MAX_PACKAGE: u64 = 512 * 1024 * 1024;

/// One part of a package and its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Part {
    pub name: String,
    pub bytes: u64,
    /// SM3 of the part's bytes, hex.
    pub sm3: String,
}

/// The filter a package was cut with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PackageFilter {
    /// Rows whose `division` item starts with this code (a county's, e.g. 440802).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
}

/// What a package holds (清单).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Manifest {
    pub format: String,
    /// 信息资源代码.
    pub resource: String,
    pub classification: String,
    pub version: i64,
    /// The provider department, by its USCC (ids differ between nodes) and name.
    pub provider_uscc: String,
    pub provider_name: String,
    pub meta: ResourceMeta,
    /// Keys with a current row in the package.
    pub row_count: u64,
    /// Row versions in the package (history included).
    pub version_count: u64,
    /// The time the rows were read as of.
    #[serde(with = "time::serde::rfc3339")]
    pub as_of: OffsetDateTime,
    pub filter: PackageFilter,
    /// The exporting node's actor label, for the receiving node's log.
    pub exported_by: String,
    pub parts: Vec<Part>,
}

/// One row version as a package carries it: the stored JSON text unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackRow {
    pub key: String,
    #[serde(with = "time::serde::rfc3339")]
    pub valid_from: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub valid_to: Option<OffsetDateTime>,
    pub digest: String,
    pub data: String,
}

pub fn sm3_hex(bytes: &[u8]) -> String {
    use sm3::Digest;
    hex::encode(sm3::Sm3::digest(bytes))
}

pub(crate) fn refused(rule: &str, part: &str, zh: String, en: String) -> Error {
    Error::validation(vec![FieldError::new(
        format!("package.{part}"),
        rule,
        zh,
        en,
    )])
}

fn unreadable(e: impl std::fmt::Display) -> Error {
    Error {
        internal: Some(format!("package: {e}").into()),
        ..refused(
            "package.unreadable",
            "file",
            "数据包不是可读的 zip 文件，或其结构已损坏".into(),
            "The package is not a readable zip file, or its structure is damaged".into(),
        )
    }
}

/// Writes the parts (name, bytes) and the manifest listing them into a zip archive.
pub fn write(manifest: &mut Manifest, parts: &[(&str, Vec<u8>)]) -> Result<Vec<u8>> {
    manifest.parts = parts
        .iter()
        .map(|(name, b)| Part {
            name: (*name).to_string(),
            bytes: b.len() as u64,
            sm3: sm3_hex(b),
        })
        .collect();
    let m = serde_json::to_vec_pretty(manifest)
        .map_err(|e| Error::internal(format!("package manifest: {e}")))?;
    let digest = sm3_hex(&m);
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    let mut put = |name: &str, bytes: &[u8]| -> Result<()> {
        z.start_file(name, opts).map_err(Error::internal)?;
        z.write_all(bytes).map_err(Error::internal)
    };
    put(MANIFEST, &m)?;
    put(MANIFEST_DIGEST, digest.as_bytes())?;
    for (name, b) in parts {
        put(name, b)?;
    }
    let out = z.finish().map_err(Error::internal)?;
    Ok(out.into_inner())
}

/// A package read and verified: the manifest and its parts' bytes by name.
#[derive(Debug)]
pub struct Opened {
    pub manifest: Manifest,
    /// SM3 of the manifest's bytes, as verified.
    pub manifest_sm3: String,
    pub parts: Vec<(String, Vec<u8>)>,
}

impl Opened {
    pub fn part(&self, name: &str) -> Option<&[u8]> {
        self.parts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
    }
}

fn read_part<R: Read + std::io::Seek>(z: &mut zip::ZipArchive<R>, name: &str) -> Result<Vec<u8>> {
    let mut f = z.by_name(name).map_err(|_| {
        refused(
            "package.missing_part",
            name,
            format!("数据包缺少“{name}”"),
            format!("The package has no \"{name}\""),
        )
    })?;
    if f.size() > MAX_PACKAGE {
        return Err(refused(
            "package.too_large",
            name,
            format!("数据包中的“{name}”过大"),
            format!("\"{name}\" in the package is too large"),
        ));
    }
    let mut b = Vec::new();
    // The zip's own CRC check fails on a changed byte too: that is the part's damage as well.
    f.read_to_end(&mut b).map_err(|_| altered(name))?;
    Ok(b)
}

fn altered(name: &str) -> Error {
    refused(
        "package.digest",
        name,
        format!("数据包中的“{name}”与清单中的 SM3 摘要不符，已被改动，拒绝导入"),
        format!(
            "\"{name}\" in the package does not match its SM3 digest in the manifest: it was altered; the package is refused"
        ),
    )
}

/// Reads a package and verifies every digest (see the module documentation).
pub fn open(bytes: &[u8]) -> Result<Opened> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    let m = read_part(&mut z, MANIFEST)?;
    let d = read_part(&mut z, MANIFEST_DIGEST)?;
    if String::from_utf8_lossy(&d).trim() != sm3_hex(&m) {
        return Err(altered(MANIFEST));
    }
    let manifest: Manifest = serde_json::from_slice(&m).map_err(|e| Error {
        internal: Some(format!("package manifest: {e}").into()),
        ..refused(
            "package.manifest",
            MANIFEST,
            "数据包清单无法读取".into(),
            "The package manifest cannot be read".into(),
        )
    })?;
    if manifest.format != FORMAT {
        return Err(refused(
            "package.format",
            MANIFEST,
            format!("不支持的数据包格式“{}”", manifest.format),
            format!("Unsupported package format \"{}\"", manifest.format),
        ));
    }
    let mut parts = Vec::new();
    for p in &manifest.parts {
        let b = read_part(&mut z, &p.name)?;
        if b.len() as u64 != p.bytes || sm3_hex(&b) != p.sm3 {
            return Err(altered(&p.name));
        }
        parts.push((p.name.clone(), b));
    }
    for i in 0..z.len() {
        let name = z
            .by_index_raw(i)
            .map_err(unreadable)?
            .name()
            .map_err(unreadable)?
            .to_string();
        let listed = name == MANIFEST
            || name == MANIFEST_DIGEST
            || manifest.parts.iter().any(|p| p.name == name);
        if !listed {
            return Err(refused(
                "package.unlisted_part",
                &name,
                format!("数据包中的“{name}”不在清单中"),
                format!("\"{name}\" in the package is not in its manifest"),
            ));
        }
    }
    Ok(Opened {
        manifest,
        manifest_sm3: sm3_hex(&m),
        parts,
    })
}
