//! The audit log: append-only, hash-chained with SM3 (docs/standards/sm-crypto.md), verifiable offline.
//!
//! Every privileged action appends one [`Entry`] *in the same transaction* as the change it
//! records, so a change and its trace commit together or not at all. Refused and failed
//! attempts are recorded too, in their own transaction ([`record_now`]).
//!
//! ## Chain
//! Entry `n` stores `prev_hash` (the hash of entry `n-1`, or 64 zeros for the first) and
//! `hash = SM3(prev_hash ‖ canonical(entry))`, where the canonical form is every field in a
//! fixed order, each as a 4-byte big-endian length followed by its UTF-8 bytes:
//! `seq, at, actor, acting_for, action, object, outcome, source, reason, data` (`at` as
//! `YYYY-MM-DDTHH:MM:SS.ffffffZ`, `seq` in decimal). The single-row `audit_head` table holds the
//! last `seq` and `hash`; appending updates it first, which serialises appenders on both
//! databases. [`verify`] walks the chain and names the first entry that was altered, deleted or
//! inserted; [`head`] gives the value an outside party keeps to prove later that the log was not
//! rewritten.
//!
//! Every event type is declared in [`EVENTS`]; recording an undeclared one is a bug and fails.

use serde::Serialize;
use sm3::{Digest, Sm3};
use time::OffsetDateTime;
use yiwang_kernel::auth::{Actor, Ctx, Permission};
use yiwang_kernel::{Error, ErrorCode, Result};
use yiwang_store::{Conn, Db, Value};

mod repo;

