# Stoker fixture: a Flask WSGI app served over FastCGI by uWSGI on the inherited fd-0 socket.
# Answers every path with one line naming the language, the pid and APP_VERSION.
import os

if os.environ.get("CRASH_ON_START") == "1":
    # Raised at import time, so uWSGI prints the traceback; with --need-app it then exits non-zero.
    raise RuntimeError("CRASH_ON_START=1: this fixture refuses to start")

from flask import Flask, Response

app = Flask(__name__)


@app.route("/", defaults={"path": ""}, methods=["GET", "POST", "HEAD"])
@app.route("/<path:path>", methods=["GET", "POST", "HEAD"])
def hello(path: str) -> Response:
    version = os.environ.get("APP_VERSION") or "dev"
    return Response(f"hello from python pid={os.getpid()} version={version}\n", mimetype="text/plain")


# uWSGI's --wsgi-file looks for `application`.
application = app
