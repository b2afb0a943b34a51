//! The import templates: one .xlsx per source with the header row and a sheet that explains
//! every column.

use std::path::Path;

use huiqi_domain::FACT_COLUMNS;
use huiqi_domain::facts_csv::OPTIONAL_FACT_COLUMNS;
use huiqi_domain::header::aliases;
use huiqi_domain::lists::{CertKind, ListSource};
use huiqi_domain::registry::{Column, FieldType, Source, USCC_COLUMN};
use huiqi_domain::text::thousands;
use rust_xlsxwriter::{Format, Workbook};

use crate::{Counties, IngestError};

/// The columns of a source's template, in order (the `facts` source in [`FACT_COLUMNS`] order,
/// the order `huiqi gen` writes). Every template's header row is in Chinese.
pub fn template_headers(source: Source) -> Vec<&'static Column> {
    let all: Vec<&'static Column> = std::iter::once(&USCC_COLUMN)
        .chain(source.columns())
        .collect();
    if source == Source::Facts {
        FACT_COLUMNS
            .iter()
            .filter_map(|name| all.iter().copied().find(|c| c.name == *name))
            .collect()
    } else {
        all
    }
}

/// What the facts source (huiqi's own fact sheet, read by the parser of `huiqi match`) makes of a
/// column: an empty cell reads as 0 / 否 / 无 / unknown there, and some columns may be left out.
fn explain_fact(c: &Column, counties: &Counties) -> String {
    let rule = match c.ty {
        FieldType::Money => "金额（元），最多两位小数，不得为负；空 = 0".to_string(),
        FieldType::SignedMoney => "金额（元），最多两位小数，亏损填负数；空 = 0".into(),
        FieldType::Headcount => "人数（年平均，可有两位小数），不得为负；空 = 0".into(),
        FieldType::Bool => "是 / 否（true / false）；空 = 否".into(),
        FieldType::FounderGroup => {
            "无（none）、退役士兵（retired_soldier）或 重点群体（key_group）；空 = 无".into()
        }
        FieldType::Date => "日期，如 2023-04-01；空 = 未知".into(),
        _ => explain(c, counties, true),
    };
    match OPTIONAL_FACT_COLUMNS.iter().find(|(n, _)| *n == c.name) {
        Some((_, absent)) => format!("{rule}。可省略此列：省略时视为 {absent}"),
        None => format!("{rule}。此列必须有"),
    }
}

fn explain(c: &Column, counties: &Counties, required: bool) -> String {
    match c.ty {
        FieldType::Name if c.name == "uscc" => {
            "18 位统一社会信用代码（GB 32100-2015，含校验码）；不接受 15 位旧注册号".into()
        }
        FieldType::Name => "文字，必填".into(),
        FieldType::Kind => "企业（enterprise）或 个体工商户（individual_business），必填".into(),
        FieldType::County => format!("辖区代码或名称，必填：{}", counties.describe()),
        FieldType::Industry => "GB/T 4754-2017 行业代码，如 C3311、F5211，必填".into(),
        FieldType::Date if required => "日期，如 2023-04-01，必填".into(),
        FieldType::Date => "日期，如 2023-04-01；可空".into(),
        FieldType::Status => {
            "存续（active）、吊销（revoked）或 注销（deregistered）；空 = 存续".into()
        }
        FieldType::Money => "金额（元），最多两位小数，不得为负；空 = 未报送".into(),
        FieldType::SignedMoney => "金额（元），最多两位小数，亏损填负数；空 = 未报送".into(),
        FieldType::Headcount => "人数（年平均，可有两位小数），不得为负；空 = 未报送".into(),
        FieldType::Bool => "是 / 否（true / false）；空 = 未报送".into(),
        FieldType::FounderGroup => {
            "无（none）、退役士兵（retired_soldier）或 重点群体（key_group）".into()
        }
        FieldType::Person => "联系人姓名，最多 50 字；可空".into(),
        FieldType::Phone => "联系电话，7–15 位数字，可含 +、-、空格、括号；可空".into(),
        FieldType::Text if required => "文字，必填".into(),
        FieldType::Text => "文字；可空".into(),
        FieldType::Count => "整数，不得为负，必填".into(),
        FieldType::Number => "整数（人数或项数），不得为负；空 = 未报送".into(),
        FieldType::CertKind => format!("必填：{}", CertKind::describe()),
    }
}

/// Writes the template of `source` to `path` (.xlsx).
pub fn write_template(source: Source, counties: &Counties, path: &Path) -> Result<(), IngestError> {
    let columns: Vec<(&Column, bool)> = template_headers(source)
        .into_iter()
        .map(|c| (c, false))
        .collect();
    write_sheets(
        &columns,
        source == Source::Facts,
        &source_note(source),
        counties,
        path,
    )
}

/// The template of a source or a list as .xlsx bytes (a download): the same sheets as
/// [`write_template`] and [`write_list_template`] write to a file.
pub fn template_bytes(
    kind: Result<Source, ListSource>,
    counties: &Counties,
) -> Result<Vec<u8>, IngestError> {
    let (columns, english, note, name): (Vec<(&Column, bool)>, bool, String, &str) = match kind {
        Ok(source) => (
            template_headers(source)
                .into_iter()
                .map(|c| (c, false))
                .collect(),
            source == Source::Facts,
            source_note(source),
            source.as_str(),
        ),
        Err(list) => (list_columns(list), false, list_note(list), list.as_str()),
    };
    let mut book = sheets(&columns, english, &note, counties, name)?;
    book.save_to_buffer().map_err(|e| IngestError::Template {
        path: name.to_string(),
        message: e.to_string(),
    })
}

