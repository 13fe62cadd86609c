//! The return flow (回流): a resource, or the part of it in one county, exported as a package
//! for a lower-level node, and imported there verified.
//!
//! A package ([`container`]) carries a manifest (resource code, version, metadata, provider,
//! row and version counts, as-of time, filter), every row version with its validity interval
//! (history included, the stored JSON text unchanged, opened from its sealed form: a package is
//! a clear export for another node, which seals the rows under its own keys on import) and SM3
//! digests of every part and of the manifest. The division filter keeps the row versions whose `division` item starts with the
//! code. Import verifies every digest (and each row's own), then registers and publishes the
//! resource when the node lacks it (the provider found by its USCC), and writes every row
//! version exactly; a version already there with the same digest only takes the package's
//! `valid_to`, one with other data refuses the whole package (a node receives a resource from
//! one upstream node). Both are the division's data administrator's (`exchange.admin`) or the
//! command line's, audited (`exchange.package.export`, `exchange.package.import`).

pub mod container;

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use yiwang_audit::Entry;
use yiwang_kernel::auth::{Ctx, Permission, Target};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_org::Department;
use yiwang_org::service::departments_in;

use crate::model::{Classification, Resource, ResourceCode};
use crate::repo::{base as repo, resources, rows};
use crate::service::ExchangeService;
pub use container::{FORMAT, Manifest, PackRow, PackageFilter, Part, open, sm3_hex};
use container::{ROWS, refused};

const PAGE: i64 = 5_000;

/// What an import did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PackageImportReport {
    pub resource: String,
    /// The version published on this node now.
    pub version: i64,
    /// True when the resource was registered by this import.
    pub created: bool,
    /// Row versions written (new, or closed by this package).
    pub written: u64,
    /// Row versions that were already here unchanged.
    pub unchanged: u64,
    /// Current rows of the resource on this node after the import.
    pub row_count: i64,
    /// SM3 of the manifest, as verified.
    pub manifest_sm3: String,
}

fn target(d: &Department) -> Target<'_> {
    Target {
        department_id: Some(d.id),
        division: &d.division_code,
    }
}

fn check_filter(f: &PackageFilter) -> Result<()> {
    if let Some(d) = &f.division {
        let ok = (2..=12).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit());
        if !ok {
            return Err(Error::validation(vec![FieldError::new(
                "division",
                "division.code",
                "行政区划代码应为 2–12 位数字（如 440802）",
                "The division code is 2–12 digits (e.g. 440802)",
            )]));
        }
    }
    Ok(())
}

fn in_filter(f: &PackageFilter, data: &str) -> bool {
    let Some(prefix) = &f.division else {
        return true;
    };
    serde_json::from_str::<serde_json::Value>(data)
        .ok()
        .and_then(|v| {
            v.get("division")
                .and_then(|d| d.as_str())
                .map(|d| d.trim().starts_with(prefix.as_str()))
        })
        .unwrap_or(false)
}

impl ExchangeService {
    async fn refuse(&self, ctx: &Ctx, object: String, action: &str) -> Error {
        yiwang_audit::denied(self.db(), ctx, object, action, self.clock().now()).await;
        Error::forbidden()
    }

