//! What the national exchange (上报 to the 统一办件库) needs to know about the parties of a
//! case that the case itself does not keep: the ID number of a registered person who is the
//! contact, and an enterprise's legal representative (法定代表人) on record. For the cases
//! domain's process-data export only; the numbers come back in clear, as the exchange requires,
//! and the export is audited there.

use yiwang_kernel::Result;

use crate::IdentityService;
use crate::keys::context;
use crate::repo::{orgs, people};

/// A registered person as the exchange names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangePerson {
    pub name: String,
    /// In clear.
    pub id_number: String,
}

impl IdentityService {
    /// The registered person `person_id` (active or not), with their ID number in clear.
    pub async fn exchange_person(&self, person_id: i64) -> Result<Option<ExchangePerson>> {
        let mut c = self.db.clone();
        match people::name_and_sealed_id_number(&mut c, person_id).await? {
            None => Ok(None),
            Some((name, enc)) => Ok(Some(ExchangePerson {
                name,
                id_number: self.keys.open(context::ID_NUMBER, &enc)?.to_string(),
            })),
        }
    }

    /// The legal representative on record for the registered enterprise `org_id`.
    pub async fn exchange_legal_representative(&self, org_id: i64) -> Result<Option<String>> {
        let mut c = self.db.clone();
        orgs::legal_representative(&mut c, org_id).await
    }
}
