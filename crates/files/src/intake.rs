//! Screening an upload for a case's checklist entry: size limits, type from content, the name's
//! extension checked against the content, then the store.

use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::{Error, FieldError, Result};

use crate::detect::{MediaType, sniff};
use crate::limits::Limits;
use crate::store::{FileStore, StoredFile};

/// One uploaded file, as the web layer hands it over.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The checklist entry it is for: the catalog material's stable key (`Material::key`).
    pub entry: String,
    /// The form field path for error messages, e.g. `materials[2].file`.
    pub field: String,
    /// The name the sender gave: shown back to people, checked against the content, never
    /// used to decide the type or to build a path.
    pub file_name: String,
    pub bytes: Bytes,
}

/// A stored file linked to its checklist entry: what the case keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Material {
    pub entry: String,
    pub file_name: String,
    pub file: StoredFile,
}

/// The size limits and the store, for accepting uploads.
#[derive(Clone)]
pub struct Intake {
    store: Arc<dyn FileStore>,
    limits: Limits,
}

impl Intake {
    pub fn new(store: Arc<dyn FileStore>, limits: Limits) -> Intake {
        Intake { store, limits }
    }

    pub fn store(&self) -> &Arc<dyn FileStore> {
        &self.store
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Screens the upload ([`screen`]) and stores it; returns once it is durable.
    /// `case_bytes` is the size of the materials the case already holds.
    pub async fn accept(&self, upload: Upload, case_bytes: u64) -> Result<Material> {
        screen(&upload, &self.limits, case_bytes)?;
        let file = self.store.put(upload.bytes).await?;
        Ok(Material {
            entry: upload.entry,
            file_name: upload.file_name,
            file,
        })
    }
}

/// Checks in order: the per-file limit, the per-case limit, the type from the content, and that
/// the name's extension (if it has one) names that type. Every refusal names the file, in the
/// error's detail and as a field error on `upload.field`.
///
/// The web layer must also cap the request body (a little over `max_file_bytes`) so that an
/// oversized upload is refused while it arrives, not after it is read.
pub fn screen(upload: &Upload, limits: &Limits, case_bytes: u64) -> Result<MediaType> {
    let name = shown_name(&upload.file_name);
    let size = u64::try_from(upload.bytes.len()).map_err(Error::internal)?;
    limits
        .check_file(size)
        .and_then(|()| limits.check_case(case_bytes, size))
        .map_err(|e| about_file(e, &upload.field, "file.max_size", &name))?;
    let media = sniff(&upload.bytes)
        .map_err(|r| about_file(r.into_error(), &upload.field, "file.unsupported", &name))?;
    if let Some(ext) = extension(&upload.file_name)
        && !media.extensions().contains(&ext.as_str())
    {
        return Err(Error::field(FieldError::new(
            &upload.field,
            "file.type_mismatch",
            format!(
                "文件“{name}”的扩展名为 .{ext}，但内容是{}，请确认上传的文件是否正确",
                media.zh()
            ),
            format!(
                "The file “{name}” is named .{ext} but contains {}; check that it is the right file",
                media.en()
            ),
        )));
    }
    Ok(media)
}

/// Puts the file's name in front of the error's message and adds it as a field error too.
fn about_file(mut e: Error, field: &str, rule: &str, name: &str) -> Error {
    let zh = format!("文件“{name}”：{}", e.message(Lang::Zh));
    let en = format!("File “{name}”: {}", e.message(Lang::En));
    e.fields
        .push(FieldError::new(field, rule, zh.clone(), en.clone()));
    e.with_detail(zh, en)
}

/// The extension in lower case, when the name has one that looks like an extension (1 to 8
/// ASCII letters or digits after the last dot); `None` for `scan`, `身份证.正面` or `a.`.
pub fn extension(file_name: &str) -> Option<String> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let (_, ext) = base.rsplit_once('.')?;
    let looks_like = (1..=8).contains(&ext.len()) && ext.bytes().all(|c| c.is_ascii_alphanumeric());
    looks_like.then(|| ext.to_ascii_lowercase())
}

/// The name as shown in messages: no control characters, at most 80 characters.
fn shown_name(file_name: &str) -> String {
    let clean: String = file_name.chars().filter(|c| !c.is_control()).collect();
    if clean.chars().count() > 80 {
        let cut: String = clean.chars().take(79).collect();
        format!("{cut}…")
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions() {
        assert_eq!(extension("a.PDF").as_deref(), Some("pdf"));
        assert_eq!(extension("照片.jpeg").as_deref(), Some("jpeg"));
        assert_eq!(extension("dir.v2/scan").as_deref(), None);
        assert_eq!(extension("C:\\docs.x\\scan").as_deref(), None);
        assert_eq!(extension("scan"), None);
        assert_eq!(extension("a."), None);
        assert_eq!(extension("身份证.正面"), None);
        assert_eq!(extension("x.tar.gz").as_deref(), Some("gz"));
    }

    #[test]
    fn shown_names_are_clean_and_short() {
        assert_eq!(shown_name("a\u{0}b\nc.pdf"), "abc.pdf");
        let long = "长".repeat(200);
        assert_eq!(shown_name(&long).chars().count(), 80);
    }
}
