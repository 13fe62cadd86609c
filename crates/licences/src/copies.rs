//! Annotated copies (加注件, docs/standards/licences.md §7.1, §7.3 `JZJ*`) and licence PDFs.
//!
//! The holder makes a copy of their licence for **one stated use** (制作事由, e.g. 办理公积金提取),
//! optionally naming to whom it goes, valid until a time they choose (at most
//! [`COPY_MAX_DAYS`] days ahead and never past the licence's own validity). The copy has a
//! random, unguessable code; the issuing department's current seal key signs (SM2, like the
//! licence) the canonical form ([`crate::canonical`]) of [`copy_document`]: the licence's
//! identifier and signature, the purpose, the recipient, the end of validity and the code.
//! The copy's PDF prints the annotation ("仅供…使用，有效期至…，他用无效") and its QR code leads
//! to `/verify?id=<identifier>&copy=<code>`, which answers whether the copy is good for that
//! use: `valid`, `expired`, `unknown`, `licence_invalid` (the licence is suspended, revoked,
//! expired or tampered) or `tampered` (the copy's record no longer matches its signature).
//!
//! Only the holder (the person, or a person acting for the enterprise that holds it with the
//! `licences` scope) may make copies and download PDFs; anybody else is told the licence does
//! not exist (404), as for a licence that really does not exist.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};
use utoipa::ToSchema;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::CHINA_OFFSET;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_store::Conn;

use crate::pdf::{Annotation, licence_pdf, verify_url};
use crate::repo;
use crate::seal::verify;
use crate::service::{LicenceService, Row};

/// Longest validity of an annotated copy, in days from its making.
pub const COPY_MAX_DAYS: i64 = 30;

/// What the holder asks for.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CopyInput {
    /// The one use the copy is for (制作事由), e.g. `办理公积金提取`; at most 100 characters.
    pub purpose: String,
    /// To whom it is given (department or organisation), optional; at most 100 characters.
    pub recipient: String,
    /// `YYYY-MM-DD` (valid through that day, China time) or an RFC 3339 time; in the future,
    /// at most 30 days ahead and not past the licence's validity.
    pub valid_until: String,
}

/// An annotated copy (加注件).
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct LicenceCopy {
    /// The copy code (printed on the copy, `copy=` of its verification address).
    pub code: String,
    pub identifier: String,
    pub type_name: String,
    pub purpose: String,
    pub recipient: String,
    #[serde(with = "time::serde::rfc3339")]
    pub valid_until: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub seal_key_id: String,
    /// SM2 signature (DER, hex) of the canonical form of [`copy_document`].
    pub signature: String,
}

/// What verification says about a copy.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CopyCheck {
    pub code: String,
    /// `valid`, `expired`, `unknown`, `licence_invalid` or `tampered`.
    pub verdict: String,
    pub verdict_zh: String,
    pub purpose: String,
    pub recipient: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub valid_until: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
}

/// The document a copy's seal signs (before canonicalisation). `valid_until` is RFC 3339 in
/// UTC, whole seconds.
pub fn copy_document(
    identifier: &str,
    licence_signature: &str,
    purpose: &str,
    recipient: &str,
    valid_until: OffsetDateTime,
    code: &str,
) -> Value {
    json!({
        "v": 1,
        "kind": "licence_copy",
        "identifier": identifier,
        "licence_signature": licence_signature,
        "purpose": purpose,
        "recipient": recipient,
        "valid_until": rfc3339(valid_until),
        "code": code,
    })
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Copy codes: 20 characters of an alphabet without look-alikes (0/O, 1/I): 100 random bits.
const CODE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

fn new_code() -> Result<String> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|_| Error::internal("no randomness"))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(CODE_ALPHABET[usize::from(b & 31)]))
        .collect())
}

/// Whether `s` could be a copy code (checked before any lookup).
fn plausible_code(s: &str) -> bool {
    s.len() == 20 && s.bytes().all(|b| CODE_ALPHABET.contains(&b))
}

