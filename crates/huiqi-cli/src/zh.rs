//! The command line in Chinese: clap's own words (用法, 选项, 命令, 参数, the help and version
//! flags, [默认: …], [可选值: …]) through a help template and our own help and version arguments,
//! clap's errors as Chinese lines (with the original kind), and serde's messages about a JSON or
//! YAML input as Chinese sentences naming the field.

use clap::builder::PossibleValue;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command};

/// Every command's help: about, usage, then the arguments, options and subcommands, each under
/// its Chinese heading.
const TEMPLATE: &str = "{before-help}{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";

/// `cmd` and all its subcommands with Chinese headings, help and version flags, and defaults
/// and possible values written in Chinese. `root` adds the version flag.
pub fn localize(cmd: Command, root: bool) -> Command {
    let mut cmd = cmd
        .help_template(TEMPLATE)
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令")
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .mut_args(localize_arg)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("显示帮助")
                .help_heading("选项"),
        );
    if root {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("显示版本")
                .help_heading("选项"),
        );
    }
    cmd.mut_subcommands(|sub| localize(sub, false))
}

/// One argument: under 参数 (positional) or 选项, its default and possible values in Chinese.
fn localize_arg(arg: Arg) -> Arg {
    let heading = if arg.is_positional() {
        "参数"
    } else {
        "选项"
    };
    let mut extra = Vec::new();
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    let takes_value = arg.get_action().takes_values();
    let possible: Vec<PossibleValue> = if takes_value {
        arg.get_possible_values()
            .into_iter()
            .filter(|p| !p.is_hide_set())
            .collect()
    } else {
        Vec::new()
    };
    if !possible.is_empty() {
        let names: Vec<String> = possible
            .iter()
            .map(|p| match p.get_help() {
                Some(h) => format!("{}（{h}）", p.get_name()),
                None => p.get_name().to_string(),
            })
            .collect();
        extra.push(format!("[可选值: {}]", names.join("、")));
    }
    // A flag's implicit `false` is not worth a line.
    if takes_value && !defaults.is_empty() && defaults.iter().any(|d| !d.is_empty()) {
        extra.push(format!("[默认: {}]", defaults.join(", ")));
    }
    let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
    let help = std::iter::once(help)
        .filter(|h| !h.is_empty())
        .chain(extra)
        .collect::<Vec<_>>()
        .join(" ");
    // clap asserts these two only on arguments that take a value.
    let arg = if takes_value {
        arg.hide_default_value(true).hide_possible_values(true)
    } else {
        arg
    }
    .help_heading(heading);
    if help.is_empty() { arg } else { arg.help(help) }
}

fn context(e: &clap::Error, kind: ContextKind) -> Option<String> {
    Some(match e.get(kind)? {
        ContextValue::String(s) => s.clone(),
        ContextValue::Strings(v) => v.join("、"),
        ContextValue::StyledStr(s) => s.to_string(),
        ContextValue::StyledStrs(v) => v
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("、"),
        ContextValue::Number(n) => n.to_string(),
        ContextValue::Bool(b) => b.to_string(),
        _ => return None,
    })
}

/// clap's error as one Chinese line (the kind in brackets for whoever searches for it), without
/// the usage.
pub fn error_line(e: &clap::Error) -> String {
    let c = |k| context(e, k).unwrap_or_default();
    let arg = c(ContextKind::InvalidArg);
    let value = c(ContextKind::InvalidValue);
    let suggest = |k| {
        context(e, k)
            .filter(|s| !s.is_empty())
            .map(|s| format!("，是否想用 {s}？"))
            .unwrap_or_default()
    };
    let message = match e.kind() {
        ErrorKind::InvalidValue => {
            let valid = context(e, ContextKind::ValidValue)
                .map(|v| format!("；可选值：{v}"))
                .unwrap_or_default();
            if value.is_empty() {
                format!("参数 {arg} 需要一个值{valid}")
            } else {
                format!("参数 {arg} 的值“{value}”无效{valid}")
            }
        }
        ErrorKind::UnknownArgument => {
            format!("不认识的参数“{arg}”{}", suggest(ContextKind::SuggestedArg))
        }
        ErrorKind::InvalidSubcommand => format!(
            "没有“{}”这个命令{}",
            c(ContextKind::InvalidSubcommand),
            suggest(ContextKind::SuggestedSubcommand)
        ),
        ErrorKind::NoEquals => format!("参数 {arg} 须用等号给值，如 {arg}=值"),
        ErrorKind::ValueValidation => format!("参数 {arg} 的值“{value}”格式不对{}", why(e)),
        ErrorKind::TooManyValues => format!("参数 {arg} 的值太多：“{value}”"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("参数 {arg} 的值个数不对")
        }
        ErrorKind::ArgumentConflict => {
            format!("参数 {arg} 不能与 {} 同时使用", c(ContextKind::PriorArg))
        }
        ErrorKind::MissingRequiredArgument => format!("缺少必需的参数：{arg}"),
        ErrorKind::MissingSubcommand => {
            format!("缺少命令：请指定 {} 之一", c(ContextKind::ValidSubcommand))
        }
        ErrorKind::InvalidUtf8 => "参数不是有效的 UTF-8 文本".to_string(),
        _ => "命令行参数有误".to_string(),
    };
    format!("错误：{message}")
}

