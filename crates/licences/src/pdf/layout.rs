//! One licence laid out on an A4 page: title, holder, face fields, validity, the QR code of the
//! verification address, the seal's statement, and for an annotated copy its watermark and
//! annotation.

use time::OffsetDateTime;
use yiwang_forms::{FieldKind, FormField};
use yiwang_kernel::clock::CHINA_OFFSET;

use super::writer::{Content, MARGIN, PAGE_H, PAGE_W, document, utf16_hex, wrap, wrap_mono};
use super::{Annotation, PdfError, annotation_text, china_time, qr_matrix};
use crate::service::Licence;

/// The QR code's module size in points and its quiet zone in modules.
const MODULE: f64 = 2.6;
pub(super) const QUIET: usize = 4;

fn ymd(d: time::Date) -> String {
    yiwang_kernel::clock::ymd(d)
}

/// A face value as text: choices by their label, tables row by row, ID numbers masked.
fn face_value(f: &FormField, v: &serde_json::Value) -> String {
    use serde_json::Value;
    let label_of = |code: &str| {
        f.options
            .iter()
            .find(|o| o.code == code)
            .map(|o| o.label.clone())
            .unwrap_or_else(|| code.to_string())
    };
    match (f.kind, v) {
        (_, Value::Null) => String::new(),
        (FieldKind::Choice, Value::String(s)) => label_of(s),
        (FieldKind::MultiChoice, Value::Array(a)) => a
            .iter()
            .map(|x| label_of(x.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("、"),
        (FieldKind::IdNumber, Value::String(s)) => yiwang_vault::mask_id_number(s),
        (FieldKind::Table, Value::Array(rows)) => rows
            .iter()
            .map(|r| {
                f.columns
                    .iter()
                    .map(|c| format!("{}：{}", c.label, face_value(c, &r[c.key.as_str()])))
                    .collect::<Vec<_>>()
                    .join("，")
            })
            .collect::<Vec<_>>()
            .join("；"),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

fn status_zh(l: &Licence, at: OffsetDateTime) -> &'static str {
    match l.status.as_str() {
        "revoked" => "已注销",
        "suspended" => "已暂停使用",
        _ if l
            .valid_to
            .is_some_and(|d| d < at.to_offset(CHINA_OFFSET).date()) =>
        {
            "已过期"
        }
        _ => "有效",
    }
}

/// The licence on one A4 page: `at` is the time printed and the document's creation date.
pub fn licence_pdf(
    l: &Licence,
    schema: &[FormField],
    verify_url: &str,
    at: OffsetDateTime,
    annotation: Option<&Annotation>,
) -> Result<Vec<u8>, PdfError> {
    let mut c = Content::default();
    // The watermark first, under everything.
    if let Some(a) = annotation {
        c.push("q 1 0.87 0.87 rg\n");
        let text = format!("{} {}", annotation_text(a), a.code);
        for (i, y) in [230.0, 430.0, 630.0].iter().enumerate() {
            let x = 40.0 + 30.0 * i as f64;
            c.push(&format!(
                "BT /F1 20 Tf 0.866 0.5 -0.5 0.866 {x:.2} {y:.2} Tm <{}> Tj ET\n",
                utf16_hex(&text)
            ));
        }
        c.push("Q\n");
    }
    let mut y = PAGE_H - 80.0;
    let title = if l.type_name.is_empty() {
        "电子证照".to_string()
    } else {
        l.type_name.clone()
    };
    c.text_centered(&title, 22.0, y);
    y -= 22.0;
    c.grey();
    c.text_centered(
        if annotation.is_some() {
            "电子证照加注件"
        } else {
            "电子证照（打印版式）"
        },
        10.0,
        y,
    );
    c.black();
    y -= 24.0;
    if let Some(a) = annotation {
        let width = PAGE_W - 2.0 * MARGIN;
        let mut lines = wrap(&annotation_text(a), 14.0, width - 20.0);
        lines.push(format!("加注件编号：{}", a.code));
        if !a.recipient.is_empty() {
            lines.extend(wrap(
                &format!("提交给：{}", a.recipient),
                14.0,
                width - 20.0,
            ));
        }
        let h = 20.0 * lines.len() as f64 + 14.0;
        c.push(&format!(
            "q 0.75 0 0 RG 2 w {:.2} {:.2} {:.2} {:.2} re S Q\n",
            MARGIN,
            y - h,
            width,
            h
        ));
        c.push("q 0.75 0 0 rg\n");
        let mut ly = y - 22.0;
        for line in &lines {
            c.text(line, 14.0, MARGIN + 10.0, ly);
            ly -= 20.0;
        }
        c.push("Q\n");
        y -= h + 20.0;
    }
    // The licence's fields.
    let mut rows: Vec<(String, String, bool)> = vec![
        ("证照编号".into(), l.number.clone(), false),
        ("持证主体".into(), l.holder_name.clone(), false),
        (
            if l.holder_type == "person" {
                "身份证件号码".into()
            } else {
                "统一社会信用代码".into()
            },
            l.holder_code.clone(),
            false,
        ),
    ];
    for f in schema {
        let v = &l.face[f.key.as_str()];
        if v.is_null() {
            continue;
        }
        rows.push((f.label.clone(), face_value(f, v), false));
    }
    rows.push(("发证机关".into(), l.issuer_name.clone(), false));
    rows.push(("发证机关代码".into(), l.issuer_uscc.clone(), false));
    rows.push(("发证日期".into(), ymd(l.issue_date), false));
    rows.push((
        "有效期".into(),
        format!(
            "{} 至 {}",
            ymd(l.valid_from),
            l.valid_to.map(ymd).unwrap_or_else(|| "长期".into())
        ),
        false,
    ));
    rows.push((
        "状态".into(),
        format!("{}（{}）", status_zh(l, at), china_time(at)),
        false,
    ));
    rows.push(("证照标识".into(), l.identifier.clone(), true));
    let sig = &l.signature;
    // (`get`, not slicing: a stored value is not trusted to be ASCII.)
    let sig_short = match (sig.get(..12), sig.get(sig.len().saturating_sub(12)..)) {
        (Some(a), Some(b)) if sig.len() > 24 => format!("{a}…{b}"),
        _ => sig.clone(),
    };
    let seal_rows: Vec<(String, String, bool)> = vec![
        ("签章密钥".into(), l.seal_key_id.clone(), true),
        ("签章时间".into(), china_time(l.sealed_at), false),
        ("签名值".into(), sig_short, true),
        (
            "签名算法".into(),
            "SM2 数字签名（SM3 杂凑，GM/T 0009 默认用户标识），签名对象为证照数据的规范化形式"
                .into(),
            false,
        ),
    ];
    // The QR code and its caption take the bottom of the page.
    let (n, dark) = qr_matrix(verify_url)?;
    let side = (n + 2 * QUIET) as f64 * MODULE;
    let qx = PAGE_W - MARGIN - side;
    let qy = 60.0;
    let floor = qy + side + 16.0;
    let value_x = MARGIN + 110.0;
    let value_w = PAGE_W - MARGIN - value_x;
    let mut cut = false;
    let mut draw_rows = |c: &mut Content, rows: &[(String, String, bool)], y: &mut f64| {
        for (label, value, mono) in rows {
            let lines = if *mono {
                wrap_mono(value, 9.5, value_w)
            } else {
                wrap(value, 11.0, value_w)
            };
            if *y - 17.0 * lines.len() as f64 <= floor {
                cut = true;
                return;
            }
            c.grey();
            c.text(label, 11.0, MARGIN, *y);
            c.black();
            for line in lines {
                if *mono {
                    c.mono(&line, 9.5, value_x, *y);
                } else {
                    c.text(&line, 11.0, value_x, *y);
                }
                *y -= 17.0;
            }
            *y -= 3.0;
        }
    };
    draw_rows(&mut c, &rows, &mut y);
    y -= 6.0;
    c.push(&format!(
        "q 0.6 g 0.5 w {MARGIN:.2} {:.2} m {:.2} {:.2} l S Q\n",
        y + 10.0,
        PAGE_W - MARGIN,
        y + 10.0
    ));
    y -= 8.0;
    c.text("电子印章", 12.0, MARGIN, y);
    y -= 20.0;
    draw_rows(&mut c, &seal_rows, &mut y);
    if cut {
        c.grey();
        c.text(
            "……（其余内容请以在线核验结果为准）",
            10.0,
            MARGIN,
            floor + 4.0,
        );
        c.black();
    }
    // The QR code, bottom right.
    c.qr(n, &dark, qx, qy, MODULE, QUIET);
    // Its caption, left of it.
    let cap_w = qx - MARGIN - 16.0;
    let mut cy = qy + side - 14.0;
    c.text("扫码或访问以下地址核验真伪与状态：", 11.0, MARGIN, cy);
    cy -= 16.0;
    for line in wrap_mono(verify_url, 8.5, cap_w) {
        c.mono(&line, 8.5, MARGIN, cy);
        cy -= 12.0;
    }
    cy -= 6.0;
    c.grey();
    let notice = if annotation.is_some() {
        "本加注件仅在上述用途和有效期内有效；本页为电子证照的打印版式，本身不含电子签名，真伪、状态和加注件是否有效以在线核验结果为准。"
    } else {
        "本页为电子证照的打印版式，本身不含电子签名；真伪与状态以在线核验结果为准。"
    };
    for line in wrap(notice, 9.0, cap_w) {
        c.text(&line, 9.0, MARGIN, cy);
        cy -= 13.0;
    }
    c.text(&format!("生成时间：{}", china_time(at)), 9.0, MARGIN, cy);
    c.black();

    let title_info = match annotation {
        Some(_) => format!("{title}（加注件）"),
        None => title,
    };
    Ok(document(&c.0, &title_info, at))
}
