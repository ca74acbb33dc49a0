"""A Brazilian store catalog: products and variants with SKUs, prices and stock."""

from __future__ import annotations

import itertools
import random
import re
import unicodedata
from datetime import datetime, timedelta
from decimal import Decimal

from lojasync.simulators.nuvemshop.clock import STYLE_BRT, format_ts

SIZES = ["P", "M", "G", "GG"]
SHOE_SIZES = ["36", "37", "38", "39", "40", "41", "42", "43"]
COLORS = ["Preto", "Branco", "Azul-marinho", "Cinza Mescla", "Vermelho", "Verde-musgo", "Bege", "Rosê"]

# (name, SKU prefix, brand, min price, max price, weight kg, axes)
TEMPLATES: list[tuple[str, str, str, int, int, str, list[tuple[str, list[str]]]]] = [
    ("Camiseta Algodão Básica", "CAM-ALG", "Mar & Sol", 49, 89, "0.200", [("Tamanho", SIZES)]),
    ("Camiseta Estampa Ipê", "CAM-IPE", "Mar & Sol", 69, 119, "0.200",
     [("Cor", COLORS[:4]), ("Tamanho", SIZES)]),
    ("Calça Jeans Slim", "CAL-JEA", "Índigo", 149, 259, "0.650",
     [("Tamanho", ["38", "40", "42", "44", "46"])]),
    ("Bermuda Sarja Clássica", "BER-SAR", "Índigo", 89, 149, "0.400",
     [("Cor", ["Bege", "Preto", "Verde-musgo"]), ("Tamanho", SIZES)]),
    ("Vestido Floral Midi", "VES-FLO", "Flor de Lis", 159, 289, "0.350", [("Tamanho", SIZES[:3])]),
    ("Blusa de Tricô Gola Alta", "BLU-TRI", "Flor de Lis", 119, 199, "0.380",
     [("Cor", ["Bege", "Preto", "Rosê"]), ("Tamanho", SIZES[:3])]),
    ("Jaqueta Corta-Vento", "JAQ-COR", "Serra Gaúcha", 199, 349, "0.500",
     [("Cor", ["Preto", "Azul-marinho"]), ("Tamanho", SIZES)]),
    ("Tênis Casual Couro", "TEN-COU", "Passo Firme", 229, 399, "0.900", [("Número", SHOE_SIZES)]),
    ("Sandália Rasteira Trançada", "SAN-RAS", "Passo Firme", 79, 139, "0.300", [("Número", SHOE_SIZES[:6])]),
    ("Chinelo Slide Conforto", "CHI-SLI", "Passo Firme", 39, 69, "0.250", [("Número", SHOE_SIZES)]),
    ("Boné Aba Curva", "BON-ABA", "Mar & Sol", 59, 99, "0.150", [("Cor", COLORS[:5])]),
    ("Meia Cano Alto (kit 3 pares)", "MEI-KIT", "Passo Firme", 35, 59, "0.120",
     [("Tamanho", ["34-38", "39-43"])]),
    ("Mochila Executiva Impermeável", "MOC-EXE", "Rota", 189, 329, "0.800",
     [("Cor", ["Preto", "Cinza Mescla"])]),
    ("Bolsa de Couro Média", "BOL-COU", "Flor de Lis", 249, 459, "0.700",
     [("Cor", ["Preto", "Bege", "Vermelho"])]),
    ("Óculos de Sol Aviador", "OCU-AVI", "Rota", 129, 249, "0.080", []),
    ("Caneca Cerâmica Café Coado", "CAN-CER", "Casa Ipê", 39, 69, "0.350",
     [("Cor", ["Branco", "Preto", "Verde-musgo"])]),
    ("Garrafa Térmica Inox", "GAR-INO", "Rota", 79, 149, "0.450", [("Volume", ["500 ml", "750 ml", "1 L"])]),
    ("Cafeteira Francesa Vidro", "CAF-FRA", "Casa Ipê", 89, 159, "0.600", [("Volume", ["350 ml", "600 ml"])]),
    ("Jogo de Toalhas Banho (4 peças)", "TOA-BAN", "Casa Ipê", 119, 219, "1.200",
     [("Cor", ["Branco", "Bege", "Azul-marinho"])]),
    ("Almofada Decorativa Linho", "ALM-LIN", "Casa Ipê", 49, 89, "0.300",
     [("Cor", ["Bege", "Cinza Mescla", "Rosê", "Verde-musgo"])]),
    ("Luminária de Mesa Articulada", "LUM-MES", "Casa Ipê", 139, 229, "1.100",
     [("Cor", ["Preto", "Branco"])]),
    ("Sabonete Artesanal Lavanda", "SAB-LAV", "Ervas do Cerrado", 19, 35, "0.100", []),
    ("Óleo Corporal Maracujá", "OLE-MAR", "Ervas do Cerrado", 45, 79, "0.150",
     [("Volume", ["100 ml", "200 ml"])]),
    ("Vela Aromática Pitanga", "VEL-PIT", "Ervas do Cerrado", 39, 65, "0.250", []),
    ("Café Especial Torrado em Grãos", "CAF-ESP", "Fazenda São João", 42, 79, "0.520",
     [("Moagem", ["Grãos", "Moído médio", "Moído fino"])]),
    ("Rede de Descanso Algodão", "RED-ALG", "Nordeste Vivo", 159, 279, "1.800",
     [("Cor", ["Bege", "Vermelho", "Azul-marinho"])]),
    ("Capinha de Celular Silicone", "CAP-SIL", "Rota", 29, 59, "0.050",
     [("Modelo", ["iPhone 15", "Galaxy S24", "Moto G84", "Redmi Note 13"])]),
    ("Pulseira Prata 925", "PUL-PRA", "Flor de Lis", 89, 179, "0.030",
     [("Tamanho", ["16 cm", "18 cm", "20 cm"])]),
]


