//! Legal persons (法人) and their agents (经办人).
//!
//! A person registers an enterprise by its USCC. The binding is **verified** only when the
//! registrant is its legal representative on record — the [`LegalPersonRegister`] the platform
//! wires in (today the business licences Yiwang holds; the legal-person base library of data
//! sharing later) names them — or when a window clerk saw the business licence and confirms it
//! ([`IdentityService::verify_org_at_window`]). Until then the registrant sees the enterprise as
//! pending and can act for nothing: no licence, no case, no agent grant. A registration that
//! contradicts the register is refused; a later verified registration replaces an unverified
//! one (whose agent grants end). The administrator grants agents scopes until an expiry and
//! revokes them; a session acts for an enterprise only while the grant lives.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{ActingFor, Actor, AgentScope, Ctx, Permission, Person};
use yiwang_kernel::clock::CHINA_OFFSET;
use yiwang_kernel::codes::{IdNumber, Uscc};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result, text};
use yiwang_store::Conn;

use crate::keys::context;
use crate::people::{person_name, person_object, person_of, scope_strings, scopes_of};
pub(crate) use crate::repo::orgs::OrgRow;
use crate::repo::orgs::{Binding, NewOrg};
use crate::repo::{agents, orgs, people, sessions};
use crate::service::IdentityService;

/// What a register of legal persons says about one USCC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredLegalPerson {
    pub name: String,
    pub legal_representative: String,
    /// Where the record comes from, for the audit log (e.g. `licence:<identifier>`).
    pub source: String,
}

/// A register of legal persons the platform trusts (the market-regulation register as
/// business licences, or the legal-person base library). Implemented outside identity.
pub trait LegalPersonRegister: Send + Sync + std::fmt::Debug {
    fn find<'a>(
        &'a self,
        uscc: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Option<RegisteredLegalPerson>>> + Send + 'a>>;

    /// Compares a registration (USCC, name and legal representative as typed, already
    /// well-formed) with the register. A validation error naming the field that disagrees
    /// refuses the registration; otherwise the entry found (if any) and a note for the
    /// registrant (e.g. which register answered). By default: [`Self::find`], no note (the
    /// caller compares the legal representative).
    fn check<'a>(
        &'a self,
        input: &'a OrgRegistration,
    ) -> Pin<Box<dyn Future<Output = Result<RegisterAnswer>> + Send + 'a>> {
        Box::pin(async move {
            Ok(RegisterAnswer {
                found: self.find(&input.uscc).await?,
                note: String::new(),
            })
        })
    }
}

/// What a register answered for one registration ([`LegalPersonRegister::check`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterAnswer {
    pub found: Option<RegisteredLegalPerson>,
    /// For the registrant, in Chinese and English (e.g. "法人库未收录…"); may be empty.
    pub note: String,
}

/// The shared handle an [`IdentityService`] holds (clones share it).
pub(crate) type Register = Option<Arc<dyn LegalPersonRegister>>;

/// A person's link to a legal person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Membership {
    pub org_id: i64,
    /// False until the binding is verified (the legal representative on record, or confirmed
    /// at a window); an unverified enterprise cannot be acted for.
    pub verified: bool,
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
    /// How the binding was verified: `register` (the registrant is the legal representative on
    /// record), `window` (a clerk saw the business licence), or empty while it is not.
    pub verified_via: String,
    /// What the register said on registration (e.g. "法人库未收录" and which register answered
    /// instead); empty otherwise.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub register_note: String,
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

/// What a window clerk enters after seeing the business licence and the legal
/// representative's identity card.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct OrgWindowVerification {
    /// Unified social credit code (统一社会信用代码), as on the business licence.
    pub uscc: String,
    /// The enterprise's name, as on the business licence.
    pub name: String,
    /// The legal representative's name, as on the business licence.
    pub legal_representative: String,
    /// The legal representative's citizen ID number (a registered person).
    pub id_number: String,
}

/// The credit code, name and legal representative of an enterprise form, or their problems
/// added to `errs` (registration and window verification check them alike).
fn org_fields(
    uscc: &str,
    name: &str,
    rep: &str,
    errs: &mut Vec<FieldError>,
) -> Option<(Uscc, String, String)> {
    let uscc = Uscc::parse(uscc)
        .map_err(|e| errs.push(e.within("uscc")))
        .ok();
    let name = text::required("name", name, 100)
        .map_err(|e| errs.push(e))
        .ok();
    let rep = person_name("legal_representative", rep)
        .map_err(|e| errs.push(e))
        .ok();
    Some((uscc?, name?, rep?))
}

