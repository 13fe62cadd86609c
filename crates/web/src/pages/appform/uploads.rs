//! Materials: the checklist as upload inputs, licences offered instead of a copy, and the
//! files of a submission uploaded through the cases domain (problems placed on their inputs).

use super::{ErrText, Errs, input_id};
use crate::transfer::Multipart;
use std::collections::BTreeMap;

use serde::Serialize;
use yiwang_cases::{MaterialRef, Replacement};
use yiwang_catalog::model::Material;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::{Error, FieldError};

use crate::AppState;

/// A checklist entry as an upload input.
#[derive(Debug, Clone, Serialize)]
pub struct MaterialView {
    pub key: String,
    pub name: String,
    pub input: String,
    pub id: String,
    /// An upload is required (必要, unconditional, no electronic licence replaces it).
    pub required: bool,
    pub condition: String,
    /// An electronic licence may replace it (可用电子证照免提交).
    pub licence: bool,
    pub notes: String,
    /// A file uploaded on an earlier attempt, kept.
    pub ticket: String,
    pub file_name: String,
    pub error: Option<ErrText>,
    /// The applicant's licences that may stand in for it: (identifier, label).
    pub offers: Vec<(String, String)>,
    /// Base-library data replaces it for this applicant (数据代替材料): what the page says
    /// instead of asking for a file.
    pub replaced: Option<String>,
    /// The base library that may replace it (`population`, `legal_person`): at a window,
    /// whether it does is known once the applicant is named.
    pub replaceable: String,
}

/// The signed-in applicant's valid licences — (type code, identifier, label), offered for
/// entries an electronic licence may replace (免证办) — and the entries the base libraries
/// replace for them (数据代替材料: the cases domain decides which).
pub async fn material_extras(
    state: &AppState,
    ctx: &Ctx,
    materials: &[Material],
) -> Result<(Vec<(String, String, String)>, Vec<Replacement>), Error> {
    let wallet = state
        .licences
        .wallet(ctx)
        .await?
        .into_iter()
        .filter(|l| l.status == "valid")
        .map(|l| {
            let label = format!("{}（{}）", l.type_name, l.number);
            (l.type_code, l.identifier, label)
        })
        .collect();
    let replaced = state.cases.replaced_materials(ctx, materials).await?;
    Ok((wallet, replaced))
}

/// Marks the entries base-library data replaces for the signed-in applicant: no upload asked,
/// the replacement said (the others are asked as before: the answer is known).
pub fn mark_replaced(views: &mut [MaterialView], replaced: &[Replacement], lang: Lang) {
    for v in views.iter_mut() {
        v.replaceable.clear();
        if let Some(r) = replaced.iter().find(|r| r.entry == v.key) {
            v.required = false;
            v.replaced = Some(lang.pick(&r.zh, &r.en).to_string());
        }
    }
}

/// Whether a checklist entry must be uploaded (the domain's rule).
pub fn must_upload(m: &Material) -> bool {
    m.required && m.condition.trim().is_empty() && m.licence_type.trim().is_empty()
}

pub fn material_views(
    materials: &[Material],
    kept: &BTreeMap<String, (String, String)>,
    errs: &Errs,
) -> Vec<MaterialView> {
    materials
        .iter()
        .map(|m| {
            let input = format!("m.{}", m.key);
            let (ticket, file_name) = kept.get(&m.key).cloned().unwrap_or_default();
            MaterialView {
                key: m.key.clone(),
                name: m.name.clone(),
                id: input_id(&input),
                required: must_upload(m),
                condition: m.condition.clone(),
                licence: !m.licence_type.trim().is_empty(),
                notes: m.notes.clone(),
                ticket,
                file_name,
                error: errs.get(&input).cloned(),
                input,
                offers: Vec::new(),
                replaced: None,
                replaceable: m.replaced_by.trim().to_string(),
            }
        })
        .collect()
}

/// Offers the applicant's licences of the type an entry accepts (免证办).
pub fn offer_licences(
    views: &mut [MaterialView],
    materials: &[Material],
    wallet: &[(String, String, String)],
) {
    for (v, m) in views.iter_mut().zip(materials) {
        let t = m.licence_type.trim();
        if t.is_empty() {
            continue;
        }
        v.offers = wallet
            .iter()
            .filter(|(code, _, _)| code == t)
            .map(|(_, id, label)| (id.clone(), label.clone()))
            .collect();
    }
}

/// What the materials of a submission came to: the references for the domain (in order),
/// the files kept for showing again (entry → ticket and name), and the upload problems.
#[derive(Default)]
pub struct Uploaded {
    pub refs: Vec<MaterialRef>,
    pub kept: BTreeMap<String, (String, String)>,
    pub problems: Vec<FieldError>,
}

impl Uploaded {
    pub fn entries(&self) -> Vec<String> {
        self.refs.iter().map(|r| r.entry.clone()).collect()
    }
}

/// Uploads the files of a multipart form for the checklist `materials` (a new file replaces a
/// kept one); every refusal becomes a problem of its entry.
pub async fn upload_materials(
    state: &AppState,
    ctx: &Ctx,
    materials: &[Material],
    mp: &Multipart,
) -> Uploaded {
    let mut out = Uploaded::default();
    for m in materials {
        let input = format!("m.{}", m.key);
        let file = mp.files.iter().find(|f| f.name == input);
        match file {
            Some(f) => match state.cases.upload(ctx, &f.file_name, f.bytes.clone()).await {
                Ok(t) => {
                    out.kept
                        .insert(m.key.clone(), (t.ticket.clone(), f.file_name.clone()));
                    out.refs.push(MaterialRef {
                        entry: m.key.clone(),
                        ticket: t.ticket,
                        ..Default::default()
                    });
                }
                Err(e) => out.problems.push(upload_problem(&m.key, &f.file_name, &e)),
            },
            None if !mp.get(&format!("l.{}", m.key)).trim().is_empty() => {
                out.refs.push(MaterialRef {
                    entry: m.key.clone(),
                    licence: mp.get(&format!("l.{}", m.key)).trim().to_string(),
                    ..Default::default()
                });
            }
            None => {
                let ticket = mp.get(&format!("t.{}", m.key)).trim();
                if !ticket.is_empty() {
                    out.kept.insert(
                        m.key.clone(),
                        (
                            ticket.to_string(),
                            mp.get(&format!("tn.{}", m.key)).to_string(),
                        ),
                    );
                    out.refs.push(MaterialRef {
                        entry: m.key.clone(),
                        ticket: ticket.to_string(),
                        ..Default::default()
                    });
                }
            }
        }
    }
    out
}

/// A refused upload as a problem of its checklist entry, naming the file, each reason once
/// (the error's message repeats its field problems: they alone are said when there are any).
fn upload_problem(entry: &str, file_name: &str, e: &Error) -> FieldError {
    let detail = |l: Lang| {
        let mut said: Vec<&str> = Vec::new();
        for f in &e.fields {
            if !said.contains(&f.text(l)) {
                said.push(f.text(l));
            }
        }
        let detail = if said.is_empty() {
            e.message(l)
        } else {
            said.join(if l == Lang::Zh { "；" } else { "; " })
        };
        if detail.contains(file_name) {
            detail
        } else if l == Lang::Zh {
            format!("文件“{file_name}”未能上传：{detail}")
        } else {
            format!("File \"{file_name}\" was not uploaded: {detail}")
        }
    };
    FieldError::new(
        format!("materials.{entry}"),
        e.code.as_str(),
        detail(Lang::Zh),
        detail(Lang::En),
    )
}
