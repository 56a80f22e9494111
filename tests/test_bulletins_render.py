"""The bulletin's outputs from the frozen dict alone (no database): .docx, .xlsx, markdown, HTML, the chart."""

from __future__ import annotations

import copy
import io
import re
import shutil
import subprocess
import time
from decimal import Decimal

import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn
from PIL import Image

from tests.bulletins_sample import sample
from zhili.bulletins import chart, render, render_docx, render_md

WECOM = 4096


def synthetic(n: int) -> dict:
    """sample() with n villages, scores falling from 99.99, every fourth with no cases component."""
    data = sample()
    base = data["villages"][0]
    villages = []
    for i in range(n):
        v = copy.deepcopy(base)
        rank = i + 1
        v.update(
            code=f"37010{i:07d}",
            name=f"第{rank}村民委员会",
            rank=rank,
            score=f"{Decimal('99.99') - Decimal(i) * Decimal('90') / n:.2f}",
            previous_rank=n - i,
            change=(n - i) - rank,
        )
        v["components"] = {
            "targets": f"{Decimal(100) - Decimal(i) * 50 / n:.2f}",
            "cases": None if i % 4 == 3 else f"{Decimal(100) - Decimal(i) * 30 / n:.1f}",
            "patrol": f"{Decimal(100) - Decimal(i) * 60 / n:.1f}",
        }
        villages.append(v)
    data["villages"] = villages
    first, last = villages[0], villages[-1]
    data["best"] = [{**data["best"][0], "code": first["code"], "name": first["name"], "score": first["score"]}]
    data["laggards"] = [
        {**data["laggards"][0], "code": last["code"], "name": last["name"], "rank": n, "score": last["score"]}
    ]
    return data


def _docx(data: dict):
    body, name, content_type = render.render(data, "docx")
    assert name.endswith(".docx") and "wordprocessingml" in content_type
    return Document(io.BytesIO(body)), body


# — the facade ———————————————————————————————————————————————————————————————


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "md", "html", "png"])
def test_every_format_has_its_file_name_and_type(fmt):
    body, name, content_type = render.render(sample(), fmt)
    assert body
    assert name == f"太平街道工作周通报-2020-W40-v1.{fmt}"
    assert content_type == render.FORMATS[fmt]


def test_a_corrected_week_is_named_by_its_version():
    data = sample()
    data["correction"] = {
        "version": 2,
        "note": "东八里村得分更正",
        "previous": {"version": 1, "built_at": "2020-10-05T08:00"},
    }
    assert render.render(data, "md")[1] == "太平街道工作周通报-2020-W40-v2.md"
    doc, _ = _docx(data)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "更正说明" in text and "第2版" in text and "东八里村得分更正" in text
    assert text.index("更正说明") < text.index(data["title"], len(data["issuer"]))  # at the top, before the title


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError):
        render.render(sample(), "pdf")


# — Word ————————————————————————————————————————————————————————————————————


def _ranking_table(doc):
    for table in doc.tables:
        if table.rows[0].cells[0].text == "名次":
            return table
    raise AssertionError("no ranking table")


@pytest.mark.parametrize("n", [5, 91])
def test_docx_ranking_table_is_the_data(n):
    data = sample() if n == 5 else synthetic(n)
    doc, _ = _docx(data)
    table = _ranking_table(doc)
    header = [c.text for c in table.rows[0].cells]
    assert header == ["名次", "村（社区）", "得分", "目标任务完成", "事件按期结案率", "网格巡查覆盖率", "名次变化"]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert len(rows) == n
    for row, v in zip(rows, data["villages"], strict=True):
        assert row[0] == str(v["rank"])
        assert row[1] == v["name"]
        assert row[2] == v["score"]
        assert row[3:6] == [v["components"][k] or "—" for k in ("targets", "cases", "patrol")]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on every page
    if n == 5:
        assert [r[6] for r in rows] == ["↑1", "↓1", "持平", "↑1", "↓1"]