fn bad_until(zh: &str, en: &str) -> Error {
    Error::field(FieldError::new(
        "valid_until",
        "licence_copy.valid_until",
        zh,
        en,
    ))
}

/// The end of validity the holder asked for: a date means through that day (China time).
fn parse_until(s: &str) -> Result<OffsetDateTime> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Error::field(FieldError::required("valid_until")));
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = Date::parse(s, &fmt) {
        return Ok(end_of_day(d));
    }
    OffsetDateTime::parse(s, &Rfc3339)
        .map(|t| t.replace_nanosecond(0).unwrap_or(t))
        .map_err(|_| {
            bad_until(
                "有效期至应为日期（YYYY-MM-DD）或时间（RFC 3339）",
                "Valid until must be a date (YYYY-MM-DD) or a time (RFC 3339)",
            )
        })
}

/// 23:59:59 of `d`, China time.
fn end_of_day(d: Date) -> OffsetDateTime {
    PrimitiveDateTime::new(d, Time::MIDNIGHT)
        .assume_offset(CHINA_OFFSET)
        .saturating_add(Duration::days(1))
        - Duration::seconds(1)
}

impl LicenceService {
    /// The holder's licence row (`None` when it does not exist or is not theirs).
    async fn own_row(&self, c: &mut impl Conn, idx: &str, identifier: &str) -> Result<Row> {
        repo::licences::held(c, identifier.trim(), idx)
            .await?
            .ok_or_else(Error::not_found)
    }

