#!/usr/bin/env python3
"""End-to-end tests of WebSocket APIs with a real client (the `websockets` package) and boto3's
`apigatewaymanagementapi` client against the real `portico` binary: $connect (accepting and
refusing), route selection, two-way routes with functions (awslambdaric) and mocks, the
@connections API, pings, AWS's size limits, the idle timeout and exactly one $disconnect.
Run by `swift test` (WebSocketE2ETests) with the binary's path.
"""
import asyncio
import json
import os
import socket
import sys
import tempfile
import time

import boto3
import botocore.exceptions
from botocore.config import Config
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from management_e2e import Portico, expect, free_port, run_scenarios

HANDLERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "websocket")
ARN = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:{}/invocations"


def start(directory, idle_seconds=600):
    port = free_port()
    disconnects = os.path.join(directory, "disconnects.log")
    functions = "\n".join(
        f"  - {{name: {name}, command: [{sys.executable}, -m, awslambdaric, chat.{name}], workingDirectory: {HANDLERS}, "
        f"environment: {{DISCONNECTS: {disconnects}}}, warmInstances: 1}}"
        for name in ["connect", "echo", "disconnect"])
    with open(os.path.join(directory, "portico.yaml"), "w") as f:
        f.write(f"""
listeners: [{{host: 127.0.0.1, port: {port}}}]
accessLog: {{enabled: false}}
functions:
{functions}
apis:
  - name: chat
    id: chat1
    type: WEBSOCKET
    routeSelectionExpression: $request.body.action
    limits: {{idleTimeoutSeconds: {idle_seconds}}}
    routes:
      $connect: {{integration: {{type: aws_proxy, uri: "{ARN.format('connect')}"}}}}
      $disconnect: {{integration: {{type: aws_proxy, uri: "{ARN.format('disconnect')}"}}}}
      echo: {{integration: {{type: aws_proxy, uri: "{ARN.format('echo')}"}}, routeResponse: true}}
      $default:
        routeResponse: true
        integration: {{type: mock, requestTemplates: {{application/json: '{{"statusCode": 200}}'}},
                       responses: {{default: {{statusCode: "200", responseTemplates: {{application/json: '{{"route": "default"}}'}}}}}}}}
    stages: [{{name: prod}}]
""")
    return Portico(["serve", os.path.join(directory, "portico.yaml")], port), port, disconnects


def management(port):
    return boto3.client("apigatewaymanagementapi", endpoint_url=f"http://127.0.0.1:{port}/prod", region_name="us-east-1",
                        aws_access_key_id="AKIDLOCAL", aws_secret_access_key="local", config=Config(retries={"max_attempts": 1}))


def lines(path):
    return open(path).read().splitlines() if os.path.exists(path) else []


async def wait_for(condition, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.05)
    return False


