"""Who may call: users, their API tokens and calendar keys (`users`), and checking a token,
feed key or dashboard session on each request (`sessions`); sign-in with the organisation's
OpenID Connect provider (`oidc`); a council's answer link per party and round (`answer_links`).
"""
