"""Errors the simulated API answers with, in Nuvemshop's body shapes."""

from __future__ import annotations

from http import HTTPStatus


class ApiError(Exception):
    """An HTTP error response: status, JSON body and extra headers."""

    def __init__(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def api_error(status: int, description: str, headers: dict[str, str] | None = None) -> ApiError:
    """`{"code", "message", "description"}`, the shape of most Nuvemshop errors."""
    body = {"code": status, "message": HTTPStatus(status).phrase, "description": description}
    return ApiError(status, body, headers)


def invalid(field: str, message: str) -> ApiError:
    """422 `{"field": ["message"]}`."""
    return ApiError(422, {field: [message]})


def not_found(description: str = "Not Found") -> ApiError:
    return api_error(404, description)
