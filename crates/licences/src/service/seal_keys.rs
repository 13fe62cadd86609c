//! The issuing departments' seal keys: generated on first use, sealed under the key ring,
//! rotated (old public keys kept for verification) and published.

use super::{LicenceService, PRIVATE_CONTEXT, PublicSealKey};

use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission, Target};
use yiwang_kernel::{Error, Result};
use yiwang_org::service::department_in;
use yiwang_store::Tx;

use crate::repo;
use crate::seal::SealKey;

impl LicenceService {
    /// The department's current seal key, generated on first use.
    pub(crate) async fn seal_key(
        &self,
        tx: &mut Tx,
        department_id: i64,
    ) -> Result<(String, SealKey)> {
        let row = repo::seal_keys::current(tx, department_id).await?;
        if let Some((kid, enc)) = row {
            let hexd = self.keys.open(PRIVATE_CONTEXT, &enc)?;
            let d =
                hex::decode(hexd.as_str()).map_err(|_| Error::internal("seal key unreadable"))?;
            let key = SealKey::from_bytes(&d).map_err(|_| Error::internal("seal key invalid"))?;
            return Ok((kid, key));
        }
        self.new_seal_key(tx, department_id).await
    }

    async fn new_seal_key(&self, tx: &mut Tx, department_id: i64) -> Result<(String, SealKey)> {
        let key = SealKey::generate().map_err(|_| Error::internal("cannot generate a seal key"))?;
        let public = hex::encode(key.public_key());
        let kid = format!("seal-{department_id}-{}", &public[2..18]);
        let enc = self
            .keys
            .seal(PRIVATE_CONTEXT, &hex::encode(key.to_bytes().as_slice()))?;
        repo::seal_keys::insert(tx, &kid, department_id, &public, &enc, self.clock.now()).await?;
        Ok((kid, key))
    }

    /// Retires the department's seal key and makes a new one (the old public key stays
    /// published for verification).
    pub async fn rotate_seal(&self, ctx: &Ctx, department_id: i64) -> Result<PublicSealKey> {
        ctx.actor.require(Permission::LicenceManage)?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let department = department_in(&mut tx, department_id)
            .await?
            .ok_or_else(Error::not_found)?;
        let division = department.division_code;
        ctx.actor.require_on(
            Permission::LicenceManage,
            Target {
                department_id: Some(department_id),
                division: &division,
            },
        )?;
        repo::seal_keys::retire(&mut tx, department_id, now).await?;
        let (kid, _) = self.new_seal_key(&mut tx, department_id).await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "licence.seal.rotate", format!("seal:{kid}"))
                .source(&ctx.source),
            now,
        )
        .await?;
        tx.commit().await?;
        let keys = self.public_keys().await?;
        keys.into_iter()
            .find(|k| k.key_id == kid)
            .ok_or_else(Error::not_found)
    }

    /// Every seal public key, current and retired (published for offline verification).
    pub async fn public_keys(&self) -> Result<Vec<PublicSealKey>> {
        let mut db = self.db.clone();
        repo::seal_keys::all(&mut db).await
    }
}
