//! Collected rows sealed at rest (migration 0023): the one place that turns a row's clear key
//! and values into what `exchange_rows` stores, and back.
//!
//! * `row_key` is the **blind index** of the clear key (`HMAC-SM3` under the key ring's index
//!   key, context [`KEY_CONTEXT`], 32 hex characters): a lookup by key, "as of" and history stay
//!   one range of the primary key `(resource_id, row_key, valid_from)`. Keyset paging over a
//!   resource runs in index order, so the data API's `next` cursor is an index (opaque).
//! * `data` is the **sealed document** (SM4-GCM under the current data key, associated data
//!   [`ROW_CONTEXT`], the vault's `v1.<key id>.<base64url>` form). Its plaintext is the clear key
//!   and the row's canonical JSON: `<key length in bytes>:<key><json>`, so a reader shows the
//!   key without a second column, and a lookup checks that the document belongs to the key it
//!   asked for.
//! * `digest` is **keyed**: `HMAC-SM3` of the canonical JSON (context [`DIGEST_CONTEXT`]), so a
//!   load still skips unchanged rows by comparing digests without opening a row, and nobody
//!   without the index key can test a guessed value (an ID number has too few possibilities
//!   for a bare hash). The index key is not rotated with the data keys, so digests and
//!   indexes survive a rotation; a rotation rewraps `data` only ([`rewrap`]).
//!
//! Callers (collection, the data API, base libraries, the return flow) deal in clear keys and
//! values through `repo::rows`; only the bulk path of collection (`repo::bulk`) deals in
//! indexes, computed here.

use std::sync::Arc;

use time::OffsetDateTime;
use yiwang_identity::Keys;
use yiwang_kernel::{Error, Result};
use yiwang_store::{Conn, Db, args};
use yiwang_vault::{Indexer, KeyRing, Sealer, VaultError};

/// Associated data of a sealed row document.
pub const ROW_CONTEXT: &str = "exchange.row";
/// Context of the blind index of a row's clear key.
pub const KEY_CONTEXT: &str = "exchange.row_key";
/// Context of the keyed digest of a row's canonical JSON.
pub const DIGEST_CONTEXT: &str = "exchange.row_digest";

/// Rows per sealing thread below which a batch is sealed on the calling thread.
const SPLIT_AT: usize = 512;

fn vault(e: VaultError) -> Error {
    Error::internal(format!("exchange row seal: {e}"))
}

/// The sealing of collected rows under the node's key ring (cheap to clone; follows a
/// rotation, as the ring is shared).
#[derive(Clone, Debug)]
pub struct RowSeal {
    keys: Keys,
}

/// A row version as stored (sealed), before [`RowSeal::open`].
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SealedRow {
    /// The blind index of the key.
    pub row_key: String,
    pub valid_from: OffsetDateTime,
    pub valid_to: Option<OffsetDateTime>,
    pub load_id: i64,
    pub digest: String,
    pub data: String,
}

/// The columns of [`SealedRow`], in order.
pub const COLS: &str = "row_key, valid_from, valid_to, load_id, digest, data";

/// A row opened: the clear key and JSON text beside what was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRow {
    /// The clear key (a compound key's values joined by U+001F).
    pub row_key: String,
    /// The blind index stored as `row_key`: the keyset cursor of scans.
    pub index: String,
    pub valid_from: OffsetDateTime,
    pub valid_to: Option<OffsetDateTime>,
    pub load_id: i64,
    /// The keyed digest of `data`.
    pub digest: String,
    /// The canonical JSON text of the values.
    pub data: String,
}

impl StoredRow {
    /// The values by field name.
    pub fn values(&self) -> Result<serde_json::Map<String, serde_json::Value>> {
        serde_json::from_str(&self.data)
            .map_err(|e| Error::internal(format!("exchange row data: {e}")))
    }
}

/// The key index and keyed digest of many rows (a load's reader thread): the HMAC states
/// after the index key and each context are computed once ([`RowSeal::hasher`]).
#[derive(Clone, Debug)]
pub struct RowHasher {
    index: Indexer,
    digest: Indexer,
}

impl RowHasher {
    /// [`RowSeal::index`].
    pub fn index(&self, key: &str) -> String {
        self.index.index(key)
    }

