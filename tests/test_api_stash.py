"""The stash (global, project, job) and the JWTs that guard the internal API:
stash tokens for task code, config tokens for workers, HS256 and RS256."""

from __future__ import annotations

import uuid
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from helpers import (
    COMPLEX_DAG,
    PROJECT_ID,
    SIMPLE,
    T0,
    bearer,
    config_token,
    create_project,
    deploy_job,
    deploy_samples,
    insert_run,
    iso,
    job_doc,
    row_counts,
    stash_token,
    task_ids,
)

from waterwheel.api import create_app
from waterwheel.config import Settings

BINARY = bytes(range(256)) + b"\x00\r\n\xff\xfe"


@pytest.fixture
def jobs(client):
    """The complex dag and the simple job; name -> task id for each."""
    deploy_samples(client, only=["complex-dag.yml", "simple.json"])
    return {"dag": task_ids(client, COMPLEX_DAG), "simple": task_ids(client, SIMPLE)}


@pytest.fixture
def grant(settings, db, jobs):
    """A stash token for stepA of the complex dag at T0, and a builder for
    others; each for a run that is running (a token dies with its run)."""
    running: set[tuple[str, object]] = set()

    def make(task=None, job=COMPLEX_DAG, project=PROJECT_ID, at=T0, lifetime=600):
        task = task or jobs["dag"]["stepA"]
        if (task, at) not in running:
            insert_run(db, task, at, state="running")
            running.add((task, at))
        return stash_token(
            settings,
            task_id=task,
            job_id=job,
            project_id=project,
            trigger_datetime=at,
            lifetime=lifetime,
        )

    return make


def _read(client, path, token):
    headers = bearer(token) if token is not None else {}
    return client.get(path, headers=headers)


# Global scope.


def test_global_stash_round_trip(client, grant):
    assert client.get("/api/stash").get_json() == []
    response = client.put("/api/stash/blob", data=BINARY)
    assert response.status_code == 201
    assert client.put("/api/stash/empty", data=b"").status_code == 201
    assert client.put("/api/stash/text", data="héllo".encode()).status_code == 201
    assert client.get("/api/stash").get_json() == ["blob", "empty", "text"]

    read = _read(client, "/int-api/stash/blob", grant())
    assert read.status_code == 200
    assert read.data == BINARY
    assert _read(client, "/int-api/stash/empty", grant()).data == b""
    assert _read(client, "/int-api/stash/text", grant()).data.decode() == "héllo"


def test_global_stash_last_write_wins_and_delete(client, grant):
    client.put("/api/stash/key", data=b"first")
    client.put("/api/stash/key", data=b"second")
    assert _read(client, "/int-api/stash/key", grant()).data == b"second"
    assert client.get("/api/stash").get_json() == ["key"]

    response = client.delete("/api/stash/key")
    assert response.status_code == 204
    assert client.get("/api/stash").get_json() == []
    missing = _read(client, "/int-api/stash/key", grant())
    assert missing.status_code == 404
    assert "error" in missing.get_json()
    assert client.delete("/api/stash/key").status_code == 204  # absent: still 204