/// Why a value did not parse, in Chinese: the standard parsers' errors by kind (their text is
/// English), a value parser's own message when it is Chinese already, else nothing.
fn why(e: &clap::Error) -> String {
    let Some(source) = std::error::Error::source(e) else {
        return String::new();
    };
    if let Some(p) = source.downcast_ref::<std::num::ParseIntError>() {
        use std::num::IntErrorKind;
        return match p.kind() {
            IntErrorKind::Empty => "（不能为空）",
            IntErrorKind::InvalidDigit => "（须为整数）",
            IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => "（超出范围）",
            _ => "",
        }
        .to_string();
    }
    if source.downcast_ref::<chrono::ParseError>().is_some() {
        return "（须为日期，如 2024-12-31）".to_string();
    }
    let text = source.to_string();
    if text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
        format!("（{text}）")
    } else {
        String::new()
    }
}

/// Prints clap's outcome: help and version as they are (exit 0), a missing subcommand's help,
/// or the Chinese error line with the usage (exit 2).
/// `cmd` gives the usage when clap's error carries none (an invalid value, for one).
pub fn exit_with(e: clap::Error, cmd: &mut Command) -> std::process::ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            std::process::ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            std::process::ExitCode::from(2)
        }
        _ => {
            eprintln!("{}", error_line(&e));
            let usage =
                context(&e, ContextKind::Usage).unwrap_or_else(|| cmd.render_usage().to_string());
            let usage = usage.trim().trim_start_matches("Usage:").trim();
            eprintln!("\n用法：{usage}");
            eprintln!("\n用 --help 查看帮助。");
            std::process::ExitCode::from(2)
        }
    }
}

/// A message of serde (`missing field \`uscc\``, `unknown field …`, `invalid type: …`) as a
/// Chinese sentence; `path` is the field it is about (`employees`, `a.b[2]`), when known.
pub fn serde_message(message: &str, path: &str) -> String {
    // serde_json ends its messages with " at line L column C"; the caller names the place.
    let m = message.split(" at line ").next().unwrap_or(message).trim();
    let quoted = |s: &str| -> Option<String> {
        let start = s.find('`')? + 1;
        let end = start + s[start..].find('`')?;
        Some(s[start..end].to_string())
    };
    let field = if path.is_empty() || path == "." {
        String::new()
    } else {
        format!("字段“{path}”")
    };
    let expected = |s: &str| -> String {
        s.split(", expected ")
            .nth(1)
            .map(|x| format!("，应为 {}", expected_zh(x)))
            .unwrap_or_default()
    };
    if let Some(rest) = m.strip_prefix("missing field ") {
        return format!("缺少字段“{}”", quoted(rest).unwrap_or_else(|| rest.into()));
    }
    if let Some(rest) = m.strip_prefix("unknown field ") {
        let name = quoted(rest).unwrap_or_else(|| rest.into());
        return format!("未知字段“{name}”（字段名须与说明一致，区分大小写）");
    }
    if let Some(rest) = m.strip_prefix("duplicate field ") {
        return format!(
            "字段“{}”出现了两次",
            quoted(rest).unwrap_or_else(|| rest.into())
        );
    }
    if let Some(rest) = m.strip_prefix("unknown variant ") {
        let value = quoted(rest).unwrap_or_else(|| rest.into());
        let allowed = rest
            .split("expected one of ")
            .nth(1)
            .or_else(|| rest.split("expected ").nth(1))
            .map(|x| format!("，可选：{}", x.replace('`', "").replace(", ", "、")))
            .unwrap_or_default();
        return format!("{field}的取值“{value}”无效{allowed}");
    }
    if let Some(rest) = m.strip_prefix("invalid type: ") {
        let got = rest.split(", expected ").next().unwrap_or(rest);
        return format!("{field}的类型不对：给的是{}{}", got_zh(got), expected(rest));
    }
    if let Some(rest) = m.strip_prefix("invalid value: ") {
        let got = rest.split(", expected ").next().unwrap_or(rest);
        return format!("{field}的值不对：给的是{}{}", got_zh(got), expected(rest));
    }
    if let Some(rest) = m.strip_prefix("invalid length ") {
        let n = rest.split(',').next().unwrap_or(rest);
        return format!("{field}的元素个数 {n} 不对{}", expected(rest));
    }
    if m.starts_with("EOF while parsing") {
        return "内容不完整（括号或引号未闭合，或文件被截断）".to_string();
    }
    if m.starts_with("trailing characters") || m.starts_with("trailing comma") {
        return "JSON 结束后还有多余的字符或逗号".to_string();
    }
    if m.starts_with("expected") || m.starts_with("key must be") || m.contains("escape") {
        return format!("语法有误（{}）", syntax_zh(m));
    }
    if field.is_empty() {
        format!("内容有误：{m}")
    } else {
        format!("{field}有误：{m}")
    }
}

