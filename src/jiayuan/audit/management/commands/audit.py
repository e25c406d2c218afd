"""``jiayuan audit verify [--anchor FILE]...`` and ``jiayuan audit anchor [--out FILE]``.

``verify`` checks the audit log's keyed hash chain in one consistent snapshot; with
``--anchor`` also the anchors kept in FILE (each anchor's sequence number must still
carry the anchored hash). Exits 0 on an intact chain; exits 1 naming the first bad
entry otherwise; exits 2 when an anchor file cannot be read or holds a line that is not
an anchor.

``anchor`` verifies the chain, then prints the chain head as one JSON line
(``{"algorithm": 2, "hash": "…", "seq": N, "time": "…"}``), or appends that line to
FILE with ``--out``: keep it away from the database (printed, mailed, written to
another system), so that a rewrite of the log before it is caught later by
``verify --anchor``, even by someone who holds the audit key. Exits 1 (and writes
nothing) when the chain does not verify or the log is empty.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext

from jiayuan.audit import rules
from jiayuan.audit.selectors import verify_chain


def _why(exc: Exception) -> str:
    """A short Chinese reason for a file that cannot be read or written."""
    if isinstance(exc, FileNotFoundError):
        return gettext("文件或目录不存在")
    if isinstance(exc, PermissionError):
        return gettext("没有权限")
    if isinstance(exc, IsADirectoryError):
        return gettext("这是一个目录")
    if isinstance(exc, UnicodeDecodeError):
        return gettext("不是 UTF-8 文本")
    return str(getattr(exc, "strerror", None) or exc)


class Command(BaseCommand):
    help = "审计日志工具：verify 校验哈希链是否完整（--anchor 同时核对锚点）；anchor 输出或追加当前链尾锚点"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "anchor"])
        parser.add_argument("--anchor", action="append", default=[], metavar="FILE",
                            help="verify：核对此文件中记录的锚点（可重复）")
        parser.add_argument("--out", metavar="FILE", help="anchor：把锚点追加写入此文件，而不是输出")

    def handle(self, *args, **opts):
        if opts["action"] == "anchor":
            return self.anchor(opts["out"])
        anchors = []
        for name in opts["anchor"]:
            anchors.extend(self.read_anchors(name))
        result = verify_chain(anchors=anchors)
        if result.ok:
            if anchors:
                self.stdout.write(gettext("审计日志完整：共 %(count)s 条记录，哈希链校验通过，%(anchors)s 个锚点相符。")
                                  % {"count": result.checked, "anchors": result.anchors})
            else:
                self.stdout.write(gettext("审计日志完整：共 %(count)s 条记录，哈希链校验通过。") % {"count": result.checked})
            return
        self.fail(result)

    def fail(self, result):
        if result.bad_seq is None:
            self.stderr.write(gettext("审计日志校验失败：%(reason)s") % {"reason": result.reason})
        else:
            self.stderr.write(gettext("审计日志校验失败：第 %(seq)s 条记录。%(reason)s")
                              % {"seq": result.bad_seq, "reason": result.reason})
        sys.exit(1)

    def read_anchors(self, name: str) -> list[dict]:
        try:
            text = Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.stderr.write(gettext("无法读取锚点文件 %(file)s：%(error)s") % {"file": name, "error": _why(exc)})
            sys.exit(2)
        anchors = []
        for number, line in enumerate(text.splitlines(), 1):
            try:
                anchor = rules.parse_anchor(line)
            except rules.AnchorError as exc:
                self.stderr.write(gettext("锚点文件 %(file)s 第 %(line)s 行不是锚点：%(reason)s")
                                  % {"file": name, "line": number, "reason": gettext(str(exc))})
                sys.exit(2)
            if anchor is not None:
                anchors.append(anchor)
        return anchors

    def anchor(self, out: str | None):
        result = verify_chain()
        if not result.ok:
            self.fail(result)
        if result.head_seq == 0:
            self.stderr.write(gettext("审计日志为空，没有可记录的锚点。"))
            sys.exit(1)
        line = rules.anchor_line(result.head_seq, result.head_hash,
                                 timezone.localtime().isoformat(timespec="seconds"))
        if not out:
            self.stdout.write(line)
            return
        try:
            with open(out, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        except OSError as exc:
            self.stderr.write(gettext("无法写入锚点文件 %(file)s：%(error)s") % {"file": out, "error": _why(exc)})
            sys.exit(2)
        self.stdout.write(gettext("已将锚点（第 %(seq)s 条，哈希 %(hash)s）追加写入 %(file)s。")
                          % {"seq": result.head_seq, "hash": result.head_hash, "file": out})