async def life_of_a_connection():
    directory = tempfile.mkdtemp(prefix="portico-ws-")
    portico, port, disconnects = start(directory)
    try:
        url = f"ws://127.0.0.1:{port}/prod"
        try:
            async with connect(url + "?token=bad", open_timeout=10):
                raise AssertionError("a refused $connect opened a connection")
        except InvalidStatus as error:
            expect(error.response.status_code == 403, f"$connect's 403 refuses the upgrade: {error.response.status_code}")

        async with connect(url + "?token=good", open_timeout=10, max_size=None) as ws:
            await ws.send(json.dumps({"action": "echo", "text": "hi"}))
            answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
            expect(answer["echo"] == {"action": "echo", "text": "hi"} and answer["routeKey"] == "echo" and answer["eventType"] == "MESSAGE"
                   and answer["stage"] == "prod" and answer["hasMessageId"], f"the echo route's function answers: {answer}")
            connection_id = answer["connectionId"]
            await ws.send(json.dumps({"action": "unknown"}))
            expect(json.loads(await asyncio.wait_for(ws.recv(), 10)) == {"route": "default"}, "other actions go to $default")
            await ws.send("not json")
            expect(json.loads(await asyncio.wait_for(ws.recv(), 10)) == {"route": "default"}, "a body that is not JSON goes to $default")
            await ws.send(b"\x00\xff binary")
            expect(json.loads(await asyncio.wait_for(ws.recv(), 10)) == {"route": "default"}, "a binary message goes to $default")
            pong = await ws.ping()
            await asyncio.wait_for(pong, 5)

            # @connections: send, describe, then close.
            api = management(port)
            api.post_to_connection(ConnectionId=connection_id, Data=b'{"pushed": true}')
            expect(json.loads(await asyncio.wait_for(ws.recv(), 10)) == {"pushed": True}, "a message posted through @connections arrives")
            api.post_to_connection(ConnectionId=connection_id, Data=b"\xff\x00\x01")
            expect(await asyncio.wait_for(ws.recv(), 10) == b"\xff\x00\x01", "bytes that are not UTF-8 arrive as a binary message")
            described = api.get_connection(ConnectionId=connection_id)
            expect(described["Identity"]["SourceIp"] == "127.0.0.1" and described["ConnectedAt"] <= described["LastActiveAt"],
                   f"GetConnection: {described}")
            api.delete_connection(ConnectionId=connection_id)
            try:
                await asyncio.wait_for(ws.recv(), 10)
                raise AssertionError("the connection stayed open after DeleteConnection")
            except ConnectionClosed:
                pass
        try:
            management(port).post_to_connection(ConnectionId=connection_id, Data=b"late")
            raise AssertionError("posting to a closed connection succeeded")
        except botocore.exceptions.ClientError as error:
            expect(error.response["Error"]["Code"] == "GoneException", f"a closed connection is gone: {error.response['Error']}")
        expect(await wait_for(lambda: any(line.startswith(connection_id + " DISCONNECT") for line in lines(disconnects))),
               f"$disconnect ran: {lines(disconnects)}")

        # A client that vanishes without a close frame: exactly one $disconnect.
        ws = await connect(url, open_timeout=10)
        await ws.send(json.dumps({"action": "echo", "n": 1}))
        vanished = json.loads(await asyncio.wait_for(ws.recv(), 10))["connectionId"]
        ws.transport.abort()
        expect(await wait_for(lambda: any(line.startswith(vanished + " ") for line in lines(disconnects))), "the vanished client is disconnected")
        await asyncio.sleep(1)
        expect(sum(1 for line in lines(disconnects) if line.startswith(vanished + " ")) == 1, f"exactly one $disconnect: {lines(disconnects)}")
    finally:
        portico.stop()


async def limits():
    directory = tempfile.mkdtemp(prefix="portico-ws-")
    portico, port, _ = start(directory, idle_seconds=2)
    try:
        url = f"ws://127.0.0.1:{port}/prod"
        # A frame over 32 KB: closed with 1009.
        async with connect(url, open_timeout=10, max_size=None) as ws:
            await ws.send("x" * (33 * 1024))
            try:
                await asyncio.wait_for(ws.recv(), 10)
                raise AssertionError("an oversized frame was accepted")
            except ConnectionClosed as closed:
                expect(closed.rcvd is not None and closed.rcvd.code == 1009, f"close code 1009: {closed.rcvd}")
        # A message over 128 KB in 32 KB fragments: 1009 as well; one just under passes.
        async with connect(url, open_timeout=10, max_size=None) as ws:
            await ws.send(iter([json.dumps({"action": "unknown", "pad": "y" * 30000})[:-1]] + ["y" * 30000] * 2 + ['"}']))
            expect(json.loads(await asyncio.wait_for(ws.recv(), 10)) == {"route": "default"}, "a fragmented message is put together")
            await ws.send(iter(["z" * 32000] * 5))
            try:
                await asyncio.wait_for(ws.recv(), 10)
                raise AssertionError("a message over 128 KB was accepted")
            except ConnectionClosed as closed:
                expect(closed.rcvd is not None and closed.rcvd.code == 1009, f"close code 1009 for the message: {closed.rcvd}")
        # Idle for longer than the (lowered) idle timeout: closed with 1001.
        async with connect(url, open_timeout=10) as ws:
            started = time.time()
            try:
                await asyncio.wait_for(ws.recv(), 10)
            except ConnectionClosed as closed:
                expect(closed.rcvd is not None and closed.rcvd.code == 1001 and 1.5 < time.time() - started < 6,
                       f"idle connections close after the timeout: {closed.rcvd} after {time.time() - started:.1f}s")
        # A plain HTTP request to the stage: 426.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            raw.sendall(b"GET /prod HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            expect(raw.recv(100).startswith(b"HTTP/1.1 426"), "plain HTTP to a WebSocket stage is 426")
    finally:
        portico.stop()


