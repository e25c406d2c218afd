"""``jiayuan refresh_dashboards``: recompute the precomputed dashboard panels of the city
and the counties now (``--now``, in this process) or queue the periodic background
refresh (default: the task runs in ``jiayuan worker`` and queues its next run every
``STATS_DASHBOARD_REFRESH_SECONDS``). Run once after deployment to start the periodic
refresh (``jiayuan demo-setup`` starts it itself); while a periodic run is queued, the
queued run is a one-off and the chain stays one."""

import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "更新市、县（区）看板的预先汇总数据：--now 立即在本进程计算，否则提交后台定时任务"

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="立即在本进程计算")
        parser.add_argument("--region", action="append", help="只更新该区划（可重复）")
        parser.add_argument("--period", action="append", help="只更新该统计期（可重复，如 2019、2019H1）")

    def handle(self, *args, now=False, region=None, period=None, **options):
        from jiayuan.stats.dashboards import services, tasks

        if now:
            t = time.perf_counter()
            n = services.refresh(region, period)
            self.stdout.write(f"已更新 {n} 个看板面板，用时 {time.perf_counter() - t:.1f} 秒")
            return
        # one periodic chain: while a periodic run is queued (e.g. by demo-setup) this run is a one-off
        periodic = not region and not period and not tasks.periodic_pending()
        tasks.refresh_dashboards.enqueue(regions=region, periods=period, periodic=periodic)
        self.stdout.write("已提交后台更新任务（由 jiayuan worker 执行）"
                          + ("，此后定时更新" if periodic else ""))
