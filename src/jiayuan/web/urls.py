"""Page routes. One namespace (``web``) for the whole site; the views live in each
app's ``views.py`` (regions, people, audit) and the shell's in :mod:`jiayuan.web.views`."""

from django.urls import include, path

from ..audit import views as audit_views
from ..people import views as people_views
from ..regions import views as region_views
from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("todo/", views.todo_page, name="todo"),
    # region tree and grid management
    path("regions/", region_views.region_tree, name="region_tree"),
    path("regions/<str:code>/", region_views.region_detail, name="region_detail"),
    path("regions/<str:code>/grids/new/", region_views.grid_create, name="grid_create"),
    path("regions/<str:code>/move/", region_views.households_move, name="households_move"),
    path("grids/<str:code>/edit/", region_views.grid_edit, name="grid_edit"),
    path("grids/<str:code>/split/", region_views.grid_split, name="grid_split"),
    # persons
    path("persons/", people_views.person_list, name="person_list"),
    path("persons/new/", people_views.person_create, name="person_create"),
    path("persons/<int:pk>/", people_views.person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", people_views.person_edit, name="person_edit"),
    path("persons/<int:pk>/reveal/", people_views.person_reveal, name="person_reveal"),
    path("persons/<int:pk>/tags/", people_views.person_tag_add, name="person_tag_add"),
    path("persons/<int:pk>/tags/<int:tag_id>/end/", people_views.person_tag_end, name="person_tag_end"),
    path("persons/<int:pk>/life-status/", people_views.person_life_status, name="person_life_status"),
    # households
    path("households/", people_views.household_list, name="household_list"),
    path("households/new/", people_views.household_create, name="household_create"),
    path("households/<int:pk>/", people_views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", people_views.household_edit, name="household_edit"),
    path("households/<int:pk>/members/", people_views.household_member_add, name="household_member_add"),
    path("households/<int:pk>/members/<int:person_id>/remove/", people_views.household_member_remove,
         name="household_member_remove"),
    path("households/<int:pk>/head/", people_views.household_head, name="household_head"),
    # audit log
    path("audit/", audit_views.audit_list, name="audit_list"),
    # roster import and export
    path("", include("jiayuan.imports.urls")),
]
