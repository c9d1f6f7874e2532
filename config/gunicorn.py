"""gunicorn settings for the web container (`gunicorn -c config/gunicorn.py config.wsgi`).

Threaded workers: a long request — an export of every responsibility of every plan takes about a
minute as Excel at 250,000 rows — keeps one thread busy, not the worker, and the arbiter does not
kill the worker while it runs (a sync worker is killed after `timeout` seconds, whatever it is
doing). Each setting can be changed from the environment.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A thread's request may take this long before the worker is restarted (gthread: only a worker
# that stops answering the arbiter is killed; this bounds the wait for a stuck one).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "180"))
graceful_timeout = 30
accesslog = "-"
