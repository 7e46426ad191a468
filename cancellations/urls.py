from django.urls import path

from cancellations import views

app_name = "cancellations"

urlpatterns = [
    path("comment-ca-marche/", views.how_it_works, name="how_it_works"),
]