    async fn face_schema(
        &self,
        c: &mut impl Conn,
        type_code: &str,
    ) -> Result<Vec<yiwang_forms::FormField>> {
        let r = repo::types::face_schema(c, type_code).await?;
        Ok(r.and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    /// The holder's licence as a one-page PDF whose QR code leads to
    /// `{public_url}/verify?id=<identifier>`. Printed at (and dated) the clock's time.
    pub async fn pdf(&self, ctx: &Ctx, identifier: &str, public_url: &str) -> Result<Vec<u8>> {
        let idx = self.holder_index(ctx).await?;
        let mut db = self.db.clone();
        let r = self.own_row(&mut db, &idx, identifier).await?;
        let schema = self.face_schema(&mut db, &r.type_code).await?;
        let l = self.view(&mut db, r).await?;
        let url = verify_url(public_url, &l.identifier, None);
        licence_pdf(&l, &schema, &url, self.clock.now(), None).map_err(|e| Error::internal(e.0))
    }

    /// Makes an annotated copy (加注件) of the holder's licence: logged in the holder's use log
    /// (`copied`) and audited (`licence.copy`). The licence must be valid and intact.
    pub async fn make_copy(
        &self,
        ctx: &Ctx,
        identifier: &str,
        input: &CopyInput,
    ) -> Result<LicenceCopy> {
        let idx = self.holder_index(ctx).await?;
        let now = self.clock.now();
        let mut errs = Vec::new();
        let purpose = yiwang_kernel::text::required("purpose", &input.purpose, 100)
            .map_err(|e| errs.push(e))
            .ok();
        let recipient = yiwang_kernel::text::optional("recipient", &input.recipient, 100)
            .map_err(|e| errs.push(e))
            .ok();
        let until = match parse_until(&input.valid_until) {
            Ok(t) if t <= now => {
                errs.push(FieldError::new(
                    "valid_until",
                    "licence_copy.valid_until",
                    "有效期至应晚于现在",
                    "Valid until must be in the future",
                ));
                None
            }
            Ok(t)
                if t > end_of_day(
                    now.to_offset(CHINA_OFFSET).date() + Duration::days(COPY_MAX_DAYS),
                ) =>
            {
                errs.push(FieldError::new(
                    "valid_until",
                    "licence_copy.valid_until",
                    format!("加注件有效期最长 {COPY_MAX_DAYS} 天"),
                    format!("An annotated copy is valid for at most {COPY_MAX_DAYS} days"),
                ));
                None
            }
            Ok(t) => Some(t),
            Err(e) => {
                errs.extend(e.fields);
                None
            }
        };
        let mut tx = self.db.write().await?;
        let r = self.own_row(&mut tx, &idx, identifier).await?;
        if let (Some(t), Some(to)) = (until, r.valid_to)
            && t > end_of_day(to)
        {
            errs.push(FieldError::new(
                "valid_until",
                "licence_copy.valid_until",
                "加注件的有效期不能超过证照的有效期",
                "An annotated copy cannot outlast the licence",
            ));
        }
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        let (Some(purpose), Some(recipient), Some(until)) = (purpose, recipient, until) else {
            return Err(Error::new(ErrorCode::Validation));
        };
        if r.status != "valid"
            || r.valid_to.is_some_and(|d| d < self.today())
            || !self.seal_holds(&mut tx, &r).await?
        {
            return Err(Error::new(ErrorCode::InvalidState).with_detail(
                "证照已暂停、注销、过期或未通过签章验证，不能制作加注件",
                "The licence is suspended, revoked, expired or fails its seal check: no annotated copy can be made",
            ));
        }
        let code = new_code()?;
        let (kid, key) = self.seal_key(&mut tx, r.issuer_department_id).await?;
        let doc = copy_document(
            &r.identifier,
            &r.signature,
            &purpose,
            &recipient,
            until,
            &code,
        );
        let bytes = crate::canonical(&doc).map_err(|e| Error::internal(e.0))?;
        let signature = hex::encode(key.sign(&bytes));
        let by = ctx.actor.label();
        repo::copies::insert(
            &mut tx,
            repo::copies::NewCopy {
                code: &code,
                licence_id: r.id,
                purpose: &purpose,
                recipient: &recipient,
                valid_until: until,
                created_by: &by,
                created_at: now,
                seal_key_id: &kid,
                signature: &signature,
            },
        )
        .await?;
        self.event(
            &mut tx,
            r.id,
            &by,
            "copied",
            &purpose,
            None,
            json!({ "code": code, "recipient": recipient, "valid_until": rfc3339(until) }),
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "licence.copy",
                format!("licence:{}", r.identifier),
            )
            .source(&ctx.source)
            .data(json!({ "code": code, "purpose": purpose, "valid_until": rfc3339(until) })),
            now,
        )
        .await?;
        let type_name = self.type_name(&mut tx, &r.type_code).await?;
        tx.commit().await?;
        Ok(LicenceCopy {
            code,
            identifier: r.identifier,
            type_name,
            purpose,
            recipient,
            valid_until: until,
            created_at: now,
            seal_key_id: kid,
            signature,
        })
    }

    /// The holder's annotated copies, newest first.
    pub async fn copies(&self, ctx: &Ctx) -> Result<Vec<LicenceCopy>> {
        let idx = self.holder_index(ctx).await?;
        let mut db = self.db.clone();
        repo::copies::of_holder(&mut db, &idx).await
    }

    /// The PDF of one of the holder's annotated copies: the annotation on the page, the QR
    /// code leading to `{public_url}/verify?id=<identifier>&copy=<code>`.
    pub async fn copy_pdf(
        &self,
        ctx: &Ctx,
        identifier: &str,
        code: &str,
        public_url: &str,
    ) -> Result<Vec<u8>> {
        let idx = self.holder_index(ctx).await?;
        let mut db = self.db.clone();
        let r = self.own_row(&mut db, &idx, identifier).await?;
        let copy = repo::copies::annotation(&mut db, code.trim(), r.id).await?;
        let (purpose, recipient, valid_until) = copy.ok_or_else(Error::not_found)?;
        let schema = self.face_schema(&mut db, &r.type_code).await?;
        let l = self.view(&mut db, r).await?;
        let code = code.trim().to_string();
        let url = verify_url(public_url, &l.identifier, Some(&code));
        let a = Annotation {
            purpose,
            recipient,
            valid_until,
            code,
        };
        licence_pdf(&l, &schema, &url, self.clock.now(), Some(&a)).map_err(|e| Error::internal(e.0))
    }

    /// Public verification of a licence and of one of its annotated copies (the copy's QR
    /// code): the licence's verdict, and whether the copy is good for its stated use now.
    pub async fn verify_copy(&self, identifier: &str, code: &str) -> Result<crate::Verification> {
        let mut v = self.verify(identifier).await?;
        let code = code.trim();
        let unknown = |code: &str| crate::copies::CopyCheck {
            code: code.to_string(),
            verdict: "unknown".into(),
            verdict_zh: "未找到该加注件".into(),
            purpose: String::new(),
            recipient: String::new(),
            valid_until: None,
            created_at: None,
        };
        if v.verdict == "unknown" || !plausible_code(code) {
            v.copy = Some(unknown(code));
            return Ok(v);
        }
        let mut db = self.db.clone();
        let row = repo::copies::to_check(&mut db, code, identifier.trim()).await?;
        let Some((purpose, recipient, until, created, sig, lsig, pk)) = row else {
            v.copy = Some(unknown(code));
            return Ok(v);
        };
        let doc = copy_document(&v.identifier, &lsig, &purpose, &recipient, until, code);
        let intact = match (crate::canonical(&doc), hex::decode(&pk), hex::decode(&sig)) {
            (Ok(m), Ok(pk), Ok(sig)) => verify(&pk, &m, &sig).is_ok(),
            _ => false,
        };
        let (verdict, zh) = if !intact {
            ("tampered", "加注件数据与签章不符（已被篡改）")
        } else if v.verdict != "valid" {
            ("licence_invalid", "证照已不再有效，加注件随之失效")
        } else if until <= self.clock.now() {
            ("expired", "加注件已过有效期")
        } else {
            ("valid", "加注件有效（仅限所载用途）")
        };
        v.copy = Some(crate::copies::CopyCheck {
            code: code.to_string(),
            verdict: verdict.into(),
            verdict_zh: zh.into(),
            purpose,
            recipient,
            valid_until: Some(until),
            created_at: Some(created),
        });
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn codes_are_random_and_plausible() {
        let a = new_code().unwrap();
        let b = new_code().unwrap();
        assert_ne!(a, b);
        assert!(plausible_code(&a), "{a}");
        assert!(!plausible_code("ABC"));
        assert!(!plausible_code("0000000000000000000O"));
    }

    #[test]
    fn valid_until_is_a_date_or_a_time() {
        assert_eq!(
            parse_until("2026-12-01").unwrap(),
            datetime!(2026-12-01 15:59:59 UTC)
        );
        assert_eq!(
            end_of_day(date!(2026 - 12 - 01)),
            datetime!(2026-12-01 23:59:59 +08:00)
        );
        assert_eq!(
            parse_until("2026-12-01T12:00:00.5+08:00").unwrap(),
            datetime!(2026-12-01 04:00 UTC)
        );
        let e = parse_until("下周").unwrap_err();
        assert_eq!(e.fields[0].field, "valid_until");
        assert_eq!(parse_until(" ").unwrap_err().fields[0].field, "valid_until");
    }

    #[test]
    fn the_signed_document_is_stable() {
        let d = copy_document(
            "1.2",
            "3045",
            "办理公积金提取",
            "",
            datetime!(2026-12-01 15:59:59 UTC),
            "K7",
        );
        assert_eq!(
            String::from_utf8(crate::canonical(&d).unwrap()).unwrap(),
            r#"{"code":"K7","identifier":"1.2","kind":"licence_copy","licence_signature":"3045","purpose":"办理公积金提取","recipient":"","v":1,"valid_until":"2026-12-01T15:59:59Z"}"#
        );
    }
}
