"""gunicorn for pestprotocol (``gunicorn -c deploy/gunicorn.conf.py pestprotocol.wsgi``).

One app server; run several behind nginx (deploy/nginx/pestprotocol.conf). Settings come
from the environment (the systemd unit reads /etc/pestprotocol/env).
"""

import os

import gunicorn.http.wsgi

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # a plan PDF or an export takes seconds
graceful_timeout = 30
max_requests = 2000  # a worker is replaced now and then: no slow growth
max_requests_jitter = 200
# Only nginx on this machine talks to gunicorn; it sets X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 4094
limit_request_fields = 100

# Access log: path without query string (a search may be a name), user-agent left out.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}i)s'
proc_name = "pestprotocol"


# No "Server: gunicorn" header: what runs here is nobody's business.
def _headers_without_server(self, _original=gunicorn.http.wsgi.Response.default_headers):
    return [h for h in _original(self) if not h.lower().startswith("server:")]


gunicorn.http.wsgi.Response.default_headers = _headers_without_server
