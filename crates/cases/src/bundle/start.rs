//! The hook of a part's end (called by [`CaseService::save_change`] in the transition's own
//! transaction): the part ends with its decision and result; every waiting part whose
//! earlier parts were all granted starts, its item form taking the values of their results
//! and checked again (a failure cancels the part with the reason, never a half-made case);
//! a part whose earlier part was refused or withdrawn is cancelled; when every part ended the
//! application concludes with its outcome.

use std::collections::HashMap;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use yiwang_bundles::ResultValues;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::CHINA_OFFSET;
use yiwang_kernel::error::Problems;
use yiwang_kernel::{Error, ErrorCode, Result};
use yiwang_store::Tx;

use super::{FormDoc, PendingMaterial};
use crate::model::{Decision, Status};
use crate::repo::bundles::{self as brepo, BundleCaseRow, PartRow};
use crate::service::{CaseService, Change, NewCase, context};

/// A part that ended (nothing more happens to it).
pub(crate) fn part_over(state: &str) -> bool {
    matches!(state, "concluded" | "withdrawn" | "cancelled")
}

fn granted(p: &PartRow) -> bool {
    p.state == "concluded" && p.decision.as_deref() == Some(Decision::Grant.as_str())
}

impl CaseService {
    /// A bundle part's case reached its end in transition `c`.
    pub(crate) async fn part_ended(&self, c: &mut Change) -> Result<()> {
        let Some(no) = c.row.bundle_no.clone() else {
            return Ok(());
        };
        brepo::lock(&mut c.tx, &no).await?;
        let Some(mut b) = brepo::by_no(&mut c.tx, &no).await? else {
            return Ok(());
        };
        let mut parts = brepo::parts(&mut c.tx, b.id).await?;
        let Some(i) = parts
            .iter()
            .position(|p| p.case_no.as_deref() == Some(c.row.case_no.as_str()))
        else {
            return Ok(());
        };
        let status = c.row.status()?;
        let opinion = c
            .events
            .iter()
            .rev()
            .find(|e| !e.opinion.is_empty())
            .map(|e| e.opinion.clone())
            .unwrap_or_default();
        {
            let p = &mut parts[i];
            p.ended_at = Some(c.now);
            match status {
                Status::Withdrawn => {
                    p.state = "withdrawn".into();
                    p.reason_zh = "申请人已撤回".into();
                    p.reason_en = "withdrawn by the applicant".into();
                }
                Status::NotAccepted => {
                    p.state = "concluded".into();
                    p.decision = Some(Decision::Refuse.as_str().into());
                    p.reason_zh = format!("不予受理：{opinion}");
                    p.reason_en = format!("not accepted: {opinion}");
                }
                _ => {
                    p.state = "concluded".into();
                    p.decision = c.row.decision.clone();
                    if c.row.decision.as_deref() == Some(Decision::Refuse.as_str()) {
                        p.reason_zh = format!("不予许可：{}", c.row.decision_opinion);
                        p.reason_en = format!("refused: {}", c.row.decision_opinion);
                    }
                }
            }
            if let Some(l) = &c.issued {
                let mut face = match &l.face {
                    Value::Object(m) => m.clone(),
                    _ => Map::new(),
                };
                if !face.contains_key("number") && !l.number.is_empty() {
                    face.insert("number".into(), Value::String(l.number.clone()));
                }
                let values = json!({ "identifier": l.identifier, "face": face });
                p.result_identifier = Some(l.identifier.clone());
                p.result_type = l.type_name.clone();
                p.result_enc = self
                    .keys
                    .seal(context::BUNDLE_RESULT, &values.to_string())?;
            }
            brepo::save_part(&mut c.tx, p).await?;
        }
        self.advance(&mut c.tx, &mut b, &mut parts, c.now).await
    }

    /// Starts or cancels the waiting parts that can move, until none can; then settles the
    /// application (concluded once every part ended) and saves it.
    pub(crate) async fn advance(
        &self,
        tx: &mut Tx,
        b: &mut BundleCaseRow,
        parts: &mut [PartRow],
        now: OffsetDateTime,
    ) -> Result<()> {
        loop {
            let mut moved = false;
            for i in 0..parts.len() {
                if parts[i].state != "waiting" {
                    continue;
                }
                let after: Vec<String> =
                    serde_json::from_str(&parts[i].after_parts).unwrap_or_default();
                let before: Vec<&PartRow> = parts
                    .iter()
                    .filter(|p| after.contains(&p.part_key))
                    .collect();
                let failed = before
                    .iter()
                    .find(|p| part_over(&p.state) && !granted(p))
                    .map(|p| p.part_key.clone());
                if let Some(k) = failed {
                    let name = self.part_label(b, &k).await;
                    let p = &mut parts[i];
                    p.state = "cancelled".into();
                    p.reason_zh = format!("前置事项“{name}”未准予，本事项未启动");
                    p.reason_en = format!("not started: \"{name}\" was not granted");
                    p.ended_at = Some(now);
                    brepo::save_part(tx, p).await?;
                    moved = true;
                } else if before.len() == after.len() && before.iter().all(|p| granted(p)) {
                    let mut results = HashMap::new();
                    for p in &before {
                        results.insert(p.part_key.clone(), self.result_values(p)?);
                    }
                    let mut p = parts[i].clone();
                    self.start_part(tx, b, &mut p, &results, now).await?;
                    brepo::save_part(tx, &p).await?;
                    parts[i] = p;
                    moved = true;
                }
            }
            if !moved {
                break;
            }
        }
        self.settle(tx, b, parts, now).await
    }

