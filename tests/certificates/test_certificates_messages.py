"""The certificates area's refusals are translatable messages (contestapp.i18n.Message): as strings the same Chinese
as before (the CLI, the logs, `batch.error`), in English for an English reader, and a batch's failure keeps its
message through the job queue (`stored` / `restored`) and its pages show it in the reader's language."""
import json
import re
from dataclasses import replace

from flask_babel import refresh

from contestapp.awards.certificates import award_recipients
from contestapp.certificates import batches, issuing, printing, serials
from contestapp.certificates.errors import CertificateError
from contestapp.certificates.fonts import FontError, FontSet, MissingGlyphError, load_fonts, load_font
from contestapp.certificates.layout import LayoutError, builtin_layout, seal_conflicts, validate_layout
from contestapp.certificates.render import CertificateData, CertificateDataError, check_records, render_one
from contestapp.common.recipients import NoRecipients, recipients
from contestapp.extensions import db
from contestapp.i18n import N_, Message, restored, stored, tr
from tests.certificates.test_certificates_app import award_requests, run_jobs, world  # noqa: F401 (world: a fixture)

EN = {"Accept-Language": "en"}
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
HINT = ("请安装可嵌入的中文 TrueType 字体：Debian/Ubuntu 执行 apt-get install fonts-arphic-ukai fonts-wqy-zenhei；"
        "或设置 CONTESTAPP_CERT_FONT=字体文件路径[:序号]（须为 TrueType 轮廓，如 simkai.ttf；Noto/思源 CFF 字体不可用）")
GLYPH_TAIL = "在字体中不存在（U+20BB7）；请配置包含该字的 TrueType 字体（CONTESTAPP_CERT_FONT）或更正数据"


def english(app, message) -> str:
    with app.test_request_context("/", headers=EN):
        refresh()  # the test's app context is shared: forget the locale of an earlier request
        return tr(message)


def raised(call) -> Exception:
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - the refusal under test
        return exc
    raise AssertionError("no refusal")


def check(app, error, chinese: str, english_text: str) -> None:
    """The error's message: this Chinese, this English (in full), and the same after a round trip as JSON."""
    message = error.args[0] if isinstance(error, BaseException) else error
    assert isinstance(message, Message), message
    assert str(error) == chinese
    assert english(app, error) == english_text
    again = restored(json.loads(json.dumps(stored(message))))
    assert str(again) == chinese and english(app, again) == english_text


def test_missing_glyphs_name_the_person_and_what_holds_the_character(app):
    check(app, MissingGlyphError("张𠮷", "name", ["𠮷"]), "证书无法生成：张𠮷 的姓名中「𠮷」" + GLYPH_TAIL,
          "The certificate cannot be made: 张𠮷, Name: 「𠮷」 is in no font (U+20BB7); configure a TrueType font "
          "that has it (CONTESTAPP_CERT_FONT) or correct the data")
    check(app, MissingGlyphError("李四", "motto", ["𠮷", "\U00020000"]),
          "证书无法生成：李四 的「motto」字段中「𠮷」「\U00020000」在字体中不存在（U+20BB7, U+20000）；"
          "请配置包含该字的 TrueType 字体（CONTESTAPP_CERT_FONT）或更正数据",
          "The certificate cannot be made: 李四, Field “motto”: 「𠮷」「\U00020000」 is in no font (U+20BB7, U+20000); "
          "configure a TrueType font that has it (CONTESTAPP_CERT_FONT) or correct the data")
    check(app, MissingGlyphError(Message(N_("校准页")), "label", ["𠮷"], label=N_("说明文字")),
          "证书无法生成：校准页 的说明文字中「𠮷」" + GLYPH_TAIL,
          "The certificate cannot be made: the calibration page, Explanatory text: 「𠮷」 is in no font (U+20BB7); "
          "configure a TrueType font that has it (CONTESTAPP_CERT_FONT) or correct the data")

    layout = builtin_layout("award").to_dict()
    layout["qr"]["caption"] = "扫码𠮷"
    label = builtin_layout("award").label
    error = raised(lambda: check_records(layout, [], load_fonts()))
    assert str(error) == f"证书无法生成：版式「{label}」 的二维码说明中「𠮷」" + GLYPH_TAIL
    assert english(app, error).startswith(f"The certificate cannot be made: layout “{label}”, QR code caption: 「𠮷」")


