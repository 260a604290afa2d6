use super::*;

fn parse(text: &str) -> Result<Manifest, ManifestError> {
    Manifest::parse(text, Path::new("registry.toml"))
}

#[test]
fn the_shipped_manifest_parses_and_denies_by_default() {
    let text = include_str!("../../../../plugins-registry/registry.toml");
    let m = parse(text).unwrap();
    assert_eq!(m.components.len(), 16);
    let policy = &m.components["policy"];
    assert_eq!(
        policy.grants,
        Grants {
            config: Some(ConfigGrant {
                keys: vec!["allowed_link_domains".into()]
            }),
            ..Grants::default()
        },
        "policy is granted nothing but reading its link allowlist"
    );
    assert_eq!(policy.stage, Stage::Policy);
    assert_eq!(policy.file, PathBuf::from("policy.wasm"));
    let writer = &m.components["writer"];
    assert_eq!(writer.grants.llm.as_ref().unwrap().max_tokens_per_run, 6000);
    assert!(writer.grants.http.is_none());
    assert_eq!(writer.limits.wall_clock_ms, 120_000);
    assert_eq!(writer.limits.memory_bytes, 64 << 20, "defaults apply");
    let collector_http = m.components["collector"].grants.http.as_ref().unwrap();
    assert_eq!(
        collector_http.exact_hosts(),
        vec!["api.github.com".to_string()]
    );
}

#[test]
fn entries_take_defaults_then_their_own_limits_and_config() {
    let m = parse(
        r#"
        [defaults.limits]
        memory_bytes = 1000000
        fuel = 5
        [[component]]
        name = "w"
        version = "1.2.3"
        world = "writer"
        file = "sub/w.wasm"
        digest = "sha256:00"
        [component.limits]
        fuel = 9
        [component.config]
        model = "m"
        max = 3
        "#,
    )
    .unwrap();
    let w = &m.components["w"];
    assert_eq!(w.limits.memory_bytes, 1_000_000);
    assert_eq!(w.limits.fuel, Some(9));
    assert_eq!(w.file, PathBuf::from("sub/w.wasm"));
    assert_eq!(w.config["model"], "m");
    assert_eq!(w.config["max"], "3");
}

#[test]
fn mistakes_are_refused_with_the_component_named() {
    let entry = |extra: &str| {
        format!("[[component]]\nname = \"c\"\nversion = \"0.1.0\"\nworld = \"writer\"\n{extra}")
    };
    let cases = [
        (entry("[component.grants.htp]\nx = 1"), "htp"),
        (
            entry("[component.grants.http]\nallow = [{ origin = \"ftp://x\" }]"),
            "http or https",
        ),
        (
            entry("file = \"../escape.wasm\""),
            "inside the plugins directory",
        ),
        (
            entry("[component.limits]\nmemory_bytes = 0"),
            "memory_bytes",
        ),
        (
            entry("[component.limits]\nmemory_bytes = 4294967296"),
            "memory_bytes",
        ),
        (
            entry("[component.limits]\nwall_clock_ms = 0"),
            "wall_clock_ms",
        ),
        (
            entry("[component.grants.llm]\nmodels = []"),
            "max_tokens_per_run",
        ),
        (
            "[[component]]\nname = \"c\"\nversion = \"0.1\"\nworld = \"writer\"".into(),
            "semver",
        ),
        (
            "[[component]]\nname = \"c\"\nversion = \"0.1.0\"\nworld = \"publisher\"".into(),
            "unknown world `publisher`",
        ),
        (
            "[[component]]\nname = \"Bad Name\"\nversion = \"0.1.0\"\nworld = \"writer\"".into(),
            "names are",
        ),
        (
            format!("{}\n{}", entry(""), entry("")),
            "more than one entry",
        ),
    ];
    for (text, needle) in cases {
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains(needle), "{text}\n=> {err}");
    }
}

/// Issue 17: a provider whose request could outlast its call would be stopped mid-request,
/// unable to say "maybe posted"; such a manifest entry does not load.
#[test]
fn a_provider_whose_request_timeout_reaches_its_wall_clock_is_refused() {
    let entry = |wall: u32, timeout: u32| {
        format!(
            r#"
            [[component]]
            name = "hook"
            version = "0.1.0"
            world = "provider"
            file = "hook.wasm"
            digest = "sha256:00"
            [component.grants.http]
            timeout_ms = {timeout}
            [[component.grants.http.allow]]
            origin = "https://hooks.example.com"
            methods = ["POST"]
            [component.limits]
            wall_clock_ms = {wall}
            "#
        )
    };
    // The shipped default: 10 s requests in a 10 s call.
    let e = parse(&entry(10_000, 10_000)).unwrap_err().to_string();
    assert!(
        e.contains("hook") && e.contains("must end at least 1000 ms before"),
        "{e}"
    );
    assert!(parse(&entry(10_999, 10_000)).is_err());
    let m = parse(&entry(11_000, 10_000)).unwrap();
    assert_eq!(m.components["hook"].limits.wall_clock_ms, 11_000);
    // Every shipped provider leaves the margin.
    let shipped = parse(include_str!("../../../../plugins-registry/registry.toml")).unwrap();
    for c in shipped
        .components
        .values()
        .filter(|c| c.stage == Stage::Provider)
    {
        let http = c.grants.http.as_ref().unwrap();
        assert!(
            u64::from(http.timeout_ms) + 1000 <= c.limits.wall_clock_ms,
            "{}",
            c.name
        );
    }
}