async def through_apigatewayv2():
    """A WebSocket API made with boto3's apigatewayv2 client: a mock two-way $default route."""
    port = free_port()
    portico = Portico(["serve", "--dev", "--port", str(port)], port)
    try:
        v2 = boto3.client("apigatewayv2", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                          aws_access_key_id="AKIDLOCAL", aws_secret_access_key="local", config=Config(retries={"max_attempts": 1}))
        api = v2.create_api(Name="live", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action")["ApiId"]
        integration = v2.create_integration(ApiId=api, IntegrationType="MOCK", RequestTemplates={"application/json": '{"statusCode": 200}'},
                                            TemplateSelectionExpression="\\$default")["IntegrationId"]
        v2.create_integration_response(ApiId=api, IntegrationId=integration, IntegrationResponseKey="$default",
                                       ResponseTemplates={"application/json": '{"from": "apigatewayv2"}'})
        route = v2.create_route(ApiId=api, RouteKey="$default", Target=f"integrations/{integration}")["RouteId"]
        v2.create_route_response(ApiId=api, RouteId=route, RouteResponseKey="$default")
        v2.create_stage(ApiId=api, StageName="live")
        v2.create_deployment(ApiId=api, StageName="live")
        async with connect(f"ws://127.0.0.1:{port}/live", open_timeout=10) as ws:
            await ws.send(json.dumps({"action": "anything"}))
            answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
            expect(answer == {"from": "apigatewayv2"}, f"the deployed mock answers: {answer}")
        # A custom domain mapped to the API's stage: clients connect to the domain's root.
        v2.create_domain_name(DomainName="chat.example.test")
        v2.create_api_mapping(DomainName="chat.example.test", ApiId=api, Stage="live")
        async with connect(f"ws://chat.example.test:{port}/", host="127.0.0.1", port=port, open_timeout=10) as ws:
            await ws.send("{}")
            expect(json.loads(await asyncio.wait_for(ws.recv(), 10)) == {"from": "apigatewayv2"}, "the custom domain reaches the stage")
    finally:
        portico.stop()


async def chat_example():
    """examples/chat: two members; one sends, both receive through @connections."""
    import shutil
    directory = tempfile.mkdtemp(prefix="portico-chat-")
    examples = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples")
    shutil.copytree(os.path.join(examples, "chat"), os.path.join(directory, "chat"))
    shutil.copytree(os.path.join(examples, "petstore", "functions"), os.path.join(directory, "petstore", "functions"))
    port = free_port()
    config = os.path.join(directory, "chat", "portico.yaml")
    with open(config) as f:
        text = f.read().replace("8081", str(port))
    with open(config, "w") as f:
        f.write(text)
    portico = Portico(["serve", config], port)
    try:
        url = f"ws://127.0.0.1:{port}/prod"
        async with connect(url + "?name=ada", open_timeout=10) as ada, connect(url + "?name=grace", open_timeout=10) as grace:
            await ada.send(json.dumps({"action": "hello"}))
            expect("hint" in json.loads(await asyncio.wait_for(ada.recv(), 10)), "other actions get the $default hint")
            await grace.send(json.dumps({"action": "sendmessage", "message": "hi all"}))
            for member in (ada, grace):
                expect(json.loads(await asyncio.wait_for(member.recv(), 15)) == {"from": "grace", "message": "hi all"}, "every member gets the message")
    finally:
        portico.stop()


async def connect_authorization():
    """$connect behind a Lambda REQUEST authorizer (allow, explicit deny, Unauthorized, missing identity)
    and behind AWS_IAM (a SigV4-signed upgrade); the authorizer's context reaches later messages."""
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    directory = tempfile.mkdtemp(prefix="portico-ws-auth-")
    port = free_port()
    functions = "\n".join(
        f"  - {{name: {name}, command: [{sys.executable}, -m, awslambdaric, chat.{name}], workingDirectory: {HANDLERS}}}"
        for name in ["authorize", "whoami"])
    with open(os.path.join(directory, "portico.yaml"), "w") as f:
        f.write(f"""
listeners: [{{host: 127.0.0.1, port: {port}}}]
accessLog: {{enabled: false}}
iam:
  credentials:
    - {{accessKeyId: AKIDWS, secretAccessKey: ws-secret, principal: "arn:aws:iam::123456789012:user/socket"}}
functions:
{functions}
apis:
  - name: guarded
    type: WEBSOCKET
    authorizers:
      gate: {{authorizerUri: "{ARN.format('authorize')}", identitySource: [route.request.querystring.token]}}
    routes:
      $connect: {{authorizationType: CUSTOM, authorizer: gate}}
      $default: {{integration: {{type: aws_proxy, uri: "{ARN.format('whoami')}"}}, routeResponse: true}}
    stages: [{{name: guarded}}]
  - name: signed
    type: WEBSOCKET
    routes:
      $connect: {{authorizationType: AWS_IAM}}
      $default: {{integration: {{type: aws_proxy, uri: "{ARN.format('whoami')}"}}, routeResponse: true}}
    stages: [{{name: signed}}]
  - name: keyed
    id: keyed1
    type: WEBSOCKET
    routes:
      $connect: {{apiKeyRequired: true}}
      $default: {{integration: {{type: aws_proxy, uri: "{ARN.format('whoami')}"}}, routeResponse: true}}
    stages: [{{name: keyed}}]
apiKeys:
  - {{name: socket-key, id: key77, value: socket-key-0123456789abcdef}}
usagePlans:
  - {{name: two-a-day, apiStages: [{{api: keyed, stage: keyed}}], quota: {{limit: 2, period: DAY}}, keys: [socket-key]}}
""")
    portico = Portico(["serve", os.path.join(directory, "portico.yaml")], port)
    try:
        base = f"ws://127.0.0.1:{port}"
        for token, status in [("nope", 403), ("wrong", 401), (None, 401)]:
            try:
                async with connect(base + "/guarded" + (f"?token={token}" if token else ""), open_timeout=10):
                    raise AssertionError(f"token {token} opened a connection")
            except InvalidStatus as error:
                expect(error.response.status_code == status, f"token {token}: {error.response.status_code} (expected {status})")
        async with connect(base + "/guarded?token=letmein", open_timeout=10) as ws:
            await ws.send("{}")
            answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
            expect(answer["authorizer"] == {"tier": "gold", "principalId": "user-7"}, f"the authorizer's context reaches messages: {answer}")
        try:
            async with connect(base + "/signed", open_timeout=10):
                raise AssertionError("an unsigned upgrade opened a connection")
        except InvalidStatus as error:
            expect(error.response.status_code == 403, f"unsigned: {error.response.status_code}")
        # API keys on $connect: none or unknown → 403, a good one counts against its plan's quota.
        for headers, status in [({}, 403), ({"x-api-key": "not-a-key-0123456789abcdef"}, 403)]:
            try:
                async with connect(base + "/keyed", open_timeout=10, additional_headers=headers):
                    raise AssertionError("a connection without a valid key opened")
            except InvalidStatus as error:
                expect(error.response.status_code == status, f"key {headers}: {error.response.status_code}")
        for _ in range(2):
            async with connect(base + "/keyed", open_timeout=10, additional_headers={"x-api-key": "socket-key-0123456789abcdef"}) as ws:
                await ws.send("{}")
                answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
                expect(answer["apiKeyId"] == "key77", f"the key reaches messages: {answer}")
        try:
            async with connect(base + "/keyed", open_timeout=10, additional_headers={"x-api-key": "socket-key-0123456789abcdef"}):
                raise AssertionError("a third connection passed a quota of two")
        except InvalidStatus as error:
            expect(error.response.status_code == 429, f"over the quota: {error.response.status_code}")

        request = AWSRequest(method="GET", url=f"http://127.0.0.1:{port}/signed")
        botocore.auth.SigV4Auth(Credentials("AKIDWS", "ws-secret"), "execute-api", "us-east-1").add_auth(request)
        signed = {name: value for name, value in request.headers.items() if name.lower() in ("authorization", "x-amz-date")}
        async with connect(base + "/signed", open_timeout=10, additional_headers=signed) as ws:
            await ws.send("{}")
            answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
            expect(answer["userArn"] == "arn:aws:iam::123456789012:user/socket", f"the signer reaches messages: {answer}")
            # With IAM credentials configured, @connections wants a signature by one of them.
            await ws.send(json.dumps({"action": "who"}))
            connections = boto3.client("apigatewaymanagementapi", endpoint_url=f"http://127.0.0.1:{port}/signed", region_name="us-east-1",
                                       aws_access_key_id="AKIDWS", aws_secret_access_key="ws-secret", config=Config(retries={"max_attempts": 1}))
            await asyncio.wait_for(ws.recv(), 10)
            stranger = boto3.client("apigatewaymanagementapi", endpoint_url=f"http://127.0.0.1:{port}/signed", region_name="us-east-1",
                                    aws_access_key_id="AKIDSTRANGER", aws_secret_access_key="x", config=Config(retries={"max_attempts": 1}))
            try:
                stranger.get_connection(ConnectionId="nobody")
                raise AssertionError("an unknown signer used @connections")
            except botocore.exceptions.ClientError as error:
                expect(error.response["ResponseMetadata"]["HTTPStatusCode"] == 403, f"an unknown signer is refused: {error.response}")
            try:
                connections.get_connection(ConnectionId="nobody")
                raise AssertionError("a connection that does not exist was found")
            except botocore.exceptions.ClientError as error:
                expect(error.response["Error"]["Code"] == "GoneException", f"a known signer reaches the API: {error.response['Error']}")
    finally:
        portico.stop()


async def secure_websockets():
    """wss:// through a TLS listener."""
    import ssl
    import subprocess
    directory = tempfile.mkdtemp(prefix="portico-wss-")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", "key.pem", "-out", "cert.pem"], cwd=directory, check=True, capture_output=True, timeout=60)
    port = free_port()
    with open(os.path.join(directory, "portico.yaml"), "w") as f:
        f.write(f"""
listeners: [{{host: 127.0.0.1, port: {port}, tls: {{certificate: cert.pem, key: key.pem}}}}]
accessLog: {{enabled: false}}
apis:
  - name: secure
    type: WEBSOCKET
    routes:
      $default:
        routeResponse: true
        integration: {{type: mock, requestTemplates: {{application/json: '{{"statusCode": 200}}'}},
                       responses: {{default: {{statusCode: "200", responseTemplates: {{application/json: '{{"id": "$context.connectionId"}}'}}}}}}}}
    stages: [{{name: secure}}]
""")
    portico = Portico(["serve", os.path.join(directory, "portico.yaml")], port)
    try:
        context = ssl.create_default_context(cafile=os.path.join(directory, "cert.pem"))
        async with connect(f"wss://localhost:{port}/secure", ssl=context, open_timeout=10) as ws:
            await ws.send("{}")
            answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
            expect(len(answer["id"]) == 16, f"a mock's template reads $context.connectionId over wss: {answer}")
    finally:
        portico.stop()


async def http_integration_and_lifetime():
    """A two-way route whose integration is an HTTP endpoint (the message is POSTed), and the
    connection lifetime limit (lowered to 2 s) closing with 1001."""
    import http.server
    import threading

    class Backend(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            answer = json.dumps({"backend_saw": json.loads(body)}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    directory = tempfile.mkdtemp(prefix="portico-ws-http-")
    port = free_port()
    with open(os.path.join(directory, "portico.yaml"), "w") as f:
        f.write(f"""
listeners: [{{host: 127.0.0.1, port: {port}}}]
accessLog: {{enabled: false}}
apis:
  - name: relay
    type: WEBSOCKET
    limits: {{maxConnectionSeconds: 2}}
    routes:
      relay: {{integration: {{type: http_proxy, httpMethod: POST, uri: "http://127.0.0.1:${{stageVariables.backendPort}}/in"}}, routeResponse: true}}
    stages: [{{name: relay, variables: {{backendPort: "{backend.server_address[1]}"}}}}]
""")
    portico = Portico(["serve", os.path.join(directory, "portico.yaml")], port)
    try:
        async with connect(f"ws://127.0.0.1:{port}/relay", open_timeout=10) as ws:
            started = time.time()
            await ws.send(json.dumps({"action": "relay", "n": 5}))
            answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
            expect(answer == {"backend_saw": {"action": "relay", "n": 5}}, f"the HTTP integration answers: {answer}")
            # No $default: other actions get AWS's error message.
            await ws.send(json.dumps({"action": "elsewhere"}))
            refused = json.loads(await asyncio.wait_for(ws.recv(), 10))
            expect(refused["message"] == "Forbidden" and "connectionId" in refused and "requestId" in refused, f"no route: {refused}")
            try:
                await asyncio.wait_for(ws.recv(), 10)
            except ConnectionClosed as closed:
                expect(closed.rcvd is not None and closed.rcvd.code == 1001 and 1.5 < time.time() - started < 6,
                       f"the lifetime limit closes the connection: {closed.rcvd} after {time.time() - started:.1f}s")
    finally:
        portico.stop()
        backend.shutdown()


def main():
    run_scenarios(
        [life_of_a_connection, limits, through_apigatewayv2, chat_example, connect_authorization, secure_websockets, http_integration_and_lifetime],
        run=lambda scenario: asyncio.run(asyncio.wait_for(scenario(), 90)))


if __name__ == "__main__":
    main()
