//! Open311 api keys, issued to outside apps by the security administrator
//! (`api_tokens.manage`): the key is shown once, only its SM3 is kept; a revoked key is refused
//! with 403 `open311.api_key`. Also the key rotation of sealed contact phones.

use serde_json::json;
use yiwang_audit::{Entry, record};
use yiwang_files::Sm3Hex;
use yiwang_kernel::auth::{Ctx, Permission};
use yiwang_kernel::error::Problems;
use yiwang_kernel::{Error, ErrorCode, Result, text};
use yiwang_vault::VaultError;

use super::{AppealService, PHONE_CONTEXT};
use crate::repo::keys::KeyRow;
use crate::repo::{self};
use crate::views::Open311KeyView;

/// The SM3 hex of a key as presented.
pub(super) fn key_hash(key: &str) -> String {
    Sm3Hex::of(key.trim().as_bytes()).as_str().to_string()
}

fn view(r: KeyRow) -> Open311KeyView {
    Open311KeyView {
        id: r.id,
        name: r.name,
        contact: r.contact,
        key_prefix: r.key_prefix,
        issued_by: r.issued_by,
        issued_at: r.issued_at,
        revoked_by: r.revoked_by,
        revoked_at: r.revoked_at,
        last_used_at: r.last_used_at,
    }
}

impl AppealService {
    async fn require_keys(&self, ctx: &Ctx, object: String, attempted: &str) -> Result<()> {
        match ctx.actor.require(Permission::ApiTokensManage) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.refuse(ctx, object, attempted, e).await),
        }
    }

    /// The id of the live key `key` (`None`: unknown or revoked).
    pub(crate) async fn live_key(&self, key: &str) -> Result<Option<i64>> {
        if key.trim().is_empty() {
            return Ok(None);
        }
        let mut c = self.db.clone();
        Ok(repo::keys::by_hash(&mut c, &key_hash(key))
            .await?
            .filter(|k| k.revoked_at.is_none())
            .map(|k| k.id))
    }

    /// Issues a key; the key itself is returned once and only its SM3 is kept.
    pub async fn issue_key(
        &self,
        ctx: &Ctx,
        name: &str,
        contact: &str,
    ) -> Result<(Open311KeyView, String)> {
        self.require_keys(ctx, "open311_key:new".into(), "open311.key.issue")
            .await?;
        let mut p = Problems::new();
        let name = p.take(text::required("name", name, 100));
        let contact = p.take(text::optional("contact", contact, 200));
        p.into_result()?;
        let bytes: [u8; 24] = rand::random();
        let key = format!("o311_{}", hex::encode(bytes));
        let prefix: String = key.chars().take(9).collect();
        let now = self.now();
        let actor = ctx.actor.label();
        let mut tx = self.db.write().await?;
        let row = repo::keys::insert(
            &mut tx,
            &name.unwrap_or_default(),
            &contact.unwrap_or_default(),
            &key_hash(&key),
            &prefix,
            &actor,
            now,
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "open311.key.issue",
                format!("open311_key:{}", row.id),
            )
            .source(&ctx.source)
            .data(json!({ "name": row.name, "prefix": row.key_prefix })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok((view(row), key))
    }

    pub async fn revoke_key(&self, ctx: &Ctx, id: i64) -> Result<Open311KeyView> {
        let object = format!("open311_key:{id}");
        self.require_keys(ctx, object.clone(), "open311.key.revoke")
            .await?;
        let now = self.now();
        let mut tx = self.db.write().await?;
        let Some(row) = repo::keys::by_id(&mut tx, id).await? else {
            return Err(Error::not_found());
        };
        if row.revoked_at.is_some() {
            return Err(Error::new(ErrorCode::InvalidState)
                .with_detail("该密钥已吊销", "The key is already revoked"));
        }
        repo::keys::revoke(&mut tx, id, &ctx.actor.label(), now).await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "open311.key.revoke", object)
                .source(&ctx.source)
                .data(json!({ "name": row.name, "prefix": row.key_prefix })),
            now,
        )
        .await?;
        let row = repo::keys::by_id(&mut tx, id)
            .await?
            .ok_or_else(Error::not_found)?;
        tx.commit().await?;
        self.forget_key(id);
        Ok(view(row))
    }

    pub async fn keys(&self, ctx: &Ctx) -> Result<Vec<Open311KeyView>> {
        self.require_keys(ctx, "open311_keys".into(), "open311.key.list")
            .await?;
        let mut c = self.db.clone();
        Ok(repo::keys::all(&mut c)
            .await?
            .into_iter()
            .map(view)
            .collect())
    }

    /// Re-encrypts contact phones not under the current key (key rotation), `batch` rows a
    /// transaction, compare-and-set. Returns the rows rewritten.
    pub(crate) async fn rewrap_phones(&self, batch: i64) -> Result<u64> {
        let batch = batch.clamp(1, 5_000);
        let mut after = 0i64;
        let mut done = 0u64;
        loop {
            let mut c = self.db.clone();
            let page = repo::appeals::phones_after(&mut c, after, batch).await?;
            let Some(last) = page.last() else { break };
            after = last.0;
            let full = i64::try_from(page.len()).unwrap_or(i64::MAX) >= batch;
            let ring = self.keys.ring();
            let mut tx = self.db.write().await?;
            for (id, old) in page {
                let new = match ring.rewrap(PHONE_CONTEXT, &old) {
                    Ok(Some(new)) => new,
                    Ok(None) => continue,
                    Err(VaultError::UnknownKey { .. }) => {
                        let plain = self.keys.open(PHONE_CONTEXT, &old)?;
                        self.keys.seal(PHONE_CONTEXT, &plain)?
                    }
                    Err(e) => return Err(Error::internal(format!("rewrap: {e}"))),
                };
                done += repo::appeals::reseal_phone(&mut tx, id, &new, &old).await?;
            }
            tx.commit().await?;
            if !full {
                break;
            }
        }
        Ok(done)
    }
}
