import os

from django.core.wsgi import get_wsgi_application

from faraday_admin.core.checks import raise_on_startup_errors

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "faraday_admin.settings")
application = get_wsgi_application()
# gunicorn runs no system checks: refuse to start on a setting the app can't work with.
raise_on_startup_errors()