    /// The application concludes once every part ended; its revision moves on every change.
    pub(crate) async fn settle(
        &self,
        tx: &mut Tx,
        b: &mut BundleCaseRow,
        parts: &[PartRow],
        now: OffsetDateTime,
    ) -> Result<()> {
        if b.status == "handling" && parts.iter().all(|p| part_over(&p.state)) {
            let n = parts.len();
            let g = parts.iter().filter(|p| granted(p)).count();
            if parts.iter().all(|p| p.state == "withdrawn") {
                b.status = "withdrawn".into();
            } else {
                b.status = "concluded".into();
                b.outcome = Some(
                    if g == n {
                        "granted"
                    } else if g == 0 {
                        "refused"
                    } else {
                        "partly"
                    }
                    .to_string(),
                );
            }
            b.concluded_at = Some(now);
        }
        let expected = b.revision;
        b.revision += 1;
        b.updated_at = now;
        if !brepo::save(tx, b, expected).await? {
            return Err(Error::new(ErrorCode::Conflict).with_detail(
                format!("一件事申办 {} 已被他人更新，请刷新后重试", b.bundle_no),
                format!(
                    "Bundle application {} was changed meanwhile; reload and try again",
                    b.bundle_no
                ),
            ));
        }
        Ok(())
    }

    /// The values of a granted part's result licence.
    fn result_values(&self, p: &PartRow) -> Result<ResultValues> {
        let json = self.keys.open(context::BUNDLE_RESULT, &p.result_enc)?;
        let v: Value = serde_json::from_str(&json).unwrap_or(Value::Null);
        Ok(ResultValues {
            identifier: v["identifier"].as_str().unwrap_or_default().to_string(),
            face: match &v["face"] {
                Value::Object(m) => m.clone(),
                _ => Map::new(),
            },
        })
    }

    /// A part's shown name (its definition's, else the item's code).
    pub(crate) async fn part_label(&self, b: &BundleCaseRow, key: &str) -> String {
        let def = self.def_of(b).await.ok();
        let part = def
            .as_ref()
            .and_then(|d| d.def.parts.iter().find(|p| p.key == key).cloned());
        match part {
            Some(p) if !p.name.trim().is_empty() => p.name,
            Some(p) => match self.info(&p.item, None).await {
                Ok(i) => i.elements.name.clone(),
                Err(_) => p.item,
            },
            None => key.to_string(),
        }
    }

    /// Starts a waiting part: its stored item form with the results' values, checked with the
    /// item form; a case in the same transaction with its kept materials.
    async fn start_part(
        &self,
        tx: &mut Tx,
        b: &BundleCaseRow,
        p: &mut PartRow,
        results: &HashMap<String, ResultValues>,
        now: OffsetDateTime,
    ) -> Result<()> {
        let doc: FormDoc =
            serde_json::from_str(&self.keys.open(context::BUNDLE_FORM, &b.form_enc)?)
                .map_err(|e| Error::internal(format!("stored bundle form unreadable: {e}")))?;
        let waiting = doc.waiting.get(&p.part_key).cloned().unwrap_or_default();
        let mut form = waiting.form;
        for (to, from, value) in &waiting.results {
            if let Some(v) = results.get(from).and_then(|r| r.get(value)) {
                form.insert(to.clone(), Value::String(v));
            }
        }
        let info = self.info(&p.item_code, None).await?;
        let today = now.to_offset(CHINA_OFFSET).date();
        let mut problems = Problems::new();
        let form = Self::check_form(
            &info.elements,
            &Value::Object(form),
            &[],
            today,
            &mut problems,
        );
        if let Err(e) = problems.into_result() {
            let zh: Vec<String> = e
                .fields
                .iter()
                .map(|f| format!("{}：{}", f.field, f.zh))
                .collect();
            let en: Vec<String> = e
                .fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.en))
                .collect();
            p.state = "cancelled".into();
            p.reason_zh = format!("启动时事项表单校验未通过（{}）", zh.join("；"));
            p.reason_en = format!("could not start: the item form failed ({})", en.join("; "));
            p.ended_at = Some(now);
            return Ok(());
        }
        let pending: Vec<PendingMaterial> = serde_json::from_str(&p.pending).unwrap_or_default();
        let materials: Vec<_> = pending.into_iter().map(PendingMaterial::material).collect();
        let cert = self
            .keys
            .open(context::BUNDLE_CERT, &b.applicant_cert_enc)?;
        let phone = self
            .keys
            .open(context::BUNDLE_PHONE, &b.contact_phone_enc)?;
        let online = b.channel != "1";
        let mut case = self.new_row(
            &info,
            NewCase {
                channel: match b.channel.as_str() {
                    "1" => "1",
                    "3" => "3",
                    _ => "2",
                },
                applicant_type: if b.applicant_type == "1" { "1" } else { "2" },
                name: b.applicant_name.clone(),
                cert_type: if b.applicant_cert_type == "111" {
                    "111"
                } else {
                    "001"
                },
                cert: cert.to_string(),
                contact_name: b.contact_name.clone(),
                phone: phone.to_string(),
                person_id: b.person_id,
                org_id: b.org_id,
                submitted_by: b.submitted_by.clone(),
                form,
                idem_key: None,
            },
        )?;
        case.bundle_no = Some(b.bundle_no.clone());
        let sys = Ctx::system("bundles");
        let action = if online { "submitted" } else { "received" };
        self.create_in(tx, &sys, &mut case, &materials, action, "")
            .await?;
        p.state = "started".into();
        p.case_no = Some(case.case_no);
        p.started_at = Some(now);
        p.reason_zh = String::new();
        p.reason_en = String::new();
        Ok(())
    }
}
