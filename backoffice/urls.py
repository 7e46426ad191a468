from django.urls import path

from backoffice.views import (
    customers,
    forms,
    home,
    integrations,
    requests,
    supervision,
    switches,
    verifications,
)

app_name = "backoffice"

urlpatterns = [
    path("", home.today, name="today"),
    path("connexion/", home.LoginView.as_view(), name="login"),
    path("deconnexion/", home.LogoutView.as_view(), name="logout"),
    path("tableau-de-bord/", home.dashboard, name="dashboard"),
    # Requests
    path("demandes/", requests.request_list, name="request_list"),
    path("demandes/prise-en-compte/", requests.bulk_confirm, name="bulk_confirm"),
    path("demandes/<str:reference>/", requests.request_detail, name="request_detail"),
    path("demandes/<str:reference>/recu.pdf", requests.request_receipt, name="request_receipt"),
    path(
        "demandes/<str:reference>/<slug:action>/",
        requests.request_action,
        name="request_action",
    ),
    # Cancellations from the public page, to verify by phone
    path("identites/", verifications.verification_list, name="verification_list"),
    path("identites/<int:pk>/", verifications.verification_detail, name="verification_detail"),
    path(
        "identites/<int:pk>/<slug:action>/",
        verifications.verification_action,
        name="verification_action",
    ),
    # Customers
    path("clients/", customers.customer_list, name="customer_list"),
    path("clients/<str:client_code>/", customers.customer_detail, name="customer_detail"),
    path("clients/<str:client_code>/resiliation/", customers.new_request, name="new_request"),
    path(
        "clients/<str:client_code>/resiliation/recapitulatif/",
        customers.new_request_summary,
        name="new_request_summary",
    ),
    path("clients/<str:client_code>/lien/", customers.send_access_link, name="send_access_link"),
    # OPTimo forms and the operator
    path("bons/", forms.forms_queue, name="forms_queue"),
    path("bons/transmettre/", forms.forward, name="forward"),
    path("bons/reponses/", forms.import_answers, name="import_answers"),
    path("bons/<int:pk>/", forms.form_detail, name="form_detail"),
    path("bons/<int:pk>/document/", forms.form_document, name="form_document"),
    path("bons/<int:pk>/original/", forms.form_original, name="form_original"),
    path("lots/", forms.batch_list, name="batch_list"),
    path("transferts/", switches.switch_list, name="switch_list"),
    path("lots/<str:reference>/", forms.batch_detail, name="batch_detail"),
    # Supervisors
    path("calendrier/", supervision.calendar, name="calendar"),
    path("calendrier/<int:pk>/supprimer/", supervision.calendar_remove, name="calendar_remove"),
    path("equipe/", supervision.staff, name="staff"),
    path("equipe/<int:pk>/", supervision.staff_change, name="staff_change"),
    path("journal/", supervision.audit_log_list, name="audit_log"),
    path("sante/", supervision.health, name="health"),
    path("integrations/", integrations.integrations, name="integrations"),
    path(
        "integrations/cles/<int:pk>/revoquer/",
        integrations.api_key_revoke_view,
        name="api_key_revoke",
    ),
    path("integrations/webhooks/<int:pk>/", integrations.endpoint_detail, name="endpoint_detail"),
    path(
        "integrations/webhooks/<int:pk>/<slug:action>/",
        integrations.endpoint_action,
        name="endpoint_action",
    ),
    path("exports/boites-a-supprimer.csv", supervision.mailboxes_export, name="mailboxes_export"),
]
