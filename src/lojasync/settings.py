"""Runtime configuration: one pydantic-settings object, read from `LOJASYNC_*` variables, built once."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError

from lojasync.finance.plans import DEFAULT_RULES, OTHER, InstallmentRule
from lojasync.sales.status import OrderStatus, StatusRules, default_status_rules
from lojasync.shared.errors import Action, LojasyncError
from lojasync.shared.local_zone import DEFAULT_ZONE, local_day
from lojasync.shared.os_words import in_portuguese
from lojasync.shared.text import is_http_address
from lojasync.shared.typed_day import EARLIEST, means_all, shown, typed_day
from lojasync.stock.products import UnknownSkuPolicy

DEFAULT_API_URL = "https://api.nuvemshop.com.br/2025-03"
# A whole transmission of an NF-e ends within a minute (fiscal.services.invoices.TRANSMISSION_TIME, which keeps
# it inside the sending window); one call may not be given longer than the whole.
MAX_SEFAZ_TIMEOUT = 60
# LOJASYNC_RECEIVABLE_RULES: a method as the store names it (payment_details.method) and a rule's fields.
STORE_METHOD = re.compile(r"[a-z0-9_]+")
RULE_FIELDS = frozenset({"first_days", "every_days"})
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOJASYNC_", extra="ignore")

    data_dir: Path = Path("./lojasync-data")
    database_url: str | None = None

    nuvemshop_api_url: str = DEFAULT_API_URL
    # The API answers 400 without a User-Agent; Nuvemshop asks for a contact in it.
    user_agent: str = "lojasync/0.1 (contato@lojasync.dev)"
    http_timeout: float = Field(default=30.0, gt=0)
    # Bounded below (review): -1 loaded and then failed every drain and sync when the store client was built.
    http_max_retries: int = Field(default=5, ge=0, le=20)

    # Results come sorted by created_at, not updated_at: an incremental pull re-reads a window. Not negative
    # (review: it made each reconciliation start after the cursor, silently skipping that many seconds of changes).
    sync_overlap_seconds: int = Field(default=600, ge=0)
    sync_page_size: int = Field(default=200, ge=1, le=200)

    # The status table (rule 2): order status rules win over payment status rules, then the default.
    # The status table, unknown_sku and reconcile_minutes are only the starting point: a value set in Configurações or
    # with `lojasync import-rules set` (table import_settings) wins over the variable, without a restart.
    status_by_order_status: dict[str, OrderStatus] = Field(
        default_factory=lambda: dict(default_status_rules().by_order_status)
    )
    status_by_payment_status: dict[str, OrderStatus] = Field(
        default_factory=lambda: dict(default_status_rules().by_payment_status)
    )
    default_status: OrderStatus = OrderStatus.OPEN

    unknown_sku: UnknownSkuPolicy = UnknownSkuPolicy.CREATE
    # Orders the store created before this day (AAAA-MM-DD, where the merchant is) are not brought in; unset: every
    # order, the store's whole history at the first sync.
    orders_from: date | None = None

    # Due dates of receivables per payment method, added to (or overriding) the defaults, e.g.
    # {"credit_card": {"first_days": 30, "every_days": 30}, "boleto": {"first_days": 5}}.
    receivable_rules: dict[str, InstallmentRule] = Field(default_factory=dict)

    log_level: str = "WARNING"
    # The merchant's time zone (lists, pages, date filters, due dates): Brasília's unless set (`shared.local_zone`).
    time_zone: str = DEFAULT_ZONE
    log_json: bool = False

    # The Nuvemshop app: the client secret signs webhooks (HMAC) and, with the id, exchanges OAuth codes.
    nuvemshop_client_id: str | None = None
    nuvemshop_client_secret: str | None = None
    nuvemshop_authorize_url: str = "https://www.nuvemshop.com.br/apps/{app_id}/authorize"
    nuvemshop_token_url: str = "https://www.nuvemshop.com.br/apps/authorize/token"
    # Where the platform reaches this service (webhooks, OAuth redirect). HTTPS in production.
    public_url: str = "http://127.0.0.1:8000"
    # Encrypts tokens at rest; generated into the data dir when unset (fine for the embedded setup).
    secret_key: str | None = None
    # Keys used before (comma-separated, or a JSON list when a passphrase holds a comma): they still open
    # tokens and invites sealed with them until `lojasync secrets rotate` re-seals everything.
    old_secret_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # A back-office session ends after this many minutes without a request (and 12 hours after the login anyway).
    # At most the session's own 12 h: a longer idle limit means nothing (and a huge one overflows the clock).
    session_idle_minutes: int = Field(default=480, ge=1, le=720)

    # SEFAZ: the embedded homologation simulator until the company switches to the real one ("real", with the
    # company's UF and environment). `sefaz_url` points at a `lojasync sefaz-simulator` already running.
    sefaz: Literal["simulator", "real"] = "simulator"
    sefaz_url: str | None = None
    # Seconds each call to SEFAZ may wait; a transmission as a whole ends within MAX_SEFAZ_TIMEOUT anyway.
    sefaz_timeout: float = Field(default=60.0, gt=0)
    # How many NF-e of a batch wait for SEFAZ's answer at once (each answer takes from a fraction of a second to
    # a few seconds). Their numbers still follow the orders: only the sending runs side by side.
    sefaz_parallel: int = Field(default=4, ge=1, le=16)
    # A PEM file of CAs trusted for SEFAZ's servers besides the system's roots and the shipped ICP-Brasil chain
    # (fiscal/data/icp_brasil.pem): a newer chain from ITI.
    sefaz_ca_bundle: str | None = None

    # Queue: SQLite inside the data dir by default; Redis to share it between machines.
    redis_url: str | None = None
    queue_name: str = "lojasync"
    worker_threads: int = Field(default=2, ge=1, le=64)
    # A webhook storm is read in pages: wait this long so notifications pile up before draining.
    coalesce_seconds: float = Field(default=1.0, ge=0)
    # Above this many pending orders of one store, read the order list instead of each order.
    coalesce_threshold: int = Field(default=3, ge=1)
    reconcile_minutes: float = Field(default=10.0, gt=0)
    # Processed notifications are kept this long for the audit trail, then deleted.
    event_retention_days: int = Field(default=30, ge=1)

    # `serve` against hostile clients: a request (headers and body) must arrive within this many seconds
    # of the connection, and connections beyond the limit are refused at once (file descriptors stay bounded).
    http_header_timeout: float = Field(default=10.0, gt=0)
    max_connections: int = Field(default=1000, ge=1)
    # /metrics and /readyz reveal store ids and counts: on the public port only with this bearer token;
    # without a token, on their own port (`serve`; a worker serves its counters there too).
    metrics_token: str | None = None
    metrics_port: int | None = Field(default=None, ge=0, le=65535)  # 0 or unset: no metrics port
    # The metrics port listens on this address only: loopback unless an internal network is chosen.
    metrics_host: str = "127.0.0.1"

    @field_validator("orders_from", mode="before")
    @classmethod
    def _day_as_typed(cls, value):
        # DD/MM/AAAA as Configurações and `import-rules set` take it; blank or "todos" is unset (every order).
        if isinstance(value, str):
            if not value.strip() or means_all(value):
                return None
            return typed_day(value) or value.strip()   # not a day: pydantic's refusal names the variable
        return value

    @field_validator("orders_from", mode="after")
    @classmethod
    def _not_after_today(cls, value):
        # A typo (2062 for 2026) would leave out every new order with nothing said: refused, as the page refuses it
        # (review). Checked where the merchant is by default: the process's zone is set after its settings are read.
        if value is not None and value > local_day():
            raise ValueError(f"é depois de hoje ({shown(value)}): nenhum pedido novo seria importado até lá")
        if value is not None and value < EARLIEST:
            raise ValueError(f"é antes de {EARLIEST.year} ({shown(value)}): confira o ano")
        return value

    @field_validator("secret_key", mode="after")
    @classmethod
    def _no_blank_key(cls, value):
        # Blank is unset, as the cipher takes it: "   " passed the check that several machines share a key, and each
        # machine sealed with a secret.key of its own (operations review).
        return (value or "").strip() or None

    @field_validator("old_secret_keys", mode="before")
    @classmethod
    def _split_keys(cls, value):
        if isinstance(value, str):
            text = value.strip()
            try:
                value = json.loads(text) if text.startswith("[") else text.split(",")
            except json.JSONDecodeError:
                raise ValueError("deveria ser chaves separadas por vírgula ou uma lista JSON") from None
        return [key.strip() for key in value if isinstance(key, str) and key.strip()] if isinstance(value, list) \
            else value

    @field_validator("sefaz_timeout", mode="after")
    @classmethod
    def _within_a_transmission(cls, value: float) -> float:
        if value > MAX_SEFAZ_TIMEOUT:
            raise ValueError(f"acima do máximo ({MAX_SEFAZ_TIMEOUT} segundos): a transmissão inteira de uma NF-e "
                             f"termina em {MAX_SEFAZ_TIMEOUT} segundos, e sem resposta a NF-e fica aguardando SEFAZ "
                             "e é consultada depois")
        return value

    @field_validator("time_zone", mode="after")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        name = value.strip()
        if not name:   # set and empty (a compose file's "LOJASYNC_TIME_ZONE="): the default, as if unset
            return DEFAULT_ZONE
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"fuso horário desconhecido {value!r}: use um nome da base IANA, como America/Sao_Paulo, "
                             "America/Manaus, America/Cuiaba ou America/Rio_Branco") from None
        return name

    @field_validator("log_level", mode="after")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"nível desconhecido {value!r}: use {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("sefaz_url", "public_url", mode="after")
    @classmethod
    def _web_address(cls, value: str | None, info) -> str | None:
        # Checked here, not when first used: a SEFAZ address without http:// numbered an NF-e and left it
        # "aguardando SEFAZ" for five minutes; a public address with a space went into the install link.
        if value is None:
            return None
        if not is_http_address(value.strip()) or any(c.isspace() for c in value.strip()):
            example = "http://127.0.0.1:8790" if info.field_name == "sefaz_url" else "https://lojasync.minhaloja.com.br"
            raise ValueError(f"{value!r} não é um endereço http:// ou https:// (ex.: {example})")
        return value.strip()

    @field_validator("sefaz_ca_bundle", mode="after")
    @classmethod
    def _ca_bundle(cls, value: str | None) -> str | None:
        # Checked here, not at the first transmission, which numbered an NF-e and said "certificado ou cadeia TLS
        # ilegível ([Errno 2] ...)" without the path or the variable (TLS review).
        if value is None or not value.strip():
            return None
        path = Path(value.strip()).expanduser()
        try:
            text = path.read_text(encoding="ascii", errors="replace")
        except OSError as exc:
            raise ValueError(f"{path}: {in_portuguese(exc)}") from None
        if "CERTIFICATE-----" not in text:   # BEGIN CERTIFICATE, or OpenSSL's BEGIN TRUSTED CERTIFICATE (review)
            raise ValueError(f"{path} não é um arquivo PEM com certificados (-----BEGIN CERTIFICATE-----)")
        return str(path)

    @field_validator("redis_url", mode="after")
    @classmethod
    def _redis_address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if urlsplit(value.strip()).scheme not in ("redis", "rediss", "unix"):
            raise ValueError(f"{value!r} não é um endereço do Redis (ex.: redis://127.0.0.1:6379/0)")
        return value.strip()

    @field_validator("receivable_rules", mode="before")
    @classmethod
    def _rules_as_written(cls, value):
        # Both typos would otherwise pass in silence and leave the defaults in force: a rule's field
        # ("first_day") ignored, or a method the store never sends ("cartão de crédito" for credit_card).
        if not isinstance(value, dict):
            return value
        filled = {}
        for method, rule in value.items():
            if not isinstance(method, str) or not STORE_METHOD.fullmatch(method.strip().lower()):
                raise ValueError(f"forma de pagamento {method!r} não é um nome da loja (minúsculas, sem espaços, "
                                 f"como {', '.join(sorted(DEFAULT_RULES))})")
            if not isinstance(rule, dict):
                raise ValueError(f"a regra de {method} deve ser um objeto com first_days e/ou every_days, em dias "
                                 f'(ex.: {{"{method}": {{"first_days": 30, "every_days": 30}}}}), não {rule!r}')
            unknown = sorted(set(rule) - RULE_FIELDS)
            if unknown:
                raise ValueError(f"campo desconhecido em {method}: {', '.join(unknown)} (os campos são first_days e "
                                 "every_days)")
            for name, days in rule.items():
                # Read leniently, true was a day and 30.0 thirty: both typos of a number of days.
                if type(days) is not int:
                    raise ValueError(f"{method}.{name} deve ser um número inteiro de dias, não {days!r}")
            # A field left out keeps the method's default, not the class's: {"credit_card": {"every_days": 31}}
            # moved a card's first installment from 30 days to the payment day.
            default = DEFAULT_RULES.get(method.strip().lower(), OTHER)
            filled[method] = {"first_days": default.first_days, "every_days": default.every_days, **rule}
        return filled

    @field_validator("status_by_order_status", "status_by_payment_status", mode="after")
    @classmethod
    def _merge_with_defaults(cls, table: dict[str, OrderStatus], info) -> dict[str, OrderStatus]:
        # An integrator who adds "authorized" must not lose "paid" by accident: entries are added to
        # (or override) the defaults. Map a store value to "open" to neutralise a default.
        defaults = default_status_rules()
        base = defaults.by_order_status if info.field_name == "status_by_order_status" else defaults.by_payment_status
        return {**base, **table}

    @property
    def embedded_database_file(self) -> Path:
        """The SQLite file used when no LOJASYNC_DATABASE_URL is set."""
        return (self.data_dir / "lojasync.db").resolve()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.embedded_database_file}"

    @property
    def session_idle_timeout(self) -> timedelta:
        return timedelta(minutes=self.session_idle_minutes)

    @property
    def sefaz_state_path(self) -> Path:
        """Where the embedded SEFAZ simulator keeps what it authorised (shared by every lojasync process; SQLite).
        Earlier versions named it `sefaz-simulador.json`: the simulator's start moves that one here."""
        return (self.data_dir / "sefaz-simulador.sqlite3").resolve()

    @property
    def queue_path(self) -> Path:
        return (self.data_dir / "queue.db").resolve()

    def installment_rules(self) -> dict[str, InstallmentRule]:
        # As the validator read the method (" Pix " is pix): else the rule is kept under a name no payment has.
        return {**DEFAULT_RULES, **{method.strip().lower(): rule for method, rule in self.receivable_rules.items()}}

    def status_rules(self) -> StatusRules:
        return StatusRules(
            by_order_status=dict(self.status_by_order_status),
            by_payment_status=dict(self.status_by_payment_status),
            default=self.default_status,
        )


