#!/usr/bin/env python3
"""End-to-end tests of Portico's management API with the real AWS tools: boto3 and the AWS CLI,
unmodified, pointed at Portico with --endpoint-url. Run by `swift test` (ManagementE2ETests) with
the path of the `portico` binary; needs boto3 and awscli (the Swift test installs them with pip
when they are missing, as `.ci/run` does).

Each scenario starts its own Portico on a free loopback port and stops it; every wait is bounded.
"""
import atexit
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import boto3
import botocore.exceptions
from botocore.config import Config

# Every temporary file of a run (logs, projects, state) goes to one directory, removed at exit.
tempfile.tempdir = tempfile.mkdtemp(prefix="portico-e2e-")
atexit.register(shutil.rmtree, tempfile.tempdir, True)

PORTICO = sys.argv[1]
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures")
REGION = "us-east-1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SEEN = {}  # path → requests the backend answered


class Backend(http.server.BaseHTTPRequestHandler):
    """A tiny upstream: answers every request with what it received, as JSON."""
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # one response, one segment: no 40 ms delayed-ACK stalls

    def answer(self):
        SEEN[self.path] = SEEN.get(self.path, 0) + 1
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        payload = json.dumps({"method": self.command, "path": self.path, "body": body}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = answer

    def log_message(self, *args):
        pass


def start_backend():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


class Portico:
    def __init__(self, args, port):
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}"
        self.log = tempfile.NamedTemporaryFile(prefix="portico-e2e-", suffix=".log", delete=False)
        self.process = subprocess.Popen([PORTICO] + args + ["--log-level", "warning"], stdout=self.log, stderr=self.log)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError(f"portico did not start: {open(self.log.name).read()}")

    def stop(self, sig=signal.SIGTERM):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def client(service, endpoint, key="AKIDPORTICOE2E", secret="e2e-secret"):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id=key,
                        aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}))


