//! Writes: create with a marker and find it again, guarded updates, state changes, comments,
//! attachments, links.

use bytes::Bytes;
use tandem_connector::{
    Connector, FieldChanges, LinkDirection, LinkTarget, Marker, NewLink, RichText, TextFormat,
};

use crate::errors::story;
use crate::support::start;

#[tokio::test]
async fn create_with_marker_then_find_it() {
    let sim = start("demo").await;
    let c = sim.connector();
    let before = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(5);
    let m = Marker(uuid::Uuid::new_v4());
    let mut item = story("marked");
    item.rich_text.insert(
        "System.Description".into(),
        RichText::new(TextFormat::Html, "<p>hello</p>"),
    );
    let w = c.create(&item, m).await.unwrap();
    let found = c.find_by_marker(m, before).await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].id, w.id);
    assert_eq!(found[0].marker, Some(m));
    assert!(
        found[0].links.is_empty(),
        "the marker is not shown as a link"
    );
    assert_eq!(
        found[0].fields["System.AreaPath"], "Demo\\Web",
        "created under the configured area"
    );
    assert_eq!(
        found[0].rich_text["System.Description"].text,
        "<p>hello</p>"
    );
    assert!(
        c.find_by_marker(Marker(uuid::Uuid::new_v4()), before)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn guarded_update_state_comments_attachments_links() {
    let sim = start("demo").await;
    let c = sim.connector();
    let a = c
        .create(&story("A"), Marker(uuid::Uuid::new_v4()))
        .await
        .unwrap();
    let b = c
        .create(&story("B"), Marker(uuid::Uuid::new_v4()))
        .await
        .unwrap();

    let ts = c.transitions(&a.id).await.unwrap();
    let active = ts
        .iter()
        .find(|t| t.name == "Active")
        .expect("Active is a User Story state")
        .clone();
    let w = c
        .transition(&a.id, &active, &FieldChanges::default(), Some(&a.revision))
        .await
        .unwrap();
    let now = c.get_many(std::slice::from_ref(&a.id)).await.unwrap();
    assert_eq!(now[0].state.as_ref().unwrap().name, "Active");
    assert_eq!(now[0].revision, w.revision);

    let added = c
        .add_comment(&a.id, &RichText::new(TextFormat::Html, "<p>a comment</p>"))
        .await
        .unwrap();
    let comments = c.comments(&a.id).await.unwrap();
    assert!(
        comments
            .iter()
            .any(|x| x.id == added.id && x.body.text.contains("a comment")),
        "{comments:?}"
    );

    let att = c
        .upload_attachment(&a.id, "notes.txt", Bytes::from_static(b"attached bytes"))
        .await
        .unwrap();
    assert_eq!(
        &c.download_attachment(&att).await.unwrap()[..],
        b"attached bytes"
    );

    let link = NewLink {
        kind: "System.LinkTypes.Dependency-Forward".into(),
        direction: LinkDirection::Outward,
        target: LinkTarget::Item(b.id.clone()),
        comment: Some("A before B".into()),
    };
    c.add_link(&a.id, &link).await.unwrap();
    let now = c.get_many(&[a.id.clone(), b.id.clone()]).await.unwrap();
    let a_now = now.iter().find(|i| i.id == a.id).unwrap();
    let b_now = now.iter().find(|i| i.id == b.id).unwrap();
    let l = a_now
        .links
        .iter()
        .find(|l| l.target == LinkTarget::Item(b.id.clone()))
        .expect("A links to B")
        .clone();
    assert_eq!(l.direction, LinkDirection::Outward);
    assert!(
        b_now
            .links
            .iter()
            .any(|l| l.target == LinkTarget::Item(a.id.clone())
                && l.direction == LinkDirection::Inward),
        "{:?}",
        b_now.links
    );
    assert!(
        a_now.attachments.iter().any(|x| x.filename == "notes.txt"),
        "{:?}",
        a_now.attachments
    );
    assert!(a_now.marker.is_some());
    c.remove_link(&a.id, &l).await.unwrap();
    let now = c.get_many(std::slice::from_ref(&a.id)).await.unwrap();
    assert!(
        !now[0]
            .links
            .iter()
            .any(|x| x.target == LinkTarget::Item(b.id.clone()))
    );
    assert!(now[0].marker.is_some(), "removing a link keeps the marker");
}
