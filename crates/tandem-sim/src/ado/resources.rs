//! The REST resources the simulator serves, with the location ids and route templates that
//! `OPTIONS {org}/_apis` reports (Microsoft's clients build URLs from them) and the version
//! ranges the api-version negotiation checks against. Location ids are the ones Microsoft's
//! Python client (`azure-devops` 7.1.0b4) asks for.

use super::version::{ResourceVersions, ServerVersions, Version};

#[derive(Debug, Clone, Copy)]
pub struct Resource {
    pub id: &'static str,
    pub area: &'static str,
    pub name: &'static str,
    pub route: &'static str,
    pub min: Version,
    /// First GA version; `None` for preview-only resources.
    pub released: Option<Version>,
    /// Highest `-preview.N` on Services.
    pub resource_version: u16,
}

impl Resource {
    /// What this resource supports on a server with `server` versions.
    pub fn versions(&self, server: ServerVersions) -> ResourceVersions {
        // Comments went to resource version 4 (with `format`) only with 7.1.
        let rv = if self.id == COMMENTS.id && server.max < Version::new(7, 1) {
            3
        } else {
            self.resource_version
        };
        ResourceVersions {
            min: self.min,
            released: self.released,
            resource_version: rv,
        }
    }
}

const fn v(major: u16, minor: u16) -> Version {
    Version::new(major, minor)
}

macro_rules! resource {
    ($name:ident, $id:literal, $area:literal, $res:literal, $route:literal, $min:expr, $rel:expr, $rv:literal) => {
        pub const $name: Resource = Resource {
            id: $id,
            area: $area,
            name: $res,
            route: $route,
            min: $min,
            released: $rel,
            resource_version: $rv,
        };
    };
}

