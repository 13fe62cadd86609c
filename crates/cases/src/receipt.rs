//! The acceptance receipt (受理回执) the window prints: after window reception (窗口收件, then
//! titled 收件回执) and after acceptance (受理回执). One A4 page drawn with the licence PDF
//! writer (`yiwang_licences::pdf::writer`: STSong-Light through UniGB-UCS2-H, nothing
//! embedded): the platform and the department, the case number with its QR code, the item,
//! the applicant with the certificate number masked, the materials received, the acceptance
//! date, the promised completion date, the hotlines and the progress-query address.
//!
//! Rules:
//! * Who: staff (or a department system) holding `case.receive` over the case (the window's
//!   job); outside the reach of `case.read` the case answers like an unknown number, within it
//!   but without `case.receive` the refusal is `forbidden`; both audited as `auth.denied`.
//!   Every receipt printed is audited (`case.receipt`).
//! * When: a case refused (不予受理) has no receipt (its decision letter is another document);
//!   a case withdrawn or concluded before acceptance neither.
//! * The promised date: an accepted case's own (`promised_due`, computed through the calendar
//!   with its pauses and extensions). Not yet accepted: the date it would have if accepted
//!   today (counting from tomorrow), labelled so. A calendar year that is not loaded prints a
//!   sentence instead of a guessed date.
//! * The page depends only on its inputs: the same receipt and time give the same bytes.

use serde_json::json;
use time::{Date, OffsetDateTime};
use yiwang_audit::{Entry, record_now};
use yiwang_kernel::auth::{Ctx, Permission, Target};
use yiwang_kernel::clock::{CHINA_OFFSET, ymd};
use yiwang_kernel::{Error, Result};
use yiwang_licences::pdf::writer::{Content, MARGIN, PAGE_H, PAGE_W, document, wrap, wrap_mono};
use yiwang_licences::pdf::{china_time, qr_matrix};

use crate::deadline::{self, Limit, Unit};
use crate::model::Status;
use crate::repo;
use crate::service::{CaseService, invalid_state};

/// Where the receipt is printed: the platform's name and public address (the progress query
/// is `{public_url}/progress`).
#[derive(Debug, Clone)]
pub struct Site {
    pub platform: String,
    pub public_url: String,
}

/// What a receipt says, as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub platform: String,
    pub department: String,
    pub case_no: String,
    pub item_name: String,
    pub applicant_name: String,
    /// Masked.
    pub applicant_cert: String,
    /// Material names, each with how many files were received.
    pub materials: Vec<(String, usize)>,
    /// Set once accepted (受理回执); `None` before acceptance (收件回执).
    pub accepted_on: Option<Date>,
    pub received_on: Date,
    /// The promised completion date; `None` when the calendar cannot tell.
    pub promised_due: Option<Date>,
    /// The promised limit as the item states it (e.g. `5 个工作日`).
    pub promised_limit: String,
    pub consult_phone: String,
    pub supervise_phone: String,
    pub progress_url: String,
}

fn unit_zh(code: &str) -> &'static str {
    match Unit::parse(code) {
        Unit::WorkingDays => "个工作日",
        Unit::CalendarDays => "个自然日",
        Unit::Hours => "小时",
        Unit::Months => "个月",
        Unit::Years => "年",
    }
}

/// Whether a case in `status` (accepted on `accept_date`) has a receipt at all.
fn has_receipt(status: Status, accepted: bool) -> bool {
    status != Status::NotAccepted
        && (accepted || matches!(status, Status::Submitted | Status::Supplement))
}

impl CaseService {
    /// Whether the pages should offer `ctx` the receipt of the case `v` it sees: the same rule
    /// as [`CaseService::receipt`].
    pub fn receipt_offered(&self, ctx: &Ctx, v: &crate::model::CaseView) -> bool {
        let Ok(division) = yiwang_kernel::codes::DivisionCode::parse(&v.division_code) else {
            return false;
        };
        ctx.actor.may_on(
            Permission::CaseReceive,
            Target {
                department_id: Some(v.department_id),
                division: &division,
            },
        ) && has_receipt(v.status, v.accepted_at.is_some())
    }

