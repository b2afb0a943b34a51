//! `huiqi cultivate …` (梯队培育): score one enterprise against a standard, list the candidates of
//! the registry.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};
use huiqi_app::{App, cultivate};
use huiqi_cultivate::{CandidateKind, Profile, Standard, Standards};
use huiqi_domain::text::thousands;

use crate::common::runtime;

#[derive(Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum StandardArg {
    TechSme,
    InnovativeSme,
    Zjtx,
}

impl From<StandardArg> for Standard {
    fn from(s: StandardArg) -> Standard {
        match s {
            StandardArg::TechSme => Standard::TechSme,
            StandardArg::InnovativeSme => Standard::InnovativeSme,
            StandardArg::Zjtx => Standard::Zjtx,
        }
    }
}

#[derive(Subcommand)]
pub enum CultivateCmd {
    /// 按某一认定标准为一户企业评分：得分、是否符合、各项得分、还缺什么（JSON 输入，字段见 README“梯队培育”）
    Score {
        /// 标准：tech_sme 科技型中小企业、innovative_sme 创新型中小企业、zjtx 专精特新中小企业
        #[arg(long, value_enum)]
        standard: StandardArg,
        /// 适用日期（按此日期取有效的版本）
        #[arg(long)]
        at: NaiveDate,
        /// 同时输出计算过程（trace）
        #[arg(long)]
        trace: bool,
        /// 企业情况 JSON 文件；“-”为标准输入
        file: PathBuf,
    },
    /// 候选企业名单（企业库中某年的数据）：小升规、个转企、科技型、创新型、专精特新
    Candidates {
        #[arg(long, value_enum)]
        kind: KindArg,
        /// 数据年度
        #[arg(long)]
        year: i32,
        /// 只看一个辖区（代码）
        #[arg(long)]
        county: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// xlsx 的输出文件（--format xlsx 时必填）
        #[arg(long)]
        output: Option<PathBuf>,
        /// 表格只列前 N 户（户数、合计与分辖区仍按全部名单；全部名单用 --format xlsx）
        #[arg(long)]
        top: Option<usize>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum KindArg {
    AboveScale,
    IndToEnt,
    TechSme,
    InnovativeSme,
    Zjtx,
}

impl From<KindArg> for CandidateKind {
    fn from(k: KindArg) -> CandidateKind {
        match k {
            KindArg::AboveScale => CandidateKind::AboveScale,
            KindArg::IndToEnt => CandidateKind::IndToEnt,
            KindArg::TechSme => CandidateKind::TechSme,
            KindArg::InnovativeSme => CandidateKind::InnovativeSme,
            KindArg::Zjtx => CandidateKind::Zjtx,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Xlsx,
}

pub fn run(cmd: CultivateCmd) -> Result<ExitCode> {
    match cmd {
        CultivateCmd::Score {
            standard,
            at,
            trace,
            file,
        } => score(standard.into(), at, trace, &file),
        CultivateCmd::Candidates {
            kind,
            year,
            county,
            format,
            output,
            top,
        } => candidates(
            kind.into(),
            year,
            county.as_deref(),
            format,
            output.as_ref(),
            top,
        ),
    }
}

fn candidates(
    kind: CandidateKind,
    year: i32,
    county: Option<&str>,
    format: Format,
    output: Option<&PathBuf>,
    top: Option<usize>,
) -> Result<ExitCode> {
    if matches!(format, Format::Xlsx) && output.is_none() {
        bail!("--format xlsx 须用 --output 指定输出文件（.xlsx）");
    }
    let rt = runtime()?;
    let list = rt.block_on(async {
        let url = huiqi_store::database_url_from_env();
        let app = App::open(&url, None).await?;
        anyhow::Ok(cultivate::candidates(&app, kind, year, county).await?)
    })?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&list)?),
        Format::Xlsx => {
            let path = output.expect("checked above");
            std::fs::write(path, cultivate::candidates_xlsx(&list)?)
                .with_context(|| format!("无法写入 {}", path.display()))?;
            println!(
                "已写出 {} 年{}候选名单：{}（{} 户）",
                year,
                list.kind_label,
                path.display(),
                list.rows.len()
            );
        }
        Format::Table => print_table(&list, top),
    }
    Ok(ExitCode::SUCCESS)
}

fn money(d: rust_decimal::Decimal) -> String {
    huiqi_assess::money::grouped(d, 2)
}

fn print_table(list: &cultivate::CandidateList, top: Option<usize>) {
    let shown = top.unwrap_or(usize::MAX).min(list.rows.len());
    // With --top, the closest first: the smallest gap to the threshold, the fewest points short,
    // the highest score, the largest revenue; else the list's own order (by credit code).
    let mut order: Vec<&cultivate::Candidate> = list.rows.iter().collect();
    if top.is_some() {
        order.sort_by(|a, b| {
            a.gap
                .cmp(&b.gap)
                .then(a.points_short.cmp(&b.points_short))
                .then(b.score.cmp(&a.score))
                .then(b.revenue.cmp(&a.revenue))
                .then(a.uscc.cmp(&b.uscc))
        });
    }
    println!(
        "{} 年{}候选名单（{}）：{} 户",
        list.year,
        list.kind_label,
        list.county.as_deref().map_or("全市".to_string(), |c| list
            .by_county
            .iter()
            .find(|x| x.county == c)
            .map_or(c.to_string(), |x| x.county_name.clone())),
        huiqi_domain::text::thousands(list.rows.len() as u64)
    );
    for n in &list.notes {
        println!("  {n}");
    }
    println!(
        "  分辖区：{}",
        list.by_county
            .iter()
            .map(|c| format!("{} {}", c.county_name, thousands(c.candidates as u64)))
            .collect::<Vec<_>>()
            .join("，")
    );
    // Candidates beside this year's targets, per county (the county's share of each target).
    for c in list.by_county.iter().filter(|c| !c.targets.is_empty()) {
        println!(
            "  {}：{}",
            c.county_name,
            c.targets
                .iter()
                .map(|t| format!(
                    "{} 候选 {} {} / 本年目标 {} {}",
                    t.indicator,
                    thousands(t.candidates as u64),
                    t.unit,
                    t.share.normalize(),
                    t.unit
                ))
                .collect::<Vec<_>>()
                .join("；")
        );
    }
    let (headers, rows): (Vec<&str>, Vec<Vec<String>>) = match list.kind {
        CandidateKind::AboveScale => (
            vec![
                "统一社会信用代码",
                "名称",
                "辖区",
                "行业",
                "营业收入（元）",
                "门槛（元）",
                "差距（元）",
                "适用门槛",
            ],
            order[..shown]
                .iter()
                .map(|r| {
                    vec![
                        r.uscc.clone(),
                        r.name.clone(),
                        r.county_name.clone(),
                        r.industry.clone(),
                        money(r.revenue),
                        r.threshold.map(money).unwrap_or_default(),
                        r.gap.map(money).unwrap_or_default(),
                        r.line.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        ),
        CandidateKind::IndToEnt => (
            vec![
                "统一社会信用代码",
                "名称",
                "辖区",
                "行业",
                "营业收入（元）",
                "符合的条件",
            ],
            order[..shown]
                .iter()
                .map(|r| {
                    vec![
                        r.uscc.clone(),
                        r.name.clone(),
                        r.county_name.clone(),
                        r.industry.clone(),
                        money(r.revenue),
                        r.reasons.join("；"),
                    ]
                })
                .collect(),
        ),
        _ => (
            vec![
                "统一社会信用代码",
                "名称",
                "辖区",
                "得分",
                "差（分）",
                "还缺什么",
            ],
            order[..shown]
                .iter()
                .map(|r| {
                    vec![
                        r.uscc.clone(),
                        r.name.clone(),
                        r.county_name.clone(),
                        r.score.map(|s| s.to_string()).unwrap_or_default(),
                        r.points_short.map(|s| s.to_string()).unwrap_or_default(),
                        r.missing.first().cloned().unwrap_or_default(),
                    ]
                })
                .collect(),
        ),
    };
    print!("{}", crate::table::render(&headers, &rows));
    if shown < list.rows.len() {
        println!(
            "（只列最接近的前 {} 户，共 {} 户；全部名单用 --format xlsx --output 文件.xlsx 写出）",
            thousands(shown as u64),
            thousands(list.rows.len() as u64)
        );
    }
    if let CandidateKind::AboveScale = list.kind {
        let total: rust_decimal::Decimal = list.rows.iter().filter_map(|r| r.gap).sum();
        println!(
            "合计：{} 户，差距合计 {} 元",
            thousands(list.rows.len() as u64),
            money(total)
        );
    }
}

fn score(standard: Standard, at: NaiveDate, trace: bool, file: &PathBuf) -> Result<ExitCode> {
    let text = if file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("无法读取标准输入")?;
        s
    } else {
        std::fs::read_to_string(file).with_context(|| format!("无法读取 {}", file.display()))?
    };
    let profile = Profile::from_json(&text)?;
    let standards = Standards::builtin();
    let out = huiqi_cultivate::score(&standards, standard, at, &profile, trace)?;
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
pub enum ParksCmd {
    /// 写出园区台账导入模板（CSV，含表头与一行示例）
    Template {
        /// 输出文件（默认打印到屏幕）
        #[arg(long)]
        output: Option<PathBuf>,
        /// 写出演示用的台账（每个辖区两个园区），而不是空模板
        #[arg(long)]
        demo: Option<i32>,
    },
    /// 导入某年的园区台账（CSV）：全部行校验通过才写入，替换该年已有台账
    Import {
        #[arg(long)]
        year: i32,
        file: PathBuf,
    },
    /// 按评价方案为某年的园区评分、定等次、排名（含计算过程）
    Grade {
        #[arg(long)]
        year: i32,
        /// 只看一个辖区（代码）
        #[arg(long)]
        county: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// xlsx 的输出文件（--format xlsx 时必填）
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(serde::Serialize)]
struct ParkJson<'a> {
    park: &'a str,
    park_id: &'a str,
    county: &'a str,
    county_name: String,
    score: rust_decimal::Decimal,
    grade: &'a str,
    rank: Option<usize>,
    parts: std::collections::BTreeMap<&'static str, rust_decimal::Decimal>,
    computation: &'a [String],
}

pub fn parks(cmd: ParksCmd) -> Result<ExitCode> {
    match cmd {
        ParksCmd::Template { output, demo } => {
            let t = match demo {
                Some(year) => {
                    let pack = crate::common::pack()?;
                    let counties: Vec<(String, String)> = pack
                        .jurisdictions
                        .iter()
                        .map(|j| (j.id.clone(), j.name.clone()))
                        .collect();
                    huiqi_cultivate::parks::demo_register(&counties, year)
                }
                None => cultivate::parks_template(),
            };
            match output {
                Some(p) => {
                    std::fs::write(&p, t).with_context(|| format!("无法写入 {}", p.display()))?;
                    println!("已写出园区台账模板：{}", p.display());
                }
                None => print!("{}", t.trim_start_matches('\u{feff}')),
            }
            Ok(ExitCode::SUCCESS)
        }
        ParksCmd::Import { year, file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("无法读取 {}", file.display()))?;
            let name = file
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let out = runtime()?.block_on(async {
                let url = huiqi_store::database_url_from_env();
                let app = App::open(&url, None).await?;
                anyhow::Ok(cultivate::import_parks(&app, year, &name, &bytes).await?)
            })?;
            println!(
                "已导入 {year} 年园区台账 {name}：{} 个园区（替换原有 {} 个；导入批次 {}）",
                out.rows, out.replaced, out.import_id
            );
            Ok(ExitCode::SUCCESS)
        }
        ParksCmd::Grade {
            year,
            county,
            format,
            output,
        } => {
            if matches!(format, Format::Xlsx) && output.is_none() {
                bail!("--format xlsx 须用 --output 指定输出文件（.xlsx）");
            }
            runtime()?.block_on(async {
                let url = huiqi_store::database_url_from_env();
                let app = App::open(&url, None).await?;
                let (scheme, rows) = cultivate::grade_parks(&app, year, county.as_deref()).await?;
                if rows.is_empty() {
                    bail!("{year} 年还没有园区台账（先用 huiqi parks import --year {year} 文件.csv 导入）");
                }
                match format {
                    Format::Json => {
                        let out: Vec<ParkJson> = rows
                            .iter()
                            .map(|r| ParkJson {
                                park: &r.park,
                                park_id: &r.park_id,
                                county: &r.county,
                                county_name: app.jurisdiction_name(&r.county),
                                score: r.score,
                                grade: &r.grade,
                                rank: r.rank,
                                parts: r.parts.iter().map(|(i, p)| (i.as_str(), *p)).collect(),
                                computation: &r.computation,
                            })
                            .collect();
                        println!("{}", serde_json::to_string_pretty(&out)?);
                    }
                    Format::Xlsx => {
                        let path = output.as_ref().expect("checked above");
                        std::fs::write(path, cultivate::parks_xlsx(&app, year, &rows)?)
                            .with_context(|| format!("无法写入 {}", path.display()))?;
                        println!("已写出 {year} 年园区评价：{}（{} 个园区）", path.display(), rows.len());
                    }
                    Format::Table => {
                        println!("{year} 年小微企业园绩效评价（{}）", scheme.document);
                        let cells: Vec<Vec<String>> = rows
                            .iter()
                            .map(|r| {
                                vec![
                                    r.rank.map_or("—".into(), |k| k.to_string()),
                                    r.park.clone(),
                                    app.jurisdiction_name(&r.county),
                                    r.score.to_string(),
                                    r.grade.clone(),
                                ]
                            })
                            .collect();
                        print!(
                            "{}",
                            crate::table::render(&["名次", "园区", "辖区", "得分", "等次"], &cells)
                        );
                        println!("共 {} 个园区；计算过程见 --format json 或 xlsx。", rows.len());
                    }
                }
                anyhow::Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
