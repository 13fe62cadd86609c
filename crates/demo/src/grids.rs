//! The grids of 赤坎区 (data in `data::grids`): the street offices (街道办事处) as departments
//! under the district government, one grid worker (网格员) per street, and the grid file —
//! one unit grid per community tiling the district's box (a jittered lattice: shared vertices,
//! no gaps, no overlaps) and three professional grids over them — as the GeoJSON an
//! administrator would import.

use std::collections::HashMap;

use serde_json::{Value, json};
use yiwang_appeals::spatial::geojson::geometry_json;
use yiwang_appeals::spatial::lattice::Lattice;
use yiwang_identity::service::StaffInput;
use yiwang_kernel::Error;
use yiwang_kernel::auth::Role;
use yiwang_org::DepartmentInput;

use crate::data::grids::{BOX, CATEGORIES, DISTRICT, KNOWLEDGE, PROFESSIONAL, STREETS, Street};
use crate::ids::{self, CodeMint, OrgType};
use crate::loader::Loader;
use crate::plan::department_plan;
use crate::{DEMO_PASSWORD, context};

/// The lattice of the unit grids: 8 × 5 = 40 cells, one per community.
pub(crate) const LATTICE: Lattice = Lattice {
    bbox: BOX,
    cols: 8,
    rows: 5,
    jitter: 0.2,
    seed: 440_802,
};

/// Cell `(col, row)` of the `n`-th community (streets in order, their communities in order):
/// rows from the south, alternately west→east and east→west, so each street's communities are
/// neighbours.
pub(crate) fn cell_of(n: usize) -> (usize, usize) {
    let (cols, row) = (LATTICE.cols, n / LATTICE.cols);
    let k = n % cols;
    let col = if row % 2 == 0 { k } else { cols - 1 - k };
    (col, row)
}

/// The unit grid code of a community: `CK` + its 12-digit code.
pub(crate) fn unit_code(community: &str) -> String {
    format!("CK{community}")
}

/// The street offices' codes, derived from their names like every demo department's.
pub(crate) fn office_uscc(s: &Street) -> Result<String, Error> {
    Ok(CodeMint::new()
        .uscc(OrgType::Organ, DISTRICT, &s.office_name())?
        .to_string())
}

/// The planned USCC of a demo department (`None` = the city).
pub(crate) fn plan_uscc(county: Option<&'static str>, key: &'static str) -> Result<String, Error> {
    department_plan()?
        .into_iter()
        .find(|p| p.key == (county, key))
        .map(|p| p.input.uscc)
        .ok_or_else(|| Error::internal(format!("demo: no planned department {key}")))
}

/// The grid file: `offices` maps a street code to its office's USCC, `bureaus` a city
/// department key to its USCC.
pub(crate) fn geojson(offices: &HashMap<&str, String>, bureaus: &HashMap<&str, String>) -> Value {
    let mut features = Vec::new();
    let mut n = 0;
    for s in &STREETS {
        for (code, name) in s.communities {
            let (col, row) = cell_of(n);
            n += 1;
            let shape = geo::MultiPolygon(vec![LATTICE.cell(col, row)]);
            features.push(json!({
                "type": "Feature",
                "geometry": geometry_json(&shape),
                "properties": {
                    "code": unit_code(code),
                    "name": format!("{}{}网格", s.name, name),
                    "kind": "unit",
                    "division": code,
                    "department": offices.get(s.code),
                    "workers": [s.worker_username()],
                }
            }));
        }
    }
    for p in &PROFESSIONAL {
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [p.ring]},
            "properties": {
                "code": p.code,
                "name": p.name,
                "kind": "专业网格",
                "specialty": p.specialty,
                "division": DISTRICT,
                "department": bureaus.get(p.dept),
                "workers": [],
            }
        }));
    }
    json!({"type": "FeatureCollection", "features": features})
}

impl Loader {
    /// The ids of the city departments the categories, answers and professional grids name,
    /// by USCC.
    pub(crate) async fn appeal_departments(&self) -> Result<HashMap<String, i64>, Error> {
        let keys = CATEGORIES
            .iter()
            .map(|c| c.dept)
            .chain(KNOWLEDGE.iter().map(|a| a.dept))
            .chain(PROFESSIONAL.iter().map(|p| p.dept));
        let mut out = HashMap::new();
        for key in keys {
            let uscc = plan_uscc(None, key)?;
            if out.contains_key(&uscc) {
                continue;
            }
            if let Some(d) = self.department_by_uscc(&uscc).await? {
                out.insert(uscc, d.id);
            }
        }
        Ok(out)
    }

