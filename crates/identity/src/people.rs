//! Natural persons (自然人), legal persons (法人) and agents (经办人).
//!
//! A person registers with real name, citizen ID number (GB 11643; a 15-digit legacy number is
//! upgraded) and mobile phone, and signs in with the ID number or the phone. ID and phone
//! numbers are stored only sealed with SM4-GCM and are found through their blind index; every
//! answer shows them masked. A person registers an enterprise by its USCC and becomes its
//! administrator; the administrator grants agents (other registered persons) scopes until an
//! expiry, and revokes them. A session *acts for* an enterprise only when the person chooses
//! to, and only while the grant lives; the audit log records the enterprise on every entry.

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Actor, AgentScope, Ctx, Permission, Person};
use yiwang_kernel::clock::CHINA_OFFSET;
use yiwang_kernel::codes::IdNumber;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result, text};
use yiwang_store::Conn;
use yiwang_vault::{mask_id_number, mask_phone};

use crate::keys::context;
use crate::orgs::Membership;
use crate::password;
pub(crate) use crate::repo::people::PersonRow;
use crate::repo::{orgs, people, sealed};
use crate::service::{IdentityService, Session};

/// What a person fills in to register.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct PersonRegistration {
    /// Real name (真实姓名).
    pub name: String,
    /// Citizen ID number (公民身份号码), 18 characters or a 15-digit legacy number.
    pub id_number: String,
    /// Mobile phone number (手机号码), 11 digits.
    pub phone: String,
    pub password: String,
}

/// A person's own account as shown to them: numbers masked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PersonProfile {
    pub id: i64,
    pub name: String,
    /// Masked, e.g. `440802********1234`.
    pub id_number: String,
    /// Masked, e.g. `138****8000`.
    pub phone: String,
    /// The enterprises the person administers or is an agent of.
    pub organisations: Vec<Membership>,
    /// The enterprise the session currently acts for, if any.
    pub acting_for: Option<Membership>,
}

/// Sealed columns of other domains that a key rotation rewraps: (table, column, context). The
/// contexts are those the owning domain seals with (`yiwang_cases::service::context`).
const OTHER_SEALED_COLUMNS: &[(&str, &str, &str)] = &[
    ("cases", "applicant_cert_enc", "cases.applicant_cert"),
    ("cases", "contact_phone_enc", "cases.contact_phone"),
    ("cases", "form_enc", "cases.form"),
    // Bundle applications (一件事, `yiwang_cases::bundle`).
    (
        "bundle_cases",
        "applicant_cert_enc",
        "bundle_cases.applicant_cert",
    ),
    (
        "bundle_cases",
        "contact_phone_enc",
        "bundle_cases.contact_phone",
    ),
    ("bundle_cases", "form_enc", "bundle_cases.form"),
    ("bundle_parts", "result_enc", "bundle_parts.result"),
    // Declared home addresses of staff (回避申报, [`crate::kin`]).
    (
        "staff_accounts",
        "home_address_enc",
        crate::kin::HOME_ADDRESS_CONTEXT,
    ),
    // Credit-list subjects' USCC or ID numbers (`yiwang_supervision::credit::SUBJECT`).
    ("credit_entries", "subject_enc", "credit_entries.subject"),
];

/// The applicant behind a signed-in person's application (numbers in clear: see
/// [`IdentityService::applicant`]).
#[derive(Debug, Clone)]
pub struct ApplicantIdentity {
    pub person_id: i64,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub org: Option<ApplicantOrg>,
}

/// The enterprise a person applies for.
#[derive(Debug, Clone)]
pub struct ApplicantOrg {
    pub org_id: i64,
    pub uscc: String,
    pub name: String,
    pub legal_representative: String,
}

/// A person as a staff member looking them up sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PersonRecord {
    pub id: i64,
    pub name: String,
    /// Masked unless revealed (and then the read is audited).
    pub id_number: String,
    pub phone: String,
    pub active: bool,
    pub revealed: bool,
}

