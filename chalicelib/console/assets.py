"""The console's built assets (console-ui's `make console`): content-hashed files and the
manifest naming them. One reader for the app (which fills index.html), `make package` (which
must ship them) and `claimbot console publish` (which uploads them to S3 for CloudFront).
"""

from __future__ import annotations

import json
from pathlib import Path

ASSETS = Path(__file__).with_name("static") / "assets"
ENTRIES = ("console.js", "console.css")  # what index.html names


class AssetsMissing(RuntimeError):
    """The build is missing or incomplete (English, says what to run)."""


def read_manifest(folder: Path = ASSETS) -> dict[str, str]:
    """Logical name (console.js) -> built name (console-3F2A9C1B.js), every named file present."""
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AssetsMissing(f"the console is not built ({path} is missing): run `make console` "
                            "(make run and make package do)") from None  # fmt: skip
    except (OSError, ValueError) as exc:
        raise AssetsMissing(f"{path} is unreadable ({exc}): run `make console` again") from exc
    if not isinstance(manifest, dict) or not set(ENTRIES) <= set(manifest):
        raise AssetsMissing(f"{path} names no {' and '.join(ENTRIES)}: run `make console` again")
    named = {str(k): str(v) for k, v in manifest.items()}
    missing = sorted(n for n in named.values() if not (folder / n).is_file())
    if missing:
        raise AssetsMissing(f"the build in {folder} lacks {', '.join(missing)} (named by its "
                            "manifest): run `make console` again")  # fmt: skip
    return named
