"""A bundle is accepted whole or refused whole: signature, digests, paths, members, limits and rules."""
from __future__ import annotations

import io
import subprocess
import sys
import tarfile

import pytest

from closure_policy import limits
from closure_policy.bundle import BundleError, build_bundle, verify
from closure_policy.bundle.archive import read_tarball
from closure_policy.bundle.signing import public_key
from closure_policy.bundle.verify import load_bundle

from .conftest import retarred, rules_copy


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "closure_policy.cli.main", "bundle", *args], capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def built(keys, tmp_path_factory):
    folder = tmp_path_factory.mktemp("built")
    data, manifest = build_bundle(str(rules_copy(folder)), signing_key=str(keys["signing"]), label="v1")
    return data, manifest


def test_a_signed_bundle_verifies_unpacks_and_loads_as_the_folder_it_was_built_from(built, keys, tmp_path):
    data, manifest = built
    verified = verify(data, public_key(str(keys["public"])))
    assert verified.manifest == manifest and manifest.label == "v1"
    assert set(verified.files) == {"rules/gate.yaml", "rules/route.yaml", "rules/stream.yaml", "rules/policy.yaml",
                                   "rules/facts.schema.json"}
    policy = load_bundle(verified, tmp_path)
    assert policy.revision == manifest.revision and policy.name == manifest.policy


def test_one_folder_always_makes_the_same_bytes(keys, tmp_path):
    rules = rules_copy(tmp_path)
    first, _ = build_bundle(str(rules), signing_key=str(keys["signing"]))
    (rules / "gate.yaml").touch()  # a new modification time changes nothing
    assert build_bundle(str(rules), signing_key=str(keys["signing"]))[0] == first


def _members_changed(data: bytes, change) -> bytes:
    return retarred(data, change)


def _edit(path: str, new: bytes):
    return lambda members: [(m, new if m.name == path else c) for m, c in members]


def _member(name: str, content: bytes = b"x", kind: bytes = tarfile.REGTYPE, link: str = ""):
    def change(members):
        info = tarfile.TarInfo(name)
        info.type, info.linkname = kind, link
        return [*members, (info, content)]
    return change


@pytest.mark.parametrize("change, why", [
    (_edit("rules/gate.yaml", b"rules: []\n"), "rules/gate.yaml: its digest is not the manifest's"),
    (_edit(".manifest", b"{}"), ".signature: does not verify"),
    (lambda members: [(m, c) for m, c in members if m.name != ".signature"], "not signed"),
    (lambda members: [(m, c) for m, c in members if m.name != "rules/route.yaml"],
     "rules/route.yaml: named by the manifest, missing"),
    (_member("rules/extra.yaml"), "rules/extra.yaml: a file the manifest does not name"),
    (_member("../escape.yaml"), "../escape.yaml: a path that leaves the bundle's folder"),
    (_member("rules/../../escape.yaml"), "a path that leaves the bundle's folder"),
    (_member("/etc/cron.d/evil"), "not a relative path"),
    (_member("rules/link.yaml", b"", tarfile.SYMTYPE, "/etc/passwd"), "a link; a bundle holds regular files only"),
    (_member("rules/hard.yaml", b"", tarfile.LNKTYPE, "rules/gate.yaml"), "a link"),
    (_member("rules/fifo", b"", tarfile.FIFOTYPE), "a special file"),
    (lambda members: [*members, members[2]], "in the bundle twice"),
])
def test_a_bundle_changed_or_shaped_to_escape_is_refused_whole(built, keys, change, why):
    with pytest.raises(BundleError, match=why.replace(".", r"\.").replace("(", r"\(")):
        verify(_members_changed(built[0], change), public_key(str(keys["public"])))


def test_a_bundle_signed_by_another_key_says_which_key_signed_it(built, keys):
    with pytest.raises(BundleError, match=r"does not verify with the given key \(signed by sha256:"):
        verify(built[0], public_key(str(keys["other_public"])))


@pytest.mark.parametrize("cut", [10, 200, -30])
def test_a_truncated_tarball_is_refused(built, cut):
    with pytest.raises(BundleError, match="not a whole gzipped tarball"):
        read_tarball(built[0][:cut])


def test_the_size_the_member_count_and_the_unpacked_size_are_bounded(built, monkeypatch):
    data = built[0]
    monkeypatch.setattr(limits, "MAX_BUNDLE_BYTES", len(data) - 1)
    with pytest.raises(BundleError, match=f"the bundle is {len(data):,} bytes; the limit is"):
        read_tarball(data)
    monkeypatch.setattr(limits, "MAX_BUNDLE_BYTES", 32 * 1024 * 1024)
    monkeypatch.setattr(limits, "MAX_BUNDLE_FILES", 3)
    with pytest.raises(BundleError, match="more than 3 files"):
        read_tarball(data)
    monkeypatch.setattr(limits, "MAX_BUNDLE_FILES", 10_000)
    bomb = io.BytesIO()  # 64 MB of zeros: a small download, refused before it is unpacked whole
    with tarfile.open(fileobj=bomb, mode="w:gz") as tar:
        info = tarfile.TarInfo("rules/zeros.yaml")
        info.size = 64 * 1024 * 1024
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    assert len(bomb.getvalue()) < 200_000
    monkeypatch.setattr(limits, "MAX_BUNDLE_UNPACKED_BYTES", 16 * 1024 * 1024)
    with pytest.raises(BundleError, match="unpack to more than 16,777,216 bytes"):
        read_tarball(bomb.getvalue())


