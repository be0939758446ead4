#!/usr/bin/env python3
"""WebSocket scale benchmark (not a test): Portico holds N idle connections (default 10,000) and
we read its resident memory; then messages are posted through the @connections API to 1,000 of
them and we count how many are delivered per second. Everything on 127.0.0.1, every wait bounded.

    python3 Benchmarks/websocket.py [path/to/portico] [connections]

Needs the `websockets` package (pip). Writes Benchmarks/websocket-last-run.md.
"""
import asyncio
import http.client
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time

from websockets.asyncio.client import connect

HERE = os.path.dirname(os.path.abspath(__file__))
PORTICO = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", ".build", "release", "portico")
CONNECTIONS = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
BROADCAST_TO = 1_000
ROUNDS = 20
POSTERS = 4


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_mb(pid):
    fields = {}
    for line in open(f"/proc/{pid}/status"):
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cpu_seconds(pid):
    parts = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


async def open_all(url, count):
    sockets, ids = [], []
    gate = asyncio.Semaphore(256)

    async def one():
        async with gate:
            ws = await connect(url, open_timeout=30, ping_interval=None, max_queue=None)
            await ws.send("{}")
            ids.append(json.loads(await asyncio.wait_for(ws.recv(), 30))["id"])
            sockets.append(ws)

    await asyncio.gather(*(one() for _ in range(count)))
    return sockets, ids


def post_all(port, ids, rounds, done):
    """Each poster thread keeps one keep-alive connection and posts to its share of the ids."""
    def poster(share):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for round_number in range(rounds):
            for connection_id in share:
                connection.request("POST", f"/bench/@connections/{connection_id.replace('=', '%3D').replace('/', '%2F').replace('+', '%2B')}",
                                   body=f'{{"round": {round_number}}}')
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    done.append(f"POST answered {response.status}")
        connection.close()

    threads = [threading.Thread(target=poster, args=(ids[i::POSTERS],)) for i in range(POSTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)


async def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    directory = tempfile.mkdtemp(prefix="portico-ws-bench-")
    port = free_port()
    with open(os.path.join(directory, "portico.yaml"), "w") as f:
        f.write(f"""
listeners: [{{host: 127.0.0.1, port: {port}}}]
accessLog: {{enabled: false}}
limits: {{accountThrottle: {{rateLimit: 100000000, burstLimit: 100000000}}}}
apis:
  - name: bench
    id: wsbench
    type: WEBSOCKET
    routes:
      $default:
        routeResponse: true
        integration: {{type: mock, requestTemplates: {{application/json: '{{"statusCode": 200}}'}},
                       responses: {{default: {{statusCode: "200", responseTemplates: {{application/json: '{{"id": "$context.connectionId"}}'}}}}}}}}
    stages: [{{name: bench}}]
""")
    process = subprocess.Popen([PORTICO, "serve", os.path.join(directory, "portico.yaml"), "--log-level", "warning"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                await asyncio.sleep(0.05)
        base_rss, _ = memory_mb(process.pid)
        started = time.time()
        sockets, ids = await asyncio.wait_for(open_all(f"ws://127.0.0.1:{port}/bench", CONNECTIONS), 300)
        opened = time.time() - started
        await asyncio.sleep(2)
        rss, peak = memory_mb(process.pid)
        per_connection_kb = (rss - base_rss) * 1024 / CONNECTIONS

        targets = sockets[:BROADCAST_TO]
        target_ids = ids[:BROADCAST_TO]
        expected = BROADCAST_TO * ROUNDS
        received = 0
        all_in = asyncio.Event()

        async def drain(ws):
            nonlocal received
            for _ in range(ROUNDS):
                await ws.recv()
                received += 1
            if received >= expected:
                all_in.set()

        readers = [asyncio.create_task(drain(ws)) for ws in targets]
        errors = []
        cpu_before = cpu_seconds(process.pid)
        started = time.time()
        poster = asyncio.get_running_loop().run_in_executor(None, post_all, port, target_ids, ROUNDS, errors)
        await asyncio.wait_for(all_in.wait(), 120)
        elapsed = time.time() - started
        cpu = cpu_seconds(process.pid) - cpu_before
        await poster
        for reader in readers:
            reader.cancel()
        report = f"""# WebSocket benchmark — last run

- Date: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}
- Host: nproc={os.cpu_count()}, Portico `{os.path.realpath(PORTICO)}`
- Command: `python3 Benchmarks/websocket.py` ({CONNECTIONS} connections; {BROADCAST_TO} receivers × {ROUNDS} rounds through `@connections`, {POSTERS} keep-alive posters; clients, posters and Portico share the cores)

| measure | value |
|---|---:|
| connections opened (each upgraded, one message and its answer) | {len(sockets)} in {opened:.1f} s |
| Portico resident memory before / with {CONNECTIONS} idle connections | {base_rss:.1f} MB / {rss:.1f} MB (peak {peak:.1f} MB) |
| memory per idle connection | {per_connection_kb:.1f} KB |
| messages posted through @connections and delivered | {received} in {elapsed:.2f} s = **{received / elapsed:,.0f} messages/s** |
| Portico CPU per delivered message (POST + frame) | {cpu * 1e6 / max(received, 1):.1f} µs |
| POST errors | {len(errors)} |
"""
        print(report)
        with open(os.path.join(HERE, "websocket-last-run.md"), "w") as f:
            f.write(report)
        for ws in sockets:
            ws.transport.abort()
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(), 600))
