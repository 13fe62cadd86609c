//! KPI definitions (指标定义): read by every reader of the figures, kept by the evaluation
//! administrator (`supervision.admin`). A definition's measures must be ones the domains
//! provide ([`super::measures`]); a ratio or an average needs a denominator, a count none.

use serde_json::json;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission};
use yiwang_kernel::error::Problems;
use yiwang_kernel::{Error, FieldError, Result};

use super::model::{Direction, Kind, KpiDef, KpiDefInput, MeasureInfo, measures};
use super::repo;
use crate::SupervisionService;

/// A KPI code: 1–40 lower-case letters, digits or `_`, starting with a letter.
fn code_ok(s: &str) -> bool {
    (1..=40).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Checks `input` for the definition `code`; every problem names its field.
pub fn validate(code: &str, input: &KpiDefInput) -> Result<KpiDef> {
    let mut p = Problems::new();
    let code = code.trim();
    if !code_ok(code) {
        p.push(FieldError::new(
            "code",
            "kpi.code",
            "指标编码应为1至40位小写字母、数字或下划线，以字母开头",
            "A KPI code has 1 to 40 lower-case letters, digits or underscores and starts with a letter",
        ));
    }
    let text = |p: &mut Problems, field: &str, v: &str, max: usize, required: bool| -> String {
        let v = v.trim();
        if required && v.is_empty() {
            p.push(FieldError::required(field));
        } else if v.chars().count() > max {
            p.push(FieldError::max_chars(field, max));
        }
        v.to_string()
    };
    let name_zh = text(&mut p, "name_zh", &input.name_zh, 40, true);
    let name_en = text(&mut p, "name_en", &input.name_en, 80, true);
    let unit_zh = text(&mut p, "unit_zh", &input.unit_zh, 10, true);
    let unit_en = text(&mut p, "unit_en", &input.unit_en, 20, true);
    let description = text(&mut p, "description", &input.description, 500, false);
    let basis = text(&mut p, "basis", &input.basis, 500, false);
    let known = measures();
    let measure_ok = |p: &mut Problems, field: &str, v: &str| {
        if !known.iter().any(|m| m.code == v) {
            p.push(FieldError::new(
                field,
                "kpi.measure",
                format!("统计口径“{v}”不存在，请从度量列表中选择"),
                format!("There is no measure \"{v}\"; choose one from the list"),
            ));
        }
    };
    let numerator = input.numerator.trim().to_string();
    if numerator.is_empty() {
        p.push(FieldError::required("numerator"));
    } else {
        measure_ok(&mut p, "numerator", &numerator);
    }
    let denominator = input
        .denominator
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(d) = &denominator {
        measure_ok(&mut p, "denominator", d);
    }
    let kind = Kind::parse(&input.kind);
    match kind {
        None => p.push(FieldError::one_of("kind", &["ratio", "average", "count"])),
        Some(Kind::Count) if denominator.is_some() => p.push(FieldError::new(
            "denominator",
            "kpi.count_denominator",
            "计数类指标不设分母",
            "A count has no denominator",
        )),
        Some(Kind::Ratio | Kind::Average) if denominator.is_none() => p.push(FieldError::new(
            "denominator",
            "kpi.denominator_required",
            "比率和平均值类指标必须设置分母",
            "A ratio or an average needs a denominator",
        )),
        _ => {}
    }
    let direction = Direction::parse(&input.direction);
    if direction.is_none() {
        p.push(FieldError::one_of("direction", &["up", "down"]));
    }
    if let Some(t) = input.target
        && (!t.is_finite() || t < 0.0 || (kind == Some(Kind::Ratio) && t > 100.0))
    {
        p.push(FieldError::new(
            "target",
            "kpi.target",
            "目标值应为非负数，比率类不超过100",
            "A target is a non-negative number, at most 100 for a ratio",
        ));
    }
    if !(0..=10_000).contains(&input.position) {
        p.push(FieldError::range("position", 0, 10_000));
    }
    p.into_result()?;
    let (Some(kind), Some(direction)) = (kind, direction) else {
        return Err(Error::internal("kpi definition validated without kind"));
    };
    Ok(KpiDef {
        code: code.to_string(),
        name_zh,
        name_en,
        numerator,
        denominator,
        kind,
        direction,
        unit_zh,
        unit_en,
        target: input.target,
        description,
        basis,
        active: input.active,
        position: input.position,
    })
}

impl SupervisionService {
    /// Every KPI definition (active or not), in display order.
    pub async fn definitions(&self, ctx: &Ctx) -> Result<Vec<KpiDef>> {
        if let Err(e) = ctx.actor.require(Permission::SupervisionView) {
            return Err(self
                .kpi_refused(ctx, "kpi-definitions", "supervision.view", e)
                .await);
        }
        let mut c = self.db.clone();
        repo::definitions(&mut c).await
    }

    /// One definition (404 when none).
    pub async fn definition(&self, ctx: &Ctx, code: &str) -> Result<KpiDef> {
        if let Err(e) = ctx.actor.require(Permission::SupervisionView) {
            return Err(self
                .kpi_refused(ctx, &format!("kpi:{code}"), "supervision.view", e)
                .await);
        }
        let mut c = self.db.clone();
        repo::definition(&mut c, code.trim())
            .await?
            .ok_or_else(Error::not_found)
    }

    /// The measures a definition may use (the definitions page's lists).
    pub fn measure_list(&self) -> Vec<MeasureInfo> {
        measures().iter().map(MeasureInfo::from).collect()
    }

    /// Creates or changes the definition `code` (考评管理员), audited (`kpi.definition.save`).
    pub async fn save_definition(
        &self,
        ctx: &Ctx,
        code: &str,
        input: &KpiDefInput,
    ) -> Result<KpiDef> {
        let object = format!("kpi:{}", code.trim());
        if let Err(e) = ctx.actor.require(Permission::SupervisionAdmin) {
            return Err(self
                .kpi_refused(ctx, &object, "kpi.definition.save", e)
                .await);
        }
        let def = validate(code, input)?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let before = repo::definition(&mut tx, &def.code).await?;
        repo::save_definition(&mut tx, &def, &ctx.actor.label(), now).await?;
        let entry = Entry::success(&ctx.actor, "kpi.definition.save", object)
            .source(&ctx.source)
            .data(json!({
                "created": before.is_none(),
                "numerator": def.numerator,
                "denominator": def.denominator,
                "kind": def.kind.as_str(),
                "direction": def.direction.as_str(),
                "target": def.target,
                "active": def.active,
            }));
        record(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(def)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert!(code_ok("on_time_rate"));
        assert!(!code_ok("On"));
        assert!(!code_ok("1a"));
        assert!(!code_ok(""));
    }

    #[test]
    fn a_count_has_no_denominator_and_fields_are_named() {
        let input = KpiDefInput {
            kind: "count".into(),
            direction: "sideways".into(),
            denominator: Some("cases.concluded".into()),
            ..Default::default()
        };
        let e = validate("x", &input).unwrap_err();
        let fields: Vec<String> = e.fields.iter().map(|f| f.field.clone()).collect();
        for f in ["name_zh", "numerator", "direction", "denominator"] {
            assert!(fields.iter().any(|x| x == f), "{f}: {fields:?}");
        }
    }
}
