//! The legal-person base library as identity's [`LegalPersonRegister`], in front of another
//! register (the business licences on record).
//!
//! When the library holds the USCC, the name and the legal representative typed must agree
//! with it: a disagreement refuses the registration naming the field (zh/en); agreement
//! verifies it (`source` = `base:legal_person:<resource code>`). When the library does not hold
//! it, the fallback register answers and the note says so ("法人库未收录").

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use yiwang_identity::{
    LegalPersonRegister, OrgRegistration, RegisterAnswer, RegisteredLegalPerson,
};
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::{Error, FieldError, Result};

use super::{BaseLibraries, BaseRecord, Library};

/// The legal-person library, then `fallback`.
#[derive(Clone)]
pub struct BaseRegister {
    libraries: BaseLibraries,
    fallback: Option<Arc<dyn LegalPersonRegister>>,
}

impl std::fmt::Debug for BaseRegister {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BaseRegister")
    }
}

/// Names compared as people write them: surrounding blanks, inner spaces and the width of
/// brackets do not count (（有限公司） = (有限公司)).
pub fn same_name(a: &str, b: &str) -> bool {
    fn norm(s: &str) -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '（' => '(',
                '）' => ')',
                c => c,
            })
            .collect()
    }
    norm(a) == norm(b)
}

const NOT_HELD_ZH: &str = "法人库未收录该企业";
const NOT_HELD_EN: &str = "the legal-person base library does not hold this enterprise";

impl BaseRegister {
    pub fn new(
        libraries: BaseLibraries,
        fallback: Option<Arc<dyn LegalPersonRegister>>,
    ) -> BaseRegister {
        BaseRegister {
            libraries,
            fallback,
        }
    }

    async fn record(&self, uscc: &str) -> Result<Option<BaseRecord>> {
        let ctx = Ctx::system("org.register");
        let r = self
            .libraries
            .lookup(&ctx, Library::LegalPerson, uscc, None, "org.register")
            .await?;
        // A record without a name or a legal representative cannot verify anything.
        Ok(r.filter(|r| r.text("name").is_some() && r.text("legal_representative").is_some()))
    }

    fn entry(r: &BaseRecord) -> Option<RegisteredLegalPerson> {
        let name = r.text("name")?;
        let rep = r.text("legal_representative")?;
        let source = r
            .attribute("legal_representative")
            .map(|a| a.source.resource.clone())
            .unwrap_or_default();
        Some(RegisteredLegalPerson {
            name,
            legal_representative: rep,
            source: format!("base:legal_person:{source}"),
        })
    }

    async fn fallback_answer(&self, input: &OrgRegistration) -> Result<RegisterAnswer> {
        let Some(f) = &self.fallback else {
            return Ok(RegisterAnswer {
                found: None,
                note: format!("{NOT_HELD_ZH}，待窗口核验（{NOT_HELD_EN}）"),
            });
        };
        let a = f.check(input).await?;
        let note = if a.found.is_some() {
            format!(
                "{NOT_HELD_ZH}，已按营业执照登记核验（{NOT_HELD_EN}; checked against the business licence on record）"
            )
        } else {
            format!(
                "{NOT_HELD_ZH}，营业执照登记中也未找到，待窗口核验（{NOT_HELD_EN}, nor the licence register; to be confirmed at a window）"
            )
        };
        Ok(RegisterAnswer {
            found: a.found,
            note,
        })
    }

    /// Compares a registration with the library (see the module documentation).
    pub async fn compare(&self, input: &OrgRegistration) -> Result<RegisterAnswer> {
        let Some(record) = self.record(&input.uscc).await? else {
            return self.fallback_answer(input).await;
        };
        let Some(found) = Self::entry(&record) else {
            return self.fallback_answer(input).await;
        };
        if !same_name(&found.name, &input.name) {
            return Err(Error::validation(vec![FieldError::new(
                "name",
                "org.register_name",
                format!(
                    "法人库中该统一社会信用代码登记的名称为“{}”，与填写的名称不一致；请按营业执照填写",
                    found.name
                ),
                format!(
                    "The legal-person base library records this credit code under the name \"{}\", not the name entered; enter it as on the business licence",
                    found.name
                ),
            )]));
        }
        if !same_name(&found.legal_representative, &input.legal_representative) {
            return Err(Error::validation(vec![FieldError::new(
                "legal_representative",
                "org.register_representative",
                "法人库登记的法定代表人与填写的不一致，不能注册该企业；请由法定代表人本人注册，或持营业执照到政务服务窗口核验",
                "The legal representative in the legal-person base library is not the one entered, so this enterprise cannot be registered; the legal representative registers it, or confirms it at a service window with the business licence",
            )]));
        }
        Ok(RegisterAnswer {
            found: Some(found),
            note: "法人库核验一致（verified against the legal-person base library）".into(),
        })
    }
}

impl LegalPersonRegister for BaseRegister {
    fn find<'a>(
        &'a self,
        uscc: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Option<RegisteredLegalPerson>>> + Send + 'a>> {
        Box::pin(async move {
            if let Some(r) = self.record(uscc).await?
                && let Some(e) = Self::entry(&r)
            {
                return Ok(Some(e));
            }
            match &self.fallback {
                Some(f) => f.find(uscc).await,
                None => Ok(None),
            }
        })
    }

    fn check<'a>(
        &'a self,
        input: &'a OrgRegistration,
    ) -> Pin<Box<dyn Future<Output = Result<RegisterAnswer>> + Send + 'a>> {
        Box::pin(self.compare(input))
    }
}
