"""pytest plugin (enabled by run.sh when PORTICO_MOTO_TRACE=FILE is set).

Appends one JSON object per botocore API call made while a test runs:
  {"test", "service", "op", "method", "path", "scope", "status",
   "error_code", "error_message"}
"scope" is the SigV4 credential scope service name of the Authorization header.
"""

import json
import os
import threading
from urllib.parse import urlsplit

import botocore.client
import botocore.endpoint
from botocore.exceptions import ClientError

_TRACE = os.environ.get("PORTICO_MOTO_TRACE")
_state = threading.local()
_current_test = {"id": None}


def _write(rec):
    if not _TRACE:
        return
    with open(_TRACE, "a") as f:
        f.write(json.dumps(rec) + "\n")


_orig_send = botocore.endpoint.Endpoint._send


def _send(self, request):
    resp = _orig_send(self, request)
    rec = getattr(_state, "rec", None)
    if rec is not None:
        url = urlsplit(request.url)
        auth = request.headers.get("Authorization", b"")
        if isinstance(auth, bytes):
            auth = auth.decode("latin-1")
        scope = None
        if "Credential=" in auth:
            # Credential=KEY/DATE/REGION/SERVICE/aws4_request
            parts = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
            if len(parts) >= 5:
                scope = parts[3]
        rec.update(
            method=request.method,
            path=url.path + (("?" + url.query) if url.query else ""),
            scope=scope,
            status=resp.status_code,
        )
    return resp


_orig_call = botocore.client.BaseClient._make_api_call


def _make_api_call(self, operation_name, api_params):
    rec = {
        "test": _current_test["id"],
        "service": self.meta.service_model.service_name,
        "op": operation_name,
    }
    _state.rec = rec
    try:
        return _orig_call(self, operation_name, api_params)
    except ClientError as e:
        err = e.response.get("Error", {})
        rec["error_code"] = err.get("Code")
        rec["error_message"] = err.get("Message")
        raise
    finally:
        _state.rec = None
        _write(rec)


botocore.endpoint.Endpoint._send = _send
botocore.client.BaseClient._make_api_call = _make_api_call


def pytest_runtest_logstart(nodeid, location):
    _current_test["id"] = nodeid
