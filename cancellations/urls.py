from django.urls import path

from cancellations import portal_views, views

app_name = "cancellations"

urlpatterns = [
    path("comment-ca-marche/", views.how_it_works, name="how_it_works"),
    path("ligne-telephonique/", views.phone_line, name="phone_line"),
    path("resiliation/", portal_views.cancel, name="cancel"),
    path("resiliation/recapitulatif/", portal_views.summary, name="summary"),
    path("resiliation/confirmer/", portal_views.submit, name="submit"),
    path("resiliation/envoyee/<str:reference>/", portal_views.request_sent, name="request_sent"),
    path("mes-demandes/", portal_views.request_list, name="request_list"),
    path("mes-demandes/<str:reference>/", portal_views.request_detail, name="request_detail"),
    path("mes-demandes/<str:reference>/retirer/", portal_views.withdraw, name="withdraw"),
]
