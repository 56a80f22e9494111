"""The week as a Word document in the 公文 layout of GB/T 9704-2012, as far as python-docx reaches.

Page: A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (a 156 × 225 mm 版心). 版头: the issuer
(发文机关标志) in red 方正小标宋简体 centred, the number (发文字号) centred below it, a red separator line (the
paragraph's bottom border). Then a correction note when the week was corrected, the title in 2号 (22 pt)
方正小标宋简体, the issue and period in 楷体_GB2312, and the body in 3号 (16 pt) 仿宋_GB2312 at a fixed 28 pt line
spacing with a 2-character first-line indent. Headings: 一、 in 黑体, （一） in 楷体_GB2312, 1. in 仿宋_GB2312 bold.
Sections are those the week has (shape.py; see render_common.sections). The ranking table repeats its header
row on every page. The end: the issuer and the 成文日期 ("2020年10月5日"); the footer: page numbers "— 1 —" in
4号 宋体, odd pages on the right and even pages on the left, one character in (PAGE fields).

Fonts: the document names the 公文 fonts (w:rFonts w:eastAsia on the styles and on each run of the body;
w:ascii/w:hAnsi Times New Roman for digits and Latin). Nothing is embedded. A machine without them substitutes:
the document's font table gives each an alternative name (w:altName) that Windows has — 仿宋_GB2312 → 仿宋,
楷体_GB2312 → 楷体, 方正小标宋简体 → 宋体 — which Word and WPS use when the named font is missing; LibreOffice on Linux
falls back through fontconfig to a CJK font it has (Noto Serif/Sans CJK with Debian's fonts-noto-cjk), so the
document prints with the right glyphs, in a different typeface, and with the same page layout.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils.translation import gettext as _
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor, Twips
from docx.text.paragraph import Paragraph
from PIL import Image

from zhili.bulletins import chart
from zhili.bulletins import render_common as rc

FANGSONG = "仿宋_GB2312"
KAITI = "楷体_GB2312"
HEITI = "黑体"
XIAOBIAOSONG = "方正小标宋简体"
SONGTI = "宋体"
LATIN = "Times New Roman"
#: w:altName in the font table: what Word and WPS use when the named font is not installed
ALT_NAMES = {FANGSONG: "仿宋", KAITI: "楷体", XIAOBIAOSONG: "宋体", HEITI: "SimHei", SONGTI: "SimSun"}

RED = RGBColor(0xFF, 0x00, 0x00)
BODY = Pt(16)  # 3号
TITLE = Pt(22)  # 2号
ISSUER = Pt(30)
TABLE = Pt(10.5)  # 5号
LINE = Pt(28)
INDENT = Pt(32)  # two characters of 3号
TEXT_WIDTH = Mm(156)
TABLE_STYLE = "Bulletin Table"
CHART_HEIGHT = Mm(160)


def set_fonts(rpr_owner, east_asia: str, latin: str = LATIN) -> None:
    """w:rFonts on a run or a style: the Chinese font in w:eastAsia (python-docx's font.name sets only the Latin
    ones), Latin fonts for digits; theme fonts removed so they do not win over the names."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in list(fonts.attrib):
        if attr.endswith("Theme"):
            del fonts.attrib[attr]
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _run(paragraph: Paragraph, text: str, font: str, size, *, bold: bool = False, color=None, latin: str = LATIN):
    run = paragraph.add_run(text)
    set_fonts(run._element, font, latin)
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    return run


def _fixed(paragraph: Paragraph, line=LINE) -> None:
    pf = paragraph.paragraph_format
    pf.line_spacing = line
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)


def _indent(paragraph: Paragraph) -> None:
    paragraph.paragraph_format.first_line_indent = INDENT
    ind = paragraph._p.get_or_add_pPr().find(qn("w:ind"))
    if ind is not None:
        ind.set(qn("w:firstLineChars"), "200")  # two characters whatever the size


def _el(tag: str, parent=None, **attrs: str):
    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    if parent is not None:
        parent.append(element)
    return element


