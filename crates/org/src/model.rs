//! Departments, halls and windows: types and validation rules.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use yiwang_kernel::codes::{DivisionCode, Uscc};
use yiwang_kernel::error::Problems;
use yiwang_kernel::{FieldError, text};

use crate::divisions::Divisions;

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $( $v:ident => ($s:literal, $zh:literal, $en:literal), )* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $( $v, )* }

        impl $name {
            pub const ALL: &'static [$name] = &[ $( $name::$v, )* ];
            pub fn as_str(self) -> &'static str { match self { $( $name::$v => $s, )* } }
            pub fn zh(self) -> &'static str { match self { $( $name::$v => $zh, )* } }
            pub fn en(self) -> &'static str { match self { $( $name::$v => $en, )* } }
            /// Parses the code or the Chinese name.
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                $name::ALL.iter().copied().find(|k| k.as_str() == s || k.zh() == s)
            }
            pub fn field(field: &str, s: &str) -> Result<$name, FieldError> {
                $name::parse(s).ok_or_else(|| {
                    let all: Vec<&str> = $name::ALL.iter().map(|k| k.as_str()).collect();
                    FieldError::one_of(field, &all)
                })
            }
        }
    };
}

code_enum! {
    /// What kind of body a department is.
    DeptKind {
        Government => ("government", "人民政府", "people's government"),
        Bureau => ("bureau", "政府工作部门", "government department"),
        ServiceAdmin => ("service_admin", "政务服务数据管理部门", "government service and data administration"),
        Agency => ("agency", "直属机构或事业单位", "affiliated agency"),
        Vertical => ("vertical", "垂直管理部门", "vertically managed department"),
        Township => ("township", "乡镇人民政府或街道办事处", "township or sub-district office"),
        Other => ("other", "其他", "other"),
    }
}

code_enum! {
    /// What kind of place a service hall is.
    HallKind {
        Center => ("center", "政务服务中心", "government service centre"),
        Town => ("town", "镇（街）便民服务中心", "township service centre"),
        Village => ("village", "村（居）便民服务站", "village service station"),
        SelfService => ("self_service", "24小时自助服务区", "24-hour self-service area"),
    }
}

code_enum! {
    /// What a window does.
    WindowKind {
        Comprehensive => ("comprehensive", "综合受理窗口", "comprehensive acceptance window"),
        Department => ("department", "部门专窗", "department window"),
        Pickup => ("pickup", "统一出件窗口", "result pick-up window"),
        Consult => ("consult", "咨询导办窗口", "enquiries and guidance"),
        Assisted => ("assisted", "帮办代办窗口", "assisted handling window"),
    }
}

/// A department as shown to callers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Department {
    pub id: i64,
    pub uscc: Uscc,
    pub name: String,
    pub short_name: String,
    pub division_code: DivisionCode,
    /// Full division name, e.g. `广东省 湛江市 赤坎区`.
    pub division_name: String,
    pub parent_id: Option<i64>,
    pub kind: DeptKind,
    pub phone: String,
    pub address: String,
    /// Optimistic-concurrency revision: send it back when updating.
    pub revision: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A department as submitted (API body, form or import row): raw text, validated by
/// [`DepartmentInput::validate`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct DepartmentInput {
    pub uscc: String,
    pub name: String,
    pub short_name: String,
    pub division_code: String,
    /// USCC of the parent department, empty for none.
    pub parent_uscc: String,
    /// One of the [`DeptKind`] codes or its Chinese name; defaults to `bureau`.
    pub kind: String,
    pub phone: String,
    pub address: String,
}

/// A validated department, ready to store (the parent is still a USCC to resolve).
#[derive(Debug, Clone, PartialEq)]
pub struct NewDepartment {
    pub uscc: Uscc,
    pub name: String,
    pub short_name: String,
    pub division: DivisionCode,
    pub parent_uscc: Option<Uscc>,
    pub kind: DeptKind,
    pub phone: String,
    pub address: String,
}

impl DepartmentInput {
    pub fn validate(&self, divisions: &Divisions) -> Result<NewDepartment, Vec<FieldError>> {
        let mut p = Problems::new();
        let uscc = p.take(Uscc::parse(&self.uscc).map_err(|e| e.within("uscc")));
        let name = p.take(text::required("name", &self.name, 100));
        let short_name = p.take(text::optional("short_name", &self.short_name, 50));
        let division = p.take(
            divisions
                .existing(&self.division_code, false)
                .map_err(|e| e.within("division_code")),
        );
        let parent_uscc = if self.parent_uscc.trim().is_empty() {
            None
        } else {
            p.take(Uscc::parse(&self.parent_uscc).map_err(|e| e.within("parent_uscc")))
        };
        let kind = if self.kind.trim().is_empty() {
            Some(DeptKind::Bureau)
        } else {
            p.take(DeptKind::field("kind", &self.kind))
        };
        let phone = p.take(text::optional("phone", &self.phone, 30));
        if let Some(ph) = &phone
            && !ph.is_empty()
            && !text::is_phone(ph)
        {
            p.push(FieldError::new(
                "phone",
                "phone.format",
                "电话号码格式不正确（如 0759-3388123 或 11位手机号）",
                "Not a valid phone number (e.g. 0759-3388123 or an 11-digit mobile)",
            ));
        }
        let address = p.take(text::optional("address", &self.address, 200));
        if let (Some(u), Some(pu)) = (&uscc, &parent_uscc)
            && u == pu
        {
            p.push(FieldError::new(
                "parent_uscc",
                "parent.self",
                "上级部门不能是本部门",
                "A department cannot be its own parent",
            ));
        }
        match (uscc, name, short_name, division, kind, phone, address) {
            (
                Some(uscc),
                Some(name),
                Some(short_name),
                Some(division),
                Some(kind),
                Some(phone),
                Some(address),
            ) if p.is_empty() => Ok(NewDepartment {
                uscc,
                name,
                short_name,
                division,
                parent_uscc,
                kind,
                phone,
                address,
            }),
            _ => Err(p.0),
        }
    }
}

