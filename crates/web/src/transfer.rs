//! Files in and out over HTTP, for the API and the pages alike: reading an upload (the raw
//! body, or the parts of a `multipart/form-data` body) and answering a download (its content
//! type and `Content-Disposition`: a spreadsheet export, a stored material file, a PDF).
//!
//! What an upload may contain (type, size, columns) is the domain's decision; this module only
//! gets the bytes out of the request and back into a response.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use yiwang_kernel::auth::{Actor, Ctx};
use yiwang_kernel::{Error, ErrorCode, FieldError};
use yiwang_sheets::Format;

/// The request's `Content-Type` (empty when missing or not text).
pub fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Whether the body is `multipart/form-data`.
pub fn is_multipart(headers: &HeaderMap) -> bool {
    content_type(headers).starts_with("multipart/form-data")
}

/// One part of a multipart body as sent.
struct Part {
    name: String,
    file_name: Option<String>,
    data: Bytes,
}

/// Every part of a multipart body, in order. A body that is not multipart, or is cut or
/// malformed, is a `bad_request`.
async fn parts_of(content_type: &str, body: Bytes) -> Result<Vec<Part>, Error> {
    let boundary =
        multer::parse_boundary(content_type).map_err(|_| Error::new(ErrorCode::BadRequest))?;
    let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut mp = multer::Multipart::new(stream, boundary);
    let mut out = Vec::new();
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| Error::new(ErrorCode::BadRequest).with_internal(e))?
    {
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let data = field
            .bytes()
            .await
            .map_err(|e| Error::new(ErrorCode::BadRequest).with_internal(e))?;
        out.push(Part {
            name,
            file_name,
            data,
        });
    }
    Ok(out)
}

