//! Command-line interface. Every action input is also a flag; a flag wins over `INPUT_*`.

use crate::model::Dialect;
use crate::report::Format;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "shipgate",
    version,
    about = "Gate PRs for zero-downtime deploys and ship them with CodeDeploy Blue/Green",
    long_about = "Without a subcommand, shipgate runs as a GitHub Action: the command comes from \
                  the `command` input or the event (pull_request → gate, push → deploy, \
                  schedule/workflow_dispatch → release)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub context: ContextArgs,
    #[command(flatten)]
    pub inputs: InputArgs,
}

const CONTEXT_HELP: &str = "Run context (as the Actions runner sets it): --repo owner/name \
    [env GITHUB_REPOSITORY], --sha [env GITHUB_SHA], --api-url [env GITHUB_API_URL, default \
    https://api.github.com], --server-url [env GITHUB_SERVER_URL, default https://github.com].";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Gate a pull request through the GitHub API (what the action does on pull_request).
    #[command(after_help = CONTEXT_HELP)]
    Gate(ActionArgs),
    /// Deploy the merged PR(s) behind a commit with CodeDeploy Blue/Green.
    #[command(after_help = CONTEXT_HELP)]
    Deploy(ActionArgs),
    /// Ship the PRs merged since the last good deploy (a release train).
    #[command(after_help = CONTEXT_HELP)]
    Release(ActionArgs),
    /// Redeploy the last revision that succeeded in the deployment group; while the original
    /// Blue/Green fleet still runs, stop the deployment with rollback (traffic goes back).
    #[command(after_help = CONTEXT_HELP)]
    Rollback(ActionArgs),
    /// Move a Blue/Green deployment to its next phase: Ready → traffic switch, termination
    /// wait → original fleet terminated now.
    #[command(after_help = CONTEXT_HELP)]
    Continue(ActionArgs),
    /// Gate the local git diff between two refs, without GitHub.
    Check(CheckArgs),
    /// Lint migration files.
    Lint(LintArgs),
    /// List every lint rule, or print one rule's page (`shipgate rules SG102`).
    #[command(visible_alias = "explain")]
    Rules(RulesArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The base ref (e.g. main or origin/main).
    #[arg(long, default_value = "main")]
    pub base: String,
    /// The head ref.
    #[arg(long, default_value = "HEAD")]
    pub head: String,
    /// Repository directory.
    #[arg(long = "dir", default_value = ".")]
    pub dir: PathBuf,
    /// Pretend the PR carries this label (repeatable), e.g. shipgate:allow-SG001.
    #[arg(long = "label")]
    pub labels: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// SQL dialect of the migrations [default: detected from the repository, else mysql].
    #[arg(long, value_enum, alias = "sql-dialect")]
    pub dialect: Option<Dialect>,
    #[command(flatten)]
    pub inputs: GateInputArgs,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories (recursed). Migrations are recognised by path or by content.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// SQL dialect of the migrations [default: detected from the project, else mysql].
    #[arg(long, value_enum, alias = "sql-dialect")]
    pub dialect: Option<Dialect>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Schema dump (schema.rb, structure.sql, mysqldump --no-data) for column types, defaults
    /// and indexes; default: db/schema.rb or db/structure.sql above the linted files.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,
    /// Also list the files skipped as not migrations.
    #[arg(long)]
    pub verbose: bool,
    #[command(flatten)]
    pub inputs: GateInputArgs,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A rule id such as SG102: print its page (what it catches, why, the safe way, how to accept it).
    pub rule: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Where the run happens; defaults come from the runner's `GITHUB_*` variables.
#[derive(Debug, Args)]
pub struct ContextArgs {
    /// owner/name of the repository.
    #[arg(
        long = "repo",
        env = "GITHUB_REPOSITORY",
        global = true,
        hide_env_values = true,
        hide = true
    )]
    pub repo: Option<String>,
    #[arg(
        long = "event-name",
        env = "GITHUB_EVENT_NAME",
        global = true,
        hide = true
    )]
    pub event_name: Option<String>,
    #[arg(
        long = "event-path",
        env = "GITHUB_EVENT_PATH",
        global = true,
        hide = true
    )]
    pub event_path: Option<PathBuf>,
    /// The commit the run is for.
    #[arg(long = "sha", env = "GITHUB_SHA", global = true, hide = true)]
    pub sha: Option<String>,
    #[arg(
        long = "api-url",
        env = "GITHUB_API_URL",
        global = true,
        hide = true,
        default_value = "https://api.github.com"
    )]
    pub api_url: String,
    #[arg(
        long = "server-url",
        env = "GITHUB_SERVER_URL",
        global = true,
        hide = true,
        default_value = "https://github.com"
    )]
    pub server_url: String,
    #[arg(long = "run-id", env = "GITHUB_RUN_ID", global = true, hide = true)]
    pub run_id: Option<String>,
    #[arg(
        long = "workspace",
        env = "GITHUB_WORKSPACE",
        global = true,
        hide = true
    )]
    pub workspace: Option<PathBuf>,
    #[arg(
        long = "output-file",
        env = "GITHUB_OUTPUT",
        global = true,
        hide = true
    )]
    pub output: Option<PathBuf>,
    #[arg(
        long = "summary-file",
        env = "GITHUB_STEP_SUMMARY",
        global = true,
        hide = true
    )]
    pub summary: Option<PathBuf>,
}

