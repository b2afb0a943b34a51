//! `huiqi rules …` (evaluate one enterprise, run the YAML cases, list parameters)
//! and `huiqi match --input … --output …` (every enterprise of a CSV file).

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use huiqi_domain::Facts;
use huiqi_domain::facts_csv::{FactError, FactsHeader};
use huiqi_domain::text::thousands;
use huiqi_rules::batch::{self, BlockResult};
use huiqi_rules::{Engine, Rules, cases};
use rayon::prelude::*;

#[derive(Subcommand)]
pub enum RulesCmd {
    /// 计算一户企业的划型与减免（事实为 JSON 文件，- 为标准输入）
    Eval {
        /// 适用日期：取该日有效的参数，事实为该年度的
        #[arg(long)]
        at: NaiveDate,
        /// 同时输出计算过程（条件、参数及其依据、算式）
        #[arg(long)]
        trace: bool,
        /// 事实 JSON 文件，或 - 表示标准输入
        file: PathBuf,
        /// 国家规则包目录（默认：内置 policies/cn）
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// 运行规则包中的 YAML 测试用例
    Test {
        /// 国家规则包目录（默认：内置 policies/cn）
        dir: Option<PathBuf>,
    },
    /// 列出某日有效的全部参数及其依据
    Params {
        #[arg(long)]
        at: NaiveDate,
        #[arg(long)]
        rules: Option<PathBuf>,
    },
}

fn load_rules(dir: Option<&PathBuf>) -> Result<Rules> {
    Ok(huiqi_app::load_rules(dir.map(PathBuf::as_path))?)
}

pub fn run(cmd: RulesCmd) -> Result<ExitCode> {
    match cmd {
        RulesCmd::Eval {
            at,
            trace,
            file,
            rules,
        } => {
            let rules = load_rules(rules.as_ref())?;
            let text = if file.as_os_str() == "-" {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .context("无法读取标准输入")?;
                s
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("无法读取 {}", file.display()))?
            };
            let facts: Facts = serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!(
                    "{} 第{}行第{}列：事实 JSON 有误：{e}（金额写成字符串，如 \"12345.67\"）",
                    file.display(),
                    e.line(),
                    e.column()
                )
            })?;
            let engine = Engine::new(&rules, at);
            let refused = |e: huiqi_rules::RulesError| anyhow::anyhow!("{}：{e}", file.display());
            let json = if trace {
                let (outputs, t) = engine.try_evaluate_traced(&facts).map_err(refused)?;
                eprint!("{}", t.to_text());
                serde_json::json!({ "at": at, "outputs": outputs, "trace": t })
            } else {
                let outputs = engine.try_evaluate(&facts).map_err(refused)?;
                serde_json::json!({ "at": at, "outputs": outputs })
            };
            println!("{}", serde_json::to_string_pretty(&json)?);
            Ok(ExitCode::SUCCESS)
        }
        RulesCmd::Test { dir } => {
            let rules = load_rules(dir.as_ref())?;
            let report = cases::run(&rules);
            for f in &report.failures {
                eprintln!("✗ {f}");
            }
            println!("{} passed, {} failed", report.passed, report.failures.len());
            Ok(if report.failures.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        RulesCmd::Params { at, rules } => {
            let rules = load_rules(rules.as_ref())?;
            for def in rules.params.defs() {
                match (
                    rules.params.at(&def.id, at),
                    rules.params.scale_at(&def.id, at),
                ) {
                    (Some(p), _) => println!(
                        "{}\t{}\t{}\t自 {}\t{}{}",
                        p.id,
                        p.title,
                        p.shown(),
                        p.from,
                        p.reference,
                        if p.unverified { "【待核实】" } else { "" }
                    ),
                    (None, Some(s)) => println!(
                        "{}\t{}\t（税率表 {} 档）\t自 {}\t{}",
                        s.id,
                        s.title,
                        s.brackets.len(),
                        s.from,
                        s.reference
                    ),
                    (None, None) => println!("{}\t{}\t（该日无有效取值）", def.id, def.title),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[derive(Args)]
pub struct MatchArgs {
    /// 适用日期：取该日有效的参数，事实为该年度的（--db 时默认今天）
    #[arg(long)]
    pub at: Option<NaiveDate>,
    /// 事实表 CSV（表头为事实字段名，顺序不限，多余的列忽略）
    #[arg(long, requires = "output", conflicts_with = "db")]
    pub input: Option<PathBuf>,
    /// 结果 CSV（出错时不留下任何文件）
    #[arg(long, requires = "input")]
    pub output: Option<PathBuf>,
    /// 对企业库（HUIQI_DATABASE_URL）中的全部企业运行匹配，结果存为新的批次
    #[arg(long, required_unless_present = "input")]
    pub db: bool,
    /// 国家规则包目录（默认：内置 policies/cn）
    #[arg(long)]
    pub rules: Option<PathBuf>,
}

struct FileMatch {
    at: NaiveDate,
    input: PathBuf,
    output: PathBuf,
    rules: Option<PathBuf>,
}

/// Bytes read per step. Each block is cut at its last newline and split among threads.
const BLOCK: usize = 32 << 20;

/// `huiqi match --input … --output …` (`--db` is `matching_cmd::match_db`).
pub fn run_match(args: MatchArgs) -> Result<ExitCode> {
    let (Some(input), Some(output)) = (args.input, args.output) else {
        bail!("请给出 --input 与 --output，或用 --db 对企业库运行匹配");
    };
    let Some(at) = args.at else {
        bail!("--input 时须给出 --at 日期")
    };
    let args = FileMatch {
        at,
        input,
        output,
        rules: args.rules,
    };
    let rules = load_rules(args.rules.as_ref())?;
    let engine = Engine::new(&rules, args.at);
    let tmp = crate::common::output_tempfile(&args.output)?;
    let started = std::time::Instant::now();
    let (rows, errors, error_count) = match match_file(&engine, &args.input, tmp.as_file())? {
        Some(done) => done,
        None => {
            // The file has quoted fields: start again with a real CSV parser.
            use std::io::Seek;
            tmp.as_file().set_len(0)?;
            tmp.as_file().seek(std::io::SeekFrom::Start(0))?;
            match_quoted(&engine, &args.input, tmp.as_file())?
        }
    };
    if !errors.is_empty() {
        // `tmp` is deleted on drop: no partial output is left behind.
        eprintln!(
            "{} 有 {} 处错误，未生成结果文件：",
            args.input.display(),
            thousands(error_count as u64)
        );
        let listed = errors.len().min(batch::MAX_ERRORS);
        for e in &errors[..listed] {
            eprintln!("  {e}");
        }
        if error_count > listed {
            eprintln!(
                "  另有 {} 处错误未列出（只列出前 {listed} 处）",
                thousands((error_count - listed) as u64)
            );
        }
        return Ok(ExitCode::FAILURE);
    }
    tmp.persist(&args.output)
        .with_context(|| format!("无法写入 {}", args.output.display()))?;
    eprintln!(
        "已计算 {rows} 户（{}），结果写入 {}，用时 {:.2} 秒",
        args.at,
        args.output.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// Rows read, the first errors and how many errors there were in all.
type Matched = (usize, Vec<FactError>, usize);

/// Reads the facts CSV, writes the results; returns the number of rows and the errors, or
/// `None` when the file has quoted fields and must go through [`match_quoted`].
fn match_file(engine: &Engine, input: &Path, out: &File) -> Result<Option<Matched>> {
    let mut file = File::open(input).with_context(|| format!("无法打开 {}", input.display()))?;
    let mut w = BufWriter::with_capacity(1 << 20, out);
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK + (1 << 20));
    let mut errors = Vec::new();
    let mut error_count = 0usize;
    let mut rows = 0usize;

    // Header: the first line.
    fill(&mut file, &mut buf, BLOCK)?;
    let Some(nl) = memchr::memchr(b'\n', &buf) else {
        bail!("{} 没有表头行，或整个文件只有一行", input.display());
    };
    let header_line = buf[..nl].strip_suffix(b"\r").unwrap_or(&buf[..nl]);
    let header_line = header_line
        .strip_prefix("\u{feff}".as_bytes())
        .unwrap_or(header_line);
    if header_line.contains(&b'"') {
        return Ok(None);
    }
    let header = FactsHeader::from_fields(header_line.split(|&b| b == b','))
        .map_err(|e| anyhow::anyhow!("{}：{e}", input.display()))?;
    w.write_all(&batch::output_header())?;
    buf.drain(..=nl);
    let mut line = 2usize;
    let threads = rayon::current_num_threads().max(1) * 4;

    loop {
        let eof = fill(&mut file, &mut buf, BLOCK)?;
        if buf.is_empty() {
            break;
        }
        let cut = if eof {
            buf.len()
        } else {
            memchr::memrchr(b'\n', &buf).map_or(buf.len(), |p| p + 1)
        };
        if memchr::memchr(b'"', &buf[..cut]).is_some() {
            // Quoted fields may hold commas or newlines: only a real CSV parser is right.
            return Ok(None);
        }
        let block = &buf[..cut];
        let pieces = split_lines(block, threads);
        let mut starts = Vec::with_capacity(pieces.len());
        let mut l = line;
        for p in &pieces {
            starts.push(l);
            l += memchr::memchr_iter(b'\n', p).count();
        }
        let results: Vec<BlockResult> = pieces
            .par_iter()
            .zip(starts.par_iter())
            .map(|(p, &start)| batch::process_plain_block(engine, &header, p, start))
            .collect();
        for r in results {
            rows += r.rows;
            error_count += r.error_count;
            if errors.len() < batch::MAX_ERRORS {
                errors.extend(r.errors);
            }
            if errors.is_empty() {
                w.write_all(&r.output)?;
            }
        }
        line = l;
        buf.drain(..cut);
        if eof && buf.is_empty() {
            break;
        }
    }
    w.flush()?;
    Ok(Some((rows, errors, error_count)))
}

/// The slow but general path: a real CSV parser, one record at a time.
fn match_quoted(engine: &Engine, input: &Path, out: &File) -> Result<Matched> {
    let mut w = BufWriter::new(out);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(input)
        .with_context(|| format!("无法打开 {}", input.display()))?;
    let headers = rdr.byte_headers()?.clone();
    let first = headers
        .get(0)
        .map(|f| f.strip_prefix("\u{feff}".as_bytes()).unwrap_or(f));
    let header = FactsHeader::from_fields(first.into_iter().chain(headers.iter().skip(1)))
        .map_err(|e| anyhow::anyhow!("{}：{e}", input.display()))?;
    w.write_all(&batch::output_header())?;
    let mut out = Vec::with_capacity(256);
    let (mut rows, mut errors, mut error_count) = (0, Vec::new(), 0);
    let mut record = csv::ByteRecord::new();
    while rdr
        .read_byte_record(&mut record)
        .map_err(|e| anyhow::anyhow!("{}：CSV 格式错误：{e}", input.display()))?
    {
        rows += 1;
        let line = record.position().map_or(rows + 1, |p| p.line() as usize);
        let fields: Vec<&[u8]> = record.iter().collect();
        out.clear();
        match batch::evaluate_fields(engine, &header, &fields, line, &mut out) {
            Ok(()) if errors.is_empty() => w.write_all(&out)?,
            Ok(()) => {}
            Err(e) => {
                error_count += 1;
                if errors.len() < batch::MAX_ERRORS {
                    errors.push(e);
                }
            }
        }
    }
    w.flush()?;
    Ok((rows, errors, error_count))
}

/// Appends up to `want` bytes; true at end of file.
fn fill(file: &mut File, buf: &mut Vec<u8>, want: usize) -> Result<bool> {
    let start = buf.len();
    buf.resize(start + want, 0);
    let mut n = start;
    while n < buf.len() {
        let k = file.read(&mut buf[n..])?;
        if k == 0 {
            buf.truncate(n);
            return Ok(true);
        }
        n += k;
    }
    buf.truncate(n);
    Ok(false)
}

/// Splits a block of whole lines into about `parts` pieces, each ending at a newline.
fn split_lines(block: &[u8], parts: usize) -> Vec<&[u8]> {
    let mut pieces = Vec::with_capacity(parts);
    let size = block.len().div_ceil(parts).max(1);
    let mut start = 0;
    while start < block.len() {
        let target = (start + size).min(block.len());
        let end = if target == block.len() {
            target
        } else {
            memchr::memchr(b'\n', &block[target..]).map_or(block.len(), |p| target + p + 1)
        };
        pieces.push(&block[start..end]);
        start = end;
    }
    pieces
}