def test_global_stash_with_form_content_type_stores_raw_bytes(client, grant):
    response = client.put(
        "/api/stash/form", data=b"a=1&b=2", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 201
    assert _read(client, "/int-api/stash/form", grant()).data == b"a=1&b=2"


def test_stash_key_too_long_is_400(client, db):
    before = row_counts(db)
    response = client.put("/api/stash/" + "k" * 256, data=b"v")
    assert response.status_code == 400
    assert "error" in response.get_json()
    assert row_counts(db) == before


# Project scope.


def test_project_stash_round_trip(client, grant):
    url = f"/api/projects/{PROJECT_ID}/stash"
    assert client.get(url).get_json() == []
    assert client.put(f"{url}/secret", data=BINARY).status_code == 201
    assert client.put(f"{url}/other", data=b"2").status_code == 201
    assert client.get(url).get_json() == ["other", "secret"]

    read = _read(client, f"/int-api/projects/{PROJECT_ID}/stash/secret", grant())
    assert read.status_code == 200
    assert read.data == BINARY

    assert client.delete(f"{url}/secret").status_code == 204
    assert client.get(url).get_json() == ["other"]
    gone = _read(client, f"/int-api/projects/{PROJECT_ID}/stash/secret", grant())
    assert gone.status_code == 404


def test_project_stash_is_per_project(client, grant):
    other = create_project(client, "other")["uuid"]
    client.put(f"/api/projects/{PROJECT_ID}/stash/key", data=b"mine")
    client.put(f"/api/projects/{other}/stash/key", data=b"theirs")
    assert client.get(f"/api/projects/{other}/stash").get_json() == ["key"]
    assert _read(client, f"/int-api/projects/{PROJECT_ID}/stash/key", grant()).data == b"mine"
    # The token names test_project: the other project's values are out of reach.
    response = _read(client, f"/int-api/projects/{other}/stash/key", grant())
    assert response.status_code == 403
    assert "error" in response.get_json()
    # A token for a task of the other project reaches them.
    theirs = grant(project=other)
    assert _read(client, f"/int-api/projects/{other}/stash/key", theirs).data == b"theirs"


def test_project_stash_of_unknown_project_is_404(client, db):
    missing = uuid.uuid4()
    before = row_counts(db)
    assert client.put(f"/api/projects/{missing}/stash/key", data=b"v").status_code == 404
    assert client.delete(f"/api/projects/{missing}/stash/key").status_code == 404
    assert client.get(f"/api/projects/{missing}/stash").status_code == 404
    assert client.put("/api/projects/nope/stash/key", data=b"v").status_code == 400
    assert row_counts(db) == before


def _writer(client, grant, prefixes, name="writer"):
    """A job of test_project whose task ``w`` may write keys under ``prefixes``
    (task ``r`` may not), and stash tokens for each of the two tasks."""
    tasks = [{"name": "w", "project_stash_write": prefixes}, {"name": "r"}]
    job = deploy_job(client, job_doc(name, job_id=None, triggers=[], tasks=tasks))
    ids = task_ids(client, job)
    return job, grant(task=ids["w"], job=job), grant(task=ids["r"], job=job)


def _write(client, token, key, value=b"v", project=PROJECT_ID, method="put"):
    url = f"/int-api/projects/{project}/stash/{key}"
    return getattr(client, method)(url, data=value, headers=bearer(token) if token else {})


def test_task_writes_the_project_stash_under_its_granted_prefixes(client, db, grant, jobs):
    _, writer, reader = _writer(client, grant, ["airflow.var.", "shared."])
    assert _write(client, writer, "airflow.var.region", b"us").status_code == 201
    assert _write(client, writer, "shared.colour", b"red", method="post").status_code == 201
    assert _write(client, writer, "airflow.var.region", b"eu").status_code == 201  # last wins
    # What it wrote is the project's: listed for people, read by every task of it.
    listing = client.get(f"/api/projects/{PROJECT_ID}/stash").get_json()
    assert listing == ["airflow.var.region", "shared.colour"]
    for token in (writer, reader, grant()):
        read = _read(client, f"/int-api/projects/{PROJECT_ID}/stash/airflow.var.region", token)
        assert read.data == b"eu"


@pytest.mark.parametrize("method", ["put", "post"])
def test_task_stash_writes_beyond_the_grant_are_403_and_write_nothing(
    client, db, grant, jobs, method
):
    client.put(f"/api/projects/{PROJECT_ID}/stash/airflow.conn.db", data=b"secret")
    _, writer, reader = _writer(client, grant, ["airflow.var."])
    other = create_project(client, "other")["uuid"]
    sample = grant()
    before = row_counts(db)
    refused = {
        "outside the prefix": _write(client, writer, "airflow.conn.db", b"stolen", method=method),
        "prefix alone is no key": _write(client, writer, "airflow.var", method=method),
        "no grant": _write(client, reader, "airflow.var.region", method=method),
        "a sample task": _write(client, sample, "airflow.var.region", method=method),
        "another project": _write(client, writer, "airflow.var.x", project=other, method=method),
    }
    assert {why: r.status_code for why, r in refused.items()} == dict.fromkeys(refused, 403)
    assert refused["outside the prefix"].get_json()["error"] == (
        "task 'w' may not write project stash key 'airflow.conn.db': its project_stash_write"
        " allows keys starting with 'airflow.var.'"
    )
    assert refused["no grant"].get_json()["error"] == (
        "task 'r' may only read the project stash: its job document gives it no project_stash_write"
    )
    assert _write(client, None, "airflow.var.region", method=method).status_code == 401
    too_long = _write(client, writer, "airflow.var." + "k" * 250, method=method)
    assert too_long.status_code == 400
    assert row_counts(db) == before
    conn = _read(client, f"/int-api/projects/{PROJECT_ID}/stash/airflow.conn.db", writer)
    assert conn.data == b"secret"


def test_a_redeployed_document_revokes_the_grant_of_running_tasks(client, db, grant, jobs):
    job, writer, _ = _writer(client, grant, ["airflow.var."])
    assert _write(client, writer, "airflow.var.a").status_code == 201
    tasks = [{"name": "w"}, {"name": "r"}]
    response = client.put("/api/jobs", json=job_doc("writer", job_id=job, triggers=[], tasks=tasks))
    assert response.status_code == 201
    assert _write(client, writer, "airflow.var.a").status_code == 403  # the same token
    assert client.delete(f"/api/jobs/{job}").status_code == 204
    assert _write(client, writer, "airflow.var.a").status_code == 401  # its run went with it


# Job scope.


def _job_url(job=COMPLEX_DAG, at=T0, key="key"):
    return f"/int-api/jobs/{job}/stash/{iso(at)}/{key}"


def test_job_stash_round_trip(client, grant):
    token = grant()
    response = client.put(_job_url(), data=BINARY, headers=bearer(token))
    assert response.status_code == 201
    client.put(_job_url(key="second"), data=b"2", headers=bearer(token))

    read = _read(client, _job_url(), token)
    assert read.status_code == 200
    assert read.data == BINARY
    listing = client.get(f"/int-api/jobs/{COMPLEX_DAG}/stash/{iso(T0)}/")
    assert listing.status_code == 200
    assert listing.get_json() == ["key", "second"]

    # Another task of the same job and run reads it too.
    sibling = grant(task=task_ids(client, COMPLEX_DAG)["stepB1"])
    assert _read(client, _job_url(), sibling).data == BINARY

    assert client.delete(_job_url()).status_code == 204
    assert _read(client, _job_url(), token).status_code == 404
    assert client.get(f"/int-api/jobs/{COMPLEX_DAG}/stash/{iso(T0)}/").get_json() == ["second"]


def test_job_stash_values_are_per_trigger_time(client, grant):
    later = T0 + timedelta(days=1)
    client.put(_job_url(), data=b"day one", headers=bearer(grant()))
    client.put(_job_url(at=later), data=b"day two", headers=bearer(grant(at=later)))
    assert _read(client, _job_url(), grant()).data == b"day one"
    assert _read(client, _job_url(at=later), grant(at=later)).data == b"day two"
    assert client.get(f"/int-api/jobs/{COMPLEX_DAG}/stash/{iso(later)}/").get_json() == ["key"]


def test_job_stash_token_time_in_another_offset_matches(client, grant):
    client.put(_job_url(), data=b"v", headers=bearer(grant()))
    url = f"/int-api/jobs/{COMPLEX_DAG}/stash/2025-01-01T05:30:00+05:30/key"
    response = _read(client, url, grant())
    assert response.status_code == 200
    assert response.data == b"v"


def test_job_stash_other_trigger_time_is_403(client, grant):
    later = T0 + timedelta(days=1)
    client.put(_job_url(at=later), data=b"v", headers=bearer(grant(at=later)))
    # The T0 token can neither read nor write the next day's values.
    response = _read(client, _job_url(at=later), grant())
    assert response.status_code == 403
    assert "error" in response.get_json()
    write = client.put(_job_url(at=later), data=b"overwritten", headers=bearer(grant()))
    assert write.status_code == 403
    assert _read(client, _job_url(at=later), grant(at=later)).data == b"v"


def test_job_stash_write_by_a_foreign_task_is_403(client, db, grant, jobs):
    foreign = grant(task=jobs["simple"]["step0"], job=SIMPLE)
    before = row_counts(db)
    response = client.put(_job_url(), data=b"intruder", headers=bearer(foreign))
    assert response.status_code == 403
    assert "error" in response.get_json()
    assert row_counts(db) == before
    assert client.get(f"/int-api/jobs/{COMPLEX_DAG}/stash/{iso(T0)}/").get_json() == []

    client.put(_job_url(), data=b"owner", headers=bearer(grant()))
    assert _read(client, _job_url(), foreign).status_code == 403


def test_job_stash_token_of_a_deleted_job_is_401(client, db, grant):
    token = grant()
    assert client.delete(f"/api/jobs/{COMPLEX_DAG}").status_code == 204
    before = row_counts(db)
    response = client.put(_job_url(), data=b"late", headers=bearer(token))
    assert response.status_code == 401  # its run went with the job
    assert "error" in response.get_json()
    assert _read(client, _job_url(), token).status_code == 401
    assert row_counts(db) == before


def test_job_stash_unknown_job_listing_and_delete_are_404(client, jobs):
    missing = uuid.uuid4()
    assert client.get(f"/int-api/jobs/{missing}/stash/{iso(T0)}/").status_code == 404
    assert client.delete(_job_url(job=missing)).status_code == 404
    assert client.get(f"/int-api/jobs/{COMPLEX_DAG}/stash/2025-01-01/").status_code == 400


# Stash tokens: 401.


def _all_stash_reads(client):
    client.put("/api/stash/key", data=b"g")
    client.put(f"/api/projects/{PROJECT_ID}/stash/key", data=b"p")
    return [
        ("get", "/int-api/stash/key"),
        ("get", f"/int-api/projects/{PROJECT_ID}/stash/key"),
        ("get", _job_url()),
        ("put", _job_url()),
    ]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not.a.jwt"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "garbage"},
    ],
    ids=["missing", "empty", "garbage", "basic", "no-scheme"],
)
def test_missing_or_garbage_stash_token_is_401(client, db, jobs, headers):
    for method, path in _all_stash_reads(client):
        before = row_counts(db)
        response = getattr(client, method)(path, headers=headers, data=b"x")
        assert response.status_code == 401, (method, path)
        assert "error" in response.get_json()
        assert row_counts(db) == before


