//! A licence as a one-page A4 PDF (打印版式), and the annotated copy (加注件) of one: a small,
//! hand-written PDF 1.7 writer (a handful of objects, a correct cross-reference table, no
//! compression, nothing embedded) and the layout of one licence on the page.
//!
//! * Chinese text uses the non-embedded standard CID font **STSong-Light** (Adobe-GB1-2) with
//!   the predefined CMap **UniGB-UCS2-H**, so strings are UTF-16BE hex (`<5F204E09>`); every
//!   PDF reader with the Chinese font pack shows it. Characters outside the BMP (UCS-2 cannot
//!   address them) print as `□`. Codes and hex values use the standard font Courier.
//! * The QR code of the verification address (`{public_url}/verify?id=…`, plus `&copy=…` for an
//!   annotated copy) is drawn as filled rectangles (one per run of dark modules in a row) from
//!   the `qrcode` crate's module matrix, error correction level M, with a quiet zone of 4
//!   modules.
//! * The output depends only on its inputs: the same licence and time give the same bytes
//!   (`/CreationDate` is the time passed in; no random document ID).
//!
//! What the page says about the seal is what Yiwang does: an SM2 signature (SM3 hash, the
//! GM/T 0009 default ID) over the licence's canonical form. It is *not* a GB/T 38540 seal
//! structure and the PDF itself is not signed: the page says that its truth is what the
//! online verification answers.
//!
//! Must not know: SQL, HTTP, who may download (the service decides).

use qrcode::{Color, EcLevel, QrCode};
use time::OffsetDateTime;
use yiwang_forms::{FieldKind, FormField};
use yiwang_kernel::clock::CHINA_OFFSET;

use crate::service::Licence;

/// A4 in points.
const PAGE_W: f64 = 595.28;
const PAGE_H: f64 = 841.89;
const MARGIN: f64 = 56.0;
/// The QR code's module size in points and its quiet zone in modules.
const MODULE: f64 = 2.6;
const QUIET: usize = 4;

/// The annotation of a copy (加注件): one stated use, until a time.
#[derive(Debug, Clone)]
pub struct Annotation {
    pub purpose: String,
    pub recipient: String,
    pub valid_until: OffsetDateTime,
    /// The copy code (the QR code's `copy=`).
    pub code: String,
}

/// Why no PDF could be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfError(pub String);

/// The verification address printed as the QR code: `{base}/verify?id=<identifier>` and
/// `&copy=<code>` for an annotated copy (query values percent-encoded).
pub fn verify_url(base: &str, identifier: &str, copy: Option<&str>) -> String {
    let mut u = format!(
        "{}/verify?id={}",
        base.trim_end_matches('/'),
        enc(identifier)
    );
    if let Some(c) = copy {
        u.push_str("&copy=");
        u.push_str(&enc(c));
    }
    u
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The QR code's module matrix for `url` (row by row, `true` = dark), as drawn.
pub fn qr_matrix(url: &str) -> Result<(usize, Vec<bool>), PdfError> {
    let qr = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .map_err(|e| PdfError(format!("QR code: {e}")))?;
    let colors = qr.to_colors();
    Ok((
        qr.width(),
        colors.into_iter().map(|c| c == Color::Dark).collect(),
    ))
}

/// China time `YYYY-MM-DD HH:MM`.
fn china_time(t: OffsetDateTime) -> String {
    let s = yiwang_kernel::clock::china_datetime(t);
    s.get(..16).unwrap_or(&s).to_string()
}

fn ymd(d: time::Date) -> String {
    yiwang_kernel::clock::ymd(d)
}

/// The text of the annotation as printed (also the watermark's).
pub fn annotation_text(a: &Annotation) -> String {
    format!(
        "仅供{}使用，有效期至{}，他用无效",
        a.purpose,
        china_time(a.valid_until)
    )
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
    c.push("% qr begin\n");
    c.push(&format!(
        "q 0 0 0 rg % qr {n} {MODULE} {:.2} {:.2}\n",
        qx + QUIET as f64 * MODULE,
        qy + QUIET as f64 * MODULE
    ));
    for r in 0..n {
        let mut col = 0;
        while col < n {
            if !dark[r * n + col] {
                col += 1;
                continue;
            }
            let start = col;
            while col < n && dark[r * n + col] {
                col += 1;
            }
            let x = qx + (QUIET + start) as f64 * MODULE;
            let yy = qy + (QUIET + n - 1 - r) as f64 * MODULE;
            c.push(&format!(
                "{x:.2} {yy:.2} {:.2} {MODULE:.2} re\n",
                (col - start) as f64 * MODULE
            ));
        }
    }
    c.push("f Q\n% qr end\n");
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

/// Content stream builder.
#[derive(Default)]
struct Content(String);

impl Content {
    fn push(&mut self, s: &str) {
        self.0.push_str(s);
    }
    fn grey(&mut self) {
        self.push("0.35 g\n");
    }
    fn black(&mut self) {
        self.push("0 g\n");
    }
    fn text(&mut self, s: &str, size: f64, x: f64, y: f64) {
        self.push(&format!(
            "BT /F1 {size} Tf 1 0 0 1 {x:.2} {y:.2} Tm <{}> Tj ET\n",
            utf16_hex(s)
        ));
    }
    fn mono(&mut self, s: &str, size: f64, x: f64, y: f64) {
        self.push(&format!(
            "BT /F2 {size} Tf 1 0 0 1 {x:.2} {y:.2} Tm ({}) Tj ET\n",
            latin_literal(s)
        ));
    }
    fn text_centered(&mut self, s: &str, size: f64, y: f64) {
        let x = (PAGE_W - width(s, size)) / 2.0;
        self.text(s, size, x.max(MARGIN), y);
    }
}

/// A character as STSong-Light can print it through UniGB-UCS2-H.
fn printable(ch: char) -> char {
    if ch.is_control() {
        ' '
    } else if (ch as u32) > 0xFFFF {
        '□'
    } else {
        ch
    }
}

/// Width in points of `s` in STSong-Light at `size` (`/W`: ASCII 500, everything else 1000).
fn width(s: &str, size: f64) -> f64 {
    s.chars()
        .map(|c| if (' '..='~').contains(&c) { 0.5 } else { 1.0 })
        .sum::<f64>()
        * size
}

/// UTF-16BE hex of the text (as UniGB-UCS2-H reads it).
pub fn utf16_hex(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars().map(printable) {
        let mut buf = [0u16; 2];
        for u in ch.encode_utf16(&mut buf) {
            out.push_str(&format!("{u:04X}"));
        }
    }
    out
}

/// A literal string for Courier: printable ASCII, `(`, `)`, `\` escaped, anything else `?`.
fn latin_literal(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            '…' => out.push_str("..."),
            _ => out.push('?'),
        }
    }
    out
}