def cli(endpoint, *args, key="AKIDPORTICOE2E", secret="e2e-secret"):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret, AWS_DEFAULT_REGION=REGION)
    result = subprocess.run([sys.executable, "-m", "awscli", "--endpoint-url", endpoint, "--output", "json"] + list(args),
                            capture_output=True, text=True, env=env, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"aws {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return json.loads(result.stdout) if result.stdout.strip() else {}


def request(port, method, path, host=None, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = dict(headers or {})
    if host:
        headers["Host"] = host
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def run_scenarios(scenarios, run=lambda scenario: scenario()):
    """Runs each scenario, prints ok/FAIL with its time, then `N passed, M failed`, and exits 1 on a failure."""
    failures = 0
    for scenario in scenarios:
        started = time.time()
        try:
            run(scenario)
            print(f"ok   {scenario.__name__} ({time.time() - started:.1f}s)")
        except Exception:
            failures += 1
            print(f"FAIL {scenario.__name__}")
            traceback.print_exc()
    print(f"{len(scenarios) - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


def rest_api_lifecycle_with_boto3(backend_port):
    """Create an API, resources, methods and integrations, deploy, call it, update, redeploy, delete."""
    port = free_port()
    portico = Portico(["serve", "--dev", "--port", str(port)], port)
    try:
        apigw = client("apigateway", portico.endpoint)
        api = apigw.create_rest_api(name="orders", description="e2e")
        api_id, root = api["id"], api["rootResourceId"]
        items = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="items")
        item = apigw.create_resource(restApiId=api_id, parentId=items["id"], pathPart="{id}")
        apigw.put_method(restApiId=api_id, resourceId=item["id"], httpMethod="GET", authorizationType="NONE",
                         requestParameters={"method.request.path.id": True})
        apigw.put_integration(restApiId=api_id, resourceId=item["id"], httpMethod="GET", type="HTTP_PROXY",
                              integrationHttpMethod="GET", uri=f"http://127.0.0.1:{backend_port}/backend/{{id}}",
                              requestParameters={"integration.request.path.id": "method.request.path.id"})
        apigw.put_method(restApiId=api_id, resourceId=items["id"], httpMethod="POST", authorizationType="NONE")
        apigw.put_integration(restApiId=api_id, resourceId=items["id"], httpMethod="POST", type="MOCK",
                              requestTemplates={"application/json": '{"statusCode": 201}'})
        apigw.put_method_response(restApiId=api_id, resourceId=items["id"], httpMethod="POST", statusCode="201")
        apigw.put_integration_response(restApiId=api_id, resourceId=items["id"], httpMethod="POST", statusCode="201",
                                       selectionPattern="", responseTemplates={"application/json": '{"created":true}'})
        deployment = apigw.create_deployment(restApiId=api_id, stageName="test", description="first")
        expect(apigw.get_stage(restApiId=api_id, stageName="test")["deploymentId"] == deployment["id"], "stage points at the deployment")

        status, body = request(port, "GET", f"/restapis/{api_id}/test/_user_request_/items/42")
        expect(status == 200 and json.loads(body)["path"] == "/backend/42", f"proxy through the path: {status} {body}")
        status, body = request(port, "GET", "/test/items/7", host=f"{api_id}.execute-api.localhost")
        expect(status == 200 and json.loads(body)["path"] == "/backend/7", f"by Host: {status} {body}")
        status, body = request(port, "POST", f"/restapis/{api_id}/test/_user_request_/items", body=b"{}")
        expect(status == 201 and json.loads(body) == {"created": True}, f"mock: {status} {body}")

        # TestInvokeMethod runs the method as it is now, through the same pipeline.
        invoked = apigw.test_invoke_method(restApiId=api_id, resourceId=item["id"], httpMethod="GET", pathWithQueryString="/items/9")
        expect(invoked["status"] == 200 and json.loads(invoked["body"])["path"] == "/backend/9", f"test invoke (proxy): {invoked}")
        invoked = apigw.test_invoke_method(restApiId=api_id, resourceId=items["id"], httpMethod="POST", body="{}")
        expect(invoked["status"] == 201 and json.loads(invoked["body"]) == {"created": True}, f"test invoke (mock): {invoked}")

        # Update: a changed integration is served only after the next deployment.
        apigw.update_integration(restApiId=api_id, resourceId=item["id"], httpMethod="GET", patchOperations=[
            {"op": "replace", "path": "/uri", "value": f"http://127.0.0.1:{backend_port}/v2/{{id}}"}])
        status, body = request(port, "GET", f"/restapis/{api_id}/test/_user_request_/items/1")
        expect(json.loads(body)["path"] == "/backend/1", "the old deployment keeps serving")
        apigw.create_deployment(restApiId=api_id, stageName="test", description="second")
        status, body = request(port, "GET", f"/restapis/{api_id}/test/_user_request_/items/1")
        expect(json.loads(body)["path"] == "/v2/1", f"the redeployed integration serves: {body}")
        expect(len(apigw.get_deployments(restApiId=api_id)["items"]) == 2, "two deployments")

        # Errors come back as the exceptions botocore users catch.
        try:
            apigw.get_rest_api(restApiId="doesnotexist")
            raise AssertionError("expected NotFoundException")
        except apigw.exceptions.NotFoundException:
            pass
        try:
            apigw.create_stage(restApiId=api_id, stageName="test", deploymentId=deployment["id"])
            raise AssertionError("expected ConflictException")
        except apigw.exceptions.ConflictException:
            pass

        apigw.delete_stage(restApiId=api_id, stageName="test")
        status, _ = request(port, "GET", f"/restapis/{api_id}/test/_user_request_/items/1")
        expect(status in (403, 404), f"a deleted stage is gone: {status}")
        apigw.delete_rest_api(restApiId=api_id)
        expect(apigw.get_rest_apis()["items"] == [], "the API is deleted")
    finally:
        portico.stop()


def cli_import_export_and_http_apis(backend_port):
    """The AWS CLI: import AWS's PetStore and a SAM-style body, export, and HTTP APIs via apigatewayv2."""
    port = free_port()
    portico = Portico(["serve", "--dev", "--port", str(port)], port)
    try:
        petstore = cli(portico.endpoint, "apigateway", "import-rest-api", "--body", "fileb://" + os.path.join(FIXTURES, "petstore-swagger2.json"))
        expect(petstore["name"] == "PetStore", f"imported name: {petstore}")
        resources = cli(portico.endpoint, "apigateway", "get-resources", "--rest-api-id", petstore["id"])["items"]
        expect(sorted(r["path"] for r in resources) == ["/", "/pets", "/pets/{petId}"], f"resources: {resources}")
        cli(portico.endpoint, "apigateway", "create-deployment", "--rest-api-id", petstore["id"], "--stage-name", "prod")
        status, body = request(port, "GET", f"/restapis/{petstore['id']}/prod/_user_request_/")
        expect(status == 200 and b"Welcome" in body, f"PetStore's MOCK root answers: {status} {body[:80]}")

        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as sam:
            json.dump({
                "openapi": "3.0.1", "info": {"title": "sam-app", "version": "1.0"},
                "paths": {"/hello": {"get": {"x-amazon-apigateway-integration": {
                    "type": "aws_proxy", "httpMethod": "POST", "payloadFormatVersion": "1.0",
                    "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:HelloWorldFunction/invocations"}}}},
            }, sam)
        sam_api = cli(portico.endpoint, "apigateway", "import-rest-api", "--body", "fileb://" + sam.name)
        method = cli(portico.endpoint, "apigateway", "get-resources", "--rest-api-id", sam_api["id"], "--embed", "methods")["items"]
        hello = [r for r in method if r["path"] == "/hello"][0]
        expect(hello["resourceMethods"]["GET"]["methodIntegration"]["type"] == "AWS_PROXY", "SAM's aws_proxy integration is kept")

        export_file = tempfile.mktemp(suffix=".json")
        cli(portico.endpoint, "apigateway", "get-export", "--rest-api-id", petstore["id"], "--stage-name", "prod",
            "--export-type", "oas30", "--parameters", "extensions=integrations", export_file)
        exported = json.load(open(export_file))
        expect(exported["openapi"].startswith("3.0") and "/pets/{petId}" in exported["paths"], "export has the paths")
        expect("x-amazon-apigateway-integration" in exported["paths"]["/pets"]["get"], "export carries integrations")

        quick = cli(portico.endpoint, "apigatewayv2", "create-api", "--name", "quick", "--protocol-type", "HTTP",
                    "--target", f"http://127.0.0.1:{backend_port}")
        status, body = request(port, "GET", "/anything/here", host=f"{quick['ApiId']}.execute-api.localhost")
        expect(status == 200 and json.loads(body)["path"] == "/anything/here", f"quick-created HTTP API: {status} {body}")
        integration = cli(portico.endpoint, "apigatewayv2", "create-integration", "--api-id", quick["ApiId"],
                          "--integration-type", "HTTP_PROXY", "--integration-method", "GET",
                          "--integration-uri", f"http://127.0.0.1:{backend_port}/special", "--payload-format-version", "1.0")
        cli(portico.endpoint, "apigatewayv2", "create-route", "--api-id", quick["ApiId"], "--route-key", "GET /special",
            "--target", "integrations/" + integration["IntegrationId"])
        status, body = request(port, "GET", "/special", host=f"{quick['ApiId']}.execute-api.localhost")
        expect(json.loads(body)["path"] == "/special", f"auto-deployed route: {body}")
        apis = cli(portico.endpoint, "apigatewayv2", "get-apis")["Items"]
        expect([a["Name"] for a in apis] == ["quick"], f"get-apis: {apis}")
    finally:
        portico.stop()


def durable_across_kill_9(backend_port):
    """A management call returns only once it is stored: kill -9 and restart lose nothing."""
    state = os.path.join(tempfile.mkdtemp(), "state.sqlite")
    port = free_port()
    portico = Portico(["serve", "--dev", "--port", str(port), "--state", state], port)
    apigw = client("apigateway", portico.endpoint)
    api = apigw.create_rest_api(name="durable")
    apigw.put_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", type="HTTP_PROXY",
                          integrationHttpMethod="GET", uri=f"http://127.0.0.1:{backend_port}/durable")
    apigw.create_deployment(restApiId=api["id"], stageName="live")
    key = apigw.create_api_key(name="k", enabled=True)
    portico.stop(signal.SIGKILL)

    portico = Portico(["serve", "--dev", "--port", str(port), "--state", state], port)
    try:
        apigw = client("apigateway", portico.endpoint)
        expect(apigw.get_rest_api(restApiId=api["id"])["name"] == "durable", "the API survived kill -9")
        expect(apigw.get_api_key(apiKey=key["id"])["name"] == "k", "the key survived kill -9")
        status, body = request(port, "GET", f"/restapis/{api['id']}/live/_user_request_/")
        expect(status == 200 and json.loads(body)["path"] == "/durable", f"the stage serves after restart: {status} {body}")
    finally:
        portico.stop()


def signed_calls_with_admin_credentials():
    """With admin credentials configured, only correctly signed calls are answered."""
    directory = tempfile.mkdtemp()
    admin_port, data_port = free_port(), free_port()
    with open(os.path.join(directory, "portico.yaml"), "w") as f:
        f.write(f"""
listeners: [{{port: {data_port}}}]
admin:
  port: {admin_port}
  credentials:
    - {{accessKeyId: AKIDADMIN, secretAccessKey: admin-secret}}
apis: []
""")
    portico = Portico(["serve", os.path.join(directory, "portico.yaml")], admin_port)
    try:
        endpoint = f"http://127.0.0.1:{admin_port}"
        good = client("apigateway", endpoint, key="AKIDADMIN", secret="admin-secret")
        expect(good.create_rest_api(name="signed")["name"] == "signed", "a signed call is answered")
        expect(cli(endpoint, "apigateway", "get-rest-apis", key="AKIDADMIN", secret="admin-secret")["items"][0]["name"] == "signed", "the CLI signs too")
        for key, secret, code in [("AKIDADMIN", "wrong", "InvalidSignatureException"), ("AKIDOTHER", "x", "UnrecognizedClientException")]:
            try:
                client("apigateway", endpoint, key=key, secret=secret).get_rest_apis()
                raise AssertionError(f"expected {code}")
            except botocore.exceptions.ClientError as error:
                expect(error.response["Error"]["Code"] == code and error.response["ResponseMetadata"]["HTTPStatusCode"] == 403,
                       f"{code}: {error.response}")
        status, _ = request(admin_port, "GET", "/restapis")
        expect(status == 403, f"an unsigned call is refused: {status}")
        status, body = request(admin_port, "GET", "/health")
        expect(status == 200, "the admin listener still answers /health")
        expect(os.path.exists(os.path.join(directory, ".portico", "state.sqlite")), "the state file is beside portico.yaml")
    finally:
        portico.stop()


def deploys_under_load_fail_nothing(backend_port):
    """20 deployments while clients keep calling the stage: not one request fails."""
    port = free_port()
    portico = Portico(["serve", "--dev", "--port", str(port)], port)
    try:
        apigw = client("apigateway", portico.endpoint)
        api = apigw.create_rest_api(name="load")
        api_id, root = api["id"], api["rootResourceId"]
        apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")

        def point_at(version):
            apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="HTTP_PROXY",
                                  integrationHttpMethod="GET", uri=f"http://127.0.0.1:{backend_port}/v{version}")
            apigw.create_deployment(restApiId=api_id, stageName="live")

        point_at(0)
        stop = threading.Event()
        results = {"ok": 0, "failed": []}
        lock = threading.Lock()

        def hammer():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            while not stop.is_set():
                try:
                    connection.request("GET", f"/restapis/{api_id}/live/_user_request_/")
                    response = connection.getresponse()
                    body = response.read()
                    with lock:
                        if response.status == 200 and json.loads(body)["path"].startswith("/v"):
                            results["ok"] += 1
                        else:
                            results["failed"].append((response.status, body[:100]))
                except Exception as error:  # a dropped connection is a failed request too
                    with lock:
                        results["failed"].append(repr(error))
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for thread in threads:
            thread.start()
        deadline = time.time() + 60
        for version in range(1, 21):
            point_at(version)
            time.sleep(0.15)
            if time.time() > deadline:
                break
        time.sleep(0.2)
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        status, body = request(port, "GET", f"/restapis/{api_id}/live/_user_request_/")
        expect(json.loads(body)["path"] == "/v20", f"the last deployment serves: {body}")
        expect(not results["failed"], f"failed requests across deploys: {results['failed'][:5]}")
        expect(results["ok"] > 100, f"the load ran ({results['ok']} requests)")
        print(f"  {results['ok']} requests across 20 deployments, 0 failed")
    finally:
        portico.stop()


