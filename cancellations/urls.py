from django.urls import path

from cancellations import info_views, public_views, views

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
    path("mes-demandes/<str:reference>/boites-mail/", views.keep_mailboxes, name="keep_mailboxes"),
    path("mes-demandes/<str:reference>/recu.pdf", views.receipt, name="receipt"),
    # Without logging in (SPEC §3.8).
    path("resilier-mon-contrat/", public_views.start, name="public_cancel"),
    path("resilier-mon-contrat/<str:token>/", public_views.code, name="public_code"),
    path(
        "resilier-mon-contrat/<str:token>/nouveau-code/",
        public_views.new_code,
        name="public_new_code",
    ),
    path(
        "resilier-mon-contrat/<str:token>/confirmer/", public_views.confirm, name="public_confirm"
    ),
    path("resilier-mon-contrat/<str:token>/resultat/", public_views.done, name="public_done"),
    path("resilier-mon-contrat/<str:token>/recu.pdf", public_views.receipt, name="public_receipt"),
]