def test_missing_values_and_fonts(app, tmp_path):
    fields = {"name": "李晓堃", "unit": "某公司", "contest": "大赛", "event": "电工", "issuer": "总工会", "date": "今天"}
    error = raised(lambda: render_one("award", CertificateData("S1", "https://x/v/S1", fields, "李晓堃")))
    assert isinstance(error, CertificateDataError)
    check(app, error, "证书无法生成：李晓堃 缺少奖项「award」（证书编号 S1）",
          "The certificate cannot be made: 李晓堃 has no value for Award “award” (serial S1)")
    error = raised(lambda: check_records("award", [CertificateData("S2", "", dict(fields, award="一等奖"), "王五")]))
    check(app, error, "证书无法生成：王五 缺少验证网址（证书编号 S2）",
          "The certificate cannot be made: 王五 has no verification URL (serial S2)")

    hint = ("Install an embeddable Chinese TrueType font: on Debian/Ubuntu run apt-get install fonts-arphic-ukai "
            "fonts-wqy-zenhei; or set CONTESTAPP_CERT_FONT=path-to-font[:index] (TrueType outlines, e.g. "
            "simkai.ttf; Noto/Source Han CFF fonts cannot be used)")
    missing = str(tmp_path / "none.ttf")
    error = raised(lambda: load_font(missing))
    assert isinstance(error, FontError)
    check(app, error, f"字体文件不存在：{missing}。{HINT}", f"The font file does not exist: {missing}. {hint}")
    check(app, raised(lambda: FontSet({})), f"未找到可嵌入的中文 TrueType 字体。{HINT}",
          f"No embeddable Chinese TrueType font found. {hint}")
    not_a_font = tmp_path / "bad.ttf"
    not_a_font.write_bytes(b"not a font")
    error = raised(lambda: load_font(str(not_a_font)))
    assert str(error).startswith(f"字体无法嵌入：{not_a_font}（序号 0）：") and str(error).endswith(f"。{HINT}")
    assert english(app, error).startswith(f"The font cannot be embedded: {not_a_font} (index 0): ")


def test_layouts_and_serial_patterns(app):
    check(app, LayoutError(["page.size: must be one of A4", "fields[0].x: required"], name="我的版式"),
          "证书版式无效（我的版式）：page.size: must be one of A4; fields[0].x: required",
          "Invalid certificate layout (我的版式): page.size: must be one of A4; fields[0].x: required")
    check(app, LayoutError(["qr.size: must be >= 12 mm"]), "证书版式无效：qr.size: must be >= 12 mm",
          "Invalid certificate layout: qr.size: must be >= 12 mm")

    d = builtin_layout("award").to_dict()
    next(i for i in d["images"] if i["kind"] == "seal")["x"] = 160  # onto the issuer and the date
    conflict = next(e for e in validate_layout(d) if e.startswith("fields[4]"))
    box = re.search(r"的区域 \((.+?) mm\)", conflict).group(1)
    area = re.search(r"与盖章处「seal」\((.+?) mm\)", conflict).group(1)
    check(app, conflict, f"fields[4]: 文字「issuer」的区域 ({box} mm) 与盖章处「seal」({area} mm) 重叠，请移开文字或盖章处",
          f"fields[4]: Text “issuer” ({box} mm) overlaps the seal area “seal” ({area} mm); move the text or the "
          "seal area")
    error = raised(lambda: printing.save_layout(None, "award", d, None))
    assert str(error).startswith("证书版式无效：fields[4]: 文字「issuer」的区域")
    assert english(app, error).startswith("Invalid certificate layout: fields[4]: Text “issuer” (")
    assert seal_conflicts(builtin_layout("award")) == []

    problems = serials.check_pattern("{foo}-{bar}-{seq:x}")
    assert problems == ["未知的占位符 {foo}, {bar}（可用：{year} {contest} {event} {kind} {seq:04d}）",
                        "序号格式只能是 {seq} 或 {seq:04d} 这样的位数"]
    assert [english(app, p) for p in problems] == [
        "Unknown placeholder {foo}, {bar} (available: {year} {contest} {event} {kind} {seq:04d})",
        "The sequence number can only be {seq} or a number of digits such as {seq:04d}"]
    assert serials.check_pattern("{year}") == ["须包含且只包含一个序号 {seq}，例如 {seq:04d}"]
    assert serials.check_pattern("{year} {seq}") == ["证书编号只能包含字母、数字和 - _ .（不超过 64 个字符）"]
    (broken,) = serials.check_pattern("{seq")
    assert broken == "证书编号格式有误：expected '}' before end of string"
    assert english(app, broken) == "The serial pattern is invalid: expected '}' before end of string"
    document, errors = printing.parse_document("{")
    assert document is None and errors == ["JSON 第 1 行第 2 列: Expecting property name enclosed in double quotes"]
    assert english(app, errors[0]) == "JSON line 1, column 2: Expecting property name enclosed in double quotes"


