"""Microsoft's Python SDK (PyPI `azure-devops` 7.1.0b4) against the simulator, unchanged: it
discovers routes with OPTIONS {org}/_apis, sends api-version in the Accept header and
X-TFS-FedAuthRedirect: Suppress, and parses WrappedException errors."""

import pytest
from azure.devops.connection import Connection
from azure.devops.exceptions import AzureDevOpsAuthenticationError, AzureDevOpsServiceError
from azure.devops.v7_1.work_item_tracking.models import (
    CommentCreate,
    JsonPatchOperation,
    TeamContext,
    Wiql,
)
from msrest.authentication import BasicAuthentication

from conftest import ALICE_PAT, PROJECT, SYNC_PAT


def connect(sim, pat=SYNC_PAT):
    return Connection(base_url=sim.url, creds=BasicAuthentication("", pat))


def wit(sim, pat=SYNC_PAT):
    return connect(sim, pat).clients_v7_1.get_work_item_tracking_client()


def op(path, value, kind="add"):
    return JsonPatchOperation(op=kind, path=path, value=value)


def test_connection_identifies_the_token_owner(demo):
    conn = connect(demo)
    data = conn.clients_v7_1.get_location_client().get_connection_data()
    assert data.authenticated_user.properties["Account"]["$value"] == "sync-bot@example.com"
    assert data.authenticated_user.provider_display_name == "Sync Bot"
    assert data.deployment_type == "hosted"
    projects = conn.clients_v7_1.get_core_client().get_projects()
    assert [p.name for p in projects] == [PROJECT]


def test_get_work_item_with_relations(demo):
    item = wit(demo).get_work_item(3, project=PROJECT, expand="Relations")
    assert item.id == 3
    assert item.fields["System.Title"] == "Sign in with the company identity provider"
    assert item.fields["System.AssignedTo"]["uniqueName"] == "sync-bot@example.com"
    rels = {r.rel for r in item.relations}
    assert "System.LinkTypes.Hierarchy-Reverse" in rels
    many = wit(demo).get_work_items([1, 2, 424242], project=PROJECT, error_policy="omit")
    assert [w.id if w else None for w in many] == [1, 2, None]


def test_create_and_update_with_a_rev_guard(demo):
    client = wit(demo)
    created = client.create_work_item(
        document=[
            op("/fields/System.Title", "Created by the Python SDK"),
            op("/fields/System.AreaPath", "Demo\\Web"),
            op("/fields/System.Tags", "tandem:sdk-1"),
        ],
        project=PROJECT,
        type="Task",
    )
    assert created.rev == 1
    assert created.fields["System.State"] == "New"
    updated = client.update_work_item(
        document=[op("/rev", 1, "test"), op("/fields/System.State", "Active")],
        id=created.id,
        project=PROJECT,
    )
    assert updated.rev == 2
    assert updated.fields["System.Reason"] == "Implementation started"
    with pytest.raises(AzureDevOpsServiceError) as err:
        client.update_work_item(
            document=[op("/rev", 1, "test"), op("/fields/System.Title", "stale")],
            id=created.id,
            project=PROJECT,
        )
    assert err.value.type_key == "TestPatchOperationFailedException"
    assert err.value.message.startswith("VS403351")
    with pytest.raises(AzureDevOpsServiceError) as err:
        client.create_work_item(document=[op("/fields/System.Description", "no title")], project=PROJECT, type="Bug")
    assert err.value.type_key == "RuleValidationException"
    assert err.value.custom_properties["RuleValidationErrors"][0]["fieldReferenceName"] == "System.Title"


def test_wiql_finds_by_tag_and_by_time(demo):
    client = wit(demo)
    created = client.create_work_item(
        document=[op("/fields/System.Title", "find me"), op("/fields/System.Tags", "tandem:sdk-wiql")],
        project=PROJECT,
        type="Bug",
    )
    team = TeamContext(project=PROJECT)
    result = client.query_by_wiql(
        Wiql(query="SELECT [System.Id] FROM WorkItems WHERE [System.Tags] CONTAINS 'tandem:sdk-wiql'"),
        team_context=team,
    )
    assert [w.id for w in result.work_items] == [created.id]
    since = created.fields["System.ChangedDate"]
    query = Wiql(
        query="SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project "
        f"AND [System.ChangedDate] >= '{since}' ORDER BY [System.ChangedDate] ASC"
    )
    with pytest.raises(AzureDevOpsServiceError) as err:
        client.query_by_wiql(query, team_context=team)
    assert "date precision" in err.value.message
    result = client.query_by_wiql(query, team_context=team, time_precision=True)
    assert created.id in [w.id for w in result.work_items]
    top = client.query_by_wiql(Wiql(query="SELECT [System.Id] FROM WorkItems ORDER BY [System.Id]"), team_context=team, top=3)
    assert [w.id for w in top.work_items] == [1, 2, 3]


def test_comments_in_markdown_and_html(demo):
    client = wit(demo)
    md = client.add_work_item_comment(CommentCreate(text="Done **today**"), PROJECT, 5, "markdown")
    assert md.format == "markdown"
    html = client.add_work_item_comment(CommentCreate(text="<p>html</p>"), PROJECT, 5, "html")
    assert html.format == "html"
    comments = client.get_comments(PROJECT, 5)
    assert [c.id for c in comments.comments][-2:] == [md.id, html.id]
    item = client.get_work_item(5, project=PROJECT)
    assert item.fields["System.CommentCount"] >= 2


def test_unknown_pat_is_the_sdk_authentication_error(demo):
    # The SDK sends X-TFS-FedAuthRedirect: Suppress, so an unknown token is a bodiless 401,
    # which the SDK raises as AzureDevOpsAuthenticationError.
    with pytest.raises(AzureDevOpsAuthenticationError) as err:
        connect(demo, "not-a-token").clients_v7_1.get_core_client().get_projects()
    assert "requires user authentication" in str(err.value)


def test_expired_pat_surfaces_as_the_access_check_failure(sims):
    # An expired PAT is a 401 with an AccessCheckException body: the SDK raises it as
    # AzureDevOpsServiceError carrying the service's own reason (azure-cli #965 shows the
    # same path for a 401 TF400813), on its very first call (OPTIONS {org}/_apis).
    expired = sims("ado-expired-pat")
    with pytest.raises(AzureDevOpsServiceError) as err:
        connect(expired).clients_v7_1.get_core_client().get_projects()
    assert err.value.type_key == "AccessCheckException"
    assert err.value.message == "Access Denied: The Personal Access Token used has expired."
    # Alice's token in the same world still works.
    assert connect(expired, ALICE_PAT).clients_v7_1.get_core_client().get_projects()


def test_missing_scope_is_tf400813(sims):
    ro = sims("ado-read-only-pat")
    client = wit(ro)
    assert client.get_work_item(1, project=PROJECT).id == 1
    with pytest.raises(AzureDevOpsServiceError) as err:
        client.update_work_item(document=[op("/fields/System.Title", "x")], id=1, project=PROJECT)
    assert err.value.type_key == "UnauthorizedRequestException"
    assert err.value.message.startswith("TF400813")


def test_the_sdk_negotiates_down_on_server_2020(sims):
    server = sims("ado-server-2020")
    conn = connect(server)
    data = conn.clients_v7_1.get_location_client().get_connection_data()
    assert data.deployment_type == "onPremises"
    item = conn.clients_v7_1.get_work_item_tracking_client().get_work_item(1, project=PROJECT)
    assert item.id == 1
