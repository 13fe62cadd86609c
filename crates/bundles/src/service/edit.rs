//! Writing definitions: create (version 1, a draft), edit a draft (compare-and-set on its
//! revision), submit it for review (the definition's own checks and its fit to the items'
//! current published versions; every problem listed), and start a new version as a copy of
//! the published one.

use serde_json::json;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};

use super::{BundleService, VersionView, parse_doc, view};
use crate::check;
use crate::lifecycle::{self, Action, transition};
use crate::model::Bundle;
use crate::repo;

fn doc_of(b: &Bundle) -> Result<String> {
    serde_json::to_string(b).map_err(|e| Error::internal(format!("bundle definition: {e}")))
}

fn shape_ok(b: &Bundle) -> Result<()> {
    let errs = check::shape(b);
    if errs.is_empty() {
        Ok(())
    } else {
        Err(Error::validation(errs))
    }
}

impl BundleService {
    /// Creates a bundle with `b` as its version 1 (a draft). The definition's own rules are
    /// checked on every save; its fit to the items on submission.
    pub async fn create(&self, ctx: &Ctx, b: &Bundle) -> Result<VersionView> {
        let object = format!("bundle:{}", b.code);
        self.require_any(
            ctx,
            &[Permission::CatalogEdit],
            "bundle.create",
            object.clone(),
        )
        .await?;
        shape_ok(b)?;
        let doc = doc_of(b)?;
        let now = self.clock.now();
        let actor = ctx.actor.label();
        let mut tx = self.db.write().await?;
        if repo::bundle_by_code(&mut tx, &b.code).await?.is_some() {
            return Err(Error::field(FieldError::new(
                "code",
                "bundle.code_taken",
                format!("编码“{}”已被其他一件事使用", b.code),
                format!("The code \"{}\" is taken by another bundle", b.code),
            )));
        }
        let id = repo::insert_bundle(&mut tx, &b.code, &b.name, &b.theme, now).await?;
        repo::insert_version(&mut tx, id, 1, &doc, &actor, now).await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "bundle.create", object)
                .source(&ctx.source)
                .data(json!({ "version": 1, "name": b.name })),
            now,
        )
        .await?;
        let v = Self::version_row(&mut tx, id, 1).await?;
        tx.commit().await?;
        view(&b.code, v)
    }

    /// Replaces the definition of version `no` (a draft, or a rejected version, which becomes
    /// a draft again) if nobody changed it since `revision` (else `conflict`). The definition
    /// keeps the bundle's code.
    pub async fn update(
        &self,
        ctx: &Ctx,
        code: &str,
        no: i64,
        revision: i64,
        b: &Bundle,
    ) -> Result<VersionView> {
        let object = format!("bundle:{code}");
        self.require_any(
            ctx,
            &[Permission::CatalogEdit],
            "bundle.update",
            object.clone(),
        )
        .await?;
        if b.code != code {
            return Err(Error::field(FieldError::new(
                "code",
                "bundle.code_changed",
                format!("定义中的编码应为“{code}”，编码不能修改"),
                format!("The definition's code must stay \"{code}\""),
            )));
        }
        shape_ok(b)?;
        let doc = doc_of(b)?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let row = Self::row(&mut tx, code).await?;
        let v = Self::version_row(&mut tx, row.id, no).await?;
        transition(&v.status, Action::Edit)?;
        if v.revision != revision || !repo::update_doc(&mut tx, row.id, no, revision, &doc).await? {
            return Err(Error::new(ErrorCode::Conflict));
        }
        if no == repo::latest_no(&mut tx, row.id).await? {
            repo::set_bundle(
                &mut tx,
                row.id,
                &b.name,
                &b.theme,
                &row.status,
                row.published_version,
                now,
            )
            .await?;
        }
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "bundle.update", object)
                .source(&ctx.source)
                .data(json!({ "version": no })),
            now,
        )
        .await?;
        let v = Self::version_row(&mut tx, row.id, no).await?;
        tx.commit().await?;
        view(code, v)
    }

    /// Submits version `no` for review after the definition's own checks and its fit to the
    /// items' current published versions: every problem is listed in one `validation_failed`.
    pub async fn submit(
        &self,
        ctx: &Ctx,
        code: &str,
        no: i64,
        revision: i64,
    ) -> Result<VersionView> {
        let object = format!("bundle:{code}");
        self.require_any(
            ctx,
            &[Permission::CatalogEdit],
            "bundle.submit",
            object.clone(),
        )
        .await?;
        let mut c = self.db.clone();
        let row = Self::row(&mut c, code).await?;
        let v = Self::version_row(&mut c, row.id, no).await?;
        let to = transition(&v.status, Action::Submit)?;
        if v.revision != revision {
            return Err(Error::new(ErrorCode::Conflict));
        }
        let def = parse_doc(&v.doc)?;
        self.fits(&def).await?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let cur = Self::version_row(&mut tx, row.id, no).await?;
        if cur.revision != revision
            || !repo::set_status(&mut tx, row.id, no, &cur.status, to).await?
        {
            return Err(Error::new(ErrorCode::Conflict));
        }
        repo::mark_submitted(
            &mut tx,
            row.id,
            no,
            &ctx.actor.label(),
            ctx.actor.user_id(),
            now,
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "bundle.submit", object)
                .source(&ctx.source)
                .data(json!({ "version": no })),
            now,
        )
        .await?;
        let v = Self::version_row(&mut tx, row.id, no).await?;
        tx.commit().await?;
        view(code, v)
    }

    /// Every problem of a definition: its own rules and its fit to the items' current
    /// published versions.
    pub async fn problems(&self, b: &Bundle) -> Result<Vec<FieldError>> {
        let mut errs = check::shape(b);
        let items = self.item_specs(b).await?;
        errs.extend(check::against_items(b, &items));
        Ok(errs)
    }

    /// Fails with every problem of the definition, if it has any.
    pub(super) async fn fits(&self, b: &Bundle) -> Result<()> {
        let errs = self.problems(b).await?;
        if errs.is_empty() {
            Ok(())
        } else {
            Err(Error::validation(errs))
        }
    }

    /// Starts the next version as a draft copy of the published one. Refused while another
    /// version is being worked on (draft, submitted or returned) or when none is published.
    pub async fn new_version(&self, ctx: &Ctx, code: &str) -> Result<VersionView> {
        let object = format!("bundle:{code}");
        self.require_any(
            ctx,
            &[Permission::CatalogEdit],
            "bundle.update",
            object.clone(),
        )
        .await?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let row = Self::row(&mut tx, code).await?;
        let versions = repo::versions(&mut tx, row.id).await?;
        if let Some(open) = versions.iter().find(|v| lifecycle::open(&v.status)) {
            return Err(Error::new(ErrorCode::InvalidState).with_detail(
                format!("版本 {} 尚在编辑或审核中", open.version_no),
                format!(
                    "Version {} is still being edited or reviewed",
                    open.version_no
                ),
            ));
        }
        let published = row
            .published_version
            .and_then(|no| versions.iter().find(|v| v.version_no == no))
            .ok_or_else(|| {
                Error::new(ErrorCode::InvalidState).with_detail(
                    "只有已发布的一件事才能建立新版本",
                    "Only a published bundle can get a new version",
                )
            })?;
        let no = versions.iter().map(|v| v.version_no).max().unwrap_or(0) + 1;
        repo::insert_version(&mut tx, row.id, no, &published.doc, &ctx.actor.label(), now).await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "bundle.update", object)
                .source(&ctx.source)
                .data(json!({ "version": no, "from": published.version_no })),
            now,
        )
        .await?;
        let v = Self::version_row(&mut tx, row.id, no).await?;
        tx.commit().await?;
        view(code, v)
    }
}
