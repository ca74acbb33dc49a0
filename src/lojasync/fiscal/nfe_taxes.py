"""One item's `imposto` group: ICMS, PIS, COFINS, the DIFAL (ICMSUFDest) and IBS/CBS, as the tax rule of the
item chose them and `nfe_money` valued them."""

from __future__ import annotations

from nfelib.nfe.bindings.v4_0 import dfe_tipos_basicos_v1_00 as dfe
from nfelib.nfe.bindings.v4_0 import leiaute_nfe_v4_00 as nfe

from lojasync.fiscal import nfe_format as fmt
from lojasync.fiscal.nfe_money import LineAmounts
from lojasync.fiscal.tax_rules import IcmsGroup, LineTaxRule, PisCofinsGroup

Imposto = nfe.Tnfe.InfNfe.Det.Imposto
ZERO_MONEY = "0.00"
ZERO_RATE = "0.0000"
# pICMSInterPart: the destination UF's share of the DIFAL, 100% since 2019 (EC 87/2015, art. 99 ADCT).
DIFAL_DESTINATION_SHARE = "100.0000"


def _icms(rule: LineTaxRule, amounts: LineAmounts) -> Imposto.Icms:
    origin = nfe.Torig(str(rule.origin))
    if rule.regime.icms_group is IcmsGroup.SIMPLES_102:
        return Imposto.Icms(ICMSSN102=Imposto.Icms.Icmssn102(orig=origin, CSOSN=nfe.Icmssn102Csosn("102")))
    # Retained upstream (CFOP 5405): the retained amounts are optional in the layout and lojasync does not know
    # them (the purchase's NF-e has them), so the group carries the origin and the code alone.
    if rule.regime.icms_group is IcmsGroup.SIMPLES_500:
        return Imposto.Icms(ICMSSN500=Imposto.Icms.Icmssn500(orig=origin, CSOSN=nfe.Icmssn500Csosn("500")))
    if rule.regime.icms_group is IcmsGroup.RETAINED_60:
        return Imposto.Icms(ICMS60=Imposto.Icms.Icms60(orig=origin, CST=nfe.Icms60Cst("60")))
    return Imposto.Icms(ICMS00=Imposto.Icms.Icms00(
        orig=origin, CST=nfe.Icms00Cst("00"), modBC=nfe.Icms00ModBc("3"),   # 3: the value of the operation
        vBC=fmt.money(amounts.icms_base), pICMS=fmt.rate(rule.icms_rate), vICMS=fmt.money(amounts.icms)))


def _pis(rule: LineTaxRule, amounts: LineAmounts) -> Imposto.Pis:
    if rule.regime.pis_cofins_group is PisCofinsGroup.OTHER:
        return Imposto.Pis(PISOutr=Imposto.Pis.Pisoutr(
            CST=nfe.PisoutrCst(rule.pis_cofins_cst), vBC=ZERO_MONEY, pPIS=ZERO_RATE, vPIS=ZERO_MONEY))
    return Imposto.Pis(PISAliq=Imposto.Pis.Pisaliq(
        CST=nfe.PisaliqCst(rule.pis_cofins_cst), vBC=fmt.money(amounts.pis_base), pPIS=fmt.rate(rule.pis_rate),
        vPIS=fmt.money(amounts.pis)))


def _cofins(rule: LineTaxRule, amounts: LineAmounts) -> Imposto.Cofins:
    if rule.regime.pis_cofins_group is PisCofinsGroup.OTHER:
        return Imposto.Cofins(COFINSOutr=Imposto.Cofins.Cofinsoutr(
            CST=nfe.CofinsoutrCst(rule.pis_cofins_cst), vBC=ZERO_MONEY, pCOFINS=ZERO_RATE, vCOFINS=ZERO_MONEY))
    return Imposto.Cofins(COFINSAliq=Imposto.Cofins.Cofinsaliq(
        CST=nfe.CofinsaliqCst(rule.pis_cofins_cst), vBC=fmt.money(amounts.cofins_base),
        pCOFINS=fmt.rate(rule.cofins_rate), vCOFINS=fmt.money(amounts.cofins)))


def _difal(rule: LineTaxRule, amounts: LineAmounts) -> Imposto.Icmsufdest | None:
    if rule.difal is None:
        return None
    return Imposto.Icmsufdest(
        vBCUFDest=fmt.money(amounts.icms_base), pICMSUFDest=fmt.rate(rule.difal.destination_rate),
        pICMSInter=nfe.IcmsufdestPIcmsinter(f"{rule.difal.interstate_rate:.2f}"),
        pICMSInterPart=DIFAL_DESTINATION_SHARE, vICMSUFDest=fmt.money(amounts.difal), vICMSUFRemet=ZERO_MONEY)


def _ibs_cbs(rule: LineTaxRule, amounts: LineAmounts) -> dfe.TtribNfe | None:
    tax = rule.ibs_cbs
    if tax is None:
        return None
    group = dfe.TcibsNfe
    return dfe.TtribNfe(CST=tax.cst, cClassTrib=tax.class_code, gIBSCBS=group(
        vBC=fmt.money(amounts.ibs_cbs_base),
        gIBSUF=group.GIbsuf(pIBSUF=fmt.rate(tax.ibs_uf_rate), vIBSUF=fmt.money(amounts.ibs_uf)),
        gIBSMun=group.GIbsmun(pIBSMun=fmt.rate(tax.ibs_municipal_rate), vIBSMun=fmt.money(amounts.ibs_municipal)),
        vIBS=fmt.money(amounts.ibs),
        gCBS=group.GCbs(pCBS=fmt.rate(tax.cbs_rate), vCBS=fmt.money(amounts.cbs))))


def imposto(rule: LineTaxRule, amounts: LineAmounts) -> Imposto:
    """The `imposto` group of one item."""
    return Imposto(ICMS=_icms(rule, amounts), PIS=_pis(rule, amounts), COFINS=_cofins(rule, amounts),
                   ICMSUFDest=_difal(rule, amounts), IBSCBS=_ibs_cbs(rule, amounts))