fn registered() -> Error {
    Error::field(FieldError::new(
        "uscc",
        "uscc.registered",
        "该统一社会信用代码已注册，请联系该企业的管理员为您授权",
        "This enterprise is already registered; ask its administrator to grant you access",
    ))
}

fn not_on_record() -> Error {
    Error::field(FieldError::new(
        "legal_representative",
        "org.not_representative",
        "登记信息中的法定代表人与您的实名不一致，不能注册该企业；请由法定代表人本人注册，或持营业执照到政务服务窗口核验",
        "The legal representative on record is not you, so you cannot register this enterprise; the legal representative registers it, or confirms it at a service window with the business licence",
    ))
}

impl IdentityService {
    /// Uses `register` to verify enterprise registrations against the legal representative on
    /// record.
    pub fn with_register(mut self, register: Arc<dyn LegalPersonRegister>) -> Self {
        self.register = Some(register);
        self
    }

    /// Registers an enterprise with the person as its administrator: verified at once when the
    /// register names the person as its legal representative, pending otherwise (confirmed at a
    /// window). A register naming someone else refuses it.
    pub async fn register_org(&self, ctx: &Ctx, input: &OrgRegistration) -> Result<Organisation> {
        let person = person_of(ctx)?;
        let mut errs = Vec::new();
        let fields = org_fields(
            &input.uscc,
            &input.name,
            &input.legal_representative,
            &mut errs,
        );
        let Some((uscc, name, rep)) = fields else {
            return Err(Error::validation(errs));
        };
        let mut c = self.db.clone();
        let me = people::by_id(&mut c, person.person_id)
            .await?
            .filter(|p| p.active)
            .ok_or_else(|| Error::new(ErrorCode::Unauthenticated))?;
        // The registrant is the legal representative: the name entered is their real name.
        if rep != me.name {
            return Err(Error::field(FieldError::new(
                "legal_representative",
                "org.registrant_not_representative",
                "企业账号须由法定代表人本人注册：法定代表人姓名应与您的实名一致；其他经办人请由法定代表人授权",
                "An enterprise is registered by its legal representative: the name must be your real name; other staff are granted access by the legal representative",
            )));
        }
        let typed = OrgRegistration {
            uscc: uscc.as_str().to_string(),
            name: name.clone(),
            legal_representative: rep.clone(),
        };
        let answer = match &self.register {
            Some(r) => match r.check(&typed).await {
                Ok(a) => a,
                Err(e) if e.code == ErrorCode::Validation => {
                    let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
                    let entry = Entry::failure(
                        &ctx.actor,
                        "org.register",
                        format!("org:{}", uscc.as_str()),
                    )
                    .source(&ctx.source)
                    .data(json!({ "refused": "register_disagrees", "fields": fields }));
                    if let Err(e) =
                        yiwang_audit::record_now(&self.db, &entry, self.clock.now()).await
                    {
                        tracing::error!(error = %e, "audit write failed");
                    }
                    return Err(e);
                }
                Err(e) => return Err(e),
            },
            None => RegisterAnswer::default(),
        };
        let register_note = answer.note;
        let record_found = answer.found;
        if let Some(found) = &record_found
            && found.legal_representative != me.name
        {
            let entry = Entry::failure(
                &ctx.actor,
                "org.register",
                format!("org:{}", uscc.as_str()),
            )
            .source(&ctx.source)
            .data(json!({ "refused": "not_representative_on_record", "record": found.source }));
            if let Err(e) = yiwang_audit::record_now(&self.db, &entry, self.clock.now()).await {
                tracing::error!(error = %e, "audit write failed");
            }
            return Err(not_on_record());
        }
        let (name, rep, via, by) = match &record_found {
            Some(f) => (
                f.name.clone(),
                f.legal_representative.clone(),
                "register",
                f.source.clone(),
            ),
            None => (name, rep, "", String::new()),
        };
        let verified_at = record_found.as_ref().map(|_| self.clock.now());
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let existing = orgs::by_uscc(&mut tx, uscc.as_str()).await?;
        let (id, replaced) = match existing {
            None => {
                let new = NewOrg {
                    uscc: uscc.as_str(),
                    name: &name,
                    legal_representative: &rep,
                    admin_person_id: person.person_id,
                    now,
                    verified_at,
                    verified_via: via,
                    verified_by: &by,
                };
                let id = orgs::insert(&mut tx, &new).await?;
                (id, None)
            }
            Some(o) if o.verified_at.is_some() => return Err(registered()),
            // An unverified claim gives way to the legal representative on record.
            Some(o) if verified_at.is_some() => {
                let binding = Binding {
                    admin_person_id: person.person_id,
                    name: &name,
                    legal_representative: &rep,
                    now,
                    verified_via: via,
                    verified_by: &by,
                };
                rebind(&mut tx, &o, &binding).await?;
                (o.id, Some(o.admin_person_id))
            }
            Some(o) if o.admin_person_id == person.person_id => {
                return Err(Error::new(ErrorCode::InvalidState).with_detail(
                    "您已提交该企业的注册，请法定代表人持营业执照到政务服务窗口核验",
                    "You have registered this enterprise already; confirm it at a service window with the business licence",
                ));
            }
            Some(_) => {
                return Err(Error::field(FieldError::new(
                    "uscc",
                    "uscc.pending",
                    "该企业已有待核验的注册；请法定代表人持营业执照到政务服务窗口核验",
                    "This enterprise has a registration awaiting verification; the legal representative confirms it at a service window with the business licence",
                )));
            }
        };
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "org.register", format!("org:{}", uscc.as_str()))
                .source(&ctx.source)
                .data(json!({
                    "verified": verified_at.is_some(),
                    "record": by,
                    "replaced_unverified": replaced.map(person_object),
                })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Organisation {
            id,
            uscc: uscc.as_str().to_string(),
            name,
            legal_representative: rep,
            verified_via: via.to_string(),
            register_note,
        })
    }

    /// A window clerk (`org.verify`) confirms an enterprise binding after seeing the business
    /// licence and the legal representative's identity: the enterprise is bound to that
    /// registered person, verified (an unverified claim by someone else ends, with its grants).
    pub async fn verify_org_at_window(
        &self,
        ctx: &Ctx,
        input: &OrgWindowVerification,
    ) -> Result<Organisation> {
        if let Err(e) = ctx.actor.require(Permission::OrgVerify) {
            self.denied(ctx, "org.verify", &format!("org:{}", input.uscc.trim()))
                .await;
            return Err(e);
        }
        let now = self.clock.now();
        let today = now.to_offset(CHINA_OFFSET).date();
        let mut errs = Vec::new();
        let fields = org_fields(
            &input.uscc,
            &input.name,
            &input.legal_representative,
            &mut errs,
        );
        let id = IdNumber::parse(&input.id_number, today)
            .map_err(|e| errs.push(e.within("id_number")))
            .ok();
        let (Some((uscc, name, rep)), Some(id)) = (fields, id) else {
            return Err(Error::validation(errs));
        };
        let mut c = self.db.clone();
        let idx = self.keys.blind_index(context::ID_NUMBER, id.as_str())?;
        let holder = people::by_id_number(&mut c, &idx).await?;
        let Some(holder) = holder.filter(|p| p.active && p.name == rep) else {
            return Err(Error::field(FieldError::new(
                "id_number",
                "org.representative_not_registered",
                "未找到姓名与身份证号码一致的已注册用户，请法定代表人先完成实名注册",
                "No registered person with this name and ID number; the legal representative registers first",
            )));
        };
        if let Some(r) = &self.register
            && let Some(found) = r.find(uscc.as_str()).await?
            && found.legal_representative != rep
        {
            return Err(not_on_record());
        }
        let by = ctx.actor.label();
        let mut tx = self.db.write().await?;
        let existing = orgs::by_uscc(&mut tx, uscc.as_str()).await?;
        let binding = Binding {
            admin_person_id: holder.id,
            name: &name,
            legal_representative: &rep,
            now,
            verified_via: "window",
            verified_by: &by,
        };
        let (org_id, previous) = match existing {
            Some(o) => {
                rebind(&mut tx, &o, &binding).await?;
                (o.id, Some(o.admin_person_id))
            }
            None => {
                let org_id = orgs::insert_window_verified(&mut tx, uscc.as_str(), &binding).await?;
                (org_id, None)
            }
        };
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "org.verify", format!("org:{}", uscc.as_str()))
                .source(&ctx.source)
                .data(json!({
                    "administrator": person_object(holder.id),
                    "previous": previous.map(person_object),
                })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Organisation {
            id: org_id,
            uscc: uscc.as_str().to_string(),
            name,
            legal_representative: rep,
            verified_via: "window".into(),
            register_note: String::new(),
        })
    }

    /// What `person_id` may do for `org_id` right now: administrator, or a live agent grant.
    pub(crate) async fn acting_for(
        &self,
        c: &mut impl Conn,
        person_id: i64,
        org_id: i64,
        now: OffsetDateTime,
    ) -> Result<Option<ActingFor>> {
        let org = orgs::by_id(c, org_id).await?;
        // An unverified binding acts for nothing (no licence, no case of the enterprise).
        let Some(org) = org.filter(|o| o.verified_at.is_some()) else {
            return Ok(None);
        };
        if org.admin_person_id == person_id {
            return Ok(Some(ActingFor {
                org_id,
                uscc: org.uscc,
                name: org.name,
                administrator: true,
                scopes: AgentScope::ALL.to_vec(),
            }));
        }
        let grant = agents::live_scopes(c, org_id, person_id, now).await?;
        Ok(grant.map(|scopes| ActingFor {
            org_id,
            uscc: org.uscc,
            name: org.name,
            administrator: false,
            scopes: scopes_of(&scopes),
        }))
    }

    pub(crate) async fn memberships(
        &self,
        c: &mut impl Conn,
        person_id: i64,
    ) -> Result<Vec<Membership>> {
        let now = self.clock.now();
        let admin = orgs::administered_by(c, person_id).await?;
        let mut out: Vec<Membership> = admin
            .into_iter()
            .map(|o| Membership {
                org_id: o.id,
                verified: o.verified_at.is_some(),
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
        let grants = agents::live_for_person(c, person_id, now).await?;
        for (org_id, uscc, name, scopes, expires_at) in grants {
            if out.iter().any(|m| m.org_id == org_id) {
                continue;
            }
            out.push(Membership {
                org_id,
                verified: true,
                uscc,
                name,
                administrator: false,
                scopes: scope_strings(&scopes),
                expires_at: Some(expires_at),
            });
        }
        Ok(out)
    }

    /// Makes the session act for an enterprise (`Some`) or for the person alone (`None`).
    pub async fn act_as(&self, ctx: &Ctx, token: &str, org_id: Option<i64>) -> Result<()> {
        let person = person_of(ctx)?;
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
        let hash = crate::service::token_hash(token);
        sessions::set_acting(&mut tx, &hash, person.person_id, org_id).await?;
        let actor = Actor::Person(Person {
            acting_for: acting.clone(),
            ..person.clone()
        });
        let object = match &acting {
            Some(a) => format!("org:{}", a.uscc),
            None => person_object(person.person_id),
        };
        record(
            &mut tx,
            &Entry::success(&actor, "auth.act_as", object).source(&ctx.source),
            now,
        )
        .await?;
        tx.commit().await
    }

    /// The enterprise `org_id` if the caller is its administrator; anyone else learns nothing.
    pub(crate) async fn administered(
        &self,
        c: &mut impl Conn,
        ctx: &Ctx,
        org_id: i64,
    ) -> Result<OrgRow> {
        let person = person_of(ctx)?;
        let org = orgs::by_id(c, org_id).await?;
        match org {
            Some(o) if o.admin_person_id == person.person_id && o.verified_at.is_some() => Ok(o),
            Some(o) if o.admin_person_id == person.person_id => Err(Error::new(
                ErrorCode::NotActingFor,
            )
            .with_detail(
                "企业身份尚未核验：请法定代表人持营业执照到政务服务窗口核验后再办理",
                "The enterprise is not verified yet: the legal representative confirms it at a service window with the business licence",
            )),
            _ => {
                self.denied(ctx, "agent.manage", &format!("org-id:{org_id}"))
                    .await;
                Err(Error::not_found())
            }
        }
    }
}

/// Binds an existing enterprise to its administrator, verified. When the administrator
/// changes, the grants made by the previous one end: they vouched for nobody.
async fn rebind(tx: &mut yiwang_store::Tx, o: &OrgRow, b: &Binding<'_>) -> Result<()> {
    orgs::rebind(tx, o.id, b).await?;
    if o.admin_person_id != b.admin_person_id && o.verified_at.is_none() {
        agents::end_all(tx, o.id, b.now).await?;
    }
    Ok(())
}
