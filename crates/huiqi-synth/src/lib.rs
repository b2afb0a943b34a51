//! A synthetic population of Lu'an enterprises for demos and benchmarks (`huiqi gen`).
//!
//! Deterministic: enterprise `i` of seed `s` depends only on `(s, i, year)`, so any count gives a
//! prefix of a larger one and the output is the same on every machine. Plausible, not real: the
//! shares below are assumptions for a city of Lu'an's profile (about 2/3 个体工商户; jurisdictions
//! weighted by population and economic weight; industries weighted toward retail, catering and
//! light manufacturing, tea (C1530) included), amounts heavy-tailed (log-normal), taxes derived
//! from revenue by the national rules (see `shared/reference/national-rules.md`).
//!
//! Amounts are integer fen from the moment they exist; the random draw that shapes a distribution
//! uses f64 only to pick a magnitude, which is rounded to whole fen once.
#![forbid(unsafe_code)]

mod lists;
mod tech;

use std::io::{self, Write};

use chrono::{Datelike, NaiveDate};
use huiqi_domain::{EntityKind, FACT_COLUMNS, Facts, FounderGroup, Uscc};
use rust_decimal::Decimal;

pub use lists::{write_certifications_csv, write_trainings_csv};
pub use tech::{tech_row, write_tech_csv};

/// Jurisdiction id, USCC region code, name-prefix, share in ‰, urban (城建税 7%) or not (5%).
const COUNTIES: [(&str, &str, &str, u32, bool); 8] = [
    ("341502", "341502", "金安区", 200, true),
    ("341503", "341503", "裕安区", 170, true),
    ("341504", "341504", "叶集区", 50, true),
    ("341522", "341522", "霍邱县", 160, false),
    ("341523", "341523", "舒城县", 140, false),
    ("341524", "341524", "金寨县", 90, false),
    ("341525", "341525", "霍山县", 80, false),
    // The development zone has no GB/T 2260 code; its businesses register with the city (341500).
    ("luan-etdz", "341500", "六安经开区", 110, true),
];

/// GB/T 4754-2017 class code, 行业词 for names, share ‰ among enterprises, among 个体工商户.
const INDUSTRIES: [(&str, &str, u32, u32); 52] = [
    ("A0111", "农业", 10, 20),
    ("A0141", "蔬菜种植", 10, 25),
    ("A0311", "养殖", 15, 25),
    ("A0412", "水产养殖", 5, 10),
    ("B1019", "矿业", 8, 0),
    ("C1330", "植物油", 10, 2),
    ("C1530", "茶业", 25, 15),
    ("C1810", "服装", 15, 5),
    ("C2021", "木业", 12, 5),
    ("C2231", "纸品", 8, 0),
    ("C2929", "塑料制品", 15, 3),
    ("C3021", "水泥制品", 10, 0),
    ("C3311", "钢结构", 18, 3),
    ("C3360", "表面处理", 6, 0),
    ("C3484", "机械配件", 20, 4),
    ("C3670", "汽车零部件", 15, 0),
    ("C3825", "光伏设备", 6, 0),
    ("C3981", "电子元件", 10, 0),
    ("D4411", "电力", 4, 0),
    ("E4701", "建筑工程", 40, 5),
    ("E4811", "市政工程", 15, 0),
    ("E5011", "装饰工程", 35, 25),
    ("F5121", "粮油批发", 25, 10),
    ("F5161", "建材批发", 40, 15),
    ("F5191", "贸易", 60, 10),
    ("F5211", "百货", 30, 80),
    ("F5212", "超市", 15, 70),
    ("F5223", "果蔬", 5, 80),
    ("F5261", "汽车销售", 10, 2),
    ("F5271", "五金", 10, 50),
    ("F5292", "网店", 15, 40),
    ("G5430", "货运", 30, 45),
    ("G5960", "仓储", 10, 2),
    ("H6110", "酒店", 10, 15),
    ("H6210", "餐饮", 20, 80),
    ("H6291", "小吃", 5, 60),
    ("I6510", "软件", 25, 2),
    ("I6450", "网络科技", 15, 5),
    ("K7010", "房地产开发", 20, 0),
    ("K7020", "物业", 10, 0),
    ("L7111", "汽车租赁", 10, 5),
    ("L7212", "企业管理", 40, 5),
    ("L7251", "广告", 25, 15),
    ("M7320", "工程技术研究", 15, 0),
    ("M7520", "科技推广", 35, 5),
    ("N7721", "环保", 15, 2),
    ("O8010", "家政", 10, 30),
    ("O8051", "理发美容", 5, 70),
    ("O8111", "汽车修理", 10, 45),
    ("P8391", "培训", 15, 10),
    ("Q8423", "诊所", 5, 15),
    ("R9013", "文化娱乐", 20, 15),
];