/// Every named part of a multipart body with its bytes (empty parts left out).
pub async fn multipart_parts(
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Vec<(String, Vec<u8>)>, Error> {
    Ok(parts_of(content_type(headers), body)
        .await?
        .into_iter()
        .filter(|p| !p.data.is_empty())
        .map(|p| (p.name, p.data.to_vec()))
        .collect())
}

/// An anonymous caller hears "sign in" before any complaint about what was sent.
fn sign_in_first<T>(ctx: &Ctx, r: Result<T, Error>) -> Result<T, Error> {
    match r {
        Err(_) if ctx.actor == Actor::Anonymous => Err(Error::new(ErrorCode::Unauthenticated)),
        r => r,
    }
}

/// [`multipart_parts`], but an anonymous caller hears "sign in" before any complaint about
/// the body.
pub async fn multipart_parts_for(
    ctx: &Ctx,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Vec<(String, Vec<u8>)>, Error> {
    sign_in_first(ctx, multipart_parts(headers, body).await)
}

/// Reads an uploaded file: the raw body, or the part named `field` of a multipart body.
pub async fn upload_bytes(headers: &HeaderMap, body: Bytes, field: &str) -> Result<Vec<u8>, Error> {
    if is_multipart(headers) {
        multipart_parts(headers, body)
            .await?
            .into_iter()
            .find(|(n, _)| n == field)
            .map(|(_, b)| b)
            .ok_or_else(|| Error::field(FieldError::required(field)))
    } else if body.is_empty() {
        Err(Error::field(FieldError::required(field)))
    } else {
        Ok(body.to_vec())
    }
}

/// [`upload_bytes`], but an anonymous caller hears "sign in" before any complaint about the body.
pub async fn upload_for(
    ctx: &Ctx,
    headers: &HeaderMap,
    body: Bytes,
    field: &str,
) -> Result<Vec<u8>, Error> {
    sign_in_first(ctx, upload_bytes(headers, body, field).await)
}

/// One uploaded file of a multipart form.
pub struct FilePart {
    pub name: String,
    pub file_name: String,
    pub bytes: Bytes,
}

/// A multipart form as a page posts it: its text fields in order and its files (empty file
/// inputs left out).
#[derive(Default)]
pub struct Multipart {
    pub text: Vec<(String, String)>,
    pub files: Vec<FilePart>,
}

impl Multipart {
    pub fn get(&self, k: &str) -> &str {
        self.text
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// Reads a `multipart/form-data` body into text fields (which must be UTF-8) and files.
pub async fn read_multipart(headers: &HeaderMap, body: Bytes) -> Result<Multipart, Error> {
    let mut out = Multipart::default();
    for p in parts_of(content_type(headers), body).await? {
        match p.file_name {
            Some(f) => {
                if !p.data.is_empty() || !f.is_empty() {
                    out.files.push(FilePart {
                        name: p.name,
                        file_name: f,
                        bytes: p.data,
                    });
                }
            }
            None => {
                let text = String::from_utf8(p.data.to_vec())
                    .map_err(|e| Error::new(ErrorCode::BadRequest).with_internal(e))?;
                out.text.push((p.name, text));
            }
        }
    }
    Ok(out)
}

/// The spreadsheet format an export asks for (`format=csv|xlsx`; `None`: CSV).
pub fn format_of(f: Option<&str>) -> Result<Format, Error> {
    match f {
        None => Ok(Format::Csv),
        Some(s) => Format::parse(s)
            .ok_or_else(|| Error::field(FieldError::one_of("format", &["csv", "xlsx"]))),
    }
}

/// `name` with every character but ASCII letters, digits, `.` and `extra` replaced by `_`:
/// the `filename` every browser understands.
fn ascii_name(name: &str, extra: &[char]) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || extra.contains(&c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn set_disposition(r: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
}

/// A spreadsheet export as a download named `<name>.<csv|xlsx>`.
pub fn sheet_response(bytes: Vec<u8>, format: Format, name: &str) -> Response {
    let mut r = bytes.into_response();
    if let Ok(v) = HeaderValue::from_str(format.media_type()) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    set_disposition(
        &mut r,
        &format!("attachment; filename=\"{name}.{}\"", format.extension()),
    );
    r
}

/// A stored file (a case's material) as a download: served only as the type it was detected
/// as when stored, under its own name (`filename*` in UTF-8, an ASCII `filename` besides).
pub fn stored_file_response(name: &str, media: &str, bytes: Bytes) -> Response {
    let mime = yiwang_files::MediaType::parse(media)
        .map(|m| m.mime())
        .unwrap_or("application/octet-stream");
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    set_disposition(
        &mut r,
        &format!(
            "attachment; filename=\"{}\"; filename*=UTF-8''{encoded}",
            ascii_name(name, &[])
        ),
    );
    r
}

/// A PDF as a download (personal data: never cached).
pub fn pdf_response(file_name: &str, bytes: Vec<u8>) -> Response {
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    set_disposition(
        &mut r,
        &format!("attachment; filename=\"{}\"", ascii_name(file_name, &['-'])),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDARY: &str = "XyZ";

    fn multipart_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(&format!("multipart/form-data; boundary={BOUNDARY}")).unwrap(),
        );
        h
    }

    fn body(parts: &[(&str, Option<&str>, &[u8])]) -> Bytes {
        let mut b = Vec::new();
        for (name, file, data) in parts {
            b.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            match file {
                Some(f) => b.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\r\n"
                    )
                    .as_bytes(),
                ),
                None => b.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                ),
            }
            b.extend_from_slice(data);
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        Bytes::from(b)
    }

    #[tokio::test]
    async fn an_upload_is_the_raw_body_or_the_named_part() {
        let raw = upload_bytes(&HeaderMap::new(), Bytes::from_static(b"a,b\n"), "file")
            .await
            .unwrap();
        assert_eq!(raw, b"a,b\n");
        let b = body(&[("other", None, b"x"), ("file", Some("d.csv"), b"name\n")]);
        let part = upload_bytes(&multipart_headers(), b, "file").await.unwrap();
        assert_eq!(part, b"name\n");
        // No such part, an empty body: the field is required.
        let e = upload_bytes(&multipart_headers(), body(&[("x", None, b"1")]), "file")
            .await
            .unwrap_err();
        assert_eq!(e.fields[0].field, "file");
        let e = upload_bytes(&HeaderMap::new(), Bytes::new(), "file")
            .await
            .unwrap_err();
        assert_eq!(e.fields[0].rule, "required");
        // A cut multipart body is a bad request, but anonymous callers hear "sign in" first.
        let cut =
            Bytes::from_static(b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nab");
        let e = upload_bytes(&multipart_headers(), cut.clone(), "file")
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest);
        let anon = Ctx::new(Actor::Anonymous, String::new());
        let e = upload_for(&anon, &multipart_headers(), cut, "file")
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Unauthenticated);
    }

    #[tokio::test]
    async fn a_form_splits_into_text_and_files() {
        let b = body(&[
            ("f.name", None, "张三".as_bytes()),
            ("m.id", Some("身份证.pdf"), b"%PDF"),
            ("m.empty", Some(""), b""),
            ("blank", None, b""),
        ]);
        let mp = read_multipart(&multipart_headers(), b.clone())
            .await
            .unwrap();
        assert_eq!(mp.get("f.name"), "张三");
        assert_eq!(mp.get("blank"), "");
        assert_eq!(mp.files.len(), 1);
        assert_eq!(mp.files[0].name, "m.id");
        assert_eq!(mp.files[0].file_name, "身份证.pdf");
        // The flat view keeps only parts with content.
        let parts = multipart_parts(&multipart_headers(), b).await.unwrap();
        let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["f.name", "m.id"]);
        // Text that is not UTF-8 is refused.
        let e = read_multipart(&multipart_headers(), body(&[("t", None, &[0xff, 0xfe])]))
            .await
            .err()
            .unwrap();
        assert_eq!(e.code, ErrorCode::BadRequest);
    }

    #[test]
    fn downloads_name_their_type_and_file() {
        let r = sheet_response(b"a".to_vec(), Format::Csv, "departments");
        assert_eq!(
            r.headers()[header::CONTENT_DISPOSITION],
            "attachment; filename=\"departments.csv\""
        );
        let r = stored_file_response("营业执照 1.pdf", "pdf", Bytes::from_static(b"%PDF"));
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/pdf");
        assert_eq!(
            r.headers()[header::CONTENT_DISPOSITION],
            "attachment; filename=\"_____1.pdf\"; \
             filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7+1.pdf"
        );
        let r = stored_file_response("x", "text/html", Bytes::new());
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "application/octet-stream"
        );
        let r = pdf_response("1.2.156-x 证.pdf", Vec::new());
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(
            r.headers()[header::CONTENT_DISPOSITION],
            "attachment; filename=\"1.2.156-x__.pdf\""
        );
        assert!(format_of(Some("ods")).is_err());
        assert_eq!(format_of(None).unwrap(), Format::Csv);
    }
}