pub use repo::{head, search};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The audit event catalog: action, what it records (zh, en).
pub const EVENTS: &[(&str, &str, &str)] = &[
    ("auth.sign_in", "登录", "Signed in"),
    ("auth.sign_in_failed", "登录失败", "Sign-in failed"),
    ("auth.sign_out", "退出登录", "Signed out"),
    (
        "auth.denied",
        "越权访问被拒绝",
        "An action was refused for lack of permission",
    ),
    (
        "account.create",
        "创建工作人员账号",
        "Created a staff account",
    ),
    (
        "account.update",
        "修改工作人员账号",
        "Changed a staff account",
    ),
    (
        "auth.locked",
        "登录失败次数过多，账号名被临时锁定",
        "A login name was locked after repeated failures",
    ),
    (
        "auth.act_as",
        "切换办事身份（代表企业或本人）",
        "Switched to acting for an enterprise (or for oneself)",
    ),
    (
        "person.register",
        "自然人注册",
        "A natural person registered",
    ),
    (
        "org.register",
        "法人注册",
        "A legal person (enterprise) was registered",
    ),
    (
        "org.verify",
        "窗口核验企业身份（绑定法定代表人）",
        "An enterprise was bound to its legal representative at a window",
    ),
    (
        "agent.grant",
        "企业授权经办人",
        "An enterprise granted an agent",
    ),
    (
        "agent.revoke",
        "企业撤销经办人授权",
        "An enterprise revoked an agent's grant",
    ),
    (
        "account.roles",
        "授予或收回角色",
        "Granted or withdrew staff roles",
    ),
    (
        "account.deactivate",
        "停用工作人员账号",
        "Deactivated a staff account",
    ),
    (
        "account.activate",
        "启用工作人员账号",
        "Reactivated a staff account",
    ),
    (
        "account.change_requested",
        "提出管理员账号变更（待另一管理员确认）",
        "Requested a change to an administrator account (awaiting another administrator)",
    ),
    (
        "account.change_confirmed",
        "确认并执行管理员账号变更",
        "Confirmed and applied a change to an administrator account",
    ),
    (
        "account.change_rejected",
        "驳回或撤回管理员账号变更",
        "Rejected or withdrew a change to an administrator account",
    ),
    (
        "account.reset_issued",
        "签发一次性密码重置码（找回账号）",
        "Issued a one-time password-reset code (account recovery)",
    ),
    (
        "account.reset_used",
        "使用重置码重设密码",
        "Reset a password with a one-time code",
    ),
    (
        "account.reset_failed",
        "重置密码失败（账号或重置码不符）",
        "Password reset failed (account or code did not match)",
    ),
    ("token.create", "签发接口令牌", "Issued an API token"),
    ("token.revoke", "吊销接口令牌", "Revoked an API token"),
    (
        "people.lookup",
        "查询自然人（脱敏）",
        "Looked up a person (masked)",
    ),
    (
        "personal_data.reveal",
        "查看完整身份证号码或手机号码",
        "Revealed a full ID or phone number",
    ),
    (
        "keys.rotate",
        "轮换数据加密密钥",
        "Rotated the data encryption key",
    ),
    ("audit.search", "查询审计日志", "Searched the audit log"),
    ("org.department.create", "新增部门", "Created a department"),
    ("org.department.update", "修改部门", "Changed a department"),
    ("org.department.delete", "删除部门", "Deleted a department"),
    ("org.hall.create", "新增服务大厅", "Created a service hall"),
    ("org.hall.update", "修改服务大厅", "Changed a service hall"),
    (
        "org.window.save",
        "新增或修改窗口",
        "Created or changed a hall window",
    ),
    ("org.window.delete", "删除窗口", "Deleted a hall window"),
    ("org.import", "导入部门", "Imported departments"),
    ("org.export", "导出部门", "Exported departments"),
    (
        "calendar.import",
        "导入年度节假日安排",
        "Imported a year's official holiday arrangement into the working-day calendar",
    ),
    (
        "catalog.basic.create",
        "新增基本目录事项",
        "Created a basic directory item",
    ),
    (
        "catalog.basic.update",
        "修改基本目录事项",
        "Changed a basic directory item",
    ),
    (
        "catalog.item.claim",
        "认领事项（生成实施清单）",
        "Claimed an item (created an implementation item)",
    ),
    ("catalog.item.edit", "编辑事项草稿", "Edited an item draft"),
    (
        "catalog.item.new_version",
        "创建事项新版本",
        "Started a new version of an item",
    ),
    (
        "catalog.item.submit",
        "提交事项审核",
        "Submitted an item for review",
    ),
    (
        "catalog.item.withdraw",
        "撤回审核申请",
        "Withdrew an item from review",
    ),
    (
        "catalog.item.approve",
        "审核通过并发布事项",
        "Approved and published an item",
    ),
    (
        "catalog.item.reject",
        "审核退回事项",
        "Returned an item to its editor",
    ),
    ("catalog.item.retire", "事项下线（取消）", "Retired an item"),
    (
        "catalog.item.discard",
        "删除事项草稿",
        "Discarded an item draft",
    ),
    ("catalog.import", "导入事项", "Imported items"),
    ("catalog.export", "导出事项", "Exported items"),
    ("system.demo_loaded", "加载演示数据", "Loaded the demo city"),
    // Single sign-on for department systems (OpenID Connect); refusals have outcome `failure`.
    (
        "oidc.client.create",
        "注册单点登录接入系统",
        "Registered a department system for single sign-on",
    ),
    (
        "oidc.client.deactivate",
        "停用单点登录接入系统",
        "Deactivated a department system's single sign-on",
    ),
    (
        "oidc.code.issue",
        "签发单点登录授权码",
        "Issued a single sign-on authorization code",
    ),
    (
        "oidc.token.issue",
        "签发单点登录令牌",
        "Issued single sign-on tokens (ID and access token)",
    ),
    (
        "oidc.userinfo",
        "接入系统读取用户信息",
        "A department system read a signed-in user's profile",
    ),
    // Electronic licences (电子证照).
    (
        "licence.type.define",
        "定义证照类型",
        "Defined a licence type",
    ),
    ("licence.seal.rotate", "更换签章密钥", "Rotated a seal key"),
    ("licence.issue", "签发电子证照", "Issued a licence"),
    (
        "licence.use",
        "查看授权使用的电子证照",
        "Viewed a licence authorised for a case",
    ),
    (
        "licence.status",
        "变更证照状态",
        "Changed a licence's status",
    ),
    (
        "licence.copy",
        "制作电子证照加注件",
        "Made an annotated copy of a licence",
    ),
    (
        "licence.import.start",
        "提交电子证照批量导入（归集）",
        "Submitted a bulk import of licences",
    ),
    (
        "licence.import.end",
        "电子证照批量导入结束",
        "A bulk import of licences ended",
    ),
    // Cases (办件): staff actions; citizens' own submissions are process data, not audit.
    (
        "case.receive",
        "窗口收件",
        "Received an application at the window",
    ),
    ("case.accept", "受理办件", "Accepted a case"),
    ("case.not_accept", "不予受理", "Refused to accept a case"),
    (
        "case.request_supplements",
        "一次性告知补正",
        "Requested supplements (one-time notice)",
    ),
    (
        "case.supplement",
        "代为提交补正材料",
        "Handed in supplements for an applicant",
    ),
    ("case.act", "办件审批操作", "Acted on a case step"),
    (
        "case.special",
        "启动特别程序",
        "Started a special procedure",
    ),
    ("case.deliver", "送达办理结果", "Delivered a case result"),
    (
        "case.receipt",
        "打印受理回执",
        "Printed an acceptance receipt",
    ),
    (
        "case.material.read",
        "查阅申请材料",
        "Read an application material",
    ),
    ("case.sweep", "更新办件时限预警", "Swept case deadlines"),
    ("case.export", "导出办件过程数据", "Exported process data"),
    (
        "rating.followup",
        "差评核实整改",
        "Worked a bad-rating follow-up",
    ),
    (
        "rating.appeal.decide",
        "差评申诉复核",
        "Decided a rating appeal",
    ),
    (
        "oidc.key.create",
        "生成单点登录签名密钥",
        "Generated a single sign-on signing key",
    ),
    // Data sharing and exchange (数据共享交换). Each exchange module appends its events below.
    (
        "exchange.resource.create",
        "登记信息资源",
        "Registered an information resource",
    ),
    (
        "exchange.resource.publish",
        "发布信息资源目录",
        "Published an information resource",
    ),
    // Base libraries and the return flow (回流).
    (
        "exchange.base.read",
        "查询基础库",
        "Read a base library record",
    ),
    (
        "exchange.package.export",
        "导出回流数据包",
        "Exported a return-flow package",
    ),
    (
        "exchange.package.import",
        "导入回流数据包",
        "Imported a return-flow package",
    ),
    (
        "exchange.resource.edit",
        "修改信息资源草稿",
        "Edited a draft information resource",
    ),
    (
        "exchange.resource.version",
        "新建信息资源版本",
        "Started a new version of an information resource",
    ),
    (
        "exchange.resource.submit",
        "提交信息资源审核",
        "Submitted an information resource for review",
    ),
    (
        "exchange.resource.reject",
        "退回信息资源",
        "Rejected an information resource version",
    ),
    (
        "exchange.resource.retire",
        "停用信息资源",
        "Retired an information resource",
    ),
    (
        "exchange.resource.import",
        "导入信息资源目录",
        "Imported information resources",
    ),
    (
        "exchange.catalog.export",
        "导出信息资源目录",
        "Exported the information resource catalog",
    ),
    (
        "exchange.demand.create",
        "登记共享需求",
        "Registered a data demand",
    ),
    (
        "exchange.demand.claim",
        "认领共享需求",
        "Claimed a data demand",
    ),
    (
        "exchange.demand.provide",
        "共享需求已提供",
        "Marked a data demand provided",
    ),
    (
        "exchange.demand.decline",
        "不予提供共享需求",
        "Declined a data demand",
    ),
    (
        "exchange.request.submit",
        "提交数据共享申请",
        "Submitted a data sharing request",
    ),
    (
        "exchange.request.grant",
        "同意数据共享申请并授权",
        "Granted a data sharing request",
    ),
    (
        "exchange.request.refuse",
        "不予同意数据共享申请",
        "Refused a data sharing request",
    ),
    (
        "exchange.request.withdraw",
        "撤回数据共享申请",
        "Withdrew a data sharing request",
    ),
    (
        "exchange.grant.revoke",
        "撤销数据共享授权",
        "Revoked a data sharing grant",
    ),
    // The data API (数据调用): a consumer read rows of a resource under a grant.
    (
        "exchange.data.read",
        "调用共享数据",
        "Read shared data through the data API",
    ),
    (
        "exchange.load.start",
        "提交归集（文件或推送）",
        "Started a data load (file or push)",
    ),
    ("exchange.load.end", "归集结束", "A data load ended"),
];

