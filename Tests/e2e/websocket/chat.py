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
