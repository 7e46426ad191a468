from django.contrib.auth import views as auth_views
from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("forfaits/", views.plans, name="plans"),
    path(
        "abonnements/<str:reference>/code-de-transfert/",
        views.renew_switching_code,
        name="renew_switching_code",
    ),
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe-oublie/", views.password_forgotten, name="password_forgotten"),
    path("premier-acces/", views.activate, name="activate"),
    path("lien-envoye/", views.link_sent, name="link_sent"),
    path("mot-de-passe/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
    path("demo/boite-mail/", views.demo_mailbox, name="demo_mailbox"),
]
