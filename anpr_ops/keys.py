"""Key files for signed checkpoints: making one, loading a private key, reading verifier keys.

Standard library only at import time; Ed25519 comes from the ``cryptography`` package (the
``signing`` extra), imported by :mod:`anpr_ops.note` when a key is made or a signature made or
checked. Without it these functions raise :class:`~anpr_ops.errors.SignatureError` with code
``signing_unavailable`` and a one-line message saying what to install.

A private key file holds one line, ``PRIVATE+KEY+<name>+<key id>+<base64 seed>`` (Go's
``sumdb/note`` form), and must be readable by its owner alone: :func:`load_signer` refuses a
file that its group or others may read or write (code ``key_file_permissions``), as ``ssh``
does. A verifier key is ``<name>+<key id>+<base64 key>`` and is public: give it as text or as
a file of one key per line.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from anpr_ops.errors import SignatureError
from anpr_ops.note import Signer, Verifier, generate_key

__all__ = ["keygen", "load_signer", "read_verifiers", "signing_available"]

_T = TypeVar("_T")


def signing_available(action: Callable[[], _T]) -> _T:
    """Run ``action``; a missing ``cryptography`` package becomes one clear
    :class:`SignatureError` (``signing_unavailable``) instead of an ``ImportError``."""
    try:
        return action()
    except ImportError as exc:
        if "anpr_ops[signing]" not in str(exc):
            raise
        raise SignatureError(str(exc), code="signing_unavailable") from None


def keygen(name: str, path: str | os.PathLike[str]) -> Verifier:
    """Make an Ed25519 key called ``name``, write its private half to ``path`` (mode 0600,
    never over an existing file) and return its verifier, to give to whoever checks.

    Raises :class:`SignatureError`: ``key_file_exists``, ``bad_key_name``,
    ``signing_unavailable``.
    """
    private, public = signing_available(lambda: generate_key(name))
    target = Path(path)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        message = f"{target} already exists; a key file is never overwritten"
        raise SignatureError(message, code="key_file_exists") from None
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(private + "\n")
    return Verifier.from_text(public)


def load_signer(path: str | os.PathLike[str]) -> Signer:
    """The private key in the file at ``path``, refused when others may read it.

    Raises :class:`SignatureError`: ``key_file_permissions`` (the group or others have any
    access to the file: ``chmod 600`` it), ``malformed_key`` and the other codes of
    :meth:`Signer.from_text`, ``signing_unavailable``; ``FileNotFoundError`` for no file.
    """
    target = Path(path)
    mode = target.stat().st_mode
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        message = (
            f"the private key file {target} may be read or written by others (mode "
            f"{stat.S_IMODE(mode):04o}); make it the owner's alone: chmod 600 {target}"
        )
        raise SignatureError(message, code="key_file_permissions")
    text = target.read_text(encoding="utf-8").strip()
    return signing_available(lambda: Signer.from_text(text))


def read_verifiers(keys: Iterable[str]) -> list[Verifier]:
    """The verifier keys given: each item a verifier key itself, or the path of a file holding
    one per line (empty lines and lines starting ``#`` skipped).

    Raises :class:`SignatureError` (``malformed_key`` and the other codes of
    :meth:`Verifier.from_text`) for a key that cannot be read.
    """
    out: list[Verifier] = []
    for item in keys:
        path = Path(item)
        if "+" not in item or path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()
            out += [Verifier.from_text(line.strip()) for line in lines if _is_key(line)]
        else:
            out.append(Verifier.from_text(item.strip()))
    return out


def _is_key(line: str) -> bool:
    text = line.strip()
    return bool(text) and not text.startswith("#")
