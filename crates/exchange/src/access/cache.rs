//! Parsed published resources for the data API, by code. Every call still reads the resource's
//! [`PublishedStamp`] together with the caller's grant (one small indexed read; a lookup reads
//! its row in the same statement, `repo::lookups`), so a new version, a change of status or of
//! provider, and a revoked grant are seen at once; only the reading and parsing of an unchanged
//! version's metadata is saved.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;
use yiwang_kernel::{Error, ErrorCode, Result};
use yiwang_store::Db;

use crate::model::Resource;
use crate::repo::grants::{self, GrantRow};
use crate::repo::resources::{self, PublishedStamp};

/// Most resources kept; beyond, the cache starts afresh.
const MAX_ENTRIES: usize = 4_096;

#[derive(Debug, Default)]
pub(crate) struct Resources {
    parsed: Mutex<HashMap<String, (PublishedStamp, Arc<Resource>)>>,
}

impl Resources {
    /// The published version of resource `code` and the grant `consumer` reads it under at
    /// `at`; `None` when the resource has no published version.
    pub(crate) async fn published_with_grant(
        &self,
        db: &Db,
        code: &str,
        consumer: i64,
        at: OffsetDateTime,
    ) -> Result<Option<(Arc<Resource>, Option<GrantRow>)>> {
        let code = code.trim();
        let mut c = db.clone();
        let Some((stamp, grant)) = grants::stamp_and_grant(&mut c, code, consumer, at).await?
        else {
            return Ok(None);
        };
        Ok(self.resolve(db, code, stamp).await?.map(|r| (r, grant)))
    }

    /// The parsed resource of a stamp just read (with the grant, or a lookup's row): from the
    /// cache while the stamp is the same, else read and kept. `None` when the resource has no
    /// published version any more.
    pub(crate) async fn resolve(
        &self,
        db: &Db,
        code: &str,
        stamp: PublishedStamp,
    ) -> Result<Option<Arc<Resource>>> {
        let code = code.trim();
        if let Some(r) = self.get(code, stamp)? {
            return Ok(Some(r));
        }
        let mut c = db.clone();
        let Some(r) = resources::published(&mut c, stamp.resource_id).await? else {
            return Ok(None);
        };
        if r.version != stamp.version || r.department_id != stamp.department_id {
            // Published anew between the two reads: the grant read belongs to the stamp's
            // resource state; read both again rather than mix them.
            return Err(Error::new(ErrorCode::Conflict));
        }
        let r = Arc::new(r);
        let mut m = self.lock()?;
        if m.len() >= MAX_ENTRIES {
            m.clear();
        }
        m.insert(code.to_string(), (stamp, r.clone()));
        Ok(Some(r))
    }

    fn get(&self, code: &str, stamp: PublishedStamp) -> Result<Option<Arc<Resource>>> {
        Ok(self
            .lock()?
            .get(code)
            .filter(|(s, _)| *s == stamp)
            .map(|(_, r)| r.clone()))
    }

    fn lock(
        &self,
    ) -> Result<std::sync::MutexGuard<'_, HashMap<String, (PublishedStamp, Arc<Resource>)>>> {
        self.parsed
            .lock()
            .map_err(|_| Error::internal("exchange resource cache poisoned"))
    }
}
