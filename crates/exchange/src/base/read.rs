//! Reading a base library by key (current or as of a time), audited; and the small loader the
//! demo and tests use to put rows into a source resource.

use std::sync::Arc;

use serde_json::json;
use time::OffsetDateTime;
use yiwang_audit::Entry;
use yiwang_kernel::auth::{Actor, Ctx, Permission};
use yiwang_kernel::clock::Clock;
use yiwang_kernel::codes::{IdNumber, Uscc};
use yiwang_kernel::{Error, Result};
use yiwang_store::{Conn, Db};

use super::{BaseRecord, Candidate, Library, Provenance, choose};
use crate::model::Resource;
use crate::repo::rows::RowSeal;
use crate::repo::{base as repo, resources, rows};
use crate::service::ExchangeService;

/// The base libraries of one node (cheap to clone).
#[derive(Clone, Debug)]
pub struct BaseLibraries {
    db: Db,
    clock: Arc<dyn Clock>,
    seal: RowSeal,
    /// The reads' audit entries, appended in groups.
    audit: yiwang_audit::Grouped,
}

/// The audit event of a base library read.
pub const READ_EVENT: &str = "exchange.base.read";

impl BaseLibraries {
    /// The libraries over the exchange's collected rows (its database, clock and seal).
    pub fn new(exchange: &ExchangeService) -> BaseLibraries {
        BaseLibraries {
            db: exchange.db().clone(),
            clock: exchange.clock().clone(),
            seal: exchange.seal().clone(),
            audit: yiwang_audit::Grouped::default(),
        }
    }

    /// Who may read a base library record by key: the platform itself (`System`: enterprise
    /// registration checks, prefilling an applicant's own form), and the data administrator
    /// (`exchange.admin`, who maintains the libraries) and the supervisor (`exchange.supervise`)
    /// of any division — the libraries are the city's, assembled across providers. Department
    /// systems and consumers read the source resources through their grants (the data API),
    /// never the libraries; persons never read them directly.
    pub fn may_read(actor: &Actor) -> bool {
        match actor {
            Actor::System { .. } => true,
            Actor::Staff(_) => {
                actor.has(Permission::ExchangeAdmin) || actor.has(Permission::ExchangeSupervise)
            }
            _ => false,
        }
    }

    /// The key as the library stores it (validated), and as it may be written to the log.
    fn key(&self, library: Library, key: &str) -> Result<(String, String)> {
        match library {
            Library::Population => {
                let id = IdNumber::parse(key, self.clock.today())
                    .map_err(|e| Error::validation(vec![e.within("key")]))?;
                Ok((id.as_str().to_string(), id.masked()))
            }
            Library::LegalPerson => {
                let u = Uscc::parse(key).map_err(|e| Error::validation(vec![e.within("key")]))?;
                Ok((u.as_str().to_string(), u.as_str().to_string()))
            }
        }
    }

