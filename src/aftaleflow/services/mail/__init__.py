"""Everything that leaves by mail: the outbox with its exactly-once idempotency keys
(`outbox`), delivering it by SMTP (`mailing`), which reminders and round letters are due
(`reminders`), and the links a letter or mail carries to the page where the reader acts
(`links`).
"""
