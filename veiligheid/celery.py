"""The Celery application. Tasks stay thin: fetch by id, call a service."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veiligheid.settings")

app = Celery("veiligheid")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
