//! The PDF writer: a content stream of text and shapes ([`Content`]), text measured and wrapped
//! for STSong-Light and Courier, a QR code drawn from its module matrix ([`Content::qr`]), and
//! the whole file — a handful of objects, a correct cross-reference table, no compression,
//! nothing embedded ([`document`]).
//!
//! Shared: the licence page (`layout.rs`) and the cases domain's acceptance receipt (受理回执)
//! draw with it.

use time::OffsetDateTime;
use yiwang_kernel::clock::CHINA_OFFSET;

/// A4 in points.
pub const PAGE_W: f64 = 595.28;
pub const PAGE_H: f64 = 841.89;
/// The left and right margin, in points.
pub const MARGIN: f64 = 56.0;

/// Content stream builder.
#[derive(Default)]
pub struct Content(pub String);

impl Content {
    pub fn push(&mut self, s: &str) {
        self.0.push_str(s);
    }
    pub fn grey(&mut self) {
        self.push("0.35 g\n");
    }
    pub fn black(&mut self) {
        self.push("0 g\n");
    }
    pub fn text(&mut self, s: &str, size: f64, x: f64, y: f64) {
        self.push(&format!(
            "BT /F1 {size} Tf 1 0 0 1 {x:.2} {y:.2} Tm <{}> Tj ET\n",
            utf16_hex(s)
        ));
    }
    pub fn mono(&mut self, s: &str, size: f64, x: f64, y: f64) {
        self.push(&format!(
            "BT /F2 {size} Tf 1 0 0 1 {x:.2} {y:.2} Tm ({}) Tj ET\n",
            latin_literal(s)
        ));
    }
    pub fn text_centered(&mut self, s: &str, size: f64, y: f64) {
        let x = (PAGE_W - width(s, size)) / 2.0;
        self.text(s, size, x.max(MARGIN), y);
    }
    /// A QR code of `n`×`n` modules (`dark`, row by row, as [`super::qr_matrix`] gives it)
    /// with its lower-left corner (quiet zone included) at `(x, y)`: one filled rectangle per
    /// run of dark modules in a row, between `% qr begin` and `% qr end` markers.
    pub fn qr(&mut self, n: usize, dark: &[bool], x: f64, y: f64, module: f64, quiet: usize) {
        self.push("% qr begin\n");
        self.push(&format!(
            "q 0 0 0 rg % qr {n} {module} {:.2} {:.2}\n",
            x + quiet as f64 * module,
            y + quiet as f64 * module
        ));
        for r in 0..n {
            let mut col = 0;
            while col < n {
                if !dark.get(r * n + col).copied().unwrap_or(false) {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < n && dark.get(r * n + col).copied().unwrap_or(false) {
                    col += 1;
                }
                let rx = x + (quiet + start) as f64 * module;
                let ry = y + (quiet + n - 1 - r) as f64 * module;
                self.push(&format!(
                    "{rx:.2} {ry:.2} {:.2} {module:.2} re\n",
                    (col - start) as f64 * module
                ));
            }
        }
        self.push("f Q\n% qr end\n");
    }
}

/// A character as STSong-Light can print it through UniGB-UCS2-H.
pub fn printable(ch: char) -> char {
    if ch.is_control() {
        ' '
    } else if (ch as u32) > 0xFFFF {
        '□'
    } else {
        ch
    }
}

/// Width in points of `s` in STSong-Light at `size` (`/W`: ASCII 500, everything else 1000).
pub fn width(s: &str, size: f64) -> f64 {
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
pub fn latin_literal(s: &str) -> String {
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
pub fn wrap(s: &str, size: f64, max: f64) -> Vec<String> {
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
pub fn wrap_mono(s: &str, size: f64, max: f64) -> Vec<String> {
    let per = ((max / (0.6 * size)).floor() as usize).max(1);
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars.chunks(per).map(|c| c.iter().collect()).collect()
}

/// `D:YYYYMMDDHHmmSS+08'00'` in China time.
pub fn pdf_date(t: OffsetDateTime) -> String {
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
pub fn document(content: &str, title: &str, at: OffsetDateTime) -> Vec<u8> {
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
