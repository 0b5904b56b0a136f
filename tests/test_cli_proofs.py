"""The proof commands: keygen, checkpoint --sign, verify --key, prove, check-proof,
prove-consistency, check-consistency; and the standard-library verifier's --proof and
--consistency. Exit statuses and one-line errors."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from anpr_ops import OpLog
from anpr_ops import verify as stdlib_verify
from anpr_ops.cli import main
from anpr_ops.note import Signer, Verifier
from tests import factory as f
from tests.test_log_storage import run_stdlib_verifier


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> bool:
    return err.count("\n") == 1 and err.startswith("anpr-ops: error: ") and "Traceback" not in err


@pytest.fixture
def files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A log with a checkpoint, a force key and its verifier key file, in ``tmp_path``."""
    with OpLog.open(tmp_path / "day.db", create=True) as log:
        log.extend(f.chain())
    code, out, _ = run(capsys, "keygen", "met-anpr", "-o", str(tmp_path / "force.key"))
    assert code == 0
    (tmp_path / "force.pub").write_text(out, encoding="utf-8")
    code, _, _ = run(
        capsys,
        "checkpoint",
        str(tmp_path / "day.db"),
        "--sign",
        str(tmp_path / "force.key"),
        "-o",
        str(tmp_path / "day.checkpoint"),
    )
    assert code == 0
    return tmp_path


