#!/usr/bin/env python3
"""End-to-end tests of AWS_IAM methods and resource policies with botocore's own signers
(SigV4Auth for the Authorization header, SigV4QueryAuth for presigned URLs), unmodified, against
the real `portico` binary. Run by `swift test` (AccessE2ETests) with the binary's path.

Each scenario starts its own Portico on a free loopback port and stops it; every wait is bounded.
"""
import datetime
import json
import os
import socket
import ssl
import subprocess
import tempfile
import urllib.parse

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from management_e2e import Portico, client, expect, free_port, request, run_scenarios

REGION = "us-east-1"

API = """
openapi: 3.0.1
info: {title: secured, version: "1"}
x-amazon-apigateway-policy:
  Version: "2012-10-17"
  Statement:
    - {Effect: Allow, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*"}
    - {Effect: Deny, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/prod/*/admin",
       Condition: {IpAddress: {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}}
    - {Effect: Deny, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/prod/*/partners",
       Condition: {StringNotLike: {"aws:PrincipalArn": "arn:aws:iam::*:user/alice"}}}
paths:
  /pets:
    get:
      security: [{sigv4: []}]
      x-amazon-apigateway-integration: &who
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: "200"
            responseTemplates: {application/json: '{"userArn": "$context.identity.userArn", "accessKey": "$context.identity.accessKey", "caller": "$context.identity.caller", "accountId": "$context.identity.accountId"}'}
    post:
      security: [{sigv4: []}]
      x-amazon-apigateway-integration: *who
  /search/{term}:
    get:
      security: [{sigv4: []}]
      x-amazon-apigateway-integration: *who
  /partners:
    get:
      security: [{sigv4: []}]
      x-amazon-apigateway-integration: *who
  /admin:
    get:
      x-amazon-apigateway-integration: *who
  /open:
    get:
      x-amazon-apigateway-integration: *who
components:
  securitySchemes:
    sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
"""

ALICE = Credentials("AKIDALICEE2E", "alice-secret-key")
BOB = Credentials("AKIDBOBE2E", "bob-secret-key")
TEMP = Credentials("ASIATEMPE2E", "temp-secret-key", "the-session-token")
CAROL = Credentials("AKIDCAROLE2E", "carol-secret-key")


def start():
    directory = tempfile.mkdtemp(prefix="portico-access-")
    port = free_port()
    with open(os.path.join(directory, "api.yaml"), "w") as f:
        f.write(API)
    with open(os.path.join(directory, "portico.yaml"), "w") as f:
        f.write(f"""
listeners: [{{host: 127.0.0.1, port: {port}}}]
accessLog: {{enabled: false}}
iam:
  credentials:
    - {{accessKeyId: {ALICE.access_key}, secretAccessKey: {ALICE.secret_key}, principal: "arn:aws:iam::123456789012:user/alice"}}
    - {{accessKeyId: {BOB.access_key}, secretAccessKey: {BOB.secret_key}, principal: "arn:aws:iam::123456789012:user/bob"}}
    - {{accessKeyId: {TEMP.access_key}, secretAccessKey: {TEMP.secret_key}, sessionToken: {TEMP.token}, principal: "arn:aws:sts::123456789012:assumed-role/ops/session"}}
    - accessKeyId: {CAROL.access_key}
      secretAccessKey: {CAROL.secret_key}
      principal: "arn:aws:iam::123456789012:user/carol"
      policy: {{Statement: [{{Effect: Allow, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:*:*:secured1/prod/GET/*"}}]}}
apis:
  - {{name: secured, id: secured1, type: REST, definition: api.yaml, stages: [{{name: prod}}]}}
""")
    return Portico(["serve", os.path.join(directory, "portico.yaml")], port), port


def signed(port, credentials, method, path, body=None, headers=None, tamper=None, when=None):
    """Signs with botocore's SigV4Auth, as boto3 and the AWS SDKs sign execute-api calls."""
    url = f"http://127.0.0.1:{port}{path}"
    aws = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    signer = botocore.auth.SigV4Auth(credentials, "execute-api", REGION)
    if when is not None:
        real = botocore.auth.datetime.datetime

        class Frozen(real):
            @classmethod
            def utcnow(cls):
                return when.replace(tzinfo=None)

            @classmethod
            def now(cls, tz=None):
                return when if tz else when.replace(tzinfo=None)

        botocore.auth.datetime.datetime = Frozen
        try:
            signer.add_auth(aws)
        finally:
            botocore.auth.datetime.datetime = real
    else:
        signer.add_auth(aws)
    prepared = aws.prepare()
    sent_body = tamper(body) if tamper else body
    parts = urllib.parse.urlsplit(prepared.url)
    target = parts.path + (("?" + parts.query) if parts.query else "")
    return request(port, method, target, body=sent_body, headers=dict(prepared.headers))