const TRADE_NAME_CHARS: &[&str] = &[
    "皖", "西", "瓜", "片", "淠", "河", "大", "别", "山", "金", "安", "裕", "舒", "城", "霍", "寨",
    "兴", "盛", "鑫", "诚", "信", "和", "顺", "福", "华", "宏", "达", "丰", "源", "泰", "恒", "瑞",
    "祥", "众", "联", "创", "新", "明", "德", "康", "嘉", "佳", "永", "昌", "隆", "万", "利", "宝",
];
/// Characters of given names for 联系人.
const GIVEN_NAME_CHARS: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "兰", "建", "国", "文", "辉", "红", "梅",
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "胡", "朱", "高", "林",
];

/// SplitMix64: small, fast and fixed, so that a seed means the same population forever.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, index: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ stream.rotate_left(32));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, permille: u32) -> bool {
        self.below(1000) < u64::from(permille)
    }
    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(f64::MIN_POSITIVE);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
    /// Log-normal with the given median and σ (of the log).
    fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }
    /// Index by weights.
    fn pick<T>(&mut self, items: &[T], weight: impl Fn(&T) -> u32) -> usize {
        let total: u64 = items.iter().map(|i| u64::from(weight(i))).sum();
        let mut x = self.below(total);
        for (k, item) in items.iter().enumerate() {
            let w = u64::from(weight(item));
            if x < w {
                return k;
            }
            x -= w;
        }
        items.len() - 1
    }
}

/// Whole 元 drawn from a magnitude, in fen.
fn yuan_to_fen(yuan: f64) -> i64 {
    (yuan.round().clamp(0.0, 1e13) as i64) * 100
}

/// `fen × num / den`, rounded half up to whole fen (all values non-negative).
fn share(fen: i64, num: i64, den: i64) -> i64 {
    ((i128::from(fen) * i128::from(num) * 2 + i128::from(den)) / (i128::from(den) * 2)) as i64
}

/// 经营所得 tax (个人所得税法 附表二), fen in, fen out.
fn business_income_tax(income: i64) -> i64 {
    if income <= 0 {
        return 0;
    }
    // (upper bound 元, rate %, quick deduction 元)
    const SCALE: [(i64, i64, i64); 5] = [
        (30_000, 5, 0),
        (90_000, 10, 1_500),
        (300_000, 20, 10_500),
        (500_000, 30, 40_500),
        (i64::MAX / 100, 35, 65_500),
    ];
    let (_, rate, quick) = SCALE
        .iter()
        .copied()
        .find(|(upper, _, _)| income <= upper * 100)
        .unwrap_or(SCALE[4]);
    (share(income, rate, 100) - quick * 100).max(0)
}

/// One synthetic enterprise's facts, amounts in fen (headcount in whole persons).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthRow {
    pub uscc: Uscc,
    pub name: String,
    pub kind: EntityKind,
    pub county: &'static str,
    pub industry: &'static str,
    pub registered_on: NaiveDate,
    pub employees: i64,
    pub revenue: i64,
    pub total_assets: i64,
    pub taxable_income: i64,
    pub restricted_industry: bool,
    pub business_income: i64,
    pub other_iit_relief: i64,
    pub vat_small_scale: bool,
    pub vat_sales: [i64; 4],
    pub resource_tax: i64,
    pub urban_maintenance_tax: i64,
    pub property_tax: i64,
    pub land_use_tax: i64,
    pub stamp_duty: i64,
    pub farmland_occupation_tax: i64,
    pub education_surcharge: i64,
    pub local_education_surcharge: i64,
    pub vat_due: i64,
    pub iit_due: i64,
    pub founder_group: FounderGroup,
    pub rd_expense: i64,
}

/// The USCC body of enterprise `index`: "MA" + 6 characters of the GB 32100 alphabet from a
/// bijection of the index (so codes never repeat within 31⁶ enterprises).
fn uscc_body(index: u64, seed: u64) -> String {
    const M: u64 = 887_503_681; // 31^6
    const A: u64 = 502_458_619; // not a multiple of 31: (A·i + B) mod M is a bijection
    let b = seed % M;
    let mut v = (index % M * A + b) % M;
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = huiqi_domain::uscc::ALPHABET[(v % 31) as usize];
        v /= 31;
    }
    format!("MA{}", std::str::from_utf8(&out).unwrap_or("000000"))
}