def test_docx_page_and_fonts_follow_gbt_9704():
    doc, body = _docx(sample())
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.top_margin.mm) == 37 and round(section.bottom_margin.mm) == 35
    assert round(section.left_margin.mm) == 28 and round(section.right_margin.mm) == 26

    def east_asia(run):
        return run._element.rPr.rFonts.get(qn("w:eastAsia"))

    paragraphs = doc.paragraphs
    issuer = paragraphs[0]
    assert issuer.text == "太平街道党工委办公室"
    assert east_asia(issuer.runs[0]) == render_docx.XIAOBIAOSONG
    assert str(issuer.runs[0].font.color.rgb) == "FF0000"
    assert paragraphs[1].text == "太平通〔2020〕40号"
    border = paragraphs[2]._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert border.get(qn("w:color")) == "FF0000"
    title = next(p for p in paragraphs if p.text == "太平街道工作周通报")
    assert east_asia(title.runs[0]) == render_docx.XIAOBIAOSONG and title.runs[0].font.size.pt == 22
    heading = next(p for p in paragraphs if p.text == "一、综合排名")
    assert east_asia(heading.runs[0]) == render_docx.HEITI
    sub = next(p for p in paragraphs if p.text == "（一）先进村")
    assert east_asia(sub.runs[0]) == render_docx.KAITI
    lead = next(p for p in paragraphs if p.text.startswith("1. 孔家坊村"))
    assert east_asia(lead.runs[0]) == render_docx.FANGSONG and lead.runs[0].font.bold
    cases = next(p for p in paragraphs if p.text.startswith("本周新增事件"))
    assert east_asia(cases.runs[0]) == render_docx.FANGSONG and cases.runs[0].font.size.pt == 16
    fmt = cases.paragraph_format
    assert fmt.line_spacing.pt == 28 and fmt.first_line_indent.pt == 32
    assert cases._p.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"
    normal = doc.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == render_docx.FANGSONG
    # the font table gives each 公文 font a Windows alternative
    assert '<w:altName w:val="仿宋"/>' in _part_xml(body, "word/fontTable.xml")
    # the end: issuer and date; the footer: a PAGE field between dashes
    assert [p.text for p in paragraphs[-2:]] == ["太平街道党工委办公室", "2020年10月5日"]
    footer = section.footer.paragraphs[0]
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    assert "PAGE" in footer._p.xml
    assert doc.settings.odd_and_even_pages_header_footer
    assert "PAGE" in section.even_page_footer.paragraphs[0]._p.xml
    # the chart is in it
    assert len(doc.inline_shapes) == 1


def _part_xml(body: bytes, name: str) -> str:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(body)) as z:
        return z.read(name).decode()


def test_docx_has_the_sections_the_week_has():
    data = sample()
    text = "\n".join(p.text for p in _docx(data)[0].paragraphs)
    for heading in (
        "一、综合排名",
        "二、先进与后进",
        "三、目标任务",
        "七、重点项目",
        "八、税收",
        "九、上周点评会议定事项办结情况",
        "十、集中督查",
    ):
        assert heading in text
    assert "固定资产投资" in text and "煤改气台账" in text and data["formula"]["text"] in text
    data.update(projects=None, tax=None, decisions=None, supervision={"batches": []})
    text = "\n".join(p.text for p in _docx(data)[0].paragraphs)
    assert "重点项目" not in text and "税收" not in text and "点评会" not in text and "集中督查" not in text
    assert "六、工作台账" in text


def test_an_empty_week_says_so():
    data = sample()
    data.update(empty=True, villages=[], best=[], laggards=[])
    doc, _ = _docx(data)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "没有可统计的数据" in text and "一、" not in text
    assert not doc.tables
    assert "没有可统计的数据" in render.render(data, "md")[0].decode()
    assert "没有可统计的数据" in render.render(data, "html")[0].decode()
    assert render.render(data, "xlsx")[0] and render.render(data, "png")[0]


