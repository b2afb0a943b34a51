//! Uploaded files, one way for every area: [`check`] accepts a file only if its extension is one of
//! [`TYPES`], it is not empty, not over 10 MB, and its first bytes are what the extension says
//! (magic numbers); the content type kept is the one of the extension, never the browser's. The
//! bytes are kept once in the shared store (`huiqi_store::files`); a download is a [`Download`]
//! handed out by the area's use case after it checked that the viewer may see the owner (the
//! problem, the report, the case).

pub use huiqi_store::files::FileMeta;
use huiqi_store::files::{MAX_FILE_BYTES, NewFile};

use crate::AppError;

/// The types accepted: extension → content type.
pub const TYPES: &[(&str, &str)] = &[
    ("pdf", "application/pdf"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
];

/// The largest file accepted (bytes).
pub const MAX_BYTES: usize = MAX_FILE_BYTES;

/// A file to hand out: its name as uploaded, its stored content type and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Download {
    pub fn of((meta, bytes): (FileMeta, Vec<u8>)) -> Download {
        Download {
            file_name: meta.file_name,
            content_type: meta.content_type,
            bytes,
        }
    }
}

fn bad(code: &'static str, m: impl Into<String>) -> AppError {
    AppError::invalid(code, m)
}

/// Checks uploaded files (name, bytes) — `what` names them in messages (附件, 佐证材料, 证据材料),
/// at most `max_count` — and returns them ready to keep. A part with neither name nor bytes (an
/// empty file input) is skipped.
pub fn check(
    what: &str,
    files: &[(String, Vec<u8>)],
    max_count: usize,
) -> Result<Vec<NewFile>, AppError> {
    let files: Vec<&(String, Vec<u8>)> = files
        .iter()
        .filter(|(n, b)| !(n.is_empty() && b.is_empty()))
        .collect();
    if files.len() > max_count {
        return Err(bad(
            "too_many_files",
            format!("{what}最多 {max_count} 个（上传了 {} 个）", files.len()),
        ));
    }
    files
        .into_iter()
        .map(|(name, bytes)| check_one(what, name, bytes))
        .collect()
}

fn check_one(what: &str, name: &str, bytes: &[u8]) -> Result<NewFile, AppError> {
    let name = name.trim();
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let Some((_, ct)) = TYPES.iter().find(|(e, _)| *e == ext) else {
        return Err(bad(
            "bad_file_type",
            format!(
                "{what}“{name}”的类型不被接受：只接受 {}",
                TYPES.iter().map(|(e, _)| *e).collect::<Vec<_>>().join("、")
            ),
        ));
    };
    huiqi_domain::limits::check_text(
        &format!("{what}的文件名"),
        name,
        huiqi_domain::limits::ATTACHMENT_NAME_MAX_CHARS,
    )
    .map_err(AppError::limit("bad_file_name"))?;
    if name.contains(['\n', '\r', '\t']) {
        return Err(bad(
            "bad_file_name",
            format!("{what}的文件名中有换行符或制表符：请改名后再上传"),
        ));
    }
    if bytes.is_empty() {
        return Err(bad("empty_file", format!("{what}“{name}”是空文件")));
    }
    if bytes.len() > MAX_BYTES {
        return Err(bad(
            "file_too_large",
            format!(
                "{what}“{name}”有 {}.{} MB，超过 {} MB：请压缩或拆分",
                bytes.len() / 1_048_576,
                bytes.len() % 1_048_576 * 10 / 1_048_576,
                MAX_BYTES / 1_048_576
            ),
        ));
    }
    // Magic numbers: the content must be what the name says.
    let ok = match ext.as_str() {
        "pdf" => bytes.starts_with(b"%PDF"),
        "png" => bytes.starts_with(b"\x89PNG"),
        "jpg" | "jpeg" => bytes.starts_with(&[0xFF, 0xD8]),
        _ => bytes.starts_with(b"PK"),
    };
    if !ok {
        return Err(bad(
            "bad_file_type",
            format!("{what}“{name}”的内容与扩展名不符：请上传真实的 {ext} 文件"),
        ));
    }
    Ok(NewFile {
        file_name: name.to_string(),
        content_type: ct.to_string(),
        bytes: bytes.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(name: &str, bytes: &[u8]) -> Result<Vec<NewFile>, AppError> {
        check("附件", &[(name.to_string(), bytes.to_vec())], 5)
    }

    #[test]
    fn the_content_must_be_what_the_name_says() {
        let ok = one("合同.PDF", b"%PDF-1.7 x").unwrap();
        assert_eq!(ok[0].content_type, "application/pdf");
        assert_eq!(
            one("照片.jpg", &[0xFF, 0xD8, 0xFF]).unwrap()[0].content_type,
            "image/jpeg"
        );
        assert_eq!(
            one("表.xlsx", b"PK\x03\x04").unwrap()[0].content_type,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let e = one("合同.pdf", b"<html>").unwrap_err().to_string();
        assert!(e.contains("合同.pdf") && e.contains("不符"), "{e}");
        let e = one("脚本.html", b"<html>").unwrap_err().to_string();
        assert!(e.contains("脚本.html") && e.contains("只接受"), "{e}");
        let e = one(&format!("{}.pdf", "长".repeat(200)), b"%PDF")
            .unwrap_err()
            .to_string();
        assert!(e.contains("文件名") && e.contains("上限 200"), "{e}");
        let e = one("a\u{0}b.pdf", b"%PDF").unwrap_err().to_string();
        assert!(e.contains("文件名"), "{e}");
        let e = one("空.pdf", b"").unwrap_err().to_string();
        assert!(e.contains("空文件"), "{e}");
        let e = one("大.pdf", &[b'%'; MAX_BYTES + 1])
            .unwrap_err()
            .to_string();
        assert!(e.contains("大.pdf") && e.contains("超过 10 MB"), "{e}");
    }

    #[test]
    fn empty_inputs_are_skipped_and_the_count_is_limited() {
        let empty = (String::new(), Vec::new());
        assert!(
            check("证据材料", std::slice::from_ref(&empty), 1)
                .unwrap()
                .is_empty()
        );
        let pdf = ("a.pdf".to_string(), b"%PDF".to_vec());
        let e = check("证据材料", &[pdf.clone(), pdf, empty], 1)
            .unwrap_err()
            .to_string();
        assert!(e.contains("证据材料最多 1 个（上传了 2 个）"), "{e}");
    }
}
