"""The example's function: a Lambda handler in Python, as it would be deployed to AWS Lambda.

Portico runs it through the Lambda Runtime API. The example uses `bootstrap.py` (a small runtime
client with only the standard library) so it runs on any machine with Python; the official client
works the same: command: [python3, -m, awslambdaric, adopt.handler] after `pip install awslambdaric`.
"""
import json


def handler(event, context):
    # An API Gateway proxy event (payload 1.0 from the REST API, 2.0 from the HTTP API).
    pet = (event.get("pathParameters") or {}).get("petId", "?")
    body = json.loads(event.get("body") or "{}")
    return {
        "statusCode": 201,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({
            "adopted": pet,
            "by": body.get("name", "anonymous"),
            "requestId": context.aws_request_id,
            "stage": event["requestContext"]["stage"],
        }),
    }
