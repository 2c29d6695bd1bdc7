"""Lot drawing: reproducible from the recorded seed, unique codes, workstations a permutation."""
import pytest

from contestapp.domain import draw_lots, new_seed

ENTRIES = [f"P{i:03d}" for i in range(1, 41)]


def test_reproducible_from_the_seed_and_independent_of_input_order():
    a = draw_lots(ENTRIES, seed=20250520, levels=2)
    assert draw_lots(list(reversed(ENTRIES)), seed=20250520, levels=2) == a
    assert draw_lots(ENTRIES, seed=20250521, levels=2) != a
    assert a.seed == 20250520


def test_workstations_are_a_permutation_and_shuffled():
    d = draw_lots(ENTRIES, seed=7)
    assert sorted(lot.workstation for lot in d.lots) == list(range(1, 41))
    assert [lot.entry for lot in d.lots] != ENTRIES  # sorted by workstation, not by entry
    assert [lot.workstation for lot in d.lots] == list(range(1, 41))


def test_more_workstations_than_entrants():
    d = draw_lots(ENTRIES[:5], seed=1, workstations=12)
    assert len({lot.workstation for lot in d.lots}) == 5 and all(1 <= lot.workstation <= 12 for lot in d.lots)
    with pytest.raises(ValueError):
        draw_lots(ENTRIES, seed=1, workstations=10)


def test_codes_unique_and_do_not_reveal_order():
    d = draw_lots(ENTRIES, seed=99, levels=2)
    codes = [lot.code for lot in d.lots]
    codes2 = [lot.code2 for lot in d.lots]
    assert len(set(codes)) == 40 and len(set(codes2)) == 40
    assert all(c.isdigit() and len(c) == 3 for c in codes)  # 900 codes for 40 entrants
    assert all(c[0].isalpha() and c[1:].isdigit() for c in codes2)
    by_entry = sorted(d.lots, key=lambda lot: lot.entry)
    assert [lot.code for lot in by_entry] != sorted(lot.code for lot in by_entry)
    assert d.lot("P001").code2 is not None and d.lot("nobody") is None


def test_one_level_has_no_second_code_and_large_fields_get_longer_codes():
    assert all(lot.code2 is None for lot in draw_lots(ENTRIES, seed=3).lots)
    big = draw_lots([f"E{i}" for i in range(2000)], seed=5, levels=2)
    assert len({lot.code for lot in big.lots}) == 2000 and len(big.lots[0].code) == 5


def test_new_seed_is_an_int():
    assert isinstance(new_seed(), int)
