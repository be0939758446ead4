"""Handlers of the WebSocket end-to-end test (run by awslambdaric under Portico)."""
import json
import os


def connect(event, context):
    query = event.get("queryStringParameters") or {}
    if query.get("token") == "bad":
        return {"statusCode": 403}
    return {"statusCode": 200}


def echo(event, context):
    request = event["requestContext"]
    return {"statusCode": 200, "body": json.dumps({
        "echo": json.loads(event["body"]), "routeKey": request["routeKey"], "eventType": request["eventType"],
        "connectionId": request["connectionId"], "stage": request["stage"], "hasMessageId": bool(request.get("messageId")),
    })}


def disconnect(event, context):
    request = event["requestContext"]
    with open(os.environ["DISCONNECTS"], "a") as log:
        log.write(f"{request['connectionId']} {request['eventType']} {request.get('disconnectStatusCode')}\n")
    return {"statusCode": 200}


def authorize(event, context):
    token = (event.get("queryStringParameters") or {}).get("token")
    if token not in ("letmein", "nope"):
        raise Exception("Unauthorized")
    effect = "Allow" if token == "letmein" else "Deny"
    return {"principalId": "user-7", "context": {"tier": "gold"},
            "policyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": "execute-api:Invoke", "Resource": event["methodArn"]}]}}


def whoami(event, context):
    request = event["requestContext"]
    return {"statusCode": 200, "body": json.dumps({"authorizer": request.get("authorizer"), "userArn": request["identity"].get("userArn"),
                                                   "apiKeyId": request["identity"].get("apiKeyId")})}
