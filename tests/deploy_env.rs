//! The client built from the standard AWS chain honours `AWS_ENDPOINT_URL_CODEDEPLOY` (the SDK
//! does this itself), and an explicit endpoint override wins over it. One test in its own binary,
//! because it changes process environment variables.

mod codedeploy_sim;

use codedeploy_sim::{GroupSpec, Sim};
use shipgate::deploy::{ClientOptions, CodeDeploy};
use shipgate::retry::RetryPolicy;

#[tokio::test]
async fn endpoint_comes_from_the_environment_or_the_override() {
    let sim = Sim::start().await;
    sim.add_group("shop", "shop-production", GroupSpec::default());
    // Edition 2021: set_var is safe; this binary has no other test running concurrently.
    std::env::set_var("AWS_REGION", "eu-west-1");
    std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDENV");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "env-secret");
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/shipgate-config");
    std::env::set_var(
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/shipgate-credentials",
    );
    std::env::set_var("AWS_ENDPOINT_URL_CODEDEPLOY", sim.server.uri());

    let cd = CodeDeploy::connect(ClientOptions {
        retry: RetryPolicy::fast(),
        ..ClientOptions::default()
    })
    .await;
    assert_eq!(cd.region().as_deref(), Some("eu-west-1"));
    cd.deployment_group("shop", "shop-production")
        .await
        .expect("reached the simulator through AWS_ENDPOINT_URL_CODEDEPLOY");

    // An explicit override beats the environment (which now points nowhere).
    // Wiremock pools dropped servers, so a released listener gives a port nothing answers on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| format!("http://{a}"))
        .expect("free port");
    std::env::set_var("AWS_ENDPOINT_URL_CODEDEPLOY", &dead);
    let cd = CodeDeploy::connect(sim.options()).await;
    cd.deployment_group("shop", "shop-production")
        .await
        .expect("reached the simulator through the explicit endpoint");
    assert_eq!(cd.region().as_deref(), Some("ap-northeast-1"));
    assert_eq!(sim.ops(), vec!["GetDeploymentGroup", "GetDeploymentGroup"]);
    assert_eq!(sim.problems(), Vec::<String>::new());
}

#[tokio::test]
async fn missing_credentials_fail_fast_without_retries() {
    // Runs in the same binary as the test above; it only reads the environment it sets itself
    // through an explicit config, so the two do not interfere.
    let sim = Sim::start().await;
    let conf = aws_config::SdkConfig::builder()
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(sim.server.uri())
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build();
    let cd = CodeDeploy::from_sdk_config(&conf, RetryPolicy::standard());
    let started = std::time::Instant::now();
    let err = cd
        .deployment_group("shop", "shop-production")
        .await
        .expect_err("no credentials");
    assert!(
        matches!(
            err,
            shipgate::deploy::CodeDeployError::Credentials {
                state: "missing",
                ..
            }
        ),
        "{err:?}"
    );
    // What to check, never a value.
    let text = err.to_string();
    assert!(text.contains("the AWS credentials are missing"), "{text}");
    assert!(
        text.contains("aws-actions/configure-aws-credentials"),
        "{text}"
    );
    assert!(text.contains("id-token: write"), "{text}");
    // RetryPolicy::standard would have slept at least 1 s before a retry.
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    assert!(sim.ops().is_empty());
}
