"""Every per-operation list of the reliability tests and benchmarks is held to the table of
translated operations (``osc_shim.operations.OPERATIONS``): adding an operation fails here until
the fuzzers have a valid base for it and the fault matrix says whether it covers it.

(Elsewhere: tests/clients/test_client_js.py holds the JavaScript client's run to OPERATIONS, and
``python -m osc_shim.docgen --check`` the operation lists of the user and migration guides.)
"""

from __future__ import annotations

from osc_shim.operations import OPERATIONS


def test_the_fuzzers_have_a_valid_base_for_every_operation():
    from reliability_props import operations, valid_params_table

    assert set(operations()) == set(OPERATIONS)
    table = valid_params_table()
    assert set(table) == set(OPERATIONS), {"missing": set(OPERATIONS) - set(table),
                                           "not translated": set(table) - set(OPERATIONS)}
    # every base names at least one member: an empty one would let a fuzzer start from nothing
    assert [op for op, params in table.items() if not params] == []


def test_the_fault_matrix_says_for_every_operation_whether_it_covers_it():
    from fault_matrix import CREATE_ACTION, SCOPE, Excluded

    assert set(SCOPE) == set(OPERATIONS), {"missing": set(OPERATIONS) - set(SCOPE),
                                           "not translated": set(SCOPE) - set(OPERATIONS)}
    for operation, where in SCOPE.items():
        assert isinstance(where, (str, Excluded)), (operation, where)
        assert not isinstance(where, Excluded) or where.reason.strip(), operation
    assert set(CREATE_ACTION) == {op for op, where in SCOPE.items() if isinstance(where, str)}



def test_the_fault_matrix_runs_every_operation_it_covers():
    """tests/reliability/test_reconcile_shim.py runs EVERY_CASE, OTHER_CREATES and IDEMPOTENT_CALLS."""
    from fault_matrix import CREATE_ACTION, CREATES, EVERY_CASE, IDEMPOTENT_CALLS, OTHER_CREATES

    assert set(CREATES) <= set(CREATE_ACTION)
    assert sorted(EVERY_CASE + OTHER_CREATES + IDEMPOTENT_CALLS) == sorted(CREATE_ACTION)
