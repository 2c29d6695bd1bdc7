"""The organiser downloads the demo's PDFs through the pages and every one fits (checked with poppler, as in
tests/test_pdfs_fit.py): judge login cards with the contest's name beside the QR codes, the draw sheet, the
ranking, the certificate preview with its seal area and the calibration page; a layout
that puts text on the seal area is refused with a Chinese message and the edit is kept."""
from __future__ import annotations

import json
from urllib.parse import urljoin

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.certificates.test_render import assert_fonts_embedded
from tests.pdf_checks import fit_problems

pytestmark = pytest.mark.browser


def _download(page, link_text: str) -> bytes:
    """The PDF behind the link the organiser sees (some open in the browser's viewer, so it is fetched with the
    page's session rather than waited for as a download)."""
    link = page.get_by_role("link", name=link_text, exact=True).first
    expect(link).to_be_visible()
    response = page.request.get(urljoin(page.url, link.get_attribute("href")))
    assert response.ok, response.status
    pdf = response.body()
    assert pdf.startswith(b"%PDF-")
    assert_fonts_embedded(pdf)
    return pdf


def _fits(pdf: bytes, expected, **kw) -> None:
    problems = fit_problems(pdf, expected, **kw)
    assert not problems, "\n".join(problems)


def test_the_organisers_pdfs_fit(site, desktop):
    from contestapp.contests.models import Contest
    from contestapp.demo import DEMO_CODE
    from contestapp.judging.pdf import CARD_H, CARD_W, H, card_origin, card_qr_box

    with site.db() as session:
        contest = session.scalar(select(Contest).where(Contest.code == DEMO_CODE))
        cid, name = contest.id, contest.name
        event_id, event_name = contest.events[0].id, contest.events[0].name
    page = desktop.new_page()
    site.login(page, "organiser")

    page.goto(site.url(f"/contests/{cid}/judging/setup"))
    cards = _download(page, "打印有效登录卡 PDF")
    qr = [(l, H - t, r, H - b) for l, b, r, t in (card_qr_box(i) for i in range(8))]
    inside = [(x, H - y - CARD_H, x + CARD_W, H - y) for x, y in (card_origin(i) for i in range(8))]
    _fits(cards, {1: [name, "裁判登录卡", "裁判赵文", "扫码登录"]}, inside={1: inside}, obstacles={1: qr})
    sheet = _download(page, "抽签记录表 PDF")
    _fits(sheet, [name, "抽签记录表", "抽签监督人（签字）：____________________"])

    page.goto(site.url(f"/contests/{cid}/results/events/{event_id}"))
    ranking = _download(page, "PDF")
    _fits(ranking, [name, f"{event_name} 成绩排名", "单位"])

    page.goto(site.url(f"/contests/{cid}/certificates/layouts/award"))
    expect(page.locator("#preview")).to_have_js_property("complete", True)
    preview = page.request.get(site.url(f"/contests/{cid}/certificates/layouts/award/preview?format=pdf"))
    assert preview.ok
    _fits(preview.body(), ["荣誉证书", "盖章处", "张三"])
    calibration = _download(page, "下载校准页")
    _fits(calibration, ["打印校准页", "(20, 20) mm", "seal"])

    layout = json.loads(page.input_value("#document"))
    seal = next(im for im in layout["images"] if im["kind"] == "seal")
    seal["x"] = 160  # onto the issuer and the date
    moved = json.dumps(layout, ensure_ascii=False, indent=2)
    page.fill("#document", moved)
    with page.expect_navigation():
        page.click("text=保存版式")
    errors = page.locator("#layout-errors")
    expect(errors).to_be_visible()
    expect(errors).to_contain_text("与盖章处「seal」")
    expect(errors).to_contain_text("重叠")
    assert json.loads(page.input_value("#document")) == layout  # the edit is kept
