//! Process data for the national exchange (上报 to the 统一办件库, docs/standards/cases.md §5.2) as JSON
//! lines: one object per row, `"table"` naming its table (`up_pro_accept`, `up_pro_process`,
//! `up_pro_special_procedure`, `up_pro_result`, `up_pro_material`), with the common fields
//! `row_guid`, `cd_batch`, `cd_operation` (`I`), `cd_time` and `data_source`.
//!
//! Rows are chosen by when they happened, in `[from, to]` (dates in China): acceptances,
//! workflow actions (业务动作), special procedures (started or ended), conclusions, and the
//! material files of accepted cases (with the acceptance, or when added after it).
//!
//! `up_pro_accept` carries every field of the table: `task_handle_item` is the item code (no
//! 业务办理项 below items yet), `catalog_code` the 基本编码 of the version applied for,
//! `contact_type`/`contact_code` the contact's ID when known, `legal` the enterprise's legal
//! representative on record; `address` and `zip_code` are not collected yet and go empty.
//!
//! Codes the standard leaves open [U]: `event_name` 业务动作 — `01` 通过, `02` 退回, `99` 其他
//! (表7 names the actions, not their codes); `result_type` uses the legacy 办结结果代码
//! (BJJGDM, docs/standards/cases.md §5.3); `applyer_type` the platform's applicant types; `applyer_page_type` GA/T
//! 2000.156 (111 居民身份证, 001 统一社会信用代码 — the latter a local choice [U]).

use std::collections::HashMap;

use serde_json::{Value, json};
use time::{Date, OffsetDateTime};
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission};
use yiwang_kernel::clock::CHINA_OFFSET;
use yiwang_kernel::{Error, FieldError, Result};

use yiwang_org::service::department_in;

use crate::repo::{self, CaseRow};
use crate::service::{CaseService, context};

fn fmt_time(t: OffsetDateTime) -> String {
    yiwang_kernel::clock::china_datetime(t)
}

fn fmt_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn start_of(d: Date) -> OffsetDateTime {
    d.midnight()
        .assume_offset(CHINA_OFFSET)
        .to_offset(time::UtcOffset::UTC)
}

