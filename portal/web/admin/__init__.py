"""Admin pages: the email outbox."""
