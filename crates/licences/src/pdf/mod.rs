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
//!
//! Here the annotation, the verification address and its QR code; the page in `layout.rs`; the
//! PDF writer (content stream, text measure, QR drawing, file structure) in `writer.rs`, public
//! because the cases domain's acceptance receipt (受理回执) is drawn with it too.

mod layout;
pub mod writer;

use qrcode::{Color, EcLevel, QrCode};
use time::OffsetDateTime;

pub use layout::licence_pdf;
pub use writer::utf16_hex;

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
pub fn china_time(t: OffsetDateTime) -> String {
    let s = yiwang_kernel::clock::china_datetime(t);
    s.get(..16).unwrap_or(&s).to_string()
}

/// The text of the annotation as printed (also the watermark's).
pub fn annotation_text(a: &Annotation) -> String {
    format!(
        "仅供{}使用，有效期至{}，他用无效",
        a.purpose,
        china_time(a.valid_until)
    )
}

#[cfg(test)]
mod tests;
