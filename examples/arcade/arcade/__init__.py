"""Arcade: a FastAPI game backend on Upstash Redis, the second example app.

One module per concern: ``sessions`` (logins that expire when idle), ``scores`` (the
leaderboard, rate limited), ``flags`` (feature flags), ``badges`` (a job queue and its
worker), ``events`` (a stream of game events and a pub/sub channel); ``app`` wires them
into HTTP routes.
"""
