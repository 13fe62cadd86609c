//! Submission of a bundle application, online (`submit_bundle`) and at a window
//! (`receive_bundle`): the answers decide the parts, the merged form is checked and mapped to
//! every part's item form (checked with the item's own rules), each bundle material is checked
//! against every part's checklist entry it serves. All problems of all parts come back in one
//! answer; otherwise ONE write transaction stores the application, its parts and a case per
//! part that does not wait.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};
use yiwang_audit::{Entry, record};
use yiwang_bundles::model::Holder;
use yiwang_bundles::rules::{self, Answers};
use yiwang_bundles::{ItemSpec, PublishedBundle, Savings, item_spec};
use yiwang_forms::Prefill;
use yiwang_kernel::auth::{Ctx, Permission, Target};
use yiwang_kernel::clock::CHINA_OFFSET;
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::error::Problems;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_vault::mask_id_number;

use super::{BundleApplication, BundleCaseView, FormDoc, PendingMaterial, WaitingForm};
use crate::model::{MaterialRef, WindowApplicant};
use crate::repo::bundles::{self as brepo, BundleCaseRow, PartRow};
use crate::repo::{self, NewMaterial};
use crate::service::base_prefill::Subject;
use crate::service::{
    CaseService, ItemInfo, NewCase, context, idempotency_key, read_applicant, same_request, sorted,
};

/// Who a bundle application is for.
pub(crate) struct Applicant {
    pub applicant_type: &'static str,
    pub name: String,
    pub cert_type: &'static str,
    pub cert: String,
    pub contact_name: String,
    pub phone: String,
    pub person_id: Option<i64>,
    pub org_id: Option<i64>,
}

/// One planned part, checked.
struct ReadyPart {
    key: String,
    info: Arc<ItemInfo>,
    form: Map<String, Value>,
    after: Vec<String>,
    results: Vec<(String, String, String)>,
    materials: Vec<NewMaterial>,
}

/// An application that passed every check.
struct Ready {
    pb: Arc<PublishedBundle>,
    answers: Answers,
    merged: Map<String, Value>,
    parts: Vec<ReadyPart>,
    savings: Savings,
}

/// The bundle number's fixed part: `YJS`, the code's letters and digits upper-case, the date.
fn number_prefix(code: &str, today: time::Date) -> String {
    format!("YJS{}", crate::service::code_date_prefix(code, 24, today))
}

/// What an application asked for, kept with its idempotency key (tickets by their file's SM3).
fn request_digest(input: &BundleApplication) -> String {
    let materials: Vec<Value> = input
        .materials
        .iter()
        .map(|m| {
            let ticket = m.ticket.trim();
            let file = crate::upload::ticket_sha(ticket).unwrap_or_else(|| ticket.to_string());
            json!([m.material.trim(), m.licence.trim(), file])
        })
        .collect();
    let v = json!({
        "bundle": input.bundle.trim(),
        "channel": input.channel.trim(),
        "answers": sorted(&input.answers),
        "form": sorted(&input.form),
        "materials": materials,
    });
    yiwang_files::Sm3Hex::of(v.to_string().as_bytes())
        .as_str()
        .to_string()
}

/// Problems without repeats (one bad file serving three parts is one problem).
fn dedup(errs: Vec<FieldError>) -> Vec<FieldError> {
    let mut out: Vec<FieldError> = Vec::new();
    for e in errs {
        if !out.iter().any(|x| x.field == e.field && x.rule == e.rule) {
            out.push(e);
        }
    }
    out
}

