//! Grids (网格): the GeoJSON import (dry run or commit, all-or-nothing), the list the map and
//! the pages read, grid workers, and the SVG map.
//!
//! An import reads the file (`spatial::geojson`), applies the shape rules
//! (`spatial::validate`), resolves each grid's department (a USCC, through
//! `yiwang_org::service::departments_in`) and workers (usernames of active staff holding
//! `appeal.handle` — grid workers or case officers — through `IdentityService`), then upserts
//! the grids by code. Nothing is deactivated: grids in the database that the file lacks are
//! named in the report (`absent`) and stay as they are. Any problem refuses the whole file.

use std::collections::{HashMap, HashSet};

use geo::BoundingRect;
use serde_json::json;
use sm3::{Digest, Sm3};
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission, Role};
use yiwang_kernel::error::RowError;
use yiwang_kernel::paging::Page;
use yiwang_kernel::{Error, FieldError, Result};
use yiwang_org::repo::DepartmentFilter;
use yiwang_store::Conn;

use super::AppealService;
use crate::model::{GridKind, LonLat};
use crate::repo::grids::{self as repo, GridRow, GridWrite};
use crate::spatial::geojson::{self, GridFeature, geometry_json, shape_of};
use crate::spatial::svg::{MapGrid, MapOrder, MapStyle, render};
use crate::spatial::validate::{self, area_m2};
use crate::views::{GridImportReport, GridProblem, GridView, MapRequest, QueueFilter};

/// The box shown when there are no grids at all (China).
const CHINA: [f64; 4] = geojson::CHINA_BOX;
/// At most this many orders on one map.
const MAP_ORDERS: u32 = 5;

