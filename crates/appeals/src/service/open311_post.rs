//! An Open311 POST (`POST /open311/v2/requests`), kept lean: the service (事项分类) with the
//! time limits and the grids' version is read once; the api key is remembered once seen live
//! and checked again inside the filing's transaction; the answer is made from what was
//! written (number, query code, due time, likely duplicates), nothing is read back.

use yiwang_kernel::auth::Ctx;
use yiwang_kernel::{Error, ErrorCode, Result};

use super::AppealService;
use super::intake::{Filing, IntakeSettings};
use super::keys::key_hash;
use crate::model::{Channel, Status};
use crate::views::{NewAppeal, Received};

/// At most this many keys are remembered (a full cache starts again).
const MAX_KEYS: usize = 1024;

/// A service (事项分类) an Open311 POST files under, with what filing needs: read by
/// [`AppealService::open311_service`], spent by [`AppealService::post_open311`].
#[derive(Debug, Clone)]
pub struct Open311Service {
    pub code: String,
    pub name: String,
    settings: IntakeSettings,
}

impl AppealService {
    /// The active service `code` (`None`: unknown or inactive), in one read.
    pub async fn open311_service(&self, code: &str) -> Result<Option<Open311Service>> {
        let settings = self.intake_settings(code).await?;
        Ok(match &settings.category {
            Some(c) if c.active => Some(Open311Service {
                code: c.code.clone(),
                name: c.name.clone(),
                settings,
            }),
            _ => None,
        })
    }

    /// Files `input` under `service` for the outside app holding `api_key` (403
    /// `open311.api_key` when it is not a live key, whatever else is wrong with the input).
    pub async fn post_open311(
        &self,
        ctx: &Ctx,
        api_key: &str,
        service: Open311Service,
        mut input: NewAppeal,
    ) -> Result<Received> {
        let key = self.open311_key(ctx, api_key).await?;
        input.channel = Channel::Open311;
        input.category = service.code;
        let filing = Filing {
            ctx,
            open311_key: Some(key),
            audit_action: "open311.submit",
            answer: None,
        };
        match self.write_order(&filing, &input, service.settings).await {
            Ok(w) => Ok(Received {
                status: Status::parse(&w.row.status).unwrap_or(Status::Received),
                appeal_no: w.row.appeal_no,
                token: w.token,
                due_at: w.row.due_at,
                duplicates: w.likely.into_iter().map(|r| r.appeal_no).collect(),
            }),
            Err(e) if e.code == ErrorCode::Open311ApiKey => Err(e),
            Err(e) => Err(self.key_first(ctx, api_key, e).await),
        }
    }

    /// The id of the live key `api_key`: remembered, or read (and remembered); 403
    /// `open311.api_key`, audited, when it is not live.
    pub(super) async fn open311_key(&self, ctx: &Ctx, api_key: &str) -> Result<i64> {
        let hash = key_hash(api_key);
        let known = match self.open311_keys.read() {
            Ok(m) => m.get(&hash).copied(),
            Err(poisoned) => poisoned.into_inner().get(&hash).copied(),
        };
        if let Some(id) = known {
            return Ok(id);
        }
        let id = self.check_open311_key(ctx, api_key).await?;
        let mut m = match self.open311_keys.write() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        if m.len() >= MAX_KEYS {
            m.clear();
        }
        m.insert(hash, id);
        Ok(id)
    }

    /// Forgets the remembered key `id` (revoked).
    pub(super) fn forget_key(&self, id: i64) {
        let mut m = match self.open311_keys.write() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        m.retain(|_, k| *k != id);
    }

    /// `refusal`, unless the remembered `api_key` is no longer live (revoked by another
    /// process): then 403 `open311.api_key`, audited — the key is answered first.
    pub(super) async fn key_first(&self, ctx: &Ctx, api_key: &str, refusal: Error) -> Error {
        match self.live_key(api_key).await {
            Ok(Some(_)) => refusal,
            Ok(None) => {
                let hash = key_hash(api_key);
                match self.open311_keys.write() {
                    Ok(mut m) => m.remove(&hash),
                    Err(poisoned) => poisoned.into_inner().remove(&hash),
                };
                self.open311_refused(ctx).await
            }
            Err(e) => e,
        }
    }
}
