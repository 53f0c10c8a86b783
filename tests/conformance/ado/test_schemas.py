"""Responses of the endpoints tandem uses validate against Microsoft's published Swagger
definitions (work item tracking 7.1, service hooks 7.1), as derived into committed fixtures by
scripts/derive-schemas (no ../shared needed). Lists are unwrapped from the
{"count", "value"} collection wrapper the wire uses."""

import base64
import json
import os

import jsonschema
import pytest
import requests

from conftest import ALICE_PAT, PROJECT, SYNC_PAT

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SCHEMAS = os.path.join(ROOT, "crates", "tandem-sim", "tests", "fixtures", "schemas", "ado")


def schema(name):
    with open(os.path.join(SCHEMAS, f"{name}.json"), encoding="utf-8") as f:
        return json.load(f)


def index():
    with open(os.path.join(SCHEMAS, "index.json"), encoding="utf-8") as f:
        return json.load(f)["operations"]


def session(pat):
    s = requests.Session()
    s.headers["Authorization"] = "Basic " + base64.b64encode(f":{pat}".encode()).decode()
    s.headers["X-TFS-FedAuthRedirect"] = "Suppress"
    return s


@pytest.fixture(scope="module")
def world(demo):
    s = session(SYNC_PAT)
    base = f"{demo.url}/{PROJECT}/_apis/wit"
    r = s.post(
        f"{base}/attachments?fileName=a.txt&api-version=7.1",
        data=b"abc",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 201, r.text
    return {"s": s, "base": base, "org": demo.url, "attachment": r.json()["url"]}


def patch_body(ops):
    return {"headers": {"Content-Type": "application/json-patch+json"}, "data": json.dumps(ops)}


REQUESTS = {
    "workitem": ("GET", "{base}/workitems/3?$expand=all&api-version=7.1", None),
    "workitem_create": ("POST", "{base}/workitems/$Task?api-version=7.1", [
        {"op": "add", "path": "/fields/System.Title", "value": "schema"},
        {"op": "add", "path": "/relations/-", "value": {"rel": "Hyperlink", "url": "https://jira.example.com/browse/DEMO-1"}},
        {"op": "add", "path": "/relations/-", "value": {"rel": "AttachedFile", "url": "{attachment}"}},
    ]),
    "workitem_update": ("PATCH", "{base}/workitems/4?$expand=relations&api-version=7.1", [
        {"op": "add", "path": "/fields/System.History", "value": "<p>schema</p>"},
    ]),
    "workitems_list": ("GET", "{base}/workitems?ids=1,2,3&$expand=relations&api-version=7.1", None),
    "workitems_batch": ("POST", "{base}/workitemsbatch?api-version=7.1", {"ids": [1, 2], "fields": ["System.Title", "System.ChangedDate"]}),
    "wiql": ("POST", "{org}/{project}/{project} Team/_apis/wit/wiql?api-version=7.1", {"query": "SELECT [System.Id], [System.Title] FROM WorkItems ORDER BY [System.ChangedDate] DESC"}),
    "updates": ("GET", "{base}/workItems/3/updates?api-version=7.1", None),
    "revisions": ("GET", "{base}/workItems/3/revisions?$expand=all&api-version=7.1", None),
    "comments": ("GET", "{base}/workItems/3/comments?$expand=all&api-version=7.1-preview.4", None),
    "comment_add": ("POST", "{base}/workItems/3/comments?format=markdown&api-version=7.1-preview.4", {"text": "**schema**"}),
    "comment_update": ("PATCH", "{base}/workItems/3/comments/{comment}?format=html&api-version=7.1-preview.4", {"text": "<p>edited</p>"}),
    "attachment_create": ("POST", "{base}/attachments?fileName=b.txt&api-version=7.1", b"xyz"),
    "work_item_types": ("GET", "{base}/workitemtypes?api-version=7.1", None),
    "work_item_type": ("GET", "{base}/workitemtypes/Bug?api-version=7.1", None),
    "work_item_type_states": ("GET", "{base}/workitemtypes/Bug/states?api-version=7.1", None),
    "fields": ("GET", "{base}/fields?api-version=7.1", None),
    "field": ("GET", "{base}/fields/System.AssignedTo?api-version=7.1", None),
    "classification_roots": ("GET", "{base}/classificationnodes?$depth=2&api-version=7.1", None),
    "classification_node": ("GET", "{base}/classificationnodes/Areas?$depth=2&api-version=7.1", None),
    "relation_types": ("GET", "{org}/_apis/wit/workitemrelationtypes?api-version=7.1", None),
    "tags": ("GET", "{base}/tags?api-version=7.1-preview.1", None),
    "subscription_create": ("POST", "{org}/_apis/hooks/subscriptions?api-version=7.1", {
        "publisherId": "tfs", "eventType": "workitem.updated", "resourceVersion": "1.0",
        "consumerId": "webHooks", "consumerActionId": "httpRequest",
        "publisherInputs": {"projectId": "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c"},
        "consumerInputs": {"url": "https://sync.example.com/ado", "basicAuthUsername": "ado", "basicAuthPassword": "x"},
    }),
    "subscriptions": ("GET", "{org}/_apis/hooks/subscriptions?api-version=7.1", None),
}

ADMIN_ONLY = {"subscription_create", "subscriptions"}


def test_every_fixture_has_a_request():
    assert set(index()) == set(REQUESTS), "scripts/derive-schemas and REQUESTS disagree"


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_response_matches_published_schema(world, name):
    s = session(ALICE_PAT) if name in ADMIN_ONLY else world["s"]
    method, url, body = REQUESTS[name]
    comment = None
    if "{comment}" in url:
        r = s.post(f"{world['base']}/workItems/3/comments?api-version=7.1-preview.4", json={"text": "to edit"})
        comment = r.json()["id"]
    url = url.format(base=world["base"], org=world["org"], project=PROJECT, comment=comment)
    kwargs = {}
    if isinstance(body, (bytes, bytearray)):
        kwargs = {"data": body, "headers": {"Content-Type": "application/octet-stream"}}
    elif name in ("workitem_create", "workitem_update"):
        text = json.dumps(body).replace("{attachment}", world["attachment"])
        kwargs = patch_body(json.loads(text))
    elif body is not None:
        kwargs = {"json": body}
    r = s.request(method, url, **kwargs)
    assert r.status_code in (200, 201), f"{name}: {r.status_code} {r.text}"
    payload = r.json()
    meta = index()[name]
    if meta.get("wrapped"):
        assert set(payload) == {"count", "value"}, payload.keys()
        assert payload["count"] == len(payload["value"])
        payload = payload["value"]
        assert payload, f"{name}: empty list proves nothing"
    jsonschema.validate(payload, schema(name))