def canary_and_custom_domains(backend_port):
    """A canary deployment takes its share of the stage's traffic; custom domains route by Host."""
    port = free_port()
    portico = Portico(["serve", "--dev", "--port", str(port)], port)
    try:
        apigw = client("apigateway", portico.endpoint)
        api = apigw.create_rest_api(name="release")
        api_id, root = api["id"], api["rootResourceId"]
        apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")

        def integrate(path):
            apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="HTTP_PROXY",
                                  integrationHttpMethod="GET", uri=f"http://127.0.0.1:{backend_port}/{path}")

        integrate("stable")
        apigw.create_deployment(restApiId=api_id, stageName="prod")
        integrate("canary")
        apigw.create_deployment(restApiId=api_id, stageName="prod", canarySettings={"percentTraffic": 50.0})
        stage = apigw.get_stage(restApiId=api_id, stageName="prod")
        expect(stage["canarySettings"]["percentTraffic"] == 50.0 and stage["canarySettings"]["deploymentId"] != stage["deploymentId"],
               f"canary settings: {stage}")
        seen = {"/stable": 0, "/canary": 0}
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(400):
            connection.request("GET", f"/restapis/{api_id}/prod/_user_request_/")
            seen[json.loads(connection.getresponse().read())["path"]] += 1
        expect(120 <= seen["/canary"] <= 280, f"a 50% canary served {seen}")
        # Promote: the stage takes the canary's deployment and the canary goes.
        apigw.update_stage(restApiId=api_id, stageName="prod", patchOperations=[
            {"op": "replace", "path": "/deploymentId", "value": stage["canarySettings"]["deploymentId"]},
            {"op": "remove", "path": "/canarySettings"}])
        for _ in range(20):
            status, body = request(port, "GET", f"/restapis/{api_id}/prod/_user_request_/")
            expect(json.loads(body)["path"] == "/canary", f"promoted canary serves everything: {body}")

        apigw.create_domain_name(domainName="api.example.test", regionalCertificateArn="arn:aws:acm:us-east-1:123456789012:certificate/x",
                                 endpointConfiguration={"types": ["REGIONAL"]})
        apigw.create_base_path_mapping(domainName="api.example.test", restApiId=api_id, stage="prod")
        apigw.create_base_path_mapping(domainName="api.example.test", restApiId=api_id, basePath="staged")
        status, body = request(port, "GET", "/", host="api.example.test")
        expect(status == 200 and json.loads(body)["path"] == "/canary", f"custom domain, empty base path: {status} {body}")
        status, body = request(port, "GET", "/staged/prod/", host="api.example.test")
        expect(status == 200, f"custom domain, base path then stage: {status} {body}")

        v2 = client("apigatewayv2", portico.endpoint)
        http_api = v2.create_api(Name="orders", ProtocolType="HTTP", Target=f"http://127.0.0.1:{backend_port}/orders")
        v2.create_domain_name(DomainName="orders.example.test", DomainNameConfigurations=[{"EndpointType": "REGIONAL"}])
        v2.create_api_mapping(DomainName="orders.example.test", ApiId=http_api["ApiId"], Stage="$default", ApiMappingKey="v1/shop")
        status, body = request(port, "GET", "/v1/shop/list", host="orders.example.test")
        expect(status == 200 and json.loads(body)["path"] == "/orders/list", f"HTTP API mapping with a multi-level key: {status} {body}")
    finally:
        portico.stop()


