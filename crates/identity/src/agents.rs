//! Agents (经办人) of an enterprise: its verified administrator grants registered persons
//! scopes until a day, lists and revokes the grants. A session acts for the enterprise only
//! while its grant lives (checked on every request, `orgs::acting_for`).

use serde_json::json;
use time::{Date, Duration};
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{AgentScope, Ctx};
use yiwang_kernel::clock::CHINA_OFFSET;
use yiwang_kernel::codes::IdNumber;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_vault::mask_id_number;

use crate::keys::context;
use crate::orgs::{AgentGrant, AgentGrantInput};
use crate::people::{not_acting, person_name, person_object, person_of, scope_strings};
use crate::repo::{agents, people};
use crate::service::IdentityService;

impl IdentityService {
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
        let agent = people::by_id_number(&mut c, &idx).await?;
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
        let person = person_of(ctx)?;
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
        agents::revoke_live(&mut tx, org_id, agent.id, now, person.person_id).await?;
        let new = agents::NewGrant {
            org_id,
            person_id: agent.id,
            scopes: &scopes_text,
            granted_by: person.person_id,
            now,
            expires_at,
        };
        let gid = agents::insert(&mut tx, &new).await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "agent.grant", format!("org:{}", org.uscc))
                .source(&ctx.source)
                .data(json!({ "grant": gid, "agent": person_object(agent.id), "scopes": scopes_text, "until": input.until.trim() })),
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
        let rows = agents::list(&mut c, org_id).await?;
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
        let person = person_of(ctx)?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let g = agents::by_id(&mut tx, grant_id, org_id).await?;
        let Some(g) = g else {
            return Err(Error::not_found());
        };
        if g.revoked_at.is_some() {
            return Err(Error::new(ErrorCode::InvalidState)
                .with_detail("该授权已被撤销", "This grant is already revoked"));
        }
        agents::revoke(&mut tx, g.id, now, person.person_id).await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "agent.revoke", format!("org:{}", org.uscc))
                .source(&ctx.source)
                .data(json!({ "grant": g.id, "agent": person_object(g.person_id), "org_id": g.org_id })),
            now,
        )
        .await?;
        tx.commit().await
    }
}
