//! `huiqi import`, `huiqi gen` and `huiqi db`: the enterprise registry from the command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use huiqi_app::imports::{self, CHUNK, ImportKind, Outcome};
use huiqi_app::registry::SIZE_ORDER;
use huiqi_domain::EntityKind;
use huiqi_domain::lists::ListSource;
use huiqi_domain::registry::{Issues, Source};
use huiqi_domain::text::thousands;
use huiqi_store::{database_url_from_env, redact_url};

use crate::common::{open_store, pack, runtime};
use crate::table;

/// A progress line on stderr every this many rows (a large import takes seconds).
const PROGRESS_EVERY: usize = 4 * CHUNK;

#[derive(Clone, Copy, ValueEnum)]
pub enum SourceArg {
    /// 市场监管：登记信息
    Market,
    /// 税务：收入与税额
    Tax,
    /// 人社：从业人数与创业者身份
    Hr,
    /// 统计：规模以上
    Stats,
    /// 金融：贷款
    Finance,
    /// 科技局/知识产权：科技人员、知识产权与财务数据（梯队培育评分用）
    Tech,
    /// 事实表（huiqi gen 的输出，FACT_COLUMNS）
    Facts,
    /// 科技局/经信局：认定名单（科技型中小企业、创新型中小企业、省级专精特新）
    Certifications,
    /// 企业家培训台账（每场培训一行）
    Trainings,
}

impl From<SourceArg> for ImportKind {
    fn from(s: SourceArg) -> ImportKind {
        match s {
            SourceArg::Market => ImportKind::Registry(Source::Market),
            SourceArg::Tax => ImportKind::Registry(Source::Tax),
            SourceArg::Hr => ImportKind::Registry(Source::Hr),
            SourceArg::Stats => ImportKind::Registry(Source::Stats),
            SourceArg::Finance => ImportKind::Registry(Source::Finance),
            SourceArg::Tech => ImportKind::Registry(Source::Tech),
            SourceArg::Facts => ImportKind::Registry(Source::Facts),
            SourceArg::Certifications => ImportKind::List(ListSource::Certifications),
            SourceArg::Trainings => ImportKind::List(ListSource::Trainings),
        }
    }
}

#[derive(Args)]
pub struct ImportArgs {
    /// 数据来源部门
    #[arg(
        long,
        value_enum,
        required_unless_present = "template",
        conflicts_with = "template"
    )]
    source: Option<SourceArg>,
    /// 不导入，而是把该来源的 Excel 模板写到 FILE
    #[arg(long, value_enum)]
    template: Option<SourceArg>,
    /// 数据所属年度（除 market、certifications、trainings 外的来源必填）
    #[arg(long)]
    year: Option<i32>,
    /// 要导入的 .csv 或 .xlsx 文件（--template 时为要写出的 .xlsx）
    file: PathBuf,
}

