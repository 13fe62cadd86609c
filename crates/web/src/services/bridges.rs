//! The exchange domain as the cases and catalog domains see it (they never depend on it):
//! the base libraries as prefills and material replacements (数据代替材料, [`LibraryPrefills`]),
//! the data API as the reader of automatic rules' shared facts (智能秒批, [`GrantFacts`]) and the
//! resource catalog as the check of the resource codes those rules name ([`PublishedResources`]).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use yiwang_cases::{BaseFact, BasePrefills, DataProvenance, SharedFacts};
use yiwang_catalog::service::resources::ResourceCodes;
use yiwang_exchange::access::CallPurpose;
use yiwang_exchange::base::{BaseLibraries, BaseRecord, Library};
use yiwang_exchange::{DataAccess, ExchangeService};
use yiwang_forms::Prefill;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::{ErrorCode, Result};
use yiwang_workflow::Fact;

type Answer<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// The base libraries as the cases domain's source of facts about an applicant: the population
/// record of an ID number, the legal-person record of a USCC, read as the platform
/// (`system:prefill`, audited by the libraries), each fact with its source's provenance.
#[derive(Debug, Clone)]
pub(super) struct LibraryPrefills(pub(super) BaseLibraries);

impl LibraryPrefills {
    async fn read(&self, library: Library, key: &str) -> Result<Option<BaseRecord>> {
        let ctx = Ctx::system("prefill");
        match self.0.lookup(&ctx, library, key, None, "prefill").await {
            // A key the library cannot hold (malformed) holds nothing to prefill.
            Err(e) if e.code == ErrorCode::Validation => Ok(None),
            r => r,
        }
    }
}

fn fact(r: &BaseRecord, prefill: Prefill, attribute: &str) -> Option<BaseFact> {
    let value = r.text(attribute)?;
    let a = r.attribute(attribute)?;
    Some(BaseFact {
        prefill,
        value,
        provenance: DataProvenance {
            library: r.library.code().to_string(),
            attribute: attribute.to_string(),
            resource: a.source.resource.clone(),
            resource_name: a.source.resource_name.clone(),
            field: a.source.field.clone(),
            since: a.source.since,
        },
    })
}

impl BasePrefills for LibraryPrefills {
    fn facts<'a>(
        &'a self,
        wanted: &'a [Prefill],
        id_number: Option<&'a str>,
        uscc: Option<&'a str>,
    ) -> Answer<'a, Vec<BaseFact>> {
        Box::pin(async move {
            let mut out = Vec::new();
            if wanted.contains(&Prefill::PersonAddress)
                && let Some(id) = id_number
                && let Some(r) = self.read(Library::Population, id).await?
            {
                out.extend(fact(&r, Prefill::PersonAddress, "address"));
            }
            let org = [Prefill::OrgLegalRepresentative, Prefill::OrgAddress];
            if let Some(u) = uscc
                && wanted.iter().any(|p| org.contains(p))
                && let Some(r) = self.read(Library::LegalPerson, u).await?
            {
                out.extend(fact(
                    &r,
                    Prefill::OrgLegalRepresentative,
                    "legal_representative",
                ));
                out.extend(fact(&r, Prefill::OrgAddress, "address"));
            }
            Ok(out)
        })
    }
}

/// The data API as the reader of automatic rules' facts: a lookup by the applicant's key with
/// the caller's department's grant, purpose 智能秒批核验, recorded against the case number. A
/// refusal or a failure becomes an unavailable fact naming why (the case goes to an officer).
#[derive(Debug, Clone)]
pub(super) struct GrantFacts(pub(super) DataAccess);

impl SharedFacts for GrantFacts {
    fn read<'a>(
        &'a self,
        ctx: &'a Ctx,
        resource: &'a str,
        key: &'a str,
        case_no: &'a str,
    ) -> Answer<'a, Fact> {
        Box::pin(async move {
            let purpose = CallPurpose {
                purpose: yiwang_cases::service::shared_facts::PURPOSE.to_string(),
                case_number: case_no.to_string(),
            };
            Ok(
                match self.0.lookup(ctx, resource, key, &purpose, None).await {
                    Ok(a) => match a.row {
                        Some(r) => Fact::Row {
                            values: r.values.into_iter().collect::<BTreeMap<_, _>>(),
                        },
                        None => Fact::NoRow,
                    },
                    Err(e) => {
                        if e.code == ErrorCode::Internal {
                            tracing::warn!(error = %e, resource, "shared fact read failed");
                        }
                        Fact::Unavailable {
                            zh: e.message(Lang::Zh),
                            en: e.message(Lang::En),
                        }
                    }
                },
            )
        })
    }
}

/// The exchange catalog as the check that automatic rules name published resources.
#[derive(Debug, Clone)]
pub(super) struct PublishedResources(pub(super) ExchangeService);

impl ResourceCodes for PublishedResources {
    fn unknown<'a>(&'a self, codes: &'a [String]) -> Answer<'a, Vec<String>> {
        Box::pin(async move {
            let mut out = Vec::new();
            for c in codes {
                if self.0.published_by_code(c).await?.is_none() {
                    out.push(c.clone());
                }
            }
            Ok(out)
        })
    }
}

/// The credit red and black lists (supervision domain) as the cases domain's check of an
/// applicant at pre-check and acceptance (信用核查, `yiwang_cases::CreditCheck`).
#[derive(Debug, Clone)]
pub(super) struct CreditLists(pub(super) yiwang_supervision::SupervisionService);

impl yiwang_cases::CreditCheck for CreditLists {
    fn listings<'a>(
        &'a self,
        kind: &'a str,
        number: &'a str,
    ) -> Answer<'a, Vec<yiwang_cases::CreditListing>> {
        Box::pin(async move {
            Ok(self
                .0
                .credit_listings(kind, number)
                .await?
                .into_iter()
                .map(|e| yiwang_cases::CreditListing {
                    entry_id: e.id,
                    list: e.list,
                    subject_name: e.subject_name,
                    basis: e.basis,
                    measures: e.measures,
                    facilitation: e.facilitation,
                    authority: e.authority,
                    valid_from: e.valid_from,
                    valid_to: e.valid_to,
                })
                .collect())
        })
    }
}