impl CaseService {
    /// An online bundle application by the signed-in person (for themselves, or for the
    /// enterprise they act for when the bundle's holder is an enterprise). With an idempotency
    /// key a retry answers the application the first attempt created (`false`).
    pub async fn submit_bundle(
        &self,
        ctx: &Ctx,
        input: &BundleApplication,
        idem: Option<&str>,
    ) -> Result<(BundleCaseView, bool)> {
        let defs = self.defs()?.clone();
        let who = self.identity.applicant(ctx).await?;
        let label = ctx.actor.label();
        let idem_key = match idem {
            Some(k) => Some(format!("{label}|{}", idempotency_key(k)?)),
            None => None,
        };
        let digest = request_digest(input);
        if let Some(k) = &idem_key
            && let Some((row, first)) = brepo::by_idem(&mut self.db.clone(), k).await?
        {
            same_request(&first, &digest)?;
            // Answered from a commit another request made: on disk before it is confirmed.
            self.db.durable().await?;
            return Ok((self.bundle_view_of(&row).await?, false));
        }
        let pb = defs
            .published(input.bundle.trim())
            .await?
            .ok_or_else(Error::not_found)?;
        match (pb.def.holder, &who.org) {
            (Holder::Org, None) => {
                return Err(Error::new(ErrorCode::NotActingFor).with_detail(
                    "该一件事由企业申请，请先选择代办的企业",
                    "This bundle is applied for by an enterprise; act for one first",
                ));
            }
            (Holder::Person, Some(_)) => {
                return Err(Error::field(FieldError::new(
                    "bundle",
                    "bundle.holder",
                    "该一件事由个人申请，请以本人身份办理",
                    "This bundle is applied for by a person; apply for yourself",
                )));
            }
            _ => {}
        }
        let mut fills = vec![
            (Prefill::ApplicantName, who.name.clone()),
            (Prefill::ApplicantIdNumber, who.id_number.clone()),
            (Prefill::ApplicantPhone, who.phone.clone()),
        ];
        if let Some(o) = &who.org {
            fills.push((Prefill::OrgName, o.name.clone()));
            fills.push((Prefill::OrgUscc, o.uscc.clone()));
        }
        let mut p = Problems::new();
        let channel = match input.channel.trim() {
            "" | "2" => "2",
            "3" => "3",
            _ => {
                p.push(FieldError::one_of("channel", &["2", "3"]));
                "2"
            }
        };
        let ready = self
            .prepare(
                pb,
                input,
                &fills,
                Subject::of(&who),
                &label,
                "application",
                p,
            )
            .await?;
        let applicant = match &who.org {
            Some(o) => Applicant {
                applicant_type: "2",
                name: o.name.clone(),
                cert_type: "001",
                cert: o.uscc.clone(),
                contact_name: who.name.clone(),
                phone: who.phone.clone(),
                person_id: Some(who.person_id),
                org_id: Some(o.org_id),
            },
            None => Applicant {
                applicant_type: "1",
                name: who.name.clone(),
                cert_type: "111",
                cert: who.id_number.clone(),
                contact_name: who.name.clone(),
                phone: who.phone.clone(),
                person_id: Some(who.person_id),
                org_id: None,
            },
        };
        self.write_bundle(ctx, applicant, ready, channel, idem_key, &digest)
            .await
    }

    /// A window clerk (`case.receive`) receives a bundle application for the applicant served
    /// (窗口收件 of a bundle).
    pub async fn receive_bundle(
        &self,
        ctx: &Ctx,
        applicant: &WindowApplicant,
        input: &BundleApplication,
    ) -> Result<BundleCaseView> {
        ctx.actor.require(Permission::CaseReceive)?;
        let defs = self.defs()?.clone();
        let pb = defs
            .published(input.bundle.trim())
            .await?
            .ok_or_else(Error::not_found)?;
        let mut p = Problems::new();
        let served = read_applicant(applicant, self.today(), &mut p);
        let person = served.kind == "person";
        let wanted = if pb.def.holder == Holder::Org {
            "org"
        } else {
            "person"
        };
        if !served.kind.is_empty() && served.kind != wanted {
            p.push(FieldError::one_of("applicant.kind", &[wanted]));
        }
        let mut fills = Vec::new();
        if let (Some(n), Some(c)) = (&served.name, &served.cert) {
            if person {
                fills.push((Prefill::ApplicantName, n.clone()));
                fills.push((Prefill::ApplicantIdNumber, c.clone()));
            } else {
                fills.push((Prefill::OrgName, n.clone()));
                fills.push((Prefill::OrgUscc, c.clone()));
            }
        }
        if let Some(ph) = &served.phone {
            fills.push((Prefill::ApplicantPhone, ph.clone()));
        }
        let subject = match (&served.cert, person) {
            (Some(c), true) => Subject {
                id_number: Some(c.as_str()),
                uscc: None,
            },
            (Some(c), false) => Subject {
                id_number: None,
                uscc: Some(c.as_str()),
            },
            (None, _) => Subject::default(),
        };
        let label = ctx.actor.label();
        let ready = self
            .prepare(pb, input, &fills, subject, &label, "window", p)
            .await?;
        // One window for every part's department within the clerk's reach.
        for rp in &ready.parts {
            let division = DivisionCode::parse(&rp.info.division_code).map_err(Error::field)?;
            ctx.actor.require_on(
                Permission::CaseReceive,
                Target {
                    department_id: Some(rp.info.department_id),
                    division: &division,
                },
            )?;
        }
        let (Some(name), Some(cert), Some(contact), Some(phone)) =
            (served.name, served.cert, served.contact, served.phone)
        else {
            return Err(Error::new(ErrorCode::Validation));
        };
        let (person_id, org_id) = if person {
            (self.identity.person_id_by_id_number(&cert).await?, None)
        } else {
            (None, self.identity.org_id_by_uscc(&cert).await?)
        };
        let applicant = Applicant {
            applicant_type: if person { "1" } else { "2" },
            name,
            cert_type: if person { "111" } else { "001" },
            cert,
            contact_name: contact,
            phone,
            person_id,
            org_id,
        };
        Ok(self
            .write_bundle(ctx, applicant, ready, "1", None, "")
            .await?
            .0)
    }

