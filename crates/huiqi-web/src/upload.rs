//! Files in and out, one way for every area (uploads, downloads of stored files, .xlsx exports). [`read`] takes a multipart form apart: its text
//! fields (deserialised into the area's form struct by [`Upload::form`]) and the parts named `file`
//! (name and bytes, checked afterwards by `huiqi_app::files::check` in the use case). A request
//! that is not multipart is refused like a form without its CSRF token (403). [`download`] hands a
//! file out as an attachment under its Chinese name (RFC 5987 `filename*`, with an ASCII fallback),
//! with its stored content type; `X-Content-Type-Options: nosniff` is set here and on every answer
//! (routes.rs), and the CSP forbids script, so nothing uploaded runs in our origin.

use axum::extract::Multipart;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use huiqi_app::files::{Download, FileMeta};
use serde::de::DeserializeOwned;

use crate::error::WebError;

/// The largest body of a form with up to `files` files of the largest size, and the form.
pub const fn body_limit(files: usize) -> usize {
    files * huiqi_app::files::MAX_BYTES + 64 * 1024
}

/// A multipart form taken apart.
#[derive(Debug, Default)]
pub struct Upload {
    /// Text fields in order (name, value).
    pub fields: Vec<(String, String)>,
    /// The parts named `file` that carry a name or bytes: (file name, bytes).
    pub files: Vec<(String, Vec<u8>)>,
}

impl Upload {
    /// The form's CSRF token.
    pub fn csrf(&self) -> Option<&str> {
        self.field("csrf")
    }

    /// The first field of a name.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The text fields as the area's form struct (as a urlencoded form would be read).
    pub fn form<T: DeserializeOwned>(&self) -> Result<T, WebError> {
        let bad = |e: &dyn std::fmt::Display| {
            WebError::bad_request(
                "bad_form",
                format!("表单内容有误：{}", crate::error::serde_zh(&e.to_string())),
            )
        };
        let encoded = serde_urlencoded::to_string(&self.fields).map_err(|e| bad(&e))?;
        serde_urlencoded::from_str(&encoded).map_err(|e| bad(&e))
    }
}

pub(crate) fn multipart_error(e: MultipartError, too_large: &str) -> WebError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        WebError::too_large(too_large)
    } else {
        WebError::bad_request(
            "bad_upload",
            "上传内容无法读取（不是完整的表单上传）：请用页面上的表单重新上传",
        )
    }
}

/// Reads a multipart form; `too_large` is the message when the body is over the route's limit
/// (say what was not saved and the limits).
pub async fn read(
    mp: Result<Multipart, MultipartRejection>,
    too_large: &str,
) -> Result<Upload, WebError> {
    let Ok(mut mp) = mp else {
        return Err(WebError::csrf());
    };
    let mut up = Upload::default();
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| multipart_error(e, too_large))?
    {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_string();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| multipart_error(e, too_large))?
                .to_vec();
            if !file_name.is_empty() || !bytes.is_empty() {
                up.files.push((file_name, bytes));
            }
            continue;
        }
        let text = field
            .text()
            .await
            .map_err(|e| multipart_error(e, too_large))?;
        up.fields.push((name, text));
    }
    Ok(up)
}

/// `attachment; filename="…"; filename*=UTF-8''…`: the ASCII fallback keeps letters, digits and
/// `.-_` of the name (others become `_`); `filename*` carries the name percent-encoded (RFC 5987).
pub fn content_disposition(file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in file_name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// A file as a page lists it: its link, its name and its size (KB, 千分位).
pub struct FileLink {
    pub href: String,
    pub name: String,
    pub size: String,
}

impl FileLink {
    /// The link under `prefix` (the owner's download path, without the trailing `/`).
    pub fn of(prefix: &str, m: &FileMeta) -> FileLink {
        let kb = u64::try_from(m.size_bytes).unwrap_or(0).div_ceil(1024);
        FileLink {
            href: format!("{prefix}/{}", m.id),
            name: m.file_name.clone(),
            size: format!("{} KB", huiqi_domain::text::thousands(kb)),
        }
    }
}

/// A file as a download.
pub fn download(d: Download) -> Response {
    (
        [
            (header::CONTENT_TYPE, d.content_type),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(&d.file_name),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        d.bytes,
    )
        .into_response()
}

/// An .xlsx export as a download under its Chinese file name.
pub fn xlsx(file_name: &str, bytes: Vec<u8>) -> Response {
    download(Download {
        file_name: file_name.to_string(),
        content_type: huiqi_app::sheet::CONTENT_TYPE.to_string(),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_names_in_rfc_5987() {
        assert_eq!(
            content_disposition("合同 v2.pdf"),
            "attachment; filename=\"___v2.pdf\"; filename*=UTF-8''%E5%90%88%E5%90%8C%20v2.pdf"
        );
        // Quotes and line breaks cannot break out of the header.
        let h = content_disposition("a\"b\r\n.pdf");
        assert_eq!(
            h,
            "attachment; filename=\"a_b__.pdf\"; filename*=UTF-8''a%22b%0D%0A.pdf"
        );
    }
}
