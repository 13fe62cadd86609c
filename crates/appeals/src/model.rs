//! The vocabulary of work orders (工单, STANDARDS §9.2): appeal types and their time limits,
//! channels, statuses (and what Open311 calls them), satisfaction levels.
//!
//! No national code list exists for the statuses [U]; the set follows the recommended flow
//! `新建/受理 → 已派单 → 已签收 → 办理中 → 已反馈(办结) → 审核 → 已回访 → 已归档`, plus
//! `直接办结` and `已合并`. Returns (退单) send an order back to `received`; extensions and
//! overdue are facts of an order, not statuses.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! vocabulary {
    ($(#[$tdoc:meta])* $name:ident $(as $schema:ident)? { $( $(#[$doc:meta])* $v:ident => ($s:literal, $zh:literal, $en:literal), )* }) => {
        $(#[$tdoc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        $( #[schema(as = $schema)] )?
        #[serde(rename_all = "snake_case")]
        pub enum $name { $( $(#[$doc])* $v, )* }

        impl $name {
            pub const ALL: &'static [$name] = &[ $( $name::$v, )* ];
            /// The stored and transmitted code.
            pub fn as_str(self) -> &'static str { match self { $( $name::$v => $s, )* } }
            pub fn zh(self) -> &'static str { match self { $( $name::$v => $zh, )* } }
            pub fn en(self) -> &'static str { match self { $( $name::$v => $en, )* } }
            /// Reads the code, or the Chinese name as people write it.
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                match s { $( $s | $zh => Some($name::$v), )* _ => None }
            }
        }
    };
}

vocabulary! {
    /// 诉求类型 (Guangdong's list, STANDARDS §9.2).
    AppealType {
        /// 咨询: a question; often answered at once from the knowledge base (直接办结).
        Consult => ("consult", "咨询", "enquiry"),
        /// 求助: asking for help.
        Help => ("help", "求助", "request for help"),
        /// 投诉: a complaint about a unit or person.
        Complaint => ("complaint", "投诉", "complaint"),
        /// 举报: reporting a violation.
        Report => ("report", "举报", "report of a violation"),
        /// 建议: a suggestion.
        Suggestion => ("suggestion", "建议", "suggestion"),
        /// 表扬: praise.
        Praise => ("praise", "表扬", "praise"),
        /// 其他.
        Other => ("other", "其他", "other"),
    }
}

vocabulary! {
    /// 来源渠道.
    Channel {
        /// 电话: taken by a hotline operator.
        Phone => ("phone", "电话", "telephone"),
        /// 网站: filed by a citizen on the platform's pages (随手拍 included).
        Web => ("web", "网站", "website"),
        /// Open311 GeoReport v2: filed by an outside app with an api key.
        Open311 => ("open311", "Open311接口", "Open311 API"),
        /// 微信/小程序.
        Wechat => ("wechat", "微信/小程序", "WeChat"),
        /// 信件/邮件.
        Letter => ("letter", "信件/邮件", "letter or e-mail"),
        /// 窗口: taken at a service hall window.
        Window => ("window", "窗口", "service window"),
    }
}

vocabulary! {
    /// 工单状态 (`AppealStatus` in the OpenAPI document: the cases' `Status` is another).
    Status as AppealStatus {
        /// 新建/受理: taken, waiting for the dispatcher (routing found no grid, or returned).
        Received => ("received", "待派单", "waiting for dispatch"),
        /// 已派单: sent to a grid worker or a department, not yet signed for.
        Dispatched => ("dispatched", "已派单", "dispatched"),
        /// 已签收: the handler has signed for it.
        Signed => ("signed", "已签收", "signed for"),
        /// 办理中: handling recorded at least once (or sent back to redo, or reopened).
        Handling => ("handling", "办理中", "in hand"),
        /// 已反馈(办结): the handler replied to the citizen.
        Replied => ("replied", "已办结", "replied"),
        /// 已回访: the citizen's satisfaction is recorded.
        Visited => ("visited", "已回访", "followed up"),
        /// 已归档.
        Archived => ("archived", "已归档", "archived"),
        /// 直接办结: answered at intake (knowledge base).
        ClosedDirect => ("closed_direct", "直接办结", "answered at once"),
        /// 已合并: a duplicate merged into another order, which carries on.
        Merged => ("merged", "已合并", "merged into another order"),
    }
}

impl Status {
    /// Open311's two statuses: every non-final state is `open`; replied (办结), followed up,
    /// archived, answered at once and merged are `closed` (STANDARDS §9.3 mapping).
    pub fn open311(self) -> &'static str {
        if self.is_open() { "open" } else { "closed" }
    }

    /// Whether the order still waits for handling (counts against its time limit).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Received | Status::Dispatched | Status::Signed | Status::Handling
        )
    }

    /// Whether the order counts as concluded (办结) in the completion rate. Merged orders are
    /// left out of both numerator and denominator.
    pub fn is_concluded(self) -> bool {
        matches!(
            self,
            Status::Replied | Status::Visited | Status::Archived | Status::ClosedDirect
        )
    }
}

vocabulary! {
    /// 满意度, five levels (回访).
    Satisfaction {
        VerySatisfied => ("5", "非常满意", "very satisfied"),
        Satisfied => ("4", "满意", "satisfied"),
        Neutral => ("3", "基本满意", "fairly satisfied"),
        Dissatisfied => ("2", "不满意", "dissatisfied"),
        VeryDissatisfied => ("1", "非常不满意", "very dissatisfied"),
    }
}

