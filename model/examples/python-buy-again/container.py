"""A model container in Python's standard library alone: buy-again, then 30-day popularity.

What a data-science team writes to bring its own model to reco-shelf (model/README.md, "Bring your
own container"). SageMaker starts the image with one argument:

    python3 container.py train   # reads the training channel, writes the artifact to SM_MODEL_DIR
    python3 container.py serve   # GET /ping, POST /invocations on SAGEMAKER_BIND_TO_PORT (8080)

It keeps the contract in docs/contracts.md "Proxy -> endpoint" (the JSON Schemas in contracts/ say the
same), checked by `npm run model:contract -- --url http://127.0.0.1:8080`.

Environment: SM_MODEL_DIR (/opt/ml/model), SM_CHANNEL_TRAINING (/opt/ml/input/data/training),
SAGEMAKER_BIND_TO_PORT (8080), SAGEMAKER_BIND_HOST (127.0.0.1; the Dockerfile sets 0.0.0.0),
EXAMPLE_TCP_NODELAY (true; false shows the Nagle trap: every keep-alive call waits ~40 ms).
"""

import csv
import gzip
import hashlib
import io
import json
import os
import re
import socket
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL_DIR = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
CHANNEL = os.environ.get("SM_CHANNEL_TRAINING", "/opt/ml/input/data/training")
HYPERPARAMETERS = "/opt/ml/input/config/hyperparameters.json"
HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"

# The contract's limits (contracts/invocation.ts, invocationLimits).
MAX_K, DEFAULT_K, MAX_ITEMS, MAX_EXCLUDE, MAX_ID, MAX_BODY = 100, 24, 100, 1000, 128, 64 * 1024
MAX_SHELVES = 8
PLACEMENT = re.compile(r"^[a-z0-9-]{1,64}$")
SINGLE_FIELDS = {"userId", "items", "k", "exclude", "placement"}
SHELF_FIELDS = {"placement", "items", "k", "exclude"}


# ---------------------------------------------------------------- training


def train():
    """Buy-again counts per customer and the last 30 days' popularity, from the training channel."""
    days = 30
    if os.path.exists(HYPERPARAMETERS):
        # SageMaker passes every hyper-parameter as a string; the TypeScript `algorithm` is ignored here.
        with open(HYPERPARAMETERS) as f:
            days = int(json.load(f).get("popularityDays", days))
    bought = defaultdict(Counter)
    dated = []
    digest = hashlib.sha256()
    parts = sorted(n for n in os.listdir(CHANNEL) if n.endswith(".csv") or n.endswith(".csv.gz"))
    if not parts:
        raise SystemExit(f"train: no .csv or .csv.gz part in {CHANNEL}")
    for name in parts:
        path = os.path.join(CHANNEL, name)
        raw = open(path, "rb").read()
        digest.update(raw)
        text = gzip.decompress(raw).decode("utf-8") if name.endswith(".gz") else raw.decode("utf-8")
        rows = csv.reader(io.StringIO(text, newline=""))
        if ",".join(next(rows, [])) != HEADER:
            raise SystemExit(f"train: {name} does not start with {HEADER}")
        # Already cleaned: do not re-apply data/README.md's rules (they would drop new products, price 0).
        for invoice, item, _desc, qty, date, _price, customer, _country in rows:
            when = datetime.strptime(date, "%Y-%m-%d %H:%M:%S")
            if customer:
                bought[customer][item] += 1
            dated.append((when, item, customer or invoice))
    newest = max(when for when, _, _ in dated)
    recent = defaultdict(set)
    for when, item, buyer in dated:
        if when > newest - timedelta(days=days):
            recent[item].add(buyer)
    popular = sorted(recent, key=lambda item: (-len(recent[item]), item))[:MAX_K]
    top = len(recent[popular[0]]) if popular else 1
    model = {
        "buyAgain": {c: [[i, n] for i, n in counts.most_common(MAX_K)] for c, counts in bought.items()},
        "popular": [[item, round(len(recent[item]) / (top + 1), 6)] for item in popular],
    }
    version = f"python-buy-again-{newest:%Y-%m-%d}-{digest.hexdigest()[:8]}"
    os.makedirs(MODEL_DIR, exist_ok=True)
    with open(os.path.join(MODEL_DIR, "model.json"), "w") as f:
        json.dump(model, f)
    # manifest.json last, with modelVersion: `npm run model:package` and `model:deploy` read it.
    with open(os.path.join(MODEL_DIR, "manifest.json"), "w") as f:
        json.dump({"modelVersion": version, "trainedUntil": f"{newest:%Y-%m-%d}"}, f)
    print(json.dumps({"msg": "train: wrote the model", "modelVersion": version, "customers": len(bought)}))


# ---------------------------------------------------------------- serving


class Refused(Exception):
    """A body that breaks the contract: answered 400 with the field first in the message."""


def ids(body, field, limit, where):
    value = body.get(field, [])
    ok = isinstance(value, list) and len(value) <= limit
    if not ok or not all(isinstance(v, str) and 0 < len(v) <= MAX_ID for v in value):
        rule = f"an array of at most {limit} non-empty strings of at most {MAX_ID} characters"
        raise Refused(f'"{where}{field}" must be {rule}')
    return value


