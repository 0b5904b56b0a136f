"""Who notices a change to a log: the library (:func:`classify`), and the standard-library
verifier run in a process that can import nothing else (:class:`Standalone`).

For each tampered copy :func:`classify` also says what ``python -m anpr_ops.verify`` must
print: the summary of the checks both verifiers share (:mod:`anpr_ops._verifier`). Those are
the full ``verify()``'s but two, which only the library makes: SQLite's integrity check and
the derived tables against a rebuild (``derived_mismatch``); where only those find a change,
the standalone verifier must say the chain holds.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from anpr_ops import AnprOpsError, Checkpoint, OpLog, VerifyResult
from tests.conftest import ROOT
from tests.harness.tamper import Base, Case, apply
from tests.harness.tamper_doc import Claim, Expected

# What the standalone verifier says it leaves to the library (docs/log.md).
STANDALONE_NOT_CHECKED = ("the derived tables, which anpr-ops verify compares with a rebuild",)


@dataclass(frozen=True)
class Finding:
    """What the library made of one tampered file, and what the standalone verifier must say
    of it: one ``(exit status, summary line)`` without a checkpoint, then one per checkpoint
    (none when the library refused the file, or the change could not be made)."""

    outcome: str
    problem: str | None = None  # the VerifyResult problem, or the error code on open
    seq: int | None = None
    standalone: tuple[tuple[int, str], ...] = ()


def library_only(result: VerifyResult) -> bool:
    """Whether only the library's own checks failed: the derived tables or SQLite's integrity
    check, which the standalone verifier does not run."""
    return result.problem == "derived_mismatch" or (
        result.problem == "storage_damaged"
        and (result.reason or "").startswith("SQLite's integrity check")
    )


def _shared(full: VerifyResult, against: VerifyResult | None) -> VerifyResult:
    """What the checks both verifiers run found: ``full`` (``verify()``) when they failed;
    else, with a checkpoint, ``against`` (``verify(checkpoint, quick=True)``, which fails only
    at the checkpoint once ``full`` has held) or ``full`` matched to it."""
    if not full.ok and not library_only(full):
        return full
    held = dataclasses.replace(full, ok=True, problem=None, reason=None, first_bad_seq=None)
    if against is None:
        return held
    if not against.ok:
        return against
    return dataclasses.replace(held, checkpoint_checked=True)


def _status(result: VerifyResult) -> int:
    if result.ok:
        return 0
    return 2 if result.problem == "checkpoint_other_log" else 1


def classify(path: Path, checkpoints: tuple[Path, ...]) -> Finding:
    """Who notices the change: see :mod:`tests.harness.tamper` for the outcomes, the first
    one wins."""
    try:
        log = OpLog.open(path)
    except AnprOpsError as exc:
        return Finding("refused_on_open", exc.code)
    with log:
        quick = log.verify(quick=True)
        full = log.verify()
        against = [
            log.verify(Checkpoint.from_text(file.read_text(encoding="utf-8")), quick=True)
            for file in checkpoints
        ]
    shared = [_shared(full, None), *(_shared(full, result) for result in against)]
    # The standalone verifier says, when the chain holds, that it left the derived tables out.
    standalone = tuple(
        (_status(r), dataclasses.replace(r, not_checked=STANDALONE_NOT_CHECKED).summary())
        for r in shared
    )
    if not quick.ok:
        return Finding("verify", quick.problem, quick.first_bad_seq, standalone)
    if not full.ok:
        return Finding("full_verify", full.problem, full.first_bad_seq, standalone)
    for result in against:
        if not result.ok:
            return Finding("checkpoint", result.problem, result.first_bad_seq, standalone)
    return Finding("nobody", standalone=standalone)


def run_case(case: Case, base: Base, folder: Path) -> tuple[Path, Finding]:
    """Tamper with a fresh copy of the base log; returns the copy and what was found."""
    copy = folder / (case.label.replace("/", "_").replace(":", "__") + ".db")
    shutil.copyfile(base.path, copy)
    why_not = apply(case, copy, base)
    if why_not is not None:
        outcome, _, reason = why_not.partition(": ")
        return copy, Finding(outcome.replace(" ", "_"), reason)
    return copy, classify(copy, base.checkpoints)


# --------------------------------------------------------------------------- stdlib verifier

_DRIVER = textwrap.dedent(
    """
    import contextlib, importlib.abc, io, json, sys
    BLOCKED = ("pydantic", "pydantic_core", "attrs", "attr", "sqlite_utils", "click", "hypothesis")

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is not available here")
            return None

    sys.meta_path.insert(0, Block())
    sys.path.insert(0, sys.argv[1])
    from anpr_ops.verify import main
    with open(sys.argv[2], "w", encoding="utf-8") as results:
        for line in sys.stdin:
            argv = json.loads(line)
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    status = main(argv)
                except SystemExit as exc:
                    status = exc.code
            results.write(json.dumps([argv, status, out.getvalue(), err.getvalue()]) + "\\n")
    """
)


@dataclass(frozen=True)
class Verdict:
    """What ``python -m anpr_ops.verify`` said: its arguments, exit status, stdout, stderr."""

    argv: list[str]
    status: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


class Standalone:
    """``python -m anpr_ops.verify``, in one process that can import nothing but the
    standard library, working beside the caller: :meth:`submit` hands it an argument list
    and returns at once, :meth:`verdicts` waits for every verdict, in order."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory()
        self._results = Path(self._folder.name) / "verdicts.jsonl"
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _DRIVER, str(ROOT), str(self._results)],
            stdin=subprocess.PIPE,
            text=True,
        )
        self._sent = 0

    @property
    def _stdin(self) -> IO[str]:
        assert self._process.stdin is not None
        return self._process.stdin

    def submit(self, argv: list[str]) -> None:
        self._stdin.write(json.dumps(argv) + "\n")
        self._stdin.flush()
        self._sent += 1

    def verdicts(self) -> list[Verdict]:
        self._stdin.close()
        assert self._process.wait() == 0, "the standalone verifier's driver failed"
        lines = self._results.read_text(encoding="utf-8").splitlines()
        assert len(lines) == self._sent
        return [Verdict(*json.loads(line)) for line in lines]

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        if self._process.stdin is not None and not self._process.stdin.closed:
            self._process.stdin.close()
        self._folder.cleanup()