    /// The record of `key` in `library` assembled from its sources, current or as of `at`;
    /// `None` when no source holds the key. `purpose` is written to the audit entry (what the
    /// read serves, e.g. `org.register`). Read in one snapshot, then audited: the record is
    /// answered only once its audit entry is durable (entries of concurrent reads share a
    /// commit, [`yiwang_audit::Grouped`]), and the read holds no write turn.
    pub async fn lookup(
        &self,
        ctx: &Ctx,
        library: Library,
        key: &str,
        at: Option<OffsetDateTime>,
        purpose: &str,
    ) -> Result<Option<BaseRecord>> {
        let now = self.clock.now();
        let object = format!("base:{}", library.code());
        if !Self::may_read(&ctx.actor) {
            yiwang_audit::denied(&self.db, ctx, object, READ_EVENT, now).await;
            return Err(Error::forbidden());
        }
        let (key, logged) = self.key(library, key)?;
        let mut tx = self.db.read().await?;
        let record = assemble(&mut tx, &self.seal, library, &key, at).await?;
        tx.rollback().await?;
        let sources: Vec<&str> = record
            .iter()
            .flat_map(|r| r.attributes.iter().map(|a| a.source.resource.as_str()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let entry = Entry::success(&ctx.actor, READ_EVENT, object)
            .source(&ctx.source)
            .data(json!({
                "key": logged,
                "found": record.is_some(),
                "sources": sources,
                "as_of": at.map(|t| t.unix_timestamp()),
                "purpose": purpose,
            }));
        self.audit.record(&self.db, &entry, now).await?;
        Ok(record)
    }
}

/// The published source resources of a library, by (classification, name); absent ones are
/// left out (a library works with the sources it has).
pub async fn source_resources(
    c: &mut impl Conn,
    library: Library,
) -> Result<Vec<((&'static str, &'static str), Resource)>> {
    let mut out = Vec::new();
    for (class, name) in library.definition().resources() {
        if let Some(r) = repo::published_by_class_name(c, class, name).await? {
            out.push(((class, name), r));
        }
    }
    Ok(out)
}

/// Assembles a record from the sources' rows (no authorisation, no audit: the caller's job).
pub async fn assemble(
    c: &mut impl Conn,
    seal: &RowSeal,
    library: Library,
    key: &str,
    at: Option<OffsetDateTime>,
) -> Result<Option<BaseRecord>> {
    let def = library.definition();
    let mut rows_of = Vec::new();
    for (id, r) in source_resources(c, library).await? {
        let row = match at {
            None => rows::current(c, seal, r.id, key).await?,
            Some(t) => rows::as_of(c, seal, r.id, key, t).await?,
        };
        if let Some(row) = row {
            rows_of.push((id, r, row.valid_from, row.values()?));
        }
    }
    if rows_of.is_empty() {
        return Ok(None);
    }
    let mut attributes = Vec::new();
    for a in def.attributes {
        let mut cands = Vec::new();
        for s in a.sources {
            let Some((_, r, since, values)) = rows_of
                .iter()
                .find(|(id, ..)| *id == (s.classification, s.resource))
            else {
                continue;
            };
            let Some(v) = values.get(s.field) else {
                continue;
            };
            cands.push(Candidate {
                value: v.clone(),
                source: Provenance {
                    resource: r.code.as_str().to_string(),
                    resource_name: r.meta.name.clone(),
                    field: s.field.to_string(),
                    rank: s.rank,
                    since: *since,
                },
            });
        }
        if let Some(chosen) = choose(a, cands) {
            attributes.push(chosen);
        }
    }
    Ok(Some(BaseRecord {
        library,
        key: key.to_string(),
        as_of: at,
        attributes,
    }))
}

/// Loads rows (JSON objects keyed by field) into a published resource as of `at`, keeping
/// history: a key whose current row differs is closed and reopened, an identical one is left
/// alone. Rows are written sealed through `repo::rows` with load id 0 (seeded, not a 归集
/// load). For the demo and tests: no quality rules are run. Returns how many rows changed.
pub async fn load_rows(
    svc: &ExchangeService,
    resource: &Resource,
    data: &[serde_json::Value],
    at: OffsetDateTime,
) -> Result<usize> {
    let keys: Vec<&str> = resource
        .meta
        .key_items()
        .map(|i| i.field.as_str())
        .collect();
    let seal = svc.seal();
    let mut tx = svc.db().write().await?;
    let mut changed = 0;
    for d in data {
        let parts: Vec<&str> = keys
            .iter()
            .map(|k| d.get(*k).and_then(|v| v.as_str()).unwrap_or(""))
            .collect();
        let key = rows::join_key(parts);
        let text =
            serde_json::to_string(d).map_err(|e| Error::internal(format!("exchange row: {e}")))?;
        let digest = seal.digest(&text)?;
        match rows::current(&mut tx, seal, resource.id, &key).await? {
            Some(cur) if cur.digest == digest => continue,
            Some(_) => {
                rows::close(&mut tx, seal, resource.id, &key, at).await?;
            }
            None => {}
        }
        rows::insert(&mut tx, seal, resource.id, &key, at, 0, &text).await?;
        changed += 1;
    }
    let n = rows::count_current(&mut tx, resource.id).await?;
    resources::mark_loaded(&mut tx, resource.id, at, n).await?;
    tx.commit().await?;
    Ok(changed)
}

/// The published source resource (classification, name) of a library, registered and
/// published for `department_id` as the system when absent (the demo; the catalog publishes
/// the real ones). `None` when the pair is not a library source.
pub async fn ensure_source(
    svc: &ExchangeService,
    classification: &str,
    name: &str,
    department_id: i64,
) -> Result<Option<Resource>> {
    let mut db = svc.db().clone();
    if let Some(r) = repo::published_by_class_name(&mut db, classification, name).await? {
        return Ok(Some(r));
    }
    let Some(meta) = super::sources::source_meta(classification, name) else {
        return Ok(None);
    };
    crate::fixtures::published(svc, department_id, classification, meta)
        .await
        .map(Some)
}
