"""SEFAZ's answer codes (cStat) and their words (xMotivo), as the authorisers send them.

The words follow the MOC's table in SEFAZ's own spelling on the wire: no accents, "Rejeicao: " before a
rejection. A `Rejection` carries the code and, where SEFAZ adds one, the bracketed detail
("[chNFe:...]") that tells the sender what it collided with.
"""

from __future__ import annotations

import functools

REASONS: dict[str, str] = {
    "100": "Autorizado o uso da NF-e",
    "101": "Cancelamento de NF-e homologado",
    "102": "Inutilizacao de numero homologado",
    "103": "Lote recebido com sucesso",
    "104": "Lote processado",
    "105": "Lote em processamento",
    "106": "Lote nao localizado",
    "107": "Servico em Operacao",
    "108": "Servico Paralisado Momentaneamente (curto prazo)",
    "109": "Servico Paralisado sem Previsao",
    "110": "Uso Denegado",
    "128": "Lote de Evento Processado",
    "135": "Evento registrado e vinculado a NF-e",
    "155": "Cancelamento homologado fora de prazo",
    "204": "Rejeicao: Duplicidade de NF-e",
    "205": "Rejeicao: NF-e esta denegada na base de dados da SEFAZ",
    "206": "Rejeicao: NF-e ja esta inutilizada na Base de dados da SEFAZ",
    "207": "Rejeicao: CNPJ do emitente invalido",
    "208": "Rejeicao: CNPJ do destinatario invalido",
    "209": "Rejeicao: IE do emitente invalida",
    "213": "Rejeicao: CNPJ-Base do Emitente difere do CNPJ-Base do Certificado Digital",
    "237": "Rejeicao: CPF do destinatario invalido",
    "271": "Rejeicao: Codigo Municipio do Fato Gerador: difere da UF do emitente",
    "214": "Rejeicao: Tamanho da mensagem excedeu o limite estabelecido",
    "266": "Rejeicao: Serie utilizada fora da faixa permitida no Web Service (0-889)",
    "535": "Rejeicao: Total do Frete difere do somatorio dos itens",
    "536": "Rejeicao: Total do Seguro difere do somatorio dos itens",
    "537": "Rejeicao: Total do Desconto difere do somatorio dos itens",
    "564": "Rejeicao: Total do Produto / Servico difere do somatorio dos itens",
    "604": "Rejeicao: Total do vOutro difere do somatorio dos itens",
    "610": "Rejeicao: Total da NF difere do somatorio dos Valores compoe o valor Total da NF",
    "611": "Rejeicao: GTIN do item (cEAN) invalido",
    "612": "Rejeicao: GTIN da unidade tributavel (cEANTrib) invalido",
    "629": "Rejeicao: Valor do Produto difere do produto Valor Unitario de Comercializacao e Quantidade Comercial",
    "865": "Rejeicao: Total dos pagamentos menor que o total da nota",
    "588": "Rejeicao: Nao e permitida a presenca de caracteres de edicao no inicio/fim da mensagem ou entre as tags "
           "da mensagem",
    "215": "Rejeicao: Falha no schema XML",
    "217": "Rejeicao: NF-e nao consta na base de dados da SEFAZ",
    "218": "Rejeicao: NF-e ja esta cancelada na base de dados da SEFAZ",
    "222": "Rejeicao: Protocolo de Autorizacao de Uso difere do cadastrado",
    "224": "Rejeicao: A faixa inicial e maior que a faixa final",
    "225": "Rejeicao: Falha no Schema XML do lote de NFe",
    "226": "Rejeicao: Codigo da UF do Emitente diverge da UF autorizadora",
    "228": "Rejeicao: Data de Emissao muito atrasada",
    "236": "Rejeicao: Chave de Acesso com digito verificador invalido",
    "241": "Rejeicao: Um numero da faixa ja foi utilizado",
    "247": "Rejeicao: Sigla da UF do Emitente diverge da UF autorizadora",
    "248": "Rejeicao: UF do Recibo diverge da UF autorizadora",
    "249": "Rejeicao: UF da Chave de Acesso diverge da UF autorizadora",
    "250": "Rejeicao: UF diverge da UF autorizadora",
    "252": "Rejeicao: Ambiente informado diverge do Ambiente de recebimento",
    "256": "Rejeicao: Uma NF-e da faixa ja esta inutilizada na Base de dados da SEFAZ",
    "289": "Rejeicao: Codigo da UF informada diverge da UF solicitada",
    "290": "Rejeicao: Certificado Assinatura invalido",
    "291": "Rejeicao: Certificado Assinatura Data Validade",
    "297": "Rejeicao: Assinatura difere do calculado",
    "298": "Rejeicao: Assinatura difere do padrao do Sistema",
    "301": "Uso Denegado: Irregularidade fiscal do emitente",
    "302": "Uso Denegado: Irregularidade fiscal do destinatario",
    "303": "Uso Denegado: Destinatario nao habilitado a operar na UF",
    "404": "Rejeicao: Uso de prefixo de namespace nao permitido",
    "434": "Rejeicao: Nao informado o Indicador de Intermediador/Marketplace",
    "452": "Rejeicao: Solicitada resposta sincrona para Lote com mais de uma NF-e (indSinc=1)",
    "453": "Rejeicao: Ano de inutilizacao nao pode ser superior ao Ano atual",
    "454": "Rejeicao: Ano de inutilizacao nao pode ser inferior a 2006",
    "494": "Rejeicao: Chave de Acesso inexistente",
    "501": "Rejeicao: Prazo de Cancelamento superior ao previsto na Legislacao",
    "502": "Rejeicao: Erro na Chave de Acesso - Campo Id nao corresponde a concatenacao dos campos "
           "correspondentes",
    "539": "Rejeicao: Duplicidade de NF-e com diferenca na Chave de Acesso",
    "561": "Rejeicao: Mes de Emissao informado na Chave de Acesso difere do Mes de Emissao da NF-e",
    "562": "Rejeicao: Codigo Numerico informado na Chave de Acesso difere do Codigo Numerico da NF-e",
    "572": "Rejeicao: Erro Atributo ID do evento nao corresponde a concatenacao dos campos (ID + tpEvento + "
           "chNFe + nSeqEvento)",
    "563": "Rejeicao: Ja existe pedido de Inutilizacao com a mesma faixa de inutilizacao",
    "573": "Rejeicao: Duplicidade de Evento",
    "574": "Rejeicao: O autor do evento diverge do emissor da NF-e",
    "578": "Rejeicao: A data do evento nao pode ser maior que a data de processamento",
    "579": "Rejeicao: A data do evento nao pode ser menor que a data de autorizacao para NF-e nao emitida em "
           "contingencia",
    "580": "Rejeicao: O evento exige uma NF-e autorizada",
    "598": "Rejeicao: NF-e emitida em ambiente de homologacao com Razao Social do destinatario diferente de "
           "NF-E EMITIDA EM AMBIENTE DE HOMOLOGACAO - SEM VALOR FISCAL",
    "696": "Rejeicao: Operacao com nao contribuinte deve indicar operacao com consumidor final",
    "694": "Rejeicao: Nao informado o grupo de ICMS para a UF de destino",
    "695": "Rejeicao: Informado indevidamente o grupo de ICMS para a UF de destino",
    "703": "Rejeicao: Data-Hora de Emissao posterior ao horario de recebimento",
    "805": "Rejeicao: A SEFAZ do destinatario nao permite Contribuinte Isento de Inscricao Estadual",
    "897": "Rejeicao: Codigo numerico em formato invalido",
    "1115": "Rejeicao: IBS/CBS nao informado",
    "999": "Rejeicao: Erro nao catalogado",
}