COLOR_CODES = {
    "Preto": "PRT", "Branco": "BCO", "Azul-marinho": "AZM", "Cinza Mescla": "CZM",
    "Vermelho": "VML", "Verde-musgo": "VDM", "Bege": "BGE", "Rosê": "ROS",
}


def sku_code(value: str) -> str:
    """`Moído fino` -> `MOIFIN`, `500 ml` -> `500ML`: the value part of a SKU."""
    if value in COLOR_CODES:
        return COLOR_CODES[value]
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().upper()
    words = re.split(r"[\s-]+", plain)
    return "".join(w if any(c.isdigit() for c in w) else w[:3] for w in words if w)


def slug(value: str) -> str:
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    return "-".join("".join(c if c.isalnum() else " " for c in plain).split())


def ean13(rng: random.Random) -> str:
    body = "789" + "".join(str(rng.randint(0, 9)) for _ in range(9))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def build_catalog(rng: random.Random, now: datetime, next_id) -> list[dict]:
    """Products as the API returns them; `next_id(kind)` hands out increasing ids."""
    products = []
    for name, prefix, brand, low, high, weight, axes in TEMPLATES:
        product_id = next_id("product")
        created = now - timedelta(days=rng.randint(120, 900), seconds=rng.randint(0, 86399))
        updated = created + timedelta(days=rng.randint(0, 100))
        base_price = Decimal(rng.randint(low, high)) + Decimal(rng.choice(["0.90", "0.00", "0.99", "0.50"]))
        combos = list(itertools.product(*[values for _, values in axes])) or [()]
        variants = []
        for combo in combos:
            price = base_price + (Decimal(10) if combo and combo[-1] in ("GG", "1 L", "750 ml") else 0)
            promo = money(price * Decimal("0.85")) if rng.random() < 0.15 else None
            managed = rng.random() > 0.08
            sku: str | None = "-".join([prefix, *(sku_code(v) for v in combo)])
            if rng.random() < 0.05:
                sku = None if rng.random() < 0.7 else ""
            variants.append({
                "id": next_id("variant"),
                "image_id": None,
                "promotional_price": promo,
                "created_at": format_ts(created, STYLE_BRT),
                "depth": None,
                "height": None,
                "values": [{"pt": v} for v in combo],
                "price": money(price),
                "product_id": product_id,
                "stock_management": managed,
                "stock": rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 35, 60]) if managed else None,
                "sku": sku,
                "barcode": ean13(rng) if rng.random() < 0.7 else None,
                "mpn": None,
                "age_group": None,
                "gender": None,
                "updated_at": format_ts(updated, STYLE_BRT),
                "weight": weight,
                "width": None,
                "cost": money(price * Decimal("0.45")) if rng.random() < 0.5 else None,
            })
        products.append({
            "id": product_id,
            "name": {"pt": name},
            "description": {"pt": f"<p>{name} da {brand}, feito com carinho no Brasil.</p>"},
            "handle": {"pt": slug(name)},
            "attributes": [{"pt": axis} for axis, _ in axes],
            "published": True,
            "free_shipping": False,
            "brand": brand,
            "seo_title": name,
            "seo_description": f"{name} | {brand}",
            "video_url": None,
            "tags": "",
            "categories": [],
            "images": [],
            "created_at": format_ts(created, STYLE_BRT),
            "updated_at": format_ts(updated, STYLE_BRT),
            "variants": variants,
        })
    return products