impl Satisfaction {
    /// 1–5.
    pub fn level(self) -> i64 {
        match self {
            Satisfaction::VerySatisfied => 5,
            Satisfaction::Satisfied => 4,
            Satisfaction::Neutral => 3,
            Satisfaction::Dissatisfied => 2,
            Satisfaction::VeryDissatisfied => 1,
        }
    }

    pub fn from_level(n: i64) -> Option<Satisfaction> {
        Satisfaction::ALL.iter().copied().find(|s| s.level() == n)
    }

    /// Counted as satisfied in the satisfaction rate (满意率): levels 3–5, as 12345 offices
    /// count 基本满意 as satisfied.
    pub fn counts_satisfied(self) -> bool {
        self.level() >= 3
    }
}

vocabulary! {
    /// 网格类型.
    GridKind {
        /// 单元网格: one per community (社区), covering the division without gaps.
        Unit => ("unit", "单元网格", "unit grid"),
        /// 专业网格: a specialty's area (城管, 生态环境, 交通…); may overlap unit grids.
        Professional => ("professional", "专业网格", "professional grid"),
    }
}

/// Working-day limits per appeal type, counted from receipt (STANDARDS §9.2). Guangdong's
/// 《12345政务服务便民热线管理办法》 by default: 咨询 2; 求助/建议 10; 投诉/举报 15. No national
/// figure exists [U]: the appeal administrator may change them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TimeLimits {
    pub consult: u32,
    pub help: u32,
    pub complaint: u32,
    pub report: u32,
    pub suggestion: u32,
    pub praise: u32,
    pub other: u32,
}

impl TimeLimits {
    /// The most an administrator may set: a limit beyond a quarter is no limit.
    pub const MAX_DAYS: u32 = 60;

    pub fn guangdong() -> TimeLimits {
        TimeLimits {
            consult: 2,
            help: 10,
            complaint: 15,
            report: 15,
            suggestion: 10,
            praise: 10,
            other: 10,
        }
    }

    /// The limit of one type, in working days.
    pub fn days(&self, t: AppealType) -> u32 {
        match t {
            AppealType::Consult => self.consult,
            AppealType::Help => self.help,
            AppealType::Complaint => self.complaint,
            AppealType::Report => self.report,
            AppealType::Suggestion => self.suggestion,
            AppealType::Praise => self.praise,
            AppealType::Other => self.other,
        }
    }

    pub fn set(&mut self, t: AppealType, days: u32) {
        let slot = match t {
            AppealType::Consult => &mut self.consult,
            AppealType::Help => &mut self.help,
            AppealType::Complaint => &mut self.complaint,
            AppealType::Report => &mut self.report,
            AppealType::Suggestion => &mut self.suggestion,
            AppealType::Praise => &mut self.praise,
            AppealType::Other => &mut self.other,
        };
        *slot = days;
    }
}

impl Default for TimeLimits {
    fn default() -> Self {
        TimeLimits::guangdong()
    }
}

/// A point in WGS 84 (what Open311's `lat`/`long` and a phone's GPS give).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

impl LonLat {
    /// A point on the earth: longitude −180..180, latitude −90..90, both finite.
    pub fn new(lon: f64, lat: f64) -> Option<LonLat> {
        let ok = lon.is_finite()
            && lat.is_finite()
            && (-180.0..=180.0).contains(&lon)
            && (-90.0..=90.0).contains(&lat);
        ok.then_some(LonLat { lon, lat })
    }

    /// Great-circle distance in metres (haversine, mean earth radius 6 371 008.8 m).
    pub fn distance_m(self, other: LonLat) -> f64 {
        const R: f64 = 6_371_008.8;
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * R * a.sqrt().asin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_round_trip() {
        for t in AppealType::ALL {
            assert_eq!(AppealType::parse(t.as_str()), Some(*t));
            assert_eq!(AppealType::parse(t.zh()), Some(*t));
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(*s));
        }
        assert_eq!(AppealType::parse("咨询"), Some(AppealType::Consult));
        assert_eq!(AppealType::parse("unknown"), None);
    }

    #[test]
    fn guangdong_limits() {
        let l = TimeLimits::guangdong();
        assert_eq!(l.days(AppealType::Consult), 2);
        assert_eq!(l.days(AppealType::Help), 10);
        assert_eq!(l.days(AppealType::Suggestion), 10);
        assert_eq!(l.days(AppealType::Complaint), 15);
        assert_eq!(l.days(AppealType::Report), 15);
    }

    #[test]
    fn open311_status_is_open_or_closed() {
        assert_eq!(Status::Dispatched.open311(), "open");
        assert_eq!(Status::Handling.open311(), "open");
        assert_eq!(Status::Replied.open311(), "closed");
        assert_eq!(Status::ClosedDirect.open311(), "closed");
        assert_eq!(Status::Merged.open311(), "closed");
    }

    #[test]
    fn distance_of_twenty_metres() {
        // 0.00018° of latitude ≈ 20.0 m anywhere.
        let a = LonLat::new(110.36, 21.27).expect("point");
        let b = LonLat::new(110.36, 21.27018).expect("point");
        let d = a.distance_m(b);
        assert!((d - 20.0).abs() < 0.1, "{d}");
        assert!(LonLat::new(181.0, 0.0).is_none());
        assert!(LonLat::new(f64::NAN, 0.0).is_none());
    }
}