def test_docx_converts_to_pdf_where_libreoffice_exists(tmp_path):
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if not office:
        pytest.skip("no LibreOffice on this machine (CI has none): the .docx itself is checked above")
    source = tmp_path / "bulletin.docx"
    source.write_bytes(render.render(synthetic(91), "docx")[0])
    subprocess.run(
        [
            office,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        timeout=180,
        capture_output=True,
    )
    pdf = (tmp_path / "bulletin.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_5000_villages_render_in_every_format():
    data = synthetic(5000)
    data["villages"][-1]["score"] = None  # a village with no figure at all: "—", and no bar
    data["villages"][-1]["components"] = {"targets": None, "cases": None, "patrol": None}
    doc, _body = _docx(data)
    trs = _ranking_table(doc)._tbl.tr_lst  # python-docx's row.cells walks the whole table: read the XML
    assert len(trs) == 5001
    last = ["".join(t.text for t in tc.iter(qn("w:t"))) for tc in trs[-1].tc_lst]
    assert last[:6] == ["5000", "第5000村民委员会", "—", "—", "—", "—"]
    wb = openpyxl.load_workbook(io.BytesIO(render.render(data, "xlsx")[0]), read_only=True)
    rows = list(wb["排名"].iter_rows(values_only=True))
    assert len(rows) == 3 + 5000 and rows[-1][:3] == (5000, "第5000村民委员会", None)
    assert "第5000村民委员会" in render.render(data, "html")[0].decode()
    assert len(render.render(data, "png")[0]) <= chart.MAX_BYTES


# — Excel ———————————————————————————————————————————————————————————————————


@pytest.mark.parametrize("n", [5, 91])
def test_xlsx_ranking_sheet_is_the_data_as_numbers(n):
    data = sample() if n == 5 else synthetic(n)
    body, _name, _ = render.render(data, "xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(body))
    assert wb.sheetnames[:2] == ["排名", "先进与后进"]
    assert {"事件", "巡查", "目标", "红灯指标", "台账", "重点项目", "税收", "议定事项", "集中督查"} <= set(
        wb.sheetnames
    )
    ws = wb["排名"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "太平街道工作周通报 2020-W40 综合排名"
    assert "目标任务完成 60" in rows[1][0] and data["formula"]["text"] in rows[1][0]
    assert rows[2][:3] == ("名次", "村（社区）", "得分")  # names, as the published ranking shows them; no codes
    assert rows[2][3] == "目标任务完成（权重 60）"
    body_rows = rows[3:]
    assert len(body_rows) == n
    weights = {c["key"]: Decimal(c["weight"]) for c in data["formula"]["components"]}
    for row, v in zip(body_rows, data["villages"], strict=True):
        assert row[0] == v["rank"] and isinstance(row[0], int)
        assert row[1] == v["name"]
        assert isinstance(row[2], int | float) and Decimal(str(row[2])) == Decimal(v["score"])
        for i, key in enumerate(weights):  # each component a number beside its weight, so the score can be recomputed
            value = v["components"][key]
            assert row[3 + i] is None if value is None else Decimal(str(row[3 + i])) == Decimal(value)
        assert row[6] == v["previous_rank"] and row[7] == v["change"]
    cases = list(wb["事件"].iter_rows(values_only=True))
    assert cases[-1][1] == "全街道" and cases[-1][2] == data["cases"]["new"]
    assert cases[-1][6] == pytest.approx(float(data["cases"]["on_time_rate"]))


def test_xlsx_leaves_out_absent_sections():
    data = sample()
    data.update(projects=None, tax=None, decisions=None, supervision={"batches": []})
    wb = openpyxl.load_workbook(io.BytesIO(render.render(data, "xlsx")[0]))
    assert not {"重点项目", "税收", "议定事项", "集中督查"} & set(wb.sheetnames)


# — markdown ————————————————————————————————————————————————————————————————


def _ranked_lines(text: str) -> list[tuple[int, str, str]]:
    return [
        (int(m[1]), m[2], m[3]) for m in re.finditer(r"^(?:<font[^>]*>)?(\d+)\. (\S+) ([\d.—]+) 分", text, flags=re.M)
    ]


@pytest.mark.parametrize("n", [5, 91, 5000])
def test_markdown_top_and_bottom(n):
    data = sample() if n == 5 else synthetic(n)
    parts = render_md.markdown(data, limit_bytes=WECOM)
    assert all(len(p.encode("utf-8")) <= WECOM for p in parts)
    text = "\n".join(parts)
    assert text.startswith("# 太平街道工作周通报")
    villages = data["villages"]
    expected = villages[:3] + [v for v in villages[-3:] if v not in villages[:3]]
    assert _ranked_lines(text)[: len(expected)] == [(v["rank"], v["name"], v["score"]) for v in expected]
    assert data["laggards"][0]["reasons"][1] in text and data["best"][0]["reasons"][1] in text
    for total in ("按期结案率 73.3%", "逾期未结 3 件", "覆盖率 75.0%", "红灯 3 项", "已销号 1/3 项"):
        assert total in text


def test_markdown_without_limit_is_the_whole_bulletin():
    data = synthetic(91)
    (full,) = render_md.markdown(data)
    assert len(full.encode()) > WECOM  # 91 rows do not fit one message …
    for v in data["villages"]:
        assert f"| {v['rank']} | {v['name']} | {v['score']} |" in full
    body, _name, content_type = render.render(data, "md")
    assert body.decode("utf-8") == full and content_type.startswith("text/markdown")
    parts = render_md.markdown(data, limit_bytes=WECOM)  # … so the robot sends the summary
    assert len(parts) == 1 and "| 91 |" not in parts[0]


def test_markdown_splits_on_lines_never_inside_a_character():
    data = synthetic(5000)
    data["laggards"][0]["reasons"] = [f"原因{i}：" + "网格巡查覆盖率偏低，" * 20 for i in range(40)]  # ~24 KB
    parts = render_md.markdown(data, limit_bytes=WECOM)
    assert len(parts) > 3
    summary_lines = render_md._summary(data)
    rejoined = [line for part in parts for line in part.split("\n")]
    assert rejoined == [line for line in summary_lines if line]  # whole lines, in order, nothing lost
    for part in parts:
        assert len(part.encode("utf-8")) <= WECOM
        part.encode("utf-8").decode("utf-8")  # whole characters
    # a line longer than the limit on its own is shortened at a character boundary
    assert render_md.split(["好" * 2000], 100) == ["好" * 32 + "…"]


# — the chart ———————————————————————————————————————————————————————————————


@pytest.mark.parametrize("n", [5, 91, 5000])
def test_chart_is_a_small_valid_png(n):
    data = sample() if n == 5 else synthetic(n)
    png = chart.ranking_png(data)
    assert len(png) <= chart.MAX_BYTES
    with Image.open(io.BytesIO(png)) as image:
        image.verify()
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size[0] > 500
        assert "Software" not in image.info
    assert chart.ranking_png(data) == png  # deterministic


def test_chart_without_a_cjk_font_uses_codes(monkeypatch, caplog):
    chart.cjk_font.cache_clear()
    monkeypatch.setattr(chart, "_FAMILIES", ())
    monkeypatch.setattr(chart, "_PATHS", ())
    try:
        with caplog.at_level("WARNING", logger="zhili.bulletins.chart"):
            png = chart.ranking_png(synthetic(91))
        assert "No CJK font" in caplog.text
        assert png.startswith(b"\x89PNG")
    finally:
        chart.cjk_font.cache_clear()


# — HTML ————————————————————————————————————————————————————————————————————


def test_html_is_standalone_and_printable():
    data = synthetic(91)
    page = render.render(data, "html")[0].decode()
    assert "@page" in page and "size: A4" in page
    assert "data:image/png;base64," in page
    assert not re.search(r"""(src|href)=["'](https?:)?//""", page)  # nothing fetched
    assert "<link" not in page and "<script" not in page
    for v in (data["villages"][0], data["villages"][-1]):
        assert f"<td>{v['name']}</td><td>{v['score']}</td>" in page
    assert "九、上周点评会议定事项办结情况" in page and "2020年10月5日" in page


# — time ————————————————————————————————————————————————————————————————————


def test_rendering_91_villages_in_every_format_takes_seconds():
    data = synthetic(91)
    timings = {}
    for fmt in ("docx", "xlsx", "md", "html", "png"):
        start = time.perf_counter()
        render.render(data, fmt)
        timings[fmt] = time.perf_counter() - start
    print("render 91 villages:", {k: f"{v:.2f}s" for k, v in timings.items()})
    assert sum(timings.values()) < 20
