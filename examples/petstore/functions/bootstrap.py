"""A minimal Lambda runtime client (standard library only): the loop every Lambda runtime runs.

  GET  http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next
  POST http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/{id}/response   (or …/error)

Usage: python3 bootstrap.py module.function
"""
import http.client
import importlib
import json
import os
import sys
import time
import traceback


class Context:
    def __init__(self, request_id, deadline_ms, function_arn):
        self.aws_request_id = request_id
        self.invoked_function_arn = function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))


def main():
    host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
    base = "/2018-06-01/runtime"
    connection = http.client.HTTPConnection(host, int(port))
    try:
        module_name, function_name = sys.argv[1].rsplit(".", 1)
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as error:
        report = json.dumps({"errorMessage": str(error), "errorType": type(error).__name__})
        connection.request("POST", f"{base}/init/error", body=report, headers={"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"})
        connection.getresponse().read()
        sys.exit(1)
    while True:
        connection.request("GET", f"{base}/invocation/next")
        response = connection.getresponse()
        event = json.loads(response.read())
        request_id = response.getheader("Lambda-Runtime-Aws-Request-Id")
        context = Context(request_id, int(response.getheader("Lambda-Runtime-Deadline-Ms")), response.getheader("Lambda-Runtime-Invoked-Function-Arn"))
        try:
            result = json.dumps(handler(event, context))
            path = f"{base}/invocation/{request_id}/response"
        except Exception as error:
            traceback.print_exc()
            result = json.dumps({"errorMessage": str(error), "errorType": type(error).__name__})
            path = f"{base}/invocation/{request_id}/error"
        connection.request("POST", path, body=result)
        connection.getresponse().read()


if __name__ == "__main__":
    main()