macro_rules! input_flags {
    // One field list, several structs: the top level takes the inputs hidden (the action's
    // entrypoint), the action's subcommands show them in their help.
    ($($struct_:ident hidden $hide:literal),+ ; $fields:tt) => {
        $( input_flags!(@one $struct_, $hide, $fields); )+
    };
    (@one $name_:ident, $hide:literal, { $($field:ident => $name:literal, $help:literal),* $(,)? }) => {
        /// Action inputs as flags; a flag wins over its `INPUT_*` variable.
        #[derive(Debug, Args, Default)]
        pub struct $name_ {
            $(
                #[arg(long = $name, help = $help, value_name = "VALUE", hide = $hide)]
                pub $field: Option<String>,
            )*
        }

        impl $name_ {
            /// `(input name, value)` for every flag given.
            pub fn given(&self) -> Vec<(&'static str, &str)> {
                let mut out = Vec::new();
                $( if let Some(v) = &self.$field { out.push(($name, v.as_str())); } )*
                out
            }
        }
    };
}

input_flags! {
    InputArgs hidden true,
    ActionArgs hidden false;
    {
    command => "command", "gate, deploy, release, rollback or continue (move a Blue/Green deployment to its next phase: Ready to the traffic switch, termination wait to done). Empty: from the event (pull_request: gate, push: deploy, schedule/workflow_dispatch: release).",
    github_token => "github-token", "Token for the GitHub API (GITHUB_API_URL gives the API base, so GitHub Enterprise works).",
    pull_request => "pull-request", "PR number to gate when the event is not a pull_request event.",
    migration_paths => "migration-paths", "Globs of schema-change files, one per line or comma-separated; !glob excludes. Empty: the common layouts (Rails db/migrate, db/post_migrate, Flyway, Django, Alembic, Prisma, golang-migrate, Knex, Liquibase, any migrations/ folder).",
    ignore_paths => "ignore-paths", "Globs of files that are neither code nor schema. Empty: **/*.md and docs/**.",
    mixed_changes => "mixed-changes", "fail, warn or off when a PR or release mixes schema and code. [default: fail]",
    sql_dialect => "sql-dialect", "mysql or postgres, for raw SQL migrations. [default: mysql]",
    mysql_version => "mysql-version", "MySQL server version for the version-dependent lint rules (e.g. 5.7, 8.0, 8.0.29). [default: 8.0]",
    postgres_version => "postgres-version", "PostgreSQL major version for the version-dependent lint rules. [default: 16]",
    allow_label_prefix => "allow-label-prefix", "A PR label <prefix><rule-id> accepts that rule's findings for the PR. [default: shipgate:allow-]",
    hold_label => "hold-label", "A PR with this label is not deployed. [default: shipgate:hold]",
    require_pull_request => "require-pull-request", "Refuse to deploy a commit that no merged PR brought in. [default: true]",
    application => "application", "CodeDeploy application name (required to deploy).",
    deployment_group => "deployment-group", "CodeDeploy Blue/Green deployment group name (required to deploy).",
    deployment_config => "deployment-config", "CodeDeploy deployment configuration name. Empty: the group's own.",
    revision => "revision", "s3://bucket/key[?versionId=..] (bundle type from the extension) or github (this repository at the commit).",
    environment => "environment", "GitHub environment for Deployments statuses. Empty: the deployment group name.",
    environment_url => "environment-url", "URL of the deployed environment, shown on the GitHub Deployment.",
    file_exists_behavior => "file-exists-behavior", "CodeDeploy fileExistsBehavior (DISALLOW, OVERWRITE, RETAIN). [default: DISALLOW]",
    wait => "wait", "Follow the deployment to the end. [default: true]",
    timeout_minutes => "timeout-minutes", "Bounds the phases before the Blue/Green traffic switch; past it the deployment is stopped (with rollback when auto-rollback is on). After the switch shipgate never stops a deployment because of its own timeout. [default: 60]",
    wait_for_termination => "wait-for-termination", "Keep following after the traffic switch until the original fleet is terminated (the release is reported at the switch either way). [default: false]",
    deployment_id => "deployment-id", "The deployment `continue` acts on. Empty: the group's deployment waiting in Ready or in its termination wait.",
    auto_rollback => "auto-rollback", "Roll back on failure or stop. [default: true]",
    on_active_deployment => "on-active-deployment", "wait for a running deployment in the group, or fail. [default: wait]",
    slack_webhook_url => "slack-webhook-url", "Slack incoming webhook URL (a secret).",
    slack_bot_token => "slack-bot-token", "Slack bot token (a secret); with slack-channel, one message is posted and updated in place.",
    slack_channel => "slack-channel", "Slack channel id for slack-bot-token.",
    slack_notify => "slack-notify", "failure, always or never. [default: failure]",
    dry_run => "dry-run", "Decide and report everything, change nothing. [default: false]",
    sarif_file => "sarif-file", "Also write the gate's findings there as SARIF 2.1.0, for github/codeql-action/upload-sarif. Empty: no SARIF file.",
    release_window => "release-window", "When release (and deploy of a merge) may ship, e.g. 'Mon-Fri 09:00-17:00 Asia/Tokyo'; several ranges separated by ';'. Empty: any time.",
    freeze => "freeze", "true to hold every release, or a date range like '2026-12-24..2027-01-03 Asia/Tokyo' (inclusive). An open issue labelled shipgate:freeze also freezes (the token needs issues: read). [default: false]",
    force => "force", "true ships outside the release window or during a freeze (a workflow_dispatch input); never overrides the gate. [default: false]",
    allow_schema_rollback => "allow-schema-rollback", "Let rollback cross a release that changed the schema (still warned on every channel). [default: false]",
    }
}

