//! SQL of the identity domain, one file per concern. One SQL text per query for both backends.
//!
//! The service files (`service`, `signin`, `people`, `orgs`, `agents`, `tokens`, `admins`,
//! `lockout`, `exchange`) keep the rules and call these functions; the OpenID Connect
//! provider keeps its own SQL in `oidc::repo`.

pub(crate) mod admins;
pub(crate) mod agents;
pub(crate) mod lockout;
pub(crate) mod names;
pub(crate) mod orgs;
pub(crate) mod people;
pub(crate) mod sealed;
pub(crate) mod sessions;
pub(crate) mod staff;
pub(crate) mod tokens;