def portico_cli_import_deploy_export(backend_port):
    """`portico import|deploy|export` are thin clients of the same management API."""
    port = free_port()
    portico = Portico(["serve", "--dev", "--port", str(port)], port)
    try:
        def run(*args):
            result = subprocess.run([PORTICO] + list(args) + ["--endpoint", portico.endpoint], capture_output=True, text=True, timeout=60)
            if result.returncode != 0:
                raise RuntimeError(f"portico {' '.join(args)}: {result.stderr}")
            return result.stdout.strip()

        document = tempfile.mktemp(suffix=".yaml")
        with open(document, "w") as f:
            f.write(f"""openapi: 3.0.1
info: {{title: cli, version: "1"}}
paths:
  /hello:
    get:
      x-amazon-apigateway-integration: {{type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:{backend_port}/from-cli"}}
""")
        api_id = run("import", document, "--stage", "dev")
        status, body = request(port, "GET", f"/restapis/{api_id}/dev/_user_request_/hello")
        expect(status == 200 and json.loads(body)["path"] == "/from-cli", f"imported and deployed: {status} {body}")
        deployment = run("deploy", api_id, "prod")
        expect(client("apigateway", portico.endpoint).get_stage(restApiId=api_id, stageName="prod")["deploymentId"] == deployment, "deploy made the stage")
        exported = json.loads(run("export", api_id, "prod"))
        expect(exported["paths"]["/hello"]["get"]["x-amazon-apigateway-integration"]["uri"].endswith("/from-cli"), f"export: {exported}")
        failed = subprocess.run([PORTICO, "deploy", "nope", "x", "--endpoint", portico.endpoint], capture_output=True, text=True, timeout=60)
        expect(failed.returncode != 0 and "NotFoundException" in failed.stderr, f"an unknown API fails clearly: {failed.stderr}")
    finally:
        portico.stop()


