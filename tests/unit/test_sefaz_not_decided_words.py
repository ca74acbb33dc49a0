"""What the operator reads when SEFAZ answered without deciding: the answer's own meaning, not one sentence for all
(review, SEFAZ unstable: 656 said "repita o comando", which keeps SEFAZ's block; 108 said "não decidiu", read as if
SEFAZ held the NF-e)."""

from __future__ import annotations

from lojasync.fiscal.errors import SefazNotDecided
from lojasync.shared.errors import Action


def test_overuse_says_to_wait_the_hour_not_to_repeat():
    said = SefazNotDecided(number=7, status="656", reason="Rejeicao: Consumo Indevido")
    assert said.message == "SEFAZ ainda não decidiu a NF-e nº 7: 656 - Rejeicao: Consumo Indevido."
    assert said.action is None and said.retryable
    assert "bloqueia por uma hora" in said.resolution and "não transmita nem consulte" in said.resolution


def test_out_of_service_says_sefaz_took_nothing_now_and_lojasync_asks_then_sends_it_again():
    said = SefazNotDecided(number=7, status="109", reason="Servico Paralisado sem Previsao")
    assert said.message == "SEFAZ fora do ar (109 - Servico Paralisado sem Previsao): a NF-e nº 7 segue aguardando a SEFAZ."
    # Not "she did not register it": the 108 may answer the query by key before a send, an earlier send being there.
    assert said.action is Action.TRY_AGAIN and "consulta a NF-e pela chave e, se a SEFAZ não a tiver recebido, a " \
        "transmite de novo sozinho" in said.resolution


def test_a_batch_in_processing_keeps_the_general_words():
    said = SefazNotDecided(number=7, status="105", reason="Lote em processamento")
    assert said.message == "SEFAZ ainda não decidiu a NF-e nº 7: 105 - Lote em processamento."
    assert said.resolution == "A NF-e fica aguardando SEFAZ e é consultada de novo automaticamente."
