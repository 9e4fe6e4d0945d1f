"""Outbound campaigns: recipients dialed within calling hours, concurrency limits and retries."""
