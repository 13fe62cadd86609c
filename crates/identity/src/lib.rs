//! Unified identity (统一身份认证): accounts, passwords, sessions, tokens, personal data.
//!
//! - Staff (工作人员): accounts created by system administrators (never self-registered); roles
//!   granted only by security administrators (三员分立, [`IdentityService::set_roles`]).
//! - Natural persons (自然人) register with real name, ID number and mobile phone
//!   ([`people`]); ID and phone numbers are sealed with SM4 and found by blind index
//!   ([`keys`], crates/vault); legal persons (法人) are registered by their legal
//!   representative (verified against the register, or at a window) who becomes their
//!   administrator and grants agents (经办人) ([`orgs`]).
//! - Sessions: tokens stored only as SM3 hashes, each with its own anti-forgery (CSRF) token,
//!   idle and absolute timeouts, acting-for checked against the live grant on every request.
//! - Lockout after repeated failures, the same for real and made-up names ([`lockout`]).
//! - Account recovery with one-time reset codes the identity officer issues ([`recovery`]).
//! - API tokens for department systems ([`tokens`]).
//!
//! - Single sign-on: [`oidc`] makes Yiwang an OpenID Connect provider, so that department
//!   systems sign their staff in through Yiwang.
//!
//! A session or token resolves to the kernel's [`Actor`](yiwang_kernel::auth::Actor); what the
//! actor may do is decided by the domains, never here. Owns the tables `staff_accounts`,
//! `sessions`, `admin_changes` ([`admins`]), `people`, `organisations`, `org_agents`, `sign_in_failures`, `password_resets` ([`recovery`]), `api_tokens`, and
//! (in [`oidc`]) `oidc_clients`, `oidc_codes`, `oidc_access_tokens`, `oidc_signing_keys`.
//! Knows nothing of HTTP.

pub mod admins;
pub mod agents;
pub mod exchange;
pub mod keys;
pub mod kin;
pub mod lockout;
mod names;
pub mod oidc;
pub mod orgs;
pub mod password;
pub mod people;
mod reach;
pub mod recovery;
mod repo;
pub mod service;
pub mod signin;
pub mod tokens;

pub use admins::{AccountChange, AdminChange};
pub use keys::{Keys, SealedData};
pub use lockout::LockoutPolicy;
pub use oidc::OidcService;
pub use orgs::{
    AgentGrant, AgentGrantInput, LegalPersonRegister, Membership, OrgRegistration,
    OrgWindowVerification, Organisation, RegisterAnswer, RegisteredLegalPerson,
};
pub use people::{
    ApplicantIdentity, ApplicantOrg, PersonProfile, PersonRecord, PersonRegistration,
};
pub use recovery::{IssuedReset, ResetRequest};
pub use service::{IdentityConfig, IdentityService, Session, StaffAccount, StaffInput};
pub use tokens::{ApiToken, IssuedToken, TokenInput};
