"""The application factory: `create_app(config)` binds the extensions, blueprints, CLI and error pages."""
from __future__ import annotations

import importlib
from pathlib import Path

from flask import Flask, current_app, flash, jsonify, redirect, render_template, request
from flask_babel import gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from contestapp import cli, filters
from contestapp.auth import sessions
from contestapp.common import limits
from contestapp.common.headers import init_headers
from contestapp.contests.finality import EventFinalError
from contestapp.extensions import babel, cache, csrf, db, login_manager, migrate
from contestapp.i18n import N_

ROOT = Path(__file__).resolve().parent.parent

# Each area registers one blueprint; add new areas here (module path, attribute).
BLUEPRINTS = [
    "contestapp.main:bp",
    "contestapp.auth.views:bp",
    "contestapp.auth.manage:bp",
    "contestapp.contests.views:bp",
    "contestapp.entrants.views:bp",
    "contestapp.merit.views:bp",
    "contestapp.merit.views:tasks_bp",
    "contestapp.jobs.views:bp",
    "contestapp.judging.views:bp",
    "contestapp.judging.views:console_bp",
    "contestapp.judging.api:bp",
    "contestapp.audit.views:bp",
    "contestapp.certificates.views:bp",
    "contestapp.certificates.views:verify_bp",
    "contestapp.results.views:bp",
    "contestapp.results.board:board_bp",
    "contestapp.results.analytics_views:bp",
    "contestapp.merit.charts:bp",
    "contestapp.awards.views:bp",
    "contestapp.craftsman.views:bp",
]

# Modules whose models must be imported before the metadata is complete (Alembic, create_all).
MODEL_MODULES = [
    "contestapp.auth.models",
    "contestapp.audit.models",
    "contestapp.contests.models",
    "contestapp.entrants.models",
    "contestapp.judging.models",
    "contestapp.certificates.models",
    "contestapp.results.models",
    "contestapp.awards.models",
    "contestapp.merit.models",
    "contestapp.jobs.models",
    "contestapp.craftsman.models",
]


# Each area that names people certificates are printed for registers its recipient source here
# (contestapp.common.recipients; the certificates area imports none of them).
RECIPIENT_PROVIDERS = [
    "contestapp.awards.certificates",
    "contestapp.craftsman.certificates",
    "contestapp.merit.certificates",
]


# Each area whose kinds of contest ask a reason for some marks registers its rule here (contestapp.judging.notes;
# the judging area imports none of them).
NOTE_RULES = [
    "contestapp.merit.sheets",
]


# Each area with scheduled jobs registers them with `@job` in its own module (contestapp.jobs.runner).
JOB_MODULES = [
    "contestapp.jobs.tasks",
    "contestapp.merit.jobs",
    "contestapp.results.jobs",
]


def import_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)


def select_locale() -> str:
    choice = request.args.get("lang") or request.cookies.get("lang")
    if current_user and getattr(current_user, "locale", None):
        choice = choice or current_user.locale
    languages = current_app.config["LANGUAGES"]
    if choice in languages:
        return choice
    return request.accept_languages.best_match(languages, default="zh_CN") or "zh_CN"


def create_app(config=None) -> Flask:
    from config import config_from_env  # the project root's settings, needed only when no config is given

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    cfg = config if config is not None else config_from_env()
    app.config.from_object(cfg)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set (未设置 SECRET_KEY)")
    Path(app.config["INSTANCE_PATH"]).mkdir(parents=True, exist_ok=True)
    if app.config.get("PROXIES"):
        n = app.config["PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):  # a file cannot drop a connection: no ping
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {k: v for k, v in app.config["SQLALCHEMY_ENGINE_OPTIONS"].items()
                                                   if k != "pool_pre_ping"}
    import_models()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    init_headers(app)
    limits.init_app(app)  # rate limits (shared storage), 429 answers
    cache.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("请先登录")
    login_manager.localize_callback = gettext  # the message is flashed in the reader's language
    login_manager.login_message_category = "info"
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(ROOT / "contestapp" / "translations"))

    sessions.init_app(app)  # the session token rule (pages and API)

    for spec in BLUEPRINTS:
        module, attr = spec.split(":")
        app.register_blueprint(getattr(importlib.import_module(module), attr))
    for module in RECIPIENT_PROVIDERS + NOTE_RULES + JOB_MODULES:
        importlib.import_module(module)

    cli.register(app)
    filters.register(app)
    _register_error_pages(app)
    return app


def _register_error_pages(app: Flask) -> None:
    messages = {
        400: (N_("请求有误"), N_("提交的内容无法处理，请检查后重试。")),
        401: (N_("请先登录"), N_("此页面需要登录后访问。")),
        403: (N_("无权访问"), N_("您没有权限访问此页面。如需权限，请联系竞赛组织者。")),
        404: (N_("页面不存在"), N_("您访问的页面不存在或已被删除。")),
        405: (N_("请求方式不允许"), N_("此页面不支持该请求方式。")),
        409: (N_("内容已变化"), N_("数据已被他人修改，请刷新后重试。")),
        413: (N_("文件过大"), N_("上传的文件超过了允许的大小。")),
        429: (N_("请求过于频繁"), N_("请稍后再试。")),
        500: (N_("服务器错误"), N_("系统出现错误，已记录。请稍后重试或联系管理员。")),
    }

    def handler(error):
        code = getattr(error, "code", 500) or 500
        title, text = messages.get(code, messages[500])
        description = getattr(error, "description", None)
        if code == 500:
            db.session.rollback()
            description = None
        if request.path.startswith("/api/"):
            return jsonify(error={"code": str(code), "message": description or gettext(title)}), code
        return render_template("error.html", code=code, title=title, text=text,
                               description=description if description and code in (400, 403, 409) else None), code

    for code in messages:
        app.register_error_handler(code, handler)

    @app.errorhandler(EventFinalError)
    def event_final(error: EventFinalError):
        """A change to an event whose results are final, from any area: the page the user came from, with why."""
        db.session.rollback()
        message = gettext(error.template, **error.params)
        if request.path.startswith("/api/"):
            return jsonify(error={"code": "event_final", "message": message}), 409
        back = request.referrer or ""
        if request.method == "POST" and back.startswith(request.host_url):
            flash(message, "error")
            return redirect(back)
        return render_template("error.html", code=409, title=N_("成绩已定稿"), text=N_("该赛项的成绩已定稿，不能再修改。"),
                               description=message), 409

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if request.path.startswith("/api/"):
            return jsonify(error={"code": "csrf", "message": gettext(N_("表单已过期或来源不明，请刷新页面后重试"))}), 400
        return render_template("error.html", code=400, title=N_("表单已过期"),
                               text=N_("表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试。"), description=None), 400