def test_issuing_printing_and_list_refusals(app, world):  # noqa: F811
    contest, actor = world["contest"], world["organiser"]
    requests = award_requests(world)

    def refused(call, chinese, english_text):
        error = raised(call)
        db.session.rollback()
        assert isinstance(error, (CertificateError, NoRecipients)), error
        check(app, error, chinese, english_text)

    def issue(*changed):
        return lambda: issuing.issue(contest, list(changed) + requests[len(changed):], actor=actor)

    first = requests[0]
    refused(issue(replace(first, kind="title")), "一次只能发放一种证书（award, title）",
            "Only one kind of certificate can be issued at a time (award, title)")
    refused(issue(replace(first, holder="")), "证书缺少姓名或奖项：（无姓名） 一等奖",
            "A certificate lacks a name or an award: (no name) 一等奖")
    refused(issue(replace(first, event_code="nope")), "李晓堃：本竞赛没有赛项「nope」",
            "李晓堃: this contest has no event “nope”")
    refused(issue(replace(first, serial="a b")),
            "李晓堃：证书编号「a b」只能包含字母、数字和 - _ .",
            "李晓堃: the serial “a b” may contain only letters, digits and - _ .")
    refused(issue(first, first), "名单中 李晓堃 的「一等奖」重复出现", "“一等奖” of 李晓堃 appears twice in the list")
    cert = issuing.issue(contest, requests[:1], actor=actor).certificates[0]
    db.session.commit()
    refused(issue(requests[0], replace(requests[1], serial=cert.serial)),
            f"证书编号已被使用：{cert.serial}", f"Serial numbers already in use: {cert.serial}")
    refused(lambda: serials.allocate_serials(contest, "{event}-{seq}", "award", "a b", 1),
            "证书编号「a b-1」含不允许的字符：编号只能包含字母、数字和 - _ .；请修改编号格式或赛项代码",
            "The serial “a b-1” has characters that are not allowed: serials may contain only letters, digits and "
            "- _ .; change the serial pattern or the event code")

    refused(lambda: batches.create_batch(contest, "nope", "award", None, "full", None, actor),
            "未知的名单来源：nope", "Unknown list source: nope")
    refused(lambda: batches.create_batch(contest, "issued", "zzz", None, "full", None, actor),
            "未知的证书类型：zzz", "Unknown certificate kind: zzz")
    refused(lambda: printing.printer_offset(contest, "award", "HP"), "打印机「HP」还没有校准（请在版式页面填写偏移量）",
            "Printer “HP” is not calibrated yet (enter its offsets on the layout page)")
    refused(lambda: recipients("nope", contest, "award"), "未知的名单来源：nope", "Unknown list source: nope")
    refused(lambda: award_recipients(contest, "award", world["event"]),
            f"没有可发证的获奖名单：成绩须已定稿并生效（{world['event'].name}）",
            f"No award list to certify: the results must be final and in effect ({world['event'].name})")

    issuing.revoke(cert, "冒名顶替", actor)
    db.session.commit()
    refused(lambda: issuing.revoke(cert, "again", actor), f"证书 {cert.serial} 已于此前撤销",
            f"Certificate {cert.serial} was already revoked")
    refused(lambda: printing.reprint_one(cert, "full", None, actor), f"证书 {cert.serial} 已撤销，不能打印",
            f"Certificate {cert.serial} is revoked and cannot be printed")


