"""The web UI's Jinja2 templates, and the Chinese error pages a person sees instead of JSON."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

__all__ = ["ROLE_NAMES", "STATIC_DIR", "error_page", "templates", "wants_page"]

templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
STATIC_DIR = Path(__file__).with_name("static")
ROLE_NAMES = {"admin": "管理员", "manager": "销售经理", "rep": "销售代表", "qa": "质检员"}

_ERRORS = {
    400: ("请求有误", "请求的内容不完整或格式不对。"),
    403: ("没有权限", "您的账号无权查看这个页面或这条记录。如需访问，请联系管理员。"),
    404: ("页面不存在", "您要找的页面或记录不存在，可能已被删除，或地址输入有误。"),
    405: ("不支持的操作", "这个地址不支持这种请求方式。"),
    422: ("地址参数有误", "地址中的参数不正确（例如通话编号应为数字）。请检查链接后重试。"),
    429: ("尝试次数过多", "登录失败次数过多，请稍后再试。"),
}
_API_PATHS = ("/api/", "/health", "/openapi.json", "/static/", "/docs-assets/")


def wants_page(request: Request) -> bool:
    """A person's browser asking for a page (not an API client): answer in HTML, in Chinese."""
    path = request.url.path
    if path.startswith("/ui/"):
        return True
    if path.startswith(_API_PATHS):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_page(request: Request, status: int) -> Response:
    title, text = _ERRORS.get(status, ("出错了", "服务器处理请求时出错，请稍后再试。"))
    context = {"status": status, "title": title, "text": text}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)