def _row_xml(values: Sequence[object], style_id: str, widths: Sequence[str] | None):
    """<w:tr> of plain cells in the table's paragraph style, never split across pages."""
    tr = _el("w:tr")
    _el("w:cantSplit", _el("w:trPr", tr))
    for i, value in enumerate(values):
        tc = _el("w:tc", tr)
        if widths and i < len(widths):
            _el("w:tcW", _el("w:tcPr", tc), w=widths[i], type="dxa")
        p = _el("w:p", tc)
        _el("w:pStyle", _el("w:pPr", p), val=style_id)
        t = _el("w:t", _el("w:r", p))
        t.set(qn("xml:space"), "preserve")
        t.text = str(value)
    return tr


class _Writer:
    def __init__(self, data: dict) -> None:
        self.data = data
        self._last_table: tuple | None = None
        self.doc: DocumentObject = Document()
        self._setup()

    # — the page, the styles, the fonts ————————————————————————————————————————
    def _setup(self) -> None:
        doc = self.doc
        section = doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.header_distance, section.footer_distance = Mm(15), Mm(25)
        section.start_type = WD_SECTION.NEW_PAGE
        normal = doc.styles["Normal"]
        set_fonts(normal.element, FANGSONG)
        normal.font.size = BODY
        rpr = normal.element.get_or_add_rPr()
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")
        rpr.append(lang)
        pf = normal.paragraph_format
        pf.line_spacing = LINE
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.space_before = pf.space_after = Pt(0)
        defaults = doc.styles.element.find(qn("w:docDefaults"))
        if defaults is not None:
            for fonts in defaults.iter(qn("w:rFonts")):
                for attr in list(fonts.attrib):
                    if attr.endswith("Theme"):
                        del fonts.attrib[attr]
                fonts.set(qn("w:eastAsia"), FANGSONG)
                fonts.set(qn("w:ascii"), LATIN)
                fonts.set(qn("w:hAnsi"), LATIN)
        table_style = doc.styles.add_style(TABLE_STYLE, 1)  # a paragraph style for the cells
        table_style.base_style = normal
        set_fonts(table_style.element, FANGSONG)
        table_style.font.size = TABLE
        tpf = table_style.paragraph_format
        tpf.line_spacing = 1.0
        tpf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        tpf.first_line_indent = Pt(0)
        tpf.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._font_table()
        self._footers()

    def _font_table(self) -> None:
        """Each 公文 font in the font table with a Windows font's name as w:altName (used when it is missing)."""
        for rel in self.doc.part.rels.values():
            if rel.reltype.endswith("/fontTable"):
                part = rel.target_part
                break
        else:
            return
        element = getattr(part, "_element", None)
        if element is None:
            element = parse_xml(part.blob)
        for font in element.findall(qn("w:font")):
            if font.get(qn("w:name")) in ALT_NAMES:
                element.remove(font)
        for name, alt in ALT_NAMES.items():
            element.append(
                parse_xml(
                    f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/>'
                    '<w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>'
                )
            )
        if not hasattr(part, "_element"):
            from lxml import etree

            part._blob = etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)

    def _footers(self) -> None:
        self.doc.settings.odd_and_even_pages_header_footer = True
        section = self.doc.sections[0]
        for footer, align in (
            (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
            (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
        ):
            footer.is_linked_to_previous = False
            p = footer.paragraphs[0]
            p.alignment = align
            p.paragraph_format.first_line_indent = Pt(0)
            if align == WD_ALIGN_PARAGRAPH.RIGHT:
                p.paragraph_format.right_indent = Pt(14)
            else:
                p.paragraph_format.left_indent = Pt(14)
            _run(p, "— ", SONGTI, Pt(14), latin=SONGTI)
            self._page_field(p)
            _run(p, " —", SONGTI, Pt(14), latin=SONGTI)

    @staticmethod
    def _page_field(p: Paragraph) -> None:
        for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("text", "1"), ("end", None)):
            run = _run(p, "", SONGTI, Pt(14), latin=SONGTI)
            if kind == "instr":
                instr = OxmlElement("w:instrText")
                instr.set(qn("xml:space"), "preserve")
                instr.text = text
                run._element.append(instr)
            elif kind == "text":
                run.text = text or ""
            else:
                fld = OxmlElement("w:fldChar")
                fld.set(qn("w:fldCharType"), kind)
                run._element.append(fld)

    # — paragraphs ———————————————————————————————————————————————————————————
    def body(self, text: str = "", *, indent: bool = True, align=None) -> Paragraph:
        p = self.doc.add_paragraph()
        _fixed(p)
        if indent:
            _indent(p)
        if align is not None:
            p.alignment = align
        if text:
            _run(p, text, FANGSONG, BODY)
        return p

    def heading(self, text: str, level: int = 1) -> Paragraph:
        p = self.doc.add_paragraph()
        _fixed(p)
        _indent(p)
        p.paragraph_format.keep_with_next = True
        if level == 1:
            _run(p, text, HEITI, BODY)
        elif level == 2:
            _run(p, text, KAITI, BODY)
        else:
            _run(p, text, FANGSONG, BODY, bold=True)
        return p

    def numbered(self, lead: str, text: str) -> Paragraph:
        """1. 孔家坊村。 in bold 仿宋, then its text on the same paragraph."""
        p = self.body()
        _run(p, lead, FANGSONG, BODY, bold=True)
        if text:
            _run(p, text, FANGSONG, BODY)
        return p

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]], widths_mm: Sequence[float] | None = None):
        table = self.doc.add_table(rows=1, cols=len(headers))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        header = table.rows[0]
        trpr = header._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")  # the header row on every page
        repeat.set(qn("w:val"), "true")
        trpr.append(repeat)
        for cell, text in zip(header.cells, headers, strict=True):
            p = cell.paragraphs[0]
            p.style = TABLE_STYLE
            _run(p, str(text), HEITI, TABLE)
        widths = [str(Mm(w).twips) for w in widths_mm] if widths_mm else None
        if widths:
            table.autofit = False
            for col, w in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=False):
                col.set(qn("w:w"), w)  # LibreOffice lays the table out by its grid
            for cell, w in zip(header.cells, widths, strict=False):
                cell.width = Twips(int(w))
        style_id = self.doc.styles[TABLE_STYLE].style_id
        tbl = table._tbl
        for values in rows:  # built as XML: python-docx's add_row and row.cells walk the whole table (quadratic)
            tbl.append(_row_xml(values, style_id, widths))
        spacer = self.doc.add_paragraph()
        spacer.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        self._last_table = (table, spacer)
        return table

    # — the document ————————————————————————————————————————————————————————
    def write(self) -> bytes:
        data = self.data
        doc = self.doc
        issuer = doc.add_paragraph()
        issuer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        issuer.paragraph_format.space_after = Pt(6)
        issuer.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        _run(issuer, data["issuer"], XIAOBIAOSONG, ISSUER, color=RED, latin=XIAOBIAOSONG)
        if data.get("number"):
            number = self.body(data["number"], indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
            number.paragraph_format.space_before = Pt(12)
        rule = self.body(indent=False)  # the red separator line
        ppr = rule._p.get_or_add_pPr()
        ppr.append(
            parse_xml(
                f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="12" w:space="1" w:color="FF0000"/></w:pBdr>'
            )
        )
        rule.paragraph_format.line_spacing = Pt(8)
        note = rc.correction_note(data)
        if note:
            p = self.body()
            p.paragraph_format.space_before = Pt(8)
            _run(p, note, KAITI, BODY, bold=True, color=RED)
        title = doc.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.space_before = Pt(24)
        title.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        _run(title, data["title"], XIAOBIAOSONG, TITLE, latin=XIAOBIAOSONG)
        sub = self.body(indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
        sub.paragraph_format.space_after = Pt(12)
        _run(sub, rc.subtitle(data), KAITI, BODY)
        for key, heading in rc.sections(data):
            if heading:
                self.heading(heading)
            getattr(self, f"_{key}")()
        self._keep_last_with_signature()
        self.body().paragraph_format.keep_with_next = True
        signature = self.body(data["issuer"], indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
        signature.paragraph_format.right_indent = Pt(32)
        signature.paragraph_format.keep_with_next = True
        date = self.body(rc.written_date(data), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
        date.paragraph_format.right_indent = Pt(64)  # 成文日期右空四字
        buf = io.BytesIO()
        doc.save(buf)
        return buf.getvalue()

    def _keep_last_with_signature(self) -> None:
        """The issuer and date never stand alone on a last page: the body's last paragraph (or the last table's
        last row) is kept with them."""
        last = self.doc.paragraphs[-1]
        if self._last_table and self._last_table[1]._p is last._p:
            table, spacer = self._last_table
            for cell in table.rows[-1].cells:
                for p in cell.paragraphs:
                    p.paragraph_format.keep_with_next = True
            spacer.paragraph_format.keep_with_next = True
        else:
            last.paragraph_format.keep_with_next = True

    # — the sections ————————————————————————————————————————————————————————
    def _empty(self) -> None:
        self.body(rc.empty_note(self.data))

    def _ranking(self) -> None:
        data = self.data
        self.body(rc.weights_note(data))
        comps = rc.components(data)
        other = (156 - 12 - 38 - 18 - 20) / max(len(comps), 1)
        self.table(
            rc.ranking_headers(data),
            rc.ranking_rows(data),
            [12, 38, 18, *([other] * len(comps)), 20],
        )
        png = chart.ranking_png(data)
        with Image.open(io.BytesIO(png)) as image:
            w, h = image.size
        width = min(TEXT_WIDTH, int(CHART_HEIGHT * w / h))  # a tall chart keeps to one page
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE  # a fixed spacing would crop the picture
        p.add_run().add_picture(io.BytesIO(png), width=width)

    def _best(self) -> None:
        for level2, key in ((_("（一）先进村"), "best"), (_("（二）后进村"), "laggards")):
            items = self.data.get(key) or []
            if not items:
                continue
            self.heading(level2, 2)
            for i, item in enumerate(items, start=1):
                lead = _("%(i)s. %(name)s（第%(rank)s名，%(score)s分）。") % {
                    "i": i,
                    "name": item["name"],
                    "rank": item["rank"],
                    "score": rc.dash(item["score"]),
                }
                reasons = "；".join(item.get("reasons") or [])
                self.numbered(lead, f"{reasons}。" if reasons else "")

    def _targets(self) -> None:
        targets = self.data["targets"]
        self.body(rc.targets_line(targets))
        red = targets.get("red_list") or []
        if red:
            self.heading(_("（一）红灯指标"), 2)
            for i, r in enumerate(red, start=1):
                self.numbered(f"{i}. {r['code']} {r['name']}。", f"{r['sentence']}。")

    def _cases(self) -> None:
        self.body(rc.cases_line(self.data["cases"]))

    def _patrol(self) -> None:
        self.body(rc.patrol_line(self.data["patrol"]))

    def _ledgers(self) -> None:
        ledgers = self.data["ledgers"]
        self.body(rc.ledgers_line(ledgers))
        stale = ledgers.get("stale") or []
        if stale:
            self.body(
                _("未按时更新的台账：%(list)s。")
                % {"list": "、".join(f"{s['name']}（{_('最近更新')} {rc.dash(s['last'])}）" for s in stale)}
            )

    def _projects(self) -> None:
        projects = self.data["projects"]
        self.body(rc.projects_line(projects))
        items = projects.get("list") or []
        if items:
            self.table(
                [_("项目"), _("村（社区）"), _("计划投资（万元）"), _("完成投资（万元）"), _("差额（万元）")],
                [[p["name"], p["village"], p["planned"], p["done"], p["gap"]] for p in items],
                [52, 28, 26, 26, 24],
            )

    def _tax(self) -> None:
        self.body(rc.tax_line(self.data["tax"]))

    def _decisions(self) -> None:
        decisions = self.data["decisions"]
        self.body(rc.decision_summary(decisions))
        items = decisions.get("items") or []
        if items:
            self.table(
                [_("事项"), _("责任单位"), _("办结时限"), _("状态")],
                [[i["text"], i["owner"], rc.dash(i["deadline"]), i["status_label"]] for i in items],
                [66, 44, 24, 22],
            )

    def _supervision(self) -> None:
        batches = self.data["supervision"]["batches"]
        self.table(
            [_("批次"), _("交办单位"), _("交办日期"), _("事项"), _("已办结")],
            [[b["name"], b["issuer"], b["received_on"], str(b["items"]), str(b["closed"])] for b in batches],
            [46, 40, 26, 22, 22],
        )


def document(data: dict) -> bytes:
    """The .docx bytes of one frozen week."""
    return _Writer(data).write()
