"""The domain's reasons are Messages: as strings exactly the Chinese they always were (tests, worked examples, audit
and exports compare them), with the template and figures a page needs to show them in the reader's language; they
survive pickling (a cached ranking keeps its reasons) with both."""
import copy
import pickle
from datetime import date
from decimal import Decimal as D

import pytest

from contestapp.domain import (Choice, CriterionSpec, EntryRoundInput, EventSpec, Mark, PanelRule, RoundSpec,
                               ScoringError, score_criterion, score_entry, score_round)
from contestapp.domain.awards import assign_awards
from contestapp.domain.draw import draw_lots
from contestapp.domain.eligibility import Candidate, EligibilityRules, Target, TargetResult, check_eligibility
from contestapp.domain.messages import Message, N_, joined, said
from contestapp.domain.numbers import NumberError, parse_mark
from contestapp.domain.ranking import rank
from contestapp.domain.types import AwardLevel, AwardRule


def crit(code="c", kind="judgement", max="10", **kw):
    return CriterionSpec(code, f"评分项{code}", kind, D(max), **kw)


def test_a_mark_out_of_range_is_the_chinese_text_with_its_figures():
    why = crit().check_mark(D(11))
    assert why == "分数须在 0 到 10 之间" and isinstance(why, Message)
    assert why.template == "分数须在 %(low)s 到 %(high)s 之间" and why.params == {"low": D(0), "high": D(10)}
    assert crit(min=D(1)).check_mark(D("0.5")) == "分数须在 1 到 10 之间"
    assert crit(step=D("0.5")).check_mark(D("0.3")) == "分数须为 0.5 的整数倍"
    levels = crit(choices=(Choice("优", D(10)), Choice("良", D(8))))
    assert levels.check_mark(D(9)) == "分数须为规定档次之一：优 10、良 8"
    assert crit(kind="time", max="100").check_mark(D(-1)) == "用时不能为负"
    assert crit().check_mark(D(5)) is None


def test_scoring_errors_keep_their_chinese_text():
    rnd = RoundSpec("r1", "实操", criteria=(crit("a"), crit("b")))
    with pytest.raises(ScoringError) as exc:
        score_round(rnd, EntryRoundInput("E1", "r1", (Mark("J1", "a", D(5)),)))
    assert str(exc.value) == "实操：评分项b 缺少评分"
    assert exc.value.args[0].params == {"round": "实操", "criterion": "评分项b"}
    with pytest.raises(ScoringError) as exc:
        score_criterion(crit(), PanelRule(min_judges=1), (Mark("J1", "c", D(5)), Mark("J1", "c", D(6))))
    assert str(exc.value) == "评分项c：裁判 J1 重复评分"
    with pytest.raises(ScoringError) as exc:
        score_criterion(crit(), PanelRule(min_judges=1), (Mark("J1", "c", D(12)),))
    assert str(exc.value) == "评分项c：裁判 J1 的评分 12 无效（分数须在 0 到 10 之间）"
    assert exc.value.args[0].params["reason"].template == "分数须在 %(low)s 到 %(high)s 之间"
    with pytest.raises(ScoringError) as exc:
        score_criterion(crit(), PanelRule(min_judges=3), (Mark("J1", "c", D(5)),))
    assert str(exc.value) == "评分项c：需要至少 3 名裁判评分，现有 1 名"
    event = EventSpec("e", "电工", rounds=(rnd,))
    with pytest.raises(ScoringError) as exc:
        score_entry(event, "E1", [EntryRoundInput("E1", "x", ())])
    assert str(exc.value) == "电工：未定义的轮次 x"


def test_eligibility_awards_numbers_and_draw_reasons_keep_their_chinese_text():
    rules = EligibilityRules(max_age=35, min_years_in_trade=5, min_level="技师", employer_types=("企业",))
    cand = Candidate(date(1980, 1, 1), 3, "高级工", "事业单位")
    reasons = check_eligibility(rules, cand, date(2025, 6, 1)).reasons
    assert reasons == ("年龄 45 岁，超过 35 岁的上限", "从事本职业（工种）3 年，不足 5 年",
                       "职业技能等级为高级工，低于要求的技师", "单位性质为事业单位，不在可申报范围（企业）内")
    assert all(isinstance(r, Message) for r in reasons)
    target = Target("young", "青年", D("0.5"), max_age=35)
    assert TargetResult(target, 1, 4, D("0.25"), False).message == "青年：1/4 人，占 25.0%（要求不低于 50.0%），未达到"
    assert TargetResult(target, 2, 4, D("0.5"), True).message.endswith("，已达到")

    event = EventSpec("e", "电工", rounds=(RoundSpec("r1", "实操", criteria=(crit("a"),)),))
    results = [score_entry(event, e, [EntryRoundInput(e, "r1", (Mark("J1", "a", D(v)),))])
               for e, v in (("E1", 9), ("E2", 8))]
    awards = assign_awards(AwardRule((AwardLevel("一等奖", upto_place=1),)), rank(results, ()))
    assert [a.reason for a in awards] == ["获奖名次 1，在一等奖范围内", "获奖名次 2，未进入获奖范围"]

    with pytest.raises(NumberError) as exc:
        parse_mark("1.23456")
    assert str(exc.value) == "最多 4 位小数" and exc.value.english == "at most 4 decimal places"
    with pytest.raises(ValueError) as exc:
        draw_lots(["a", "b", "c"], 1, workstations=2)
    assert str(exc.value) == "工位数 2 少于参赛人数 3"


def test_a_message_pickles_and_copies_with_its_template_and_parameters():
    inner = Message(N_("分数须在 %(low)s 到 %(high)s 之间"), low=D(0), high=D(10))
    outer = Message(N_("%(criterion)s：%(reason)s"), criterion="模块一", reason=inner)
    listed = Message(N_("推荐表还缺少：%(fields)s"), fields=(N_("姓名"), N_("单位")))
    several = joined([outer, said("尚无已提交的评分")])
    for m in (inner, outer, listed, several, Message(N_("已退赛"))):
        for back in (pickle.loads(pickle.dumps(m, protocol=p)) for p in (2, pickle.HIGHEST_PROTOCOL)):
            assert type(back) is Message and back == m
            assert (back.template, back.params, back.sep) == (m.template, m.params, m.sep)
        assert copy.deepcopy(m).params == m.params
    back = pickle.loads(pickle.dumps({1: outer}))[1]
    assert back.params["reason"].template == inner.template and str(back) == "模块一：分数须在 0 到 10 之间"
    assert str(several) == "模块一：分数须在 0 到 10 之间；尚无已提交的评分"


def test_said_keeps_an_errors_message():
    raised = ScoringError(Message(N_("%(round)s：本轮次不使用难度系数"), round="理论"))
    assert said(raised) is raised.args[0]
    assert said(KeyError("code")) == "'code'"  # a plain error: its text, as str() gives it
    assert said(ValueError(N_("须为数字"))) == "须为数字"

