"""Who may call: users, their API tokens and calendar keys (`users`), and checking a token,
feed key or dashboard session on each request (`sessions`).
"""
