"""Prefect flows for aftaleflow: schedules, retries and logging over the service layer."""