# --------------------------------------------------------------------------- the check


def check_matrix(
    base: Base, chosen: list[Case], folder: Path, expected: Expected
) -> dict[Case, Finding]:
    """Make each change, compare the finding with its claim (``expected``), and have the
    standalone verifier (working beside this process) judge every tampered file: it must
    agree with ``verify()`` wherever the library opens the file, and do as the claim says
    where it refuses it."""
    findings: dict[Case, Finding] = {}
    runs: list[tuple[Case, int]] = []
    with Standalone() as standalone:
        for case in chosen:
            path, finding = run_case(case, base, folder)
            findings[case] = finding
            if finding.outcome in ("impossible", "not_applicable"):
                continue
            standalone.submit([str(path)])
            for checkpoint in base.checkpoints:
                standalone.submit([str(path), "--checkpoint", str(checkpoint)])
            runs += [(case, n) for n in range(1 + len(base.checkpoints))]
        verdicts = standalone.verdicts()
    wrong = []
    for case in chosen:
        claim, finding = expected(case), findings[case]
        if (finding.outcome, finding.problem if claim.problem else None) != (
            claim.outcome,
            claim.problem,
        ):
            wrong.append(
                f"{case.label}: found {finding.outcome} {finding.problem}, claimed {claim}"
            )
    assert not wrong, f"{len(wrong)} cell(s) differ from the claims:\n" + "\n".join(wrong)
    disagreements = [
        f"{case.label} {verdict.argv[1:]}: {verdict.status} {verdict.out!r} {verdict.err!r}"
        for (case, n), verdict in zip(runs, verdicts, strict=True)
        if not _agrees(expected(case), findings[case], n, verdict.argv[0], verdict)
    ]
    assert not disagreements, (
        f"{len(disagreements)} disagreement(s) of the standalone verifier:\n"
        + "\n".join(disagreements[:20])
    )
    return findings


def _agrees(claim: Claim, finding: Finding, n: int, path: str, verdict: Verdict) -> bool:
    """The standalone verifier says what verify() says: the same exit status and summary line,
    without a checkpoint (``n == 0``) and with each; guards intact. Where the library refuses
    the file, the verifier does as the claim says."""
    lines = verdict.lines
    if finding.outcome == "refused_on_open":
        if claim.standalone == "refuses":
            return verdict.status == 2 and verdict.err.startswith("error:")
        guards = next((line for line in lines if line.startswith("guards: ")), "")
        if claim.standalone == "guards":
            return verdict.status == 1 and guards not in ("", "guards: intact")
        return verdict.status == 0 and guards == "guards: intact"
    status, summary = finding.standalone[n]
    return (
        verdict.status == status
        and lines[:2] == [f"{path}: {summary}", "guards: intact"]
        and (n == 0 or lines[-1] == "checkpoint: unsigned")
    )
