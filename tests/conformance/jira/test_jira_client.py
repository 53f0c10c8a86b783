"""The Python `jira` client (pycontribs, pinned in requirements.txt) against the simulator,
unchanged: what a third-party integration does, and the failures of the article."""

import io

import pytest
from jira import JIRA
from jira.exceptions import JIRAError

from conftest import ALICE, SYNC_BOT


def connect(sim, auth=SYNC_BOT, **kw):
    return JIRA(server=sim.url, basic_auth=auth, max_retries=0, **kw)


def test_connect_server_info_and_myself(demo):
    j = connect(demo, validate=True)
    info = j.server_info()
    assert info["deploymentType"] == "Cloud"
    assert j._is_cloud
    me = j.myself()
    assert me["emailAddress"] == "sync-bot@example.com"
    assert me["displayName"] == "Sync Bot"


def test_projects(demo):
    j = connect(demo)
    keys = sorted(p.key for p in j.projects())
    assert keys == ["DEMO", "HELP"]
    demo_project = j.project("DEMO")
    assert demo_project.name == "Demo"
    assert {t.name for t in demo_project.issueTypes} == {"Epic", "Story", "Task", "Bug"}


def test_create_search_comment_transition_attach(demo):
    j = connect(demo)
    issue = j.create_issue(
        project="DEMO",
        summary="created by the jira client",
        description="Some *wiki* text",
        issuetype={"name": "Task"},
        labels=["conformance"],
    )
    assert issue.key.startswith("DEMO-")
    again = j.issue(issue.key)
    assert again.fields.summary == "created by the jira client"
    assert again.fields.description == "Some *wiki* text"
    assert again.fields.status.name == "To Do"

    found = j.search_issues(f'project = DEMO AND key = "{issue.key}"', maxResults=10)
    assert [i.key for i in found] == [issue.key]
    recent = j.search_issues("project = DEMO AND updated >= -1h ORDER BY updated DESC", maxResults=5)
    assert issue.key in [i.key for i in recent]

    comment = j.add_comment(issue, "first comment")
    assert comment.body == "first comment"
    assert [c.body for c in j.comments(issue)] == ["first comment"]

    names = [t["name"] for t in j.transitions(issue)]
    assert names == ["Start progress"]
    j.transition_issue(issue, "Start progress")
    j.transition_issue(issue, "Done")
    assert j.issue(issue.key).fields.status.name == "Done"

    att = j.add_attachment(issue=issue.key, attachment=io.BytesIO(b"hello"), filename="hello.txt")
    assert att.filename == "hello.txt"
    assert att.size == 5
    assert j.attachment(att.id).get() == b"hello"
    assert [a.filename for a in j.issue(issue.key).fields.attachment] == ["hello.txt"]

    issue.update(summary="renamed by the client")
    assert j.issue(issue.key).fields.summary == "renamed by the client"


def test_issue_links_and_properties(demo):
    j = connect(demo)
    j.create_issue_link("Blocks", "DEMO-1", "DEMO-2")
    links = j.issue("DEMO-1").fields.issuelinks
    assert any(getattr(l, "outwardIssue", None) and l.outwardIssue.key == "DEMO-2" for l in links)
    j.add_issue_property("DEMO-3", "tandem.link", {"uuid": "abc"})
    assert j.issue_property("DEMO-3", "tandem.link").value.uuid == "abc"


def test_bad_token_gives_the_clients_401(demo):
    with pytest.raises(JIRAError) as e:
        connect(demo, auth=("sync-bot@example.com", "not-a-token"), validate=True)
    assert e.value.status_code == 401
    # Without validation the client connects (serverInfo is anonymous) but sees nothing.
    j = connect(demo, auth=("sync-bot@example.com", "not-a-token"))
    assert j.projects() == []
    with pytest.raises(JIRAError) as e:
        j.myself()
    assert e.value.status_code == 401


def test_expired_token_looks_anonymous(sims):
    sim = sims("expired-token")
    j = connect(sim)
    assert j.projects() == []
    with pytest.raises(JIRAError) as e:
        j.myself()
    assert e.value.status_code == 401


def test_wrong_user_token_authenticates_as_alice(sims):
    sim = sims("wrong-user-token")
    j = connect(sim, auth=("alice@example.com", "demo-jira-token-for-sync"))
    assert j.myself()["emailAddress"] == ALICE[0]


def test_no_create_is_a_field_error(sims):
    j = connect(sims("no-create"))
    with pytest.raises(JIRAError) as e:
        j.create_issue(project="DEMO", summary="x", issuetype={"name": "Task"})
    assert e.value.status_code == 400
    assert "cannot be set" in e.value.text


def test_no_browse_hides_the_issue(sims):
    j = connect(sims("no-browse"))
    with pytest.raises(JIRAError) as e:
        j.issue("DEMO-1")
    assert e.value.status_code == 404
    assert "does not exist or you do not have permission" in e.value.text


def test_datacenter_with_password_and_pat(sims):
    sim = sims("datacenter")
    j = JIRA(server=sim.url, basic_auth=("sync-bot", "demo-jira-password-sync-bot"), max_retries=0, validate=True)
    assert not j._is_cloud
    assert j.myself()["name"] == "sync-bot"
    found = j.search_issues("project = DEMO ORDER BY key", maxResults=5)
    assert len(found) == 5
    assert found.total >= 40
    pat = JIRA(server=sim.url, token_auth="demo-jira-pat-sync-bot", max_retries=0)
    assert pat.myself()["name"] == "sync-bot"


def test_captcha_is_a_403(sims):
    sim = sims("captcha")
    with pytest.raises(JIRAError) as e:
        JIRA(server=sim.url, basic_auth=("sync-bot", "demo-jira-password-sync-bot"), max_retries=0, validate=True)
    assert e.value.status_code == 403
