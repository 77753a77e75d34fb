"""The web UI: page shells (Jinja templates) and the static ES modules that
fill them from the public REST API in the browser."""