pub fn describe(action: &str) -> Option<(&'static str, &'static str)> {
    EVENTS.iter().find(|e| e.0 == action).map(|e| (e.1, e.2))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor: &'a Actor,
    /// Set when the actor acts on behalf of someone else (an agent for an enterprise); taken
    /// from the actor, so it cannot be forgotten.
    pub acting_for: String,
    /// An action from [`EVENTS`].
    pub action: &'a str,
    /// What was acted on, e.g. `item:44080011440800MB2C…` or `department:12`.
    pub object: String,
    pub outcome: Outcome,
    /// Source address of the request (empty for the command line).
    pub source: &'a str,
    pub reason: &'a str,
    /// Extra facts as JSON (never personal data in clear).
    pub data: serde_json::Value,
}

impl<'a> Entry<'a> {
    pub fn success(actor: &'a Actor, action: &'a str, object: impl Into<String>) -> Self {
        Entry {
            actor,
            acting_for: actor.acting_for_label(),
            action,
            object: object.into(),
            outcome: Outcome::Success,
            source: "",
            reason: "",
            data: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn failure(actor: &'a Actor, action: &'a str, object: impl Into<String>) -> Self {
        Entry {
            outcome: Outcome::Failure,
            ..Entry::success(actor, action, object)
        }
    }

    pub fn source(mut self, source: &'a str) -> Self {
        self.source = source;
        self
    }

    pub fn reason(mut self, reason: &'a str) -> Self {
        self.reason = reason;
        self
    }

    pub fn data(mut self, data: serde_json::Value) -> Self {
        self.data = data;
        self
    }
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Record {
    pub seq: i64,
    pub at: OffsetDateTime,
    pub actor: String,
    pub acting_for: String,
    pub action: String,
    pub object: String,
    pub outcome: String,
    pub source: String,
    pub reason: String,
    pub data: String,
    pub prev_hash: String,
    pub hash: String,
}

fn field(h: &mut Sm3, s: &str) {
    h.update((s.len() as u32).to_be_bytes());
    h.update(s.as_bytes());
}

/// `SM3(prev_hash ‖ canonical(entry))` as lower-case hex.
pub fn chain_hash(r: &Record) -> String {
    let mut h = Sm3::new();
    field(&mut h, &r.prev_hash);
    field(&mut h, &r.seq.to_string());
    field(&mut h, &Value::sqlite_time(r.at));
    for s in [
        &r.actor,
        &r.acting_for,
        &r.action,
        &r.object,
        &r.outcome,
        &r.source,
        &r.reason,
        &r.data,
    ] {
        field(&mut h, s);
    }
    hex::encode(h.finalize())
}

/// Appends `entry` inside the caller's transaction.
/// The most characters an actor, acting-for or object field keeps.
pub const MAX_NAME: usize = 200;
/// The most characters a source address keeps.
pub const MAX_SOURCE: usize = 64;
/// The most characters a reason keeps.
pub const MAX_REASON: usize = 1_000;
/// The most bytes the JSON `data` keeps; larger data is replaced by a note of its size.
pub const MAX_DATA: usize = 4_096;

/// `s` without NUL characters (PostgreSQL text refuses them) and cut to `max` characters,
/// saying how many were cut: nothing a caller sends can grow the append-only log without bound.
pub fn capped(s: &str, max: usize) -> String {
    let clean: String = if s.contains('\0') {
        s.replace('\0', "\u{FFFD}")
    } else {
        s.to_string()
    };
    let n = clean.chars().count();
    if n <= max {
        return clean;
    }
    let mut out: String = clean.chars().take(max).collect();
    out.push_str(&format!("…(+{})", n - max));
    out
}

fn capped_data(data: &serde_json::Value) -> String {
    let text = data.to_string();
    if text.len() <= MAX_DATA && !text.contains("\\u0000") {
        return text;
    }
    serde_json::json!({ "truncated": true, "bytes": text.len() }).to_string()
}

pub async fn record(c: &mut impl Conn, entry: &Entry<'_>, at: OffsetDateTime) -> Result<i64> {
    if describe(entry.action).is_none() {
        return Err(Error::internal(format!(
            "audit event `{}` is not in the catalog",
            entry.action
        )));
    }
    let (seq, prev) = repo::advance_head(c).await?;
    let mut r = Record {
        seq,
        at: yiwang_kernel::clock::normalize(at),
        actor: capped(&entry.actor.label(), MAX_NAME),
        acting_for: capped(&entry.acting_for, MAX_NAME),
        action: entry.action.to_string(),
        object: capped(&entry.object, MAX_NAME),
        outcome: entry.outcome.as_str().to_string(),
        source: capped(entry.source, MAX_SOURCE),
        reason: capped(entry.reason, MAX_REASON),
        data: capped_data(&entry.data),
        prev_hash: prev,
        hash: String::new(),
    };
    r.hash = chain_hash(&r);
    repo::append(c, &r).await?;
    Ok(seq)
}

/// Appends `entry` in a transaction of its own (for refusals and failures, whose action
/// transaction rolls back).
pub async fn record_now(db: &Db, entry: &Entry<'_>, at: OffsetDateTime) -> Result<i64> {
    let mut tx = db.write().await?;
    let seq = record(&mut tx, entry, at).await?;
    tx.commit().await?;
    Ok(seq)
}

/// Audits a refused attempt: appends `auth.denied` (outcome failure) with `ctx`'s actor and
/// source, the `object` and what was `attempted`, in a transaction of its own (the refused
/// action's transaction, if there was one, has rolled back: a task never opens a write
/// transaction while it holds one). A failed audit write is logged, not raised, so that the
/// caller still answers with the refusal. The one place that writes `auth.denied`.
pub async fn denied(
    db: &Db,
    ctx: &Ctx,
    object: impl Into<String>,
    attempted: &str,
    at: OffsetDateTime,
) {
    write_denied(
        db,
        ctx,
        object.into(),
        serde_json::json!({ "attempted": attempted }),
        at,
    )
    .await;
}

/// Passes `e` on, audited first as [`denied`] (with its code) when it is a refusal
/// (`forbidden` or `unauthenticated`); any other error passes unaudited.
pub async fn refused(
    db: &Db,
    ctx: &Ctx,
    object: impl Into<String>,
    attempted: &str,
    e: Error,
    at: OffsetDateTime,
) -> Error {
    if matches!(e.code, ErrorCode::Forbidden | ErrorCode::Unauthenticated) {
        let data = serde_json::json!({ "attempted": attempted, "code": e.code.as_str() });
        write_denied(db, ctx, object.into(), data, at).await;
    }
    e
}

async fn write_denied(
    db: &Db,
    ctx: &Ctx,
    object: String,
    data: serde_json::Value,
    at: OffsetDateTime,
) {
    let entry = Entry::failure(&ctx.actor, "auth.denied", object)
        .source(&ctx.source)
        .data(data);
    if let Err(e) = record_now(db, &entry, at).await {
        tracing::error!(error = %e, "could not write the audit entry of a refusal");
    }
}

/// The chain head: the last sequence number and its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

/// The chain head for an audit administrator (permission `audit.read`); a refused attempt is
/// recorded.
pub async fn head_as(db: &Db, ctx: &Ctx, now: OffsetDateTime) -> Result<Head> {
    if let Err(e) = ctx.actor.require(Permission::AuditRead) {
        denied(db, ctx, "audit_log", "audit.head", now).await;
        return Err(e);
    }
    let mut c = db.clone();
    head(&mut c).await
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// The chain is intact: `entries` entries, ending in `head`.
    Intact { entries: i64, head: String },
    /// The first broken entry (by sequence number) and what is wrong with it.
    Broken { seq: i64, problem: String },
}

/// Walks the whole chain in order. `anchor` is an earlier exported head (`seq`, `hash`) that
/// must still be found in the log.
pub async fn verify(db: &Db, anchor: Option<(i64, &str)>) -> Result<Verdict> {
    let mut c = db.clone();
    let head = head(&mut c).await?;
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_string();
    let mut after = 0i64;
    let mut anchor_seen = anchor.is_none();
    loop {
        let batch = repo::entries_after(&mut c, after).await?;
        if batch.is_empty() {
            break;
        }
        for r in &batch {
            if r.seq != expected_seq {
                let problem = if r.seq > expected_seq {
                    format!(
                        "entry {expected_seq} is missing (deleted); next entry is {}",
                        r.seq
                    )
                } else {
                    format!("unexpected sequence number {}", r.seq)
                };
                return Ok(Verdict::Broken {
                    seq: expected_seq,
                    problem,
                });
            }
            if r.prev_hash != prev {
                return Ok(Verdict::Broken {
                    seq: r.seq,
                    problem: "prev_hash does not match the previous entry (an entry before it was deleted, inserted or altered)".into(),
                });
            }
            if chain_hash(r) != r.hash {
                return Ok(Verdict::Broken {
                    seq: r.seq,
                    problem: "content does not match its hash (entry altered)".into(),
                });
            }
            if let Some((s, h)) = anchor
                && s == r.seq
            {
                if h != r.hash {
                    return Ok(Verdict::Broken {
                        seq: r.seq,
                        problem: "hash differs from the exported anchor (log rewritten)".into(),
                    });
                }
                anchor_seen = true;
            }
            prev = r.hash.clone();
            expected_seq += 1;
            after = r.seq;
        }
    }
    let last = expected_seq - 1;
    if head.seq != last || head.hash != prev {
        return Ok(Verdict::Broken {
            seq: last + 1,
            problem: format!(
                "the chain head says {} entries ending in {}, the log has {last} (entries at the end deleted or head altered)",
                head.seq, head.hash
            ),
        });
    }
    if !anchor_seen {
        return Ok(Verdict::Broken {
            seq: anchor.map(|a| a.0).unwrap_or(0),
            problem: "the exported anchor entry is no longer in the log".into(),
        });
    }
    Ok(Verdict::Intact {
        entries: last,
        head: prev,
    })
}

/// Searches the log for an audit administrator (permission `audit.read`); the search itself
/// is recorded, and so is a refused attempt.
///
/// Unsure: entries carry no division, so an audit administrator sees the whole node's log;
/// a county-level audit administrator would need entries tagged with the object's division.
pub async fn search_as(db: &Db, ctx: &Ctx, q: &Query, now: OffsetDateTime) -> Result<Vec<Record>> {
    if let Err(e) = ctx.actor.require(Permission::AuditRead) {
        denied(db, ctx, "audit_log", "audit.search", now).await;
        return Err(e);
    }
    let mut c = db.clone();
    let rows = search(&mut c, q).await?;
    let entry = Entry::success(&ctx.actor, "audit.search", "audit_log")
        .source(&ctx.source)
        .data(serde_json::json!({
            "action": q.action, "actor": q.actor, "object": q.object,
            "outcome": q.outcome, "before_seq": q.before_seq, "returned": rows.len(),
        }));
    record_now(db, &entry, now).await?;
    Ok(rows)
}

/// Filters for searching the log.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub action: Option<String>,
    pub actor: Option<String>,
    pub object: Option<String>,
    pub outcome: Option<String>,
    pub before_seq: Option<i64>,
    pub limit: i64,
}

#[cfg(test)]
mod tests;