    /// The facts of the items a definition's applicable parts combine.
    pub(crate) async fn item_specs(
        &self,
        pb: &PublishedBundle,
        answers: Option<&Answers>,
    ) -> Result<(HashMap<String, ItemSpec>, HashMap<String, Arc<ItemInfo>>)> {
        let mut specs = HashMap::new();
        let mut infos = HashMap::new();
        for part in &pb.def.parts {
            let applies = match (answers, &part.when) {
                (Some(a), Some(c)) => rules::holds(c, a),
                _ => true,
            };
            if !applies || infos.contains_key(&part.item) {
                continue;
            }
            let info = self.info(&part.item, None).await?;
            specs.insert(
                part.item.clone(),
                item_spec(&part.item, info.department_id, &info.elements),
            );
            infos.insert(part.item.clone(), info);
        }
        Ok((specs, infos))
    }

    /// Every check of an application; all problems of all parts in one error.
    #[allow(clippy::too_many_arguments)]
    async fn prepare(
        &self,
        pb: Arc<PublishedBundle>,
        input: &BundleApplication,
        fills: &[(Prefill, String)],
        subject: Subject<'_>,
        owner: &str,
        source: &'static str,
        mut p: Problems,
    ) -> Result<Ready> {
        let def = &pb.def;
        let answers = match rules::read_answers(def, &input.answers) {
            Ok(a) => a,
            Err(errs) => {
                p.extend(errs);
                p.into_result()?;
                return Err(Error::new(ErrorCode::Validation));
            }
        };
        let (specs, infos) = self.item_specs(&pb, Some(&answers)).await?;
        let plan = match rules::plan(def, &answers, &specs) {
            Ok(plan) => plan,
            Err(errs) => {
                p.extend(errs);
                p.into_result()?;
                return Err(Error::new(ErrorCode::Validation));
            }
        };
        let today = self.today();
        let asked: Vec<yiwang_forms::FormField> = rules::planned_fields(def, &plan)
            .into_iter()
            .cloned()
            .collect();
        // Values of merged fields only the dropped parts read are left out; a key the bundle
        // does not have is refused (by the validation).
        let offered = match &input.form {
            Value::Object(m) => Value::Object(
                m.iter()
                    .filter(|(k, _)| {
                        asked.iter().any(|f| &f.key == *k)
                            || !def.fields.iter().any(|f| &f.key == *k)
                    })
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            v => v.clone(),
        };
        let merged = match yiwang_forms::validate_on(&asked, &offered, today) {
            Ok(m) => Some(m),
            Err(errs) => {
                // `validate_on` names them `form.<key>`, as `rules::blame` names the items'.
                p.extend(errs);
                None
            }
        };
        // The one set of materials: each bundle material once, each one the plan needs.
        let mut given: HashMap<&str, &super::BundleMaterialRef> = HashMap::new();
        for (i, m) in input.materials.iter().enumerate() {
            let key = m.material.trim();
            if !plan.materials.iter().any(|pm| pm.key == key) {
                p.push(FieldError::new(
                    format!("materials[{i}].material"),
                    "bundle.unknown_material",
                    format!("按您的回答，本次申办不需要材料“{key}”"),
                    format!("With these answers the application needs no material \"{key}\""),
                ));
            } else if given.insert(key, m).is_some() {
                p.push(FieldError::new(
                    format!("materials[{i}].material"),
                    "bundle.material_twice",
                    format!("材料“{key}”只需提交一次"),
                    format!("The material \"{key}\" is handed in once"),
                ));
            }
        }
        let no_results = HashMap::new();
        let mut parts = Vec::new();
        for key in &plan.parts {
            let Some(part) = def.parts.iter().find(|x| &x.key == key) else {
                continue;
            };
            let Some(info) = infos.get(&part.item) else {
                continue;
            };
            let e = &info.elements;
            let mut errs = Vec::new();
            let mut form = Map::new();
            let mut results = Vec::new();
            if let Some(merged) = &merged {
                match rules::map_part(part, merged, &answers, &no_results) {
                    Ok((mapped, pending)) => {
                        let mut item = e.clone();
                        item.form = rules::without_pending(&e.form, &pending);
                        let mut fills = fills.to_vec();
                        fills.extend(self.base_fills(subject, &e.form).await?);
                        let mut pp = Problems::new();
                        form =
                            Self::check_form(&item, &Value::Object(mapped), &fills, today, &mut pp);
                        if let Err(err) = pp.into_result() {
                            errs.extend(err.fields.into_iter().map(|mut f| {
                                if let Some(rest) = f.field.strip_prefix("form.") {
                                    f.field = rest.to_string();
                                }
                                rules::blame(part, f)
                            }));
                        }
                        for m in &part.fields {
                            if let yiwang_bundles::model::Source::Result { part: from, value } =
                                &m.from
                                && pending.contains(&m.to)
                            {
                                results.push((m.to.clone(), from.clone(), value.clone()));
                            }
                        }
                    }
                    Err(es) => errs.extend(es),
                }
            }
            let refs: Vec<(MaterialRef, String)> = part
                .materials
                .iter()
                .filter_map(|mm| {
                    given.get(mm.material.as_str()).map(|r| {
                        (
                            MaterialRef {
                                entry: mm.entry.clone(),
                                ticket: r.ticket.clone(),
                                licence: r.licence.clone(),
                            },
                            mm.material.clone(),
                        )
                    })
                })
                .collect();
            let only: Vec<MaterialRef> = refs.iter().map(|r| r.0.clone()).collect();
            let replaced = self.replacements(subject, &e.materials).await?;
            let mut pp = Problems::new();
            let materials =
                self.check_materials(owner, e, &only, &replaced, 0, true, source, &mut pp)?;
            if let Err(err) = pp.into_result() {
                for mut f in err.fields {
                    let bundle_key = if let Some(rest) = f.field.strip_prefix("materials[") {
                        rest.split(']')
                            .next()
                            .and_then(|i| i.parse::<usize>().ok())
                            .and_then(|i| refs.get(i))
                            .map(|r| r.1.clone())
                    } else {
                        f.field.strip_prefix("materials.").and_then(|entry| {
                            part.materials
                                .iter()
                                .find(|mm| mm.entry == entry)
                                .map(|mm| mm.material.clone())
                        })
                    };
                    f.field = match bundle_key {
                        Some(k) => format!("materials.{k}"),
                        None => format!("parts.{}.{}", part.key, f.field),
                    };
                    errs.push(f);
                }
            }
            p.extend(errs);
            parts.push(ReadyPart {
                key: part.key.clone(),
                info: info.clone(),
                form,
                after: part.after.clone(),
                results,
                materials,
            });
        }
        if !p.is_empty() {
            let all = match p.into_result() {
                Err(e) => e.fields,
                Ok(()) => Vec::new(),
            };
            return Err(Error::validation(dedup(all)));
        }
        let savings = rules::savings(def, &plan, &specs);
        Ok(Ready {
            pb,
            answers,
            merged: merged.unwrap_or_default(),
            parts,
            savings,
        })
    }

    /// Writes an application in one transaction: its row, one row per part, a case per part
    /// that does not wait (the same materials attached to each that needs them).
    async fn write_bundle(
        &self,
        ctx: &Ctx,
        who: Applicant,
        ready: Ready,
        channel: &'static str,
        idem_key: Option<String>,
        digest: &str,
    ) -> Result<(BundleCaseView, bool)> {
        let now = self.clock.now();
        let today = now.to_offset(CHINA_OFFSET).date();
        let def = &ready.pb.def;
        let cal = self.calendar.current().await?;
        let promised_due = cal.add_working_days(today, def.promised_days).ok();
        let mut doc = FormDoc {
            fields: ready.merged.clone(),
            ..FormDoc::default()
        };
        for rp in ready.parts.iter().filter(|rp| !rp.after.is_empty()) {
            doc.waiting.insert(
                rp.key.clone(),
                WaitingForm {
                    form: rp.form.clone(),
                    results: rp.results.clone(),
                },
            );
        }
        let doc_json = serde_json::to_string(&doc).map_err(Error::internal)?;
        let answers = serde_json::to_string(&ready.answers).map_err(Error::internal)?;
        let savings = serde_json::to_string(&ready.savings).map_err(Error::internal)?;
        let mut row = BundleCaseRow {
            id: 0,
            bundle_no: String::new(),
            bundle_id: ready.pb.id,
            bundle_code: ready.pb.code.clone(),
            bundle_version: ready.pb.version,
            bundle_name: def.name.clone(),
            applicant_type: who.applicant_type.to_string(),
            applicant_name: who.name.clone(),
            applicant_cert_type: who.cert_type.to_string(),
            applicant_cert_enc: self.keys.seal(context::BUNDLE_CERT, &who.cert)?,
            applicant_cert_idx: self.keys.blind_index(context::BUNDLE_CERT, &who.cert)?,
            applicant_cert_mask: if who.cert_type == "111" {
                mask_id_number(&who.cert)
            } else {
                who.cert.clone()
            },
            contact_name: who.contact_name.clone(),
            contact_phone_enc: self.keys.seal(context::BUNDLE_PHONE, &who.phone)?,
            person_id: who.person_id,
            org_id: who.org_id,
            submitted_by: ctx.actor.label(),
            channel: channel.to_string(),
            answers,
            form_enc: self.keys.seal(context::BUNDLE_FORM, &doc_json)?,
            savings,
            status: "handling".to_string(),
            outcome: None,
            promised_days: i64::from(def.promised_days),
            promised_due,
            submitted_at: now,
            concluded_at: None,
            idem_key,
            revision: 1,
            updated_at: now,
        };
        let mut tx = self.db.write().await?;
        if let Some(k) = &row.idem_key
            && let Some((existing, first)) = brepo::by_idem(&mut tx, k).await?
        {
            tx.rollback().await?;
            same_request(&first, digest)?;
            self.db.durable().await?;
            return Ok((self.bundle_view_of(&existing).await?, false));
        }
        let prefix = number_prefix(&row.bundle_code, today);
        let seq = repo::next_sequence(&mut tx, &prefix).await?;
        row.bundle_no = format!("{prefix}{seq:06}");
        row.id = match brepo::insert(&mut tx, &row, digest).await {
            Ok(id) => id,
            Err(e) if e.code == ErrorCode::Duplicate && row.idem_key.is_some() => {
                tx.rollback().await?;
                let k = row.idem_key.clone().unwrap_or_default();
                let (existing, first) = brepo::by_idem(&mut self.db.clone(), &k)
                    .await?
                    .ok_or_else(|| Error::internal("idempotent bundle application vanished"))?;
                same_request(&first, digest)?;
                return Ok((self.bundle_view_of(&existing).await?, false));
            }
            Err(e) => return Err(e),
        };
        let action = if channel == "1" {
            "received"
        } else {
            "submitted"
        };
        let sealed_empty = self.keys.seal(context::BUNDLE_RESULT, "{}")?;
        for (i, rp) in ready.parts.iter().enumerate() {
            let waits = !rp.after.is_empty();
            let names: Vec<String> = rp
                .after
                .iter()
                .map(|k| part_name(&ready.pb, k, &ready.parts))
                .collect();
            let mut part = PartRow {
                id: 0,
                bundle_case_id: row.id,
                seq: i as i64 + 1,
                part_key: rp.key.clone(),
                item_code: rp.info.code.clone(),
                department_id: rp.info.department_id,
                state: if waits { "waiting" } else { "started" }.to_string(),
                case_no: None,
                after_parts: serde_json::to_string(&rp.after).map_err(Error::internal)?,
                pending: "[]".to_string(),
                reason_zh: String::new(),
                reason_en: String::new(),
                decision: None,
                result_identifier: None,
                result_type: String::new(),
                result_enc: sealed_empty.clone(),
                started_at: None,
                ended_at: None,
            };
            if waits {
                let pending: Vec<PendingMaterial> =
                    rp.materials.iter().map(PendingMaterial::of).collect();
                part.pending = serde_json::to_string(&pending).map_err(Error::internal)?;
                part.reason_zh = format!("等待“{}”准予后自动启动", names.join("”“"));
                part.reason_en = format!(
                    "starts by itself once \"{}\" is granted",
                    names.join("\", \"")
                );
            } else {
                let mut case = self.new_row(
                    &rp.info,
                    NewCase {
                        channel,
                        applicant_type: who.applicant_type,
                        name: who.name.clone(),
                        cert_type: who.cert_type,
                        cert: who.cert.clone(),
                        contact_name: who.contact_name.clone(),
                        phone: who.phone.clone(),
                        person_id: who.person_id,
                        org_id: who.org_id,
                        submitted_by: ctx.actor.label(),
                        form: rp.form.clone(),
                        idem_key: None,
                    },
                )?;
                case.bundle_no = Some(row.bundle_no.clone());
                self.create_in(&mut tx, ctx, &mut case, &rp.materials, action, "")
                    .await?;
                part.case_no = Some(case.case_no);
                part.started_at = Some(now);
            }
            brepo::insert_part(&mut tx, &part).await?;
        }
        if ctx.actor.staff().is_some() {
            record(
                &mut tx,
                &Entry::success(
                    &ctx.actor,
                    "bundle_case.receive",
                    format!("bundle_case:{}", row.bundle_no),
                )
                .source(&ctx.source)
                .data(json!({ "bundle": row.bundle_code, "parts": ready.parts.len() })),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok((self.bundle_view_of(&row).await?, true))
    }

    /// Merged-field values for the signed-in applicant: a merged field is prefilled when some
    /// item field it maps to (unchanged) declares a prefill the applicant has.
    pub async fn bundle_prefill(&self, ctx: &Ctx, code: &str) -> Result<Map<String, Value>> {
        let defs = self.defs()?.clone();
        let who = self.identity.applicant(ctx).await?;
        let pb = defs
            .published(code.trim())
            .await?
            .ok_or_else(Error::not_found)?;
        let (_, infos) = self.item_specs(&pb, None).await?;
        let mut fills = vec![
            (Prefill::ApplicantName, who.name.clone()),
            (Prefill::ApplicantIdNumber, who.id_number.clone()),
            (Prefill::ApplicantPhone, who.phone.clone()),
        ];
        if let Some(o) = &who.org {
            fills.push((Prefill::OrgName, o.name.clone()));
            fills.push((Prefill::OrgUscc, o.uscc.clone()));
        }
        let mut out = Map::new();
        for part in &pb.def.parts {
            let Some(info) = infos.get(&part.item) else {
                continue;
            };
            fills.extend(
                self.base_fills(Subject::of(&who), &info.elements.form)
                    .await?,
            );
            for m in &part.fields {
                let yiwang_bundles::model::Source::Field {
                    field,
                    transform: None,
                } = &m.from
                else {
                    continue;
                };
                let pre = info
                    .elements
                    .form
                    .iter()
                    .find(|f| f.key == m.to)
                    .and_then(|f| f.prefill.as_ref());
                if let Some(pre) = pre
                    && let Some((_, v)) = fills.iter().find(|(k, _)| k == pre)
                    && !out.contains_key(field)
                {
                    out.insert(field.clone(), Value::String(v.clone()));
                }
            }
        }
        Ok(out)
    }
}

/// The shown name of a part: its own, else its item's.
fn part_name(pb: &PublishedBundle, key: &str, parts: &[ReadyPart]) -> String {
    let own = pb
        .def
        .parts
        .iter()
        .find(|p| p.key == key)
        .map(|p| p.name.trim().to_string())
        .unwrap_or_default();
    if !own.is_empty() {
        return own;
    }
    parts
        .iter()
        .find(|p| p.key == key)
        .map(|p| p.info.elements.name.clone())
        .unwrap_or_else(|| key.to_string())
}
