from django.urls import path

from switching import views

app_name = "switching"

urlpatterns = [
    path("transfert/<str:token>/", views.objection, name="objection"),
    # The client area's "Je n'ai rien demandé" on a switch's request page.
    path(
        "mes-demandes/<str:reference>/arreter-le-transfert/",
        views.client_stop,
        name="client_stop",
    ),
]