    /// [`RowSeal::digest`].
    pub fn digest(&self, data: &str) -> String {
        self.digest.index(data)
    }
}

/// A row ready to insert: index, keyed digest, sealed document.
#[derive(Debug, Clone)]
pub struct SealedNew {
    pub index: String,
    pub digest: String,
    pub sealed: String,
}

/// The plaintext of a sealed document, written into a reused buffer.
fn plaintext(buf: &mut Vec<u8>, key: &str, data: &str) {
    use std::io::Write;
    buf.clear();
    // Writing into a Vec cannot fail.
    let _ = write!(buf, "{}:", key.len());
    buf.extend_from_slice(key.as_bytes());
    buf.extend_from_slice(data.as_bytes());
}

/// Splits an opened plaintext into the clear key and the JSON text.
fn split(text: &str) -> Result<(&str, &str)> {
    let bad = || Error::internal("exchange row seal: malformed document");
    let (len, rest) = text.split_once(':').ok_or_else(bad)?;
    let len: usize = len.parse().map_err(|_| bad())?;
    if !rest.is_char_boundary(len) {
        return Err(bad());
    }
    Ok(rest.split_at(len))
}

fn seal_with(sealer: &Sealer, buf: &mut Vec<u8>, key: &str, data: &str) -> Result<String> {
    plaintext(buf, key, data);
    let out = sealer.seal_bytes(buf).map_err(vault);
    buf.fill(0);
    out
}