def test_a_failed_batch_and_the_console_refusals_read_in_english(world, client, login_as, monkeypatch):  # noqa: F811
    """A batch that fails on a missing glyph keeps its message through the job queue: its page and its status
    route show it in English to an English reader, the same Chinese as before to a Chinese one; a refusal, the
    serial pattern's problems and the layout editor's errors are in English too."""
    names = ["李四", "王五", "张𠮷", "赵六", "钱七", "孙八"]
    monkeypatch.setattr(batches, "requests_from", lambda *a, **k: award_requests(world, names=names))
    login_as("org1")
    cid = world["contest"].id
    response = client.post(f"/contests/{cid}/certificates/issue", data={"source": "awards", "kind": "award"})
    batch_url = response.headers["Location"]
    run_jobs()
    chinese = "证书无法生成：张𠮷 的姓名中「𠮷」" + GLYPH_TAIL
    in_english = ("The certificate cannot be made: 张𠮷, Name: 「𠮷」 is in no font (U+20BB7); configure a TrueType "
                  "font that has it (CONTESTAPP_CERT_FONT) or correct the data")
    assert client.get(batch_url + "/status").get_json()["error"] == chinese
    assert client.get(batch_url + "/status", headers=EN).get_json()["error"] == in_english
    page = client.get(batch_url, headers=EN).get_data(as_text=True)
    assert in_english in page and "证书无法生成" not in page
    assert chinese in client.get(batch_url).get_data(as_text=True)

    console = f"/contests/{cid}/certificates/"
    page = client.post(f"{console}issue", data={"source": "nope", "kind": "award"}, headers=EN,
                       follow_redirects=True).get_data(as_text=True)
    assert "Unknown list source: nope" in page and "未知的名单来源" not in page
    page = client.post(f"{console}settings", data={"serial_pattern": "{foo}-{seq}"}, headers=EN,
                       follow_redirects=True).get_data(as_text=True)
    assert "Unknown placeholder {foo} (available: {year} {contest} {event} {kind} {seq:04d})" in page
    page = client.post(f"{console}settings", data={"serial_pattern": "{foo}-{seq}"},
                       follow_redirects=True).get_data(as_text=True)
    assert "未知的占位符 {foo}（可用：{year} {contest} {event} {kind} {seq:04d}）" in page

    d = builtin_layout("award").to_dict()
    next(i for i in d["images"] if i["kind"] == "seal")["x"] = 160
    editor = f"{console}layouts/award"
    page = client.post(editor, data={"document": json.dumps(d)}, headers=EN).get_data(as_text=True)
    assert "fields[4]: Text “issuer” (" in page and "重叠" not in page
    preview = client.post(f"{editor}/preview", data={"document": json.dumps(d)}, headers=EN)
    assert preview.status_code == 400 and not any(HAN.search(e) for e in preview.get_json()["errors"])
    d = builtin_layout("award").to_dict()
    d["qr"]["caption"] = "扫码𠮷"
    preview = client.post(f"{editor}/preview", data={"document": json.dumps(d)}, headers=EN)
    (error,) = preview.get_json()["errors"]
    assert error.startswith("The certificate cannot be made: layout “") and "QR code caption: 「𠮷」" in error