def test_rules_with_problems_are_never_built_nor_accepted(keys, tmp_path):
    rules = rules_copy(tmp_path)
    good, _ = build_bundle(str(rules), signing_key=str(keys["signing"]))
    (rules / "gate.yaml").write_text("rules: [{id: broken}]\n", encoding="utf-8")
    from closure_policy.errors import InvalidRules

    with pytest.raises(InvalidRules):
        build_bundle(str(rules), signing_key=str(keys["signing"]))
    # A bundle whose manifest vouches for broken rules (signed by a careless key holder) fails check when loaded.
    from closure_policy.bundle.manifest import NAME, SIGNATURE, Manifest, digest
    from closure_policy.bundle.signing import private_key, sign

    files = read_tarball(good)
    manifest = Manifest.from_bytes(files[NAME])
    files["rules/gate.yaml"] = b"rules: [{id: broken}]\n"
    changed = Manifest(manifest.policy, manifest.revision, manifest.label, manifest.rules,
                       {**manifest.files, "rules/gate.yaml": digest(files["rules/gate.yaml"])})
    files[NAME] = changed.to_bytes()
    files[SIGNATURE] = sign(files[NAME], private_key(str(keys["signing"])))
    from closure_policy.bundle.archive import write_tarball

    verified = verify(write_tarball(files), public_key(str(keys["public"])))
    with pytest.raises(BundleError, match="its rules do not pass check"):
        load_bundle(verified, tmp_path / "unpacked")


def test_a_facts_schema_outside_the_rule_folders_parent_cannot_be_bundled(tmp_path):
    rules = rules_copy(tmp_path / "deep")
    (tmp_path / "schema.json").write_bytes((rules / "facts.schema.json").read_bytes())
    policy = rules / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("facts_schema: facts.schema.json",
                                                                  "facts_schema: ../../schema.json"), encoding="utf-8")
    with pytest.raises(BundleError, match="the facts schema lies outside"):
        build_bundle(str(rules))


def test_the_cli_builds_and_verifies_and_refuses_in_one_line(keys, tmp_path):
    rules = rules_copy(tmp_path)
    out = tmp_path / "policy.tar.gz"
    built = _cli("build", str(rules), "--output", str(out), "--signing-key", str(keys["signing"]), "--revision", "r7")
    assert built.returncode == 0 and "r7" in built.stderr and out.is_file()
    checked = _cli("verify", str(out), "--key", str(keys["public"]))
    assert checked.returncode == 0 and "signed by sha256:" in checked.stdout
    refused = _cli("verify", str(out), "--key", str(keys["other_public"]))
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "refused" in refused.stderr
    out.write_bytes(out.read_bytes()[:100])
    truncated = _cli("verify", str(out), "--key", str(keys["public"]))
    assert truncated.returncode == 2 and "Traceback" not in truncated.stderr
    not_a_key = _cli("verify", str(out), "--key", str(rules / "gate.yaml"))
    assert not_a_key.returncode == 2 and "not a PEM key" in not_a_key.stderr
    endless = _cli("verify", str(out), "--key", "/dev/zero")  # read within MAX_KEY_BYTES, never to the end
    assert endless.returncode == 2 and "not a PEM key" in endless.stderr
    encrypted = tmp_path / "locked.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-aes256", "-pass", "pass:x", "-out",
                    str(encrypted)], check=True, capture_output=True)
    locked = _cli("build", str(rules), "--output", str(out), "--signing-key", str(encrypted))
    assert locked.returncode == 2 and "not an Ed25519 private key" in locked.stderr


def test_folders_and_headers_count_against_the_limits_too(monkeypatch):
    many = io.BytesIO()
    with tarfile.open(fileobj=many, mode="w:gz") as tar:
        for n in range(20):
            folder = tarfile.TarInfo(f"rules/d{n}")
            folder.type = tarfile.DIRTYPE
            tar.addfile(folder)
    monkeypatch.setattr(limits, "MAX_BUNDLE_FILES", 10)
    with pytest.raises(BundleError, match="more than 10 files"):
        read_tarball(many.getvalue())
    monkeypatch.setattr(limits, "MAX_BUNDLE_FILES", 10_000)
    header = io.BytesIO()  # a PAX header of 40 MB: tarfile would hold it whole before any member
    with tarfile.open(fileobj=header, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("rules/a.yaml")
        info.pax_headers = {"comment": "x" * (40 * 1024 * 1024)}
        tar.addfile(info, io.BytesIO(b""))
    monkeypatch.setattr(limits, "MAX_BUNDLE_UNPACKED_BYTES", 16 * 1024 * 1024)
    with pytest.raises(BundleError, match="unpack to more than 16,777,216 bytes"):
        read_tarball(header.getvalue())
