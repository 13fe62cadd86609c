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
use time::{Date, Duration, OffsetDateTime};
use utoipa::ToSchema;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{ActingFor, Actor, AgentScope, Ctx, Permission, Person};
use yiwang_kernel::clock::CHINA_OFFSET;
use yiwang_kernel::codes::{IdNumber, Uscc};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result, text};
use yiwang_store::{Conn, args};
use yiwang_vault::{mask_id_number, mask_phone};

use crate::keys::context;
use crate::lockout;
use crate::password;
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

/// A person's link to a legal person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Membership {
    pub org_id: i64,
    pub uscc: String,
    pub name: String,
    pub administrator: bool,
    pub scopes: Vec<String>,
    /// For agents: the day the grant ends (inclusive, China time).
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct OrgRegistration {
    /// Unified social credit code (统一社会信用代码).
    pub uscc: String,
    pub name: String,
    /// Legal representative (法定代表人).
    pub legal_representative: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Organisation {
    pub id: i64,
    pub uscc: String,
    pub name: String,
    pub legal_representative: String,
}

/// A grant to an agent, as its enterprise's administrator enters it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct AgentGrantInput {
    /// The agent's real name; must match the registered person.
    pub name: String,
    /// The agent's citizen ID number.
    pub id_number: String,
    /// Scope codes: `apply`, `cases`, `licences`.
    pub scopes: Vec<String>,
    /// Last day of the grant (YYYY-MM-DD), at most 3 years ahead.
    pub until: String,
}

/// A grant as listed to the administrator: the agent's numbers masked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AgentGrant {
    pub id: i64,
    pub person_name: String,
    pub id_number: String,
    pub scopes: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub granted_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    /// `active`, `expired` or `revoked`.
    pub status: String,
}

