"""The emulated orchestration platform: sandboxes, profiles, apps, campaigns, channels, exclusions and reports."""