#[derive(Args)]
pub struct GenArgs {
    /// 企业户数
    #[arg(long)]
    count: u64,
    /// 税款所属年度
    #[arg(long)]
    year: i32,
    /// 输出的事实表 CSV 文件
    #[arg(long, required_unless_present_any = ["certifications", "trainings", "tech"])]
    output: Option<PathBuf>,
    /// 另写出这批企业的认定名单 CSV（--source certifications 导入）
    #[arg(long)]
    certifications: Option<PathBuf>,
    /// 另写出企业家培训台账 CSV（--source trainings 导入）
    #[arg(long)]
    trainings: Option<PathBuf>,
    /// 另写出这批企业的科技局/知识产权数据 CSV（--source tech 导入）
    #[arg(long)]
    tech: Option<PathBuf>,
    /// 科技局/知识产权数据的年度（默认同 --year；更早的年度按增长率倒推主营业务收入）
    #[arg(long)]
    tech_year: Option<i32>,
    /// 认定名单和培训台账的年度（默认同 --year；认定名单另含少量上一年度的认定）
    #[arg(long)]
    lists_year: Option<i32>,
    /// 随机种子（同一种子生成同样的数据）
    #[arg(long, default_value_t = 2023)]
    seed: u64,
    /// 另写一份同一批企业的市场监管登记表（含联系人、联系电话），供 import --source market
    #[arg(long)]
    market: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum DbCmd {
    /// 创建数据库（SQLite 文件或 PostgreSQL 中的表）并执行全部迁移
    Init,
    /// 执行尚未执行的迁移
    Migrate,
    /// 企业库统计：按辖区 × 市场主体类型（× 规模类型）计数
    Stats {
        /// 统计年度（默认：企业库中最新的年度）
        #[arg(long)]
        year: Option<i32>,
    },
    /// 预先生成某年度的事实快照：导入之后运行，此后的匹配与政策沙盘直接读取快照，不再联表读取企业库
    Snapshot {
        /// 年度（默认：企业库中最新的年度）
        #[arg(long)]
        year: Option<i32>,
    },
}

/// Every listed bad row (the first 100), and how many more there are.
fn print_row_errors(file: &Path, errors: &Issues) {
    eprintln!(
        "文件 {} 有 {} 处错误，未导入任何数据。请改正后重新导入：",
        file.display(),
        thousands(errors.total())
    );
    for e in errors.listed() {
        eprintln!("  {e}");
    }
    if let Some(line) = errors.unlisted_line("错误") {
        eprintln!("  {line}");
    }
}

pub fn import(args: ImportArgs) -> Result<ExitCode> {
    let pack = pack()?;
    if let Some(template) = args.template {
        let kind = ImportKind::from(template);
        imports::write_template(&pack, kind, &args.file)?;
        println!("已写出{}的导入模板：{}", kind.label(), args.file.display());
        return Ok(ExitCode::SUCCESS);
    }
    let Some(kind) = args.source.map(ImportKind::from) else {
        bail!("请用 --source 指定数据来源，或用 --template 写出模板")
    };
    let year = kind
        .check_year(args.year)
        .map_err(|e| anyhow::anyhow!("{e}（参数 --year）"))?;
    let file = imports::open_file(&args.file)?;
    let report = runtime()?.block_on(async {
        // Migrate on a pool of its own and close it, so that the import's connection is the only
        // one on a SQLite file and may switch it to the bulk-load journal mode.
        let migrator = open_store().await?;
        migrator.migrate().await?;
        migrator.close().await;
        let store = open_store().await?;
        let progress = |n: usize| {
            if n % PROGRESS_EVERY < CHUNK {
                eprintln!("已读取并校验 {n} 行……");
            }
        };
        let report = imports::import_file(
            &store,
            &pack,
            kind,
            year,
            file,
            huiqi_app::accounts::CLI_ACTOR,
            progress,
        )
        .await;
        store.close().await;
        anyhow::Ok(report?)
    })?;
    // What reading skipped, converted or warns about: beside the errors of a refused file, or
    // after the summary of an imported one.
    match &report.outcome {
        Outcome::Refused(errors) => {
            for line in report.note_lines() {
                eprintln!("{line}");
            }
            print_row_errors(&args.file, errors);
            Ok(ExitCode::from(2))
        }
        _ => {
            for line in report.note_lines() {
                println!("{line}");
            }
            println!("{}", report.summary());
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn generate(args: GenArgs) -> Result<ExitCode> {
    let lists_year = args.lists_year.unwrap_or(args.year);
    let tech_year = args.tech_year.unwrap_or(args.year);
    for y in [args.year, lists_year, tech_year] {
        if !(2000..=2100).contains(&y) {
            bail!("年度 {y} 不合理：请填写四位年份，如 2024");
        }
    }
    let create = |path: &Path| {
        std::fs::File::create(path).with_context(|| format!("无法创建文件 {}", path.display()))
    };
    if let Some(path) = &args.output {
        huiqi_synth::write_csv(create(path)?, args.count, args.year, args.seed)
            .with_context(|| format!("写入 {} 失败", path.display()))?;
        println!(
            "已生成 {} 户六安市模拟企业（{} 年度，种子 {}）：{}",
            args.count,
            args.year,
            args.seed,
            path.display()
        );
    }
    if let Some(path) = &args.certifications {
        let n = huiqi_synth::write_certifications_csv(
            create(path)?,
            args.count,
            args.year,
            lists_year,
            args.seed,
        )
        .with_context(|| format!("写入 {} 失败", path.display()))?;
        println!(
            "已生成这 {} 户企业的认定名单 {n} 条（{lists_year} 年度及上一年度）：{}",
            args.count,
            path.display()
        );
    }
    if let Some(path) = &args.trainings {
        let n = huiqi_synth::write_trainings_csv(create(path)?, lists_year, args.seed)
            .with_context(|| format!("写入 {} 失败", path.display()))?;
        println!(
            "已生成 {lists_year} 年企业家培训台账 {n} 场：{}",
            path.display()
        );
    }
    if let Some(path) = &args.tech {
        let n =
            huiqi_synth::write_tech_csv(create(path)?, args.count, args.year, tech_year, args.seed)
                .with_context(|| format!("写入 {} 失败", path.display()))?;
        println!(
            "已生成这 {} 户企业中 {n} 户的 {tech_year} 年度科技局/知识产权数据：{}",
            args.count,
            path.display()
        );
    }
    if let Some(path) = &args.market {
        huiqi_synth::write_market_csv(create(path)?, args.count, args.year, args.seed)
            .with_context(|| format!("写入 {} 失败", path.display()))?;
        println!(
            "同一批企业的市场监管登记表（含联系人、联系电话）：{}",
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn kind_name(kind: &str) -> &str {
    match EntityKind::parse(kind) {
        Some(k) => k.label(),
        None => kind,
    }
}

pub fn db(cmd: DbCmd) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let url = database_url_from_env();
        let store = open_store().await?;
        match cmd {
            DbCmd::Init | DbCmd::Migrate => {
                store.migrate().await?;
                let applied = store.applied_migrations().await?;
                println!(
                    "数据库 {} 已是最新：共 {} 个迁移，最新 {:04}_{}。",
                    redact_url(&url),
                    applied.len(),
                    applied.last().map_or(0, |m| m.0),
                    applied.last().map_or("", |m| m.1.as_str())
                );
            }
            DbCmd::Snapshot { year } => {
                let started = std::time::Instant::now();
                let s = huiqi_app::registry::prepare_snapshot(&store, year).await?;
                println!(
                    "{} 年度事实快照已就绪：{}（用时 {:.2} 秒）。",
                    s.year,
                    snapshot_size(&s),
                    started.elapsed().as_secs_f64()
                );
            }
            DbCmd::Stats { year } => {
                if store.applied_migrations().await.is_err() {
                    bail!(
                        "数据库 {} 尚未初始化：请先运行 huiqi db init",
                        redact_url(&url)
                    );
                }
                let pack = pack()?;
                let st = huiqi_app::registry::stats(&store, &pack, year).await?;
                println!(
                    "企业库 {}：{} 户企业，{} 条年度事实（年度：{}），{} 次导入，{} 条变更历史。",
                    redact_url(&url),
                    st.counts.enterprises,
                    st.counts.enterprise_facts,
                    if st.years.is_empty() {
                        "无".to_owned()
                    } else {
                        st.years
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("、")
                    },
                    st.counts.imports,
                    st.counts.value_history
                );
                // The facts snapshots (`huiqi db snapshot`): what the next read of a year finds.
                let latest = store.latest_import_id().await?;
                let snapshots = store.fact_snapshots().await?;
                if snapshots.is_empty() {
                    println!(
                        "事实快照：无（首次匹配、政策沙盘或 huiqi db snapshot 时按年度生成）。"
                    );
                }
                for s in &snapshots {
                    println!(
                        "事实快照：{} 年度 {}{}。",
                        s.year,
                        snapshot_size(s),
                        if s.import_watermark == latest {
                            "（最新）".to_owned()
                        } else {
                            format!("（已过期：最新导入号 {latest}，下次读取该年度时重建）")
                        }
                    );
                }
                let Some(year) = st.year else {
                    let rows: Vec<Vec<String>> = st
                        .by_kind
                        .iter()
                        .map(|(county, kind, n)| {
                            vec![
                                huiqi_app::jurisdiction_name(&pack, county),
                                kind_name(kind).to_owned(),
                                n.to_string(),
                            ]
                        })
                        .collect();
                    print!(
                        "{}",
                        table::render(&["辖区", "市场主体类型", "户数"], &rows)
                    );
                    println!("（企业库还没有年度事实，无法划分规模类型。）");
                    return anyhow::Ok(ExitCode::SUCCESS);
                };
                let mut rows = Vec::new();
                let mut total = [0i64; 5];
                for c in &st.by_size {
                    let n: Vec<i64> = c
                        .by_class
                        .iter()
                        .copied()
                        .chain(std::iter::once(c.without_facts))
                        .collect();
                    let mut row = vec![
                        huiqi_app::jurisdiction_name(&pack, &c.county),
                        kind_name(&c.kind).to_owned(),
                    ];
                    row.extend(n.iter().map(ToString::to_string));
                    row.push(n.iter().sum::<i64>().to_string());
                    for (t, v) in total.iter_mut().zip(&n) {
                        *t += v;
                    }
                    rows.push(row);
                }
                let mut last = vec!["合计".to_owned(), String::new()];
                last.extend(total.iter().map(ToString::to_string));
                last.push(total.iter().sum::<i64>().to_string());
                rows.push(last);
                let no_facts = format!("无{year}年数据");
                let mut headers = vec!["辖区", "市场主体类型"];
                headers.extend(SIZE_ORDER.iter().map(|c| c.label()));
                headers.extend([no_facts.as_str(), "合计"]);
                println!("{year} 年度规模类型（工信部联企业〔2011〕300号；个体工商户参照执行）：");
                print!("{}", table::render(&headers, &rows));
            }
        }
        store.close().await;
        anyhow::Ok(ExitCode::SUCCESS)
    })
}

/// “N 户企业，P 段，X.Y MB，对应导入号 K” of a facts snapshot.
fn snapshot_size(s: &huiqi_store::snapshot::SnapshotInfo) -> String {
    let tenths_mb = s.bytes.max(0) as u64 * 10 / 1_048_576;
    format!(
        "{} 户企业，{} 段，{}.{} MB，对应导入号 {}",
        thousands(s.rows.max(0) as u64),
        s.parts,
        thousands(tenths_mb / 10),
        tenths_mb % 10,
        s.import_watermark
    )
}