def iam_with_botocore_signers():
    portico, port = start()
    try:
        status, body = signed(port, ALICE, "GET", "/prod/pets")
        expect(status == 200, f"a SigV4Auth-signed GET passes: {status} {body}")
        identity = json.loads(body)
        expect(identity == {"userArn": "arn:aws:iam::123456789012:user/alice", "accessKey": ALICE.access_key, "caller": "alice",
                            "accountId": "123456789012"}, f"$context.identity: {identity}")
        status, body = signed(port, ALICE, "POST", "/prod/pets", body=b'{"name": "rex", "tags": ["a b", "c&d"]}',
                              headers={"Content-Type": "application/json"})
        expect(status == 200, f"a signed POST with a body passes: {status} {body}")
        # Encoded path segments and a query string with reserved characters, canonicalised as AWS does.
        status, body = signed(port, ALICE, "GET", "/prod/search/caf%C3%A9%20au%20lait?q=a%2Bb&z=1&a=%2F&empty=")
        expect(status == 200, f"encoded path and query pass: {status} {body}")
        # Temporary credentials with their session token (X-Amz-Security-Token).
        status, body = signed(port, TEMP, "GET", "/prod/pets")
        expect(status == 200 and "assumed-role/ops/session" in body.decode(), f"session credentials pass: {status} {body}")

        # A presigned URL, from botocore's SigV4QueryAuth.
        aws = AWSRequest(method="GET", url=f"http://127.0.0.1:{port}/prod/pets?color=brown")
        botocore.auth.SigV4QueryAuth(ALICE, "execute-api", REGION, expires=60).add_auth(aws)
        parts = urllib.parse.urlsplit(aws.prepare().url)
        status, body = request(port, "GET", parts.path + "?" + parts.query)
        expect(status == 200, f"a presigned URL passes: {status} {body}")
        status, body = request(port, "GET", parts.path + "?" + parts.query.replace("color=brown", "color=white"))
        expect(status == 403 and b"does not match" in body, f"a changed presigned query fails: {status} {body}")

        # A changed byte of the body, a wrong secret, an unknown key, an old date: AWS's 403s.
        status, body = signed(port, ALICE, "POST", "/prod/pets", body=b'{"amount": 1}', tamper=lambda b: b'{"amount": 9}')
        message = json.loads(body)["message"]
        expect(status == 403 and message.startswith("The request signature we calculated does not match the signature you provided."),
               f"a changed byte fails: {status} {body}")
        expect("The Canonical String for this request should have been" in message, f"the message shows the canonical request: {message}")
        status, body = signed(port, Credentials(ALICE.access_key, "wrong-secret"), "GET", "/prod/pets")
        expect(status == 403 and json.loads(body)["message"].startswith("The request signature we calculated does not match"),
               f"a wrong secret fails: {status} {body}")
        status, body = signed(port, Credentials("AKIDNOBODY", "whatever"), "GET", "/prod/pets")
        expect(status == 403 and json.loads(body) == {"message": "The security token included in the request is invalid."},
               f"an unknown key fails: {status} {body}")
        status, body = signed(port, Credentials(TEMP.access_key, TEMP.secret_key), "GET", "/prod/pets")
        expect(status == 403 and json.loads(body) == {"message": "The security token included in the request is invalid."},
               f"session credentials without their token fail: {status} {body}")
        then = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=6)
        status, body = signed(port, ALICE, "GET", "/prod/pets", when=then)
        message = json.loads(body)["message"]
        expect(status == 403 and message.startswith("Signature expired: ") and message.endswith(" - 5 min.)"), f"an old date fails: {status} {body}")
        status, body = request(port, "GET", "/prod/pets")
        expect(status == 403 and json.loads(body) == {"message": "Missing Authentication Token"}, f"no signature: {status} {body}")

        # An identity policy: carol may GET, not POST.
        status, body = signed(port, CAROL, "GET", "/prod/pets")
        expect(status == 200, f"carol's policy allows GET: {status} {body}")
        status, body = signed(port, CAROL, "POST", "/prod/pets", body=b"{}")
        expect(status == 403 and json.loads(body)["message"] == "User: arn:aws:iam::123456789012:user/carol is not authorized to perform: "
               "execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:secured1/prod/POST/pets",
               f"carol's POST is denied: {status} {body}")
    finally:
        portico.stop()


