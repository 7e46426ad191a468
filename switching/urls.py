from django.urls import path

from switching import views

app_name = "switching"

urlpatterns = [
    path("transfert/<str:token>/", views.objection, name="objection"),
]