def test_expired_stash_token_is_401_beyond_the_leeway(client, grant):
    paths = _all_stash_reads(client)
    expired = grant(lifetime=-120)
    for method, path in paths:
        response = getattr(client, method)(path, headers=bearer(expired), data=b"x")
        assert response.status_code == 401, (method, path)
    # Within the 60 s leeway it still works.
    recent = grant(lifetime=-20)
    assert _read(client, "/int-api/stash/key", recent).data == b"g"


def test_stash_token_signed_with_another_key_is_401(client, jobs):
    other = Settings(hmac_secret="another-secret-that-is-long-enough-for-hs256")
    token = stash_token(
        other,
        task_id=jobs["dag"]["stepA"],
        job_id=COMPLEX_DAG,
        project_id=PROJECT_ID,
        trigger_datetime=T0,
    )
    client.put("/api/stash/key", data=b"g")
    assert _read(client, "/int-api/stash/key", token).status_code == 401


def test_config_token_is_not_a_stash_token(client, settings, jobs):
    client.put("/api/stash/key", data=b"g")
    token = config_token(settings, jobs["dag"]["stepA"])
    assert _read(client, "/int-api/stash/key", token).status_code == 401


def test_stash_token_without_the_run_claims_is_401(client, settings, jobs):
    claims = {
        "iss": "waterwheel",
        "sub": jobs["dag"]["stepA"],
        "aud": "waterwheel.stash",
        "exp": 4_000_000_000,
    }
    token = jwt.encode(claims, settings.hmac_secret, algorithm="HS256")
    client.put("/api/stash/key", data=b"g")
    assert _read(client, "/int-api/stash/key", token).status_code == 401