input_flags! {
    GateInputArgs hidden false;
    {
    migration_paths => "migration-paths", "Globs of schema-change files, one per line or comma-separated; !glob excludes. Empty: the common layouts (Rails db/migrate, db/post_migrate, Flyway, Django, Alembic, Prisma, golang-migrate, Knex, Liquibase, any migrations/ folder).",
    ignore_paths => "ignore-paths", "Globs of files that are neither code nor schema. Empty: **/*.md and docs/**.",
    mixed_changes => "mixed-changes", "fail, warn or off when a PR or release mixes schema and code. [default: fail]",
    mysql_version => "mysql-version", "MySQL server version for the version-dependent lint rules (e.g. 5.7, 8.0, 8.0.29). [default: 8.0]",
    postgres_version => "postgres-version", "PostgreSQL major version for the version-dependent lint rules. [default: 16]",
    allow_label_prefix => "allow-label-prefix", "A PR label <prefix><rule-id> accepts that rule's findings for the PR. [default: shipgate:allow-]",
    sarif_file => "sarif-file", "Also write the gate's findings there as SARIF 2.1.0, for github/codeql-action/upload-sarif. Empty: no SARIF file.",
    }
}

impl Command {
    /// The action inputs given as flags after this subcommand.
    pub fn given_inputs(&self) -> Vec<(&'static str, &str)> {
        match self {
            Command::Gate(a)
            | Command::Deploy(a)
            | Command::Release(a)
            | Command::Rollback(a)
            | Command::Continue(a) => a.given(),
            Command::Check(a) => a.inputs.given(),
            Command::Lint(a) => a.inputs.given(),
            Command::Rules(_) => Vec::new(),
        }
    }
}
