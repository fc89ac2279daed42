"""The development mailbox: every queued email, readable in the browser (development only)."""