@pytest.mark.filterwarnings("ignore:The HMAC key is")
def test_stash_token_with_another_algorithm_is_401(client, db, settings, jobs):
    insert_run(db, jobs["dag"]["stepA"], T0, state="running")
    claims = {
        "iss": "waterwheel",
        "sub": jobs["dag"]["stepA"],
        "aud": "waterwheel.stash",
        "exp": 4_000_000_000,
        "job_id": COMPLEX_DAG,
        "project_id": PROJECT_ID,
        "trigger_datetime": iso(T0),
    }
    client.put("/api/stash/key", data=b"g")
    good = jwt.encode(claims, settings.hmac_secret, algorithm="HS256")
    assert _read(client, "/int-api/stash/key", good).status_code == 200
    hs512 = jwt.encode(claims, settings.hmac_secret, algorithm="HS512")
    assert _read(client, "/int-api/stash/key", hs512).status_code == 401
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert _read(client, "/int-api/stash/key", unsigned).status_code == 401
    wrong_issuer = jwt.encode(claims | {"iss": "other"}, settings.hmac_secret, algorithm="HS256")
    assert _read(client, "/int-api/stash/key", wrong_issuer).status_code == 401


# RS256.


def _write_key_pair(directory, name):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = directory / f"{name}.pem"
    public = directory / f"{name}.pub.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return Settings(public_key=str(public), private_key=str(private), no_authz=True)


