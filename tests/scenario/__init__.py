"""The scenario runner: format, runner, writers, CLI."""