def shelf_of(body, fields, where=""):
    unknown = sorted(set(body) - fields)
    if unknown:
        raise Refused(f'"{where}{unknown[0]}" is not a field of the body')
    k = body.get("k", DEFAULT_K)
    if type(k) is not int or not 1 <= k <= MAX_K:
        raise Refused(f'"{where}k" must be an integer from 1 to {MAX_K}')
    placement = body.get("placement")
    if placement is not None and not (isinstance(placement, str) and PLACEMENT.match(placement)):
        raise Refused(f'"{where}placement" must be a placement name ([a-z0-9-]{{1,64}})')
    return {"items": ids(body, "items", MAX_ITEMS, where), "k": k, "exclude": ids(body, "exclude", MAX_EXCLUDE, where)}


def user_of(body):
    if "userId" not in body:
        return None
    user = body["userId"]
    if not (isinstance(user, str) and 0 < len(user) <= MAX_ID):
        raise Refused(f'"userId" must be a non-empty string of at most {MAX_ID} characters')
    return user


def recommend(model, user, shelf):
    """The shopper's own past purchases, most bought first, then the month's best sellers."""
    skip = {i.upper() for i in shelf["exclude"]} | {i.upper() for i in shelf["items"]}
    out = []
    for item, count in model["buyAgain"].get(user, []) if user else []:
        if item.upper() not in skip:
            skip.add(item.upper())
            out.append({"itemId": item, "score": 1 + count})
    for item, score in model["popular"]:
        if len(out) >= shelf["k"]:
            break
        if item.upper() not in skip:
            skip.add(item.upper())
            out.append({"itemId": item, "score": score})
    return out[: shelf["k"]]


def answer(model, version, body):
    if not isinstance(body, dict):
        raise Refused("body must be a JSON object")
    if "shelves" not in body:
        shelf = shelf_of(body, SINGLE_FIELDS)
        return {"recommendations": recommend(model, user_of(body), shelf), "modelVersion": version}
    unknown = sorted(set(body) - {"userId", "shelves"})
    if unknown:
        raise Refused(f'"{unknown[0]}" is not a field of a batch body')
    shelves = body["shelves"]
    if not isinstance(shelves, list) or not 1 <= len(shelves) <= MAX_SHELVES:
        raise Refused(f'"shelves" must be an array of 1..{MAX_SHELVES} shelves')
    user = user_of(body)
    asked = []
    for i, shelf in enumerate(shelves):
        if not isinstance(shelf, dict) or "placement" not in shelf:
            raise Refused(f'"shelves[{i}]" must be an object with a placement')
        asked.append(shelf_of(shelf, SHELF_FIELDS, f"shelves[{i}]."))
    return {"shelves": [{"recommendations": recommend(model, user, s)} for s in asked], "modelVersion": version}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as SageMaker calls a container

    def setup(self):
        super().setup()
        if os.environ.get("EXAMPLE_TCP_NODELAY", "true") != "false":
            # http.server writes the headers and the body in two writes: with Nagle on, the second waits
            # for the client's delayed ACK, ~40 ms on every keep-alive call.
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, status, body):
        payload = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        if self.path.split("?")[0] == "/ping":
            return self.send(200, {"status": "ok", "modelVersion": self.server.version})
        if self.path.split("?")[0] == "/invocations":
            return self.send(405, {"error": "invocations: use POST"})
        self.send(404, {"error": f"no route GET {self.path}"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if self.path.split("?")[0] != "/invocations":
            self.rfile.read(length)
            return self.send(404, {"error": f"no route POST {self.path}"})
        if length > MAX_BODY:
            self.close_connection = True
            return self.send(413, {"error": f"body over {MAX_BODY} bytes"})
        raw = self.rfile.read(length)
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind != "application/json":
            return self.send(415, {"error": f'content type must be application/json, got "{kind or "none"}"'})
        try:
            body = json.loads(raw)
        except ValueError:
            return self.send(400, {"error": "invocations: body is not valid JSON"})
        try:
            self.send(200, answer(self.server.model, self.server.version, body))
        except Refused as refused:
            self.send(400, {"error": f"invocations: {refused}"})

    def log_message(self, *args):
        pass  # one line per call would cost more than the call; errors still reach stderr


def serve():
    with open(os.path.join(MODEL_DIR, "manifest.json")) as f:
        version = json.load(f)["modelVersion"]
    with open(os.path.join(MODEL_DIR, "model.json")) as f:
        model = json.load(f)
    host = os.environ.get("SAGEMAKER_BIND_HOST", "127.0.0.1")
    port = int(os.environ.get("SAGEMAKER_BIND_TO_PORT", "8080"))
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    server.model, server.version = model, version
    print(json.dumps({"msg": "serve: listening", "host": host, "port": port, "modelVersion": version}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "serve"
    if command == "train":
        train()
    elif command == "serve":
        serve()
    else:
        raise SystemExit(f'unknown command "{command}": SageMaker starts the image with "train" or "serve"')
