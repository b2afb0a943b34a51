//! Push lists as Excel files with Chinese headers: a title row (measure, place, the data's year
//! and the date of its parameters), then the header, then one row per enterprise with the measure's
//! Chinese title and the amount as an Excel number (format `#,##0.00`, so Excel can sum it). The
//! same rows give the same bytes (the workbook's creation time is fixed), so exports are
//! reproducible.

use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::{MatchError, PushRow};

const HEADERS: [(&str, f64); 10] = [
    ("统一社会信用代码", 22.0),
    ("企业名称", 30.0),
    ("联系人", 10.0),
    ("联系电话", 16.0),
    ("辖区代码", 10.0),
    ("辖区", 14.0),
    ("行业代码", 10.0),
    ("措施", 20.0),
    ("金额（元）", 14.0),
    ("理由", 100.0),
];

/// A push list as the bytes of an .xlsx file; `title` names the measure, run and filter on the
/// sheet's first line.
pub fn push_xlsx(rows: &[PushRow], title: &str) -> Result<Vec<u8>, MatchError> {
    let err = MatchError::Export;
    let mut wb = Workbook::new();
    // A fixed creation time keeps the file byte-identical for the same rows.
    let created = ExcelDateTime::from_ymd(2023, 1, 1).map_err(err)?;
    wb.set_properties(
        &rust_xlsxwriter::DocProperties::new()
            .set_creation_datetime(&created)
            .set_title(title),
    );
    let ws = wb.add_worksheet();
    ws.set_name("推送名单").map_err(err)?;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    ws.write_string_with_format(0, 0, title, &bold)
        .map_err(err)?;
    for (c, (h, w)) in HEADERS.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &bold)
            .map_err(err)?;
        ws.set_column_width(c as u16, *w).map_err(err)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 2;
        let cells = [
            &r.uscc,
            &r.name,
            &r.contact_person,
            &r.contact_phone,
            &r.county,
            &r.county_name,
            &r.industry,
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(row, c as u16, v.as_str()).map_err(err)?;
        }
        let title =
            huiqi_rules::MeasureId::parse(&r.measure).map_or(r.measure.as_str(), |m| m.title());
        ws.write_string(row, 7, title).map_err(err)?;
        // The amount (exact to the fen, at most 15 significant digits: limits.rs) as an Excel number.
        let amount = r.amount.round_dp(2).to_f64().unwrap_or_default();
        ws.write_number_with_format(row, 8, amount, &money)
            .map_err(err)?;
        ws.write_string(row, 9, &r.reason).map_err(err)?;
    }
    ws.set_freeze_panes(2, 0).map_err(err)?;
    wb.save_to_buffer().map_err(err)
}
