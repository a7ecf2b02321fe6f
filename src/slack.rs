//! Slack notifier: incoming webhook or Web API (`chat.postMessage` / `chat.update`), Block Kit.
