"""The email tests' servers — a real Dovecot (IMAP) and an aiosmtpd SMTP server — are the
fixtures `dovecot`, `mailbox` and `smtp_server` of tests/conftest.py (tests/server uses them
too).

No __init__.py here on purpose: with one, pytest would import this folder as the package
`mail` and shadow casedesk's own `mail` package.
"""