/// Enterprise `index` of the population of `seed` for tax year `year`.
pub fn enterprise(index: u64, year: i32, seed: u64) -> SynthRow {
    let mut r = Rng::new(seed, index, 0);
    let individual = r.chance(667);
    let kind = if individual {
        EntityKind::IndividualBusiness
    } else {
        EntityKind::Enterprise
    };
    let (county, region, place, _, urban) = COUNTIES[r.pick(&COUNTIES, |c| c.3)];
    let ind = r.pick(&INDUSTRIES, |i| if individual { i.3 } else { i.2 });
    let (industry, trade, _, _) = INDUSTRIES[ind];
    let section = industry.as_bytes()[0];

    // Registration: about a third in the last 3 years (the startup deduction's window), the rest
    // spread over 25 years.
    let years_back = if r.chance(330) {
        r.below(3) as i32
    } else {
        3 + r.below(23) as i32
    };
    let registered_on = NaiveDate::from_ymd_opt(year - years_back, 1 + r.below(12) as u32, 1)
        .and_then(|d| d.with_day(1 + r.below(28) as u32))
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default());

    let prefix = if individual { "92" } else { "91" };
    let uscc = Uscc::from_parts(prefix, region, &uscc_body(index, seed))
        .expect("the generator builds valid codes");

    let c1 = TRADE_NAME_CHARS[r.below(TRADE_NAME_CHARS.len() as u64) as usize];
    let c2 = TRADE_NAME_CHARS[r.below(TRADE_NAME_CHARS.len() as u64) as usize];
    let name = if individual {
        let s = SURNAMES[r.below(SURNAMES.len() as u64) as usize];
        format!("{place}{s}记{trade}店")
    } else {
        let city = if county == "luan-etdz" {
            "六安"
        } else {
            place
        };
        format!("{city}{c1}{c2}{trade}有限公司")
    };

    // Heavy tails: revenue log-normal; headcount from revenue per head; assets from revenue.
    let revenue_yuan = if individual {
        r.lognormal(250_000.0, 1.0)
    } else {
        r.lognormal(1_800_000.0, 1.7)
    };
    let revenue = yuan_to_fen(revenue_yuan);
    let per_head = r.lognormal(if individual { 150_000.0 } else { 400_000.0 }, 0.6);
    let employees = if individual {
        ((revenue_yuan / per_head).round() as i64).clamp(1, 20)
    } else {
        ((revenue_yuan / per_head).round() as i64).clamp(1, 5000)
    };
    let asset_ratio = match section {
        b'K' | b'D' | b'B' => r.lognormal(3.0, 0.6),
        b'C' | b'E' => r.lognormal(0.9, 0.6),
        _ => r.lognormal(if individual { 0.3 } else { 0.6 }, 0.7),
    };
    let total_assets = yuan_to_fen(revenue_yuan * asset_ratio);
    let restricted_industry = r.chance(8);

    // Income: a margin between −15% and +20%; about one enterprise in five makes a loss.
    let margin_permille = r.below(350) as i64 - 150;
    let profit = share(revenue, margin_permille.abs(), 1000) * margin_permille.signum();
    let (taxable_income, business_income) = if individual {
        (0, profit.max(0))
    } else {
        (profit, 0)
    };

    // VAT: 个体工商户 almost all small-scale; enterprises small-scale below 500万 mostly.
    let vat_small_scale = if individual {
        r.chance(985)
    } else {
        revenue <= 500_000_000 && r.chance(800)
    };
    let mut vat_sales = [0i64; 4];
    let mut left = revenue;
    for q in vat_sales.iter_mut().take(3) {
        *q = share(revenue, 150 + r.below(200) as i64, 1000).min(left);
        left -= *q;
    }
    vat_sales[3] = left;
    // Small-scale: quarters ≤ 30万 exempt, 1% above (公告2023年第19号); general: output less input,
    // about 1.5–4.5% of sales.
    let vat_due = if vat_small_scale {
        vat_sales
            .iter()
            .filter(|q| **q > 30_000_000)
            .map(|q| share(*q, 1, 100))
            .sum()
    } else {
        share(revenue, 15 + r.below(30) as i64, 1000)
    };
    let umt_rate = if urban { 7 } else { 5 };
    let urban_maintenance_tax = share(vat_due, umt_rate, 100);
    let education_surcharge = share(vat_due, 3, 100);
    let local_education_surcharge = share(vat_due, 2, 100);
    let stamp_duty = if individual {
        0
    } else {
        share(revenue, 3, 10_000)
    };
    let owns_property = !individual && r.chance(400);
    let property_tax = if owns_property {
        share(total_assets, 3, 1000)
    } else {
        0
    };
    let land_use_tax = if owns_property && matches!(section, b'C' | b'G' | b'E') {
        share(total_assets, 2, 1000)
    } else {
        0
    };
    let resource_tax = if section == b'B' {
        share(revenue, 3, 100)
    } else {
        0
    };
    let farmland_occupation_tax = if !individual && r.chance(5) {
        share(total_assets, 1, 100)
    } else {
        0
    };

    // 个体工商户: 经营所得 tax, halved on the part ≤ 200万 (公告2023年第12号 第一条).
    let founder_group = if individual && years_back < 3 {
        match r.below(1000) {
            0..=39 => FounderGroup::RetiredSoldier,
            40..=119 => FounderGroup::KeyGroup,
            _ => FounderGroup::None,
        }
    } else {
        FounderGroup::None
    };
    let other_iit_relief = 0;
    let iit_due = if individual {
        let tax = business_income_tax(business_income);
        let halved_base = business_income.min(200_000_000);
        let relief = if business_income > 0 {
            share(share(tax, halved_base, business_income), 1, 2)
        } else {
            0
        };
        tax - relief
    } else {
        0
    };

    // R&D: manufacturing, IT and research more often; none in the negative list (财税〔2015〕119号).
    let rd_permille = match section {
        b'C' | b'I' | b'M' => 350,
        b'F' | b'H' | b'K' | b'L' | b'R' => 0,
        _ => 40,
    };
    let rd_expense = if !individual && r.chance(rd_permille) {
        share(revenue, 5 + r.below(60) as i64, 1000)
    } else {
        0
    };

    SynthRow {
        uscc,
        name,
        kind,
        county,
        industry,
        registered_on,
        employees,
        revenue,
        total_assets,
        taxable_income,
        restricted_industry,
        business_income,
        other_iit_relief,
        vat_small_scale,
        vat_sales,
        resource_tax,
        urban_maintenance_tax,
        property_tax,
        land_use_tax,
        stamp_duty,
        farmland_occupation_tax,
        education_surcharge,
        local_education_surcharge,
        vat_due,
        iit_due,
        founder_group,
        rd_expense,
    }
}

