from django.urls import path

from access_forms import views

app_name = "access_forms"

urlpatterns = [
    path("mes-demandes/<str:reference>/bon/", views.form_page, name="form_page"),
    path("mes-demandes/<str:reference>/bon/signer/", views.sign, name="sign"),
    path("mes-demandes/<str:reference>/bon/lien/", views.send_link, name="send_link"),
    path("mes-demandes/<str:reference>/bon/scan/", views.upload, name="upload"),
    path("mes-demandes/<str:reference>/bon/document/", views.document, name="document"),
    path("mes-demandes/<str:reference>/bon/apercu.pdf", views.preview, name="preview"),
    path("signer/<str:token>/", views.holder_sign, name="holder_sign"),
]
