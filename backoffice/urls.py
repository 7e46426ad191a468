from django.urls import path

from backoffice import views

app_name = "backoffice"

urlpatterns = [
    path("bons/", views.forms_queue, name="forms_queue"),
    path("bons/transmettre/", views.forward, name="forward"),
    path("bons/reponses/", views.import_answers, name="import_answers"),
    path("bons/<int:pk>/", views.form_detail, name="form_detail"),
    path("bons/<int:pk>/document/", views.form_document, name="form_document"),
]
