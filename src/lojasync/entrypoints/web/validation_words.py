"""The words of a refused request's fields: where (the field's path, without pydantic's "body"/"query") and what
the field takes, in Portuguese, by pydantic's error type."""

from __future__ import annotations


def _where(error: dict) -> str:
    if error.get("type") == "json_invalid":
        return "corpo (não é um JSON válido)"
    return ".".join(str(p) for p in error.get("loc", ())[1:]) or "corpo"


def _expected_values(ctx: dict) -> str:
    # pydantic writes the choices "'a', 'b' or 'c'"; read in Portuguese.
    return "use " + str(ctx.get("expected", "")).replace(" or ", " ou ")


def _day_words(ctx: dict) -> str:
    # 2026-02-30 is in the right form, and no day (review: it was told to be written AAAA-MM-DD, as it was).
    if "outside expected range" in str(ctx.get("error", "")):
        return "dia que não existe no calendário (AAAA-MM-DD)"
    return "dia AAAA-MM-DD"


# What each format a client sends takes, in words: "formato inválido" alone left an integrator reading the schema's
# regular expression to learn that a count_id takes no spaces (API journey). Keyed by the pattern itself, so that
# a route that declares one without words here fails its test (tests/web/test_bad_input.py).
PATTERN_WORDS = {
    r"^[0-9]{1,20}$": "só algarismos, até 20",
    r"^[0-9A-Za-z.\-]{11,18}$": "CPF ou CNPJ, com ou sem pontos e traço, sem barra nem espaços",
    r"^[A-Za-z0-9._:-]+$": "só letras sem acento, algarismos e . _ : -, sem espaços",
}


def _pattern_words(ctx: dict) -> str:
    return PATTERN_WORDS.get(str(ctx.get("pattern", "")), "formato inválido")


# What a field of the wrong kind should hold, by pydantic's error type: an integrator reads "status (use
# 'pendente' ou 'autorizada')" instead of guessing from the field's name.
_EXPECTED = {
    "missing": lambda ctx: "obrigatório",
    "enum": _expected_values,
    "literal_error": _expected_values,
    "int_parsing": lambda ctx: "número inteiro",
    "int_type": lambda ctx: "número inteiro",
    "int_from_float": lambda ctx: "número inteiro",
    "greater_than_equal": lambda ctx: f"a partir de {ctx.get('ge')}",
    "greater_than": lambda ctx: f"maior que {ctx.get('gt')}",
    "less_than_equal": lambda ctx: f"no máximo {ctx.get('le')}",
    "less_than": lambda ctx: f"menor que {ctx.get('lt')}",
    "bool_parsing": lambda ctx: "true ou false",
    "bool_type": lambda ctx: "true ou false",
    "date_parsing": lambda ctx: _day_words(ctx),
    "date_from_datetime_parsing": lambda ctx: _day_words(ctx),
    "date_type": lambda ctx: "dia AAAA-MM-DD",
    "string_type": lambda ctx: "texto",
    "string_too_short": lambda ctx: f"ao menos {ctx.get('min_length')} caractere(s)",
    "string_too_long": lambda ctx: f"até {ctx.get('max_length')} caracteres",
    "string_pattern_mismatch": _pattern_words,
    "list_type": lambda ctx: "lista",
    "too_short": lambda ctx: f"ao menos {ctx.get('min_length')} item(ns)",
    "too_long": lambda ctx: f"até {ctx.get('max_length')} itens",
    "model_attributes_type": lambda ctx: "objeto JSON",
    "dict_type": lambda ctx: "objeto JSON",
    "extra_forbidden": lambda ctx: "campo desconhecido: confira o nome",
}


def field_problem(error: dict) -> str:
    """'status (use 'pendente' ou 'autorizada')', 'per_page (no máximo 200)', 'reason (obrigatório)'."""
    where = _where(error)
    expected = _EXPECTED.get(error.get("type", ""))
    return f"{where} ({expected(error.get('ctx') or {})})" if expected else where
