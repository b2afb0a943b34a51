//! `huiqi import`, `huiqi gen` and `huiqi db`: the enterprise registry from the command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use huiqi_domain::lists::ListSource;
use huiqi_domain::registry::{Issues, Source};
use huiqi_domain::text::thousands;
use huiqi_domain::{EntityKind, Facts};
use huiqi_ingest::{
    Counties, InputFile, ReadNotes, read_list, read_records, write_list_template, write_template,
};
use huiqi_rules::{Engine, Rules, SizeClass};
use huiqi_store::lists::ListMeta;
use huiqi_store::registry::{ImportMeta, ImportOutcome, Incoming, SizeInputs};
use huiqi_store::{Store, database_url_from_env, redact_url};
use rust_decimal::Decimal;

use crate::table;

/// Records per chunk handed from the file reader to the database writer.
const CHUNK: usize = 16_384;
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
    /// 事实表（huiqi gen 的输出，FACT_COLUMNS）
    Facts,
    /// 科技局/经信局：认定名单（科技型中小企业、创新型中小企业、省级专精特新）
    Certifications,
    /// 创业培训台账（每场培训一行）
    Trainings,
}

/// What a `--source` names: a department's registry columns, or a list beside the registry.
enum Imported {
    Registry(Source),
    List(ListSource),
}

