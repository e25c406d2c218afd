"""Workbooks of the workforce pages and API: the roster of community workers, the
roster of social workers with their hours, and the figures of a region. Chinese file
names with an ASCII fallback, like every export (``东街街道-社区工作者名册-2026-12-07.xlsx``)."""

from __future__ import annotations

from datetime import date

from ..facilities.exports import facility_file_names, workbook
from . import rules, selectors


# One naming for the facility and workforce workbooks (region short name, what, day).
file_names = facility_file_names


def workers_xlsx(region, workers, today: date) -> bytes:
    rows = []
    for w in workers:
        g = selectors.grade_status(w, today)
        rows.append([w.community.code, w.community.short_name, w.person.name, str(w.get_post_display()), w.grade,
                     f"{w.grade_since:%Y-%m-%d}", f"{w.started_on:%Y-%m-%d}", rules.full_years(w.started_on, today),
                     g.steps_due, f"{g.next_step_on:%Y-%m-%d}" if g.next_step_on else "", str(w.get_status_display())])
    return workbook(f"{region.name if region else '全部区划'} 社区工作者名册（{selectors.grade_scheme()['name']}；{today:%Y-%m-%d}）",
                 "社区工作者", ["区划代码", "社区（村）", "姓名", "岗位", "等级", "现等级起始", "参加社区工作时间", "工作年限",
                             "应晋升级数", "下次晋升日期", "状态"], rows, [15, 16, 10, 8, 6, 12, 14, 8, 10, 12, 8])


def social_workers_xlsx(region, social_workers, today: date) -> bytes:
    rows = []
    for w in social_workers:
        p = selectors.education_period(w, today)
        rows.append([w.region.code, w.person.name, str(w.get_level_display()), w.certificate_number,
                     f"{w.certified_on:%Y-%m-%d}", f"{p.start:%Y-%m-%d}", f"{p.end:%Y-%m-%d}", p.required, p.hours,
                     p.shortfall])
    return workbook(f"{region.name if region else '全部区划'} 社会工作者名册（继续教育：助理 72 学时、其他 90 学时/3 年；{today:%Y-%m-%d}）",
                 "社会工作者", ["区划代码", "姓名", "级别", "证书编号", "取得证书日期", "本周期起", "本周期止", "应修学时",
                             "已修学时", "尚差学时"], rows, [15, 10, 14, 16, 12, 12, 12, 10, 10, 10])


def figures_xlsx(f, today: date) -> bytes:
    rows = [["在岗社区工作者（城市社区）", f.workers], ["城市社区常住居民（居民档案）", f.urban_residents],
            ["每万城镇居民社区工作者数", f.per_10k], ["国家指标", f.target],
            ["社区干部培训：参训人数（去重）", f.cadres_trained], ["社区干部培训：班次", f.cadre_sessions],
            ["考前培训：班次", f.exam_classes], ["考前培训：参训人次", f.exam_trainees],
            ["考前培训：参训人数（去重）", f.exam_trainee_persons]]
    rows += [[f"社会工作者：{label}", f.social_workers.get(code, 0)] for code, label in (
        ("assistant", "助理社会工作师"), ("intermediate", "社会工作师"), ("senior", "高级社会工作师"))]
    return workbook(f"{f.region.name} 社区工作者队伍统计（{f.start:%Y-%m-%d} 至 {f.end:%Y-%m-%d}）", "队伍统计",
                 ["指标", "数值"], rows, [34, 14])
