//! The demo city as data: departments, the basic directory with how each item is implemented,
//! halls and windows, staff accounts. Plain tables, read by [`crate::load`].

pub mod accounts;
pub mod bundle_forms;
pub mod bundles;
pub mod cases;
pub mod departments;
pub mod directory;
pub mod exchange_catalog;
pub mod forms;
pub mod grids;
pub mod halls;
pub mod licences;
pub mod materials;
pub mod orders;

/// Which county-level divisions implement an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counties {
    None,
    /// Every county-level division.
    All,
    /// The counties and county-level cities (not the urban districts).
    NotDistricts,
    /// The divisions with farmland and coast (all but 赤坎 and 霞山).
    Rural,
    /// These divisions only (the others have not claimed the item yet).
    Only(&'static [&'static str]),
}

impl Counties {
    /// Whether county-level division `c` implements the item.
    pub fn includes(self, c: &departments::County) -> bool {
        use departments::CountyKind::District;
        match self {
            Counties::None => false,
            Counties::All => true,
            Counties::NotDistricts => c.kind != District,
            Counties::Rural => !matches!(c.code, "440802" | "440803"),
            Counties::Only(list) => list.contains(&c.code),
        }
    }
}

/// County codes, for [`Counties::Only`].
pub const CK: &str = "440802";
pub const XS: &str = "440803";
pub const PT: &str = "440804";
pub const MZ: &str = "440811";
pub const SX: &str = "440823";
pub const XW: &str = "440825";
pub const LJ: &str = "440881";
pub const LZ: &str = "440882";
pub const WC: &str = "440883";

/// How far an item can be handled online.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Online {
    /// 全程网办 (Ⅳ): enquiry to result online, no visit.
    Full,
    /// 网上受理 (Ⅲ): applied for and accepted online; a visit may remain.
    Accept,
    /// 网上预审 (Ⅱ): materials pre-checked online, handled at the window.
    Precheck,
    /// 窗口办理: online enquiry only.
    Counter,
}

/// A fee of a charged item.
#[derive(Debug, Clone)]
pub struct FeeDef {
    pub basis: &'static str,
    /// (收费项目, 收费标准).
    pub items: Vec<(&'static str, &'static str)>,
    pub reducible: bool,
}

/// One basic directory item and how the demo city implements it.
#[derive(Debug, Clone)]
pub struct Def {
    /// 基本编码 (12 digits: `0001` + sector + main item + sub-item).
    pub code: &'static str,
    pub name: &'static str,
    /// 事项类型 code (表A.1).
    pub ty: &'static str,
    /// 设定依据.
    pub basis: &'static str,
    /// 基本编码 of the main item, for sub-items.
    pub parent: &'static str,
    /// Statutory limit; `None` for main items (no limit of their own).
    pub statutory: Option<i64>,
    /// 时限单位 code (1 工作日, 2 自然日, 4 月).
    pub unit: &'static str,
    pub statutory_note: &'static str,
    pub promised: i64,
    pub promised_note: &'static str,
    /// Key of the city department implementing it.
    pub dept: &'static str,
    /// Key of the county department implementing it, when not the same key.
    pub county_dept: &'static str,
    /// Whether the city department implements it (for 440800).
    pub city: bool,
    /// Which county-level divisions implement it.
    pub counties: Counties,
    /// Service objects besides those implied by the themes.
    pub objects: Vec<&'static str>,
    pub pthemes: Vec<&'static str>,
    pub ethemes: Vec<&'static str>,
    pub result: &'static str,
    /// Material specs: a library key (`sfz`), `@name` for the item's own form, `+name` for a
    /// material the applicant provides, `?spec|condition` for one needed only sometimes.
    pub materials: Vec<&'static str>,
    pub online: Online,
    /// Why the applicant must come in person (then one visit), empty for none.
    pub visit: &'static str,
    pub fee: Option<FeeDef>,
    /// 通办范围 code.
    pub cross: &'static str,
    pub keywords: &'static str,
    pub conditions: &'static str,
    pub faqs: Vec<(&'static str, &'static str)>,
    pub express: bool,
    pub appointment: bool,
    /// 承办机构 suffix, when not the department's usual office.
    pub office: &'static str,
    pub joint: &'static str,
    pub intermediary: &'static str,
    pub special: &'static str,
    pub quantity: &'static str,
    /// 办理地点 at the city, when not a window of the city centre.
    pub place: &'static str,
}