def test_keygen_writes_a_private_key_for_its_owner_and_prints_the_verifier(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = files / "force.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    signer = Signer.from_text(key.read_text(encoding="utf-8").strip())
    printed = (files / "force.pub").read_text(encoding="utf-8")
    assert printed.count("\n") == 1 and printed.startswith("met-anpr+")
    assert Verifier.from_text(printed.strip()) == signer.verifier()
    code, _, err = run(capsys, "keygen", "met-anpr", "-o", str(key))
    assert code == 1 and one_line_error(err) and "never overwritten" in err
    assert Signer.from_text(key.read_text(encoding="utf-8").strip()) == signer


def test_a_private_key_others_may_read_is_refused(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.chmod(files / "force.key", 0o644)
    code, out, err = run(
        capsys, "checkpoint", str(files / "day.db"), "--sign", str(files / "force.key")
    )
    assert code == 1 and out == "" and one_line_error(err) and "chmod 600" in err


def test_verify_checks_the_checkpoints_signature_with_the_key_given(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, checkpoint = str(files / "day.db"), str(files / "day.checkpoint")
    code, out, _ = run(
        capsys, "verify", db, "--checkpoint", checkpoint, "--key", str(files / "force.pub")
    )
    assert code == 0
    assert out.splitlines()[-1] == "checkpoint: signed by met-anpr (signature checked)"
    key_text = (files / "force.pub").read_text(encoding="utf-8").strip()
    assert run(capsys, "verify", db, "--checkpoint", checkpoint, "--key", key_text)[0] == 0
    code, out, _ = run(capsys, "verify", db, "--checkpoint", checkpoint)
    assert code == 0 and "signature not checked" in out
    run(capsys, "keygen", "met-anpr", "-o", str(files / "other.key"))
    other = Signer.from_text((files / "other.key").read_text(encoding="utf-8").strip())
    code, _, err = run(
        capsys, "verify", db, "--checkpoint", checkpoint, "--key", other.verifier().to_text()
    )
    assert code == 1 and one_line_error(err) and "none of the keys given" in err
    code, _, err = run(capsys, "verify", db, "--key", key_text)
    assert code == 2 and "--checkpoint" in err


def test_a_malformed_checkpoint_is_one_clear_line(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = files / "bad.checkpoint"
    bad.write_text((files / "day.checkpoint").read_text().replace("\n6\n", "\n+6\n"))
    code, _, err = run(capsys, "verify", str(files / "day.db"), "--checkpoint", str(bad))
    assert code == 1 and one_line_error(err) and "tree size" in err


def test_prove_and_check_a_proof_without_the_log(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proof = files / "search.proof.json"
    code, out, err = run(
        capsys,
        "prove",
        str(files / "day.db"),
        "search-1",
        "--checkpoint",
        str(files / "day.checkpoint"),
        "-o",
        str(proof),
    )
    assert code == 0 and out == "" and "leaf 3 of 6" in err
    assert stat.S_IMODE(proof.stat().st_mode) == 0o600
    data = json.loads(proof.read_text(encoding="utf-8"))
    assert {"origin", "event_id", "leaf_index", "tree_size", "leaf", "inclusion_path"} <= set(data)
    (files / "day.db").unlink()  # no database at hand
    code, out, _ = run(
        capsys,
        "check-proof",
        str(proof),
        "--checkpoint",
        str(files / "day.checkpoint"),
        "--key",
        str(files / "force.pub"),
        "--show",
    )
    assert code == 0
    assert out.splitlines()[0].startswith("proof holds: event search-1 is in anpr-ops/day/")
    assert "signed by met-anpr" in out.splitlines()[0]
    assert json.loads(out.split("\n", 1)[1])["kind"] == "search"
    data["leaf_index"] = 2
    proof.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = run(
        capsys, "check-proof", str(proof), "--checkpoint", str(files / "day.checkpoint")
    )
    assert code == 1 and one_line_error(err)


def test_proving_against_another_logs_or_a_larger_checkpoint_is_refused(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with OpLog.open(files / "other.db", create=True) as other:
        other.extend([*f.chain(), f.patrol()])
    run(capsys, "checkpoint", str(files / "other.db"), "-o", str(files / "other.checkpoint"))
    code, _, err = run(
        capsys,
        "prove",
        str(files / "day.db"),
        "hit-1",
        "--checkpoint",
        str(files / "other.checkpoint"),
    )
    assert code == 1 and one_line_error(err) and "is of the log" in err
    later = files / "later.checkpoint"
    text = (files / "day.checkpoint").read_text().split("\n\n")[0] + "\n"
    later.write_text(text.replace("\n6\n", "\n7\n").replace("head 6 ", "head 7 "))
    code, _, err = run(capsys, "prove", str(files / "day.db"), "hit-1", "--checkpoint", str(later))
    assert code == 1 and one_line_error(err) and "larger than the log" in err


def test_a_proof_with_personal_values_needs_a_recipient_and_carries_them(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, checkpoint = str(files / "day.db"), str(files / "day.checkpoint")
    code, _, err = run(capsys, "prove", db, "search-1", "--checkpoint", checkpoint, "--personal")
    assert code == 1 and one_line_error(err) and "recipient" in err
    proof = files / "p.json"
    code, _, err = run(
        capsys,
        "prove",
        db,
        "search-1",
        "--checkpoint",
        checkpoint,
        "--personal",
        "--recipient",
        "Smith & Co",
        "-o",
        str(proof),
    )
    assert code == 0 and "with its personal values" in err
    assert json.loads(proof.read_text())["personal"]["values"]["vrm"] == "AB12CDE"
    code, out, _ = run(capsys, "check-proof", str(proof), "--checkpoint", checkpoint)
    assert code == 0 and "(seq 4), with its personal values" in out


def test_prove_and_check_consistency(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with OpLog.open(files / "day.db") as log:
        log.extend([f.patrol(), f.sweep()])
    new = files / "new.checkpoint"
    run(
        capsys,
        "checkpoint",
        str(files / "day.db"),
        "--sign",
        str(files / "force.key"),
        "-o",
        str(new),
    )
    proof = files / "c.json"
    code, _, err = run(
        capsys,
        "prove-consistency",
        str(files / "day.db"),
        "--old",
        str(files / "day.checkpoint"),
        "--new",
        str(new),
        "-o",
        str(proof),
    )
    assert code == 0 and "8 events extend 6" in err
    data = json.loads(proof.read_text())
    assert (data["old_size"], data["new_size"]) == (6, 8) and data["consistency_path"]
    args = [
        "--old",
        str(files / "day.checkpoint"),
        "--new",
        str(new),
        "--key",
        str(files / "force.pub"),
    ]
    code, out, _ = run(capsys, "check-consistency", str(proof), *args)
    assert code == 0 and out.startswith("consistent: anpr-ops/day/")
    code, _, err = run(
        capsys, "check-consistency", str(proof), "--old", str(new), "--new", str(new)
    )
    assert code == 1 and one_line_error(err)


def test_without_the_signing_extra_each_command_that_needs_it_says_so_in_one_line(
    files: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    proof = str(files / "p.json")
    assert (
        run(
            capsys,
            "prove",
            str(files / "day.db"),
            "hit-1",
            "--checkpoint",
            str(files / "day.checkpoint"),
            "-o",
            proof,
        )[0]
        == 0
    )
    for name in [m for m in sys.modules if m.split(".")[0] == "cryptography"]:
        monkeypatch.setitem(sys.modules, name, None)  # import now fails, as when not installed
    monkeypatch.setitem(sys.modules, "cryptography", None)
    db, checkpoint, key = (
        str(files / "day.db"),
        str(files / "day.checkpoint"),
        str(files / "force.pub"),
    )
    for args in (
        ["keygen", "panel", "-o", str(files / "panel.key")],
        ["checkpoint", db, "--sign", str(files / "force.key")],
        ["verify", db, "--checkpoint", checkpoint, "--key", key],
        ["check-proof", proof, "--checkpoint", checkpoint, "--key", key],
    ):
        code, out, err = run(capsys, *args)
        assert (code, out) == (1, ""), args
        assert one_line_error(err) and "pip install 'anpr_ops[signing]'" in err, args
    assert not (files / "panel.key").exists()
    assert run(capsys, "verify", db, "--checkpoint", checkpoint)[0] == 0  # no key: no need


# --------------------------------------------------------------------------- stdlib verifier


def test_the_stdlib_verifier_checks_proofs_with_the_standard_library_alone(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = str(files / "day.checkpoint")
    run(
        capsys,
        "prove",
        str(files / "day.db"),
        "hit-1",
        "--checkpoint",
        checkpoint,
        "-o",
        str(files / "p.json"),
    )
    done = run_stdlib_verifier("--proof", str(files / "p.json"), "--checkpoint", checkpoint)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("proof holds: event hit-1 is in anpr-ops/day/")
    assert "signature not checked" in done.stdout
    assert "non-stdlib modules: []" in done.stderr
    done = run_stdlib_verifier(str(files / "day.db"), "--checkpoint", checkpoint)
    assert done.returncode == 0 and "matches the checkpoint" in done.stdout
    assert "non-stdlib modules: []" in done.stderr


def test_the_stdlib_verifier_says_in_one_line_that_a_key_needs_cryptography(
    files: Path,
) -> None:
    key = str(files / "force.pub")
    checkpoint = str(files / "day.checkpoint")
    done = run_stdlib_verifier(str(files / "day.db"), "--checkpoint", checkpoint, "--key", key)
    assert done.returncode == 2
    message = [line for line in done.stderr.splitlines() if not line.startswith("non-stdlib")]
    assert len(message) == 1 and "pip install 'anpr_ops[signing]'" in message[0]


def test_the_stdlib_verifier_checks_signatures_and_consistency_when_it_can(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = str(files / "day.checkpoint")
    with OpLog.open(files / "day.db") as log:
        log.append(f.patrol())
    run(
        capsys,
        "checkpoint",
        str(files / "day.db"),
        "--sign",
        str(files / "force.key"),
        "-o",
        str(files / "new.checkpoint"),
    )
    run(
        capsys,
        "prove-consistency",
        str(files / "day.db"),
        "--old",
        old,
        "--new",
        str(files / "new.checkpoint"),
        "-o",
        str(files / "c.json"),
    )
    key = str(files / "force.pub")
    args = [
        "--consistency",
        str(files / "c.json"),
        "--old",
        old,
        "--new",
        str(files / "new.checkpoint"),
    ]
    assert stdlib_verify.main([*args, "--key", key]) == 0
    assert "signed by met-anpr" in capsys.readouterr().out
    assert stdlib_verify.main([*args[:4], "--new", old]) == 1
    assert "does not hold" in capsys.readouterr().out
    assert stdlib_verify.main([str(files / "day.db"), "--checkpoint", old, "--key", key]) == 0
    with pytest.raises(SystemExit) as usage:
        stdlib_verify.main(["--proof", str(files / "c.json")])
    assert usage.value.code == 2
