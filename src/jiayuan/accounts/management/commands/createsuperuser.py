"""``jiayuan createsuperuser``: Django's command (interactive or ``--noinput`` with
``DJANGO_SUPERUSER_USERNAME`` / ``DJANGO_SUPERUSER_PASSWORD``), plus an audit entry.
A superuser is a system administrator whose scope is the whole tree."""

from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import createsuperuser
from django.db import transaction

from jiayuan.audit.services import Actor, record


class Command(createsuperuser.Command):
    help = "创建系统管理员（超级用户，管辖范围为全部区划）；--noinput 时从环境变量读取用户名和密码"

    def handle(self, *args, **options):
        User = get_user_model()
        before = set(User.objects.filter(is_superuser=True).values_list("pk", flat=True))
        with transaction.atomic():
            super().handle(*args, **options)
            for user in User.objects.filter(is_superuser=True).exclude(pk__in=before):
                record(Actor(None, "command"), "user.create", user, changes={"is_superuser": [None, True]})
