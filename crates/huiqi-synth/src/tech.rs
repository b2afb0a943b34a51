//! Synthetic 科技局/知识产权 facts for the demo (`huiqi gen --tech`): the `tech` source's file of a
//! year over the generated population, so the 梯队培育 certification lists have content.
//! Deterministic like the population. Assumptions: the enterprises that report R&D (about a third
//! of manufacturing, IT and research, a few elsewhere) are the ones the 科技局 knows; each has
//! 科技人员 5–44% of its staff (研发人员 half to all of them), 0–4 Ⅰ类 IP (none for 40%), 0–7 Ⅱ类,
//! 主营业务收入 85–100% of 营业收入 growing 10% to 40% a year (−10% for one in five), costs
//! 70–95% of revenue, liabilities 20–79% of assets, a margin of −5% to 12%, and one in twenty a
//! 高新技术企业. Earlier years scale 主营业务收入 back by the same growth.

use std::io::{self, Write};

use huiqi_domain::EntityKind;
use huiqi_domain::registry::{Source, USCC_COLUMN};

use crate::{Rng, enterprise, share};

/// One enterprise's `tech` row for `year` (`None`: the 科技局 knows nothing of it). Columns in
/// [`Source::Tech`] order; money in fen.
pub fn tech_row(index: u64, population_year: i32, year: i32, seed: u64) -> Option<[String; 12]> {
    let e = enterprise(index, population_year, seed);
    if e.kind != EntityKind::Enterprise || e.rd_expense == 0 {
        return None;
    }
    let mut r = Rng::new(seed, index, 300);
    let employees = e.employees.max(1);
    let tech_staff = (employees * (5 + r.below(40) as i64) / 100).max(1);
    let rd_staff = (tech_staff * (50 + r.below(51) as i64) / 100).max(1);
    let ip_class1 = if r.chance(400) { 0 } else { 1 + r.below(4) };
    let ip_class2 = r.below(8);
    let ip_high_value = if ip_class1 > 0 {
        r.below(ip_class1 + 1)
    } else {
        0
    };
    let ip_class1_own = if ip_class1 > 0 {
        r.below(ip_class1 + 1)
    } else {
        0
    };
    let main_now = share(e.revenue, 85 + r.below(16) as i64, 100);
    let growth = if r.chance(200) {
        -10
    } else {
        10 + r.below(31) as i64
    };
    let mut main = main_now;
    for _ in year..population_year {
        main = share(main, 100, 100 + growth);
    }
    let cost_total = share(e.revenue, 70 + r.below(26) as i64, 100);
    let liabilities = share(e.total_assets, 20 + r.below(60) as i64, 100);
    let margin = r.below(18) as i64 - 5;
    let profit = if margin < 0 {
        -share(e.revenue, -margin, 100)
    } else {
        share(e.revenue, margin, 100)
    };
    let high_tech = r.chance(50);
    let fen = |f: i64| {
        let s = if f < 0 { "-" } else { "" };
        format!("{s}{}.{:02}", f.abs() / 100, f.abs() % 100)
    };
    Some([
        e.uscc.to_string(),
        tech_staff.to_string(),
        rd_staff.to_string(),
        ip_class1.to_string(),
        ip_class2.to_string(),
        ip_high_value.to_string(),
        ip_class1_own.to_string(),
        fen(main),
        fen(cost_total),
        fen(liabilities),
        fen(profit),
        if high_tech { "是" } else { "否" }.to_string(),
    ])
}

/// Writes the `tech` file of `year` for the first `count` enterprises of the population of `seed`
/// and `population_year` (Chinese headers). Returns the number of rows.
pub fn write_tech_csv<W: Write>(
    out: W,
    count: u64,
    population_year: i32,
    year: i32,
    seed: u64,
) -> io::Result<u64> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(std::iter::once(USCC_COLUMN.zh).chain(Source::Tech.columns().map(|c| c.zh)))?;
    let mut n = 0;
    for i in 0..count {
        if let Some(row) = tech_row(i, population_year, year, seed) {
            w.write_record(row.iter())?;
            n += 1;
        }
    }
    w.flush()?;
    Ok(n)
}
