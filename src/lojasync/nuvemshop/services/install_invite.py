"""Install invites: the public URL receives webhooks, so connecting a store needs a signed, expiring
invite that only the operator can make; without it anyone could send their store's orders here."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from datetime import datetime, timezone
from enum import Enum
from urllib.parse import parse_qs, urlsplit

from lojasync.crypto import TokenCipher
from lojasync.nuvemshop.ports import ConnectorUnitOfWork
from lojasync.shared.errors import LojasyncError
from lojasync.shared.hosts import is_local_network, is_loopback
from lojasync.shared.numbers import ascii_digits

MAX_INVITE_HOURS = 24 * 30


class InviteHoursInvalid(LojasyncError):
    code = "nuvemshop.invite_hours_invalid"
    message_template = "Validade do convite inválida: {hours} h."
    resolution_template = f"Informe uma validade maior que zero e de no máximo {MAX_INVITE_HOURS} horas (30 dias)."


def make_invite(cipher: TokenCipher, hours: float = 24.0, now: float | None = None) -> str:
    """A signed invite valid for `hours` (a link that never works, or works for ever, is refused), for one store:
    its nonce makes each invite its own, so that spending one (`spend_invite`) spends no other."""
    if not 0 < hours <= MAX_INVITE_HOURS:
        raise InviteHoursInvalid(hours=f"{hours:g}".replace(".", ","))   # as typed in Brazil: 0,5
    expires = int((now or time.time()) + hours * 3600)
    nonce = secrets.token_hex(8)
    return f"{expires}.{nonce}.{cipher.sign(f'install-invite:{expires}:{nonce}')}"


def _signed_by_us(cipher: TokenCipher, invite: str | None) -> bool:
    parts = (invite or "").split(".")
    expires = parts[0]
    if len(parts) == 3 and re.fullmatch(r"[0-9a-f]{16}", parts[1]):
        signed = f"install-invite:{expires}:{parts[1]}"
    elif len(parts) == 2:   # made before invites had a nonce: still honoured, once, until they expire
        signed = f"install-invite:{expires}"
    else:   # a middle part the signature does not cover (an old invite with one added) is no invite
        signed = None
    return signed is not None and ascii_digits(expires, 12) and cipher.verify(signed, parts[-1])


def _expired(invite: str, now: float | None) -> bool:
    return int(invite.split(".")[0]) < (now or time.time())


def invite_problem(cipher: TokenCipher, invite: str | None, now: float | None = None) -> str | None:
    """Why this invite does not allow an install (in words for the person holding it), or None. Spent or not is
    the database's (`invite_spent`)."""
    if not _signed_by_us(cipher, invite):
        return ("Este endereço público recebe webhooks, mas instalar uma loja exige um convite. Peça ao "
                "responsável pelo lojasync um link de instalação.")
    if _expired(invite, now):
        return "O convite de instalação expirou. Peça ao responsável pelo lojasync um link de instalação novo."
    return None


SPENT = ("Este convite já foi usado para conectar uma loja, ou foi revogado: cada convite conecta uma loja só. Peça "
         "ao responsável pelo lojasync um link de instalação novo.")


class InviteNotOurs(LojasyncError):
    code = "nuvemshop.invite_invalid"
    message_template = "O texto informado não é um link de instalação deste lojasync."
    resolution_template = ("Cole o link inteiro, como foi gerado (Integração → Conectar loja), ou só o que vem depois "
                           "de convite=.")
    terminal_commands = ("lojasync store install-link",)


class InviteRevocation(Enum):
    """What became of a link asked to be revoked, in the words the terminal and the page both say (each adds, for a
    link already spent, where to find and stop the store it may have connected)."""

    REVOKED = "Link de instalação revogado: ele não conecta mais nenhuma loja."
    ALREADY_SPENT = ("Este link já tinha sido usado para conectar uma loja, ou revogado: ele não conecta mais nenhuma "
                     "loja.")
    EXPIRED = "Este link já expirou: ele não conecta mais nenhuma loja."


def invite_in(given: str) -> str:
    """The invite in what a person pastes: the whole install link, or the invite alone."""
    text = given.strip()
    found = parse_qs(urlsplit(text).query).get("convite")
    return found[0].strip() if found else text


