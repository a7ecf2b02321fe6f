//! Optional cross-check against moto (an independent CodeDeploy implementation), to confirm the
//! requests shipgate's adapter sends are well-formed. Ignored by a plain `cargo test` because it
//! needs a running `moto_server`; `.ci/run` starts one and runs it (`pip install 'moto[server]'`;
//! `moto_server -p 5055`; `SHIPGATE_MOTO_URL=http://127.0.0.1:5055 cargo test --test deploy_moto
//! -- --ignored`).
//!
//! moto implements CreateDeploymentGroup, GetDeploymentGroup, CreateDeployment, GetDeployment,
//! ListDeployments and BatchGetDeployments; its deployments never leave `Created`, and it has no
//! StopDeployment or target APIs, so behaviour is tested against `tests/codedeploy_sim/` instead.

use serde_json::{json, Value};
use shipgate::codedeploy::{deployment_description, FileExistsBehavior};
use shipgate::deploy::{
    ClientOptions, CodeDeploy, CodeDeployError, CreateRequest, DeploymentStatus, Revision,
};
use shipgate::model::{CommitSha, RepoName};
use shipgate::retry::RetryPolicy;

async fn raw(base: &str, op: &str, body: Value) -> Value {
    let resp = reqwest::Client::new()
        .post(format!("{base}/"))
        .header("x-amz-target", format!("CodeDeploy_20141006.{op}"))
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDMOTO/20260101/us-east-1/codedeploy/aws4_request, SignedHeaders=host, Signature=0",
        )
        .body(body.to_string())
        .send()
        .await
        .expect("moto reachable");
    resp.json().await.unwrap_or(Value::Null)
}

#[tokio::test]
#[ignore = "needs a moto_server at SHIPGATE_MOTO_URL; .ci/run starts one"]
async fn requests_are_accepted_by_moto() {
    let base = std::env::var("SHIPGATE_MOTO_URL")
        .expect("SHIPGATE_MOTO_URL must point at a running moto_server");
    let base = base.trim_end_matches('/').to_string();
    let _ = reqwest::Client::new()
        .post(format!("{base}/moto-api/reset"))
        .send()
        .await;
    raw(
        &base,
        "CreateApplication",
        json!({"applicationName": "shop", "computePlatform": "Server"}),
    )
    .await;
    raw(
        &base,
        "CreateDeploymentGroup",
        json!({
            "applicationName": "shop",
            "deploymentGroupName": "shop-production",
            "serviceRoleArn": "arn:aws:iam::123456789012:role/cd",
            "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
            "autoRollbackConfiguration": {"enabled": true, "events": ["DEPLOYMENT_FAILURE"]},
            "blueGreenDeploymentConfiguration": {
                "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 60},
                "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 120},
            },
        }),
    )
    .await;
    raw(
        &base,
        "CreateDeploymentGroup",
        json!({
            "applicationName": "shop",
            "deploymentGroupName": "shop-inplace",
            "serviceRoleArn": "arn:aws:iam::123456789012:role/cd",
            "deploymentStyle": {"deploymentType": "IN_PLACE", "deploymentOption": "WITHOUT_TRAFFIC_CONTROL"},
        }),
    )
    .await;

    std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDMOTO");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "moto");
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    let cd = CodeDeploy::connect(ClientOptions {
        endpoint_url: Some(base.clone()),
        region: Some("us-east-1".into()),
        retry: RetryPolicy::fast(),
    })
    .await;

    let group = cd
        .blue_green_group("shop", "shop-production")
        .await
        .expect("group");
    assert!(group.auto_rollback_enabled);
    // The Blue/Green settings the phases and the pre-flight checks read, as moto keeps them.
    assert!(group.manual_switch(), "{group:?}");
    assert_eq!(group.ready_wait_minutes, Some(120));
    assert_eq!(group.termination_wait_minutes, Some(60));
    assert!(matches!(
        cd.blue_green_group("shop", "shop-inplace").await,
        Err(CodeDeployError::NotBlueGreen { .. })
    ));
    assert!(matches!(
        cd.deployment_group("shop", "nope").await,
        Err(CodeDeployError::GroupNotFound { .. })
    ));
    assert!(matches!(
        cd.deployment_group("nope", "nope").await,
        Err(CodeDeployError::ApplicationNotFound(_))
    ));

    let sha = CommitSha("4c0ffee4c0ffee4c0ffee4c0ffee4c0ffee4c0ff".into());
    let repo = RepoName::parse("octo/shop").expect("repo");
    for revision in [
        Revision::parse(
            "s3://shop-artifacts/shop/4c0ffee.tar.gz?versionId=v1",
            None,
            &sha,
        )
        .expect("s3"),
        Revision::parse("github", Some(&repo), &sha).expect("github"),
    ] {
        let req = CreateRequest {
            application: "shop".into(),
            group: "shop-production".into(),
            revision: revision.clone(),
            deployment_config: Some("CodeDeployDefault.AllAtOnce".into()),
            description: deployment_description(&sha, "production"),
            file_exists_behavior: Some(FileExistsBehavior::Retain),
            auto_rollback: Some(true),
        };
        let id = cd
            .create_deployment(&req)
            .await
            .expect("moto accepted CreateDeployment");
        let d = cd.deployment(&id).await.expect("GetDeployment");
        assert_eq!(d.status, DeploymentStatus::Created);
        assert_eq!(d.revision.as_ref(), Some(&revision));
        assert_eq!(d.description.as_deref(), Some(req.description.as_str()));
    }
    let ids = cd
        .list_deployments("shop", "shop-production", &[])
        .await
        .expect("list");
    assert_eq!(ids.len(), 2);
    let found = cd
        .find_deployment_for_commit("shop", "shop-production", &sha, &[])
        .await
        .expect("search");
    assert!(found.is_some());
}
