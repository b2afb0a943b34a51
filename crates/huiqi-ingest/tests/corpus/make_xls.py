"""Writes the .xls fixtures of this folder (no Rust library writes .xls).

    python3 -m venv /tmp/v && /tmp/v/bin/pip install xlwt==1.3.0
    /tmp/v/bin/python crates/huiqi-ingest/tests/corpus/make_xls.py

market.xls      a 填表说明 sheet, then 数据: a title, a blank row, the header in row 3, two
                enterprises (a date cell, a county typed as a number), a 合计 row
extent.xls      the market header and one cell at IV65536 (the last cell an .xls has)
dimension.xls   market.xls with its DIMENSIONS record claiming 4,294,967,280 rows
"""
import datetime
import os
import struct

import xlwt

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = ["统一社会信用代码", "企业名称", "市场主体类型", "所属辖区", "行业代码",
          "成立日期（年-月-日）", "登记状态", "联系人", "联系电话"]
# Valid GB 32100-2015 codes of 金安区 enterprises (the tests' code(1) and code(2)).
CODES = ["913415020000000198", "913415020000000273"]


def market(path, far_cell=False):
    book = xlwt.Workbook(encoding="utf-8")
    notes = book.add_sheet("填表说明")
    notes.write(0, 0, "填表说明")
    notes.write(1, 0, "统一社会信用代码填 18 位")
    s = book.add_sheet("数据")
    s.write_merge(0, 0, 0, 8, "六安市 2023 年市场主体登记信息表")
    for i, h in enumerate(HEADER):
        s.write(2, i, h)
    date = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    s.write(3, 0, CODES[0])
    s.write(3, 1, "六安（金安）甲机械有限公司")
    s.write(3, 2, "企业")
    s.write(3, 3, 341502)
    s.write(3, 4, "C3311")
    s.write(3, 5, datetime.date(2020, 5, 1), date)
    s.write(4, 0, CODES[1])
    s.write(4, 1, "乙商店")
    s.write(4, 2, "企业")
    s.write(4, 3, "金安区")
    s.write(4, 4, "F5211")
    s.write(5, 0, "合计")
    s.write(5, 1, "2 户")
    if far_cell:
        s.write(65535, 255, "x")
    book.save(path)


market(os.path.join(HERE, "market.xls"))
market(os.path.join(HERE, "extent.xls"), far_cell=True)

with open(os.path.join(HERE, "market.xls"), "rb") as f:
    data = bytearray(f.read())
# DIMENSIONS (0x0200, 14 bytes): first row, last row + 1 (u32), first col, last col + 1 (u16).
at = 0
patched = 0
while True:
    at = data.find(b"\x00\x02\x0e\x00", at)
    if at < 0:
        break
    struct.pack_into("<I", data, at + 8, 0xFFFFFFF0)
    patched += 1
    at += 4
assert patched >= 1
with open(os.path.join(HERE, "dimension.xls"), "wb") as f:
    f.write(data)
