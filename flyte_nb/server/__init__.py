"""The backend's HTTP service: the ASGI app, its config, and the daemon that runs it."""
