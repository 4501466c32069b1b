import os

from django.core.wsgi import get_wsgi_application

from reprostore.core.request_bodies import receive_body_first

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reprostore.settings")
application = receive_body_first(get_wsgi_application())