impl From<SourceArg> for Imported {
    fn from(s: SourceArg) -> Imported {
        match s {
            SourceArg::Market => Imported::Registry(Source::Market),
            SourceArg::Tax => Imported::Registry(Source::Tax),
            SourceArg::Hr => Imported::Registry(Source::Hr),
            SourceArg::Stats => Imported::Registry(Source::Stats),
            SourceArg::Finance => Imported::Registry(Source::Finance),
            SourceArg::Facts => Imported::Registry(Source::Facts),
            SourceArg::Certifications => Imported::List(ListSource::Certifications),
            SourceArg::Trainings => Imported::List(ListSource::Trainings),
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
    #[arg(long, required_unless_present_any = ["certifications", "trainings"])]
    output: Option<PathBuf>,
    /// 另写出这批企业的认定名单 CSV（--source certifications 导入）
    #[arg(long)]
    certifications: Option<PathBuf>,
    /// 另写出创业培训台账 CSV（--source trainings 导入）
    #[arg(long)]
    trainings: Option<PathBuf>,
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
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("无法启动异步运行时")
}

pub(crate) async fn open_store() -> Result<Store> {
    let url = database_url_from_env();
    let store = Store::connect(&url)
        .await
        .with_context(|| format!("无法连接数据库 {}", redact_url(&url)))?;
    Ok(store)
}

fn counties() -> Result<Counties> {
    let pack = huiqi_policy::builtin::default_pack()
        .map_err(|e| anyhow::anyhow!("内置政策包无法加载：{e}"))?;
    Ok(Counties::from_pack(&pack))
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

/// What reading the file skipped, converted or warns about (to stdout after a good import, to
/// stderr beside the errors of a bad one).
fn print_notes(notes: &ReadNotes, to_stderr: bool) {
    for line in notes.lines() {
        if to_stderr {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }
}

pub fn import(args: ImportArgs) -> Result<ExitCode> {
    let counties = counties()?;
    if let Some(template) = args.template {
        let label = match Imported::from(template) {
            Imported::Registry(source) => {
                write_template(source, &counties, &args.file)?;
                source.label()
            }
            Imported::List(list) => {
                write_list_template(list, &counties, &args.file)?;
                list.label()
            }
        };
        println!("已写出{label}的导入模板：{}", args.file.display());
        return Ok(ExitCode::SUCCESS);
    }
    let source = match args.source.map(Imported::from) {
        Some(Imported::Registry(source)) => source,
        Some(Imported::List(list)) => {
            if args.year.is_some() {
                bail!("{}按每行的日期归属年度：请去掉 --year", list.label());
            }
            return import_list(list, &counties, &args.file);
        }
        None => bail!("请用 --source 指定数据来源，或用 --template 写出模板"),
    };
    let year = match (source.is_yearly(), args.year) {
        (true, None) => bail!(
            "{}数据按年度导入：请用 --year 指定年度，如 --year 2024",
            source.label()
        ),
        (true, Some(y)) if !(2000..=2100).contains(&y) => {
            bail!("年度 {y} 不合理：请填写四位年份，如 2024")
        }
        (true, Some(y)) => Some(y),
        (false, Some(_)) => bail!("市场监管登记信息不分年度：请去掉 --year"),
        (false, None) => None,
    };
    let file = InputFile::open(&args.file)?;
    let meta = ImportMeta {
        source,
        year,
        file_name: file.file_name.clone(),
        file_sha256: file.sha256.clone(),
    };

    let rt = runtime()?;
    let (outcome, report) = rt.block_on(async {
        // Migrate on a pool of its own and close it, so that the import's connection is the only
        // one on a SQLite file and may switch it to the bulk-load journal mode.
        let migrator = open_store().await?;
        migrator.migrate().await?;
        migrator.close().await;
        let store = open_store().await?;
        let (tx, rx) = tokio::sync::mpsc::channel::<Incoming>(4);
        // The reader runs on its own thread and hands chunks to the writer as it goes.
        let reader = std::thread::spawn(move || {
            let mut handed_on = 0usize;
            let report = read_records(&file, source, &counties, CHUNK, |chunk| {
                handed_on += chunk.len();
                let open = tx.blocking_send(Incoming::Rows(chunk)).is_ok();
                if handed_on % PROGRESS_EVERY < CHUNK {
                    eprintln!("已读取并校验 {handed_on} 行……");
                }
                open
            });
            let valid = matches!(&report, Ok(r) if r.errors.is_empty());
            let _ = tx.blocking_send(Incoming::End { valid });
            report
        });
        let outcome = store.import(&meta, rx).await;
        let report = reader
            .join()
            .map_err(|_| anyhow::anyhow!("读取文件的线程意外终止，未导入任何数据"))?;
        store.close().await;
        anyhow::Ok((outcome, report))
    })?;
    let report = report?;
    if !report.errors.is_empty() {
        print_notes(&report.notes, true);
        print_row_errors(&args.file, &report.errors);
        return Ok(ExitCode::from(2));
    }
    let year_text = year.map(|y| format!("，{y} 年度")).unwrap_or_default();
    print_outcome(
        &args.file,
        source.label(),
        &year_text,
        &report.notes,
        outcome?,
    )
}

/// The summary of an import (or every row the database refused); exit code 2 when nothing was
/// imported because of bad rows.
fn print_outcome(
    file: &Path,
    label: &str,
    year_text: &str,
    notes: &ReadNotes,
    outcome: ImportOutcome,
) -> Result<ExitCode> {
    let committed = !matches!(
        outcome,
        ImportOutcome::Rejected(_) | ImportOutcome::InvalidInput
    );
    print_notes(notes, !committed);
    match outcome {
        ImportOutcome::Committed { id, counts } => {
            println!(
                "已导入 {}（{}{}，导入号 {id}）：共 {} 行，新增 {}，更新 {}，未变 {}。",
                file.display(),
                label,
                year_text,
                counts.total,
                counts.new,
                counts.updated,
                counts.unchanged
            );
            if counts.changed_values > 0 {
                println!("{} 个值有变动，旧值已记入变更历史。", counts.changed_values);
            }
            Ok(ExitCode::SUCCESS)
        }
        ImportOutcome::Unchanged { counts } => {
            println!(
                "{} 的 {} 行与库中的数据完全相同，未作任何更改。",
                file.display(),
                counts.total
            );
            Ok(ExitCode::SUCCESS)
        }
        ImportOutcome::Rejected(errors) => {
            print_row_errors(file, &Issues::from(errors));
            Ok(ExitCode::from(2))
        }
        // The reader reported no error but did not finish: treat as a failure, nothing imported.
        ImportOutcome::InvalidInput => bail!("文件未能完整读取，未导入任何数据"),
    }
}

/// `huiqi import --source certifications|trainings FILE`: the whole file is read and checked,
/// then written in one transaction (or nothing, with every bad row named).
fn import_list(list: ListSource, counties: &Counties, path: &Path) -> Result<ExitCode> {
    let file = InputFile::open(path)?;
    let read = read_list(&file, list, counties)?;
    if !read.report.errors.is_empty() {
        print_notes(&read.report.notes, true);
        print_row_errors(path, &read.report.errors);
        return Ok(ExitCode::from(2));
    }
    let meta = ListMeta {
        file_name: file.file_name.clone(),
        file_sha256: file.sha256.clone(),
        uscc_header: read.headers.first().cloned().unwrap_or_default(),
    };
    let outcome = runtime()?.block_on(async {
        let store = open_store().await?;
        store.migrate().await?;
        let outcome = store.import_list(&meta, &read.rows).await;
        store.close().await;
        anyhow::Ok(outcome?)
    })?;
    print_outcome(path, list.label(), "", &read.report.notes, outcome)
}

pub fn generate(args: GenArgs) -> Result<ExitCode> {
    let lists_year = args.lists_year.unwrap_or(args.year);
    for y in [args.year, lists_year] {
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
            "已生成 {lists_year} 年创业培训台账 {n} 场：{}",
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

fn county_name(counties: &huiqi_policy::Pack, id: &str) -> String {
    counties
        .jurisdiction(id)
        .map_or_else(|| id.to_owned(), |j| j.name.clone())
}

/// Enterprises of `year` by county × kind × size class (工信部联企业〔2011〕300号, through the rules
/// engine of huiqi-rules; 个体工商户 参照执行 per its 第六条).
fn size_table(pack: &huiqi_policy::Pack, inputs: &[SizeInputs], year: i32) -> String {
    use std::collections::BTreeMap;
    let engine = match chrono::NaiveDate::from_ymd_opt(year, 12, 31) {
        Some(at) => Engine::new(&Rules::builtin(), at),
        None => return format!("年度 {year} 无效\n"),
    };
    const CLASSES: [SizeClass; 4] = [
        SizeClass::Large,
        SizeClass::Medium,
        SizeClass::Small,
        SizeClass::Micro,
    ];
    // (county, kind) → counts per class, then "no facts for the year".
    let mut cells: BTreeMap<(String, String), [i64; 5]> = BTreeMap::new();
    for e in inputs {
        let slot = match (e.employees_x100, e.revenue, e.total_assets) {
            (None, None, None) => 4,
            (x, y, z) => {
                let facts = Facts {
                    kind: if e.kind == "individual_business" {
                        EntityKind::IndividualBusiness
                    } else {
                        EntityKind::Enterprise
                    },
                    industry: e.industry.clone(),
                    employees: Decimal::new(x.unwrap_or(0), 2),
                    revenue: Decimal::new(y.unwrap_or(0), 2),
                    total_assets: Decimal::new(z.unwrap_or(0), 2),
                    ..Facts::default()
                };
                let class = engine.evaluate(&facts).size_class;
                CLASSES.iter().position(|c| *c == class).unwrap_or(3)
            }
        };
        cells.entry((e.county.clone(), e.kind.clone())).or_default()[slot] += 1;
    }
    let mut rows = Vec::new();
    let mut total = [0i64; 5];
    // Counties in the pack's order, then any other.
    let order = |c: &str| {
        pack.jurisdictions
            .iter()
            .position(|j| j.id == c)
            .unwrap_or(usize::MAX)
    };
    let mut keys: Vec<&(String, String)> = cells.keys().collect();
    keys.sort_by_key(|(c, k)| (order(c), c.clone(), k.clone()));
    for key in keys {
        let n = cells[key];
        let mut row = vec![county_name(pack, &key.0), kind_name(&key.1).to_owned()];
        row.extend(n.iter().map(ToString::to_string));
        row.push(n.iter().sum::<i64>().to_string());
        for (t, v) in total.iter_mut().zip(n) {
            *t += v;
        }
        rows.push(row);
    }
    let mut last = vec!["合计".to_owned(), String::new()];
    last.extend(total.iter().map(ToString::to_string));
    last.push(total.iter().sum::<i64>().to_string());
    rows.push(last);
    let no_facts = format!("无{year}年数据");
    let mut out =
        format!("{year} 年度规模类型（工信部联企业〔2011〕300号；个体工商户参照执行）：\n");
    out.push_str(&table::render(
        &[
            "辖区",
            "市场主体类型",
            SizeClass::Large.label(),
            SizeClass::Medium.label(),
            SizeClass::Small.label(),
            SizeClass::Micro.label(),
            &no_facts,
            "合计",
        ],
        &rows,
    ));
    out
}

fn kind_name(kind: &str) -> &str {
    match kind {
        "enterprise" => "企业",
        "individual_business" => "个体工商户",
        other => other,
    }
}

pub fn db(cmd: DbCmd) -> Result<ExitCode> {
    let rt = runtime()?;
    rt.block_on(async {
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
            DbCmd::Stats { year } => {
                if store.applied_migrations().await.is_err() {
                    bail!(
                        "数据库 {} 尚未初始化：请先运行 huiqi db init",
                        redact_url(&url)
                    );
                }
                let pack = huiqi_policy::builtin::default_pack()
                    .map_err(|e| anyhow::anyhow!("内置政策包无法加载：{e}"))?;
                let counts = store.registry_counts().await?;
                let cells = store.count_by_county_kind().await?;
                let years = store.fact_years().await?;
                let year = year.or(years.first().copied());
                let cells = if year.is_none() { cells } else { Vec::new() };
                println!(
                    "企业库 {}：{} 户企业，{} 条年度事实（年度：{}），{} 次导入，{} 条变更历史。",
                    redact_url(&url),
                    counts.enterprises,
                    counts.enterprise_facts,
                    if years.is_empty() {
                        "无".to_owned()
                    } else {
                        years
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("、")
                    },
                    counts.imports,
                    counts.value_history
                );
                let Some(year) = year else {
                    let rows: Vec<Vec<String>> = cells
                        .iter()
                        .map(|c| {
                            vec![
                                county_name(&pack, &c.county),
                                kind_name(&c.kind).to_owned(),
                                c.count.to_string(),
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
                print!(
                    "{}",
                    size_table(&pack, &store.size_inputs(year).await?, year)
                );
            }
        }
        store.close().await;
        anyhow::Ok(ExitCode::SUCCESS)
    })
}
