"""Skills judging: a judge is recused from the entrants of the unit the judge belongs to -- the account's
organisation as well as the employer named on it (before, only the named employer counted, so a judge whose
account sat in the unit itself scored its entrants)."""
from sqlalchemy import select

from contestapp.extensions import db


def test_a_judge_is_recused_from_the_entrants_of_the_unit_the_account_belongs_to(app, make):
    from contestapp.entrants.models import Entrant, Entry, Unit
    from contestapp.judging.assignments import assign
    from contestapp.judging.draws import draw_event
    from contestapp.judging.models import Recusal, ScoreSheet

    federation = make.org("杭州市总工会", "city")
    contest = make.contest(federation)
    make.roster(contest, 8)  # units 单位0..单位3, two entrants each
    event = contest.events[0]
    rnd = event.rounds[0]
    draw_event(event, None, seed=5)
    in_unit = make.user("judge_in_unit", "judge", make.org("单位 1", "unit", federation))  # spaces do not matter
    named = make.user("judge_named", "judge", federation, unit_name="单位2")
    outside = make.user("judge_outside", "judge", federation)
    for judge in (in_unit, named, outside):
        assign(contest, judge, [rnd], None, None)
    db.session.flush()

    def units_of(judge):
        return sorted(db.session.scalars(select(Unit.name).join(Entrant, Entrant.unit_id == Unit.id)
                                         .join(Entry, Entry.entrant_id == Entrant.id)
                                         .join(Recusal, Recusal.entry_id == Entry.id)
                                         .where(Recusal.judge_id == judge.id)))

    assert units_of(in_unit) == ["单位1", "单位1"] and units_of(named) == ["单位2", "单位2"]
    assert units_of(outside) == []  # the federation running the contest is nobody's unit here
    sheets = {j.username: db.session.scalar(select(db.func.count(ScoreSheet.id)).where(ScoreSheet.judge_id == j.id))
              for j in (in_unit, named, outside)}
    assert sheets == {"judge_in_unit": 6, "judge_named": 6, "judge_outside": 8}
