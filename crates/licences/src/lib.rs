//! Electronic licences (电子证照): the pure parts — the GB/T 36904 identifier with its
//! ISO 7064 MOD 37,36 check character, the canonical form a seal signs, and SM2 seals with the
//! default distinguishing ID (docs/standards/licences.md §7.2, docs/standards/sm-crypto.md). The licence domain (types, issuing,
//! wallet, verification, use) builds on these; `copies` adds annotated copies (加注件) and
//! `pdf` the printable PDF of a licence with its verification QR code.

pub mod canonical;
pub mod copies;
pub mod identifier;
pub mod import;
pub mod kpi_facts;
pub mod notice;
pub mod pdf;
pub mod register;
mod repo;
pub mod seal;
pub mod service;
pub mod staff;

pub use canonical::{NotCanonical, canonical};
pub use copies::{COPY_MAX_DAYS, CopyCheck, CopyInput, LicenceCopy};
pub use identifier::{Identifier, Parsed, check_char};
pub use import::{ImportJob, ImportProblem, LicenceImports};
pub use notice::{EXPIRING_DAYS, ExpirySweep, Notice, Notices};
pub use register::LicenceRegister;
pub use seal::{DEFAULT_ID, SealError, SealKey, verify};
pub use service::{
    GRANT_DAYS, IssueInput, Licence, LicenceService, LicenceType, PublicSealKey, UseRecord,
    Verification,
};
pub use staff::{DepartmentSealKey, IssuedFilter, IssuingDepartment};
