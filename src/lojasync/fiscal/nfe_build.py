"""An `InvoiceDraft` as nfelib's NF-e 4.00 binding (`Nfe`): the tags of the layout filled from the draft, the
tax rules and the money; writing it as XML is `nfe_xml`'s part.

Fixed choices of an online store selling its own goods: natOp "Venda de mercadoria", finNFe 1 (normal),
indFinal 1 (consumer), indPres 2 (internet), indIntermed 0 on the merchant's own store (1 with infIntermed for
a sale on a marketplace, e.g. Mercado Livre: `InvoiceDraft.intermediary`), tpImp 1 (portrait DANFE), tpEmis 1
(normal issue), procEmi 0 (the taxpayer's own software).
"""

from __future__ import annotations

import functools
import importlib.metadata
from decimal import Decimal

from nfelib.nfe.bindings.v4_0 import dfe_tipos_basicos_v1_00 as dfe
from nfelib.nfe.bindings.v4_0 import leiaute_nfe_v4_00 as nfe
from nfelib.nfe.bindings.v4_0 import tipos_basico_v4_00 as basic
from nfelib.nfe.bindings.v4_0.nfe_v4_00 import Nfe

from lojasync.fiscal import nfe_format as fmt
from lojasync.fiscal.delivery_place import delivery_note
from lojasync.fiscal.gateway import Environment
from lojasync.fiscal.municipalities import UF_CODES
from lojasync.fiscal.nfe_checks import (
    NfeIncomplete,
    draft_problems,
    key_mismatches,
    numbering_problems,
    technical_responsible_problems,
)
from lojasync.fiscal.nfe_data import Crt, InvoiceDraft, InvoiceItem
from lojasync.fiscal.nfe_money import InvoiceAmounts, LineAmounts, NfeTotals, cents, invoice_amounts
from lojasync.fiscal.nfe_taxes import imposto
from lojasync.fiscal.tax_rules import (
    Destination,
    LineTaxRule,
    arrival_uf,
    destination,
    item_cfop,
    line_tax_rule,
    payment_type,
    tax_uf,
)
from lojasync.shared.phone import national_digits
from lojasync.shared.state_registration import Contributor, contributor_of, normalise_ie

Inf = nfe.Tnfe.InfNfe
ZERO_MONEY = "0.00"
NATURE_OF_OPERATION = "Venda de mercadoria"
# Rejection 598: in homologação the recipient's name must be exactly this.
HOMOLOGATION_NAME = "NF-E EMITIDA EM AMBIENTE DE HOMOLOGACAO - SEM VALOR FISCAL"
# LC 123/2006 art. 23 and Resolução CGSN 140/2018 art. 59: the notice every Simples Nacional document carries.
SIMPLES_NOTICE = ("Documento emitido por ME ou EPP optante pelo Simples Nacional. Não gera direito a crédito "
                  "fiscal de IPI.")


@functools.cache
def _software_version() -> str:
    try:
        return f"lojasync {importlib.metadata.version('lojasync')}"
    except importlib.metadata.PackageNotFoundError:   # running from a source tree that was never installed
        return "lojasync"


def _ide(draft: InvoiceDraft, dest: Destination) -> Inf.Ide:
    issuer = draft.issuer
    return Inf.Ide(
        cUF=basic.TcodUfIbge(draft.access_key[:2]), cNF=draft.random_code, natOp=NATURE_OF_OPERATION,
        mod=basic.Tmod.VALUE_55, serie=str(draft.series), nNF=str(draft.number),
        dhEmi=fmt.date_time(draft.issued_at), tpNF=nfe.IdeTpNf("1"), idDest=nfe.IdeIdDest(dest.id_dest),
        cMunFG=fmt.digits(issuer.address.municipality_code), tpImp=nfe.IdeTpImp("1"), tpEmis=nfe.IdeTpEmis("1"),
        cDV=draft.access_key[-1], tpAmb=basic.Tamb(draft.environment.value), finNFe=nfe.TfinNfe("1"),
        indFinal=nfe.IdeIndFinal("1"), indPres=nfe.IdeIndPres("2"),
        indIntermed=nfe.IdeIndIntermed("1" if draft.intermediary else "0"),
        procEmi=nfe.TprocEmi("0"), verProc=fmt.text(draft.software_version or _software_version(), 20))


def nfe_phone(value: str | None) -> str | None:
    """DDD + number (the MOC's fone): the country code stores write ("+55 11 98765-4321") is only for foreign
    operations. Anything else that is not a Brazilian number goes as its digits, when they fit the layout (6 to 14);
    None when they do not (the NF-e leaves fone out)."""
    national = national_digits(value) if value else None
    phone = national or fmt.digits(value)
    return phone if 6 <= len(phone) <= 14 else None