/// Breaks `s` into lines no wider than `max` points (by character: Chinese has no spaces).
fn wrap(s: &str, size: f64, max: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for ch in s.chars().map(printable) {
        let mut next = line.clone();
        next.push(ch);
        if width(&next, size) > max && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line.push(ch);
        } else {
            line = next;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Breaks a Courier string (0.6 em per character) into lines no wider than `max` points.
fn wrap_mono(s: &str, size: f64, max: f64) -> Vec<String> {
    let per = ((max / (0.6 * size)).floor() as usize).max(1);
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars.chunks(per).map(|c| c.iter().collect()).collect()
}

/// `D:YYYYMMDDHHmmSS+08'00'` in China time.
fn pdf_date(t: OffsetDateTime) -> String {
    let t = t.to_offset(CHINA_OFFSET);
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}+08'00'",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The whole file: objects 1–8, the cross-reference table, the trailer.
fn document(content: &str, title: &str, at: OffsetDateTime) -> Vec<u8> {
    let objects: Vec<Vec<u8>> = vec![
        // 1 catalog, 2 pages, 3 the page.
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] \
             /Resources << /Font << /F1 4 0 R /F2 7 0 R >> >> /Contents 6 0 R >>"
        )
        .into_bytes(),
        // 4 the Chinese font (Type0 over the CMap), 5 its CIDFont, 8 its descriptor.
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light-UniGB-UCS2-H \
          /Encoding /UniGB-UCS2-H /DescendantFonts [5 0 R] >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light \
          /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> \
          /FontDescriptor 8 0 R /DW 1000 /W [1 95 500] >>"
            .to_vec(),
        {
            let mut s = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
            s.extend_from_slice(content.as_bytes());
            s.extend_from_slice(b"\nendstream");
            s
        },
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>".to_vec(),
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 \
          /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 \
          /CapHeight 880 /StemV 93 >>"
            .to_vec(),
        // 9 the document information.
        format!(
            "<< /Title <FEFF{}> /Producer (Yiwang) /CreationDate ({}) >>",
            utf16_hex(title),
            pdf_date(at)
        )
        .into_bytes(),
    ];
    let mut out: Vec<u8> = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 9 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::{date, datetime};

    pub(crate) fn sample() -> (Licence, Vec<FormField>) {
        let schema: Vec<FormField> = serde_json::from_value(json!([
            {"key": "address", "label": "经营场所", "kind": "address", "required": true},
            {"key": "kind", "label": "主体业态", "kind": "choice", "required": true,
             "options": [{"code": "cy", "label": "餐饮服务经营者"}]},
            {"key": "missing", "label": "未填", "kind": "text"}
        ]))
        .unwrap();
        let l = Licence {
            identifier: "1.2.156.3005.2.11100000MB0143235W001.11440800MB2C12345X.20260000000001.001.7"
                .into(),
            type_code: "11100000MB0143235W001".into(),
            type_name: "食品经营许可证".into(),
            number: "JY14408020000001".into(),
            holder_type: "org".into(),
            holder_name: "湛江市赤坎区海滨餐饮有限公司".into(),
            holder_code: "91440802MA5XXXXX0X".into(),
            issuer_name: "湛江市市场监督管理局".into(),
            issuer_uscc: "11440800MB2C12345X".into(),
            issue_date: date!(2026 - 11 - 22),
            valid_from: date!(2026 - 11 - 22),
            valid_to: Some(date!(2031 - 11 - 22)),
            face: json!({"address": "湛江市赤坎区海滨大道北8号（𠀀）", "kind": "cy"}),
            status: "valid".into(),
            status_reason: String::new(),
            previous_identifier: None,
            case_no: None,
            seal_key_id: "seal-1-0123456789abcdef".into(),
            signature: "3045022100aabbccddeeff00112233445566778899aabbccddeeff0011223344556677889902200123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".into(),
            sealed_at: datetime!(2026-11-22 02:00 UTC),
        };
        (l, schema)
    }

    /// The file as text, byte for byte (offsets stay right): everything but the binary
    /// comment of the header is ASCII.
    pub(crate) fn text_of(pdf: &[u8]) -> String {
        pdf.iter()
            .map(|&b| if b.is_ascii() { char::from(b) } else { '?' })
            .collect()
    }

    /// The content stream of object 6.
    fn content(pdf: &str) -> &str {
        let start = pdf.find("6 0 obj\n").unwrap();
        let s = &pdf[start..];
        let a = s.find("stream\n").unwrap() + 7;
        let b = s.find("\nendstream").unwrap();
        &s[a..b]
    }

    #[test]
    fn xref_offsets_point_at_their_objects() {
        let (l, schema) = sample();
        let url = verify_url("https://zwfw.example.gov.cn/", &l.identifier, None);
        let pdf = licence_pdf(&l, &schema, &url, datetime!(2026-11-23 01:02:03 UTC), None).unwrap();
        assert!(pdf.starts_with(b"%PDF-1.7\n"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let text = text_of(&pdf);
        let sx = text.rfind("startxref\n").unwrap();
        let xref: usize = text[sx + 10..].lines().next().unwrap().parse().unwrap();
        assert!(text[xref..].starts_with("xref\n0 10\n0000000000 65535 f \n"));
        let entries: Vec<&str> = text[xref..].lines().skip(3).take(9).collect();
        for (i, e) in entries.iter().enumerate() {
            assert_eq!(e.len(), 19, "{e:?}"); // 20 bytes with the newline
            let off: usize = e[..10].parse().unwrap();
            assert!(
                text[off..].starts_with(&format!("{} 0 obj\n", i + 1)),
                "object {} is not at {off}",
                i + 1
            );
        }
        // The stream's /Length is its byte length.
        let c = content(&text);
        assert!(text.contains(&format!("<< /Length {} >>", c.len())));
        assert!(text.contains("/CreationDate (D:20261123090203+08'00')"));
        assert!(text.contains("/Encoding /UniGB-UCS2-H"));
        assert!(text.contains("/Registry (Adobe) /Ordering (GB1) /Supplement 2"));
    }

    #[test]
    fn the_page_carries_the_fields_in_utf16() {
        let (l, schema) = sample();
        let url = verify_url("http://127.0.0.1:8080", &l.identifier, None);
        let at = datetime!(2026-11-23 01:02:03 UTC);
        let pdf = licence_pdf(&l, &schema, &url, at, None).unwrap();
        let text = text_of(&pdf);
        let c = content(&text);
        // The holder's name, a label, a choice shown by its label, the non-BMP character as □.
        assert_eq!(utf16_hex("湛江"), "6E5B6C5F");
        for s in [
            "湛江市赤坎区海滨餐饮有限公司",
            "经营场所",
            "餐饮服务经营者",
            "（□）",
            "有效",
        ] {
            assert!(c.contains(&utf16_hex(s)), "{s} missing");
        }
        assert!(!c.contains(&utf16_hex("未填")));
        assert!(c.contains("(seal-1-0123456789abcdef)"));
        assert!(c.contains("(3045022100aa...456789abcdef)"));
        // Same input, same bytes; another time, another document.
        assert_eq!(pdf, licence_pdf(&l, &schema, &url, at, None).unwrap());
        assert_ne!(
            pdf,
            licence_pdf(&l, &schema, &url, at + time::Duration::seconds(1), None).unwrap()
        );
    }

    /// Reads the rectangles between the `% qr` markers back into a module matrix.
    pub(crate) fn drawn_matrix(pdf: &[u8]) -> (usize, Vec<bool>) {
        let text = text_of(pdf);
        let c = content(&text);
        let a = c.find("% qr begin\n").unwrap();
        let b = c.find("% qr end").unwrap();
        let mut lines = c[a..b].lines().skip(1);
        let head: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
        // "q 0 0 0 rg % qr <n> <module> <x0> <y0>"
        let n: usize = head[7].parse().unwrap();
        let m: f64 = head[8].parse().unwrap();
        let x0: f64 = head[9].parse().unwrap();
        let y0: f64 = head[10].parse().unwrap();
        let mut grid = vec![false; n * n];
        for line in lines {
            let p: Vec<&str> = line.split_whitespace().collect();
            if p.last() != Some(&"re") {
                continue;
            }
            let v: Vec<f64> = p[..4].iter().map(|x| x.parse().unwrap()).collect();
            let col = ((v[0] - x0) / m).round() as usize;
            let row = n - 1 - ((v[1] - y0) / m).round() as usize;
            let len = (v[2] / m).round() as usize;
            for k in col..col + len {
                assert!(!grid[row * n + k], "module drawn twice");
                grid[row * n + k] = true;
            }
        }
        (n, grid)
    }

    #[test]
    fn the_qr_code_drawn_is_the_matrix_of_the_verification_url() {
        let (l, schema) = sample();
        let url = verify_url(
            "https://zwfw.example.gov.cn",
            &l.identifier,
            Some("ABCD2345"),
        );
        assert_eq!(
            url,
            format!(
                "https://zwfw.example.gov.cn/verify?id={}&copy=ABCD2345",
                l.identifier
            )
        );
        let a = Annotation {
            purpose: "办理公积金提取".into(),
            recipient: "湛江市住房公积金管理中心".into(),
            valid_until: datetime!(2026-12-01 15:59:59 UTC),
            code: "ABCD2345".into(),
        };
        let pdf = licence_pdf(
            &l,
            &schema,
            &url,
            datetime!(2026-11-23 01:02:03 UTC),
            Some(&a),
        )
        .unwrap();
        assert_eq!(drawn_matrix(&pdf), qr_matrix(&url).unwrap());
        // `YIWANG_PDF_OUT=/tmp/copy.pdf` keeps the file to look at.
        if let Ok(out) = std::env::var("YIWANG_PDF_OUT") {
            std::fs::write(out, &pdf).unwrap();
        }
        let text = text_of(&pdf);
        let c = content(&text);
        assert!(c.contains(&utf16_hex(
            "仅供办理公积金提取使用，有效期至2026-12-01 23:59，他用无效"
        )));
        assert!(c.contains(&utf16_hex("加注件编号：ABCD2345")));
        assert!(c.contains(&utf16_hex("提交给：湛江市住房公积金管理中心")));
    }

    /// The matrix drawn, rasterised with its quiet zone, decodes back to the address (rqrr, an
    /// independent decoder).
    #[test]
    fn the_qr_code_drawn_decodes_to_the_verification_url() {
        let (l, schema) = sample();
        let url = verify_url(
            "http://127.0.0.1:8080",
            &l.identifier,
            Some("K7QW3ZP9M2XD5RTH8BNC"),
        );
        let pdf = licence_pdf(&l, &schema, &url, datetime!(2026-11-23 01:02:03 UTC), None).unwrap();
        let (n, grid) = drawn_matrix(&pdf);
        let scale = 4;
        let side = (n + 2 * QUIET) * scale;
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
            let (mx, my) = (x / scale, y / scale);
            let dark = (QUIET..QUIET + n).contains(&mx)
                && (QUIET..QUIET + n).contains(&my)
                && grid[(my - QUIET) * n + (mx - QUIET)];
            if dark { 0 } else { 255 }
        });
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, text) = grids[0].decode().unwrap();
        assert_eq!(text, url);
    }

    #[test]
    fn helpers() {
        assert_eq!(
            verify_url("http://h/", "a b&c", None),
            "http://h/verify?id=a%20b%26c"
        );
        assert_eq!(latin_literal("a(b)\\c中"), "a\\(b\\)\\\\c?");
        let lines = wrap("一二三四五六七八九十", 10.0, 35.0);
        assert_eq!(lines, vec!["一二三", "四五六", "七八九", "十"]);
        assert_eq!(wrap("", 10.0, 35.0), vec![""]);
        assert_eq!(wrap_mono("abcdefg", 10.0, 18.0), vec!["abc", "def", "g"]);
        assert_eq!(width("ab中", 10.0), 20.0);
    }
}
