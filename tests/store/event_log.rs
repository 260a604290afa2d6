//! The event log on both backends: ids order events, a client resumes after the last id it saw,
//! pages go back in time, a kind filters.

use dailyx_store::NewEvent;
use dailyx_tests::db::TestDb;

fn event(kind: &'static str, subject: &'static str, n: i64) -> NewEvent<'static> {
    NewEvent {
        kind,
        subject,
        node: "node-a",
        payload: serde_json::json!({ "n": n }),
    }
}

#[tokio::test]
async fn events_resume_after_an_id_and_page_back_newest_first() {
    for db in TestDb::both().await {
        let s = &db.store;
        assert_eq!(s.newest_event_id().await.unwrap(), 0, "{}", db.label);
        let mut ids = Vec::new();
        for n in 0..5 {
            let kind = if n % 2 == 0 {
                "run.claimed"
            } else {
                "step.finished"
            };
            ids.push(s.append_event(&event(kind, "run-1", n)).await.unwrap());
        }
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{}: {ids:?}", db.label);
        assert_eq!(s.newest_event_id().await.unwrap(), ids[4]);

        // A client that saw the second event gets exactly the three after it, in order.
        let missed = s.events_after(ids[1], 100).await.unwrap();
        let ns: Vec<i64> = missed
            .iter()
            .map(|e| e.payload.0["n"].as_i64().unwrap())
            .collect();
        assert_eq!(ns, [2, 3, 4], "{}", db.label);
        assert_eq!(s.events_after(ids[1], 2).await.unwrap().len(), 2);
        assert!(s.events_after(ids[4], 100).await.unwrap().is_empty());

        // Pages go back from the newest; a kind filters.
        let page = s.events_page(None, None, 2).await.unwrap();
        assert_eq!(
            page.iter().map(|e| e.id).collect::<Vec<_>>(),
            [ids[4], ids[3]]
        );
        let next = s.events_page(Some(ids[3]), None, 2).await.unwrap();
        assert_eq!(
            next.iter().map(|e| e.id).collect::<Vec<_>>(),
            [ids[2], ids[1]]
        );
        let runs = s.events_page(None, Some("run.claimed"), 10).await.unwrap();
        assert_eq!(
            runs.iter().map(|e| e.id).collect::<Vec<_>>(),
            [ids[4], ids[2], ids[0]],
            "{}",
            db.label
        );
        assert_eq!(runs[0].node, "node-a");
        assert_eq!(runs[0].subject, "run-1");
        db.finish().await;
    }
}
