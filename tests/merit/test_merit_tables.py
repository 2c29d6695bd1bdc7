"""The rewards and honours tables are edited as rows (issue 15 item 1): each row checked with the rules the saved
table obeys, a refused table shown again as typed with a Chinese message in the bad row, nothing saved."""
from sqlalchemy import select

from contestapp.extensions import db
from tests.merit.merit_helpers import client_for, merit  # noqa: F401


def _rows(**columns):
    return {f"{k}[]": v for k, v in columns.items()}


def test_rewards_rows_are_saved_and_a_bad_row_is_kept_with_its_message(app, merit):
    from contestapp.merit.models import RankReward

    cid = merit["contest"].id
    org = client_for(app, "organiser1")
    bad = org.post(f"/contests/{cid}/merit/rewards", data=_rows(
        side=["top", "bottom", "top"], from_rank=["1", "1", "3"], to_rank=["1", "1", "2"],
        label=["流动红旗奖金", "末位约谈", "进步奖"], amount=["5000", "-2000", "1e30"]))
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "奖惩表有 1 行有误" in page and "截止名次不能小于起始名次" in page
    assert 'value="进步奖"' in page and 'value="1e30"' in page and 'value="流动红旗奖金"' in page  # nothing lost
    assert db.session.scalars(select(RankReward)).all() == []

    money = org.post(f"/contests/{cid}/merit/rewards", data=_rows(
        side=["top"], from_rank=["1"], to_rank=["1"], label=["流动红旗奖金"], amount=["1e30"]))
    assert money.status_code == 422 and "金额须在 ±1 亿元以内，最多两位小数" in money.get_data(as_text=True)
    nameless = org.post(f"/contests/{cid}/merit/rewards", data=_rows(
        side=["top"], from_rank=["1"], to_rank=["1"], label=[""], amount=["100"]))
    assert nameless.status_code == 422 and "请填写奖惩名称" in nameless.get_data(as_text=True)

    ok = org.post(f"/contests/{cid}/merit/rewards", data=_rows(
        side=["top", "bottom", ""], from_rank=["1", "1", ""], to_rank=["1", "", ""],
        label=["流动红旗奖金", "末位约谈", ""], amount=["5000", "-2000", ""]), follow_redirects=True)
    assert "奖惩表已保存" in ok.get_data(as_text=True)
    saved = sorted((r.from_bottom, r.from_rank, r.to_rank, r.label, r.amount)
                   for r in db.session.scalars(select(RankReward)))
    assert saved == [(False, 1, 1, "流动红旗奖金", 5000), (True, 1, 1, "末位约谈", -2000)]
    shown = org.get(f"/contests/{cid}/merit/").get_data(as_text=True)
    assert 'value="末位约谈"' in shown and 'value="bottom" selected' in shown

    # the line format is read into the same rows and refused by the same rules
    lines = org.post(f"/contests/{cid}/merit/rewards", data={"rows": "2-1,二等奖,100"})
    assert lines.status_code == 422 and "截止名次不能小于起始名次" in lines.get_data(as_text=True)


def test_honour_rows_are_updated_added_and_removed(app, merit):
    from contestapp.merit.models import HonourRule

    contest = merit["contest"]
    org = client_for(app, "organiser1")
    page = org.get(f"/contests/{contest.id}/merit/year").get_data(as_text=True)
    rules = db.session.scalars(select(HonourRule).order_by(HonourRule.order)).all()
    assert rules and all(f'value="{r.label}"' in page for r in rules)
    event = str(contest.events[0].id)
    first, rest = rules[0], rules[1:]

    bad = org.post(f"/contests/{contest.id}/merit/year/rules", data=_rows(
        id=[str(first.id), ""], event_id=[event, event], label=["先进集体（年度）", "安全标兵"], quota=["3", "零"]))
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "名额须为 1 至 10000 的整数" in text and 'value="安全标兵"' in text and 'value="零"' in text
    db.session.expire_all()
    assert db.session.get(HonourRule, first.id).label == first.label

    ok = org.post(f"/contests/{contest.id}/merit/year/rules", data=_rows(
        id=[str(first.id), ""], event_id=[event, event], label=["先进集体（年度）", "安全标兵"], quota=["3", "2"]),
        follow_redirects=True)
    assert "荣誉名称和名额已保存" in ok.get_data(as_text=True)
    db.session.expire_all()
    now = [(r.label, r.quota) for r in db.session.scalars(select(HonourRule).order_by(HonourRule.order))]
    assert now == [("先进集体（年度）", 3), ("安全标兵", 2)] and rest  # the other rows were removed

    empty = org.post(f"/contests/{contest.id}/merit/year/rules", data=_rows(id=[], event_id=[], label=[], quota=[]))
    assert empty.status_code == 422 and "至少保留一项荣誉" in empty.get_data(as_text=True)
