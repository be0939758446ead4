#!/usr/bin/env python3
"""End-to-end tests of functions: Portico runs Python handlers with awslambdaric (the official
runtime client) through its Lambda Runtime API, and every event is checked with
aws-lambda-powertools' API Gateway event models. Run by `swift test` (FunctionsE2ETests) with the
path of the `portico` binary. Every wait is bounded."""
import atexit
import base64
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

PORTICO = sys.argv[1]
HANDLERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "functions")
ARN = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:{}/invocations"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def function(name, handler, **settings):
    fields = {"name": name, "command": [sys.executable, "-m", "awslambdaric", f"app.{handler}"], "workingDirectory": HANDLERS}
    fields.update(settings)
    return fields


def integration(name, proxy=True, version=None, extra=None):
    body = {"type": "aws_proxy" if proxy else "aws", "httpMethod": "POST", "uri": ARN.format(name)}
    if version:
        body["payloadFormatVersion"] = version
    body.update(extra or {})
    return body


class FakeLambda:
    """A Lambda-compatible Invoke endpoint that checks every call's SigV4 signature with botocore."""

    def __init__(self):
        import http.server
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        outer = self
        self.calls = []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_GET(self):
                self.backend(b"")

            def backend(self, body):
                """The HTTP backend behind an authorized HTTP_PROXY route: echoes what it got."""
                reply = json.dumps({"path": self.path, "body": body.decode()}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                if self.path.startswith("/backend"):
                    return self.backend(body)
                authorization = self.headers.get("authorization", "")
                signed = authorization.split("SignedHeaders=")[1].split(",")[0].split(";") if "SignedHeaders=" in authorization else []
                request = AWSRequest(method="POST", url=f"http://{self.headers['host']}{self.path}", data=body,
                                     headers={name: self.headers[name] for name in signed})
                request.context["timestamp"] = self.headers.get("x-amz-date", "")
                auth = SigV4Auth(Credentials("AKIDREMOTE", "remote-secret"), "lambda", "us-east-1")
                canonical = auth.canonical_request(request)
                expected = auth.signature(auth.string_to_sign(request, canonical), request)
                valid = authorization.endswith("Signature=" + expected)
                outer.calls.append((self.path, valid, self.headers.get("x-amz-invocation-type")))
                if not valid:
                    reply, status, headers = b'{"message": "The request signature we calculated does not match"}', 403, {"x-amzn-ErrorType": "InvalidSignatureException"}
                elif "function%3Afailing" in self.path:
                    reply, status, headers = b'{"errorMessage": "remote failure", "errorType": "Exception"}', 200, {"X-Amz-Function-Error": "Unhandled"}
                else:
                    event = json.loads(body)
                    reply, status, headers = json.dumps({"statusCode": 200, "body": "from remote " + event["path"]}).encode(), 200, {}
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def authorizer_scheme(function, kind, source, **extra):
    body = {"type": kind, "authorizerUri": ARN.format(function), "identitySource": source}
    body.update(extra)
    return {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
            "x-amazon-apigateway-authorizer": body}


def project(port, lambda_port, admin_port):
    rest_paths = {
        "/items/{id}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": integration("validate")}},
        "/answers": {"get": {"x-amazon-apigateway-integration": integration("responses")}},
        "/slow": {"get": {"x-amazon-apigateway-integration": integration("slow")}},
        "/custom": {"post": {"x-amazon-apigateway-integration": integration("custom", proxy=False, extra={
            "responses": {"default": {"statusCode": "200"}, "Not found.*": {"statusCode": "404"}}})}},
        "/missing": {"get": {"x-amazon-apigateway-integration": integration("nothere")}},
        "/broken": {"get": {"x-amazon-apigateway-integration": integration("broken")}},
        "/one": {"get": {"x-amazon-apigateway-integration": integration("single")}},
        "/remote": {"get": {"x-amazon-apigateway-integration": integration("elsewhere")}},
        "/custom-mapped/{id}": {"post": {"x-amazon-apigateway-integration": integration("custom", proxy=False, extra={
            "requestTemplates": {"application/json": '{"id": "$input.params(\'id\')", "note": $input.json(\'$.note\')}'},
            "passthroughBehavior": "NEVER",
            "responses": {"default": {"statusCode": "200", "responseTemplates": {
                "application/json": '{"result": "$input.path(\'$.id\')", "seen": $input.json(\'$.seen\'), "stage": "$context.stage"}'}}}})}},
        "/remote-failing": {"get": {"x-amazon-apigateway-integration": integration("failing")}},
        "/auth/{id}": {"get": {"security": [{"tok": []}], "x-amazon-apigateway-integration": integration("validate")}},
        "/auth-request": {"get": {"security": [{"req": []}], "x-amazon-apigateway-integration": integration("validate")}},
        "/auth-http": {"x-amazon-apigateway-any-method": {"security": [{"tok": []}], "x-amazon-apigateway-integration": {
            "type": "http_proxy", "httpMethod": "ANY", "uri": f"http://127.0.0.1:{lambda_port}/backend"}}},
    }
    http_paths = {
        "/v2/{id}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": integration("validate", version="2.0")}},
        "/v1/{id}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": integration("validate", version="1.0")}},
        "/answers": {"get": {"x-amazon-apigateway-integration": integration("responses", version="2.0")}},
        "/auth-simple": {"get": {"security": [{"simple": []}], "x-amazon-apigateway-integration": integration("validate", version="2.0")}},
        "/auth-v1": {"get": {"security": [{"v1policy": []}], "x-amazon-apigateway-integration": integration("validate", version="2.0")}},
    }
    return {
        "listeners": [{"port": port}],
        "accessLog": {"enabled": False},
        "admin": {"port": admin_port},
        "lambda": {"endpoint": f"http://127.0.0.1:{lambda_port}", "region": "us-east-1",
                   "accessKeyId": "AKIDREMOTE", "secretAccessKey": "remote-secret"},
        "functions": [
            function("validate", "validate", memorySize=256),
            function("responses", "responses", timeout=1),
            function("slow", "slow", maxConcurrency=2),
            function("single", "slow", maxConcurrency=1, queueLimit=1, warmInstances=1),
            function("custom", "custom"),
            function("nothere", "validate", command=["/nonexistent/runtime"]),
            function("broken", "nosuchhandler"),
            function("tokenauth", "token_authorizer"),
            function("requestauth", "request_authorizer"),
            function("simpleauth", "simple_authorizer"),
        ],
        "apis": [
            {"name": "rest", "id": "restfn", "type": "REST", "stages": [{"name": "prod", "variables": {"color": "blue"}}],
             "openapi": {"openapi": "3.0.1", "info": {"title": "rest", "version": "1"}, "paths": rest_paths,
                         "x-amazon-apigateway-binary-media-types": ["application/octet-stream"],
                         "components": {"securitySchemes": {
                             "tok": authorizer_scheme("tokenauth", "token", "method.request.header.Authorization",
                                                      identityValidationExpression="^[a-z]+$", authorizerResultTtlInSeconds=300),
                             "req": authorizer_scheme("requestauth", "request", "method.request.header.X-Key, method.request.querystring.k",
                                                      authorizerResultTtlInSeconds=0)}}}},
            {"name": "http", "id": "httpfn", "type": "HTTP",
             "openapi": {"openapi": "3.0.1", "info": {"title": "http", "version": "1"}, "paths": http_paths,
                         "components": {"securitySchemes": {
                             "simple": authorizer_scheme("simpleauth", "request", "$request.header.X-Key", authorizerPayloadFormatVersion="2.0",
                                                         enableSimpleResponses=True, authorizerResultTtlInSeconds=0),
                             "v1policy": authorizer_scheme("requestauth", "request", "$request.header.X-Key", authorizerPayloadFormatVersion="1.0",
                                                           authorizerResultTtlInSeconds=0)}}}},
        ],
    }


