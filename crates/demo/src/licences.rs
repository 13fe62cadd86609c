//! Loads the demo's licence types and issues the demo citizens' and enterprise's licences
//! (sealed by the issuing departments' keys, generated on first use).

use std::sync::Arc;

use serde_json::{Map, Value, json};
use yiwang_kernel::Error;
use yiwang_kernel::clock::Clock;
use yiwang_licences::{IssueInput, LicenceService, LicenceType};
use yiwang_store::Db;

use crate::data::accounts::{ENTERPRISE, PEOPLE};
use crate::data::licences::{ISSUED, TYPES};
use crate::loader::Loader;

impl Loader {
    pub(crate) async fn licences(
        &mut self,
        db: &Db,
        clock: Arc<dyn Clock>,
        keys: yiwang_identity::Keys,
    ) -> Result<(), Error> {
        let svc = LicenceService::new(db.clone(), clock, keys, self.identity.clone());
        for t in TYPES {
            let face: Vec<Value> = t
                .face
                .iter()
                .map(|(key, label, kind)| json!({"key": key, "label": label, "kind": kind, "required": true}))
                .collect();
            svc.define_type(
                &self.ctx,
                &LicenceType {
                    code: t.code.to_string(),
                    name: t.name.to_string(),
                    definer_name: t.definer.to_string(),
                    holder_type: t.holder.to_string(),
                    face_schema: Value::Array(face).to_string(),
                    validity_years: t.years,
                },
            )
            .await?;
        }
        let enterprise = yiwang_kernel::codes::Uscc::from_body(ENTERPRISE.0)
            .map_err(Error::field)?
            .to_string();
        for i in ISSUED {
            let (name, code) = match i.holder {
                Some(p) => {
                    let p = PEOPLE
                        .get(p)
                        .ok_or_else(|| Error::internal("demo: no such person"))?;
                    (p.name.to_string(), p.id_number.to_string())
                }
                None => (ENTERPRISE.1.to_string(), enterprise.clone()),
            };
            let face: Map<String, Value> = i
                .face
                .iter()
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect();
            let dept = self.dept(i.county, i.dept)?.id;
            svc.issue(
                &self.ctx,
                &IssueInput {
                    type_code: i.code.to_string(),
                    holder_name: name,
                    holder_code: code,
                    face: Value::Object(face),
                    issuer_department_id: dept,
                    ..Default::default()
                },
            )
            .await?;
        }
        self.wrote = true;
        Ok(())
    }
}
