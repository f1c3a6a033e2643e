"""A conversation as a print-ready page for a dispute file (A4, black on white, no scripts).

Everything shown is escaped; a person joining or leaving the conversation is marked between the
messages; photos are short-lived links (they expire minutes after the page is made: print it,
or open the photos, right away).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING, Any

from chalicelib.domain.hours import CHINA

if TYPE_CHECKING:
    from chalicelib.domain.records import RecordQuery

STYLE = (
    "@page{size:A4;margin:18mm}body{font:11pt/1.5 'Noto Sans CJK SC','PingFang SC',sans-serif;"
    "color:#000;background:#fff}h1{font-size:14pt;margin:0 0 4mm}table{width:100%;"
    "border-collapse:collapse}td{border-bottom:0.3pt solid #999;padding:1.5mm 2mm;"
    "vertical-align:top}td.t{white-space:nowrap;width:34mm}td.w{white-space:nowrap;width:28mm}"
    "tr.mark td{font-style:italic;text-align:center;border:0}p.meta{font-size:9pt;margin:0 0 4mm}"
)


def render_transcript(
    rows: Sequence[dict[str, Any]], query: RecordQuery, made_by: str, unmasked: bool,
    now: float,
) -> str:  # fmt: skip
    made = datetime.fromtimestamp(now, CHINA).strftime("%Y-%m-%d %H:%M")
    since = datetime.fromtimestamp(query.since_ms / 1000, CHINA).strftime("%Y-%m-%d")
    until = datetime.fromtimestamp(query.until_ms / 1000, CHINA).strftime("%Y-%m-%d")
    masking = "个人信息未遮盖（已登记理由）" if unmasked else "个人信息已遮盖"
    lines = [
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">",
        f"<title>会话记录 {escape(since)}–{escape(until)}</title><style>{STYLE}</style></head>",
        "<body><h1>会话记录</h1>",
        f"<p class=\"meta\">期间 {escape(since)} 至 {escape(until)}；共 {len(rows)} 条；{masking}；"
        f"由 {escape(made_by)} 于 {escape(made)} 导出（已记入审计日志）</p><table>",
    ]
    with_person = False
    for row in rows:
        if row.get("staff") and not with_person:
            lines.append('<tr class="mark"><td colspan="3">—— 人工客服加入 ——</td></tr>')
            with_person = True
        elif with_person and row["direction"] == "out" and not row.get("staff"):
            lines.append('<tr class="mark"><td colspan="3">—— 回到自助服务 ——</td></tr>')
            with_person = False
        content = escape(row["content"] or "")
        if row.get("photo"):
            content += f' <a href="{escape(row["photo"])}">[查看照片]</a>'
        lines.append(f'<tr><td class="t">{escape(row["time"])}</td>'
                     f'<td class="w">{escape(row["who"])}</td><td>{content}</td></tr>')  # fmt: skip
    lines.append("</table></body></html>")
    return "\n".join(lines)
