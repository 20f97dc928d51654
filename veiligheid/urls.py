from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from access import views as access_views
from core.rules import public

urlpatterns = [
    path("", access_views.home, name="home"),
    path("inloggen/", access_views.LoginView.as_view(), name="login"),
    path("uitloggen/", access_views.LogoutView.as_view(), name="logout"),
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
