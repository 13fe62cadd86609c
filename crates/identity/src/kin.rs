//! Declared home addresses of staff (回避申报) and what electronic supervision compares them
//! with: a person's surname (compound surnames 复姓 handled) and the blind index of a
//! normalised address, so that "the approver's surname and declared home equal the
//! applicant's" can be checked without anyone reading either address.
//!
//! The address is sealed in `staff_accounts.home_address_enc` (context
//! [`HOME_ADDRESS_CONTEXT`]) with its blind index in `home_address_idx` (context
//! [`ADDRESS_INDEX_CONTEXT`], shared with the cases' applicant addresses so the indexes
//! compare).

use serde_json::json;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission};
use yiwang_kernel::{Error, FieldError, Result};

use crate::keys::Keys;
use crate::repo::staff;
use crate::service::IdentityService;

/// Sealing context of a staff member's declared home address.
pub const HOME_ADDRESS_CONTEXT: &str = "identity.staff_home_address";
/// Blind-index context of any normalised address compared for kinship (staff and applicants).
pub const ADDRESS_INDEX_CONTEXT: &str = "kin.address";

/// Compound surnames (复姓) of two characters, the common ones.
const COMPOUND: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "钟离", "闻人", "澹台", "南宫", "端木", "独孤", "呼延", "申屠", "太史",
    "濮阳", "西门", "第五", "公冶", "赫连", "万俟", "司空", "左丘", "拓跋", "百里", "东郭", "微生",
    "羊舌", "梁丘", "谷梁", "宰父", "乐正", "鲜于", "闾丘", "亓官", "仲孙", "单于", "东门", "公羊",
    "公良", "漆雕", "壤驷", "巫马", "子车", "颛孙", "段干", "司寇", "淳于", "仉督", "夹谷", "梁丘",
];

/// The surname of a Chinese name: a compound surname when the name starts with one (and has a
/// given name after it), else the first character. Empty for an empty name.
pub fn surname(name: &str) -> String {
    let name: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    let chars: Vec<char> = name.chars().collect();
    if chars.len() >= 3 {
        let two: String = chars[..2].iter().collect();
        if COMPOUND.contains(&two.as_str()) {
            return two;
        }
    }
    chars.first().map(|c| c.to_string()).unwrap_or_default()
}

/// An address reduced to what identifies the place: full-width letters and digits made
/// half-width, letters upper-case, whitespace and punctuation dropped, Chinese numerals kept.
/// "湛江市 赤坎区 南方路１号" and "湛江市赤坎区南方路1号" normalise alike.
pub fn normalise_address(address: &str) -> String {
    address
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .filter(|c| c.is_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The blind index of an address (`None` for an address that normalises to nothing).
pub fn address_index(keys: &Keys, address: &str) -> Result<Option<String>> {
    let n = normalise_address(address);
    if n.chars().count() < 4 {
        return Ok(None);
    }
    keys.blind_index(ADDRESS_INDEX_CONTEXT, &n).map(Some)
}

impl IdentityService {
    /// Declares (or with an empty address, clears) the home address of staff account `id`
    /// (回避申报): system administrators for accounts in their reach, or the member of staff
    /// for themself. Sealed, indexed, audited without the address.
    pub async fn set_staff_home_address(&self, ctx: &Ctx, id: i64, address: &str) -> Result<()> {
        let own = ctx.actor.staff().is_some() && ctx.actor.user_id() == Some(id);
        let account = if own {
            let mut c = self.db.clone();
            Self::account(&mut c, id)
                .await?
                .ok_or_else(Error::not_found)?
        } else {
            self.managed_account(ctx, Permission::AccountsManage, id, "account.home_address")
                .await?
        };
        let address = address.trim();
        if address.chars().count() > 200 {
            return Err(Error::field(FieldError::max_chars("home_address", 200)));
        }
        let sealed = if address.is_empty() {
            None
        } else {
            let Some(idx) = address_index(&self.keys, address)? else {
                return Err(Error::field(FieldError::new(
                    "home_address",
                    "identity.address_short",
                    "住址过短，请填写到门牌号",
                    "The address is too short: give it down to the house number",
                )));
            };
            Some((self.keys.seal(HOME_ADDRESS_CONTEXT, address)?, idx))
        };
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        staff::set_home_address(
            &mut tx,
            account.id,
            sealed.as_ref().map(|s| s.0.as_str()),
            sealed.as_ref().map(|s| s.1.as_str()),
            now,
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "account.home_address",
                format!("staff:{}", account.username),
            )
            .source(&ctx.source)
            .data(json!({ "declared": sealed.is_some() })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether staff account `id` has declared a home address (for its pages; never the
    /// address itself).
    pub async fn staff_home_declared(&self, id: i64) -> Result<bool> {
        Ok(self.staff_address_index(id).await?.is_some())
    }

    /// The blind index of the declared home address of staff account `id` (electronic
    /// supervision's `relative` rule), `None` when none is declared.
    pub async fn staff_address_index(&self, id: i64) -> Result<Option<String>> {
        let mut c = self.db.clone();
        staff::home_address_index(&mut c, id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surnames_single_and_compound() {
        for (name, s) in [
            ("张三", "张"),
            ("欧阳修", "欧阳"),
            ("司马光", "司马"),
            ("欧阳", "欧"),
            ("诸葛孔明", "诸葛"),
            (" 李 四 ", "李"),
            ("", ""),
        ] {
            assert_eq!(surname(name), s, "{name}");
        }
    }

    #[test]
    fn addresses_normalise_alike() {
        assert_eq!(
            normalise_address("湛江市 赤坎区，南方路１号ａ"),
            normalise_address("湛江市赤坎区南方路1号A")
        );
        assert_ne!(
            normalise_address("南方路1号"),
            normalise_address("南方路2号")
        );
    }
}
