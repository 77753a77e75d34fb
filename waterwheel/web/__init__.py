"""The web UI, built only on the public REST API.

``views.py`` serves page shells (``templates/``) that carry nothing but ids;
the ES modules in ``static/js`` fetch everything from ``/api`` in the browser:

- ``lib/``: the fetch helper and its errors (``api.js``), a DOM builder,
  times (local, with UTC in titles), shared widgets and live polling
  (``ui.js``), and the virtualised log view that follows a run over the
  websocket (``logview.js``);
- ``pages/``: one module per page;
- ``job/``: the job page's views (grid, graph with its layered layout,
  durations chart, tokens, triggers, document), its run panel and the
  activation dialog.

No build step and nothing loaded from elsewhere at run time.
"""
