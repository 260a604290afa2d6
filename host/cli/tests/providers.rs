//! The provider components through the real binary: credentials set in the console are masked
//! in every answer, sealed at rest, audited by name only, never logged and applied at once;
//! the enabled providers are runtime config; an approved draft goes to each enabled provider
//! after X, here simulated (the shipped components may reach only the real networks), with
//! its deliveries, events and circuits visible over the API.

mod common;

use common::host::*;
use serde_json::{Value, json};

const MASTODON_TOKEN: &str = "masto-secret-token-abcd1234";
const THAI_HOOK: &str = "วันนี้เราปล่อยเวอร์ชันใหม่ พร้อมรองรับภาษาไทยเต็มรูปแบบ";

fn integration<'a>(list: &'a Value, id: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no integration {id} in {list}"))
}

#[tokio::test]
async fn credentials_are_masked_sealed_and_applied_and_approved_drafts_reach_the_providers() {
    // Cards, and the card's speech and video too.
    let host = Host::new(None, "[media]\nvideo = true\n");
    let server = host.start(&[]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let draft = admin.first_draft().await;
    let reviewer = host.add_reviewer(&server.base).await;
    assert_eq!(reviewer.get("/api/credentials").await.0, 403);
    let slot = "/api/credentials/provider.mastodon.access_token";
    assert_eq!(
        reviewer
            .put(slot, json!({ "value": MASTODON_TOKEN }))
            .await
            .0,
        403
    );

    let (status, list) = admin.get("/api/credentials").await;
    assert_eq!(status, 200, "{list}");
    for id in [
        "llm",
        "x",
        "mastodon",
        "bluesky",
        "facebook",
        "instagram",
        "webhook",
    ] {
        assert_eq!(integration(&list, id)["complete"], false, "{id}");
    }

    // Refused with a reason, the value never echoed.
    for (path, body, code) in [
        (
            "/api/credentials/provider.myspace.token",
            json!({ "value": MASTODON_TOKEN }),
            404,
        ),
        (slot, json!({ "value": "   " }), 422),
        (
            slot,
            json!({ "value": format!("{MASTODON_TOKEN}\n") + "x" }),
            422,
        ),
        (slot, json!({ "value": MASTODON_TOKEN, "extra": 1 }), 422),
    ] {
        let (status, err) = admin.put(path, body).await;
        assert_eq!(status, code, "{path}: {err}");
        assert!(!err.to_string().contains(MASTODON_TOKEN), "{err}");
    }

    let (status, list) = admin.put(slot, json!({ "value": MASTODON_TOKEN })).await;
    assert_eq!(status, 200, "{list}");
    let mastodon = integration(&list, "mastodon");
    assert_eq!(mastodon["complete"], true);
    let cred = &mastodon["credentials"][0];
    assert_eq!(
        (
            cred["set"].clone(),
            cred["last4"].clone(),
            cred["masked"].clone()
        ),
        (json!(true), json!("1234"), json!("••••1234"))
    );
    assert!(!list.to_string().contains(MASTODON_TOKEN));
    // Sealed at rest: the database holds no plaintext.
    let stored = host
        .store()
        .await
        .credential("provider.mastodon.access_token")
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.ciphertext.contains(MASTODON_TOKEN) && !stored.ciphertext.contains("abcd"));

    // Enabled providers are runtime config, checked against what the host knows.
    for (body, code) in [
        (json!([{ "name": "myspace" }]), 422),
        (json!([{ "name": "mastodon" }, { "name": "mastodon" }]), 422),
        (json!([{ "name": "mastodon", "budget_per_24h": 0 }]), 422),
        (json!([{ "name": "mastodon", "component": "writer" }]), 422),
    ] {
        let (status, err) = admin.put("/api/config/providers", body.clone()).await;
        assert_eq!(status, code, "{body}: {err}");
    }
    let (status, providers) = admin
        .put(
            "/api/config/providers",
            json!([
                { "name": "mastodon", "simulate": true, "budget_per_24h": 10 },
                { "name": "webhook", "simulate": true },
            ]),
        )
        .await;
    assert_eq!(status, 200, "{providers}");
    let (status, config) = reviewer.get("/api/config").await;
    assert_eq!(status, 200, "{config}");
    let by_name = |name: &str| {
        config["providers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()
            .clone()
    };
    let m = by_name("mastodon");
    assert_eq!(
        (
            m["enabled"].clone(),
            m["simulated"].clone(),
            m["loaded"].clone(),
            m["credentials_complete"].clone()
        ),
        (json!(true), json!(true), json!(true), json!(true))
    );
    assert_eq!(m["budget_per_24h"], 10);
    assert_eq!(by_name("webhook")["credentials_complete"], false);
    assert_eq!(by_name("bluesky")["enabled"], false);
    assert_eq!(by_name("instagram")["thread"], "single");
    assert_eq!(config["dry_run"], true);
    assert!(config["intervals"]["node_heartbeat_ms"].as_u64().unwrap() > 0);

    // The hook in Thai (the quote card shapes it), then approve: X (dry-run) first, then each
    // enabled provider, simulated, exactly once.
    let id = draft["id"].as_str().unwrap();
    let mut tweets = texts(&draft);
    tweets[0] = THAI_HOOK.to_owned();
    let (status, edited) = admin
        .post(
            &format!("/api/drafts/{id}/edit"),
            json!({ "version": draft["version"], "tweets": tweets }),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    let draft = admin.draft(id).await["draft"].clone();
    let (status, body) = admin
        .post(
            &format!("/api/drafts/{id}/approve"),
            json!({ "content_hash": draft["content_hash"] }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    admin.wait_status(id, &["dry_run_posted"]).await;
    let deliveries = admin
        .wait_for("both deliveries", async |api| {
            let (_, d) = api.get(&format!("/api/drafts/{id}/deliveries")).await;
            let done = d["deliveries"]
                .as_array()?
                .iter()
                .filter(|x| x["status"] == "simulated")
                .count();
            (done == 2).then_some(d)
        })
        .await;
    let tweets = draft["tweets"].as_array().unwrap().len();
    let posts = deliveries["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 2 * tweets, "{deliveries}");
    for p in posts {
        assert_eq!(p["simulated"], true);
        let request: Value = serde_json::from_str(p["request"].as_str().unwrap()).unwrap();
        assert_eq!(request["text"], p["text"]);
    }
    // The quote card was made once for the draft and attached to the first post of each
    // provider (bytes and public URL); it is served without a session.
    let (status, media) = reviewer.get(&format!("/api/drafts/{id}/media")).await;
    assert_eq!(status, 200, "{media}");
    let media = media.as_array().unwrap();
    let kinds: Vec<&str> = media.iter().map(|m| m["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["audio", "image", "video"], "{media:?}");
    let card = &media[1];
    // The video is as long as the speech (both probed with ffprobe when made), and is served.
    let (audio, video) = (&media[0], &media[2]);
    let (a, v) = (
        audio["duration_ms"].as_i64().unwrap(),
        video["duration_ms"].as_i64().unwrap(),
    );
    assert!(
        a > 1000 && (a - v).abs() <= 100,
        "audio {a} ms, video {v} ms"
    );
    let mp4 = reqwest::get(
        video["url"]
            .as_str()
            .unwrap()
            .replace("http://review.example", &server.base),
    )
    .await
    .unwrap();
    assert_eq!(
        (
            mp4.status().as_u16(),
            mp4.headers()["content-type"].to_str().unwrap().to_owned()
        ),
        (200, "video/mp4".to_owned())
    );
    assert_eq!(
        mp4.bytes().await.unwrap().len() as i64,
        video["bytes"].as_i64().unwrap()
    );
    assert_eq!(
        (card["kind"].as_str(), card["mime"].as_str()),
        (Some("image"), Some("image/png"))
    );
    let url = card["url"].as_str().unwrap();
    let file = url.rsplit('/').next().unwrap();
    let png = reqwest::get(format!("{}/media/{file}", server.base))
        .await
        .unwrap();
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    let png = png.bytes().await.unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let size = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    assert_eq!((size(16), size(20)), (1080, 1080));
    assert_eq!(
        card["sha256"].as_str().unwrap(),
        dailyx_store::sha256_hex(&png)
    );
    for p in posts {
        let request: Value = serde_json::from_str(p["request"].as_str().unwrap()).unwrap();
        let attached = request["media"].as_array().unwrap();
        if p["position"] == 0 {
            // The card (bytes and URL) and the video (URL); the speech only inside the video.
            assert_eq!(attached.len(), 2, "{request}");
            assert_eq!(attached[1]["kind"], "video");
            assert_eq!(attached[0]["sha256"], card["sha256"]);
            assert_eq!(attached[0]["url"], url);
            assert_eq!(request["text"], THAI_HOOK);
        } else {
            assert!(attached.is_empty());
        }
    }
    // Unknown or malformed media names are plain 404s.
    for bad in ["nope.png", "..%2Fdailyx.db", "x.exe"] {
        let r = reqwest::get(format!("{}/media/{bad}", server.base))
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{bad}");
    }

    // The events say so, and the providers' circuits are listed (closed: nothing was sent).
    let (_, feed) = admin.get("/api/feed?kind=provider.simulated").await;
    assert!(feed["events"].as_array().unwrap().len() >= 2, "{feed}");
    let (_, circuits) = reviewer.get("/api/circuit-states").await;
    let names: Vec<&str> = circuits
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["provider"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["x", "mastodon", "webhook"], "{circuits}");
    // A simulated delivery is not retried.
    let (status, err) = admin
        .post(
            &format!("/api/drafts/{id}/deliveries/mastodon/retry"),
            json!({}),
        )
        .await;
    assert_eq!((status, error_code(&err)), (409, "not_retryable"));

    // Removed at once; both changes audited by name only.
    let (status, list) = admin.send("DELETE", slot, None, true).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(integration(&list, "mastodon")["complete"], false);
    let (_, audit) = admin.get("/api/audit?limit=50").await;
    let actions: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("credentials."))
        .collect();
    assert_eq!(actions.len(), 2, "{audit}");
    assert!(
        actions
            .iter()
            .all(|e| e["detail"] == json!({ "name": "provider.mastodon.access_token" }))
    );
    assert!(!audit.to_string().contains(MASTODON_TOKEN));
    drop(server);
    assert_no_secrets(&host, &[MASTODON_TOKEN]);
}