resource!(
    CONNECTION_DATA,
    "00d9565f-ed9c-4a06-9a50-00e7896ccab4",
    "Location",
    "ConnectionData",
    "_apis/{resource}",
    v(1, 0),
    None,
    1
);
resource!(
    RESOURCE_AREAS,
    "e81700f7-3be2-46de-8624-2eb35882fcaa",
    "Location",
    "ResourceAreas",
    "_apis/{resource}/{areaId}",
    v(3, 2),
    None,
    1
);
resource!(
    PROJECTS,
    "603fe2ac-9723-48b9-88ad-09305aa6c6e1",
    "core",
    "projects",
    "_apis/{resource}/{*projectId}",
    v(1, 0),
    Some(v(1, 0)),
    4
);
resource!(
    WORK_ITEMS,
    "72c7ddf8-2cdc-4f60-90cd-ab71c14a399b",
    "wit",
    "workItems",
    "{project}/_apis/{area}/{resource}/{id}",
    v(1, 0),
    Some(v(1, 0)),
    3
);
resource!(
    WORK_ITEM_CREATE,
    "62d3d110-0047-428c-ad3c-4fe872c91c74",
    "wit",
    "workItems",
    "{project}/_apis/{area}/{resource}/${type}",
    v(1, 0),
    Some(v(1, 0)),
    3
);
resource!(
    WORK_ITEMS_BATCH,
    "908509b6-4248-4475-a1cd-829139ba419f",
    "wit",
    "workItemsBatch",
    "{project}/_apis/{area}/{resource}",
    v(4, 1),
    Some(v(5, 0)),
    1
);
resource!(
    WIQL,
    "1a9c53f7-f243-4447-b110-35ef023636e4",
    "wit",
    "wiql",
    "{project}/{team}/_apis/{area}/{resource}",
    v(1, 0),
    Some(v(1, 0)),
    2
);
resource!(
    UPDATES,
    "6570bf97-d02c-4a91-8d93-3abe9895b1a9",
    "wit",
    "updates",
    "{project}/_apis/{area}/workItems/{id}/{resource}/{updateNumber}",
    v(1, 0),
    Some(v(1, 0)),
    3
);
resource!(
    REVISIONS,
    "a00c85a5-80fa-4565-99c3-bcd2181434bb",
    "wit",
    "revisions",
    "{project}/_apis/{area}/workItems/{id}/{resource}/{revisionNumber}",
    v(1, 0),
    Some(v(1, 0)),
    3
);
resource!(
    COMMENTS,
    "608aac0a-32e1-4493-a863-b9cf4566d257",
    "wit",
    "comments",
    "{project}/_apis/{area}/workItems/{workItemId}/{resource}/{commentId}",
    v(5, 0),
    None,
    4
);
resource!(
    COMMENT_VERSIONS,
    "49e03b34-3be0-42e3-8a5d-e8dfb88ac954",
    "wit",
    "commentsVersions",
    "{project}/_apis/{area}/workItems/{workItemId}/comments/{commentId}/versions/{version}",
    v(5, 1),
    None,
    1
);
resource!(
    ATTACHMENTS,
    "e07b5fa4-1499-494d-a496-64b860fd64ff",
    "wit",
    "attachments",
    "{project}/_apis/{area}/{resource}/{id}",
    v(1, 0),
    Some(v(1, 0)),
    3
);
resource!(
    FIELDS,
    "b51fd764-e5c2-4b9b-aaf7-3395cf4bdd94",
    "wit",
    "fields",
    "{project}/_apis/{area}/{resource}/{fieldNameOrRefName}",
    v(1, 0),
    Some(v(1, 0)),
    3
);
resource!(
    WORK_ITEM_TYPES,
    "7c8d7a76-4a09-43e8-b5df-bd792f4ac6aa",
    "wit",
    "workItemTypes",
    "{project}/_apis/{area}/{resource}/{type}",
    v(1, 0),
    Some(v(1, 0)),
    2
);
resource!(
    WORK_ITEM_TYPE_STATES,
    "7c9d7a76-4a09-43e8-b5df-bd792f4ac6aa",
    "wit",
    "workItemTypeStates",
    "{project}/_apis/{area}/workitemtypes/{type}/states",
    v(4, 1),
    Some(v(5, 0)),
    1
);
resource!(
    WORK_ITEM_TYPE_FIELDS,
    "bd293ce5-3d25-4192-8e67-e8092e879efb",
    "wit",
    "workItemTypesField",
    "{project}/_apis/{area}/workitemtypes/{type}/fields/{field}",
    v(4, 1),
    Some(v(5, 0)),
    3
);
resource!(
    CLASSIFICATION_NODES,
    "5a172953-1b41-49d3-840a-33f79c3ce89f",
    "wit",
    "classificationNodes",
    "{project}/_apis/{area}/{resource}/{structureGroup}/{*path}",
    v(1, 0),
    Some(v(1, 0)),
    2
);
resource!(
    CLASSIFICATION_ROOTS,
    "a70579d1-f53a-48ee-a5be-7be8659023b9",
    "wit",
    "classificationNodes",
    "{project}/_apis/{area}/{resource}",
    v(1, 0),
    Some(v(5, 0)),
    2
);
resource!(
    RELATION_TYPES,
    "f5d33bc9-5b49-4a3c-a9bd-f3cd46dd2165",
    "wit",
    "workItemRelationTypes",
    "_apis/{area}/{resource}/{relation}",
    v(1, 0),
    Some(v(1, 0)),
    2
);
resource!(
    TAGS,
    "bc15bc60-e7a8-43cb-ab01-2106be3983a1",
    "wit",
    "tags",
    "{project}/_apis/{area}/{resource}/{tagIdOrName}",
    v(5, 0),
    Some(v(6, 0)),
    1
);
resource!(
    SUBSCRIPTIONS,
    "fc50d02a-849f-41fb-8af1-0a5216103269",
    "hooks",
    "subscriptions",
    "_apis/{area}/{resource}/{subscriptionId}",
    v(1, 0),
    Some(v(1, 0)),
    1
);

pub const ALL: &[Resource] = &[
    CONNECTION_DATA,
    RESOURCE_AREAS,
    PROJECTS,
    WORK_ITEMS,
    WORK_ITEM_CREATE,
    WORK_ITEMS_BATCH,
    WIQL,
    UPDATES,
    REVISIONS,
    COMMENTS,
    COMMENT_VERSIONS,
    ATTACHMENTS,
    FIELDS,
    WORK_ITEM_TYPES,
    WORK_ITEM_TYPE_STATES,
    WORK_ITEM_TYPE_FIELDS,
    CLASSIFICATION_NODES,
    CLASSIFICATION_ROOTS,
    RELATION_TYPES,
    TAGS,
    SUBSCRIPTIONS,
];

/// Resource areas (`GET _apis/resourceAreas`): id and name.
pub const AREAS: &[(&str, &str)] = &[
    ("5264459e-e5e0-4bd8-b118-0985e68a4ec5", "wit"),
    ("79134c72-4a58-4b42-976c-04e7115f32bf", "core"),
    ("1d4f49f9-02b9-4e26-b826-2cdb6195f2a9", "work"),
];