def resource_policy():
    portico, port = start()
    try:
        status, body = request(port, "GET", "/prod/open")
        expect(status == 200, f"the policy allows anonymous callers: {status} {body}")
        status, body = request(port, "GET", "/prod/admin")
        expect(status == 403 and json.loads(body) == {"Message": "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
                                                                 "arn:aws:execute-api:us-east-1:********9012:secured1/prod/GET/admin with an explicit deny"},
               f"a denied source IP: {status} {body}")
        status, body = signed(port, ALICE, "GET", "/prod/partners")
        expect(status == 200, f"the policy's principal condition lets alice in: {status} {body}")
        status, body = signed(port, BOB, "GET", "/prod/partners")
        expect(status == 403 and json.loads(body)["Message"].startswith("User: arn:aws:iam::123456789012:user/bob is not authorized")
               and json.loads(body)["Message"].endswith("with an explicit deny"), f"bob is denied explicitly: {status} {body}")
    finally:
        portico.stop()


def authorizers_through_the_management_api():
    """Cognito, IAM and a resource policy on a REST API, a JWT authorizer and CORS on an HTTP API, all with boto3."""
    port = free_port()
    portico = Portico(["serve", "--dev", "--port", str(port)], port)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        rest = client("apigateway", endpoint)
        api = rest.create_rest_api(name="guarded")["id"]
        root = rest.get_resources(restApiId=api)["items"][0]["id"]
        pool = rest.create_authorizer(restApiId=api, name="pool", type="COGNITO_USER_POOLS", identitySource="method.request.header.Authorization",
                                      providerARNs=["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_E2E"])["id"]
        for part, authorization in [("users", "COGNITO_USER_POOLS"), ("iam", "AWS_IAM"), ("open", "NONE")]:
            resource = rest.create_resource(restApiId=api, parentId=root, pathPart=part)["id"]
            extra = {"authorizerId": pool, "authorizationScopes": ["users/read"]} if authorization == "COGNITO_USER_POOLS" else {}
            rest.put_method(restApiId=api, resourceId=resource, httpMethod="GET", authorizationType=authorization, **extra)
            rest.put_integration(restApiId=api, resourceId=resource, httpMethod="GET", type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
            rest.put_integration_response(restApiId=api, resourceId=resource, httpMethod="GET", statusCode="200", responseTemplates={"application/json": '{"ok": true}'})
            rest.put_method_response(restApiId=api, resourceId=resource, httpMethod="GET", statusCode="200")
        policy = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
            {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/GET/open",
             "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}}}]})
        rest.update_rest_api(restApiId=api, patchOperations=[{"op": "replace", "path": "/policy", "value": policy}])
        rest.create_deployment(restApiId=api, stageName="prod")
        status, body = request(port, "GET", "/prod/users", host=f"{api}.execute-api.localhost")
        expect(status == 401 and json.loads(body) == {"message": "Unauthorized"}, f"the Cognito method wants a token: {status} {body}")
        status, body = request(port, "GET", "/prod/users", host=f"{api}.execute-api.localhost", headers={"Authorization": "not.a.token"})
        expect(status == 401, f"a malformed token is refused: {status} {body}")
        status, body = request(port, "GET", "/prod/iam", host=f"{api}.execute-api.localhost")
        expect(status == 403 and json.loads(body) == {"message": "Missing Authentication Token"}, f"the IAM method wants a signature: {status} {body}")
        status, body = request(port, "GET", "/prod/open", host=f"{api}.execute-api.localhost")
        expect(status == 403 and json.loads(body)["Message"].endswith("/prod/GET/open with an explicit deny"), f"the policy denies: {status} {body}")

        v2 = client("apigatewayv2", endpoint)
        http_api = v2.create_api(Name="jwt-http", ProtocolType="HTTP",
                                 CorsConfiguration={"AllowOrigins": ["https://app.example.com"], "AllowMethods": ["GET"], "MaxAge": 60})["ApiId"]
        authorizer = v2.create_authorizer(ApiId=http_api, Name="idp", AuthorizerType="JWT", IdentitySource=["$request.header.Authorization"],
                                          JwtConfiguration={"Issuer": "http://127.0.0.1:9/idp", "Audience": ["e2e"]})["AuthorizerId"]
        integration = v2.create_integration(ApiId=http_api, IntegrationType="HTTP_PROXY", IntegrationMethod="GET",
                                            IntegrationUri="http://127.0.0.1:9/", PayloadFormatVersion="1.0")["IntegrationId"]
        v2.create_route(ApiId=http_api, RouteKey="GET /me", Target=f"integrations/{integration}", AuthorizationType="JWT",
                        AuthorizerId=authorizer, AuthorizationScopes=["me/read"])
        v2.create_stage(ApiId=http_api, StageName="$default", AutoDeploy=True)
        route = v2.get_routes(ApiId=http_api)["Items"][0]
        expect(route["AuthorizationType"] == "JWT" and route["AuthorizationScopes"] == ["me/read"], f"the route keeps its authorization: {route}")
        status, body = request(port, "GET", "/me", host=f"{http_api}.execute-api.localhost")
        expect(status == 401 and json.loads(body) == {"message": "Unauthorized"}, f"the JWT route wants a token: {status} {body}")
        status, body = request(port, "OPTIONS", "/me", host=f"{http_api}.execute-api.localhost",
                               headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"})
        expect(status == 204, f"the preflight is answered by the gateway: {status} {body}")
    finally:
        portico.stop()


def custom_domain_mutual_tls():
    """A custom domain with mutualTlsAuthentication (a file:// truststore): clients naming it by SNI
    need a certificate from that CA; the certificate reaches $context.identity.clientCert."""
    directory = tempfile.mkdtemp(prefix="portico-mtls-")

    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60, cwd=directory)

    def self_signed(name, *extra):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", f"/CN={name}",
                "-keyout", f"{name}.key", "-out", f"{name}.pem", *extra)

    self_signed("localhost", "-addext", "subjectAltName=DNS:localhost")
    self_signed("mtls.example.test", "-addext", "subjectAltName=DNS:mtls.example.test")
    self_signed("e2e-ca", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    self_signed("rogue-client")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=e2e-client/O=Portico E2E",
            "-keyout", "client.key", "-out", "client.csr")
    with open(os.path.join(directory, "client.ext"), "w") as f:
        f.write("extendedKeyUsage=clientAuth\n")
    openssl("x509", "-req", "-in", "client.csr", "-CA", "e2e-ca.pem", "-CAkey", "e2e-ca.key", "-CAcreateserial", "-days", "1",
            "-extfile", "client.ext", "-out", "client.pem")
    data_port, admin_port = free_port(), free_port()
    with open(os.path.join(directory, "portico.yaml"), "w") as f:
        f.write(f"""
listeners: [{{port: {data_port}, tls: {{certificate: localhost.pem, key: localhost.key}}}}]
admin: {{port: {admin_port}}}
accessLog: {{enabled: false}}
apis: []
""")
    portico = Portico(["serve", os.path.join(directory, "portico.yaml")], admin_port)
    try:
        apigw = client("apigateway", f"http://127.0.0.1:{admin_port}")
        api = apigw.create_rest_api(name="mtls")
        root = api["rootResourceId"]
        apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
        apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
        apigw.put_integration_response(restApiId=api["id"], resourceId=root, httpMethod="GET", statusCode="200",
                                       responseTemplates={"application/json": '$context.identity.clientCert.subjectDN'})
        apigw.create_deployment(restApiId=api["id"], stageName="prod")
        with open(os.path.join(directory, "mtls.example.test.pem")) as pem, open(os.path.join(directory, "mtls.example.test.key")) as key:
            apigw.create_domain_name(domainName="mtls.example.test", certificateName="mtls", certificateBody=pem.read(), certificatePrivateKey=key.read(),
                                     mutualTlsAuthentication={"truststoreUri": f"file://{directory}/e2e-ca.pem"})
        apigw.create_base_path_mapping(domainName="mtls.example.test", restApiId=api["id"], stage="prod")

        def get(server_name, certificate=None):
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            if certificate:
                context.load_cert_chain(os.path.join(directory, certificate + ".pem"), os.path.join(directory, certificate + ".key"))
            try:
                with socket.create_connection(("127.0.0.1", data_port), timeout=10) as raw:
                    with context.wrap_socket(raw, server_hostname=server_name) as tls:
                        tls.sendall(f"GET {'/' if server_name != 'localhost' else '/prod'} HTTP/1.1\r\nHost: {server_name}\r\nConnection: close\r\n\r\n".encode())
                        data = b""
                        while chunk := tls.recv(65536):
                            data += chunk
                        return data
            except (ssl.SSLError, ConnectionResetError, BrokenPipeError) as error:
                return error

        answer = get("mtls.example.test", "client")
        expect(isinstance(answer, bytes) and answer.startswith(b"HTTP/1.1 200") and b"CN=e2e-client" in answer,
               f"a client certificate from the truststore's CA passes, and reaches the template: {answer!r:.300}")
        for name, certificate in [("no certificate", None), ("a certificate from another CA", "rogue-client")]:
            refused = get("mtls.example.test", certificate)
            expect(not isinstance(refused, bytes) or not refused.startswith(b"HTTP/1.1 200"), f"{name} is refused at the handshake: {refused!r:.200}")
        plain = get("localhost")
        expect(isinstance(plain, bytes) and plain.startswith(b"HTTP/1.1 200"), f"names without mutual TLS need no certificate: {plain!r:.200}")
    finally:
        portico.stop()


def main():
    run_scenarios([iam_with_botocore_signers, resource_policy, authorizers_through_the_management_api, custom_domain_mutual_tls])


if __name__ == "__main__":
    main()