pub(crate) fn scopes_of(s: &str) -> Vec<AgentScope> {
    s.split(',')
        .filter_map(|x| AgentScope::parse(x.trim()))
        .collect()
}

pub(crate) fn scope_strings(s: &str) -> Vec<String> {
    scopes_of(s)
        .iter()
        .map(|x| x.as_str().to_string())
        .collect()
}

/// A mobile number: 11 digits starting with 1 (spaces and dashes allowed in the input).
/// A mainland mobile number without spaces, dashes or `+86`, if it is one.
pub fn normalize_mobile(s: &str) -> Option<String> {
    let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = digits.strip_prefix("+86").unwrap_or(&digits).to_string();
    (digits.len() == 11
        && digits.starts_with('1')
        && digits.bytes().all(|b| b.is_ascii_digit())
        && matches!(digits.as_bytes()[1], b'3'..=b'9'))
    .then_some(digits)
}

pub(crate) fn person_name(field: &str, s: &str) -> std::result::Result<String, FieldError> {
    let v = text::required(field, s, 50)?;
    if text::chars(&v) < 2 || v.chars().any(|c| c.is_ascii_digit() || c.is_control()) {
        return Err(FieldError::new(
            field,
            "name.format",
            "请填写真实姓名（至少2个字，不含数字）",
            "Enter the real name (at least 2 characters, no digits)",
        ));
    }
    Ok(v)
}

pub(crate) fn not_acting(e: Error) -> Error {
    if e.code == ErrorCode::Forbidden {
        Error::new(ErrorCode::NotActingFor)
    } else {
        e
    }
}

pub(crate) fn person_object(id: i64) -> String {
    format!("person:{id}")
}

/// The signed-in person, or why there is none.
pub(crate) fn person_of(ctx: &Ctx) -> Result<&Person> {
    match &ctx.actor {
        Actor::Person(p) => Ok(p),
        Actor::Anonymous => Err(Error::new(ErrorCode::Unauthenticated)),
        _ => Err(Error::forbidden()),
    }
}

impl IdentityService {
    /// The session actor of a person (without acting-for), `None` when the account is gone or
    /// deactivated.
    pub(crate) async fn person_actor(&self, c: &mut impl Conn, id: i64) -> Result<Option<Person>> {
        Ok(people::by_id(c, id)
            .await?
            .filter(|p| p.active)
            .map(|p| Person {
                person_id: p.id,
                name: p.name,
                acting_for: None,
            }))
    }

    pub(crate) fn mask_row(&self, p: &PersonRow) -> Result<(String, String)> {
        let id = self.keys.open(context::ID_NUMBER, &p.id_number_enc)?;
        let phone = self.keys.open(context::PHONE, &p.phone_enc)?;
        Ok((mask_id_number(&id), mask_phone(&phone)))
    }

    /// Who applies when the signed-in person files a case: their own name and numbers, and the
    /// enterprise they act for (which must allow filing applications, `apply`). For the cases
    /// domain only: the numbers come back in clear, to be sealed again under the case's columns.
    pub async fn applicant(&self, ctx: &Ctx) -> Result<ApplicantIdentity> {
        self.applicant_for(ctx, AgentScope::Apply).await
    }

    /// [`Self::applicant`] for an agent holding `scope` (e.g. `licences` for the wallet).
    pub async fn applicant_for(&self, ctx: &Ctx, scope: AgentScope) -> Result<ApplicantIdentity> {
        let person = person_of(ctx)?;
        let mut c = self.db.clone();
        let row = people::by_id(&mut c, person.person_id)
            .await?
            .filter(|p| p.active)
            .ok_or_else(|| Error::new(ErrorCode::Unauthenticated))?;
        let id_number = self.keys.open(context::ID_NUMBER, &row.id_number_enc)?;
        let phone = self.keys.open(context::PHONE, &row.phone_enc)?;
        let org = match &person.acting_for {
            None => None,
            Some(a) => {
                if !a.administrator && !a.scopes.contains(&scope) {
                    return Err(Error::new(ErrorCode::NotActingFor));
                }
                let legal = orgs::legal_representative(&mut c, a.org_id)
                    .await?
                    .ok_or_else(Error::not_found)?;
                Some(ApplicantOrg {
                    org_id: a.org_id,
                    uscc: a.uscc.clone(),
                    name: a.name.clone(),
                    legal_representative: legal,
                })
            }
        };
        Ok(ApplicantIdentity {
            person_id: row.id,
            name: row.name,
            id_number: id_number.to_string(),
            phone: phone.to_string(),
            org,
        })
    }