    /// The receipt of case `case_no` as a PDF, and what it says. Audited.
    pub async fn receipt(&self, ctx: &Ctx, case_no: &str, site: &Site) -> Result<Vec<u8>> {
        let r = self.receipt_data(ctx, case_no, site).await?;
        let now = self.clock.now();
        let pdf =
            receipt_pdf(&r, now).map_err(|e| Error::internal(format!("receipt PDF: {}", e.0)))?;
        record_now(
            &self.db,
            &Entry::success(&ctx.actor, "case.receipt", format!("case:{}", r.case_no))
                .source(&ctx.source)
                .data(json!({
                    "accepted": r.accepted_on.is_some(),
                    "promised_due": r.promised_due.map(ymd),
                })),
            now,
        )
        .await?;
        Ok(pdf)
    }

    /// What the receipt of `case_no` says (reach and state checked, nothing audited on
    /// success).
    pub async fn receipt_data(&self, ctx: &Ctx, case_no: &str, site: &Site) -> Result<Receipt> {
        let mut db = self.db.clone();
        let row = repo::by_no(&mut db, case_no.trim())
            .await?
            .ok_or_else(Error::not_found)?;
        if !self.may_read(ctx, &row) {
            return Err(self.hidden(ctx, &row.case_no, "case.receipt").await);
        }
        let division = yiwang_kernel::codes::DivisionCode::parse(&row.division_code)
            .map_err(|_| Error::internal("stored case division is invalid"))?;
        if !ctx.actor.may_on(
            Permission::CaseReceive,
            Target {
                department_id: Some(row.department_id),
                division: &division,
            },
        ) {
            return Err(self.denied(ctx, &row.case_no, "case.receipt").await);
        }
        let status = row.status()?;
        if status == Status::NotAccepted {
            return Err(invalid_state(
                "不予受理的办件没有受理回执（请出具不予受理决定书）",
                "A case refused acceptance has no acceptance receipt (issue the refusal decision instead)",
            ));
        }
        if !has_receipt(status, row.accept_date.is_some()) {
            return Err(invalid_state(
                "办件未经受理即已结束，没有回执",
                "The case ended before it was accepted; it has no receipt",
            ));
        }
        let info = self.info(&row.item_code, Some(row.item_version)).await?;
        let e = &info.elements;
        let today = self.today();
        let promised_due = match (row.accept_date, row.promised_due) {
            (Some(_), Some(d)) => Some(d),
            (accepted, _) => {
                let cal = self.calendar.current().await?;
                deadline::due(
                    &cal,
                    accepted.unwrap_or(today),
                    Limit {
                        amount: row.promised_days.unwrap_or(e.promised_limit).max(0),
                        unit: Unit::parse(&e.promised_unit),
                    },
                    row.extension_days,
                    &[],
                    today,
                )
                .ok()
            }
        };
        let mut materials: Vec<(String, usize)> = Vec::new();
        for m in repo::materials(&mut db, row.id).await? {
            let name = if m.entry_name.is_empty() {
                m.file_name.clone()
            } else {
                m.entry_name.clone()
            };
            match materials.iter_mut().find(|(n, _)| *n == name) {
                Some((_, k)) => *k += 1,
                None => materials.push((name, 1)),
            }
        }
        let limit = row.promised_days.unwrap_or(e.promised_limit).max(0);
        Ok(Receipt {
            platform: site.platform.clone(),
            department: e.department_name.clone(),
            case_no: row.case_no.clone(),
            item_name: row.item_name.clone(),
            applicant_name: row.applicant_name.clone(),
            applicant_cert: row.applicant_cert_mask.clone(),
            materials,
            accepted_on: row.accept_date,
            received_on: row.submitted_at.to_offset(CHINA_OFFSET).date(),
            promised_due,
            promised_limit: if limit == 0 {
                "即办".to_string()
            } else {
                format!("{limit} {}", unit_zh(&e.promised_unit))
            },
            consult_phone: e.consult_phone.clone(),
            supervise_phone: e.supervise_phone.clone(),
            progress_url: format!("{}/progress", site.public_url.trim_end_matches('/')),
        })
    }
}