/// A claimable item of type `ty`, implemented by department `dept`.
pub fn item(
    code: &'static str,
    name: &'static str,
    ty: &'static str,
    dept: &'static str,
    basis: &'static str,
) -> Def {
    Def {
        code,
        name,
        ty,
        basis,
        parent: "",
        statutory: Some(0),
        unit: "1",
        statutory_note: "",
        promised: 0,
        promised_note: "",
        dept,
        county_dept: "",
        city: true,
        counties: Counties::None,
        objects: Vec::new(),
        pthemes: Vec::new(),
        ethemes: Vec::new(),
        result: "",
        materials: Vec::new(),
        online: Online::Accept,
        visit: "",
        fee: None,
        cross: "",
        keywords: "",
        conditions: "",
        faqs: Vec::new(),
        express: false,
        appointment: false,
        office: "",
        joint: "",
        intermediary: "",
        special: "",
        quantity: "",
        place: "",
    }
}

/// A main item (主项) that only groups its sub-items in the directory.
pub fn main_item(
    code: &'static str,
    name: &'static str,
    ty: &'static str,
    dept: &'static str,
    basis: &'static str,
) -> Def {
    Def {
        statutory: None,
        city: false,
        counties: Counties::None,
        ..item(code, name, ty, dept, basis)
    }
}

impl Def {
    pub fn sub(mut self, parent: &'static str) -> Self {
        self.parent = parent;
        self
    }
    /// Statutory and promised limits in working days (0 = 即办).
    pub fn limits(mut self, statutory: i64, promised: i64) -> Self {
        self.statutory = Some(statutory);
        self.promised = promised;
        self
    }
    pub fn unit(mut self, unit: &'static str) -> Self {
        self.unit = unit;
        self
    }
    pub fn notes(mut self, statutory: &'static str, promised: &'static str) -> Self {
        self.statutory_note = statutory;
        self.promised_note = promised;
        self
    }
    /// Also implemented by these county-level divisions.
    pub fn and(mut self, c: Counties) -> Self {
        self.counties = c;
        self
    }
    /// Implemented by these county-level divisions only (not by the city).
    pub fn only(mut self, c: Counties) -> Self {
        self.city = false;
        self.counties = c;
        self
    }
    pub fn county(mut self, key: &'static str) -> Self {
        self.county_dept = key;
        self
    }
    pub fn person(mut self, themes: &[&'static str]) -> Self {
        self.pthemes = themes.to_vec();
        self
    }
    pub fn enterprise(mut self, themes: &[&'static str]) -> Self {
        self.ethemes = themes.to_vec();
        self
    }
    pub fn objects(mut self, objects: &[&'static str]) -> Self {
        self.objects = objects.to_vec();
        self
    }
    pub fn result(mut self, name: &'static str) -> Self {
        self.result = name;
        self
    }
    pub fn mats(mut self, specs: &[&'static str]) -> Self {
        self.materials = specs.to_vec();
        self
    }
    pub fn online(mut self, o: Online) -> Self {
        self.online = o;
        self
    }
    pub fn visit(mut self, reason: &'static str) -> Self {
        self.visit = reason;
        self
    }
    pub fn fee(mut self, basis: &'static str, items: &[(&'static str, &'static str)]) -> Self {
        self.fee = Some(FeeDef {
            basis,
            items: items.to_vec(),
            reducible: true,
        });
        self
    }
    pub fn cross(mut self, code: &'static str) -> Self {
        self.cross = code;
        self
    }
    pub fn kw(mut self, keywords: &'static str) -> Self {
        self.keywords = keywords;
        self
    }
    pub fn cond(mut self, text: &'static str) -> Self {
        self.conditions = text;
        self
    }
    pub fn faq(mut self, q: &'static str, a: &'static str) -> Self {
        self.faqs.push((q, a));
        self
    }
    pub fn express(mut self) -> Self {
        self.express = true;
        self
    }
    pub fn appointment(mut self) -> Self {
        self.appointment = true;
        self
    }
    pub fn office(mut self, o: &'static str) -> Self {
        self.office = o;
        self
    }
    pub fn joint(mut self, j: &'static str) -> Self {
        self.joint = j;
        self
    }
    pub fn intermediary(mut self, s: &'static str) -> Self {
        self.intermediary = s;
        self
    }
    pub fn special(mut self, s: &'static str) -> Self {
        self.special = s;
        self
    }
    pub fn quantity(mut self, s: &'static str) -> Self {
        self.quantity = s;
        self
    }

    /// Whether departments claim this item (main items are not claimed).
    pub fn claimable(&self) -> bool {
        self.city || self.counties != Counties::None
    }

    /// Suggested exercising levels (表A.2 codes) for the basic directory.
    pub fn levels(&self) -> &'static str {
        match (self.city, self.counties != Counties::None) {
            (true, false) => "3",
            (false, true) => "4",
            _ => "3,4",
        }
    }
    pub fn place(mut self, p: &'static str) -> Self {
        self.place = p;
        self
    }
}
