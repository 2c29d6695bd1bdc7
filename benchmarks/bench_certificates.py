"""Certificate rendering benchmark: our engine beside the floor measured in the same run.

    .venv/bin/python benchmarks/bench_certificates.py [--pages 1000] [--big 10000] [--rounds 2]

(a) floor: a bare reportlab script drawing the same texts (same font, sizes, positions) and a
    segno QR code as one path (reportlab's path API) onto N pages of one file;
(b) contestapp.certificates.render_batch (award layout, frame, QR, serial) on N certificates
    into one PDF: pages/s, ratio to the floor, KB per page;
(c) peak memory (ru_maxrss of a child process) rendering a 10,000-page batch;
(d) a certificate batch as the console runs it: queued, then done by a jobs process (`flask jobs work`, a separate
    process) — the merged PDF and a ZIP of one PDF per person — beside the floor doing the same output (one merged
    file and one file per person with bare reportlab + segno). Target: the job takes at most 1.2x the floor's time.

Both (a) and (b) write flate-only streams (no ASCII85) and let segno choose the QR mask.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "晓堃", "喆", "昇", "赟", "玥", "建国", "海燕"]


def records(n: int):
    from contestapp.certificates.render import CertificateData

    out = []
    for i in range(n):
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)]
        serial = f"HZ2025-JN-{i + 1:06d}"
        fields = {
            "name": name,
            "unit": f"杭州市第{i % 97 + 1}建设工程有限公司",
            "contest": "2025年杭州市职工职业技能大赛",
            "event": ("焊工", "电工", "钳工", "数控车工")[i % 4] + "项目",
            "award": ("一等奖", "二等奖", "三等奖")[i % 3],
            "issuer": "杭州市总工会",
            "date": "二〇二五年五月一日",
        }
        out.append(CertificateData(serial=serial, verify_url=f"https://cert.example.org/v/{serial}?k={i * 7919 % 65536:04x}",
                                   fields=fields, person=name))
    return out


def floor(recs, path: str) -> float:
    """Bare reportlab: same texts and QR, no layout engine.  Returns seconds."""
    import segno
    from reportlab import rl_config
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    MM = 72 / 25.4
    if "FloorKai" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("FloorKai", "/usr/share/fonts/truetype/arphic/ukai.ttc", subfontIndex=0))
        pdfmetrics.registerFont(TTFont("FloorHei", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", subfontIndex=0))
    W, H = 297 * MM, 210 * MM
    old = rl_config.useA85
    rl_config.useA85 = 0
    t0 = time.perf_counter()
    c = Canvas(path, pagesize=(W, H), pageCompression=1, initialFontName="FloorKai")
    for r in recs:
        f = r.fields
        c.setFont("FloorKai", 46)
        c.setFillColorRGB(0.7, 0.13, 0.13)
        c.drawCentredString(148.5 * MM, H - 48 * MM, "荣誉证书")
        c.setFillColorRGB(0, 0, 0)
        c.setFont("FloorKai", 24)
        c.drawString(40 * MM, H - 80 * MM, f"{f['name']} 同志：")
        c.setFont("FloorKai", 13)
        c.drawString(40 * MM, H - 90 * MM, f"工作单位：{f['unit']}")
        c.setFont("FloorKai", 20)
        c.drawString(47 * MM, H - 108 * MM, f"在{f['contest']}{f['event']}中成绩优异，荣获{f['award']}。")
        c.drawString(47 * MM, H - 120 * MM, "特发此证，以资鼓励。")
        c.setFont("FloorKai", 18)
        c.drawCentredString(223 * MM, H - 157 * MM, f["issuer"])
        c.setFont("FloorKai", 16)
        c.drawCentredString(223 * MM, H - 169 * MM, f["date"])
        c.setFont("FloorHei", 9.5)
        c.drawString(30 * MM, H - 178 * MM, f"证书编号：{r.serial}")
        # QR: segno matrix, every run of dark modules one rect of ONE path, filled once
        m = segno.make(r.verify_url, error="m", micro=False).matrix
        n = len(m)
        u = 24 * MM / n
        x0, top = 30 * MM, H - 139 * MM
        p = c.beginPath()
        for y, row in enumerate(m):
            x = 0
            while x < n:
                if row[x]:
                    s = x
                    while x < n and row[x]:
                        x += 1
                    p.rect(x0 + s * u, top - (y + 1) * u, (x - s) * u, u)
                else:
                    x += 1
        c.drawPath(p, stroke=0, fill=1)
        c.showPage()
    c.save()
    rl_config.useA85 = old
    return time.perf_counter() - t0


def ours(recs, path: str) -> float:
    from contestapp.certificates.render import render_batch

    t0 = time.perf_counter()
    render_batch("award", recs, path)
    return time.perf_counter() - t0


def floor_singles(recs, directory: str) -> float:
    """The floor of the ZIP of single PDFs: one bare reportlab file per record.  Returns seconds."""
    t0 = time.perf_counter()
    for i, r in enumerate(recs):
        floor([r], os.path.join(directory, f"{i}.pdf"))
    return time.perf_counter() - t0


def job_batch(recs) -> dict:
    """(d): issue the records' certificates, queue a batch (source "issued": print them all), and let a
    `flask jobs work` process do it. Returns the job's time (its own started/finished stamps) and the files."""
    from datetime import date

    tmp = tempfile.mkdtemp()
    url = f"sqlite:///{tmp}/bench.db"
    env = {**os.environ, "CONTESTAPP_INSTANCE": tmp, "DATABASE_URL": url, "SECRET_KEY": "bench-secret",
           "CONTESTAPP_ENV": "development", "FLASK_APP": "wsgi"}
    os.environ["CONTESTAPP_INSTANCE"] = tmp
    from config import TestingConfig
    from contestapp import create_app
    from contestapp.auth.models import Organisation
    from contestapp.certificates.batches import batch_dir, create_batch, queue_batch
    from contestapp.certificates.issuing import CertificateRequest, issue
    from contestapp.certificates.models import CertificateBatch
    from contestapp.contests.definition import create_contest, read_definition
    from contestapp.domain.idcard import make_id_number
    from contestapp.extensions import db
    from contestapp.jobs.models import QueuedJob

    config = TestingConfig(url)
    config.SECRET_KEY = env["SECRET_KEY"]
    app = create_app(config)
    with app.app_context():
        db.create_all()
        org = Organisation(name="杭州市总工会", level="city")
        db.session.add(org)
        db.session.flush()
        path = os.path.join(ROOT, "examples", "city-skills.json")
        with open(path, "rb") as f:
            contest = create_contest(read_definition(f.read(), "city-skills.json"), org, None)
        db.session.flush()
        code = contest.events[0].code
        t0 = time.perf_counter()
        issue(contest, [CertificateRequest(
            holder=r.fields["name"], award=r.fields["award"], event_code=code, unit=r.fields["unit"], rank=i,
            id_number=make_id_number(f"3301{i // 1000 % 100:02d}", date(1980 + i % 20, 1 + i % 12, 1 + i % 28),
                                     i % 1000, "M"))
            for i, r in enumerate(recs)])
        db.session.commit()
        issue_seconds = time.perf_counter() - t0
        batch = create_batch(contest, "issued", "award", None, "full", None, None)
        queue_batch(batch, "https://cert.example.org")
        db.session.commit()
        batch_id = batch.id
    t0 = time.perf_counter()
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "flask"), "jobs", "work", "--until-empty"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    with app.app_context():
        batch = db.session.get(CertificateBatch, batch_id)
        job = db.session.get(QueuedJob, batch.job_id)
        if job.status != "done":
            raise SystemExit(f"the job did not finish: {job.status} {job.error}")
        pdf = batch_dir() / batch.pdf_name
        return {"seconds": (job.finished_at - job.started_at).total_seconds(), "wall": wall,
                "issue_seconds": issue_seconds, "pdf_bytes": pdf.stat().st_size,
                "holder": job.holder, "pages": batch.total // 2}


def child_memory(n: int, path: str) -> None:
    """Run in a subprocess: render n pages, print JSON with ru_maxrss."""
    import resource

    recs = records(n)
    secs = ours(recs, path)
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"pages": n, "seconds": secs, "maxrss_mb": rss_kb / 1024, "bytes": os.path.getsize(path)}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--big", type=int, default=10000, help="pages for the memory run (0 to skip)")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best of each is kept")
    ap.add_argument("--job", type=int, default=1000, help="certificates in the batch run by the jobs process (0: skip)")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child_memory(args.child, args.out)
        return

    from contestapp.certificates.fonts import load_fonts

    fonts = load_fonts()  # font loading (~0.1 s) is outside both timings
    recs = records(args.pages)
    with tempfile.TemporaryDirectory() as tmp:
        fa, fb = os.path.join(tmp, "floor.pdf"), os.path.join(tmp, "ours.pdf")
        floor(recs[:20], fa)
        ours(recs[:20], fb)  # warm up
        t_floor, t_ours = [], []
        for _ in range(max(1, args.rounds)):
            t_floor.append(floor(recs, fa))
            t_ours.append(ours(recs, fb))
        floor_rate = args.pages / min(t_floor)
        our_rate = args.pages / min(t_ours)
        floor_kb = os.path.getsize(fa) / args.pages / 1024
        our_kb = os.path.getsize(fb) / args.pages / 1024
        job = floor_job = None
        if args.job:
            job_recs = records(args.job)
            singles = os.path.join(tmp, "singles")
            os.mkdir(singles)
            floor_job = floor(job_recs, fa) + floor_singles(job_recs, singles)
            job = job_batch(job_recs)
        mem = None
        if args.big:
            big = os.path.join(tmp, "big.pdf")
            out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", str(args.big), "--out", big],
                                 capture_output=True, text=True, check=True)
            mem = json.loads(out.stdout.strip().splitlines()[-1])

    def ok(flag: bool) -> str:
        return "ok" if flag else "MISSED"

    print(f"Certificate rendering — {args.pages} pages per file, best of {args.rounds} rounds")
    print(f"fonts: {', '.join(f'{r}: ' + ' → '.join(x.split(' (')[0] for x in c) for r, c in fonts.describe().items())}")
    print()
    print(f"{'measure':<44}{'figure':>14}   {'target':<16}")
    print("-" * 80)
    print(f"{'(a) floor: bare reportlab + segno one path':<44}{floor_rate:>10.0f} p/s   {'(reference)':<16}")
    print(f"{'    floor size':<44}{floor_kb:>11.2f} KB   {'':<16}")
    print(f"{'(b) render_batch, award layout + QR':<44}{our_rate:>10.0f} p/s   {'>= 150 p/s':<16}{ok(our_rate >= 150)}")
    print(f"{'    time per page / floor':<44}{floor_rate / our_rate:>12.2f} x   {'<= 1.2 x':<16}"
          f"{ok(floor_rate / our_rate <= 1.2)}")
    print(f"{'    size per page (one file)':<44}{our_kb:>11.2f} KB   {'<= 4 KB':<16}{ok(our_kb <= 4)}")
    if job:
        n = job["pages"]
        print(f"{f'(d) floor: {n} certificates, merged + singles':<44}{n / floor_job:>10.0f} c/s   {'(reference)':<16}")
        print(f"{'    batch done by `flask jobs work`':<44}{n / job['seconds']:>10.0f} c/s   {'':<16}")
        print(f"{'    job time / floor time':<44}{job['seconds'] / floor_job:>12.2f} x   {'<= 1.2 x':<16}"
              f"{ok(job['seconds'] <= 1.2 * floor_job)}")
        print(f"{'    size per page (merged PDF)':<44}{job['pdf_bytes'] / n / 1024:>11.2f} KB   {'<= 4 KB':<16}"
              f"{ok(job['pdf_bytes'] / n / 1024 <= 4)}")
        print(f"{'    worker process (pid differs from this one)':<44}{job['holder']:>14}   "
              f"{'':<16}{ok(not job['holder'].endswith(f':{os.getpid()}'))}")
        print(f"{'    issuing the serials first (not in job)':<44}{n / job['issue_seconds']:>10.0f} c/s")
    if mem:
        label = f"(c) peak memory, {mem['pages']} pages in one file"
        print(f"{label:<44}{mem['maxrss_mb']:>11.0f} MB   "
              f"{'< 300 MB':<16}{ok(mem['maxrss_mb'] < 300)}")
        print(f"{'    rate / size of that run':<44}{mem['pages'] / mem['seconds']:>10.0f} p/s   "
              f"{mem['bytes'] / mem['pages'] / 1024:.2f} KB/page")


if __name__ == "__main__":
    main()
