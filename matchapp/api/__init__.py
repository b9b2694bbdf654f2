"""JSON API under /api/v1 (CONTRACT.md "JSON API"), authenticated by bearer tokens."""