def custom_domain_certificate_by_sni():
    """A domain's uploaded certificate is served by SNI on the TLS listener; the listener's otherwise."""
    import ssl
    directory = tempfile.mkdtemp()

    def certificate(name):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
                        "-addext", f"subjectAltName=DNS:{name}", "-keyout", f"{directory}/{name}.key", "-out", f"{directory}/{name}.pem"],
                       check=True, capture_output=True, timeout=60)
        return open(f"{directory}/{name}.pem").read(), open(f"{directory}/{name}.key").read()

    certificate("localhost")
    domain_pem, domain_key = certificate("api.example.test")
    data_port, admin_port = free_port(), free_port()
    with open(f"{directory}/portico.yaml", "w") as f:
        f.write(f"""
listeners: [{{port: {data_port}, tls: {{certificate: localhost.pem, key: localhost.key}}}}]
admin: {{port: {admin_port}}}
apis: []
""")
    portico = Portico(["serve", f"{directory}/portico.yaml"], admin_port)
    try:
        apigw = client("apigateway", f"http://127.0.0.1:{admin_port}")
        api = apigw.create_rest_api(name="tls")
        apigw.put_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", authorizationType="NONE")
        apigw.put_integration(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", type="MOCK",
                              requestTemplates={"application/json": '{"statusCode": 200}'})
        apigw.put_integration_response(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", statusCode="200",
                                       responseTemplates={"application/json": '{"secure":true}'})
        apigw.create_deployment(restApiId=api["id"], stageName="prod")
        created = apigw.create_domain_name(domainName="api.example.test", certificateName="uploaded",
                                           certificateBody=domain_pem, certificatePrivateKey=domain_key)
        expect("certificatePrivateKey" not in created and "certificateBody" not in created, "the key is never answered")
        apigw.create_base_path_mapping(domainName="api.example.test", restApiId=api["id"], stage="prod")

        def https_get(server_name, cafile, host):
            context = ssl.create_default_context(cafile=cafile)
            with socket.create_connection(("127.0.0.1", data_port), timeout=10) as raw:
                with context.wrap_socket(raw, server_hostname=server_name) as tls:
                    tls.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
                    data = b""
                    while chunk := tls.recv(65536):
                        data += chunk
                    return tls.getpeercert()["subject"], data

        subject, data = https_get("api.example.test", f"{directory}/api.example.test.pem", "api.example.test")
        expect(("commonName", "api.example.test") in [item for entry in subject for item in entry], f"SNI picked the domain's certificate: {subject}")
        expect(data.startswith(b"HTTP/1.1 200") and data.endswith(b'{"secure":true}'), f"the domain serves its API: {data[:200]}")
        subject, _ = https_get("localhost", f"{directory}/localhost.pem", "localhost")
        expect(("commonName", "localhost") in [item for entry in subject for item in entry], f"other names get the listener's certificate: {subject}")
    finally:
        portico.stop()


