"""Brazilian customers: names, e-mails, phones, addresses (real city/UF/CEP ranges) and documents."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from faker import Faker

from lojasync.simulators.nuvemshop.documents import Identity, make_identity

STATES = {
    "SP": "São Paulo", "RJ": "Rio de Janeiro", "MG": "Minas Gerais", "ES": "Espírito Santo",
    "PR": "Paraná", "SC": "Santa Catarina", "RS": "Rio Grande do Sul", "BA": "Bahia",
    "PE": "Pernambuco", "CE": "Ceará", "RN": "Rio Grande do Norte", "PB": "Paraíba",
    "AL": "Alagoas", "SE": "Sergipe", "MA": "Maranhão", "PI": "Piauí", "PA": "Pará",
    "AM": "Amazonas", "GO": "Goiás", "DF": "Distrito Federal", "MS": "Mato Grosso do Sul",
    "MT": "Mato Grosso", "RO": "Rondônia", "TO": "Tocantins",
}

# Real cities with their UF, CEP prefix range and area code, so city/UF/CEP agree.
CITIES: list[tuple[str, str, int, int, str, int]] = [
    ("São Paulo", "SP", 1000, 5999, "11", 30), ("Campinas", "SP", 13000, 13139, "19", 4),
    ("Santos", "SP", 11000, 11249, "13", 2), ("Ribeirão Preto", "SP", 14000, 14114, "16", 2),
    ("São José dos Campos", "SP", 12200, 12248, "12", 2), ("Rio de Janeiro", "RJ", 20000, 23799, "21", 14),
    ("Niterói", "RJ", 24000, 24399, "21", 2), ("Belo Horizonte", "MG", 30000, 31999, "31", 6),
    ("Uberlândia", "MG", 38400, 38415, "34", 2), ("Juiz de Fora", "MG", 36000, 36099, "32", 1),
    ("Vitória", "ES", 29000, 29099, "27", 2), ("Curitiba", "PR", 80000, 82999, "41", 5),
    ("Londrina", "PR", 86000, 86099, "43", 2), ("Florianópolis", "SC", 88000, 88099, "48", 3),
    ("Joinville", "SC", 89200, 89239, "47", 2), ("Porto Alegre", "RS", 90000, 91999, "51", 5),
    ("Caxias do Sul", "RS", 95000, 95124, "54", 1), ("Salvador", "BA", 40000, 42599, "71", 4),
    ("Feira de Santana", "BA", 44000, 44099, "75", 1), ("Recife", "PE", 50000, 52999, "81", 4),
    ("Fortaleza", "CE", 60000, 61599, "85", 4), ("Natal", "RN", 59000, 59139, "84", 1),
    ("João Pessoa", "PB", 58000, 58099, "83", 1), ("Maceió", "AL", 57000, 57099, "82", 1),
    ("Aracaju", "SE", 49000, 49098, "79", 1), ("São Luís", "MA", 65000, 65109, "98", 1),
    ("Teresina", "PI", 64000, 64099, "86", 1), ("Belém", "PA", 66000, 66999, "91", 2),
    ("Manaus", "AM", 69000, 69099, "92", 2), ("Goiânia", "GO", 74000, 74894, "62", 3),
    ("Brasília", "DF", 70000, 72799, "61", 4), ("Campo Grande", "MS", 79000, 79129, "67", 1),
    ("Cuiabá", "MT", 78000, 78109, "65", 1), ("Porto Velho", "RO", 76800, 76834, "69", 1),
    ("Palmas", "TO", 77000, 77270, "63", 1),
]
EMAIL_DOMAINS = ["gmail.com", "gmail.com", "gmail.com", "hotmail.com", "outlook.com", "yahoo.com.br",
                 "uol.com.br", "bol.com.br", "icloud.com", "terra.com.br"]
COMPLEMENTS = ["Apto 12", "Apto 304", "Casa 2", "Bloco B, Apto 51", "Fundos", "Sala 5", "Apto 1102", "Casa"]


@dataclass
class Customer:
    id: int
    name: str
    email: str
    phone: str | None
    identity: Identity
    address: dict
    created_at: datetime
    orders: list[int] = field(default_factory=list)


def _ascii(value: str) -> str:
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()


def make_phone(rng: random.Random, ddd: str) -> str:
    local = f"9{rng.randint(6000, 9999)}{rng.randint(0, 9999):04d}"
    style = rng.random()
    if style < 0.35:
        return f"+55 {ddd} {local[:5]}-{local[5:]}"
    if style < 0.65:
        return f"({ddd}) {local[:5]}-{local[5:]}"
    if style < 0.85:
        return f"{ddd}{local}"
    return f"+55{ddd}{local}"


def pick_city(rng: random.Random) -> tuple:
    return rng.choices(CITIES, weights=[c[5] for c in CITIES])[0]


def make_address(rng: random.Random, fake: Faker, recipient: str, phone: str | None, city: tuple | None = None) -> dict:
    city, uf, low, high, ddd, _ = city or pick_city(rng)
    prefix = rng.randint(low, high)
    zipcode = f"{prefix:05d}-{rng.randint(0, 999):03d}"
    return {
        "address": fake.street_name(),
        "number": "s/n" if rng.random() < 0.03 else str(rng.randint(1, 3999)),
        "floor": rng.choice(COMPLEMENTS) if rng.random() < 0.45 else None,
        "locality": fake.bairro(),
        "zipcode": zipcode.replace("-", "") if rng.random() < 0.15 else zipcode,
        "city": city,
        "province": uf if rng.random() < 0.1 else STATES[uf],
        "country": "BR",
        "phone": phone if phone else make_phone(rng, ddd),
        "name": recipient,
    }


def make_customer(rng: random.Random, fake: Faker, customer_id: int, created_at: datetime) -> Customer:
    identity = make_identity(rng)
    is_company = identity.kind.startswith("cnpj") and rng.random() < 0.6
    if is_company:
        name = fake.company()
        email = f"contato@{''.join(c for c in _ascii(name).lower() if c.isalnum())[:20]}.com.br"
    else:
        name = f"{fake.first_name()} {fake.last_name()}"
        if rng.random() < 0.4:
            name = f"{name} {fake.last_name()}"
        first, *_, last = _ascii(name).lower().split()
        local = rng.choice([f"{first}.{last}", f"{first}{last}{rng.randint(1, 99)}", f"{first}_{last}",
                            f"{first}{rng.randint(1970, 2006)}"])
        email = f"{local}@{rng.choice(EMAIL_DOMAINS)}"
    city = pick_city(rng)
    phone = None if rng.random() < 0.05 else make_phone(rng, city[4])
    address = make_address(rng, fake, name, phone, city)
    return Customer(customer_id, name, email, phone, identity, address, created_at)
