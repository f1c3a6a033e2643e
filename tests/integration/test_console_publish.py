"""`claimbot console publish`: the console's build into its CloudFront bucket (moto), each file
with its type and a year's immutable caching, nothing deleted; refused without a build."""

from __future__ import annotations

import json
import shutil
import uuid

import boto3
import pytest

from chalicelib.console.blueprint import ASSETS
from devstack.cli import main

pytestmark = pytest.mark.integration

IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture
def bucket(local_aws):
    s3 = boto3.client("s3")
    name = f"claimbot-test-console-assets-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "ap-east-1"})
    return s3, name


def _objects(s3, name: str) -> dict[str, dict]:
    listed = s3.list_objects_v2(Bucket=name).get("Contents", [])
    return {o["Key"]: s3.head_object(Bucket=name, Key=o["Key"]) for o in listed}


def test_publish_uploads_the_build_with_its_types_and_a_years_caching(bucket, capsys):
    s3, name = bucket
    manifest = json.loads((ASSETS / "manifest.json").read_text(encoding="utf-8"))
    built = sorted(p.name for p in ASSETS.iterdir() if p.name != "manifest.json")

    assert main(["console", "publish", "--bucket", name]) == 0

    objects = _objects(s3, name)
    assert sorted(objects) == [f"console/assets/{n}" for n in built]  # no manifest.json
    script = objects[f"console/assets/{manifest['console.js']}"]
    style = objects[f"console/assets/{manifest['console.css']}"]
    assert script["ContentType"] == "text/javascript; charset=utf-8"
    assert style["ContentType"] == "text/css; charset=utf-8"
    for key, head in objects.items():
        assert head["CacheControl"] == IMMUTABLE, key
        if key.endswith(".map"):
            assert head["ContentType"] == "application/json; charset=utf-8"
    body = s3.get_object(Bucket=name, Key=f"console/assets/{manifest['console.js']}")["Body"]
    assert body.read() == (ASSETS / manifest["console.js"]).read_bytes()
    out = capsys.readouterr().out
    assert f"s3://{name}/console/assets/" in out and manifest["console.js"] in out


def test_an_older_build_stays_for_the_pages_that_name_it(bucket, tmp_path):
    s3, name = bucket
    old = tmp_path / "old"
    old.mkdir()
    (old / "console-OLDBUILD.js").write_text("console.log(1)", encoding="utf-8")
    (old / "console-OLDBUILD.css").write_text("body{}", encoding="utf-8")
    (old / "manifest.json").write_text(json.dumps(
        {"console.js": "console-OLDBUILD.js", "console.css": "console-OLDBUILD.css"}))  # fmt: skip

    assert main(["console", "publish", "--bucket", name, "--prefix", "/assets/",
                 "--from", str(old)]) == 0  # fmt: skip
    assert main(["console", "publish", "--bucket", name, "--prefix", "assets"]) == 0

    keys = set(_objects(s3, name))
    assert {"assets/console-OLDBUILD.js", "assets/console-OLDBUILD.css"} <= keys
    manifest = json.loads((ASSETS / "manifest.json").read_text(encoding="utf-8"))
    assert f"assets/{manifest['console.js']}" in keys


def test_without_a_build_nothing_is_uploaded_and_it_says_why(bucket, tmp_path, capsys):
    s3, name = bucket
    assert main(["console", "publish", "--bucket", name, "--from", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "no console build to publish" in err and "make console" in err
    assert _objects(s3, name) == {}


def test_a_build_missing_a_file_its_manifest_names_is_refused(bucket, tmp_path, capsys):
    s3, name = bucket
    partial = tmp_path / "assets"
    shutil.copytree(ASSETS, partial)
    manifest = json.loads((partial / "manifest.json").read_text(encoding="utf-8"))
    (partial / manifest["console.css"]).unlink()

    assert main(["console", "publish", "--bucket", name, "--from", str(partial)]) == 1
    err = capsys.readouterr().err
    assert f"lacks {manifest['console.css']}" in err and "make console" in err
    assert _objects(s3, name) == {}


def test_a_missing_bucket_is_named(local_aws, capsys):
    missing = f"claimbot-test-no-such-bucket-{uuid.uuid4().hex[:8]}"
    assert main(["console", "publish", "--bucket", missing]) == 1
    err = capsys.readouterr().err
    assert f"S3 refused s3://{missing}/console/assets/" in err and "NoSuchBucket" in err
