"""The ``waterwheel`` command: the group in ``main``, its commands in the
modules beside it (the Airflow ones in ``waterwheel.compat.cli``)."""