def revoke_invite(uow: ConnectorUnitOfWork, cipher: TokenCipher, given: str,
                  now: datetime | None = None) -> InviteRevocation:
    """Revoke an install link not used yet (sent to the wrong person, or no longer wanted): it is spent, so it
    connects no store (an install under way with it is refused when it comes back from the platform). Invites are
    not kept (`invite_id`), so the link itself is what names the one to revoke."""
    invite = invite_in(given)
    if not _signed_by_us(cipher, invite):
        raise InviteNotOurs()
    moment = now or datetime.now(timezone.utc)
    if _expired(invite, moment.timestamp()):
        return InviteRevocation.EXPIRED
    if spend_invite(uow, invite_id(invite), moment):
        return InviteRevocation.REVOKED
    # Spent already: by a store connected, or by an install under way, which may still fail and give the invite back
    # (`release_invite`, by the moment it spent it). Stamped with this moment, it stays spent (review: a revocation
    # during an install that then failed was undone, the link working again).
    with uow:
        restamped = uow.spent_invites.restamp(invite_id(invite), moment)
        uow.commit()
    if not restamped and spend_invite(uow, invite_id(invite), moment):
        # Given back in between (that install failed just now): spent here, revoked.
        return InviteRevocation.REVOKED
    return InviteRevocation.ALREADY_SPENT


def invite_id(invite: str) -> str:
    """What is kept of a spent invite: a hash of what its signature covers (its expiry and nonce), never of the text
    as given: anything else in it could be varied to make a "new" invite of a spent one (review). The invite itself
    is not kept: it would install again were the database read."""
    parts = invite.split(".")
    signed = f"{parts[0]}.{parts[1]}" if len(parts) == 3 else parts[0]
    return hashlib.sha256(f"install-invite:{signed}".encode()).hexdigest()


def invite_spent(uow: ConnectorUnitOfWork, invite: str) -> bool:
    with uow:
        return uow.spent_invites.is_spent(invite_id(invite))


def spend_invite(uow: ConnectorUnitOfWork, spent_id: str, now: datetime | None = None) -> bool:
    """Spend the invite whose install is being completed; False when another install spent it first (two
    browsers that opened the same link: the first to come back from the platform connects its store)."""
    with uow:
        spent = uow.spent_invites.spend(spent_id, now or datetime.now(timezone.utc))
        uow.commit()
        return spent


def release_invite(uow: ConnectorUnitOfWork, spent_id: str, spent_at: datetime) -> None:
    """The install that spent the invite at `spent_at` failed before connecting a store (the platform refused the code,
    or could not be reached): the merchant may start again from the same link (review: it answered "já usado")."""
    with uow:
        uow.spent_invites.release(spent_id, spent_at)
        uow.commit()


def setup_warnings(client_id: str | None, client_secret: str | None, public_url: str) -> list[str]:
    """What keeps the platform from installing the app or reaching this service (empty when all is set)."""
    warnings = []
    missing = [name for name, value in (("LOJASYNC_NUVEMSHOP_CLIENT_ID", client_id),
                                        ("LOJASYNC_NUVEMSHOP_CLIENT_SECRET", client_secret))
               if not (value and value.strip())]
    if missing:
        warnings.append(f"{' e '.join(missing)} não definido(s): sem os dados do app a Nuvemshop não instala o app "
                        "nem assina os webhooks (eles serão recusados).")
    unreachable = public_url_warning(public_url)
    return warnings + ([unreachable] if unreachable else [])


def public_url_warning(public_url: str) -> str | None:
    """Why the platform cannot reach this service at `public_url` (LOJASYNC_PUBLIC_URL); None when it may."""
    parts = urlsplit(public_url)
    host = parts.hostname or ""
    if not host or is_loopback(host):
        return (f"LOJASYNC_PUBLIC_URL aponta para {host}: a Nuvemshop não alcança este endereço. Defina o endereço "
                "público (HTTPS) por onde a loja chega a este serviço.")
    # A LAN address reaches a merchant's browser on the same network, and the install went through while the platform,
    # on the internet, could never deliver a webhook (review: the page said every webhook was registered).
    if is_local_network(host):
        return (f"LOJASYNC_PUBLIC_URL aponta para {host}, um endereço da rede local: a Nuvemshop, na internet, não "
                "alcança este endereço e os webhooks nunca chegam (os pedidos vêm só na conferência periódica). Defina "
                "o endereço público (HTTPS) por onde a loja chega a este serviço.")
    if parts.scheme != "https":
        return (f"LOJASYNC_PUBLIC_URL começa com {parts.scheme or 'nada'}://, não https://: a Nuvemshop só entrega "
                "webhooks a endereços HTTPS. Ponha o serviço atrás de um proxy com HTTPS (README, Operação) e defina "
                "o endereço https://.")
    return None