impl RowSeal {
    pub fn new(keys: Keys) -> RowSeal {
        RowSeal { keys }
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The blind index of a clear key (what `row_key` stores).
    pub fn index(&self, key: &str) -> Result<String> {
        self.keys.blind_index(KEY_CONTEXT, key)
    }

    /// The keyed digest of a row's canonical JSON text.
    pub fn digest(&self, data: &str) -> Result<String> {
        self.keys.blind_index(DIGEST_CONTEXT, data)
    }

    /// Seals one row's clear key and JSON text under the current data key.
    pub fn seal(&self, key: &str, data: &str) -> Result<String> {
        let sealer = self.keys.ring().sealer(ROW_CONTEXT).map_err(vault)?;
        seal_with(&sealer, &mut Vec::new(), key, data)
    }

    /// Index and digest of many rows (made once per load or batch).
    pub fn hasher(&self) -> Result<RowHasher> {
        let ring = self.keys.ring();
        Ok(RowHasher {
            index: ring.indexer(KEY_CONTEXT).map_err(vault)?,
            digest: ring.indexer(DIGEST_CONTEXT).map_err(vault)?,
        })
    }

    /// Index, digest and sealed document of one row.
    pub fn prepare(&self, key: &str, data: &str) -> Result<SealedNew> {
        Ok(SealedNew {
            index: self.index(key)?,
            digest: self.digest(data)?,
            sealed: self.seal(key, data)?,
        })
    }

    /// Seals a batch of (clear key, JSON text), in order: on two threads when the batch is
    /// large (SM4-GCM costs per row; collection seals 5,000 rows a batch). One plaintext
    /// buffer per thread, wiped after each row. Call it from a blocking context.
    pub fn seal_batch(&self, rows: &[(&str, &str)]) -> Result<Vec<String>> {
        let ring = self.keys.ring();
        let one = |part: &[(&str, &str)]| -> Result<Vec<String>> {
            let sealer = ring.sealer(ROW_CONTEXT).map_err(vault)?;
            let mut buf = Vec::with_capacity(512);
            part.iter()
                .map(|(k, d)| seal_with(&sealer, &mut buf, k, d))
                .collect()
        };
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(2);
        if threads < 2 || rows.len() < 2 * SPLIT_AT {
            return one(rows);
        }
        let (a, b) = rows.split_at(rows.len() / 2);
        let (first, second) = std::thread::scope(|s| {
            let h = s.spawn(|| one(b));
            let first = one(a);
            (first, h.join())
        });
        let mut out = first?;
        out.extend(second.map_err(|_| Error::internal("exchange row seal: thread panicked"))??);
        Ok(out)
    }

    /// Opens a stored row: its clear key and JSON text.
    pub fn open(&self, s: SealedRow) -> Result<StoredRow> {
        let text = self.keys.open(ROW_CONTEXT, &s.data)?;
        let (key, data) = split(&text)?;
        Ok(StoredRow {
            row_key: key.to_string(),
            data: data.to_string(),
            index: s.row_key,
            valid_from: s.valid_from,
            valid_to: s.valid_to,
            load_id: s.load_id,
            digest: s.digest,
        })
    }

    /// Opens the rows of a lookup by `key`, refusing a document that belongs to another key
    /// (a sealed value moved between rows).
    pub fn open_for(&self, key: &str, s: SealedRow) -> Result<StoredRow> {
        let r = self.open(s)?;
        if r.row_key != key {
            return Err(Error::internal(
                "exchange row seal: the document does not belong to its key",
            ));
        }
        Ok(r)
    }

    /// Opens many rows.
    pub fn open_all(&self, rows: Vec<SealedRow>) -> Result<Vec<StoredRow>> {
        rows.into_iter().map(|s| self.open(s)).collect()
    }

    /// After a key rotation: re-encrypts every sealed row document not under the current data
    /// key, `batch` rows a transaction, each only if it did not change meanwhile (indexes and
    /// digests stay: the index key does not rotate). Returns the rows rewritten.
    pub async fn rewrap(&self, db: &Db, batch: i64) -> Result<u64> {
        let batch = batch.clamp(1, 5_000);
        let prefix = self.keys.ring().current_prefix();
        let mut done = 0u64;
        let mut after: Option<(i64, String, OffsetDateTime)> = None;
        loop {
            let mut c = db.clone();
            let page = stale_after(&mut c, &prefix, after.as_ref(), batch).await?;
            let Some(last) = page.last() else { break };
            after = Some((last.0, last.1.clone(), last.2));
            let full = i64::try_from(page.len()).unwrap_or(i64::MAX) >= batch;
            let ring: Arc<KeyRing> = self.keys.ring();
            let mut tx = db.write().await?;
            for (rid, index, from, old) in page {
                let new = match ring.rewrap(ROW_CONTEXT, &old) {
                    Ok(Some(new)) => new,
                    Ok(None) => continue,
                    // A key this process does not know: another process rotated; open through
                    // the shared keys (which reload the key file) and seal again.
                    Err(VaultError::UnknownKey { .. }) => {
                        let text = self.keys.open(ROW_CONTEXT, &old)?;
                        self.keys.seal(ROW_CONTEXT, &text)?
                    }
                    Err(e) => return Err(vault(e)),
                };
                done += reseal(&mut tx, rid, &index, from, &new, &old).await?;
            }
            tx.commit().await?;
            if !full {
                break;
            }
        }
        Ok(done)
    }
}

/// Every row version of a resource as stored — (`row_key`, `digest`, `data`) — in primary-key
/// order: for checks that nothing is kept in clear.
pub async fn at_rest(c: &mut impl Conn, resource_id: i64) -> Result<Vec<(String, String, String)>> {
    c.fetch_all(
        "SELECT row_key, digest, data FROM exchange_rows WHERE resource_id = $1 ORDER BY row_key, valid_from",
        args![resource_id],
    )
    .await
}

/// Up to `limit` row versions after `after` (primary-key order) whose document is not under
/// the current key (`prefix`, e.g. `v1.k3.`).
async fn stale_after(
    c: &mut impl Conn,
    prefix: &str,
    after: Option<&(i64, String, OffsetDateTime)>,
    limit: i64,
) -> Result<Vec<(i64, String, OffsetDateTime, String)>> {
    let pattern = format!("{prefix}%");
    match after {
        None => c.fetch_all(
            "SELECT resource_id, row_key, valid_from, data FROM exchange_rows WHERE data NOT LIKE $1 \
             ORDER BY resource_id, row_key, valid_from LIMIT $2",
            args![pattern, limit],
        )
        .await,
        Some((rid, key, from)) => c.fetch_all(
            "SELECT resource_id, row_key, valid_from, data FROM exchange_rows WHERE data NOT LIKE $1 \
             AND (resource_id > $2 OR (resource_id = $2 AND (row_key > $3 OR (row_key = $3 AND valid_from > $4)))) \
             ORDER BY resource_id, row_key, valid_from LIMIT $5",
            args![pattern, *rid, key.as_str(), *from, limit],
        )
        .await,
    }
}

/// Replaces a row version's sealed document with `new` if it is still `old`.
async fn reseal(
    c: &mut impl Conn,
    resource_id: i64,
    index: &str,
    from: OffsetDateTime,
    new: &str,
    old: &str,
) -> Result<u64> {
    c.execute(
        "UPDATE exchange_rows SET data = $1 WHERE resource_id = $2 AND row_key = $3 AND valid_from = $4 AND data = $5",
        args![new, resource_id, index, from, old],
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "440802199001011234";

    #[test]
    fn sealed_rows_hold_nothing_in_clear_and_open_back() {
        let seal = RowSeal::new(Keys::ephemeral().unwrap());
        let data = r#"{"id_number":"440802199001011234","name":"张三"}"#;
        let n = seal.prepare(ID, data).unwrap();
        for stored in [&n.index, &n.digest, &n.sealed] {
            assert!(!stored.contains(ID), "{stored}");
            assert!(!stored.contains("张三"), "{stored}");
        }
        assert_eq!(n.index.len(), 32);
        assert_eq!(n.digest.len(), 32);
        // Deterministic index and digest (lookups, change detection); a fresh nonce per seal.
        assert_eq!(seal.index(ID).unwrap(), n.index);
        assert_eq!(seal.digest(data).unwrap(), n.digest);
        assert_ne!(seal.seal(ID, data).unwrap(), n.sealed);
        // The key and the digest index differently; the batch hasher agrees with both.
        assert_ne!(seal.index(ID).unwrap(), seal.digest(ID).unwrap());
        let h = seal.hasher().unwrap();
        assert_eq!(
            (h.index(ID), h.digest(data)),
            (n.index.clone(), n.digest.clone())
        );
        let row = SealedRow {
            row_key: n.index.clone(),
            valid_from: OffsetDateTime::UNIX_EPOCH,
            valid_to: None,
            load_id: 1,
            digest: n.digest.clone(),
            data: n.sealed.clone(),
        };
        let open = seal.open_for(ID, row.clone()).unwrap();
        assert_eq!((open.row_key.as_str(), open.data.as_str()), (ID, data));
        assert_eq!(open.index, n.index);
        assert_eq!(open.values().unwrap()["name"], "张三");
        // A document read for another key is refused.
        assert!(seal.open_for("440802199001011235", row.clone()).is_err());
        // Another node's ring cannot open it.
        let other = RowSeal::new(Keys::ephemeral().unwrap());
        assert!(other.open(row).is_err());
    }

    #[test]
    fn keys_with_separators_colons_and_chinese_round_trip() {
        let seal = RowSeal::new(Keys::ephemeral().unwrap());
        for key in ["a:b\u{1f}c", "", "湛江:1", "12:34"] {
            let s = seal.seal(key, "{}").unwrap();
            let r = seal
                .open(SealedRow {
                    row_key: String::new(),
                    valid_from: OffsetDateTime::UNIX_EPOCH,
                    valid_to: None,
                    load_id: 0,
                    digest: String::new(),
                    data: s,
                })
                .unwrap();
            assert_eq!((r.row_key.as_str(), r.data.as_str()), (key, "{}"));
        }
        assert!(split("x:abc").is_err());
        assert!(split("9:abc").is_err());
        assert!(split("abc").is_err());
        // A length inside a multi-byte character is refused, not a panic.
        assert!(split("1:湛江").is_err());
    }

    #[test]
    fn batches_seal_in_order_on_two_threads() {
        let seal = RowSeal::new(Keys::ephemeral().unwrap());
        let keys: Vec<String> = (0..3000).map(|i| format!("k{i}")).collect();
        let datas: Vec<String> = (0..3000).map(|i| format!("{{\"n\":{i}}}")).collect();
        let rows: Vec<(&str, &str)> = keys
            .iter()
            .zip(&datas)
            .map(|(k, d)| (k.as_str(), d.as_str()))
            .collect();
        let sealed = seal.seal_batch(&rows).unwrap();
        assert_eq!(sealed.len(), rows.len());
        for (i, s) in sealed.iter().enumerate() {
            let text = seal.keys().open(ROW_CONTEXT, s).unwrap();
            assert_eq!(split(&text).unwrap(), (keys[i].as_str(), datas[i].as_str()));
        }
    }
}