    /// The street offices (under 赤坎区人民政府) and their grid workers; each skipped when it
    /// exists. Answers the offices' USCCs by street code.
    pub(crate) async fn street_offices(&mut self) -> Result<HashMap<&'static str, String>, Error> {
        let gov = plan_uscc(Some(DISTRICT), "gov")?;
        let mut out = HashMap::new();
        for s in &STREETS {
            let uscc = office_uscc(s)?;
            let name = s.office_name();
            let dept = match self.department_by_uscc(&uscc).await? {
                Some(d) => d,
                None => {
                    self.wrote = true;
                    let input = DepartmentInput {
                        uscc: uscc.clone(),
                        name: name.clone(),
                        short_name: s.office_short(),
                        division_code: s.code.to_string(),
                        parent_uscc: gov.clone(),
                        kind: "township".to_string(),
                        phone: ids::phone('3', &name),
                        address: s.address.to_string(),
                    };
                    self.org
                        .create_department(&self.ctx, &input)
                        .await
                        .map_err(context(format!("department {name}")))?
                }
            };
            let username = s.worker_username();
            if !self.identity.staff_exists(&username).await? {
                self.wrote = true;
                let input = StaffInput {
                    username: username.clone(),
                    name: s.worker.to_string(),
                    department_id: dept.id,
                    roles: vec![Role::GridWorker.as_str().to_string()],
                    password: DEMO_PASSWORD.to_string(),
                };
                self.identity
                    .create_staff_with_hash(&self.ctx, &input, crate::demo_hash().await?)
                    .await
                    .map_err(context(format!("account {username}")))?;
            }
            out.insert(s.code, uscc);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yiwang_appeals::model::GridKind;
    use yiwang_appeals::spatial::geojson::read;
    use yiwang_appeals::spatial::validate::validate;

    fn file() -> Value {
        let offices: HashMap<&str, String> = STREETS
            .iter()
            .map(|s| (s.code, office_uscc(s).unwrap_or_default()))
            .collect();
        let bureaus: HashMap<&str, String> = [("cgj", "X1"), ("sthj", "X2"), ("jtj", "X3")]
            .into_iter()
            .map(|(k, v)| (k, v.to_string()))
            .collect();
        geojson(&offices, &bureaus)
    }

    #[test]
    fn the_cells_are_a_permutation_of_the_lattice() {
        let mut seen: Vec<(usize, usize)> = (0..40).map(cell_of).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 40);
        assert!(seen.iter().all(|&(c, r)| c < 8 && r < 5));
    }

    #[test]
    fn the_grid_file_reads_and_validates_without_gaps_or_unit_overlaps() {
        let bytes = serde_json::to_vec(&file()).expect("json");
        let r = read(&bytes).expect("read");
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.features.len(), 43);
        let c = validate(&r.features);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        // Unit grids never overlap; professional grids of different specialties may.
        assert!(c.overlaps.is_empty(), "{:?}", c.overlaps);
        // The unit grids tile the box: their areas add up to it (0.1 % rounding).
        let units: f64 = r
            .features
            .iter()
            .filter(|f| f.kind == GridKind::Unit)
            .map(|f| yiwang_appeals::spatial::validate::area_m2(&f.shape))
            .sum();
        let boxed = yiwang_appeals::spatial::validate::area_m2(
            &yiwang_appeals::spatial::geojson::to_shape(&vec![vec![vec![
                [BOX[0], BOX[1]],
                [BOX[2], BOX[1]],
                [BOX[2], BOX[3]],
                [BOX[0], BOX[3]],
                [BOX[0], BOX[1]],
            ]]]),
        );
        assert!((units - boxed).abs() / boxed < 1e-3, "{units} vs {boxed}");
        // Every unit grid has its street office and worker.
        let first = &r.features[0];
        assert_eq!(first.code, "CK440802001001");
        assert_eq!(first.workers, vec!["wgy_zhonghua".to_string()]);
        assert_eq!(
            first.department.as_deref(),
            Some(office_uscc(&STREETS[0]).unwrap_or_default().as_str())
        );
        assert_eq!(first.division, "440802001001");
    }
}
