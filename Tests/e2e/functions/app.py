"""Handlers that Portico runs through the Lambda Runtime API with awslambdaric (the official
Python runtime client). `validate` checks each event it receives with aws-lambda-powertools'
API Gateway event models and echoes what it learned."""
import base64
import json
import os
import time

from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventModel, APIGatewayProxyEventV2Model


def validate(event, context):
    model = APIGatewayProxyEventV2Model if event.get("version") == "2.0" else APIGatewayProxyEventModel
    try:
        model.model_validate(event)
        problem = None
    except Exception as error:  # the test reports the model's complaint
        problem = str(error)
    body = event.get("body")
    raw = base64.b64decode(body) if body is not None and event.get("isBase64Encoded") else (body.encode() if body else b"")
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "x-pid": str(os.getpid())},
        "body": json.dumps({
            "model": model.__name__, "problem": problem, "event": event, "bodyHex": raw.hex(),
            "requestId": context.aws_request_id, "functionName": context.function_name,
            "memory": context.memory_limit_in_mb, "remaining": context.get_remaining_time_in_millis(),
        }),
    }


def responses(event, context):
    """What to answer is in the query string: ?kind=..."""
    kind = ((event.get("queryStringParameters") or {}).get("kind")) or "plain"
    if kind == "plain":
        return {"hello": "world"}
    if kind == "string":
        return "just text"
    if kind == "binary":
        return {"statusCode": 200, "headers": {"content-type": "image/png"}, "isBase64Encoded": True,
                "body": base64.b64encode(bytes(range(256))).decode()}
    if kind == "multi":
        return {"statusCode": 201, "multiValueHeaders": {"x-many": ["a", "b"]}, "headers": {"x-one": "1"},
                "cookies": ["c1=v1", "c2=v2; HttpOnly"], "body": "made"}
    if kind == "malformed":
        return {"statusCode": "not-a-number", "body": "x"}
    if kind == "error":
        raise RuntimeError("the handler failed on purpose")
    if kind == "sleep":
        time.sleep(5)
        return {"statusCode": 200, "body": "late"}
    if kind == "crash":
        os._exit(3)
    if kind == "huge":
        return {"statusCode": 200, "body": "x" * (7 * 1024 * 1024)}
    return {"statusCode": 400, "body": "unknown kind"}


def slow(event, context):
    time.sleep(0.4)
    return {"statusCode": 200, "headers": {"x-pid": str(os.getpid())}, "body": "done"}


def custom(event, context):
    """An AWS (non-proxy) integration: the event is the request body."""
    if event.get("id") == "missing":
        raise LookupError("Not found: item missing")
    return {"id": event.get("id"), "seen": True}


CALLS = {"count": 0}


def token_authorizer(event, context):
    """A REST TOKEN authorizer: allows the stage for most tokens, denies `deny`, refuses `unauthorized`."""
    CALLS["count"] += 1
    token = event["authorizationToken"]
    if token == "unauthorized":
        raise Exception("Unauthorized")
    if token == "broken":
        return {"principalId": "x"}
    stage_arn = event["methodArn"].split("/")[0] + "/" + event["methodArn"].split("/")[1]
    effect = "Deny" if token == "deny" else "Allow"
    return {
        "principalId": "user-" + token,
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": stage_arn + "/*"}]},
        "context": {"tier": "gold", "calls": CALLS["count"], "ok": True},
    }


def request_authorizer(event, context):
    """A REST REQUEST authorizer: allows when header X-Key is `open`."""
    allowed = event["headers"].get("X-Key") == "open" and event["type"] == "REQUEST"
    return {
        "principalId": "requester",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow" if allowed else "Deny", "Resource": event["methodArn"]}]},
        "context": {"query": (event.get("queryStringParameters") or {}).get("k", "")},
    }


def simple_authorizer(event, context):
    """An HTTP API authorizer with payload 2.0 simple responses."""
    key = event["headers"].get("x-key")
    return {"isAuthorized": key == "open", "context": {"tier": "silver", "route": event["routeKey"]}}
