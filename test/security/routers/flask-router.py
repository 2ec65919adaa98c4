"""A Flask (werkzeug) router for test/security/differential-routers.test.ts: each handler answers
its name and the path it saw. Usage: python3 flask-router.py <port>"""
import logging
import sys

from flask import Flask, request

app = Flask(__name__)
logging.getLogger("werkzeug").setLevel(logging.ERROR)


def answer(name):
    return f"handler={name}\npath={request.path}\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


@app.route("/public/", defaults={"rest": ""})
@app.route("/public/<path:rest>")
def public(rest):
    return answer("public")


@app.route("/admin/", defaults={"rest": ""})
@app.route("/admin/<path:rest>")
def admin(rest):
    return answer("admin")


@app.route("/p/<x>/terminal/", defaults={"rest": ""})
@app.route("/p/<x>/terminal/<path:rest>")
def terminal(x, rest):
    return answer("terminal")


@app.route("/", defaults={"rest": ""})
@app.route("/<path:rest>")
def root(rest):
    return answer("root")


if __name__ == "__main__":
    print(f"listening on 127.0.0.1:{sys.argv[1]}", flush=True)
    app.run(host="127.0.0.1", port=int(sys.argv[1]), debug=False, use_reloader=False)
