//! The basic directory (基本目录) of the demo city and how each item is implemented.
//!
//! Basic codes are `0001` + a two-digit sector + a three-digit main item + a three-digit
//! sub-item (`000` for a main item), e.g. `000117008001` 食品经营许可证核发 under `000117008000`
//! 食品经营许可. Sectors: 01 发展改革, 02 教育, 03 科技, 05 公安, 06 民政, 07 司法, 09 人力资源社会
//! 保障, 10 自然资源, 11 生态环境, 12 住房城乡建设, 13 交通运输, 14 水务, 15 农业农村, 16 商务,
//! 17 市场监管, 18 文化旅游, 19 卫生健康, 20 退役军人, 21 应急管理, 22 医疗保障, 23 林业,
//! 24 税务, 25 住房公积金, 26 城市管理, 27 气象, 28 人防, 29 残联, 30 档案.
//!
//! Legal bases name the law and, where the article is certain, the article. Time limits are
//! the statutory limits of those laws; promised limits are what a city like Zhanjiang commits
//! to in its guides (illustrative).

mod bundled;
mod business;
mod land;
mod people;

use super::Def;

/// Every basic directory item, main items before their sub-items.
pub fn all() -> Vec<Def> {
    let mut v = people::defs();
    v.extend(business::defs());
    v.extend(land::defs());
    v.extend(bundled::defs());
    v
}
