"""Responses of the endpoints tandem uses validate against Atlassian's published OpenAPI
schemas, as derived into committed fixtures by scripts/derive-schemas (no ../shared needed)."""

import json
import os

import jsonschema
import pytest
import requests

from conftest import SYNC_BOT

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SCHEMAS = os.path.join(ROOT, "crates", "tandem-sim", "tests", "fixtures", "schemas", "jira")


def schema(name):
    with open(os.path.join(SCHEMAS, f"{name}.json"), encoding="utf-8") as f:
        return json.load(f)


def index():
    with open(os.path.join(SCHEMAS, "index.json"), encoding="utf-8") as f:
        return json.load(f)["operations"]


def adf(text):
    return {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]}


@pytest.fixture(scope="module")
def world(demo):
    """Creates what the parameterised requests refer to."""
    s = requests.Session()
    s.auth = SYNC_BOT
    s.headers["Accept"] = "application/json"
    base = demo.url + "/rest/api/3"
    r = s.post(f"{base}/issue", json={"fields": {"project": {"key": "DEMO"}, "issuetype": {"name": "Task"}, "summary": "schema", "description": adf("d")}, "properties": [{"key": "tandem.link", "value": {"uuid": "x"}}]})
    assert r.status_code == 201, r.text
    key = r.json()["key"]
    s.post(f"{base}/issue/{key}/transitions", json={"transition": {"id": "11"}})
    comment = s.post(f"{base}/issue/{key}/comment", json={"body": adf("c")}).json()
    att = s.post(f"{base}/issue/{key}/attachments", headers={"X-Atlassian-Token": "no-check"}, files={"file": ("a.txt", b"abc")}).json()
    s.post(f"{base}/issueLink", json={"type": {"name": "Relates"}, "inwardIssue": {"key": key}, "outwardIssue": {"key": "DEMO-1"}})
    link = s.get(f"{base}/issue/{key}?fields=issuelinks").json()["fields"]["issuelinks"][0]["id"]
    return {"s": s, "base": base, "key": key, "comment": comment["id"], "attachment": att[0]["id"], "link": link}


REQUESTS = {
    "serverInfo": ("GET", "/serverInfo", None),
    "myself": ("GET", "/myself?expand=groups,applicationRoles", None),
    "project_list": ("GET", "/project", None),
    "project_search": ("GET", "/project/search", None),
    "project": ("GET", "/project/DEMO", None),
    "project_statuses": ("GET", "/project/DEMO/statuses", None),
    "project_roles": ("GET", "/project/DEMO/role", None),
    "project_role": ("GET", "/project/DEMO/role/10001", None),
    "mypermissions": ("GET", "/mypermissions?projectKey=DEMO&permissions=BROWSE_PROJECTS,CREATE_ISSUES,EDIT_ISSUES,ADMINISTER", None),
    "createmeta_issuetypes": ("GET", "/issue/createmeta/DEMO/issuetypes", None),
    "createmeta_fields": ("GET", "/issue/createmeta/DEMO/issuetypes/10002", None),
    "editmeta": ("GET", "/issue/{key}/editmeta", None),
    "issue_create": ("POST", "/issue", {"fields": {"project": {"key": "DEMO"}, "issuetype": {"id": "10002"}, "summary": "s"}}),
    "issue_bulk": ("POST", "/issue/bulk", {"issueUpdates": [{"fields": {"project": {"key": "DEMO"}, "issuetype": {"id": "10002"}, "summary": "s"}}, {"fields": {"project": {"key": "DEMO"}, "issuetype": {"id": "999"}, "summary": "s"}}]}),
    "issue": ("GET", "/issue/{key}?expand=renderedFields,names,changelog&properties=tandem.link", None),
    "transitions": ("GET", "/issue/{key}/transitions", None),
    "changelog": ("GET", "/issue/{key}/changelog", None),
    "comments": ("GET", "/issue/{key}/comment?expand=renderedBody", None),
    "comment_add": ("POST", "/issue/{key}/comment", {"body": adf("more")}),
    "comment": ("GET", "/issue/{key}/comment/{comment}", None),
    "attachment": ("GET", "/attachment/{attachment}", None),
    "attachment_meta": ("GET", "/attachment/meta", None),
    "issue_property": ("GET", "/issue/{key}/properties/tandem.link", None),
    "issue_property_keys": ("GET", "/issue/{key}/properties", None),
    "search_jql": ("GET", "/search/jql?jql=project%20%3D%20DEMO%20ORDER%20BY%20key&maxResults=5&fields=*all&expand=names", None),
    "approximate_count": ("POST", "/search/approximate-count", {"jql": "project = DEMO"}),
    "fields": ("GET", "/field", None),
    "statuses": ("GET", "/status", None),
    "status_categories": ("GET", "/statuscategory", None),
    "priorities": ("GET", "/priority", None),
    "issue_types": ("GET", "/issuetype", None),
    "issue_link_types": ("GET", "/issueLinkType", None),
    "issue_link": ("GET", "/issueLink/{link}", None),
    "user_search": ("GET", "/user/search?query=a", None),
}


def test_every_derived_schema_has_a_request():
    assert set(index()) - {"attachments_add"} == set(REQUESTS)


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_response_matches_published_schema(world, name):
    method, path, body = REQUESTS[name]
    path = path.format(**{k: v for k, v in world.items() if isinstance(v, str)})
    r = world["s"].request(method, world["base"] + path, json=body)
    assert r.status_code == index()[name]["status"], r.text
    jsonschema.validate(r.json(), schema(name), cls=jsonschema.Draft202012Validator)


def test_attachment_upload_matches_published_schema(world):
    r = world["s"].post(f"{world['base']}/issue/{world['key']}/attachments", headers={"X-Atlassian-Token": "no-check"}, files={"file": ("b.txt", b"xyz")})
    assert r.status_code == 200, r.text
    jsonschema.validate(r.json(), schema("attachments_add"), cls=jsonschema.Draft202012Validator)


def test_a_wrong_shape_fails_validation():
    """The fixtures have teeth: a response missing a required key or with a wrong type fails."""
    bad = {"values": "not a list", "startAt": 0, "maxResults": 1, "total": 1, "isLast": True}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema("project_search"), cls=jsonschema.Draft202012Validator)
