"""The chat room's functions (standard library only). Members are kept in a SQLite file; messages
go out through the stage's @connections API (unsigned: Portico answers loopback callers without
IAM credentials configured; against AWS, sign with SigV4 as boto3's apigatewaymanagementapi does)."""
import http.client
import json
import os
import sqlite3
import urllib.parse

DATABASE = os.environ.get("CHAT_DB", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".chat.sqlite"))


def members():
    db = sqlite3.connect(DATABASE)
    db.execute("create table if not exists members (id text primary key, name text)")
    return db


def join(event, context):
    name = (event.get("queryStringParameters") or {}).get("name") or "anonymous"
    with members() as db:
        db.execute("insert or replace into members values (?, ?)", (event["requestContext"]["connectionId"], name))
    return {"statusCode": 200}


def leave(event, context):
    with members() as db:
        db.execute("delete from members where id = ?", (event["requestContext"]["connectionId"],))
    return {"statusCode": 200}


def send(event, context):
    sender = event["requestContext"]["connectionId"]
    text = json.loads(event.get("body") or "{}").get("message", "")
    with members() as db:
        everyone = db.execute("select id, name from members").fetchall()
    name = next((member_name for member_id, member_name in everyone if member_id == sender), "anonymous")
    callback = urllib.parse.urlsplit(os.environ["CHAT_CALLBACK"])
    payload = json.dumps({"from": name, "message": text}).encode()
    gone = []
    for member_id, _ in everyone:
        connection = http.client.HTTPConnection(callback.hostname, callback.port, timeout=5)
        connection.request("POST", f"{callback.path}/@connections/{urllib.parse.quote(member_id, safe='')}", body=payload)
        if connection.getresponse().status == 410:
            gone.append(member_id)
        connection.close()
    if gone:
        with members() as db:
            db.executemany("delete from members where id = ?", [(member_id,) for member_id in gone])
    return {"statusCode": 200}
