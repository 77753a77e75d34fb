"""Airflow compatibility: run existing Airflow DAG files as Waterwheel jobs.

``shim/airflow`` is a package importable as ``airflow`` that DAG files use;
``loader`` imports DAG files with it, ``translate`` turns each DAG into a job
document, ``runner`` runs one Airflow task inside its container and ``cli``
offers ``waterwheel airflow translate|deploy|trigger``.

Importing this package changes nothing on ``sys.path``: only the loader (for
the time it loads) and the runner put the shim there, so a real Airflow
installed beside Waterwheel is never shadowed.
"""

from pathlib import Path

SHIM_DIR = Path(__file__).resolve().parent / "shim"
