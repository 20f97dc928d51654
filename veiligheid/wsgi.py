import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veiligheid.settings")
application = get_wsgi_application()

# Everything loaded at start-up (Django, the apps, the URL and template machinery) lives as long as the process:
# move it out of the garbage collector's view, so a full collection during a request walks only what requests
# made (measured on the search: 90 ms -> a few ms for the rare full collection).
gc.collect()
gc.freeze()
