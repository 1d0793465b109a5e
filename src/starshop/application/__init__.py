"""Use cases and the ports they need. Knows nothing of SQL, HTTP, Redis or Telegram."""
