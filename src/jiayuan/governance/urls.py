"""Governance pages (namespace ``governance``, mounted at ``/governance/``)."""

from django.urls import path

from .access import views as access
from .activities import views as activities
from .bodies import views as bodies
from .evaluation import views as evaluation
from .mediation import views as mediation
from .tips import views as tips
from .volunteers import views as volunteers

app_name = "governance"
urlpatterns = [
    path("tips/", tips.tip_list, name="tip_list"),
    path("tips/new/", tips.tip_new, name="tip_new"),
    path("tips/counts/", tips.tip_counts, name="tip_counts"),
    path("tips/handlers/", tips.tip_handlers, name="tip_handlers"),
    path("tips/<int:pk>/", tips.tip_detail, name="tip_detail"),
    path("tips/<int:pk>/status/", tips.tip_status, name="tip_status"),
    path("tips/<int:pk>/act/", tips.tip_act, name="tip_act"),
    path("requests/", access.request_list, name="request_list"),
    path("requests/new/", access.request_new, name="request_new"),
    path("requests/burden/", access.burden, name="burden"),
    path("requests/<int:pk>/", access.request_detail, name="request_detail"),
    path("bodies/", bodies.bodies, name="bodies"),
    path("bodies/<int:pk>/", bodies.body_detail, name="body_detail"),
    path("bodies/<int:pk>/members/", bodies.body_member_add, name="body_member_add"),
    path("compacts/", bodies.compacts, name="compacts"),
    path("compacts/<int:pk>/", bodies.compact_detail, name="compact_detail"),
    path("public/<str:code>/", bodies.public_community, name="public_community"),
    path("evaluation/", evaluation.evaluation_list, name="evaluation_list"),
    path("evaluation/<int:pk>/", evaluation.evaluation_detail, name="evaluation_detail"),
    path("evaluation/<int:pk>/export/", evaluation.evaluation_export, name="evaluation_export"),
    path("evaluation/<int:pk>/rows/<int:item>/<str:code>/", evaluation.evaluation_rows, name="evaluation_rows"),
    path("activities/", activities.activity_list, name="activity_list"),
    path("activities/<int:pk>/", activities.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/participants/", activities.activity_participants, name="activity_participants"),
    path("activities/<int:pk>/photos/", activities.activity_photos, name="activity_photos"),
    path("activities/<int:pk>/photos/<int:photo_pk>/", activities.activity_photo, name="activity_photo"),
    path("volunteers/", volunteers.volunteer_list, name="volunteer_list"),
    path("volunteers/export/", volunteers.service_export, name="volunteer_service_export"),
    path("volunteers/confirm/", volunteers.confirm_list, name="confirm_list"),
    path("volunteers/records/<int:pk>/confirm/", volunteers.confirm_service, name="confirm_service"),
    path("volunteers/certificates/<int:pk>/", volunteers.certificate_print, name="certificate_print"),
    path("volunteers/<int:pk>/", volunteers.volunteer_detail, name="volunteer_detail"),
    path("mediation/", mediation.mediation_list, name="mediation_list"),
    path("mediation/new/", mediation.mediation_new, name="mediation_new"),
    path("mediation/results/", mediation.mediation_results, name="mediation_results"),
    path("mediation/committees/", mediation.committees, name="committees"),
    path("mediation/committees/<int:pk>/", mediation.committee_detail, name="committee_detail"),
    path("mediation/police/", mediation.police_reports, name="police_reports"),
    path("mediation/<str:number>/", mediation.mediation_detail, name="mediation_detail"),
    path("mediation/<str:number>/print/", mediation.agreement_print, name="agreement_print"),
    path("mediation/<str:number>/<slug:step>/", mediation.mediation_act, name="mediation_act"),
]