def _emit(draft: InvoiceDraft) -> Inf.Emit:
    issuer, address = draft.issuer, draft.issuer.address
    return Inf.Emit(
        CNPJ=fmt.document(issuer.cnpj), xNome=fmt.text(issuer.legal_name, 60),
        xFant=fmt.optional_text(issuer.trade_name, 60),
        enderEmit=nfe.TenderEmi(
            xLgr=fmt.text(address.street, 60), nro=fmt.text(address.number, 60) or "S/N",
            xCpl=fmt.optional_text(address.complement, 60), xBairro=fmt.text(address.district, 60),
            cMun=fmt.digits(address.municipality_code), xMun=fmt.text(address.municipality, 60),
            UF=basic.TufEmi(address.uf.upper()), CEP=fmt.digits(address.zipcode), cPais=nfe.TenderEmiCPais("1058"),
            xPais=nfe.TenderEmiXPais("Brasil"), fone=nfe_phone(address.phone)),
        IE=normalise_ie(issuer.state_registration), CRT=nfe.EmitCrt(issuer.crt.value))


def _dest(draft: InvoiceDraft, dest: Destination) -> Inf.Dest:
    recipient = draft.recipient
    address = recipient.address
    document = fmt.document(recipient.tax_id)
    homologation = draft.environment is Environment.HOMOLOGATION
    zipcode = fmt.digits(address.zipcode)
    contributor = contributor_of(recipient.state_registration) is Contributor.CONTRIBUTOR
    return Inf.Dest(
        CNPJ=document if len(document) == 14 else None, CPF=document if len(document) == 11 else None,
        xNome=HOMOLOGATION_NAME if homologation else fmt.text(recipient.name, 60),
        enderDest=nfe.Tendereco(
            xLgr=fmt.text(address.street, 60), nro=fmt.text(address.number, 60) or "S/N",
            xCpl=fmt.optional_text(address.complement, 60), xBairro=fmt.text(address.district, 60),
            cMun=fmt.digits(address.municipality_code), xMun=fmt.text(address.municipality, 60),
            UF=basic.Tuf(address.uf.upper()), CEP=zipcode if len(zipcode) == 8 else None, cPais="1058",
            xPais="Brasil", fone=nfe_phone(address.phone)),
        indIEDest=nfe.DestIndIedest(dest.ie_indicator),
        # An exempt recipient (indIEDest 2) and a non-contributor (9) carry no IE.
        IE=normalise_ie(recipient.state_registration) if contributor else None,
        email=fmt.optional_email(recipient.email))


def _entrega(draft: InvoiceDraft) -> nfe.Tlocal | None:
    delivery = draft.delivery
    if delivery is None:
        return None
    address, document = delivery.address, fmt.document(delivery.tax_id)
    zipcode = fmt.digits(address.zipcode)
    return nfe.Tlocal(
        CNPJ=document if len(document) == 14 else None, CPF=document if len(document) == 11 else None,
        xNome=_at_least_two(delivery.name), xLgr=fmt.text(address.street, 60),
        nro=fmt.text(address.number, 60) or "S/N", xCpl=fmt.optional_text(address.complement, 60),
        xBairro=fmt.text(address.district, 60), cMun=fmt.digits(address.municipality_code),
        xMun=fmt.text(address.municipality, 60), UF=basic.Tuf(address.uf.upper()),
        CEP=zipcode if len(zipcode) == 8 else None, cPais="1058", xPais="Brasil", fone=nfe_phone(address.phone))


def _at_least_two(value: str | None) -> str | None:
    """An optional name of 2 to 60 characters, or None."""
    name = fmt.text(value, 60)
    return name if len(name) >= 2 else None


def _positive(value: Decimal) -> str | None:
    """Item freight, discount and other charges: the XSD refuses zero there, so zero is left out."""
    return fmt.money(value) if value > 0 else None


def _det(position: int, item: InvoiceItem, amounts: LineAmounts, rule: LineTaxRule, cfop: str) -> Inf.Det:
    gtin = item.gtin or "SEM GTIN"
    unit = fmt.text(item.unit, 6)
    prod = Inf.Det.Prod(
        cProd=fmt.text(item.code, 60), cEAN=gtin, xProd=fmt.text(item.description, 120), NCM=item.ncm,
        CEST=item.cest or None, CFOP=cfop, uCom=unit, qCom=fmt.quantity(item.quantity),
        vUnCom=fmt.unit_price(item.unit_price), vProd=fmt.money(amounts.goods), cEANTrib=gtin, uTrib=unit,
        qTrib=fmt.quantity(item.quantity), vUnTrib=fmt.unit_price(item.unit_price),
        vFrete=_positive(amounts.freight), vDesc=_positive(amounts.discount), vOutro=_positive(amounts.other),
        indTot=nfe.ProdIndTot("1"))
    return Inf.Det(prod=prod, imposto=imposto(rule, amounts), nItem=str(position))


