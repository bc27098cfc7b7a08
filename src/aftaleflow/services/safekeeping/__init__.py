"""Safekeeping: backups that restore, and signed checkpoints of the audit chain.

- keys: the Ed25519 key pair that signs checkpoints (made at `init`; rotation keeps old
  public keys so old checkpoints still verify);
- checkpoints: sign the chain's head into a file outside the database, mail it, and check the
  chain against a folder of them;
- snapshot: the facts a backup's manifest records (schema revision, row counts, chain head);
- backup / restore: a consistent copy while writers work (SQLite's online backup API,
  PostgreSQL's pg_dump), a manifest beside it, and a restore that checks itself;
- nightly: what the scheduled flow runs (checkpoint, backup, retention, restore check, mail).
"""