/// The QR code's module size in points and its quiet zone in modules.
const MODULE: f64 = 3.0;
const QUIET: usize = 4;

/// The receipt on one A4 page, printed at `at`.
pub fn receipt_pdf(
    r: &Receipt,
    at: OffsetDateTime,
) -> Result<Vec<u8>, yiwang_licences::pdf::PdfError> {
    let mut c = Content::default();
    let title = if r.accepted_on.is_some() {
        "受理回执"
    } else {
        "收件回执"
    };
    let mut y = PAGE_H - 72.0;
    c.grey();
    c.text_centered(&r.platform, 11.0, y);
    c.black();
    y -= 30.0;
    c.text_centered(title, 22.0, y);
    y -= 22.0;
    c.grey();
    c.text_centered(&r.department, 11.0, y);
    c.black();
    y -= 30.0;
    let value_x = MARGIN + 120.0;
    let full_w = PAGE_W - MARGIN - value_x;
    let row = |c: &mut Content, y: &mut f64, label: &str, value: &str, w: f64, mono: bool| {
        let lines = if mono {
            wrap_mono(value, 10.0, w)
        } else {
            wrap(value, 12.0, w)
        };
        c.grey();
        c.text(label, 12.0, MARGIN, *y);
        c.black();
        for line in lines {
            if mono {
                c.mono(&line, 10.0, value_x, *y);
            } else {
                c.text(&line, 12.0, value_x, *y);
            }
            *y -= 18.0;
        }
        *y -= 4.0;
    };
    row(&mut c, &mut y, "办件编号", &r.case_no, full_w, true);
    // The case number's QR code, right, beside the next rows.
    let (n, dark) = qr_matrix(&r.case_no)?;
    let side = (n + 2 * QUIET) as f64 * MODULE;
    let qx = PAGE_W - MARGIN - side;
    let qy = y - side + 12.0;
    c.qr(n, &dark, qx, qy, MODULE, QUIET);
    let top_w = qx - value_x - 10.0;
    row(&mut c, &mut y, "事项名称", &r.item_name, top_w, false);
    row(
        &mut c,
        &mut y,
        "申请人",
        &format!("{}（证件号码 {}）", r.applicant_name, r.applicant_cert),
        top_w,
        false,
    );
    row(
        &mut c,
        &mut y,
        "收件日期",
        &ymd(r.received_on),
        top_w,
        false,
    );
    y = y.min(qy - 10.0);
    let (accepted, promised_label) = match r.accepted_on {
        Some(d) => (ymd(d), "承诺办结日期"),
        None => ("尚未受理".to_string(), "承诺办结日期（按今日受理计）"),
    };
    row(&mut c, &mut y, "受理日期", &accepted, full_w, false);
    let promised = match r.promised_due {
        Some(d) => format!(
            "{}（承诺时限 {}，自受理次日起算）",
            ymd(d),
            r.promised_limit
        ),
        None => format!(
            "承诺时限 {}，自受理次日起算（工作日历缺少该年度安排，日期以办理部门通知为准）",
            r.promised_limit
        ),
    };
    c.grey();
    c.text(promised_label, 12.0, MARGIN, y);
    c.black();
    y -= 18.0;
    for line in wrap(&promised, 12.0, PAGE_W - 2.0 * MARGIN) {
        c.text(&line, 12.0, MARGIN, y);
        y -= 18.0;
    }
    y -= 8.0;
    c.text("已收取的申请材料", 13.0, MARGIN, y);
    y -= 20.0;
    if r.materials.is_empty() {
        c.text("（无）", 12.0, MARGIN + 12.0, y);
        y -= 18.0;
    }
    let floor = 190.0;
    for (i, (name, files)) in r.materials.iter().enumerate() {
        if y < floor {
            c.text(
                &format!("……另有 {} 项，见办件材料清单", r.materials.len() - i),
                11.0,
                MARGIN + 12.0,
                y,
            );
            y -= 18.0;
            break;
        }
        for (k, line) in wrap(
            &format!("{}. {}（{} 份文件）", i + 1, name, files),
            12.0,
            PAGE_W - 2.0 * MARGIN - 12.0,
        )
        .into_iter()
        .enumerate()
        {
            c.text(&line, 12.0, MARGIN + if k == 0 { 12.0 } else { 28.0 }, y);
            y -= 18.0;
        }
    }
    // The bottom: where to ask and where to follow the case.
    let mut by = 150.0_f64.min(y - 10.0);
    c.push(&format!(
        "q 0.6 g 0.5 w {MARGIN:.2} {:.2} m {:.2} {:.2} l S Q\n",
        by + 16.0,
        PAGE_W - MARGIN,
        by + 16.0
    ));
    let consult = if r.consult_phone.trim().is_empty() {
        "12345".to_string()
    } else {
        r.consult_phone.trim().to_string()
    };
    let supervise = if r.supervise_phone.trim().is_empty() {
        "12345".to_string()
    } else {
        r.supervise_phone.trim().to_string()
    };
    c.text(
        &format!("咨询电话：{consult}    监督投诉电话：{supervise}（政务服务便民热线 12345）"),
        11.0,
        MARGIN,
        by,
    );
    by -= 18.0;
    c.text(
        "办理进度查询：凭办件编号和申请人证件号码或联系电话，访问",
        11.0,
        MARGIN,
        by,
    );
    by -= 16.0;
    for line in wrap_mono(&r.progress_url, 10.0, PAGE_W - 2.0 * MARGIN) {
        c.mono(&line, 10.0, MARGIN, by);
        by -= 14.0;
    }
    by -= 6.0;
    c.grey();
    for line in wrap(
        "请妥善保管本回执。办理结果将按您选择的方式送达；如需补正材料，我们将一次性告知。",
        9.5,
        PAGE_W - 2.0 * MARGIN,
    ) {
        c.text(&line, 9.5, MARGIN, by);
        by -= 14.0;
    }
    c.text(&format!("打印时间：{}", china_time(at)), 9.5, MARGIN, by);
    c.black();
    Ok(document(&c.0, &format!("{title} {}", r.case_no), at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn sample(accepted: bool) -> Receipt {
        Receipt {
            platform: "湛江市政务服务网".into(),
            department: "湛江市公安局".into(),
            case_no: "44080011440800MB2C12345X0000000000001202612010001".into(),
            item_name: "户口迁移".into(),
            applicant_name: "张三".into(),
            applicant_cert: "4408**********1234".into(),
            materials: vec![("居民身份证".into(), 2), ("户口簿".into(), 1)],
            accepted_on: accepted.then_some(date!(2026 - 12 - 01)),
            received_on: date!(2026 - 12 - 01),
            promised_due: Some(date!(2026 - 12 - 08)),
            promised_limit: "5 个工作日".into(),
            consult_phone: "0759-1234567".into(),
            supervise_phone: String::new(),
            progress_url: "https://zwfw.example.cn/progress".into(),
        }
    }

    #[test]
    fn the_receipt_is_one_pdf_page_with_the_case_number_and_its_qr_code() {
        let at = datetime!(2026-12-01 02:00 UTC);
        let pdf = receipt_pdf(&sample(true), at).unwrap();
        assert!(pdf.starts_with(b"%PDF-1.7"));
        let s = String::from_utf8_lossy(&pdf);
        assert!(s.contains("% qr begin"));
        assert!(s.contains("(44080011440800MB2C12345X0000000000001202612010001)"));
        assert!(s.contains(&yiwang_licences::pdf::utf16_hex("受理回执")));
        assert!(s.contains(&yiwang_licences::pdf::utf16_hex("2026-12-08")));
        // The same inputs give the same bytes.
        assert_eq!(pdf, receipt_pdf(&sample(true), at).unwrap());
        let before =
            String::from_utf8_lossy(&receipt_pdf(&sample(false), at).unwrap()).into_owned();
        assert!(before.contains(&yiwang_licences::pdf::utf16_hex("收件回执")));
        assert!(before.contains(&yiwang_licences::pdf::utf16_hex("尚未受理")));
    }
}