def _total(totals: NfeTotals) -> Inf.Total:
    m = fmt.money
    icms_tot = Inf.Total.Icmstot(
        vBC=m(totals.icms_base), vICMS=m(totals.icms), vICMSDeson=ZERO_MONEY,
        vFCPUFDest=ZERO_MONEY if totals.has_difal else None,
        vICMSUFDest=m(totals.difal) if totals.has_difal else None,
        vICMSUFRemet=ZERO_MONEY if totals.has_difal else None,
        vFCP=ZERO_MONEY, vBCST=ZERO_MONEY, vST=ZERO_MONEY, vFCPST=ZERO_MONEY, vFCPSTRet=ZERO_MONEY,
        vProd=m(totals.goods), vFrete=m(totals.freight), vSeg=ZERO_MONEY, vDesc=m(totals.discount), vII=ZERO_MONEY,
        vIPI=ZERO_MONEY, vIPIDevol=ZERO_MONEY, vPIS=m(totals.pis), vCOFINS=m(totals.cofins), vOutro=m(totals.other),
        vNF=m(totals.invoice_total))
    ibs_cbs_tot = None
    if totals.has_ibs_cbs:
        tot = dfe.TibscbsmonoTot
        ibs_cbs_tot = tot(
            vBCIBSCBS=m(totals.ibs_cbs_base),
            gIBS=tot.GIbs(
                gIBSUF=tot.GIbs.GIbsuf(vDif=ZERO_MONEY, vDevTrib=ZERO_MONEY, vIBSUF=m(totals.ibs_uf)),
                gIBSMun=tot.GIbs.GIbsmun(vDif=ZERO_MONEY, vDevTrib=ZERO_MONEY, vIBSMun=m(totals.ibs_municipal)),
                vIBS=m(totals.ibs), vCredPres=ZERO_MONEY, vCredPresCondSus=ZERO_MONEY),
            gCBS=tot.GCbs(vDif=ZERO_MONEY, vDevTrib=ZERO_MONEY, vCBS=m(totals.cbs), vCredPres=ZERO_MONEY,
                          vCredPresCondSus=ZERO_MONEY))
    return Inf.Total(ICMSTot=icms_tot, IBSCBSTot=ibs_cbs_tot)


# modFrete 0, "contratação do frete por conta do remetente (CIF)": in an online store the merchant buys the
# shipping (Correios or a carrier, label bought by the store) and charges it to the buyer inside the NF-e
# (vFrete). Who hires the carrier decides the mode, not who ends up paying: 1 (FOB) would say the buyer hired
# it, which they did not. A pickup at the store moves no goods: 9, "sem ocorrência de transporte".
FREIGHT_BY_SENDER = "0"
NO_TRANSPORT = "9"


def _transp(draft: InvoiceDraft) -> Inf.Transp:
    carrier = draft.carrier
    carrier_tag = None
    if carrier is not None and not draft.pickup:
        document = fmt.document(carrier.tax_id)
        uf = carrier.uf.upper() if carrier.uf and carrier.uf.upper() in UF_CODES else None
        # An IE (ISENTO included) is written with the UF it belongs to, or not at all: SEFAZ refuses a carrier's
        # IE without its UF (559), and the IE is optional.
        ie = normalise_ie(carrier.state_registration) if uf else None
        carrier_tag = Inf.Transp.Transporta(
            CNPJ=document if len(document) == 14 else None, CPF=document if len(document) == 11 else None,
            xNome=_at_least_two(carrier.name), IE=ie if ie == "ISENTO" or 2 <= len(ie or "") <= 14 else None,
            xEnder=fmt.optional_text(carrier.address, 60), xMun=fmt.optional_text(carrier.municipality, 60),
            UF=basic.Tuf(uf) if uf else None)
    mode = NO_TRANSPORT if draft.pickup else FREIGHT_BY_SENDER
    return Inf.Transp(modFrete=nfe.TranspModFrete(mode), transporta=carrier_tag)


