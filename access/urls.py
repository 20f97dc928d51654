from django.urls import path

from . import account_views, token_views, views

app_name = "access"
urlpatterns = [
    path("mijn-autorisaties/", views.my_authorisations, name="my_authorisations"),
    path("mijn-api-token/", token_views.api_token, name="api_token"),
    path("mijn-account/", account_views.my_account, name="my_account"),
    path("mijn-account/wachtwoord/", account_views.PasswordChangeView.as_view(), name="password_change"),
    path("wachtwoord-instellen/<str:uidb64>/<str:token>/", account_views.PasswordSetView.as_view(), name="password_set"),
    path("beheer/", views.admin_index, name="admin_index"),
    path("beheer/gebruikers/", views.user_list, name="user_list"),
    path("beheer/gebruiker-toevoegen/", views.user_edit, name="user_create"),
    path("beheer/gebruikers/<str:username>/", views.user_detail, name="user_detail"),
    path("beheer/gebruikers/<str:username>/wijzigen/", views.user_edit, name="user_edit"),
    path("beheer/gebruikers/<str:username>/wachtwoordlink/", views.user_password_link, name="user_password_link"),
    path("beheer/autorisaties/nieuw/", views.grant_create, name="grant_create"),
    path("beheer/autorisaties/goedkeuren/", views.approval_queue, name="approval_queue"),
    path("beheer/autorisaties/<int:pk>/besluit/", views.grant_decide, name="grant_decide"),
    path("beheer/autorisaties/<int:pk>/intrekken/", views.grant_revoke, name="grant_revoke"),
    path("beheer/autorisaties/<int:pk>/verlengen/", views.grant_renew, name="grant_renew"),
    path("beheer/autorisaties/verlopend/", views.expiring, name="expiring"),
]