impl AppealService {
    /// Imports grids from a GeoJSON FeatureCollection: with `commit` false, only the report
    /// (a dry run); with `commit` true, every grid is written — or, on any problem, nothing
    /// (422 naming each feature and rule). Appeal administrators only.
    pub async fn import_grids(
        &self,
        ctx: &Ctx,
        file_name: &str,
        bytes: &[u8],
        commit: bool,
    ) -> Result<GridImportReport> {
        if let Err(e) = ctx.actor.require(Permission::AppealAdmin) {
            return Err(self
                .refused_grids(ctx, "grids:import", "appeal.grids.import", e)
                .await);
        }
        let file_name =
            yiwang_kernel::text::required("file_name", file_name, 200).map_err(Error::field)?;
        let reading = geojson::read(bytes)?;
        let checked = validate::validate(&reading.features);
        let mut errors: Vec<GridProblem> = reading.problems;
        errors.extend(checked.problems);

        let mut c = self.db.clone();
        let depts = self.department_codes(&mut c).await?;
        let workers = self.resolve_workers(&reading.features, &mut errors).await?;
        for f in &reading.features {
            if let Some(d) = &f.department
                && !depts.contains_key(d.as_str())
            {
                errors.push(GridProblem::new(
                    f.index,
                    Some(f.code.clone()),
                    "department.unknown",
                    &format!("部门编码（统一社会信用代码）{d} 不存在"),
                    &format!("No department has the code (USCC) {d}"),
                ));
            }
        }
        errors.sort_by(|a, b| (a.feature, &a.rule).cmp(&(b.feature, &b.rule)));

        let stored = repo::codes(&mut c).await?;
        let file_codes: HashSet<&str> = reading.features.iter().map(|f| f.code.as_str()).collect();
        let by_code: HashMap<&str, i64> = stored
            .iter()
            .map(|(id, code, _)| (code.as_str(), *id))
            .collect();
        let updated = reading
            .features
            .iter()
            .filter(|f| by_code.contains_key(f.code.as_str()))
            .count();
        let absent: Vec<String> = stored
            .iter()
            .filter(|(_, code, active)| *active && !file_codes.contains(code.as_str()))
            .map(|(_, code, _)| code.clone())
            .collect();
        let grids = reading.total;
        let mut report = GridImportReport {
            grids,
            created: reading.features.len() - updated,
            updated,
            errors,
            overlaps: checked.overlaps,
            absent,
            committed: false,
        };
        if !commit {
            return Ok(report);
        }
        if !report.errors.is_empty() {
            return Err(Error::import_rejected(
                report
                    .errors
                    .iter()
                    .map(|p| RowError {
                        sheet: "features".to_string(),
                        line: p.feature + 1,
                        field: format!("features[{}]", p.feature),
                        rule: p.rule.clone(),
                        zh: p.zh.clone(),
                        en: p.en.clone(),
                    })
                    .collect(),
            ));
        }
        report.committed = true;
        let digest = hex::encode(Sm3::digest(bytes));
        let now = self.clock.now();
        let by = ctx.actor.label();
        let report_json = serde_json::to_string(&report).map_err(Error::internal)?;
        let mut tx = self.db.write().await?;
        // Read again under the write lock: another import may have committed meanwhile.
        let current: HashMap<String, i64> = repo::codes(&mut tx)
            .await?
            .into_iter()
            .map(|(id, code, _)| (code, id))
            .collect();
        let import_id = repo::insert_import(
            &mut tx,
            &file_name,
            &digest,
            report.grids as i64,
            &report_json,
            &by,
            now,
        )
        .await?;
        for f in &reading.features {
            let geometry = geometry_json(&f.shape).to_string();
            let bbox = f
                .shape
                .bounding_rect()
                .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
                .unwrap_or([0.0; 4]);
            let w = GridWrite {
                code: &f.code,
                name: &f.name,
                kind: f.kind.as_str(),
                specialty: f.specialty.as_deref(),
                division: &f.division,
                department_id: f
                    .department
                    .as_deref()
                    .and_then(|d| depts.get(d))
                    .map(|d| d.0),
                geometry: &geometry,
                bbox,
                area_m2: (area_m2(&f.shape) * 10.0).round() / 10.0,
            };
            let id = match current.get(f.code.as_str()) {
                Some(&id) => {
                    repo::update(&mut tx, id, &w, import_id, now).await?;
                    id
                }
                None => repo::insert(&mut tx, &w, import_id, now).await?,
            };
            let ids: Vec<i64> = f
                .workers
                .iter()
                .filter_map(|u| workers.get(u.as_str()).copied())
                .collect();
            repo::set_workers(&mut tx, id, &ids).await?;
        }
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "appeal.grids.import",
                format!("grid_import:{import_id}"),
            )
            .source(&ctx.source)
            .data(json!({
                "file_name": file_name,
                "digest": digest,
                "grids": report.grids,
                "created": report.created,
                "updated": report.updated,
                "overlaps": report.overlaps.len(),
                "absent": report.absent,
            })),
            now,
        )
        .await?;
        tx.commit().await?;
        self.invalidate_grids();
        Ok(report)
    }

    /// Every active grid with its workers (public: the map and the filing page read it).
    pub async fn grids(&self) -> Result<Vec<GridView>> {
        let mut c = self.db.clone();
        let rows = repo::active(&mut c).await?;
        let mut workers: HashMap<i64, Vec<i64>> = HashMap::new();
        for (grid, user) in repo::workers(&mut c).await? {
            workers.entry(grid).or_default().push(user);
        }
        self.views(&mut c, rows, &workers).await
    }

    /// One active grid by code.
    pub async fn grid(&self, code: &str) -> Result<Option<GridView>> {
        let mut c = self.db.clone();
        let Some(row) = repo::by_code(&mut c, code).await? else {
            return Ok(None);
        };
        let workers = HashMap::from([(row.id, repo::workers_of(&mut c, row.id).await?)]);
        Ok(self.views(&mut c, vec![row], &workers).await?.pop())
    }

    /// Replaces a grid's workers (the first gets routed orders). Appeal administrators only.
    pub async fn set_grid_workers(
        &self,
        ctx: &Ctx,
        grid_code: &str,
        usernames: &[String],
    ) -> Result<GridView> {
        let object = format!("grid:{grid_code}");
        if let Err(e) = ctx.actor.require(Permission::AppealAdmin) {
            return Err(self
                .refused_grids(ctx, &object, "appeal.grids.workers", e)
                .await);
        }
        let mut c = self.db.clone();
        let Some(grid) = repo::by_code(&mut c, grid_code).await? else {
            return Err(Error::not_found());
        };
        let mut ids = Vec::with_capacity(usernames.len());
        let mut problems = Vec::new();
        let mut seen = HashSet::new();
        for (i, u) in usernames.iter().enumerate() {
            let field = format!("workers[{i}]");
            let u = u.trim();
            if !seen.insert(u.to_string()) {
                problems.push(FieldError::new(
                    field,
                    "workers.duplicate",
                    format!("网格员 {u} 重复列出"),
                    format!("Worker {u} is listed twice"),
                ));
                continue;
            }
            match self.worker(u).await? {
                Ok(id) => ids.push(id),
                Err((rule, zh, en)) => problems.push(FieldError::new(field, rule, zh, en)),
            }
        }
        if !problems.is_empty() {
            return Err(Error::validation(problems));
        }
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        repo::set_workers(&mut tx, grid.id, &ids).await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "appeal.grids.workers", object)
                .source(&ctx.source)
                .data(json!({ "workers": usernames })),
            now,
        )
        .await?;
        tx.commit().await?;
        self.invalidate_grids();
        self.grid(grid_code).await?.ok_or_else(Error::not_found)
    }

    /// The map: grids, and the orders `ctx` may see (staff handling, dispatching or
    /// supervising appeals; nobody else sees orders, only the grids and their own marker).
    pub async fn map_svg(&self, ctx: &Ctx, m: MapRequest) -> Result<String> {
        let mut c = self.db.clone();
        let rows = repo::active(&mut c).await?;
        let shapes: Vec<(GridRow, geo::MultiPolygon<f64>)> = rows
            .into_iter()
            .filter_map(|r| shape_of(&r.geometry).map(|s| (r, s)))
            .collect();
        let grids: Vec<MapGrid<'_>> = if m.grids {
            shapes
                .iter()
                .filter_map(|(r, s)| {
                    Some(MapGrid {
                        code: &r.code,
                        name: &r.name,
                        kind: GridKind::parse(&r.kind)?,
                        specialty: r.specialty.as_deref(),
                        shape: s,
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        let sees_orders = [
            Permission::AppealDispatch,
            Permission::AppealSupervise,
            Permission::AppealHandle,
        ]
        .into_iter()
        .any(|p| ctx.actor.has(p));
        let mut briefs = Vec::new();
        if m.orders && sees_orders {
            let filter = QueueFilter {
                status: m.status,
                overdue: false,
                grid: None,
                department_id: None,
                category: None,
                q: None,
            };
            for page in 1..=MAP_ORDERS {
                let p = self
                    .queue(
                        ctx,
                        filter.clone(),
                        Page {
                            page,
                            size: yiwang_kernel::paging::MAX_PAGE_SIZE,
                        },
                    )
                    .await?;
                let done = p.items.len() < yiwang_kernel::paging::MAX_PAGE_SIZE as usize;
                briefs.extend(p.items);
                if done {
                    break;
                }
            }
        }
        let orders: Vec<MapOrder<'_>> = briefs
            .iter()
            .filter_map(|b| {
                Some(MapOrder {
                    appeal_no: &b.appeal_no,
                    title: &b.title,
                    status_zh: &b.status_zh,
                    point: b.point?,
                    warning: b.warning.as_deref(),
                })
            })
            .collect();
        let fallback = shapes
            .iter()
            .filter_map(|(_, s)| s.bounding_rect())
            .fold(None, |acc: Option<[f64; 4]>, r| {
                Some(match acc {
                    None => [r.min().x, r.min().y, r.max().x, r.max().y],
                    Some(a) => [
                        a[0].min(r.min().x),
                        a[1].min(r.min().y),
                        a[2].max(r.max().x),
                        a[3].max(r.max().y),
                    ],
                })
            })
            .unwrap_or(CHINA);
        let marker = m.marker.and_then(|p| LonLat::new(p.lon, p.lat));
        Ok(render(
            &grids,
            &orders,
            &MapStyle {
                width: m.width,
                fallback,
                marker,
                pick: m.pick,
                label: if m.pick {
                    "网格地图：点击选择位置 / grid map: click to choose a point"
                } else {
                    "网格地图 / grid map"
                },
            },
        ))
    }

    pub(super) async fn views(
        &self,
        c: &mut impl Conn,
        rows: Vec<GridRow>,
        workers: &HashMap<i64, Vec<i64>>,
    ) -> Result<Vec<GridView>> {
        let depts = self.department_names(c).await?;
        let mut staff: HashMap<i64, (String, String)> = HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let ids = workers.get(&r.id).cloned().unwrap_or_default();
            let (mut names, mut users) = (Vec::new(), Vec::new());
            for id in ids {
                if !staff.contains_key(&id)
                    && let Some(a) = self.identity.staff_by_id(id).await?
                {
                    staff.insert(id, (a.username, a.name));
                }
                if let Some((u, n)) = staff.get(&id) {
                    users.push(u.clone());
                    names.push(n.clone());
                }
            }
            let Some(kind) = GridKind::parse(&r.kind) else {
                continue;
            };
            out.push(GridView {
                geometry: serde_json::from_str(&r.geometry).unwrap_or(serde_json::Value::Null),
                department_name: r.department_id.and_then(|d| depts.get(&d).cloned()),
                code: r.code,
                name: r.name,
                kind,
                specialty: r.specialty,
                division: r.division,
                department_id: r.department_id,
                workers: users,
                worker_names: names,
                bbox: [r.min_lon, r.min_lat, r.max_lon, r.max_lat],
                area_m2: r.area_m2,
            });
        }
        Ok(out)
    }

    /// Department USCC → (id, name).
    async fn department_codes(&self, c: &mut impl Conn) -> Result<HashMap<String, (i64, String)>> {
        let all = yiwang_org::service::departments_in(c, &DepartmentFilter::default()).await?;
        Ok(all
            .into_iter()
            .map(|d| (d.uscc.as_str().to_string(), (d.id, d.name)))
            .collect())
    }

    async fn department_names(&self, c: &mut impl Conn) -> Result<HashMap<i64, String>> {
        let all = yiwang_org::service::departments_in(c, &DepartmentFilter::default()).await?;
        Ok(all.into_iter().map(|d| (d.id, d.name)).collect())
    }

    /// Resolves every worker named in the file; problems name the feature.
    async fn resolve_workers(
        &self,
        features: &[GridFeature],
        errors: &mut Vec<GridProblem>,
    ) -> Result<HashMap<String, i64>> {
        let mut found: HashMap<String, std::result::Result<i64, (&'static str, String, String)>> =
            HashMap::new();
        for f in features {
            for u in &f.workers {
                if !found.contains_key(u) {
                    found.insert(u.clone(), self.worker(u).await?);
                }
                if let Some(Err((rule, zh, en))) = found.get(u) {
                    errors.push(GridProblem::new(
                        f.index,
                        Some(f.code.clone()),
                        rule,
                        zh,
                        en,
                    ));
                }
            }
        }
        Ok(found
            .into_iter()
            .filter_map(|(u, r)| r.ok().map(|id| (u, id)))
            .collect())
    }

    /// A worker by username: an active staff account holding `appeal.handle` (a grid worker
    /// or a case officer); else the rule it breaks, in both languages.
    async fn worker(
        &self,
        username: &str,
    ) -> Result<std::result::Result<i64, (&'static str, String, String)>> {
        let Some(a) = self.identity.active_staff_by_username(username).await? else {
            return Ok(Err((
                "workers.unknown",
                format!("网格员 {username} 不是有效的工作人员账号"),
                format!("Worker {username} is not an active staff account"),
            )));
        };
        let handles = a
            .roles
            .iter()
            .filter_map(|r| Role::parse(r))
            .any(|r| r.permissions().contains(&Permission::AppealHandle));
        if !handles {
            return Ok(Err((
                "workers.role",
                format!("{username} 不具有网格员角色或诉求办理权限"),
                format!("{username} holds neither the grid worker role nor appeal.handle"),
            )));
        }
        Ok(Ok(a.id))
    }

    pub(super) async fn refused_grids(
        &self,
        ctx: &Ctx,
        object: &str,
        action: &str,
        e: Error,
    ) -> Error {
        yiwang_audit::refused(&self.db, ctx, object, action, e, self.clock.now()).await
    }
}
