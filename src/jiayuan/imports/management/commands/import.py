"""``jiayuan import residents FILE --region CODE [--sheet NAME] [--dry-run]
[--all-or-nothing] [--report OUT.xlsx] [--json]``: import a resident roster.

A fixed contract (scripts and tests rely on it):

- ``--region``: the community, village or grid the rows belong to when they name no
  grid; a row whose grid lies outside it is ``region.out_of_scope``.
- ``--json``: stdout is one JSON object ``{"rows", "created", "updated", "unchanged",
  "errors", "warnings", "error_rows": [{"row", "column", "code", "message"}],
  "warning_rows": [...]}``; a file refused as a whole gives ``{"error": {"code",
  "message"}}``.
- exit status 0 when no row failed, 1 when some rows failed, 2 when the file was
  rejected as a whole (also for an unknown region, a missing file, and an import that
  broke off unexpectedly: code ``import.failed``, the traceback goes to the log).

The command acts as the system (audit source ``command``, ``extra.import_job``).
Codes and messages: ``docs/import.md``.

``jiayuan import beneficiaries FILE --region CODE --user USERNAME [--program CODE]
[--start-month YYYY-MM] [--sheet NAME] [--dry-run] [--all-or-nothing] [--report OUT.xlsx]
[--json]``: import a beneficiary roster (享受对象花名册) of registered persons into a
program (:mod:`jiayuan.imports.beneficiaries`), enrolling each row as ``--user`` (a
county officer or the city administrator: ``decide_applications``); ``--region`` is a
county, township, community/village or grid of the user's scope. Same JSON and exit
statuses; ``created`` counts enrollments.
"""

import json
import logging
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from jiayuan.audit.services import Actor
from jiayuan.imports import report, services
from jiayuan.imports.rules import FileRejected, reject
from jiayuan.imports.selectors import job_summary
from jiayuan.errors import translate_rule_error

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = ("导入台账：jiayuan import residents 文件 --region 区划代码（社区、村或网格）；"
            "jiayuan import beneficiaries 文件 --region 区划代码 --user 用户名 [--program 项目] [--start-month 年-月]")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["residents", "beneficiaries"],
                            help="导入的台账类型：residents 居民花名册，beneficiaries 享受对象花名册")
        parser.add_argument("file", help=".xlsx、.xls、.ods、.csv 或 .txt 文件")
        parser.add_argument("--region", required=True, help="社区（村）或网格的区划代码")
        parser.add_argument("--sheet", default=None, help="工作表名称（默认：第一个有表头的工作表）")
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告，不写入")
        parser.add_argument("--all-or-nothing", action="store_true", help="有任何一行出错就一行也不写入")
        parser.add_argument("--report", default=None, help="写出错误工作簿（.xlsx）的路径")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")
        parser.add_argument("--program", default=None,
                            help="beneficiaries：救助项目代码或名称（表中无“项目”列或该列为空时适用）")
        parser.add_argument("--start-month", default=None,
                            help="beneficiaries：起始月份 YYYY-MM（表中无“起始月份”列或该列为空时适用）")
        parser.add_argument("--user", default=None,
                            help="beneficiaries：以该用户的名义纳入（县区民政业务人员或市级管理员）")

    def handle(self, *args, **opts):
        status = self._run(opts)
        if status:
            sys.exit(status)

    def _reject(self, opts, exc: FileRejected) -> int:
        message = translate_rule_error(exc)
        if opts["json"]:
            self.stdout.write(json.dumps({"error": {"code": exc.code, "message": message}}, ensure_ascii=False))
        else:
            self.stderr.write(f"文件未导入（{exc.code}）：{message}")
        return 2

    def _run(self, opts) -> int:
        if opts["kind"] == "beneficiaries":
            return self._run_beneficiaries(opts)
        path = Path(opts["file"])
        try:
            region = services.resolve_region(None, opts["region"])
            try:
                data = path.read_bytes()
            except OSError:
                raise reject("file.not_found", path=str(path)) from None
        except FileRejected as exc:
            return self._reject(opts, exc)
        actor = Actor(None, "command")
        job = services.create_job(actor, region, path.name, data, sheet=opts["sheet"], dry_run=opts["dry_run"],
                                  all_or_nothing=opts["all_or_nothing"], store_file=False)
        return self._finish(opts, job, lambda progress: services.run_import(
            job, data, progress=progress, keep_sheet=bool(opts["report"])))

    def _run_beneficiaries(self, opts) -> int:
        from jiayuan.imports import beneficiaries

        path = Path(opts["file"])
        try:
            user = beneficiaries.resolve_user(opts["user"])
            region = beneficiaries.resolve_scope(user, opts["region"])
            program = beneficiaries.resolve_program(opts["program"]) if opts["program"] else None
            start_month = beneficiaries.parse_month_option(opts["start_month"])
            try:
                data = path.read_bytes()
            except OSError:
                raise reject("file.not_found", path=str(path)) from None
        except FileRejected as exc:
            return self._reject(opts, exc)
        job = beneficiaries.create_beneficiary_job(
            Actor(user, "command"), region, path.name, data, program=program, start_month=start_month,
            sheet=opts["sheet"], dry_run=opts["dry_run"], all_or_nothing=opts["all_or_nothing"])
        return self._finish(opts, job, lambda progress: beneficiaries.run_beneficiary_import(
            job, data, user, progress=progress))

    def _finish(self, opts, job, run) -> int:
        progress = None
        if opts["verbosity"] >= 2 and not opts["json"]:
            def progress(stage, done, total):
                self.stderr.write(f"{ {'validating': '校验', 'writing': '写入'}.get(stage, stage)}：{done}/{total}")
        try:
            result = run(progress)
        except Exception:  # noqa: BLE001 - the job records it; the worker gets a sentence, the log the traceback
            logger.exception("import job %s failed", job.pk)
            job.refresh_from_db()
            return self._reject(opts, FileRejected("import.failed", "%(m)s", {"m": job.error_message}))
        if result.rejected is not None:
            return self._reject(opts, result.rejected)
        summary = job_summary(result.job)
        if opts["report"]:
            report.write_report(opts["report"], result.sheet, result.header_index, result.columns, result.issues)
        if opts["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self._print(summary, job)
        return 1 if summary["errors"] else 0

    def _print(self, s: dict, job) -> None:
        mode = "（试运行，未写入）" if job.dry_run else ""
        if job.all_or_nothing and s["errors"] and not job.dry_run:
            mode = "（全有或全无：因有错误，未写入任何一行）"
        self.stdout.write(
            f"导入任务 #{job.pk}{mode}：共 {s['rows']} 行，新增 {s['created']}，更新 {s['updated']}，"
            f"未变 {s['unchanged']}，错误 {s['errors']} 行，提示 {s['warnings']} 条。"
        )
        for kind, items in (("错误", s["error_rows"]), ("提示", s["warning_rows"])):
            for item in items:
                col = f"【{item['column']}】" if item["column"] else ""
                self.stdout.write(f"{kind} 第 {item['row']} 行{col}{item['message']}（{item['code']}）")
