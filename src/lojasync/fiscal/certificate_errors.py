"""What can be wrong with the merchant's A1 certificate, in words the merchant can act on.

All of them are fixed by configuring another file or password (Action.CONFIGURE), except a certificate
not valid yet, which usually means this computer's clock is wrong.
"""

from __future__ import annotations

from lojasync.shared.errors import Action, LojasyncError
from lojasync.shared.tax_id import format_cnpj


class CertificateError(LojasyncError):
    code = "fiscal.certificate_error"
    action = Action.CONFIGURE


class CertificateMissing(CertificateError):
    """The company has no certificate installed (never, or erased by `secrets reset` after the key was lost)."""

    code = "fiscal.certificate_missing"
    message_template = "A empresa não tem certificado digital A1 instalado: não é possível assinar."
    resolution_template = "Instale o certificado A1 da empresa em Configurações → Certificado A1."
    terminal_commands = ("lojasync company certificate ARQUIVO (--test: um de teste, em homologação)",)


class CertificateNotFound(CertificateError):
    code = "fiscal.certificate_not_found"
    message_template = "O arquivo do certificado digital A1 não foi encontrado: {path}."
    resolution_template = "Confira o caminho configurado para o arquivo .pfx/.p12 do certificado."


class CertificateUnreadable(CertificateError):
    code = "fiscal.certificate_unreadable"
    message_template = "O arquivo não é um certificado digital A1 (.pfx/.p12) legível."
    resolution_template = ("Use o arquivo .pfx ou .p12 do certificado A1; se ele estiver corrompido, exporte-o de novo "
                           "ou peça outro à certificadora.")


class CertificatePasswordWrong(CertificateError):
    code = "fiscal.certificate_password_wrong"
    message_template = "A senha do certificado digital A1 está errada."
    resolution_template = ("Confira a senha do arquivo .pfx (a definida ao exportá-lo ou a informada pela "
                           "certificadora), atenção a maiúsculas e espaços, e configure-a de novo.")


class CertificateWithoutPrivateKey(CertificateError):
    code = "fiscal.certificate_no_private_key"
    message_template = "O arquivo traz o certificado, mas não a chave privada: sem ela não é possível assinar NF-e."
    resolution_template = ("Use o arquivo .pfx/.p12 (não o .cer): ao exportar o certificado A1, marque a opção de "
                           "incluir a chave privada.")


class CertificateInPemFile(CertificateError):
    """Key and certificate as PEM text in one file (what openssl and some servers use): everything is there, but the
    A1 is installed from its .pfx (review: it was told the key was missing, which it was not)."""

    code = "fiscal.certificate_pem"
    message_template = ("O arquivo é um PEM (texto) com a chave privada e o certificado; o certificado A1 é instalado "
                        "a partir do arquivo .pfx/.p12.")
    resolution_template = ("Use o .pfx/.p12 que a certificadora entregou; ou monte um a partir deste PEM com o "
                           "openssl: openssl pkcs12 -export -in ARQUIVO.pem -out certificado.pfx (ele pede a senha "
                           "do .pfx novo, a que você informa ao instalar).")


class CertificateKeyOnly(CertificateError):
    code = "fiscal.certificate_key_only"
    message_template = "O arquivo traz só a chave privada, sem o certificado: é preciso o certificado A1 inteiro."
    resolution_template = ("Use o arquivo .pfx ou .p12 do certificado A1, que traz a chave e o certificado juntos (não "
                           "o .key).")


class CertificateUnsupportedKey(CertificateError):
    code = "fiscal.certificate_unsupported_key"
    message_template = "A chave do certificado não é RSA ({kind}): a SEFAZ só aceita assinaturas RSA."
    resolution_template = "Use um certificado A1 ICP-Brasil (e-CNPJ) emitido por uma certificadora credenciada."


class CertificateExpired(CertificateError):
    code = "fiscal.certificate_expired"
    message_template = "O certificado digital A1 de {holder} venceu em {date}."
    resolution_template = ("Renove o certificado com a certificadora e configure o novo arquivo .pfx: a SEFAZ recusa "
                           "NF-e assinadas com certificado vencido.")


class CertificateNotYetValid(CertificateError):
    code = "fiscal.certificate_not_yet_valid"
    message_template = "O certificado digital A1 de {holder} só vale a partir de {date}."
    resolution_template = ("Confira a data e a hora deste computador; se estiverem certas, aguarde o início da "
                           "validade ou use o certificado anterior.")
    action = Action.TRY_AGAIN


class CertificateCnpjMismatch(CertificateError):
    code = "fiscal.certificate_cnpj_mismatch"
    resolution_template = ("Configure o certificado A1 (e-CNPJ) da empresa emitente: a SEFAZ recusa a NF-e quando a "
                           "raiz do CNPJ do certificado é outra (rejeição 213).")

    def __init__(self, *, certificate_cnpj: str | None, issuer_cnpj: str) -> None:
        issuer = format_cnpj(issuer_cnpj) if len(issuer_cnpj) == 14 else issuer_cnpj
        if certificate_cnpj is None:
            message = f"O certificado digital A1 não traz CNPJ (é um e-CPF?), e a NF-e é emitida pelo CNPJ {issuer}."
        else:
            message = (f"O certificado digital A1 é do CNPJ {format_cnpj(certificate_cnpj)}, mas a NF-e é emitida "
                       f"pelo CNPJ {issuer}.")
        super().__init__(message, certificate_cnpj=certificate_cnpj, issuer_cnpj=issuer_cnpj)


class CertificateSealedWithAnotherKey(CertificateError):
    """The sealed certificate no configured key opens (the secret key was rotated without it, or lost)."""

    code = "fiscal.certificate_sealed_with_another_key"
    message_template = ("O certificado digital A1 guardado foi cifrado com outra chave (LOJASYNC_SECRET_KEY ou o "
                        "arquivo secret.key da pasta de dados): não é possível abri-lo para assinar.")
    resolution_template = ("Use a mesma chave de antes (a variável, ou o secret.key de um backup; depois de trocar de "
                           "chave, quem instalou o lojasync recifra os segredos com a antiga em "
                           "LOJASYNC_OLD_SECRET_KEYS), ou instale o certificado de novo (Configurações → Certificado "
                           "A1).")
    terminal_commands = ("lojasync secrets rotate", "lojasync company certificate ARQUIVO")
