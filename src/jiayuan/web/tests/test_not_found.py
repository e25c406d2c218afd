"""A NotFound raised by a service or selector reaches the user as a 404, never a 500."""

import pytest
from django.http import Http404
from django.test import RequestFactory

from jiayuan.errors import NotFound, ServiceError
from jiayuan.web.middleware import NotFoundMiddleware


def test_not_found_is_a_service_error_with_status_404_and_the_scope_message():
    exc = NotFound("household.not_found")
    assert isinstance(exc, ServiceError)
    assert exc.status == 404
    assert exc.as_dict()["error"]["code"] == "household.not_found"
    assert exc.message == "未找到该对象，或不在您的管辖范围内"


def test_a_page_view_letting_not_found_through_gets_django_404_handling():
    middleware = NotFoundMiddleware(lambda request: None)
    request = RequestFactory().get("/x/")
    with pytest.raises(Http404):
        middleware.process_exception(request, NotFound())


def test_other_exceptions_are_left_to_django():
    middleware = NotFoundMiddleware(lambda request: None)
    request = RequestFactory().get("/x/")
    assert middleware.process_exception(request, ValueError("x")) is None
