"""Recusal by unit and the panel left after it (pure rules)."""
from contestapp.domain.recusal import BLOCKED, OK, SHORT, Affiliation, panel_floor, panel_level, panel_wanted, unit_key, worst
from contestapp.domain.types import PanelRule

TRIMMED_7 = PanelRule(aggregate="trimmed", drop_high=1, drop_low=1, min_judges=7, fallback="mean")
TRIMMED_5_STRICT = PanelRule(aggregate="trimmed", drop_high=1, drop_low=1, min_judges=5, fallback="error")


def test_units_compare_by_organisation_or_by_name_without_spaces():
    expert = Affiliation.of(7, "杭州汽轮机股份有限公司", " 浙江 大学 ")
    assert expert.shares_unit(Affiliation.of(7))                              # the same organisation
    assert expert.shares_unit(Affiliation.of(3, "西湖区总工会", "杭州汽轮机股份有限公司"))  # the candidate's employer
    assert expert.shares_unit(Affiliation.of(None, "浙江大学"))                 # the employer named on the account
    assert not expert.shares_unit(Affiliation.of(3, "西湖区总工会", "西子电梯科技有限公司"))
    assert unit_key("　杭州 技师学院 ") == "杭州技师学院"  # full-width spaces too


def test_nobody_shares_a_unit_through_blanks_or_missing_organisations():
    assert not Affiliation.of(None, "", None).shares_unit(Affiliation.of(None, " ", None))
    assert not Affiliation.of(None).shares_unit(Affiliation.of(None))


def test_the_panel_wanted_is_the_selections_minimum_or_the_rules_own():
    assert panel_wanted([TRIMMED_7], preferred=5) == 7
    assert panel_wanted([TRIMMED_5_STRICT], preferred=5) == 5
    assert panel_wanted([PanelRule(min_judges=3)], preferred=5) == 5
    assert panel_floor([TRIMMED_7]) == 1            # a fallback gives a score from any one mark
    assert panel_floor([TRIMMED_7, TRIMMED_5_STRICT]) == 5  # no fallback: its minimum or nothing


def test_levels_after_recusal():
    assert panel_level(7, [TRIMMED_7], 5) == OK
    assert panel_level(6, [TRIMMED_7], 5) == SHORT      # the trimmed mean falls back to a plain mean
    assert panel_level(0, [TRIMMED_7], 5) == BLOCKED    # nobody left to score
    assert panel_level(5, [TRIMMED_5_STRICT], 5) == OK
    assert panel_level(4, [TRIMMED_5_STRICT], 5) == BLOCKED  # the rule refuses fewer marks: no score at all
    assert panel_level(4, [PanelRule(min_judges=3)], 5) == SHORT  # the rule copes, the selection wants 5
    assert worst([OK, SHORT, OK]) == SHORT and worst([SHORT, BLOCKED]) == BLOCKED and worst([]) == OK
