//! Uploads before an application: the file is screened and stored durably (content-addressed
//! by SM3) at once, and the uploader receives a ticket that proves "this caller uploaded this
//! file" to the submission, without a database row per upload.
//!
//! A ticket is `base64url(payload) "." hmac` where the payload is
//! `v1|<sm3>|<media type>|<size>|<owner label>|<expiry unix seconds>|<file name>` and the MAC is
//! the key ring's HMAC-SM3 under the context `cases.upload_ticket` (domain-separated from every
//! other use of that key). A ticket is only good for its owner and until it expires.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use yiwang_identity::Keys;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};

const CONTEXT: &str = "cases.upload_ticket";

/// How long a ticket may be used.
pub const TICKET_HOURS: i64 = 24;

/// What the uploader gets back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UploadTicket {
    /// Present it with the application (`materials[].ticket`).
    pub ticket: String,
    /// SM3 of the content, hex.
    pub sha: String,
    pub media_type: String,
    pub size: u64,
    pub file_name: String,
}

/// A verified ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticketed {
    pub sha: String,
    pub media_type: String,
    pub size: u64,
    pub file_name: String,
}

pub fn issue(
    keys: &Keys,
    owner: &str,
    sha: &str,
    media_type: &str,
    size: u64,
    file_name: &str,
    now: OffsetDateTime,
) -> Result<UploadTicket> {
    let exp = now.unix_timestamp() + TICKET_HOURS * 3600;
    let name: String = file_name
        .chars()
        .filter(|c| !c.is_control() && *c != '|')
        .take(200)
        .collect();
    let payload = format!("v1|{sha}|{media_type}|{size}|{owner}|{exp}|{name}");
    let mac = keys.blind_index(CONTEXT, &payload)?;
    Ok(UploadTicket {
        ticket: format!("{}.{mac}", URL_SAFE_NO_PAD.encode(payload.as_bytes())),
        sha: sha.to_string(),
        media_type: media_type.to_string(),
        size,
        file_name: name,
    })
}

fn bad(field: &str) -> Error {
    Error::field(FieldError::new(
        field,
        "upload.ticket",
        "上传凭证无效或已过期，请重新上传该文件",
        "The upload ticket is invalid or expired; upload the file again",
    ))
}

/// Checks a ticket for `owner` at `now`; `field` names it in the error.
pub fn verify(
    keys: &Keys,
    owner: &str,
    ticket: &str,
    now: OffsetDateTime,
    field: &str,
) -> Result<Ticketed> {
    let (b64, mac) = ticket.split_once('.').ok_or_else(|| bad(field))?;
    let payload = URL_SAFE_NO_PAD
        .decode(b64.as_bytes())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| bad(field))?;
    let expected = keys.blind_index(CONTEXT, &payload)?;
    if !constant_time_eq(expected.as_bytes(), mac.as_bytes()) {
        return Err(bad(field));
    }
    let parts: Vec<&str> = payload.splitn(7, '|').collect();
    let [v, sha, media, size, who, exp, name] = parts.as_slice() else {
        return Err(bad(field));
    };
    let exp: i64 = exp.parse().map_err(|_| bad(field))?;
    if *v != "v1" || exp < now.unix_timestamp() {
        return Err(bad(field));
    }
    if *who != owner {
        return Err(Error::new(ErrorCode::Forbidden)
            .with_detail("该文件不是由您上传的", "This file was not uploaded by you"));
    }
    Ok(Ticketed {
        sha: sha.to_string(),
        media_type: media.to_string(),
        size: size.parse().map_err(|_| bad(field))?,
        file_name: name.to_string(),
    })
}

/// The file's SM3 as a ticket names it, without checking the ticket (for comparing two
/// requests, never for trusting one).
pub fn ticket_sha(ticket: &str) -> Option<String> {
    let (b64, _) = ticket.split_once('.')?;
    let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(b64.as_bytes()).ok()?).ok()?;
    let mut parts = payload.splitn(3, '|');
    match (parts.next(), parts.next()) {
        (Some("v1"), Some(sha)) => Some(sha.to_string()),
        _ => None,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_is_good_for_its_owner_until_it_expires() -> Result<()> {
        let keys = Keys::ephemeral()?;
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20000);
        let t = issue(&keys, "person:1", "ab", "pdf", 10, "营业执照.pdf", now)?;
        let ok = verify(&keys, "person:1", &t.ticket, now, "m")?;
        assert_eq!(ok.file_name, "营业执照.pdf");
        assert_eq!(ok.size, 10);
        assert!(verify(&keys, "person:2", &t.ticket, now, "m").is_err());
        let later = now + time::Duration::hours(TICKET_HOURS + 1);
        assert!(verify(&keys, "person:1", &t.ticket, later, "m").is_err());
        // Any change to the payload breaks the MAC.
        let (b64, mac) = t.ticket.split_once('.').unwrap_or_default();
        let forged = String::from_utf8(URL_SAFE_NO_PAD.decode(b64).unwrap_or_default())
            .unwrap_or_default()
            .replace("|10|", "|11|");
        let forged = format!("{}.{mac}", URL_SAFE_NO_PAD.encode(forged));
        assert!(verify(&keys, "person:1", &forged, now, "m").is_err());
        assert!(verify(&keys, "person:1", "garbage", now, "m").is_err());
        Ok(())
    }
}
