"""Pages of disability certificates (placeholder until the app's pages are built)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def certificate_list(request):
    return HttpResponse("")