/// Sealed columns of other domains that a key rotation rewraps: (table, column, context). The
/// contexts are those the owning domain seals with (`yiwang_cases::service::context`).
const OTHER_SEALED_COLUMNS: &[(&str, &str, &str)] = &[
    ("cases", "applicant_cert_enc", "cases.applicant_cert"),
    ("cases", "contact_phone_enc", "cases.contact_phone"),
    ("cases", "form_enc", "cases.form"),
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

#[derive(Debug, sqlx::FromRow)]
struct PersonRow {
    id: i64,
    name: String,
    id_number_enc: String,
    phone_enc: String,
    password_hash: String,
    active: bool,
}

const PERSON_COLUMNS: &str = "id, name, id_number_enc, phone_enc, password_hash, active";

#[derive(Debug, sqlx::FromRow)]
struct OrgRow {
    id: i64,
    uscc: String,
    name: String,
    admin_person_id: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct GrantRow {
    id: i64,
    org_id: i64,
    person_id: i64,
    revoked_at: Option<OffsetDateTime>,
}

fn scopes_of(s: &str) -> Vec<AgentScope> {
    s.split(',')
        .filter_map(|x| AgentScope::parse(x.trim()))
        .collect()
}

fn scope_strings(s: &str) -> Vec<String> {
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

fn person_name(field: &str, s: &str) -> std::result::Result<String, FieldError> {
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

fn not_acting(e: Error) -> Error {
    if e.code == ErrorCode::Forbidden {
        Error::new(ErrorCode::NotActingFor)
    } else {
        e
    }
}

impl IdentityService {
    fn person_object(id: i64) -> String {
        format!("person:{id}")
    }

    async fn person_row(c: &mut impl Conn, id: i64) -> Result<Option<PersonRow>> {
        c.fetch_optional(
            &format!("SELECT {PERSON_COLUMNS} FROM people WHERE id = $1"),
            args![id],
        )
        .await
    }

    /// The session actor of a person (without acting-for), `None` when the account is gone or
    /// deactivated.
    pub(crate) async fn person_actor(&self, c: &mut impl Conn, id: i64) -> Result<Option<Person>> {
        Ok(Self::person_row(c, id)
            .await?
            .filter(|p| p.active)
            .map(|p| Person {
                person_id: p.id,
                name: p.name,
                acting_for: None,
            }))
    }

    /// What `person_id` may do for `org_id` right now: administrator, or a live agent grant.
    pub(crate) async fn acting_for(
        &self,
        c: &mut impl Conn,
        person_id: i64,
        org_id: i64,
        now: OffsetDateTime,
    ) -> Result<Option<ActingFor>> {
        let org: Option<OrgRow> = c
            .fetch_optional(
                "SELECT id, uscc, name, admin_person_id FROM organisations WHERE id = $1",
                args![org_id],
            )
            .await?;
        let Some(org) = org else { return Ok(None) };
        if org.admin_person_id == person_id {
            return Ok(Some(ActingFor {
                org_id,
                uscc: org.uscc,
                name: org.name,
                administrator: true,
                scopes: AgentScope::ALL.to_vec(),
            }));
        }
        let grant: Option<(String,)> = c
            .fetch_optional(
                "SELECT scopes FROM org_agents WHERE org_id = $1 AND person_id = $2 AND revoked_at IS NULL AND expires_at > $3 ORDER BY id DESC LIMIT 1",
                args![org_id, person_id, now],
            )
            .await?;
        Ok(grant.map(|(scopes,)| ActingFor {
            org_id,
            uscc: org.uscc,
            name: org.name,
            administrator: false,
            scopes: scopes_of(&scopes),
        }))
    }

    fn mask_row(&self, p: &PersonRow) -> Result<(String, String)> {
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
        let person = Self::person_of(ctx)?;
        let mut c = self.db.clone();
        let row = Self::person_row(&mut c, person.person_id)
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
                let (legal,): (String,) = c
                    .fetch_one(
                        "SELECT legal_representative FROM organisations WHERE id = $1",
                        args![a.org_id],
                    )
                    .await?;
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
        let row: Option<(i64,)> = c
            .fetch_optional(
                "SELECT id FROM people WHERE id_number_idx = $1 AND active = TRUE",
                args![idx],
            )
            .await?;
        Ok(row.map(|r| r.0))
    }

    /// The registered enterprise with this USCC, if any.
    pub async fn org_id_by_uscc(&self, uscc: &str) -> Result<Option<i64>> {
        let mut c = self.db.clone();
        let row: Option<(i64,)> = c
            .fetch_optional("SELECT id FROM organisations WHERE uscc = $1", args![uscc])
            .await?;
        Ok(row.map(|r| r.0))
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
        let taken: Option<(String, String)> = tx
            .fetch_optional(
                "SELECT id_number_idx, phone_idx FROM people WHERE id_number_idx = $1 OR phone_idx = $2 LIMIT 1",
                args![&id_idx, &phone_idx],
            )
            .await?;
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
        let (pid,): (i64,) = tx
            .fetch_one(
                "INSERT INTO people (name, id_number_enc, id_number_idx, phone_enc, phone_idx, password_hash, active, created_at, updated_at, last_sign_in_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8) RETURNING id",
                args![&name, &id_enc, &id_idx, &phone_enc, &phone_idx, &hash, true, now],
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
            &Entry::success(&actor, "person.register", Self::person_object(pid)).source(source),
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
        let row: Option<(i64,)> = c
            .fetch_optional(
                "SELECT id FROM people WHERE id_number_idx = $1",
                args![&idx],
            )
            .await?;
        Ok(row.is_some())
    }

    /// Signs a person in by ID number or mobile number. Same answers and lockout as staff.
    pub async fn sign_in_person(
        &self,
        login: &str,
        password_in: &str,
        source: &str,
    ) -> Result<(String, Session)> {
        let now = self.clock.now();
        let login = login.trim().to_ascii_uppercase();
        let phone = normalize_mobile(&login);
        let key = self.login_key("person", phone.as_deref().unwrap_or(&login))?;
        let object = format!("login:{}", key.get(..16).unwrap_or(&key));
        if let Err(e) = lockout::check(&self.db, self.config.lockout, &key, now).await {
            lockout::fail(&self.db, self.config.lockout, &key, &object, source, now).await?;
            return Err(e);
        }
        let today = now.to_offset(CHINA_OFFSET).date();
        let idx = match (&phone, IdNumber::parse(&login, today)) {
            (Some(p), _) => Some(("phone_idx", self.keys.blind_index(context::PHONE, p)?)),
            (None, Ok(id)) => Some((
                "id_number_idx",
                self.keys.blind_index(context::ID_NUMBER, id.as_str())?,
            )),
            (None, Err(_)) => None,
        };
        let mut c = self.db.clone();
        let row: Option<PersonRow> = match &idx {
            Some((col, v)) => {
                c.fetch_optional(
                    &format!("SELECT {PERSON_COLUMNS} FROM people WHERE {col} = $1"),
                    args![v],
                )
                .await?
            }
            None => None,
        };
        let stored = row
            .as_ref()
            .filter(|p| p.active)
            .map(|p| p.password_hash.clone());
        self.check_password(stored, password_in, &key, &object, source, now)
            .await?;
        let Some(p) = row else {
            return Err(Error::internal("verified person vanished"));
        };
        let mut tx = self.db.write().await?;
        let (token, csrf, expires_at) = self
            .open_session(&mut tx, "person", p.id, source, now)
            .await?;
        lockout::clear(&mut tx, &key).await?;
        tx.execute(
            "UPDATE people SET last_sign_in_at = $1 WHERE id = $2",
            args![now, p.id],
        )
        .await?;
        let actor = Actor::Person(Person {
            person_id: p.id,
            name: p.name,
            acting_for: None,
        });
        record(
            &mut tx,
            &Entry::success(&actor, "auth.sign_in", actor.label()).source(source),
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

    fn person_of(ctx: &Ctx) -> Result<&Person> {
        match &ctx.actor {
            Actor::Person(p) => Ok(p),
            Actor::Anonymous => Err(Error::new(ErrorCode::Unauthenticated)),
            _ => Err(Error::forbidden()),
        }
    }

    async fn memberships(&self, c: &mut impl Conn, person_id: i64) -> Result<Vec<Membership>> {
        let now = self.clock.now();
        let admin: Vec<OrgRow> = c
            .fetch_all(
                "SELECT id, uscc, name, admin_person_id FROM organisations WHERE admin_person_id = $1 ORDER BY id",
                args![person_id],
            )
            .await?;
        let mut out: Vec<Membership> = admin
            .into_iter()
            .map(|o| Membership {
                org_id: o.id,
                uscc: o.uscc,
                name: o.name,
                administrator: true,
                scopes: AgentScope::ALL
                    .iter()
                    .map(|s| s.as_str().to_string())
                    .collect(),
                expires_at: None,
            })
            .collect();
        let grants: Vec<(i64, String, String, String, OffsetDateTime)> = c
            .fetch_all(
                "SELECT o.id, o.uscc, o.name, g.scopes, g.expires_at FROM org_agents g JOIN organisations o ON o.id = g.org_id \
                 WHERE g.person_id = $1 AND g.revoked_at IS NULL AND g.expires_at > $2 ORDER BY o.id",
                args![person_id, now],
            )
            .await?;
        for (org_id, uscc, name, scopes, expires_at) in grants {
            if out.iter().any(|m| m.org_id == org_id) {
                continue;
            }
            out.push(Membership {
                org_id,
                uscc,
                name,
                administrator: false,
                scopes: scope_strings(&scopes),
                expires_at: Some(expires_at),
            });
        }
        Ok(out)
    }

    /// The signed-in person's own profile (masked numbers, enterprises, acting-for).
    pub async fn me(&self, ctx: &Ctx) -> Result<PersonProfile> {
        let person = Self::person_of(ctx)?;
        let mut c = self.db.clone();
        let row = Self::person_row(&mut c, person.person_id)
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

    /// Makes the session act for an enterprise (`Some`) or for the person alone (`None`).
    pub async fn act_as(&self, ctx: &Ctx, token: &str, org_id: Option<i64>) -> Result<()> {
        let person = Self::person_of(ctx)?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let acting = match org_id {
            Some(org) => Some(
                self.acting_for(&mut tx, person.person_id, org, now)
                    .await?
                    .ok_or_else(|| Error::new(ErrorCode::NotActingFor))?,
            ),
            None => None,
        };
        tx.execute(
            "UPDATE sessions SET acting_for_org = $1 WHERE token_hash = $2 AND account_kind = 'person' AND account_id = $3",
            args![org_id, crate::service::token_hash(token), person.person_id],
        )
        .await?;
        let actor = Actor::Person(Person {
            acting_for: acting.clone(),
            ..person.clone()
        });
        let object = match &acting {
            Some(a) => format!("org:{}", a.uscc),
            None => Self::person_object(person.person_id),
        };
        record(
            &mut tx,
            &Entry::success(&actor, "auth.act_as", object).source(&ctx.source),
            now,
        )
        .await?;
        tx.commit().await
    }

    /// Registers an enterprise; the person becomes its administrator.
    ///
    /// Unsure: a real deployment confirms the registration against the market-regulation
    /// register (the legal representative's identity and the USCC's status) through data
    /// sharing; until that capability lands the USCC's form and check character are verified and
    /// the registration is audited.
    pub async fn register_org(&self, ctx: &Ctx, input: &OrgRegistration) -> Result<Organisation> {
        let person = Self::person_of(ctx)?;
        let mut errs = Vec::new();
        let uscc = Uscc::parse(&input.uscc)
            .map_err(|e| errs.push(e.within("uscc")))
            .ok();
        let name = text::required("name", &input.name, 100)
            .map_err(|e| errs.push(e))
            .ok();
        let rep = person_name("legal_representative", &input.legal_representative)
            .map_err(|e| errs.push(e))
            .ok();
        let (Some(uscc), Some(name), Some(rep)) = (uscc, name, rep) else {
            return Err(Error::validation(errs));
        };
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let exists: Option<(i64,)> = tx
            .fetch_optional(
                "SELECT id FROM organisations WHERE uscc = $1",
                args![uscc.as_str()],
            )
            .await?;
        if exists.is_some() {
            return Err(Error::field(FieldError::new(
                "uscc",
                "uscc.registered",
                "该统一社会信用代码已注册，请联系该企业的管理员为您授权",
                "This enterprise is already registered; ask its administrator to grant you access",
            )));
        }
        let (id,): (i64,) = tx
            .fetch_one(
                "INSERT INTO organisations (uscc, name, legal_representative, admin_person_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
                args![uscc.as_str(), &name, &rep, person.person_id, now],
            )
            .await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "org.register", format!("org:{}", uscc.as_str()))
                .source(&ctx.source),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Organisation {
            id,
            uscc: uscc.as_str().to_string(),
            name,
            legal_representative: rep,
        })
    }

    /// The enterprise `org_id` if the caller is its administrator; anyone else learns nothing.
    async fn administered(&self, c: &mut impl Conn, ctx: &Ctx, org_id: i64) -> Result<OrgRow> {
        let person = Self::person_of(ctx)?;
        let org: Option<OrgRow> = c
            .fetch_optional(
                "SELECT id, uscc, name, admin_person_id FROM organisations WHERE id = $1",
                args![org_id],
            )
            .await?;
        match org {
            Some(o) if o.admin_person_id == person.person_id => Ok(o),
            _ => {
                self.denied(ctx, "agent.manage", &format!("org-id:{org_id}"))
                    .await;
                Err(Error::not_found())
            }
        }
    }

    /// Grants an agent (经办人) scopes for the enterprise until a day (administrator only).
    pub async fn grant_agent(
        &self,
        ctx: &Ctx,
        org_id: i64,
        input: &AgentGrantInput,
    ) -> Result<AgentGrant> {
        let mut c = self.db.clone();
        let org = self
            .administered(&mut c, ctx, org_id)
            .await
            .map_err(not_acting)?;
        let now = self.clock.now();
        let today = now.to_offset(CHINA_OFFSET).date();
        let mut errs = Vec::new();
        let name = person_name("name", &input.name)
            .map_err(|e| errs.push(e))
            .ok();
        let id = IdNumber::parse(&input.id_number, today)
            .map_err(|e| errs.push(e.within("id_number")))
            .ok();
        let mut scopes = Vec::new();
        for (i, s) in input.scopes.iter().enumerate() {
            match AgentScope::parse(s.trim()) {
                Some(x) if !scopes.contains(&x) => scopes.push(x),
                Some(_) => {}
                None => errs.push(FieldError::one_of(
                    format!("scopes[{i}]"),
                    &AgentScope::ALL
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>(),
                )),
            }
        }
        if input.scopes.is_empty() {
            errs.push(FieldError::required("scopes"));
        }
        let until = Date::parse(
            input.until.trim(),
            time::macros::format_description!("[year]-[month]-[day]"),
        );
        let until = match until {
            Ok(d) if d >= today && d <= today + Duration::days(3 * 366) => Some(d),
            _ => {
                errs.push(FieldError::new(
                    "until",
                    "until.range",
                    "授权截止日期应为今天起三年内的日期（YYYY-MM-DD）",
                    "The last day must be a date (YYYY-MM-DD) from today up to three years ahead",
                ));
                None
            }
        };
        let (Some(name), Some(id), Some(until)) = (name, id, until) else {
            return Err(Error::validation(errs));
        };
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        let idx = self.keys.blind_index(context::ID_NUMBER, id.as_str())?;
        let agent: Option<PersonRow> = c
            .fetch_optional(
                &format!("SELECT {PERSON_COLUMNS} FROM people WHERE id_number_idx = $1"),
                args![&idx],
            )
            .await?;
        // Name and number must both match a registered, active person; the answer is the same
        // whichever part is wrong.
        let Some(agent) = agent.filter(|p| p.active && p.name == name) else {
            return Err(Error::field(FieldError::new(
                "id_number",
                "agent.not_found",
                "未找到姓名与身份证号码一致的已注册用户，请被授权人先完成实名注册",
                "No registered person with this name and ID number; the agent must register first",
            )));
        };
        let person = Self::person_of(ctx)?;
        if agent.id == person.person_id {
            return Err(Error::field(FieldError::new(
                "id_number",
                "agent.self",
                "管理员本人无需授权",
                "The administrator needs no grant",
            )));
        }
        let expires_at = (until + Duration::days(1))
            .midnight()
            .assume_offset(CHINA_OFFSET)
            .to_offset(time::UtcOffset::UTC);
        let scopes_text = scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let mut tx = self.db.write().await?;
        // One live grant per agent: a new grant replaces the old one.
        tx.execute(
            "UPDATE org_agents SET revoked_at = $1, revoked_by = $2 WHERE org_id = $3 AND person_id = $4 AND revoked_at IS NULL",
            args![now, person.person_id, org_id, agent.id],
        )
        .await?;
        let (gid,): (i64,) = tx
            .fetch_one(
                "INSERT INTO org_agents (org_id, person_id, scopes, granted_by, granted_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                args![org_id, agent.id, &scopes_text, person.person_id, now, expires_at],
            )
            .await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "agent.grant", format!("org:{}", org.uscc))
                .source(&ctx.source)
                .data(json!({ "grant": gid, "agent": Self::person_object(agent.id), "scopes": scopes_text, "until": input.until.trim() })),
            now,
        )
        .await?;
        tx.commit().await?;
        let (id_number, _) = self.mask_row(&agent)?;
        Ok(AgentGrant {
            id: gid,
            person_name: agent.name,
            id_number,
            scopes: scope_strings(&scopes_text),
            granted_at: now,
            expires_at,
            revoked_at: None,
            status: "active".into(),
        })
    }

    /// The enterprise's grants, newest first (administrator only).
    pub async fn list_agents(&self, ctx: &Ctx, org_id: i64) -> Result<Vec<AgentGrant>> {
        let mut c = self.db.clone();
        self.administered(&mut c, ctx, org_id).await?;
        // One query for the grants and their agents; only the ID number is opened (to mask it).
        type Row = (
            i64,
            String,
            OffsetDateTime,
            OffsetDateTime,
            Option<OffsetDateTime>,
            String,
            String,
        );
        let rows: Vec<Row> = c
            .fetch_all(
                "SELECT g.id, g.scopes, g.granted_at, g.expires_at, g.revoked_at, p.name, p.id_number_enc \
                 FROM org_agents g JOIN people p ON p.id = g.person_id WHERE g.org_id = $1 ORDER BY g.id DESC LIMIT 500",
                args![org_id],
            )
            .await?;
        let now = self.clock.now();
        let mut out = Vec::with_capacity(rows.len());
        for (id, scopes, granted_at, expires_at, revoked_at, person_name, id_enc) in rows {
            let id_number = mask_id_number(&self.keys.open(context::ID_NUMBER, &id_enc)?);
            let status = if revoked_at.is_some() {
                "revoked"
            } else if expires_at <= now {
                "expired"
            } else {
                "active"
            };
            out.push(AgentGrant {
                id,
                person_name,
                id_number,
                scopes: scope_strings(&scopes),
                granted_at,
                expires_at,
                revoked_at,
                status: status.into(),
            });
        }
        Ok(out)
    }

    /// Revokes a grant at once: the agent's sessions stop acting for the enterprise on their
    /// next request.
    pub async fn revoke_agent(&self, ctx: &Ctx, org_id: i64, grant_id: i64) -> Result<()> {
        let mut c = self.db.clone();
        let org = self.administered(&mut c, ctx, org_id).await?;
        let person = Self::person_of(ctx)?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let g: Option<GrantRow> = tx
            .fetch_optional(
                "SELECT id, org_id, person_id, revoked_at FROM org_agents WHERE id = $1 AND org_id = $2",
                args![grant_id, org_id],
            )
            .await?;
        let Some(g) = g else {
            return Err(Error::not_found());
        };
        if g.revoked_at.is_some() {
            return Err(Error::new(ErrorCode::InvalidState)
                .with_detail("该授权已被撤销", "This grant is already revoked"));
        }
        tx.execute(
            "UPDATE org_agents SET revoked_at = $1, revoked_by = $2 WHERE id = $3",
            args![now, person.person_id, g.id],
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "agent.revoke", format!("org:{}", org.uscc))
                .source(&ctx.source)
                .data(json!({ "grant": g.id, "agent": Self::person_object(g.person_id), "org_id": g.org_id })),
            now,
        )
        .await?;
        tx.commit().await
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
        let row: Option<PersonRow> = c
            .fetch_optional(
                &format!("SELECT {PERSON_COLUMNS} FROM people WHERE id_number_idx = $1"),
                args![&idx],
            )
            .await?;
        let now = self.clock.now();
        let action = if reveal {
            "personal_data.reveal"
        } else {
            "people.lookup"
        };
        let object = row
            .as_ref()
            .map(|p| Self::person_object(p.id))
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
            let rows: Vec<(i64, String, String)> = c
                .fetch_all(
                    "SELECT id, id_number_enc, phone_enc FROM people WHERE id > $1 ORDER BY id LIMIT $2",
                    args![after, batch],
                )
                .await?;
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
                done += tx
                    .execute(
                        "UPDATE people SET id_number_enc = $1, phone_enc = $2 WHERE id = $3 AND id_number_enc = $4 AND phone_enc = $5",
                        args![&new_id, &new_ph, id, &idn, &ph],
                    )
                    .await?;
            }
            tx.commit().await?;
        }
        // Other domains' sealed columns (table, column, context), rewrapped the same way.
        for (table, column, ctx) in OTHER_SEALED_COLUMNS {
            let mut after = 0i64;
            loop {
                let mut c = self.db.clone();
                let rows: Vec<(i64, String)> = c
                    .fetch_all(
                        &format!(
                            "SELECT id, {column} FROM {table} WHERE id > $1 ORDER BY id LIMIT $2"
                        ),
                        args![after, batch],
                    )
                    .await?;
                let Some(last) = rows.last() else { break };
                after = last.0;
                let mut tx = self.db.write().await?;
                for (id, sealed) in rows {
                    if let Some(new) = self.keys.rewrap(ctx, &sealed)? {
                        done += tx
                            .execute(
                                &format!(
                                    "UPDATE {table} SET {column} = $1 WHERE id = $2 AND {column} = $3"
                                ),
                                args![&new, id, &sealed],
                            )
                            .await?;
                    }
                }
                tx.commit().await?;
            }
        }
        // The OpenID Connect signing keys are sealed under the same ring.
        let mut c = self.db.clone();
        let keys: Vec<(String, String)> = c
            .fetch_all("SELECT kid, private_key FROM oidc_signing_keys", args![])
            .await?;
        for (kid, sealed) in keys {
            if let Some(new) = self
                .keys
                .rewrap(crate::oidc::SIGNING_KEY_CONTEXT, &sealed)?
            {
                let mut tx = self.db.write().await?;
                done += tx
                    .execute(
                        "UPDATE oidc_signing_keys SET private_key = $1 WHERE kid = $2 AND private_key = $3",
                        args![&new, &kid, &sealed],
                    )
                    .await?;
                tx.commit().await?;
            }
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
