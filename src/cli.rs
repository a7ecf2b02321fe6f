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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Gate a pull request through the GitHub API (what the action does on pull_request).
    Gate,
    /// Deploy the merged PR(s) behind a commit with CodeDeploy Blue/Green.
    Deploy,
    /// Ship the PRs merged since the last good deploy (a release train).
    Release,
    /// Redeploy the last revision that succeeded in the deployment group; while the original
    /// Blue/Green fleet still runs, stop the deployment with rollback (traffic goes back).
    Rollback,
    /// Move a Blue/Green deployment to its next phase: Ready → traffic switch, termination
    /// wait → original fleet terminated now.
    Continue,
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
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories (recursed). Migrations are recognised by path or by content.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum)]
    pub dialect: Option<Dialect>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Schema dump (schema.rb, structure.sql, mysqldump --no-data) for column types, defaults
    /// and indexes; default: db/schema.rb or db/structure.sql above the linted files.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,
    /// Also list the files skipped as not migrations.
    #[arg(long)]
    pub verbose: bool,
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
        hide_env_values = true
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
    #[arg(long = "sha", env = "GITHUB_SHA", global = true)]
    pub sha: Option<String>,
    #[arg(
        long = "api-url",
        env = "GITHUB_API_URL",
        global = true,
        default_value = "https://api.github.com"
    )]
    pub api_url: String,
    #[arg(
        long = "server-url",
        env = "GITHUB_SERVER_URL",
        global = true,
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
    ($($field:ident => $name:literal),* $(,)?) => {
        /// The action's inputs as flags (see action.yml for each one's meaning).
        #[derive(Debug, Args, Default)]
        pub struct InputArgs {
            $(
                #[arg(long = $name, global = true, hide_short_help = true)]
                pub $field: Option<String>,
            )*
        }

        impl InputArgs {
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
    command => "command",
    github_token => "github-token",
    pull_request => "pull-request",
    migration_paths => "migration-paths",
    ignore_paths => "ignore-paths",
    mixed_changes => "mixed-changes",
    sql_dialect => "sql-dialect",
    mysql_version => "mysql-version",
    postgres_version => "postgres-version",
    allow_label_prefix => "allow-label-prefix",
    hold_label => "hold-label",
    require_pull_request => "require-pull-request",
    application => "application",
    deployment_group => "deployment-group",
    deployment_config => "deployment-config",
    revision => "revision",
    environment => "environment",
    environment_url => "environment-url",
    file_exists_behavior => "file-exists-behavior",
    wait => "wait",
    timeout_minutes => "timeout-minutes",
    wait_for_termination => "wait-for-termination",
    deployment_id => "deployment-id",
    auto_rollback => "auto-rollback",
    on_active_deployment => "on-active-deployment",
    slack_webhook_url => "slack-webhook-url",
    slack_bot_token => "slack-bot-token",
    slack_channel => "slack-channel",
    slack_notify => "slack-notify",
    dry_run => "dry-run",
    sarif_file => "sarif-file",
    release_window => "release-window",
    freeze => "freeze",
    force => "force",
    allow_schema_rollback => "allow-schema-rollback",
}
