//! Unified identity (统一身份认证): accounts, passwords, sessions.
//!
//! This first part serves staff (工作人员): accounts created by administrators (never
//! self-registered), argon2id password hashes, server-side sessions whose tokens are stored only
//! as SM3 hashes, each with its own anti-forgery (CSRF) token, idle and absolute timeouts.
//! A session resolves to the kernel's [`Actor`](yiwang_kernel::auth::Actor); what the actor may
//! do is decided by the domains, never here.
//!
//! [`oidc`] makes Yiwang an OpenID Connect provider, so that department systems sign their
//! staff in through Yiwang (single sign-on).
//!
//! Owns the tables `staff_accounts` and `sessions`, and (in [`oidc`]) `oidc_clients`,
//! `oidc_codes`, `oidc_access_tokens`, `oidc_signing_keys`. Knows nothing of HTTP.

pub mod oidc;
pub mod password;
pub mod service;

pub use oidc::OidcService;
pub use service::{IdentityConfig, IdentityService, Session, StaffAccount, StaffInput};