# Denials (uso denegado) are stored by SEFAZ with a protocol: the number is spent, the NF-e has no value.
DENIALS = frozenset({"110", "301", "302", "303"})
# TMotivo: at most 255 characters.
_MOTIVO_MAX = 255


def reason(status: str, detail: str = "") -> str:
    """xMotivo for `status`, with SEFAZ's bracketed detail when there is one."""
    words = REASONS.get(status, f"Rejeicao: codigo {status}")
    text = f"{words} {detail}".strip() if detail else words
    return plain(text)[:_MOTIVO_MAX].rstrip()


@functools.lru_cache(maxsize=256)  # the same few texts on every answer ("Lote processado", "Autorizado ...")
def plain(text: str) -> str:
    """Printable Latin-1 on one line, as TString allows (library error texts may carry anything)."""
    cleaned = "".join(c if " " <= c <= "\xff" and c != "\x7f" else " " for c in text)
    return " ".join(cleaned.split())


class Rejection(Exception):
    """A check failed: SEFAZ answers `status` (with `detail` appended to its words, or other `words`)."""

    def __init__(self, status: str, detail: str = "", words: str | None = None) -> None:
        super().__init__(f"{status} {detail}".strip())
        self.status = status
        self.detail = detail
        self.words = words

    @property
    def reason(self) -> str:
        return plain(self.words)[:_MOTIVO_MAX] if self.words else reason(self.status, self.detail)
