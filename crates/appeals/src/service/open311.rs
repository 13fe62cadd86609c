//! Open311 GeoReport v2 reads (STANDARDS §9.3): public, no personal data. Every non-final
//! state is `open`, the rest `closed`; the detail goes to `status_notes`; 承办单位 →
//! `agency_responsible`; 承诺时限 → `expected_datetime`; a confidential order's description
//! reads "（保密诉求）". Without ids, the window is the last 90 days (at most 90 days wide) and
//! at most 1 000 requests.

use time::Duration;
use yiwang_kernel::{Error, FieldError, Result};

use super::AppealService;
use super::view::{Names, status_of};
use crate::model::Status;
use crate::repo::appeals::{AppealRow, ListFilter};
use crate::repo::{self};
use crate::views::{PublicQuery, PublicRequest};

/// The most requests one answer holds.
pub const MAX_REQUESTS: i64 = 1000;
/// The widest window of `start_date`/`end_date`, in days.
pub const MAX_WINDOW_DAYS: i64 = 90;

const OPEN: &[Status] = &[
    Status::Received,
    Status::Dispatched,
    Status::Signed,
    Status::Handling,
];

impl AppealService {
    pub async fn public_requests(&self, q: PublicQuery) -> Result<Vec<PublicRequest>> {
        let limit = q.limit.clamp(1, MAX_REQUESTS);
        let mut f = ListFilter::default();
        let ids: Vec<String> = q
            .ids
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if !ids.is_empty() {
            f.numbers = ids;
        } else {
            let now = self.now();
            let (start, end) = match (q.start, q.end) {
                (Some(s), Some(e)) => (s, e),
                (Some(s), None) => (s, (s + Duration::days(MAX_WINDOW_DAYS)).min(now)),
                (None, Some(e)) => (e - Duration::days(MAX_WINDOW_DAYS), e),
                (None, None) => (now - Duration::days(MAX_WINDOW_DAYS), now),
            };
            if end < start {
                return Err(Error::field(FieldError::new(
                    "end_date",
                    "open311.window_order",
                    "end_date 不能早于 start_date",
                    "end_date is before start_date",
                )));
            }
            if end - start > Duration::days(MAX_WINDOW_DAYS) {
                return Err(Error::field(FieldError::new(
                    "start_date",
                    "open311.window_max",
                    format!("查询时间跨度不能超过 {MAX_WINDOW_DAYS} 天"),
                    format!("The date span may not exceed {MAX_WINDOW_DAYS} days"),
                )));
            }
            f.received_from = Some(start);
            f.received_to = Some(end);
            f.categories = q
                .service_codes
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            let mut statuses = Vec::new();
            for s in &q.statuses {
                match s.trim() {
                    "open" => statuses.extend(OPEN.iter().map(|s| s.as_str().to_string())),
                    "closed" => statuses.extend(
                        Status::ALL
                            .iter()
                            .filter(|s| !s.is_open())
                            .map(|s| s.as_str().to_string()),
                    ),
                    "" => {}
                    _ => {
                        return Err(Error::field(FieldError::one_of(
                            "status",
                            &["open", "closed"],
                        )));
                    }
                }
            }
            f.statuses = statuses;
        }
        let mut c = self.db.clone();
        let rows = repo::appeals::list(&mut c, &f, limit, 0).await?;
        self.public_of(&rows).await
    }

    pub async fn public_request(&self, appeal_no: &str) -> Result<Option<PublicRequest>> {
        let mut c = self.db.clone();
        let Some(row) = repo::appeals::by_no(&mut c, appeal_no.trim()).await? else {
            return Ok(None);
        };
        Ok(self.public_of(std::slice::from_ref(&row)).await?.pop())
    }

    /// `tokens/{token}`: the request's id and the token.
    pub async fn request_by_token(&self, token: &str) -> Result<Option<(String, String)>> {
        let mut c = self.db.clone();
        Ok(
            repo::appeals::by_token(&mut c, token.trim().to_ascii_uppercase().as_str())
                .await?
                .map(|r| (r.appeal_no, r.token)),
        )
    }

    async fn public_of(&self, rows: &[AppealRow]) -> Result<Vec<PublicRequest>> {
        let mut c = self.db.clone();
        let names = Names::load(&mut c, rows).await?;
        rows.iter()
            .map(|r| {
                let status = status_of(r)?;
                let agency = names.department_known(r.department_id).unwrap_or_default();
                let status_notes = if agency.is_empty() {
                    format!("{} / {}", status.zh(), status.en())
                } else {
                    format!("{}：{} / {}", status.zh(), agency, status.en())
                };
                Ok(PublicRequest {
                    appeal_no: r.appeal_no.clone(),
                    status: status.open311().to_string(),
                    status_notes,
                    service_name: names.category(&r.category_code),
                    service_code: r.category_code.clone(),
                    description: if r.confidential {
                        "（保密诉求）".to_string()
                    } else {
                        r.content.clone()
                    },
                    agency_responsible: agency,
                    service_notice: format!(
                        "承诺{}个工作日内办结 / to be concluded within {} working days",
                        r.limit_days, r.limit_days
                    ),
                    requested_at: r.received_at,
                    updated_at: if status.is_open() {
                        r.updated_at
                    } else {
                        r.closed_at.unwrap_or(r.updated_at)
                    },
                    expected_at: r.due_at,
                    address: r.address.clone(),
                    lat: r.lat,
                    lon: r.lon,
                    media_url: r.media_url.clone(),
                })
            })
            .collect()
    }
}