fn source_note(source: Source) -> String {
    format!(
        "{}：表头可用中文或英文列名；每户企业一行；任何一行有误则整个文件都不导入。",
        source.label()
    )
}

fn list_columns(list: ListSource) -> Vec<(&'static Column, bool)> {
    list.columns()
        .iter()
        .enumerate()
        .map(|(i, c)| (c, !list.optional(i)))
        .collect()
}

fn list_note(list: ListSource) -> String {
    format!(
        "{}：表头可用中文或英文列名；{}；任何一行有误则整个文件都不导入。",
        list.label(),
        list.row_rule()
    )
}

/// What every file may look like, beyond its columns (shown under the columns).
const FILE_RULES: [&str; 5] = [
    "表头可以不在第 1 行：前 10 行内的标题行、空行会跳过；有多个工作表时，读取表头相符的那一个（“填表说明”等工作表不影响）。",
    "第一、二列写“合计”“总计”“小计”的行会跳过；全是空白的行会跳过。",
    "全角数字、字母和符号（如 １２３、Ｃ３３１１）会转换为半角后导入；名称中的全角括号保留原样。",
    "列名后的括号说明可有可无（如“成立日期（年-月-日）”）；金额一律以元为单位，列名注明万元、千元的列不接受。",
    "统一社会信用代码请设为文本格式：存成数字会丢失末几位。",
];

/// The limits a file is read within, as a sentence.
fn limits_rule() -> String {
    let l = crate::Limits::default();
    format!(
        "上限：文件 {}，每格 {} 个字符，名称 {} 个字，{} 列，{} 行。",
        crate::limits::size(l.max_file_bytes),
        thousands(l.max_cell_chars as u64),
        huiqi_domain::text::NAME_MAX_CHARS,
        l.max_columns,
        thousands(l.max_rows)
    )
}

/// Writes the template of a list (`certifications`, `trainings`) to `path` (.xlsx).
pub fn write_list_template(
    list: ListSource,
    counties: &Counties,
    path: &Path,
) -> Result<(), IngestError> {
    write_sheets(&list_columns(list), false, &list_note(list), counties, path)
}

/// The template of a table read by [`crate::read_table`] (.xlsx bytes, for a download): the
/// header row and the sheet explaining every column.
pub fn table_template(
    spec: crate::TableSpec<'_>,
    rule: &str,
    counties: &Counties,
) -> Result<Vec<u8>, IngestError> {
    let columns: Vec<(&Column, bool)> = spec
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c, !spec.optional.get(i).copied().unwrap_or(false)))
        .collect();
    let note = format!(
        "{}：表头可用中文或英文列名；{rule}；任何一行有误则整个文件都不导入。",
        spec.label
    );
    let mut book = sheets(&columns, false, &note, counties, spec.name)?;
    book.save_to_buffer().map_err(|e| IngestError::Template {
        path: spec.name.to_string(),
        message: e.to_string(),
    })
}

/// The data sheet (header row, in Chinese) and the explaining sheet; `english` (the facts source)
/// explains each column as the fact parser reads it.
fn write_sheets(
    columns: &[(&Column, bool)],
    english: bool,
    note: &str,
    counties: &Counties,
    path: &Path,
) -> Result<(), IngestError> {
    let shown = path.display().to_string();
    let mut book = sheets(columns, english, note, counties, &shown)?;
    book.save(path).map_err(|e| IngestError::Template {
        path: shown,
        message: e.to_string(),
    })
}

/// The two sheets of a template; `path` names it in messages.
fn sheets(
    columns: &[(&Column, bool)],
    english: bool,
    note: &str,
    counties: &Counties,
    path: &str,
) -> Result<Workbook, IngestError> {
    let err = |e: rust_xlsxwriter::XlsxError| IngestError::Template {
        path: path.to_string(),
        message: e.to_string(),
    };
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("数据").map_err(err)?;
    for (i, (c, _)) in columns.iter().enumerate() {
        let header = c.zh;
        sheet
            .write_string_with_format(0, i as u16, header, &bold)
            .map_err(err)?;
        sheet
            .set_column_width(i as u16, 4.0 + header.chars().count() as f64 * 2.0)
            .map_err(err)?;
    }
    let notes = book.add_worksheet();
    notes.set_name("说明").map_err(err)?;
    for (i, h) in ["中文列名", "英文列名", "也可写作", "填写要求"]
        .iter()
        .enumerate()
    {
        notes
            .write_string_with_format(0, i as u16, *h, &bold)
            .map_err(err)?;
    }
    notes.set_column_width(0, 28.0).map_err(err)?;
    notes.set_column_width(1, 28.0).map_err(err)?;
    notes.set_column_width(2, 40.0).map_err(err)?;
    notes.set_column_width(3, 90.0).map_err(err)?;
    for (r, (c, required)) in columns.iter().enumerate() {
        let r = r as u32 + 1;
        notes.write_string(r, 0, c.zh).map_err(err)?;
        notes.write_string(r, 1, c.name).map_err(err)?;
        notes
            .write_string(r, 2, aliases(c).join("、"))
            .map_err(err)?;
        let rule = if english {
            explain_fact(c, counties)
        } else {
            explain(c, counties, *required)
        };
        notes.write_string(r, 3, rule).map_err(err)?;
    }
    let mut last = columns.len() as u32 + 2;
    notes.write_string(last, 0, note).map_err(err)?;
    for rule in FILE_RULES
        .map(str::to_owned)
        .into_iter()
        .chain([limits_rule()])
    {
        last += 1;
        notes.write_string(last, 0, rule).map_err(err)?;
    }
    Ok(book)
}
