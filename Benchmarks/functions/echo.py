"""The benchmark's function: answers at once, and says how long the handler itself took."""
import time


def handler(event, context):
    started = time.perf_counter_ns()
    result = {"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": "ok"}
    result["headers"]["x-handler-ns"] = str(time.perf_counter_ns() - started)
    return result
