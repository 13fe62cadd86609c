//! The periodic bulletin (政务服务效能通报) as a one-page A4 PDF, drawn with the licence PDF
//! writer (`yiwang_licences::pdf::writer`: STSong-Light, nothing embedded) over a plain
//! [`Bulletin`]: every KPI's figure with its numerator and denominator, the change on last
//! month and the target; the league of one KPI (the best and the worst departments); and the
//! period's supervision counts (`SupervisionService::period_counts`: warnings raised and
//! handled per monitoring rule, credit checks and what they flagged, lists in force).
//!
//! The page depends only on its inputs: the same bulletin and time give the same bytes.

use time::OffsetDateTime;
use yiwang_licences::pdf::writer::{Content, MARGIN, PAGE_H, PAGE_W, document, width, wrap};

/// One KPI's line of the bulletin, as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureLine {
    pub name: String,
    /// The figure (`96.8%`, `1.3 次`, `—`).
    pub value: String,
    /// `分子/分母` (or the count alone).
    pub basis: String,
    /// The change on last month (`↑1.2`, `—`).
    pub change: String,
    /// The target and whether it is met (`≥95% 达标`), empty when none.
    pub target: String,
}

/// One department in the league.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeagueLine {
    pub rank: usize,
    pub department: String,
    pub value: String,
}

/// What the bulletin says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bulletin {
    pub platform: String,
    /// The scope (`湛江市`).
    pub scope: String,
    /// The period (`2026年11月`).
    pub period: String,
    /// When the figures were computed (`2026-12-07 08:00`).
    pub as_of: String,
    pub figures: Vec<FigureLine>,
    /// The KPI the league ranks by.
    pub league_kpi: String,
    pub top: Vec<LeagueLine>,
    pub bottom: Vec<LeagueLine>,
    /// Supervision's counts of the period (`办件超期预警`, `产生 3 件，办结 1 件`), as the
    /// supervision domain computed them.
    pub counts: Vec<(String, String)>,
}

const BOTTOM: f64 = 60.0;

fn line(c: &mut Content, x1: f64, y: f64, x2: f64) {
    c.push(&format!("0.6 w {x1:.2} {y:.2} m {x2:.2} {y:.2} l S\n"));
}

/// Text cut to fit `max` points (with "…").
fn fit(s: &str, size: f64, max: f64) -> String {
    if width(s, size) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    for ch in s.chars() {
        let mut next = out.clone();
        next.push(ch);
        next.push('…');
        if width(&next, size) > max {
            break;
        }
        out.push(ch);
    }
    out.push('…');
    out
}

