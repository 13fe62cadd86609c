//! Window reception (窗口收件): a clerk receives an application on the applicant's behalf, with
//! the same form checks, base-library prefills and material replacements as online.

use yiwang_kernel::auth::{Ctx, Permission, Target};
use yiwang_kernel::codes::{DivisionCode, IdNumber, Uscc};
use yiwang_kernel::error::Problems;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result, text};

use super::CaseService;
use super::base_prefill::Subject;
use super::submit::{NewCase, normalize_phone};
use crate::model::{CaseView, WindowApplicant, WindowApplication};

/// The applicant a window clerk serves, as read from the request (problems in `p`).
pub(crate) struct Served {
    /// `person` or `org`.
    pub kind: String,
    pub name: Option<String>,
    pub cert: Option<String>,
    pub contact: Option<String>,
    pub phone: Option<String>,
}

/// Reads and checks the applicant a window clerk serves.
pub(crate) fn read_applicant(a: &WindowApplicant, today: time::Date, p: &mut Problems) -> Served {
    let kind = a.kind.trim();
    let name = p.take(text::required("applicant.name", &a.name, 100));
    let cert = match kind {
        "person" => p.take(
            IdNumber::parse(&a.cert_no, today)
                .map(|i| i.as_str().to_string())
                .map_err(|e| e.within("applicant.cert_no")),
        ),
        "org" => p.take(
            Uscc::parse(&a.cert_no)
                .map(|u| u.as_str().to_string())
                .map_err(|e| e.within("applicant.cert_no")),
        ),
        _ => {
            p.push(FieldError::one_of("applicant.kind", &["person", "org"]));
            None
        }
    };
    let contact = if a.contact_name.trim().is_empty() {
        name.clone()
    } else {
        p.take(text::required(
            "applicant.contact_name",
            &a.contact_name,
            50,
        ))
    };
    let phone = normalize_phone(&a.contact_phone);
    if phone.is_none() {
        p.push(FieldError::new(
            "applicant.contact_phone",
            "phone.format",
            "联系电话应为手机号码或带区号的固定电话（如 0759-1234567）",
            "The contact phone must be a mobile number or a landline with its area code (e.g. 0759-1234567)",
        ));
    }
    Served {
        kind: kind.to_string(),
        name,
        cert,
        contact,
        phone,
    }
}

impl CaseService {
    /// A window clerk receives an application on the applicant's behalf (窗口收件): one window
    /// for every department of the clerk's division.
    pub async fn receive(&self, ctx: &Ctx, input: &WindowApplication) -> Result<CaseView> {
        ctx.actor.require(Permission::CaseReceive)?;
        let info = self.info(input.item_code.trim(), None).await?;
        let division = DivisionCode::parse(&info.division_code).map_err(Error::field)?;
        ctx.actor.require_on(
            Permission::CaseReceive,
            Target {
                department_id: Some(info.department_id),
                division: &division,
            },
        )?;
        let mut p = Problems::new();
        let today = self.today();
        let served = read_applicant(&input.applicant, today, &mut p);
        let kind = served.kind.as_str();
        let (name, cert, contact, phone) = (served.name, served.cert, served.contact, served.phone);
        let mut fills = Vec::new();
        use yiwang_forms::Prefill;
        if let (Some(n), Some(c)) = (&name, &cert) {
            if kind == "person" {
                fills.push((Prefill::ApplicantName, n.clone()));
                fills.push((Prefill::ApplicantIdNumber, c.clone()));
            } else {
                fills.push((Prefill::OrgName, n.clone()));
                fills.push((Prefill::OrgUscc, c.clone()));
            }
        }
        if let Some(ph) = &phone {
            fills.push((Prefill::ApplicantPhone, ph.clone()));
        }
        // The base libraries' facts about the applicant served: prefills and materials.
        let served = match (&cert, kind) {
            (Some(c), "person") => Subject {
                id_number: Some(c.as_str()),
                uscc: None,
            },
            (Some(c), _) => Subject {
                id_number: None,
                uscc: Some(c.as_str()),
            },
            (None, _) => Subject::default(),
        };
        let replaced = match cert {
            Some(_) => {
                let (library_fills, replaced) = self
                    .applicant_facts(served, &info.elements.form, &info.elements.materials)
                    .await?;
                fills.extend(library_fills);
                replaced
            }
            None => Vec::new(),
        };
        let form = Self::check_form(&info.elements, &input.form, &fills, today, &mut p);
        let label = ctx.actor.label();
        let materials = self.check_materials(
            &label,
            &info.elements,
            &input.materials,
            &replaced,
            0,
            true,
            "window",
            &mut p,
        )?;
        p.into_result()?;
        let (Some(name), Some(cert), Some(contact), Some(phone)) = (name, cert, contact, phone)
        else {
            return Err(Error::new(ErrorCode::Validation));
        };
        let (person_id, org_id) = if kind == "person" {
            (self.identity.person_id_by_id_number(&cert).await?, None)
        } else {
            (None, self.identity.org_id_by_uscc(&cert).await?)
        };
        let shown = form.clone();
        let row = self.new_row(
            &info,
            NewCase {
                channel: "1",
                applicant_type: if kind == "person" { "1" } else { "2" },
                name,
                cert_type: if kind == "person" { "111" } else { "001" },
                cert,
                contact_name: contact,
                phone,
                person_id,
                org_id,
                submitted_by: label,
                form,
                idem_key: None,
            },
        )?;
        Ok(self
            .create(ctx, row, shown, materials, "received", "")
            .await?
            .0)
    }
}