/// A service hall with its windows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Hall {
    pub id: i64,
    pub name: String,
    pub kind: HallKind,
    pub division_code: DivisionCode,
    pub division_name: String,
    pub department_id: Option<i64>,
    pub address: String,
    pub phone: String,
    pub hours: String,
    pub revision: i64,
    pub windows: Vec<Window>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Window {
    pub id: i64,
    pub hall_id: i64,
    pub number: String,
    pub name: String,
    pub kind: WindowKind,
    /// The department a department window serves; none for comprehensive windows, which accept
    /// for every department (一窗综办).
    pub department_id: Option<i64>,
    pub active: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct HallInput {
    pub name: String,
    pub kind: String,
    pub division_code: String,
    pub department_id: Option<i64>,
    pub address: String,
    pub phone: String,
    pub hours: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewHall {
    pub name: String,
    pub kind: HallKind,
    pub division: DivisionCode,
    pub department_id: Option<i64>,
    pub address: String,
    pub phone: String,
    pub hours: String,
}

impl HallInput {
    pub fn validate(&self, divisions: &Divisions) -> Result<NewHall, Vec<FieldError>> {
        let mut p = Problems::new();
        let name = p.take(text::required("name", &self.name, 100));
        let kind = p.take(HallKind::field("kind", &self.kind));
        let division = p.take(
            divisions
                .existing(&self.division_code, false)
                .map_err(|e| e.within("division_code")),
        );
        let address = p.take(text::required("address", &self.address, 200));
        let phone = p.take(text::optional("phone", &self.phone, 30));
        let hours = p.take(text::optional("hours", &self.hours, 150));
        match (name, kind, division, address, phone, hours) {
            (Some(name), Some(kind), Some(division), Some(address), Some(phone), Some(hours))
                if p.is_empty() =>
            {
                Ok(NewHall {
                    name,
                    kind,
                    division,
                    department_id: self.department_id,
                    address,
                    phone,
                    hours,
                })
            }
            _ => Err(p.0),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct WindowInput {
    pub number: String,
    pub name: String,
    pub kind: String,
    pub department_id: Option<i64>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewWindow {
    pub number: String,
    pub name: String,
    pub kind: WindowKind,
    pub department_id: Option<i64>,
    pub active: bool,
}

impl WindowInput {
    pub fn validate(&self) -> Result<NewWindow, Vec<FieldError>> {
        let mut p = Problems::new();
        let number = p.take(text::required("number", &self.number, 10));
        if let Some(n) = &number
            && !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            p.push(FieldError::new(
                "number",
                "window.number",
                "窗口号只能包含字母、数字和连字符",
                "A window number holds letters, digits and hyphens only",
            ));
        }
        let name = p.take(text::required("name", &self.name, 50));
        let kind = p.take(WindowKind::field("kind", &self.kind));
        if kind == Some(WindowKind::Department) && self.department_id.is_none() {
            p.push(FieldError::new(
                "department_id",
                "window.department",
                "部门专窗必须指定所属部门",
                "A department window must name its department",
            ));
        }
        match (number, name, kind) {
            (Some(number), Some(name), Some(kind)) if p.is_empty() => Ok(NewWindow {
                number,
                name,
                kind,
                department_id: self.department_id,
                active: self.active.unwrap_or(true),
            }),
            _ => Err(p.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::divisions::registry;

    fn good() -> DepartmentInput {
        DepartmentInput {
            uscc: "11440800MB2C00000X".into(),
            name: "湛江市市场监督管理局".into(),
            division_code: "440800".into(),
            kind: "bureau".into(),
            phone: "0759-3388123".into(),
            ..Default::default()
        }
    }

    #[test]
    fn every_problem_is_reported_by_field() {
        let input = DepartmentInput {
            uscc: "91310000MA1FL0F17U".into(),
            name: "".into(),
            division_code: "449999".into(),
            kind: "nonsense".into(),
            phone: "abc".into(),
            ..Default::default()
        };
        let errs = input.validate(registry()).unwrap_err();
        let fields: Vec<(&str, &str)> = errs
            .iter()
            .map(|e| (e.field.as_str(), e.rule.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("uscc", "uscc.check_digit"),
                ("name", "required"),
                ("division_code", "division.unknown"),
                ("kind", "one_of"),
                ("phone", "phone.format"),
            ]
        );
    }

    #[test]
    fn kinds_parse_from_codes_and_chinese() {
        assert_eq!(DeptKind::parse("bureau"), Some(DeptKind::Bureau));
        assert_eq!(DeptKind::parse("人民政府"), Some(DeptKind::Government));
        assert_eq!(
            WindowKind::parse("综合受理窗口"),
            Some(WindowKind::Comprehensive)
        );
    }

    #[test]
    fn a_valid_department_passes() {
        // the check character is computed, not guessed
        let mut g = good();
        g.uscc = Uscc::from_body("11440800MB2C00000").unwrap().to_string();
        assert!(g.validate(registry()).is_ok());
    }
}
