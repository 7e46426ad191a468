from django.urls import path

from cancellations import info_views, views

app_name = "cancellations"

urlpatterns = [
    path("comment-ca-marche/", info_views.how_it_works, name="how_it_works"),
    path("ligne-telephonique/", info_views.phone_line, name="phone_line"),
    path("resiliation/", views.cancel, name="cancel"),
    path("resiliation/recapitulatif/", views.summary, name="summary"),
    path("resiliation/confirmer/", views.submit, name="submit"),
    path("resiliation/envoyee/<str:reference>/", views.request_sent, name="request_sent"),
    path("mes-demandes/", views.request_list, name="request_list"),
    path("mes-demandes/<str:reference>/", views.request_detail, name="request_detail"),
    path("mes-demandes/<str:reference>/retirer/", views.withdraw, name="withdraw"),
]