def call(port, method, path, body=None, headers=None, host=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    all_headers = dict(headers or {})
    if host:
        all_headers["Host"] = host
    connection.request(method, path, body=body, headers=all_headers)
    response = connection.getresponse()
    data = response.read()
    result = (response.status, response.getheaders(), data)
    connection.close()
    return result


def echoed(port, method, path, **kwargs):
    status, headers, data = call(port, method, path, **kwargs)
    expect(status == 200, f"{method} {path}: {status} {data[:300]}")
    reply = json.loads(data)
    expect(reply["problem"] is None, f"{method} {path}: the event fails {reply['model']}: {reply['problem']}")
    return reply


def events_match_powertools_models(port):
    # REST payload 1.0: GET with repeated query values, path parameter, cookies; POST text; POST binary.
    reply = echoed(port, "GET", "/prod/items/a%20b?tag=x&tag=y&single=1", headers={"Cookie": "k=v", "X-Multi": "1"})
    event = reply["event"]
    expect(reply["model"] == "APIGatewayProxyEventModel", "REST sends payload 1.0")
    expect(event["resource"] == "/items/{id}" and event["path"] == "/items/a%20b", f"resource and path: {event['resource']} {event['path']}")
    expect(event["pathParameters"] == {"id": "a b"}, f"path parameters: {event['pathParameters']}")
    expect(event["multiValueQueryStringParameters"] == {"tag": ["x", "y"], "single": ["1"]}, "multi-value query")
    expect(event["queryStringParameters"] == {"tag": "y", "single": "1"}, "single-value query keeps the last")
    expect(event["stageVariables"] == {"color": "blue"}, "stage variables")
    context = event["requestContext"]
    expect(context["stage"] == "prod" and context["path"] == "/prod/items/a%20b" and context["resourcePath"] == "/items/{id}", f"requestContext: {context}")
    expect(context["identity"]["sourceIp"] == "127.0.0.1" and context["accountId"] == "123456789012", "identity")
    expect(abs(context["requestTimeEpoch"] / 1000 - time.time()) < 60, f"requestTimeEpoch is now: {context['requestTimeEpoch']}")
    expect(event["body"] is None and event["isBase64Encoded"] is False, "no body")
    expect(reply["functionName"] == "validate" and reply["memory"] == "256", "the Lambda environment")
    expect(0 < reply["remaining"] <= 3000, f"deadline: {reply['remaining']}")

    reply = echoed(port, "POST", "/prod/items/1", body=b'{"a":1}', headers={"Content-Type": "application/json"})
    expect(reply["event"]["body"] == '{"a":1}' and reply["event"]["isBase64Encoded"] is False, "text body")
    binary = bytes(range(256))
    reply = echoed(port, "POST", "/prod/items/1", body=binary, headers={"Content-Type": "application/octet-stream"})
    expect(reply["event"]["isBase64Encoded"] is True and bytes.fromhex(reply["bodyHex"]) == binary, "binary body, base64")

    # HTTP API payload 2.0.
    reply = echoed(port, "GET", "/v2/7?x=1&x=2&y=", headers={"Cookie": "a=1; b=2", "X-Multi": "1"}, host="httpfn.execute-api.localhost")
    event = reply["event"]
    expect(reply["model"] == "APIGatewayProxyEventV2Model" and event["version"] == "2.0", "HTTP APIs send 2.0")
    expect(event["routeKey"] == "ANY /v2/{id}" and event["rawPath"] == "/v2/7" and event["rawQueryString"] == "x=1&x=2&y=", f"2.0 route: {event['routeKey']} {event['rawPath']}")
    expect(event["cookies"] == ["a=1", "b=2"] and "cookie" not in event["headers"], f"cookies: {event.get('cookies')}")
    expect(event["queryStringParameters"] == {"x": "1,2", "y": ""}, f"comma-joined query: {event['queryStringParameters']}")
    expect(event["pathParameters"] == {"id": "7"}, "2.0 path parameters")
    expect(event["requestContext"]["http"]["method"] == "GET" and event["requestContext"]["domainPrefix"] == "httpfn", "2.0 requestContext")
    reply = echoed(port, "POST", "/v2/7", body=bytes([0xff, 0x00, 0x10]), headers={"Content-Type": "application/octet-stream"}, host="httpfn.execute-api.localhost")
    expect(reply["event"]["isBase64Encoded"] is True and reply["bodyHex"] == "ff0010", "2.0 encodes what is not text")
    reply = echoed(port, "POST", "/v2/7", body=b"plain text", headers={"Content-Type": "text/plain"}, host="httpfn.execute-api.localhost")
    expect(reply["event"]["body"] == "plain text" and reply["event"]["isBase64Encoded"] is False, "2.0 text body")

    # HTTP API payload 1.0.
    reply = echoed(port, "GET", "/v1/9?q=1", host="httpfn.execute-api.localhost")
    expect(reply["model"] == "APIGatewayProxyEventModel" and reply["event"]["version"] == "1.0", "HTTP API payload 1.0")
    expect(reply["event"]["requestContext"]["routeKey"] == "ANY /v1/{id}", "1.0 from an HTTP API names its route")


def responses_as_aws_reads_them(port):
    host = "httpfn.execute-api.localhost"
    status, headers, data = call(port, "GET", "/answers?kind=plain", host=host)
    expect(status == 200 and json.loads(data) == {"hello": "world"} and dict(headers)["content-type"] == "application/json", f"2.0 plain result: {status} {data}")
    status, _, data = call(port, "GET", "/answers?kind=string", host=host)
    expect(status == 200 and data == b"just text", f"2.0 string result: {data}")
    # REST decodes isBase64Encoded only for a client whose first Accept type is a binary media type.
    status, headers, data = call(port, "GET", "/prod/answers?kind=binary", headers={"Accept": "application/octet-stream"})
    expect(status == 200 and data == bytes(range(256)) and dict(headers)["content-type"] == "image/png", "base64 body decoded")
    status, _, data = call(port, "GET", "/prod/answers?kind=binary", headers={"Accept": "application/json"})
    expect(status == 200 and base64.b64decode(data) == bytes(range(256)), f"base64 text for a text client: {data[:40]}")
    status, headers, data = call(port, "GET", "/answers?kind=multi", host=host)
    values = [v for k, v in headers]
    expect(status == 201 and data == b"made" and "a" in values and "b" in values and "c1=v1" in values, f"multi-value headers and cookies: {headers}")
    for kind in ["malformed", "error", "crash", "huge"]:
        status, _, data = call(port, "GET", f"/prod/answers?kind={kind}")
        expect(status == 502 and json.loads(data) == {"message": "Internal server error"}, f"{kind}: {status} {data[:200]}")
        status, _, data = call(port, "GET", "/prod/answers?kind=plain")
        expect(status == 502, "a REST proxy result without statusCode is malformed")
    status, _, data = call(port, "GET", "/prod/answers?kind=sleep")
    expect(status == 504 and json.loads(data) == {"message": "Endpoint request timed out"}, f"timeout: {status} {data}")
    status, _, data = call(port, "GET", "/answers?kind=error", host=host)
    expect(status == 500 and json.loads(data) == {"message": "Internal Server Error"}, f"HTTP API function error: {status} {data}")
    # After a timeout and a crash the function still answers: its instances are replaced.
    status, _, data = call(port, "GET", "/answers?kind=plain", host=host)
    expect(status == 200, f"the function recovers: {status} {data}")


def failures_keep_the_gateway_serving(port):
    status, _, data = call(port, "GET", "/prod/missing")
    expect(status == 502, f"a missing executable: {status} {data}")
    status, _, data = call(port, "GET", "/prod/broken")
    expect(status == 502, f"a handler that cannot be imported: {status} {data}")
    status, _, _ = call(port, "GET", "/prod/items/1")
    expect(status == 200, "the gateway keeps serving")


def custom_integration_with_templates(port):
    status, _, data = call(port, "POST", "/prod/custom-mapped/42", body=b'{"note": "hi"}', headers={"Content-Type": "application/json"})
    expect(status == 200 and json.loads(data) == {"result": "42", "seen": True, "stage": "prod"}, f"templates map the event and the result: {status} {data}")
    status, _, data = call(port, "POST", "/prod/custom-mapped/42", body=b"x", headers={"Content-Type": "text/plain"})
    expect(status == 415 and json.loads(data) == {"message": "Unsupported Media Type"}, f"NEVER without a template for the type: {status} {data}")


def custom_integration_maps_errors(port):
    status, _, data = call(port, "POST", "/prod/custom", body=b'{"id": "7"}', headers={"Content-Type": "application/json"})
    expect(status == 200 and json.loads(data) == {"id": "7", "seen": True}, f"custom integration result: {status} {data}")
    status, _, data = call(port, "POST", "/prod/custom", body=b'{"id": "missing"}', headers={"Content-Type": "application/json"})
    expect(status == 404 and json.loads(data)["errorMessage"] == "Not found: item missing", f"errorMessage selects 404: {status} {data}")


def concurrency_and_queue(port):
    results = []
    lock = threading.Lock()

    def one(path):
        status, headers, _ = call(port, "GET", path)
        with lock:
            results.append((status, dict(headers).get("x-pid")))

    threads = [threading.Thread(target=one, args=("/prod/slow",)) for _ in range(6)]
    started = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    expect(all(status == 200 for status, _ in results), f"queued invocations all answer: {results}")
    pids = {pid for _, pid in results}
    expect(len(pids) <= 2, f"at most maxConcurrency=2 instances: {pids}")
    expect(time.time() - started >= 1.1, "six 0.4 s calls on two instances take three rounds")

    results.clear()
    threads = [threading.Thread(target=one, args=("/prod/one",)) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    statuses = sorted(status for status, _ in results)
    expect(statuses.count(429) >= 1 and statuses.count(200) >= 2, f"one instance, queue of one: the rest are throttled: {statuses}")


def remote_lambda_invoke(port, fake):
    status, _, data = call(port, "GET", "/prod/remote")
    expect(status == 200 and data == b"from remote /remote", f"a function not run here is invoked remotely: {status} {data}")
    path, valid, invocation_type = fake.calls[-1]
    expect(valid, "botocore verifies Portico's SigV4 signature")
    expect(path == "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aelsewhere/invocations", f"Invoke path: {path}")
    expect(invocation_type == "RequestResponse", "a synchronous invocation")
    status, _, data = call(port, "GET", "/prod/remote-failing")
    expect(status == 502, f"X-Amz-Function-Error is a function error: {status} {data}")


def lambda_authorizers(port):
    # TOKEN: no token, a token that fails the validation expression, allowed, cached, denied, refused, broken.
    status, _, data = call(port, "GET", "/prod/auth/1")
    expect(status == 401 and json.loads(data) == {"message": "Unauthorized"}, f"no token: {status} {data}")
    status, _, data = call(port, "GET", "/prod/auth/1", headers={"Authorization": "UPPER"})
    expect(status == 401, f"a token that fails identityValidationExpression: {status} {data}")
    reply = echoed(port, "GET", "/prod/auth/1", headers={"Authorization": "alice"})
    authorizer = reply["event"]["requestContext"]["authorizer"]
    expect(authorizer["principalId"] == "user-alice" and authorizer["tier"] == "gold", f"the authorizer's context reaches the event: {authorizer}")
    again = echoed(port, "GET", "/prod/auth/2", headers={"Authorization": "alice"})
    expect(again["event"]["requestContext"]["authorizer"]["calls"] == authorizer["calls"], "the second call is answered from the cache")
    status, _, data = call(port, "GET", "/prod/auth/1", headers={"Authorization": "deny"})
    expect(status == 403 and json.loads(data) == {"message": "User is not authorized to access this resource with an explicit deny"}, f"explicit deny: {status} {data}")
    status, _, data = call(port, "GET", "/prod/auth/1", headers={"Authorization": "unauthorized"})
    expect(status == 401 and json.loads(data) == {"message": "Unauthorized"}, f"the authorizer says Unauthorized: {status} {data}")
    status, _, data = call(port, "GET", "/prod/auth/1", headers={"Authorization": "broken"})
    expect(status == 500 and json.loads(data) == {"message": None}, f"an unusable answer: {status} {data}")
    # An authorized HTTP_PROXY route, with a body collected while the authorizer ran.
    status, _, data = call(port, "POST", "/prod/auth-http", body=b"payload", headers={"Authorization": "bob", "Content-Type": "text/plain"})
    expect(status == 200 and json.loads(data) == {"path": "/backend", "body": "payload"}, f"authorized proxy with body: {status} {data}")
    # REQUEST: identity from a header and a query string; both are needed.
    reply = echoed(port, "GET", "/prod/auth-request?k=7", headers={"X-Key": "open"})
    expect(reply["event"]["requestContext"]["authorizer"]["query"] == "7", "REQUEST authorizer context")
    status, _, _ = call(port, "GET", "/prod/auth-request", headers={"X-Key": "open"})
    expect(status == 401, "a REQUEST authorizer's missing identity source is 401")
    status, _, _ = call(port, "GET", "/prod/auth-request?k=1", headers={"X-Key": "shut"})
    expect(status == 403, "REQUEST authorizer deny")
    # HTTP API, payload 2.0 simple responses.
    host = "httpfn.execute-api.localhost"
    reply = echoed(port, "GET", "/auth-simple", headers={"X-Key": "open"}, host=host)
    expect(reply["event"]["requestContext"]["authorizer"]["lambda"] == {"tier": "silver", "route": "GET /auth-simple"}, f"2.0 authorizer context: {reply['event']['requestContext'].get('authorizer')}")
    status, _, data = call(port, "GET", "/auth-simple", headers={"X-Key": "closed"}, host=host)
    expect(status == 403 and json.loads(data) == {"message": "Forbidden"}, f"isAuthorized false: {status} {data}")
    status, _, data = call(port, "GET", "/auth-simple", host=host)
    expect(status == 401, f"no identity: {status} {data}")
    # HTTP API, payload 1.0: the authorizer answers an IAM policy.
    status, _, _ = call(port, "GET", "/auth-v1", headers={"X-Key": "open"}, host=host)
    expect(status == 200, f"1.0 policy allows: {status}")
    status, _, data = call(port, "GET", "/auth-v1", headers={"X-Key": "shut"}, host=host)
    expect(status == 403 and json.loads(data) == {"message": "Forbidden"}, f"1.0 policy denies: {status} {data}")


def authorizers_through_the_management_api(port, admin_port):
    """CreateAuthorizer and a CUSTOM method, as boto3 makes them, guard the deployed stage."""
    import boto3
    apigw = boto3.client("apigateway", endpoint_url=f"http://127.0.0.1:{admin_port}", region_name="us-east-1",
                         aws_access_key_id="a", aws_secret_access_key="b")
    api = apigw.create_rest_api(name="guarded")
    authorizer = apigw.create_authorizer(restApiId=api["id"], name="tok", type="TOKEN", authorizerUri=ARN.format("tokenauth"),
                                         identitySource="method.request.header.Authorization", authorizerResultTtlInSeconds=0)
    apigw.put_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", authorizationType="CUSTOM",
                     authorizerId=authorizer["id"])
    apigw.put_integration(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=ARN.format("validate"))
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    path = f"/restapis/{api['id']}/prod/_user_request_/"
    status, _, _ = call(port, "GET", path)
    expect(status == 401, f"no token: {status}")
    reply = echoed(port, "GET", path, headers={"Authorization": "carol"})
    expect(reply["event"]["requestContext"]["authorizer"]["principalId"] == "user-carol", "the management API's authorizer ran")


def main():
    directory = tempfile.mkdtemp(prefix="portico-e2e-")
    atexit.register(shutil.rmtree, directory, True)
    port = free_port()
    admin_port = free_port()
    fake = FakeLambda()
    with open(os.path.join(directory, "portico.json"), "w") as f:
        json.dump(project(port, fake.port, admin_port), f)
    log = open(os.path.join(directory, "portico.log"), "w")
    process = subprocess.Popen([PORTICO, "serve", os.path.join(directory, "portico.json")], stdout=log, stderr=log)
    failures = 0
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        scenarios = [events_match_powertools_models, responses_as_aws_reads_them, failures_keep_the_gateway_serving,
                     custom_integration_maps_errors, custom_integration_with_templates, concurrency_and_queue, remote_lambda_invoke, lambda_authorizers,
                     authorizers_through_the_management_api]
        for scenario in scenarios:
            started = time.time()
            try:
                if scenario is remote_lambda_invoke:
                    scenario(port, fake)
                elif scenario is authorizers_through_the_management_api:
                    scenario(port, admin_port)
                else:
                    scenario(port)
                print(f"ok   {scenario.__name__} ({time.time() - started:.1f}s)")
            except Exception:
                failures += 1
                print(f"FAIL {scenario.__name__}")
                traceback.print_exc()
        print(f"{len(scenarios) - failures} passed, {failures} failed")
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        if failures:
            print("--- portico log (last 60 lines) ---")
            print("".join(open(os.path.join(directory, "portico.log")).readlines()[-60:]))
        else:
            log_text = open(os.path.join(directory, "portico.log")).read()
            for needed in ["START RequestId", "REPORT RequestId", "the handler failed on purpose", "Task timed out", "init error"]:
                if needed not in log_text:
                    print(f"FAIL the log has no '{needed}'")
                    failures += 1
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