def request_validation_with_boto3(backend_port):
    """Models and request validators through boto3, enforced by the data plane; import and export keep them."""
    port = free_port()
    portico = Portico(["serve", "--dev", "--port", str(port)], port)
    try:
        apigw = client("apigateway", portico.endpoint)
        api = apigw.create_rest_api(name="validated")
        api_id, root = api["id"], api["rootResourceId"]
        apigw.create_model(restApiId=api_id, name="Pet", contentType="application/json", schema=json.dumps({
            "$schema": "http://json-schema.org/draft-04/schema#", "type": "object", "required": ["name"],
            "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}}}))
        validator = apigw.create_request_validator(restApiId=api_id, name="all", validateRequestBody=True, validateRequestParameters=True)
        pets = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="pets")
        apigw.put_method(restApiId=api_id, resourceId=pets["id"], httpMethod="POST", authorizationType="NONE",
                         requestValidatorId=validator["id"], requestModels={"application/json": "Pet"},
                         requestParameters={"method.request.querystring.owner": True, "method.request.header.x-trace": False})
        apigw.put_integration(restApiId=api_id, resourceId=pets["id"], httpMethod="POST", type="HTTP_PROXY",
                              integrationHttpMethod="POST", uri=f"http://127.0.0.1:{backend_port}/pets")
        apigw.create_deployment(restApiId=api_id, stageName="test")
        base = f"/restapis/{api_id}/test/_user_request_/pets"

        status, body = request(port, "POST", base + "?owner=ada", body=b'{"name": "Rex", "age": 3}')
        expect(status == 200 and json.loads(body)["path"].startswith("/pets"), f"a valid request passes: {status} {body}")
        status, body = request(port, "POST", base, body=b'{"name": "Rex"}')
        expect(status == 400 and json.loads(body) == {"message": "Missing required request parameters: [owner]"}, f"missing parameter: {status} {body}")
        status, body = request(port, "POST", base + "?owner=ada", body=b'{"age": -1}')
        expect(status == 400 and json.loads(body) == {"message": "Invalid request body"}, f"invalid body: {status} {body}")

        invoked = apigw.test_invoke_method(restApiId=api_id, resourceId=pets["id"], httpMethod="POST", pathWithQueryString="/pets?owner=ada", body='{"name": 5}')
        expect(invoked["status"] == 400, f"test invoke validates too: {invoked}")

        exported = json.loads(apigw.get_export(restApiId=api_id, stageName="test", exportType="oas30",
                                               parameters={"extensions": "integrations"}, accepts="application/json")["body"].read())
        expect(exported["x-amazon-apigateway-request-validators"]["all"] == {"validateRequestBody": True, "validateRequestParameters": True},
               f"validators exported: {exported.get('x-amazon-apigateway-request-validators')}")
        operation = exported["paths"]["/pets"]["post"]
        expect(operation["x-amazon-apigateway-request-validator"] == "all", f"method validator exported: {operation}")
        expect(operation["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Pet"}, f"model exported: {operation}")

        imported = apigw.import_rest_api(body=json.dumps(exported).encode())
        expect(sorted(m["name"] for m in apigw.get_models(restApiId=imported["id"])["items"]) == ["Pet"], "the model is imported")
        expect([v["name"] for v in apigw.get_request_validators(restApiId=imported["id"])["items"]] == ["all"], "the validator is imported")
        apigw.create_deployment(restApiId=imported["id"], stageName="copy")
        status, body = request(port, "POST", f"/restapis/{imported['id']}/copy/_user_request_/pets?owner=ada", body=b'{"age": 1}')
        expect(status == 400 and json.loads(body) == {"message": "Invalid request body"}, f"the imported copy validates: {status} {body}")
    finally:
        portico.stop()


def api_keys_and_usage_plans_with_boto3(backend_port):
    """Keys, usage plans and plan keys through boto3 are enforced by the data plane."""
    port = free_port()
    portico = Portico(["serve", "--dev", "--port", str(port)], port)
    try:
        apigw = client("apigateway", portico.endpoint)
        api = apigw.create_rest_api(name="metered")
        api_id, root = api["id"], api["rootResourceId"]
        things = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="things")
        apigw.put_method(restApiId=api_id, resourceId=things["id"], httpMethod="GET", authorizationType="NONE", apiKeyRequired=True)
        apigw.put_integration(restApiId=api_id, resourceId=things["id"], httpMethod="GET", type="MOCK",
                              requestTemplates={"application/json": '{"statusCode": 200}'})
        apigw.put_method_response(restApiId=api_id, resourceId=things["id"], httpMethod="GET", statusCode="200")
        apigw.put_integration_response(restApiId=api_id, resourceId=things["id"], httpMethod="GET", statusCode="200",
                                       selectionPattern="", responseTemplates={"application/json": '{"ok":true}'})
        apigw.create_deployment(restApiId=api_id, stageName="prod")
        key = apigw.create_api_key(name="partner", enabled=True, value="partner-key-0123456789abcd")
        plan = apigw.create_usage_plan(name="tiny", apiStages=[{"apiId": api_id, "stage": "prod"}],
                                       throttle={"rateLimit": 100.0, "burstLimit": 50}, quota={"limit": 2, "period": "DAY"})
        apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        path = f"/restapis/{api_id}/prod/_user_request_/things"

        status, body = request(port, "GET", path)
        expect(status == 403 and json.loads(body) == {"message": "Forbidden"}, f"no key: {status} {body}")
        headers = {"x-api-key": "partner-key-0123456789abcd"}
        for attempt in range(2):
            status, body = request(port, "GET", path, headers=headers)
            expect(status == 200 and json.loads(body) == {"ok": True}, f"with the key ({attempt}): {status} {body}")
        status, body = request(port, "GET", path, headers=headers)
        expect(status == 429 and json.loads(body) == {"message": "Limit Exceeded"}, f"over the quota: {status} {body}")
        time.sleep(1.3)  # the counts are stored every second
        today = time.strftime("%Y-%m-%d", time.gmtime())
        usage = apigw.get_usage(usagePlanId=plan["id"], startDate=today, endDate=today)
        expect(usage["items"] == {key["id"]: [[2, 0]]}, f"GetUsage: {usage}")
        apigw.update_api_key(apiKey=key["id"], patchOperations=[{"op": "replace", "path": "/enabled", "value": "false"}])
        status, body = request(port, "GET", path, headers=headers)
        expect(status == 403, f"a disabled key: {status} {body}")
    finally:
        portico.stop()


def quota_counts_survive_kill_9():
    """Usage counts are stored every second: a kill -9 loses at most the last second of them."""
    state = os.path.join(tempfile.mkdtemp(), "state.sqlite")
    port = free_port()
    portico = Portico(["serve", "--dev", "--port", str(port), "--state", state], port)
    apigw = client("apigateway", portico.endpoint)
    api = apigw.create_rest_api(name="quota")
    apigw.put_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", authorizationType="NONE", apiKeyRequired=True)
    apigw.put_integration(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_integration_response(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", statusCode="200", selectionPattern="")
    apigw.create_deployment(restApiId=api["id"], stageName="live")
    key = apigw.create_api_key(name="k", enabled=True, value="quota-key-0123456789abcdef")
    plan = apigw.create_usage_plan(name="five", apiStages=[{"apiId": api["id"], "stage": "live"}], quota={"limit": 5, "period": "DAY"})
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    path = f"/restapis/{api['id']}/live/_user_request_/"
    headers = {"x-api-key": "quota-key-0123456789abcdef"}
    for _ in range(3):
        status, body = request(port, "GET", path, headers=headers)
        expect(status == 200, f"within the quota: {status} {body}")
    time.sleep(1.3)
    portico.stop(signal.SIGKILL)

    portico = Portico(["serve", "--dev", "--port", str(port), "--state", state], port)
    try:
        statuses = [request(port, "GET", path, headers=headers)[0] for _ in range(3)]
        expect(statuses == [200, 200, 429], f"the quota continues from 3 after kill -9: {statuses}")
        time.sleep(1.3)
        today = time.strftime("%Y-%m-%d", time.gmtime())
        usage = client("apigateway", portico.endpoint).get_usage(usagePlanId=plan["id"], startDate=today, endDate=today)
        expect(usage["items"] == {key["id"]: [[5, 0]]}, f"GetUsage after the restart: {usage}")
    finally:
        portico.stop()


def stage_cache_with_boto3(backend_port):
    """A stage deployed with a cache cluster answers repeated GETs from it; FlushStageCache empties it."""
    port = free_port()
    portico = Portico(["serve", "--dev", "--port", str(port)], port)
    try:
        apigw = client("apigateway", portico.endpoint)
        api = apigw.create_rest_api(name="cached")
        api_id, root = api["id"], api["rootResourceId"]
        apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
        apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="HTTP_PROXY",
                              integrationHttpMethod="GET", uri=f"http://127.0.0.1:{backend_port}/cached-{api_id}")
        apigw.create_deployment(restApiId=api_id, stageName="prod", cacheClusterEnabled=True, cacheClusterSize="0.5")
        expect(apigw.get_stage(restApiId=api_id, stageName="prod")["cacheClusterEnabled"], "the stage has a cache")
        path = f"/restapis/{api_id}/prod/_user_request_/"
        backend = f"/cached-{api_id}"
        for _ in range(3):
            status, _ = request(port, "GET", path)
            expect(status == 200, f"GET: {status}")
        expect(SEEN.get(backend) == 1, f"two of three GETs came from the cache: backend saw {SEEN.get(backend)}")
        apigw.flush_stage_cache(restApiId=api_id, stageName="prod")
        request(port, "GET", path)
        expect(SEEN.get(backend) == 2, f"after FlushStageCache the backend answers again: {SEEN.get(backend)}")
    finally:
        portico.stop()


def main():
    backend, backend_port = start_backend()
    scenarios = [
        lambda: rest_api_lifecycle_with_boto3(backend_port),
        lambda: cli_import_export_and_http_apis(backend_port),
        lambda: durable_across_kill_9(backend_port),
        signed_calls_with_admin_credentials,
        lambda: deploys_under_load_fail_nothing(backend_port),
        lambda: canary_and_custom_domains(backend_port),
        lambda: portico_cli_import_deploy_export(backend_port),
        custom_domain_certificate_by_sni,
        lambda: request_validation_with_boto3(backend_port),
        lambda: api_keys_and_usage_plans_with_boto3(backend_port),
        quota_counts_survive_kill_9,
        lambda: stage_cache_with_boto3(backend_port),
    ]
    names = ["rest_api_lifecycle_with_boto3", "cli_import_export_and_http_apis", "durable_across_kill_9",
             "signed_calls_with_admin_credentials", "deploys_under_load_fail_nothing", "canary_and_custom_domains", "portico_cli_import_deploy_export",
             "custom_domain_certificate_by_sni", "request_validation_with_boto3",
             "api_keys_and_usage_plans_with_boto3", "quota_counts_survive_kill_9",
             "stage_cache_with_boto3"]
    failures = 0
    for name, scenario in zip(names, scenarios):
        started = time.time()
        try:
            scenario()
            print(f"ok   {name} ({time.time() - started:.1f}s)")
        except Exception:
            failures += 1
            print(f"FAIL {name}")
            traceback.print_exc()
    backend.shutdown()
    print(f"{len(scenarios) - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