def test_rs256_tokens(tmp_path, db, settings):
    rs_settings = _write_key_pair(tmp_path, "signing")
    app = create_app(rs_settings, db=db)
    app.testing = True
    client = app.test_client()
    deploy_samples(client, only=["complex-dag.yml"])
    step_a = task_ids(client, COMPLEX_DAG)["stepA"]
    insert_run(db, step_a, T0, state="running")
    client.put("/api/stash/key", data=BINARY)

    def token(keys):
        return stash_token(
            keys, task_id=step_a, job_id=COMPLEX_DAG, project_id=PROJECT_ID, trigger_datetime=T0
        )

    rs_token = token(rs_settings)
    assert jwt.get_unverified_header(rs_token)["alg"] == "RS256"
    read = _read(client, "/int-api/stash/key", rs_token)
    assert read.status_code == 200
    assert read.data == BINARY

    # An HS256 token (the other app's key) and one from another RSA key are refused.
    assert _read(client, "/int-api/stash/key", token(settings)).status_code == 401
    stranger = _write_key_pair(tmp_path, "stranger")
    assert _read(client, "/int-api/stash/key", token(stranger)).status_code == 401

    config = client.get(
        f"/int-api/tasks/{step_a}", headers=bearer(config_token(rs_settings, step_a))
    )
    assert config.status_code == 200
    assert config.get_json()["task_name"] == "stepA"
    refused = client.get(f"/int-api/tasks/{step_a}", headers=bearer(config_token(stranger, step_a)))
    assert refused.status_code == 401


# Config tokens.


def test_task_definition_for_workers(client, settings, jobs):
    step_a = jobs["dag"]["stepA"]
    url = f"/int-api/tasks/{step_a}"
    missing = client.get(url)
    assert missing.status_code == 401
    assert "error" in missing.get_json()
    assert client.get(url, headers={"Authorization": "Bearer junk"}).status_code == 401
    stash = stash_token(
        settings, task_id=step_a, job_id=COMPLEX_DAG, project_id=PROJECT_ID, trigger_datetime=T0
    )
    assert client.get(url, headers=bearer(stash)).status_code == 401

    other = client.get(url, headers=bearer(config_token(settings, jobs["dag"]["stepB1"])))
    assert other.status_code == 403
    assert "error" in other.get_json()

    good = client.get(url, headers=bearer(config_token(settings, step_a)))
    assert good.status_code == 200
    public = client.get(f"/api/tasks/{step_a}").get_json()
    assert good.get_json() == public
    assert good.get_json()["image"] == "waterwheel_random:1"

    unknown = uuid.uuid4()
    response = client.get(
        f"/int-api/tasks/{unknown}", headers=bearer(config_token(settings, unknown))
    )
    assert response.status_code == 404


def test_project_config_for_workers(client, settings, jobs):
    url = f"/int-api/projects/{PROJECT_ID}/config"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer x.y.z"}).status_code == 401
    wrong = client.get(url, headers=bearer(config_token(settings, jobs["dag"]["stepA"])))
    assert wrong.status_code == 403

    response = client.get(url, headers=bearer(config_token(settings, PROJECT_ID)))
    assert response.status_code == 200
    assert response.get_json() == {
        "kubernetes_job_ttl_seconds_after_finished": 60,
        "kubernetes_job_merge": {"meta": {"namespace": "ww_jobs"}},
    }

    bare = create_project(client, "bare")["uuid"]
    response = client.get(
        f"/int-api/projects/{bare}/config", headers=bearer(config_token(settings, bare))
    )
    assert response.status_code == 200
    assert response.get_json() == {}

    unknown = uuid.uuid4()
    response = client.get(
        f"/int-api/projects/{unknown}/config", headers=bearer(config_token(settings, unknown))
    )
    assert response.status_code == 404


def test_expired_config_token_is_401(client, settings):
    claims = {"iss": "waterwheel", "sub": PROJECT_ID, "aud": "waterwheel.config", "exp": 1_000}
    token = jwt.encode(claims, settings.hmac_secret, algorithm="HS256")
    deploy_samples(client, only=[])
    response = client.get(f"/int-api/projects/{PROJECT_ID}/config", headers=bearer(token))
    assert response.status_code == 401