fn yuan(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

impl SynthRow {
    /// The same enterprise in the shared fact vocabulary (元 as `Decimal`).
    pub fn to_facts(&self) -> Facts {
        Facts {
            uscc: self.uscc.to_string(),
            name: self.name.clone(),
            kind: self.kind,
            county: self.county.to_owned(),
            industry: self.industry.to_owned(),
            registered_on: Some(self.registered_on),
            employees: Decimal::from(self.employees),
            revenue: yuan(self.revenue),
            total_assets: yuan(self.total_assets),
            taxable_income: yuan(self.taxable_income),
            restricted_industry: self.restricted_industry,
            business_income: yuan(self.business_income),
            other_iit_relief: yuan(self.other_iit_relief),
            vat_small_scale: self.vat_small_scale,
            vat_sales_q1: yuan(self.vat_sales[0]),
            vat_sales_q2: yuan(self.vat_sales[1]),
            vat_sales_q3: yuan(self.vat_sales[2]),
            vat_sales_q4: yuan(self.vat_sales[3]),
            resource_tax: yuan(self.resource_tax),
            urban_maintenance_tax: yuan(self.urban_maintenance_tax),
            property_tax: yuan(self.property_tax),
            land_use_tax: yuan(self.land_use_tax),
            stamp_duty: yuan(self.stamp_duty),
            farmland_occupation_tax: yuan(self.farmland_occupation_tax),
            education_surcharge: yuan(self.education_surcharge),
            local_education_surcharge: yuan(self.local_education_surcharge),
            vat_due: yuan(self.vat_due),
            iit_due: yuan(self.iit_due),
            founder_group: self.founder_group,
            rd_expense: yuan(self.rd_expense),
        }
    }

    /// Writes the row's fields in [`FACT_COLUMNS`] order into `out` (one `String` per field,
    /// reused).
    fn fields(&self, out: &mut [String; 30]) {
        use std::fmt::Write as _;
        let money = |s: &mut String, fen: i64| {
            s.clear();
            let sign = if fen < 0 { "-" } else { "" };
            let a = fen.unsigned_abs();
            let _ = write!(s, "{sign}{}.{:02}", a / 100, a % 100);
        };
        let text = |s: &mut String, t: &str| {
            s.clear();
            s.push_str(t);
        };
        let flag = |s: &mut String, b: bool| text(s, if b { "true" } else { "false" });
        text(&mut out[0], self.uscc.as_str());
        text(&mut out[1], &self.name);
        text(&mut out[2], self.kind.as_str());
        text(&mut out[3], self.county);
        text(&mut out[4], self.industry);
        out[5].clear();
        let _ = write!(out[5], "{}", self.registered_on.format("%Y-%m-%d"));
        out[6].clear();
        let _ = write!(out[6], "{}", self.employees);
        money(&mut out[7], self.revenue);
        money(&mut out[8], self.total_assets);
        money(&mut out[9], self.taxable_income);
        flag(&mut out[10], self.restricted_industry);
        money(&mut out[11], self.business_income);
        money(&mut out[12], self.other_iit_relief);
        flag(&mut out[13], self.vat_small_scale);
        for q in 0..4 {
            money(&mut out[14 + q], self.vat_sales[q]);
        }
        money(&mut out[18], self.resource_tax);
        money(&mut out[19], self.urban_maintenance_tax);
        money(&mut out[20], self.property_tax);
        money(&mut out[21], self.land_use_tax);
        money(&mut out[22], self.stamp_duty);
        money(&mut out[23], self.farmland_occupation_tax);
        money(&mut out[24], self.education_surcharge);
        money(&mut out[25], self.local_education_surcharge);
        money(&mut out[26], self.vat_due);
        money(&mut out[27], self.iit_due);
        text(&mut out[28], self.founder_group.as_str());
        money(&mut out[29], self.rd_expense);
    }
}

/// The 联系人 and 联系电话 of enterprise `index` (a stream of its own, so the facts of a seed are
/// the same with or without contacts): a mobile number for most, a Lu'an landline (0564) for some.
pub fn contact(index: u64, seed: u64) -> (String, String) {
    let mut r = Rng::new(seed, index, 7);
    let surname = SURNAMES[r.below(SURNAMES.len() as u64) as usize];
    let mut person = surname.to_string();
    for _ in 0..1 + r.below(2) {
        person.push_str(GIVEN_NAME_CHARS[r.below(GIVEN_NAME_CHARS.len() as u64) as usize]);
    }
    let phone = if r.chance(850) {
        const PREFIXES: [u64; 8] = [139, 138, 135, 137, 151, 158, 180, 189];
        format!(
            "{}{:08}",
            PREFIXES[r.below(8) as usize],
            r.below(100_000_000)
        )
    } else {
        format!("0564-{}{:06}", 2 + r.below(7), r.below(1_000_000))
    };
    (person, phone)
}

/// The header of the 市场监管 file [`write_market_csv`] writes (the `market` import source).
pub const MARKET_COLUMNS: [&str; 9] = [
    "uscc",
    "name",
    "kind",
    "county",
    "industry",
    "registered_on",
    "status",
    "contact_person",
    "contact_phone",
];

/// Writes the 市场监管 registration file of the same population as [`write_csv`] (same codes,
/// names, counties, industries and dates; every enterprise 存续), with 联系人 and 联系电话.
pub fn write_market_csv<W: Write>(out: W, count: u64, year: i32, seed: u64) -> io::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(1 << 20)
        .from_writer(out);
    w.write_record(MARKET_COLUMNS)?;
    for i in 0..count {
        let e = enterprise(i, year, seed);
        let (person, phone) = contact(i, seed);
        let kind = e.kind.as_str();
        w.write_record([
            e.uscc.as_str(),
            &e.name,
            kind,
            e.county,
            e.industry,
            &e.registered_on.to_string(),
            "active",
            &person,
            &phone,
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes `count` enterprises of `seed` for `year` as the fact CSV (UTF-8, header
/// [`FACT_COLUMNS`]).
pub fn write_csv<W: Write>(out: W, count: u64, year: i32, seed: u64) -> io::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(1 << 20)
        .from_writer(out);
    w.write_record(FACT_COLUMNS)?;
    let mut fields: [String; 30] = std::array::from_fn(|_| String::with_capacity(24));
    for i in 0..count {
        enterprise(i, year, seed).fields(&mut fields);
        w.write_record(fields.iter())?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_market_file_describes_the_same_population_with_valid_contacts() {
        let mut facts = Vec::new();
        let mut market = Vec::new();
        write_csv(&mut facts, 300, 2024, 7).unwrap();
        write_market_csv(&mut market, 300, 2024, 7).unwrap();
        let (facts, market) = (
            String::from_utf8(facts).unwrap(),
            String::from_utf8(market).unwrap(),
        );
        assert_eq!(facts.lines().count(), market.lines().count());
        for (f, m) in facts.lines().zip(market.lines()).skip(1) {
            let f: Vec<&str> = f.split(',').collect();
            let m: Vec<&str> = m.split(',').collect();
            assert_eq!(
                f[..6],
                m[..6],
                "uscc, name, kind, county, industry, date agree"
            );
            assert!((2..=3).contains(&m[7].chars().count()), "{m:?}");
            let digits = m[8].chars().filter(char::is_ascii_digit).count();
            assert!(
                digits == 11 && (m[8].starts_with('1') || m[8].starts_with("0564-")),
                "{m:?}"
            );
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_population() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        let mut c = Vec::new();
        write_csv(&mut a, 500, 2024, 7).unwrap();
        write_csv(&mut b, 500, 2024, 7).unwrap();
        write_csv(&mut c, 500, 2024, 8).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        // A smaller count is a prefix.
        let mut d = Vec::new();
        write_csv(&mut d, 100, 2024, 7).unwrap();
        assert!(a.starts_with(&d));
    }

    #[test]
    fn codes_are_valid_and_unique() {
        let mut seen = HashSet::new();
        for i in 0..20_000 {
            let e = enterprise(i, 2024, 1);
            assert_eq!(Uscc::parse(e.uscc.as_str()).as_ref(), Ok(&e.uscc));
            assert!(seen.insert(e.uscc.clone()), "duplicate at {i}");
            let expected = if e.kind == EntityKind::IndividualBusiness {
                "92"
            } else {
                "91"
            };
            assert_eq!(e.uscc.category(), expected);
        }
    }

    #[test]
    fn shares_are_plausible() {
        let n = 20_000;
        let rows: Vec<SynthRow> = (0..n).map(|i| enterprise(i, 2024, 3)).collect();
        let individuals = rows
            .iter()
            .filter(|r| r.kind == EntityKind::IndividualBusiness)
            .count();
        let share = individuals as f64 / n as f64;
        assert!((0.64..0.70).contains(&share), "individuals {share}");
        let counties: HashSet<&str> = rows.iter().map(|r| r.county).collect();
        assert_eq!(counties.len(), 8);
        let recent = rows
            .iter()
            .filter(|r| r.registered_on.year() >= 2022)
            .count();
        assert!(recent > n as usize / 5, "registered in the last 3 years");
        let founders = rows
            .iter()
            .filter(|r| r.founder_group != FounderGroup::None)
            .count();
        assert!(
            founders > 100,
            "veterans and key-group founders: {founders}"
        );
        assert!(rows.iter().any(|r| r.rd_expense > 0));
        assert!(rows.iter().any(|r| r.taxable_income < 0), "some losses");
        // Heavy tail: the top 1% of revenue far above the median.
        let mut rev: Vec<i64> = rows.iter().map(|r| r.revenue).collect();
        rev.sort_unstable();
        assert!(rev[n as usize * 99 / 100] > 20 * rev[n as usize / 2]);
    }

    #[test]
    fn taxes_follow_revenue() {
        for i in 0..5_000 {
            let e = enterprise(i, 2024, 5);
            assert_eq!(e.vat_sales.iter().sum::<i64>(), e.revenue);
            assert!(e.vat_sales.iter().all(|q| *q >= 0));
            if e.vat_small_scale {
                let expected: i64 = e
                    .vat_sales
                    .iter()
                    .filter(|q| **q > 30_000_000)
                    .map(|q| share(*q, 1, 100))
                    .sum();
                assert_eq!(e.vat_due, expected);
            }
            assert_eq!(e.education_surcharge, share(e.vat_due, 3, 100));
            assert!(e.registered_on.year() <= 2024);
            if e.kind == EntityKind::Enterprise {
                assert_eq!(e.iit_due, 0);
            }
        }
    }

    #[test]
    fn business_income_tax_matches_the_official_example() {
        // 应纳税所得额 80000 元: 80000 × 10% − 1500 = 6500 元; halved → relief 3250 (no other relief).
        assert_eq!(business_income_tax(8_000_000), 650_000);
        assert_eq!(business_income_tax(0), 0);
        assert_eq!(business_income_tax(3_000_000), 150_000);
    }
}
