"""Holds the ``airflow`` shim package.

Not meant to be imported as ``waterwheel.compat.shim``: this folder is put on
``sys.path`` by the loader and the runner so that ``import airflow`` finds it.
It is a package only so that the wheel carries it.
"""