def _pag(draft: InvoiceDraft, invoice_total: Decimal) -> Inf.Pag:
    if invoice_total == 0:
        # A free order (a 100% coupon, a gift alone): nothing was paid, and the layout says so with tPag 90
        # "sem pagamento" (vPag 0), not a PIX of R$ 0,00.
        return Inf.Pag(detPag=[Inf.Pag.DetPag(tPag=NO_PAYMENT, vPag=fmt.money(Decimal(0)))])
    details = []
    for payment in draft.payments:
        kind = payment_type(payment.method)
        described = fmt.text(kind.description, 60)
        # xPag takes 2 to 60 characters: a method the cleaning leaves shorter is "Outros".
        description = (described if len(described) >= 2 else "Outros") if kind.description else None
        details.append(Inf.Pag.DetPag(tPag=kind.code, xPag=description, vPag=fmt.money(cents(payment.amount))))
    paid = sum((cents(p.amount) for p in draft.payments), Decimal(0))
    change = paid - invoice_total
    return Inf.Pag(detPag=details, vTroco=fmt.money(change) if change > 0 else None)


NO_PAYMENT = "90"


def _inf_adic(draft: InvoiceDraft) -> Inf.InfAdic:
    notes = [f"Pedido da loja virtual nº {fmt.text(draft.order_number, 60)}."]
    if draft.delivery_note:
        notes.append(delivery_note(draft.delivery_note))
    if draft.issuer.crt is Crt.SIMPLES_NACIONAL:
        notes.append(SIMPLES_NOTICE)
    return Inf.InfAdic(infCpl=fmt.text(" ".join(notes), 5000))


def _intermed(draft: InvoiceDraft) -> Inf.InfIntermed | None:
    """The marketplace the sale was made on (indIntermed 1): its CNPJ and the merchant's seller id there."""
    sold_on = draft.intermediary
    if sold_on is None:
        return None
    return Inf.InfIntermed(CNPJ=fmt.document(sold_on.cnpj), idCadIntTran=fmt.text(sold_on.seller_id, 60))


def _resp_tec(draft: InvoiceDraft) -> nfe.TinfRespTec | None:
    tech = draft.technical_responsible
    if tech is None:
        return None
    return nfe.TinfRespTec(CNPJ=fmt.document(tech.cnpj), xContato=fmt.text(tech.contact, 60),
                           email=fmt.text(tech.email, 60), fone=fmt.digits(tech.phone))


def build_nfe(draft: InvoiceDraft, *, checked: bool = False) -> Nfe:
    """The unsigned NF-e binding of `draft`. Raises `NfeIncomplete` listing every gap in the data, and
    ValueError when the access key disagrees with the draft. `checked`: the caller found no gap in the same data
    a moment ago (`invoice_draft.draft_inputs`, whose `missing_for_nfe` is this check with more context); only
    what that one does not look at is checked again: the technical responsible, and the series and number, which
    it checks as the company's next while a rebuilt NF-e keeps its own."""
    problems = (numbering_problems(draft.series, draft.number)
                + technical_responsible_problems(draft.technical_responsible)) if checked else draft_problems(draft)
    if problems:
        raise NfeIncomplete(problems)
    mismatches = key_mismatches(draft)
    if mismatches:
        raise ValueError("chave de acesso não confere com a NF-e: " + "; ".join(mismatches))
    issuer_uf = draft.issuer.address.uf.upper()
    taxed_uf = tax_uf(draft.recipient.address.uf, draft.recipient.state_registration,
                      arrival_uf(issuer_uf, draft.delivery.address.uf if draft.delivery else None, draft.pickup))
    dest = destination(issuer_uf, taxed_uf, draft.recipient.state_registration)
    cfops = [item_cfop(dest, item.cfop) for item in draft.items]
    rules = [line_tax_rule(draft.issuer.crt, draft.taxes, dest, issuer_uf, taxed_uf, item.origin, cfop)
             for item, cfop in zip(draft.items, cfops, strict=True)]
    amounts: InvoiceAmounts = invoice_amounts(draft.items, rules, freight=draft.freight, discount=draft.discount,
                                              other=draft.other_costs)
    det = [_det(position, item, line, rule, cfop) for position, (item, line, rule, cfop)
           in enumerate(zip(draft.items, amounts.lines, rules, cfops, strict=True), 1)]
    info = Inf(
        ide=_ide(draft, dest), emit=_emit(draft), dest=_dest(draft, dest), entrega=_entrega(draft), det=det,
        total=_total(amounts.totals), transp=_transp(draft), pag=_pag(draft, amounts.totals.invoice_total),
        infIntermed=_intermed(draft), infAdic=_inf_adic(draft), infRespTec=_resp_tec(draft), versao="4.00",
        Id=f"NFe{draft.access_key}")
    return Nfe(infNFe=info)
