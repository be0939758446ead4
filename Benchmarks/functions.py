#!/usr/bin/env python3
"""Benchmark (not a test) of a warm function through Portico.

Measures, on loopback, with the example's standard-library runtime client (bootstrap.py) running
an echo handler:
  - median latency of a MOCK route and of the function route, one request at a time (2,000 each,
    after a warm-up), and the handler's own time; the function path's overhead is
    function - mock - handler: what Portico's Runtime API path (event, queue, hand-off, the runtime
    client's two HTTP exchanges, result) adds to answering from the gateway itself;
  - requests/s with 1 instance and with N instances (wrk, 8 connections, 10 s), when wrk is installed.

Usage: Benchmarks/functions.py PORTICO_BINARY [N]   (build with: swift build -c release --product portico)
Prints a Markdown report; bounded in time (about a minute).
"""
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

PORTICO = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 2
HERE = os.path.dirname(os.path.abspath(__file__))
BOOTSTRAP = os.path.join(HERE, "..", "examples", "petstore", "functions", "bootstrap.py")
ARN = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:{}/invocations"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def project(port, directory):
    shutil.copy(BOOTSTRAP, directory)
    shutil.copy(os.path.join(HERE, "functions", "echo.py"), directory)
    command = [sys.executable, "bootstrap.py", "echo.handler"]
    integration = lambda name: {"type": "aws_proxy", "httpMethod": "POST", "uri": ARN.format(name)}
    return {
        "listeners": [{"port": port}], "accessLog": {"enabled": False},
        "functions": [
            {"name": "one", "command": command, "workingDirectory": directory, "maxConcurrency": 1, "warmInstances": 1, "queueLimit": 1000},
            {"name": "many", "command": command, "workingDirectory": directory, "maxConcurrency": N, "warmInstances": N, "queueLimit": 1000},
        ],
        "apis": [{"name": "bench", "id": "bench", "type": "REST", "stages": [{"name": "prod"}], "openapi": {
            "openapi": "3.0.1", "info": {"title": "bench", "version": "1"}, "paths": {
                "/mock": {"get": {"x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
                                                                      "responses": {"default": {"statusCode": "200"}}}}},
                "/one": {"get": {"x-amazon-apigateway-integration": integration("one")}},
                "/many": {"get": {"x-amazon-apigateway-integration": integration("many")}},
            }}}],
    }


def sequential(port, path, count):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies, handler = [], []
    for _ in range(count):
        started = time.perf_counter_ns()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter_ns() - started)
        if response.getheader("x-handler-ns"):
            handler.append(int(response.getheader("x-handler-ns")))
        assert response.status == 200, response.status
    return statistics.median(latencies) / 1000, (statistics.median(handler) / 1000 if handler else 0.0)


def wrk(port, path):
    if not shutil.which("wrk"):
        return None
    output = subprocess.run(["wrk", "-t2", "-c8", "-d10s", f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, timeout=60).stdout
    for line in output.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    return None


def main():
    directory = tempfile.mkdtemp()
    port = free_port()
    with open(os.path.join(directory, "portico.json"), "w") as f:
        json.dump(project(port, directory), f)
    process = subprocess.Popen([PORTICO, "serve", os.path.join(directory, "portico.json"), "--log-level", "error"])
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        time.sleep(1.0)  # warm instances start
        sequential(port, "/prod/one", 200)
        sequential(port, "/prod/mock", 200)
        mock, _ = sequential(port, "/prod/mock", 2000)
        function, handler = sequential(port, "/prod/one", 2000)
        one = wrk(port, "/prod/one")
        many = wrk(port, "/prod/many")
        print(f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; nproc={os.cpu_count()}; Portico `{PORTICO}`")
        print("- Function: Python echo handler behind the example's standard-library runtime client (`bootstrap.py`), warm")
        print()
        print("| measure | value |")
        print("|---|---:|")
        print(f"| median latency, MOCK route, 1 request at a time | {mock:.0f} µs |")
        print(f"| median latency, function route, 1 request at a time | {function:.0f} µs |")
        print(f"| median handler time (inside the function) | {handler:.0f} µs |")
        print(f"| **function path overhead** (function − mock − handler) | **{function - mock - handler:.0f} µs** |")
        if one is not None:
            print(f"| requests/s, 1 instance, wrk -c8 | {one:.0f} |")
            print(f"| requests/s, {N} instances, wrk -c8 | {many:.0f} |")
        else:
            print("| requests/s | wrk not installed |")
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    main()