    /// The registered, active person with this ID number, if any (window reception links the
    /// case to them so it shows under their "my cases").
    pub async fn person_id_by_id_number(&self, id_number: &str) -> Result<Option<i64>> {
        let idx = self.keys.blind_index(context::ID_NUMBER, id_number)?;
        let mut c = self.db.clone();
        people::active_id_by_id_number(&mut c, &idx).await
    }

    /// The registered enterprise with this USCC, if any.
    pub async fn org_id_by_uscc(&self, uscc: &str) -> Result<Option<i64>> {
        let mut c = self.db.clone();
        orgs::id_by_uscc(&mut c, uscc).await
    }

    /// Registers a natural person and signs them in.
    pub async fn register_person(
        &self,
        input: &PersonRegistration,
        source: &str,
    ) -> Result<(String, Session)> {
        let now = self.clock.now();
        let today = now.to_offset(CHINA_OFFSET).date();
        let mut errs = Vec::new();
        let name = person_name("name", &input.name)
            .map_err(|e| errs.push(e))
            .ok();
        let id = IdNumber::parse(&input.id_number, today)
            .map_err(|e| errs.push(e.within("id_number")))
            .ok();
        let phone = normalize_mobile(&input.phone);
        if phone.is_none() {
            errs.push(FieldError::new(
                "phone",
                "phone.mobile",
                "请填写11位手机号码",
                "Enter an 11-digit mobile number",
            ));
        }
        let id_str = id
            .as_ref()
            .map(|i| i.as_str().to_string())
            .unwrap_or_default();
        if let Err(e) = password::check_policy("password", &input.password, &id_str) {
            errs.push(e);
        }
        let (Some(name), Some(id), Some(phone)) = (name, id, phone) else {
            return Err(Error::validation(errs));
        };
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        let id_idx = self.keys.blind_index(context::ID_NUMBER, id.as_str())?;
        let phone_idx = self.keys.blind_index(context::PHONE, &phone)?;
        let id_enc = self.keys.seal(context::ID_NUMBER, id.as_str())?;
        let phone_enc = self.keys.seal(context::PHONE, &phone)?;
        let pw = input.password.clone();
        let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
            .await
            .map_err(Error::internal)??;
        let mut tx = self.db.write().await?;
        let taken = people::holder_of(&mut tx, &id_idx, &phone_idx).await?;
        if let Some((i, _)) = taken {
            return Err(Error::field(if i == id_idx {
                FieldError::new(
                    "id_number",
                    "id_number.registered",
                    "该身份证号码已注册，请直接登录或找回密码",
                    "This ID number is already registered; sign in instead",
                )
            } else {
                FieldError::new(
                    "phone",
                    "phone.registered",
                    "该手机号码已被其他账号使用",
                    "This mobile number is used by another account",
                )
            }));
        }
        let pid = people::insert(
            &mut tx,
            &people::NewPerson {
                name: &name,
                id_number_enc: &id_enc,
                id_number_idx: &id_idx,
                phone_enc: &phone_enc,
                phone_idx: &phone_idx,
                password_hash: &hash,
                now,
            },
        )
        .await?;
        let (token, csrf, expires_at) = self
            .open_session(&mut tx, "person", pid, source, now)
            .await?;
        let actor = Actor::Person(Person {
            person_id: pid,
            name,
            acting_for: None,
        });
        record(
            &mut tx,
            &Entry::success(&actor, "person.register", person_object(pid)).source(source),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok((
            token,
            Session {
                actor,
                csrf,
                expires_at,
            },
        ))
    }

    /// Whether a person with this ID number is registered (the demo loader stays idempotent
    /// with it).
    pub async fn person_exists(&self, id_number: &str) -> Result<bool> {
        let idx = self
            .keys
            .blind_index(context::ID_NUMBER, id_number.trim())?;
        let mut c = self.db.clone();
        Ok(people::id_by_id_number(&mut c, &idx).await?.is_some())
    }

    /// The signed-in person's own profile (masked numbers, enterprises, acting-for).
    pub async fn me(&self, ctx: &Ctx) -> Result<PersonProfile> {
        let person = person_of(ctx)?;
        let mut c = self.db.clone();
        let row = people::by_id(&mut c, person.person_id)
            .await?
            .ok_or_else(Error::not_found)?;
        let (id_number, phone) = self.mask_row(&row)?;
        let organisations = self.memberships(&mut c, person.person_id).await?;
        let acting_for = person
            .acting_for
            .as_ref()
            .and_then(|a| organisations.iter().find(|m| m.org_id == a.org_id).cloned());
        Ok(PersonProfile {
            id: row.id,
            name: row.name,
            id_number,
            phone,
            organisations,
            acting_for,
        })
    }

    /// Finds a registered person by ID number (staff with `people.read`). Numbers are masked
    /// unless `reveal` is asked by a role holding `personal_data.reveal`; a reveal needs a
    /// reason and is audited, and so is every lookup.
    pub async fn lookup_person(
        &self,
        ctx: &Ctx,
        id_number: &str,
        reveal: bool,
        reason: &str,
    ) -> Result<PersonRecord> {
        if let Err(e) = ctx.actor.require(Permission::PeopleRead) {
            self.denied(ctx, "people.lookup", "people").await;
            return Err(e);
        }
        if reveal {
            if let Err(e) = ctx.actor.require(Permission::PersonalDataReveal) {
                self.denied(ctx, "personal_data.reveal", "people").await;
                return Err(e);
            }
            if text::chars(reason.trim()) < 4 {
                return Err(Error::field(FieldError::new(
                    "reason",
                    "reason.required",
                    "查看完整号码须填写理由（至少4个字）",
                    "Revealing a full number needs a reason (at least 4 characters)",
                )));
            }
        }
        let today = self.clock.now().to_offset(CHINA_OFFSET).date();
        let id =
            IdNumber::parse(id_number, today).map_err(|e| Error::field(e.within("id_number")))?;
        let idx = self.keys.blind_index(context::ID_NUMBER, id.as_str())?;
        let mut c = self.db.clone();
        let row = people::by_id_number(&mut c, &idx).await?;
        let now = self.clock.now();
        let action = if reveal {
            "personal_data.reveal"
        } else {
            "people.lookup"
        };
        let object = row
            .as_ref()
            .map(|p| person_object(p.id))
            .unwrap_or_else(|| "people".into());
        let mut tx = self.db.write().await?;
        record(
            &mut tx,
            &(if row.is_some() {
                Entry::success(&ctx.actor, action, object)
            } else {
                Entry::failure(&ctx.actor, action, object)
            })
            .source(&ctx.source)
            .reason(reason.trim()),
            now,
        )
        .await?;
        tx.commit().await?;
        let row = row.ok_or_else(Error::not_found)?;
        let (id_number, phone) = if reveal {
            (
                self.keys
                    .open(context::ID_NUMBER, &row.id_number_enc)?
                    .to_string(),
                self.keys.open(context::PHONE, &row.phone_enc)?.to_string(),
            )
        } else {
            self.mask_row(&row)?
        };
        Ok(PersonRecord {
            id: row.id,
            name: row.name,
            id_number,
            phone,
            active: row.active,
            revealed: reveal,
        })
    }

    /// Rotates the data key (security administrators) and re-encrypts every sealed value
    /// under the new key while the platform keeps serving. Returns the new key id and the
    /// number of rows rewritten.
    pub async fn rotate_keys(&self, ctx: &Ctx) -> Result<(String, u64)> {
        if let Err(e) = ctx.actor.require(Permission::KeysRotate) {
            self.denied(ctx, "keys.rotate", "keys").await;
            return Err(e);
        }
        let id = self.keys.rotate()?;
        let n = self.rewrap_personal_data(500).await?;
        let mut tx = self.db.write().await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "keys.rotate", format!("key:{id}"))
                .source(&ctx.source)
                .data(json!({ "rewrapped_rows": n })),
            self.clock.now(),
        )
        .await?;
        tx.commit().await?;
        Ok((id, n))
    }

    /// After a key rotation: re-encrypts every sealed column under the current key, in small
    /// transactions, each row only if it did not change meanwhile. Safe to run while the
    /// server serves (values under old keys stay readable until then). Returns rows rewritten.
    pub async fn rewrap_personal_data(&self, batch: i64) -> Result<u64> {
        let batch = batch.clamp(1, 5_000);
        let prefix = format!("v1.{}.", self.keys.current_key_id());
        let mut done = 0u64;
        let mut after = 0i64;
        loop {
            let mut c = self.db.clone();
            let rows = people::sealed_batch(&mut c, after, batch).await?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            let mut tx = self.db.write().await?;
            for (id, idn, ph) in rows {
                if idn.starts_with(&prefix) && ph.starts_with(&prefix) {
                    continue;
                }
                let new_id = self
                    .keys
                    .rewrap(context::ID_NUMBER, &idn)?
                    .unwrap_or_else(|| idn.clone());
                let new_ph = self
                    .keys
                    .rewrap(context::PHONE, &ph)?
                    .unwrap_or_else(|| ph.clone());
                done += people::reseal(&mut tx, id, (&new_id, &new_ph), (&idn, &ph)).await?;
            }
            tx.commit().await?;
        }
        // Other domains' sealed columns (table, column, context), rewrapped the same way.
        for (table, column, ctx) in OTHER_SEALED_COLUMNS {
            let mut after = 0i64;
            loop {
                let mut c = self.db.clone();
                let rows = sealed::batch(&mut c, table, column, after, batch).await?;
                let Some(last) = rows.last() else { break };
                after = last.0;
                let mut tx = self.db.write().await?;
                for (id, old) in rows {
                    if let Some(new) = self.keys.rewrap(ctx, &old)? {
                        done += sealed::reseal(&mut tx, table, column, id, &new, &old).await?;
                    }
                }
                tx.commit().await?;
            }
        }
        // The OpenID Connect signing keys are sealed under the same ring.
        let mut c = self.db.clone();
        let keys = sealed::signing_keys(&mut c).await?;
        for (kid, old) in keys {
            if let Some(new) = self.keys.rewrap(crate::oidc::SIGNING_KEY_CONTEXT, &old)? {
                let mut tx = self.db.write().await?;
                done += sealed::reseal_signing_key(&mut tx, &kid, &new, &old).await?;
                tx.commit().await?;
            }
        }
        // Other domains' sealed data that rewraps itself (the exchange's collected rows).
        for data in &self.sealed {
            done += data.rewrap(batch).await?;
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers() {
        assert_eq!(
            normalize_mobile("138 0013 8000").as_deref(),
            Some("13800138000")
        );
        assert_eq!(
            normalize_mobile("+8613800138000").as_deref(),
            Some("13800138000")
        );
        assert_eq!(normalize_mobile("12800138000"), None);
        assert_eq!(normalize_mobile("0759-1234567"), None);
        assert_eq!(normalize_mobile("1380013800"), None);
        assert_eq!(normalize_mobile("１３８００１３８０００"), None);
    }

    #[test]
    fn names() {
        assert!(person_name("n", "张三").is_ok());
        assert!(person_name("n", "买买提·艾力").is_ok());
        assert!(person_name("n", "张").is_err());
        assert!(person_name("n", "张3").is_err());
        assert!(person_name("n", "").is_err());
    }
}
