"""`claimbot console publish --bucket NAME`: upload the console's build to its CloudFront bucket.

claimbot console publish --bucket NAME [--prefix console/assets] [--from DIR]
    Upload every built file (console-ui/, `make console`: content-hashed names) to
    s3://NAME/<prefix>/, each with its Content-Type and `Cache-Control: public,
    max-age=31536000, immutable`. Nothing is deleted: pages already open in browsers keep
    loading the build they named. Run it before the API that names the new build goes live
    (before `sam deploy`; docs/deploy.md, "Console assets"). manifest.json is not uploaded:
    the API reads its own copy, packaged with it, to name the files.

The bucket is the stack's ConsoleAssetsBucketName output; AWS credentials and region as for
any AWS command line (AWS_REGION, AWS_PROFILE, ...).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from chalicelib.console.blueprint import ASSETS, IMMUTABLE, STATIC_TYPES

DEFAULT_PREFIX = "console/assets"  # the path of CONSOLE_ASSETS_URL (infra/console-assets.yaml)
TYPES = {**STATIC_TYPES, ".txt": "text/plain; charset=utf-8"}  # .LEGAL.txt: licence comments
EXIT_OK, EXIT_REFUSED = 0, 1


class PublishError(Exception):
    """Nothing (more) can be uploaded; the message says why, in one English line."""


def register(subparsers: argparse._SubParsersAction) -> None:
    console = subparsers.add_parser(
        "console", help="the console's built scripts and styles (CloudFront)",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )  # fmt: skip
    sub = console.add_subparsers()
    publish_cmd = sub.add_parser(
        "publish", help="upload the console's build to the assets bucket (nothing deleted)"
    )
    publish_cmd.add_argument("--bucket", required=True, help="the ConsoleAssetsBucketName output")
    publish_cmd.add_argument(
        "--prefix", default=DEFAULT_PREFIX, help=f"key prefix (default {DEFAULT_PREFIX})"
    )
    publish_cmd.add_argument(
        "--from", dest="folder", type=Path, default=ASSETS,
        help="the build (default chalicelib/console/static/assets, what `make console` writes)",
    )  # fmt: skip
    publish_cmd.set_defaults(func=_publish)
    console.set_defaults(func=lambda _args: console.print_help() or EXIT_REFUSED)


def build_files(folder: Path) -> list[Path]:
    """The build's files to upload: all but manifest.json, the files the manifest names last
    (their source maps and styles are in place before them). PublishError if the build is
    missing, incomplete or holds a file of a type the console does not serve."""
    from chalicelib.console.assets import AssetsMissing, read_manifest

    try:
        named = list(read_manifest(folder).values())
    except AssetsMissing as exc:
        raise PublishError(f"no console build to publish: {exc}") from None
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name != "manifest.json")
    strange = [p.name for p in files if _suffix(p) not in TYPES]
    if strange:
        raise PublishError(f"the build in {folder} holds files of no known type: {strange}")
    return sorted(files, key=lambda p: (p.name in named, p.name))


def _suffix(path: Path) -> str:
    return path.suffix.lower()


def publish(s3: Any, bucket: str, prefix: str, folder: Path) -> list[str]:
    """Upload the build in `folder` to s3://bucket/prefix/; returns the keys written. Never
    deletes or lists: older builds stay for the pages that name them."""
    from botocore.exceptions import BotoCoreError, ClientError

    files = build_files(folder)
    base = prefix.strip("/")
    keys: list[str] = []
    for path in files:
        key = f"{base}/{path.name}" if base else path.name
        try:
            s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=path.read_bytes(),
                ContentType=TYPES[_suffix(path)],
                CacheControl=IMMUTABLE["Cache-Control"],
            )
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise PublishError(
                f"S3 refused s3://{bucket}/{key}: {error.get('Code')} ({error.get('Message')})"
                f"{_done(keys)}"
            ) from exc
        except BotoCoreError as exc:
            raise PublishError(f"could not upload s3://{bucket}/{key}: {exc}{_done(keys)}") from exc
        keys.append(key)
    return keys


def _done(keys: list[str]) -> str:
    return f"; {len(keys)} file(s) were uploaded before it, run it again" if keys else ""


def _publish(args: argparse.Namespace) -> int:
    import boto3

    try:
        keys = publish(boto3.client("s3"), args.bucket, args.prefix, args.folder)
    except PublishError as exc:
        print(f"claimbot: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    manifest = json.loads((args.folder / "manifest.json").read_text(encoding="utf-8"))
    where = f"s3://{args.bucket}/{args.prefix.strip('/')}/"
    print(f"published {len(keys)} files to {where} (console.js = {manifest['console.js']}, "
          f"console.css = {manifest['console.css']}); older builds kept")  # fmt: skip
    return EXIT_OK
