"""Build hook: the browser components the pages use, vendored from the npm registry when the package is built.

The playground's editor (CodeMirror 5), the API page's renderer (Swagger
UI) and the accessibility checker the browser tests run (axe-core) are taken from their npm tarballs, each checked against the sha512
integrity the registry published for that version (pinned here), and the few
files the pages load are put in ``engine/closure_policy/site/static/vendor/``
with their licences. The wheel ships them; the pages fetch nothing at run
time and no CDN is ever named. Nothing is fetched again while the vendored
versions match (``VERSIONS.json``).
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import urllib.request
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

VENDOR = Path("engine/closure_policy/site/static/vendor")
REGISTRY = "https://registry.npmjs.org"

#: package -> (version, the registry's sha512 integrity, {file in the tarball: file under vendor/})
PACKAGES: dict[str, tuple[str, str, dict[str, str]]] = {
    "codemirror": ("5.65.19", "sha512-+aFkvqhaAVr1gferNMuN8vkTSrWIFvzlMV9I2KBLCWS2WpZ2+UAkZjlMZmEuT+gcXTi6RrGQCkWq1/bDtGqhIA==", {
        "package/lib/codemirror.js": "codemirror/codemirror.js",
        "package/lib/codemirror.css": "codemirror/codemirror.css",
        "package/mode/javascript/javascript.js": "codemirror/javascript.js",
        "package/addon/lint/lint.js": "codemirror/lint.js",
        "package/addon/lint/lint.css": "codemirror/lint.css",
        "package/addon/edit/matchbrackets.js": "codemirror/matchbrackets.js",
        "package/LICENSE": "codemirror/LICENSE",
    }),
    "swagger-ui-dist": ("5.35.0", "sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==", {
        "package/swagger-ui-bundle.js": "swagger-ui/swagger-ui-bundle.js",
        "package/swagger-ui.css": "swagger-ui/swagger-ui.css",
        "package/LICENSE": "swagger-ui/LICENSE",
        "package/NOTICE": "swagger-ui/NOTICE",
        "package/swagger-ui-bundle.js.LICENSE.txt": "swagger-ui/swagger-ui-bundle.js.LICENSE.txt",
    }),
    # Not loaded by any page: the browser tests inject it to check every page against WCAG 2 A/AA.
    "axe-core": ("4.14.1", "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==", {
        "package/axe.min.js": "axe-core/axe.min.js",
        "package/LICENSE": "axe-core/LICENSE",
        "package/LICENSE-3RD-PARTY.txt": "axe-core/LICENSE-3RD-PARTY.txt",
    }),
}


def vendor(root: Path) -> Path:
    """Fetch, check and unpack every package whose pinned version is not there yet; the vendor folder."""
    target = root / VENDOR
    stamp = target / "VERSIONS.json"
    wanted = {name: version for name, (version, _, _) in PACKAGES.items()}
    if stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == wanted:
        return target
    for name, (version, integrity, files) in PACKAGES.items():
        data = _fetch(f"{REGISTRY}/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz")
        digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
        if digest != integrity:
            raise RuntimeError(f"{name}@{version} from the npm registry does not match its pinned integrity")
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for inside, outside in files.items():
                member = archive.extractfile(inside)
                if member is None:
                    raise RuntimeError(f"{name}@{version} has no {inside}")
                path = target / outside
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(member.read())
    stamp.write_text(json.dumps(wanted, indent=1) + "\n", encoding="utf-8")
    return target


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as answer:  # noqa: S310 - the npm registry, https only
        return bytes(answer.read())


class VendorHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        folder = vendor(Path(self.root))
        # vendor/ is not in git (it is fetched): the wheel takes it all the same
        build_data.setdefault("force_include", {})[str(folder)] = "closure_policy/site/static/vendor"


if __name__ == "__main__":
    print(vendor(Path(__file__).resolve().parent))
