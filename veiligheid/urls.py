from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from access import oidc, twofactor_views
from access import views as access_views
from core.rules import public

urlpatterns = [
    path("", access_views.home, name="home"),
    path("inloggen/", access_views.LoginView.as_view(), name="login"),
    path("uitloggen/", access_views.LogoutView.as_view(), name="logout"),
    # The second factor (access.twofactor) and the municipality's own identity provider (access.oidc).
    path("inloggen/tweede-factor/", twofactor_views.verify, name="twofactor_verify"),
    path("inloggen/tweede-factor/instellen/", twofactor_views.enrol, name="twofactor_enrol"),
    path("inloggen/oidc/", oidc.OIDCLoginView.as_view(), name="oidc_authentication_init"),
    path("inloggen/oidc/terug/", oidc.OIDCCallbackView.as_view(), name="oidc_authentication_callback"),
    path("mijn-tweede-factor/", twofactor_views.mine, name="twofactor_mine"),
    path("beheer/gebruikers/<str:username>/tweede-factor-resetten/", twofactor_views.reset, name="twofactor_reset"),
    path("healthz", access_views.healthz, name="healthz"),
    path("taal/", public(set_language), name="set_language"),
    path("", include("access.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("signalen/", include("signals.urls")),
    path("gegevens/", include("ingest.urls")),
    path("audit/", include("audit.urls")),
    path("api/v1/", include("veiligheid.api_urls")),
    path("django-beheer/", admin.site.urls),
]