impl CaseService {
    /// Process data of `[from, to]` as JSON lines (`case.export`, audited: the rows carry the
    /// applicants' full identifiers as the exchange requires).
    pub async fn export_process_data(&self, ctx: &Ctx, from: Date, to: Date) -> Result<String> {
        ctx.actor.require(Permission::CaseExport)?;
        if to < from || (to - from).whole_days() > 366 {
            return Err(Error::field(FieldError::new(
                "to",
                "range.invalid",
                "结束日期应不早于开始日期，且范围不超过一年",
                "`to` must not be before `from`, and the range at most a year",
            )));
        }
        let scope = ctx.actor.scope_of(Permission::CaseExport);
        let lo = start_of(from);
        let hi = start_of(to.next_day().unwrap_or(to));
        let now = self.clock.now();
        let batch = format!("{}", now.unix_timestamp());
        let common = |table: &str, guid: String| {
            json!({
                "table": table,
                "row_guid": guid,
                "cd_batch": batch,
                "cd_operation": "I",
                "cd_time": fmt_time(now),
                "data_source": self.config.data_source,
            })
        };
        let mut db = self.db.clone();
        let mut out = String::new();
        let mut rows = 0u64;
        let mut push = |v: Value, out: &mut String| {
            out.push_str(&v.to_string());
            out.push('\n');
            rows += 1;
        };

        // up_pro_accept and up_pro_result come from the cases themselves.
        let accepted = repo::export::accepted(&mut db, lo, hi, &scope).await?;
        let mut basic_codes: HashMap<(String, i64), String> = HashMap::new();
        for c in &accepted {
            let (org_name, org_code) = match department_in(&mut db, c.department_id).await? {
                Some(d) => (d.name, d.uscc.as_str().to_string()),
                None => Default::default(),
            };
            let cert = self.keys.open(context::CERT, &c.applicant_cert_enc)?;
            let phone = self.keys.open(context::PHONE, &c.contact_phone_enc)?;
            let accept_user = repo::export::accept_user(&mut db, c.id).await?;
            let key = (c.item_code.clone(), c.item_version);
            let catalog_code = match basic_codes.get(&key) {
                Some(b) => b.clone(),
                None => {
                    let v = self
                        .catalog
                        .version(&Ctx::system("case.export"), &c.item_code, c.item_version)
                        .await?;
                    basic_codes.insert(key, v.elements.basic_code.clone());
                    v.elements.basic_code
                }
            };
            let (contact_type, contact_code) = self.contact_cert(c, &cert).await?;
            let legal = match (c.applicant_type.as_str(), c.org_id) {
                (PERSON, _) | (_, None) => String::new(),
                (_, Some(org)) => self
                    .identity
                    .exchange_legal_representative(org)
                    .await?
                    .unwrap_or_default(),
            };
            let mut v = common("up_pro_accept", format!("{}-A", c.case_no));
            if let Some(o) = v.as_object_mut() {
                for (k, val) in [
                    ("project_no", json!(c.case_no)),
                    ("task_code", json!(c.item_code)),
                    // No 业务办理项 (situations) below an item yet: the item is its own.
                    ("task_handle_item", json!(c.item_code)),
                    ("catalog_code", json!(catalog_code)),
                    ("task_name", json!(c.item_name)),
                    ("task_version", json!(c.item_version)),
                    (
                        "project_name",
                        json!(format!("{}（{}）", c.item_name, c.applicant_name)),
                    ),
                    ("project_type", json!(c.case_type)),
                    ("apply_type", json!(c.channel)),
                    ("apply_date", json!(fmt_time(c.submitted_at))),
                    ("applyer_type", json!(c.applicant_type)),
                    ("applyer_name", json!(c.applicant_name)),
                    ("applyer_page_type", json!(c.applicant_cert_type)),
                    ("applyer_page_code", json!(cert.as_str())),
                    ("contact_name", json!(c.contact_name)),
                    ("contact_type", json!(contact_type)),
                    ("contact_code", json!(contact_code)),
                    ("contact_mobile", json!(phone.as_str())),
                    ("legal", json!(legal)),
                    // Not collected by Yiwang yet: present and empty, as the table requires.
                    ("address", json!("")),
                    ("zip_code", json!("")),
                    ("org_code", json!(org_code)),
                    ("org_name", json!(org_name)),
                    ("handle_user_name", json!(accept_user)),
                    ("accept_date", json!(c.accepted_at.map(fmt_time))),
                    ("accept_doc_no", json!(format!("{}SL", c.case_no))),
                    ("promise_date", json!(c.promised_due.map(fmt_date))),
                ] {
                    o.insert(k.to_string(), val);
                }
            }
            push(v, &mut out);
        }

        let steps = repo::export::steps(&mut db, lo, hi, &scope).await?;
        for s in steps {
            let code = match s.action.as_str() {
                "wf.approved" | "wf.auto_decided" | "wf.reported" => "01",
                "wf.returned" => "02",
                _ => "99",
            };
            let mut v = common("up_pro_process", format!("{}-P{}", s.case_no, s.seq));
            if let Some(o) = v.as_object_mut() {
                for (k, val) in [
                    ("project_no", json!(s.case_no)),
                    ("process_name", json!(s.step_name)),
                    ("event_name", json!(code)),
                    ("event_start_time", json!(fmt_time(s.at))),
                    ("event_end_time", json!(fmt_time(s.at))),
                    ("handle_user_name", json!(s.actor_name)),
                    ("handle_explain", json!(s.opinion)),
                    ("remark", json!(crate::events::describe(&s.action).0)),
                ] {
                    o.insert(k.to_string(), val);
                }
            }
            push(v, &mut out);
        }

        let specials = repo::export::specials(&mut db, lo, hi, &scope).await?;
        for s in specials {
            let mut v = common(
                "up_pro_special_procedure",
                format!("{}-S{}", s.case_no, s.id),
            );
            if let Some(o) = v.as_object_mut() {
                for (k, val) in [
                    ("project_no", json!(s.case_no)),
                    ("special_type", json!(s.special_type)),
                    ("special_name", json!(s.name)),
                    ("special_time", json!(fmt_time(s.started_at))),
                    ("special_reason", json!(s.reason)),
                    ("applyer_user_name", json!(s.started_by)),
                    ("handle_user", json!(s.ended_by)),
                    ("result", json!(s.result)),
                    ("special_explain", json!(s.opinion)),
                    ("end_time", json!(s.ended_at.map(fmt_time))),
                ] {
                    o.insert(k.to_string(), val);
                }
            }
            push(v, &mut out);
        }

        let results = repo::export::results(&mut db, lo, hi, &scope).await?;
        for r in results {
            let mut v = common("up_pro_result", format!("{}-R", r.case_no));
            if let Some(o) = v.as_object_mut() {
                for (k, val) in [
                    ("project_no", json!(r.case_no)),
                    ("result_type", json!(r.result_code)),
                    ("result_date", json!(r.concluded_at.map(fmt_time))),
                    ("result_explain", json!(r.decision_opinion)),
                    ("result_cetr_name", json!("")),
                    ("result_cetr_no", json!("")),
                    (
                        "is_delivery_results",
                        json!(if r.delivery_method.as_deref() == Some("mail") {
                            "1"
                        } else {
                            "0"
                        }),
                    ),
                    ("handle_user_name", json!(r.handler.unwrap_or_default())),
                    // GB/T 39046 A.8 (1 = 非常满意), from the internal scale.
                    ("satisfaction", json!(r.satisfaction.map(|s| s.to_string()))),
                ] {
                    o.insert(k.to_string(), val);
                }
            }
            push(v, &mut out);
        }

        // up_pro_material: each file of an accepted case, reported once — with the acceptance
        // when it came before it, when it was added otherwise (supplements).
        let materials = repo::export::materials(&mut db, lo, hi, &scope).await?;
        for m in materials {
            let mut v = common("up_pro_material", format!("{}-M{}", m.case_no, m.id));
            if let Some(o) = v.as_object_mut() {
                for (k, val) in [
                    ("project_no", json!(m.case_no)),
                    ("material_name", json!(m.entry_name)),
                    ("get_type", json!(GET_TYPE_ELECTRONIC)),
                    ("get_num", json!(1)),
                    ("material_attach_name", json!(m.file_name)),
                    ("remark", json!(material_source(&m.source))),
                ] {
                    o.insert(k.to_string(), val);
                }
            }
            push(v, &mut out);
        }

        let mut tx = self.db.write().await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "case.export", "process-data")
                .source(&ctx.source)
                .data(json!({
                    "from": fmt_date(from),
                    "to": fmt_date(to),
                    "rows": rows,
                })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// 联系人证件类型 and 证件号码: the applicant's own when the contact is the applicant
    /// person; the registered person's ID card when they filed it and are the contact; else
    /// unknown (a contact entered at the window brings no ID).
    async fn contact_cert(&self, c: &CaseRow, applicant_cert: &str) -> Result<(String, String)> {
        if c.applicant_type == PERSON && c.contact_name == c.applicant_name {
            return Ok((c.applicant_cert_type.clone(), applicant_cert.to_string()));
        }
        if let Some(pid) = c.person_id
            && let Some(p) = self.identity.exchange_person(pid).await?
            && p.name == c.contact_name
        {
            return Ok((ID_CARD.to_string(), p.id_number));
        }
        Ok((String::new(), String::new()))
    }
}

/// 申请人类型 of a natural person.
const PERSON: &str = "1";
/// GA/T 2000.156 居民身份证.
const ID_CARD: &str = "111";
/// 收取方式 [U: the code list is not published]: `1` 纸质, `2` 电子. Every material Yiwang
/// holds is an electronic file (uploaded, or scanned at the window).
const GET_TYPE_ELECTRONIC: &str = "2";

fn material_source(source: &str) -> &'static str {
    match source {
        "window" => "窗口收取",
        "supplement" => "补正材料",
        _ => "网上提交",
    }
}
