//! The guided demo runs its whole story against a real server.

use ehealth_tests::demo::Demo;
use ehealth_tests::{Backend, OFFICER_TOKEN, ORIGIN, TestApp};

#[tokio::test]
async fn the_guided_demo_tells_the_whole_story() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut lines = Vec::new();
    let result = Demo::new(&app.address, OFFICER_TOKEN, ORIGIN)
        .run(&mut |l| lines.push(l))
        .await;
    let told = lines.join("\n");
    assert!(result.is_ok(), "{result:?}\n{told}");
    for expected in [
        "Mum's phone holds 3 readings, Mum's tablet holds 3.",
        "Allowed: 1 record(s).",
        "Refused: 403 `no_sharing_consent`.",
        ": allowed",
        ": refused (no_sharing_consent)",
        "Hash chain intact: true (2 entries checked).",
    ] {
        assert!(told.contains(expected), "missing {expected:?} in:\n{told}");
    }
    // Who is who comes first; every step says what came of it; a device keeps its name.
    assert!(lines[0].starts_with("Who is who:"), "{told}");
    let steps: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    assert_eq!(steps.len(), 11, "{told}");
    for i in steps {
        assert!(
            lines.get(i + 1).is_some_and(|l| l.starts_with("   ")),
            "step without a result: {}\n{told}",
            lines[i]
        );
    }
    assert!(
        told.contains("(Pushed: "),
        "pushed/pulled explained:\n{told}"
    );
    assert!(
        !told.contains("Tablet") && !told.contains("second phone"),
        "{told}"
    );
}