class SettingsError(LojasyncError):
    code = "settings.invalid"
    message_template = "Configuração inválida: {problems}."
    resolution_template = "Corrija a(s) variável(is) de ambiente indicada(s) e rode o comando de novo."
    action = Action.CONFIGURE


_PROBLEMS = {
    "int_parsing": "deveria ser um número inteiro", "float_parsing": "deveria ser um número",
    "bool_parsing": "deveria ser true ou false", "literal_error": "valor não aceito",
    "greater_than_equal": "abaixo do mínimo",
    "less_than_equal": "acima do máximo", "greater_than": "deveria ser maior que", "enum": "valor não aceito",
    "json_invalid": "deveria ser JSON", "dict_type": "deveria ser um objeto JSON",
    "date_from_datetime_parsing": "deveria ser uma data (AAAA-MM-DD ou DD/MM/AAAA)",
    "date_parsing": "deveria ser uma data (AAAA-MM-DD ou DD/MM/AAAA)",
}


def load_settings(**overrides) -> Settings:
    """The settings from the environment; a bad value names its LOJASYNC_* variable, in Portuguese."""
    try:
        return Settings(**overrides)
    except SourceError as exc:  # a JSON variable that is not JSON: pydantic-settings names the field in English
        match = re.search(r'field "(\w+)"', str(exc))
        field = match.group(1).upper() if match else "?"
        raise SettingsError(problems=f"LOJASYNC_{field} deveria ser JSON") from exc
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            context = error.get("ctx", {})
            limit = next((context[k] for k in ("ge", "le", "gt", "lt") if k in context), "")
            words = _PROBLEMS.get(error["type"], "valor inválido")
            if "expected" in context:   # a list of values (LOJASYNC_SEFAZ, a status table's situations)
                limit = "use " + str(context["expected"]).replace(" or ", " ou ")
            if error["type"] == "value_error":  # raised by our validators, already in Portuguese
                words = str(error.get("ctx", {}).get("error", words))
            if error["type"] == "greater_than":
                words, limit = f"{words} {limit}", ""
            problems.append(f"LOJASYNC_{field.upper()} {words}{f' ({limit})' if limit != '' else ''}")
        raise SettingsError(problems="; ".join(problems)) from exc
