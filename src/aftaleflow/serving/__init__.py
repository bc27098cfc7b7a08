"""What the API and the dashboard share when they serve HTTP: the status and Danish title of
each kind of error (`status`) and the server's log configuration that keeps secrets out of
every log line (`logs`). Both adapters import from here, never from each other.
"""