fn syntax_zh(m: &str) -> &'static str {
    if m.starts_with("expected value") {
        "此处应为一个值"
    } else if m.starts_with("expected `,` or `}`") {
        "此处应为逗号或右花括号"
    } else if m.starts_with("expected `,` or `]`") {
        "此处应为逗号或右方括号"
    } else if m.starts_with("expected `:`") {
        "此处应为冒号"
    } else if m.starts_with("key must be a string") {
        "字段名须用双引号括起"
    } else if m.contains("escape") {
        "转义字符无效"
    } else {
        "不是合法的 JSON"
    }
}

fn got_zh(got: &str) -> String {
    let got = got.trim();
    for (en, zh) in [
        ("floating point", "小数"),
        ("integer", "整数"),
        ("string", "字符串"),
        ("boolean", "布尔值"),
        ("map", "对象"),
        ("sequence", "数组"),
        ("null", "空值 null"),
        ("unit value", "空值"),
    ] {
        if let Some(rest) = got.strip_prefix(en) {
            return format!("{zh}{}", rest.replace('`', " ").trim_end());
        }
    }
    got.replace('`', "")
}

fn expected_zh(x: &str) -> String {
    let x = x.trim();
    match x {
        "a Decimal" | "a decimal" => "金额字符串（如 \"12345.67\"）".into(),
        "a boolean" => "true 或 false".into(),
        "a string" => "字符串".into(),
        "a sequence" => "数组".into(),
        "struct Facts" | "a map" => "对象".into(),
        "i32" | "i64" | "u32" | "u64" | "u8" | "u16" => "整数".into(),
        _ if x.contains("date") || x.contains("Date") => "日期（如 \"2024-03-01\"）".into(),
        _ => x.replace('`', ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_read_in_chinese() {
        assert_eq!(
            serde_message("missing field `uscc` at line 1 column 2", ""),
            "缺少字段“uscc”"
        );
        assert!(
            serde_message("unknown field `foo`, expected one of `a`, `b`", "")
                .contains("未知字段“foo”")
        );
        let m = serde_message(
            "invalid type: floating point `1.5`, expected a Decimal at line 3 column 9",
            "revenue",
        );
        assert!(
            m.contains("字段“revenue”") && m.contains("小数") && m.contains("金额字符串"),
            "{m}"
        );
        let m = serde_message(
            "unknown variant `corp`, expected `enterprise` or `individual_business`",
            "kind",
        );
        assert!(m.contains("“corp”") && m.contains("enterprise"), "{m}");
        assert!(
            serde_message("EOF while parsing an object at line 1 column 1", "").contains("不完整")
        );
        assert!(serde_message("expected value at line 1 column 1", "").contains("应为一个值"));
        for m in [
            serde_message("missing field `x`", ""),
            serde_message("invalid type: string \"a\", expected a boolean", "flag"),
        ] {
            assert!(!m.contains("expected") && !m.contains("invalid"), "{m}");
        }
    }
}