/// The bulletin as PDF bytes. Lines that do not fit the page are left out, and the page says
/// so (the screen has every figure).
pub fn bulletin_pdf(b: &Bulletin, at: OffsetDateTime) -> Vec<u8> {
    let mut c = Content::default();
    let mut y = PAGE_H - 64.0;
    c.grey();
    c.text_centered(&b.platform, 10.0, y);
    c.black();
    y -= 28.0;
    c.text_centered(&format!("政务服务效能通报（{}）", b.period), 20.0, y);
    y -= 20.0;
    c.grey();
    c.text_centered(
        &format!(
            "范围：{}　数据截至：{}　由系统依据办件与事项数据自动计算",
            b.scope, b.as_of
        ),
        9.0,
        y,
    );
    c.black();
    y -= 26.0;

    // The figures.
    c.text("一、主要指标", 13.0, MARGIN, y);
    y -= 18.0;
    let cols = [
        MARGIN,
        MARGIN + 170.0,
        MARGIN + 240.0,
        MARGIN + 350.0,
        MARGIN + 405.0,
    ];
    let heads = ["指标", "数值", "分子/分母", "较上月", "目标"];
    c.grey();
    for (x, h) in cols.iter().zip(heads) {
        c.text(h, 9.0, *x, y);
    }
    c.black();
    line(&mut c, MARGIN, y - 4.0, PAGE_W - MARGIN);
    y -= 16.0;
    let reserve =
        40.0 + 15.0 * (b.top.len() + b.bottom.len()) as f64 + 18.0 * b.counts.len() as f64;
    let mut left_out = 0;
    for f in &b.figures {
        if y - 14.0 < BOTTOM + reserve {
            left_out += 1;
            continue;
        }
        c.text(&fit(&f.name, 10.0, 165.0), 10.0, cols[0], y);
        c.text(&f.value, 10.0, cols[1], y);
        c.text(&fit(&f.basis, 9.0, 105.0), 9.0, cols[2], y);
        c.text(&f.change, 9.0, cols[3], y);
        c.text(
            &fit(&f.target, 9.0, PAGE_W - MARGIN - cols[4]),
            9.0,
            cols[4],
            y,
        );
        y -= 15.0;
    }
    if left_out > 0 {
        c.grey();
        c.text(
            &format!("（另有 {left_out} 项指标因篇幅未列出，详见系统“一屏全览”）"),
            9.0,
            MARGIN,
            y,
        );
        c.black();
        y -= 15.0;
    }
    y -= 10.0;

    // The league.
    if !b.top.is_empty() || !b.bottom.is_empty() {
        for l in wrap(
            &format!("二、部门排名（按{}）", b.league_kpi),
            13.0,
            PAGE_W - 2.0 * MARGIN,
        ) {
            c.text(&l, 13.0, MARGIN, y);
            y -= 18.0;
        }
        let half = (PAGE_W - 2.0 * MARGIN) / 2.0;
        let top_y = y;
        let column = |c: &mut Content, title: &str, rows: &[LeagueLine], x: f64| {
            let mut y = top_y;
            c.grey();
            c.text(title, 10.0, x, y);
            c.black();
            y -= 15.0;
            for r in rows {
                c.text(&format!("{}.", r.rank), 10.0, x, y);
                c.text(&fit(&r.department, 10.0, half - 90.0), 10.0, x + 22.0, y);
                c.text(&r.value, 10.0, x + half - 64.0, y);
                y -= 15.0;
            }
            y
        };
        let y1 = column(&mut c, "前列", &b.top, MARGIN);
        let y2 = column(&mut c, "末位", &b.bottom, MARGIN + half);
        y = y1.min(y2) - 10.0;
    }

    // Other counts.
    if !b.counts.is_empty() {
        c.text("三、监管动态", 13.0, MARGIN, y);
        y -= 18.0;
        for (label, n) in &b.counts {
            c.text(
                &fit(&format!("{label}：{n}"), 10.0, PAGE_W - 2.0 * MARGIN),
                10.0,
                MARGIN,
                y,
            );
            y -= 16.0;
        }
    }
    let _ = y;
    c.grey();
    c.text_centered(
        "本通报各项指标均可在系统中逐项下钻核对至具体办件、事项与工单。",
        8.0,
        BOTTOM - 20.0,
    );
    c.black();
    document(&c.0, &format!("政务服务效能通报 {}", b.period), at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use yiwang_licences::pdf::utf16_hex;

    fn sample(n: usize) -> Bulletin {
        Bulletin {
            platform: "湛江市政务服务网".into(),
            scope: "湛江市".into(),
            period: "2026年11月".into(),
            as_of: "2026-12-07 08:00".into(),
            figures: (0..n)
                .map(|i| FigureLine {
                    name: format!("指标{i}"),
                    value: "96.8%".into(),
                    basis: "968/1000".into(),
                    change: "↑1.2".into(),
                    target: "≥95% 达标".into(),
                })
                .collect(),
            league_kpi: "按时办结率".into(),
            top: vec![LeagueLine {
                rank: 1,
                department: "湛江市市场监督管理局".into(),
                value: "100.0%".into(),
            }],
            bottom: vec![LeagueLine {
                rank: 9,
                department: "湛江市公安局".into(),
                value: "90.0%".into(),
            }],
            counts: vec![("信用名单在册（期末）".into(), "黑名单 3 条".into())],
        }
    }

    fn has(pdf: &[u8], s: &str) -> bool {
        let hex = utf16_hex(s);
        String::from_utf8_lossy(pdf).contains(&hex)
    }

    #[test]
    fn the_bulletin_prints_figures_league_and_counts_and_is_reproducible() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let b = sample(21);
        let pdf = bulletin_pdf(&b, at);
        assert!(pdf.starts_with(b"%PDF-1.7"));
        assert!(has(&pdf, "政务服务效能通报（2026年11月）"));
        assert!(has(&pdf, "指标20"), "21 KPIs fit one page");
        assert!(has(&pdf, "968/1000"));
        assert!(has(&pdf, "湛江市市场监督管理局"));
        assert!(has(&pdf, "信用名单在册（期末）：黑名单 3 条"));
        assert!(!has(&pdf, "因篇幅未列出"));
        assert_eq!(pdf, bulletin_pdf(&b, at));
    }

    #[test]
    fn what_does_not_fit_is_said_to_be_left_out() {
        let pdf = bulletin_pdf(&sample(80), OffsetDateTime::UNIX_EPOCH);
        assert!(has(&pdf, "因篇幅未列出"));
        assert_eq!(fit("一二三四五六", 10.0, 35.0), "一二…");
    }
}
