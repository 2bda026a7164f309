"""Email in (IMAP poller) and out (SMTP outbox sender)."""