    /// Exports the published resource `code` (or its rows in `filter.division`) as a package:
    /// the bytes and the manifest written into them.
    pub async fn export_package(
        &self,
        ctx: &Ctx,
        code: &str,
        filter: &PackageFilter,
    ) -> Result<(Vec<u8>, Manifest)> {
        const EVENT: &str = "exchange.package.export";
        check_filter(filter)?;
        let now = self.clock().now();
        let mut tx = self.db().read().await?;
        let r = resources::published_by_code(&mut tx, code)
            .await?
            .ok_or_else(Error::not_found)?;
        let dept = Self::department(&mut tx, r.department_id).await?;
        if !ctx.actor.may_on(Permission::ExchangeAdmin, target(&dept)) {
            tx.rollback().await?;
            return Err(self
                .refuse(ctx, format!("resource:{}", r.code.as_str()), EVENT)
                .await);
        }
        let mut out = Vec::new();
        let (mut versions, mut current) = (0u64, 0u64);
        let mut after: Option<(String, time::OffsetDateTime)> = None;
        loop {
            let page = repo::versions_after(
                &mut tx,
                self.seal(),
                r.id,
                after.as_ref().map(|(k, t)| (k.as_str(), *t)),
                PAGE,
            )
            .await?;
            let Some(last) = page.last() else { break };
            after = Some((last.index.clone(), last.valid_from));
            let n = page.len();
            for s in page {
                if s.valid_from > now || !in_filter(filter, &s.data) {
                    continue;
                }
                // The package carries the clear key and values with a bare SM3 of the values
                // (the receiving node has its own keys); the stored digest is keyed.
                let p = PackRow {
                    key: s.row_key,
                    valid_from: s.valid_from,
                    valid_to: s.valid_to.filter(|t| *t <= now),
                    digest: sm3_hex(s.data.as_bytes()),
                    data: s.data,
                };
                if p.valid_to.is_none() {
                    current += 1;
                }
                versions += 1;
                serde_json::to_writer(&mut out, &p)
                    .map_err(|e| Error::internal(format!("package row: {e}")))?;
                out.push(b'\n');
            }
            if i64::try_from(n).unwrap_or(i64::MAX) < PAGE {
                break;
            }
        }
        tx.rollback().await?;
        let mut manifest = Manifest {
            format: FORMAT.into(),
            resource: r.code.as_str().to_string(),
            classification: r.classification.0.clone(),
            version: r.version,
            provider_uscc: dept.uscc.as_str().to_string(),
            provider_name: dept.name.clone(),
            meta: r.meta.clone(),
            row_count: current,
            version_count: versions,
            as_of: now,
            filter: filter.clone(),
            exported_by: ctx.actor.label(),
            parts: Vec::new(),
        };
        let bytes = container::write(&mut manifest, &[(ROWS, out)])?;
        let mut tx = self.db().write().await?;
        let entry = Entry::success(&ctx.actor, EVENT, format!("resource:{}", r.code.as_str()))
            .source(&ctx.source)
            .data(json!({
                "division": filter.division,
                "rows": current,
                "versions": versions,
                "bytes": bytes.len(),
                "manifest_sm3": sm3_hex(&serde_json::to_vec_pretty(&manifest).unwrap_or_default()),
            }));
        yiwang_audit::record(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok((bytes, manifest))
    }

    /// Imports a package (see the module documentation).
    pub async fn import_package(&self, ctx: &Ctx, bytes: &[u8]) -> Result<PackageImportReport> {
        const EVENT: &str = "exchange.package.import";
        let opened = open(bytes)?;
        let m = &opened.manifest;
        let manifest_sm3 = opened.manifest_sm3.clone();
        let rows_part = opened.part(ROWS).ok_or_else(|| {
            refused(
                "package.missing_part",
                ROWS,
                format!("数据包缺少“{ROWS}”"),
                format!("The package has no \"{ROWS}\""),
            )
        })?;
        let mut pack = Vec::new();
        for (n, line) in rows_part.split(|b| *b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            let bad = || {
                refused(
                    "package.row",
                    ROWS,
                    format!("“{ROWS}”第 {} 行无法读取或其摘要不符", n + 1),
                    format!(
                        "Line {} of \"{ROWS}\" is unreadable or does not match its digest",
                        n + 1
                    ),
                )
            };
            let p: PackRow = serde_json::from_slice(line).map_err(|_| bad())?;
            if sm3_hex(p.data.as_bytes()) != p.digest {
                return Err(bad());
            }
            pack.push(p);
        }
        let current = pack.iter().filter(|p| p.valid_to.is_none()).count() as u64;
        if pack.len() as u64 != m.version_count || current != m.row_count {
            return Err(refused(
                "package.counts",
                container::MANIFEST,
                "数据包中的行数与清单不符".into(),
                "The rows in the package do not match the counts in its manifest".into(),
            ));
        }
        let code = ResourceCode::parse(&m.resource)?;
        let class = Classification::parse(&m.classification)?;
        m.meta.check()?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let provider = departments_in(
            &mut tx,
            &yiwang_org::repo::DepartmentFilter {
                q: Some(m.provider_uscc.clone()),
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .find(|d| d.uscc.as_str() == m.provider_uscc);
        let Some(dept) = provider else {
            return Err(Error::validation(vec![FieldError::new(
                "package.manifest.provider_uscc",
                "exists",
                format!(
                    "本节点没有提供方部门“{}”（{}）",
                    m.provider_name, m.provider_uscc
                ),
                format!(
                    "This node has no provider department \"{}\" ({})",
                    m.provider_name, m.provider_uscc
                ),
            )]));
        };
        if !ctx.actor.may_on(Permission::ExchangeAdmin, target(&dept)) {
            tx.rollback().await?;
            return Err(self
                .refuse(ctx, format!("resource:{}", code.as_str()), EVENT)
                .await);
        }
        let actor = ctx.actor.label();
        let (resource, created) = match resources::id_by_code(&mut tx, code.as_str()).await? {
            None => {
                let id = resources::insert(&mut tx, &code, &class, dept.id, &m.meta, &actor, now)
                    .await?;
                resources::publish(&mut tx, id, 1, &actor, now).await?;
                (published(&mut tx, id).await?, true)
            }
            Some(id) => {
                let (latest, _) = resources::latest(&mut tx, id)
                    .await?
                    .ok_or_else(Error::not_found)?;
                if latest.department_id != dept.id {
                    return Err(Error::new(ErrorCode::Conflict).with_detail(
                        "本节点的同代码资源属于另一提供方部门",
                        "This node's resource with that code belongs to another provider",
                    ));
                }
                let current = resources::published(&mut tx, id).await?;
                match current {
                    Some(c) if c.meta == m.meta => (c, false),
                    _ => {
                        let v = latest.version + 1;
                        resources::insert_version(&mut tx, id, v, &m.meta, &actor, now).await?;
                        resources::publish(&mut tx, id, v, &actor, now).await?;
                        (published(&mut tx, id).await?, false)
                    }
                }
            }
        };
        let (mut written, mut unchanged) = (0u64, 0u64);
        let seal = self.seal();
        for (n, p) in pack.iter().enumerate() {
            let before = rows::history(&mut tx, seal, resource.id, &p.key).await?;
            let same = before.iter().any(|s| {
                s.valid_from == p.valid_from && s.data == p.data && s.valid_to == p.valid_to
            });
            if same {
                unchanged += 1;
                continue;
            }
            let ok = repo::put_version(
                &mut tx,
                seal,
                resource.id,
                &p.key,
                p.valid_from,
                p.valid_to,
                0,
                &p.data,
            )
            .await?;
            if !ok {
                return Err(Error::new(ErrorCode::Conflict).with_detail(
                    format!("“{ROWS}”第 {} 行与本节点已有的同一时间的数据不同，拒绝导入", n + 1),
                    format!(
                        "Line {} of \"{ROWS}\" differs from this node's version of the same time; the package is refused",
                        n + 1
                    ),
                ));
            }
            written += 1;
        }
        let row_count = rows::count_current(&mut tx, resource.id).await?;
        resources::mark_loaded(&mut tx, resource.id, now, row_count).await?;
        let entry = Entry::success(&ctx.actor, EVENT, format!("resource:{}", code.as_str()))
            .source(&ctx.source)
            .data(json!({
                "manifest_sm3": manifest_sm3,
                "exported_by": m.exported_by,
                "as_of": m.as_of.unix_timestamp(),
                "division": m.filter.division,
                "created": created,
                "written": written,
                "unchanged": unchanged,
            }));
        yiwang_audit::record(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(PackageImportReport {
            resource: code.as_str().to_string(),
            version: resource.version,
            created,
            written,
            unchanged,
            row_count,
            manifest_sm3,
        })
    }
}

async fn published(c: &mut impl yiwang_store::Conn, id: i64) -> Result<Resource> {
    resources::published(c, id)
        .await?
        .ok_or_else(|| Error::internal("package import: resource not published"))
}
