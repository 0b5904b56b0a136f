"""The exception tree: one root, builtin bases, stable codes."""

from __future__ import annotations

import inspect

import pytest

import anpr_ops
from anpr_ops import errors

LEAVES = {
    "InvalidVrmError": ValueError,
    "UnknownOffenceCodeError": LookupError,
    "UnknownForceError": LookupError,
    "EventValidationError": ValueError,
    "CheckpointError": ValueError,
    "ProofError": ValueError,
    "SignatureError": ValueError,
    "ReportError": ValueError,
    "LogNotFoundError": FileNotFoundError,
    "EventNotFoundError": LookupError,
    "NotALogError": ValueError,
    "SchemaVersionError": RuntimeError,
    "GuardsMissingError": RuntimeError,
    "EventConflictError": ValueError,
    "BrokenReferenceError": LookupError,
    "CorrectionError": ValueError,
    "LogBusyError": TimeoutError,
    "StorageError": OSError,
    "SourceFormatError": ValueError,
    "ImportRefusedError": ValueError,
    "EarlierRowsError": ValueError,
    "MappingError": ValueError,
    "AccessRefusedError": PermissionError,
    "MigrationError": ValueError,
    "PolicyError": ValueError,
    "ErasureError": ValueError,
    "MissingExtraError": ImportError,
}


@pytest.mark.parametrize(("name", "builtin"), sorted(LEAVES.items()))
def test_each_leaf_is_also_the_builtin_it_means(name: str, builtin: type[Exception]) -> None:
    cls = getattr(anpr_ops.errors, name)
    assert issubclass(cls, anpr_ops.AnprOpsError) and issubclass(cls, builtin)


def test_every_error_class_is_in_the_tree_and_public() -> None:
    classes = {
        name
        for name, obj in inspect.getmembers(errors, inspect.isclass)
        if issubclass(obj, Exception)
    }
    assert classes == {*LEAVES, "AnprOpsError", "LogError"}
    assert classes <= set(anpr_ops.errors.__all__)


def test_codes_are_stable_snake_case_and_distinct() -> None:
    codes = [getattr(anpr_ops.errors, name).code for name in (*LEAVES, "AnprOpsError", "LogError")]
    assert len(set(codes)) == len(codes)
    assert all(code.replace("_", "").isalpha() and code.islower() for code in codes)


def test_an_instance_can_carry_a_more_specific_code() -> None:
    error = anpr_ops.errors.StorageError("disk full", code="disk_full")
    assert error.code == "disk_full" and anpr_ops.errors.StorageError.code == "storage_error"
    assert error.message == "disk full"


def test_public_names_resolve_and_are_sorted() -> None:
    assert anpr_ops.__all__ == sorted(anpr_ops.__all__)
    for name in anpr_ops.__all__:
        assert getattr(anpr_ops, name) is not None
    with pytest.raises(AttributeError):
        getattr(anpr_ops, "not_a_name")
